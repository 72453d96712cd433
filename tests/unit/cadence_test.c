/* cadence_test.c -- pkg/controller/cadence: syncs that land just after a
 * metric's next sample. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/api/v1alpha1/types.h"
#include "../../pkg/controller/cadence.h"

#define U EBB_TIME_UNSET
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name;
    int64_t newest, window, due, period, want;
} plans[] = {
    {"no sample: the period", U, 0, 12345, 1000, 12345},
    {"no window: the period", 10000, 0, 12345, 1000, 12345},
    {"window over the period: the period", 10000, 30000, 32345, 15000, 32345},
    {"a sample newer than due (a simulated clock): the period", 99000, 1000, 12345, 1000, 12345},
    {"a stale sample: the period", 1000, 1000, 12345, 1000, 12345},
    {"1 s grid: just after the next point", 10000, 1000, 12345, 1000, 13100},
    {"due exactly at point + margin", 11000, 1000, 13100, 1000, 13100},
    {"due 1 ms after point + margin: the next point", 11000, 1000, 13101, 1000, 14100},
    {"15 s grid, 15 s period", 0 + 60000, 15000, 60000 + 15000 + 7000, 15000, 90100},
    {"due before the newest point's margin", 10000, 1000, 10050, 1000, 10100},
};

static void test_plan_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(plans); i++) {
        struct ebb_cadence cd;
        memset(&cd, 0, sizeof(cd));
        int64_t got = ebb_cadence_plan(&cd, 0, plans[i].newest, plans[i].window, plans[i].due,
                                       plans[i].period);
        if (got != plans[i].want)
            fprintf(stderr, "%s: got %lld, want %lld\n", plans[i].name, (long long)got,
                    (long long)plans[i].want);
        assert_int_equal(got, plans[i].want);
    }
}

static uint64_t rng(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

/* A model: samples stamped on a grid of window w (phase p) become visible
 * lag ms after their stamp. A policy syncs with period >= w; each sync
 * sees the newest visible sample, then plans the next. Properties, for
 * random w, period, phase, lag and start:
 * - every planned sync is in [due, due + w), due counted from the plan
 *   when the sync started late (by up to 40 ms here);
 * - with lag < 3/4 w, it converges: each sync but at most 9 of 40 reads
 *   a sample that became visible less than w/8 + margin (+ the start's
 *   delay) before it, versus up to w when unaligned; at most 8 misses;
 * - with lag >= 7/8 w it gives up and syncs on plain periods. */
static void test_converges_against_a_model(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int run = 0; run < 2000; run++) {
        int64_t w = 1000 + (int64_t)(rng(&x) % 29000);
        int64_t period = w * (1 + (int64_t)(rng(&x) % 3)) + (int64_t)(rng(&x) % 1000);
        int64_t phase = (int64_t)(rng(&x) % (uint64_t)w);
        bool late = rng(&x) % 4 == 0;
        int64_t lag = late ? w - w / 8 + (int64_t)(rng(&x) % (uint64_t)(w / 8))
                           : (int64_t)(rng(&x) % (uint64_t)(w * 3 / 4));
        int64_t t = 1000000000 + (int64_t)(rng(&x) % 100000);
        struct ebb_cadence cd;
        memset(&cd, 0, sizeof(cd));
        int64_t started = t, planned = 0;
        int late_reads = 0;
        for (int sync = 0; sync < 40; sync++) {
            /* the newest sample visible at t: stamped g with g + lag <= t */
            int64_t g = t - lag - phase;
            g = (g >= 0 ? g / w : (g - w + 1) / w) * w + phase;
            int64_t due = started + period;
            int64_t next = ebb_cadence_plan(&cd, started, g, w, due, period);
            /* a late start (below) counts from the plan, while aligned */
            int64_t want_due = planned && planned + period < due ? planned + period : due;
            assert_true(next >= want_due);
            assert_true(next < due + w);
            /* the loop is busy: syncs start up to 40 ms after their time */
            int64_t start = next + (int64_t)(rng(&x) % 40);
            if (!late) {
                /* how long the sample read at start had been visible */
                int64_t g2 = start - lag - phase;
                g2 = (g2 >= 0 ? g2 / w : (g2 - w + 1) / w) * w + phase;
                int64_t visible_for = start - (g2 + lag);
                assert_true(visible_for >= 0);
                late_reads += visible_for >= w / 8 + EBB_CADENCE_MARGIN_MS + 40;
            }
            planned = next;
            started = t = start;
        }
        if (late)
            assert_int_equal(cd.margin_ms, -1);
        else
            assert_true(cd.misses <= 8 && late_reads <= 9);
    }
}

/* A sync an event started before its planned time proves nothing: the
 * margin does not move. */
static void test_early_syncs_do_not_teach(void **state)
{
    (void)state;
    struct ebb_cadence cd;
    memset(&cd, 0, sizeof(cd));
    int64_t next = ebb_cadence_plan(&cd, 0, 10000, 1000, 12345, 1000);
    assert_int_equal(next, 13100);
    /* started at 12500 (a pod became ready), saw the old sample */
    (void)ebb_cadence_plan(&cd, 12500, 12000, 1000, 13500, 1000);
    assert_int_equal(cd.misses, 0);
    assert_int_equal(cd.margin_ms, EBB_CADENCE_MARGIN_MS);
}

static void test_newest(void **state)
{
    (void)state;
    struct ebb_pod_sample s[] = {
        {true, 1, 0, 5000, 1000}, {false, 1, 0, 9000, 1000}, /* absent: not counted */
        {true, 1, 0, 7000, 2000}, {true, 1, 0, U, 1000},     {true, 1, 0, 8000, 0},
    };
    int64_t ts = 0, win = 0;
    assert_true(ebb_cadence_newest(s, COUNT(s), &ts, &win));
    assert_int_equal(ts, 7000);
    assert_int_equal(win, 2000);
    assert_false(ebb_cadence_newest(s + 3, 2, &ts, &win));
    assert_false(ebb_cadence_newest(NULL, 0, &ts, &win));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_table),
        cmocka_unit_test(test_converges_against_a_model),
        cmocka_unit_test(test_early_syncs_do_not_teach),
        cmocka_unit_test(test_newest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
