/* path.h -- request paths of the Kubernetes API, built in one place. PURE.
 *
 * Core resources live under /api/v1, grouped ones under /apis/GROUP/VERSION;
 * namespaced ones add /namespaces/NS. Every path segment and query value is
 * percent-escaped (RFC 3986 unreserved characters pass through), so a
 * selector such as "app=web,tier in (a,b)" or a continue token travels
 * intact. Nothing here knows about HTTP or TLS.
 */
#ifndef EBB_KUBE_PATH_H
#define EBB_KUBE_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/rc.h"
#include "../base/strbuf.h"

/* One kind of object the client talks about. */
struct ebb_kube_resource {
    const char *group;    /* "" for the core group, "apps", "ebb.dev", ... */
    const char *version;  /* "v1", "v1alpha1" */
    const char *resource; /* plural, lower case: "deployments" */
    const char *kind;     /* "Deployment" */
    bool namespaced;
};

/* The resources Ebb uses, as compound literals. */
#define EBB_KUBE_RES(g, v, r, k, ns) ((struct ebb_kube_resource){(g), (v), (r), (k), (ns)})
#define EBB_KUBE_PODS EBB_KUBE_RES("", "v1", "pods", "Pod", true)
#define EBB_KUBE_CONFIGMAPS EBB_KUBE_RES("", "v1", "configmaps", "ConfigMap", true)
#define EBB_KUBE_NAMESPACES EBB_KUBE_RES("", "v1", "namespaces", "Namespace", false)
#define EBB_KUBE_CORE_EVENTS EBB_KUBE_RES("", "v1", "events", "Event", true)
#define EBB_KUBE_EVENTS EBB_KUBE_RES("events.k8s.io", "v1", "events", "Event", true)
#define EBB_KUBE_DEPLOYMENTS EBB_KUBE_RES("apps", "v1", "deployments", "Deployment", true)
#define EBB_KUBE_STATEFULSETS EBB_KUBE_RES("apps", "v1", "statefulsets", "StatefulSet", true)
#define EBB_KUBE_LEASES EBB_KUBE_RES("coordination.k8s.io", "v1", "leases", "Lease", true)
#define EBB_KUBE_HPAS                                                                              \
    EBB_KUBE_RES("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true)
#define EBB_KUBE_CRDS                                                                              \
    EBB_KUBE_RES("apiextensions.k8s.io", "v1", "customresourcedefinitions",                        \
                 "CustomResourceDefinition", false)
#define EBB_KUBE_SCALINGPOLICIES                                                                   \
    EBB_KUBE_RES("ebb.dev", "v1alpha1", "scalingpolicies", "ScalingPolicy", true)

/* Query parameters; NULL / 0 / false leaves a parameter out. */
struct ebb_kube_query {
    const char *label_selector;
    const char *field_selector;
    const char *resource_version;
    const char *resource_version_match; /* "Exact", "NotOlderThan" */
    const char *continue_token;         /* "continue" */
    const char *field_manager;
    const char *propagation_policy; /* DELETE: "Foreground", "Background", "Orphan" */
    const char *dry_run;            /* "All" */
    int64_t limit;
    int32_t timeout_seconds;
    bool watch;
    bool allow_watch_bookmarks;
    bool force; /* server-side apply */
};

/* Appends the path and query of a request to out:
 *   r, ns NULL, name NULL          -> list across all namespaces (or a cluster-scoped list)
 *   r, ns, name NULL               -> list or create in ns
 *   r, ns, name [, subresource]    -> one object [its "status" or "scale"]
 * EBB_ERR_INVALID (nothing appended) when a name is given for a namespaced
 * resource without ns, when ns is given for a cluster-scoped one, when a
 * subresource comes without a name, or when a segment is empty or is "."
 * or "..". */
enum ebb_rc ebb_kube_path(const struct ebb_kube_resource *r, const char *ns, const char *name,
                          const char *subresource, const struct ebb_kube_query *q,
                          struct ebb_strbuf *out);

/* Appends s percent-escaped for a path segment or a query value. */
void ebb_kube_escape(const char *s, struct ebb_strbuf *out);

#endif
