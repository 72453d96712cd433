/*
 * kubesim: object helpers of the REST layer -- key order, generation,
 * the fields a built-in kind knows, field selector labels, views.
 */
#include "api_internal.h"
#include "builtins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

const ks_rtype *api_storage(const ks_rtype *rt)
{
    return rt->storage ? rt->storage : rt;
}

void api_version_of(const ks_rtype *rt, char *out, size_t cap)
{
    if (rt->group[0])
        snprintf(out, cap, "%s/%s", rt->group, rt->version);
    else
        snprintf(out, cap, "%s", rt->version);
}

const char *api_invalid_group(const ks_rtype *rt)
{
    return api_storage(rt)->group;
}

/* Built-in resources whose strategy keeps metadata.generation. */
static const struct {
    const char *group, *resource;
} gen_types[] = {
    {"apps", "deployments"},
    {"apps", "statefulsets"},
    {"apps", "replicasets"},
    {"apps", "daemonsets"},
    {"batch", "jobs"},
    {"batch", "cronjobs"},
    {"policy", "poddisruptionbudgets"},
    {"networking.k8s.io", "networkpolicies"},
    {"apiextensions.k8s.io", "customresourcedefinitions"},
};

bool api_has_generation(const ks_rtype *rt)
{
    if (rt->origin == KS_RT_CUSTOM)
        return true;
    for (size_t i = 0; i < N(gen_types); i++)
        if (strcmp(rt->group, gen_types[i].group) == 0 &&
            strcmp(rt->resource, gen_types[i].resource) == 0)
            return true;
    return false;
}

static bool item_equal(const cJSON *a, const cJSON *b)
{
    if (!a || !b)
        return a == b;
    return cJSON_Compare(a, b, true);
}

bool api_generation_changed(const ks_rtype *rt, const cJSON *old, const cJSON *obj)
{
    /* Custom kinds without a status subresource: everything but metadata
     * counts; otherwise status does not either. */
    bool skip_status = !(rt->origin == KS_RT_CUSTOM && !rt->has_status);
    const cJSON *it;
    size_t n_new = 0, n_old = 0;

    cJSON_ArrayForEach(it, obj)
    {
        if (!it->string || strcmp(it->string, "metadata") == 0 ||
            (skip_status && strcmp(it->string, "status") == 0))
            continue;
        n_new++;
        if (!item_equal(it, cJSON_GetObjectItemCaseSensitive(old, it->string)))
            return true;
    }
    cJSON_ArrayForEach(it, old)
    {
        if (!it->string || strcmp(it->string, "metadata") == 0 ||
            (skip_status && strcmp(it->string, "status") == 0))
            continue;
        n_old++;
    }
    if (n_old != n_new)
        return true;
    if (rt->origin == KS_RT_BUILTIN && ks_builtin_generation_on_annotations(rt)) {
        const cJSON *a = ks_json_path(old, "metadata.annotations");
        const cJSON *b = ks_json_path(obj, "metadata.annotations");
        bool a_empty = !a || !a->child, b_empty = !b || !b->child;
        if (!(a_empty && b_empty) && !item_equal(a, b))
            return true;
    }
    return false;
}

/* Relinks the children of obj in the order of v[0..n). */
static void relink(cJSON *obj, cJSON **v, size_t n)
{
    if (n == 0) {
        obj->child = NULL;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1];
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    obj->child = v[0];
}

static size_t count_children(const cJSON *obj)
{
    size_t n = 0;
    for (const cJSON *c = obj->child; c; c = c->next)
        n++;
    return n;
}

static int cmp_key(const void *a, const void *b)
{
    const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

static void sort_keys(cJSON *node, int depth)
{
    if (depth > 200 || !node)
        return;
    if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
        for (cJSON *c = node->child; c; c = c->next)
            sort_keys(c, depth + 1);
    }
    if (!cJSON_IsObject(node))
        return;
    size_t n = count_children(node);
    if (n < 2)
        return;
    cJSON **v = malloc(n * sizeof(*v));
    if (!v)
        return;
    size_t i = 0;
    for (cJSON *c = node->child; c; c = c->next)
        v[i++] = c;
    qsort(v, n, sizeof(*v), cmp_key);
    relink(node, v, n);
    free(v);
}

/* Moves the keys named in order[] to the front, in that order; the
 * others keep theirs after them. */
static void order_keys(cJSON *obj, const char *const *order, size_t n_order)
{
    size_t n = count_children(obj), k = 0;
    cJSON **v;

    if (n < 2)
        return;
    v = malloc(n * sizeof(*v));
    if (!v)
        return;
    for (size_t i = 0; i < n_order; i++)
        for (cJSON *c = obj->child; c; c = c->next)
            if (c->string && strcmp(c->string, order[i]) == 0) {
                v[k++] = c;
                break;
            }
    for (cJSON *c = obj->child; c; c = c->next) {
        bool listed = false;
        for (size_t i = 0; i < k; i++)
            if (v[i] == c)
                listed = true;
        if (!listed)
            v[k++] = c;
    }
    relink(obj, v, k);
    free(v);
}

static const char *const meta_order[] = {
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
};

static const char *const top_order[] = {"kind", "apiVersion", "metadata"};

void api_order_object(const ks_rtype *rt, cJSON *obj)
{
    if (!cJSON_IsObject(obj))
        return;
    if (rt->origin == KS_RT_CUSTOM) {
        sort_keys(obj, 0);
        return;
    }
    order_keys(obj, top_order, N(top_order));
    cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!cJSON_IsObject(md))
        return;
    order_keys(md, meta_order, N(meta_order));
    /* Go marshals map[string]string sorted. */
    cJSON *l = cJSON_GetObjectItemCaseSensitive(md, "labels");
    cJSON *a = cJSON_GetObjectItemCaseSensitive(md, "annotations");
    if (cJSON_IsObject(l))
        sort_keys(l, 0);
    if (cJSON_IsObject(a))
        sort_keys(a, 0);
}

/* Top-level fields of the built-in kinds beyond apiVersion/kind/metadata. */
static const struct {
    const char *group, *kind;
    const char *fields[16];
} kind_fields[] = {
    {"", "ConfigMap", {"data", "binaryData", "immutable"}},
    {"", "Secret", {"data", "stringData", "type", "immutable"}},
    {"",
     "Event",
     {"involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count",
      "type", "eventTime", "series", "action", "related", "reportingComponent",
      "reportingInstance"}},
    {"events.k8s.io",
     "Event",
     {"eventTime", "series", "reportingController", "reportingInstance", "action", "reason",
      "regarding", "related", "note", "type", "deprecatedSource", "deprecatedFirstTimestamp",
      "deprecatedLastTimestamp", "deprecatedCount"}},
    {"", "ServiceAccount", {"secrets", "imagePullSecrets", "automountServiceAccountToken"}},
    {"", "Endpoints", {"subsets"}},
};

static const char *const default_fields[] = {"spec", "status"};

/* Kinds known to have only spec and status; others are left alone. */
static const char *const spec_status_kinds[] = {
    "Pod",
    "Namespace",
    "Service",
    "Node",
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "DaemonSet",
    "HorizontalPodAutoscaler",
    "Lease",
    "CustomResourceDefinition",
    "Job",
    "CronJob",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "PodDisruptionBudget",
};

static bool in_list(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

void api_prune_builtin(const ks_rtype *rt, cJSON *obj, struct ks_causes *unknown)
{
    const char *const *fields = default_fields;
    size_t n_fields = N(default_fields);
    cJSON *c, *next;

    bool known = in_list(spec_status_kinds, N(spec_status_kinds), rt->kind);

    if (rt->origin != KS_RT_BUILTIN || !cJSON_IsObject(obj))
        return;
    for (size_t i = 0; i < N(kind_fields); i++)
        if (strcmp(kind_fields[i].group, rt->group) == 0 &&
            strcmp(kind_fields[i].kind, rt->kind) == 0) {
            fields = kind_fields[i].fields;
            n_fields = N(kind_fields[i].fields);
            known = true;
        }
    if (!known)
        return;
    for (c = obj->child; c; c = next) {
        next = c->next;
        if (!c->string || in_list(top_order, N(top_order), c->string) ||
            in_list(fields, n_fields, c->string))
            continue;
        if (unknown)
            ks_causes_add(unknown, "FieldValueInvalid", c->string, "unknown field");
        cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
    }
    cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!cJSON_IsObject(md))
        return;
    for (c = md->child; c; c = next) {
        next = c->next;
        if (!c->string || in_list(meta_order, N(meta_order), c->string))
            continue;
        if (unknown) {
            char path[300];
            snprintf(path, sizeof(path), "metadata.%s", c->string);
            ks_causes_add(unknown, "FieldValueInvalid", path, "unknown field");
        }
        cJSON_Delete(cJSON_DetachItemViaPointer(md, c));
    }
}

void api_manager_name(const char *field_manager, const char *user_agent, char *out, size_t cap)
{
    size_t n = 0;

    if (field_manager && *field_manager) {
        snprintf(out, cap, "%.128s", field_manager);
        return;
    }
    if (!user_agent || !*user_agent) {
        snprintf(out, cap, "unknown");
        return;
    }
    while (user_agent[n] && user_agent[n] != '/' && n < 128 && n + 1 < cap)
        n++;
    memcpy(out, user_agent, n);
    out[n] = '\0';
}

cJSON *api_parse_obj(const ks_obj *o)
{
    return cJSON_ParseWithLength(o->json, o->json_len);
}

cJSON *api_view_of(const ks_rtype *rt, const ks_obj *o)
{
    cJSON *stored = api_parse_obj(o);
    cJSON *v;

    if (!stored || !rt->storage || !rt->to_view)
        return stored;
    v = rt->to_view(stored);
    cJSON_Delete(stored);
    return v;
}

static const char *const pod_fields[] = {
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
};
static const char *const event_fields[] = {
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
};
static const char *const event_v1_fields[] = {
    "regarding.kind",       "regarding.namespace",
    "regarding.name",       "regarding.uid",
    "regarding.apiVersion", "regarding.resourceVersion",
    "regarding.fieldPath",  "reason",
    "reportingController",  "type",
};

bool api_field_supported(const ks_rtype *rt, const char *field)
{
    if (strcmp(field, "metadata.name") == 0 || strcmp(field, "metadata.namespace") == 0)
        return true;
    if (rt->origin != KS_RT_BUILTIN)
        return false;
    if (!rt->group[0] && strcmp(rt->resource, "pods") == 0)
        return in_list(pod_fields, N(pod_fields), field);
    if (!rt->group[0] && strcmp(rt->resource, "events") == 0)
        return in_list(event_fields, N(event_fields), field);
    if (strcmp(rt->group, "events.k8s.io") == 0 && strcmp(rt->resource, "events") == 0)
        return in_list(event_v1_fields, N(event_v1_fields), field);
    if (!rt->group[0] && strcmp(rt->resource, "secrets") == 0)
        return strcmp(field, "type") == 0;
    if (!rt->group[0] && strcmp(rt->resource, "namespaces") == 0)
        return strcmp(field, "status.phase") == 0;
    if (!rt->group[0] && strcmp(rt->resource, "nodes") == 0)
        return strcmp(field, "spec.unschedulable") == 0;
    if (strcmp(rt->group, "apps") == 0 && strcmp(rt->resource, "replicasets") == 0)
        return strcmp(field, "status.replicas") == 0;
    return false;
}

void api_set(cJSON *obj, const char *key, cJSON *val)
{
    if (!val)
        return;
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, val);
    else
        cJSON_AddItemToObject(obj, key, val);
}

long long api_int_at(const cJSON *root, const char *dotted, long long def)
{
    const cJSON *v = ks_json_path(root, dotted);

    if (!cJSON_IsNumber(v))
        return def;
    return (long long)v->valuedouble;
}
