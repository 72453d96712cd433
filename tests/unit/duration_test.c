/* duration_test.c -- Go-style durations: parse (Go's grammar, whole
 * milliseconds, never negative), messages, Duration.String() formatting and
 * the format -> parse round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/duration.h"

#define MAX_MS 9223372036854LL /* Go's limit, 2^63-1 ns, in whole ms */

struct parse_case {
    const char *in;
    enum ebb_rc rc;
    int64_t ms;
    const char *msg;
};

static const struct parse_case parse_cases[] = {
    {"90s", EBB_OK, 90000, NULL},
    {"5m", EBB_OK, 300000, NULL},
    {"1h30m", EBB_OK, 5400000, NULL},
    {"1.5h", EBB_OK, 5400000, NULL},
    {"250ms", EBB_OK, 250, NULL},
    {"0", EBB_OK, 0, NULL},
    {"+0", EBB_OK, 0, NULL},
    {"0s", EBB_OK, 0, NULL},
    {"0.0s", EBB_OK, 0, NULL},
    {"+5s", EBB_OK, 5000, NULL},
    {"1.5s", EBB_OK, 1500, NULL},
    {".5s", EBB_OK, 500, NULL},
    {"5.s", EBB_OK, 5000, NULL},
    {"5m0s", EBB_OK, 300000, NULL},
    {"1h30m0s", EBB_OK, 5400000, NULL},
    {"1h1h", EBB_OK, 7200000, NULL},
    {"2h45m30.5s", EBB_OK, 9930500, NULL},
    {"1000000ns", EBB_OK, 1, NULL},
    {"3000us", EBB_OK, 3, NULL},
    {"3000\xc2\xb5s", EBB_OK, 3, NULL}, /* micro sign */
    {"3000\xce\xbcs", EBB_OK, 3, NULL}, /* Greek mu */
    {"0.001s", EBB_OK, 1, NULL},
    {"1.0000000001s", EBB_OK, 1000, NULL}, /* Go drops precision below 1ns */
    {"2562047h47m16.854s", EBB_OK, MAX_MS, NULL},
    {"9223372036854ms", EBB_OK, MAX_MS, NULL},
    /* rejected */
    {"", EBB_ERR_PARSE, 0, "empty duration"},
    {"-5s", EBB_ERR_PARSE, 0, "must not be negative"},
    {"-0", EBB_ERR_PARSE, 0, "must not be negative"},
    {"90", EBB_ERR_PARSE, 0, "missing unit"},
    {"1h30", EBB_ERR_PARSE, 0, "missing unit"},
    {"5x", EBB_ERR_PARSE, 0, "unknown unit \"x\""},
    {"5 s", EBB_ERR_PARSE, 0, "unknown unit \" s\""},
    {"5S", EBB_ERR_PARSE, 0, "unknown unit \"S\""},
    {"1d", EBB_ERR_PARSE, 0, "unknown unit \"d\""},
    {"s", EBB_ERR_PARSE, 0, "not a duration"},
    {".s", EBB_ERR_PARSE, 0, "not a duration"},
    {"+", EBB_ERR_PARSE, 0, "not a duration"},
    {"1.5ms", EBB_ERR_PARSE, 0, "smaller than a millisecond"},
    {"1us", EBB_ERR_PARSE, 0, "smaller than a millisecond"},
    {"1ns", EBB_ERR_PARSE, 0, "smaller than a millisecond"},
    {"9223372036855ms", EBB_ERR_RANGE, 0, "too long"},
    {"2562048h", EBB_ERR_RANGE, 0, "too long"},
    {"99999999999999999999s", EBB_ERR_RANGE, 0, "too long"},
    {"9223372036854775808ns", EBB_ERR_RANGE, 0, "too long"},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        int64_t got = 777;
        char msg[256] = "";
        enum ebb_rc rc = ebb_duration_parse(c->in, &got, msg, sizeof(msg));
        if (rc != c->rc)
            fail_msg("case %zu \"%s\": rc %d, want %d (%s)", i, c->in, rc, c->rc, msg);
        if (rc == EBB_OK) {
            if (got != c->ms)
                fail_msg("case %zu \"%s\": %lld ms, want %lld", i, c->in, (long long)got,
                         (long long)c->ms);
        } else {
            assert_int_equal(got, 777);
            if (c->msg != NULL && strstr(msg, c->msg) == NULL)
                fail_msg("case %zu \"%s\": message \"%s\" lacks \"%s\"", i, c->in, msg, c->msg);
        }
    }
}

static void test_parse_null_args(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_int_equal(ebb_duration_parse(NULL, &v, NULL, 0), EBB_ERR_PARSE);
    assert_int_equal(ebb_duration_parse("5x", &v, NULL, 0), EBB_ERR_PARSE);
    assert_int_equal(ebb_duration_parse("5m", &v, NULL, 0), EBB_OK);
    assert_int_equal(v, 300000);
}

static void test_format_table(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        const char *out;
    } cases[] = {
        {0, "0s"},
        {1, "1ms"},
        {90, "90ms"},
        {999, "999ms"},
        {1000, "1s"},
        {1500, "1.5s"},
        {1250, "1.25s"},
        {1001, "1.001s"},
        {90000, "1m30s"},
        {300000, "5m0s"},
        {61250, "1m1.25s"},
        {3600000, "1h0m0s"},
        {5400000, "1h30m0s"},
        {86400000, "24h0m0s"},
        {MAX_MS, "2562047h47m16.854s"},
        {-1500, "-1.5s"},
        {-90, "-90ms"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[32];
        ebb_duration_format(cases[i].ms, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].out);
    }
    char buf[32];
    ebb_duration_format(INT64_MIN, buf, sizeof(buf)); /* must not overflow */
    assert_true(buf[0] == '-');
}

static void test_format_parse_round_trip(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t v = (int64_t)((x >> (i % 40 + 20)) % (uint64_t)(MAX_MS + 1));
        char buf[32];
        ebb_duration_format(v, buf, sizeof(buf));
        int64_t back = -1;
        if (ebb_duration_parse(buf, &back, NULL, 0) != EBB_OK || back != v)
            fail_msg("%lld -> \"%s\" -> %lld", (long long)v, buf, (long long)back);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_null_args),
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_format_parse_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
