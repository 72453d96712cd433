/*
 * kubesim workload model -- what workload.c, workload_deploy.c,
 * workload_sts.c, workload_pod.c and gc.c share.
 *
 * The module never scans the store on the hot path: a store subscriber
 * (workload.c, on_change) keeps a small index of what it needs -- pods
 * (owner, phase, readiness; their timers in a heap), dependents by owner
 * uid (gc.c; the controllers find their ReplicaSets and pods there),
 * dirty workloads, deleting owners and terminating namespaces -- and
 * ks_workload_tick does every write, through ks_api_*, so that the
 * subscriber never writes from inside a store write.
 */
#ifndef KUBESIM_WORKLOAD_INTERNAL_H
#define KUBESIM_WORKLOAD_INTERNAL_H

#include "ks.h"

#define WL_MANAGER "kube-controller-manager"
#define WL_KUBELET "kubelet"
#define WL_NODE_NAME "kubesim-node"
#define WL_HOST_IP "10.0.0.10"
#define WL_STARTUP_ANNOTATION "kubesim.ebb.dev/startup-seconds"
#define WL_SCHEDULE_DELAY 0.5

/* ------------------------------------------------------------------ */
/* String-keyed hash map (workload_map.c). Keys are copied; values are  */
/* owned by the caller (wl_map_free calls free_val on each when given). */

struct wl_map_ent {
    char *key;
    void *val;
    struct wl_map_ent *next;
};

struct wl_map {
    struct wl_map_ent **b;
    size_t nb, n;
};

void wl_map_init(struct wl_map *m);
void wl_map_free(struct wl_map *m, void (*free_val)(void *));
void *wl_map_get(const struct wl_map *m, const char *key);
bool wl_map_has(const struct wl_map *m, const char *key);
/* Inserts or replaces (the old value is returned through *old when old
 * is not NULL, else dropped). Returns 0 or KS_ENOMEM. */
int wl_map_put(struct wl_map *m, const char *key, void *val, void **old);
/* Removes the key; returns its value (NULL when absent). */
void *wl_map_del(struct wl_map *m, const char *key);
/* A copy of every key (free with wl_keys_free); NULL + *n 0 when empty
 * or out of memory. Lets a loop write while it walks. */
char **wl_map_keys(const struct wl_map *m, size_t *n);
void wl_keys_free(char **keys, size_t n);

/* ------------------------------------------------------------------ */
/* Index records                                                       */

enum wl_phase { WL_PENDING, WL_RUNNING, WL_SUCCEEDED, WL_FAILED, WL_UNKNOWN };

/* What kubesim's kubelet has written: the stages of a pod's life. */
enum wl_stage { WL_ST_NEW, WL_ST_SCHEDULED, WL_ST_RUNNING, WL_ST_READY };

struct wl_pod {
    char *ns, *name;
    char uid[40];
    char owner_kind[64]; /* controller ownerReference, "" when none */
    char owner_name[256];
    char owner_uid[40];
    char revision[128]; /* label controller-revision-hash */
    char ip[16];        /* status.podIP, "" when none */
    enum wl_phase phase;
    enum wl_stage stage; /* observed */
    bool ready, scheduled, deleting;
    bool unready_sent;  /* not-ready status written after deletion */
    long long cost;     /* controller.kubernetes.io/pod-deletion-cost */
    double created;     /* creationTimestamp (s) */
    uint64_t seq;       /* order first seen: ties of created */
    double pod_delay;   /* startup annotation on the pod, -1 none */
    double born;        /* sim time first seen */
    double delay;       /* startup delay resolved at birth */
    double ready_since; /* sim time seen Ready, -1 */
    double grace;       /* metadata.deletionGracePeriodSeconds, -1 */
    double remove_at;   /* deleting: when to remove, -1 not yet set */
    double next_at;     /* next timer, -1 none */
    double queued_at;   /* time of its live entry in the timer heap, -1 none */
    bool due;           /* on this tick's due list */
};

/* A pod timer (workload_pod.c): a min-heap on at; key "ns/name". An
 * entry is live only while its pod's queued_at equals at. */
struct wl_timer {
    double at;
    char *key;
};

struct wl_owner {
    char uid[40];
    bool controller;
    size_t slot; /* index of the dependent in its owner's wl_kids */
    char api_version[128];
    char kind[64];
    char name[256];
};

/* An object with ownerReferences (gc.c). Key: "<rt id>/<ns>/<name>". */
struct wl_dep {
    int rt_id;
    char *ns, *name;
    char uid[40];
    bool deleting;
    struct wl_owner *owners;
    size_t n_owners;
};

/* The dependents of one owner uid: every object whose ownerReferences
 * name it, once per reference (d->owners[i].slot is d's index here). */
struct wl_kids {
    struct wl_dep **v;
    size_t n, cap;
};

struct ks_workload {
    ks_sim *s;
    const ks_rtype *rt_pod, *rt_rs, *rt_deploy, *rt_sts, *rt_ns;
    double now;       /* sim time of the running/last tick */
    double next_wake; /* earliest of wakeups, HUGE_VAL none */
    bool gc_dirty;    /* a dependent changed: look at finalizing owners */
    uint64_t seq;
    uint32_t ip_next;

    struct wl_map pods;       /* "ns/name" -> struct wl_pod */
    struct wl_map dirty;      /* "D|ns/name", "R|...", "S|..." -> NULL */
    struct wl_map wakeups;    /* same keys -> double* (sim time) */
    struct wl_map deps;       /* "<rt id>/ns/name" -> struct wl_dep */
    struct wl_map kids;       /* owner uid -> struct wl_kids */
    struct wl_map gone;       /* owner uids deleted -> NULL */
    struct wl_map finalizing; /* "<rt id>/ns/name" -> NULL */
    /* namespace name -> non-NULL when something in it changed since the
     * last sweep (NULL: nothing to do until the next change) */
    struct wl_map terminating;

    struct wl_map touched; /* pods ("ns/name") changed since the last tick */
    struct wl_timer *timers;
    size_t n_timers, cap_timers;
};

/* ------------------------------------------------------------------ */
/* workload.c: shared helpers                                          */

/* Marks a workload for a sync: kind 'D' (Deployment), 'R' (ReplicaSet),
 * 'S' (StatefulSet). */
void wl_mark(ks_workload *w, char kind, const char *ns, const char *name);
/* Asks for a sync of the same key at sim time at. */
void wl_wake_at(ks_workload *w, char kind, const char *ns, const char *name, double at);
/* The real controllers' hash: fnv-32a of the text, its decimal digits
 * mapped onto "bcdfghjklmnpqrstvwxz2456789" (rand.SafeEncodeString). */
void wl_hash_name(const char *text, uint32_t collision, char out[16]);
/* n random characters of the same alphabet. */
void wl_rand_suffix(ks_sim *s, char *out, size_t n);
/* Integer at a dotted path (def when absent or not a number). */
long long wl_json_int(const cJSON *root, const char *dotted, long long def);
/* metadata.annotations[key] / metadata.labels[key] (keys may hold dots). */
const char *wl_annotation(const cJSON *obj, const char *key);
const char *wl_label(const cJSON *obj, const char *key);
/* The controller ownerReference, or NULL; its uid. */
const cJSON *wl_controller_ref(const cJSON *obj);
const char *wl_controller_uid(const cJSON *obj);
/* An ownerReferences array with one controller reference to owner. */
cJSON *wl_owner_refs(const cJSON *owner, const char *api_version, const char *kind);
/* Sorts an object's members by key, as Go prints maps. */
void wl_sort_keys(cJSON *obj);
/* RFC 3339 to seconds; def when unparsable. */
double wl_parse_time(const char *text, double def);
/* Writes obj's status (consumed) when it differs from the stored one
 * or force (metadata changed too): a status_only update as manager.
 * Returns 0 (also when nothing changed) or KS_E*. */
int wl_write_status(ks_workload *w, const ks_rtype *rt, cJSON *obj, cJSON *status,
                    const char *manager, bool force);
/* Startup delay for a new pod: its annotation, else its controller's
 * (and that one's controller's), else cfg.pod_startup. */
double wl_startup_delay(ks_workload *w, const struct wl_pod *p);
/* A condition array entry in the apps/v1 shape. */
void wl_set_condition(cJSON *conds, const cJSON *old_conds, const char *type, const char *status,
                      const char *reason, const char *message, double now, bool touch);

/* workload_deploy.c */
void wl_sync_deployment(ks_workload *w, const char *ns, const char *name);
void wl_sync_replicaset(ks_workload *w, const char *ns, const char *name);
/* Builds a pod from a template for controller owner (not consumed);
 * NULL when out of memory. */
cJSON *wl_pod_from_template(const cJSON *tmpl, const char *ns, const char *name,
                            const char *generate_name, cJSON *owner_refs);
/* Pods whose controller is owner_uid (not deleting unless with_deleting). */
size_t wl_owned_pods(ks_workload *w, const char *owner_uid, bool with_deleting,
                     struct wl_pod ***out);
/* Available = Ready for minReadySeconds; the next time a pod becomes
 * available is lowered into *next (when not NULL). */
bool wl_pod_available(const ks_workload *w, const struct wl_pod *p, long long min_ready,
                      double *next);

/* workload_sts.c */
void wl_sync_statefulset(ks_workload *w, const char *ns, const char *name);

/* workload_pod.c */
/* Index a pod's state from its object (ADDED/MODIFIED) or forget it. */
void wl_pod_observe(ks_workload *w, const char *type, const cJSON *pod);
void wl_pod_free(void *p);
void wl_pods_tick(ks_workload *w, double now);
/* Frees the timer heap and the touched set. */
void wl_pods_release(ks_workload *w);

/* gc.c */
/* The index from owner uid to dependents, kept by wl_gc_observe from the
 * store subscription: every object with ownerReferences, parsed once per
 * change. wl_dependents returns the dependents of uid (borrowed, *out
 * NULL when none; valid until the next store write); entry i is d's
 * reference number k where d->owners[k].slot == i. */
size_t wl_dependents(const ks_workload *w, const char *uid, struct wl_dep *const **out);
/* Is entry slot of uid's dependents d's controller reference, the first
 * one (as wl_controller_ref finds it)? Each controlled dependent passes
 * once. */
bool wl_dep_controlled_at(const struct wl_dep *d, const char *uid, size_t slot);
void wl_gc_observe(ks_workload *w, const char *type, const ks_obj *o, const cJSON *obj);
void wl_kids_free(void *k);
void wl_dep_free(void *d);
void wl_gc_tick(ks_workload *w);

#endif
