/*
 * kubesim: custom.metrics.k8s.io/v1beta2 and external.metrics.k8s.io/v1beta1,
 * answered as prometheus-adapter answers them, and the series the control
 * endpoint sets.
 *
 * Custom metrics (pods only):
 *   GET .../namespaces/{ns}/pods/{*}/{metric}?labelSelector= every pod ({*}: a literal *)
 *   GET .../namespaces/{ns}/pods/{name}/{metric}             one pod
 * "requests_per_second" is each pod's share of its workload's load (from
 * the last metrics sample); other metrics are the per-pod series set via
 * PUT /kubesim/v1/custom/{ns}/{pod}/{metric}.
 *
 * External metrics:
 *   GET .../namespaces/{ns}/{metric}?labelSelector=
 * from the series set via PUT /kubesim/v1/external/{ns}/{metric}.
 *
 * Also the quantity formatting (resource.Quantity String()) and label
 * helpers every metrics file uses.
 */
#include "metrics_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RPS "requests_per_second"

/* ---- quantities ---------------------------------------------------- */

void ks_quantity_decimal(int64_t v, int exp10, char out[32])
{
    static const char *const suffix[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};

    if (v == 0) {
        snprintf(out, 32, "0");
        return;
    }
    while (exp10 < 18 && v % 1000 == 0) {
        v /= 1000;
        exp10 += 3;
    }
    int i = (exp10 + 9) / 3;
    if (i < 0 || i > 9)
        i = 3;
    snprintf(out, 32, "%lld%s", (long long)v, suffix[i]);
}

void ks_quantity_binary(int64_t bytes, char out[32])
{
    static const char *const suffix[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    int k = 0;

    if (bytes > -1024 && bytes < 1024) {
        ks_quantity_decimal(bytes, 0, out);
        return;
    }
    while (k < 6 && bytes % 1024 == 0) {
        bytes /= 1024;
        k++;
    }
    snprintf(out, 32, "%lld%s", (long long)bytes, suffix[k]);
}

void ks_quantity_value(double v, char out[32])
{
    if (!isfinite(v) || fabs(v) > 9e15)
        v = 0;
    ks_quantity_decimal((int64_t)llround(v * 1000.0), -3, out);
}

/* ---- labels ---------------------------------------------------------- */

void ks_labels_free(struct ks_label *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++) {
        free(l[i].key);
        free(l[i].value);
    }
    free(l);
}

int ks_labels_from_json(const cJSON *obj, struct ks_label **out, size_t *n)
{
    const cJSON *it;
    size_t cnt = 0, i = 0;

    *out = NULL;
    *n = 0;
    if (!obj || cJSON_IsNull(obj))
        return KS_OK;
    if (!cJSON_IsObject(obj))
        return KS_EINVALID;
    cJSON_ArrayForEach(it, obj)
    {
        if (!cJSON_IsString(it))
            return KS_EINVALID;
        cnt++;
    }
    if (!cnt)
        return KS_OK;
    struct ks_label *l = calloc(cnt, sizeof(*l));
    if (!l)
        return KS_ENOMEM;
    cJSON_ArrayForEach(it, obj)
    {
        l[i].key = strdup(it->string);
        l[i].value = strdup(it->valuestring);
        if (!l[i].key || !l[i].value) {
            ks_labels_free(l, i + 1);
            return KS_ENOMEM;
        }
        i++;
    }
    *out = l;
    *n = cnt;
    return KS_OK;
}

void ks_metrics_register_metric(ks_registry *r, bool external, const char *metric)
{
    ks_rtype rt;

    if (!metric || strlen(metric) + 5 >= sizeof(rt.resource))
        return; /* would not fit: not listed */
    memset(&rt, 0, sizeof(rt));
    if (external) {
        snprintf(rt.group, sizeof(rt.group), "external.metrics.k8s.io");
        snprintf(rt.version, sizeof(rt.version), "v1beta1");
        snprintf(rt.resource, sizeof(rt.resource), "%s", metric);
        snprintf(rt.kind, sizeof(rt.kind), "ExternalMetricValueList");
    } else {
        snprintf(rt.group, sizeof(rt.group), "custom.metrics.k8s.io");
        snprintf(rt.version, sizeof(rt.version), "v1beta2");
        snprintf(rt.resource, sizeof(rt.resource), "pods/%s", metric);
        snprintf(rt.kind, sizeof(rt.kind), "MetricValueList");
    }
    if (!r || ks_registry_find(r, rt.group, rt.version, rt.resource))
        return;
    rt.namespaced = true;
    rt.verbs = KS_V_GET;
    rt.origin = KS_RT_VIRTUAL;
    ks_registry_add(r, &rt);
}

/* ---- series ------------------------------------------------------------ */

double ks_series_value(const struct ks_series *se, double t)
{
    return se->curve ? ks_curve_at(se->curve, t - se->start) : se->value;
}

static bool same_labels(const struct ks_label *a, size_t na, const struct ks_label *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        bool found = false;
        for (size_t j = 0; j < nb && !found; j++)
            found = strcmp(a[i].key, b[j].key) == 0 && strcmp(a[i].value, b[j].value) == 0;
        if (!found)
            return false;
    }
    return true;
}

static bool eq_or_both_null(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int ks_metrics_set_series(ks_metrics *m, const char *ns, const char *pod, const char *metric,
                          struct ks_label *labels, size_t n_labels, double value, ks_curve *curve,
                          double start)
{
    struct ks_series *se = NULL;

    for (size_t i = 0; i < m->n_series && !se; i++) {
        struct ks_series *x = &m->series[i];
        if (strcmp(x->ns, ns) == 0 && eq_or_both_null(x->pod, pod) &&
            strcmp(x->metric, metric) == 0 &&
            (pod || same_labels(x->labels, x->n_labels, labels, n_labels)))
            se = x;
    }
    if (!se) {
        if (m->n_series == m->cap_series) {
            size_t ncap = m->cap_series ? m->cap_series * 2 : 8;
            struct ks_series *nv = realloc(m->series, ncap * sizeof(*nv));
            if (!nv)
                goto nomem;
            m->series = nv;
            m->cap_series = ncap;
        }
        se = &m->series[m->n_series];
        memset(se, 0, sizeof(*se));
        se->ns = strdup(ns);
        se->pod = pod ? strdup(pod) : NULL;
        se->metric = strdup(metric);
        if (!se->ns || !se->metric || (pod && !se->pod)) {
            free(se->ns);
            free(se->pod);
            free(se->metric);
            goto nomem;
        }
        m->n_series++;
    }
    ks_labels_free(se->labels, se->n_labels);
    ks_curve_free(se->curve);
    se->labels = labels;
    se->n_labels = n_labels;
    se->value = value;
    se->curve = curve;
    se->start = start;
    return KS_OK;
nomem:
    ks_labels_free(labels, n_labels);
    ks_curve_free(curve);
    return KS_ENOMEM;
}

/* ---- shared output -------------------------------------------------- */

static double resolution(const ks_sim *s)
{
    return s->cfg.metrics_resolution > 0 ? s->cfg.metrics_resolution : 15.0;
}

static void respond(ks_resp *resp, cJSON *body)
{
    if (!body) {
        ks_status_fail(resp, 500, "InternalError", "out of memory", NULL);
        return;
    }
    ks_resp_json(resp, 200, body);
    cJSON_Delete(body);
}

static cJSON *new_list(const char *kind, const char *api_version)
{
    cJSON *l = cJSON_CreateObject();

    cJSON_AddStringToObject(l, "kind", kind);
    cJSON_AddStringToObject(l, "apiVersion", api_version);
    cJSON_AddObjectToObject(l, "metadata");
    cJSON_AddArrayToObject(l, "items");
    return l;
}

static void not_found(ks_resp *resp, const char *fmt, const char *a, const char *b)
{
    char msg[512];

    snprintf(msg, sizeof(msg), fmt, a, b);
    ks_status_fail(resp, 404, "NotFound", msg, NULL);
}

/* Splits rest at '/' into up to 5 segments; returns how many there were. */
static size_t segments(const char *rest, char *buf, size_t bufsz, char *seg[5])
{
    size_t n = 0;

    if (strlen(rest) >= bufsz)
        return 0; /* longer than any name kubesim serves */
    snprintf(buf, bufsz, "%s", rest);
    for (char *p = buf;;) {
        char *sl = strchr(p, '/');
        if (sl)
            *sl = '\0';
        if (n < 5)
            seg[n] = p;
        n++;
        if (!sl)
            return n;
        p = sl + 1;
    }
}

static bool method_ok(const ks_req *req, ks_resp *resp)
{
    if (strcmp(req->method, "GET") == 0)
        return true;
    ks_status_fail(resp, 405, "MethodNotAllowed",
                   "the server does not allow this method on the requested resource", NULL);
    return false;
}

/* ---- custom.metrics.k8s.io ------------------------------------------- */

static cJSON *metric_value(const char *ns, const char *pod, const char *metric, double t,
                           double window, double value)
{
    char ts[32], q[32];
    cJSON *it = cJSON_CreateObject();
    cJSON *d = cJSON_AddObjectToObject(it, "describedObject");

    cJSON_AddStringToObject(d, "kind", "Pod");
    cJSON_AddStringToObject(d, "namespace", ns);
    cJSON_AddStringToObject(d, "name", pod);
    cJSON_AddStringToObject(d, "apiVersion", "/v1");
    cJSON *mo = cJSON_AddObjectToObject(it, "metric");
    cJSON_AddStringToObject(mo, "name", metric);
    cJSON_AddNullToObject(mo, "selector");
    ks_time_format(t, ts);
    cJSON_AddStringToObject(it, "timestamp", ts);
    cJSON_AddNumberToObject(it, "windowSeconds", floor(window));
    ks_quantity_value(value, q);
    cJSON_AddStringToObject(it, "value", q);
    return it;
}

/* The pod's labels from the store (a series may outlive its sample). */
static bool pod_matches(ks_sim *s, const char *ns, const char *name, const ks_selector *sel)
{
    const ks_rtype *rt = s->reg ? ks_registry_find(s->reg, "", "v1", "pods") : NULL;
    const ks_obj *o = rt && s->store ? ks_store_get(s->store, rt, ns, name) : NULL;

    return o && ks_selector_matches_labels(sel, o->labels, o->n_labels);
}

static int cmp_items(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    const char *nx = ks_json_str(x, "describedObject.name");
    const char *ny = ks_json_str(y, "describedObject.name");

    return strcmp(nx ? nx : "", ny ? ny : "");
}

struct rps_list {
    cJSON *items;
    const char *pod; /* one pod's name, NULL for all */
    double win;
};

static bool add_rps(void *ud, const struct ks_pod_sample *p)
{
    struct rps_list *rl = ud;

    if (rl->pod && strcmp(p->name, rl->pod) != 0)
        return true;
    cJSON_AddItemToArray(rl->items, metric_value(p->ns, p->name, RPS, p->time, rl->win, p->rps));
    return true;
}

bool ks_metrics_custom_handle(ks_sim *s, const ks_req *req, ks_resp *resp)
{
    static const char pre[] = "/apis/custom.metrics.k8s.io/v1beta2/";
    ks_metrics *m = s->metrics;
    char buf[1024], *seg[5], err[256];

    if (strncmp(req->path, pre, sizeof(pre) - 1) != 0)
        return false;
    size_t n = segments(req->path + sizeof(pre) - 1, buf, sizeof(buf), seg);
    if (n != 5 || strcmp(seg[0], "namespaces") != 0 || strcmp(seg[2], "pods") != 0 || !*seg[1] ||
        !*seg[3] || !*seg[4])
        return false;
    if (!method_ok(req, resp))
        return true;
    const char *ns = seg[1], *pod = seg[3], *metric = seg[4];
    bool all = strcmp(pod, "*") == 0 || strcmp(pod, "%2A") == 0 || strcmp(pod, "%2a") == 0;
    bool rps = strcmp(metric, RPS) == 0, known = rps;
    for (size_t i = 0; i < m->n_series && !known; i++)
        known = m->series[i].pod && strcmp(m->series[i].metric, metric) == 0;
    if (!known) {
        not_found(resp, "the server could not find the metric %s for %s", metric, "pods");
        return true;
    }
    ks_selector *sel = NULL;
    if (all) {
        sel = ks_selector_parse(ks_req_query(req, "labelSelector"), false, err, sizeof(err));
        if (!sel) {
            ks_status_fail(resp, 400, "BadRequest", err, NULL);
            return true;
        }
    }
    ks_metrics_refresh(s);
    double now = ks_now(s), win = resolution(s);
    cJSON *l = new_list("MetricValueList", "custom.metrics.k8s.io/v1beta2");
    cJSON *items = cJSON_GetObjectItemCaseSensitive(l, "items");
    if (rps) {
        struct rps_list rl = {items, all ? NULL : pod, win};
        ks_metrics_each_pod(m, ns, sel, add_rps, &rl);
    } else {
        for (size_t i = 0; i < m->n_series; i++) {
            const struct ks_series *se = &m->series[i];
            if (!se->pod || strcmp(se->ns, ns) != 0 || strcmp(se->metric, metric) != 0 ||
                (!all && strcmp(se->pod, pod) != 0) || (all && !pod_matches(s, ns, se->pod, sel)))
                continue;
            cJSON_AddItemToArray(
                items, metric_value(ns, se->pod, metric, now, win, ks_series_value(se, now)));
        }
    }
    ks_selector_free(sel);
    int cnt = cJSON_GetArraySize(items);
    if (!all && cnt == 0) {
        cJSON_Delete(l);
        not_found(resp, "the server could not find the metric %s for pods %s", metric, pod);
        return true;
    }
    if (cnt > 1) {
        /* Sort by pod name, as a LIST would come. */
        cJSON **v = calloc((size_t)cnt, sizeof(*v));
        if (v) {
            for (int i = 0; i < cnt; i++)
                v[i] = cJSON_DetachItemFromArray(items, 0);
            qsort(v, (size_t)cnt, sizeof(*v), cmp_items);
            for (int i = 0; i < cnt; i++)
                cJSON_AddItemToArray(items, v[i]);
            free(v);
        }
    }
    respond(resp, l);
    return true;
}

/* ---- external.metrics.k8s.io ------------------------------------------ */

bool ks_metrics_external_handle(ks_sim *s, const ks_req *req, ks_resp *resp)
{
    static const char pre[] = "/apis/external.metrics.k8s.io/v1beta1/";
    ks_metrics *m = s->metrics;
    char buf[1024], *seg[5], err[256], ts[32], q[32];

    if (strncmp(req->path, pre, sizeof(pre) - 1) != 0)
        return false;
    size_t n = segments(req->path + sizeof(pre) - 1, buf, sizeof(buf), seg);
    if (n != 3 || strcmp(seg[0], "namespaces") != 0 || !*seg[1] || !*seg[2])
        return false;
    if (!method_ok(req, resp))
        return true;
    const char *ns = seg[1], *metric = seg[2];
    bool known = false;
    for (size_t i = 0; i < m->n_series && !known; i++)
        known = !m->series[i].pod && strcmp(m->series[i].metric, metric) == 0 &&
                strcmp(m->series[i].ns, ns) == 0;
    if (!known) {
        not_found(resp, "the server could not find the metric %s for namespace %s", metric, ns);
        return true;
    }
    ks_selector *sel =
        ks_selector_parse(ks_req_query(req, "labelSelector"), false, err, sizeof(err));
    if (!sel) {
        ks_status_fail(resp, 400, "BadRequest", err, NULL);
        return true;
    }
    double now = ks_now(s);
    cJSON *l = new_list("ExternalMetricValueList", "external.metrics.k8s.io/v1beta1");
    cJSON *items = cJSON_GetObjectItemCaseSensitive(l, "items");
    ks_time_format(now, ts);
    for (size_t i = 0; i < m->n_series; i++) {
        const struct ks_series *se = &m->series[i];
        if (se->pod || strcmp(se->ns, ns) != 0 || strcmp(se->metric, metric) != 0 ||
            !ks_selector_matches_labels(sel, se->labels, se->n_labels))
            continue;
        cJSON *it = cJSON_CreateObject();
        cJSON_AddStringToObject(it, "metricName", metric);
        cJSON *ml = cJSON_AddObjectToObject(it, "metricLabels");
        for (size_t j = 0; j < se->n_labels; j++)
            cJSON_AddStringToObject(ml, se->labels[j].key, se->labels[j].value);
        cJSON_AddStringToObject(it, "timestamp", ts);
        ks_quantity_value(ks_series_value(se, now), q);
        cJSON_AddStringToObject(it, "value", q);
        cJSON_AddItemToArray(items, it);
    }
    ks_selector_free(sel);
    respond(resp, l);
    return true;
}
