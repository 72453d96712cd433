/* decide_input.c -- the JSON input of `ebb decide` into the core's input. EDGE.
 *
 * Outside input: every field is checked, unknown fields are errors, and
 * every problem is reported with its path (tests/fuzz/decide_fuzz.c feeds
 * it random bytes).
 */
#include "decide_input.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../../pkg/api/v1alpha1/codec.h"
#include "../../pkg/api/v1alpha1/defaults.h"
#include "../../pkg/api/v1alpha1/duration.h"
#include "../../pkg/api/v1alpha1/quantity.h"
#include "../../pkg/api/v1alpha1/validate.h"
#include "../../pkg/base/rfc3339.h"
#include "tzload.h"

void ebb_decide_input_init(struct ebb_decide_input *in)
{
    memset(in, 0, sizeof(*in));
    ebb_policy_init(&in->policy);
}

void ebb_decide_input_release(struct ebb_decide_input *in)
{
    ebb_policy_release(&in->policy);
    for (size_t i = 0; in->pods != NULL && i < in->n_pods; i++)
        free((char *)in->pods[i].name);
    free(in->pods);
    free(in->samples);
    for (size_t i = 0; i < EBB_MAX_METRICS; i++)
        free(in->obs_errors[i]);
    for (size_t i = 0; i < EBB_MAX_SCHEDULES; i++)
        ebb_tz_free(in->tzs[i]);
}

/* Rejects members of obj not named in allowed (NULL-terminated); hint, when
 * not NULL, says what belongs there instead. */
static void check_fields(const cJSON *obj, const char *path, const char *const *allowed,
                         const char *hint, struct ebb_errlist *errs)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], it->string) != 0)
            i++;
        if (allowed[i] == NULL) {
            char p[256];
            snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", it->string);
            ebb_errlist_add(errs, p, "unknown field \"%s\"%s%s", it->string, hint ? ": " : "",
                            hint ? hint : "");
        }
    }
}

static const char *json_type_name(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "array";
    return "object";
}

static bool get_time(const cJSON *obj, const char *key, const char *path, int64_t *out,
                     struct ebb_errlist *errs)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return false;
    char p[256];
    snprintf(p, sizeof(p), "%s.%s", path, key);
    if (!cJSON_IsString(v) || ebb_rfc3339_parse(v->valuestring, out) != EBB_OK) {
        ebb_errlist_add(errs, p, "must be an RFC 3339 time like \"2026-11-27T10:00:00Z\"");
        return false;
    }
    return true;
}

static bool get_int32(const cJSON *obj, const char *key, const char *path, int32_t min,
                      int32_t *out, struct ebb_errlist *errs)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return false;
    char p[256];
    snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", key);
    if (!cJSON_IsNumber(v)) {
        ebb_errlist_add(errs, p, "must be an integer between %d and %d, got %s", (int)min,
                        (int)INT32_MAX, json_type_name(v));
        return false;
    }
    double d = v->valuedouble;
    if (d != floor(d) || d < min || d > (double)INT32_MAX) {
        ebb_errlist_add(errs, p, "must be an integer between %d and %d, got %.17g", (int)min,
                        (int)INT32_MAX, d);
        return false;
    }
    *out = (int32_t)d;
    return true;
}

static bool get_bool(const cJSON *obj, const char *key, const char *path, bool *out,
                     struct ebb_errlist *errs)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return false;
    if (!cJSON_IsBool(v)) {
        char p[256];
        snprintf(p, sizeof(p), "%s.%s", path, key);
        ebb_errlist_add(errs, p, "must be true or false, got %s", json_type_name(v));
        return false;
    }
    *out = cJSON_IsTrue(v);
    return true;
}

/* A quantity given as a JSON number or a quantity string, in milli. */
static bool get_quantity(const cJSON *obj, const char *key, const char *path, int64_t *milli,
                         struct ebb_errlist *errs)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return false;
    char p[256], msg[200];
    snprintf(p, sizeof(p), "%s.%s", path, key);
    if (cJSON_IsNumber(v)) {
        if (!(fabs(v->valuedouble) < 9e15)) {
            ebb_errlist_add(errs, p, "number out of range");
            return false;
        }
        *milli = (int64_t)ceil(v->valuedouble * 1000.0 - 1e-9);
        return true;
    }
    if (!cJSON_IsString(v)) {
        ebb_errlist_add(errs, p, "must be a quantity (\"250m\", 0.5, \"2Gi\"), got %s",
                        json_type_name(v));
        return false;
    }
    if (ebb_quantity_parse(v->valuestring, milli, msg, sizeof(msg)) != EBB_OK) {
        ebb_errlist_add(errs, p, "%s", msg);
        return false;
    }
    return true;
}

/* get_quantity(), and the quantity must not be negative. */
static bool get_quantity_nonneg(const cJSON *obj, const char *key, const char *path, int64_t *milli,
                                struct ebb_errlist *errs)
{
    int64_t v = 0;
    if (!get_quantity(obj, key, path, &v, errs))
        return false;
    if (v < 0) {
        char p[256];
        snprintf(p, sizeof(p), "%s.%s", path, key);
        ebb_errlist_add(errs, p, "must be greater than or equal to 0");
        return false;
    }
    *milli = v;
    return true;
}

static bool get_duration(const cJSON *obj, const char *key, const char *path, int64_t *ms,
                         struct ebb_errlist *errs)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return false;
    char p[256], msg[200];
    snprintf(p, sizeof(p), "%s.%s", path, key);
    if (!cJSON_IsString(v)) {
        ebb_errlist_add(errs, p, "must be a duration like \"30s\", got %s", json_type_name(v));
        return false;
    }
    if (ebb_duration_parse(v->valuestring, ms, msg, sizeof(msg)) != EBB_OK) {
        ebb_errlist_add(errs, p, "%s", msg);
        return false;
    }
    return true;
}

static const char *const phase_names[] = {"Pending", "Running", "Succeeded", "Failed", "Unknown"};
_Static_assert(sizeof(phase_names) / sizeof(*phase_names) == EBB_POD_PHASE__COUNT, "");

static void parse_pods(const cJSON *arr, struct ebb_decide_input *in, struct ebb_errlist *errs)
{
    static const char *const fields[] = {"name",      "phase",    "ready", "readyTransitionTime",
                                         "startTime", "deleting", NULL};
    if (arr == NULL)
        return;
    if (!cJSON_IsArray(arr)) {
        ebb_errlist_add(errs, "pods", "must be an array of pods");
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(arr);
    in->pods = calloc(n ? n : 1, sizeof(*in->pods));
    if (in->pods == NULL) {
        ebb_errlist_add(errs, "pods", "out of memory");
        return;
    }
    in->n_pods = n;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char path[64];
        struct ebb_pod *pod = &in->pods[i];
        snprintf(path, sizeof(path), "pods[%zu]", i++);
        pod->phase = EBB_POD_RUNNING;
        pod->start_ms = EBB_TIME_UNSET;
        pod->ready_transition_ms = EBB_TIME_UNSET;
        if (!cJSON_IsObject(it)) {
            ebb_errlist_add(errs, path, "must be an object");
            continue;
        }
        check_fields(it, path, fields, NULL, errs);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
            char p[80];
            snprintf(p, sizeof(p), "%s.name", path);
            ebb_errlist_add(errs, p, "Required value");
        } else {
            for (size_t j = 0; j + 1 < i; j++) {
                if (in->pods[j].name != NULL && strcmp(in->pods[j].name, name->valuestring) == 0) {
                    char p[80];
                    snprintf(p, sizeof(p), "%s.name", path);
                    ebb_errlist_add(errs, p, "Duplicate value: \"%.64s\" (also pods[%zu])",
                                    name->valuestring, j);
                    break;
                }
            }
            pod->name = strdup(name->valuestring); /* the JSON tree dies after parsing */
            if (pod->name == NULL)
                ebb_errlist_add(errs, path, "out of memory");
        }
        const cJSON *phase = cJSON_GetObjectItemCaseSensitive(it, "phase");
        if (phase != NULL) {
            int k = -1;
            for (int j = 0; cJSON_IsString(phase) && j < EBB_POD_PHASE__COUNT; j++)
                if (strcmp(phase_names[j], phase->valuestring) == 0)
                    k = j;
            if (k < 0) {
                char p[80];
                snprintf(p, sizeof(p), "%s.phase", path);
                ebb_errlist_add(errs, p,
                                "Unsupported value: supported values: \"Pending\", \"Running\", "
                                "\"Succeeded\", \"Failed\", \"Unknown\"");
            } else {
                pod->phase = (enum ebb_pod_phase)k;
            }
        }
        if (get_bool(it, "ready", path, &pod->ready, errs))
            pod->has_ready_condition = true;
        get_bool(it, "deleting", path, &pod->deleting, errs);
        get_time(it, "readyTransitionTime", path, &pod->ready_transition_ms, errs);
        get_time(it, "startTime", path, &pod->start_ms, errs);
    }
}

static ssize_t pod_index(const struct ebb_decide_input *in, const char *name)
{
    for (size_t i = 0; i < in->n_pods; i++)
        if (in->pods[i].name && strcmp(in->pods[i].name, name) == 0)
            return (ssize_t)i;
    return -1;
}

static bool parse_value(const cJSON *v, const char *path, double *out, struct ebb_errlist *errs)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return true;
    }
    if (cJSON_IsString(v)) {
        /* Strings carry what JSON numbers cannot: "NaN", "+Inf", or a quantity. */
        char *end = NULL;
        double d = strtod(v->valuestring, &end);
        if (end != v->valuestring && *end == '\0') {
            *out = d;
            return true;
        }
        int64_t milli;
        char msg[200];
        if (ebb_quantity_parse(v->valuestring, &milli, msg, sizeof(msg)) == EBB_OK) {
            *out = (double)milli / 1000.0;
            return true;
        }
        ebb_errlist_add(errs, path, "%s", msg);
        return false;
    }
    ebb_errlist_add(errs, path, "must be a number or a quantity string, got %s", json_type_name(v));
    return false;
}

static void parse_samples(const cJSON *pods, const char *path, const struct ebb_metric_spec *ms,
                          struct ebb_decide_input *in, struct ebb_pod_sample *row,
                          struct ebb_errlist *errs)
{
    static const char *const resource_fields[] = {"usage", "request", "timestamp", "window", NULL};
    static const char *const pods_fields[] = {"value", "timestamp", "window", NULL};
    bool resource = ms->type == EBB_METRIC_RESOURCE;
    const cJSON *it;
    if (!cJSON_IsObject(pods)) {
        ebb_errlist_add(errs, path, "must be an object keyed by pod name");
        return;
    }
    cJSON_ArrayForEach(it, pods)
    {
        char p[256];
        snprintf(p, sizeof(p), "%s.%s", path, it->string);
        ssize_t k = pod_index(in, it->string);
        if (k < 0) {
            ebb_errlist_add(errs, p, "no pod of that name in \"pods\"");
            continue;
        }
        if (!cJSON_IsObject(it)) {
            ebb_errlist_add(errs, p, "must be an object");
            continue;
        }
        check_fields(it, p, resource ? resource_fields : pods_fields,
                     resource ? "a Resource metric's samples take usage and request"
                              : "a Pods metric's samples take value",
                     errs);
        struct ebb_pod_sample *s = &row[k];
        s->present = true;
        s->timestamp_ms = in->now_ms;
        s->window_ms = 30000;
        const char *vkey = resource ? "usage" : "value";
        if (!get_quantity_nonneg(it, vkey, p, &s->value_milli, errs)) {
            if (cJSON_GetObjectItemCaseSensitive(it, vkey) == NULL) {
                char q[300];
                snprintf(q, sizeof(q), "%s.%s", p, vkey);
                ebb_errlist_add(errs, q, "Required value");
            }
        }
        if (resource)
            get_quantity_nonneg(it, "request", p, &s->request_milli, errs);
        get_time(it, "timestamp", p, &s->timestamp_ms, errs);
        get_duration(it, "window", p, &s->window_ms, errs);
    }
}

static void parse_metrics(const cJSON *obj, struct ebb_decide_input *in, struct ebb_errlist *errs)
{
    static const char *const per_pod_fields[] = {"error", "pods", NULL};
    static const char *const whole_fields[] = {"error", "value", NULL};
    const struct ebb_policy_spec *spec = &in->policy.spec;
    size_t nm = spec->n_metrics;

    in->samples = calloc((nm ? nm : 1) * (in->n_pods ? in->n_pods : 1), sizeof(*in->samples));
    if (in->samples == NULL) {
        ebb_errlist_add(errs, "metrics", "out of memory");
        return;
    }
    if (obj != NULL && !cJSON_IsObject(obj)) {
        ebb_errlist_add(errs, "metrics", "must be an object keyed by metric name");
        return;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        size_t k = 0;
        while (k < nm && strcmp(spec->metrics[k].name, it->string) != 0)
            k++;
        if (k == nm) {
            char p[256];
            snprintf(p, sizeof(p), "metrics.%s", it->string);
            ebb_errlist_add(errs, p, "no metric of that name in spec.metrics");
        }
    }
    for (size_t k = 0; k < nm && k < EBB_MAX_METRICS; k++) {
        const struct ebb_metric_spec *ms = &spec->metrics[k];
        struct ebb_metric_obs *o = &in->obs[k];
        struct ebb_pod_sample *row = &in->samples[k * in->n_pods];
        char path[256];
        snprintf(path, sizeof(path), "metrics.%s", ms->name);
        o->samples = row;
        const cJSON *m = obj ? cJSON_GetObjectItemCaseSensitive(obj, ms->name) : NULL;
        if (m == NULL) {
            o->error = "no observation in the input";
            continue;
        }
        if (!cJSON_IsObject(m)) {
            ebb_errlist_add(errs, path, "must be an object");
            continue;
        }
        bool per_pod = ms->type == EBB_METRIC_RESOURCE || ms->type == EBB_METRIC_PODS;
        char hint[96];
        const char *tname = ebb_metric_type_name(ms->type);
        const char *article = tname[0] == 'E' ? "an" : "a"; /* an External */
        if (per_pod)
            snprintf(hint, sizeof(hint), "a %s metric takes per-pod samples in \"pods\"", tname);
        else
            snprintf(hint, sizeof(hint), "%s %s metric takes one \"value\"", article, tname);
        check_fields(m, path, per_pod ? per_pod_fields : whole_fields, hint, errs);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "error");
        if (e != NULL) {
            if (!cJSON_IsString(e)) {
                ebb_errlist_add(errs, path, "error must be a string");
                continue;
            }
            in->obs_errors[k] = strdup(e->valuestring);
            o->error = in->obs_errors[k] ? in->obs_errors[k] : "unreadable";
            continue;
        }
        const cJSON *pods = cJSON_GetObjectItemCaseSensitive(m, "pods");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(m, "value");
        if (per_pod) {
            char p[300];
            snprintf(p, sizeof(p), "%s.pods", path);
            if (pods == NULL)
                ebb_errlist_add(errs, p, "Required value: a %s metric needs per-pod samples",
                                ebb_metric_type_name(ms->type));
            else
                parse_samples(pods, p, ms, in, row, errs);
        } else {
            char p[300];
            snprintf(p, sizeof(p), "%s.value", path);
            if (value == NULL)
                ebb_errlist_add(errs, p, "Required value: a %s metric needs a value",
                                ebb_metric_type_name(ms->type));
            else
                parse_value(value, p, &o->value, errs);
        }
    }
}

static void parse_config(const cJSON *c, struct ebb_scale_config *cfg, struct ebb_errlist *errs)
{
    static const char *const fields[] = {"cpuInitializationPeriod",
                                         "initialReadinessDelay",
                                         "downscaleStabilization",
                                         "tolerance",
                                         "syncPeriod",
                                         NULL};
    if (c == NULL)
        return;
    if (!cJSON_IsObject(c)) {
        ebb_errlist_add(errs, "config", "must be an object");
        return;
    }
    check_fields(c, "config", fields, NULL, errs);
    get_duration(c, "cpuInitializationPeriod", "config", &cfg->cpu_initialization_period_ms, errs);
    get_duration(c, "initialReadinessDelay", "config", &cfg->initial_readiness_delay_ms, errs);
    get_duration(c, "downscaleStabilization", "config", &cfg->downscale_stabilization_ms, errs);
    get_duration(c, "syncPeriod", "config", &cfg->sync_period_ms, errs);
    get_quantity_nonneg(c, "tolerance", "config", &cfg->tolerance_milli, errs);
}

static void load_zones(struct ebb_decide_input *in, struct ebb_errlist *errs)
{
    const struct ebb_policy_spec *spec = &in->policy.spec;
    for (size_t i = 0; i < spec->n_schedules && i < EBB_MAX_SCHEDULES; i++) {
        const char *z = spec->schedules[i].time_zone;
        if (z == NULL || z[0] == '\0')
            continue;
        char msg[256], path[80];
        if (ebb_tz_load(z, &in->tzs[i], msg, sizeof(msg)) != EBB_OK) {
            snprintf(path, sizeof(path), "policy.spec.schedules[%zu].timeZone", i);
            ebb_errlist_add(errs, path, "%s", msg);
        }
    }
}

/* True when path is base or lies under it (base.x, base[i]); "" covers
 * every path. */
static bool path_under(const char *path, const char *base)
{
    size_t n = strlen(base);
    return n == 0 ||
           (strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '.' || path[n] == '['));
}

/* Appends src's errors to dst with "policy." in front, leaving out those at
 * or under a path of skip (NULL: none): a field the codec could not read
 * gets its decode error, not a second "Required value" from validation. */
static void add_policy_errors(struct ebb_errlist *dst, const struct ebb_errlist *src,
                              const struct ebb_errlist *skip)
{
    for (size_t i = 0; i < src->n; i++) {
        const struct ebb_field_error *e = &src->items[i];
        bool covered = false;
        for (size_t j = 0; skip != NULL && j < skip->n && !covered; j++)
            covered = path_under(e->path, skip->items[j].path);
        if (covered)
            continue;
        char p[300];
        snprintf(p, sizeof(p), "policy%s%s", e->path[0] ? "." : "", e->path);
        ebb_errlist_add(dst, p, "%s", e->message);
    }
    if (src->truncated)
        dst->truncated = true;
}

/* apiVersion and kind must name a ScalingPolicy, as `ebb validate` wants. */
static void check_type_meta(const char *field, const char *got, const char *want,
                            struct ebb_errlist *errs)
{
    if (got == NULL || got[0] == '\0')
        ebb_errlist_add(errs, field, "Required value: \"%s\"", want);
    else if (strcmp(got, want) != 0)
        ebb_errlist_add(errs, field, "Unsupported value: \"%.64s\": supported values: \"%s\"", got,
                        want);
}

/* Decodes the policy subtree with the same codec as `ebb validate`, then
 * defaults and validates what was decoded even when the codec found
 * problems: one bad field must not hide the others. */
static void parse_policy(const cJSON *pj, struct ebb_decide_input *in, struct ebb_errlist *errs)
{
    struct ebb_errlist derrs = EBB_ERRLIST_INIT; /* the codec's */
    struct ebb_errlist verrs = EBB_ERRLIST_INIT; /* validation's */
    char *text = NULL;
    if (!cJSON_IsObject(pj)) {
        ebb_errlist_add(errs, "policy", pj ? "must be an object" : "Required value");
        return;
    }
    text = cJSON_PrintUnformatted(pj);
    if (text == NULL) {
        ebb_errlist_add(errs, "policy", "out of memory");
        return;
    }
    enum ebb_rc rc = ebb_policy_from_json(&in->policy, text, strlen(text), &derrs);
    if (rc == EBB_OK || rc == EBB_ERR_INVALID) {
        check_type_meta("apiVersion", in->policy.api_version, EBB_API_VERSION, &verrs);
        check_type_meta("kind", in->policy.kind, EBB_KIND, &verrs);
        if (ebb_policy_defaults(&in->policy) != EBB_OK)
            ebb_errlist_add(errs, "policy", "out of memory");
        else
            ebb_policy_validate(&in->policy, &verrs);
    }
    add_policy_errors(errs, &derrs, NULL);
    add_policy_errors(errs, &verrs, &derrs);
    if (rc != EBB_OK && derrs.n == 0)
        ebb_errlist_add(errs, "policy", "%s", ebb_rc_str(rc));
    ebb_errlist_release(&derrs);
    ebb_errlist_release(&verrs);
    cJSON_free(text);
}

static void parse_input(const cJSON *root, struct ebb_decide_input *in, struct ebb_errlist *errs)
{
    static const char *const fields[] = {"now",     "policy", "target",       "pods",
                                         "metrics", "config", "portCapacity", NULL};
    static const char *const target_fields[] = {"replicas", "statusReplicas", NULL};

    if (!cJSON_IsObject(root)) {
        ebb_errlist_add(errs, "", "the input must be a JSON object");
        return;
    }
    check_fields(root, "", fields, NULL, errs);
    if (!get_time(root, "now", "", &in->now_ms, errs) &&
        cJSON_GetObjectItemCaseSensitive(root, "now") == NULL)
        ebb_errlist_add(errs, "now", "Required value: the time of the decision (RFC 3339)");

    parse_policy(cJSON_GetObjectItemCaseSensitive(root, "policy"), in, errs);

    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "target");
    if (!cJSON_IsObject(t)) {
        ebb_errlist_add(errs, "target", "Required value: {\"replicas\": N}");
    } else {
        check_fields(t, "target", target_fields, NULL, errs);
        if (!get_int32(t, "replicas", "target", 0, &in->current, errs) &&
            cJSON_GetObjectItemCaseSensitive(t, "replicas") == NULL)
            ebb_errlist_add(errs, "target.replicas", "Required value");
        in->status_replicas = in->current;
        get_int32(t, "statusReplicas", "target", 0, &in->status_replicas, errs);
    }
    in->port_capacity = EBB_UNSET;
    get_int32(root, "portCapacity", "", 0, &in->port_capacity, errs);
    ebb_scale_config_default(&in->config);
    parse_config(cJSON_GetObjectItemCaseSensitive(root, "config"), &in->config, errs);

    parse_pods(cJSON_GetObjectItemCaseSensitive(root, "pods"), in, errs);
    if (ebb_errlist_any(errs))
        return; /* metrics refer to the policy and the pods: both must be sound */
    /* No portCapacity: the policy's whole pool is free for it. */
    const struct ebb_channel_ports *cp = &in->policy.spec.channel_ports;
    if (in->port_capacity == EBB_UNSET && cp->set && cp->range_size > 0)
        in->port_capacity = (int32_t)(((int64_t)cp->limit - cp->base + 1) / cp->range_size);
    parse_metrics(cJSON_GetObjectItemCaseSensitive(root, "metrics"), in, errs);
    load_zones(in, errs);
    ebb_history_from_status(&in->policy.spec, &in->policy.status, &in->history);
}

enum ebb_rc ebb_decide_input_parse(struct ebb_decide_input *in, const char *text, size_t len,
                                   struct ebb_errlist *errs)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : len;
        ebb_errlist_add(errs, "", "the input is not JSON (near byte %zu)", off);
        return EBB_ERR_PARSE;
    }
    parse_input(root, in, errs);
    cJSON_Delete(root);
    return ebb_errlist_any(errs) ? EBB_ERR_INVALID : EBB_OK;
}

void ebb_decide_input_scale(const struct ebb_decide_input *in, struct ebb_scale_input *out)
{
    *out = (struct ebb_scale_input){
        .spec = &in->policy.spec,
        .paused = ebb_policy_is_paused(&in->policy),
        .current_replicas = in->current,
        .status_replicas = in->status_replicas,
        .pods = in->pods,
        .n_pods = in->n_pods,
        .metrics = in->obs,
        .history = &in->history,
        .schedule_tz = (const struct ebb_tz *const *)in->tzs,
        .port_capacity = in->port_capacity,
        .config = &in->config,
        .now_ms = in->now_ms,
    };
}
