/* kube_client_test.c -- pkg/kube/client against the TLS replay server.
 *
 * Every test starts its own server (tests/fake/replay_server.c, included
 * below since the Makefile links only tests/unit helpers) with a throwaway
 * CA, points a client at it and asserts both what the client returned and
 * what the server saw. Timing assertions are loose on purpose.
 * Run from the repository root (the fixtures are read from tests/fixtures).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../pkg/kube/client.h"
#include "../../pkg/kube/watch.h"
#include "../fake/replay_server.c"

#define FIX "tests/fixtures/kube-api/"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A server, a configuration pointing at it, and a client. */
struct env {
    struct ebb_replay_server *srv;
    struct ebb_kube_config cfg;
    struct ebb_kube_client_opts opts;
    struct ebb_kube_client *c;
    char server[64];
    char err[512];
};

/* Starts the server and fills cfg (CA in memory, a bearer token); the
 * client is made by env_client() so a test can change cfg/opts first. */
static void env_start(struct env *e, const struct ebb_replay_opts *o)
{
    memset(e, 0, sizeof(*e));
    assert_int_equal(ebb_replay_start(o, &e->srv), EBB_OK);
    snprintf(e->server, sizeof(e->server), "https://127.0.0.1:%d", ebb_replay_port(e->srv));
    e->cfg.server = e->server;
    e->cfg.ca_data = (char *)ebb_replay_ca_pem(e->srv, &e->cfg.ca_data_len);
    e->cfg.token = "test-token";
    ebb_kube_client_opts_default(&e->opts);
    e->opts.qps = 0; /* no rate limit unless a test wants one */
    e->opts.backoff_base_ms = 10;
    e->opts.seed = 1;
}

static void env_client(struct env *e)
{
    enum ebb_rc rc = ebb_kube_client_new(&e->cfg, &e->opts, &e->c, e->err, sizeof(e->err));
    if (rc)
        fail_msg("ebb_kube_client_new: %s", e->err);
}

static void env_stop(struct env *e)
{
    ebb_kube_client_free(e->c);
    ebb_replay_stop(e->srv);
}

static void push_fixture(struct env *e, const char *file, int times)
{
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(file, &wire, NULL), EBB_OK);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    st.times = times;
    assert_int_equal(ebb_replay_push(e->srv, &st), EBB_OK);
    ebb_strbuf_release(&wire);
}

static void push_status(struct env *e, int code, const char *reason, int retry_after, int times)
{
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    ebb_replay_status_response(code, reason, "scripted failure", retry_after, &wire);
    assert_int_equal(ebb_replay_push_simple(e->srv, wire.buf, times), EBB_OK);
    ebb_strbuf_release(&wire);
}

static size_t n_requests(struct env *e)
{
    return ebb_replay_requests(e->srv, NULL, 0);
}

static const struct ebb_kube_request get_req = {
    EBB_KUBE_GET, "/apis/apps/v1/namespaces/demo/deployments/web/scale", NULL, 0, NULL, false};

/* ---- plain requests ---------------------------------------------------------------------- */

static void test_get_content_length_and_chunked(void **state)
{
    (void)state;
    static const char *const files[] = {FIX "12-deployment-scale-get.txt",
                                        FIX "11-deployment-get-200.txt"};
    for (size_t i = 0; i < 2; i++) {
        struct env e;
        env_start(&e, NULL);
        env_client(&e);
        struct ebb_strbuf want = EBB_STRBUF_INIT, got = EBB_STRBUF_INIT;
        assert_int_equal(ebb_replay_fixture(files[i], NULL, &want), EBB_OK);
        push_fixture(&e, files[i], 1);
        struct ebb_kube_error err;
        int status = -1;
        assert_int_equal(ebb_kube_do(e.c, &get_req, &got, &status, &err), EBB_OK);
        assert_int_equal(status, 200);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.buf, want.buf, want.len);
        assert_int_equal(ebb_kube_client_pending(e.c), 0);

        struct ebb_replay_request seen;
        assert_int_equal(ebb_replay_requests(e.srv, &seen, 1), 1);
        assert_string_equal(seen.method, "GET");
        assert_string_equal(seen.target, get_req.path);
        assert_string_equal(seen.version, "HTTP/1.1"); /* the server offers no h2 */
        assert_string_equal(seen.accept, "application/json");
        assert_string_equal(seen.authorization, "Bearer test-token");
        assert_string_equal(seen.sni, ""); /* no SNI for an IP address */
        assert_true(strncmp(seen.user_agent, "ebb/", 4) == 0);
        assert_non_null(strstr(seen.user_agent, " ("));
        assert_non_null(strchr(seen.user_agent, '/'));
        assert_int_equal(seen.body_len, 0);
        ebb_strbuf_release(&want);
        ebb_strbuf_release(&got);
        env_stop(&e);
    }
}

static void test_user_agent_default_shape_and_override(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 5);
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, NULL), EBB_OK);
    ebb_kube_client_free(e.c);
    e.opts.user_agent = "custom/1.0";
    env_client(&e);
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, NULL), EBB_OK);
    struct ebb_replay_request seen[2];
    assert_int_equal(ebb_replay_requests(e.srv, seen, 2), 2);
    /* "ebb/<version> (<os>/<arch>)": lower-case os, Go-style arch. */
    const char *ua = seen[0].user_agent;
    const char *open = strstr(ua, " (");
    assert_non_null(open);
    assert_int_equal(ua[strlen(ua) - 1], ')');
    for (const char *p = open + 2; *p != '/'; p++)
        assert_false(*p >= 'A' && *p <= 'Z');
    assert_null(strstr(ua, "x86_64"));
    assert_string_equal(seen[1].user_agent, "custom/1.0");
    env_stop(&e);
}

/* ---- typed errors ------------------------------------------------------------------------ */

struct err_case {
    const char *file;
    enum ebb_kube_method method;
    int status;
    enum ebb_kube_reason reason;
    bool causes;
};

static const struct err_case err_cases[] = {
    {FIX "23-deployment-get-404-notfound.txt", EBB_KUBE_GET, 404, EBB_KUBE_NOT_FOUND, false},
    {FIX "21-deployment-put-stale-409-conflict.txt", EBB_KUBE_PUT, 409, EBB_KUBE_CONFLICT, false},
    {FIX "27-deployment-create-exists-409.txt", EBB_KUBE_POST, 409, EBB_KUBE_ALREADY_EXISTS, false},
    {FIX "24-deployment-patch-negative-replicas-422.txt", EBB_KUBE_PATCH, 422, EBB_KUBE_INVALID,
     true},
    {FIX "26-deployment-create-invalid-422.txt", EBB_KUBE_POST, 422, EBB_KUBE_INVALID, true},
    {FIX "28-deployment-list-forbidden-403.txt", EBB_KUBE_GET, 403, EBB_KUBE_FORBIDDEN, false},
    {FIX "30-unauthorized-401.txt", EBB_KUBE_GET, 401, EBB_KUBE_UNAUTHORIZED, false},
    {FIX "82-deployment-delete-404.txt", EBB_KUBE_DELETE, 404, EBB_KUBE_NOT_FOUND, false},
};

static void test_error_fixtures_become_typed_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
        const struct err_case *tc = &err_cases[i];
        struct env e;
        env_start(&e, NULL);
        env_client(&e);
        push_fixture(&e, tc->file, 1);
        /* What a retry would get: the test fails if the client retries. */
        push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
        struct ebb_kube_request r = get_req;
        r.method = tc->method;
        if (tc->method != EBB_KUBE_GET && tc->method != EBB_KUBE_DELETE) {
            r.body = "{\"spec\":{\"replicas\":-1}}";
            r.body_len = strlen(r.body);
        }
        struct ebb_kube_error err;
        struct ebb_strbuf body = EBB_STRBUF_INIT;
        int status = 0;
        enum ebb_rc rc = ebb_kube_do(e.c, &r, &body, &status, &err);
        if (rc != EBB_ERR_IO || status != tc->status || err.reason != tc->reason)
            fail_msg("%s: rc %d status %d reason %s", tc->file, rc, status,
                     ebb_kube_reason_name(err.reason));
        assert_int_equal(err.http_status, tc->status);
        assert_true(err.message[0] != '\0');
        assert_true(tc->causes ? err.n_causes > 0 : true);
        assert_true(body.len > 0); /* the Status body comes back too */
        if (n_requests(&e) != 1)
            fail_msg("%s: %zu requests, want 1 (no retry)", tc->file, n_requests(&e));
        ebb_strbuf_release(&body);
        env_stop(&e);
    }
}

/* ---- retries ----------------------------------------------------------------------------- */

static void test_retries_500_then_succeeds(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    push_status(&e, 500, "InternalError", -1, 2);
    push_status(&e, 504, "Timeout", -1, 1);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    int status = 0;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, &status, NULL), EBB_OK);
    assert_int_equal(status, 200);
    assert_int_equal(n_requests(&e), 4);
    env_stop(&e);
}

static void test_retries_give_up_after_max(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    e.opts.max_retries = 2;
    env_client(&e);
    push_status(&e, 503, "ServiceUnavailable", -1, 1);
    struct ebb_kube_error err;
    int status = 0;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, &status, &err), EBB_ERR_IO);
    assert_int_equal(status, 503);
    assert_int_equal(err.reason, EBB_KUBE_SERVICE_UNAVAILABLE);
    assert_int_equal(n_requests(&e), 3);
    env_stop(&e);
}

static void test_501_is_not_retried(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    push_status(&e, 501, "NotImplemented", -1, 1);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    int status = 0;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, &status, NULL), EBB_ERR_IO);
    assert_int_equal(status, 501);
    assert_int_equal(n_requests(&e), 1);
    env_stop(&e);
}

static void test_429_honours_retry_after(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    push_status(&e, 429, "TooManyRequests", 1, 1);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    int status = 0;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, &status, NULL), EBB_OK);
    assert_int_equal(status, 200);
    struct ebb_replay_request seen[2];
    assert_int_equal(ebb_replay_requests(e.srv, seen, 2), 2);
    /* Retry-After: 1 beats the 10 ms backoff; loosely, for slow machines. */
    int64_t gap = seen[1].at_ms - seen[0].at_ms;
    if (gap < 900)
        fail_msg("second attempt %lld ms after the 429, want >= ~1000", (long long)gap);
    env_stop(&e);
}

static void test_connection_refused_is_transport_error_after_retries(void **state)
{
    (void)state;
    struct ebb_kube_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    char server[64];
    snprintf(server, sizeof(server), "https://127.0.0.1:%d", ebb_replay_refused_port());
    cfg.server = server;
    cfg.insecure_skip_tls_verify = true;
    struct ebb_kube_client_opts o;
    ebb_kube_client_opts_default(&o);
    o.max_retries = 3;
    o.backoff_base_ms = 20;
    struct ebb_kube_client *c = NULL;
    char err[256];
    assert_int_equal(ebb_kube_client_new(&cfg, &o, &c, err, sizeof(err)), EBB_OK);
    static const enum ebb_kube_method methods[] = {EBB_KUBE_GET, EBB_KUBE_POST};
    for (size_t i = 0; i < 2; i++) {
        struct ebb_kube_request r = get_req;
        r.method = methods[i];
        struct ebb_kube_error ke;
        int status = -1;
        int64_t t0 = now_ms();
        assert_int_equal(ebb_kube_do(c, &r, NULL, &status, &ke), EBB_ERR_IO);
        int64_t took = now_ms() - t0;
        assert_int_equal(status, 0);
        assert_int_equal(ke.http_status, 0);
        assert_int_equal(ke.reason, EBB_KUBE_TRANSPORT);
        /* Nothing was sent, so a POST is retried too: 1 + 3 attempts, with
         * 20, 40 and 80 ms (+-20%) between them. */
        if (strstr(ke.message, "(4 attempts)") == NULL || strstr(ke.message, server) == NULL ||
            strstr(ke.message, "Connection refused") == NULL)
            fail_msg("message: %s", ke.message);
        assert_true(took >= 100);
        assert_true(ebb_kube_error_retryable(&ke));
    }
    ebb_kube_client_free(c);
}

/* A password in the server URL (https://user:pass@host) is never shown:
 * neither in the errors of ebb_kube_client_new() nor in those of requests. */
static void test_server_password_is_redacted(void **state)
{
    (void)state;
    struct ebb_kube_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    struct ebb_kube_client_opts o;
    ebb_kube_client_opts_default(&o);
    o.max_retries = 0;
    struct ebb_kube_client *c = NULL;
    char err[256], server[96], want[96];
    static const struct {
        const char *server;
        const char *want;
    } bad[] = {
        {"ftp://adm:s3cret@h:21", "server \"ftp://adm:***@h:21\": scheme ftp: want https"},
        {"https://adm:s3cret@[::1:6443", "server \"https://adm:***@[::1:6443\": not a URL"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg.server = (char *)bad[i].server;
        assert_int_equal(ebb_kube_client_new(&cfg, &o, &c, err, sizeof(err)), EBB_ERR_INVALID);
        if (strstr(err, bad[i].want) == NULL || strstr(err, "s3cret") != NULL)
            fail_msg("case %zu: %s", i, err);
    }
    int port = ebb_replay_refused_port();
    snprintf(server, sizeof(server), "https://adm:s3cret@127.0.0.1:%d", port);
    snprintf(want, sizeof(want), "GET https://adm:***@127.0.0.1:%d/api", port);
    cfg.server = server;
    cfg.insecure_skip_tls_verify = true;
    assert_int_equal(ebb_kube_client_new(&cfg, &o, &c, err, sizeof(err)), EBB_OK);
    struct ebb_kube_error ke;
    assert_int_equal(ebb_kube_do(c, &get_req, NULL, NULL, &ke), EBB_ERR_IO);
    if (strstr(ke.message, want) == NULL || strstr(ke.message, "s3cret") != NULL)
        fail_msg("message: %s", ke.message);
    ebb_kube_client_free(c);
}

static void test_writes_retried_only_when_unprocessed(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    struct ebb_kube_request r = get_req;
    r.method = EBB_KUBE_PUT;
    r.body = "{}";
    r.body_len = 2;
    /* 500 after a PUT: it may have been applied, so it comes back as is. */
    push_status(&e, 500, "InternalError", -1, 1);
    /* 503 and 429: not processed, retried. */
    push_status(&e, 503, "ServiceUnavailable", -1, 1);
    push_status(&e, 429, "TooManyRequests", 0, 1);
    push_fixture(&e, FIX "22-deployment-put-200.txt", 1);
    int status = 0;
    assert_int_equal(ebb_kube_do(e.c, &r, NULL, &status, NULL), EBB_ERR_IO);
    assert_int_equal(status, 500);
    assert_int_equal(n_requests(&e), 1);
    assert_int_equal(ebb_kube_do(e.c, &r, NULL, &status, NULL), EBB_OK);
    assert_int_equal(status, 200);
    assert_int_equal(n_requests(&e), 4);
    env_stop(&e);
}

/* A response cut short: a GET is tried again, a PATCH (already sent) is not. */
static void test_cut_connection(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(FIX "12-deployment-scale-get.txt", &wire, NULL), EBB_OK);
    struct ebb_replay_step cut = EBB_REPLAY_STEP_INIT;
    cut.response = wire.buf;
    cut.len = wire.len;
    cut.cut_after = (long)wire.len - 40; /* head and part of the body */
    assert_int_equal(ebb_replay_push(e.srv, &cut), EBB_OK);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    assert_int_equal(ebb_replay_push(e.srv, &cut), EBB_OK);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);

    struct ebb_strbuf body = EBB_STRBUF_INIT;
    int status = 0;
    assert_int_equal(ebb_kube_do(e.c, &get_req, &body, &status, NULL), EBB_OK);
    assert_int_equal(status, 200);
    assert_int_equal(n_requests(&e), 2);
    assert_non_null(strstr(body.buf, "\"kind\":\"Scale\""));

    struct ebb_kube_request r = get_req;
    r.method = EBB_KUBE_PATCH;
    r.body = "{\"spec\":{\"replicas\":3}}";
    r.body_len = strlen(r.body);
    r.content_type = EBB_KUBE_MERGE_PATCH;
    struct ebb_kube_error err;
    assert_int_equal(ebb_kube_do(e.c, &r, &body, &status, &err), EBB_ERR_IO);
    assert_int_equal(status, 0);
    assert_int_equal(err.reason, EBB_KUBE_TRANSPORT);
    assert_int_equal(n_requests(&e), 3);
    ebb_strbuf_release(&body);
    ebb_strbuf_release(&wire);
    env_stop(&e);
}

static void test_request_timeout(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    e.opts.request_timeout_ms = 200;
    e.opts.max_retries = 0;
    env_client(&e);
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(FIX "12-deployment-scale-get.txt", &wire, NULL), EBB_OK);
    struct ebb_replay_step slow = EBB_REPLAY_STEP_INIT;
    slow.response = wire.buf;
    slow.len = wire.len;
    slow.delay_ms = 800;
    assert_int_equal(ebb_replay_push(e.srv, &slow), EBB_OK);
    struct ebb_kube_error err;
    int64_t t0 = now_ms();
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, &err), EBB_ERR_IO);
    assert_true(now_ms() - t0 < 700);
    assert_int_equal(err.reason, EBB_KUBE_TRANSPORT);
    if (strstr(err.message, "timed out") == NULL)
        fail_msg("message: %s", err.message);
    ebb_strbuf_release(&wire);
    env_stop(&e);
}

/* A loopback port whose TCP handshakes never complete, with no network
 * needed: a listener with backlog 0 that never accepts, its accept queue
 * filled by fds[1..n-1]. Linux drops a SYN while that queue is full, so a
 * connect() waits for a SYN-ACK that does not come. (Were a handshake to
 * get through, nobody would answer the TLS ClientHello: still a hang
 * inside curl's connect phase.) fds[0] is the listener; close all n. */
static int unanswering_port(int *fds, int n)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fds[0] >= 0);
    assert_int_equal(bind(fds[0], (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fds[0], 0), 0);
    assert_int_equal(getsockname(fds[0], (struct sockaddr *)&a, &alen), 0);
    for (int i = 1; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fds[i] >= 0);
        assert_int_equal(fcntl(fds[i], F_SETFL, O_NONBLOCK), 0);
        if (connect(fds[i], (struct sockaddr *)&a, sizeof(a)) != 0)
            assert_true(errno == EINPROGRESS || errno == EAGAIN);
    }
    struct timespec settle = {0, 50 * 1000000L}; /* let the fillers' handshakes land */
    nanosleep(&settle, NULL);
    return ntohs(a.sin_port);
}

/* The connect timeout ends a handshake that never completes, long before
 * the request timeout, and says so. A write that timed out connecting was
 * never sent, so it is retried like a refused connection. */
static void test_connect_timeout(void **state)
{
    (void)state;
    int fds[5];
    int port = unanswering_port(fds, 5);
    struct ebb_kube_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    char server[64];
    snprintf(server, sizeof(server), "https://127.0.0.1:%d", port);
    cfg.server = server;
    cfg.insecure_skip_tls_verify = true;
    struct ebb_kube_client_opts o;
    ebb_kube_client_opts_default(&o);
    o.connect_timeout_ms = 200;
    o.request_timeout_ms = 20000;
    o.backoff_base_ms = 10;
    o.seed = 1;
    static const struct {
        enum ebb_kube_method method;
        int max_retries;
        const char *attempts; /* in the message; NULL: none named (one attempt) */
    } cases[] = {{EBB_KUBE_GET, 0, NULL}, {EBB_KUBE_POST, 1, "(2 attempts)"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_kube_client *c = NULL;
        char err[256];
        o.max_retries = cases[i].max_retries;
        assert_int_equal(ebb_kube_client_new(&cfg, &o, &c, err, sizeof(err)), EBB_OK);
        struct ebb_kube_request r = get_req;
        r.method = cases[i].method;
        struct ebb_kube_error ke;
        int status = -1;
        int64_t t0 = now_ms();
        assert_int_equal(ebb_kube_do(c, &r, NULL, &status, &ke), EBB_ERR_IO);
        int64_t took = now_ms() - t0;
        assert_int_equal(status, 0);
        assert_int_equal(ke.http_status, 0);
        assert_int_equal(ke.reason, EBB_KUBE_TRANSPORT);
        /* "timed out: Failed to connect to 127.0.0.1 port N after 200 ms: ..." */
        const char *why = strstr(ke.message, "timed out: ");
        if (why == NULL || strstr(why, "onnect") == NULL || strstr(ke.message, server) == NULL)
            fail_msg("message: %s", ke.message);
        if (cases[i].attempts ? strstr(ke.message, cases[i].attempts) == NULL
                              : strstr(ke.message, "attempts") != NULL)
            fail_msg("message: %s", ke.message);
        /* 200 ms per attempt; generous for a loaded machine, far below 20 s. */
        if (took < 150 * (cases[i].max_retries + 1) || took > 5000)
            fail_msg("took %lld ms", (long long)took);
        assert_true(ebb_kube_error_retryable(&ke));
        ebb_kube_client_free(c);
    }
    for (int i = 0; i < 5; i++)
        close(fds[i]);
}

/* ---- rate limit -------------------------------------------------------------------------- */

struct done_log {
    int calls;
    int order[16];
    int n;
    int64_t at[16];
    int status[16];
};

struct tagged {
    struct done_log *log;
    int tag;
};

static void log_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct tagged *t = ctx;
    struct done_log *l = t->log;
    if (l->n < 16) {
        l->order[l->n] = t->tag;
        l->status[l->n] = resp->http_status;
        l->at[l->n] = now_ms();
        l->n++;
    }
    l->calls++;
}

static void poll_until_idle(struct ebb_kube_client *c, int64_t limit_ms)
{
    int64_t t0 = now_ms();
    while (ebb_kube_client_pending(c) > 0) {
        assert_int_equal(ebb_kube_client_poll(c, 100), EBB_OK);
        if (now_ms() - t0 > limit_ms)
            fail_msg("requests still pending after %lld ms", (long long)limit_ms);
    }
}

static void test_rate_limiter_delays_third_request(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    e.opts.qps = 2;
    e.opts.burst = 1;
    env_client(&e);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 3);
    struct done_log log;
    memset(&log, 0, sizeof(log));
    struct tagged tags[3] = {{&log, 0}, {&log, 1}, {&log, 2}};
    int64_t t0 = now_ms();
    for (int i = 0; i < 3; i++)
        assert_int_equal(ebb_kube_submit(e.c, &get_req, NULL, log_done, &tags[i], NULL), EBB_OK);
    assert_int_equal(ebb_kube_client_pending(e.c), 3);
    poll_until_idle(e.c, 10000);
    assert_int_equal(log.calls, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(log.status[i], 200);
    struct ebb_replay_request seen[3];
    assert_int_equal(ebb_replay_requests(e.srv, seen, 3), 3);
    /* burst 1 at 2 qps: at once, after ~500 ms, after ~1000 ms. */
    int64_t d1 = seen[1].at_ms - t0, d2 = seen[2].at_ms - t0;
    if (d1 < 400 || d2 < 900)
        fail_msg("requests 2 and 3 reached the server after %lld and %lld ms", (long long)d1,
                 (long long)d2);
    assert_true(seen[0].at_ms - t0 < 400);
    env_stop(&e);
}

/* ---- TLS --------------------------------------------------------------------------------- */

static void test_wrong_ca_fails_verification_clearly(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    e.cfg.ca_data = (char *)ebb_replay_other_ca_pem(e.srv, &e.cfg.ca_data_len);
    env_client(&e);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    struct ebb_kube_error err;
    int status = -1;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, &status, &err), EBB_ERR_IO);
    assert_int_equal(status, 0);
    assert_int_equal(err.reason, EBB_KUBE_TRANSPORT);
    if (strstr(err.message, "not trusted") == NULL ||
        strstr(err.message, "certificate-authority") == NULL ||
        strstr(err.message, "attempts") != NULL) /* a wrong CA is not retried */
        fail_msg("message: %s", err.message);
    assert_int_equal(n_requests(&e), 0);
    /* No CA at all: the system's roots do not know the test CA either. */
    ebb_kube_client_free(e.c);
    e.cfg.ca_data = NULL;
    e.cfg.ca_data_len = 0;
    env_client(&e);
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, &status, &err), EBB_ERR_IO);
    assert_non_null(strstr(err.message, "not trusted"));
    env_stop(&e);
}

static void test_insecure_skip_tls_verify(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    e.cfg.ca_data = NULL;
    e.cfg.ca_data_len = 0;
    e.cfg.insecure_skip_tls_verify = true;
    env_client(&e);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    int status = 0;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, &status, NULL), EBB_OK);
    assert_int_equal(status, 200);
    env_stop(&e);
}

static void test_tls_server_name(void **state)
{
    (void)state;
    struct ebb_replay_opts o = {.no_ip_san = true};
    struct env e;
    env_start(&e, &o);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 2);
    /* The certificate does not name 127.0.0.1: without tls-server-name it fails. */
    env_client(&e);
    struct ebb_kube_error err;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, &err), EBB_ERR_IO);
    assert_int_equal(err.reason, EBB_KUBE_TRANSPORT);
    ebb_kube_client_free(e.c);
    e.cfg.tls_server_name = "kube.test";
    env_client(&e);
    int status = 0;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, &status, &err), EBB_OK);
    assert_int_equal(status, 200);
    struct ebb_replay_request seen;
    assert_int_equal(ebb_replay_requests(e.srv, &seen, 1), 1);
    assert_string_equal(seen.sni, "kube.test");
    char host[64];
    snprintf(host, sizeof(host), "127.0.0.1:%d", ebb_replay_port(e.srv));
    assert_string_equal(seen.host, host);
    env_stop(&e);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_client_certificate_from_memory_and_files(void **state)
{
    (void)state;
    struct ebb_replay_opts o = {.want_client_cert = true};
    struct env e;
    env_start(&e, &o);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 2);
    e.cfg.token = NULL;
    e.cfg.client_cert_data = (char *)ebb_replay_client_cert_pem(e.srv, &e.cfg.client_cert_data_len);
    e.cfg.client_key_data = (char *)ebb_replay_client_key_pem(e.srv, &e.cfg.client_key_data_len);
    env_client(&e);
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, NULL), EBB_OK);
    ebb_kube_client_free(e.c);

    char dir[] = "/tmp/ebb-kube-client-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char ca[64], crt[64], key[64];
    snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
    snprintf(crt, sizeof(crt), "%s/client.crt", dir);
    snprintf(key, sizeof(key), "%s/client.key", dir);
    size_t n;
    const char *pem = ebb_replay_ca_pem(e.srv, &n);
    write_file(ca, pem, n);
    pem = ebb_replay_client_cert_pem(e.srv, &n);
    write_file(crt, pem, n);
    pem = ebb_replay_client_key_pem(e.srv, &n);
    write_file(key, pem, n);
    e.cfg.ca_data = NULL;
    e.cfg.ca_file = ca;
    e.cfg.client_cert_data = NULL;
    e.cfg.client_key_data = NULL;
    e.cfg.client_cert_file = crt;
    e.cfg.client_key_file = key;
    env_client(&e);
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, NULL), EBB_OK);

    struct ebb_replay_request seen[2];
    assert_int_equal(ebb_replay_requests(e.srv, seen, 2), 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(seen[i].client_cn, "ebb-test-client");
        assert_string_equal(seen[i].authorization, "");
    }
    unlink(ca);
    unlink(crt);
    unlink(key);
    rmdir(dir);
    env_stop(&e);
}

/* ---- configuration errors ---------------------------------------------------------------- */

static void test_client_new_refuses_bad_settings(void **state)
{
    (void)state;
    struct ebb_replay_server *a = NULL, *b = NULL;
    assert_int_equal(ebb_replay_start(NULL, &a), EBB_OK);
    assert_int_equal(ebb_replay_start(NULL, &b), EBB_OK);
    size_t ca_len, cert_len, key_len, other_key_len;
    const char *ca = ebb_replay_ca_pem(a, &ca_len);
    const char *cert = ebb_replay_client_cert_pem(a, &cert_len);
    const char *key = ebb_replay_client_key_pem(a, &key_len);
    const char *other_key = ebb_replay_client_key_pem(b, &other_key_len);
    struct {
        const char *server, *ca_file, *ca_data, *cert, *key, *token_file, *tls_name;
        const char *want; /* in the message */
    } cases[] = {
        {"", NULL, NULL, NULL, NULL, NULL, NULL, "server: empty"},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, "server: empty"},
        {"ftp://x:21", NULL, NULL, NULL, NULL, NULL, NULL, "scheme ftp"},
        {"https://[::1", NULL, NULL, NULL, NULL, NULL, NULL, "not a URL"},
        {"https://h:6443", "/nonexistent/ca.crt", NULL, NULL, NULL, NULL, NULL,
         "certificate-authority /nonexistent/ca.crt: No such file or directory"},
        {"https://h:6443", NULL, "not a pem", NULL, NULL, NULL, NULL,
         "certificate-authority-data: no PEM certificate"},
        {"https://h:6443", NULL, ca, cert, NULL, NULL, NULL, "client-key is missing"},
        {"https://h:6443", NULL, ca, NULL, key, NULL, NULL, "client-certificate is missing"},
        {"https://h:6443", NULL, ca, cert, other_key, NULL, NULL,
         "client-key-data does not match client-certificate-data"},
        {"https://h:6443", NULL, ca, cert, "junk", NULL, NULL, "client-key-data: no unencrypted"},
        {"https://h:6443", NULL, ca, NULL, NULL, "/nonexistent/token", NULL,
         "token file /nonexistent/token: No such file or directory"},
        {"https://h:6443", NULL, ca, NULL, NULL, NULL, "bad name:1", "tls-server-name"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_kube_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.server = (char *)cases[i].server;
        cfg.ca_file = (char *)cases[i].ca_file;
        cfg.ca_data = (char *)cases[i].ca_data;
        cfg.ca_data_len = cfg.ca_data ? strlen(cfg.ca_data) : 0;
        cfg.client_cert_data = (char *)cases[i].cert;
        cfg.client_cert_data_len = cfg.client_cert_data ? strlen(cfg.client_cert_data) : 0;
        cfg.client_key_data = (char *)cases[i].key;
        cfg.client_key_data_len = cfg.client_key_data ? strlen(cfg.client_key_data) : 0;
        cfg.token_file = (char *)cases[i].token_file;
        cfg.tls_server_name = (char *)cases[i].tls_name;
        struct ebb_kube_client *c = (struct ebb_kube_client *)&cfg; /* must be reset */
        char err[512] = "";
        enum ebb_rc rc = ebb_kube_client_new(&cfg, NULL, &c, err, sizeof(err));
        if (rc == EBB_OK || c != NULL || strstr(err, cases[i].want) == NULL)
            fail_msg("case %zu: rc %d, err \"%s\", want \"%s\"", i, rc, err, cases[i].want);
    }
    (void)ca_len;
    (void)cert_len;
    (void)key_len;
    (void)other_key_len;
    ebb_replay_stop(a);
    ebb_replay_stop(b);
}

static void test_submit_refuses_bad_requests(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    struct ebb_kube_request r = get_req;
    r.path = "no-slash";
    assert_int_equal(ebb_kube_submit(e.c, &r, NULL, NULL, NULL, NULL), EBB_ERR_INVALID);
    r.path = "/a b";
    assert_int_equal(ebb_kube_submit(e.c, &r, NULL, NULL, NULL, NULL), EBB_ERR_INVALID);
    r = get_req;
    r.stream = true; /* a stream needs on_data */
    assert_int_equal(ebb_kube_submit(e.c, &r, NULL, NULL, NULL, NULL), EBB_ERR_INVALID);
    r = get_req;
    r.method = (enum ebb_kube_method)42;
    assert_int_equal(ebb_kube_submit(e.c, &r, NULL, NULL, NULL, NULL), EBB_ERR_INVALID);
    r = get_req;
    r.body_len = 3; /* without a body */
    assert_int_equal(ebb_kube_submit(e.c, &r, NULL, NULL, NULL, NULL), EBB_ERR_INVALID);
    assert_int_equal(ebb_kube_client_pending(e.c), 0);
    env_stop(&e);
}

/* ---- credentials ------------------------------------------------------------------------- */

static void test_basic_auth(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    e.cfg.token = NULL;
    e.cfg.username = "user";
    e.cfg.password = "pass";
    env_client(&e);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, NULL), EBB_OK);
    struct ebb_replay_request seen;
    assert_int_equal(ebb_replay_requests(e.srv, &seen, 1), 1);
    assert_string_equal(seen.authorization, "Basic dXNlcjpwYXNz");
    env_stop(&e);
}

static void test_token_file_reread_after_401(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    char dir[] = "/tmp/ebb-kube-token-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/token", dir);
    write_file(path, "first-token\n", 12);
    e.cfg.token = NULL;
    e.cfg.token_file = path;
    env_client(&e);
    /* The 401 comes late enough for the file to change meanwhile; the
     * client's own change check (once a second) has not run again yet. */
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(FIX "30-unauthorized-401.txt", &wire, NULL), EBB_OK);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    st.delay_ms = 200;
    assert_int_equal(ebb_replay_push(e.srv, &st), EBB_OK);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    struct done_log log;
    memset(&log, 0, sizeof(log));
    struct tagged tag = {&log, 0};
    assert_int_equal(ebb_kube_submit(e.c, &get_req, NULL, log_done, &tag, NULL), EBB_OK);
    int64_t t0 = now_ms();
    while (n_requests(&e) == 0 && now_ms() - t0 < 5000)
        assert_int_equal(ebb_kube_client_poll(e.c, 10), EBB_OK);
    write_file(path, "second-token-longer", 19);
    poll_until_idle(e.c, 5000);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.status[0], 200);
    struct ebb_replay_request seen[2];
    assert_int_equal(ebb_replay_requests(e.srv, seen, 2), 2);
    assert_string_equal(seen[0].authorization, "Bearer first-token");
    assert_string_equal(seen[1].authorization, "Bearer second-token-longer");

    /* A 401 while the file has not changed: the same token would get the
     * same answer, so it is returned without a retry. */
    push_fixture(&e, FIX "30-unauthorized-401.txt", 1);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    ebb_kube_client_free(e.c);
    env_client(&e);
    struct ebb_kube_error err;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, &err), EBB_ERR_IO);
    assert_int_equal(err.reason, EBB_KUBE_UNAUTHORIZED);
    assert_int_equal(n_requests(&e), 3);
    unlink(path);
    rmdir(dir);
    ebb_strbuf_release(&wire);
    env_stop(&e);
}

/* An exec plugin that hands out a new token each time it runs. */
static const char exec_script[] =
    "#!/bin/sh\n"
    "n=$(cat \"$EBB_TEST_DIR/count\" 2>/dev/null || echo 0)\n"
    "n=$((n + 1))\n"
    "echo $n > \"$EBB_TEST_DIR/count\"\n"
    "if [ -e \"$EBB_TEST_DIR/fail\" ]; then echo boom >&2; exit 3; fi\n"
    "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
    "\"kind\":\"ExecCredential\","
    "\"status\":{\"token\":\"exec-token-%s\"}}' $n\n";

static void test_exec_plugin_rerun_after_401(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    char dir[] = "/tmp/ebb-kube-exec-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char script[64], count[64], fail[64];
    snprintf(script, sizeof(script), "%s/plugin.sh", dir);
    snprintf(count, sizeof(count), "%s/count", dir);
    snprintf(fail, sizeof(fail), "%s/fail", dir);
    write_file(script, exec_script, sizeof(exec_script) - 1);
    assert_int_equal(chmod(script, 0700), 0);
    struct ebb_kube_env_var var = {"EBB_TEST_DIR", dir};
    e.cfg.token = NULL;
    e.cfg.has_exec = true;
    e.cfg.exec.command = script;
    e.cfg.exec.api_version = "client.authentication.k8s.io/v1";
    e.cfg.exec.env = &var;
    e.cfg.exec.n_env = 1;
    env_client(&e); /* runs the plugin: exec-token-1 */
    push_fixture(&e, FIX "30-unauthorized-401.txt", 1);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    int status = 0;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, &status, NULL), EBB_OK);
    assert_int_equal(status, 200);
    struct ebb_replay_request seen[2];
    assert_int_equal(ebb_replay_requests(e.srv, seen, 2), 2);
    assert_string_equal(seen[0].authorization, "Bearer exec-token-1");
    assert_string_equal(seen[1].authorization, "Bearer exec-token-2");

    /* A plugin that fails from the start: creating the client still works,
     * each request fails before anything is sent, with the plugin's words. */
    ebb_kube_client_free(e.c);
    write_file(fail, "", 0);
    e.opts.max_retries = 1;
    env_client(&e);
    struct ebb_kube_error err;
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, &status, &err), EBB_ERR_IO);
    assert_int_equal(err.reason, EBB_KUBE_TRANSPORT);
    if (strstr(err.message, "no credentials") == NULL || strstr(err.message, "boom") == NULL ||
        strstr(err.message, "(2 attempts)") == NULL)
        fail_msg("message: %s", err.message);
    assert_int_equal(n_requests(&e), 2);
    unlink(script);
    unlink(count);
    unlink(fail);
    rmdir(dir);
    env_stop(&e);
}

/* ---- watch streams ----------------------------------------------------------------------- */

struct stream_sink {
    struct ebb_strbuf got;
    int pieces;
    int stop_after; /* > 0: ask to stop after this many pieces */
    struct ebb_watch_decoder dec;
    int events[EBB_WATCH_TYPE__COUNT];
    enum ebb_rc dec_rc;
    bool done;
    int status;
};

static int count_event(void *ctx, const struct ebb_watch_event *ev)
{
    struct stream_sink *s = ctx;
    s->events[ev->type]++;
    return 0;
}

static int sink_data(void *ctx, const char *data, size_t len)
{
    struct stream_sink *s = ctx;
    ebb_strbuf_add(&s->got, data, len);
    s->pieces++;
    if (s->dec_rc == EBB_OK)
        s->dec_rc = ebb_watch_decoder_feed(&s->dec, data, len, count_event, s);
    return s->stop_after > 0 && s->pieces >= s->stop_after;
}

static void sink_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct stream_sink *s = ctx;
    s->done = true;
    s->status = resp->http_status;
}

static int count_prefix(const char *body, const char *prefix)
{
    int n = 0;
    for (const char *p = body; (p = strstr(p, prefix)) != NULL; p++)
        n++;
    return n;
}

static void test_watch_streams_reassemble_at_any_piece_size(void **state)
{
    (void)state;
    static const char *const files[] = {
        FIX "60-watch-deployments-added-modified-deleted.txt",
        FIX "61-watch-configmaps-raw-chunks.txt",
        FIX "62-watch-bookmark.txt",
    };
    static const struct {
        size_t piece;
        bool random;
    } modes[] = {{1, false}, {7, false}, {97, true}};
    static const char *const types[] = {"{\"type\":\"ADDED\"", "{\"type\":\"MODIFIED\"",
                                        "{\"type\":\"DELETED\"", "{\"type\":\"BOOKMARK\""};
    for (size_t f = 0; f < 3; f++) {
        struct ebb_strbuf wire = EBB_STRBUF_INIT, want = EBB_STRBUF_INIT;
        assert_int_equal(ebb_replay_fixture(files[f], &wire, &want), EBB_OK);
        for (size_t m = 0; m < 3; m++) {
            struct ebb_replay_opts o = {.seed = 1000 + m};
            struct env e;
            env_start(&e, &o);
            env_client(&e);
            struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
            st.response = wire.buf;
            st.len = wire.len;
            st.piece = modes[m].piece;
            st.random_pieces = modes[m].random;
            assert_int_equal(ebb_replay_push(e.srv, &st), EBB_OK);
            struct stream_sink s;
            memset(&s, 0, sizeof(s));
            ebb_strbuf_init(&s.got);
            ebb_watch_decoder_init(&s.dec, EBB_WATCH_DEFAULT_MAX_FRAME);
            struct ebb_kube_request r = {
                EBB_KUBE_GET, "/apis/apps/v1/namespaces/demo/deployments?watch=1&timeoutSeconds=9",
                NULL,         0,
                NULL,         true};
            assert_int_equal(ebb_kube_submit(e.c, &r, sink_data, sink_done, &s, NULL), EBB_OK);
            poll_until_idle(e.c, 15000);
            assert_true(s.done);
            assert_int_equal(s.status, 200);
            if (s.got.len != want.len || memcmp(s.got.buf, want.buf, want.len) != 0)
                fail_msg("%s in pieces of %zu: %zu bytes, want %zu", files[f], modes[m].piece,
                         s.got.len, want.len);
            if (modes[m].piece == 1)
                assert_true(s.pieces > 10); /* it did arrive in pieces */
            assert_int_equal(s.dec_rc, EBB_OK);
            assert_int_equal(ebb_watch_decoder_finish(&s.dec), EBB_OK);
            for (int t = 0; t < 4; t++)
                assert_int_equal(s.events[t], count_prefix(want.buf, types[t]));
            assert_int_equal((int)s.dec.events, count_prefix(want.buf, "\n"));
            ebb_watch_decoder_release(&s.dec);
            ebb_strbuf_release(&s.got);
            env_stop(&e);
        }
        ebb_strbuf_release(&wire);
        ebb_strbuf_release(&want);
    }
}

static void test_watch_refused_gives_status_not_data(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    push_fixture(&e, FIX "28-deployment-list-forbidden-403.txt", 1);
    struct stream_sink s;
    memset(&s, 0, sizeof(s));
    ebb_strbuf_init(&s.got);
    ebb_watch_decoder_init(&s.dec, 1024);
    struct ebb_kube_request r = {
        EBB_KUBE_GET, "/apis/apps/v1/namespaces/demo/deployments?watch=1", NULL, 0, NULL, true};
    assert_int_equal(ebb_kube_submit(e.c, &r, sink_data, sink_done, &s, NULL), EBB_OK);
    poll_until_idle(e.c, 5000);
    assert_true(s.done);
    assert_int_equal(s.status, 403);
    assert_int_equal(s.pieces, 0);
    ebb_watch_decoder_release(&s.dec);
    ebb_strbuf_release(&s.got);
    env_stop(&e);
}

/* ebb_kube_do() on a stream collects the whole body. */
static void test_do_collects_a_stream(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    struct ebb_strbuf want = EBB_STRBUF_INIT, got = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(FIX "62-watch-bookmark.txt", NULL, &want), EBB_OK);
    push_fixture(&e, FIX "62-watch-bookmark.txt", 1);
    struct ebb_kube_request r = {EBB_KUBE_GET, "/apis/apps/v1/deployments?watch=1", NULL, 0, NULL,
                                 true};
    assert_int_equal(ebb_kube_do(e.c, &r, &got, NULL, NULL), EBB_OK);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.buf, want.buf, want.len);
    ebb_strbuf_release(&want);
    ebb_strbuf_release(&got);
    env_stop(&e);
}

static void test_cancelled_stream_stops_cleanly(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(
        ebb_replay_fixture(FIX "60-watch-deployments-added-modified-deleted.txt", &wire, NULL),
        EBB_OK);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    st.piece = 512;
    st.pause_ms = 5;
    assert_int_equal(ebb_replay_push(e.srv, &st), EBB_OK);
    assert_int_equal(ebb_replay_push(e.srv, &st), EBB_OK);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);

    /* 1. on_data says stop: no on_done, nothing pending. */
    struct stream_sink s;
    memset(&s, 0, sizeof(s));
    ebb_strbuf_init(&s.got);
    ebb_watch_decoder_init(&s.dec, EBB_WATCH_DEFAULT_MAX_FRAME);
    s.stop_after = 2;
    struct ebb_kube_request r = {EBB_KUBE_GET, "/apis/apps/v1/deployments?watch=1", NULL, 0, NULL,
                                 true};
    assert_int_equal(ebb_kube_submit(e.c, &r, sink_data, sink_done, &s, NULL), EBB_OK);
    poll_until_idle(e.c, 5000);
    assert_false(s.done);
    assert_int_equal(s.pieces, 2);

    /* 2. ebb_kube_cancel() on a running stream. */
    struct stream_sink s2;
    memset(&s2, 0, sizeof(s2));
    ebb_strbuf_init(&s2.got);
    ebb_watch_decoder_init(&s2.dec, EBB_WATCH_DEFAULT_MAX_FRAME);
    uint64_t id = 0;
    assert_int_equal(ebb_kube_submit(e.c, &r, sink_data, sink_done, &s2, &id), EBB_OK);
    int64_t t0 = now_ms();
    while (s2.pieces == 0 && now_ms() - t0 < 5000)
        assert_int_equal(ebb_kube_client_poll(e.c, 10), EBB_OK);
    assert_true(s2.pieces > 0);
    ebb_kube_cancel(e.c, id);
    assert_int_equal(ebb_kube_client_pending(e.c), 0);
    int pieces = s2.pieces;
    assert_int_equal(ebb_kube_client_poll(e.c, 50), EBB_OK);
    assert_int_equal(s2.pieces, pieces);
    assert_false(s2.done);
    ebb_kube_cancel(e.c, id); /* twice, or an unknown id: nothing */
    ebb_kube_cancel(e.c, 987654);

    /* 3. The client goes on working. */
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, NULL), EBB_OK);
    ebb_watch_decoder_release(&s.dec);
    ebb_strbuf_release(&s.got);
    ebb_watch_decoder_release(&s2.dec);
    ebb_strbuf_release(&s2.got);
    ebb_strbuf_release(&wire);
    env_stop(&e);
}

/* ---- bodies, concurrency, callbacks ------------------------------------------------------ */

static void test_request_bodies_and_methods(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    push_fixture(&e, FIX "13-deployment-scale-patch-merge.txt", 1);
    push_fixture(&e, FIX "10-deployment-create-201.txt", 1);
    push_fixture(&e, FIX "80-deployment-delete-200.txt", 1);
    push_fixture(&e, FIX "22-deployment-put-200.txt", 1);
    static const char patch[] = "{\"spec\":{\"replicas\":3}}";
    struct ebb_kube_request r = {EBB_KUBE_PATCH,
                                 "/apis/apps/v1/namespaces/demo/deployments/web/scale",
                                 patch,
                                 sizeof(patch) - 1,
                                 EBB_KUBE_MERGE_PATCH,
                                 false};
    int status = 0;
    assert_int_equal(ebb_kube_do(e.c, &r, NULL, &status, NULL), EBB_OK);
    assert_int_equal(status, 200);
    r.method = EBB_KUBE_POST;
    r.body = NULL;
    r.body_len = 0;
    r.content_type = NULL;
    assert_int_equal(ebb_kube_do(e.c, &r, NULL, &status, NULL), EBB_OK);
    assert_int_equal(status, 201);
    r.method = EBB_KUBE_DELETE;
    assert_int_equal(ebb_kube_do(e.c, &r, NULL, &status, NULL), EBB_OK);
    r.method = EBB_KUBE_PUT;
    r.body = "{\"a\":\"\0b\"}"; /* binary-safe */
    r.body_len = 10;
    assert_int_equal(ebb_kube_do(e.c, &r, NULL, &status, NULL), EBB_OK);

    struct ebb_replay_request seen[4];
    assert_int_equal(ebb_replay_requests(e.srv, seen, 4), 4);
    assert_string_equal(seen[0].method, "PATCH");
    assert_string_equal(seen[0].content_type, EBB_KUBE_MERGE_PATCH);
    assert_int_equal(seen[0].body_len, sizeof(patch) - 1);
    assert_string_equal(seen[0].body, patch);
    assert_string_equal(seen[1].method, "POST");
    assert_int_equal(seen[1].body_len, 0);
    assert_string_equal(seen[2].method, "DELETE");
    assert_string_equal(seen[2].content_type, "");
    assert_string_equal(seen[3].method, "PUT");
    assert_string_equal(seen[3].content_type, "application/json");
    assert_int_equal(seen[3].body_len, 10);
    assert_memory_equal(seen[3].body, "{\"a\":\"\0b\"}", 10);
    env_stop(&e);
}

struct chain {
    struct ebb_kube_client *c;
    int done;
    int status[4];
};

static void chain_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct chain *ch = ctx;
    ch->status[ch->done++] = resp->http_status;
    if (ch->done < 3) /* a callback may submit the next request */
        assert_int_equal(ebb_kube_submit(ch->c, &get_req, NULL, chain_done, ch, NULL), EBB_OK);
}

static void test_callbacks_submit_and_many_in_flight(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    struct chain ch = {e.c, 0, {0}};
    assert_int_equal(ebb_kube_submit(e.c, &get_req, NULL, chain_done, &ch, NULL), EBB_OK);
    poll_until_idle(e.c, 5000);
    assert_int_equal(ch.done, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ch.status[i], 200);

    /* Eight at once: each completes exactly once, over a few connections. */
    struct done_log log;
    memset(&log, 0, sizeof(log));
    struct tagged tags[8];
    for (int i = 0; i < 8; i++) {
        tags[i].log = &log;
        tags[i].tag = i;
        assert_int_equal(ebb_kube_submit(e.c, &get_req, NULL, log_done, &tags[i], NULL), EBB_OK);
    }
    poll_until_idle(e.c, 5000);
    assert_int_equal(log.calls, 8);
    int seen_tags = 0;
    for (int i = 0; i < 8; i++) {
        assert_int_equal(log.status[i], 200);
        seen_tags |= 1 << log.order[i];
    }
    assert_int_equal(seen_tags, 0xff);
    /* Free with requests still queued: their callbacks are not called. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(ebb_kube_submit(e.c, &get_req, NULL, log_done, &tags[i], NULL), EBB_OK);
    assert_int_equal(ebb_kube_client_poll(e.c, 0), EBB_OK);
    env_stop(&e);
    assert_true(log.calls <= 11);
}

/* ---- many requests, one connection ------------------------------------------------------- */

#ifndef KUBE_CLIENT_TEST_MANY
#define KUBE_CLIENT_TEST_MANY 10000
#endif

static void test_many_requests_one_connection(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1); /* the last step repeats */
    struct ebb_strbuf body = EBB_STRBUF_INIT;
    int64_t t0 = now_ms();
    int n = KUBE_CLIENT_TEST_MANY;
    /* Under valgrind the full run takes minutes: stop at 20 s, having
     * still shown reuse and no growth. */
    for (int i = 0; i < n; i++) {
        int status = 0;
        if (ebb_kube_do(e.c, &get_req, &body, &status, NULL) != EBB_OK || status != 200)
            fail_msg("request %d failed: status %d", i, status);
        if (now_ms() - t0 > 20000 && i >= 500) {
            n = i + 1;
            break;
        }
    }
    assert_int_equal(n_requests(&e), (size_t)n);
    assert_int_equal(ebb_replay_connections(e.srv), 1);
    assert_int_equal(ebb_kube_client_pending(e.c), 0);
    print_message("%d requests on one connection in %lld ms\n", n, (long long)(now_ms() - t0));
    ebb_strbuf_release(&body);
    env_stop(&e);
}

/* ---- review fixes: do inside a callback, 401 storms, plugin backoff, body caps ----------- */

struct nested_do {
    struct ebb_kube_client *c;
    enum ebb_rc rc;
    struct ebb_kube_error err;
    bool called;
};

static void nested_do_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct nested_do *n = ctx;
    (void)resp;
    n->called = true;
    n->rc = ebb_kube_do(n->c, &get_req, NULL, NULL, &n->err);
}

static void test_do_inside_callback_says_why(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    env_client(&e);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    struct nested_do n = {e.c, EBB_OK, {0}, false};
    assert_int_equal(ebb_kube_submit(e.c, &get_req, NULL, nested_do_done, &n, NULL), EBB_OK);
    poll_until_idle(e.c, 5000);
    assert_true(n.called);
    assert_int_equal(n.rc, EBB_ERR_INVALID);
    assert_string_equal(n.err.message,
                        "ebb_kube_do cannot block inside a client callback; use ebb_kube_submit");
    assert_int_equal(n_requests(&e), 1); /* the nested one never went out */
    /* A request submit refuses says so too. */
    struct ebb_kube_request bad = {EBB_KUBE_GET, "no-slash", NULL, 0, NULL, false};
    struct ebb_kube_error err;
    assert_int_equal(ebb_kube_do(e.c, &bad, NULL, NULL, &err), EBB_ERR_INVALID);
    assert_non_null(strstr(err.message, "invalid request"));
    env_stop(&e);
}

/* The exec plugin of exec_script in a temporary folder. */
struct plug {
    char dir[32];
    char script[64], count[64], fail[64];
    struct ebb_kube_env_var var;
};

static void plug_setup(struct env *e, struct plug *p)
{
    snprintf(p->dir, sizeof(p->dir), "/tmp/ebb-kube-plug-XXXXXX");
    assert_non_null(mkdtemp(p->dir));
    snprintf(p->script, sizeof(p->script), "%s/plugin.sh", p->dir);
    snprintf(p->count, sizeof(p->count), "%s/count", p->dir);
    snprintf(p->fail, sizeof(p->fail), "%s/fail", p->dir);
    write_file(p->script, exec_script, sizeof(exec_script) - 1);
    assert_int_equal(chmod(p->script, 0700), 0);
    p->var.name = "EBB_TEST_DIR";
    p->var.value = p->dir;
    e->cfg.token = NULL;
    e->cfg.has_exec = true;
    e->cfg.exec.command = p->script;
    e->cfg.exec.api_version = "client.authentication.k8s.io/v1";
    e->cfg.exec.env = &p->var;
    e->cfg.exec.n_env = 1;
}

/* How many times the plugin ran. */
static long plug_runs(const struct plug *p)
{
    char buf[32] = "";
    FILE *f = fopen(p->count, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

static void plug_cleanup(struct plug *p)
{
    unlink(p->script);
    unlink(p->count);
    unlink(p->fail);
    rmdir(p->dir);
}

static void test_concurrent_401s_run_the_plugin_once(void **state)
{
    (void)state;
    enum { N = 10 };
    struct env e;
    struct plug p;
    env_start(&e, NULL);
    plug_setup(&e, &p);
    env_client(&e); /* exec-token-1 */
    assert_int_equal(plug_runs(&p), 1);
    /* Every first attempt gets a 401, answered late enough for all of
     * them to have been read by then; the retries get 200. */
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(FIX "30-unauthorized-401.txt", &wire, NULL), EBB_OK);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    st.delay_ms = 500;
    st.times = N;
    assert_int_equal(ebb_replay_push(e.srv, &st), EBB_OK);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    struct done_log log;
    memset(&log, 0, sizeof(log));
    struct tagged tags[N];
    for (int i = 0; i < N; i++) {
        tags[i].log = &log;
        tags[i].tag = i;
        assert_int_equal(ebb_kube_submit(e.c, &get_req, NULL, log_done, &tags[i], NULL), EBB_OK);
    }
    poll_until_idle(e.c, 10000);
    assert_int_equal(log.calls, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(log.status[i], 200);
    assert_int_equal(plug_runs(&p), 2); /* one re-run for ten 401s */
    struct ebb_replay_request seen[2 * N];
    assert_int_equal(ebb_replay_requests(e.srv, seen, 2 * N), 2 * N);
    for (int i = 0; i < 2 * N; i++)
        assert_string_equal(seen[i].authorization,
                            i < N ? "Bearer exec-token-1" : "Bearer exec-token-2");
    ebb_strbuf_release(&wire);
    plug_cleanup(&p);
    env_stop(&e);
}

static void test_failed_plugin_waits_out_a_backoff(void **state)
{
    (void)state;
    enum { N = 10 };
    struct env e;
    struct plug p;
    env_start(&e, NULL);
    plug_setup(&e, &p);
    write_file(p.fail, "", 0);
    e.opts.max_retries = 0;
    env_client(&e); /* the plugin fails: not an error yet */
    assert_int_equal(plug_runs(&p), 1);
    /* Ten requests within the backoff: each fails with the plugin's error,
     * and the plugin is not run again for them. */
    int64_t t0 = now_ms();
    for (int i = 0; i < N; i++) {
        struct ebb_kube_error err;
        assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, &err), EBB_ERR_IO);
        assert_int_equal(err.reason, EBB_KUBE_TRANSPORT);
        if (strstr(err.message, "no credentials") == NULL ||
            strstr(err.message, "exit code 3: boom") == NULL)
            fail_msg("message: %s", err.message);
    }
    assert_int_equal(plug_runs(&p), 1);
    assert_int_equal(n_requests(&e), 0);
    assert_true(now_ms() - t0 < 900); /* failing at once: no poll waits for nothing */
    /* After the backoff (1 s +-20%) the plugin runs again. */
    unlink(p.fail);
    usleep(1300 * 1000);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, NULL), EBB_OK);
    assert_int_equal(plug_runs(&p), 2);
    struct ebb_replay_request seen;
    assert_int_equal(ebb_replay_requests(e.srv, &seen, 1), 1);
    assert_string_equal(seen.authorization, "Bearer exec-token-2");
    plug_cleanup(&p);
    env_stop(&e);
}

/* A plugin whose second run takes a second: exec-token-1 at once, then
 * exec-token-2 after "sleep 1". */
static const char slow_script[] = "#!/bin/sh\n"
                                  "n=$(cat \"$EBB_TEST_DIR/count\" 2>/dev/null || echo 0)\n"
                                  "n=$((n + 1))\n"
                                  "echo $n > \"$EBB_TEST_DIR/count\"\n"
                                  "if [ $n -ge 2 ]; then sleep 1; fi\n"
                                  "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                                  "\"kind\":\"ExecCredential\","
                                  "\"status\":{\"token\":\"exec-token-%s\"}}' $n\n";

/* The plugin re-run after a 401 does not block the loop: every poll (50 ms
 * timeout) returns promptly while it sleeps, a request submitted meanwhile
 * waits for the same run, and both go out with its token. */
static void test_slow_plugin_does_not_block_the_loop(void **state)
{
    (void)state;
    struct env e;
    struct plug p;
    env_start(&e, NULL);
    plug_setup(&e, &p);
    write_file(p.script, slow_script, sizeof(slow_script) - 1);
    env_client(&e); /* exec-token-1, at once */
    assert_int_equal(plug_runs(&p), 1);
    push_fixture(&e, FIX "30-unauthorized-401.txt", 1);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 2);
    struct done_log log;
    memset(&log, 0, sizeof(log));
    struct tagged tags[2] = {{&log, 0}, {&log, 1}};
    assert_int_equal(ebb_kube_submit(e.c, &get_req, NULL, log_done, &tags[0], NULL), EBB_OK);
    int64_t t0 = now_ms(), longest = 0, run_started = -1;
    int ticks = 0; /* polls while the plugin runs: the loop's timer */
    while (log.calls < 2) {
        int64_t t1 = now_ms();
        assert_int_equal(ebb_kube_client_poll(e.c, 50), EBB_OK);
        int64_t took = now_ms() - t1;
        if (took > longest)
            longest = took;
        if (run_started < 0 && plug_runs(&p) == 2) {
            run_started = now_ms();
            /* Needs credentials too: waits for the run under way. */
            assert_int_equal(ebb_kube_submit(e.c, &get_req, NULL, log_done, &tags[1], NULL),
                             EBB_OK);
        }
        if (run_started >= 0 && log.calls == 0)
            ticks++;
        if (now_ms() - t0 > 10000)
            fail_msg("not done after 10 s (%d callbacks)", log.calls);
    }
    if (longest > 200)
        fail_msg("a poll took %lld ms while the plugin ran", (long long)longest);
    if (ticks < 10)
        fail_msg("only %d polls returned while the plugin slept 1 s", ticks);
    assert_true(log.at[0] - run_started >= 800); /* it did wait for the plugin */
    assert_int_equal(log.status[0], 200);
    assert_int_equal(log.status[1], 200);
    assert_int_equal(plug_runs(&p), 2); /* one run for both */
    struct ebb_replay_request seen[3];
    assert_int_equal(ebb_replay_requests(e.srv, seen, 3), 3);
    assert_string_equal(seen[0].authorization, "Bearer exec-token-1");
    assert_string_equal(seen[1].authorization, "Bearer exec-token-2");
    assert_string_equal(seen[2].authorization, "Bearer exec-token-2");
    plug_cleanup(&p);
    env_stop(&e);
}

struct body_seen {
    bool done;
    int status;
    size_t body_len;
    struct ebb_kube_error err;
};

static void body_seen_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct body_seen *b = ctx;
    b->done = true;
    b->status = resp->http_status;
    b->body_len = resp->body_len;
    if (resp->error)
        b->err = *resp->error;
}

static void test_response_bodies_are_capped(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    struct ebb_kube_client_opts d;
    ebb_kube_client_opts_default(&d);
    assert_int_equal(d.max_body_bytes, (size_t)64 << 20);

    /* A whole body over max_body_bytes: a clear error, no retry. */
    struct ebb_strbuf body = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(FIX "12-deployment-scale-get.txt", NULL, &body), EBB_OK);
    assert_true(body.len > 100);
    e.opts.max_body_bytes = body.len - 1;
    env_client(&e);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 2);
    struct ebb_kube_error err;
    struct ebb_strbuf got = EBB_STRBUF_INIT;
    assert_int_equal(ebb_kube_do(e.c, &get_req, &got, NULL, &err), EBB_ERR_IO);
    assert_int_equal(err.reason, EBB_KUBE_TRANSPORT);
    char want[160];
    snprintf(want, sizeof(want), "response body over the %zu-byte limit", body.len - 1);
    if (strstr(err.message, want) == NULL || strstr(err.message, "max_body_bytes") == NULL)
        fail_msg("message: %s", err.message);
    assert_int_equal(n_requests(&e), 1);
    /* Exactly the limit is fine. */
    ebb_kube_client_free(e.c);
    e.opts.max_body_bytes = body.len;
    env_client(&e);
    assert_int_equal(ebb_kube_do(e.c, &get_req, &got, NULL, &err), EBB_OK);
    assert_int_equal(got.len, body.len);

    /* A stream collected by ebb_kube_do is capped the same way. */
    ebb_kube_client_free(e.c);
    e.opts.max_body_bytes = 100;
    env_client(&e);
    push_fixture(&e, FIX "62-watch-bookmark.txt", 1);
    struct ebb_kube_request w = {EBB_KUBE_GET, "/apis/apps/v1/deployments?watch=1", NULL, 0, NULL,
                                 true};
    assert_int_equal(ebb_kube_do(e.c, &w, &got, NULL, &err), EBB_ERR_IO);
    if (strstr(err.message, "passed the 100-byte limit of max_body_bytes") == NULL)
        fail_msg("message: %s", err.message);
    assert_int_equal(got.len, 0);
    assert_int_equal(ebb_kube_client_pending(e.c), 0);

    /* An error's body: its first 64 KiB are kept, the rest read and
     * dropped; the Status at its start still makes the typed error. */
    ebb_kube_client_free(e.c);
    e.opts.max_body_bytes = 0; /* the default */
    e.opts.max_retries = 0;
    env_client(&e);
    const char status_json[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                               "\"message\":\"too much\",\"reason\":\"Forbidden\",\"code\":403}";
    size_t pad = 200 * 1024;
    struct ebb_strbuf resp = EBB_STRBUF_INIT;
    ebb_strbuf_addf(&resp,
                    "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                    "Content-Length: %zu\r\n\r\n%s",
                    sizeof(status_json) - 1 + pad, status_json);
    for (size_t i = 0; i < pad; i++)
        ebb_strbuf_addch(&resp, ' ');
    assert_int_equal(ebb_strbuf_rc(&resp), EBB_OK);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = resp.buf;
    st.len = resp.len;
    assert_int_equal(ebb_replay_push(e.srv, &st), EBB_OK);
    push_fixture(&e, FIX "12-deployment-scale-get.txt", 1);
    struct body_seen b;
    memset(&b, 0, sizeof(b));
    assert_int_equal(ebb_kube_submit(e.c, &get_req, NULL, body_seen_done, &b, NULL), EBB_OK);
    poll_until_idle(e.c, 5000);
    assert_true(b.done);
    assert_int_equal(b.status, 403);
    assert_int_equal(b.body_len, 64 * 1024);
    assert_int_equal(b.err.reason, EBB_KUBE_FORBIDDEN);
    assert_string_equal(b.err.message, "too much");
    /* The connection is still good: the rest was read, not left behind. */
    assert_int_equal(ebb_kube_do(e.c, &get_req, NULL, NULL, NULL), EBB_OK);
    ebb_strbuf_release(&resp);
    ebb_strbuf_release(&body);
    ebb_strbuf_release(&got);
    env_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_content_length_and_chunked),
        cmocka_unit_test(test_user_agent_default_shape_and_override),
        cmocka_unit_test(test_error_fixtures_become_typed_errors),
        cmocka_unit_test(test_retries_500_then_succeeds),
        cmocka_unit_test(test_retries_give_up_after_max),
        cmocka_unit_test(test_501_is_not_retried),
        cmocka_unit_test(test_429_honours_retry_after),
        cmocka_unit_test(test_connection_refused_is_transport_error_after_retries),
        cmocka_unit_test(test_server_password_is_redacted),
        cmocka_unit_test(test_writes_retried_only_when_unprocessed),
        cmocka_unit_test(test_cut_connection),
        cmocka_unit_test(test_request_timeout),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_rate_limiter_delays_third_request),
        cmocka_unit_test(test_wrong_ca_fails_verification_clearly),
        cmocka_unit_test(test_insecure_skip_tls_verify),
        cmocka_unit_test(test_tls_server_name),
        cmocka_unit_test(test_client_certificate_from_memory_and_files),
        cmocka_unit_test(test_client_new_refuses_bad_settings),
        cmocka_unit_test(test_submit_refuses_bad_requests),
        cmocka_unit_test(test_basic_auth),
        cmocka_unit_test(test_token_file_reread_after_401),
        cmocka_unit_test(test_exec_plugin_rerun_after_401),
        cmocka_unit_test(test_watch_streams_reassemble_at_any_piece_size),
        cmocka_unit_test(test_watch_refused_gives_status_not_data),
        cmocka_unit_test(test_do_collects_a_stream),
        cmocka_unit_test(test_cancelled_stream_stops_cleanly),
        cmocka_unit_test(test_request_bodies_and_methods),
        cmocka_unit_test(test_callbacks_submit_and_many_in_flight),
        cmocka_unit_test(test_many_requests_one_connection),
        cmocka_unit_test(test_do_inside_callback_says_why),
        cmocka_unit_test(test_concurrent_401s_run_the_plugin_once),
        cmocka_unit_test(test_failed_plugin_waits_out_a_backoff),
        cmocka_unit_test(test_slow_plugin_does_not_block_the_loop),
        cmocka_unit_test(test_response_bodies_are_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
