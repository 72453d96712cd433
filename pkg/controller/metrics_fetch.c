/* metrics_fetch.c -- the fetch layer of the metric sources: metrics.k8s.io,
 * custom.metrics.k8s.io and external.metrics.k8s.io through the kube
 * client, Prometheus through a small curl multi of the controller's own
 * (the client's multi is private), polled from tick with a 0 timeout.
 * The answers are parsed by pkg/source. EDGE (libcurl). */
#include "controller_internal.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../api/v1alpha1/duration.h"
#include "../base/msg.h"

/* curl writes its detailed message of a failed transfer into f->error
 * (CURLOPT_ERRORBUFFER), read back in ctl_prom_tick(). */
_Static_assert(sizeof(((struct ctl_fetch *)0)->error) >= CURL_ERROR_SIZE,
               "ctl_fetch.error must hold curl's error buffer");

struct ctl_prom {
    struct ebb_controller *c;
    CURLM *multi;
    size_t running;
};

/* ---- selectors --------------------------------------------------------------------------- */

enum ebb_rc ctl_selector_string(const struct ebb_label_selector *s, struct ebb_strbuf *out)
{
    bool first = true;
    for (size_t i = 0; s && i < s->n_match_labels; i++) {
        ebb_strbuf_addf(out, "%s%s=%s", first ? "" : ",", s->match_labels[i].key,
                        s->match_labels[i].value ? s->match_labels[i].value : "");
        first = false;
    }
    for (size_t i = 0; s && i < s->n_match_expressions; i++) {
        const struct ebb_selector_req *r = &s->match_expressions[i];
        if (!first)
            ebb_strbuf_addch(out, ',');
        first = false;
        switch (r->op) {
        case EBB_SELECTOR_EXISTS:
            ebb_strbuf_adds(out, r->key);
            break;
        case EBB_SELECTOR_DOES_NOT_EXIST:
            ebb_strbuf_addf(out, "!%s", r->key);
            break;
        default:
            ebb_strbuf_addf(out, "%s %s (", r->key, r->op == EBB_SELECTOR_NOT_IN ? "notin" : "in");
            for (size_t j = 0; j < r->n_values; j++)
                ebb_strbuf_addf(out, "%s%s", j ? "," : "", r->values[j]);
            ebb_strbuf_addch(out, ')');
            break;
        }
    }
    return ebb_strbuf_rc(out);
}

/* ---- Prometheus multi -------------------------------------------------------------------- */

enum ebb_rc ctl_prom_new(struct ebb_controller *c, struct ctl_prom **out, char *err, size_t errsz)
{
    struct ctl_prom *p = calloc(1, sizeof(*p));
    *out = NULL;
    if (p == NULL)
        return ebb_errf(err, errsz, EBB_ERR_NOMEM, "out of memory");
    p->c = c;
    p->multi = curl_multi_init();
    if (p->multi == NULL) {
        free(p);
        return ebb_errf(err, errsz, EBB_ERR_NOMEM, "curl_multi_init failed");
    }
    *out = p;
    return EBB_OK;
}

void ctl_prom_free(struct ctl_prom *p)
{
    if (p == NULL)
        return;
    curl_multi_cleanup(p->multi); /* the easy handles were removed by their reconciles */
    free(p);
}

size_t ctl_prom_running(const struct ctl_prom *p)
{
    return p ? p->running : 0;
}

static void fetch_done(struct ctl_fetch *f)
{
    f->pending = false;
    if (f->r->fetch_pending > 0 && --f->r->fetch_pending == 0)
        ctl_reconcile_wake(f->r);
}

static void prom_detach(struct ctl_prom *p, struct ctl_fetch *f)
{
    if (f->easy == NULL)
        return;
    curl_multi_remove_handle(p->multi, f->easy);
    curl_easy_cleanup(f->easy);
    f->easy = NULL;
    if (p->running > 0)
        p->running--;
}

/* f->error from a failed transfer. Only what stays the same from one sync
 * to the next goes in (the condition's message and the Event are written
 * again when it changes): curl's detail for TLS, where it names the
 * problem; not for timeouts or refused connections, where it has times. */
static void prom_failed(const struct ebb_controller *c, struct ctl_fetch *f, CURLcode res)
{
    char detail[CURL_ERROR_SIZE + 1], dur[32];
    snprintf(detail, sizeof(detail), "%s", f->error); /* curl's error buffer */
    size_t n = strlen(detail);
    while (n > 0 && isspace((unsigned char)detail[n - 1]))
        detail[--n] = '\0';
    switch (res) {
    case CURLE_OPERATION_TIMEDOUT:
        ebb_duration_format(c->o.prometheus_timeout_ms, dur, sizeof(dur));
        snprintf(f->error, sizeof(f->error),
                 "Prometheus query failed: no answer within %s (--prometheus-timeout)", dur);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
        snprintf(f->error, sizeof(f->error),
                 "Prometheus query failed: TLS: %s (check --prometheus-ca-file and the "
                 "address's host name)",
                 n ? detail : curl_easy_strerror(res));
        break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
        snprintf(f->error, sizeof(f->error), "Prometheus query failed: TLS: %s",
                 n ? detail : curl_easy_strerror(res));
        break;
    default:
        snprintf(f->error, sizeof(f->error), "Prometheus query failed: %s",
                 curl_easy_strerror(res));
        break;
    }
}

/* "scheme://host:port" of an http(s) URL, lower-cased, the default port
 * filled in; "" when it is not one. */
static void url_origin(const char *url, char *out, size_t cap)
{
    const char *p, *port = NULL, *end;
    bool tls;
    out[0] = '\0';
    if (url == NULL)
        return;
    if (strncasecmp(url, "http://", 7) == 0) {
        tls = false;
        p = url + 7;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        tls = true;
        p = url + 8;
    } else {
        return;
    }
    end = p + strcspn(p, "/?#");
    for (const char *at = p; at < end; at++) /* user:password@ is not the origin */
        if (*at == '@')
            p = at + 1;
    const char *host_end = end;
    if (*p == '[') { /* [::1]:9090 */
        const char *rb = memchr(p, ']', (size_t)(end - p));
        if (rb == NULL)
            return;
        host_end = rb + 1;
        if (host_end < end && *host_end == ':')
            port = host_end + 1;
    } else {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (colon != NULL) {
            host_end = colon;
            port = colon + 1;
        }
    }
    size_t hl = (size_t)(host_end - p);
    int k = snprintf(out, cap, "%s://%.*s:%.*s", tls ? "https" : "http", (int)hl, p,
                     port && port < end ? (int)(end - port) : 0, port ? port : "");
    if (k < 0 || (size_t)k >= cap) {
        out[0] = '\0';
        return;
    }
    if (!(port && port < end))
        snprintf(out + k, cap - (size_t)k, "%s", tls ? "443" : "80");
    for (char *q = out; *q; q++)
        *q = (char)tolower((unsigned char)*q);
}

/* The token may go to addr: it is the server of --prometheus-address. */
static bool token_goes_to(const struct ebb_controller *c, const char *addr)
{
    char a[512], b[512];
    url_origin(addr, a, sizeof(a));
    url_origin(c->o.prometheus_address, b, sizeof(b));
    return a[0] != '\0' && strcmp(a, b) == 0;
}

static bool token_configured(const struct ebb_controller *c)
{
    return c->o.prometheus_token != NULL ||
           (c->o.prometheus_bearer_token && c->o.prometheus_bearer_token[0]);
}

void ctl_prom_tick(struct ctl_prom *p)
{
    int still = 0, left = 0;
    CURLMsg *m;
    if (p == NULL || p->running == 0)
        return;
    curl_multi_perform(p->multi, &still);
    while ((m = curl_multi_info_read(p->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct ctl_fetch *f = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
        if (f == NULL)
            continue;
        CURLcode res = m->data.result;
        if (res != CURLE_OK) {
            prom_failed(p->c, f, res);
        } else {
            f->error[0] = '\0'; /* curl's error buffer: nothing to say */
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &f->http_status);
            if (ebb_strbuf_rc(&f->body) != EBB_OK)
                snprintf(f->error, sizeof(f->error), "Prometheus query: out of memory");
        }
        prom_detach(p, f);
        fetch_done(f);
    }
}

static size_t prom_write(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct ctl_fetch *f = ctx;
    size_t n = size * nmemb;
    if (f->body.len + n > 16u << 20)
        return 0; /* an answer this large is not an instant query's */
    ebb_strbuf_add(&f->body, data, n);
    return ebb_strbuf_rc(&f->body) == EBB_OK ? n : 0;
}

static void prom_start(struct ctl_reconcile *r, struct ctl_fetch *f,
                       const struct ebb_metric_spec *m)
{
    struct ebb_controller *c = r->c;
    const char *addr = m->prometheus.address && m->prometheus.address[0] ? m->prometheus.address
                                                                         : c->o.prometheus_address;
    struct ebb_strbuf url = EBB_STRBUF_INIT;
    if (addr == NULL) {
        snprintf(f->error, sizeof(f->error),
                 "no Prometheus address: the metric names none and --prometheus-address is unset");
        return;
    }
    if (ebb_source_prom_query_url(addr, m->prometheus.query, EBB_TIME_UNSET,
                                  c->o.prometheus_timeout_ms, &url, f->error,
                                  sizeof(f->error)) != EBB_OK) {
        ebb_strbuf_release(&url);
        return;
    }
    CURL *e = curl_easy_init();
    if (e == NULL) {
        snprintf(f->error, sizeof(f->error), "Prometheus query: curl_easy_init failed");
        ebb_strbuf_release(&url);
        return;
    }
    curl_easy_setopt(e, CURLOPT_URL, url.buf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)f);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, prom_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->o.prometheus_timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->o.prometheus_timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "ebb");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->error);
    if (token_configured(c) && token_goes_to(c, addr)) {
        const char *tok = c->o.prometheus_token ? c->o.prometheus_token(c->o.prometheus_token_ctx)
                                                : c->o.prometheus_bearer_token;
        if (tok && tok[0]) { /* curl copies it */
            curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
            curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, tok);
        }
    }
    if (c->o.prometheus_ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->o.prometheus_ca_file);
    if (c->o.prometheus_insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    ebb_strbuf_release(&url);
    if (curl_multi_add_handle(c->prom->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        snprintf(f->error, sizeof(f->error), "Prometheus query: curl_multi_add_handle failed");
        return;
    }
    f->error[0] = '\0';
    f->easy = e;
    f->kind = CTL_FETCH_PROM;
    f->pending = true;
    c->prom->running++;
    r->requests++;
    c->st.requests++;
    c->st.metric_requests++;
}

/* ---- metrics APIs through the kube client ------------------------------------------------ */

static void kube_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct ctl_fetch *f = ctx;
    f->req_id = 0;
    if (resp->error != NULL) {
        char why[1024];
        ebb_kube_error_format(resp->error, why, sizeof(why));
        snprintf(f->error, sizeof(f->error), "%s", why);
    } else {
        f->http_status = resp->http_status;
        ebb_strbuf_add(&f->body, resp->body ? resp->body : "", resp->body_len);
        if (ebb_strbuf_rc(&f->body) != EBB_OK)
            snprintf(f->error, sizeof(f->error), "out of memory reading the metrics");
    }
    fetch_done(f);
}

static void kube_start(struct ctl_reconcile *r, struct ctl_fetch *f, const char *path,
                       const char *api)
{
    struct ebb_kube_request req = {EBB_KUBE_GET, path, NULL, 0, NULL, false};
    enum ebb_rc rc = ebb_kube_submit(r->c->client, &req, NULL, kube_done, f, &f->req_id);
    if (rc != EBB_OK) {
        snprintf(f->error, sizeof(f->error), "%s: the request could not be sent: %s", api,
                 ebb_rc_str(rc));
        return;
    }
    f->kind = CTL_FETCH_KUBE;
    f->pending = true;
    r->requests++;
    r->c->st.requests++;
    r->c->st.metric_requests++;
}

static void add_selector_param(struct ebb_strbuf *b, const char *name, const char *sel, bool *first)
{
    if (sel == NULL || sel[0] == 0)
        return;
    ebb_strbuf_addf(b, "%c%s=", *first ? '?' : '&', name);
    ebb_kube_escape(sel, b);
    *first = false;
}

void ctl_fetch_start(struct ctl_reconcile *r)
{
    const struct ebb_policy_spec *spec = &r->pol.spec;
    r->fetch_pending = 0;
    for (size_t i = 0; i < spec->n_metrics && i < EBB_MAX_METRICS; i++) {
        const struct ebb_metric_spec *m = &spec->metrics[i];
        struct ctl_fetch *f = &r->fetch[i];
        struct ebb_strbuf path = EBB_STRBUF_INIT, msel = EBB_STRBUF_INIT;
        bool first = true;
        f->r = r;
        f->idx = i;
        ebb_strbuf_init(&f->body);
        switch (m->type) {
        case EBB_METRIC_RESOURCE: {
            ebb_strbuf_adds(&path, "/apis/metrics.k8s.io/v1beta1/namespaces/");
            ebb_kube_escape(r->ns, &path);
            ebb_strbuf_adds(&path, "/pods");
            add_selector_param(&path, "labelSelector", r->scale.selector, &first);
            if (ebb_strbuf_rc(&path) == EBB_OK)
                kube_start(r, f, path.buf, "metrics.k8s.io");
            break;
        }
        case EBB_METRIC_PODS:
            ebb_strbuf_adds(&path, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/");
            ebb_kube_escape(r->ns, &path);
            ebb_strbuf_adds(&path, "/pods/*/");
            ebb_kube_escape(m->pods.metric_name ? m->pods.metric_name : "", &path);
            add_selector_param(&path, "labelSelector", r->scale.selector, &first);
            if (ctl_selector_string(&m->pods.selector, &msel) == EBB_OK)
                add_selector_param(&path, "metricLabelSelector", msel.buf, &first);
            if (ebb_strbuf_rc(&path) == EBB_OK)
                kube_start(r, f, path.buf, "custom.metrics.k8s.io");
            break;
        case EBB_METRIC_EXTERNAL:
            ebb_strbuf_adds(&path, "/apis/external.metrics.k8s.io/v1beta1/namespaces/");
            ebb_kube_escape(r->ns, &path);
            ebb_strbuf_addch(&path, '/');
            ebb_kube_escape(m->external.metric_name ? m->external.metric_name : "", &path);
            if (ctl_selector_string(&m->external.selector, &msel) == EBB_OK)
                add_selector_param(&path, "labelSelector", msel.buf, &first);
            if (ebb_strbuf_rc(&path) == EBB_OK)
                kube_start(r, f, path.buf, "external.metrics.k8s.io");
            break;
        case EBB_METRIC_PROMETHEUS:
            prom_start(r, f, m);
            break;
        default:
            snprintf(f->error, sizeof(f->error), "metric %s: unknown type", m->name);
            break;
        }
        if (f->kind == CTL_FETCH_NONE && f->error[0] == 0)
            snprintf(f->error, sizeof(f->error), "metric %s: out of memory", m->name);
        if (f->pending)
            r->fetch_pending++;
        ebb_strbuf_release(&path);
        ebb_strbuf_release(&msel);
    }
}

void ctl_fetch_release(struct ctl_reconcile *r)
{
    for (size_t i = 0; i < EBB_MAX_METRICS; i++) {
        struct ctl_fetch *f = &r->fetch[i];
        if (f->req_id != 0 && f->pending)
            ebb_kube_cancel(r->c->client, f->req_id);
        f->req_id = 0;
        if (f->easy != NULL)
            prom_detach(r->c->prom, f);
        f->pending = false;
        if (f->r != NULL)
            ebb_strbuf_release(&f->body);
        free(f->samples);
        f->samples = NULL;
    }
    r->fetch_pending = 0;
}

/* ---- parsing ----------------------------------------------------------------------------- */

static int64_t sync_of(const struct ctl_reconcile *r)
{
    return r->sync_ms > 0 ? r->sync_ms : r->c->o.sync_period_ms;
}

static void finish_one(struct ctl_reconcile *r, size_t i, int64_t wall_ms)
{
    const struct ebb_metric_spec *m = &r->pol.spec.metrics[i];
    struct ctl_fetch *f = &r->fetch[i];
    struct ebb_metric_obs *o = &r->obs[i];
    char buf[EBB_SOURCE_ERR_MAX];
    const char *stale = NULL;
    memset(o, 0, sizeof(*o));
    if (f->error[0]) {
        o->error = f->error;
        return;
    }
    if (m->type == EBB_METRIC_RESOURCE || m->type == EBB_METRIC_PODS) {
        f->samples = calloc(r->n_pods ? r->n_pods : 1, sizeof(*f->samples));
        if (f->samples == NULL) {
            snprintf(f->error, sizeof(f->error), "out of memory");
            o->error = f->error;
            return;
        }
    }
    enum ebb_rc rc = EBB_OK;
    struct ebb_source_value v;
    memset(&v, 0, sizeof(v));
    switch (m->type) {
    case EBB_METRIC_RESOURCE: {
        struct ebb_source_resource_query q = {m->resource.name, m->resource.container, r->ns};
        rc = ebb_source_parse_pod_metrics(f->body.buf, f->body.len, &q, r->pods, r->n_pods,
                                          f->samples, f->error, sizeof(f->error));
        bool cpu = m->resource.name && strcmp(m->resource.name, "cpu") == 0;
        bool mem = m->resource.name && strcmp(m->resource.name, "memory") == 0;
        for (size_t p = 0; rc == EBB_OK && p < r->n_pods; p++) {
            if (cpu)
                f->samples[p].request_milli = r->cpu_all[p] ? r->cpu_req[p] : 0;
            else if (mem)
                f->samples[p].request_milli = r->mem_all[p] ? r->mem_req[p] : 0;
        }
        if (rc == EBB_OK)
            stale = ebb_source_stale_samples(r->pods, f->samples, r->n_pods, wall_ms, sync_of(r),
                                             buf, sizeof(buf));
        break;
    }
    case EBB_METRIC_PODS:
        rc = ebb_source_parse_custom_metrics(f->body.buf, f->body.len, m->pods.metric_name, r->ns,
                                             r->pods, r->n_pods, f->samples, f->error,
                                             sizeof(f->error));
        if (rc == EBB_OK)
            stale = ebb_source_stale_samples(r->pods, f->samples, r->n_pods, wall_ms, sync_of(r),
                                             buf, sizeof(buf));
        break;
    case EBB_METRIC_EXTERNAL: {
        struct ebb_strbuf sel = EBB_STRBUF_INIT;
        (void)ctl_selector_string(&m->external.selector, &sel);
        rc = ebb_source_parse_external_metrics(f->body.buf, f->body.len, m->external.metric_name,
                                               sel.buf, &v, f->error, sizeof(f->error));
        ebb_strbuf_release(&sel);
        if (rc == EBB_OK)
            stale = ebb_source_stale_value(&v, wall_ms, sync_of(r), buf, sizeof(buf));
        break;
    }
    case EBB_METRIC_PROMETHEUS:
        rc = ebb_source_parse_prom_query(f->body.buf, f->body.len, &v, f->error, sizeof(f->error));
        if (rc == EBB_OK && f->http_status / 100 != 2) {
            snprintf(f->error, sizeof(f->error), "Prometheus answered HTTP %ld", f->http_status);
            rc = EBB_ERR_INVALID;
        } else if (rc == EBB_ERR_PARSE && f->http_status / 100 != 2) {
            /* Not the query API's JSON (a 404 of a wrong path, a 503 while
             * it starts, a proxy's page): say the status, then the body. */
            const char *why = f->error;
            if (strncmp(why, "Prometheus answered ", 20) == 0)
                why += 20;
            snprintf(buf, sizeof(buf), "%s", why);
            snprintf(f->error, sizeof(f->error), "Prometheus answered HTTP %ld: %s", f->http_status,
                     buf);
        }
        if (rc != EBB_OK && (f->http_status == 401 || f->http_status == 403)) {
            /* Say which token went, if any: the fix differs. */
            const char *addr = m->prometheus.address && m->prometheus.address[0]
                                   ? m->prometheus.address
                                   : r->c->o.prometheus_address;
            const char *hint =
                !token_goes_to(r->c, addr)
                    ? "no bearer token is sent to an address other than --prometheus-address"
                : token_configured(r->c)
                    ? "the token of --prometheus-bearer-token-file was refused"
                    : "no bearer token was sent: set --prometheus-bearer-token-file";
            snprintf(buf, sizeof(buf), "%s", f->error);
            if (strstr(buf, "HTTP 40") != NULL)
                snprintf(f->error, sizeof(f->error), "%s (%s)", buf, hint);
            else
                snprintf(f->error, sizeof(f->error), "Prometheus answered HTTP %ld: %s (%s)",
                         f->http_status, buf, hint);
        }
        break;
    default:
        rc = EBB_ERR_INVALID;
        snprintf(f->error, sizeof(f->error), "unknown metric type");
        break;
    }
    if (rc != EBB_OK) {
        if (f->error[0] == 0)
            snprintf(f->error, sizeof(f->error), "%s", ebb_rc_str(rc));
        o->error = f->error;
        return;
    }
    if (stale != NULL) {
        snprintf(f->error, sizeof(f->error), "%s", stale);
        o->error = f->error;
        return;
    }
    o->samples = f->samples;
    o->value = v.value;
}

void ctl_fetch_finish(struct ctl_reconcile *r, int64_t wall_ms)
{
    for (size_t i = 0; i < r->pol.spec.n_metrics && i < EBB_MAX_METRICS; i++)
        finish_one(r, i, wall_ms);
}
