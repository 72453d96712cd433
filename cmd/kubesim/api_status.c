/*
 * kubesim: Status bodies in the real kube-apiserver's words (fixtures 19,
 * 21, 23, 24, 26, 27, 28, 30, 57, 80, 82, 92).
 */
#include "api_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *status_tree(int code, const char *reason, const char *message, const cJSON *details,
                          const char *continue_tok)
{
    cJSON *st = cJSON_CreateObject();
    cJSON *md;

    if (!st)
        return NULL;
    cJSON_AddStringToObject(st, "kind", "Status");
    cJSON_AddStringToObject(st, "apiVersion", "v1");
    md = cJSON_AddObjectToObject(st, "metadata");
    if (md && continue_tok)
        cJSON_AddStringToObject(md, "continue", continue_tok);
    cJSON_AddStringToObject(st, "status", "Failure");
    if (message)
        cJSON_AddStringToObject(st, "message", message);
    if (reason && *reason)
        cJSON_AddStringToObject(st, "reason", reason);
    if (details) {
        cJSON *d = cJSON_Duplicate(details, true);
        if (d)
            cJSON_AddItemToObject(st, "details", d);
    }
    cJSON_AddNumberToObject(st, "code", code);
    return st;
}

void ks_status_fail(ks_resp *resp, int code, const char *reason, const char *message,
                    const cJSON *details)
{
    cJSON *st = status_tree(code, reason, message, details, NULL);

    if (!st) {
        resp->status = 500;
        return;
    }
    snprintf(resp->content_type, sizeof(resp->content_type), "application/json");
    ks_resp_json(resp, code, st);
    cJSON_Delete(st);
}

void api_err_clear(struct api_err *e)
{
    cJSON_Delete(e->details);
    free(e->continue_tok);
    memset(e, 0, sizeof(*e));
}

void api_err_set(struct api_err *e, int code, const char *reason, cJSON *details, const char *fmt,
                 ...)
{
    va_list ap;

    api_err_clear(e);
    e->code = code;
    snprintf(e->reason, sizeof(e->reason), "%s", reason ? reason : "");
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    e->details = details;
}

void api_err_send(const struct api_err *e, ks_resp *resp)
{
    cJSON *st = status_tree(e->code, e->reason, e->message, e->details, e->continue_tok);

    if (!st) {
        resp->status = 500;
        return;
    }
    snprintf(resp->content_type, sizeof(resp->content_type), "application/json");
    ks_resp_json(resp, e->code, st);
    cJSON_Delete(st);
}

int api_err_rc(const struct api_err *e)
{
    switch (e->code) {
    case 0:
        return KS_OK;
    case 404:
        return KS_ENOTFOUND;
    case 409:
        return strcmp(e->reason, "AlreadyExists") == 0 ? KS_EEXISTS : KS_ECONFLICT;
    case 410:
        return KS_EGONE;
    case 422:
        return KS_EINVALID;
    case 500:
        return KS_EIO;
    default:
        return KS_EBADREQ;
    }
}

void api_group_resource(const ks_rtype *rt, char *out, size_t cap)
{
    if (rt->group[0])
        snprintf(out, cap, "%s.%s", rt->resource, rt->group);
    else
        snprintf(out, cap, "%s", rt->resource);
}

cJSON *api_details(const ks_rtype *rt, const char *name)
{
    cJSON *d = cJSON_CreateObject();

    if (!d)
        return NULL;
    if (name && *name)
        cJSON_AddStringToObject(d, "name", name);
    if (rt->group[0])
        cJSON_AddStringToObject(d, "group", rt->group);
    cJSON_AddStringToObject(d, "kind", rt->resource);
    return d;
}

void api_err_not_found(struct api_err *e, const ks_rtype *rt, const char *name)
{
    char gr[200];

    api_group_resource(rt, gr, sizeof(gr));
    api_err_set(e, 404, "NotFound", api_details(rt, name), "%s \"%s\" not found", gr,
                name ? name : "");
}

void api_err_exists(struct api_err *e, const ks_rtype *rt, const char *name)
{
    char gr[200];

    api_group_resource(rt, gr, sizeof(gr));
    api_err_set(e, 409, "AlreadyExists", api_details(rt, name), "%s \"%s\" already exists", gr,
                name ? name : "");
}

void api_err_conflict(struct api_err *e, const ks_rtype *rt, const char *name)
{
    char gr[200];

    api_group_resource(rt, gr, sizeof(gr));
    api_err_set(e, 409, "Conflict", api_details(rt, name),
                "Operation cannot be fulfilled on %s \"%s\": the object has been modified; "
                "please apply your changes to the latest version and try again",
                gr, name ? name : "");
}

void api_err_bad_request(struct api_err *e, const char *fmt, ...)
{
    va_list ap;

    api_err_clear(e);
    e->code = 400;
    snprintf(e->reason, sizeof(e->reason), "BadRequest");
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

void api_err_invalid(struct api_err *e, const char *group, const char *kind, const char *name,
                     const struct ks_causes *causes)
{
    struct ebb_strbuf msg = EBB_STRBUF_INIT;
    cJSON *d = cJSON_CreateObject();
    cJSON *arr = NULL;

    if (d) {
        cJSON_AddStringToObject(d, "name", name ? name : "");
        if (group && *group)
            cJSON_AddStringToObject(d, "group", group);
        cJSON_AddStringToObject(d, "kind", kind);
        if (causes && causes->n)
            arr = cJSON_AddArrayToObject(d, "causes");
    }
    if (group && *group)
        ebb_strbuf_addf(&msg, "%s.%s \"%s\" is invalid", kind, group, name ? name : "");
    else
        ebb_strbuf_addf(&msg, "%s \"%s\" is invalid", kind, name ? name : "");
    if (causes && causes->n) {
        ebb_strbuf_adds(&msg, causes->n > 1 ? ": [" : ": ");
        for (size_t i = 0; i < causes->n; i++) {
            const struct ks_cause *c = &causes->v[i];
            if (i)
                ebb_strbuf_adds(&msg, ", ");
            ebb_strbuf_addf(&msg, "%s: %s", c->field, c->message);
            if (arr) {
                cJSON *o = cJSON_CreateObject();
                if (o) {
                    if (c->type[0])
                        cJSON_AddStringToObject(o, "reason", c->type);
                    if (c->message[0])
                        cJSON_AddStringToObject(o, "message", c->message);
                    if (c->field[0])
                        cJSON_AddStringToObject(o, "field", c->field);
                    cJSON_AddItemToArray(arr, o);
                }
            }
        }
        if (causes->n > 1)
            ebb_strbuf_addch(&msg, ']');
    }
    api_err_set(e, 422, "Invalid", d, "%s", msg.buf);
    ebb_strbuf_release(&msg);
}

void api_err_internal(struct api_err *e, const char *what)
{
    cJSON *d = cJSON_CreateObject();
    cJSON *arr = d ? cJSON_AddArrayToObject(d, "causes") : NULL;
    cJSON *c = arr ? cJSON_CreateObject() : NULL;

    if (c) {
        cJSON_AddStringToObject(c, "message", what);
        cJSON_AddItemToArray(arr, c);
    }
    api_err_set(e, 500, "InternalError", d, "Internal error occurred: %s", what);
}

/* A small JSON scanner that finds the first syntax error the way Go's
 * encoding/json words it ("invalid character 'x' looking for beginning
 * of object key string"). */
struct jscan {
    const char *p, *end;
    const char *ctx; /* what was expected where it failed */
    int depth;
};

static void js_ws(struct jscan *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
        j->p++;
}

static bool js_value(struct jscan *j);

static bool js_string(struct jscan *j)
{
    j->p++; /* the opening quote */
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            return true;
        }
        if (c < 0x20) {
            j->ctx = "in string literal";
            return false;
        }
        if (c == '\\') {
            j->p++;
            if (j->p >= j->end)
                break;
            if (!strchr("\"\\/bfnrtu", *j->p)) {
                j->ctx = "in string escape code";
                return false;
            }
        }
        j->p++;
    }
    j->ctx = NULL; /* unexpected end */
    return false;
}

static bool js_literal(struct jscan *j, const char *word, const char *ctx)
{
    for (size_t i = 0; word[i]; i++, j->p++) {
        if (j->p >= j->end) {
            j->ctx = NULL;
            return false;
        }
        if (*j->p != word[i]) {
            j->ctx = ctx;
            return false;
        }
    }
    return true;
}

static bool js_number(struct jscan *j)
{
    if (*j->p == '-')
        j->p++;
    if (j->p >= j->end) {
        j->ctx = NULL;
        return false;
    }
    if (!(*j->p >= '0' && *j->p <= '9')) {
        j->ctx = "in numeric literal";
        return false;
    }
    while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' || *j->p == 'e' ||
                             *j->p == 'E' || *j->p == '+' || *j->p == '-'))
        j->p++;
    return true;
}

static bool js_container(struct jscan *j, bool obj)
{
    if (++j->depth > 1000) {
        j->ctx = "exceeded max depth";
        return false;
    }
    j->p++;
    js_ws(j);
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
        j->p++;
        j->depth--;
        return true;
    }
    for (;;) {
        js_ws(j);
        if (j->p >= j->end) {
            j->ctx = NULL;
            return false;
        }
        if (obj) {
            if (*j->p != '"') {
                j->ctx = "looking for beginning of object key string";
                return false;
            }
            if (!js_string(j))
                return false;
            js_ws(j);
            if (j->p >= j->end) {
                j->ctx = NULL;
                return false;
            }
            if (*j->p != ':') {
                j->ctx = "after object key";
                return false;
            }
            j->p++;
        }
        if (!js_value(j))
            return false;
        js_ws(j);
        if (j->p >= j->end) {
            j->ctx = NULL;
            return false;
        }
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p == (obj ? '}' : ']')) {
            j->p++;
            j->depth--;
            return true;
        }
        j->ctx = obj ? "after object key:value pair" : "after array element";
        return false;
    }
}

static bool js_value(struct jscan *j)
{
    js_ws(j);
    if (j->p >= j->end) {
        j->ctx = NULL;
        return false;
    }
    switch (*j->p) {
    case '{':
        return js_container(j, true);
    case '[':
        return js_container(j, false);
    case '"':
        return js_string(j);
    case 't':
        return js_literal(j, "true", "in literal true (expecting 'r')");
    case 'f':
        return js_literal(j, "false", "in literal false (expecting 'a')");
    case 'n':
        return js_literal(j, "null", "in literal null (expecting 'u')");
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
            return js_number(j);
        j->ctx = "looking for beginning of value";
        return false;
    }
}

void api_json_syntax_msg(const char *body, size_t len, char *out, size_t cap)
{
    struct jscan j = {body, body + len, NULL, 0};
    bool ok = js_value(&j);

    if (ok) {
        js_ws(&j);
        if (j.p >= j.end) {
            snprintf(out, cap, "unexpected end of JSON input");
            return;
        }
        j.ctx = "after top-level value";
    }
    if (!j.ctx || j.p >= j.end) {
        snprintf(out, cap, "unexpected end of JSON input");
        return;
    }
    unsigned char ch = (unsigned char)*j.p;
    if (ch >= 0x20 && ch < 0x7f && ch != '\'')
        snprintf(out, cap, "invalid character '%c' %s", ch, j.ctx);
    else if (ch == '\'')
        snprintf(out, cap, "invalid character '\\'' %s", j.ctx);
    else
        snprintf(out, cap, "invalid character '\\x%02x' %s", ch, j.ctx);
}
