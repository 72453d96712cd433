/* kubesim_workload_test.c -- cmd/kubesim/workload*.c and gc.c: Deployments
 * -> ReplicaSets -> Pods, the pod lifecycle on a fake clock, status,
 * scale-down victims, StatefulSet ordinals, garbage collection and
 * namespace deletion. Drives a whole in-process ks_sim through ks.h (the
 * index test also looks at the owner index in workload_internal.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../cmd/kubesim/ks.h"
#include "../../cmd/kubesim/workload_internal.h"

#define T0 1795000000.0 /* 2026-11-18 */

struct env {
    ks_sim s;
    double now;
    const ks_rtype *ns, *pod, *deploy, *rs, *sts, *cm;
};

static void tick_to(struct env *e, double t)
{
    while (e->now + 1e-9 < t) {
        e->now += 0.1;
        e->s.now_real = e->now;
        ks_workload_tick(&e->s, e->now);
    }
}

static void advance(struct env *e, double dt)
{
    tick_to(e, e->now + dt);
}

static cJSON *parse(const char *text)
{
    cJSON *o = cJSON_Parse(text);
    assert_non_null(o);
    return o;
}

static void create(struct env *e, const ks_rtype *rt, const char *json)
{
    cJSON *o = parse(json);
    assert_int_equal(ks_api_create(&e->s, rt, o, "test", NULL), KS_OK);
    cJSON_Delete(o);
}

static struct env *env_new(double startup, double grace)
{
    struct env *e = calloc(1, sizeof(*e));
    struct ks_store_opts so = {0};

    assert_non_null(e);
    e->s.cfg.pod_startup = startup;
    e->s.cfg.pod_grace = grace;
    e->s.cfg.speed = 1;
    e->s.rng[0] = 0x9e3779b97f4a7c15ull;
    e->s.rng[1] = 0xbf58476d1ce4e5b9ull;
    e->s.start_real = e->s.start_sim = e->s.now_real = e->now = T0;
    e->s.reg = ks_registry_new();
    assert_non_null(e->s.reg);
    assert_int_equal(ks_builtins_register(e->s.reg), KS_OK);
    e->s.store = ks_store_new(&so);
    assert_non_null(e->s.store);
    e->ns = ks_registry_find(e->s.reg, "", "v1", "namespaces");
    e->pod = ks_registry_find(e->s.reg, "", "v1", "pods");
    e->cm = ks_registry_find(e->s.reg, "", "v1", "configmaps");
    e->deploy = ks_registry_find(e->s.reg, "apps", "v1", "deployments");
    e->rs = ks_registry_find(e->s.reg, "apps", "v1", "replicasets");
    e->sts = ks_registry_find(e->s.reg, "apps", "v1", "statefulsets");
    assert_true(e->ns && e->pod && e->cm && e->deploy && e->rs && e->sts);
    e->s.work = ks_workload_new(&e->s);
    assert_non_null(e->s.work);
    create(e, e->ns,
           "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"demo\"}}");
    return e;
}

static void env_free(struct env *e)
{
    ks_store_free(e->s.store); /* first: the workload module is subscribed */
    ks_workload_free(e->s.work);
    ks_registry_free(e->s.reg);
    free(e);
}

static void create_deploy(struct env *e, const char *name, int replicas, const char *annotations)
{
    char buf[1200];

    snprintf(buf, sizeof(buf),
             "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"demo\",\"labels\":{\"app\":\"%s\"}%s%s%s},\"spec\":{\"replicas\":%d,"
             "\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},\"template\":{\"metadata\":{"
             "\"labels\":{\"app\":\"%s\"}},\"spec\":{\"containers\":[{\"name\":\"nginx\","
             "\"image\":\"nginx:1.25\"}]}}}}",
             name, name, annotations ? ",\"annotations\":{" : "", annotations ? annotations : "",
             annotations ? "}" : "", replicas, name, name);
    create(e, e->deploy, buf);
}

static void create_sts(struct env *e, const char *name, int replicas, const char *policy)
{
    char buf[1200];

    snprintf(buf, sizeof(buf),
             "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"demo\"},\"spec\":{\"serviceName\":\"%s\",\"replicas\":%d,"
             "\"podManagementPolicy\":\"%s\",\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},"
             "\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\"}},\"spec\":{\"containers\":"
             "[{\"name\":\"pg\",\"image\":\"postgres:16\"}]}}}}",
             name, name, replicas, policy, name, name);
    create(e, e->sts, buf);
}

/* The stored object, parsed (NULL when absent). */
static cJSON *get(struct env *e, const ks_rtype *rt, const char *ns, const char *name)
{
    const ks_obj *o = ks_store_get(e->s.store, rt, ns, name);
    return o ? parse(o->json) : NULL;
}

static bool collect(void *ud, const ks_obj *o)
{
    cJSON_AddItemToArray(ud, parse(o->json));
    return true;
}

/* Every object of a type in ns, sorted by name. */
static cJSON *list(struct env *e, const ks_rtype *rt, const char *ns)
{
    cJSON *arr = cJSON_CreateArray();
    assert_non_null(arr);
    ks_store_each(e->s.store, rt, ns, collect, arr);
    return arr;
}

static int count(struct env *e, const ks_rtype *rt, const char *ns)
{
    cJSON *l = list(e, rt, ns);
    int n = cJSON_GetArraySize(l);
    cJSON_Delete(l);
    return n;
}

static void set_replicas(struct env *e, const ks_rtype *rt, const char *name, int replicas)
{
    cJSON *o = get(e, rt, "demo", name);
    assert_non_null(o);
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItem(o, "spec"), "replicas",
                                           cJSON_CreateNumber(replicas));
    assert_int_equal(ks_api_update(&e->s, rt, o, false, "test", NULL), KS_OK);
    cJSON_Delete(o);
}

static long num(const cJSON *o, const char *path)
{
    const cJSON *v = ks_json_path(o, path);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

static const char *map_str(const cJSON *o, const char *map, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ks_json_path(o, map), key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *cond(const cJSON *o, const char *type, const char *field)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, ks_json_path(o, "status.conditions"))
    {
        const char *t = ks_json_str(c, "type");
        if (t && !strcmp(t, type))
            return ks_json_str(c, field);
    }
    return NULL;
}

static bool in_alphabet(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr("bcdfghjklmnpqrstvwxz2456789", s[i]))
            return false;
    return true;
}

/* The only ReplicaSet in demo (asserted). */
static cJSON *only_rs(struct env *e)
{
    cJSON *l = list(e, e->rs, "demo");
    assert_int_equal(cJSON_GetArraySize(l), 1);
    cJSON *rs = cJSON_DetachItemFromArray(l, 0);
    cJSON_Delete(l);
    return rs;
}

/* ------------------------------------------------------------------ */

static void test_deployment_replicaset_pods(void **state)
{
    (void)state;
    struct env *e = env_new(4, 2);
    create_deploy(e, "web", 3, NULL);
    advance(e, 0.1);

    cJSON *d = get(e, e->deploy, "demo", "web");
    cJSON *rs = only_rs(e);
    const char *rsname = ks_json_str(rs, "metadata.name");
    const char *hash = map_str(rs, "metadata.labels", "pod-template-hash");
    assert_non_null(hash);
    assert_true(strlen(hash) >= 1 && strlen(hash) <= 10 && in_alphabet(hash, strlen(hash)));
    char want[300];
    snprintf(want, sizeof(want), "web-%s", hash);
    assert_string_equal(rsname, want);
    assert_string_equal(map_str(rs, "metadata.labels", "app"), "web");
    assert_string_equal(map_str(rs, "spec.selector.matchLabels", "pod-template-hash"), hash);
    assert_string_equal(map_str(rs, "spec.template.metadata.labels", "pod-template-hash"), hash);
    assert_string_equal(
        map_str(rs, "metadata.annotations", "deployment.kubernetes.io/desired-replicas"), "3");
    assert_string_equal(
        map_str(rs, "metadata.annotations", "deployment.kubernetes.io/max-replicas"), "4");
    assert_string_equal(map_str(rs, "metadata.annotations", "deployment.kubernetes.io/revision"),
                        "1");
    const cJSON *ref = cJSON_GetArrayItem(ks_json_path(rs, "metadata.ownerReferences"), 0);
    assert_string_equal(ks_json_str(ref, "kind"), "Deployment");
    assert_string_equal(ks_json_str(ref, "apiVersion"), "apps/v1");
    assert_string_equal(ks_json_str(ref, "name"), "web");
    assert_string_equal(ks_json_str(ref, "uid"), ks_json_str(d, "metadata.uid"));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(ref, "controller")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(ref, "blockOwnerDeletion")));
    assert_int_equal(num(rs, "spec.replicas"), 3);
    assert_string_equal(map_str(d, "metadata.annotations", "deployment.kubernetes.io/revision"),
                        "1");

    cJSON *pods = list(e, e->pod, "demo"), *p;
    assert_int_equal(cJSON_GetArraySize(pods), 3);
    cJSON_ArrayForEach(p, pods)
    {
        const char *name = ks_json_str(p, "metadata.name");
        size_t n = strlen(rsname);
        assert_int_equal(strncmp(name, rsname, n), 0);
        assert_int_equal(name[n], '-');
        assert_int_equal(strlen(name + n + 1), 5);
        assert_true(in_alphabet(name + n + 1, 5));
        assert_string_equal(map_str(p, "metadata.labels", "app"), "web");
        assert_string_equal(map_str(p, "metadata.labels", "pod-template-hash"), hash);
        const cJSON *pr = cJSON_GetArrayItem(ks_json_path(p, "metadata.ownerReferences"), 0);
        assert_string_equal(ks_json_str(pr, "kind"), "ReplicaSet");
        assert_string_equal(ks_json_str(pr, "name"), rsname);
        assert_string_equal(ks_json_str(pr, "uid"), ks_json_str(rs, "metadata.uid"));
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(pr, "controller")));
    }
    cJSON_Delete(pods);
    cJSON_Delete(rs);
    cJSON_Delete(d);
    env_free(e);
}

static void test_pod_lifecycle_timing(void **state)
{
    (void)state;
    struct env *e = env_new(4, 2);
    create_deploy(e, "web", 2, NULL);
    advance(e, 0.1);
    cJSON *pods = list(e, e->pod, "demo");
    char name[300], other[300];
    snprintf(name, sizeof(name), "%s", ks_json_str(cJSON_GetArrayItem(pods, 0), "metadata.name"));
    snprintf(other, sizeof(other), "%s", ks_json_str(cJSON_GetArrayItem(pods, 1), "metadata.name"));
    cJSON_Delete(pods);

    cJSON *p = get(e, e->pod, "demo", name);
    assert_string_equal(ks_json_str(p, "status.phase"), "Pending");
    assert_null(ks_json_str(p, "spec.nodeName"));
    cJSON_Delete(p);

    advance(e, 0.6); /* scheduled after ~0.5 s */
    p = get(e, e->pod, "demo", name);
    assert_string_equal(ks_json_str(p, "status.phase"), "Pending");
    assert_string_equal(ks_json_str(p, "spec.nodeName"), "kubesim-node");
    assert_string_equal(cond(p, "PodScheduled", "status"), "True");
    assert_non_null(ks_json_str(p, "status.hostIP"));
    const char *ip = ks_json_str(p, "status.podIP");
    assert_non_null(ip);
    assert_int_equal(strncmp(ip, "10.244.", 7), 0);
    cJSON *q = get(e, e->pod, "demo", other);
    assert_string_not_equal(ip, ks_json_str(q, "status.podIP"));
    cJSON_Delete(q);
    cJSON_Delete(p);

    tick_to(e, T0 + 0.1 + 2.05); /* Running at half the delay */
    p = get(e, e->pod, "demo", name);
    assert_string_equal(ks_json_str(p, "status.phase"), "Running");
    assert_string_equal(cond(p, "Ready", "status"), "False");
    assert_string_equal(cond(p, "Ready", "reason"), "ContainersNotReady");
    assert_non_null(ks_json_str(p, "status.startTime"));
    const cJSON *cs = cJSON_GetArrayItem(ks_json_path(p, "status.containerStatuses"), 0);
    assert_string_equal(ks_json_str(cs, "name"), "nginx");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cs, "started")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cs, "ready")));
    assert_non_null(ks_json_str(cs, "state.running.startedAt"));
    cJSON_Delete(p);

    tick_to(e, T0 + 0.1 + 3.9);
    p = get(e, e->pod, "demo", name);
    assert_string_equal(cond(p, "Ready", "status"), "False");
    cJSON_Delete(p);

    tick_to(e, T0 + 0.1 + 4.05); /* Ready at the delay */
    p = get(e, e->pod, "demo", name);
    static const char *order[] = {"Initialized", "Ready", "ContainersReady", "PodScheduled"};
    const cJSON *c;
    int i = 0;
    cJSON_ArrayForEach(c, ks_json_path(p, "status.conditions"))
    {
        assert_true(i < 4);
        assert_string_equal(ks_json_str(c, "type"), order[i++]);
        assert_string_equal(ks_json_str(c, "status"), "True");
        assert_non_null(ks_json_str(c, "lastTransitionTime"));
    }
    assert_int_equal(i, 4);
    cs = cJSON_GetArrayItem(ks_json_path(p, "status.containerStatuses"), 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cs, "ready")));
    cJSON_Delete(p);
    env_free(e);
}

static void test_startup_annotation(void **state)
{
    (void)state;
    struct env *e = env_new(2, 2);
    create_deploy(e, "slow", 1, "\"kubesim.ebb.dev/startup-seconds\":\"10\"");
    advance(e, 5.3);
    cJSON *pods = list(e, e->pod, "demo");
    assert_int_equal(cJSON_GetArraySize(pods), 1);
    assert_string_equal(cond(cJSON_GetArrayItem(pods, 0), "Ready", "status"), "False");
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(pods, 0), "status.phase"), "Running");
    cJSON_Delete(pods);
    advance(e, 4.6);
    pods = list(e, e->pod, "demo");
    assert_string_equal(cond(cJSON_GetArrayItem(pods, 0), "Ready", "status"), "False");
    cJSON_Delete(pods);
    advance(e, 0.3);
    pods = list(e, e->pod, "demo");
    assert_string_equal(cond(cJSON_GetArrayItem(pods, 0), "Ready", "status"), "True");
    cJSON_Delete(pods);
    env_free(e);
}

static void test_status_fields(void **state)
{
    (void)state;
    struct env *e = env_new(2, 2);
    create_deploy(e, "web", 3, NULL);
    advance(e, 0.3);
    cJSON *d = get(e, e->deploy, "demo", "web");
    assert_true(num(d, "status.observedGeneration") >= 1);
    assert_int_equal(num(d, "status.observedGeneration"), num(d, "metadata.generation"));
    assert_int_equal(num(d, "status.replicas"), 3);
    assert_int_equal(num(d, "status.updatedReplicas"), 3);
    assert_int_equal(num(d, "status.unavailableReplicas"), 3);
    assert_null(ks_json_path(d, "status.readyReplicas"));
    assert_null(ks_json_path(d, "status.availableReplicas"));
    assert_string_equal(cond(d, "Available", "status"), "False");
    assert_string_equal(cond(d, "Available", "reason"), "MinimumReplicasUnavailable");
    assert_string_equal(cond(d, "Available", "message"),
                        "Deployment does not have minimum availability.");
    assert_string_equal(cond(d, "Progressing", "status"), "True");
    assert_string_equal(cond(d, "Progressing", "reason"), "ReplicaSetUpdated");
    assert_string_equal(
        ks_json_str(cJSON_GetArrayItem(ks_json_path(d, "status.conditions"), 0), "type"),
        "Available");
    cJSON_Delete(d);

    advance(e, 2.5);
    d = get(e, e->deploy, "demo", "web");
    cJSON *rs = only_rs(e);
    assert_int_equal(num(rs, "status.replicas"), 3);
    assert_int_equal(num(rs, "status.fullyLabeledReplicas"), 3);
    assert_int_equal(num(rs, "status.readyReplicas"), 3);
    assert_int_equal(num(rs, "status.availableReplicas"), 3);
    assert_int_equal(num(rs, "status.observedGeneration"), 1);
    assert_int_equal(num(d, "status.readyReplicas"), 3);
    assert_int_equal(num(d, "status.availableReplicas"), 3);
    assert_null(ks_json_path(d, "status.unavailableReplicas"));
    assert_string_equal(cond(d, "Available", "status"), "True");
    assert_string_equal(cond(d, "Available", "reason"), "MinimumReplicasAvailable");
    assert_string_equal(cond(d, "Progressing", "reason"), "NewReplicaSetAvailable");
    char msg[300];
    snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.",
             ks_json_str(rs, "metadata.name"));
    assert_string_equal(cond(d, "Progressing", "message"), msg);
    /* Nothing changes: no more writes. */
    uint64_t rv = ks_store_rv(e->s.store);
    advance(e, 3);
    assert_true(ks_store_rv(e->s.store) == rv);
    cJSON_Delete(rs);
    cJSON_Delete(d);
    env_free(e);
}

static void test_template_change_rolls_out(void **state)
{
    (void)state;
    struct env *e = env_new(1, 1);
    create_deploy(e, "web", 2, NULL);
    advance(e, 2);
    cJSON *d = get(e, e->deploy, "demo", "web");
    cJSON *c0 = cJSON_GetArrayItem(ks_json_path(d, "spec.template.spec.containers"), 0);
    cJSON_ReplaceItemInObjectCaseSensitive(c0, "image", cJSON_CreateString("nginx:1.26"));
    assert_int_equal(ks_api_update(&e->s, e->deploy, d, false, "test", NULL), KS_OK);
    cJSON_Delete(d);
    advance(e, 4);
    cJSON *l = list(e, e->rs, "demo"), *rs;
    assert_int_equal(cJSON_GetArraySize(l), 2);
    int seen_new = 0;
    cJSON_ArrayForEach(rs, l)
    {
        const char *rev = map_str(rs, "metadata.annotations", "deployment.kubernetes.io/revision");
        if (!strcmp(rev, "2")) {
            seen_new++;
            assert_int_equal(num(rs, "spec.replicas"), 2);
            assert_int_equal(num(rs, "status.readyReplicas"), 2);
        } else {
            assert_string_equal(rev, "1");
            assert_int_equal(num(rs, "spec.replicas"), 0);
        }
    }
    assert_int_equal(seen_new, 1);
    cJSON_Delete(l);
    assert_int_equal(count(e, e->pod, "demo"), 2);
    d = get(e, e->deploy, "demo", "web");
    assert_string_equal(map_str(d, "metadata.annotations", "deployment.kubernetes.io/revision"),
                        "2");
    cJSON_Delete(d);
    env_free(e);
}

static void set_cost(struct env *e, const char *pod, const char *cost)
{
    cJSON *p = get(e, e->pod, "demo", pod);
    cJSON *meta = cJSON_GetObjectItem(p, "metadata");
    cJSON *ann = cJSON_GetObjectItem(meta, "annotations");
    if (!ann)
        ann = cJSON_AddObjectToObject(meta, "annotations");
    cJSON_DeleteItemFromObject(ann, "controller.kubernetes.io/pod-deletion-cost");
    cJSON_AddStringToObject(ann, "controller.kubernetes.io/pod-deletion-cost", cost);
    assert_int_equal(ks_api_update(&e->s, e->pod, p, false, "test", NULL), KS_OK);
    cJSON_Delete(p);
}

static bool deleting(struct env *e, const char *pod)
{
    cJSON *p = get(e, e->pod, "demo", pod);
    bool d = !p || ks_json_path(p, "metadata.deletionTimestamp");
    cJSON_Delete(p);
    return d;
}

/* Names of the live pods (no deletionTimestamp) by age, oldest first. */
static int live_pods(struct env *e, char names[][300], int max)
{
    cJSON *l = list(e, e->pod, "demo"), *p;
    int n = 0;
    double seen[16];
    cJSON_ArrayForEach(p, l)
    {
        if (ks_json_path(p, "metadata.deletionTimestamp") || n == max)
            continue;
        const char *ts = ks_json_str(p, "metadata.creationTimestamp");
        double t = ts ? (double)(ts[17] - '0') * 10 + (ts[18] - '0') + (ts[15] - '0') * 60 : 0;
        int i = n++;
        while (i > 0 && seen[i - 1] > t) {
            seen[i] = seen[i - 1];
            memcpy(names[i], names[i - 1], 300);
            i--;
        }
        seen[i] = t;
        snprintf(names[i], 300, "%s", ks_json_str(p, "metadata.name"));
    }
    cJSON_Delete(l);
    return n;
}

static void test_scale_down_victims(void **state)
{
    (void)state;
    struct env *e = env_new(1, 2);
    char names[8][300];

    /* Three ready pods created 2 s apart: p0 oldest, p2 newest. */
    create_deploy(e, "web", 1, NULL);
    advance(e, 2);
    set_replicas(e, e->deploy, "web", 2);
    advance(e, 2);
    set_replicas(e, e->deploy, "web", 3);
    advance(e, 2);
    assert_int_equal(live_pods(e, names, 8), 3);
    char p0[300], p1[300], p2[300];
    memcpy(p0, names[0], 300);
    memcpy(p1, names[1], 300);
    memcpy(p2, names[2], 300);
    /* The newest is protected by a higher deletion cost. */
    set_cost(e, p2, "100");
    set_replicas(e, e->deploy, "web", 1);
    advance(e, 0.2);
    assert_true(deleting(e, p0));
    assert_true(deleting(e, p1));
    assert_false(deleting(e, p2));
    /* Deleted pods turn not ready at once and are gone after the grace. */
    cJSON *p = get(e, e->pod, "demo", p1);
    assert_string_equal(cond(p, "Ready", "status"), "False");
    cJSON_Delete(p);
    advance(e, 2.5);
    assert_int_equal(count(e, e->pod, "demo"), 1);

    /* Not-ready (unscheduled) before ready; among those, the newest. */
    set_replicas(e, e->deploy, "web", 2);
    advance(e, 0.2);
    set_replicas(e, e->deploy, "web", 3);
    advance(e, 0.1);
    assert_int_equal(live_pods(e, names, 8), 3);
    set_replicas(e, e->deploy, "web", 1);
    advance(e, 0.2);
    assert_false(deleting(e, p2));
    assert_int_equal(live_pods(e, names, 8), 1);
    assert_string_equal(names[0], p2);

    /* Readiness outranks the deletion cost, as in the ReplicaSet
     * controller: a running but not-ready pod with cost 1000 goes before
     * a ready one with cost -5. */
    set_cost(e, p2, "-5");
    set_replicas(e, e->deploy, "web", 2);
    advance(e, 0.7); /* startup 1 s: running from 0.5 s, ready at 1 s */
    assert_int_equal(live_pods(e, names, 8), 2);
    char fresh[300];
    memcpy(fresh, strcmp(names[0], p2) == 0 ? names[1] : names[0], 300);
    p = get(e, e->pod, "demo", fresh);
    assert_string_equal(ks_json_str(p, "status.phase"), "Running");
    assert_string_equal(cond(p, "Ready", "status"), "False");
    cJSON_Delete(p);
    set_cost(e, fresh, "1000");
    set_replicas(e, e->deploy, "web", 1);
    advance(e, 0.1);
    assert_true(deleting(e, fresh));
    assert_false(deleting(e, p2));
    env_free(e);
}

static void test_statefulset_ordered(void **state)
{
    (void)state;
    struct env *e = env_new(2, 1);
    create_sts(e, "db", 3, "OrderedReady");
    advance(e, 0.1);
    assert_int_equal(count(e, e->pod, "demo"), 1);
    cJSON *p = get(e, e->pod, "demo", "db-0");
    assert_non_null(p);
    assert_string_equal(map_str(p, "metadata.labels", "apps.kubernetes.io/pod-index"), "0");
    assert_string_equal(map_str(p, "metadata.labels", "statefulset.kubernetes.io/pod-name"),
                        "db-0");
    const char *rev = map_str(p, "metadata.labels", "controller-revision-hash");
    assert_non_null(rev);
    assert_int_equal(strncmp(rev, "db-", 3), 0);
    assert_string_equal(ks_json_str(p, "spec.hostname"), "db-0");
    assert_string_equal(ks_json_str(p, "spec.subdomain"), "db");
    const cJSON *ref = cJSON_GetArrayItem(ks_json_path(p, "metadata.ownerReferences"), 0);
    assert_string_equal(ks_json_str(ref, "kind"), "StatefulSet");
    char revision[300];
    snprintf(revision, sizeof(revision), "%s", rev);
    cJSON_Delete(p);

    advance(e, 1.5); /* db-0 not ready yet: no db-1 */
    assert_null(ks_store_get(e->s.store, e->pod, "demo", "db-1"));
    advance(e, 0.6); /* db-0 ready at 2 s -> db-1 */
    assert_non_null(ks_store_get(e->s.store, e->pod, "demo", "db-1"));
    assert_null(ks_store_get(e->s.store, e->pod, "demo", "db-2"));
    advance(e, 5);
    assert_int_equal(count(e, e->pod, "demo"), 3);

    cJSON *s = get(e, e->sts, "demo", "db");
    assert_int_equal(num(s, "status.observedGeneration"), 1);
    assert_int_equal(num(s, "status.replicas"), 3);
    assert_int_equal(num(s, "status.readyReplicas"), 3);
    assert_int_equal(num(s, "status.currentReplicas"), 3);
    assert_int_equal(num(s, "status.updatedReplicas"), 3);
    assert_int_equal(num(s, "status.availableReplicas"), 3);
    assert_int_equal(num(s, "status.collisionCount"), 0);
    assert_string_equal(ks_json_str(s, "status.currentRevision"), revision);
    assert_string_equal(ks_json_str(s, "status.updateRevision"), revision);
    cJSON_Delete(s);

    /* Down to 1: db-2 first, and db-1 only once db-2 is gone. */
    set_replicas(e, e->sts, "db", 1);
    advance(e, 0.2);
    p = get(e, e->pod, "demo", "db-2");
    assert_non_null(ks_json_path(p, "metadata.deletionTimestamp"));
    cJSON_Delete(p);
    p = get(e, e->pod, "demo", "db-1");
    assert_null(ks_json_path(p, "metadata.deletionTimestamp"));
    cJSON_Delete(p);
    advance(e, 1.1);
    assert_null(ks_store_get(e->s.store, e->pod, "demo", "db-2"));
    advance(e, 1.5);
    assert_null(ks_store_get(e->s.store, e->pod, "demo", "db-1"));
    assert_non_null(ks_store_get(e->s.store, e->pod, "demo", "db-0"));
    env_free(e);
}

static void test_statefulset_parallel(void **state)
{
    (void)state;
    struct env *e = env_new(2, 1);
    create_sts(e, "cache", 3, "Parallel");
    advance(e, 0.1);
    assert_int_equal(count(e, e->pod, "demo"), 3);
    assert_non_null(ks_store_get(e->s.store, e->pod, "demo", "cache-2"));
    advance(e, 2.1);
    set_replicas(e, e->sts, "cache", 0);
    advance(e, 0.2);
    assert_true(deleting(e, "cache-0") && deleting(e, "cache-1") && deleting(e, "cache-2"));
    advance(e, 1.2);
    assert_int_equal(count(e, e->pod, "demo"), 0);
    env_free(e);
}

static void test_gc_background(void **state)
{
    (void)state;
    struct env *e = env_new(1, 2);
    create_deploy(e, "web", 2, NULL);
    advance(e, 1.5);
    assert_int_equal(count(e, e->pod, "demo"), 2);
    assert_int_equal(ks_api_delete(&e->s, e->deploy, "demo", "web", "Background"), KS_OK);
    assert_null(ks_store_get(e->s.store, e->deploy, "demo", "web"));
    advance(e, 0.2);
    assert_int_equal(count(e, e->rs, "demo"), 0);
    cJSON *l = list(e, e->pod, "demo"), *p;
    assert_int_equal(cJSON_GetArraySize(l), 2);
    cJSON_ArrayForEach(p, l) assert_non_null(ks_json_path(p, "metadata.deletionTimestamp"));
    cJSON_Delete(l);
    advance(e, 2.2);
    assert_int_equal(count(e, e->pod, "demo"), 0);
    env_free(e);
}

static void test_gc_foreground(void **state)
{
    (void)state;
    struct env *e = env_new(1, 2);
    create_deploy(e, "web", 2, NULL);
    advance(e, 1.5);
    assert_int_equal(ks_api_delete(&e->s, e->deploy, "demo", "web", "Foreground"), KS_OK);
    cJSON *d = get(e, e->deploy, "demo", "web");
    assert_non_null(d);
    const cJSON *fin = cJSON_GetArrayItem(ks_json_path(d, "metadata.finalizers"), 0);
    assert_true(cJSON_IsString(fin));
    assert_string_equal(fin->valuestring, "foregroundDeletion");
    cJSON_Delete(d);
    advance(e, 0.3);
    /* The owner waits for its pods (still in their grace period). */
    assert_non_null(ks_store_get(e->s.store, e->deploy, "demo", "web"));
    assert_int_equal(count(e, e->pod, "demo"), 2);
    cJSON *rs = only_rs(e);
    assert_non_null(ks_json_path(rs, "metadata.deletionTimestamp"));
    cJSON_Delete(rs);
    advance(e, 2.5);
    assert_int_equal(count(e, e->pod, "demo"), 0);
    assert_int_equal(count(e, e->rs, "demo"), 0);
    assert_null(ks_store_get(e->s.store, e->deploy, "demo", "web"));
    env_free(e);
}

static void test_gc_orphan(void **state)
{
    (void)state;
    struct env *e = env_new(1, 2);
    create_deploy(e, "web", 1, NULL);
    advance(e, 1.5);
    assert_int_equal(ks_api_delete(&e->s, e->deploy, "demo", "web", "Orphan"), KS_OK);
    advance(e, 0.3);
    assert_null(ks_store_get(e->s.store, e->deploy, "demo", "web"));
    cJSON *rs = only_rs(e);
    assert_null(ks_json_path(rs, "metadata.ownerReferences"));
    assert_null(ks_json_path(rs, "metadata.deletionTimestamp"));
    cJSON_Delete(rs);
    assert_int_equal(count(e, e->pod, "demo"), 1);
    env_free(e);
}

static void test_namespace_deletion(void **state)
{
    (void)state;
    struct env *e = env_new(1, 2);
    create_deploy(e, "web", 2, NULL);
    create_sts(e, "db", 1, "OrderedReady");
    create(e, e->cm,
           "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\","
           "\"namespace\":\"demo\"},\"data\":{\"k\":\"v\"}}");
    advance(e, 1.5);
    assert_int_equal(count(e, e->pod, "demo"), 3);
    assert_int_equal(ks_api_delete(&e->s, e->ns, "", "demo", NULL), KS_OK);
    cJSON *ns = get(e, e->ns, "", "demo");
    assert_string_equal(ks_json_str(ns, "status.phase"), "Terminating");
    cJSON_Delete(ns);
    advance(e, 0.3);
    assert_int_equal(count(e, e->cm, "demo"), 0);
    assert_int_equal(count(e, e->deploy, "demo"), 0);
    assert_int_equal(count(e, e->sts, "demo"), 0);
    assert_non_null(ks_store_get(e->s.store, e->ns, "", "demo")); /* pods in grace */
    advance(e, 2.5);
    assert_int_equal(count(e, e->pod, "demo"), 0);
    assert_int_equal(count(e, e->rs, "demo"), 0);
    assert_null(ks_store_get(e->s.store, e->ns, "", "demo"));
    env_free(e);
}

static void test_quiet_when_nothing_changes(void **state)
{
    (void)state;
    struct env *e = env_new(1, 2);
    char name[32];
    for (int i = 0; i < 300; i++) {
        char buf[256];
        snprintf(name, sizeof(name), "cm-%d", i);
        snprintf(buf, sizeof(buf),
                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
                 "\"namespace\":\"demo\"}}",
                 name);
        create(e, e->cm, buf);
    }
    create_deploy(e, "web", 2, NULL);
    advance(e, 2);
    uint64_t rv = ks_store_rv(e->s.store);
    advance(e, 5);
    assert_true(ks_store_rv(e->s.store) == rv);
    env_free(e);
}

/* Every entry of uid's dependents is consistent with its slot. */
static size_t check_kids(struct env *e, const char *uid)
{
    struct wl_dep *const *deps;
    size_t n = wl_dependents(e->s.work, uid, &deps);

    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < deps[i]->n_owners; k++)
            found |= deps[i]->owners[k].slot == i && !strcmp(deps[i]->owners[k].uid, uid);
        assert_true(found);
    }
    return n;
}

static char *uid_of(struct env *e, const ks_rtype *rt, const char *name)
{
    cJSON *o = get(e, rt, "demo", name);
    assert_non_null(o);
    char *uid = strdup(ks_json_str(o, "metadata.uid"));
    assert_non_null(uid);
    cJSON_Delete(o);
    return uid;
}

static void create_owned_cm(struct env *e, const char *name, const char *uid1, const char *uid2)
{
    char buf[1200];

    snprintf(buf, sizeof(buf),
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"demo\",\"ownerReferences\":[{\"apiVersion\":\"apps/v1\","
             "\"kind\":\"Deployment\",\"name\":\"a\",\"uid\":\"%s\"},{\"apiVersion\":"
             "\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"b\",\"uid\":\"%s\"}]}}",
             name, uid1, uid2);
    create(e, e->cm, buf);
}

/* The owner index: each Deployment finds its ReplicaSet and each
 * ReplicaSet its pods without a scan; entries follow every ADDED,
 * MODIFIED (owner references changed) and DELETED. */
static void test_owner_index(void **state)
{
    (void)state;
    struct env *e = env_new(1, 2);
    char name[32];
    enum { N = 120 };

    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "web-%d", i);
        create_deploy(e, name, 1 + i % 2, NULL);
    }
    advance(e, 1.5);
    assert_int_equal(count(e, e->rs, "demo"), N);
    assert_int_equal(count(e, e->pod, "demo"), N + N / 2);
    cJSON *l = list(e, e->deploy, "demo"), *d;
    cJSON_ArrayForEach(d, l)
    {
        const char *uid = ks_json_str(d, "metadata.uid");
        long want = num(d, "spec.replicas");
        assert_int_equal(num(d, "status.readyReplicas"), want);
        assert_int_equal(check_kids(e, uid), 1);
        struct wl_dep *const *deps;
        assert_int_equal(wl_dependents(e->s.work, uid, &deps), 1);
        assert_int_equal(deps[0]->rt_id, e->rs->id);
        assert_true(wl_dep_controlled_at(deps[0], uid, 0));
        assert_int_equal(check_kids(e, deps[0]->uid), (size_t)want);
        struct wl_pod **pods;
        size_t n = wl_owned_pods(e->s.work, deps[0]->uid, true, &pods);
        assert_int_equal(n, (size_t)want);
        for (size_t i = 0; i < n; i++)
            assert_string_equal(pods[i]->owner_uid, deps[0]->uid);
        free(pods);
    }
    cJSON_Delete(l);

    /* Non-controller references, two owners, a swap on removal. */
    char *a = uid_of(e, e->deploy, "web-0"), *b = uid_of(e, e->deploy, "web-1");
    create_owned_cm(e, "x", a, b);
    create_owned_cm(e, "y", a, a);
    create_owned_cm(e, "z", b, a);
    assert_int_equal(check_kids(e, a), 1 + 4);
    assert_int_equal(check_kids(e, b), 1 + 2);
    assert_int_equal(ks_store_remove(e->s.store, e->cm, "demo", "x", 0, NULL), KS_OK);
    assert_int_equal(check_kids(e, a), 1 + 3);
    assert_int_equal(check_kids(e, b), 1 + 1);
    /* MODIFIED: y now names b only. */
    cJSON *y = get(e, e->cm, "demo", "y");
    cJSON *refs = ks_json_path(y, "metadata.ownerReferences");
    cJSON_DeleteItemFromArray(refs, 0);
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(refs, 0), "uid",
                                           cJSON_CreateString(b));
    assert_int_equal(ks_api_update(&e->s, e->cm, y, false, "test", NULL), KS_OK);
    cJSON_Delete(y);
    assert_int_equal(check_kids(e, a), 1 + 1);
    assert_int_equal(check_kids(e, b), 1 + 2);
    /* The ReplicaSet is still the only one its Deployment controls. */
    struct wl_dep *const *deps;
    size_t n = wl_dependents(e->s.work, a, &deps), controlled = 0;
    for (size_t i = 0; i < n; i++)
        controlled += wl_dep_controlled_at(deps[i], a, i);
    assert_int_equal(controlled, 1);
    assert_int_equal(ks_store_remove(e->s.store, e->cm, "demo", "y", 0, NULL), KS_OK);
    assert_int_equal(ks_store_remove(e->s.store, e->cm, "demo", "z", 0, NULL), KS_OK);
    assert_int_equal(check_kids(e, a), 1);
    assert_int_equal(check_kids(e, b), 1);

    /* A deleted Deployment takes its ReplicaSet and pods along; the
     * index forgets them. */
    assert_int_equal(ks_api_delete(&e->s, e->deploy, "demo", "web-1", "Background"), KS_OK);
    advance(e, 2.5);
    assert_int_equal(check_kids(e, b), 0);
    assert_int_equal(count(e, e->rs, "demo"), N - 1);
    assert_int_equal(count(e, e->pod, "demo"), N + N / 2 - 2);
    free(a);
    free(b);

    /* Quiet afterwards: no timers left but the ones of real work. */
    uint64_t rv = ks_store_rv(e->s.store);
    advance(e, 3);
    assert_true(ks_store_rv(e->s.store) == rv);
    assert_int_equal(e->s.work->touched.n, 0);
    env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deployment_replicaset_pods),
        cmocka_unit_test(test_pod_lifecycle_timing),
        cmocka_unit_test(test_startup_annotation),
        cmocka_unit_test(test_status_fields),
        cmocka_unit_test(test_template_change_rolls_out),
        cmocka_unit_test(test_scale_down_victims),
        cmocka_unit_test(test_statefulset_ordered),
        cmocka_unit_test(test_statefulset_parallel),
        cmocka_unit_test(test_gc_background),
        cmocka_unit_test(test_gc_foreground),
        cmocka_unit_test(test_gc_orphan),
        cmocka_unit_test(test_namespace_deletion),
        cmocka_unit_test(test_quiet_when_nothing_changes),
        cmocka_unit_test(test_owner_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
