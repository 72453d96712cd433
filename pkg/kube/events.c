/* events.c -- writing Events through the client (see events.h). EDGE. */
#include "events.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/msg.h"
#include "../base/rfc3339.h"
#include "../base/strbuf.h"
#include "leader.h"
#include "path.h"

#define NOTE_MAX 1024 /* events.k8s.io/v1 refuses a longer note */
#define QUEUE_MAX_DEFAULT 256

/* One write waiting or in flight: what the Event says, and the plan. */
struct queued {
    struct queued *next;
    char *strs; /* the strings below, one allocation */
    struct ebb_event_ref ref;
    const char *ns; /* of the Event: the object's, or "default" */
    const char *type, *reason, *action, *note;
    struct ebb_event_plan plan;
    bool probing; /* the create got 404: the discovery GET is in flight */
};

struct ebb_events {
    struct ebb_kube_client *c;
    char *controller;
    char *instance;
    struct ebb_event_agg agg;
    bool core; /* the server has no events.k8s.io: write core/v1 */
    size_t queue_max;
    ebb_events_error_fn *on_error;
    void *ctx;
    struct queued *head, *tail; /* head is the one in flight */
    size_t n;
    bool in_flight;
    uint64_t req_id;
    uint64_t overflowed;
    uint64_t failed;
    struct ebb_kube_error probe_err; /* the create's 404, while probing */
    struct ebb_kube_error last_err;
    bool has_err;
};

void ebb_events_opts_default(struct ebb_events_opts *o /* OUT */)
{
    o->reporting_controller = "ebb";
    o->reporting_instance = NULL;
    ebb_event_agg_opts_default(&o->agg);
    o->queue_max = QUEUE_MAX_DEFAULT;
    o->on_error = NULL;
    o->ctx = NULL;
}

enum ebb_rc ebb_events_new(struct ebb_kube_client *c, const struct ebb_events_opts *o,
                           struct ebb_events **out /* OUT */, char *err, size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_INVALID;
    struct ebb_events *ev = NULL;
    *out = NULL;
    if (c == NULL || o->reporting_instance == NULL || o->reporting_instance[0] == '\0') {
        ebb_msgf(err, errsz, "events: reportingInstance is empty: give the pod name");
        goto out;
    }
    rc = EBB_ERR_NOMEM;
    ev = calloc(1, sizeof(*ev));
    if (ev == NULL)
        goto out;
    ev->c = c;
    ev->queue_max = o->queue_max > 0 ? o->queue_max : QUEUE_MAX_DEFAULT;
    ev->on_error = o->on_error;
    ev->ctx = o->ctx;
    ev->controller = strdup(o->reporting_controller ? o->reporting_controller : "ebb");
    ev->instance = strdup(o->reporting_instance);
    if (ev->controller == NULL || ev->instance == NULL)
        goto out;
    rc = ebb_event_agg_init(&ev->agg, &o->agg);
    if (rc)
        goto out;
    *out = ev;
    ev = NULL;
out:
    if (ev != NULL) {
        free(ev->controller);
        free(ev->instance);
        free(ev);
    }
    return rc;
}

static void queued_free(struct queued *q)
{
    if (q == NULL)
        return;
    free(q->strs);
    free(q);
}

void ebb_events_free(struct ebb_events *ev)
{
    if (ev == NULL)
        return;
    if (ev->in_flight)
        ebb_kube_cancel(ev->c, ev->req_id);
    while (ev->head != NULL) {
        struct queued *q = ev->head;
        ev->head = q->next;
        queued_free(q);
    }
    ebb_event_agg_release(&ev->agg);
    free(ev->controller);
    free(ev->instance);
    free(ev);
}

uint64_t ebb_events_dropped(const struct ebb_events *ev)
{
    return ev->agg.dropped + ev->overflowed;
}

uint64_t ebb_events_overflowed(const struct ebb_events *ev)
{
    return ev->overflowed;
}

uint64_t ebb_events_failed(const struct ebb_events *ev)
{
    return ev->failed;
}

const struct ebb_kube_error *ebb_events_last_error(const struct ebb_events *ev)
{
    return ev->has_err ? &ev->last_err : NULL;
}

size_t ebb_events_pending(const struct ebb_events *ev)
{
    return ev->n;
}

bool ebb_events_core(const struct ebb_events *ev)
{
    return ev->core;
}

static bool add_str(cJSON *o, const char *key, const char *v)
{
    if (v == NULL || v[0] == '\0')
        return true;
    return cJSON_AddStringToObject(o, key, v) != NULL;
}

static bool add_ref(cJSON *o, const char *key, const struct ebb_event_ref *r)
{
    cJSON *ref = cJSON_AddObjectToObject(o, key);
    return ref != NULL && add_str(ref, "apiVersion", r->api_version) &&
           add_str(ref, "kind", r->kind) && add_str(ref, "name", r->name) &&
           add_str(ref, "namespace", r->ns) && add_str(ref, "uid", r->uid);
}

static bool add_microtime(cJSON *o, const char *key, int64_t ms)
{
    char buf[48];
    ebb_microtime_format(ms, buf, sizeof(buf));
    return cJSON_AddStringToObject(o, key, buf) != NULL;
}

/* metav1.Time: whole seconds. */
static bool add_time(cJSON *o, const char *key, int64_t ms)
{
    char buf[48];
    ebb_rfc3339_format(ms - (((ms % 1000) + 1000) % 1000), buf, sizeof(buf));
    return cJSON_AddStringToObject(o, key, buf) != NULL;
}

/* The body of a create or of a series update, for the API in use. */
static cJSON *build_body(const struct ebb_events *ev, const struct queued *e)
{
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    const struct ebb_event_plan *p = &e->plan;
    if (ok && p->verb == EBB_EVENT_SERIES) {
        if (ev->core) {
            ok = cJSON_AddNumberToObject(root, "count", p->count) != NULL &&
                 add_time(root, "lastTimestamp", p->last_wall_ms);
        } else {
            cJSON *series = cJSON_AddObjectToObject(root, "series");
            ok = series != NULL && cJSON_AddNumberToObject(series, "count", p->count) != NULL &&
                 add_microtime(series, "lastObservedTime", p->last_wall_ms);
        }
        goto out;
    }
    cJSON *meta = ok ? cJSON_AddObjectToObject(root, "metadata") : NULL;
    ok = meta != NULL && add_str(meta, "name", p->name) && add_str(meta, "namespace", e->ns) &&
         add_str(root, "type", e->type) && add_str(root, "reason", e->reason);
    if (ok && ev->core) {
        cJSON *source = NULL;
        ok = add_str(root, "apiVersion", "v1") && add_str(root, "kind", "Event") &&
             add_ref(root, "involvedObject", &e->ref) && add_str(root, "message", e->note) &&
             (source = cJSON_AddObjectToObject(root, "source")) != NULL &&
             add_str(source, "component", ev->controller) &&
             add_time(root, "firstTimestamp", p->first_wall_ms) &&
             add_time(root, "lastTimestamp", p->last_wall_ms) &&
             cJSON_AddNumberToObject(root, "count", p->count) != NULL;
    } else if (ok) {
        ok = add_str(root, "apiVersion", "events.k8s.io/v1") && add_str(root, "kind", "Event") &&
             add_microtime(root, "eventTime", p->first_wall_ms) &&
             add_str(root, "reportingController", ev->controller) &&
             add_str(root, "reportingInstance", ev->instance) &&
             add_str(root, "action", e->action) && add_str(root, "note", e->note) &&
             add_ref(root, "regarding", &e->ref);
    }
out:
    if (!ok) {
        cJSON_Delete(root);
        root = NULL;
    }
    return root;
}

static void on_answer(void *ctx, const struct ebb_kube_response *resp);

/* POSTs or PATCHes the plan's Event, or asks whether events.k8s.io exists. */
static enum ebb_rc submit(struct ebb_events *ev, struct queued *q)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    struct ebb_strbuf path = EBB_STRBUF_INIT;
    char *text = NULL;
    cJSON *body = NULL;
    bool series = q->plan.verb == EBB_EVENT_SERIES;
    struct ebb_kube_request req = {EBB_KUBE_GET, "/apis/events.k8s.io/v1", NULL, 0, NULL, false};
    if (!q->probing) {
        body = build_body(ev, q);
        if (body == NULL || (text = cJSON_PrintUnformatted(body)) == NULL)
            goto out;
        const struct ebb_kube_resource res = ev->core ? EBB_KUBE_CORE_EVENTS : EBB_KUBE_EVENTS;
        rc = ebb_kube_path(&res, q->ns, series ? q->plan.name : NULL, NULL, NULL, &path);
        if (rc == EBB_OK)
            rc = ebb_strbuf_rc(&path);
        if (rc)
            goto out;
        req.method = series ? EBB_KUBE_PATCH : EBB_KUBE_POST;
        req.path = path.buf;
        req.body = text;
        req.body_len = strlen(text);
        req.content_type =
            series ? (ev->core ? EBB_KUBE_STRATEGIC_PATCH : EBB_KUBE_MERGE_PATCH) : NULL;
    }
    rc = ebb_kube_submit(ev->c, &req, NULL, on_answer, ev, &ev->req_id);
    if (rc == EBB_OK)
        ev->in_flight = true;
out:
    free(text);
    cJSON_Delete(body);
    ebb_strbuf_release(&path);
    return rc;
}

static void key_of(const struct queued *q, struct ebb_event_key *k)
{
    struct ebb_event_key key = {q->ref.api_version, q->ref.kind, q->ref.ns,
                                q->ref.name,        q->ref.uid,  q->type,
                                q->reason,          q->action,   q->note};
    *k = key;
}

/* Takes the head off the queue; with err, it failed for good: the series is
 * forgotten (the next occurrence creates a new Event) and err reported. */
static void pop(struct ebb_events *ev, const struct ebb_kube_error *err)
{
    struct queued *q = ev->head;
    ev->head = q->next;
    if (ev->head == NULL)
        ev->tail = NULL;
    ev->n--;
    if (err != NULL) {
        struct ebb_event_key k;
        key_of(q, &k);
        ebb_event_agg_forget(&ev->agg, &k);
        ev->failed++;
        ev->last_err = *err;
        ev->has_err = true;
        if (ev->on_error != NULL)
            ev->on_error(ev->ctx, &k, err);
    }
    queued_free(q);
}

/* Sends the head of the queue unless a write is in flight. */
static void pump(struct ebb_events *ev)
{
    while (ev->head != NULL && !ev->in_flight) {
        enum ebb_rc rc = submit(ev, ev->head);
        if (rc == EBB_OK)
            break;
        struct ebb_kube_error e;
        ebb_kube_error_transport(rc == EBB_ERR_NOMEM ? "events: out of memory"
                                                     : "events: the client refused the request",
                                 &e);
        pop(ev, &e);
    }
}

/* The client's callback for the write (or probe) at the head. */
static void on_answer(void *ctx, const struct ebb_kube_response *resp)
{
    struct ebb_events *ev = ctx;
    struct queued *q = ev->head;
    const struct ebb_kube_error *err = resp->error;
    ev->in_flight = false;
    if (q->probing) {
        q->probing = false;
        if (err != NULL && err->http_status == 404)
            ev->core = true; /* no events.k8s.io: the same Event again, as core/v1 */
        else
            pop(ev, &ev->probe_err);
    } else if (err == NULL) {
        pop(ev, NULL);
    } else if (err->http_status == 404 && q->plan.verb == EBB_EVENT_CREATE && !ev->core) {
        ev->probe_err = *err; /* the group, or only the namespace, is missing? */
        q->probing = true;
    } else if (err->http_status == 404 && q->plan.verb == EBB_EVENT_SERIES) {
        q->plan.verb = EBB_EVENT_CREATE; /* the Event expired: a new one carrying the count */
    } else {
        pop(ev, err);
    }
    pump(ev);
}

enum ebb_rc ebb_events_flush(struct ebb_events *ev, int timeout_ms)
{
    enum ebb_rc rc = EBB_OK;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int64_t end = now + (timeout_ms > 0 ? timeout_ms : 0);
    while (ev->n > 0) {
        if (now >= end) {
            rc = EBB_ERR_IO;
            goto out;
        }
        int64_t wait = end - now < 100 ? end - now : 100;
        rc = ebb_kube_client_poll(ev->c, (int)wait);
        if (rc)
            goto out;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
out:
    return rc;
}

static void cut_note(char *dst, const char *note)
{
    size_t n = note != NULL ? strlen(note) : 0;
    if (n > NOTE_MAX) {
        n = NOTE_MAX;
        while (n > 0 && ((unsigned char)note[n] & 0xC0) == 0x80)
            n--; /* do not split a UTF-8 sequence */
    }
    if (n > 0)
        memcpy(dst, note, n);
    dst[n] = '\0';
}

/* A series update still waiting for name: it takes in the new count. */
static bool merge(struct ebb_events *ev, const struct ebb_event_plan *p)
{
    struct queued *q = ev->head;
    if (q != NULL && ev->in_flight)
        q = q->next;
    for (; q != NULL; q = q->next) {
        if (q->plan.verb == EBB_EVENT_SERIES && strcmp(q->plan.name, p->name) == 0) {
            q->plan.count = p->count;
            q->plan.last_wall_ms = p->last_wall_ms;
            return true;
        }
    }
    return false;
}

/* A queue entry holding copies of the Event's strings. */
static struct queued *queued_new(const struct ebb_event_ref *ref, const char *ns, const char *type,
                                 const char *reason, const char *action, const char *note,
                                 const struct ebb_event_plan *plan)
{
    const char *in[] = {ref->api_version, ref->kind, ref->ns, ref->name, ref->uid, ns, type,
                        reason,           action,    note};
    enum { N_STRS = sizeof(in) / sizeof(in[0]) };
    const char *outp[N_STRS];
    size_t total = 0, off = 0;
    for (size_t i = 0; i < N_STRS; i++)
        total += (in[i] != NULL ? strlen(in[i]) : 0) + 1;
    struct queued *q = calloc(1, sizeof(*q));
    if (q == NULL)
        goto out;
    q->strs = malloc(total);
    if (q->strs == NULL) {
        free(q);
        q = NULL;
        goto out;
    }
    for (size_t i = 0; i < N_STRS; i++) {
        size_t n = in[i] != NULL ? strlen(in[i]) : 0;
        if (n > 0)
            memcpy(q->strs + off, in[i], n);
        q->strs[off + n] = '\0';
        outp[i] = q->strs + off;
        off += n + 1;
    }
    struct ebb_event_ref r = {outp[0], outp[1], outp[2], outp[3], outp[4]};
    q->ref = r;
    q->ns = outp[5];
    q->type = outp[6];
    q->reason = outp[7];
    q->action = outp[8];
    q->note = outp[9];
    q->plan = *plan;
out:
    return q;
}

enum ebb_rc ebb_events_emit(struct ebb_events *ev, const struct ebb_event_ref *ref,
                            const char *type, const char *reason, const char *action,
                            const char *note, int64_t now_ms, int64_t wall_ms,
                            struct ebb_event_plan *plan /* OUT, may be NULL */)
{
    struct ebb_event_plan local_plan;
    char cut[NOTE_MAX + 1];
    if (plan == NULL)
        plan = &local_plan;
    cut_note(cut, note);
    const char *ns = ref->ns != NULL && ref->ns[0] != '\0' ? ref->ns : "default";
    type = type != NULL && type[0] != '\0' ? type : "Normal";
    action = action != NULL && action[0] != '\0' ? action : reason;
    struct ebb_event_key k = {ref->api_version, ref->kind, ref->ns, ref->name, ref->uid, type,
                              reason,           action,    cut};
    enum ebb_rc rc = ebb_event_agg_record(&ev->agg, &k, now_ms, wall_ms, plan);
    if (rc || plan->verb == EBB_EVENT_DROP)
        goto out;
    if (plan->verb == EBB_EVENT_SERIES && merge(ev, plan))
        goto out;
    if (ev->n >= ev->queue_max) {
        ev->overflowed++;
        if (plan->verb == EBB_EVENT_CREATE)
            ebb_event_agg_forget(&ev->agg, &k); /* never written: no series to update */
        plan->verb = EBB_EVENT_DROP;
        goto out;
    }
    struct queued *q = queued_new(ref, ns, type, reason, action, cut, plan);
    if (q == NULL) {
        ebb_event_agg_forget(&ev->agg, &k);
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    if (ev->tail != NULL)
        ev->tail->next = q;
    else
        ev->head = q;
    ev->tail = q;
    ev->n++;
    pump(ev);
out:
    return rc;
}
