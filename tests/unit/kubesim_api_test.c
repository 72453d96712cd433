/* kubesim_api_test.c -- kubesim's REST layer (cmd/kubesim/api*.c) driven
 * in-process through ks_api_handle with crafted requests: routing, authn
 * and authz (fixtures 28-30), create/get/update/patch/scale/status/delete
 * with the real server's Status bodies (fixtures 10-27, 40-49, 80-82,
 * 90-94), namespaces, pods, events, field validation and faults. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kubesim/ks.h"
/* struct ks_stream and http_stream_free: a watch's stream is inspected
 * and freed here the way http.c would. */
#include "../../cmd/kubesim/http_internal.h"
#include "kube_fixture.h"
#include "kubesim_request.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum who { ADMIN = 0, READER = 1, NOBODY = 2, ANON = -1, BADTOKEN = -2 };

struct res {
    int status;
    cJSON *body; /* NULL when not JSON */
    char *raw;   /* the body as sent */
    char ctype[96];
    char warning[512];
    char retry_after[32];
    ks_stream *stream; /* a watch: the test ends and frees it */
};

static void res_free(struct res *r)
{
    cJSON_Delete(r->body);
    free(r->raw);
    memset(r, 0, sizeof(*r));
}

/* One request through ks_api_handle. target: "/path" or "/path?query". */
static struct res call(ks_sim *s, const char *method, const char *target, int who,
                       const char *ctype, const char *body)
{
    struct ks_header hdrs[3];
    char auth[160];
    size_t nh = 0;
    ks_resp resp;
    struct res out;

    memset(&out, 0, sizeof(out));
    hdrs[nh].name = (char *)"User-Agent";
    hdrs[nh++].value = (char *)"demo-operator/0.1 (fixture-recorder)";
    if (who >= 0 || who == BADTOKEN) {
        snprintf(auth, sizeof(auth), "Bearer %s", who >= 0 ? s->tokens[who].token : "nope");
        hdrs[nh].name = (char *)"Authorization";
        hdrs[nh++].value = auth;
    }
    if (ctype) {
        hdrs[nh].name = (char *)"Content-Type";
        hdrs[nh++].value = (char *)ctype;
    }
    ks_test_request(s, method, target, hdrs, nh, body, &resp);
    out.status = resp.status;
    out.stream = resp.stream;
    out.raw = strdup(resp.body.buf);
    snprintf(out.ctype, sizeof(out.ctype), "%s", resp.content_type);
    out.body = cJSON_Parse(resp.body.buf);
    for (size_t i = 0; i < resp.n_extra; i++) {
        if (strcmp(resp.extra[i].name, "Warning") == 0)
            snprintf(out.warning, sizeof(out.warning), "%s", resp.extra[i].value);
        if (strcmp(resp.extra[i].name, "Retry-After") == 0)
            snprintf(out.retry_after, sizeof(out.retry_after), "%s", resp.extra[i].value);
    }
    ks_test_resp_release(&resp);
    return out;
}

static const char *jstr(const cJSON *o, const char *path)
{
    const char *s = ks_json_str(o, path);
    return s ? s : "";
}

static double jnum(const cJSON *o, const char *path)
{
    const cJSON *v = ks_json_path(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : -12345;
}

static void expect_code(const struct res *r, int code)
{
    if (r->status != code)
        fprintf(stderr, "unexpected %d: %s\n", r->status, r->raw ? r->raw : "");
    assert_int_equal(r->status, code);
}

static void assert_status(const struct res *r, int code, const char *reason, const char *msg)
{
    expect_code(r, code);
    assert_non_null(r->body);
    assert_string_equal(jstr(r->body, "kind"), "Status");
    assert_string_equal(jstr(r->body, "status"), "Failure");
    assert_string_equal(jstr(r->body, "reason"), reason);
    assert_int_equal((int)jnum(r->body, "code"), code);
    if (msg)
        assert_string_equal(jstr(r->body, "message"), msg);
}

/* ---- fixture bodies --------------------------------------------------------------------- */

static const char deploy_web[] =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
    "\"namespace\":\"demo\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":2,\"selector\":"
    "{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}"
    "},\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1.25\",\"ports\":[{"
    "\"containerPort\":80}]}]}}}}";

static const char crd_widgets[] =
    "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
    "\"metadata\":{\"name\":\"widgets.example.dev\"},\"spec\":{\"group\":\"example.dev\","
    "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"widgets\",\"singular\":\"widget\",\"kind\":"
    "\"Widget\",\"listKind\":\"WidgetList\",\"shortNames\":[\"wg\"]},\"versions\":[{\"name\":"
    "\"v1\",\"served\":true,\"storage\":true,\"subresources\":{\"status\":{},\"scale\":{"
    "\"specReplicasPath\":\".spec.replicas\",\"statusReplicasPath\":\".status.replicas\","
    "\"labelSelectorPath\":\".status.selector\"}},\"schema\":{\"openAPIV3Schema\":{\"type\":"
    "\"object\",\"properties\":{\"spec\":{\"type\":\"object\",\"required\":[\"size\"],"
    "\"properties\":{\"size\":{\"type\":\"string\",\"enum\":[\"small\",\"medium\",\"large\"]},"
    "\"replicas\":{\"type\":\"integer\",\"minimum\":0,\"default\":1},\"color\":{\"type\":"
    "\"string\"}}},\"status\":{\"type\":\"object\",\"properties\":{\"phase\":{\"type\":"
    "\"string\"},\"replicas\":{\"type\":\"integer\"},\"selector\":{\"type\":\"string\"},"
    "\"observedGeneration\":{\"type\":\"integer\",\"format\":\"int64\"}}}}}}}]}}";

static const char widget_a[] =
    "{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"widget-a\","
    "\"namespace\":\"demo\",\"labels\":{\"app\":\"widget-a\"}},\"spec\":{\"size\":\"small\","
    "\"color\":\"blue\"}}";

#define DEPLOYS "/apis/apps/v1/namespaces/demo/deployments"
#define WEB DEPLOYS "/web"
#define WIDGETS "/apis/example.dev/v1/namespaces/demo/widgets"

static void create_ok(ks_sim *s, const char *path, const char *body)
{
    struct res r = call(s, "POST", path, ADMIN, "application/json", body);
    if (r.status != 201)
        fprintf(stderr, "create %s: %d %s\n", path, r.status, r.raw);
    expect_code(&r, 201);
    res_free(&r);
}

static void make_ns(ks_sim *s, const char *name)
{
    char body[200];
    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{"
             "\"name\":\"%s\"}}",
             name);
    create_ok(s, "/api/v1/namespaces", body);
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
    make_ns(s, "demo");
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

/* ---- open endpoints, authn, authz -------------------------------------------------------- */

static void test_version_and_health(void **state)
{
    ks_sim *s = *state;
    struct res r = call(s, "GET", "/version", ANON, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "gitVersion"), "v1.26.4+636f2be");
    assert_non_null(strstr(r.raw, "{\n  \"major\": \"1\",\n  \"minor\": \"26\","));
    res_free(&r);
    static const char *const paths[] = {"/healthz", "/livez", "/readyz", "/healthz/ping"};
    for (size_t i = 0; i < N(paths); i++) {
        r = call(s, "GET", paths[i], ANON, NULL, NULL);
        expect_code(&r, 200);
        assert_string_equal(r.raw, "ok");
        assert_non_null(strstr(r.ctype, "text/plain"));
        res_free(&r);
    }
    r = call(s, "GET", "/readyz?verbose", ANON, NULL, NULL);
    expect_code(&r, 200);
    assert_non_null(strstr(r.raw, "[+]ping ok\n"));
    assert_non_null(strstr(r.raw, "readyz check passed"));
    res_free(&r);
}

static void test_unauthorized(void **state)
{
    ks_sim *s = *state;
    static const int whos[] = {ANON, BADTOKEN};
    for (size_t i = 0; i < N(whos); i++) {
        struct res r = call(s, "GET", DEPLOYS, whos[i], NULL, NULL);
        expect_code(&r, 401);
        /* fixture 30, byte for byte */
        assert_string_equal(r.raw, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                                   "\"status\":\"Failure\",\"message\":\"Unauthorized\","
                                   "\"reason\":\"Unauthorized\",\"code\":401}\n");
        res_free(&r);
    }
    /* discovery needs credentials too */
    struct res r = call(s, "GET", "/apis", ANON, NULL, NULL);
    expect_code(&r, 401);
    res_free(&r);
}

static void test_forbidden(void **state)
{
    ks_sim *s = *state;
    const ks_rtype *rt = ks_registry_find(s->reg, "", "v1", "namespaces");
    assert_non_null(rt);
    free(s->tokens[NOBODY].user);
    s->tokens[NOBODY].user = strdup("operator-test");

    struct {
        const char *method, *path;
        int who;
        const char *msg; /* NULL: allowed */
        const char *detail_name;
    } cases[] = {
        /* fixture 28 */
        {"GET", DEPLOYS, NOBODY,
         "deployments.apps is forbidden: User \"operator-test\" cannot list resource "
         "\"deployments\" in API group \"apps\" in the namespace \"demo\"",
         NULL},
        /* fixture 29 */
        {"PATCH", WEB "/scale", NOBODY,
         "deployments.apps \"web\" is forbidden: User \"operator-test\" cannot patch resource "
         "\"deployments/scale\" in API group \"apps\" in the namespace \"demo\"",
         "web"},
        {"GET", "/api/v1/nodes", NOBODY,
         "nodes is forbidden: User \"operator-test\" cannot list resource \"nodes\" in API "
         "group \"\" at the cluster scope",
         NULL},
        {"GET", "/api/v1/namespaces/demo", NOBODY,
         "namespaces \"demo\" is forbidden: User \"operator-test\" cannot get resource "
         "\"namespaces\" in API group \"\" in the namespace \"demo\"",
         "demo"},
        {"POST", DEPLOYS, READER,
         "deployments.apps is forbidden: User \"kubesim-reader\" cannot create resource "
         "\"deployments\" in API group \"apps\" in the namespace \"demo\"",
         NULL},
        {"DELETE", WEB, READER,
         "deployments.apps \"web\" is forbidden: User \"kubesim-reader\" cannot delete "
         "resource \"deployments\" in API group \"apps\" in the namespace \"demo\"",
         "web"},
        {"GET", DEPLOYS, READER, NULL, NULL},
        {"GET", "/api/v1/namespaces/demo", READER, NULL, NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct res r = call(s, cases[i].method, cases[i].path, cases[i].who,
                            "application/merge-patch+json", "{}");
        if (!cases[i].msg) {
            expect_code(&r, 200);
        } else {
            assert_status(&r, 403, "Forbidden", cases[i].msg);
            if (cases[i].detail_name)
                assert_string_equal(jstr(r.body, "details.name"), cases[i].detail_name);
            else
                assert_null(ks_json_path(r.body, "details.name"));
        }
        res_free(&r);
    }
    /* discovery stays open to any authenticated user */
    struct res r = call(s, "GET", "/apis", NOBODY, NULL, NULL);
    expect_code(&r, 200);
    res_free(&r);
}

static void test_not_found_paths(void **state)
{
    ks_sim *s = *state;
    struct res r = call(s, "GET", "/apis/nope.example/v1/things", ADMIN, NULL, NULL);
    expect_code(&r, 404);
    assert_string_equal(r.raw, "404 page not found\n");
    res_free(&r);
    r = call(s, "GET", "/apis/apps/v1/namespaces/demo/gadgets", ADMIN, NULL, NULL);
    assert_status(&r, 404, "NotFound", "the server could not find the requested resource");
    res_free(&r);
    r = call(s, "GET", "/nothing/here", ADMIN, NULL, NULL);
    expect_code(&r, 404);
    res_free(&r);
    /* a subresource the type does not have */
    r = call(s, "GET", "/api/v1/namespaces/demo/configmaps/x/scale", ADMIN, NULL, NULL);
    expect_code(&r, 404);
    res_free(&r);
    /* fixture 23, byte for byte */
    r = call(s, "GET", DEPLOYS "/does-not-exist", ADMIN, NULL, NULL);
    expect_code(&r, 404);
    assert_string_equal(r.raw, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                               "\"status\":\"Failure\",\"message\":\"deployments.apps "
                               "\\\"does-not-exist\\\" not found\",\"reason\":\"NotFound\","
                               "\"details\":{\"name\":\"does-not-exist\",\"group\":\"apps\","
                               "\"kind\":\"deployments\"},\"code\":404}\n");
    res_free(&r);
}

/* ---- create, get, update ------------------------------------------------------------------ */

static void test_create_get(void **state)
{
    ks_sim *s = *state;
    struct res r = call(s, "POST", DEPLOYS "?fieldManager=demo-operator", ADMIN, "application/json",
                        deploy_web);
    expect_code(&r, 201);
    assert_string_equal(jstr(r.body, "kind"), "Deployment");
    assert_string_equal(jstr(r.body, "apiVersion"), "apps/v1");
    assert_int_equal(strlen(jstr(r.body, "metadata.uid")), 36);
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 1);
    assert_true(strlen(jstr(r.body, "metadata.creationTimestamp")) == 20);
    assert_true(atoi(jstr(r.body, "metadata.resourceVersion")) > 0);
    const cJSON *mf = ks_json_path(r.body, "metadata.managedFields");
    assert_true(cJSON_IsArray(mf));
    assert_string_equal(cJSON_GetArrayItem(mf, 0)->child->valuestring, "demo-operator");
    /* key order as the real server writes it (fixture 10) */
    assert_non_null(strstr(r.raw, "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\","
                                  "\"metadata\":{\"name\":\"web\",\"namespace\":\"demo\","
                                  "\"uid\":"));
    assert_non_null(strstr(r.raw, "\"generation\":1,\"creationTimestamp\":"));
    char uid[40];
    snprintf(uid, sizeof(uid), "%s", jstr(r.body, "metadata.uid"));
    res_free(&r);

    r = call(s, "GET", WEB, ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "metadata.uid"), uid);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 2);
    res_free(&r);

    /* fixture 27, byte for byte */
    r = call(s, "POST", DEPLOYS, ADMIN, "application/json", deploy_web);
    expect_code(&r, 409);
    assert_string_equal(r.raw, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                               "\"status\":\"Failure\",\"message\":\"deployments.apps "
                               "\\\"web\\\" already exists\",\"reason\":\"AlreadyExists\","
                               "\"details\":{\"name\":\"web\",\"group\":\"apps\",\"kind\":"
                               "\"deployments\"},\"code\":409}\n");
    res_free(&r);
}

static void test_create_errors(void **state)
{
    ks_sim *s = *state;
    struct {
        const char *path, *body;
        int code;
        const char *reason, *msg;
    } cases[] = {
        {DEPLOYS, "{not json", 400, "BadRequest",
         "couldn't get version/kind; json parse error: invalid character 'n' looking for "
         "beginning of object key string"},
        {DEPLOYS, "[1,2]", 400, "BadRequest", NULL},
        {DEPLOYS,
         "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\","
         "\"namespace\":\"other\"}}",
         400, "BadRequest",
         "the namespace of the provided object does not match the namespace sent on the "
         "request"},
        {DEPLOYS, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{}}", 422,
         "Invalid",
         "Deployment.apps \"\" is invalid: metadata.name: Required value: name or generateName "
         "is required"},
        {DEPLOYS,
         "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\","
         "\"resourceVersion\":\"5\"}}",
         400, "BadRequest", "resourceVersion should not be set on objects to be created"},
        {"/apis/apps/v1/namespaces/nope/deployments",
         "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"}}", 404,
         "NotFound", "namespaces \"nope\" not found"},
        {"/api/v1/namespaces/demo/configmaps/named", "{}", 405, "MethodNotAllowed", NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct res r = call(s, "POST", cases[i].path, ADMIN, "application/json", cases[i].body);
        assert_status(&r, cases[i].code, cases[i].reason, cases[i].msg);
        res_free(&r);
    }
}

static void test_generate_name(void **state)
{
    ks_sim *s = *state;
    struct res r = call(s, "POST", "/api/v1/namespaces/demo/configmaps", ADMIN, "application/json",
                        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
                        "\"generateName\":\"cfg-\"},\"data\":{\"a\":\"1\"}}");
    expect_code(&r, 201);
    const char *name = jstr(r.body, "metadata.name");
    assert_int_equal(strlen(name), 9);
    assert_memory_equal(name, "cfg-", 4);
    assert_string_equal(jstr(r.body, "metadata.generateName"), "cfg-");
    /* ConfigMaps have no generation */
    assert_null(ks_json_path(r.body, "metadata.generation"));
    res_free(&r);
}

static char *get_rv(ks_sim *s, const char *path)
{
    struct res r = call(s, "GET", path, ADMIN, NULL, NULL);
    expect_code(&r, 200);
    char *rv = strdup(jstr(r.body, "metadata.resourceVersion"));
    res_free(&r);
    return rv;
}

static void test_put(void **state)
{
    ks_sim *s = *state;
    create_ok(s, DEPLOYS, deploy_web);
    struct res g = call(s, "GET", WEB, ADMIN, NULL, NULL);
    char *rv = strdup(jstr(g.body, "metadata.resourceVersion"));

    /* fixture 21: a stale resourceVersion */
    cJSON *body = cJSON_Duplicate(g.body, true);
    ks_json_set_path(body, "metadata.resourceVersion", cJSON_CreateString("1"));
    ks_json_set_path(body, "spec.replicas", cJSON_CreateNumber(5));
    char *text = cJSON_PrintUnformatted(body);
    struct res r = call(s, "PUT", WEB, ADMIN, "application/json", text);
    expect_code(&r, 409);
    assert_string_equal(r.raw, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                               "\"status\":\"Failure\",\"message\":\"Operation cannot be "
                               "fulfilled on deployments.apps \\\"web\\\": the object has been "
                               "modified; please apply your changes to the latest version and "
                               "try again\",\"reason\":\"Conflict\",\"details\":{\"name\":"
                               "\"web\",\"group\":\"apps\",\"kind\":\"deployments\"},"
                               "\"code\":409}\n");
    res_free(&r);
    free(text);

    /* fixture 22: the current one, nothing changed: no write */
    text = cJSON_PrintUnformatted(g.body);
    r = call(s, "PUT", WEB, ADMIN, "application/json", text);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "metadata.resourceVersion"), rv);
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 1);
    res_free(&r);
    free(text);

    /* no resourceVersion: unconditional; spec change bumps generation; the
     * status in the body is ignored */
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(body, "metadata"), "resourceVersion");
    ks_json_set_path(body, "status", cJSON_Parse("{\"replicas\":99}"));
    text = cJSON_PrintUnformatted(body);
    r = call(s, "PUT", WEB, ADMIN, "application/json", text);
    expect_code(&r, 200);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 5);
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 2);
    assert_string_equal(jstr(r.body, "metadata.uid"), jstr(g.body, "metadata.uid"));
    assert_true(jnum(r.body, "status.replicas") != 99);
    assert_string_not_equal(jstr(r.body, "metadata.resourceVersion"), rv);
    res_free(&r);
    free(text);

    /* a name that differs from the URL's */
    ks_json_set_path(body, "metadata.name", cJSON_CreateString("other"));
    text = cJSON_PrintUnformatted(body);
    r = call(s, "PUT", WEB, ADMIN, "application/json", text);
    assert_status(&r, 400, "BadRequest",
                  "the name of the object (other) does not match the name on the URL (web)");
    res_free(&r);
    free(text);

    r = call(s, "PUT", DEPLOYS "/missing", ADMIN, "application/json",
             "{\"metadata\":{\"name\":\"missing\"}}");
    assert_status(&r, 404, "NotFound", "deployments.apps \"missing\" not found");
    res_free(&r);
    cJSON_Delete(body);
    res_free(&g);
    free(rv);
}

/* POST and PUT bodies by Content-Type, as the real server negotiates
 * them: JSON (also with no type or with parameters), YAML and protobuf
 * are decoded, anything else is 415 with a Status that has no details. */
static void test_body_media_types(void **state)
{
    ks_sim *s = *state;
    static const char unsupported[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        "\"message\":\"the body of the request was in an unknown format - accepted media types "
        "include: application/json, application/yaml, application/vnd.kubernetes.protobuf\","
        "\"reason\":\"UnsupportedMediaType\",\"code\":415}\n";
    static const char *refused[] = {"text/plain", "application/x-www-form-urlencoded",
                                    "application/merge-patch+json", "application/json foo",
                                    "; charset=utf-8"};

    for (size_t i = 0; i < N(refused); i++) {
        struct res r = call(s, "POST", DEPLOYS, ADMIN, refused[i], deploy_web);
        expect_code(&r, 415);
        assert_string_equal(r.raw, unsupported);
        res_free(&r);
    }
    struct res r = call(s, "GET", WEB, ADMIN, NULL, NULL);
    expect_code(&r, 404); /* nothing was created */
    res_free(&r);

    /* YAML, converted to JSON: numbers stay numbers, quoted stay strings */
    static const char deploy_yaml[] = "apiVersion: apps/v1\n"
                                      "kind: Deployment\n"
                                      "metadata:\n"
                                      "  name: web\n"
                                      "  namespace: demo\n"
                                      "  labels: {app: web}\n"
                                      "spec:\n"
                                      "  replicas: 3\n"
                                      "  selector:\n"
                                      "    matchLabels:\n"
                                      "      app: web\n"
                                      "  template:\n"
                                      "    metadata:\n"
                                      "      labels:\n"
                                      "        app: web\n"
                                      "        tier: \"1\"\n"
                                      "    spec:\n"
                                      "      containers:\n"
                                      "      - name: nginx\n"
                                      "        image: nginx:1.25\n"
                                      "        ports:\n"
                                      "        - containerPort: 80\n";
    r = call(s, "POST", DEPLOYS, ADMIN, "application/yaml", deploy_yaml);
    expect_code(&r, 201);
    assert_string_equal(jstr(r.body, "kind"), "Deployment");
    assert_string_equal(jstr(r.body, "metadata.name"), "web");
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 3);
    assert_string_equal(jstr(r.body, "spec.template.metadata.labels.tier"), "1");
    const cJSON *c0 = cJSON_GetArrayItem(ks_json_path(r.body, "spec.template.spec.containers"), 0);
    assert_string_equal(jstr(c0, "image"), "nginx:1.25");
    assert_int_equal((int)jnum(cJSON_GetArrayItem(ks_json_path(c0, "ports"), 0), "containerPort"),
                     80);
    res_free(&r);
    r = call(s, "POST", DEPLOYS, ADMIN, "application/yaml", "kind: [Deployment\n");
    assert_status(&r, 400, "BadRequest", NULL);
    assert_non_null(strstr(jstr(r.body, "message"), "error converting YAML to JSON: yaml: line"));
    res_free(&r);
    r = call(s, "POST", DEPLOYS, ADMIN, "application/yaml", "- a\n- b\n");
    assert_status(&r, 400, "BadRequest", NULL);
    res_free(&r);

    /* PUT: the same negotiation */
    struct res g = call(s, "GET", WEB, ADMIN, NULL, NULL);
    expect_code(&g, 200);
    char *text = cJSON_PrintUnformatted(g.body);
    r = call(s, "PUT", WEB, ADMIN, "text/plain", text);
    expect_code(&r, 415);
    assert_string_equal(r.raw, unsupported);
    res_free(&r);
    r = call(s, "PUT", WEB, ADMIN, "Application/JSON; charset=utf-8", text);
    expect_code(&r, 200);
    res_free(&r);
    r = call(s, "PUT", WEB, ADMIN, NULL, text); /* no type: JSON */
    expect_code(&r, 200);
    res_free(&r);
    free(text);
    res_free(&g);
    r = call(s, "PUT", WEB, ADMIN, "application/yaml; charset=utf-8",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: demo}\n"
             "spec:\n  replicas: 4\n  selector: {matchLabels: {app: web}}\n  template:\n"
             "    metadata: {labels: {app: web}}\n"
             "    spec: {containers: [{name: nginx, image: 'nginx:1.25'}]}\n");
    expect_code(&r, 200);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 4);
    res_free(&r);

    /* DELETE: DeleteOptions in the body are negotiated too */
    r = call(s, "DELETE", WEB, ADMIN, "text/plain", "{}");
    expect_code(&r, 415);
    assert_string_equal(r.raw, unsupported);
    res_free(&r);
    r = call(s, "DELETE", WEB, ADMIN, "application/yaml",
             "kind: DeleteOptions\napiVersion: v1\npropagationPolicy: Background\n");
    expect_code(&r, 200);
    res_free(&r);
}

/* ---- PATCH -------------------------------------------------------------------------------- */

static void test_patch_types(void **state)
{
    ks_sim *s = *state;
    create_ok(s, DEPLOYS, deploy_web);

    /* fixture 15: strategic merge keeps the ports of the merged container */
    struct res r = call(s, "PATCH", WEB "?fieldManager=demo-operator", ADMIN,
                        "application/strategic-merge-patch+json",
                        "{\"metadata\":{\"labels\":{\"tier\":\"frontend\"}},\"spec\":{\"template"
                        "\":{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":"
                        "\"nginx:1.26\"}]}}}}");
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "metadata.labels.tier"), "frontend");
    const cJSON *c0 = cJSON_GetArrayItem(ks_json_path(r.body, "spec.template.spec.containers"), 0);
    assert_string_equal(jstr(c0, "image"), "nginx:1.26");
    assert_non_null(cJSON_GetObjectItem(c0, "ports"));
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 2);
    res_free(&r);

    /* fixture 16: merge patch; annotations count for Deployments */
    r = call(s, "PATCH", WEB, ADMIN, "application/merge-patch+json",
             "{\"metadata\":{\"annotations\":{\"example.dev/managed-by\":\"demo-operator\"}}}");
    expect_code(&r, 200);
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 3);
    res_free(&r);

    /* fixture 17: merge patch replaces lists; dryRun stores nothing */
    char *rv = get_rv(s, WEB);
    r = call(s, "PATCH", WEB "?dryRun=All", ADMIN, "application/merge-patch+json",
             "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":"
             "\"nginx:1.27\"}]}}}}");
    expect_code(&r, 200);
    c0 = cJSON_GetArrayItem(ks_json_path(r.body, "spec.template.spec.containers"), 0);
    assert_string_equal(jstr(c0, "image"), "nginx:1.27");
    assert_null(cJSON_GetObjectItem(c0, "ports"));
    res_free(&r);
    char *rv2 = get_rv(s, WEB);
    assert_string_equal(rv, rv2);
    free(rv);
    free(rv2);

    /* fixture 18 and 19: JSON patch with a test op */
    static const char jp[] = "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":2},"
                             "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}]";
    r = call(s, "PATCH", WEB, ADMIN, "application/json-patch+json", jp);
    expect_code(&r, 200);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 3);
    res_free(&r);
    r = call(s, "PATCH", WEB, ADMIN, "application/json-patch+json", jp);
    expect_code(&r, 422);
    assert_string_equal(jstr(r.body, "reason"), "Invalid");
    assert_true(cJSON_IsObject(ks_json_path(r.body, "details")));
    assert_null(ks_json_path(r.body, "details")->child);
    res_free(&r);

    /* fixture 24 */
    r = call(s, "PATCH", WEB, ADMIN, "application/merge-patch+json",
             "{\"spec\":{\"replicas\":-1}}");
    assert_status(&r, 422, "Invalid",
                  "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be "
                  "greater than or equal to 0");
    assert_string_equal(jstr(r.body, "details.kind"), "Deployment");
    assert_string_equal(jstr(r.body, "details.group"), "apps");
    const cJSON *cause = cJSON_GetArrayItem(ks_json_path(r.body, "details.causes"), 0);
    assert_string_equal(jstr(cause, "reason"), "FieldValueInvalid");
    assert_string_equal(jstr(cause, "field"), "spec.replicas");
    res_free(&r);

    /* bad bodies and types */
    struct {
        const char *ctype, *body;
        int code;
        const char *reason;
    } bad[] = {
        {"application/merge-patch+json", "{oops", 400, "BadRequest"},
        {"application/json-patch+json", "{\"op\":\"x\"}", 400, "BadRequest"},
        {"text/plain", "{}", 415, "UnsupportedMediaType"},
        {"application/apply-patch+yaml", "spec:\n  replicas: 2\n", 422, "Invalid"},
    };
    for (size_t i = 0; i < N(bad); i++) {
        r = call(s, "PATCH", WEB, ADMIN, bad[i].ctype, bad[i].body);
        assert_status(&r, bad[i].code, bad[i].reason, NULL);
        res_free(&r);
    }
    r = call(s, "PATCH", WEB, ADMIN, "application/apply-patch+yaml", "a: 1\n");
    assert_string_equal(jstr(r.body, "message"),
                        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
                        "is required for apply patch");
    res_free(&r);

    r = call(s, "PATCH", DEPLOYS "/missing", ADMIN, "application/merge-patch+json", "{}");
    assert_status(&r, 404, "NotFound", "deployments.apps \"missing\" not found");
    res_free(&r);
}

static void test_apply(void **state)
{
    ks_sim *s = *state;
    static const char yaml[] = "apiVersion: apps/v1\n"
                               "kind: Deployment\n"
                               "metadata:\n"
                               "  name: web\n"
                               "  namespace: demo\n"
                               "  labels:\n"
                               "    app: web\n"
                               "spec:\n"
                               "  replicas: 2\n"
                               "  selector:\n"
                               "    matchLabels:\n"
                               "      app: web\n"
                               "  template:\n"
                               "    metadata:\n"
                               "      labels:\n"
                               "        app: web\n"
                               "    spec:\n"
                               "      containers:\n"
                               "      - name: nginx\n"
                               "        image: nginx:1.26\n";
    /* apply creates when absent (201), then updates (200) */
    struct res r = call(s, "PATCH", WEB "?fieldManager=demo-operator", ADMIN,
                        "application/apply-patch+yaml", yaml);
    expect_code(&r, 201);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 2);
    assert_int_equal(strlen(jstr(r.body, "metadata.uid")), 36);
    res_free(&r);
    /* the same configuration as JSON (which is YAML), one field changed */
    r = call(s, "PATCH", WEB "?fieldManager=demo-operator", ADMIN, "application/apply-patch+yaml",
             "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
             "\"web\",\"namespace\":\"demo\",\"labels\":{\"app\":\"web\"}},\"spec\":{"
             "\"replicas\":4,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{"
             "\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{"
             "\"name\":\"nginx\",\"image\":\"nginx:1.26\"}]}}}}");
    expect_code(&r, 200);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 4);
    res_free(&r);
    r = call(s, "PATCH", WEB "?fieldManager=demo-operator", ADMIN, "application/apply-patch+yaml",
             "a: [1, 2\n");
    assert_status(&r, 400, "BadRequest", NULL);
    res_free(&r);
}

/* ---- scale and status subresources -------------------------------------------------------- */

static void test_scale(void **state)
{
    ks_sim *s = *state;
    create_ok(s, DEPLOYS, deploy_web);

    /* fixture 12 */
    struct res r = call(s, "GET", WEB "/scale", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "kind"), "Scale");
    assert_string_equal(jstr(r.body, "apiVersion"), "autoscaling/v1");
    assert_string_equal(jstr(r.body, "metadata.name"), "web");
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 2);
    assert_int_equal((int)jnum(r.body, "status.replicas"), 0);
    assert_string_equal(jstr(r.body, "status.selector"), "app=web");
    assert_non_null(strstr(r.raw, "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\","
                                  "\"metadata\":{\"name\":\"web\",\"namespace\":\"demo\","
                                  "\"uid\":"));
    char *rv = strdup(jstr(r.body, "metadata.resourceVersion"));
    res_free(&r);

    /* fixture 13 */
    r = call(s, "PATCH", WEB "/scale", ADMIN, "application/merge-patch+json",
             "{\"spec\":{\"replicas\":3}}");
    expect_code(&r, 200);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 3);
    assert_string_not_equal(jstr(r.body, "metadata.resourceVersion"), rv);
    res_free(&r);
    r = call(s, "GET", WEB, ADMIN, NULL, NULL);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 3);
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 2);
    res_free(&r);

    /* fixture 14: PUT with a stale then the current resourceVersion */
    char body[300];
    snprintf(body, sizeof(body),
             "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":"
             "\"web\",\"namespace\":\"demo\",\"resourceVersion\":\"%s\"},\"spec\":{\"replicas\":"
             "2}}",
             rv);
    r = call(s, "PUT", WEB "/scale", ADMIN, "application/json", body);
    assert_status(&r, 409, "Conflict", NULL);
    assert_string_equal(jstr(r.body, "details.kind"), "deployments");
    res_free(&r);
    free(rv);
    rv = get_rv(s, WEB);
    snprintf(body, sizeof(body),
             "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":"
             "\"web\",\"namespace\":\"demo\",\"resourceVersion\":\"%s\"},\"spec\":{\"replicas\":"
             "2}}",
             rv);
    r = call(s, "PUT", WEB "/scale", ADMIN, "application/json", body);
    expect_code(&r, 200);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 2);
    res_free(&r);
    free(rv);

    /* fixture 25 */
    r = call(s, "PATCH", WEB "/scale", ADMIN, "application/merge-patch+json",
             "{\"spec\":{\"replicas\":-1}}");
    assert_status(&r, 422, "Invalid",
                  "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must "
                  "be greater than or equal to 0");
    assert_string_equal(jstr(r.body, "details.group"), "autoscaling");
    assert_string_equal(jstr(r.body, "details.kind"), "Scale");
    res_free(&r);

    r = call(s, "GET", DEPLOYS "/nope/scale", ADMIN, NULL, NULL);
    assert_status(&r, 404, "NotFound", "deployments.apps \"nope\" not found");
    res_free(&r);
}

/* A CRD whose schema cannot be compiled: 422 with each cause's field
 * spelled from the CRD's root, as the real server does
 * (spec.versions[i].schema.openAPIV3Schema...). */
static void test_crd_schema_causes(void **state)
{
    ks_sim *s = *state;
    static const char crd[] =
        "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
        "\"metadata\":{\"name\":\"frobs.example.dev\"},\"spec\":{\"group\":\"example.dev\","
        "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"frobs\",\"kind\":\"Frob\"},"
        "\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{"
        "\"openAPIV3Schema\":{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":"
        "\"object\",\"x-kubernetes-validations\":[{\"rule\":\"self.frob()\"}]}}}}}]}}";
    struct res r = call(s, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", ADMIN,
                        "application/json", crd);
    expect_code(&r, 422);
    const cJSON *c0 = cJSON_GetArrayItem(ks_json_path(r.body, "details.causes"), 0);
    assert_non_null(c0);
    assert_string_equal(jstr(c0, "field"), "spec.versions[0].schema.openAPIV3Schema.properties["
                                           "spec].x-kubernetes-validations[0].rule");
    assert_non_null(strstr(jstr(c0, "message"), "undeclared reference to 'frob'"));
    res_free(&r);
}

static void test_crd_and_custom_resources(void **state)
{
    ks_sim *s = *state;
    create_ok(s, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd_widgets);
    assert_non_null(ks_registry_find(s->reg, "example.dev", "v1", "widgets"));

    /* fixture 42: schema default applied, keys sorted like Go maps */
    struct res r =
        call(s, "POST", WIDGETS "?fieldManager=demo-operator", ADMIN, "application/json", widget_a);
    expect_code(&r, 201);
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 1);
    assert_non_null(strstr(r.raw, "{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\","
                                  "\"metadata\":{\"creationTimestamp\":"));
    res_free(&r);

    /* fixture 44: /status ignores spec */
    struct res g = call(s, "GET", WIDGETS "/widget-a", ADMIN, NULL, NULL);
    cJSON *b = cJSON_Duplicate(g.body, true);
    ks_json_set_path(b, "spec.color", cJSON_CreateString("IGNORED-on-status-endpoint"));
    ks_json_set_path(b, "status",
                     cJSON_Parse("{\"phase\":\"Ready\",\"replicas\":1,"
                                 "\"selector\":\"app=widget-a\"}"));
    char *text = cJSON_PrintUnformatted(b);
    r = call(s, "PUT", WIDGETS "/widget-a/status", ADMIN, "application/json", text);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "spec.color"), "blue");
    assert_string_equal(jstr(r.body, "status.phase"), "Ready");
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 1);
    res_free(&r);
    free(text);

    /* fixture 46: stale status PUT, byte for byte */
    ks_json_set_path(b, "metadata.resourceVersion", cJSON_CreateString("1"));
    text = cJSON_PrintUnformatted(b);
    r = call(s, "PUT", WIDGETS "/widget-a/status", ADMIN, "application/json", text);
    expect_code(&r, 409);
    assert_string_equal(r.raw, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                               "\"status\":\"Failure\",\"message\":\"Operation cannot be "
                               "fulfilled on widgets.example.dev \\\"widget-a\\\": the object "
                               "has been modified; please apply your changes to the latest "
                               "version and try again\",\"reason\":\"Conflict\",\"details\":{"
                               "\"name\":\"widget-a\",\"group\":\"example.dev\",\"kind\":"
                               "\"widgets\"},\"code\":409}\n");
    res_free(&r);
    free(text);
    cJSON_Delete(b);
    res_free(&g);

    /* fixture 45 */
    r = call(s, "PATCH", WIDGETS "/widget-a/status", ADMIN, "application/merge-patch+json",
             "{\"status\":{\"phase\":\"Scaling\",\"replicas\":2},\"spec\":{\"color\":\"red\"}}");
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "status.phase"), "Scaling");
    assert_string_equal(jstr(r.body, "spec.color"), "blue");
    res_free(&r);

    /* fixture 47 and 48: the CRD's scale paths */
    r = call(s, "GET", WIDGETS "/widget-a/scale", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 1);
    assert_int_equal((int)jnum(r.body, "status.replicas"), 2);
    assert_string_equal(jstr(r.body, "status.selector"), "app=widget-a");
    res_free(&r);
    r = call(s, "PATCH", WIDGETS "/widget-a/scale", ADMIN, "application/merge-patch+json",
             "{\"spec\":{\"replicas\":3}}");
    expect_code(&r, 200);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 3);
    res_free(&r);
    r = call(s, "GET", WIDGETS "/widget-a", ADMIN, NULL, NULL);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 3);
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 2);
    res_free(&r);

    /* strategic merge on a custom resource: 415 like the real server */
    r = call(s, "PATCH", WIDGETS "/widget-a", ADMIN, "application/strategic-merge-patch+json",
             "{}");
    assert_status(&r, 415, "UnsupportedMediaType", NULL);
    res_free(&r);

    /* fixture 49: the scale path's own check comes last */
    r = call(s, "POST", WIDGETS, ADMIN, "application/json",
             "{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
             "\"widget-bad\",\"namespace\":\"demo\"},\"spec\":{\"size\":\"huge\",\"replicas\":"
             "-3}}");
    assert_status(&r, 422, "Invalid", NULL);
    assert_string_equal(jstr(r.body, "details.kind"), "Widget");
    assert_string_equal(jstr(r.body, "details.group"), "example.dev");
    const cJSON *causes = ks_json_path(r.body, "details.causes");
    const cJSON *last = cJSON_GetArrayItem(causes, cJSON_GetArraySize(causes) - 1);
    assert_string_equal(jstr(last, "field"), ".spec.replicas");
    assert_string_equal(jstr(last, "message"),
                        "Invalid value: -3: should be a non-negative integer");
    assert_non_null(
        strstr(jstr(r.body, "message"), "Widget.example.dev \"widget-bad\" is invalid: ["));
    res_free(&r);

    /* Strict field validation: unknown fields are an error */
    r = call(s, "POST", WIDGETS "?fieldValidation=Strict", ADMIN, "application/json",
             "{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
             "\"w2\"},\"spec\":{\"size\":\"small\",\"foo\":1}}");
    assert_status(&r, 400, "BadRequest",
                  "Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: "
                  "unknown field \"spec.foo\"");
    res_free(&r);

    /* deleting the CRD takes its resources and its types along */
    r = call(s, "DELETE",
             "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.dev", ADMIN,
             NULL, NULL);
    expect_code(&r, 200);
    res_free(&r);
    assert_null(ks_registry_find(s->reg, "example.dev", "v1", "widgets"));
    r = call(s, "GET", WIDGETS "/widget-a", ADMIN, NULL, NULL);
    expect_code(&r, 404);
    res_free(&r);
}

/* A cluster-scoped custom resource with status and scale subresources:
 * every verb at /apis/<group>/<version>/<plural>/<name>, no namespace. */
static void test_cluster_scoped_custom_resources(void **state)
{
    ks_sim *s = *state;
    static const char crd_gadgets[] =
        "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
        "\"metadata\":{\"name\":\"gadgets.example.dev\"},\"spec\":{\"group\":\"example.dev\","
        "\"scope\":\"Cluster\",\"names\":{\"plural\":\"gadgets\",\"singular\":\"gadget\","
        "\"kind\":\"Gadget\",\"listKind\":\"GadgetList\"},\"versions\":[{\"name\":\"v1\","
        "\"served\":true,\"storage\":true,\"subresources\":{\"status\":{},\"scale\":{"
        "\"specReplicasPath\":\".spec.replicas\",\"statusReplicasPath\":\".status.replicas\","
        "\"labelSelectorPath\":\".status.selector\"}},\"schema\":{\"openAPIV3Schema\":{\"type\":"
        "\"object\",\"properties\":{\"spec\":{\"type\":\"object\",\"properties\":{\"replicas\":{"
        "\"type\":\"integer\",\"minimum\":0},\"color\":{\"type\":\"string\"}}},\"status\":{"
        "\"type\":\"object\",\"properties\":{\"replicas\":{\"type\":\"integer\"},\"selector\":{"
        "\"type\":\"string\"}}}}}}}]}}";
#define GADGETS "/apis/example.dev/v1/gadgets"
    create_ok(s, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd_gadgets);
    const ks_rtype *rt = ks_registry_find(s->reg, "example.dev", "v1", "gadgets");
    assert_non_null(rt);
    assert_false(rt->namespaced);

    struct res r = call(s, "POST", GADGETS, ADMIN, "application/json",
                        "{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Gadget\",\"metadata\":{"
                        "\"name\":\"g1\",\"labels\":{\"app\":\"g1\"}},\"spec\":{\"replicas\":1,"
                        "\"color\":\"blue\"}}");
    expect_code(&r, 201);
    assert_null(ks_json_path(r.body, "metadata.namespace"));
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 1);
    res_free(&r);
    create_ok(s, GADGETS,
              "{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Gadget\",\"metadata\":{\"name\":"
              "\"g2\"},\"spec\":{\"replicas\":2}}");
    /* no protobuf for custom resources, so the 415 names two types */
    r = call(s, "POST", GADGETS, ADMIN, "text/plain", "{}");
    assert_status(&r, 415, "UnsupportedMediaType",
                  "the body of the request was in an unknown format - accepted media types "
                  "include: application/json, application/yaml");
    res_free(&r);

    r = call(s, "GET", GADGETS "/g1", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "kind"), "Gadget");
    assert_string_equal(jstr(r.body, "spec.color"), "blue");
    cJSON *b = cJSON_Duplicate(r.body, true);
    res_free(&r);
    /* the cluster-scoped type has no namespaced path */
    r = call(s, "GET", "/apis/example.dev/v1/namespaces/demo/gadgets/g1", ADMIN, NULL, NULL);
    expect_code(&r, 404);
    res_free(&r);

    r = call(s, "GET", GADGETS, ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "kind"), "GadgetList");
    assert_int_equal(cJSON_GetArraySize(ks_json_path(r.body, "items")), 2);
    res_free(&r);
    r = call(s, "GET", GADGETS "?labelSelector=app%3Dg1", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_int_equal(cJSON_GetArraySize(ks_json_path(r.body, "items")), 1);
    res_free(&r);

    /* PUT /status: status written, spec left alone */
    ks_json_set_path(b, "spec.color", cJSON_CreateString("ignored"));
    ks_json_set_path(b, "status", cJSON_Parse("{\"replicas\":1,\"selector\":\"app=g1\"}"));
    char *text = cJSON_PrintUnformatted(b);
    r = call(s, "PUT", GADGETS "/g1/status", ADMIN, "application/json", text);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "spec.color"), "blue");
    assert_int_equal((int)jnum(r.body, "status.replicas"), 1);
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 1);
    res_free(&r);
    free(text);
    cJSON_Delete(b);

    /* PATCH /scale: an autoscaling/v1 Scale, the spec path follows */
    r = call(s, "PATCH", GADGETS "/g1/scale", ADMIN, "application/merge-patch+json",
             "{\"spec\":{\"replicas\":4}}");
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "kind"), "Scale");
    assert_string_equal(jstr(r.body, "apiVersion"), "autoscaling/v1");
    assert_string_equal(jstr(r.body, "metadata.name"), "g1");
    assert_null(ks_json_path(r.body, "metadata.namespace"));
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 4);
    assert_int_equal((int)jnum(r.body, "status.replicas"), 1);
    assert_string_equal(jstr(r.body, "status.selector"), "app=g1");
    res_free(&r);
    r = call(s, "GET", GADGETS "/g1", ADMIN, NULL, NULL);
    assert_int_equal((int)jnum(r.body, "spec.replicas"), 4);
    assert_int_equal((int)jnum(r.body, "metadata.generation"), 2);
    res_free(&r);

    r = call(s, "DELETE", GADGETS "/g1", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    res_free(&r);
    r = call(s, "GET", GADGETS "/g1", ADMIN, NULL, NULL);
    assert_status(&r, 404, "NotFound", "gadgets.example.dev \"g1\" not found");
    res_free(&r);
    r = call(s, "GET", GADGETS, ADMIN, NULL, NULL);
    assert_int_equal(cJSON_GetArraySize(ks_json_path(r.body, "items")), 1);
    res_free(&r);
#undef GADGETS
}

static void test_field_validation_builtin(void **state)
{
    ks_sim *s = *state;
    static const char cm[] = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
                             "\"name\":\"c1\"},\"data\":{\"a\":\"1\"},\"bogus\":true}";
    struct res r = call(s, "POST", "/api/v1/namespaces/demo/configmaps?fieldValidation=Strict",
                        ADMIN, "application/json", cm);
    assert_status(&r, 400, "BadRequest",
                  "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding "
                  "error: unknown field \"bogus\"");
    res_free(&r);
    r = call(s, "POST", "/api/v1/namespaces/demo/configmaps?fieldValidation=Warn", ADMIN,
             "application/json", cm);
    expect_code(&r, 201);
    assert_null(cJSON_GetObjectItem(r.body, "bogus"));
    assert_string_equal(r.warning, "299 - \"unknown field \\\"bogus\\\"\"");
    res_free(&r);
    r = call(s, "POST", "/api/v1/namespaces/demo/configmaps?fieldValidation=Maybe", ADMIN,
             "application/json", cm);
    assert_status(&r, 400, "BadRequest", NULL);
    res_free(&r);
}

/* ---- delete ------------------------------------------------------------------------------- */

static void test_delete(void **state)
{
    ks_sim *s = *state;
    create_ok(s, DEPLOYS, deploy_web);
    struct res g = call(s, "GET", WEB, ADMIN, NULL, NULL);
    char uid[40];
    snprintf(uid, sizeof(uid), "%s", jstr(g.body, "metadata.uid"));
    res_free(&g);

    /* a precondition that fails */
    struct res r =
        call(s, "DELETE", WEB, ADMIN, "application/json", "{\"preconditions\":{\"uid\":\"nope\"}}");
    expect_code(&r, 409);
    assert_non_null(strstr(jstr(r.body, "message"), "Precondition failed: UID in precondition: "
                                                    "nope, UID in object meta: "));
    res_free(&r);

    /* fixture 80 */
    r = call(s, "DELETE", WEB, ADMIN, NULL, NULL);
    expect_code(&r, 200);
    char want[400];
    snprintf(want, sizeof(want),
             "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\","
             "\"details\":{\"name\":\"web\",\"group\":\"apps\",\"kind\":\"deployments\",\"uid\":"
             "\"%s\"}}\n",
             uid);
    assert_string_equal(r.raw, want);
    res_free(&r);

    /* fixture 82, byte for byte */
    r = call(s, "DELETE", WEB, ADMIN, NULL, NULL);
    assert_string_equal(r.raw, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                               "\"status\":\"Failure\",\"message\":\"deployments.apps "
                               "\\\"web\\\" not found\",\"reason\":\"NotFound\",\"details\":{"
                               "\"name\":\"web\",\"group\":\"apps\",\"kind\":\"deployments\"},"
                               "\"code\":404}\n");
    res_free(&r);

    /* fixture 81: foreground returns the object, marked */
    create_ok(s, DEPLOYS, deploy_web);
    r = call(s, "DELETE", WEB, ADMIN, "application/json",
             "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":"
             "\"Foreground\"}");
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "kind"), "Deployment");
    assert_string_equal(
        cJSON_GetArrayItem(ks_json_path(r.body, "metadata.finalizers"), 0)->valuestring,
        "foregroundDeletion");
    assert_true(strlen(jstr(r.body, "metadata.deletionTimestamp")) == 20);
    assert_int_equal((int)jnum(r.body, "metadata.deletionGracePeriodSeconds"), 0);
    assert_non_null(strstr(r.raw, "\"deletionTimestamp\":"));
    res_free(&r);
    /* still there until the finalizer goes; an update emptying it removes it */
    r = call(s, "GET", WEB, ADMIN, NULL, NULL);
    expect_code(&r, 200);
    res_free(&r);
    r = call(s, "PATCH", WEB, ADMIN, "application/merge-patch+json",
             "{\"metadata\":{\"finalizers\":null}}");
    expect_code(&r, 200);
    res_free(&r);
    r = call(s, "GET", WEB, ADMIN, NULL, NULL);
    expect_code(&r, 404);
    res_free(&r);

    r = call(s, "DELETE", WEB, ADMIN, "application/json", "{\"propagationPolicy\":\"Sideways\"}");
    assert_status(&r, 404, "NotFound", NULL);
    res_free(&r);
    create_ok(s, DEPLOYS, deploy_web);
    r = call(s, "DELETE", WEB, ADMIN, "application/json", "{\"propagationPolicy\":\"Sideways\"}");
    assert_status(&r, 422, "Invalid", NULL);
    res_free(&r);
    r = call(s, "DELETE", WEB, ADMIN, "application/json", "{\"propagationPolicy\":\"Orphan\"}");
    expect_code(&r, 200);
    assert_string_equal(
        cJSON_GetArrayItem(ks_json_path(r.body, "metadata.finalizers"), 0)->valuestring, "orphan");
    res_free(&r);
}

static void test_delete_collection(void **state)
{
    ks_sim *s = *state;
    static const char *const names[] = {"a", "b", "c"};
    for (size_t i = 0; i < N(names); i++) {
        char body[300];
        snprintf(body, sizeof(body),
                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
                 "\"labels\":{\"keep\":\"%s\"}}}",
                 names[i], i == 1 ? "yes" : "no");
        create_ok(s, "/api/v1/namespaces/demo/configmaps", body);
    }
    struct res r = call(s, "DELETE", "/api/v1/namespaces/demo/configmaps?labelSelector=keep=no",
                        ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "kind"), "ConfigMapList");
    assert_int_equal(cJSON_GetArraySize(ks_json_path(r.body, "items")), 2);
    res_free(&r);
    static const int want[] = {404, 200, 404};
    for (size_t i = 0; i < N(names); i++) {
        char path[100];
        snprintf(path, sizeof(path), "/api/v1/namespaces/demo/configmaps/%s", names[i]);
        r = call(s, "GET", path, ADMIN, NULL, NULL);
        assert_int_equal(r.status, want[i]);
        res_free(&r);
    }
}

static void test_namespaces(void **state)
{
    ks_sim *s = *state;
    make_ns(s, "doomed");
    struct res r = call(s, "DELETE", "/api/v1/namespaces/doomed", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "kind"), "Namespace");
    assert_string_equal(jstr(r.body, "status.phase"), "Terminating");
    assert_true(strlen(jstr(r.body, "metadata.deletionTimestamp")) == 20);
    res_free(&r);
    r = call(s, "POST", "/apis/apps/v1/namespaces/doomed/deployments", ADMIN, "application/json",
             "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
             "\"web\"}}");
    assert_status(&r, 403, "Forbidden",
                  "deployments.apps \"web\" is forbidden: unable to create new content in "
                  "namespace doomed because it is being terminated");
    const cJSON *cause = cJSON_GetArrayItem(ks_json_path(r.body, "details.causes"), 0);
    assert_string_equal(jstr(cause, "reason"), "NamespaceTerminating");
    res_free(&r);
    /* GET and the status subresource of a Namespace */
    r = call(s, "GET", "/api/v1/namespaces/doomed/status", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "metadata.name"), "doomed");
    res_free(&r);
    /* the workload layer removes it once empty */
    const ks_rtype *nst = ks_registry_find(s->reg, "", "v1", "namespaces");
    const ks_obj *o = ks_store_get(s->store, nst, "", "doomed");
    cJSON *obj = cJSON_Parse(o->json);
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(obj, "spec"), "finalizers");
    assert_int_equal(ks_api_update(s, nst, obj, false, "kube-controller-manager", NULL), 0);
    cJSON_Delete(obj);
    assert_int_equal(ks_api_delete(s, nst, "", "doomed", NULL), 0);
    assert_null(ks_store_get(s->store, nst, "", "doomed"));
}

static void test_pods_graceful(void **state)
{
    ks_sim *s = *state;
    static const char pod[] = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
                              "\"%s\"},\"spec\":{\"nodeName\":\"%s\",\"containers\":[{\"name\":"
                              "\"c\",\"image\":\"busybox\"}]}}";
    char body[300];
    snprintf(body, sizeof(body), pod, "p1", "kubesim-node");
    create_ok(s, "/api/v1/namespaces/demo/pods", body);
    struct res r = call(s, "DELETE", "/api/v1/namespaces/demo/pods/p1", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "kind"), "Pod");
    assert_int_equal((int)jnum(r.body, "metadata.deletionGracePeriodSeconds"), 30);
    res_free(&r);
    const ks_rtype *pods = ks_registry_find(s->reg, "", "v1", "pods");
    assert_non_null(ks_store_get(s->store, pods, "demo", "p1"));
    /* the kubelet side: the workload model removes it */
    assert_int_equal(ks_api_delete(s, pods, "demo", "p1", NULL), 0);
    assert_null(ks_store_get(s->store, pods, "demo", "p1"));

    snprintf(body, sizeof(body), pod, "p2", "kubesim-node");
    create_ok(s, "/api/v1/namespaces/demo/pods", body);
    r = call(s, "DELETE", "/api/v1/namespaces/demo/pods/p2?gracePeriodSeconds=0", ADMIN, NULL,
             NULL);
    expect_code(&r, 200);
    assert_null(ks_store_get(s->store, pods, "demo", "p2"));
    res_free(&r);
    /* an unscheduled pod goes at once */
    snprintf(body, sizeof(body), pod, "p3", "");
    create_ok(s, "/api/v1/namespaces/demo/pods", body);
    r = call(s, "DELETE", "/api/v1/namespaces/demo/pods/p3", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_null(ks_store_get(s->store, pods, "demo", "p3"));
    res_free(&r);
}

/* ---- events, lists ------------------------------------------------------------------------ */

static void test_events(void **state)
{
    ks_sim *s = *state;
    /* fixture 90 and 91 */
    create_ok(s, "/api/v1/namespaces/demo/events",
              "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"widget-a.1\","
              "\"namespace\":\"demo\"},\"involvedObject\":{\"apiVersion\":\"example.dev/v1\","
              "\"kind\":\"Widget\",\"name\":\"widget-a\",\"namespace\":\"demo\"},\"reason\":"
              "\"Reconciled\",\"message\":\"Widget reconciled: 1 replica\",\"type\":\"Normal\","
              "\"source\":{\"component\":\"demo-operator\"},\"firstTimestamp\":"
              "\"2026-01-01T00:00:00Z\",\"lastTimestamp\":\"2026-01-01T00:00:00Z\",\"count\":1}");
    struct res r =
        call(s, "POST", "/apis/events.k8s.io/v1/namespaces/demo/events", ADMIN, "application/json",
             "{\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\",\"metadata\":{"
             "\"name\":\"widget-a.2\",\"namespace\":\"demo\"},\"eventTime\":"
             "\"2026-11-22T11:27:43.000000Z\",\"reportingController\":"
             "\"example.dev/demo-operator\",\"reportingInstance\":"
             "\"demo-operator-pod-1\",\"action\":\"Scale\",\"reason\":\"ScaledUp\","
             "\"note\":\"Scaled Widget widget-a to 3 replicas\",\"type\":\"Normal\","
             "\"regarding\":{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\","
             "\"name\":\"widget-a\",\"namespace\":\"demo\"}}");
    expect_code(&r, 201);
    assert_string_equal(jstr(r.body, "apiVersion"), "events.k8s.io/v1");
    assert_string_equal(jstr(r.body, "note"), "Scaled Widget widget-a to 3 replicas");
    res_free(&r);
    /* both APIs read the same objects */
    r = call(s, "GET", "/api/v1/namespaces/demo/events/widget-a.2", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "message"), "Scaled Widget widget-a to 3 replicas");
    res_free(&r);
    r = call(s, "GET", "/apis/events.k8s.io/v1/namespaces/demo/events/widget-a.1", ADMIN, NULL,
             NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "note"), "Widget reconciled: 1 replica");
    res_free(&r);
    /* fixture 92: the core group in the Invalid message */
    r = call(s, "POST", "/apis/events.k8s.io/v1/namespaces/demo/events", ADMIN, "application/json",
             "{\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\",\"metadata\":{\"name\":"
             "\"widget-a.3\",\"namespace\":\"demo\"},\"reason\":\"ScaledUp\",\"type\":"
             "\"Normal\",\"regarding\":{\"kind\":\"Widget\",\"name\":\"widget-a\"}}");
    /* (the fixture reports eventTime alone) */
    assert_status(&r, 422, "Invalid", NULL);
    assert_non_null(strstr(jstr(r.body, "message"), "Event \"widget-a.3\" is invalid: "));
    assert_non_null(strstr(jstr(r.body, "message"), "eventTime: Required value"));
    assert_string_equal(jstr(r.body, "details.kind"), "Event");
    assert_null(ks_json_path(r.body, "details.group"));
    res_free(&r);
    /* field selectors: labels the server does not know */
    r = call(s, "GET", "/api/v1/namespaces/demo/events?fieldSelector=spec.foo", ADMIN, NULL, NULL);
    assert_status(&r, 400, "BadRequest", "field label not supported: spec.foo");
    res_free(&r);
    r = call(s, "GET", "/api/v1/namespaces/demo/pods?fieldSelector=status.phase=Running", ADMIN,
             NULL, NULL);
    assert_int_not_equal(r.status, 400);
    res_free(&r);
}

/* A watch's timeoutSeconds is wall-clock time at any --speed: at 60x, a
 * 10 s watch is still open 5 real seconds (300 simulated) in, and ends at
 * 10 real seconds. On the simulated clock clients saw watches end within
 * a second of opening. */
static void test_watch_timeout_on_wall_clock(void **state)
{
    ks_sim *s = *state;
    double t0 = s->now_real;

    s->cfg.speed = 60;
    struct res r = call(s, "GET", DEPLOYS "?watch=1&timeoutSeconds=10&allowWatchBookmarks=true",
                        ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_non_null(r.stream);
    ks_stream *st = r.stream;
    res_free(&r);
    s->now_real = t0 + 5;
    ks_sim_tick(s);
    assert_false(st->ended);
    s->now_real = t0 + 9.9;
    ks_sim_tick(s);
    assert_false(st->ended);
    s->now_real = t0 + 10;
    ks_sim_tick(s);
    assert_true(st->ended);
    http_stream_free(st);
}

static void test_list_and_watch_params(void **state)
{
    ks_sim *s = *state;
    create_ok(s, DEPLOYS, deploy_web);
    struct res r = call(s, "GET", DEPLOYS, ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_string_equal(jstr(r.body, "kind"), "DeploymentList");
    assert_int_equal(cJSON_GetArraySize(ks_json_path(r.body, "items")), 1);
    res_free(&r);
    r = call(s, "GET", "/apis/apps/v1/deployments", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    res_free(&r);
    r = call(s, "GET", DEPLOYS "?resourceVersionMatch=Exact", ADMIN, NULL, NULL);
    assert_status(&r, 422, "Invalid",
                  "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: "
                  "resourceVersionMatch is forbidden unless resourceVersion is provided");
    res_free(&r);
    /* a watch from now: events queue on the stream until http.c binds it */
    r = call(s, "GET", DEPLOYS "?watch=1", ADMIN, NULL, NULL);
    expect_code(&r, 200);
    assert_non_null(r.stream);
    ks_stream *st = r.stream;
    res_free(&r);
    create_ok(s, DEPLOYS,
              "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
              "\"name\":\"alpha\"},\"spec\":{\"selector\":{\"matchLabels\":{"
              "\"app\":\"a\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":"
              "\"a\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}}");
    assert_non_null(strstr(st->pending.buf, "{\"type\":\"ADDED\",\"object\":{\"kind\":"
                                            "\"Deployment\""));
    assert_non_null(strstr(st->pending.buf, "\"name\":\"alpha\""));
    /* the client goes away: http.c frees the stream, then on_close */
    r = call(s, "GET", DEPLOYS "?watch=true", ADMIN, NULL, NULL);
    ks_stream *gone = r.stream;
    res_free(&r);
    assert_non_null(gone);
    void (*cb)(void *) = gone->on_close;
    void *ud = gone->ud;
    http_stream_free(gone);
    cb(ud);
    assert_int_equal(ks_api_delete(s, ks_registry_find(s->reg, "apps", "v1", "deployments"), "demo",
                                   "alpha", NULL),
                     0);
    assert_non_null(strstr(st->pending.buf, "{\"type\":\"DELETED\""));
    /* the server ends the remaining watch */
    ks_store_drop_watches(s->store);
    assert_true(st->ended);
    http_stream_free(st);
    r = call(s, "GET", DEPLOYS "?timeoutSeconds=abc", ADMIN, NULL, NULL);
    expect_code(&r, 200); /* not a watch: ignored */
    res_free(&r);
}

/* ---- the recorded creates, replayed ---------------------------------------------------- */

/* Blanks what differs from run to run: uid, resourceVersion, times. */
static void normalize(cJSON *o, bool fields)
{
    cJSON *md = cJSON_GetObjectItem(o, "metadata"), *it;
    static const char *const keys[] = {"uid", "resourceVersion", "creationTimestamp"};

    for (size_t i = 0; md && i < N(keys); i++)
        if (cJSON_GetObjectItem(md, keys[i]))
            cJSON_ReplaceItemInObject(md, keys[i], cJSON_CreateString("X"));
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(md, "managedFields"))
    {
        if (cJSON_GetObjectItem(it, "time"))
            cJSON_ReplaceItemInObject(it, "time", cJSON_CreateString("X"));
        if (fields && cJSON_GetObjectItem(it, "fieldsV1"))
            cJSON_ReplaceItemInObject(it, "fieldsV1", cJSON_CreateString("X"));
    }
}

/* fields: also blank managedFields' field sets (patch.c's part). */
static void replay(ks_sim *s, int nn, bool fields)
{
    struct ebbt_kube_exchange x;
    assert_true(ebbt_kube_load_nn(nn, &x));
    const char *ct = ebbt_kube_req_header(&x, "Content-Type");
    struct res r = call(s, x.method, x.target, ADMIN, ct, x.req_body);
    expect_code(&r, x.status);
    cJSON *want = cJSON_Parse(x.body), *got = r.body;
    assert_non_null(want);
    assert_non_null(got);
    normalize(want, fields);
    normalize(got, fields);
    if (nn == 40) {
        /* kubesim establishes a CRD at once; the recording caught it before */
        cJSON_DeleteItemFromObject(want, "status");
        cJSON_DeleteItemFromObject(got, "status");
    }
    char *a = cJSON_PrintUnformatted(want), *b = cJSON_PrintUnformatted(got);
    if (strcmp(a, b) != 0)
        fprintf(stderr, "fixture %d:\n want %s\n got  %s\n", nn, a, b);
    assert_string_equal(a, b);
    free(a);
    free(b);
    cJSON_Delete(want);
    res_free(&r);
    ebbt_kube_release(&x);
}

static void test_replay_creates(void **state)
{
    ks_sim *s = *state;
    static const struct {
        int nn;
        bool fields;
    } cases[] = {{10, false}, {31, false}, {70, false}, {90, true},
                 {91, true},  {40, true},  {42, true}};
    for (size_t i = 0; i < N(cases); i++)
        replay(s, cases[i].nn, cases[i].fields);
}

/* The recorded failures: the same Status, field for field, in order. */
static void test_replay_errors(void **state)
{
    ks_sim *s = *state;
    free(s->tokens[NOBODY].user);
    s->tokens[NOBODY].user = strdup("operator-test");
    replay(s, 10, false);
    replay(s, 70, false);
    static const struct {
        int nn, who;
    } cases[] = {
        {19, ADMIN}, {21, ADMIN},  {23, ADMIN},  {24, ADMIN},    {25, ADMIN}, {26, ADMIN},
        {27, ADMIN}, {28, NOBODY}, {29, NOBODY}, {30, BADTOKEN}, {72, ADMIN}, {82, ADMIN},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ebbt_kube_exchange x;
        assert_true(ebbt_kube_load_nn(cases[i].nn, &x));
        const char *ct = ebbt_kube_req_header(&x, "Content-Type");
        struct res r = call(s, x.method, x.target, cases[i].who, ct, x.req_body);
        expect_code(&r, x.status);
        cJSON *want = cJSON_Parse(x.body);
        char *a = cJSON_PrintUnformatted(want), *b = cJSON_PrintUnformatted(r.body);
        if (strcmp(a, b) != 0)
            fprintf(stderr, "fixture %d:\n want %s\n got  %s\n", cases[i].nn, a, b);
        assert_string_equal(a, b);
        free(a);
        free(b);
        cJSON_Delete(want);
        res_free(&r);
        ebbt_kube_release(&x);
    }
}

/* ---- faults and internal writers ---------------------------------------------------------- */

static void test_faults(void **state)
{
    ks_sim *s = *state;
    s->faults.p500 = 1.0;
    struct res r = call(s, "GET", DEPLOYS, ADMIN, NULL, NULL);
    assert_status(&r, 500, "InternalError", "Internal error occurred: kubesim: injected fault");
    res_free(&r);
    /* open and discovery paths are not faulted */
    r = call(s, "GET", "/version", ANON, NULL, NULL);
    expect_code(&r, 200);
    res_free(&r);
    s->faults.p500 = 0;
    s->faults.p429 = 1.0;
    s->faults.retry_after_s = 3;
    r = call(s, "GET", DEPLOYS, ADMIN, NULL, NULL);
    assert_status(&r, 429, "TooManyRequests", "Too many requests, please try again later.");
    assert_string_equal(r.retry_after, "3");
    assert_int_equal((int)jnum(r.body, "details.retryAfterSeconds"), 3);
    res_free(&r);
    s->faults.p429 = 0;
}

static void test_internal_writers(void **state)
{
    ks_sim *s = *state;
    const ks_rtype *cms = ks_registry_find(s->reg, "", "v1", "configmaps");
    const ks_obj *o = NULL;
    cJSON *cm = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
                            "\"name\":\"int\",\"namespace\":\"demo\"},\"data\":{\"a\":\"1\"}}");
    assert_int_equal(ks_api_create(s, cms, cm, "kube-controller-manager", &o), 0);
    assert_non_null(o);
    assert_string_equal(o->name, "int");
    assert_int_equal(ks_api_create(s, cms, cm, "kube-controller-manager", NULL), KS_EEXISTS);
    cJSON *cur = cJSON_Parse(o->json);
    ks_json_set_path(cur, "data.a", cJSON_CreateString("2"));
    assert_int_equal(ks_api_update(s, cms, cur, false, "kube-controller-manager", &o), 0);
    assert_non_null(strstr(o->json, "\"a\":\"2\""));
    /* cur still carries the old resourceVersion: conflict */
    assert_int_equal(ks_api_update(s, cms, cur, false, "kube-controller-manager", NULL),
                     KS_ECONFLICT);
    assert_int_equal(ks_api_delete(s, cms, "demo", "int", NULL), 0);
    assert_int_equal(ks_api_delete(s, cms, "demo", "int", NULL), KS_ENOTFOUND);
    cJSON_Delete(cur);
    cJSON_Delete(cm);
}

/* Hostile or odd requests: a clear error, never a crash. */
static void test_hostile_requests(void **state)
{
    ks_sim *s = *state;
    char *deep = malloc(20002);
    assert_non_null(deep);
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    deep[20000] = '\0';
    char *yaml_deep = malloc(4002);
    assert_non_null(yaml_deep);
    memset(yaml_deep, '[', 2000);
    memset(yaml_deep + 2000, ']', 2000);
    yaml_deep[4000] = '\0';
    struct {
        const char *method, *path, *ctype, *body;
        int code;
    } cases[] = {
        {"BREW", DEPLOYS, NULL, NULL, 405},
        {"GET", "/", NULL, NULL, 404},
        {"GET", "/api/v1/namespaces/demo/pods/x/status/y/z", NULL, NULL, 404},
        {"GET", "/api/v1/namespaces/%00/pods", NULL, NULL, 404},
        {"GET", "/apis/apps", NULL, NULL, 200},
        {"POST", DEPLOYS, "application/json", "null", 400},
        {"POST", DEPLOYS, "application/json", "\"str\"", 400},
        {"POST", DEPLOYS, "application/json", "", 400},
        {"POST", DEPLOYS, "application/json", deep, 400},
        {"POST", DEPLOYS, "application/json", "{\"metadata\":5}", 422},
        {"POST", DEPLOYS, "application/json", "{\"metadata\":{\"name\":5}}", 422},
        {"PUT", WEB, "application/json", "{\"metadata\":[]}", 404},
        {"PATCH", WEB, "application/merge-patch+json", "{}", 404},
        {"PATCH", DEPLOYS, "application/merge-patch+json", "{}", 405},
        {"PATCH", WEB "?fieldManager=x", "application/apply-patch+yaml", yaml_deep, 400},
        {"PATCH", WEB "?fieldManager=x", "application/apply-patch+yaml", "", 400},
        {"DELETE", WEB, "application/json", "{bad", 400},
        {"DELETE", WEB "/status", NULL, NULL, 405},
        {"POST", WEB "/scale", "application/json", "{}", 405},
        {"PUT", DEPLOYS, "application/json", "{}", 405},
        {"GET", DEPLOYS "?limit=-5", NULL, NULL, 200},
        {"GET", DEPLOYS "?labelSelector=a%20in%20(", NULL, NULL, 400},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct res r =
            call(s, cases[i].method, cases[i].path, ADMIN, cases[i].ctype, cases[i].body);
        if (r.status != cases[i].code)
            fprintf(stderr, "case %zu: %s %s\n", i, cases[i].method, cases[i].path);
        expect_code(&r, cases[i].code);
        res_free(&r);
    }
    free(deep);
    free(yaml_deep);
}

static void test_status_fail_shape(void **state)
{
    (void)state;
    ks_resp resp;
    memset(&resp, 0, sizeof(resp));
    ebb_strbuf_init(&resp.body);
    cJSON *d = cJSON_Parse("{\"name\":\"x\",\"kind\":\"pods\"}");
    ks_status_fail(&resp, 404, "NotFound", "pods \"x\" not found", d);
    assert_int_equal(resp.status, 404);
    assert_string_equal(resp.body.buf,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
                        "\"Failure\",\"message\":\"pods \\\"x\\\" not found\",\"reason\":"
                        "\"NotFound\",\"details\":{\"name\":\"x\",\"kind\":\"pods\"},\"code\":"
                        "404}\n");
    cJSON_Delete(d);
    ebb_strbuf_release(&resp.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_fail_shape),
        cmocka_unit_test_setup_teardown(test_version_and_health, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unauthorized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forbidden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_media_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crd_and_custom_resources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crd_schema_causes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cluster_scoped_custom_resources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_field_validation_builtin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_collection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namespaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pods_graceful, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_watch_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_timeout_on_wall_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_creates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_internal_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_requests, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
