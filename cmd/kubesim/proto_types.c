/*
 * kubesim: protobuf message descriptors for the kinds kubectl's typed
 * clients send (see proto.h).
 *
 * Field numbers are the upstream ones (generated.proto in k8s.io/api
 * core/v1, apps/v1, batch/v1 and k8s.io/apimachinery meta/v1); fields are
 * listed in the Go struct order, which is the order of the JSON keys.
 * KEEP marks Go pointer fields and fields without omitempty, whose zero
 * value is meaningful. Messages are defined leaves first.
 */
#include "proto.h"

#include <string.h>

#define STR(no, n)                                                                                 \
    {                                                                                              \
        no, n, KS_PB_STRING, 0, NULL                                                               \
    }
#define STRK(no, n)                                                                                \
    {                                                                                              \
        no, n, KS_PB_STRING, KS_PBF_KEEP, NULL                                                     \
    }
#define STRS(no, n)                                                                                \
    {                                                                                              \
        no, n, KS_PB_STRING, KS_PBF_REPEATED, NULL                                                 \
    }
#define I32(no, n)                                                                                 \
    {                                                                                              \
        no, n, KS_PB_INT32, 0, NULL                                                                \
    }
#define I32K(no, n)                                                                                \
    {                                                                                              \
        no, n, KS_PB_INT32, KS_PBF_KEEP, NULL                                                      \
    }
#define I64(no, n)                                                                                 \
    {                                                                                              \
        no, n, KS_PB_INT64, 0, NULL                                                                \
    }
#define I64K(no, n)                                                                                \
    {                                                                                              \
        no, n, KS_PB_INT64, KS_PBF_KEEP, NULL                                                      \
    }
#define I64S(no, n)                                                                                \
    {                                                                                              \
        no, n, KS_PB_INT64, KS_PBF_REPEATED, NULL                                                  \
    }
#define BOOL(no, n)                                                                                \
    {                                                                                              \
        no, n, KS_PB_BOOL, 0, NULL                                                                 \
    }
#define BOOLK(no, n)                                                                               \
    {                                                                                              \
        no, n, KS_PB_BOOL, KS_PBF_KEEP, NULL                                                       \
    }
#define MSG(no, n, m)                                                                              \
    {                                                                                              \
        no, n, KS_PB_MSG, 0, &m                                                                    \
    }
#define MSGS(no, n, m)                                                                             \
    {                                                                                              \
        no, n, KS_PB_MSG, KS_PBF_REPEATED, &m                                                      \
    }
#define INLINE(no, m)                                                                              \
    {                                                                                              \
        no, "", KS_PB_INLINE, 0, &m                                                                \
    }
#define MAPSS(no, n)                                                                               \
    {                                                                                              \
        no, n, KS_PB_MAP_SS, 0, NULL                                                               \
    }
#define MAPSB(no, n)                                                                               \
    {                                                                                              \
        no, n, KS_PB_MAP_SB, 0, NULL                                                               \
    }
#define MAPSQ(no, n)                                                                               \
    {                                                                                              \
        no, n, KS_PB_MAP_SQ, 0, NULL                                                               \
    }
#define IOS(no, n)                                                                                 \
    {                                                                                              \
        no, n, KS_PB_INTORSTR, 0, NULL                                                             \
    }
#define IOSK(no, n)                                                                                \
    {                                                                                              \
        no, n, KS_PB_INTORSTR, KS_PBF_KEEP, NULL                                                   \
    }
#define QTY(no, n)                                                                                 \
    {                                                                                              \
        no, n, KS_PB_QUANTITY, KS_PBF_KEEP, NULL                                                   \
    }
#define TIME(no, n)                                                                                \
    {                                                                                              \
        no, n, KS_PB_TIME, KS_PBF_KEEP, NULL                                                       \
    }

#define MESSAGE(var, goname, ...)                                                                  \
    static const struct ks_pb_field var##_f[] = {__VA_ARGS__};                                     \
    static const struct ks_pb_msg var = {goname, var##_f, sizeof(var##_f) / sizeof(var##_f[0])}

/* ------------------------------------------------------------------ */
/* meta/v1                                                             */

MESSAGE(m_owner_ref, "OwnerReference", STRK(5, "apiVersion"), STRK(1, "kind"), STRK(3, "name"),
        STRK(4, "uid"), BOOLK(6, "controller"), BOOLK(7, "blockOwnerDeletion"));

MESSAGE(m_object_meta, "ObjectMeta", STR(1, "name"), STR(2, "generateName"), STR(3, "namespace"),
        STR(4, "selfLink"), STR(5, "uid"), STR(6, "resourceVersion"), I64(7, "generation"),
        TIME(8, "creationTimestamp"), TIME(9, "deletionTimestamp"),
        I64K(10, "deletionGracePeriodSeconds"), MAPSS(11, "labels"), MAPSS(12, "annotations"),
        MSGS(13, "ownerReferences", m_owner_ref), STRS(14, "finalizers"));

MESSAGE(m_selector_req, "LabelSelectorRequirement", STRK(1, "key"), STRK(2, "operator"),
        STRS(3, "values"));

MESSAGE(m_label_selector, "LabelSelector", MAPSS(1, "matchLabels"),
        MSGS(2, "matchExpressions", m_selector_req));

/* ------------------------------------------------------------------ */
/* core/v1: containers                                                 */

MESSAGE(m_local_ref, "LocalObjectReference", STR(1, "name"));

MESSAGE(m_object_ref, "ObjectReference", STR(1, "kind"), STR(2, "namespace"), STR(3, "name"),
        STR(4, "uid"), STR(5, "apiVersion"), STR(6, "resourceVersion"), STR(7, "fieldPath"));

MESSAGE(m_field_sel, "ObjectFieldSelector", STR(1, "apiVersion"), STRK(2, "fieldPath"));

MESSAGE(m_resource_field_sel, "ResourceFieldSelector", STR(1, "containerName"), STRK(2, "resource"),
        QTY(3, "divisor"));

MESSAGE(m_cm_key_sel, "ConfigMapKeySelector", INLINE(1, m_local_ref), STRK(2, "key"),
        BOOLK(3, "optional"));

MESSAGE(m_secret_key_sel, "SecretKeySelector", INLINE(1, m_local_ref), STRK(2, "key"),
        BOOLK(3, "optional"));

MESSAGE(m_env_source, "EnvVarSource", MSG(1, "fieldRef", m_field_sel),
        MSG(2, "resourceFieldRef", m_resource_field_sel), MSG(3, "configMapKeyRef", m_cm_key_sel),
        MSG(4, "secretKeyRef", m_secret_key_sel));

MESSAGE(m_env_var, "EnvVar", STRK(1, "name"), STR(2, "value"), MSG(3, "valueFrom", m_env_source));

MESSAGE(m_cm_env_source, "ConfigMapEnvSource", INLINE(1, m_local_ref), BOOLK(2, "optional"));

MESSAGE(m_secret_env_source, "SecretEnvSource", INLINE(1, m_local_ref), BOOLK(2, "optional"));

MESSAGE(m_env_from, "EnvFromSource", STR(1, "prefix"), MSG(2, "configMapRef", m_cm_env_source),
        MSG(3, "secretRef", m_secret_env_source));

MESSAGE(m_container_port, "ContainerPort", STR(1, "name"), I32(2, "hostPort"),
        I32K(3, "containerPort"), STR(4, "protocol"), STR(5, "hostIP"));

MESSAGE(m_resources, "ResourceRequirements", MAPSQ(1, "limits"), MAPSQ(2, "requests"));

MESSAGE(m_volume_mount, "VolumeMount", STRK(1, "name"), BOOL(2, "readOnly"), STRK(3, "mountPath"),
        STR(4, "subPath"), STRK(5, "mountPropagation"), STR(6, "subPathExpr"));

MESSAGE(m_volume_device, "VolumeDevice", STRK(1, "name"), STRK(2, "devicePath"));

MESSAGE(m_exec_action, "ExecAction", STRS(1, "command"));

MESSAGE(m_http_header, "HTTPHeader", STRK(1, "name"), STRK(2, "value"));

MESSAGE(m_http_get, "HTTPGetAction", STR(1, "path"), IOSK(2, "port"), STR(3, "host"),
        STR(4, "scheme"), MSGS(5, "httpHeaders", m_http_header));

MESSAGE(m_tcp_socket, "TCPSocketAction", IOSK(1, "port"), STR(2, "host"));

MESSAGE(m_handler, "ProbeHandler", MSG(1, "exec", m_exec_action), MSG(2, "httpGet", m_http_get),
        MSG(3, "tcpSocket", m_tcp_socket));

MESSAGE(m_probe, "Probe", INLINE(1, m_handler), I32(2, "initialDelaySeconds"),
        I32(3, "timeoutSeconds"), I32(4, "periodSeconds"), I32(5, "successThreshold"),
        I32(6, "failureThreshold"), I64K(7, "terminationGracePeriodSeconds"));

MESSAGE(m_lifecycle, "Lifecycle", MSG(1, "postStart", m_handler), MSG(2, "preStop", m_handler));

MESSAGE(m_capabilities, "Capabilities", STRS(1, "add"), STRS(2, "drop"));

MESSAGE(m_selinux, "SELinuxOptions", STR(1, "user"), STR(2, "role"), STR(3, "type"),
        STR(4, "level"));

MESSAGE(m_windows_opts, "WindowsSecurityContextOptions", STRK(1, "gmsaCredentialSpecName"),
        STRK(2, "gmsaCredentialSpec"), STRK(3, "runAsUserName"));

MESSAGE(m_seccomp, "SeccompProfile", STRK(1, "type"), STRK(2, "localhostProfile"));

MESSAGE(m_security_context, "SecurityContext", MSG(1, "capabilities", m_capabilities),
        BOOLK(2, "privileged"), MSG(3, "seLinuxOptions", m_selinux),
        MSG(10, "windowsOptions", m_windows_opts), I64K(4, "runAsUser"), I64K(8, "runAsGroup"),
        BOOLK(5, "runAsNonRoot"), BOOLK(6, "readOnlyRootFilesystem"),
        BOOLK(7, "allowPrivilegeEscalation"), STRK(9, "procMount"),
        MSG(11, "seccompProfile", m_seccomp));

MESSAGE(m_container, "Container", STRK(1, "name"), STR(2, "image"), STRS(3, "command"),
        STRS(4, "args"), STR(5, "workingDir"), MSGS(6, "ports", m_container_port),
        MSGS(19, "envFrom", m_env_from), MSGS(7, "env", m_env_var),
        MSG(8, "resources", m_resources), MSGS(9, "volumeMounts", m_volume_mount),
        MSGS(21, "volumeDevices", m_volume_device), MSG(10, "livenessProbe", m_probe),
        MSG(11, "readinessProbe", m_probe), MSG(22, "startupProbe", m_probe),
        MSG(12, "lifecycle", m_lifecycle), STR(13, "terminationMessagePath"),
        STR(20, "terminationMessagePolicy"), STR(14, "imagePullPolicy"),
        MSG(15, "securityContext", m_security_context), BOOL(16, "stdin"), BOOL(17, "stdinOnce"),
        BOOL(18, "tty"));

/* ------------------------------------------------------------------ */
/* core/v1: volumes                                                    */

MESSAGE(m_key_to_path, "KeyToPath", STRK(1, "key"), STRK(2, "path"), I32K(3, "mode"));

MESSAGE(m_cm_volume, "ConfigMapVolumeSource", INLINE(1, m_local_ref),
        MSGS(2, "items", m_key_to_path), I32K(3, "defaultMode"), BOOLK(4, "optional"));

MESSAGE(m_secret_volume, "SecretVolumeSource", STR(1, "secretName"),
        MSGS(2, "items", m_key_to_path), I32K(3, "defaultMode"), BOOLK(4, "optional"));

MESSAGE(m_empty_dir, "EmptyDirVolumeSource", STR(1, "medium"), QTY(2, "sizeLimit"));

MESSAGE(m_downward_file, "DownwardAPIVolumeFile", STRK(1, "path"), MSG(2, "fieldRef", m_field_sel),
        MSG(3, "resourceFieldRef", m_resource_field_sel), I32K(4, "mode"));

MESSAGE(m_downward_volume, "DownwardAPIVolumeSource", MSGS(1, "items", m_downward_file),
        I32K(2, "defaultMode"));

MESSAGE(m_pvc_volume, "PersistentVolumeClaimVolumeSource", STRK(1, "claimName"),
        BOOL(2, "readOnly"));

MESSAGE(m_host_path, "HostPathVolumeSource", STRK(1, "path"), STRK(2, "type"));

MESSAGE(m_secret_projection, "SecretProjection", INLINE(1, m_local_ref),
        MSGS(2, "items", m_key_to_path), BOOLK(4, "optional"));

MESSAGE(m_cm_projection, "ConfigMapProjection", INLINE(1, m_local_ref),
        MSGS(2, "items", m_key_to_path), BOOLK(4, "optional"));

MESSAGE(m_downward_projection, "DownwardAPIProjection", MSGS(1, "items", m_downward_file));

MESSAGE(m_sa_token_projection, "ServiceAccountTokenProjection", STR(1, "audience"),
        I64K(2, "expirationSeconds"), STRK(3, "path"));

MESSAGE(m_volume_projection, "VolumeProjection", MSG(1, "secret", m_secret_projection),
        MSG(2, "downwardAPI", m_downward_projection), MSG(3, "configMap", m_cm_projection),
        MSG(4, "serviceAccountToken", m_sa_token_projection));

MESSAGE(m_projected_volume, "ProjectedVolumeSource", MSGS(1, "sources", m_volume_projection),
        I32K(2, "defaultMode"));

MESSAGE(m_volume_source, "VolumeSource", MSG(1, "hostPath", m_host_path),
        MSG(2, "emptyDir", m_empty_dir), MSG(6, "secret", m_secret_volume),
        MSG(10, "persistentVolumeClaim", m_pvc_volume), MSG(16, "downwardAPI", m_downward_volume),
        MSG(19, "configMap", m_cm_volume), MSG(26, "projected", m_projected_volume));

MESSAGE(m_volume, "Volume", STRK(1, "name"), INLINE(2, m_volume_source));

/* ------------------------------------------------------------------ */
/* core/v1: pods                                                       */

MESSAGE(m_sysctl, "Sysctl", STRK(1, "name"), STRK(2, "value"));

MESSAGE(m_pod_security_context, "PodSecurityContext", MSG(1, "seLinuxOptions", m_selinux),
        MSG(8, "windowsOptions", m_windows_opts), I64K(2, "runAsUser"), I64K(6, "runAsGroup"),
        BOOLK(3, "runAsNonRoot"), I64S(4, "supplementalGroups"), I64K(5, "fsGroup"),
        MSGS(7, "sysctls", m_sysctl), STRK(9, "fsGroupChangePolicy"),
        MSG(10, "seccompProfile", m_seccomp));

MESSAGE(m_toleration, "Toleration", STR(1, "key"), STR(2, "operator"), STR(3, "value"),
        STR(4, "effect"), I64K(5, "tolerationSeconds"));

MESSAGE(m_host_alias, "HostAlias", STR(1, "ip"), STRS(2, "hostnames"));

MESSAGE(m_dns_option, "PodDNSConfigOption", STR(1, "name"), STRK(2, "value"));

MESSAGE(m_dns_config, "PodDNSConfig", STRS(1, "nameservers"), STRS(2, "searches"),
        MSGS(3, "options", m_dns_option));

MESSAGE(m_readiness_gate, "PodReadinessGate", STRK(1, "conditionType"));

MESSAGE(m_spread, "TopologySpreadConstraint", I32K(1, "maxSkew"), STRK(2, "topologyKey"),
        STRK(3, "whenUnsatisfiable"), MSG(4, "labelSelector", m_label_selector));

MESSAGE(m_pod_spec, "PodSpec", MSGS(1, "volumes", m_volume),
        MSGS(20, "initContainers", m_container), MSGS(2, "containers", m_container),
        STR(3, "restartPolicy"), I64K(4, "terminationGracePeriodSeconds"),
        I64K(5, "activeDeadlineSeconds"), STR(6, "dnsPolicy"), MAPSS(7, "nodeSelector"),
        STR(8, "serviceAccountName"), STR(9, "serviceAccount"),
        BOOLK(21, "automountServiceAccountToken"), STR(10, "nodeName"), BOOL(11, "hostNetwork"),
        BOOL(12, "hostPID"), BOOL(13, "hostIPC"), BOOLK(27, "shareProcessNamespace"),
        MSG(14, "securityContext", m_pod_security_context),
        MSGS(15, "imagePullSecrets", m_local_ref), STR(16, "hostname"), STR(17, "subdomain"),
        STR(19, "schedulerName"), MSGS(22, "tolerations", m_toleration),
        MSGS(23, "hostAliases", m_host_alias), STR(24, "priorityClassName"), I32K(25, "priority"),
        MSG(26, "dnsConfig", m_dns_config), MSGS(28, "readinessGates", m_readiness_gate),
        STRK(29, "runtimeClassName"), BOOLK(30, "enableServiceLinks"), STRK(31, "preemptionPolicy"),
        MAPSQ(32, "overhead"), MSGS(33, "topologySpreadConstraints", m_spread),
        BOOLK(35, "setHostnameAsFQDN"));

MESSAGE(m_pod_template_spec, "PodTemplateSpec", MSG(1, "metadata", m_object_meta),
        MSG(2, "spec", m_pod_spec));

MESSAGE(m_pod_condition, "PodCondition", STRK(1, "type"), STRK(2, "status"),
        TIME(3, "lastProbeTime"), TIME(4, "lastTransitionTime"), STR(5, "reason"),
        STR(6, "message"));

MESSAGE(m_pod_ip, "PodIP", STR(1, "ip"));

MESSAGE(m_pod_status, "PodStatus", STR(1, "phase"), MSGS(2, "conditions", m_pod_condition),
        STR(3, "message"), STR(4, "reason"), STR(11, "nominatedNodeName"), STR(5, "hostIP"),
        STR(6, "podIP"), MSGS(12, "podIPs", m_pod_ip), TIME(7, "startTime"), STR(9, "qosClass"));

MESSAGE(m_pod, "Pod", MSG(1, "metadata", m_object_meta), MSG(2, "spec", m_pod_spec),
        MSG(3, "status", m_pod_status));

/* ------------------------------------------------------------------ */
/* core/v1: namespaces, config, services, claims                       */

MESSAGE(m_ns_spec, "NamespaceSpec", STRS(1, "finalizers"));

MESSAGE(m_ns_condition, "NamespaceCondition", STRK(1, "type"), STRK(2, "status"),
        TIME(4, "lastTransitionTime"), STR(5, "reason"), STR(6, "message"));

MESSAGE(m_ns_status, "NamespaceStatus", STR(1, "phase"), MSGS(2, "conditions", m_ns_condition));

MESSAGE(m_namespace, "Namespace", MSG(1, "metadata", m_object_meta), MSG(2, "spec", m_ns_spec),
        MSG(3, "status", m_ns_status));

MESSAGE(m_configmap, "ConfigMap", MSG(1, "metadata", m_object_meta), BOOLK(4, "immutable"),
        MAPSS(2, "data"), MAPSB(3, "binaryData"));

MESSAGE(m_secret, "Secret", MSG(1, "metadata", m_object_meta), BOOLK(5, "immutable"),
        MAPSB(2, "data"), MAPSS(4, "stringData"), STR(3, "type"));

MESSAGE(m_service_account, "ServiceAccount", MSG(1, "metadata", m_object_meta),
        MSGS(2, "secrets", m_object_ref), MSGS(3, "imagePullSecrets", m_local_ref),
        BOOLK(4, "automountServiceAccountToken"));

MESSAGE(m_service_port, "ServicePort", STR(1, "name"), STR(2, "protocol"), STRK(6, "appProtocol"),
        I32K(3, "port"), IOS(4, "targetPort"), I32(5, "nodePort"));

MESSAGE(m_client_ip_config, "ClientIPConfig", I32K(1, "timeoutSeconds"));

MESSAGE(m_session_affinity_config, "SessionAffinityConfig", MSG(1, "clientIP", m_client_ip_config));

MESSAGE(m_service_spec, "ServiceSpec", MSGS(1, "ports", m_service_port), MAPSS(2, "selector"),
        STR(3, "clusterIP"), STRS(18, "clusterIPs"), STR(4, "type"), STRS(5, "externalIPs"),
        STR(7, "sessionAffinity"), STR(8, "loadBalancerIP"), STRS(9, "loadBalancerSourceRanges"),
        STR(10, "externalName"), STR(11, "externalTrafficPolicy"), I32(12, "healthCheckNodePort"),
        BOOL(13, "publishNotReadyAddresses"),
        MSG(14, "sessionAffinityConfig", m_session_affinity_config), STRS(19, "ipFamilies"),
        STRK(17, "ipFamilyPolicy"), BOOLK(20, "allocateLoadBalancerNodePorts"),
        STRK(21, "loadBalancerClass"), STRK(22, "internalTrafficPolicy"));

MESSAGE(m_lb_ingress, "LoadBalancerIngress", STR(1, "ip"), STR(2, "hostname"));

MESSAGE(m_lb_status, "LoadBalancerStatus", MSGS(1, "ingress", m_lb_ingress));

MESSAGE(m_service_status, "ServiceStatus", MSG(1, "loadBalancer", m_lb_status));

MESSAGE(m_service, "Service", MSG(1, "metadata", m_object_meta), MSG(2, "spec", m_service_spec),
        MSG(3, "status", m_service_status));

MESSAGE(m_typed_local_ref, "TypedLocalObjectReference", STRK(1, "apiGroup"), STRK(2, "kind"),
        STRK(3, "name"));

MESSAGE(m_pvc_spec, "PersistentVolumeClaimSpec", STRS(1, "accessModes"),
        MSG(4, "selector", m_label_selector), MSG(2, "resources", m_resources),
        STR(3, "volumeName"), STRK(5, "storageClassName"), STRK(6, "volumeMode"),
        MSG(7, "dataSource", m_typed_local_ref));

MESSAGE(m_pvc_status, "PersistentVolumeClaimStatus", STR(1, "phase"), STRS(2, "accessModes"),
        MAPSQ(3, "capacity"));

MESSAGE(m_pvc, "PersistentVolumeClaim", MSG(1, "metadata", m_object_meta),
        MSG(2, "spec", m_pvc_spec), MSG(3, "status", m_pvc_status));

/* ------------------------------------------------------------------ */
/* apps/v1                                                             */

MESSAGE(m_rolling_update_deploy, "RollingUpdateDeployment", IOSK(1, "maxUnavailable"),
        IOSK(2, "maxSurge"));

MESSAGE(m_deploy_strategy, "DeploymentStrategy", STR(1, "type"),
        MSG(2, "rollingUpdate", m_rolling_update_deploy));

MESSAGE(m_deploy_spec, "DeploymentSpec", I32K(1, "replicas"), MSG(2, "selector", m_label_selector),
        MSG(3, "template", m_pod_template_spec), MSG(4, "strategy", m_deploy_strategy),
        I32(5, "minReadySeconds"), I32K(6, "revisionHistoryLimit"), BOOL(7, "paused"),
        I32K(9, "progressDeadlineSeconds"), STRK(10, "podReplacementPolicy"));

MESSAGE(m_deploy_condition, "DeploymentCondition", STRK(1, "type"), STRK(2, "status"),
        TIME(6, "lastUpdateTime"), TIME(7, "lastTransitionTime"), STR(4, "reason"),
        STR(5, "message"));

MESSAGE(m_deploy_status, "DeploymentStatus", I64(1, "observedGeneration"), I32(2, "replicas"),
        I32(3, "updatedReplicas"), I32(7, "readyReplicas"), I32(4, "availableReplicas"),
        I32(5, "unavailableReplicas"), I32K(9, "terminatingReplicas"),
        MSGS(6, "conditions", m_deploy_condition), I32K(8, "collisionCount"));

MESSAGE(m_deployment, "Deployment", MSG(1, "metadata", m_object_meta),
        MSG(2, "spec", m_deploy_spec), MSG(3, "status", m_deploy_status));

MESSAGE(m_rs_spec, "ReplicaSetSpec", I32K(1, "replicas"), I32(4, "minReadySeconds"),
        MSG(2, "selector", m_label_selector), MSG(3, "template", m_pod_template_spec));

/* ReplicaSetCondition and StatefulSetCondition share their numbers. */
MESSAGE(m_set_condition, "ReplicaSetCondition", STRK(1, "type"), STRK(2, "status"),
        TIME(3, "lastTransitionTime"), STR(4, "reason"), STR(5, "message"));

MESSAGE(m_rs_status, "ReplicaSetStatus", I32K(1, "replicas"), I32(2, "fullyLabeledReplicas"),
        I32(4, "readyReplicas"), I32(5, "availableReplicas"), I32K(7, "terminatingReplicas"),
        I64(3, "observedGeneration"), MSGS(6, "conditions", m_set_condition));

MESSAGE(m_replicaset, "ReplicaSet", MSG(1, "metadata", m_object_meta), MSG(2, "spec", m_rs_spec),
        MSG(3, "status", m_rs_status));

MESSAGE(m_rolling_update_sts, "RollingUpdateStatefulSetStrategy", I32K(1, "partition"),
        IOSK(2, "maxUnavailable"));

MESSAGE(m_sts_strategy, "StatefulSetUpdateStrategy", STR(1, "type"),
        MSG(2, "rollingUpdate", m_rolling_update_sts));

MESSAGE(m_sts_pvc_policy, "StatefulSetPersistentVolumeClaimRetentionPolicy", STR(1, "whenDeleted"),
        STR(2, "whenScaled"));

MESSAGE(m_sts_ordinals, "StatefulSetOrdinals", I32K(1, "start"));

MESSAGE(m_sts_spec, "StatefulSetSpec", I32K(1, "replicas"), MSG(2, "selector", m_label_selector),
        MSG(3, "template", m_pod_template_spec), MSGS(4, "volumeClaimTemplates", m_pvc),
        STR(5, "serviceName"), STR(6, "podManagementPolicy"),
        MSG(7, "updateStrategy", m_sts_strategy), I32K(8, "revisionHistoryLimit"),
        I32(9, "minReadySeconds"),
        MSG(10, "persistentVolumeClaimRetentionPolicy", m_sts_pvc_policy),
        MSG(11, "ordinals", m_sts_ordinals));

MESSAGE(m_sts_status, "StatefulSetStatus", I64(1, "observedGeneration"), I32K(2, "replicas"),
        I32(3, "readyReplicas"), I32(4, "currentReplicas"), I32(5, "updatedReplicas"),
        STR(6, "currentRevision"), STR(7, "updateRevision"), I32K(9, "collisionCount"),
        MSGS(10, "conditions", m_set_condition), I32K(11, "availableReplicas"));

MESSAGE(m_statefulset, "StatefulSet", MSG(1, "metadata", m_object_meta), MSG(2, "spec", m_sts_spec),
        MSG(3, "status", m_sts_status));

/* ------------------------------------------------------------------ */
/* batch/v1                                                            */

MESSAGE(m_job_spec, "JobSpec", I32K(1, "parallelism"), I32K(2, "completions"),
        I64K(3, "activeDeadlineSeconds"), I32K(7, "backoffLimit"), I32K(12, "backoffLimitPerIndex"),
        I32K(13, "maxFailedIndexes"), MSG(4, "selector", m_label_selector),
        BOOLK(5, "manualSelector"), MSG(6, "template", m_pod_template_spec),
        I32K(8, "ttlSecondsAfterFinished"), STRK(9, "completionMode"), BOOLK(10, "suspend"),
        STRK(14, "podReplacementPolicy"), STRK(15, "managedBy"));

MESSAGE(m_job_condition, "JobCondition", STRK(1, "type"), STRK(2, "status"),
        TIME(3, "lastProbeTime"), TIME(4, "lastTransitionTime"), STR(5, "reason"),
        STR(6, "message"));

MESSAGE(m_job_status, "JobStatus", MSGS(1, "conditions", m_job_condition), TIME(2, "startTime"),
        TIME(3, "completionTime"), I32(4, "active"), I32(5, "succeeded"), I32(6, "failed"),
        I32K(11, "terminating"), STR(7, "completedIndexes"), STRK(10, "failedIndexes"),
        I32K(9, "ready"));

MESSAGE(m_job, "Job", MSG(1, "metadata", m_object_meta), MSG(2, "spec", m_job_spec),
        MSG(3, "status", m_job_status));

MESSAGE(m_job_template, "JobTemplateSpec", MSG(1, "metadata", m_object_meta),
        MSG(2, "spec", m_job_spec));

MESSAGE(m_cronjob_spec, "CronJobSpec", STRK(1, "schedule"), STRK(8, "timeZone"),
        I64K(2, "startingDeadlineSeconds"), STR(3, "concurrencyPolicy"), BOOLK(4, "suspend"),
        MSG(5, "jobTemplate", m_job_template), I32K(6, "successfulJobsHistoryLimit"),
        I32K(7, "failedJobsHistoryLimit"));

MESSAGE(m_cronjob_status, "CronJobStatus", MSGS(1, "active", m_object_ref),
        TIME(4, "lastScheduleTime"), TIME(5, "lastSuccessfulTime"));

MESSAGE(m_cronjob, "CronJob", MSG(1, "metadata", m_object_meta), MSG(2, "spec", m_cronjob_spec),
        MSG(3, "status", m_cronjob_status));

/* ------------------------------------------------------------------ */
/* meta/v1: the body of a DELETE (helm sends it in protobuf)           */

MESSAGE(m_preconditions, "Preconditions", STRK(1, "uid"), STRK(2, "resourceVersion"));

MESSAGE(m_delete_options, "DeleteOptions", I64K(1, "gracePeriodSeconds"),
        MSG(2, "preconditions", m_preconditions), BOOLK(3, "orphanDependents"),
        STRK(4, "propagationPolicy"), STRS(5, "dryRun"));

/* ------------------------------------------------------------------ */

static const struct ks_pb_kind_entry kinds[] = {
    {"apps/v1", "Deployment", &m_deployment},
    {"apps/v1", "StatefulSet", &m_statefulset},
    {"apps/v1", "ReplicaSet", &m_replicaset},
    {"v1", "Namespace", &m_namespace},
    {"v1", "ConfigMap", &m_configmap},
    {"v1", "Secret", &m_secret},
    {"v1", "Service", &m_service},
    {"v1", "ServiceAccount", &m_service_account},
    {"v1", "Pod", &m_pod},
    {"v1", "PersistentVolumeClaim", &m_pvc},
    {"batch/v1", "Job", &m_job},
    {"batch/v1", "CronJob", &m_cronjob},
};

const struct ks_pb_msg *ks_pb_find_kind(const char *api_version, const char *kind)
{
    if (!api_version || !kind)
        return NULL;
    /* DeleteOptions is registered in every group version. */
    if (strcmp(kind, "DeleteOptions") == 0)
        return &m_delete_options;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].api_version, api_version) == 0 && strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].msg;
    return NULL;
}
