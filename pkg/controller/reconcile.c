/* reconcile.c -- one reconcile of one ScalingPolicy, a small state machine. EDGE.
 *
 *   BEGIN        policy from the store (a private copy), defaults, validation
 *                (InvalidSpec), ambiguity (AmbiguousTarget), GET /scale
 *   SCALE_WAIT   -> pods from the pod informer of the /scale selector,
 *                   then, with spec.channelPorts, the port assignment of
 *                   the whole pool (channels.c, pkg/ports):
 *   CHAN_WAIT    -> merge patches of the annotation of its pods that get a
 *                   range, then the ConfigMap <policy>-channel-ranges
 *                   (reconcile_chan.c);
 *                   then metric fetches (metrics_fetch.c)
 *   METRICS_WAIT -> decide (history from status), PATCH /scale when the
 *                   decision changes the count (not dry-run, not paused)
 *   PATCH_WAIT   -> ScaledUp/ScaledDown or FailedRescale
 *   then status: encoded and compared with the stored one, PATCHed only
 *   when it differs; Events about facts (InvalidSpec, AmbiguousTarget,
 *   FailedGetMetrics, FailedGetScale) only go out with a status change, so
 *   a fact that lasts is reported once, not once per sync.
 *   STATUS_WAIT  -> finish: queue done, forget + add_after(sync period), or
 *                   add_rate_limited on failure.
 * Client callbacks only record results and call ctl_reconcile_wake(); the
 * next step runs from ebb_controller_tick(), where is_leader was checked.
 */
#include "controller_internal.h"

#include "../base/rfc3339.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../api/v1alpha1/codec.h"
#include "../api/v1alpha1/defaults.h"
#include "../api/v1alpha1/validate.h"
#include "../base/errlist.h"
#include "../base/tz.h"
#include "status.h"

#define MAX_FACTS 4

struct fact {
    const char *reason;
    char note[768];
};

/* The facts waiting for a status change live next to the reconcile. */
struct facts {
    struct fact f[MAX_FACTS];
    size_t n;
};

static struct facts *facts_of(struct ctl_reconcile *r);

#include <stdarg.h>

/* ---- lifecycle --------------------------------------------------------------------------- */

struct reconcile_box {
    struct ctl_reconcile r; /* first: the box is the reconcile */
    struct facts facts;
    struct ebb_history hist_in; /* the history before the decision */
    struct ebb_decision decision;
    /* The first block of r.pol's arena (the status copy and what the
     * reconcile adds to it): no malloc for it at every sync. */
    max_align_t pol_arena[4096 / sizeof(max_align_t)];
};

static struct facts *facts_of(struct ctl_reconcile *r)
{
    return &((struct reconcile_box *)r)->facts;
}

static struct ebb_history *hist_in(struct ctl_reconcile *r)
{
    return &((struct reconcile_box *)r)->hist_in;
}

void ctl_reconcile_fact(struct ctl_reconcile *r, const char *reason, const char *fmt, ...)
{
    struct facts *fs = facts_of(r);
    va_list ap;
    if (fs->n >= MAX_FACTS)
        return;
    struct fact *f = &fs->f[fs->n++];
    f->reason = reason;
    va_start(ap, fmt);
    vsnprintf(f->note, sizeof(f->note), fmt, ap);
    va_end(ap);
}

void ctl_reconcile_wake(struct ctl_reconcile *r)
{
    r->runnable = true;
}

static void unlink_run(struct ctl_reconcile *r)
{
    struct ebb_controller *c = r->c;
    if (r->prev)
        r->prev->next = r->next;
    else
        c->runs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
    if (c->inflight > 0)
        c->inflight--;
    struct ctl_policy *ps = ctl_pstate(c, r->key, false);
    if (ps != NULL && ps->run == r)
        ps->run = NULL;
}

static void free_run(struct ctl_reconcile *r)
{
    ctl_fetch_release(r);
    ctl_chan_free(r->chan);
    for (size_t i = 0; i < r->n_pods; i++)
        free(r->pod_names[i]);
    free(r->pod_names);
    free(r->pods);
    free(r->cpu_req);
    free(r->mem_req);
    free(r->cpu_all);
    free(r->mem_all);
    if (r->have_pol)
        ebb_arena_release(&r->pol.arena); /* only the status copy: the rest is kp's */
    ebb_kube_policy_free(r->kp);
    free(r->key);
    free(r->ns);
    /* Kept for the next reconcile, up to one per slot: a box is about
     * 50 KB, and allocating that for every sync of every policy costs more
     * (malloc consolidating its bins) than clearing it. */
    struct ebb_controller *c = r->c;
    if (c->n_spare_runs < c->o.max_inflight) {
        *(void **)r = c->spare_runs;
        c->spare_runs = r;
        c->n_spare_runs++;
        return;
    }
    free(r);
}

void ctl_reconcile_spares_free(struct ebb_controller *c)
{
    while (c->spare_runs != NULL) {
        void *next = *(void **)c->spare_runs;
        free(c->spare_runs);
        c->spare_runs = next;
    }
    c->n_spare_runs = 0;
}

static void report(struct ctl_reconcile *r, int64_t now_ms)
{
    struct ebb_controller *c = r->c;
    c->st.reconciles++;
    c->st.outcomes[r->outcome]++;
    c->st.metric_failures += r->metrics_invalid;
    if (c->o.on_reconcile == NULL)
        return;
    struct ebb_reconcile_report rep;
    memset(&rep, 0, sizeof(rep));
    rep.key = r->key;
    rep.outcome = r->outcome;
    rep.started_ms = r->started_ms;
    rep.finished_ms = now_ms;
    rep.current_replicas =
        r->scale_rc == EBB_OK && r->step > CTL_STEP_SCALE_WAIT ? r->scale.spec_replicas : EBB_UNSET;
    rep.desired_replicas = r->dec ? r->dec->desired : EBB_UNSET;
    rep.scaled = r->scaled;
    rep.status_written = r->status_written;
    rep.dry_run = r->held;
    rep.requests = r->requests;
    rep.metrics_invalid = r->metrics_invalid;
    rep.reason = r->reason;
    c->o.on_reconcile(c->o.report_ctx, &rep);
}

void ctl_reconcile_finish(struct ctl_reconcile *r, enum ebb_reconcile_outcome outcome,
                          int64_t now_ms)
{
    struct ebb_controller *c = r->c;
    r->outcome = outcome;
    if (r->reason[0] == 0)
        snprintf(r->reason, sizeof(r->reason), "%s", ebb_reconcile_outcome_name(outcome));
    report(r, now_ms);
    unlink_run(r);
    (void)ebb_queue_done(&c->queue, r->key);
    switch (outcome) {
    case EBB_RECONCILE_CANCELLED:
        break;
    case EBB_RECONCILE_FAILED: {
        int64_t d = 0;
        (void)ebb_queue_add_rate_limited(&c->queue, r->key, now_ms, &d);
        ctl_log(c, EBB_CTL_LOG_WARN, r->key, "reconcile failed (%s); retry in %lldms", r->reason,
                (long long)d);
        break;
    }
    case EBB_RECONCILE_WAITING:
        (void)ebb_queue_add_after(&c->queue, r->key, c->o.pod_wait_ms, now_ms);
        break;
    default: {
        /* The period runs from start to start: the next sync reads the
         * metrics one period after this one did, not a period plus the
         * time this one took. */
        int64_t period = r->sync_ms > 0 ? r->sync_ms : c->o.sync_period_ms;
        int64_t took = now_ms - r->started_ms;
        int64_t delay = took > 0 && took < period ? period - took : period;
        /* ... moved later, by less than a window, to just after its
         * metric's next sample lands (cadence.h) */
        struct ctl_policy *ps = ctl_pstate(c, r->key, false);
        if (ps != NULL) {
            int64_t due = c->wall_ms + delay;
            uint32_t misses = ps->cadence.misses;
            delay += ebb_cadence_plan(&ps->cadence, r->started_wall_ms, r->newest_ts_ms,
                                      r->newest_window_ms, due, period) -
                     due;
            if (ps->cadence.misses != misses && ps->cadence.margin_ms < 0)
                ctl_log(c, EBB_CTL_LOG_INFO, r->key,
                        "metric samples come too late after their timestamps to sync just "
                        "after them: syncing on plain periods");
            else if (ps->cadence.misses != misses)
                ctl_log(c, EBB_CTL_LOG_DEBUG, r->key,
                        "the metric's next sample was not there yet: syncing %lld ms after "
                        "each sample's timestamp from now on",
                        (long long)ps->cadence.margin_ms);
        }
        ebb_queue_forget(&c->queue, r->key);
        (void)ebb_queue_add_after(&c->queue, r->key, delay, now_ms);
        break;
    }
    }
    free_run(r);
}

void ctl_reconcile_cancel(struct ctl_reconcile *r, bool requeue)
{
    struct ebb_controller *c = r->c;
    ebb_kube_call_cancel(&r->call);
    ctl_fetch_release(r);
    ctl_chan_free(r->chan); /* cancels its writes */
    r->chan = NULL;
    snprintf(r->reason, sizeof(r->reason), "%s",
             requeue ? "cancelled: leadership lost" : "cancelled: the policy is gone");
    r->outcome = EBB_RECONCILE_CANCELLED;
    report(r, c->now_ms);
    unlink_run(r);
    (void)ebb_queue_done(&c->queue, r->key);
    if (requeue && !c->shut)
        (void)ebb_queue_add(&c->queue, r->key);
    free_run(r);
}

void ctl_reconcile_start(struct ebb_controller *c, const char *key, int64_t now_ms, int64_t wall_ms)
{
    struct reconcile_box *box = c->spare_runs;
    if (box != NULL) {
        c->spare_runs = *(void **)box;
        c->n_spare_runs--;
        memset(box, 0, sizeof(*box));
    } else {
        box = calloc(1, sizeof(*box));
    }
    struct ctl_reconcile *r = box ? &box->r : NULL;
    struct ctl_policy *ps = ctl_pstate(c, key, true);
    if (r == NULL || ps == NULL || ps->run != NULL) {
        /* out of memory, or (cannot happen with the queue) already running */
        free(box);
        /* key belongs to the queue and done() may free it: requeue first. */
        ctl_log(c, EBB_CTL_LOG_ERROR, key, "cannot start a reconcile: out of memory");
        (void)ebb_queue_add_rate_limited(&c->queue, key, now_ms, NULL);
        (void)ebb_queue_done(&c->queue, key);
        return;
    }
    r->c = c;
    r->started_ms = now_ms;
    r->started_wall_ms = wall_ms;
    r->newest_ts_ms = EBB_TIME_UNSET;
    r->key = strdup(key);
    const char *slash = strchr(key, '/');
    r->ns = slash ? strndup(key, (size_t)(slash - key)) : strdup("");
    r->name = slash ? (char *)key : NULL; /* set below from r->key */
    ebb_policy_init(&r->pol);
    r->have_pol = true;
    r->next = c->runs;
    if (c->runs)
        c->runs->prev = r;
    c->runs = r;
    c->inflight++;
    ps->run = r;
    if (r->key == NULL || r->ns == NULL) {
        snprintf(r->reason, sizeof(r->reason), "out of memory");
        ctl_reconcile_finish(r, EBB_RECONCILE_FAILED, now_ms); /* frees box, linked in c->runs */
        /* cppcheck-suppress memleak */
        return;
    }
    slash = strchr(r->key, '/');
    r->name = slash ? (char *)slash + 1 : r->key;
    r->step = CTL_STEP_BEGIN;
    ctl_reconcile_step(r, now_ms, wall_ms);
}

/* ---- status ------------------------------------------------------------------------------ */

static void on_status(void *ctx, const struct ebb_kube_result *res)
{
    struct ctl_reconcile *r = ctx;
    r->status_rc = res->rc;
    if (res->rc != EBB_OK && res->error != NULL)
        ebb_kube_error_format(res->error, r->kerr.message, sizeof(r->kerr.message));
    r->step = CTL_STEP_STATUS_DONE;
    ctl_reconcile_wake(r);
}

/* {"status": new} with null for every top-level field of old that new lacks. */
static char *status_patch(const char *old_json, const char *new_json)
{
    cJSON *o = cJSON_Parse(old_json), *n = cJSON_Parse(new_json);
    cJSON *patch = cJSON_CreateObject();
    char *out = NULL;
    if (n == NULL || patch == NULL)
        goto done;
    for (cJSON *it = o ? o->child : NULL; it != NULL; it = it->next)
        if (!cJSON_HasObjectItem(n, it->string) && !cJSON_AddNullToObject(n, it->string))
            goto done;
    cJSON_AddItemToObject(patch, "status", n);
    n = NULL;
    out = cJSON_PrintUnformatted(patch);
done:
    cJSON_Delete(o);
    cJSON_Delete(n);
    cJSON_Delete(patch);
    return out;
}

/* Writes r->pol.status when it differs from the stored one (r->kp's);
 * emits the pending facts along with it. Returns true when a write went
 * out (wait for it), false when the reconcile can finish now. A status
 * that differs only in the time of the newest recommendation (the same
 * value recommended again) is not written either, so a steady policy
 * costs no writes: the engine keeps that time in memory (struct
 * ctl_policy.rec_seen_ms) for the decisions that follow, and a controller
 * that starts (or takes over) treats the stored newest recommendation as
 * seen until its first decision (see step_decide). Both comparisons are
 * on the structures: this runs on every sync of every policy. */
static bool write_status(struct ctl_reconcile *r)
{
    struct ebb_controller *c = r->c;
    const struct ebb_policy_status *stored = &r->kp->policy.status, *st = &r->pol.status;
    struct ctl_policy *ps = ctl_pstate(c, r->key, false);
    if (ebb_policy_status_equal(st, stored, false)) {
        c->st.status_unchanged++;
        return false;
    }
    size_t k = st->n_recommendations;
    if (k > 0 && ebb_policy_status_equal(st, stored, true) &&
        st->recommendations[k - 1].time_ms >= stored->recommendations[k - 1].time_ms) {
        if (ps != NULL) {
            ps->rec_replicas = st->recommendations[k - 1].replicas;
            ps->rec_seen_ms = st->recommendations[k - 1].time_ms;
            ps->rec_stored_ms = stored->recommendations[k - 1].time_ms;
        }
        c->st.status_unchanged++;
        return false;
    }
    struct ebb_strbuf oj = EBB_STRBUF_INIT, nj = EBB_STRBUF_INIT;
    if (ebb_policy_status_to_json(stored, &oj) != EBB_OK || ebb_strbuf_rc(&oj) != EBB_OK ||
        ebb_policy_status_to_json(st, &nj) != EBB_OK || ebb_strbuf_rc(&nj) != EBB_OK) {
        ebb_strbuf_release(&oj);
        ebb_strbuf_release(&nj);
        snprintf(r->reason, sizeof(r->reason), "out of memory encoding the status");
        r->status_rc = EBB_ERR_NOMEM;
        return false;
    }
    struct facts *fs = facts_of(r);
    for (size_t i = 0; i < fs->n; i++)
        ctl_event(c, &r->pol, true, fs->f[i].reason, "Reconcile", fs->f[i].note);
    fs->n = 0;
    char *patch = status_patch(oj.buf, nj.buf);
    ebb_strbuf_release(&oj);
    ebb_strbuf_release(&nj);
    if (patch == NULL) {
        snprintf(r->reason, sizeof(r->reason), "out of memory building the status patch");
        r->status_rc = EBB_ERR_NOMEM;
        return false;
    }
    ctl_log(c, EBB_CTL_LOG_DEBUG, r->key, "status patch: %s", patch);
    struct ebb_kube_resource res = EBB_KUBE_SCALINGPOLICIES;
    enum ebb_rc rc =
        ebb_kube_patch_async(&r->call, c->client, &res, r->ns, r->name, "status",
                             EBB_KUBE_PATCH_MERGE, patch, strlen(patch), NULL, on_status, r);
    free(patch);
    if (rc != EBB_OK) {
        snprintf(r->reason, sizeof(r->reason), "the status patch could not be sent: %s",
                 ebb_rc_str(rc));
        r->status_rc = rc;
        return false;
    }
    r->requests++;
    c->st.requests++;
    c->st.writes++;
    c->st.status_writes++;
    if (ps != NULL)
        ps->rec_seen_ms = 0; /* the status written carries the newest time */
    r->step = CTL_STEP_STATUS_WAIT;
    return true;
}

/* A status that is only conditions (InvalidSpec, AmbiguousTarget, a
 * target without /scale): the conditions are set on the stored status,
 * written if changed, and the reconcile ends with outcome. */
static void status_only(struct ctl_reconcile *r, enum ebb_reconcile_outcome outcome, int64_t now_ms,
                        int64_t wall_ms, const char *const *conds, size_t n)
{
    enum ebb_rc rc = EBB_OK;
    struct ctl_policy *ps = ctl_pstate(r->c, r->key, false);
    if (ps != NULL && ps->pw == NULL)
        ps->chan_no_pods = true; /* its pods are not watched: it holds none in a pool */
    r->pol.status.observed_generation = r->pol.metadata.generation;
    for (size_t i = 0; rc == EBB_OK && i + 3 < n; i += 4)
        rc = ebb_status_set_condition(&r->pol, conds[i],
                                      strcmp(conds[i + 1], "True") == 0    ? EBB_COND_TRUE
                                      : strcmp(conds[i + 1], "False") == 0 ? EBB_COND_FALSE
                                                                           : EBB_COND_UNKNOWN,
                                      conds[i + 2], conds[i + 3], wall_ms);
    r->outcome = outcome;
    if (rc != EBB_OK) {
        snprintf(r->reason, sizeof(r->reason), "out of memory setting conditions");
        ctl_reconcile_finish(r, EBB_RECONCILE_FAILED, now_ms);
        return;
    }
    bool wait = write_status(r);
    if (!wait)
        ctl_reconcile_finish(r, r->status_rc == EBB_OK ? outcome : EBB_RECONCILE_FAILED, now_ms);
}

/* ---- steps ------------------------------------------------------------------------------- */

static void on_scale(void *ctx, enum ebb_rc rc, const struct ebb_kube_scale *scale,
                     const struct ebb_kube_error *err)
{
    struct ctl_reconcile *r = ctx;
    r->scale_rc = rc;
    if (rc == EBB_OK)
        r->scale = *scale;
    else if (err != NULL)
        r->kerr = *err;
    else
        memset(&r->kerr, 0, sizeof(r->kerr));
    r->step = CTL_STEP_SCALE_DONE;
    ctl_reconcile_wake(r);
}

static void on_patch(void *ctx, enum ebb_rc rc, const struct ebb_kube_scale *scale,
                     const struct ebb_kube_error *err)
{
    struct ctl_reconcile *r = ctx;
    (void)scale;
    r->patch_rc = rc;
    if (rc != EBB_OK && err != NULL)
        r->kerr = *err;
    r->step = CTL_STEP_PATCH_DONE;
    ctl_reconcile_wake(r);
}

static bool target_resource(const struct ebb_policy *p, struct ebb_kube_resource *res)
{
    const char *k = p->spec.target_ref.kind;
    if (k && strcmp(k, "Deployment") == 0)
        *res = EBB_KUBE_DEPLOYMENTS;
    else if (k && strcmp(k, "StatefulSet") == 0)
        *res = EBB_KUBE_STATEFULSETS;
    else
        return false;
    return true;
}

static void step_scale_done(struct ctl_reconcile *r, int64_t now_ms, int64_t wall_ms);
static void start_metrics(struct ctl_reconcile *r, int64_t now_ms, int64_t wall_ms);
static const struct ebb_tz *tz_get(struct ebb_controller *c, const char *name, int64_t now_ms);
static const char *held_note(struct ctl_reconcile *r, const char *why, int32_t from, int32_t to);

/* Fills r->scale from the Deployment/StatefulSet informer's copy of the
 * target; false when the informer has not listed or does not hold it. */
static bool scale_from_informer(struct ctl_reconcile *r, const struct ebb_kube_resource *res)
{
    struct ebb_controller *c = r->c;
    struct ebb_informer *inf = strcmp(res->kind, "Deployment") == 0 ? c->inf_deploy : c->inf_sts;
    char key[600];
    if (inf == NULL || !ebb_informer_synced(inf) ||
        ebb_cache_key(r->ns, r->pol.spec.target_ref.name, key, sizeof(key)) != EBB_OK)
        return false;
    const struct ebb_kube_workload *w = ebb_cache_get(ebb_informer_store(inf), key, NULL);
    if (w == NULL || !w->selector.set)
        return false;
    struct ebb_strbuf sel = EBB_STRBUF_INIT;
    bool ok =
        ctl_selector_string(&w->selector, &sel) == EBB_OK && sel.len < sizeof(r->scale.selector);
    if (ok) {
        memset(&r->scale, 0, sizeof(r->scale));
        r->scale.spec_replicas = w->spec_replicas == EBB_UNSET ? 1 : w->spec_replicas;
        r->scale.status_replicas = w->status_replicas == EBB_UNSET ? 0 : w->status_replicas;
        memcpy(r->scale.selector, sel.buf, sel.len + 1);
        r->scale_rc = EBB_OK;
    }
    ebb_strbuf_release(&sel);
    return ok;
}

static void step_begin(struct ctl_reconcile *r, int64_t now_ms, int64_t wall_ms)
{
    struct ebb_controller *c = r->c;
    const struct ebb_kube_policy *kp = ctl_policy_get(c, r->key);
    if (kp == NULL) {
        ebb_queue_remove(&c->queue, r->key);
        snprintf(r->reason, sizeof(r->reason), "the policy is gone");
        ctl_reconcile_finish(r, EBB_RECONCILE_CANCELLED, now_ms);
        return;
    }
    /* The store may replace its object while we wait: hold this version,
     * share its spec, and work on a copy of its status. */
    r->kp = ebb_kube_policy_hold(kp);
    r->pol = kp->policy;
    struct reconcile_box *box = (struct reconcile_box *)r;
    ebb_arena_init_buffer(&r->pol.arena, box->pol_arena, sizeof(box->pol_arena));
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    enum ebb_rc rc = ebb_policy_status_copy(&r->pol.arena, &r->pol.status, &kp->policy.status);
    if (rc != EBB_OK) {
        snprintf(r->reason, sizeof(r->reason), "copying the policy's status: %s", ebb_rc_str(rc));
        ctl_reconcile_finish(r, EBB_RECONCILE_FAILED, now_ms);
        return;
    }
    if (r->pol.metadata.deletion_timestamp != NULL) {
        snprintf(r->reason, sizeof(r->reason), "the policy is being deleted");
        ctl_reconcile_finish(r, EBB_RECONCILE_CANCELLED, now_ms);
        return;
    }
    r->paused = ebb_policy_is_paused(&r->pol);
    r->sync_ms = r->pol.spec.sync_period_ms > 0 ? r->pol.spec.sync_period_ms : c->o.sync_period_ms;

    /* 1. validation: done when the informer stored this version */
    if (kp->error != NULL)
        ebb_errlist_add(&errs, "", "%s", kp->error);
    for (size_t i = 0; kp->error == NULL && i < kp->invalid.n; i++)
        ebb_errlist_add(&errs, kp->invalid.items[i].path, "%s", kp->invalid.items[i].message);
    /* A schedule's time zone must load, as `ebb validate` demands. */
    for (size_t i = 0; c->o.load_tz != NULL && i < r->pol.spec.n_schedules; i++) {
        const char *zone = r->pol.spec.schedules[i].time_zone;
        if (zone == NULL || *zone == '\0' || tz_get(c, zone, now_ms) != NULL)
            continue;
        const struct ctl_tz *t = ebb_cache_get(&c->tzs, zone, NULL);
        char path[64];
        snprintf(path, sizeof(path), "spec.schedules[%zu].timeZone", i);
        ebb_errlist_add(&errs, path, "%s",
                        t != NULL && t->error[0] ? t->error : "the time zone cannot be loaded");
    }
    if (ebb_errlist_any(&errs)) {
        struct ebb_strbuf msg = EBB_STRBUF_INIT;
        for (size_t i = 0; i < errs.n; i++)
            ebb_strbuf_addf(&msg, "%s%s%s%s", i ? "; " : "", errs.items[i].path,
                            errs.items[i].path[0] ? ": " : "", errs.items[i].message);
        ebb_errlist_release(&errs);
        snprintf(r->reason, sizeof(r->reason), "invalid spec: %s",
                 ebb_strbuf_rc(&msg) == EBB_OK ? msg.buf : "out of memory");
        ctl_reconcile_fact(r, "InvalidSpec", "%s", r->reason);
        const char *conds[] = {EBB_COND_READY, "False", "InvalidSpec",
                               ebb_strbuf_rc(&msg) == EBB_OK ? msg.buf : "invalid spec"};
        status_only(r, EBB_RECONCILE_INVALID, now_ms, wall_ms, conds, 4);
        ebb_strbuf_release(&msg);
        return;
    }
    ebb_errlist_release(&errs);

    /* 2. ambiguity */
    char tk[768], who[512];
    if (ctl_target_key(&r->pol, tk, sizeof(tk)) &&
        ctl_targets_other(c, r->key, tk, who, sizeof(who))) {
        char msg[1024];
        snprintf(msg, sizeof(msg),
                 "the target %s %s is also managed by %s; Ebb does not act on a target with "
                 "two owners",
                 r->pol.spec.target_ref.kind, r->pol.spec.target_ref.name, who);
        snprintf(r->reason, sizeof(r->reason), "%s", msg);
        ctl_reconcile_fact(r, "AmbiguousTarget", "%s", msg);
        const char *conds[] = {
            EBB_COND_READY,  "True",  "Valid",           "the policy is valid and in effect",
            "ScalingActive", "False", "AmbiguousTarget", msg};
        status_only(r, EBB_RECONCILE_AMBIGUOUS, now_ms, wall_ms, conds, 8);
        return;
    }

    /* 3. the target's scale: from the workload informer when it holds the
     * target (no request: the informer already watches it), else GET /scale
     * (a target just created, or one that does not exist: the API's 404
     * then says so). */
    struct ebb_kube_resource res;
    if (!target_resource(&r->pol, &res)) {
        snprintf(r->reason, sizeof(r->reason), "unsupported target kind");
        ctl_reconcile_finish(r, EBB_RECONCILE_INVALID, now_ms);
        return;
    }
    if (scale_from_informer(r, &res)) {
        r->step = CTL_STEP_SCALE_DONE;
        step_scale_done(r, now_ms, wall_ms);
        return;
    }
    rc = ebb_kube_get_scale_async(&r->call, c->client, &res, r->ns, r->pol.spec.target_ref.name,
                                  on_scale, r);
    if (rc != EBB_OK) {
        snprintf(r->reason, sizeof(r->reason), "GET /scale could not be sent: %s", ebb_rc_str(rc));
        ctl_reconcile_finish(r, EBB_RECONCILE_FAILED, now_ms);
        return;
    }
    r->requests++;
    c->st.requests++;
    r->step = CTL_STEP_SCALE_WAIT;
}

static bool needs_pods(const struct ebb_policy_spec *s)
{
    for (size_t i = 0; i < s->n_metrics; i++)
        if (s->metrics[i].type == EBB_METRIC_RESOURCE || s->metrics[i].type == EBB_METRIC_PODS)
            return true;
    return false;
}

static void step_scale_done(struct ctl_reconcile *r, int64_t now_ms, int64_t wall_ms)
{
    struct ebb_controller *c = r->c;
    if (r->scale_rc != EBB_OK) {
        const char *reason = r->kerr.reason != EBB_KUBE_REASON_UNKNOWN
                                 ? ebb_kube_reason_name(r->kerr.reason)
                                 : "FailedGetScale";
        char msg[1200];
        snprintf(msg, sizeof(msg), "the /scale subresource of %s %s cannot be read: %s",
                 r->pol.spec.target_ref.kind, r->pol.spec.target_ref.name,
                 r->kerr.message[0] ? r->kerr.message : ebb_rc_str(r->scale_rc));
        snprintf(r->reason, sizeof(r->reason), "%s", msg);
        ctl_reconcile_fact(r, "FailedGetScale", "%s", msg);
        const char *conds[] = {
            EBB_COND_READY, "True",  "Valid", "the policy is valid and in effect",
            "AbleToScale",  "False", reason,  msg};
        /* Transient failures retry with backoff; a missing target waits a sync. */
        bool transient = ebb_kube_error_retryable(&r->kerr);
        status_only(r, transient ? EBB_RECONCILE_FAILED : EBB_RECONCILE_NO_TARGET, now_ms, wall_ms,
                    conds, 8);
        return;
    }
    struct ctl_policy *ps = ctl_pstate(c, r->key, false);
    bool chan = r->pol.spec.channel_ports.set;
    if (needs_pods(&r->pol.spec) || chan) {
        if (r->scale.selector[0] == 0) {
            char msg[512];
            snprintf(msg, sizeof(msg),
                     "the /scale of %s %s reports no selector: its pods cannot be found",
                     r->pol.spec.target_ref.kind, r->pol.spec.target_ref.name);
            snprintf(r->reason, sizeof(r->reason), "%s", msg);
            const char *conds[] = {
                EBB_COND_READY,  "True",  "Valid",           "the policy is valid and in effect",
                "ScalingActive", "False", "InvalidSelector", msg};
            status_only(r, EBB_RECONCILE_NO_TARGET, now_ms, wall_ms, conds, 8);
            return;
        }
        char err[300] = "out of memory";
        enum ebb_rc prc =
            ps == NULL ? EBB_ERR_NOMEM
                       : ctl_podwatch_acquire(c, ps, r->ns, r->scale.selector, err, sizeof(err));
        if (prc != EBB_OK) {
            snprintf(r->reason, sizeof(r->reason), "cannot watch the target's pods: %s", err);
            ctl_reconcile_finish(r, EBB_RECONCILE_FAILED, now_ms);
            return;
        }
        ps->chan_no_pods = false;
        if (!ctl_podwatch_synced(ps->pw)) {
            snprintf(r->reason, sizeof(r->reason), "waiting for the pod informer of %s",
                     r->scale.selector);
            ctl_reconcile_finish(r, EBB_RECONCILE_WAITING, now_ms);
            return;
        }
        if (ctl_podwatch_pods(ps->pw, r) != EBB_OK) {
            snprintf(r->reason, sizeof(r->reason), "out of memory listing pods");
            ctl_reconcile_finish(r, EBB_RECONCILE_FAILED, now_ms);
            return;
        }
    } else if (ps != NULL) {
        ctl_podwatch_release(c, ps);
    }
    if (chan) {
        switch (ctl_chan_begin(r, now_ms)) {
        case CTL_CHAN_FINISHED:
            return;
        case CTL_CHAN_WRITING:
            r->step = CTL_STEP_CHAN_WAIT;
            return;
        case CTL_CHAN_CONTINUE:
            break;
        }
    }
    start_metrics(r, now_ms, wall_ms);
}

static void start_metrics(struct ctl_reconcile *r, int64_t now_ms, int64_t wall_ms)
{
    ctl_fetch_start(r);
    r->step = CTL_STEP_METRICS_WAIT;
    if (r->fetch_pending == 0)
        ctl_reconcile_step(r, now_ms, wall_ms);
}

static const struct ebb_tz *tz_get(struct ebb_controller *c, const char *name, int64_t now_ms)
{
    struct ctl_tz *t = ebb_cache_get(&c->tzs, name, NULL);
    if (t != NULL && (t->tz != NULL || now_ms - t->loaded_ms < 5 * 60 * 1000))
        return t->tz;
    if (c->o.load_tz == NULL)
        return NULL;
    if (t == NULL) {
        t = calloc(1, sizeof(*t));
        if (t == NULL || ebb_cache_put(&c->tzs, name, NULL, t, sizeof(*t), NULL) != EBB_OK) {
            free(t);
            return NULL;
        }
    }
    t->loaded_ms = now_ms;
    if (c->o.load_tz(c->o.tz_ctx, name, &t->tz, t->error, sizeof(t->error)) != EBB_OK) {
        t->tz = NULL;
        ctl_log(c, EBB_CTL_LOG_WARN, NULL, "time zone %s: %s", name, t->error);
    }
    return t->tz;
}

static void step_decide(struct ctl_reconcile *r, int64_t now_ms, int64_t wall_ms)
{
    struct ebb_controller *c = r->c;
    struct reconcile_box *box = (struct reconcile_box *)r;
    const struct ebb_policy_spec *spec = &r->pol.spec;
    const struct ebb_tz *tzs[EBB_MAX_SCHEDULES];
    ctl_fetch_finish(r, wall_ms);
    for (size_t i = 0; i < spec->n_metrics && i < EBB_MAX_METRICS; i++)
        if (r->obs[i].error == NULL && r->obs[i].samples != NULL &&
            ebb_cadence_newest(r->obs[i].samples, r->n_pods, &r->newest_ts_ms,
                               &r->newest_window_ms))
            break;
    for (size_t i = 0; i < spec->n_schedules && i < EBB_MAX_SCHEDULES; i++)
        tzs[i] =
            spec->schedules[i].time_zone ? tz_get(c, spec->schedules[i].time_zone, now_ms) : NULL;
    ebb_history_from_status(spec, &r->pol.status, hist_in(r));
    /* A recommendation seen again since its status write was skipped:
     * its true last-seen time is kept here, not in status. */
    struct ctl_policy *ps = ctl_pstate(c, r->key, false);
    struct ebb_history *h = hist_in(r);
    if (ps != NULL && !ps->rec_fresh) {
        /* The first decision since this controller started or took over:
         * status holds the newest recommendation as last written, and
         * writes are skipped while it only repeats, so it may have been
         * seen later than that -- until the previous controller stopped.
         * Count it as seen until now: a pending scale-down waits out its
         * window rather than happening early (HPA forgets it entirely). */
        if (h->n_recs > 0 && h->recs[h->n_recs - 1].time_ms < wall_ms)
            h->recs[h->n_recs - 1].time_ms = wall_ms;
        ps->rec_fresh = true;
    } else if (ps != NULL && ps->rec_seen_ms > 0 && h->n_recs > 0 &&
               h->recs[h->n_recs - 1].replicas == ps->rec_replicas &&
               h->recs[h->n_recs - 1].time_ms == ps->rec_stored_ms &&
               ps->rec_seen_ms > ps->rec_stored_ms)
        h->recs[h->n_recs - 1].time_ms = ps->rec_seen_ms;
    struct ebb_scale_config cfg = c->o.scale;
    cfg.sync_period_ms = r->sync_ms;
    struct ebb_scale_input in;
    memset(&in, 0, sizeof(in));
    in.spec = spec;
    in.paused = false; /* paused policies decide and report; only the patch is held */
    in.current_replicas = r->scale.spec_replicas;
    in.status_replicas = r->scale.status_replicas;
    in.pods = r->pods;
    in.n_pods = r->n_pods;
    in.metrics = r->obs;
    in.history = hist_in(r);
    in.schedule_tz = spec->n_schedules ? tzs : NULL;
    in.port_capacity = ctl_chan_capacity(r);
    in.config = &cfg;
    in.now_ms = wall_ms;
    r->decided_ms = wall_ms;
    r->dec = &box->decision;
    enum ebb_rc rc = ebb_scale_decide(&in, r->dec);
    if (rc != EBB_OK)
        ctl_log(c, EBB_CTL_LOG_WARN, r->key, "decision input inconsistent: %s", ebb_rc_str(rc));
    snprintf(r->reason, sizeof(r->reason), "%s", r->dec->reason);
    for (size_t i = 0; i < r->dec->n_metrics && i < spec->n_metrics; i++) {
        if (!r->dec->metrics[i].valid) {
            r->metrics_invalid++;
            ctl_reconcile_fact(r, "FailedGetMetrics", "metric %s: %s", spec->metrics[i].name,
                               r->dec->metrics[i].error[0]
                                   ? r->dec->metrics[i].error
                                   : (r->obs[i].error ? r->obs[i].error : "invalid"));
        }
    }
    ctl_log(c, EBB_CTL_LOG_DEBUG, r->key, "current %d desired %d: %s", r->scale.spec_replicas,
            r->dec->desired, r->dec->reason);
    if (r->dec->scale) {
        if (!c->o.dry_run && !r->paused && c->is_leader && !c->shut) {
            struct ebb_kube_resource res;
            (void)target_resource(&r->pol, &res);
            rc = ebb_kube_patch_scale_async(&r->call, c->client, &res, r->ns, spec->target_ref.name,
                                            r->dec->desired, NULL, on_patch, r);
            if (rc == EBB_OK) {
                r->requests++;
                c->st.requests++;
                c->st.writes++;
                r->step = CTL_STEP_PATCH_WAIT;
                return;
            }
            r->patch_rc = rc;
            snprintf(r->kerr.message, sizeof(r->kerr.message), "the patch could not be sent: %s",
                     ebb_rc_str(rc));
            r->step = CTL_STEP_PATCH_DONE;
            ctl_reconcile_step(r, now_ms, wall_ms);
            return;
        }
        /* dry-run, paused (or shutting down): report, change nothing */
        r->held = true;
        r->held_from = r->scale.spec_replicas;
        r->held_to = r->dec->desired;
        c->st.dry_run_holds++;
        const char *why = c->o.dry_run ? "dry-run" : r->paused ? "paused" : "held";
        ctl_log(c, EBB_CTL_LOG_INFO, r->key, "%s: would scale %d -> %d: %s", why,
                r->scale.spec_replicas, r->dec->desired, r->dec->reason);
        if (c->o.dry_run || r->paused)
            ctl_event(c, &r->pol, false, "ScaleHeld", "Scale",
                      held_note(r, why, r->scale.spec_replicas, r->dec->desired));
        r->dec->history = *hist_in(r);
        ebb_history_add_recommendation(&r->dec->history, wall_ms, r->dec->recommendation);
        r->dec->scale = false;
    }
    r->patch_rc = EBB_OK;
    r->step = CTL_STEP_PATCH_DONE;
    ctl_reconcile_step(r, now_ms, wall_ms);
}

/* "dry-run: would scale 2 -> 4: <reason>" in the reconcile's buffer. */
static const char *held_note(struct ctl_reconcile *r, const char *why, int32_t from, int32_t to)
{
    snprintf(r->note, sizeof(r->note), "%s: would scale %d -> %d: %s", why, from, to,
             r->dec ? r->dec->reason : "");
    return r->note;
}

static void step_patch_done(struct ctl_reconcile *r, int64_t now_ms, int64_t wall_ms)
{
    struct ebb_controller *c = r->c;
    bool failed = false;
    char msg[1200];
    if (r->dec->scale && r->patch_rc == EBB_OK) {
        r->scaled = true;
        bool up = r->dec->desired > r->scale.spec_replicas;
        if (up)
            c->st.scale_ups++;
        else
            c->st.scale_downs++;
        ctl_event(c, &r->pol, false, up ? "ScaledUp" : "ScaledDown", "Scale", r->dec->reason);
        ctl_log(c, EBB_CTL_LOG_INFO, r->key, "scaled %s %s %d -> %d: %s",
                r->pol.spec.target_ref.kind, r->pol.spec.target_ref.name, r->scale.spec_replicas,
                r->dec->desired, r->dec->reason);
    } else if (r->dec->scale) {
        failed = true;
        c->st.scale_failures++;
        snprintf(msg, sizeof(msg), "failed to set %s %s to %d replicas: %s",
                 r->pol.spec.target_ref.kind, r->pol.spec.target_ref.name, r->dec->desired,
                 r->kerr.message[0] ? r->kerr.message : ebb_rc_str(r->patch_rc));
        ctl_event(c, &r->pol, true, "FailedRescale", "Scale", msg);
        ctl_log(c, EBB_CTL_LOG_WARN, r->key, "%s", msg);
        r->dec->history = *hist_in(r);
        ebb_history_add_recommendation(&r->dec->history, wall_ms, r->dec->recommendation);
        r->dec->scale = false;
    }
    enum ebb_rc rc = EBB_OK;
    const struct ebb_condition *ready0 = ebb_status_condition(&r->pol.status, EBB_COND_READY);
    struct ebb_condition old_ready = ready0 ? *ready0 : (struct ebb_condition){0};
    if (rc == EBB_OK)
        rc = ebb_status_apply_decision(&r->pol, r->dec, r->scale.spec_replicas, r->decided_ms);
    if (rc == EBB_OK && r->paused) {
        char note[700];
        snprintf(note, sizeof(note), "%s",
                 r->held
                     ? held_note(r, "paused", r->held_from, r->held_to)
                     : "paused (spec.paused or annotation ebb.dev/paused): decided, not acting");
        rc = ebb_status_set_condition(&r->pol, "ScalingActive", EBB_COND_FALSE, "Paused", note,
                                      r->decided_ms);
    } else if (rc == EBB_OK && r->held && c->o.dry_run) {
        rc = ebb_status_set_condition(&r->pol, "AbleToScale", EBB_COND_TRUE, "DryRun",
                                      held_note(r, "dry-run", r->held_from, r->held_to),
                                      r->decided_ms);
    }
    if (rc == EBB_OK && failed)
        rc = ebb_status_set_condition(&r->pol, "AbleToScale", EBB_COND_FALSE, "FailedUpdateScale",
                                      msg, wall_ms);
    if (rc == EBB_OK)
        rc = ctl_chan_status(r, ready0 ? &old_ready : NULL);
    if (rc != EBB_OK) {
        snprintf(r->reason, sizeof(r->reason), "out of memory writing the status");
        ctl_reconcile_finish(r, EBB_RECONCILE_FAILED, now_ms);
        return;
    }
    if (failed)
        snprintf(r->reason, sizeof(r->reason), "%s", msg);
    r->outcome = failed ? EBB_RECONCILE_FAILED : EBB_RECONCILE_OK;
    bool wait = write_status(r);
    if (!wait)
        ctl_reconcile_finish(r, r->status_rc == EBB_OK ? r->outcome : EBB_RECONCILE_FAILED, now_ms);
}

static void step_status_done(struct ctl_reconcile *r, int64_t now_ms)
{
    if (r->status_rc == EBB_OK) {
        r->status_written = true;
        ctl_reconcile_finish(r, r->outcome, now_ms);
        return;
    }
    if (r->outcome != EBB_RECONCILE_FAILED)
        snprintf(r->reason, sizeof(r->reason), "status write failed: %s", r->kerr.message);
    ctl_reconcile_finish(r, EBB_RECONCILE_FAILED, now_ms);
}

void ctl_reconcile_step(struct ctl_reconcile *r, int64_t now_ms, int64_t wall_ms)
{
    r->runnable = false;
    switch (r->step) {
    case CTL_STEP_BEGIN:
        step_begin(r, now_ms, wall_ms);
        break;
    case CTL_STEP_SCALE_DONE:
        step_scale_done(r, now_ms, wall_ms);
        break;
    case CTL_STEP_METRICS_WAIT:
    case CTL_STEP_DECIDE:
        if (r->fetch_pending == 0)
            step_decide(r, now_ms, wall_ms);
        break;
    case CTL_STEP_PATCH_DONE:
        step_patch_done(r, now_ms, wall_ms);
        break;
    case CTL_STEP_STATUS_DONE:
        step_status_done(r, now_ms);
        break;
    case CTL_STEP_CHAN_DONE:
        switch (ctl_chan_step(r, now_ms)) {
        case CTL_CHAN_FINISHED:
            break;
        case CTL_CHAN_WRITING:
            r->step = CTL_STEP_CHAN_WAIT;
            break;
        case CTL_CHAN_CONTINUE:
            start_metrics(r, now_ms, wall_ms);
            break;
        }
        break;
    case CTL_STEP_CHAN_WAIT:
    case CTL_STEP_SCALE_WAIT:
    case CTL_STEP_PATCH_WAIT:
    case CTL_STEP_STATUS_WAIT:
        break; /* still waiting */
    }
}

/* ---- channel ports (spec.channelPorts) ----------------------------------------------------
 *
 * The assignment is pure (channels.c, pkg/ports); here are its writes, in
 * the order that keeps the API the source of truth: the annotation of each
 * pod that gets a range (merge patch carrying the pod's resourceVersion,
 * so a pod that changed meanwhile -- maybe annotated by another writer --
 * is refused with 409, never overwritten), then the ConfigMap, then
 * status.channelPorts with the status write the reconcile makes anyway.
 * The ConfigMap and the status list only what the pods hold afterwards: a
 * failed patch leaves its pod out, and the policy is queued again. */
