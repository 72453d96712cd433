/* events.c -- writing Events through the client (see events.h). EDGE. */
#include "events.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/msg.h"
#include "../base/rfc3339.h"
#include "../base/strbuf.h"
#include "leader.h"
#include "path.h"

#define NOTE_MAX 1024 /* events.k8s.io/v1 refuses a longer note */

struct ebb_events {
    struct ebb_kube_client *c;
    char *controller;
    char *instance;
    struct ebb_event_agg agg;
    bool core; /* the server has no events.k8s.io: write core/v1 */
};

/* What one emit writes. */
struct emit {
    const struct ebb_event_ref *ref;
    const char *ns;
    const char *type, *reason, *action;
    char note[NOTE_MAX + 1];
    const struct ebb_event_plan *plan;
};

void ebb_events_opts_default(struct ebb_events_opts *o /* OUT */)
{
    o->reporting_controller = "ebb";
    o->reporting_instance = NULL;
    ebb_event_agg_opts_default(&o->agg);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
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
    ev->controller = dup_str(o->reporting_controller ? o->reporting_controller : "ebb");
    ev->instance = dup_str(o->reporting_instance);
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

void ebb_events_free(struct ebb_events *ev)
{
    if (ev == NULL)
        return;
    ebb_event_agg_release(&ev->agg);
    free(ev->controller);
    free(ev->instance);
    free(ev);
}

uint64_t ebb_events_dropped(const struct ebb_events *ev)
{
    return ev->agg.dropped;
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
static cJSON *build_body(const struct ebb_events *ev, const struct emit *e)
{
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    const struct ebb_event_plan *p = e->plan;
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
             add_ref(root, "involvedObject", e->ref) && add_str(root, "message", e->note) &&
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
             add_ref(root, "regarding", e->ref);
    }
out:
    if (!ok) {
        cJSON_Delete(root);
        root = NULL;
    }
    return root;
}

/* POSTs or PATCHes the plan's Event. */
static enum ebb_rc write_event(struct ebb_events *ev, const struct emit *e,
                               struct ebb_kube_error *err)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    struct ebb_strbuf path = EBB_STRBUF_INIT, resp = EBB_STRBUF_INIT;
    char *text = NULL;
    bool series = e->plan->verb == EBB_EVENT_SERIES;
    cJSON *body = build_body(ev, e);
    if (body == NULL || (text = cJSON_PrintUnformatted(body)) == NULL)
        goto out;
    const struct ebb_kube_resource res = ev->core ? EBB_KUBE_CORE_EVENTS : EBB_KUBE_EVENTS;
    rc = ebb_kube_path(&res, e->ns, series ? e->plan->name : NULL, NULL, NULL, &path);
    if (rc == EBB_OK)
        rc = ebb_strbuf_rc(&path);
    if (rc)
        goto out;
    struct ebb_kube_request req = {
        series ? EBB_KUBE_PATCH : EBB_KUBE_POST,
        path.buf,
        text,
        strlen(text),
        series ? (ev->core ? EBB_KUBE_STRATEGIC_PATCH : EBB_KUBE_MERGE_PATCH) : NULL,
        false};
    int status = 0;
    rc = ebb_kube_do(ev->c, &req, &resp, &status, err);
out:
    free(text);
    cJSON_Delete(body);
    ebb_strbuf_release(&path);
    ebb_strbuf_release(&resp);
    return rc;
}

/* After a create got 404: is it the events.k8s.io group that is missing? */
static bool group_absent(struct ebb_events *ev)
{
    struct ebb_strbuf resp = EBB_STRBUF_INIT;
    struct ebb_kube_error err;
    struct ebb_kube_request req = {EBB_KUBE_GET, "/apis/events.k8s.io/v1", NULL, 0, NULL, false};
    int status = 0;
    enum ebb_rc rc = ebb_kube_do(ev->c, &req, &resp, &status, &err);
    ebb_strbuf_release(&resp);
    return rc != EBB_OK && err.http_status == 404;
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

enum ebb_rc ebb_events_emit(struct ebb_events *ev, const struct ebb_event_ref *ref,
                            const char *type, const char *reason, const char *action,
                            const char *note, int64_t now_ms, int64_t wall_ms,
                            struct ebb_event_plan *plan /* OUT, may be NULL */,
                            struct ebb_kube_error *err /* OUT, may be NULL */)
{
    struct ebb_event_plan local_plan;
    struct ebb_kube_error local_err;
    struct emit e;
    if (plan == NULL)
        plan = &local_plan;
    if (err == NULL)
        err = &local_err;
    memset(err, 0, sizeof(*err));
    memset(&e, 0, sizeof(e));
    cut_note(e.note, note);
    e.ref = ref;
    e.ns = ref->ns != NULL && ref->ns[0] != '\0' ? ref->ns : "default";
    e.type = type != NULL && type[0] != '\0' ? type : "Normal";
    e.reason = reason;
    e.action = action != NULL && action[0] != '\0' ? action : reason;
    e.plan = plan;
    struct ebb_event_key k = {ref->api_version, ref->kind, ref->ns,  ref->name, ref->uid,
                              e.type,           reason,    e.action, e.note};
    enum ebb_rc rc = ebb_event_agg_record(&ev->agg, &k, now_ms, wall_ms, plan);
    if (rc || plan->verb == EBB_EVENT_DROP)
        goto out;
    rc = write_event(ev, &e, err);
    if (rc && err->http_status == 404 && plan->verb == EBB_EVENT_CREATE && !ev->core &&
        group_absent(ev)) {
        ev->core = true;
        memset(err, 0, sizeof(*err));
        rc = write_event(ev, &e, err);
    } else if (rc && err->http_status == 404 && plan->verb == EBB_EVENT_SERIES) {
        /* The Event expired on the server: start a new one carrying the count. */
        struct ebb_event_plan again = *plan;
        again.verb = EBB_EVENT_CREATE;
        e.plan = &again;
        memset(err, 0, sizeof(*err));
        rc = write_event(ev, &e, err);
    }
    if (rc)
        ebb_event_agg_forget(&ev->agg, &k);
out:
    return rc;
}
