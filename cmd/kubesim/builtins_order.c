/*
 * kubesim: key order. The real server writes Go structs, so an object's
 * keys come out in struct field order and map keys sorted. Clients and
 * the fixtures compare bytes; these tables put any tree in that order
 * (known keys first, in table order; unknown keys after, as they were).
 */
#include "builtins.h"

#include <stdlib.h>
#include <string.h>

enum sub_mode {
    SUB_OBJ,  /* the value is an object of the shape */
    SUB_ARR,  /* every element of the array */
    SUB_MAP,  /* keys sorted; every value of the shape */
    SUB_SORT, /* keys sorted only */
    SUB_DEEP, /* keys sorted at every level (managedFields' fieldsV1) */
};

struct shape;

struct sub {
    const char *key;
    const struct shape *shape;
    enum sub_mode mode;
};

struct shape {
    const char *const *keys; /* NULL-terminated */
    const struct sub *subs;  /* key NULL-terminated; may be NULL */
};

#define KEYS(...)                                                                                  \
    (const char *const[])                                                                          \
    {                                                                                              \
        __VA_ARGS__, NULL                                                                          \
    }
#define SUBS(...)                                                                                  \
    (const struct sub[])                                                                           \
    {                                                                                              \
        __VA_ARGS__,                                                                               \
        {                                                                                          \
            NULL, NULL, SUB_OBJ                                                                    \
        }                                                                                          \
    }

/* ------------------------------------------------------------------ */
/* Shapes, leaves first                                                */

static const struct shape plain = {KEYS("_"), NULL};

static const struct shape owner_ref = {
    KEYS("apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion"), NULL};
static const struct shape managed_entry = {
    KEYS("manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1", "subresource"),
    SUBS({"fieldsV1", NULL, SUB_DEEP})};
static const struct shape object_meta = {
    KEYS("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
         "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
         "annotations", "ownerReferences", "finalizers", "managedFields"),
    SUBS({"labels", NULL, SUB_SORT}, {"annotations", NULL, SUB_SORT},
         {"ownerReferences", &owner_ref, SUB_ARR}, {"managedFields", &managed_entry, SUB_ARR})};

static const struct shape selector_req = {KEYS("key", "operator", "values"), NULL};
static const struct shape label_selector = {
    KEYS("matchLabels", "matchExpressions"),
    SUBS({"matchLabels", NULL, SUB_SORT}, {"matchExpressions", &selector_req, SUB_ARR})};

static const struct shape container_port = {
    KEYS("name", "hostPort", "containerPort", "protocol", "hostIP"), NULL};
static const struct shape obj_field_sel = {KEYS("apiVersion", "fieldPath"), NULL};
static const struct shape env_source = {
    KEYS("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"),
    SUBS({"fieldRef", &obj_field_sel, SUB_OBJ})};
static const struct shape env_var = {KEYS("name", "value", "valueFrom"),
                                     SUBS({"valueFrom", &env_source, SUB_OBJ})};
static const struct shape resources = {
    KEYS("limits", "requests", "claims"),
    SUBS({"limits", NULL, SUB_SORT}, {"requests", NULL, SUB_SORT})};
static const struct shape volume_mount = {
    KEYS("name", "readOnly", "mountPath", "subPath", "mountPropagation", "subPathExpr"), NULL};
static const struct shape http_get = {KEYS("path", "port", "host", "scheme", "httpHeaders"), NULL};
static const struct shape probe = {
    KEYS("exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds", "timeoutSeconds",
         "periodSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds"),
    SUBS({"httpGet", &http_get, SUB_OBJ})};
static const struct shape container = {
    KEYS("name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
         "volumeMounts", "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe",
         "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy",
         "securityContext", "stdin", "stdinOnce", "tty"),
    SUBS({"ports", &container_port, SUB_ARR}, {"env", &env_var, SUB_ARR},
         {"resources", &resources, SUB_OBJ}, {"volumeMounts", &volume_mount, SUB_ARR},
         {"livenessProbe", &probe, SUB_OBJ}, {"readinessProbe", &probe, SUB_OBJ},
         {"startupProbe", &probe, SUB_OBJ})};
static const struct shape toleration = {
    KEYS("key", "operator", "value", "effect", "tolerationSeconds"), NULL};
static const struct shape key_to_path = {KEYS("key", "path", "mode"), NULL};
static const struct shape downward_file = {KEYS("path", "fieldRef", "resourceFieldRef", "mode"),
                                           SUBS({"fieldRef", &obj_field_sel, SUB_OBJ})};
static const struct shape vol_configmap = {KEYS("name", "items", "defaultMode", "optional"),
                                           SUBS({"items", &key_to_path, SUB_ARR})};
static const struct shape vol_secret = {KEYS("secretName", "items", "defaultMode", "optional"),
                                        SUBS({"items", &key_to_path, SUB_ARR})};
static const struct shape vol_downward = {KEYS("items", "defaultMode"),
                                          SUBS({"items", &downward_file, SUB_ARR})};
static const struct shape proj_keyed = {KEYS("name", "items", "optional"),
                                        SUBS({"items", &key_to_path, SUB_ARR})};
static const struct shape proj_downward = {KEYS("items"), SUBS({"items", &downward_file, SUB_ARR})};
static const struct shape proj_token = {KEYS("audience", "expirationSeconds", "path"), NULL};
static const struct shape projection = {
    KEYS("secret", "downwardAPI", "configMap", "serviceAccountToken"),
    SUBS({"secret", &proj_keyed, SUB_OBJ}, {"downwardAPI", &proj_downward, SUB_OBJ},
         {"configMap", &proj_keyed, SUB_OBJ}, {"serviceAccountToken", &proj_token, SUB_OBJ})};
static const struct shape vol_projected = {KEYS("sources", "defaultMode"),
                                           SUBS({"sources", &projection, SUB_ARR})};
static const struct shape vol_hostpath = {KEYS("path", "type"), NULL};
static const struct shape vol_empty = {KEYS("medium", "sizeLimit"), NULL};
static const struct shape vol_pvc = {KEYS("claimName", "readOnly"), NULL};
static const struct shape volume = {
    KEYS("name", "hostPath", "emptyDir", "secret", "persistentVolumeClaim", "downwardAPI",
         "configMap", "projected"),
    SUBS({"hostPath", &vol_hostpath, SUB_OBJ}, {"emptyDir", &vol_empty, SUB_OBJ},
         {"secret", &vol_secret, SUB_OBJ}, {"persistentVolumeClaim", &vol_pvc, SUB_OBJ},
         {"downwardAPI", &vol_downward, SUB_OBJ}, {"configMap", &vol_configmap, SUB_OBJ},
         {"projected", &vol_projected, SUB_OBJ})};
static const struct shape pod_spec = {
    KEYS("volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
         "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
         "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName",
         "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext",
         "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations",
         "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
         "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
         "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
         "resourceClaims"),
    SUBS({"volumes", &volume, SUB_ARR}, {"initContainers", &container, SUB_ARR},
         {"containers", &container, SUB_ARR}, {"nodeSelector", NULL, SUB_SORT},
         {"tolerations", &toleration, SUB_ARR})};
static const struct shape pod_template = {
    KEYS("metadata", "spec"),
    SUBS({"metadata", &object_meta, SUB_OBJ}, {"spec", &pod_spec, SUB_OBJ})};

static const struct shape pod_condition = {
    KEYS("type", "status", "lastProbeTime", "lastTransitionTime", "reason", "message"), NULL};
static const struct shape container_status = {KEYS("name", "state", "lastState", "ready",
                                                   "restartCount", "image", "imageID",
                                                   "containerID", "started"),
                                              NULL};
static const struct shape pod_status = {
    KEYS("phase", "conditions", "message", "reason", "nominatedNodeName", "hostIP", "podIP",
         "podIPs", "startTime", "initContainerStatuses", "containerStatuses", "qosClass",
         "ephemeralContainerStatuses"),
    SUBS({"conditions", &pod_condition, SUB_ARR}, {"containerStatuses", &container_status, SUB_ARR},
         {"initContainerStatuses", &container_status, SUB_ARR})};

#define TOP(...) KEYS("kind", "apiVersion", "metadata", __VA_ARGS__)
#define META                                                                                       \
    {                                                                                              \
        "metadata", &object_meta, SUB_OBJ                                                          \
    }

static const struct shape pod = {TOP("spec", "status"), SUBS(META, {"spec", &pod_spec, SUB_OBJ},
                                                             {"status", &pod_status, SUB_OBJ})};

/* apps/v1 */
static const struct shape deploy_ru = {KEYS("maxUnavailable", "maxSurge"), NULL};
static const struct shape deploy_strategy = {KEYS("type", "rollingUpdate"),
                                             SUBS({"rollingUpdate", &deploy_ru, SUB_OBJ})};
static const struct shape deploy_condition = {
    KEYS("type", "status", "lastUpdateTime", "lastTransitionTime", "reason", "message"), NULL};
static const struct shape deploy_spec = {
    KEYS("replicas", "selector", "template", "strategy", "minReadySeconds", "revisionHistoryLimit",
         "paused", "progressDeadlineSeconds"),
    SUBS({"selector", &label_selector, SUB_OBJ}, {"template", &pod_template, SUB_OBJ},
         {"strategy", &deploy_strategy, SUB_OBJ})};
static const struct shape deploy_status = {
    KEYS("observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
         "unavailableReplicas", "conditions", "collisionCount"),
    SUBS({"conditions", &deploy_condition, SUB_ARR})};
static const struct shape deployment = {
    TOP("spec", "status"),
    SUBS(META, {"spec", &deploy_spec, SUB_OBJ}, {"status", &deploy_status, SUB_OBJ})};

static const struct shape condition = {
    KEYS("type", "status", "lastTransitionTime", "reason", "message"), NULL};
static const struct shape sts_ru = {KEYS("partition", "maxUnavailable"), NULL};
static const struct shape sts_strategy = {KEYS("type", "rollingUpdate"),
                                          SUBS({"rollingUpdate", &sts_ru, SUB_OBJ})};
static const struct shape pvc = {TOP("spec", "status"), SUBS(META)};
static const struct shape sts_spec = {
    KEYS("replicas", "selector", "template", "volumeClaimTemplates", "serviceName",
         "podManagementPolicy", "updateStrategy", "revisionHistoryLimit", "minReadySeconds",
         "persistentVolumeClaimRetentionPolicy", "ordinals"),
    SUBS({"selector", &label_selector, SUB_OBJ}, {"template", &pod_template, SUB_OBJ},
         {"volumeClaimTemplates", &pvc, SUB_ARR}, {"updateStrategy", &sts_strategy, SUB_OBJ})};
static const struct shape sts_status = {
    KEYS("observedGeneration", "replicas", "readyReplicas", "currentReplicas", "updatedReplicas",
         "currentRevision", "updateRevision", "collisionCount", "conditions", "availableReplicas"),
    SUBS({"conditions", &condition, SUB_ARR})};
static const struct shape statefulset = {
    TOP("spec", "status"),
    SUBS(META, {"spec", &sts_spec, SUB_OBJ}, {"status", &sts_status, SUB_OBJ})};

static const struct shape rs_spec = {
    KEYS("replicas", "minReadySeconds", "selector", "template"),
    SUBS({"selector", &label_selector, SUB_OBJ}, {"template", &pod_template, SUB_OBJ})};
static const struct shape rs_status = {KEYS("replicas", "fullyLabeledReplicas", "readyReplicas",
                                            "availableReplicas", "observedGeneration",
                                            "conditions"),
                                       SUBS({"conditions", &condition, SUB_ARR})};
static const struct shape replicaset = {
    TOP("spec", "status"),
    SUBS(META, {"spec", &rs_spec, SUB_OBJ}, {"status", &rs_status, SUB_OBJ})};

static const struct shape ds_strategy = {KEYS("type", "rollingUpdate"),
                                         SUBS({"rollingUpdate", &deploy_ru, SUB_OBJ})};
static const struct shape ds_spec = {
    KEYS("selector", "template", "updateStrategy", "minReadySeconds", "revisionHistoryLimit"),
    SUBS({"selector", &label_selector, SUB_OBJ}, {"template", &pod_template, SUB_OBJ},
         {"updateStrategy", &ds_strategy, SUB_OBJ})};
static const struct shape ds_status = {
    KEYS("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady",
         "observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable",
         "collisionCount", "conditions"),
    SUBS({"conditions", &condition, SUB_ARR})};
static const struct shape daemonset = {
    TOP("spec", "status"),
    SUBS(META, {"spec", &ds_spec, SUB_OBJ}, {"status", &ds_status, SUB_OBJ})};

/* core/v1 */
static const struct shape ns_spec = {KEYS("finalizers"), NULL};
static const struct shape ns_status = {KEYS("phase", "conditions"), NULL};
static const struct shape namespace_ = {
    TOP("spec", "status"),
    SUBS(META, {"spec", &ns_spec, SUB_OBJ}, {"status", &ns_status, SUB_OBJ})};
static const struct shape svc_port = {
    KEYS("name", "protocol", "appProtocol", "port", "targetPort", "nodePort"), NULL};
static const struct shape svc_spec = {
    KEYS("ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity",
         "loadBalancerIP", "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy",
         "healthCheckNodePort", "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies",
         "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass",
         "internalTrafficPolicy"),
    SUBS({"ports", &svc_port, SUB_ARR}, {"selector", NULL, SUB_SORT})};
static const struct shape svc_status = {KEYS("loadBalancer", "conditions"), NULL};
static const struct shape service = {TOP("spec", "status"), SUBS(META, {"spec", &svc_spec, SUB_OBJ},
                                                                 {"status", &svc_status, SUB_OBJ})};
static const struct shape configmap = {
    TOP("immutable", "data", "binaryData"),
    SUBS(META, {"data", NULL, SUB_SORT}, {"binaryData", NULL, SUB_SORT})};
static const struct shape secret = {
    TOP("immutable", "data", "stringData", "type"),
    SUBS(META, {"data", NULL, SUB_SORT}, {"stringData", NULL, SUB_SORT})};
static const struct shape service_account = {
    TOP("secrets", "imagePullSecrets", "automountServiceAccountToken"), SUBS(META)};
static const struct shape node_spec = {KEYS("podCIDR", "podCIDRs", "providerID", "unschedulable",
                                            "taints", "configSource", "externalID"),
                                       NULL};
static const struct shape node_status = {
    KEYS("capacity", "allocatable", "phase", "conditions", "addresses", "daemonEndpoints",
         "nodeInfo", "images", "volumesInUse", "volumesAttached", "config"),
    SUBS({"capacity", NULL, SUB_SORT}, {"allocatable", NULL, SUB_SORT})};
static const struct shape node = {TOP("spec", "status"), SUBS(META, {"spec", &node_spec, SUB_OBJ},
                                                              {"status", &node_status, SUB_OBJ})};

/* coordination.k8s.io/v1 */
static const struct shape lease_spec = {
    KEYS("holderIdentity", "leaseDurationSeconds", "acquireTime", "renewTime", "leaseTransitions"),
    NULL};
static const struct shape lease = {TOP("spec"), SUBS(META, {"spec", &lease_spec, SUB_OBJ})};

/* Events, both APIs */
static const struct shape object_ref = {
    KEYS("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"), NULL};
static const struct shape event_source = {KEYS("component", "host"), NULL};
static const struct shape event_series = {KEYS("count", "lastObservedTime"), NULL};
static const struct shape event_core = {
    TOP("involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count",
        "type", "eventTime", "series", "action", "related", "reportingComponent",
        "reportingInstance"),
    SUBS(META, {"involvedObject", &object_ref, SUB_OBJ}, {"source", &event_source, SUB_OBJ},
         {"series", &event_series, SUB_OBJ}, {"related", &object_ref, SUB_OBJ})};
static const struct shape event_v1 = {
    TOP("eventTime", "series", "reportingController", "reportingInstance", "action", "reason",
        "regarding", "related", "note", "type", "deprecatedSource", "deprecatedFirstTimestamp",
        "deprecatedLastTimestamp", "deprecatedCount"),
    SUBS(META, {"regarding", &object_ref, SUB_OBJ}, {"related", &object_ref, SUB_OBJ},
         {"deprecatedSource", &event_source, SUB_OBJ}, {"series", &event_series, SUB_OBJ})};

/* autoscaling */
static const struct shape scale_ref = {KEYS("kind", "name", "apiVersion"), NULL};
static const struct shape metric_target = {
    KEYS("type", "value", "averageValue", "averageUtilization"), NULL};
static const struct shape metric_resource = {KEYS("name", "target"),
                                             SUBS({"target", &metric_target, SUB_OBJ})};
static const struct shape metric_spec = {
    KEYS("type", "object", "pods", "resource", "containerResource", "external"),
    SUBS({"resource", &metric_resource, SUB_OBJ})};
static const struct shape hpa_policy = {KEYS("type", "value", "periodSeconds"), NULL};
static const struct shape hpa_rules = {
    KEYS("stabilizationWindowSeconds", "selectPolicy", "policies"),
    SUBS({"policies", &hpa_policy, SUB_ARR})};
static const struct shape hpa_behavior = {
    KEYS("scaleUp", "scaleDown"),
    SUBS({"scaleUp", &hpa_rules, SUB_OBJ}, {"scaleDown", &hpa_rules, SUB_OBJ})};
static const struct shape hpa2_spec = {
    KEYS("scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior"),
    SUBS({"scaleTargetRef", &scale_ref, SUB_OBJ}, {"metrics", &metric_spec, SUB_ARR},
         {"behavior", &hpa_behavior, SUB_OBJ})};
static const struct shape hpa2_status = {KEYS("observedGeneration", "lastScaleTime",
                                              "currentReplicas", "desiredReplicas",
                                              "currentMetrics", "conditions"),
                                         SUBS({"conditions", &condition, SUB_ARR})};
static const struct shape hpa2 = {TOP("spec", "status"), SUBS(META, {"spec", &hpa2_spec, SUB_OBJ},
                                                              {"status", &hpa2_status, SUB_OBJ})};
static const struct shape hpa1_spec = {
    KEYS("scaleTargetRef", "minReplicas", "maxReplicas", "targetCPUUtilizationPercentage"),
    SUBS({"scaleTargetRef", &scale_ref, SUB_OBJ})};
static const struct shape hpa1_status = {KEYS("observedGeneration", "lastScaleTime",
                                              "currentReplicas", "desiredReplicas",
                                              "currentCPUUtilizationPercentage"),
                                         NULL};
static const struct shape hpa1 = {TOP("spec", "status"), SUBS(META, {"spec", &hpa1_spec, SUB_OBJ},
                                                              {"status", &hpa1_status, SUB_OBJ})};

/* apiextensions.k8s.io/v1 */
static const struct shape schema_props;
static const struct shape schema_props = {
    KEYS("id", "$schema", "$ref", "description", "type", "format", "title", "default", "maximum",
         "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
         "maxItems", "minItems", "uniqueItems", "multipleOf", "enum", "maxProperties",
         "minProperties", "required", "items", "allOf", "oneOf", "anyOf", "not", "properties",
         "additionalProperties", "patternProperties", "dependencies", "additionalItems",
         "definitions", "externalDocs", "example", "nullable",
         "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
         "x-kubernetes-int-or-string", "x-kubernetes-list-map-keys", "x-kubernetes-list-type",
         "x-kubernetes-map-type", "x-kubernetes-validations"),
    SUBS({"items", &schema_props, SUB_OBJ}, {"allOf", &schema_props, SUB_ARR},
         {"oneOf", &schema_props, SUB_ARR}, {"anyOf", &schema_props, SUB_ARR},
         {"not", &schema_props, SUB_OBJ}, {"properties", &schema_props, SUB_MAP},
         {"additionalProperties", &schema_props, SUB_OBJ},
         {"patternProperties", &schema_props, SUB_MAP}, {"definitions", &schema_props, SUB_MAP})};
static const struct shape crd_validation = {KEYS("openAPIV3Schema"),
                                            SUBS({"openAPIV3Schema", &schema_props, SUB_OBJ})};
static const struct shape crd_scale = {
    KEYS("specReplicasPath", "statusReplicasPath", "labelSelectorPath"), NULL};
static const struct shape crd_subresources = {KEYS("status", "scale"),
                                              SUBS({"scale", &crd_scale, SUB_OBJ})};
static const struct shape crd_column = {
    KEYS("name", "type", "format", "description", "priority", "jsonPath"), NULL};
static const struct shape crd_version = {
    KEYS("name", "served", "storage", "deprecated", "deprecationWarning", "schema", "subresources",
         "additionalPrinterColumns", "selectableFields"),
    SUBS({"schema", &crd_validation, SUB_OBJ}, {"subresources", &crd_subresources, SUB_OBJ},
         {"additionalPrinterColumns", &crd_column, SUB_ARR})};
static const struct shape crd_names = {
    KEYS("plural", "singular", "shortNames", "kind", "listKind", "categories"), NULL};
static const struct shape crd_conversion = {KEYS("strategy", "webhook"), NULL};
static const struct shape crd_spec = {
    KEYS("group", "names", "scope", "versions", "conversion", "preserveUnknownFields"),
    SUBS({"names", &crd_names, SUB_OBJ}, {"versions", &crd_version, SUB_ARR},
         {"conversion", &crd_conversion, SUB_OBJ})};
static const struct shape crd_status = {
    KEYS("conditions", "acceptedNames", "storedVersions"),
    SUBS({"conditions", &condition, SUB_ARR}, {"acceptedNames", &crd_names, SUB_OBJ})};
static const struct shape crd = {TOP("spec", "status"), SUBS(META, {"spec", &crd_spec, SUB_OBJ},
                                                             {"status", &crd_status, SUB_OBJ})};

static const struct shape custom = {TOP("spec", "status"), SUBS(META)};

static const struct {
    const char *name;
    const struct shape *shape;
} shapes[] = {
    {"ObjectMeta", &object_meta},
    {"PodTemplateSpec", &pod_template},
    {"PodSpec", &pod_spec},
    {"Pod", &pod},
    {"Deployment", &deployment},
    {"StatefulSet", &statefulset},
    {"ReplicaSet", &replicaset},
    {"DaemonSet", &daemonset},
    {"Namespace", &namespace_},
    {"Service", &service},
    {"ConfigMap", &configmap},
    {"Secret", &secret},
    {"ServiceAccount", &service_account},
    {"Node", &node},
    {"Lease", &lease},
    {"Event", &event_core},
    {"EventV1", &event_v1},
    {"HorizontalPodAutoscalerV2", &hpa2},
    {"HorizontalPodAutoscalerV1", &hpa1},
    {"CustomResourceDefinition", &crd},
    {"JSONSchemaProps", &schema_props},
    {"Custom", &custom},
    {"Plain", &plain},
};

/* ------------------------------------------------------------------ */
/* Reordering                                                          */

static int key_rank(const struct shape *sh, const char *key)
{
    for (int i = 0; sh->keys[i]; i++)
        if (strcmp(sh->keys[i], key) == 0)
            return i;
    return -1;
}

/* Relinks obj's children as v[0..n) (cJSON: child->prev is the tail). */
static void relink(cJSON *obj, cJSON **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1];
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    obj->child = n ? v[0] : NULL;
}

static void sort_keys(cJSON *obj)
{
    size_t n = (size_t)cJSON_GetArraySize(obj), i = 0;
    cJSON **v, *it;

    if (!cJSON_IsObject(obj) || n < 2)
        return;
    v = malloc(n * sizeof(*v));
    if (!v)
        return;
    cJSON_ArrayForEach(it, obj) v[i++] = it;
    for (size_t a = 1; a < n; a++) { /* stable insertion sort */
        cJSON *x = v[a];
        size_t b = a;
        while (b > 0 && strcmp(v[b - 1]->string, x->string) > 0) {
            v[b] = v[b - 1];
            b--;
        }
        v[b] = x;
    }
    relink(obj, v, n);
    free(v);
}

static void deep_sort(cJSON *obj, int depth)
{
    cJSON *it;

    if (!cJSON_IsObject(obj) || depth > 64)
        return;
    sort_keys(obj);
    cJSON_ArrayForEach(it, obj) deep_sort(it, depth + 1);
}

static void reorder(cJSON *obj, const struct shape *sh)
{
    size_t n = (size_t)cJSON_GetArraySize(obj), k = 0;
    cJSON **v, *it;

    if (n < 2)
        return;
    v = malloc(n * sizeof(*v));
    if (!v)
        return;
    /* known keys in table order, then the rest as they were */
    for (int r = 0; sh->keys[r]; r++) {
        cJSON_ArrayForEach(it, obj)
        {
            if (it->string && strcmp(it->string, sh->keys[r]) == 0 && k < n) {
                v[k++] = it;
                break;
            }
        }
    }
    cJSON_ArrayForEach(it, obj)
    {
        if ((!it->string || key_rank(sh, it->string) < 0) && k < n)
            v[k++] = it;
    }
    if (k == n) /* duplicate keys: leave such an object alone */
        relink(obj, v, n);
    free(v);
}

static void apply(const struct shape *sh, cJSON *obj, int depth)
{
    if (!cJSON_IsObject(obj) || depth > 64)
        return;
    reorder(obj, sh);
    for (const struct sub *s = sh->subs; s && s->key; s++) {
        cJSON *child = cJSON_GetObjectItemCaseSensitive(obj, s->key), *it;
        if (!child)
            continue;
        switch (s->mode) {
        case SUB_OBJ:
            apply(s->shape, child, depth + 1);
            break;
        case SUB_ARR:
            if (cJSON_IsArray(child))
                cJSON_ArrayForEach(it, child) apply(s->shape, it, depth + 1);
            break;
        case SUB_MAP:
            sort_keys(child);
            if (cJSON_IsObject(child))
                cJSON_ArrayForEach(it, child) apply(s->shape, it, depth + 1);
            break;
        case SUB_SORT:
            sort_keys(child);
            break;
        case SUB_DEEP:
            deep_sort(child, depth + 1);
            break;
        }
    }
}

void ks_bi_order(const char *name, cJSON *obj)
{
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        if (strcmp(shapes[i].name, name) == 0) {
            apply(shapes[i].shape, obj, 0);
            return;
        }
    }
}
