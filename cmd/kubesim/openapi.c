/*
 * kubesim: OpenAPI v3 documents (see discovery.c for what kubectl needs
 * from them). /openapi/v3 lists one document per group/version with a
 * content hash; /openapi/v3/api/v1 and /openapi/v3/apis/<g>/<v> hold, per
 * resource, its collection and item paths with their operations and
 * query parameters, and under components.schemas the schema of each kind
 * with x-kubernetes-group-version-kind: for custom resources the CRD's,
 * for built-in kinds openapi_builtin.c's (with every schema they
 * reference, ObjectMeta, Status and, where a type has /scale, Scale).
 *
 * The PATCH operations list no requestBody on purpose: kubectl apply
 * would then build its strategic merge patches from these schemas, which
 * leave out most upstream fields; without it kubectl uses its compiled-in
 * types, as discovery.c explains.
 */
#include "ks.h"
#include "openapi_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const write_params[] = {"dryRun", "fieldManager", "fieldValidation"};

static cJSON *param(const char *name)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", name);
    cJSON_AddStringToObject(p, "in", "query");
    cJSON_AddBoolToObject(p, "required", false);
    cJSON *schema = cJSON_AddObjectToObject(p, "schema");
    cJSON_AddStringToObject(schema, "type", "string");
    cJSON_AddBoolToObject(p, "uniqueItems", true);
    return p;
}

static cJSON *operation(const ks_rtype *rt, const char *id_verb, bool write, const char *ref)
{
    cJSON *op = cJSON_CreateObject();
    char id[256];

    snprintf(id, sizeof(id), "%s%s", id_verb, rt->kind);
    cJSON_AddStringToObject(op, "operationId", id);
    if (write) {
        cJSON *params = cJSON_AddArrayToObject(op, "parameters");
        for (size_t i = 0; i < sizeof(write_params) / sizeof(write_params[0]); i++)
            cJSON_AddItemToArray(params, param(write_params[i]));
        if (strcmp(id_verb, "patch") == 0)
            cJSON_AddItemToArray(params, param("force"));
    }
    cJSON *responses = cJSON_AddObjectToObject(op, "responses");
    cJSON *ok = cJSON_AddObjectToObject(responses, "200");
    cJSON_AddStringToObject(ok, "description", "OK");
    if (ref) {
        cJSON *content = cJSON_AddObjectToObject(ok, "content");
        cJSON *json = cJSON_AddObjectToObject(content, "application/json");
        cJSON *schema = cJSON_AddObjectToObject(json, "schema");
        cJSON_AddStringToObject(schema, "$ref", ref);
    }
    cJSON_AddStringToObject(op, "x-kubernetes-action", id_verb);
    cJSON *gvk = cJSON_AddObjectToObject(op, "x-kubernetes-group-version-kind");
    cJSON_AddStringToObject(gvk, "group", rt->group);
    cJSON_AddStringToObject(gvk, "version", rt->version);
    cJSON_AddStringToObject(gvk, "kind", rt->kind);
    return op;
}

/* "dev.ebb.v1alpha1.ScalingPolicy": the group reversed, as the apiserver
 * names definitions. */
static void schema_name(const ks_rtype *rt, char *out, size_t cap)
{
    char rev[128] = "";
    const char *g = rt->group;
    const char *end = g + strlen(g);

    while (end > g) {
        const char *dot = end;
        while (dot > g && dot[-1] != '.')
            dot--;
        size_t len = strlen(rev);
        snprintf(rev + len, sizeof(rev) - len, "%s%.*s", len ? "." : "", (int)(end - dot), dot);
        end = dot > g ? dot - 1 : g;
    }
    snprintf(out, cap, "%s.%s.%s", rev, rt->version, rt->kind);
}

/* ---- built-in schemas (openapi_builtin.c's rows) ---- */

#define OBJECT_META "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
#define STATUS "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
#define SCALE "io.k8s.api.autoscaling.v1.Scale"

/* "apps.v1.Deployment" -> "io.k8s.api.apps.v1.Deployment" */
static void full_name(const char *short_name, size_t len, char *out, size_t cap)
{
    static const char *const prefixes[][2] = {
        {"meta.", "io.k8s.apimachinery.pkg.apis."},
        {"apiextensions.", "io.k8s.apiextensions-apiserver.pkg.apis."},
        {"resource.", "io.k8s.apimachinery.pkg.api."},
        {"intstr.", "io.k8s.apimachinery.pkg.util."},
    };
    const char *prefix = "io.k8s.api.";

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(short_name, prefixes[i][0], strlen(prefixes[i][0])) == 0)
            prefix = prefixes[i][1];
    snprintf(out, cap, "%s%.*s", prefix, (int)len, short_name);
}

/* The row of the schema named name, or ks_openapi_n_rows. */
static size_t find_schema(const char *name)
{
    char full[256];

    for (size_t i = 0; i < ks_openapi_n_rows; i++) {
        if (ks_openapi_rows[i].what == 'P')
            continue;
        full_name(ks_openapi_rows[i].name, strlen(ks_openapi_rows[i].name), full, sizeof(full));
        if (strcmp(full, name) == 0)
            return i;
    }
    return ks_openapi_n_rows;
}

/* The schema of a type code (without '!' and "~key"), len chars of t.
 * A reference at the top (top) is wrapped in allOf, as the real server
 * does, so that the field can carry its own description. */
static cJSON *type_schema(const char *t, size_t len, bool top)
{
    static const char *const scalars[][3] = {
        {"string", "string", NULL},     {"boolean", "boolean", NULL},
        {"number", "number", "double"}, {"integer", "integer", "int32"},
        {"int64", "integer", "int64"},  {"time", "string", "date-time"},
        {"object", "object", NULL},
    };
    cJSON *s = cJSON_CreateObject();

    if (!s)
        return NULL;
    if (len > 2 && (strncmp(t, "[]", 2) == 0 || strncmp(t, "{}", 2) == 0)) {
        cJSON *inner = type_schema(t + 2, len - 2, false);
        if (!inner) {
            cJSON_Delete(s);
            return NULL;
        }
        cJSON_AddStringToObject(s, "type", t[0] == '[' ? "array" : "object");
        cJSON_AddItemToObject(s, t[0] == '[' ? "items" : "additionalProperties", inner);
        return s;
    }
    if (len == 3 && strncmp(t, "map", 3) == 0) {
        cJSON_AddStringToObject(s, "type", "object");
        cJSON *inner = cJSON_AddObjectToObject(s, "additionalProperties");
        cJSON_AddStringToObject(inner, "type", "string");
        return s;
    }
    if (*t == '@') {
        char ref[300] = "#/components/schemas/";
        size_t n = strlen(ref);
        full_name(t + 1, len - 1, ref + n, sizeof(ref) - n);
        if (!top) {
            cJSON_AddStringToObject(s, "$ref", ref);
            return s;
        }
        cJSON *one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "$ref", ref);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(s, "allOf"), one);
        return s;
    }
    for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
        if (strlen(scalars[i][0]) == len && strncmp(t, scalars[i][0], len) == 0) {
            cJSON_AddStringToObject(s, "type", scalars[i][1]);
            if (scalars[i][2])
                cJSON_AddStringToObject(s, "format", scalars[i][2]);
            return s;
        }
    }
    cJSON_Delete(s);
    return NULL; /* a typo in the table: the unit test catches it */
}

static cJSON *property(const struct ks_openapi_row *r, cJSON *required)
{
    const char *t = r->type;
    const char *merge = strchr(t, '~');
    size_t len;

    if (*t == '!') {
        cJSON_AddItemToArray(required, cJSON_CreateString(r->name));
        t++;
    }
    len = merge ? (size_t)(merge - t) : strlen(t);
    cJSON *s = type_schema(t, len, true);
    if (!s)
        return NULL;
    cJSON_AddStringToObject(s, "description", r->desc);
    if (merge) {
        if (merge[1])
            cJSON_AddStringToObject(s, "x-kubernetes-patch-merge-key", merge + 1);
        cJSON_AddStringToObject(s, "x-kubernetes-patch-strategy", "merge");
    }
    return s;
}

/* "apps/v1" or "v1" -> group, version */
static void split_gv(const char *gv, char *group, size_t gcap, const char **version)
{
    const char *slash = strchr(gv, '/');

    snprintf(group, gcap, "%.*s", slash ? (int)(slash - gv) : 0, gv);
    *version = slash ? slash + 1 : gv;
}

/* props.name = {"description": desc, "type": "string"} (apiVersion, kind). */
static void string_property(cJSON *props, const char *name, const char *desc)
{
    cJSON *p = cJSON_AddObjectToObject(props, name);
    cJSON_AddStringToObject(p, "description", desc);
    cJSON_AddStringToObject(p, "type", "string");
}

static cJSON *build_schema(size_t i)
{
    const struct ks_openapi_row *d = &ks_openapi_rows[i];
    cJSON *s;

    if (d->what == 'D' && d->type) {
        s = cJSON_Parse(d->type);
        if (s)
            cJSON_AddStringToObject(s, "description", d->desc);
        return s;
    }
    s = cJSON_CreateObject();
    if (!s)
        return NULL;
    cJSON_AddStringToObject(s, "description", d->desc);
    cJSON_AddStringToObject(s, "type", "object");
    cJSON *props = cJSON_AddObjectToObject(s, "properties");
    cJSON *required = cJSON_CreateArray();
    if (d->what == 'K') {
        string_property(props, "apiVersion",
                        "Versioned schema of this representation of the object, as "
                        "group/version (just the version for the core group).");
        string_property(props, "kind",
                        "The REST kind this object represents, in CamelCase. Servers may "
                        "infer it from the endpoint; it cannot be changed.");
    }
    for (size_t j = i + 1; j < ks_openapi_n_rows && ks_openapi_rows[j].what == 'P'; j++) {
        cJSON *p = property(&ks_openapi_rows[j], required);
        if (!p) {
            cJSON_Delete(required);
            cJSON_Delete(s);
            return NULL;
        }
        cJSON_AddItemToObject(props, ks_openapi_rows[j].name, p);
    }
    if (cJSON_GetArraySize(required) > 0)
        cJSON_AddItemToObject(s, "required", required);
    else
        cJSON_Delete(required);
    if (d->what == 'K') {
        char group[96];
        const char *version, *kind = strrchr(d->name, '.') + 1;
        split_gv(d->type, group, sizeof(group), &version);
        cJSON *gvk = cJSON_CreateObject();
        cJSON_AddStringToObject(gvk, "group", group);
        cJSON_AddStringToObject(gvk, "kind", kind);
        cJSON_AddStringToObject(gvk, "version", version);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(s, "x-kubernetes-group-version-kind"), gvk);
    }
    return s;
}

/* Writes to out the schema name of the built-in kind group/version/kind
 * ("apps","v1","Deployment" -> "io.k8s.api.apps.v1.Deployment"); false
 * when kubesim has no schema for it. */
static bool builtin_name(const char *group, const char *version, const char *kind, char *out,
                         size_t cap)
{
    for (size_t i = 0; i < ks_openapi_n_rows; i++) {
        const struct ks_openapi_row *r = &ks_openapi_rows[i];
        char g[96];
        const char *v;

        if (r->what != 'K')
            continue;
        split_gv(r->type, g, sizeof(g), &v);
        if (strcmp(g, group) == 0 && strcmp(v, version) == 0 &&
            strcmp(strrchr(r->name, '.') + 1, kind) == 0) {
            full_name(r->name, strlen(r->name), out, cap);
            return true;
        }
    }
    return false;
}

/* Adds the built-in schema named name (a full name) to schemas with every
 * schema it references, unless already there. False when a name is
 * unknown or memory runs out. */
static bool builtin_add(cJSON *schemas, const char *name)
{
    size_t i;
    cJSON *s;

    if (cJSON_GetObjectItemCaseSensitive(schemas, name))
        return true;
    i = find_schema(name);
    if (i == ks_openapi_n_rows || !(s = build_schema(i)))
        return false;
    cJSON_AddItemToObject(schemas, name, s);
    /* Added before its references: a cycle ends at the check above. */
    for (size_t j = i + 1; j < ks_openapi_n_rows && ks_openapi_rows[j].what == 'P'; j++) {
        const char *at = strchr(ks_openapi_rows[j].type, '@');
        const char *end = at ? strchr(at, '~') : NULL;
        char ref[256];

        if (!at)
            continue;
        full_name(at + 1, end ? (size_t)(end - at - 1) : strlen(at + 1), ref, sizeof(ref));
        if (!builtin_add(schemas, ref))
            return false;
    }
    return true;
}

/* ---- documents ---- */

/* The CRD's schema, with apiVersion/kind/metadata filled in as the
 * apiserver publishes it. */
static cJSON *cr_schema(const ks_rtype *rt)
{
    cJSON *s = cJSON_Duplicate(rt->schema, true);
    if (!s)
        return NULL;
    cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
    if (!props)
        props = cJSON_AddObjectToObject(s, "properties");
    cJSON_DeleteItemFromObjectCaseSensitive(props, "apiVersion");
    cJSON_DeleteItemFromObjectCaseSensitive(props, "kind");
    cJSON_DeleteItemFromObjectCaseSensitive(props, "metadata");
    string_property(props, "apiVersion",
                    "APIVersion defines the versioned schema of this representation of "
                    "an object.");
    string_property(props, "kind",
                    "Kind is a string value representing the REST resource this object "
                    "represents.");
    cJSON *m = cJSON_AddObjectToObject(props, "metadata");
    cJSON *all = cJSON_AddArrayToObject(m, "allOf");
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, "$ref", "#/components/schemas/" OBJECT_META);
    cJSON_AddItemToArray(all, ref);
    cJSON_AddStringToObject(m, "description", "Standard object's metadata.");
    cJSON *gvks = cJSON_AddArrayToObject(s, "x-kubernetes-group-version-kind");
    cJSON *gvk = cJSON_CreateObject();
    cJSON_AddStringToObject(gvk, "group", rt->group);
    cJSON_AddStringToObject(gvk, "kind", rt->kind);
    cJSON_AddStringToObject(gvk, "version", rt->version);
    cJSON_AddItemToArray(gvks, gvk);
    return s;
}

static void add_paths(cJSON *paths, const ks_rtype *rt, const char *ref)
{
    char base[512], item[600];
    const char *prefix = *rt->group ? "/apis/" : "/api/";

    snprintf(base, sizeof(base), "%s%s%s%s%s/%s", prefix, rt->group, *rt->group ? "/" : "",
             rt->version, rt->namespaced ? "/namespaces/{namespace}" : "", rt->resource);
    snprintf(item, sizeof(item), "%s/{name}", base);
    cJSON *coll = cJSON_AddObjectToObject(paths, base);
    cJSON_AddItemToObject(coll, "get",
                          operation(rt, rt->namespaced ? "listNamespaced" : "list", false, NULL));
    if (rt->verbs & KS_V_CREATE)
        cJSON_AddItemToObject(coll, "post", operation(rt, "create", true, ref));
    cJSON *one = cJSON_AddObjectToObject(paths, item);
    cJSON_AddItemToObject(one, "get", operation(rt, "read", false, ref));
    if (rt->verbs & KS_V_UPDATE)
        cJSON_AddItemToObject(one, "put", operation(rt, "replace", true, ref));
    if (rt->verbs & KS_V_PATCH)
        cJSON_AddItemToObject(one, "patch", operation(rt, "patch", true, ref));
    if (rt->verbs & KS_V_DELETE)
        cJSON_AddItemToObject(one, "delete", operation(rt, "delete", false, NULL));
}

/* The document of one group/version, or NULL when it has no types. */
static cJSON *gv_document(const ks_registry *reg, const char *group, const char *version)
{
    cJSON *doc = NULL, *paths = NULL, *schemas = NULL;
    size_t n = ks_registry_count(reg);

    for (size_t i = 0; i < n; i++) {
        const ks_rtype *rt = ks_registry_at(reg, i);
        char name[256], ref[300];

        if (!rt || strcmp(rt->group, group) != 0 || strcmp(rt->version, version) != 0)
            continue;
        if (!doc) {
            doc = cJSON_CreateObject();
            cJSON_AddStringToObject(doc, "openapi", "3.0.0");
            cJSON *info = cJSON_AddObjectToObject(doc, "info");
            cJSON_AddStringToObject(info, "title", "Kubernetes");
            /* /version's gitVersion up to a '-', as the real server fills
             * info.version (genericapiserver's Complete). */
            cJSON_AddStringToObject(info, "version", "v1.26.4+636f2be");
            paths = cJSON_AddObjectToObject(doc, "paths");
            cJSON *comp = cJSON_AddObjectToObject(doc, "components");
            schemas = cJSON_AddObjectToObject(comp, "schemas");
            builtin_add(schemas, OBJECT_META);
            builtin_add(schemas, STATUS);
        }
        if (rt->origin == KS_RT_VIRTUAL)
            continue;
        ref[0] = '\0';
        if (rt->has_scale)
            builtin_add(schemas, SCALE);
        if (rt->origin == KS_RT_BUILTIN &&
            builtin_name(rt->group, rt->version, rt->kind, name, sizeof(name)) &&
            builtin_add(schemas, name))
            snprintf(ref, sizeof(ref), "#/components/schemas/%s", name);
        if (rt->origin == KS_RT_CUSTOM && rt->schema) {
            schema_name(rt, name, sizeof(name));
            cJSON *sch = cr_schema(rt);
            if (sch) {
                cJSON_AddItemToObject(schemas, name, sch);
                snprintf(ref, sizeof(ref), "#/components/schemas/%s", name);
            }
        }
        add_paths(paths, rt, *ref ? ref : NULL);
    }
    return doc;
}

static void add_root_entry(cJSON *paths, const ks_registry *reg, const char *group,
                           const char *version)
{
    char key[256], url[400];
    cJSON *doc;
    char *text;
    uint64_t h = 0xcbf29ce484222325ull;

    snprintf(key, sizeof(key), "%s%s/%s", *group ? "apis/" : "api", group, version);
    if (!*group)
        snprintf(key, sizeof(key), "api/%s", version);
    if (cJSON_GetObjectItemCaseSensitive(paths, key))
        return;
    doc = gv_document(reg, group, version);
    text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    for (const char *p = text ? text : ""; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 0x100000001b3ull;
    }
    snprintf(url, sizeof(url), "/openapi/v3/%s?hash=%016llX", key, (unsigned long long)h);
    cJSON *e = cJSON_AddObjectToObject(paths, key);
    cJSON_AddStringToObject(e, "serverRelativeURL", url);
    free(text);
    cJSON_Delete(doc);
}

bool ks_openapi_handle(ks_sim *s, const ks_req *req, ks_resp *resp)
{
    cJSON *doc = NULL;
    const char *p = req->path;

    if (strcmp(p, "/openapi/v3") == 0 || strcmp(p, "/openapi/v3/") == 0) {
        doc = cJSON_CreateObject();
        cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
        size_t n = ks_registry_count(s->reg);
        for (size_t i = 0; i < n; i++) {
            const ks_rtype *rt = ks_registry_at(s->reg, i);
            if (rt && rt->origin != KS_RT_VIRTUAL)
                add_root_entry(paths, s->reg, rt->group, rt->version);
        }
    } else if (strncmp(p, "/openapi/v3/api/", 16) == 0 && !strchr(p + 16, '/')) {
        doc = gv_document(s->reg, "", p + 16);
    } else if (strncmp(p, "/openapi/v3/apis/", 17) == 0) {
        const char *g = p + 17, *slash = strchr(g, '/');
        if (slash && !strchr(slash + 1, '/') && slash[1]) {
            char group[128];
            snprintf(group, sizeof(group), "%.*s", (int)(slash - g), g);
            doc = gv_document(s->reg, group, slash + 1);
        }
    }
    if (!doc) {
        resp->status = 404;
        snprintf(resp->content_type, sizeof(resp->content_type), "text/plain; charset=utf-8");
        ebb_strbuf_adds(&resp->body, "404 page not found\n");
        return true;
    }
    ks_resp_json(resp, 200, doc);
    cJSON_Delete(doc);
    return true;
}
