/* sim_trace_test.c -- the trace reader of `ebb simulate` (cmd/ebb/sim_trace.c).
 *
 * The reader lives with the command, not in libcore.a, so this program
 * compiles it in directly (with util.c, which reads files).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../../cmd/ebb/sim_trace.c"
#include "../../cmd/ebb/util.c"

/* 2026-11-23T00:00:00Z */
#define T0 1795392000000LL
#define MIN 60000LL

static void test_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum ebb_rc want;
        const char *want_msg; /* the whole message, or NULL when it parses */
        size_t want_rows;
    } cases[] = {
        {"time,load\n2026-11-23T00:00:00Z,1\n", EBB_OK, NULL, 1},
        {"time,load\n2026-11-23T00:00:00Z,1\n2026-11-23T00:01:00Z,2.5\n", EBB_OK, NULL, 2},
        /* CRLF, spaces, blank lines, extra columns, free comments, an offset */
        {"# A comment: with a colon but a capital\r\n\r\n time , load ,note\r\n"
         "2026-11-23T00:00:00Z , 0 ,quiet\r\n# between rows\r\n"
         "2026-11-23T01:01:00+01:00,3\r\n2026-11-23T00:02:00Z,1e2\r\n",
         EBB_OK, NULL, 3},
        {"time,load\n2026-11-23T00:00:00Z,1", EBB_OK, NULL, 1}, /* no final newline */
        {"", EBB_ERR_PARSE,
         "t.csv:1: no data rows: expected the header \"time,load\" and then rows like "
         "2026-11-27T00:00:00Z,12.5",
         0},
        {"time,load\n", EBB_ERR_PARSE,
         "t.csv:1: no data rows: expected the header \"time,load\" and then rows like "
         "2026-11-27T00:00:00Z,12.5",
         0},
        {"2026-11-23T00:00:00Z,1\n", EBB_ERR_PARSE,
         "t.csv:1: the first row must be the header \"time,load\", got \"2026-11-23T00:00:00Z,1\"",
         0},
        {"load,time\n", EBB_ERR_PARSE,
         "t.csv:1: the first row must be the header \"time,load\", got \"load,time\"", 0},
        {"time,load\n2026-11-23T00:00:00Z\n", EBB_ERR_PARSE,
         "t.csv:2: expected 2 fields (time,load), got 1: \"2026-11-23T00:00:00Z\"", 0},
        {"time,load\n2026-11-23,1\n", EBB_ERR_PARSE,
         "t.csv:2: time \"2026-11-23\" is not an RFC 3339 timestamp (like 2026-11-27T00:00:00Z)",
         0},
        {"time,load\n2026-11-23T00:00:00Z,\n", EBB_ERR_PARSE,
         "t.csv:2: load \"\" is not a number (tasks per second)", 0},
        {"time,load\n2026-11-23T00:00:00Z,12/s\n", EBB_ERR_PARSE,
         "t.csv:2: load \"12/s\" is not a number (tasks per second)", 0},
        {"time,load\n2026-11-23T00:00:00Z,NaN\n", EBB_ERR_INVALID,
         "t.csv:2: load \"NaN\" is not a finite number", 0},
        {"time,load\n2026-11-23T00:00:00Z,-inf\n", EBB_ERR_INVALID,
         "t.csv:2: load \"-inf\" is not a finite number", 0},
        {"time,load\n2026-11-23T00:00:00Z,-0.5\n", EBB_ERR_INVALID,
         "t.csv:2: load -0.5 is negative; offered load is 0 or more", 0},
        {"time,load\n2026-11-23T00:00:00Z,1\n2026-11-23T00:00:00Z,2\n", EBB_ERR_INVALID,
         "t.csv:3: time 2026-11-23T00:00:00Z is not after the previous row's "
         "2026-11-23T00:00:00Z (line 2)",
         0},
        {"time,load\n2026-11-23T00:05:00Z,1\n\n2026-11-23T00:01:00Z,2\n", EBB_ERR_INVALID,
         "t.csv:4: time 2026-11-23T00:01:00Z is not after the previous row's "
         "2026-11-23T00:05:00Z (line 2)",
         0},
        {"time,load\n2026-11-23T00:00:00Z,"
         "1.00000000000000000000000000000000000000000000000000000000000000000000\n",
         EBB_ERR_PARSE, NULL, 0},
        {"# pod_capacty: 1\n", EBB_ERR_INVALID,
         "t.csv:1: unknown model parameter \"pod_capacty\" (known: pod_capacity, cpu_request, "
         "startup, initial_replicas)",
         0},
        {"# pod_capacity: 1\n#pod_capacity:2\n", EBB_ERR_INVALID,
         "t.csv:2: pod_capacity is set twice (first on line 1)", 0},
        {"# pod_capacity: 0\n", EBB_ERR_INVALID, "t.csv:1: pod_capacity: 0 must be greater than 0",
         0},
        {"# pod_capacity: fast\n", EBB_ERR_PARSE,
         "t.csv:1: pod_capacity: \"fast\" is not a number (tasks per second, like 0.5)", 0},
        {"# initial_replicas: 2.5\n", EBB_ERR_PARSE,
         "t.csv:1: initial_replicas: \"2.5\" is not an integer", 0},
        {"# initial_replicas: 100001\n", EBB_ERR_INVALID,
         "t.csv:1: initial_replicas: 100001 must be between 0 and 100000", 0},
        {"# cpu_request: 0\n", EBB_ERR_INVALID, "t.csv:1: cpu_request: 0 must be greater than 0",
         0},
        {"# startup: 25h\n", EBB_ERR_INVALID, "t.csv:1: startup: 25h is longer than 24h", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_sim_trace t;
        char msg[512] = "";
        enum ebb_rc rc = ebb_sim_trace_parse("t.csv", cases[i].text, strlen(cases[i].text), &t, msg,
                                             sizeof(msg));
        if (rc != cases[i].want)
            fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].want, msg);
        if (cases[i].want_msg)
            assert_string_equal(msg, cases[i].want_msg);
        else if (rc != EBB_OK)
            assert_true(strncmp(msg, "t.csv:2: ", 9) == 0);
        if (rc == EBB_OK)
            assert_int_equal(t.n, cases[i].want_rows);
        ebb_sim_trace_release(&t);
    }
}

static void test_nul_byte(void **state)
{
    (void)state;
    static const char text[] = "time,load\n2026-11-23T00:00:00Z,1\0\n";
    struct ebb_sim_trace t;
    char msg[256] = "";
    assert_int_equal(ebb_sim_trace_parse("t.csv", text, sizeof(text) - 1, &t, msg, sizeof(msg)),
                     EBB_ERR_PARSE);
    assert_string_equal(msg, "t.csv:2: a NUL byte: this is not a CSV text file");
    ebb_sim_trace_release(&t);
}

static void test_parameters(void **state)
{
    (void)state;
    static const char text[] = "# Generated by hand\n"
                               "# pod_capacity: 0.1\n"
                               "#   cpu_request:   500m  \n"
                               "# startup: 1m30s\n"
                               "# initial_replicas: 7\n"
                               "time,load\n"
                               "2026-11-23T00:00:00Z,1\n";
    struct ebb_sim_trace t;
    char msg[256] = "";
    assert_int_equal(ebb_sim_trace_parse("t.csv", text, sizeof(text) - 1, &t, msg, sizeof(msg)),
                     EBB_OK);
    assert_int_equal(t.params_set, (1u << EBB_SIM_PARAM__COUNT) - 1);
    assert_float_equal(t.params.pod_capacity, 0.1, 1e-12);
    assert_int_equal(t.params.cpu_request_milli, 500);
    assert_int_equal(t.params.startup_ms, 90000);
    assert_int_equal(t.params.initial_replicas, 7);
    assert_int_equal(t.points[0].time_ms, T0);
    ebb_sim_trace_release(&t);
    ebb_sim_trace_release(NULL);

    assert_string_equal(ebb_sim_param_name(EBB_SIM_STARTUP), "startup");
    assert_string_equal(ebb_sim_param_name(EBB_SIM_PARAM__COUNT), "");
}

static void test_load_at(void **state)
{
    (void)state;
    static const char text[] = "time,load\n"
                               "2026-11-23T00:00:00Z,10\n"
                               "2026-11-23T00:01:00Z,20\n"
                               "2026-11-23T00:03:00Z,0\n"
                               "2026-11-23T00:04:00Z,0\n";
    static const struct {
        int64_t at;
        double want;
    } cases[] = {
        {T0 - MIN, 10.0},        {T0, 10.0},           {T0 + MIN / 2, 15.0},
        {T0 + MIN, 20.0},        {T0 + 2 * MIN, 10.0}, {T0 + 3 * MIN - 15000, 2.5},
        {T0 + 3 * MIN + 1, 0.0}, {T0 + 4 * MIN, 0.0},  {T0 + 99 * MIN, 0.0},
    };
    struct ebb_sim_trace t;
    char msg[256] = "";
    assert_int_equal(ebb_sim_trace_parse("t.csv", text, sizeof(text) - 1, &t, msg, sizeof(msg)),
                     EBB_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_float_equal(ebb_sim_trace_load_at(&t, cases[i].at), cases[i].want, 1e-9);
    ebb_sim_trace_release(&t);

    struct ebb_sim_trace empty = EBB_SIM_TRACE_INIT;
    assert_float_equal(ebb_sim_trace_load_at(&empty, T0), 0.0, 0.0);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    struct ebb_sim_trace t;
    char msg[256] = "";
    assert_int_equal(ebb_sim_trace_load("/nonexistent/trace.csv", &t, msg, sizeof(msg)),
                     EBB_ERR_IO);
    assert_string_equal(msg, "cannot open /nonexistent/trace.csv: No such file or directory");
    ebb_sim_trace_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_load_at),
        cmocka_unit_test(test_load_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
