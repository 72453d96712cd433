/*
 * kubesim http: HTTP/2 (RFC 9113) over the same TLS connections as
 * HTTP/1.1, chosen by ALPN "h2". http2.c runs the frames and streams,
 * http2_hpack.c the header compression (RFC 7541). Not for other modules:
 * handlers see the same ks_req / ks_resp / ks_stream as over HTTP/1.1.
 */
#ifndef KUBESIM_HTTP2_INTERNAL_H
#define KUBESIM_HTTP2_INTERNAL_H

#include "http_internal.h"

/* Error codes (RFC 9113 section 7). */
enum h2_error {
    H2_NO_ERROR = 0x0,
    H2_PROTOCOL_ERROR = 0x1,
    H2_INTERNAL_ERROR = 0x2,
    H2_FLOW_CONTROL_ERROR = 0x3,
    H2_SETTINGS_TIMEOUT = 0x4,
    H2_STREAM_CLOSED = 0x5,
    H2_FRAME_SIZE_ERROR = 0x6,
    H2_REFUSED_STREAM = 0x7,
    H2_CANCEL = 0x8,
    H2_COMPRESSION_ERROR = 0x9,
    H2_ENHANCE_YOUR_CALM = 0xb,
};

/* What kubesim announces. */
#define H2_MAX_STREAMS 1000u        /* SETTINGS_MAX_CONCURRENT_STREAMS */
#define H2_STREAM_WINDOW (1u << 20) /* SETTINGS_INITIAL_WINDOW_SIZE */
#define H2_CONN_WINDOW (16u << 20)  /* the connection window, raised at once */
#define H2_TABLE_SIZE 4096u         /* SETTINGS_HEADER_TABLE_SIZE (default) */
#define H2_MAX_FRAME 16384u         /* SETTINGS_MAX_FRAME_SIZE (default) */
#define H2_MAX_BLOCK (256u << 10)   /* a header block above: GOAWAY */
#define H2_OUT_HIGH (512u << 10)    /* DATA waits while this much is unsent */

/* ---- http2_hpack.c ---- */

struct hpack_entry {
    char *name; /* name and value in one allocation */
    char *value;
    size_t nlen, vlen;
};

struct h2_hpack {
    struct hpack_entry *ents; /* ents[0] is the newest */
    size_t n, cap;
    size_t size;     /* RFC 7541 4.1: sum of name + value + 32 */
    size_t max_size; /* current, set by size updates */
    size_t limit;    /* what our SETTINGS allow */
};

/* A decoded field; the strings are NUL-terminated and live until the
 * callback returns. Returns 0 to go on, non-zero to stop with that. */
typedef int (*h2_field_fn)(void *ud, const char *name, size_t nlen, const char *value, size_t vlen);

void h2_hpack_init(struct h2_hpack *d, size_t limit);
void h2_hpack_release(struct h2_hpack *d);
/* Decodes one whole header block. Returns 0, H2_COMPRESSION_ERROR on a
 * bad block (the connection is then unusable), -1 when out of memory, or
 * what the callback returned. */
int h2_hpack_decode(struct h2_hpack *d, const uint8_t *p, size_t n, h2_field_fn fn, void *ud);
/* Huffman (RFC 7541 5.2, Appendix B): decode appends to out; returns 0,
 * H2_COMPRESSION_ERROR (bad padding, EOS in the string) or -1 (memory). */
int h2_huff_decode(const uint8_t *p, size_t n, struct ebb_strbuf *out);
void h2_huff_encode(const uint8_t *p, size_t n, struct ebb_strbuf *out);
/* Encoding of our fields: literal without indexing, no Huffman; the name
 * is written lower-case. */
void h2_hpack_encode(struct ebb_strbuf *out, const char *name, const char *value);
void h2_hpack_encode_int(struct ebb_strbuf *out, uint8_t first, unsigned prefix_bits, size_t v);

/* ---- http2.c (frames, the connection), http2_stream.c (requests,
 * responses, DATA and flow control) ---- */

enum h2_frame_type {
    H2_DATA = 0x0,
    H2_HEADERS = 0x1,
    H2_PRIORITY = 0x2,
    H2_RST_STREAM = 0x3,
    H2_SETTINGS = 0x4,
    H2_PUSH_PROMISE = 0x5,
    H2_PING = 0x6,
    H2_GOAWAY = 0x7,
    H2_WINDOW_UPDATE = 0x8,
    H2_CONTINUATION = 0x9,
};

#define H2_F_END_STREAM 0x1u
#define H2_F_ACK 0x1u
#define H2_F_END_HEADERS 0x4u
#define H2_F_PADDED 0x8u
#define H2_F_PRIORITY 0x20u
#define H2_WINDOW_MAX 0x7fffffff

struct h2_stream {
    struct http_conn *c;
    uint32_t id;
    bool recv_done;    /* END_STREAM received (or the stream was reset) */
    bool headers_done; /* the request's header block was decoded */
    bool dispatched;   /* answered (handler or error reply) */
    bool end_queued;   /* END_STREAM goes after the queued DATA */
    bool send_done;    /* END_STREAM or RST_STREAM sent */
    bool reset_sent;   /* we sent RST_STREAM: the peer's frames are ignored */
    bool bad;          /* malformed request: RST_STREAM PROTOCOL_ERROR */
    bool regular_seen; /* a regular field came: no more pseudo-fields */
    bool too_large;    /* the body passed max_body: 413 */
    bool head_too_big; /* the fields passed KS_HTTP_MAX_HEAD: 431 */
    bool has_scheme;
    int64_t send_window;
    int64_t recv_window;
    /* the request */
    char method[16];
    struct ebb_strbuf path;      /* :path */
    struct ebb_strbuf authority; /* :authority */
    struct ebb_strbuf fields;    /* regular fields, "name\0value\0" each */
    size_t n_fields;
    size_t list_size; /* RFC 9113 6.5.2 size of the decoded fields */
    struct ebb_strbuf body;
    /* the response: DATA not sent yet */
    struct ebb_strbuf q;
    size_t q_off;
    ks_stream *st; /* a bound watch stream */
};

struct h2_conn {
    struct h2_hpack dec;
    bool preface_done;
    bool settings_seen; /* the client's first SETTINGS */
    bool goaway_sent;
    bool peer_goaway;
    uint32_t last_id;   /* highest client stream id seen */
    uint32_t cont_id;   /* a header block waits for CONTINUATION on it */
    uint8_t cont_flags; /* the HEADERS frame's flags */
    struct ebb_strbuf block;
    uint32_t peer_max_frame;
    int64_t peer_initial_window;
    int64_t send_window; /* the connection's, for our DATA */
    int64_t recv_window;
    int busy; /* inside h2_process: streams are not swept */
    struct h2_stream **streams;
    size_t n_streams, cap_streams;
};

/* After a handshake that chose "h2": the state and our SETTINGS queued.
 * False when out of memory. */
bool h2_conn_start(struct http_conn *c);
void h2_conn_free(struct h2_conn *h2);
/* Frames from c->in: requests dispatched, replies queued on c->out. */
void h2_process(struct ks_http *h, struct http_conn *c);
/* Moves queued DATA to c->out as the windows allow. True when it moved
 * something. */
bool h2_flush(struct http_conn *c);
/* The connection is going away: on_close of every open stream. */
void h2_conn_kill_streams(struct http_conn *c);
/* Queues GOAWAY(code) unless one was sent. */
void h2_goaway(struct http_conn *c, enum h2_error code);
/* ks_stream_send / ks_stream_end of a stream bound to an h2 stream. */
int h2_stream_send(ks_stream *st, const char *data, size_t len);
void h2_stream_end(ks_stream *st);

/* Shared by http2.c and http2_stream.c. */
void h2_frame_head(struct ebb_strbuf *out, size_t len, uint8_t type, uint8_t flags, uint32_t id);
void h2_conn_error(struct http_conn *c, enum h2_error code);
/* RST_STREAM (unless the stream already ended) and on_close. */
void h2_stream_reset(struct http_conn *c, struct h2_stream *s, enum h2_error code);
struct h2_stream *h2_stream_find(const struct h2_conn *h2, uint32_t id);
struct h2_stream *h2_stream_new(struct http_conn *c, uint32_t id);
size_t h2_active_streams(const struct h2_conn *h2);
void h2_sweep(struct h2_conn *h2);
/* The header block of s is complete (request head or trailers). */
void h2_headers_done(struct ks_http *h, struct http_conn *c, struct h2_stream *s, bool end_stream);
/* DATA payload for s (padding removed). */
void h2_data(struct ks_http *h, struct http_conn *c, struct h2_stream *s, const uint8_t *p,
             size_t n, bool end_stream);
/* The header block callback (ud: the stream, or NULL to discard). */
int h2_on_field(void *ud, const char *name, size_t nlen, const char *value, size_t vlen);

#endif
