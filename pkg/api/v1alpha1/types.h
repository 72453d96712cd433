/* types.h -- the ScalingPolicy custom resource (ebb.dev/v1alpha1) in C.
 *
 * These are plain data: the codec fills them from JSON or YAML, defaults.c
 * fills what the user left out, validate.c checks them, and the decision core
 * reads them. DESIGN.md section 1 is the authoritative shape; field comments
 * give the JSON name where it differs from the C name.
 *
 * Unset values. A field the user did not write holds a sentinel, so that
 * defaulting can tell "absent" from "zero" (nginx's UNSET pattern):
 *   - int32_t / int64_t counts and durations: EBB_UNSET (-1);
 *   - instants (unix milliseconds): EBB_TIME_UNSET;
 *   - quantities: .set == false;
 *   - enums: their *_UNSET member (always 0);
 *   - strings and arrays: NULL / 0.
 *
 * Ownership. Every string and array of a struct ebb_policy lives in its
 * arena; ebb_policy_release() frees all of them at once. Nothing here is
 * freed field by field.
 */
#ifndef EBB_API_V1ALPHA1_TYPES_H
#define EBB_API_V1ALPHA1_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../base/arena.h"
#include "../../base/rc.h"

#define EBB_API_GROUP "ebb.dev"
#define EBB_API_VERSION "ebb.dev/v1alpha1"
#define EBB_KIND "ScalingPolicy"

#define EBB_UNSET (-1)
#define EBB_TIME_UNSET INT64_MIN

/* Bounds enforced by validation and relied on by fixed-size tables. */
#define EBB_MAX_METRICS 16
#define EBB_MAX_RATE_POLICIES 8
#define EBB_MAX_SCHEDULES 32
#define EBB_MAX_REPLICAS 100000
#define EBB_MAX_WINDOW_MS (3600 * 1000LL) /* stabilization windows, as HPA */

/* A Kubernetes quantity ("250m", "1.5k", "2Gi", "1e3") in thousandths.
 * 2Gi is 2147483648000 milli: int64 holds up to about 9.2 exa. */
struct ebb_quantity {
    int64_t milli;
    bool set;
};

struct ebb_kv {
    char *key;
    char *value;
};

/* metav1.ObjectMeta, the fields Ebb reads or round-trips. */
struct ebb_object_meta {
    char *name;
    char *namespace_; /* JSON: namespace */
    char *uid;
    char *resource_version;   /* opaque; never compared numerically */
    int64_t generation;       /* EBB_UNSET when absent */
    char *creation_timestamp; /* RFC 3339, kept as written */
    char *deletion_timestamp; /* RFC 3339 or NULL */
    struct ebb_kv *labels;
    size_t n_labels;
    struct ebb_kv *annotations;
    size_t n_annotations;
};

/* spec.targetRef */
struct ebb_target_ref {
    char *api_version; /* "apps/v1" */
    char *kind;        /* "Deployment" or "StatefulSet" */
    char *name;
};

enum ebb_selector_op {
    EBB_SELECTOR_OP_UNSET = 0,
    EBB_SELECTOR_IN,
    EBB_SELECTOR_NOT_IN,
    EBB_SELECTOR_EXISTS,
    EBB_SELECTOR_DOES_NOT_EXIST,
};

struct ebb_selector_req {
    char *key;
    enum ebb_selector_op op; /* JSON: operator */
    char **values;
    size_t n_values;
};

/* metav1.LabelSelector */
struct ebb_label_selector {
    struct ebb_kv *match_labels;
    size_t n_match_labels;
    struct ebb_selector_req *match_expressions;
    size_t n_match_expressions;
    bool set;
};

enum ebb_metric_type {
    EBB_METRIC_TYPE_UNSET = 0,
    EBB_METRIC_RESOURCE,   /* "Resource": metrics.k8s.io, per-pod usage vs requests */
    EBB_METRIC_PODS,       /* "Pods": custom.metrics.k8s.io, per-pod average */
    EBB_METRIC_EXTERNAL,   /* "External": external.metrics.k8s.io, sum of series */
    EBB_METRIC_PROMETHEUS, /* "Prometheus": one instant PromQL query */
    EBB_METRIC_TYPE__COUNT
};

enum ebb_target_type {
    EBB_TARGET_TYPE_UNSET = 0,
    EBB_TARGET_UTILIZATION,   /* "Utilization": averageUtilization, percent of request */
    EBB_TARGET_AVERAGE_VALUE, /* "AverageValue": averageValue per pod */
    EBB_TARGET_VALUE,         /* "Value": value for the whole metric */
    EBB_TARGET_TYPE__COUNT
};

struct ebb_metric_target {
    enum ebb_target_type type;
    int32_t average_utilization;       /* percent; EBB_UNSET when absent */
    struct ebb_quantity average_value; /* JSON: averageValue */
    struct ebb_quantity value;
};

/* Ebb's hysteresis band on one side: act only after the metric has been
 * beyond `threshold` for `for_ms` without a break.
 * JSON: scaleUp: {above: 70, for: 5m} / scaleDown: {below: 30, for: 15m}.
 * The threshold is in the unit of the metric's target: percent for
 * Utilization, the per-pod value for AverageValue, the value for Value. */
struct ebb_band {
    struct ebb_quantity threshold; /* JSON: above (scaleUp) or below (scaleDown) */
    int64_t for_ms;                /* JSON: for; EBB_UNSET when absent */
    bool set;                      /* the object was present */
};

/* One entry of spec.metrics. Exactly one source block is filled, the one
 * matching `type`; the others stay zero. */
struct ebb_metric_spec {
    char *name; /* unique within the policy; used in status and reasons */
    enum ebb_metric_type type;
    struct {
        char *name;      /* "cpu", "memory", ... */
        char *container; /* optional: only this container's usage and request */
        bool set;
    } resource;
    struct { /* Pods: {metric: {name, selector}} */
        char *metric_name;
        struct ebb_label_selector selector;
        bool set;
    } pods;
    struct { /* External: {metric: {name, selector}} */
        char *metric_name;
        struct ebb_label_selector selector;
        bool set;
    } external;
    struct {           /* Prometheus: {address, query} */
        char *address; /* optional: the controller's --prometheus-address otherwise */
        char *query;
        bool set;
    } prometheus;
    struct ebb_metric_target target;
    struct ebb_band scale_up;   /* JSON: scaleUp */
    struct ebb_band scale_down; /* JSON: scaleDown */
};

enum ebb_select_policy {
    EBB_SELECT_UNSET = 0,
    EBB_SELECT_MAX,
    EBB_SELECT_MIN,
    EBB_SELECT_DISABLED,
    EBB_SELECT__COUNT
};

enum ebb_rate_type {
    EBB_RATE_TYPE_UNSET = 0,
    EBB_RATE_PODS,    /* "Pods" */
    EBB_RATE_PERCENT, /* "Percent" */
    EBB_RATE_TYPE__COUNT
};

/* behavior.scaleUp.policies[i]: at most `value` pods or percent per `period`. */
struct ebb_rate_policy {
    enum ebb_rate_type type;
    int32_t value;     /* EBB_UNSET when absent */
    int64_t period_ms; /* JSON: period (duration) or periodSeconds (int); EBB_UNSET */
};

/* behavior.scaleUp / behavior.scaleDown */
struct ebb_scaling_rules {
    int64_t stabilization_ms; /* JSON: stabilizationWindow (duration) or
                                 stabilizationWindowSeconds (int); EBB_UNSET */
    int64_t cooldown_ms;      /* Ebb: JSON cooldown; EBB_UNSET means none */
    enum ebb_select_policy select_policy;
    struct ebb_rate_policy *policies;
    size_t n_policies;
    bool policies_set;             /* "policies" was written (an empty list is an error) */
    struct ebb_quantity tolerance; /* per direction, HPA 1.33+; overrides behavior.tolerance */
    bool set;                      /* the object was present */
};

struct ebb_behavior {
    struct ebb_quantity tolerance; /* both directions; default 0.1 (100 milli) */
    struct ebb_scaling_rules scale_up;
    struct ebb_scaling_rules scale_down;
    bool set; /* spec.behavior was present. HPA treats an absent behavior
                 differently (scale-up limit max(2*current, 4)), and so do we. */
};

/* spec.schedules[i]: either recurring (cron + duration, in timeZone) or
 * absolute (start and end instants). While active, its min/max override
 * the spec's. */
struct ebb_schedule {
    char *name;
    char *cron;           /* 5 fields: minute hour day-of-month month day-of-week */
    int64_t duration_ms;  /* how long each cron occurrence lasts; EBB_UNSET */
    char *time_zone;      /* IANA name, JSON timeZone; NULL means UTC */
    int64_t start_ms;     /* RFC 3339 in JSON; EBB_TIME_UNSET */
    int64_t end_ms;       /* active while start_ms <= now <= end_ms */
    int32_t min_replicas; /* EBB_UNSET when this schedule leaves min alone */
    int32_t max_replicas; /* EBB_UNSET when this schedule leaves max alone */
};

/* spec.channelPorts: replica slot i gets [base + i*rangeSize, base + (i+1)*rangeSize - 1]. */
struct ebb_channel_ports {
    char *pool;
    int32_t base;       /* EBB_UNSET */
    int32_t range_size; /* JSON: rangeSize; EBB_UNSET */
    int32_t limit;      /* last usable port; EBB_UNSET */
    bool set;
};

struct ebb_policy_spec {
    struct ebb_target_ref target_ref; /* JSON: targetRef */
    int32_t min_replicas;             /* default 1; 0 only with External/Prometheus */
    int32_t max_replicas;
    bool paused;
    int64_t sync_period_ms; /* JSON: syncPeriod; EBB_UNSET = the controller's --sync-period */
    struct ebb_metric_spec *metrics;
    size_t n_metrics;
    struct ebb_behavior behavior;
    struct ebb_schedule *schedules;
    size_t n_schedules;
    struct ebb_channel_ports channel_ports; /* JSON: channelPorts */
};

/* status.currentMetrics[i] */
struct ebb_metric_status {
    char *name;
    struct ebb_quantity value; /* utilization percent, per-pod average or value */
    struct ebb_quantity target;
    int32_t proposal;       /* EBB_UNSET when the metric was invalid */
    int64_t above_since_ms; /* band timers: JSON aboveSince / belowSince, RFC 3339 */
    int64_t below_since_ms;
};

/* status.recommendations[i]: one per decision, bounded; the stabilization
 * window reads them. */
struct ebb_recommendation {
    int64_t time_ms;
    int32_t replicas;
};

/* status.scaleEvents[i]: applied scale changes; rate limits and cooldowns
 * read them. */
struct ebb_scale_event {
    int64_t time_ms;
    int32_t from;
    int32_t to;
};

/* status.channelPorts[i] */
struct ebb_port_assignment {
    int32_t slot;
    char *pod;
    int32_t first; /* JSON: range "first-last" */
    int32_t last;
};

enum ebb_condition_status {
    EBB_COND_UNKNOWN = 0,
    EBB_COND_TRUE,
    EBB_COND_FALSE,
};

/* metav1.Condition, as Ebb writes it. */
struct ebb_condition {
    char *type; /* "Ready", "AbleToScale", "ScalingActive", "ScalingLimited" */
    enum ebb_condition_status status;
    char *reason; /* CamelCase */
    char *message;
    int64_t last_transition_ms; /* EBB_TIME_UNSET when absent */
};

struct ebb_policy_status {
    int64_t observed_generation; /* EBB_UNSET */
    int32_t current_replicas;    /* EBB_UNSET */
    int32_t desired_replicas;    /* EBB_UNSET */
    int64_t last_scale_ms;       /* JSON lastScaleTime; EBB_TIME_UNSET */
    int64_t last_scale_up_ms;    /* JSON lastScaleUpTime */
    int64_t last_scale_down_ms;  /* JSON lastScaleDownTime */
    struct ebb_metric_status *current_metrics;
    size_t n_current_metrics;
    struct ebb_recommendation *recommendations;
    size_t n_recommendations;
    struct ebb_scale_event *scale_events;
    size_t n_scale_events;
    char *active_schedule;
    struct ebb_port_assignment *channel_ports;
    size_t n_channel_ports;
    struct ebb_condition *conditions;
    size_t n_conditions;
};

struct ebb_policy {
    struct ebb_arena arena; /* owns every pointer below */
    char *api_version;      /* as read; "ebb.dev/v1alpha1" */
    char *kind;             /* as read; "ScalingPolicy" */
    struct ebb_object_meta metadata;
    struct ebb_policy_spec spec;
    struct ebb_policy_status status;
};

/* Sets every field to "unset" and gives the policy an empty arena. */
void ebb_policy_init(struct ebb_policy *p);
/* Frees everything the policy owns and re-initializes it. NULL is a no-op. */
void ebb_policy_release(struct ebb_policy *p);

/* Deep-copies src into dst, allocating in a (which dst's policy owns).
 * EBB_ERR_NOMEM (dst then partly copied; release the arena). */
enum ebb_rc ebb_policy_status_copy(struct ebb_arena *a, struct ebb_policy_status *dst,
                                   const struct ebb_policy_status *src);
/* True when a and b encode to the same JSON; with newest_time_free, the
 * time of the newest recommendation may differ (the same value recommended
 * again). */
bool ebb_policy_status_equal(const struct ebb_policy_status *a, const struct ebb_policy_status *b,
                             bool newest_time_free);

/* Enum <-> JSON spelling. The *_name() functions return a static string
 * ("" for UNSET); the *_parse() ones return the UNSET member for an unknown
 * spelling. Matching is exact and case-sensitive, as the API server's. */
const char *ebb_metric_type_name(enum ebb_metric_type t);
enum ebb_metric_type ebb_metric_type_parse(const char *s);
const char *ebb_target_type_name(enum ebb_target_type t);
enum ebb_target_type ebb_target_type_parse(const char *s);
const char *ebb_select_policy_name(enum ebb_select_policy s);
enum ebb_select_policy ebb_select_policy_parse(const char *s);
const char *ebb_rate_type_name(enum ebb_rate_type t);
enum ebb_rate_type ebb_rate_type_parse(const char *s);
const char *ebb_selector_op_name(enum ebb_selector_op op);
enum ebb_selector_op ebb_selector_op_parse(const char *s);
const char *ebb_condition_status_name(enum ebb_condition_status s);
enum ebb_condition_status ebb_condition_status_parse(const char *s);

/* The value of an annotation, or NULL. */
const char *ebb_meta_annotation(const struct ebb_object_meta *m, const char *key);

#define EBB_ANNOTATION_PAUSED "ebb.dev/paused"

/* spec.paused, or the annotation ebb.dev/paused: "true". */
bool ebb_policy_is_paused(const struct ebb_policy *p);

#endif
