/* leader.c -- leader election rounds against the API, driven by ticks (see leader.h). EDGE. */
#include "leader.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/msg.h"
#include "../base/rfc3339.h"
#include "path.h"

/* Where the round in progress is. */
enum round_stage {
    STAGE_IDLE = 0, /* no round running: the next starts at next_round_ms */
    STAGE_GET,      /* the GET of the Lease is in flight or answered */
    STAGE_WRITE,    /* the write of `decision` is in flight or answered */
};

struct ebb_leader {
    struct ebb_kube_client *c;
    char *ns;
    char *name;
    char *path;       /* the Lease */
    char *collection; /* where a create goes */
    struct ebb_leader_fsm fsm;
    ebb_leader_fn *on_started;
    ebb_leader_fn *on_stopped;
    void *ctx;

    enum round_stage stage;
    bool in_flight; /* a request is out: req_id */
    bool answered;  /* its answer is below, for the next tick */
    uint64_t req_id;
    int64_t sent_ms; /* the now_ms of the tick that sent it */
    struct ebb_leader_decision decision;
    int http_status;
    bool refused; /* the answer was not a 2xx */
    struct ebb_strbuf body;
    struct ebb_kube_error err;

    bool ticked; /* the first round starts at the first tick */
    int64_t next_round_ms;
    struct ebb_leader_round last;
    bool leading_told; /* what the callbacks said last */
    bool shutting_down;
    bool shutdown_decided; /* the round's decision was made shutting down */
    bool done;
    int64_t shutdown_by_ms;
};

void ebb_microtime_format(int64_t ms, char *buf, size_t bufsz)
{
    int64_t frac = ms % 1000;
    if (frac < 0)
        frac += 1000;
    char whole[40];
    ebb_rfc3339_format(ms - frac, whole, sizeof(whole));
    size_t n = strlen(whole);
    if (n > 0 && whole[n - 1] == 'Z')
        whole[n - 1] = '\0';
    snprintf(buf, bufsz, "%s.%03lld000Z", whole, (long long)frac);
}

static void get_time(const cJSON *spec, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
    *out = -1;
    if (cJSON_IsString(v) && ebb_rfc3339_parse(v->valuestring, out) != EBB_OK)
        *out = -1;
}

static int32_t get_int(const cJSON *spec, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 2147483647.0)
        return 0;
    return (int32_t)v->valuedouble;
}

enum ebb_rc ebb_lease_decode(const char *json, size_t len, struct ebb_lease *out /* OUT */)
{
    enum ebb_rc rc = EBB_ERR_PARSE;
    memset(out, 0, sizeof(*out));
    out->acquire_ms = out->renew_ms = -1;
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(root, "spec");
    if (!cJSON_IsObject(root) || !cJSON_IsString(kind) || strcmp(kind->valuestring, "Lease") != 0 ||
        !cJSON_IsObject(meta))
        goto out;
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
    if (cJSON_IsString(rv))
        snprintf(out->resource_version, sizeof(out->resource_version), "%s", rv->valuestring);
    out->exists = true;
    if (cJSON_IsObject(spec)) {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(spec, "holderIdentity");
        if (cJSON_IsString(h))
            snprintf(out->holder, sizeof(out->holder), "%s", h->valuestring);
        out->lease_duration_s = get_int(spec, "leaseDurationSeconds");
        out->transitions = get_int(spec, "leaseTransitions");
        get_time(spec, "acquireTime", &out->acquire_ms);
        get_time(spec, "renewTime", &out->renew_ms);
    }
    rc = EBB_OK;
out:
    cJSON_Delete(root);
    return rc;
}

static bool add_time(cJSON *o, const char *key, int64_t ms)
{
    char buf[48];
    if (ms < 0)
        return true;
    ebb_microtime_format(ms, buf, sizeof(buf));
    return cJSON_AddStringToObject(o, key, buf) != NULL;
}

enum ebb_rc ebb_lease_encode(const char *ns, const char *name, const struct ebb_lease *lease,
                             struct ebb_strbuf *out)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    char *text = NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "metadata");
    cJSON *spec = cJSON_AddObjectToObject(root, "spec");
    if (!cJSON_AddStringToObject(root, "apiVersion", "coordination.k8s.io/v1") ||
        !cJSON_AddStringToObject(root, "kind", "Lease") || meta == NULL || spec == NULL ||
        !cJSON_AddStringToObject(meta, "name", name) ||
        !cJSON_AddStringToObject(meta, "namespace", ns))
        goto out;
    if (lease->resource_version[0] != '\0' &&
        !cJSON_AddStringToObject(meta, "resourceVersion", lease->resource_version))
        goto out;
    if (!cJSON_AddStringToObject(spec, "holderIdentity", lease->holder) ||
        !cJSON_AddNumberToObject(spec, "leaseDurationSeconds", lease->lease_duration_s) ||
        !add_time(spec, "acquireTime", lease->acquire_ms) ||
        !add_time(spec, "renewTime", lease->renew_ms) ||
        !cJSON_AddNumberToObject(spec, "leaseTransitions", lease->transitions))
        goto out;
    text = cJSON_PrintUnformatted(root);
    if (text == NULL)
        goto out;
    ebb_strbuf_adds(out, text);
    rc = ebb_strbuf_rc(out);
out:
    free(text);
    cJSON_Delete(root);
    return rc;
}

enum ebb_rc ebb_leader_new(struct ebb_kube_client *c, const struct ebb_leader_config *cfg,
                           struct ebb_leader **out /* OUT */, char *err, size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_INVALID;
    struct ebb_leader *l = NULL;
    struct ebb_strbuf path = EBB_STRBUF_INIT, coll = EBB_STRBUF_INIT;
    *out = NULL;
    if (c == NULL || cfg->ns == NULL || cfg->name == NULL) {
        ebb_msgf(err, errsz, "leader election: the Lease needs a namespace and a name");
        goto out;
    }
    if (ebb_kube_path(&EBB_KUBE_LEASES, cfg->ns, cfg->name, NULL, NULL, &path) != EBB_OK ||
        ebb_kube_path(&EBB_KUBE_LEASES, cfg->ns, NULL, NULL, NULL, &coll) != EBB_OK) {
        ebb_msgf(err, errsz, "leader election: \"%s/%s\" is not a Lease namespace/name", cfg->ns,
                 cfg->name);
        goto out;
    }
    rc = EBB_ERR_NOMEM;
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        goto out;
    ebb_strbuf_init(&l->body);
    rc = ebb_leader_fsm_init(&l->fsm, &cfg->opts, cfg->identity, err, errsz);
    if (rc)
        goto out;
    rc = EBB_ERR_NOMEM;
    l->c = c;
    l->on_started = cfg->on_started_leading;
    l->on_stopped = cfg->on_stopped_leading;
    l->ctx = cfg->ctx;
    l->ns = strdup(cfg->ns);
    l->name = strdup(cfg->name);
    l->path = ebb_strbuf_detach(&path, NULL);
    l->collection = ebb_strbuf_detach(&coll, NULL);
    if (l->ns == NULL || l->name == NULL || l->path == NULL || l->collection == NULL)
        goto out;
    *out = l;
    l = NULL;
    rc = EBB_OK;
out:
    ebb_strbuf_release(&path);
    ebb_strbuf_release(&coll);
    ebb_leader_free(l);
    return rc;
}

void ebb_leader_free(struct ebb_leader *l)
{
    if (l == NULL)
        return;
    if (l->in_flight)
        ebb_kube_cancel(l->c, l->req_id);
    ebb_strbuf_release(&l->body);
    free(l->ns);
    free(l->name);
    free(l->path);
    free(l->collection);
    free(l);
}

/* The client's callback: keep the answer for the next tick. */
static void on_answer(void *ctx, const struct ebb_kube_response *resp)
{
    struct ebb_leader *l = ctx;
    l->in_flight = false;
    l->answered = true;
    l->http_status = resp->http_status;
    l->refused = resp->error != NULL;
    ebb_strbuf_reset(&l->body);
    if (resp->body != NULL)
        ebb_strbuf_add(&l->body, resp->body, resp->body_len);
    if (resp->error != NULL)
        l->err = *resp->error;
}

static void clear_error(struct ebb_kube_error *e)
{
    memset(e, 0, sizeof(*e));
    e->retry_after_s = -1;
}

static enum ebb_rc submit(struct ebb_leader *l, enum ebb_kube_method m, const char *path,
                          const struct ebb_strbuf *body, int64_t now_ms)
{
    struct ebb_kube_request req = {m,    path, body ? body->buf : NULL, body ? body->len : 0,
                                   NULL, false};
    enum ebb_rc rc = ebb_kube_submit(l->c, &req, NULL, on_answer, l, &l->req_id);
    if (rc == EBB_OK) {
        l->in_flight = true;
        l->answered = false;
        l->sent_ms = now_ms;
    }
    return rc;
}

/* Ends the round in progress with rc; the next starts at its decision's next_ms. */
static void end_round(struct ebb_leader *l, enum ebb_rc rc, const struct ebb_kube_error *err)
{
    l->stage = STAGE_IDLE;
    l->last.n++;
    l->last.rc = rc;
    l->last.decision = l->decision;
    if (err != NULL && rc != EBB_OK)
        l->last.err = *err;
    else
        clear_error(&l->last.err);
    l->next_round_ms = l->decision.next_ms;
    if (l->shutting_down && l->shutdown_decided)
        l->done = true; /* the release round is over, whatever came of it */
}

/* The round cannot go on (no current Lease to write from): only learn
 * whether the renew deadline passed. */
static void fail_round(struct ebb_leader *l, enum ebb_rc rc, const struct ebb_kube_error *err,
                       int64_t now_ms, int64_t wall_ms)
{
    ebb_leader_fsm_failed(&l->fsm, true, now_ms);
    l->shutdown_decided = l->shutting_down;
    ebb_leader_fsm_next(&l->fsm, now_ms, wall_ms, l->shutting_down, &l->decision);
    if (l->decision.action != EBB_LEADER_STOP)
        l->decision.action = EBB_LEADER_WAIT;
    end_round(l, rc, err);
}

static void start_round(struct ebb_leader *l, int64_t now_ms, int64_t wall_ms)
{
    memset(&l->decision, 0, sizeof(l->decision));
    l->shutdown_decided = false;
    l->decision.next_ms = now_ms + l->fsm.opts.retry_period_ms;
    l->stage = STAGE_GET;
    enum ebb_rc rc = submit(l, EBB_KUBE_GET, l->path, NULL, now_ms);
    if (rc) {
        struct ebb_kube_error e;
        ebb_kube_error_transport("leader election: cannot submit the GET of the Lease", &e);
        fail_round(l, rc, &e, now_ms, wall_ms);
    }
}

/* The GET came back: observe the Lease, decide, and send the write if any. */
static void got_lease(struct ebb_leader *l, int64_t now_ms, int64_t wall_ms)
{
    struct ebb_lease seen;
    enum ebb_rc rc = ebb_strbuf_rc(&l->body);
    if (rc == EBB_OK && !l->refused) {
        rc = ebb_lease_decode(l->body.buf, l->body.len, &seen);
    } else if (rc == EBB_OK && l->err.reason == EBB_KUBE_NOT_FOUND) {
        memset(&seen, 0, sizeof(seen));
        seen.acquire_ms = seen.renew_ms = -1;
    } else if (rc == EBB_OK) {
        rc = EBB_ERR_IO;
    }
    if (rc) {
        fail_round(l, rc, &l->err, now_ms, wall_ms);
        return;
    }
    ebb_leader_fsm_observe(&l->fsm, &seen, now_ms);
    l->shutdown_decided = l->shutting_down;
    ebb_leader_fsm_next(&l->fsm, now_ms, wall_ms, l->shutting_down, &l->decision);
    if (l->decision.action == EBB_LEADER_WAIT || l->decision.action == EBB_LEADER_STOP) {
        end_round(l, EBB_OK, NULL);
        return;
    }
    bool create = l->decision.action == EBB_LEADER_CREATE;
    struct ebb_strbuf body = EBB_STRBUF_INIT;
    rc = ebb_lease_encode(l->ns, l->name, &l->decision.lease, &body);
    if (rc == EBB_OK)
        rc = submit(l, create ? EBB_KUBE_POST : EBB_KUBE_PUT, create ? l->collection : l->path,
                    &body, now_ms);
    ebb_strbuf_release(&body);
    if (rc) {
        struct ebb_kube_error e;
        ebb_kube_error_transport("leader election: cannot submit the write of the Lease", &e);
        ebb_leader_fsm_failed(&l->fsm, false, now_ms);
        end_round(l, rc, &e);
        return;
    }
    l->stage = STAGE_WRITE;
}

/* The write came back. Success counts from when it was sent. */
static void got_write(struct ebb_leader *l)
{
    enum ebb_rc rc = ebb_strbuf_rc(&l->body);
    struct ebb_lease written;
    if (rc == EBB_OK && l->refused) {
        bool lost = l->err.reason == EBB_KUBE_CONFLICT || l->err.reason == EBB_KUBE_ALREADY_EXISTS;
        ebb_leader_fsm_failed(&l->fsm, lost, l->sent_ms);
        end_round(l, EBB_ERR_IO, &l->err);
        return;
    }
    if (rc == EBB_OK)
        rc = ebb_lease_decode(l->body.buf, l->body.len, &written);
    if (rc) {
        ebb_leader_fsm_failed(&l->fsm, true, l->sent_ms); /* the new resourceVersion is unknown */
        end_round(l, rc, NULL);
        return;
    }
    ebb_leader_fsm_written(&l->fsm, &written, l->sent_ms);
    end_round(l, EBB_OK, NULL);
}

/* A request unanswered for renewDeadline (or past the shutdown's end) is dropped. */
static void give_up(struct ebb_leader *l, int64_t now_ms, int64_t wall_ms)
{
    struct ebb_kube_error e;
    ebb_kube_cancel(l->c, l->req_id);
    l->in_flight = false;
    clear_error(&e);
    e.reason = EBB_KUBE_TRANSPORT;
    snprintf(e.message, sizeof(e.message), "leader election: %s %s: no answer in %lld ms",
             l->stage == STAGE_GET ? "GET" : "write of", l->path, (long long)(now_ms - l->sent_ms));
    if (l->stage == STAGE_WRITE) {
        /* It may have been written: read the Lease again before the next write. */
        ebb_leader_fsm_failed(&l->fsm, true, now_ms);
        end_round(l, EBB_ERR_IO, &e);
        l->next_round_ms = now_ms;
    } else {
        fail_round(l, EBB_ERR_IO, &e, now_ms, wall_ms);
        l->next_round_ms = now_ms;
    }
}

/* Runs the callbacks when is_leader flipped since they last ran. */
static void tell(struct ebb_leader *l, int64_t now_ms)
{
    bool now_leading = ebb_leader_is_leader(l, now_ms);
    if (now_leading == l->leading_told)
        return;
    l->leading_told = now_leading;
    ebb_leader_fn *fn = now_leading ? l->on_started : l->on_stopped;
    if (fn != NULL)
        fn(l->ctx, l, now_ms);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

int64_t ebb_leader_tick(struct ebb_leader *l, int64_t now_ms, int64_t wall_ms)
{
    int64_t wake = INT64_MAX;
    if (!l->ticked) {
        l->ticked = true;
        l->next_round_ms = now_ms;
    }
    if (l->answered) {
        l->answered = false;
        if (l->stage == STAGE_GET)
            got_lease(l, now_ms, wall_ms);
        else if (l->stage == STAGE_WRITE)
            got_write(l);
    }
    if (l->in_flight) {
        int64_t limit = l->sent_ms + l->fsm.opts.renew_deadline_ms;
        if (l->shutting_down)
            limit = min64(limit, l->shutdown_by_ms);
        if (now_ms >= limit)
            give_up(l, now_ms, wall_ms);
    }
    if (l->shutting_down && !l->done && !l->in_flight) {
        if (now_ms >= l->shutdown_by_ms || !l->fsm.leading)
            l->done = true; /* out of time, or nothing to release */
        else if (l->stage == STAGE_IDLE)
            start_round(l, now_ms, wall_ms);
    } else if (!l->shutting_down && !l->in_flight && l->stage == STAGE_IDLE &&
               now_ms >= l->next_round_ms) {
        start_round(l, now_ms, wall_ms);
    }
    tell(l, now_ms);
    if (l->done)
        goto out;
    if (l->in_flight) {
        wake = l->sent_ms + l->fsm.opts.renew_deadline_ms;
        if (l->shutting_down)
            wake = min64(wake, l->shutdown_by_ms);
    } else if (l->stage == STAGE_IDLE) {
        wake = l->shutting_down ? now_ms : l->next_round_ms;
    } else {
        wake = now_ms; /* a submit failed mid-round: act at once */
    }
    if (l->leading_told)
        wake = min64(wake, l->fsm.last_renew_ms + l->fsm.opts.renew_deadline_ms);
out:
    return wake;
}

void ebb_leader_shutdown(struct ebb_leader *l, int64_t now_ms, int64_t timeout_ms)
{
    if (l->shutting_down)
        return;
    l->shutting_down = true;
    l->shutdown_by_ms = now_ms + (timeout_ms > 0 ? timeout_ms : 0);
    tell(l, now_ms);
}

bool ebb_leader_done(const struct ebb_leader *l)
{
    return l->done;
}

bool ebb_leader_busy(const struct ebb_leader *l)
{
    return l->in_flight || l->answered;
}

const struct ebb_leader_round *ebb_leader_last_round(const struct ebb_leader *l)
{
    return l->last.n > 0 ? &l->last : NULL;
}

bool ebb_leader_is_leader(const struct ebb_leader *l, int64_t now_ms)
{
    return !l->shutting_down && ebb_leader_fsm_is_leader(&l->fsm, now_ms);
}

const struct ebb_leader_fsm *ebb_leader_state(const struct ebb_leader *l)
{
    return &l->fsm;
}
