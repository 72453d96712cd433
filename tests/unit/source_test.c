/* source_test.c -- pkg/source: the metric parsers on bodies shaped as the
 * real servers write them (metrics-server and cmd/kubesim/metrics.c for
 * metrics.k8s.io, prometheus-adapter and cmd/kubesim/metrics_custom.c for
 * custom/external metrics, the Prometheus HTTP API documentation), the
 * Prometheus URL builder, and the staleness helpers. Every error message
 * is asserted whole. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/base/rfc3339.h"
#include "../../pkg/source/source.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int64_t ms_of(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(ebb_rfc3339_parse(s, &ms), EBB_OK);
    return ms;
}

static void expect_msg(size_t i, const char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        fail_msg("case %zu:\n got: %s\nwant: %s", i, got, want);
}

/* ---- metrics.k8s.io --------------------------------------------------- */

/* As metrics-server answers GET /apis/metrics.k8s.io/v1beta1/namespaces/demo/pods. */
static const char pod_metrics_list[] =
    "{\"kind\":\"PodMetricsList\",\"apiVersion\":\"metrics.k8s.io/v1beta1\",\"metadata\":{},"
    "\"items\":["
    "{\"metadata\":{\"name\":\"web-0\",\"namespace\":\"demo\",\"creationTimestamp\":"
    "\"2026-01-01T00:00:20Z\",\"labels\":{\"app\":\"web\"}},"
    "\"timestamp\":\"2026-01-01T00:00:15Z\",\"window\":\"15s\",\"containers\":["
    "{\"name\":\"app\",\"usage\":{\"cpu\":\"250m\",\"memory\":\"64Mi\"}},"
    "{\"name\":\"sidecar\",\"usage\":{\"cpu\":\"10325127n\",\"memory\":\"12Mi\"}}]},"
    "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"demo\",\"creationTimestamp\":"
    "\"2026-01-01T00:00:20Z\"},"
    "\"timestamp\":\"2026-01-01T00:00:14Z\",\"window\":\"10.214867s\",\"containers\":["
    "{\"name\":\"app\",\"usage\":{\"cpu\":\"1\",\"memory\":\"1536Ki\"}},"
    "{\"name\":\"sidecar\",\"usage\":{\"cpu\":\"0\",\"memory\":\"0\"}}]},"
    "{\"metadata\":{\"name\":\"web-2\",\"namespace\":\"demo\"},"
    "\"timestamp\":\"2026-01-01T00:00:15Z\",\"window\":\"15s\",\"containers\":[]},"
    "{\"metadata\":{\"name\":\"web-4\",\"namespace\":\"demo\"},"
    "\"timestamp\":\"2026-01-01T00:00:15Z\",\"window\":\"15s\",\"containers\":["
    "{\"name\":\"app\",\"usage\":{\"cpu\":\"300m\",\"memory\":\"1Gi\"}},"
    "{\"name\":\"sidecar\",\"usage\":{\"memory\":\"1Mi\"}}]},"
    "{\"metadata\":{\"name\":\"web-0\",\"namespace\":\"other\"},"
    "\"timestamp\":\"2026-01-01T00:00:15Z\",\"window\":\"15s\",\"containers\":["
    "{\"name\":\"app\",\"usage\":{\"cpu\":\"999\",\"memory\":\"1Gi\"}}]},"
    "{\"metadata\":{\"name\":\"unrelated\",\"namespace\":\"demo\"},"
    "\"timestamp\":\"garbage\",\"containers\":7}"
    "]}\n";

static const struct ebb_pod web_pods[] = {
    {.name = "web-0"}, {.name = "web-1"}, {.name = "web-2"}, {.name = "web-3"}, {.name = "web-4"},
};

static void test_pod_metrics_cpu_memory(void **state)
{
    (void)state;
    static const struct {
        const char *resource, *container;
        bool present[5];
        int64_t value[5];
    } cases[] = {
        /* sum over containers; web-2 lists none and web-4's sidecar has no
         * cpu: absent, as HPA; web-3 is not in the list */
        {"cpu", NULL, {true, true, false, false, false}, {261, 1000, 0, 0, 0}},
        {"memory",
         NULL,
         {true, true, false, false, true},
         {(64 + 12) * 1048576000LL, 1536 * 1024000LL, 0, 0, 1025 * 1048576000LL}},
        /* one container */
        {"cpu", "app", {true, true, false, false, true}, {250, 1000, 0, 0, 300}},
        {"cpu", "sidecar", {true, true, false, false, false}, {11, 0, 0, 0, 0}},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ebb_pod_sample s[5];
        char err[EBB_SOURCE_ERR_MAX] = "junk";
        for (size_t j = 0; j < 5; j++)
            s[j] = (struct ebb_pod_sample){.present = true, .request_milli = 500 + (int64_t)j};
        struct ebb_source_resource_query q = {cases[i].resource, cases[i].container, "demo"};
        if (cases[i].container != NULL && strcmp(cases[i].container, "sidecar") == 0) {
            /* web-2 has no containers at all, so ask only for the others */
            assert_int_equal(ebb_source_parse_pod_metrics(pod_metrics_list,
                                                          strlen(pod_metrics_list), &q, web_pods, 2,
                                                          s, err, sizeof(err)),
                             EBB_OK);
        } else if (cases[i].container != NULL) {
            const struct ebb_pod pods[] = {
                web_pods[0], web_pods[1], {.name = "web-3"}, {.name = "web-3"}, web_pods[4]};
            assert_int_equal(ebb_source_parse_pod_metrics(pod_metrics_list,
                                                          strlen(pod_metrics_list), &q, pods, 5, s,
                                                          err, sizeof(err)),
                             EBB_OK);
        } else {
            assert_int_equal(ebb_source_parse_pod_metrics(pod_metrics_list,
                                                          strlen(pod_metrics_list), &q, web_pods, 5,
                                                          s, err, sizeof(err)),
                             EBB_OK);
        }
        assert_string_equal(err, "");
        size_t n = cases[i].container != NULL && strcmp(cases[i].container, "sidecar") == 0 ? 2 : 5;
        for (size_t j = 0; j < n; j++) {
            if (s[j].present != cases[i].present[j] || s[j].value_milli != cases[i].value[j])
                fail_msg("case %zu pod %zu: present %d value %lld", i, j, s[j].present,
                         (long long)s[j].value_milli);
            assert_int_equal(s[j].request_milli, 500 + (int64_t)j); /* never written */
        }
    }
}

static void test_pod_metrics_time_and_window(void **state)
{
    (void)state;
    struct ebb_pod_sample s[5];
    char err[EBB_SOURCE_ERR_MAX];
    struct ebb_source_resource_query q = {"cpu", NULL, NULL};
    assert_int_equal(ebb_source_parse_pod_metrics(pod_metrics_list, strlen(pod_metrics_list), &q,
                                                  web_pods, 2, s, err, sizeof(err)),
                     EBB_OK);
    /* without a namespace, the "other" web-0 (listed later) wins, as HPA's map */
    assert_true(s[0].present);
    assert_int_equal(s[0].value_milli, 999000);
    assert_int_equal(s[0].timestamp_ms, ms_of("2026-01-01T00:00:15Z"));
    assert_int_equal(s[0].window_ms, 15000);
    assert_int_equal(s[1].timestamp_ms, ms_of("2026-01-01T00:00:14Z"));
    assert_int_equal(s[1].window_ms, 10214); /* metrics-server's nanoseconds, truncated */

    /* kubesim's shape: window "1m0s", nanocores, BinarySI memory; a pod
     * listed twice in pods gets the sample twice; no window is 0 */
    static const char ks[] =
        "{\"kind\":\"PodMetricsList\",\"apiVersion\":\"metrics.k8s.io/v1beta1\",\"metadata\":{},"
        "\"items\":[{\"kind\":\"PodMetrics\",\"apiVersion\":\"metrics.k8s.io/v1beta1\","
        "\"metadata\":{\"name\":\"a\",\"namespace\":\"d\"},\"timestamp\":\"2026-03-01T10:00:00Z\","
        "\"window\":\"1m0s\",\"containers\":[{\"name\":\"c\",\"usage\":{\"cpu\":\"1500000000n\","
        "\"memory\":\"64Mi\"}}]},"
        "{\"metadata\":{\"name\":\"b\",\"namespace\":\"d\"},\"timestamp\":"
        "\"2026-03-01T10:00:00.5+01:00\",\"containers\":[{\"name\":\"c\",\"usage\":{\"cpu\":"
        "\"2\"}}]}]}";
    const struct ebb_pod pods[] = {{.name = "a"}, {.name = NULL}, {.name = "a"}, {.name = "b"}};
    assert_int_equal(ebb_source_parse_pod_metrics(ks, strlen(ks), &q, pods, 4, s, err, sizeof(err)),
                     EBB_OK);
    assert_true(s[0].present && s[2].present && s[3].present);
    assert_false(s[1].present);
    assert_int_equal(s[0].value_milli, 1500);
    assert_int_equal(s[2].value_milli, 1500);
    assert_int_equal(s[0].window_ms, 60000);
    assert_int_equal(s[3].value_milli, 2000);
    assert_int_equal(s[3].window_ms, 0);
    assert_int_equal(s[3].timestamp_ms, ms_of("2026-03-01T09:00:00.500Z"));

    /* no pods to fill: the body is still checked */
    assert_int_equal(ebb_source_parse_pod_metrics(ks, strlen(ks), &q, NULL, 0, NULL, NULL, 0),
                     EBB_OK);
}

struct err_case {
    const char *body;
    enum ebb_rc rc;
    const char *msg;
};

static void test_pod_metrics_errors(void **state)
{
    (void)state;
#define PML "{\"kind\":\"PodMetricsList\",\"apiVersion\":\"metrics.k8s.io/v1beta1\",\"items\":["
#define POD0 "{\"metadata\":{\"name\":\"web-0\"},"
#define TS "\"timestamp\":\"2026-01-01T00:00:15Z\","
    static const struct err_case cases[] = {
        {"", EBB_ERR_PARSE, "metrics.k8s.io answered an empty body, not JSON"},
        {"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\r\n",
         EBB_ERR_PARSE,
         "metrics.k8s.io answered something that is not JSON (at byte 0): \"<html><head><title>502 "
         "Bad "
         "Gateway</titl...\""},
        {"{\"kind\":\"PodMetricsList\",", EBB_ERR_PARSE,
         "metrics.k8s.io answered something that is not JSON (at byte 24): "
         "\"{'kind':'PodMetricsList',\""},
        {"{\"kind\":\"PodMetricsList\"} {}", EBB_ERR_PARSE,
         "metrics.k8s.io answered something that is not JSON (at byte 26): "
         "\"{'kind':'PodMetricsList'} {}\""},
        {"[1,2]", EBB_ERR_PARSE, "metrics.k8s.io answered a JSON array, not a PodMetricsList"},
        {"{\"items\":[]}", EBB_ERR_PARSE,
         "metrics.k8s.io answered an object without kind, not a PodMetricsList"},
        {"{\"kind\":\"PodMetrics\",\"metadata\":{\"name\":\"web-0\"}}", EBB_ERR_PARSE,
         "metrics.k8s.io answered a PodMetrics, not a PodMetricsList"},
        {"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
         "\"message\":\"the server is currently unable to handle the request (get "
         "pods.metrics.k8s.io)\",\"reason\":\"ServiceUnavailable\",\"code\":503}",
         EBB_ERR_PARSE,
         "metrics.k8s.io answered an error: the server is currently unable to handle the request "
         "(get pods.metrics.k8s.io) (reason ServiceUnavailable)"},
        {"{\"kind\":\"Status\"}", EBB_ERR_PARSE, "metrics.k8s.io answered an error: (no message)"},
        {"{\"kind\":\"PodMetricsList\",\"items\":{}}", EBB_ERR_PARSE,
         "metrics.k8s.io PodMetricsList: items must be an array, got object"},
        {"{\"kind\":\"PodMetricsList\",\"apiVersion\":\"metrics.k8s.io/v1beta1\",\"metadata\":{},"
         "\"items\":[]}",
         EBB_ERR_NOTFOUND, "no metrics returned from resource metrics API"},
        {"{\"kind\":\"PodMetricsList\"}", EBB_ERR_NOTFOUND,
         "no metrics returned from resource metrics API"},
        {PML "\"web-0\"]}", EBB_ERR_PARSE,
         "metrics.k8s.io PodMetricsList: items[0] must be an object, got string"},
        {PML POD0 TS "\"containers\":[]},{\"metadata\":{}}]}", EBB_ERR_PARSE,
         "metrics.k8s.io PodMetricsList: items[1] has no metadata.name"},
        {PML POD0 "\"window\":\"15s\",\"containers\":[]}]}", EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0 has no timestamp"},
        {PML POD0 "\"timestamp\":\"yesterday\",\"containers\":[]}]}", EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0: timestamp \"yesterday\" is not an RFC 3339 time"},
        {PML POD0 "\"timestamp\":1767225600,\"containers\":[]}]}", EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0: timestamp number is not an RFC 3339 time"},
        {PML POD0 TS "\"window\":\"15 s\",\"containers\":[]}]}", EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0: window \"15 s\" is not a duration"},
        {PML POD0 TS "\"window\":\"-15s\",\"containers\":[]}]}", EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0: window \"-15s\" is not a duration"},
        {PML POD0 TS "\"window\":15,\"containers\":[]}]}", EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0: window number is not a duration"},
        {PML POD0 TS "\"containers\":{}}]}", EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0: containers must be an array, got object"},
        {PML POD0 TS "\"containers\":[null]}]}", EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0: containers[0] must be an object, got null"},
        {PML POD0 TS "\"containers\":[{\"name\":\"app\",\"usage\":[]}]}]}", EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0, container app: usage must be an object, got array"},
        {PML POD0 TS "\"containers\":[{\"name\":\"app\",\"usage\":{\"cpu\":\"12x\"}}]}]}",
         EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0, container app: cpu usage \"12x\" is not a quantity: unknown "
         "suffix \"x\"; use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an "
         "exponent such as e3"},
        {PML POD0 TS "\"containers\":[{\"usage\":{\"cpu\":250}}]}]}", EBB_ERR_PARSE,
         "metrics.k8s.io: pod web-0, container #0: cpu usage must be a quantity string, got "
         "number"},
        {PML POD0 TS "\"containers\":[{\"name\":\"app\",\"usage\":{\"cpu\":\"-5m\"}}]}]}",
         EBB_ERR_PARSE, "metrics.k8s.io: pod web-0, container app: cpu usage \"-5m\" is negative"},
        {PML POD0 TS "\"containers\":[{\"name\":\"a\",\"usage\":{\"cpu\":\"5P\"}},"
                     "{\"name\":\"b\",\"usage\":{\"cpu\":\"5P\"}}]}]}",
         EBB_ERR_RANGE, "metrics.k8s.io: pod web-0: cpu usage summed over containers does not fit"},
    };
    const struct ebb_pod pods[] = {{.name = "web-0"}, {.name = "web-1"}};
    struct ebb_source_resource_query q = {"cpu", NULL, NULL};
    for (size_t i = 0; i < N(cases); i++) {
        struct ebb_pod_sample s[2] = {{.present = true, .value_milli = 7, .request_milli = 9},
                                      {.present = true}};
        char err[EBB_SOURCE_ERR_MAX];
        enum ebb_rc rc = ebb_source_parse_pod_metrics(cases[i].body, strlen(cases[i].body), &q,
                                                      pods, 2, s, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %s, want %s (%s)", i, ebb_rc_str(rc), ebb_rc_str(cases[i].rc),
                     err);
        expect_msg(i, err, cases[i].msg);
        assert_false(s[0].present || s[1].present);
        assert_int_equal(s[0].value_milli, 0);
        assert_int_equal(s[0].request_milli, 9);
    }
}

static void test_pod_metrics_container_and_args(void **state)
{
    (void)state;
    struct ebb_pod_sample s[5];
    char err[EBB_SOURCE_ERR_MAX];
    /* HPA: a named container missing from a wanted pod fails the metric */
    struct ebb_source_resource_query q = {"cpu", "app", "demo"};
    assert_int_equal(ebb_source_parse_pod_metrics(pod_metrics_list, strlen(pod_metrics_list), &q,
                                                  web_pods, 5, s, err, sizeof(err)),
                     EBB_ERR_NOTFOUND);
    assert_string_equal(err, "metrics.k8s.io: container app is not in the metrics of pod web-2");
    assert_false(s[0].present);

    struct ebb_source_resource_query none = {NULL, NULL, NULL};
    assert_int_equal(ebb_source_parse_pod_metrics(pod_metrics_list, strlen(pod_metrics_list), &none,
                                                  web_pods, 5, s, err, sizeof(err)),
                     EBB_ERR_INVALID);
    assert_string_equal(err, "metrics.k8s.io: no resource named");
    /* err may be NULL or tiny */
    q.container = NULL;
    assert_int_equal(ebb_source_parse_pod_metrics("x", 1, &q, web_pods, 5, s, NULL, 0),
                     EBB_ERR_PARSE);
    char tiny[8];
    assert_int_equal(ebb_source_parse_pod_metrics("x", 1, &q, web_pods, 5, s, tiny, sizeof(tiny)),
                     EBB_ERR_PARSE);
    assert_string_equal(tiny, "metrics");
}

/* ---- custom.metrics.k8s.io ---------------------------------------------- */

/* As prometheus-adapter (and kubesim) answer
 * GET /apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/%2A/requests_per_second. */
static const char metric_value_list[] =
    "{\"kind\":\"MetricValueList\",\"apiVersion\":\"custom.metrics.k8s.io/v1beta2\","
    "\"metadata\":{},\"items\":["
    "{\"describedObject\":{\"kind\":\"Pod\",\"namespace\":\"demo\",\"name\":\"web-0\","
    "\"apiVersion\":\"/v1\"},\"metric\":{\"name\":\"requests_per_second\",\"selector\":null},"
    "\"timestamp\":\"2026-01-01T00:00:30Z\",\"windowSeconds\":15,\"value\":\"1500m\"},"
    "{\"describedObject\":{\"kind\":\"Pod\",\"namespace\":\"demo\",\"name\":\"web-1\","
    "\"apiVersion\":\"/v1\"},\"metric\":{\"name\":\"requests_per_second\",\"selector\":null},"
    "\"timestamp\":\"2026-01-01T00:00:29Z\",\"value\":\"42\"},"
    "{\"describedObject\":{\"kind\":\"Pod\",\"namespace\":\"other\",\"name\":\"web-2\","
    "\"apiVersion\":\"/v1\"},\"metric\":{\"name\":\"requests_per_second\",\"selector\":null},"
    "\"timestamp\":\"2026-01-01T00:00:30Z\",\"windowSeconds\":15,\"value\":\"7\"},"
    "{\"describedObject\":{\"kind\":\"Pod\",\"namespace\":\"demo\",\"name\":\"web-4\","
    "\"apiVersion\":\"/v1\"},\"metric\":{\"name\":\"requests_per_second\",\"selector\":null},"
    "\"timestamp\":\"2026-01-01T00:00:30Z\",\"windowSeconds\":0,\"value\":\"-2500m\"}"
    "]}";

static void test_custom_metrics(void **state)
{
    (void)state;
    struct ebb_pod_sample s[5];
    char err[EBB_SOURCE_ERR_MAX];
    for (size_t j = 0; j < 5; j++)
        s[j] = (struct ebb_pod_sample){.request_milli = 3};
    assert_int_equal(ebb_source_parse_custom_metrics(metric_value_list, strlen(metric_value_list),
                                                     "requests_per_second", "demo", web_pods, 5, s,
                                                     err, sizeof(err)),
                     EBB_OK);
    assert_string_equal(err, "");
    static const struct {
        bool present;
        int64_t value, window;
        const char *ts;
    } want[5] = {
        {true, 1500, 15000, "2026-01-01T00:00:30Z"},
        {true, 42000, EBB_SOURCE_CUSTOM_DEFAULT_WINDOW_MS, "2026-01-01T00:00:29Z"},
        {false, 0, 0, NULL}, /* another namespace */
        {false, 0, 0, NULL}, /* not listed */
        {true, -2500, 0, "2026-01-01T00:00:30Z"},
    };
    for (size_t j = 0; j < 5; j++) {
        assert_int_equal(s[j].present, want[j].present);
        assert_int_equal(s[j].value_milli, want[j].value);
        assert_int_equal(s[j].window_ms, want[j].window);
        assert_int_equal(s[j].request_milli, 3);
        if (want[j].ts != NULL)
            assert_int_equal(s[j].timestamp_ms, ms_of(want[j].ts));
    }
    /* any namespace: web-2 is read */
    assert_int_equal(ebb_source_parse_custom_metrics(metric_value_list, strlen(metric_value_list),
                                                     "requests_per_second", NULL, web_pods, 5, s,
                                                     err, sizeof(err)),
                     EBB_OK);
    assert_true(s[2].present);
    assert_int_equal(s[2].value_milli, 7000);
}

static void test_custom_metrics_errors(void **state)
{
    (void)state;
#define MVL "{\"kind\":\"MetricValueList\",\"items\":["
#define DO0 "{\"describedObject\":{\"kind\":\"Pod\",\"name\":\"web-0\"},"
#define TS30 "\"timestamp\":\"2026-01-01T00:00:30Z\","
    static const struct err_case cases[] = {
        {"{\"kind\":\"MetricValueList\",\"apiVersion\":\"custom.metrics.k8s.io/v1beta2\","
         "\"metadata\":{},\"items\":[]}",
         EBB_ERR_NOTFOUND, "no values of metric rps returned from custom metrics API"},
        {"{\"kind\":\"Status\",\"message\":\"the server could not find the metric rps for pods\","
         "\"reason\":\"NotFound\",\"code\":404}",
         EBB_ERR_PARSE,
         "custom.metrics.k8s.io answered an error: the server could not find the metric rps for "
         "pods (reason NotFound)"},
        {"{\"kind\":\"ExternalMetricValueList\",\"items\":[]}", EBB_ERR_PARSE,
         "custom.metrics.k8s.io answered a ExternalMetricValueList, not a MetricValueList"},
        {"nope", EBB_ERR_PARSE,
         "custom.metrics.k8s.io answered something that is not JSON (at byte 0): \"nope\""},
        {MVL "[]]}", EBB_ERR_PARSE,
         "custom.metrics.k8s.io MetricValueList: items[0] must be an object, got array"},
        {MVL "{\"describedObject\":{\"kind\":\"Pod\"}," TS30 "\"value\":\"1\"}]}", EBB_ERR_PARSE,
         "custom.metrics.k8s.io MetricValueList: items[0] has no describedObject.name"},
        {MVL DO0 "\"value\":\"1\"}]}", EBB_ERR_PARSE,
         "custom.metrics.k8s.io: pod web-0 has no timestamp"},
        {MVL DO0 TS30 "\"windowSeconds\":\"15\",\"value\":\"1\"}]}", EBB_ERR_PARSE,
         "custom.metrics.k8s.io: pod web-0: windowSeconds must be a whole number of seconds, got "
         "string"},
        {MVL DO0 TS30 "\"windowSeconds\":1.5,\"value\":\"1\"}]}", EBB_ERR_PARSE,
         "custom.metrics.k8s.io: pod web-0: windowSeconds must be a whole number of seconds, got "
         "another number"},
        {MVL DO0 TS30 "\"windowSeconds\":-1,\"value\":\"1\"}]}", EBB_ERR_PARSE,
         "custom.metrics.k8s.io: pod web-0: windowSeconds must be a whole number of seconds, got "
         "another number"},
        {MVL DO0 TS30 "\"windowSeconds\":15}]}", EBB_ERR_PARSE,
         "custom.metrics.k8s.io: pod web-0 has no value of metric rps"},
        {MVL DO0 TS30 "\"value\":\"1.5.5\"}]}", EBB_ERR_PARSE,
         "custom.metrics.k8s.io: pod web-0: rps value \"1.5.5\" is not a quantity: more than one "
         "decimal point"},
        {MVL DO0 TS30 "\"value\":1}]}", EBB_ERR_PARSE,
         "custom.metrics.k8s.io: pod web-0: rps value must be a quantity string, got number"},
    };
    const struct ebb_pod pods[] = {{.name = "web-0"}};
    for (size_t i = 0; i < N(cases); i++) {
        struct ebb_pod_sample s[1] = {{.present = true}};
        char err[EBB_SOURCE_ERR_MAX];
        enum ebb_rc rc = ebb_source_parse_custom_metrics(cases[i].body, strlen(cases[i].body),
                                                         "rps", NULL, pods, 1, s, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %s, want %s (%s)", i, ebb_rc_str(rc), ebb_rc_str(cases[i].rc),
                     err);
        expect_msg(i, err, cases[i].msg);
        assert_false(s[0].present);
    }
    char err[EBB_SOURCE_ERR_MAX];
    struct ebb_pod_sample s[1];
    assert_int_equal(ebb_source_parse_custom_metrics(metric_value_list, strlen(metric_value_list),
                                                     "", NULL, pods, 1, s, err, sizeof(err)),
                     EBB_ERR_INVALID);
    assert_string_equal(err, "custom.metrics.k8s.io: no metric named");
}

/* ---- external.metrics.k8s.io ------------------------------------------- */

static void test_external_metrics(void **state)
{
    (void)state;
    /* As KEDA / kubesim answer
     * GET /apis/external.metrics.k8s.io/v1beta1/namespaces/demo/queue_depth?labelSelector=... */
    static const char body[] =
        "{\"kind\":\"ExternalMetricValueList\",\"apiVersion\":\"external.metrics.k8s.io/v1beta1\","
        "\"metadata\":{},\"items\":["
        "{\"metricName\":\"queue_depth\",\"metricLabels\":{\"queue\":\"jobs\",\"shard\":\"1\"},"
        "\"timestamp\":\"2026-01-01T00:01:00Z\",\"value\":\"42\"},"
        "{\"metricName\":\"queue_depth\",\"metricLabels\":{\"queue\":\"jobs\",\"shard\":\"2\"},"
        "\"timestamp\":\"2026-01-01T00:00:45Z\",\"window\":30,\"value\":\"500m\"},"
        "{\"metricName\":\"queue_depth\",\"metricLabels\":{\"queue\":\"jobs\",\"shard\":\"3\"},"
        "\"timestamp\":\"2026-01-01T00:01:00Z\",\"value\":\"1.5k\"}]}";
    struct ebb_source_value v;
    char err[EBB_SOURCE_ERR_MAX];
    assert_int_equal(ebb_source_parse_external_metrics(body, strlen(body), "queue_depth",
                                                       "queue=jobs", &v, err, sizeof(err)),
                     EBB_OK);
    assert_string_equal(err, "");
    assert_true(v.value == 1542.5);
    assert_int_equal(v.count, 3);
    assert_int_equal(v.timestamp_ms, ms_of("2026-01-01T00:00:45Z"));
    assert_int_equal(v.window_ms, 30000);

    static const char no_ts[] =
        "{\"kind\":\"ExternalMetricValueList\",\"items\":[{\"metricName\":\"q\",\"value\":"
        "\"-3\"}]}";
    assert_int_equal(
        ebb_source_parse_external_metrics(no_ts, strlen(no_ts), "q", NULL, &v, err, sizeof(err)),
        EBB_OK);
    assert_true(v.value == -3.0); /* the core judges negative values */
    assert_int_equal(v.count, 1);
    assert_int_equal(v.timestamp_ms, EBB_TIME_UNSET);
}

static void test_external_metrics_errors(void **state)
{
    (void)state;
#define EML "{\"kind\":\"ExternalMetricValueList\",\"items\":["
    static const struct {
        const char *body, *selector;
        enum ebb_rc rc;
        const char *msg;
    } cases[] = {
        {EML "]}", "queue=jobs", EBB_ERR_NOTFOUND,
         "no series of metric queue_depth match selector queue=jobs"},
        {EML "]}", "", EBB_ERR_NOTFOUND, "no series of metric queue_depth found (no selector)"},
        {EML "]}", NULL, EBB_ERR_NOTFOUND, "no series of metric queue_depth found (no selector)"},
        {"{\"kind\":\"MetricValueList\",\"items\":[]}", NULL, EBB_ERR_PARSE,
         "external.metrics.k8s.io answered a MetricValueList, not a ExternalMetricValueList"},
        {EML "1]}", NULL, EBB_ERR_PARSE,
         "external.metrics.k8s.io ExternalMetricValueList: items[0] must be an object, got "
         "number"},
        {EML "{\"value\":\"1\"},{\"metricName\":\"queue_depth\"}]}", NULL, EBB_ERR_PARSE,
         "external.metrics.k8s.io: series 1 of metric queue_depth has no value"},
        {EML "{\"value\":\"lots\"}]}", NULL, EBB_ERR_PARSE,
         "external.metrics.k8s.io: series 0 of metric queue_depth: value \"lots\" is not a "
         "quantity: must start with a number, e.g. 100, 250m, 1.5k or 2Gi"},
        {EML "{\"value\":\"1\",\"timestamp\":\"noon\"}]}", NULL, EBB_ERR_PARSE,
         "external.metrics.k8s.io: series 0 of metric queue_depth: timestamp \"noon\" is not an "
         "RFC 3339 time"},
        {EML "{\"value\":\"1\",\"window\":\"30s\"}]}", NULL, EBB_ERR_PARSE,
         "external.metrics.k8s.io: series 0 of metric queue_depth: window must be a whole number "
         "of seconds, got string"},
        {EML "{\"value\":\"5P\"},{\"value\":\"5P\"}]}", NULL, EBB_ERR_RANGE,
         "external.metrics.k8s.io: the sum of the 2 series of metric queue_depth does not fit"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ebb_source_value v = {.value = 5, .count = 5};
        char err[EBB_SOURCE_ERR_MAX];
        enum ebb_rc rc =
            ebb_source_parse_external_metrics(cases[i].body, strlen(cases[i].body), "queue_depth",
                                              cases[i].selector, &v, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %s, want %s (%s)", i, ebb_rc_str(rc), ebb_rc_str(cases[i].rc),
                     err);
        expect_msg(i, err, cases[i].msg);
        assert_int_equal(v.count, 0);
        assert_true(v.value == 0);
    }
}

/* ---- Prometheus -------------------------------------------------------------- */

static void test_prom_values(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        double value;
        const char *ts;
    } cases[] = {
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1767225600.25,"
         "\"42\"]}}",
         42, "2026-01-01T00:00:00.250Z"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
         "\"value\":[1767225600,\"123.5\"]}]}}",
         123.5, "2026-01-01T00:00:00Z"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":"
         "{\"job\":\"web\"},\"value\":[1767225600.781,\"1e3\"]}]},\"warnings\":[\"PromQL info: "
         "metric might not be a counter\"]}",
         1000, "2026-01-01T00:00:00.781Z"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1767225600,"
         "\"-0.5\"]}}",
         -0.5, "2026-01-01T00:00:00Z"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ebb_source_value v;
        char err[EBB_SOURCE_ERR_MAX];
        assert_int_equal(
            ebb_source_parse_prom_query(cases[i].body, strlen(cases[i].body), &v, err, sizeof(err)),
            EBB_OK);
        assert_string_equal(err, "");
        assert_true(v.value == cases[i].value);
        assert_int_equal(v.count, 1);
        assert_int_equal(v.timestamp_ms, ms_of(cases[i].ts));
        assert_int_equal(v.window_ms, 0);
    }
}

static void test_prom_errors(void **state)
{
    (void)state;
#define OK_DATA "{\"status\":\"success\",\"data\":"
#define VEC(r) OK_DATA "{\"resultType\":\"vector\",\"result\":[" r "]}}"
#define SC(v) OK_DATA "{\"resultType\":\"scalar\",\"result\":[1767225600," v "]}}"
    static const struct err_case cases[] = {
        /* from the Prometheus HTTP API documentation */
        {VEC("{\"metric\":{\"__name__\":\"up\",\"job\":\"prometheus\",\"instance\":"
             "\"localhost:9090\"},\"value\":[1435781451.781,\"1\"]},"
             "{\"metric\":{\"__name__\":\"up\",\"job\":\"node\",\"instance\":\"localhost:9100\"},"
             "\"value\":[1435781451.781,\"0\"]}"),
         EBB_ERR_NOTFOUND,
         "the query returned 2 series ({__name__=\"up\", job=\"prometheus\", "
         "instance=\"localhost:9090\"}, {__name__=\"up\", job=\"node\", "
         "instance=\"localhost:9100\"}); it must return one: wrap it in sum(), max() or another "
         "aggregation"},
        {VEC("{\"metric\":{\"pod\":\"a\"},\"value\":[1,\"1\"]},{\"metric\":{\"pod\":\"b\"},"
             "\"value\":[1,\"1\"]},{\"metric\":{\"pod\":\"c\"},\"value\":[1,\"1\"]}"),
         EBB_ERR_NOTFOUND,
         "the query returned 3 series ({pod=\"a\"}, {pod=\"b\"}, ...); it must return one: wrap it "
         "in sum(), max() or another aggregation"},
        {VEC(""), EBB_ERR_NOTFOUND,
         "the query returned no series; it must return one (does the metric exist? append `or "
         "vector(0)` to read no series as 0)"},
        {"{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
         "\\\"query\\\": 1:5: parse error: unexpected end of input\"}",
         EBB_ERR_INVALID,
         "Prometheus query failed: bad_data: invalid parameter \"query\": 1:5: parse error: "
         "unexpected end of input"},
        {"{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in "
         "expression evaluation\"}",
         EBB_ERR_INVALID,
         "Prometheus query failed: timeout: query timed out in expression evaluation"},
        {"{\"status\":\"error\"}", EBB_ERR_INVALID, "Prometheus query failed: (no error text)"},
        {OK_DATA "{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[1,\"1\"],[2,"
                 "\"2\"]]}]}}",
         EBB_ERR_NOTFOUND,
         "the query returned a range vector (matrix) of 1 series; it must return one number: "
         "remove the [range] or wrap it in a function such as rate() or avg_over_time()"},
        {OK_DATA "{\"resultType\":\"string\",\"result\":[1767225600,\"hello\"]}}", EBB_ERR_NOTFOUND,
         "the query returned a string; it must return a number"},
        {OK_DATA "{\"resultType\":\"streams\",\"result\":[]}}", EBB_ERR_PARSE,
         "Prometheus answered resultType \"streams\", not scalar or vector"},
        {SC("\"NaN\""), EBB_ERR_INVALID,
         "the query returned NaN (a division by zero, or no data in a rate window?)"},
        {SC("\"+Inf\""), EBB_ERR_INVALID, "the query returned +Inf"},
        {VEC("{\"metric\":{},\"value\":[1,\"-Inf\"]}"), EBB_ERR_INVALID, "the query returned -Inf"},
        {SC("\"0x10\""), EBB_ERR_PARSE,
         "Prometheus answered a value that is not a number: \"0x10\""},
        {SC("\"\""), EBB_ERR_PARSE, "Prometheus answered a value that is not a number: \"\""},
        {SC("\"12abc\""), EBB_ERR_PARSE,
         "Prometheus answered a value that is not a number: \"12abc\""},
        {SC("12"), EBB_ERR_PARSE,
         "Prometheus answered a sample whose value is a number, not a string"},
        {OK_DATA "{\"resultType\":\"scalar\",\"result\":[\"1\",\"1\"]}}", EBB_ERR_PARSE,
         "Prometheus answered a sample whose time is not a number of seconds"},
        {OK_DATA "{\"resultType\":\"scalar\",\"result\":[1]}}", EBB_ERR_PARSE,
         "Prometheus answered a sample that is not [time, \"value\"]: an array of another length"},
        {OK_DATA "{\"resultType\":\"scalar\",\"result\":null}}", EBB_ERR_PARSE,
         "Prometheus answered a sample that is not [time, \"value\"]: null"},
        {OK_DATA "{\"resultType\":\"vector\",\"result\":{}}}", EBB_ERR_PARSE,
         "Prometheus answered a vector whose result is a object, not an array"},
        {VEC("7"), EBB_ERR_PARSE,
         "Prometheus answered a vector whose series is a number, not an object"},
        {VEC("{\"metric\":{}}"), EBB_ERR_PARSE, "Prometheus answered a series without a value"},
        {VEC("{\"metric\":{},\"histogram\":[1,{\"count\":\"2\",\"sum\":\"3\",\"buckets\":[]}]}"),
         EBB_ERR_NOTFOUND,
         "the query returned a native histogram; it must return a number: use "
         "histogram_quantile(), histogram_sum() or histogram_count()"},
        {"{\"status\":\"success\"}", EBB_ERR_PARSE,
         "Prometheus answered success without data.resultType"},
        {"{\"status\":\"pending\"}", EBB_ERR_PARSE,
         "Prometheus answered status \"pending\", not success or error"},
        {"{\"kind\":\"PodMetricsList\"}", EBB_ERR_PARSE,
         "Prometheus answered an object without a status: is this a Prometheus query API?"},
        {"\"ok\"", EBB_ERR_PARSE,
         "Prometheus answered string without a status: is this a Prometheus query API?"},
        {"404 page not found\n", EBB_ERR_PARSE,
         "Prometheus answered something that is not JSON (at byte 4): \"404 page not found \""},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ebb_source_value v = {.value = 3, .count = 3};
        char err[EBB_SOURCE_ERR_MAX];
        enum ebb_rc rc =
            ebb_source_parse_prom_query(cases[i].body, strlen(cases[i].body), &v, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %s, want %s (%s)", i, ebb_rc_str(rc), ebb_rc_str(cases[i].rc),
                     err);
        expect_msg(i, err, cases[i].msg);
        assert_int_equal(v.count, 0);
        assert_true(v.value == 0);
        assert_int_equal(v.timestamp_ms, EBB_TIME_UNSET);
    }
    assert_int_equal(ebb_source_parse_prom_query("{}", 2, NULL, NULL, 0), EBB_ERR_INVALID);
}

static void test_prom_url(void **state)
{
    (void)state;
    static const struct {
        const char *address, *query;
        int64_t time_ms, timeout_ms;
        const char *url; /* NULL: an error, msg */
        const char *msg;
    } cases[] = {
        {"http://prometheus.monitoring:9090", "sum(rate(http_requests_total{app=\"flow8\"}[1m]))",
         1767225600250, 5000,
         "http://prometheus.monitoring:9090/api/v1/query?query=sum%28rate%28http_requests_total%"
         "7Bapp%3D%22flow8%22%7D%5B1m%5D%29%29&time=1767225600.250&timeout=5.000",
         NULL},
        {"https://thanos.example/prometheus/", "up == 1", EBB_TIME_UNSET, 0,
         "https://thanos.example/prometheus/api/v1/query?query=up%20%3D%3D%201", NULL},
        {"http://p:9090//", "a+b/c&d=e#f", 0, 1500,
         "http://p:9090/api/v1/query?query=a%2Bb%2Fc%26d%3De%23f&time=0.000&timeout=1.500", NULL},
        {"http://p", "caf\xc3\xa9_~.-", 61001, -1,
         "http://p/api/v1/query?query=caf%C3%A9_~.-&time=61.001", NULL},
        {"prometheus:9090", "up", 0, 0, NULL,
         "Prometheus address \"prometheus:9090\" must start with http:// or https://"},
        {NULL, "up", 0, 0, NULL, "Prometheus address \"\" must start with http:// or https://"},
        {"http://", "up", 0, 0, NULL, "Prometheus address \"http://\" has no host"},
        {"https:///x", "up", 0, 0, NULL, "Prometheus address \"https:///x\" has no host"},
        {"http://p:9090/?x=1", "up", 0, 0, NULL,
         "Prometheus address \"http://p:9090/?x=1\" must be a plain URL: no spaces, query or "
         "fragment"},
        {"http://p 9090", "up", 0, 0, NULL,
         "Prometheus address \"http://p 9090\" must be a plain URL: no spaces, query or fragment"},
        {"http://p", "", 0, 0, NULL, "the Prometheus query is empty"},
        {"http://p", NULL, 0, 0, NULL, "the Prometheus query is empty"},
        {"http://p", "up", -1, 0, NULL, "the query time is before 1970"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ebb_strbuf sb = EBB_STRBUF_INIT;
        char err[EBB_SOURCE_ERR_MAX];
        ebb_strbuf_adds(&sb, "GET "); /* appends */
        enum ebb_rc rc =
            ebb_source_prom_query_url(cases[i].address, cases[i].query, cases[i].time_ms,
                                      cases[i].timeout_ms, &sb, err, sizeof(err));
        if (cases[i].url != NULL) {
            assert_int_equal(rc, EBB_OK);
            assert_string_equal(err, "");
            expect_msg(i, sb.buf + 4, cases[i].url);
        } else {
            assert_int_equal(rc, EBB_ERR_INVALID);
            expect_msg(i, err, cases[i].msg);
            assert_string_equal(sb.buf, "GET ");
        }
        ebb_strbuf_release(&sb);
    }
}

/* ---- staleness ------------------------------------------------------------- */

static void test_stale(void **state)
{
    (void)state;
    int64_t t0 = ms_of("2026-01-01T00:00:00Z");
    static const struct {
        int64_t ts_off, window, now_off, sync;
        bool stale;
    } cases[] = {
        {0, 15000, 45000, 15000, false}, /* exactly 2 sync periods after the window: fresh */
        {0, 15000, 45001, 15000, true},  {0, 0, 30001, 15000, true},
        {0, 0, 30001, 0, false},         /* no sync period: never stale */
        {0, 0, -5000, 15000, false},     /* a sample from the future */
        {0, 60000, 120000, 15000, true}, /* custom metrics' default window */
        {0, 60000, 90000, 15000, false},
    };
    for (size_t i = 0; i < N(cases); i++)
        if (ebb_source_stale(t0 + cases[i].ts_off, cases[i].window, t0 + cases[i].now_off,
                             cases[i].sync) != cases[i].stale)
            fail_msg("case %zu", i);
    assert_false(ebb_source_stale(EBB_TIME_UNSET, 0, t0, 15000));
    assert_false(ebb_source_stale(INT64_MAX, INT64_MAX, t0, 15000));
    assert_true(ebb_source_stale(INT64_MIN + 1, 0, INT64_MAX, 15000));

    const struct ebb_pod pods[] = {{.name = "web-0"}, {.name = "web-1"}, {.name = "web-2"}};
    struct ebb_pod_sample s[3] = {
        {.present = true, .timestamp_ms = t0, .window_ms = 15000},
        {.present = true, .timestamp_ms = t0 + 40000, .window_ms = 15000},
        {.present = false, .timestamp_ms = t0 - 900000},
    };
    char buf[EBB_SOURCE_ERR_MAX];
    assert_null(ebb_source_stale_samples(pods, s, 3, t0 + 45000, 15000, buf, sizeof(buf)));
    const char *msg = ebb_source_stale_samples(pods, s, 3, t0 + 75000, 15000, buf, sizeof(buf));
    assert_ptr_equal(msg, buf);
    assert_string_equal(msg, "stale metrics: pod web-0 sampled at 2026-01-01T00:00:00Z (window "
                             "15s) is 1m0s old, over 2 sync periods (30s); 1 of 2 pods stale");
    msg = ebb_source_stale_samples(pods, s, 3, t0 + 3600000, 15000, buf, sizeof(buf));
    assert_string_equal(msg, "stale metrics: pod web-0 sampled at 2026-01-01T00:00:00Z (window "
                             "15s) is 59m45s old, over 2 sync periods (30s); 2 of 2 pods stale");
    assert_string_equal(ebb_source_stale_samples(pods, s, 3, t0 + 3600000, 15000, NULL, 0),
                        "stale metrics");
    msg = ebb_source_stale_samples(pods, s, 1, t0 + 75000, 15000, buf, sizeof(buf));
    assert_string_equal(msg, "stale metrics: pod web-0 sampled at 2026-01-01T00:00:00Z (window "
                             "15s) is 1m0s old, over 2 sync periods (30s)");

    struct ebb_source_value v = {.value = 1, .count = 2, .timestamp_ms = t0, .window_ms = 0};
    assert_null(ebb_source_stale_value(&v, t0 + 30000, 15000, buf, sizeof(buf)));
    msg = ebb_source_stale_value(&v, t0 + 120000, 15000, buf, sizeof(buf));
    assert_string_equal(msg, "stale metrics: the oldest series sampled at 2026-01-01T00:00:00Z "
                             "(window 0s) is 2m0s old, over 2 sync periods (30s)");
    v.timestamp_ms = EBB_TIME_UNSET;
    assert_null(ebb_source_stale_value(&v, t0 + 120000, 15000, buf, sizeof(buf)));
    assert_null(ebb_source_stale_value(NULL, t0, 15000, buf, sizeof(buf)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_metrics_cpu_memory),
        cmocka_unit_test(test_pod_metrics_time_and_window),
        cmocka_unit_test(test_pod_metrics_errors),
        cmocka_unit_test(test_pod_metrics_container_and_args),
        cmocka_unit_test(test_custom_metrics),
        cmocka_unit_test(test_custom_metrics_errors),
        cmocka_unit_test(test_external_metrics),
        cmocka_unit_test(test_external_metrics_errors),
        cmocka_unit_test(test_prom_values),
        cmocka_unit_test(test_prom_errors),
        cmocka_unit_test(test_prom_url),
        cmocka_unit_test(test_stale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
