/* scale_test.c -- pkg/scale: the decision core, table by table.
 *
 * 1. rc_cases: one metric's proposal, ported from kubernetes'
 *    replica_calculator_test.go (each case named after its HPA test). As
 *    there, each pod has two containers reporting the level and requesting
 *    the request, the CPU initialization period is 2m, the readiness delay
 *    10s, samples have a 1m window and no timestamp, and unset instants are
 *    Go's zero time.
 * 2. rules_cases: convertDesiredReplicasWithBehaviorRate, from
 *    horizontal_test.go's TestScalingWithRules and friends. The decision core
 *    also stabilizes, so these run with both windows at 0 (which leaves the
 *    rate rules alone) and a zero tolerance, so the metric proposes exactly
 *    the prenormalized count.
 * 3. stab_cases: stabilizeRecommendation(WithBehaviors), from
 *    TestNormalizeDesiredReplicas and TestNormalizeDesiredReplicasWithBehavior.
 * 4. scenarios: whole decisions -- HPA's reconcile flow and every Ebb
 *    addition (bands, cooldowns, schedules, port capacity, pause, invalid
 *    metrics, reasons).
 * Each table row is its own cmocka test, named after the row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/base/tz.h"
#include "../../pkg/scale/scale.h"
#include "scale_fixtures.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NO_CHECK INT64_MIN

/* Per-test state: the table row, and what the test allocates, freed by
 * fx_teardown even when an assertion fails. */
struct fx {
    const void *row;
    struct ebbt_scale_world *w;
    struct ebb_decision *d;
    struct ebb_tz *tz;
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
    ebb_tz_free(f->tz);
    free(f);
    return 0;
}

/* ------------------------------------------------------------------ */
/* 1. replica calculator                                               */
/* ------------------------------------------------------------------ */

#include "hpa_cases.h" /* rc_cases, rules_cases, stab_cases */

static enum ebb_pod_phase phase_of(char c)
{
    switch (c) {
    case 'P':
        return EBB_POD_PENDING;
    case 'F':
        return EBB_POD_FAILED;
    case 'S':
        return EBB_POD_SUCCEEDED;
    default:
        return EBB_POD_RUNNING;
    }
}

static void rc_run(void **state)
{
    struct fx *f = *state;
    const struct rc_case *c = f->row;
    struct ebbt_scale_world *w = f->w = ebbt_scale_world_new(0, EBB_MAX_REPLICAS, c->current);
    struct ebb_decision *d = f->d;
    int i = 0, n = c->n > 0 ? c->n : c->current;
    int64_t lev[16], req[16];
    int nlev = c->nlev;
    int32_t want = c->want;

    w->config.cpu_initialization_period_ms = 2 * EBBT_MIN;
    w->config.initial_readiness_delay_ms = 10 * EBBT_SEC;
    w->config.sync_period_ms = 0;
    if (c->status_set)
        w->in.status_replicas = c->status;
    if (c->tol_set) {
        w->spec.behavior.scale_up.tolerance.milli = c->tol_up;
        w->spec.behavior.scale_down.tolerance.milli = c->tol_down;
    }
    for (int p = 0; p < 8; p++) {
        lev[p] = c->lev[p];
        req[p] = c->req[p] != 0 ? c->req[p] : 1000;
    }
    /* TestReplicaCalcComputedToleranceAlgImplementation: ten pods of 150m
     * usage around a 300m request; the table has room for eight. */
    if (want == -2 || want == -3) {
        int64_t more[] = {300, 300};
        for (int p = 8; p < 10; p++) {
            lev[p] = 150;
            req[p] = more[p - 8];
        }
        nlev = 10;
        want = want == -2 ? 9 : 10;
    }

    switch (c->kind) {
    case K_CPU:
        i = ebbt_scale_add_cpu(w, (int32_t)c->target);
        break;
    case K_MEM_AVG:
        i = ebbt_scale_add_resource_avg(w, "memory", c->target);
        break;
    case K_PODS:
        i = ebbt_scale_add_pods_metric(w, c->target);
        break;
    case K_EXT_VALUE:
    case K_PROM_VALUE:
        i = ebbt_scale_add_external(w, c->kind == K_PROM_VALUE, EBB_TARGET_VALUE, c->target,
                                    c->value);
        break;
    case K_EXT_AVG:
        i = ebbt_scale_add_external(w, false, EBB_TARGET_AVERAGE_VALUE, c->target, c->value);
        break;
    }
    for (int p = 0; p < n; p++) {
        char st = c->start != NULL ? c->start[p] : '0';
        int64_t start = st == 'h' ? EBBT_NOW : st == 'c' ? EBBT_NOW - 3 * EBBT_MIN : EBBT_GO_ZERO;
        bool ready = c->ready == NULL || c->ready[p] == 'T';
        int k = ebbt_scale_add_pod(w, phase_of(c->phase != NULL ? c->phase[p] : 'R'), ready, start,
                                   EBBT_GO_ZERO);
        w->pods[k].deleting = c->gone != NULL && c->gone[p] == 'd';
        if (c->kind == K_EXT_VALUE || c->kind == K_EXT_AVG || c->kind == K_PROM_VALUE)
            continue;
        bool two = c->kind == K_CPU; /* two containers, as in HPA's tests */
        struct ebb_pod_sample *s = &w->samples[i][k];
        s->present = p < nlev;
        s->value_milli = p < nlev ? (two ? 2 * lev[p] : lev[p]) : 0;
        s->request_milli = c->kind == K_CPU && !c->no_requests && p < 10 ? 2 * req[p] : 0;
        s->timestamp_ms = EBB_TIME_UNSET;
        s->window_ms = EBBT_MIN;
    }

    assert_int_equal(ebbt_scale_decide(w, d), EBB_OK);
    const struct ebb_metric_result *r = &d->metrics[0];
    if (want < 0) {
        assert_false(r->valid);
        assert_true(r->error[0] != '\0');
        assert_int_equal(r->raw_proposal, EBB_UNSET);
    } else {
        if (!r->valid)
            fail_msg("%s: invalid: %s", c->name, r->error);
        assert_int_equal(r->raw_proposal, want);
        if (c->want_value != NO_CHECK)
            assert_true(r->value_milli == c->want_value);
    }
}

/* ------------------------------------------------------------------ */
/* 2. rate rules                                                       */
/* ------------------------------------------------------------------ */

/* HPA's generateEventsUniformDistribution over 120s. */
static void spread_events(struct ebbt_scale_world *w, const int *ev, int n, bool up)
{
    int seg = 120 / n;
    for (int k = 0; k < n; k++) {
        int64_t ago = (int64_t)(120 - seg * (k + 1) + seg / 2) * EBBT_SEC;
        if (up)
            ebbt_scale_event(w, ago, 100, 100 + ev[k]);
        else
            ebbt_scale_event(w, ago, 100 + ev[k], 100);
    }
}

/* One External AverageValue metric with target 1 and a zero tolerance: the
 * metric proposes exactly `desired`. */
static int exact_metric(struct ebbt_scale_world *w, int32_t desired)
{
    int i = ebbt_scale_add_external(w, false, EBB_TARGET_AVERAGE_VALUE, 1000, (double)desired);
    w->spec.behavior.tolerance.milli = 0;
    w->spec.behavior.scale_up.tolerance.milli = 0;
    w->spec.behavior.scale_down.tolerance.milli = 0;
    return i;
}

static void rules_run(void **state)
{
    struct fx *f = *state;
    const struct rules_case *c = f->row;
    struct ebbt_scale_world *w = f->w = ebbt_scale_world_new(c->min, c->max, c->cur);
    struct ebb_decision *d = f->d;
    int32_t want = c->want == -2 ? 2 : c->want == -3 ? 3 : c->want;

    ebbt_scale_behavior(w);
    if (c->up[0] || c->up[2])
        ebbt_scale_rules(w, true, c->up[0], c->up[1], c->up[2], c->up[3], 0);
    if (c->down[0] || c->down[2])
        ebbt_scale_rules(w, false, c->down[0], c->down[1], c->down[2], c->down[3], 0);
    if (c->want == -2)
        w->spec.behavior.scale_up.select_policy = EBB_SELECT_MIN;
    if (c->want == -3)
        w->spec.behavior.scale_down.select_policy = EBB_SELECT_MIN;
    w->spec.behavior.scale_up.stabilization_ms = 0;
    w->spec.behavior.scale_down.stabilization_ms = 0;
    exact_metric(w, c->desired);
    if (c->n_up > 0)
        spread_events(w, c->up_ev, c->n_up, true);
    if (c->n_down > 0)
        spread_events(w, c->down_ev, c->n_down, false);

    assert_int_equal(ebbt_scale_decide(w, d), EBB_OK);
    if (c->cur <= c->max && c->cur >= c->min) {
        assert_int_equal(d->recommendation, c->desired);
        assert_int_equal(d->stabilized, c->desired);
    }
    assert_int_equal(d->desired, want);
    assert_string_equal(d->conditions[EBB_COND_SCALING_LIMITED].reason, c->cond);
    assert_int_equal(d->conditions[EBB_COND_SCALING_LIMITED].status,
                     strcmp(c->cond, "DesiredWithinRange") == 0 ? EBB_COND_FALSE : EBB_COND_TRUE);
}

/* ------------------------------------------------------------------ */
/* 3. stabilization                                                    */
/* ------------------------------------------------------------------ */

static void stab_run(void **state)
{
    struct fx *f = *state;
    const struct stab_case *c = f->row;
    struct ebbt_scale_world *w = f->w = ebbt_scale_world_new(1, 1000, c->cur);
    struct ebb_decision *d = f->d;

    if (c->behavior) {
        ebbt_scale_behavior(w);
        w->spec.behavior.scale_up.stabilization_ms = c->up_s * EBBT_SEC;
        w->spec.behavior.scale_down.stabilization_ms = c->down_s * EBBT_SEC;
    }
    exact_metric(w, c->desired);
    for (int k = 0; k < c->n; k++)
        ebbt_scale_rec(w, c->ago_min[k] * EBBT_MIN, c->rec[k]);

    assert_int_equal(ebbt_scale_decide(w, d), EBB_OK);
    assert_int_equal(d->recommendation, c->desired);
    assert_int_equal(d->stabilized, c->want);
    if (c->want != c->desired)
        assert_true(strstr(d->conditions[EBB_COND_ABLE_TO_SCALE].reason, "Stabilized") != NULL);
    else
        assert_string_equal(d->conditions[EBB_COND_ABLE_TO_SCALE].reason, "ReadyForNewScale");
    /* The unstabilized recommendation is recorded, the newest entry. */
    assert_int_equal(d->history.recs[d->history.n_recs - 1].replicas, c->desired);
    assert_true(d->history.recs[d->history.n_recs - 1].time_ms == EBBT_NOW);
}

/* ------------------------------------------------------------------ */
/* 4. whole decisions                                                  */
/* ------------------------------------------------------------------ */

struct scenario {
    const char *name;
    void (*setup)(struct ebbt_scale_world *w);
    int32_t desired;
    const char *able, *active, *limited; /* expected reasons; NULL = not checked */
    const char *reason;                  /* a substring of the reason line; NULL = not checked */
    void (*check)(const struct ebbt_scale_world *w, const struct ebb_decision *d);
    enum ebb_rc rc;
    const char *zone_file; /* a zone the schedules need, under tests/fixtures/tz */
};

/* n ready pods of one cpu metric (target percent), each using `usage` of a
 * 1000m request. */
static int cpu_pods(struct ebbt_scale_world *w, int32_t target, int n, int64_t usage)
{
    int i = ebbt_scale_add_cpu(w, target);
    int first = (int)w->in.n_pods;
    ebbt_scale_add_ready_pods(w, n);
    for (int p = first; p < first + n; p++)
        ebbt_scale_sample(w, i, p, usage, 1000);
    return i;
}

/* An old recommendation: the history is not empty (no initial
 * recommendation is recorded) but nothing is inside any window. */
static void old_rec(struct ebbt_scale_world *w)
{
    ebbt_scale_rec(w, 60 * EBBT_MIN, 1);
}

/* -- HPA's reconcile flow (horizontal_test.go) -- */

static void s_up_from_zero_one_invalid(struct ebbt_scale_world *w)
{
    ebbt_scale_add_cpu(w, 50); /* no pods: invalid */
    ebbt_scale_add_external(w, false, EBB_TARGET_VALUE, 1000, 10);
}

static void s_up_one_metric_empty(struct ebbt_scale_world *w)
{
    int i = ebbt_scale_add_cpu(w, 30);
    ebbt_scale_add_ready_pods(w, 3);
    ebbt_scale_sample(w, i, 0, 300, 1000);
    ebbt_scale_sample(w, i, 1, 400, 1000);
    ebbt_scale_sample(w, i, 2, 500, 1000);
    int q = ebbt_scale_add_external(w, false, EBB_TARGET_VALUE, 100, 0);
    w->obs[q].error = "something went wrong";
}

static void s_no_down_one_metric_empty(struct ebbt_scale_world *w)
{
    static const int64_t lev[] = {100, 300, 500, 250, 250};
    int i = ebbt_scale_add_cpu(w, 50);
    ebbt_scale_add_ready_pods(w, 5);
    for (int p = 0; p < 5; p++)
        ebbt_scale_sample(w, i, p, lev[p], 1000);
    int q = ebbt_scale_add_external(w, false, EBB_TARGET_VALUE, 1000, 0);
    w->obs[q].error = "something went wrong";
    old_rec(w);
}

static void s_cpu_low(struct ebbt_scale_world *w)
{
    cpu_pods(w, 50, w->in.current_replicas, 100);
}

static void s_too_few(struct ebbt_scale_world *w)
{
    cpu_pods(w, 90, 3, 38);
    old_rec(w);
}

static void s_cpu_hot(struct ebbt_scale_world *w)
{
    cpu_pods(w, 10, w->in.current_replicas, 1000);
}

static void s_initial_rec(struct ebbt_scale_world *w)
{
    cpu_pods(w, 50, 5, 100);
}

static void s_legacy_window_holds(struct ebbt_scale_world *w)
{
    cpu_pods(w, 50, 6, 200);
    ebbt_scale_rec(w, 2 * EBBT_MIN, 6);
}

static void s_legacy_window_expired(struct ebbt_scale_world *w)
{
    cpu_pods(w, 50, 6, 200);
    ebbt_scale_rec(w, 6 * EBBT_MIN, 6);
}

static void check_old_rec_pruned(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->history.n_recs, 1);
    assert_int_equal(d->history.recs[0].replicas, 3);
    assert_true(d->history.recs[0].time_ms == EBBT_NOW);
}

static void s_behavior_rate(struct ebbt_scale_world *w)
{
    ebbt_scale_behavior(w);
    cpu_pods(w, 50, 10, 2500);
}

static void s_behavior_down_window(struct ebbt_scale_world *w)
{
    ebbt_scale_behavior(w);
    cpu_pods(w, 50, 10, 100);
    ebbt_scale_rec(w, EBBT_MIN, 10);
}

static void s_select_disabled(struct ebbt_scale_world *w)
{
    ebbt_scale_behavior(w);
    w->spec.behavior.scale_up.select_policy = EBB_SELECT_DISABLED;
    cpu_pods(w, 50, 4, 900);
}

static void s_up_window(struct ebbt_scale_world *w)
{
    ebbt_scale_behavior(w);
    w->spec.behavior.scale_up.stabilization_ms = 3 * EBBT_MIN;
    cpu_pods(w, 50, 4, 900);
    ebbt_scale_rec(w, EBBT_MIN, 4);
}

/* -- bands: cpu target 60%, 4 pods -- */

static void band_world(struct ebbt_scale_world *w, int64_t usage)
{
    cpu_pods(w, 60, 4, usage);
    old_rec(w);
}

static void s_band_first(struct ebbt_scale_world *w)
{
    band_world(w, 800);
    ebbt_scale_band_up(w, 0, 70, 5 * EBBT_MIN);
}

static void check_above_now(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_true(d->metrics[0].band_held);
    assert_int_equal(d->metrics[0].raw_proposal, 6);
    assert_int_equal(d->metrics[0].proposal, 4);
    assert_true(d->history.bands[0].above_since_ms == EBBT_NOW);
    assert_true(d->history.bands[0].below_since_ms == EBB_TIME_UNSET);
}

static void s_band_met(struct ebbt_scale_world *w)
{
    s_band_first(w);
    w->history.bands[0].above_since_ms = EBBT_NOW - 6 * EBBT_MIN;
}

static void check_band_kept(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    assert_false(d->metrics[0].band_held && d->desired != w->in.current_replicas);
    assert_true(d->history.bands[0].above_since_ms == w->history.bands[0].above_since_ms);
}

static void s_band_not_yet(struct ebbt_scale_world *w)
{
    s_band_first(w);
    w->history.bands[0].above_since_ms = EBBT_NOW - 4 * EBBT_MIN;
}

static void s_band_broken(struct ebbt_scale_world *w)
{
    band_world(w, 680);
    ebbt_scale_band_up(w, 0, 70, 5 * EBBT_MIN);
    w->history.bands[0].above_since_ms = EBBT_NOW - 4 * EBBT_MIN;
}

static void check_timer_cleared(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_true(d->metrics[0].band_held);
    assert_int_equal(d->metrics[0].raw_proposal, 5);
    assert_true(d->history.bands[0].above_since_ms == EBB_TIME_UNSET);
}

static void s_band_no_for(struct ebbt_scale_world *w)
{
    band_world(w, 800);
    ebbt_scale_band_up(w, 0, 70, EBB_UNSET);
}

static void check_no_for(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_false(d->metrics[0].band_held);
    assert_true(d->history.bands[0].above_since_ms == EBBT_NOW);
}

static void s_band_down_met(struct ebbt_scale_world *w)
{
    band_world(w, 200);
    ebbt_scale_band_down(w, 0, 30, 15 * EBBT_MIN);
    w->history.bands[0].below_since_ms = EBBT_NOW - 20 * EBBT_MIN;
}

static void s_band_down_not_yet(struct ebbt_scale_world *w)
{
    s_band_down_met(w);
    w->history.bands[0].below_since_ms = EBBT_NOW - 10 * EBBT_MIN;
}

static void check_below_kept(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_true(d->metrics[0].band_held);
    assert_true(d->history.bands[0].below_since_ms == EBBT_NOW - 10 * EBBT_MIN);
}

static void s_band_inside(struct ebbt_scale_world *w)
{
    band_world(w, 400);
    ebbt_scale_band_up(w, 0, 70, 5 * EBBT_MIN);
    ebbt_scale_band_down(w, 0, 30, 15 * EBBT_MIN);
    w->history.bands[0].above_since_ms = EBBT_NOW - 30 * EBBT_MIN;
}

static void check_inside(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->metrics[0].raw_proposal, 3);
    assert_int_equal(d->metrics[0].proposal, 4);
    assert_true(d->metrics[0].band_held);
    assert_true(d->history.bands[0].above_since_ms == EBB_TIME_UNSET);
    assert_true(d->history.bands[0].below_since_ms == EBB_TIME_UNSET);
}

static void s_band_invalid(struct ebbt_scale_world *w)
{
    band_world(w, 800);
    ebbt_scale_band_up(w, 0, 70, 5 * EBBT_MIN);
    ebbt_scale_band_down(w, 0, 30, 15 * EBBT_MIN);
    w->obs[0].error = "metrics API unavailable";
    w->history.bands[0].above_since_ms = EBBT_NOW - 3 * EBBT_MIN;
    w->history.bands[0].below_since_ms = EBBT_NOW - 9 * EBBT_MIN;
}

static void check_timers_kept(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    assert_false(d->metrics[0].valid);
    assert_int_equal(d->metrics[0].proposal, EBB_UNSET);
    assert_memory_equal(&d->history.bands[0], &w->history.bands[0], sizeof(d->history.bands[0]));
}

static void s_band_in_tolerance(struct ebbt_scale_world *w)
{
    band_world(w, 640);
    ebbt_scale_band_up(w, 0, 62, 5 * EBBT_MIN);
}

static void check_timer_moves_in_tolerance(const struct ebbt_scale_world *w,
                                           const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->metrics[0].raw_proposal, 4);
    assert_false(d->metrics[0].band_held);
    assert_true(d->history.bands[0].above_since_ms == EBBT_NOW);
}

/* -- cooldowns: behavior with HPA's defaults, cpu target 60%, 4 pods -- */

static void cool_up(struct ebbt_scale_world *w, int64_t last_up_ago)
{
    ebbt_scale_behavior(w);
    w->spec.behavior.scale_up.cooldown_ms = 3 * EBBT_MIN;
    cpu_pods(w, 60, 4, 900);
    if (last_up_ago >= 0)
        w->history.last_scale_up_ms = EBBT_NOW - last_up_ago;
}

static void s_cool_up_inside(struct ebbt_scale_world *w)
{
    cool_up(w, 2 * EBBT_MIN);
}

static void s_cool_up_boundary(struct ebbt_scale_world *w)
{
    cool_up(w, 3 * EBBT_MIN);
}

static void s_cool_up_ignores_down(struct ebbt_scale_world *w)
{
    cool_up(w, -1);
    w->history.last_scale_down_ms = EBBT_NOW - EBBT_MIN;
}

static void cool_down(struct ebbt_scale_world *w, int64_t last_up_ago, int64_t last_down_ago)
{
    ebbt_scale_behavior(w);
    w->spec.behavior.scale_down.stabilization_ms = 0;
    w->spec.behavior.scale_down.cooldown_ms = 15 * EBBT_MIN;
    cpu_pods(w, 60, 4, 200);
    if (last_up_ago >= 0)
        w->history.last_scale_up_ms = EBBT_NOW - last_up_ago;
    if (last_down_ago >= 0)
        w->history.last_scale_down_ms = EBBT_NOW - last_down_ago;
}

static void s_cool_down_inside(struct ebbt_scale_world *w)
{
    cool_down(w, 10 * EBBT_MIN, -1);
}

static void s_cool_down_last_down(struct ebbt_scale_world *w)
{
    cool_down(w, 60 * EBBT_MIN, 14 * EBBT_MIN);
}

static void s_cool_down_boundary(struct ebbt_scale_world *w)
{
    cool_down(w, 15 * EBBT_MIN, 20 * EBBT_MIN);
}

static void check_cooldown_records_nothing(const struct ebbt_scale_world *w,
                                           const struct ebb_decision *d)
{
    assert_false(d->scale);
    assert_int_equal(d->history.n_events, w->history.n_events);
    assert_true(d->history.last_scale_up_ms == w->history.last_scale_up_ms);
    assert_true(d->history.last_scale_down_ms == w->history.last_scale_down_ms);
}

/* -- schedules -- */

static void s_sched_absolute(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 3, 600);
    ebbt_scale_add_schedule(w, "black-friday", NULL, EBB_UNSET, NULL, EBBT_NOW - 60 * EBBT_MIN,
                            EBBT_NOW + 60 * EBBT_MIN, 8, EBB_UNSET);
}

static void check_sched_active(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->active_schedule, 0);
    assert_int_equal(d->min_replicas, 8);
    assert_int_equal(d->max_replicas, 10);
}

static void s_sched_ended(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 3, 600);
    ebbt_scale_add_schedule(w, "black-friday", NULL, EBB_UNSET, NULL, EBBT_NOW - 60 * EBBT_MIN,
                            EBBT_NOW - EBBT_MIN, 8, EBB_UNSET);
}

static void check_sched_inactive(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    assert_int_equal(d->active_schedule, -1);
    assert_int_equal(d->min_replicas, w->spec.min_replicas);
    assert_int_equal(d->max_replicas, w->spec.max_replicas);
}

static void s_sched_starts_now(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 3, 600);
    ebbt_scale_add_schedule(w, "black-friday", NULL, EBB_UNSET, NULL, EBBT_NOW,
                            EBBT_NOW + 60 * EBBT_MIN, 8, EBB_UNSET);
}

static void s_sched_overlap(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 3, 600);
    ebbt_scale_add_schedule(w, "a", NULL, EBB_UNSET, NULL, EBBT_NOW - EBBT_MIN, EBBT_NOW + EBBT_MIN,
                            4, 8);
    ebbt_scale_add_schedule(w, "b", NULL, EBB_UNSET, NULL, EBBT_NOW - EBBT_MIN, EBBT_NOW + EBBT_MIN,
                            6, 7);
}

static void check_overlap(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->min_replicas, 6);
    assert_int_equal(d->max_replicas, 8);
    assert_int_equal(d->active_schedule, 0);
}

/* 2026-11-27T21:30:00Z is 22:30 in Berlin (CET). */
#define BERLIN_2230 (EBBT_NOW + 9 * 60 * EBBT_MIN + 30 * EBBT_MIN)

static void s_sched_cron_active(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 5, 600);
    ebbt_scale_add_schedule(w, "night", "0 22 * * *", 8 * 60 * EBBT_MIN, "Europe/Berlin",
                            EBB_TIME_UNSET, EBB_TIME_UNSET, 1, 3);
    w->in.now_ms = BERLIN_2230;
}

static void s_sched_cron_inactive(struct ebbt_scale_world *w)
{
    s_sched_cron_active(w);
    w->in.now_ms = BERLIN_2230 - 60 * EBBT_MIN;
    for (int p = 0; p < 5; p++)
        w->samples[0][p].timestamp_ms = w->in.now_ms;
}

static void s_sched_no_zone_data(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 5, 600);
    ebbt_scale_add_schedule(w, "night", "0 22 * * *", 8 * 60 * EBBT_MIN, "Mars/Olympus",
                            EBB_TIME_UNSET, EBB_TIME_UNSET, 1, 3);
}

/* -- port capacity -- */

static void s_ports_limit(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 900);
    w->in.port_capacity = 5;
}

static void check_ports(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->max_replicas, 5);
    assert_int_equal(d->metrics[0].proposal, 6);
}

static void s_ports_below_current(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 600);
    w->in.port_capacity = 3;
}

/* minReplicas 6 with 3 free slots and 2 replicas: up to the pool, and
 * the pool is named, not minReplicas. */
static void s_ports_min_outside(struct ebbt_scale_world *w)
{
    w->in.current_replicas = 2;
    cpu_pods(w, 60, 2, 600);
    w->spec.min_replicas = 6;
    w->in.port_capacity = 3;
}

/* minReplicas 5 with 3 slots, 3 replicas, the metric asks for 2: held at
 * the pool's 3, which is what stops it. */
static void s_ports_min_inside(struct ebbt_scale_world *w)
{
    w->in.current_replicas = 3;
    cpu_pods(w, 60, 3, 300);
    old_rec(w); /* nothing in the stabilization window */
    w->spec.min_replicas = 5;
    w->in.port_capacity = 3;
}

static void check_ports_min(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->min_replicas, 3);
    assert_int_equal(d->max_replicas, 3);
}

static void s_ports_roomy(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 900);
    w->in.port_capacity = 50;
}

static void check_ports_roomy(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->max_replicas, 20);
}

/* -- the rest -- */

static void s_max_clamp(struct ebbt_scale_world *w)
{
    cpu_pods(w, 10, 4, 1000);
}

static void s_paused(struct ebbt_scale_world *w)
{
    cpu_pods(w, 10, 3, 1000);
    w->in.paused = true;
    ebbt_scale_rec(w, EBBT_MIN, 3);
    w->history.bands[0].above_since_ms = EBBT_NOW - EBBT_MIN;
}

static void check_history_untouched(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    assert_memory_equal(&d->history, &w->history, sizeof(d->history));
    assert_int_equal(d->recommendation, EBB_UNSET);
}

static void s_null_spec(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 3, 600);
    w->in.spec = NULL;
}

static void s_negative_current(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 3, 600);
    w->in.current_replicas = -1;
}

static void s_all_invalid(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 900);
    w->obs[0].error = "metrics API unavailable";
}

static void check_nothing_recorded(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->recommendation, EBB_UNSET);
    /* Only the initial recommendation: current, now. */
    assert_int_equal(d->history.n_recs, 1);
    assert_int_equal(d->history.recs[0].replicas, 4);
}

static void s_prom_nan(struct ebbt_scale_world *w)
{
    ebbt_scale_add_ready_pods(w, 4);
    ebbt_scale_add_external(w, true, EBB_TARGET_AVERAGE_VALUE, 100000, NAN);
}

static void s_stale(struct ebbt_scale_world *w)
{
    cpu_pods(w, 50, 4, 100);
    w->samples[0][3].timestamp_ms = EBBT_NOW - 31 * EBBT_SEC;
    old_rec(w);
}

static void check_stale(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->metrics[0].raw_proposal, 3);
}

static void s_event_recorded(struct ebbt_scale_world *w)
{
    ebbt_scale_behavior(w);
    cpu_pods(w, 60, 4, 900);
}

static void check_event(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_true(d->scale);
    assert_int_equal(d->history.n_events, 1);
    assert_true(d->history.events[0].time_ms == EBBT_NOW);
    assert_int_equal(d->history.events[0].from, 4);
    assert_int_equal(d->history.events[0].to, 6);
    assert_true(d->history.last_scale_up_ms == EBBT_NOW);
    assert_true(d->history.last_scale_down_ms == EBB_TIME_UNSET);
}

static void s_no_event_legacy(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 900);
}

static void check_no_event(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_true(d->scale);
    assert_int_equal(d->history.n_events, 0);
    assert_true(d->history.last_scale_up_ms == EBBT_NOW);
}

static void s_zero_by_schedule(struct ebbt_scale_world *w)
{
    ebbt_scale_add_external(w, false, EBB_TARGET_AVERAGE_VALUE, 100000, 0);
    ebbt_scale_add_schedule(w, "night", NULL, EBB_UNSET, NULL, EBBT_NOW - 120 * EBBT_MIN,
                            EBBT_NOW - 60 * EBBT_MIN, 0, EBB_UNSET);
}

static void s_tolerance(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 630);
}

static void s_policy_limit(struct ebbt_scale_world *w)
{
    ebbt_scale_behavior(w);
    ebbt_scale_rules(w, true, 4, 60, 50, 60, 0);
    cpu_pods(w, 50, 10, 1500);
}

static void s_zero_proposal(struct ebbt_scale_world *w)
{
    ebbt_scale_add_ready_pods(w, 4);
    ebbt_scale_add_external(w, false, EBB_TARGET_VALUE, 1000, 0);
    old_rec(w);
}

static void s_flip(struct ebbt_scale_world *w)
{
    /* One pod hot, one missing: counted at 0 the ratio drops below 1. */
    int i = ebbt_scale_add_cpu(w, 50);
    ebbt_scale_add_ready_pods(w, 2);
    ebbt_scale_sample(w, i, 0, 900, 1000);
    w->samples[i][1].request_milli = 1000;
}

static void s_no_metrics(struct ebbt_scale_world *w)
{
    (void)w;
}

static void s_history_null(struct ebbt_scale_world *w)
{
    cpu_pods(w, 60, 4, 900);
    w->in.history = NULL;
    w->in.config = NULL;
}

static void check_history_null(const struct ebbt_scale_world *w, const struct ebb_decision *d)
{
    (void)w;
    assert_int_equal(d->history.n_recs, 2);
    assert_int_equal(d->history.recs[0].replicas, 4);
    assert_int_equal(d->history.recs[1].replicas, 6);
}

/* Rows leave the trailing fields they do not need out. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct scenario scenarios[] = {
    /* HPA's reconcile flow */
    {"TestScaleUpFromZeroOneMetricInvalid", s_up_from_zero_one_invalid, 4, NULL, "ValidMetricFound",
     "ScaleUpLimit", "cpu invalid: no pods match"},
    {"TestScaleUpOneMetricEmpty", s_up_one_metric_empty, 4, NULL, "ValidMetricFound", NULL,
     "queue invalid: something went wrong"},
    {"TestNoScaleDownOneMetricEmpty", s_no_down_one_metric_empty, 5, NULL,
     "FailedGetExternalMetric", NULL, "not scaling down while a metric is invalid; holding 5"},
    {"TestScaleDownRCImmediately", s_cpu_low, 5, NULL, "OutsideRange", "TooManyReplicas",
     "6 replicas above maxReplicas 5: 6 -> 5"},
    {"TestScaleUpRCImmediately", s_cpu_low, 2, NULL, "OutsideRange", "TooFewReplicas",
     "1 replica below minReplicas 2: 1 -> 2"},
    {"TestZeroReplicas", s_cpu_low, 0, NULL, "ScalingDisabled", NULL,
     "scaling disabled: the target has 0 replicas"},
    {"TestTooFewReplicas", s_too_few, 3, "ReadyForNewScale", "ValidMetricFound", "TooFewReplicas",
     NULL},
    {"TestTooManyReplicas", s_cpu_hot, 5, NULL, "ValidMetricFound", "TooManyReplicas",
     "(limited by maxReplicas 5)"},
    {"TestUpscaleCap", s_cpu_hot, 6, NULL, NULL, "ScaleUpLimit",
     "3 -> 6 (limited by the scale-up limit max(2*3, 4))"},
    {"recordInitialRecommendation blocks a scale-down", s_initial_rec, 5, "ScaleDownStabilized",
     NULL, "DesiredWithinRange",
     "scale-down held by 5m0s stabilization window (max recommendation 5)"},
    {"stabilizeRecommendation holds a scale-down for 5m", s_legacy_window_holds, 6,
     "ScaleDownStabilized", NULL, NULL,
     "scale-down held by 5m0s stabilization window (max recommendation 6)"},
    {"stabilizeRecommendation lets go after 5m", s_legacy_window_expired, 3, "ReadyForNewScale",
     NULL, NULL, "cpu 20% below target 50%: 6 -> 3", check_old_rec_pruned},
    {"behavior: default scale-up rate", s_behavior_rate, 20, NULL, NULL, "ScaleUpLimit",
     "10 -> 20 (limited by 100%/15s policy)"},
    {"behavior: default 5m scale-down window", s_behavior_down_window, 10, "ScaleDownStabilized",
     NULL, NULL, "scale-down held by 5m0s stabilization window (max recommendation 10)"},
    {"behavior: selectPolicy Disabled holds a scale-up", s_select_disabled, 4, NULL, NULL,
     "ScaleUpLimit", "scale-up limited by selectPolicy Disabled: holding 4"},
    {"behavior: scale-up window", s_up_window, 4, "ScaleUpStabilized", NULL, NULL,
     "scale-up held by 3m0s stabilization window (min recommendation 4)"},
    /* bands */
    {"band: for not met on the first reading", s_band_first, 4, NULL, NULL, NULL,
     "cpu 80% above 70% for 0s, needs 5m0s: holding 4", check_above_now},
    {"band: for met", s_band_met, 6, NULL, NULL, NULL, "cpu 80% above 70% for 5m0s: 4 -> 6",
     check_band_kept},
    {"band: for not yet met", s_band_not_yet, 4, NULL, NULL, NULL,
     "cpu 80% above 70% for 4m0s, needs 5m0s: holding 4", check_band_kept},
    {"band: a broken streak resets the timer", s_band_broken, 4, NULL, NULL, NULL,
     "cpu 68% not above 70%: holding 4", check_timer_cleared},
    {"band: without for acts at once", s_band_no_for, 6, NULL, NULL, NULL,
     "cpu 80% above 70%: 4 -> 6", check_no_for},
    {"band: scale-down for met", s_band_down_met, 2, NULL, NULL, NULL,
     "cpu 20% below 30% for 15m0s: 4 -> 2"},
    {"band: scale-down for not yet met", s_band_down_not_yet, 4, NULL, NULL, NULL,
     "cpu 20% below 30% for 10m0s, needs 15m0s: holding 4", check_below_kept},
    {"band: both bands, value inside", s_band_inside, 4, NULL, NULL, NULL,
     "cpu 40% not below 30%: holding 4", check_inside},
    {"band: an invalid metric keeps the timers", s_band_invalid, 4, NULL, "FailedGetResourceMetric",
     NULL, "all metrics invalid: cpu: metrics API unavailable", check_timers_kept},
    {"band: the timer moves inside the tolerance", s_band_in_tolerance, 4, NULL, NULL, NULL,
     "within tolerance: cpu 64% (target 60%)", check_timer_moves_in_tolerance},
    /* cooldowns */
    {"cooldown: scale-up inside", s_cool_up_inside, 4, "ScaleUpCooldown", NULL, NULL,
     "scale-up cooldown: 1m0s left (would scale 4 -> 6)", check_cooldown_records_nothing},
    {"cooldown: scale-up at the boundary", s_cool_up_boundary, 6, "ReadyForNewScale", NULL, NULL,
     "4 -> 6"},
    {"cooldown: scale-up ignores the last scale-down", s_cool_up_ignores_down, 6, NULL, NULL, NULL,
     "4 -> 6"},
    {"cooldown: scale-down inside", s_cool_down_inside, 4, "ScaleDownCooldown", NULL, NULL,
     "scale-down cooldown: 5m0s left (would scale 4 -> 2)", check_cooldown_records_nothing},
    {"cooldown: scale-down counts the last scale-down", s_cool_down_last_down, 4,
     "ScaleDownCooldown", NULL, NULL, "scale-down cooldown: 1m0s left"},
    {"cooldown: scale-down at the boundary", s_cool_down_boundary, 2, NULL, NULL, NULL, "4 -> 2"},
    /* schedules */
    {"schedule: absolute, active, raises min", s_sched_absolute, 8, NULL, "OutsideRange",
     "TooFewReplicas",
     "3 replicas below minReplicas 8 of schedule black-friday: 3 -> 8; schedule black-friday "
     "active",
     check_sched_active},
    {"schedule: absolute, ended", s_sched_ended, 3, NULL, NULL, NULL, "within tolerance",
     check_sched_inactive},
    {"schedule: absolute, starts now", s_sched_starts_now, 8, NULL, NULL, NULL, NULL,
     check_sched_active},
    {"schedule: overlapping, highest min and max win", s_sched_overlap, 6, NULL, NULL,
     "TooFewReplicas", "below minReplicas 6 of schedule b", check_overlap},
    {"schedule: cron in Europe/Berlin, active", s_sched_cron_active, 3, NULL, NULL,
     "TooManyReplicas", "above maxReplicas 3 of schedule night: 5 -> 3", NULL, 0, "Europe/Berlin"},
    {"schedule: cron in Europe/Berlin, inactive", s_sched_cron_inactive, 5, NULL, NULL, NULL,
     "within tolerance", check_sched_inactive, 0, "Europe/Berlin"},
    {"schedule: a zone without data is ignored", s_sched_no_zone_data, 5, NULL, NULL, NULL,
     "Mars/Olympus", check_sched_inactive},
    /* port capacity */
    {"ports: the pool limits a scale-up", s_ports_limit, 5, NULL, NULL, "PortPoolExhausted",
     "4 -> 5 (limited by the port pool (5 slots))", check_ports},
    {"ports: a pool smaller than current holds, never scales down", s_ports_below_current, 4, NULL,
     NULL, "DesiredWithinRange", "within tolerance: cpu 60% (target 60%)"},
    {"ports: a minReplicas the pool cannot hold names the pool", s_ports_min_outside, 3, NULL, NULL,
     "PortPoolExhausted", "2 replicas below minReplicas 6, cut to the port pool (3 slots): 2 -> 3",
     check_ports_min},
    {"ports: held at a minReplicas the pool cut", s_ports_min_inside, 3, NULL, NULL,
     "PortPoolExhausted", "scale-down limited by minReplicas 5, cut to the port pool (3 slots)",
     check_ports_min},
    {"ports: a roomy pool changes nothing", s_ports_roomy, 6, NULL, NULL, "DesiredWithinRange",
     NULL, check_ports_roomy},
    /* clamps, pause, invalid input and metrics */
    {"clamp: maxReplicas", s_max_clamp, 6, NULL, NULL, "TooManyReplicas", "4 -> 6"},
    {"paused", s_paused, 3, "ReadyForNewScale", "Paused", NULL, "paused: holding 3",
     check_history_untouched},
    {"invalid input: no spec", s_null_spec, 3, NULL, "InvalidInput", NULL,
     "invalid input: no policy spec", NULL, EBB_ERR_INVALID},
    {"invalid input: negative current", s_negative_current, -1, NULL, "InvalidInput", NULL,
     "invalid input: negative current replicas -1", NULL, EBB_ERR_INVALID},
    {"all metrics invalid", s_all_invalid, 4, NULL, "FailedGetResourceMetric", NULL,
     "all metrics invalid: cpu: metrics API unavailable; holding 4", check_nothing_recorded},
    {"Prometheus NaN is invalid", s_prom_nan, 4, NULL, "FailedGetPrometheusMetric", NULL,
     "rps: value is NaN"},
    {"a stale sample counts as missing", s_stale, 3, NULL, NULL, NULL, NULL, check_stale},
    {"a scale event is recorded with behavior", s_event_recorded, 6, NULL, NULL, NULL,
     "cpu 90% above target 60%: 4 -> 6", check_event},
    {"no scale event without behavior", s_no_event_legacy, 6, NULL, NULL, NULL, NULL,
     check_no_event},
    {"ScalingDisabled does not apply when a schedule may set min 0", s_zero_by_schedule, 1, NULL,
     NULL, "TooFewReplicas", "0 replicas below minReplicas 1: 0 -> 1"},
    {"reason: within tolerance", s_tolerance, 4, "ReadyForNewScale", "ValidMetricFound",
     "DesiredWithinRange", "within tolerance: cpu 63% (target 60%)"},
    {"reason: limited by a policy", s_policy_limit, 15, NULL, NULL, "ScaleUpLimit",
     "cpu 150% above target 50%: 10 -> 15 (limited by 50%/1m0s policy)"},
    {"a zero proposal clamps to min", s_zero_proposal, 1, NULL, NULL, "TooFewReplicas",
     "4 -> 1 (limited by minReplicas 1)"},
    {"missing pods that reverse the direction hold", s_flip, 2, NULL, NULL, NULL,
     "cpu 90% (target 50%): no change once missing or unready pods count: holding 2"},
    {"no metrics holds", s_no_metrics, 3, NULL, "NoMetrics", NULL, "no metrics: holding 3"},
    {"no history and no config: defaults", s_history_null, 6, NULL, NULL, NULL, NULL,
     check_history_null},
};
#pragma GCC diagnostic pop

struct scenario_world {
    int32_t min, max, current;
};

/* Bounds per scenario, by name prefix where the default does not fit. */
static struct scenario_world world_for(const struct scenario *sc)
{
    static const struct {
        const char *name;
        struct scenario_world w;
    } special[] = {
        {"TestScaleUpFromZeroOneMetricInvalid", {0, 6, 0}},
        {"TestScaleUpOneMetricEmpty", {2, 6, 3}},
        {"TestNoScaleDownOneMetricEmpty", {2, 6, 5}},
        {"TestScaleDownRCImmediately", {2, 5, 6}},
        {"TestScaleUpRCImmediately", {2, 6, 1}},
        {"TestZeroReplicas", {3, 5, 0}},
        {"TestTooFewReplicas", {3, 5, 3}},
        {"TestTooManyReplicas", {3, 5, 3}},
        {"TestUpscaleCap", {1, 100, 3}},
        {"recordInitialRecommendation", {1, 10, 5}},
        {"stabilizeRecommendation", {1, 10, 6}},
        {"behavior: default", {1, 1000, 10}},
        {"schedule: absolute", {2, 10, 3}},
        {"schedule: overlapping", {2, 10, 3}},
        {"schedule: cron", {1, 10, 5}},
        {"schedule: a zone", {1, 10, 5}},
        {"ports:", {1, 20, 4}},
        {"clamp: maxReplicas", {1, 6, 4}},
        {"paused", {1, 10, 3}},
        {"invalid input", {1, 10, 3}},
        {"ScalingDisabled does not apply", {1, 10, 0}},
        {"reason: limited by a policy", {1, 100, 10}},
        {"missing pods that reverse", {1, 10, 2}},
        {"no metrics holds", {1, 10, 3}},
    };
    for (size_t i = 0; i < COUNT(special); i++)
        if (strncmp(sc->name, special[i].name, strlen(special[i].name)) == 0)
            return special[i].w;
    return (struct scenario_world){1, 100, 4};
}

/* The zone's TZif data from tests/fixtures/tz (the tests run from the
 * repository's root), or NULL. */
static struct ebb_tz *load_zone(const char *zone)
{
    char path[256];
    struct ebb_tz *tz = NULL;
    char *buf = malloc(1 << 16);
    FILE *f = NULL;
    snprintf(path, sizeof(path), "tests/fixtures/tz/%s", zone);
    if (buf == NULL || (f = fopen(path, "rb")) == NULL)
        goto out;
    size_t n = fread(buf, 1, 1 << 16, f);
    if (ebb_tz_parse(buf, n, &tz, NULL, 0) != EBB_OK)
        tz = NULL;
out:
    if (f != NULL)
        fclose(f);
    free(buf);
    return tz;
}

static void scenario_run(void **state)
{
    struct fx *f = *state;
    const struct scenario *sc = f->row;
    struct ebb_tz *tz = NULL;
    if (sc->zone_file != NULL) {
        tz = f->tz = load_zone(sc->zone_file);
        if (tz == NULL) {
            print_message("tests/fixtures/tz/%s not loadable: skipped\n", sc->zone_file);
            skip();
        }
    }
    struct scenario_world b = world_for(sc);
    struct ebbt_scale_world *w = f->w = ebbt_scale_world_new(b.min, b.max, b.current);
    struct ebb_decision *d = f->d;

    sc->setup(w);
    for (size_t i = 0; i < w->spec.n_schedules; i++)
        w->tzs[i] = w->schedules[i].time_zone != NULL &&
                            strcmp(w->schedules[i].time_zone, "Europe/Berlin") == 0
                        ? tz
                        : NULL;
    memset(d, 0xa5, sizeof(*d));
    enum ebb_rc rc = ebbt_scale_decide(w, d);
    if (rc != sc->rc || d->desired != sc->desired)
        print_message("%s: rc %d desired %d: %s\n", sc->name, (int)rc, (int)d->desired, d->reason);
    assert_int_equal(rc, sc->rc);
    assert_int_equal(d->desired, sc->desired);
    assert_int_equal(d->scale, sc->rc == EBB_OK && sc->desired != w->in.current_replicas);
    if (sc->able != NULL)
        assert_string_equal(d->conditions[EBB_COND_ABLE_TO_SCALE].reason, sc->able);
    if (sc->active != NULL)
        assert_string_equal(d->conditions[EBB_COND_SCALING_ACTIVE].reason, sc->active);
    if (sc->limited != NULL)
        assert_string_equal(d->conditions[EBB_COND_SCALING_LIMITED].reason, sc->limited);
    if (sc->reason != NULL && strstr(d->reason, sc->reason) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", d->reason, sc->reason);
    for (int t = 0; t < EBB_COND_TYPE__COUNT; t++) {
        assert_non_null(d->conditions[t].reason);
        assert_true(d->conditions[t].status == EBB_COND_TRUE ||
                    d->conditions[t].status == EBB_COND_FALSE);
        assert_true(memchr(d->conditions[t].message, '\0', sizeof(d->conditions[t].message)));
    }
    if (sc->check != NULL)
        sc->check(w, d);
}

/* ------------------------------------------------------------------ */

static void test_cond_type_names(void **state)
{
    (void)state;
    static const char *const want[] = {"AbleToScale", "ScalingActive", "ScalingLimited"};
    for (int t = 0; t < EBB_COND_TYPE__COUNT; t++)
        assert_string_equal(ebb_cond_type_name((enum ebb_cond_type)t), want[t]);
    assert_string_equal(ebb_cond_type_name(EBB_COND_TYPE__COUNT), "");
}

static void test_config_default(void **state)
{
    (void)state;
    struct ebb_scale_config c;
    ebb_scale_config_default(&c);
    assert_true(c.cpu_initialization_period_ms == 300000);
    assert_true(c.initial_readiness_delay_ms == 30000);
    assert_true(c.downscale_stabilization_ms == 300000);
    assert_true(c.tolerance_milli == 100);
    assert_true(c.sync_period_ms == 15000);
}

static void test_null_input(void **state)
{
    (void)state;
    struct ebb_decision *d = malloc(sizeof(*d));
    assert_non_null(d);
    assert_int_equal(ebb_scale_decide(NULL, d), EBB_ERR_INVALID);
    assert_false(d->scale);
    assert_string_equal(d->conditions[EBB_COND_SCALING_ACTIVE].reason, "InvalidInput");
    assert_int_equal(d->history.n_recs, 0);
    free(d);
}

#define N_TABLE (COUNT(rc_cases) + COUNT(rules_cases) + COUNT(stab_cases) + COUNT(scenarios))

int main(void)
{
    struct CMUnitTest tests[N_TABLE + 3];
    size_t n = 0;
    for (size_t i = 0; i < COUNT(rc_cases); i++)
        tests[n++] = (struct CMUnitTest){rc_cases[i].name, rc_run, fx_setup, fx_teardown,
                                         (void *)&rc_cases[i]};
    for (size_t i = 0; i < COUNT(rules_cases); i++)
        tests[n++] = (struct CMUnitTest){rules_cases[i].name, rules_run, fx_setup, fx_teardown,
                                         (void *)&rules_cases[i]};
    for (size_t i = 0; i < COUNT(stab_cases); i++)
        tests[n++] = (struct CMUnitTest){stab_cases[i].name, stab_run, fx_setup, fx_teardown,
                                         (void *)&stab_cases[i]};
    for (size_t i = 0; i < COUNT(scenarios); i++)
        tests[n++] = (struct CMUnitTest){scenarios[i].name, scenario_run, fx_setup, fx_teardown,
                                         (void *)&scenarios[i]};
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cond_type_names);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_config_default);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_null_input);
    return _cmocka_run_group_tests("scale", tests, n, NULL, NULL);
}
