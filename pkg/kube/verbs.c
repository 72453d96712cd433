/* verbs.c -- the core of the verbs and the single-object ones; see verbs.h. EDGE.
 *
 * Each verb builds its path with ebb_kube_path(), submits one request with
 * the call as the context, and turns the response into the typed result in
 * on_done(). This file holds what every verb shares (error messages, call
 * start and submission, completion dispatch) and get, create, update,
 * patch and delete. /scale is in verbs_scale.c, list and its pagination in
 * verbs_list.c, the blocking forms in verbs_wait.c.
 */
#include "verbs_internal.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const patch_types[EBB_KUBE_PATCH__COUNT] = {
    [EBB_KUBE_PATCH_MERGE] = EBB_KUBE_MERGE_PATCH,
    [EBB_KUBE_PATCH_STRATEGIC] = EBB_KUBE_STRATEGIC_PATCH,
    [EBB_KUBE_PATCH_JSON] = EBB_KUBE_JSON_PATCH,
    [EBB_KUBE_PATCH_APPLY] = EBB_KUBE_APPLY_PATCH,
};

const char *ebb_kube_patch_content_type(enum ebb_kube_patch_type t)
{
    return (unsigned)t < EBB_KUBE_PATCH__COUNT ? patch_types[t] : NULL;
}

/* ---- errors ------------------------------------------------------------------------------ */

void ebb__kube_err_clear(struct ebb_kube_error *e)
{
    e->http_status = 0;
    e->reason = EBB_KUBE_REASON_UNKNOWN;
    e->message[0] = '\0';
    e->n_causes = 0;
    e->continue_token[0] = '\0';
    e->retry_after_s = -1;
}

/* A failure found here, not by the server: no HTTP status, no reason. */
void ebb__kube_err_setf(struct ebb_kube_error *e, const char *fmt, ...)
{
    va_list ap;
    ebb__kube_err_clear(e);
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

/* "deployments demo/web", "customresourcedefinitions x", "pods" (what a message names). */
void ebb__kube_describe(const struct ebb_kube_resource *res, const char *ns, const char *name,
                        char *buf, size_t bufsz)
{
    const char *r = res && res->resource ? res->resource : "(no resource)";
    if (name && ns)
        snprintf(buf, bufsz, "%s %s/%s", r, ns, name);
    else if (name)
        snprintf(buf, bufsz, "%s %s", r, name);
    else if (ns)
        snprintf(buf, bufsz, "%s in %s", r, ns);
    else
        snprintf(buf, bufsz, "%s", r);
}

static bool segment_bad(const char *s)
{
    return s[0] == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

/* Says why ebb_kube_path() refused these arguments (its rules, spelled out). */
void ebb__kube_path_error(const char *verb, const struct ebb_kube_resource *res, const char *ns,
                          const char *name, const char *subresource, struct ebb_kube_error *e)
{
    char what[512];
    ebb__kube_describe(res, ns, name, what, sizeof(what));
    if (res == NULL || res->version == NULL || res->resource == NULL || segment_bad(res->version) ||
        segment_bad(res->resource))
        ebb__kube_err_setf(e, "%s %s: the resource needs a version and a plural name", verb, what);
    else if (ns && !res->namespaced)
        ebb__kube_err_setf(e, "%s %s: %s are cluster-scoped: give no namespace", verb, what,
                           res->resource);
    else if (ns && segment_bad(ns))
        ebb__kube_err_setf(e, "%s %s: namespace \"%s\" is not a valid name", verb, what, ns);
    else if (name && res->namespaced && ns == NULL)
        ebb__kube_err_setf(e, "%s %s: %s are namespaced: give the namespace", verb, what,
                           res->resource);
    else if (name && segment_bad(name))
        ebb__kube_err_setf(e, "%s %s: name \"%s\" is not a valid name", verb, what, name);
    else if (subresource && segment_bad(subresource))
        ebb__kube_err_setf(e, "%s %s: subresource \"%s\" is not a valid name", verb, what,
                           subresource);
    else
        ebb__kube_err_setf(e, "%s %s: the request path cannot be built from these arguments", verb,
                           what);
}

/* ---- calls ------------------------------------------------------------------------------- */

void ebb_kube_call_cancel(struct ebb_kube_call *call)
{
    if (call == NULL || !call->running)
        return;
    ebb_kube_cancel(call->c, call->id);
    ebb__kube_list_state_free(call->list);
    call->list = NULL;
    call->running = false;
}

bool ebb_kube_call_running(const struct ebb_kube_call *call)
{
    return call != NULL && call->running;
}

static const char *const method_names[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

static void on_done(void *ctx, const struct ebb_kube_response *resp);

/* Submits one request for call; on failure err says why. */
enum ebb_rc ebb__kube_call_submit(struct ebb_kube_call *call, enum ebb_kube_method m,
                                  const char *path, const char *body, size_t len, const char *ctype,
                                  struct ebb_kube_error *err)
{
    struct ebb_kube_request r = {m, path, body, len, ctype, false};
    enum ebb_rc rc = ebb_kube_submit(call->c, &r, NULL, on_done, call, &call->id);
    if (rc == EBB_ERR_NOMEM)
        ebb__kube_err_setf(err, "%s %s: out of memory", method_names[m], path);
    else if (rc)
        ebb__kube_err_setf(err, "%s %s: the client refused the request", method_names[m], path);
    return rc;
}

/* Whether call may start; err says why not. */
bool ebb__kube_call_ready(struct ebb_kube_call *call, struct ebb_kube_client *c, const char *verb,
                          struct ebb_kube_error *err)
{
    if (call == NULL || c == NULL) {
        ebb__kube_err_setf(err, "%s: no call or no client given", verb);
        return false;
    }
    if (call->running) {
        ebb__kube_err_setf(
            err, "%s: this call is still running: wait for its callback or cancel it", verb);
        return false;
    }
    return true;
}

/* Builds the path of one request, submits it and marks call running. */
enum ebb_rc ebb__kube_start_one(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                const struct ebb__kube_call_proto *p, const char *verb,
                                enum ebb_kube_method m, const struct ebb_kube_resource *res,
                                const char *ns, const char *name, const char *subresource,
                                const struct ebb_kube_query *q, const char *body, size_t len,
                                const char *ctype, struct ebb_kube_error *err)
{
    struct ebb_strbuf path = EBB_STRBUF_INIT;
    enum ebb_rc rc = EBB_ERR_INVALID;
    char what[512];
    if (!ebb__kube_call_ready(call, c, verb, err))
        goto out;
    if (name == NULL) {
        ebb__kube_describe(res, ns, NULL, what, sizeof(what));
        ebb__kube_err_setf(err, "%s %s: no object name given", verb, what);
        goto out;
    }
    rc = ebb_kube_path(res, ns, name, subresource, q, &path);
    if (rc == EBB_ERR_INVALID) {
        ebb__kube_path_error(verb, res, ns, name, subresource, err);
        goto out;
    }
    if (rc) {
        ebb__kube_err_setf(err, "%s: out of memory", verb);
        goto out;
    }
    call->c = c;
    call->kind = p->kind;
    call->on_result = p->on_result;
    call->on_scale = p->on_scale;
    call->on_item = NULL;
    call->on_list_done = NULL;
    call->ctx = p->ctx;
    call->list = NULL;
    rc = ebb__kube_call_submit(call, m, path.buf, body, len, ctype, err);
    if (rc == EBB_OK)
        call->running = true;
out:
    ebb_strbuf_release(&path);
    return rc;
}

/* The query of a write: fieldManager and dryRun. */
static void write_query(const struct ebb_kube_write_opts *o, struct ebb_kube_query *q)
{
    memset(q, 0, sizeof(*q));
    q->field_manager = EBB_KUBE_FIELD_MANAGER;
    if (o == NULL)
        return;
    if (o->field_manager)
        q->field_manager = o->field_manager; /* "" leaves it out */
    if (o->dry_run)
        q->dry_run = "All";
}

/* ---- completion -------------------------------------------------------------------------- */

static void object_done(struct ebb_kube_call *call, const struct ebb_kube_response *resp)
{
    struct ebb_kube_error local;
    struct ebb_kube_result r = {EBB_OK, resp->http_status, resp->body, resp->body_len, NULL, NULL};
    cJSON *obj = NULL;
    if (resp->error) {
        r.rc = EBB_ERR_IO;
        r.error = resp->error;
    } else if (resp->body_len > 0) {
        obj = cJSON_ParseWithLength(resp->body, resp->body_len);
        if (obj == NULL) {
            ebb__kube_err_setf(&local, "the API answered %d with a body that is not JSON",
                               resp->http_status);
            local.http_status = resp->http_status;
            r.rc = EBB_ERR_PARSE;
            r.error = &local;
        }
        r.object = obj;
    }
    ebb_kube_result_fn *fn = call->on_result;
    void *ctx = call->ctx;
    call->running = false; /* the callback may start call again */
    fn(ctx, &r);
    cJSON_Delete(obj);
}

static void on_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct ebb_kube_call *call = ctx;
    switch (call->kind) {
    case EBB__KUBE_CALL_LIST:
        if (resp->error)
            ebb__kube_list_failed(call, resp);
        else
            ebb__kube_list_page(call, resp);
        break;
    case EBB__KUBE_CALL_SCALE:
        ebb__kube_scale_done(call, resp);
        break;
    default:
        object_done(call, resp);
        break;
    }
}

/* ---- get --------------------------------------------------------------------------------- */

enum ebb_rc ebb__kube_get_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                const struct ebb_kube_resource *res, const char *ns,
                                const char *name, const char *subresource, ebb_kube_result_fn *fn,
                                void *ctx, struct ebb_kube_error *err)
{
    struct ebb__kube_call_proto p = {EBB__KUBE_CALL_OBJECT, fn, NULL, NULL, NULL, ctx};
    if (fn == NULL) {
        ebb__kube_err_setf(err, "get: no callback given");
        return EBB_ERR_INVALID;
    }
    return ebb__kube_start_one(call, c, &p, "get", EBB_KUBE_GET, res, ns, name, subresource, NULL,
                               NULL, 0, NULL, err);
}

enum ebb_rc ebb_kube_get_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                               const struct ebb_kube_resource *res, const char *ns,
                               const char *name, const char *subresource, ebb_kube_result_fn *fn,
                               void *ctx)
{
    struct ebb_kube_error scratch;
    return ebb__kube_get_start(call, c, res, ns, name, subresource, fn, ctx, &scratch);
}

/* ---- create, update ---------------------------------------------------------------------- */

enum ebb_rc ebb__kube_create_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                   const struct ebb_kube_resource *res, const char *ns,
                                   const char *obj, size_t len, const struct ebb_kube_write_opts *o,
                                   ebb_kube_result_fn *fn, void *ctx, struct ebb_kube_error *err)
{
    struct ebb_strbuf path = EBB_STRBUF_INIT;
    struct ebb_kube_query q;
    struct ebb__kube_call_proto p = {EBB__KUBE_CALL_OBJECT, fn, NULL, NULL, NULL, ctx};
    enum ebb_rc rc = EBB_ERR_INVALID;
    char what[512];
    ebb__kube_describe(res, ns, NULL, what, sizeof(what));
    if (!ebb__kube_call_ready(call, c, "create", err))
        goto out;
    if (fn == NULL || obj == NULL || len == 0) {
        ebb__kube_err_setf(err, "create %s: %s", what,
                           fn ? "no object given" : "no callback given");
        goto out;
    }
    write_query(o, &q);
    rc = ebb_kube_path(res, ns, NULL, NULL, &q, &path);
    if (rc == EBB_ERR_INVALID) {
        ebb__kube_path_error("create", res, ns, NULL, NULL, err);
        goto out;
    }
    if (rc) {
        ebb__kube_err_setf(err, "create %s: out of memory", what);
        goto out;
    }
    call->c = c;
    call->kind = p.kind;
    call->on_result = fn;
    call->on_scale = NULL;
    call->on_item = NULL;
    call->on_list_done = NULL;
    call->ctx = ctx;
    call->list = NULL;
    rc = ebb__kube_call_submit(call, EBB_KUBE_POST, path.buf, obj, len, "application/json", err);
    if (rc == EBB_OK)
        call->running = true;
out:
    ebb_strbuf_release(&path);
    return rc;
}

enum ebb_rc ebb_kube_create_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                  const struct ebb_kube_resource *res, const char *ns,
                                  const char *obj, size_t len, const struct ebb_kube_write_opts *o,
                                  ebb_kube_result_fn *fn, void *ctx)
{
    struct ebb_kube_error scratch;
    return ebb__kube_create_start(call, c, res, ns, obj, len, o, fn, ctx, &scratch);
}

/* EBB_OK when obj is a JSON object with a metadata.resourceVersion. */
static enum ebb_rc check_resource_version(const char *what, const char *obj, size_t len,
                                          struct ebb_kube_error *err)
{
    enum ebb_rc rc = EBB_ERR_PARSE;
    cJSON *root = obj ? cJSON_ParseWithLength(obj, len) : NULL;
    if (!cJSON_IsObject(root)) {
        ebb__kube_err_setf(err, "update %s: the object is not a JSON object", what);
        goto out;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
    rc = EBB_ERR_INVALID;
    if (!cJSON_IsString(rv) || rv->valuestring[0] == '\0') {
        ebb__kube_err_setf(
            err,
            "update %s: the object has no metadata.resourceVersion: send it back with the "
            "resourceVersion it was read at, so a concurrent change is not overwritten",
            what);
        goto out;
    }
    rc = EBB_OK;
out:
    cJSON_Delete(root);
    return rc;
}

enum ebb_rc ebb__kube_update_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                   const struct ebb_kube_resource *res, const char *ns,
                                   const char *name, const char *subresource, const char *obj,
                                   size_t len, const struct ebb_kube_write_opts *o,
                                   ebb_kube_result_fn *fn, void *ctx, struct ebb_kube_error *err)
{
    struct ebb_kube_query q;
    struct ebb__kube_call_proto p = {EBB__KUBE_CALL_OBJECT, fn, NULL, NULL, NULL, ctx};
    char what[512];
    ebb__kube_describe(res, ns, name, what, sizeof(what));
    if (fn == NULL) {
        ebb__kube_err_setf(err, "update %s: no callback given", what);
        return EBB_ERR_INVALID;
    }
    enum ebb_rc rc = check_resource_version(what, obj, len, err);
    if (rc)
        return rc;
    write_query(o, &q);
    return ebb__kube_start_one(call, c, &p, "update", EBB_KUBE_PUT, res, ns, name, subresource, &q,
                               obj, len, "application/json", err);
}

enum ebb_rc ebb_kube_update_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                  const struct ebb_kube_resource *res, const char *ns,
                                  const char *name, const char *subresource, const char *obj,
                                  size_t len, const struct ebb_kube_write_opts *o,
                                  ebb_kube_result_fn *fn, void *ctx)
{
    struct ebb_kube_error scratch;
    return ebb__kube_update_start(call, c, res, ns, name, subresource, obj, len, o, fn, ctx,
                                  &scratch);
}

/* ---- patch ------------------------------------------------------------------------------- */

enum ebb_rc ebb__kube_patch_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                  const struct ebb__kube_call_proto *p, const char *verb,
                                  const struct ebb_kube_resource *res, const char *ns,
                                  const char *name, const char *subresource,
                                  enum ebb_kube_patch_type t, const char *patch, size_t len,
                                  const struct ebb_kube_write_opts *o, struct ebb_kube_error *err)
{
    struct ebb_kube_query q;
    char what[512];
    const char *ctype = ebb_kube_patch_content_type(t);
    ebb__kube_describe(res, ns, name, what, sizeof(what));
    if (ctype == NULL) {
        ebb__kube_err_setf(err, "%s %s: unknown patch type %d", verb, what, (int)t);
        return EBB_ERR_INVALID;
    }
    if (patch == NULL || len == 0) {
        ebb__kube_err_setf(err, "%s %s: no patch given", verb, what);
        return EBB_ERR_INVALID;
    }
    write_query(o, &q);
    if (t == EBB_KUBE_PATCH_APPLY) {
        if (q.field_manager[0] == '\0') {
            ebb__kube_err_setf(err, "%s %s: a server-side apply needs a field manager", verb, what);
            return EBB_ERR_INVALID;
        }
        q.force = o != NULL && o->force;
    }
    return ebb__kube_start_one(call, c, p, verb, EBB_KUBE_PATCH, res, ns, name, subresource, &q,
                               patch, len, ctype, err);
}

enum ebb_rc ebb_kube_patch_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                 const struct ebb_kube_resource *res, const char *ns,
                                 const char *name, const char *subresource,
                                 enum ebb_kube_patch_type t, const char *patch, size_t len,
                                 const struct ebb_kube_write_opts *o, ebb_kube_result_fn *fn,
                                 void *ctx)
{
    struct ebb_kube_error scratch;
    struct ebb__kube_call_proto p = {EBB__KUBE_CALL_OBJECT, fn, NULL, NULL, NULL, ctx};
    if (fn == NULL)
        return EBB_ERR_INVALID;
    return ebb__kube_patch_start(call, c, &p, "patch", res, ns, name, subresource, t, patch, len, o,
                                 &scratch);
}

/* ---- delete ------------------------------------------------------------------------------ */

/* The DeleteOptions body of d into *body (NULL when d asks for nothing). */
static enum ebb_rc delete_body(const char *what, const struct ebb_kube_delete_opts *d, char **body,
                               struct ebb_kube_error *err)
{
    static const char *const policies[] = {"Foreground", "Background", "Orphan"};
    enum ebb_rc rc = EBB_ERR_INVALID;
    cJSON *root = NULL;
    *body = NULL;
    if (d == NULL || (!d->uid && !d->resource_version && !d->propagation_policy && !d->dry_run))
        return EBB_OK;
    if (d->propagation_policy) {
        bool known = false;
        for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
            known = known || strcmp(d->propagation_policy, policies[i]) == 0;
        if (!known) {
            ebb__kube_err_setf(err,
                               "delete %s: propagation policy \"%s\" is not one of Foreground, "
                               "Background, Orphan",
                               what, d->propagation_policy);
            goto out;
        }
    }
    rc = EBB_ERR_NOMEM;
    root = cJSON_CreateObject();
    bool ok = root && cJSON_AddStringToObject(root, "kind", "DeleteOptions") &&
              cJSON_AddStringToObject(root, "apiVersion", "v1");
    if (ok && (d->uid || d->resource_version)) {
        cJSON *pre = cJSON_AddObjectToObject(root, "preconditions");
        ok = pre != NULL;
        if (ok && d->uid)
            ok = cJSON_AddStringToObject(pre, "uid", d->uid) != NULL;
        if (ok && d->resource_version)
            ok = cJSON_AddStringToObject(pre, "resourceVersion", d->resource_version) != NULL;
    }
    if (ok && d->propagation_policy)
        ok = cJSON_AddStringToObject(root, "propagationPolicy", d->propagation_policy) != NULL;
    if (ok && d->dry_run) {
        cJSON *dry = cJSON_AddArrayToObject(root, "dryRun");
        cJSON *all = cJSON_CreateString("All");
        ok = dry && all && cJSON_AddItemToArray(dry, all);
        if (!ok)
            cJSON_Delete(all);
    }
    if (ok)
        *body = cJSON_PrintUnformatted(root);
    if (*body == NULL) {
        ebb__kube_err_setf(err, "delete %s: out of memory", what);
        goto out;
    }
    rc = EBB_OK;
out:
    cJSON_Delete(root);
    return rc;
}

enum ebb_rc ebb__kube_delete_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                   const struct ebb_kube_resource *res, const char *ns,
                                   const char *name, const struct ebb_kube_delete_opts *d,
                                   ebb_kube_result_fn *fn, void *ctx, struct ebb_kube_error *err)
{
    struct ebb__kube_call_proto p = {EBB__KUBE_CALL_OBJECT, fn, NULL, NULL, NULL, ctx};
    char what[512];
    char *body = NULL;
    ebb__kube_describe(res, ns, name, what, sizeof(what));
    if (fn == NULL) {
        ebb__kube_err_setf(err, "delete %s: no callback given", what);
        return EBB_ERR_INVALID;
    }
    enum ebb_rc rc = delete_body(what, d, &body, err);
    if (rc == EBB_OK)
        rc = ebb__kube_start_one(call, c, &p, "delete", EBB_KUBE_DELETE, res, ns, name, NULL, NULL,
                                 body, body ? strlen(body) : 0, body ? "application/json" : NULL,
                                 err);
    cJSON_free(body);
    return rc;
}

enum ebb_rc ebb_kube_delete_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                  const struct ebb_kube_resource *res, const char *ns,
                                  const char *name, const struct ebb_kube_delete_opts *d,
                                  ebb_kube_result_fn *fn, void *ctx)
{
    struct ebb_kube_error scratch;
    return ebb__kube_delete_start(call, c, res, ns, name, d, fn, ctx, &scratch);
}
