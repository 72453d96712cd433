/*
 * kubesim workload model: the module's life, its store subscriber and
 * its tick, plus the helpers the controllers share.
 *
 * The subscriber only indexes and marks work; ks_workload_tick writes:
 * first the pod timers (kubesim's kubelet), then the dirty workloads
 * (a few rounds, so that a Deployment -> ReplicaSet -> Pods cascade
 * settles within one tick), then garbage collection.
 */
#include "workload_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/base/rfc3339.h"

#define SYNC_ROUNDS 4

static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";

/* ------------------------------------------------------------------ */
/* Shared helpers                                                      */

void wl_mark(ks_workload *w, char kind, const char *ns, const char *name)
{
    char key[600];

    snprintf(key, sizeof(key), "%c|%s/%s", kind, ns, name);
    (void)wl_map_put(&w->dirty, key, NULL, NULL);
}

void wl_wake_at(ks_workload *w, char kind, const char *ns, const char *name, double at)
{
    char key[600];
    double *cur;

    snprintf(key, sizeof(key), "%c|%s/%s", kind, ns, name);
    if (at < w->next_wake)
        w->next_wake = at;
    cur = wl_map_get(&w->wakeups, key);
    if (cur) {
        if (at < *cur)
            *cur = at;
        return;
    }
    cur = malloc(sizeof(*cur));
    if (!cur)
        return;
    *cur = at;
    if (wl_map_put(&w->wakeups, key, cur, NULL) != KS_OK)
        free(cur);
}

void wl_hash_name(const char *text, uint32_t collision, char out[16])
{
    uint32_t h = 2166136261u;
    char digits[16];

    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    if (collision) {
        for (int i = 0; i < 4; i++) {
            h ^= (collision >> (8 * i)) & 0xffu;
            h *= 16777619u;
        }
    }
    snprintf(digits, sizeof(digits), "%u", (unsigned)h);
    size_t i = 0;
    for (; digits[i]; i++)
        out[i] = alphabet[(unsigned char)digits[i] % (sizeof(alphabet) - 1)];
    out[i] = '\0';
}

void wl_rand_suffix(ks_sim *s, char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[ks_rand64(s) % (sizeof(alphabet) - 1)];
    out[n] = '\0';
}

long long wl_json_int(const cJSON *root, const char *dotted, long long def)
{
    const cJSON *v = ks_json_path(root, dotted);

    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return def;
    if (v->valuedouble > 9e15 || v->valuedouble < -9e15)
        return def;
    return (long long)v->valuedouble;
}

static const char *meta_map_str(const cJSON *obj, const char *map, const char *key)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(meta, map);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *wl_annotation(const cJSON *obj, const char *key)
{
    return meta_map_str(obj, "annotations", key);
}

const char *wl_label(const cJSON *obj, const char *key)
{
    return meta_map_str(obj, "labels", key);
}

const cJSON *wl_controller_ref(const cJSON *obj)
{
    const cJSON *refs = ks_json_path(obj, "metadata.ownerReferences");
    const cJSON *r;

    cJSON_ArrayForEach(r, refs)
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller")))
            return r;
    }
    return NULL;
}

const char *wl_controller_uid(const cJSON *obj)
{
    const cJSON *r = wl_controller_ref(obj);

    return r ? ks_json_str(r, "uid") : NULL;
}

cJSON *wl_owner_refs(const cJSON *owner, const char *api_version, const char *kind)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON *r = cJSON_CreateObject();
    const char *name = ks_json_str(owner, "metadata.name");
    const char *uid = ks_json_str(owner, "metadata.uid");

    if (!arr || !r)
        goto fail;
    cJSON_AddItemToArray(arr, r);
    if (!cJSON_AddStringToObject(r, "apiVersion", api_version) ||
        !cJSON_AddStringToObject(r, "kind", kind) ||
        !cJSON_AddStringToObject(r, "name", name ? name : "") ||
        !cJSON_AddStringToObject(r, "uid", uid ? uid : "") ||
        !cJSON_AddTrueToObject(r, "controller") || !cJSON_AddTrueToObject(r, "blockOwnerDeletion"))
        goto fail_arr;
    return arr;
fail:
    cJSON_Delete(r);
fail_arr:
    cJSON_Delete(arr);
    return NULL;
}

static int cmp_item_key(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

void wl_sort_keys(cJSON *obj)
{
    size_t n = 0, i = 0;
    cJSON **v, *c;

    if (!cJSON_IsObject(obj))
        return;
    for (c = obj->child; c; c = c->next)
        n++;
    if (n < 2)
        return;
    v = malloc(n * sizeof(*v));
    if (!v)
        return; /* unsorted is still correct JSON */
    for (c = obj->child; c; c = c->next)
        v[i++] = c;
    qsort(v, n, sizeof(*v), cmp_item_key);
    for (i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1];
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    obj->child = v[0];
    free(v);
}

double wl_parse_time(const char *text, double def)
{
    int64_t ms;

    if (!text || ebb_rfc3339_parse(text, &ms) != EBB_OK)
        return def;
    return (double)ms / 1000.0;
}

int wl_write_status(ks_workload *w, const ks_rtype *rt, cJSON *obj, cJSON *status,
                    const char *manager, bool force)
{
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(obj, "status");

    if (!status)
        return KS_ENOMEM;
    if (!force && old && cJSON_Compare(old, status, true)) {
        cJSON_Delete(status);
        return KS_OK;
    }
    if (old)
        cJSON_ReplaceItemInObjectCaseSensitive(obj, "status", status);
    else
        cJSON_AddItemToObject(obj, "status", status);
    return ks_api_update(w->s, rt, obj, true, manager, NULL);
}

static double parse_delay(const char *v)
{
    char *end;
    double d;

    if (!v || !*v)
        return -1;
    d = strtod(v, &end);
    if (*end || !isfinite(d) || d < 0 || d > 1e7)
        return -1;
    return d;
}

/* The startup annotation of the object (kind, ns, name), following its
 * controller once more when it has none. */
static double owner_delay(ks_workload *w, const char *kind, const char *ns, const char *name,
                          int depth)
{
    const ks_rtype *rt = NULL;
    const ks_obj *o;
    cJSON *obj;
    double d;

    if (!strcmp(kind, "ReplicaSet"))
        rt = w->rt_rs;
    else if (!strcmp(kind, "StatefulSet"))
        rt = w->rt_sts;
    else if (!strcmp(kind, "Deployment"))
        rt = w->rt_deploy;
    if (!rt || !(o = ks_store_get(w->s->store, rt, ns, name)))
        return -1;
    obj = cJSON_Parse(o->json);
    if (!obj)
        return -1;
    d = parse_delay(wl_annotation(obj, WL_STARTUP_ANNOTATION));
    if (d < 0 && depth < 2) {
        const cJSON *r = wl_controller_ref(obj);
        const char *k = ks_json_str(r, "kind"), *n = ks_json_str(r, "name");
        if (k && n)
            d = owner_delay(w, k, ns, n, depth + 1);
    }
    cJSON_Delete(obj);
    return d;
}

double wl_startup_delay(ks_workload *w, const struct wl_pod *p)
{
    double d = p->pod_delay;

    if (d < 0 && p->owner_kind[0])
        d = owner_delay(w, p->owner_kind, p->ns, p->owner_name, 0);
    if (d < 0)
        d = w->s->cfg.pod_startup > 0 ? w->s->cfg.pod_startup : 5.0;
    return d;
}

void wl_set_condition(cJSON *conds, const cJSON *old_conds, const char *type, const char *status,
                      const char *reason, const char *message, double now, bool touch)
{
    const cJSON *old = NULL, *c;
    char ts[32];
    cJSON *n;

    cJSON_ArrayForEach(c, old_conds)
    {
        const char *t = ks_json_str(c, "type");
        if (t && !strcmp(t, type))
            old = c;
    }
    const char *ost = old ? ks_json_str(old, "status") : NULL;
    const char *ors = old ? ks_json_str(old, "reason") : NULL;
    if (old && ost && ors && !strcmp(ost, status) && !strcmp(ors, reason) && !touch) {
        cJSON_AddItemToArray(conds, cJSON_Duplicate(old, true));
        return;
    }
    n = cJSON_CreateObject();
    if (!n)
        return;
    ks_time_format(now, ts);
    const char *ltt =
        old && ost && !strcmp(ost, status) ? ks_json_str(old, "lastTransitionTime") : NULL;
    cJSON_AddStringToObject(n, "type", type);
    cJSON_AddStringToObject(n, "status", status);
    cJSON_AddStringToObject(n, "lastUpdateTime", ts);
    cJSON_AddStringToObject(n, "lastTransitionTime", ltt ? ltt : ts);
    cJSON_AddStringToObject(n, "reason", reason);
    cJSON_AddStringToObject(n, "message", message);
    cJSON_AddItemToArray(conds, n);
}

/* ------------------------------------------------------------------ */
/* The subscriber                                                      */

static void mark_controller(ks_workload *w, const cJSON *obj, const char *ns)
{
    const cJSON *r = wl_controller_ref(obj);
    const char *kind = ks_json_str(r, "kind"), *name = ks_json_str(r, "name");

    if (!kind || !name)
        return;
    if (!strcmp(kind, "ReplicaSet"))
        wl_mark(w, 'R', ns, name);
    else if (!strcmp(kind, "Deployment"))
        wl_mark(w, 'D', ns, name);
    else if (!strcmp(kind, "StatefulSet"))
        wl_mark(w, 'S', ns, name);
}

static void on_change(void *ud, const char *type, const ks_obj *o)
{
    ks_workload *w = ud;
    const ks_rtype *rt = o->rt;
    bool mine = rt == w->rt_pod || rt == w->rt_rs || rt == w->rt_deploy || rt == w->rt_sts ||
                rt == w->rt_ns;
    bool deleted = !strcmp(type, "DELETED");
    cJSON *obj;

    /* A change in a terminating namespace: sweep it again. */
    if (w->terminating.n && o->ns[0] && wl_map_has(&w->terminating, o->ns))
        (void)wl_map_put(&w->terminating, o->ns, w, NULL);
    if (!mine && !strstr(o->json, "\"ownerReferences\"") &&
        !strstr(o->json, "\"deletionTimestamp\"") && !(deleted && w->kids.n))
        return;
    obj = cJSON_Parse(o->json);
    if (!obj)
        return;
    if (rt == w->rt_pod) {
        wl_pod_observe(w, type, obj);
        mark_controller(w, obj, o->ns);
    } else if (rt == w->rt_rs) {
        wl_mark(w, 'R', o->ns, o->name);
        mark_controller(w, obj, o->ns);
    } else if (rt == w->rt_deploy) {
        wl_mark(w, 'D', o->ns, o->name);
    } else if (rt == w->rt_sts) {
        wl_mark(w, 'S', o->ns, o->name);
    } else if (rt == w->rt_ns) {
        if (deleted)
            wl_map_del(&w->terminating, o->name);
        else if (ks_json_path(obj, "metadata.deletionTimestamp"))
            (void)wl_map_put(&w->terminating, o->name, w, NULL); /* sweep it */
    }
    wl_gc_observe(w, type, o, obj);
    cJSON_Delete(obj);
}

static bool index_existing(void *ud, const ks_obj *o)
{
    on_change(ud, "ADDED", o);
    return true;
}

ks_workload *ks_workload_new(ks_sim *s)
{
    ks_workload *w = calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->s = s;
    w->rt_pod = ks_registry_find(s->reg, "", "v1", "pods");
    w->rt_ns = ks_registry_find(s->reg, "", "v1", "namespaces");
    w->rt_rs = ks_registry_find(s->reg, "apps", "v1", "replicasets");
    w->rt_deploy = ks_registry_find(s->reg, "apps", "v1", "deployments");
    w->rt_sts = ks_registry_find(s->reg, "apps", "v1", "statefulsets");
    w->now = ks_now(s);
    w->seq = 1;
    wl_map_init(&w->pods);
    wl_map_init(&w->dirty);
    wl_map_init(&w->wakeups);
    wl_map_init(&w->deps);
    wl_map_init(&w->kids);
    wl_map_init(&w->gone);
    wl_map_init(&w->finalizing);
    wl_map_init(&w->terminating);
    wl_map_init(&w->touched);
    w->next_wake = HUGE_VAL;
    /* Index what the store already holds (a restarted module). */
    for (size_t i = 0, n = ks_registry_count(s->reg); i < n; i++) {
        const ks_rtype *rt = ks_registry_at(s->reg, i);
        if (rt && rt->origin != KS_RT_VIRTUAL && !rt->storage)
            ks_store_each(s->store, rt, NULL, index_existing, w);
    }
    ks_store_subscribe(s->store, on_change, w);
    return w;
}

void ks_workload_free(ks_workload *w)
{
    if (!w)
        return;
    wl_map_free(&w->pods, wl_pod_free);
    wl_map_free(&w->dirty, NULL);
    wl_map_free(&w->wakeups, free);
    wl_map_free(&w->deps, wl_dep_free);
    wl_map_free(&w->kids, wl_kids_free);
    wl_map_free(&w->gone, NULL);
    wl_map_free(&w->finalizing, NULL);
    wl_map_free(&w->terminating, NULL);
    wl_pods_release(w);
    free(w);
}

/* ------------------------------------------------------------------ */
/* The tick                                                            */

static void sync_key(ks_workload *w, const char *key)
{
    char ns[256];
    const char *rest = key + 2, *slash;

    if (strlen(key) < 3 || key[1] != '|' || !(slash = strchr(rest, '/')))
        return;
    if ((size_t)(slash - rest) >= sizeof(ns))
        return;
    memcpy(ns, rest, (size_t)(slash - rest));
    ns[slash - rest] = '\0';
    switch (key[0]) {
    case 'D':
        if (w->rt_deploy && w->rt_rs)
            wl_sync_deployment(w, ns, slash + 1);
        break;
    case 'R':
        if (w->rt_rs && w->rt_pod)
            wl_sync_replicaset(w, ns, slash + 1);
        break;
    case 'S':
        if (w->rt_sts && w->rt_pod)
            wl_sync_statefulset(w, ns, slash + 1);
        break;
    default:
        break;
    }
}

static void fire_wakeups(ks_workload *w, double now)
{
    size_t n;
    char **keys;
    double next = HUGE_VAL;

    if (!w->wakeups.n || now < w->next_wake)
        return;
    keys = wl_map_keys(&w->wakeups, &n);
    if (!keys)
        return; /* out of memory: again at the next tick */
    for (size_t i = 0; i < n; i++) {
        double *at = wl_map_get(&w->wakeups, keys[i]);
        if (at && *at <= now) {
            free(wl_map_del(&w->wakeups, keys[i]));
            (void)wl_map_put(&w->dirty, keys[i], NULL, NULL);
        } else if (at && *at < next) {
            next = *at;
        }
    }
    w->next_wake = next;
    wl_keys_free(keys, n);
}

void ks_workload_tick(ks_sim *s, double now)
{
    ks_workload *w = s ? s->work : NULL;

    if (!w)
        return;
    w->now = now;
    wl_pods_tick(w, now);
    fire_wakeups(w, now);
    for (int round = 0; round < SYNC_ROUNDS && w->dirty.n; round++) {
        struct wl_map work = w->dirty;
        size_t n;
        char **keys;

        wl_map_init(&w->dirty);
        keys = wl_map_keys(&work, &n);
        if (!keys) { /* out of memory: keep the work for the next tick */
            wl_map_free(&w->dirty, NULL);
            w->dirty = work;
            break;
        }
        wl_map_free(&work, NULL);
        for (size_t i = 0; i < n; i++)
            sync_key(w, keys[i]);
        wl_keys_free(keys, n);
    }
    wl_gc_tick(w);
}
