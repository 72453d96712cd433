/* events.h -- Kubernetes Events about our objects, aggregated and rate-limited. EDGE.
 *
 * Writes events.k8s.io/v1 Events (eventTime as MicroTime, reportingController,
 * reportingInstance, action, reason, note, regarding, type). When the server
 * has no events.k8s.io group -- a create gets 404 and so does the group's
 * discovery document -- it falls back to core/v1 Events (involvedObject,
 * message, source, count, first/lastTimestamp) for the rest of its life.
 *
 * Repeats and the rate limit are decided by the pure aggregator
 * (event_agg.h): a repeat within the window updates the series of the Event
 * already written (a merge PATCH of series.count and series.lastObservedTime;
 * a strategic-merge PATCH of count and lastTimestamp on core/v1), a flapping
 * object's burst beyond its token bucket is dropped and counted. A series
 * whose Event is gone from the server (Events expire) starts a new one.
 */
#ifndef EBB_KUBE_EVENTS_H
#define EBB_KUBE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "client.h"
#include "event_agg.h"
#include "status.h"

/* The object an Event is about. ns NULL or "": cluster-scoped (the Event
 * goes to "default"). uid may be NULL. */
struct ebb_event_ref {
    const char *api_version;
    const char *kind;
    const char *ns;
    const char *name;
    const char *uid;
};

struct ebb_events_opts {
    const char *reporting_controller; /* default "ebb" */
    const char *reporting_instance;   /* the pod name; required */
    struct ebb_event_agg_opts agg;    /* window, per-object bucket, table sizes */
};

void ebb_events_opts_default(struct ebb_events_opts *o /* OUT */);

struct ebb_events;

/* The client is borrowed and must outlive the recorder. */
enum ebb_rc ebb_events_new(struct ebb_kube_client *c, const struct ebb_events_opts *o,
                           struct ebb_events **out /* OUT */, char *err, size_t errsz);
void ebb_events_free(struct ebb_events *ev);

/* Records one occurrence of an Event (type "Normal" or "Warning"; reason
 * and action CamelCase; note up to 1024 bytes, cut beyond). *plan (may be
 * NULL) says what was done: EBB_EVENT_DROP when the rate limit dropped it
 * (EBB_OK: a drop is not a failure). EBB_ERR_IO with *err when the API
 * refused the write; EBB_ERR_INVALID when ref has no name or reason is
 * empty. Blocking (ebb_kube_do). */
enum ebb_rc ebb_events_emit(struct ebb_events *ev, const struct ebb_event_ref *ref,
                            const char *type, const char *reason, const char *action,
                            const char *note, int64_t now_ms, int64_t wall_ms,
                            struct ebb_event_plan *plan /* OUT, may be NULL */,
                            struct ebb_kube_error *err /* OUT, may be NULL */);

/* Events dropped by the rate limit so far. */
uint64_t ebb_events_dropped(const struct ebb_events *ev);
/* True once the recorder writes core/v1 Events. */
bool ebb_events_core(const struct ebb_events *ev);

#endif
