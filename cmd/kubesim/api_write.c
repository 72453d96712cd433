/*
 * kubesim: the write pipeline -- create and update with the real
 * server's semantics (uid, timestamps, generation, status subresource,
 * defaults, validation, managedFields, finalizers), shared by the HTTP
 * verbs and ks_api_create/ks_api_update.
 */
#include "api_internal.h"
#include "builtins.h"
#include "patch_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_op_init(struct api_op *op, ks_sim *s, const ks_rtype *rt, const char *ns, const char *name,
                 const char *manager)
{
    memset(op, 0, sizeof(*op));
    op->s = s;
    op->rt = rt;
    op->ns = ns ? ns : "";
    op->name = name ? name : "";
    op->manager = manager && *manager ? manager : "unknown";
    op->fv = API_FV_WARN;
}

void api_op_release(struct api_op *op)
{
    api_err_clear(&op->err);
    ks_causes_release(&op->warnings);
    cJSON_Delete(op->result);
    op->result = NULL;
}

static cJSON *metadata_of(cJSON *obj)
{
    cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

    if (cJSON_IsObject(md))
        return md;
    md = cJSON_CreateObject();
    if (!md)
        return NULL;
    api_set(obj, "metadata", md);
    return md;
}

static const char *str_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static bool is_crd(const ks_rtype *rt)
{
    return strcmp(rt->group, "apiextensions.k8s.io") == 0 &&
           strcmp(rt->resource, "customresourcedefinitions") == 0;
}

static void set_type_meta(const ks_rtype *rt, cJSON *obj)
{
    char av[140];

    api_version_of(rt, av, sizeof(av));
    api_set(obj, "apiVersion", cJSON_CreateString(av));
    api_set(obj, "kind", cJSON_CreateString(rt->kind));
}

/* The namespace must exist and not be terminating (NamespaceLifecycle). */
static int check_namespace(struct api_op *op, const char *ns, const char *name)
{
    const ks_rtype *nst;
    const ks_obj *o;

    if (!op->rt->namespaced || op->skip_ns_check)
        return 0;
    nst = ks_registry_find(op->s->reg, "", "v1", "namespaces");
    if (!nst)
        return 0;
    o = ks_store_get(op->s->store, nst, "", ns);
    if (!o) {
        api_err_not_found(&op->err, nst, ns);
        return KS_ENOTFOUND;
    }
    cJSON *nso = api_parse_obj(o);
    bool terminating = nso && (ks_json_path(nso, "metadata.deletionTimestamp") ||
                               (ks_json_str(nso, "status.phase") &&
                                strcmp(ks_json_str(nso, "status.phase"), "Terminating") == 0));
    cJSON_Delete(nso);
    if (!terminating)
        return 0;
    char gr[200];
    cJSON *d = api_details(op->rt, name);
    cJSON *causes = d ? cJSON_AddArrayToObject(d, "causes") : NULL;
    cJSON *c = causes ? cJSON_CreateObject() : NULL;
    if (c) {
        char m[400];
        snprintf(m, sizeof(m), "namespace %s is being terminated", ns);
        cJSON_AddStringToObject(c, "reason", "NamespaceTerminating");
        cJSON_AddStringToObject(c, "message", m);
        cJSON_AddStringToObject(c, "field", "metadata.namespace");
        cJSON_AddItemToArray(causes, c);
    }
    api_group_resource(op->rt, gr, sizeof(gr));
    api_err_set(&op->err, 403, "Forbidden", d,
                "%s \"%s\" is forbidden: unable to create new content in namespace %s because "
                "it is being terminated",
                gr, name, ns);
    return KS_EBADREQ;
}

/* fieldValidation: Strict rejects unknown fields, Warn reports them. */
static int handle_unknown(struct api_op *op, const struct ks_causes *unknown)
{
    if (!unknown->n)
        return 0;
    if (op->fv == API_FV_STRICT) {
        struct ebb_strbuf m = EBB_STRBUF_INIT;
        ebb_strbuf_addf(&m,
                        "%s in version \"%s\" cannot be handled as a %s: strict decoding error: ",
                        op->rt->kind, op->rt->version, op->rt->kind);
        for (size_t i = 0; i < unknown->n; i++)
            ebb_strbuf_addf(&m, "%sunknown field \"%s\"", i ? ", " : "", unknown->v[i].field);
        api_err_bad_request(&op->err, "%s", m.buf);
        ebb_strbuf_release(&m);
        return KS_EBADREQ;
    }
    if (op->fv == API_FV_WARN)
        for (size_t i = 0; i < unknown->n; i++)
            ks_causes_add(&op->warnings, "", unknown->v[i].field, "unknown field \"%s\"",
                          unknown->v[i].field);
    return 0;
}

static bool dns_subdomain_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '.')
            return false;
        if ((i == 0 || i + 1 == n) && !alnum)
            return false;
        if (c == '.' && (s[i - 1] == '.' || s[i - 1] == '-' || s[i + 1] == '-'))
            return false;
    }
    return true;
}

/* Defaults, pruning, validation. obj in rt's shape; old may be NULL. */
static int admit(struct api_op *op, cJSON *obj, const cJSON *old)
{
    const ks_rtype *rt = op->rt;
    struct ks_causes causes = {0}, unknown = {0};
    int rc = 0;

    if (rt->origin == KS_RT_CUSTOM) {
        const char *name = ks_json_str(obj, "metadata.name");
        if (name && !old && !dns_subdomain_ok(name))
            ks_causes_add(&causes, "FieldValueInvalid", "metadata.name",
                          "Invalid value: \"%s\": a lowercase RFC 1123 subdomain must consist "
                          "of lower case alphanumeric characters, '-' or '.', and must start "
                          "and end with an alphanumeric character (e.g. 'example.com', regex "
                          "used for validation is "
                          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                          name);
        if (rt->compiled)
            ks_schema_apply(rt->compiled, obj, old, &causes, &unknown);
        if (rt->has_scale && rt->scale_spec_path[0]) {
            const cJSON *v = ks_json_path(obj, rt->scale_spec_path);
            if (cJSON_IsNumber(v) && v->valuedouble < 0) {
                char f[120];
                snprintf(f, sizeof(f), ".%s", rt->scale_spec_path);
                ks_causes_add(&causes, "FieldValueInvalid", f,
                              "Invalid value: %lld: should be a non-negative integer",
                              (long long)v->valuedouble);
            }
        }
        rc = handle_unknown(op, &unknown);
    } else if (rt->origin == KS_RT_BUILTIN) {
        api_prune_builtin(rt, obj, &unknown);
        rc = handle_unknown(op, &unknown);
        if (rc == 0) {
            ks_builtin_default(rt, obj);
            ks_builtin_validate(rt, obj, old, &causes);
        }
    }
    if (rc == 0 && causes.n) {
        api_err_invalid(&op->err, api_invalid_group(rt), rt->kind,
                        ks_json_str(obj, "metadata.name"), &causes);
        rc = KS_EINVALID;
    }
    ks_causes_release(&causes);
    ks_causes_release(&unknown);
    return rc;
}

static void generate_name(ks_sim *s, const char *prefix, char *out, size_t cap)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    char suffix[6];

    for (int i = 0; i < 5; i++)
        suffix[i] = alphabet[ks_rand64(s) % (sizeof(alphabet) - 1)];
    suffix[5] = '\0';
    snprintf(out, cap, "%.*s%s", 58, prefix, suffix);
}

static char *now_str(ks_sim *s, char buf[32])
{
    ks_time_format(ks_now(s), buf);
    return buf;
}

/* Stores obj (rt's shape): converts to the storage shape first. */
static cJSON *to_storage(const ks_rtype *rt, const cJSON *obj)
{
    if (rt->storage && rt->from_view)
        return rt->from_view(obj);
    return cJSON_Duplicate(obj, true);
}

static int store_rc(struct api_op *op, int rc, const char *name)
{
    if (rc == KS_EEXISTS)
        api_err_exists(&op->err, op->rt, name);
    else if (rc == KS_ENOTFOUND)
        api_err_not_found(&op->err, op->rt, name);
    else if (rc == KS_ECONFLICT)
        api_err_conflict(&op->err, op->rt, name);
    else if (rc)
        api_err_internal(&op->err, "storage write failed");
    return rc;
}

static int mismatch_checks(struct api_op *op, cJSON *md, const char *url_name)
{
    const char *bns = str_of(md, "namespace");
    const char *bname = str_of(md, "name");

    if (op->rt->namespaced && op->ns[0] && bns[0] && strcmp(bns, op->ns) != 0) {
        api_err_bad_request(&op->err, "the namespace of the provided object does not match "
                                      "the namespace sent on the request");
        return KS_EBADREQ;
    }
    if (url_name && url_name[0] && bname[0] && strcmp(bname, url_name) != 0) {
        api_err_bad_request(&op->err,
                            "the name of the object (%s) does not match the name on the URL (%s)",
                            bname, url_name);
        return KS_EBADREQ;
    }
    if (op->rt->namespaced) {
        if (op->ns[0])
            api_set(md, "namespace", cJSON_CreateString(op->ns));
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
    }
    if (url_name && url_name[0])
        api_set(md, "name", cJSON_CreateString(url_name));
    return 0;
}

int api_create(struct api_op *op, cJSON *obj)
{
    const ks_rtype *rt = op->rt, *srt = api_storage(rt);
    char namebuf[256], ts[32], uid[37], av[140];
    cJSON *md, *stored = NULL;
    const ks_obj *out = NULL;
    int rc;

    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        api_err_bad_request(&op->err, "the object provided is unrecognized");
        return KS_EBADREQ;
    }
    md = metadata_of(obj);
    if (!md) {
        cJSON_Delete(obj);
        api_err_internal(&op->err, "out of memory");
        return KS_ENOMEM;
    }
    set_type_meta(rt, obj);
    if ((rc = mismatch_checks(op, md, op->name)) != 0)
        goto out;
    const char *ns = str_of(md, "namespace");
    snprintf(namebuf, sizeof(namebuf), "%s", str_of(md, "name"));
    if (!namebuf[0] && str_of(md, "generateName")[0]) {
        generate_name(op->s, str_of(md, "generateName"), namebuf, sizeof(namebuf));
        api_set(md, "name", cJSON_CreateString(namebuf));
    }
    if (!namebuf[0]) {
        struct ks_causes c = {0};
        ks_causes_add(&c, "FieldValueRequired", "metadata.name",
                      "Required value: name or generateName is required");
        api_err_invalid(&op->err, api_invalid_group(rt), rt->kind, "", &c);
        ks_causes_release(&c);
        rc = KS_EINVALID;
        goto out;
    }
    if (str_of(md, "resourceVersion")[0]) {
        api_err_bad_request(&op->err, "resourceVersion should not be set on objects to be created");
        rc = KS_EBADREQ;
        goto out;
    }
    if ((rc = check_namespace(op, ns, namebuf)) != 0)
        goto out;
    if (ks_store_get(op->s->store, srt, rt->namespaced ? ns : "", namebuf)) {
        api_err_exists(&op->err, rt, namebuf);
        rc = KS_EEXISTS;
        goto out;
    }
    static const char *const server_set[] = {
        "uid",        "selfLink",          "deletionTimestamp", "deletionGracePeriodSeconds",
        "generation", "creationTimestamp", "managedFields",     "resourceVersion",
    };
    for (size_t i = 0; i < sizeof(server_set) / sizeof(server_set[0]); i++)
        if (!(op->apply && strcmp(server_set[i], "managedFields") == 0))
            cJSON_DeleteItemFromObjectCaseSensitive(md, server_set[i]);
    if (rt->has_status)
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
    ks_uuid(op->s, uid);
    api_set(md, "uid", cJSON_CreateString(uid));
    api_set(md, "creationTimestamp", cJSON_CreateString(now_str(op->s, ts)));
    if (api_has_generation(rt))
        api_set(md, "generation", cJSON_CreateNumber(1));
    if ((rc = admit(op, obj, NULL)) != 0)
        goto out;
    api_version_of(rt, av, sizeof(av));
    if (!op->apply)
        ks_managed_fields_update_rt(obj, NULL, rt, op->manager, av, op->subresource, ks_now(op->s));
    if (is_crd(rt) && !op->dry_run) {
        struct ks_causes c = {0};
        rc = ks_builtin_crd_changed(op->s, obj, false, &c);
        if (rc) {
            api_err_invalid(&op->err, rt->group, rt->kind, namebuf, &c);
            ks_causes_release(&c);
            rc = KS_EINVALID;
            goto out;
        }
        ks_causes_release(&c);
    }
    api_order_object(rt, obj);
    if (op->dry_run) {
        op->result = obj;
        op->created = true;
        return 0;
    }
    /* The store sets resourceVersion in place: keep its slot. */
    cJSON_AddStringToObject(md, "resourceVersion", "");
    api_order_object(rt, obj);
    stored = to_storage(rt, obj);
    if (!stored) {
        api_err_internal(&op->err, "conversion failed");
        rc = KS_ENOMEM;
        goto out;
    }
    rc = ks_store_create(op->s->store, srt, stored, &out);
    if (rc) {
        if (is_crd(rt)) {
            struct ks_causes c = {0};
            ks_builtin_crd_changed(op->s, obj, true, &c);
            ks_causes_release(&c);
        }
        store_rc(op, rc, namebuf);
        goto out;
    }
    op->stored = out;
    op->created = true;
    op->result = api_view_of(rt, out);
    if (!op->result) {
        api_err_internal(&op->err, "out of memory");
        rc = KS_ENOMEM;
    }
out:
    cJSON_Delete(stored);
    cJSON_Delete(obj);
    return rc;
}

static bool has_finalizers(const cJSON *obj)
{
    const cJSON *f = ks_json_path(obj, "metadata.finalizers");
    return cJSON_IsArray(f) && cJSON_GetArraySize(f) > 0;
}

static void copy_key(cJSON *dst, const cJSON *src, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, key);

    if (v)
        api_set(dst, key, cJSON_Duplicate(v, true));
    else
        cJSON_DeleteItemFromObjectCaseSensitive(dst, key);
}

/* Builds the new object of an update from the body and the old one. */
static cJSON *merge_update(struct api_op *op, cJSON *obj, const cJSON *old)
{
    bool status_only = op->subresource && strcmp(op->subresource, "status") == 0;

    if (status_only) {
        cJSON *n = cJSON_Duplicate(old, true);
        if (n) {
            copy_key(n, obj, "status");
            /* The built-in status strategies keep the body's annotations
             * (the Deployment controller writes its revision annotation
             * that way, fixture 11's managedFields); custom resources
             * keep only status (ResetObjectMetaForStatus). */
            cJSON *nmd = cJSON_GetObjectItemCaseSensitive(n, "metadata");
            const cJSON *bmd = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
            if (op->rt->origin == KS_RT_BUILTIN && cJSON_IsObject(nmd) && cJSON_IsObject(bmd))
                copy_key(nmd, bmd, "annotations");
        }
        cJSON_Delete(obj);
        return n;
    }
    cJSON *md = metadata_of(obj);
    const cJSON *omd = cJSON_GetObjectItemCaseSensitive(old, "metadata");
    static const char *const kept[] = {
        "uid",        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "generation", "managedFields",
    };
    if (!md) {
        cJSON_Delete(obj);
        return NULL;
    }
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        if (!(op->apply && strcmp(kept[i], "managedFields") == 0))
            copy_key(md, omd, kept[i]);
    cJSON_DeleteItemFromObjectCaseSensitive(md, "selfLink");
    if (op->rt->has_status)
        copy_key(obj, old, "status");
    return obj;
}

int api_update(struct api_op *op, cJSON *obj, const ks_obj *cur)
{
    const ks_rtype *rt = op->rt, *srt = api_storage(rt);
    cJSON *md, *old = NULL, *stored = NULL, *nobj = NULL;
    const ks_obj *out = NULL;
    char rvbuf[32], av[140];
    const char *name = op->name;
    int rc = 0;

    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        api_err_bad_request(&op->err, "the object provided is unrecognized");
        return KS_EBADREQ;
    }
    md = metadata_of(obj);
    if (!md) {
        cJSON_Delete(obj);
        api_err_internal(&op->err, "out of memory");
        return KS_ENOMEM;
    }
    if ((rc = mismatch_checks(op, md, name)) != 0)
        goto out;
    if (!cur)
        cur = ks_store_get(op->s->store, srt, rt->namespaced ? op->ns : "", name);
    if (!cur) {
        api_err_not_found(&op->err, rt, name);
        rc = KS_ENOTFOUND;
        goto out;
    }
    const char *brv = str_of(md, "resourceVersion");
    if (brv[0]) {
        char *end = NULL;
        unsigned long long v = strtoull(brv, &end, 10);
        if (!end || *end || v != cur->rv) {
            api_err_conflict(&op->err, rt, name);
            rc = KS_ECONFLICT;
            goto out;
        }
    }
    old = api_view_of(rt, cur);
    if (!old) {
        api_err_internal(&op->err, "out of memory");
        rc = KS_ENOMEM;
        goto out;
    }
    set_type_meta(rt, obj);
    nobj = merge_update(op, obj, old);
    obj = NULL;
    if (!nobj) {
        api_err_internal(&op->err, "out of memory");
        rc = KS_ENOMEM;
        goto out;
    }
    md = metadata_of(nobj);
    snprintf(rvbuf, sizeof(rvbuf), "%llu", (unsigned long long)cur->rv);
    api_set(md, "resourceVersion", cJSON_CreateString(rvbuf));
    if ((rc = admit(op, nobj, old)) != 0)
        goto out;
    if (api_has_generation(rt)) {
        long long g = api_int_at(old, "metadata.generation", 1);
        bool status_only = op->subresource && strcmp(op->subresource, "status") == 0;
        if (!status_only && api_generation_changed(rt, old, nobj))
            g++;
        api_set(md, "generation", cJSON_CreateNumber((double)g));
    }
    api_order_object(rt, nobj);
    if (cJSON_Compare(nobj, old, true)) {
        /* Nothing changed: no write, the same resourceVersion (22). */
        op->result = nobj;
        nobj = NULL;
        op->stored = cur;
        goto out;
    }
    api_version_of(rt, av, sizeof(av));
    if (!op->apply)
        ks_managed_fields_update_rt(nobj, old, rt, op->manager, av, op->subresource, ks_now(op->s));
    api_order_object(rt, nobj);
    if (is_crd(rt) && !op->dry_run) {
        struct ks_causes c = {0};
        rc = ks_builtin_crd_changed(op->s, nobj, false, &c);
        if (rc) {
            api_err_invalid(&op->err, rt->group, rt->kind, name, &c);
            ks_causes_release(&c);
            rc = KS_EINVALID;
            goto out;
        }
        ks_causes_release(&c);
        api_order_object(rt, nobj);
    }
    if (op->dry_run) {
        op->result = nobj;
        nobj = NULL;
        goto out;
    }
    bool remove_after = ks_json_path(nobj, "metadata.deletionTimestamp") && has_finalizers(old) &&
                        !has_finalizers(nobj);
    stored = to_storage(rt, nobj);
    if (!stored) {
        api_err_internal(&op->err, "conversion failed");
        rc = KS_ENOMEM;
        goto out;
    }
    rc = ks_store_update(op->s->store, srt, stored, cur->rv, &out);
    if (rc) {
        store_rc(op, rc, name);
        goto out;
    }
    op->result = api_view_of(rt, out);
    op->stored = out;
    if (remove_after) {
        ks_store_remove(op->s->store, srt, rt->namespaced ? op->ns : "", name, 0, NULL);
        op->stored = NULL;
        if (is_crd(rt) && op->result)
            api_crd_removed(op->s, op->result);
    }
    if (!op->result) {
        api_err_internal(&op->err, "out of memory");
        rc = KS_ENOMEM;
    }
out:
    cJSON_Delete(obj);
    cJSON_Delete(nobj);
    cJSON_Delete(old);
    cJSON_Delete(stored);
    return rc;
}
