/* parse_custom.c -- custom.metrics.k8s.io MetricValueList -> per-pod
 * samples; see source.h. As HPA's custom metrics client: the value is
 * Quantity.MilliValue(), the window windowSeconds or one minute.
 *
 * The shape (prometheus-adapter, and cmd/kubesim/metrics_custom.c):
 *   {"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},
 *    "items":[{"describedObject":{"kind":"Pod","namespace":"demo","name":"web-0",
 *                                 "apiVersion":"/v1"},
 *              "metric":{"name":"requests_per_second","selector":null},
 *              "timestamp":"2026-01-01T00:00:00Z","windowSeconds":15,"value":"1500m"}]}
 */
#include "source_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define API "custom.metrics.k8s.io"
#define KIND "MetricValueList"
#define MAX_WINDOW_S 31536000000.0 /* 1000 years: beyond that it is not a window */

static bool item_sample(const cJSON *item, const char *pod, const char *metric, struct src_fill *f,
                        struct src_err *e)
{
    char what[256];

    memset(&f->v, 0, sizeof(f->v));
    snprintf(what, sizeof(what), "pod %.140s", pod);
    if (!src_timestamp(src_get(item, "timestamp"), API, what, &f->v.timestamp_ms, e))
        return false;
    f->v.window_ms = EBB_SOURCE_CUSTOM_DEFAULT_WINDOW_MS;
    const cJSON *w = src_get(item, "windowSeconds");
    if (!src_absent(w)) {
        if (!cJSON_IsNumber(w) || !isfinite(w->valuedouble) || w->valuedouble < 0 ||
            w->valuedouble > MAX_WINDOW_S || w->valuedouble != floor(w->valuedouble)) {
            src_fail(e, EBB_ERR_PARSE,
                     "%s: %s: windowSeconds must be a whole number of seconds, got %s", API, what,
                     cJSON_IsNumber(w) ? "another number" : src_type_of(w));
            return false;
        }
        f->v.window_ms = (int64_t)w->valuedouble * 1000;
    }
    const cJSON *v = src_get(item, "value");
    if (src_absent(v)) {
        src_fail(e, EBB_ERR_PARSE, "%s: %s has no value of metric %s", API, what, metric);
        return false;
    }
    snprintf(what, sizeof(what), "pod %.140s: %.80s value", pod, metric);
    if (!src_quantity(v, API, what, &f->v.value_milli, e))
        return false;
    f->v.present = true;
    return true;
}

enum ebb_rc ebb_source_parse_custom_metrics(const char *body, size_t len, const char *metric,
                                            const char *namespace_, const struct ebb_pod *pods,
                                            size_t n_pods, struct ebb_pod_sample *samples,
                                            char *err, size_t errsz)
{
    struct src_err e;
    struct src_pod_index ix;
    cJSON *root = NULL;
    int n = 0;

    src_err_init(&e, err, errsz);
    src_samples_clear(samples, n_pods);
    if (metric == NULL || metric[0] == '\0' || (n_pods > 0 && samples == NULL))
        return src_fail(&e, EBB_ERR_INVALID, "%s: no metric named", API);
    if (src_pod_index_build(&ix, pods, n_pods) != EBB_OK)
        return src_fail(&e, EBB_ERR_NOMEM, "%s: out of memory", API);
    root = src_parse_json(body, len, API, &e);
    if (root == NULL)
        goto out;
    const cJSON *items = src_list_items(root, API, KIND, &n, &e);
    if (items == NULL)
        goto out;
    if (n == 0) {
        src_fail(&e, EBB_ERR_NOTFOUND, "no values of metric %s returned from custom metrics API",
                 metric);
        goto out;
    }
    struct src_fill f = {.samples = samples};
    const cJSON *item;
    int i = 0;
    cJSON_ArrayForEach(item, items)
    {
        if (!cJSON_IsObject(item)) {
            src_fail(&e, EBB_ERR_PARSE, "%s %s: items[%d] must be an object, got %s", API, KIND, i,
                     src_type_of(item));
            goto out;
        }
        const cJSON *obj = src_get(item, "describedObject");
        const cJSON *name = src_get(obj, "name");
        if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
            src_fail(&e, EBB_ERR_PARSE, "%s %s: items[%d] has no describedObject.name", API, KIND,
                     i);
            goto out;
        }
        i++;
        const cJSON *ns = src_get(obj, "namespace");
        if (namespace_ != NULL && cJSON_IsString(ns) && strcmp(ns->valuestring, namespace_) != 0)
            continue;
        if (src_pod_index_each(&ix, name->valuestring, NULL, NULL) == 0)
            continue;
        if (!item_sample(item, name->valuestring, metric, &f, &e))
            goto out;
        src_pod_index_each(&ix, name->valuestring, src_fill_put, &f);
    }
out:
    if (e.rc != EBB_OK)
        src_samples_clear(samples, n_pods);
    cJSON_Delete(root);
    src_pod_index_release(&ix);
    return e.rc;
}
