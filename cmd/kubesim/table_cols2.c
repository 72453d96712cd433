/*
 * kubesim: the table printers of Nodes, Services, Events and
 * HorizontalPodAutoscalers (printers.go).
 */
#include "table.h"

#include "table_cells.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_COL                                                                                   \
    {                                                                                              \
        "Name", "string", "name", ks_table_desc_name, 0                                            \
    }
#define AGE_COL                                                                                    \
    {                                                                                              \
        "Age", "string", "", ks_table_desc_created, 0                                              \
    }
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Nodes                                                               */

static const struct ks_table_col node_cols[] = {
    NAME_COL,
    {"Status", "string", "", "The status of the node", 0},
    {"Roles", "string", "", "The roles of the node", 0},
    AGE_COL,
    {"Version", "string", "", "Kubelet Version reported by the node.", 0},
    {"Internal-IP", "string", "",
     "List of addresses reachable to the node. Queried from cloud provider, if available.", 1},
    {"External-IP", "string", "",
     "List of addresses reachable to the node. Queried from cloud provider, if available.", 1},
    {"OS-Image", "string", "",
     "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1},
    {"Kernel-Version", "string", "",
     "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1},
    {"Container-Runtime", "string", "",
     "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
     "containerd://1.4.2).",
     1},
};

static const char *node_address(const cJSON *o, const char *type)
{
    const cJSON *a;

    cJSON_ArrayForEach(a, ks_json_path(o, "status.addresses"))
    {
        const char *t = ks_json_str(a, "type");
        if (t && strcmp(t, type) == 0)
            return ks_json_str(a, "address");
    }
    return NULL;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int node_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};
    char status[64] = "";
    const cJSON *c;
    static const char prefix[] = "node-role.kubernetes.io/";

    (void)conditions;
    cJSON_ArrayForEach(c, ks_json_path(o, "status.conditions"))
    {
        const char *t = ks_json_str(c, "type"), *st = ks_json_str(c, "status");
        if (t && strcmp(t, "Ready") == 0)
            snprintf(status, sizeof(status), "%s",
                     st && strcmp(st, "True") == 0 ? "Ready" : "NotReady");
    }
    if (!status[0])
        snprintf(status, sizeof(status), "Unknown");
    if (cJSON_IsTrue(ks_json_path(o, "spec.unschedulable")))
        snprintf(status + strlen(status), sizeof(status) - strlen(status), ",SchedulingDisabled");

    const cJSON *labels = ks_json_path(o, "metadata.labels");
    size_t cap = (size_t)cJSON_GetArraySize(labels), n = 0;
    const char **roles = cap ? calloc(cap, sizeof(*roles)) : NULL;
    if (cap && !roles)
        return KS_ENOMEM;
    cJSON_ArrayForEach(c, labels)
    {
        if (!c->string || n >= cap)
            continue;
        if (strncmp(c->string, prefix, sizeof(prefix) - 1) == 0 && c->string[sizeof(prefix) - 1])
            roles[n++] = c->string + sizeof(prefix) - 1;
        else if (strcmp(c->string, "kubernetes.io/role") == 0 && cJSON_IsString(c) &&
                 *c->valuestring)
            roles[n++] = c->valuestring;
    }
    if (n)
        qsort(roles, n, sizeof(*roles), str_cmp);
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(roles[i], roles[i - 1]) == 0)
            continue;
        if (sb.len)
            ebb_strbuf_addch(&sb, ',');
        ebb_strbuf_adds(&sb, roles[i]);
    }
    free(roles);

    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    ks_tc_str(&r, status);
    ks_tc_str(&r, sb.len ? sb.buf : "<none>");
    if (sb.failed)
        r.oom = true;
    ebb_strbuf_release(&sb);
    ks_tc_age(&r, o, now);
    ks_tc_str(&r, ks_json_str(o, "status.nodeInfo.kubeletVersion"));
    ks_tc_str_or(&r, node_address(o, "InternalIP"), "<none>");
    ks_tc_str_or(&r, node_address(o, "ExternalIP"), "<none>");
    ks_tc_str_or(&r, ks_json_str(o, "status.nodeInfo.osImage"), "<unknown>");
    ks_tc_str_or(&r, ks_json_str(o, "status.nodeInfo.kernelVersion"), "<unknown>");
    ks_tc_str_or(&r, ks_json_str(o, "status.nodeInfo.containerRuntimeVersion"), "<unknown>");
    return r.oom ? KS_ENOMEM : 0;
}

const struct ks_table_printer ks_table_node_printer = {"", "Node", node_cols, N(node_cols),
                                                       node_cells};

/* ------------------------------------------------------------------ */
/* Services                                                            */

static const struct ks_table_col svc_cols[] = {
    NAME_COL,
    {"Type", "string", "",
     "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
     "ExternalName, ClusterIP, NodePort, and LoadBalancer.",
     0},
    {"Cluster-IP", "string", "",
     "clusterIP is the IP address of the service and is usually assigned randomly.", 0},
    {"External-IP", "string", "",
     "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
     "traffic for this service.",
     0},
    {"Port(s)", "string", "", "The list of ports that are exposed by this service.", 0},
    AGE_COL,
    {"Selector", "string", "",
     "Route service traffic to pods with label keys and values matching this selector.", 1},
};

static void join_strings(struct ebb_strbuf *sb, const cJSON *arr)
{
    const cJSON *c;

    cJSON_ArrayForEach(c, arr)
    {
        if (!cJSON_IsString(c))
            continue;
        if (sb->len)
            ebb_strbuf_addch(sb, ',');
        ebb_strbuf_adds(sb, c->valuestring);
    }
}

/* The load balancer's ingress IPs/hostnames, sorted, unique. */
static void lb_ingress(struct ebb_strbuf *sb, const cJSON *o)
{
    const cJSON *ing = ks_json_path(o, "status.loadBalancer.ingress"), *c;
    size_t cap = (size_t)cJSON_GetArraySize(ing), n = 0;
    const char **v = cap ? calloc(cap, sizeof(*v)) : NULL;

    cJSON_ArrayForEach(c, ing)
    {
        const char *ip = ks_json_str(c, "ip"), *h = ks_json_str(c, "hostname");
        if (v && n < cap && ((ip && *ip) || (h && *h)))
            v[n++] = ip && *ip ? ip : h;
    }
    if (n)
        qsort(v, n, sizeof(*v), str_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(v[i], v[i - 1]) == 0)
            continue;
        if (sb->len)
            ebb_strbuf_addch(sb, ',');
        ebb_strbuf_adds(sb, v[i]);
    }
    free(v);
}

static int svc_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};
    const char *type = ks_json_str(o, "spec.type");
    const cJSON *ips = ks_json_path(o, "spec.clusterIPs"),
                *ext = ks_json_path(o, "spec.externalIPs");
    struct ebb_strbuf eip = EBB_STRBUF_INIT, ports = EBB_STRBUF_INIT;
    const cJSON *p;

    (void)conditions;
    type = type ? type : "";
    if (strcmp(type, "ClusterIP") == 0 || strcmp(type, "NodePort") == 0) {
        join_strings(&eip, ext);
        if (!eip.len)
            ebb_strbuf_adds(&eip, "<none>");
    } else if (strcmp(type, "LoadBalancer") == 0) {
        lb_ingress(&eip, o);
        join_strings(&eip, ext);
        if (!eip.len)
            ebb_strbuf_adds(&eip, "<pending>");
    } else if (strcmp(type, "ExternalName") == 0) {
        const char *en = ks_json_str(o, "spec.externalName");
        ebb_strbuf_adds(&eip, en ? en : "");
    } else {
        ebb_strbuf_adds(&eip, "<unknown>");
    }
    cJSON_ArrayForEach(p, ks_json_path(o, "spec.ports"))
    {
        const char *proto = ks_json_str(p, "protocol");
        long long np = ks_tc_int(p, "nodePort", 0);
        if (ports.len)
            ebb_strbuf_addch(&ports, ',');
        if (np > 0)
            ebb_strbuf_addf(&ports, "%lld:%lld/%s", ks_tc_int(p, "port", 0), np,
                            proto ? proto : "");
        else
            ebb_strbuf_addf(&ports, "%lld/%s", ks_tc_int(p, "port", 0), proto ? proto : "");
    }
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    ks_tc_str(&r, type);
    ks_tc_str_or(&r, cJSON_IsArray(ips) ? cJSON_GetStringValue(cJSON_GetArrayItem(ips, 0)) : NULL,
                 "<none>");
    ks_tc_str(&r, eip.buf);
    ks_tc_str_or(&r, ports.buf, "<none>");
    ks_tc_age(&r, o, now);
    ks_tc_labels(&r, ks_json_path(o, "spec.selector"));
    if (eip.failed || ports.failed)
        r.oom = true;
    ebb_strbuf_release(&eip);
    ebb_strbuf_release(&ports);
    return r.oom ? KS_ENOMEM : 0;
}

const struct ks_table_printer ks_table_service_printer = {"", "Service", svc_cols, N(svc_cols),
                                                          svc_cells};

/* ------------------------------------------------------------------ */
/* Events (core/v1 shape; events.k8s.io/v1 is converted before)        */

static const struct ks_table_col event_cols[] = {
    {"Last Seen", "string", "",
     "The time at which the most recent occurrence of this event was recorded.", 0},
    {"Type", "string", "",
     "Type of this event (Normal, Warning), new types could be added in "
     "the future",
     0},
    {"Reason", "string", "",
     "This should be a short, machine understandable string that gives the reason for the "
     "transition into the object's current status.",
     0},
    {"Object", "string", "", "The object that this event is about.", 0},
    {"Subobject", "string", "",
     "If referring to a piece of an object instead of an entire object, this string should "
     "contain a valid JSON/Go field access statement, such as "
     "desiredState.manifest.containers[2]. For example, if the object reference is to a "
     "container within a pod, this would take on a value like: \"spec.containers{name}\" "
     "(where \"name\" refers to the name of the container that triggered the event) or if no "
     "container name is specified \"spec.containers[2]\" (container with index 2 in this pod). "
     "This syntax is chosen only to have some well-defined way of referencing a part of an "
     "object.",
     1},
    {"Source", "string", "",
     "The component reporting this event. Should be a short machine understandable string.", 1},
    {"Message", "string", "", "A human-readable description of the status of this operation.", 0},
    {"First Seen", "string", "",
     "The time at which the event was first recorded. (Time of server receipt is in "
     "TypeMeta.)",
     1},
    {"Count", "string", "", "The number of times this event has occurred.", 1},
    {"Name", "string", "name", ks_table_desc_name, 1},
};

static int event_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};
    char first[32], last[32];
    const char *ft = ks_json_str(o, "firstTimestamp"), *lt = ks_json_str(o, "lastTimestamp");
    long long count = ks_tc_int(o, "count", 0);
    const cJSON *series = ks_json_path(o, "series");

    (void)conditions;
    if (ft && *ft)
        ks_table_since(ft, now, first, sizeof(first));
    else
        ks_table_since(ks_json_str(o, "eventTime"), now, first, sizeof(first));
    if (lt && *lt)
        ks_table_since(lt, now, last, sizeof(last));
    else
        snprintf(last, sizeof(last), "%s", first);
    if (cJSON_IsObject(series)) {
        ks_table_since(ks_json_str(series, "lastObservedTime"), now, last, sizeof(last));
        count = ks_tc_int(series, "count", 0);
    } else if (count == 0) {
        count = 1;
    }

    struct ebb_strbuf target = EBB_STRBUF_INIT, msg = EBB_STRBUF_INIT, src = EBB_STRBUF_INIT;
    const char *kind = ks_json_str(o, "involvedObject.kind");
    const char *name = ks_json_str(o, "involvedObject.name");
    for (const char *k = kind ? kind : ""; *k; k++)
        ebb_strbuf_addch(&target, (char)tolower((unsigned char)*k));
    if (name && *name) {
        ebb_strbuf_addch(&target, '/');
        ebb_strbuf_adds(&target, name);
    }
    const char *m = ks_json_str(o, "message");
    if (m) {
        const char *e = m + strlen(m);
        while (*m && isspace((unsigned char)*m))
            m++;
        while (e > m && isspace((unsigned char)e[-1]))
            e--;
        ebb_strbuf_add(&msg, m, (size_t)(e - m));
    }
    const char *comp = ks_json_str(o, "source.component"), *host = ks_json_str(o, "source.host");
    if (!comp || !*comp)
        comp = ks_json_str(o, "reportingComponent");
    if (!host || !*host)
        host = ks_json_str(o, "reportingInstance");
    ebb_strbuf_adds(&src, comp ? comp : "");
    if (host && *host) {
        ebb_strbuf_adds(&src, ", ");
        ebb_strbuf_adds(&src, host);
    }

    ks_tc_str(&r, last);
    ks_tc_str(&r, ks_json_str(o, "type"));
    ks_tc_str(&r, ks_json_str(o, "reason"));
    ks_tc_str(&r, target.buf);
    ks_tc_str(&r, ks_json_str(o, "involvedObject.fieldPath"));
    ks_tc_str(&r, src.buf);
    ks_tc_str(&r, msg.buf);
    ks_tc_str(&r, first);
    ks_tc_num(&r, count);
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    if (target.failed || msg.failed || src.failed)
        r.oom = true;
    ebb_strbuf_release(&target);
    ebb_strbuf_release(&msg);
    ebb_strbuf_release(&src);
    return r.oom ? KS_ENOMEM : 0;
}

const struct ks_table_printer ks_table_event_printer = {"", "Event", event_cols, N(event_cols),
                                                        event_cells};

/* ------------------------------------------------------------------ */
/* HorizontalPodAutoscalers (autoscaling/v2, and v1's CPU target)      */

static const struct ks_table_col hpa_cols[] = {
    NAME_COL,
    {"Reference", "string", "",
     "scaleTargetRef points to the target resource to scale, and is used to the pods for "
     "which metrics should be collected, as well as to actually change the replica count.",
     0},
    {"Targets", "string", "",
     "metrics contains the specifications for which to use to calculate the desired replica "
     "count (the maximum replica count across all metrics will be used).",
     0},
    {"MinPods", "string", "",
     "minReplicas is the lower limit for the number of replicas to which the autoscaler can "
     "scale down. It defaults to 1 pod.",
     0},
    {"MaxPods", "string", "",
     "maxReplicas is the upper limit for the number of replicas to which the autoscaler can "
     "scale up. It cannot be less that minReplicas.",
     0},
    {"Replicas", "string", "",
     "currentReplicas is current number of replicas of pods managed by this autoscaler, as "
     "last seen by the autoscaler.",
     0},
    AGE_COL,
};

/* The quantity string at path, or "<unknown>". */
static const char *qty(const cJSON *o, const char *path)
{
    const cJSON *v = ks_json_path(o, path);

    if (cJSON_IsString(v))
        return v->valuestring;
    return "<unknown>";
}

static void hpa_metric(struct ebb_strbuf *sb, const cJSON *spec, const cJSON *st)
{
    const char *type = ks_json_str(spec, "type");
    char cur[64];

    type = type ? type : "";
    if (strcmp(type, "External") == 0 || strcmp(type, "Object") == 0) {
        const char *k = strcmp(type, "External") == 0 ? "external" : "object";
        char p[64];
        snprintf(p, sizeof(p), "%s.target.averageValue", k);
        if (ks_json_path(spec, p)) {
            snprintf(cur, sizeof(cur), "%s.current.averageValue", k);
            ebb_strbuf_addf(sb, "%s/%s (avg)", qty(st, cur), qty(spec, p));
        } else {
            snprintf(cur, sizeof(cur), "%s.current.value", k);
            snprintf(p, sizeof(p), "%s.target.value", k);
            ebb_strbuf_addf(sb, "%s/%s", st ? qty(st, cur) : "<unknown>", qty(spec, p));
        }
    } else if (strcmp(type, "Pods") == 0) {
        ebb_strbuf_addf(sb, "%s/%s", qty(st, "pods.current.averageValue"),
                        qty(spec, "pods.target.averageValue"));
    } else if (strcmp(type, "Resource") == 0 || strcmp(type, "ContainerResource") == 0) {
        const char *k = strcmp(type, "Resource") == 0 ? "resource" : "containerResource";
        char p[64], name[64];
        snprintf(name, sizeof(name), "%s.name", k);
        const char *rn = ks_json_str(spec, name);
        snprintf(p, sizeof(p), "%s.target.averageValue", k);
        if (ks_json_path(spec, p)) {
            snprintf(cur, sizeof(cur), "%s.current.averageValue", k);
            ebb_strbuf_addf(sb, "%s: %s/%s", rn ? rn : "", qty(st, cur), qty(spec, p));
        } else {
            char c[32] = "<unknown>", t[32] = "<auto>";
            snprintf(cur, sizeof(cur), "%s.current.averageUtilization", k);
            if (cJSON_IsNumber(ks_json_path(st, cur)))
                snprintf(c, sizeof(c), "%lld%%", ks_tc_int(st, cur, 0));
            snprintf(p, sizeof(p), "%s.target.averageUtilization", k);
            if (cJSON_IsNumber(ks_json_path(spec, p)))
                snprintf(t, sizeof(t), "%lld%%", ks_tc_int(spec, p, 0));
            ebb_strbuf_addf(sb, "%s: %s/%s", rn ? rn : "", c, t);
        }
    } else {
        ebb_strbuf_adds(sb, "<unknown type>");
    }
}

static int hpa_cells(const cJSON *o, double now, cJSON *cells, cJSON **conditions)
{
    struct ks_tcells r = {cells, false};
    struct ebb_strbuf ref = EBB_STRBUF_INIT, tg = EBB_STRBUF_INIT;
    const char *kind = ks_json_str(o, "spec.scaleTargetRef.kind");
    const char *name = ks_json_str(o, "spec.scaleTargetRef.name");
    const char *av = ks_json_str(o, "apiVersion");
    char minp[32] = "<unset>";

    (void)conditions;
    ebb_strbuf_addf(&ref, "%s/%s", kind ? kind : "", name ? name : "");
    if (av && strcmp(av, "autoscaling/v1") == 0) {
        if (cJSON_IsNumber(ks_json_path(o, "spec.targetCPUUtilizationPercentage"))) {
            char c[32] = "<unknown>";
            if (cJSON_IsNumber(ks_json_path(o, "status.currentCPUUtilizationPercentage")))
                snprintf(c, sizeof(c), "%lld%%",
                         ks_tc_int(o, "status.currentCPUUtilizationPercentage", 0));
            ebb_strbuf_addf(&tg, "cpu: %s/%lld%%", c,
                            ks_tc_int(o, "spec.targetCPUUtilizationPercentage", 0));
        } else {
            ebb_strbuf_adds(&tg, "<none>");
        }
    } else {
        const cJSON *specs = ks_json_path(o, "spec.metrics");
        const cJSON *sts = ks_json_path(o, "status.currentMetrics");
        int n = cJSON_GetArraySize(specs);
        for (int i = 0; i < n && i < 2; i++) {
            if (i)
                ebb_strbuf_adds(&tg, ", ");
            hpa_metric(&tg, cJSON_GetArrayItem(specs, i),
                       i < cJSON_GetArraySize(sts) ? cJSON_GetArrayItem(sts, i) : NULL);
        }
        if (n > 2)
            ebb_strbuf_addf(&tg, " + %d more...", n - 2);
        if (n == 0)
            ebb_strbuf_adds(&tg, "<none>");
    }
    if (cJSON_IsNumber(ks_json_path(o, "spec.minReplicas")))
        snprintf(minp, sizeof(minp), "%lld", ks_tc_int(o, "spec.minReplicas", 0));
    ks_tc_str(&r, ks_json_str(o, "metadata.name"));
    ks_tc_str(&r, ref.buf);
    ks_tc_str(&r, tg.buf);
    ks_tc_str(&r, minp);
    ks_tc_num(&r, ks_tc_int(o, "spec.maxReplicas", 0));
    ks_tc_num(&r, ks_tc_int(o, "status.currentReplicas", 0));
    ks_tc_age(&r, o, now);
    if (ref.failed || tg.failed)
        r.oom = true;
    ebb_strbuf_release(&ref);
    ebb_strbuf_release(&tg);
    return r.oom ? KS_ENOMEM : 0;
}

const struct ks_table_printer ks_table_hpa_printer = {"autoscaling", "HorizontalPodAutoscaler",
                                                      hpa_cols, N(hpa_cols), hpa_cells};
