/*
 * kubesim: WATCH as the 1.26 watch cache serves it (fixtures 60-67).
 *
 * Each watch is a watcher on its bucket; a committed change is offered
 * to that bucket's watchers only. Filtering follows the cacher's
 * convertToWatchEvent: the object before and after the change are both
 * matched, so one that starts matching is ADDED and one that stops is
 * DELETED (its previous state, stamped with the change's version).
 *
 * Sinks may fail (or the client may leave, ks_store_watch_closed) while
 * the store is calling them: a watcher is then only marked dead, and
 * the dead are swept once no sink call is under way.
 */
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ks_watcher {
    struct ks_bucket *b;
    struct ks_sink sink;
    ks_rtype view; /* a copy: the registry may replace the type meanwhile */
    char *ns;      /* NULL: every namespace */
    ks_selector *labels, *fields;
    uint64_t rv; /* events at or below it are not sent */
    bool bookmarks;
    bool dead;
    double deadline; /* 0: none */
    double next_bm;  /* 0: none */
};

/* ------------------------------------------------------------------ */
/* Watchers                                                            */

static void watcher_free(struct ks_watcher *w)
{
    ks_selector_free(w->labels);
    ks_selector_free(w->fields);
    free(w->ns);
    free(w);
}

static void mark_dead(ks_store *st, struct ks_watcher *w)
{
    if (w->dead)
        return;
    w->dead = true;
    st->n_watchers--;
    st->need_sweep = true;
}

static void sweep(ks_store *st)
{
    if (st->dispatching || !st->need_sweep)
        return;
    for (size_t i = 0; i < st->nb; i++) {
        struct ks_bucket *b = st->buckets[i];
        size_t k = 0;
        for (size_t j = 0; j < b->nw; j++) {
            if (b->w[j]->dead)
                watcher_free(b->w[j]);
            else
                b->w[k++] = b->w[j];
        }
        b->nw = k;
    }
    st->need_sweep = false;
}

void ks_st_free_watchers(ks_store *st)
{
    for (size_t i = 0; i < st->nb; i++) {
        struct ks_bucket *b = st->buckets[i];
        for (size_t j = 0; j < b->nw; j++)
            watcher_free(b->w[j]);
        b->nw = 0;
    }
    st->n_watchers = 0;
}

/* Sends one chunk; a failed send kills the watcher (no end call). */
static bool wsend(ks_store *st, struct ks_watcher *w, const struct ebb_strbuf *chunk)
{
    if (w->dead)
        return false;
    if (ebb_strbuf_rc(chunk) || w->sink.send(w->sink.ud, chunk->buf, chunk->len) < 0) {
        mark_dead(st, w);
        return false;
    }
    return true;
}

static void wend(ks_store *st, struct ks_watcher *w)
{
    if (w->dead)
        return;
    mark_dead(st, w);
    if (w->sink.end)
        w->sink.end(w->sink.ud);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

static bool send_obj(ks_store *st, struct ks_watcher *w, const char *type, const struct ks_snap *s)
{
    struct ebb_strbuf c = EBB_STRBUF_INIT;
    bool ok;

    ebb_strbuf_addf(&c, "{\"type\":\"%s\",\"object\":", type);
    ok = ks_st_render(&w->view, s, false, &c);
    ebb_strbuf_adds(&c, "}\n");
    ok = ok ? wsend(st, w, &c) : (mark_dead(st, w), false);
    ebb_strbuf_release(&c);
    return ok;
}

static bool wmatch(const struct ks_watcher *w, const struct ks_snap *s)
{
    return ks_st_matches(&w->view, s, w->ns, w->labels, w->fields);
}

/* One history entry for one watcher, with selector transitions. */
static void send_change(ks_store *st, struct ks_watcher *w, const struct ks_hist_ev *ev)
{
    bool cur = ev->type != KS_EV_DELETED && wmatch(w, ev->cur);
    bool old = ev->prev && wmatch(w, ev->prev);

    if (cur && !old) {
        send_obj(st, w, "ADDED", ev->cur);
    } else if (cur) {
        send_obj(st, w, "MODIFIED", ev->cur);
    } else if (old && ev->type == KS_EV_DELETED) {
        send_obj(st, w, "DELETED", ev->cur);
    } else if (old) {
        /* stopped matching: the previous state at this change's version */
        cJSON *t = cJSON_ParseWithLength(ev->prev->obj.json, ev->prev->obj.json_len);
        char *j = NULL;
        if (t && !ks_st_set_meta_rv(t, ev->rv, w->view.origin == KS_RT_CUSTOM))
            j = cJSON_PrintUnformatted(t);
        cJSON_Delete(t);
        if (!j) {
            mark_dead(st, w);
        } else {
            struct ks_snap tmp = *ev->prev;
            tmp.obj.json = j;
            tmp.obj.json_len = strlen(j);
            tmp.obj.rv = ev->rv;
            send_obj(st, w, "DELETED", &tmp);
            free(j);
        }
    }
    if (w->rv < ev->rv)
        w->rv = ev->rv;
}

void ks_st_dispatch(ks_store *st, const struct ks_hist_ev *ev)
{
    struct ks_bucket *b = ev->b;

    st->dispatching++;
    for (size_t i = 0; i < b->nw; i++) {
        struct ks_watcher *w = b->w[i];
        if (!w->dead && ev->rv > w->rv)
            send_change(st, w, ev);
    }
    st->dispatching--;
    sweep(st);
}

/* The Status of an ERROR event, then the end. */
static void send_error(const struct ks_sink *sink, int code, const char *reason, const char *msg)
{
    struct ebb_strbuf c = EBB_STRBUF_INIT;
    cJSON *m = cJSON_CreateString(msg);
    char *jm = m ? cJSON_PrintUnformatted(m) : NULL;

    cJSON_Delete(m);
    ebb_strbuf_addf(&c,
                    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                    "\"metadata\":{},\"status\":\"Failure\",\"message\":%s,\"reason\":\"%s\","
                    "\"code\":%d}}\n",
                    jm ? jm : "\"\"", reason, code);
    free(jm);
    if (!ebb_strbuf_rc(&c) && sink->send(sink->ud, c.buf, c.len) >= 0 && sink->end)
        sink->end(sink->ud);
    else if (ebb_strbuf_rc(&c) && sink->end)
        sink->end(sink->ud);
    ebb_strbuf_release(&c);
}

/* ------------------------------------------------------------------ */
/* Bookmarks                                                           */

/* What the 1.26 server sends: an empty object of the kind, typed kinds
 * with their zero-valued fields (fixture 62 for Deployments). */
static const struct {
    const char *group, *kind, *rest;
} bookmark_shapes[] = {
    {"apps", "Deployment",
     ",\"spec\":{\"replicas\":0,\"selector\":null,\"template\":{\"metadata\":{"
     "\"creationTimestamp\":null},\"spec\":{\"containers\":null}},\"strategy\":{}},"
     "\"status\":{}"},
    {"", "Pod", ",\"spec\":{\"containers\":null},\"status\":{}"},
};

/* A BOOKMARK at rv; initial_end marks the end of the initial events of a
 * watch-list stream (sendInitialEvents=true), as the annotation
 * k8s.io/initial-events-end: "true" does on the real server. */
static bool send_bookmark_ex(ks_store *st, struct ks_watcher *w, uint64_t rv, bool initial_end)
{
    struct ebb_strbuf c = EBB_STRBUF_INIT;
    char av[192];
    const char *rest = "";
    const char *ann =
        initial_end ? ",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}" : "";
    bool ok;

    ks_st_api_version(&w->view, av, sizeof(av));
    if (w->view.origin == KS_RT_CUSTOM) {
        ebb_strbuf_addf(&c,
                        "{\"type\":\"BOOKMARK\",\"object\":{\"apiVersion\":\"%s\",\"kind\":\"%s\","
                        "\"metadata\":{\"resourceVersion\":\"%llu\"%s}}}\n",
                        av, w->view.kind, (unsigned long long)rv, ann);
    } else {
        for (size_t i = 0; i < sizeof(bookmark_shapes) / sizeof(bookmark_shapes[0]); i++)
            if (strcmp(bookmark_shapes[i].group, w->view.group) == 0 &&
                strcmp(bookmark_shapes[i].kind, w->view.kind) == 0)
                rest = bookmark_shapes[i].rest;
        ebb_strbuf_addf(&c,
                        "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":\"%s\","
                        "\"metadata\":{\"resourceVersion\":\"%llu\",\"creationTimestamp\":null%s}"
                        "%s}}\n",
                        w->view.kind, av, (unsigned long long)rv, ann, rest);
    }
    ok = wsend(st, w, &c);
    ebb_strbuf_release(&c);
    return ok;
}

static bool send_bookmark(ks_store *st, struct ks_watcher *w, uint64_t rv)
{
    return send_bookmark_ex(st, w, rv, false);
}

/* The earlier of now + bookmark_every and 2 s before the deadline; 0
 * when that is already past (the cacher's nextBookmarkTime). */
static double next_bookmark(const ks_store *st, const struct ks_watcher *w, double now)
{
    double t = now + st->o.bookmark_every;

    if (!w->bookmarks)
        return 0;
    if (w->deadline > 0 && w->deadline - 2 < t)
        t = w->deadline - 2;
    return t > now ? t : 0;
}

/* ------------------------------------------------------------------ */
/* WATCH                                                               */

static int stream_send(void *ud, const char *d, size_t n)
{
    return ks_stream_send(ud, d, n);
}

static void stream_end(void *ud)
{
    ks_stream_end(ud);
}

int ks_store_watch(ks_store *st, const struct ks_watch_req *q, ks_stream *stream, double now)
{
    struct ks_sink sink = {stream_send, stream_end, stream};
    return ks_store_watch_sink(st, q, &sink, now);
}

static bool parse_rv(const char *s, uint64_t *out)
{
    char *end;

    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno)
        return false;
    *out = v;
    return true;
}

static int add_watcher(struct ks_bucket *b, struct ks_watcher *w)
{
    if (b->nw == b->capw) {
        size_t cap = b->capw ? b->capw * 2 : 8;
        struct ks_watcher **v = realloc(b->w, cap * sizeof(*v));
        if (!v)
            return KS_ENOMEM;
        b->w = v;
        b->capw = cap;
    }
    b->w[b->nw++] = w;
    return KS_OK;
}

int ks_store_watch_sink(ks_store *st, const struct ks_watch_req *q, const struct ks_sink *sink,
                        double now)
{
    struct ks_watcher *w = NULL;
    struct ks_bucket *b;
    const char *rvs = q && q->rv ? q->rv : "";
    uint64_t rv = 0;
    char msg[256];

    if (!q || !q->view || !sink || !sink->send) {
        if (q) {
            ks_selector_free(q->labels);
            ks_selector_free(q->fields);
        }
        if (sink && sink->end)
            sink->end(sink->ud);
        return KS_EINVALID;
    }
    if (*rvs && !parse_rv(rvs, &rv)) {
        snprintf(msg, sizeof(msg),
                 "resourceVersion: Invalid value: \"%.60s\": strconv.ParseUint: parsing "
                 "\"%.60s\": invalid syntax",
                 rvs, rvs);
        send_error(sink, 400, "BadRequest", msg);
        goto fail_quiet;
    }
    if (*rvs && rv != 0 && rv < st->oldest_rv) {
        const ks_rtype *srt = q->view->storage ? q->view->storage : q->view;
        if (strcmp(srt->group, "") == 0 && strcmp(srt->kind, "Event") == 0)
            /* Events have no watch cache: etcd answers (fixture 65). */
            snprintf(msg, sizeof(msg), "The resourceVersion for the provided watch is too old.");
        else
            snprintf(msg, sizeof(msg), "too old resource version: %llu (%llu)",
                     (unsigned long long)rv, (unsigned long long)st->oldest_rv);
        send_error(sink, 410, "Expired", msg);
        goto fail_quiet;
    }
    b = ks_st_bucket(st, q->view, true);
    w = calloc(1, sizeof(*w));
    if (!b || !w || (q->ns && *q->ns && !(w->ns = strdup(q->ns))))
        goto fail;
    w->b = b;
    w->sink = *sink;
    w->view = *q->view;
    w->labels = q->labels;
    w->fields = q->fields;
    w->bookmarks = q->bookmarks;
    w->deadline = q->timeout_s > 0 ? now + q->timeout_s : 0;
    w->next_bm = next_bookmark(st, w, now);
    w->rv = *rvs && rv ? rv : st->rv;
    if (add_watcher(b, w)) {
        w->labels = w->fields = NULL;
        goto fail;
    }
    st->n_watchers++;

    st->dispatching++;
    if (q->initial_events) {
        /* watch-list: the current state, then a bookmark that says so */
        for (size_t i = 0; i < b->n && !w->dead; i++)
            if (wmatch(w, b->objs[i]))
                send_obj(st, w, "ADDED", b->objs[i]);
        if (!w->dead)
            send_bookmark_ex(st, w, st->rv, true);
    } else if (*rvs && rv == 0) {
        /* "0": the current state as synthetic ADDED events (fixture 63) */
        for (size_t i = 0; i < b->n && !w->dead; i++)
            if (wmatch(w, b->objs[i]))
                send_obj(st, w, "ADDED", b->objs[i]);
    } else if (*rvs) {
        /* replay what changed after rv (fixture 64) */
        for (size_t i = 0; i < st->hn && !w->dead; i++) {
            const struct ks_hist_ev *e = ks_st_hist_at(st, i);
            if (e->b == b && e->rv > w->rv)
                send_change(st, w, e);
        }
    }
    if (w->rv < st->rv)
        w->rv = st->rv;
    st->dispatching--;
    sweep(st);
    return KS_OK;

fail:
    if (w) {
        free(w->ns);
        free(w);
    }
    if (sink->end)
        sink->end(sink->ud);
    ks_selector_free(q->labels);
    ks_selector_free(q->fields);
    return KS_ENOMEM;
fail_quiet:
    ks_selector_free(q->labels);
    ks_selector_free(q->fields);
    return KS_OK;
}

void ks_store_watch_closed(ks_store *st, ks_stream *stream)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nb; i++) {
        struct ks_bucket *b = st->buckets[i];
        for (size_t j = 0; j < b->nw; j++)
            if (!b->w[j]->dead && b->w[j]->sink.ud == (void *)stream)
                mark_dead(st, b->w[j]);
    }
    sweep(st);
}

/* ------------------------------------------------------------------ */
/* Timers and faults                                                   */

void ks_store_tick(ks_store *st, double now)
{
    st->dispatching++;
    for (size_t i = 0; i < st->nb; i++) {
        struct ks_bucket *b = st->buckets[i];
        for (size_t j = 0; j < b->nw; j++) {
            struct ks_watcher *w = b->w[j];
            if (w->dead)
                continue;
            if (w->deadline > 0 && now >= w->deadline) {
                wend(st, w);
                continue;
            }
            if (w->next_bm > 0 && now >= w->next_bm) {
                /* like the cacher: nothing before the first change seen */
                if (b->last_rv)
                    send_bookmark(st, w, b->last_rv > w->rv ? b->last_rv : w->rv);
                w->next_bm = next_bookmark(st, w, now);
            }
        }
    }
    st->dispatching--;
    sweep(st);
}

double ks_store_next_deadline(const ks_store *st)
{
    double next = 0;

    for (size_t i = 0; i < st->nb; i++) {
        const struct ks_bucket *b = st->buckets[i];
        for (size_t j = 0; j < b->nw; j++) {
            const struct ks_watcher *w = b->w[j];
            if (w->dead)
                continue;
            if (w->deadline > 0 && (next == 0 || w->deadline < next))
                next = w->deadline;
            if (w->next_bm > 0 && (next == 0 || w->next_bm < next))
                next = w->next_bm;
        }
    }
    return next;
}

void ks_store_drop_watches(ks_store *st)
{
    st->dispatching++;
    for (size_t i = 0; i < st->nb; i++) {
        struct ks_bucket *b = st->buckets[i];
        for (size_t j = 0; j < b->nw; j++)
            wend(st, b->w[j]);
    }
    st->dispatching--;
    sweep(st);
}

size_t ks_store_watch_count(const ks_store *st)
{
    return st->n_watchers;
}
