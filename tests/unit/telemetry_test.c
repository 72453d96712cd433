/* telemetry_test.c -- pkg/telemetry: registration rules, operations, exact exposition text. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/telemetry/telemetry.h"

static char *render(const struct ebb_telemetry *t)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    assert_int_equal(ebb_telemetry_render(t, &sb), EBB_OK);
    char *s = ebb_strbuf_detach(&sb, NULL);
    assert_non_null(s);
    return s;
}

static void expect_text(const struct ebb_telemetry *t, const char *want, const char *name)
{
    char *got = render(t);
    if (strcmp(got, want) != 0) {
        print_error("%s: got\n%s---\nwant\n%s---\n", name, got, want);
        free(got);
        fail();
    }
    free(got);
}

/* ---- value formatting ---------------------------------------------------------------------- */

static void test_format_value(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {1, "1"},
        {-1, "-1"},
        {0.5, "0.5"},
        {0.1, "0.1"},
        {0.005, "0.005"},
        {2.5, "2.5"},
        {1234567, "1234567"},
        {1e20, "1e+20"},
        {1.0 / 3, "0.3333333333333333"},
        {1e-7, "1e-07"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
        {NAN, "NaN"},
        {12345.678, "12345.678"},
        {10, "10"},
        {100, "100"},
        {1e14, "100000000000000"},
        {1e15, "1e+15"},
        {-0.25, "-0.25"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[32];
        ebb_tm_format_value(cases[i].v, buf, sizeof(buf));
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("case %zu: got %s, want %s", i, buf, cases[i].want);
    }
}

/* ---- registration -------------------------------------------------------------------------- */

static void test_register_rejects(void **state)
{
    (void)state;
    static const double dec[] = {1, 0.5};
    static const double inf[] = {1, INFINITY};
    static const double dup[] = {1, 1};
    static const struct {
        const char *why;
        struct ebb_tm_desc d;
        const char *msg; /* a substring of the error */
    } cases[] = {
        {"empty name", {"", "h", EBB_TM_GAUGE, {NULL}, NULL, 0}, "not valid"},
        {"digit first", {"1abc", "h", EBB_TM_GAUGE, {NULL}, NULL, 0}, "not valid"},
        {"dash", {"a-b", "h", EBB_TM_GAUGE, {NULL}, NULL, 0}, "not valid"},
        {"taken", {"taken", "h", EBB_TM_GAUGE, {NULL}, NULL, 0}, "already registered"},
        {"bad label", {"x", "h", EBB_TM_GAUGE, {"a:b"}, NULL, 0}, "label name"},
        {"reserved label", {"x", "h", EBB_TM_GAUGE, {"__x"}, NULL, 0}, "label name"},
        {"label twice", {"x", "h", EBB_TM_GAUGE, {"a", "a"}, NULL, 0}, "twice"},
        {"histogram le", {"x", "h", EBB_TM_HISTOGRAM, {"le"}, NULL, 0}, "le"},
        {"decreasing", {"x", "h", EBB_TM_HISTOGRAM, {NULL}, dec, 2}, "increase"},
        {"equal", {"x", "h", EBB_TM_HISTOGRAM, {NULL}, dup, 2}, "increase"},
        {"inf bucket", {"x", "h", EBB_TM_HISTOGRAM, {NULL}, inf, 2}, "finite"},
        {"too many", {"x", "h", EBB_TM_HISTOGRAM, {NULL}, dec, EBB_TM_MAX_BUCKETS + 1}, "at most"},
        {"type", {"x", "h", (enum ebb_tm_type)7, {NULL}, NULL, 0}, "type"},
    };
    struct ebb_telemetry *t;
    assert_int_equal(ebb_telemetry_new(&t), EBB_OK);
    const struct ebb_tm_desc taken = {"taken", "h", EBB_TM_COUNTER, {NULL}, NULL, 0};
    assert_int_equal(ebb_telemetry_register(t, &taken, NULL, NULL, 0), EBB_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        struct ebb_tm_family *f = NULL;
        enum ebb_rc rc = ebb_telemetry_register(t, &cases[i].d, &f, err, sizeof(err));
        if (rc != EBB_ERR_INVALID || !strstr(err, cases[i].msg))
            fail_msg("%s: rc %d, err \"%s\"", cases[i].why, rc, err);
        assert_null(f);
    }
    /* Only "taken" is there; colons are fine in metric names. */
    const struct ebb_tm_desc colon = {"ns:sub_total", "h", EBB_TM_COUNTER, {"a_1"}, NULL, 0};
    assert_int_equal(ebb_telemetry_register(t, &colon, NULL, NULL, 0), EBB_OK);
    assert_non_null(ebb_telemetry_find(t, "ns:sub_total"));
    assert_null(ebb_telemetry_find(t, "x"));
    ebb_telemetry_free(t);
}

/* ---- operations ---------------------------------------------------------------------------- */

static void test_operations_by_type(void **state)
{
    (void)state;
    struct ebb_telemetry *t;
    struct ebb_tm_family *c, *g, *h;
    assert_int_equal(ebb_telemetry_new(&t), EBB_OK);
    const struct ebb_tm_desc cd = {"c_total", "c", EBB_TM_COUNTER, {"k"}, NULL, 0};
    const struct ebb_tm_desc gd = {"g", "g", EBB_TM_GAUGE, {"k"}, NULL, 0};
    const struct ebb_tm_desc hd = {"h", "h", EBB_TM_HISTOGRAM, {"k"}, NULL, 0};
    assert_int_equal(ebb_telemetry_register(t, &cd, &c, NULL, 0), EBB_OK);
    assert_int_equal(ebb_telemetry_register(t, &gd, &g, NULL, 0), EBB_OK);
    assert_int_equal(ebb_telemetry_register(t, &hd, &h, NULL, 0), EBB_OK);
    const char *const a[] = {"a"};
    const char *const nul[] = {NULL};
    static const struct {
        const char *why;
        int op; /* 0 inc, 1 add, 2 set, 3 observe */
        int fam;
        double v;
        enum ebb_rc want;
    } cases[] = {
        {"counter inc", 0, 0, 0, EBB_OK},
        {"counter add", 1, 0, 2.5, EBB_OK},
        {"counter add 0", 1, 0, 0, EBB_OK},
        {"counter down", 1, 0, -1, EBB_ERR_INVALID},
        {"counter NaN", 1, 0, NAN, EBB_ERR_INVALID},
        {"counter set", 2, 0, 1, EBB_ERR_INVALID},
        {"counter observe", 3, 0, 1, EBB_ERR_INVALID},
        {"gauge set", 2, 1, 5, EBB_OK},
        {"gauge add negative", 1, 1, -2, EBB_OK},
        {"gauge inc", 0, 1, 0, EBB_OK},
        {"gauge observe", 3, 1, 1, EBB_ERR_INVALID},
        {"histogram observe", 3, 2, 0.3, EBB_OK},
        {"histogram observe big", 3, 2, 100, EBB_OK},
        {"histogram NaN", 3, 2, NAN, EBB_ERR_INVALID},
        {"histogram add", 1, 2, 1, EBB_ERR_INVALID},
        {"histogram set", 2, 2, 1, EBB_ERR_INVALID},
    };
    struct ebb_tm_family *fams[] = {c, g, h};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_tm_family *f = fams[cases[i].fam];
        enum ebb_rc rc;
        switch (cases[i].op) {
        case 0:
            rc = ebb_tm_inc(f, a);
            break;
        case 1:
            rc = ebb_tm_add(f, a, cases[i].v);
            break;
        case 2:
            rc = ebb_tm_set(f, a, cases[i].v);
            break;
        default:
            rc = ebb_tm_observe(f, a, cases[i].v);
            break;
        }
        if (rc != cases[i].want)
            fail_msg("%s: rc %d, want %d", cases[i].why, rc, cases[i].want);
    }
    double v = 0;
    assert_int_equal(ebb_tm_get(c, a, &v), EBB_OK);
    assert_true(v == 3.5);
    assert_int_equal(ebb_tm_get(g, a, &v), EBB_OK);
    assert_true(v == 4);
    assert_int_equal(ebb_tm_get(h, a, &v), EBB_OK);
    assert_true(v == 100.3);
    assert_int_equal(ebb_tm_count(h, a), 2);
    /* A NULL label value is refused and creates nothing. */
    assert_int_equal(ebb_tm_inc(c, nul), EBB_ERR_INVALID);
    assert_int_equal(ebb_tm_inc(c, NULL), EBB_ERR_INVALID);
    assert_int_equal(ebb_tm_series(c), 1);
    const char *const b[] = {"b"};
    assert_int_equal(ebb_tm_get(c, b, &v), EBB_ERR_NOTFOUND);
    assert_int_equal(ebb_tm_count(h, b), 0);
    ebb_telemetry_free(t);
}

static void test_many_series_and_removal(void **state)
{
    (void)state;
    struct ebb_telemetry *t;
    struct ebb_tm_operator m;
    char err[128];
    assert_int_equal(ebb_telemetry_new(&t), EBB_OK);
    assert_int_equal(ebb_tm_operator_register(t, &m, err, sizeof(err)), EBB_OK);
    /* 3 namespaces x 2000 policies x 2 metrics; every value checked afterwards. */
    char ns[16], name[16];
    for (int n = 0; n < 3; n++) {
        for (int p = 0; p < 2000; p++) {
            snprintf(ns, sizeof(ns), "ns%d", n);
            snprintf(name, sizeof(name), "p%d", p);
            const char *const key[] = {ns, name};
            const char *const cpu[] = {ns, name, "cpu"};
            const char *const rps[] = {ns, name, "rps"};
            assert_int_equal(ebb_tm_set(m.desired_replicas, key, p % 7), EBB_OK);
            assert_int_equal(ebb_tm_set(m.metric_value, cpu, p), EBB_OK);
            assert_int_equal(ebb_tm_set(m.metric_value, rps, -p), EBB_OK);
        }
    }
    assert_int_equal(ebb_tm_series(m.desired_replicas), 6000);
    assert_int_equal(ebb_tm_series(m.metric_value), 12000);
    for (int p = 0; p < 2000; p += 37) {
        snprintf(name, sizeof(name), "p%d", p);
        const char *const rps[] = {"ns1", name, "rps"};
        double v;
        assert_int_equal(ebb_tm_get(m.metric_value, rps, &v), EBB_OK);
        assert_true(v == -p);
    }
    /* Forgetting one policy drops exactly its series, in one namespace only. */
    ebb_tm_operator_forget_policy(&m, "ns1", "p5");
    assert_int_equal(ebb_tm_series(m.desired_replicas), 5999);
    assert_int_equal(ebb_tm_series(m.metric_value), 11998);
    const char *const gone[] = {"ns1", "p5"};
    const char *const kept[] = {"ns2", "p5"};
    double v;
    assert_int_equal(ebb_tm_get(m.desired_replicas, gone, &v), EBB_ERR_NOTFOUND);
    assert_int_equal(ebb_tm_get(m.desired_replicas, kept, &v), EBB_OK);
    assert_true(v == 5);
    /* Remove half of one namespace one by one; the rest is still found. */
    for (int p = 0; p < 2000; p += 2) {
        snprintf(name, sizeof(name), "p%d", p);
        const char *const key[] = {"ns0", name};
        assert_int_equal(ebb_tm_remove(m.desired_replicas, key), EBB_OK);
        assert_int_equal(ebb_tm_remove(m.desired_replicas, key), EBB_ERR_NOTFOUND);
    }
    for (int p = 1; p < 2000; p += 2) {
        snprintf(name, sizeof(name), "p%d", p);
        const char *const key[] = {"ns0", name};
        assert_int_equal(ebb_tm_get(m.desired_replicas, key, &v), EBB_OK);
        assert_true(v == p % 7);
    }
    /* Wildcards: every series of namespace ns2. */
    const char *const ns2[] = {"ns2", NULL, NULL};
    assert_int_equal(ebb_tm_remove_matching(m.metric_value, ns2), 4000);
    assert_int_equal(ebb_tm_remove(m.leader, NULL), EBB_ERR_INVALID);
    ebb_telemetry_free(t);
}

/* ---- exact text ---------------------------------------------------------------------------- */

static void test_render_operator_families(void **state)
{
    (void)state;
    struct ebb_telemetry *t;
    struct ebb_tm_operator m;
    assert_int_equal(ebb_telemetry_new(&t), EBB_OK);
    assert_int_equal(ebb_tm_operator_register(t, &m, NULL, 0), EBB_OK);
    /* Fresh: only the label-less families show, at 0. */
    expect_text(t,
                "# HELP ebb_reconcile_duration_seconds Time one reconcile of a ScalingPolicy "
                "took.\n"
                "# TYPE ebb_reconcile_duration_seconds histogram\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.001\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.0025\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.005\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.01\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.025\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.05\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.1\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.25\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.5\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"1\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"2.5\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"5\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"10\"} 0\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"+Inf\"} 0\n"
                "ebb_reconcile_duration_seconds_sum 0\n"
                "ebb_reconcile_duration_seconds_count 0\n"
                "# HELP ebb_policies ScalingPolicies watched.\n"
                "# TYPE ebb_policies gauge\n"
                "ebb_policies 0\n"
                "# HELP ebb_leader 1 while this process holds the leader lease, else 0.\n"
                "# TYPE ebb_leader gauge\n"
                "ebb_leader 0\n",
                "fresh");

    const char *const ok[] = {"success"}, *const bad[] = {"error"};
    const char *const up[] = {"up"};
    const char *const web[] = {"shop", "web"}, *const api[] = {"shop", "api"};
    const char *const webcpu[] = {"shop", "web", "cpu"};
    const char *const get200[] = {"get", "200"}, *const patch409[] = {"patch", "409"};
    assert_int_equal(ebb_tm_inc(m.reconcile_total, ok), EBB_OK);
    assert_int_equal(ebb_tm_inc(m.reconcile_total, ok), EBB_OK);
    assert_int_equal(ebb_tm_inc(m.reconcile_total, bad), EBB_OK);
    assert_int_equal(ebb_tm_observe(m.reconcile_duration, NULL, 0.0004), EBB_OK);
    assert_int_equal(ebb_tm_observe(m.reconcile_duration, NULL, 0.01), EBB_OK); /* le is <= */
    assert_int_equal(ebb_tm_observe(m.reconcile_duration, NULL, 0.3), EBB_OK);
    assert_int_equal(ebb_tm_observe(m.reconcile_duration, NULL, 30), EBB_OK);
    assert_int_equal(ebb_tm_inc(m.scale_total, up), EBB_OK);
    assert_int_equal(ebb_tm_set(m.policies, NULL, 2), EBB_OK);
    assert_int_equal(ebb_tm_set(m.desired_replicas, web, 6), EBB_OK);
    assert_int_equal(ebb_tm_set(m.desired_replicas, api, 3), EBB_OK);
    assert_int_equal(ebb_tm_set(m.current_replicas, web, 4), EBB_OK);
    assert_int_equal(ebb_tm_set(m.metric_value, webcpu, 0.82), EBB_OK);
    assert_int_equal(ebb_tm_add(m.kube_requests_total, patch409, 1), EBB_OK);
    assert_int_equal(ebb_tm_add(m.kube_requests_total, get200, 41), EBB_OK);
    assert_int_equal(ebb_tm_set(m.leader, NULL, 1), EBB_OK);
    expect_text(t,
                "# HELP ebb_reconcile_total Reconciles of a ScalingPolicy, by result.\n"
                "# TYPE ebb_reconcile_total counter\n"
                "ebb_reconcile_total{result=\"error\"} 1\n"
                "ebb_reconcile_total{result=\"success\"} 2\n"
                "# HELP ebb_reconcile_duration_seconds Time one reconcile of a ScalingPolicy "
                "took.\n"
                "# TYPE ebb_reconcile_duration_seconds histogram\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.001\"} 1\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.0025\"} 1\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.005\"} 1\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.01\"} 2\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.025\"} 2\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.05\"} 2\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.1\"} 2\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.25\"} 2\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"0.5\"} 3\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"1\"} 3\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"2.5\"} 3\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"5\"} 3\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"10\"} 3\n"
                "ebb_reconcile_duration_seconds_bucket{le=\"+Inf\"} 4\n"
                "ebb_reconcile_duration_seconds_sum 30.3104\n"
                "ebb_reconcile_duration_seconds_count 4\n"
                "# HELP ebb_scale_total Patches of a target's /scale, by direction.\n"
                "# TYPE ebb_scale_total counter\n"
                "ebb_scale_total{direction=\"up\"} 1\n"
                "# HELP ebb_policies ScalingPolicies watched.\n"
                "# TYPE ebb_policies gauge\n"
                "ebb_policies 2\n"
                "# HELP ebb_desired_replicas Replicas the last decision asked for.\n"
                "# TYPE ebb_desired_replicas gauge\n"
                "ebb_desired_replicas{namespace=\"shop\",policy=\"api\"} 3\n"
                "ebb_desired_replicas{namespace=\"shop\",policy=\"web\"} 6\n"
                "# HELP ebb_current_replicas The target's spec.replicas when last seen.\n"
                "# TYPE ebb_current_replicas gauge\n"
                "ebb_current_replicas{namespace=\"shop\",policy=\"web\"} 4\n"
                "# HELP ebb_metric_value Last valid value of a policy's metric.\n"
                "# TYPE ebb_metric_value gauge\n"
                "ebb_metric_value{namespace=\"shop\",policy=\"web\",metric=\"cpu\"} 0.82\n"
                "# HELP ebb_kube_requests_total Kubernetes API requests, by verb and HTTP "
                "status.\n"
                "# TYPE ebb_kube_requests_total counter\n"
                "ebb_kube_requests_total{verb=\"get\",code=\"200\"} 41\n"
                "ebb_kube_requests_total{verb=\"patch\",code=\"409\"} 1\n"
                "# HELP ebb_leader 1 while this process holds the leader lease, else 0.\n"
                "# TYPE ebb_leader gauge\n"
                "ebb_leader 1\n",
                "after updates");
    ebb_telemetry_free(t);
}

static void test_render_escaping_and_buckets(void **state)
{
    (void)state;
    static const struct {
        const char *why;
        const char *help;
        const char *value;
        double v;
        const char *want;
    } cases[] = {
        {"plain", "h", "v", 1, "# HELP x h\n# TYPE x gauge\nx{a=\"v\"} 1\n"},
        {"quote", "h", "say \"hi\"", 1, "# HELP x h\n# TYPE x gauge\nx{a=\"say \\\"hi\\\"\"} 1\n"},
        {"backslash", "c:\\dir", "c:\\dir", 2,
         "# HELP x c:\\\\dir\n# TYPE x gauge\nx{a=\"c:\\\\dir\"} 2\n"},
        {"newline", "two\nlines", "a\nb", 3,
         "# HELP x two\\nlines\n# TYPE x gauge\nx{a=\"a\\nb\"} 3\n"},
        {"quote in help stays", "a \"q\"", "", -1.5,
         "# HELP x a \"q\"\n# TYPE x gauge\nx{a=\"\"} -1.5\n"},
        {"utf-8 as is", "h", "Zürich", 0.25, "# HELP x h\n# TYPE x gauge\nx{a=\"Zürich\"} 0.25\n"},
        {"inf", "h", "v", INFINITY, "# HELP x h\n# TYPE x gauge\nx{a=\"v\"} +Inf\n"},
        {"nan", "h", "v", NAN, "# HELP x h\n# TYPE x gauge\nx{a=\"v\"} NaN\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_telemetry *t;
        struct ebb_tm_family *f;
        assert_int_equal(ebb_telemetry_new(&t), EBB_OK);
        const struct ebb_tm_desc d = {"x", cases[i].help, EBB_TM_GAUGE, {"a"}, NULL, 0};
        assert_int_equal(ebb_telemetry_register(t, &d, &f, NULL, 0), EBB_OK);
        const char *const val[] = {cases[i].value};
        assert_int_equal(ebb_tm_set(f, val, cases[i].v), EBB_OK);
        expect_text(t, cases[i].want, cases[i].why);
        ebb_telemetry_free(t);
    }

    /* A labelled histogram with its own buckets, two series sorted by label. */
    struct ebb_telemetry *t;
    struct ebb_tm_family *h;
    assert_int_equal(ebb_telemetry_new(&t), EBB_OK);
    static const double b[] = {1, 5};
    const struct ebb_tm_desc hd = {"lat_seconds", "Latency.", EBB_TM_HISTOGRAM, {"op"}, b, 2};
    assert_int_equal(ebb_telemetry_register(t, &hd, &h, NULL, 0), EBB_OK);
    const char *const w[] = {"write"}, *const r[] = {"read"};
    assert_int_equal(ebb_tm_observe(h, w, 7), EBB_OK);
    assert_int_equal(ebb_tm_observe(h, r, 1), EBB_OK);
    assert_int_equal(ebb_tm_observe(h, r, 2), EBB_OK);
    expect_text(t,
                "# HELP lat_seconds Latency.\n"
                "# TYPE lat_seconds histogram\n"
                "lat_seconds_bucket{op=\"read\",le=\"1\"} 1\n"
                "lat_seconds_bucket{op=\"read\",le=\"5\"} 2\n"
                "lat_seconds_bucket{op=\"read\",le=\"+Inf\"} 2\n"
                "lat_seconds_sum{op=\"read\"} 3\n"
                "lat_seconds_count{op=\"read\"} 2\n"
                "lat_seconds_bucket{op=\"write\",le=\"1\"} 0\n"
                "lat_seconds_bucket{op=\"write\",le=\"5\"} 0\n"
                "lat_seconds_bucket{op=\"write\",le=\"+Inf\"} 1\n"
                "lat_seconds_sum{op=\"write\"} 7\n"
                "lat_seconds_count{op=\"write\"} 1\n",
                "labelled histogram");
    /* Removing the last series of a family hides the family. */
    assert_int_equal(ebb_tm_remove(h, w), EBB_OK);
    assert_int_equal(ebb_tm_remove(h, r), EBB_OK);
    expect_text(t, "", "emptied");
    ebb_telemetry_free(t);
}

static void test_render_appends(void **state)
{
    (void)state;
    struct ebb_telemetry *t;
    assert_int_equal(ebb_telemetry_new(&t), EBB_OK);
    const struct ebb_tm_desc d = {"up", "Up.", EBB_TM_GAUGE, {NULL}, NULL, 0};
    assert_int_equal(ebb_telemetry_register(t, &d, NULL, NULL, 0), EBB_OK);
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    ebb_strbuf_adds(&sb, "# before\n");
    assert_int_equal(ebb_telemetry_render(t, &sb), EBB_OK);
    assert_string_equal(sb.buf, "# before\n# HELP up Up.\n# TYPE up gauge\nup 0\n");
    ebb_strbuf_release(&sb);
    ebb_telemetry_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_value),
        cmocka_unit_test(test_register_rejects),
        cmocka_unit_test(test_operations_by_type),
        cmocka_unit_test(test_many_series_and_removal),
        cmocka_unit_test(test_render_operator_families),
        cmocka_unit_test(test_render_escaping_and_buckets),
        cmocka_unit_test(test_render_appends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
