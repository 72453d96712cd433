/* status_ops_test.c -- pkg/api/v1alpha1/status_ops.c: a status copied is
 * equal and shares nothing; equality on the structures is equality of the
 * JSON the controller would write (property check over random statuses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/api/v1alpha1/codec.h"
#include "../../pkg/api/v1alpha1/types.h"

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* A small domain for every field, so two random statuses often agree. */
static int pick(uint64_t *x, int n)
{
    return (int)(next(x) % (uint64_t)n);
}

static const char *const words[] = {NULL, "", "cpu", "Ready", "ok", "flow8-1"};

static char *word(struct ebb_arena *a, uint64_t *x)
{
    const char *w = words[pick(x, 6)];
    return w ? ebb_arena_strdup(a, w) : NULL;
}

static void random_status(struct ebb_arena *a, struct ebb_policy_status *s, uint64_t *x)
{
    memset(s, 0, sizeof(*s));
    s->observed_generation = pick(x, 2) ? 3 : EBB_UNSET;
    s->current_replicas = pick(x, 2) ? 4 : EBB_UNSET;
    s->desired_replicas = 4 + pick(x, 2);
    s->last_scale_ms = pick(x, 2) ? 1700000000000 : EBB_TIME_UNSET;
    s->last_scale_up_ms = pick(x, 2) ? 1700000001000 : EBB_TIME_UNSET;
    s->last_scale_down_ms = EBB_TIME_UNSET;
    s->n_current_metrics = (size_t)pick(x, 3);
    s->current_metrics = ebb_arena_calloc(a, 3, sizeof(*s->current_metrics));
    for (size_t i = 0; i < s->n_current_metrics; i++) {
        struct ebb_metric_status *m = &s->current_metrics[i];
        m->name = ebb_arena_strdup(a, pick(x, 2) ? "cpu" : "rps");
        m->value = (struct ebb_quantity){pick(x, 2) ? 32000 : 33000, pick(x, 4) != 0};
        m->target = (struct ebb_quantity){50000, true};
        m->proposal = pick(x, 2) ? 1 : EBB_UNSET;
        m->above_since_ms = pick(x, 3) ? EBB_TIME_UNSET : 1700000002000;
        m->below_since_ms = EBB_TIME_UNSET;
    }
    s->n_recommendations = (size_t)pick(x, 3);
    s->recommendations = ebb_arena_calloc(a, 3, sizeof(*s->recommendations));
    for (size_t i = 0; i < s->n_recommendations; i++)
        s->recommendations[i] =
            (struct ebb_recommendation){1700000000000 + 1000 * pick(x, 2), 1 + pick(x, 2)};
    s->n_scale_events = (size_t)pick(x, 2);
    s->scale_events = ebb_arena_calloc(a, 2, sizeof(*s->scale_events));
    for (size_t i = 0; i < s->n_scale_events; i++)
        s->scale_events[i] = (struct ebb_scale_event){1700000000000, 2, 2 + pick(x, 2)};
    s->active_schedule = pick(x, 3) ? NULL : word(a, x);
    s->n_channel_ports = (size_t)pick(x, 2);
    s->channel_ports = ebb_arena_calloc(a, 2, sizeof(*s->channel_ports));
    for (size_t i = 0; i < s->n_channel_ports; i++)
        s->channel_ports[i] = (struct ebb_port_assignment){pick(x, 2), ebb_arena_strdup(a, "p-0"),
                                                           7700, 7799 + 100 * pick(x, 2)};
    s->n_conditions = (size_t)pick(x, 3);
    s->conditions = ebb_arena_calloc(a, 3, sizeof(*s->conditions));
    for (size_t i = 0; i < s->n_conditions; i++) {
        struct ebb_condition *c = &s->conditions[i];
        c->type = ebb_arena_strdup(a, "Ready");
        c->status = (enum ebb_condition_status)(1 + pick(x, 2));
        c->reason = word(a, x);
        c->message = pick(x, 2) ? ebb_arena_strdup(a, "fine") : NULL;
        c->last_transition_ms = pick(x, 2) ? 1700000000000 : EBB_TIME_UNSET;
    }
}

static void json_of(const struct ebb_policy_status *s, struct ebb_strbuf *out)
{
    ebb_strbuf_reset(out);
    assert_int_equal(ebb_policy_status_to_json(s, out), EBB_OK);
}

/* equal(a, b) exactly when their JSON is the same: never a write skipped
 * that was needed, and (with this domain) never one sent that was not. */
static void test_equal_is_json_equal(void **state)
{
    (void)state;
    uint64_t x = 0x2545f4914f6cdd1dULL;
    struct ebb_strbuf ja = EBB_STRBUF_INIT, jb = EBB_STRBUF_INIT;
    unsigned same = 0;
    for (int round = 0; round < 20000; round++) {
        struct ebb_arena a = EBB_ARENA_INIT;
        struct ebb_policy_status s1, s2;
        uint64_t seed = x;
        random_status(&a, &s1, &x);
        /* half the time the same draw again, then maybe one field changed */
        if (pick(&x, 2)) {
            uint64_t y = seed;
            random_status(&a, &s2, &y);
            if (pick(&x, 2) && s2.n_conditions > 0)
                s2.conditions[0].message = ebb_arena_strdup(&a, "changed");
        } else {
            random_status(&a, &s2, &x);
        }
        json_of(&s1, &ja);
        json_of(&s2, &jb);
        bool je = strcmp(ja.buf, jb.buf) == 0;
        if (ebb_policy_status_equal(&s1, &s2, false) != je)
            fail_msg("round %d: equal %d, JSON equal %d\n%s\n%s", round, !je, je, ja.buf, jb.buf);
        same += je;
        ebb_arena_release(&a);
    }
    assert_true(same > 1000); /* the property was exercised both ways */
    ebb_strbuf_release(&ja);
    ebb_strbuf_release(&jb);
}

static void test_copy_is_equal_and_shares_nothing(void **state)
{
    (void)state;
    uint64_t x = 99;
    for (int round = 0; round < 2000; round++) {
        struct ebb_arena a = EBB_ARENA_INIT, b = EBB_ARENA_INIT;
        struct ebb_policy_status s, c;
        random_status(&a, &s, &x);
        assert_int_equal(ebb_policy_status_copy(&b, &c, &s), EBB_OK);
        assert_true(ebb_policy_status_equal(&s, &c, false));
        struct ebb_strbuf js = EBB_STRBUF_INIT;
        json_of(&s, &js);
        ebb_arena_release(&a); /* c must not point into a */
        memset(&s, 0xa5, sizeof(s));
        struct ebb_strbuf jc = EBB_STRBUF_INIT;
        json_of(&c, &jc);
        assert_string_equal(jc.buf, js.buf);
        ebb_strbuf_release(&js);
        ebb_strbuf_release(&jc);
        ebb_arena_release(&b);
    }
}

static void test_newest_time_free(void **state)
{
    (void)state;
    struct ebb_recommendation r1[] = {{1000, 2}, {2000, 3}}, r2[] = {{1000, 2}, {9000, 3}},
                              r3[] = {{1500, 2}, {9000, 3}}, r4[] = {{1000, 2}, {9000, 4}};
    struct ebb_policy_status a = {0}, b = {0};
    a.recommendations = r1;
    a.n_recommendations = b.n_recommendations = 2;
    b.recommendations = r2;
    assert_false(ebb_policy_status_equal(&a, &b, false));
    assert_true(ebb_policy_status_equal(&a, &b, true));
    b.recommendations = r3; /* an older entry moved: a real change */
    assert_false(ebb_policy_status_equal(&a, &b, true));
    b.recommendations = r4; /* the newest value changed */
    assert_false(ebb_policy_status_equal(&a, &b, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_is_json_equal),
        cmocka_unit_test(test_copy_is_equal_and_shares_nothing),
        cmocka_unit_test(test_newest_time_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
