/*
 * kubesim: Events. The real server stores one shape (core/v1) and
 * serves it through two APIs; events.k8s.io/v1 renames fields
 * (fixtures 93/94). Validation follows
 * pkg/apis/core/validation/events.go: the legacy rules for everything,
 * the strict ones only for events.k8s.io (92: eventTime first).
 */
#include "builtins.h"

#include <stdio.h>
#include <string.h>

/* core name, events.k8s.io/v1 name */
static const char *const renames[][2] = {
    {"eventTime", "eventTime"},
    {"series", "series"},
    {"reportingComponent", "reportingController"},
    {"reportingInstance", "reportingInstance"},
    {"action", "action"},
    {"reason", "reason"},
    {"involvedObject", "regarding"},
    {"related", "related"},
    {"message", "note"},
    {"type", "type"},
    {"source", "deprecatedSource"},
    {"firstTimestamp", "deprecatedFirstTimestamp"},
    {"lastTimestamp", "deprecatedLastTimestamp"},
    {"count", "deprecatedCount"},
};

#define N_RENAMES (sizeof(renames) / sizeof(renames[0]))

static void add_if_missing(cJSON *obj, const char *key, cJSON *val)
{
    if (!val)
        return;
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_Delete(val);
    else
        cJSON_AddItemToObject(obj, key, val);
}

/* The fields Go writes even when empty. */
static void fill_core(cJSON *ev)
{
    add_if_missing(ev, "involvedObject", cJSON_CreateObject());
    add_if_missing(ev, "source", cJSON_CreateObject());
    add_if_missing(ev, "firstTimestamp", cJSON_CreateNull());
    add_if_missing(ev, "lastTimestamp", cJSON_CreateNull());
    add_if_missing(ev, "eventTime", cJSON_CreateNull());
    add_if_missing(ev, "reportingComponent", cJSON_CreateString(""));
    add_if_missing(ev, "reportingInstance", cJSON_CreateString(""));
}

static void fill_v1(cJSON *ev)
{
    add_if_missing(ev, "eventTime", cJSON_CreateNull());
    add_if_missing(ev, "regarding", cJSON_CreateObject());
    add_if_missing(ev, "deprecatedSource", cJSON_CreateObject());
    add_if_missing(ev, "deprecatedFirstTimestamp", cJSON_CreateNull());
    add_if_missing(ev, "deprecatedLastTimestamp", cJSON_CreateNull());
}

/* omitempty fields that hold their zero value are dropped */
static void drop_empty(cJSON *ev, const char *const *keys)
{
    for (; *keys; keys++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, *keys);
        if (v && (cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring) ||
                  (cJSON_IsNumber(v) && v->valuedouble == 0)))
            cJSON_DeleteItemFromObjectCaseSensitive(ev, *keys);
    }
}

static cJSON *convert(const cJSON *in, int from, const char *api_version, bool to_v1)
{
    cJSON *out;
    const cJSON *it;

    if (!cJSON_IsObject(in))
        return NULL;
    out = cJSON_CreateObject();
    if (!out)
        return NULL;
    cJSON_ArrayForEach(it, in)
    {
        const char *key = it->string;
        cJSON *dup;
        if (strcmp(key, "apiVersion") == 0) {
            cJSON_AddStringToObject(out, "apiVersion", api_version);
            continue;
        }
        for (size_t i = 0; i < N_RENAMES; i++) {
            if (strcmp(key, renames[i][from]) == 0) {
                key = renames[i][!from];
                break;
            }
        }
        if (cJSON_GetObjectItemCaseSensitive(out, key))
            continue; /* a name used by both shapes, seen twice */
        dup = cJSON_Duplicate(it, true);
        if (!dup) {
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_AddItemToObject(out, key, dup);
    }
    if (to_v1) {
        static const char *const omit[] = {"reportingController",
                                           "reportingInstance",
                                           "action",
                                           "reason",
                                           "note",
                                           "type",
                                           "deprecatedCount",
                                           NULL};
        drop_empty(out, omit);
        fill_v1(out);
        ks_bi_order("EventV1", out);
    } else {
        static const char *const omit[] = {"reason", "message", "type", "count", "action", NULL};
        drop_empty(out, omit);
        fill_core(out);
        ks_bi_order("Event", out);
    }
    return out;
}

cJSON *ks_event_core_to_v1(const cJSON *core)
{
    return convert(core, 0, "events.k8s.io/v1", true);
}

cJSON *ks_event_v1_to_core(const cJSON *ev)
{
    return convert(ev, 1, "v1", false);
}

void ks_bi_event_default(cJSON *obj, bool v1_view)
{
    if (v1_view)
        fill_v1(obj);
    else
        fill_core(obj);
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static bool time_set(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);

    return cJSON_IsString(v) && *v->valuestring;
}

static size_t str_len(const cJSON *ev, const char *key)
{
    const char *s = ks_json_str(ev, key);

    return s ? strlen(s) : 0;
}

static void too_long(struct ks_causes *c, const cJSON *ev, const char *key, const char *field,
                     size_t limit)
{
    char msg[64];

    if (str_len(ev, key) > limit) {
        snprintf(msg, sizeof(msg), "can have at most %zu characters", limit);
        ks_bi_invalid_str(c, field, "", msg);
    }
}

/* legacyValidateEvent on the core shape */
static void legacy(struct ks_causes *c, const cJSON *ev, bool v1_api)
{
    const char *ns = ks_json_str(ev, "metadata.namespace");
    const char *ions = ks_json_str(ev, "involvedObject.namespace");
    const char *rc_field = v1_api ? "reportingController" : "reportingComponent";

    ns = ns ? ns : "";
    ions = ions ? ions : "";
    if (!time_set(ev, "eventTime")) {
        if (!*ions) {
            if (*ns && strcmp(ns, "default") != 0)
                ks_bi_invalid_str(c, "involvedObject.namespace", ions,
                                  "does not match event.namespace");
        } else if (strcmp(ns, ions) != 0) {
            ks_bi_invalid_str(c, "involvedObject.namespace", ions,
                              "does not match event.namespace");
        }
    } else {
        const char *rcv = ks_json_str(ev, "reportingComponent");
        if (!*ions && strcmp(ns, "default") != 0 && strcmp(ns, "kube-system") != 0)
            ks_bi_invalid_str(c, "involvedObject.namespace", ions,
                              "does not match event.namespace");
        if (!rcv || !*rcv)
            ks_bi_required(c, rc_field, "");
        ks_bi_validate_qualified_name(c, rc_field, rcv ? rcv : "");
        if (!str_len(ev, "reportingInstance"))
            ks_bi_required(c, "reportingInstance", "");
        too_long(c, ev, "reportingInstance", "reportingInstance", 128);
        if (!str_len(ev, "action"))
            ks_bi_required(c, "action", "");
        too_long(c, ev, "action", "action", 128);
        if (!str_len(ev, "reason"))
            ks_bi_required(c, "reason", "");
        too_long(c, ev, "reason", "reason", 128);
        too_long(c, ev, "message", "message", 1024);
    }
    struct ks_bi_msgs m;
    ks_bi_name_msgs(KS_BI_SUBDOMAIN, ns, false, &m);
    for (int i = 0; i < m.n; i++)
        ks_bi_invalid_str(c, "namespace", ns, m.v[i]);
}

/* the strict rules of events.k8s.io/v1 */
static void strict(struct ks_causes *c, const cJSON *ev)
{
    const cJSON *series = cJSON_GetObjectItemCaseSensitive(ev, "series");
    const char *type = ks_json_str(ev, "type");
    long long n = 0;

    ks_bi_validate_meta(c, ev, true, KS_BI_SUBDOMAIN, NULL);
    if (cJSON_IsObject(series)) {
        if (!ks_bi_int(series, "count", &n) || n < 2)
            ks_bi_invalid_str(c, "series.count", "", "should be at least 2");
        if (!time_set(series, "lastObservedTime"))
            ks_bi_required(c, "series.lastObservedTime", "");
    }
    if (!time_set(ev, "eventTime"))
        ks_bi_required(c, "eventTime", "");
    if (!type || (strcmp(type, "Normal") != 0 && strcmp(type, "Warning") != 0)) {
        char msg[200];
        snprintf(msg, sizeof(msg), "has invalid value: %.150s", type ? type : "");
        ks_bi_invalid_str(c, "type", "", msg);
    }
    if (time_set(ev, "firstTimestamp"))
        ks_bi_invalid_str(c, "firstTimestamp", "", "needs to be unset");
    if (time_set(ev, "lastTimestamp"))
        ks_bi_invalid_str(c, "lastTimestamp", "", "needs to be unset");
    if (ks_bi_int(ev, "count", &n) && n != 0)
        ks_bi_invalid_str(c, "count", "", "needs to be unset");
    if (str_len(ev, "source.component") || str_len(ev, "source.host"))
        ks_bi_invalid_str(c, "source", "", "needs to be unset");
}

void ks_bi_event_validate(const cJSON *obj, bool v1_view, struct ks_causes *c)
{
    cJSON *core = v1_view ? ks_event_v1_to_core(obj) : NULL;
    const cJSON *ev = v1_view ? core : obj;

    if (!ev) {
        ks_causes_add(c, "InternalError", "", "out of memory");
        return;
    }
    legacy(c, ev, v1_view);
    if (v1_view)
        strict(c, ev);
    cJSON_Delete(core);
}
