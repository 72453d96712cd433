/*
 * kubesim: PATCH with the four content types (fixtures 15-20, 24, 45):
 * JSON patch, merge patch, strategic merge patch (built-in kinds only,
 * 415 on custom resources like the real server) and server-side apply
 * (YAML or JSON body, fieldManager required, creates when absent).
 */
#include "api_internal.h"
#include "patch_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

enum patch_kind { P_JSON, P_MERGE, P_SMP, P_APPLY, P_UNKNOWN };

static enum patch_kind patch_kind_of(const char *ct)
{
    char t[128];
    size_t n = 0;

    if (!ct)
        return P_UNKNOWN;
    while (*ct == ' ')
        ct++;
    while (ct[n] && ct[n] != ';' && ct[n] != ' ' && n + 1 < sizeof(t)) {
        t[n] = ct[n];
        n++;
    }
    t[n] = '\0';
    if (strcasecmp(t, "application/json-patch+json") == 0)
        return P_JSON;
    if (strcasecmp(t, "application/merge-patch+json") == 0)
        return P_MERGE;
    if (strcasecmp(t, "application/strategic-merge-patch+json") == 0)
        return P_SMP;
    if (strcasecmp(t, "application/apply-patch+yaml") == 0)
        return P_APPLY;
    return P_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* YAML -> cJSON (also POST, PUT and DELETE bodies: api_verbs.c)     */

static bool plain_number(const char *s, double *out)
{
    char *end = NULL;
    const char *p = s;

    if (*p == '-' || *p == '+')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        return false;
    /* YAML 1.2 core schema: decimal integers and floats; leading zeros
     * ("0123") stay strings. */
    if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
        return false;
    *out = strtod(s, &end);
    return end && *end == '\0';
}

static cJSON *yaml_node_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
    if (!node || depth > 100)
        return NULL;
    switch (node->type) {
    case YAML_SCALAR_NODE: {
        const char *v = (const char *)node->data.scalar.value;
        double d;
        if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
            return cJSON_CreateString(v);
        if (!*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
            strcmp(v, "NULL") == 0)
            return cJSON_CreateNull();
        if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
            return cJSON_CreateTrue();
        if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0)
            return cJSON_CreateFalse();
        if (plain_number(v, &d))
            return cJSON_CreateNumber(d);
        return cJSON_CreateString(v);
    }
    case YAML_SEQUENCE_NODE: {
        cJSON *arr = cJSON_CreateArray();
        if (!arr)
            return NULL;
        for (yaml_node_item_t *it = node->data.sequence.items.start;
             it < node->data.sequence.items.top; it++) {
            cJSON *c = yaml_node_json(doc, yaml_document_get_node(doc, *it), depth + 1);
            if (!c) {
                cJSON_Delete(arr);
                return NULL;
            }
            cJSON_AddItemToArray(arr, c);
        }
        return arr;
    }
    case YAML_MAPPING_NODE: {
        cJSON *obj = cJSON_CreateObject();
        if (!obj)
            return NULL;
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            if (!k || k->type != YAML_SCALAR_NODE) {
                cJSON_Delete(obj);
                return NULL;
            }
            cJSON *v = yaml_node_json(doc, yaml_document_get_node(doc, p->value), depth + 1);
            if (!v) {
                cJSON_Delete(obj);
                return NULL;
            }
            const char *key = (const char *)k->data.scalar.value;
            if (cJSON_GetObjectItemCaseSensitive(obj, key))
                cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
            else
                cJSON_AddItemToObject(obj, key, v);
        }
        return obj;
    }
    default:
        return NULL;
    }
}

cJSON *ks_yaml_to_json(const char *text, size_t len, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    cJSON *out = NULL;

    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "error converting YAML to JSON: yaml: line %lu: %s",
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        return NULL;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root)
        out = yaml_node_json(&doc, root, 0);
    if (!out)
        snprintf(err, errlen, "error decoding YAML: the document is empty or not supported");
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return out;
}

/* ------------------------------------------------------------------ */

static void unsupported_media(ks_resp *resp, bool smp)
{
    ks_status_fail(resp, 415, "UnsupportedMediaType",
                   smp ? "the body of the request was in an unknown format - accepted media "
                         "types include: application/json-patch+json, "
                         "application/merge-patch+json, application/apply-patch+yaml, "
                         "application/strategic-merge-patch+json"
                       : "the body of the request was in an unknown format - accepted media "
                         "types include: application/json-patch+json, "
                         "application/merge-patch+json, application/apply-patch+yaml",
                   NULL);
}

static void bad_request(ks_resp *resp, const char *msg)
{
    ks_status_fail(resp, 400, "BadRequest", msg, NULL);
}

static void apply_conflict(struct api_op *op, const struct ks_causes *c)
{
    struct ebb_strbuf m = EBB_STRBUF_INIT;
    cJSON *d = cJSON_CreateObject();
    cJSON *arr = d ? cJSON_AddArrayToObject(d, "causes") : NULL;

    ebb_strbuf_addf(&m, "Apply failed with %zu conflict%s: ", c->n, c->n == 1 ? "" : "s");
    for (size_t i = 0; i < c->n; i++) {
        const struct ks_cause *x = &c->v[i];
        if (i)
            ebb_strbuf_adds(&m, "\n");
        if (x->field[0] && !strstr(x->message, x->field))
            ebb_strbuf_addf(&m, "%s: %s", x->message, x->field);
        else
            ebb_strbuf_adds(&m, x->message);
        if (arr) {
            cJSON *o = cJSON_CreateObject();
            if (o) {
                cJSON_AddStringToObject(o, "reason", x->type[0] ? x->type : "FieldManagerConflict");
                cJSON_AddStringToObject(o, "message", x->message);
                if (x->field[0])
                    cJSON_AddStringToObject(o, "field", x->field);
                cJSON_AddItemToArray(arr, o);
            }
        }
    }
    api_err_set(&op->err, 409, "Conflict", d, "%s", m.buf);
    ebb_strbuf_release(&m);
}

/* The patched object, or NULL with op->err set. */
static cJSON *apply_patch(struct api_req *r, struct api_op *op, enum patch_kind kind,
                          const cJSON *live, const cJSON *patch, bool force)
{
    char err[1024], av[140];
    cJSON *doc;

    err[0] = '\0';
    switch (kind) {
    case P_JSON:
        doc = cJSON_Duplicate(live, true);
        if (!doc)
            break;
        if (ks_json_patch(&doc, patch, err, sizeof(err)) != 0) {
            cJSON_Delete(doc);
            api_err_set(&op->err, 422, "Invalid", cJSON_CreateObject(), "%s",
                        err[0] ? err
                               : "the server rejected our request due to an error in our request");
            return NULL;
        }
        return doc;
    case P_MERGE:
        doc = ks_merge_patch(live, patch);
        if (!doc)
            break;
        return doc;
    case P_SMP:
        doc = ks_strategic_merge_patch(live, patch, r->rt->kind, err, sizeof(err));
        if (!doc) {
            api_err_bad_request(&op->err, "%s", err[0] ? err : "invalid strategic merge patch");
            return NULL;
        }
        return doc;
    case P_APPLY: {
        struct ks_causes c = {0};
        int rc = 0;
        api_version_of(r->rt, av, sizeof(av));
        doc = ks_apply_rt(live, patch, r->rt, op->manager, force, av, ks_now(r->s), &rc, &c);
        if (!doc) {
            if (rc == KS_ECONFLICT)
                apply_conflict(op, &c);
            else if (c.n)
                api_err_invalid(&op->err, api_invalid_group(r->rt), r->rt->kind, r->name, &c);
            else
                api_err_bad_request(&op->err, "invalid apply patch");
            ks_causes_release(&c);
            return NULL;
        }
        ks_causes_release(&c);
        return doc;
    }
    default:
        break;
    }
    api_err_internal(&op->err, "patch failed");
    return NULL;
}

void api_handle_patch(struct api_req *r)
{
    enum patch_kind kind = patch_kind_of(ks_req_header(r->req, "Content-Type"));
    const ks_rtype *rt = r->rt;
    struct api_op op;
    cJSON *patch = NULL, *live = NULL, *doc;
    char err[600], syn[160];

    if (!r->name[0] || !(rt->verbs & KS_V_PATCH)) {
        cJSON *d = cJSON_CreateObject();
        ks_status_fail(r->resp, 405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource", d);
        cJSON_Delete(d);
        return;
    }
    if (kind == P_UNKNOWN || (kind == P_SMP && rt->origin == KS_RT_CUSTOM)) {
        unsupported_media(r->resp, rt->origin != KS_RT_CUSTOM);
        return;
    }
    const char *body = r->req->body ? r->req->body : "";
    size_t blen = r->req->body ? r->req->body_len : 0;
    if (kind == P_APPLY) {
        patch = ks_yaml_to_json(body, blen, err, sizeof(err));
        if (!patch) {
            bad_request(r->resp, err);
            return;
        }
    } else {
        patch = blen ? cJSON_ParseWithLength(body, blen) : NULL;
        if (!patch) {
            api_json_syntax_msg(body, blen, syn, sizeof(syn));
            bad_request(r->resp, syn);
            return;
        }
    }
    if ((kind == P_JSON && !cJSON_IsArray(patch)) || (kind != P_JSON && !cJSON_IsObject(patch))) {
        snprintf(err, sizeof(err), "json: cannot unmarshal %s into Go value of type %s",
                 cJSON_IsArray(patch) ? "array" : "non-object",
                 kind == P_JSON ? "jsonpatch.Patch" : "map[string]interface {}");
        bad_request(r->resp, err);
        cJSON_Delete(patch);
        return;
    }
    api_op_init(&op, r->s, rt, r->ns, r->name, r->manager);
    op.subresource = r->sub[0] ? r->sub : NULL;
    if (api_write_params(r, &op) != 0)
        goto out;
    if (kind == P_APPLY) {
        const char *fm = ks_req_query(r->req, "fieldManager");
        if (!fm || !*fm) {
            struct ks_causes c = {0};
            ks_causes_add(&c, "FieldValueRequired", "fieldManager",
                          "Required value: is required for apply patch");
            api_err_invalid(&op.err, "meta.k8s.io", "PatchOptions", "", &c);
            ks_causes_release(&c);
            api_send_op(r, &op, 200);
            goto out;
        }
        op.apply = true;
    }
    const char *force_q = ks_req_query(r->req, "force");
    bool force = force_q && (strcmp(force_q, "true") == 0 || strcmp(force_q, "1") == 0);
    const ks_obj *cur =
        ks_store_get(r->s->store, api_storage(rt), rt->namespaced ? r->ns : "", r->name);
    if (!cur) {
        if (kind != P_APPLY || op.subresource) {
            api_err_not_found(&op.err, rt, r->name);
            api_send_op(r, &op, 200);
            goto out;
        }
        doc = apply_patch(r, &op, kind, NULL, patch, force);
        if (doc) {
            op.name = r->name;
            api_create(&op, doc);
        }
        api_send_op(r, &op, 201);
        goto out;
    }
    live = api_view_of(rt, cur);
    if (!live) {
        api_err_internal(&op.err, "out of memory");
        api_send_op(r, &op, 200);
        goto out;
    }
    doc = apply_patch(r, &op, kind, live, patch, force);
    if (doc && !cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        doc = NULL;
        api_err_bad_request(&op.err, "the patch did not produce an object");
    }
    if (doc)
        api_update(&op, doc, cur);
    api_send_op(r, &op, 200);
out:
    cJSON_Delete(live);
    cJSON_Delete(patch);
    api_op_release(&op);
}
