/* controller_internal.h -- the engine's private structures. EDGE.
 *
 * Shared by controller.c (the loop, informers on policies, workloads and
 * HPAs), targets.c (target index, ambiguity, the HPA decoder), podwatch.c
 * (one pod informer per namespace, indexed by selector), metrics_fetch.c (metrics APIs
 * and Prometheus), reconcile.c (the per-policy state machine) and
 * reconcile_chan.c (its channel port steps).
 *
 * Time inside callbacks: client callbacks only record results and mark a
 * reconcile runnable; ebb_controller_tick() runs the next step with fresh
 * now/wall and is_leader, so every write starts from tick, right after the
 * leadership check.
 */
#ifndef EBB_CONTROLLER_INTERNAL_H
#define EBB_CONTROLLER_INTERNAL_H

#include "../kube/informer.h"
#include "../kube/objects.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../api/v1alpha1/types.h"
#include "../ports/ports.h"
#include "../base/strbuf.h"
#include "../kube/events.h"
#include "../kube/verbs.h"
#include "../scale/scale.h"
#include "../source/source.h"
#include "cache.h"
#include "cadence.h"
#include "controller.h"
#include "queue.h"

struct ctl_reconcile;
struct ctl_prom;
struct ctl_chan_run; /* reconcile.c: the channel port writes of one reconcile */

/* One label selector of one namespace (podwatch.c), shared by every
 * policy whose target's /scale reports it. */
struct ctl_podns;
struct ebb_labelsel;
struct ctl_podwatch {
    struct ctl_podns *pns; /* the namespace's pod informer */
    char *text;            /* the selector as /scale reports it */
    struct ebb_labelsel *sel;
    char **users; /* policy keys holding it, sorted */
    size_t n_users, cap_users;
    char **pods; /* "ns/name" of the pods it matches, sorted */
    size_t n_pods, cap_pods;
    uint64_t need_list; /* synced once the informer has completed this list */
};

/* What the engine keeps per ScalingPolicy (c->pstate, by key). */
struct ctl_policy {
    char *key;
    char *target_key;          /* in the target index, or NULL */
    struct ctl_podwatch *pw;   /* the pod informer it holds, or NULL */
    struct ctl_reconcile *run; /* in flight, or NULL */
    /* The newest recommendation seen again after its last status write
     * (a write skipped as only its time moved): status holds
     * {rec_replicas, rec_stored_ms}, it was last recommended at
     * rec_seen_ms. 0: nothing pending. */
    int64_t rec_seen_ms, rec_stored_ms;
    int32_t rec_replicas;
    bool rec_fresh; /* a decision was taken since this controller started */
    /* Its last reconcile ended before watching its target's pods (invalid,
     * ambiguous, no target): it holds no pods in a channel port pool. A
     * policy with channelPorts that holds no pod selector (pw) and not this
     * flag makes the pool's assignments wait for it. */
    bool chan_no_pods;
    /* When its next sync runs: just after its metric's next sample lands
     * (cadence.h). */
    struct ebb_cadence cadence;
};

/* The target index (c->targets): who claims "ns/Kind/name". */
struct ctl_target {
    char **policies; /* policy keys, sorted */
    size_t n_policies, cap_policies;
    char **hpas; /* HPA "ns/name"s, sorted */
    size_t n_hpas, cap_hpas;
};

/* autoscaling/v2 HPA: only what ambiguity needs (targets.c). */
struct ctl_hpa {
    char *ns;
    char *name;
    char *target_kind;
    char *target_name;
};

/* A cached time zone (c->tzs, by name). */
struct ctl_tz {
    struct ebb_tz *tz; /* NULL when loading failed */
    int64_t loaded_ms; /* when (monotonic), to retry failures */
    char error[256];
};

enum ctl_fetch_kind {
    CTL_FETCH_NONE = 0,
    CTL_FETCH_KUBE,
    CTL_FETCH_PROM,
};

/* One metric's fetch within a reconcile (metrics_fetch.c). */
struct ctl_fetch {
    struct ctl_reconcile *r;
    size_t idx; /* in spec.metrics */
    enum ctl_fetch_kind kind;
    bool pending;
    uint64_t req_id; /* kube request id */
    void *easy;      /* CURL * of a Prometheus query */
    struct ebb_strbuf body;
    long http_status;
    char error[EBB_SOURCE_ERR_MAX];
    struct ebb_pod_sample *samples; /* Resource, Pods: n_pods entries */
    double value;
};

enum ctl_step {
    CTL_STEP_BEGIN = 0,  /* read the policy, validate, check ambiguity, GET /scale */
    CTL_STEP_SCALE_WAIT, /* GET /scale in flight */
    CTL_STEP_SCALE_DONE, /* -> pods, metrics */
    CTL_STEP_METRICS_WAIT,
    CTL_STEP_DECIDE, /* metrics in -> decide, maybe PATCH /scale */
    CTL_STEP_PATCH_WAIT,
    CTL_STEP_PATCH_DONE, /* -> status */
    CTL_STEP_STATUS_WAIT,
    CTL_STEP_STATUS_DONE, /* -> events, finish */
    CTL_STEP_CHAN_WAIT,   /* channel ports: pod annotations, then the ConfigMap, in flight */
    CTL_STEP_CHAN_DONE,   /* -> metrics */
};

/* One reconcile in flight (reconcile.c). */
struct ctl_reconcile {
    struct ebb_controller *c;
    struct ctl_reconcile *prev, *next; /* c->runs */
    char *key;                         /* the queue's key, copied */
    char *ns, *name;
    enum ctl_step step;
    bool runnable; /* a callback moved it on: tick runs the next step */
    int64_t started_ms, started_wall_ms;
    /* The newest pod sample of its first Resource or Pods metric that
     * has one, and its window, for the cadence (EBB_TIME_UNSET: none). */
    int64_t newest_ts_ms, newest_window_ms;
    /* The stored policy, held (ebb_kube_policy_hold) for the whole
     * reconcile, and pol: its metadata and spec shared (read only), its
     * status a private copy in pol's own arena -- what this reconcile
     * writes, compared with kp's at the end. */
    struct ebb_kube_policy *kp;
    struct ebb_policy pol;
    bool have_pol;
    bool paused;
    int64_t sync_ms;
    int64_t decided_ms;         /* wall time of the decision (status times) */
    int32_t held_from, held_to; /* a held scale (dry-run, paused) */
    char note[700];             /* held_note()'s buffer */
    struct ebb_kube_call call;  /* GET /scale, PATCH /scale, PATCH /status */
    /* GET /scale */
    enum ebb_rc scale_rc;
    struct ebb_kube_scale scale;
    struct ebb_kube_error kerr;
    /* pods */
    struct ebb_pod *pods;
    char **pod_names;
    int64_t *cpu_req, *mem_req;
    bool *cpu_all, *mem_all;
    size_t n_pods;
    /* metrics */
    struct ctl_fetch fetch[EBB_MAX_METRICS];
    size_t fetch_pending;
    struct ebb_metric_obs obs[EBB_MAX_METRICS];
    /* channel ports (spec.channelPorts): the plan and its writes */
    struct ctl_chan_run *chan;
    /* decision */
    struct ebb_decision *dec;
    bool want_scale;
    enum ebb_rc patch_rc;
    /* status */
    enum ebb_rc status_rc;
    /* what the report says */
    enum ebb_reconcile_outcome outcome;
    unsigned requests;
    unsigned metrics_invalid;
    bool scaled, status_written, held;
    char reason[512];
};

/* The context of a workload informer's callbacks: list items carry no kind. */
struct ctl_wctx {
    struct ebb_controller *c;
    const char *kind; /* "Deployment", "StatefulSet" */
};

struct ebb_controller {
    struct ebb_kube_client *client;
    struct ctl_wctx wctx[2]; /* Deployments, StatefulSets */
    struct ebb_controller_opts o;
    char *ns; /* "" for all */
    char *prom_address, *prom_token, *prom_ca, *rep_controller, *rep_instance;
    struct ebb_informer *inf_policies, *inf_deploy, *inf_sts, *inf_hpa;
    struct ebb_informer *inf_ranges; /* ConfigMaps labelled app.kubernetes.io/managed-by=ebb */
    uint64_t inf_failures_logged[5]; /* per informer above: failures already logged */
    int64_t inf_logged_ms[5];
    struct ebb_queue queue;
    struct ebb_cache pstate;     /* key -> struct ctl_policy */
    struct ebb_cache targets;    /* "ns/Kind/name" -> struct ctl_target */
    struct ebb_cache hpa_index;  /* HPA "ns/name" -> its target key (char *) */
    struct ebb_cache podwatches; /* namespace -> its pod informer (podwatch.c) */
    bool podwatch_unused;        /* a selector lost its last user: sweep at the next tick */
    struct ebb_cache tzs;        /* zone name -> struct ctl_tz */
    struct ebb_events *events;
    struct ctl_prom *prom;
    struct ctl_reconcile *runs; /* in flight, a doubly-linked list */
    void *spare_runs;           /* finished reconciles' memory, for the next (reconcile.c) */
    size_t n_spare_runs;
    size_t inflight;
    bool started, shut, is_leader;
    int64_t now_ms, wall_ms; /* of the latest entry point */
    struct ebb_controller_stats st;
};

/* ---- reconcile.c, for reconcile_chan.c ---- */
/* Records a fact of this reconcile: an Event reason and its message. */
void ctl_reconcile_fact(struct ctl_reconcile *r, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Ends r: reports it, marks its key done and requeues it as the outcome
 * says; frees r. */
void ctl_reconcile_finish(struct ctl_reconcile *r, enum ebb_reconcile_outcome outcome,
                          int64_t now_ms);

/* ---- reconcile_chan.c: the channel port steps of one reconcile ---- */
enum ctl_chan_next {
    CTL_CHAN_CONTINUE, /* nothing (more) to write: go on to the metrics */
    CTL_CHAN_WRITING,  /* writes in flight: wait (CTL_STEP_CHAN_WAIT) */
    CTL_CHAN_FINISHED, /* the reconcile was finished (it failed or waits) */
};
/* Plans the pool's assignment and starts the writes of r's pods. */
enum ctl_chan_next ctl_chan_begin(struct ctl_reconcile *r, int64_t now_ms);
/* After a write came back: the next one (pods, then the ConfigMap). */
enum ctl_chan_next ctl_chan_step(struct ctl_reconcile *r, int64_t now_ms);
/* status.channelPorts and the channel conditions of the plan. */
enum ebb_rc ctl_chan_status(struct ctl_reconcile *r, const struct ebb_condition *old_ready);
/* How many replicas the pool can hold for r (pkg/scale's port cap). */
int32_t ctl_chan_capacity(const struct ctl_reconcile *r);
/* Frees the plan and cancels its writes in flight. NULL is a no-op. */
void ctl_chan_free(struct ctl_chan_run *ch);

/* ---- controller.c ---- */
void ctl_log(struct ebb_controller *c, enum ebb_controller_log_level lvl, const char *key,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Queues key now (informer callbacks). */
void ctl_enqueue(struct ebb_controller *c, const char *key);
/* The stored policy of key, or NULL. */
const struct ebb_kube_policy *ctl_policy_get(const struct ebb_controller *c, const char *key);
/* The engine's record of key, created when missing (NULL: out of memory). */
struct ctl_policy *ctl_pstate(struct ebb_controller *c, const char *key, bool create);
/* Emits an Event about policy p. */
void ctl_event(struct ebb_controller *c, const struct ebb_policy *p, bool warning,
               const char *reason, const char *action, const char *note);

/* ---- targets.c ---- */
/* "ns/Kind/name" of a policy's target into buf; false when it names none. */
bool ctl_target_key(const struct ebb_policy *p, char *buf, size_t bufsz);
/* Moves key's claim to target_key (NULL: none); the policies on the old
 * and the new target are queued (their ambiguity may have changed). */
enum ebb_rc ctl_targets_claim(struct ebb_controller *c, struct ctl_policy *ps,
                              const char *target_key);
/* Queues the policies claiming target_key. */
void ctl_targets_enqueue(struct ebb_controller *c, const char *target_key);
/* Another owner of key's target, written to who ("ScalingPolicy ns/x",
 * "HorizontalPodAutoscaler ns/y"); false when key is the only one. */
bool ctl_targets_other(const struct ebb_controller *c, const char *key, const char *target_key,
                       char *who, size_t whosz);
void ctl_target_free(void *obj);
/* HPA informer pieces. */
enum ebb_rc ctl_hpa_decode(const struct cJSON *obj, void **out, size_t *bytes, char *err,
                           size_t errsz);
void ctl_hpa_free(void *obj);
void ctl_hpa_add(void *ctx, const char *key, const void *obj);
void ctl_hpa_update(void *ctx, const char *key, const void *old_obj, const void *new_obj);
void ctl_hpa_delete(void *ctx, const char *key, const void *obj);
void ctl_workload_add(void *ctx, const char *key, const void *obj);
void ctl_workload_update(void *ctx, const char *key, const void *old_obj, const void *new_obj);
void ctl_workload_delete(void *ctx, const char *key, const void *obj);

/* ---- podwatch.c ---- */
/* Makes ps hold the selector of (ns, selector), creating the namespace's
 * pod informer when new (started at the next tick), releasing what ps held
 * before. EBB_ERR_PARSE (err says why) when the selector does not parse. */
enum ebb_rc ctl_podwatch_acquire(struct ebb_controller *c, struct ctl_policy *ps, const char *ns,
                                 const char *selector, char *err, size_t errsz);
/* Drops ps's hold; what nobody holds is freed at the next tick. */
void ctl_podwatch_release(struct ebb_controller *c, struct ctl_policy *ps);
/* True once a list that saw pw's selector is complete. */
bool ctl_podwatch_synced(const struct ctl_podwatch *pw);
/* Starts or relists the pod informers that have new selectors, ticks them,
 * frees the unused ones. */
void ctl_podwatch_tick(struct ebb_controller *c, int64_t now_ms);
int64_t ctl_podwatch_next_in(const struct ebb_controller *c, int64_t now_ms);
/* The cache free function of c->podwatches. */
void ctl_podwatch_free(void *obj);
/* Bytes held by the pod informers' stores and indexes. */
size_t ctl_podwatch_store_bytes(const struct ebb_controller *c);
/* Fills r->pods (and names, requests) with pw's pods, sorted by name. */
enum ebb_rc ctl_podwatch_pods(const struct ctl_podwatch *pw, struct ctl_reconcile *r);
/* Calls fn with each of pw's pods as stored (sorted by name), stopping at
 * the first error, which it returns. */
/* Calls fn with every stored pod that carries a channel port range, in
 * every namespace watched; EBB_ERR_NOTFOUND while one of those informers
 * has not listed yet. */
enum ebb_rc ctl_podwatch_ranged(const struct ebb_controller *c,
                                enum ebb_rc (*fn)(void *ctx, const struct ebb_kube_pod *pod),
                                void *ctx);
enum ebb_rc ctl_podwatch_each(const struct ctl_podwatch *pw,
                              enum ebb_rc (*fn)(void *ctx, const struct ebb_kube_pod *pod),
                              void *ctx);

/* ---- metrics_fetch.c ---- */
enum ebb_rc ctl_prom_new(struct ebb_controller *c, struct ctl_prom **out, char *err, size_t errsz);
void ctl_prom_free(struct ctl_prom *p);
/* Moves the Prometheus transfers on (0 timeout); completions make their
 * reconciles runnable. */
void ctl_prom_tick(struct ctl_prom *p);
size_t ctl_prom_running(const struct ctl_prom *p);
/* Starts the fetch of every metric of r (r->pods known); metrics that
 * fail at once get their error. r->fetch_pending counts the others. */
void ctl_fetch_start(struct ctl_reconcile *r);
/* Turns the fetched answers into r->obs (parsing, staleness). */
void ctl_fetch_finish(struct ctl_reconcile *r, int64_t wall_ms);
/* Cancels the fetches in flight and frees their buffers. */
void ctl_fetch_release(struct ctl_reconcile *r);
/* A label selector as the API's string form ("a=b,c in (d,e)"). */
enum ebb_rc ctl_selector_string(const struct ebb_label_selector *s, struct ebb_strbuf *out);

/* ---- channels.c (PURE: no informer, no request; the stores come in) ---- */

#define CTL_CHAN_MANAGED_BY "app.kubernetes.io/managed-by"
#define CTL_CHAN_POLICY_LABEL "ebb.dev/policy"
#define CTL_CHAN_CM_SUFFIX "-channel-ranges"

/* Hands each pod of a policy's target to add(actx, pod) (stopping at its
 * first error, returned); with policy_key NULL, every pod watched that
 * carries a range (those of deleted policies among them). EBB_ERR_NOTFOUND
 * when the pods are not known yet: the assignment then waits. */
typedef enum ebb_rc ctl_chan_add_fn(void *actx, const struct ebb_kube_pod *pod);
typedef enum ebb_rc ctl_chan_pods_fn(void *ctx, const char *policy_key, ctl_chan_add_fn *add,
                                     void *actx);

/* The allocator's input, built from what the informers show: every policy
 * with spec.channelPorts (cluster-wide as far as the controller watches),
 * the pods of each one's target, and each one's published ranges. Strings
 * are borrowed from the stores: use it before the next client poll. */
struct ctl_chan_view {
    struct ebb_ports_input in;
    struct ebb_ports_policy *policies;
    struct ebb_channel_ports *cps; /* per policy: spec.channelPorts, pool defaulted */
    const char **keys;             /* per policy: "ns/name" */
    const char **targets;          /* per policy: spec.targetRef.name */
    struct ebb_ports_pod *pods;
    const struct ebb_kube_pod **kpods; /* per pod */
    size_t cap_pods;
};

/* Builds v (release it with ctl_chan_view_release()) from the policy store
 * (struct ebb_kube_policy), the ranges ConfigMap store (struct
 * ebb_kube_ranges_cm, NULL: none published) and pods_of. Pods are ordered
 * by namespace/name. EBB_ERR_NOTFOUND, with wait_for naming the policy,
 * when a policy's pods are not known yet; EBB_ERR_NOMEM. */
enum ebb_rc ctl_chan_view_build(struct ctl_chan_view *v, const struct ebb_cache *policies,
                                const struct ebb_cache *ranges, ctl_chan_pods_fn *pods_of,
                                void *ctx, char *wait_for, size_t wait_sz);
void ctl_chan_view_release(struct ctl_chan_view *v);
/* The index of key in v, or SIZE_MAX. */
size_t ctl_chan_view_find(const struct ctl_chan_view *v, const char *key);

/* One pod annotation to write. */
struct ctl_chan_patch {
    char *pod;
    char *resource_version; /* the pod's, as seen: the patch is refused if it moved */
    int32_t first, last;
};

/* What one policy must publish, from an assignment (owns its strings). */
struct ctl_chan_plan {
    enum ebb_ports_policy_state state;
    int32_t capacity;                 /* port_capacity for ebb_scale_decide() */
    int32_t waiting;                  /* its pods that wait for a range */
    char message[512];                /* CONFLICT/INVALID, or why pods wait; "" */
    char *conflict_with;              /* CONFLICT: "ns/name" of the other policy */
    struct ebb_port_assignment *held; /* its pods that hold a range, after the patches */
    size_t n_held;
    struct ctl_chan_patch *patches; /* NEW: annotations to write */
    size_t n_patches;
    size_t n_bad; /* pods whose annotation is malformed (left alone) */
    char **share; /* the other policies of its pool ("ns/name"), to queue on a change */
    size_t n_share;
};

/* Plans policy `self` of v from the assignment r. Held entries are sorted
 * by slot (stale ranges, slot -1, last, by first port); a pod whose patch
 * fails must be dropped with ctl_chan_plan_drop(). EBB_ERR_NOMEM. */
enum ebb_rc ctl_chan_plan_make(const struct ctl_chan_view *v, const struct ebb_ports_result *r,
                               size_t self, struct ctl_chan_plan *out /* OUT */);
/* Removes pod from plan->held (its annotation could not be written). */
void ctl_chan_plan_drop(struct ctl_chan_plan *plan, const char *pod);
void ctl_chan_plan_release(struct ctl_chan_plan *plan);
/* True when the published list a differs from b (pod, slot, range). */
bool ctl_chan_differs(const struct ebb_port_assignment *a, size_t na,
                      const struct ebb_port_assignment *b, size_t nb);
/* True when a pod of `before` is missing from `after` (a slot was freed). */
bool ctl_chan_freed(const struct ebb_port_assignment *before, size_t nb,
                    const struct ebb_port_assignment *after, size_t na);

/* ---- reconcile.c ---- */
/* Starts a reconcile of key (taken from the queue). */
void ctl_reconcile_start(struct ebb_controller *c, const char *key, int64_t now_ms,
                         int64_t wall_ms);
/* Runs the next step of a runnable reconcile. */
void ctl_reconcile_step(struct ctl_reconcile *r, int64_t now_ms, int64_t wall_ms);
/* Cancels r (policy deleted, leadership lost, free): no callback or write
 * follows; requeue puts its key back in the queue. Frees r. */
void ctl_reconcile_cancel(struct ctl_reconcile *r, bool requeue);
/* A callback moved r on. */
void ctl_reconcile_wake(struct ctl_reconcile *r);
/* Frees the spare reconciles' memory (at the controller's end). */
void ctl_reconcile_spares_free(struct ebb_controller *c);

#endif
