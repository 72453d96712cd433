/* ports_test.c -- the channel port allocator (pkg/ports), table by table:
 * the "A-B" spelling, ordinals, the slot pool, and ebb_ports_assign() on the
 * cases of DESIGN.md section 3 and issue 6 (points 1, 2, 4).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../pkg/ports/ports.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static struct ebb_channel_ports cp(const char *pool, int32_t base, int32_t size, int32_t limit)
{
    return (struct ebb_channel_ports){.pool = (char *)(uintptr_t)pool,
                                      .base = base,
                                      .range_size = size,
                                      .limit = limit,
                                      .set = true};
}

static struct ebb_ports_policy pol(const char *ns, const char *name, int64_t created,
                                   enum ebb_ports_kind kind, int32_t max,
                                   const struct ebb_channel_ports *ports)
{
    return (struct ebb_ports_policy){.ns = ns,
                                     .name = name,
                                     .created_ms = created,
                                     .kind = kind,
                                     .max_replicas = max,
                                     .ports = ports};
}

static struct ebb_ports_pod pod(const char *name, int64_t created, size_t policy, int32_t ordinal)
{
    return (struct ebb_ports_pod){
        .ns = "default", .name = name, .created_ms = created, .policy = policy, .ordinal = ordinal};
}

static struct ebb_ports_pod held(struct ebb_ports_pod p, int32_t first, int32_t last)
{
    p.has_range = true;
    p.first = first;
    p.last = last;
    return p;
}

static void run(struct ebb_ports_policy *pols, size_t np, struct ebb_ports_pod *pods, size_t nd,
                struct ebb_ports_result *out)
{
    struct ebb_ports_input in = {pols, np, pods, nd};
    assert_int_equal(ebb_ports_assign(&in, out), EBB_OK);
    assert_int_equal(out->n_pods, nd);
    assert_int_equal(out->n_policies, np);
}

static void expect_range(const struct ebb_ports_pod_result *r, enum ebb_ports_pod_state st,
                         int32_t slot, int32_t first, int32_t last)
{
    assert_int_equal(r->state, st);
    assert_int_equal(r->slot, slot);
    assert_int_equal(r->first, first);
    assert_int_equal(r->last, last);
}

/* ---- helpers of parse.c ---- */

static void test_parse_range(void **state)
{
    static const struct {
        const char *in;
        enum ebb_rc rc;
        int32_t first, last;
    } cases[] = {
        {"7800-7899", EBB_OK, 7800, 7899},      {"1-1", EBB_OK, 1, 1},
        {"1-65535", EBB_OK, 1, 65535},          {"7800-7800", EBB_OK, 7800, 7800},
        {"0-5", EBB_ERR_RANGE, 0, 0},           {"10-9", EBB_ERR_RANGE, 0, 0},
        {"65535-65536", EBB_ERR_RANGE, 0, 0},   {"99999-99999", EBB_ERR_RANGE, 0, 0},
        {"123456-123457", EBB_ERR_PARSE, 0, 0}, {"", EBB_ERR_PARSE, 0, 0},
        {"7800", EBB_ERR_PARSE, 0, 0},          {"7800-", EBB_ERR_PARSE, 0, 0},
        {"-7800", EBB_ERR_PARSE, 0, 0},         {"+1-2", EBB_ERR_PARSE, 0, 0},
        {"1--2", EBB_ERR_PARSE, 0, 0},          {" 1-2", EBB_ERR_PARSE, 0, 0},
        {"1-2 ", EBB_ERR_PARSE, 0, 0},          {"1 - 2", EBB_ERR_PARSE, 0, 0},
        {"a-b", EBB_ERR_PARSE, 0, 0},           {"1-2-3", EBB_ERR_PARSE, 0, 0},
        {"0x10-0x20", EBB_ERR_PARSE, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        int32_t f = -7, l = -7;
        enum ebb_rc rc = ebb_ports_parse_range(cases[i].in, &f, &l);
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, want %d", cases[i].in, rc, cases[i].rc);
        if (rc == EBB_OK) {
            assert_int_equal(f, cases[i].first);
            assert_int_equal(l, cases[i].last);
        } else {
            assert_int_equal(f, -7); /* untouched on error */
            assert_int_equal(l, -7);
        }
    }
    int32_t f, l;
    assert_int_equal(ebb_ports_parse_range(NULL, &f, &l), EBB_ERR_PARSE);
}

static void test_format_range(void **state)
{
    char buf[EBB_PORTS_RANGE_LEN];
    int32_t f, l;
    (void)state;
    assert_int_equal(ebb_ports_format_range(7800, 7899, buf, sizeof(buf)), EBB_OK);
    assert_string_equal(buf, "7800-7899");
    assert_int_equal(ebb_ports_format_range(65535, 65535, buf, sizeof(buf)), EBB_OK);
    assert_string_equal(buf, "65535-65535");
    assert_int_equal(ebb_ports_parse_range(buf, &f, &l), EBB_OK);
    assert_int_equal(ebb_ports_format_range(7800, 7899, buf, 5), EBB_ERR_LIMIT);
    assert_string_equal(buf, "");
    assert_int_equal(ebb_ports_format_range(1, 2, buf, 0), EBB_ERR_LIMIT);
}

static void test_ordinal(void **state)
{
    static const struct {
        const char *label, *name, *sts;
        int32_t want;
    } cases[] = {
        {"3", "flow8-7", "flow8", 3}, /* the label wins */
        {NULL, "flow8-12", "flow8", 12},
        {NULL, "flow8-0", "flow8", 0},
        {"", "flow8-4", "flow8", 4},
        {"03", "flow8-4", "flow8", 4}, /* not a plain decimal: the name */
        {"x", "flow8-4", NULL, 4},
        {NULL, "flow8-x", "flow8", -1},
        {NULL, "flow8-", "flow8", -1},
        {NULL, "flow8-01", "flow8", -1},
        {NULL, "flow80-1", "flow8", -1},
        {NULL, "other-1", "flow8", -1},
        {NULL, "my-app-web-7", NULL, 7},
        {NULL, "my-app-web-7", "my-app-web", 7},
        {NULL, "noordinal", NULL, -1},
        {NULL, "flow8-1234567890", "flow8", -1},
        {NULL, NULL, "flow8", -1},
        {"-1", NULL, NULL, -1},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        int32_t got = ebb_ports_ordinal(cases[i].label, cases[i].name, cases[i].sts);
        if (got != cases[i].want)
            fail_msg("case %zu (%s): %d, want %d", i, cases[i].name ? cases[i].name : "NULL", got,
                     cases[i].want);
    }
}

static void test_phase_and_slots(void **state)
{
    (void)state;
    assert_true(ebb_ports_phase_gone("Failed"));
    assert_true(ebb_ports_phase_gone("Succeeded"));
    assert_false(ebb_ports_phase_gone("Running"));
    assert_false(ebb_ports_phase_gone("Pending"));
    assert_false(ebb_ports_phase_gone("failed"));
    assert_false(ebb_ports_phase_gone(NULL));

    struct ebb_channel_ports a = cp("p", 7700, 100, 8699);
    assert_int_equal(ebb_ports_slots(&a), 10);
    a.limit = 8698; /* the last slot is one port short */
    assert_int_equal(ebb_ports_slots(&a), 9);
    a.limit = 7698;
    assert_int_equal(ebb_ports_slots(&a), -1);
    a = cp("p", 0, 10, 100);
    assert_int_equal(ebb_ports_slots(&a), -1);
    a = cp("p", 1, 1, 65535);
    assert_int_equal(ebb_ports_slots(&a), 65535);
    a = cp("p", 1, 1, 65536);
    assert_int_equal(ebb_ports_slots(&a), -1);
    a.set = false;
    assert_int_equal(ebb_ports_slots(&a), -1);
    assert_int_equal(ebb_ports_slots(NULL), -1);
    for (int w = 0; w < EBB_PORTS_WHY__COUNT; w++)
        assert_true(strlen(ebb_ports_why_str((enum ebb_ports_why)w)) > 0);
    assert_string_equal(ebb_ports_why_str(EBB_PORTS_WHY__COUNT), "unknown");
}

/* ---- the slot pool ---- */

static void test_pool(void **state)
{
    struct ebb_port_pool *p = NULL;
    int32_t f, l;
    (void)state;

    assert_int_equal(ebb_port_pool_new(0, 10, 100, &p), EBB_ERR_INVALID);
    assert_null(p);
    assert_int_equal(ebb_port_pool_new(100, 10, 98, &p), EBB_ERR_INVALID);
    assert_int_equal(ebb_port_pool_new(100, 0, 980, &p), EBB_ERR_INVALID);
    assert_int_equal(ebb_port_pool_new(1000, 10, 2299, &p), EBB_OK); /* 130 slots: 3 words */
    assert_int_equal(ebb_port_pool_slots(p), 130);
    ebb_port_pool_slot_range(p, 129, &f, &l);
    assert_int_equal(f, 2290);
    assert_int_equal(l, 2299);
    assert_int_equal(ebb_port_pool_count_free(p, 0), 130);
    assert_int_equal(ebb_port_pool_count_free(p, 64), 66);
    assert_int_equal(ebb_port_pool_count_free(p, 200), 0);

    assert_int_equal(ebb_port_pool_alloc(p, 0), 0);
    assert_int_equal(ebb_port_pool_alloc(p, 0), 1);
    assert_int_equal(ebb_port_pool_alloc(p, 5), 5);
    assert_int_equal(ebb_port_pool_alloc(p, 0), 2);
    ebb_port_pool_unhold(p, 1000, 1009); /* slot 0 is free again */
    assert_true(ebb_port_pool_slot_free(p, 0));
    assert_int_equal(ebb_port_pool_alloc(p, 0), 0);

    /* A range across two slots holds both; nested holds need two unholds. */
    ebb_port_pool_hold(p, 1065, 1074);
    assert_false(ebb_port_pool_slot_free(p, 6));
    assert_false(ebb_port_pool_slot_free(p, 7));
    ebb_port_pool_hold(p, 1070, 1070);
    ebb_port_pool_unhold(p, 1065, 1074);
    assert_true(ebb_port_pool_slot_free(p, 6));
    assert_false(ebb_port_pool_slot_free(p, 7));
    ebb_port_pool_unhold(p, 1070, 1070);
    assert_true(ebb_port_pool_slot_free(p, 7));
    ebb_port_pool_unhold(p, 1070, 1070); /* unmatched: ignored */
    assert_true(ebb_port_pool_slot_free(p, 7));

    /* Ranges partly or wholly outside the pool. */
    ebb_port_pool_hold(p, 1, 999);
    ebb_port_pool_hold(p, 2300, 65535);
    assert_int_equal(ebb_port_pool_count_free(p, 0), 126);
    ebb_port_pool_hold(p, 900, 1005);
    ebb_port_pool_hold(p, 2295, 2400);
    assert_false(ebb_port_pool_slot_free(p, 129));
    assert_false(ebb_port_pool_slot_free(p, -1));
    assert_false(ebb_port_pool_slot_free(p, 130));

    /* Word boundaries, then full. */
    for (int32_t s = 0; s < 130; s++)
        if (ebb_port_pool_slot_free(p, s))
            assert_int_equal(ebb_port_pool_alloc(p, s), s);
    assert_int_equal(ebb_port_pool_count_free(p, 0), 0);
    assert_int_equal(ebb_port_pool_alloc(p, 0), -1);
    assert_int_equal(ebb_port_pool_alloc(p, -5), -1);
    assert_int_equal(ebb_port_pool_alloc(p, 1000), -1);
    ebb_port_pool_unhold(p, 2280, 2289);
    assert_int_equal(ebb_port_pool_alloc(p, 64), 128);
    ebb_port_pool_free(p);
    ebb_port_pool_free(NULL);
}

/* ---- ebb_ports_assign ---- */

static void test_statefulset_ordinals(void **state)
{
    struct ebb_channel_ports c = cp("flow8", 7700, 100, 8699);
    struct ebb_ports_policy pols[] = {pol("flow8", "flow8", 1, EBB_PORTS_STATEFULSET, 10, &c)};
    struct ebb_ports_pod pods[] = {pod("flow8-2", 3, 0, 2), pod("flow8-0", 1, 0, 0),
                                   pod("flow8-1", 2, 0, 1)};
    struct ebb_ports_result r;
    (void)state;

    run(pols, 1, pods, 3, &r);
    expect_range(&r.pods[0], EBB_PORTS_POD_NEW, 2, 7900, 7999);
    expect_range(&r.pods[1], EBB_PORTS_POD_NEW, 0, 7700, 7799);
    expect_range(&r.pods[2], EBB_PORTS_POD_NEW, 1, 7800, 7899);
    assert_int_equal(r.policies[0].state, EBB_PORTS_POLICY_OK);
    assert_int_equal(r.policies[0].slots, 10);
    assert_int_equal(r.policies[0].held, 3);
    assert_int_equal(r.policies[0].capacity, 10);
    assert_int_equal(ebb_ports_capacity(&r, 0), 10);
    assert_int_equal(ebb_ports_capacity(&r, 1), EBB_UNSET);
    assert_string_equal(r.policies[0].message, "");

    /* Published, then asked again: nothing changes (idempotent). */
    for (size_t i = 0; i < 3; i++)
        pods[i] = held(pods[i], r.pods[i].first, r.pods[i].last);
    struct ebb_ports_result again;
    run(pols, 1, pods, 3, &again);
    for (size_t i = 0; i < 3; i++) {
        expect_range(&again.pods[i], EBB_PORTS_POD_KEPT, r.pods[i].slot, r.pods[i].first,
                     r.pods[i].last);
        assert_false(again.pods[i].stale);
    }

    /* status.channelPorts / the ConfigMap: ordered by port. */
    struct ebb_port_assignment buf[3];
    assert_int_equal(
        ebb_ports_collect(&(struct ebb_ports_input){pols, 1, pods, 3}, &again, 0, NULL, 0), 3);
    assert_int_equal(
        ebb_ports_collect(&(struct ebb_ports_input){pols, 1, pods, 3}, &again, 0, buf, 2), 3);
    assert_int_equal(
        ebb_ports_collect(&(struct ebb_ports_input){pols, 1, pods, 3}, &again, 0, buf, 3), 3);
    assert_string_equal(buf[0].pod, "flow8-0");
    assert_int_equal(buf[0].slot, 0);
    assert_int_equal(buf[0].first, 7700);
    assert_string_equal(buf[2].pod, "flow8-2");
    assert_int_equal(buf[2].last, 7999);
    ebb_ports_result_release(&r);
    ebb_ports_result_release(&again);
    ebb_ports_result_release(&again);
    ebb_ports_result_release(NULL);
}

static void test_statefulset_waits(void **state)
{
    struct ebb_channel_ports c = cp("s", 7000, 10, 7039); /* 4 slots */
    struct ebb_ports_policy pols[] = {pol("ns", "s", 1, EBB_PORTS_STATEFULSET, 4, &c)};
    struct ebb_ports_pod pods[] = {
        pod("s-0", 1, 0, 0),
        pod("s-x", 2, 0, -1),
        pod("s-4", 3, 0, 4),
        pod("s-1", 4, 0, 1),
        /* an orphan still holding slot 2's ports */
        held(pod("old-9", 0, EBB_PORTS_NO_POLICY, -1), 7025, 7025),
        pod("s-2", 5, 0, 2),
    };
    struct ebb_ports_result r;
    (void)state;

    run(pols, 1, pods, N(pods), &r);
    expect_range(&r.pods[0], EBB_PORTS_POD_NEW, 0, 7000, 7009);
    assert_int_equal(r.pods[1].state, EBB_PORTS_POD_WAITING);
    assert_int_equal(r.pods[1].why, EBB_PORTS_WHY_NO_ORDINAL);
    assert_int_equal(r.pods[2].state, EBB_PORTS_POD_WAITING);
    assert_int_equal(r.pods[2].why, EBB_PORTS_WHY_OUTSIDE_POOL);
    expect_range(&r.pods[3], EBB_PORTS_POD_NEW, 1, 7010, 7019);
    expect_range(&r.pods[4], EBB_PORTS_POD_KEPT, -1, 7025, 7025);
    assert_true(r.pods[4].stale);
    assert_int_equal(r.pods[5].state, EBB_PORTS_POD_WAITING);
    assert_int_equal(r.pods[5].why, EBB_PORTS_WHY_SLOT_TAKEN);
    assert_int_equal(r.pods[5].other, 4);
    assert_int_equal(r.policies[0].held, 2);
    assert_int_equal(r.policies[0].waiting, 3);
    /* ordinals 0, 1, 2 have pods; slot 3 is free; there is no slot 4 */
    assert_int_equal(r.policies[0].capacity, 4);
    assert_non_null(strstr(r.policies[0].message, "3 pod(s) wait"));
    ebb_ports_result_release(&r);

    /* Without the pod at ordinal 2, its taken slot stops scale-up at 2. */
    pods[5].gone = true;
    run(pols, 1, pods, N(pods), &r);
    assert_int_equal(r.pods[5].state, EBB_PORTS_POD_NONE);
    assert_int_equal(r.pods[5].why, EBB_PORTS_WHY_GONE);
    assert_int_equal(r.policies[0].capacity, 2);
    ebb_ports_result_release(&r);
}

static void test_deployment_lowest_free(void **state)
{
    struct ebb_channel_ports c = cp("web", 9000, 10, 9049); /* 5 slots */
    struct ebb_ports_policy pols[] = {pol("ns", "web", 1, EBB_PORTS_DEPLOYMENT, 5, &c)};
    struct ebb_ports_pod pods[6] = {pod("web-c", 30, 0, -1), pod("web-a", 10, 0, -1),
                                    pod("web-b", 20, 0, -1)};
    struct ebb_ports_result r;
    (void)state;

    run(pols, 1, pods, 3, &r);
    /* creation order, not input order */
    expect_range(&r.pods[1], EBB_PORTS_POD_NEW, 0, 9000, 9009);
    expect_range(&r.pods[2], EBB_PORTS_POD_NEW, 1, 9010, 9019);
    expect_range(&r.pods[0], EBB_PORTS_POD_NEW, 2, 9020, 9029);
    assert_int_equal(r.policies[0].capacity, 5);
    for (size_t i = 0; i < 3; i++)
        pods[i] = held(pods[i], r.pods[i].first, r.pods[i].last);
    ebb_ports_result_release(&r);

    /* web-a dies (Failed): its slot goes to the next new pod, lowest first. */
    pods[1].gone = true;
    pods[3] = pod("web-d", 40, 0, -1);
    pods[4] = pod("web-e", 41, 0, -1);
    run(pols, 1, pods, 5, &r);
    assert_int_equal(r.pods[1].state, EBB_PORTS_POD_NONE);
    expect_range(&r.pods[0], EBB_PORTS_POD_KEPT, 2, 9020, 9029);
    expect_range(&r.pods[3], EBB_PORTS_POD_NEW, 0, 9000, 9009);
    expect_range(&r.pods[4], EBB_PORTS_POD_NEW, 3, 9030, 9039);
    assert_int_equal(r.policies[0].held, 4);
    assert_int_equal(r.policies[0].capacity, 5);
    for (size_t i = 3; i < 5; i++)
        pods[i] = held(pods[i], r.pods[i].first, r.pods[i].last);
    ebb_ports_result_release(&r);

    /* Full: the next two pods, one gets slot 4 and one waits. */
    pods[1] = pod("web-f", 50, 0, -1);
    pods[5] = pod("web-g", 51, 0, -1);
    run(pols, 1, pods, 6, &r);
    expect_range(&r.pods[1], EBB_PORTS_POD_NEW, 4, 9040, 9049);
    assert_int_equal(r.pods[5].state, EBB_PORTS_POD_WAITING);
    assert_int_equal(r.pods[5].why, EBB_PORTS_WHY_POOL_FULL);
    assert_int_equal(r.policies[0].held, 5);
    assert_int_equal(r.policies[0].waiting, 1);
    assert_int_equal(r.policies[0].capacity, 5);
    ebb_ports_result_release(&r);
}

static void test_shared_pool_across_namespaces(void **state)
{
    struct ebb_channel_ports c = cp("shared", 9000, 10, 9059); /* 6 slots */
    struct ebb_ports_policy pols[] = {pol("team-b", "api", 2, EBB_PORTS_DEPLOYMENT, 3, &c),
                                      pol("team-a", "api", 1, EBB_PORTS_DEPLOYMENT, 3, &c)};
    struct ebb_ports_pod pods[] = {held(pod("b1", 1, 0, -1), 9000, 9009), pod("a1", 2, 1, -1),
                                   pod("a2", 3, 1, -1), pod("b2", 4, 0, -1)};
    pods[1].ns = "team-a";
    pods[2].ns = "team-a";
    struct ebb_ports_result r;
    (void)state;

    run(pols, 2, pods, N(pods), &r);
    assert_int_equal(r.policies[0].state, EBB_PORTS_POLICY_OK);
    assert_int_equal(r.policies[1].state, EBB_PORTS_POLICY_OK);
    assert_int_equal(r.policies[0].pool_owner, 1); /* team-a/api was created first */
    assert_int_equal(r.policies[1].pool_owner, 1);
    expect_range(&r.pods[0], EBB_PORTS_POD_KEPT, 0, 9000, 9009);
    expect_range(&r.pods[1], EBB_PORTS_POD_NEW, 1, 9010, 9019);
    expect_range(&r.pods[2], EBB_PORTS_POD_NEW, 2, 9020, 9029);
    expect_range(&r.pods[3], EBB_PORTS_POD_NEW, 3, 9030, 9039);
    /* 2 free slots left, for either policy */
    assert_int_equal(r.policies[0].capacity, 4);
    assert_int_equal(r.policies[1].capacity, 4);
    ebb_ports_result_release(&r);
}

static void test_conflicts(void **state)
{
    struct ebb_channel_ports a = cp("a", 7000, 100, 7999);
    struct ebb_channel_ports b = cp("b", 7900, 50, 8399);   /* meets a at 7900-7999 */
    struct ebb_channel_ports a2 = cp("a", 7000, 50, 7999);  /* pool a, other layout */
    struct ebb_channel_ports a3 = cp("a", 7000, 100, 7999); /* same layout */
    struct ebb_channel_ports c = cp("c", 8000, 10, 8099);
    struct ebb_ports_policy pols[] = {
        pol("z", "later", 5, EBB_PORTS_DEPLOYMENT, 2, &b),
        pol("y", "first", 1, EBB_PORTS_STATEFULSET, 5, &a),
        pol("x", "layout", 6, EBB_PORTS_DEPLOYMENT, 2, &a2),
        pol("w", "sts2", 7, EBB_PORTS_STATEFULSET, 2, &a3),
        pol("v", "dep", 7, EBB_PORTS_DEPLOYMENT, 2, &a3),
        pol("u", "clean", 8, EBB_PORTS_DEPLOYMENT, 2, &c),
    };
    struct ebb_ports_pod pods[] = {
        held(pod("later-1", 1, 0, -1), 7900, 7949), /* keeps its range */
        pod("later-2", 2, 0, -1),
        pod("sts2-0", 3, 3, 0),
        pod("dep-1", 4, 4, -1),
    };
    struct ebb_ports_result r;
    (void)state;

    run(pols, N(pols), pods, N(pods), &r);
    assert_int_equal(r.policies[1].state, EBB_PORTS_POLICY_OK);
    assert_int_equal(r.policies[0].state, EBB_PORTS_POLICY_CONFLICT);
    assert_int_equal(r.policies[0].conflict_with, 1);
    assert_non_null(strstr(r.policies[0].message, "y/first"));
    assert_non_null(strstr(r.policies[0].message, "intersects"));
    assert_int_equal(r.policies[2].state, EBB_PORTS_POLICY_CONFLICT);
    assert_int_equal(r.policies[2].conflict_with, 1);
    assert_non_null(strstr(r.policies[2].message, "defined differently"));
    assert_int_equal(r.policies[3].state, EBB_PORTS_POLICY_CONFLICT);
    assert_non_null(strstr(r.policies[3].message, "StatefulSet"));
    assert_int_equal(r.policies[4].state, EBB_PORTS_POLICY_OK);
    assert_int_equal(r.policies[4].reserved, 5);
    assert_int_equal(r.policies[5].state, EBB_PORTS_POLICY_OK);
    /* a policy in conflict assigns nothing and cannot grow */
    expect_range(&r.pods[0], EBB_PORTS_POD_KEPT, -1, 7900, 7949);
    assert_true(r.pods[0].stale);
    assert_int_equal(r.pods[1].state, EBB_PORTS_POD_NONE);
    assert_int_equal(r.pods[1].why, EBB_PORTS_WHY_POLICY_CONFLICT);
    assert_int_equal(r.policies[0].held, 1);
    assert_int_equal(r.policies[0].capacity, 1);
    assert_int_equal(r.pods[2].why, EBB_PORTS_WHY_POLICY_CONFLICT);
    assert_int_equal(r.policies[3].capacity, 0);
    /* the Deployment sharing with the StatefulSet starts above its
     * reservation, and the kept range of later-1 blocks slot 9 */
    expect_range(&r.pods[3], EBB_PORTS_POD_NEW, 5, 7500, 7599);
    assert_int_equal(r.policies[4].capacity, 1 + 3); /* slots 6, 7, 8 */
    assert_int_equal(r.policies[1].capacity, 5);
    ebb_ports_result_release(&r);

    /* Same creation time: namespace/name decides, whatever the input order. */
    struct ebb_channel_ports d1 = cp("d1", 100, 10, 199), d2 = cp("d2", 150, 10, 249);
    struct ebb_ports_policy tie[] = {pol("b", "p", 1, EBB_PORTS_DEPLOYMENT, 1, &d1),
                                     pol("a", "p", 1, EBB_PORTS_DEPLOYMENT, 1, &d2)};
    run(tie, 2, NULL, 0, &r);
    assert_int_equal(r.policies[1].state, EBB_PORTS_POLICY_OK);
    assert_int_equal(r.policies[0].state, EBB_PORTS_POLICY_CONFLICT);
    assert_int_equal(r.policies[0].conflict_with, 1);
    ebb_ports_result_release(&r);
}

static void test_policy_edit_keeps_ranges(void **state)
{
    /* was base 7700 size 100; now base 7750 */
    struct ebb_channel_ports c = cp("flow8", 7750, 100, 8749);
    struct ebb_ports_policy pols[] = {pol("f", "flow8", 1, EBB_PORTS_STATEFULSET, 10, &c)};
    struct ebb_ports_pod pods[] = {
        pod("flow8-0", 10, 0, 0), /* restarted: no annotation */
        held(pod("flow8-1", 2, 0, 1), 7800, 7899),
        held(pod("flow8-2", 3, 0, 2), 7900, 7999),
        pod("flow8-3", 4, 0, 3),
    };
    struct ebb_ports_result r;
    (void)state;

    run(pols, 1, pods, N(pods), &r);
    /* slot 0 is now 7750-7849: flow8-1 still holds 7800-7899 */
    assert_int_equal(r.pods[0].state, EBB_PORTS_POD_WAITING);
    assert_int_equal(r.pods[0].why, EBB_PORTS_WHY_SLOT_TAKEN);
    assert_int_equal(r.pods[0].other, 1);
    expect_range(&r.pods[1], EBB_PORTS_POD_KEPT, -1, 7800, 7899);
    assert_true(r.pods[1].stale);
    expect_range(&r.pods[2], EBB_PORTS_POD_KEPT, -1, 7900, 7999);
    /* slot 3 = 8050-8149 is clear */
    expect_range(&r.pods[3], EBB_PORTS_POD_NEW, 3, 8050, 8149);
    /* slot 4 = 8150-8249 is free */
    assert_int_equal(r.policies[0].capacity, 10);
    ebb_ports_result_release(&r);

    /* An edit that keeps a pod's range as a slot, but not its ordinal's. */
    c = cp("flow8", 7600, 100, 8599);
    run(pols, 1, pods, N(pods), &r);
    expect_range(&r.pods[1], EBB_PORTS_POD_KEPT, 2, 7800, 7899);
    assert_true(r.pods[1].stale);
    ebb_ports_result_release(&r);
}

static void test_configmap_hints(void **state)
{
    struct ebb_channel_ports c = cp("web", 9000, 10, 9099);
    struct ebb_port_assignment cm[] = {
        {.slot = 3, .pod = "web-a", .first = 9030, .last = 9039},
        {.slot = 5, .pod = "web-b", .first = 9051, .last = 9060}, /* not a slot: ignored */
        {.slot = 1, .pod = "web-c", .first = 9010, .last = 9019}, /* taken: ignored */
        {.slot = 2, .pod = NULL, .first = 9020, .last = 9029},
        {.slot = 9, .pod = "gone", .first = 9090, .last = 9099},
    };
    struct ebb_ports_policy pols[] = {pol("ns", "web", 1, EBB_PORTS_DEPLOYMENT, 10, &c)};
    pols[0].published = cm;
    pols[0].n_published = N(cm);
    struct ebb_ports_pod pods[] = {
        pod("web-a", 3, 0, -1),
        pod("web-b", 2, 0, -1),
        pod("web-c", 4, 0, -1),
        held(pod("web-z", 1, 0, -1), 9010, 9019),
    };
    struct ebb_ports_result r;
    (void)state;

    run(pols, 1, pods, N(pods), &r);
    expect_range(&r.pods[0], EBB_PORTS_POD_NEW, 3, 9030, 9039);
    assert_true(r.pods[0].from_configmap);
    expect_range(&r.pods[1], EBB_PORTS_POD_NEW, 0, 9000, 9009);
    assert_false(r.pods[1].from_configmap);
    expect_range(&r.pods[2], EBB_PORTS_POD_NEW, 2, 9020, 9029);
    expect_range(&r.pods[3], EBB_PORTS_POD_KEPT, 1, 9010, 9019);
    assert_int_equal(r.policies[0].capacity, 10);
    ebb_ports_result_release(&r);
}

static void test_overlap_and_orphans(void **state)
{
    struct ebb_channel_ports c = cp("web", 9000, 10, 9049);
    struct ebb_ports_policy pols[] = {pol("ns", "web", 1, EBB_PORTS_DEPLOYMENT, 5, &c)};
    struct ebb_ports_pod pods[] = {
        held(pod("web-late", 5, 0, -1), 9005, 9014), /* a human wrote this one */
        held(pod("web-early", 1, 0, -1), 9000, 9009),
        held(pod("orphan", 2, EBB_PORTS_NO_POLICY, -1), 9020, 9029),
        pod("web-new", 6, 0, -1),
        pod("stray", 7, EBB_PORTS_NO_POLICY, -1),
    };
    struct ebb_ports_result r;
    (void)state;

    run(pols, 1, pods, N(pods), &r);
    assert_int_equal(r.pods[0].state, EBB_PORTS_POD_KEPT);
    assert_int_equal(r.pods[0].why, EBB_PORTS_WHY_OVERLAP);
    assert_int_equal(r.pods[0].other, 1);
    assert_int_equal(r.pods[1].why, EBB_PORTS_WHY_OK);
    expect_range(&r.pods[2], EBB_PORTS_POD_KEPT, -1, 9020, 9029);
    expect_range(&r.pods[3], EBB_PORTS_POD_NEW, 3, 9030, 9039);
    assert_int_equal(r.pods[4].state, EBB_PORTS_POD_NONE);
    assert_int_equal(r.pods[4].why, EBB_PORTS_WHY_NO_POLICY);
    assert_int_equal(r.policies[0].held, 3);
    assert_int_equal(r.policies[0].capacity, 4);
    ebb_ports_result_release(&r);
}

static void test_policies_without_ports(void **state)
{
    struct ebb_channel_ports bad = cp("bad", 9000, 100, 9050);
    struct ebb_channel_ports nopool = cp("", 9000, 10, 9050);
    struct ebb_channel_ports unset = cp("x", 1, 1, 1);
    unset.set = false;
    struct ebb_ports_policy pols[] = {
        pol("ns", "none", 1, EBB_PORTS_DEPLOYMENT, 5, NULL),
        pol("ns", "bad", 1, EBB_PORTS_DEPLOYMENT, 5, &bad),
        pol("ns", "unset", 1, EBB_PORTS_DEPLOYMENT, 5, &unset),
        pol("ns", "nopool", 1, EBB_PORTS_DEPLOYMENT, 5, &nopool),
    };
    struct ebb_ports_pod pods[] = {pod("n-1", 1, 0, -1), pod("b-1", 1, 1, -1),
                                   held(pod("b-2", 1, 1, -1), 9000, 9099)};
    struct ebb_ports_result r;
    (void)state;

    run(pols, N(pols), pods, N(pods), &r);
    assert_int_equal(r.policies[0].state, EBB_PORTS_POLICY_NONE);
    assert_int_equal(r.policies[0].capacity, EBB_UNSET);
    assert_int_equal(r.policies[2].state, EBB_PORTS_POLICY_NONE);
    assert_int_equal(r.policies[1].state, EBB_PORTS_POLICY_INVALID);
    assert_int_equal(r.policies[3].state, EBB_PORTS_POLICY_INVALID);
    assert_non_null(strstr(r.policies[1].message, "invalid"));
    assert_int_equal(r.policies[1].capacity, 1);
    assert_int_equal(r.pods[0].why, EBB_PORTS_WHY_NO_POLICY);
    assert_int_equal(r.pods[1].why, EBB_PORTS_WHY_POLICY_INVALID);
    assert_int_equal(r.pods[2].state, EBB_PORTS_POD_KEPT);
    ebb_ports_result_release(&r);

    /* A pod naming a policy that is not there is the caller's bug. */
    struct ebb_ports_pod wrong[] = {pod("w", 1, 7, -1)};
    struct ebb_ports_input in = {pols, N(pols), wrong, 1};
    r.n_pods = 99;
    assert_int_equal(ebb_ports_assign(&in, &r), EBB_ERR_INVALID);
    assert_null(r.pods);
    assert_int_equal(r.n_pods, 0);
    /* Nothing at all is fine. */
    in = (struct ebb_ports_input){NULL, 0, NULL, 0};
    assert_int_equal(ebb_ports_assign(&in, &r), EBB_OK);
    ebb_ports_result_release(&r);
}

static void test_input_order_does_not_matter(void **state)
{
    struct ebb_channel_ports c1 = cp("p", 1000, 5, 1099), c2 = cp("q", 2000, 5, 2049);
    struct ebb_ports_policy pols[3] = {pol("a", "one", 1, EBB_PORTS_DEPLOYMENT, 20, &c1),
                                       pol("b", "two", 2, EBB_PORTS_DEPLOYMENT, 20, &c1),
                                       pol("c", "three", 3, EBB_PORTS_STATEFULSET, 10, &c2)};
    char names[24][8];
    struct ebb_ports_pod pods[24];
    for (size_t i = 0; i < 24; i++) {
        snprintf(names[i], sizeof(names[i]), "p-%zu", i);
        pods[i] = pod(names[i], (int64_t)(i % 5), i % 3, (int32_t)(i / 3));
        if (i % 7 == 0)
            pods[i] =
                held(pods[i], 1000 + 5 * (int32_t)(i / 7 + 10), 1004 + 5 * (int32_t)(i / 7 + 10));
    }
    struct ebb_ports_result r, s;
    (void)state;

    run(pols, 3, pods, 24, &r);
    /* reverse both arrays, remapping the policy indices */
    struct ebb_ports_policy rp[3] = {pols[2], pols[1], pols[0]};
    struct ebb_ports_pod rd[24];
    for (size_t i = 0; i < 24; i++) {
        rd[i] = pods[23 - i];
        rd[i].policy = 2 - rd[i].policy;
    }
    run(rp, 3, rd, 24, &s);
    for (size_t i = 0; i < 24; i++) {
        const struct ebb_ports_pod_result *a = &r.pods[i], *b = &s.pods[23 - i];
        assert_int_equal(a->state, b->state);
        assert_int_equal(a->first, b->first);
        assert_int_equal(a->last, b->last);
        assert_int_equal(a->slot, b->slot);
    }
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(r.policies[i].capacity, s.policies[2 - i].capacity);
    ebb_ports_result_release(&r);
    ebb_ports_result_release(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_range),
        cmocka_unit_test(test_format_range),
        cmocka_unit_test(test_ordinal),
        cmocka_unit_test(test_phase_and_slots),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_statefulset_ordinals),
        cmocka_unit_test(test_statefulset_waits),
        cmocka_unit_test(test_deployment_lowest_free),
        cmocka_unit_test(test_shared_pool_across_namespaces),
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_policy_edit_keeps_ranges),
        cmocka_unit_test(test_configmap_hints),
        cmocka_unit_test(test_overlap_and_orphans),
        cmocka_unit_test(test_policies_without_ports),
        cmocka_unit_test(test_input_order_does_not_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
