/*
 * kubesim workload model: Deployments -> ReplicaSets -> Pods, as the
 * deployment and replicaset controllers of kube-controller-manager do
 * it (a simple rollout: the new ReplicaSet takes every replica at once
 * and the old ones go to 0).
 */
#include "workload_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANN_REVISION "deployment.kubernetes.io/revision"
#define ANN_DESIRED "deployment.kubernetes.io/desired-replicas"
#define ANN_MAX "deployment.kubernetes.io/max-replicas"
#define LABEL_HASH "pod-template-hash"

struct objs {
    cJSON **v;
    size_t n, cap;
};

static void objs_release(struct objs *l)
{
    for (size_t i = 0; i < l->n; i++)
        cJSON_Delete(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static bool objs_push(struct objs *l, cJSON *o)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 4;
        cJSON **v = realloc(l->v, nc * sizeof(*v));
        if (!v) {
            cJSON_Delete(o);
            return false;
        }
        l->v = v;
        l->cap = nc;
    }
    l->v[l->n++] = o;
    return true;
}

static int cmp_obj_name(const void *a, const void *b)
{
    const char *x = ks_json_str(*(cJSON *const *)a, "metadata.name");
    const char *y = ks_json_str(*(cJSON *const *)b, "metadata.name");

    return strcmp(x ? x : "", y ? y : "");
}

/* The ReplicaSets in ns whose controller is uid, parsed, sorted by name
 * (the dependents index: no scan of the namespace). */
static void collect_owned_rs(ks_workload *w, const char *ns, const char *uid, struct objs *l)
{
    struct wl_dep *const *deps;
    size_t n = wl_dependents(w, uid, &deps);

    for (size_t i = 0; i < n; i++) {
        const struct wl_dep *d = deps[i];
        const ks_obj *o;
        cJSON *x;
        if (d->rt_id != w->rt_rs->id || strcmp(d->ns, ns) != 0 || !wl_dep_controlled_at(d, uid, i))
            continue;
        if (!(o = ks_store_get(w->s->store, w->rt_rs, d->ns, d->name)) ||
            !(x = cJSON_Parse(o->json)))
            continue;
        if (!objs_push(l, x))
            break;
    }
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), cmp_obj_name);
}

/* ------------------------------------------------------------------ */
/* Pods                                                                */

static int cmp_pod_seq(const void *a, const void *b)
{
    const struct wl_pod *x = *(const struct wl_pod *const *)a;
    const struct wl_pod *y = *(const struct wl_pod *const *)b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t wl_owned_pods(ks_workload *w, const char *owner_uid, bool with_deleting,
                     struct wl_pod ***out)
{
    struct wl_dep *const *deps;
    struct wl_pod **v;
    size_t n = 0, nd;
    char key[600];

    *out = NULL;
    if (!owner_uid || !*owner_uid || !w->rt_pod)
        return 0;
    nd = wl_dependents(w, owner_uid, &deps);
    if (!nd || !(v = malloc(nd * sizeof(*v))))
        return 0;
    for (size_t i = 0; i < nd; i++) {
        const struct wl_dep *d = deps[i];
        struct wl_pod *p;
        if (d->rt_id != w->rt_pod->id || !wl_dep_controlled_at(d, owner_uid, i))
            continue;
        snprintf(key, sizeof(key), "%s/%s", d->ns, d->name);
        p = wl_map_get(&w->pods, key);
        if (!p || strcmp(p->owner_uid, owner_uid) != 0 || (p->deleting && !with_deleting) ||
            p->phase == WL_SUCCEEDED || p->phase == WL_FAILED)
            continue;
        v[n++] = p;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_pod_seq);
    *out = v;
    return n;
}

bool wl_pod_available(const ks_workload *w, const struct wl_pod *p, long long min_ready,
                      double *next)
{
    if (!p->ready || p->deleting)
        return false;
    if (min_ready <= 0 || p->ready_since < 0 || w->now - p->ready_since >= (double)min_ready)
        return true;
    if (next && p->ready_since + (double)min_ready < *next)
        *next = p->ready_since + (double)min_ready;
    return false;
}

cJSON *wl_pod_from_template(const cJSON *tmpl, const char *ns, const char *name,
                            const char *generate_name, cJSON *owner_refs)
{
    cJSON *pod = cJSON_CreateObject(), *meta;
    const cJSON *labels = ks_json_path(tmpl, "metadata.labels");
    const cJSON *ann = ks_json_path(tmpl, "metadata.annotations");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(tmpl, "spec");

    if (!pod || !owner_refs)
        goto fail;
    cJSON_AddStringToObject(pod, "apiVersion", "v1");
    cJSON_AddStringToObject(pod, "kind", "Pod");
    meta = cJSON_AddObjectToObject(pod, "metadata");
    if (!meta)
        goto fail;
    cJSON_AddStringToObject(meta, "name", name);
    if (generate_name)
        cJSON_AddStringToObject(meta, "generateName", generate_name);
    cJSON_AddStringToObject(meta, "namespace", ns);
    if (labels)
        cJSON_AddItemToObject(meta, "labels", cJSON_Duplicate(labels, true));
    if (ann)
        cJSON_AddItemToObject(meta, "annotations", cJSON_Duplicate(ann, true));
    cJSON_AddItemToObject(meta, "ownerReferences", owner_refs);
    owner_refs = NULL;
    cJSON_AddItemToObject(pod, "spec", spec ? cJSON_Duplicate(spec, true) : cJSON_CreateObject());
    if (!cJSON_GetObjectItemCaseSensitive(pod, "spec") ||
        !cJSON_GetObjectItemCaseSensitive(meta, "name"))
        goto fail;
    return pod;
fail:
    cJSON_Delete(owner_refs);
    cJSON_Delete(pod);
    return NULL;
}

/* The ReplicaSet controller's order for scale-down: the first goes first. */
static int victim_cmp(const void *a, const void *b)
{
    const struct wl_pod *x = *(const struct wl_pod *const *)a;
    const struct wl_pod *y = *(const struct wl_pod *const *)b;
    static const int phase_rank[] = {0, 2, 3, 3, 1}; /* Pending < Unknown < Running */

    if (x->scheduled != y->scheduled)
        return x->scheduled ? 1 : -1;
    if (phase_rank[x->phase] != phase_rank[y->phase])
        return phase_rank[x->phase] < phase_rank[y->phase] ? -1 : 1;
    if (x->ready != y->ready)
        return x->ready ? 1 : -1;
    if (x->cost != y->cost)
        return x->cost < y->cost ? -1 : 1;
    if (x->ready && y->ready && x->ready_since != y->ready_since)
        return x->ready_since > y->ready_since ? -1 : 1;
    if (x->created != y->created)
        return x->created > y->created ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq > y->seq ? -1 : 1;
    return 0;
}

/* Creates one pod <base>-<5 random chars> from tmpl; 0 or KS_E*. */
static int create_pod(ks_workload *w, const cJSON *owner, const char *kind, const cJSON *tmpl,
                      const char *ns, const char *base)
{
    char name[300], gen[300], sfx[8];
    int rc = KS_EEXISTS;

    snprintf(gen, sizeof(gen), "%s-", base);
    for (int tries = 0; tries < 8 && rc == KS_EEXISTS; tries++) {
        wl_rand_suffix(w->s, sfx, 5);
        snprintf(name, sizeof(name), "%s%s", gen, sfx);
        if (ks_store_get(w->s->store, w->rt_pod, ns, name))
            continue;
        cJSON *pod =
            wl_pod_from_template(tmpl, ns, name, gen, wl_owner_refs(owner, "apps/v1", kind));
        if (!pod)
            return KS_ENOMEM;
        rc = ks_api_create(w->s, w->rt_pod, pod, WL_MANAGER, NULL);
        cJSON_Delete(pod);
    }
    return rc;
}

void wl_sync_replicaset(ks_workload *w, const char *ns, const char *name)
{
    const ks_obj *o = ks_store_get(w->s->store, w->rt_rs, ns, name);
    cJSON *rs, *st;
    struct wl_pod **pods;
    size_t n;
    double next = HUGE_VAL;

    if (!o || !(rs = cJSON_Parse(o->json)))
        return;
    const char *uid = ks_json_str(rs, "metadata.uid");
    long long want = wl_json_int(rs, "spec.replicas", 1);
    long long min_ready = wl_json_int(rs, "spec.minReadySeconds", 0);
    const cJSON *tmpl = ks_json_path(rs, "spec.template");
    bool deleting = ks_json_path(rs, "metadata.deletionTimestamp") != NULL;

    n = wl_owned_pods(w, uid, false, &pods);
    if (!deleting && tmpl && uid && (long long)n < want) {
        for (long long i = (long long)n; i < want; i++)
            if (create_pod(w, rs, "ReplicaSet", tmpl, ns, name) != KS_OK)
                break;
    } else if (!deleting && (long long)n > want && want >= 0) {
        size_t k = n - (size_t)want;
        char(*victims)[256] = calloc(k, sizeof(*victims));
        if (victims) {
            qsort(pods, n, sizeof(*pods), victim_cmp);
            for (size_t i = 0; i < k; i++)
                snprintf(victims[i], sizeof(victims[i]), "%s", pods[i]->name);
            for (size_t i = 0; i < k; i++)
                (void)ks_api_delete(w->s, w->rt_pod, ns, victims[i], NULL);
            free(victims);
        }
    }
    free(pods);

    /* Status from the index, which the writes above just updated. */
    n = wl_owned_pods(w, uid, false, &pods);
    long long ready = 0, avail = 0;
    for (size_t i = 0; i < n; i++) {
        ready += pods[i]->ready;
        avail += wl_pod_available(w, pods[i], min_ready, &next);
    }
    free(pods);
    st = cJSON_CreateObject();
    if (st) {
        cJSON_AddNumberToObject(st, "replicas", (double)n);
        if (n)
            cJSON_AddNumberToObject(st, "fullyLabeledReplicas", (double)n);
        if (ready)
            cJSON_AddNumberToObject(st, "readyReplicas", (double)ready);
        if (avail)
            cJSON_AddNumberToObject(st, "availableReplicas", (double)avail);
        long long gen = wl_json_int(rs, "metadata.generation", 0);
        if (gen)
            cJSON_AddNumberToObject(st, "observedGeneration", (double)gen);
        const cJSON *conds = ks_json_path(rs, "status.conditions");
        if (conds)
            cJSON_AddItemToObject(st, "conditions", cJSON_Duplicate(conds, true));
    }
    (void)wl_write_status(w, w->rt_rs, rs, st, WL_MANAGER, false);
    if (next < HUGE_VAL)
        wl_wake_at(w, 'R', ns, name, next);
    cJSON_Delete(rs);
}

/* ------------------------------------------------------------------ */
/* Deployments                                                         */

/* An intOrString of the rolling update ("25%" or 1) against total. */
static long long int_or_percent(const cJSON *v, long long total, bool round_up)
{
    if (cJSON_IsNumber(v))
        return v->valuedouble > 0 ? (long long)v->valuedouble : 0;
    if (cJSON_IsString(v)) {
        char *end;
        double pct = strtod(v->valuestring, &end);
        if (end != v->valuestring && *end == '%' && !end[1] && pct >= 0 && pct <= 100) {
            double x = pct * (double)total / 100.0;
            return (long long)(round_up ? ceil(x) : floor(x));
        }
    }
    return 0;
}

static void surge_unavailable(const cJSON *d, long long replicas, long long *surge,
                              long long *unavail)
{
    const char *type = ks_json_str(d, "spec.strategy.type");

    *surge = *unavail = 0;
    if (type && strcmp(type, "RollingUpdate") != 0)
        return;
    const cJSON *ru = ks_json_path(d, "spec.strategy.rollingUpdate");
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(ru, "maxSurge");
    const cJSON *mu = cJSON_GetObjectItemCaseSensitive(ru, "maxUnavailable");
    cJSON *def = cJSON_CreateString("25%");
    *surge = int_or_percent(ms ? ms : def, replicas, true);
    *unavail = int_or_percent(mu ? mu : def, replicas, false);
    cJSON_Delete(def);
    if (*surge == 0 && *unavail == 0)
        *unavail = 1;
    if (*unavail > replicas)
        *unavail = replicas;
}

static void set_annotation(cJSON *obj, const char *key, const char *val)
{
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    cJSON *ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations");

    if (!meta)
        return;
    if (!ann && !(ann = cJSON_AddObjectToObject(meta, "annotations")))
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(ann, key);
    cJSON_AddStringToObject(ann, key, val);
    wl_sort_keys(ann);
}

static bool annotation_is(const cJSON *obj, const char *key, const char *val)
{
    const char *v = wl_annotation(obj, key);

    return v && !strcmp(v, val);
}

static cJSON *labels_with_hash(const cJSON *labels, const char *hash)
{
    cJSON *l = labels ? cJSON_Duplicate(labels, true) : cJSON_CreateObject();

    if (!l)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(l, LABEL_HASH);
    cJSON_AddStringToObject(l, LABEL_HASH, hash);
    wl_sort_keys(l);
    return l;
}

/* The new ReplicaSet of d for template hash; returns the stored copy
 * (parsed) or NULL, *rc the create's result. */
static cJSON *create_rs(ks_workload *w, const cJSON *d, const char *hash, long long replicas,
                        long long max_replicas, long long revision, int *rc)
{
    const char *dname = ks_json_str(d, "metadata.name");
    const char *ns = ks_json_str(d, "metadata.namespace");
    const cJSON *tmpl = ks_json_path(d, "spec.template");
    const cJSON *dann = ks_json_path(d, "metadata.annotations"), *a;
    cJSON *rs = cJSON_CreateObject(), *meta, *ann, *spec, *t, *sel, *out_obj = NULL;
    char buf[32], name[300];
    const ks_obj *out = NULL;

    *rc = KS_ENOMEM;
    if (!rs || !dname || !ns)
        goto done;
    snprintf(name, sizeof(name), "%s-%s", dname, hash);
    cJSON_AddStringToObject(rs, "apiVersion", "apps/v1");
    cJSON_AddStringToObject(rs, "kind", "ReplicaSet");
    meta = cJSON_AddObjectToObject(rs, "metadata");
    cJSON_AddStringToObject(meta, "name", name);
    cJSON_AddStringToObject(meta, "namespace", ns);
    cJSON_AddItemToObject(meta, "labels",
                          labels_with_hash(ks_json_path(tmpl, "metadata.labels"), hash));
    ann = cJSON_AddObjectToObject(meta, "annotations");
    cJSON_ArrayForEach(a, dann)
    {
        if (a->string && strcmp(a->string, ANN_REVISION) != 0 &&
            strcmp(a->string, "kubectl.kubernetes.io/last-applied-configuration") != 0)
            cJSON_AddItemToObject(ann, a->string, cJSON_Duplicate(a, true));
    }
    snprintf(buf, sizeof(buf), "%lld", replicas);
    cJSON_AddStringToObject(ann, ANN_DESIRED, buf);
    snprintf(buf, sizeof(buf), "%lld", max_replicas);
    cJSON_AddStringToObject(ann, ANN_MAX, buf);
    snprintf(buf, sizeof(buf), "%lld", revision);
    cJSON_AddStringToObject(ann, ANN_REVISION, buf);
    wl_sort_keys(ann);
    cJSON_AddItemToObject(meta, "ownerReferences", wl_owner_refs(d, "apps/v1", "Deployment"));
    spec = cJSON_AddObjectToObject(rs, "spec");
    cJSON_AddNumberToObject(spec, "replicas", (double)replicas);
    long long mrs = wl_json_int(d, "spec.minReadySeconds", 0);
    if (mrs > 0)
        cJSON_AddNumberToObject(spec, "minReadySeconds", (double)mrs);
    sel = cJSON_Duplicate(ks_json_path(d, "spec.selector"), true);
    if (!sel)
        sel = cJSON_CreateObject();
    if (sel) {
        cJSON *ml = cJSON_GetObjectItemCaseSensitive(sel, "matchLabels");
        cJSON *nl = labels_with_hash(ml, hash);
        cJSON_DeleteItemFromObjectCaseSensitive(sel, "matchLabels");
        /* matchLabels comes first, as the real object prints it. */
        if (nl)
            cJSON_AddItemToObject(sel, "matchLabels", nl);
        wl_sort_keys(sel);
        cJSON_AddItemToObject(spec, "selector", sel);
    }
    t = cJSON_Duplicate(tmpl, true);
    if (t) {
        cJSON *tm = cJSON_GetObjectItemCaseSensitive(t, "metadata");
        if (!tm)
            tm = cJSON_AddObjectToObject(t, "metadata");
        cJSON *nl = labels_with_hash(cJSON_GetObjectItemCaseSensitive(tm, "labels"), hash);
        if (tm && nl) {
            if (cJSON_GetObjectItemCaseSensitive(tm, "labels"))
                cJSON_ReplaceItemInObjectCaseSensitive(tm, "labels", nl);
            else
                cJSON_AddItemToObject(tm, "labels", nl);
        } else {
            cJSON_Delete(nl);
        }
        cJSON_AddItemToObject(spec, "template", t);
    }
    if (!ks_json_path(rs, "spec.template") || !ks_json_path(rs, "metadata.ownerReferences"))
        goto done;
    *rc = ks_api_create(w->s, w->rt_rs, rs, WL_MANAGER, &out);
    if (*rc == KS_OK && out)
        out_obj = cJSON_Parse(out->json);
done:
    cJSON_Delete(rs);
    return out_obj;
}

/* Sets an existing ReplicaSet's replicas and annotations; refreshes *rs. */
static void scale_rs(ks_workload *w, cJSON **rs, long long replicas, long long max_replicas,
                     const char *revision)
{
    char des[32], max[32];
    const ks_obj *out = NULL;

    snprintf(des, sizeof(des), "%lld", replicas);
    snprintf(max, sizeof(max), "%lld", max_replicas);
    if (wl_json_int(*rs, "spec.replicas", 1) == replicas && annotation_is(*rs, ANN_DESIRED, des) &&
        annotation_is(*rs, ANN_MAX, max) &&
        (!revision || annotation_is(*rs, ANN_REVISION, revision)))
        return;
    if (ks_json_set_path(*rs, "spec.replicas", cJSON_CreateNumber((double)replicas)) != KS_OK)
        return;
    set_annotation(*rs, ANN_DESIRED, des);
    set_annotation(*rs, ANN_MAX, max);
    if (revision)
        set_annotation(*rs, ANN_REVISION, revision);
    if (ks_api_update(w->s, w->rt_rs, *rs, false, WL_MANAGER, &out) == KS_OK && out) {
        cJSON *fresh = cJSON_Parse(out->json);
        if (fresh) {
            cJSON_Delete(*rs);
            *rs = fresh;
        }
    }
}

static long long rs_revision(const cJSON *rs)
{
    const char *v = wl_annotation(rs, ANN_REVISION);
    char *end;
    long long r;

    if (!v)
        return 0;
    r = strtoll(v, &end, 10);
    return *end || r < 0 ? 0 : r;
}

static cJSON *deploy_status(ks_workload *w, const cJSON *d, const struct objs *rss,
                            const cJSON *new_rs, bool created, long long replicas,
                            long long unavail_max)
{
    long long total = 0, ready = 0, avail = 0, updated = 0, gen;
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(d, "status");
    const cJSON *old_conds = cJSON_GetObjectItemCaseSensitive(old, "conditions");
    cJSON *st = cJSON_CreateObject(), *conds;
    char msg[400];

    if (!st)
        return NULL;
    for (size_t i = 0; i < rss->n; i++) {
        total += wl_json_int(rss->v[i], "status.replicas", 0);
        ready += wl_json_int(rss->v[i], "status.readyReplicas", 0);
        avail += wl_json_int(rss->v[i], "status.availableReplicas", 0);
    }
    if (new_rs)
        updated = wl_json_int(new_rs, "status.replicas", 0);
    gen = wl_json_int(d, "metadata.generation", 0);
    long long unavail = replicas - avail > 0 ? replicas - avail : 0;
    if (gen)
        cJSON_AddNumberToObject(st, "observedGeneration", (double)gen);
#define ADD_NZ(k, v)                                                                               \
    do {                                                                                           \
        if ((v) != 0)                                                                              \
            cJSON_AddNumberToObject(st, k, (double)(v));                                           \
    } while (0)
    ADD_NZ("replicas", total);
    ADD_NZ("updatedReplicas", updated);
    ADD_NZ("readyReplicas", ready);
    ADD_NZ("availableReplicas", avail);
    ADD_NZ("unavailableReplicas", unavail);
#undef ADD_NZ
    conds = cJSON_AddArrayToObject(st, "conditions");
    if (avail >= replicas - unavail_max)
        wl_set_condition(conds, old_conds, "Available", "True", "MinimumReplicasAvailable",
                         "Deployment has minimum availability.", w->now, false);
    else
        wl_set_condition(conds, old_conds, "Available", "False", "MinimumReplicasUnavailable",
                         "Deployment does not have minimum availability.", w->now, false);
    const char *rsname = new_rs ? ks_json_str(new_rs, "metadata.name") : NULL;
    if (rsname) {
        bool complete = updated == replicas && total == replicas && avail == replicas;
        bool progress = updated > wl_json_int(old, "updatedReplicas", 0) ||
                        ready > wl_json_int(old, "readyReplicas", 0) ||
                        avail > wl_json_int(old, "availableReplicas", 0) ||
                        total < wl_json_int(old, "replicas", 0) ||
                        total > wl_json_int(old, "replicas", 0);
        if (created) {
            snprintf(msg, sizeof(msg), "Created new replica set \"%s\"", rsname);
            wl_set_condition(conds, old_conds, "Progressing", "True", "NewReplicaSetCreated", msg,
                             w->now, true);
        } else if (complete) {
            snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.", rsname);
            wl_set_condition(conds, old_conds, "Progressing", "True", "NewReplicaSetAvailable", msg,
                             w->now, false);
        } else if (progress || !old_conds) {
            snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.", rsname);
            wl_set_condition(conds, old_conds, "Progressing", "True", "ReplicaSetUpdated", msg,
                             w->now, true);
        } else {
            const cJSON *c;
            cJSON_ArrayForEach(c, old_conds)
            {
                const char *t = ks_json_str(c, "type");
                if (t && !strcmp(t, "Progressing"))
                    cJSON_AddItemToArray(conds, cJSON_Duplicate(c, true));
            }
        }
    }
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(old, "collisionCount");
    if (cc)
        cJSON_AddItemToObject(st, "collisionCount", cJSON_Duplicate(cc, true));
    return st;
}

static void bump_collision(ks_workload *w, cJSON *d)
{
    long long cc = wl_json_int(d, "status.collisionCount", 0) + 1;
    cJSON *st = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(d, "status"), true);

    if (!st)
        st = cJSON_CreateObject();
    if (!st)
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(st, "collisionCount");
    cJSON_AddNumberToObject(st, "collisionCount", (double)cc);
    (void)wl_write_status(w, w->rt_deploy, d, st, WL_MANAGER, false);
}

/* The real server takes the revision annotation with a /status write;
 * when this api layer drops it, a plain update sets it (the generation
 * then bumps and observedGeneration follows at the next sync). */
static void ensure_revision(ks_workload *w, const char *ns, const char *name)
{
    const ks_obj *o = ks_store_get(w->s->store, w->rt_deploy, ns, name);
    cJSON *d = o ? cJSON_Parse(o->json) : NULL;
    struct objs rss = {0};
    const char *uid = ks_json_str(d, "metadata.uid");
    const char *hash;
    char *text = NULL, h[16];

    if (!uid || !(text = cJSON_PrintUnformatted(ks_json_path(d, "spec.template"))))
        goto done;
    wl_hash_name(text, (uint32_t)wl_json_int(d, "status.collisionCount", 0), h);
    collect_owned_rs(w, ns, uid, &rss);
    for (size_t i = 0; i < rss.n; i++) {
        const char *rev = wl_annotation(rss.v[i], ANN_REVISION);
        hash = wl_label(rss.v[i], LABEL_HASH);
        if (hash && !strcmp(hash, h) && rev && !annotation_is(d, ANN_REVISION, rev)) {
            char buf[32];
            snprintf(buf, sizeof(buf), "%s", rev);
            set_annotation(d, ANN_REVISION, buf);
            (void)ks_api_update(w->s, w->rt_deploy, d, false, WL_MANAGER, NULL);
            break;
        }
    }
done:
    free(text);
    objs_release(&rss);
    cJSON_Delete(d);
}

void wl_sync_deployment(ks_workload *w, const char *ns, const char *name)
{
    const ks_obj *o = ks_store_get(w->s->store, w->rt_deploy, ns, name);
    struct objs rss = {0};
    cJSON *d, *new_rs = NULL, *st;
    char hash[16], rev[32];
    bool created = false;
    long long surge, unavail, max_rev = 0;

    if (!o || !(d = cJSON_Parse(o->json)))
        return;
    const char *uid = ks_json_str(d, "metadata.uid");
    const cJSON *tmpl = ks_json_path(d, "spec.template");
    long long replicas = wl_json_int(d, "spec.replicas", 1);
    bool deleting = ks_json_path(d, "metadata.deletionTimestamp") != NULL;
    char *text = tmpl ? cJSON_PrintUnformatted(tmpl) : NULL;

    if (!uid || !text)
        goto done;
    wl_hash_name(text, (uint32_t)wl_json_int(d, "status.collisionCount", 0), hash);
    collect_owned_rs(w, ns, uid, &rss);
    for (size_t i = 0; i < rss.n; i++) {
        const char *h = wl_label(rss.v[i], LABEL_HASH);
        if (h && !strcmp(h, hash))
            new_rs = rss.v[i];
        if (rs_revision(rss.v[i]) > max_rev)
            max_rev = rs_revision(rss.v[i]);
    }
    surge_unavailable(d, replicas, &surge, &unavail);
    if (!deleting && !cJSON_IsTrue(ks_json_path(d, "spec.paused"))) {
        int rc = KS_OK;
        if (!new_rs) {
            new_rs = create_rs(w, d, hash, replicas, replicas + surge, max_rev + 1, &rc);
            if (new_rs && objs_push(&rss, new_rs))
                created = true;
            else
                new_rs = NULL;
            if (rc == KS_EEXISTS) {
                bump_collision(w, d);
                goto done;
            }
        } else {
            for (size_t i = 0; i < rss.n; i++) {
                if (rss.v[i] != new_rs)
                    continue;
                if (rs_revision(new_rs) < max_rev ||
                    (rs_revision(new_rs) == max_rev && max_rev == 0)) {
                    snprintf(rev, sizeof(rev), "%lld", max_rev + 1);
                    scale_rs(w, &rss.v[i], replicas, replicas + surge, rev);
                } else {
                    scale_rs(w, &rss.v[i], replicas, replicas + surge, NULL);
                }
                new_rs = rss.v[i];
            }
        }
        for (size_t i = 0; i < rss.n; i++)
            if (rss.v[i] != new_rs)
                scale_rs(w, &rss.v[i], 0, replicas + surge, NULL);
    }
    st = deploy_status(w, d, &rss, new_rs, created, replicas, unavail);
    bool force = false;
    if (new_rs && wl_annotation(new_rs, ANN_REVISION) &&
        !annotation_is(d, ANN_REVISION, wl_annotation(new_rs, ANN_REVISION))) {
        set_annotation(d, ANN_REVISION, wl_annotation(new_rs, ANN_REVISION));
        force = true;
    }
    if (wl_write_status(w, w->rt_deploy, d, st, WL_MANAGER, force) == KS_OK && force)
        ensure_revision(w, ns, name);
done:
    free(text);
    objs_release(&rss);
    cJSON_Delete(d);
}
