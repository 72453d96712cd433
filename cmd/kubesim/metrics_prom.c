/*
 * kubesim: the Prometheus text exposition (format 0.0.4) of the model.
 *
 *   GET /kubesim/metrics                                   everything
 *   GET /kubesim/metrics/namespaces/{ns}/workloads/{name}  one workload
 *   GET /kubesim/metrics/namespaces/{ns}/pods/{name}       one pod
 *
 * Workload and pod values are those of the last metrics sample (what the
 * metrics APIs serve); kubesim_offered_load is the load right now.
 */
#include "metrics_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct filter {
    const char *ns;
    const char *workload; /* name within ns */
    const char *pod;
};

/* A value as Go's strconv.FormatFloat(v, 'g', -1, 64) would: shortest. */
static void add_value(struct ebb_strbuf *sb, double v)
{
    char buf[40];

    if (isnan(v)) {
        ebb_strbuf_adds(sb, "NaN");
        return;
    }
    if (isinf(v)) {
        ebb_strbuf_adds(sb, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    /* The fewest significant digits that read back as v. */
    int nd = 1;
    for (; nd < 17; nd++) {
        snprintf(buf, sizeof(buf), "%.*e", nd - 1, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    snprintf(buf, sizeof(buf), "%.*e", nd - 1, v);
    const char *e = strchr(buf, 'e');
    int exp = e ? (int)strtol(e + 1, NULL, 10) : 0;
    /* Go: %e when the exponent is < -4 or >= 6 (shortest form), else %f. */
    if (v != 0 && (exp < -4 || exp >= 6)) {
        ebb_strbuf_adds(sb, buf);
        return;
    }
    int decimals = nd - 1 - exp;
    snprintf(buf, sizeof(buf), "%.*f", decimals > 0 ? decimals : 0, v);
    ebb_strbuf_adds(sb, buf);
}

/* A label value: backslash, double quote and newline escaped. */
static void add_label(struct ebb_strbuf *sb, bool first, const char *name, const char *value)
{
    if (!first)
        ebb_strbuf_addch(sb, ',');
    ebb_strbuf_addf(sb, "%s=\"", name);
    for (const char *p = value; *p; p++) {
        if (*p == '\\')
            ebb_strbuf_adds(sb, "\\\\");
        else if (*p == '"')
            ebb_strbuf_adds(sb, "\\\"");
        else if (*p == '\n')
            ebb_strbuf_adds(sb, "\\n");
        else
            ebb_strbuf_addch(sb, *p);
    }
    ebb_strbuf_addch(sb, '"');
}

/* A label name from an arbitrary key: [a-zA-Z_][a-zA-Z0-9_]*, never one
 * of the names kubesim sets itself. */
static void label_name(const char *key, char out[128])
{
    size_t n = 0;

    if (strcmp(key, "name") == 0 || strcmp(key, "namespace") == 0 || strcmp(key, "pod") == 0) {
        snprintf(out, 128, "label_%s", key);
        return;
    }
    for (const char *p = key; *p && n + 1 < 128; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (n > 0 && c >= '0' && c <= '9');
        out[n++] = ok ? c : '_';
    }
    if (n == 0)
        out[n++] = '_';
    out[n] = '\0';
    /* Names starting with "__" are Prometheus's own (__name__). */
    if (out[0] == '_' && out[1] == '_') {
        char tmp[128];
        snprintf(tmp, sizeof(tmp), "label%s", out);
        snprintf(out, 128, "%s", tmp);
    }
}

static void family(struct ebb_strbuf *sb, const char *name, const char *help)
{
    ebb_strbuf_addf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* "ns/name" -> name. */
static const char *key_name(const char *key)
{
    const char *sl = key ? strchr(key, '/') : NULL;

    return sl ? sl + 1 : "";
}

static bool wl_wanted(const struct filter *f, const struct ks_workload_sample *w)
{
    if (f->pod)
        return false;
    return !f->ns || (strcmp(w->ns, f->ns) == 0 && strcmp(w->name, f->workload) == 0);
}

static bool pod_wanted(const struct filter *f, const struct ks_pod_sample *p)
{
    if (!f->ns)
        return true;
    if (strcmp(p->ns, f->ns) != 0)
        return false;
    if (f->pod)
        return strcmp(p->name, f->pod) == 0;
    return p->workload && strcmp(key_name(p->workload), f->workload) == 0;
}

static void workload_families(ks_sim *s, const struct filter *f, struct ebb_strbuf *sb)
{
    ks_metrics *m = s->metrics;
    double now = ks_now(s);

    family(sb, "kubesim_offered_load", "Offered load of a workload, requests per second.");
    for (size_t i = 0; i < m->n_wls; i++) {
        if (!wl_wanted(f, &m->wls[i]))
            continue;
        ebb_strbuf_adds(sb, "kubesim_offered_load{");
        add_label(sb, true, "namespace", m->wls[i].ns);
        add_label(sb, false, "workload", m->wls[i].name);
        ebb_strbuf_adds(sb, "} ");
        add_value(sb, ks_metrics_load_at(m, m->wls[i].key, now));
        ebb_strbuf_addch(sb, '\n');
    }
    family(sb, "kubesim_workload_ready_replicas", "Ready pods of a workload.");
    for (size_t i = 0; i < m->n_wls; i++) {
        if (!wl_wanted(f, &m->wls[i]))
            continue;
        ebb_strbuf_adds(sb, "kubesim_workload_ready_replicas{");
        add_label(sb, true, "namespace", m->wls[i].ns);
        add_label(sb, false, "workload", m->wls[i].name);
        ebb_strbuf_addf(sb, "} %ld\n", m->wls[i].ready);
    }
}

static void pod_families(ks_sim *s, const struct filter *f, struct ebb_strbuf *sb)
{
    static const struct {
        const char *name, *help;
    } fams[] = {
        {"kubesim_pod_requests_per_second", "Requests per second a pod serves."},
        {"kubesim_pod_cpu_usage_cores", "CPU a pod uses, in cores."},
        {"kubesim_pod_ready", "1 when the pod is Ready and serving."},
    };
    ks_metrics *m = s->metrics;

    for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
        family(sb, fams[k].name, fams[k].help);
        for (size_t i = 0; i < m->n_pods; i++) {
            const struct ks_pod_sample *p = &m->pods[i];
            if (!pod_wanted(f, p))
                continue;
            ebb_strbuf_addf(sb, "%s{", fams[k].name);
            add_label(sb, true, "namespace", p->ns);
            add_label(sb, false, "pod", p->name);
            add_label(sb, false, "workload", key_name(p->workload));
            ebb_strbuf_adds(sb, "} ");
            add_value(sb, k == 0 ? p->rps : k == 1 ? p->cpu : (p->ready ? 1 : 0));
            ebb_strbuf_addch(sb, '\n');
        }
    }
}

static void series_families(ks_sim *s, const struct filter *f, struct ebb_strbuf *sb)
{
    ks_metrics *m = s->metrics;
    double now = ks_now(s);
    char ln[128];

    family(sb, "kubesim_custom_metric", "Per-pod custom metric series set through kubesim.");
    for (size_t i = 0; i < m->n_series; i++) {
        const struct ks_series *se = &m->series[i];
        if (!se->pod ||
            (f->ns && (strcmp(se->ns, f->ns) != 0 || !f->pod || strcmp(se->pod, f->pod) != 0)))
            continue;
        ebb_strbuf_adds(sb, "kubesim_custom_metric{");
        add_label(sb, true, "name", se->metric);
        add_label(sb, false, "namespace", se->ns);
        add_label(sb, false, "pod", se->pod);
        ebb_strbuf_adds(sb, "} ");
        add_value(sb, ks_series_value(se, now));
        ebb_strbuf_addch(sb, '\n');
    }
    if (f->ns)
        return;
    family(sb, "kubesim_external_metric", "External metric series set through kubesim.");
    for (size_t i = 0; i < m->n_series; i++) {
        const struct ks_series *se = &m->series[i];
        if (se->pod)
            continue;
        ebb_strbuf_adds(sb, "kubesim_external_metric{");
        add_label(sb, true, "name", se->metric);
        add_label(sb, false, "namespace", se->ns);
        /* Two keys can clean up to one name ("a.b", "a_b"): a repeated
         * label name would make Prometheus refuse the whole scrape, so the
         * later key is left out. */
        char seen[16][128];
        size_t n_seen = 0;
        for (size_t j = 0; j < se->n_labels; j++) {
            label_name(se->labels[j].key, ln);
            bool dup = strcmp(ln, "name") == 0 || strcmp(ln, "namespace") == 0;
            for (size_t k = 0; k < n_seen && !dup; k++)
                dup = strcmp(seen[k], ln) == 0;
            if (dup || n_seen == 16)
                continue;
            snprintf(seen[n_seen++], sizeof(seen[0]), "%s", ln);
            add_label(sb, false, ln, se->labels[j].value);
        }
        ebb_strbuf_adds(sb, "} ");
        add_value(sb, ks_series_value(se, now));
        ebb_strbuf_addch(sb, '\n');
    }
}

bool ks_metrics_prom_handle(ks_sim *s, const ks_req *req, ks_resp *resp)
{
    static const char pre[] = "/kubesim/metrics";
    struct filter f = {0};
    char buf[512], *seg[5];
    size_t n = 0;

    if (strncmp(req->path, pre, sizeof(pre) - 1) != 0)
        return false;
    const char *rest = req->path + sizeof(pre) - 1;
    if (*rest && *rest != '/')
        return false;
    if (*rest == '/' && rest[1]) {
        if (strlen(rest + 1) >= sizeof(buf))
            return false;
        snprintf(buf, sizeof(buf), "%s", rest + 1);
        for (char *p = buf;;) {
            char *sl = strchr(p, '/');
            if (sl)
                *sl = '\0';
            if (n < 5)
                seg[n] = p;
            n++;
            if (!sl)
                break;
            p = sl + 1;
        }
        if (n != 4 || strcmp(seg[0], "namespaces") != 0 || !*seg[1] || !*seg[3] ||
            (strcmp(seg[2], "workloads") != 0 && strcmp(seg[2], "pods") != 0))
            return false;
        f.ns = seg[1];
        if (strcmp(seg[2], "pods") == 0)
            f.pod = seg[3];
        else
            f.workload = seg[3];
    }
    if (strcmp(req->method, "GET") != 0) {
        ks_status_fail(resp, 405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource", NULL);
        return true;
    }
    if (!s->metrics) {
        ks_status_fail(resp, 503, "ServiceUnavailable", "metrics are not running", NULL);
        return true;
    }
    ks_metrics_refresh(s);
    ebb_strbuf_reset(&resp->body);
    if (!f.pod)
        workload_families(s, &f, &resp->body);
    pod_families(s, &f, &resp->body);
    series_families(s, &f, &resp->body);
    if (ebb_strbuf_rc(&resp->body) != EBB_OK) {
        ebb_strbuf_reset(&resp->body);
        ks_status_fail(resp, 500, "InternalError", "out of memory", NULL);
        return true;
    }
    resp->status = 200;
    snprintf(resp->content_type, sizeof(resp->content_type), "%s", CONTENT_TYPE);
    return true;
}
