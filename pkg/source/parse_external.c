/* parse_external.c -- external.metrics.k8s.io ExternalMetricValueList ->
 * the sum of the series; see source.h. As HPA's external metrics client:
 * every item is a series matching the selector, and the metric is their
 * sum (Quantity.MilliValue(), summed exactly).
 *
 * The shape (KEDA, prometheus-adapter, and cmd/kubesim/metrics_custom.c):
 *   {"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1",
 *    "metadata":{},
 *    "items":[{"metricName":"queue_depth","metricLabels":{"queue":"jobs"},
 *              "timestamp":"2026-01-01T00:00:00Z","window":60,"value":"42"}]}
 * ("window" is optional, in seconds: ExternalMetricValue.WindowSeconds.)
 */
#include "source_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define API "external.metrics.k8s.io"
#define KIND "ExternalMetricValueList"
#define MAX_WINDOW_S 31536000000.0

/* One series: its value, timestamp (EBB_TIME_UNSET when absent) and window. */
static bool item_value(const cJSON *item, int i, const char *metric, int64_t *milli, int64_t *ts,
                       int64_t *window, struct src_err *e)
{
    char what[192];

    snprintf(what, sizeof(what), "series %d of metric %.80s", i, metric);
    *ts = EBB_TIME_UNSET;
    *window = 0;
    const cJSON *t = src_get(item, "timestamp");
    if (!src_absent(t) && !src_timestamp(t, API, what, ts, e))
        return false;
    const cJSON *w = src_get(item, "window");
    if (!src_absent(w)) {
        if (!cJSON_IsNumber(w) || !isfinite(w->valuedouble) || w->valuedouble < 0 ||
            w->valuedouble > MAX_WINDOW_S || w->valuedouble != floor(w->valuedouble)) {
            src_fail(e, EBB_ERR_PARSE, "%s: %s: window must be a whole number of seconds, got %s",
                     API, what, cJSON_IsNumber(w) ? "another number" : src_type_of(w));
            return false;
        }
        *window = (int64_t)w->valuedouble * 1000;
    }
    const cJSON *v = src_get(item, "value");
    if (src_absent(v)) {
        src_fail(e, EBB_ERR_PARSE, "%s: %s has no value", API, what);
        return false;
    }
    snprintf(what, sizeof(what), "series %d of metric %.80s: value", i, metric);
    return src_quantity(v, API, what, milli, e);
}

enum ebb_rc ebb_source_parse_external_metrics(const char *body, size_t len, const char *metric,
                                              const char *selector, struct ebb_source_value *out,
                                              char *err, size_t errsz)
{
    struct src_err e;
    cJSON *root = NULL;
    int n = 0;

    src_err_init(&e, err, errsz);
    if (out == NULL)
        return src_fail(&e, EBB_ERR_INVALID, "%s: no output", API);
    memset(out, 0, sizeof(*out));
    out->timestamp_ms = EBB_TIME_UNSET;
    if (metric == NULL || metric[0] == '\0')
        return src_fail(&e, EBB_ERR_INVALID, "%s: no metric named", API);
    root = src_parse_json(body, len, API, &e);
    if (root == NULL)
        goto out;
    const cJSON *items = src_list_items(root, API, KIND, &n, &e);
    if (items == NULL)
        goto out;
    if (n == 0) {
        if (selector != NULL && selector[0] != '\0')
            src_fail(&e, EBB_ERR_NOTFOUND, "no series of metric %s match selector %s", metric,
                     selector);
        else
            src_fail(&e, EBB_ERR_NOTFOUND, "no series of metric %s found (no selector)", metric);
        goto out;
    }
    const cJSON *item;
    int i = 0;
    int64_t sum = 0;
    cJSON_ArrayForEach(item, items)
    {
        int64_t milli = 0, ts = EBB_TIME_UNSET, window = 0;
        if (!cJSON_IsObject(item)) {
            src_fail(&e, EBB_ERR_PARSE, "%s %s: items[%d] must be an object, got %s", API, KIND, i,
                     src_type_of(item));
            goto out;
        }
        if (!item_value(item, i, metric, &milli, &ts, &window, &e))
            goto out;
        i++;
        if (__builtin_add_overflow(sum, milli, &sum)) {
            src_fail(&e, EBB_ERR_RANGE, "%s: the sum of the %d series of metric %s does not fit",
                     API, n, metric);
            goto out;
        }
        if (ts != EBB_TIME_UNSET &&
            (out->timestamp_ms == EBB_TIME_UNSET || ts < out->timestamp_ms)) {
            out->timestamp_ms = ts;
            out->window_ms = window;
        }
    }
    out->value = (double)sum / 1000.0;
    out->count = (size_t)i;
out:
    if (e.rc != EBB_OK) {
        memset(out, 0, sizeof(*out));
        out->timestamp_ms = EBB_TIME_UNSET;
    }
    cJSON_Delete(root);
    return e.rc;
}
