/* httpd_test.c -- pkg/httpd: addresses, routes, status codes, bodies, keep-alive, big bodies,
 * parallel clients; the client is libcurl in this same thread, the server only ever ticked. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "../../pkg/httpd/httpd.h"
#include "../../pkg/telemetry/telemetry.h"

/* ---- handlers ------------------------------------------------------------------------------ */

struct app {
    struct ebb_telemetry *tm;
    struct ebb_tm_operator m;
    int ready;
    int calls;
    size_t big;
};

static int h_metrics(void *ctx, struct ebb_strbuf *body, char *ctype)
{
    struct app *a = ctx;
    a->calls++;
    snprintf(ctype, EBB_HTTPD_CONTENT_TYPE_MAX, "%s", EBB_TELEMETRY_CONTENT_TYPE);
    return ebb_telemetry_render(a->tm, body) ? 500 : 200;
}

static int h_healthz(void *ctx, struct ebb_strbuf *body, char *ctype)
{
    struct app *a = ctx;
    (void)ctype;
    a->calls++;
    ebb_strbuf_adds(body, "ok");
    return 200;
}

static int h_readyz(void *ctx, struct ebb_strbuf *body, char *ctype)
{
    struct app *a = ctx;
    (void)ctype;
    a->calls++;
    if (!a->ready) {
        ebb_strbuf_adds(body, "informers not synced: scalingpolicies");
        return 503;
    }
    ebb_strbuf_adds(body, "ok");
    return 200;
}

static int h_bogus(void *ctx, struct ebb_strbuf *body, char *ctype)
{
    (void)ctx;
    (void)ctype;
    ebb_strbuf_adds(body, "never seen");
    return 42;
}

static int h_big(void *ctx, struct ebb_strbuf *body, char *ctype)
{
    struct app *a = ctx;
    snprintf(ctype, EBB_HTTPD_CONTENT_TYPE_MAX, "application/octet-stream");
    for (size_t i = 0; i < a->big; i++)
        ebb_strbuf_addch(body, (char)('a' + (i * 7 + i / 1000) % 26));
    return 200;
}

static int h_empty(void *ctx, struct ebb_strbuf *body, char *ctype)
{
    (void)ctx;
    (void)body;
    (void)ctype;
    return 204;
}

/* ---- a libcurl client driven together with the server's tick ------------------------------- */

struct fetch {
    const char *path;
    const char *method; /* NULL = GET */
    bool fresh;         /* a new connection */
    /* results */
    CURL *easy;
    long status;
    char ctype[160];
    struct ebb_strbuf body;
    long connects;
    bool done;
    CURLcode result;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    ebb_strbuf_add(ud, p, sz * n);
    return sz * n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs every fetch in fs at once on the multi handle m, ticking h. */
static void run_fetches(CURLM *m, struct ebb_httpd *h, struct fetch *fs, size_t n)
{
    char url[256];
    for (size_t i = 0; i < n; i++) {
        struct fetch *f = &fs[i];
        ebb_strbuf_init(&f->body);
        f->done = false;
        f->easy = curl_easy_init();
        assert_non_null(f->easy);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", ebb_httpd_port(h), f->path);
        curl_easy_setopt(f->easy, CURLOPT_URL, url);
        curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, &f->body);
        curl_easy_setopt(f->easy, CURLOPT_PRIVATE, f);
        curl_easy_setopt(f->easy, CURLOPT_TIMEOUT_MS, 5000L);
        if (f->fresh)
            curl_easy_setopt(f->easy, CURLOPT_FRESH_CONNECT, 1L);
        if (f->method && strcmp(f->method, "HEAD") == 0)
            curl_easy_setopt(f->easy, CURLOPT_NOBODY, 1L);
        else if (f->method && strcmp(f->method, "POST") == 0)
            curl_easy_setopt(f->easy, CURLOPT_POSTFIELDS, "x=1");
        else if (f->method)
            curl_easy_setopt(f->easy, CURLOPT_CUSTOMREQUEST, f->method);
        assert_int_equal(curl_multi_add_handle(m, f->easy), CURLM_OK);
    }
    size_t left = n;
    double deadline = now_s() + 10;
    while (left > 0) {
        int running = 0, msgs = 0;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &msgs)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct fetch *f = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f);
            f->result = msg->data.result;
            f->done = true;
            left--;
        }
        if (left == 0)
            break;
        assert_true(now_s() < deadline);
        int t = ebb_httpd_next_in(h);
        curl_multi_poll(m, NULL, 0, t < 0 || t > 100 ? 100 : t, NULL);
        assert_int_equal(ebb_httpd_tick(h), EBB_OK);
    }
    for (size_t i = 0; i < n; i++) {
        struct fetch *f = &fs[i];
        const char *ct = NULL;
        if (f->result != CURLE_OK)
            fail_msg("%s %s: curl: %s", f->method ? f->method : "GET", f->path,
                     curl_easy_strerror(f->result));
        curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &f->status);
        curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &ct);
        snprintf(f->ctype, sizeof(f->ctype), "%s", ct ? ct : "");
        curl_easy_getinfo(f->easy, CURLINFO_NUM_CONNECTS, &f->connects);
        curl_multi_remove_handle(m, f->easy);
        curl_easy_cleanup(f->easy);
        f->easy = NULL;
    }
}

static void release_fetches(struct fetch *fs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ebb_strbuf_release(&fs[i].body);
}

/* ---- fixture ------------------------------------------------------------------------------- */

struct fx {
    struct app app;
    struct ebb_httpd *h;
    CURLM *m;
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx || ebb_telemetry_new(&fx->app.tm) ||
        ebb_tm_operator_register(fx->app.tm, &fx->app.m, NULL, 0))
        return -1;
    const struct ebb_httpd_route routes[] = {
        {"/metrics", h_metrics, &fx->app}, {"/healthz", h_healthz, &fx->app},
        {"/readyz", h_readyz, &fx->app},   {"/bogus", h_bogus, &fx->app},
        {"/big", h_big, &fx->app},         {"/empty", h_empty, &fx->app},
    };
    const struct ebb_httpd_opts o = {"127.0.0.1:0", routes, sizeof(routes) / sizeof(routes[0]), 5};
    char err[256];
    if (ebb_httpd_new(&o, &fx->h, err, sizeof(err))) {
        fprintf(stderr, "httpd: %s\n", err);
        return -1;
    }
    fx->m = curl_multi_init();
    *state = fx;
    return fx->m ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    curl_multi_cleanup(fx->m);
    ebb_httpd_free(fx->h);
    ebb_telemetry_free(fx->app.tm);
    free(fx);
    return 0;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_parse_bind(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        enum ebb_rc rc;
        const char *host;
        int port;
    } cases[] = {
        {":8080", EBB_OK, "", 8080},
        {"127.0.0.1:0", EBB_OK, "127.0.0.1", 0},
        {"0.0.0.0:8081", EBB_OK, "0.0.0.0", 8081},
        {"[::1]:9000", EBB_OK, "::1", 9000},
        {"[::]:65535", EBB_OK, "::", 65535},
        {"localhost:80", EBB_OK, "localhost", 80},
        {"", EBB_ERR_USAGE, NULL, 0},
        {"8080", EBB_ERR_USAGE, NULL, 0},
        {":", EBB_ERR_USAGE, NULL, 0},
        {":65536", EBB_ERR_USAGE, NULL, 0},
        {":-1", EBB_ERR_USAGE, NULL, 0},
        {":+80", EBB_ERR_USAGE, NULL, 0},
        {":80x", EBB_ERR_USAGE, NULL, 0},
        {"::1:80", EBB_ERR_USAGE, NULL, 0},
        {"[::1:80", EBB_ERR_USAGE, NULL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char host[64] = "unset", err[256] = "";
        int port = -7;
        enum ebb_rc rc =
            ebb_httpd_parse_bind(cases[i].in, host, sizeof(host), &port, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, want %d (%s)", cases[i].in, rc, cases[i].rc, err);
        if (rc == EBB_OK && (strcmp(host, cases[i].host) != 0 || port != cases[i].port))
            fail_msg("\"%s\": host \"%s\" port %d", cases[i].in, host, port);
        if (rc != EBB_OK && err[0] == '\0')
            fail_msg("\"%s\": no message", cases[i].in);
    }
}

static void test_disabled_and_errors(void **state)
{
    (void)state;
    struct ebb_httpd *h = (struct ebb_httpd *)1;
    char err[256] = "";
    const struct ebb_httpd_opts off = {"0", NULL, 0, 0};
    assert_int_equal(ebb_httpd_new(&off, &h, err, sizeof(err)), EBB_OK);
    assert_null(h);
    assert_int_equal(ebb_httpd_tick(NULL), EBB_OK);
    assert_int_equal(ebb_httpd_next_in(NULL), -1);
    assert_int_equal(ebb_httpd_port(NULL), 0);
    ebb_httpd_free(NULL);

    const struct ebb_httpd_opts bad = {"nope", NULL, 0, 0};
    assert_int_equal(ebb_httpd_new(&bad, &h, err, sizeof(err)), EBB_ERR_USAGE);
    assert_non_null(strstr(err, "no port"));

    const struct ebb_httpd_route noslash[] = {{"metrics", h_healthz, NULL}};
    const struct ebb_httpd_opts r = {"127.0.0.1:0", noslash, 1, 0};
    assert_int_equal(ebb_httpd_new(&r, &h, err, sizeof(err)), EBB_ERR_USAGE);
    assert_non_null(strstr(err, "route 0"));

    /* A port someone else holds. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t sl = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(sa.sin_port));
    const struct ebb_httpd_opts taken = {addr, NULL, 0, 0};
    assert_int_equal(ebb_httpd_new(&taken, &h, err, sizeof(err)), EBB_ERR_IO);
    assert_null(h);
    if (!strstr(err, "Address already in use") || !strstr(err, addr))
        fail_msg("err: %s", err);
    close(fd);
}

static void test_routes_status_bodies_types(void **state)
{
    struct fx *fx = *state;
    assert_true(ebb_httpd_port(fx->h) > 0);
    const char *const ok[] = {"success"};
    assert_int_equal(ebb_tm_inc(fx->app.m.reconcile_total, ok), EBB_OK);
    assert_int_equal(ebb_tm_set(fx->app.m.leader, NULL, 1), EBB_OK);
    struct ebb_strbuf want_metrics = EBB_STRBUF_INIT;
    assert_int_equal(ebb_telemetry_render(fx->app.tm, &want_metrics), EBB_OK);

    static const struct {
        const char *path, *method;
        long status;
        const char *ctype;
        const char *body; /* NULL: the metrics text */
    } cases[] = {
        {"/healthz", NULL, 200, "text/plain; charset=utf-8", "ok"},
        {"/readyz", NULL, 503, "text/plain; charset=utf-8",
         "informers not synced: scalingpolicies"},
        {"/metrics", NULL, 200, EBB_TELEMETRY_CONTENT_TYPE, NULL},
        {"/metrics?name[]=ebb_leader", NULL, 200, EBB_TELEMETRY_CONTENT_TYPE, NULL},
        {"/nope", NULL, 404, "text/plain; charset=utf-8", "404 page not found\n"},
        {"/", NULL, 404, "text/plain; charset=utf-8", "404 page not found\n"},
        {"/healthz/", NULL, 404, "text/plain; charset=utf-8", "404 page not found\n"},
        {"/bogus", NULL, 500, "text/plain; charset=utf-8", "500 internal server error\n"},
        {"/empty", NULL, 204, "text/plain; charset=utf-8", ""},
        {"/healthz", "HEAD", 200, "text/plain; charset=utf-8", ""},
        {"/healthz", "POST", 405, "text/plain; charset=utf-8", "405 method not allowed\n"},
        {"/healthz", "DELETE", 405, "text/plain; charset=utf-8", "405 method not allowed\n"},
        {"/healthz", NULL, 200, "text/plain; charset=utf-8", "ok"}, /* still serving */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fetch f = {.path = cases[i].path, .method = cases[i].method};
        run_fetches(fx->m, fx->h, &f, 1);
        const char *want = cases[i].body ? cases[i].body : want_metrics.buf;
        if (f.status != cases[i].status || strcmp(f.ctype, cases[i].ctype) != 0 ||
            strcmp(f.body.buf, want) != 0)
            fail_msg("%s %s: %ld \"%s\" \"%s\"", cases[i].method ? cases[i].method : "GET",
                     cases[i].path, f.status, f.ctype, f.body.buf);
        release_fetches(&f, 1);
    }
    fx->app.ready = 1;
    struct fetch f = {.path = "/readyz"};
    run_fetches(fx->m, fx->h, &f, 1);
    assert_int_equal(f.status, 200);
    assert_string_equal(f.body.buf, "ok");
    release_fetches(&f, 1);
    ebb_strbuf_release(&want_metrics);
}

static void test_many_sequential_requests(void **state)
{
    struct fx *fx = *state;
    int before = fx->app.calls;
    long reused = 0, fresh = 0;
    for (int i = 0; i < 300; i++) {
        /* Every fifth on a new connection, the rest kept alive. */
        struct fetch f = {.path = i % 3 ? "/healthz" : "/metrics", .fresh = i % 5 == 0};
        run_fetches(fx->m, fx->h, &f, 1);
        assert_int_equal(f.status, 200);
        assert_true(f.body.len > 0);
        if (f.connects == 0)
            reused++;
        else
            fresh++;
        release_fetches(&f, 1);
    }
    assert_int_equal(fx->app.calls - before, 300);
    assert_true(fresh >= 60);   /* each forced one, at least */
    assert_true(reused >= 200); /* keep-alive works */
    assert_int_equal(ebb_httpd_next_in(fx->h) > 1, 1);
}

static void test_parallel_and_big_bodies(void **state)
{
    struct fx *fx = *state;
    fx->app.big = 3 * 1024 * 1024 + 17;
    struct fetch fs[10];
    memset(fs, 0, sizeof(fs));
    for (size_t i = 0; i < 10; i++) {
        fs[i].path = i % 2 ? "/big" : "/healthz";
        fs[i].fresh = true;
    }
    run_fetches(fx->m, fx->h, fs, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(fs[i].status, 200);
        if (i % 2 == 0) {
            assert_string_equal(fs[i].body.buf, "ok");
            continue;
        }
        assert_int_equal(fs[i].body.len, fx->app.big);
        assert_string_equal(fs[i].ctype, "application/octet-stream");
        for (size_t k = 0; k < fs[i].body.len; k += 4099)
            assert_int_equal(fs[i].body.buf[k], (char)('a' + (k * 7 + k / 1000) % 26));
    }
    release_fetches(fs, 10);
}

static void test_tick_never_blocks(void **state)
{
    struct fx *fx = *state;
    double t0 = now_s();
    for (int i = 0; i < 100; i++)
        assert_int_equal(ebb_httpd_tick(fx->h), EBB_OK);
    double spent = now_s() - t0;
    assert_true(spent < 0.1);                      /* 100 idle ticks, 1 ms at most each */
    assert_int_equal(ebb_httpd_next_in(fx->h), 5); /* the fixture's idle_ms */
}

static void test_two_servers_own_ports(void **state)
{
    (void)state;
    /* ":8080" and ":8081" side by side, as --metrics-bind-address and
     * --health-probe-bind-address are. */
    struct app a = {0};
    const struct ebb_httpd_route r1[] = {{"/healthz", h_healthz, &a}};
    const struct ebb_httpd_route r2[] = {{"/readyz", h_readyz, &a}};
    const struct ebb_httpd_opts o1 = {"localhost:0", r1, 1, 10};
    const struct ebb_httpd_opts o2 = {":0", r2, 1, 10};
    struct ebb_httpd *h1, *h2;
    char err[256];
    assert_int_equal(ebb_httpd_new(&o1, &h1, err, sizeof(err)), EBB_OK);
    assert_int_equal(ebb_httpd_new(&o2, &h2, err, sizeof(err)), EBB_OK);
    assert_true(ebb_httpd_port(h1) != ebb_httpd_port(h2));
    assert_int_equal(ebb_httpd_next_in(h1), 10);
    CURLM *m = curl_multi_init();
    struct fetch f1 = {.path = "/healthz"}, f2 = {.path = "/readyz"}, f3 = {.path = "/healthz"};
    run_fetches(m, h1, &f1, 1);
    assert_int_equal(f1.status, 200);
    run_fetches(m, h2, &f2, 1);
    assert_int_equal(f2.status, 503);
    run_fetches(m, h2, &f3, 1);
    assert_int_equal(f3.status, 404);
    release_fetches(&f1, 1);
    release_fetches(&f2, 1);
    release_fetches(&f3, 1);
    curl_multi_cleanup(m);
    ebb_httpd_free(h1);
    ebb_httpd_free(h2);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_bind),
        cmocka_unit_test(test_disabled_and_errors),
        cmocka_unit_test_setup_teardown(test_routes_status_bodies_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_sequential_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_and_big_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tick_never_blocks, setup, teardown),
        cmocka_unit_test(test_two_servers_own_ports),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
