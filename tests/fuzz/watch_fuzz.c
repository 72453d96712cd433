/* watch_fuzz.c -- libFuzzer target for the watch decoder (and the typed
 * errors it builds).
 *
 * The first byte seeds the choices: the frame limit (the default, or 64
 * bytes so that EBB_ERR_LIMIT is reached), an event at which the handler
 * stops, and the random sizes of the pieces the rest is fed in. The pieces
 * must give exactly what the whole input fed at once gives -- the same
 * result, the same events, the same last resourceVersion -- and neither may
 * crash or leak. The same bytes also go through ebb_kube_error_from_response
 * and the one-line format. Built and run by `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/kube/status.h"
#include "../../pkg/kube/watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "watch_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

struct run {
    size_t stop_at; /* stop at this event (1-based); 0 never */
    size_t n;
    uint64_t digest; /* of the events' types and resourceVersions, in order */
};

static uint64_t mix(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

static int on_event(void *ctx, const struct ebb_watch_event *ev)
{
    struct run *r = ctx;
    must((unsigned)ev->type < EBB_WATCH_TYPE__COUNT, "event type out of range", NULL);
    must(ev->object != NULL && ev->resource_version != NULL, "event without object or rv", NULL);
    must((ev->type == EBB_WATCH_ERROR) == (ev->error != NULL), "error iff ERROR", NULL);
    if (ev->error != NULL) {
        char line[256];
        must(strlen(ev->error->message) < sizeof(ev->error->message), "message unterminated", NULL);
        must(ev->error->n_causes <= EBB_KUBE_MAX_CAUSES, "too many causes", NULL);
        ebb_kube_error_format(ev->error, line, sizeof(line));
        must(strlen(line) < sizeof(line), "format overflow", NULL);
    }
    r->n++;
    r->digest = mix(r->digest, ebb_watch_type_name(ev->type));
    r->digest = mix(r->digest, ev->resource_version);
    return r->stop_at != 0 && r->n == r->stop_at;
}

struct result {
    enum ebb_rc rc;
    struct run run;
    char last_rv[128];
};

/* Feeds text in pieces whose sizes come from seed (0: all at once). */
static void decode(const char *text, size_t len, size_t max_frame, size_t stop_at, uint64_t seed,
                   struct result *res)
{
    struct ebb_watch_decoder d;
    size_t at = 0;

    memset(res, 0, sizeof(*res));
    res->run.stop_at = stop_at;
    res->run.digest = 1469598103934665603ull;
    ebb_watch_decoder_init(&d, max_frame);
    while (res->rc == EBB_OK && at < len) {
        size_t piece = len - at;
        if (seed != 0) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t cap = (seed >> 60) < 4 ? 3 : (seed >> 60) < 12 ? 64 : 4096;
            piece = (size_t)(seed >> 33) % cap + 1;
            if (piece > len - at)
                piece = len - at;
        }
        res->rc = ebb_watch_decoder_feed(&d, text + at, piece, on_event, &res->run);
        at += piece;
    }
    if (res->rc == EBB_OK)
        res->rc = ebb_watch_decoder_finish(&d);
    must(res->rc == EBB_OK || res->rc == EBB_ERR_PARSE || res->rc == EBB_ERR_LIMIT ||
             res->rc == EBB_ERR_INVALID,
         "unexpected result", d.err);
    must((res->rc == EBB_OK) == (d.err[0] == '\0'), "err set iff failed", d.err);
    must(d.events == res->run.n, "events count", d.err);
    must(d.buf.len <= d.max_frame + 1, "buffer over the limit", NULL);
    memcpy(res->last_rv, d.last_rv, sizeof(res->last_rv));
    ebb_watch_decoder_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t s = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    size_t max_frame = (s & 1) ? 64 : 0;
    size_t stop_at = (s >> 1) & 3; /* 0 never, else at event 1..3 */
    uint64_t seed = ((uint64_t)s << 32) | 0x9E3779B9u;

    struct result whole, pieces;
    decode(text, len, max_frame, stop_at, 0, &whole);
    decode(text, len, max_frame, stop_at, seed, &pieces);
    must(whole.rc == pieces.rc, "pieces and whole disagree on the result", NULL);
    must(whole.run.n == pieces.run.n && whole.run.digest == pieces.run.digest,
         "pieces and whole disagree on the events", NULL);
    must(strcmp(whole.last_rv, pieces.last_rv) == 0, "pieces and whole disagree on last_rv", NULL);

    /* the same bytes as an error response */
    struct ebb_kube_error e;
    char line[512];
    char retry_after[32];
    int code = 400 + s % 200;
    size_t ra = len < sizeof(retry_after) - 1 ? len : sizeof(retry_after) - 1;
    memcpy(retry_after, text, ra);
    retry_after[ra] = '\0';
    ebb_kube_error_from_response(code, text, len, (s & 0x80) ? retry_after : NULL, &e);
    must(e.http_status == code, "http status", NULL);
    must(strlen(e.message) < sizeof(e.message), "message unterminated", NULL);
    must(e.n_causes <= EBB_KUBE_MAX_CAUSES, "too many causes", NULL);
    ebb_kube_error_format(&e, line, sizeof(line));
    must(strlen(line) < sizeof(line), "format overflow", NULL);
    return 0;
}
