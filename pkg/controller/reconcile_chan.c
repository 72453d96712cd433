/* reconcile_chan.c -- the channel port steps of one reconcile (CHAN_WAIT in
 * reconcile.c's state machine). EDGE.
 *
 * With spec.channelPorts: the assignment of the whole pool (channels.c,
 * pkg/ports), then merge patches of the ebb.dev/channel-ports annotation
 * of the pods that get a range, then the ConfigMap
 * <policy>-channel-ranges (ranges.yaml), and the conditions and
 * status.channelPorts the plan implies. Callbacks record results and wake
 * the reconcile, as everywhere in the engine.
 */
#include "controller_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

struct chan_call {
    struct ctl_chan_run *ch;
    size_t idx; /* in plan.patches */
    struct ebb_kube_call call;
};

enum chan_phase { CHAN_PODS = 0, CHAN_CM, CHAN_DONE };

struct ctl_chan_run {
    struct ctl_reconcile *r;
    struct ctl_chan_plan plan;
    struct chan_call *calls;
    size_t pending;
    enum chan_phase phase;
    struct ebb_kube_call cm_call;
    bool cm_created; /* the POST was sent (a 409 then patches) */
    bool cm_exists;  /* the POST got 409: it exists without our label */
    bool retry;      /* a write failed: queue the policy again soon */
};

void ctl_chan_free(struct ctl_chan_run *ch)
{
    if (ch == NULL)
        return;
    for (size_t i = 0; ch->calls != NULL && i < ch->plan.n_patches; i++)
        ebb_kube_call_cancel(&ch->calls[i].call);
    ebb_kube_call_cancel(&ch->cm_call);
    free(ch->calls);
    ctl_chan_plan_release(&ch->plan);
    free(ch);
}

int32_t ctl_chan_capacity(const struct ctl_reconcile *r)
{
    return r->chan != NULL ? r->chan->plan.capacity : EBB_UNSET;
}

/* The pods of a policy of the pool (ctl_chan_pods_fn). */
static enum ebb_rc chan_pods_of(void *ctx, const char *key, ctl_chan_add_fn *add, void *actx)
{
    struct ebb_controller *c = ctx;
    if (key == NULL)
        return ctl_podwatch_ranged(c, add, actx);
    const struct ctl_policy *ps = ctl_pstate(c, key, false);
    if (ps == NULL || ps->pw == NULL) {
        if (ps != NULL && ps->chan_no_pods)
            return EBB_OK;
        ctl_enqueue(c, key); /* not reconciled since start: its pods are not watched yet */
        return EBB_ERR_NOTFOUND;
    }
    if (!ctl_podwatch_synced(ps->pw))
        return EBB_ERR_NOTFOUND;
    return ctl_podwatch_each(ps->pw, add, actx);
}

static void on_chan_pod(void *ctx, const struct ebb_kube_result *res)
{
    struct chan_call *cc = ctx;
    struct ctl_chan_run *ch = cc->ch;
    const struct ctl_chan_patch *pt = &ch->plan.patches[cc->idx];
    if (res->rc != EBB_OK) {
        char msg[1024] = "";
        if (res->error != NULL)
            ebb_kube_error_format(res->error, msg, sizeof(msg));
        ctl_log(ch->r->c, EBB_CTL_LOG_WARN, ch->r->key,
                "channel ports: pod %s not annotated with %d-%d: %s", pt->pod, pt->first, pt->last,
                msg[0] ? msg : ebb_rc_str(res->rc));
        ctl_chan_plan_drop(&ch->plan, pt->pod);
        ch->retry = true;
    }
    if (ch->pending > 0 && --ch->pending == 0) {
        ch->phase = CHAN_CM;
        ch->r->step = CTL_STEP_CHAN_DONE;
        ctl_reconcile_wake(ch->r);
    }
}

static void on_chan_cm(void *ctx, const struct ebb_kube_result *res)
{
    struct ctl_chan_run *ch = ctx;
    ch->pending = 0;
    ch->r->step = CTL_STEP_CHAN_DONE;
    ctl_reconcile_wake(ch->r);
    if (res->rc == EBB_OK) {
        ch->phase = CHAN_DONE;
        return;
    }
    if (ch->cm_created && res->error != NULL && res->error->http_status == 409) {
        /* It exists without our label (the informer does not see it): patch it. */
        ch->cm_created = false;
        ch->cm_exists = true;
        return; /* phase stays CHAN_CM */
    }
    char msg[1024] = "";
    if (res->error != NULL)
        ebb_kube_error_format(res->error, msg, sizeof(msg));
    ctl_log(ch->r->c, EBB_CTL_LOG_WARN, ch->r->key, "channel ports: the ConfigMap %s%s: %s",
            ch->r->name, CTL_CHAN_CM_SUFFIX, msg[0] ? msg : ebb_rc_str(res->rc));
    ch->retry = true;
    ch->phase = CHAN_DONE;
}

/* The ConfigMap as the controller wants it; NULL when out of memory. */
static cJSON *chan_cm_json(const struct ctl_reconcile *r, const char *yaml, bool full)
{
    char name[600];
    snprintf(name, sizeof(name), "%s%s", r->name, CTL_CHAN_CM_SUFFIX);
    cJSON *o = cJSON_CreateObject();
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    cJSON *labels = cJSON_AddObjectToObject(md, "labels");
    cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences");
    cJSON *ref = cJSON_CreateObject();
    cJSON *data = cJSON_AddObjectToObject(o, "data");
    if (full) {
        cJSON_AddStringToObject(o, "apiVersion", "v1");
        cJSON_AddStringToObject(o, "kind", "ConfigMap");
        cJSON_AddStringToObject(md, "name", name);
        cJSON_AddStringToObject(md, "namespace", r->ns);
    }
    cJSON_AddStringToObject(labels, CTL_CHAN_MANAGED_BY, "ebb");
    cJSON_AddStringToObject(labels, CTL_CHAN_POLICY_LABEL, r->name);
    cJSON_AddStringToObject(ref, "apiVersion", EBB_API_VERSION);
    cJSON_AddStringToObject(ref, "kind", EBB_KIND);
    cJSON_AddStringToObject(ref, "name", r->name);
    cJSON_AddStringToObject(ref, "uid", r->pol.metadata.uid ? r->pol.metadata.uid : "");
    cJSON_AddBoolToObject(ref, "controller", 1);
    cJSON_AddBoolToObject(ref, "blockOwnerDeletion", 1);
    cJSON_AddItemToArray(refs, ref);
    cJSON_AddStringToObject(data, EBB_KUBE_RANGES_KEY, yaml);
    if (md == NULL || labels == NULL || refs == NULL || data == NULL ||
        cJSON_GetObjectItemCaseSensitive(data, EBB_KUBE_RANGES_KEY) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* True when the stored ConfigMap already says all of it. */
static bool chan_cm_current(const struct ctl_reconcile *r, const struct ebb_kube_ranges_cm *cm,
                            const char *yaml)
{
    const char *text = NULL;
    for (size_t i = 0; i < cm->cm.n_data; i++)
        if (strcmp(cm->cm.data[i].key, EBB_KUBE_RANGES_KEY) == 0)
            text = cm->cm.data[i].value;
    const char *pl = ebb_kube_meta_label(&cm->cm.meta, CTL_CHAN_POLICY_LABEL);
    bool owned = false;
    for (size_t i = 0; i < cm->cm.meta.n_owners; i++)
        owned |= cm->cm.meta.owners[i].uid && r->pol.metadata.uid &&
                 strcmp(cm->cm.meta.owners[i].uid, r->pol.metadata.uid) == 0 &&
                 cm->cm.meta.owners[i].controller;
    return text != NULL && strcmp(text, yaml) == 0 && pl != NULL && strcmp(pl, r->name) == 0 &&
           owned;
}

/* Creates or patches the ConfigMap when it differs. */
static enum ctl_chan_next chan_cm_write(struct ctl_reconcile *r)
{
    struct ebb_controller *c = r->c;
    struct ctl_chan_run *ch = r->chan;
    struct ebb_strbuf yaml = EBB_STRBUF_INIT;
    char key[700];
    snprintf(key, sizeof(key), "%s/%s%s", r->ns, r->name, CTL_CHAN_CM_SUFFIX);
    const struct ebb_kube_ranges_cm *cm =
        c->inf_ranges ? ebb_cache_get(ebb_informer_store(c->inf_ranges), key, NULL) : NULL;
    if (ebb_kube_ranges_yaml(ch->plan.held, ch->plan.n_held, &yaml) != EBB_OK) {
        ebb_strbuf_release(&yaml);
        ch->retry = true;
        return CTL_CHAN_CONTINUE;
    }
    ch->phase = CHAN_DONE;
    if (cm != NULL && chan_cm_current(r, cm, yaml.buf)) {
        ebb_strbuf_release(&yaml);
        return CTL_CHAN_CONTINUE;
    }
    bool create = cm == NULL && !ch->cm_exists;
    cJSON *o = chan_cm_json(r, yaml.buf, create);
    char *body = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    ebb_strbuf_release(&yaml);
    if (body == NULL) {
        ch->retry = true;
        return CTL_CHAN_CONTINUE;
    }
    struct ebb_kube_resource res = EBB_KUBE_CONFIGMAPS;
    enum ebb_rc rc;
    char name[600];
    snprintf(name, sizeof(name), "%s%s", r->name, CTL_CHAN_CM_SUFFIX);
    if (create)
        rc = ebb_kube_create_async(&ch->cm_call, c->client, &res, r->ns, body, strlen(body), NULL,
                                   on_chan_cm, ch);
    else
        rc = ebb_kube_patch_async(&ch->cm_call, c->client, &res, r->ns, name, NULL,
                                  EBB_KUBE_PATCH_MERGE, body, strlen(body), NULL, on_chan_cm, ch);
    cJSON_free(body);
    if (rc != EBB_OK) {
        ch->retry = true;
        return CTL_CHAN_CONTINUE;
    }
    ch->cm_created = create;
    ch->phase = CHAN_CM;
    ch->pending = 1;
    r->requests++;
    c->st.requests++;
    c->st.writes++;
    return CTL_CHAN_WRITING;
}

enum ctl_chan_next ctl_chan_step(struct ctl_reconcile *r, int64_t now_ms)
{
    (void)now_ms;
    struct ctl_chan_run *ch = r->chan;
    if (ch == NULL || ch->phase == CHAN_DONE || r->c->o.dry_run)
        return CTL_CHAN_CONTINUE;
    if (!r->c->is_leader || r->c->shut)
        return CTL_CHAN_CONTINUE; /* no write; the status is not written either */
    return chan_cm_write(r);
}

enum ctl_chan_next ctl_chan_begin(struct ctl_reconcile *r, int64_t now_ms)
{
    struct ebb_controller *c = r->c;
    struct ctl_chan_view v;
    struct ebb_ports_result res;
    char wait_for[600];
    memset(&v, 0, sizeof(v));
    memset(&res, 0, sizeof(res));
    if (c->inf_ranges == NULL || !ebb_informer_synced(c->inf_ranges)) {
        snprintf(r->reason, sizeof(r->reason),
                 "channel ports: waiting for the ConfigMap informer to list");
        ctl_reconcile_finish(r, EBB_RECONCILE_WAITING, now_ms);
        return CTL_CHAN_FINISHED;
    }
    enum ebb_rc rc = ctl_chan_view_build(&v, ebb_informer_store(c->inf_policies),
                                         ebb_informer_store(c->inf_ranges), chan_pods_of, c,
                                         wait_for, sizeof(wait_for));
    if (rc == EBB_ERR_NOTFOUND) {
        /* Never assign from a partial view of the pool. */
        snprintf(r->reason, sizeof(r->reason),
                 "channel ports: waiting for the pods of ScalingPolicy %s", wait_for);
        ctl_reconcile_finish(r, EBB_RECONCILE_WAITING, now_ms);
        return CTL_CHAN_FINISHED;
    }
    size_t self = rc == EBB_OK ? ctl_chan_view_find(&v, r->key) : SIZE_MAX;
    if (rc == EBB_OK && self == SIZE_MAX) {
        ctl_chan_view_release(&v);
        return CTL_CHAN_CONTINUE; /* channelPorts went away in the store meanwhile */
    }
    r->chan = rc == EBB_OK ? calloc(1, sizeof(*r->chan)) : NULL;
    if (r->chan == NULL || (rc = ebb_ports_assign(&v.in, &res)) != EBB_OK ||
        (rc = ctl_chan_plan_make(&v, &res, self, &r->chan->plan)) != EBB_OK) {
        ebb_ports_result_release(&res);
        ctl_chan_view_release(&v);
        snprintf(r->reason, sizeof(r->reason), "channel ports: %s",
                 ebb_rc_str(rc != EBB_OK ? rc : EBB_ERR_NOMEM));
        ctl_reconcile_finish(r, EBB_RECONCILE_FAILED, now_ms);
        return CTL_CHAN_FINISHED;
    }
    ebb_ports_result_release(&res);
    ctl_chan_view_release(&v);
    struct ctl_chan_run *ch = r->chan;
    ch->r = r;
    struct ctl_chan_plan *pl = &ch->plan;
    if (pl->waiting > 0 || pl->n_bad > 0)
        ctl_log(c, EBB_CTL_LOG_INFO, r->key,
                "channel ports: %d pod(s) wait for a range, %zu with a malformed annotation%s%s",
                pl->waiting, pl->n_bad, pl->message[0] ? ": " : "", pl->message);
    /* A pod it published is gone: the slot is free for the pool. */
    const struct ebb_policy_status *st = &r->pol.status;
    if (ctl_chan_freed(st->channel_ports, st->n_channel_ports, pl->held, pl->n_held))
        for (size_t i = 0; i < pl->n_share; i++)
            ctl_enqueue(c, pl->share[i]);
    if (c->o.dry_run) {
        for (size_t i = 0; i < pl->n_patches; i++)
            ctl_chan_plan_drop(pl, pl->patches[i].pod);
        ch->phase = CHAN_DONE;
        return CTL_CHAN_CONTINUE;
    }
    if (pl->n_patches == 0) {
        ch->phase = CHAN_CM;
        return ctl_chan_step(r, now_ms);
    }
    ch->calls = calloc(pl->n_patches, sizeof(*ch->calls));
    if (ch->calls == NULL) {
        snprintf(r->reason, sizeof(r->reason), "channel ports: out of memory");
        ctl_reconcile_finish(r, EBB_RECONCILE_FAILED, now_ms);
        return CTL_CHAN_FINISHED;
    }
    struct ebb_kube_resource pres = EBB_KUBE_PODS;
    for (size_t i = 0; i < pl->n_patches; i++) {
        const struct ctl_chan_patch *pt = &pl->patches[i];
        char body[512];
        int n = snprintf(
            body, sizeof(body),
            "{\"metadata\":{\"resourceVersion\":\"%s\",\"annotations\":{\"%s\":\"%d-%d\"}}}",
            pt->resource_version, EBB_PORTS_ANNOTATION, pt->first, pt->last);
        ch->calls[i].ch = ch;
        ch->calls[i].idx = i;
        rc = n > 0 && (size_t)n < sizeof(body)
                 ? ebb_kube_patch_async(&ch->calls[i].call, c->client, &pres, r->ns, pt->pod, NULL,
                                        EBB_KUBE_PATCH_MERGE, body, (size_t)n, NULL, on_chan_pod,
                                        &ch->calls[i])
                 : EBB_ERR_LIMIT;
        if (rc != EBB_OK) {
            ctl_chan_plan_drop(pl, pt->pod);
            ch->retry = true;
            continue;
        }
        ch->pending++;
        r->requests++;
        c->st.requests++;
        c->st.writes++;
        ctl_log(c, EBB_CTL_LOG_DEBUG, r->key, "channel ports: pod %s gets %d-%d", pt->pod,
                pt->first, pt->last);
    }
    if (ch->pending == 0) {
        ch->phase = CHAN_CM;
        return ctl_chan_step(r, now_ms);
    }
    return CTL_CHAN_WRITING;
}

/* status.channelPorts, Ready=False PortRangeConflict, and the facts. */
enum ebb_rc ctl_chan_status(struct ctl_reconcile *r, const struct ebb_condition *old_ready)
{
    struct ctl_chan_run *ch = r->chan;
    struct ebb_policy_status *st = &r->pol.status;
    if (ch == NULL)
        return EBB_OK;
    const struct ctl_chan_plan *pl = &ch->plan;
    if (ch->retry)
        ctl_enqueue(r->c, r->key); /* after this one: a write failed */
    if (ctl_chan_differs(st->channel_ports, st->n_channel_ports, pl->held, pl->n_held)) {
        struct ebb_port_assignment *a =
            ebb_arena_calloc(&r->pol.arena, pl->n_held ? pl->n_held : 1, sizeof(*a));
        if (a == NULL)
            return EBB_ERR_NOMEM;
        for (size_t i = 0; i < pl->n_held; i++) {
            a[i] = pl->held[i];
            if ((a[i].pod = ebb_arena_strdup(&r->pol.arena, pl->held[i].pod)) == NULL)
                return EBB_ERR_NOMEM;
        }
        st->channel_ports = a;
        st->n_channel_ports = pl->n_held;
    }
    if (pl->state == EBB_PORTS_POLICY_CONFLICT || pl->state == EBB_PORTS_POLICY_INVALID) {
        const char *reason =
            pl->state == EBB_PORTS_POLICY_CONFLICT ? "PortRangeConflict" : "InvalidChannelPorts";
        ctl_reconcile_fact(r, reason, "%s", pl->message);
        enum ebb_rc rc = ebb_status_set_condition(&r->pol, EBB_COND_READY, EBB_COND_FALSE, reason,
                                                  pl->message, r->decided_ms);
        if (rc != EBB_OK)
            return rc;
        /* The decision rewrote Ready to True first: the time of the last
         * real flip is the one stored before it. */
        struct ebb_condition *ready =
            (struct ebb_condition *)ebb_status_condition(st, EBB_COND_READY);
        if (ready != NULL && old_ready != NULL && old_ready->status == EBB_COND_FALSE)
            ready->last_transition_ms = old_ready->last_transition_ms;
    }
    const struct ebb_condition *lim = ebb_status_condition(st, "ScalingLimited");
    if (lim != NULL && lim->status == EBB_COND_TRUE && lim->reason &&
        strcmp(lim->reason, "PortPoolExhausted") == 0)
        ctl_reconcile_fact(r, "PortPoolExhausted", "%s: scale-up stops at %d replica(s)%s%s",
                           lim->message ? lim->message : "the channel port pool is full",
                           pl->capacity, pl->message[0] ? "; " : "", pl->message);
    return EBB_OK;
}
