/* scale_fixtures.h -- building decision-core inputs for tests.
 *
 * A world owns everything an ebb_scale_input points at: the spec with its
 * metrics, rate policies and schedules, the pods, one sample row per metric,
 * the observations, the history and the config. Allocate one with
 * ebbt_scale_world_new() (it is too big for a test's stack), shape it with
 * the helpers, call ebbt_scale_decide(), free it with ebbt_scale_world_free().
 * Linked into every test program; uses only the pure core.
 */
#ifndef EBBT_SCALE_FIXTURES_H
#define EBBT_SCALE_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>

#include "../../pkg/scale/scale.h"

#define EBBT_MAX_PODS 128
#define EBBT_MAX_SCHEDULES 8

/* 2026-11-27T12:00:00Z */
#define EBBT_NOW 1795780800000LL
/* Go's zero time.Time (0001-01-01T00:00:00Z): what HPA's tests leave unset. */
#define EBBT_GO_ZERO (-62135596800000LL)
#define EBBT_SEC 1000LL
#define EBBT_MIN (60 * 1000LL)

struct ebbt_scale_world {
    struct ebb_policy_spec spec;
    struct ebb_metric_spec metrics[EBB_MAX_METRICS];
    struct ebb_rate_policy up_policies[EBB_MAX_RATE_POLICIES];
    struct ebb_rate_policy down_policies[EBB_MAX_RATE_POLICIES];
    struct ebb_schedule schedules[EBBT_MAX_SCHEDULES];
    const struct ebb_tz *tzs[EBBT_MAX_SCHEDULES];
    struct ebb_pod pods[EBBT_MAX_PODS];
    char pod_names[EBBT_MAX_PODS][16];
    struct ebb_pod_sample samples[EBB_MAX_METRICS][EBBT_MAX_PODS];
    struct ebb_metric_obs obs[EBB_MAX_METRICS];
    struct ebb_history history;
    struct ebb_scale_config config;
    struct ebb_scale_input in;
};

/* A world with no metrics, no pods, bounds [min, max], `current` replicas
 * (status replicas the same), HPA's default tolerance and controller flags,
 * no spec.behavior, no port pool, an empty history, now = EBBT_NOW. */
struct ebbt_scale_world *ebbt_scale_world_new(int32_t min, int32_t max, int32_t current);
void ebbt_scale_world_free(struct ebbt_scale_world *w);

/* Metrics; each returns its index. Values are thousandths except percent. */
int ebbt_scale_add_cpu(struct ebbt_scale_world *w, int32_t target_percent);
int ebbt_scale_add_resource_avg(struct ebbt_scale_world *w, const char *resource,
                                int64_t target_milli);
int ebbt_scale_add_pods_metric(struct ebbt_scale_world *w, int64_t target_milli);
/* External (or Prometheus when prom) with a Value or AverageValue target and
 * the observed value. */
int ebbt_scale_add_external(struct ebbt_scale_world *w, bool prom, enum ebb_target_type type,
                            int64_t target_milli, double value);

/* Bands on metric i: threshold in the target's unit (percent for
 * Utilization, else thousandths); for_ms EBB_UNSET for none. */
void ebbt_scale_band_up(struct ebbt_scale_world *w, int i, int64_t above, int64_t for_ms);
void ebbt_scale_band_down(struct ebbt_scale_world *w, int i, int64_t below, int64_t for_ms);

/* spec.behavior as HPA defaults it: scaleUp window 0, {4 pods, 100%} per
 * 15s, Max; scaleDown window 5m, {100%} per 15s, Max; no cooldowns. */
void ebbt_scale_behavior(struct ebbt_scale_world *w);
/* Replaces a direction's policies (pods and percent with their periods in
 * seconds; 0 leaves that policy out), as HPA's generateScalingRules. */
void ebbt_scale_rules(struct ebbt_scale_world *w, bool up, int32_t pods, int32_t pods_period_s,
                      int32_t percent, int32_t percent_period_s, int64_t window_ms);

/* Adds a pod: phase, Ready status, start and Ready-transition instants.
 * Returns its index. */
int ebbt_scale_add_pod(struct ebbt_scale_world *w, enum ebb_pod_phase phase, bool ready,
                       int64_t start_ms, int64_t transition_ms);
/* Adds n running, ready pods started long ago. */
void ebbt_scale_add_ready_pods(struct ebbt_scale_world *w, int n);
/* Pod p's sample of metric i (present, timestamp now, window 30s). */
void ebbt_scale_sample(struct ebbt_scale_world *w, int i, int p, int64_t value_milli,
                       int64_t request_milli);

/* History helpers. */
void ebbt_scale_rec(struct ebbt_scale_world *w, int64_t ago_ms, int32_t replicas);
void ebbt_scale_event(struct ebbt_scale_world *w, int64_t ago_ms, int32_t from, int32_t to);

/* Adds a schedule; returns its index. start/end EBB_TIME_UNSET for a cron
 * schedule, cron NULL for an absolute one. */
int ebbt_scale_add_schedule(struct ebbt_scale_world *w, const char *name, const char *cron,
                            int64_t duration_ms, const char *zone, int64_t start_ms, int64_t end_ms,
                            int32_t min, int32_t max);

/* Decides on w->in (which a test may change first). */
enum ebb_rc ebbt_scale_decide(struct ebbt_scale_world *w, struct ebb_decision *out);

#endif
