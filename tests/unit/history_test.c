/* history_test.c -- pkg/scale/history.c and the history housekeeping of
 * stabilize.c: coalescing, bounds, pruning, compaction, and the round trip
 * through status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../pkg/scale/internal.h"
#include "../../pkg/scale/scale.h"

#define T0 1795780800000LL
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_init(void **state)
{
    (void)state;
    struct ebb_history h;
    memset(&h, 0x5a, sizeof(h));
    ebb_history_init(&h);
    assert_int_equal(h.n_recs, 0);
    assert_int_equal(h.n_events, 0);
    assert_true(h.last_scale_up_ms == EBB_TIME_UNSET);
    assert_true(h.last_scale_down_ms == EBB_TIME_UNSET);
    for (size_t i = 0; i < EBB_MAX_METRICS; i++) {
        assert_true(h.bands[i].above_since_ms == EBB_TIME_UNSET);
        assert_true(h.bands[i].below_since_ms == EBB_TIME_UNSET);
    }
}

/* A sequence of (time offset, replicas) and what the history holds after. */
struct add_case {
    const char *name;
    int64_t at[6];
    int32_t rep[6];
    size_t n;
    size_t want_n;
    int64_t want_at[6];
    int32_t want_rep[6];
};

static const struct add_case add_cases[] = {
    {"append", {0, 15, 30}, {4, 5, 6}, 3, 3, {0, 15, 30}, {4, 5, 6}},
    {"coalesce a repeat of the newest", {0, 15, 30}, {4, 4, 4}, 3, 1, {30}, {4}},
    {"coalesce only the newest", {0, 15, 30, 45}, {4, 5, 4, 4}, 4, 3, {0, 15, 45}, {4, 5, 4}},
    {"coalescing never moves time back", {30, 15}, {4, 4}, 2, 1, {30}, {4}},
};

static void test_add(void **state)
{
    (void)state;
    for (size_t c = 0; c < COUNT(add_cases); c++) {
        const struct add_case *k = &add_cases[c];
        struct ebb_history h;
        ebb_history_init(&h);
        for (size_t i = 0; i < k->n; i++)
            ebb_history_add_recommendation(&h, T0 + k->at[i] * 1000, k->rep[i]);
        if (h.n_recs != k->want_n)
            fail_msg("%s: %zu entries, want %zu", k->name, h.n_recs, k->want_n);
        for (size_t i = 0; i < k->want_n; i++) {
            assert_true(h.recs[i].time_ms == T0 + k->want_at[i] * 1000);
            assert_int_equal(h.recs[i].replicas, k->want_rep[i]);
        }
    }
}

static void test_add_full_drops_oldest(void **state)
{
    (void)state;
    struct ebb_history h;
    ebb_history_init(&h);
    for (int i = 0; i < EBB_HISTORY_MAX_RECS + 5; i++)
        ebb_history_add_recommendation(&h, T0 + i * 15000, i);
    assert_int_equal(h.n_recs, EBB_HISTORY_MAX_RECS);
    assert_int_equal(h.recs[0].replicas, 5);
    assert_int_equal(h.recs[EBB_HISTORY_MAX_RECS - 1].replicas, EBB_HISTORY_MAX_RECS + 4);
    for (size_t i = 1; i < h.n_recs; i++)
        assert_true(h.recs[i - 1].time_ms < h.recs[i].time_ms);
}

static void test_add_event_full_drops_oldest(void **state)
{
    (void)state;
    struct ebb_history h;
    ebb_history_init(&h);
    for (int i = 0; i < EBB_HISTORY_MAX_EVENTS + 3; i++)
        ebb__history_add_event(&h, T0 + i * 15000, i, i + 1);
    assert_int_equal(h.n_events, EBB_HISTORY_MAX_EVENTS);
    assert_int_equal(h.events[0].from, 3);
    assert_int_equal(h.events[EBB_HISTORY_MAX_EVENTS - 1].to, EBB_HISTORY_MAX_EVENTS + 3);
}

static void test_prune(void **state)
{
    (void)state;
    struct ebb_history h;
    ebb_history_init(&h);
    static const int64_t ago_s[] = {600, 301, 300, 10, 0};
    for (size_t i = 0; i < COUNT(ago_s); i++) {
        ebb_history_add_recommendation(&h, T0 - ago_s[i] * 1000, (int32_t)i);
        ebb__history_add_event(&h, T0 - ago_s[i] * 1000, 1, 2);
    }
    ebb__history_prune(&h, T0, 300 * 1000, 10 * 1000);
    /* A recommendation exactly one window old is kept: HPA's legacy window
     * still counts it. */
    assert_int_equal(h.n_recs, 3);
    assert_int_equal(h.recs[0].replicas, 2);
    assert_int_equal(h.n_events, 2);
    assert_true(h.events[0].time_ms == T0 - 10000);
}

/* Compaction keeps max and min over every window ending now. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_compact_keeps_every_window(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int round = 0; round < 300; round++) {
        struct ebb_history h, c;
        ebb_history_init(&h);
        size_t n = 1 + next(&seed) % EBB_HISTORY_MAX_RECS;
        int64_t t = T0 - (int64_t)n * 15000;
        for (size_t i = 0; i < n; i++) {
            t += 1 + (int64_t)(next(&seed) % 30000);
            ebb_history_add_recommendation(&h, t, (int32_t)(next(&seed) % 12));
        }
        memcpy(&c, &h, sizeof(c));
        ebb__history_compact(&c);
        assert_true(c.n_recs <= h.n_recs);
        assert_true(c.n_recs >= 1);
        assert_memory_equal(&c.recs[c.n_recs - 1], &h.recs[h.n_recs - 1], sizeof(c.recs[0]));
        for (int64_t w = 0; w <= (int64_t)n * 16000; w += 997) {
            int32_t up1, down1, up2, down2;
            int32_t rec = (int32_t)(next(&seed) % 12);
            assert_int_equal(ebb__stabilize_legacy(&h, t, w, rec),
                             ebb__stabilize_legacy(&c, t, w, rec));
            int32_t a = ebb__stabilize_behavior(&h, t, w, w / 2, 6, rec, &up1, &down1);
            int32_t b = ebb__stabilize_behavior(&c, t, w, w / 2, 6, rec, &up2, &down2);
            assert_int_equal(a, b);
            assert_int_equal(up1, up2);
            assert_int_equal(down1, down2);
        }
    }
}

static void test_compact_drops_redundant(void **state)
{
    (void)state;
    struct ebb_history h;
    ebb_history_init(&h);
    static const int32_t v[] = {3, 5, 4, 5, 2, 4};
    for (size_t i = 0; i < COUNT(v); i++)
        ebb_history_add_recommendation(&h, T0 + (int64_t)i * 1000, v[i]);
    ebb__history_compact(&h);
    /* 3 (a newer 5 and a newer 2 bound it), 5 at 1s (the 5 at 3s), 4 at 2s
     * go; 5 at 3s, 2 and the newest 4 stay. */
    assert_int_equal(h.n_recs, 3);
    assert_int_equal(h.recs[0].replicas, 5);
    assert_true(h.recs[0].time_ms == T0 + 3000);
    assert_int_equal(h.recs[1].replicas, 2);
    assert_int_equal(h.recs[2].replicas, 4);
}

/* ---- from status ---- */

static void test_from_status_null(void **state)
{
    (void)state;
    struct ebb_history h;
    memset(&h, 0x11, sizeof(h));
    ebb_history_from_status(NULL, NULL, &h);
    assert_int_equal(h.n_recs, 0);
    assert_true(h.last_scale_up_ms == EBB_TIME_UNSET);
}

static void test_from_status_sorts_and_skips(void **state)
{
    (void)state;
    struct ebb_recommendation recs[] = {
        {T0 + 30000, 6}, {T0, 4}, {EBB_TIME_UNSET, 9}, {T0 + 15000, 5}, {T0 + 45000, -1},
    };
    struct ebb_scale_event events[] = {{T0 + 20000, 5, 6}, {T0, 4, 5}, {EBB_TIME_UNSET, 1, 2}};
    struct ebb_policy_status st;
    memset(&st, 0, sizeof(st));
    st.recommendations = recs;
    st.n_recommendations = COUNT(recs);
    st.scale_events = events;
    st.n_scale_events = COUNT(events);
    st.last_scale_up_ms = T0 + 10000; /* older than the newest up event */
    st.last_scale_down_ms = T0 - 60000;

    struct ebb_history h;
    ebb_history_from_status(NULL, &st, &h);
    assert_int_equal(h.n_recs, 3);
    assert_int_equal(h.recs[0].replicas, 4);
    assert_int_equal(h.recs[1].replicas, 5);
    assert_int_equal(h.recs[2].replicas, 6);
    assert_int_equal(h.n_events, 2);
    assert_true(h.events[0].time_ms == T0);
    assert_true(h.events[1].time_ms == T0 + 20000);
    assert_true(h.last_scale_up_ms == T0 + 20000);
    assert_true(h.last_scale_down_ms == T0 - 60000);
}

static void test_from_status_keeps_newest(void **state)
{
    (void)state;
    enum { N = 3 * EBB_HISTORY_MAX_RECS };
    struct ebb_recommendation *recs = calloc(N, sizeof(*recs));
    struct ebb_scale_event *events = calloc(N, sizeof(*events));
    assert_non_null(recs);
    assert_non_null(events);
    /* Newest first, as a careless writer might store them. */
    for (int i = 0; i < N; i++) {
        recs[i] = (struct ebb_recommendation){T0 - (int64_t)i * 1000, i};
        events[i] = (struct ebb_scale_event){T0 - (int64_t)i * 1000, i + 1, i};
    }
    struct ebb_policy_status st;
    memset(&st, 0, sizeof(st));
    st.recommendations = recs;
    st.n_recommendations = N;
    st.scale_events = events;
    st.n_scale_events = N;
    st.last_scale_up_ms = EBB_TIME_UNSET;
    st.last_scale_down_ms = EBB_TIME_UNSET;

    struct ebb_history h;
    ebb_history_from_status(NULL, &st, &h);
    assert_int_equal(h.n_recs, EBB_HISTORY_MAX_RECS);
    assert_int_equal(h.n_events, EBB_HISTORY_MAX_EVENTS);
    for (int i = 0; i < EBB_HISTORY_MAX_RECS; i++) {
        assert_int_equal(h.recs[i].replicas, EBB_HISTORY_MAX_RECS - 1 - i);
        assert_int_equal(h.events[i].to, EBB_HISTORY_MAX_EVENTS - 1 - i);
    }
    assert_true(h.last_scale_down_ms == T0);
    assert_true(h.last_scale_up_ms == EBB_TIME_UNSET);
    free(recs);
    free(events);
}

static void test_from_status_bands_by_name(void **state)
{
    (void)state;
    struct ebb_metric_spec metrics[3];
    memset(metrics, 0, sizeof(metrics));
    metrics[0].name = "cpu";
    metrics[1].name = "queue";
    metrics[2].name = "rps";
    struct ebb_policy_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.metrics = metrics;
    spec.n_metrics = 3;
    struct ebb_metric_status cm[] = {
        {.name = "rps", .above_since_ms = T0 - 1000, .below_since_ms = EBB_TIME_UNSET},
        {.name = "cpu", .above_since_ms = EBB_TIME_UNSET, .below_since_ms = T0 - 2000},
        {.name = "gone", .above_since_ms = T0 - 3000, .below_since_ms = T0 - 3000},
    };
    struct ebb_policy_status st;
    memset(&st, 0, sizeof(st));
    st.current_metrics = cm;
    st.n_current_metrics = COUNT(cm);
    st.last_scale_up_ms = EBB_TIME_UNSET;
    st.last_scale_down_ms = EBB_TIME_UNSET;

    struct ebb_history h;
    ebb_history_from_status(&spec, &st, &h);
    assert_true(h.bands[0].above_since_ms == EBB_TIME_UNSET);
    assert_true(h.bands[0].below_since_ms == T0 - 2000);
    assert_true(h.bands[1].above_since_ms == EBB_TIME_UNSET);
    assert_true(h.bands[1].below_since_ms == EBB_TIME_UNSET);
    assert_true(h.bands[2].above_since_ms == T0 - 1000);
    assert_true(h.bands[3].above_since_ms == EBB_TIME_UNSET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_add_full_drops_oldest),
        cmocka_unit_test(test_add_event_full_drops_oldest),
        cmocka_unit_test(test_prune),
        cmocka_unit_test(test_compact_keeps_every_window),
        cmocka_unit_test(test_compact_drops_redundant),
        cmocka_unit_test(test_from_status_null),
        cmocka_unit_test(test_from_status_sorts_and_skips),
        cmocka_unit_test(test_from_status_keeps_newest),
        cmocka_unit_test(test_from_status_bands_by_name),
    };
    return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}
