/* controller_internal.h -- the engine's private structures. EDGE.
 *
 * Shared by controller.c (the loop, informers on policies, workloads and
 * HPAs), targets.c (target index, ambiguity, the HPA decoder), podwatch.c
 * (one pod informer per namespace, indexed by selector), metrics_fetch.c (metrics APIs
 * and Prometheus) and reconcile.c (the per-policy state machine).
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
#include "../base/strbuf.h"
#include "../kube/events.h"
#include "../kube/verbs.h"
#include "../scale/scale.h"
#include "../source/source.h"
#include "cache.h"
#include "controller.h"
#include "queue.h"

struct ctl_reconcile;
struct ctl_prom;

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
};

/* One reconcile in flight (reconcile.c). */
struct ctl_reconcile {
    struct ebb_controller *c;
    struct ctl_reconcile *prev, *next; /* c->runs */
    char *key;                         /* the queue's key, copied */
    char *ns, *name;
    enum ctl_step step;
    bool runnable; /* a callback moved it on: tick runs the next step */
    int64_t started_ms;
    struct ebb_policy pol; /* a private copy of the stored policy */
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
    uint64_t inf_failures_logged[4]; /* per informer above: failures already logged */
    int64_t inf_logged_ms[4];
    struct ebb_queue queue;
    struct ebb_cache pstate;     /* key -> struct ctl_policy */
    struct ebb_cache targets;    /* "ns/Kind/name" -> struct ctl_target */
    struct ebb_cache hpa_index;  /* HPA "ns/name" -> its target key (char *) */
    struct ebb_cache podwatches; /* namespace -> its pod informer (podwatch.c) */
    struct ebb_cache tzs;        /* zone name -> struct ctl_tz */
    struct ebb_events *events;
    struct ctl_prom *prom;
    struct ctl_reconcile *runs; /* in flight, a doubly-linked list */
    size_t inflight;
    bool started, shut, is_leader;
    int64_t now_ms, wall_ms; /* of the latest entry point */
    struct ebb_controller_stats st;
};

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

#endif
