/* defaults_test.c -- pkg/api/v1alpha1/defaults.c: HPA's defaults, what stays
 * absent, what the user wrote is kept, and idempotence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/defaults.h"
#include "../../pkg/api/v1alpha1/types.h"

#define COUNT(t) (sizeof(t) / sizeof(*(t)))

static struct ebb_quantity Q(int64_t milli) {
    struct ebb_quantity q = {milli, true};
    return q;
}

static struct ebb_rate_policy *
policies(struct ebb_policy *p, size_t n)
{
    struct ebb_rate_policy *r = ebb_arena_calloc(&p->arena, n, sizeof(*r));
    assert_non_null(r);
    return r;
}

static void assert_policy(const struct ebb_rate_policy *r, enum ebb_rate_type type, int32_t value,
                          int64_t period_ms)
{
    assert_int_equal(r->type, type);
    assert_int_equal(r->value, value);
    assert_int_equal(r->period_ms, period_ms);
}

/* ---- setups: each describes a policy as the codec would leave it -------- */

static void s_empty(struct ebb_policy *p)
{
    (void)p;
}

static void s_behavior_empty(struct ebb_policy *p)
{
    p->spec.behavior.set = true;
}

static void s_behavior_written(struct ebb_policy *p)
{
    struct ebb_behavior *b = &p->spec.behavior;
    b->set = true;
    b->tolerance = Q(50);
    b->scale_up.set = true;
    b->scale_up.tolerance = Q(200);
    b->scale_up.stabilization_ms = 60000;
    b->scale_up.cooldown_ms = 180000;
    b->scale_up.select_policy = EBB_SELECT_MIN;
    b->scale_up.policies = policies(p, 1);
    b->scale_up.policies[0] = (struct ebb_rate_policy){EBB_RATE_PERCENT, 50, 60000};
    b->scale_up.n_policies = 1;
    b->scale_up.policies_set = true;
    b->scale_down.set = true;
    b->scale_down.stabilization_ms = 0;
    b->scale_down.select_policy = EBB_SELECT_DISABLED;
}

static void s_policies_explicitly_empty(struct ebb_policy *p)
{
    p->spec.behavior.set = true;
    p->spec.behavior.scale_down.set = true;
    p->spec.behavior.scale_down.policies_set = true;
}

static void s_only_tolerance(struct ebb_policy *p)
{
    p->spec.behavior.set = true;
    p->spec.behavior.tolerance = Q(0);
}

static void s_min_zero(struct ebb_policy *p)
{
    p->spec.min_replicas = 0;
}

static void s_min_five(struct ebb_policy *p)
{
    p->spec.min_replicas = 5;
}

static void s_ports_no_pool(struct ebb_policy *p)
{
    p->metadata.name = ebb_arena_strdup(&p->arena, "flow8");
    p->spec.channel_ports.set = true;
    p->spec.channel_ports.base = 7700;
}

static void s_ports_empty_pool(struct ebb_policy *p)
{
    s_ports_no_pool(p);
    p->spec.channel_ports.pool = ebb_arena_strdup(&p->arena, "");
}

static void s_ports_pool(struct ebb_policy *p)
{
    s_ports_no_pool(p);
    p->spec.channel_ports.pool = ebb_arena_strdup(&p->arena, "shared");
}

static void s_ports_no_name(struct ebb_policy *p)
{
    p->spec.channel_ports.set = true;
}

static void s_name_without_ports(struct ebb_policy *p)
{
    p->metadata.name = ebb_arena_strdup(&p->arena, "web");
}

static void s_sync_and_cooldowns(struct ebb_policy *p)
{
    p->spec.sync_period_ms = 30000;
    p->spec.behavior.set = true;
    p->spec.behavior.scale_down.cooldown_ms = 900000;
}

/* ---- checks ------------------------------------------------------------- */

static void c_hpa_scalars(const struct ebb_policy *p)
{
    assert_int_equal(p->spec.min_replicas, EBB_DEFAULT_MIN_REPLICAS);
    /* Tolerances stay unset, as HPA leaves them: the decision core's config
     * (the controller's flag) applies. */
    assert_false(p->spec.behavior.tolerance.set);
    assert_false(p->spec.behavior.scale_up.tolerance.set);
    assert_false(p->spec.behavior.scale_down.tolerance.set);
    assert_int_equal(p->spec.sync_period_ms, EBB_UNSET); /* the controller's flag fills it */
}

static void c_empty(const struct ebb_policy *p)
{
    const struct ebb_behavior *b = &p->spec.behavior;
    c_hpa_scalars(p);
    /* An absent behavior stays absent: HPA's legacy path. */
    assert_false(b->set);
    assert_false(b->scale_up.set);
    assert_false(b->scale_down.set);
    assert_null(b->scale_up.policies);
    assert_int_equal(b->scale_up.n_policies, 0);
    assert_null(b->scale_down.policies);
    assert_int_equal(b->scale_up.stabilization_ms, EBB_UNSET);
    assert_int_equal(b->scale_down.stabilization_ms, EBB_UNSET);
    assert_int_equal(b->scale_up.select_policy, EBB_SELECT_UNSET);
    assert_false(p->spec.channel_ports.set);
    assert_null(p->spec.channel_ports.pool);
}

static void c_behavior_empty(const struct ebb_policy *p)
{
    const struct ebb_scaling_rules *up = &p->spec.behavior.scale_up;
    const struct ebb_scaling_rules *down = &p->spec.behavior.scale_down;
    c_hpa_scalars(p);
    assert_true(p->spec.behavior.set);
    assert_true(up->set);
    assert_int_equal(up->stabilization_ms, 0);
    assert_int_equal(up->cooldown_ms, EBB_UNSET);
    assert_int_equal(up->select_policy, EBB_SELECT_MAX);
    assert_true(up->policies_set);
    assert_int_equal(up->n_policies, 2);
    assert_policy(&up->policies[0], EBB_RATE_PODS, 4, 15000);
    assert_policy(&up->policies[1], EBB_RATE_PERCENT, 100, 15000);
    assert_true(down->set);
    assert_int_equal(down->stabilization_ms, EBB_DEFAULT_SCALE_DOWN_WINDOW_MS);
    assert_int_equal(down->stabilization_ms, 300000);
    assert_int_equal(down->cooldown_ms, EBB_UNSET);
    assert_int_equal(down->select_policy, EBB_SELECT_MAX);
    assert_int_equal(down->n_policies, 1);
    assert_policy(&down->policies[0], EBB_RATE_PERCENT, 100, EBB_DEFAULT_POLICY_PERIOD_MS);
}

static void c_behavior_written(const struct ebb_policy *p)
{
    const struct ebb_behavior *b = &p->spec.behavior;
    assert_int_equal(b->tolerance.milli, 50);
    assert_int_equal(b->scale_up.tolerance.milli, 200); /* its own */
    /* Not copied from behavior.tolerance: the core falls back to it. */
    assert_false(b->scale_down.tolerance.set);
    assert_int_equal(b->scale_up.stabilization_ms, 60000);
    assert_int_equal(b->scale_up.cooldown_ms, 180000);
    assert_int_equal(b->scale_up.select_policy, EBB_SELECT_MIN);
    assert_int_equal(b->scale_up.n_policies, 1);
    assert_policy(&b->scale_up.policies[0], EBB_RATE_PERCENT, 50, 60000);
    assert_int_equal(b->scale_down.stabilization_ms, 0); /* 0 written is not "unset" */
    assert_int_equal(b->scale_down.select_policy, EBB_SELECT_DISABLED);
    assert_int_equal(b->scale_down.n_policies, 1);
    assert_policy(&b->scale_down.policies[0], EBB_RATE_PERCENT, 100, 15000);
}

static void c_policies_explicitly_empty(const struct ebb_policy *p)
{
    /* Left for validation to reject: defaults never hide a mistake. */
    assert_true(p->spec.behavior.scale_down.policies_set);
    assert_int_equal(p->spec.behavior.scale_down.n_policies, 0);
    assert_null(p->spec.behavior.scale_down.policies);
    assert_int_equal(p->spec.behavior.scale_up.n_policies, 2);
}

static void c_only_tolerance(const struct ebb_policy *p)
{
    assert_true(p->spec.behavior.tolerance.set);
    assert_int_equal(p->spec.behavior.tolerance.milli, 0);
    assert_false(p->spec.behavior.scale_up.tolerance.set);
    assert_false(p->spec.behavior.scale_down.tolerance.set);
    assert_int_equal(p->spec.behavior.scale_up.n_policies, 2);
}

static void c_min_zero(const struct ebb_policy *p)
{
    assert_int_equal(p->spec.min_replicas, 0);
}

static void c_min_five(const struct ebb_policy *p)
{
    assert_int_equal(p->spec.min_replicas, 5);
}

static void c_pool_is_name(const struct ebb_policy *p)
{
    assert_string_equal(p->spec.channel_ports.pool, "flow8");
    assert_int_equal(p->spec.channel_ports.base, 7700);
    assert_int_equal(p->spec.channel_ports.range_size, EBB_UNSET);
    assert_int_equal(p->spec.channel_ports.limit, EBB_UNSET);
}

static void c_pool_kept(const struct ebb_policy *p)
{
    assert_string_equal(p->spec.channel_ports.pool, "shared");
}

static void c_pool_unknown(const struct ebb_policy *p)
{
    /* No name to take it from: validation reports spec.channelPorts.pool. */
    assert_null(p->spec.channel_ports.pool);
}

static void c_no_pool_without_ports(const struct ebb_policy *p)
{
    assert_false(p->spec.channel_ports.set);
    assert_null(p->spec.channel_ports.pool);
}

static void c_sync_and_cooldowns(const struct ebb_policy *p)
{
    assert_int_equal(p->spec.sync_period_ms, 30000);
    assert_int_equal(p->spec.behavior.scale_down.cooldown_ms, 900000);
    assert_int_equal(p->spec.behavior.scale_up.cooldown_ms, EBB_UNSET);
}

struct dcase {
    const char *name;
    void (*setup)(struct ebb_policy *p);
    void (*check)(const struct ebb_policy *p);
};

static const struct dcase cases[] = {
    {"empty policy: HPA scalars, behavior stays absent", s_empty, c_empty},
    {"empty behavior: HPA's scaleUp and scaleDown rules", s_behavior_empty, c_behavior_empty},
    {"written behavior is kept, gaps filled", s_behavior_written, c_behavior_written},
    {"explicitly empty policies are not defaulted", s_policies_explicitly_empty,
     c_policies_explicitly_empty},
    {"tolerance 0 is kept, not copied to the directions", s_only_tolerance, c_only_tolerance},
    {"minReplicas 0 is kept", s_min_zero, c_min_zero},
    {"minReplicas 5 is kept", s_min_five, c_min_five},
    {"channelPorts.pool defaults to the name", s_ports_no_pool, c_pool_is_name},
    {"empty channelPorts.pool defaults to the name", s_ports_empty_pool, c_pool_is_name},
    {"channelPorts.pool written is kept", s_ports_pool, c_pool_kept},
    {"channelPorts.pool without a name stays unset", s_ports_no_name, c_pool_unknown},
    {"no channelPorts, no pool", s_name_without_ports, c_no_pool_without_ports},
    {"syncPeriod and cooldowns are not invented", s_sync_and_cooldowns, c_sync_and_cooldowns},
};

static void run_case(void **state)
{
    const struct dcase *c = *state;
    struct ebb_policy p;

    ebb_policy_init(&p);
    c->setup(&p);
    assert_int_equal(ebb_policy_defaults(&p), EBB_OK);
    c->check(&p);
    ebb_policy_release(&p);
}

/* Defaulting twice changes nothing: same values, same pointers, and no
 * allocation the second time. */
static void idempotent(void **state)
{
    const struct dcase *c = *state;
    struct ebb_policy p;
    struct ebb_policy_spec before;
    struct ebb_rate_policy up[EBB_MAX_RATE_POLICIES];
    struct ebb_rate_policy down[EBB_MAX_RATE_POLICIES];

    ebb_policy_init(&p);
    c->setup(&p);
    assert_int_equal(ebb_policy_defaults(&p), EBB_OK);
    before = p.spec;
    size_t used = p.arena.used;
    assert_true(before.behavior.scale_up.n_policies <= COUNT(up));
    assert_true(before.behavior.scale_down.n_policies <= COUNT(down));
    if (before.behavior.scale_up.n_policies)
        memcpy(up, before.behavior.scale_up.policies,
               before.behavior.scale_up.n_policies * sizeof(*up));
    if (before.behavior.scale_down.n_policies)
        memcpy(down, before.behavior.scale_down.policies,
               before.behavior.scale_down.n_policies * sizeof(*down));

    assert_int_equal(ebb_policy_defaults(&p), EBB_OK);
    /* ebb_policy_spec holds only scalars, pointers and bools with explicit
     * fields; compare it field group by field group rather than with memcmp
     * (padding). */
    assert_int_equal(p.arena.used, used);
    assert_int_equal(p.spec.min_replicas, before.min_replicas);
    assert_int_equal(p.spec.max_replicas, before.max_replicas);
    assert_int_equal(p.spec.sync_period_ms, before.sync_period_ms);
    assert_ptr_equal(p.spec.channel_ports.pool, before.channel_ports.pool);
    const struct ebb_behavior *a = &p.spec.behavior;
    const struct ebb_behavior *b = &before.behavior;
    assert_int_equal(a->set, b->set);
    assert_int_equal(a->tolerance.set, b->tolerance.set);
    assert_int_equal(a->tolerance.milli, b->tolerance.milli);
    const struct ebb_scaling_rules *ra[] = {&a->scale_up, &a->scale_down};
    const struct ebb_scaling_rules *rb[] = {&b->scale_up, &b->scale_down};
    const struct ebb_rate_policy *saved[] = {up, down};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(ra[i]->set, rb[i]->set);
        assert_int_equal(ra[i]->stabilization_ms, rb[i]->stabilization_ms);
        assert_int_equal(ra[i]->cooldown_ms, rb[i]->cooldown_ms);
        assert_int_equal(ra[i]->select_policy, rb[i]->select_policy);
        assert_int_equal(ra[i]->tolerance.set, rb[i]->tolerance.set);
        assert_int_equal(ra[i]->tolerance.milli, rb[i]->tolerance.milli);
        assert_int_equal(ra[i]->policies_set, rb[i]->policies_set);
        assert_ptr_equal(ra[i]->policies, rb[i]->policies);
        assert_int_equal(ra[i]->n_policies, rb[i]->n_policies);
        for (size_t j = 0; j < ra[i]->n_policies; j++)
            assert_policy(&ra[i]->policies[j], saved[i][j].type, saved[i][j].value,
                          saved[i][j].period_ms);
    }
    ebb_policy_release(&p);
}

static void test_defaults_do_not_touch_metrics_or_schedules(void **state)
{
    (void)state;
    struct ebb_policy p;
    struct ebb_metric_spec m;
    struct ebb_schedule s;

    ebb_policy_init(&p);
    memset(&m, 0, sizeof(m));
    m.target.average_utilization = EBB_UNSET;
    m.scale_up.for_ms = EBB_UNSET;
    m.scale_down.for_ms = EBB_UNSET;
    memset(&s, 0, sizeof(s));
    s.duration_ms = EBB_UNSET;
    s.start_ms = EBB_TIME_UNSET;
    s.end_ms = EBB_TIME_UNSET;
    s.min_replicas = EBB_UNSET;
    s.max_replicas = EBB_UNSET;
    p.spec.metrics = &m;
    p.spec.n_metrics = 1;
    p.spec.schedules = &s;
    p.spec.n_schedules = 1;
    assert_int_equal(ebb_policy_defaults(&p), EBB_OK);
    assert_int_equal(m.type, EBB_METRIC_TYPE_UNSET);
    assert_int_equal(m.target.type, EBB_TARGET_TYPE_UNSET);
    assert_int_equal(m.target.average_utilization, EBB_UNSET);
    assert_false(m.scale_up.set);
    assert_int_equal(m.scale_up.for_ms, EBB_UNSET);
    assert_int_equal(s.duration_ms, EBB_UNSET);
    assert_null(s.time_zone);
    assert_int_equal(s.min_replicas, EBB_UNSET);
    assert_int_equal(s.max_replicas, EBB_UNSET);
    p.spec.metrics = NULL;
    p.spec.schedules = NULL;
    ebb_policy_release(&p);
}

int main(void)
{
    struct CMUnitTest tests[2 * COUNT(cases) + 1];
    char names[COUNT(cases)][128];
    size_t n = 0;

    for (size_t i = 0; i < COUNT(cases); i++) {
        struct CMUnitTest t = {cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
        tests[n++] = t;
    }
    for (size_t i = 0; i < COUNT(cases); i++) {
        snprintf(names[i], sizeof(names[i]), "idempotent: %s", cases[i].name);
        struct CMUnitTest t = {names[i], idempotent, NULL, NULL, (void *)&cases[i]};
        tests[n++] = t;
    }
    struct CMUnitTest last = cmocka_unit_test(test_defaults_do_not_touch_metrics_or_schedules);
    tests[n++] = last;
    return _cmocka_run_group_tests("defaults", tests, n, NULL, NULL);
}
