/* telemetry.h -- the operator's own metrics: counters, gauges, histograms. PURE.
 *
 * A registry holds families; a family has a name, a help text, a type, up
 * to EBB_TM_MAX_LABELS label names (fixed when it is registered) and, for a
 * histogram, fixed bucket bounds. A series is one combination of label
 * values; it is created the first time an operation names it and lives
 * until ebb_tm_remove() (a deleted policy's gauges must disappear) or the
 * registry is freed. ebb_telemetry_render() writes everything in the
 * Prometheus text exposition format 0.0.4.
 *
 * Label values are copied. Lookups are hashed, so a family with 10,000
 * series (one per policy) costs O(1) per update; rendering sorts the series
 * of each family by their label values, so the text does not depend on the
 * order of updates. A family with labels and no series is left out of the
 * text, as client_golang does; a family without labels always has its one
 * series (0 until set).
 *
 * No clock, no I/O, no globals: a duration to observe is measured by the
 * caller. Not thread-safe; the operator has one loop.
 */
#ifndef EBB_TELEMETRY_H
#define EBB_TELEMETRY_H

#include <stddef.h>

#include "../base/rc.h"
#include "../base/strbuf.h"

#define EBB_TM_MAX_LABELS 4
#define EBB_TM_MAX_BUCKETS 24

/* The Content-Type of what ebb_telemetry_render() writes. */
#define EBB_TELEMETRY_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum ebb_tm_type {
    EBB_TM_COUNTER = 0,
    EBB_TM_GAUGE,
    EBB_TM_HISTOGRAM,
};

struct ebb_telemetry;
struct ebb_tm_family;

struct ebb_tm_desc {
    const char *name; /* [a-zA-Z_:][a-zA-Z0-9_:]*; a counter's should end in _total */
    const char *help; /* one line; '\' and newlines are escaped on output */
    enum ebb_tm_type type;
    const char *labels[EBB_TM_MAX_LABELS]; /* names, [a-zA-Z_][a-zA-Z0-9_]*, not "__*"; NULL ends */
    /* Histograms: upper bounds, finite and strictly increasing; +Inf is
     * implicit. nbuckets 0 = EBB_TM_DEFAULT_BUCKETS. */
    const double *buckets;
    size_t nbuckets;
};

/* client_golang's DefBuckets (seconds). */
#define EBB_TM_DEFAULT_BUCKETS                                                                     \
    {                                                                                              \
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10                                    \
    }

enum ebb_rc ebb_telemetry_new(struct ebb_telemetry **out /* OUT */);
/* Frees the registry and every family in it. NULL is a no-op. */
void ebb_telemetry_free(struct ebb_telemetry *t);

/* Registers a family. EBB_ERR_INVALID (with err saying why) for a bad name,
 * label name, bucket list, a histogram label named "le", or a name already
 * registered. *out stays valid until the registry is freed. */
enum ebb_rc ebb_telemetry_register(struct ebb_telemetry *t, const struct ebb_tm_desc *d,
                                   struct ebb_tm_family **out /* OUT */, char *err, size_t errsz);
/* A registered family by name, or NULL. */
struct ebb_tm_family *ebb_telemetry_find(const struct ebb_telemetry *t, const char *name);

/* Operations. `values` holds one string per label name of the family, in
 * the order they were registered (NULL for a family without labels).
 * EBB_ERR_INVALID: the operation does not fit the type (set on a counter,
 * observe on a gauge, ...), a counter would go down, a value is NaN where
 * that makes no sense, or a label value is NULL. EBB_ERR_NOMEM: a new
 * series could not be allocated (nothing changed). */
enum ebb_rc ebb_tm_inc(struct ebb_tm_family *f, const char *const *values); /* add 1 */
enum ebb_rc ebb_tm_add(struct ebb_tm_family *f, const char *const *values, double v);
enum ebb_rc ebb_tm_set(struct ebb_tm_family *f, const char *const *values, double v); /* gauge */
enum ebb_rc ebb_tm_observe(struct ebb_tm_family *f, const char *const *values, double v);
/* Drops one series; EBB_ERR_NOTFOUND when it does not exist, EBB_ERR_INVALID
 * for a family without labels (its one series always exists). */
enum ebb_rc ebb_tm_remove(struct ebb_tm_family *f, const char *const *values);
/* Drops every series whose label values match `values`, where a NULL entry
 * matches anything (e.g. {"ns", "web", NULL}: every ebb_metric_value of one
 * deleted policy). Returns how many were dropped. */
size_t ebb_tm_remove_matching(struct ebb_tm_family *f, const char *const *values);
/* Reads a counter or gauge (or a histogram's sum); EBB_ERR_NOTFOUND when the
 * series does not exist. */
enum ebb_rc ebb_tm_get(const struct ebb_tm_family *f, const char *const *values,
                       double *out /* OUT */);
/* A histogram's observation count; 0 when the series does not exist. */
unsigned long long ebb_tm_count(const struct ebb_tm_family *f, const char *const *values);
size_t ebb_tm_series(const struct ebb_tm_family *f);

/* Appends the whole registry in text format 0.0.4: families in the order
 * they were registered, each with # HELP and # TYPE, its series sorted by
 * label values; histograms as _bucket{le="..."} (cumulative, ending with
 * le="+Inf"), _sum and _count. EBB_ERR_NOMEM if out or a temporary
 * allocation failed. */
enum ebb_rc ebb_telemetry_render(const struct ebb_telemetry *t, struct ebb_strbuf *out);

/* Formats v as Prometheus does: the shortest text that reads back as v,
 * "+Inf", "-Inf", "NaN". buf must hold 32 bytes. */
void ebb_tm_format_value(double v, char *buf, size_t bufsz);

/* The families `ebb run` exports (registered by ebb_tm_operator_register):
 *   ebb_reconcile_total{result}                 counter: result = success|error|requeue
 *   ebb_reconcile_duration_seconds              histogram of one reconcile
 *   ebb_scale_total{direction}                  counter: direction = up|down
 *   ebb_policies                                gauge: ScalingPolicies in the cache
 *   ebb_desired_replicas{namespace,policy}      gauge: last decision
 *   ebb_current_replicas{namespace,policy}      gauge: the target's spec.replicas
 *   ebb_metric_value{namespace,policy,metric}   gauge: last valid value of a metric
 *   ebb_kube_requests_total{verb,code}          counter: API requests by verb and status
 *   ebb_leader                                  gauge: 1 while this process leads, else 0
 */
struct ebb_tm_operator {
    struct ebb_tm_family *reconcile_total;
    struct ebb_tm_family *reconcile_duration;
    struct ebb_tm_family *scale_total;
    struct ebb_tm_family *policies;
    struct ebb_tm_family *desired_replicas;
    struct ebb_tm_family *current_replicas;
    struct ebb_tm_family *metric_value;
    struct ebb_tm_family *kube_requests_total;
    struct ebb_tm_family *leader;
};

enum ebb_rc ebb_tm_operator_register(struct ebb_telemetry *t, struct ebb_tm_operator *out /* OUT */,
                                     char *err, size_t errsz);
/* Drops every per-policy series (desired, current, metric values) of one
 * policy: call it when the policy is deleted. */
void ebb_tm_operator_forget_policy(struct ebb_tm_operator *m, const char *ns, const char *name);

#endif
