/* leader_test.c -- pkg/kube/leader over TLS against the replay server.
 *
 * The recorded Lease exchanges (fixtures 70-73) are played back to the
 * real client: acquire by create, renew, losing a takeover to 409, and the
 * release on shutdown. The leader is driven as the operator drives it:
 * ebb_leader_tick() and ebb_kube_client_poll() in a loop, with the
 * monotonic now_ms made up by the test. Each test asserts what the leader
 * decided and the requests the server saw (method, path, the Lease body),
 * and that the loop never waits on the leader: other requests go on while
 * a renewal hangs, and leadership ends at the renew deadline even then.
 * Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../pkg/base/rfc3339.h"
#include "../../pkg/kube/client.h"
#include "../../pkg/kube/leader.h"
#include "../fake/replay_server.c"

#define FIX "tests/fixtures/kube-api/"
#define LEASE_PATH "/apis/coordination.k8s.io/v1/namespaces/demo/leases"
#define POD1 "demo-operator-pod-1_7f3c"
#define POD2 "demo-operator-pod-2_a91e"

struct env {
    struct ebb_replay_server *srv;
    struct ebb_kube_config cfg;
    struct ebb_kube_client *c;
    struct ebb_leader *l;
    char server[64];
    int started, stopped;           /* leadership callbacks run */
    int64_t started_at, stopped_at; /* their now_ms */
};

static void on_started(void *ctx, struct ebb_leader *l, int64_t now_ms)
{
    struct env *e = ctx;
    assert_ptr_equal(l, e->l);
    e->started++;
    e->started_at = now_ms;
}

static void on_stopped(void *ctx, struct ebb_leader *l, int64_t now_ms)
{
    struct env *e = ctx;
    assert_ptr_equal(l, e->l);
    e->stopped++;
    e->stopped_at = now_ms;
}

static void env_start(struct env *e, const char *identity)
{
    char err[256];
    memset(e, 0, sizeof(*e));
    assert_int_equal(ebb_replay_start(NULL, &e->srv), EBB_OK);
    snprintf(e->server, sizeof(e->server), "https://127.0.0.1:%d", ebb_replay_port(e->srv));
    e->cfg.server = e->server;
    e->cfg.ca_data = (char *)ebb_replay_ca_pem(e->srv, &e->cfg.ca_data_len);
    e->cfg.token = "test-token";
    struct ebb_kube_client_opts o;
    ebb_kube_client_opts_default(&o);
    o.qps = 0;
    o.max_retries = 0;
    o.seed = 1;
    assert_int_equal(ebb_kube_client_new(&e->cfg, &o, &e->c, err, sizeof(err)), EBB_OK);
    struct ebb_leader_config lc = {
        "demo", "demo-operator-leader", identity, {0, 0, 0}, on_started, on_stopped, e};
    ebb_leader_opts_default(&lc.opts);
    if (ebb_leader_new(e->c, &lc, &e->l, err, sizeof(err)) != EBB_OK)
        fail_msg("ebb_leader_new: %s", err);
}

static void env_stop(struct env *e)
{
    ebb_leader_free(e->l);
    ebb_kube_client_free(e->c);
    ebb_replay_stop(e->srv);
}

static void push_fixture(struct env *e, const char *file)
{
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(file, &wire, NULL), EBB_OK);
    assert_int_equal(ebb_replay_push_simple(e->srv, wire.buf, 1), EBB_OK);
    ebb_strbuf_release(&wire);
}

static void push_not_found(struct env *e)
{
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    ebb_replay_status_response(404, "NotFound",
                               "leases.coordination.k8s.io \"demo-operator-leader\" not found", -1,
                               &wire);
    assert_int_equal(ebb_replay_push_simple(e->srv, wire.buf, 1), EBB_OK);
    ebb_strbuf_release(&wire);
}

/* A 200 answering with the Lease the client wrote (as the server would). */
static void push_echo(struct env *e, const struct ebb_lease *l, const char *rv)
{
    struct ebb_lease copy = *l;
    struct ebb_strbuf body = EBB_STRBUF_INIT, wire = EBB_STRBUF_INIT;
    snprintf(copy.resource_version, sizeof(copy.resource_version), "%s", rv);
    assert_int_equal(ebb_lease_encode("demo", "demo-operator-leader", &copy, &body), EBB_OK);
    ebb_strbuf_addf(&wire,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    "Content-Length: %zu\r\n\r\n%s",
                    body.len, body.buf);
    assert_int_equal(ebb_replay_push_simple(e->srv, wire.buf, 1), EBB_OK);
    ebb_strbuf_release(&body);
    ebb_strbuf_release(&wire);
}

static int64_t wall(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(ebb_rfc3339_parse(s, &ms), EBB_OK);
    return ms;
}

/* The n-th request (0-based) the server saw. */
static void seen(struct env *e, size_t n, struct ebb_replay_request *out)
{
    struct ebb_replay_request all[16];
    size_t total = ebb_replay_requests(e->srv, all, 16);
    assert_true(n < total && n < 16);
    *out = all[n];
}

/* Pushes `file`'s response, answered after delay_ms. */
static void push_slow(struct env *e, const char *file, int delay_ms)
{
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(file, &wire, NULL), EBB_OK);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    st.delay_ms = delay_ms;
    assert_int_equal(ebb_replay_push(e->srv, &st), EBB_OK);
    ebb_strbuf_release(&wire);
}

/* Polls until the server has logged n requests (the request is out). */
static void until_seen(struct env *e, size_t n)
{
    for (int i = 0; i < 500 && ebb_replay_requests(e->srv, NULL, 0) < n; i++)
        assert_int_equal(ebb_kube_client_poll(e->c, 10), EBB_OK);
    assert_int_equal(ebb_replay_requests(e->srv, NULL, 0), n);
}

/* Drives the loop at a fixed now_ms until the round the tick starts ends;
 * returns that round. */
static const struct ebb_leader_round *run_round(struct env *e, int64_t now, int64_t wall_ms)
{
    const struct ebb_leader_round *r = ebb_leader_last_round(e->l);
    uint64_t before = r != NULL ? r->n : 0;
    ebb_leader_tick(e->l, now, wall_ms);
    assert_true(ebb_leader_busy(e->l));
    for (int i = 0; i < 1000; i++) {
        r = ebb_leader_last_round(e->l);
        if (r != NULL && r->n > before)
            break;
        assert_int_equal(ebb_kube_client_poll(e->c, 20), EBB_OK);
        ebb_leader_tick(e->l, now, wall_ms);
    }
    assert_non_null(r);
    assert_int_equal(r->n, before + 1);
    return r;
}

/* Drives the loop at a fixed now_ms until the shutdown is over. */
static void run_shutdown(struct env *e, int64_t now, int64_t wall_ms)
{
    for (int i = 0; i < 1000 && !ebb_leader_done(e->l); i++) {
        ebb_leader_tick(e->l, now, wall_ms);
        if (!ebb_leader_done(e->l))
            assert_int_equal(ebb_kube_client_poll(e->c, 20), EBB_OK);
    }
    assert_true(ebb_leader_done(e->l));
    assert_int_equal(ebb_leader_tick(e->l, now, wall_ms), INT64_MAX);
}

/* The Lease body of a write, decoded with cJSON (independently of ours). */
static void assert_body(const struct ebb_replay_request *r, const char *holder, int dur,
                        const char *acquire, const char *renew, int transitions, const char *rv)
{
    cJSON *root = cJSON_ParseWithLength(r->body, r->body_len);
    assert_non_null(root);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(root, "spec");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "kind")->valuestring, "Lease");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "apiVersion")->valuestring,
                        "coordination.k8s.io/v1");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(meta, "name")->valuestring,
                        "demo-operator-leader");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(meta, "namespace")->valuestring, "demo");
    const cJSON *jrv = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
    if (rv == NULL)
        assert_null(jrv);
    else
        assert_string_equal(jrv->valuestring, rv);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(spec, "holderIdentity")->valuestring,
                        holder);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(spec, "leaseDurationSeconds")->valueint, dur);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(spec, "acquireTime")->valuestring,
                        acquire);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(spec, "renewTime")->valuestring, renew);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(spec, "leaseTransitions")->valueint,
                     transitions);
    cJSON_Delete(root);
}

/* 404 then create (70), then renew (71) keeping acquireTime, then release. */
static void test_leader_acquire_renew_release(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, POD1);
    int64_t t0 = wall("2026-11-22T11:27:41Z");
    assert_null(ebb_leader_last_round(e.l));

    push_not_found(&e);
    push_fixture(&e, FIX "70-lease-create-201.txt");
    assert_false(ebb_leader_is_leader(e.l, 0));
    const struct ebb_leader_round *d = run_round(&e, 0, t0);
    assert_int_equal(d->rc, EBB_OK);
    assert_int_equal(d->decision.action, EBB_LEADER_CREATE);
    assert_int_equal(d->decision.next_ms, 2000);
    assert_true(ebb_leader_is_leader(e.l, 0));
    assert_int_equal(e.started, 1);
    assert_int_equal(e.started_at, 0);
    assert_string_equal(ebb_leader_state(e.l)->observed.resource_version, "360");
    struct ebb_replay_request r;
    seen(&e, 0, &r);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.target, LEASE_PATH "/demo-operator-leader");
    seen(&e, 1, &r);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.target, LEASE_PATH);
    assert_string_equal(r.content_type, "application/json");
    assert_body(&r, POD1, 15, "2026-11-22T11:27:41.000000Z", "2026-11-22T11:27:41.000000Z", 0,
                NULL);

    /* Before the retry period nothing is sent; the tick says when to come back. */
    assert_int_equal(ebb_leader_tick(e.l, 1000, t0 + 1000), 2000);
    assert_false(ebb_leader_busy(e.l));

    /* The GET shows the Lease as created (rv 360); the renew PUT gets 71 (rv 363). */
    push_fixture(&e, FIX "70-lease-create-201.txt");
    push_fixture(&e, FIX "71-lease-renew-put-200.txt");
    d = run_round(&e, 2000, t0 + 2000);
    assert_int_equal(d->rc, EBB_OK);
    assert_int_equal(d->decision.action, EBB_LEADER_RENEW);
    seen(&e, 3, &r);
    assert_string_equal(r.method, "PUT");
    assert_string_equal(r.target, LEASE_PATH "/demo-operator-leader");
    assert_body(&r, POD1, 15, "2026-11-22T11:27:41.000000Z", "2026-11-22T11:27:43.000000Z", 0,
                "360");
    assert_string_equal(ebb_leader_state(e.l)->observed.resource_version, "363");
    assert_true(ebb_leader_is_leader(e.l, 11999));
    assert_false(ebb_leader_is_leader(e.l, 12000));
    assert_int_equal(e.started, 1);

    /* Clean shutdown: it stops acting at once, then GET (73, rv 363) and the release PUT. */
    push_fixture(&e, FIX "73-lease-get.txt");
    struct ebb_lease released = {true, "", 1, t0 + 3500, t0 + 3500, 0, ""};
    push_echo(&e, &released, "370");
    ebb_leader_shutdown(e.l, 3500, 5000);
    assert_false(ebb_leader_is_leader(e.l, 3500));
    assert_int_equal(e.stopped, 1);
    assert_int_equal(e.stopped_at, 3500);
    assert_false(ebb_leader_done(e.l));
    run_shutdown(&e, 3500, t0 + 3500);
    d = ebb_leader_last_round(e.l);
    assert_int_equal(d->rc, EBB_OK);
    assert_int_equal(d->decision.action, EBB_LEADER_RELEASE);
    seen(&e, 4, &r);
    assert_string_equal(r.method, "GET");
    seen(&e, 5, &r);
    assert_string_equal(r.method, "PUT");
    assert_body(&r, "", 1, "2026-11-22T11:27:44.500000Z", "2026-11-22T11:27:44.500000Z", 0, "363");
    assert_false(ebb_leader_is_leader(e.l, 3500));
    assert_false(ebb_leader_state(e.l)->leading);
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 6);
    assert_int_equal(e.stopped, 1);
    env_stop(&e);
}

/* A standby sees pod-1's Lease (73), waits leaseDuration by its own clock,
 * then tries to take over with rv 363 and loses to a 409 (72). */
static void test_leader_takeover_loses_to_409(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, POD2);
    int64_t t0 = wall("2026-11-22T11:27:42Z");

    push_fixture(&e, FIX "73-lease-get.txt");
    const struct ebb_leader_round *d = run_round(&e, 0, t0);
    assert_int_equal(d->rc, EBB_OK);
    assert_int_equal(d->decision.action, EBB_LEADER_WAIT);
    assert_string_equal(ebb_leader_state(e.l)->observed.holder, POD1);
    assert_int_equal(ebb_leader_state(e.l)->observed.renew_ms, t0);
    assert_int_equal(ebb_leader_state(e.l)->observed.acquire_ms, t0 - 1000);

    push_fixture(&e, FIX "73-lease-get.txt");
    d = run_round(&e, 14000, t0 + 14000);
    assert_int_equal(d->decision.action, EBB_LEADER_WAIT);

    push_fixture(&e, FIX "73-lease-get.txt");
    push_fixture(&e, FIX "72-lease-takeover-stale-409.txt");
    d = run_round(&e, 16000, t0 + 16000);
    assert_int_equal(d->rc, EBB_ERR_IO);
    assert_int_equal(d->decision.action, EBB_LEADER_ACQUIRE);
    assert_int_equal(d->err.http_status, 409);
    assert_int_equal(d->err.reason, EBB_KUBE_CONFLICT);
    assert_false(ebb_leader_is_leader(e.l, 16000));
    assert_true(ebb_leader_state(e.l)->stale);
    struct ebb_replay_request r;
    seen(&e, 3, &r);
    assert_string_equal(r.method, "PUT");
    assert_body(&r, POD2, 15, "2026-11-22T11:27:58.000000Z", "2026-11-22T11:27:58.000000Z", 1,
                "363");
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 4);
    assert_int_equal(e.started, 0);
    assert_int_equal(e.stopped, 0);
    env_stop(&e);
}

/* A leader whose renewals fail stops before the lease could expire. */
static void test_leader_stops_when_it_cannot_renew(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, POD1);
    int64_t t0 = wall("2026-11-22T11:27:41Z");
    push_not_found(&e);
    push_fixture(&e, FIX "70-lease-create-201.txt");
    assert_int_equal(run_round(&e, 0, t0)->rc, EBB_OK);
    assert_true(ebb_leader_is_leader(e.l, 0));

    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    ebb_replay_status_response(403, "Forbidden", "leases is forbidden", -1, &wire);
    assert_int_equal(ebb_replay_push_simple(e.srv, wire.buf, 5), EBB_OK);
    ebb_strbuf_release(&wire);
    const struct ebb_leader_round *d = run_round(&e, 2000, t0 + 2000);
    assert_int_equal(d->rc, EBB_ERR_IO);
    assert_int_equal(d->decision.action, EBB_LEADER_WAIT);
    assert_int_equal(d->err.reason, EBB_KUBE_FORBIDDEN);
    assert_int_equal(ebb_leader_tick(e.l, 2000, t0 + 2000), 4000);
    assert_true(ebb_leader_is_leader(e.l, 9999));
    assert_int_equal(e.stopped, 0);
    d = run_round(&e, 10000, t0 + 10000);
    assert_int_equal(d->rc, EBB_ERR_IO);
    assert_int_equal(d->decision.action, EBB_LEADER_STOP);
    assert_false(ebb_leader_is_leader(e.l, 10000));
    assert_int_equal(e.stopped, 1);
    assert_int_equal(e.stopped_at, 10000);
    env_stop(&e);
}

/* Other requests go on while the renewal's GET takes 1.5 s to answer. */
struct other {
    bool done;
    int status;
};

static void other_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct other *o = ctx;
    o->done = true;
    o->status = resp->http_status;
}

static int64_t mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_leader_slow_renewal_does_not_block_the_loop(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, POD1);
    int64_t t0 = wall("2026-11-22T11:27:41Z");
    push_not_found(&e);
    push_fixture(&e, FIX "70-lease-create-201.txt");
    assert_int_equal(run_round(&e, 0, t0)->rc, EBB_OK);

    push_slow(&e, FIX "70-lease-create-201.txt", 1500); /* the renewal's GET */
    push_fixture(&e, FIX "11-deployment-get-200.txt");  /* the other request */
    push_fixture(&e, FIX "71-lease-renew-put-200.txt"); /* the renewal's PUT */
    int64_t start = mono_now();
    assert_int_equal(ebb_leader_tick(e.l, 2000, t0 + 2000), 10000); /* the renew deadline */
    assert_true(ebb_leader_busy(e.l));
    until_seen(&e, 3);

    struct other o = {false, 0};
    struct ebb_kube_request get = {
        EBB_KUBE_GET, "/apis/apps/v1/namespaces/demo/deployments/web", NULL, 0, NULL, false};
    assert_int_equal(ebb_kube_submit(e.c, &get, NULL, other_done, &o, NULL), EBB_OK);
    for (int i = 0; i < 200 && !o.done; i++) {
        assert_int_equal(ebb_kube_client_poll(e.c, 20), EBB_OK);
        ebb_leader_tick(e.l, 2000, t0 + 2000);
    }
    assert_true(o.done);
    assert_int_equal(o.status, 200);
    assert_true(mono_now() - start < 1000);
    assert_true(ebb_leader_busy(e.l)); /* the renewal is still waiting */
    assert_true(ebb_leader_is_leader(e.l, 2000));

    const struct ebb_leader_round *d = ebb_leader_last_round(e.l);
    for (int i = 0; i < 500 && d->n < 2; i++) {
        assert_int_equal(ebb_kube_client_poll(e.c, 20), EBB_OK);
        ebb_leader_tick(e.l, 2000, t0 + 2000);
    }
    assert_int_equal(d->n, 2);
    assert_int_equal(d->rc, EBB_OK);
    assert_int_equal(d->decision.action, EBB_LEADER_RENEW);
    assert_true(mono_now() - start >= 1500);
    struct ebb_replay_request r, r2;
    seen(&e, 2, &r);
    seen(&e, 3, &r2);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r2.target, "/apis/apps/v1/namespaces/demo/deployments/web");
    assert_int_not_equal(r.conn, r2.conn);
    seen(&e, 4, &r);
    assert_string_equal(r.method, "PUT");
    assert_true(ebb_leader_is_leader(e.l, 11999));
    env_stop(&e);
}

/* The renewal's GET hangs: the leader stops at its renew deadline all the
 * same, and gives the request up renewDeadline after it went out. */
static void test_leader_stops_at_deadline_while_renewal_hangs(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, POD1);
    int64_t t0 = wall("2026-11-22T11:27:41Z");
    push_not_found(&e);
    push_fixture(&e, FIX "70-lease-create-201.txt");
    assert_int_equal(run_round(&e, 0, t0)->rc, EBB_OK);
    assert_int_equal(e.started, 1);

    push_slow(&e, FIX "70-lease-create-201.txt", 1500);
    assert_int_equal(ebb_leader_tick(e.l, 2000, t0 + 2000), 10000); /* the renew deadline */
    until_seen(&e, 3);
    assert_int_equal(ebb_leader_tick(e.l, 9999, t0 + 9999), 10000);
    assert_true(ebb_leader_is_leader(e.l, 9999));
    assert_false(ebb_leader_is_leader(e.l, 10000)); /* exact, whatever is in flight */
    assert_int_equal(e.stopped, 0);

    assert_int_equal(ebb_leader_tick(e.l, 10000, t0 + 10000), 12000);
    assert_int_equal(e.stopped, 1);
    assert_int_equal(e.stopped_at, 10000);
    assert_true(ebb_leader_busy(e.l));
    assert_int_equal(ebb_kube_client_pending(e.c), 1);
    assert_int_equal(ebb_leader_last_round(e.l)->n, 1);

    /* renewDeadline after it went out, the GET is given up and a new round begins. */
    ebb_leader_tick(e.l, 12000, t0 + 12000);
    const struct ebb_leader_round *d = ebb_leader_last_round(e.l);
    assert_int_equal(d->n, 2);
    assert_int_equal(d->rc, EBB_ERR_IO);
    assert_int_equal(d->err.reason, EBB_KUBE_TRANSPORT);
    assert_string_equal(d->err.message, "leader election: GET " LEASE_PATH
                                        "/demo-operator-leader: no answer in 10000 ms");
    assert_int_equal(d->decision.action, EBB_LEADER_STOP);
    assert_false(ebb_leader_state(e.l)->leading);
    assert_true(ebb_leader_busy(e.l)); /* the next round's GET */
    assert_int_equal(e.stopped, 1);
    assert_int_equal(e.started, 1);
    env_stop(&e);
}

/* A shutdown waits for the renewal in flight, then releases. */
static void test_leader_shutdown_waits_for_the_write_in_flight(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, POD1);
    int64_t t0 = wall("2026-11-22T11:27:41Z");
    push_not_found(&e);
    push_fixture(&e, FIX "70-lease-create-201.txt");
    assert_int_equal(run_round(&e, 0, t0)->rc, EBB_OK);

    push_fixture(&e, FIX "70-lease-create-201.txt");
    push_slow(&e, FIX "71-lease-renew-put-200.txt", 300);
    push_fixture(&e, FIX "73-lease-get.txt");
    struct ebb_lease released = {true, "", 1, t0 + 2000, t0 + 2000, 0, ""};
    push_echo(&e, &released, "370");
    ebb_leader_tick(e.l, 2000, t0 + 2000);
    for (int i = 0; i < 500 && ebb_replay_requests(e.srv, NULL, 0) < 4; i++) {
        assert_int_equal(ebb_kube_client_poll(e.c, 10), EBB_OK);
        ebb_leader_tick(e.l, 2000, t0 + 2000);
    }
    assert_true(ebb_leader_busy(e.l)); /* the renew PUT */
    ebb_leader_shutdown(e.l, 2000, 5000);
    assert_int_equal(e.stopped, 1);
    run_shutdown(&e, 2000, t0 + 2000);
    const struct ebb_leader_round *d = ebb_leader_last_round(e.l);
    assert_int_equal(d->n, 3);
    assert_int_equal(d->rc, EBB_OK);
    assert_int_equal(d->decision.action, EBB_LEADER_RELEASE);
    struct ebb_replay_request r;
    seen(&e, 3, &r);
    assert_string_equal(r.method, "PUT");
    seen(&e, 4, &r);
    assert_string_equal(r.method, "GET");
    seen(&e, 5, &r);
    assert_body(&r, "", 1, "2026-11-22T11:27:43.000000Z", "2026-11-22T11:27:43.000000Z", 0, "363");
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 6);
    env_stop(&e);
}

/* A shutdown is bounded: a release that gets no answer is given up at the
 * timeout; a follower has nothing to release and is done at once. */
static void test_leader_shutdown_is_bounded(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, POD1);
    int64_t t0 = wall("2026-11-22T11:27:41Z");
    push_not_found(&e);
    push_fixture(&e, FIX "70-lease-create-201.txt");
    assert_int_equal(run_round(&e, 0, t0)->rc, EBB_OK);

    push_slow(&e, FIX "73-lease-get.txt", 1000);
    ebb_leader_shutdown(e.l, 1000, 500);
    assert_int_equal(ebb_leader_tick(e.l, 1000, t0 + 1000), 1500);
    until_seen(&e, 3);
    assert_false(ebb_leader_done(e.l));
    assert_int_equal(ebb_leader_tick(e.l, 1500, t0 + 1500), INT64_MAX);
    assert_true(ebb_leader_done(e.l));
    assert_false(ebb_leader_busy(e.l));
    assert_int_equal(ebb_kube_client_pending(e.c), 0);
    assert_int_equal(ebb_leader_last_round(e.l)->rc, EBB_ERR_IO);
    assert_int_equal(e.stopped, 1);
    env_stop(&e);

    env_start(&e, POD2);
    ebb_leader_shutdown(e.l, 0, 5000);
    assert_int_equal(ebb_leader_tick(e.l, 0, t0), INT64_MAX);
    assert_true(ebb_leader_done(e.l));
    assert_int_equal(ebb_kube_client_pending(e.c), 0);
    assert_int_equal(e.stopped, 0);
    env_stop(&e);
}

static void test_leader_config_errors(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, POD1);
    char err[256] = "";
    struct ebb_leader *l = NULL;
    struct ebb_leader_config bad = {"demo", "..", POD1, {15000, 10000, 2000}, NULL, NULL, NULL};
    assert_int_equal(ebb_leader_new(e.c, &bad, &l, err, sizeof(err)), EBB_ERR_INVALID);
    assert_null(l);
    assert_string_equal(err, "leader election: \"demo/..\" is not a Lease namespace/name");
    struct ebb_leader_config tight = {"demo", "x", POD1, {10000, 10000, 2000}, NULL, NULL, NULL};
    assert_int_equal(ebb_leader_new(e.c, &tight, &l, err, sizeof(err)), EBB_ERR_INVALID);
    assert_non_null(strstr(err, "must be greater than renewDeadline"));

    char buf[48];
    ebb_microtime_format(wall("2026-11-22T11:27:41.250Z"), buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-22T11:27:41.250000Z");
    ebb_microtime_format(-1, buf, sizeof(buf));
    assert_string_equal(buf, "1969-12-31T23:59:59.999000Z");
    struct ebb_lease lease;
    assert_int_equal(ebb_lease_decode("{\"kind\":\"Status\"}", 17, &lease), EBB_ERR_PARSE);
    assert_int_equal(ebb_lease_decode("not json", 8, &lease), EBB_ERR_PARSE);
    env_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leader_acquire_renew_release),
        cmocka_unit_test(test_leader_takeover_loses_to_409),
        cmocka_unit_test(test_leader_stops_when_it_cannot_renew),
        cmocka_unit_test(test_leader_slow_renewal_does_not_block_the_loop),
        cmocka_unit_test(test_leader_stops_at_deadline_while_renewal_hangs),
        cmocka_unit_test(test_leader_shutdown_waits_for_the_write_in_flight),
        cmocka_unit_test(test_leader_shutdown_is_bounded),
        cmocka_unit_test(test_leader_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
