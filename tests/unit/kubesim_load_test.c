/* kubesim_load_test.c -- kubesim's offered load curves (cmd/kubesim/load.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/kubesim/metrics_internal.h"

#define H 3600.0

static void test_curves(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        double t, want;
    } cases[] = {
        {"constant:5", 0, 5},
        {"constant:5", 1e6, 5},
        {"constant:0.25", 10, 0.25},
        {"step:10,200@60,50@2m", 0, 10},
        {"step:10,200@60,50@2m", 59.9, 10},
        {"step:10,200@60,50@2m", 60, 200},
        {"step:10,200@60,50@2m", 119, 200},
        {"step:10,200@60,50@2m", 120, 50},
        {"step:10,200@60,50@2m", 1e7, 50},
        {"step:10,200@60,50@2m", -5, 10},
        {"step:7", 100, 7},
        {"sine:10:110:100", 0, 10},
        {"sine:10:110:100", 25, 60},
        {"sine:10:110:100", 50, 110},
        {"sine:10:110:100", 100, 10},
        {"sine:10:110:1m40s", 150, 110},
        {"sine:10:110", 12 * H, 110},
        {"sine:10:110", 6 * H, 60},
        {"blackfriday:10:110", 0, 10},
        {"blackfriday:10:110", 5 * H, 10},
        {"blackfriday:10:110", 5.5 * H, 30},
        {"blackfriday:10:110", 13 * H, 110},
        {"blackfriday:10:110", 15 * H, 110},
        {"blackfriday:10:110", 100 * H, 10},
    };
    char err[512];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ks_curve *c = ks_curve_parse(cases[i].spec, err, sizeof(err));
        if (!c)
            fail_msg("%s: %s", cases[i].spec, err);
        double got = ks_curve_at(c, cases[i].t);
        if (fabs(got - cases[i].want) > 1e-9)
            fail_msg("%s at %g: got %g, want %g", cases[i].spec, cases[i].t, got, cases[i].want);
        ks_curve_free(c);
    }
}

static void test_curve_errors(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        const char *want; /* the whole message */
    } cases[] = {
        {"", "empty load spec: expected constant:V, step:V0,V1@T1,..., sine:MIN:MAX[:PERIOD], "
             "blackfriday:BASE:PEAK or trace:FILE"},
        {"ramp:1", "load spec \"ramp:1\": unknown curve \"ramp\" (known: constant, step, sine, "
                   "blackfriday, trace)"},
        {"constant", "load spec \"constant\": constant needs arguments after a ':'"},
        {"constant:abc",
         "load spec \"constant:abc\": constant: value \"abc\" is not a number (requests per "
         "second)"},
        {"constant:-1", "load spec \"constant:-1\": constant: value -1 is negative; load is 0 or "
                        "more"},
        {"constant:nan", "load spec \"constant:nan\": constant: value \"nan\" is not a number "
                         "(requests per second)"},
        {"step:10,20", "load spec \"step:10,20\": step: item 2 \"20\" has no @TIME (only the "
                       "first value starts at 0)"},
        {"step:10,20@x", "load spec \"step:10,20@x\": step: item 2: time \"x\" is not seconds or "
                         "a duration (like 90s or 24h): "},
        {"step:10,20@60,30@30", "load spec \"step:10,20@60,30@30\": step: item 3: time 30 is not "
                                "after the previous item's 60"},
        {"step:10,x@5", "load spec \"step:10,x@5\": step: item 2: value \"x\" is not a number "
                        "(requests per second)"},
        {"sine:10", "load spec \"sine:10\": sine: expected MIN:MAX[:PERIOD], got \"10\""},
        {"sine:50:10", "load spec \"sine:50:10\": sine: MAX 10 is below MIN 50"},
        {"sine:1:2:0", "load spec \"sine:1:2:0\": sine: PERIOD 0 must be greater than 0"},
        {"sine:1:2:3:4", "load spec \"sine:1:2:3:4\": sine: expected MIN:MAX[:PERIOD], got "
                         "\"1:2:3:4\""},
        {"blackfriday:1", "load spec \"blackfriday:1\": blackfriday: expected BASE:PEAK, got "
                          "\"1\""},
        {"blackfriday:1:z", "load spec \"blackfriday:1:z\": blackfriday: PEAK \"z\" is not a "
                            "number (requests per second)"},
        {"trace:", "load spec \"trace:\": trace: no file name (trace:FILE)"},
        {"trace:/nonexistent/x.csv", "load spec \"trace:/nonexistent/x.csv\": trace: "
                                     "/nonexistent/x.csv: No such file or directory"},
    };
    char err[512];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        ks_curve *c = ks_curve_parse(cases[i].spec, err, sizeof(err));
        if (c)
            fail_msg("%s: parsed, want an error", cases[i].spec);
        /* Duration messages end with the duration parser's own words. */
        if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("%s:\n got  %s\n want %s", cases[i].spec, err, cases[i].want);
    }
}

static void test_trace_parse(void **state)
{
    (void)state;
    static const char text[] = "# a comment\n"
                               "# pod_capacity: 20\n"
                               "time,load,notes\n"
                               "2026-03-10T12:00:00Z,10,first\r\n"
                               "2026-03-10T12:01:00Z,70\n"
                               "\n"
                               "2026-03-10T12:03:00Z, 10 \n";
    char err[512];
    ks_curve *c = ks_curve_parse_trace("t.csv", text, strlen(text), err, sizeof(err));
    if (!c)
        fail_msg("%s", err);
    static const double pts[][2] = {{-10, 10}, {0, 10},   {30, 40}, {60, 70},
                                    {120, 40}, {180, 10}, {1e6, 10}};
    for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
        assert_true(fabs(ks_curve_at(c, pts[i][0]) - pts[i][1]) < 1e-9);
    ks_curve_free(c);

    static const char secs[] = "time,load\n0,5\n10,15\n";
    c = ks_curve_parse_trace("s.csv", secs, strlen(secs), err, sizeof(err));
    assert_non_null(c);
    assert_true(fabs(ks_curve_at(c, 5) - 10) < 1e-9);
    assert_true(fabs(ks_curve_at(c, 50) - 15) < 1e-9);
    ks_curve_free(c);

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"", "b.csv:1: no data rows: expected the header \"time,load\" and then rows like "
             "2026-11-27T00:00:00Z,12.5"},
        {"load,time\n", "b.csv:1: the first row must be the header \"time,load\", got "
                        "\"load,time\""},
        {"time,load\n0\n", "b.csv:2: expected 2 fields (time,load), got 1: \"0\""},
        {"time,load\nnoon,5\n", "b.csv:2: time \"noon\" is not an RFC 3339 timestamp (like "
                                "2026-11-27T00:00:00Z) or a number of seconds"},
        {"time,load\n0,12/s\n", "b.csv:2: load \"12/s\" is not a number (requests per second)"},
        {"time,load\n0,-3\n", "b.csv:2: load -3 is negative; load is 0 or more"},
        {"time,load\n10,1\n5,2\n", "b.csv:3: time 5 is not after the previous row's"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = ks_curve_parse_trace("b.csv", bad[i].text, strlen(bad[i].text), err, sizeof(err));
        if (c)
            fail_msg("case %zu parsed", i);
        if (strcmp(err, bad[i].want) != 0)
            fail_msg("case %zu:\n got  %s\n want %s", i, err, bad[i].want);
    }
    static const char nul[] = "time,load\n0,1\0\n";
    c = ks_curve_parse_trace("n.csv", nul, sizeof(nul) - 1, err, sizeof(err));
    assert_null(c);
    assert_string_equal(err, "n.csv: a NUL byte: this is not a CSV text file");
}

static void test_trace_file(void **state)
{
    (void)state;
    char path[] = "/tmp/kubesim_load_testXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "time,load\n2026-11-27T00:00:00Z,100\n2026-11-27T01:00:00Z,200\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);

    char spec[64], err[512];
    snprintf(spec, sizeof(spec), "trace:%s", path);
    ks_load *l = ks_load_new();
    assert_non_null(l);
    assert_int_equal(ks_load_set(l, "demo/web", spec, 1000, err, sizeof(err)), KS_OK);
    assert_true(fabs(ks_load_at(l, "demo/web", 1000) - 100) < 1e-9);
    assert_true(fabs(ks_load_at(l, "demo/web", 1000 + 1800) - 150) < 1e-9);
    assert_true(fabs(ks_load_at(l, "demo/web", 1000 + 7200) - 200) < 1e-9);
    ks_load_free(l);
    unlink(path);
}

static void test_load_table(void **state)
{
    (void)state;
    char err[512];
    ks_load *l = ks_load_new();
    assert_non_null(l);

    assert_false(ks_load_has(l, "demo/web"));
    assert_true(ks_load_at(l, "demo/web", 5) == 0);
    assert_int_equal(ks_load_set(l, "demo/web", "step:10,200@60", 1000, err, sizeof(err)), KS_OK);
    assert_true(ks_load_has(l, "demo/web"));
    assert_string_equal(ks_load_spec(l, "demo/web"), "step:10,200@60");
    /* t=0 of the curve is the start time given. */
    assert_true(ks_load_at(l, "demo/web", 1059) == 10);
    assert_true(ks_load_at(l, "demo/web", 1060) == 200);
    assert_true(ks_load_at(l, "demo/web", 500) == 10);

    /* A bad spec leaves the previous curve in place. */
    assert_int_equal(ks_load_set(l, "demo/web", "constant:x", 0, err, sizeof(err)), KS_EINVALID);
    assert_string_equal(ks_load_spec(l, "demo/web"), "step:10,200@60");
    assert_int_equal(ks_load_set(l, "web", "constant:1", 0, err, sizeof(err)), KS_EINVALID);
    assert_string_equal(err, "workload key \"web\" is not \"namespace/name\"");

    /* Replacing and several keys. */
    assert_int_equal(ks_load_set(l, "demo/web", "constant:3", 0, err, sizeof(err)), KS_OK);
    assert_int_equal(ks_load_set(l, "demo/db", "constant:4", 0, err, sizeof(err)), KS_OK);
    assert_int_equal(ks_load_count(l), 2);
    assert_string_equal(ks_load_key_at(l, 1), "demo/db");
    assert_null(ks_load_key_at(l, 2));
    assert_true(ks_load_at(l, "demo/web", 1) == 3);
    assert_int_equal(ks_load_unset(l, "demo/web"), KS_OK);
    assert_int_equal(ks_load_unset(l, "demo/web"), KS_ENOTFOUND);
    assert_false(ks_load_has(l, "demo/web"));
    assert_true(ks_load_at(l, "demo/db", 1) == 4);
    ks_load_free(l);
    ks_load_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curves),      cmocka_unit_test(test_curve_errors),
        cmocka_unit_test(test_trace_parse), cmocka_unit_test(test_trace_file),
        cmocka_unit_test(test_load_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
