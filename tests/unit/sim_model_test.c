/* sim_model_test.c -- the workload model of `ebb simulate` (cmd/ebb/sim_model.c).
 *
 * The model lives with the command, not in libcore.a, so this program
 * compiles it in directly: it is pure, and needs nothing but libc and libm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../../cmd/ebb/sim_model.c"

#define S (1000LL)
#define MIN (60 * S)

static const struct ebb_sim_params base_params = {
    .pod_capacity = 10.0,
    .cpu_request_milli = 500,
    .startup_ms = 30 * S,
    .initial_replicas = 3,
};

static void test_utilization(void **state)
{
    (void)state;
    static const struct {
        double capacity;
        double load;
        int32_t ready;
        double want; /* percent; INFINITY for "over" */
    } cases[] = {
        {10.0, 0.0, 0, 0.0},      {10.0, 0.0, 5, 0.0},    {10.0, 30.0, 3, 100.0},
        {10.0, 15.0, 3, 50.0},    {10.0, 60.0, 3, 200.0}, {0.1, 0.6, 10, 60.0},
        {10.0, 1.0, 0, INFINITY}, {2.5, 5.0, 4, 50.0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_sim_params p = base_params;
        p.pod_capacity = cases[i].capacity;
        double got = ebb_sim_utilization(&p, cases[i].load, cases[i].ready);
        if (isinf(cases[i].want))
            assert_true(isinf(got));
        else
            assert_float_equal(got, cases[i].want, 1e-9);
    }
}

static void test_init_rejects_bad_params(void **state)
{
    (void)state;
    static const struct {
        double capacity;
        int64_t request;
        int64_t startup;
        int32_t initial;
        enum ebb_rc want;
    } cases[] = {
        {10.0, 500, 30 * S, 3, EBB_OK},
        {10.0, 500, 0, 0, EBB_OK},
        {0.0, 500, 30 * S, 3, EBB_ERR_INVALID},
        {-1.0, 500, 30 * S, 3, EBB_ERR_INVALID},
        {NAN, 500, 30 * S, 3, EBB_ERR_INVALID},
        {INFINITY, 500, 30 * S, 3, EBB_ERR_INVALID},
        {10.0, 0, 30 * S, 3, EBB_ERR_INVALID},
        {10.0, 500, -1, 3, EBB_ERR_INVALID},
        {10.0, 500, 30 * S, -1, EBB_ERR_INVALID},
        {10.0, 500, 30 * S, EBB_MAX_REPLICAS + 1, EBB_ERR_INVALID},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_sim_params p = {cases[i].capacity, cases[i].request, cases[i].startup,
                                   cases[i].initial};
        struct ebb_sim_model m;
        assert_int_equal(ebb_sim_model_init(&m, &p, 1000 * MIN), cases[i].want);
        if (cases[i].want == EBB_OK) {
            assert_int_equal(ebb_sim_model_replicas(&m), cases[i].initial);
            /* The initial pods are ready from the first instant. */
            assert_int_equal(ebb_sim_model_ready(&m, 1000 * MIN), cases[i].initial);
        }
        ebb_sim_model_release(&m);
    }
}

/* One step of a scripted run: at `at`, optionally scale, then check. */
struct script_step {
    int64_t at;
    int32_t scale_to; /* -1: no scale */
    int32_t want_replicas;
    int32_t want_ready;
    const char *want_names; /* the pods, oldest first, space-separated */
};

static void run_script(const struct script_step *steps, size_t n)
{
    struct ebb_sim_model m;
    assert_int_equal(ebb_sim_model_init(&m, &base_params, 0), EBB_OK);
    for (size_t i = 0; i < n; i++) {
        const struct script_step *st = &steps[i];
        if (st->scale_to >= 0)
            assert_int_equal(ebb_sim_model_scale(&m, st->scale_to, st->at), EBB_OK);
        assert_int_equal(ebb_sim_model_replicas(&m), st->want_replicas);
        assert_int_equal(ebb_sim_model_ready(&m, st->at), st->want_ready);
        char names[512] = "";
        size_t len = 0;
        for (size_t k = 0; k < m.n_pods; k++)
            len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", k ? " " : "",
                                    m.pods[k].name);
        assert_string_equal(names, st->want_names);
    }
    ebb_sim_model_release(&m);
}

static void test_scale_up_waits_for_startup(void **state)
{
    (void)state;
    static const struct script_step steps[] = {
        {0, -1, 3, 3, "sim-0 sim-1 sim-2"},
        {0, 5, 5, 3, "sim-0 sim-1 sim-2 sim-3 sim-4"},
        {29 * S, -1, 5, 3, "sim-0 sim-1 sim-2 sim-3 sim-4"},
        {30 * S, -1, 5, 5, "sim-0 sim-1 sim-2 sim-3 sim-4"},
        {40 * S, 6, 6, 5, "sim-0 sim-1 sim-2 sim-3 sim-4 sim-5"},
        {70 * S, -1, 6, 6, "sim-0 sim-1 sim-2 sim-3 sim-4 sim-5"},
    };
    run_script(steps, sizeof(steps) / sizeof(steps[0]));
}

static void test_scale_down_removes_newest_not_ready_first(void **state)
{
    (void)state;
    static const struct script_step steps[] = {
        {0, 5, 5, 3, "sim-0 sim-1 sim-2 sim-3 sim-4"},
        /* sim-3 and sim-4 are ready at 30s; sim-5 and sim-6 will be at 70s. */
        {40 * S, 7, 7, 5, "sim-0 sim-1 sim-2 sim-3 sim-4 sim-5 sim-6"},
        /* Down by 3: the two starting pods go first, then the newest ready one. */
        {50 * S, 4, 4, 4, "sim-0 sim-1 sim-2 sim-3"},
        /* A new pod gets a new name, never a reused one. */
        {60 * S, 5, 5, 4, "sim-0 sim-1 sim-2 sim-3 sim-7"},
        {60 * S, 1, 1, 1, "sim-0"},
        {60 * S, 0, 0, 0, ""},
        {60 * S, 0, 0, 0, ""},
    };
    run_script(steps, sizeof(steps) / sizeof(steps[0]));
}

static void test_scale_rejects_bad_counts(void **state)
{
    (void)state;
    struct ebb_sim_model m;
    assert_int_equal(ebb_sim_model_init(&m, &base_params, 0), EBB_OK);
    assert_int_equal(ebb_sim_model_scale(&m, -1, 0), EBB_ERR_INVALID);
    assert_int_equal(ebb_sim_model_scale(&m, EBB_MAX_REPLICAS + 1, 0), EBB_ERR_INVALID);
    assert_int_equal(ebb_sim_model_replicas(&m), 3);
    ebb_sim_model_release(&m);
    ebb_sim_model_release(NULL);
}

static struct ebb_metric_spec metric(enum ebb_metric_type type, enum ebb_target_type ttype,
                                     int32_t util, int64_t milli)
{
    struct ebb_metric_spec ms;
    memset(&ms, 0, sizeof(ms));
    ms.name = "m";
    ms.type = type;
    ms.target.type = ttype;
    ms.target.average_utilization = util;
    if (ttype == EBB_TARGET_AVERAGE_VALUE)
        ms.target.average_value = (struct ebb_quantity){milli, true};
    if (ttype == EBB_TARGET_VALUE)
        ms.target.value = (struct ebb_quantity){milli, true};
    return ms;
}

static void test_observe(void **state)
{
    (void)state;
    struct ebb_metric_spec metrics[5] = {
        metric(EBB_METRIC_RESOURCE, EBB_TARGET_UTILIZATION, 60, 0),
        metric(EBB_METRIC_PODS, EBB_TARGET_AVERAGE_VALUE, EBB_UNSET, 5000),
        metric(EBB_METRIC_EXTERNAL, EBB_TARGET_AVERAGE_VALUE, EBB_UNSET, 5000),
        metric(EBB_METRIC_PROMETHEUS, EBB_TARGET_VALUE, EBB_UNSET, 5000),
        metric(EBB_METRIC_TYPE_UNSET, EBB_TARGET_VALUE, EBB_UNSET, 5000),
    };
    struct ebb_policy_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.metrics = metrics;
    spec.n_metrics = 5;

    struct ebb_sim_model m;
    struct ebb_sim_obs o = EBB_SIM_OBS_INIT;
    assert_int_equal(ebb_sim_model_init(&m, &base_params, 0), EBB_OK);
    assert_int_equal(ebb_sim_model_scale(&m, 4, 0), EBB_OK); /* sim-3 ready at 30s */
    /* 3 ready pods share 24 tasks/s: 8 each, 80% of a 10 tasks/s pod, 400m of 500m. */
    assert_int_equal(ebb_sim_observe(&m, &spec, 24.0, 10 * S, &o), EBB_OK);
    assert_int_equal(o.n_pods, 4);
    assert_int_equal(o.n_metrics, 5);
    for (size_t i = 0; i < 4; i++) {
        bool ready = i < 3;
        assert_string_equal(o.pods[i].name, m.pods[i].name);
        assert_int_equal(o.pods[i].phase, EBB_POD_RUNNING);
        assert_true(o.pods[i].has_ready_condition);
        assert_int_equal(o.pods[i].ready, ready);
        assert_int_equal(o.pods[i].start_ms, m.pods[i].created_ms);
        assert_int_equal(o.pods[i].ready_transition_ms, ready ? m.pods[i].ready_ms : 0);
        const struct ebb_pod_sample *cpu = &o.metrics[0].samples[i];
        assert_true(cpu->present);
        assert_int_equal(cpu->request_milli, 500);
        assert_int_equal(cpu->value_milli, ready ? 400 : 0);
        assert_int_equal(cpu->timestamp_ms, 10 * S);
        const struct ebb_pod_sample *pods = &o.metrics[1].samples[i];
        assert_int_equal(pods->present, ready);
        assert_int_equal(pods->value_milli, ready ? 8000 : 0);
    }
    assert_null(o.metrics[0].error);
    assert_null(o.metrics[2].samples);
    assert_float_equal(o.metrics[2].value, 24.0, 1e-12);
    assert_float_equal(o.metrics[3].value, 24.0, 1e-12);
    assert_non_null(o.metrics[4].error);

    /* Later, the fourth pod is ready and takes its share; a reused obs grows. */
    assert_int_equal(ebb_sim_model_scale(&m, 40, 20 * S), EBB_OK);
    assert_int_equal(ebb_sim_observe(&m, &spec, 24.0, 30 * S, &o), EBB_OK);
    assert_int_equal(o.n_pods, 40);
    assert_int_equal(o.metrics[0].samples[3].value_milli, 300);
    assert_int_equal(o.metrics[0].samples[39].value_milli, 0);
    assert_false(o.metrics[1].samples[39].present);

    ebb_sim_obs_release(&o);
    ebb_sim_obs_release(NULL);
    ebb_sim_model_release(&m);
}

static void test_target_ratio(void **state)
{
    (void)state;
    static const struct {
        enum ebb_metric_type type;
        enum ebb_target_type ttype;
        int32_t util;
        int64_t milli;
        double load;
        int32_t ready;
        double want;
    } cases[] = {
        /* 30 tasks/s on 3 pods of 10: 100% against 60% */
        {EBB_METRIC_RESOURCE, EBB_TARGET_UTILIZATION, 60, 0, 30.0, 3, 100.0 / 60.0},
        {EBB_METRIC_RESOURCE, EBB_TARGET_UTILIZATION, 50, 0, 15.0, 3, 1.0},
        {EBB_METRIC_RESOURCE, EBB_TARGET_UTILIZATION, 50, 0, 15.0, 0, INFINITY},
        {EBB_METRIC_RESOURCE, EBB_TARGET_UTILIZATION, 50, 0, 0.0, 0, 0.0},
        /* 0.5 cores per pod at 100%: 250m target */
        {EBB_METRIC_RESOURCE, EBB_TARGET_AVERAGE_VALUE, EBB_UNSET, 250, 30.0, 3, 2.0},
        {EBB_METRIC_PODS, EBB_TARGET_AVERAGE_VALUE, EBB_UNSET, 5000, 30.0, 3, 2.0},
        {EBB_METRIC_PODS, EBB_TARGET_AVERAGE_VALUE, EBB_UNSET, 5000, 30.0, 0, INFINITY},
        {EBB_METRIC_EXTERNAL, EBB_TARGET_AVERAGE_VALUE, EBB_UNSET, 20000, 30.0, 3, 0.5},
        {EBB_METRIC_PROMETHEUS, EBB_TARGET_VALUE, EBB_UNSET, 20000, 30.0, 0, 1.5},
        {EBB_METRIC_PROMETHEUS, EBB_TARGET_VALUE, EBB_UNSET, 0, 30.0, 3, 0.0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_metric_spec ms =
            metric(cases[i].type, cases[i].ttype, cases[i].util, cases[i].milli);
        struct ebb_policy_spec spec;
        memset(&spec, 0, sizeof(spec));
        spec.metrics = &ms;
        spec.n_metrics = 1;
        double got = ebb_sim_target_ratio(&base_params, &spec, cases[i].load, cases[i].ready);
        if (isinf(cases[i].want))
            assert_true(isinf(got));
        else
            assert_float_equal(got, cases[i].want, 1e-9);
    }
    /* Several metrics: the worst one counts. */
    struct ebb_metric_spec two[2] = {
        metric(EBB_METRIC_RESOURCE, EBB_TARGET_UTILIZATION, 60, 0),
        metric(EBB_METRIC_EXTERNAL, EBB_TARGET_AVERAGE_VALUE, EBB_UNSET, 2000),
    };
    struct ebb_policy_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.metrics = two;
    spec.n_metrics = 2;
    assert_float_equal(ebb_sim_target_ratio(&base_params, &spec, 12.0, 3), 2.0, 1e-9);
}

static void test_stats(void **state)
{
    (void)state;
    static const struct {
        int64_t at;
        int32_t before, after;
        double util, ratio;
    } steps[] = {
        {0, 3, 3, 50.0, 0.8},                 /* no event */
        {1 * MIN, 3, 6, 120.0, 2.0},          /* up */
        {2 * MIN, 6, 4, 70.0, 1.1},           /* down within 10m: a reversal */
        {3 * MIN, 4, 5, 90.0, 1.5},           /* up within 10m: a reversal */
        {14 * MIN, 5, 3, 30.0, 0.5},          /* down, 11m after the last event: not one */
        {15 * MIN, 3, 2, INFINITY, INFINITY}, /* down again: same direction */
    };
    struct ebb_sim_stats s;
    ebb_sim_stats_init(&s);
    assert_int_equal(s.min_replicas, EBB_UNSET);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        ebb_sim_stats_add(&s, steps[i].at, MIN / 2, steps[i].before, steps[i].after, steps[i].util,
                          steps[i].ratio);
    assert_int_equal(s.decisions, 6);
    assert_int_equal(s.scale_ups, 2);
    assert_int_equal(s.scale_downs, 3);
    assert_int_equal(s.min_replicas, 2);
    assert_int_equal(s.max_replicas, 6);
    assert_float_equal(s.replica_minutes, (3 + 6 + 4 + 5 + 3 + 2) * 0.5, 1e-9);
    assert_float_equal(s.minutes_above_target, 4 * 0.5, 1e-9);
    assert_float_equal(s.minutes_above_100, 2 * 0.5, 1e-9);
    assert_int_equal(s.reversals, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utilization),
        cmocka_unit_test(test_init_rejects_bad_params),
        cmocka_unit_test(test_scale_up_waits_for_startup),
        cmocka_unit_test(test_scale_down_removes_newest_not_ready_first),
        cmocka_unit_test(test_scale_rejects_bad_counts),
        cmocka_unit_test(test_observe),
        cmocka_unit_test(test_target_ratio),
        cmocka_unit_test(test_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
