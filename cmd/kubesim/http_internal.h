/*
 * kubesim http: what http.c (server, sockets, TLS), http_parse.c (request
 * parsing, ks_req_*) and http_resp.c (response heads, ks_resp_*, streams)
 * share. Not for other modules: they use ks.h.
 */
#ifndef KUBESIM_HTTP_INTERNAL_H
#define KUBESIM_HTTP_INTERNAL_H

#include "ks.h"

#include <poll.h>

#include <openssl/ssl.h>

#define KS_HTTP_MAX_HEAD 65536u           /* request head above: 431 */
#define KS_HTTP_DEFAULT_MAX_BODY 3145728u /* 3 MiB, like kube-apiserver */
#define KS_HTTP_MAX_BACKLOG (16u << 20)   /* unsent stream bytes above: drop */
#define KS_HTTP_CL_LIMIT 2048u            /* Go's bufferBeforeChunkingSize */
#define KS_HTTP_LINGER_S 2.0              /* draining after an error reply */
#define KS_HTTP_HANDSHAKE_S 10.0          /* a TLS handshake must finish within */

/* A request as http.c builds it. */
struct http_req {
    ks_req pub;
    char *head; /* the request head copy; path, query, headers point into it */
};

/* Parser results. */
enum http_parse_rc {
    HTTP_P_MORE = 0,      /* need more bytes */
    HTTP_P_DONE = 1,      /* c->req complete */
    HTTP_P_BAD = -400,    /* malformed: 400 and close */
    HTTP_P_TOOBIG = -413, /* body above max_body */
    HTTP_P_HEAD = -431,   /* head above KS_HTTP_MAX_HEAD */
    HTTP_P_TE = -501,     /* unsupported Transfer-Encoding */
    HTTP_P_NOMEM = -500,  /* out of memory: close */
};

enum http_body_phase {
    HTTP_B_NONE,       /* reading the head */
    HTTP_B_LENGTH,     /* Content-Length body */
    HTTP_B_CHUNK_SIZE, /* chunked: size line */
    HTTP_B_CHUNK_DATA,
    HTTP_B_CHUNK_CRLF,
    HTTP_B_TRAILER,
};

struct http_parser {
    enum http_body_phase phase;
    struct http_req *req; /* being built; NULL while reading a head */
    struct ebb_strbuf body;
    size_t remaining;     /* Content-Length left, or of the current chunk */
    bool keep_alive;      /* from version and Connection */
    bool expect_continue; /* 100 Continue owed before the body */
};

enum http_conn_state {
    HTTP_C_HANDSHAKE,
    HTTP_C_READING,   /* between or inside requests */
    HTTP_C_STREAMING, /* a watch stream owns the connection */
    HTTP_C_CLOSING,   /* last response queued; close when flushed */
    HTTP_C_LINGER,    /* error reply sent: drain input, then close */
};

struct http_conn {
    struct ks_http *h;
    int fd;
    SSL *ssl;
    uint64_t id;
    enum http_conn_state state;
    bool dead;          /* closed: waits for the sweep to free it */
    bool eof;           /* the peer went away */
    bool write_blocked; /* SSL_write wants POLLOUT */
    bool io_wants_read; /* a write or handshake wants POLLIN */
    bool io_wants_write;
    bool has_work;   /* buffered input to parse (after a stream ended) */
    bool req_close;  /* the current request asked for Connection: close */
    double due;      /* output held until this real time (latency) */
    double deadline; /* of the HANDSHAKE or the LINGER */

    struct ebb_strbuf in;
    size_t in_off;
    struct ebb_strbuf out;
    size_t out_off;

    struct http_parser p;
    ks_stream *stream;
    struct h2_conn *h2; /* ALPN chose "h2": http2.c runs the connection */

    char *cert_user;
    char **cert_groups;
    size_t n_cert_groups;
};

struct ks_stream {
    struct http_conn *c; /* NULL until bound after the handler returned */
    void (*on_close)(void *ud);
    void *ud;
    struct ebb_strbuf pending; /* chunks sent before binding */
    bool ended;                /* ks_stream_end before binding */
    bool failed;               /* a send failed before binding: on_close done */
    struct h2_stream *h2s;     /* bound to an HTTP/2 stream (http2_stream.c) */
};

struct ks_http {
    SSL_CTX *ctx;
    BIO_METHOD *bio_meth;
    int lfd;
    int port;
    size_t max_body;
    ks_handler_fn handler;
    void *ud;

    struct http_conn **conns;
    size_t n_conns, cap_conns;
    struct pollfd *pfds;
    size_t cap_pfds;
    uint64_t next_id;

    int latency_ms;
    struct http_conn *serving; /* the connection whose request the handler runs */
    double refuse_until;
    uint64_t served;

    double base_real; /* now_real at the start of this poll */
    double base_mono;

    uint64_t rng[2];
    char flowschema_uid[37];
    char priority_uid[37];
};

/* ---- http.c ---- */
/* Real time now: the now_real of this poll plus the time since. */
double http_now(const struct ks_http *h);
/* Marks c closed now (on_close of its stream called); freed by the sweep. */
void http_conn_kill(struct http_conn *c);

/* ---- http_tls.c ---- */
/* The server context from the options; NULL with a message in err. */
SSL_CTX *http_tls_ctx(const struct ks_http_opts *o, char *err, size_t errlen);
/* The socket BIO's method (BIO data: the fd). */
BIO_METHOD *http_tls_bio_method(void);
/* Fills c->cert_user/cert_groups from a verified client certificate. */
void http_tls_identity(struct http_conn *c);

/* ---- http_parse.c ---- */
/* Parses from c->in; on HTTP_P_DONE c->p.req is the request (the caller
 * takes it, see http_req_free). */
enum http_parse_rc http_parse(struct http_conn *c, size_t max_body);
void http_parser_reset(struct http_parser *p);
void http_req_free(struct http_req *r);

/* ---- http_resp.c ---- */
void http_resp_init(ks_resp *resp);
void http_resp_release(ks_resp *resp);
/* Appends the whole response (head + body) for resp to out. */
void http_resp_write(struct ks_http *h, struct ebb_strbuf *out, const ks_resp *resp, bool head_only,
                     bool close);
/* The head of a chunked stream response. */
void http_resp_write_stream_head(struct ks_http *h, struct ebb_strbuf *out, const ks_resp *resp);
/* The response fields in Go's order (status line, Date and framing
 * aside): up to 16 into hs, pointing into resp, h and audit. */
size_t http_resp_fields(struct ks_http *h, int status, const ks_resp *resp, struct ks_header *hs,
                        char audit[37]);
/* The Date value now (IMF-fixdate). */
void http_resp_date(struct ks_http *h, char out[40]);
/* What is sent for resp: status 0 becomes the 404 Status, a status out
 * of range 500. */
void http_resp_effective(const ks_resp *resp, int *status, const char **body, size_t *len);
/* resp becomes the kube-apiserver 413 Status reply. */
void http_resp_fill_too_large(ks_resp *resp, size_t limit);
/* Go's net/http plain error replies ("400 Bad Request" ...), close after. */
void http_resp_write_raw_error(struct ebb_strbuf *out, int code);
/* The kube-apiserver 413 Status reply. */
void http_resp_write_too_large(struct ks_http *h, struct ebb_strbuf *out, size_t limit);
/* Appends one chunk ("%zx\r\n" data "\r\n"). */
void http_chunk_add(struct ebb_strbuf *out, const char *data, size_t len);
/* Binds a stream created during the handler to c. */
void http_stream_bind(struct http_conn *c, ks_stream *st);
void http_stream_free(ks_stream *st);
void http_uuid(struct ks_http *h, char out[37]);

#endif
