/* kubesim_openapi_test.c -- kubesim's OpenAPI v3 documents (cmd/kubesim/
 * openapi*.c) driven in-process through ks_api_handle: the /openapi/v3
 * index with its hash URLs, the schemas of the built-in kinds under the
 * real server's names with their x-kubernetes-group-version-kind (what
 * `kubectl explain` looks for), references that all resolve within their
 * document, and a CRD's schema next to them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubesim_request.h"
#include "yaml_json.h"

#include "../../cmd/kubesim/ks.h"

#define CRD "crds/ebb.dev_scalingpolicies.yaml"
#define SCHEMAS "#/components/schemas/"

/* GET target (a path, maybe with "?query") as the admin; the JSON body,
 * or NULL. *status gets the HTTP status. */
static cJSON *get(ks_sim *s, const char *target, int *status)
{
    struct ks_header hdr;
    char auth[160];
    ks_resp resp;
    cJSON *body;

    snprintf(auth, sizeof(auth), "Bearer %s", s->tokens[0].token);
    hdr.name = (char *)"Authorization";
    hdr.value = auth;
    ks_test_request(s, "GET", target, &hdr, 1, NULL, &resp);
    *status = resp.status;
    body = cJSON_Parse(resp.body.buf);
    ks_test_resp_release(&resp);
    return body;
}

static cJSON *get_ok(ks_sim *s, const char *target)
{
    int status = 0;
    cJSON *body = get(s, target, &status);

    if (status != 200)
        fprintf(stderr, "GET %s: %d\n", target, status);
    assert_int_equal(status, 200);
    assert_non_null(body);
    return body;
}

static const cJSON *obj(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = obj(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static const cJSON *schema(const cJSON *doc, const char *name)
{
    return obj(obj(obj(doc, "components"), "schemas"), name);
}

/* The $ref a property points at, directly or through allOf[0]. */
static const char *ref_of(const cJSON *prop)
{
    const cJSON *all = obj(prop, "allOf");
    return str(cJSON_IsArray(all) ? cJSON_GetArrayItem(all, 0) : prop, "$ref");
}

static bool has_gvk(const cJSON *sch, const char *group, const char *version, const char *kind)
{
    const cJSON *g;

    cJSON_ArrayForEach(g, obj(sch, "x-kubernetes-group-version-kind"))
    {
        if (strcmp(str(g, "group"), group) == 0 && strcmp(str(g, "version"), version) == 0 &&
            strcmp(str(g, "kind"), kind) == 0)
            return true;
    }
    return false;
}

static bool contains_string(const cJSON *arr, const char *want)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, want) == 0)
            return true;
    }
    return false;
}

/* Every "$ref" under node names a schema of doc; returns how many. */
static int check_refs(const cJSON *doc, const cJSON *node, const char *where)
{
    int n = 0;
    const cJSON *it;

    if (node->string && strcmp(node->string, "$ref") == 0 && cJSON_IsString(node)) {
        const char *ref = node->valuestring;
        bool ok = strncmp(ref, SCHEMAS, strlen(SCHEMAS)) == 0 &&
                  schema(doc, ref + strlen(SCHEMAS)) != NULL;
        if (!ok)
            fprintf(stderr, "%s: dangling %s\n", where, ref);
        assert_true(ok);
        return 1;
    }
    cJSON_ArrayForEach(it, node) n += check_refs(doc, it, where);
    return n;
}

static void create_crd(ks_sim *s)
{
    FILE *f = fopen(CRD, "rb");
    char *text = NULL, *body;
    size_t cap = 0, len;
    ks_req req;
    ks_resp resp;
    struct ks_header hdrs[2];
    char auth[160];

    assert_non_null(f);
    len = (size_t)getdelim(&text, &cap, '\0', f);
    fclose(f);
    assert_true(len > 0);
    cJSON *crd = ebbt_yaml_to_json(text);
    free(text);
    assert_non_null(crd);
    body = cJSON_PrintUnformatted(crd);
    cJSON_Delete(crd);

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    ebb_strbuf_init(&resp.body);
    snprintf(req.method, sizeof(req.method), "POST");
    req.path = strdup("/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
    req.query = strdup("");
    ks_req_parse_query(&req);
    snprintf(auth, sizeof(auth), "Bearer %s", s->tokens[0].token);
    hdrs[0].name = "Authorization";
    hdrs[0].value = auth;
    hdrs[1].name = "Content-Type";
    hdrs[1].value = "application/json";
    req.headers = hdrs;
    req.n_headers = 2;
    req.body = body;
    req.body_len = strlen(body);
    ks_api_handle(s, &req, &resp);
    if (resp.status != 201)
        fprintf(stderr, "create CRD: %d %s\n", resp.status, resp.body.buf);
    assert_int_equal(resp.status, 201);
    for (size_t i = 0; i < resp.n_extra; i++) {
        free(resp.extra[i].name);
        free(resp.extra[i].value);
    }
    ebb_strbuf_release(&resp.body);
    free(req.path);
    ks_req_release_query(&req);
    free(req.query);
    free(body);
}

static int setup(void **state)
{
    struct ks_config cfg;
    char err[256];
    ks_sim *s = calloc(1, sizeof(*s));

    if (!s)
        return -1;
    ks_config_defaults(&cfg);
    cfg.seed = 42;
    if (ks_sim_init(s, &cfg, false, err, sizeof(err)) != 0) {
        fprintf(stderr, "ks_sim_init: %s\n", err);
        ks_sim_destroy(s);
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    ks_sim *s = *state;
    ks_sim_destroy(s);
    free(s);
    return 0;
}

/* ---- the index ------------------------------------------------------------------------- */

static void test_index_lists_group_versions(void **state)
{
    ks_sim *s = *state;
    static const char *const want[] = {
        "api/v1",
        "apis/apps/v1",
        "apis/autoscaling/v1",
        "apis/autoscaling/v2",
        "apis/batch/v1",
        "apis/coordination.k8s.io/v1",
        "apis/events.k8s.io/v1",
        "apis/apiextensions.k8s.io/v1",
    };
    cJSON *root = get_ok(s, "/openapi/v3");
    const cJSON *paths = obj(root, "paths"), *e;

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const cJSON *entry = obj(paths, want[i]);
        if (!entry)
            fprintf(stderr, "missing %s\n", want[i]);
        assert_non_null(entry);
    }
    /* Each entry: /openapi/v3/<key>?hash=<16 hex digits>, and it serves. */
    cJSON_ArrayForEach(e, paths)
    {
        char prefix[300];
        const char *url = str(e, "serverRelativeURL");
        snprintf(prefix, sizeof(prefix), "/openapi/v3/%s?hash=", e->string);
        assert_int_equal(strncmp(url, prefix, strlen(prefix)), 0);
        const char *hash = url + strlen(prefix);
        assert_int_equal(strlen(hash), 16);
        for (const char *h = hash; *h; h++)
            assert_true(isxdigit((unsigned char)*h));
        cJSON_Delete(get_ok(s, url));
    }
    /* The hash is of the content: the same twice, and a CRD changes only
     * the index entry of its own group/version. */
    cJSON *again = get_ok(s, "/openapi/v3");
    assert_true(cJSON_Compare(root, again, true));
    create_crd(s);
    cJSON *after = get_ok(s, "/openapi/v3");
    assert_non_null(obj(obj(after, "paths"), "apis/ebb.dev/v1alpha1"));
    assert_string_equal(str(obj(obj(after, "paths"), "apis/apps/v1"), "serverRelativeURL"),
                        str(obj(paths, "apis/apps/v1"), "serverRelativeURL"));
    cJSON_Delete(after);
    cJSON_Delete(again);
    cJSON_Delete(root);
}

static void test_unknown_documents_404(void **state)
{
    ks_sim *s = *state;
    static const char *const paths[] = {"/openapi/v3/apis/nope.dev/v1", "/openapi/v3/api/v2",
                                        "/openapi/v3/apis/apps", "/openapi/v3/apis/apps/v1/x"};

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        int status = 0;
        cJSON_Delete(get(s, paths[i], &status));
        assert_int_equal(status, 404);
    }
}

/* ---- the built-in kinds ---------------------------------------------------------------- */

static void test_apps_v1_deployment(void **state)
{
    ks_sim *s = *state;
    cJSON *doc = get_ok(s, "/openapi/v3/apis/apps/v1");
    const cJSON *d = schema(doc, "io.k8s.api.apps.v1.Deployment");

    assert_non_null(d);
    assert_true(has_gvk(d, "apps", "v1", "Deployment"));
    assert_string_equal(str(d, "type"), "object");
    const cJSON *props = obj(d, "properties");
    assert_string_equal(str(obj(props, "apiVersion"), "type"), "string");
    assert_string_equal(str(obj(props, "kind"), "type"), "string");
    assert_string_equal(ref_of(obj(props, "metadata")),
                        SCHEMAS "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    assert_string_equal(ref_of(obj(props, "spec")), SCHEMAS "io.k8s.api.apps.v1.DeploymentSpec");
    assert_string_equal(ref_of(obj(props, "status")),
                        SCHEMAS "io.k8s.api.apps.v1.DeploymentStatus");

    /* spec.replicas, as `kubectl explain deployment.spec.replicas` reads it */
    const cJSON *spec = schema(doc, "io.k8s.api.apps.v1.DeploymentSpec");
    assert_non_null(spec);
    const cJSON *replicas = obj(obj(spec, "properties"), "replicas");
    assert_string_equal(str(replicas, "type"), "integer");
    assert_string_equal(str(replicas, "format"), "int32");
    assert_true(strlen(str(replicas, "description")) > 10);
    assert_true(contains_string(obj(spec, "required"), "selector"));
    assert_true(contains_string(obj(spec, "required"), "template"));
    assert_false(contains_string(obj(spec, "required"), "replicas"));
    assert_string_equal(ref_of(obj(obj(spec, "properties"), "template")),
                        SCHEMAS "io.k8s.api.core.v1.PodTemplateSpec");

    /* what template and status lead to is in the same document */
    const cJSON *c = schema(doc, "io.k8s.api.core.v1.Container");
    assert_non_null(c);
    assert_string_equal(str(obj(obj(c, "properties"), "image"), "type"), "string");
    const cJSON *ports = obj(obj(c, "properties"), "ports");
    assert_string_equal(str(ports, "x-kubernetes-patch-merge-key"), "containerPort");
    assert_string_equal(str(ports, "x-kubernetes-patch-strategy"), "merge");
    const cJSON *limits =
        obj(obj(schema(doc, "io.k8s.api.core.v1.ResourceRequirements"), "properties"), "limits");
    assert_string_equal(str(obj(limits, "additionalProperties"), "$ref"),
                        SCHEMAS "io.k8s.apimachinery.pkg.api.resource.Quantity");
    const cJSON *st = obj(schema(doc, "io.k8s.api.apps.v1.DeploymentStatus"), "properties");
    assert_string_equal(str(obj(st, "readyReplicas"), "type"), "integer");
    assert_string_equal(str(obj(st, "conditions"), "type"), "array");
    assert_string_equal(str(obj(obj(st, "conditions"), "items"), "$ref"),
                        SCHEMAS "io.k8s.api.apps.v1.DeploymentCondition");

    /* Scale (for /scale) and Status, with their own kinds */
    assert_true(
        has_gvk(schema(doc, "io.k8s.api.autoscaling.v1.Scale"), "autoscaling", "v1", "Scale"));
    assert_true(
        has_gvk(schema(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.Status"), "", "v1", "Status"));

    /* the item path's GET answers a Deployment */
    const cJSON *get_op = obj(
        obj(obj(doc, "paths"), "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"), "get");
    assert_non_null(get_op);
    assert_string_equal(
        str(obj(obj(obj(obj(obj(get_op, "responses"), "200"), "content"), "application/json"),
                "schema"),
            "$ref"),
        SCHEMAS "io.k8s.api.apps.v1.Deployment");
    cJSON_Delete(doc);
}

static void test_core_and_other_groups(void **state)
{
    ks_sim *s = *state;
    static const struct {
        const char *doc, *name, *group, *version, *kind, *field;
    } kinds[] = {
        {"/openapi/v3/api/v1", "io.k8s.api.core.v1.Pod", "", "v1", "Pod", "spec"},
        {"/openapi/v3/api/v1", "io.k8s.api.core.v1.Namespace", "", "v1", "Namespace", "status"},
        {"/openapi/v3/api/v1", "io.k8s.api.core.v1.ConfigMap", "", "v1", "ConfigMap", "data"},
        {"/openapi/v3/api/v1", "io.k8s.api.core.v1.Event", "", "v1", "Event", "involvedObject"},
        {"/openapi/v3/apis/events.k8s.io/v1", "io.k8s.api.events.v1.Event", "events.k8s.io", "v1",
         "Event", "regarding"},
        {"/openapi/v3/apis/coordination.k8s.io/v1", "io.k8s.api.coordination.v1.Lease",
         "coordination.k8s.io", "v1", "Lease", "spec"},
        {"/openapi/v3/apis/apps/v1", "io.k8s.api.apps.v1.StatefulSet", "apps", "v1", "StatefulSet",
         "spec"},
        {"/openapi/v3/apis/apps/v1", "io.k8s.api.apps.v1.ReplicaSet", "apps", "v1", "ReplicaSet",
         "status"},
        {"/openapi/v3/apis/autoscaling/v2", "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
         "autoscaling", "v2", "HorizontalPodAutoscaler", "spec"},
        {"/openapi/v3/apis/autoscaling/v1", "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler",
         "autoscaling", "v1", "HorizontalPodAutoscaler", "spec"},
        {"/openapi/v3/apis/apiextensions.k8s.io/v1",
         "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
         "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "spec"},
    };

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        cJSON *doc = get_ok(s, kinds[i].doc);
        const cJSON *sch = schema(doc, kinds[i].name);
        if (!sch)
            fprintf(stderr, "%s: no %s\n", kinds[i].doc, kinds[i].name);
        assert_non_null(sch);
        assert_true(has_gvk(sch, kinds[i].group, kinds[i].version, kinds[i].kind));
        assert_non_null(obj(obj(sch, "properties"), kinds[i].field));
        cJSON_Delete(doc);
    }

    cJSON *core = get_ok(s, "/openapi/v3/api/v1");
    const cJSON *pod_spec = obj(schema(core, "io.k8s.api.core.v1.PodSpec"), "properties");
    const cJSON *containers = obj(pod_spec, "containers");
    assert_string_equal(str(containers, "x-kubernetes-patch-merge-key"), "name");
    assert_string_equal(str(obj(containers, "items"), "$ref"),
                        SCHEMAS "io.k8s.api.core.v1.Container");
    assert_true(
        contains_string(obj(schema(core, "io.k8s.api.core.v1.PodSpec"), "required"), "containers"));
    const cJSON *meta =
        obj(schema(core, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), "properties");
    assert_string_equal(str(obj(meta, "generation"), "format"), "int64");
    assert_string_equal(str(obj(meta, "creationTimestamp"), "format"), "date-time");
    assert_string_equal(str(obj(obj(meta, "labels"), "additionalProperties"), "type"), "string");
    /* core/v1 has no /scale: no Scale schema there */
    assert_null(schema(core, "io.k8s.api.autoscaling.v1.Scale"));
    cJSON_Delete(core);
}

/* For every document: each kind its operations name has a schema, each
 * $ref resolves in the document, each built-in kind's schema a GVK. */
static void test_documents_are_self_contained(void **state)
{
    ks_sim *s = *state;
    int refs = 0, kinds = 0;

    create_crd(s);
    cJSON *root = get_ok(s, "/openapi/v3");
    const cJSON *e;
    cJSON_ArrayForEach(e, obj(root, "paths"))
    {
        cJSON *doc = get_ok(s, str(e, "serverRelativeURL"));
        const cJSON *path, *op;
        refs += check_refs(doc, doc, e->string);
        cJSON_ArrayForEach(path, obj(doc, "paths"))
        {
            cJSON_ArrayForEach(op, path)
            {
                const cJSON *gvk = obj(op, "x-kubernetes-group-version-kind");
                bool found = false;
                const cJSON *sch;
                cJSON_ArrayForEach(sch, obj(obj(doc, "components"), "schemas"))
                {
                    found |= has_gvk(sch, str(gvk, "group"), str(gvk, "version"), str(gvk, "kind"));
                }
                if (!found)
                    fprintf(stderr, "%s: no schema for %s/%s %s\n", e->string, str(gvk, "group"),
                            str(gvk, "version"), str(gvk, "kind"));
                assert_true(found);
                kinds++;
            }
        }
        cJSON_Delete(doc);
    }
    assert_true(refs > 100);
    assert_true(kinds > 50);
    cJSON_Delete(root);
}

/* ---- custom resources ------------------------------------------------------------------ */

static void test_crd_schema_next_to_builtins(void **state)
{
    ks_sim *s = *state;

    create_crd(s);
    cJSON *doc = get_ok(s, "/openapi/v3/apis/ebb.dev/v1alpha1");
    const cJSON *sp = schema(doc, "dev.ebb.v1alpha1.ScalingPolicy");
    assert_non_null(sp);
    assert_true(has_gvk(sp, "ebb.dev", "v1alpha1", "ScalingPolicy"));
    const cJSON *spec = obj(obj(sp, "properties"), "spec");
    assert_non_null(obj(obj(spec, "properties"), "minReplicas"));
    assert_non_null(obj(obj(spec, "properties"), "maxReplicas"));
    assert_string_equal(ref_of(obj(obj(sp, "properties"), "metadata")),
                        SCHEMAS "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    /* the built-in schemas it references are there, Deployment's are not */
    assert_non_null(schema(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
    assert_non_null(schema(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"));
    assert_null(schema(doc, "io.k8s.api.apps.v1.Deployment"));
    cJSON_Delete(doc);

    /* and the apiextensions document still describes the CRD kind */
    doc = get_ok(s, "/openapi/v3/apis/apiextensions.k8s.io/v1");
    assert_non_null(schema(
        doc, "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"));
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_index_lists_group_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_documents_404, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apps_v1_deployment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_core_and_other_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_documents_are_self_contained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crd_schema_next_to_builtins, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
