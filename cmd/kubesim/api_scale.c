/*
 * kubesim: the /scale subresource as autoscaling/v1 Scale (fixtures 12,
 * 13, 14, 25, 32, 33, 47, 48): GET, PUT, PATCH. Writing it changes the
 * parent's spec replicas through the ordinary update pipeline.
 */
#include "api_internal.h"
#include "builtins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct req_str {
    char key[256];
    char text[1024];
};

static int cmp_req(const void *a, const void *b)
{
    return strcmp(((const struct req_str *)a)->key, ((const struct req_str *)b)->key);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* labels.Selector.String() of a LabelSelector: requirements sorted by
 * key, "k=v", "k in (a,b)", "k notin (a,b)", "k", "!k". */
static char *selector_string(const cJSON *sel)
{
    const cJSON *ml = cJSON_GetObjectItemCaseSensitive(sel, "matchLabels");
    const cJSON *me = cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions");
    size_t n = (size_t)cJSON_GetArraySize(ml) + (size_t)cJSON_GetArraySize(me), k = 0;
    struct req_str *v;
    struct ebb_strbuf out = EBB_STRBUF_INIT;
    const cJSON *it;

    if (n == 0)
        return strdup("");
    v = calloc(n, sizeof(*v));
    if (!v)
        return NULL;
    cJSON_ArrayForEach(it, ml)
    {
        if (!it->string || !cJSON_IsString(it) || k >= n)
            continue;
        snprintf(v[k].key, sizeof(v[k].key), "%s", it->string);
        snprintf(v[k].text, sizeof(v[k].text), "%s=%s", it->string, it->valuestring);
        k++;
    }
    cJSON_ArrayForEach(it, me)
    {
        const char *key = ks_json_str(it, "key"), *op = ks_json_str(it, "operator");
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(it, "values");
        if (!key || !op || k >= n)
            continue;
        snprintf(v[k].key, sizeof(v[k].key), "%s", key);
        if (strcmp(op, "Exists") == 0) {
            snprintf(v[k].text, sizeof(v[k].text), "%s", key);
        } else if (strcmp(op, "DoesNotExist") == 0) {
            snprintf(v[k].text, sizeof(v[k].text), "!%s", key);
        } else {
            size_t nv = (size_t)cJSON_GetArraySize(vals), j = 0;
            const char **sv = nv ? calloc(nv, sizeof(*sv)) : NULL;
            const cJSON *x;
            struct ebb_strbuf t = EBB_STRBUF_INIT;
            cJSON_ArrayForEach(x, vals)
            {
                if (sv && cJSON_IsString(x) && j < nv)
                    sv[j++] = x->valuestring;
            }
            if (sv)
                qsort(sv, j, sizeof(*sv), cmp_str);
            ebb_strbuf_addf(&t, "%s %s (", key, strcmp(op, "NotIn") == 0 ? "notin" : "in");
            for (size_t q = 0; q < j; q++)
                ebb_strbuf_addf(&t, "%s%s", q ? "," : "", sv[q]);
            ebb_strbuf_addch(&t, ')');
            snprintf(v[k].text, sizeof(v[k].text), "%s", t.buf);
            ebb_strbuf_release(&t);
            free(sv);
        }
        k++;
    }
    qsort(v, k, sizeof(*v), cmp_req);
    for (size_t i = 0; i < k; i++)
        ebb_strbuf_addf(&out, "%s%s", i ? "," : "", v[i].text);
    free(v);
    return ebb_strbuf_detach(&out, NULL);
}

static const char *spec_path(const ks_rtype *rt)
{
    return rt->scale_spec_path[0] ? rt->scale_spec_path : "spec.replicas";
}

static cJSON *scale_of(const ks_rtype *rt, const cJSON *obj)
{
    cJSON *sc = cJSON_CreateObject(), *md, *spec, *st;
    static const char *const keys[] = {"name", "namespace", "uid", "resourceVersion",
                                       "creationTimestamp"};

    if (!sc)
        return NULL;
    cJSON_AddStringToObject(sc, "kind", "Scale");
    cJSON_AddStringToObject(sc, "apiVersion", "autoscaling/v1");
    md = cJSON_AddObjectToObject(sc, "metadata");
    for (size_t i = 0; md && i < sizeof(keys) / sizeof(keys[0]); i++) {
        const cJSON *v = ks_json_path(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), keys[i]);
        if (v)
            cJSON_AddItemToObject(md, keys[i], cJSON_Duplicate(v, true));
    }
    spec = cJSON_AddObjectToObject(sc, "spec");
    long long want = api_int_at(obj, spec_path(rt), 0);
    if (spec && want != 0)
        cJSON_AddNumberToObject(spec, "replicas", (double)want);
    st = cJSON_AddObjectToObject(sc, "status");
    if (st) {
        const char *sp = rt->scale_status_path[0] ? rt->scale_status_path : "status.replicas";
        cJSON_AddNumberToObject(st, "replicas", (double)api_int_at(obj, sp, 0));
        if (rt->scale_selector_path[0]) {
            const char *s = ks_json_str(obj, rt->scale_selector_path);
            if (s)
                cJSON_AddStringToObject(st, "selector", s);
        } else {
            const cJSON *sel = ks_json_path(obj, "spec.selector");
            char *s = sel ? selector_string(sel) : NULL;
            if (s && *s)
                cJSON_AddStringToObject(st, "selector", s);
            free(s);
        }
    }
    return sc;
}

static void send_err(ks_resp *resp, struct api_err *e)
{
    api_err_send(e, resp);
    api_err_clear(e);
}

/* Writes a (validated) Scale: the parent's spec replicas. */
static void write_scale(struct api_req *r, const ks_obj *cur, cJSON *scale)
{
    struct api_op op;
    struct ks_causes c = {0};
    char rvs[32];

    api_op_init(&op, r->s, r->rt, r->ns, r->name, r->manager);
    op.subresource = "scale";
    if (api_write_params(r, &op) != 0)
        goto out;
    if (ks_builtin_validate_scale(scale, &c) != 0 || c.n) {
        api_err_invalid(&op.err, "autoscaling", "Scale", r->name, &c);
        api_send_op(r, &op, 200);
        goto out;
    }
    const char *brv = ks_json_str(scale, "metadata.resourceVersion");
    snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)cur->rv);
    if (brv && *brv && strcmp(brv, rvs) != 0) {
        api_err_conflict(&op.err, r->rt, r->name);
        api_send_op(r, &op, 200);
        goto out;
    }
    cJSON *obj = api_view_of(r->rt, cur);
    if (!obj) {
        api_err_internal(&op.err, "out of memory");
        api_send_op(r, &op, 200);
        goto out;
    }
    long long want = api_int_at(scale, "spec.replicas", 0);
    ks_json_set_path(obj, spec_path(r->rt), cJSON_CreateNumber((double)want));
    if (api_update(&op, obj, cur) == 0 && op.result) {
        cJSON *sc = scale_of(r->rt, op.result);
        cJSON_Delete(op.result);
        op.result = sc;
    }
    api_send_op(r, &op, 200);
out:
    ks_causes_release(&c);
    api_op_release(&op);
}

static cJSON *patch_scale(struct api_req *r, const cJSON *cur_scale, struct api_err *e)
{
    const char *ct = ks_req_header(r->req, "Content-Type");
    const char *body = r->req->body ? r->req->body : "";
    size_t blen = r->req->body ? r->req->body_len : 0;
    char err[600];
    cJSON *patch, *doc = NULL;

    if (!ct)
        ct = "";
    while (*ct == ' ')
        ct++;
    bool json_p = strncasecmp(ct, "application/json-patch+json", 27) == 0;
    bool merge = strncasecmp(ct, "application/merge-patch+json", 28) == 0;
    bool smp = strncasecmp(ct, "application/strategic-merge-patch+json", 38) == 0;
    if (!json_p && !merge && !smp) {
        api_err_set(e, 415, "UnsupportedMediaType", NULL,
                    "the body of the request was in an unknown format - accepted media types "
                    "include: application/json-patch+json, application/merge-patch+json, "
                    "application/apply-patch+yaml, application/strategic-merge-patch+json");
        return NULL;
    }
    patch = blen ? cJSON_ParseWithLength(body, blen) : NULL;
    if (!patch || (json_p && !cJSON_IsArray(patch)) || (!json_p && !cJSON_IsObject(patch))) {
        if (!patch)
            api_json_syntax_msg(body, blen, err, sizeof(err));
        else
            snprintf(err, sizeof(err), "json: cannot unmarshal into Go value of type %s",
                     json_p ? "jsonpatch.Patch" : "map[string]interface {}");
        api_err_bad_request(e, "%s", err);
        cJSON_Delete(patch);
        return NULL;
    }
    err[0] = '\0';
    if (json_p) {
        doc = cJSON_Duplicate(cur_scale, true);
        if (doc && ks_json_patch(&doc, patch, err, sizeof(err)) != 0) {
            cJSON_Delete(doc);
            doc = NULL;
            api_err_set(e, 422, "Invalid", cJSON_CreateObject(), "%s",
                        err[0] ? err
                               : "the server rejected our request due to an error in our request");
        }
    } else if (merge) {
        doc = ks_merge_patch(cur_scale, patch);
    } else {
        doc = ks_strategic_merge_patch(cur_scale, patch, "Scale", err, sizeof(err));
        if (!doc)
            api_err_bad_request(e, "%s", err[0] ? err : "invalid strategic merge patch");
    }
    if (!doc && !e->code)
        api_err_internal(e, "patch failed");
    cJSON_Delete(patch);
    return doc;
}

void api_handle_scale(struct api_req *r)
{
    const char *m = r->req->method;
    struct api_err e = {0};
    const ks_obj *cur;
    cJSON *obj, *sc;

    if (!r->name[0] ||
        (strcmp(m, "GET") != 0 && strcmp(m, "PUT") != 0 && strcmp(m, "PATCH") != 0)) {
        cJSON *d = cJSON_CreateObject();
        ks_status_fail(r->resp, 405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource", d);
        cJSON_Delete(d);
        return;
    }
    cur = ks_store_get(r->s->store, api_storage(r->rt), r->rt->namespaced ? r->ns : "", r->name);
    if (!cur) {
        api_err_not_found(&e, r->rt, r->name);
        send_err(r->resp, &e);
        return;
    }
    obj = api_view_of(r->rt, cur);
    sc = obj ? scale_of(r->rt, obj) : NULL;
    cJSON_Delete(obj);
    if (!sc) {
        api_err_internal(&e, "out of memory");
        send_err(r->resp, &e);
        return;
    }
    if (strcmp(m, "GET") == 0) {
        snprintf(r->resp->content_type, sizeof(r->resp->content_type), "application/json");
        ks_resp_json(r->resp, 200, sc);
        cJSON_Delete(sc);
        return;
    }
    cJSON *want;
    if (strcmp(m, "PUT") == 0) {
        want = api_body_object(r, "Scale");
        if (!want) {
            cJSON_Delete(sc);
            return;
        }
    } else {
        want = patch_scale(r, sc, &e);
        if (!want) {
            cJSON_Delete(sc);
            send_err(r->resp, &e);
            return;
        }
    }
    cJSON_Delete(sc);
    write_scale(r, cur, want);
    cJSON_Delete(want);
}
