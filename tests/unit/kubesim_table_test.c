/* kubesim_table_test.c -- server-side printing (cmd/kubesim/table*.c):
 * Go's HumanDuration, the Accept negotiation, the Table document of
 * pods (pending, running, restarted, terminating, succeeded,
 * initializing), Deployments, the ScalingPolicy CRD's printer columns,
 * the default tables, the JSONPath subset, watch events, and GET/LIST
 * through ks_api_handle with kubectl's Accept header. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "../../cmd/kubesim/table.h"
#include "kubesim_request.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define CRD "crds/ebb.dev_scalingpolicies.yaml"
#define KUBECTL_ACCEPT                                                                             \
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta."     \
    "k8s.io,application/json"

/* 2026-11-22T12:00:00Z */
#define NOW 1795348800.0

/* ---- helpers ----------------------------------------------------------- */

static void rt_init(ks_rtype *rt, const char *group, const char *version, const char *kind,
                    enum ks_rtype_origin origin)
{
    memset(rt, 0, sizeof(*rt));
    snprintf(rt->group, sizeof(rt->group), "%s", group);
    snprintf(rt->version, sizeof(rt->version), "%s", version);
    snprintf(rt->kind, sizeof(rt->kind), "%s", kind);
    rt->origin = origin;
}

static struct ks_table_opts opts(enum ks_table_include inc)
{
    struct ks_table_opts o;

    memset(&o, 0, sizeof(o));
    snprintf(o.api_version, sizeof(o.api_version), "meta.k8s.io/v1");
    o.include = inc;
    o.now = NOW;
    return o;
}

/* The Table of doc (JSON text) for a built-in kind. */
static cJSON *table_of(const char *group, const char *kind, const char *json,
                       enum ks_table_include inc)
{
    ks_rtype rt;
    struct ks_table_kind k;
    struct ks_table_opts o = opts(inc);
    cJSON *doc = cJSON_Parse(json);

    assert_non_null(doc);
    rt_init(&rt, group, "v1", kind, KS_RT_BUILTIN);
    assert_int_equal(ks_table_kind_from_crd(&rt, NULL, &k), 0);
    cJSON *t = ks_table_convert(&k, doc, &o);
    ks_table_kind_release(&k);
    cJSON_Delete(doc);
    assert_non_null(t);
    return t;
}

static const cJSON *row_cells(const cJSON *t, int row)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(t, "rows");
    const cJSON *r = cJSON_GetArrayItem(rows, row);
    assert_non_null(r);
    return cJSON_GetObjectItemCaseSensitive(r, "cells");
}

static void expect_cell_str(const cJSON *cells, int i, const char *want)
{
    const cJSON *c = cJSON_GetArrayItem(cells, i);
    assert_non_null(c);
    if (!cJSON_IsString(c))
        fail_msg("cell %d is not a string (want \"%s\")", i, want);
    assert_string_equal(c->valuestring, want);
}

static void expect_cell_num(const cJSON *cells, int i, double want)
{
    const cJSON *c = cJSON_GetArrayItem(cells, i);
    assert_non_null(c);
    assert_true(cJSON_IsNumber(c));
    assert_true(c->valuedouble == want);
}

static void expect_columns(const cJSON *t, const char *const *names, size_t n)
{
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(t, "columnDefinitions");
    assert_int_equal(cJSON_GetArraySize(defs), (int)n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(ks_json_str(cJSON_GetArrayItem(defs, (int)i), "name"), names[i]);
}

/* ---- YAML (the CRD file) ------------------------------------------------ */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else if (buf) {
            buf[n] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static cJSON *convert(yaml_document_t *doc, yaml_node_t *n, int depth)
{
    cJSON *out = NULL;

    if (!n || depth > 100)
        return NULL;
    if (n->type == YAML_SCALAR_NODE) {
        const char *s = (const char *)n->data.scalar.value;
        char *end;
        if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
            return cJSON_CreateString(s);
        if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
            return cJSON_CreateBool(s[0] == 't');
        double d = strtod(s, &end);
        if (*s && end != s && !*end && strchr("+-.0123456789", s[0]))
            return cJSON_CreateNumber(d);
        return cJSON_CreateString(s);
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        out = cJSON_CreateArray();
        for (yaml_node_item_t *it = n->data.sequence.items.start;
             out && it < n->data.sequence.items.top; it++) {
            cJSON *c = convert(doc, yaml_document_get_node(doc, *it), depth + 1);
            if (!c) {
                cJSON_Delete(out);
                return NULL;
            }
            cJSON_AddItemToArray(out, c);
        }
        return out;
    }
    if (n->type == YAML_MAPPING_NODE) {
        out = cJSON_CreateObject();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
             out && p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            cJSON *v = convert(doc, yaml_document_get_node(doc, p->value), depth + 1);
            if (!k || k->type != YAML_SCALAR_NODE || !v) {
                cJSON_Delete(v);
                cJSON_Delete(out);
                return NULL;
            }
            cJSON_AddItemToObject(out, (const char *)k->data.scalar.value, v);
        }
        return out;
    }
    return NULL;
}

static cJSON *load_yaml(const char *path)
{
    char *text = slurp(path);
    yaml_parser_t ps;
    yaml_document_t doc;
    cJSON *out = NULL;

    if (!text || !yaml_parser_initialize(&ps)) {
        free(text);
        return NULL;
    }
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, strlen(text));
    if (yaml_parser_load(&ps, &doc)) {
        out = convert(&doc, yaml_document_get_root_node(&doc), 0);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&ps);
    free(text);
    return out;
}

/* ---- HumanDuration ------------------------------------------------------ */

static void test_human_duration(void **state)
{
    static const struct {
        double secs;
        const char *want;
    } cases[] = {
        {-3, "<invalid>"},      {-1.5, "0s"},          {0, "0s"},           {59.9, "59s"},
        {119, "119s"},          {120, "2m"},           {312, "5m12s"},      {599, "9m59s"},
        {600, "10m"},           {179 * 60, "179m"},    {3 * 3600, "3h"},    {3 * 3600 + 60, "3h1m"},
        {8 * 3600, "8h"},       {47 * 3600, "47h"},    {48 * 3600, "2d"},   {50 * 3600, "2d2h"},
        {8 * 86400, "8d"},      {729 * 86400, "729d"}, {730 * 86400, "2y"}, {731 * 86400, "2y1d"},
        {3000 * 86400.0, "8y"},
    };
    char buf[32];

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        ks_table_human_duration(cases[i].secs, buf, sizeof(buf));
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("HumanDuration(%g) = %s, want %s", cases[i].secs, buf, cases[i].want);
    }
    ks_table_since(NULL, NOW, buf, sizeof(buf));
    assert_string_equal(buf, "<unknown>");
    ks_table_since("2026-11-22T11:54:48Z", NOW, buf, sizeof(buf));
    assert_string_equal(buf, "5m12s");
}

/* ---- negotiation -------------------------------------------------------- */

static int negotiate(const char *accept, const char *query, struct ks_table_opts *o, ks_resp *resp)
{
    struct ks_header h = {(char *)"Accept", (char *)accept};
    ks_req req;

    memset(&req, 0, sizeof(req));
    req.path = (char *)"/api/v1/pods";
    req.query = (char *)query;
    req.headers = accept ? &h : NULL;
    req.n_headers = accept ? 1 : 0;
    assert_int_equal(ks_req_parse_query(&req), 0);
    int rc = ks_table_request(&req, resp, o);
    ks_req_release_query(&req);
    return rc;
}

static void test_negotiation(void **state)
{
    static const struct {
        const char *accept, *query;
        int want;
        const char *version;
        enum ks_table_include inc;
    } cases[] = {
        {KUBECTL_ACCEPT, "", 1, "meta.k8s.io/v1", KS_TABLE_METADATA},
        {"application/json;as=Table;v=v1beta1;g=meta.k8s.io", "includeObject=None", 1,
         "meta.k8s.io/v1beta1", KS_TABLE_NONE},
        {"application/json; as=Table; g=meta.k8s.io; v=v1", "includeObject=Object", 1,
         "meta.k8s.io/v1", KS_TABLE_OBJECT},
        {"application/json", "includeObject=bogus", 0, "", KS_TABLE_METADATA},
        {NULL, "", 0, "", KS_TABLE_METADATA},
        {"application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json", "", 0,
         "", KS_TABLE_METADATA},
        {"application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/"
         "json;as=Table;v=v1;g=meta.k8s.io",
         "", 1, "meta.k8s.io/v1", KS_TABLE_METADATA},
        {"application/json;as=Table;v=v2;g=meta.k8s.io,application/json", "", 0, "",
         KS_TABLE_METADATA},
        {"application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json", "", 0,
         "", KS_TABLE_METADATA},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct ks_table_opts o;
        ks_resp resp;
        memset(&resp, 0, sizeof(resp));
        ebb_strbuf_init(&resp.body);
        int rc = negotiate(cases[i].accept, cases[i].query, &o, &resp);
        if (rc != cases[i].want)
            fail_msg("case %zu: %d, want %d", i, rc, cases[i].want);
        if (rc == 1) {
            assert_string_equal(o.api_version, cases[i].version);
            assert_int_equal(o.include, cases[i].inc);
        }
        assert_int_equal(resp.status, 0);
        ebb_strbuf_release(&resp.body);
    }

    /* a bad includeObject: 400 as optionsForTransform words it */
    struct ks_table_opts o;
    ks_resp resp;
    memset(&resp, 0, sizeof(resp));
    ebb_strbuf_init(&resp.body);
    assert_int_equal(negotiate(KUBECTL_ACCEPT, "includeObject=All", &o, &resp), -1);
    assert_int_equal(resp.status, 400);
    cJSON *st = cJSON_Parse(resp.body.buf);
    assert_non_null(st);
    assert_string_equal(ks_json_str(st, "reason"), "BadRequest");
    assert_string_equal(ks_json_str(st, "message"),
                        "Unable to convert to Table as requested: includeObject: Unsupported "
                        "value: \"All\": supported values: \"\", \"Metadata\", \"None\", "
                        "\"Object\"");
    cJSON_Delete(st);
    ebb_strbuf_release(&resp.body);
}

/* ---- pods --------------------------------------------------------------- */

#define POD_META(name, extra)                                                                      \
    "\"metadata\":{\"name\":\"" name "\",\"namespace\":\"demo\",\"uid\":\"u-1\","                  \
    "\"resourceVersion\":\"42\",\"creationTimestamp\":\"2026-11-22T11:54:48Z\"" extra "}"

static void test_pod_pending(void **state)
{
    (void)state;
    cJSON *t = table_of(
        "", "Pod",
        "{\"kind\":\"Pod\",\"apiVersion\":\"v1\"," POD_META(
            "web-0", "") ",\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx\"}]},"
                         "\"status\":{\"phase\":\"Pending\"}}",
        KS_TABLE_METADATA);
    static const char *const cols[] = {"Name", "Ready", "Status",         "Restarts",       "Age",
                                       "IP",   "Node",  "Nominated Node", "Readiness Gates"};
    expect_columns(t, cols, N(cols));
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(t, "columnDefinitions");
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(defs, 0), "format"), "name");
    assert_true(ks_json_path(cJSON_GetArrayItem(defs, 5), "priority")->valuedouble == 1);
    assert_string_equal(ks_json_str(t, "kind"), "Table");
    assert_string_equal(ks_json_str(t, "apiVersion"), "meta.k8s.io/v1");
    assert_string_equal(ks_json_str(t, "metadata.resourceVersion"), "42");

    const cJSON *c = row_cells(t, 0);
    static const char *const want[] = {"web-0",  "0/1",    "Pending", "0",     "5m12s",
                                       "<none>", "<none>", "<none>",  "<none>"};
    assert_int_equal(cJSON_GetArraySize(c), (int)N(want));
    for (size_t i = 0; i < N(want); i++)
        expect_cell_str(c, (int)i, want[i]);

    /* includeObject=Metadata: PartialObjectMetadata */
    const cJSON *obj = ks_json_path(cJSON_GetArrayItem(ks_json_path(t, "rows"), 0), "object");
    assert_string_equal(ks_json_str(obj, "kind"), "PartialObjectMetadata");
    assert_string_equal(ks_json_str(obj, "apiVersion"), "meta.k8s.io/v1");
    assert_string_equal(ks_json_str(obj, "metadata.uid"), "u-1");
    assert_null(ks_json_path(obj, "spec"));
    /* key order as Go marshals metav1.Table */
    char *txt = cJSON_PrintUnformatted(t);
    assert_non_null(txt);
    static const char head[] =
        "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":";
    assert_true(strncmp(txt, head, strlen(head)) == 0);
    assert_non_null(strstr(txt, "{\"name\":\"Ready\",\"type\":\"string\",\"format\":\"\","
                                "\"description\":\"The aggregate readiness state of this pod for "
                                "accepting traffic.\",\"priority\":0}"));
    free(txt);
    cJSON_Delete(t);
}

static void test_pod_running_restarted(void **state)
{
    (void)state;
    cJSON *t = table_of(
        "", "Pod",
        "{" POD_META(
            "web-1",
            "") ",\"spec\":{\"nodeName\":\"node-a\",\"containers\":["
                "{\"name\":\"a\"},{\"name\":\"b\"}],\"readinessGates\":[{\"conditionType\":\"x/"
                "ok\"}]},"
                "\"status\":{\"phase\":\"Running\",\"podIPs\":[{\"ip\":\"10.0.0.7\"}],"
                "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},{\"type\":\"x/ok\","
                "\"status\":\"True\"}],\"containerStatuses\":["
                "{\"name\":\"a\",\"ready\":true,\"restartCount\":2,\"state\":{\"running\":{}},"
                "\"lastState\":{\"terminated\":{\"exitCode\":1,\"finishedAt\":\"2026-11-22T11:57:"
                "00Z\"}}},"
                "{\"name\":\"b\",\"ready\":true,\"restartCount\":0,\"state\":{\"running\":{}}}]}}",
        KS_TABLE_NONE);
    const cJSON *c = row_cells(t, 0);
    static const char *const want[] = {"web-1",    "2/2",    "Running", "2 (3m ago)", "5m12s",
                                       "10.0.0.7", "node-a", "<none>",  "1/1"};
    for (size_t i = 0; i < N(want); i++)
        expect_cell_str(c, (int)i, want[i]);
    /* includeObject=None: "object":null */
    const cJSON *obj = ks_json_path(cJSON_GetArrayItem(ks_json_path(t, "rows"), 0), "object");
    assert_true(cJSON_IsNull(obj));
    cJSON_Delete(t);
}

static void test_pod_states(void **state)
{
    static const struct {
        const char *json;
        const char *ready, *status;
    } cases[] = {
        /* terminating: deletionTimestamp on a running pod */
        {"{" POD_META(
             "p",
             ",\"deletionTimestamp\":\"2026-11-22T11:59:00Z\"") ",\"spec\":{\"containers\":[{"
                                                                "\"name\":\"a\"}]},\"status\":{"
                                                                "\"phase\":\"Running\","
                                                                "\"containerStatuses\":[{\"name\":"
                                                                "\"a\",\"ready\":true,\"state\":{"
                                                                "\"running\":{}}}]}}",
         "1/1", "Terminating"},
        /* waiting container: its reason */
        {"{" POD_META(
             "p",
             "") ",\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{"
                 "\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"a\",\"ready\":false,"
                 "\"state\":{\"waiting\":{\"reason\":\"ContainerCreating\"}}}]}}",
         "0/1", "ContainerCreating"},
        /* init containers still running */
        {"{" POD_META(
             "p",
             "") ",\"spec\":{\"initContainers\":[{\"name\":\"i1\"},{\"name\":"
                 "\"i2\"}],\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\","
                 "\"initContainerStatuses\":[{\"name\":\"i1\",\"state\":{\"terminated\":{"
                 "\"exitCode\":0}}},"
                 "{\"name\":\"i2\",\"state\":{\"running\":{}}}]}}",
         "0/1", "Init:1/2"},
        /* crashed container without a reason */
        {"{" POD_META("p", "") ",\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{"
                               "\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"a\","
                               "\"state\":{\"terminated\":"
                               "{\"exitCode\":137}}}]}}",
         "0/1", "ExitCode:137"},
        /* evicted: status.reason */
        {"{" POD_META("p", "") ",\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{"
                               "\"phase\":\"Failed\",\"reason\":\"Evicted\"}}",
         "0/1", "Evicted"},
        /* succeeded and deleted: not Terminating */
        {"{" POD_META(
             "p",
             ",\"deletionTimestamp\":\"2026-11-22T11:59:00Z\"") ",\"spec\":{\"containers\":[{"
                                                                "\"name\":\"a\"}]},\"status\":{"
                                                                "\"phase\":\"Succeeded\","
                                                                "\"containerStatuses\":[{\"name\":"
                                                                "\"a\",\"state\":{\"terminated\":{"
                                                                "\"exitCode\":0,"
                                                                "\"reason\":\"Completed\"}}}]}}",
         "0/1", "Completed"},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        cJSON *t = table_of("", "Pod", cases[i].json, KS_TABLE_METADATA);
        const cJSON *c = row_cells(t, 0);
        expect_cell_str(c, 1, cases[i].ready);
        expect_cell_str(c, 2, cases[i].status);
        cJSON_Delete(t);
    }
    /* a finished pod's row carries the Completed condition */
    cJSON *t = table_of("", "Pod", cases[N(cases) - 1].json, KS_TABLE_METADATA);
    const cJSON *cond = cJSON_GetArrayItem(
        ks_json_path(cJSON_GetArrayItem(ks_json_path(t, "rows"), 0), "conditions"), 0);
    assert_string_equal(ks_json_str(cond, "type"), "Completed");
    assert_string_equal(ks_json_str(cond, "reason"), "Succeeded");
    assert_string_equal(ks_json_str(cond, "message"), "The pod has completed successfully.");
    cJSON_Delete(t);
}

/* ---- workloads and small kinds ------------------------------------------ */

static void test_deployment(void **state)
{
    (void)state;
    cJSON *t = table_of(
        "apps", "Deployment",
        "{\"kind\":\"DeploymentList\",\"apiVersion\":\"apps/v1\",\"metadata\":{"
        "\"resourceVersion\":\"77\",\"continue\":\"tok\",\"remainingItemCount\":3},\"items\":[{"
        "\"metadata\":{\"name\":\"web\",\"creationTimestamp\":\"2026-11-19T12:00:00Z\"},"
        "\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"web\"},"
        "\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"b\",\"a\"]},"
        "{\"key\":\"canary\",\"operator\":\"DoesNotExist\"}]},\"template\":{\"spec\":{"
        "\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1\"},{\"name\":\"side\","
        "\"image\":\"envoy:2\"}]}}},\"status\":{\"replicas\":3,\"readyReplicas\":2,"
        "\"updatedReplicas\":3,\"availableReplicas\":2}}]}",
        KS_TABLE_OBJECT);
    static const char *const cols[] = {"Name", "Ready",      "Up-to-date", "Available",
                                       "Age",  "Containers", "Images",     "Selector"};
    expect_columns(t, cols, N(cols));
    assert_string_equal(ks_json_str(t, "metadata.resourceVersion"), "77");
    assert_string_equal(ks_json_str(t, "metadata.continue"), "tok");
    assert_true(ks_json_path(t, "metadata.remainingItemCount")->valuedouble == 3);
    const cJSON *c = row_cells(t, 0);
    expect_cell_str(c, 0, "web");
    expect_cell_str(c, 1, "2/3");
    expect_cell_num(c, 2, 3);
    expect_cell_num(c, 3, 2);
    expect_cell_str(c, 4, "3d");
    expect_cell_str(c, 5, "app,side");
    expect_cell_str(c, 6, "nginx:1,envoy:2");
    expect_cell_str(c, 7, "app=web,!canary,tier in (a,b)"); /* sorted by key */
    /* includeObject=Object: the item, kind and apiVersion first */
    const cJSON *obj = ks_json_path(cJSON_GetArrayItem(ks_json_path(t, "rows"), 0), "object");
    assert_string_equal(obj->child->string, "kind");
    assert_string_equal(ks_json_str(obj, "kind"), "Deployment");
    assert_string_equal(ks_json_str(obj, "apiVersion"), "apps/v1");
    assert_true(ks_json_path(obj, "spec.replicas")->valuedouble == 3);
    cJSON_Delete(t);
}

static void test_small_kinds(void **state)
{
    static const struct {
        const char *group, *kind, *json;
        const char *cells[6]; /* "#n" = the number n */
    } cases[] = {
        {"",
         "Namespace",
         "{\"metadata\":{\"name\":\"demo\",\"creationTimestamp\":\"2026-11-22T11:00:00Z\"},"
         "\"status\":{\"phase\":\"Active\"}}",
         {"demo", "Active", "60m"}},
        {"",
         "ConfigMap",
         "{\"metadata\":{\"name\":\"cfg\"},\"data\":{\"a\":\"1\",\"b\":\"2\"},"
         "\"binaryData\":{\"c\":\"AA==\"}}",
         {"cfg", "#3", "<unknown>"}},
        {"coordination.k8s.io",
         "Lease",
         "{\"metadata\":{\"name\":\"lock\",\"creationTimestamp\":\"2026-11-22T11:59:30Z\"},"
         "\"spec\":{\"holderIdentity\":\"me-1\"}}",
         {"lock", "me-1", "30s"}},
        {"",
         "Node",
         "{\"metadata\":{\"name\":\"n1\",\"creationTimestamp\":\"2026-11-22T04:00:00Z\","
         "\"labels\":{\"node-role.kubernetes.io/control-plane\":\"\",\"kubernetes.io/role\":"
         "\"worker\"}},\"spec\":{\"unschedulable\":true},\"status\":{\"conditions\":[{\"type\":"
         "\"Ready\",\"status\":\"True\"}],\"nodeInfo\":{\"kubeletVersion\":\"v1.32.0\"}}}",
         {"n1", "Ready,SchedulingDisabled", "control-plane,worker", "8h", "v1.32.0"}},
        {"",
         "Service",
         "{\"metadata\":{\"name\":\"web\",\"creationTimestamp\":\"2026-11-22T11:59:00Z\"},"
         "\"spec\":{\"type\":\"NodePort\",\"clusterIPs\":[\"10.96.0.9\"],\"ports\":[{\"port\":80,"
         "\"nodePort\":30080,\"protocol\":\"TCP\"},{\"port\":53,\"protocol\":\"UDP\"}]}}",
         {"web", "NodePort", "10.96.0.9", "<none>", "80:30080/TCP,53/UDP", "60s"}},
        {"autoscaling",
         "HorizontalPodAutoscaler",
         "{\"apiVersion\":\"autoscaling/v2\",\"metadata\":{\"name\":\"web\"},\"spec\":{"
         "\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},\"minReplicas\":2,"
         "\"maxReplicas\":10,\"metrics\":[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\","
         "\"target\":{\"type\":\"Utilization\",\"averageUtilization\":60}}},{\"type\":\"Pods\","
         "\"pods\":{\"metric\":{\"name\":\"rps\"},\"target\":{\"type\":\"AverageValue\","
         "\"averageValue\":\"100\"}}}]},\"status\":{\"currentReplicas\":4,\"currentMetrics\":[{"
         "\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"current\":{"
         "\"averageUtilization\":45}}}]}}",
         {"web", "Deployment/web", "cpu: 45%/60%, <unknown>/100", "2", "#10", "#4"}},
        {"apiextensions.k8s.io",
         "CustomResourceDefinition",
         "{\"metadata\":{\"name\":\"scalingpolicies.ebb.dev\",\"creationTimestamp\":"
         "\"2026-11-22T11:00:00Z\"}}",
         {"scalingpolicies.ebb.dev", "2026-11-22T11:00:00Z"}},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        cJSON *t = table_of(cases[i].group, cases[i].kind, cases[i].json, KS_TABLE_METADATA);
        const cJSON *c = row_cells(t, 0);
        assert_int_equal(cJSON_GetArraySize(c),
                         cJSON_GetArraySize(ks_json_path(t, "columnDefinitions")));
        for (int k = 0; k < 6 && cases[i].cells[k]; k++) {
            if (cases[i].cells[k][0] == '#')
                expect_cell_num(c, k, atof(cases[i].cells[k] + 1));
            else
                expect_cell_str(c, k, cases[i].cells[k]);
        }
        cJSON_Delete(t);
    }
}

static void test_events(void **state)
{
    (void)state;
    cJSON *t = table_of("", "Event",
                        "{\"metadata\":{\"name\":\"web.1\"},\"involvedObject\":{\"kind\":"
                        "\"Deployment\",\"name\":\"web\",\"fieldPath\":\"spec\"},\"reason\":"
                        "\"ScalingReplicaSet\",\"message\":\" Scaled up \\n\",\"type\":\"Normal\","
                        "\"firstTimestamp\":\"2026-11-22T11:00:00Z\",\"lastTimestamp\":"
                        "\"2026-11-22T11:58:00Z\",\"count\":3,\"source\":{\"component\":"
                        "\"deployment-controller\"},\"reportingInstance\":\"cp-1\"}",
                        KS_TABLE_METADATA);
    static const char *const cols[] = {"Last Seen", "Type",    "Reason",     "Object", "Subobject",
                                       "Source",    "Message", "First Seen", "Count",  "Name"};
    expect_columns(t, cols, N(cols));
    const cJSON *c = row_cells(t, 0);
    static const char *const want[] = {"2m",
                                       "Normal",
                                       "ScalingReplicaSet",
                                       "deployment/web",
                                       "spec",
                                       "deployment-controller, cp-1",
                                       "Scaled up",
                                       "60m"};
    for (size_t i = 0; i < N(want); i++)
        expect_cell_str(c, (int)i, want[i]);
    expect_cell_num(c, 8, 3);
    expect_cell_str(c, 9, "web.1");
    cJSON_Delete(t);

    /* events.k8s.io-style: no timestamps but eventTime, count 0 -> 1 */
    t = table_of("", "Event",
                 "{\"metadata\":{\"name\":\"e\"},\"involvedObject\":{\"kind\":\"Pod\"},"
                 "\"eventTime\":\"2026-11-22T11:59:50.123456Z\",\"type\":\"Warning\"}",
                 KS_TABLE_METADATA);
    c = row_cells(t, 0);
    expect_cell_str(c, 0, "9s");
    expect_cell_str(c, 3, "pod");
    expect_cell_num(c, 8, 1);
    cJSON_Delete(t);
}

/* ---- custom resources --------------------------------------------------- */

static void test_custom_resource_columns(void **state)
{
    cJSON *crd = load_yaml(CRD);
    ks_rtype rt;
    struct ks_table_kind k;
    struct ks_table_opts o = opts(KS_TABLE_METADATA);

    (void)state;
    assert_non_null(crd);
    rt_init(&rt, "ebb.dev", "v1alpha1", "ScalingPolicy", KS_RT_CUSTOM);
    assert_int_equal(ks_table_kind_from_crd(&rt, crd, &k), 0);
    assert_non_null(k.columns);
    cJSON *doc = cJSON_Parse(
        "{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicyList\",\"metadata\":{"
        "\"resourceVersion\":\"9\"},\"items\":[{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":"
        "\"ScalingPolicy\",\"metadata\":{\"name\":\"web\",\"creationTimestamp\":"
        "\"2026-11-22T11:55:00Z\"},\"spec\":{\"targetRef\":{\"name\":\"web\"},\"minReplicas\":2,"
        "\"maxReplicas\":20},\"status\":{\"currentReplicas\":3,\"desiredReplicas\":4.0,"
        "\"conditions\":[{\"type\":\"Scaling\",\"status\":\"False\"},{\"type\":\"Ready\","
        "\"status\":\"True\"}]}},{\"metadata\":{\"name\":\"bare\"},\"spec\":{}}]}");
    assert_non_null(doc);
    cJSON *t = ks_table_convert(&k, doc, &o);
    assert_non_null(t);
    static const char *const cols[] = {"Name",    "Target",  "Min",   "Max",
                                       "Current", "Desired", "Ready", "Age"};
    expect_columns(t, cols, N(cols));
    const cJSON *defs = ks_json_path(t, "columnDefinitions");
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(defs, 1), "description"),
                        "The Deployment or StatefulSet this policy scales.");
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(defs, 2), "type"), "integer");
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(defs, 7), "type"), "date");

    const cJSON *c = row_cells(t, 0);
    expect_cell_str(c, 0, "web");
    expect_cell_str(c, 1, "web");
    expect_cell_num(c, 2, 2);
    expect_cell_num(c, 3, 20);
    expect_cell_num(c, 4, 3);
    expect_cell_num(c, 5, 4);
    expect_cell_str(c, 6, "True");
    expect_cell_str(c, 7, "5m");
    /* missing values (even the creationTimestamp) are null cells */
    c = row_cells(t, 1);
    expect_cell_str(c, 0, "bare");
    for (int i = 1; i < 8; i++)
        assert_true(cJSON_IsNull(cJSON_GetArrayItem(c, i)));
    cJSON_Delete(t);

    /* a version without printer columns: Name and Age (date) */
    ks_table_kind_release(&k);
    rt_init(&rt, "ebb.dev", "v9", "ScalingPolicy", KS_RT_CUSTOM);
    assert_int_equal(ks_table_kind_from_crd(&rt, crd, &k), 0);
    assert_null(k.columns);
    t = ks_table_convert(&k, doc, &o);
    static const char *const dcols[] = {"Name", "Age"};
    expect_columns(t, dcols, N(dcols));
    assert_string_equal(
        ks_json_str(cJSON_GetArrayItem(ks_json_path(t, "columnDefinitions"), 1), "type"), "date");
    c = row_cells(t, 0);
    expect_cell_str(c, 1, "5m");
    cJSON_Delete(t);
    ks_table_kind_release(&k);
    cJSON_Delete(doc);
    cJSON_Delete(crd);
}

static void test_custom_cell_types(void **state)
{
    ks_rtype rt;
    struct ks_table_kind k;
    struct ks_table_opts o = opts(KS_TABLE_NONE);
    cJSON *crd = cJSON_Parse(
        "{\"spec\":{\"versions\":[{\"name\":\"v1\",\"additionalPrinterColumns\":["
        "{\"name\":\"S\",\"type\":\"string\",\"jsonPath\":\".spec.n\"},"
        "{\"name\":\"F\",\"type\":\"string\",\"jsonPath\":\".spec.f\"},"
        "{\"name\":\"M\",\"type\":\"string\",\"jsonPath\":\".spec.m\",\"priority\":1},"
        "{\"name\":\"I\",\"type\":\"integer\",\"jsonPath\":\".spec.f\"},"
        "{\"name\":\"X\",\"type\":\"integer\",\"jsonPath\":\".spec.s\"},"
        "{\"name\":\"B\",\"type\":\"boolean\",\"jsonPath\":\".spec.b\"},"
        "{\"name\":\"D\",\"type\":\"date\",\"jsonPath\":\".spec.s\"},"
        "{\"name\":\"L\",\"type\":\"string\",\"jsonPath\":\".spec.l[-1].v\"},"
        "{\"name\":\"Q\",\"type\":\"string\",\"jsonPath\":\".metadata.labels['a.b/c']\"},"
        "{\"name\":\"Bad\",\"type\":\"string\",\"jsonPath\":\".spec..x\"}]}]}}");
    cJSON *doc = cJSON_Parse("{\"metadata\":{\"name\":\"w\",\"labels\":{\"a.b/c\":\"q\"}},"
                             "\"spec\":{\"n\":7,\"f\":2.5,\"m\":{\"a\":1},\"s\":\"nope\","
                             "\"b\":true,\"l\":[{\"v\":\"x\"},{\"v\":\"y\"}]}}");

    (void)state;
    assert_non_null(crd);
    assert_non_null(doc);
    rt_init(&rt, "x.dev", "v1", "W", KS_RT_CUSTOM);
    assert_int_equal(ks_table_kind_from_crd(&rt, crd, &k), 0);
    cJSON *t = ks_table_convert(&k, doc, &o);
    assert_non_null(t);
    assert_true(
        ks_json_path(cJSON_GetArrayItem(ks_json_path(t, "columnDefinitions"), 3), "priority")
            ->valuedouble == 1);
    const cJSON *c = row_cells(t, 0);
    expect_cell_str(c, 1, "7");
    expect_cell_str(c, 2, "2.5");
    expect_cell_str(c, 3, "{\"a\":1}");
    expect_cell_num(c, 4, 2);
    assert_true(cJSON_IsNull(cJSON_GetArrayItem(c, 5)));
    assert_true(cJSON_IsTrue(cJSON_GetArrayItem(c, 6)));
    expect_cell_str(c, 7, "<invalid>");
    expect_cell_str(c, 8, "y");
    expect_cell_str(c, 9, "q");
    assert_true(cJSON_IsNull(cJSON_GetArrayItem(c, 10)));
    cJSON_Delete(t);
    ks_table_kind_release(&k);
    cJSON_Delete(doc);
    cJSON_Delete(crd);
}

static void test_jsonpath(void **state)
{
    static const struct {
        const char *path, *want; /* want NULL: nothing selected */
        bool bad;
    } cases[] = {
        {".spec.name", "a", false},
        {"{.spec.name}", "a", false},
        {".spec.items[0].n", "i0", false},
        {".spec.items[-1].n", "i2", false},
        {".spec.items[5].n", NULL, false},
        {".spec.items[1:].n", "i1", false},
        {".spec.items[*].n", "i0", false},
        {".spec.items[?(@.k==\"b\")].n", "i1", false},
        {".spec.items[?(@.k=='c')].n", "i2", false},
        {".spec.items[?(@.k!=\"a\")].n", "i1", false},
        {".spec.items[?(@.w > 1)].n", "i2", false},
        {".spec.items[?(@.w)].n", "i1", false},
        {".spec.items[?(@.k==\"zz\")].n", NULL, false},
        {".spec['name']", "a", false},
        {".spec.*", "a", false},
        {".spec.missing.deeper", NULL, false},
        {".spec.items[", NULL, true},
        {".spec..n", NULL, true},
        {".spec.items[x]", NULL, true},
        {".spec.items[?(@.k==)]", NULL, true},
    };
    cJSON *doc = cJSON_Parse("{\"spec\":{\"name\":\"a\",\"items\":[{\"k\":\"a\",\"n\":\"i0\"},"
                             "{\"k\":\"b\",\"n\":\"i1\",\"w\":1},{\"k\":\"c\",\"n\":\"i2\","
                             "\"w\":2}]}}");

    (void)state;
    assert_non_null(doc);
    for (size_t i = 0; i < N(cases); i++) {
        bool bad = false;
        const cJSON *v = ks_table_jsonpath(doc, cases[i].path, &bad);
        if (bad != cases[i].bad)
            fail_msg("%s: bad=%d", cases[i].path, bad);
        if (!cases[i].want) {
            if (v)
                fail_msg("%s selected something", cases[i].path);
            continue;
        }
        if (!cJSON_IsString(v) || strcmp(v->valuestring, cases[i].want) != 0)
            fail_msg("%s: want %s", cases[i].path, cases[i].want);
    }
    cJSON_Delete(doc);
}

/* Garbage in every field a printer reads: a table, never a crash. */
static void test_hostile_objects(void **state)
{
    static const char *const kinds[][2] = {
        {"", "Pod"},
        {"", "Namespace"},
        {"", "Node"},
        {"", "ConfigMap"},
        {"", "Secret"},
        {"", "ServiceAccount"},
        {"", "Service"},
        {"", "Event"},
        {"apps", "Deployment"},
        {"apps", "ReplicaSet"},
        {"apps", "StatefulSet"},
        {"apps", "DaemonSet"},
        {"autoscaling", "HorizontalPodAutoscaler"},
        {"coordination.k8s.io", "Lease"},
        {"x", "Unknown"},
    };
    static const char *const docs[] = {
        "{}",
        "[]",
        "\"str\"",
        "{\"items\":[1,\"a\",null,{},[]]}",
        "{\"metadata\":\"x\",\"spec\":7,\"status\":[1]}",
        "{\"metadata\":{\"name\":5,\"creationTimestamp\":\"yesterday\",\"labels\":[1]},"
        "\"spec\":{\"containers\":{\"a\":1},\"initContainers\":[1,{\"restartPolicy\":5}],"
        "\"selector\":{\"matchLabels\":[\"x\"],\"matchExpressions\":[{\"key\":\"k\","
        "\"operator\":\"Bogus\"}]},\"ports\":[{\"port\":1e300}],\"metrics\":[{},1,{\"type\":"
        "\"External\"},{\"type\":\"Resource\"}],\"readinessGates\":[7]},\"status\":{"
        "\"containerStatuses\":[7,{\"restartCount\":1e30,\"state\":{\"terminated\":{}}}],"
        "\"initContainerStatuses\":[{\"state\":{\"waiting\":{\"reason\":7}}}],"
        "\"conditions\":[1],\"addresses\":[1],\"loadBalancer\":{\"ingress\":[{\"ip\":1}]}},"
        "\"involvedObject\":{\"kind\":7},\"series\":{\"count\":\"x\"},\"data\":7}",
    };
    struct ks_table_opts o = opts(KS_TABLE_OBJECT);

    (void)state;
    for (size_t i = 0; i < N(kinds); i++) {
        for (size_t d = 0; d < N(docs); d++) {
            ks_rtype rt;
            struct ks_table_kind k;
            cJSON *doc = cJSON_Parse(docs[d]);
            assert_non_null(doc);
            rt_init(&rt, kinds[i][0], "v1", kinds[i][1], i == 0 ? KS_RT_CUSTOM : KS_RT_BUILTIN);
            assert_int_equal(ks_table_kind_from_crd(&rt, doc, &k), 0);
            cJSON *t = ks_table_convert(&k, doc, &o);
            assert_non_null(t);
            cJSON_Delete(t);
            ks_table_kind_release(&k);
            cJSON_Delete(doc);
        }
    }
}

/* ---- watch events ------------------------------------------------------- */

static void test_watch_events(void **state)
{
    ks_rtype rt;
    struct ks_table_opts o = opts(KS_TABLE_METADATA);
    struct ebb_strbuf out = EBB_STRBUF_INIT;
    static const char ev[] =
        "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Namespace\",\"apiVersion\":\"v1\","
        "\"metadata\":{\"name\":\"demo\",\"resourceVersion\":\"5\"},\"status\":{\"phase\":"
        "\"Active\"}}}\n";
    static const char err[] =
        "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410}}\n";

    (void)state;
    rt_init(&rt, "", "v1", "Namespace", KS_RT_BUILTIN);
    ks_table_watch *w = ks_table_watch_new(NULL, &rt, &o);
    assert_non_null(w);
    /* the first event has the column definitions, later ones null */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ks_table_watch_event(w, ev, strlen(ev), &out), 0);
        assert_true(out.len > 0 && out.buf[out.len - 1] == '\n');
        cJSON *e = cJSON_Parse(out.buf);
        assert_non_null(e);
        assert_string_equal(ks_json_str(e, "type"), "ADDED");
        const cJSON *t = ks_json_path(e, "object");
        assert_string_equal(ks_json_str(t, "kind"), "Table");
        assert_string_equal(ks_json_str(t, "metadata.resourceVersion"), "5");
        const cJSON *defs = ks_json_path(t, "columnDefinitions");
        if (i == 0)
            assert_int_equal(cJSON_GetArraySize(defs), 3);
        else
            assert_true(cJSON_IsNull(defs));
        expect_cell_str(row_cells(t, 0), 1, "Active");
        cJSON_Delete(e);
    }
    /* a Status passes unchanged; garbage too, with an error */
    assert_int_equal(ks_table_watch_event(w, err, strlen(err), &out), 0);
    assert_string_equal(out.buf, err);
    assert_int_equal(ks_table_watch_event(w, "{nope", 5, &out), KS_EINVALID);
    assert_string_equal(out.buf, "{nope");
    ebb_strbuf_release(&out);
    ks_table_watch_free(w);
    ks_table_watch_free(NULL);
}

/* ---- through the API ---------------------------------------------------- */

struct res {
    int status;
    cJSON *body;
};

static struct res call(ks_sim *s, const char *target, const char *accept)
{
    struct ks_header hdrs[2];
    char auth[160];
    ks_resp resp;
    struct res out = {0, NULL};
    size_t nh = 0;

    snprintf(auth, sizeof(auth), "Bearer %s", s->tokens[0].token);
    hdrs[nh].name = (char *)"Authorization";
    hdrs[nh++].value = auth;
    if (accept) {
        hdrs[nh].name = (char *)"Accept";
        hdrs[nh++].value = (char *)accept;
    }
    ks_test_request(s, "GET", target, hdrs, nh, NULL, &resp);
    out.status = resp.status;
    out.body = cJSON_Parse(resp.body.buf);
    ks_test_resp_release(&resp);
    return out;
}

static void test_api_get_and_list(void **state)
{
    struct ks_config cfg;
    char err[256];
    ks_sim *s = calloc(1, sizeof(*s));

    (void)state;
    assert_non_null(s);
    ks_config_defaults(&cfg);
    cfg.seed = 7;
    if (ks_sim_init(s, &cfg, false, err, sizeof(err)) != 0)
        fail_msg("ks_sim_init: %s", err);
    const ks_rtype *cm = ks_registry_find(s->reg, "", "v1", "configmaps");
    assert_non_null(cm);
    cJSON *obj = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
                             "\"name\":\"cfg\",\"namespace\":\"default\"},\"data\":{\"a\":\"1\"}}");
    assert_non_null(obj);
    assert_int_equal(ks_api_create(s, cm, obj, "test", NULL), 0);
    cJSON_Delete(obj); /* not consumed */

    /* GET: a one-row Table */
    struct res r = call(s, "/api/v1/namespaces/default/configmaps/cfg", KUBECTL_ACCEPT);
    assert_int_equal(r.status, 200);
    assert_string_equal(ks_json_str(r.body, "kind"), "Table");
    const cJSON *c = row_cells(r.body, 0);
    expect_cell_str(c, 0, "cfg");
    expect_cell_num(c, 1, 1);
    expect_cell_str(c, 2, "0s");
    cJSON_Delete(r.body);

    /* LIST with includeObject=None */
    r = call(s, "/api/v1/namespaces?includeObject=None", KUBECTL_ACCEPT);
    assert_int_equal(r.status, 200);
    assert_string_equal(ks_json_str(r.body, "kind"), "Table");
    assert_non_null(ks_json_str(r.body, "metadata.resourceVersion"));
    assert_true(cJSON_GetArraySize(ks_json_path(r.body, "rows")) >= 1);
    expect_cell_str(row_cells(r.body, 0), 1, "Active");
    cJSON_Delete(r.body);

    /* without the Accept header: the plain list */
    r = call(s, "/api/v1/namespaces/default/configmaps", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(ks_json_str(r.body, "kind"), "ConfigMapList");
    cJSON_Delete(r.body);

    /* 404 before the Table options are looked at; then the 400 */
    r = call(s, "/api/v1/namespaces/default/configmaps/nope?includeObject=x", KUBECTL_ACCEPT);
    assert_int_equal(r.status, 404);
    cJSON_Delete(r.body);
    r = call(s, "/api/v1/namespaces/default/configmaps?includeObject=x", KUBECTL_ACCEPT);
    assert_int_equal(r.status, 400);
    cJSON_Delete(r.body);

    ks_sim_destroy(s);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_human_duration),
        cmocka_unit_test(test_negotiation),
        cmocka_unit_test(test_pod_pending),
        cmocka_unit_test(test_pod_running_restarted),
        cmocka_unit_test(test_pod_states),
        cmocka_unit_test(test_deployment),
        cmocka_unit_test(test_small_kinds),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_custom_resource_columns),
        cmocka_unit_test(test_custom_cell_types),
        cmocka_unit_test(test_jsonpath),
        cmocka_unit_test(test_hostile_objects),
        cmocka_unit_test(test_watch_events),
        cmocka_unit_test(test_api_get_and_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
