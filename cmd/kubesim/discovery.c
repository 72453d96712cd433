/*
 * kubesim: discovery (/api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>)
 * and OpenAPI v3 (/openapi/v3, /openapi/v3/<api|apis/g>/<v>), built from
 * the registry, so a CRD shows up as soon as it is created.
 *
 * Shapes follow fixtures 01-05. kubectl (1.32+) and helm read the legacy
 * discovery documents when the server does not answer the aggregated
 * form. OpenAPI v3 serves what kubectl needs: per resource a PATCH
 * operation carrying x-kubernetes-group-version-kind and the
 * fieldValidation parameter (so kubectl leaves validation to the server),
 * and the schemas of the built-in kinds (compact, openapi_builtin.c) and
 * of each CRD (for `kubectl explain`). PATCH operations declare no body:
 * kubectl then computes its patches from its compiled-in types, as it
 * does against a real server. /openapi/v2 (protobuf only in
 * client-go) is answered 404, which kubectl tolerates.
 */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const char *s, uint64_t h)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

struct verb_name {
    unsigned bit;
    const char *name;
};

/* Built-in verbs are listed alphabetically; a custom resource's in the
 * order the apiextensions server writes them (fixture 04). */
static const struct verb_name builtin_verbs[] = {
    {KS_V_CREATE, "create"}, {KS_V_DELETE, "delete"}, {KS_V_DELETECOLLECTION, "deletecollection"},
    {KS_V_GET, "get"},       {KS_V_LIST, "list"},     {KS_V_PATCH, "patch"},
    {KS_V_UPDATE, "update"}, {KS_V_WATCH, "watch"},
};
static const struct verb_name custom_verbs[] = {
    {KS_V_DELETE, "delete"}, {KS_V_DELETECOLLECTION, "deletecollection"},
    {KS_V_GET, "get"},       {KS_V_LIST, "list"},
    {KS_V_PATCH, "patch"},   {KS_V_CREATE, "create"},
    {KS_V_UPDATE, "update"}, {KS_V_WATCH, "watch"},
};

static void add_verbs(cJSON *arr, unsigned verbs, bool custom)
{
    const struct verb_name *names = custom ? custom_verbs : builtin_verbs;

    for (size_t i = 0; i < sizeof(builtin_verbs) / sizeof(builtin_verbs[0]); i++)
        if (verbs & names[i].bit)
            cJSON_AddItemToArray(arr, cJSON_CreateString(names[i].name));
}

static void add_strings(cJSON *obj, const char *key, char (*v)[32], int n)
{
    if (n <= 0)
        return;
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(v[i]));
}

static void storage_hash(const ks_rtype *rt, char out[16])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint64_t h = fnv1a(rt->kind, fnv1a(rt->version, fnv1a(rt->group, 0xcbf29ce484222325ull)));
    unsigned char b[9] = {0};
    int o = 0;

    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(h >> (8 * i));
    for (int i = 0; i < 8; i += 3) {
        unsigned v = (unsigned)b[i] << 16 | (unsigned)b[i + 1] << 8 | b[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < 8 ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < 8 ? b64[v & 63] : '=';
    }
    out[o] = '\0';
}

static cJSON *resource_entry(const ks_rtype *rt, const char *sub)
{
    cJSON *r = cJSON_CreateObject();
    char name[160], hash[16];

    snprintf(name, sizeof(name), "%s%s%s", rt->resource, sub ? "/" : "", sub ? sub : "");
    cJSON_AddStringToObject(r, "name", name);
    cJSON_AddStringToObject(r, "singularName",
                            !sub && rt->origin == KS_RT_CUSTOM ? rt->singular : "");
    cJSON_AddBoolToObject(r, "namespaced", rt->namespaced);
    if (sub && strcmp(sub, "scale") == 0) {
        cJSON_AddStringToObject(r, "group", "autoscaling");
        cJSON_AddStringToObject(r, "version", "v1");
        cJSON_AddStringToObject(r, "kind", "Scale");
    } else {
        cJSON_AddStringToObject(r, "kind", rt->kind);
    }
    cJSON *verbs = cJSON_AddArrayToObject(r, "verbs");
    if (sub) {
        add_verbs(verbs, KS_V_GET | KS_V_PATCH | KS_V_UPDATE, false);
        return r;
    }
    add_verbs(verbs, rt->verbs, rt->origin == KS_RT_CUSTOM);
    add_strings(r, "shortNames", (char(*)[32])rt->short_names, rt->n_short_names);
    add_strings(r, "categories", (char(*)[32])rt->categories, rt->n_categories);
    if (rt->origin != KS_RT_VIRTUAL) {
        storage_hash(rt, hash);
        cJSON_AddStringToObject(r, "storageVersionHash", hash);
    }
    return r;
}

static int cmp_rtype(const void *a, const void *b)
{
    return strcmp((*(const ks_rtype *const *)a)->resource, (*(const ks_rtype *const *)b)->resource);
}

/* APIResourceList of one group/version; NULL when it has no types. */
static cJSON *resource_list(const ks_registry *reg, const char *group, const char *version)
{
    size_t n = ks_registry_count(reg), k = 0;
    const ks_rtype **v = calloc(n ? n : 1, sizeof(*v));
    cJSON *out = NULL;

    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const ks_rtype *rt = ks_registry_at(reg, i);
        if (rt && strcmp(rt->group, group) == 0 && strcmp(rt->version, version) == 0)
            v[k++] = rt;
    }
    if (k == 0)
        goto out;
    qsort(v, k, sizeof(*v), cmp_rtype);
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "kind", "APIResourceList");
    cJSON_AddStringToObject(out, "apiVersion", "v1");
    char gv[160];
    snprintf(gv, sizeof(gv), "%s%s%s", group, *group ? "/" : "", version);
    cJSON_AddStringToObject(out, "groupVersion", gv);
    cJSON *res = cJSON_AddArrayToObject(out, "resources");
    for (size_t i = 0; i < k; i++) {
        cJSON_AddItemToArray(res, resource_entry(v[i], NULL));
        if (v[i]->has_status)
            cJSON_AddItemToArray(res, resource_entry(v[i], "status"));
        if (v[i]->has_scale)
            cJSON_AddItemToArray(res, resource_entry(v[i], "scale"));
    }
out:
    free(v);
    return out;
}

/* The versions of a group in registration order (the first is preferred),
 * as an APIGroup; NULL when the group is unknown. */
static cJSON *api_group(const ks_registry *reg, const char *group)
{
    size_t n = ks_registry_count(reg);
    cJSON *g = NULL, *versions = NULL, *first = NULL;

    for (size_t i = 0; i < n; i++) {
        const ks_rtype *rt = ks_registry_at(reg, i);
        char gv[160];
        bool seen = false;

        if (!rt || strcmp(rt->group, group) != 0)
            continue;
        if (!g) {
            g = cJSON_CreateObject();
            cJSON_AddStringToObject(g, "name", group);
            versions = cJSON_AddArrayToObject(g, "versions");
        }
        const cJSON *it;
        cJSON_ArrayForEach(it, versions)
        {
            if (strcmp(ks_json_str(it, "version"), rt->version) == 0)
                seen = true;
        }
        if (seen)
            continue;
        snprintf(gv, sizeof(gv), "%s/%s", group, rt->version);
        cJSON *ver = cJSON_CreateObject();
        cJSON_AddStringToObject(ver, "groupVersion", gv);
        cJSON_AddStringToObject(ver, "version", rt->version);
        cJSON_AddItemToArray(versions, ver);
        if (!first)
            first = ver;
    }
    if (g)
        cJSON_AddItemToObject(g, "preferredVersion", cJSON_Duplicate(first, true));
    return g;
}

/* The order in which the 1.26 server lists its groups (fixture 02); other
 * groups (CRDs, aggregated APIs) follow in the order they were added. */
static const char *const group_order[] = {
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "flowcontrol.apiserver.k8s.io",
};

static size_t group_rank(const char *name)
{
    size_t n = sizeof(group_order) / sizeof(group_order[0]);

    for (size_t i = 0; i < n; i++)
        if (strcmp(group_order[i], name) == 0)
            return i;
    return n;
}

static int cmp_group(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    size_t rx = group_rank(ks_json_str(x, "name")), ry = group_rank(ks_json_str(y, "name"));

    if (rx != ry)
        return rx < ry ? -1 : 1;
    /* equal rank (both unknown): keep registration order, kept in ->valueint */
    return x->valueint < y->valueint ? -1 : x->valueint > y->valueint;
}

static cJSON *api_group_list(const ks_registry *reg)
{
    cJSON *out = cJSON_CreateObject(), *groups;
    size_t n = ks_registry_count(reg);

    cJSON_AddStringToObject(out, "kind", "APIGroupList");
    cJSON_AddStringToObject(out, "apiVersion", "v1");
    groups = cJSON_AddArrayToObject(out, "groups");
    for (size_t i = 0; i < n; i++) {
        const ks_rtype *rt = ks_registry_at(reg, i);
        bool seen = false;
        const cJSON *it;

        if (!rt || !*rt->group)
            continue;
        cJSON_ArrayForEach(it, groups)
        {
            if (strcmp(ks_json_str(it, "name"), rt->group) == 0)
                seen = true;
        }
        if (!seen)
            cJSON_AddItemToArray(groups, api_group(reg, rt->group));
    }
    /* Sort by rank, stable: detach every group, sort, re-attach. */
    int count = cJSON_GetArraySize(groups), k = 0;
    cJSON **v = count > 0 ? calloc((size_t)count, sizeof(*v)) : NULL;
    if (v) {
        while (groups->child) {
            v[k] = cJSON_DetachItemViaPointer(groups, groups->child);
            v[k]->valueint = k;
            k++;
        }
        qsort(v, (size_t)k, sizeof(*v), cmp_group);
        for (int i = 0; i < k; i++) {
            v[i]->valueint = 0;
            cJSON_AddItemToArray(groups, v[i]);
        }
        free(v);
    }
    return out;
}

static void not_found(ks_resp *resp)
{
    resp->status = 404;
    snprintf(resp->content_type, sizeof(resp->content_type), "text/plain; charset=utf-8");
    ebb_strbuf_adds(&resp->body, "404 page not found\n");
}

/* Splits path after prefix into at most 3 segments; returns the count or
 * -1 when a segment is too long or there are more. */
static int split(const char *p, char seg[3][128])
{
    int n = 0;

    while (*p == '/')
        p++;
    while (*p) {
        size_t len = strcspn(p, "/");
        if (n == 3 || len >= 128)
            return -1;
        memcpy(seg[n], p, len);
        seg[n][len] = '\0';
        n++;
        p += len;
        while (*p == '/')
            p++;
    }
    return n;
}

bool ks_discovery_handle(ks_sim *s, const ks_req *req, ks_resp *resp)
{
    char seg[3][128];
    cJSON *doc = NULL;
    int n;

    if (strncmp(req->path, "/openapi/", 9) == 0 || strcmp(req->path, "/openapi") == 0)
        return ks_openapi_handle(s, req, resp);
    if (strcmp(req->path, "/api") == 0 || strcmp(req->path, "/api/") == 0) {
        const char *host = ks_req_header(req, "Host");
        doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "kind", "APIVersions");
        cJSON *v = cJSON_AddArrayToObject(doc, "versions");
        cJSON_AddItemToArray(v, cJSON_CreateString("v1"));
        cJSON *a = cJSON_AddArrayToObject(doc, "serverAddressByClientCIDRs");
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "clientCIDR", "0.0.0.0/0");
        cJSON_AddStringToObject(e, "serverAddress", host ? host : "127.0.0.1");
        cJSON_AddItemToArray(a, e);
    } else if (strcmp(req->path, "/api/v1") == 0 || strcmp(req->path, "/api/v1/") == 0) {
        doc = resource_list(s->reg, "", "v1");
    } else if (strncmp(req->path, "/apis", 5) == 0 &&
               (req->path[5] == '\0' || req->path[5] == '/')) {
        n = split(req->path + 5, seg);
        if (n == 0)
            doc = api_group_list(s->reg);
        else if (n == 1) {
            doc = api_group(s->reg, seg[0]);
            if (doc) {
                cJSON *g = cJSON_CreateObject();
                cJSON_AddStringToObject(g, "kind", "APIGroup");
                cJSON_AddStringToObject(g, "apiVersion", "v1");
                cJSON *it = doc->child;
                while (it) {
                    cJSON *next = it->next;
                    cJSON_AddItemToObject(g, it->string, cJSON_DetachItemViaPointer(doc, it));
                    it = next;
                }
                cJSON_Delete(doc);
                doc = g;
            }
        } else if (n == 2)
            doc = resource_list(s->reg, seg[0], seg[1]);
        else
            return false; /* a resource path */
    } else {
        return false;
    }
    if (!doc) {
        not_found(resp);
        return true;
    }
    ks_resp_json(resp, 200, doc);
    cJSON_Delete(doc);
    return true;
}
