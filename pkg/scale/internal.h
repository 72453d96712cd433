/* internal.h -- what the files of pkg/scale share and nothing outside reads.
 *
 * replica_calc.c turns one metric's observation into a proposal (HPA's
 * replica_calculator.go); stabilize.c holds the stabilization windows, the
 * rate limits and the history housekeeping (HPA's horizontal.go); decide.c
 * strings them together with Ebb's bands, cooldowns, schedules and port
 * capacity and writes the reason. All of it is PURE.
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

#endif
