/* controller.h -- the engine of `ebb run`: watch, decide, act, report. EDGE.
 *
 * One struct ebb_controller keeps every ScalingPolicy's target at the
 * replica count the decision core (pkg/scale) asks for. It runs entirely
 * on the kube client's loop: no thread, no blocking call, no clock read.
 * Every entry point gets the time as arguments:
 *   now_ms  -- a monotonic clock (timers, queue delays, backoffs);
 *   wall_ms -- unix milliseconds (decisions, status times, events).
 *
 * The caller's loop (cmd/ebb/run.c) looks like:
 *
 *     ebb_controller_start(ctl, now, err, sizeof err);
 *     while (!stop) {
 *         int64_t t = ebb_controller_next_in(ctl, now);  // also the leader's
 *         ebb_kube_client_poll(client, t < 0 || t > 1000 ? 1000 : (int)t);
 *         now = monotonic(); wall = unix_ms();
 *         ebb_controller_tick(ctl, now, wall, ebb_leader_is_leader(l, now));
 *     }
 *     ebb_controller_shutdown(ctl, now);
 *     while (!ebb_controller_idle(ctl) && now < deadline) { poll; tick(..., is_leader); }
 *     ebb_controller_free(ctl);   // then release the lease, free the client
 *
 * What it does (issue 5, points 2-7):
 *  - Informers (pkg/kube/informer.h) on ScalingPolicies, Deployments,
 *    StatefulSets and autoscaling/v2 HorizontalPodAutoscalers (in
 *    opts.namespace_ or all), and on Pods only for the label selectors
 *    the targets' /scale report: one pod informer per (namespace,
 *    selector), shared by the policies that need it and freed when none
 *    does.
 *  - A policy is queued (work queue: de-duplicated, per-key backoff) on
 *    a spec change (generation), an annotation change, a change of its
 *    target, a readiness or phase change of one of its pods, and on its
 *    sync timer (spec.syncPeriod, else opts.sync_period_ms).
 *  - One reconcile per policy at a time, at most opts.max_inflight at
 *    once: defaults + validation (InvalidSpec), ambiguity with another
 *    policy or an HPA on the same target (AmbiguousTarget), GET /scale
 *    (AbleToScale=False with the API's reason when it fails), the pods,
 *    the metrics (metrics.k8s.io, custom/external.metrics.k8s.io,
 *    Prometheus), ebb_scale_decide() with the history rebuilt from
 *    status, a merge patch of /scale when the decision changes the count
 *    (never in dry-run or when paused), a merge patch of /status only when
 *    it differs from the stored one, and aggregated Events.
 *  - Only the leader reconciles: tick(is_leader = false) keeps the
 *    informers warm and starts nothing; a reconcile in flight when the
 *    leadership is lost is cancelled before its next write (is_leader is
 *    checked again right before every write).
 *  - A deleted policy stops at once: its reconcile in flight is
 *    cancelled, nothing more is written; the target keeps its replicas.
 *
 * Memory: the informers' stores, one small record per policy, and the
 * requests in flight. All allocations are checked; EBB_ERR_NOMEM inside a
 * reconcile fails that reconcile (retried with backoff), never the loop.
 */
#ifndef EBB_CONTROLLER_H
#define EBB_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "../scale/scale.h"

struct ebb_kube_client;
struct ebb_tz; /* pkg/base/tz.h */
struct ebb_controller;

/* Loads the tz database entry `name` (an IANA zone, "Europe/Berlin") for
 * the schedules of a policy: *out gets a zone the controller frees with
 * ebb_tz_free(); on failure return an error with err saying why (the
 * decision then ignores that schedule and its reason says so). cmd/ebb
 * passes a wrapper of ebb_tz_load() (cmd/ebb/tzload.h). The controller
 * caches each zone by name for its lifetime (a failure too, retried after
 * 5 minutes). */
typedef enum ebb_rc ebb_controller_load_tz_fn(void *ctx, const char *name,
                                              struct ebb_tz **out /* OUT */, char *err,
                                              size_t errsz);

enum ebb_controller_log_level {
    EBB_CTL_LOG_DEBUG = 0,
    EBB_CTL_LOG_INFO,
    EBB_CTL_LOG_WARN,
    EBB_CTL_LOG_ERROR,
};

/* One log line. key is the policy's "namespace/name", or NULL for the
 * controller itself; msg is one line without a newline. Runs inside
 * ebb_kube_client_poll() or the controller's entry points. */
typedef void ebb_controller_log_fn(void *ctx, enum ebb_controller_log_level level, const char *key,
                                   const char *msg);

/* What one finished reconcile did, for telemetry (histograms, per-policy
 * request counts). Valid during the call only. */
enum ebb_reconcile_outcome {
    EBB_RECONCILE_OK = 0,    /* decided (and acted, when it had to) */
    EBB_RECONCILE_INVALID,   /* the spec is invalid: InvalidSpec reported */
    EBB_RECONCILE_AMBIGUOUS, /* another owner of the target: AmbiguousTarget */
    EBB_RECONCILE_NO_TARGET, /* GET /scale failed: AbleToScale=False */
    EBB_RECONCILE_FAILED,    /* an API write failed, or out of memory: retried with backoff */
    EBB_RECONCILE_CANCELLED, /* the policy was deleted, leadership lost, or shutdown */
    EBB_RECONCILE_WAITING,   /* pods not synced yet: requeued after 100 ms */
    EBB_RECONCILE_OUTCOME__COUNT
};

/* "Ok", "Invalid", "Ambiguous", "NoTarget", "Failed", "Cancelled", "Waiting". */
const char *ebb_reconcile_outcome_name(enum ebb_reconcile_outcome o);

struct ebb_reconcile_report {
    const char *key; /* "namespace/name" */
    enum ebb_reconcile_outcome outcome;
    int64_t started_ms, finished_ms; /* monotonic */
    int32_t current_replicas;        /* the target's /scale spec.replicas; EBB_UNSET if unknown */
    int32_t desired_replicas;        /* the decision; EBB_UNSET when none was taken */
    bool scaled;                     /* /scale was patched successfully */
    bool status_written;             /* /status was patched successfully */
    bool dry_run;                    /* the decision would have scaled, dry-run or paused held it */
    unsigned requests;               /* API and Prometheus requests this reconcile sent */
    unsigned metrics_invalid;        /* metrics that could not be read */
    const char *reason;              /* the decision's reason, or why it failed; never NULL */
};

typedef void ebb_controller_report_fn(void *ctx, const struct ebb_reconcile_report *r);

/* The bearer token for the next Prometheus query, asked right before each
 * one is sent (so a rotated token file is picked up): NULL or "" for none.
 * The string must stay valid until the next call. cmd/ebb re-reads
 * --prometheus-bearer-token-file here when the file changes. */
typedef const char *ebb_controller_token_fn(void *ctx);

struct ebb_controller_opts {
    const char *namespace_;        /* one namespace, or NULL / "" for all */
    int64_t sync_period_ms;        /* default 15 s; a policy's spec.syncPeriod overrides */
    bool dry_run;                  /* decide, report in status/events/logs, never patch /scale */
    size_t max_inflight;           /* reconciles at once; default 64 */
    int64_t pod_wait_ms;           /* requeue delay while a pod informer syncs; default 100 ms */
    int64_t resync_ms;             /* informers' resync period; default 0 (none: the
                                      per-policy sync timers drive reconciles) */
    bool watch_hpas;               /* default true: an HPA on a target makes it ambiguous */
    struct ebb_scale_config scale; /* HPA's controller flags; default ebb_scale_config_default,
                                      with scale.sync_period_ms = sync_period_ms */
    /* Prometheus metrics (type Prometheus). */
    const char *prometheus_address;      /* for metrics that name none; NULL: such a metric is
                                            invalid ("no Prometheus address") */
    int64_t prometheus_timeout_ms;       /* per query, connecting included; default 10 s */
    const char *prometheus_bearer_token; /* NULL: none; see below */
    const char *prometheus_ca_file;      /* PEM; NULL: the system's CAs */
    bool prometheus_insecure;            /* skip TLS verification (tests only) */
    /* When set, asked for the token before each query instead of
     * prometheus_bearer_token; its ctx must outlive the controller. Either
     * token is sent only to the origin (scheme, host, port) of
     * prometheus_address, never to another address a policy names. */
    ebb_controller_token_fn *prometheus_token;
    void *prometheus_token_ctx;
    /* Events (pkg/kube/events.h). */
    const char *reporting_controller; /* default "ebb" */
    const char *reporting_instance;   /* the pod name; default "ebb" */
    size_t events_queue_max;          /* default 256 */
    /* Hooks; all may be NULL. */
    ebb_controller_load_tz_fn *load_tz; /* NULL: schedules with a timeZone are ignored
                                           (the decision's reason says so) */
    void *tz_ctx;
    ebb_controller_log_fn *log;
    void *log_ctx;
    enum ebb_controller_log_level log_level; /* lines below it are not formatted; default INFO */
    ebb_controller_report_fn *on_reconcile;
    void *report_ctx;
    uint64_t seed; /* queue jitter and informer timeouts; 0 is a fixed seed */
};

/* Fills o with the defaults above. */
void ebb_controller_opts_default(struct ebb_controller_opts *o /* OUT */);

/* Counters since ebb_controller_new(), for logs, /metrics and tests. */
struct ebb_controller_stats {
    uint64_t reconciles;                             /* finished, any outcome */
    uint64_t outcomes[EBB_RECONCILE_OUTCOME__COUNT]; /* by outcome */
    uint64_t scale_ups, scale_downs;                 /* /scale patches that succeeded */
    uint64_t scale_failures;                         /* /scale patches that failed */
    uint64_t dry_run_holds;                          /* decisions dry-run or paused held */
    uint64_t status_writes;                          /* /status patches sent */
    uint64_t status_unchanged;                       /* /status writes skipped: no change */
    uint64_t requests;        /* API + Prometheus requests sent by reconciles */
    uint64_t writes;          /* of those, PATCHes (/scale and /status) */
    uint64_t metric_requests; /* metrics API lists and Prometheus queries sent */
    uint64_t metric_failures; /* metric observations that were invalid */
    uint64_t events_emitted;  /* ebb_events_emit() calls (before aggregation) */
    uint64_t events_dropped;  /* dropped by the events rate limit or a full queue */
    uint64_t enqueued;        /* keys added to the queue (all causes) */
    size_t policies;          /* ScalingPolicies in the store */
    size_t inflight;          /* reconciles running now */
    size_t queued;            /* keys waiting in the queue (ready or delayed) */
    size_t pod_informers;     /* pod informers alive: one per namespace with targets */
    size_t store_bytes;       /* memory held by every informer store */
    bool synced;              /* the policy, workload and HPA informers have listed */
};

/* Creates a controller on client (borrowed: it must outlive the
 * controller). opts is copied, strings too; NULL means all defaults.
 * Nothing is sent before ebb_controller_start(). EBB_ERR_INVALID with err
 * when an option is out of range (a sync period <= 0, max_inflight 0, a
 * Prometheus address that is not http(s)); EBB_ERR_NOMEM. */
enum ebb_rc ebb_controller_new(struct ebb_kube_client *client,
                               const struct ebb_controller_opts *opts,
                               struct ebb_controller **out /* OUT */, char *err, size_t errsz);

/* Starts the informers (their first LISTs). Call once. EBB_ERR_INVALID
 * when called twice; an error of the client is returned with err set. */
enum ebb_rc ebb_controller_start(struct ebb_controller *c, int64_t now_ms, char *err, size_t errsz);

/* Runs the timers: the informers' (backoffs, resyncs), the pod informers
 * to create or free, the Prometheus transfers (polled with a 0 timeout),
 * and -- when is_leader -- takes ready keys from the queue and starts
 * reconciles up to max_inflight. When is_leader is false, every reconcile
 * in flight is cancelled (its key goes back to the queue) and nothing is
 * started. Call it after each ebb_kube_client_poll(). */
void ebb_controller_tick(struct ebb_controller *c, int64_t now_ms, int64_t wall_ms, bool is_leader);

/* Milliseconds until the controller has something to do (the poll
 * timeout): 0 when work is ready now, -1 when only network activity can
 * wake it. Capped at 50 ms while Prometheus transfers run (their sockets
 * are not in the client's multi). */
int64_t ebb_controller_next_in(const struct ebb_controller *c, int64_t now_ms);

/* True once the policy, workload and HPA informers have listed (for /readyz). */
bool ebb_controller_synced(const struct ebb_controller *c);

/* Stops taking work: no reconcile starts after this; the ones in flight
 * go on to their end (the caller bounds the wait, 5 s, polling the client
 * and ticking until ebb_controller_idle()). Idempotent. */
void ebb_controller_shutdown(struct ebb_controller *c, int64_t now_ms);

/* True when no reconcile is in flight and no Event write is pending. */
bool ebb_controller_idle(const struct ebb_controller *c);

/* Cancels everything still in flight (no callback follows) and frees the
 * controller, its informers and its Event recorder. NULL is a no-op. The
 * client is left alone (free it after). */
void ebb_controller_free(struct ebb_controller *c);

/* Fills *out with the counters. */
void ebb_controller_stats(const struct ebb_controller *c,
                          struct ebb_controller_stats *out /* OUT */);

/* Queues a reconcile of "namespace/name" now (tests, a debug endpoint).
 * EBB_ERR_NOTFOUND when no such policy is in the store. */
enum ebb_rc ebb_controller_enqueue(struct ebb_controller *c, const char *key, int64_t now_ms);

#endif
