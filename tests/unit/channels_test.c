/* channels_test.c -- channel port ranges in the controller: the pod fields
 * and ranges.yaml of pkg/kube/objects.c, and pkg/controller/channels.c
 * (the allocator's input built from stores, and one policy's plan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../pkg/base/strbuf.h"
#include "../../pkg/controller/controller_internal.h"
#include "../../pkg/kube/objects.h"

/* ---- helpers ---- */

static void *decode(ebb_kube_decode_fn *fn, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    void *obj = NULL;
    size_t bytes = 0;
    char err[256];
    assert_non_null(o);
    enum ebb_rc rc = fn(o, &obj, &bytes, err, sizeof(err));
    if (rc != EBB_OK)
        fail_msg("decode %s: %s", json, err);
    cJSON_Delete(o);
    return obj;
}

static void put(struct ebb_cache *c, void *obj, const char *ns, const char *name)
{
    char key[256];
    assert_int_equal(ebb_cache_key(ns, name, key, sizeof(key)), EBB_OK);
    assert_int_equal(ebb_cache_put(c, key, NULL, obj, 1, NULL), EBB_OK);
}

/* A policy's JSON: ns/name created at `created`, targeting kind/target. */
static void add_policy(struct ebb_cache *c, const char *ns, const char *name, const char *created,
                       const char *kind, const char *target, int max, const char *ports)
{
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicy\",\"metadata\":"
             "{\"name\":\"%s\",\"namespace\":\"%s\",\"uid\":\"u-%s\",\"creationTimestamp\":\"%s\"},"
             "\"spec\":{\"targetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":\"%s\",\"name\":\"%s\"},"
             "\"minReplicas\":1,\"maxReplicas\":%d%s%s}}",
             name, ns, name, created, kind, target, max, ports ? ",\"channelPorts\":" : "",
             ports ? ports : "");
    put(c, decode(ebb_kube_decode_policy, json), ns, name);
}

static void add_pod(struct ebb_cache *c, const char *ns, const char *name, const char *created,
                    const char *range, const char *extra_labels)
{
    char json[1024];
    char ann[128] = "";
    if (range)
        snprintf(ann, sizeof(ann), ",\"annotations\":{\"ebb.dev/channel-ports\":\"%s\"}", range);
    snprintf(json, sizeof(json),
             "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"resourceVersion\":\"7\","
             "\"creationTimestamp\":\"%s\",\"labels\":{\"app\":\"x\"%s}%s},"
             "\"status\":{\"phase\":\"Running\"}}",
             name, ns, created, extra_labels ? extra_labels : "", ann);
    put(c, decode(ebb_kube_decode_pod, json), ns, name);
}

/* pods_of over a table: key -> store; a NULL store is "not synced". */
struct fake_pods {
    const char *keys[4];
    struct ebb_cache *stores[4];
    size_t n;
};

static enum ebb_rc fake_pods_of(void *ctx, const char *key, ctl_chan_add_fn *add, void *actx)
{
    const struct fake_pods *f = ctx;
    for (size_t i = 0; i < f->n; i++) {
        if (key != NULL && strcmp(f->keys[i], key) != 0)
            continue; /* NULL: every pod (the view keeps those with a range) */
        if (f->stores[i] == NULL)
            return EBB_ERR_NOTFOUND;
        size_t pos = 0;
        const char *k, *rv;
        void *obj;
        while (ebb_cache_next(f->stores[i], &pos, &k, &rv, &obj)) {
            enum ebb_rc rc = add(actx, obj);
            if (rc != EBB_OK)
                return rc;
        }
        if (key != NULL)
            return EBB_OK;
    }
    return EBB_OK; /* no (more) pods */
}

/* ---- pod decode ---- */

static void test_pod_range(void **state)
{
    (void)state;
    static const struct {
        const char *ann; /* NULL: absent */
        bool has, bad;
        int32_t first, last;
    } cases[] = {
        {NULL, false, false, 0, 0},
        {"7800-7899", true, false, 7800, 7899},
        {"1-1", true, false, 1, 1},
        {"65535-65535", true, false, 65535, 65535},
        {"", false, true, 0, 0},
        {"0-5", false, true, 0, 0},
        {"9-3", false, true, 0, 0},
        {"1-65536", false, true, 0, 0},
        {"7800 - 7899", false, true, 0, 0},
        {"+1-2", false, true, 0, 0},
        {"7800-7899x", false, true, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_cache c;
        ebb_cache_init(&c, ebb_kube_object_free);
        add_pod(&c, "ns", "p", "2026-01-02T03:04:05Z", cases[i].ann, NULL);
        const struct ebb_kube_pod *p = ebb_cache_get(&c, "ns/p", NULL);
        assert_non_null(p);
        if (p->has_range != cases[i].has || p->range_bad != cases[i].bad)
            fail_msg("case %zu (%s): has %d bad %d", i, cases[i].ann ? cases[i].ann : "absent",
                     p->has_range, p->range_bad);
        if (cases[i].has) {
            assert_int_equal(p->range_first, cases[i].first);
            assert_int_equal(p->range_last, cases[i].last);
        }
        assert_true(p->created_ms == 1767323045000LL);
        ebb_cache_release(&c);
    }
}

/* ---- ranges.yaml ---- */

static void test_ranges_yaml(void **state)
{
    (void)state;
    struct ebb_port_assignment a[] = {
        {1, "flow8-1", 7800, 7899}, {2, "flow8-2", 7900, 7999}, {-1, "123", 100, 109}};
    static const struct {
        size_t n;
        const char *want;
    } cases[] = {
        {0, "[]\n"},
        {1, "- replica: 1\n  pod: flow8-1\n  range: \"7800-7899\"\n"},
        {3, "- replica: 1\n  pod: flow8-1\n  range: \"7800-7899\"\n- replica: 2\n  pod: flow8-2\n"
            "  range: \"7900-7999\"\n- replica: -1\n  pod: \"123\"\n  range: \"100-109\"\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_strbuf sb = EBB_STRBUF_INIT;
        assert_int_equal(ebb_kube_ranges_yaml(a, cases[i].n, &sb), EBB_OK);
        assert_string_equal(sb.buf, cases[i].want);
        /* ... and it reads back as written. */
        cJSON *cm = cJSON_CreateObject();
        cJSON *md = cJSON_AddObjectToObject(cm, "metadata");
        cJSON_AddStringToObject(md, "name", "flow8-channel-ranges");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(cm, "data"), "ranges.yaml", sb.buf);
        char *text = cJSON_PrintUnformatted(cm);
        struct ebb_kube_ranges_cm *r = decode(ebb_kube_decode_ranges_cm, text);
        assert_null(r->ranges_error);
        assert_int_equal(r->n_ranges, cases[i].n);
        for (size_t k = 0; k < cases[i].n; k++) {
            assert_int_equal(r->ranges[k].slot, a[k].slot);
            assert_string_equal(r->ranges[k].pod, a[k].pod);
            assert_int_equal(r->ranges[k].first, a[k].first);
            assert_int_equal(r->ranges[k].last, a[k].last);
        }
        ebb_kube_object_free(r);
        cJSON_free(text);
        cJSON_Delete(cm);
        ebb_strbuf_release(&sb);
    }
}

static void test_ranges_yaml_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"metadata\":{\"name\":\"c\"},\"data\":{\"ranges.yaml\":\"a: [\"}}",
        "{\"metadata\":{\"name\":\"c\"},\"data\":{\"ranges.yaml\":\"a: b\"}}",
        "{\"metadata\":{\"name\":\"c\"},\"data\":{\"ranges.yaml\":\"- replica: x\\n  pod: p\\n  "
        "range: '1-2'\"}}",
        "{\"metadata\":{\"name\":\"c\"},\"data\":{\"ranges.yaml\":\"- replica: 1\\n  pod: p\\n  "
        "range: '2-1'\"}}",
        "{\"metadata\":{\"name\":\"c\"},\"data\":{\"ranges.yaml\":\"- replica: 1\\n  range: "
        "'1-2'\"}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ebb_kube_ranges_cm *r = decode(ebb_kube_decode_ranges_cm, bad[i]);
        if (r->ranges_error == NULL)
            fail_msg("case %zu: no error", i);
        assert_int_equal(r->n_ranges, 0);
        ebb_kube_object_free(r);
    }
    /* No ranges.yaml at all: no error, nothing published. */
    struct ebb_kube_ranges_cm *r =
        decode(ebb_kube_decode_ranges_cm, "{\"metadata\":{\"name\":\"c\"}}");
    assert_null(r->ranges_error);
    assert_int_equal(r->n_ranges, 0);
    ebb_kube_object_free(r);
}

/* ---- view + plan ---- */

#define FLOW8 "{\"pool\":\"flow8\",\"base\":7700,\"rangeSize\":100,\"limit\":8699}"

struct world {
    struct ebb_cache policies, ranges, pods_a, pods_b;
    struct fake_pods f;
};

static void world_init(struct world *w)
{
    ebb_cache_init(&w->policies, ebb_kube_policy_free);
    ebb_cache_init(&w->ranges, ebb_kube_object_free);
    ebb_cache_init(&w->pods_a, ebb_kube_object_free);
    ebb_cache_init(&w->pods_b, ebb_kube_object_free);
    memset(&w->f, 0, sizeof(w->f));
}

static void world_release(struct world *w)
{
    ebb_cache_release(&w->policies);
    ebb_cache_release(&w->ranges);
    ebb_cache_release(&w->pods_a);
    ebb_cache_release(&w->pods_b);
}

/* Builds, assigns and plans key; the plan goes to out. */
static enum ebb_rc plan_of(struct world *w, const char *key, struct ctl_chan_plan *out,
                           char *wait_for, size_t wsz)
{
    struct ctl_chan_view v;
    struct ebb_ports_result r;
    enum ebb_rc rc =
        ctl_chan_view_build(&v, &w->policies, &w->ranges, fake_pods_of, &w->f, wait_for, wsz);
    if (rc != EBB_OK)
        return rc;
    size_t self = ctl_chan_view_find(&v, key);
    assert_true(self != SIZE_MAX);
    assert_int_equal(ebb_ports_assign(&v.in, &r), EBB_OK);
    rc = ctl_chan_plan_make(&v, &r, self, out);
    ebb_ports_result_release(&r);
    ctl_chan_view_release(&v);
    return rc;
}

static void test_plan_statefulset(void **state)
{
    (void)state;
    struct world w;
    struct ctl_chan_plan p;
    world_init(&w);
    add_policy(&w.policies, "flow8", "flow8", "2026-01-01T00:00:00Z", "StatefulSet", "flow8", 10,
               FLOW8);
    /* flow8-1 already holds its slot; flow8-0 and flow8-2 are new. */
    add_pod(&w.pods_a, "flow8", "flow8-0", "2026-01-01T00:00:01Z", NULL,
            ",\"apps.kubernetes.io/pod-index\":\"0\"");
    add_pod(&w.pods_a, "flow8", "flow8-1", "2026-01-01T00:00:02Z", "7800-7899", NULL);
    add_pod(&w.pods_a, "flow8", "flow8-2", "2026-01-01T00:00:03Z", NULL, NULL);
    w.f = (struct fake_pods){{"flow8/flow8"}, {&w.pods_a}, 1};
    assert_int_equal(plan_of(&w, "flow8/flow8", &p, NULL, 0), EBB_OK);
    assert_int_equal(p.state, EBB_PORTS_POLICY_OK);
    assert_int_equal(p.n_patches, 2);
    assert_string_equal(p.patches[0].pod, "flow8-0");
    assert_int_equal(p.patches[0].first, 7700);
    assert_string_equal(p.patches[0].resource_version, "7");
    assert_string_equal(p.patches[1].pod, "flow8-2");
    assert_int_equal(p.patches[1].first, 7900);
    assert_int_equal(p.n_held, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(p.held[i].slot, i);
        assert_int_equal(p.held[i].first, 7700 + 100 * i);
        assert_int_equal(p.held[i].last, 7799 + 100 * i);
    }
    assert_int_equal(p.capacity, 10);
    assert_int_equal(p.n_share, 0);
    ctl_chan_plan_release(&p);
    world_release(&w);
}

static void test_plan_deployment_lowest_free(void **state)
{
    (void)state;
    static const struct {
        const char *held[3]; /* ranges the three pods already carry (NULL: none) */
        const char *bad;     /* a malformed annotation on pod c, or NULL */
        int32_t want_first[3];
        size_t want_patches, want_bad;
    } cases[] = {
        {{NULL, NULL, NULL}, NULL, {100, 110, 120}, 3, 0},
        {{NULL, "100-109", NULL}, NULL, {110, 100, 120}, 2, 0},
        {{"130-139", NULL, NULL}, NULL, {130, 100, 110}, 2, 0},
        {{"130-139", NULL, NULL}, "x", {130, 100, -1}, 1, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct world w;
        struct ctl_chan_plan p;
        world_init(&w);
        add_policy(&w.policies, "ns", "web", "2026-01-01T00:00:00Z", "Deployment", "web", 5,
                   "{\"pool\":\"web\",\"base\":100,\"rangeSize\":10,\"limit\":149}");
        const char *names[3] = {"web-a", "web-b", "web-c"};
        for (int k = 0; k < 3; k++) {
            char created[32];
            snprintf(created, sizeof(created), "2026-01-01T00:00:0%dZ", k + 1);
            add_pod(&w.pods_a, "ns", names[k], created,
                    k == 2 && cases[i].bad ? cases[i].bad : cases[i].held[k], NULL);
        }
        w.f = (struct fake_pods){{"ns/web"}, {&w.pods_a}, 1};
        assert_int_equal(plan_of(&w, "ns/web", &p, NULL, 0), EBB_OK);
        if (p.n_patches != cases[i].want_patches || p.n_bad != cases[i].want_bad)
            fail_msg("case %zu: %zu patches %zu bad", i, p.n_patches, p.n_bad);
        for (int k = 0; k < 3; k++) {
            int32_t got = -1;
            for (size_t h = 0; h < p.n_held; h++)
                if (strcmp(p.held[h].pod, names[k]) == 0)
                    got = p.held[h].first;
            if (got != cases[i].want_first[k])
                fail_msg("case %zu: %s holds %d, want %d", i, names[k], got,
                         cases[i].want_first[k]);
        }
        for (size_t h = 1; h < p.n_held; h++)
            assert_true(p.held[h - 1].slot < p.held[h].slot);
        ctl_chan_plan_release(&p);
        world_release(&w);
    }
}

/* A pod of a deleted policy still carries its range: the pool's other
 * policies never hand out a slot it intersects, until it is gone. */
static void test_orphan_range_blocks_its_slot(void **state)
{
    (void)state;
    struct world w;
    struct ctl_chan_plan p;
    world_init(&w);
    add_policy(&w.policies, "ns", "web", "2026-01-01T00:00:00Z", "Deployment", "web", 5,
               "{\"pool\":\"web\",\"base\":100,\"rangeSize\":10,\"limit\":149}");
    add_pod(&w.pods_a, "ns", "web-a", "2026-01-01T00:00:01Z", NULL, NULL);
    add_pod(&w.pods_a, "ns", "web-b", "2026-01-01T00:00:02Z", NULL, NULL);
    add_pod(&w.pods_b, "ns", "old-a", "2025-12-01T00:00:00Z", "100-109", NULL); /* policy gone */
    add_pod(&w.pods_b, "ns", "old-b", "2025-12-01T00:00:00Z", NULL, NULL); /* no range: nothing */
    w.f = (struct fake_pods){{"ns/web", "ns/old"}, {&w.pods_a, &w.pods_b}, 2};
    assert_int_equal(plan_of(&w, "ns/web", &p, NULL, 0), EBB_OK);
    assert_int_equal(p.n_held, 2);
    for (size_t h = 0; h < p.n_held; h++) {
        assert_true(strcmp(p.held[h].pod, "web-a") == 0 || strcmp(p.held[h].pod, "web-b") == 0);
        assert_true(p.held[h].first == 110 || p.held[h].first == 120);
    }
    ctl_chan_plan_release(&p);
    /* not listed yet: the assignment waits rather than guess */
    w.f.stores[1] = NULL;
    char wait_for[128];
    assert_int_equal(plan_of(&w, "ns/web", &p, wait_for, sizeof(wait_for)), EBB_ERR_NOTFOUND);
    world_release(&w);
}

static void test_plan_conflict_and_share(void **state)
{
    (void)state;
    struct world w;
    struct ctl_chan_plan p;
    world_init(&w);
    add_policy(&w.policies, "flow8", "flow8", "2026-01-01T00:00:00Z", "StatefulSet", "flow8", 10,
               FLOW8);
    /* Later, another pool name over flow8's ports. */
    add_policy(&w.policies, "b", "clash", "2026-01-02T00:00:00Z", "Deployment", "clash", 2,
               "{\"pool\":\"other\",\"base\":8000,\"rangeSize\":10,\"limit\":8019}");
    /* Later still, the same pool as flow8: shares it. */
    add_policy(&w.policies, "c", "mate", "2026-01-03T00:00:00Z", "Deployment", "mate", 2, FLOW8);
    add_pod(&w.pods_b, "b", "clash-1", "2026-01-02T00:00:01Z", NULL, NULL);
    w.f = (struct fake_pods){{"b/clash"}, {&w.pods_b}, 1};

    assert_int_equal(plan_of(&w, "b/clash", &p, NULL, 0), EBB_OK);
    assert_int_equal(p.state, EBB_PORTS_POLICY_CONFLICT);
    assert_string_equal(p.conflict_with, "flow8/flow8");
    assert_non_null(strstr(p.message, "flow8"));
    assert_int_equal(p.n_patches, 0);
    assert_int_equal(p.n_held, 0);
    assert_int_equal(p.capacity, 0);
    ctl_chan_plan_release(&p);

    assert_int_equal(plan_of(&w, "flow8/flow8", &p, NULL, 0), EBB_OK);
    assert_int_equal(p.state, EBB_PORTS_POLICY_OK);
    assert_int_equal(p.n_share, 1);
    assert_string_equal(p.share[0], "c/mate");
    ctl_chan_plan_release(&p);
    world_release(&w);
}

static void test_view_waits_for_unsynced(void **state)
{
    (void)state;
    struct world w;
    struct ctl_chan_plan p;
    char wait_for[64];
    world_init(&w);
    add_policy(&w.policies, "a", "one", "2026-01-01T00:00:00Z", "Deployment", "one", 2, FLOW8);
    add_policy(&w.policies, "b", "two", "2026-01-02T00:00:00Z", "Deployment", "two", 2, FLOW8);
    add_policy(&w.policies, "c", "none", "2026-01-02T00:00:00Z", "Deployment", "none", 2, NULL);
    w.f = (struct fake_pods){{"a/one", "b/two"}, {&w.pods_a, NULL}, 2};
    assert_int_equal(plan_of(&w, "a/one", &p, wait_for, sizeof(wait_for)), EBB_ERR_NOTFOUND);
    assert_string_equal(wait_for, "b/two");
    w.f.stores[1] = &w.pods_b;
    assert_int_equal(plan_of(&w, "a/one", &p, wait_for, sizeof(wait_for)), EBB_OK);
    assert_string_equal(wait_for, "");
    ctl_chan_plan_release(&p);
    world_release(&w);
}

static void test_published_configmap(void **state)
{
    (void)state;
    /* The operator published web-a's range and stopped before annotating:
     * the ConfigMap's range is the one it gets. */
    struct world w;
    struct ctl_chan_plan p;
    world_init(&w);
    add_policy(&w.policies, "ns", "web", "2026-01-01T00:00:00Z", "Deployment", "web", 5,
               "{\"pool\":\"web\",\"base\":100,\"rangeSize\":10,\"limit\":149}");
    add_pod(&w.pods_a, "ns", "web-a", "2026-01-01T00:00:01Z", NULL, NULL);
    put(&w.ranges,
        decode(ebb_kube_decode_ranges_cm,
               "{\"metadata\":{\"name\":\"web-channel-ranges\",\"namespace\":\"ns\"},\"data\":{"
               "\"ranges.yaml\":\"- replica: 3\\n  pod: web-a\\n  range: \\\"130-139\\\"\\n\"}}"),
        "ns", "web-channel-ranges");
    w.f = (struct fake_pods){{"ns/web"}, {&w.pods_a}, 1};
    assert_int_equal(plan_of(&w, "ns/web", &p, NULL, 0), EBB_OK);
    assert_int_equal(p.n_patches, 1);
    assert_int_equal(p.patches[0].first, 130);
    ctl_chan_plan_release(&p);
    world_release(&w);
}

static void test_differs_freed(void **state)
{
    (void)state;
    struct ebb_port_assignment a[] = {{0, "p0", 1, 9}, {1, "p1", 10, 19}};
    struct ebb_port_assignment b[] = {{0, "p0", 1, 9}, {1, "p2", 10, 19}};
    assert_false(ctl_chan_differs(a, 2, a, 2));
    assert_true(ctl_chan_differs(a, 2, b, 2));
    assert_true(ctl_chan_differs(a, 2, a, 1));
    assert_false(ctl_chan_differs(NULL, 0, NULL, 0));
    assert_true(ctl_chan_freed(a, 2, b, 2)); /* p1 is gone */
    assert_false(ctl_chan_freed(a, 1, b, 2));
    assert_false(ctl_chan_freed(NULL, 0, a, 2));
    assert_true(ctl_chan_freed(a, 2, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_range),
        cmocka_unit_test(test_ranges_yaml),
        cmocka_unit_test(test_ranges_yaml_malformed),
        cmocka_unit_test(test_plan_statefulset),
        cmocka_unit_test(test_plan_deployment_lowest_free),
        cmocka_unit_test(test_orphan_range_blocks_its_slot),
        cmocka_unit_test(test_plan_conflict_and_share),
        cmocka_unit_test(test_view_waits_for_unsynced),
        cmocka_unit_test(test_published_configmap),
        cmocka_unit_test(test_differs_freed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
