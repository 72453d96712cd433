/* client.c -- the Kubernetes API client on libcurl's multi interface; see client.h. EDGE.
 *
 * A request moves through three states: waiting out a backoff, waiting for
 * its rate-limit token, and running (an easy handle in the multi handle).
 * Tokens are taken in submission order when the backoff ends, so the bucket
 * serves requests first come, first served; poll() never sleeps past the
 * moment the next waiting request may go. Each attempt gets a fresh easy
 * handle; connections, TLS sessions and DNS answers live in the multi and
 * share handles, so they are reused across requests (HTTP/1.1 keep-alive,
 * or one HTTP/2 connection multiplexing every request when the server
 * offers h2).
 *
 * When a failed attempt is retried:
 *  - GET (reads can be repeated): connection errors (refused, reset, cut
 *    short, connect timed out, TLS handshake), 429 and 5xx but 501 --
 *    never other 4xx, nor a request that was sent and then timed out --
 *    and for a watch only while no byte of it has reached on_data.
 *  - POST, PUT, PATCH, DELETE: only when the server cannot have acted on
 *    the request: the connection was never made (refused, name not
 *    resolved, TLS handshake failed, connect timed out before anything was
 *    sent), or the server answered 429 or 503, which mean it did not
 *    process the request. Any other failure after the request went out is
 *    returned as it is: a blind retry of a write that may have succeeded is
 *    not safe. A 409 Conflict is never retried; the caller re-reads.
 *  - A certificate the client does not trust, a bad client certificate, an
 *    unsupported URL and out-of-memory are never retried: they cannot heal.
 * Retries wait base * 2^n (capped at 30 s, +-20% jitter), or the server's
 * Retry-After when it sent one; at most max_retries of them. After a 401
 * the credentials are fetched again (token file re-read, exec plugin
 * re-run) and, if that changed them, the request is tried once more,
 * outside that count. An exec plugin that gives no credentials fails the
 * attempt before anything is sent, which is retried like a refused
 * connection. The plugin never blocks the loop: it is started, its pipes
 * are polled with curl's sockets, and the requests that need its
 * credentials wait in the queue (one run for all of them) while the rest
 * move on. Only ebb_kube_client_new() runs it synchronously, once.
 *
 * Callbacks run inside ebb_kube_client_poll(). They may submit and cancel
 * requests (a cancelled one is unlinked when poll returns); they must not
 * call ebb_kube_client_poll(), ebb_kube_do() or ebb_kube_client_free().
 * When on_data returns non-zero the request ends as if ebb_kube_cancel()
 * had been called: on_done is not called.
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client_internal.h"

#define BACKOFF_CAP_MS 30000 /* no retry waits longer, unless Retry-After says so */
#define BACKOFF_JITTER 0.2   /* +-20% */
/* Connections kept open after use (HTTP/1.1): by default curl keeps 4 per
 * easy handle, and ours come and go with each request. */
#define MAX_IDLE_CONNECTIONS 64L

void ebb_kube_client_opts_default(struct ebb_kube_client_opts *o /* OUT */)
{
    o->qps = 20;
    o->burst = 30;
    o->connect_timeout_ms = 10000;
    o->request_timeout_ms = 30000;
    o->max_retries = 5;
    o->backoff_base_ms = 100;
    o->user_agent = NULL;
    o->seed = 0;
    o->max_body_bytes = EBB__KUBE_DEFAULT_MAX_BODY;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum ebb_rc ebb_kube_client_new(const struct ebb_kube_config *cfg,
                                const struct ebb_kube_client_opts *opts,
                                struct ebb_kube_client **out /* OUT */, char *err, size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    char scratch[8];
    struct ebb_kube_client *c = NULL;
    if (err == NULL || errsz == 0) {
        err = scratch;
        errsz = sizeof(scratch);
    }
    err[0] = '\0';
    *out = NULL;
    if (cfg == NULL) {
        rc = EBB_ERR_INVALID;
        snprintf(err, errsz, "no configuration");
        goto out;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        goto out;
    if (opts)
        c->opts = *opts;
    else
        ebb_kube_client_opts_default(&c->opts);
    if (c->opts.max_retries < 0)
        c->opts.max_retries = 0;
    if (c->opts.max_body_bytes == 0)
        c->opts.max_body_bytes = EBB__KUBE_DEFAULT_MAX_BODY;
    c->next_id = 1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        rc = EBB_ERR_IO;
        snprintf(err, errsz, "libcurl: global initialisation failed");
        goto out;
    }
    c->global_init = true;
    rc = ebb__kube_setup_url(c, cfg, err, errsz);
    if (rc)
        goto out;
    rc = ebb__kube_auth_init(&c->auth, cfg, err, errsz);
    if (rc)
        goto out;
    rc = EBB_ERR_NOMEM;
    c->user_agent = c->opts.user_agent ? strdup(c->opts.user_agent) : ebb__kube_user_agent();
    c->opts.user_agent = NULL; /* not kept: the copy is c->user_agent */
    c->multi = curl_multi_init();
    c->share = curl_share_init();
    if (c->user_agent == NULL || c->multi == NULL || c->share == NULL)
        goto out;
    if (curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK ||
        curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, MAX_IDLE_CONNECTIONS) != CURLM_OK)
        goto out;
    ebb_ratelimit_init(&c->rl, c->opts.qps, c->opts.burst);
    uint64_t seed = c->opts.seed;
    if (seed == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 48);
    }
    ebb_backoff_init(&c->bo, c->opts.backoff_base_ms, BACKOFF_CAP_MS, BACKOFF_JITTER, seed);
    rc = EBB_OK;
out:
    if (rc == EBB_ERR_NOMEM && err[0] == '\0')
        snprintf(err, errsz, "out of memory");
    if (rc) {
        ebb_kube_client_free(c);
        c = NULL;
    }
    *out = c;
    return rc;
}

static void req_free(struct ebb_kube_client *c, struct ebb__kube_req *r)
{
    ebb__kube_attempt_drop(c, r);
    ebb_strbuf_release(&r->resp);
    free(r->path);
    free(r->body);
    free(r->content_type);
    free(r);
}

/* Marks r finished (counted out of pending); poll unlinks it later. */
static void req_kill(struct ebb_kube_client *c, struct ebb__kube_req *r)
{
    if (!r->dead) {
        r->dead = true;
        c->pending--;
    }
}

/* Unlinks and frees dead requests. Only outside curl callbacks. */
static void reap(struct ebb_kube_client *c)
{
    struct ebb__kube_req **pp = &c->head;
    c->tail = NULL;
    while (*pp) {
        struct ebb__kube_req *r = *pp;
        if (r->dead) {
            *pp = r->next;
            req_free(c, r);
        } else {
            c->tail = r;
            pp = &r->next;
        }
    }
}

void ebb_kube_client_free(struct ebb_kube_client *c)
{
    if (c == NULL)
        return;
    for (struct ebb__kube_req *r = c->head, *next; r; r = next) {
        next = r->next;
        req_free(c, r);
    }
    curl_multi_cleanup(c->multi);
    curl_share_cleanup(c->share);
    curl_slist_free_all(c->connect_to);
    free(c->base_url);
    free(c->base_url_shown);
    free(c->host_header);
    free(c->user_agent);
    ebb__kube_auth_release(&c->auth);
    if (c->global_init)
        curl_global_cleanup();
    free(c);
}

/* timeoutSeconds=N of a watch's query, or -1. */
static long query_timeout_s(const char *path)
{
    const char *q = strchr(path, '?');
    for (const char *p = q; p != NULL; p = strchr(p + 1, '&')) {
        if (strncmp(p + 1, "timeoutSeconds=", 15) == 0) {
            char *end;
            long v = strtol(p + 16, &end, 10);
            if (end != p + 16 && (*end == '\0' || *end == '&') && v >= 0 && v < 86400 * 366)
                return v;
        }
    }
    return -1;
}

enum ebb_rc ebb_kube_submit(struct ebb_kube_client *c, const struct ebb_kube_request *r,
                            ebb_kube_data_fn *on_data, ebb_kube_done_fn *on_done, void *ctx,
                            uint64_t *id /* OUT */)
{
    enum ebb_rc rc = EBB_ERR_INVALID;
    struct ebb__kube_req *q = NULL;
    if (c == NULL || r == NULL || r->path == NULL || r->path[0] != '/' ||
        (unsigned)r->method > EBB_KUBE_DELETE || (r->stream && on_data == NULL) ||
        (r->body == NULL && r->body_len > 0) || strpbrk(r->path, " \r\n") != NULL ||
        (r->content_type && strpbrk(r->content_type, "\r\n") != NULL))
        goto out;
    rc = EBB_ERR_NOMEM;
    q = calloc(1, sizeof(*q));
    if (q == NULL)
        goto out;
    ebb_strbuf_init(&q->resp);
    q->c = c;
    q->method = r->method;
    q->stream = r->stream;
    q->on_data = on_data;
    q->on_done = on_done;
    q->ctx = ctx;
    q->path = strdup(r->path);
    if (q->path == NULL)
        goto out;
    q->stream_timeout_s = r->stream ? query_timeout_s(r->path) : -1;
    if (r->body) {
        q->body = malloc(r->body_len ? r->body_len : 1);
        if (q->body == NULL)
            goto out;
        memcpy(q->body, r->body, r->body_len);
        q->body_len = r->body_len;
        q->content_type = strdup(r->content_type ? r->content_type : "application/json");
        if (q->content_type == NULL)
            goto out;
    }
    q->state = EBB__KUBE_REQ_BACKOFF;
    q->due_ms = INT64_MIN;
    q->id = c->next_id++;
    if (c->tail)
        c->tail->next = q;
    else
        c->head = q;
    c->tail = q;
    c->pending++;
    if (id)
        *id = q->id;
    q = NULL;
    rc = EBB_OK;
out:
    if (q)
        req_free(c, q);
    return rc;
}

void ebb_kube_cancel(struct ebb_kube_client *c, uint64_t id)
{
    if (c == NULL)
        return;
    for (struct ebb__kube_req *r = c->head; r; r = r->next) {
        if (r->id == id && !r->dead) {
            req_kill(c, r);
            if (!c->in_poll)
                reap(c);
            return;
        }
    }
}

size_t ebb_kube_client_pending(const struct ebb_kube_client *c)
{
    return c ? c->pending : 0;
}

/* ---- completion -------------------------------------------------------------------------- */

static int64_t retry_delay(struct ebb_kube_client *c, const struct ebb__kube_req *r,
                           const struct ebb_kube_error *e)
{
    int64_t ms;
    if (r->retry_after[0] &&
        ebb_backoff_parse_retry_after(r->retry_after, (int64_t)time(NULL), &ms) == EBB_OK)
        return ms;
    if (e->http_status != 0 && e->retry_after_s >= 0) {
        int64_t s = e->retry_after_s;
        return (s > EBB_BACKOFF_MAX_RETRY_AFTER_S ? EBB_BACKOFF_MAX_RETRY_AFTER_S : s) * 1000;
    }
    return ebb_backoff_delay(&c->bo, r->retries);
}

static void complete(struct ebb__kube_req *r, const struct ebb_kube_response *resp)
{
    struct ebb_kube_client *c = r->c;
    req_kill(c, r);
    c->completions++;
    if (r->on_done)
        r->on_done(r->ctx, resp);
}

/* Decides what becomes of a request whose attempt curl has finished. */
static void finish_attempt(struct ebb_kube_client *c, struct ebb__kube_req *r, int64_t now)
{
    long code = 0, request_size = 0, version = 0;
    CURLcode cc = r->result;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(r->easy, CURLINFO_REQUEST_SIZE, &request_size);
    curl_easy_getinfo(r->easy, CURLINFO_HTTP_VERSION, &version);
    curl_multi_remove_handle(c->multi, r->easy);
    if (r->dead)
        return;
    if (r->stopped) { /* on_data said stop: as ebb_kube_cancel() */
        req_kill(c, r);
        return;
    }
    struct ebb_kube_response resp = {0, NULL, 0, NULL, 0};
    if (code)
        resp.http_version = version == CURL_HTTP_VERSION_2_0 ? 2 : 1;
    if (cc == CURLE_OK && code >= 200 && code < 300) {
        resp.http_status = (int)code;
        resp.body = r->stream ? NULL : r->resp.buf;
        resp.body_len = r->stream ? 0 : r->resp.len;
        complete(r, &resp);
        return;
    }
    struct ebb_kube_error e;
    if (cc == CURLE_OK) {
        char *ra = r->retry_after;
        while (*ra == ' ' || *ra == '\t')
            ra++;
        size_t n = strlen(ra);
        while (n > 0 && strchr(" \t\r\n", ra[n - 1]))
            ra[--n] = '\0';
        ebb_kube_error_from_response((int)code, r->resp.buf, r->resp.len, n ? ra : NULL, &e);
    } else {
        ebb__kube_attempt_error(c, r, cc, &e);
    }
    if (e.http_status == 401 && !r->reauthed && ebb__kube_auth_refreshable(&c->auth)) {
        /* Once: try again with other credentials. When they changed since
         * this attempt went out (another request's 401 refreshed them), use
         * those; only a request that used the current ones forces a refresh
         * (token file re-read, exec plugin re-run), so many 401s at once
         * mean one plugin run. */
        char aerr[512];
        bool pending = false;
        r->reauthed = true;
        /* A plugin run started (or under way) here is waited for in the
         * queue: the request goes again with what it gives. */
        if (ebb__kube_auth_serial(&c->auth) != r->creds_serial ||
            (ebb__kube_auth_refresh_async(&c->auth, true, &pending, aerr, sizeof(aerr)) == EBB_OK &&
             (pending || ebb__kube_auth_serial(&c->auth) != r->creds_serial))) {
            ebb__kube_attempt_drop(c, r);
            r->state = EBB__KUBE_REQ_BACKOFF;
            r->due_ms = now;
            return;
        }
    }
    if (ebb__kube_attempt_may_retry(c, r, &e, cc, request_size)) {
        int64_t delay = retry_delay(c, r, &e);
        ebb__kube_attempt_drop(c, r);
        r->retries++;
        r->state = EBB__KUBE_REQ_BACKOFF;
        r->due_ms = now + delay;
        return;
    }
    /* The body of the error: a Status, also of a refused watch (whose
     * bytes never went to on_data). */
    resp.http_status = e.http_status;
    resp.body = r->resp.buf;
    resp.body_len = r->resp.len;
    resp.error = &e;
    complete(r, &resp);
}

/* An attempt that could not go out: the credentials are missing (an exec
 * plugin failed). Nothing was sent, so any method may be tried again. */
static void fail_unsent(struct ebb_kube_client *c, struct ebb__kube_req *r, int64_t now,
                        const char *why)
{
    struct ebb_kube_error e;
    ebb__kube_transport_error(c, r, why, r->retries + 1, &e);
    if (r->retries < c->opts.max_retries) {
        r->state = EBB__KUBE_REQ_BACKOFF;
        r->due_ms = now + ebb_backoff_delay(&c->bo, r->retries);
        r->retries++;
        return;
    }
    struct ebb_kube_response resp = {0, NULL, 0, &e, 0};
    complete(r, &resp);
}

/* Moves waiting requests on: backoff over -> take a token -> start. */
static void start_due(struct ebb_kube_client *c, int64_t now)
{
    for (struct ebb__kube_req *r = c->head; r; r = r->next) {
        if (r->dead)
            continue;
        if (r->state == EBB__KUBE_REQ_BACKOFF && r->due_ms <= now) {
            r->state = EBB__KUBE_REQ_TOKEN;
            r->due_ms = now + ebb_ratelimit_reserve(&c->rl, now);
        }
        if (r->state != EBB__KUBE_REQ_CREDS && (r->state != EBB__KUBE_REQ_TOKEN || r->due_ms > now))
            continue;
        /* Cheap when nothing changed (a stat() of a token file). An exec
         * plugin that must run is started and the request waits for it in
         * the queue (state CREDS) while the others go on. When a refresh
         * fails the last good credentials go out, and the server decides;
         * with none at all the attempt fails here. */
        char aerr[768];
        bool pending = false;
        enum ebb_rc arc =
            ebb__kube_auth_refresh_async(&c->auth, false, &pending, aerr, sizeof(aerr));
        if (pending) {
            r->state = EBB__KUBE_REQ_CREDS;
            continue;
        }
        if (arc != EBB_OK && ebb__kube_auth_missing(&c->auth)) {
            struct ebb_strbuf why = EBB_STRBUF_INIT;
            ebb_strbuf_addf(&why, "no credentials: %s", aerr);
            fail_unsent(c, r, now, ebb_strbuf_rc(&why) ? aerr : why.buf);
            ebb_strbuf_release(&why);
            continue;
        }
        r->creds_serial = ebb__kube_auth_serial(&c->auth);
        enum ebb_rc rc = ebb__kube_attempt_start(c, r);
        if (rc) {
            struct ebb_kube_error e;
            const char *why = rc == EBB_ERR_NOMEM ? "cannot start the request: out of memory"
                                                  : "cannot start the request: libcurl refused it";
            ebb__kube_transport_error(c, r, why, r->retries + 1, &e);
            struct ebb_kube_response resp = {0, NULL, 0, &e, 0};
            complete(r, &resp);
        }
    }
}

/* Milliseconds until the next waiting request is due, or -1 if none waits. */
static int64_t next_due_in(const struct ebb_kube_client *c, int64_t now)
{
    int64_t best = -1;
    for (const struct ebb__kube_req *r = c->head; r; r = r->next) {
        if (r->dead || (r->state != EBB__KUBE_REQ_BACKOFF && r->state != EBB__KUBE_REQ_TOKEN))
            continue;
        int64_t in = r->due_ms <= now ? 0 : r->due_ms - now;
        if (best < 0 || in < best)
            best = in;
    }
    return best;
}

static void collect_done(struct ebb_kube_client *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct ebb__kube_req *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (r) {
            r->result = m->data.result;
            r->state = EBB__KUBE_REQ_DONE;
        }
    }
}

enum ebb_rc ebb_kube_client_poll(struct ebb_kube_client *c, int timeout_ms)
{
    enum ebb_rc rc = EBB_OK;
    int running = 0;
    if (c == NULL || c->in_poll)
        return EBB_ERR_INVALID;
    c->in_poll = true;
    int64_t now = mono_ms();
    uint64_t completions = c->completions;
    start_due(c, now);
    CURLMcode mc = curl_multi_perform(c->multi, &running);
    collect_done(c);
    int64_t wait = timeout_ms < 0 ? 0 : timeout_ms;
    int64_t due = next_due_in(c, now);
    if (due >= 0 && due < wait)
        wait = due;
    /* A request that failed before going out (no credentials) has had its
     * callback: return without waiting, as for one curl finished. */
    bool any_done = c->completions != completions;
    for (struct ebb__kube_req *r = c->head; r && !any_done; r = r->next)
        any_done = r->state == EBB__KUBE_REQ_DONE && !r->dead;
    /* An exec plugin run: its pipes wake the poll, and its deadline (or
     * the wait for its exit) bounds it. */
    struct curl_waitfd wfds[2];
    int fds[2];
    int64_t exec_wait;
    size_t n_wfds = ebb__kube_auth_wait(&c->auth, fds, &exec_wait);
    for (size_t i = 0; i < n_wfds; i++) {
        wfds[i].fd = fds[i];
        wfds[i].events = CURL_WAIT_POLLIN;
        wfds[i].revents = 0;
    }
    if (exec_wait >= 0 && exec_wait < wait)
        wait = exec_wait;
    if (mc == CURLM_OK && wait > 0 && !any_done)
        mc = curl_multi_poll(c->multi, n_wfds ? wfds : NULL, (unsigned)n_wfds, (int)wait, NULL);
    if (mc == CURLM_OK)
        mc = curl_multi_perform(c->multi, &running);
    collect_done(c);
    now = mono_ms();
    for (struct ebb__kube_req *r = c->head; r; r = r->next)
        if (r->state == EBB__KUBE_REQ_DONE && !r->dead && r->easy)
            finish_attempt(c, r, now);
    /* Retries due at once (a 401 refresh) and requests the callbacks
     * submitted start now rather than at the next poll. */
    start_due(c, now);
    if (mc == CURLM_OK)
        mc = curl_multi_perform(c->multi, &running);
    if (mc != CURLM_OK)
        rc = mc == CURLM_OUT_OF_MEMORY ? EBB_ERR_NOMEM : EBB_ERR_IO;
    /* Handles dropped while curl ran (cancelled, or whose callback said
     * stop) leave the multi handle now, outside curl's callbacks. */
    reap(c);
    c->in_poll = false;
    return rc;
}

/* ---- blocking helper --------------------------------------------------------------------- */

struct do_state {
    bool done;
    bool too_big; /* a stream passed max_body_bytes: stopped */
    int http_status;
    size_t cap;
    struct ebb_strbuf *body;
    struct ebb_kube_error *err;
};

static int do_data(void *ctx, const char *data, size_t len)
{
    struct do_state *s = ctx;
    if (s->body == NULL)
        return 0;
    if (len > s->cap - s->body->len) {
        s->too_big = true;
        return 1;
    }
    ebb_strbuf_add(s->body, data, len);
    return 0;
}

static void do_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct do_state *s = ctx;
    s->done = true;
    s->http_status = resp->http_status;
    if (s->body && resp->body)
        ebb_strbuf_add(s->body, resp->body, resp->body_len);
    if (resp->error)
        *s->err = *resp->error;
}

enum ebb_rc ebb_kube_do(struct ebb_kube_client *c, const struct ebb_kube_request *r,
                        struct ebb_strbuf *body_out, int *http_status /* OUT */,
                        struct ebb_kube_error *err /* OUT */)
{
    enum ebb_rc rc;
    struct ebb_kube_error local;
    struct do_state s = {false, false, 0, 0, body_out, err ? err : &local};
    uint64_t id = 0;
    s.err->http_status = 0;
    s.err->reason = EBB_KUBE_REASON_UNKNOWN;
    s.err->message[0] = '\0';
    s.err->n_causes = 0;
    s.err->continue_token[0] = '\0';
    s.err->retry_after_s = -1;
    if (http_status)
        *http_status = 0;
    if (body_out)
        ebb_strbuf_reset(body_out);
    if (c == NULL) {
        snprintf(s.err->message, sizeof(s.err->message), "ebb_kube_do: no client");
        return EBB_ERR_INVALID;
    }
    if (c->in_poll) {
        snprintf(s.err->message, sizeof(s.err->message),
                 "ebb_kube_do cannot block inside a client callback; use ebb_kube_submit");
        return EBB_ERR_INVALID;
    }
    s.cap = c->opts.max_body_bytes;
    rc = ebb_kube_submit(c, r, do_data, do_done, &s, &id);
    if (rc) {
        snprintf(s.err->message, sizeof(s.err->message), "%s",
                 rc == EBB_ERR_NOMEM
                     ? "ebb_kube_do: out of memory"
                     : "ebb_kube_do: invalid request: want a path starting with '/' without "
                       "spaces or line breaks, and a body when body_len > 0");
        return rc;
    }
    while (!s.done && !s.too_big) {
        rc = ebb_kube_client_poll(c, 1000);
        if (rc && !s.done) {
            ebb_kube_cancel(c, id);
            ebb_kube_error_transport("libcurl: the multi handle failed", s.err);
            return rc;
        }
    }
    if (s.too_big) {
        char why[256];
        ebb_kube_cancel(c, id);
        snprintf(why, sizeof(why),
                 "%s %.80s: the stream passed the %zu-byte limit of max_body_bytes; watch it with "
                 "ebb_kube_submit instead",
                 ebb__kube_method_name(r->method), r->path, s.cap);
        ebb_kube_error_transport(why, s.err);
        if (body_out)
            ebb_strbuf_reset(body_out);
        return EBB_ERR_IO;
    }
    if (http_status)
        *http_status = s.http_status;
    if (body_out && ebb_strbuf_rc(body_out))
        return EBB_ERR_NOMEM;
    return s.http_status >= 200 && s.http_status < 300 ? EBB_OK : EBB_ERR_IO;
}
