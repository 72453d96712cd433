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
 *
 * Never blocking: ebb_events_emit() decides at once (aggregation, rate
 * limit) and queues the write; the writes go out one after the other,
 * through ebb_kube_submit(), as the operator's loop polls the client --
 * each completion callback sends the next. The queue is bounded
 * (queue_max writes waiting or in flight): beyond it an Event is dropped
 * and counted like a rate-limited one. A series update waiting in the
 * queue takes in the later occurrences of its series (one PATCH carries
 * the latest count). A write the API refuses is reported to on_error (and
 * kept as the last error); nothing is retried beyond what the client does.
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

/* A write of the Event k that the API refused (or that got no answer):
 * err says why. Runs inside ebb_kube_client_poll(); it may emit. */
typedef void ebb_events_error_fn(void *ctx, const struct ebb_event_key *k,
                                 const struct ebb_kube_error *err);

struct ebb_events_opts {
    const char *reporting_controller; /* default "ebb" */
    const char *reporting_instance;   /* the pod name; required */
    struct ebb_event_agg_opts agg;    /* window, per-object bucket, table sizes */
    size_t queue_max;                 /* writes waiting or in flight; default 256 */
    ebb_events_error_fn *on_error;    /* may be NULL */
    void *ctx;                        /* for on_error */
};

void ebb_events_opts_default(struct ebb_events_opts *o /* OUT */);

struct ebb_events;

/* The client is borrowed and must outlive the recorder. */
enum ebb_rc ebb_events_new(struct ebb_kube_client *c, const struct ebb_events_opts *o,
                           struct ebb_events **out /* OUT */, char *err, size_t errsz);
/* Cancels the write in flight and drops the queue (flush first to send it). */
void ebb_events_free(struct ebb_events *ev);

/* Records one occurrence of an Event (type "Normal" or "Warning"; reason
 * and action CamelCase; note up to 1024 bytes, cut beyond) and queues its
 * write; never waits. *plan (may be NULL) says what was decided:
 * EBB_EVENT_DROP when the rate limit or a full queue dropped it (EBB_OK: a
 * drop is not a failure). EBB_ERR_INVALID when ref has no name or reason
 * is empty; EBB_ERR_NOMEM. May be called from client callbacks. */
enum ebb_rc ebb_events_emit(struct ebb_events *ev, const struct ebb_event_ref *ref,
                            const char *type, const char *reason, const char *action,
                            const char *note, int64_t now_ms, int64_t wall_ms,
                            struct ebb_event_plan *plan /* OUT, may be NULL */);

/* Writes queued or in flight. */
size_t ebb_events_pending(const struct ebb_events *ev);
/* For shutdown: polls the client until no write is pending, at most
 * timeout_ms. EBB_ERR_IO when time ran out (the rest stays queued). Not
 * from inside a client callback. */
enum ebb_rc ebb_events_flush(struct ebb_events *ev, int timeout_ms);

/* Events dropped so far: by the rate limit, and because the queue was full. */
uint64_t ebb_events_dropped(const struct ebb_events *ev);
/* Of those, the ones dropped because the queue was full. */
uint64_t ebb_events_overflowed(const struct ebb_events *ev);
/* Writes the API refused (or that got no answer) so far. */
uint64_t ebb_events_failed(const struct ebb_events *ev);
/* Why the last failed write failed, or NULL when none has. */
const struct ebb_kube_error *ebb_events_last_error(const struct ebb_events *ev);
/* True once the recorder writes core/v1 Events. */
bool ebb_events_core(const struct ebb_events *ev);

#endif
