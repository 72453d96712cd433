/* informer.c -- list+watch into a store of typed objects; see informer.h. EDGE.
 *
 * One request is in flight at a time: a LIST page or the WATCH. What comes
 * next is decided in that request's callbacks: the next page, the watch,
 * a resumed watch or a relist go out at once (callbacks may submit); after
 * a failure the informer waits (state WAITING) and ebb_informer_tick()
 * sends the request when the backoff is over. The delay counts from the
 * first tick after the failure: the informer never reads a clock.
 *
 * A watch that ends (200) with no events is judged by the next tick: if no
 * tick saw it running for SHORT_WATCH_MS it was a very short watch (an
 * overloaded or misbehaving server), an error resumed after a backoff, as
 * client-go's reflector does; else it is resumed at once. The first LIST
 * asks for resourceVersion=0 (served from the watch cache, which ignores
 * the limit: fixture 52); a relist after a 410 asks for "" (a consistent
 * read from etcd); any other relist for the last resourceVersion seen. A
 * 410 on a continue page falls back to one unpaged LIST, as client-go's
 * pager does.
 */
#include "informer.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "listdec.h"
#include "watch.h"

#define DEFAULT_PAGE_LIMIT 500
#define DEFAULT_BACKOFF_BASE_MS 800
#define DEFAULT_BACKOFF_CAP_MS 30000
#define MIN_WATCH_TIMEOUT_S 300 /* client-go: minWatchTimeout, times [1, 2) */
#define KEY_MAX 512
#define SHORT_WATCH_MS 1000 /* client-go: a watch under 1 s with no events is an error */

enum inf_state { INF_IDLE = 0, INF_LISTING, INF_WATCHING, INF_WAITING };
enum inf_action { ACT_LIST, ACT_WATCH };

struct ebb_informer {
    struct ebb_kube_client *c;
    struct ebb_informer_ops ops;
    struct ebb_informer_handlers h;
    char *ns, *label_selector, *field_selector; /* owned copies */
    struct ebb_cache store;
    struct ebb_cache building; /* the list being read */
    bool synced;
    char rv[128];
    char list_rv[128];      /* the resourceVersion the list's first page asks for */
    char page_rv[128];      /* the resourceVersion of the list being read */
    bool rv_unavailable;    /* a 410 was seen: the next list is a consistent read */
    bool unpaged;           /* a continue token expired: the next list has no limit */
    bool list_begun;        /* a list was started before (for stats.relists) */
    uint64_t list_seq;      /* the number of the newest list begun */
    uint64_t list_done_seq; /* the number of the newest list complete */
    bool relist_wanted;     /* ebb_informer_relist() during a list: list again after it */
    struct ebb_strbuf cont; /* continue token of the next page */
    enum inf_state state;
    enum inf_action next; /* INF_WAITING: what to send when due */
    int64_t wait_ms, due_ms;
    int failures; /* in a row */
    uint64_t req_id;
    bool in_flight;
    struct ebb_watch_decoder dec;
    bool dec_live;
    struct ebb_list_decoder ldec; /* the LIST page being read, item by item */
    bool ldec_live;
    bool watch_gone;       /* an ERROR 410 event was read */
    bool watch_error;      /* another ERROR event: resume the watch */
    bool store_error;      /* an event could not be stored: relist */
    bool check_short;      /* a watch ended with no events: the next tick judges it */
    int64_t watch_seen_ms; /* the first tick that saw the watch running, or -1 */
    size_t watch_events;
    struct ebb_backoff bo;
    int64_t next_resync_ms; /* -1: not armed */
    struct ebb_informer_stats st;
};

static void begin_list(struct ebb_informer *inf);
static void send_list(struct ebb_informer *inf);
static void begin_watch(struct ebb_informer *inf);

static void note_error(struct ebb_informer *inf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note_error(struct ebb_informer *inf, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(inf->st.last_error, sizeof(inf->st.last_error),
                     "%s: ", inf->ops.resource.resource);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(inf->st.last_error))
        vsnprintf(inf->st.last_error + n, sizeof(inf->st.last_error) - (size_t)n, fmt, ap);
    va_end(ap);
    inf->st.failures++;
}

/* After a failure: wait a backoff, then send `act`. */
static void retry_later(struct ebb_informer *inf, enum inf_action act)
{
    inf->in_flight = false;
    inf->failures++;
    inf->state = INF_WAITING;
    inf->next = act;
    inf->wait_ms = ebb_backoff_delay(&inf->bo, inf->failures - 1);
    inf->due_ms = -1;
}

static void release_decoder(struct ebb_informer *inf)
{
    if (inf->dec_live)
        ebb_watch_decoder_release(&inf->dec);
    inf->dec_live = false;
    if (inf->ldec_live)
        ebb_list_decoder_release(&inf->ldec);
    inf->ldec_live = false;
}

static char *dup_opt(const char *s, bool *ok)
{
    if (s == NULL || s[0] == '\0')
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *ok = false;
    return d;
}

enum ebb_rc ebb_informer_new(struct ebb_kube_client *c, const struct ebb_informer_ops *ops,
                             const struct ebb_informer_handlers *h, struct ebb_informer **out)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    bool ok = true;
    struct ebb_informer *inf = NULL;
    *out = NULL;
    if (c == NULL || ops == NULL || ops->decode == NULL || ops->free_obj == NULL ||
        ops->resource.resource == NULL) {
        rc = EBB_ERR_INVALID;
        goto out;
    }
    inf = calloc(1, sizeof(*inf));
    if (inf == NULL)
        goto out;
    inf->c = c;
    inf->ops = *ops;
    if (h != NULL)
        inf->h = *h;
    inf->ns = dup_opt(ops->namespace_, &ok);
    inf->label_selector = dup_opt(ops->label_selector, &ok);
    inf->field_selector = dup_opt(ops->field_selector, &ok);
    inf->ops.namespace_ = inf->ns;
    inf->ops.label_selector = inf->label_selector;
    inf->ops.field_selector = inf->field_selector;
    if (inf->ops.page_limit <= 0)
        inf->ops.page_limit = DEFAULT_PAGE_LIMIT;
    if (inf->ops.max_frame == 0)
        inf->ops.max_frame = EBB_WATCH_DEFAULT_MAX_FRAME;
    ebb_backoff_init(
        &inf->bo, ops->backoff_base_ms > 0 ? ops->backoff_base_ms : DEFAULT_BACKOFF_BASE_MS,
        ops->backoff_cap_ms > 0 ? ops->backoff_cap_ms : DEFAULT_BACKOFF_CAP_MS, 0.2, ops->seed);
    ebb_cache_init(&inf->store, ops->free_obj);
    ebb_cache_init(&inf->building, ops->free_obj);
    ebb_strbuf_init(&inf->cont);
    inf->next_resync_ms = -1;
    inf->due_ms = -1;
    inf->watch_seen_ms = -1;
    if (!ok)
        goto out;
    *out = inf;
    inf = NULL;
    rc = EBB_OK;
out:
    ebb_informer_free(inf);
    return rc;
}

void ebb_informer_free(struct ebb_informer *inf)
{
    if (inf == NULL)
        return;
    if (inf->in_flight)
        ebb_kube_cancel(inf->c, inf->req_id);
    release_decoder(inf);
    ebb_cache_release(&inf->store);
    ebb_cache_release(&inf->building);
    ebb_strbuf_release(&inf->cont);
    free(inf->ns);
    free(inf->label_selector);
    free(inf->field_selector);
    free(inf);
}

/* "ns/name" and the resourceVersion of an API object. */
static bool object_key(struct ebb_informer *inf, const cJSON *obj, char *key, const char **rv)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(md, "namespace");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
    *rv = cJSON_IsString(v) ? v->valuestring : "";
    if (!cJSON_IsString(name) || ebb_cache_key(cJSON_IsString(ns) ? ns->valuestring : NULL,
                                               name->valuestring, key, KEY_MAX) != EBB_OK) {
        note_error(inf, "an object without a usable metadata.name was skipped");
        return false;
    }
    return true;
}

/* Decodes obj; NULL (noted, with what carried it and its key) when it
 * cannot be, and NULL (not noted) when ops.keep leaves it out. */
static void *decode(struct ebb_informer *inf, const char *what, const cJSON *obj, const char *key,
                    size_t *bytes)
{
    void *out = NULL;
    char err[256] = "";
    enum ebb_rc rc = inf->ops.decode(obj, &out, bytes, err, sizeof(err));
    if (rc) {
        note_error(inf, "%s %s: cannot be decoded: %s; it is left out of the store", what, key,
                   rc == EBB_ERR_NOMEM ? "out of memory" : err);
        return NULL;
    }
    if (inf->ops.keep != NULL && !inf->ops.keep(inf->h.ctx, out)) {
        inf->ops.free_obj(out);
        return NULL; /* not an error: the callers treat it as absent */
    }
    return out;
}

static void fire_add(struct ebb_informer *inf, const char *key, const void *obj)
{
    if (inf->h.on_add)
        inf->h.on_add(inf->h.ctx, key, obj);
}

static void fire_update(struct ebb_informer *inf, const char *key, const void *o, const void *n)
{
    if (inf->h.on_update)
        inf->h.on_update(inf->h.ctx, key, o, n);
}

static void fire_delete(struct ebb_informer *inf, const char *key, const void *obj)
{
    if (inf->h.on_delete)
        inf->h.on_delete(inf->h.ctx, key, obj);
}

/* ---- list -------------------------------------------------------------------------------- */

/* The path of a LIST page or of the WATCH. */
static enum ebb_rc request_path(struct ebb_informer *inf, bool watch, struct ebb_strbuf *out)
{
    struct ebb_kube_query q;
    memset(&q, 0, sizeof(q));
    q.label_selector = inf->ops.label_selector;
    q.field_selector = inf->ops.field_selector;
    if (watch) {
        q.watch = true;
        q.allow_watch_bookmarks = true;
        q.resource_version = inf->rv;
        q.timeout_seconds =
            inf->ops.watch_timeout_s > 0
                ? inf->ops.watch_timeout_s
                : MIN_WATCH_TIMEOUT_S + (int32_t)(ebb_backoff_next(&inf->bo) % MIN_WATCH_TIMEOUT_S);
    } else if (inf->cont.len == 0) {
        /* The first page: "0" is served from the watch cache, which ignores
         * the limit (the list comes back whole, fixture 52). */
        q.limit = inf->unpaged ? 0 : inf->ops.page_limit;
        q.resource_version = inf->list_rv;
    } else {
        /* A continue page must not carry a resourceVersion (HTTP 400). */
        q.limit = inf->unpaged ? 0 : inf->ops.page_limit;
        q.continue_token = inf->cont.buf;
    }
    enum ebb_rc rc = ebb_kube_path(&inf->ops.resource, inf->ops.namespace_, NULL, NULL, &q, out);
    return rc ? rc : ebb_strbuf_rc(out);
}

/* The list is complete: the store becomes it, with callbacks for the
 * difference (client-go's Replace). */
static void replace_store(struct ebb_informer *inf)
{
    size_t pos = 0;
    const char *key;
    void *obj;
    while (ebb_cache_next(&inf->building, &pos, &key, NULL, &obj)) {
        void *old = NULL;
        if (ebb_cache_take(&inf->store, key, &old) == EBB_OK) {
            fire_update(inf, key, old, obj);
            inf->ops.free_obj(old);
        } else {
            fire_add(inf, key, obj);
        }
    }
    pos = 0;
    while (ebb_cache_next(&inf->store, &pos, &key, NULL, &obj))
        fire_delete(inf, key, obj);
    ebb_cache_release(&inf->store);
    ebb_cache_swap(&inf->store, &inf->building);
}

/* One item of the LIST page being read, into inf->building. */
static int list_item(void *ctx, const cJSON *it)
{
    struct ebb_informer *inf = ctx;
    char key[KEY_MAX];
    const char *rv;
    size_t bytes = 0;
    if (!object_key(inf, it, key, &rv))
        return 0;
    void *obj = decode(inf, "LIST item", it, key, &bytes);
    if (obj == NULL)
        return 0;
    if (ebb_cache_put(&inf->building, key, rv, obj, bytes, NULL) != EBB_OK) {
        inf->ops.free_obj(obj);
        note_error(inf, "out of memory storing %s", key);
        return 1;
    }
    return 0;
}

/* The bytes of a LIST page, decoded as they come: a page of 10,000 items
 * is never held whole. */
static int list_data(void *ctx, const char *data, size_t len)
{
    struct ebb_informer *inf = ctx;
    enum ebb_rc rc = ebb_list_decoder_feed(&inf->ldec, data, len, list_item, inf);
    if (rc == EBB_OK)
        return 0;
    /* This request ends here (no on_done): list again after a backoff. */
    if (rc != EBB_ERR_INVALID || inf->ldec.err[0] != '\0')
        note_error(inf, "the LIST response: %s", inf->ldec.err);
    inf->in_flight = false;
    release_decoder(inf);
    retry_later(inf, ACT_LIST);
    return 1;
}

/* The page is complete: its continue token and resourceVersion; false
 * (noted) when it was not a list object. */
static bool finish_page(struct ebb_informer *inf)
{
    struct ebb_list_decoder *d = &inf->ldec;
    if (ebb_list_decoder_finish(d) != EBB_OK) {
        note_error(inf, "the LIST response: %s", d->err);
        return false;
    }
    if (!d->has_items || !d->has_metadata) {
        note_error(inf, "the LIST response is not a list object");
        return false;
    }
    ebb_strbuf_reset(&inf->cont);
    ebb_strbuf_add(&inf->cont, d->continue_token.buf ? d->continue_token.buf : "",
                   d->continue_token.len);
    if (d->resource_version[0] != '\0' && strlen(d->resource_version) < sizeof(inf->page_rv)) {
        snprintf(inf->page_rv, sizeof(inf->page_rv), "%s", d->resource_version);
    } else if (inf->cont.len == 0) {
        note_error(inf, "the LIST response has no usable metadata.resourceVersion");
        return false;
    }
    return ebb_strbuf_rc(&inf->cont) == EBB_OK;
}

static void list_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct ebb_informer *inf = ctx;
    inf->in_flight = false;
    if (resp->error != NULL) {
        char msg[512];
        release_decoder(inf);
        ebb_kube_error_format(resp->error, msg, sizeof(msg));
        if (resp->error->http_status == 410) {
            /* The snapshot asked for is gone: the next list is a consistent
             * read; after an expired continue token it is also one request
             * (client-go's pager), so a busy server cannot expire it again. */
            inf->st.gone++;
            inf->rv_unavailable = true;
            if (inf->cont.len > 0) {
                inf->unpaged = true;
                note_error(inf, "LIST page: %s; listing again without pages after a backoff", msg);
            } else {
                note_error(inf, "LIST: %s; listing again from the latest state after a backoff",
                           msg);
            }
            retry_later(inf, ACT_LIST);
            return;
        }
        note_error(inf, "LIST: %s", msg);
        retry_later(inf, ACT_LIST);
        return;
    }
    bool page_ok = finish_page(inf);
    release_decoder(inf);
    if (!page_ok) {
        retry_later(inf, ACT_LIST);
        return;
    }
    if (inf->cont.len > 0) {
        send_list(inf); /* the next page, with inf->cont */
        return;
    }
    replace_store(inf);
    snprintf(inf->rv, sizeof(inf->rv), "%s", inf->page_rv);
    inf->synced = true;
    inf->list_done_seq = inf->list_seq;
    inf->failures = 0;
    inf->rv_unavailable = false;
    inf->unpaged = false;
    if (inf->relist_wanted) {
        begin_list(inf); /* asked for while this one was being read */
        return;
    }
    begin_watch(inf);
}

/* Sends a LIST page: the first one when inf->cont is empty. */
static void send_list(struct ebb_informer *inf)
{
    struct ebb_strbuf path = EBB_STRBUF_INIT;
    enum ebb_rc rc = request_path(inf, false, &path);
    if (rc == EBB_OK) {
        /* Streamed, so list_data decodes the items as they arrive. */
        release_decoder(inf);
        ebb_list_decoder_init(&inf->ldec, inf->ops.max_frame > EBB_LIST_DEFAULT_MAX_ITEM
                                              ? inf->ops.max_frame
                                              : EBB_LIST_DEFAULT_MAX_ITEM);
        inf->ldec_live = true;
        struct ebb_kube_request r = {EBB_KUBE_GET, path.buf, NULL, 0, NULL, true};
        rc = ebb_kube_submit(inf->c, &r, list_data, list_done, inf, &inf->req_id);
    }
    ebb_strbuf_release(&path);
    if (rc) {
        note_error(inf, "cannot send the LIST: %s", ebb_rc_str(rc));
        retry_later(inf, ACT_LIST);
        return;
    }
    inf->st.lists++;
    inf->in_flight = true;
    inf->state = INF_LISTING;
}

/* A fresh list: no continue token, an empty store being built, asking for
 * "" after a 410, "0" the first time, else the last resourceVersion seen
 * (client-go's relistResourceVersion). */
static void begin_list(struct ebb_informer *inf)
{
    release_decoder(inf);
    ebb_strbuf_reset(&inf->cont);
    ebb_cache_release(&inf->building);
    inf->page_rv[0] = '\0';
    snprintf(inf->list_rv, sizeof(inf->list_rv), "%s",
             inf->rv_unavailable ? "" : (inf->rv[0] == '\0' ? "0" : inf->rv));
    if (inf->list_begun)
        inf->st.relists++;
    inf->list_begun = true;
    inf->list_seq++;
    inf->relist_wanted = false;
    send_list(inf);
}

/* A 410 on the watch: list again at once, as a consistent read. */
static void relist(struct ebb_informer *inf)
{
    inf->state = INF_IDLE;
    inf->rv_unavailable = true;
    begin_list(inf);
}

/* ---- watch ------------------------------------------------------------------------------- */

static void apply_event(struct ebb_informer *inf, const struct ebb_watch_event *ev)
{
    char key[KEY_MAX];
    const char *rv;
    size_t bytes = 0;
    if (!object_key(inf, ev->object, key, &rv))
        return;
    void *obj = decode(inf, ebb_watch_type_name(ev->type), ev->object, key, &bytes);
    if (ev->type == EBB_WATCH_DELETED) {
        void *old = NULL;
        ebb_cache_take(&inf->store, key, &old);
        if (obj != NULL || old != NULL)
            fire_delete(inf, key, obj != NULL ? obj : old);
        if (old != NULL)
            inf->ops.free_obj(old);
        if (obj != NULL)
            inf->ops.free_obj(obj);
        return;
    }
    void *old = NULL;
    if (obj == NULL) {
        /* What is stored is stale now: drop it, so the controller sees the
         * object as gone rather than acting on old data. */
        if (ebb_cache_take(&inf->store, key, &old) == EBB_OK && old != NULL) {
            fire_delete(inf, key, old);
            inf->ops.free_obj(old);
        }
        return;
    }
    if (ebb_cache_put(&inf->store, key, rv, obj, bytes, &old) != EBB_OK) {
        inf->ops.free_obj(obj);
        note_error(inf, "out of memory storing %s", key);
        inf->store_error = true;
        return;
    }
    if (old != NULL) {
        fire_update(inf, key, old, obj);
        inf->ops.free_obj(old);
    } else {
        fire_add(inf, key, obj);
    }
}

static int on_event(void *ctx, const struct ebb_watch_event *ev)
{
    struct ebb_informer *inf = ctx;
    if (ev->type == EBB_WATCH_ERROR) {
        const struct ebb_kube_error *e = ev->error;
        if (e->http_status == 410 || e->reason == EBB_KUBE_GONE || e->reason == EBB_KUBE_EXPIRED)
            inf->watch_gone = true;
        else
            inf->watch_error = true;
        char msg[512];
        ebb_kube_error_format(e, msg, sizeof(msg));
        note_error(inf, "WATCH from resourceVersion %s: ERROR event: %s", inf->rv, msg);
        return 1;
    }
    if (ev->type == EBB_WATCH_BOOKMARK)
        inf->st.bookmarks++;
    else
        apply_event(inf, ev);
    if (ev->resource_version[0] != '\0' && strlen(ev->resource_version) < sizeof(inf->rv))
        snprintf(inf->rv, sizeof(inf->rv), "%s", ev->resource_version);
    inf->st.events++;
    inf->watch_events++;
    return inf->store_error ? 1 : 0;
}

static int watch_data(void *ctx, const char *data, size_t len)
{
    struct ebb_informer *inf = ctx;
    enum ebb_rc rc = ebb_watch_decoder_feed(&inf->dec, data, len, on_event, inf);
    if (rc == EBB_OK)
        return 0;
    /* This request ends here (no on_done); the next one goes out now. */
    inf->in_flight = false;
    if (inf->watch_gone) {
        inf->st.gone++;
        relist(inf);
    } else if (inf->watch_error) {
        /* The store is still right up to inf->rv: resume, do not relist. */
        release_decoder(inf);
        if (inf->watch_events > 0)
            inf->failures = 0;
        retry_later(inf, ACT_WATCH);
    } else {
        if (!inf->store_error)
            note_error(inf, "WATCH: %s", inf->dec.err);
        release_decoder(inf);
        retry_later(inf, ACT_LIST);
    }
    return 1;
}

static void watch_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct ebb_informer *inf = ctx;
    inf->in_flight = false;
    if (resp->error != NULL) {
        char msg[512];
        ebb_kube_error_format(resp->error, msg, sizeof(msg));
        release_decoder(inf);
        if (resp->error->http_status == 410) {
            inf->st.gone++;
            note_error(inf, "WATCH: %s; listing again", msg);
            relist(inf);
            return;
        }
        note_error(inf, "WATCH from resourceVersion %s: %s", inf->rv, msg);
        retry_later(inf, ACT_WATCH);
        return;
    }
    if (ebb_watch_decoder_finish(&inf->dec) != EBB_OK) {
        note_error(inf, "WATCH: %s", inf->dec.err);
        release_decoder(inf);
        retry_later(inf, ACT_WATCH);
        return;
    }
    /* The server ended the watch (timeoutSeconds): resume it, at once if
     * it brought events, else when the next tick has judged its length. */
    release_decoder(inf);
    if (inf->watch_events > 0) {
        inf->failures = 0;
        begin_watch(inf);
        return;
    }
    inf->state = INF_WAITING;
    inf->next = ACT_WATCH;
    inf->check_short = true;
    inf->due_ms = -1;
}

static void begin_watch(struct ebb_informer *inf)
{
    struct ebb_strbuf path = EBB_STRBUF_INIT;
    release_decoder(inf);
    enum ebb_rc rc = request_path(inf, true, &path);
    if (rc == EBB_OK) {
        ebb_watch_decoder_init(&inf->dec, inf->ops.max_frame);
        inf->dec_live = true;
        inf->watch_gone = inf->watch_error = inf->store_error = false;
        inf->watch_events = 0;
        inf->watch_seen_ms = -1;
        struct ebb_kube_request r = {EBB_KUBE_GET, path.buf, NULL, 0, NULL, true};
        rc = ebb_kube_submit(inf->c, &r, watch_data, watch_done, inf, &inf->req_id);
    }
    ebb_strbuf_release(&path);
    if (rc) {
        release_decoder(inf);
        note_error(inf, "cannot send the WATCH: %s", ebb_rc_str(rc));
        retry_later(inf, ACT_WATCH);
        return;
    }
    inf->st.watches++;
    inf->in_flight = true;
    inf->state = INF_WATCHING;
}

/* ---- loop -------------------------------------------------------------------------------- */

enum ebb_rc ebb_informer_start(struct ebb_informer *inf, int64_t now_ms)
{
    if (inf->state != INF_IDLE || inf->in_flight)
        return EBB_ERR_INVALID;
    if (inf->ops.resync_ms > 0)
        inf->next_resync_ms = now_ms + inf->ops.resync_ms;
    begin_list(inf);
    return EBB_OK;
}

static void resync(struct ebb_informer *inf)
{
    size_t pos = 0;
    const char *key;
    void *obj;
    inf->st.resyncs++;
    while (ebb_cache_next(&inf->store, &pos, &key, NULL, &obj))
        fire_update(inf, key, obj, obj);
}

void ebb_informer_tick(struct ebb_informer *inf, int64_t now_ms)
{
    if (inf->state == INF_WAITING && inf->check_short) {
        inf->check_short = false;
        if (inf->watch_seen_ms >= 0 && now_ms - inf->watch_seen_ms >= SHORT_WATCH_MS) {
            begin_watch(inf);
        } else {
            note_error(inf,
                       "WATCH from resourceVersion %s ended within 1 s with no events; watching "
                       "again after a backoff",
                       inf->rv);
            retry_later(inf, ACT_WATCH);
        }
    }
    if (inf->state == INF_WAITING) {
        if (inf->due_ms < 0)
            inf->due_ms = now_ms + inf->wait_ms;
        if (now_ms >= inf->due_ms) {
            inf->due_ms = -1;
            if (inf->next == ACT_WATCH && inf->synced) {
                begin_watch(inf);
            } else {
                inf->state = INF_IDLE;
                begin_list(inf);
            }
        }
    }
    if (inf->state == INF_WATCHING && inf->watch_seen_ms < 0)
        inf->watch_seen_ms = now_ms;
    if (inf->ops.resync_ms > 0 && inf->next_resync_ms >= 0 && now_ms >= inf->next_resync_ms) {
        inf->next_resync_ms = now_ms + inf->ops.resync_ms;
        if (inf->synced)
            resync(inf);
    }
}

int64_t ebb_informer_next_in(const struct ebb_informer *inf, int64_t now_ms)
{
    int64_t best = -1;
    if (inf->state == INF_WAITING && inf->check_short)
        best = 0;
    else if (inf->state == INF_WAITING)
        best = inf->due_ms < 0 ? inf->wait_ms : (inf->due_ms > now_ms ? inf->due_ms - now_ms : 0);
    if (inf->ops.resync_ms > 0 && inf->next_resync_ms >= 0) {
        int64_t r = inf->next_resync_ms > now_ms ? inf->next_resync_ms - now_ms : 0;
        if (best < 0 || r < best)
            best = r;
    }
    return best;
}

bool ebb_informer_synced(const struct ebb_informer *inf)
{
    return inf->synced;
}

uint64_t ebb_informer_relist(struct ebb_informer *inf)
{
    uint64_t answer = inf->list_seq + 1;
    switch (inf->state) {
    case INF_WATCHING:
        if (inf->in_flight)
            ebb_kube_cancel(inf->c, inf->req_id);
        inf->in_flight = false;
        inf->state = INF_IDLE;
        begin_list(inf); /* from the last resourceVersion seen; a failure waits a backoff */
        break;
    case INF_LISTING:
        inf->relist_wanted = true;
        break;
    case INF_WAITING:
        if (inf->check_short) { /* a watch that ended quietly: no failure to wait for */
            inf->check_short = false;
            inf->wait_ms = 0;
            inf->due_ms = -1;
        }
        inf->next = ACT_LIST;
        break;
    case INF_IDLE:
        break; /* not started: the first list answers */
    }
    return answer;
}

uint64_t ebb_informer_lists_done(const struct ebb_informer *inf)
{
    return inf->list_done_seq;
}

const struct ebb_cache *ebb_informer_store(const struct ebb_informer *inf)
{
    return &inf->store;
}

const char *ebb_informer_resource_version(const struct ebb_informer *inf)
{
    return inf->rv;
}

const struct ebb_informer_stats *ebb_informer_stats(const struct ebb_informer *inf)
{
    return &inf->st;
}
