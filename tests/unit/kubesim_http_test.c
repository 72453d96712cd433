/*
 * kubesim http.c: the TLS HTTP/1.1 server, driven from the same thread by
 * libcurl's multi interface and by a small non-blocking OpenSSL client
 * (for raw bytes), alternating with ks_http_poll.
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

/* ---- the fixture and its handler -------------------------------------------------------- */

#define MAX_STREAMS 1100

struct fx {
    struct ks_tls_pems pems;
    ks_http *h;
    CURLM *multi;
    int port;
    /* what the handler saw last */
    char method[16];
    char path[256];
    char *body;
    size_t body_len;
    char user[64];
    char groups[128];
    int n_groups;
    bool had_user;
    char q[8][64];
    bool q_null[8];
    uint64_t conn_id;
    char copy_amp[64];
    int handled;
    /* streams */
    ks_stream *streams[MAX_STREAMS];
    int n_streams;
    int want_streams; /* test_many_watches: how many to wait for */
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

static const char *const query_keys[8] = {"a",   "plus",    "empty", "flag",
                                          "bad", "missing", "utf",   "amp"};

static void handler(void *ud, const ks_req *req, ks_resp *resp)
{
    struct fx *fx = ud;

    fx->handled++;
    snprintf(fx->method, sizeof(fx->method), "%s", req->method);
    snprintf(fx->path, sizeof(fx->path), "%s", req->path);
    free(fx->body);
    fx->body = malloc(req->body_len + 1);
    assert_non_null(fx->body);
    memcpy(fx->body, req->body, req->body_len + 1);
    fx->body_len = req->body_len;
    fx->conn_id = req->conn_id;
    fx->had_user = req->cert_user != NULL;
    snprintf(fx->user, sizeof(fx->user), "%s", req->cert_user ? req->cert_user : "");
    fx->groups[0] = '\0';
    fx->n_groups = (int)req->n_cert_groups;
    for (size_t i = 0; i < req->n_cert_groups; i++) {
        strcat(fx->groups, i ? "," : "");
        strcat(fx->groups, req->cert_groups[i]);
    }
    for (int i = 0; i < 8; i++) {
        const char *v = ks_req_query(req, query_keys[i]);
        fx->q_null[i] = v == NULL;
        snprintf(fx->q[i], sizeof(fx->q[i]), "%s", v ? v : "");
    }

    ks_req copy = *req; /* a struct copy shares the decoded query */
    const char *cv = ks_req_query(&copy, "amp");
    snprintf(fx->copy_amp, sizeof(fx->copy_amp), "%s", cv ? cv : "(null)");

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
    } else if (strcmp(req->path, "/healthz") == 0) {
        resp->status = 200;
        snprintf(resp->content_type, sizeof(resp->content_type), "text/plain; charset=utf-8");
        ebb_strbuf_adds(&resp->body, "ok");
    } else if (strcmp(req->path, "/hdr") == 0) {
        ks_resp_header(resp, "X-Content-Type-Options", "nosniff");
        ks_resp_header(resp, "Retry-After", "%d", 3);
        ks_resp_header(resp, "Warning", "299 - \"first\"");
        ks_resp_header(resp, "Warning", "299 - \"second\"");
        resp->status = 429;
        ebb_strbuf_adds(&resp->body, "{}\n");
    } else if (strcmp(req->path, "/unauth") == 0) {
        resp->status = 401;
        ebb_strbuf_adds(&resp->body, "{}\n");
    } else if (strcmp(req->path, "/watch-huge") == 0) {
        /* a send failing inside the handler: on_close at once */
        int slot = fx->n_streams++;
        fx->stream_ud[slot] = slot;
        ks_stream *st = ks_resp_stream(resp, on_close, &fx->stream_ud[slot]);
        assert_non_null(st);
        char *chunk = calloc(1, 1 << 20);
        assert_non_null(chunk);
        int rc = 0;
        for (int i = 0; i < 20 && rc == 0; i++)
            rc = ks_stream_send(st, chunk, 1 << 20);
        free(chunk);
        assert_int_equal(rc, KS_EIO);
        assert_int_equal(fx->closed[slot], 1);
    } else if (strcmp(req->path, "/watch") == 0 || strcmp(req->path, "/watch-now") == 0) {
        int slot = fx->n_streams++;
        assert_true(slot < MAX_STREAMS);
        fx->stream_ud[slot] = slot;
        ks_stream *st = ks_resp_stream(resp, on_close, &fx->stream_ud[slot]);
        assert_non_null(st);
        fx->streams[slot] = st;
        if (strcmp(req->path, "/watch-now") == 0) {
            /* events and the end from inside the handler (410 replay) */
            assert_int_equal(ks_stream_send(st, "{\"type\":\"ERROR\"}\n", 17), 0);
            ks_stream_end(st);
            fx->streams[slot] = NULL;
        }
    }
    /* anything else: status 0 -> 404 */
}

static void fx_start(struct fx *fx, size_t max_body)
{
    char err[256];
    struct ks_http_opts o = {.bind_addr = "127.0.0.1",
                             .port = 0,
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
    assert_true(fx->port > 0);
    fx->multi = curl_multi_init();
    assert_non_null(fx->multi);
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

/* ---- a curl client ---------------------------------------------------------------------- */

static size_t on_upload(char *p, size_t sz, size_t n, void *ud)
{
    struct ks_xfer *x = ud;
    size_t len = sz * n, left = x->upload_len - x->upload_off;
    if (len > left)
        len = left;
    if (len > 777)
        len = 777; /* several chunks */
    memcpy(p, x->upload + x->upload_off, len);
    x->upload_off += len;
    return len;
}

enum { CERT_NONE, CERT_OURS, CERT_OTHER };

static void xfer_init(struct fx *fx, struct ks_xfer *x, const char *path, int cert)
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
    curl_easy_setopt(x->e, CURLOPT_TIMEOUT_MS, 20000L);
    /* This file tests the HTTP/1.1 path; kubesim_http2_test.c the h2 one. */
    curl_easy_setopt(x->e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (cert != CERT_NONE) {
        const char *c = cert == CERT_OURS ? fx->pems.cli_cert : fx->pems.other_cert;
        const char *k = cert == CERT_OURS ? fx->pems.cli_key : fx->pems.other_key;
        struct curl_blob cb = {(void *)c, strlen(c), CURL_BLOB_COPY};
        struct curl_blob kb = {(void *)k, strlen(k), CURL_BLOB_COPY};
        curl_easy_setopt(x->e, CURLOPT_SSLCERT_BLOB, &cb);
        curl_easy_setopt(x->e, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(x->e, CURLOPT_SSLKEY_BLOB, &kb);
        curl_easy_setopt(x->e, CURLOPT_SSLKEYTYPE, "PEM");
    }
}

static void xfer_reset(struct ks_xfer *x)
{
    x->len = 0;
    x->head_len = 0;
    x->head[0] = '\0';
    x->done = false;
    x->upload_off = 0;
}

static void run(struct fx *fx, double max_s, bool (*stop)(void *ud))
{
    ks_xfer_run(fx->multi, fx->h, max_s, stop, fx);
}

static CURLcode perform(struct fx *fx, struct ks_xfer *x)
{
    xfer_reset(x);
    curl_multi_add_handle(fx->multi, x->e);
    run(fx, 20, NULL);
    curl_multi_remove_handle(fx->multi, x->e);
    assert_true(x->done);
    return x->rc;
}

/* ---- a raw TLS client --------------------------------------------------------------------- */

struct raw {
    char *buf;
    size_t len;
    bool closed;
};

/* Sends data, reads until the server closes, `until` shows up in the
 * reply, or 5 s passed. */
static void raw_exchange(struct fx *fx, const char *data, size_t len, const char *until,
                         struct raw *out)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fx->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    SSL *ssl = SSL_new(ctx);
    assert_non_null(ssl);
    SSL_set_fd(ssl, fd);
    SSL_set_connect_state(ssl);
    memset(out, 0, sizeof(*out));
    size_t sent = 0;
    double end = ks_tls_now() + 5;
    char buf[16384];
    while (ks_tls_now() < end && !out->closed) {
        assert_int_equal(ks_http_poll(fx->h, 1, ks_tls_now()), 0);
        if (!SSL_is_init_finished(ssl)) {
            int r = SSL_do_handshake(ssl);
            if (r != 1) {
                int e = SSL_get_error(ssl, r);
                if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                    out->closed = true;
                continue;
            }
        }
        while (sent < len) {
            size_t n = len - sent > 16384 ? 16384 : len - sent;
            int w = SSL_write(ssl, data + sent, (int)n);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        for (;;) {
            int r = SSL_read(ssl, buf, sizeof(buf));
            if (r > 0) {
                out->buf = realloc(out->buf, out->len + (size_t)r + 1);
                assert_non_null(out->buf);
                memcpy(out->buf + out->len, buf, (size_t)r);
                out->len += (size_t)r;
                out->buf[out->len] = '\0';
                continue;
            }
            int e = SSL_get_error(ssl, r);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                out->closed = true;
            break;
        }
        if (until && out->buf && strstr(out->buf, until))
            break;
    }
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    if (!out->buf) {
        out->buf = calloc(1, 1);
        assert_non_null(out->buf);
    }
}

/* Asserts that the names appear in this order in the head. */
static void assert_order(const char *head, const char *const *names)
{
    const char *p = head;
    for (size_t i = 0; names[i]; i++) {
        const char *q = strstr(p, names[i]);
        if (!q)
            fail_msg("header %s missing or out of order in:\n%s", names[i], head);
        p = q + strlen(names[i]);
    }
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_get_small(void **state)
{
    struct fx *fx = *state;
    struct raw r;
    const char req[] = "GET /small?a=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n";

    raw_exchange(fx, req, sizeof(req) - 1, "\"Small\"}\n", &r);
    static const char *const order[] = {"HTTP/1.1 200 OK\r\n",
                                        "Audit-Id: ",
                                        "\r\nCache-Control: no-cache, private\r\n",
                                        "Content-Type: application/json\r\n",
                                        "X-Kubernetes-Pf-Flowschema-Uid: ",
                                        "X-Kubernetes-Pf-Prioritylevel-Uid: ",
                                        "\r\nDate: ",
                                        " GMT\r\nContent-Length: 17\r\n\r\n",
                                        "{\"kind\":\"Small\"}\n",
                                        NULL};
    assert_order(r.buf, order);
    assert_null(strstr(r.buf, "Transfer-Encoding"));
    /* Audit-Id is a v4 uuid */
    const char *a = strstr(r.buf, "Audit-Id: ") + 10;
    assert_true(strchr(a, '\r') - a == 36);
    assert_int_equal(a[14], '4');
    assert_string_equal(fx->method, "GET");
    assert_string_equal(fx->path, "/small");
    assert_false(r.closed);
    free(r.buf);

    /* the same through curl */
    struct ks_xfer x;
    xfer_init(fx, &x, "/small", CERT_NONE);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 200);
    assert_string_equal(x.body, "{\"kind\":\"Small\"}\n");
    ks_xfer_free(&x);
}

static void test_framing(void **state)
{
    struct fx *fx = *state;
    static const struct {
        size_t n;
        bool chunked;
    } cases[] = {{0, false}, {1, false}, {2048, false}, {2049, true}, {5000, true}, {200000, true}};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char req[128], want[64];
        struct raw r;
        snprintf(req, sizeof(req), "GET /size/%zu HTTP/1.1\r\nHost: x\r\n\r\n", cases[i].n);
        raw_exchange(fx, req, strlen(req), cases[i].chunked ? "\r\n0\r\n\r\n" : NULL, &r);
        char *body = strstr(r.buf, "\r\n\r\n");
        assert_non_null(body);
        body += 4;
        if (cases[i].chunked) {
            assert_non_null(strstr(r.buf, "Date: "));
            assert_non_null(strstr(r.buf, " GMT\r\nTransfer-Encoding: chunked\r\n\r\n"));
            assert_null(strstr(r.buf, "Content-Length"));
            snprintf(want, sizeof(want), "%zx\r\n", cases[i].n);
            assert_memory_equal(body, want, strlen(want));
            assert_int_equal((size_t)(r.buf + r.len - body), strlen(want) + cases[i].n + 7);
            assert_string_equal(r.buf + r.len - 7, "\r\n0\r\n\r\n");
        } else {
            snprintf(want, sizeof(want), "Content-Length: %zu\r\n\r\n", cases[i].n);
            /* the connection stays open: wait for the body only */
            assert_non_null(strstr(r.buf, want));
            assert_null(strstr(r.buf, "Transfer-Encoding"));
        }
        free(r.buf);
    }

    struct ks_xfer x;
    xfer_init(fx, &x, "/size/100000", CERT_NONE);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(x.len, 100000);
    assert_int_equal(x.body[99999], 'a' + 99999 % 26);
    ks_xfer_free(&x);
}

static void test_post_bodies(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;
    size_t n = 10000;
    char *data = malloc(n + 1);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('A' + i % 23);
    data[n] = '\0';

    /* Content-Length */
    xfer_init(fx, &x, "/echo", CERT_NONE);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDSIZE, (long)n);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 201);
    assert_string_equal(fx->method, "POST");
    assert_int_equal(fx->body_len, n);
    assert_memory_equal(fx->body, data, n);
    assert_int_equal(fx->body[n], '\0');
    assert_int_equal(x.len, n);
    assert_non_null(strstr(x.head, "Content-Type: text/plain; charset=utf-8\r\n"));
    ks_xfer_free(&x);

    /* chunked upload */
    xfer_init(fx, &x, "/echo", CERT_NONE);
    x.hdrs = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    curl_easy_setopt(x.e, CURLOPT_HTTPHEADER, x.hdrs);
    curl_easy_setopt(x.e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(x.e, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(x.e, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(x.e, CURLOPT_READDATA, &x);
    x.upload = data;
    x.upload_len = n;
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 201);
    assert_string_equal(fx->method, "PUT");
    assert_int_equal(fx->body_len, n);
    assert_memory_equal(fx->body, data, n);
    ks_xfer_free(&x);
    free(data);

    /* raw chunked with an extension and a trailer, then a pipelined GET */
    struct raw r;
    const char req[] = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n"
                       "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_exchange(fx, req, sizeof(req) - 1, "\r\n\r\nok", &r);
    assert_non_null(strstr(r.buf, "Content-Length: 11\r\n\r\nhello world"));
    assert_non_null(strstr(r.buf, "Content-Length: 2\r\n\r\nok"));
    assert_string_equal(fx->path, "/healthz");
    free(r.buf);
}

static void test_expect_continue(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;
    size_t n = 2u << 20;
    char *data = malloc(n);
    assert_non_null(data);
    memset(data, 'z', n);
    xfer_init(fx, &x, "/echo", CERT_NONE);
    x.hdrs = curl_slist_append(NULL, "Expect: 100-continue");
    curl_easy_setopt(x.e, CURLOPT_HTTPHEADER, x.hdrs);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDSIZE, (long)n);
    curl_easy_setopt(x.e, CURLOPT_EXPECT_100_TIMEOUT_MS, 5000L);
    double t0 = ks_tls_now();
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_true(ks_tls_now() - t0 < 4.0); /* did not wait for the expect timeout */
    assert_int_equal(ks_xfer_status(&x), 201);
    assert_int_equal(fx->body_len, n);
    assert_int_equal(x.len, n);
    ks_xfer_free(&x);
    free(data);
}

static void test_too_large(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;
    char data[1500];
    memset(data, 'q', sizeof(data));

    ks_http_free(fx->h);
    curl_multi_cleanup(fx->multi);
    fx_start(fx, 1000);
    static const char want[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        "\"message\":\"Request entity too large: limit is 1000\",\"reason\":"
        "\"RequestEntityTooLarge\",\"code\":413}\n";

    xfer_init(fx, &x, "/echo", CERT_NONE);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDSIZE, (long)sizeof(data));
    int handled = fx->handled;
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 413);
    assert_string_equal(x.body, want);
    assert_non_null(strstr(x.head, "HTTP/1.1 413 Request Entity Too Large\r\n"));
    assert_non_null(strstr(x.head, "Connection: close\r\n"));
    assert_int_equal(fx->handled, handled);
    ks_xfer_free(&x);

    /* chunked, found out while reading */
    xfer_init(fx, &x, "/echo", CERT_NONE);
    x.hdrs = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    curl_easy_setopt(x.e, CURLOPT_HTTPHEADER, x.hdrs);
    curl_easy_setopt(x.e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(x.e, CURLOPT_CUSTOMREQUEST, "POST");
    curl_easy_setopt(x.e, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(x.e, CURLOPT_READDATA, &x);
    x.upload = data;
    x.upload_len = sizeof(data);
    perform(fx, &x);
    assert_int_equal(ks_xfer_status(&x), 413);
    assert_string_equal(x.body, want);
    assert_int_equal(fx->handled, handled);
    ks_xfer_free(&x);

    /* at the limit: fine */
    xfer_init(fx, &x, "/echo", CERT_NONE);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(x.e, CURLOPT_POSTFIELDSIZE, 1000L);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 201);
    assert_int_equal(x.len, 1000);
    ks_xfer_free(&x);
}

static void test_bad_requests(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *req;
        const char *status;
    } cases[] = {
        {"GARBAGE\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"GET /\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"GET nopath HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"}, /* no Host */
        {"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
         "HTTP/1.1 400 Bad Request\r\n"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
         "HTTP/1.1 400 Bad Request\r\n"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
         "HTTP/1.1 400 Bad Request\r\n"},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
         "HTTP/1.1 501 Not Implemented"},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
         "HTTP/1.1 400 Bad Request\r\n"},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
         "HTTP/1.1 400 Bad Request\r\n"},
        {"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"VERYLONGMETHODNAME / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
    };
    int handled = fx->handled;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct raw r;
        raw_exchange(fx, cases[i].req, strlen(cases[i].req), NULL, &r);
        if (strncmp(r.buf, cases[i].status, strlen(cases[i].status)) != 0)
            fail_msg("case %zu: got %s", i, r.buf);
        assert_non_null(strstr(r.buf, "Connection: close\r\n"));
        assert_true(r.closed);
        free(r.buf);
    }
    assert_int_equal(fx->handled, handled);

    /* a head over 64 KiB */
    size_t n = 70000;
    char *big = malloc(n + 64);
    assert_non_null(big);
    strcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    size_t l = strlen(big);
    memset(big + l, 'b', n);
    strcpy(big + l + n, "\r\n\r\n");
    struct raw r;
    raw_exchange(fx, big, strlen(big), NULL, &r);
    assert_memory_equal(r.buf, "HTTP/1.1 431 ", 13);
    assert_true(r.closed);
    free(r.buf);
    free(big);

    /* absolute-form target and leading empty lines are fine */
    const char ok[] = "\r\nGET https://kube.test/healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_exchange(fx, ok, sizeof(ok) - 1, "\r\n\r\nok", &r);
    assert_memory_equal(r.buf, "HTTP/1.1 200 OK\r\n", 17);
    assert_string_equal(fx->path, "/healthz");
    free(r.buf);
}

static void test_keep_alive(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;
    long conns = -1;

    xfer_init(fx, &x, "/small", CERT_NONE);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    curl_easy_getinfo(x.e, CURLINFO_NUM_CONNECTS, &conns);
    assert_int_equal(conns, 1);
    uint64_t first = fx->conn_id;
    assert_int_equal(perform(fx, &x), CURLE_OK);
    curl_easy_getinfo(x.e, CURLINFO_NUM_CONNECTS, &conns);
    assert_int_equal(conns, 0);
    assert_true(fx->conn_id == first);
    ks_xfer_free(&x);

    /* Connection: close is honoured */
    struct raw r;
    const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    raw_exchange(fx, req, sizeof(req) - 1, NULL, &r);
    assert_true(r.closed);
    static const char *const order[] = {
        "HTTP/1.1 200 OK\r\n", "Content-Type: text/plain; charset=utf-8\r\n",
        "Date: ", "Content-Length: 2\r\nConnection: close\r\n\r\nok", NULL};
    assert_order(r.buf, order);
    free(r.buf);

    /* HTTP/1.0 closes by default */
    const char req10[] = "GET /healthz HTTP/1.0\r\n\r\n";
    raw_exchange(fx, req10, sizeof(req10) - 1, NULL, &r);
    assert_true(r.closed);
    assert_non_null(strstr(r.buf, "\r\n\r\nok"));
    free(r.buf);
}

static void test_headers(void **state)
{
    struct fx *fx = *state;
    struct raw r;
    const char req[] = "GET /hdr HTTP/1.1\r\nHost: x\r\n\r\n";

    raw_exchange(fx, req, sizeof(req) - 1, "{}\n", &r);
    static const char *const order[] = {"HTTP/1.1 429 Too Many Requests\r\n",
                                        "Audit-Id: ",
                                        "Cache-Control: ",
                                        "Content-Type: application/json\r\n",
                                        "Retry-After: 3\r\n",
                                        "Warning: 299 - \"first\"\r\n",
                                        "Warning: 299 - \"second\"\r\n",
                                        "X-Content-Type-Options: nosniff\r\n",
                                        "X-Kubernetes-Pf-Flowschema-Uid: ",
                                        "Date: ",
                                        "Content-Length: 3\r\n\r\n{}\n",
                                        NULL};
    assert_order(r.buf, order);
    free(r.buf);

    /* 401: no priority-and-fairness headers (fixture 30) */
    const char req2[] = "GET /unauth HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_exchange(fx, req2, sizeof(req2) - 1, "{}\n", &r);
    assert_memory_equal(r.buf, "HTTP/1.1 401 Unauthorized\r\n", 27);
    assert_null(strstr(r.buf, "X-Kubernetes-Pf"));
    free(r.buf);

    /* status 0: the apiserver's 404 Status */
    const char req3[] = "GET /nothing/here HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_exchange(fx, req3, sizeof(req3) - 1, "}\n", &r);
    static const char *const order3[] = {
        "HTTP/1.1 404 Not Found\r\n", "Content-Length: 174\r\n\r\n",
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        "\"message\":\"the server could not find the requested resource\",\"reason\":"
        "\"NotFound\",\"details\":{},\"code\":404}\n",
        NULL};
    assert_order(r.buf, order3);
    free(r.buf);
}

static void test_query(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;

    xfer_init(fx, &x,
              "/small?a=b%20c&plus=x+y&empty=&flag&a=second&bad=%zz&utf=%C3%A9t%c3%a9"
              "&amp=%26%3D",
              CERT_NONE);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_string_equal(fx->q[0], "b c");
    assert_string_equal(fx->q[1], "x y");
    assert_false(fx->q_null[2]);
    assert_string_equal(fx->q[2], "");
    assert_false(fx->q_null[3]);
    assert_string_equal(fx->q[3], "");
    assert_true(fx->q_null[4]); /* bad escape: dropped, like Go */
    assert_true(fx->q_null[5]);
    assert_string_equal(fx->q[6], "\xc3\xa9t\xc3\xa9");
    assert_string_equal(fx->q[7], "&=");
    assert_string_equal(fx->copy_amp, "&="); /* a struct copy shares the decoded query */
    curl_easy_setopt(x.e, CURLOPT_URL, "https://127.0.0.1/small?x=1&amp=plain");
    curl_easy_setopt(x.e, CURLOPT_PORT, (long)fx->port);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_string_equal(fx->q[7], "plain");
    assert_string_equal(fx->copy_amp, "plain");
    ks_xfer_free(&x);

    /* a request built by hand (tests of other modules) */
    struct ks_header hs[] = {{"Content-Type", "application/json"}};
    ks_req req = {
        .method = "GET", .path = "/x", .query = "limit=2&l=a%3Db+c", .headers = hs, .n_headers = 1};
    assert_null(ks_req_query(&req, "limit")); /* not parsed yet */
    assert_int_equal(ks_req_parse_query(&req), KS_OK);
    assert_string_equal(ks_req_query(&req, "limit"), "2");
    assert_string_equal(ks_req_query(&req, "l"), "a=b c");
    assert_null(ks_req_query(&req, "continue"));
    ks_req_release_query(&req);
    assert_string_equal(ks_req_header(&req, "content-type"), "application/json");
    assert_null(ks_req_header(&req, "Accept"));
}

static void test_resp_json(void **state)
{
    (void)state;
    ks_resp resp;
    memset(&resp, 0, sizeof(resp));
    ebb_strbuf_init(&resp.body);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "m", "a<b>&c\b\f\"\\\xe2\x80\xa8");
    cJSON_AddNumberToObject(o, "n", 3);
    ks_resp_json(&resp, 422, o);
    assert_int_equal(resp.status, 422);
    assert_string_equal(resp.body.buf, "{\"m\":\"a\\u003cb\\u003e\\u0026c\\u0008\\u000c\\\"\\\\"
                                       "\\u2028\",\"n\":3}\n");
    cJSON_Delete(o);
    ks_resp_header(&resp, "Retry-After", "%d", 1);
    assert_int_equal(resp.n_extra, 1);
    assert_string_equal(resp.extra[0].value, "1");
    free(resp.extra[0].name);
    free(resp.extra[0].value);
    ebb_strbuf_release(&resp.body);
}

/* Every recorded single-JSON response body, re-encoded by ks_resp_json,
 * must come out byte for byte (Go's escaping and trailing newline), and
 * the framing rule must pick what the real server picked. */
static void test_fixture_bodies(void **state)
{
    (void)state;
    static const char dir[] = "tests/fixtures/kube-api/";
    char path[512];
    int checked = 0;

    for (int no = 0; no < 100; no++) {
        static const char *const names[] = {"00-get-version",
                                            "10-deployment-create-201",
                                            "11-deployment-get-200",
                                            "19-deployment-patch-json-patch-test-failed-422",
                                            "23-deployment-get-404-notfound",
                                            "24-deployment-patch-negative-replicas-422",
                                            "26-deployment-create-invalid-422",
                                            "28-deployment-list-forbidden-403",
                                            "30-unauthorized-401",
                                            "49-cr-create-invalid-422",
                                            "50-list-limit-page1",
                                            "57-list-continue-expired-410",
                                            "80-deployment-delete-200",
                                            "92-event-events.k8s.io-v1-invalid-422",
                                            NULL};
        if (!names[no])
            break;
        snprintf(path, sizeof(path), "%s%s.txt", dir, names[no]);
        FILE *f = fopen(path, "rb");
        if (!f)
            fail_msg("cannot open %s", path);
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
        text[n] = '\0';
        char *resp = strstr(text, "=== RESPONSE ===\n");
        assert_non_null(resp);
        char *body = strstr(resp, "\n\n");
        assert_non_null(body);
        *body = '\0';
        body += 2;
        char *eol = strchr(body, '\n');
        assert_non_null(eol);
        eol[1] = '\0'; /* the body with its newline */
        const char *cl = strstr(resp, "Content-Length: ");
        bool chunked = strstr(resp, "Transfer-Encoding: chunked") != NULL;
        cJSON *j = cJSON_Parse(body);
        if (!j || body[0] != '{')
            continue; /* a pretty-printed body (00): not JSON on one line */
        ks_resp r;
        memset(&r, 0, sizeof(r));
        ebb_strbuf_init(&r.body);
        ks_resp_json(&r, 200, j);
        cJSON_Delete(j);
        if (strcmp(r.body.buf, body) != 0)
            fail_msg("%s: re-encoded body differs:\n%s\n%s", names[no], r.body.buf, body);
        if (cl)
            assert_int_equal(strtoul(cl + 16, NULL, 10), r.body.len);
        assert_true(chunked == (r.body.len > 2048));
        assert_true(chunked != (cl != NULL));
        ebb_strbuf_release(&r.body);
        checked++;
    }
    assert_true(checked >= 12);
}

static bool stream_open(void *ud)
{
    struct fx *fx = ud;
    return fx->n_streams > 0;
}

static bool got_three(void *ud)
{
    struct fx *fx = ud;
    (void)fx;
    return false;
}

static void test_stream(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;

    xfer_init(fx, &x, "/watch", CERT_NONE);
    curl_multi_add_handle(fx->multi, x.e);
    run(fx, 5, stream_open);
    assert_int_equal(fx->n_streams, 1);
    ks_stream *st = fx->streams[0];
    assert_non_null(st);
    static const char *const ev[] = {"{\"type\":\"ADDED\"}\n", "{\"type\":\"MODIFIED\"}\n",
                                     "{\"type\":\"DELETED\"}\n"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ks_stream_send(st, ev[i], strlen(ev[i])), 0);
        run(fx, 0.2, got_three);
    }
    assert_false(x.done);
    assert_string_equal(x.body, "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\"}\n"
                                "{\"type\":\"DELETED\"}\n");
    assert_non_null(strstr(x.head, "HTTP/1.1 200 OK\r\nAudit-Id: "));
    assert_non_null(strstr(x.head, "Transfer-Encoding: chunked\r\n"));
    ks_stream_end(st);
    fx->streams[0] = NULL;
    run(fx, 5, NULL);
    curl_multi_remove_handle(fx->multi, x.e);
    assert_true(x.done);
    assert_int_equal(x.rc, CURLE_OK);
    assert_int_equal(fx->closed[0], 0);

    /* back to keep-alive: the next request reuses the connection */
    long conns = -1;
    curl_easy_setopt(x.e, CURLOPT_URL, "https://127.0.0.1/small");
    curl_easy_setopt(x.e, CURLOPT_PORT, (long)fx->port);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    curl_easy_getinfo(x.e, CURLINFO_NUM_CONNECTS, &conns);
    assert_int_equal(conns, 0);
    ks_xfer_free(&x);

    /* a stream answered and ended inside the handler */
    struct raw r;
    const char req[] = "GET /watch-now HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_exchange(fx, req, sizeof(req) - 1, "0\r\n\r\n", &r);
    assert_non_null(strstr(r.buf, "Transfer-Encoding: chunked\r\n\r\n11\r\n"
                                  "{\"type\":\"ERROR\"}\n\r\n0\r\n\r\n"));
    assert_int_equal(fx->closed[1], 0);
    free(r.buf);
}

static bool closed0(void *ud)
{
    struct fx *fx = ud;
    return fx->closed[0] > 0;
}

static void test_stream_client_close(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;

    xfer_init(fx, &x, "/watch", CERT_NONE);
    curl_multi_add_handle(fx->multi, x.e);
    run(fx, 5, stream_open);
    assert_int_equal(ks_stream_send(fx->streams[0], "{\"a\":1}\n", 8), 0);
    run(fx, 0.2, got_three);
    assert_string_equal(x.body, "{\"a\":1}\n");
    curl_multi_remove_handle(fx->multi, x.e); /* closes the connection mid-stream */
    ks_xfer_free(&x);
    run(fx, 5, closed0);
    assert_int_equal(fx->closed[0], 1);
    run(fx, 0.2, got_three);
    assert_int_equal(fx->closed[0], 1);

    /* ks_http_free closes open streams */
    xfer_init(fx, &x, "/watch", CERT_NONE);
    curl_multi_add_handle(fx->multi, x.e);
    run(fx, 5, stream_open);
    while (fx->n_streams < 2)
        run(fx, 0.05, got_three);
    ks_http_free(fx->h);
    fx->h = NULL;
    assert_int_equal(fx->closed[1], 1);
    curl_multi_remove_handle(fx->multi, x.e);
    ks_xfer_free(&x);
    curl_multi_cleanup(fx->multi);
    fx_start(fx, 0);
}

static void test_stream_backlog(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;

    xfer_init(fx, &x, "/watch", CERT_NONE);
    curl_multi_add_handle(fx->multi, x.e);
    run(fx, 5, stream_open);
    /* nobody reads: past 16 MiB queued the stream is dropped */
    char *chunk = malloc(1 << 20);
    assert_non_null(chunk);
    memset(chunk, 'x', 1 << 20);
    int rc = 0, i;
    for (i = 0; i < 40 && rc == 0; i++)
        rc = ks_stream_send(fx->streams[0], chunk, 1 << 20);
    assert_int_equal(rc, KS_EIO);
    assert_int_equal(fx->closed[0], 1);
    assert_true(i >= 16);
    free(chunk);
    run(fx, 1, NULL);
    curl_multi_remove_handle(fx->multi, x.e);
    ks_xfer_free(&x);
    assert_int_equal(fx->closed[0], 1);

    /* the same while still inside the handler */
    xfer_init(fx, &x, "/watch-huge", CERT_NONE);
    perform(fx, &x);
    assert_int_equal(fx->n_streams, 2);
    assert_int_equal(fx->closed[1], 1);
    ks_xfer_free(&x);
}

static void test_client_cert(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;

    xfer_init(fx, &x, "/small", CERT_OURS);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_true(fx->had_user);
    assert_string_equal(fx->user, "jane");
    assert_int_equal(fx->n_groups, 2);
    assert_string_equal(fx->groups, "devs,ops");
    ks_xfer_free(&x);

    xfer_init(fx, &x, "/small", CERT_NONE);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_false(fx->had_user);
    assert_int_equal(fx->n_groups, 0);
    ks_xfer_free(&x);

    /* a certificate from another CA: served, but no identity */
    xfer_init(fx, &x, "/small", CERT_OTHER);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 200);
    assert_false(fx->had_user);
    ks_xfer_free(&x);
}

static void test_latency(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x, y;

    ks_http_set_latency(fx->h, 300);
    xfer_init(fx, &x, "/small", CERT_NONE);
    xfer_init(fx, &y, "/healthz", CERT_NONE);
    double t0 = ks_tls_now();
    curl_multi_add_handle(fx->multi, x.e);
    curl_multi_add_handle(fx->multi, y.e);
    run(fx, 10, NULL);
    double dt = ks_tls_now() - t0;
    curl_multi_remove_handle(fx->multi, x.e);
    curl_multi_remove_handle(fx->multi, y.e);
    assert_int_equal(x.rc, CURLE_OK);
    assert_int_equal(y.rc, CURLE_OK);
    assert_string_equal(y.body, "ok");
    assert_true(dt >= 0.3);
    assert_true(dt < 0.55); /* both at once: the loop did not block */
    ks_xfer_free(&x);
    ks_xfer_free(&y);
    ks_http_set_latency(fx->h, 0);
    xfer_init(fx, &x, "/small", CERT_NONE);
    t0 = ks_tls_now();
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_true(ks_tls_now() - t0 < 0.3);
    ks_xfer_free(&x);
}

static void test_refuse(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;

    ks_http_refuse_until(fx->h, ks_tls_now() + 30);
    xfer_init(fx, &x, "/small", CERT_NONE);
    CURLcode rc = perform(fx, &x);
    assert_int_not_equal(rc, CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 0);
    ks_http_refuse_until(fx->h, 0);
    curl_easy_setopt(x.e, CURLOPT_FRESH_CONNECT, 1L);
    assert_int_equal(perform(fx, &x), CURLE_OK);
    assert_int_equal(ks_xfer_status(&x), 200);
    ks_xfer_free(&x);
}

static void test_many_sequential(void **state)
{
    struct fx *fx = *state;
    struct ks_xfer x;
    uint64_t before = ks_http_requests_served(fx->h);

    xfer_init(fx, &x, "/small", CERT_NONE);
    for (int i = 0; i < 1000; i++) {
        /* every tenth on a new connection */
        curl_easy_setopt(x.e, CURLOPT_FRESH_CONNECT, i % 10 == 0 ? 1L : 0L);
        curl_easy_setopt(x.e, CURLOPT_FORBID_REUSE, i % 10 == 9 ? 1L : 0L);
        assert_int_equal(perform(fx, &x), CURLE_OK);
        assert_int_equal(ks_xfer_status(&x), 200);
    }
    ks_xfer_free(&x);
    assert_int_equal(ks_http_requests_served(fx->h) - before, 1000);
}

static bool all_streams(void *ud)
{
    struct fx *fx = ud;
    return fx->n_streams >= fx->want_streams;
}

/* 1000 open watch connections at once; 100 under valgrind (make valgrind
 * sets EBB_TEST_SLOW), where 1000 TLS handshakes outlast the server's
 * 10 s handshake limit. */
static void test_many_watches(void **state)
{
    struct fx *fx = *state;
    const int N = getenv("EBB_TEST_SLOW") ? 100 : 1000;
    fx->want_streams = N;
    struct ks_xfer *xs = calloc((size_t)N, sizeof(*xs));
    assert_non_null(xs);

    for (int i = 0; i < N; i++) {
        xfer_init(fx, &xs[i], "/watch", CERT_NONE);
        curl_multi_add_handle(fx->multi, xs[i].e);
    }
    run(fx, 120, all_streams);
    assert_int_equal(fx->n_streams, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(ks_stream_send(fx->streams[i], "{\"e\":1}\n", 8), 0);
    for (int i = 0; i < N; i++) {
        ks_stream_end(fx->streams[i]);
        fx->streams[i] = NULL;
    }
    run(fx, 60, NULL);
    for (int i = 0; i < N; i++) {
        assert_true(xs[i].done);
        assert_int_equal(xs[i].rc, CURLE_OK);
        assert_string_equal(xs[i].body, "{\"e\":1}\n");
        assert_int_equal(fx->closed[i], 0);
        curl_multi_remove_handle(fx->multi, xs[i].e);
        ks_xfer_free(&xs[i]);
    }
    free(xs);
}

static void test_new_errors(void **state)
{
    struct fx *fx = *state;
    char err[256];
    struct ks_http_opts o = {.cert_pem = "junk", .key_pem = fx->pems.srv_key, .handler = handler};

    assert_null(ks_http_new(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "serving certificate"));
    o.cert_pem = fx->pems.srv_cert;
    o.key_pem = fx->pems.cli_key; /* does not match */
    assert_null(ks_http_new(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "serving key"));
    o.key_pem = fx->pems.srv_key;
    o.ca_pem = "nothing";
    assert_null(ks_http_new(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "client CA"));
    o.ca_pem = NULL;
    o.bind_addr = "not-an-ip";
    assert_null(ks_http_new(&o, err, sizeof(err)));
    o.bind_addr = "127.0.0.1";
    o.port = fx->port; /* taken */
    assert_null(ks_http_new(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "listen"));
    o.handler = NULL;
    assert_null(ks_http_new(&o, err, sizeof(err)));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* the raw test client writes with write() */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_framing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expect_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep_alive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query, setup, teardown),
        cmocka_unit_test(test_resp_json),
        cmocka_unit_test(test_fixture_bodies),
        cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_client_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_backlog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_cert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_sequential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_watches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_errors, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
