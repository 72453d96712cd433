/* scale_review_test.c -- pkg/scale: the decision core against the findings
 * of its review, one table row per finding case:
 *   1. a negative per-pod usage, value or request makes the metric invalid;
 *   2. history from the future counts as "now", never as a future date;
 *   3. the port pool blocks a scale-up but never forces a scale-down;
 *   4. a cooldown leaves AbleToScale True (reason *Cooldown, time left);
 *   6. tolerance: per direction, else behavior.tolerance, else the config's;
 *   7. a schedule's max under the spec's min lowers the min;
 *   9. External/Prometheus AverageValue report the per-pod average.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/defaults.h"
#include "../../pkg/scale/scale.h"
#include "scale_fixtures.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct row {
    const char *name;
    int32_t min, max, current;
    void (*setup)(struct ebbt_scale_world *w);
    int32_t desired;
    const char *able;    /* AbleToScale reason; NULL = not checked */
    const char *limited; /* ScalingLimited reason; NULL = not checked */
    const char *active;  /* ScalingActive reason; NULL = not checked */
    const char *reason;  /* a substring of the reason line; NULL = not checked */
    void (*check)(const struct ebbt_scale_world *w, const struct ebb_decision *d);
};

/* Per-test state, freed by the teardown even when an assertion fails. */
struct fx {
    const struct row *row;
    struct ebbt_scale_world *w;
    struct ebb_decision *d;
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->row = *state;
    f->d = malloc(sizeof(*f->d));
    *state = f;
    return f->d != NULL ? 0 : -1;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    ebbt_scale_world_free(f->w);
    free(f->d);
    free(f);
    return 0;
}

/* n ready pods of one cpu metric (target percent), each using `usage` of a
 * 1000m request. */
static int cpu_pods(struct ebbt_scale_world *w, int32_t target, int n, int64_t usage)
{
    int i = ebbt_scale_add_cpu(w, target);
    ebbt_scale_add_ready_pods(w, n);
    for (int p = 0; p < n; p++)
        ebbt_scale_sample(w, i, p, usage, 1000);
    return i;
}

static void want_error(const struct ebb_decision *d, const char *error)
{
    assert_false(d->metrics[0].valid);
    assert_int_equal(d->metrics[0].proposal, EBB_UNSET);
    if (strcmp(d->metrics[0].error, error) != 0)
        fail_msg("error \"%s\", want \"%s\"", d->metrics[0].error, error);
}

/* ---- 1. negative per-pod samples ---- */

static void s_neg_usage(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 3, 900);
    w->samples[0][1].value_milli = -5;
}

static void c_neg_usage(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    want_error(d, "pod pod-1: usage -5m is negative");
}

static void s_neg_request(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 3, 900);
    w->samples[0][2].request_milli = -100;
}

static void c_neg_request(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    want_error(d, "pod pod-2: request -100m is negative");
}

static void s_neg_request_missing_pod(struct ebbt_scale_world *w)
{
    /* A pod without a sample still carries its request: negative is wrong. */
    cpu_pods(w, 60, 3, 900);
    w->samples[0][2].present = false;
    w->samples[0][2].request_milli = -2000;
}

static void c_neg_request_missing_pod(const struct ebbt_scale_world *w,
                                      const struct ebb_decision *d)
{
    (void)w;
    want_error(d, "pod pod-2: request -2 is negative");
}

static void s_neg_pods_value(struct ebbt_scale_world *w)
{
    int i = ebbt_scale_add_pods_metric(w, 10000);
    ebbt_scale_add_ready_pods(w, 2);
    ebbt_scale_sample(w, i, 0, 30000, 0);
    ebbt_scale_sample(w, i, 1, -2000, 0);
}

static void c_neg_pods_value(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    want_error(d, "pod pod-1: value -2 is negative");
}

static void s_neg_on_deleting_pod(struct ebbt_scale_world *w)
{
    /* HPA ignores a pod being deleted, and so does the check. */
    cpu_pods(w, 60, 3, 900);
    w->samples[0][2].value_milli = -5;
    w->pods[2].deleting = true;
}

static void c_valid(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_true(d->metrics[0].valid);
}

static void s_neg_with_valid_metric_up(struct ebbt_scale_world *w)
{
    /* One metric invalid by a negative sample, the other says up: HPA's
     * rule for invalid metrics lets the scale-up through. */
    cpu_pods(w, 60, 4, 900);
    w->samples[0][0].value_milli = -1;
    ebbt_scale_add_external(w, false, EBB_TARGET_AVERAGE_VALUE, 1000, 8.0);
}

/* ---- 2. history from the future ---- */

static void cool_up(struct ebbt_scale_world *w)
{
    ebbt_scale_behavior(w);
    w->spec.behavior.scale_up.cooldown_ms = 3 * EBBT_MIN;
    cpu_pods(w, 60, 4, 900);
}

static void s_future_last_up(struct ebbt_scale_world *w)
{
    cool_up(w);
    w->history.last_scale_up_ms = EBBT_NOW + 60 * EBBT_MIN;
}

static void c_future_last_up(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_true(d->history.last_scale_up_ms == EBBT_NOW);
}

static void s_future_last_down(struct ebbt_scale_world *w)
{
    ebbt_scale_behavior(w);
    w->spec.behavior.scale_down.stabilization_ms = 0;
    w->spec.behavior.scale_down.cooldown_ms = 15 * EBBT_MIN;
    cpu_pods(w, 60, 4, 200);
    w->history.last_scale_down_ms = EBBT_NOW + 24 * 60 * EBBT_MIN;
}

static void s_future_recs(struct ebbt_scale_world *w)
{
    /* A recommendation of 10 dated an hour ahead: it holds the scale-down
     * now (its time counts as now), and is out of the 5m window 6 minutes
     * on -- not an hour and 5 minutes on. */
    ebbt_scale_behavior(w);
    cpu_pods(w, 60, 4, 200);
    ebbt_scale_rec(w, -60 * EBBT_MIN, 10);
}

static void c_future_recs(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    for (size_t i = 0; i < d->history.n_recs; i++)
        assert_true(d->history.recs[i].time_ms <= EBBT_NOW);
    /* Chained: 6 minutes later the window has let the 10 go. */
    struct ebbt_scale_world *w2 = ebbt_scale_world_new(1, 100, 4);
    struct ebb_decision *d2 = malloc(sizeof(*d2));
    assert_non_null(d2);
    ebbt_scale_behavior(w2);
    cpu_pods(w2, 60, 4, 200);
    memcpy(&w2->history, &d->history, sizeof(w2->history));
    w2->in.now_ms = EBBT_NOW + 6 * EBBT_MIN;
    for (int p = 0; p < 4; p++)
        w2->samples[0][p].timestamp_ms = w2->in.now_ms;
    assert_int_equal(ebbt_scale_decide(w2, d2), EBB_OK);
    int32_t got = d2->desired;
    free(d2);
    ebbt_scale_world_free(w2);
    (void)w;
    assert_int_equal(got, 2);
}

static void s_future_event(struct ebbt_scale_world *w)
{
    /* A scale event 2 -> 4 dated a day ahead would cap scale-ups at
     * "4 pods per minute since 2 replicas" until then. */
    ebbt_scale_behavior(w);
    ebbt_scale_rules(w, true, 4, 60, 0, 0, 0);
    cpu_pods(w, 50, 4, 1000);
    ebbt_scale_event(w, -24 * 60 * EBBT_MIN, 2, 4);
}

static void c_future_event(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_true(d->history.n_events >= 1);
    for (size_t i = 0; i < d->history.n_events; i++)
        assert_true(d->history.events[i].time_ms <= EBBT_NOW);
}

static void s_future_band(struct ebbt_scale_world *w)
{
    int i = cpu_pods(w, 60, 4, 800);
    ebbt_scale_band_up(w, i, 70, 5 * EBBT_MIN);
    w->history.bands[i].above_since_ms = EBBT_NOW + 60 * EBBT_MIN;
}

static void c_future_band(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_true(d->history.bands[0].above_since_ms == EBBT_NOW);
}

static void s_future_paused(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 900);
    w->in.paused = true;
    w->history.last_scale_up_ms = EBBT_NOW + EBBT_MIN;
}

static void c_future_paused(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    /* Paused decisions hand the history back as it came. */
    assert_memory_equal(&d->history, &w->history, sizeof(d->history));
}

/* ---- 3. port capacity ---- */

static void s_ports_zero_up(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 900);
    w->in.port_capacity = 0;
}

static void c_bounds_1_4(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->min_replicas, 1);
    assert_int_equal(d->max_replicas, 4);
    assert_int_equal(d->conditions[EBB_COND_SCALING_LIMITED].status, EBB_COND_TRUE);
}

static void s_ports_zero_hold(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 600);
    w->in.port_capacity = 0;
}

static void s_ports_zero_down(struct ebbt_scale_world *w)
{
    ebbt_scale_behavior(w);
    w->spec.behavior.scale_down.stabilization_ms = 0;
    cpu_pods(w, 60, 4, 300);
    w->in.port_capacity = 0;
}

static void s_ports_min_lowered(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 2, 600);
    w->in.port_capacity = 3;
}

static void c_bounds_3_3(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->min_replicas, 3);
    assert_int_equal(d->max_replicas, 3);
}

static void s_ports_partial(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 900);
    w->in.port_capacity = 5;
}

static void s_ports_spec_max_first(struct ebbt_scale_world *w)
{
    /* The spec's max is lower than the pool: TooManyReplicas, not ports. */
    cpu_pods(w, 60, 4, 900);
    w->in.port_capacity = 10;
}

/* ---- 4. cooldowns ---- */

static void s_cool_up_inside(struct ebbt_scale_world *w)
{
    cool_up(w);
    w->history.last_scale_up_ms = EBBT_NOW - 2 * EBBT_MIN;
}

static void c_cool_up(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    const struct ebb_cond_out *able = &d->conditions[EBB_COND_ABLE_TO_SCALE];
    const struct ebb_cond_out *lim = &d->conditions[EBB_COND_SCALING_LIMITED];
    assert_int_equal(able->status, EBB_COND_TRUE);
    assert_string_equal(able->message, "scale-up cooldown: 1m0s left");
    assert_int_equal(lim->status, EBB_COND_FALSE);
    assert_string_equal(lim->reason, "DesiredWithinRange");
}

static void s_cool_down_inside(struct ebbt_scale_world *w)
{
    ebbt_scale_behavior(w);
    w->spec.behavior.scale_down.stabilization_ms = 0;
    w->spec.behavior.scale_down.cooldown_ms = 15 * EBBT_MIN;
    cpu_pods(w, 60, 4, 200);
    w->history.last_scale_up_ms = EBBT_NOW - 10 * EBBT_MIN;
}

static void c_cool_down(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    const struct ebb_cond_out *able = &d->conditions[EBB_COND_ABLE_TO_SCALE];
    assert_int_equal(able->status, EBB_COND_TRUE);
    assert_string_equal(able->message, "scale-down cooldown: 5m0s left");
}

static void s_cool_up_rate_limited(struct ebbt_scale_world *w)
{
    /* The rate limit spoke first: the cooldown leaves ScalingLimited alone. */
    cool_up(w);
    ebbt_scale_rules(w, true, 1, 60, 0, 0, 0);
    w->history.last_scale_up_ms = EBBT_NOW - 2 * EBBT_MIN;
}

static void c_cool_up_rate_limited(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->conditions[EBB_COND_ABLE_TO_SCALE].status, EBB_COND_TRUE);
    assert_int_equal(d->conditions[EBB_COND_SCALING_LIMITED].status, EBB_COND_TRUE);
}

/* ---- 6. tolerance ---- */

static void no_tolerance(struct ebbt_scale_world *w)
{
    w->spec.behavior.tolerance = (struct ebb_quantity){0, false};
    w->spec.behavior.scale_up.tolerance = (struct ebb_quantity){0, false};
    w->spec.behavior.scale_down.tolerance = (struct ebb_quantity){0, false};
}

static void s_tol_config(struct ebbt_scale_world *w)
{
    /* 70% of a 60% target: a ratio of 1.17, inside the config's 0.2. */
    no_tolerance(w);
    w->config.tolerance_milli = 200;
    cpu_pods(w, 60, 4, 700);
}

static void s_tol_config_default(struct ebbt_scale_world *w)
{
    no_tolerance(w);
    cpu_pods(w, 60, 4, 700);
}

static void s_tol_behavior_over_config(struct ebbt_scale_world *w)
{
    no_tolerance(w);
    w->config.tolerance_milli = 50;
    w->spec.behavior.tolerance = (struct ebb_quantity){200, true};
    cpu_pods(w, 60, 4, 700);
}

static void s_tol_direction_over_behavior(struct ebbt_scale_world *w)
{
    no_tolerance(w);
    w->config.tolerance_milli = 500;
    w->spec.behavior.tolerance = (struct ebb_quantity){500, true};
    w->spec.behavior.scale_up.tolerance = (struct ebb_quantity){100, true};
    cpu_pods(w, 60, 4, 700);
}

static void s_tol_defaulted(struct ebbt_scale_world *w)
{
    /* Defaulting must not write 0.1 into the policy: the config decides. */
    struct ebb_policy p;
    no_tolerance(w);
    w->config.tolerance_milli = 200;
    cpu_pods(w, 60, 4, 700);
    ebb_policy_init(&p);
    p.spec = w->spec;
    assert_int_equal(ebb_policy_defaults(&p), EBB_OK);
    w->spec = p.spec;
    ebb_policy_release(&p);
}

/* ---- 7. schedules ---- */

static void s_sched_max_under_min(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 5, 600);
    ebbt_scale_add_schedule(w, "quiet", NULL, EBB_UNSET, NULL, EBBT_NOW - 60 * EBBT_MIN,
                            EBBT_NOW + 60 * EBBT_MIN, EBB_UNSET, 3);
}

static void c_sched_max_under_min(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->min_replicas, 3);
    assert_int_equal(d->max_replicas, 3);
    assert_non_null(strstr(d->reason, "minReplicas lowered from 5 (spec) to maxReplicas 3"));
}

static void s_sched_min_over_max(struct ebbt_scale_world *w)
{
    /* A peak's min above the spec's max still raises the max. */
    cpu_pods(w, 60, 5, 600);
    ebbt_scale_add_schedule(w, "peak", NULL, EBB_UNSET, NULL, EBBT_NOW - 60 * EBBT_MIN,
                            EBBT_NOW + 60 * EBBT_MIN, 12, EBB_UNSET);
}

static void c_sched_min_over_max(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->min_replicas, 12);
    assert_int_equal(d->max_replicas, 12);
}

/* ---- 9. AverageValue reports the per-pod average ---- */

static void s_avg_value(struct ebbt_scale_world *w)
{
    ebbt_scale_add_ready_pods(w, 3);
    ebbt_scale_add_external(w, false, EBB_TARGET_AVERAGE_VALUE, 2150, 8.6);
}

static void c_avg_value(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->metrics[0].value_milli, 2867); /* ceil(8600m / 3) */
    assert_int_equal(d->metrics[0].target_milli, 2150);
}

static void s_avg_status_replicas(struct ebbt_scale_world *w)
{
    /* Divided by status replicas (2 pods exist), not by spec replicas. */
    ebbt_scale_add_ready_pods(w, 2);
    ebbt_scale_add_external(w, true, EBB_TARGET_AVERAGE_VALUE, 2000, 9.0);
    w->in.status_replicas = 2;
}

static void c_avg_status_replicas(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->metrics[0].value_milli, 4500);
}

static void s_avg_from_zero(struct ebbt_scale_world *w)
{
    ebbt_scale_add_external(w, false, EBB_TARGET_AVERAGE_VALUE, 100000, 250.0);
}

static void c_avg_from_zero(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    /* No replicas to share it: the whole value, what the first would get. */
    assert_int_equal(d->metrics[0].value_milli, 250000);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct row rows[] = {
    /* 1 */
    {"negative usage makes the metric invalid", 1, 10, 3, s_neg_usage, 3, NULL, NULL,
     "FailedGetResourceMetric", "all metrics invalid: cpu: pod pod-1: usage -5m is negative",
     c_neg_usage},
    {"negative request makes the metric invalid", 1, 10, 3, s_neg_request, 3, NULL, NULL,
     "FailedGetResourceMetric", "pod pod-2: request -100m is negative", c_neg_request},
    {"negative request of a pod without a sample", 1, 10, 3, s_neg_request_missing_pod, 3, NULL,
     NULL, "FailedGetResourceMetric", NULL, c_neg_request_missing_pod},
    {"negative Pods value makes the metric invalid", 1, 10, 2, s_neg_pods_value, 2, NULL, NULL,
     "FailedGetPodsMetric", "qps: pod pod-1: value -2 is negative", c_neg_pods_value},
    {"a pod being deleted is not looked at", 1, 10, 3, s_neg_on_deleting_pod, 3, NULL, NULL,
     "ValidMetricFound", NULL, c_valid},
    {"a negative sample with another metric up scales up", 1, 10, 4, s_neg_with_valid_metric_up, 8,
     NULL, NULL, "ValidMetricFound", "cpu invalid: pod pod-0: usage -1m is negative"},
    /* 2 */
    {"future lastScaleUpTime counts as now", 1, 100, 4, s_future_last_up, 4, "ScaleUpCooldown",
     NULL, NULL, "scale-up cooldown: 3m0s left (would scale 4 -> 6)", c_future_last_up},
    {"future lastScaleDownTime counts as now", 1, 100, 4, s_future_last_down, 4,
     "ScaleDownCooldown", NULL, NULL, "scale-down cooldown: 15m0s left"},
    {"future recommendations count as now", 1, 100, 4, s_future_recs, 4, "ScaleDownStabilized",
     NULL, NULL, "max recommendation 10", c_future_recs},
    {"future scale events count as now", 1, 100, 4, s_future_event, 6, NULL, "ScaleUpLimit", NULL,
     "4 -> 6 (limited by 4 pods/1m0s policy)", c_future_event},
    {"a future band timer starts now", 1, 100, 4, s_future_band, 4, NULL, NULL, NULL,
     "cpu 80% above 70% for 0s, needs 5m0s: holding 4", c_future_band},
    {"paused keeps even a future history", 1, 100, 4, s_future_paused, 4, NULL, NULL, "Paused",
     NULL, c_future_paused},
    /* 3 */
    {"ports: capacity 0, min 1, current 4 wants up: holds 4", 1, 20, 4, s_ports_zero_up, 4, NULL,
     "PortPoolExhausted", NULL, "scale-up limited by the port pool (0 slots): holding 4",
     c_bounds_1_4},
    {"ports: capacity 0, min 1, current 4 in tolerance: holds 4", 1, 20, 4, s_ports_zero_hold, 4,
     NULL, "DesiredWithinRange", NULL, "within tolerance"},
    {"ports: capacity 0 never blocks a scale-down", 1, 20, 4, s_ports_zero_down, 2, NULL,
     "DesiredWithinRange", NULL, "4 -> 2"},
    {"ports: min comes down to the pool", 5, 20, 2, s_ports_min_lowered, 3, NULL,
     "PortPoolExhausted", NULL,
     "2 replicas below minReplicas 5, cut to the port pool (3 slots): 2 -> 3", c_bounds_3_3},
    {"ports: a scale-up stops at the pool", 1, 20, 4, s_ports_partial, 5, NULL, "PortPoolExhausted",
     NULL, "4 -> 5 (limited by the port pool (5 slots))"},
    {"ports: the spec's max below the pool", 1, 5, 4, s_ports_spec_max_first, 5, NULL,
     "TooManyReplicas", NULL, "(limited by maxReplicas 5)"},
    /* 4 */
    {"cooldown up: AbleToScale True, ScaleUpCooldown", 1, 100, 4, s_cool_up_inside, 4,
     "ScaleUpCooldown", NULL, NULL, "scale-up cooldown: 1m0s left", c_cool_up},
    {"cooldown down: AbleToScale True, ScaleDownCooldown", 1, 100, 4, s_cool_down_inside, 4,
     "ScaleDownCooldown", NULL, NULL, "scale-down cooldown: 5m0s left", c_cool_down},
    {"cooldown after a rate limit keeps ScalingLimited", 1, 100, 4, s_cool_up_rate_limited, 4,
     "ScaleUpCooldown", "ScaleUpLimit", NULL, NULL, c_cool_up_rate_limited},
    /* 6 */
    {"tolerance: the config's when the policy sets none", 1, 100, 4, s_tol_config, 4, NULL, NULL,
     NULL, "within tolerance: cpu 70% (target 60%)"},
    {"tolerance: the config's default 0.1", 1, 100, 4, s_tol_config_default, 5, NULL, NULL, NULL,
     "4 -> 5"},
    {"tolerance: behavior.tolerance over the config", 1, 100, 4, s_tol_behavior_over_config, 4,
     NULL, NULL, NULL, "within tolerance"},
    {"tolerance: scaleUp.tolerance over behavior.tolerance", 1, 100, 4,
     s_tol_direction_over_behavior, 5, NULL, NULL, NULL, "4 -> 5"},
    {"tolerance: a defaulted policy leaves it to the config", 1, 100, 4, s_tol_defaulted, 4, NULL,
     NULL, NULL, "within tolerance: cpu 70% (target 60%)"},
    /* 7 */
    {"schedule: a max under the spec's min lowers the min", 5, 20, 5, s_sched_max_under_min, 3,
     NULL, "TooManyReplicas", "OutsideRange", "5 replicas above maxReplicas 3 of schedule quiet",
     c_sched_max_under_min},
    {"schedule: a min over the spec's max raises the max", 1, 10, 5, s_sched_min_over_max, 12, NULL,
     "TooFewReplicas", "OutsideRange", "below minReplicas 12 of schedule peak",
     c_sched_min_over_max},
    /* 9 */
    {"AverageValue: value is ceil(value / statusReplicas)", 1, 10, 3, s_avg_value, 4, NULL, NULL,
     NULL, "queue 2.867 above target 2.15: 3 -> 4", c_avg_value},
    {"AverageValue: divided by status replicas", 1, 10, 4, s_avg_status_replicas, 5, NULL, NULL,
     NULL, "rps 4.5 above target 2: 4 -> 5", c_avg_status_replicas},
    {"AverageValue from zero: the whole value", 0, 10, 0, s_avg_from_zero, 3, NULL, NULL, NULL,
     "queue 250 above target 100: 0 -> 3", c_avg_from_zero},
};
#pragma GCC diagnostic pop

static void run_row(void **state)
{
    struct fx *f = *state;
    const struct row *r = f->row;
    struct ebbt_scale_world *w = f->w = ebbt_scale_world_new(r->min, r->max, r->current);
    struct ebb_decision *d = f->d;

    r->setup(w);
    memset(d, 0xa5, sizeof(*d));
    assert_int_equal(ebbt_scale_decide(w, d), EBB_OK);
    if (d->desired != r->desired)
        fail_msg("desired %d, want %d: %s", (int)d->desired, (int)r->desired, d->reason);
    assert_int_equal(d->scale, r->desired != r->current);
    if (r->able != NULL)
        assert_string_equal(d->conditions[EBB_COND_ABLE_TO_SCALE].reason, r->able);
    /* Nothing in this table makes AbleToScale False. */
    assert_int_equal(d->conditions[EBB_COND_ABLE_TO_SCALE].status, EBB_COND_TRUE);
    if (r->limited != NULL)
        assert_string_equal(d->conditions[EBB_COND_SCALING_LIMITED].reason, r->limited);
    if (r->active != NULL)
        assert_string_equal(d->conditions[EBB_COND_SCALING_ACTIVE].reason, r->active);
    if (r->reason != NULL && strstr(d->reason, r->reason) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", d->reason, r->reason);
    if (r->check != NULL)
        r->check(w, d);
}

int main(void)
{
    struct CMUnitTest tests[COUNT(rows)];
    for (size_t i = 0; i < COUNT(rows); i++)
        tests[i] =
            (struct CMUnitTest){rows[i].name, run_row, fx_setup, fx_teardown, (void *)&rows[i]};
    return _cmocka_run_group_tests("scale_review", tests, COUNT(rows), NULL, NULL);
}
