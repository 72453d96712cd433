/* controller.c -- the engine's loop: informers, queue, leadership, shutdown. EDGE.
 * See controller.h; the reconcile itself is reconcile.c. */
#include "controller_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../api/v1alpha1/types.h"
#include "../base/msg.h"
#include "../base/tz.h"

/* ---- small helpers ----------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void ctl_log(struct ebb_controller *c, enum ebb_controller_log_level lvl, const char *key,
             const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    if (c->o.log == NULL || lvl < c->o.log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    c->o.log(c->o.log_ctx, lvl, key, line);
}

void ctl_enqueue(struct ebb_controller *c, const char *key)
{
    if (c->shut)
        return;
    if (ebb_queue_add(&c->queue, key) == EBB_OK)
        c->st.enqueued++;
}

const struct ebb_kube_policy *ctl_policy_get(const struct ebb_controller *c, const char *key)
{
    if (c->inf_policies == NULL)
        return NULL;
    return ebb_cache_get(ebb_informer_store(c->inf_policies), key, NULL);
}

static void pstate_free(void *obj)
{
    struct ctl_policy *ps = obj;
    if (ps == NULL)
        return;
    free(ps->key);
    free(ps->target_key);
    free(ps);
}

struct ctl_policy *ctl_pstate(struct ebb_controller *c, const char *key, bool create)
{
    struct ctl_policy *ps = ebb_cache_get(&c->pstate, key, NULL);
    if (ps != NULL || !create)
        return ps;
    ps = calloc(1, sizeof(*ps));
    if (ps == NULL)
        return NULL;
    ps->key = strdup(key);
    if (ps->key == NULL || ebb_cache_put(&c->pstate, key, NULL, ps, sizeof(*ps), NULL) != EBB_OK) {
        pstate_free(ps);
        return NULL;
    }
    return ps;
}

void ctl_event(struct ebb_controller *c, const struct ebb_policy *p, bool warning,
               const char *reason, const char *action, const char *note)
{
    struct ebb_event_ref ref = {EBB_API_VERSION, EBB_KIND, p->metadata.namespace_, p->metadata.name,
                                p->metadata.uid};
    struct ebb_event_plan plan;
    if (c->events == NULL)
        return;
    c->st.events_emitted++;
    if (ebb_events_emit(c->events, &ref, warning ? "Warning" : "Normal", reason, action, note,
                        c->now_ms, c->wall_ms, &plan) == EBB_OK &&
        plan.verb == EBB_EVENT_DROP)
        c->st.events_dropped++;
}

const char *ebb_reconcile_outcome_name(enum ebb_reconcile_outcome o)
{
    static const char *const names[EBB_RECONCILE_OUTCOME__COUNT] = {
        "Ok", "Invalid", "Ambiguous", "NoTarget", "Failed", "Cancelled", "Waiting"};
    return (unsigned)o < EBB_RECONCILE_OUTCOME__COUNT ? names[o] : "Unknown";
}

/* ---- policy informer --------------------------------------------------------------------- */

static bool annotations_equal(const struct ebb_object_meta *a, const struct ebb_object_meta *b)
{
    if (a->n_annotations != b->n_annotations)
        return false;
    for (size_t i = 0; i < a->n_annotations; i++) {
        const char *v = ebb_meta_annotation(b, a->annotations[i].key);
        if (v == NULL || strcmp(v, a->annotations[i].value ? a->annotations[i].value : "") != 0)
            return false;
    }
    return true;
}

static void policy_claim(struct ebb_controller *c, const char *key, const struct ebb_policy *p)
{
    char tk[768];
    struct ctl_policy *ps = ctl_pstate(c, key, true);
    if (ps == NULL) {
        ctl_log(c, EBB_CTL_LOG_ERROR, key, "out of memory recording the policy");
        return;
    }
    if (ctl_targets_claim(c, ps, ctl_target_key(p, tk, sizeof(tk)) ? tk : NULL) != EBB_OK)
        ctl_log(c, EBB_CTL_LOG_ERROR, key, "out of memory indexing the policy's target");
}

static void on_policy_add(void *ctx, const char *key, const void *obj)
{
    struct ebb_controller *c = ctx;
    const struct ebb_kube_policy *kp = obj;
    policy_claim(c, key, &kp->policy);
    ctl_enqueue(c, key);
}

static void on_policy_update(void *ctx, const char *key, const void *old_obj, const void *new_obj)
{
    struct ebb_controller *c = ctx;
    const struct ebb_kube_policy *o = old_obj, *n = new_obj;
    policy_claim(c, key, &n->policy);
    if (o == n /* resync */ || o->policy.metadata.generation != n->policy.metadata.generation ||
        !annotations_equal(&o->policy.metadata, &n->policy.metadata) ||
        (o->policy.metadata.deletion_timestamp == NULL) !=
            (n->policy.metadata.deletion_timestamp == NULL))
        ctl_enqueue(c, key);
}

static void on_policy_delete(void *ctx, const char *key, const void *obj)
{
    struct ebb_controller *c = ctx;
    (void)obj;
    struct ctl_policy *ps = ctl_pstate(c, key, false);
    ebb_queue_remove(&c->queue, key);
    if (ps == NULL)
        return;
    if (ps->run != NULL)
        ctl_reconcile_cancel(ps->run, false); /* stops at once: nothing more is written */
    ctl_podwatch_release(c, ps);
    (void)ctl_targets_claim(c, ps, NULL);
    (void)ebb_cache_take(&c->pstate, key, NULL);
    ctl_log(c, EBB_CTL_LOG_INFO, key, "policy deleted: no further action on its target");
}

/* ---- ranges ConfigMap informer (channel ports) ------------------------------------------ */

/* A published ConfigMap changed or went away (a person edited or deleted
 * it): its policy publishes again. */
static void ranges_enqueue(struct ebb_controller *c, const struct ebb_kube_ranges_cm *cm)
{
    const char *policy = ebb_kube_meta_label(&cm->cm.meta, CTL_CHAN_POLICY_LABEL);
    char key[600];
    if (policy == NULL || cm->cm.meta.namespace_ == NULL ||
        ebb_cache_key(cm->cm.meta.namespace_, policy, key, sizeof(key)) != EBB_OK)
        return;
    if (ctl_policy_get(c, key) != NULL)
        ctl_enqueue(c, key);
}

static void on_ranges_add(void *ctx, const char *key, const void *obj)
{
    (void)key;
    ranges_enqueue(ctx, obj);
}

static void on_ranges_update(void *ctx, const char *key, const void *old_obj, const void *new_obj)
{
    const struct ebb_kube_ranges_cm *o = old_obj, *n = new_obj;
    (void)key;
    if (o != n && (o->cm.meta.resource_version == NULL || n->cm.meta.resource_version == NULL ||
                   strcmp(o->cm.meta.resource_version, n->cm.meta.resource_version) != 0))
        ranges_enqueue(ctx, n);
}

static void on_ranges_delete(void *ctx, const char *key, const void *obj)
{
    (void)key;
    ranges_enqueue(ctx, obj);
}

/* ---- new / start / free ------------------------------------------------------------------ */

void ebb_controller_opts_default(struct ebb_controller_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->sync_period_ms = 15000;
    o->max_inflight = 64;
    o->pod_wait_ms = 100;
    o->watch_hpas = true;
    ebb_scale_config_default(&o->scale);
    o->prometheus_timeout_ms = 10000;
    o->reporting_controller = "ebb";
    o->reporting_instance = "ebb";
    o->events_queue_max = 256;
    o->log_level = EBB_CTL_LOG_INFO;
}

static void tz_free(void *obj)
{
    struct ctl_tz *t = obj;
    if (t == NULL)
        return;
    ebb_tz_free(t->tz);
    free(t);
}

static void hpa_index_free(void *obj)
{
    free(obj);
}

enum ebb_rc ebb_controller_new(struct ebb_kube_client *client,
                               const struct ebb_controller_opts *opts, struct ebb_controller **out,
                               char *err, size_t errsz)
{
    struct ebb_controller_opts def;
    struct ebb_controller *c;
    *out = NULL;
    if (opts == NULL) {
        ebb_controller_opts_default(&def);
        opts = &def;
    }
    if (client == NULL)
        return ebb_errf(err, errsz, EBB_ERR_INVALID, "no client");
    if (opts->sync_period_ms <= 0)
        return ebb_errf(err, errsz, EBB_ERR_INVALID, "the sync period must be positive, got %lldms",
                        (long long)opts->sync_period_ms);
    if (opts->max_inflight == 0)
        return ebb_errf(err, errsz, EBB_ERR_INVALID, "max_inflight must be at least 1");
    if (opts->prometheus_address && opts->prometheus_address[0] &&
        strncmp(opts->prometheus_address, "http://", 7) != 0 &&
        strncmp(opts->prometheus_address, "https://", 8) != 0)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "the Prometheus address %s is not an http:// or https:// URL",
                        opts->prometheus_address);
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ebb_errf(err, errsz, EBB_ERR_NOMEM, "out of memory");
    c->client = client;
    c->o = *opts;
    if (c->o.pod_wait_ms <= 0)
        c->o.pod_wait_ms = 100;
    if (c->o.prometheus_timeout_ms <= 0)
        c->o.prometheus_timeout_ms = 10000;
    if (c->o.scale.sync_period_ms <= 0)
        c->o.scale.sync_period_ms = c->o.sync_period_ms;
    c->ns = strdup(opts->namespace_ ? opts->namespace_ : "");
    c->prom_address = (opts->prometheus_address && opts->prometheus_address[0])
                          ? strdup(opts->prometheus_address)
                          : NULL;
    c->prom_token = dup_or_null(opts->prometheus_bearer_token);
    c->prom_ca = dup_or_null(opts->prometheus_ca_file);
    c->rep_controller = strdup(opts->reporting_controller ? opts->reporting_controller : "ebb");
    c->rep_instance = strdup(
        opts->reporting_instance && opts->reporting_instance[0] ? opts->reporting_instance : "ebb");
    if (c->ns == NULL || c->rep_controller == NULL || c->rep_instance == NULL ||
        (opts->prometheus_address && opts->prometheus_address[0] && c->prom_address == NULL) ||
        (opts->prometheus_bearer_token && c->prom_token == NULL) ||
        (opts->prometheus_ca_file && c->prom_ca == NULL)) {
        ebb_controller_free(c);
        return ebb_errf(err, errsz, EBB_ERR_NOMEM, "out of memory");
    }
    c->o.namespace_ = c->ns;
    c->o.prometheus_address = c->prom_address;
    c->o.prometheus_bearer_token = c->prom_token;
    c->o.prometheus_ca_file = c->prom_ca;
    c->o.reporting_controller = c->rep_controller;
    c->o.reporting_instance = c->rep_instance;
    ebb_queue_init(&c->queue, opts->seed ? opts->seed : 0x5eed);
    ebb_cache_init(&c->pstate, pstate_free);
    ebb_cache_init(&c->targets, ctl_target_free);
    ebb_cache_init(&c->hpa_index, hpa_index_free);
    ebb_cache_init(&c->podwatches, ctl_podwatch_free);
    ebb_cache_init(&c->tzs, tz_free);

    struct ebb_events_opts eo;
    ebb_events_opts_default(&eo);
    eo.reporting_controller = c->rep_controller;
    eo.reporting_instance = c->rep_instance;
    if (opts->events_queue_max)
        eo.queue_max = opts->events_queue_max;
    enum ebb_rc rc = ebb_events_new(client, &eo, &c->events, err, errsz);
    if (rc == EBB_OK)
        rc = ctl_prom_new(c, &c->prom, err, errsz);
    if (rc != EBB_OK) {
        ebb_controller_free(c);
        return rc;
    }
    *out = c;
    return EBB_OK;
}

static enum ebb_rc new_informer_sel(struct ebb_controller *c, const struct ebb_kube_resource *res,
                                    const char *label_selector, ebb_kube_decode_fn *decode,
                                    ebb_kube_free_fn *free_obj,
                                    const struct ebb_informer_handlers *h, uint64_t seed,
                                    struct ebb_informer **out)
{
    struct ebb_informer_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.resource = *res;
    ops.label_selector = label_selector;
    ops.namespace_ = c->ns[0] ? c->ns : NULL;
    ops.decode = decode;
    ops.free_obj = free_obj;
    ops.resync_ms = c->o.resync_ms;
    ops.seed = c->o.seed + seed;
    return ebb_informer_new(c->client, &ops, h, out);
}

static enum ebb_rc new_informer(struct ebb_controller *c, const struct ebb_kube_resource *res,
                                ebb_kube_decode_fn *decode, ebb_kube_free_fn *free_obj,
                                const struct ebb_informer_handlers *h, uint64_t seed,
                                struct ebb_informer **out)
{
    return new_informer_sel(c, res, NULL, decode, free_obj, h, seed, out);
}

enum ebb_rc ebb_controller_start(struct ebb_controller *c, int64_t now_ms, char *err, size_t errsz)
{
    if (c->started)
        return ebb_errf(err, errsz, EBB_ERR_INVALID, "the controller is already started");
    c->started = true;
    c->now_ms = now_ms;
    struct ebb_informer_handlers hp = {on_policy_add, on_policy_update, on_policy_delete, c};
    c->wctx[0] = (struct ctl_wctx){c, "Deployment"};
    c->wctx[1] = (struct ctl_wctx){c, "StatefulSet"};
    struct ebb_informer_handlers hw = {ctl_workload_add, ctl_workload_update, ctl_workload_delete,
                                       &c->wctx[0]};
    struct ebb_informer_handlers hs = {ctl_workload_add, ctl_workload_update, ctl_workload_delete,
                                       &c->wctx[1]};
    struct ebb_informer_handlers hh = {ctl_hpa_add, ctl_hpa_update, ctl_hpa_delete, c};
    struct ebb_kube_resource rp = EBB_KUBE_SCALINGPOLICIES, rd = EBB_KUBE_DEPLOYMENTS,
                             rs = EBB_KUBE_STATEFULSETS, rh = EBB_KUBE_HPAS;
    enum ebb_rc rc = new_informer(c, &rp, ebb_kube_decode_policy, ebb_kube_policy_free, &hp, 1,
                                  &c->inf_policies);
    if (rc == EBB_OK)
        rc = new_informer(c, &rd, ebb_kube_decode_workload, ebb_kube_object_free, &hw, 2,
                          &c->inf_deploy);
    if (rc == EBB_OK)
        rc = new_informer(c, &rs, ebb_kube_decode_workload, ebb_kube_object_free, &hs, 3,
                          &c->inf_sts);
    if (rc == EBB_OK && c->o.watch_hpas)
        rc = new_informer(c, &rh, ctl_hpa_decode, ctl_hpa_free, &hh, 4, &c->inf_hpa);
    struct ebb_informer_handlers hr = {on_ranges_add, on_ranges_update, on_ranges_delete, c};
    struct ebb_kube_resource rc_cm = EBB_KUBE_CONFIGMAPS;
    if (rc == EBB_OK)
        rc = new_informer_sel(c, &rc_cm, CTL_CHAN_MANAGED_BY "=ebb", ebb_kube_decode_ranges_cm,
                              ebb_kube_object_free, &hr, 5, &c->inf_ranges);
    if (rc != EBB_OK)
        return ebb_errf(err, errsz, rc, "creating the informers: %s", ebb_rc_str(rc));
    struct ebb_informer *all[] = {c->inf_policies, c->inf_deploy, c->inf_sts, c->inf_hpa,
                                  c->inf_ranges};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (all[i] == NULL)
            continue;
        rc = ebb_informer_start(all[i], now_ms);
        if (rc != EBB_OK)
            return ebb_errf(err, errsz, rc, "starting an informer: %s", ebb_rc_str(rc));
    }
    ctl_log(c, EBB_CTL_LOG_INFO, NULL, "controller started (namespace %s, sync period %lldms%s)",
            c->ns[0] ? c->ns : "<all>", (long long)c->o.sync_period_ms,
            c->o.dry_run ? ", dry-run" : "");
    return EBB_OK;
}

static void cancel_all(struct ebb_controller *c, bool requeue)
{
    while (c->runs != NULL)
        ctl_reconcile_cancel(c->runs, requeue);
}

void ebb_controller_free(struct ebb_controller *c)
{
    if (c == NULL)
        return;
    bool was_shut = c->shut;
    c->shut = true;
    (void)was_shut;
    cancel_all(c, false);
    ctl_reconcile_spares_free(c);
    ebb_informer_free(c->inf_policies);
    ebb_informer_free(c->inf_deploy);
    ebb_informer_free(c->inf_sts);
    ebb_informer_free(c->inf_hpa);
    ebb_informer_free(c->inf_ranges);
    ebb_cache_release(&c->podwatches); /* frees the pod informers */
    ebb_cache_release(&c->pstate);
    ebb_cache_release(&c->targets);
    ebb_cache_release(&c->hpa_index);
    ebb_cache_release(&c->tzs);
    ebb_events_free(c->events);
    ctl_prom_free(c->prom);
    ebb_queue_release(&c->queue);
    free(c->ns);
    free(c->prom_address);
    free(c->prom_token);
    free(c->prom_ca);
    free(c->rep_controller);
    free(c->rep_instance);
    free(c);
}

/* ---- the loop ---------------------------------------------------------------------------- */

/* Ticks an informer and logs its new failures (a server that cannot be
 * reached, a refused watch): at most one line per informer every 10 s,
 * with the count since the last line. */
static void tick_informer(struct ebb_controller *c, struct ebb_informer *inf, const char *what,
                          int idx, int64_t now_ms)
{
    if (inf == NULL)
        return;
    ebb_informer_tick(inf, now_ms);
    const struct ebb_informer_stats *st = ebb_informer_stats(inf);
    if (st->failures > c->inf_failures_logged[idx] &&
        (c->inf_logged_ms[idx] == 0 || now_ms - c->inf_logged_ms[idx] >= 10000)) {
        ctl_log(c, EBB_CTL_LOG_WARN, NULL, "%s: %llu failure(s) listing or watching: %s", what,
                (unsigned long long)(st->failures - c->inf_failures_logged[idx]),
                st->last_error[0] ? st->last_error : "(no detail)");
        c->inf_failures_logged[idx] = st->failures;
        c->inf_logged_ms[idx] = now_ms;
    }
}

void ebb_controller_tick(struct ebb_controller *c, int64_t now_ms, int64_t wall_ms, bool is_leader)
{
    c->now_ms = now_ms;
    c->wall_ms = wall_ms;
    if (!c->started)
        return;
    tick_informer(c, c->inf_policies, "ScalingPolicies", 0, now_ms);
    tick_informer(c, c->inf_deploy, "Deployments", 1, now_ms);
    tick_informer(c, c->inf_sts, "StatefulSets", 2, now_ms);
    tick_informer(c, c->inf_hpa, "HorizontalPodAutoscalers", 3, now_ms);
    tick_informer(c, c->inf_ranges, "channel range ConfigMaps", 4, now_ms);
    ctl_podwatch_tick(c, now_ms);
    ctl_prom_tick(c->prom);

    if (!is_leader) {
        if (c->runs != NULL) {
            ctl_log(c, EBB_CTL_LOG_WARN, NULL,
                    "not the leader: cancelling %zu reconcile(s) in flight", c->inflight);
            cancel_all(c, true);
        }
        c->is_leader = false;
        return;
    }
    if (!c->is_leader)
        ctl_log(c, EBB_CTL_LOG_INFO, NULL, "leading: reconciling");
    c->is_leader = true;

    /* Steps that callbacks made runnable. A step may finish (and free)
     * its reconcile, or cancel none but itself. */
    for (struct ctl_reconcile *r = c->runs, *next; r != NULL; r = next) {
        next = r->next;
        if (r->runnable) {
            r->runnable = false;
            ctl_reconcile_step(r, now_ms, wall_ms);
        }
    }
    if (c->shut)
        return;
    /* Wait for the policy informer before deciding anything: a policy
     * missing from an unsynced store is not a deleted one. */
    if (!ebb_informer_synced(c->inf_policies))
        return;
    while (c->inflight < c->o.max_inflight) {
        const char *key = ebb_queue_take(&c->queue, now_ms);
        if (key == NULL)
            break;
        ctl_reconcile_start(c, key, now_ms, wall_ms);
    }
}

static int64_t min_next(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int64_t ebb_controller_next_in(const struct ebb_controller *c, int64_t now_ms)
{
    int64_t t = -1;
    if (!c->started)
        return -1;
    const struct ebb_informer *all[] = {c->inf_policies, c->inf_deploy, c->inf_sts, c->inf_hpa,
                                        c->inf_ranges};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i] != NULL)
            t = min_next(t, ebb_informer_next_in(all[i], now_ms));
    t = min_next(t, ctl_podwatch_next_in(c, now_ms));
    if (c->is_leader) {
        for (const struct ctl_reconcile *r = c->runs; r != NULL; r = r->next)
            if (r->runnable)
                return 0;
        if (!c->shut && c->inflight < c->o.max_inflight && ebb_informer_synced(c->inf_policies)) {
            if (ebb_queue_len(&c->queue) > 0)
                return 0;
            t = min_next(t, ebb_queue_next_in(&c->queue, now_ms));
        }
    }
    if (ctl_prom_running(c->prom) > 0)
        t = min_next(t, 50);
    return t;
}

bool ebb_controller_synced(const struct ebb_controller *c)
{
    if (!c->started)
        return false;
    return ebb_informer_synced(c->inf_policies) && ebb_informer_synced(c->inf_deploy) &&
           ebb_informer_synced(c->inf_sts) &&
           (c->inf_hpa == NULL || ebb_informer_synced(c->inf_hpa));
}

void ebb_controller_shutdown(struct ebb_controller *c, int64_t now_ms)
{
    if (c->shut)
        return;
    c->now_ms = now_ms;
    c->shut = true;
    ctl_log(c, EBB_CTL_LOG_INFO, NULL, "shutting down: %zu reconcile(s) in flight", c->inflight);
}

bool ebb_controller_idle(const struct ebb_controller *c)
{
    return c->runs == NULL && (c->events == NULL || ebb_events_pending(c->events) == 0);
}

enum ebb_rc ebb_controller_enqueue(struct ebb_controller *c, const char *key, int64_t now_ms)
{
    c->now_ms = now_ms;
    if (ctl_policy_get(c, key) == NULL)
        return EBB_ERR_NOTFOUND;
    ctl_enqueue(c, key);
    return EBB_OK;
}

void ebb_controller_stats(const struct ebb_controller *c, struct ebb_controller_stats *out)
{
    struct ebb_queue_stats qs;
    *out = c->st;
    ebb_queue_stats(&c->queue, &qs);
    out->queued = qs.depth + qs.waiting;
    out->inflight = c->inflight;
    out->pod_informers = ebb_cache_count(&c->podwatches);
    out->policies = c->inf_policies ? ebb_cache_count(ebb_informer_store(c->inf_policies)) : 0;
    out->synced = ebb_controller_synced(c);
    out->events_dropped = c->events ? ebb_events_dropped(c->events) : 0;
    size_t bytes = 0;
    const struct ebb_informer *all[] = {c->inf_policies, c->inf_deploy, c->inf_sts, c->inf_hpa,
                                        c->inf_ranges};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i] != NULL)
            bytes += ebb_cache_bytes(ebb_informer_store(all[i]));
    bytes += ctl_podwatch_store_bytes(c);
    out->store_bytes = bytes;
}
