/*
 * kubesim: what load.c, metrics*.c and control.c share beyond ks.h.
 *
 * load.c parses curves (ks_curve) and keeps the per-workload table
 * (ks_load). metrics.c owns struct ks_metrics: the usage model sampled on
 * the metrics grid, the annotation curves, and the custom/external series
 * set through the control endpoint. metrics_custom.c serves
 * custom.metrics.k8s.io and external.metrics.k8s.io, metrics_prom.c the
 * Prometheus text. control.c serves /kubesim/ and calls into all of them.
 */
#ifndef KUBESIM_METRICS_INTERNAL_H
#define KUBESIM_METRICS_INTERNAL_H

#include "ks.h"

/* ------------------------------------------------------------------ */
/* Curves (load.c)                                                     */

typedef struct ks_curve ks_curve;

/* Parses a curve spec ("constant:5", "step:10,200@60", "sine:10:100:24h",
 * "blackfriday:10:100", "trace:FILE"). NULL + a message naming the bad
 * part in err. */
ks_curve *ks_curve_parse(const char *spec, char *err, size_t errlen);
void ks_curve_free(ks_curve *c);
/* Value at t seconds after the curve's start (t < 0: the value at 0). */
double ks_curve_at(const ks_curve *c, double t);

/* Parses the CSV of a trace (the `ebb simulate` format: "time,load"
 * header, RFC 3339 times or plain seconds, '#' comments). name prefixes
 * messages ("FILE:LINE: ..."). */
ks_curve *ks_curve_parse_trace(const char *name, const char *text, size_t len, char *err,
                               size_t errlen);

/* The per-workload table beyond ks.h. */
bool ks_load_has(const ks_load *l, const char *key);
/* The spec a key was set with, NULL when none. */
const char *ks_load_spec(const ks_load *l, const char *key);
/* Removes a key's curve; KS_ENOTFOUND when it had none. */
int ks_load_unset(ks_load *l, const char *key);
size_t ks_load_count(const ks_load *l);
/* i-th key, NULL past the end. */
const char *ks_load_key_at(const ks_load *l, size_t i);

/* ------------------------------------------------------------------ */
/* Quantities (metrics.c)                                              */

/* resource.Quantity String() of v * 10^exp10 in DecimalSI (exp10 a
 * multiple of 3 between -9 and 18): "123456789n", "1500m", "2", "2k". */
void ks_quantity_decimal(int64_t v, int exp10, char out[32]);
/* resource.Quantity String() of bytes in BinarySI: "1536Ki", "64Mi",
 * "1536"; values under 1024 print as DecimalSI ("1k" for 1000). */
void ks_quantity_binary(int64_t bytes, char out[32]);
/* A metric value as the adapters write it (milli precision): "1500m". */
void ks_quantity_value(double v, char out[32]);

/* ------------------------------------------------------------------ */
/* The model (metrics.c)                                               */

struct ks_container_sample {
    char *name;
    int64_t cpu_nano;  /* nanocores */
    int64_t mem_bytes; /* working set */
};

struct ks_pod_sample {
    char *ns, *name;
    char *workload;          /* "ns/name", or NULL when no workload selects it */
    size_t next_in_wl;       /* the workload's next pod sample, SIZE_MAX at the end */
    struct ks_label *labels; /* the pod's labels */
    size_t n_labels;
    bool ready;
    double rps;     /* requests/s this pod serves */
    double cpu;     /* cores */
    double cpu_req; /* cores requested by the pod (sum of containers) */
    int64_t mem_bytes;
    struct ks_container_sample *containers;
    size_t n_containers;
    double time; /* sim time of the grid point it was taken at */
};

struct ks_workload_sample {
    char *key; /* "ns/name" */
    char *ns, *name;
    char *kind; /* "Deployment", "StatefulSet" */
    double load;
    long desired; /* spec.replicas */
    long pods, ready;
    size_t first_pod, last_pod; /* its pod samples (next_in_wl), SIZE_MAX when none */
};

/* A sorted index of (namespace, label key, label value) -> item numbers
 * (metrics_index.c). The strings are borrowed. An entry with key and
 * value NULL stands for an item of the namespace with no key=value to
 * file it under (a workload whose selector requires none). */
struct ks_lidx_ent {
    const char *ns, *key, *value;
    size_t item;
};

struct ks_lidx {
    struct ks_lidx_ent *v;
    size_t n, cap;
};

int ks_lidx_add(struct ks_lidx *x, const char *ns, const char *key, const char *value, size_t item);
/* Sorts by (ns, key, value, item): call after the last add. */
void ks_lidx_sort(struct ks_lidx *x);
/* The run of entries equal to (ns, key, value), items ascending: its
 * length, and its start in *first. */
size_t ks_lidx_find(const struct ks_lidx *x, const char *ns, const char *key, const char *value,
                    const struct ks_lidx_ent **first);
void ks_lidx_release(struct ks_lidx *x);

/* A series set through the control endpoint: a custom per-pod metric
 * (pod set) or an external metric (pod NULL, labels set). */
struct ks_series {
    char *ns;
    char *pod;    /* custom: the pod; external: NULL */
    char *metric; /* the metric name */
    struct ks_label *labels;
    size_t n_labels;
    double value;
    ks_curve *curve; /* when set, the value is curve(t - start) */
    double start;
};

struct ks_metrics {
    ks_sim *s;
    double last_grid; /* the last grid time sampled; -1 before the first */
    struct ks_pod_sample *pods;
    size_t n_pods, cap_pods;
    struct ks_workload_sample *wls;
    size_t n_wls, cap_wls;
    struct ks_lidx pod_idx; /* the pod samples by each of their labels */
    bool pod_idx_ok;        /* pod_idx is complete (false: scan instead) */
    ks_load *ann;           /* curves from kubesim.ebb.dev/load annotations */
    struct ks_series *series;
    size_t n_series, cap_series;
};

/* Sample at the last grid point (takes one when the grid moved on).
 * NULL when the pod has no sample. */
const struct ks_pod_sample *ks_metrics_pod(ks_metrics *m, const char *ns, const char *name);
/* Offered load of a workload ("ns/name") at sim time t: the curve set
 * through the control endpoint, else its load annotation, else 0. */
double ks_metrics_load_at(ks_metrics *m, const char *key, double t);
/* The spec behind that load, NULL when none. */
const char *ks_metrics_load_spec(ks_metrics *m, const char *key);
/* Rebuilds m->pod_idx from the pod samples (sets pod_idx_ok). */
void ks_metrics_index_pods(ks_metrics *m);
/* Each pod sample of ns (NULL: every namespace) whose labels match sel,
 * in sample order, through the index when it can; fn returns false to
 * stop. */
typedef bool (*ks_metrics_pod_fn)(void *ud, const struct ks_pod_sample *p);
void ks_metrics_each_pod(ks_metrics *m, const char *ns, const ks_selector *sel,
                         ks_metrics_pod_fn fn, void *ud);
/* Series value at sim time t. */
double ks_series_value(const struct ks_series *se, double t);
/* Sets (replaces) a series; takes ownership of curve and labels. */
int ks_metrics_set_series(ks_metrics *m, const char *ns, const char *pod, const char *metric,
                          struct ks_label *labels, size_t n_labels, double value, ks_curve *curve,
                          double start);
/* Forces a sample now (when the grid has moved on); the handlers call it
 * so that a request between two ticks sees the right grid point. */
void ks_metrics_refresh(ks_sim *s);
/* Labels JSON object (compact) -> array; returns 0 or KS_EINVALID. */
int ks_labels_from_json(const cJSON *obj, struct ks_label **out, size_t *n);
void ks_labels_free(struct ks_label *l, size_t n);

/* metrics_custom.c: custom.metrics.k8s.io / external.metrics.k8s.io. */
bool ks_metrics_custom_handle(ks_sim *s, const ks_req *req, ks_resp *resp);
bool ks_metrics_external_handle(ks_sim *s, const ks_req *req, ks_resp *resp);
/* Registers pods/<metric> (custom) or <metric> (external) for discovery
 * when not yet there. */
void ks_metrics_register_metric(ks_registry *r, bool external, const char *metric);

/* metrics_prom.c: GET /kubesim/metrics[...]. false when not its path. */
bool ks_metrics_prom_handle(ks_sim *s, const ks_req *req, ks_resp *resp);

#endif
