/* internal.h -- what the files of pkg/scale share and nothing outside reads.
 *
 * replica_calc.c turns one metric's observation into a proposal (HPA's
 * replica_calculator.go); stabilize.c holds the stabilization windows, the
 * rate limits and the history housekeeping (HPA's horizontal.go); decide.c
 * strings them together with Ebb's bands; bounds.c sets the effective
 * [min, max] (schedules, port capacity) and applies stabilization, rate
 * limits and cooldowns; explain.c writes the conditions and the reason. All
 * of it is PURE.
 */
#ifndef EBB_SCALE_INTERNAL_H
#define EBB_SCALE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scale.h"

/* A line in a fixed buffer, always NUL-terminated, cut off when full:
 * reasons and messages are built with it rather than snprintf, which would
 * cost more than the rest of a decision. */
struct ebb__line {
    char *buf;
    size_t cap; /* > 0 */
    size_t len;
};

static inline void ebb__line_init(struct ebb__line *l, char *buf, size_t cap)
{
    l->buf = buf;
    l->cap = cap;
    l->len = 0;
    buf[0] = '\0';
}

static inline void ebb__line_add(struct ebb__line *l, const char *s)
{
    size_t n = strlen(s);
    if (n > l->cap - 1 - l->len)
        n = l->cap - 1 - l->len;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
    l->buf[l->len] = '\0';
}

/* Appends v in decimal. */
void ebb__line_int(struct ebb__line *l, int64_t v);

/* HPA's Tolerances: no change while (1 - down) <= ratio <= (1 + up). */
struct ebb__tol {
    double up;
    double down;
};

bool ebb__tol_within(const struct ebb__tol *t, double ratio);

/* Why a metric proposes what it does; the reason line says it. */
enum ebb__why {
    EBB__WHY_COMPUTED = 0, /* the formula gave the proposal */
    EBB__WHY_TOLERANCE,    /* the ratio is inside the tolerance band: current */
    EBB__WHY_CONSERVATIVE, /* counting missing and unready pods conservatively left no
                              change (tolerance or a reversed direction): current */
    EBB__WHY_INVALID,      /* the metric could not be used */
};

/* The part of the input every metric's calculation reads. */
struct ebb__calc_ctx {
    int64_t now_ms;
    int64_t cpu_init_ms;     /* config cpu_initialization_period_ms */
    int64_t readiness_ms;    /* config initial_readiness_delay_ms */
    int64_t stale_ms;        /* a sample older than now - stale_ms counts as missing; 0 = never */
    int32_t current;         /* spec.replicas of the target */
    int32_t status_replicas; /* status.replicas of the target */
    const struct ebb_pod *pods;
    size_t n_pods;
};

/* Computes r->valid, r->error, r->raw_proposal, r->value_milli and
 * r->target_milli for one metric (proposal and band fields are the
 * caller's). *reason gets the ScalingActive reason to report when the metric
 * is invalid (FailedGetResourceMetric, ...). */
enum ebb__why ebb__metric_propose(const struct ebb__calc_ctx *c, const struct ebb_metric_spec *m,
                                  const struct ebb_metric_obs *obs, const struct ebb__tol *tol,
                                  struct ebb_metric_result *r, const char **reason);

/* HPA's stabilizeRecommendation (no spec.behavior): the highest of rec and
 * every recommendation not older than now - window_ms. */
int32_t ebb__stabilize_legacy(const struct ebb_history *h, int64_t now_ms, int64_t window_ms,
                              int32_t rec);

/* HPA's stabilizeRecommendationWithBehaviors: up = min of rec and the
 * recommendations newer than now - up_ms, down = max of rec and those newer
 * than now - down_ms; the result is current clamped to [up, down]. */
int32_t ebb__stabilize_behavior(const struct ebb_history *h, int64_t now_ms, int64_t up_ms,
                                int64_t down_ms, int32_t current, int32_t rec,
                                int32_t *up /* OUT */, int32_t *down /* OUT */);

/* HPA's calculateScaleUpLimitWithScalingRules and
 * calculateScaleDownLimitWithBehaviors over h's scale events. *policy gets
 * the index of the policy that set the limit, or -1 (selectPolicy Disabled,
 * or no policies). */
int32_t ebb__scale_up_limit(const struct ebb_history *h, int64_t now_ms, int32_t current,
                            const struct ebb_scaling_rules *r, int *policy);
int32_t ebb__scale_down_limit(const struct ebb_history *h, int64_t now_ms, int32_t current,
                              const struct ebb_scaling_rules *r, int *policy);

/* Drops recommendations older than now - rec_keep_ms and events older than
 * now - event_keep_ms. */
void ebb__history_prune(struct ebb_history *h, int64_t now_ms, int64_t rec_keep_ms,
                        int64_t event_keep_ms);

/* Moves every instant of h later than now_ms back to now_ms: recommendation
 * and scale-event times, the last-scale times and the band timers. A
 * history from the future (clock skew on a failover, a hand edit) is
 * taken as "just now", never honoured until that future date. */
void ebb__history_clamp_future(struct ebb_history *h, int64_t now_ms);

/* Drops the recommendations no stabilization window can ever see: an entry
 * for which a newer entry is >= it and a newer entry is <= it changes
 * neither the max nor the min over any window ending now. Keeps a full
 * history exact for windows longer than EBB_HISTORY_MAX_RECS syncs. */
void ebb__history_compact(struct ebb_history *h);

/* Appends a scale event, dropping the oldest when full. */
void ebb__history_add_event(struct ebb_history *h, int64_t now_ms, int32_t from, int32_t to);

/* a + b, saturating at the int64 limits. Inline: the per-pod loop sums
 * with it. (__builtin_add_overflow: GCC >= 5, clang >= 3.8.) */
static inline int64_t ebb__add_sat(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_expect(__builtin_add_overflow(a, b, &r), 0))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* ---- the decision's working state: decide.c, bounds.c, explain.c ---- */

/* What stopped the count at a bound or a rate; explain.c holds the
 * ScalingLimited reason and HPA's message for each. */
enum ebb__limit {
    EBB__LIM_NONE = 0,
    EBB__LIM_TOO_FEW,
    EBB__LIM_TOO_MANY,
    EBB__LIM_UP_RATE,
    EBB__LIM_DOWN_RATE,
    EBB__LIM_PORTS,
    EBB__LIM__COUNT
};

/* A cooldown holding the count. */
enum ebb__hold {
    EBB__HOLD_NONE = 0,
    EBB__HOLD_UP_COOLDOWN,
    EBB__HOLD_DOWN_COOLDOWN,
};

/* One ebb_scale_decide() call. */
struct ebb__run {
    const struct ebb_scale_input *in;
    const struct ebb_policy_spec *s;
    const struct ebb_scale_config *cfg;
    struct ebb_decision *out;
    int32_t cur;
    int64_t now;
    bool behavior;
    int64_t up_window, down_window; /* stabilization windows in use */
    /* effective bounds and where they come from */
    int32_t min, max;
    int32_t port_cap;                /* in->port_capacity: slots of the pool, EBB_UNSET */
    bool port_limited;               /* the pool lowered max (to the larger of it and cur) */
    bool min_port_cut;               /* ... and min with it: minReplicas does not fit the pool */
    int32_t min_wanted;              /* min before that cut (spec or schedule) */
    const char *min_from, *max_from; /* schedule names, or NULL for the spec */
    /* per metric */
    enum ebb__why why[EBB_MAX_METRICS];
    const char *fail_reason[EBB_MAX_METRICS];
    int lead;          /* the metric that set the recommendation, -1 */
    int first_invalid; /* -1 */
    /* after stabilization and limits */
    int32_t best, stabilized, desired;
    int32_t win_min, win_max; /* min and max recommendation in the windows */
    int32_t wanted;           /* desired before a cooldown held it */
    enum ebb__limit limit;
    int policy; /* index of the rate policy that limited, -1 */
    enum ebb__hold hold;
    int64_t hold_left_ms;
    char note[256]; /* from the schedules, or ""; last: not cleared with the rest */
};

static inline int64_t ebb__max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static inline int64_t ebb__or_zero(int64_t v)
{
    return v > 0 ? v : 0;
}

/* Elapsed time since t, never overflowing; INT64_MAX when t is unset. */
static inline int64_t ebb__since(int64_t now, int64_t t)
{
    if (t == EBB_TIME_UNSET)
        return INT64_MAX;
    if (t < 0 && now > INT64_MAX + t)
        return INT64_MAX;
    if (t > 0 && now < INT64_MIN + t)
        return INT64_MIN;
    return now - t;
}

/* A band with a threshold gates its direction. */
static inline bool ebb__band_on(const struct ebb_band *b)
{
    return b->set && b->threshold.set;
}

/* bounds.c: sets r->min, r->max, where they come from, r->note and
 * out->active_schedule, min_replicas and max_replicas. */
void ebb__run_bounds(struct ebb__run *r);

/* bounds.c: spec.minReplicas is not 0 and no schedule can make it 0. */
bool ebb__min_never_zero(const struct ebb_policy_spec *s);

/* bounds.c: stabilizes r->best into r->stabilized, records it, and limits
 * it into r->desired: HPA's convertDesiredReplicasWithRules (no
 * spec.behavior) or convertDesiredReplicasWithBehaviorRate. */
void ebb__run_stabilize_legacy(struct ebb__run *r);
void ebb__run_stabilize_behavior(struct ebb__run *r);

/* bounds.c: holds r->desired at r->cur during a cooldown (behavior only). */
void ebb__run_cooldowns(struct ebb__run *r);

/* explain.c: schedule i's name for a message, "(unnamed)" when it has none. */
const char *ebb__schedule_name(const struct ebb_policy_spec *s, size_t i);

/* explain.c: the conditions and the reason of each outcome. The explain_*
 * functions append to l, which holds out->reason. */
void ebb__explain_start(struct ebb_decision *out);
void ebb__explain_invalid_input(struct ebb_decision *out);
void ebb__explain_paused(const struct ebb__run *r, struct ebb__line *l);
void ebb__explain_disabled(const struct ebb__run *r, struct ebb__line *l);
void ebb__explain_outside(const struct ebb__run *r, struct ebb__line *l, bool above);
void ebb__explain_invalid(const struct ebb__run *r, struct ebb__line *l, size_t n_invalid);
void ebb__explain_found(const struct ebb__run *r);
void ebb__explain_limits(const struct ebb__run *r);
void ebb__explain_cooldown(const struct ebb__run *r);
void ebb__explain_result(const struct ebb__run *r, struct ebb__line *l, size_t n_invalid);
void ebb__explain_tail(const struct ebb__run *r, struct ebb__line *l);

#endif
