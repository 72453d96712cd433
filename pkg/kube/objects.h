/* objects.h -- typed objects decoded from the API's JSON: only the fields
 * the controller reads. EDGE (cJSON).
 *
 * Each decoder takes one object as the API server returns it (a GET body,
 * a list item, a watch event's object) and gives a typed struct in ONE
 * allocation (the struct, then its strings and arrays), freed with
 * ebb_kube_object_free(); *bytes tells how much it holds, for the store's
 * accounting. No JSON tree outlives the call. The ScalingPolicy goes
 * through pkg/api/v1alpha1/codec.h and lives in its own arena.
 *
 * Absent fields read as the API means them: an absent int32 count is 0
 * (the server omits zero), an absent spec.replicas or generation is
 * EBB_UNSET, an absent time is EBB_TIME_UNSET. A field of the wrong type,
 * a quantity or a time that does not parse, or a missing metadata.name is
 * an error naming the field; err gets one line.
 */
#ifndef EBB_KUBE_OBJECTS_H
#define EBB_KUBE_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../api/v1alpha1/types.h"
#include "../base/errlist.h"
#include "../base/rc.h"

struct cJSON;
struct ebb_strbuf;

/* Decodes obj into a new typed object (*out, freed by the kind's free
 * function), whose size in memory goes to *bytes. EBB_ERR_PARSE with err
 * set when obj is not the kind's shape, EBB_ERR_NOMEM. */
typedef enum ebb_rc ebb_kube_decode_fn(const struct cJSON *obj, void **out /* OUT */,
                                       size_t *bytes /* OUT */, char *err, size_t errsz);
typedef void ebb_kube_free_fn(void *obj);

/* metadata.ownerReferences[] */
struct ebb_kube_owner_ref {
    char *api_version;
    char *kind;
    char *name;
    char *uid;
    bool controller;
};

/* metav1.ObjectMeta, the fields the controller reads. */
struct ebb_kube_meta {
    char *name;
    char *namespace_; /* NULL for a cluster-scoped object */
    char *uid;
    char *resource_version;
    int64_t generation;  /* EBB_UNSET when absent */
    int64_t deletion_ms; /* deletionTimestamp, EBB_TIME_UNSET when absent */
    struct ebb_kv *labels;
    size_t n_labels;
    struct ebb_kv *annotations; /* not kept for Pods and workloads */
    size_t n_annotations;
    struct ebb_kube_owner_ref *owners; /* not kept for Pods and workloads */
    size_t n_owners;
};

/* A label's value, or NULL. */
const char *ebb_kube_meta_label(const struct ebb_kube_meta *m, const char *key);

/* apps/v1 Deployment or StatefulSet. */
struct ebb_kube_workload {
    struct ebb_kube_meta meta;
    char *kind;                         /* "Deployment", "StatefulSet" (as read; NULL if absent) */
    int32_t spec_replicas;              /* EBB_UNSET when absent */
    struct ebb_label_selector selector; /* spec.selector */
    int32_t status_replicas;
    int32_t ready_replicas;
    int64_t observed_generation; /* EBB_UNSET when absent */
};

enum ebb_kube_pod_phase {
    EBB_KUBE_POD_UNKNOWN = 0, /* absent or "Unknown" */
    EBB_KUBE_POD_PENDING,
    EBB_KUBE_POD_RUNNING,
    EBB_KUBE_POD_SUCCEEDED,
    EBB_KUBE_POD_FAILED,
};

#define EBB_POD_INDEX_LABEL "apps.kubernetes.io/pod-index"

/* core/v1 Pod. */
struct ebb_kube_pod {
    struct ebb_kube_meta meta; /* no annotations */
    enum ebb_kube_pod_phase phase;
    enum ebb_condition_status ready; /* the Ready condition; UNKNOWN when absent */
    int64_t ready_transition_ms;     /* its lastTransitionTime, EBB_TIME_UNSET */
    int64_t start_ms;                /* status.startTime, EBB_TIME_UNSET */
    /* spec.containers[].resources.requests summed (init containers not
     * counted, as the HPA); *_all is false when a container has none. */
    int64_t cpu_request_milli;
    int64_t memory_request_milli;
    bool cpu_request_all;
    bool memory_request_all;
    int32_t pod_index;  /* label apps.kubernetes.io/pod-index, -1 when absent or not a number */
    int64_t created_ms; /* metadata.creationTimestamp, EBB_TIME_UNSET */
    /* The annotation ebb.dev/channel-ports ("A-B", 1 <= A <= B <= 65535),
     * parsed: the annotation map itself is not kept. range_bad: present
     * but not of that form (has_range is then false). */
    int32_t range_first, range_last;
    bool has_range;
    bool range_bad;
};

/* core/v1 ConfigMap. */
struct ebb_kube_configmap {
    struct ebb_kube_meta meta;
    struct ebb_kv *data;
    size_t n_data;
};

/* A ConfigMap `<policy>-channel-ranges` (DESIGN.md section 3): the
 * ConfigMap, and its data key `ranges.yaml` parsed. ranges_error is NULL
 * when ranges.yaml is absent or parses; else why it does not (the ranges
 * are then empty). The pod names point into the same block. */
struct ebb_kube_ranges_cm {
    struct ebb_kube_configmap cm;
    struct ebb_port_assignment *ranges;
    size_t n_ranges;
    char *ranges_error;
};

#define EBB_KUBE_RANGES_KEY "ranges.yaml"

/* coordination.k8s.io/v1 Lease. */
struct ebb_kube_lease {
    struct ebb_kube_meta meta;
    char *holder_identity;        /* NULL when absent */
    int32_t lease_duration_s;     /* EBB_UNSET when absent */
    char *acquire_time;           /* MicroTime as written, or NULL */
    char *renew_time;             /* MicroTime as written, or NULL */
    int64_t acquire_ms, renew_ms; /* EBB_TIME_UNSET when absent */
    int32_t lease_transitions;    /* 0 when absent */
};

/* ebb.dev/v1alpha1 ScalingPolicy, decoded by the codec, defaulted and
 * validated once per version (not on every sync). A policy with field
 * errors is still stored (the controller reports them): error holds the
 * first decoding one ("spec.maxReplicas: must be an integer ..."), else
 * NULL, and then invalid holds what ebb_policy_validate() found. The
 * policy's arena is sized to what it holds. refs: the store's reference
 * plus the reconciles that hold it (ebb_kube_policy_hold). */
struct ebb_kube_policy {
    struct ebb_policy policy;
    char *error;
    struct ebb_errlist invalid;
    unsigned refs;
};

enum ebb_rc ebb_kube_decode_workload(const struct cJSON *obj, void **out, size_t *bytes, char *err,
                                     size_t errsz);
enum ebb_rc ebb_kube_decode_pod(const struct cJSON *obj, void **out, size_t *bytes, char *err,
                                size_t errsz);
enum ebb_rc ebb_kube_decode_configmap(const struct cJSON *obj, void **out, size_t *bytes, char *err,
                                      size_t errsz);
/* A ConfigMap into a struct ebb_kube_ranges_cm (libyaml reads ranges.yaml). */
enum ebb_rc ebb_kube_decode_ranges_cm(const struct cJSON *obj, void **out, size_t *bytes, char *err,
                                      size_t errsz);
enum ebb_rc ebb_kube_decode_lease(const struct cJSON *obj, void **out, size_t *bytes, char *err,
                                  size_t errsz);
enum ebb_rc ebb_kube_decode_policy(const struct cJSON *obj, void **out, size_t *bytes, char *err,
                                   size_t errsz);

/* ranges.yaml for these assignments, in their order, written with
 * libyaml's emitter: `- replica: N` / `  pod: NAME` / `  range: "A-B"`
 * ("[]" when n is 0). Appends to out; EBB_ERR_NOMEM. */
enum ebb_rc ebb_kube_ranges_yaml(const struct ebb_port_assignment *a, size_t n,
                                 struct ebb_strbuf *out);

/* Frees a workload, pod, configmap, ranges ConfigMap or lease. NULL is a no-op. */
void ebb_kube_object_free(void *obj);
/* Drops one reference to a struct ebb_kube_policy, freeing it with the
 * last. NULL is a no-op. */
void ebb_kube_policy_free(void *obj);
/* One more reference to a stored policy, for work that may outlive the
 * store's version of it (a reconcile waiting on the API); dropped with
 * ebb_kube_policy_free(). Only the reference count changes. */
struct ebb_kube_policy *ebb_kube_policy_hold(const struct ebb_kube_policy *kp);

#endif
