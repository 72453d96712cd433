/* scale_property_test.c -- ebb_scale_decide() over 20,000 random inputs
 * from a seeded generator (the same inputs on every run), checking what
 * must hold for every one of them:
 *   - desired stays within the effective [min, max] it reports, except
 *     that a paused policy keeps its count and HPA's manual off switch
 *     (current 0 with a minimum that can never be 0) keeps 0;
 *   - no scale-up inside scaleUp.cooldown of the last scale-up, and no
 *     scale-down inside scaleDown.cooldown of the last scale, unless the
 *     count is outside the bounds (bounds are enforced at once);
 *   - no change when every metric is invalid;
 *   - no scale-down while any metric is invalid, unless above max;
 *   - the same input gives the same output, byte for byte;
 *   - no instant in the history that comes out is later than now, even when
 *     the history that goes in has some from the future;
 *   - the history stays bounded and records what the decision says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/scale/scale.h"
#include "scale_fixtures.h"

#define ROUNDS 20000

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r)
{
    /* xorshift64* */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

/* Uniform in [lo, hi]. */
static int64_t between(struct rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(next(r) % (uint64_t)(hi - lo + 1));
}

static bool chance(struct rng *r, int percent)
{
    return between(r, 0, 99) < percent;
}

/* Unset, in the last max_ago, or now and then up to an hour ahead (clock
 * skew on a failover, a hand edit). */
static int64_t maybe_time(struct rng *r, int64_t max_ago)
{
    if (chance(r, 30))
        return EBB_TIME_UNSET;
    if (chance(r, 10))
        return EBBT_NOW + between(r, 1, 60 * EBBT_MIN);
    return EBBT_NOW - between(r, 0, max_ago);
}

static void random_rules(struct rng *r, struct ebbt_scale_world *w, bool up)
{
    struct ebb_scaling_rules *rules =
        up ? &w->spec.behavior.scale_up : &w->spec.behavior.scale_down;
    struct ebb_rate_policy *p = up ? w->up_policies : w->down_policies;
    size_t n = (size_t)between(r, 1, 3);
    for (size_t i = 0; i < n; i++) {
        bool pods = chance(r, 50);
        p[i] = (struct ebb_rate_policy){pods ? EBB_RATE_PODS : EBB_RATE_PERCENT,
                                        (int32_t)(pods ? between(r, 1, 10) : between(r, 1, 300)),
                                        between(r, 1, 8) * 15 * EBBT_SEC};
    }
    rules->policies = p;
    rules->n_policies = n;
    rules->policies_set = true;
    rules->select_policy = (enum ebb_select_policy)between(r, 1, 3);
    rules->stabilization_ms = between(r, 0, 3) * 2 * EBBT_MIN;
    rules->cooldown_ms = chance(r, 50) ? EBB_UNSET : between(r, 0, 10) * EBBT_MIN;
    if (chance(r, 20))
        rules->tolerance = (struct ebb_quantity){between(r, 0, 300), true};
    rules->set = true;
}

/* Bands around the target, in its unit (percent or thousandths). */
static void random_band(struct rng *r, struct ebbt_scale_world *w, int i, int64_t target)
{
    if (chance(r, 30))
        ebbt_scale_band_up(w, i, target * between(r, 100, 150) / 100,
                           chance(r, 30) ? EBB_UNSET : between(r, 0, 10) * EBBT_MIN);
    if (chance(r, 30))
        ebbt_scale_band_down(w, i, target * between(r, 30, 100) / 100,
                             chance(r, 30) ? EBB_UNSET : between(r, 0, 20) * EBBT_MIN);
}

static struct ebbt_scale_world *random_world(struct rng *r)
{
    int32_t min = (int32_t)between(r, 0, 5);
    int32_t max = (int32_t)between(r, min > 0 ? min : 1, min + 20);
    int32_t cur = (int32_t)between(r, 0, max + 5);
    struct ebbt_scale_world *w = ebbt_scale_world_new(min, max, cur);

    w->in.status_replicas = (int32_t)between(r, cur > 2 ? cur - 2 : 0, cur + 2);
    w->in.paused = chance(r, 4);
    if (chance(r, 20))
        w->in.port_capacity = (int32_t)between(r, 0, 30);
    if (chance(r, 20)) {
        w->spec.behavior.tolerance = (struct ebb_quantity){between(r, 0, 200), true};
        w->spec.behavior.scale_up.tolerance = w->spec.behavior.tolerance;
        w->spec.behavior.scale_down.tolerance = w->spec.behavior.tolerance;
    }
    if (chance(r, 60)) {
        ebbt_scale_behavior(w);
        random_rules(r, w, true);
        random_rules(r, w, false);
    }

    /* pods */
    int n_pods = (int)between(r, 0, cur + 3);
    for (int p = 0; p < n_pods; p++) {
        enum ebb_pod_phase ph =
            chance(r, 85) ? EBB_POD_RUNNING : (enum ebb_pod_phase)between(r, 0, 4);
        int64_t start = chance(r, 5) ? EBB_TIME_UNSET : EBBT_NOW - between(r, 0, 20 * EBBT_MIN);
        int64_t tr = chance(r, 10) ? EBB_TIME_UNSET : EBBT_NOW - between(r, 0, 20 * EBBT_MIN);
        int k = ebbt_scale_add_pod(w, ph, chance(r, 85), start, tr);
        w->pods[k].has_ready_condition = chance(r, 95);
        w->pods[k].deleting = chance(r, 5);
    }

    /* metrics */
    int n_metrics = (int)between(r, 1, 4);
    for (int m = 0; m < n_metrics; m++) {
        int i;
        int64_t target;
        switch (between(r, 0, 5)) {
        case 0:
        case 1:
            target = between(r, 10, 200);
            i = ebbt_scale_add_cpu(w, (int32_t)target);
            break;
        case 2:
            target = between(r, 1, 4000) * 1000;
            i = ebbt_scale_add_resource_avg(w, "memory", target);
            break;
        case 3:
            target = between(r, 1, 200) * 1000;
            i = ebbt_scale_add_pods_metric(w, target);
            break;
        default: {
            enum ebb_target_type t = chance(r, 50) ? EBB_TARGET_VALUE : EBB_TARGET_AVERAGE_VALUE;
            target = between(r, 1, 500) * 1000;
            double v = (double)between(r, 0, 4000) * (double)between(r, 1, 1000) / 100.0;
            if (chance(r, 5))
                v = NAN;
            else if (chance(r, 3))
                v = -v - 1;
            else if (chance(r, 2))
                v = INFINITY;
            i = ebbt_scale_add_external(w, chance(r, 50), t, target, v);
            break;
        }
        }
        random_band(r, w, i, target);
        if (w->metrics[i].type == EBB_METRIC_RESOURCE || w->metrics[i].type == EBB_METRIC_PODS) {
            for (int p = 0; p < n_pods; p++) {
                if (chance(r, 85)) {
                    int64_t req = chance(r, 5) ? 0 : between(r, 100, 2000);
                    ebbt_scale_sample(w, i, p, target * between(r, 0, 400) / 100 + 1, req);
                    if (chance(r, 5))
                        w->samples[i][p].timestamp_ms = EBBT_NOW - between(r, 0, 5 * EBBT_MIN);
                } else {
                    w->samples[i][p].request_milli = chance(r, 50) ? 1000 : 0;
                }
            }
        }
        if (chance(r, 12))
            w->obs[i].error = "unavailable";
        struct ebb_band_timer *t = &w->history.bands[i];
        t->above_since_ms = maybe_time(r, 30 * EBBT_MIN);
        t->below_since_ms = maybe_time(r, 30 * EBBT_MIN);
    }

    /* history */
    int n_recs = (int)between(r, 0, 30);
    int64_t t = EBBT_NOW - 40 * EBBT_MIN;
    for (int k = 0; k < n_recs; k++) {
        t += between(r, 1, 80) * EBBT_SEC;
        ebb_history_add_recommendation(&w->history, t, (int32_t)between(r, 0, max + 5));
    }
    if (n_recs > 0 && chance(r, 5)) /* one from the future */
        ebb_history_add_recommendation(&w->history, EBBT_NOW + between(r, 1, 60) * EBBT_MIN,
                                       (int32_t)between(r, 0, max + 5));
    int n_events = (int)between(r, 0, 8);
    t = EBBT_NOW - 12 * EBBT_MIN;
    for (int k = 0; k < n_events; k++) {
        t += between(r, 1, 90) * EBBT_SEC;
        int32_t from = (int32_t)between(r, 0, 20), to = (int32_t)between(r, 0, 20);
        ebbt_scale_event(w, EBBT_NOW - t, from, to);
    }
    w->history.last_scale_up_ms = maybe_time(r, 20 * EBBT_MIN);
    w->history.last_scale_down_ms = maybe_time(r, 20 * EBBT_MIN);

    /* schedules: absolute, sometimes active */
    int n_sched = (int)between(r, 0, 2);
    static const char *const names[] = {"a", "b"};
    for (int k = 0; k < n_sched; k++) {
        int64_t start = EBBT_NOW - between(r, -60, 60) * EBBT_MIN;
        int32_t smin = chance(r, 50) ? EBB_UNSET : (int32_t)between(r, 0, 10);
        int32_t smax = chance(r, 50) ? EBB_UNSET : (int32_t)between(r, 1, 25);
        if (smin != EBB_UNSET && smax != EBB_UNSET && smin > smax)
            smax = smin;
        ebbt_scale_add_schedule(w, names[k], NULL, EBB_UNSET, NULL, start,
                                start + between(r, 0, 120) * EBBT_MIN, smin, smax);
    }
    return w;
}

static bool min_never_zero(const struct ebb_policy_spec *s)
{
    if (s->min_replicas == 0)
        return false;
    for (size_t i = 0; i < s->n_schedules; i++)
        if (s->schedules[i].min_replicas == 0)
            return false;
    return true;
}

static void check_one(struct rng *r, int round, struct ebb_decision *d1, struct ebb_decision *d2)
{
    struct ebbt_scale_world *w = random_world(r);
    const struct ebb_scale_input *in = &w->in;
    const struct ebb_history *h = &w->history;
    int32_t cur = in->current_replicas;
    char where[64];
    snprintf(where, sizeof(where), "round %d", round);

    memset(d1, 0x00, sizeof(*d1));
    memset(d2, 0xff, sizeof(*d2));
    assert_int_equal(ebbt_scale_decide(w, d1), EBB_OK);
    assert_int_equal(ebbt_scale_decide(w, d2), EBB_OK);
    if (memcmp(d1, d2, sizeof(*d1)) != 0)
        fail_msg("%s: two runs differ: %s", where, d1->reason);

    int32_t want_lo = d1->min_replicas, want_hi = d1->max_replicas;
    assert_true(want_lo <= want_hi);
    assert_int_equal(d1->scale, d1->desired != cur);
    assert_true(d1->history.n_recs <= EBB_HISTORY_MAX_RECS);
    assert_true(d1->history.n_events <= EBB_HISTORY_MAX_EVENTS);
    assert_non_null(memchr(d1->reason, '\0', sizeof(d1->reason)));
    assert_true(d1->reason[0] != '\0');

    if (in->paused) {
        assert_int_equal(d1->desired, cur);
        assert_memory_equal(&d1->history, h, sizeof(*h));
        goto out;
    }
    if (cur == 0 && min_never_zero(&w->spec)) {
        assert_int_equal(d1->desired, 0);
        goto out;
    }
    if (d1->desired < want_lo || d1->desired > want_hi)
        fail_msg("%s: desired %d outside [%d, %d]: %s", where, d1->desired, want_lo, want_hi,
                 d1->reason);

    /* Nothing in the history is later than now: a future instant counts as now. */
    const struct ebb_history *oh = &d1->history;
    for (size_t i = 0; i < oh->n_recs; i++)
        assert_true(oh->recs[i].time_ms <= in->now_ms);
    for (size_t i = 0; i < oh->n_events; i++)
        assert_true(oh->events[i].time_ms <= in->now_ms);
    assert_true(oh->last_scale_up_ms <= in->now_ms && oh->last_scale_down_ms <= in->now_ms);
    for (size_t i = 0; i < EBB_MAX_METRICS; i++)
        assert_true(oh->bands[i].above_since_ms <= in->now_ms &&
                    oh->bands[i].below_since_ms <= in->now_ms);

    bool in_range = cur >= want_lo && cur <= want_hi;
    const struct ebb_behavior *b = &w->spec.behavior;
    if (in_range && b->set) {
        if (b->scale_up.cooldown_ms > 0 && h->last_scale_up_ms != EBB_TIME_UNSET &&
            in->now_ms - h->last_scale_up_ms < b->scale_up.cooldown_ms && d1->desired > cur)
            fail_msg("%s: scale-up inside the cooldown: %s", where, d1->reason);
        int64_t last = h->last_scale_up_ms > h->last_scale_down_ms ? h->last_scale_up_ms
                                                                   : h->last_scale_down_ms;
        if (b->scale_down.cooldown_ms > 0 && last != EBB_TIME_UNSET &&
            in->now_ms - last < b->scale_down.cooldown_ms && d1->desired < cur)
            fail_msg("%s: scale-down inside the cooldown: %s", where, d1->reason);
    }

    size_t invalid = 0;
    for (size_t i = 0; i < d1->n_metrics; i++) {
        const struct ebb_metric_result *m = &d1->metrics[i];
        if (!m->valid) {
            invalid++;
            assert_int_equal(m->proposal, EBB_UNSET);
            assert_true(m->error[0] != '\0');
        } else if (m->band_held) {
            assert_int_equal(m->proposal, cur);
        } else if (in_range) {
            assert_int_equal(m->proposal, m->raw_proposal);
        }
    }
    if (in_range && invalid == d1->n_metrics)
        assert_int_equal(d1->desired, cur);
    if (in_range && invalid > 0 && d1->desired < cur)
        fail_msg("%s: scale-down with an invalid metric: %s", where, d1->reason);

    if (in_range && d1->recommendation != EBB_UNSET) {
        const struct ebb_recommendation *last = &d1->history.recs[d1->history.n_recs - 1];
        assert_int_equal(last->replicas, d1->recommendation);
        assert_true(last->time_ms == in->now_ms);
    }
    if (d1->scale) {
        if (d1->desired > cur)
            assert_true(d1->history.last_scale_up_ms == in->now_ms);
        else
            assert_true(d1->history.last_scale_down_ms == in->now_ms);
        if (b->set) {
            const struct ebb_scale_event *e = &d1->history.events[d1->history.n_events - 1];
            assert_true(e->time_ms == in->now_ms);
            assert_int_equal(e->from, cur);
            assert_int_equal(e->to, d1->desired);
        }
    } else {
        /* Kept, a future one as now. */
        int64_t up = h->last_scale_up_ms, down = h->last_scale_down_ms;
        assert_true(d1->history.last_scale_up_ms == (up > in->now_ms ? in->now_ms : up));
        assert_true(d1->history.last_scale_down_ms == (down > in->now_ms ? in->now_ms : down));
    }
out:
    ebbt_scale_world_free(w);
}

struct bufs {
    struct ebb_decision *d1, *d2;
};

static int bufs_setup(void **state)
{
    struct bufs *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return -1;
    b->d1 = malloc(sizeof(*b->d1));
    b->d2 = malloc(sizeof(*b->d2));
    *state = b;
    return b->d1 != NULL && b->d2 != NULL ? 0 : -1;
}

static int bufs_teardown(void **state)
{
    struct bufs *b = *state;
    free(b->d1);
    free(b->d2);
    free(b);
    return 0;
}

static void test_random_decisions(void **state)
{
    struct bufs *b = *state;
    struct rng r = {0x2545f4914f6cdd1dULL};
    for (int round = 0; round < ROUNDS; round++)
        check_one(&r, round, b->d1, b->d2);
}

/* Chained decisions (each history fed to the next) stay bounded and keep
 * the same invariants over simulated hours. */
static void test_chained_decisions(void **state)
{
    struct bufs *b = *state;
    struct rng r = {0x853c49e6748fea9bULL};
    for (int run = 0; run < 20; run++) {
        struct ebbt_scale_world *w = random_world(&r);
        w->in.paused = false;
        for (int step = 0; step < 300; step++) {
            assert_int_equal(ebbt_scale_decide(w, b->d1), EBB_OK);
            memcpy(&w->history, &b->d1->history, sizeof(w->history));
            if (b->d1->scale)
                w->in.current_replicas = b->d1->desired;
            w->in.status_replicas = w->in.current_replicas;
            w->in.now_ms += 15 * EBBT_SEC;
            for (size_t i = 0; i < w->spec.n_metrics; i++)
                for (size_t p = 0; p < w->in.n_pods; p++)
                    w->samples[i][p].timestamp_ms = w->in.now_ms;
            assert_true(w->history.n_recs <= EBB_HISTORY_MAX_RECS);
            assert_true(w->history.n_events <= EBB_HISTORY_MAX_EVENTS);
        }
        ebbt_scale_world_free(w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_decisions, bufs_setup, bufs_teardown),
        cmocka_unit_test_setup_teardown(test_chained_decisions, bufs_setup, bufs_teardown),
    };
    return cmocka_run_group_tests_name("scale_property", tests, NULL, NULL);
}
