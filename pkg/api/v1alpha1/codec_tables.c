/* codec_tables.c -- the JSON shape of ScalingPolicy, as data: one field
 * table per JSON object, read by the decoder (codec.c) and the encoder
 * (codec_encode.c). Adding a field to types.h means adding one line here.
 */
#include <stddef.h>

#include "codec_internal.h"

/* ---- enums ---------------------------------------------------------- */

_Static_assert(sizeof(enum ebb_metric_type) == sizeof(unsigned), "enum storage");
_Static_assert(sizeof(enum ebb_target_type) == sizeof(unsigned), "enum storage");
_Static_assert(sizeof(enum ebb_select_policy) == sizeof(unsigned), "enum storage");
_Static_assert(sizeof(enum ebb_rate_type) == sizeof(unsigned), "enum storage");
_Static_assert(sizeof(enum ebb_selector_op) == sizeof(unsigned), "enum storage");
_Static_assert(sizeof(enum ebb_condition_status) == sizeof(unsigned), "enum storage");

#define ENUM_WRAP(fn, type)                                                                        \
    static const char *fn##_name(unsigned v)                                                       \
    {                                                                                              \
        return ebb_##fn##_name((enum type)v);                                                      \
    }                                                                                              \
    static unsigned fn##_parse(const char *s)                                                      \
    {                                                                                              \
        return (unsigned)ebb_##fn##_parse(s);                                                      \
    }

ENUM_WRAP(metric_type, ebb_metric_type)
ENUM_WRAP(target_type, ebb_target_type)
ENUM_WRAP(select_policy, ebb_select_policy)
ENUM_WRAP(rate_type, ebb_rate_type)
ENUM_WRAP(selector_op, ebb_selector_op)
ENUM_WRAP(condition_status, ebb_condition_status)

static const struct ebb__enum_desc metric_type_enum = {
    metric_type_name, metric_type_parse, {1, 2, 3, 4}, 4};
static const struct ebb__enum_desc target_type_enum = {
    target_type_name, target_type_parse, {1, 2, 3}, 3};
static const struct ebb__enum_desc select_policy_enum = {
    select_policy_name, select_policy_parse, {1, 2, 3}, 3};
static const struct ebb__enum_desc rate_type_enum = {rate_type_name, rate_type_parse, {1, 2}, 2};
static const struct ebb__enum_desc selector_op_enum = {
    selector_op_name, selector_op_parse, {1, 2, 3, 4}, 4};
static const struct ebb__enum_desc condition_status_enum = {
    condition_status_name,
    condition_status_parse,
    {EBB_COND_TRUE, EBB_COND_FALSE, EBB_COND_UNKNOWN},
    3};

/* ---- element sentinels ------------------------------------------------ */

static void init_metric(void *e)
{
    struct ebb_metric_spec *m = e;
    m->target.average_utilization = EBB_UNSET;
    m->scale_up.for_ms = EBB_UNSET;
    m->scale_down.for_ms = EBB_UNSET;
}

static void init_rate(void *e)
{
    struct ebb_rate_policy *r = e;
    r->value = EBB_UNSET;
    r->period_ms = EBB_UNSET;
}

static void init_schedule(void *e)
{
    struct ebb_schedule *s = e;
    s->duration_ms = EBB_UNSET;
    s->start_ms = EBB_TIME_UNSET;
    s->end_ms = EBB_TIME_UNSET;
    s->min_replicas = EBB_UNSET;
    s->max_replicas = EBB_UNSET;
}

static void init_metric_status(void *e)
{
    struct ebb_metric_status *m = e;
    m->proposal = EBB_UNSET;
    m->above_since_ms = EBB_TIME_UNSET;
    m->below_since_ms = EBB_TIME_UNSET;
}

static void init_recommendation(void *e)
{
    struct ebb_recommendation *r = e;
    r->time_ms = EBB_TIME_UNSET;
    r->replicas = EBB_UNSET;
}

static void init_scale_event(void *e)
{
    struct ebb_scale_event *s = e;
    s->time_ms = EBB_TIME_UNSET;
    s->from = EBB_UNSET;
    s->to = EBB_UNSET;
}

static void init_port_assignment(void *e)
{
    struct ebb_port_assignment *a = e;
    a->slot = EBB_UNSET;
    a->first = EBB_UNSET;
    a->last = EBB_UNSET;
}

static void init_condition(void *e)
{
    struct ebb_condition *c = e;
    c->last_transition_ms = EBB_TIME_UNSET;
}

/* ---- tables ----------------------------------------------------------- */

#define TABLE(f, T, init)                                                                          \
    {                                                                                              \
        f, sizeof(f) / sizeof((f)[0]), sizeof(T), init                                             \
    }
#define SUBOFF(T, outer, m) (offsetof(T, outer.m) - offsetof(T, outer))

#define F(json, k, T, m)                                                                           \
    {                                                                                              \
        .name = json, .kind = k, .off = offsetof(T, m), .cnt = EBB_CODEC_NO_OFF,                   \
        .set = EBB_CODEC_NO_OFF                                                                    \
    }
#define F_ALT(json, k, T, m, other)                                                                \
    {                                                                                              \
        .name = json, .kind = k, .off = offsetof(T, m), .cnt = EBB_CODEC_NO_OFF,                   \
        .set = EBB_CODEC_NO_OFF, .alt = other                                                      \
    }
#define F_ENUM(json, T, m, e, fl)                                                                  \
    {                                                                                              \
        .name = json, .kind = EBB_CODEC_ENUM, .off = offsetof(T, m), .cnt = EBB_CODEC_NO_OFF,      \
        .set = EBB_CODEC_NO_OFF, .en = &e, .flags = fl                                             \
    }
#define F_OBJ(json, T, m, setm, tab)                                                               \
    {                                                                                              \
        .name = json, .kind = EBB_CODEC_OBJECT, .off = offsetof(T, m), .cnt = EBB_CODEC_NO_OFF,    \
        .set = offsetof(T, setm), .sub = &tab                                                      \
    }
#define F_OBJ_NOSET(json, T, m, tab, fl)                                                           \
    {                                                                                              \
        .name = json, .kind = EBB_CODEC_OBJECT, .off = offsetof(T, m), .cnt = EBB_CODEC_NO_OFF,    \
        .set = EBB_CODEC_NO_OFF, .sub = &tab, .flags = fl                                          \
    }
#define F_LIST(json, T, m, n, tab)                                                                 \
    {                                                                                              \
        .name = json, .kind = EBB_CODEC_LIST, .off = offsetof(T, m), .cnt = offsetof(T, n),        \
        .set = EBB_CODEC_NO_OFF, .sub = &tab                                                       \
    }
#define F_COUNTED(json, k, T, m, n)                                                                \
    {                                                                                              \
        .name = json, .kind = k, .off = offsetof(T, m), .cnt = offsetof(T, n),                     \
        .set = EBB_CODEC_NO_OFF                                                                    \
    }
#define F_IGN(json)                                                                                \
    {                                                                                              \
        .name = json, .kind = EBB_CODEC_IGNORE, .off = 0, .cnt = EBB_CODEC_NO_OFF,                 \
        .set = EBB_CODEC_NO_OFF                                                                    \
    }

static const struct ebb__field meta_fields[] = {
    F("name", EBB_CODEC_STRING, struct ebb_object_meta, name),
    F("namespace", EBB_CODEC_STRING, struct ebb_object_meta, namespace_),
    F("uid", EBB_CODEC_STRING, struct ebb_object_meta, uid),
    F("resourceVersion", EBB_CODEC_STRING, struct ebb_object_meta, resource_version),
    F("generation", EBB_CODEC_INT64, struct ebb_object_meta, generation),
    F("creationTimestamp", EBB_CODEC_TIMESTR, struct ebb_object_meta, creation_timestamp),
    F("deletionTimestamp", EBB_CODEC_TIMESTR, struct ebb_object_meta, deletion_timestamp),
    F_COUNTED("labels", EBB_CODEC_MAP, struct ebb_object_meta, labels, n_labels),
    F_COUNTED("annotations", EBB_CODEC_MAP, struct ebb_object_meta, annotations, n_annotations),
    F_IGN("generateName"),
    F_IGN("selfLink"),
    F_IGN("finalizers"),
    F_IGN("ownerReferences"),
    F_IGN("managedFields"),
    F_IGN("deletionGracePeriodSeconds"),
};
static const struct ebb__table meta_table = TABLE(meta_fields, struct ebb_object_meta, NULL);

static const struct ebb__field target_ref_fields[] = {
    F("apiVersion", EBB_CODEC_STRING, struct ebb_target_ref, api_version),
    F("kind", EBB_CODEC_STRING, struct ebb_target_ref, kind),
    F("name", EBB_CODEC_STRING, struct ebb_target_ref, name),
};
static const struct ebb__table target_ref_table =
    TABLE(target_ref_fields, struct ebb_target_ref, NULL);

static const struct ebb__field selector_req_fields[] = {
    F("key", EBB_CODEC_STRING, struct ebb_selector_req, key),
    F_ENUM("operator", struct ebb_selector_req, op, selector_op_enum, 0),
    F_COUNTED("values", EBB_CODEC_STRLIST, struct ebb_selector_req, values, n_values),
};
static const struct ebb__table selector_req_table =
    TABLE(selector_req_fields, struct ebb_selector_req, NULL);

static const struct ebb__field selector_fields[] = {
    F_COUNTED("matchLabels", EBB_CODEC_MAP, struct ebb_label_selector, match_labels,
              n_match_labels),
    F_LIST("matchExpressions", struct ebb_label_selector, match_expressions, n_match_expressions,
           selector_req_table),
};
static const struct ebb__table selector_table =
    TABLE(selector_fields, struct ebb_label_selector, NULL);

/* spec.metrics[i].resource: offsets from the anonymous struct. */
static const struct ebb__field resource_fields[] = {
    {.name = "name",
     .kind = EBB_CODEC_STRING,
     .off = SUBOFF(struct ebb_metric_spec, resource, name),
     .cnt = EBB_CODEC_NO_OFF,
     .set = EBB_CODEC_NO_OFF},
    {.name = "container",
     .kind = EBB_CODEC_STRING,
     .off = SUBOFF(struct ebb_metric_spec, resource, container),
     .cnt = EBB_CODEC_NO_OFF,
     .set = EBB_CODEC_NO_OFF},
};
static const struct ebb__table resource_table = TABLE(resource_fields, char, NULL);

/* pods.metric / external.metric: {name, selector}. The two anonymous
 * structs have one layout, so one table serves both. */
_Static_assert(SUBOFF(struct ebb_metric_spec, pods, metric_name) ==
                   SUBOFF(struct ebb_metric_spec, external, metric_name),
               "pods and external differ");
_Static_assert(SUBOFF(struct ebb_metric_spec, pods, selector) ==
                   SUBOFF(struct ebb_metric_spec, external, selector),
               "pods and external differ");

static const struct ebb__field metric_id_fields[] = {
    {.name = "name",
     .kind = EBB_CODEC_STRING,
     .off = SUBOFF(struct ebb_metric_spec, pods, metric_name),
     .cnt = EBB_CODEC_NO_OFF,
     .set = EBB_CODEC_NO_OFF},
    {.name = "selector",
     .kind = EBB_CODEC_OBJECT,
     .off = SUBOFF(struct ebb_metric_spec, pods, selector),
     .cnt = EBB_CODEC_NO_OFF,
     .set = SUBOFF(struct ebb_metric_spec, pods, selector.set),
     .sub = &selector_table},
};
static const struct ebb__table metric_id_table = TABLE(metric_id_fields, char, NULL);

static const struct ebb__field metric_source_fields[] = {
    {.name = "metric",
     .kind = EBB_CODEC_OBJECT,
     .off = 0,
     .cnt = EBB_CODEC_NO_OFF,
     .set = EBB_CODEC_NO_OFF,
     .sub = &metric_id_table,
     .flags = EBB_CODEC_OMIT_EMPTY},
};
static const struct ebb__table metric_source_table = TABLE(metric_source_fields, char, NULL);

static const struct ebb__field prometheus_fields[] = {
    {.name = "address",
     .kind = EBB_CODEC_STRING,
     .off = SUBOFF(struct ebb_metric_spec, prometheus, address),
     .cnt = EBB_CODEC_NO_OFF,
     .set = EBB_CODEC_NO_OFF},
    {.name = "query",
     .kind = EBB_CODEC_STRING,
     .off = SUBOFF(struct ebb_metric_spec, prometheus, query),
     .cnt = EBB_CODEC_NO_OFF,
     .set = EBB_CODEC_NO_OFF},
};
static const struct ebb__table prometheus_table = TABLE(prometheus_fields, char, NULL);

static const struct ebb__field target_fields[] = {
    F_ENUM("type", struct ebb_metric_target, type, target_type_enum, 0),
    F("averageUtilization", EBB_CODEC_INT32, struct ebb_metric_target, average_utilization),
    F("averageValue", EBB_CODEC_QUANTITY, struct ebb_metric_target, average_value),
    F("value", EBB_CODEC_QUANTITY, struct ebb_metric_target, value),
};
static const struct ebb__table target_table = TABLE(target_fields, struct ebb_metric_target, NULL);

static const struct ebb__field band_up_fields[] = {
    F("above", EBB_CODEC_QUANTITY, struct ebb_band, threshold),
    F("for", EBB_CODEC_DURATION, struct ebb_band, for_ms),
};
static const struct ebb__table band_up_table = TABLE(band_up_fields, struct ebb_band, NULL);

static const struct ebb__field band_down_fields[] = {
    F("below", EBB_CODEC_QUANTITY, struct ebb_band, threshold),
    F("for", EBB_CODEC_DURATION, struct ebb_band, for_ms),
};
static const struct ebb__table band_down_table = TABLE(band_down_fields, struct ebb_band, NULL);

static const struct ebb__field metric_fields[] = {
    F("name", EBB_CODEC_STRING, struct ebb_metric_spec, name),
    F_ENUM("type", struct ebb_metric_spec, type, metric_type_enum, 0),
    F_OBJ("resource", struct ebb_metric_spec, resource, resource.set, resource_table),
    F_OBJ("pods", struct ebb_metric_spec, pods, pods.set, metric_source_table),
    F_OBJ("external", struct ebb_metric_spec, external, external.set, metric_source_table),
    F_OBJ("prometheus", struct ebb_metric_spec, prometheus, prometheus.set, prometheus_table),
    F_OBJ_NOSET("target", struct ebb_metric_spec, target, target_table, EBB_CODEC_OMIT_EMPTY),
    F_OBJ("scaleUp", struct ebb_metric_spec, scale_up, scale_up.set, band_up_table),
    F_OBJ("scaleDown", struct ebb_metric_spec, scale_down, scale_down.set, band_down_table),
};
static const struct ebb__table metric_table =
    TABLE(metric_fields, struct ebb_metric_spec, init_metric);

static const struct ebb__field rate_fields[] = {
    F_ENUM("type", struct ebb_rate_policy, type, rate_type_enum, 0),
    F("value", EBB_CODEC_INT32, struct ebb_rate_policy, value),
    F_ALT("period", EBB_CODEC_DURATION, struct ebb_rate_policy, period_ms, "periodSeconds"),
    F_ALT("periodSeconds", EBB_CODEC_SECONDS, struct ebb_rate_policy, period_ms, "period"),
};
static const struct ebb__table rate_table = TABLE(rate_fields, struct ebb_rate_policy, init_rate);

static const struct ebb__field rules_fields[] = {
    F_ALT("stabilizationWindow", EBB_CODEC_DURATION, struct ebb_scaling_rules, stabilization_ms,
          "stabilizationWindowSeconds"),
    F_ALT("stabilizationWindowSeconds", EBB_CODEC_SECONDS, struct ebb_scaling_rules,
          stabilization_ms, "stabilizationWindow"),
    F("cooldown", EBB_CODEC_DURATION, struct ebb_scaling_rules, cooldown_ms),
    F_ENUM("selectPolicy", struct ebb_scaling_rules, select_policy, select_policy_enum, 0),
    {.name = "policies",
     .kind = EBB_CODEC_LIST,
     .off = offsetof(struct ebb_scaling_rules, policies),
     .cnt = offsetof(struct ebb_scaling_rules, n_policies),
     .set = offsetof(struct ebb_scaling_rules, policies_set),
     .sub = &rate_table},
    F("tolerance", EBB_CODEC_QUANTITY, struct ebb_scaling_rules, tolerance),
};
static const struct ebb__table rules_table = TABLE(rules_fields, struct ebb_scaling_rules, NULL);

static const struct ebb__field behavior_fields[] = {
    F("tolerance", EBB_CODEC_QUANTITY, struct ebb_behavior, tolerance),
    F_OBJ("scaleUp", struct ebb_behavior, scale_up, scale_up.set, rules_table),
    F_OBJ("scaleDown", struct ebb_behavior, scale_down, scale_down.set, rules_table),
};
static const struct ebb__table behavior_table = TABLE(behavior_fields, struct ebb_behavior, NULL);

static const struct ebb__field schedule_fields[] = {
    F("name", EBB_CODEC_STRING, struct ebb_schedule, name),
    F("cron", EBB_CODEC_STRING, struct ebb_schedule, cron),
    F("duration", EBB_CODEC_DURATION, struct ebb_schedule, duration_ms),
    F("timeZone", EBB_CODEC_STRING, struct ebb_schedule, time_zone),
    F("start", EBB_CODEC_TIME, struct ebb_schedule, start_ms),
    F("end", EBB_CODEC_TIME, struct ebb_schedule, end_ms),
    F("minReplicas", EBB_CODEC_INT32, struct ebb_schedule, min_replicas),
    F("maxReplicas", EBB_CODEC_INT32, struct ebb_schedule, max_replicas),
};
static const struct ebb__table schedule_table =
    TABLE(schedule_fields, struct ebb_schedule, init_schedule);

static const struct ebb__field channel_ports_fields[] = {
    F("pool", EBB_CODEC_STRING, struct ebb_channel_ports, pool),
    F("base", EBB_CODEC_INT32, struct ebb_channel_ports, base),
    F("rangeSize", EBB_CODEC_INT32, struct ebb_channel_ports, range_size),
    F("limit", EBB_CODEC_INT32, struct ebb_channel_ports, limit),
};
static const struct ebb__table channel_ports_table =
    TABLE(channel_ports_fields, struct ebb_channel_ports, NULL);

static const struct ebb__field spec_fields[] = {
    F_OBJ_NOSET("targetRef", struct ebb_policy_spec, target_ref, target_ref_table,
                EBB_CODEC_OMIT_EMPTY),
    F("minReplicas", EBB_CODEC_INT32, struct ebb_policy_spec, min_replicas),
    F("maxReplicas", EBB_CODEC_INT32, struct ebb_policy_spec, max_replicas),
    F("paused", EBB_CODEC_BOOL, struct ebb_policy_spec, paused),
    F("syncPeriod", EBB_CODEC_DURATION, struct ebb_policy_spec, sync_period_ms),
    F_LIST("metrics", struct ebb_policy_spec, metrics, n_metrics, metric_table),
    F_OBJ("behavior", struct ebb_policy_spec, behavior, behavior.set, behavior_table),
    F_LIST("schedules", struct ebb_policy_spec, schedules, n_schedules, schedule_table),
    F_OBJ("channelPorts", struct ebb_policy_spec, channel_ports, channel_ports.set,
          channel_ports_table),
};
static const struct ebb__table spec_table = TABLE(spec_fields, struct ebb_policy_spec, NULL);

static const struct ebb__field metric_status_fields[] = {
    F("name", EBB_CODEC_STRING, struct ebb_metric_status, name),
    F("value", EBB_CODEC_QUANTITY, struct ebb_metric_status, value),
    F("target", EBB_CODEC_QUANTITY, struct ebb_metric_status, target),
    F("proposal", EBB_CODEC_INT32, struct ebb_metric_status, proposal),
    F("aboveSince", EBB_CODEC_TIME, struct ebb_metric_status, above_since_ms),
    F("belowSince", EBB_CODEC_TIME, struct ebb_metric_status, below_since_ms),
};
static const struct ebb__table metric_status_table =
    TABLE(metric_status_fields, struct ebb_metric_status, init_metric_status);

static const struct ebb__field recommendation_fields[] = {
    F("time", EBB_CODEC_TIME, struct ebb_recommendation, time_ms),
    F("replicas", EBB_CODEC_INT32, struct ebb_recommendation, replicas),
};
static const struct ebb__table recommendation_table =
    TABLE(recommendation_fields, struct ebb_recommendation, init_recommendation);

static const struct ebb__field scale_event_fields[] = {
    F("time", EBB_CODEC_TIME, struct ebb_scale_event, time_ms),
    F("from", EBB_CODEC_INT32, struct ebb_scale_event, from),
    F("to", EBB_CODEC_INT32, struct ebb_scale_event, to),
};
static const struct ebb__table scale_event_table =
    TABLE(scale_event_fields, struct ebb_scale_event, init_scale_event);

static const struct ebb__field port_assignment_fields[] = {
    F("slot", EBB_CODEC_INT32, struct ebb_port_assignment, slot),
    F("pod", EBB_CODEC_STRING, struct ebb_port_assignment, pod),
    {.name = "range",
     .kind = EBB_CODEC_RANGE,
     .off = offsetof(struct ebb_port_assignment, first),
     .cnt = offsetof(struct ebb_port_assignment, last),
     .set = EBB_CODEC_NO_OFF},
};
static const struct ebb__table port_assignment_table =
    TABLE(port_assignment_fields, struct ebb_port_assignment, init_port_assignment);

static const struct ebb__field condition_fields[] = {
    F("type", EBB_CODEC_STRING, struct ebb_condition, type),
    F_ENUM("status", struct ebb_condition, status, condition_status_enum, EBB_CODEC_ALWAYS),
    F("reason", EBB_CODEC_STRING, struct ebb_condition, reason),
    F("message", EBB_CODEC_STRING, struct ebb_condition, message),
    F("lastTransitionTime", EBB_CODEC_TIME, struct ebb_condition, last_transition_ms),
};
static const struct ebb__table condition_table =
    TABLE(condition_fields, struct ebb_condition, init_condition);

static const struct ebb__field status_fields[] = {
    F("observedGeneration", EBB_CODEC_INT64, struct ebb_policy_status, observed_generation),
    F("currentReplicas", EBB_CODEC_INT32, struct ebb_policy_status, current_replicas),
    F("desiredReplicas", EBB_CODEC_INT32, struct ebb_policy_status, desired_replicas),
    F("lastScaleTime", EBB_CODEC_TIME, struct ebb_policy_status, last_scale_ms),
    F("lastScaleUpTime", EBB_CODEC_TIME, struct ebb_policy_status, last_scale_up_ms),
    F("lastScaleDownTime", EBB_CODEC_TIME, struct ebb_policy_status, last_scale_down_ms),
    F_LIST("currentMetrics", struct ebb_policy_status, current_metrics, n_current_metrics,
           metric_status_table),
    F_LIST("recommendations", struct ebb_policy_status, recommendations, n_recommendations,
           recommendation_table),
    F_LIST("scaleEvents", struct ebb_policy_status, scale_events, n_scale_events,
           scale_event_table),
    F("activeSchedule", EBB_CODEC_STRING, struct ebb_policy_status, active_schedule),
    F_LIST("channelPorts", struct ebb_policy_status, channel_ports, n_channel_ports,
           port_assignment_table),
    F_LIST("conditions", struct ebb_policy_status, conditions, n_conditions, condition_table),
};
const struct ebb__table ebb__status_table = TABLE(status_fields, struct ebb_policy_status, NULL);

static const struct ebb__field top_fields[] = {
    F("apiVersion", EBB_CODEC_STRING, struct ebb_policy, api_version),
    F("kind", EBB_CODEC_STRING, struct ebb_policy, kind),
    F_OBJ_NOSET("metadata", struct ebb_policy, metadata, meta_table, 0),
    F_OBJ_NOSET("spec", struct ebb_policy, spec, spec_table, 0),
    F_OBJ_NOSET("status", struct ebb_policy, status, ebb__status_table, EBB_CODEC_OMIT_EMPTY),
};
const struct ebb__table ebb__top_table = TABLE(top_fields, struct ebb_policy, NULL);
