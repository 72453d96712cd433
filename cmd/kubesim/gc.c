/*
 * kubesim workload model: garbage collection by ownerReferences and
 * namespace deletion, as kube-controller-manager's garbagecollector and
 * namespace controllers do it.
 *
 *  - an owner gone (DELETED): its dependents whose owners are all gone
 *    are deleted (background);
 *  - an owner with a deletionTimestamp and the foregroundDeletion
 *    finalizer: its dependents are deleted first, then the finalizer is
 *    removed (and with it, by the api layer, the owner);
 *  - the orphan finalizer: the dependents lose their ownerReference to
 *    the owner, then the finalizer goes;
 *  - a Terminating namespace: every namespaced object in it is deleted,
 *    then spec.finalizers loses "kubernetes" and the namespace goes.
 */
#include "workload_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIN_FOREGROUND "foregroundDeletion"
#define FIN_ORPHAN "orphan"

void wl_dep_free(void *v)
{
    struct wl_dep *d = v;

    if (!d)
        return;
    free(d->ns);
    free(d->name);
    free(d->owners);
    free(d);
}

void wl_kids_free(void *v)
{
    struct wl_kids *k = v;

    if (!k)
        return;
    free(k->v);
    free(k);
}

size_t wl_dependents(const ks_workload *w, const char *uid, struct wl_dep *const **out)
{
    const struct wl_kids *k = uid ? wl_map_get(&w->kids, uid) : NULL;

    *out = k ? k->v : NULL;
    return k ? k->n : 0;
}

bool wl_dep_controlled_at(const struct wl_dep *d, const char *uid, size_t slot)
{
    for (size_t i = 0; i < d->n_owners; i++) {
        if (d->owners[i].controller)
            return d->owners[i].slot == slot && !strcmp(d->owners[i].uid, uid);
    }
    return false;
}

static size_t refcount(const ks_workload *w, const char *uid)
{
    const struct wl_kids *k = wl_map_get(&w->kids, uid);

    return k ? k->n : 0;
}

/* Appends d's reference i to its owner's dependents; 0 or KS_ENOMEM. */
static int kids_add(ks_workload *w, struct wl_dep *d, size_t i)
{
    struct wl_owner *ow = &d->owners[i];
    struct wl_kids *k = wl_map_get(&w->kids, ow->uid);

    if (!k) {
        if (!(k = calloc(1, sizeof(*k))))
            return KS_ENOMEM;
        if (wl_map_put(&w->kids, ow->uid, k, NULL) != KS_OK) {
            free(k);
            return KS_ENOMEM;
        }
    }
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 4;
        struct wl_dep **nv = realloc(k->v, nc * sizeof(*nv));
        if (!nv) {
            if (!k->n)
                wl_kids_free(wl_map_del(&w->kids, ow->uid));
            return KS_ENOMEM;
        }
        k->v = nv;
        k->cap = nc;
    }
    ow->slot = k->n;
    k->v[k->n++] = d;
    return KS_OK;
}

/* Removes d's reference i from its owner's dependents (the last entry
 * takes its slot). */
static void kids_del(ks_workload *w, struct wl_dep *d, size_t i)
{
    struct wl_owner *ow = &d->owners[i];
    struct wl_kids *k = wl_map_get(&w->kids, ow->uid);
    size_t last;

    if (!k || ow->slot >= k->n || k->v[ow->slot] != d)
        return;
    last = k->n - 1;
    if (ow->slot != last) {
        struct wl_dep *m = k->v[last];
        for (size_t j = 0; j < m->n_owners; j++) {
            if (m->owners[j].slot == last && !strcmp(m->owners[j].uid, ow->uid)) {
                m->owners[j].slot = ow->slot;
                break;
            }
        }
        k->v[ow->slot] = m;
    }
    k->n = last;
    if (!k->n)
        wl_kids_free(wl_map_del(&w->kids, ow->uid));
}

static bool has_finalizer(const cJSON *obj, const char *name)
{
    const cJSON *f;

    cJSON_ArrayForEach(f, ks_json_path(obj, "metadata.finalizers"))
    {
        if (cJSON_IsString(f) && !strcmp(f->valuestring, name))
            return true;
    }
    return false;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static struct wl_dep *dep_new(const ks_obj *o, const cJSON *obj, const cJSON *refs, size_t n)
{
    struct wl_dep *d = calloc(1, sizeof(*d));
    const cJSON *r;
    size_t k = 0;

    if (!d)
        return NULL;
    d->rt_id = o->rt->id;
    d->ns = strdup(o->ns);
    d->name = strdup(o->name);
    d->owners = calloc(n, sizeof(*d->owners));
    if (!d->ns || !d->name || !d->owners) {
        wl_dep_free(d);
        return NULL;
    }
    snprintf(d->uid, sizeof(d->uid), "%s", or_empty(ks_json_str(obj, "metadata.uid")));
    d->deleting = ks_json_path(obj, "metadata.deletionTimestamp") != NULL;
    cJSON_ArrayForEach(r, refs)
    {
        const char *uid = ks_json_str(r, "uid");
        if (!uid || k == n)
            continue;
        struct wl_owner *ow = &d->owners[k++];
        snprintf(ow->uid, sizeof(ow->uid), "%s", uid);
        snprintf(ow->api_version, sizeof(ow->api_version), "%s",
                 or_empty(ks_json_str(r, "apiVersion")));
        snprintf(ow->kind, sizeof(ow->kind), "%s", or_empty(ks_json_str(r, "kind")));
        snprintf(ow->name, sizeof(ow->name), "%s", or_empty(ks_json_str(r, "name")));
        ow->controller = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller"));
    }
    d->n_owners = k;
    return d;
}

void wl_gc_observe(ks_workload *w, const char *type, const ks_obj *o, const cJSON *obj)
{
    bool deleted = !strcmp(type, "DELETED");
    char key[600];
    struct wl_dep *old;
    const cJSON *refs = ks_json_path(obj, "metadata.ownerReferences");
    int n = cJSON_GetArraySize(refs);

    snprintf(key, sizeof(key), "%d/%s/%s", o->rt->id, o->ns, o->name);
    if (w->finalizing.n)
        w->gc_dirty = true;
    old = wl_map_del(&w->deps, key);
    if (old) {
        for (size_t i = old->n_owners; i-- > 0;)
            kids_del(w, old, i);
        wl_dep_free(old);
        w->gc_dirty = true;
    }
    if (!deleted && n > 0) {
        struct wl_dep *d = dep_new(o, obj, refs, (size_t)n);
        size_t i = 0;
        if (d && wl_map_put(&w->deps, key, d, NULL) == KS_OK) {
            for (; i < d->n_owners; i++)
                if (kids_add(w, d, i) != KS_OK)
                    break;
            if (i < d->n_owners) { /* out of memory: forget it whole */
                while (i-- > 0)
                    kids_del(w, d, i);
                wl_dep_free(wl_map_del(&w->deps, key));
            }
        } else {
            wl_dep_free(d);
        }
        w->gc_dirty = true;
    }
    const char *uid = ks_json_str(obj, "metadata.uid");
    if (deleted) {
        if (uid && refcount(w, uid))
            (void)wl_map_put(&w->gone, uid, NULL, NULL);
        wl_map_del(&w->finalizing, key);
    } else if (ks_json_path(obj, "metadata.deletionTimestamp") &&
               (has_finalizer(obj, FIN_FOREGROUND) || has_finalizer(obj, FIN_ORPHAN))) {
        (void)wl_map_put(&w->finalizing, key, NULL, NULL);
        w->gc_dirty = true;
    } else {
        wl_map_del(&w->finalizing, key);
    }
}

/* ------------------------------------------------------------------ */

static const ks_rtype *owner_type(const ks_workload *w, const struct wl_owner *ow)
{
    char group[128];
    const char *version = ow->api_version, *slash = strchr(ow->api_version, '/');

    group[0] = '\0';
    if (slash) {
        snprintf(group, sizeof(group), "%.*s", (int)(slash - ow->api_version), ow->api_version);
        version = slash + 1;
    }
    return ks_registry_find_kind(w->s->reg, group, version, ow->kind);
}

/* Unknown kinds count as present: kubesim cannot tell. */
static bool owner_exists(const ks_workload *w, const struct wl_dep *d, const struct wl_owner *ow)
{
    const ks_rtype *rt = owner_type(w, ow);
    const ks_obj *o;

    if (!rt)
        return true;
    o = ks_store_get(w->s->store, rt, rt->namespaced ? d->ns : "", ow->name);
    return o && strstr(o->json, ow->uid);
}

/* Keys of the dependents of uid, each once (a snapshot: the caller
 * writes). */
static char **dependents_of(const ks_workload *w, const char *uid, size_t *n)
{
    struct wl_dep *const *deps;
    size_t nd = wl_dependents(w, uid, &deps), k = 0;
    char **v;

    *n = 0;
    if (!nd || !(v = calloc(nd, sizeof(*v))))
        return NULL;
    for (size_t i = 0; i < nd; i++) {
        const struct wl_dep *d = deps[i];
        size_t first = 0;
        char key[600];
        while (first < d->n_owners && strcmp(d->owners[first].uid, uid) != 0)
            first++;
        if (first == d->n_owners || d->owners[first].slot != i)
            continue; /* one of its later references to uid */
        snprintf(key, sizeof(key), "%d/%s/%s", d->rt_id, d->ns, d->name);
        if (!(v[k] = strdup(key)))
            break;
        k++;
    }
    *n = k;
    return v;
}

static void delete_dep(ks_workload *w, const struct wl_dep *d, const char *propagation)
{
    const ks_rtype *rt = ks_registry_at(w->s->reg, (size_t)d->rt_id);
    char ns[256], name[256];

    if (!rt)
        return;
    snprintf(ns, sizeof(ns), "%s", d->ns);
    snprintf(name, sizeof(name), "%s", d->name);
    (void)ks_api_delete(w->s, rt, ns, name, propagation);
}

static void collect_gone(ks_workload *w, const char *uid)
{
    size_t n;
    char **keys = dependents_of(w, uid, &n);

    for (size_t i = 0; i < n; i++) {
        struct wl_dep *d = wl_map_get(&w->deps, keys[i]);
        bool all_gone = true;
        if (!d || d->deleting)
            continue;
        for (size_t j = 0; j < d->n_owners && all_gone; j++)
            all_gone = !owner_exists(w, d, &d->owners[j]);
        if (all_gone)
            delete_dep(w, d, "Background");
    }
    wl_keys_free(keys, n);
}

/* Removes finalizer from obj and writes it; when the api layer leaves a
 * deleting object without finalizers behind, removes it. */
static void drop_finalizer(ks_workload *w, const ks_rtype *rt, cJSON *obj, const char *fin)
{
    cJSON *fins = ks_json_path(obj, "metadata.finalizers");
    const ks_obj *out = NULL;
    int i = 0;
    const cJSON *f;

    cJSON_ArrayForEach(f, fins)
    {
        if (cJSON_IsString(f) && !strcmp(f->valuestring, fin))
            break;
        i++;
    }
    cJSON_DeleteItemFromArray(fins, i);
    if (ks_api_update(w->s, rt, obj, false, WL_MANAGER, &out) != KS_OK || !out)
        return;
    cJSON *fresh = cJSON_Parse(out->json);
    if (fresh && ks_json_path(fresh, "metadata.deletionTimestamp") &&
        cJSON_GetArraySize(ks_json_path(fresh, "metadata.finalizers")) == 0) {
        char ns[256], name[256];
        snprintf(ns, sizeof(ns), "%s", out->ns);
        snprintf(name, sizeof(name), "%s", out->name);
        (void)ks_store_remove(w->s->store, rt, ns, name, 0, NULL);
    }
    cJSON_Delete(fresh);
}

static void orphan_dependents(ks_workload *w, const char *uid)
{
    size_t n;
    char **keys = dependents_of(w, uid, &n);

    for (size_t i = 0; i < n; i++) {
        struct wl_dep *d = wl_map_get(&w->deps, keys[i]);
        const ks_rtype *rt = d ? ks_registry_at(w->s->reg, (size_t)d->rt_id) : NULL;
        const ks_obj *o = rt ? ks_store_get(w->s->store, rt, d->ns, d->name) : NULL;
        cJSON *obj = o ? cJSON_Parse(o->json) : NULL;
        cJSON *refs = ks_json_path(obj, "metadata.ownerReferences");
        int j = 0;
        const cJSON *r;

        if (!refs) {
            cJSON_Delete(obj);
            continue;
        }
        cJSON_ArrayForEach(r, refs)
        {
            const char *u = ks_json_str(r, "uid");
            if (u && !strcmp(u, uid))
                break;
            j++;
        }
        cJSON_DeleteItemFromArray(refs, j);
        if (cJSON_GetArraySize(refs) == 0)
            cJSON_DeleteItemFromObjectCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "ownerReferences");
        (void)ks_api_update(w->s, rt, obj, false, WL_MANAGER, NULL);
        cJSON_Delete(obj);
    }
    wl_keys_free(keys, n);
}

static void finalize_owner(ks_workload *w, const char *key)
{
    int id;
    char ns[256], name[256];
    const ks_rtype *rt;
    const ks_obj *o;
    cJSON *obj;

    const char *a = strchr(key, '/'), *b = a ? strchr(a + 1, '/') : NULL;
    if (!b || (size_t)(b - a - 1) >= sizeof(ns) || strlen(b + 1) >= sizeof(name))
        goto forget;
    id = (int)strtol(key, NULL, 10);
    snprintf(ns, sizeof(ns), "%.*s", (int)(b - a - 1), a + 1);
    snprintf(name, sizeof(name), "%s", b + 1);
    rt = ks_registry_at(w->s->reg, (size_t)id);
    o = rt ? ks_store_get(w->s->store, rt, ns, name) : NULL;
    if (!o || !(obj = cJSON_Parse(o->json)))
        goto forget;
    const char *uid = ks_json_str(obj, "metadata.uid");
    if (!uid || !ks_json_path(obj, "metadata.deletionTimestamp")) {
        cJSON_Delete(obj);
        goto forget;
    }
    if (has_finalizer(obj, FIN_ORPHAN)) {
        if (refcount(w, uid))
            orphan_dependents(w, uid);
        if (!refcount(w, uid))
            drop_finalizer(w, rt, obj, FIN_ORPHAN);
    } else if (has_finalizer(obj, FIN_FOREGROUND)) {
        if (!refcount(w, uid)) {
            drop_finalizer(w, rt, obj, FIN_FOREGROUND);
        } else {
            size_t n;
            char **keys = dependents_of(w, uid, &n);
            for (size_t i = 0; i < n; i++) {
                struct wl_dep *d = wl_map_get(&w->deps, keys[i]);
                if (d && !d->deleting)
                    delete_dep(w, d, refcount(w, d->uid) ? "Foreground" : "Background");
            }
            wl_keys_free(keys, n);
        }
    }
    cJSON_Delete(obj);
    return;
forget:
    wl_map_del(&w->finalizing, key);
}

/* ------------------------------------------------------------------ */
/* Namespaces                                                          */

struct ns_scan {
    size_t remaining;
    char **names;
    size_t n, cap;
};

static bool scan_ns(void *ud, const ks_obj *o)
{
    struct ns_scan *sc = ud;

    sc->remaining++;
    if (strstr(o->json, "\"deletionTimestamp\"")) {
        cJSON *obj = cJSON_Parse(o->json);
        bool deleting = ks_json_path(obj, "metadata.deletionTimestamp") != NULL;
        cJSON_Delete(obj);
        if (deleting)
            return true; /* already on its way out */
    }
    if (sc->n == sc->cap) {
        size_t nc = sc->cap ? sc->cap * 2 : 16;
        char **v = realloc(sc->names, nc * sizeof(*v));
        if (!v)
            return false;
        sc->names = v;
        sc->cap = nc;
    }
    if ((sc->names[sc->n] = strdup(o->name)) != NULL)
        sc->n++;
    return true;
}

static void finish_namespace(ks_workload *w, const char *name, cJSON *ns)
{
    cJSON *fins = ks_json_path(ns, "spec.finalizers");
    const ks_obj *o;
    int i = 0;
    const cJSON *f;
    bool found = false;

    cJSON_ArrayForEach(f, fins)
    {
        if (cJSON_IsString(f) && !strcmp(f->valuestring, "kubernetes")) {
            found = true;
            break;
        }
        i++;
    }
    if (found) {
        cJSON_DeleteItemFromArray(fins, i);
        (void)ks_api_update(w->s, w->rt_ns, ns, false, WL_MANAGER, NULL);
    }
    o = ks_store_get(w->s->store, w->rt_ns, "", name);
    if (!o || cJSON_GetArraySize(ks_json_path(ns, "metadata.finalizers")) > 0)
        return;
    (void)ks_api_delete(w->s, w->rt_ns, "", name, NULL);
    o = ks_store_get(w->s->store, w->rt_ns, "", name);
    if (o && strstr(o->json, "\"deletionTimestamp\""))
        (void)ks_store_remove(w->s->store, w->rt_ns, "", name, 0, NULL);
}

static void empty_namespace(ks_workload *w, const char *name)
{
    const ks_obj *o = ks_store_get(w->s->store, w->rt_ns, "", name);
    size_t remaining = 0;
    cJSON *ns;

    if (!o || !(ns = cJSON_Parse(o->json))) {
        if (!o)
            wl_map_del(&w->terminating, name);
        return;
    }
    if (!ks_json_path(ns, "metadata.deletionTimestamp")) {
        wl_map_del(&w->terminating, name);
        cJSON_Delete(ns);
        return;
    }
    for (size_t i = 0, nt = ks_registry_count(w->s->reg); i < nt; i++) {
        const ks_rtype *rt = ks_registry_at(w->s->reg, i);
        struct ns_scan sc = {0};
        if (!rt || !rt->namespaced || rt->origin == KS_RT_VIRTUAL || rt->storage)
            continue;
        ks_store_each(w->s->store, rt, name, scan_ns, &sc);
        remaining += sc.remaining;
        for (size_t j = 0; j < sc.n; j++) {
            int rc = ks_api_delete(w->s, rt, name, sc.names[j], "Background");
            if (rc != KS_OK && rc != KS_ENOTFOUND && wl_map_has(&w->terminating, name))
                (void)wl_map_put(&w->terminating, name, w, NULL); /* again next tick */
            free(sc.names[j]);
        }
        free(sc.names);
    }
    if (!remaining)
        finish_namespace(w, name, ns);
    cJSON_Delete(ns);
}

void wl_gc_tick(ks_workload *w)
{
    size_t n;
    char **keys;

    if (w->gone.n) {
        struct wl_map gone = w->gone;
        wl_map_init(&w->gone);
        keys = wl_map_keys(&gone, &n);
        if (!keys) {
            wl_map_free(&w->gone, NULL);
            w->gone = gone; /* out of memory: again at the next tick */
        } else {
            wl_map_free(&gone, NULL);
            for (size_t i = 0; i < n; i++)
                collect_gone(w, keys[i]);
            wl_keys_free(keys, n);
        }
    }
    /* Finalizing owners wait on their dependents: look again only when
     * one changed (or a new owner started finalizing). */
    if (w->finalizing.n && w->gc_dirty) {
        w->gc_dirty = false;
        keys = wl_map_keys(&w->finalizing, &n);
        for (size_t i = 0; i < n; i++)
            finalize_owner(w, keys[i]);
        wl_keys_free(keys, n);
    }
    if (w->terminating.n) {
        keys = wl_map_keys(&w->terminating, &n);
        for (size_t i = 0; i < n; i++) {
            /* Swept again only after a change in it. */
            if (!wl_map_get(&w->terminating, keys[i]))
                continue;
            (void)wl_map_put(&w->terminating, keys[i], NULL, NULL);
            empty_namespace(w, keys[i]);
        }
        wl_keys_free(keys, n);
    }
}
