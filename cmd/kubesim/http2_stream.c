/*
 * kubesim http: HTTP/2 streams -- a request's fields and body become the
 * same ks_req the HTTP/1.1 parser builds, the handler's ks_resp becomes
 * HEADERS (+ CONTINUATION) and DATA, and a watch (ks_resp_stream) is one
 * stream whose DATA frames are its events, ended by END_STREAM.
 *
 * DATA is queued per stream and moved to the connection's output as the
 * peer's windows (connection and stream) allow and while the output is
 * not too far behind; h2_flush runs after every input, every send and
 * whenever the socket drained.
 *
 * Streams that are done (both directions closed) are freed by h2_sweep,
 * never while h2_process is inside a frame.
 */
#include "http2_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the stream table ------------------------------------------------------------------- */

struct h2_stream *h2_stream_find(const struct h2_conn *h2, uint32_t id)
{
    for (size_t i = 0; i < h2->n_streams; i++) {
        if (h2->streams[i]->id == id)
            return h2->streams[i];
    }
    return NULL;
}

static bool stream_done(const struct h2_stream *s)
{
    return s->send_done && s->recv_done && !s->st;
}

size_t h2_active_streams(const struct h2_conn *h2)
{
    size_t n = 0;
    for (size_t i = 0; i < h2->n_streams; i++)
        n += !stream_done(h2->streams[i]);
    return n;
}

struct h2_stream *h2_stream_new(struct http_conn *c, uint32_t id)
{
    struct h2_conn *h2 = c->h2;

    if (h2->n_streams == h2->cap_streams) {
        size_t cap = h2->cap_streams ? h2->cap_streams * 2 : 16;
        struct h2_stream **v = realloc(h2->streams, cap * sizeof(*v));
        if (!v)
            return NULL;
        h2->streams = v;
        h2->cap_streams = cap;
    }
    struct h2_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->c = c;
    s->id = id;
    s->send_window = h2->peer_initial_window;
    s->recv_window = H2_STREAM_WINDOW;
    ebb_strbuf_init(&s->path);
    ebb_strbuf_init(&s->authority);
    ebb_strbuf_init(&s->fields);
    ebb_strbuf_init(&s->body);
    ebb_strbuf_init(&s->q);
    h2->streams[h2->n_streams++] = s;
    return s;
}

static void stream_free(struct h2_stream *s)
{
    http_stream_free(s->st);
    ebb_strbuf_release(&s->path);
    ebb_strbuf_release(&s->authority);
    ebb_strbuf_release(&s->fields);
    ebb_strbuf_release(&s->body);
    ebb_strbuf_release(&s->q);
    free(s);
}

void h2_sweep(struct h2_conn *h2)
{
    size_t j = 0;

    if (h2->busy)
        return;
    for (size_t i = 0; i < h2->n_streams; i++) {
        if (stream_done(h2->streams[i]))
            stream_free(h2->streams[i]);
        else
            h2->streams[j++] = h2->streams[i];
    }
    h2->n_streams = j;
}

/* Unbinds the watch of s, if any, and calls its on_close. */
static void stream_close_watch(struct h2_stream *s)
{
    ks_stream *st = s->st;

    if (!st)
        return;
    s->st = NULL;
    void (*cb)(void *) = st->on_close;
    void *ud = st->ud;
    http_stream_free(st);
    if (cb)
        cb(ud);
}

void h2_stream_reset(struct http_conn *c, struct h2_stream *s, enum h2_error code)
{
    if (!s->send_done) {
        h2_frame_head(&c->out, 4, H2_RST_STREAM, 0, s->id);
        char b[4] = {0, 0, 0, (char)code};
        ebb_strbuf_add(&c->out, b, 4);
        s->reset_sent = true;
    }
    s->send_done = s->recv_done = true;
    s->end_queued = false;
    ebb_strbuf_release(&s->q);
    s->q_off = 0;
    ebb_strbuf_release(&s->body);
    stream_close_watch(s);
}

void h2_conn_kill_streams(struct http_conn *c)
{
    struct h2_conn *h2 = c->h2;

    if (!h2)
        return;
    for (size_t i = 0; i < h2->n_streams; i++) {
        struct h2_stream *s = h2->streams[i];
        s->send_done = s->recv_done = true;
        s->end_queued = false;
        stream_close_watch(s);
    }
}

/* ---- request fields --------------------------------------------------------------------- */

static bool field_name_ok(const char *name, size_t nlen)
{
    if (nlen == 0)
        return false;
    for (size_t i = name[0] == ':' ? 1 : 0; i < nlen; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch <= 0x20 || ch >= 0x7f || (ch >= 'A' && ch <= 'Z') || ch == ':')
            return false;
    }
    return true;
}

static bool field_value_ok(const char *v, size_t vlen)
{
    for (size_t i = 0; i < vlen; i++) {
        if (v[i] == '\0' || v[i] == '\r' || v[i] == '\n')
            return false;
    }
    return vlen == 0 || (v[0] != ' ' && v[0] != '\t' && v[vlen - 1] != ' ' && v[vlen - 1] != '\t');
}

static bool name_is(const char *name, size_t nlen, const char *lit)
{
    return strlen(lit) == nlen && memcmp(name, lit, nlen) == 0;
}

/* A pseudo-field of the request head. */
static void pseudo_field(struct h2_stream *s, const char *name, size_t nlen, const char *value,
                         size_t vlen)
{
    if (s->regular_seen || s->headers_done) {
        s->bad = true; /* after a regular field, or in trailers */
    } else if (name_is(name, nlen, ":method")) {
        if (s->method[0] || vlen == 0 || vlen >= sizeof(s->method))
            s->bad = true;
        else
            memcpy(s->method, value, vlen + 1);
    } else if (name_is(name, nlen, ":path")) {
        if (s->path.len || vlen == 0)
            s->bad = true;
        ebb_strbuf_add(&s->path, value, vlen);
    } else if (name_is(name, nlen, ":scheme")) {
        if (s->has_scheme || vlen == 0)
            s->bad = true;
        s->has_scheme = true;
    } else if (name_is(name, nlen, ":authority")) {
        if (s->authority.len)
            s->bad = true;
        ebb_strbuf_reset(&s->authority);
        ebb_strbuf_add(&s->authority, value, vlen);
    } else {
        s->bad = true; /* :status or unknown */
    }
}

int h2_on_field(void *ud, const char *name, size_t nlen, const char *value, size_t vlen)
{
    struct h2_stream *s = ud;

    if (!s || s->bad)
        return 0; /* discarded; decoding goes on for the table's sake */
    if (!field_name_ok(name, nlen) || !field_value_ok(value, vlen)) {
        s->bad = true;
        return 0;
    }
    s->list_size += nlen + vlen + 32;
    if (s->list_size > KS_HTTP_MAX_HEAD)
        s->head_too_big = true;
    if (name[0] == ':') {
        pseudo_field(s, name, nlen, value, vlen);
        return 0;
    }
    s->regular_seen = true;
    /* RFC 9113 8.2.2: no connection-specific fields. */
    if (name_is(name, nlen, "connection") || name_is(name, nlen, "keep-alive") ||
        name_is(name, nlen, "proxy-connection") || name_is(name, nlen, "transfer-encoding") ||
        name_is(name, nlen, "upgrade") ||
        (name_is(name, nlen, "te") && !(vlen == 8 && memcmp(value, "trailers", 8) == 0))) {
        s->bad = true;
        return 0;
    }
    if (s->headers_done || s->head_too_big)
        return 0; /* trailers are not kept */
    ebb_strbuf_add(&s->fields, name, nlen + 1);
    ebb_strbuf_add(&s->fields, value, vlen + 1);
    s->n_fields++;
    return ebb_strbuf_rc(&s->fields) ? -1 : 0;
}

/* END_STREAM went out on s. */
static void sent_end(struct http_conn *c, struct h2_stream *s)
{
    s->send_done = true;
    s->end_queued = false;
    ebb_strbuf_release(&s->q);
    s->q_off = 0;
    if (!s->recv_done) {
        /* The response is complete before the request: RST_STREAM
         * NO_ERROR tells the client to stop sending (RFC 9113 8.1). */
        h2_frame_head(&c->out, 4, H2_RST_STREAM, 0, s->id);
        ebb_strbuf_add(&c->out, "\0\0\0\0", 4);
        s->recv_done = true;
        s->reset_sent = true;
    }
}

/* ---- responses --------------------------------------------------------------------------- */

/* HEADERS, then CONTINUATION as the peer's frame size requires. */
static void send_headers(struct http_conn *c, uint32_t id, const struct ebb_strbuf *block,
                         bool end_stream)
{
    size_t max = c->h2->peer_max_frame, off = 0;
    bool first = true;

    do {
        size_t n = block->len - off < max ? block->len - off : max;
        bool last = off + n == block->len;
        uint8_t flags =
            (uint8_t)((last ? H2_F_END_HEADERS : 0) | (first && end_stream ? H2_F_END_STREAM : 0));
        h2_frame_head(&c->out, n, first ? H2_HEADERS : H2_CONTINUATION, flags, id);
        ebb_strbuf_add(&c->out, block->buf + off, n);
        off += n;
        first = false;
    } while (off < block->len);
}

/* The response head: :status, the HTTP/1.1 fields minus the framing ones,
 * content-length when given (cl >= 0). */
static void head_block(struct ks_http *h, struct ebb_strbuf *b, int status, const ks_resp *resp,
                       long long cl)
{
    struct ks_header hs[16];
    char audit[37], date[40], num[24];

    snprintf(num, sizeof(num), "%03d", status);
    h2_hpack_encode(b, ":status", num);
    size_t n = http_resp_fields(h, status, resp, hs, audit);
    for (size_t i = 0; i < n; i++)
        h2_hpack_encode(b, hs[i].name, hs[i].value);
    http_resp_date(h, date);
    h2_hpack_encode(b, "date", date);
    if (cl >= 0) {
        snprintf(num, sizeof(num), "%lld", cl);
        h2_hpack_encode(b, "content-length", num);
    }
}

/* A whole response on s: HEADERS now, the body queued as DATA. */
static void respond(struct ks_http *h, struct http_conn *c, struct h2_stream *s,
                    const ks_resp *resp, bool head_only)
{
    struct ebb_strbuf b;
    int status;
    const char *body;
    size_t len;

    http_resp_effective(resp, &status, &body, &len);
    bool no_body = (status >= 100 && status < 200) || status == 204 || status == 304;
    if (no_body)
        len = 0;
    ebb_strbuf_init(&b);
    head_block(h, &b, status, resp, no_body ? -1 : (long long)len);
    bool data = !head_only && len > 0;
    send_headers(c, s->id, &b, !data);
    ebb_strbuf_release(&b);
    s->dispatched = true;
    if (data) {
        ebb_strbuf_add(&s->q, body, len);
        s->end_queued = true;
    } else {
        sent_end(c, s);
    }
    if (ebb_strbuf_rc(&s->q) || ebb_strbuf_rc(&c->out))
        http_conn_kill(c);
}

/* Queues the HTTP/1.1 chunks a watch sent before it was bound as DATA. */
static bool unchunk(struct ebb_strbuf *q, const struct ebb_strbuf *pending)
{
    size_t i = 0;

    while (i < pending->len) {
        size_t n = 0;
        while (i < pending->len && isxdigit((unsigned char)pending->buf[i])) {
            int ch = pending->buf[i++];
            n = n * 16 + (size_t)(isdigit(ch) ? ch - '0' : (ch | 0x20) - 'a' + 10);
        }
        if (i + 2 > pending->len || n > pending->len - i - 2)
            return false;
        i += 2; /* CRLF */
        ebb_strbuf_add(q, pending->buf + i, n);
        i += n + 2;
    }
    return !ebb_strbuf_rc(q);
}

static void bind_watch(struct ks_http *h, struct http_conn *c, struct h2_stream *s,
                       const ks_resp *resp)
{
    ks_stream *st = resp->stream;
    struct ebb_strbuf b;

    ebb_strbuf_init(&b);
    head_block(h, &b, 200, resp, -1);
    send_headers(c, s->id, &b, false);
    ebb_strbuf_release(&b);
    s->dispatched = true;
    if (st->failed) { /* on_close was called in the handler */
        http_stream_free(st);
        h2_stream_reset(c, s, H2_INTERNAL_ERROR);
        return;
    }
    if (!unchunk(&s->q, &st->pending)) {
        http_stream_free(st);
        h2_stream_reset(c, s, H2_INTERNAL_ERROR);
        return;
    }
    if (st->ended) {
        http_stream_free(st);
        s->end_queued = true;
        return;
    }
    ebb_strbuf_release(&st->pending);
    st->c = c;
    st->h2s = s;
    s->st = st;
}

static void reply_error(struct ks_http *h, struct http_conn *c, struct h2_stream *s, int code)
{
    ks_resp r;

    http_resp_init(&r);
    if (code == 413) {
        http_resp_fill_too_large(&r, h->max_body);
    } else {
        r.status = code;
        snprintf(r.content_type, sizeof(r.content_type), "text/plain; charset=utf-8");
        ebb_strbuf_adds(&r.body, "431 Request Header Fields Too Large");
    }
    h->served++;
    respond(h, c, s, &r, false);
    http_resp_release(&r);
}

/* Builds the ks_req of s: path and query split, the fields, "host" from
 * :authority when the request had none. */
static struct http_req *build_req(struct http_conn *c, struct h2_stream *s)
{
    struct http_req *r = calloc(1, sizeof(*r));
    size_t extra = s->authority.len ? s->authority.len + 6 : 0;

    if (!r)
        return NULL;
    r->head = malloc(s->path.len + 1 + s->fields.len + extra);
    r->pub.headers = calloc(s->n_fields + 1, sizeof(*r->pub.headers));
    if (!r->head || !r->pub.headers)
        goto fail;
    memcpy(r->head, s->path.buf, s->path.len + 1);
    char *hash = strchr(r->head, '#');
    if (hash)
        *hash = '\0';
    char *qm = strchr(r->head, '?');
    if (qm)
        *qm++ = '\0';
    r->pub.path = r->head;
    r->pub.query = qm ? qm : r->head + strlen(r->head);
    char *f = r->head + s->path.len + 1;
    memcpy(f, s->fields.buf, s->fields.len);
    bool host = false;
    for (size_t i = 0; i < s->n_fields; i++) {
        r->pub.headers[i].name = f;
        f += strlen(f) + 1;
        r->pub.headers[i].value = f;
        f += strlen(f) + 1;
        host = host || strcmp(r->pub.headers[i].name, "host") == 0;
    }
    r->pub.n_headers = s->n_fields;
    if (!host && s->authority.len) {
        memcpy(f, "host", 5);
        memcpy(f + 5, s->authority.buf, s->authority.len + 1);
        r->pub.headers[r->pub.n_headers].name = f;
        r->pub.headers[r->pub.n_headers].value = f + 5;
        r->pub.n_headers++;
    }
    memcpy(r->pub.method, s->method, sizeof(r->pub.method));
    size_t blen = s->body.len;
    r->pub.body = ebb_strbuf_detach(&s->body, NULL);
    if (!r->pub.body)
        goto fail;
    r->pub.body_len = blen;
    if (ks_req_parse_query(&r->pub) != KS_OK)
        goto fail;
    r->pub.conn_id = c->id;
    r->pub.cert_user = c->cert_user;
    r->pub.cert_groups = c->cert_groups;
    r->pub.n_cert_groups = c->n_cert_groups;
    return r;
fail:
    http_req_free(r);
    return NULL;
}

/* The request of s is complete: the handler answers it. */
static void dispatch(struct ks_http *h, struct http_conn *c, struct h2_stream *s)
{
    const char *cl = NULL;
    for (size_t i = 0, off = 0; i < s->n_fields; i++) {
        const char *name = s->fields.buf + off;
        const char *value = name + strlen(name) + 1;
        off += strlen(name) + strlen(value) + 2;
        if (strcmp(name, "content-length") == 0)
            cl = value;
    }
    if (cl) {
        char *end = NULL;
        unsigned long long v = strtoull(cl, &end, 10);
        if (!isdigit((unsigned char)cl[0]) || *end || v != s->body.len) {
            h2_stream_reset(c, s, H2_PROTOCOL_ERROR); /* RFC 9113 8.1.1 */
            return;
        }
    }
    struct http_req *r = build_req(c, s);
    if (!r) {
        http_conn_kill(c);
        return;
    }
    ks_resp resp;
    http_resp_init(&resp);
    h->serving = c;
    h->handler(h->ud, &r->pub, &resp);
    h->serving = NULL;
    h->served++;
    if (!c->dead && !s->send_done) {
        if (resp.stream)
            bind_watch(h, c, s, &resp);
        else
            respond(h, c, s, &resp, strcmp(r->pub.method, "HEAD") == 0);
    } else if (resp.stream) {
        ks_stream *st = resp.stream;
        void (*cb)(void *) = st->failed || st->ended ? NULL : st->on_close;
        void *ud = st->ud;
        http_stream_free(st);
        if (cb)
            cb(ud);
    }
    if (h->latency_ms > 0)
        c->due = http_now(h) + h->latency_ms / 1000.0;
    http_resp_release(&resp);
    http_req_free(r);
}

void h2_headers_done(struct ks_http *h, struct http_conn *c, struct h2_stream *s, bool end_stream)
{
    if (s->headers_done) { /* trailers */
        if (s->bad) {
            h2_stream_reset(c, s, H2_PROTOCOL_ERROR);
            return;
        }
        s->recv_done = true;
        if (!s->dispatched)
            dispatch(h, c, s);
        return;
    }
    s->headers_done = true;
    if (!s->bad &&
        (!s->method[0] || !s->has_scheme || !s->path.len || strcmp(s->method, "CONNECT") == 0 ||
         (s->path.buf[0] != '/' && strcmp(s->path.buf, "*") != 0)))
        s->bad = true;
    if (s->bad) {
        h2_stream_reset(c, s, H2_PROTOCOL_ERROR);
        return;
    }
    if (end_stream)
        s->recv_done = true;
    if (s->head_too_big) {
        reply_error(h, c, s, 431);
        return;
    }
    if (end_stream) {
        dispatch(h, c, s);
        return;
    }
    /* Expect: 100-continue gets its interim 100 (RFC 9113 8.1). */
    for (size_t i = 0, off = 0; i < s->n_fields; i++) {
        const char *name = s->fields.buf + off;
        const char *value = name + strlen(name) + 1;
        off += strlen(name) + strlen(value) + 2;
        if (strcmp(name, "expect") == 0 && strcasecmp(value, "100-continue") == 0) {
            struct ebb_strbuf b;
            ebb_strbuf_init(&b);
            h2_hpack_encode(&b, ":status", "100");
            send_headers(c, s->id, &b, false);
            ebb_strbuf_release(&b);
            break;
        }
    }
}

void h2_data(struct ks_http *h, struct http_conn *c, struct h2_stream *s, const uint8_t *p,
             size_t n, bool end_stream)
{
    if (!s->headers_done) {
        h2_stream_reset(c, s, H2_PROTOCOL_ERROR);
        return;
    }
    if (end_stream)
        s->recv_done = true;
    if (s->dispatched) {
        return; /* answered already (413, 431): dropped */
    }
    if (n > h->max_body - s->body.len) {
        s->too_large = true;
        ebb_strbuf_release(&s->body);
        reply_error(h, c, s, 413);
        return;
    }
    ebb_strbuf_add(&s->body, p, n);
    if (ebb_strbuf_rc(&s->body)) {
        http_conn_kill(c);
        return;
    }
    if (end_stream)
        dispatch(h, c, s);
}

/* ---- sending DATA ----------------------------------------------------------------------- */

static size_t out_unsent(const struct http_conn *c)
{
    return c->out.len - c->out_off;
}

bool h2_flush(struct http_conn *c)
{
    struct h2_conn *h2 = c->h2;
    bool moved = false, progress = true;

    if (!h2 || c->dead)
        return false;
    while (progress && out_unsent(c) < H2_OUT_HIGH) {
        progress = false;
        for (size_t i = 0; i < h2->n_streams && out_unsent(c) < H2_OUT_HIGH; i++) {
            struct h2_stream *s = h2->streams[i];
            size_t left = s->q.len - s->q_off;
            if (s->send_done)
                continue;
            if (left == 0) {
                if (s->end_queued) {
                    h2_frame_head(&c->out, 0, H2_DATA, H2_F_END_STREAM, s->id);
                    sent_end(c, s);
                    moved = progress = true;
                }
                continue;
            }
            int64_t w = h2->send_window < s->send_window ? h2->send_window : s->send_window;
            if (w <= 0)
                continue;
            size_t n = left;
            if ((int64_t)n > w)
                n = (size_t)w;
            if (n > h2->peer_max_frame)
                n = h2->peer_max_frame;
            bool fin = s->end_queued && n == left;
            h2_frame_head(&c->out, n, H2_DATA, fin ? H2_F_END_STREAM : 0, s->id);
            ebb_strbuf_add(&c->out, s->q.buf + s->q_off, n);
            s->q_off += n;
            s->send_window -= (int64_t)n;
            h2->send_window -= (int64_t)n;
            moved = progress = true;
            if (fin) {
                sent_end(c, s);
            } else if (s->q_off == s->q.len) {
                ebb_strbuf_reset(&s->q);
                s->q_off = 0;
            } else if (s->q_off > (1u << 20) && s->q_off > s->q.len / 2) {
                memmove(s->q.buf, s->q.buf + s->q_off, s->q.len - s->q_off);
                s->q.len -= s->q_off;
                s->q.buf[s->q.len] = '\0';
                s->q_off = 0;
            }
        }
    }
    if (ebb_strbuf_rc(&c->out)) {
        http_conn_kill(c);
        return false;
    }
    h2_sweep(h2);
    return moved;
}

int h2_stream_send(ks_stream *st, const char *data, size_t len)
{
    struct h2_stream *s = st->h2s;
    struct http_conn *c = s->c;

    if (len == 0)
        return KS_OK;
    ebb_strbuf_add(&s->q, data, len);
    if (ebb_strbuf_rc(&s->q) || s->q.len - s->q_off > KS_HTTP_MAX_BACKLOG) {
        h2_stream_reset(c, s, H2_CANCEL); /* on_close; st is freed */
        h2_flush(c);
        return KS_EIO;
    }
    h2_flush(c);
    return c->dead ? KS_EIO : KS_OK;
}

void h2_stream_end(ks_stream *st)
{
    struct h2_stream *s = st->h2s;
    struct http_conn *c = s->c;

    s->st = NULL;
    http_stream_free(st);
    s->end_queued = true;
    h2_flush(c);
}
