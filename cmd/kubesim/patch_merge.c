/*
 * kubesim: RFC 7386 merge patch and Kubernetes' strategic merge patch.
 *
 * The strategic merge follows k8s.io/apimachinery's strategicpatch as the
 * apiserver runs it (MergeParallelList and IgnoreUnmatchedNulls on):
 * maps merge, null deletes, lists with a patchMergeKey merge by key (new
 * items go before the server's items they do not follow, as the real
 * mergeSortedSlice puts them), primitive merge lists are sets, other lists
 * are replaced. Directives ($patch, $retainKeys, $setElementOrder/...,
 * $deleteFromPrimitiveList/...) are honoured and never stored.
 */
#include "patch_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* RFC 7386                                                            */

cJSON *ks_merge_patch(const cJSON *target, const cJSON *patch)
{
    cJSON *res;

    if (!cJSON_IsObject(patch))
        return cJSON_Duplicate(patch, true);
    res = cJSON_IsObject(target) ? cJSON_Duplicate(target, true) : cJSON_CreateObject();
    if (!res)
        return NULL;
    for (const cJSON *p = patch->child; p; p = p->next) {
        const char *name = p->string ? p->string : "";
        cJSON *cur = cJSON_GetObjectItemCaseSensitive(res, name);
        if (cJSON_IsNull(p)) {
            if (cur)
                cJSON_Delete(cJSON_DetachItemViaPointer(res, cur));
            continue;
        }
        cJSON *nv = ks_merge_patch(cur, p);
        if (!nv) {
            cJSON_Delete(res);
            return NULL;
        }
        if (cur)
            cJSON_ReplaceItemInObjectCaseSensitive(res, cur->string, nv);
        else
            cJSON_AddItemToObject(res, name, nv);
    }
    return res;
}

/* ------------------------------------------------------------------ */
/* Strategic merge patch                                               */

#define DIRECTIVE "$patch"
#define RETAIN_KEYS "$retainKeys"
#define SET_ORDER "$setElementOrder/"
#define DELETE_PRIM "$deleteFromPrimitiveList/"

struct smp {
    struct ks_fpath path;
    char *err;
    size_t errlen;
    int rc;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
smp_fail(struct smp *s, const char *fmt, ...)
{
    va_list ap;

    if (s->rc)
        return s->rc;
    if (s->err && s->errlen) {
        va_start(ap, fmt);
        vsnprintf(s->err, s->errlen, fmt, ap);
        va_end(ap);
    }
    s->rc = KS_EINVALID;
    return s->rc;
}

static int smp_nomem(struct smp *s)
{
    if (!s->rc) {
        if (s->err && s->errlen)
            snprintf(s->err, s->errlen, "out of memory");
        s->rc = KS_ENOMEM;
    }
    return s->rc;
}

/* A short JSON rendering of v for messages. */
static void brief_json(const cJSON *v, char *out, size_t outlen)
{
    char *txt = cJSON_PrintUnformatted(v);

    snprintf(out, outlen, "%s", txt ? txt : "?");
    if (txt && strlen(txt) >= outlen && outlen > 4)
        memcpy(out + outlen - 4, "...", 4);
    free(txt);
}

static int go_kind(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return 1;
    if (cJSON_IsArray(v))
        return 2;
    if (cJSON_IsString(v))
        return 3;
    if (cJSON_IsNumber(v))
        return 4;
    if (cJSON_IsBool(v))
        return 5;
    return 0;
}

/* Go's == on two decoded JSON scalars (absent == absent, as nil == nil). */
static bool go_eq(const cJSON *a, const cJSON *b)
{
    if (!a || !b)
        return a == b;
    if (go_kind(a) != go_kind(b))
        return false;
    switch (go_kind(a)) {
    case 3:
        return !strcmp(a->valuestring, b->valuestring);
    case 4:
        return a->valuedouble == b->valuedouble;
    case 5:
        return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    case 0:
        return true;
    default:
        return false; /* Go cannot compare maps or slices */
    }
}

static const cJSON *mkv(const cJSON *item, const char *mk)
{
    return cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, mk) : NULL;
}

static int no_merge_key(struct smp *s, const cJSON *item, const char *mk)
{
    char buf[256];

    brief_json(item, buf, sizeof(buf));
    return smp_fail(s, "map: %s does not contain declared merge key: %s", buf, mk);
}

static int smp_map(struct smp *s, cJSON *orig, const cJSON *patch);
static cJSON *smp_slice(struct smp *s, const cJSON *orig, const cJSON *patch, const char *mk,
                        bool is_delete);

static void clear_object(cJSON *o)
{
    while (o->child)
        cJSON_Delete(cJSON_DetachItemViaPointer(o, o->child));
}

/* A value from the patch as it is stored when nothing is under it: the
 * directives applied, the nulls dropped. The path is the value's. */
static cJSON *smp_clean(struct smp *s, const cJSON *v)
{
    cJSON *out;
    bool set;

    if (cJSON_IsObject(v)) {
        out = cJSON_CreateObject();
        if (!out) {
            smp_nomem(s);
            return NULL;
        }
        if (smp_map(s, out, v)) {
            cJSON_Delete(out);
            return NULL;
        }
        return out;
    }
    if (cJSON_IsArray(v)) {
        const char *mk = ks_smp_merge_key(&s->path, &set);
        if (mk || set) {
            cJSON *empty = cJSON_CreateArray();
            if (!empty) {
                smp_nomem(s);
                return NULL;
            }
            out = smp_slice(s, empty, v, mk, false);
            cJSON_Delete(empty);
            return out;
        }
    }
    out = cJSON_Duplicate(v, true);
    if (!out)
        smp_nomem(s);
    return out;
}

/* Sets orig[key] = val (consumed), keeping the key's position. */
static void put(cJSON *orig, const char *key, cJSON *val)
{
    cJSON *cur = cJSON_GetObjectItemCaseSensitive(orig, key);

    if (cur)
        cJSON_ReplaceItemInObjectCaseSensitive(orig, cur->string, val);
    else
        cJSON_AddItemToObject(orig, key, val);
}

/* ---- list ordering (normalizeElementOrder) ---- */

struct items {
    cJSON **v;
    size_t n;
};

static long index_of(const cJSON *list, const cJSON *item, const char *mk)
{
    long i = 0;

    for (const cJSON *e = list ? list->child : NULL; e; e = e->next, i++) {
        if (mk ? go_eq(mkv(item, mk), mkv(e, mk)) : ks_json_equal(item, e))
            return i;
    }
    return -1;
}

static bool has_directive(const cJSON *item, const char *what)
{
    const cJSON *d =
        cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, DIRECTIVE) : NULL;

    return d && (!what || (cJSON_IsString(d) && !strcmp(d->valuestring, what)));
}

/* Stable sort of it by the position in order (normalizeSliceOrder). */
static int sort_by(struct smp *s, struct items *it, const cJSON *order, const char *mk)
{
    if (mk) {
        for (size_t i = 0; i < it->n; i++)
            if (!mkv(it->v[i], mk))
                return no_merge_key(s, it->v[i], mk);
        for (const cJSON *e = order ? order->child : NULL; e; e = e->next)
            if (!mkv(e, mk))
                return no_merge_key(s, e, mk);
    }
    for (size_t i = 1; i < it->n; i++) {
        cJSON *x = it->v[i];
        long xi = index_of(order, x, mk);
        size_t j = i;
        while (j > 0 && xi >= 0) {
            long yi = index_of(order, it->v[j - 1], mk);
            if (yi < 0 || yi <= xi)
                break;
            it->v[j] = it->v[j - 1];
            j--;
        }
        it->v[j] = x;
    }
    return 0;
}

/*
 * The merged list in its final order: the patch items in patch_order,
 * the server-only items in server_order, interleaved by server_order
 * (mergeSortedSlice). merged is consumed; returns a new array.
 */
static cJSON *order_list(struct smp *s, cJSON *merged, const cJSON *patch_order,
                         const cJSON *server_order, const char *mk)
{
    size_t n = (size_t)cJSON_GetArraySize(merged);
    struct items pi = {0}, so = {0};
    cJSON *out = NULL;

    pi.v = calloc(n + 1, sizeof(cJSON *));
    so.v = calloc(n + 1, sizeof(cJSON *));
    out = cJSON_CreateArray();
    if (!pi.v || !so.v || !out) {
        smp_nomem(s);
        goto fail;
    }
    if (mk) {
        for (const cJSON *e = merged->child; e; e = e->next)
            if (!mkv(e, mk)) {
                no_merge_key(s, e, mk);
                goto fail;
            }
    }
    while (merged->child) {
        cJSON *e = cJSON_DetachItemViaPointer(merged, merged->child);
        if (index_of(patch_order, e, mk) >= 0)
            pi.v[pi.n++] = e;
        else
            so.v[so.n++] = e;
    }
    if (sort_by(s, &pi, patch_order, mk) || sort_by(s, &so, server_order, mk))
        goto fail_items;
    for (size_t i = 0, j = 0; i < so.n || j < pi.n;) {
        cJSON *pick;
        if (i >= so.n) {
            pick = pi.v[j++];
        } else if (j >= pi.n) {
            pick = so.v[i++];
        } else {
            long li = index_of(server_order, so.v[i], mk);
            long ri = index_of(server_order, pi.v[j], mk);
            if (li >= 0 && ri >= 0 && li < ri)
                pick = so.v[i++];
            else
                pick = pi.v[j++];
        }
        cJSON_AddItemToArray(out, pick);
    }
    free(pi.v);
    free(so.v);
    cJSON_Delete(merged);
    return out;

fail_items:
    for (size_t i = 0; i < pi.n; i++)
        cJSON_Delete(pi.v[i]);
    for (size_t i = 0; i < so.n; i++)
        cJSON_Delete(so.v[i]);
fail:
    free(pi.v);
    free(so.v);
    cJSON_Delete(out);
    cJSON_Delete(merged);
    return NULL;
}

/* The common kind of every element of both lists, -1 when they differ. */
static int elem_kind(struct smp *s, const cJSON *a, const cJSON *b)
{
    int k = -2;
    const cJSON *lists[2] = {a, b};

    for (int l = 0; l < 2; l++) {
        for (const cJSON *e = lists[l] ? lists[l]->child : NULL; e; e = e->next) {
            int ek = go_kind(e);
            if (ek == 2)
                return smp_fail(s, "lists of lists are not supported"), -1;
            if (k == -2)
                k = ek;
            else if (k != ek)
                return smp_fail(s, "list element types are not identical"), -1;
        }
    }
    return k;
}

/* mergeSlice: orig and patch are arrays; returns a new array. */
static cJSON *smp_slice(struct smp *s, const cJSON *orig, const cJSON *patch, const char *mk,
                        bool is_delete)
{
    cJSON *work = NULL, *server = NULL, *pw = NULL;
    int kind;
    bool replace = false;

    if (!orig->child && !patch->child)
        return cJSON_CreateArray();
    kind = elem_kind(s, orig, patch);
    if (s->rc)
        return NULL;
    work = cJSON_Duplicate(orig, true);
    if (!work)
        goto nomem;
    if (kind != 1) {
        if (is_delete) {
            for (cJSON *e = work->child; e;) {
                cJSON *next = e->next;
                if (index_of(patch, e, NULL) >= 0)
                    cJSON_Delete(cJSON_DetachItemViaPointer(work, e));
                e = next;
            }
            return work;
        }
        for (const cJSON *p = patch->child; p; p = p->next) {
            if (index_of(work, p, NULL) >= 0)
                continue;
            cJSON *c = cJSON_Duplicate(p, true);
            if (!c)
                goto nomem;
            cJSON_AddItemToArray(work, c);
        }
        server = cJSON_Duplicate(orig, true);
        if (!server)
            goto nomem;
        cJSON *res = order_list(s, work, patch, server, NULL);
        cJSON_Delete(server);
        return res;
    }
    if (!mk) {
        smp_fail(s, "cannot merge lists without merge key for %s", s->path.buf);
        goto fail;
    }
    /* mergeSliceWithSpecialElements */
    pw = cJSON_CreateArray(); /* references to the plain patch items */
    if (!pw)
        goto nomem;
    for (const cJSON *p = patch->child; p; p = p->next) {
        if (!has_directive(p, NULL)) {
            cJSON *ref = cJSON_CreateObjectReference(p->child);
            if (!ref)
                goto nomem;
            cJSON_AddItemToArray(pw, ref);
            continue;
        }
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, DIRECTIVE);
        const char *dv = cJSON_IsString(d) ? d->valuestring : "";
        if (!strcmp(dv, "delete")) {
            const cJSON *want = mkv(p, mk);
            if (!want) {
                no_merge_key(s, p, mk);
                goto fail;
            }
            for (cJSON *e = work->child; e;) {
                cJSON *next = e->next;
                if (!cJSON_IsObject(e)) {
                    smp_fail(s, "value for key %s is not a map.", mk);
                    goto fail;
                }
                if (go_eq(mkv(e, mk), want))
                    cJSON_Delete(cJSON_DetachItemViaPointer(work, e));
                e = next;
            }
        } else if (!strcmp(dv, "replace")) {
            replace = true;
        } else if (!strcmp(dv, "merge")) {
            smp_fail(s, "merging lists cannot yet be specified in the patch");
            goto fail;
        } else {
            char buf[256];
            brief_json(p, buf, sizeof(buf));
            smp_fail(s, "unknown patch type: %s in map: %s", dv, buf);
            goto fail;
        }
    }
    if (replace) {
        cJSON_Delete(work);
        work = cJSON_CreateArray();
        if (!work)
            goto nomem;
        for (const cJSON *p = pw->child; p; p = p->next) {
            cJSON *c = smp_clean(s, p);
            if (!c)
                goto fail;
            cJSON_AddItemToArray(work, c);
        }
        cJSON_Delete(pw);
        pw = cJSON_CreateArray();
        if (!pw)
            goto nomem;
    }
    server = cJSON_Duplicate(work, true);
    if (!server)
        goto nomem;
    /* mergeSliceWithoutSpecialElements */
    for (const cJSON *p = pw->child; p; p = p->next) {
        const cJSON *want = mkv(p, mk);
        cJSON *found = NULL;
        if (!want) {
            no_merge_key(s, p, mk);
            goto fail;
        }
        for (cJSON *e = work->child; e && !found; e = e->next) {
            if (!cJSON_IsObject(e)) {
                smp_fail(s, "value for key %s is not a map.", mk);
                goto fail;
            }
            if (go_eq(mkv(e, mk), want))
                found = e;
        }
        if (found) {
            if (smp_map(s, found, p))
                goto fail;
        } else {
            cJSON *c = smp_clean(s, p);
            if (!c)
                goto fail;
            cJSON_AddItemToArray(work, c);
        }
    }
    cJSON *res = order_list(s, work, pw, server, mk);
    cJSON_Delete(server);
    cJSON_Delete(pw);
    return res;

nomem:
    smp_nomem(s);
fail:
    cJSON_Delete(work);
    cJSON_Delete(server);
    cJSON_Delete(pw);
    return NULL;
}

/* validatePatchWithSetOrderList */
static int check_order(struct smp *s, const cJSON *plist, const cJSON *order, const char *mk)
{
    const cJSON *p, *o;

    if (!plist || !plist->child || !order->child)
        return 0;
    p = plist->child;
    o = order->child;
    while (p && o) {
        if (mk && has_directive(p, NULL)) {
            p = p->next;
            continue;
        }
        if (mk) {
            if (!mkv(p, mk))
                return no_merge_key(s, p, mk);
            if (!mkv(o, mk))
                return no_merge_key(s, o, mk);
            if (go_eq(mkv(p, mk), mkv(o, mk)))
                p = p->next;
        } else if (go_eq(p, o)) {
            p = p->next;
        }
        o = o->next;
    }
    while (p && mk && has_directive(p, NULL))
        p = p->next;
    if (p && !o) {
        char a[200], b[200];
        brief_json(plist, a, sizeof(a));
        brief_json(order, b, sizeof(b));
        return smp_fail(s, "The order in patch list:\n%s\n doesn't match %s list:\n%s\n", a,
                        "$setElementOrder", b);
    }
    return 0;
}

/* One $setElementOrder/<key> directive of patch applied to orig. */
static int smp_set_order(struct smp *s, cJSON *orig, const cJSON *patch, const cJSON *dir)
{
    const char *key = dir->string + strlen(SET_ORDER);
    const cJSON *ol, *pl;
    cJSON *merged;
    const char *mk;
    bool set;
    size_t mark;
    int rc = 0;

    if (!cJSON_IsArray(dir))
        return smp_fail(s, "invalid patch format of setElementOrder list");
    ol = cJSON_GetObjectItemCaseSensitive(orig, key);
    pl = cJSON_GetObjectItemCaseSensitive(patch, key);
    if (ol && !cJSON_IsArray(ol))
        return smp_fail(s, "expected a []interface {}, but received a %s", ks_json_go_type(ol));
    if (pl && !cJSON_IsArray(pl))
        return smp_fail(s, "expected a []interface {}, but received a %s", ks_json_go_type(pl));
    if (!ol && !pl)
        return 0;
    mark = ks_fpath_push(&s->path, key);
    mk = ks_smp_merge_key(&s->path, &set);
    if (check_order(s, pl, dir, mk)) {
        ks_fpath_pop(&s->path, mark);
        return s->rc;
    }
    if (ol && pl)
        merged = (mk || set) ? smp_slice(s, ol, pl, mk, false) : smp_clean(s, pl);
    else if (pl)
        merged = smp_clean(s, pl);
    else
        merged = cJSON_Duplicate(ol, true);
    if (!merged) {
        ks_fpath_pop(&s->path, mark);
        return s->rc ? s->rc : smp_nomem(s);
    }
    if (merged->child) {
        cJSON *empty = cJSON_CreateArray();
        if (!empty) {
            cJSON_Delete(merged);
            ks_fpath_pop(&s->path, mark);
            return smp_nomem(s);
        }
        merged = order_list(s, merged, dir, ol ? ol : empty, mk);
        cJSON_Delete(empty);
    }
    ks_fpath_pop(&s->path, mark);
    if (!merged)
        return s->rc ? s->rc : smp_nomem(s);
    put(orig, key, merged);
    return rc;
}

static int smp_retain_keys(struct smp *s, cJSON *orig, const cJSON *patch, const cJSON *rk)
{
    if (!cJSON_IsArray(rk))
        return smp_fail(s, "invalid patch format of retainKeys");
    for (const cJSON *p = patch->child; p; p = p->next) {
        const char *k = p->string ? p->string : "";
        bool found = false;
        if (cJSON_IsNull(p) || !strcmp(k, RETAIN_KEYS) ||
            !strncmp(k, DELETE_PRIM, strlen(DELETE_PRIM)) ||
            !strncmp(k, SET_ORDER, strlen(SET_ORDER)))
            continue;
        for (const cJSON *r = rk->child; r && !found; r = r->next)
            found = cJSON_IsString(r) && !strcmp(r->valuestring, k);
        if (!found)
            return smp_fail(s, "invalid patch format of retainKeys");
    }
    for (cJSON *o = orig->child; o;) {
        cJSON *next = o->next;
        bool found = false;
        for (const cJSON *r = rk->child; r && !found; r = r->next)
            found = cJSON_IsString(r) && o->string && !strcmp(r->valuestring, o->string);
        if (!found)
            cJSON_Delete(cJSON_DetachItemViaPointer(orig, o));
        o = next;
    }
    return 0;
}

/* mergeMap: patch (an object) merged into orig (an object) in place. */
static int smp_map(struct smp *s, cJSON *orig, const cJSON *patch)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(patch, DIRECTIVE);
    const cJSON *rk;

    if (d) {
        const char *dv = cJSON_IsString(d) ? d->valuestring : "";
        if (!strcmp(dv, "delete")) {
            clear_object(orig);
            return 0;
        }
        if (strcmp(dv, "replace")) {
            char buf[256];
            brief_json(patch, buf, sizeof(buf));
            return smp_fail(s, "unknown patch type: %s in map: %s", dv, buf);
        }
        clear_object(orig);
    }
    rk = cJSON_GetObjectItemCaseSensitive(patch, RETAIN_KEYS);
    if (rk && smp_retain_keys(s, orig, patch, rk))
        return s->rc;
    for (const cJSON *p = patch->child; p; p = p->next)
        if (p->string && !strncmp(p->string, SET_ORDER, strlen(SET_ORDER)) &&
            smp_set_order(s, orig, patch, p))
            return s->rc;

    for (const cJSON *p = patch->child; p; p = p->next) {
        const char *k = p->string ? p->string : "";
        bool is_delete = false, set;
        char ordered[KS_FPATH_MAX];

        if (!strcmp(k, DIRECTIVE) || !strcmp(k, RETAIN_KEYS) ||
            !strncmp(k, SET_ORDER, strlen(SET_ORDER)))
            continue;
        if (!strncmp(k, DELETE_PRIM, strlen(DELETE_PRIM))) {
            k += strlen(DELETE_PRIM);
            is_delete = true;
        } else {
            snprintf(ordered, sizeof(ordered), "%s%s", SET_ORDER, k);
            if (cJSON_GetObjectItemCaseSensitive(patch, ordered))
                continue; /* merged with its $setElementOrder */
        }
        cJSON *ov = cJSON_GetObjectItemCaseSensitive(orig, k);
        if (cJSON_IsNull(p)) {
            if (ov)
                cJSON_Delete(cJSON_DetachItemViaPointer(orig, ov));
            continue;
        }
        size_t mark = ks_fpath_push(&s->path, k);
        cJSON *nv = NULL;
        if (!ov || go_kind(ov) != go_kind(p)) {
            if (!is_delete && !(nv = smp_clean(s, p)))
                goto fail;
        } else if (cJSON_IsObject(ov)) {
            if (smp_map(s, ov, p))
                goto fail;
        } else if (cJSON_IsArray(ov)) {
            const char *mk = ks_smp_merge_key(&s->path, &set);
            nv = (mk || set) ? smp_slice(s, ov, p, mk, is_delete) : cJSON_Duplicate(p, true);
            if (!nv)
                goto fail;
        } else if (!(nv = cJSON_Duplicate(p, true))) {
            goto fail;
        }
        ks_fpath_pop(&s->path, mark);
        if (nv)
            put(orig, k, nv);
        continue;
    fail:
        ks_fpath_pop(&s->path, mark);
        return s->rc ? s->rc : smp_nomem(s);
    }
    return 0;
}

cJSON *ks_strategic_merge_patch(const cJSON *target, const cJSON *patch, const char *kind,
                                char *err, size_t errlen)
{
    struct smp s = {.err = err, .errlen = errlen};
    cJSON *res;

    if (err && errlen)
        err[0] = '\0';
    ks_fpath_init(&s.path, kind);
    if (cJSON_IsNull(patch))
        return cJSON_IsObject(target) ? cJSON_Duplicate(target, true) : cJSON_CreateObject();
    if (!cJSON_IsObject(patch)) {
        smp_fail(&s, "json: cannot unmarshal %s into Go value of type map[string]interface {}",
                 ks_json_go_type(patch));
        return NULL;
    }
    res = cJSON_IsObject(target) ? cJSON_Duplicate(target, true) : cJSON_CreateObject();
    if (!res) {
        smp_nomem(&s);
        return NULL;
    }
    if (smp_map(&s, res, patch)) {
        cJSON_Delete(res);
        return NULL;
    }
    return res;
}
