/*
 * kubesim http: HTTP/2 (RFC 9113) as a server -- the connection preface,
 * the frame layer, SETTINGS, PING, GOAWAY, RST_STREAM, WINDOW_UPDATE and
 * the header blocks (HEADERS + CONTINUATION, decoded by http2_hpack.c).
 * What a stream does with its request and response is in http2_stream.c.
 *
 * http.c hands a connection here when ALPN chose "h2": h2_process reads
 * the frames from c->in and appends what we send to c->out, as the
 * HTTP/1.1 parser does. A connection error queues GOAWAY with its code,
 * closes every stream (on_close of the watches) and puts the connection
 * in CLOSING; a stream error sends RST_STREAM. Frames on streams that are
 * already closed are ignored (RFC 9113 5.1: they may be in flight), with
 * DATA still counted against the connection window.
 */
#include "http2_internal.h"

#include <stdlib.h>
#include <string.h>

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define PREFACE_LEN 24u

enum {
    SET_HEADER_TABLE_SIZE = 1,
    SET_ENABLE_PUSH = 2,
    SET_MAX_CONCURRENT_STREAMS = 3,
    SET_INITIAL_WINDOW_SIZE = 4,
    SET_MAX_FRAME_SIZE = 5,
    SET_MAX_HEADER_LIST_SIZE = 6,
};

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(struct ebb_strbuf *out, uint32_t v)
{
    char b[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
    ebb_strbuf_add(out, b, 4);
}

void h2_frame_head(struct ebb_strbuf *out, size_t len, uint8_t type, uint8_t flags, uint32_t id)
{
    char b[9] = {(char)(len >> 16), (char)(len >> 8), (char)len, (char)type, (char)flags};
    b[5] = (char)((id >> 24) & 0x7f);
    b[6] = (char)(id >> 16);
    b[7] = (char)(id >> 8);
    b[8] = (char)id;
    ebb_strbuf_add(out, b, 9);
}

static void setting(struct ebb_strbuf *out, uint16_t id, uint32_t v)
{
    char b[2] = {(char)(id >> 8), (char)id};
    ebb_strbuf_add(out, b, 2);
    put32(out, v);
}

static void window_update(struct ebb_strbuf *out, uint32_t id, uint32_t inc)
{
    h2_frame_head(out, 4, H2_WINDOW_UPDATE, 0, id);
    put32(out, inc & 0x7fffffffu);
}

/* ---- the connection --------------------------------------------------------------------- */

bool h2_conn_start(struct http_conn *c)
{
    struct h2_conn *h2 = calloc(1, sizeof(*h2));

    if (!h2)
        return false;
    h2_hpack_init(&h2->dec, H2_TABLE_SIZE);
    ebb_strbuf_init(&h2->block);
    h2->peer_max_frame = 16384;
    h2->peer_initial_window = 65535;
    h2->send_window = 65535;
    h2->recv_window = H2_CONN_WINDOW;
    c->h2 = h2;
    /* Our SETTINGS open the connection; then the connection window. */
    h2_frame_head(&c->out, 12, H2_SETTINGS, 0, 0);
    setting(&c->out, SET_MAX_CONCURRENT_STREAMS, H2_MAX_STREAMS);
    setting(&c->out, SET_INITIAL_WINDOW_SIZE, H2_STREAM_WINDOW);
    window_update(&c->out, 0, H2_CONN_WINDOW - 65535);
    return !ebb_strbuf_rc(&c->out);
}

void h2_conn_free(struct h2_conn *h2)
{
    if (!h2)
        return;
    for (size_t i = 0; i < h2->n_streams; i++) {
        struct h2_stream *s = h2->streams[i];
        http_stream_free(s->st); /* on_close was called by h2_conn_kill_streams */
        ebb_strbuf_release(&s->path);
        ebb_strbuf_release(&s->authority);
        ebb_strbuf_release(&s->fields);
        ebb_strbuf_release(&s->body);
        ebb_strbuf_release(&s->q);
        free(s);
    }
    free(h2->streams);
    h2_hpack_release(&h2->dec);
    ebb_strbuf_release(&h2->block);
    free(h2);
}

void h2_goaway(struct http_conn *c, enum h2_error code)
{
    struct h2_conn *h2 = c->h2;

    if (!h2 || h2->goaway_sent)
        return;
    h2->goaway_sent = true;
    h2_frame_head(&c->out, 8, H2_GOAWAY, 0, 0);
    put32(&c->out, h2->last_id);
    put32(&c->out, (uint32_t)code);
}

void h2_conn_error(struct http_conn *c, enum h2_error code)
{
    h2_goaway(c, code);
    h2_conn_kill_streams(c);
    c->in_off = c->in.len; /* nothing more is read */
    if (c->state != HTTP_C_LINGER)
        c->state = HTTP_C_CLOSING;
}

/* ---- frames ------------------------------------------------------------------------------ */

static void on_settings(struct http_conn *c, uint8_t flags, const uint8_t *p, size_t n)
{
    struct h2_conn *h2 = c->h2;

    if (flags & H2_F_ACK) {
        if (n != 0)
            h2_conn_error(c, H2_FRAME_SIZE_ERROR);
        return;
    }
    if (n % 6 != 0) {
        h2_conn_error(c, H2_FRAME_SIZE_ERROR);
        return;
    }
    for (size_t i = 0; i < n; i += 6) {
        unsigned id = (unsigned)p[i] << 8 | p[i + 1];
        uint32_t v = get32(p + i + 2);
        switch (id) {
        case SET_ENABLE_PUSH:
            if (v > 1) {
                h2_conn_error(c, H2_PROTOCOL_ERROR);
                return;
            }
            break;
        case SET_INITIAL_WINDOW_SIZE: {
            if (v > H2_WINDOW_MAX) {
                h2_conn_error(c, H2_FLOW_CONTROL_ERROR);
                return;
            }
            int64_t delta = (int64_t)v - h2->peer_initial_window;
            h2->peer_initial_window = v;
            for (size_t j = 0; j < h2->n_streams; j++) {
                struct h2_stream *s = h2->streams[j];
                s->send_window += delta;
                if (s->send_window > H2_WINDOW_MAX) {
                    h2_conn_error(c, H2_FLOW_CONTROL_ERROR);
                    return;
                }
            }
            break;
        }
        case SET_MAX_FRAME_SIZE:
            if (v < 16384 || v > 16777215) {
                h2_conn_error(c, H2_PROTOCOL_ERROR);
                return;
            }
            h2->peer_max_frame = v;
            break;
        default:
            /* HEADER_TABLE_SIZE: our encoder uses no dynamic table;
             * MAX_CONCURRENT_STREAMS: we open no streams (no push);
             * MAX_HEADER_LIST_SIZE: advisory; unknown ones are ignored. */
            break;
        }
    }
    h2->settings_seen = true;
    h2_frame_head(&c->out, 0, H2_SETTINGS, H2_F_ACK, 0);
}

static void on_window_update(struct http_conn *c, uint32_t id, const uint8_t *p, size_t n)
{
    struct h2_conn *h2 = c->h2;

    if (n != 4) {
        h2_conn_error(c, H2_FRAME_SIZE_ERROR);
        return;
    }
    uint32_t inc = get32(p) & 0x7fffffffu;
    if (id == 0) {
        if (inc == 0 || h2->send_window + inc > H2_WINDOW_MAX) {
            h2_conn_error(c, inc == 0 ? H2_PROTOCOL_ERROR : H2_FLOW_CONTROL_ERROR);
            return;
        }
        h2->send_window += inc;
        return;
    }
    if (id > h2->last_id) {
        h2_conn_error(c, H2_PROTOCOL_ERROR); /* an idle stream */
        return;
    }
    struct h2_stream *s = h2_stream_find(h2, id);
    if (!s || s->send_done)
        return; /* closed: ignored */
    if (inc == 0 || s->send_window + inc > H2_WINDOW_MAX) {
        h2_stream_reset(c, s, inc == 0 ? H2_PROTOCOL_ERROR : H2_FLOW_CONTROL_ERROR);
        return;
    }
    s->send_window += inc;
}

static void on_rst_stream(struct http_conn *c, uint32_t id, size_t n)
{
    struct h2_conn *h2 = c->h2;

    if (n != 4) {
        h2_conn_error(c, H2_FRAME_SIZE_ERROR);
        return;
    }
    if (id == 0 || id > h2->last_id) {
        h2_conn_error(c, H2_PROTOCOL_ERROR);
        return;
    }
    struct h2_stream *s = h2_stream_find(h2, id);
    if (s) {
        s->send_done = true; /* no RST_STREAM back */
        h2_stream_reset(c, s, H2_NO_ERROR);
    }
}

static void on_goaway(struct http_conn *c, size_t n)
{
    struct h2_conn *h2 = c->h2;

    if (n < 8) {
        h2_conn_error(c, H2_FRAME_SIZE_ERROR);
        return;
    }
    /* The client leaves: its watches end now (on_close); replies under
     * way still go out, and it closes the connection when it has them. */
    h2->peer_goaway = true;
    for (size_t i = 0; i < h2->n_streams; i++) {
        struct h2_stream *s = h2->streams[i];
        if (s->st)
            h2_stream_reset(c, s, H2_CANCEL);
    }
    h2_goaway(c, H2_NO_ERROR);
}

/* The header block of stream id is complete in h2->block. */
static void header_block(struct ks_http *h, struct http_conn *c, uint32_t id, uint8_t flags)
{
    struct h2_conn *h2 = c->h2;
    struct h2_stream *s = h2_stream_find(h2, id);
    bool end_stream = (flags & H2_F_END_STREAM) != 0;
    bool discard = false, ignore = false;

    if (s) {
        if (s->reset_sent) {
            ignore = true; /* trailers after our RST_STREAM (RFC 9113 5.1) */
        } else if (s->recv_done) {
            h2_conn_error(c, H2_STREAM_CLOSED);
            return;
        } else if (!end_stream) {
            s->bad = true; /* trailers must end the stream */
        }
    } else if (id <= h2->last_id) {
        h2_conn_error(c, H2_STREAM_CLOSED);
        return;
    } else {
        h2->last_id = id;
        if (h2->goaway_sent || h2_active_streams(h2) >= H2_MAX_STREAMS) {
            discard = true;
        } else {
            s = h2_stream_new(c, id);
            if (!s) {
                http_conn_kill(c);
                return;
            }
        }
    }
    /* Decoded even when discarded: the dynamic table must stay in step. */
    int rc = h2_hpack_decode(&h2->dec, (const uint8_t *)h2->block.buf, h2->block.len, h2_on_field,
                             discard || ignore ? NULL : s);
    ebb_strbuf_reset(&h2->block);
    if (rc < 0) {
        http_conn_kill(c);
        return;
    }
    if (rc) {
        h2_conn_error(c, H2_COMPRESSION_ERROR);
        return;
    }
    if (ignore)
        return;
    if (discard) {
        if (!h2->goaway_sent) {
            h2_frame_head(&c->out, 4, H2_RST_STREAM, 0, id);
            put32(&c->out, H2_REFUSED_STREAM);
        }
        return;
    }
    h2_headers_done(h, c, s, end_stream);
}

static void on_headers(struct ks_http *h, struct http_conn *c, uint32_t id, uint8_t flags,
                       const uint8_t *p, size_t n)
{
    struct h2_conn *h2 = c->h2;
    size_t pad = 0;

    if (id == 0 || (id & 1) == 0) {
        h2_conn_error(c, H2_PROTOCOL_ERROR);
        return;
    }
    if (flags & H2_F_PADDED) {
        if (n < 1) {
            h2_conn_error(c, H2_FRAME_SIZE_ERROR);
            return;
        }
        pad = p[0];
        p++;
        n--;
    }
    bool self_dep = false;
    if (flags & H2_F_PRIORITY) {
        if (n < 5) {
            h2_conn_error(c, H2_FRAME_SIZE_ERROR);
            return;
        }
        self_dep = (get32(p) & 0x7fffffffu) == id;
        p += 5;
        n -= 5;
    }
    if (pad > n) {
        h2_conn_error(c, H2_PROTOCOL_ERROR);
        return;
    }
    n -= pad;
    ebb_strbuf_reset(&h2->block);
    ebb_strbuf_add(&h2->block, p, n);
    if (ebb_strbuf_rc(&h2->block)) {
        http_conn_kill(c);
        return;
    }
    if (!(flags & H2_F_END_HEADERS)) {
        h2->cont_id = id;
        h2->cont_flags = flags;
        return;
    }
    header_block(h, c, id, flags);
    if (self_dep && !c->dead && c->state == HTTP_C_READING) {
        struct h2_stream *s = h2_stream_find(h2, id);
        if (s)
            h2_stream_reset(c, s, H2_PROTOCOL_ERROR);
    }
}

static void on_continuation(struct ks_http *h, struct http_conn *c, uint32_t id, uint8_t flags,
                            const uint8_t *p, size_t n)
{
    struct h2_conn *h2 = c->h2;

    if (h2->cont_id == 0 || id != h2->cont_id) {
        h2_conn_error(c, H2_PROTOCOL_ERROR);
        return;
    }
    if (h2->block.len + n > H2_MAX_BLOCK) {
        h2_conn_error(c, H2_ENHANCE_YOUR_CALM);
        return;
    }
    ebb_strbuf_add(&h2->block, p, n);
    if (ebb_strbuf_rc(&h2->block)) {
        http_conn_kill(c);
        return;
    }
    if (flags & H2_F_END_HEADERS) {
        h2->cont_id = 0;
        header_block(h, c, id, h2->cont_flags);
    }
}

static void on_data(struct ks_http *h, struct http_conn *c, uint32_t id, uint8_t flags,
                    const uint8_t *p, size_t n)
{
    struct h2_conn *h2 = c->h2;
    size_t flow = n, pad = 0;

    if (id == 0) {
        h2_conn_error(c, H2_PROTOCOL_ERROR);
        return;
    }
    if (flags & H2_F_PADDED) {
        if (n < 1) {
            h2_conn_error(c, H2_FRAME_SIZE_ERROR);
            return;
        }
        pad = p[0];
        p++;
        n--;
        if (pad > n) {
            h2_conn_error(c, H2_PROTOCOL_ERROR);
            return;
        }
        n -= pad;
    }
    if ((int64_t)flow > h2->recv_window) {
        h2_conn_error(c, H2_FLOW_CONTROL_ERROR);
        return;
    }
    /* What arrived is consumed at once (kept or dropped): the window
     * opens again by as much. */
    if (flow > 0)
        window_update(&c->out, 0, (uint32_t)flow);
    if (id > h2->last_id) {
        h2_conn_error(c, H2_PROTOCOL_ERROR); /* an idle stream */
        return;
    }
    struct h2_stream *s = h2_stream_find(h2, id);
    if (!s)
        return; /* closed: dropped */
    /* RFC 9113 5.1: after our RST_STREAM (an early reply, a 413) the peer
     * may still have DATA in flight; it is ignored, not answered with
     * STREAM_CLOSED. The connection window was opened above. */
    if (s->reset_sent)
        return;
    if (s->recv_done) {
        h2_stream_reset(c, s, H2_STREAM_CLOSED);
        return;
    }
    if ((int64_t)flow > s->recv_window) {
        h2_stream_reset(c, s, H2_FLOW_CONTROL_ERROR);
        return;
    }
    bool end = (flags & H2_F_END_STREAM) != 0;
    if (flow > 0 && !end)
        window_update(&c->out, id, (uint32_t)flow);
    h2_data(h, c, s, p, n, end);
}

/* One whole frame. */
static void frame(struct ks_http *h, struct http_conn *c, uint8_t type, uint8_t flags, uint32_t id,
                  const uint8_t *p, size_t n)
{
    struct h2_conn *h2 = c->h2;

    if (h2->cont_id && type != H2_CONTINUATION) {
        h2_conn_error(c, H2_PROTOCOL_ERROR);
        return;
    }
    if (!h2->settings_seen && type != H2_SETTINGS) {
        h2_conn_error(c, H2_PROTOCOL_ERROR); /* the preface ends with SETTINGS */
        return;
    }
    switch (type) {
    case H2_DATA:
        on_data(h, c, id, flags, p, n);
        break;
    case H2_HEADERS:
        on_headers(h, c, id, flags, p, n);
        break;
    case H2_PRIORITY:
        if (id == 0)
            h2_conn_error(c, H2_PROTOCOL_ERROR);
        else if (n != 5)
            h2_conn_error(c, H2_FRAME_SIZE_ERROR);
        break; /* otherwise ignored */
    case H2_RST_STREAM:
        on_rst_stream(c, id, n);
        break;
    case H2_SETTINGS:
        if (id != 0)
            h2_conn_error(c, H2_PROTOCOL_ERROR);
        else if (!h2->settings_seen && (flags & H2_F_ACK))
            h2_conn_error(c, H2_PROTOCOL_ERROR);
        else
            on_settings(c, flags, p, n);
        break;
    case H2_PUSH_PROMISE:
        h2_conn_error(c, H2_PROTOCOL_ERROR); /* a client never pushes */
        break;
    case H2_PING:
        if (id != 0) {
            h2_conn_error(c, H2_PROTOCOL_ERROR);
        } else if (n != 8) {
            h2_conn_error(c, H2_FRAME_SIZE_ERROR);
        } else if (!(flags & H2_F_ACK)) {
            h2_frame_head(&c->out, 8, H2_PING, H2_F_ACK, 0);
            ebb_strbuf_add(&c->out, p, 8);
        }
        break;
    case H2_GOAWAY:
        if (id != 0)
            h2_conn_error(c, H2_PROTOCOL_ERROR);
        else
            on_goaway(c, n);
        break;
    case H2_WINDOW_UPDATE:
        on_window_update(c, id, p, n);
        break;
    case H2_CONTINUATION:
        on_continuation(h, c, id, flags, p, n);
        break;
    default:
        break; /* unknown types are ignored */
    }
}

void h2_process(struct ks_http *h, struct http_conn *c)
{
    struct h2_conn *h2 = c->h2;

    h2->busy++;
    if (!h2->preface_done) {
        size_t avail = c->in.len - c->in_off;
        size_t cmp = avail < PREFACE_LEN ? avail : PREFACE_LEN;
        if (memcmp(c->in.buf + c->in_off, preface, cmp) != 0) {
            h2_conn_error(c, H2_PROTOCOL_ERROR);
        } else if (avail >= PREFACE_LEN) {
            c->in_off += PREFACE_LEN;
            h2->preface_done = true;
        }
    }
    while (h2->preface_done && !c->dead && c->state == HTTP_C_READING) {
        const uint8_t *b = (const uint8_t *)c->in.buf + c->in_off;
        size_t avail = c->in.len - c->in_off;
        if (avail < 9)
            break;
        size_t len = (size_t)b[0] << 16 | (size_t)b[1] << 8 | b[2];
        if (len > H2_MAX_FRAME) {
            h2_conn_error(c, H2_FRAME_SIZE_ERROR);
            break;
        }
        if (avail < 9 + len)
            break;
        c->in_off += 9 + len;
        frame(h, c, b[3], b[4], get32(b + 5) & 0x7fffffffu, b + 9, len);
        if (!c->dead && ebb_strbuf_rc(&c->out))
            http_conn_kill(c);
    }
    h2->busy--;
    if (!c->dead)
        h2_flush(c);
}
