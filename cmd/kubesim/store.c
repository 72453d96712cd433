/*
 * kubesim: the object store -- objects by (storage type, namespace,
 * name), the global resourceVersion, the change history and the writes.
 * Lists are in store_list.c, watches in store_watch.c.
 *
 * Objects of one storage type (a bucket) sit in an array sorted by their
 * etcd key ("ns/name"), so a GET is a binary search and a LIST a range.
 * Each state is a shared snapshot (store_internal.h).
 */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KS_STORE_FIRST_RV 100

/* ------------------------------------------------------------------ */
/* Snapshots                                                           */

void ks_snap_unref(struct ks_snap *s)
{
    if (!s || --s->refs > 0)
        return;
    free(s->obj.json);
    free(s);
}

static struct ks_snap *snap_ref(struct ks_snap *s)
{
    if (s)
        s->refs++;
    return s;
}

/* One allocation for the header, the labels and the strings; json is
 * taken over (freed on failure too). */
static struct ks_snap *snap_new(const ks_rtype *rt, const char *ns, const char *name, uint64_t rv,
                                const cJSON *labels, char *json)
{
    size_t nl = 0, strs = 0, nslen = strlen(ns), namelen = strlen(name);
    const cJSON *l;

    cJSON_ArrayForEach(l, labels)
    {
        if (!cJSON_IsString(l) || !l->string)
            continue;
        nl++;
        strs += strlen(l->string) + strlen(l->valuestring) + 2;
    }
    /* key ("ns/name") + ns copy */
    strs += nslen + 1 + namelen + 1 + nslen + 1;
    struct ks_snap *s = malloc(sizeof(*s) + nl * sizeof(struct ks_label) + strs);
    if (!s) {
        free(json);
        return NULL;
    }
    memset(s, 0, sizeof(*s));
    struct ks_label *lab = (struct ks_label *)(s + 1);
    char *p = (char *)(lab + nl);

    s->refs = 1;
    s->key = p;
    if (nslen) {
        memcpy(p, ns, nslen);
        p[nslen] = '/';
        p += nslen + 1;
    }
    memcpy(p, name, namelen + 1);
    s->obj.name = p;
    p += namelen + 1;
    memcpy(p, ns, nslen + 1);
    s->obj.ns = p;
    p += nslen + 1;
    nl = 0;
    cJSON_ArrayForEach(l, labels)
    {
        if (!cJSON_IsString(l) || !l->string)
            continue;
        size_t kl = strlen(l->string) + 1, vl = strlen(l->valuestring) + 1;
        lab[nl].key = memcpy(p, l->string, kl);
        p += kl;
        lab[nl].value = memcpy(p, l->valuestring, vl);
        p += vl;
        nl++;
    }
    s->obj.rt = rt;
    s->obj.rv = rv;
    s->obj.labels = lab;
    s->obj.n_labels = nl;
    s->obj.json = json;
    s->obj.json_len = strlen(json);
    return s;
}

/* ------------------------------------------------------------------ */
/* Buckets                                                             */

void ks_st_api_version(const ks_rtype *rt, char *out, size_t cap)
{
    if (rt->group[0])
        snprintf(out, cap, "%s/%s", rt->group, rt->version);
    else
        snprintf(out, cap, "%s", rt->version);
}

static const ks_rtype *storage_of(const ks_rtype *rt)
{
    return rt->storage ? rt->storage : rt;
}

static bool bucket_is(const struct ks_bucket *b, const ks_rtype *srt)
{
    return strcmp(b->group, srt->group) == 0 && strcmp(b->resource, srt->resource) == 0;
}

struct ks_bucket *ks_st_bucket(ks_store *st, const ks_rtype *rt, bool create)
{
    const ks_rtype *srt;
    struct ks_bucket *b = NULL;

    if (!rt)
        return NULL;
    srt = storage_of(rt);
    if (srt->id >= 0 && (size_t)srt->id < st->n_by_id && st->by_id[srt->id] &&
        bucket_is(st->by_id[srt->id], srt)) {
        b = st->by_id[srt->id];
    }
    for (size_t i = 0; !b && i < st->nb; i++)
        if (bucket_is(st->buckets[i], srt))
            b = st->buckets[i];
    if (!b && !create)
        return NULL;
    if (!b) {
        if (st->nb == st->capb) {
            size_t cap = st->capb ? st->capb * 2 : 16;
            struct ks_bucket **v = realloc(st->buckets, cap * sizeof(*v));
            if (!v)
                return NULL;
            st->buckets = v;
            st->capb = cap;
        }
        b = calloc(1, sizeof(*b));
        if (!b)
            return NULL;
        snprintf(b->group, sizeof(b->group), "%s", srt->group);
        snprintf(b->resource, sizeof(b->resource), "%s", srt->resource);
        st->buckets[st->nb++] = b;
    }
    b->rt = srt;
    if (srt->id >= 0 && srt->id < 1 << 20) {
        if ((size_t)srt->id >= st->n_by_id) {
            size_t n = (size_t)srt->id + 16;
            struct ks_bucket **v = realloc(st->by_id, n * sizeof(*v));
            if (v) {
                memset(v + st->n_by_id, 0, (n - st->n_by_id) * sizeof(*v));
                st->by_id = v;
                st->n_by_id = n;
            }
        }
        if ((size_t)srt->id < st->n_by_id)
            st->by_id[srt->id] = b;
    }
    return b;
}

/* memcmp order of a NUL-terminated key against key[0..len). */
static int key_cmp(const char *a, const char *key, size_t len)
{
    size_t al = strlen(a);
    int c = memcmp(a, key, al < len ? al : len);
    if (c)
        return c;
    return al < len ? -1 : al > len ? 1 : 0;
}

size_t ks_st_lower_bound(const struct ks_bucket *b, const char *key, size_t len)
{
    size_t lo = 0, hi = b->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(b->objs[mid]->key, key, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Builds "ns/name" into buf (or a malloc'd string when longer). */
static char *make_key(const char *ns, const char *name, char *buf, size_t cap, size_t *len)
{
    size_t nl = ns ? strlen(ns) : 0, n = strlen(name);
    size_t total = nl ? nl + 1 + n : n;
    char *k = total + 1 <= cap ? buf : malloc(total + 1);

    if (!k)
        return NULL;
    if (nl) {
        memcpy(k, ns, nl);
        k[nl] = '/';
        memcpy(k + nl + 1, name, n + 1);
    } else {
        memcpy(k, name, n + 1);
    }
    *len = total;
    return k;
}

/* Index of the key, or -1 with *ins the insertion point. */
static long bucket_find(const struct ks_bucket *b, const char *ns, const char *name, size_t *ins)
{
    char buf[384];
    size_t len, i;
    char *k = make_key(ns, name, buf, sizeof(buf), &len);
    long r = -1;

    if (!k) {
        if (ins)
            *ins = b->n;
        return -1;
    }
    i = ks_st_lower_bound(b, k, len);
    if (i < b->n && key_cmp(b->objs[i]->key, k, len) == 0)
        r = (long)i;
    if (ins)
        *ins = i;
    if (k != buf)
        free(k);
    return r;
}

/* ------------------------------------------------------------------ */
/* Store                                                               */

ks_store *ks_store_new(const struct ks_store_opts *o)
{
    ks_store *st = calloc(1, sizeof(*st));

    if (!st)
        return NULL;
    if (o)
        st->o = *o;
    if (st->o.history == 0)
        st->o.history = 10000;
    if (st->o.bookmark_every <= 0)
        st->o.bookmark_every = 60;
    st->hist = calloc(st->o.history, sizeof(*st->hist));
    if (!st->hist) {
        free(st);
        return NULL;
    }
    st->rv = KS_STORE_FIRST_RV;
    st->oldest_rv = KS_STORE_FIRST_RV;
    return st;
}

static void hist_clear(ks_store *st)
{
    for (size_t i = 0; i < st->hn; i++) {
        struct ks_hist_ev *e = &st->hist[(st->hhead + i) % st->o.history];
        ks_snap_unref(e->cur);
        ks_snap_unref(e->prev);
    }
    st->hhead = st->hn = 0;
}

void ks_store_free(ks_store *st)
{
    if (!st)
        return;
    ks_st_free_watchers(st);
    hist_clear(st);
    free(st->hist);
    for (size_t i = 0; i < st->nb; i++) {
        struct ks_bucket *b = st->buckets[i];
        for (size_t k = 0; k < b->n; k++)
            ks_snap_unref(b->objs[k]);
        free(b->objs);
        free(b->w);
        free(b);
    }
    free(st->buckets);
    free(st->by_id);
    free(st->subs);
    ks_snap_unref(st->last_removed);
    free(st);
}

uint64_t ks_store_rv(const ks_store *st)
{
    return st->rv;
}

uint64_t ks_store_oldest_rv(const ks_store *st)
{
    return st->oldest_rv;
}

const struct ks_hist_ev *ks_st_hist_at(const ks_store *st, size_t i)
{
    return i < st->hn ? &st->hist[(st->hhead + i) % st->o.history] : NULL;
}

void ks_store_compact(ks_store *st)
{
    hist_clear(st);
    st->oldest_rv = st->rv;
}

void ks_store_subscribe(ks_store *st, ks_store_sub_fn fn, void *ud)
{
    if (st->nsubs == st->capsubs) {
        size_t cap = st->capsubs ? st->capsubs * 2 : 4;
        struct ks_sub *v = realloc(st->subs, cap * sizeof(*v));
        if (!v)
            return;
        st->subs = v;
        st->capsubs = cap;
    }
    st->subs[st->nsubs].fn = fn;
    st->subs[st->nsubs].ud = ud;
    st->nsubs++;
}

const ks_obj *ks_store_get(const ks_store *st, const ks_rtype *rt, const char *ns, const char *name)
{
    struct ks_bucket *b;
    long i;

    if (!rt || !name)
        return NULL;
    b = ks_st_bucket((ks_store *)st, rt, false);
    if (!b)
        return NULL;
    i = bucket_find(b, storage_of(rt)->namespaced ? ns : "", name, NULL);
    if (i < 0)
        return NULL;
    b->objs[i]->obj.rt = b->rt;
    return &b->objs[i]->obj;
}

size_t ks_store_count(const ks_store *st, const ks_rtype *rt)
{
    struct ks_bucket *b = rt ? ks_st_bucket((ks_store *)st, rt, false) : NULL;
    return b ? b->n : 0;
}

void ks_store_each(const ks_store *st, const ks_rtype *rt, const char *ns, ks_store_each_fn fn,
                   void *ud)
{
    struct ks_bucket *b = rt ? ks_st_bucket((ks_store *)st, rt, false) : NULL;
    char pbuf[80];
    size_t plen = 0, i = 0;

    if (!b)
        return;
    if (ns && storage_of(rt)->namespaced) {
        plen = (size_t)snprintf(pbuf, sizeof(pbuf), "%s/", ns);
        if (plen >= sizeof(pbuf))
            return; /* no namespace name is that long */
        i = ks_st_lower_bound(b, pbuf, plen);
    }
    while (i < b->n) {
        struct ks_snap *s = b->objs[i];
        if (plen && strncmp(s->key, pbuf, plen) != 0)
            break;
        uint64_t mods = b->mods;
        s->obj.rt = b->rt;
        snap_ref(s);
        bool more = fn(ud, &s->obj);
        if (more && b->mods != mods) /* the callback wrote: re-seek after s */
            i = ks_st_lower_bound(b, s->key, strlen(s->key) + 1);
        else
            i++;
        ks_snap_unref(s);
        if (!more)
            break;
    }
}

/* ------------------------------------------------------------------ */
/* resourceVersion in metadata                                         */

int ks_st_set_meta_rv(cJSON *obj, uint64_t rv, bool sorted_keys)
{
    static const char *const after[] = {"uid", "selfLink", "namespace", "generateName", "name"};
    char buf[24];
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    cJSON *old, *item;

    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)rv);
    if (!cJSON_IsObject(obj))
        return KS_EINVALID;
    if (!meta) {
        meta = cJSON_AddObjectToObject(obj, "metadata");
        if (!meta)
            return KS_ENOMEM;
    } else if (!cJSON_IsObject(meta)) {
        return KS_EINVALID;
    }
    item = cJSON_CreateString(buf);
    if (!item)
        return KS_ENOMEM;
    old = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
    if (old) {
        /* keeps the key's place */
        if (cJSON_ReplaceItemInObjectCaseSensitive(meta, "resourceVersion", item))
            return KS_OK;
        cJSON_Delete(item);
        return KS_ENOMEM;
    }
    /* absent: where the real server puts it */
    int idx = 0, i = 0;
    const cJSON *c;
    if (sorted_keys) {
        cJSON_ArrayForEach(c, meta)
        {
            if (c->string && strcmp(c->string, "resourceVersion") > 0)
                break;
            idx = ++i;
        }
    } else {
        for (size_t a = 0; a < sizeof(after) / sizeof(after[0]) && !idx; a++) {
            i = 0;
            cJSON_ArrayForEach(c, meta)
            {
                i++;
                if (c->string && strcmp(c->string, after[a]) == 0) {
                    idx = i;
                    break;
                }
            }
        }
    }
    cJSON_AddItemToObject(meta, "resourceVersion", item);
    cJSON *at = cJSON_GetArrayItem(meta, idx);
    if (at && at != item) {
        /* move it before `at` (cJSON: child->prev is the last item) */
        cJSON_DetachItemViaPointer(meta, item);
        item->next = at;
        item->prev = at->prev;
        if (at == meta->child)
            meta->child = item;
        else
            at->prev->next = item;
        at->prev = item;
    }
    return KS_OK;
}

/* ------------------------------------------------------------------ */
/* Writes                                                              */

static bool name_ok(const char *s, bool allow_empty)
{
    if (!s)
        return allow_empty;
    if (!*s)
        return allow_empty;
    return !strchr(s, '/');
}

/* Serializes obj (not consumed) with metadata.resourceVersion = rv. */
static struct ks_snap *snap_from(const ks_rtype *srt, const cJSON *obj, const char *ns,
                                 const char *name, uint64_t rv)
{
    cJSON *dup = cJSON_Duplicate(obj, true);
    char *json;

    if (!dup)
        return NULL;
    if (ks_st_set_meta_rv(dup, rv, srt->origin == KS_RT_CUSTOM)) {
        cJSON_Delete(dup);
        return NULL;
    }
    json = cJSON_PrintUnformatted(dup);
    struct ks_snap *s =
        json ? snap_new(srt, ns, name, rv, ks_json_path(dup, "metadata.labels"), json) : NULL;
    cJSON_Delete(dup);
    return s;
}

static const char *const ev_names[] = {"ADDED", "MODIFIED", "DELETED"};

/* Records the change (taking one reference of cur and prev), feeds the
 * watches and the subscribers. */
static void commit(ks_store *st, struct ks_bucket *b, enum ks_ev_type type, struct ks_snap *cur,
                   struct ks_snap *prev)
{
    struct ks_hist_ev *e;

    if (st->hn == st->o.history) {
        e = &st->hist[st->hhead];
        st->oldest_rv = e->rv;
        ks_snap_unref(e->cur);
        ks_snap_unref(e->prev);
        st->hhead = (st->hhead + 1) % st->o.history;
        st->hn--;
    }
    e = &st->hist[(st->hhead + st->hn) % st->o.history];
    st->hn++;
    e->rv = cur->obj.rv;
    e->type = type;
    e->b = b;
    e->cur = snap_ref(cur);
    e->prev = snap_ref(prev);
    b->last_rv = cur->obj.rv;
    ks_st_dispatch(st, e);
    for (size_t i = 0; i < st->nsubs; i++)
        st->subs[i].fn(st->subs[i].ud, ev_names[type], &cur->obj);
}

static int read_key(const ks_rtype *srt, const cJSON *obj, const char **ns, const char **name)
{
    *name = ks_json_str(obj, "metadata.name");
    *ns = srt->namespaced ? ks_json_str(obj, "metadata.namespace") : "";
    if (!name_ok(*name, false) || !name_ok(*ns, !srt->namespaced))
        return KS_EINVALID;
    return KS_OK;
}

int ks_store_create(ks_store *st, const ks_rtype *rt, const cJSON *obj, const ks_obj **out)
{
    struct ks_bucket *b;
    const char *ns, *name;
    size_t ins;
    struct ks_snap *s;

    if (!rt || !cJSON_IsObject(obj))
        return KS_EINVALID;
    if (read_key(storage_of(rt), obj, &ns, &name))
        return KS_EINVALID;
    b = ks_st_bucket(st, rt, true);
    if (!b)
        return KS_ENOMEM;
    if (bucket_find(b, ns, name, &ins) >= 0)
        return KS_EEXISTS;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct ks_snap **v = realloc(b->objs, cap * sizeof(*v));
        if (!v)
            return KS_ENOMEM;
        b->objs = v;
        b->cap = cap;
    }
    s = snap_from(b->rt, obj, ns, name, st->rv + 1);
    if (!s)
        return KS_ENOMEM;
    st->rv++;
    memmove(b->objs + ins + 1, b->objs + ins, (b->n - ins) * sizeof(*b->objs));
    b->objs[ins] = s;
    b->n++;
    b->mods++;
    if (out)
        *out = &s->obj;
    commit(st, b, KS_EV_ADDED, s, NULL);
    return KS_OK;
}

int ks_store_update(ks_store *st, const ks_rtype *rt, const cJSON *obj, uint64_t expect_rv,
                    const ks_obj **out)
{
    struct ks_bucket *b;
    const char *ns, *name;
    long i;
    struct ks_snap *s, *old;

    if (!rt || !cJSON_IsObject(obj))
        return KS_EINVALID;
    if (read_key(storage_of(rt), obj, &ns, &name))
        return KS_EINVALID;
    b = ks_st_bucket(st, rt, false);
    if (!b || (i = bucket_find(b, ns, name, NULL)) < 0)
        return KS_ENOTFOUND;
    old = b->objs[i];
    if (expect_rv && expect_rv != old->obj.rv)
        return KS_ECONFLICT;
    s = snap_from(b->rt, obj, ns, name, st->rv + 1);
    if (!s)
        return KS_ENOMEM;
    st->rv++;
    b->objs[i] = s;
    if (out)
        *out = &s->obj;
    commit(st, b, KS_EV_MODIFIED, s, old);
    ks_snap_unref(old); /* the table's reference */
    return KS_OK;
}

int ks_store_remove(ks_store *st, const ks_rtype *rt, const char *ns, const char *name,
                    uint64_t expect_rv, const ks_obj **out_last)
{
    struct ks_bucket *b;
    long i;
    struct ks_snap *old, *s;
    cJSON *tree;
    char *json;

    if (!rt || !name)
        return KS_ENOTFOUND;
    if (!storage_of(rt)->namespaced)
        ns = "";
    b = ks_st_bucket(st, rt, false);
    if (!b || (i = bucket_find(b, ns ? ns : "", name, NULL)) < 0)
        return KS_ENOTFOUND;
    old = b->objs[i];
    if (expect_rv && expect_rv != old->obj.rv)
        return KS_ECONFLICT;
    /* the last state with a fresh resourceVersion */
    tree = cJSON_ParseWithLength(old->obj.json, old->obj.json_len);
    if (!tree || ks_st_set_meta_rv(tree, st->rv + 1, b->rt->origin == KS_RT_CUSTOM) ||
        !(json = cJSON_PrintUnformatted(tree))) {
        cJSON_Delete(tree);
        return KS_ENOMEM;
    }
    s = snap_new(b->rt, old->obj.ns, old->obj.name, st->rv + 1,
                 ks_json_path(tree, "metadata.labels"), json);
    cJSON_Delete(tree);
    if (!s)
        return KS_ENOMEM;
    st->rv++;
    memmove(b->objs + i, b->objs + i + 1, (b->n - (size_t)i - 1) * sizeof(*b->objs));
    b->n--;
    b->mods++;
    ks_snap_unref(st->last_removed);
    st->last_removed = snap_ref(s);
    if (out_last)
        *out_last = &s->obj;
    commit(st, b, KS_EV_DELETED, s, old);
    ks_snap_unref(old);
    ks_snap_unref(s); /* history and last_removed hold it */
    return KS_OK;
}
