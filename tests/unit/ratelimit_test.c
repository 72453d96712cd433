/* ratelimit_test.c -- pkg/kube/ratelimit: the token bucket, with fake time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../pkg/kube/ratelimit.h"

/* One scenario: reservations at the given times and the waits expected. */
struct rl_case {
    const char *name;
    double qps;
    int burst;
    int n;
    int64_t at_ms[8];
    int64_t want_wait_ms[8];
};

static const struct rl_case rl_cases[] = {
    {"burst goes at once, then one per 1/qps", 2, 1, 4, {0, 0, 0, 0}, {0, 500, 1000, 1500}},
    {"burst of 3 at once", 5, 3, 5, {0, 0, 0, 0, 0}, {0, 0, 0, 200, 400}},
    {"tokens refill while idle", 2, 1, 3, {0, 500, 1000}, {0, 0, 0}},
    {"refill never exceeds burst", 1, 2, 4, {0, 10000, 10000, 10000}, {0, 0, 0, 1000}},
    {"partial refill shortens the wait", 2, 1, 2, {0, 300}, {0, 200}},
    {"waiting requests queue in order", 10, 1, 4, {0, 0, 50, 50}, {0, 100, 150, 250}},
    {"qps 0 is unlimited", 0, 1, 3, {0, 0, 0}, {0, 0, 0}},
    {"negative qps is unlimited", -1, 5, 2, {0, 0}, {0, 0}},
    {"burst 0 counts as 1", 1, 0, 2, {0, 0}, {0, 1000}},
    {"fractional qps", 0.5, 1, 2, {0, 0}, {0, 2000}},
    {"high qps rounds the wait up", 3, 1, 2, {0, 0}, {0, 334}},
    {"clock going back earns nothing", 1, 1, 3, {1000, 500, 1500}, {0, 1000, 1500}},
    {"client-go defaults: qps 20 burst 30", 20, 30, 2, {0, 0}, {0, 0}},
    {"start time is arbitrary", 4, 1, 2, {987654321, 987654321}, {0, 250}},
};

static void test_ratelimit_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rl_cases) / sizeof(rl_cases[0]); i++) {
        const struct rl_case *tc = &rl_cases[i];
        struct ebb_ratelimit rl;
        ebb_ratelimit_init(&rl, tc->qps, tc->burst);
        for (int k = 0; k < tc->n; k++) {
            int64_t w = ebb_ratelimit_reserve(&rl, tc->at_ms[k]);
            if (w != tc->want_wait_ms[k])
                fail_msg("%s: reservation %d at %lld ms: wait %lld, want %lld", tc->name, k,
                         (long long)tc->at_ms[k], (long long)w, (long long)tc->want_wait_ms[k]);
        }
    }
}

/* Over a long run the bucket lets exactly burst + qps * t requests through. */
static void test_ratelimit_long_run_rate(void **state)
{
    (void)state;
    struct ebb_ratelimit rl;
    ebb_ratelimit_init(&rl, 20, 30);
    int64_t now = 0;
    int sent = 0;
    /* Every request goes as soon as its reservation allows. */
    while (now <= 10000) {
        int64_t w = ebb_ratelimit_reserve(&rl, now);
        assert_true(w >= 0);
        now += w;
        if (now <= 10000)
            sent++;
    }
    /* 30 at once + 20/s for 10 s. */
    assert_in_range(sent, 229, 231);
}

static void test_ratelimit_tokens_peek(void **state)
{
    (void)state;
    struct ebb_ratelimit rl;
    ebb_ratelimit_init(&rl, 10, 5);
    assert_true(ebb_ratelimit_tokens(&rl, 0) == 5.0);
    for (int i = 0; i < 7; i++)
        (void)ebb_ratelimit_reserve(&rl, 0);
    assert_true(ebb_ratelimit_tokens(&rl, 0) < -1.99 && ebb_ratelimit_tokens(&rl, 0) > -2.01);
    /* Peeking changes nothing; 700 ms later 7 tokens were earned, capped at 5. */
    assert_true(ebb_ratelimit_tokens(&rl, 700) > 4.99);
    assert_int_equal(ebb_ratelimit_reserve(&rl, 100), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratelimit_table),
        cmocka_unit_test(test_ratelimit_long_run_rate),
        cmocka_unit_test(test_ratelimit_tokens_peek),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
