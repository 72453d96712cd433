/* event_agg_test.c -- pkg/kube/event_agg: aggregation into series and the per-object
 * rate limit, with fake time. Each scenario is a list of occurrences and what
 * the aggregator must plan for each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/kube/event_agg.h"

#define WALL0 1795000000000LL
#define MIN 60000LL

enum { C = EBB_EVENT_CREATE, S = EBB_EVENT_SERIES, D = EBB_EVENT_DROP, FORGET = 9, END = 10 };

struct occ {
    int want; /* C, S, D; FORGET: forget this key; END */
    int64_t now;
    int obj; /* 0: web, 1: api */
    const char *reason;
    const char *note;
    int32_t want_count;
    int same_as; /* index of the occurrence whose Event name this one must reuse; -1: a new one */
};

struct agg_case {
    const char *name;
    int burst;
    double qps;
    int64_t window_ms;
    size_t max_series;
    uint64_t want_dropped;
    struct occ occ[12];
};

#define O_END                                                                                      \
    {                                                                                              \
        END, 0, 0, NULL, NULL, 0, -1                                                               \
    }

static const struct agg_case cases[] = {
    {"identical repeats become one series",
     25,
     1.0 / 300,
     10 * MIN,
     16,
     0,
     {{C, 0, 0, "ScaledUp", "to 3", 1, -1},
      {S, 1000, 0, "ScaledUp", "to 3", 2, 0},
      {S, 2000, 0, "ScaledUp", "to 3", 3, 0},
      O_END}},
    {"a different note, reason or object is a different Event",
     25,
     1.0 / 300,
     10 * MIN,
     16,
     0,
     {{C, 0, 0, "ScaledUp", "to 3", 1, -1},
      {C, 1, 0, "ScaledUp", "to 4", 1, -1},
      {C, 2, 0, "ScaledDown", "to 3", 1, -1},
      {C, 3, 1, "ScaledUp", "to 3", 1, -1},
      {S, 4, 0, "ScaledUp", "to 4", 2, 1},
      O_END}},
    {"the window runs from the last occurrence",
     25,
     1.0 / 300,
     10 * MIN,
     16,
     0,
     {{C, 0, 0, "Failed", "x", 1, -1},
      {S, 10 * MIN, 0, "Failed", "x", 2, 0},
      {S, 20 * MIN, 0, "Failed", "x", 3, 0},
      {C, 30 * MIN + 1, 0, "Failed", "x", 1, -1},
      {S, 30 * MIN + 2, 0, "Failed", "x", 2, 3},
      O_END}},
    {"the bucket of an object drops the burst beyond it",
     3,
     1.0 / 300,
     10 * MIN,
     16,
     2,
     {{C, 0, 0, "Failed", "a", 1, -1},
      {C, 0, 0, "Failed", "b", 1, -1},
      {C, 0, 0, "Failed", "c", 1, -1},
      {D, 0, 0, "Failed", "d", 0, -1},
      {D, 1000, 0, "Failed", "e", 0, -1},
      {C, 1000, 1, "Failed", "a", 1, -1},
      {C, 300000, 0, "Failed", "f", 1, -1},
      O_END}},
    {"dropped repeats still count in the series",
     2,
     1.0 / 300,
     10 * MIN,
     16,
     2,
     {{C, 0, 0, "Flap", "x", 1, -1},
      {S, 1, 0, "Flap", "x", 2, 0},
      {D, 2, 0, "Flap", "x", 0, -1},
      {D, 3, 0, "Flap", "x", 0, -1},
      {S, 300000, 0, "Flap", "x", 5, 0},
      O_END}},
    {"no limit when qps is 0",
     1,
     0,
     10 * MIN,
     16,
     0,
     {{C, 0, 0, "A", "x", 1, -1}, {S, 0, 0, "A", "x", 2, 0}, {C, 0, 0, "A", "y", 1, -1}, O_END}},
    {"a forgotten series starts a new Event",
     25,
     1.0 / 300,
     10 * MIN,
     16,
     0,
     {{C, 0, 0, "A", "x", 1, -1},
      {FORGET, 1, 0, "A", "x", 0, -1},
      {C, 2, 0, "A", "x", 1, -1},
      {S, 3, 0, "A", "x", 2, 2},
      O_END}},
    {"the least recently used series is evicted",
     25,
     1.0 / 300,
     10 * MIN,
     2,
     0,
     {{C, 0, 0, "A", "x", 1, -1},
      {C, 1, 0, "B", "x", 1, -1},
      {S, 2, 0, "A", "x", 2, 0},
      {C, 3, 0, "C", "x", 1, -1},
      {S, 4, 0, "A", "x", 3, 0},
      {C, 5, 0, "B", "x", 1, -1},
      O_END}},
};

static void fill_key(struct ebb_event_key *k, const struct occ *o)
{
    static const char *const names[] = {"web", "api"};
    memset(k, 0, sizeof(*k));
    k->api_version = "ebb.dev/v1alpha1";
    k->kind = "ScalingPolicy";
    k->ns = "demo";
    k->name = names[o->obj];
    k->type = "Normal";
    k->reason = o->reason;
    k->action = "Scale";
    k->note = o->note;
}

static void test_agg_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const struct agg_case *tc = &cases[c];
        struct ebb_event_agg_opts o;
        ebb_event_agg_opts_default(&o);
        o.burst = tc->burst;
        o.qps = tc->qps;
        o.window_ms = tc->window_ms;
        o.max_series = tc->max_series;
        struct ebb_event_agg a;
        assert_int_equal(ebb_event_agg_init(&a, &o), EBB_OK);
        struct ebb_event_plan plans[12];
        for (size_t i = 0; tc->occ[i].want != END; i++) {
            const struct occ *oc = &tc->occ[i];
            struct ebb_event_key k;
            fill_key(&k, oc);
            if (oc->want == FORGET) {
                ebb_event_agg_forget(&a, &k);
                continue;
            }
            struct ebb_event_plan *p = &plans[i];
            assert_int_equal(ebb_event_agg_record(&a, &k, oc->now, WALL0 + oc->now, p), EBB_OK);
            if ((int)p->verb != oc->want)
                fail_msg("%s: occurrence %zu: verb %d, want %d", tc->name, i, p->verb, oc->want);
            if (p->verb == EBB_EVENT_DROP)
                continue;
            if (p->count != oc->want_count)
                fail_msg("%s: occurrence %zu: count %d, want %d", tc->name, i, p->count,
                         oc->want_count);
            assert_int_equal(p->last_wall_ms, WALL0 + oc->now);
            if (oc->same_as >= 0) {
                assert_string_equal(p->name, plans[oc->same_as].name);
                assert_int_equal(p->first_wall_ms, plans[oc->same_as].first_wall_ms);
            } else {
                assert_int_equal(p->first_wall_ms, WALL0 + oc->now);
                for (size_t j = 0; j < i; j++)
                    if (tc->occ[j].want == C && strcmp(plans[j].name, p->name) == 0)
                        fail_msg("%s: occurrence %zu reuses the name %s", tc->name, i, p->name);
            }
            assert_true(strncmp(p->name, k.name, strlen(k.name)) == 0);
        }
        if (a.dropped != tc->want_dropped)
            fail_msg("%s: dropped %llu, want %llu", tc->name, (unsigned long long)a.dropped,
                     (unsigned long long)tc->want_dropped);
        ebb_event_agg_release(&a);
    }
}

static void test_agg_name_fits(void **state)
{
    (void)state;
    char longname[254];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    struct ebb_event_agg a;
    assert_int_equal(ebb_event_agg_init(&a, NULL), EBB_OK);
    struct ebb_event_key k = {"v1", "Pod", "demo", longname, "", "Warning", "Failed", "", ""};
    struct ebb_event_plan p;
    assert_int_equal(ebb_event_agg_record(&a, &k, 0, WALL0, &p), EBB_OK);
    assert_int_equal(p.verb, EBB_EVENT_CREATE);
    assert_int_equal(strlen(p.name), 253);
    /* unix nanoseconds in hex, as client-go */
    assert_non_null(strstr(p.name, ".18e91efd5bd38000"));
    k.name = "web";
    assert_int_equal(ebb_event_agg_record(&a, &k, 0, WALL0, &p), EBB_OK);
    assert_string_equal(p.name, "web.18e91efd5bd38001");
    ebb_event_agg_release(&a);
}

static void test_agg_invalid(void **state)
{
    (void)state;
    struct ebb_event_agg a;
    struct ebb_event_plan p;
    assert_int_equal(ebb_event_agg_init(&a, NULL), EBB_OK);
    struct ebb_event_key no_name = {"v1", "Pod", "demo", "", "", "Normal", "R", "", ""};
    struct ebb_event_key no_reason = {"v1", "Pod", "demo", "web", "", "Normal", NULL, "", ""};
    assert_int_equal(ebb_event_agg_record(&a, &no_name, 0, WALL0, &p), EBB_ERR_INVALID);
    assert_int_equal(ebb_event_agg_record(&a, &no_reason, 0, WALL0, &p), EBB_ERR_INVALID);
    assert_int_equal(a.n_series, 0);
    ebb_event_agg_release(&a);
}

/* The object table is bounded too: an evicted object's bucket starts full. */
static void test_agg_object_eviction(void **state)
{
    (void)state;
    struct ebb_event_agg_opts o;
    ebb_event_agg_opts_default(&o);
    o.max_objects = 1;
    o.burst = 1;
    struct ebb_event_agg a;
    struct ebb_event_plan p;
    assert_int_equal(ebb_event_agg_init(&a, &o), EBB_OK);
    struct ebb_event_key web = {"v1", "Pod", "demo", "web", "", "Normal", "R", "", "a"};
    struct ebb_event_key api = {"v1", "Pod", "demo", "api", "", "Normal", "R", "", "a"};
    assert_int_equal(ebb_event_agg_record(&a, &web, 0, WALL0, &p), EBB_OK);
    assert_int_equal(p.verb, EBB_EVENT_CREATE);
    web.note = "b";
    assert_int_equal(ebb_event_agg_record(&a, &web, 1, WALL0, &p), EBB_OK);
    assert_int_equal(p.verb, EBB_EVENT_DROP);
    assert_int_equal(ebb_event_agg_record(&a, &api, 2, WALL0, &p), EBB_OK);
    assert_int_equal(p.verb, EBB_EVENT_CREATE);
    assert_int_equal(a.n_objects, 1);
    assert_int_equal(ebb_event_agg_record(&a, &web, 3, WALL0, &p), EBB_OK);
    assert_int_equal(p.verb, EBB_EVENT_CREATE);
    assert_int_equal(a.dropped, 1);
    ebb_event_agg_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agg_table),
        cmocka_unit_test(test_agg_name_fits),
        cmocka_unit_test(test_agg_invalid),
        cmocka_unit_test(test_agg_object_eviction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
