/*
 * kubesim: the column sets and cells of the built-in kinds, as
 * kubernetes' pkg/printers/internalversion/printers.go prints them with
 * Wide: true (the server always does; kubectl hides priority 1 columns
 * unless -o wide).
 */
#include "table.h"

#include "table_cells.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char ks_table_desc_name[] =
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const char ks_table_desc_created[] =
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#metadata";

#define NAME_COL                                                                                   \
    {                                                                                              \
        "Name", "string", "name", ks_table_desc_name, 0                                            \
    }
#define AGE_COL                                                                                    \
    {                                                                                              \
        "Age", "string", "", ks_table_desc_created, 0                                              \
    }
#define CONTAINERS_COL                                                                             \
    {                                                                                              \
        "Containers", "string", "", "Names of each container in the template.", 1                  \
    }
#define IMAGES_COL                                                                                 \
    {                                                                                              \
        "Images", "string", "", "Images referenced by each container in the template.", 1          \
    }
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Pods                                                                */

static const struct ks_table_col pod_cols[] = {
    NAME_COL,
    {"Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0},
    {"Status", "string", "", "The aggregate status of the containers in this pod.", 0},
    {"Restarts", "string", "",
     "The number of times the containers in this pod have been restarted and when the last "
     "container in this pod has restarted.",
     0},
    AGE_COL,
    {"IP", "string", "",
     "podIP address allocated to the pod. Routable at least within the cluster. Empty if not "
     "yet allocated.",
     1},
    {"Node", "string", "",
     "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
     "candidate for scheduling by the scheduler defined in schedulerName. Once this field is "
     "set, the kubelet for this node becomes responsible for the lifecycle of this pod. This "
     "field should not be used to express a desire for the pod to be scheduled on a specific "
     "node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
     1},
    {"Nominated Node", "string", "",
     "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
     "cannot be scheduled right away as preemption victims receive their graceful termination "
     "periods. This field does not guarantee that the pod will be scheduled on this node. "
     "Scheduler may decide to place the pod elsewhere if other nodes become available sooner. "
     "Scheduler may also decide to give the resources on this node to a higher priority pod "
     "that is created after preemption. As a result, this field may be different than "
     "PodSpec.nodeName when the pod is scheduled.",
     1},
    {"Readiness Gates", "string", "",
     "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready "
     "when all its containers are ready AND all conditions specified in the readiness gates "
     "have status equal to \"True\" More info: "
     "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
     1},
};

static bool cond_true(const cJSON *conds, const char *type)
{
    const cJSON *c;

    cJSON_ArrayForEach(c, conds)
    {
        const char *t = ks_json_str(c, "type");
        if (t && strcmp(t, type) == 0) {
            const char *st = ks_json_str(c, "status");
            return st && strcmp(st, "True") == 0;
        }
    }
    return false;
}

static bool restartable_init(const cJSON *spec, const char *name)
{
    const cJSON *c;

    if (!name)
        return false;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "initContainers"))
    {
        const char *n = ks_json_str(c, "name");
        if (n && strcmp(n, name) == 0) {
            const char *rp = ks_json_str(c, "restartPolicy");
            return rp && strcmp(rp, "Always") == 0;
        }
    }
    return false;
}

/* Later of *last and the container's lastState.terminated.finishedAt. */
static void note_restart(const cJSON *cs, double *last)
{
    double t;

    if (ks_table_parse_time(ks_json_str(cs, "lastState.terminated.finishedAt"), &t) && t > *last)
        *last = t;
}

static int pod_cells(const cJSON *pod, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(pod, "status");
    const cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
    const char *phase = ks_json_str(pod, "status.phase");
    const char *sreason = ks_json_str(pod, "status.reason");
    char reason[160];
    long long restarts = 0, rinit_restarts = 0;
    int total = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(spec, "containers"));
    int ready = 0, n_init = 0;
    double last = 0, rinit_last = 0;
    const cJSON *c;

    snprintf(reason, sizeof(reason), "%s", sreason && *sreason ? sreason : phase ? phase : "");
    cJSON_ArrayForEach(c, conds)
    {
        const char *t = ks_json_str(c, "type"), *rs = ks_json_str(c, "reason");
        if (t && rs && strcmp(t, "PodScheduled") == 0 && strcmp(rs, "SchedulingGated") == 0)
            snprintf(reason, sizeof(reason), "SchedulingGated");
    }
    if (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)) {
        bool ok = strcmp(phase, "Succeeded") == 0;
        *conditions = cJSON_CreateArray();
        cJSON *rc = cJSON_CreateObject();
        if (!*conditions || !rc) {
            cJSON_Delete(rc);
            return KS_ENOMEM;
        }
        cJSON_AddItemToArray(*conditions, rc);
        cJSON_AddStringToObject(rc, "type", "Completed");
        cJSON_AddStringToObject(rc, "status", "True");
        cJSON_AddStringToObject(rc, "reason", phase);
        cJSON_AddStringToObject(rc, "message",
                                ok ? "The pod has completed successfully." : "The pod failed.");
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "initContainers"))
    {
        const char *rp = ks_json_str(c, "restartPolicy");
        n_init++;
        if (rp && strcmp(rp, "Always") == 0)
            total++;
    }

    bool initializing = false;
    int i = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(status, "initContainerStatuses"))
    {
        bool rinit = restartable_init(spec, ks_json_str(c, "name"));
        long long rc = ks_tc_int(c, "restartCount", 0);
        restarts += rc;
        note_restart(c, &last);
        if (rinit) {
            rinit_restarts += rc;
            note_restart(c, &rinit_last);
        }
        const cJSON *term = ks_json_path(c, "state.terminated");
        const char *wreason = ks_json_str(c, "state.waiting.reason");
        if (term && ks_tc_int(term, "exitCode", 0) == 0) {
            i++;
            continue;
        }
        if (rinit && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "started"))) {
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "ready")))
                ready++;
            i++;
            continue;
        }
        if (term) {
            const char *tr = ks_json_str(term, "reason");
            if (!tr || !*tr) {
                long long sig = ks_tc_int(term, "signal", 0);
                if (sig)
                    snprintf(reason, sizeof(reason), "Init:Signal:%lld", sig);
                else
                    snprintf(reason, sizeof(reason), "Init:ExitCode:%lld",
                             ks_tc_int(term, "exitCode", 0));
            } else {
                snprintf(reason, sizeof(reason), "Init:%.100s", tr);
            }
        } else if (wreason && *wreason && strcmp(wreason, "PodInitializing") != 0) {
            snprintf(reason, sizeof(reason), "Init:%.100s", wreason);
        } else {
            snprintf(reason, sizeof(reason), "Init:%d/%d", i, n_init);
        }
        initializing = true;
        break;
    }

    if (!initializing || cond_true(conds, "Initialized")) {
        restarts = rinit_restarts;
        last = rinit_last;
        bool has_running = false;
        const cJSON *css = cJSON_GetObjectItemCaseSensitive(status, "containerStatuses");
        for (int k = cJSON_GetArraySize(css) - 1; k >= 0; k--) {
            const cJSON *cs = cJSON_GetArrayItem(css, k);
            const char *wr = ks_json_str(cs, "state.waiting.reason");
            const cJSON *term = ks_json_path(cs, "state.terminated");
            const char *tr = ks_json_str(cs, "state.terminated.reason");
            restarts += ks_tc_int(cs, "restartCount", 0);
            note_restart(cs, &last);
            if (wr && *wr) {
                snprintf(reason, sizeof(reason), "%.150s", wr);
            } else if (term && tr && *tr) {
                snprintf(reason, sizeof(reason), "%.150s", tr);
            } else if (term) {
                long long sig = ks_tc_int(term, "signal", 0);
                if (sig)
                    snprintf(reason, sizeof(reason), "Signal:%lld", sig);
                else
                    snprintf(reason, sizeof(reason), "ExitCode:%lld",
                             ks_tc_int(term, "exitCode", 0));
            } else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cs, "ready")) &&
                       ks_json_path(cs, "state.running")) {
                has_running = true;
                ready++;
            }
        }
        if (strcmp(reason, "Completed") == 0 && has_running)
            snprintf(reason, sizeof(reason), "%s",
                     cond_true(conds, "Ready") ? "Running" : "NotReady");
    }

    bool deleting = ks_json_str(pod, "metadata.deletionTimestamp") != NULL;
    bool terminal = phase && (strcmp(phase, "Failed") == 0 || strcmp(phase, "Succeeded") == 0);
    if (deleting && sreason && strcmp(sreason, "NodeLost") == 0)
        snprintf(reason, sizeof(reason), "Unknown");
    else if (deleting && !terminal)
        snprintf(reason, sizeof(reason), "Terminating");

    char buf[96], ago[32];
    ks_tc_str(&r, ks_json_str(pod, "metadata.name"));
    snprintf(buf, sizeof(buf), "%d/%d", ready, total);
    ks_tc_str(&r, buf);
    ks_tc_str(&r, reason);
    if (restarts != 0 && last > 0) {
        ks_table_human_duration(now - last, ago, sizeof(ago));
        snprintf(buf, sizeof(buf), "%lld (%s ago)", restarts, ago);
    } else {
        snprintf(buf, sizeof(buf), "%lld", restarts);
    }
    ks_tc_str(&r, buf);
    ks_tc_age(&r, pod, now);

    const cJSON *ips = ks_json_path(pod, "status.podIPs");
    const char *ip = cJSON_IsArray(ips) ? ks_json_str(cJSON_GetArrayItem(ips, 0), "ip") : NULL;
    ks_tc_str_or(&r, ip, "<none>");
    ks_tc_str_or(&r, ks_json_str(spec, "nodeName"), "<none>");
    ks_tc_str_or(&r, ks_json_str(status, "nominatedNodeName"), "<none>");
    const cJSON *gates = cJSON_GetObjectItemCaseSensitive(spec, "readinessGates");
    if (cJSON_GetArraySize(gates) > 0) {
        int t = 0;
        cJSON_ArrayForEach(c, gates)
        {
            const char *ct = ks_json_str(c, "conditionType");
            if (ct && cond_true(conds, ct))
                t++;
        }
        snprintf(buf, sizeof(buf), "%d/%d", t, cJSON_GetArraySize(gates));
        ks_tc_str(&r, buf);
    } else {
        ks_tc_str(&r, "<none>");
    }
    return r.oom ? KS_ENOMEM : 0;
}

/* ------------------------------------------------------------------ */
/* Workloads                                                           */

static const struct ks_table_col deploy_cols[] = {
    NAME_COL,
    {"Ready", "string", "", "Number of the pod with ready state", 0},
    {"Up-to-date", "string", "",
     "Total number of non-terminated pods targeted by this deployment that have the desired "
     "template spec.",
     0},
    {"Available", "string", "",
     "Total number of available pods (ready for at least minReadySeconds) targeted by this "
     "deployment.",
     0},
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    {"Selector", "string", "",
     "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be "
     "the ones affected by this deployment.",
     1},
};

static int deploy_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};
    char buf[64];

    (void)conditions;
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    snprintf(buf, sizeof(buf), "%lld/%lld", ks_tc_int(o, "status.readyReplicas", 0),
             ks_tc_int(o, "spec.replicas", 0));
    ks_tc_str(&r, buf);
    ks_tc_num(&r, ks_tc_int(o, "status.updatedReplicas", 0));
    ks_tc_num(&r, ks_tc_int(o, "status.availableReplicas", 0));
    ks_tc_age(&r, o, now);
    ks_tc_containers(&r, ks_json_path(o, "spec.template.spec.containers"));
    ks_tc_selector(&r, ks_json_path(o, "spec.selector"), "");
    return r.oom ? KS_ENOMEM : 0;
}

static const struct ks_table_col rs_cols[] = {
    NAME_COL,
    {"Desired", "integer", "",
     "Replicas is the number of desired pods. This is a pointer to distinguish between "
     "explicit zero and unspecified. Defaults to 1. More info: "
     "https://kubernetes.io/docs/concepts/workloads/controllers/"
     "replicationcontroller/#what-is-a-replicationcontroller",
     0},
    {"Current", "integer", "",
     "Replicas is the most recently observed number of replicas. More info: "
     "https://kubernetes.io/docs/concepts/workloads/controllers/"
     "replicationcontroller/#what-is-a-replicationcontroller",
     0},
    {"Ready", "integer", "",
     "The number of ready replicas for this replica set. A pod is considered ready when it's "
     "Ready condition is true.",
     0},
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    {"Selector", "string", "",
     "Selector is a label query over pods that should match the replica count. Label keys "
     "and values that must match in order to be controlled by this replica set. More info: "
     "https://kubernetes.io/docs/concepts/overview/working-with-objects/"
     "labels/#label-selectors",
     1},
};

static int rs_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};

    (void)conditions;
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    ks_tc_num(&r, ks_tc_int(o, "spec.replicas", 0));
    ks_tc_num(&r, ks_tc_int(o, "status.replicas", 0));
    ks_tc_num(&r, ks_tc_int(o, "status.readyReplicas", 0));
    ks_tc_age(&r, o, now);
    ks_tc_containers(&r, ks_json_path(o, "spec.template.spec.containers"));
    ks_tc_selector(&r, ks_json_path(o, "spec.selector"), "<none>");
    return r.oom ? KS_ENOMEM : 0;
}

static const struct ks_table_col sts_cols[] = {
    NAME_COL,   {"Ready", "string", "", "Number of the pod with ready state", 0},
    AGE_COL,    CONTAINERS_COL,
    IMAGES_COL,
};

static int sts_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};
    char buf[64];

    (void)conditions;
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    snprintf(buf, sizeof(buf), "%lld/%lld", ks_tc_int(o, "status.readyReplicas", 0),
             ks_tc_int(o, "spec.replicas", 0));
    ks_tc_str(&r, buf);
    ks_tc_age(&r, o, now);
    ks_tc_containers(&r, ks_json_path(o, "spec.template.spec.containers"));
    return r.oom ? KS_ENOMEM : 0;
}

static const struct ks_table_col ds_cols[] = {
    NAME_COL,
    {"Desired", "integer", "",
     "The total number of nodes that should be running the daemon pod (including nodes "
     "correctly running the daemon pod). More info: "
     "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
     0},
    {"Current", "integer", "",
     "The number of nodes that are running at least 1 daemon pod and are supposed to run the "
     "daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/"
     "daemonset/",
     0},
    {"Ready", "integer", "",
     "The number of nodes that should be running the daemon pod and have one or more of the "
     "daemon pod running and ready.",
     0},
    {"Up-to-date", "integer", "", "The total number of nodes that are running updated daemon pod",
     0},
    {"Available", "integer", "",
     "The number of nodes that should be running the daemon pod and have one or more of the "
     "daemon pod running and available (ready for at least spec.minReadySeconds)",
     0},
    {"Node Selector", "string", "",
     "NodeSelector is a selector which must be true for the pod to fit on a node. Selector "
     "which must match a node's labels for the pod to be scheduled on that node. More info: "
     "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
     0},
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    {"Selector", "string", "",
     "A label query over pods that are managed by the daemon set. Must match in order to be "
     "controlled. It must match the pod template's labels. More info: "
     "https://kubernetes.io/docs/concepts/overview/working-with-objects/"
     "labels/#label-selectors",
     1},
};

static int ds_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};

    (void)conditions;
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    ks_tc_num(&r, ks_tc_int(o, "status.desiredNumberScheduled", 0));
    ks_tc_num(&r, ks_tc_int(o, "status.currentNumberScheduled", 0));
    ks_tc_num(&r, ks_tc_int(o, "status.numberReady", 0));
    ks_tc_num(&r, ks_tc_int(o, "status.updatedNumberScheduled", 0));
    ks_tc_num(&r, ks_tc_int(o, "status.numberAvailable", 0));
    ks_tc_labels(&r, ks_json_path(o, "spec.template.spec.nodeSelector"));
    ks_tc_age(&r, o, now);
    ks_tc_containers(&r, ks_json_path(o, "spec.template.spec.containers"));
    ks_tc_selector(&r, ks_json_path(o, "spec.selector"), "<none>");
    return r.oom ? KS_ENOMEM : 0;
}

/* ------------------------------------------------------------------ */
/* Small kinds                                                         */

static const struct ks_table_col ns_cols[] = {
    NAME_COL,
    {"Status", "string", "", "The status of the namespace", 0},
    AGE_COL,
};

static int ns_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};

    (void)conditions;
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    ks_tc_str(&r, ks_json_str(o, "status.phase"));
    ks_tc_age(&r, o, now);
    return r.oom ? KS_ENOMEM : 0;
}

static const struct ks_table_col cm_cols[] = {
    NAME_COL,
    {"Data", "string", "",
     "Data contains the configuration data. Each key must consist of alphanumeric characters, "
     "'-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The "
     "keys stored in Data must not overlap with the keys in the BinaryData field, this is "
     "enforced during validation process.",
     0},
    AGE_COL,
};

static int cm_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};

    (void)conditions;
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    ks_tc_num(&r, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "data")) +
                      cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "binaryData")));
    ks_tc_age(&r, o, now);
    return r.oom ? KS_ENOMEM : 0;
}

static const struct ks_table_col secret_cols[] = {
    NAME_COL,
    {"Type", "string", "",
     "Used to facilitate programmatic handling of secret data. More info: "
     "https://kubernetes.io/docs/concepts/configuration/secret/"
     "#secret-types",
     0},
    {"Data", "string", "",
     "Data contains the secret data. Each key must consist of alphanumeric characters, '-', "
     "'_' or '.'. The serialized form of the secret data is a base64 encoded string, "
     "representing the arbitrary (possibly non-string) data value here. Described in "
     "https://tools.ietf.org/html/rfc4648#section-4",
     0},
    AGE_COL,
};

static int secret_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};

    (void)conditions;
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    ks_tc_str(&r, ks_json_str(o, "type"));
    ks_tc_num(&r, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "data")));
    ks_tc_age(&r, o, now);
    return r.oom ? KS_ENOMEM : 0;
}

static const struct ks_table_col sa_cols[] = {
    NAME_COL,
    {"Secrets", "string", "",
     "Secrets is a list of the secrets in the same namespace that pods running using this "
     "ServiceAccount are allowed to use.",
     0},
    AGE_COL,
};

static int sa_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};

    (void)conditions;
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    ks_tc_num(&r, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "secrets")));
    ks_tc_age(&r, o, now);
    return r.oom ? KS_ENOMEM : 0;
}

static const struct ks_table_col lease_cols[] = {
    NAME_COL,
    {"Holder", "string", "",
     "holderIdentity contains the identity of the holder of a current lease. If Coordinated "
     "Leader Election is used, the holder identity must be equal to the elected "
     "LeaseCandidate.metadata.name field.",
     0},
    AGE_COL,
};

static int lease_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};

    (void)conditions;
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    ks_tc_str(&r, ks_json_str(o, "spec.holderIdentity"));
    ks_tc_age(&r, o, now);
    return r.oom ? KS_ENOMEM : 0;
}

/* The default table of the apiserver (rest.NewDefaultTableConvertor):
 * the CRD objects themselves and any kind without a printer. */
static const struct ks_table_col default_cols[] = {
    NAME_COL,
    {"Created At", "date", "", ks_table_desc_created, 0},
};

static int default_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};
    char ts[32];
    double t = 0;

    (void)now;
    (void)conditions;
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    if (!ks_table_parse_time(ks_json_str(o, "metadata.creationTimestamp"), &t))
        snprintf(ts, sizeof(ts), "0001-01-01T00:00:00Z");
    else
        ks_time_format(t, ts);
    ks_tc_str(&r, ts);
    return r.oom ? KS_ENOMEM : 0;
}

const struct ks_table_printer ks_table_default_printer = {"", "", default_cols, N(default_cols),
                                                          default_cells};

static const struct ks_table_printer printers[] = {
    {"", "Pod", pod_cols, N(pod_cols), pod_cells},
    {"", "Namespace", ns_cols, N(ns_cols), ns_cells},
    {"", "ConfigMap", cm_cols, N(cm_cols), cm_cells},
    {"", "Secret", secret_cols, N(secret_cols), secret_cells},
    {"", "ServiceAccount", sa_cols, N(sa_cols), sa_cells},
    {"apps", "Deployment", deploy_cols, N(deploy_cols), deploy_cells},
    {"apps", "ReplicaSet", rs_cols, N(rs_cols), rs_cells},
    {"apps", "StatefulSet", sts_cols, N(sts_cols), sts_cells},
    {"apps", "DaemonSet", ds_cols, N(ds_cols), ds_cells},
    {"coordination.k8s.io", "Lease", lease_cols, N(lease_cols), lease_cells},
};

const struct ks_table_printer *ks_table_printer_find(const char *group, const char *kind)
{
    static const struct ks_table_printer *const more[] = {
        &ks_table_node_printer, &ks_table_service_printer, &ks_table_event_printer,
        &ks_table_hpa_printer};

    if (!group || !kind)
        return NULL;
    for (size_t i = 0; i < N(printers); i++)
        if (strcmp(printers[i].group, group) == 0 && strcmp(printers[i].kind, kind) == 0)
            return &printers[i];
    for (size_t i = 0; i < N(more); i++)
        if (strcmp(more[i]->group, group) == 0 && strcmp(more[i]->kind, kind) == 0)
            return more[i];
    return NULL;
}
