/*
 * kubesim: the field sets of objects (structured-merge-diff's ToFieldSet)
 * and the difference between two objects (its Compare), which is what
 * managedFields records.
 *
 * Rules, as the real server's sets show them (fixtures 10, 15, 16, 20):
 *   - a scalar, a null, an empty map, an atomic list or map is a leaf;
 *   - items of list-maps ("k:") and sets ("v:") are members themselves;
 *   - in a diff, a map or list that did not exist before is a member too
 *     (".": labels created with the object, rollingUpdate), one that
 *     existed (even empty or null) only contains its children.
 */
#include "patch_internal.h"

#include <stdlib.h>
#include <string.h>

#define KEYS_MAX 64

struct walk {
    struct ks_fpath fp;
    char *keys[KEYS_MAX];
    size_t depth;
    const struct ks_fs_opts *o;
    ks_fs *out; /* ToFieldSet */
    ks_fs *added, *modified, *removed;
    int rc;
};

static const char *const meta_stripped[] = {
    "name",        "namespace",         "uid",      "resourceVersion",
    "generation",  "creationTimestamp", "selfLink", "managedFields",
    "clusterName",
};

static bool skipped(const struct walk *w, const char *name)
{
    if (w->depth == 0)
        return !strcmp(name, "apiVersion") || !strcmp(name, "kind") ||
               (w->o && w->o->reset && !strcmp(name, w->o->reset));
    if (w->depth == 1 && !strcmp(w->keys[0], "f:metadata")) {
        for (size_t i = 0; i < sizeof(meta_stripped) / sizeof(meta_stripped[0]); i++)
            if (!strcmp(name, meta_stripped[i]))
                return true;
    }
    return false;
}

/* Pushes a path element (consumed). 1 when the path is full (the caller
 * then treats the current value as a leaf), KS_ENOMEM, or 0. */
static int push(struct walk *w, char *key)
{
    if (!key) {
        w->rc = KS_ENOMEM;
        return KS_ENOMEM;
    }
    if (w->depth == KEYS_MAX) {
        free(key);
        return 1;
    }
    w->keys[w->depth++] = key;
    return 0;
}

static void pop(struct walk *w)
{
    free(w->keys[--w->depth]);
}

static void mark(struct walk *w, ks_fs *set)
{
    if (!w->rc && w->depth && ks_fs_insert(set, w->keys, w->depth))
        w->rc = KS_ENOMEM;
}

/* Keys of every item of a list-map; false when one has no key. */
static bool item_keys(const cJSON *list, const struct ks_list_info *li, char ***out, size_t *n,
                      int *rc)
{
    size_t cnt = (size_t)cJSON_GetArraySize(list), i = 0;
    char **v = calloc(cnt + 1, sizeof(char *));

    *out = NULL;
    *n = 0;
    if (!v) {
        *rc = KS_ENOMEM;
        return false;
    }
    for (const cJSON *e = list ? list->child : NULL; e; e = e->next, i++) {
        v[i] = ks_fs_key_item(e, li);
        if (!v[i]) {
            for (size_t j = 0; j < i; j++)
                free(v[j]);
            free(v);
            return false;
        }
    }
    *out = v;
    *n = cnt;
    return true;
}

static void free_keys(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- ToFieldSet ---- */

static void tofs(struct walk *w, const cJSON *v, bool is_item);

static void tofs_field(struct walk *w, const cJSON *c)
{
    size_t fm = ks_fpath_push(&w->fp, c->string);
    int r = push(w, ks_fs_key_field(c->string));

    if (r == 1)
        mark(w, w->out);
    if (r) {
        ks_fpath_pop(&w->fp, fm);
        return;
    }
    if (cJSON_IsNull(c) || (cJSON_IsObject(c) && !c->child) ||
        (!cJSON_IsObject(c) && !cJSON_IsArray(c)))
        mark(w, w->out);
    else
        tofs(w, c, false);
    pop(w);
    ks_fpath_pop(&w->fp, fm);
}

static void tofs(struct walk *w, const cJSON *v, bool is_item)
{
    if (w->rc)
        return;
    if (cJSON_IsObject(v)) {
        if (!is_item && ks_smd_map_atomic(&w->fp)) {
            mark(w, w->out);
            return;
        }
        for (const cJSON *c = v->child; c && !w->rc; c = c->next)
            if (c->string && !skipped(w, c->string))
                tofs_field(w, c);
        return;
    }
    if (!cJSON_IsArray(v)) {
        mark(w, w->out);
        return;
    }
    struct ks_list_info li;
    ks_smd_list_info(&w->fp, &li);
    if (li.kind == KS_LIST_ATOMIC) {
        mark(w, w->out);
        return;
    }
    char **keys = NULL;
    size_t n = 0;
    if (li.kind == KS_LIST_MAP && !item_keys(v, &li, &keys, &n, &w->rc)) {
        mark(w, w->out); /* not a proper list-map: owned whole */
        return;
    }
    size_t i = 0;
    for (const cJSON *e = v->child; e && !w->rc; e = e->next, i++) {
        char *k = keys ? keys[i] : ks_fs_key_value(e);
        if (keys)
            keys[i] = NULL;
        int r = push(w, k);
        if (r == 1)
            mark(w, w->out);
        if (r)
            break;
        mark(w, w->out);
        if (cJSON_IsObject(e))
            tofs(w, e, true);
        pop(w);
    }
    free_keys(keys, n);
}

static void walk_release(struct walk *w)
{
    while (w->depth)
        pop(w);
}

ks_fs *ks_fs_of_object(const cJSON *obj, const struct ks_fs_opts *o)
{
    struct walk w = {.o = o};

    ks_fpath_init(&w.fp, o ? o->kind : NULL);
    w.fp.custom = o && o->custom;
    w.fp.schema = o ? o->schema : NULL;
    w.out = ks_fs_new();
    if (!w.out)
        return NULL;
    if (cJSON_IsObject(obj))
        tofs(&w, obj, false);
    walk_release(&w);
    if (w.rc) {
        ks_fs_free(w.out);
        return NULL;
    }
    return w.out;
}

/* ---- Compare ---- */

static void leaf(struct walk *w, const cJSON *l, const cJSON *r)
{
    if (!l && r)
        mark(w, w->added);
    else if (l && !r)
        mark(w, w->removed);
    else if (l && r && !ks_json_equal(l, r))
        mark(w, w->modified);
}

static bool is_empty(const cJSON *v)
{
    return !v || cJSON_IsNull(v) || !v->child;
}

static void cmp(struct walk *w, const cJSON *l, const cJSON *r, bool is_item);

static void cmp_field(struct walk *w, const char *name, const cJSON *l, const cJSON *r)
{
    size_t fm = ks_fpath_push(&w->fp, name);
    int p = push(w, ks_fs_key_field(name));

    if (p == 1)
        leaf(w, l, r);
    if (!p) {
        cmp(w, l, r, false);
        pop(w);
    }
    ks_fpath_pop(&w->fp, fm);
}

static void cmp_map(struct walk *w, const cJSON *l, const cJSON *r, bool is_item)
{
    if ((!is_item && ks_smd_map_atomic(&w->fp)) || (is_empty(l) && is_empty(r))) {
        leaf(w, l, r);
        return;
    }
    if (!l)
        mark(w, w->added);
    if (!r)
        mark(w, w->removed);
    const cJSON *lo = cJSON_IsObject(l) ? l : NULL, *ro = cJSON_IsObject(r) ? r : NULL;
    for (const cJSON *c = lo ? lo->child : NULL; c && !w->rc; c = c->next)
        if (c->string && !skipped(w, c->string))
            cmp_field(w, c->string, c, ro ? cJSON_GetObjectItemCaseSensitive(ro, c->string) : NULL);
    for (const cJSON *c = ro ? ro->child : NULL; c && !w->rc; c = c->next)
        if (c->string && !skipped(w, c->string) &&
            !(lo && cJSON_GetObjectItemCaseSensitive(lo, c->string)))
            cmp_field(w, c->string, NULL, c);
}

static long find_key(char **keys, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (keys[i] && !strcmp(keys[i], k))
            return (long)i;
    return -1;
}

static void cmp_items(struct walk *w, const cJSON *l, const cJSON *r, char **lk, size_t ln,
                      char **rk, size_t rn)
{
    size_t i = 0;

    for (const cJSON *e = r ? r->child : NULL; e && !w->rc; e = e->next, i++) {
        long j = find_key(lk, ln, rk[i]);
        char *k = strdup(rk[i]);
        int p = push(w, k);
        if (p)
            continue;
        cmp(w, j >= 0 ? cJSON_GetArrayItem(l, (int)j) : NULL, e, true);
        pop(w);
    }
    i = 0;
    for (const cJSON *e = l ? l->child : NULL; e && !w->rc; e = e->next, i++) {
        if (find_key(rk, rn, lk[i]) >= 0)
            continue;
        int p = push(w, strdup(lk[i]));
        if (p)
            continue;
        cmp(w, e, NULL, true);
        pop(w);
    }
}

static bool value_keys(const cJSON *list, char ***out, size_t *n, int *rc)
{
    size_t cnt = (size_t)cJSON_GetArraySize(list), i = 0;
    char **v = calloc(cnt + 1, sizeof(char *));

    *out = v;
    *n = cnt;
    if (!v) {
        *rc = KS_ENOMEM;
        return false;
    }
    for (const cJSON *e = list ? list->child : NULL; e; e = e->next, i++) {
        v[i] = ks_fs_key_value(e);
        if (!v[i]) {
            *rc = KS_ENOMEM;
            return false;
        }
    }
    return true;
}

static void cmp_list(struct walk *w, const cJSON *l, const cJSON *r)
{
    struct ks_list_info li;
    char **lk = NULL, **rk = NULL;
    size_t ln = 0, rn = 0;
    const cJSON *la = cJSON_IsArray(l) ? l : NULL, *ra = cJSON_IsArray(r) ? r : NULL;
    bool ok;

    ks_smd_list_info(&w->fp, &li);
    if (li.kind == KS_LIST_ATOMIC || (is_empty(l) && is_empty(r))) {
        leaf(w, l, r);
        return;
    }
    if (li.kind == KS_LIST_MAP)
        ok = item_keys(la, &li, &lk, &ln, &w->rc) && item_keys(ra, &li, &rk, &rn, &w->rc);
    else
        ok = value_keys(la, &lk, &ln, &w->rc) && value_keys(ra, &rk, &rn, &w->rc);
    if (!ok) {
        if (!w->rc)
            leaf(w, l, r);
    } else {
        if (!l)
            mark(w, w->added);
        if (!r)
            mark(w, w->removed);
        cmp_items(w, la, ra, lk, ln, rk, rn);
    }
    free_keys(lk, ln);
    free_keys(rk, rn);
}

static void cmp(struct walk *w, const cJSON *l, const cJSON *r, bool is_item)
{
    bool lo = cJSON_IsObject(l), ro = cJSON_IsObject(r);
    bool la = cJSON_IsArray(l), ra = cJSON_IsArray(r);
    bool lnull = !l || cJSON_IsNull(l), rnull = !r || cJSON_IsNull(r);

    if (w->rc)
        return;
    if ((lo || ro) && (lo || lnull) && (ro || rnull))
        cmp_map(w, l, r, is_item);
    else if ((la || ra) && (la || lnull) && (ra || rnull))
        cmp_list(w, l, r);
    else
        leaf(w, l, r);
}

/* What a zero Go object of the kind already holds: the structs that are
 * always serialized (by kind, "" for every kind) and the lists without
 * omitempty (null). */
struct zero_path {
    const char *kind;
    const char *path;
};

static const struct zero_path zero_structs[] = {
    {"", "metadata"},
    {"", "spec"},
    {"", "status"},
    {"", "spec.template"},
    {"", "spec.template.metadata"},
    {"", "spec.template.spec"},
    {"", "spec.strategy"},
    {"", "spec.updateStrategy"},
    {"", "spec.jobTemplate"},
    {"", "spec.jobTemplate.spec"},
    {"", "spec.jobTemplate.spec.template"},
    {"", "spec.jobTemplate.spec.template.metadata"},
    {"", "spec.jobTemplate.spec.template.spec"},
    {"Event", "source"},                        /* core/v1 (fixture 90) */
    {"Event", "involvedObject"},                /* core/v1 */
    {"Event", "deprecatedSource"},              /* events.k8s.io/v1 (fixture 91) */
    {"CustomResourceDefinition", "spec.names"}, /* fixture 40 */
    {"CustomResourceDefinition", "status.acceptedNames"},
};
static const char *const zero_nulls[] = {
    "spec.containers",
    "spec.template.spec.containers",
    "spec.jobTemplate.spec.template.spec.containers",
    "spec.template.metadata.creationTimestamp",
    "spec.jobTemplate.spec.template.metadata.creationTimestamp",
};

/* null and "": what a Go struct field holds when unset (or drops, with
 * omitempty) */
static bool go_zero(const cJSON *v)
{
    return cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring && !v->valuestring[0]);
}

/* The zero values of src's fields into the struct dst. */
static int copy_zeros(cJSON *dst, const cJSON *src)
{
    for (const cJSON *c = src->child; c; c = c->next) {
        if (!c->string || !go_zero(c) || cJSON_GetObjectItemCaseSensitive(dst, c->string))
            continue;
        cJSON *d = cJSON_Duplicate(c, false);
        if (!d)
            return KS_ENOMEM;
        cJSON_AddItemToObject(dst, c->string, d);
    }
    return 0;
}

static bool zero_struct_of(const struct zero_path *z, const char *kind, bool custom)
{
    if (custom)
        return !strcmp(z->path, "metadata");
    return !*z->kind || (kind && !strcmp(z->kind, kind));
}

static cJSON *zero_like(const cJSON *obj, const struct ks_fs_opts *o)
{
    const char *kind = o ? o->kind : NULL;
    bool custom = o && o->custom;
    cJSON *z = cJSON_CreateObject();

    if (!z)
        return NULL;
    if (!custom && copy_zeros(z, obj))
        goto nomem;
    for (size_t i = 0; i < sizeof(zero_structs) / sizeof(zero_structs[0]); i++) {
        const cJSON *src = ks_json_path(obj, zero_structs[i].path);
        if (!zero_struct_of(&zero_structs[i], kind, custom) || !cJSON_IsObject(src))
            continue;
        cJSON *e = cJSON_CreateObject();
        if (!e || copy_zeros(e, src)) {
            cJSON_Delete(e);
            goto nomem;
        }
        if (ks_json_set_path(z, zero_structs[i].path, e))
            goto nomem;
    }
    for (size_t i = 0; !custom && i < sizeof(zero_nulls) / sizeof(zero_nulls[0]); i++) {
        const cJSON *v = ks_json_path(obj, zero_nulls[i]);
        if (!v || !(cJSON_IsArray(v) || cJSON_IsNull(v)))
            continue;
        cJSON *e = cJSON_CreateNull();
        if (!e || ks_json_set_path(z, zero_nulls[i], e))
            goto nomem;
    }
    return z;
nomem:
    cJSON_Delete(z);
    return NULL;
}

int ks_fs_compare(const cJSON *old, const cJSON *new_, const struct ks_fs_opts *o, ks_fs *added,
                  ks_fs *modified, ks_fs *removed)
{
    struct walk w = {.o = o, .added = added, .modified = modified, .removed = removed};
    cJSON *zero = NULL;

    ks_fpath_init(&w.fp, o ? o->kind : NULL);
    w.fp.custom = o && o->custom;
    w.fp.schema = o ? o->schema : NULL;
    if (!old) {
        zero = zero_like(new_, o);
        if (!zero)
            return KS_ENOMEM;
        old = zero;
    }
    cmp(&w, old, new_, false);
    walk_release(&w);
    cJSON_Delete(zero);
    return w.rc;
}
