/* scale.h -- the decision core: how many replicas, and why. PURE.
 *
 * ebb_scale_decide() is a pure function of its input: the policy spec
 * (defaulted and valid), the target's replica counts, the target's pods and
 * per-metric observations, the decision history, and the time. It reads no
 * clock, does no I/O and touches no global: the same input always gives the
 * same decision. The controller, `ebb decide` and `ebb simulate` all call it.
 *
 * The semantics are DESIGN.md section 2; with no Ebb extras (bands,
 * cooldowns, schedules, channel ports) they are the autoscaling/v2
 * HorizontalPodAutoscaler's, rule for rule, as HPA.md describes them:
 *   1. paused -> no change, ScalingActive=False/Paused;
 *   2. current == 0 && min != 0 -> no change, ScalingActive=False/ScalingDisabled;
 *      current > max -> max; current < min -> min (metrics not evaluated);
 *   3. per metric a proposal (replica_calculator.go), gated by the band;
 *   4. max over the valid proposals, with HPA's rule for invalid metrics;
 *   5. stabilization windows (behavior) or the 5m downscale window (no behavior);
 *   6. rate limits from the scale events of each policy's period (behavior)
 *      or max(2*current, 4) (no behavior); then cooldowns;
 *   7. clamp to [min, max], schedules and port capacity applied.
 */
#ifndef EBB_SCALE_H
#define EBB_SCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../api/v1alpha1/types.h"
#include "../base/rc.h"

struct ebb_tz; /* pkg/base/tz.h */

enum ebb_pod_phase {
    EBB_POD_PENDING = 0,
    EBB_POD_RUNNING,
    EBB_POD_SUCCEEDED,
    EBB_POD_FAILED,
    EBB_POD_UNKNOWN,
    EBB_POD_PHASE__COUNT
};

/* One pod of the target, as the pod lister sees it. */
struct ebb_pod {
    const char *name;
    enum ebb_pod_phase phase;
    bool has_ready_condition;    /* status.conditions has type Ready */
    bool ready;                  /* ... with status True */
    int64_t ready_transition_ms; /* its lastTransitionTime; EBB_TIME_UNSET */
    int64_t start_ms;            /* status.startTime; EBB_TIME_UNSET */
    bool deleting;               /* metadata.deletionTimestamp is set */
};

/* One pod's sample of one Resource or Pods metric. */
struct ebb_pod_sample {
    bool present;          /* the metrics API returned this pod */
    int64_t value_milli;   /* Resource: usage summed over containers; Pods: the value */
    int64_t request_milli; /* Resource: summed container requests; 0 = none */
    int64_t timestamp_ms;  /* the sample's timestamp */
    int64_t window_ms;     /* the sample's window */
};

/* What was observed for one metric of spec.metrics. */
struct ebb_metric_obs {
    const char *error; /* non-NULL: could not be read, and why (shown to users) */
    /* Resource, Pods: one sample per pod, parallel to ebb_scale_input.pods. */
    const struct ebb_pod_sample *samples;
    /* External (sum of matching series), Prometheus (the query's value).
     * NaN, infinities and negative values make the metric invalid. */
    double value;
};

/* Controller-wide settings, HPA's controller-manager flags. */
struct ebb_scale_config {
    int64_t cpu_initialization_period_ms; /* 5m */
    int64_t initial_readiness_delay_ms;   /* 30s */
    int64_t downscale_stabilization_ms;   /* 5m: window when spec.behavior is absent */
    int64_t tolerance_milli;              /* 100: when the policy sets none */
    int64_t sync_period_ms;               /* 15s: a sample older than two of these is stale */
};

void ebb_scale_config_default(struct ebb_scale_config *c /* OUT */);

/* Bounded decision state; persisted in status (recommendations, scaleEvents,
 * lastScale*Time, currentMetrics[].aboveSince/belowSince) so a restart or a
 * failover decides as an uninterrupted run would. */
#define EBB_HISTORY_MAX_RECS 128
#define EBB_HISTORY_MAX_EVENTS 128

struct ebb_band_timer {
    int64_t above_since_ms; /* since when the metric is above scaleUp.above; EBB_TIME_UNSET */
    int64_t below_since_ms; /* since when it is below scaleDown.below; EBB_TIME_UNSET */
};

struct ebb_history {
    struct ebb_recommendation recs[EBB_HISTORY_MAX_RECS]; /* oldest first */
    size_t n_recs;
    struct ebb_scale_event events[EBB_HISTORY_MAX_EVENTS]; /* oldest first */
    size_t n_events;
    int64_t last_scale_up_ms;                     /* EBB_TIME_UNSET */
    int64_t last_scale_down_ms;                   /* EBB_TIME_UNSET */
    struct ebb_band_timer bands[EBB_MAX_METRICS]; /* parallel to spec.metrics */
};

/* An empty history: no recommendations, no events, no timers. */
void ebb_history_init(struct ebb_history *h /* OUT */);

struct ebb_scale_input {
    const struct ebb_policy_spec *spec; /* defaulted (ebb_policy_defaults) and valid */
    bool paused;                        /* spec.paused or the ebb.dev/paused annotation */
    int32_t current_replicas;           /* the target's /scale spec.replicas */
    int32_t status_replicas;            /* the target's /scale status.replicas */
    const struct ebb_pod *pods;
    size_t n_pods;
    const struct ebb_metric_obs *metrics; /* parallel to spec->metrics */
    const struct ebb_history *history;    /* NULL = empty */
    /* Parallel to spec->schedules: the zone of each (NULL entry = UTC). May
     * be NULL when no schedule names a zone. A schedule that names a zone
     * whose data is missing is ignored, and the reason says so. */
    const struct ebb_tz *const *schedule_tz;
    int32_t port_capacity; /* slots this policy may hold in its port pool; EBB_UNSET = no pool */
    const struct ebb_scale_config *config; /* NULL = defaults */
    int64_t now_ms;                        /* unix milliseconds */
};

enum ebb_cond_type {
    EBB_COND_ABLE_TO_SCALE = 0,
    EBB_COND_SCALING_ACTIVE,
    EBB_COND_SCALING_LIMITED,
    EBB_COND_TYPE__COUNT
};

/* "AbleToScale", "ScalingActive", "ScalingLimited". */
const char *ebb_cond_type_name(enum ebb_cond_type t);

struct ebb_cond_out {
    enum ebb_condition_status status;
    const char *reason; /* static CamelCase string: HPA's name where HPA has one */
    /* Room for "unable to compute the replica count: ", a metric's name
     * and its whole error (EBB_METRIC_ERROR_MAX). */
    char message[768];
};

/* A metric's error, as read (a Prometheus or API server message) or as
 * decided; longer ones are cut. Sized for a real server's error, not a
 * summary: it goes whole into the ScalingActive message and the
 * FailedGetMetrics Event. */
#define EBB_METRIC_ERROR_MAX 512

struct ebb_metric_result {
    bool valid;
    /* Why it is invalid, when !valid. */
    char error[EBB_METRIC_ERROR_MAX];
    int32_t raw_proposal; /* replicas the metric asks for, before the band; EBB_UNSET */
    int32_t proposal;     /* after the band gate; EBB_UNSET when invalid */
    int64_t value_milli;  /* the value compared with the target: utilization in
                             percent, per-pod average, or value (x1000) */
    int64_t target_milli; /* the target in the same unit (x1000) */
    bool band_held;       /* the band kept the current count */
};

struct ebb_decision {
    int32_t desired;        /* the replica count to set */
    bool scale;             /* desired != current_replicas */
    int32_t recommendation; /* max over metrics, before stabilization (recorded) */
    int32_t stabilized;     /* after the stabilization window */
    int32_t min_replicas;   /* effective bounds, after schedules and port capacity */
    int32_t max_replicas;
    int active_schedule; /* index in spec.schedules of the active schedule, or -1 */
    size_t n_metrics;
    struct ebb_metric_result metrics[EBB_MAX_METRICS];
    struct ebb_cond_out conditions[EBB_COND_TYPE__COUNT];
    char reason[512]; /* one line a person can read */
    /* The history after this decision: the recommendation recorded, band
     * timers updated and, when `scale`, the scale event and last-scale times
     * as if the change were applied. A controller whose patch fails keeps
     * the input history plus ebb_history_add_recommendation(). */
    struct ebb_history history;
};

/* Appends {now_ms, replicas} to h's recommendations (coalescing a repeat
 * of the newest value, dropping the oldest when full). */
void ebb_history_add_recommendation(struct ebb_history *h, int64_t now_ms, int32_t replicas);

/* Rebuilds a history from a policy's status (recommendations, scaleEvents,
 * lastScaleUpTime/lastScaleDownTime, currentMetrics[].aboveSince/belowSince
 * matched to spec.metrics by name), newest entries kept when status holds
 * more than fits. */
void ebb_history_from_status(const struct ebb_policy_spec *spec, const struct ebb_policy_status *st,
                             struct ebb_history *h /* OUT */);

/* Decides. EBB_ERR_INVALID when the input is inconsistent (NULL spec,
 * metrics missing, a count below 0); the decision is then "no change". */
enum ebb_rc ebb_scale_decide(const struct ebb_scale_input *in, struct ebb_decision *out /* OUT */);

#endif
