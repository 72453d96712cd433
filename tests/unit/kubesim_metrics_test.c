/* kubesim_metrics_test.c -- kubesim's usage model, metrics APIs, Prometheus
 * text and control endpoint (cmd/kubesim/metrics*.c, control.c), on a
 * ks_sim with the real registry and store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/kubesim/metrics_internal.h"

/* 2026-11-23T00:00:00Z: on the 15 s grid. */
#define T0 1795392000.0

struct fx {
    ks_sim s;
    char token_file[64];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    ks_sim *s = &f->s;
    s->cfg.speed = 1;
    s->cfg.metrics_resolution = 15;
    s->start_real = 100;
    s->now_real = 100;
    s->start_sim = T0;
    s->rng[0] = 0x1234567;
    s->rng[1] = 0x89abcdef;
    s->reg = ks_registry_new();
    s->store = ks_store_new(NULL);
    s->load = ks_load_new();
    if (!s->reg || !s->store || !s->load || ks_builtins_register(s->reg) != KS_OK ||
        ks_metrics_register(s->reg) != KS_OK)
        return -1;
    s->metrics = ks_metrics_new(s);
    if (!s->metrics)
        return -1;
    static const char *const tok[3][3] = {{"admin-token", "admin", "system:masters"},
                                          {"reader-token", "reader", ""},
                                          {"nobody-token", "nobody", ""}};
    snprintf(f->token_file, sizeof(f->token_file), "/tmp/kubesim_metrics_tokXXXXXX");
    int fd = mkstemp(f->token_file);
    if (fd < 0)
        return -1;
    close(fd);
    for (int i = 0; i < 3; i++) {
        s->tokens[i].token = strdup(tok[i][0]);
        s->tokens[i].user = strdup(tok[i][1]);
        s->tokens[i].groups = strdup(tok[i][2]);
        s->tokens[i].file = strdup(i == 1 ? f->token_file : "");
    }
    s->n_tokens = 3;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    ks_sim *s = &f->s;
    ks_metrics_free(s->metrics);
    ks_load_free(s->load);
    ks_store_free(s->store);
    ks_registry_free(s->reg);
    for (int i = 0; i < 3; i++) {
        free(s->tokens[i].token);
        free(s->tokens[i].user);
        free(s->tokens[i].groups);
        free(s->tokens[i].file);
    }
    unlink(f->token_file);
    free(f);
    return 0;
}

static void at(ks_sim *s, double secs)
{
    s->now_real = s->start_real + secs;
}

static void put_obj(ks_sim *s, const char *group, const char *resource, const char *json)
{
    const ks_rtype *rt = ks_registry_find(s->reg, group, "v1", resource);
    cJSON *o = cJSON_Parse(json);
    assert_non_null(rt);
    assert_non_null(o);
    const char *ns = ks_json_str(o, "metadata.namespace");
    const char *name = ks_json_str(o, "metadata.name");
    int rc = ks_store_get(s->store, rt, ns, name) ? ks_store_update(s->store, rt, o, 0, NULL)
                                                  : ks_store_create(s->store, rt, o, NULL);
    assert_int_equal(rc, KS_OK);
    cJSON_Delete(o);
}

static void deployment(ks_sim *s, const char *name, const char *annotations)
{
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"demo\",\"creationTimestamp\":\"2026-11-23T00:00:00Z\","
             "\"annotations\":{%s}},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":"
             "{\"app\":\"%s\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\"}},"
             "\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"x\"}]}}}}",
             name, annotations, name, name);
    put_obj(s, "apps", "deployments", json);
}

/* phase "Running"/"Pending"; ready: the Ready condition. */
static void pod(ks_sim *s, const char *name, const char *app, const char *phase, bool ready)
{
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"demo\",\"labels\":{\"app\":\"%s\"}},\"spec\":{\"containers\":"
             "[{\"name\":\"main\",\"image\":\"x\",\"resources\":{\"requests\":{\"cpu\":\"500m\","
             "\"memory\":\"256Mi\"}}}]},\"status\":{\"phase\":\"%s\",\"conditions\":"
             "[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
             name, app, phase, ready ? "True" : "False");
    put_obj(s, "", "pods", json);
}

struct resp {
    int status;
    char *body;
    char ctype[96];
    cJSON *json;
};

static void resp_free(struct resp *r)
{
    free(r->body);
    cJSON_Delete(r->json);
}

/* Queries are given undecoded: a request built outside http.c has its
 * parameters read from the raw query. */
/* Runs one request through ks_control_handle / ks_metrics_handle. */
static struct resp call(ks_sim *s, const char *method, const char *path, const char *query,
                        const char *body, const char *token)
{
    char auth[128];
    struct ks_header h = {"Authorization", auth};
    ks_req req;
    ks_resp resp;
    struct resp r = {0};

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    ebb_strbuf_init(&resp.body);
    snprintf(req.method, sizeof(req.method), "%s", method);
    req.path = (char *)path;
    req.query = (char *)(query ? query : "");
    ks_req_parse_query(&req);
    req.body = (char *)(body ? body : "");
    req.body_len = body ? strlen(body) : 0;
    if (token) {
        snprintf(auth, sizeof(auth), "Bearer %s", token);
        req.headers = &h;
        req.n_headers = 1;
    }
    bool handled = strncmp(path, "/kubesim/", 9) == 0 ? ks_control_handle(s, &req, &resp)
                                                      : ks_metrics_handle(s, &req, &resp);
    r.status = handled ? resp.status : -1;
    r.body = strdup(resp.body.buf);
    /* http.c ends JSON bodies with a newline, as the apiserver does. */
    if (r.body && *r.body && r.body[strlen(r.body) - 1] == '\n' &&
        strncmp(resp.content_type, "text/plain", 10) != 0)
        r.body[strlen(r.body) - 1] = '\0';
    snprintf(r.ctype, sizeof(r.ctype), "%s", resp.content_type);
    r.json = cJSON_Parse(r.body);
    ebb_strbuf_release(&resp.body);
    ks_req_release_query(&req);
    for (size_t i = 0; i < resp.n_extra; i++) {
        free(resp.extra[i].name);
        free(resp.extra[i].value);
    }
    return r;
}

#define ADMIN "admin-token"

static void expect_status(const struct resp *r, int code, const char *message)
{
    if (r->status != code)
        fail_msg("status %d, want %d: %s", r->status, code, r->body);
    assert_non_null(r->json);
    assert_string_equal(ks_json_str(r->json, "kind"), "Status");
    assert_string_equal(ks_json_str(r->json, "message"), message);
}

static void test_quantities(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        int exp;
        const char *want;
    } dec[] = {
        {123456789, -9, "123456789n"},
        {1500000000, -9, "1500m"},
        {2000000000, -9, "2"},
        {0, -9, "0"},
        {1500, -3, "1500m"},
        {1000, -3, "1"},
        {2000, 0, "2k"},
        {1500, 0, "1500"},
        {100000, -6, "100m"},
        {-250, -3, "-250m"},
        {5000000, 0, "5M"},
        {1, -9, "1n"},
    };
    char out[32];
    for (size_t i = 0; i < sizeof(dec) / sizeof(dec[0]); i++) {
        ks_quantity_decimal(dec[i].v, dec[i].exp, out);
        if (strcmp(out, dec[i].want) != 0)
            fail_msg("%lld e%d: got %s, want %s", (long long)dec[i].v, dec[i].exp, out,
                     dec[i].want);
    }
    static const struct {
        int64_t v;
        const char *want;
    } bin[] = {
        {1572864, "1536Ki"},
        {67108864, "64Mi"},
        {1536, "1536"},
        {1000, "1k"},
        {0, "0"},
        {512, "512"},
        {1024, "1Ki"},
        {1073741824, "1Gi"},
        {12345678, "12345678"},
    };
    for (size_t i = 0; i < sizeof(bin) / sizeof(bin[0]); i++) {
        ks_quantity_binary(bin[i].v, out);
        if (strcmp(out, bin[i].want) != 0)
            fail_msg("%lld: got %s, want %s", (long long)bin[i].v, out, bin[i].want);
    }
    static const struct {
        double v;
        const char *want;
    } val[] = {{1.5, "1500m"}, {3, "3"},     {12.5, "12500m"},
               {0, "0"},       {1000, "1k"}, {0.3333, "333m"}};
    for (size_t i = 0; i < sizeof(val) / sizeof(val[0]); i++) {
        ks_quantity_value(val[i].v, out);
        if (strcmp(out, val[i].want) != 0)
            fail_msg("%g: got %s, want %s", val[i].v, out, val[i].want);
    }
}

/* web: load 150 from its annotation, capacity 100; a, b Ready, c Running
 * but not Ready, d Pending. */
static void world(ks_sim *s)
{
    deployment(s, "web", "\"kubesim.ebb.dev/load\":\"constant:150\"");
    pod(s, "web-a", "web", "Running", true);
    pod(s, "web-b", "web", "Running", true);
    pod(s, "web-c", "web", "Running", false);
    pod(s, "web-d", "web", "Pending", false);
}

static const char *usage(const cJSON *pm, const char *what)
{
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(pm, "containers"), 0);
    return ks_json_str(ks_json_path(c, "usage"), what);
}

static void test_pod_metrics(void **state)
{
    struct fx *f = *state;
    ks_sim *s = &f->s;
    world(s);

    struct resp r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/web-a", NULL,
                         NULL, ADMIN);
    assert_int_equal(r.status, 200);
    /* 75 requests/s each: 500m * (75/100 + 2%) = 385m; 128Mi + 75 * 128Ki. */
    static const char want[] =
        "{\"kind\":\"PodMetrics\",\"apiVersion\":\"metrics.k8s.io/v1beta1\",\"metadata\":"
        "{\"name\":\"web-a\",\"namespace\":\"demo\",\"creationTimestamp\":"
        "\"2026-11-23T00:00:00Z\",\"labels\":{\"app\":\"web\"}},\"timestamp\":"
        "\"2026-11-23T00:00:00Z\",\"window\":\"15s\",\"containers\":[{\"name\":\"main\","
        "\"usage\":{\"cpu\":\"385m\",\"memory\":\"140672Ki\"}}]}";
    assert_string_equal(r.body, want);
    resp_free(&r);

    r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods", NULL, NULL, ADMIN);
    assert_int_equal(r.status, 200);
    assert_string_equal(ks_json_str(r.json, "kind"), "PodMetricsList");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 3);
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(items, 2), "metadata.name"), "web-c");
    assert_string_equal(usage(cJSON_GetArrayItem(items, 1), "cpu"), "385m");
    assert_string_equal(usage(cJSON_GetArrayItem(items, 2), "cpu"), "10m"); /* idle floor */
    resp_free(&r);

    /* Pending: no metrics. */
    r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/web-d", NULL, NULL,
             ADMIN);
    expect_status(&r, 404, "podmetrics.metrics.k8s.io \"web-d\" not found");
    assert_string_equal(ks_json_str(r.json, "reason"), "NotFound");
    resp_free(&r);

    /* All namespaces, with selectors. */
    r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/pods", "labelSelector=app=other", NULL, ADMIN);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    resp_free(&r);
    r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/pods", "fieldSelector=metadata.name=web-b",
             NULL, ADMIN);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 1);
    resp_free(&r);

    /* Node: the sum. */
    r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/nodes/kubesim-node", NULL, NULL, ADMIN);
    assert_int_equal(r.status, 200);
    assert_string_equal(ks_json_str(r.json, "kind"), "NodeMetrics");
    assert_string_equal(ks_json_str(r.json, "usage.cpu"), "780m");
    resp_free(&r);
    r = call(s, "POST", "/apis/metrics.k8s.io/v1beta1/nodes", NULL, "{}", ADMIN);
    assert_int_equal(r.status, 405);
    resp_free(&r);
    r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/demo/services", NULL, NULL, ADMIN);
    assert_int_equal(r.status, -1); /* not ours */
    resp_free(&r);
}

static void test_staleness(void **state)
{
    struct fx *f = *state;
    ks_sim *s = &f->s;
    char err[256];
    world(s);
    ks_metrics_tick(s, ks_now(s));

    /* The control curve overrides the annotation, but only from the next
     * grid point on. */
    assert_int_equal(ks_load_set(s->load, "demo/web", "constant:300", ks_now(s), err, sizeof(err)),
                     KS_OK);
    pod(s, "web-d", "web", "Running", false);
    at(s, 14.9);
    struct resp r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/web-a", NULL,
                         NULL, ADMIN);
    assert_string_equal(usage(r.json, "cpu"), "385m");
    assert_string_equal(ks_json_str(r.json, "timestamp"), "2026-11-23T00:00:00Z");
    assert_string_equal(ks_json_str(r.json, "metadata.creationTimestamp"), "2026-11-23T00:00:14Z");
    resp_free(&r);
    r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/web-d", NULL, NULL,
             ADMIN);
    assert_int_equal(r.status, 404); /* Running now, but not sampled yet */
    resp_free(&r);

    at(s, 15);
    r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/web-a", NULL, NULL,
             ADMIN);
    assert_string_equal(usage(r.json, "cpu"), "760m"); /* 500m * (150/100 + 2%) */
    assert_string_equal(ks_json_str(r.json, "timestamp"), "2026-11-23T00:00:15Z");
    resp_free(&r);
    r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/web-d", NULL, NULL,
             ADMIN);
    assert_int_equal(r.status, 200);
    resp_free(&r);

    /* A pod going unready: the others take its share at the next sample. */
    pod(s, "web-b", "web", "Running", false);
    at(s, 31);
    r = call(s, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/web-a", NULL, NULL,
             ADMIN);
    assert_string_equal(usage(r.json, "cpu"), "1510m");
    resp_free(&r);
}

static void test_noise(void **state)
{
    struct fx *f = *state;
    ks_sim *s = &f->s;
    s->cfg.noise = 0.5;
    world(s);
    double sum = 0;
    int n = 0;
    for (int i = 0; i < 200; i++) {
        at(s, 15.0 * i);
        ks_metrics_tick(s, ks_now(s));
        const struct ks_pod_sample *p = ks_metrics_pod(s->metrics, "demo", "web-a");
        assert_non_null(p);
        assert_true(p->cpu >= 0);
        assert_true(fabs(p->rps - 75) < 1e-9);
        sum += p->cpu;
        n++;
    }
    /* Mean 0.385 cores; 200 samples of sd 0.19 -> the mean within 0.1. */
    assert_true(fabs(sum / n - 0.385) < 0.1);
}

static void test_custom_metrics(void **state)
{
    struct fx *f = *state;
    ks_sim *s = &f->s;
    world(s);
    pod(s, "other", "other", "Running", true);

    struct resp r = call(s, "GET",
                         "/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/*/"
                         "requests_per_second",
                         "labelSelector=app=web", NULL, ADMIN);
    assert_int_equal(r.status, 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 3);
    static const char want0[] =
        "{\"describedObject\":{\"kind\":\"Pod\",\"namespace\":\"demo\",\"name\":\"web-a\","
        "\"apiVersion\":\"/v1\"},\"metric\":{\"name\":\"requests_per_second\",\"selector\":null},"
        "\"timestamp\":\"2026-11-23T00:00:00Z\",\"windowSeconds\":15,\"value\":\"75\"}";
    char *it0 = cJSON_PrintUnformatted(cJSON_GetArrayItem(items, 0));
    assert_string_equal(it0, want0);
    free(it0);
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(items, 2), "value"), "0");
    assert_string_equal(ks_json_str(r.json, "kind"), "MetricValueList");
    assert_string_equal(ks_json_str(r.json, "apiVersion"), "custom.metrics.k8s.io/v1beta2");
    resp_free(&r);

    r = call(s, "GET",
             "/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/web-b/requests_per_second",
             NULL, NULL, ADMIN);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 1);
    resp_free(&r);
    r = call(s, "GET",
             "/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/web-d/requests_per_second",
             NULL, NULL, ADMIN);
    expect_status(&r, 404,
                  "the server could not find the metric requests_per_second for pods "
                  "web-d");
    resp_free(&r);
    r = call(s, "GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/%2A/nope", NULL,
             NULL, ADMIN);
    expect_status(&r, 404, "the server could not find the metric nope for pods");
    resp_free(&r);

    /* A series set through the control endpoint. */
    r = call(s, "PUT", "/kubesim/v1/custom/demo/web-a/queue_depth", NULL, "{\"value\":1.5}", ADMIN);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    r = call(s, "GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/*/queue_depth",
             "labelSelector=app=web", NULL, ADMIN);
    assert_int_equal(r.status, 200);
    items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(items, 0), "value"), "1500m");
    resp_free(&r);
    /* Discovery learns the metric. */
    assert_non_null(
        ks_registry_find(s->reg, "custom.metrics.k8s.io", "v1beta2", "pods/queue_depth"));
    assert_non_null(
        ks_registry_find(s->reg, "custom.metrics.k8s.io", "v1beta2", "pods/requests_per_second"));
    assert_non_null(ks_registry_find(s->reg, "metrics.k8s.io", "v1beta1", "pods"));
}

static void test_external_metrics(void **state)
{
    struct fx *f = *state;
    ks_sim *s = &f->s;

    struct resp r = call(s, "PUT", "/kubesim/v1/external/demo/queue_length", NULL,
                         "{\"labels\":{\"queue\":\"orders\"},\"value\":12.5}", ADMIN);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    r = call(s, "PUT", "/kubesim/v1/external/demo/queue_length", NULL,
             "{\"labels\":{\"queue\":\"billing\"},\"curve\":\"step:3,9@60\"}", ADMIN);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    /* Same labels: replaced, not added. */
    r = call(s, "PUT", "/kubesim/v1/external/demo/queue_length", NULL,
             "{\"labels\":{\"queue\":\"orders\"},\"value\":20}", ADMIN);
    resp_free(&r);

    at(s, 61);
    r = call(s, "GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/queue_length",
             "labelSelector=queue=billing", NULL, ADMIN);
    assert_int_equal(r.status, 200);
    static const char want[] =
        "{\"kind\":\"ExternalMetricValueList\",\"apiVersion\":\"external.metrics.k8s.io/v1beta1\","
        "\"metadata\":{},\"items\":[{\"metricName\":\"queue_length\",\"metricLabels\":{\"queue\":"
        "\"billing\"},\"timestamp\":\"2026-11-23T00:01:01Z\",\"value\":\"9\"}]}";
    assert_string_equal(r.body, want);
    resp_free(&r);
    r = call(s, "GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/queue_length", NULL,
             NULL, ADMIN);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 2);
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(items, 0), "value"), "20");
    resp_free(&r);
    r = call(s, "GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/other/queue_length", NULL,
             NULL, ADMIN);
    expect_status(&r, 404, "the server could not find the metric queue_length for namespace other");
    resp_free(&r);
    r = call(s, "GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/queue_length",
             "labelSelector=a in (", NULL, ADMIN);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    assert_non_null(ks_registry_find(s->reg, "external.metrics.k8s.io", "v1beta1", "queue_length"));
}

static void test_prometheus(void **state)
{
    struct fx *f = *state;
    ks_sim *s = &f->s;
    world(s);
    struct resp r = call(s, "PUT", "/kubesim/v1/external/demo/jobs", NULL,
                         "{\"labels\":{\"queue\":\"a\\\"b\\\\c\\nd\",\"name\":\"x\",\"kind.io/x\":"
                         "\"y\"},\"value\":0.1}",
                         ADMIN);
    assert_int_equal(r.status, 200);
    resp_free(&r);

    r = call(s, "PUT", "/kubesim/v1/external/demo/big", NULL, "{\"value\":2500000}", ADMIN);
    resp_free(&r);
    r = call(s, "PUT", "/kubesim/v1/external/demo/tiny", NULL, "{\"value\":0.00001}", ADMIN);
    resp_free(&r);

    /* Open: no token. */
    r = call(s, "GET", "/kubesim/metrics", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/plain; version=0.0.4; charset=utf-8");
    static const char *const lines[] = {
        "# HELP kubesim_offered_load Offered load of a workload, requests per second.\n"
        "# TYPE kubesim_offered_load gauge\n"
        "kubesim_offered_load{namespace=\"demo\",workload=\"web\"} 150\n",
        "kubesim_workload_ready_replicas{namespace=\"demo\",workload=\"web\"} 2\n",
        "kubesim_pod_requests_per_second{namespace=\"demo\",pod=\"web-a\",workload=\"web\"} 75\n",
        "kubesim_pod_cpu_usage_cores{namespace=\"demo\",pod=\"web-a\",workload=\"web\"} 0.385\n",
        "kubesim_pod_ready{namespace=\"demo\",pod=\"web-c\",workload=\"web\"} 0\n",
        "# TYPE kubesim_external_metric gauge\n",
        "kubesim_external_metric{name=\"jobs\",namespace=\"demo\",queue=\"a\\\"b\\\\c\\nd\","
        "label_name=\"x\",kind_io_x=\"y\"} 0.1\n",
        "kubesim_external_metric{name=\"big\",namespace=\"demo\"} 2.5e+06\n",
        "kubesim_external_metric{name=\"tiny\",namespace=\"demo\"} 1e-05\n",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        if (!strstr(r.body, lines[i]))
            fail_msg("missing:\n%s\nin:\n%s", lines[i], r.body);
    resp_free(&r);

    r = call(s, "GET", "/kubesim/metrics/namespaces/demo/pods/web-b", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "web-a"));
    assert_null(strstr(r.body, "kubesim_offered_load{"));
    assert_non_null(strstr(r.body, "kubesim_pod_ready{namespace=\"demo\",pod=\"web-b\","
                                   "workload=\"web\"} 1\n"));
    resp_free(&r);
    r = call(s, "GET", "/kubesim/metrics/namespaces/demo/workloads/web", NULL, NULL, NULL);
    assert_non_null(strstr(r.body, "kubesim_offered_load{namespace=\"demo\",workload=\"web\"} "
                                   "150\n"));
    assert_non_null(strstr(r.body, "pod=\"web-c\""));
    resp_free(&r);
    r = call(s, "GET", "/kubesim/metrics/namespaces/demo/gadgets/web", NULL, NULL, NULL);
    assert_int_equal(r.status, 401); /* not a Prometheus path: needs auth */
    resp_free(&r);
}

static void test_control_auth(void **state)
{
    struct fx *f = *state;
    ks_sim *s = &f->s;

    struct resp r = call(s, "GET", "/kubesim/v1/state", NULL, NULL, NULL);
    expect_status(&r, 401, "Unauthorized");
    resp_free(&r);
    r = call(s, "GET", "/kubesim/v1/state", NULL, NULL, "wrong");
    expect_status(&r, 401, "Unauthorized");
    resp_free(&r);
    r = call(s, "GET", "/kubesim/v1/state", NULL, NULL, "reader-token");
    assert_int_equal(r.status, 403);
    assert_string_equal(ks_json_str(r.json, "reason"), "Forbidden");
    assert_non_null(strstr(ks_json_str(r.json, "message"), "User \"reader\""));
    resp_free(&r);
    r = call(s, "GET", "/kubesim/v1/state", NULL, NULL, ADMIN);
    assert_int_equal(r.status, 200);
    resp_free(&r);

    /* A client certificate in system:masters. */
    char *groups[] = {"system:authenticated", "system:masters"};
    ks_req req;
    ks_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    ebb_strbuf_init(&resp.body);
    snprintf(req.method, sizeof(req.method), "GET");
    req.path = "/kubesim/v1/stats";
    req.query = "";
    req.body = "";
    req.cert_user = "kubesim-admin";
    req.cert_groups = groups;
    req.n_cert_groups = 2;
    assert_true(ks_control_handle(s, &req, &resp));
    assert_int_equal(resp.status, 200);
    req.n_cert_groups = 1; /* a certificate without it: 403 */
    assert_true(ks_control_handle(s, &req, &resp));
    assert_int_equal(resp.status, 403);
    ebb_strbuf_release(&resp.body);

    r = call(s, "GET", "/kubesim/v1/nothing", NULL, NULL, ADMIN);
    expect_status(&r, 404, "the server could not find the requested resource");
    resp_free(&r);
    r = call(s, "GET", "/api/v1/pods", NULL, NULL, ADMIN);
    assert_int_equal(r.status, -1);
    resp_free(&r);
}

static void test_control_load(void **state)
{
    struct fx *f = *state;
    ks_sim *s = &f->s;
    world(s);

    static const struct {
        const char *body;
        int code;
        const char *message;
    } cases[] = {
        {"{\"curve\":\"step:10,200@60\"}", 200, NULL},
        {"not json", 400, "body: expected a JSON object"},
        {"[1]", 400, "body: expected a JSON object"},
        {"{}", 400, "curve: required: a string like \"step:10,200@60\""},
        {"{\"curve\":5}", 400, "curve: required: a string like \"step:10,200@60\""},
        {"{\"curve\":\"constant:1\",\"speed\":2}", 400, "speed: unknown field"},
        {"{\"curve\":\"wave:1\"}", 400,
         "curve: load spec \"wave:1\": unknown curve \"wave\" (known: constant, step, sine, "
         "blackfriday, trace)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct resp r = call(s, "PUT", "/kubesim/v1/load/demo/web", NULL, cases[i].body, ADMIN);
        if (r.status != cases[i].code)
            fail_msg("%s: %d %s", cases[i].body, r.status, r.body);
        if (cases[i].message)
            expect_status(&r, cases[i].code, cases[i].message);
        resp_free(&r);
    }
    assert_true(ks_load_has(s->load, "demo/web"));
    at(s, 60);
    struct resp r = call(s, "GET", "/kubesim/v1/state", NULL, NULL, ADMIN);
    assert_int_equal(r.status, 200);
    const cJSON *w = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "workloads"), 0);
    assert_string_equal(ks_json_str(w, "name"), "web");
    assert_string_equal(ks_json_str(w, "curve"), "step:10,200@60");
    assert_true(cJSON_GetObjectItemCaseSensitive(w, "load")->valuedouble == 200);
    assert_true(cJSON_GetObjectItemCaseSensitive(w, "ready")->valuedouble == 2);
    assert_true(cJSON_GetObjectItemCaseSensitive(w, "desired")->valuedouble == 3);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(w, "podMetrics")), 3);
    assert_string_equal(ks_json_str(r.json, "time"), "2026-11-23T00:01:00.000000Z");
    resp_free(&r);

    r = call(s, "DELETE", "/kubesim/v1/load/demo/web", NULL, NULL, ADMIN);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_false(ks_load_has(s->load, "demo/web"));
    r = call(s, "DELETE", "/kubesim/v1/load/demo/web", NULL, NULL, ADMIN);
    assert_int_equal(r.status, 404);
    resp_free(&r);
    r = call(s, "POST", "/kubesim/v1/load/demo/web", NULL, "{}", ADMIN);
    assert_int_equal(r.status, 405);
    resp_free(&r);

    /* Series bodies. */
    static const struct {
        const char *path, *body, *message;
    } bad[] = {
        {"/kubesim/v1/external/demo/q", "{\"labels\":{\"a\":1},\"value\":1}",
         "labels: must be an object of string values"},
        {"/kubesim/v1/external/demo/q", "{\"labels\":{}}",
         "value: give exactly one of \"value\" (a number) or \"curve\" (a spec)"},
        {"/kubesim/v1/external/demo/q", "{\"value\":\"1\"}", "value: must be a finite number"},
        {"/kubesim/v1/external/demo/q", "{\"curve\":\"sine:1\"}",
         "curve: load spec \"sine:1\": sine: expected MIN:MAX[:PERIOD], got \"1\""},
        {"/kubesim/v1/custom/demo/web-a/m", "{\"labels\":{},\"value\":1}", "labels: unknown field"},
        {"/kubesim/v1/external/demo/a%20b", "{\"value\":1}",
         "metric: \"a%20b\" is not a metric name (letters, digits, '_', ':', '.', '-'; at most "
         "58 characters)"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = call(s, "PUT", bad[i].path, NULL, bad[i].body, ADMIN);
        expect_status(&r, 400, bad[i].message);
        resp_free(&r);
    }
}

static void test_faults(void **state)
{
    struct fx *f = *state;
    ks_sim *s = &f->s;

    struct resp r = call(s, "POST", "/kubesim/v1/faults", NULL,
                         "{\"p500\":0.2,\"p429\":0.1,\"retryAfterSeconds\":2,\"latencyMs\":100,"
                         "\"refuseSeconds\":5,\"dropWatches\":true,\"compact\":true}",
                         ADMIN);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_true(s->faults.p500 == 0.2);
    assert_true(s->faults.p429 == 0.1);
    assert_int_equal(s->faults.retry_after_s, 2);
    assert_int_equal(s->faults.latency_ms, 100);
    assert_true(s->faults.refuse_until == s->now_real + 5);

    static const struct {
        const char *body, *message;
    } bad[] = {
        {"{\"p500\":2}", "p500: must be a number between 0 and 1"},
        {"{\"p429\":\"x\"}", "p429: must be a number between 0 and 1"},
        {"{\"latencyMs\":1.5}", "latencyMs: must be a whole number between 0 and 600000"},
        {"{\"retryAfterSeconds\":-1}",
         "retryAfterSeconds: must be a whole number between 0 and 3600"},
        {"{\"dropWatches\":1}", "dropWatches: must be true or false"},
        {"{\"expireToken\":\"root\"}",
         "expireToken: must be one of \"admin\", \"reader\", \"nobody\""},
        {"{\"p501\":1}", "p501: unknown field"},
        {"{\"refuseSeconds\":-2}",
         "refuseSeconds: must be a number of seconds between 0 and 86400"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = call(s, "POST", "/kubesim/v1/faults", NULL, bad[i].body, ADMIN);
        expect_status(&r, 400, bad[i].message);
        resp_free(&r);
    }
    assert_true(s->faults.p500 == 0.2); /* a bad body changes nothing */

    r = call(s, "DELETE", "/kubesim/v1/faults", NULL, NULL, ADMIN);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_true(s->faults.p500 == 0 && s->faults.p429 == 0 && s->faults.latency_ms == 0);
    assert_true(s->faults.refuse_until == 0);
    assert_int_equal(s->faults.retry_after_s, 1);

    /* Token expiry: new value, file rewritten, the old one refused. */
    r = call(s, "POST", "/kubesim/v1/faults", NULL, "{\"expireToken\":\"reader\"}", ADMIN);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_string_not_equal(s->tokens[1].token, "reader-token");
    assert_int_equal(strlen(s->tokens[1].token), 32);
    FILE *fp = fopen(f->token_file, "r");
    char buf[128] = "";
    assert_non_null(fp);
    assert_non_null(fgets(buf, sizeof(buf), fp));
    fclose(fp);
    buf[strcspn(buf, "\n")] = '\0'; /* written with a newline, as at start */
    assert_string_equal(buf, s->tokens[1].token);
    r = call(s, "GET", "/kubesim/v1/state", NULL, NULL, "reader-token");
    assert_int_equal(r.status, 401);
    resp_free(&r);
    r = call(s, "GET", "/kubesim/v1/state", NULL, NULL, s->tokens[1].token);
    assert_int_equal(r.status, 403);
    resp_free(&r);

    r = call(s, "GET", "/kubesim/v1/stats", NULL, NULL, ADMIN);
    assert_int_equal(r.status, 200);
    assert_true(cJSON_GetObjectItemCaseSensitive(r.json, "rssBytes")->valuedouble > 0);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(r.json, "openWatches"));
    assert_non_null(ks_json_path(r.json, "objects.pods"));
    resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantities),
        cmocka_unit_test_setup_teardown(test_pod_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staleness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_noise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_external_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prometheus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
