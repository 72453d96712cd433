/* events_test.c -- pkg/kube/events over TLS against the replay server.
 *
 * An events.k8s.io create (fixture 91) and its body, a repeat that becomes
 * a PATCH of the series, the fall-back to core/v1 (fixture 90) when the
 * group is missing, the per-object rate limit dropping a burst, and a 422
 * (fixture 92) reported with its cause. Emitting never waits: writes are
 * queued and go out as the test polls the client (ebb_events_flush, or
 * ebb_kube_client_poll in a loop); a burst of 100 is aggregated, limited
 * and bounded by the queue without a single request on the way. Run from
 * the repository root.
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
#include "../../pkg/kube/events.h"
#include "../fake/replay_server.c"

#define FIX "tests/fixtures/kube-api/"
#define NEW_EVENTS "/apis/events.k8s.io/v1/namespaces/demo/events"
#define CORE_EVENTS "/api/v1/namespaces/demo/events"
#define PAGE_404                                                                                   \
    "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"                        \
    "Content-Length: 19\r\n\r\n404 page not found\n"

struct env {
    struct ebb_replay_server *srv;
    struct ebb_kube_config cfg;
    struct ebb_kube_client *c;
    struct ebb_events *ev;
    char server[64];
    int errors;                     /* on_error calls */
    struct ebb_kube_error last_err; /* the last one's */
    char last_reason[64];
};

static void on_error(void *ctx, const struct ebb_event_key *k, const struct ebb_kube_error *err)
{
    struct env *e = ctx;
    e->errors++;
    e->last_err = *err;
    snprintf(e->last_reason, sizeof(e->last_reason), "%s", k->reason);
}

static const struct ebb_event_ref widget = {"example.dev/v1", "Widget", "demo", "widget-a",
                                            "0b4d7c9e-1f2a-4b3c-8d5e-6f7a8b9c0d1e"};

static void env_start_q(struct env *e, int burst, size_t queue_max)
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
    struct ebb_events_opts eo;
    ebb_events_opts_default(&eo);
    eo.reporting_instance = "ebb-7d9f-x2k4";
    eo.agg.burst = burst;
    eo.queue_max = queue_max;
    eo.on_error = on_error;
    eo.ctx = e;
    if (ebb_events_new(e->c, &eo, &e->ev, err, sizeof(err)) != EBB_OK)
        fail_msg("ebb_events_new: %s", err);
}

static void env_start(struct env *e, int burst)
{
    env_start_q(e, burst, 0);
}

/* Drives the loop until every queued write is done. */
static void flush(struct env *e)
{
    assert_int_equal(ebb_events_flush(e->ev, 5000), EBB_OK);
    assert_int_equal(ebb_events_pending(e->ev), 0);
    assert_int_equal(ebb_kube_client_pending(e->c), 0);
}

static void env_stop(struct env *e)
{
    ebb_events_free(e->ev);
    ebb_kube_client_free(e->c);
    ebb_replay_stop(e->srv);
}

static void push_fixture(struct env *e, const char *file, int times)
{
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(file, &wire, NULL), EBB_OK);
    assert_int_equal(ebb_replay_push_simple(e->srv, wire.buf, times), EBB_OK);
    ebb_strbuf_release(&wire);
}

static void seen(struct env *e, size_t n, struct ebb_replay_request *out)
{
    struct ebb_replay_request all[16];
    size_t total = ebb_replay_requests(e->srv, all, 16);
    if (n >= total || n >= 16)
        fail_msg("request %zu asked, %zu seen", n, total);
    *out = all[n];
}

static const char *jstr(const cJSON *o, const char *path)
{
    char key[64];
    const char *dot = strchr(path, '.');
    if (dot != NULL) {
        snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
        return jstr(cJSON_GetObjectItemCaseSensitive(o, key), dot + 1);
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, path);
    return cJSON_IsString(v) ? v->valuestring : "(absent)";
}

static int jint(const cJSON *o, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b != NULL)
        v = cJSON_GetObjectItemCaseSensitive(v, b);
    return cJSON_IsNumber(v) ? v->valueint : -1;
}

static int64_t wall(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(ebb_rfc3339_parse(s, &ms), EBB_OK);
    return ms;
}

/* Create (91), then the same Event again: a merge PATCH of the series. */
static void test_events_create_then_series(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, 25);
    int64_t t0 = wall("2026-11-22T11:27:43.125Z");
    struct ebb_event_plan p;
    push_fixture(&e, FIX "91-event-events.k8s.io-v1-create-201.txt", 2);
    assert_int_equal(ebb_events_emit(e.ev, &widget, "Normal", "ScaledUp", "Scale",
                                     "Scaled Widget widget-a to 3 replicas", 0, t0, &p),
                     EBB_OK);
    assert_int_equal(p.verb, EBB_EVENT_CREATE);
    assert_int_equal(ebb_events_pending(e.ev), 1);
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 0); /* queued, not sent */
    flush(&e);
    struct ebb_replay_request r;
    seen(&e, 0, &r);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.target, NEW_EVENTS);
    cJSON *b = cJSON_ParseWithLength(r.body, r.body_len);
    assert_non_null(b);
    assert_string_equal(jstr(b, "apiVersion"), "events.k8s.io/v1");
    assert_string_equal(jstr(b, "kind"), "Event");
    assert_string_equal(jstr(b, "metadata.name"), p.name);
    assert_true(strncmp(p.name, "widget-a.", 9) == 0);
    assert_string_equal(jstr(b, "metadata.namespace"), "demo");
    assert_string_equal(jstr(b, "eventTime"), "2026-11-22T11:27:43.125000Z");
    assert_string_equal(jstr(b, "reportingController"), "ebb");
    assert_string_equal(jstr(b, "reportingInstance"), "ebb-7d9f-x2k4");
    assert_string_equal(jstr(b, "action"), "Scale");
    assert_string_equal(jstr(b, "reason"), "ScaledUp");
    assert_string_equal(jstr(b, "note"), "Scaled Widget widget-a to 3 replicas");
    assert_string_equal(jstr(b, "type"), "Normal");
    assert_string_equal(jstr(b, "regarding.apiVersion"), "example.dev/v1");
    assert_string_equal(jstr(b, "regarding.kind"), "Widget");
    assert_string_equal(jstr(b, "regarding.name"), "widget-a");
    assert_string_equal(jstr(b, "regarding.namespace"), "demo");
    assert_string_equal(jstr(b, "regarding.uid"), widget.uid);
    assert_null(cJSON_GetObjectItemCaseSensitive(b, "series"));
    cJSON_Delete(b);

    assert_int_equal(ebb_events_emit(e.ev, &widget, "Normal", "ScaledUp", "Scale",
                                     "Scaled Widget widget-a to 3 replicas", 5000, t0 + 5000, &p),
                     EBB_OK);
    assert_int_equal(p.verb, EBB_EVENT_SERIES);
    flush(&e);
    seen(&e, 1, &r);
    assert_string_equal(r.method, "PATCH");
    char want[512];
    snprintf(want, sizeof(want), NEW_EVENTS "/%s", p.name);
    assert_string_equal(r.target, want);
    assert_string_equal(r.content_type, "application/merge-patch+json");
    b = cJSON_ParseWithLength(r.body, r.body_len);
    assert_non_null(b);
    assert_int_equal(jint(b, "series", "count"), 2);
    assert_string_equal(jstr(b, "series.lastObservedTime"), "2026-11-22T11:27:48.125000Z");
    assert_int_equal(cJSON_GetArraySize(b), 1);
    cJSON_Delete(b);
    assert_false(ebb_events_core(e.ev));
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 2);
    assert_int_equal(e.errors, 0);
    assert_null(ebb_events_last_error(e.ev));
    env_stop(&e);
}

/* No events.k8s.io: 404 on the create and on discovery, then core/v1 (90). */
static void test_events_fallback_to_core(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, 25);
    int64_t t0 = wall("2026-11-22T11:27:39.700Z");
    struct ebb_event_plan p;
    assert_int_equal(ebb_replay_push_simple(e.srv, PAGE_404, 2), EBB_OK);
    push_fixture(&e, FIX "90-event-core-v1-create-201.txt", 2);
    assert_int_equal(ebb_events_emit(e.ev, &widget, "Warning", "FailedScale", "Scale",
                                     "Widget reconciled: 1 replica", 0, t0, &p),
                     EBB_OK);
    flush(&e);
    assert_true(ebb_events_core(e.ev));
    struct ebb_replay_request r;
    seen(&e, 0, &r);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.target, NEW_EVENTS);
    seen(&e, 1, &r);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.target, "/apis/events.k8s.io/v1");
    seen(&e, 2, &r);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.target, CORE_EVENTS);
    cJSON *b = cJSON_ParseWithLength(r.body, r.body_len);
    assert_non_null(b);
    assert_string_equal(jstr(b, "apiVersion"), "v1");
    assert_string_equal(jstr(b, "metadata.name"), p.name);
    assert_string_equal(jstr(b, "involvedObject.kind"), "Widget");
    assert_string_equal(jstr(b, "involvedObject.name"), "widget-a");
    assert_string_equal(jstr(b, "reason"), "FailedScale");
    assert_string_equal(jstr(b, "message"), "Widget reconciled: 1 replica");
    assert_string_equal(jstr(b, "type"), "Warning");
    assert_string_equal(jstr(b, "source.component"), "ebb");
    assert_string_equal(jstr(b, "firstTimestamp"), "2026-11-22T11:27:39Z");
    assert_string_equal(jstr(b, "lastTimestamp"), "2026-11-22T11:27:39Z");
    assert_int_equal(jint(b, "count", NULL), 1);
    cJSON_Delete(b);

    /* The repeat: a strategic-merge PATCH of count and lastTimestamp, straight to core. */
    assert_int_equal(ebb_events_emit(e.ev, &widget, "Warning", "FailedScale", "Scale",
                                     "Widget reconciled: 1 replica", 61000, t0 + 61000, &p),
                     EBB_OK);
    flush(&e);
    seen(&e, 3, &r);
    assert_string_equal(r.method, "PATCH");
    char want[512];
    snprintf(want, sizeof(want), CORE_EVENTS "/%s", p.name);
    assert_string_equal(r.target, want);
    assert_string_equal(r.content_type, "application/strategic-merge-patch+json");
    b = cJSON_ParseWithLength(r.body, r.body_len);
    assert_int_equal(jint(b, "count", NULL), 2);
    assert_string_equal(jstr(b, "lastTimestamp"), "2026-11-22T11:28:40Z");
    cJSON_Delete(b);
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 4);
    assert_int_equal(e.errors, 0);
    env_stop(&e);
}

/* A 404 on the create while the group exists is the namespace missing: an error. */
static void test_events_404_with_group_is_an_error(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, 25);
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    ebb_replay_status_response(404, "NotFound", "namespaces \"demo\" not found", -1, &wire);
    assert_int_equal(ebb_replay_push_simple(e.srv, wire.buf, 1), EBB_OK);
    ebb_strbuf_release(&wire);
    push_fixture(&e, FIX "05-discovery-coordination-v1.txt", 1);
    assert_int_equal(ebb_events_emit(e.ev, &widget, "Normal", "ScaledUp", "Scale", "x", 0,
                                     wall("2026-11-22T11:27:43Z"), NULL),
                     EBB_OK);
    flush(&e);
    assert_int_equal(e.errors, 1);
    assert_int_equal(e.last_err.reason, EBB_KUBE_NOT_FOUND);
    assert_non_null(strstr(e.last_err.message, "namespaces \"demo\" not found"));
    assert_string_equal(e.last_reason, "ScaledUp");
    assert_int_equal(ebb_events_failed(e.ev), 1);
    assert_int_equal(ebb_events_last_error(e.ev)->reason, EBB_KUBE_NOT_FOUND);
    assert_false(ebb_events_core(e.ev));
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 2);
    env_stop(&e);
}

/* A flapping object: burst 3, the rest of the burst is dropped and counted. */
static void test_events_rate_limit_drops_burst(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, 3);
    int64_t t0 = wall("2026-11-22T11:27:43Z");
    push_fixture(&e, FIX "91-event-events.k8s.io-v1-create-201.txt", 10);
    int created = 0, dropped = 0;
    for (int i = 0; i < 10; i++) {
        char note[64];
        struct ebb_event_plan p;
        snprintf(note, sizeof(note), "scale failed: attempt %d", i);
        assert_int_equal(ebb_events_emit(e.ev, &widget, "Warning", "FailedScale", "Scale", note,
                                         i * 10, t0 + i * 10, &p),
                         EBB_OK);
        created += p.verb == EBB_EVENT_CREATE;
        dropped += p.verb == EBB_EVENT_DROP;
    }
    assert_int_equal(created, 3);
    assert_int_equal(dropped, 7);
    assert_int_equal(ebb_events_dropped(e.ev), 7);
    assert_int_equal(ebb_events_overflowed(e.ev), 0);
    flush(&e);
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 3);
    /* Another object has its own bucket. */
    struct ebb_event_ref other = widget;
    other.name = "widget-b";
    struct ebb_event_plan p;
    assert_int_equal(
        ebb_events_emit(e.ev, &other, "Warning", "FailedScale", "Scale", "x", 100, t0 + 100, &p),
        EBB_OK);
    assert_int_equal(p.verb, EBB_EVENT_CREATE);
    flush(&e);
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 4);
    env_stop(&e);
}

/* A refused create (92) comes back typed, and the next occurrence creates again. */
static void test_events_invalid_422(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, 25);
    struct ebb_event_plan p;
    int64_t t0 = wall("2026-11-22T11:27:43Z");
    push_fixture(&e, FIX "92-event-events.k8s.io-v1-invalid-422.txt", 1);
    push_fixture(&e, FIX "91-event-events.k8s.io-v1-create-201.txt", 1);
    assert_int_equal(ebb_events_emit(e.ev, &widget, "Normal", "ScaledUp", "Scale", "x", 0, t0, &p),
                     EBB_OK);
    flush(&e);
    assert_int_equal(e.errors, 1);
    const struct ebb_kube_error *err = ebb_events_last_error(e.ev);
    assert_non_null(err);
    assert_int_equal(err->http_status, 422);
    assert_int_equal(err->reason, EBB_KUBE_INVALID);
    assert_int_equal(err->n_causes, 1);
    assert_string_equal(err->causes[0].field, "eventTime");
    assert_int_equal(e.last_err.http_status, 422);
    assert_int_equal(
        ebb_events_emit(e.ev, &widget, "Normal", "ScaledUp", "Scale", "x", 1, t0 + 1, &p), EBB_OK);
    assert_int_equal(p.verb, EBB_EVENT_CREATE);
    flush(&e);
    struct ebb_replay_request r;
    seen(&e, 1, &r);
    assert_string_equal(r.method, "POST");
    assert_int_equal(e.errors, 1);

    /* Bad input never reaches the server. */
    struct ebb_event_ref noname = widget;
    noname.name = "";
    assert_int_equal(ebb_events_emit(e.ev, &noname, "Normal", "R", "A", "x", 2, t0, &p),
                     EBB_ERR_INVALID);
    assert_int_equal(ebb_events_pending(e.ev), 0);
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 2);
    env_stop(&e);
}

static int64_t mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 100 occurrences in a burst while the server is slow: emit returns at
 * once every time, the limiter keeps 25 (1 create, 24 series), the
 * series updates waiting in the queue become one PATCH with the count. */
static void test_events_burst_of_100_does_not_block(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, 25);
    int64_t t0 = wall("2026-11-22T11:27:43Z");
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(
        ebb_replay_fixture(FIX "91-event-events.k8s.io-v1-create-201.txt", &wire, NULL), EBB_OK);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    st.delay_ms = 500;
    st.times = 2;
    assert_int_equal(ebb_replay_push(e.srv, &st), EBB_OK);
    ebb_strbuf_release(&wire);

    int created = 0, series = 0, dropped = 0;
    struct ebb_event_plan p, last_series;
    int64_t start = mono_now();
    for (int i = 0; i < 100; i++) {
        assert_int_equal(ebb_events_emit(e.ev, &widget, "Warning", "FailedScale", "Scale",
                                         "scale failed", i, t0 + i * 1000, &p),
                         EBB_OK);
        created += p.verb == EBB_EVENT_CREATE;
        series += p.verb == EBB_EVENT_SERIES;
        dropped += p.verb == EBB_EVENT_DROP;
        if (p.verb == EBB_EVENT_SERIES)
            last_series = p;
        if (i == 0) /* let the create go out: the rest arrive while it waits */
            for (int j = 0; j < 100 && ebb_replay_requests(e.srv, NULL, 0) < 1; j++)
                assert_int_equal(ebb_kube_client_poll(e.c, 10), EBB_OK);
    }
    assert_true(mono_now() - start < 400); /* the create's answer takes 500 ms */
    assert_int_equal(created, 1);
    assert_int_equal(series, 24);
    assert_int_equal(dropped, 75);
    assert_int_equal(last_series.count, 25);
    assert_int_equal(ebb_events_dropped(e.ev), 75);
    assert_int_equal(ebb_events_pending(e.ev), 2); /* the create in flight, one PATCH */
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 1);

    flush(&e);
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 2);
    struct ebb_replay_request r;
    seen(&e, 1, &r);
    assert_string_equal(r.method, "PATCH");
    cJSON *b = cJSON_ParseWithLength(r.body, r.body_len);
    assert_non_null(b);
    assert_int_equal(jint(b, "series", "count"), 25);
    assert_string_equal(jstr(b, "series.lastObservedTime"), "2026-11-22T11:28:07.000000Z");
    cJSON_Delete(b);
    assert_int_equal(e.errors, 0);
    env_stop(&e);
}

/* The queue is bounded: beyond queue_max writes an Event is dropped and counted. */
static void test_events_queue_overflow_drops(void **state)
{
    (void)state;
    struct env e;
    env_start_q(&e, 25, 4);
    int64_t t0 = wall("2026-11-22T11:27:43Z");
    push_fixture(&e, FIX "91-event-events.k8s.io-v1-create-201.txt", 10);
    int queued = 0, dropped = 0;
    for (int i = 0; i < 10; i++) {
        char name[32];
        struct ebb_event_plan p;
        struct ebb_event_ref ref = widget;
        snprintf(name, sizeof(name), "widget-%d", i);
        ref.name = name;
        assert_int_equal(
            ebb_events_emit(e.ev, &ref, "Normal", "ScaledUp", "Scale", "x", i, t0 + i, &p), EBB_OK);
        queued += p.verb == EBB_EVENT_CREATE;
        dropped += p.verb == EBB_EVENT_DROP;
    }
    assert_int_equal(queued, 4);
    assert_int_equal(dropped, 6);
    assert_int_equal(ebb_events_overflowed(e.ev), 6);
    assert_int_equal(ebb_events_dropped(e.ev), 6);
    assert_int_equal(ebb_events_pending(e.ev), 4);
    flush(&e);
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 4);
    struct ebb_replay_request r;
    seen(&e, 3, &r);
    cJSON *b = cJSON_ParseWithLength(r.body, r.body_len);
    assert_string_equal(jstr(b, "regarding.name"), "widget-3");
    cJSON_Delete(b);

    /* A dropped create left no series behind: its next occurrence creates. */
    struct ebb_event_plan p;
    struct ebb_event_ref ref = widget;
    ref.name = "widget-9";
    assert_int_equal(
        ebb_events_emit(e.ev, &ref, "Normal", "ScaledUp", "Scale", "x", 20, t0 + 20, &p), EBB_OK);
    assert_int_equal(p.verb, EBB_EVENT_CREATE);
    flush(&e);
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), 5);
    env_stop(&e);
}

/* A flush that runs out of time says so and leaves the write queued. */
static void test_events_flush_times_out(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, 25);
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(
        ebb_replay_fixture(FIX "91-event-events.k8s.io-v1-create-201.txt", &wire, NULL), EBB_OK);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    st.delay_ms = 600;
    assert_int_equal(ebb_replay_push(e.srv, &st), EBB_OK);
    ebb_strbuf_release(&wire);
    assert_int_equal(ebb_events_emit(e.ev, &widget, "Normal", "ScaledUp", "Scale", "x", 0,
                                     wall("2026-11-22T11:27:43Z"), NULL),
                     EBB_OK);
    int64_t start = mono_now();
    assert_int_equal(ebb_events_flush(e.ev, 200), EBB_ERR_IO);
    int64_t took = mono_now() - start;
    assert_true(took >= 200 && took < 500);
    assert_int_equal(ebb_events_pending(e.ev), 1);
    flush(&e);
    assert_int_equal(e.errors, 0);
    env_stop(&e);
}

static void test_events_new_needs_instance(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, 25);
    struct ebb_events_opts eo;
    struct ebb_events *ev = NULL;
    char err[256] = "";
    ebb_events_opts_default(&eo);
    assert_int_equal(ebb_events_new(e.c, &eo, &ev, err, sizeof(err)), EBB_ERR_INVALID);
    assert_null(ev);
    assert_string_equal(err, "events: reportingInstance is empty: give the pod name");
    env_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_create_then_series),
        cmocka_unit_test(test_events_fallback_to_core),
        cmocka_unit_test(test_events_404_with_group_is_an_error),
        cmocka_unit_test(test_events_rate_limit_drops_burst),
        cmocka_unit_test(test_events_invalid_422),
        cmocka_unit_test(test_events_burst_of_100_does_not_block),
        cmocka_unit_test(test_events_queue_overflow_drops),
        cmocka_unit_test(test_events_flush_times_out),
        cmocka_unit_test(test_events_new_needs_instance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
