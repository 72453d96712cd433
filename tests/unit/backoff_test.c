/* backoff_test.c -- pkg/kube/backoff: delays, jitter bounds, determinism, Retry-After. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../pkg/kube/backoff.h"

struct delay_case {
    const char *name;
    int64_t base_ms, cap_ms;
    int retry;
    int64_t want_ms; /* without jitter */
};

static const struct delay_case delay_cases[] = {
    {"first retry waits base", 100, 30000, 0, 100},
    {"doubles", 100, 30000, 1, 200},
    {"doubles again", 100, 30000, 3, 800},
    {"capped", 100, 30000, 9, 30000},
    {"stays capped", 100, 30000, 1000, 30000},
    {"cap not a power of two", 100, 1000, 4, 1000},
    {"negative retry is the first", 100, 30000, -3, 100},
    {"base 0 counts as 1", 0, 30000, 2, 4},
    {"cap below base is base", 500, 10, 5, 500},
    {"huge base does not overflow", INT64_MAX / 2, INT64_MAX, 62, INT64_MAX},
};

static void test_backoff_delays_without_jitter(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(delay_cases) / sizeof(delay_cases[0]); i++) {
        const struct delay_case *tc = &delay_cases[i];
        struct ebb_backoff b;
        ebb_backoff_init(&b, tc->base_ms, tc->cap_ms, 0, 42);
        int64_t got = ebb_backoff_delay(&b, tc->retry);
        /* The double conversion may round the largest values. */
        if (tc->want_ms > (INT64_C(1) << 52) ? got < tc->want_ms / 2 : got != tc->want_ms)
            fail_msg("%s: delay %lld, want %lld", tc->name, (long long)got, (long long)tc->want_ms);
    }
}

static void test_backoff_jitter_bounds_and_spread(void **state)
{
    (void)state;
    struct ebb_backoff b;
    ebb_backoff_init(&b, 100, 30000, 0.2, 7);
    for (int retry = 0; retry < 12; retry++) {
        int64_t nominal = 100;
        for (int i = 0; i < retry && nominal < 30000; i++)
            nominal = nominal * 2 > 30000 ? 30000 : nominal * 2;
        int64_t lo = INT64_MAX, hi = 0;
        for (int k = 0; k < 2000; k++) {
            int64_t d = ebb_backoff_delay(&b, retry);
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        /* Within +-20% (and rounding), and actually spread over most of it. */
        assert_true(lo >= nominal * 8 / 10);
        assert_true(hi <= nominal * 12 / 10 + 1);
        assert_true(hi - lo >= nominal * 3 / 10);
    }
}

static void test_backoff_is_deterministic_per_seed(void **state)
{
    (void)state;
    struct ebb_backoff a, b, c;
    ebb_backoff_init(&a, 100, 30000, 0.2, 12345);
    ebb_backoff_init(&b, 100, 30000, 0.2, 12345);
    ebb_backoff_init(&c, 100, 30000, 0.2, 54321);
    int differ = 0;
    for (int i = 0; i < 50; i++) {
        int64_t da = ebb_backoff_delay(&a, i % 8);
        assert_int_equal(da, ebb_backoff_delay(&b, i % 8));
        differ += da != ebb_backoff_delay(&c, i % 8);
    }
    assert_true(differ > 40);
    /* Seed 0 is usable: the sequence does not get stuck. */
    struct ebb_backoff z;
    ebb_backoff_init(&z, 1, 1, 0, 0);
    uint64_t x = ebb_backoff_next(&z), y = ebb_backoff_next(&z);
    assert_true(x != 0 && y != 0 && x != y);
}

static void test_backoff_jitter_clamped(void **state)
{
    (void)state;
    struct ebb_backoff b;
    ebb_backoff_init(&b, 1000, 1000, 5.0, 1); /* > 1 counts as 1 */
    assert_true(b.jitter == 1.0);
    for (int i = 0; i < 1000; i++) {
        int64_t d = ebb_backoff_delay(&b, 0);
        assert_in_range(d, 1, 2000);
    }
    ebb_backoff_init(&b, 1000, 1000, -1.0, 1);
    assert_true(b.jitter == 0.0);
    assert_int_equal(ebb_backoff_delay(&b, 0), 1000);
}

struct ra_case {
    const char *in;
    int64_t now_unix_s;
    enum ebb_rc want_rc;
    int64_t want_ms;
};

/* 784111777 is Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example). */
static const struct ra_case ra_cases[] = {
    {"1", 0, EBB_OK, 1000},
    {"0", 0, EBB_OK, 0},
    {"120", 0, EBB_OK, 120000},
    {"  5 \r\n", 0, EBB_OK, 5000},
    {"600", 0, EBB_OK, 600000},
    {"601", 0, EBB_OK, 600000},
    {"99999999999999999999999", 0, EBB_OK, 600000},
    {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30, EBB_OK, 30000},
    {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777, EBB_OK, 0},
    {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 100, EBB_OK, 0},
    {"Sun, 06 Nov 1994 08:49:37 GMT", 0, EBB_OK, 600000},
    {"Thu, 01 Jan 1970 00:00:10 GMT", 3, EBB_OK, 7000},
    {"Sun, 22 Nov 2026 11:27:05 GMT", 1795346821, EBB_OK, 4000},
    {"", 0, EBB_ERR_PARSE, 0},
    {"   ", 0, EBB_ERR_PARSE, 0},
    {"-1", 0, EBB_ERR_PARSE, 0},
    {"1.5", 0, EBB_ERR_PARSE, 0},
    {"1s", 0, EBB_ERR_PARSE, 0},
    {"soon", 0, EBB_ERR_PARSE, 0},
    {"Sun, 06 Nov 1994 08:49:37 UTC", 0, EBB_ERR_PARSE, 0},
    {"Sun, 06 Foo 1994 08:49:37 GMT", 0, EBB_ERR_PARSE, 0},
    {"Sun, 6 Nov 1994 08:49:37 GMT", 0, EBB_ERR_PARSE, 0},
    {"Sunday, 06-Nov-94 08:49:37 GMT", 0, EBB_ERR_PARSE, 0},
    {"Sun, 06 Nov 1994 25:49:37 GMT", 0, EBB_ERR_PARSE, 0},
};

static void test_backoff_retry_after(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ra_cases) / sizeof(ra_cases[0]); i++) {
        const struct ra_case *tc = &ra_cases[i];
        int64_t ms = -7;
        enum ebb_rc rc = ebb_backoff_parse_retry_after(tc->in, tc->now_unix_s, &ms);
        if (rc != tc->want_rc || (rc == EBB_OK && ms != tc->want_ms))
            fail_msg("Retry-After \"%s\": rc %d ms %lld, want rc %d ms %lld", tc->in, rc,
                     (long long)ms, tc->want_rc, (long long)tc->want_ms);
        if (rc != EBB_OK)
            assert_int_equal(ms, -7); /* untouched on error */
    }
    int64_t ms = 0;
    assert_int_equal(ebb_backoff_parse_retry_after(NULL, 0, &ms), EBB_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_delays_without_jitter),
        cmocka_unit_test(test_backoff_jitter_bounds_and_spread),
        cmocka_unit_test(test_backoff_is_deterministic_per_seed),
        cmocka_unit_test(test_backoff_jitter_clamped),
        cmocka_unit_test(test_backoff_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
