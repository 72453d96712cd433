/* quantity_test.c -- Kubernetes quantities: parse (rounding up to milli as
 * Quantity.MilliValue does), rejections with their messages, canonical
 * format and the format -> parse round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/quantity.h"

struct parse_case {
    const char *in;
    enum ebb_rc rc;
    int64_t milli;   /* when rc == EBB_OK */
    const char *msg; /* a substring of the message, when rc != EBB_OK */
};

static const struct parse_case parse_cases[] = {
    /* plain numbers */
    {"100", EBB_OK, 100000, NULL},
    {"0", EBB_OK, 0, NULL},
    {"000", EBB_OK, 0, NULL},
    {"+5", EBB_OK, 5000, NULL},
    {"-1", EBB_OK, -1000, NULL},
    {"-0", EBB_OK, 0, NULL},
    {"0.1", EBB_OK, 100, NULL},
    {".5", EBB_OK, 500, NULL},
    {"1.", EBB_OK, 1000, NULL},
    {"007", EBB_OK, 7000, NULL},
    {"1.0000", EBB_OK, 1000, NULL},
    /* decimal SI suffixes */
    {"250m", EBB_OK, 250, NULL},
    {"1500m", EBB_OK, 1500, NULL},
    {"1.5k", EBB_OK, 1500000, NULL},
    {"2M", EBB_OK, 2000000000LL, NULL},
    {"1G", EBB_OK, 1000000000000LL, NULL},
    {"3T", EBB_OK, 3000000000000000LL, NULL},
    {"1P", EBB_OK, 1000000000000000000LL, NULL},
    {"9E", EBB_ERR_RANGE, 0, "out of range"},
    {"500u", EBB_OK, 1, NULL},
    {"1u", EBB_OK, 1, NULL}, /* rounds up to 1m */
    {"1n", EBB_OK, 1, NULL},
    {"-1u", EBB_OK, -1, NULL}, /* away from zero, as MilliValue */
    {"1000u", EBB_OK, 1, NULL},
    {"1001u", EBB_OK, 2, NULL},
    {"0.5m", EBB_OK, 1, NULL},
    {"1.5m", EBB_OK, 2, NULL},
    /* binary suffixes */
    {"1Ki", EBB_OK, 1024000, NULL},
    {"2Gi", EBB_OK, 2147483648000LL, NULL},
    {"1.5Ki", EBB_OK, 1536000, NULL},
    {"1Ei", EBB_ERR_RANGE, 0, "out of range"}, /* 2^60 units do not fit in milli */
    {"8191Ti", EBB_OK, 9006099743113216000LL, NULL},
    {"0.0001Ki", EBB_OK, 103, NULL}, /* 102.4m rounds up */
    {"7Ei", EBB_ERR_RANGE, 0, "out of range"},
    /* exponents */
    {"1e3", EBB_OK, 1000000, NULL},
    {"1E3", EBB_OK, 1000000, NULL},
    {"1e-3", EBB_OK, 1, NULL},
    {"1e+3", EBB_OK, 1000000, NULL},
    {"2.5e-1", EBB_OK, 250, NULL},
    {"1e-9", EBB_OK, 1, NULL},
    {"0e99999999", EBB_OK, 0, NULL},
    {"1e-99999999", EBB_OK, 1, NULL},
    {"1e18", EBB_ERR_RANGE, 0, "out of range"},
    {"1e99999999", EBB_ERR_RANGE, 0, "out of range"},
    /* limits of int64 milli */
    {"9223372036854775807m", EBB_OK, INT64_MAX, NULL},
    {"-9223372036854775807m", EBB_OK, -INT64_MAX, NULL},
    {"9223372036854775808m", EBB_ERR_RANGE, 0, "out of range"},
    {"9223372036854775.807", EBB_OK, INT64_MAX, NULL},
    {"9223372036854775.8071", EBB_ERR_RANGE, 0, "out of range"},
    {"99999999999999999999", EBB_ERR_RANGE, 0, "out of range"},
    /* garbage */
    {"", EBB_ERR_PARSE, 0, "empty quantity"},
    {"1.2.3", EBB_ERR_PARSE, 0, "more than one decimal point"},
    {"5Kb", EBB_ERR_PARSE, 0, "unknown suffix \"Kb\""},
    {"5K", EBB_ERR_PARSE, 0, "unknown suffix \"K\""},
    {"5mi", EBB_ERR_PARSE, 0, "unknown suffix \"mi\""},
    {"1 k", EBB_ERR_PARSE, 0, "unexpected space"},
    {" 1", EBB_ERR_PARSE, 0, "must start with a number"},
    {"1k ", EBB_ERR_PARSE, 0, "unknown suffix"},
    {"abc", EBB_ERR_PARSE, 0, "must start with a number"},
    {"+", EBB_ERR_PARSE, 0, "missing digits"},
    {"-", EBB_ERR_PARSE, 0, "missing digits"},
    {".", EBB_ERR_PARSE, 0, "missing digits"},
    {"--1", EBB_ERR_PARSE, 0, "must start with a number"},
    {"1e", EBB_ERR_PARSE, 0, "unknown suffix \"e\""},
    {"1e3.5", EBB_ERR_PARSE, 0, "unknown suffix"},
    {"1k1", EBB_ERR_PARSE, 0, "unknown suffix \"k1\""},
    {"1,5", EBB_ERR_PARSE, 0, "unexpected character ','"},
    {"0x10", EBB_ERR_PARSE, 0, "unknown suffix \"x10\""},
    {"1-", EBB_ERR_PARSE, 0, "unexpected \"-\""},
    {"12345678901234567890123456789012345678901234567890123456789012345", EBB_ERR_PARSE, 0,
     "too many digits"},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        enum ebb_rc want = c->rc;
        int64_t got = 12345;
        char msg[256] = "";
        enum ebb_rc rc = ebb_quantity_parse(c->in, &got, msg, sizeof(msg));
        if (rc != want)
            fail_msg("case %zu \"%s\": rc %d, want %d (%s)", i, c->in, rc, want, msg);
        if (rc == EBB_OK) {
            if (got != c->milli)
                fail_msg("case %zu \"%s\": %lld milli, want %lld", i, c->in, (long long)got,
                         (long long)c->milli);
        } else {
            assert_int_equal(got, 12345); /* untouched on error */
            if (c->msg != NULL && strstr(msg, c->msg) == NULL)
                fail_msg("case %zu \"%s\": message \"%s\" lacks \"%s\"", i, c->in, msg, c->msg);
        }
    }
}

static void test_parse_null_msg(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_int_equal(ebb_quantity_parse("5Kb", &v, NULL, 0), EBB_ERR_PARSE);
    assert_int_equal(ebb_quantity_parse(NULL, &v, NULL, 0), EBB_ERR_PARSE);
    assert_int_equal(ebb_quantity_parse("2Gi", &v, NULL, 0), EBB_OK);
    assert_int_equal(v, 2147483648000LL);
}

static void test_format_table(void **state)
{
    (void)state;
    static const struct {
        int64_t milli;
        const char *out;
    } cases[] = {
        {0, "0"},
        {100000, "100"},
        {250, "250m"},
        {1500, "1500m"},
        {1000, "1"},
        {-1000, "-1"},
        {-250, "-250m"},
        {1, "1m"},
        {2147483648000LL, "2147483648"},
        {INT64_MAX, "9223372036854775807m"},
        {INT64_MIN, "-9223372036854775808m"},
        {-9223372036854775000LL, "-9223372036854775"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[24];
        ebb_quantity_format(cases[i].milli, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].out);
    }
}

static void test_format_parse_round_trip(void **state)
{
    (void)state;
    /* A spread of values over the whole range, both signs. */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t v = (int64_t)(x >> (i % 63));
        if (i % 2)
            v = -v;
        if (v == INT64_MIN)
            continue;
        if (i % 3 == 0)
            v = v / 1000 * 1000;
        char buf[24];
        ebb_quantity_format(v, buf, sizeof(buf));
        int64_t back = 0;
        assert_int_equal(ebb_quantity_parse(buf, &back, NULL, 0), EBB_OK);
        assert_int_equal(back, v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_null_msg),
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_format_parse_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
