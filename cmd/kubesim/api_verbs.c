/*
 * kubesim: the REST verbs over HTTP -- GET, LIST (fixtures 50-59, 93,
 * 94), WATCH (60-67), POST (10, 26, 27, 31, 40, 42, 49, 70, 90-92), PUT
 * (21, 22, 44, 46, 71, 72), DELETE (80-82) and DELETE on a collection.
 */
#include "api_internal.h"
#include "patch_internal.h"
#include "proto.h"
#include "store.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool truthy(const char *v)
{
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
}

static void send_json_text(ks_resp *resp, int code, const char *json, size_t len)
{
    resp->status = code;
    snprintf(resp->content_type, sizeof(resp->content_type), "application/json");
    ebb_strbuf_reset(&resp->body);
    ebb_strbuf_add(&resp->body, json, len);
    ebb_strbuf_addch(&resp->body, '\n'); /* as Go's json.Encoder */
}

static void send_bad_request(ks_resp *resp, const char *msg)
{
    ks_status_fail(resp, 400, "BadRequest", msg, NULL);
}

/* What a POST or PUT body is, from its Content-Type, as the real server
 * negotiates it (NegotiateInputSerializer): no type (or an empty one) is
 * JSON; the media type is compared without its parameters ("; charset=
 * utf-8") and case; anything but the three it can decode is refused. */
enum body_media { BODY_JSON, BODY_YAML, BODY_PROTO, BODY_UNKNOWN };

static enum body_media body_media_of(const char *ct)
{
    char t[128];
    size_t n = 0;

    if (!ct)
        return BODY_JSON;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    while (ct[n] && ct[n] != ';') {
        if (n + 1 >= sizeof(t))
            return BODY_UNKNOWN;
        t[n] = ct[n];
        n++;
    }
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        n--;
    t[n] = '\0';
    if (n == 0 && !ct[0])
        return BODY_JSON;
    if (strcasecmp(t, "application/json") == 0)
        return BODY_JSON;
    if (strcasecmp(t, "application/yaml") == 0)
        return BODY_YAML;
    if (strcasecmp(t, KS_PROTO_CONTENT_TYPE) == 0)
        return BODY_PROTO;
    return BODY_UNKNOWN;
}

/* 415 for a body in none of the accepted media types; the real Status
 * has no details. */
static void send_unsupported_media(ks_resp *resp, bool protobuf)
{
    ks_status_fail(resp, 415, "UnsupportedMediaType",
                   protobuf ? "the body of the request was in an unknown format - accepted media "
                              "types include: application/json, application/yaml, "
                              "application/vnd.kubernetes.protobuf"
                            : "the body of the request was in an unknown format - accepted media "
                              "types include: application/json, application/yaml",
                   NULL);
}

cJSON *api_body_object(struct api_req *r, const char *what_kind)
{
    const ks_req *req = r->req;
    const char *body = req->body ? req->body : "";
    size_t blen = req->body ? req->body_len : 0;
    cJSON *obj = NULL;
    char msg[700], syn[600];

    (void)what_kind;
    switch (body_media_of(ks_req_header(req, "Content-Type"))) {
    case BODY_PROTO:
        return ks_proto_request_object(r->rt, req, r->resp);
    case BODY_UNKNOWN:
        /* Custom resources have no protobuf form (as in
         * ks_proto_request_object). */
        send_unsupported_media(r->resp, !r->rt || r->rt->origin == KS_RT_BUILTIN);
        return NULL;
    case BODY_YAML:
        /* The yaml serializer turns the document into JSON first. */
        obj = ks_yaml_to_json(body, blen, syn, sizeof(syn));
        if (!obj) {
            send_bad_request(r->resp, syn);
            return NULL;
        }
        break;
    case BODY_JSON:
        if (blen)
            obj = cJSON_ParseWithLength(body, blen);
        if (!obj) {
            api_json_syntax_msg(body, blen, syn, sizeof(syn));
            snprintf(msg, sizeof(msg), "couldn't get version/kind; json parse error: %s", syn);
            send_bad_request(r->resp, msg);
            return NULL;
        }
        break;
    }
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        send_bad_request(r->resp, "couldn't get version/kind; json parse error: json: cannot "
                                  "unmarshal non-object into Go value of type struct");
        return NULL;
    }
    return obj;
}

int api_write_params(struct api_req *r, struct api_op *op)
{
    const char *dry = ks_req_query(r->req, "dryRun");
    const char *fv = ks_req_query(r->req, "fieldValidation");
    char msg[300];

    op->manager = r->manager;
    if (dry && *dry) {
        if (strcmp(dry, "All") != 0) {
            snprintf(msg, sizeof(msg),
                     "dryRun: Unsupported value: \"%.100s\": supported values: \"All\"", dry);
            send_bad_request(r->resp, msg);
            return -1;
        }
        op->dry_run = true;
    }
    if (fv && *fv) {
        if (strcasecmp(fv, "Strict") == 0)
            op->fv = API_FV_STRICT;
        else if (strcasecmp(fv, "Warn") == 0)
            op->fv = API_FV_WARN;
        else if (strcasecmp(fv, "Ignore") == 0)
            op->fv = API_FV_IGNORE;
        else {
            snprintf(msg, sizeof(msg),
                     "fieldValidation: Unsupported value: \"%.100s\": supported values: "
                     "\"Ignore\", \"Warn\", \"Strict\"",
                     fv);
            send_bad_request(r->resp, msg);
            return -1;
        }
    }
    return 0;
}

void api_send_op(struct api_req *r, struct api_op *op, int ok_code)
{
    if (op->err.code) {
        api_err_send(&op->err, r->resp);
        return;
    }
    for (size_t i = 0; i < op->warnings.n && r->resp->n_extra < 7; i++)
        ks_resp_header(r->resp, "Warning", "299 - \"unknown field \\\"%s\\\"\"",
                       op->warnings.v[i].field);
    if (op->result) {
        snprintf(r->resp->content_type, sizeof(r->resp->content_type), "application/json");
        ks_resp_json(r->resp, ok_code, op->result);
    } else {
        r->resp->status = ok_code;
    }
}

/* ------------------------------------------------------------------ */
/* Reads                                                               */

static void do_get(struct api_req *r)
{
    const ks_rtype *srt = api_storage(r->rt);
    const ks_obj *o = ks_store_get(r->s->store, srt, r->rt->namespaced ? r->ns : "", r->name);

    if (!o) {
        struct api_err e = {0};
        api_err_not_found(&e, r->rt, r->name);
        api_err_send(&e, r->resp);
        api_err_clear(&e);
        return;
    }
    struct ks_table_opts topt; /* kubectl's server-side printing (table.c) */
    int table = ks_table_request(r->req, r->resp, &topt);
    if (table) {
        if (table > 0)
            ks_table_send_obj(r->s, r->rt, o, &topt, r->resp);
        return;
    }
    if (!r->rt->storage || !r->rt->to_view) {
        send_json_text(r->resp, 200, o->json, o->json_len);
        return;
    }
    cJSON *v = api_view_of(r->rt, o);
    if (!v) {
        ks_status_fail(r->resp, 500, "InternalError", "Internal error occurred: conversion", NULL);
        return;
    }
    ks_resp_json(r->resp, 200, v);
    cJSON_Delete(v);
}

/* Checks every field name of a field selector. */
static bool check_field_selector(struct api_req *r, const char *text)
{
    char field[256], msg[400];
    const char *p = text;

    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t k = 0;
        while (k < len && p[k] != '=' && p[k] != '!')
            k++;
        while (k > 0 && p[k - 1] == ' ')
            k--;
        size_t st = 0;
        while (st < k && p[st] == ' ')
            st++;
        if (k - st >= sizeof(field))
            k = st + sizeof(field) - 1;
        memcpy(field, p + st, k - st);
        field[k - st] = '\0';
        if (field[0] && !api_field_supported(r->rt, field)) {
            snprintf(msg, sizeof(msg), "field label not supported: %s", field);
            send_bad_request(r->resp, msg);
            return false;
        }
        p = end ? end + 1 : NULL;
    }
    return true;
}

static bool parse_selectors(struct api_req *r, ks_selector **labels, ks_selector **fields)
{
    const char *ls = ks_req_query(r->req, "labelSelector");
    const char *fs = ks_req_query(r->req, "fieldSelector");
    char err[400];

    *labels = *fields = NULL;
    err[0] = '\0';
    *labels = ks_selector_parse(ls, false, err, sizeof(err));
    if (!*labels) {
        send_bad_request(r->resp, err[0] ? err : "unable to parse requirement");
        return false;
    }
    if (fs && !check_field_selector(r, fs)) {
        ks_selector_free(*labels);
        *labels = NULL;
        return false;
    }
    err[0] = '\0';
    *fields = ks_selector_parse(fs, true, err, sizeof(err));
    if (!*fields) {
        ks_selector_free(*labels);
        *labels = NULL;
        send_bad_request(r->resp, err[0] ? err : "invalid field selector");
        return false;
    }
    return true;
}

static bool parse_long(const char *v, long *out)
{
    char *end = NULL;
    long x;

    if (!v || !*v)
        return false;
    x = strtol(v, &end, 10);
    if (!end || *end)
        return false;
    *out = x;
    return true;
}

static bool check_rv_match(struct api_req *r, const char *rv, const char *m)
{
    struct ks_causes c = {0};
    struct api_err e = {0};

    if (!m || !*m)
        return true;
    if (strcmp(m, "Exact") != 0 && strcmp(m, "NotOlderThan") != 0)
        ks_causes_add(&c, "FieldValueNotSupported", "resourceVersionMatch",
                      "Unsupported value: \"%.100s\": supported values: \"Exact\", "
                      "\"NotOlderThan\", \"\"",
                      m);
    else if (!rv || !*rv)
        ks_causes_add(&c, "FieldValueForbidden", "resourceVersionMatch",
                      "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is "
                      "provided");
    else if (strcmp(m, "Exact") == 0 && strcmp(rv, "0") == 0)
        ks_causes_add(&c, "FieldValueForbidden", "resourceVersionMatch",
                      "Forbidden: resourceVersionMatch \"exact\" is forbidden for "
                      "resourceVersion \"0\"");
    if (!c.n)
        return true;
    api_err_invalid(&e, "meta.k8s.io", "ListOptions", "", &c);
    api_err_send(&e, r->resp);
    api_err_clear(&e);
    ks_causes_release(&c);
    return false;
}

static void do_list(struct api_req *r)
{
    ks_selector *labels, *fields;
    struct ks_list_req q;
    char err[600], *new_cont = NULL;
    long limit = 0;
    int rc;

    const char *rv = ks_req_query(r->req, "resourceVersion");
    const char *m = ks_req_query(r->req, "resourceVersionMatch");
    if (!check_rv_match(r, rv, m))
        return;
    if (!parse_selectors(r, &labels, &fields))
        return;
    if (!parse_long(ks_req_query(r->req, "limit"), &limit) || limit < 0)
        limit = 0;
    memset(&q, 0, sizeof(q));
    q.view = r->rt;
    q.ns = r->ns[0] ? r->ns : NULL;
    q.labels = labels;
    q.fields = fields;
    q.rv = rv;
    q.rv_match = m;
    q.limit = limit;
    q.cont = ks_req_query(r->req, "continue");
    err[0] = '\0';
    ebb_strbuf_reset(&r->resp->body);
    rc = ks_store_list(r->s->store, &q, &r->resp->body, &new_cont, err, sizeof(err));
    ks_selector_free(labels);
    ks_selector_free(fields);
    if (rc == 0) {
        r->resp->status = 200;
        snprintf(r->resp->content_type, sizeof(r->resp->content_type), "application/json");
        /* Go's JSON encoder ends every body with a newline (fixture 74). */
        ebb_strbuf_addch(&r->resp->body, '\n');
        free(new_cont);
        struct ks_table_opts topt; /* kubectl's server-side printing (table.c) */
        if (ks_table_request(r->req, r->resp, &topt) > 0)
            ks_table_send(r->s, r->rt, r->resp->body.buf, r->resp->body.len, &topt, r->resp);
        return;
    }
    ebb_strbuf_reset(&r->resp->body);
    struct api_err e = {0};
    if (rc == KS_EGONE) {
        if (q.cont && *q.cont)
            api_err_set(&e, 410, "Expired", NULL, "%s",
                        err[0] ? err
                               : "The provided continue parameter is too old to display a "
                                 "consistent list result. You can start a new list without the "
                                 "continue parameter, or use the continue token in this "
                                 "response to retrieve the remainder of the results. "
                                 "Continuing with the provided token results in an "
                                 "inconsistent list - objects that were created, modified, or "
                                 "deleted between the time the first chunk was returned and "
                                 "now may show up in the list.");
        else
            api_err_set(&e, 410, "Expired", NULL, "%s",
                        err[0] ? err : "The resourceVersion for the provided list is too old.");
        e.continue_tok = new_cont;
        new_cont = NULL;
    } else if (rc == KS_EBADREQ) {
        api_err_bad_request(&e, "%s", err[0] ? err : "invalid list request");
    } else {
        api_err_internal(&e, err[0] ? err : "list failed");
    }
    free(new_cont);
    api_err_send(&e, r->resp);
    api_err_clear(&e);
}

/*
 * A watch writes into a sink of ours wrapping the HTTP stream, so that
 * the context is freed whichever side ends first: the store (sink end:
 * ks_stream_end, never followed by on_close) or the client (on_close,
 * after which the store never calls the sink again). The store knows
 * the watch by the sink's ud, which is the context.
 */
struct watch_ctx {
    ks_store *store;
    ks_stream *stream;
    ks_table_watch *table; /* as=Table: events converted (table.c) */
};

static ks_stream *watch_key(struct watch_ctx *c)
{
    /* ks_store_watch_closed compares the pointer with the sink's ud. */
    return (ks_stream *)(void *)c;
}

static void watch_on_close(void *ud)
{
    struct watch_ctx *c = ud;

    ks_store_watch_closed(c->store, watch_key(c));
    ks_table_watch_free(c->table);
    free(c);
}

static int watch_send(void *ud, const char *d, size_t n)
{
    struct watch_ctx *c = ud;

    /* On failure http.c has called watch_on_close: c is gone. */
    if (c->table) {
        struct ebb_strbuf tb = EBB_STRBUF_INIT;
        ks_table_watch_event(c->table, d, n, &tb);
        int rc = ks_stream_send(c->stream, tb.buf, tb.len);
        ebb_strbuf_release(&tb);
        return rc == KS_OK ? 0 : -1;
    }
    return ks_stream_send(c->stream, d, n) == KS_OK ? 0 : -1;
}

static void watch_end(void *ud)
{
    struct watch_ctx *c = ud;

    ks_stream_end(c->stream);
    ks_table_watch_free(c->table);
    free(c);
}

/* sendInitialEvents=true needs resourceVersionMatch=NotOlderThan and
 * allowWatchBookmarks=true (apimachinery's ValidateListOptions); answers
 * 422 and returns false otherwise. */
static bool watch_list_ok(struct api_req *r)
{
    const char *match = ks_req_query(r->req, "resourceVersionMatch");
    bool match_ok = match && strcmp(match, "NotOlderThan") == 0;
    bool bm_ok = truthy(ks_req_query(r->req, "allowWatchBookmarks"));
    struct ebb_strbuf msg = EBB_STRBUF_INIT;

    if (match_ok && bm_ok)
        return true;
    cJSON *details = cJSON_CreateObject();
    cJSON_AddStringToObject(details, "group", "meta.k8s.io");
    cJSON_AddStringToObject(details, "kind", "ListOptions");
    cJSON *causes = cJSON_AddArrayToObject(details, "causes");
    ebb_strbuf_adds(&msg, "ListOptions.meta.k8s.io \"\" is invalid: ");
    if (!match_ok) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "reason", "FieldValueForbidden");
        cJSON_AddStringToObject(c, "message",
                                "Forbidden: sendInitialEvents requires setting "
                                "resourceVersionMatch to NotOlderThan");
        cJSON_AddStringToObject(c, "field", "resourceVersionMatch");
        cJSON_AddItemToArray(causes, c);
    }
    if (!bm_ok) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "reason", "FieldValueForbidden");
        cJSON_AddStringToObject(c, "message",
                                "Forbidden: sendInitialEvents requires setting "
                                "allowWatchBookmarks to true");
        cJSON_AddStringToObject(c, "field", "allowWatchBookmarks");
        cJSON_AddItemToArray(causes, c);
    }
    if (!match_ok && !bm_ok)
        ebb_strbuf_adds(&msg, "[");
    if (!match_ok)
        ebb_strbuf_adds(&msg, "resourceVersionMatch: Forbidden: sendInitialEvents requires "
                              "setting resourceVersionMatch to NotOlderThan");
    if (!match_ok && !bm_ok)
        ebb_strbuf_adds(&msg, ", ");
    if (!bm_ok)
        ebb_strbuf_adds(&msg, "allowWatchBookmarks: Forbidden: sendInitialEvents requires "
                              "setting allowWatchBookmarks to true");
    if (!match_ok && !bm_ok)
        ebb_strbuf_adds(&msg, "]");
    ks_status_fail(r->resp, 422, "Invalid", msg.buf, details);
    cJSON_Delete(details);
    ebb_strbuf_release(&msg);
    return false;
}

static void do_watch(struct api_req *r)
{
    ks_selector *labels, *fields;
    struct ks_watch_req q;
    struct watch_ctx *ctx;
    long timeout = 0;
    const char *ts = ks_req_query(r->req, "timeoutSeconds");

    if (ts && (!parse_long(ts, &timeout) || timeout < 0)) {
        char msg[200];
        snprintf(msg, sizeof(msg), "invalid timeoutSeconds: %.100s", ts);
        send_bad_request(r->resp, msg);
        return;
    }
    if (!ts)
        timeout = 1800 + (long)(ks_rand01(r->s) * 1800.0);
    const char *sie = ks_req_query(r->req, "sendInitialEvents");
    bool initial = sie && truthy(sie);
    if (initial && !watch_list_ok(r))
        return;
    struct ks_table_opts topt;
    int table = ks_table_request(r->req, r->resp, &topt);
    if (table < 0)
        return;
    if (!parse_selectors(r, &labels, &fields))
        return;
    ctx = calloc(1, sizeof(*ctx));
    if (ctx && table > 0 && !(ctx->table = ks_table_watch_new(r->s, r->rt, &topt))) {
        free(ctx);
        ctx = NULL;
    }
    if (!ctx) {
        ks_selector_free(labels);
        ks_selector_free(fields);
        ks_status_fail(r->resp, 500, "InternalError", "Internal error occurred: out of memory",
                       NULL);
        return;
    }
    ctx->store = r->s->store;
    snprintf(r->resp->content_type, sizeof(r->resp->content_type), "application/json");
    ctx->stream = ks_resp_stream(r->resp, watch_on_close, ctx);
    if (!ctx->stream) {
        ks_table_watch_free(ctx->table);
        free(ctx);
        ks_selector_free(labels);
        ks_selector_free(fields);
        ks_status_fail(r->resp, 500, "InternalError", "Internal error occurred: no stream", NULL);
        return;
    }
    memset(&q, 0, sizeof(q));
    q.view = r->rt;
    q.ns = r->ns[0] ? r->ns : NULL;
    q.labels = labels;
    q.fields = fields;
    q.rv = ks_req_query(r->req, "resourceVersion");
    q.bookmarks = truthy(ks_req_query(r->req, "allowWatchBookmarks"));
    q.timeout_s = (double)timeout;
    q.initial_events = initial;
    struct ks_sink sink = {watch_send, watch_end, ctx};
    /* The store owns the sink (and so ctx) from here on. */
    /* timeoutSeconds and bookmarks run on the wall clock, as a real
     * server's do, whatever the simulated clock's speed */
    ks_store_watch_sink(r->s->store, &q, &sink, r->s->now_real);
}

/* ------------------------------------------------------------------ */
/* Writes                                                              */

static void do_create(struct api_req *r)
{
    struct api_op op;
    cJSON *obj = api_body_object(r, r->rt->kind);

    if (!obj)
        return;
    api_op_init(&op, r->s, r->rt, r->ns, NULL, r->manager);
    if (api_write_params(r, &op) != 0) {
        cJSON_Delete(obj);
        api_op_release(&op);
        return;
    }
    api_create(&op, obj);
    api_send_op(r, &op, 201);
    api_op_release(&op);
}

static void do_update(struct api_req *r)
{
    struct api_op op;
    cJSON *obj = api_body_object(r, r->rt->kind);

    if (!obj)
        return;
    api_op_init(&op, r->s, r->rt, r->ns, r->name, r->manager);
    op.subresource = r->sub[0] ? r->sub : NULL;
    if (api_write_params(r, &op) != 0) {
        cJSON_Delete(obj);
        api_op_release(&op);
        return;
    }
    api_update(&op, obj, NULL);
    api_send_op(r, &op, 200);
    api_op_release(&op);
}

/* DeleteOptions from the body (JSON) or the query. */
static bool delete_options(struct api_req *r, cJSON **body, struct api_delete_opts *o, bool *dry)
{
    long g;

    memset(o, 0, sizeof(*o));
    o->grace = -1;
    *body = NULL;
    o->propagation = ks_req_query(r->req, "propagationPolicy");
    if (parse_long(ks_req_query(r->req, "gracePeriodSeconds"), &g))
        o->grace = g;
    if (truthy(ks_req_query(r->req, "orphanDependents")))
        o->propagation = "Orphan";
    if (r->req->body && r->req->body_len) {
        cJSON *b = NULL;
        char perr[600];
        /* DeleteOptions decode with the meta codecs, which have a
         * protobuf form for every resource. */
        switch (body_media_of(ks_req_header(r->req, "Content-Type"))) {
        case BODY_UNKNOWN:
            send_unsupported_media(r->resp, true);
            return false;
        case BODY_PROTO:
            if (ks_proto_decode_rc(r->req->body, r->req->body_len, &b, perr, sizeof(perr)) !=
                KS_OK) {
                send_bad_request(r->resp, perr);
                return false;
            }
            break;
        case BODY_YAML:
            b = ks_yaml_to_json(r->req->body, r->req->body_len, perr, sizeof(perr));
            if (!b) {
                send_bad_request(r->resp, perr);
                return false;
            }
            break;
        case BODY_JSON:
            b = cJSON_ParseWithLength(r->req->body, r->req->body_len);
            break;
        }
        if (!cJSON_IsObject(b)) {
            char syn[160], msg[300];
            api_json_syntax_msg(r->req->body, r->req->body_len, syn, sizeof(syn));
            cJSON_Delete(b);
            snprintf(msg, sizeof(msg), "couldn't get version/kind; json parse error: %s", syn);
            send_bad_request(r->resp, msg);
            return false;
        }
        *body = b;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "propagationPolicy");
        if (cJSON_IsString(v))
            o->propagation = v->valuestring;
        v = cJSON_GetObjectItemCaseSensitive(b, "orphanDependents");
        if (cJSON_IsTrue(v))
            o->propagation = "Orphan";
        v = cJSON_GetObjectItemCaseSensitive(b, "gracePeriodSeconds");
        if (cJSON_IsNumber(v))
            o->grace = (long)v->valuedouble;
        o->pre_uid = ks_json_str(b, "preconditions.uid");
        o->pre_rv = ks_json_str(b, "preconditions.resourceVersion");
        v = cJSON_GetObjectItemCaseSensitive(b, "dryRun");
        if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0)
            *dry = true;
    }
    return true;
}

static void send_success(ks_resp *resp, cJSON *details)
{
    cJSON *st = cJSON_CreateObject();

    if (!st) {
        cJSON_Delete(details);
        resp->status = 500;
        return;
    }
    cJSON_AddStringToObject(st, "kind", "Status");
    cJSON_AddStringToObject(st, "apiVersion", "v1");
    cJSON_AddObjectToObject(st, "metadata");
    cJSON_AddStringToObject(st, "status", "Success");
    if (details)
        cJSON_AddItemToObject(st, "details", details);
    snprintf(resp->content_type, sizeof(resp->content_type), "application/json");
    ks_resp_json(resp, 200, st);
    cJSON_Delete(st);
}

static void do_delete(struct api_req *r)
{
    struct api_delete_opts o;
    struct api_op op;
    cJSON *body = NULL, *gone = NULL;
    bool dry = false;

    if (!delete_options(r, &body, &o, &dry))
        return;
    api_op_init(&op, r->s, r->rt, r->ns, r->name, r->manager);
    if (api_write_params(r, &op) != 0) {
        cJSON_Delete(body);
        api_op_release(&op);
        return;
    }
    op.dry_run = op.dry_run || dry;
    api_delete(&op, r->name, &o, &gone);
    if (op.err.code || op.result)
        api_send_op(r, &op, 200);
    else {
        send_success(r->resp, gone);
        gone = NULL;
    }
    cJSON_Delete(gone);
    cJSON_Delete(body);
    api_op_release(&op);
}

struct names {
    char **v;
    size_t n, cap;
    const ks_selector *labels, *fields;
    const ks_rtype *view;
};

static bool collect(void *ud, const ks_obj *o)
{
    struct names *nm = ud;

    if (!ks_selector_matches_labels(nm->labels, o->labels, o->n_labels))
        return true;
    cJSON *v = api_view_of(nm->view, o);
    bool ok = v && ks_selector_matches_fields(nm->fields, v);
    cJSON_Delete(v);
    if (!ok)
        return true;
    if (nm->n == nm->cap) {
        size_t cap = nm->cap ? nm->cap * 2 : 16;
        char **nv = realloc(nm->v, cap * sizeof(*nv));
        if (!nv)
            return false;
        nm->v = nv;
        nm->cap = cap;
    }
    nm->v[nm->n] = strdup(o->name);
    if (nm->v[nm->n])
        nm->n++;
    return true;
}

static void do_delete_collection(struct api_req *r)
{
    struct api_delete_opts o;
    struct names nm = {0};
    ks_selector *labels, *fields;
    cJSON *body = NULL, *list, *items;
    bool dry = false;
    char av[140], rvs[32];

    if (!delete_options(r, &body, &o, &dry))
        return;
    if (!parse_selectors(r, &labels, &fields)) {
        cJSON_Delete(body);
        return;
    }
    nm.labels = labels;
    nm.fields = fields;
    nm.view = r->rt;
    ks_store_each(r->s->store, api_storage(r->rt), r->ns[0] ? r->ns : NULL, collect, &nm);
    list = cJSON_CreateObject();
    api_version_of(r->rt, av, sizeof(av));
    if (list) {
        cJSON_AddStringToObject(list, "kind", r->rt->list_kind);
        cJSON_AddStringToObject(list, "apiVersion", av);
        cJSON *md = cJSON_AddObjectToObject(list, "metadata");
        snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)ks_store_rv(r->s->store));
        if (md)
            cJSON_AddStringToObject(md, "resourceVersion", rvs);
    }
    items = list ? cJSON_AddArrayToObject(list, "items") : NULL;
    for (size_t i = 0; i < nm.n; i++) {
        struct api_op op;
        cJSON *gone = NULL;
        api_op_init(&op, r->s, r->rt, r->ns, nm.v[i], r->manager);
        op.dry_run = dry || truthy(ks_req_query(r->req, "dryRun"));
        const ks_obj *cur =
            ks_store_get(r->s->store, api_storage(r->rt), r->rt->namespaced ? r->ns : "", nm.v[i]);
        cJSON *last = cur ? api_view_of(r->rt, cur) : NULL;
        if (api_delete(&op, nm.v[i], &o, &gone) == 0 && items) {
            if (op.result) {
                cJSON_AddItemToArray(items, op.result);
                op.result = NULL;
            } else if (last) {
                cJSON_AddItemToArray(items, last);
                last = NULL;
            }
        }
        cJSON_Delete(last);
        cJSON_Delete(gone);
        api_op_release(&op);
        free(nm.v[i]);
    }
    free(nm.v);
    ks_selector_free(labels);
    ks_selector_free(fields);
    cJSON_Delete(body);
    if (list) {
        snprintf(r->resp->content_type, sizeof(r->resp->content_type), "application/json");
        ks_resp_json(r->resp, 200, list);
        cJSON_Delete(list);
    } else {
        r->resp->status = 500;
    }
}

static bool verb_allowed(const ks_rtype *rt, unsigned bit)
{
    return (rt->verbs & bit) != 0;
}

static void not_allowed(ks_resp *resp)
{
    cJSON *d = cJSON_CreateObject();

    ks_status_fail(resp, 405, "MethodNotAllowed",
                   "the server does not allow this method on the requested resource", d);
    cJSON_Delete(d);
}

void api_handle_resource(struct api_req *r)
{
    const char *m = r->req->method;
    bool named = r->name[0] != '\0';

    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
        if (named && verb_allowed(r->rt, KS_V_GET))
            do_get(r);
        else if (!named && strcmp(r->verb, "watch") == 0 && verb_allowed(r->rt, KS_V_WATCH))
            do_watch(r);
        else if (!named && strcmp(r->verb, "list") == 0 && verb_allowed(r->rt, KS_V_LIST))
            do_list(r);
        else
            not_allowed(r->resp);
    } else if (strcmp(m, "POST") == 0) {
        if (!named && !r->sub[0] && verb_allowed(r->rt, KS_V_CREATE))
            do_create(r);
        else
            not_allowed(r->resp);
    } else if (strcmp(m, "PUT") == 0) {
        if (named && verb_allowed(r->rt, KS_V_UPDATE))
            do_update(r);
        else
            not_allowed(r->resp);
    } else if (strcmp(m, "DELETE") == 0) {
        if (r->sub[0])
            not_allowed(r->resp);
        else if (named && verb_allowed(r->rt, KS_V_DELETE))
            do_delete(r);
        else if (!named && verb_allowed(r->rt, KS_V_DELETECOLLECTION))
            do_delete_collection(r);
        else
            not_allowed(r->resp);
    } else {
        not_allowed(r->resp);
    }
}
