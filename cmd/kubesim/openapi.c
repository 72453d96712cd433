/*
 * kubesim: OpenAPI v3 documents (see discovery.c for what kubectl needs
 * from them). /openapi/v3 lists one document per group/version with a
 * content hash; /openapi/v3/api/v1 and /openapi/v3/apis/<g>/<v> hold, per
 * resource, its collection and item paths with their operations and
 * query parameters, and, for custom resources, the CRD's schema under
 * components.schemas with x-kubernetes-group-version-kind.
 */
#include "ks.h"

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

static cJSON *object_meta_schema(void)
{
    return cJSON_Parse(
        "{\"description\":\"ObjectMeta is metadata that all persisted resources must have.\","
        "\"type\":\"object\",\"properties\":{"
        "\"name\":{\"description\":\"Name must be unique within a "
        "namespace.\",\"type\":\"string\"},"
        "\"namespace\":{\"description\":\"Namespace defines the space within which each name must "
        "be unique.\",\"type\":\"string\"},"
        "\"labels\":{\"description\":\"Map of string keys and values that can be used to organize "
        "and categorize objects.\",\"type\":\"object\",\"additionalProperties\":{\"type\":"
        "\"string\",\"default\":\"\"}},"
        "\"annotations\":{\"description\":\"Annotations is an unstructured key value map.\","
        "\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\",\"default\":\"\"}},"
        "\"uid\":{\"description\":\"UID is the unique in time and space value for this object.\","
        "\"type\":\"string\"},"
        "\"resourceVersion\":{\"description\":\"An opaque value that represents the internal "
        "version of this object.\",\"type\":\"string\"},"
        "\"generation\":{\"description\":\"A sequence number representing a specific generation "
        "of the desired state.\",\"type\":\"integer\",\"format\":\"int64\"},"
        "\"creationTimestamp\":{\"description\":\"Time the object was created.\",\"type\":"
        "\"string\",\"format\":\"date-time\"}}}");
}

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
    cJSON *av = cJSON_AddObjectToObject(props, "apiVersion");
    cJSON_AddStringToObject(av, "description",
                            "APIVersion defines the versioned schema of this representation of "
                            "an object.");
    cJSON_AddStringToObject(av, "type", "string");
    cJSON *k = cJSON_AddObjectToObject(props, "kind");
    cJSON_AddStringToObject(k, "description",
                            "Kind is a string value representing the REST resource this object "
                            "represents.");
    cJSON_AddStringToObject(k, "type", "string");
    cJSON *m = cJSON_AddObjectToObject(props, "metadata");
    cJSON *all = cJSON_AddArrayToObject(m, "allOf");
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, "$ref",
                            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
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
            cJSON_AddStringToObject(info, "version", "v1.32.0-kubesim");
            paths = cJSON_AddObjectToObject(doc, "paths");
            cJSON *comp = cJSON_AddObjectToObject(doc, "components");
            schemas = cJSON_AddObjectToObject(comp, "schemas");
            cJSON_AddItemToObject(schemas, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                                  object_meta_schema());
        }
        if (rt->origin == KS_RT_VIRTUAL)
            continue;
        ref[0] = '\0';
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
