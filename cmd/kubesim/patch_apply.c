/*
 * kubesim: server-side apply (structured-merge-diff's Updater.Apply).
 *
 *   1. the applied configuration merges into live: maps merge, list-maps
 *      and sets merge item by item, everything else is replaced;
 *   2. the applier's Apply entry becomes the configuration's field set;
 *   3. fields the applier owned before and no longer sends are removed
 *      from the object unless some manager still owns them (or something
 *      under them);
 *   4. every field the result changes that another manager owns is a
 *      conflict: without force the apply fails (KS_ECONFLICT, one cause
 *      per field), with force the fields move to the applier.
 */
#include "patch_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- 1. merge ---- */

static cJSON *merge(const cJSON *l, const cJSON *r, struct ks_fpath *fp, bool is_item);

static char *item_key(const cJSON *e, const struct ks_list_info *li)
{
    return li->kind == KS_LIST_MAP ? ks_fs_key_item(e, li) : ks_fs_key_value(e);
}

static char **keys_of(const cJSON *list, const struct ks_list_info *li, size_t *n, bool *bad)
{
    size_t cnt = (size_t)cJSON_GetArraySize(list), i = 0;
    char **v = calloc(cnt + 1, sizeof(char *));

    *n = cnt;
    if (!v)
        return NULL;
    for (const cJSON *e = list->child; e; e = e->next, i++) {
        v[i] = item_key(e, li);
        if (!v[i])
            *bad = true;
    }
    return v;
}

static void free_keys(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static long find(char **keys, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (keys[i] && k && !strcmp(keys[i], k))
            return (long)i;
    return -1;
}

/* smd's mergingWalker.visitListItems: live items keep their places, the
 * shared ones follow the configuration's order, new ones go where the
 * configuration puts them relative to the shared ones. */
static cJSON *merge_list(const cJSON *l, const cJSON *r, const struct ks_list_info *li,
                         struct ks_fpath *fp)
{
    size_t ln = 0, rn = 0, si = 0, nshared = 0;
    bool bad = false;
    char **lk = keys_of(l, li, &ln, &bad), **rk = keys_of(r, li, &rn, &bad);
    char **merged = calloc(rn + 1, sizeof(char *)); /* keys of r already output */
    size_t nmerged = 0;
    long *shared = calloc(rn + 1, sizeof(long));
    cJSON *out = NULL;

    if (!lk || !rk || !merged || !shared)
        goto done;
    if (bad) { /* not a proper list of keyed items: the configuration wins */
        out = cJSON_Duplicate(r, true);
        goto done;
    }
    for (size_t i = 0; i < rn; i++)
        if (find(lk, ln, rk[i]) >= 0)
            shared[nshared++] = (long)i;
    out = cJSON_CreateArray();
    if (!out)
        goto done;
    const char *next_shared = nshared ? rk[shared[0]] : NULL;
    size_t li_ = 0, ri = 0;
    while (li_ < ln || ri < rn) {
        cJSON *item = NULL;
        if (li_ < ln && ri < rn) {
            const char *pe = lk[li_];
            if (!strcmp(pe, rk[ri])) {
                merged[nmerged++] = rk[ri];
                item = merge(cJSON_GetArrayItem(l, (int)li_), cJSON_GetArrayItem(r, (int)ri), fp,
                             true);
                li_++;
                ri++;
                si++;
                next_shared = si < nshared ? rk[shared[si]] : NULL;
                goto add;
            }
            if (find(rk, rn, pe) >= 0 && next_shared && strcmp(next_shared, pe)) {
                li_++;
                continue;
            }
        }
        if (li_ < ln) {
            const char *pe = lk[li_];
            if (find(rk, rn, pe) < 0) {
                item = cJSON_Duplicate(cJSON_GetArrayItem(l, (int)li_), true);
                li_++;
                goto add;
            }
            if (find(merged, nmerged, pe) >= 0) {
                li_++;
                continue;
            }
        }
        if (ri < rn) {
            const char *pe = rk[ri];
            long lj = find(lk, ln, pe);
            merged[nmerged++] = rk[ri];
            item = merge(lj >= 0 ? cJSON_GetArrayItem(l, (int)lj) : NULL,
                         cJSON_GetArrayItem(r, (int)ri), fp, true);
            ri++;
            if (next_shared && !strcmp(next_shared, pe)) {
                si++;
                next_shared = si < nshared ? rk[shared[si]] : NULL;
            }
            goto add;
        }
        break; /* not reached: a shared live item is always merged from r */
    add:
        if (!item) {
            cJSON_Delete(out);
            out = NULL;
            goto done;
        }
        cJSON_AddItemToArray(out, item);
    }
done:
    free_keys(lk, ln);
    free_keys(rk, rn);
    free(merged);
    free(shared);
    return out;
}

static cJSON *merge(const cJSON *l, const cJSON *r, struct ks_fpath *fp, bool is_item)
{
    if (!r)
        return cJSON_Duplicate(l, true);
    if (!l)
        return cJSON_Duplicate(r, true);
    if (cJSON_IsObject(l) && cJSON_IsObject(r) && (is_item || !ks_smd_map_atomic(fp))) {
        cJSON *res = cJSON_Duplicate(l, true);
        if (!res)
            return NULL;
        for (const cJSON *c = r->child; c; c = c->next) {
            if (!c->string)
                continue;
            cJSON *cur = cJSON_GetObjectItemCaseSensitive(res, c->string);
            size_t m = ks_fpath_push(fp, c->string);
            cJSON *nv = merge(cur, c, fp, false);
            ks_fpath_pop(fp, m);
            if (!nv) {
                cJSON_Delete(res);
                return NULL;
            }
            if (cur)
                cJSON_ReplaceItemInObjectCaseSensitive(res, cur->string, nv);
            else
                cJSON_AddItemToObject(res, c->string, nv);
        }
        return res;
    }
    if (cJSON_IsArray(l) && cJSON_IsArray(r)) {
        struct ks_list_info li;
        ks_smd_list_info(fp, &li);
        if (li.kind != KS_LIST_ATOMIC)
            return merge_list(l, r, &li, fp);
    }
    return cJSON_Duplicate(r, true);
}

static cJSON *smd_merge_opts(const cJSON *live, const cJSON *config, const struct ks_fs_opts *o)
{
    struct ks_fpath fp;

    ks_fpath_init(&fp, o->kind);
    fp.custom = o->custom;
    fp.schema = o->schema;
    return merge(live, config, &fp, false);
}

cJSON *ks_smd_merge(const cJSON *live, const cJSON *config, const char *kind)
{
    struct ks_fs_opts o = {.kind = kind};

    return smd_merge_opts(live, config, &o);
}

/* ---- 3. prune ---- */

static bool exempt(const char *key)
{
    return !strcmp(key, "f:metadata") || !strcmp(key, "f:apiVersion") || !strcmp(key, "f:kind");
}

/* The paths of last that nobody owns any more (named fields count as
 * members, as smd's EnsureNamedFieldsAreMembers makes them). */
static int build_remove(const ks_fs *last, const ks_fs *owned, ks_fs *out, bool top)
{
    for (size_t i = 0; i < last->n; i++) {
        const ks_fs *c = last->kid[i];
        const ks_fs *o = owned ? ks_fs_find(owned, c->key) : NULL;
        bool owned_any = o && (o->member || !ks_fs_empty(o));
        bool as_member = (c->member || c->key[0] == 'f') && !(top && exempt(c->key));
        ks_fs *oc;

        if (as_member && !owned_any) {
            if (!(oc = ks_fs_child(out, c->key, true)))
                return KS_ENOMEM;
            oc->member = true;
        } else if (c->n) {
            if (!(oc = ks_fs_child(out, c->key, true)) || build_remove(c, o, oc, false))
                return KS_ENOMEM;
        }
    }
    return 0;
}

static cJSON *locate(cJSON *val, const ks_fs *node)
{
    if (node->key[0] == 'f')
        return cJSON_IsObject(val) ? cJSON_GetObjectItemCaseSensitive(val, node->key + 2) : NULL;
    if (!cJSON_IsArray(val))
        return NULL;
    if (node->key[0] == 'i')
        return cJSON_GetArrayItem(val, (int)strtol(node->key + 2, NULL, 10));
    for (cJSON *e = val->child; e; e = e->next)
        if (ks_fs_item_matches(e, node))
            return e;
    return NULL;
}

static void remove_paths(cJSON *val, const ks_fs *node)
{
    for (size_t i = 0; i < node->n; i++) {
        cJSON *sub = locate(val, node->kid[i]);
        if (!sub)
            continue;
        if (node->kid[i]->member)
            cJSON_Delete(cJSON_DetachItemViaPointer(val, sub));
        else
            remove_paths(sub, node->kid[i]);
    }
}

/* ---- 4. conflicts ---- */

struct conflict_ctx {
    struct ks_causes *causes;
    const char *who;
};

static int add_conflict(void *ud, const char *path)
{
    struct conflict_ctx *c = ud;

    ks_causes_add(c->causes, "FieldManagerConflict", path, "conflict with %s", c->who);
    return 0;
}

static void fail(int *rc, int code, struct ks_causes *causes, const char *field, const char *msg)
{
    *rc = code;
    if (causes && msg)
        ks_causes_add(causes, "", field, "%s", msg);
}

/* Equal apart from metadata.managedFields? */
static bool same_object(const cJSON *a, const cJSON *b)
{
    cJSON *x = cJSON_Duplicate(a, true), *y = cJSON_Duplicate(b, true);
    bool same = false;

    if (x && y) {
        cJSON *mx = cJSON_GetObjectItemCaseSensitive(x, "metadata");
        cJSON *my = cJSON_GetObjectItemCaseSensitive(y, "metadata");
        if (cJSON_IsObject(mx))
            cJSON_DeleteItemFromObjectCaseSensitive(mx, "managedFields");
        if (cJSON_IsObject(my))
            cJSON_DeleteItemFromObjectCaseSensitive(my, "managedFields");
        same = ks_json_equal(x, y);
    }
    cJSON_Delete(x);
    cJSON_Delete(y);
    return same;
}

cJSON *ks_apply_rt(const cJSON *live, const cJSON *applied, const ks_rtype *rt, const char *manager,
                   bool force, const char *api_version, double now, int *rc,
                   struct ks_causes *conflicts)
{
    struct ks_mf m = {0};
    struct ks_fs_opts o = {.reset = "status"};
    ks_fs *newset = NULL, *last = NULL, *owned = NULL, *rm = NULL;
    ks_fs *a = NULL, *mod = NULL, *r = NULL;
    ks_fs **conf = NULL;
    size_t n_conf = 0; /* conf's length: ks_mf_drop_empty may shrink m.n after */
    cJSON *merged = NULL;
    const cJSON *mf;
    int dummy;

    if (!rc)
        rc = &dummy;
    *rc = 0;
    if (!cJSON_IsObject(applied)) {
        fail(rc, KS_EBADREQ, conflicts, "", "the applied configuration must be a JSON object");
        return NULL;
    }
    if (live && !cJSON_IsObject(live)) {
        fail(rc, KS_EINVALID, conflicts, "", "the live object is not a JSON object");
        return NULL;
    }
    mf = ks_json_path(applied, "metadata.managedFields");
    if (mf && !cJSON_IsNull(mf)) {
        fail(rc, KS_EBADREQ, conflicts, "metadata.managedFields",
             "metadata.managedFields must be nil");
        return NULL;
    }
    if (!manager || !*manager) {
        fail(rc, KS_EBADREQ, conflicts, "",
             "PATCH, application/apply-patch+yaml requests require fieldManager to be set");
        return NULL;
    }
    if (!api_version)
        api_version = ks_json_str(applied, "apiVersion") ? ks_json_str(applied, "apiVersion") : "";
    o.kind = ks_json_str(applied, "kind");
    if (!o.kind && live)
        o.kind = ks_json_str(live, "kind");
    if (rt && rt->origin == KS_RT_CUSTOM) {
        o.custom = true;
        o.schema = rt->schema;
    }

    if (live && ks_mf_decode(live, &m))
        goto nomem;
    newset = ks_fs_of_object(applied, &o);
    merged = smd_merge_opts(live, applied, &o);
    if (!newset || !merged)
        goto nomem;

    /* 2. the applier's entry */
    struct ks_mf_entry *self = ks_mf_find(&m, manager, "Apply", api_version, "", true);
    if (!self)
        goto nomem;
    last = self->set;
    self->set = newset;
    newset = NULL;
    free(self->api_version);
    if (!(self->api_version = strdup(api_version)))
        goto nomem;

    /* 3. prune what the applier dropped */
    if (!ks_fs_empty(last)) {
        owned = ks_fs_new();
        rm = ks_fs_new();
        if (!owned || !rm)
            goto nomem;
        for (size_t i = 0; i < m.n; i++)
            if (ks_fs_union(owned, m.v[i].set))
                goto nomem;
        if (build_remove(last, owned, rm, true))
            goto nomem;
        ks_fs_prune(rm);
        remove_paths(merged, rm);
    }

    /* 4. conflicts with the other managers */
    if (live) {
        a = ks_fs_new();
        mod = ks_fs_new();
        r = ks_fs_new();
        conf = calloc(m.n + 1, sizeof(*conf));
        n_conf = conf ? m.n : 0;
        if (!a || !mod || !r || !conf || ks_fs_compare(live, merged, &o, a, mod, r) ||
            ks_fs_union(a, mod))
            goto nomem;
        bool any = false;
        for (size_t i = 0; i < m.n; i++) {
            if (&m.v[i] == self)
                continue;
            if (!(conf[i] = ks_fs_intersect(m.v[i].set, a)))
                goto nomem;
            ks_fs_prune(conf[i]);
            any |= !ks_fs_empty(conf[i]);
        }
        if (any && !force) {
            for (size_t i = 0; i < m.n; i++) {
                char who[320];
                if (!conf[i] || ks_fs_empty(conf[i]))
                    continue;
                ks_mf_describe(&m.v[i], who, sizeof(who));
                struct conflict_ctx cc = {.causes = conflicts, .who = who};
                if (conflicts && ks_fs_each_member(conf[i], add_conflict, &cc))
                    goto nomem;
            }
            *rc = KS_ECONFLICT;
            goto out_fail;
        }
        for (size_t i = 0; i < m.n; i++) {
            if (&m.v[i] == self)
                continue;
            ks_fs_subtract(m.v[i].set, a);
            ks_fs_subtract(m.v[i].set, r);
        }
    }

    if (!live || !same_object(live, merged)) {
        char t[32];
        ks_time_format(now, t);
        free(self->time);
        if (!(self->time = strdup(t)))
            goto nomem;
    }
    ks_mf_drop_empty(&m);
    if (ks_mf_encode(merged, &m))
        goto nomem;
    goto out;

nomem:
    *rc = KS_ENOMEM;
out_fail:
    cJSON_Delete(merged);
    merged = NULL;
out:
    for (size_t i = 0; i < n_conf; i++)
        ks_fs_free(conf[i]);
    free(conf);
    ks_fs_free(newset);
    ks_fs_free(last);
    ks_fs_free(owned);
    ks_fs_free(rm);
    ks_fs_free(a);
    ks_fs_free(mod);
    ks_fs_free(r);
    ks_mf_release(&m);
    return merged;
}

cJSON *ks_apply(const cJSON *live, const cJSON *applied, const char *manager, bool force,
                const char *api_version, double now, int *rc, struct ks_causes *conflicts)
{
    return ks_apply_rt(live, applied, NULL, manager, force, api_version, now, rc, conflicts);
}
