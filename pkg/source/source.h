/* source.h -- metric inputs: the answers of the metrics APIs and of
 * Prometheus turned into the decision core's input (struct ebb_metric_obs).
 *
 * The parse functions here are pure in the sense that matters: bytes in,
 * typed values out, no I/O, no clock (the time comes in as an argument),
 * no global. They use cJSON, so they build into libedge.a (DESIGN.md
 * section 4: parse_*.c pure, fetch_*.c through an ops table).
 *
 *   metrics.k8s.io PodMetricsList           -> per-pod samples (Resource)
 *   custom.metrics.k8s.io MetricValueList   -> per-pod samples (Pods)
 *   external.metrics.k8s.io ExternalMetricValueList -> one value (External)
 *   Prometheus /api/v1/query answer         -> one value (Prometheus)
 *
 * Errors. Every parser returns EBB_OK, or an error code with one line in
 * err (when err is not NULL) written for the person who reads the policy's
 * status: it names the API, the pod, the container and the value that is
 * wrong ("metrics.k8s.io: pod web-1, container app: cpu usage \"12x\" is
 * not a quantity: ..."). The codes: EBB_ERR_PARSE the body is not the
 * expected shape (not JSON, another kind, a bad field); EBB_ERR_NOTFOUND it
 * is well-formed but holds nothing usable (no items, a named container
 * absent, zero or several Prometheus series); EBB_ERR_INVALID Prometheus
 * answered an error or a value that is NaN or infinite; EBB_ERR_RANGE a
 * sum does not fit; EBB_ERR_NOMEM. EBB_SOURCE_ERR_MAX bytes always hold the
 * whole line. The caller treats any error as "this metric is invalid" and
 * shows err (struct ebb_metric_obs.error).
 *
 * HTTP. The fetch side hands over the body of a 200 answer for the metrics
 * APIs (a non-2xx answer is a Kubernetes Status: pkg/kube/status.h); a
 * Status body given here anyway is reported with its message. Prometheus
 * answers its errors (400, 422, 503) with a JSON body: pass it whatever the
 * status code, and its errorType and error come back in err.
 */
#ifndef EBB_SOURCE_H
#define EBB_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "../base/strbuf.h"
#include "../scale/scale.h"

/* A buffer this large always holds a whole error line. */
#define EBB_SOURCE_ERR_MAX 512

/* ---- per-pod samples (Resource, Pods) ----------------------------------
 *
 * Both per-pod parsers fill samples[i] for pods[i] (only pods[i].name is
 * read), i < n_pods, matching the list's items by metadata.name (custom:
 * describedObject.name). They write present, value_milli, timestamp_ms and
 * window_ms, and never request_milli: the requests come from the pods'
 * specs, which the caller has. A pod the list lacks gets present = false
 * (and the other written fields 0). An item for a pod not in pods is
 * ignored; when a name appears twice, the last item wins (as HPA's map).
 * On error every sample is present = false. Lookups are O(log n_pods).
 */

struct ebb_source_resource_query {
    const char *resource;   /* "cpu", "memory", ...: the usage key */
    const char *container;  /* NULL: the pod's usage summed over its containers */
    const char *namespace_; /* NULL: any; else items of other namespaces are ignored */
};

/* metrics.k8s.io/v1beta1 PodMetricsList, as HPA reads it
 * (podautoscaler/metrics/client.go): usage in milli-units (cpu in
 * millicores, memory in milli-bytes: Quantity.MilliValue), timestamp
 * (RFC 3339, required) and window (a Go duration, "15s" or "10.214s";
 * truncated to the millisecond; absent = 0).
 *   - No container named: the sum over the pod's containers; a pod that
 *     lists no containers, or one of whose containers lacks the resource,
 *     is absent (present = false), as HPA.
 *   - A container named: that container's usage; a pod whose container
 *     lacks the resource is absent, and a pod without that container at
 *     all is an error (EBB_ERR_NOTFOUND), as HPA.
 *   - A list without items is EBB_ERR_NOTFOUND ("no metrics returned from
 *     resource metrics API"), as HPA. A negative usage is EBB_ERR_PARSE. */
enum ebb_rc ebb_source_parse_pod_metrics(const char *body, size_t len,
                                         const struct ebb_source_resource_query *q,
                                         const struct ebb_pod *pods, size_t n_pods,
                                         struct ebb_pod_sample *samples /* OUT [n_pods] */,
                                         char *err, size_t errsz);

/* How long a custom metric's sample covers when the adapter leaves out
 * windowSeconds (HPA's metricServerDefaultMetricWindow). */
#define EBB_SOURCE_CUSTOM_DEFAULT_WINDOW_MS 60000

/* custom.metrics.k8s.io MetricValueList (v1beta2; v1beta1 has the same
 * fields that are read here): per pod, describedObject.name, value (a
 * quantity, milli-units), timestamp (required) and windowSeconds (absent:
 * EBB_SOURCE_CUSTOM_DEFAULT_WINDOW_MS). metric names the metric in
 * messages. A list without items is EBB_ERR_NOTFOUND. */
enum ebb_rc ebb_source_parse_custom_metrics(const char *body, size_t len, const char *metric,
                                            const char *namespace_, const struct ebb_pod *pods,
                                            size_t n_pods,
                                            struct ebb_pod_sample *samples /* OUT [n_pods] */,
                                            char *err, size_t errsz);

/* ---- one value (External, Prometheus) --------------------------------- */

struct ebb_source_value {
    double value;         /* External: the sum of the series; Prometheus: the sample */
    size_t count;         /* External: series summed; Prometheus: 1 */
    int64_t timestamp_ms; /* External: the oldest series' timestamp; Prometheus: the
                             sample's. EBB_TIME_UNSET when the answer gives none */
    int64_t window_ms;    /* External: that series' window (0 when not given);
                             Prometheus: 0 */
};

/* external.metrics.k8s.io/v1beta1 ExternalMetricValueList -> the sum of the
 * items' values (quantities, summed exactly in milli-units) and their
 * count. metric and selector (the labelSelector sent, "" or NULL for none)
 * name the query in messages: no items is EBB_ERR_NOTFOUND, "no series of
 * metric queue_depth match selector queue=jobs". */
enum ebb_rc ebb_source_parse_external_metrics(const char *body, size_t len, const char *metric,
                                              const char *selector,
                                              struct ebb_source_value *out /* OUT */, char *err,
                                              size_t errsz);

/* Prometheus HTTP API instant query answer (/api/v1/query):
 *   {"status":"success","data":{"resultType":"scalar","result":[t,"v"]}}
 *   {"status":"success","data":{"resultType":"vector","result":[{"metric":{..},"value":[t,"v"]}]}}
 * A scalar, or a vector of exactly one sample, gives its value. Anything
 * else is an error that says what came back: no series or several
 * (EBB_ERR_NOTFOUND, "the query returned 3 series; it must return one:
 * wrap it in sum()"), a matrix, a string or a native histogram
 * (EBB_ERR_NOTFOUND), status "error" (EBB_ERR_INVALID, "Prometheus query
 * failed: bad_data: ..."), NaN or an infinity (EBB_ERR_INVALID). */
enum ebb_rc ebb_source_parse_prom_query(const char *body, size_t len,
                                        struct ebb_source_value *out /* OUT */, char *err,
                                        size_t errsz);

/* Appends to out the URL of an instant query:
 *   ADDRESS/api/v1/query?query=ESCAPED[&time=SECONDS.mmm][&timeout=SECONDS.mmm]
 * address is "http://host:port" or "https://..." (a path prefix such as
 * "http://host/prometheus" is kept; a trailing '/' is dropped). The query
 * is percent-encoded (everything but A-Z a-z 0-9 - . _ ~). time_ms
 * EBB_TIME_UNSET leaves time out (Prometheus then uses its own now);
 * timeout_ms <= 0 leaves timeout out. EBB_ERR_INVALID with err when the
 * address is not http(s) with a host, the query is empty, or time_ms < 0;
 * EBB_ERR_NOMEM. */
enum ebb_rc ebb_source_prom_query_url(const char *address, const char *query, int64_t time_ms,
                                      int64_t timeout_ms, struct ebb_strbuf *out, char *err,
                                      size_t errsz);

/* ---- staleness (issue 5 point 3) ----------------------------------------
 *
 * A sample is stale at now_ms when now - (timestamp + window) is more than
 * two sync periods: the metrics pipeline stopped delivering, and deciding
 * on the old value would be deciding blind. A stale sample makes its
 * metric invalid. sync_period_ms <= 0, or a timestamp of EBB_TIME_UNSET,
 * is never stale. */
bool ebb_source_stale(int64_t timestamp_ms, int64_t window_ms, int64_t now_ms,
                      int64_t sync_period_ms);

/* Checks the present samples of pods[0..n). Returns NULL when none is
 * stale, else buf holding the line for struct ebb_metric_obs.error, naming
 * the stalest pod and the count: "stale metrics: pod web-1 sampled at
 * 2026-01-01T00:00:00Z (window 15s) is 1m0s old, over 2 sync periods
 * (30s); 2 of 3 pods stale". */
const char *ebb_source_stale_samples(const struct ebb_pod *pods,
                                     const struct ebb_pod_sample *samples, size_t n, int64_t now_ms,
                                     int64_t sync_period_ms, char *buf, size_t bufsz);

/* The same for one value (External): NULL when fresh, else buf. */
const char *ebb_source_stale_value(const struct ebb_source_value *v, int64_t now_ms,
                                   int64_t sync_period_ms, char *buf, size_t bufsz);

#endif
