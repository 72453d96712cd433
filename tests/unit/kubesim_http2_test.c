/*
 * kubesim http2.c: HTTP/2 over the TLS server, driven from the same thread by
 * libcurl's multi interface (h2 by ALPN) and by a raw h2 client for bad frames,
 * alternating with ks_http_poll; and HPACK against RFC 7541 Appendix C.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../../cmd/kubesim/ks.h"
#include "kubesim_tls_fixture.h"

#include "../../cmd/kubesim/http2_internal.h"
/* ---- the fixture and its handler -------------------------------------------------------- */

#define MAX_STREAMS 256

struct fx {
    struct ks_tls_pems pems;
    ks_http *h;
    CURLM *multi;
    int port;
    char method[16];
    char path[256];
    char query_a[64];
    char host[128];
    char *body;
    size_t body_len;
    uint64_t conn_ids[MAX_STREAMS];
    int handled;
    ks_stream *streams[MAX_STREAMS];
    int n_streams;
    int closed[MAX_STREAMS];
    int stream_ud[MAX_STREAMS];
};

static void on_close(void *ud)
{
    int *slot = ud;
    struct fx *fx = (struct fx *)((char *)(slot - *slot) - offsetof(struct fx, stream_ud));
    fx->closed[*slot]++;
    fx->streams[*slot] = NULL;
}

static void handler(void *ud, const ks_req *req, ks_resp *resp)
{
    struct fx *fx = ud;

    if (fx->handled < MAX_STREAMS)
        fx->conn_ids[fx->handled] = req->conn_id;
    fx->handled++;
    snprintf(fx->method, sizeof(fx->method), "%s", req->method);
    snprintf(fx->path, sizeof(fx->path), "%s", req->path);
    const char *a = ks_req_query(req, "a");
    snprintf(fx->query_a, sizeof(fx->query_a), "%s", a ? a : "");
    const char *host = ks_req_header(req, "Host");
    snprintf(fx->host, sizeof(fx->host), "%s", host ? host : "");
    free(fx->body);
    fx->body = malloc(req->body_len + 1);
    assert_non_null(fx->body);
    memcpy(fx->body, req->body, req->body_len + 1);
    fx->body_len = req->body_len;

    if (strcmp(req->path, "/small") == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", "Small");
        ks_resp_json(resp, 200, o);
        cJSON_Delete(o);
    } else if (strncmp(req->path, "/size/", 6) == 0) {
        size_t n = strtoul(req->path + 6, NULL, 10);
        resp->status = 200;
        for (size_t i = 0; i < n; i++)
            ebb_strbuf_addch(&resp->body, (char)('a' + i % 26));
    } else if (strcmp(req->path, "/echo") == 0) {
        resp->status = 201;
        snprintf(resp->content_type, sizeof(resp->content_type), "text/plain; charset=utf-8");
        ebb_strbuf_add(&resp->body, req->body, req->body_len);
    } else if (strcmp(req->path, "/hdr") == 0) {
        ks_resp_header(resp, "Retry-After", "%d", 3);
        resp->status = 429;
        ebb_strbuf_adds(&resp->body, "{}\n");
    } else if (strcmp(req->path, "/watch") == 0 || strcmp(req->path, "/watch-now") == 0) {
        int slot = fx->n_streams++;
        assert_true(slot < MAX_STREAMS);
        fx->stream_ud[slot] = slot;
        ks_stream *st = ks_resp_stream(resp, on_close, &fx->stream_ud[slot]);
        assert_non_null(st);
        fx->streams[slot] = st;
        if (strcmp(req->path, "/watch-now") == 0) {
            assert_int_equal(ks_stream_send(st, "{\"type\":\"ERROR\"}\n", 17), 0);
            ks_stream_end(st);
            fx->streams[slot] = NULL;
        }
    }
}

static void fx_start(struct fx *fx, size_t max_body)
{
    char err[256];
    struct ks_http_opts o = {.bind_addr = "127.0.0.1",
                             .cert_pem = fx->pems.srv_cert,
                             .key_pem = fx->pems.srv_key,
                             .ca_pem = fx->pems.ca,
                             .max_body = max_body,
                             .handler = handler,
                             .ud = fx};
    fx->h = ks_http_new(&o, err, sizeof(err));
    if (!fx->h)
        fail_msg("ks_http_new: %s", err);
    fx->port = ks_http_port(fx->h);
    fx->multi = curl_multi_init();
    assert_non_null(fx->multi);
    curl_multi_setopt(fx->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 1000L);
    curl_multi_setopt(fx->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
}

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    ks_tls_pems_make(&fx->pems);
    fx_start(fx, 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    curl_multi_cleanup(fx->multi);
    ks_http_free(fx->h);
    ks_tls_pems_free(&fx->pems);
    free(fx->body);
    free(fx);
    return 0;
}

/* ---- a curl client (HTTP/2 by ALPN) --------------------------------------------------- */

static void xfer_init(struct fx *fx, struct ks_xfer *x, const char *path)
{
    char url[512];
    memset(x, 0, sizeof(*x));
    x->e = curl_easy_init();
    assert_non_null(x->e);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", fx->port, path);
    curl_easy_setopt(x->e, CURLOPT_URL, url);
    struct curl_blob ca = {fx->pems.ca, strlen(fx->pems.ca), CURL_BLOB_COPY};
    curl_easy_setopt(x->e, CURLOPT_CAINFO_BLOB, &ca);
    curl_easy_setopt(x->e, CURLOPT_WRITEFUNCTION, ks_xfer_on_data);
    curl_easy_setopt(x->e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->e, CURLOPT_HEADERFUNCTION, ks_xfer_on_head);
    curl_easy_setopt(x->e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(x->e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->e, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(x->e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(x->e, CURLOPT_PIPEWAIT, 1L);
}

static void run(struct fx *fx, double max_s, bool (*stop)(void *ud))
{
    ks_xfer_run(fx->multi, fx->h, max_s, stop, fx);
}

static CURLcode perform(struct fx *fx, struct ks_xfer *x)
{
    curl_multi_add_handle(fx->multi, x->e);
    run(fx, 30, NULL);
    curl_multi_remove_handle(fx->multi, x->e);
    assert_true(x->done);
    return x->rc;
}

static void assert_h2(struct ks_xfer *x)
{
    long v = 0;
    curl_easy_getinfo(x->e, CURLINFO_HTTP_VERSION, &v);
    assert_int_equal(v, CURL_HTTP_VERSION_2_0);
}

/* ---- a raw h2 client ------------------------------------------------------------------ */

struct rawc {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
    struct ebb_strbuf in;
    bool closed;
};

static void raw_open(struct fx *fx, struct rawc *r)
{
    memset(r, 0, sizeof(*r));
    ebb_strbuf_init(&r->in);
    r->ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(r->ctx);
    static const unsigned char alpn[] = "\x02h2";
    SSL_CTX_set_alpn_protos(r->ctx, alpn, 3);
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(r->fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fx->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) | O_NONBLOCK);
    r->ssl = SSL_new(r->ctx);
    assert_non_null(r->ssl);
    SSL_set_fd(r->ssl, r->fd);
    SSL_set_connect_state(r->ssl);
    double end = ks_tls_now() + 5;
    while (ks_tls_now() < end) {
        assert_int_equal(ks_http_poll(fx->h, 1, ks_tls_now()), 0);
        if (SSL_do_handshake(r->ssl) == 1)
            break;
    }
    assert_true(SSL_is_init_finished(r->ssl));
    const unsigned char *sel = NULL;
    unsigned sel_len = 0;
    SSL_get0_alpn_selected(r->ssl, &sel, &sel_len);
    assert_int_equal(sel_len, 2);
    assert_memory_equal(sel, "h2", 2);
}

/* Sends data and reads for up to max_s (or until the server closes). */
static void raw_io(struct fx *fx, struct rawc *r, const void *data, size_t len, double max_s)
{
    size_t sent = 0;
    char buf[16384];
    double end = ks_tls_now() + max_s;

    while (ks_tls_now() < end && !r->closed) {
        while (sent < len) {
            size_t n = len - sent > 16384 ? 16384 : len - sent;
            int w = SSL_write(r->ssl, (const char *)data + sent, (int)n);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        if (fx->h)
            assert_int_equal(ks_http_poll(fx->h, 1, ks_tls_now()), 0);
        for (;;) {
            int n = SSL_read(r->ssl, buf, sizeof(buf));
            if (n > 0) {
                ebb_strbuf_add(&r->in, buf, (size_t)n);
                continue;
            }
            int e = SSL_get_error(r->ssl, n);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                r->closed = true;
            break;
        }
        if (!fx->h)
            usleep(1000);
    }
    ERR_clear_error();
}

static void raw_close(struct rawc *r)
{
    SSL_free(r->ssl);
    close(r->fd);
    SSL_CTX_free(r->ctx);
    ebb_strbuf_release(&r->in);
}

static void add_frame(struct ebb_strbuf *b, uint8_t type, uint8_t flags, uint32_t id,
                      const void *payload, size_t len)
{
    h2_frame_head(b, len, type, flags, id);
    ebb_strbuf_add(b, payload, len);
}

static const char client_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* The preface and an empty SETTINGS. */
static void add_start(struct ebb_strbuf *b)
{
    ebb_strbuf_add(b, client_preface, 24);
    add_frame(b, H2_SETTINGS, 0, 0, "", 0);
}

/* A GET request's HEADERS (END_HEADERS; END_STREAM too). */
static void add_get(struct ebb_strbuf *b, uint32_t id, const char *path)
{
    struct ebb_strbuf blk;
    ebb_strbuf_init(&blk);
    h2_hpack_encode(&blk, ":method", "GET");
    h2_hpack_encode(&blk, ":scheme", "https");
    h2_hpack_encode(&blk, ":path", path);
    h2_hpack_encode(&blk, ":authority", "kubesim.test");
    add_frame(b, H2_HEADERS, H2_F_END_HEADERS | H2_F_END_STREAM, id, blk.buf, blk.len);
    ebb_strbuf_release(&blk);
}

/* The n-th frame of type in what the server sent: its flags, stream and
 * payload; false when there is none. */
static bool find_frame(const struct ebb_strbuf *in, uint8_t type, int nth, uint8_t *flags,
                       uint32_t *id, const uint8_t **payload, size_t *len)
{
    const uint8_t *p = (const uint8_t *)in->buf;
    size_t off = 0;
    while (off + 9 <= in->len) {
        size_t n = (size_t)p[off] << 16 | (size_t)p[off + 1] << 8 | p[off + 2];
        if (off + 9 + n > in->len)
            break;
        if (p[off + 3] == type && nth-- == 0) {
            *flags = p[off + 4];
            *id = ((uint32_t)p[off + 5] << 24 | (uint32_t)p[off + 6] << 16 |
                   (uint32_t)p[off + 7] << 8 | p[off + 8]) &
                  0x7fffffffu;
            *payload = p + off + 9;
            *len = n;
            return true;
        }
        off += 9 + n;
    }
    return false;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The error code of the server's GOAWAY, or -1 when it sent none. */
static long goaway_code(const struct ebb_strbuf *in)
{
    uint8_t flags;
    uint32_t id;
    const uint8_t *p;
    size_t n;
    if (!find_frame(in, H2_GOAWAY, 0, &flags, &id, &p, &n) || n < 8)
        return -1;
    return (long)be32(p + 4);
}

/* ---- requests over curl --------------------------------------------------------------- */

static void test_get_small(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;

    xfer_init(fx, &x, "/small?a=b%20c");
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_h2(&x);
    assert_int_equal(ks_xfer_status(&x), 200);
    assert_string_equal(x.body, "{\"kind\":\"Small\"}\n");
    assert_non_null(strstr(x.head, "HTTP/2 200"));
    assert_non_null(strstr(x.head, "\r\naudit-id: "));
    assert_non_null(strstr(x.head, "\r\ncontent-type: application/json\r\n"));
    assert_non_null(strstr(x.head, "\r\ncontent-length: 17\r\n"));
    assert_non_null(strstr(x.head, "\r\ndate: "));
    assert_null(strstr(x.head, "transfer-encoding"));
    assert_null(strstr(x.head, "connection"));
    assert_string_equal(fx->method, "GET");
    assert_string_equal(fx->path, "/small");
    assert_string_equal(fx->query_a, "b c");
    char host[64];
    snprintf(host, sizeof(host), "127.0.0.1:%d", fx->port);
    assert_string_equal(fx->host, host); /* from :authority */
    ks_xfer_free(&x);

    /* extra headers and a 404 for the unknown */
    xfer_init(fx, &x, "/hdr");
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 429);
    assert_non_null(strstr(x.head, "\r\nretry-after: 3\r\n"));
    ks_xfer_free(&x);
    xfer_init(fx, &x, "/nothing");
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 404);
    assert_non_null(strstr(x.body, "\"reason\":\"NotFound\""));
    ks_xfer_free(&x);

    /* HEAD: the length, no body */
    xfer_init(fx, &x, "/size/5000");
    curl_easy_setopt(x.e, CURLOPT_NOBODY, 1L);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_non_null(strstr(x.head, "\r\ncontent-length: 5000\r\n"));
    assert_int_equal(x.len, 0);
    ks_xfer_free(&x);
}

static void test_get_large(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;
    size_t n = 3u << 20; /* above every window: flow control */

    char path[64];
    snprintf(path, sizeof(path), "/size/%zu", n);
    xfer_init(fx, &x, path);
    curl_easy_setopt(x.e, CURLOPT_BUFFERSIZE, 1024L); /* a slow reader */
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_h2(&x);
    assert_int_equal(ks_xfer_status(&x), 200);
    assert_int_equal(x.len, n);
    for (size_t i = 0; i < n; i += 4099)
        assert_int_equal(x.body[i], (char)('a' + i % 26));
    ks_xfer_free(&x);
}

static void test_post_body(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;
    size_t n = 2u << 20;
    char *data = malloc(n);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('A' + i % 23);

    xfer_init(fx, &x, "/echo");
    x.hdrs = curl_slist_append(NULL, "Expect: 100-continue");
    curl_easy_setopt(x.e, CURLOPT_HTTPHEADER, x.hdrs);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDSIZE, (long)n);
    curl_easy_setopt(x.e, CURLOPT_EXPECT_100_TIMEOUT_MS, 5000L);
    double t0 = ks_tls_now();
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_true(ks_tls_now() - t0 < 4.0);
    assert_h2(&x);
    assert_int_equal(ks_xfer_status(&x), 201);
    assert_string_equal(fx->method, "POST");
    assert_int_equal(fx->body_len, n);
    assert_memory_equal(fx->body, data, n);
    assert_int_equal(x.len, n);
    assert_memory_equal(x.body, data, n);
    ks_xfer_free(&x);
    free(data);
}

static void test_too_large(void **state)
{
    struct fx *fx = *state;
    ks_http_free(fx->h);
    curl_multi_cleanup(fx->multi);
    fx_start(fx, 1000);

    static char data[5000];
    memset(data, 'x', sizeof(data));
    struct ks_xfer x;
    xfer_init(fx, &x, "/echo");
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDSIZE, (long)sizeof(data));
    perform(fx, &x);
    assert_int_equal(ks_xfer_status(&x), 413);
    assert_non_null(strstr(x.body, "\"message\":\"Request entity too large: limit is 1000\""));
    assert_int_equal(fx->handled, 0);
    ks_xfer_free(&x);

    /* the connection still serves */
    xfer_init(fx, &x, "/small");
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 200);
    ks_xfer_free(&x);

    /* A body past curl's first 64 KB: the 413 goes out while curl still
     * uploads, with RST_STREAM(NO_ERROR) as the real server (Go's
     * net/http2) sends it (RFC 9113 8.1). libcurl 7.x then fails the
     * transfer ("stream N closed", CURLE_HTTP2_STREAM) before it hands
     * over the response; 8.x reports the 413. Either way the DATA still
     * in flight is dropped and the connection serves on. */
    size_t big_len = 300 * 1024;
    char *big = malloc(big_len);
    assert_non_null(big);
    memset(big, 'y', big_len);
    xfer_init(fx, &x, "/echo");
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDS, big);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDSIZE, (long)big_len);
    CURLcode rc = perform(fx, &x);
    if (rc == CURLE_OK)
        assert_int_equal(ks_xfer_status(&x), 413);
    else
        assert_int_equal(rc, CURLE_HTTP2_STREAM);
    ks_xfer_free(&x);
    free(big);
    xfer_init(fx, &x, "/small");
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 200);
    ks_xfer_free(&x);
    assert_int_equal(fx->handled, 2); /* the two /small */
    assert_true(fx->conn_ids[1] == fx->conn_ids[0]);
}

/* RFC 9113 5.1: frames on a stream kubesim reset are ignored. Stream 1 is
 * reset (PROTOCOL_ERROR: a connection-specific field) as soon as its
 * HEADERS come; its DATA and trailers, already on the way in the same
 * read, get neither a second RST_STREAM(STREAM_CLOSED) nor a connection
 * error, and the DATA still counts against the connection window. */
static void test_frames_after_reset(void **state)
{
    struct fx *fx = *state;
    struct ebb_strbuf out, blk;
    static char chunk[4000];

    ebb_strbuf_init(&out);
    ebb_strbuf_init(&blk);
    add_start(&out);
    h2_hpack_encode(&blk, ":method", "POST");
    h2_hpack_encode(&blk, ":scheme", "https");
    h2_hpack_encode(&blk, ":path", "/echo");
    h2_hpack_encode(&blk, ":authority", "kubesim.test");
    h2_hpack_encode(&blk, "connection", "close"); /* malformed in h2 */
    add_frame(&out, H2_HEADERS, H2_F_END_HEADERS, 1, blk.buf, blk.len);
    ebb_strbuf_reset(&blk);
    memset(chunk, 'z', sizeof(chunk));
    add_frame(&out, H2_DATA, 0, 1, chunk, sizeof(chunk));
    add_frame(&out, H2_DATA, 0, 1, chunk, sizeof(chunk));
    h2_hpack_encode(&blk, "x-trailer", "yes");
    add_frame(&out, H2_HEADERS, H2_F_END_HEADERS | H2_F_END_STREAM, 1, blk.buf, blk.len);
    ebb_strbuf_release(&blk);
    add_get(&out, 3, "/small");

    struct rawc r;
    raw_open(fx, &r);
    raw_io(fx, &r, out.buf, out.len, 1.0);

    uint8_t flags;
    uint32_t id;
    const uint8_t *p;
    size_t n;
    int resets = 0;
    for (int i = 0; find_frame(&r.in, H2_RST_STREAM, i, &flags, &id, &p, &n); i++) {
        assert_int_equal(id, 1);
        assert_int_equal(n, 4);
        assert_int_equal(be32(p), H2_PROTOCOL_ERROR);
        resets++;
    }
    assert_int_equal(resets, 1);
    /* the connection window: our opening raise, then the two DATA */
    uint64_t opened = 0;
    for (int i = 0; find_frame(&r.in, H2_WINDOW_UPDATE, i, &flags, &id, &p, &n); i++) {
        if (id == 0 && n == 4)
            opened += be32(p);
    }
    assert_int_equal(opened, (H2_CONN_WINDOW - 65535u) + 2 * sizeof(chunk));
    assert_int_equal(goaway_code(&r.in), -1);
    assert_true(find_frame(&r.in, H2_HEADERS, 0, &flags, &id, &p, &n));
    assert_int_equal(id, 3);
    assert_int_equal(fx->handled, 1);
    assert_string_equal(fx->path, "/small");
    raw_close(&r);
    ebb_strbuf_release(&out);
}

/* ---- streams ---------------------------------------------------------------------------- */

static bool stream_open(void *ud)
{
    struct fx *fx = ud;
    return fx->n_streams > 0;
}

static bool four_streams(void *ud)
{
    struct fx *fx = ud;
    return fx->n_streams >= 4;
}

static void test_watch(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;

    xfer_init(fx, &x, "/watch");
    curl_multi_add_handle(fx->multi, x.e);
    run(fx, 5, stream_open);
    assert_int_equal(fx->n_streams, 1);
    for (int i = 0; i < 3; i++) {
        char ev[64];
        int n = snprintf(ev, sizeof(ev), "{\"type\":\"ADDED\",\"n\":%d}\n", i);
        assert_int_equal(ks_stream_send(fx->streams[0], ev, (size_t)n), 0);
    }
    ks_stream_end(fx->streams[0]);
    fx->streams[0] = NULL;
    run(fx, 10, NULL);
    curl_multi_remove_handle(fx->multi, x.e);
    assert_true(x.done);
    assert_int_equal(x.rc, CURLE_OK);
    assert_h2(&x);
    assert_int_equal(ks_xfer_status(&x), 200);
    assert_string_equal(x.body, "{\"type\":\"ADDED\",\"n\":0}\n{\"type\":\"ADDED\",\"n\":1}\n"
                                "{\"type\":\"ADDED\",\"n\":2}\n");
    assert_null(strstr(x.head, "content-length"));
    assert_int_equal(fx->closed[0], 0);
    ks_xfer_free(&x);

    /* sent and ended inside the handler */
    xfer_init(fx, &x, "/watch-now");
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_string_equal(x.body, "{\"type\":\"ERROR\"}\n");
    assert_int_equal(fx->closed[1], 0);
    ks_xfer_free(&x);
}

static void test_cancel(void **state)
{
    struct fx *fx = *state;
    struct rawc r;
    struct ebb_strbuf b;
    uint8_t flags;
    uint32_t id;
    const uint8_t *p;
    size_t n;

    /* RST_STREAM from the client: on_close once, the connection lives on */
    raw_open(fx, &r);
    ebb_strbuf_init(&b);
    add_start(&b);
    add_get(&b, 1, "/watch");
    raw_io(fx, &r, b.buf, b.len, 0.3);
    assert_int_equal(fx->n_streams, 1);
    assert_int_equal(ks_stream_send(fx->streams[0], "{\"e\":1}\n", 8), 0);
    raw_io(fx, &r, NULL, 0, 0.2);
    assert_true(find_frame(&r.in, H2_HEADERS, 0, &flags, &id, &p, &n));
    assert_int_equal(id, 1);
    assert_false(flags & H2_F_END_STREAM);
    assert_true(find_frame(&r.in, H2_DATA, 0, &flags, &id, &p, &n));
    assert_int_equal(n, 8);
    assert_memory_equal(p, "{\"e\":1}\n", 8);
    ebb_strbuf_reset(&b);
    add_frame(&b, H2_RST_STREAM, 0, 1, "\0\0\0\x08", 4);
    add_get(&b, 3, "/small");
    raw_io(fx, &r, b.buf, b.len, 0.3);
    assert_int_equal(fx->closed[0], 1);
    assert_null(fx->streams[0]);
    assert_true(find_frame(&r.in, H2_HEADERS, 1, &flags, &id, &p, &n));
    assert_int_equal(id, 3);
    assert_int_equal(goaway_code(&r.in), -1);

    /* GOAWAY from the client ends its watches */
    ebb_strbuf_reset(&b);
    add_get(&b, 5, "/watch");
    raw_io(fx, &r, b.buf, b.len, 0.3);
    assert_int_equal(fx->n_streams, 2);
    ebb_strbuf_reset(&b);
    add_frame(&b, H2_GOAWAY, 0, 0, "\0\0\0\0\0\0\0\0", 8);
    raw_io(fx, &r, b.buf, b.len, 0.3);
    assert_int_equal(fx->closed[1], 1);
    raw_close(&r);

    /* the connection dropped: on_close */
    raw_open(fx, &r);
    ebb_strbuf_reset(&b);
    add_start(&b);
    add_get(&b, 1, "/watch");
    raw_io(fx, &r, b.buf, b.len, 0.3);
    assert_int_equal(fx->n_streams, 3);
    raw_close(&r);
    for (int i = 0; i < 100 && !fx->closed[2]; i++)
        assert_int_equal(ks_http_poll(fx->h, 5, ks_tls_now()), 0);
    assert_int_equal(fx->closed[2], 1);

    /* curl leaving a watch */
    struct ks_xfer x;
    xfer_init(fx, &x, "/watch");
    curl_multi_add_handle(fx->multi, x.e);
    run(fx, 5, four_streams);
    assert_int_equal(fx->n_streams, 4);
    curl_multi_remove_handle(fx->multi, x.e);
    ks_xfer_free(&x);
    curl_multi_cleanup(fx->multi); /* closes the connection */
    fx->multi = curl_multi_init();
    assert_non_null(fx->multi);
    for (int i = 0; i < 100 && !fx->closed[3]; i++)
        assert_int_equal(ks_http_poll(fx->h, 5, ks_tls_now()), 0);
    assert_int_equal(fx->closed[3], 1);
    for (int i = 0; i < 4; i++)
        assert_int_equal(fx->closed[i], 1);
    ebb_strbuf_release(&b);
}

static bool all_streams(void *ud)
{
    struct fx *fx = ud;
    return fx->n_streams == 100;
}

static void test_concurrent(void **state)
{
    struct fx *fx = *state;
    enum { N = 100 };
    struct ks_xfer *xs = calloc(2 * N, sizeof(*xs));
    assert_non_null(xs);

    /* one connection first, then 100 watches and 100 GETs multiplexed on it */
    xfer_init(fx, &xs[0], "/small");
    assert_int_equal(perform(fx, &xs[0]), CURLE_OK);
    ks_xfer_free(&xs[0]);
    fx->handled = 0;
    for (int i = 0; i < N; i++) {
        xfer_init(fx, &xs[i], "/watch");
        curl_multi_add_handle(fx->multi, xs[i].e);
    }
    run(fx, 20, all_streams);
    assert_int_equal(fx->n_streams, N);
    for (int i = 0; i < N; i++) {
        char path[32];
        /* one DATA frame each: libcurl 7.88 can leave a multi-frame reply
         * unread when many streams finish in one read */
        snprintf(path, sizeof(path), "/size/%d", 2000 + i);
        xfer_init(fx, &xs[N + i], path);
        curl_multi_add_handle(fx->multi, xs[N + i].e);
    }
    for (int i = 0; i < N; i++) {
        char ev[32];
        int n = snprintf(ev, sizeof(ev), "{\"i\":%d}\n", i);
        assert_int_equal(ks_stream_send(fx->streams[i], ev, (size_t)n), 0);
        ks_stream_end(fx->streams[i]);
        fx->streams[i] = NULL;
    }
    run(fx, 30, NULL);
    assert_int_equal(fx->handled, 2 * N);
    for (int i = 1; i < 2 * N; i++)
        assert_int_equal(fx->conn_ids[i], fx->conn_ids[0]); /* one connection */
    for (int i = 0; i < 2 * N; i++) {
        assert_true(xs[i].done);
        assert_int_equal(xs[i].rc, CURLE_OK);
        assert_h2(&xs[i]);
        if (i < N) {
            assert_int_equal(fx->closed[i], 0);
            assert_non_null(xs[i].body);
            assert_memory_equal(xs[i].body, "{\"i\":", 5); /* its one event */
        } else {
            assert_int_equal(xs[i].len, (size_t)(2000 + i - N));
        }
        curl_multi_remove_handle(fx->multi, xs[i].e);
        ks_xfer_free(&xs[i]);
    }
    free(xs);
}

/* ---- HPACK -------------------------------------------------------------------------------- */

struct fields {
    char text[1024]; /* "name: value\n" each */
};

static int collect(void *ud, const char *name, size_t nlen, const char *value, size_t vlen)
{
    struct fields *f = ud;
    size_t l = strlen(f->text);
    snprintf(f->text + l, sizeof(f->text) - l, "%.*s: %.*s\n", (int)nlen, name, (int)vlen, value);
    return 0;
}

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        sscanf(p, "%2x", &v);
        out[n++] = (uint8_t)v;
        p += 2;
    }
    return n;
}

struct hpack_case {
    const char *hex;
    const char *fields;
    size_t table_size;
    size_t n_entries;
};

static void run_hpack(const struct hpack_case *cases, size_t n, size_t limit)
{
    struct h2_hpack d;
    h2_hpack_init(&d, limit);
    for (size_t i = 0; i < n; i++) {
        uint8_t buf[512];
        struct fields f = {{0}};
        size_t len = unhex(cases[i].hex, buf);
        assert_int_equal(h2_hpack_decode(&d, buf, len, collect, &f), 0);
        assert_string_equal(f.text, cases[i].fields);
        assert_int_equal(d.size, cases[i].table_size);
        assert_int_equal(d.n, cases[i].n_entries);
    }
    h2_hpack_release(&d);
}

static void test_hpack_requests(void **state)
{
    (void)state;
    /* RFC 7541 C.3 (no Huffman) and C.4 (Huffman): one connection each. */
    static const struct hpack_case c3[] = {
        {"8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
         ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n", 57, 1},
        {"8286 84be 5808 6e6f 2d63 6163 6865",
         ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n"
         "cache-control: no-cache\n",
         110, 2},
        {"8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
         ":method: GET\n:scheme: https\n:path: /index.html\n:authority: www.example.com\n"
         "custom-key: custom-value\n",
         164, 3},
    };
    static const struct hpack_case c4[] = {
        {"8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
         ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n", 57, 1},
        {"8286 84be 5886 a8eb 1064 9cbf",
         ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n"
         "cache-control: no-cache\n",
         110, 2},
        {"8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
         ":method: GET\n:scheme: https\n:path: /index.html\n:authority: www.example.com\n"
         "custom-key: custom-value\n",
         164, 3},
    };
    run_hpack(c3, 3, 4096);
    run_hpack(c4, 3, 4096);
}

static void test_hpack_eviction(void **state)
{
    (void)state;
    /* RFC 7541 C.5 (no Huffman) and C.6 (Huffman): responses with a
     * 256-byte table, entries evicted as new ones come. */
    static const struct hpack_case c5[] = {
        {"4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 "
         "2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 "
         "6c65 2e63 6f6d",
         ":status: 302\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:21 GMT\n"
         "location: https://www.example.com\n",
         222, 4},
        {"4803 3330 37c1 c0bf",
         ":status: 307\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:21 GMT\n"
         "location: https://www.example.com\n",
         222, 4},
        {"88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d "
         "54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 "
         "5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e "
         "3d31",
         ":status: 200\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:22 GMT\n"
         "location: https://www.example.com\ncontent-encoding: gzip\n"
         "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1\n",
         215, 3},
    };
    static const struct hpack_case c6[] = {
        {"4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 "
         "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
         ":status: 302\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:21 GMT\n"
         "location: https://www.example.com\n",
         222, 4},
        {"4883 640e ffc1 c0bf",
         ":status: 307\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:21 GMT\n"
         "location: https://www.example.com\n",
         222, 4},
        {"88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab "
         "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f "
         "9587 3160 65c0 03ed 4ee5 b106 3d50 07",
         ":status: 200\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:22 GMT\n"
         "location: https://www.example.com\ncontent-encoding: gzip\n"
         "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1\n",
         215, 3},
    };
    run_hpack(c5, 3, 256);
    run_hpack(c6, 3, 256);

    /* a size update to 0 empties the table; above the limit is an error */
    struct h2_hpack d;
    struct fields f = {{0}};
    uint8_t buf[512];
    h2_hpack_init(&d, 256);
    size_t n = unhex(c5[0].hex, buf);
    assert_int_equal(h2_hpack_decode(&d, buf, n, collect, &f), 0);
    assert_int_equal(d.n, 4);
    assert_int_equal(h2_hpack_decode(&d, (const uint8_t *)"\x20", 1, collect, &f), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.size, 0);
    assert_int_equal(h2_hpack_decode(&d, (const uint8_t *)"\x3f\xe2\x1f", 3, collect, &f),
                     H2_COMPRESSION_ERROR); /* 4096 > 256 */
    /* a size update after a field */
    assert_int_equal(h2_hpack_decode(&d, (const uint8_t *)"\x82\x20", 2, collect, &f),
                     H2_COMPRESSION_ERROR);
    /* index 0, and past the table */
    assert_int_equal(h2_hpack_decode(&d, (const uint8_t *)"\x80", 1, collect, &f),
                     H2_COMPRESSION_ERROR);
    assert_int_equal(h2_hpack_decode(&d, (const uint8_t *)"\xbe", 1, collect, &f),
                     H2_COMPRESSION_ERROR);
    /* a string longer than the block; an integer that never ends */
    assert_int_equal(h2_hpack_decode(&d,
                                     (const uint8_t *)"\x40\x05"
                                                      "ab",
                                     4, collect, &f),
                     H2_COMPRESSION_ERROR);
    assert_int_equal(
        h2_hpack_decode(&d, (const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff", 7, collect, &f),
        H2_COMPRESSION_ERROR);
    h2_hpack_release(&d);
}

static void test_huffman(void **state)
{
    (void)state;
    struct ebb_strbuf enc, dec;
    uint8_t all[256];

    ebb_strbuf_init(&enc);
    ebb_strbuf_init(&dec);
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    h2_huff_encode(all, 256, &enc);
    assert_int_equal(h2_huff_decode((const uint8_t *)enc.buf, enc.len, &dec), 0);
    assert_int_equal(dec.len, 256);
    assert_memory_equal(dec.buf, all, 256);

    /* RFC 7541 C.4.1 */
    static const struct {
        const char *hex, *text;
    } vec[] = {
        {"f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com"},
        {"a8eb 1064 9cbf", "no-cache"},
        {"25a8 49e9 5ba9 7d7f", "custom-key"},
        {"25a8 49e9 5bb8 e8b4 bf", "custom-value"},
        {"6402", "302"},
        {"aec3 771a 4b", "private"},
        {"d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff", "Mon, 21 Oct 2013 20:13:21 GMT"},
        {"9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3", "https://www.example.com"},
        {"9bd9 ab", "gzip"},
    };
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        uint8_t buf[64];
        size_t n = unhex(vec[i].hex, buf);
        ebb_strbuf_reset(&dec);
        assert_int_equal(h2_huff_decode(buf, n, &dec), 0);
        assert_string_equal(dec.buf, vec[i].text);
        ebb_strbuf_reset(&enc);
        h2_huff_encode((const uint8_t *)vec[i].text, strlen(vec[i].text), &enc);
        assert_int_equal(enc.len, n);
        assert_memory_equal(enc.buf, buf, n);
    }
    /* bad: EOS inside, padding of zeros, padding of 8 bits and more */
    static const char *const bad[] = {"ffff ffff", "18" /* 'a' + 000 */,
                                      "f1e3 c2e5 f23a 6ba0 ab90 f4ff ff"};
    for (size_t i = 0; i < 3; i++) {
        uint8_t buf[64];
        size_t n = unhex(bad[i], buf);
        ebb_strbuf_reset(&dec);
        assert_int_equal(h2_huff_decode(buf, n, &dec), H2_COMPRESSION_ERROR);
    }
    ebb_strbuf_release(&enc);
    ebb_strbuf_release(&dec);
}

/* ---- bad input -------------------------------------------------------------------------- */

static void test_malformed(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *what;
        const char *bytes; /* after the preface + SETTINGS unless raw */
        size_t len;
        bool raw;
        long code;
    } cases[] = {
        {"bad preface", "GET / HTTP/1.1\r\n\r\n                 ", 34, true, H2_PROTOCOL_ERROR},
        {"PING first",
         "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\x08\x06\0\0\0\0\0"
         "12345678",
         41, true, H2_PROTOCOL_ERROR},
        {"frame above 16384", "\0\x50\0\0\0\0\0\0\x01", 9, false, H2_FRAME_SIZE_ERROR},
        {"PING of 4", "\0\0\x04\x06\0\0\0\0\0abcd", 13, false, H2_FRAME_SIZE_ERROR},
        {"HEADERS on 0", "\0\0\x01\x01\x05\0\0\0\0\x82", 10, false, H2_PROTOCOL_ERROR},
        {"HEADERS on 2", "\0\0\x01\x01\x05\0\0\0\x02\x82", 10, false, H2_PROTOCOL_ERROR},
        {"index 0", "\0\0\x01\x01\x05\0\0\0\x01\x80", 10, false, H2_COMPRESSION_ERROR},
        {"lone CONTINUATION", "\0\0\x01\x09\x04\0\0\0\x01\x82", 10, false, H2_PROTOCOL_ERROR},
        {"DATA inside a header block", "\0\0\x01\x01\x00\0\0\0\x01\x82\0\0\x01\0\0\0\0\0\x01x", 20,
         false, H2_PROTOCOL_ERROR},
        {"DATA on an idle stream", "\0\0\x01\0\0\0\0\0\x05x", 10, false, H2_PROTOCOL_ERROR},
        {"window overflow", "\0\0\x04\x08\0\0\0\0\0\x7f\xff\xff\xff", 13, false,
         H2_FLOW_CONTROL_ERROR},
        {"MAX_FRAME_SIZE 100", "\0\0\x06\x04\0\0\0\0\0\0\x05\0\0\0\x64", 15, false,
         H2_PROTOCOL_ERROR},
        {"SETTINGS of 5", "\0\0\x05\x04\0\0\0\0\0\0\x05\0\0\0", 14, false, H2_FRAME_SIZE_ERROR},
        {"PUSH_PROMISE", "\0\0\x04\x05\x04\0\0\0\x01\0\0\0\x02", 13, false, H2_PROTOCOL_ERROR},
        {"RST_STREAM on idle", "\0\0\x04\x03\0\0\0\0\x07\0\0\0\x08", 13, false, H2_PROTOCOL_ERROR},
        {"padding past the end", "\0\0\x02\x01\x0d\0\0\0\x01\x05\x82", 11, false,
         H2_PROTOCOL_ERROR},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rawc r;
        struct ebb_strbuf b;
        ebb_strbuf_init(&b);
        if (!cases[i].raw)
            add_start(&b);
        ebb_strbuf_add(&b, cases[i].bytes, cases[i].len);
        raw_open(fx, &r);
        raw_io(fx, &r, b.buf, b.len, 1.0);
        long code = goaway_code(&r.in);
        if (code != cases[i].code)
            fail_msg("%s: GOAWAY code %ld, want %ld", cases[i].what, code, cases[i].code);
        assert_true(r.closed);
        raw_close(&r);
        ebb_strbuf_release(&b);
    }

    /* PING is answered; a malformed request is a stream error only */
    struct rawc r;
    struct ebb_strbuf b, blk;
    uint8_t flags;
    uint32_t id;
    const uint8_t *p;
    size_t n;
    ebb_strbuf_init(&b);
    ebb_strbuf_init(&blk);
    add_start(&b);
    add_frame(&b, H2_PING, 0, 0, "pingpong", 8);
    h2_hpack_encode(&blk, ":method", "GET");
    h2_hpack_encode(&blk, ":path", "/small"); /* no :scheme */
    add_frame(&b, H2_HEADERS, H2_F_END_HEADERS | H2_F_END_STREAM, 1, blk.buf, blk.len);
    ebb_strbuf_reset(&blk);
    h2_hpack_encode(&blk, ":method", "GET");
    h2_hpack_encode(&blk, ":scheme", "https");
    h2_hpack_encode(&blk, ":path", "/small");
    ebb_strbuf_add(&blk, "\0\x05Upper\x01x", 9); /* an upper-case name */
    add_frame(&b, H2_HEADERS, H2_F_END_HEADERS | H2_F_END_STREAM, 3, blk.buf, blk.len);
    add_frame(&b, H2_PRIORITY, 0, 5, "\0\0\0\0\x10", 5);
    add_get(&b, 7, "/small");
    raw_open(fx, &r);
    raw_io(fx, &r, b.buf, b.len, 0.5);
    assert_true(find_frame(&r.in, H2_PING, 0, &flags, &id, &p, &n));
    assert_int_equal(flags, H2_F_ACK);
    assert_memory_equal(p, "pingpong", 8);
    assert_true(find_frame(&r.in, H2_RST_STREAM, 0, &flags, &id, &p, &n));
    assert_int_equal(id, 1);
    assert_int_equal(be32(p), H2_PROTOCOL_ERROR);
    assert_true(find_frame(&r.in, H2_RST_STREAM, 1, &flags, &id, &p, &n));
    assert_int_equal(id, 3);
    assert_true(find_frame(&r.in, H2_HEADERS, 0, &flags, &id, &p, &n));
    assert_int_equal(id, 7);
    assert_int_equal(goaway_code(&r.in), -1);
    assert_int_equal(fx->handled, 1);
    raw_close(&r);
    ebb_strbuf_release(&b);
    ebb_strbuf_release(&blk);
}

static void test_fuzz(void **state)
{
    struct fx *fx = *state;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint8_t buf[4096];

    /* HPACK blocks of random bytes, and mutated valid ones */
    struct h2_hpack d;
    h2_hpack_init(&d, 4096);
    for (int it = 0; it < 20000; it++) {
        size_t n = 0;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        n = seed % 64;
        for (size_t i = 0; i < n; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            buf[i] = (uint8_t)(seed >> 24);
        }
        struct fields f = {{0}};
        int rc = h2_hpack_decode(&d, buf, n, collect, &f);
        assert_true(rc == 0 || rc == H2_COMPRESSION_ERROR);
        assert_true(d.size <= d.max_size);
        if (rc)
            h2_hpack_init((h2_hpack_release(&d), &d), 4096);
    }
    h2_hpack_release(&d);

    /* connections fed random frames, whole and cut short */
    for (int conn = 0; conn < 40; conn++) {
        struct ebb_strbuf b;
        ebb_strbuf_init(&b);
        add_start(&b);
        if (conn % 2)
            add_get(&b, 1, "/small");
        for (int fr = 0; fr < 8; fr++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            size_t len = seed % 40;
            uint8_t type = (uint8_t)((seed >> 8) % 11);
            uint8_t flags = (uint8_t)(seed >> 16);
            uint32_t id = (uint32_t)((seed >> 24) % 8);
            for (size_t i = 0; i < len; i++) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                buf[i] = (uint8_t)(seed >> 32);
            }
            add_frame(&b, type, flags, id, buf, len);
        }
        if (conn % 3 == 0)
            b.len -= (seed % 9) + 1; /* truncated */
        struct rawc r;
        raw_open(fx, &r);
        raw_io(fx, &r, b.buf, b.len, 0.1);
        raw_close(&r);
        ebb_strbuf_release(&b);
    }
    /* still serving */
    struct ks_xfer x;
    xfer_init(fx, &x, "/small");
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 200);
    ks_xfer_free(&x);
}

static void test_graceful_goaway(void **state)
{
    struct fx *fx = *state;
    struct rawc r;
    struct ebb_strbuf b;

    ebb_strbuf_init(&b);
    add_start(&b);
    add_get(&b, 1, "/watch");
    add_get(&b, 3, "/small");
    raw_open(fx, &r);
    raw_io(fx, &r, b.buf, b.len, 0.3);
    assert_int_equal(fx->n_streams, 1);
    ks_http_free(fx->h);
    fx->h = NULL;
    assert_int_equal(fx->closed[0], 1);
    raw_io(fx, &r, NULL, 0, 0.3);
    uint8_t flags;
    uint32_t id;
    const uint8_t *p;
    size_t n;
    assert_true(find_frame(&r.in, H2_GOAWAY, 0, &flags, &id, &p, &n));
    assert_int_equal(be32(p), 3); /* the last stream we saw */
    assert_int_equal(be32(p + 4), H2_NO_ERROR);
    raw_close(&r);
    ebb_strbuf_release(&b);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frames_after_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
        cmocka_unit_test(test_hpack_requests),
        cmocka_unit_test(test_hpack_eviction),
        cmocka_unit_test(test_huffman),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graceful_goaway, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
