/* parse_podmetrics.c -- metrics.k8s.io PodMetricsList -> per-pod samples;
 * see source.h. The rules are HPA's (podautoscaler/metrics/client.go,
 * getPodMetrics and getContainerMetrics): a pod whose usage is incomplete
 * is absent rather than counted low, and a named container missing from a
 * pod's metrics fails the whole metric.
 *
 * The shape (metrics-server, and cmd/kubesim/metrics.c):
 *   {"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},
 *    "items":[{"metadata":{"name":"web-0","namespace":"demo",...},
 *              "timestamp":"2026-01-01T00:00:00Z","window":"15s",
 *              "containers":[{"name":"app","usage":{"cpu":"250m","memory":"64Mi"}}]}]}
 */
#include "source_internal.h"

#include <stdio.h>
#include <string.h>

#define API "metrics.k8s.io"
#define KIND "PodMetricsList"

/* The container's usage of the resource; *found = false when it has none,
 * an error recorded in e when it is malformed. */
static void container_usage(const cJSON *ctr, const char *pod, const char *cname,
                            const char *resource, int64_t *milli, bool *found, struct src_err *e)
{
    char what[320];

    *found = false;
    const cJSON *usage = src_get(ctr, "usage");
    if (src_absent(usage))
        return;
    if (!cJSON_IsObject(usage)) {
        src_fail(e, EBB_ERR_PARSE, "%s: pod %s, container %s: usage must be an object, got %s", API,
                 pod, cname, src_type_of(usage));
        return;
    }
    const cJSON *v = src_get(usage, resource);
    if (src_absent(v))
        return;
    snprintf(what, sizeof(what), "pod %.120s, container %.80s: %.32s usage", pod, cname, resource);
    if (!src_quantity(v, API, what, milli, e))
        return;
    if (*milli < 0) {
        src_fail(e, EBB_ERR_PARSE, "%s: %s \"%.64s\" is negative", API, what, v->valuestring);
        return;
    }
    *found = true;
}

static const char *container_name(const cJSON *ctr, int j, char *buf, size_t bufsz)
{
    const cJSON *n = src_get(ctr, "name");
    if (cJSON_IsString(n))
        return n->valuestring;
    snprintf(buf, bufsz, "#%d", j);
    return buf;
}

/* Fills f->v for one item whose pod is wanted. Returns false on error. */
static bool item_sample(const cJSON *item, const char *pod,
                        const struct ebb_source_resource_query *q, struct src_fill *f,
                        struct src_err *e)
{
    char what[160], cbuf[16];

    memset(&f->v, 0, sizeof(f->v));
    snprintf(what, sizeof(what), "pod %.140s", pod);
    if (!src_timestamp(src_get(item, "timestamp"), API, what, &f->v.timestamp_ms, e))
        return false;
    const cJSON *w = src_get(item, "window");
    if (!src_absent(w)) {
        if (!cJSON_IsString(w) || !src_go_duration_ms(w->valuestring, &f->v.window_ms)) {
            src_fail(e, EBB_ERR_PARSE, "%s: %s: window %s%.32s%s is not a duration", API, what,
                     cJSON_IsString(w) ? "\"" : "", cJSON_IsString(w) ? w->valuestring : "",
                     cJSON_IsString(w) ? "\"" : src_type_of(w));
            return false;
        }
    }
    const cJSON *ctrs = src_get(item, "containers");
    if (!src_absent(ctrs) && !cJSON_IsArray(ctrs)) {
        src_fail(e, EBB_ERR_PARSE, "%s: %s: containers must be an array, got %s", API, what,
                 src_type_of(ctrs));
        return false;
    }
    const cJSON *ctr;
    int j = 0;
    bool any = false, missing = false;
    int64_t sum = 0;
    cJSON_ArrayForEach(ctr, ctrs)
    {
        if (!cJSON_IsObject(ctr)) {
            src_fail(e, EBB_ERR_PARSE, "%s: %s: containers[%d] must be an object, got %s", API,
                     what, j, src_type_of(ctr));
            return false;
        }
        const char *cname = container_name(ctr, j, cbuf, sizeof(cbuf));
        j++;
        if (q->container != NULL && strcmp(cname, q->container) != 0)
            continue;
        int64_t milli = 0;
        bool found = false;
        container_usage(ctr, pod, cname, q->resource, &milli, &found, e);
        if (e->rc != EBB_OK)
            return false;
        any = true;
        if (!found) {
            missing = true; /* HPA: the pod's metric is incomplete, so absent */
            break;
        }
        if (__builtin_add_overflow(sum, milli, &sum)) {
            src_fail(e, EBB_ERR_RANGE, "%s: %s: %s usage summed over containers does not fit", API,
                     what, q->resource);
            return false;
        }
        if (q->container != NULL)
            break;
    }
    if (q->container != NULL && !any) {
        src_fail(e, EBB_ERR_NOTFOUND, "%s: container %s is not in the metrics of pod %s", API,
                 q->container, pod);
        return false;
    }
    f->v.present = any && !missing;
    f->v.value_milli = f->v.present ? sum : 0;
    if (!f->v.present) {
        f->v.timestamp_ms = 0;
        f->v.window_ms = 0;
    }
    return true;
}

enum ebb_rc ebb_source_parse_pod_metrics(const char *body, size_t len,
                                         const struct ebb_source_resource_query *q,
                                         const struct ebb_pod *pods, size_t n_pods,
                                         struct ebb_pod_sample *samples, char *err, size_t errsz)
{
    struct src_err e;
    struct src_pod_index ix;
    cJSON *root = NULL;
    int n = 0;

    src_err_init(&e, err, errsz);
    src_samples_clear(samples, n_pods);
    if (q == NULL || q->resource == NULL || q->resource[0] == '\0' ||
        (n_pods > 0 && samples == NULL))
        return src_fail(&e, EBB_ERR_INVALID, "%s: no resource named", API);
    if (src_pod_index_build(&ix, pods, n_pods) != EBB_OK)
        return src_fail(&e, EBB_ERR_NOMEM, "%s: out of memory", API);
    root = src_parse_json(body, len, API, &e);
    if (root == NULL)
        goto out;
    const cJSON *items = src_list_items(root, API, KIND, &n, &e);
    if (items == NULL)
        goto out;
    if (n == 0) {
        src_fail(&e, EBB_ERR_NOTFOUND, "no metrics returned from resource metrics API");
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
        const cJSON *md = src_get(item, "metadata");
        const cJSON *name = src_get(md, "name");
        if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
            src_fail(&e, EBB_ERR_PARSE, "%s %s: items[%d] has no metadata.name", API, KIND, i);
            goto out;
        }
        i++;
        const cJSON *ns = src_get(md, "namespace");
        if (q->namespace_ != NULL && cJSON_IsString(ns) &&
            strcmp(ns->valuestring, q->namespace_) != 0)
            continue;
        /* Items for other pods are not ours to judge. */
        if (src_pod_index_each(&ix, name->valuestring, NULL, NULL) == 0)
            continue;
        if (!item_sample(item, name->valuestring, q, &f, &e))
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
