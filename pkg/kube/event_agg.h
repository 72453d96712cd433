/* event_agg.h -- aggregation and rate limiting of Kubernetes Events. PURE.
 *
 * Decides, for each Event the operator wants to emit, whether to create a
 * new Event object, to update the series of one created before, or to
 * drop it -- without I/O; pkg/kube/events.c does the writing.
 *
 * Aggregation: an Event with the same regarding object, type, reason,
 * action and note as one seen less than `window` ago (since its last
 * occurrence) joins that one's series: the object already on the server
 * gets its count and last time updated (events.k8s.io `series.count` and
 * `series.lastObservedTime`; core/v1 `count` and `lastTimestamp`) instead
 * of a new object, as client-go's event correlator does.
 *
 * Rate limit: every regarding object has a token bucket (burst 25, then
 * one per 5 minutes by default: client-go's EventSourceObjectSpamFilter),
 * shared by all its Events, so a flapping error cannot flood the API.
 * When the bucket is empty the Event is dropped: nothing is written, the
 * drop is counted, and when it repeats a series its occurrence still
 * counts, so the next update that goes through carries the true count.
 *
 * Both tables are bounded; the least recently used entry is evicted (an
 * evicted object's bucket starts full again, an evicted series starts a
 * new Event). Time comes in: `now_ms` a monotonic clock for windows and
 * buckets, `wall_ms` unix ms for the times written into Events.
 */
#ifndef EBB_KUBE_EVENT_AGG_H
#define EBB_KUBE_EVENT_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "ratelimit.h"

#define EBB_EVENT_NAME_MAX 254 /* an object name, NUL included */

/* What an Event is about and says; NULL reads as "". */
struct ebb_event_key {
    const char *api_version; /* of the regarding object: "ebb.dev/v1alpha1" */
    const char *kind;
    const char *ns;
    const char *name;
    const char *uid;
    const char *type; /* "Normal", "Warning" */
    const char *reason;
    const char *action;
    const char *note;
};

struct ebb_event_agg_opts {
    size_t max_series;  /* default 1024 */
    size_t max_objects; /* default 1024 */
    int64_t window_ms;  /* default 10 minutes */
    double qps;         /* per object; default 1/300; <= 0: no limit */
    int burst;          /* per object; default 25 */
};

void ebb_event_agg_opts_default(struct ebb_event_agg_opts *o /* OUT */);

enum ebb_event_verb {
    EBB_EVENT_DROP = 0, /* rate-limited: write nothing */
    EBB_EVENT_CREATE,   /* create a new Event object named `name` */
    EBB_EVENT_SERIES,   /* update the series of the Event object `name` */
};

struct ebb_event_plan {
    enum ebb_event_verb verb;
    char name[EBB_EVENT_NAME_MAX]; /* "<object name>.<hex>", unique per Event object */
    int32_t count;                 /* occurrences in the series, 1 for a create */
    int64_t first_wall_ms;         /* eventTime / firstTimestamp */
    int64_t last_wall_ms;          /* series.lastObservedTime / lastTimestamp */
};

struct ebb_event_agg_series;
struct ebb_event_agg_object;

struct ebb_event_agg {
    struct ebb_event_agg_opts opts;
    struct ebb_event_agg_series *series; /* max_series slots */
    size_t n_series;
    struct ebb_event_agg_object *objects; /* max_objects slots */
    size_t n_objects;
    uint64_t seq;     /* makes names unique within one millisecond */
    uint64_t dropped; /* Events dropped by the rate limit since init */
};

/* o may be NULL for the defaults. Release with ebb_event_agg_release(). */
enum ebb_rc ebb_event_agg_init(struct ebb_event_agg *a, const struct ebb_event_agg_opts *o);
void ebb_event_agg_release(struct ebb_event_agg *a);

/* Decides what to do with one occurrence of k. EBB_ERR_INVALID when the
 * regarding object has no name or the Event no reason; EBB_ERR_NOMEM. */
enum ebb_rc ebb_event_agg_record(struct ebb_event_agg *a, const struct ebb_event_key *k,
                                 int64_t now_ms, int64_t wall_ms,
                                 struct ebb_event_plan *out /* OUT */);

/* The write of k's plan failed for good (or the object is gone from the
 * server): forget its series, so the next occurrence creates a new Event. */
void ebb_event_agg_forget(struct ebb_event_agg *a, const struct ebb_event_key *k);

#endif
