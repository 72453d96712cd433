/* informer_test.c -- pkg/kube/informer over TLS against the replay server.
 *
 * Each test scripts the server's answers in order (recorded LIST and WATCH
 * exchanges of tests/fixtures/kube-api, Status errors, cut and malformed
 * streams), runs the client's loop with ebb_informer_tick() after each
 * poll, and asserts the callbacks, the store and the requests the server
 * saw. The script ends with a slow 500 repeated, so a test that is done leaves
 * the informer backing off quietly. Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../pkg/kube/informer.h"
#include "../fake/replay_server.c"

#define FIX "tests/fixtures/kube-api/"
#define MAX_LOG 64
#define MAX_REQS 32

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct env {
    struct ebb_replay_server *srv;
    struct ebb_kube_config cfg;
    struct ebb_kube_client_opts opts;
    struct ebb_kube_client *c;
    struct ebb_informer *inf;
    char server[64];
    char err[512];
    char log[MAX_LOG][160]; /* "ADD demo/web 2", "UPDATE ...", "DELETE ..." */
    int n_log;
    int resync_updates;
    int64_t at[MAX_REQS]; /* when the loop first saw request i arrive */
    size_t seen;
};

static void record(struct env *e, const char *what, const char *key, const void *obj)
{
    const struct ebb_kube_workload *w = obj;
    if (e->n_log < MAX_LOG)
        snprintf(e->log[e->n_log++], sizeof(e->log[0]), "%s %s %d", what, key, w->spec_replicas);
}

static void on_add(void *ctx, const char *key, const void *obj)
{
    record(ctx, "ADD", key, obj);
}

static void on_update(void *ctx, const char *key, const void *old_obj, const void *new_obj)
{
    struct env *e = ctx;
    if (old_obj == new_obj)
        e->resync_updates++;
    else
        record(e, "UPDATE", key, new_obj);
}

static void on_delete(void *ctx, const char *key, const void *obj)
{
    record(ctx, "DELETE", key, obj);
}

static void env_start_backoff(struct env *e, const char *label_selector, const char *field_selector,
                              int64_t resync_ms, int64_t backoff_ms)
{
    memset(e, 0, sizeof(*e));
    assert_int_equal(ebb_replay_start(NULL, &e->srv), EBB_OK);
    snprintf(e->server, sizeof(e->server), "https://127.0.0.1:%d", ebb_replay_port(e->srv));
    e->cfg.server = e->server;
    e->cfg.ca_data = (char *)ebb_replay_ca_pem(e->srv, &e->cfg.ca_data_len);
    e->cfg.token = "test-token";
    ebb_kube_client_opts_default(&e->opts);
    e->opts.qps = 0;
    e->opts.max_retries = 0; /* the informer's own backoff is under test */
    e->opts.seed = 1;
    if (ebb_kube_client_new(&e->cfg, &e->opts, &e->c, e->err, sizeof(e->err)))
        fail_msg("ebb_kube_client_new: %s", e->err);
    struct ebb_informer_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.resource = EBB_KUBE_DEPLOYMENTS;
    ops.namespace_ = "demo";
    ops.label_selector = label_selector;
    ops.field_selector = field_selector;
    ops.decode = ebb_kube_decode_workload;
    ops.free_obj = ebb_kube_object_free;
    ops.resync_ms = resync_ms;
    ops.page_limit = 2;
    ops.watch_timeout_s = 9;
    ops.backoff_base_ms = backoff_ms;
    ops.backoff_cap_ms = 5 * backoff_ms;
    ops.seed = 7;
    struct ebb_informer_handlers h = {on_add, on_update, on_delete, e};
    assert_int_equal(ebb_informer_new(e->c, &ops, &h, &e->inf), EBB_OK);
}

static void env_start(struct env *e, const char *label_selector, const char *field_selector,
                      int64_t resync_ms)
{
    env_start_backoff(e, label_selector, field_selector, resync_ms, 20);
}

static void env_stop(struct env *e)
{
    ebb_informer_free(e->inf);
    ebb_kube_client_free(e->c);
    ebb_replay_stop(e->srv);
}

static void push_fixture(struct env *e, const char *file, long cut_after)
{
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    assert_int_equal(ebb_replay_fixture(file, &wire, NULL), EBB_OK);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    st.piece = 700; /* frames split across TLS records */
    st.cut_after = cut_after < 0 ? -1 : (long)wire.len * cut_after / 100;
    assert_int_equal(ebb_replay_push(e->srv, &st), EBB_OK);
    ebb_strbuf_release(&wire);
}

static void push_status(struct env *e, int code, const char *reason, int times)
{
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    ebb_replay_status_response(code, reason, "scripted", -1, &wire);
    assert_int_equal(ebb_replay_push_simple(e->srv, wire.buf, times), EBB_OK);
    ebb_strbuf_release(&wire);
}

/* The last step: a 500 answered after 300 ms, so the state the test
 * asserts (right after the server saw the last request) is not yet
 * overwritten by that failure; the informer then backs off quietly. */
static void push_end(struct env *e)
{
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    ebb_replay_status_response(500, "InternalError", "scripted", -1, &wire);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    st.delay_ms = 300;
    assert_int_equal(ebb_replay_push(e->srv, &st), EBB_OK);
    ebb_strbuf_release(&wire);
}

/* A watch whose body is one line (plus "\n"), chunked. */
static void push_watch_line(struct env *e, const char *line)
{
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    ebb_strbuf_addf(&wire,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: "
                    "chunked\r\n\r\n%zx\r\n%s\n\r\n0\r\n\r\n",
                    strlen(line) + 1, line);
    assert_int_equal(ebb_replay_push_simple(e->srv, wire.buf, 1), EBB_OK);
    ebb_strbuf_release(&wire);
}

/* An empty watch: 200, then the end of the stream. */
static void push_empty_watch(struct env *e, int delay_ms)
{
    static const char wire[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire;
    st.len = sizeof(wire) - 1;
    st.delay_ms = delay_ms;
    assert_int_equal(ebb_replay_push(e->srv, &st), EBB_OK);
}

/* Runs the loop until the server has seen n requests (and a little more
 * for the last answer to land), or fails after 10 s. Notes in e->at when
 * each request was first seen. */
static void run_until_requests(struct env *e, size_t n)
{
    int64_t t0 = now_ms();
    size_t k;
    while ((k = ebb_replay_requests(e->srv, NULL, 0)) < n) {
        for (int64_t t = now_ms(); e->seen < k && e->seen < MAX_REQS; e->seen++)
            e->at[e->seen] = t;
        if (now_ms() - t0 > 10000)
            fail_msg("only %zu of %zu requests after 10 s", k, n);
        assert_int_equal(ebb_kube_client_poll(e->c, 5), EBB_OK);
        ebb_informer_tick(e->inf, now_ms());
    }
    for (int64_t t = now_ms(); e->seen < k && e->seen < MAX_REQS; e->seen++)
        e->at[e->seen] = t;
}

/* Request i came at least min_ms after request i - 1. */
static void assert_gap_at_least(struct env *e, size_t i, int64_t min_ms)
{
    if (e->at[i] - e->at[i - 1] < min_ms)
        fail_msg("request %zu came %lld ms after the one before, want >= %lld", i,
                 (long long)(e->at[i] - e->at[i - 1]), (long long)min_ms);
}

/* The targets of the requests seen, in order. */
static size_t targets(struct env *e, struct ebb_replay_request *reqs, size_t max)
{
    size_t n = ebb_replay_requests(e->srv, reqs, max);
    return n < max ? n : max;
}

static bool is_watch(const struct ebb_replay_request *r)
{
    return strstr(r->target, "watch=1") != NULL;
}

static void assert_log(struct env *e, const char *const *want, int n)
{
    for (int i = 0; i < n && i < e->n_log; i++) {
        if (strcmp(e->log[i], want[i]) != 0)
            fail_msg("callback %d: \"%s\", want \"%s\"", i, e->log[i], want[i]);
    }
    if (e->n_log != n)
        fail_msg("%d callbacks, want %d (last: %s)", e->n_log, n,
                 e->n_log ? e->log[e->n_log - 1] : "-");
}

/* LIST in two pages -> synced -> WATCH 60 (ADDED, MODIFIED, DELETED) ->
 * the server ends it -> resumed from rv 329 -> BOOKMARK of 62 -> resumed
 * from 343. Selectors travel in every request. */
static void test_list_watch_resume_bookmark(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, "app in (web,watched)", "metadata.namespace=demo", 0);
    push_fixture(&e, FIX "50-list-limit-page1.txt", -1);
    push_fixture(&e, FIX "51-list-limit-page2-continue.txt", -1);
    push_fixture(&e, FIX "60-watch-deployments-added-modified-deleted.txt", -1);
    push_fixture(&e, FIX "62-watch-bookmark.txt", -1);
    push_end(&e);
    assert_false(ebb_informer_synced(e.inf));
    assert_int_equal(ebb_informer_start(e.inf, now_ms()), EBB_OK);
    assert_int_equal(ebb_informer_start(e.inf, now_ms()), EBB_ERR_INVALID);
    run_until_requests(&e, 5);

    assert_true(ebb_informer_synced(e.inf));
    assert_string_equal(ebb_informer_resource_version(e.inf), "343");
    struct ebb_replay_request reqs[8];
    size_t n = targets(&e, reqs, 8);
    assert_true(n >= 5);
    static const char *const want_in[][3] = {
        {"/apis/apps/v1/namespaces/demo/deployments?", "limit=2", NULL},
        {"limit=2", "continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MzE1", NULL},
        {"watch=1", "allowWatchBookmarks=true", "resourceVersion=315"},
        {"watch=1", "timeoutSeconds=9", "resourceVersion=329"},
        {"watch=1", "allowWatchBookmarks=true", "resourceVersion=343"},
    };
    for (size_t i = 0; i < 5; i++) {
        assert_non_null(strstr(reqs[i].target, "labelSelector=app%20in%20%28web%2Cwatched%29"));
        assert_non_null(strstr(reqs[i].target, "fieldSelector=metadata.namespace%3Ddemo"));
        for (size_t k = 0; k < 3 && want_in[i][k]; k++) {
            if (strstr(reqs[i].target, want_in[i][k]) == NULL)
                fail_msg("request %zu: %s lacks %s", i, reqs[i].target, want_in[i][k]);
        }
    }
    assert_null(strstr(reqs[0].target, "continue="));
    /* The first LIST asks the watch cache (resourceVersion=0); a continue
     * page must not carry a resourceVersion. */
    assert_non_null(strstr(reqs[0].target, "deployments?resourceVersion=0&labelSelector="));
    assert_null(strstr(reqs[1].target, "resourceVersion="));
    static const char *const want[] = {
        "ADD demo/alpha 0",      "ADD demo/beta 0",       "ADD demo/gamma 0",
        "ADD demo/web 2",        "ADD demo/watched 1",    "UPDATE demo/watched 1",
        "UPDATE demo/watched 1", "UPDATE demo/watched 1", "UPDATE demo/watched 1",
        "DELETE demo/watched 1", "UPDATE demo/alpha 0",   "UPDATE demo/alpha 0",
    };
    /* The list's ADDs come in the table's order: compare them as a set. */
    for (int i = 0; i < 4; i++) {
        bool found = false;
        for (int k = 0; k < 4; k++)
            found = found || strcmp(e.log[k], want[i]) == 0;
        if (!found) {
            for (int k = 0; k < e.n_log; k++)
                print_message("callback %d: %s\n", k, e.log[k]);
            fail_msg("no callback \"%s\"", want[i]);
        }
    }
    memcpy(e.log[0], want[0], strlen(want[0]) + 1);
    memcpy(e.log[1], want[1], strlen(want[1]) + 1);
    memcpy(e.log[2], want[2], strlen(want[2]) + 1);
    memcpy(e.log[3], want[3], strlen(want[3]) + 1);
    assert_log(&e, want, 12);
    const struct ebb_cache *store = ebb_informer_store(e.inf);
    assert_int_equal(ebb_cache_count(store), 4);
    const char *rv = NULL;
    const struct ebb_kube_workload *alpha = ebb_cache_get(store, "demo/alpha", &rv);
    assert_non_null(alpha);
    assert_string_equal(rv, "343");
    assert_int_equal(alpha->meta.generation, 3);
    assert_null(ebb_cache_get(store, "demo/watched", NULL));
    const struct ebb_informer_stats *st = ebb_informer_stats(e.inf);
    assert_int_equal(st->lists, 2);
    assert_int_equal(st->relists, 0);
    assert_int_equal(st->bookmarks, 1);
    assert_int_equal(st->events, 9);
    env_stop(&e);
}

/* 410 as an ERROR event (66, and 67 with bookmarks) and as an HTTP 410:
 * each gives a new LIST from scratch, whose replace fires the difference. */
static void test_gone_relists(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL, NULL, 0);
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1); /* 4 items */
    push_fixture(&e, FIX "66-watch-rv-older-than-watchcache-410.txt", -1);
    push_fixture(&e, FIX "55-list-labelselector.txt", -1); /* web only */
    push_fixture(&e, FIX "67-watch-rv-older-than-watchcache-bookmarks-410.txt", -1);
    push_fixture(&e, FIX "55-list-labelselector.txt", -1);
    push_status(&e, 410, "Gone", 1);
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1);
    push_end(&e);
    assert_int_equal(ebb_informer_start(e.inf, now_ms()), EBB_OK);
    run_until_requests(&e, 8);
    struct ebb_replay_request reqs[12];
    size_t n = targets(&e, reqs, 12);
    static const bool want_watch[] = {false, true, false, true, false, true, false, true};
    for (size_t i = 0; i < 8 && i < n; i++) {
        if (is_watch(&reqs[i]) != want_watch[i])
            fail_msg("request %zu is %s", i, reqs[i].target);
        if (!want_watch[i])
            assert_null(strstr(reqs[i].target, "continue="));
        /* The first list reads the watch cache, a list after a 410 is a
         * consistent read (no resourceVersion); the limit is ignored by
         * the cache (52 comes back whole). */
        if (!want_watch[i] && i == 0)
            assert_non_null(strstr(reqs[i].target, "resourceVersion=0&limit=2"));
        else if (!want_watch[i])
            assert_null(strstr(reqs[i].target, "resourceVersion="));
    }
    assert_non_null(strstr(reqs[1].target, "resourceVersion=315"));
    const struct ebb_informer_stats *st = ebb_informer_stats(e.inf);
    assert_int_equal(st->gone, 3);
    assert_int_equal(st->relists, 3);
    assert_int_equal(st->lists, 4);
    if (strstr(st->last_error, "410") == NULL)
        fail_msg("last error: %s", st->last_error);
    /* 4 ADDs, then the relist to web only: 1 UPDATE + 3 DELETEs, an UPDATE
     * of web, then UPDATE web + 3 ADDs. */
    int adds = 0, updates = 0, deletes = 0;
    for (int i = 0; i < e.n_log; i++) {
        adds += strncmp(e.log[i], "ADD ", 4) == 0;
        updates += strncmp(e.log[i], "UPDATE demo/web ", 16) == 0;
        deletes += strncmp(e.log[i], "DELETE ", 7) == 0;
    }
    assert_int_equal(adds, 7);
    assert_int_equal(updates, 3);
    assert_int_equal(deletes, 3);
    assert_int_equal(ebb_cache_count(ebb_informer_store(e.inf)), 4);
    env_stop(&e);
}

/* 58: a 410 on the first page: after a backoff the list is a consistent
 * read (no resourceVersion), still paged. 50 then 57 (410 Expired on the
 * continue page): after a backoff, one LIST without limit or continue (as
 * client-go's pager falls back to), which 52 answers whole. */
static void test_expired_continue_lists_unpaged(void **state)
{
    (void)state;
    struct env e;
    env_start_backoff(&e, NULL, NULL, 0, 150);
    push_fixture(&e, FIX "58-list-rv-exact-compacted-410.txt", -1);
    push_fixture(&e, FIX "50-list-limit-page1.txt", -1);
    push_fixture(&e, FIX "57-list-continue-expired-410.txt", -1);
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1);
    push_end(&e);
    assert_int_equal(ebb_informer_start(e.inf, now_ms()), EBB_OK);
    run_until_requests(&e, 5);
    struct ebb_replay_request reqs[5];
    targets(&e, reqs, 5);
    assert_string_equal(reqs[0].target,
                        "/apis/apps/v1/namespaces/demo/deployments?resourceVersion=0&limit=2");
    assert_string_equal(reqs[1].target, "/apis/apps/v1/namespaces/demo/deployments?limit=2");
    assert_non_null(strstr(reqs[2].target, "limit=2&continue="));
    assert_null(strstr(reqs[2].target, "resourceVersion="));
    assert_string_equal(reqs[3].target, "/apis/apps/v1/namespaces/demo/deployments");
    assert_true(is_watch(&reqs[4]));
    assert_non_null(strstr(reqs[4].target, "resourceVersion=315"));
    /* Each 410 waited a backoff (150 ms, then 300 ms, -20% jitter). */
    assert_gap_at_least(&e, 1, 110);
    assert_gap_at_least(&e, 3, 230);
    assert_true(ebb_informer_synced(e.inf));
    assert_int_equal(e.n_log, 4); /* the half-read list fired nothing */
    assert_int_equal(ebb_cache_count(ebb_informer_store(e.inf)), 4);
    const struct ebb_informer_stats *st = ebb_informer_stats(e.inf);
    assert_int_equal(st->gone, 2);
    assert_int_equal(st->relists, 2);
    assert_int_equal(st->lists, 4);
    env_stop(&e);
}

/* A connection dropped inside a frame: the events before it are kept and
 * the watch resumes from the last whole one. A malformed frame and an
 * oversized one: a relist. */
static void test_dropped_and_malformed_watches(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL, NULL, 0);
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1);
    push_fixture(&e, FIX "60-watch-deployments-added-modified-deleted.txt", 50); /* cut */
    push_watch_line(&e, "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\"");
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1);
    push_end(&e);
    assert_int_equal(ebb_informer_start(e.inf, now_ms()), EBB_OK);
    run_until_requests(&e, 5);
    struct ebb_replay_request reqs[6];
    size_t n = targets(&e, reqs, 6);
    assert_true(n >= 5);
    assert_false(is_watch(&reqs[0]));
    assert_true(is_watch(&reqs[1]));
    assert_true(is_watch(&reqs[2])); /* resumed after the cut */
    char want_rv[64];
    /* The cut lands after the ADDED (rv 316) and some MODIFIEDs. */
    const struct ebb_informer_stats *st = ebb_informer_stats(e.inf);
    assert_true(st->events >= 1);
    assert_null(strstr(reqs[2].target, "resourceVersion=315&"));
    assert_null(strstr(reqs[2].target, "resourceVersion=329"));
    snprintf(want_rv, sizeof(want_rv), "resourceVersion=3");
    assert_non_null(strstr(reqs[2].target, want_rv));
    assert_false(is_watch(&reqs[3])); /* the malformed frame: relist */
    assert_true(is_watch(&reqs[4]));
    assert_true(st->failures >= 2);
    assert_true(st->relists >= 1);
    /* After the relist "watched" (added by the cut watch) is gone again. */
    assert_null(ebb_cache_get(ebb_informer_store(e.inf), "demo/watched", NULL));
    assert_int_equal(ebb_cache_count(ebb_informer_store(e.inf)), 4);
    env_stop(&e);
}

/* A frame over max_frame: an error on that watch, then a relist. */
static void test_oversized_frame_relists(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL, NULL, 0);
    ebb_informer_free(e.inf);
    struct ebb_informer_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.resource = EBB_KUBE_DEPLOYMENTS;
    ops.decode = ebb_kube_decode_workload;
    ops.free_obj = ebb_kube_object_free;
    ops.max_frame = 1024; /* the fixture's events are about 3 KB */
    ops.backoff_base_ms = 10;
    struct ebb_informer_handlers h = {on_add, on_update, on_delete, &e};
    assert_int_equal(ebb_informer_new(e.c, &ops, &h, &e.inf), EBB_OK);
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1);
    push_fixture(&e, FIX "60-watch-deployments-added-modified-deleted.txt", -1);
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1);
    push_end(&e);
    assert_int_equal(ebb_informer_start(e.inf, now_ms()), EBB_OK);
    run_until_requests(&e, 4);
    struct ebb_replay_request reqs[4];
    targets(&e, reqs, 4);
    assert_string_equal(reqs[0].target, "/apis/apps/v1/deployments?resourceVersion=0&limit=500");
    assert_true(is_watch(&reqs[1]));
    assert_non_null(strstr(reqs[1].target, "timeoutSeconds="));
    assert_false(is_watch(&reqs[2]));
    /* Not a 410: the relist asks for the last resourceVersion seen. */
    assert_string_equal(reqs[2].target, "/apis/apps/v1/deployments?resourceVersion=315&limit=500");
    assert_non_null(strstr(ebb_informer_stats(e.inf)->last_error, "over the limit"));
    env_stop(&e);
}

/* A watch that ends with no events within 1 s is an error: the next one
 * waits a backoff (150 ms, then 300 ms), never a hot loop. One that lasted
 * over 1 s before ending empty is resumed at once, with no error. */
static void test_short_empty_watch_backs_off(void **state)
{
    (void)state;
    struct env e;
    env_start_backoff(&e, NULL, NULL, 0, 150);
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1);
    push_empty_watch(&e, 0);
    push_empty_watch(&e, 0);
    push_empty_watch(&e, 1100);
    push_end(&e);
    assert_int_equal(ebb_informer_start(e.inf, now_ms()), EBB_OK);
    run_until_requests(&e, 4);
    const struct ebb_informer_stats *st = ebb_informer_stats(e.inf);
    assert_int_equal(st->failures, 2);
    assert_non_null(strstr(st->last_error, "ended within 1 s with no events"));
    run_until_requests(&e, 5);
    struct ebb_replay_request reqs[5];
    targets(&e, reqs, 5);
    for (size_t i = 1; i < 5; i++) {
        assert_true(is_watch(&reqs[i]));
        assert_non_null(strstr(reqs[i].target, "resourceVersion=315"));
    }
    assert_gap_at_least(&e, 2, 110);
    assert_gap_at_least(&e, 3, 230);
    assert_int_equal(st->failures, 2); /* the long empty watch was no error */
    assert_true(e.at[4] - e.at[3] < 1100 + 200);
    assert_int_equal(st->watches, 4);
    assert_int_equal(st->lists, 1);
    env_stop(&e);
}

/* An ERROR event that is not a 410: the store is still right, so after a
 * backoff the watch resumes from the last resourceVersion, with no LIST. */
static void test_watch_error_event_resumes(void **state)
{
    (void)state;
    struct env e;
    env_start_backoff(&e, NULL, NULL, 0, 150);
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1);
    push_watch_line(&e, "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Deployment\",\"metadata\":"
                        "{\"name\":\"web\",\"namespace\":\"demo\",\"resourceVersion\":\"400\"},"
                        "\"spec\":{\"replicas\":5}}}\n"
                        "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                        "\"metadata\":{},\"status\":\"Failure\",\"message\":\"etcd is slow\","
                        "\"reason\":\"InternalError\",\"code\":500}}");
    push_end(&e);
    assert_int_equal(ebb_informer_start(e.inf, now_ms()), EBB_OK);
    run_until_requests(&e, 3);
    struct ebb_replay_request reqs[3];
    targets(&e, reqs, 3);
    assert_true(is_watch(&reqs[1]));
    assert_true(is_watch(&reqs[2]));
    assert_non_null(strstr(reqs[2].target, "resourceVersion=400"));
    assert_gap_at_least(&e, 2, 110);
    const struct ebb_informer_stats *st = ebb_informer_stats(e.inf);
    assert_int_equal(st->lists, 1);
    assert_int_equal(st->relists, 0);
    assert_int_equal(st->gone, 0);
    assert_int_equal(st->failures, 1);
    assert_non_null(strstr(st->last_error, "etcd is slow"));
    assert_string_equal(e.log[e.n_log - 1], "UPDATE demo/web 5");
    assert_int_equal(ebb_cache_count(ebb_informer_store(e.inf)), 4);
    env_stop(&e);
}

/* An ADDED or MODIFIED object that does not decode: what was stored for
 * it is dropped with a DELETE callback (the controller must not act on
 * stale data), and the error names the object. The watch goes on. */
static void test_undecodable_object_is_dropped(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL, NULL, 0);
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1);
    push_watch_line(&e, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Deployment\",\"metadata\":"
                        "{\"name\":\"new\",\"namespace\":\"demo\",\"resourceVersion\":\"401\"},"
                        "\"spec\":{\"replicas\":-1}}}\n"
                        "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Deployment\",\"metadata\":"
                        "{\"name\":\"web\",\"namespace\":\"demo\",\"resourceVersion\":\"402\"},"
                        "\"spec\":{\"replicas\":\"two\"}}}");
    push_end(&e);
    assert_int_equal(ebb_informer_start(e.inf, now_ms()), EBB_OK);
    run_until_requests(&e, 3);
    struct ebb_replay_request reqs[3];
    targets(&e, reqs, 3);
    assert_true(is_watch(&reqs[2])); /* resumed at once, past the bad objects */
    assert_non_null(strstr(reqs[2].target, "resourceVersion=402"));
    assert_int_equal(e.n_log, 5); /* 4 ADDs from the list, no ADD of demo/new */
    assert_string_equal(e.log[4], "DELETE demo/web 2");
    const struct ebb_cache *store = ebb_informer_store(e.inf);
    assert_int_equal(ebb_cache_count(store), 3);
    assert_null(ebb_cache_get(store, "demo/web", NULL));
    assert_null(ebb_cache_get(store, "demo/new", NULL));
    const struct ebb_informer_stats *st = ebb_informer_stats(e.inf);
    assert_int_equal(st->failures, 2);
    assert_int_equal(st->lists, 1);
    if (strstr(st->last_error, "MODIFIED demo/web: cannot be decoded: spec.replicas") == NULL)
        fail_msg("last error: %s", st->last_error);
    env_stop(&e);
}

/* Resync: every period each stored object gets an update with old == new,
 * from the store, with no request. */
static void test_resync(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL, NULL, 1000);
    push_fixture(&e, FIX "52-list-rv0-limit-ignored.txt", -1);
    push_end(&e);
    int64_t t = 1000000; /* the informer's clock is whatever the loop says */
    assert_int_equal(ebb_informer_start(e.inf, t), EBB_OK);
    int64_t t0 = now_ms();
    while (!ebb_informer_synced(e.inf) && now_ms() - t0 < 10000)
        assert_int_equal(ebb_kube_client_poll(e.c, 5), EBB_OK);
    assert_true(ebb_informer_synced(e.inf));
    /* Let the watch sent on sync reach the server (it answers 300 ms
     * later), so the count below cannot race with it. */
    while (ebb_replay_requests(e.srv, NULL, 0) < 2 && now_ms() - t0 < 10000)
        assert_int_equal(ebb_kube_client_poll(e.c, 5), EBB_OK);
    size_t before = ebb_replay_requests(e.srv, NULL, 0);
    assert_int_equal(before, 2);
    ebb_informer_tick(e.inf, t + 999);
    assert_int_equal(e.resync_updates, 0);
    assert_true(ebb_informer_next_in(e.inf, t + 999) <= 1);
    ebb_informer_tick(e.inf, t + 1000);
    assert_int_equal(e.resync_updates, 4);
    ebb_informer_tick(e.inf, t + 1500);
    assert_int_equal(e.resync_updates, 4);
    ebb_informer_tick(e.inf, t + 2000);
    assert_int_equal(e.resync_updates, 8);
    assert_int_equal(ebb_informer_stats(e.inf)->resyncs, 2);
    assert_int_equal(ebb_replay_requests(e.srv, NULL, 0), before);
    env_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_watch_resume_bookmark),
        cmocka_unit_test(test_gone_relists),
        cmocka_unit_test(test_expired_continue_lists_unpaged),
        cmocka_unit_test(test_dropped_and_malformed_watches),
        cmocka_unit_test(test_oversized_frame_relists),
        cmocka_unit_test(test_short_empty_watch_backs_off),
        cmocka_unit_test(test_watch_error_event_resumes),
        cmocka_unit_test(test_undecodable_object_is_dropped),
        cmocka_unit_test(test_resync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
