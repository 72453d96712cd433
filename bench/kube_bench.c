/* kube_bench.c -- how fast the API client talks and the watch decoder decodes.
 *
 * Measures, against the TLS replay server of tests/fake (in this process,
 * on 127.0.0.1, HTTP/1.1 keep-alive):
 *   1. small GETs (the 271-byte /scale of fixture 12) one after another
 *      with ebb_kube_do(): requests per second, and CPU per request -- of
 *      the client's thread alone (CLOCK_THREAD_CPUTIME_ID) and of the whole
 *      process, server included (getrusage);
 *   2. the same GETs with 16 in flight through submit/poll;
 *   3. a watch stream of 20,000 events (fixture 60's events repeated)
 *      through TLS, HTTP chunking and the watch decoder: events per second;
 *   4. the decoder alone on the same bytes in memory: events per second.
 * Rates are the best of 5 rounds. Run from the repository root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../pkg/kube/client.h"
#include "../pkg/kube/watch.h"
#include "../tests/fake/replay_server.c"

#define FIXTURE_GET "tests/fixtures/kube-api/12-deployment-scale-get.txt"
#define FIXTURE_WATCH "tests/fixtures/kube-api/60-watch-deployments-added-modified-deleted.txt"
#define ROUNDS 5
#define SEQ_REQUESTS 3000
#define PAR_REQUESTS 6000
#define IN_FLIGHT 16
#define WATCH_EVENTS 20000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double process_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static const struct ebb_kube_request get_req = {
    EBB_KUBE_GET, "/apis/apps/v1/namespaces/demo/deployments/web/scale", NULL, 0, NULL, false};

struct par_state {
    long done, failed;
};

static void par_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct par_state *s = ctx;
    s->done++;
    s->failed += resp->http_status != 200;
}

struct watch_sink {
    struct ebb_watch_decoder dec;
    enum ebb_rc rc;
    long events;
    bool done;
    int status;
};

static int count_event(void *ctx, const struct ebb_watch_event *ev)
{
    struct watch_sink *s = ctx;
    s->events += ev->object != NULL;
    return 0;
}

static int sink_data(void *ctx, const char *data, size_t len)
{
    struct watch_sink *s = ctx;
    if (s->rc == EBB_OK)
        s->rc = ebb_watch_decoder_feed(&s->dec, data, len, count_event, s);
    return 0;
}

static void sink_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct watch_sink *s = ctx;
    s->done = true;
    s->status = resp->http_status;
}

int main(void)
{
    int rc = 1;
    struct ebb_replay_server *srv = NULL;
    struct ebb_kube_client *c = NULL;
    struct ebb_strbuf get_wire = EBB_STRBUF_INIT, watch_body = EBB_STRBUF_INIT;
    struct ebb_strbuf stream = EBB_STRBUF_INIT, body = EBB_STRBUF_INIT;
    char server[64], err[512];

    if (ebb_replay_fixture(FIXTURE_GET, &get_wire, NULL) != EBB_OK ||
        ebb_replay_fixture(FIXTURE_WATCH, NULL, &watch_body) != EBB_OK) {
        fprintf(stderr, "bench: cannot read the fixtures (run from the repository root)\n");
        goto out;
    }
    /* The watch response: fixture 60's events over and over, one chunk each. */
    long n_lines = 0;
    for (size_t i = 0; i < watch_body.len; i++)
        n_lines += watch_body.buf[i] == '\n';
    ebb_strbuf_adds(&stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n");
    long events = 0;
    while (events < WATCH_EVENTS) {
        for (size_t off = 0; off < watch_body.len && events < WATCH_EVENTS; events++) {
            const char *e = memchr(watch_body.buf + off, '\n', watch_body.len - off);
            size_t len = (size_t)(e - (watch_body.buf + off)) + 1;
            ebb_strbuf_addf(&stream, "%zx\r\n", len);
            ebb_strbuf_add(&stream, watch_body.buf + off, len);
            ebb_strbuf_adds(&stream, "\r\n");
            off += len;
        }
    }
    ebb_strbuf_adds(&stream, "0\r\n\r\n");
    if (ebb_strbuf_rc(&stream) || n_lines == 0)
        goto out;

    if (ebb_replay_start(NULL, &srv) != EBB_OK) {
        fprintf(stderr, "bench: the replay server does not start\n");
        goto out;
    }
    snprintf(server, sizeof(server), "https://127.0.0.1:%d", ebb_replay_port(srv));
    struct ebb_kube_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.server = server;
    cfg.ca_data = (char *)ebb_replay_ca_pem(srv, &cfg.ca_data_len);
    cfg.token = "bench-token";
    struct ebb_kube_client_opts o;
    ebb_kube_client_opts_default(&o);
    o.qps = 0; /* measure the client, not the limiter */
    if (ebb_kube_client_new(&cfg, &o, &c, err, sizeof(err)) != EBB_OK) {
        fprintf(stderr, "bench: client: %s\n", err);
        goto out;
    }
    if (ebb_replay_push_simple(srv, get_wire.buf, 1) != EBB_OK)
        goto out;

    /* 1. One after another. */
    double best = 0, best_thread_cpu = 1e9, best_proc_cpu = 1e9;
    for (int round = 0; round < ROUNDS; round++) {
        double t0 = now_s(), c0 = thread_cpu_s(), p0 = process_cpu_s();
        for (long i = 0; i < SEQ_REQUESTS; i++) {
            int status = 0;
            if (ebb_kube_do(c, &get_req, &body, &status, NULL) != EBB_OK) {
                fprintf(stderr, "bench: request %ld failed (status %d)\n", i, status);
                goto out;
            }
        }
        double dt = now_s() - t0;
        double tc = (thread_cpu_s() - c0) / SEQ_REQUESTS,
               pc = (process_cpu_s() - p0) / SEQ_REQUESTS;
        best = SEQ_REQUESTS / dt > best ? SEQ_REQUESTS / dt : best;
        best_thread_cpu = tc < best_thread_cpu ? tc : best_thread_cpu;
        best_proc_cpu = pc < best_proc_cpu ? pc : best_proc_cpu;
    }
    printf("kube: small GET over TLS, one at a time: %.0f requests/s; CPU per request %.1f us "
           "(client thread), %.1f us (process, server included)\n",
           best, best_thread_cpu * 1e6, best_proc_cpu * 1e6);

    /* 2. Many in flight. */
    best = 0;
    int conns_before = ebb_replay_connections(srv);
    for (int round = 0; round < ROUNDS; round++) {
        struct par_state ps = {0, 0};
        long submitted = 0;
        double t0 = now_s();
        while (ps.done < PAR_REQUESTS) {
            while (submitted < PAR_REQUESTS && submitted - ps.done < IN_FLIGHT) {
                if (ebb_kube_submit(c, &get_req, NULL, par_done, &ps, NULL) != EBB_OK)
                    goto out;
                submitted++;
            }
            if (ebb_kube_client_poll(c, 100) != EBB_OK)
                goto out;
        }
        double dt = now_s() - t0;
        if (ps.failed) {
            fprintf(stderr, "bench: %ld requests failed\n", ps.failed);
            goto out;
        }
        best = PAR_REQUESTS / dt > best ? PAR_REQUESTS / dt : best;
    }
    printf("kube: small GET over TLS, %d in flight (HTTP/1.1: %d new connections): %.0f "
           "requests/s\n",
           IN_FLIGHT, ebb_replay_connections(srv) - conns_before, best);

    /* 3. A watch through the client. */
    if (ebb_replay_push_simple(srv, stream.buf, 1) != EBB_OK)
        goto out;
    best = 0;
    struct ebb_kube_request wreq = {
        EBB_KUBE_GET, "/apis/apps/v1/deployments?watch=1", NULL, 0, NULL, true};
    for (int round = 0; round < ROUNDS; round++) {
        struct watch_sink s;
        memset(&s, 0, sizeof(s));
        ebb_watch_decoder_init(&s.dec, EBB_WATCH_DEFAULT_MAX_FRAME);
        double t0 = now_s();
        if (ebb_kube_submit(c, &wreq, sink_data, sink_done, &s, NULL) != EBB_OK)
            goto out;
        while (!s.done)
            if (ebb_kube_client_poll(c, 100) != EBB_OK)
                goto out;
        double dt = now_s() - t0;
        ebb_watch_decoder_release(&s.dec);
        if (s.status != 200 || s.rc != EBB_OK || s.events != WATCH_EVENTS) {
            fprintf(stderr, "bench: the watch gave %ld events (status %d, rc %s)\n", s.events,
                    s.status, ebb_rc_str(s.rc));
            goto out;
        }
        best = WATCH_EVENTS / dt > best ? WATCH_EVENTS / dt : best;
    }
    printf("kube: watch of %d Deployment events (avg %zu bytes) over TLS + chunked + decoder: "
           "%.0f events/s\n",
           WATCH_EVENTS, watch_body.len / (size_t)n_lines, best);

    /* 4. The decoder alone. */
    best = 0;
    for (int round = 0; round < ROUNDS; round++) {
        struct watch_sink s;
        memset(&s, 0, sizeof(s));
        ebb_watch_decoder_init(&s.dec, EBB_WATCH_DEFAULT_MAX_FRAME);
        double t0 = now_s();
        for (long n = 0; n < WATCH_EVENTS; n += n_lines)
            if (ebb_watch_decoder_feed(&s.dec, watch_body.buf, watch_body.len, count_event, &s))
                goto out;
        double dt = now_s() - t0;
        ebb_watch_decoder_release(&s.dec);
        best = (double)s.events / dt > best ? (double)s.events / dt : best;
    }
    printf("kube: watch decoder alone, in memory: %.0f events/s\n", best);
    rc = 0;
out:
    ebb_kube_client_free(c);
    ebb_replay_stop(srv);
    ebb_strbuf_release(&get_wire);
    ebb_strbuf_release(&watch_body);
    ebb_strbuf_release(&stream);
    ebb_strbuf_release(&body);
    return rc;
}
