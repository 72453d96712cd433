/*
 * kubesim: the usage model and metrics.k8s.io (ks.h ks_metrics_*).
 *
 * Every workload (Deployment, StatefulSet) has an offered load L(t): the
 * curve set through the control endpoint, else its kubesim.ebb.dev/load
 * annotation, else 0. Its Ready pods share L evenly; a pod serving
 * kubesim.ebb.dev/capacity requests/s (default 100) uses exactly its CPU
 * request. Samples are taken on the metrics_resolution grid, as
 * metrics-server scrapes: what is served is the last grid point's.
 */
#include "metrics_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/duration.h"
#include "../../pkg/api/v1alpha1/quantity.h"
#include "../../pkg/base/rfc3339.h"

#define ANN_LOAD "kubesim.ebb.dev/load"
#define ANN_CAPACITY "kubesim.ebb.dev/capacity"
#define DEFAULT_CAPACITY 100.0
#define IDLE_FLOOR 0.02           /* of the CPU request */
#define DEFAULT_CPU_REQ 0.1       /* cores, for a container without one */
#define DEFAULT_MEM (64LL << 20)  /* bytes, for a container without a request */
#define MEM_PER_RPS (128LL << 10) /* bytes per request/s served */
#define PAGE 4096LL

/* ---- labels ---------------------------------------------------------- */

static int labels_copy(const struct ks_label *src, size_t n, struct ks_label **out)
{
    *out = NULL;
    if (!n)
        return KS_OK;
    struct ks_label *l = calloc(n, sizeof(*l));
    if (!l)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        l[i].key = strdup(src[i].key);
        l[i].value = strdup(src[i].value);
        if (!l[i].key || !l[i].value) {
            ks_labels_free(l, i + 1);
            return KS_ENOMEM;
        }
    }
    *out = l;
    return KS_OK;
}

/* ---- lifecycle --------------------------------------------------------- */

static void clear_samples(ks_metrics *m)
{
    for (size_t i = 0; i < m->n_pods; i++) {
        struct ks_pod_sample *p = &m->pods[i];
        free(p->ns);
        free(p->name);
        free(p->workload);
        ks_labels_free(p->labels, p->n_labels);
        for (size_t c = 0; c < p->n_containers; c++)
            free(p->containers[c].name);
        free(p->containers);
    }
    m->n_pods = 0;
    for (size_t i = 0; i < m->n_wls; i++) {
        free(m->wls[i].key);
        free(m->wls[i].ns);
        free(m->wls[i].name);
        free(m->wls[i].kind);
    }
    m->n_wls = 0;
    m->pod_idx.n = 0;
    m->pod_idx_ok = false;
}

static void series_release(struct ks_series *se)
{
    free(se->ns);
    free(se->pod);
    free(se->metric);
    ks_labels_free(se->labels, se->n_labels);
    ks_curve_free(se->curve);
}

ks_metrics *ks_metrics_new(ks_sim *s)
{
    ks_metrics *m = calloc(1, sizeof(*m));

    if (!m)
        return NULL;
    m->s = s;
    m->last_grid = -1;
    m->ann = ks_load_new();
    if (!m->ann) {
        free(m);
        return NULL;
    }
    return m;
}

void ks_metrics_free(ks_metrics *m)
{
    if (!m)
        return;
    clear_samples(m);
    free(m->pods);
    free(m->wls);
    ks_lidx_release(&m->pod_idx);
    for (size_t i = 0; i < m->n_series; i++)
        series_release(&m->series[i]);
    free(m->series);
    ks_load_free(m->ann);
    free(m);
}

static const ks_rtype virtual_types[] = {
    {.group = "metrics.k8s.io",
     .version = "v1beta1",
     .resource = "pods",
     .kind = "PodMetrics",
     .list_kind = "PodMetricsList",
     .namespaced = true,
     .verbs = KS_V_GET | KS_V_LIST,
     .origin = KS_RT_VIRTUAL},
    {.group = "metrics.k8s.io",
     .version = "v1beta1",
     .resource = "nodes",
     .kind = "NodeMetrics",
     .list_kind = "NodeMetricsList",
     .namespaced = false,
     .verbs = KS_V_GET | KS_V_LIST,
     .origin = KS_RT_VIRTUAL},
};

int ks_metrics_register(ks_registry *r)
{
    for (size_t i = 0; i < sizeof(virtual_types) / sizeof(virtual_types[0]); i++)
        if (!ks_registry_find(r, virtual_types[i].group, virtual_types[i].version,
                              virtual_types[i].resource) &&
            !ks_registry_add(r, &virtual_types[i]))
            return KS_ENOMEM;
    ks_metrics_register_metric(r, false, "requests_per_second");
    return KS_OK;
}

/* ---- the load of a workload ------------------------------------------ */

static double ann_start(const cJSON *obj, double fallback)
{
    const char *ts = ks_json_str(obj, "metadata.creationTimestamp");
    int64_t ms = 0;

    if (ts && ebb_rfc3339_parse(ts, &ms) == EBB_OK)
        return (double)ms / 1000.0;
    return fallback;
}

/* An annotation's value (its key has dots: no ks_json_str). */
static const char *annotation(const cJSON *obj, const char *key)
{
    const cJSON *ann = ks_json_path(obj, "metadata.annotations");
    const cJSON *v = cJSON_IsObject(ann) ? cJSON_GetObjectItemCaseSensitive(ann, key) : NULL;

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Keeps m->ann in step with the workload's annotation. */
static void sync_annotation(ks_metrics *m, const char *key, const cJSON *obj, double t)
{
    const char *spec = annotation(obj, ANN_LOAD);
    const char *have = ks_load_spec(m->ann, key);
    char err[256];

    if (!spec) {
        if (have)
            ks_load_unset(m->ann, key);
        return;
    }
    if (have && strcmp(have, spec) == 0)
        return;
    if (ks_load_set(m->ann, key, spec, ann_start(obj, t), err, sizeof(err)) != KS_OK && have)
        ks_load_unset(m->ann, key);
}

double ks_metrics_load_at(ks_metrics *m, const char *key, double t)
{
    if (m->s && ks_load_has(m->s->load, key))
        return ks_load_at(m->s->load, key, t);
    return ks_load_at(m->ann, key, t);
}

const char *ks_metrics_load_spec(ks_metrics *m, const char *key)
{
    const char *sp = m->s ? ks_load_spec(m->s->load, key) : NULL;

    return sp ? sp : ks_load_spec(m->ann, key);
}

/* ---- sampling --------------------------------------------------------- */

struct wl_tmp {
    ks_selector *sel;
    double capacity;
    char *ns;
};

struct collect {
    ks_metrics *m;
    double t;
    const char *kind;
    struct wl_tmp *tmp;
    size_t n_tmp, cap_tmp;
    struct ks_lidx wl_idx; /* the workloads by a key=value their selector requires */
    int rc;
};

/* "app=web,tier in (a,b)" from a LabelSelector object. */
static void selector_text(const cJSON *sel, struct ebb_strbuf *sb)
{
    const cJSON *it;
    const cJSON *ml = cJSON_GetObjectItemCaseSensitive(sel, "matchLabels");
    const cJSON *me = cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions");

    cJSON_ArrayForEach(it, ml)
    {
        if (cJSON_IsString(it))
            ebb_strbuf_addf(sb, "%s%s=%s", sb->len ? "," : "", it->string, it->valuestring);
    }
    cJSON_ArrayForEach(it, me)
    {
        const char *k = ks_json_str(it, "key"), *op = ks_json_str(it, "operator");
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(it, "values"), *v;
        if (!k || !op)
            continue;
        if (sb->len)
            ebb_strbuf_addch(sb, ',');
        if (strcmp(op, "Exists") == 0) {
            ebb_strbuf_adds(sb, k);
        } else if (strcmp(op, "DoesNotExist") == 0) {
            ebb_strbuf_addf(sb, "!%s", k);
        } else {
            ebb_strbuf_addf(sb, "%s %s (", k, strcmp(op, "NotIn") == 0 ? "notin" : "in");
            bool first = true;
            cJSON_ArrayForEach(v, vals)
            {
                if (cJSON_IsString(v)) {
                    ebb_strbuf_addf(sb, "%s%s", first ? "" : ",", v->valuestring);
                    first = false;
                }
            }
            ebb_strbuf_addch(sb, ')');
        }
    }
}

static bool collect_workload(void *ud, const ks_obj *o)
{
    struct collect *c = ud;
    ks_metrics *m = c->m;
    cJSON *obj = cJSON_ParseWithLength(o->json, o->json_len);
    char key[512], err[256];

    if (!obj)
        return true;
    snprintf(key, sizeof(key), "%s/%s", o->ns, o->name);
    sync_annotation(m, key, obj, c->t);
    if (m->n_wls == m->cap_wls) {
        size_t ncap = m->cap_wls ? m->cap_wls * 2 : 16;
        struct ks_workload_sample *nw = realloc(m->wls, ncap * sizeof(*nw));
        if (!nw)
            goto nomem;
        m->wls = nw;
        m->cap_wls = ncap;
    }
    if (c->n_tmp == c->cap_tmp) {
        struct wl_tmp *nt = realloc(c->tmp, m->cap_wls * sizeof(*nt));
        if (!nt)
            goto nomem;
        c->tmp = nt;
        c->cap_tmp = m->cap_wls;
    }
    struct ks_workload_sample *w = &m->wls[m->n_wls];
    struct wl_tmp *tmp = &c->tmp[c->n_tmp];
    memset(w, 0, sizeof(*w));
    memset(tmp, 0, sizeof(*tmp));
    w->key = strdup(key);
    w->ns = strdup(o->ns);
    w->name = strdup(o->name);
    w->kind = strdup(c->kind);
    if (!w->key || !w->ns || !w->name || !w->kind) {
        free(w->key);
        free(w->ns);
        free(w->name);
        free(w->kind);
        cJSON_Delete(obj);
        c->rc = KS_ENOMEM;
        return false;
    }
    w->first_pod = w->last_pod = SIZE_MAX;
    m->n_wls++;
    c->n_tmp++;
    w->load = ks_metrics_load_at(m, key, c->t);
    const cJSON *rep = ks_json_path(obj, "spec.replicas");
    w->desired = cJSON_IsNumber(rep) ? (long)rep->valuedouble : 1;
    tmp->capacity = DEFAULT_CAPACITY;
    const char *cap = annotation(obj, ANN_CAPACITY);
    if (cap) {
        char *end = NULL;
        double v = strtod(cap, &end);
        if (end != cap && !*end && isfinite(v) && v > 0)
            tmp->capacity = v;
    }
    const cJSON *sel = ks_json_path(obj, "spec.selector");
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    if (cJSON_IsObject(sel))
        selector_text(sel, &sb);
    /* An empty selector would match every pod of the namespace: the
     * apiserver never lets one through, and neither does the model. */
    if (sb.len && ebb_strbuf_rc(&sb) == EBB_OK)
        tmp->sel = ks_selector_parse(sb.buf, false, err, sizeof(err));
    ebb_strbuf_release(&sb);
    cJSON_Delete(obj);
    return true;
nomem:
    cJSON_Delete(obj);
    c->rc = KS_ENOMEM;
    return false;
}

static double cpu_cores(const cJSON *c, const char *path, double dflt)
{
    const char *q = ks_json_str(c, path);
    int64_t milli = 0;

    if (q && ebb_quantity_parse(q, &milli, NULL, 0) == EBB_OK && milli >= 0)
        return (double)milli / 1000.0;
    return dflt;
}

static bool pod_ready(const cJSON *pod)
{
    const cJSON *conds = ks_json_path(pod, "status.conditions"), *it;

    cJSON_ArrayForEach(it, conds)
    {
        const char *type = ks_json_str(it, "type"), *st = ks_json_str(it, "status");
        if (type && st && strcmp(type, "Ready") == 0)
            return strcmp(st, "True") == 0;
    }
    return false;
}

/* A standard normal deviate (Box-Muller) from the sim's PRNG. */
static double gauss(ks_sim *s)
{
    double u1 = ks_rand01(s), u2 = ks_rand01(s);

    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Files every workload with a selector under the first key=value it
 * requires, or under its namespace alone when it requires none. */
static int index_workloads(struct collect *c)
{
    for (size_t i = 0; i < c->n_tmp; i++) {
        const char *key = NULL, *value = NULL;
        if (!c->tmp[i].sel)
            continue;
        if (!ks_selector_label_equality(c->tmp[i].sel, &key, &value))
            key = value = NULL;
        if (ks_lidx_add(&c->wl_idx, c->m->wls[i].ns, key, value, i) != KS_OK)
            return KS_ENOMEM;
    }
    ks_lidx_sort(&c->wl_idx);
    return KS_OK;
}

/* Lowers *wi to the first workload of a run of the index that selects
 * the pod (the run is in workload order). */
static void first_selecting(const struct collect *c, const ks_obj *o, const char *key,
                            const char *value, size_t *wi)
{
    const struct ks_lidx_ent *e;
    size_t n = ks_lidx_find(&c->wl_idx, o->ns, key, value, &e);

    for (size_t i = 0; i < n && e[i].item < *wi; i++) {
        if (ks_selector_matches_labels(c->tmp[e[i].item].sel, o->labels, o->n_labels)) {
            *wi = e[i].item;
            return;
        }
    }
}

/* The first workload (in sample order) of the pod's namespace whose
 * selector matches it, or SIZE_MAX: only those filed under one of its
 * labels, or under no label, can. */
static size_t pod_workload(const struct collect *c, const ks_obj *o)
{
    size_t wi = SIZE_MAX;

    first_selecting(c, o, NULL, NULL, &wi);
    for (size_t k = 0; k < o->n_labels; k++)
        first_selecting(c, o, o->labels[k].key, o->labels[k].value, &wi);
    return wi;
}

struct pod_collect {
    struct collect *c;
    size_t *wl_of; /* per pod sample: index of its workload, or SIZE_MAX */
    size_t cap_wl_of;
    cJSON **objs; /* per pod sample: the parsed pod */
};

static bool collect_pod(void *ud, const ks_obj *o)
{
    struct pod_collect *pc = ud;
    struct collect *c = pc->c;
    ks_metrics *m = c->m;
    cJSON *obj = cJSON_ParseWithLength(o->json, o->json_len);

    if (!obj)
        return true;
    const char *phase = ks_json_str(obj, "status.phase");
    if (!phase || strcmp(phase, "Running") != 0) {
        cJSON_Delete(obj); /* Pending, Succeeded, Failed: no metrics */
        return true;
    }
    if (m->n_pods == m->cap_pods) {
        size_t ncap = m->cap_pods ? m->cap_pods * 2 : 32;
        struct ks_pod_sample *np = realloc(m->pods, ncap * sizeof(*np));
        if (!np)
            goto nomem;
        m->pods = np;
        m->cap_pods = ncap;
    }
    if (m->n_pods == pc->cap_wl_of) {
        size_t *nw = realloc(pc->wl_of, m->cap_pods * sizeof(*nw));
        if (!nw)
            goto nomem;
        pc->wl_of = nw;
        cJSON **no = realloc(pc->objs, m->cap_pods * sizeof(*no));
        if (!no)
            goto nomem;
        pc->objs = no;
        pc->cap_wl_of = m->cap_pods;
    }
    struct ks_pod_sample *p = &m->pods[m->n_pods];
    memset(p, 0, sizeof(*p));
    p->ns = strdup(o->ns);
    p->name = strdup(o->name);
    if (!p->ns || !p->name || labels_copy(o->labels, o->n_labels, &p->labels) != KS_OK) {
        free(p->ns);
        free(p->name);
        cJSON_Delete(obj);
        c->rc = KS_ENOMEM;
        return false;
    }
    p->n_labels = o->n_labels;
    p->time = c->t;
    /* Terminating pods leave the endpoints: they serve nothing. */
    p->ready = pod_ready(obj) && !ks_json_path(obj, "metadata.deletionTimestamp");
    size_t wi = pod_workload(c, o);
    pc->wl_of[m->n_pods] = wi;
    pc->objs[m->n_pods] = obj;
    m->n_pods++;
    if (wi != SIZE_MAX) {
        m->wls[wi].pods++;
        if (p->ready)
            m->wls[wi].ready++;
    }
    return true;
nomem:
    cJSON_Delete(obj);
    c->rc = KS_ENOMEM;
    return false;
}

/* Fills the containers and usage of one sampled pod. */
static int model_pod(ks_metrics *m, struct ks_pod_sample *p, const cJSON *obj, double rps,
                     double capacity)
{
    const cJSON *ctrs = ks_json_path(obj, "spec.containers"), *it;
    int n = cJSON_GetArraySize(ctrs);
    double noise = m->s->cfg.noise, factor = 1.0;

    p->rps = rps;
    if (noise > 0)
        factor = 1.0 + noise * gauss(m->s);
    if (factor < 0)
        factor = 0;
    if (n <= 0)
        return KS_OK;
    p->containers = calloc((size_t)n, sizeof(*p->containers));
    if (!p->containers)
        return KS_ENOMEM;
    double req_total = 0;
    cJSON_ArrayForEach(it, ctrs) req_total +=
        cpu_cores(it, "resources.requests.cpu", DEFAULT_CPU_REQ);
    double util = p->ready && capacity > 0 ? rps / capacity : 0;
    cJSON_ArrayForEach(it, ctrs)
    {
        struct ks_container_sample *cs = &p->containers[p->n_containers];
        const char *name = ks_json_str(it, "name");
        double req = cpu_cores(it, "resources.requests.cpu", DEFAULT_CPU_REQ);
        double cpu = req * (util + IDLE_FLOOR) * factor;
        double share = req_total > 0 ? rps * req / req_total : 0;
        const char *mq = ks_json_str(it, "resources.requests.memory");
        int64_t milli = 0;
        int64_t mem = DEFAULT_MEM;
        if (mq && ebb_quantity_parse(mq, &milli, NULL, 0) == EBB_OK && milli > 0)
            mem = milli / 1000 / 2;
        mem += (int64_t)(share * (double)MEM_PER_RPS);
        mem = (mem + PAGE - 1) / PAGE * PAGE;
        cs->name = strdup(name ? name : "");
        if (!cs->name)
            return KS_ENOMEM;
        cs->cpu_nano = (int64_t)llround(cpu * 1e9);
        cs->mem_bytes = mem;
        p->n_containers++;
        p->cpu += cpu;
        p->cpu_req += req;
        p->mem_bytes += mem;
    }
    return KS_OK;
}

static int sample(ks_metrics *m, double t)
{
    ks_sim *s = m->s;
    struct collect c = {.m = m, .t = t};
    struct pod_collect pc = {.c = &c};
    static const char *const kinds[][2] = {{"deployments", "Deployment"},
                                           {"statefulsets", "StatefulSet"}};

    clear_samples(m);
    if (!s->reg || !s->store)
        return KS_OK;
    for (size_t i = 0; i < 2 && c.rc == KS_OK; i++) {
        const ks_rtype *rt = ks_registry_find(s->reg, "apps", "v1", kinds[i][0]);
        c.kind = kinds[i][1];
        if (rt)
            ks_store_each(s->store, rt, NULL, collect_workload, &c);
    }
    if (c.rc == KS_OK)
        c.rc = index_workloads(&c);
    const ks_rtype *pods = ks_registry_find(s->reg, "", "v1", "pods");
    if (pods && c.rc == KS_OK)
        ks_store_each(s->store, pods, NULL, collect_pod, &pc);
    for (size_t i = 0; i < m->n_pods; i++) {
        size_t wi = pc.wl_of[i];
        struct ks_pod_sample *p = &m->pods[i];
        double rps = 0, cap = DEFAULT_CAPACITY;
        p->next_in_wl = SIZE_MAX;
        if (wi != SIZE_MAX) {
            struct ks_workload_sample *w = &m->wls[wi];
            if (w->last_pod == SIZE_MAX)
                w->first_pod = i;
            else
                m->pods[w->last_pod].next_in_wl = i;
            w->last_pod = i;
            p->workload = strdup(m->wls[wi].key);
            if (!p->workload)
                c.rc = KS_ENOMEM;
            cap = c.tmp[wi].capacity;
            if (p->ready && m->wls[wi].ready > 0)
                rps = m->wls[wi].load / (double)m->wls[wi].ready;
        }
        if (c.rc == KS_OK)
            c.rc = model_pod(m, p, pc.objs[i], rps, cap);
        cJSON_Delete(pc.objs[i]);
    }
    ks_metrics_index_pods(m);
    for (size_t i = 0; i < c.n_tmp; i++)
        ks_selector_free(c.tmp[i].sel);
    free(c.tmp);
    ks_lidx_release(&c.wl_idx);
    free(pc.wl_of);
    free(pc.objs);
    return c.rc;
}

void ks_metrics_tick(ks_sim *s, double now)
{
    ks_metrics *m = s ? s->metrics : NULL;
    double res = s && s->cfg.metrics_resolution > 0 ? s->cfg.metrics_resolution : 15.0;

    if (!m)
        return;
    double grid = floor(now / res) * res;
    if (grid <= m->last_grid)
        return;
    m->last_grid = grid;
    sample(m, grid);
}

void ks_metrics_refresh(ks_sim *s)
{
    ks_metrics_tick(s, ks_now(s));
}

const struct ks_pod_sample *ks_metrics_pod(ks_metrics *m, const char *ns, const char *name)
{
    for (size_t i = 0; m && i < m->n_pods; i++)
        if (strcmp(m->pods[i].ns, ns) == 0 && strcmp(m->pods[i].name, name) == 0)
            return &m->pods[i];
    return NULL;
}

/* ---- metrics.k8s.io --------------------------------------------------- */

static double resolution(const ks_sim *s)
{
    return s->cfg.metrics_resolution > 0 ? s->cfg.metrics_resolution : 15.0;
}

static void add_common(ks_sim *s, cJSON *o, const char *kind, double t)
{
    char ts[32], win[32];

    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddStringToObject(o, "apiVersion", "metrics.k8s.io/v1beta1");
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    (void)md;
    ks_time_format(t, ts);
    cJSON_AddStringToObject(o, "timestamp", ts);
    ebb_duration_format((int64_t)llround(resolution(s) * 1000.0), win, sizeof(win));
    cJSON_AddStringToObject(o, "window", win);
}

static cJSON *usage_obj(int64_t cpu_nano, int64_t mem)
{
    char q[32];
    cJSON *u = cJSON_CreateObject();

    ks_quantity_decimal(cpu_nano, -9, q);
    cJSON_AddStringToObject(u, "cpu", q);
    ks_quantity_binary(mem, q);
    cJSON_AddStringToObject(u, "memory", q);
    return u;
}

static cJSON *pod_metrics(ks_sim *s, const struct ks_pod_sample *p)
{
    char now[32];
    cJSON *o = cJSON_CreateObject();

    if (!o)
        return NULL;
    add_common(s, o, "PodMetrics", p->time);
    cJSON *md = cJSON_GetObjectItemCaseSensitive(o, "metadata");
    ks_time_format(ks_now(s), now);
    cJSON_AddStringToObject(md, "name", p->name);
    cJSON_AddStringToObject(md, "namespace", p->ns);
    cJSON_AddStringToObject(md, "creationTimestamp", now);
    if (p->n_labels) {
        cJSON *l = cJSON_AddObjectToObject(md, "labels");
        for (size_t i = 0; i < p->n_labels; i++)
            cJSON_AddStringToObject(l, p->labels[i].key, p->labels[i].value);
    }
    cJSON *ctrs = cJSON_AddArrayToObject(o, "containers");
    for (size_t i = 0; i < p->n_containers; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", p->containers[i].name);
        cJSON_AddItemToObject(c, "usage",
                              usage_obj(p->containers[i].cpu_nano, p->containers[i].mem_bytes));
        cJSON_AddItemToArray(ctrs, c);
    }
    return o;
}

static cJSON *node_metrics(ks_sim *s, ks_metrics *m)
{
    char now[32];
    int64_t cpu = 0, mem = 0;
    cJSON *o = cJSON_CreateObject();

    if (!o)
        return NULL;
    for (size_t i = 0; i < m->n_pods; i++) {
        for (size_t c = 0; c < m->pods[i].n_containers; c++)
            cpu += m->pods[i].containers[c].cpu_nano;
        mem += m->pods[i].mem_bytes;
    }
    add_common(s, o, "NodeMetrics", m->last_grid > 0 ? m->last_grid : ks_now(s));
    cJSON *md = cJSON_GetObjectItemCaseSensitive(o, "metadata");
    ks_time_format(ks_now(s), now);
    cJSON_AddStringToObject(md, "name", "kubesim-node");
    cJSON_AddStringToObject(md, "creationTimestamp", now);
    cJSON *l = cJSON_AddObjectToObject(md, "labels");
    cJSON_AddStringToObject(l, "kubernetes.io/hostname", "kubesim-node");
    cJSON_AddItemToObject(o, "usage", usage_obj(cpu, mem));
    return o;
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

static cJSON *list_of(const char *kind)
{
    cJSON *l = cJSON_CreateObject();

    cJSON_AddStringToObject(l, "kind", kind);
    cJSON_AddStringToObject(l, "apiVersion", "metrics.k8s.io/v1beta1");
    cJSON_AddObjectToObject(l, "metadata");
    cJSON_AddArrayToObject(l, "items");
    return l;
}

/* Splits path (after prefix) at '/' into at most 6 segments. */
static size_t segments(const char *path, char *buf, size_t bufsz, char *seg[6])
{
    size_t n = 0;

    if (strlen(path) >= bufsz)
        return 0; /* longer than any name kubesim serves */
    snprintf(buf, bufsz, "%s", path);
    for (char *p = buf; *p && n < 7;) {
        char *sl = strchr(p, '/');
        if (sl)
            *sl = '\0';
        if (n < 6)
            seg[n] = p;
        n++;
        if (!sl)
            break;
        p = sl + 1;
    }
    return n;
}

struct pod_list {
    ks_sim *s;
    const ks_selector *fields;
    cJSON *items;
};

/* Adds a pod's PodMetrics to the list when the field selector takes it. */
static bool list_pod(void *ud, const struct ks_pod_sample *p)
{
    struct pod_list *pl = ud;
    cJSON *fo = cJSON_CreateObject();
    cJSON *fmd = cJSON_AddObjectToObject(fo, "metadata");

    cJSON_AddStringToObject(fmd, "name", p->name);
    cJSON_AddStringToObject(fmd, "namespace", p->ns);
    bool ok = ks_selector_matches_fields(pl->fields, fo);
    cJSON_Delete(fo);
    if (ok)
        cJSON_AddItemToArray(pl->items, pod_metrics(pl->s, p));
    return true;
}

static bool serve_resource_metrics(ks_sim *s, const ks_req *req, ks_resp *resp, const char *rest)
{
    ks_metrics *m = s->metrics;
    char buf[1024], *seg[6], err[256];
    size_t n = segments(rest, buf, sizeof(buf), seg);
    const char *ns = NULL, *name = NULL;
    bool nodes = false;

    if (n == 1 && strcmp(seg[0], "pods") == 0) {
    } else if (n >= 1 && n <= 2 && strcmp(seg[0], "nodes") == 0) {
        nodes = true;
        name = n == 2 ? seg[1] : NULL;
    } else if ((n == 3 || n == 4) && strcmp(seg[0], "namespaces") == 0 &&
               strcmp(seg[2], "pods") == 0) {
        ns = seg[1];
        name = n == 4 ? seg[3] : NULL;
    } else {
        return false;
    }
    if (strcmp(req->method, "GET") != 0) {
        ks_status_fail(resp, 405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource", NULL);
        return true;
    }
    ks_metrics_refresh(s);
    if (nodes) {
        if (name && strcmp(name, "kubesim-node") != 0) {
            snprintf(err, sizeof(err), "nodemetrics.metrics.k8s.io \"%s\" not found", name);
            ks_status_fail(resp, 404, "NotFound", err, NULL);
            return true;
        }
        cJSON *nm = node_metrics(s, m);
        if (name || !nm) {
            respond(resp, nm);
            return true;
        }
        cJSON *l = list_of("NodeMetricsList");
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(l, "items"), nm);
        respond(resp, l);
        return true;
    }
    if (name) {
        const struct ks_pod_sample *p = ks_metrics_pod(m, ns, name);
        if (!p) {
            snprintf(err, sizeof(err), "podmetrics.metrics.k8s.io \"%s\" not found", name);
            ks_status_fail(resp, 404, "NotFound", err, NULL);
            return true;
        }
        respond(resp, pod_metrics(s, p));
        return true;
    }
    ks_selector *ls =
        ks_selector_parse(ks_req_query(req, "labelSelector"), false, err, sizeof(err));
    if (!ls) {
        ks_status_fail(resp, 400, "BadRequest", err, NULL);
        return true;
    }
    ks_selector *fs = ks_selector_parse(ks_req_query(req, "fieldSelector"), true, err, sizeof(err));
    if (!fs) {
        ks_selector_free(ls);
        ks_status_fail(resp, 400, "BadRequest", err, NULL);
        return true;
    }
    cJSON *l = list_of("PodMetricsList");
    struct pod_list pl = {s, fs, cJSON_GetObjectItemCaseSensitive(l, "items")};
    if (m)
        ks_metrics_each_pod(m, ns, ls, list_pod, &pl);
    ks_selector_free(ls);
    ks_selector_free(fs);
    respond(resp, l);
    return true;
}

bool ks_metrics_handle(ks_sim *s, const ks_req *req, ks_resp *resp)
{
    static const char rm[] = "/apis/metrics.k8s.io/v1beta1/";

    if (!s || !s->metrics || !req->path)
        return false;
    if (strncmp(req->path, rm, sizeof(rm) - 1) == 0)
        return serve_resource_metrics(s, req, resp, req->path + sizeof(rm) - 1);
    if (ks_metrics_custom_handle(s, req, resp))
        return true;
    return ks_metrics_external_handle(s, req, resp);
}
