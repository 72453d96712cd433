/*
 * kubesim: the control endpoint, everything under /kubesim/ (ks.h
 * ks_control_handle).
 *
 *   GET    /kubesim/metrics[...]                       open (Prometheus)
 *   GET    /kubesim/v1/state                           sim time, workloads
 *   PUT    /kubesim/v1/load/{ns}/{name}                {"curve":"step:10,200@60"}
 *   DELETE /kubesim/v1/load/{ns}/{name}                back to the annotation
 *   PUT    /kubesim/v1/external/{ns}/{metric}          {"labels":{},"value":1}
 *   PUT    /kubesim/v1/custom/{ns}/{pod}/{metric}      {"value":3}
 *   POST   /kubesim/v1/faults                          see apply_faults
 *   DELETE /kubesim/v1/faults
 *   GET    /kubesim/v1/stats
 *
 * Everything but the Prometheus paths needs the admin identity: the
 * bearer token tokens[0], or a client certificate in system:masters.
 */
#include "metrics_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Longest metric name: "pods/" + it fits ks_rtype.resource. */
#define METRIC_MAX 58

/* ---- helpers ------------------------------------------------------------ */

static void bad_request(ks_resp *resp, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void bad_request(ks_resp *resp, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ks_status_fail(resp, 400, "BadRequest", msg, NULL);
}

static void respond(ks_resp *resp, int status, cJSON *body)
{
    if (!body) {
        ks_status_fail(resp, 500, "InternalError", "out of memory", NULL);
        return;
    }
    ks_resp_json(resp, status, body);
    cJSON_Delete(body);
}

/* The admin identity, or 401/403 on resp. */
static bool authorized(ks_sim *s, const ks_req *req, ks_resp *resp)
{
    const char *auth = ks_req_header(req, "Authorization");
    const char *user = NULL;
    char msg[256];

    for (size_t i = 0; i < req->n_cert_groups; i++)
        if (req->cert_groups[i] && strcmp(req->cert_groups[i], "system:masters") == 0)
            return true;
    if (req->cert_user)
        user = req->cert_user;
    if (auth && strncmp(auth, "Bearer ", 7) == 0) {
        const char *tok = auth + 7;
        user = NULL;
        for (size_t i = 0; i < s->n_tokens && i < 4; i++) {
            if (!s->tokens[i].token || strcmp(tok, s->tokens[i].token) != 0)
                continue;
            if (i == 0)
                return true;
            user = s->tokens[i].user ? s->tokens[i].user : "";
            break;
        }
        if (!user) {
            ks_status_fail(resp, 401, "Unauthorized", "Unauthorized", NULL);
            return false;
        }
    }
    if (!user) {
        ks_status_fail(resp, 401, "Unauthorized", "Unauthorized", NULL);
        return false;
    }
    snprintf(msg, sizeof(msg),
             "forbidden: User \"%s\" cannot use the kubesim control endpoint (it needs the admin "
             "token or group system:masters)",
             user);
    ks_status_fail(resp, 403, "Forbidden", msg, NULL);
    return false;
}

static cJSON *parse_body(const ks_req *req, ks_resp *resp)
{
    cJSON *b = req->body_len ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;

    if (!cJSON_IsObject(b)) {
        cJSON_Delete(b);
        bad_request(resp, "body: expected a JSON object");
        return NULL;
    }
    return b;
}

/* Every member of b is one of the allowed names, else 400 naming it. */
static bool known_fields(const cJSON *b, const char *const *allowed, ks_resp *resp)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, b)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(it->string, allowed[i]) == 0;
        if (!ok) {
            bad_request(resp, "%s: unknown field", it->string);
            return false;
        }
    }
    return true;
}

/* "a/b/c" after prefix into at most max segments; the count found. */
static size_t segments(const char *rest, char *buf, size_t bufsz, char **seg, size_t max)
{
    size_t n = 0;

    if (strlen(rest) >= bufsz)
        return 0; /* longer than any name kubesim serves */
    snprintf(buf, bufsz, "%s", rest);
    for (char *p = buf;;) {
        char *sl = strchr(p, '/');
        if (sl)
            *sl = '\0';
        if (n < max)
            seg[n] = p;
        n++;
        if (!sl)
            return n;
        p = sl + 1;
    }
}

static void method_not_allowed(ks_resp *resp)
{
    ks_status_fail(resp, 405, "MethodNotAllowed",
                   "the server does not allow this method on the requested resource", NULL);
}

/* ---- state and stats ----------------------------------------------------- */

static cJSON *state_json(ks_sim *s)
{
    ks_metrics *m = s->metrics;
    double now = ks_now(s);
    char ts[40];
    cJSON *o = cJSON_CreateObject();

    if (!o)
        return NULL;
    ks_microtime_format(now, ts);
    cJSON_AddStringToObject(o, "time", ts);
    cJSON_AddNumberToObject(o, "simSeconds", now);
    cJSON_AddNumberToObject(o, "speed", s->cfg.speed);
    cJSON_AddNumberToObject(o, "elapsedSimSeconds", now - s->start_sim);
    cJSON_AddNumberToObject(o, "metricsResolutionSeconds", s->cfg.metrics_resolution);
    if (m && m->last_grid >= 0) {
        char g[32];
        ks_time_format(m->last_grid, g);
        cJSON_AddStringToObject(o, "lastSample", g);
    }
    cJSON *wls = cJSON_AddArrayToObject(o, "workloads");
    for (size_t i = 0; m && i < m->n_wls; i++) {
        const struct ks_workload_sample *w = &m->wls[i];
        const char *spec = ks_metrics_load_spec(m, w->key);
        cJSON *wo = cJSON_CreateObject();
        cJSON_AddStringToObject(wo, "namespace", w->ns);
        cJSON_AddStringToObject(wo, "name", w->name);
        cJSON_AddStringToObject(wo, "kind", w->kind);
        if (spec)
            cJSON_AddStringToObject(wo, "curve", spec);
        else
            cJSON_AddNullToObject(wo, "curve");
        cJSON_AddNumberToObject(wo, "load", ks_metrics_load_at(m, w->key, now));
        cJSON_AddNumberToObject(wo, "desired", (double)w->desired);
        cJSON_AddNumberToObject(wo, "pods", (double)w->pods);
        cJSON_AddNumberToObject(wo, "ready", (double)w->ready);
        cJSON *pods = cJSON_AddArrayToObject(wo, "podMetrics");
        for (size_t j = w->first_pod; j != SIZE_MAX; j = m->pods[j].next_in_wl) {
            const struct ks_pod_sample *p = &m->pods[j];
            cJSON *po = cJSON_CreateObject();
            cJSON_AddStringToObject(po, "name", p->name);
            cJSON_AddBoolToObject(po, "ready", p->ready);
            cJSON_AddNumberToObject(po, "requestsPerSecond", p->rps);
            cJSON_AddNumberToObject(po, "cpu", p->cpu);
            cJSON_AddNumberToObject(po, "cpuRequest", p->cpu_req);
            cJSON_AddNumberToObject(po, "utilization",
                                    p->cpu_req > 0 ? 100.0 * p->cpu / p->cpu_req : 0);
            cJSON_AddItemToArray(pods, po);
        }
        cJSON_AddItemToArray(wls, wo);
    }
    return o;
}

static long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, rss = 0;

    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &rss) != 2)
        rss = 0;
    fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

static cJSON *stats_json(ks_sim *s)
{
    cJSON *o = cJSON_CreateObject();
    char key[200];

    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "requestsServed",
                            s->http ? (double)ks_http_requests_served(s->http) : 0);
    cJSON *objs = cJSON_AddObjectToObject(o, "objects");
    size_t total = 0;
    for (size_t i = 0; s->reg && s->store && i < ks_registry_count(s->reg); i++) {
        const ks_rtype *rt = ks_registry_at(s->reg, i);
        if (!rt || rt->origin == KS_RT_VIRTUAL || rt->storage)
            continue;
        size_t n = ks_store_count(s->store, rt);
        snprintf(key, sizeof(key), "%s%s%s", rt->resource, rt->group[0] ? "." : "", rt->group);
        if (!cJSON_GetObjectItemCaseSensitive(objs, key))
            cJSON_AddNumberToObject(objs, key, (double)n);
        total += n;
    }
    cJSON_AddNumberToObject(o, "objectsTotal", (double)total);
    cJSON_AddNumberToObject(o, "resourceVersion", s->store ? (double)ks_store_rv(s->store) : 0);
    cJSON_AddNumberToObject(o, "openWatches",
                            s->store ? (double)ks_store_watch_count(s->store) : 0);
    cJSON_AddNumberToObject(o, "rssBytes", (double)rss_bytes());
    cJSON_AddNumberToObject(o, "uptimeSeconds", s->now_real - s->start_real);
    return o;
}

/* A metric name fits a discovery resource name ("pods/<metric>"). */
static bool metric_name_ok(const char *m)
{
    size_t n = strlen(m);

    if (n == 0 || n > METRIC_MAX)
        return false;
    for (; *m; m++)
        if (!((*m >= 'a' && *m <= 'z') || (*m >= 'A' && *m <= 'Z') || (*m >= '0' && *m <= '9') ||
              *m == '_' || *m == ':' || *m == '.' || *m == '-'))
            return false;
    return true;
}

/* ---- load and series ------------------------------------------------------ */

static void put_load(ks_sim *s, const ks_req *req, ks_resp *resp, const char *ns, const char *name)
{
    static const char *const allowed[] = {"curve", NULL};
    char key[512], err[512];

    snprintf(key, sizeof(key), "%s/%s", ns, name);
    if (strcmp(req->method, "DELETE") == 0) {
        if (!s->load || ks_load_unset(s->load, key) != KS_OK) {
            snprintf(err, sizeof(err), "no load curve set for %s", key);
            ks_status_fail(resp, 404, "NotFound", err, NULL);
            return;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "workload", key);
        respond(resp, 200, o);
        return;
    }
    if (strcmp(req->method, "PUT") != 0) {
        method_not_allowed(resp);
        return;
    }
    cJSON *b = parse_body(req, resp);
    if (!b)
        return;
    if (!known_fields(b, allowed, resp))
        goto out;
    const char *curve = ks_json_str(b, "curve");
    if (!curve) {
        bad_request(resp, "curve: required: a string like \"step:10,200@60\"");
        goto out;
    }
    if (!s->load) {
        ks_status_fail(resp, 503, "ServiceUnavailable", "load curves are not running", NULL);
        goto out;
    }
    double now = ks_now(s);
    int rc = ks_load_set(s->load, key, curve, now, err, sizeof(err));
    if (rc == KS_ENOMEM) {
        ks_status_fail(resp, 500, "InternalError", "out of memory", NULL);
        goto out;
    }
    if (rc != KS_OK) {
        bad_request(resp, "curve: %s", err);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "workload", key);
    cJSON_AddStringToObject(o, "curve", curve);
    cJSON_AddNumberToObject(o, "load", ks_load_at(s->load, key, now));
    respond(resp, 200, o);
out:
    cJSON_Delete(b);
}

/* PUT a custom (pod set) or external (pod NULL) series. */
static void put_series(ks_sim *s, const ks_req *req, ks_resp *resp, const char *ns, const char *pod,
                       const char *metric)
{
    static const char *const allowed_ext[] = {"labels", "value", "curve", NULL};
    static const char *const allowed_custom[] = {"value", "curve", NULL};
    char err[512];
    struct ks_label *labels = NULL;
    size_t n_labels = 0;
    ks_curve *curve = NULL;
    double value = 0;

    if (strcmp(req->method, "PUT") != 0) {
        method_not_allowed(resp);
        return;
    }
    if (!metric_name_ok(metric)) {
        bad_request(resp,
                    "metric: \"%.64s\" is not a metric name (letters, digits, '_', ':', '.', "
                    "'-'; at most %d characters)",
                    metric, METRIC_MAX);
        return;
    }
    if (!s->metrics) {
        ks_status_fail(resp, 503, "ServiceUnavailable", "metrics are not running", NULL);
        return;
    }
    cJSON *b = parse_body(req, resp);
    if (!b)
        return;
    if (!known_fields(b, pod ? allowed_custom : allowed_ext, resp))
        goto out;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "value");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(b, "curve");
    if ((v && c) || (!v && !c)) {
        bad_request(resp, "value: give exactly one of \"value\" (a number) or \"curve\" (a spec)");
        goto out;
    }
    if (v && (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))) {
        bad_request(resp, "value: must be a finite number");
        goto out;
    }
    if (c && !cJSON_IsString(c)) {
        bad_request(resp, "curve: must be a string like \"sine:10:100:1h\"");
        goto out;
    }
    if (c) {
        curve = ks_curve_parse(c->valuestring, err, sizeof(err));
        if (!curve) {
            bad_request(resp, "curve: %s", err);
            goto out;
        }
    } else {
        value = v->valuedouble;
    }
    int rc = ks_labels_from_json(cJSON_GetObjectItemCaseSensitive(b, "labels"), &labels, &n_labels);
    if (rc != KS_OK) {
        ks_curve_free(curve);
        if (rc == KS_ENOMEM)
            ks_status_fail(resp, 500, "InternalError", "out of memory", NULL);
        else
            bad_request(resp, "labels: must be an object of string values");
        goto out;
    }
    double now = ks_now(s);
    rc = ks_metrics_set_series(s->metrics, ns, pod, metric, labels, n_labels, value, curve, now);
    if (rc != KS_OK) {
        ks_status_fail(resp, 500, "InternalError", "out of memory", NULL);
        goto out;
    }
    if (s->reg)
        ks_metrics_register_metric(s->reg, pod == NULL, metric);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "namespace", ns);
    if (pod)
        cJSON_AddStringToObject(o, "pod", pod);
    cJSON_AddStringToObject(o, "metric", metric);
    if (c)
        cJSON_AddStringToObject(o, "curve", c->valuestring);
    cJSON_AddNumberToObject(o, "value", curve ? ks_curve_at(curve, 0) : value);
    respond(resp, 200, o);
out:
    cJSON_Delete(b);
}

/* ---- faults -------------------------------------------------------------- */

struct fault_req {
    bool has_p500, has_p429, has_retry, has_latency, has_refuse;
    double p500, p429, refuse;
    int retry, latency;
    bool drop, compact;
    int expire; /* token index, -1 for none */
};

static bool fraction(const cJSON *b, const char *name, bool *has, double *out, ks_resp *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, name);

    if (!v)
        return true;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1)) {
        bad_request(resp, "%s: must be a number between 0 and 1", name);
        return false;
    }
    *has = true;
    *out = v->valuedouble;
    return true;
}

static bool whole(const cJSON *b, const char *name, int max, bool *has, int *out, ks_resp *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, name);

    if (!v)
        return true;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= max) ||
        v->valuedouble != floor(v->valuedouble)) {
        bad_request(resp, "%s: must be a whole number between 0 and %d", name, max);
        return false;
    }
    *has = true;
    *out = (int)v->valuedouble;
    return true;
}

static bool flag(const cJSON *b, const char *name, bool *out, ks_resp *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, name);

    if (!v)
        return true;
    if (!cJSON_IsBool(v)) {
        bad_request(resp, "%s: must be true or false", name);
        return false;
    }
    *out = cJSON_IsTrue(v);
    return true;
}

static bool parse_faults(const cJSON *b, struct fault_req *f, ks_resp *resp)
{
    static const char *const allowed[] = {"p500",      "p429",          "retryAfterSeconds",
                                          "latencyMs", "refuseSeconds", "dropWatches",
                                          "compact",   "expireToken",   NULL};
    static const char *const tokens[] = {"admin", "reader", "nobody"};

    memset(f, 0, sizeof(*f));
    f->expire = -1;
    if (!known_fields(b, allowed, resp) || !fraction(b, "p500", &f->has_p500, &f->p500, resp) ||
        !fraction(b, "p429", &f->has_p429, &f->p429, resp) ||
        !whole(b, "retryAfterSeconds", 3600, &f->has_retry, &f->retry, resp) ||
        !whole(b, "latencyMs", 600000, &f->has_latency, &f->latency, resp) ||
        !flag(b, "dropWatches", &f->drop, resp) || !flag(b, "compact", &f->compact, resp))
        return false;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(b, "refuseSeconds");
    if (r) {
        if (!cJSON_IsNumber(r) || !(r->valuedouble >= 0 && r->valuedouble <= 86400)) {
            bad_request(resp, "refuseSeconds: must be a number of seconds between 0 and 86400");
            return false;
        }
        f->has_refuse = true;
        f->refuse = r->valuedouble;
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(b, "expireToken");
    if (e) {
        for (int i = 0; i < 3 && cJSON_IsString(e); i++)
            if (strcmp(e->valuestring, tokens[i]) == 0)
                f->expire = i;
        if (f->expire < 0) {
            bad_request(resp, "expireToken: must be one of \"admin\", \"reader\", \"nobody\"");
            return false;
        }
    }
    return true;
}

/* Gives token i a new random value and rewrites its file. */
static int rotate_token(ks_sim *s, int i, char *err, size_t errlen)
{
    struct ks_token *t = &s->tokens[i];
    char hex[33], tmp[4096 + 8], path[4096];

    if ((size_t)i >= s->n_tokens) {
        snprintf(err, errlen, "expireToken: kubesim has no such token");
        return KS_ENOTFOUND;
    }
    snprintf(hex, sizeof(hex), "%016llx%016llx", (unsigned long long)ks_rand64(s),
             (unsigned long long)ks_rand64(s));
    char *nt = strdup(hex);
    if (!nt) {
        snprintf(err, errlen, "out of memory");
        return KS_ENOMEM;
    }
    if (t->file && *t->file) {
        /* The token's file name is relative to the state directory. */
        if (t->file[0] == '/' || !s->cfg.dir)
            snprintf(path, sizeof(path), "%s", t->file);
        else
            snprintf(path, sizeof(path), "%s/%s", s->cfg.dir, t->file);
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        bool ok = f && fprintf(f, "%s\n", hex) >= 0;
        if (f && fclose(f) != 0)
            ok = false;
        if (!ok || rename(tmp, path) != 0) {
            if (f)
                remove(tmp);
            free(nt);
            snprintf(err, errlen, "expireToken: cannot rewrite %s", path);
            return KS_EIO;
        }
    }
    free(t->token);
    t->token = nt;
    return KS_OK;
}

static cJSON *faults_json(const ks_sim *s)
{
    cJSON *o = cJSON_CreateObject();

    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "p500", s->faults.p500);
    cJSON_AddNumberToObject(o, "p429", s->faults.p429);
    cJSON_AddNumberToObject(o, "retryAfterSeconds", s->faults.retry_after_s);
    cJSON_AddNumberToObject(o, "latencyMs", s->faults.latency_ms);
    double left = s->faults.refuse_until - s->now_real;
    cJSON_AddNumberToObject(o, "refuseSeconds", left > 0 ? left : 0);
    return o;
}

static void faults(ks_sim *s, const ks_req *req, ks_resp *resp)
{
    struct fault_req f;
    char err[512];

    if (strcmp(req->method, "DELETE") == 0) {
        memset(&s->faults, 0, sizeof(s->faults));
        s->faults.retry_after_s = 1;
        if (s->http) {
            ks_http_set_latency(s->http, 0);
            ks_http_refuse_until(s->http, 0);
        }
        respond(resp, 200, faults_json(s));
        return;
    }
    if (strcmp(req->method, "GET") == 0) {
        respond(resp, 200, faults_json(s));
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        method_not_allowed(resp);
        return;
    }
    cJSON *b = parse_body(req, resp);
    if (!b)
        return;
    bool ok = parse_faults(b, &f, resp);
    cJSON_Delete(b);
    if (!ok)
        return;
    if (f.expire >= 0 && rotate_token(s, f.expire, err, sizeof(err)) != KS_OK) {
        ks_status_fail(resp, 500, "InternalError", err, NULL);
        return;
    }
    if (f.has_p500)
        s->faults.p500 = f.p500;
    if (f.has_p429)
        s->faults.p429 = f.p429;
    if (f.has_retry)
        s->faults.retry_after_s = f.retry;
    if (f.has_latency) {
        s->faults.latency_ms = f.latency;
        if (s->http)
            ks_http_set_latency(s->http, f.latency);
    }
    if (f.has_refuse) {
        s->faults.refuse_until = f.refuse > 0 ? s->now_real + f.refuse : 0;
        if (s->http)
            ks_http_refuse_until(s->http, s->faults.refuse_until);
    }
    if (f.drop && s->store)
        ks_store_drop_watches(s->store);
    if (f.compact && s->store)
        ks_store_compact(s->store);
    respond(resp, 200, faults_json(s));
}

/* ---- routing --------------------------------------------------------------- */

bool ks_control_handle(ks_sim *s, const ks_req *req, ks_resp *resp)
{
    static const char pre[] = "/kubesim/";
    static const char v1[] = "/kubesim/v1/";
    char buf[1024], *seg[5];

    if (!s || !req->path || strncmp(req->path, pre, sizeof(pre) - 1) != 0)
        return false;
    if (ks_metrics_prom_handle(s, req, resp))
        return true;
    if (!authorized(s, req, resp))
        return true;
    if (strncmp(req->path, v1, sizeof(v1) - 1) != 0)
        goto not_found;
    size_t n = segments(req->path + sizeof(v1) - 1, buf, sizeof(buf), seg, 5);
    for (size_t i = 0; i < n && i < 5; i++)
        if (!*seg[i])
            goto not_found;
    if (n == 1 && strcmp(seg[0], "state") == 0) {
        if (strcmp(req->method, "GET") != 0) {
            method_not_allowed(resp);
            return true;
        }
        ks_metrics_refresh(s);
        respond(resp, 200, state_json(s));
        return true;
    }
    if (n == 1 && strcmp(seg[0], "stats") == 0) {
        if (strcmp(req->method, "GET") != 0)
            method_not_allowed(resp);
        else
            respond(resp, 200, stats_json(s));
        return true;
    }
    if (n == 1 && strcmp(seg[0], "faults") == 0) {
        faults(s, req, resp);
        return true;
    }
    if (n == 3 && strcmp(seg[0], "load") == 0) {
        put_load(s, req, resp, seg[1], seg[2]);
        return true;
    }
    if (n == 3 && strcmp(seg[0], "external") == 0) {
        put_series(s, req, resp, seg[1], NULL, seg[2]);
        return true;
    }
    if (n == 4 && strcmp(seg[0], "custom") == 0) {
        put_series(s, req, resp, seg[1], seg[2], seg[3]);
        return true;
    }
not_found:
    ks_status_fail(resp, 404, "NotFound", "the server could not find the requested resource", NULL);
    return true;
}
