/* verbs.c -- get, list, create, update, patch, delete, /status and /scale; see verbs.h. EDGE.
 *
 * Each verb builds its path with ebb_kube_path(), submits one request with
 * the call as the context, and turns the response into the typed result in
 * on_done(). A list is a chain of requests: each page's callback submits
 * the next one, so the pages go through the same event loop as everything
 * else. The blocking forms run the async ones and poll until their
 * callback ran.
 */
#include "verbs.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum call_kind {
    CALL_OBJECT = 1, /* on_result gets the response */
    CALL_SCALE,      /* on_scale gets the decoded Scale */
    CALL_LIST,       /* on_item per item, on_list_done at the end */
};

/* What a running list needs for its next page: copies of its arguments. */
struct ebb_kube_list_state {
    struct ebb_kube_resource res;
    char *group, *version, *resource, *kind, *ns;
    char *label_selector, *field_selector, *resource_version, *resource_version_match;
    int64_t limit;
    int32_t timeout_seconds;
    char *continue_token; /* of the page in flight; NULL for the first page */
    char *list_rv;        /* metadata.resourceVersion of the last page */
    int relists;
    int page; /* 1-based, of the page in flight */
};

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

static void err_clear(struct ebb_kube_error *e)
{
    e->http_status = 0;
    e->reason = EBB_KUBE_REASON_UNKNOWN;
    e->message[0] = '\0';
    e->n_causes = 0;
    e->continue_token[0] = '\0';
    e->retry_after_s = -1;
}

static void err_setf(struct ebb_kube_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A failure found here, not by the server: no HTTP status, no reason. */
static void err_setf(struct ebb_kube_error *e, const char *fmt, ...)
{
    va_list ap;
    err_clear(e);
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

/* "deployments demo/web", "customresourcedefinitions x", "pods" (what a message names). */
static void describe(const struct ebb_kube_resource *res, const char *ns, const char *name,
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
static void path_error(const char *verb, const struct ebb_kube_resource *res, const char *ns,
                       const char *name, const char *subresource, struct ebb_kube_error *e)
{
    char what[512];
    describe(res, ns, name, what, sizeof(what));
    if (res == NULL || res->version == NULL || res->resource == NULL || segment_bad(res->version) ||
        segment_bad(res->resource))
        err_setf(e, "%s %s: the resource needs a version and a plural name", verb, what);
    else if (ns && !res->namespaced)
        err_setf(e, "%s %s: %s are cluster-scoped: give no namespace", verb, what, res->resource);
    else if (ns && segment_bad(ns))
        err_setf(e, "%s %s: namespace \"%s\" is not a valid name", verb, what, ns);
    else if (name && res->namespaced && ns == NULL)
        err_setf(e, "%s %s: %s are namespaced: give the namespace", verb, what, res->resource);
    else if (name && segment_bad(name))
        err_setf(e, "%s %s: name \"%s\" is not a valid name", verb, what, name);
    else if (subresource && segment_bad(subresource))
        err_setf(e, "%s %s: subresource \"%s\" is not a valid name", verb, what, subresource);
    else
        err_setf(e, "%s %s: the request path cannot be built from these arguments", verb, what);
}

/* ---- calls ------------------------------------------------------------------------------- */

static void list_state_free(struct ebb_kube_list_state *l)
{
    if (l == NULL)
        return;
    free(l->group);
    free(l->version);
    free(l->resource);
    free(l->kind);
    free(l->ns);
    free(l->label_selector);
    free(l->field_selector);
    free(l->resource_version);
    free(l->resource_version_match);
    free(l->continue_token);
    free(l->list_rv);
    free(l);
}

void ebb_kube_call_cancel(struct ebb_kube_call *call)
{
    if (call == NULL || !call->running)
        return;
    ebb_kube_cancel(call->c, call->id);
    list_state_free(call->list);
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
static enum ebb_rc call_submit(struct ebb_kube_call *call, enum ebb_kube_method m, const char *path,
                               const char *body, size_t len, const char *ctype,
                               struct ebb_kube_error *err)
{
    struct ebb_kube_request r = {m, path, body, len, ctype, false};
    enum ebb_rc rc = ebb_kube_submit(call->c, &r, NULL, on_done, call, &call->id);
    if (rc == EBB_ERR_NOMEM)
        err_setf(err, "%s %s: out of memory", method_names[m], path);
    else if (rc)
        err_setf(err, "%s %s: the client refused the request", method_names[m], path);
    return rc;
}

/* What a verb starts with: its kind, callbacks and context. */
struct call_proto {
    int kind;
    ebb_kube_result_fn *on_result;
    ebb_kube_scale_fn *on_scale;
    ebb_kube_list_item_fn *on_item;
    ebb_kube_list_done_fn *on_list_done;
    void *ctx;
};

/* Whether call may start; err says why not. */
static bool call_ready(struct ebb_kube_call *call, struct ebb_kube_client *c, const char *verb,
                       struct ebb_kube_error *err)
{
    if (call == NULL || c == NULL) {
        err_setf(err, "%s: no call or no client given", verb);
        return false;
    }
    if (call->running) {
        err_setf(err, "%s: this call is still running: wait for its callback or cancel it", verb);
        return false;
    }
    return true;
}

/* Builds the path of one request, submits it and marks call running. */
static enum ebb_rc start_one(struct ebb_kube_call *call, struct ebb_kube_client *c,
                             const struct call_proto *p, const char *verb, enum ebb_kube_method m,
                             const struct ebb_kube_resource *res, const char *ns, const char *name,
                             const char *subresource, const struct ebb_kube_query *q,
                             const char *body, size_t len, const char *ctype,
                             struct ebb_kube_error *err)
{
    struct ebb_strbuf path = EBB_STRBUF_INIT;
    enum ebb_rc rc = EBB_ERR_INVALID;
    char what[512];
    if (!call_ready(call, c, verb, err))
        goto out;
    if (name == NULL) {
        describe(res, ns, NULL, what, sizeof(what));
        err_setf(err, "%s %s: no object name given", verb, what);
        goto out;
    }
    rc = ebb_kube_path(res, ns, name, subresource, q, &path);
    if (rc == EBB_ERR_INVALID) {
        path_error(verb, res, ns, name, subresource, err);
        goto out;
    }
    if (rc) {
        err_setf(err, "%s: out of memory", verb);
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
    rc = call_submit(call, m, path.buf, body, len, ctype, err);
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
            err_setf(&local, "the API answered %d with a body that is not JSON", resp->http_status);
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

static void scale_done(struct ebb_kube_call *call, const struct ebb_kube_response *resp)
{
    struct ebb_kube_error local;
    struct ebb_kube_scale scale;
    const struct ebb_kube_error *e = resp->error;
    enum ebb_rc rc = e ? EBB_ERR_IO : EBB_OK;
    cJSON *obj = NULL;
    if (rc == EBB_OK) {
        char why[512];
        obj = cJSON_ParseWithLength(resp->body, resp->body_len);
        rc = obj ? ebb_kube_scale_decode(obj, &scale, why, sizeof(why)) : EBB_ERR_PARSE;
        if (obj == NULL)
            snprintf(why, sizeof(why), "the body is not JSON");
        if (rc) {
            err_setf(&local, "the API answered %d with no usable Scale: %s", resp->http_status,
                     why);
            local.http_status = resp->http_status;
            e = &local;
        }
    }
    ebb_kube_scale_fn *fn = call->on_scale;
    void *ctx = call->ctx;
    call->running = false;
    fn(ctx, rc, rc == EBB_OK ? &scale : NULL, e);
    cJSON_Delete(obj);
}

static enum ebb_rc list_submit(struct ebb_kube_call *call, struct ebb_kube_error *err);

/* Ends a list: frees its state, then tells the caller. */
static void list_finish(struct ebb_kube_call *call, enum ebb_rc rc,
                        const struct ebb_kube_error *err)
{
    struct ebb_kube_list_state *l = call->list;
    char *rv = l->list_rv;
    l->list_rv = NULL;
    list_state_free(l);
    call->list = NULL;
    ebb_kube_list_done_fn *fn = call->on_list_done;
    void *ctx = call->ctx;
    call->running = false;
    fn(ctx, rc, rc == EBB_OK ? (rv ? rv : "") : NULL, rc == EBB_OK ? NULL : err);
    free(rv);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* "deployments in demo" of a list, for messages. */
static void list_what(const struct ebb_kube_list_state *l, char *buf, size_t bufsz)
{
    describe(&l->res, l->ns, NULL, buf, bufsz);
}

/* Hands the items of one page to the caller and goes on to the next page. */
static void list_page(struct ebb_kube_call *call, const struct ebb_kube_response *resp)
{
    struct ebb_kube_list_state *l = call->list;
    struct ebb_kube_error e;
    char what[512];
    enum ebb_rc rc = EBB_ERR_PARSE;
    list_what(l, what, sizeof(what));
    cJSON *root = cJSON_ParseWithLength(resp->body, resp->body_len);
    if (!cJSON_IsObject(root)) {
        err_setf(&e, "list %s: page %d is not a JSON object", what, l->page);
        goto fail;
    }
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    if (items != NULL && !cJSON_IsArray(items) && !cJSON_IsNull(items)) {
        err_setf(&e, "list %s: page %d: \"items\" is not an array", what, l->page);
        goto fail;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
    const cJSON *cont = cJSON_GetObjectItemCaseSensitive(meta, "continue");
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        if (call->on_item && call->on_item(call->ctx, it) != 0) {
            rc = EBB_ERR_INVALID;
            err_setf(&e, "list %s: stopped by the caller", what);
            goto fail;
        }
    }
    rc = EBB_ERR_NOMEM;
    if (cJSON_IsString(rv)) {
        free(l->list_rv);
        l->list_rv = strdup(rv->valuestring);
        if (l->list_rv == NULL) {
            err_setf(&e, "list %s: out of memory", what);
            goto fail;
        }
    }
    if (!cJSON_IsString(cont) || cont->valuestring[0] == '\0') {
        cJSON_Delete(root);
        list_finish(call, EBB_OK, NULL);
        return;
    }
    if (l->continue_token && strcmp(l->continue_token, cont->valuestring) == 0) {
        rc = EBB_ERR_PARSE;
        err_setf(&e, "list %s: page %d gave the continue token it was asked for: no progress", what,
                 l->page);
        goto fail;
    }
    free(l->continue_token);
    l->continue_token = strdup(cont->valuestring);
    if (l->continue_token == NULL) {
        err_setf(&e, "list %s: out of memory", what);
        goto fail;
    }
    l->page++;
    rc = list_submit(call, &e);
    if (rc)
        goto fail;
    cJSON_Delete(root);
    return;
fail:
    cJSON_Delete(root);
    list_finish(call, rc, &e);
}

/* A page failed: relist when its continue token expired, else end the list. */
static void list_failed(struct ebb_kube_call *call, const struct ebb_kube_response *resp)
{
    struct ebb_kube_list_state *l = call->list;
    struct ebb_kube_error e;
    char what[512];
    if (l->continue_token == NULL || resp->error->http_status != 410 ||
        l->relists >= EBB_KUBE_LIST_MAX_RELISTS) {
        list_finish(call, EBB_ERR_IO, resp->error);
        return;
    }
    l->relists++;
    free(l->continue_token);
    l->continue_token = NULL;
    free(l->list_rv);
    l->list_rv = NULL;
    l->page = 1;
    if (call->on_item && call->on_item(call->ctx, NULL) != 0) {
        list_what(l, what, sizeof(what));
        err_setf(&e, "list %s: stopped by the caller", what);
        list_finish(call, EBB_ERR_INVALID, &e);
        return;
    }
    enum ebb_rc rc = list_submit(call, &e);
    if (rc)
        list_finish(call, rc, &e);
}

static void on_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct ebb_kube_call *call = ctx;
    switch (call->kind) {
    case CALL_LIST:
        if (resp->error)
            list_failed(call, resp);
        else
            list_page(call, resp);
        break;
    case CALL_SCALE:
        scale_done(call, resp);
        break;
    default:
        object_done(call, resp);
        break;
    }
}

/* ---- get --------------------------------------------------------------------------------- */

static enum ebb_rc get_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                             const struct ebb_kube_resource *res, const char *ns, const char *name,
                             const char *subresource, ebb_kube_result_fn *fn, void *ctx,
                             struct ebb_kube_error *err)
{
    struct call_proto p = {CALL_OBJECT, fn, NULL, NULL, NULL, ctx};
    if (fn == NULL) {
        err_setf(err, "get: no callback given");
        return EBB_ERR_INVALID;
    }
    return start_one(call, c, &p, "get", EBB_KUBE_GET, res, ns, name, subresource, NULL, NULL, 0,
                     NULL, err);
}

enum ebb_rc ebb_kube_get_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                               const struct ebb_kube_resource *res, const char *ns,
                               const char *name, const char *subresource, ebb_kube_result_fn *fn,
                               void *ctx)
{
    struct ebb_kube_error scratch;
    return get_start(call, c, res, ns, name, subresource, fn, ctx, &scratch);
}

/* ---- create, update ---------------------------------------------------------------------- */

static enum ebb_rc create_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                const struct ebb_kube_resource *res, const char *ns,
                                const char *obj, size_t len, const struct ebb_kube_write_opts *o,
                                ebb_kube_result_fn *fn, void *ctx, struct ebb_kube_error *err)
{
    struct ebb_strbuf path = EBB_STRBUF_INIT;
    struct ebb_kube_query q;
    struct call_proto p = {CALL_OBJECT, fn, NULL, NULL, NULL, ctx};
    enum ebb_rc rc = EBB_ERR_INVALID;
    char what[512];
    describe(res, ns, NULL, what, sizeof(what));
    if (!call_ready(call, c, "create", err))
        goto out;
    if (fn == NULL || obj == NULL || len == 0) {
        err_setf(err, "create %s: %s", what, fn ? "no object given" : "no callback given");
        goto out;
    }
    write_query(o, &q);
    rc = ebb_kube_path(res, ns, NULL, NULL, &q, &path);
    if (rc == EBB_ERR_INVALID) {
        path_error("create", res, ns, NULL, NULL, err);
        goto out;
    }
    if (rc) {
        err_setf(err, "create %s: out of memory", what);
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
    rc = call_submit(call, EBB_KUBE_POST, path.buf, obj, len, "application/json", err);
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
    return create_start(call, c, res, ns, obj, len, o, fn, ctx, &scratch);
}

/* EBB_OK when obj is a JSON object with a metadata.resourceVersion. */
static enum ebb_rc check_resource_version(const char *what, const char *obj, size_t len,
                                          struct ebb_kube_error *err)
{
    enum ebb_rc rc = EBB_ERR_PARSE;
    cJSON *root = obj ? cJSON_ParseWithLength(obj, len) : NULL;
    if (!cJSON_IsObject(root)) {
        err_setf(err, "update %s: the object is not a JSON object", what);
        goto out;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
    rc = EBB_ERR_INVALID;
    if (!cJSON_IsString(rv) || rv->valuestring[0] == '\0') {
        err_setf(err,
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

static enum ebb_rc update_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                const struct ebb_kube_resource *res, const char *ns,
                                const char *name, const char *subresource, const char *obj,
                                size_t len, const struct ebb_kube_write_opts *o,
                                ebb_kube_result_fn *fn, void *ctx, struct ebb_kube_error *err)
{
    struct ebb_kube_query q;
    struct call_proto p = {CALL_OBJECT, fn, NULL, NULL, NULL, ctx};
    char what[512];
    describe(res, ns, name, what, sizeof(what));
    if (fn == NULL) {
        err_setf(err, "update %s: no callback given", what);
        return EBB_ERR_INVALID;
    }
    enum ebb_rc rc = check_resource_version(what, obj, len, err);
    if (rc)
        return rc;
    write_query(o, &q);
    return start_one(call, c, &p, "update", EBB_KUBE_PUT, res, ns, name, subresource, &q, obj, len,
                     "application/json", err);
}

enum ebb_rc ebb_kube_update_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                  const struct ebb_kube_resource *res, const char *ns,
                                  const char *name, const char *subresource, const char *obj,
                                  size_t len, const struct ebb_kube_write_opts *o,
                                  ebb_kube_result_fn *fn, void *ctx)
{
    struct ebb_kube_error scratch;
    return update_start(call, c, res, ns, name, subresource, obj, len, o, fn, ctx, &scratch);
}

/* ---- patch ------------------------------------------------------------------------------- */

static enum ebb_rc patch_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                               const struct call_proto *p, const char *verb,
                               const struct ebb_kube_resource *res, const char *ns,
                               const char *name, const char *subresource,
                               enum ebb_kube_patch_type t, const char *patch, size_t len,
                               const struct ebb_kube_write_opts *o, struct ebb_kube_error *err)
{
    struct ebb_kube_query q;
    char what[512];
    const char *ctype = ebb_kube_patch_content_type(t);
    describe(res, ns, name, what, sizeof(what));
    if (ctype == NULL) {
        err_setf(err, "%s %s: unknown patch type %d", verb, what, (int)t);
        return EBB_ERR_INVALID;
    }
    if (patch == NULL || len == 0) {
        err_setf(err, "%s %s: no patch given", verb, what);
        return EBB_ERR_INVALID;
    }
    write_query(o, &q);
    if (t == EBB_KUBE_PATCH_APPLY) {
        if (q.field_manager[0] == '\0') {
            err_setf(err, "%s %s: a server-side apply needs a field manager", verb, what);
            return EBB_ERR_INVALID;
        }
        q.force = true; /* Ebb owns the fields it applies, as a controller should */
    }
    return start_one(call, c, p, verb, EBB_KUBE_PATCH, res, ns, name, subresource, &q, patch, len,
                     ctype, err);
}

enum ebb_rc ebb_kube_patch_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                 const struct ebb_kube_resource *res, const char *ns,
                                 const char *name, const char *subresource,
                                 enum ebb_kube_patch_type t, const char *patch, size_t len,
                                 const struct ebb_kube_write_opts *o, ebb_kube_result_fn *fn,
                                 void *ctx)
{
    struct ebb_kube_error scratch;
    struct call_proto p = {CALL_OBJECT, fn, NULL, NULL, NULL, ctx};
    if (fn == NULL)
        return EBB_ERR_INVALID;
    return patch_start(call, c, &p, "patch", res, ns, name, subresource, t, patch, len, o,
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
            err_setf(err,
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
        err_setf(err, "delete %s: out of memory", what);
        goto out;
    }
    rc = EBB_OK;
out:
    cJSON_Delete(root);
    return rc;
}

static enum ebb_rc delete_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                const struct ebb_kube_resource *res, const char *ns,
                                const char *name, const struct ebb_kube_delete_opts *d,
                                ebb_kube_result_fn *fn, void *ctx, struct ebb_kube_error *err)
{
    struct call_proto p = {CALL_OBJECT, fn, NULL, NULL, NULL, ctx};
    char what[512];
    char *body = NULL;
    describe(res, ns, name, what, sizeof(what));
    if (fn == NULL) {
        err_setf(err, "delete %s: no callback given", what);
        return EBB_ERR_INVALID;
    }
    enum ebb_rc rc = delete_body(what, d, &body, err);
    if (rc == EBB_OK)
        rc = start_one(call, c, &p, "delete", EBB_KUBE_DELETE, res, ns, name, NULL, NULL, body,
                       body ? strlen(body) : 0, body ? "application/json" : NULL, err);
    cJSON_free(body);
    return rc;
}

enum ebb_rc ebb_kube_delete_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                  const struct ebb_kube_resource *res, const char *ns,
                                  const char *name, const struct ebb_kube_delete_opts *d,
                                  ebb_kube_result_fn *fn, void *ctx)
{
    struct ebb_kube_error scratch;
    return delete_start(call, c, res, ns, name, d, fn, ctx, &scratch);
}

/* ---- /scale ------------------------------------------------------------------------------ */

/* An int32 field of obj (0 when absent); false when it is not one. */
static bool int32_field(const cJSON *obj, const char *key, int32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = 0;
    if (v == NULL || cJSON_IsNull(v))
        return true;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        v->valuedouble < INT32_MIN || v->valuedouble > INT32_MAX)
        return false;
    *out = (int32_t)v->valuedouble;
    return true;
}

/* A string field of obj copied into buf ("" when absent). */
static enum ebb_rc string_field(const cJSON *obj, const char *key, char *buf, size_t bufsz)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    buf[0] = '\0';
    if (v == NULL || cJSON_IsNull(v))
        return EBB_OK;
    if (!cJSON_IsString(v))
        return EBB_ERR_PARSE;
    size_t n = strlen(v->valuestring);
    if (n >= bufsz)
        return EBB_ERR_LIMIT;
    memcpy(buf, v->valuestring, n + 1);
    return EBB_OK;
}

enum ebb_rc ebb_kube_scale_decode(const struct cJSON *obj, struct ebb_kube_scale *out /* OUT */,
                                  char *err, size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_PARSE;
    char scratch[8];
    if (err == NULL || errsz == 0) {
        err = scratch;
        errsz = sizeof(scratch);
    }
    err[0] = '\0';
    memset(out, 0, sizeof(*out));
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
    if (!cJSON_IsObject(obj) || !cJSON_IsString(kind) || strcmp(kind->valuestring, "Scale") != 0) {
        snprintf(err, errsz, "not a Scale (kind \"%s\")",
                 cJSON_IsString(kind) ? kind->valuestring : "");
        goto out;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status");
    if (!int32_field(spec, "replicas", &out->spec_replicas)) {
        snprintf(err, errsz, "spec.replicas is not a 32-bit integer");
        goto out;
    }
    if (!int32_field(status, "replicas", &out->status_replicas)) {
        snprintf(err, errsz, "status.replicas is not a 32-bit integer");
        goto out;
    }
    rc = string_field(status, "selector", out->selector, sizeof(out->selector));
    if (rc) {
        snprintf(err, errsz, "status.selector %s",
                 rc == EBB_ERR_LIMIT ? "is longer than 1023 bytes" : "is not a string");
        goto out;
    }
    rc =
        string_field(meta, "resourceVersion", out->resource_version, sizeof(out->resource_version));
    if (rc) {
        snprintf(err, errsz, "metadata.resourceVersion %s",
                 rc == EBB_ERR_LIMIT ? "is longer than 127 bytes" : "is not a string");
        goto out;
    }
out:
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

static enum ebb_rc get_scale_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                   const struct ebb_kube_resource *res, const char *ns,
                                   const char *name, ebb_kube_scale_fn *fn, void *ctx,
                                   struct ebb_kube_error *err)
{
    struct call_proto p = {CALL_SCALE, NULL, fn, NULL, NULL, ctx};
    if (fn == NULL) {
        err_setf(err, "get scale: no callback given");
        return EBB_ERR_INVALID;
    }
    return start_one(call, c, &p, "get scale", EBB_KUBE_GET, res, ns, name, "scale", NULL, NULL, 0,
                     NULL, err);
}

enum ebb_rc ebb_kube_get_scale_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                     const struct ebb_kube_resource *res, const char *ns,
                                     const char *name, ebb_kube_scale_fn *fn, void *ctx)
{
    struct ebb_kube_error scratch;
    return get_scale_start(call, c, res, ns, name, fn, ctx, &scratch);
}

static enum ebb_rc patch_scale_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                     const struct ebb_kube_resource *res, const char *ns,
                                     const char *name, int32_t replicas,
                                     const struct ebb_kube_write_opts *o, ebb_kube_scale_fn *fn,
                                     void *ctx, struct ebb_kube_error *err)
{
    struct call_proto p = {CALL_SCALE, NULL, fn, NULL, NULL, ctx};
    char patch[64];
    if (fn == NULL) {
        err_setf(err, "patch scale: no callback given");
        return EBB_ERR_INVALID;
    }
    int n = snprintf(patch, sizeof(patch), "{\"spec\":{\"replicas\":%" PRId32 "}}", replicas);
    return patch_start(call, c, &p, "patch scale", res, ns, name, "scale", EBB_KUBE_PATCH_MERGE,
                       patch, (size_t)n, o, err);
}

enum ebb_rc ebb_kube_patch_scale_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                       const struct ebb_kube_resource *res, const char *ns,
                                       const char *name, int32_t replicas,
                                       const struct ebb_kube_write_opts *o, ebb_kube_scale_fn *fn,
                                       void *ctx)
{
    struct ebb_kube_error scratch;
    return patch_scale_start(call, c, res, ns, name, replicas, o, fn, ctx, &scratch);
}

/* ---- list -------------------------------------------------------------------------------- */

/* Submits the request of the page l->continue_token names (the first when NULL). */
static enum ebb_rc list_submit(struct ebb_kube_call *call, struct ebb_kube_error *err)
{
    struct ebb_kube_list_state *l = call->list;
    struct ebb_strbuf path = EBB_STRBUF_INIT;
    struct ebb_kube_query q;
    memset(&q, 0, sizeof(q));
    q.label_selector = l->label_selector;
    q.field_selector = l->field_selector;
    q.limit = l->limit;
    q.timeout_seconds = l->timeout_seconds;
    if (l->continue_token) {
        /* The token holds the snapshot: the API refuses resourceVersion[Match] with it. */
        q.continue_token = l->continue_token;
    } else {
        q.resource_version = l->resource_version;
        q.resource_version_match = l->resource_version_match;
    }
    enum ebb_rc rc = ebb_kube_path(&l->res, l->ns, NULL, NULL, &q, &path);
    if (rc) {
        path_error("list", &l->res, l->ns, NULL, NULL, err);
        goto out;
    }
    rc = call_submit(call, EBB_KUBE_GET, path.buf, NULL, 0, NULL, err);
out:
    ebb_strbuf_release(&path);
    return rc;
}

static enum ebb_rc list_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                              const struct ebb_kube_resource *res, const char *ns,
                              const struct ebb_kube_query *q, ebb_kube_list_item_fn *item,
                              ebb_kube_list_done_fn *done, void *ctx, struct ebb_kube_error *err)
{
    enum ebb_rc rc = EBB_ERR_INVALID;
    struct ebb_kube_list_state *l = NULL;
    char what[512];
    describe(res, ns, NULL, what, sizeof(what));
    if (!call_ready(call, c, "list", err))
        goto out;
    if (done == NULL || res == NULL) {
        err_setf(err, "list %s: %s", what, res ? "no callback given" : "no resource given");
        goto out;
    }
    if (q && (q->continue_token || q->watch)) {
        err_setf(err, "list %s: %s", what,
                 q->watch ? "a watch is not a list: use watch.h"
                          : "leave continue_token unset: the list follows the pages itself");
        goto out;
    }
    rc = EBB_ERR_NOMEM;
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        goto nomem;
    l->group = dup_or_null(res->group);
    l->version = dup_or_null(res->version);
    l->resource = dup_or_null(res->resource);
    l->kind = dup_or_null(res->kind);
    l->ns = dup_or_null(ns);
    if ((res->group && !l->group) || (res->version && !l->version) ||
        (res->resource && !l->resource) || (res->kind && !l->kind) || (ns && !l->ns))
        goto nomem;
    l->res = EBB_KUBE_RES(l->group, l->version, l->resource, l->kind, res->namespaced);
    if (q) {
        l->label_selector = dup_or_null(q->label_selector);
        l->field_selector = dup_or_null(q->field_selector);
        l->resource_version = dup_or_null(q->resource_version);
        l->resource_version_match = dup_or_null(q->resource_version_match);
        if ((q->label_selector && !l->label_selector) ||
            (q->field_selector && !l->field_selector) ||
            (q->resource_version && !l->resource_version) ||
            (q->resource_version_match && !l->resource_version_match))
            goto nomem;
        l->limit = q->limit;
        l->timeout_seconds = q->timeout_seconds;
    }
    l->page = 1;
    call->c = c;
    call->kind = CALL_LIST;
    call->on_result = NULL;
    call->on_scale = NULL;
    call->on_item = item;
    call->on_list_done = done;
    call->ctx = ctx;
    call->list = l;
    rc = list_submit(call, err);
    if (rc) {
        call->list = NULL;
        goto out;
    }
    call->running = true;
    l = NULL;
    goto out;
nomem:
    err_setf(err, "list %s: out of memory", what);
out:
    list_state_free(l);
    return rc;
}

enum ebb_rc ebb_kube_list_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                const struct ebb_kube_resource *res, const char *ns,
                                const struct ebb_kube_query *q, ebb_kube_list_item_fn *item,
                                ebb_kube_list_done_fn *done, void *ctx)
{
    struct ebb_kube_error scratch;
    return list_start(call, c, res, ns, q, item, done, ctx, &scratch);
}

/* ---- blocking forms ---------------------------------------------------------------------- */

/* Where a blocking verb collects what its callback got. */
struct wait {
    bool done;
    enum ebb_rc rc;
    struct ebb_strbuf *out;
    struct ebb_kube_error *err;
    struct ebb_kube_error local;
    struct ebb_kube_scale *scale;
    char *rv;
    size_t rvsz;
    ebb_kube_list_item_fn *item; /* the caller's, with its context */
    void *item_ctx;
};

static void wait_init(struct wait *w, struct ebb_strbuf *out, struct ebb_kube_error *err)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->err = err ? err : &w->local;
    err_clear(w->err);
    if (out)
        ebb_strbuf_reset(out);
}

static void wait_result(void *ctx, const struct ebb_kube_result *r)
{
    struct wait *w = ctx;
    w->done = true;
    w->rc = r->rc;
    if (w->out && r->body)
        ebb_strbuf_add(w->out, r->body, r->body_len);
    if (r->error)
        *w->err = *r->error;
}

static void wait_scale(void *ctx, enum ebb_rc rc, const struct ebb_kube_scale *scale,
                       const struct ebb_kube_error *err)
{
    struct wait *w = ctx;
    w->done = true;
    w->rc = rc;
    if (scale && w->scale)
        *w->scale = *scale;
    if (err)
        *w->err = *err;
}

static int wait_item(void *ctx, const cJSON *item)
{
    struct wait *w = ctx;
    return w->item ? w->item(w->item_ctx, item) : 0;
}

static void wait_list(void *ctx, enum ebb_rc rc, const char *list_rv,
                      const struct ebb_kube_error *err)
{
    struct wait *w = ctx;
    w->done = true;
    w->rc = rc;
    if (err)
        *w->err = *err;
    if (rc == EBB_OK && w->rv) {
        size_t n = strlen(list_rv);
        if (n >= w->rvsz) {
            w->rc = EBB_ERR_LIMIT;
            err_setf(w->err, "list: resourceVersion \"%s\" is longer than %zu bytes", list_rv,
                     w->rvsz ? w->rvsz - 1 : 0);
        } else {
            memcpy(w->rv, list_rv, n + 1);
        }
    }
}

/* Polls until call's callback ran (when started is EBB_OK). */
static enum ebb_rc wait_for(struct ebb_kube_call *call, struct wait *w, enum ebb_rc started)
{
    if (started)
        return started;
    while (!w->done) {
        enum ebb_rc rc = ebb_kube_client_poll(call->c, 1000);
        if (rc && !w->done) {
            ebb_kube_call_cancel(call);
            ebb_kube_error_transport("libcurl: the multi handle failed", w->err);
            return rc;
        }
    }
    if (w->out && ebb_strbuf_rc(w->out))
        return EBB_ERR_NOMEM;
    return w->rc;
}

enum ebb_rc ebb_kube_get(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                         const char *ns, const char *name, const char *subresource,
                         struct ebb_strbuf *body /* OUT */, struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, body, err);
    return wait_for(&call, &w,
                    get_start(&call, c, res, ns, name, subresource, wait_result, &w, w.err));
}

enum ebb_rc ebb_kube_list(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                          const char *ns, const struct ebb_kube_query *q, ebb_kube_list_item_fn *fn,
                          void *ctx, char *list_rv /* OUT */, size_t rvsz,
                          struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, NULL, err);
    w.rv = list_rv;
    w.rvsz = rvsz;
    w.item = fn;
    w.item_ctx = ctx;
    if (list_rv && rvsz)
        list_rv[0] = '\0';
    return wait_for(&call, &w, list_start(&call, c, res, ns, q, wait_item, wait_list, &w, w.err));
}

enum ebb_rc ebb_kube_create(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                            const char *ns, const char *obj, size_t len,
                            const struct ebb_kube_write_opts *o, struct ebb_strbuf *out /* OUT */,
                            struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, out, err);
    return wait_for(&call, &w,
                    create_start(&call, c, res, ns, obj, len, o, wait_result, &w, w.err));
}

enum ebb_rc ebb_kube_update(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                            const char *ns, const char *name, const char *subresource,
                            const char *obj, size_t len, const struct ebb_kube_write_opts *o,
                            struct ebb_strbuf *out /* OUT */, struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, out, err);
    return wait_for(
        &call, &w,
        update_start(&call, c, res, ns, name, subresource, obj, len, o, wait_result, &w, w.err));
}

enum ebb_rc ebb_kube_patch(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                           const char *ns, const char *name, const char *subresource,
                           enum ebb_kube_patch_type t, const char *patch, size_t len,
                           const struct ebb_kube_write_opts *o, struct ebb_strbuf *out /* OUT */,
                           struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    struct call_proto p = {CALL_OBJECT, wait_result, NULL, NULL, NULL, NULL};
    wait_init(&w, out, err);
    p.ctx = &w;
    return wait_for(
        &call, &w,
        patch_start(&call, c, &p, "patch", res, ns, name, subresource, t, patch, len, o, w.err));
}

enum ebb_rc ebb_kube_delete(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                            const char *ns, const char *name, const struct ebb_kube_delete_opts *d,
                            struct ebb_strbuf *out /* OUT */, struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, out, err);
    return wait_for(&call, &w, delete_start(&call, c, res, ns, name, d, wait_result, &w, w.err));
}

enum ebb_rc ebb_kube_get_scale(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                               const char *ns, const char *name,
                               struct ebb_kube_scale *out /* OUT */,
                               struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, NULL, err);
    w.scale = out;
    if (out)
        memset(out, 0, sizeof(*out));
    return wait_for(&call, &w, get_scale_start(&call, c, res, ns, name, wait_scale, &w, w.err));
}

enum ebb_rc ebb_kube_patch_scale(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                                 const char *ns, const char *name, int32_t replicas,
                                 const struct ebb_kube_write_opts *o,
                                 struct ebb_kube_scale *out /* OUT */,
                                 struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, NULL, err);
    w.scale = out;
    if (out)
        memset(out, 0, sizeof(*out));
    return wait_for(&call, &w,
                    patch_scale_start(&call, c, res, ns, name, replicas, o, wait_scale, &w, w.err));
}
