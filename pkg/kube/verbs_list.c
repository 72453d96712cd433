/* verbs_list.c -- list: a chain of page requests following continue tokens. EDGE.
 *
 * A list is a chain of requests: each page's callback submits the next one,
 * so the pages go through the same event loop as everything else. A page
 * whose continue token expired (410) restarts the list from the first page.
 */
#include "verbs_internal.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

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

void ebb__kube_list_state_free(struct ebb_kube_list_state *l)
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

static enum ebb_rc list_submit(struct ebb_kube_call *call, struct ebb_kube_error *err);

/* Ends a list: frees its state, then tells the caller. */
static void list_finish(struct ebb_kube_call *call, enum ebb_rc rc,
                        const struct ebb_kube_error *err)
{
    struct ebb_kube_list_state *l = call->list;
    char *rv = l->list_rv;
    l->list_rv = NULL;
    ebb__kube_list_state_free(l);
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
    ebb__kube_describe(&l->res, l->ns, NULL, buf, bufsz);
}

/* Hands the items of one page to the caller and goes on to the next page. */
void ebb__kube_list_page(struct ebb_kube_call *call, const struct ebb_kube_response *resp)
{
    struct ebb_kube_list_state *l = call->list;
    struct ebb_kube_error e;
    char what[512];
    enum ebb_rc rc = EBB_ERR_PARSE;
    list_what(l, what, sizeof(what));
    cJSON *root = cJSON_ParseWithLength(resp->body, resp->body_len);
    if (!cJSON_IsObject(root)) {
        ebb__kube_err_setf(&e, "list %s: page %d is not a JSON object", what, l->page);
        goto fail;
    }
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    if (items != NULL && !cJSON_IsArray(items) && !cJSON_IsNull(items)) {
        ebb__kube_err_setf(&e, "list %s: page %d: \"items\" is not an array", what, l->page);
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
            ebb__kube_err_setf(&e, "list %s: stopped by the caller", what);
            goto fail;
        }
    }
    rc = EBB_ERR_NOMEM;
    if (cJSON_IsString(rv)) {
        free(l->list_rv);
        l->list_rv = strdup(rv->valuestring);
        if (l->list_rv == NULL) {
            ebb__kube_err_setf(&e, "list %s: out of memory", what);
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
        ebb__kube_err_setf(&e,
                           "list %s: page %d gave the continue token it was asked for: no progress",
                           what, l->page);
        goto fail;
    }
    free(l->continue_token);
    l->continue_token = strdup(cont->valuestring);
    if (l->continue_token == NULL) {
        ebb__kube_err_setf(&e, "list %s: out of memory", what);
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
void ebb__kube_list_failed(struct ebb_kube_call *call, const struct ebb_kube_response *resp)
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
        ebb__kube_err_setf(&e, "list %s: stopped by the caller", what);
        list_finish(call, EBB_ERR_INVALID, &e);
        return;
    }
    enum ebb_rc rc = list_submit(call, &e);
    if (rc)
        list_finish(call, rc, &e);
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
        ebb__kube_path_error("list", &l->res, l->ns, NULL, NULL, err);
        goto out;
    }
    rc = ebb__kube_call_submit(call, EBB_KUBE_GET, path.buf, NULL, 0, NULL, err);
out:
    ebb_strbuf_release(&path);
    return rc;
}

enum ebb_rc ebb__kube_list_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                 const struct ebb_kube_resource *res, const char *ns,
                                 const struct ebb_kube_query *q, ebb_kube_list_item_fn *item,
                                 ebb_kube_list_done_fn *done, void *ctx, struct ebb_kube_error *err)
{
    enum ebb_rc rc = EBB_ERR_INVALID;
    struct ebb_kube_list_state *l = NULL;
    char what[512];
    ebb__kube_describe(res, ns, NULL, what, sizeof(what));
    if (!ebb__kube_call_ready(call, c, "list", err))
        goto out;
    if (done == NULL || res == NULL) {
        ebb__kube_err_setf(err, "list %s: %s", what,
                           res ? "no callback given" : "no resource given");
        goto out;
    }
    if (q && (q->continue_token || q->watch)) {
        ebb__kube_err_setf(err, "list %s: %s", what,
                           q->watch
                               ? "a watch is not a list: use watch.h"
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
    call->kind = EBB__KUBE_CALL_LIST;
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
    ebb__kube_err_setf(err, "list %s: out of memory", what);
out:
    ebb__kube_list_state_free(l);
    return rc;
}

enum ebb_rc ebb_kube_list_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                const struct ebb_kube_resource *res, const char *ns,
                                const struct ebb_kube_query *q, ebb_kube_list_item_fn *item,
                                ebb_kube_list_done_fn *done, void *ctx)
{
    struct ebb_kube_error scratch;
    return ebb__kube_list_start(call, c, res, ns, q, item, done, ctx, &scratch);
}
