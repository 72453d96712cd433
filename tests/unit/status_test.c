/* status_test.c -- pkg/controller/status.c: a decision becomes status, and
 * status gives the history back (the no-memory-loss round trip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/controller/status.h"
#include "../../pkg/scale/scale.h"

static void make_policy(struct ebb_policy *p)
{
    ebb_policy_init(p);
    p->metadata.name = ebb_arena_strdup(&p->arena, "web");
    p->metadata.generation = 7;
    p->spec.metrics = ebb_arena_calloc(&p->arena, 2, sizeof(*p->spec.metrics));
    p->spec.n_metrics = 2;
    p->spec.metrics[0].name = ebb_arena_strdup(&p->arena, "cpu");
    p->spec.metrics[1].name = ebb_arena_strdup(&p->arena, "queue");
}

static void make_decision(struct ebb_decision *d, int64_t now)
{
    memset(d, 0, sizeof(*d));
    ebb_history_init(&d->history);
    d->desired = 6;
    d->scale = true;
    d->active_schedule = -1;
    d->n_metrics = 2;
    d->metrics[0] = (struct ebb_metric_result){.valid = true,
                                               .proposal = 6,
                                               .raw_proposal = 6,
                                               .value_milli = 82000,
                                               .target_milli = 60000};
    d->metrics[1] = (struct ebb_metric_result){.valid = false, .proposal = EBB_UNSET};
    d->history.bands[0].above_since_ms = now - 300000;
    d->history.bands[0].below_since_ms = EBB_TIME_UNSET;
    d->history.bands[1].above_since_ms = EBB_TIME_UNSET;
    d->history.bands[1].below_since_ms = EBB_TIME_UNSET;
    ebb_history_add_recommendation(&d->history, now - 15000, 4);
    ebb_history_add_recommendation(&d->history, now, 6);
    d->history.events[0] = (struct ebb_scale_event){now, 4, 6};
    d->history.n_events = 1;
    d->history.last_scale_up_ms = now;
    for (int t = 0; t < EBB_COND_TYPE__COUNT; t++) {
        d->conditions[t].status = EBB_COND_TRUE;
        d->conditions[t].reason = "SucceededRescale";
    }
}

static void test_apply_decision_fills_status(void **state)
{
    (void)state;
    struct ebb_policy p;
    struct ebb_decision d;
    int64_t now = 1795000000000LL;
    make_policy(&p);
    make_decision(&d, now);

    assert_int_equal(ebb_status_apply_decision(&p, &d, 4, now), EBB_OK);
    const struct ebb_policy_status *st = &p.status;
    assert_int_equal(st->observed_generation, 7);
    assert_int_equal(st->current_replicas, 4);
    assert_int_equal(st->desired_replicas, 6);
    assert_true(st->last_scale_ms == now);
    assert_true(st->last_scale_up_ms == now);
    assert_int_equal(st->n_current_metrics, 2);
    assert_string_equal(st->current_metrics[0].name, "cpu");
    assert_true(st->current_metrics[0].value.milli == 82000);
    assert_int_equal(st->current_metrics[0].proposal, 6);
    assert_true(st->current_metrics[0].above_since_ms == now - 300000);
    assert_false(st->current_metrics[1].value.set);
    assert_int_equal(st->current_metrics[1].proposal, EBB_UNSET);
    assert_int_equal(st->n_recommendations, 2);
    assert_int_equal(st->n_scale_events, 1);
    assert_int_equal(st->n_conditions, 4);
    assert_string_equal(st->conditions[0].type, "Ready");
    assert_string_equal(st->conditions[1].type, "AbleToScale");
    assert_string_equal(st->conditions[2].type, "ScalingActive");
    assert_string_equal(st->conditions[3].type, "ScalingLimited");
    ebb_policy_release(&p);
}

/* A metric that could not be read shows the spec's target, not "0": the
 * decision fills target_milli only for a value it could check. */
static void test_unread_metric_shows_spec_target(void **state)
{
    (void)state;
    static const struct {
        enum ebb_target_type type;
        int32_t util;
        int64_t milli; /* averageValue or value */
        bool want_set;
        int64_t want;
    } cases[] = {
        {EBB_TARGET_UTILIZATION, 70, 0, true, 70000},
        {EBB_TARGET_AVERAGE_VALUE, EBB_UNSET, 40000, true, 40000},
        {EBB_TARGET_VALUE, EBB_UNSET, 250, true, 250},
        {EBB_TARGET_TYPE_UNSET, EBB_UNSET, 0, false, 0},
    };
    int64_t now = 1795000000000LL;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct ebb_policy p;
        struct ebb_decision d;
        make_policy(&p);
        make_decision(&d, now);
        struct ebb_metric_target *t = &p.spec.metrics[1].target;
        t->type = cases[k].type;
        t->average_utilization = cases[k].util;
        if (cases[k].type == EBB_TARGET_AVERAGE_VALUE)
            t->average_value = (struct ebb_quantity){.milli = cases[k].milli, .set = true};
        if (cases[k].type == EBB_TARGET_VALUE)
            t->value = (struct ebb_quantity){.milli = cases[k].milli, .set = true};
        d.metrics[1].target_milli = 0; /* what pkg/scale leaves for an unread metric */
        snprintf(d.metrics[1].error, sizeof(d.metrics[1].error), "Prometheus answered HTTP 401");

        assert_int_equal(ebb_status_apply_decision(&p, &d, 4, now), EBB_OK);
        const struct ebb_metric_status *ms = &p.status.current_metrics[1];
        assert_false(ms->value.set);
        assert_int_equal(ms->proposal, EBB_UNSET);
        assert_int_equal(ms->target.set, cases[k].want_set);
        if (cases[k].want_set)
            assert_true(ms->target.milli == cases[k].want);
        /* A metric that was read keeps the decision's target. */
        assert_true(p.status.current_metrics[0].target.set);
        assert_true(p.status.current_metrics[0].target.milli == 60000);
        ebb_policy_release(&p);
    }
}

static void test_transition_time_kept_until_status_flips(void **state)
{
    (void)state;
    struct ebb_policy p;
    struct ebb_decision d;
    int64_t t1 = 1795000000000LL, t2 = t1 + 15000, t3 = t2 + 15000;
    make_policy(&p);
    make_decision(&d, t1);
    assert_int_equal(ebb_status_apply_decision(&p, &d, 4, t1), EBB_OK);
    assert_true(ebb_status_condition(&p.status, "ScalingActive")->last_transition_ms == t1);

    /* Same status, new reason: the transition time stays. */
    d.conditions[EBB_COND_SCALING_ACTIVE].reason = "ValidMetricFound";
    assert_int_equal(ebb_status_apply_decision(&p, &d, 6, t2), EBB_OK);
    const struct ebb_condition *c = ebb_status_condition(&p.status, "ScalingActive");
    assert_true(c->last_transition_ms == t1);
    assert_string_equal(c->reason, "ValidMetricFound");

    /* The status flips: the transition time moves. */
    d.conditions[EBB_COND_SCALING_ACTIVE].status = EBB_COND_FALSE;
    d.conditions[EBB_COND_SCALING_ACTIVE].reason = "FailedGetResourceMetric";
    assert_int_equal(ebb_status_apply_decision(&p, &d, 6, t3), EBB_OK);
    assert_true(ebb_status_condition(&p.status, "ScalingActive")->last_transition_ms == t3);
    assert_true(ebb_status_condition(&p.status, "Ready")->last_transition_ms == t1);
    ebb_policy_release(&p);
}

static void test_set_condition_adds_then_updates(void **state)
{
    (void)state;
    struct ebb_policy p;
    make_policy(&p);
    assert_int_equal(ebb_status_set_condition(&p, "Ready", EBB_COND_FALSE, "InvalidSpec",
                                              "spec.maxReplicas: Required value", 100),
                     EBB_OK);
    assert_int_equal(p.status.n_conditions, 1);
    assert_int_equal(
        ebb_status_set_condition(&p, "Ready", EBB_COND_FALSE, "InvalidSpec", "other", 200), EBB_OK);
    assert_int_equal(p.status.n_conditions, 1);
    assert_true(p.status.conditions[0].last_transition_ms == 100);
    assert_string_equal(p.status.conditions[0].message, "other");
    ebb_policy_release(&p);
}

static void test_status_round_trips_to_history(void **state)
{
    (void)state;
    struct ebb_policy p;
    struct ebb_decision d;
    struct ebb_history h;
    int64_t now = 1795000000000LL;
    make_policy(&p);
    make_decision(&d, now);
    assert_int_equal(ebb_status_apply_decision(&p, &d, 4, now), EBB_OK);

    ebb_history_from_status(&p.spec, &p.status, &h);
    assert_int_equal(h.n_recs, d.history.n_recs);
    assert_int_equal(h.n_events, 1);
    assert_true(h.events[0].time_ms == now);
    assert_int_equal(h.events[0].to, 6);
    assert_true(h.last_scale_up_ms == now);
    assert_true(h.bands[0].above_since_ms == now - 300000);
    assert_true(h.bands[1].above_since_ms == EBB_TIME_UNSET);
    ebb_policy_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_decision_fills_status),
        cmocka_unit_test(test_unread_metric_shows_spec_target),
        cmocka_unit_test(test_transition_time_kept_until_status_flips),
        cmocka_unit_test(test_set_condition_adds_then_updates),
        cmocka_unit_test(test_status_round_trips_to_history),
    };
    return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
