/*
 * kubesim: the built-in kinds -- what discovery shows of them (1.26),
 * and the dispatch of defaults, validation and key order by kind.
 * The kind-specific work is in builtins_defaults.c, builtins_validate.c,
 * builtins_events.c and builtins_crd.c.
 */
#include "builtins.h"

#include <stdio.h>
#include <string.h>

#define V_NO_DC (KS_V_ALL & ~(unsigned)KS_V_DELETECOLLECTION)

struct builtin {
    const char *group, *version, *resource, *singular, *kind;
    bool namespaced;
    unsigned verbs;
    const char *short_name; /* one, or NULL */
    const char *short_name2;
    const char *category; /* NULL or "all" ... */
    bool status, scale;
};

/* As GET /api/v1 and /apis/<group>/<version> of the 1.26 server list
 * them (fixtures 01-05). */
static const struct builtin builtins[] = {
    {"", "v1", "configmaps", "configmap", "ConfigMap", true, KS_V_ALL, "cm", NULL, NULL, false,
     false},
    {"", "v1", "events", "event", "Event", true, KS_V_ALL, "ev", NULL, NULL, false, false},
    {"", "v1", "namespaces", "namespace", "Namespace", false, V_NO_DC, "ns", NULL, NULL, true,
     false},
    {"", "v1", "nodes", "node", "Node", false, KS_V_ALL, "no", NULL, NULL, true, false},
    {"", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true,
     KS_V_ALL, "pvc", NULL, NULL, true, false},
    {"", "v1", "pods", "pod", "Pod", true, KS_V_ALL, "po", NULL, "all", true, false},
    {"", "v1", "secrets", "secret", "Secret", true, KS_V_ALL, NULL, NULL, NULL, false, false},
    {"", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, KS_V_ALL, "sa", NULL,
     NULL, false, false},
    {"", "v1", "services", "service", "Service", true, V_NO_DC, "svc", NULL, "all", true, false},
    {"apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, KS_V_ALL, "ds", NULL, "all", true,
     false},
    {"apps", "v1", "deployments", "deployment", "Deployment", true, KS_V_ALL, "deploy", NULL, "all",
     true, true},
    {"apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, KS_V_ALL, "rs", NULL, "all",
     true, true},
    {"apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, KS_V_ALL, "sts", NULL, "all",
     true, true},
    {"autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler",
     "HorizontalPodAutoscaler", true, KS_V_ALL, "hpa", NULL, "all", true, false},
    {"autoscaling", "v1", "horizontalpodautoscalers", "horizontalpodautoscaler",
     "HorizontalPodAutoscaler", true, KS_V_ALL, "hpa", NULL, "all", true, false},
    {"batch", "v1", "cronjobs", "cronjob", "CronJob", true, KS_V_ALL, "cj", NULL, "all", true,
     false},
    {"batch", "v1", "jobs", "job", "Job", true, KS_V_ALL, NULL, NULL, "all", true, false},
    {"coordination.k8s.io", "v1", "leases", "lease", "Lease", true, KS_V_ALL, NULL, NULL, NULL,
     false, false},
    {"events.k8s.io", "v1", "events", "event", "Event", true, KS_V_ALL, "ev", NULL, NULL, false,
     false},
    {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
     "CustomResourceDefinition", false, KS_V_ALL, "crd", "crds", "api-extensions", true, false},
};

int ks_builtins_register(ks_registry *r)
{
    const ks_rtype *core_events = NULL;

    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        const struct builtin *b = &builtins[i];
        ks_rtype t;

        memset(&t, 0, sizeof(t));
        snprintf(t.group, sizeof(t.group), "%s", b->group);
        snprintf(t.version, sizeof(t.version), "%s", b->version);
        snprintf(t.resource, sizeof(t.resource), "%s", b->resource);
        snprintf(t.singular, sizeof(t.singular), "%s", b->singular);
        snprintf(t.kind, sizeof(t.kind), "%s", b->kind);
        snprintf(t.list_kind, sizeof(t.list_kind), "%sList", b->kind);
        t.namespaced = b->namespaced;
        t.verbs = b->verbs;
        if (b->short_name)
            snprintf(t.short_names[t.n_short_names++], sizeof(t.short_names[0]), "%s",
                     b->short_name);
        if (b->short_name2)
            snprintf(t.short_names[t.n_short_names++], sizeof(t.short_names[0]), "%s",
                     b->short_name2);
        if (b->category)
            snprintf(t.categories[t.n_categories++], sizeof(t.categories[0]), "%s", b->category);
        t.origin = KS_RT_BUILTIN;
        t.has_status = b->status;
        t.has_scale = b->scale;
        if (b->scale) {
            snprintf(t.scale_spec_path, sizeof(t.scale_spec_path), "spec.replicas");
            snprintf(t.scale_status_path, sizeof(t.scale_status_path), "status.replicas");
        }
        if (strcmp(b->group, "events.k8s.io") == 0) {
            if (!core_events)
                return KS_EINVALID;
            t.storage = core_events;
            t.to_view = ks_event_core_to_v1;
            t.from_view = ks_event_v1_to_core;
        }
        const ks_rtype *added = ks_registry_add(r, &t);
        if (!added)
            return KS_ENOMEM;
        if (!*b->group && strcmp(b->resource, "events") == 0)
            core_events = added;
    }
    return KS_OK;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

static bool is(const ks_rtype *rt, const char *group, const char *kind)
{
    return strcmp(rt->group, group) == 0 && strcmp(rt->kind, kind) == 0;
}

/* The shape name builtins_order.c knows the type by. */
static const char *shape_of(const ks_rtype *rt)
{
    static const char *const plain_kinds[][2] = {
        {"", "Pod"},
        {"", "Namespace"},
        {"", "Service"},
        {"", "ConfigMap"},
        {"", "Secret"},
        {"", "ServiceAccount"},
        {"", "Node"},
        {"", "Event"},
        {"apps", "Deployment"},
        {"apps", "StatefulSet"},
        {"apps", "ReplicaSet"},
        {"apps", "DaemonSet"},
        {"coordination.k8s.io", "Lease"},
        {"apiextensions.k8s.io", "CustomResourceDefinition"},
    };

    if (rt->origin != KS_RT_BUILTIN)
        return "Custom";
    for (size_t i = 0; i < sizeof(plain_kinds) / sizeof(plain_kinds[0]); i++)
        if (is(rt, plain_kinds[i][0], plain_kinds[i][1]))
            return plain_kinds[i][1];
    if (is(rt, "events.k8s.io", "Event"))
        return "EventV1";
    if (is(rt, "autoscaling", "HorizontalPodAutoscaler"))
        return strcmp(rt->version, "v1") == 0 ? "HorizontalPodAutoscalerV1"
                                              : "HorizontalPodAutoscalerV2";
    return "Custom";
}

void ks_builtin_normalize(const ks_rtype *rt, cJSON *obj)
{
    if (!rt || !cJSON_IsObject(obj))
        return;
    ks_bi_order(shape_of(rt), obj);
}

void ks_builtin_default(const ks_rtype *rt, cJSON *obj)
{
    if (!rt || !cJSON_IsObject(obj) || rt->origin != KS_RT_BUILTIN)
        return;
    if (is(rt, "apiextensions.k8s.io", "CustomResourceDefinition"))
        ks_bi_crd_default(obj);
    else if (is(rt, "", "Event"))
        ks_bi_event_default(obj, false);
    else if (is(rt, "events.k8s.io", "Event"))
        ks_bi_event_default(obj, true);
    else
        ks_bi_default(rt, obj);
    ks_builtin_normalize(rt, obj);
}

int ks_builtin_validate(const ks_rtype *rt, const cJSON *obj, const cJSON *old,
                        struct ks_causes *causes)
{
    if (!causes) {
        struct ks_causes tmp = {0};
        int rc = ks_builtin_validate(rt, obj, old, &tmp);
        ks_causes_release(&tmp);
        return rc;
    }
    size_t before = causes->n;

    if (!rt || !cJSON_IsObject(obj)) {
        ks_causes_add(causes, "FieldValueInvalid", "",
                      "Invalid value: the object must be a "
                      "JSON object");
        return KS_EINVALID;
    }
    if (rt->origin != KS_RT_BUILTIN)
        return KS_OK;
    if (is(rt, "apiextensions.k8s.io", "CustomResourceDefinition"))
        ks_bi_crd_validate(obj, old, causes);
    else if (is(rt, "", "Event"))
        ks_bi_event_validate(obj, false, causes);
    else if (is(rt, "events.k8s.io", "Event"))
        ks_bi_event_validate(obj, true, causes);
    else
        ks_bi_validate(rt, obj, old, causes);
    return causes->n > before ? KS_EINVALID : KS_OK;
}

bool ks_builtin_generation_on_annotations(const ks_rtype *rt)
{
    return rt && rt->origin == KS_RT_BUILTIN && is(rt, "apps", "Deployment");
}

int ks_builtin_validate_scale(const cJSON *scale, struct ks_causes *causes)
{
    if (!causes) {
        struct ks_causes tmp = {0};
        int rc = ks_builtin_validate_scale(scale, &tmp);
        ks_causes_release(&tmp);
        return rc;
    }
    size_t before = causes->n;
    const cJSON *r = ks_json_path(scale, "spec.replicas");
    long long n;

    if (r && !cJSON_IsNull(r)) {
        if (!ks_bi_int(scale, "spec.replicas", &n))
            ks_bi_invalid_raw(causes, "spec.replicas", "null", "must be an integer");
        else if (n < 0)
            ks_bi_invalid_num(causes, "spec.replicas", (double)n,
                              "must be greater than or equal to 0");
    }
    return causes->n > before ? KS_EINVALID : KS_OK;
}
