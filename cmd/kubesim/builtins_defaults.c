/*
 * kubesim: the defaults the real server fills in on built-in kinds
 * (pkg/apis/{core,apps,autoscaling}/v1 defaults.go plus the admission
 * plugins a default cluster runs: Priority, DefaultTolerationSeconds,
 * ServiceAccount). Fixture 10 and 31 show the result byte for byte.
 */
#include "builtins.h"

#include <stdio.h>
#include <string.h>

/* A string field counts as unset when absent, null or "" (Go zero). */
static bool unset(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    return !v || cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring);
}

static void put(cJSON *obj, const char *key, cJSON *val)
{
    if (!val)
        return;
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, val);
    else
        cJSON_AddItemToObject(obj, key, val);
}

static bool str_is(const cJSON *obj, const char *key, const char *val)
{
    const char *s = ks_json_str(obj, key);

    return s && strcmp(s, val) == 0;
}

static void def_str(cJSON *obj, const char *key, const char *val)
{
    if (cJSON_IsObject(obj) && unset(obj, key))
        put(obj, key, cJSON_CreateString(val));
}

/* Pointer fields (*int32): unset when absent or null; 0 is a value. */
static void def_num(cJSON *obj, const char *key, double val)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (cJSON_IsObject(obj) && (!v || cJSON_IsNull(v)))
        put(obj, key, cJSON_CreateNumber(val));
}

static void def_bool(cJSON *obj, const char *key, bool val)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (cJSON_IsObject(obj) && (!v || cJSON_IsNull(v)))
        put(obj, key, cJSON_CreateBool(val));
}

/* The object at key, created (or replacing a null) when missing. */
static cJSON *obj_at(cJSON *obj, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (!cJSON_IsObject(obj))
        return NULL;
    if (cJSON_IsObject(v))
        return v;
    if (v && !cJSON_IsNull(v))
        return NULL; /* wrong type: validation reports it */
    v = cJSON_CreateObject();
    put(obj, key, v);
    return v;
}

/* ------------------------------------------------------------------ */
/* Pods and templates                                                  */

/* Always for ":latest" or no tag (a digest alone: IfNotPresent). */
static const char *pull_policy(const char *image)
{
    const char *slash, *colon;

    if (!image)
        return "IfNotPresent";
    if (strchr(image, '@'))
        return "IfNotPresent";
    slash = strrchr(image, '/');
    colon = strrchr(slash ? slash : image, ':');
    if (!colon)
        return "Always";
    return strcmp(colon + 1, "latest") == 0 ? "Always" : "IfNotPresent";
}

static void default_probe(cJSON *p)
{
    if (!cJSON_IsObject(p))
        return;
    def_num(p, "timeoutSeconds", 1);
    def_num(p, "periodSeconds", 10);
    def_num(p, "successThreshold", 1);
    def_num(p, "failureThreshold", 3);
    def_str(cJSON_GetObjectItemCaseSensitive(p, "httpGet"), "scheme", "HTTP");
}

static void default_container(cJSON *c)
{
    cJSON *it;

    if (!cJSON_IsObject(c))
        return;
    obj_at(c, "resources");
    def_str(c, "terminationMessagePath", "/dev/termination-log");
    def_str(c, "terminationMessagePolicy", "File");
    def_str(c, "imagePullPolicy", pull_policy(ks_json_str(c, "image")));
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(c, "ports"))
        def_str(it, "protocol", "TCP");
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(c, "env"))
        def_str(ks_json_path(it, "valueFrom.fieldRef"), "apiVersion", "v1");
    default_probe(cJSON_GetObjectItemCaseSensitive(c, "livenessProbe"));
    default_probe(cJSON_GetObjectItemCaseSensitive(c, "readinessProbe"));
    default_probe(cJSON_GetObjectItemCaseSensitive(c, "startupProbe"));
}

static void default_volume(cJSON *v)
{
    static const char *const with_mode[] = {"secret", "configMap", "projected", "downwardAPI"};

    for (size_t i = 0; i < sizeof(with_mode) / sizeof(with_mode[0]); i++)
        def_num(cJSON_GetObjectItemCaseSensitive(v, with_mode[i]), "defaultMode", 420);
    cJSON *hp = cJSON_GetObjectItemCaseSensitive(v, "hostPath");
    if (cJSON_IsObject(hp) && !cJSON_GetObjectItemCaseSensitive(hp, "type"))
        cJSON_AddStringToObject(hp, "type", "");
}

static void default_pod_spec(cJSON *spec)
{
    static const char *const lists[] = {"initContainers", "containers", "ephemeralContainers"};
    cJSON *it;

    if (!cJSON_IsObject(spec))
        return;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(spec, "volumes")) default_volume(it);
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(spec, lists[i]))
            default_container(it);
    def_str(spec, "restartPolicy", "Always");
    def_num(spec, "terminationGracePeriodSeconds", 30);
    def_str(spec, "dnsPolicy", "ClusterFirst");
    obj_at(spec, "securityContext");
    def_str(spec, "schedulerName", "default-scheduler");
}

static void default_template(cJSON *tmpl)
{
    cJSON *meta;

    if (!cJSON_IsObject(tmpl))
        return;
    meta = obj_at(tmpl, "metadata");
    if (meta && !cJSON_GetObjectItemCaseSensitive(meta, "creationTimestamp"))
        cJSON_AddNullToObject(meta, "creationTimestamp");
    default_pod_spec(obj_at(tmpl, "spec"));
}

/* requests default to limits (SetDefaults_Pod) */
static void requests_from_limits(cJSON *c)
{
    cJSON *limits = ks_json_path(c, "resources.limits"), *it;
    cJSON *requests;

    if (!cJSON_IsObject(limits) || !cJSON_GetArraySize(limits))
        return;
    requests = obj_at(cJSON_GetObjectItemCaseSensitive(c, "resources"), "requests");
    if (!requests)
        return;
    cJSON_ArrayForEach(it, limits)
    {
        if (!cJSON_GetObjectItemCaseSensitive(requests, it->string))
            cJSON_AddItemToObject(requests, it->string, cJSON_Duplicate(it, true));
    }
}

static bool zero_quantity(const cJSON *q)
{
    if (cJSON_IsNumber(q))
        return q->valuedouble == 0;
    if (!cJSON_IsString(q))
        return true;
    for (const char *p = q->valuestring; *p; p++)
        if (*p >= '1' && *p <= '9')
            return false;
    return true;
}

/* qos.GetPodQOS over cpu and memory */
static const char *qos_class(const cJSON *spec)
{
    static const char *const lists[] = {"initContainers", "containers"};
    static const char *const res[] = {"cpu", "memory"};
    bool any = false, guaranteed = true;
    const cJSON *c;

    for (size_t l = 0; l < 2; l++) {
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, lists[l]))
        {
            const cJSON *req = ks_json_path(c, "resources.requests");
            const cJSON *lim = ks_json_path(c, "resources.limits");
            for (size_t r = 0; r < 2; r++) {
                const cJSON *rq = cJSON_GetObjectItemCaseSensitive(req, res[r]);
                const cJSON *lm = cJSON_GetObjectItemCaseSensitive(lim, res[r]);
                bool has_rq = rq && !zero_quantity(rq), has_lm = lm && !zero_quantity(lm);
                any |= has_rq || has_lm;
                if (!has_lm)
                    guaranteed = false;
                else if (has_rq && !cJSON_Compare(rq, lm, true))
                    guaranteed = false;
            }
        }
    }
    if (!any)
        return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
}

static bool has_toleration(const cJSON *tols, const char *key)
{
    const cJSON *t;

    cJSON_ArrayForEach(t, tols)
    {
        const char *k = ks_json_str(t, "key"), *e = ks_json_str(t, "effect");
        if ((!k || !*k || strcmp(k, key) == 0) && (!e || !*e || strcmp(e, "NoExecute") == 0))
            return true;
    }
    return false;
}

static void add_toleration(cJSON *spec, const char *key)
{
    cJSON *tols = cJSON_GetObjectItemCaseSensitive(spec, "tolerations"), *t;

    if (has_toleration(tols, key))
        return;
    if (!cJSON_IsArray(tols)) {
        tols = cJSON_CreateArray();
        put(spec, "tolerations", tols);
        if (!tols)
            return;
    }
    t = cJSON_CreateObject();
    if (!t)
        return;
    cJSON_AddStringToObject(t, "key", key);
    cJSON_AddStringToObject(t, "operator", "Exists");
    cJSON_AddStringToObject(t, "effect", "NoExecute");
    cJSON_AddNumberToObject(t, "tolerationSeconds", 300);
    cJSON_AddItemToArray(tols, t);
}

static void default_pod(cJSON *pod)
{
    cJSON *spec = obj_at(pod, "spec"), *status, *it;

    if (!spec)
        return;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(spec, "containers"))
        requests_from_limits(it);
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(spec, "initContainers"))
        requests_from_limits(it);
    default_pod_spec(spec);
    if (unset(spec, "serviceAccountName")) {
        const char *legacy = ks_json_str(spec, "serviceAccount");
        def_str(spec, "serviceAccountName", legacy && *legacy ? legacy : "default");
    }
    def_str(spec, "serviceAccount", ks_json_str(spec, "serviceAccountName"));
    add_toleration(spec, "node.kubernetes.io/not-ready");
    add_toleration(spec, "node.kubernetes.io/unreachable");
    def_num(spec, "priority", 0);
    def_bool(spec, "enableServiceLinks", true);
    def_str(spec, "preemptionPolicy", "PreemptLowerPriority");
    status = obj_at(pod, "status");
    def_str(status, "phase", "Pending");
    def_str(status, "qosClass", qos_class(spec));
}

/* ------------------------------------------------------------------ */
/* Workloads                                                           */

static void default_deployment(cJSON *d)
{
    cJSON *spec = obj_at(d, "spec"), *strategy;

    if (!spec)
        return;
    def_num(spec, "replicas", 1);
    default_template(obj_at(spec, "template"));
    strategy = obj_at(spec, "strategy");
    def_str(strategy, "type", "RollingUpdate");
    if (str_is(strategy, "type", "RollingUpdate")) {
        cJSON *ru = obj_at(strategy, "rollingUpdate");
        const cJSON *mu = cJSON_GetObjectItemCaseSensitive(ru, "maxUnavailable");
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(ru, "maxSurge");
        if (ru && (!mu || cJSON_IsNull(mu)))
            put(ru, "maxUnavailable", cJSON_CreateString("25%"));
        if (ru && (!ms || cJSON_IsNull(ms)))
            put(ru, "maxSurge", cJSON_CreateString("25%"));
    }
    def_num(spec, "revisionHistoryLimit", 10);
    def_num(spec, "progressDeadlineSeconds", 600);
    obj_at(d, "status");
}

static void default_statefulset(cJSON *s)
{
    cJSON *spec = obj_at(s, "spec"), *us, *status;

    if (!spec)
        return;
    def_num(spec, "replicas", 1);
    default_template(obj_at(spec, "template"));
    if (!cJSON_GetObjectItemCaseSensitive(spec, "serviceName"))
        cJSON_AddStringToObject(spec, "serviceName", "");
    def_str(spec, "podManagementPolicy", "OrderedReady");
    us = obj_at(spec, "updateStrategy");
    def_str(us, "type", "RollingUpdate");
    if (str_is(us, "type", "RollingUpdate"))
        def_num(obj_at(us, "rollingUpdate"), "partition", 0);
    def_num(spec, "revisionHistoryLimit", 10);
    status = obj_at(s, "status");
    def_num(status, "replicas", 0);
    def_num(status, "availableReplicas", 0);
}

static void default_replicaset(cJSON *r)
{
    cJSON *spec = obj_at(r, "spec");

    if (!spec)
        return;
    def_num(spec, "replicas", 1);
    default_template(obj_at(spec, "template"));
    def_num(obj_at(r, "status"), "replicas", 0);
}

static void default_daemonset(cJSON *d)
{
    static const char *const zeros[] = {"currentNumberScheduled", "numberMisscheduled",
                                        "desiredNumberScheduled", "numberReady"};
    cJSON *spec = obj_at(d, "spec"), *us, *status;

    if (!spec)
        return;
    default_template(obj_at(spec, "template"));
    us = obj_at(spec, "updateStrategy");
    def_str(us, "type", "RollingUpdate");
    if (str_is(us, "type", "RollingUpdate")) {
        cJSON *ru = obj_at(us, "rollingUpdate");
        def_num(ru, "maxUnavailable", 1);
        def_num(ru, "maxSurge", 0);
    }
    def_num(spec, "revisionHistoryLimit", 10);
    status = obj_at(d, "status");
    for (size_t i = 0; i < sizeof(zeros) / sizeof(zeros[0]); i++)
        def_num(status, zeros[i], 0);
}

/* ------------------------------------------------------------------ */
/* Core and others                                                     */

static void default_namespace(cJSON *ns)
{
    cJSON *meta = obj_at(ns, "metadata"), *spec, *labels;
    const char *name = ks_json_str(meta, "name");

    if (name && *name && (labels = obj_at(meta, "labels")))
        put(labels, "kubernetes.io/metadata.name", cJSON_CreateString(name));
    spec = obj_at(ns, "spec");
    if (spec && !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(spec, "finalizers"))) {
        cJSON *f = cJSON_CreateArray();
        if (f) {
            cJSON_AddItemToArray(f, cJSON_CreateString("kubernetes"));
            put(spec, "finalizers", f);
        }
    }
    def_str(obj_at(ns, "status"), "phase", "Active");
}

static void default_service(cJSON *svc)
{
    cJSON *spec = obj_at(svc, "spec"), *it, *status;
    const char *type;

    if (!spec)
        return;
    def_str(spec, "type", "ClusterIP");
    def_str(spec, "sessionAffinity", "None");
    type = ks_json_str(spec, "type");
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(spec, "ports"))
    {
        const cJSON *port = cJSON_GetObjectItemCaseSensitive(it, "port");
        const cJSON *tp = cJSON_GetObjectItemCaseSensitive(it, "targetPort");
        def_str(it, "protocol", "TCP");
        if (cJSON_IsNumber(port) &&
            (!tp || cJSON_IsNull(tp) || (cJSON_IsNumber(tp) && tp->valuedouble == 0) ||
             (cJSON_IsString(tp) && !*tp->valuestring)))
            put(it, "targetPort", cJSON_CreateNumber(port->valuedouble));
    }
    if (type && (strcmp(type, "NodePort") == 0 || strcmp(type, "LoadBalancer") == 0))
        def_str(spec, "externalTrafficPolicy", "Cluster");
    if (type && strcmp(type, "ExternalName") != 0)
        def_str(spec, "internalTrafficPolicy", "Cluster");
    if (type && strcmp(type, "ExternalName") != 0 && !ks_json_str(spec, "clusterIP")) {
        /* The service IP allocator: a stable address in 10.96.0.0/16
         * from the service's namespace/name (helm --wait checks it). */
        const char *ns = ks_json_str(svc, "metadata.namespace");
        const char *name = ks_json_str(svc, "metadata.name");
        uint32_t h = 2166136261u;
        char ip[32];
        for (const char *p = ns ? ns : ""; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        h = (h ^ '/') * 16777619u;
        for (const char *p = name ? name : ""; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        snprintf(ip, sizeof(ip), "10.96.%u.%u", (h >> 8) & 255u, 1u + (h & 255u) % 254u);
        def_str(spec, "clusterIP", ip);
    }
    const char *cip = ks_json_str(spec, "clusterIP");
    if (cip && !cJSON_GetObjectItemCaseSensitive(spec, "clusterIPs")) {
        cJSON *ips = cJSON_CreateArray();
        cJSON_AddItemToArray(ips, cJSON_CreateString(cip));
        put(spec, "clusterIPs", ips);
    }
    if (cip && strcmp(cip, "None") != 0) {
        if (!cJSON_GetObjectItemCaseSensitive(spec, "ipFamilies"))
            put(spec, "ipFamilies", cJSON_Parse("[\"IPv4\"]"));
        def_str(spec, "ipFamilyPolicy", "SingleStack");
    }
    status = obj_at(svc, "status");
    obj_at(status, "loadBalancer");
}

static void default_hpa(const ks_rtype *rt, cJSON *h)
{
    cJSON *spec = obj_at(h, "spec"), *status;

    if (!spec)
        return;
    def_num(spec, "minReplicas", 1);
    status = obj_at(h, "status");
    if (strcmp(rt->version, "v1") == 0) {
        def_num(status, "currentReplicas", 0);
        def_num(status, "desiredReplicas", 0);
        return;
    }
    def_num(status, "desiredReplicas", 0);
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(spec, "metrics");
    if (!cJSON_IsArray(metrics) || !cJSON_GetArraySize(metrics)) {
        cJSON *m = cJSON_Parse("[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\","
                               "\"target\":{\"type\":\"Utilization\","
                               "\"averageUtilization\":80}}}]");
        put(spec, "metrics", m);
    }
    cJSON *behavior = cJSON_GetObjectItemCaseSensitive(spec, "behavior");
    if (!cJSON_IsObject(behavior))
        return;
    cJSON *up = obj_at(behavior, "scaleUp"), *down = obj_at(behavior, "scaleDown");
    def_num(up, "stabilizationWindowSeconds", 0);
    def_str(up, "selectPolicy", "Max");
    if (up && !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(up, "policies")))
        put(up, "policies",
            cJSON_Parse("[{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":15},"
                        "{\"type\":\"Percent\",\"value\":100,"
                        "\"periodSeconds\":15}]"));
    def_num(down, "stabilizationWindowSeconds", 300);
    def_str(down, "selectPolicy", "Max");
    if (down && !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(down, "policies")))
        put(down, "policies",
            cJSON_Parse("[{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]"));
}

void ks_bi_default(const ks_rtype *rt, cJSON *obj)
{
    if (strcmp(rt->group, "apps") == 0) {
        if (strcmp(rt->kind, "Deployment") == 0)
            default_deployment(obj);
        else if (strcmp(rt->kind, "StatefulSet") == 0)
            default_statefulset(obj);
        else if (strcmp(rt->kind, "ReplicaSet") == 0)
            default_replicaset(obj);
        else if (strcmp(rt->kind, "DaemonSet") == 0)
            default_daemonset(obj);
    } else if (!*rt->group) {
        if (strcmp(rt->kind, "Pod") == 0)
            default_pod(obj);
        else if (strcmp(rt->kind, "Namespace") == 0)
            default_namespace(obj);
        else if (strcmp(rt->kind, "Service") == 0)
            default_service(obj);
        else if (strcmp(rt->kind, "Secret") == 0)
            def_str(obj, "type", "Opaque");
    } else if (strcmp(rt->group, "autoscaling") == 0) {
        default_hpa(rt, obj);
    }
}
