/* rfc3339_test.c -- RFC 3339 <-> unix ms and the civil-calendar helpers:
 * Z, offsets, fractions, rejections, formatting, round trips, and
 * days_from_civil / civil_from_days across leap years and era edges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../../pkg/base/rfc3339.h"

#define MIN_MS (-62167219200000LL) /* 0000-01-01T00:00:00Z */
#define MAX_MS (253402300799999LL) /* 9999-12-31T23:59:59.999Z */

struct parse_case {
    const char *in;
    enum ebb_rc rc;
    int64_t ms;
};

static const struct parse_case parse_cases[] = {
    {"1970-01-01T00:00:00Z", EBB_OK, 0},
    {"2026-11-27T00:00:00Z", EBB_OK, 1795737600000LL},
    {"2026-11-30T23:59:59Z", EBB_OK, 1796083199000LL},
    {"2026-11-27T00:00:00.250Z", EBB_OK, 1795737600250LL},
    {"2026-11-27T00:00:00.5Z", EBB_OK, 1795737600500LL},
    {"2026-11-27T00:00:00.123456789Z", EBB_OK, 1795737600123LL}, /* finer digits dropped */
    {"2026-11-27t00:00:00z", EBB_OK, 1795737600000LL},
    {"2026-11-27T01:00:00+01:00", EBB_OK, 1795737600000LL},
    {"2026-11-26T19:30:00-04:30", EBB_OK, 1795737600000LL},
    {"2026-11-27T00:00:00+00:00", EBB_OK, 1795737600000LL},
    {"2026-11-27T00:00:00-00:00", EBB_OK, 1795737600000LL},
    {"2024-02-29T12:00:00Z", EBB_OK, 1709208000000LL},
    {"2000-02-29T00:00:00Z", EBB_OK, 951782400000LL},
    {"1969-12-31T23:59:59.999Z", EBB_OK, -1},
    {"1900-01-01T00:00:00Z", EBB_OK, -2208988800000LL},
    {"0000-01-01T00:00:00Z", EBB_OK, MIN_MS},
    {"9999-12-31T23:59:59.999Z", EBB_OK, MAX_MS},
    /* rejected */
    {"", EBB_ERR_PARSE, 0},
    {"2026-11-27", EBB_ERR_PARSE, 0},
    {"2026-11-27T00:00:00", EBB_ERR_PARSE, 0}, /* no zone */
    {"2026-11-27 00:00:00Z", EBB_ERR_PARSE, 0},
    {"2026-11-27T00:00Z", EBB_ERR_PARSE, 0},
    {"2026-11-27T00:00:00.Z", EBB_ERR_PARSE, 0},
    {"2026-11-27T00:00:00Zjunk", EBB_ERR_PARSE, 0},
    {"2026-11-27T00:00:00+0100", EBB_ERR_PARSE, 0},
    {"2026-11-27T00:00:00+24:00", EBB_ERR_PARSE, 0},
    {"2026-13-01T00:00:00Z", EBB_ERR_PARSE, 0},
    {"2026-00-01T00:00:00Z", EBB_ERR_PARSE, 0},
    {"2026-11-00T00:00:00Z", EBB_ERR_PARSE, 0},
    {"2026-11-31T00:00:00Z", EBB_ERR_PARSE, 0},
    {"2025-02-29T00:00:00Z", EBB_ERR_PARSE, 0},
    {"1900-02-29T00:00:00Z", EBB_ERR_PARSE, 0},
    {"2026-11-27T24:00:00Z", EBB_ERR_PARSE, 0},
    {"2026-11-27T23:60:00Z", EBB_ERR_PARSE, 0},
    {"2026-11-27T23:59:60Z", EBB_ERR_PARSE, 0},
    {"26-11-27T00:00:00Z", EBB_ERR_PARSE, 0},
    {"+2026-11-27T00:00:00Z", EBB_ERR_PARSE, 0},
    {"0000-01-01T00:00:00+00:01", EBB_ERR_RANGE, 0}, /* before year 0 */
    {"9999-12-31T23:59:59-00:01", EBB_ERR_RANGE, 0}, /* after year 9999 */
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        int64_t got = 42;
        enum ebb_rc rc = ebb_rfc3339_parse(c->in, &got);
        if (rc != c->rc)
            fail_msg("case %zu \"%s\": rc %d, want %d", i, c->in, rc, c->rc);
        if (rc == EBB_OK && got != c->ms)
            fail_msg("case %zu \"%s\": %lld, want %lld", i, c->in, (long long)got,
                     (long long)c->ms);
        if (rc != EBB_OK)
            assert_int_equal(got, 42);
    }
    int64_t v;
    assert_int_equal(ebb_rfc3339_parse(NULL, &v), EBB_ERR_PARSE);
}

static void test_format_table(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        const char *out;
    } cases[] = {
        {0, "1970-01-01T00:00:00Z"},
        {1795737600000LL, "2026-11-27T00:00:00Z"},
        {1795737600250LL, "2026-11-27T00:00:00.250Z"},
        {1795737600001LL, "2026-11-27T00:00:00.001Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {951782400000LL, "2000-02-29T00:00:00Z"},
        {MIN_MS, "0000-01-01T00:00:00Z"},
        {MAX_MS, "9999-12-31T23:59:59.999Z"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[32];
        ebb_rfc3339_format(cases[i].ms, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].out);
    }
    /* Extremes must not overflow the buffer or the arithmetic. */
    char buf[32];
    ebb_rfc3339_format(INT64_MIN, buf, sizeof(buf));
    assert_true(strlen(buf) < sizeof(buf));
    ebb_rfc3339_format(INT64_MAX, buf, sizeof(buf));
    assert_true(strlen(buf) < sizeof(buf));
}

static void test_round_trip(void **state)
{
    (void)state;
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (int i = 0; i < 50000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t v = MIN_MS + (int64_t)(x % (uint64_t)(MAX_MS - MIN_MS + 1));
        if (i % 4 == 0)
            v -= v % 1000; /* whole seconds too */
        char buf[32];
        ebb_rfc3339_format(v, buf, sizeof(buf));
        int64_t back = 0;
        if (ebb_rfc3339_parse(buf, &back) != EBB_OK || back != v)
            fail_msg("%lld -> \"%s\" -> %lld", (long long)v, buf, (long long)back);
    }
}

static void test_days_from_civil(void **state)
{
    (void)state;
    static const struct {
        int64_t y;
        unsigned m, d;
        int64_t days;
    } cases[] = {
        {1970, 1, 1, 0},
        {1970, 1, 2, 1},
        {1969, 12, 31, -1},
        {2000, 1, 1, 10957},
        {2000, 2, 29, 11016},
        {2000, 3, 1, 11017},
        {2026, 11, 27, 20784},
        {1900, 3, 1, -25508},
        {1600, 2, 29, -135081},
        {1600, 3, 1, -135080},
        {0, 3, 1, -719468}, /* the algorithm's epoch: start of an era */
        {0, 2, 29, -719469},
        {0, 1, 1, -719528},
        {-1, 12, 31, -719529},
        {-400, 3, 1, -719468 - 146097},
        {400, 3, 1, -719468 + 146097},
        {9999, 12, 31, 2932896},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = ebb_days_from_civil(cases[i].y, cases[i].m, cases[i].d);
        if (got != cases[i].days)
            fail_msg("%lld-%u-%u: %lld, want %lld", (long long)cases[i].y, cases[i].m, cases[i].d,
                     (long long)got, (long long)cases[i].days);
        int64_t y;
        unsigned m, d;
        ebb_civil_from_days(cases[i].days, &y, &m, &d);
        assert_int_equal(y, cases[i].y);
        assert_int_equal(m, cases[i].m);
        assert_int_equal(d, cases[i].d);
    }
}

static void test_civil_inverse(void **state)
{
    (void)state;
    /* Every day from -1000-01-01 to 10000-01-01: consecutive, valid, inverse. */
    int64_t first = ebb_days_from_civil(-1000, 1, 1);
    int64_t last = ebb_days_from_civil(10000, 1, 1);
    int64_t py = -1001;
    unsigned pm = 12, pd = 31;
    for (int64_t z = first; z <= last; z++) {
        int64_t y;
        unsigned m, d;
        ebb_civil_from_days(z, &y, &m, &d);
        assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
        assert_int_equal(ebb_days_from_civil(y, m, d), z);
        /* the next day of (py, pm, pd) */
        bool next = (y == py && m == pm && d == pd + 1) || (y == py && m == pm + 1 && d == 1) ||
                    (y == py + 1 && m == 1 && d == 1 && pm == 12);
        if (!next)
            fail_msg("day %lld is %lld-%u-%u after %lld-%u-%u", (long long)z, (long long)y, m, d,
                     (long long)py, pm, pd);
        py = y;
        pm = m;
        pd = d;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),   cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_days_from_civil),
        cmocka_unit_test(test_civil_inverse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
