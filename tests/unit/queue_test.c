/* queue_test.c -- pkg/controller/queue: the work queue (client-go's workqueue semantics). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/controller/queue.h"

/* ---- scripts: one operation per step and what the queue must show after it ---- */

enum op { ADD, AFTER, RATE, FORGET, TAKE, DONE, REMOVE, SHUT, TICK };

struct step {
    enum op op;
    const char *key;   /* TAKE: the key expected, NULL for none */
    int64_t arg;       /* AFTER: the delay; RATE: the delay expected */
    int64_t now;       /* AFTER, RATE, TAKE, TICK; and next_in is asked at it */
    enum ebb_rc rc;    /* ADD, AFTER, RATE, DONE */
    size_t len;        /* ebb_queue_len after the step */
    int64_t next_in;   /* ebb_queue_next_in(now) after the step */
    unsigned requeues; /* ebb_queue_num_requeues(key) after the step (not TAKE) */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Runs steps on a fresh queue whose backoff has no jitter, so delays are exact. */
static void run_script(const char *name, const struct step *steps, size_t n)
{
    struct ebb_queue q;
    ebb_queue_init(&q, 1);
    ebb_queue_set_backoff(&q, EBB_QUEUE_BASE_MS, EBB_QUEUE_CAP_MS, 0);
    for (size_t i = 0; i < n; i++) {
        const struct step *s = &steps[i];
        enum ebb_rc rc = EBB_OK;
        int64_t d = -1;
        switch (s->op) {
        case ADD:
            rc = ebb_queue_add(&q, s->key);
            break;
        case AFTER:
            rc = ebb_queue_add_after(&q, s->key, s->arg, s->now);
            break;
        case RATE:
            rc = ebb_queue_add_rate_limited(&q, s->key, s->now, &d);
            if (d != s->arg)
                fail_msg("%s step %zu: delay %lld, want %lld", name, i, (long long)d,
                         (long long)s->arg);
            break;
        case FORGET:
            ebb_queue_forget(&q, s->key);
            break;
        case TAKE: {
            const char *k = ebb_queue_take(&q, s->now);
            if ((k == NULL) != (s->key == NULL) || (k != NULL && strcmp(k, s->key) != 0))
                fail_msg("%s step %zu: took %s, want %s", name, i, k ? k : "(none)",
                         s->key ? s->key : "(none)");
            break;
        }
        case DONE:
            rc = ebb_queue_done(&q, s->key);
            break;
        case REMOVE:
            ebb_queue_remove(&q, s->key);
            break;
        case SHUT:
            ebb_queue_shutdown(&q);
            break;
        case TICK:
            ebb_queue_tick(&q, s->now);
            break;
        }
        if (rc != s->rc)
            fail_msg("%s step %zu: rc %s, want %s", name, i, ebb_rc_str(rc), ebb_rc_str(s->rc));
        if (ebb_queue_len(&q) != s->len)
            fail_msg("%s step %zu: len %zu, want %zu", name, i, ebb_queue_len(&q), s->len);
        int64_t ni = ebb_queue_next_in(&q, s->now);
        if (ni != s->next_in)
            fail_msg("%s step %zu: next_in %lld, want %lld", name, i, (long long)ni,
                     (long long)s->next_in);
        if (s->op != TAKE && s->key != NULL && ebb_queue_num_requeues(&q, s->key) != s->requeues)
            fail_msg("%s step %zu: requeues %u, want %u", name, i,
                     ebb_queue_num_requeues(&q, s->key), s->requeues);
    }
    ebb_queue_release(&q);
}

static void test_dedupe(void **state)
{
    (void)state;
    static const struct step steps[] = {
        {ADD, "ns/a", 0, 0, EBB_OK, 1, -1, 0},
        {ADD, "ns/b", 0, 0, EBB_OK, 2, -1, 0},
        {ADD, "ns/a", 0, 0, EBB_OK, 2, -1, 0},
        {ADD, "ns/c", 0, 0, EBB_OK, 3, -1, 0},
        {ADD, "ns/b", 0, 0, EBB_OK, 3, -1, 0},
        {ADD, "ns/a", 0, 0, EBB_OK, 3, -1, 0},
        {TAKE, "ns/a", 0, 0, EBB_OK, 2, -1, 0},
        {TAKE, "ns/b", 0, 0, EBB_OK, 1, -1, 0},
        {TAKE, "ns/c", 0, 0, EBB_OK, 0, -1, 0},
        {TAKE, NULL, 0, 0, EBB_OK, 0, -1, 0},
        {DONE, "ns/b", 0, 0, EBB_OK, 0, -1, 0},
        {DONE, "ns/b", 0, 0, EBB_ERR_NOTFOUND, 0, -1, 0},
        {ADD, "ns/b", 0, 0, EBB_OK, 1, -1, 0},
        {TAKE, "ns/b", 0, 0, EBB_OK, 0, -1, 0},
        /* Empty and NULL keys are refused; done on an unknown key too. */
        {ADD, "", 0, 0, EBB_ERR_INVALID, 0, -1, 0},
        {ADD, NULL, 0, 0, EBB_ERR_INVALID, 0, -1, 0},
        {AFTER, "", 10, 0, EBB_ERR_INVALID, 0, -1, 0},
        {RATE, "", 0, 0, EBB_ERR_INVALID, 0, -1, 0},
        {DONE, "ns/zz", 0, 0, EBB_ERR_NOTFOUND, 0, -1, 0},
        {DONE, NULL, 0, 0, EBB_ERR_NOTFOUND, 0, -1, 0},
    };
    run_script("dedupe", steps, N(steps));
}

static void test_dirty_while_processing(void **state)
{
    (void)state;
    static const struct step steps[] = {
        {ADD, "ns/a", 0, 0, EBB_OK, 1, -1, 0},
        {TAKE, "ns/a", 0, 0, EBB_OK, 0, -1, 0},
        /* Added while in process: not queued, not handed out twice. */
        {ADD, "ns/a", 0, 0, EBB_OK, 0, -1, 0},
        {ADD, "ns/a", 0, 0, EBB_OK, 0, -1, 0},
        {TAKE, NULL, 0, 0, EBB_OK, 0, -1, 0},
        {ADD, "ns/b", 0, 0, EBB_OK, 1, -1, 0},
        /* Done: a is queued again, once, behind b. */
        {DONE, "ns/a", 0, 0, EBB_OK, 2, -1, 0},
        {TAKE, "ns/b", 0, 0, EBB_OK, 1, -1, 0},
        {TAKE, "ns/a", 0, 0, EBB_OK, 0, -1, 0},
        {DONE, "ns/a", 0, 0, EBB_OK, 0, -1, 0},
        {TAKE, NULL, 0, 0, EBB_OK, 0, -1, 0},
        /* A delayed add that comes due while in process marks it dirty too. */
        {AFTER, "ns/b", 10, 0, EBB_OK, 0, 10, 0},
        {TICK, NULL, 0, 10, EBB_OK, 0, -1, 0},
        {TAKE, NULL, 0, 10, EBB_OK, 0, -1, 0},
        {DONE, "ns/b", 0, 10, EBB_OK, 1, -1, 0},
        {TAKE, "ns/b", 0, 10, EBB_OK, 0, -1, 0},
        {DONE, "ns/b", 0, 10, EBB_OK, 0, -1, 0},
    };
    run_script("dirty", steps, N(steps));
}

static void test_delays(void **state)
{
    (void)state;
    static const struct step steps[] = {
        {AFTER, "ns/a", 300, 1000, EBB_OK, 0, 300, 0},
        {AFTER, "ns/b", 100, 1000, EBB_OK, 0, 100, 0},
        {AFTER, "ns/c", 200, 1000, EBB_OK, 0, 100, 0},
        /* A later time for a waiting key does not move it; an earlier one does. */
        {AFTER, "ns/b", 500, 1000, EBB_OK, 0, 100, 0},
        {AFTER, "ns/a", 50, 1000, EBB_OK, 0, 50, 0},
        {TAKE, NULL, 0, 1049, EBB_OK, 0, 1, 0},
        {TAKE, "ns/a", 0, 1050, EBB_OK, 0, 50, 0},
        /* Due together: earliest first; b (1100) before c (1200). */
        {TAKE, "ns/b", 0, 5000, EBB_OK, 1, -1, 0},
        {TAKE, "ns/c", 0, 5000, EBB_OK, 0, -1, 0},
        /* Same due time: the order they were scheduled in. */
        {AFTER, "ns/y", 10, 6000, EBB_OK, 0, 10, 0},
        {AFTER, "ns/x", 10, 6000, EBB_OK, 0, 10, 0},
        {AFTER, "ns/z", 5, 6005, EBB_OK, 0, 5, 0},
        {TICK, NULL, 0, 6010, EBB_OK, 3, -1, 0},
        {TAKE, "ns/y", 0, 6010, EBB_OK, 2, -1, 0},
        {TAKE, "ns/x", 0, 6010, EBB_OK, 1, -1, 0},
        {TAKE, "ns/z", 0, 6010, EBB_OK, 0, -1, 0},
        /* Zero and negative delays add at once; a queued key that also waits
         * is handed out once now and once more when the wait ends. */
        {AFTER, "ns/q", 0, 7000, EBB_OK, 1, -1, 0},
        {AFTER, "ns/r", -5, 7000, EBB_OK, 2, -1, 0},
        {AFTER, "ns/q", 20, 7000, EBB_OK, 2, 20, 0},
        {TAKE, "ns/q", 0, 7000, EBB_OK, 1, 20, 0},
        {DONE, "ns/q", 0, 7000, EBB_OK, 1, 20, 0},
        {TAKE, "ns/r", 0, 7000, EBB_OK, 0, 20, 0},
        {TAKE, "ns/q", 0, 7020, EBB_OK, 0, -1, 0},
        /* A due key already queued is not queued twice. */
        {ADD, "ns/s", 0, 8000, EBB_OK, 1, -1, 0},
        {AFTER, "ns/s", 5, 8000, EBB_OK, 1, 5, 0},
        {TICK, NULL, 0, 8005, EBB_OK, 1, -1, 0},
        {TAKE, "ns/s", 0, 8005, EBB_OK, 0, -1, 0},
        {TAKE, NULL, 0, 8005, EBB_OK, 0, -1, 0},
        /* A huge delay saturates instead of overflowing. */
        {AFTER, "ns/t", INT64_MAX, 9000, EBB_OK, 0, INT64_MAX - 9000, 0},
        {TAKE, NULL, 0, INT64_MAX - 1, EBB_OK, 0, 1, 0},
        {TAKE, "ns/t", 0, INT64_MAX, EBB_OK, 0, -1, 0},
    };
    run_script("delays", steps, N(steps));
}

static void test_backoff_growth_cap_forget(void **state)
{
    (void)state;
    static const struct step steps[] = {
        {RATE, "ns/a", 5, 0, EBB_OK, 0, 5, 1},
        {RATE, "ns/a", 10, 0, EBB_OK, 0, 5, 2}, /* the earlier time (5) stays */
        {TAKE, "ns/a", 0, 5, EBB_OK, 0, -1, 0},
        {RATE, "ns/a", 20, 5, EBB_OK, 0, 20, 3},
        {DONE, "ns/a", 0, 5, EBB_OK, 0, 20, 3},
        {TAKE, "ns/a", 0, 25, EBB_OK, 0, -1, 0},
        {RATE, "ns/a", 40, 25, EBB_OK, 0, 40, 4},
        {DONE, "ns/a", 0, 25, EBB_OK, 0, 40, 4},
        /* Another key counts for itself. */
        {RATE, "ns/b", 5, 25, EBB_OK, 0, 5, 1},
        {TAKE, "ns/b", 0, 30, EBB_OK, 0, 35, 0},
        {DONE, "ns/b", 0, 30, EBB_OK, 0, 35, 1},
        /* Forget resets a's count but leaves its wait alone. */
        {FORGET, "ns/a", 0, 30, EBB_OK, 0, 35, 0},
        {TAKE, "ns/a", 0, 65, EBB_OK, 0, -1, 0},
        {DONE, "ns/a", 0, 65, EBB_OK, 0, -1, 0},
        {RATE, "ns/a", 5, 100, EBB_OK, 0, 5, 1},
        {FORGET, "ns/zz", 0, 100, EBB_OK, 0, 5, 0},
    };
    run_script("backoff", steps, N(steps));

    /* Growth to the cap, without jitter: 5 ms * 2^n, then 5 min for good. */
    struct ebb_queue q;
    ebb_queue_init(&q, 7);
    ebb_queue_set_backoff(&q, EBB_QUEUE_BASE_MS, EBB_QUEUE_CAP_MS, 0);
    for (unsigned n = 0; n < 100; n++) {
        int64_t d;
        assert_int_equal(ebb_queue_add_rate_limited(&q, "ns/a", 0, &d), EBB_OK);
        int64_t want = n < 16 ? (int64_t)5 << n : 300000;
        if (d != want)
            fail_msg("failure %u: delay %lld, want %lld", n, (long long)d, (long long)want);
        assert_int_equal(ebb_queue_num_requeues(&q, "ns/a"), n + 1);
    }
    struct ebb_queue_stats st;
    ebb_queue_stats(&q, &st);
    assert_int_equal(st.requeues_total, 100);
    assert_int_equal(st.waiting, 1);
    ebb_queue_forget(&q, "ns/a");
    assert_int_equal(ebb_queue_num_requeues(&q, "ns/a"), 0);
    int64_t d;
    assert_int_equal(ebb_queue_add_rate_limited(&q, "ns/a", 0, &d), EBB_OK);
    assert_int_equal(d, 5);
    /* NULL out-parameter is allowed. */
    assert_int_equal(ebb_queue_add_rate_limited(&q, "ns/a", 0, NULL), EBB_OK);
    assert_int_equal(ebb_queue_num_requeues(&q, "ns/a"), 2);
    ebb_queue_release(&q);
}

/* The delay for failure count n must lie in [max(base, 0.9 e), min(cap, 1.1 e)]
 * (give or take the rounding) where e = min(base * 2^n, cap). */
static void delay_bounds(int64_t base, int64_t cap, double j, unsigned n, int64_t *lo, int64_t *hi)
{
    int64_t e = base;
    for (unsigned i = 0; i < n && e < cap; i++)
        e *= 2;
    if (e > cap)
        e = cap;
    *lo = (int64_t)((1 - j) * (double)e) - 1;
    *hi = (int64_t)((1 + j) * (double)e) + 1;
    if (*lo < base)
        *lo = base;
    if (*hi > cap)
        *hi = cap;
}

static void test_jitter_bounds(void **state)
{
    (void)state;
    enum { LEVELS = 24, SAMPLES = 400 };
    int64_t min[LEVELS], max[LEVELS];
    for (int n = 0; n < LEVELS; n++) {
        min[n] = INT64_MAX;
        max[n] = INT64_MIN;
    }
    struct ebb_queue q, q2, q3;
    ebb_queue_init(&q, 12345);
    ebb_queue_init(&q2, 12345);
    ebb_queue_init(&q3, 54321);
    int same = 0, differ = 0;
    for (int s = 0; s < SAMPLES; s++) {
        for (int n = 0; n < LEVELS; n++) {
            int64_t d, d2, d3;
            assert_int_equal(ebb_queue_add_rate_limited(&q, "ns/a", 0, &d), EBB_OK);
            assert_int_equal(ebb_queue_add_rate_limited(&q2, "ns/a", 0, &d2), EBB_OK);
            assert_int_equal(ebb_queue_add_rate_limited(&q3, "ns/a", 0, &d3), EBB_OK);
            int64_t lo, hi;
            delay_bounds(EBB_QUEUE_BASE_MS, EBB_QUEUE_CAP_MS, EBB_QUEUE_JITTER, (unsigned)n, &lo,
                         &hi);
            if (d < lo || d > hi)
                fail_msg("failure %d: delay %lld outside [%lld, %lld]", n, (long long)d,
                         (long long)lo, (long long)hi);
            assert_int_equal(d, d2); /* same seed, same delays */
            same += d == d3;
            differ += d != d3;
            if (d < min[n])
                min[n] = d;
            if (d > max[n])
                max[n] = d;
        }
        ebb_queue_forget(&q, "ns/a");
        ebb_queue_forget(&q2, "ns/a");
        ebb_queue_forget(&q3, "ns/a");
    }
    assert_true(differ > same);
    /* The jitter spreads: below the cap over most of +-10%, at the cap over
     * most of [0.9 cap, cap] (no pile-up on exactly 5 min). */
    for (int n = 4; n < LEVELS; n++) {
        double e = n < 16 ? (double)(5 << n) : 300000.0;
        if ((double)min[n] > 0.92 * e)
            fail_msg("failure %d: smallest delay %lld of %.0f", n, (long long)min[n], e);
        double top = n < 16 ? 1.08 * e : 0.995 * e;
        if ((double)max[n] < top)
            fail_msg("failure %d: largest delay %lld of %.0f", n, (long long)max[n], e);
    }
    int at_cap = 0;
    for (int s = 0; s < 1000; s++) {
        int64_t d;
        assert_int_equal(ebb_queue_add_rate_limited(&q, "ns/b", 0, &d), EBB_OK);
        at_cap += d == EBB_QUEUE_CAP_MS;
    }
    assert_true(at_cap < 100);
    ebb_queue_release(&q);
    ebb_queue_release(&q2);
    ebb_queue_release(&q3);

    /* Odd parameters: a jitter of 100%, a cap close to the base. */
    static const struct {
        int64_t base, cap;
        double jitter;
    } params[] = {{1, 1, 1.0}, {1, 2, 1.0}, {10, 11, 0.5}, {100, 1000, 1.0}, {3, 5000, 0.25}};
    for (size_t p = 0; p < N(params); p++) {
        ebb_queue_init(&q, p);
        ebb_queue_set_backoff(&q, params[p].base, params[p].cap, params[p].jitter);
        for (unsigned n = 0; n < 2000; n++) {
            int64_t d;
            assert_int_equal(ebb_queue_add_rate_limited(&q, "ns/a", 0, &d), EBB_OK);
            if (d < params[p].base || d > params[p].cap)
                fail_msg("params %zu failure %u: delay %lld", p, n, (long long)d);
        }
        ebb_queue_release(&q);
    }
}

static void test_remove(void **state)
{
    (void)state;
    static const struct step steps[] = {
        /* Queued, waiting and failing: remove drops all of it. */
        {ADD, "ns/a", 0, 0, EBB_OK, 1, -1, 0},
        {AFTER, "ns/a", 50, 0, EBB_OK, 1, 50, 0},
        {RATE, "ns/a", 5, 0, EBB_OK, 1, 5, 1},
        {ADD, "ns/b", 0, 0, EBB_OK, 2, 5, 0},
        {REMOVE, "ns/a", 0, 0, EBB_OK, 1, -1, 0},
        {TAKE, "ns/b", 0, 100, EBB_OK, 0, -1, 0},
        {TAKE, NULL, 0, 100, EBB_OK, 0, -1, 0},
        /* In process: stays taken, done does not requeue it though it was added. */
        {ADD, "ns/b", 0, 100, EBB_OK, 0, -1, 0},
        {AFTER, "ns/b", 10, 100, EBB_OK, 0, 10, 0},
        {REMOVE, "ns/b", 0, 100, EBB_OK, 0, -1, 0},
        {TAKE, NULL, 0, 200, EBB_OK, 0, -1, 0},
        {DONE, "ns/b", 0, 200, EBB_OK, 0, -1, 0},
        {TAKE, NULL, 0, 200, EBB_OK, 0, -1, 0},
        {DONE, "ns/b", 0, 200, EBB_ERR_NOTFOUND, 0, -1, 0},
        /* Removed keys may come back; unknown keys are ignored. */
        {ADD, "ns/a", 0, 200, EBB_OK, 1, -1, 0},
        {REMOVE, "ns/zz", 0, 200, EBB_OK, 1, -1, 0},
        {REMOVE, NULL, 0, 200, EBB_OK, 1, -1, 0},
        {TAKE, "ns/a", 0, 200, EBB_OK, 0, -1, 0},
        /* A key in the middle of the FIFO. */
        {ADD, "ns/c", 0, 200, EBB_OK, 1, -1, 0},
        {ADD, "ns/d", 0, 200, EBB_OK, 2, -1, 0},
        {ADD, "ns/e", 0, 200, EBB_OK, 3, -1, 0},
        {REMOVE, "ns/d", 0, 200, EBB_OK, 2, -1, 0},
        {REMOVE, "ns/e", 0, 200, EBB_OK, 1, -1, 0},
        {ADD, "ns/f", 0, 200, EBB_OK, 2, -1, 0},
        {TAKE, "ns/c", 0, 200, EBB_OK, 1, -1, 0},
        {TAKE, "ns/f", 0, 200, EBB_OK, 0, -1, 0},
        /* A key in the middle of the heap. */
        {AFTER, "ns/g", 10, 200, EBB_OK, 0, 10, 0},
        {AFTER, "ns/h", 20, 200, EBB_OK, 0, 10, 0},
        {AFTER, "ns/i", 30, 200, EBB_OK, 0, 10, 0},
        {AFTER, "ns/j", 40, 200, EBB_OK, 0, 10, 0},
        {REMOVE, "ns/g", 0, 200, EBB_OK, 0, 20, 0},
        {REMOVE, "ns/i", 0, 200, EBB_OK, 0, 20, 0},
        {TAKE, "ns/h", 0, 300, EBB_OK, 1, -1, 0},
        {TAKE, "ns/j", 0, 300, EBB_OK, 0, -1, 0},
    };
    run_script("remove", steps, N(steps));
}

static void test_shutdown(void **state)
{
    (void)state;
    static const struct step steps[] = {
        {ADD, "ns/a", 0, 0, EBB_OK, 1, -1, 0},
        {ADD, "ns/b", 0, 0, EBB_OK, 2, -1, 0},
        {AFTER, "ns/c", 10, 0, EBB_OK, 2, 10, 0},
        {RATE, "ns/d", 5, 0, EBB_OK, 2, 5, 1},
        {TAKE, "ns/a", 0, 0, EBB_OK, 1, 5, 0},
        {ADD, "ns/a", 0, 0, EBB_OK, 1, 5, 0},
        {SHUT, NULL, 0, 0, EBB_OK, 0, -1, 0},
        {TAKE, NULL, 0, 100, EBB_OK, 0, -1, 0},
        {ADD, "ns/e", 0, 100, EBB_OK, 0, -1, 0},
        {AFTER, "ns/e", 10, 100, EBB_OK, 0, -1, 0},
        {RATE, "ns/d", 0, 100, EBB_OK, 0, -1, 0},
        {SHUT, NULL, 0, 100, EBB_OK, 0, -1, 0},
        /* The key in process finishes; it is not queued again. */
        {DONE, "ns/a", 0, 100, EBB_OK, 0, -1, 0},
        {DONE, "ns/a", 0, 100, EBB_ERR_NOTFOUND, 0, -1, 0},
        {TAKE, NULL, 0, 100, EBB_OK, 0, -1, 0},
    };
    run_script("shutdown", steps, N(steps));

    /* Many keys in process across a shutdown: each stays valid until done. */
    struct ebb_queue q;
    ebb_queue_init(&q, 3);
    enum { K = 200 };
    char keys[K][16];
    const char *taken[K];
    for (int i = 0; i < K; i++) {
        snprintf(keys[i], sizeof(keys[i]), "ns/k%d", i);
        assert_int_equal(ebb_queue_add(&q, keys[i]), EBB_OK);
        assert_int_equal(ebb_queue_add_after(&q, keys[i], 1000 + i, 0), EBB_OK);
    }
    for (int i = 0; i < K / 2; i++) {
        taken[i] = ebb_queue_take(&q, 0);
        assert_non_null(taken[i]);
        assert_string_equal(taken[i], keys[i]);
    }
    assert_false(ebb_queue_is_shut_down(&q));
    ebb_queue_shutdown(&q);
    assert_true(ebb_queue_is_shut_down(&q));
    struct ebb_queue_stats st;
    ebb_queue_stats(&q, &st);
    assert_int_equal(st.depth, 0);
    assert_int_equal(st.waiting, 0);
    assert_int_equal(st.processing, K / 2);
    assert_int_equal(st.keys, K / 2);
    for (int i = 0; i < K / 2; i++) {
        assert_string_equal(taken[i], keys[i]);
        assert_int_equal(ebb_queue_done(&q, taken[i]), EBB_OK);
    }
    ebb_queue_stats(&q, &st);
    assert_int_equal(st.keys, 0);
    assert_int_equal(st.processing, 0);
    ebb_queue_release(&q);
    ebb_queue_release(NULL);
}

/* ---- property: random operations against a plain model ---------------- */

enum { MK = 64 };

struct model_key {
    bool dirty, processing, waiting;
    int64_t at;
    uint64_t seq;
    unsigned failures;
};

struct model {
    struct model_key k[MK];
    int fifo[MK];
    size_t nfifo;
    int nkeys; /* keys in play: 0 .. nkeys-1 */
    uint64_t seq;
    bool shut;
};

static uint64_t rnd(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void m_add(struct model *m, int k)
{
    if (m->shut || m->k[k].dirty)
        return;
    m->k[k].dirty = true;
    if (!m->k[k].processing)
        m->fifo[m->nfifo++] = k;
}

static void m_after(struct model *m, int k, int64_t at)
{
    struct model_key *mk = &m->k[k];
    if (!mk->waiting || at < mk->at) {
        mk->waiting = true;
        mk->at = at;
        mk->seq = ++m->seq;
    }
}

static void m_unfifo(struct model *m, int k)
{
    size_t j = 0;
    for (size_t i = 0; i < m->nfifo; i++)
        if (m->fifo[i] != k)
            m->fifo[j++] = m->fifo[i];
    m->nfifo = j;
}

static void m_tick(struct model *m, int64_t now)
{
    for (;;) {
        int best = -1;
        for (int k = 0; k < m->nkeys; k++) {
            const struct model_key *mk = &m->k[k];
            if (mk->waiting && mk->at <= now &&
                (best < 0 || mk->at < m->k[best].at ||
                 (mk->at == m->k[best].at && mk->seq < m->k[best].seq)))
                best = k;
        }
        if (best < 0)
            return;
        m->k[best].waiting = false;
        m_add(m, best);
    }
}

static int64_t m_next_in(const struct model *m, int64_t now)
{
    int64_t best = -1;
    for (int k = 0; k < m->nkeys; k++) {
        if (!m->k[k].waiting)
            continue;
        int64_t d = m->k[k].at <= now ? 0 : m->k[k].at - now;
        if (best < 0 || d < best)
            best = d;
    }
    return best;
}

static size_t m_keys(const struct model *m)
{
    size_t n = 0;
    for (int k = 0; k < m->nkeys; k++) {
        const struct model_key *mk = &m->k[k];
        n += mk->dirty || mk->processing || mk->waiting || mk->failures > 0;
    }
    return n;
}

/* Random operations on nkeys keys (few: dedupe and dirty interplay; many:
 * probe runs that wrap around the table, growth and shrinking). */
static void property_run(uint64_t seed, int nkeys, int64_t base, int64_t cap, double jitter)
{
    char names[MK][16];
    enum { OPS = 6000 };
    for (int i = 0; i < MK; i++)
        snprintf(names[i], sizeof(names[i]), "ns-%d/p%d", i % 5, i);
    struct ebb_queue q;
    ebb_queue_init(&q, seed);
    ebb_queue_set_backoff(&q, base, cap, jitter);
    struct model m;
    memset(&m, 0, sizeof(m));
    m.nkeys = nkeys;
    uint64_t x = seed;
    int64_t now = 0;
    for (int op = 0; op < OPS; op++) {
        int k = (int)(rnd(&x) % (uint64_t)nkeys);
        unsigned r = (unsigned)(rnd(&x) % 1000);
        now += (int64_t)(rnd(&x) % 4);
        if (r < 200) {
            assert_int_equal(ebb_queue_add(&q, names[k]), EBB_OK);
            m_add(&m, k);
        } else if (r < 350) {
            int64_t delay = (int64_t)(rnd(&x) % 60) - 5;
            assert_int_equal(ebb_queue_add_after(&q, names[k], delay, now), EBB_OK);
            if (delay <= 0)
                m_add(&m, k);
            else if (!m.shut)
                m_after(&m, k, now + delay);
        } else if (r < 450) {
            int64_t d;
            assert_int_equal(ebb_queue_add_rate_limited(&q, names[k], now, &d), EBB_OK);
            if (m.shut) {
                assert_int_equal(d, 0);
            } else {
                int64_t lo, hi;
                delay_bounds(base, cap, jitter, m.k[k].failures, &lo, &hi);
                if (d < lo || d > hi)
                    fail_msg("seed %llu op %d: delay %lld outside [%lld, %lld]",
                             (unsigned long long)seed, op, (long long)d, (long long)lo,
                             (long long)hi);
                m_after(&m, k, now + d);
                m.k[k].failures++;
            }
        } else if (r < 500) {
            ebb_queue_forget(&q, names[k]);
            m.k[k].failures = 0;
        } else if (r < 750) {
            const char *got = ebb_queue_take(&q, now);
            int want = -1;
            if (!m.shut) {
                m_tick(&m, now);
                if (m.nfifo > 0) {
                    want = m.fifo[0];
                    memmove(m.fifo, m.fifo + 1, --m.nfifo * sizeof(m.fifo[0]));
                    m.k[want].dirty = false;
                    m.k[want].processing = true;
                }
            }
            if ((got == NULL) != (want < 0) || (got != NULL && strcmp(got, names[want]) != 0))
                fail_msg("seed %llu op %d: took %s, want %s", (unsigned long long)seed, op,
                         got ? got : "(none)", want < 0 ? "(none)" : names[want]);
        } else if (r < 950) {
            enum ebb_rc rc = ebb_queue_done(&q, names[k]);
            assert_int_equal(rc, m.k[k].processing ? EBB_OK : EBB_ERR_NOTFOUND);
            if (m.k[k].processing) {
                m.k[k].processing = false;
                if (m.k[k].dirty)
                    m.fifo[m.nfifo++] = k;
            }
        } else if (r < 990) {
            ebb_queue_remove(&q, names[k]);
            if (m.k[k].dirty && !m.k[k].processing)
                m_unfifo(&m, k);
            m.k[k].dirty = m.k[k].waiting = false;
            m.k[k].failures = 0;
        } else if (r < 992 && op >= OPS - OPS / 10) { /* late: the rest runs shut down */
            ebb_queue_shutdown(&q);
            m.shut = true;
            m.nfifo = 0;
            for (int i = 0; i < nkeys; i++) {
                m.k[i].dirty = m.k[i].waiting = false;
                m.k[i].failures = 0;
            }
        } else {
            ebb_queue_tick(&q, now);
            if (!m.shut)
                m_tick(&m, now);
        }
        /* What the queue shows must be what the model holds. */
        if (ebb_queue_len(&q) != m.nfifo)
            fail_msg("seed %llu op %d: len %zu, want %zu", (unsigned long long)seed, op,
                     ebb_queue_len(&q), m.nfifo);
        int64_t probe = now + (int64_t)(rnd(&x) % 50);
        if (ebb_queue_next_in(&q, probe) != m_next_in(&m, probe))
            fail_msg("seed %llu op %d: next_in %lld, want %lld", (unsigned long long)seed, op,
                     (long long)ebb_queue_next_in(&q, probe), (long long)m_next_in(&m, probe));
        for (int i = 0; i < nkeys; i++)
            assert_int_equal(ebb_queue_num_requeues(&q, names[i]), m.k[i].failures);
        struct ebb_queue_stats st;
        ebb_queue_stats(&q, &st);
        assert_int_equal(st.keys, m_keys(&m));
        size_t waiting = 0, processing = 0;
        for (int i = 0; i < nkeys; i++) {
            waiting += m.k[i].waiting;
            processing += m.k[i].processing;
        }
        assert_int_equal(st.waiting, waiting);
        assert_int_equal(st.processing, processing);
        assert_int_equal(ebb_queue_is_shut_down(&q), m.shut);
    }
    ebb_queue_release(&q);
}

static void test_property(void **state)
{
    (void)state;
    static const struct {
        int64_t base, cap;
        double jitter;
    } params[] = {
        {EBB_QUEUE_BASE_MS, EBB_QUEUE_CAP_MS, EBB_QUEUE_JITTER},
        {1, 40, 0.5},
        {2, 16, 0},
        {1, 1, 1},
    };
    static const int nkeys[] = {1, 3, 7, 20, MK};
    for (uint64_t seed = 1; seed <= 60; seed++)
        property_run(seed * 7919, nkeys[seed % N(nkeys)], params[seed % N(params)].base,
                     params[seed % N(params)].cap, params[seed % N(params)].jitter);
}

/* The key table under churn: keys from a space of 4,000 come (a
 * rate-limited add) and go (remove) at random, the number alive swinging
 * between 0 and `most`, so the table grows and shrinks through many
 * layouts and probe runs wrap around its end; every key's failure count
 * must stay findable, and removed keys must be gone. */
static void churn_run(int most, int ops, uint64_t seed)
{
    enum { KEYS = 4000 };
    static unsigned model[KEYS];
    static int live[KEYS], pos[KEYS];
    static char names[KEYS][16];
    memset(model, 0, sizeof(model));
    for (int i = 0; i < KEYS; i++)
        snprintf(names[i], sizeof(names[i]), "ns/k%d", i);
    struct ebb_queue q;
    ebb_queue_init(&q, seed);
    uint64_t x = seed;
    int nlive = 0;
    bool draining = false; /* swing: fill up to `most`, drain to 0, again */
    for (int op = 0; op < ops; op++) {
        if (nlive >= most)
            draining = true;
        else if (nlive == 0)
            draining = false;
        bool grow = rnd(&x) % 100 < (draining ? 35u : 65u);
        int k;
        if (grow || nlive == 0) {
            k = (int)(rnd(&x) % KEYS);
            assert_int_equal(ebb_queue_add_rate_limited(&q, names[k], 0, NULL), EBB_OK);
            if (model[k]++ == 0) {
                pos[k] = nlive;
                live[nlive++] = k;
            }
        } else {
            k = live[rnd(&x) % (uint64_t)nlive];
            ebb_queue_remove(&q, names[k]);
            model[k] = 0;
            live[pos[k]] = live[--nlive];
            pos[live[pos[k]]] = pos[k];
        }
        for (int i = 0; i < nlive; i++)
            if (ebb_queue_num_requeues(&q, names[live[i]]) != model[live[i]])
                fail_msg("op %d: key %s: %u failures, want %u", op, names[live[i]],
                         ebb_queue_num_requeues(&q, names[live[i]]), model[live[i]]);
        assert_int_equal(ebb_queue_num_requeues(&q, names[k]), model[k]);
        struct ebb_queue_stats st;
        ebb_queue_stats(&q, &st);
        assert_int_equal(st.keys, (size_t)nlive);
        assert_int_equal(st.waiting, (size_t)nlive);
    }
    for (int i = 0; i < KEYS; i++)
        ebb_queue_remove(&q, names[i]);
    assert_int_equal(q.count, 0);
    assert_int_equal(ebb_queue_next_in(&q, 0), -1);
    ebb_queue_release(&q);
}

static void test_table_churn(void **state)
{
    (void)state;
    churn_run(12, 60000, 1);
    churn_run(40, 40000, 2);
    churn_run(300, 20000, 3);
}

/* ---- scale: 100,000 keys on a sync period --------------------------------- */

/* Every key waits one period (jittered start), is taken when due, done, and
 * waits again: three rounds. Each round hands out every key exactly once, in
 * due order, never early; the table grows and shrinks back to empty. */
static void test_100k_keys(void **state)
{
    (void)state;
    enum { K = 100000, ROUNDS = 3 };
    const int64_t period = 15000;
    struct ebb_queue q;
    ebb_queue_init(&q, 99);
    int64_t *due = malloc(K * sizeof(*due));
    unsigned char *seen = malloc(K);
    assert_non_null(due);
    assert_non_null(seen);
    uint64_t x = 5;
    char key[32];
    for (int i = 0; i < K; i++) {
        snprintf(key, sizeof(key), "ns-%d/policy-%d", i % 97, i);
        due[i] = 1 + (int64_t)(rnd(&x) % (uint64_t)period);
        assert_int_equal(ebb_queue_add_after(&q, key, due[i], 0), EBB_OK);
    }
    struct ebb_queue_stats st;
    ebb_queue_stats(&q, &st);
    assert_int_equal(st.keys, K);
    assert_int_equal(st.waiting, K);
    int64_t now = 0;
    for (int round = 0; round < ROUNDS; round++) {
        memset(seen, 0, K);
        int64_t last_due = INT64_MIN;
        for (int got = 0; got < K;) {
            int64_t ni = ebb_queue_next_in(&q, now);
            assert_true(ni >= 0);
            now += ni; /* sleep exactly until the next key is due */
            const char *k;
            int before = got;
            while ((k = ebb_queue_take(&q, now)) != NULL) {
                const char *p = strrchr(k, '-');
                assert_non_null(p);
                int i = (int)strtol(p + 1, NULL, 10);
                assert_true(i >= 0 && i < K);
                assert_false(seen[i]);
                seen[i] = 1;
                assert_true(due[i] <= now);
                assert_true(due[i] >= last_due);
                last_due = due[i];
                snprintf(key, sizeof(key), "%s", k);
                assert_int_equal(ebb_queue_done(&q, key), EBB_OK);
                due[i] = now + period;
                if (round + 1 < ROUNDS)
                    assert_int_equal(ebb_queue_add_after(&q, key, period, now), EBB_OK);
                got++;
            }
            if (got == before)
                fail_msg("round %d: nothing to take at %lld though next_in said so", round,
                         (long long)now);
        }
    }
    ebb_queue_stats(&q, &st);
    assert_int_equal(st.keys, 0);
    assert_int_equal(st.waiting, 0);
    assert_int_equal(st.depth, 0);
    assert_true(q.cap <= 64); /* shrank back */
    assert_int_equal(ebb_queue_next_in(&q, now), -1);

    /* De-duplication at scale: every key added five times, queued once. */
    for (int rep = 0; rep < 5; rep++) {
        for (int i = 0; i < K; i++) {
            snprintf(key, sizeof(key), "ns-%d/policy-%d", i % 97, i);
            assert_int_equal(ebb_queue_add(&q, key), EBB_OK);
        }
    }
    assert_int_equal(ebb_queue_len(&q), K);
    for (int i = 0; i < K; i++) {
        const char *k = ebb_queue_take(&q, now);
        snprintf(key, sizeof(key), "ns-%d/policy-%d", i % 97, i);
        assert_non_null(k);
        assert_string_equal(k, key); /* FIFO */
    }
    assert_null(ebb_queue_take(&q, now));
    ebb_queue_stats(&q, &st);
    assert_int_equal(st.processing, K);
    ebb_queue_release(&q);
    free(due);
    free(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dedupe),        cmocka_unit_test(test_dirty_while_processing),
        cmocka_unit_test(test_delays),        cmocka_unit_test(test_backoff_growth_cap_forget),
        cmocka_unit_test(test_jitter_bounds), cmocka_unit_test(test_remove),
        cmocka_unit_test(test_shutdown),      cmocka_unit_test(test_property),
        cmocka_unit_test(test_table_churn),   cmocka_unit_test(test_100k_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
