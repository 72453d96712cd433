/*
 * kubesim: deletion as the real server does it -- preconditions,
 * propagation finalizers (foregroundDeletion, orphan), graceful pod
 * deletion, namespaces going Terminating (fixtures 80, 81, 82) -- and the
 * internal entry points ks_api_create/update/delete.
 */
#include "api_internal.h"
#include "builtins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_core(const ks_rtype *rt, const char *resource)
{
    return !rt->group[0] && strcmp(rt->resource, resource) == 0;
}

static bool has_finalizer(const cJSON *obj, const char *f)
{
    const cJSON *arr = ks_json_path(obj, "metadata.finalizers"), *it;

    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, f) == 0)
            return true;
    }
    return false;
}

static bool array_nonempty(const cJSON *obj, const char *path)
{
    const cJSON *a = ks_json_path(obj, path);
    return cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0;
}

static void add_finalizer(cJSON *md, const char *f)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(md, "finalizers");

    if (!cJSON_IsArray(arr)) {
        arr = cJSON_CreateArray();
        if (!arr)
            return;
        api_set(md, "finalizers", arr);
    }
    cJSON_AddItemToArray(arr, cJSON_CreateString(f));
}

/* Writes the marked object (storage shape) back; result in rt's shape. */
static int write_marked(struct api_op *op, const ks_obj *cur, cJSON *obj)
{
    const ks_rtype *srt = api_storage(op->rt);
    const ks_obj *out = NULL;
    int rc;

    api_order_object(srt, obj);
    if (op->dry_run) {
        if (op->rt->storage && op->rt->to_view) {
            op->result = op->rt->to_view(obj);
            cJSON_Delete(obj);
        } else {
            op->result = obj;
        }
        return 0;
    }
    rc = ks_store_update(op->s->store, srt, obj, cur->rv, &out);
    cJSON_Delete(obj);
    if (rc) {
        api_err_internal(&op->err, "storage write failed");
        return rc;
    }
    op->stored = out;
    op->result = api_view_of(op->rt, out);
    return op->result ? 0 : KS_ENOMEM;
}

struct doomed {
    char **names, **nss;
    size_t n, cap;
};

static bool collect_doomed(void *ud, const ks_obj *o)
{
    struct doomed *d = ud;

    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        char **a = realloc(d->names, cap * sizeof(*a));
        if (!a)
            return false;
        d->names = a;
        char **b = realloc(d->nss, cap * sizeof(*b));
        if (!b)
            return false;
        d->nss = b;
        d->cap = cap;
    }
    d->names[d->n] = strdup(o->name);
    d->nss[d->n] = strdup(o->ns);
    if (!d->names[d->n] || !d->nss[d->n]) {
        free(d->names[d->n]);
        free(d->nss[d->n]);
        return false;
    }
    d->n++;
    return true;
}

/* A CRD is gone: its custom resources go with it, then its types. */
void api_crd_removed(ks_sim *s, const cJSON *crd)
{
    const char *name = ks_json_str(crd, "metadata.name");
    struct ks_causes c = {0};

    for (size_t i = 0; name && i < ks_registry_count(s->reg); i++) {
        const ks_rtype *rt = ks_registry_at(s->reg, i);
        struct doomed d = {0};
        if (!rt || rt->origin != KS_RT_CUSTOM || strcmp(rt->crd_name, name) != 0 || rt->storage)
            continue;
        ks_store_each(s->store, rt, NULL, collect_doomed, &d);
        for (size_t k = 0; k < d.n; k++) {
            ks_store_remove(s->store, rt, d.nss[k], d.names[k], 0, NULL);
            free(d.names[k]);
            free(d.nss[k]);
        }
        free(d.names);
        free(d.nss);
    }
    cJSON *copy = cJSON_Duplicate(crd, true);
    if (copy)
        ks_builtin_crd_changed(s, copy, true, &c);
    cJSON_Delete(copy);
    ks_causes_release(&c);
}

static int remove_now(struct api_op *op, const ks_obj *cur, const char *name, cJSON **gone_details)
{
    const ks_rtype *srt = api_storage(op->rt);
    cJSON *last = api_view_of(op->rt, cur);
    const char *ns = op->rt->namespaced ? op->ns : "";
    int rc = 0;

    if (!last) {
        api_err_internal(&op->err, "out of memory");
        return KS_ENOMEM;
    }
    if (!op->dry_run)
        rc = ks_store_remove(op->s->store, srt, ns, name, cur->rv, NULL);
    if (rc) {
        cJSON_Delete(last);
        api_err_internal(&op->err, "storage write failed");
        return rc;
    }
    if (!op->dry_run && strcmp(op->rt->group, "apiextensions.k8s.io") == 0 &&
        strcmp(op->rt->resource, "customresourcedefinitions") == 0)
        api_crd_removed(op->s, last);
    if (is_core(op->rt, "pods")) {
        /* The pod registry returns the deleted object. */
        op->result = last;
        return 0;
    }
    if (gone_details) {
        cJSON *d = api_details(op->rt, name);
        const char *uid = ks_json_str(last, "metadata.uid");
        if (d && uid)
            cJSON_AddStringToObject(d, "uid", uid);
        *gone_details = d;
    }
    cJSON_Delete(last);
    return 0;
}

int api_delete(struct api_op *op, const char *name, const struct api_delete_opts *o,
               cJSON **gone_details)
{
    const ks_rtype *rt = op->rt, *srt = api_storage(rt);
    const ks_obj *cur = ks_store_get(op->s->store, srt, rt->namespaced ? op->ns : "", name);
    char gr[200], ts[32], rvs[32];
    cJSON *obj, *md;
    double now = ks_now(op->s);

    if (gone_details)
        *gone_details = NULL;
    if (!cur) {
        api_err_not_found(&op->err, rt, name);
        return KS_ENOTFOUND;
    }
    const char *prop = o->propagation;
    if (prop && *prop && strcmp(prop, "Orphan") != 0 && strcmp(prop, "Background") != 0 &&
        strcmp(prop, "Foreground") != 0) {
        struct ks_causes c = {0};
        ks_causes_add(&c, "FieldValueNotSupported", "propagationPolicy",
                      "Unsupported value: \"%s\": supported values: \"Foreground\", "
                      "\"Background\", \"Orphan\", \"nil\"",
                      prop);
        api_err_invalid(&op->err, "meta.k8s.io", "DeleteOptions", "", &c);
        ks_causes_release(&c);
        return KS_EINVALID;
    }
    obj = api_parse_obj(cur);
    md = obj ? cJSON_GetObjectItemCaseSensitive(obj, "metadata") : NULL;
    if (!cJSON_IsObject(md)) {
        cJSON_Delete(obj);
        api_err_internal(&op->err, "stored object unreadable");
        return KS_EIO;
    }
    api_group_resource(rt, gr, sizeof(gr));
    snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)cur->rv);
    const char *uid = ks_json_str(obj, "metadata.uid");
    if (o->pre_uid && *o->pre_uid && (!uid || strcmp(uid, o->pre_uid) != 0)) {
        api_err_set(&op->err, 409, "Conflict", api_details(rt, name),
                    "Operation cannot be fulfilled on %s \"%s\": Precondition failed: UID in "
                    "precondition: %s, UID in object meta: %s",
                    gr, name, o->pre_uid, uid ? uid : "");
        cJSON_Delete(obj);
        return KS_ECONFLICT;
    }
    if (o->pre_rv && *o->pre_rv && strcmp(o->pre_rv, rvs) != 0) {
        api_err_set(&op->err, 409, "Conflict", api_details(rt, name),
                    "Operation cannot be fulfilled on %s \"%s\": Precondition failed: "
                    "ResourceVersion in precondition: %s, ResourceVersion in object meta: %s",
                    gr, name, o->pre_rv, rvs);
        cJSON_Delete(obj);
        return KS_ECONFLICT;
    }
    bool marked = ks_json_path(obj, "metadata.deletionTimestamp") != NULL;
    bool finalizers = array_nonempty(obj, "metadata.finalizers");

    if (marked) {
        bool remove = false;
        if (is_core(rt, "namespaces"))
            remove = !finalizers && (o->force_marked || !array_nonempty(obj, "spec.finalizers"));
        else if (!finalizers)
            remove = is_core(rt, "pods") ? (o->grace == 0 || o->force_marked) : true;
        if (remove) {
            cJSON_Delete(obj);
            return remove_now(op, cur, name, gone_details);
        }
        /* Still being deleted: the object as it is. */
        op->result = api_view_of(rt, cur);
        cJSON_Delete(obj);
        return op->result ? 0 : KS_ENOMEM;
    }
    if (is_core(rt, "namespaces")) {
        ks_time_format(now, ts);
        api_set(md, "deletionTimestamp", cJSON_CreateString(ts));
        api_set(md, "deletionGracePeriodSeconds", cJSON_CreateNumber(0));
        cJSON *st = cJSON_GetObjectItemCaseSensitive(obj, "status");
        if (!cJSON_IsObject(st)) {
            st = cJSON_CreateObject();
            api_set(obj, "status", st);
        }
        if (st)
            api_set(st, "phase", cJSON_CreateString("Terminating"));
        return write_marked(op, cur, obj);
    }
    if (prop && strcmp(prop, "Foreground") == 0 && !has_finalizer(obj, "foregroundDeletion")) {
        add_finalizer(md, "foregroundDeletion");
        finalizers = true;
    } else if (prop && strcmp(prop, "Orphan") == 0 && !has_finalizer(obj, "orphan")) {
        add_finalizer(md, "orphan");
        finalizers = true;
    }
    long grace = 0;
    if (is_core(rt, "pods")) {
        const char *phase = ks_json_str(obj, "status.phase");
        grace = o->grace >= 0 ? o->grace
                              : (long)api_int_at(obj, "spec.terminationGracePeriodSeconds", 30);
        if (grace < 0)
            grace = 0;
        if (!ks_json_str(obj, "spec.nodeName") || !ks_json_str(obj, "spec.nodeName")[0] ||
            (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)))
            grace = 0;
    }
    if (!finalizers && grace == 0) {
        cJSON_Delete(obj);
        return remove_now(op, cur, name, gone_details);
    }
    ks_time_format(now + (double)grace, ts);
    api_set(md, "deletionTimestamp", cJSON_CreateString(ts));
    api_set(md, "deletionGracePeriodSeconds", cJSON_CreateNumber((double)grace));
    if (api_has_generation(rt))
        api_set(md, "generation",
                cJSON_CreateNumber((double)(api_int_at(obj, "metadata.generation", 1) + 1)));
    return write_marked(op, cur, obj);
}

/* ------------------------------------------------------------------ */
/* Internal writers                                                    */

int ks_api_create(ks_sim *s, const ks_rtype *rt, cJSON *obj, const char *manager,
                  const ks_obj **out)
{
    struct api_op op;
    cJSON *copy;
    int rc;

    if (out)
        *out = NULL;
    if (!s || !rt || !obj)
        return KS_EINVALID;
    copy = cJSON_Duplicate(obj, true);
    if (!copy)
        return KS_ENOMEM;
    api_op_init(&op, s, rt, ks_json_str(obj, "metadata.namespace"), NULL, manager);
    op.fv = API_FV_IGNORE;
    rc = api_create(&op, copy);
    if (rc == 0 && out)
        *out = op.stored;
    if (rc == 0)
        rc = 0;
    else
        rc = api_err_rc(&op.err) ? api_err_rc(&op.err) : rc;
    api_op_release(&op);
    return rc;
}

int ks_api_update(ks_sim *s, const ks_rtype *rt, cJSON *obj, bool status_only, const char *manager,
                  const ks_obj **out)
{
    struct api_op op;
    const char *name, *ns;
    cJSON *copy;
    int rc;

    if (out)
        *out = NULL;
    if (!s || !rt || !obj)
        return KS_EINVALID;
    name = ks_json_str(obj, "metadata.name");
    ns = ks_json_str(obj, "metadata.namespace");
    if (!name || !*name)
        return KS_EINVALID;
    copy = cJSON_Duplicate(obj, true);
    if (!copy)
        return KS_ENOMEM;
    api_op_init(&op, s, rt, rt->namespaced ? ns : "", name, manager);
    op.fv = API_FV_IGNORE;
    op.subresource = status_only ? "status" : NULL;
    rc = api_update(&op, copy, NULL);
    if (rc == 0 && out)
        *out = op.stored;
    if (rc)
        rc = api_err_rc(&op.err) ? api_err_rc(&op.err) : rc;
    api_op_release(&op);
    return rc;
}

int ks_api_delete(ks_sim *s, const ks_rtype *rt, const char *ns, const char *name,
                  const char *propagation)
{
    struct api_op op;
    struct api_delete_opts o = {propagation, -1, NULL, NULL, true};
    cJSON *gone = NULL;
    int rc;

    if (!s || !rt || !name)
        return KS_EINVALID;
    api_op_init(&op, s, rt, rt->namespaced ? ns : "", name, "kubesim");
    rc = api_delete(&op, name, &o, &gone);
    cJSON_Delete(gone);
    if (rc)
        rc = api_err_rc(&op.err) ? api_err_rc(&op.err) : rc;
    api_op_release(&op);
    return rc;
}
