/*
 * kubesim: metadata.managedFields -- its entries, and the Update record
 * every write leaves in it.
 *
 * An entry is identified by (manager, operation, subresource) and, for
 * Update entries, the apiVersion. An Update takes the fields it changed
 * from every other entry, removed fields leave every set, and entries
 * left empty disappear; the writer's time moves only when it changed
 * something (the real server's managedFieldsUpdater).
 */
#include "patch_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void entry_release(struct ks_mf_entry *e)
{
    free(e->manager);
    free(e->operation);
    free(e->api_version);
    free(e->time);
    free(e->subresource);
    ks_fs_free(e->set);
    memset(e, 0, sizeof(*e));
}

void ks_mf_release(struct ks_mf *m)
{
    for (size_t i = 0; i < m->n; i++)
        entry_release(&m->v[i]);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

static struct ks_mf_entry *mf_push(struct ks_mf *m)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4;
        struct ks_mf_entry *v = realloc(m->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        m->v = v;
        m->cap = cap;
    }
    memset(&m->v[m->n], 0, sizeof(m->v[0]));
    return &m->v[m->n++];
}

static char *dup_str(const char *s)
{
    return strdup(s ? s : "");
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int ks_mf_decode(const cJSON *obj, struct ks_mf *m)
{
    const cJSON *mf = ks_json_path(obj, "metadata.managedFields");

    if (!cJSON_IsArray(mf))
        return 0;
    for (const cJSON *e = mf->child; e; e = e->next) {
        const char *op = str_of(e, "operation");
        const cJSON *fv = cJSON_GetObjectItemCaseSensitive(e, "fieldsV1");
        ks_fs *set;

        if (!cJSON_IsObject(e) || !op || (strcmp(op, "Update") && strcmp(op, "Apply")))
            continue;
        set = fv ? ks_fs_parse(fv, NULL, 0) : ks_fs_new();
        if (!set)
            continue;
        struct ks_mf_entry *x = mf_push(m);
        if (!x) {
            ks_fs_free(set);
            return KS_ENOMEM;
        }
        x->set = set;
        x->manager = dup_str(str_of(e, "manager"));
        x->operation = dup_str(op);
        x->api_version = dup_str(str_of(e, "apiVersion"));
        x->subresource = dup_str(str_of(e, "subresource"));
        x->time = str_of(e, "time") ? strdup(str_of(e, "time")) : NULL;
        if (!x->manager || !x->operation || !x->api_version || !x->subresource ||
            (str_of(e, "time") && !x->time))
            return KS_ENOMEM;
    }
    return 0;
}

struct ks_mf_entry *ks_mf_find(struct ks_mf *m, const char *manager, const char *operation,
                               const char *api_version, const char *subresource, bool create)
{
    bool apply = !strcmp(operation, "Apply");

    manager = manager ? manager : "";
    api_version = api_version ? api_version : "";
    subresource = subresource ? subresource : "";
    for (size_t i = 0; i < m->n; i++) {
        struct ks_mf_entry *e = &m->v[i];
        if (!strcmp(e->manager, manager) && !strcmp(e->operation, operation) &&
            !strcmp(e->subresource, subresource) && (apply || !strcmp(e->api_version, api_version)))
            return e;
    }
    if (!create)
        return NULL;
    struct ks_mf_entry *e = mf_push(m);
    if (!e)
        return NULL;
    e->manager = strdup(manager);
    e->operation = strdup(operation);
    e->api_version = strdup(api_version);
    e->subresource = strdup(subresource);
    e->set = ks_fs_new();
    if (!e->manager || !e->operation || !e->api_version || !e->subresource || !e->set) {
        entry_release(e);
        m->n--;
        return NULL;
    }
    return e;
}

void ks_mf_drop_empty(struct ks_mf *m)
{
    size_t w = 0;

    for (size_t i = 0; i < m->n; i++) {
        if (ks_fs_empty(m->v[i].set)) {
            entry_release(&m->v[i]);
            continue;
        }
        m->v[w++] = m->v[i];
    }
    m->n = w;
}

static int cmp_opt(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    return strcmp(a, b);
}

/* sortEncodedManagedFields: operation, time (none first), manager,
 * apiVersion, subresource. */
static int entry_cmp(const void *pa, const void *pb)
{
    const struct ks_mf_entry *a = *(const struct ks_mf_entry *const *)pa;
    const struct ks_mf_entry *b = *(const struct ks_mf_entry *const *)pb;
    int c;

    if ((c = strcmp(a->operation, b->operation)))
        return c;
    if ((c = cmp_opt(a->time, b->time)))
        return c;
    if ((c = strcmp(a->manager, b->manager)))
        return c;
    if ((c = strcmp(a->api_version, b->api_version)))
        return c;
    return strcmp(a->subresource, b->subresource);
}

static cJSON *entry_json(const struct ks_mf_entry *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *fv = ks_fs_to_json(e->set);

    if (!o || !fv)
        goto nomem;
    if (!cJSON_AddStringToObject(o, "manager", e->manager) ||
        !cJSON_AddStringToObject(o, "operation", e->operation) ||
        !cJSON_AddStringToObject(o, "apiVersion", e->api_version) ||
        (e->time && !cJSON_AddStringToObject(o, "time", e->time)) ||
        !cJSON_AddStringToObject(o, "fieldsType", "FieldsV1"))
        goto nomem;
    cJSON_AddItemToObject(o, "fieldsV1", fv);
    fv = NULL;
    if (*e->subresource && !cJSON_AddStringToObject(o, "subresource", e->subresource))
        goto nomem;
    return o;
nomem:
    cJSON_Delete(o);
    cJSON_Delete(fv);
    return NULL;
}

int ks_mf_encode(cJSON *obj, const struct ks_mf *m)
{
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const struct ks_mf_entry **v;
    cJSON *arr;

    if (!cJSON_IsObject(obj))
        return KS_EINVALID;
    if (meta && !cJSON_IsObject(meta))
        return KS_EINVALID;
    if (meta)
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "managedFields");
    if (!m->n)
        return 0;
    if (!meta && !(meta = cJSON_AddObjectToObject(obj, "metadata")))
        return KS_ENOMEM;
    v = calloc(m->n, sizeof(*v));
    arr = cJSON_CreateArray();
    if (!v || !arr) {
        free(v);
        cJSON_Delete(arr);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < m->n; i++)
        v[i] = &m->v[i];
    qsort(v, m->n, sizeof(*v), entry_cmp);
    for (size_t i = 0; i < m->n; i++) {
        cJSON *e = entry_json(v[i]);
        if (!e) {
            free(v);
            cJSON_Delete(arr);
            return KS_ENOMEM;
        }
        cJSON_AddItemToArray(arr, e);
    }
    free(v);
    cJSON_AddItemToObject(meta, "managedFields", arr);
    return 0;
}

void ks_mf_describe(const struct ks_mf_entry *e, char *out, size_t outlen)
{
    char sub[160] = "";

    if (*e->subresource)
        snprintf(sub, sizeof(sub), " with subresource \"%s\"", e->subresource);
    if (!strcmp(e->operation, "Update"))
        snprintf(out, outlen, "\"%s\"%s using %s", e->manager, sub, e->api_version);
    else
        snprintf(out, outlen, "\"%s\"%s", e->manager, sub);
}

/* managedFields: [{}] asks for a reset (the real server's
 * isResetManagedFields; an empty list does not, so clients that drop the
 * field by accident keep the history). */
static bool is_reset(const cJSON *mf)
{
    return cJSON_IsArray(mf) && cJSON_GetArraySize(mf) == 1 && cJSON_IsObject(mf->child) &&
           !mf->child->child;
}

void ks_managed_fields_update_rt(cJSON *obj, const cJSON *old, const ks_rtype *rt,
                                 const char *manager, const char *api_version,
                                 const char *subresource, double now)
{
    struct ks_mf m = {0};
    const char *sub = subresource ? subresource : "";
    struct ks_fs_opts o = {.kind = ks_json_str(obj, "kind")};
    ks_fs *a = ks_fs_new(), *mod = ks_fs_new(), *r = ks_fs_new();
    const cJSON *mf = ks_json_path(obj, "metadata.managedFields");
    bool scale = !strcmp(sub, "scale");
    int rc = 0;

    if (!cJSON_IsObject(obj) || !a || !mod || !r)
        goto out;
    if (rt && rt->origin == KS_RT_CUSTOM) {
        o.custom = true;
        o.schema = rt->schema;
    }
    manager = manager && *manager ? manager : "unknown";
    o.reset = *sub ? (!strcmp(sub, "status") ? "spec" : NULL) : "status";
    if (*sub) {
        rc = ks_mf_decode(old, &m);
    } else if (!is_reset(mf)) {
        rc = ks_mf_decode(obj, &m);
        if (!rc && !m.n)
            rc = ks_mf_decode(old, &m);
    }
    if (rc || ks_fs_compare(old, obj, &o, a, mod, r) || ks_fs_union(a, mod))
        goto out;
    ks_fs_prune(a);
    bool changed = !ks_fs_empty(a);
    /* A custom resource's /scale records no entry of its own (48, 59). */
    bool own = !(scale && o.custom);
    struct ks_mf_entry *self =
        own ? ks_mf_find(&m, manager, "Update", api_version, sub, changed) : NULL;
    if (own && changed && !self)
        goto out;
    for (size_t i = 0; i < m.n; i++) {
        if (&m.v[i] == self)
            continue;
        ks_fs_subtract(m.v[i].set, a);
        ks_fs_subtract(m.v[i].set, r);
    }
    if (self) {
        ks_fs_subtract(self->set, r);
        if (ks_fs_union(self->set, a))
            goto out;
        if (scale) {
            /* the scale handler writes its entries without a time (15, 34) */
            free(self->time);
            self->time = NULL;
        } else if (changed) {
            char t[32];
            ks_time_format(now, t);
            free(self->time);
            if (!(self->time = strdup(t)))
                goto out;
        }
    }
    ks_mf_drop_empty(&m);
    ks_mf_encode(obj, &m);
out:
    ks_fs_free(a);
    ks_fs_free(mod);
    ks_fs_free(r);
    ks_mf_release(&m);
}

void ks_managed_fields_update(cJSON *obj, const cJSON *old, const char *manager,
                              const char *api_version, const char *subresource, double now)
{
    ks_managed_fields_update_rt(obj, old, NULL, manager, api_version, subresource, now);
}
