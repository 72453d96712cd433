/* kube_watch_test.c -- watch framing: every recorded watch stream (60-67)
 * decoded into exactly the events of its EVENT SUMMARY, whole, split in two
 * at every byte, one byte at a time and in random pieces; the frame limit;
 * malformed frames; blank lines and CRLF; a truncated last frame; the last
 * resourceVersion through BOOKMARKs and ERRORs; a handler that stops. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/kube/watch.h"
#include "kube_fixture.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_EVENTS 64

static const int watch_fixtures[] = {60, 61, 62, 63, 64, 65, 66, 67};

/* What a handler saw of one event, in the fixtures' summary terms. */
struct seen {
    struct ebbt_kube_summary_event ev;
    char message[128];
};

struct collector {
    struct seen seen[MAX_EVENTS];
    size_t n;
    size_t stop_at; /* return non-zero at this event (1-based); 0 never */
    char last_rv_during[MAX_EVENTS][128];
    const struct ebb_watch_decoder *d;
};

static void copy(char *dst, size_t dstsz, const char *src)
{
    snprintf(dst, dstsz, "%s", src != NULL ? src : "");
}

static int collect(void *ctx, const struct ebb_watch_event *ev)
{
    struct collector *c = ctx;
    if (c->n == MAX_EVENTS)
        return 1;
    struct seen *s = &c->seen[c->n];
    memset(s, 0, sizeof(*s));
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(ev->object, "kind");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(ev->object, "metadata");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
    copy(s->ev.type, sizeof(s->ev.type), ebb_watch_type_name(ev->type));
    copy(s->ev.kind, sizeof(s->ev.kind), cJSON_IsString(kind) ? kind->valuestring : "");
    copy(s->ev.name, sizeof(s->ev.name), cJSON_IsString(name) ? name->valuestring : "");
    copy(s->ev.rv, sizeof(s->ev.rv), ev->resource_version);
    if (ev->type == EBB_WATCH_ERROR) {
        assert_non_null(ev->error);
        s->ev.code = ev->error->http_status;
        copy(s->ev.reason, sizeof(s->ev.reason), ebb_kube_reason_name(ev->error->reason));
        copy(s->message, sizeof(s->message), ev->error->message);
    } else {
        assert_null(ev->error);
    }
    if (c->d != NULL)
        copy(c->last_rv_during[c->n], sizeof(c->last_rv_during[0]), c->d->last_rv);
    c->n++;
    return c->stop_at != 0 && c->n == c->stop_at;
}

static void assert_same_events(const struct seen *got, size_t n_got,
                               const struct ebbt_kube_summary_event *want, size_t n_want,
                               const char *what)
{
    if (n_got != n_want)
        fail_msg("%s: %zu events, want %zu", what, n_got, n_want);
    for (size_t i = 0; i < n_want; i++) {
        const struct ebbt_kube_summary_event *g = &got[i].ev, *w = &want[i];
        if (strcmp(g->type, w->type) != 0 || strcmp(g->kind, w->kind) != 0 ||
            strcmp(g->name, w->name) != 0 || strcmp(g->rv, w->rv) != 0 || g->code != w->code ||
            strcmp(g->reason, w->reason) != 0)
            fail_msg("%s: event %zu is %s %s %s rv=%s %d %s, want %s %s %s rv=%s %d %s", what, i,
                     g->type, g->kind, g->name, g->rv, g->code, g->reason, w->type, w->kind,
                     w->name, w->rv, w->code, w->reason);
    }
}

/* Feeds body in pieces ending at the offsets cuts[0..n) (then the rest)
 * and checks the events. */
static void decode_in_pieces(const char *body, size_t len, const size_t *cuts, size_t n_cuts,
                             const struct ebbt_kube_summary_event *want, size_t n_want,
                             const char *what)
{
    struct ebb_watch_decoder d;
    struct collector *c = malloc(sizeof(*c)); /* called often: no need to clear it all */
    size_t at = 0;
    assert_non_null(c);
    c->n = 0;
    c->stop_at = 0;
    c->d = NULL;
    ebb_watch_decoder_init(&d, 0);
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t to = i < n_cuts ? cuts[i] : len;
        enum ebb_rc rc = ebb_watch_decoder_feed(&d, body + at, to - at, collect, c);
        if (rc != EBB_OK)
            fail_msg("%s: feed [%zu,%zu) failed: %s", what, at, to, d.err);
        at = to;
    }
    assert_int_equal(ebb_watch_decoder_finish(&d), EBB_OK);
    assert_same_events(c->seen, c->n, want, n_want, what);
    assert_int_equal(d.events, n_want);
    ebb_watch_decoder_release(&d);
    free(c);
}

struct loaded {
    struct ebbt_kube_exchange x;
    struct ebbt_kube_summary_event want[MAX_EVENTS];
    size_t n_want;
};

static struct loaded *load(int nn)
{
    struct loaded *l = calloc(1, sizeof(*l));
    assert_non_null(l);
    if (!ebbt_kube_load_nn(nn, &l->x))
        fail_msg("%s", l->x.err);
    int n = ebbt_kube_summary(&l->x, l->want, MAX_EVENTS);
    if (n <= 0)
        fail_msg("%s: no EVENT SUMMARY", l->x.name);
    l->n_want = (size_t)n;
    assert_int_equal(l->x.status, 200);
    return l;
}

static void unload(struct loaded *l)
{
    ebbt_kube_release(&l->x);
    free(l);
}

/* Whole, and one byte at a time. */
static void test_fixtures_whole_and_bytewise(void **state)
{
    (void)state;
    for (size_t f = 0; f < N(watch_fixtures); f++) {
        struct loaded *l = load(watch_fixtures[f]);
        char what[300];
        snprintf(what, sizeof(what), "%s whole", l->x.name);
        size_t none = 0;
        decode_in_pieces(l->x.body, l->x.body_len, &none, 0, l->want, l->n_want, what);

        size_t *cuts = malloc(l->x.body_len * sizeof(size_t));
        assert_non_null(cuts);
        for (size_t i = 0; i + 1 < l->x.body_len; i++)
            cuts[i] = i + 1;
        snprintf(what, sizeof(what), "%s byte by byte", l->x.name);
        decode_in_pieces(l->x.body, l->x.body_len, cuts, l->x.body_len - 1, l->want, l->n_want,
                         what);
        free(cuts);
        unload(l);
    }
}

/* Split in two at every byte. Frames are decoded independently (between
 * frames the decoder keeps only counters), so a cut inside frame j only
 * concerns frame j: each frame is fed cut at each of its bytes. For the
 * short streams (61, 65-67) the whole body is also cut at every byte. */
static void test_fixtures_split_everywhere(void **state)
{
    (void)state;
    for (size_t f = 0; f < N(watch_fixtures); f++) {
        struct loaded *l = load(watch_fixtures[f]);
        const char *body = l->x.body;
        size_t len = l->x.body_len;
        char what[300];

        size_t start = 0, frame = 0;
        while (start < len) {
            const char *nl = memchr(body + start, '\n', len - start);
            assert_non_null(nl);
            size_t end = (size_t)(nl - body) + 1;
            for (size_t k = 0; k <= end - start; k++) {
                snprintf(what, sizeof(what), "%s frame %zu cut at %zu", l->x.name, frame, k);
                decode_in_pieces(body + start, end - start, &k, 1, &l->want[frame], 1, what);
            }
            start = end;
            frame++;
        }
        assert_int_equal(frame, l->n_want);

        if (len <= 2048) {
            for (size_t k = 0; k <= len; k++) {
                snprintf(what, sizeof(what), "%s cut at %zu", l->x.name, k);
                decode_in_pieces(body, len, &k, 1, l->want, l->n_want, what);
            }
        }
        unload(l);
    }
}

/* Random pieces, many times, with a fixed seed. */
static void test_fixtures_random_pieces(void **state)
{
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (size_t f = 0; f < N(watch_fixtures); f++) {
        struct loaded *l = load(watch_fixtures[f]);
        size_t *cuts = malloc((l->x.body_len + 1) * sizeof(size_t));
        assert_non_null(cuts);
        for (int round = 0; round < 50; round++) {
            size_t n = 0, at = 0;
            for (;;) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                size_t step = (size_t)(seed >> 33) % (round % 2 ? 17 : 4000) + 1;
                if (at + step >= l->x.body_len)
                    break;
                at += step;
                cuts[n++] = at;
            }
            char what[300];
            snprintf(what, sizeof(what), "%s random round %d", l->x.name, round);
            decode_in_pieces(l->x.body, l->x.body_len, cuts, n, l->want, l->n_want, what);
        }
        free(cuts);
        unload(l);
    }
}

/* The raw chunk framing of fixture 61 (LF line ends in the file) de-chunks
 * into three events, and CRLF framing gives the same bytes. */
static void test_fixture_61_chunks(void **state)
{
    (void)state;
    struct loaded *l = load(61);
    assert_true(l->x.raw_chunked);
    assert_true(l->x.raw_len > l->x.body_len);
    assert_memory_equal(l->x.raw_body, "1aa\n{\"type\":\"ADDED\"", 19);
    assert_int_equal(l->x.body_len, 0x1aa + 0x238 + 0x237);
    assert_int_equal(l->n_want, 3);

    /* the same framing with CRLF line ends, as on the wire */
    const char *raw = l->x.raw_body;
    char *crlf = malloc(l->x.raw_len * 2);
    size_t o = 0, i = 0, chunks = 0;
    assert_non_null(crlf);
    for (;;) {
        char *end = NULL;
        long size = strtol(raw + i, &end, 16);
        size_t hl = (size_t)(end - (raw + i));
        assert_true(hl > 0 && *end == '\n' && size >= 0);
        memcpy(crlf + o, raw + i, hl);
        o += hl;
        memcpy(crlf + o, "\r\n", 2);
        o += 2;
        i += hl + 1;
        if (size == 0)
            break;
        chunks++;
        memcpy(crlf + o, raw + i, (size_t)size);
        o += (size_t)size;
        i += (size_t)size;
        assert_int_equal(raw[i], '\n');
        i++;
        memcpy(crlf + o, "\r\n", 2);
        o += 2;
    }
    assert_int_equal(raw[i], '\n');
    assert_int_equal(i + 1, l->x.raw_len);
    memcpy(crlf + o, "\r\n", 2);
    o += 2;
    assert_int_equal(chunks, 3); /* one chunk per event */
    char *dech = NULL;
    size_t dech_len = 0;
    assert_true(ebbt_kube_dechunk(crlf, o, &dech, &dech_len));
    assert_int_equal(dech_len, l->x.body_len);
    assert_memory_equal(dech, l->x.body, dech_len);
    free(dech);
    free(crlf);

    struct {
        const char *in;
        const char *want; /* NULL: broken */
    } cases[] = {
        {"3\r\nabc\r\n0\r\n\r\n", "abc"},
        {"3\nabc\n0\n\n", "abc"},
        {"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n", "abcde"},
        {"A\r\n0123456789\r\n0\r\n\r\n", "0123456789"},
        {"0\r\n\r\n", ""},
        {"3\r\nab", NULL},
        {"3\r\nabcX\r\n0\r\n\r\n", NULL},
        {"x\r\n", NULL},
        {"3\r\nabc\r\n0\r\n", NULL},
        {"3\r\nabc\r\n0\r\n\r\nextra", NULL},
    };
    for (size_t k = 0; k < N(cases); k++) {
        char *out = NULL;
        size_t out_len = 0;
        bool ok = ebbt_kube_dechunk(cases[k].in, strlen(cases[k].in), &out, &out_len);
        if (cases[k].want == NULL) {
            assert_false(ok);
        } else {
            assert_true(ok);
            assert_int_equal(out_len, strlen(cases[k].want));
            assert_string_equal(out, cases[k].want);
            free(out);
        }
    }
    unload(l);
}

/* The ERROR events: a 410 Expired Status, and nothing changes last_rv. */
static void test_fixture_errors(void **state)
{
    (void)state;
    static const struct {
        int nn;
        const char *message;
    } cases[] = {
        {65, "The resourceVersion for the provided watch is too old."},
        {66, "too old resource version: 370 (373)"},
        {67, "too old resource version: 370 (373)"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct loaded *l = load(cases[i].nn);
        struct ebb_watch_decoder d;
        struct collector *c = calloc(1, sizeof(*c));
        assert_non_null(c);
        ebb_watch_decoder_init(&d, 0);
        assert_int_equal(ebb_watch_decoder_feed(&d, l->x.body, l->x.body_len, collect, c), EBB_OK);
        assert_int_equal(ebb_watch_decoder_finish(&d), EBB_OK);
        assert_int_equal(c->n, 1);
        assert_string_equal(c->seen[0].ev.type, "ERROR");
        assert_int_equal(c->seen[0].ev.code, 410);
        assert_string_equal(c->seen[0].ev.reason, "Expired");
        assert_string_equal(c->seen[0].message, cases[i].message);
        assert_string_equal(d.last_rv, "");
        ebb_watch_decoder_release(&d);
        free(c);
        unload(l);
    }
}

/* last_rv follows ADDED/MODIFIED/DELETED/BOOKMARK, is set before the
 * handler runs, and ignores ERROR and events without one. */
static void test_last_rv(void **state)
{
    (void)state;
    struct loaded *l = load(62);
    struct ebb_watch_decoder d;
    struct collector *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    ebb_watch_decoder_init(&d, 0);
    c->d = &d;
    assert_int_equal(ebb_watch_decoder_feed(&d, l->x.body, l->x.body_len, collect, c), EBB_OK);
    assert_int_equal(c->n, 3);
    assert_string_equal(c->last_rv_during[0], "341");
    assert_string_equal(c->last_rv_during[1], "343");
    assert_string_equal(c->seen[2].ev.type, "BOOKMARK");
    assert_string_equal(d.last_rv, "343");

    static const char more[] =
        "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Deployment\",\"metadata\":"
        "{\"resourceVersion\":\"400\"}}}\n"
        "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"a\"}}}"
        "\n"
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":7}}}\n"
        "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\","
        "\"metadata\":{\"resourceVersion\":\"999\"}}}\n";
    assert_int_equal(ebb_watch_decoder_feed(&d, more, strlen(more), collect, c), EBB_OK);
    assert_int_equal(c->n, 7);
    assert_string_equal(c->last_rv_during[3], "400");
    assert_string_equal(c->seen[4].ev.rv, "");
    assert_string_equal(c->last_rv_during[4], "400");
    assert_string_equal(c->seen[5].ev.rv, "");
    assert_string_equal(c->seen[6].ev.rv, "");
    assert_string_equal(d.last_rv, "400");
    assert_int_equal(d.events, 7);
    ebb_watch_decoder_release(&d);
    free(c);
    unload(l);
}

static void test_blank_lines_and_crlf(void **state)
{
    (void)state;
    static const char in[] =
        "\n\r\n   \n"
        "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
        "\"resourceVersion\":\"1\"}}}\r\n"
        "\r\n\t\n"
        "  {\"type\":\"DELETED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
        "\"resourceVersion\":\"2\"}}}  \n"
        "\n";
    const struct ebbt_kube_summary_event want[] = {
        {"ADDED", "Pod", "p", "1", 0, ""},
        {"DELETED", "Pod", "p", "2", 0, ""},
    };
    size_t len = strlen(in);
    for (size_t k = 0; k <= len; k++)
        decode_in_pieces(in, len, &k, 1, want, N(want), "blank lines and CRLF");
    /* a stream that ends in blank bytes without a newline is complete */
    struct ebb_watch_decoder d;
    ebb_watch_decoder_init(&d, 0);
    assert_int_equal(ebb_watch_decoder_feed(&d, "\r\n \t", 4, NULL, NULL), EBB_OK);
    assert_int_equal(ebb_watch_decoder_finish(&d), EBB_OK);
    ebb_watch_decoder_release(&d);
}

static void test_truncated_last_frame(void **state)
{
    (void)state;
    struct loaded *l = load(60);
    for (size_t cut = 1; cut < 40; cut++) {
        struct ebb_watch_decoder d;
        struct collector *c = calloc(1, sizeof(*c));
        assert_non_null(c);
        ebb_watch_decoder_init(&d, 0);
        assert_int_equal(ebb_watch_decoder_feed(&d, l->x.body, l->x.body_len - cut, collect, c),
                         EBB_OK);
        assert_int_equal(c->n, l->n_want - 1);
        assert_int_equal(ebb_watch_decoder_finish(&d), EBB_ERR_PARSE);
        assert_non_null(strstr(d.err, "the watch stream ended inside event 6"));
        ebb_watch_decoder_release(&d);
        free(c);
    }
    unload(l);
}

struct bad_case {
    const char *in;
    enum ebb_rc rc;
    const char *err;
};

static const struct bad_case bad_cases[] = {
    {"not json\n", EBB_ERR_PARSE, "watch event 1 is not valid JSON (near byte 0): \"not json\""},
    {"<html><head><title>502 Bad Gateway</title></head></html>\n", EBB_ERR_PARSE,
     "watch event 1 is not valid JSON (near byte 0): \"<html><head><title>502 Bad Gatew\""},
    {"{\"type\":\"ADDED\",\"object\":{}\n", EBB_ERR_PARSE, "watch event 1 is not valid JSON"},
    {"[1,2]\n", EBB_ERR_PARSE, "watch event 1 is not a JSON object"},
    {"\"ADDED\"\n", EBB_ERR_PARSE, "watch event 1 is not a JSON object"},
    {"{}\n", EBB_ERR_PARSE, "watch event 1 has no \"type\" string"},
    {"{\"object\":{}}\n", EBB_ERR_PARSE, "watch event 1 has no \"type\" string"},
    {"{\"type\":1,\"object\":{}}\n", EBB_ERR_PARSE, "watch event 1 has no \"type\" string"},
    {"{\"type\":\"CREATED\",\"object\":{}}\n", EBB_ERR_PARSE,
     "watch event 1 has type \"CREATED\"; want ADDED, MODIFIED, DELETED, BOOKMARK or ERROR"},
    {"{\"type\":\"added\",\"object\":{}}\n", EBB_ERR_PARSE, "has type \"added\""},
    {"{\"type\":\"\\u0001\\n\",\"object\":{}}\n", EBB_ERR_PARSE, "has type \"??\""},
    {"{\"type\":\"ADDED\"}\n", EBB_ERR_PARSE, "watch event 1 (ADDED) has no \"object\" object"},
    {"{\"type\":\"ADDED\",\"object\":null}\n", EBB_ERR_PARSE, "(ADDED) has no \"object\" object"},
    {"{\"type\":\"MODIFIED\",\"object\":[]}\n", EBB_ERR_PARSE,
     "(MODIFIED) has no \"object\" object"},
    {"{\"type\":\"ERROR\",\"object\":{}}\n", EBB_ERR_PARSE,
     "watch event 1 (ERROR) does not carry a Status"},
    {"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Deployment\"}}\n", EBB_ERR_PARSE,
     "(ERROR) does not carry a Status"},
    {"{\"type\":\"ADDED\",\"object\":{}} {\"type\":\"ADDED\",\"object\":{}}\n", EBB_ERR_PARSE,
     "watch event 1 has more after its JSON value"},
    {"{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"ADDED\",\"object\":{}}x\n", EBB_ERR_PARSE,
     "watch event 2 has more after its JSON value"},
    {"{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"BOOKMARK\",\"object\":{}}\nnull\n",
     EBB_ERR_PARSE, "watch event 3 is not a JSON object"},
    {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":\""
     "0123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789\"}}}\n",
     EBB_ERR_PARSE, "watch event 1 (ADDED) has a resourceVersion over 127 bytes"},
    {"{\"type\":\"ADDED\",\0\"object\":{}}\n", EBB_ERR_PARSE,
     "watch event 1 has a NUL byte at byte 16"},
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        size_t len = strlen(c->in);
        if (i == N(bad_cases) - 1)
            len = sizeof("{\"type\":\"ADDED\",\0\"object\":{}}\n") - 1; /* a NUL inside */
        struct ebb_watch_decoder d;
        struct collector *col = calloc(1, sizeof(*col));
        assert_non_null(col);
        ebb_watch_decoder_init(&d, 0);
        enum ebb_rc rc = ebb_watch_decoder_feed(&d, c->in, len, collect, col);
        if (rc != c->rc || strstr(d.err, c->err) == NULL)
            fail_msg("bad case %zu: rc %d err \"%s\"", i, rc, d.err);
        /* the decoder stays failed */
        assert_int_equal(ebb_watch_decoder_feed(&d, "{}\n", 3, collect, col), EBB_ERR_INVALID);
        assert_int_equal(ebb_watch_decoder_finish(&d), EBB_ERR_INVALID);
        assert_non_null(strstr(d.err, c->err));
        ebb_watch_decoder_release(&d);
        free(col);
    }
}

static void test_frame_limit(void **state)
{
    (void)state;
    char frame[256];
    int n = snprintf(frame, sizeof(frame),
                     "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"%s\"}}}",
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    size_t flen = (size_t)n;
    char buf[300];

    struct {
        size_t max;
        const char *end;
        size_t split; /* feed the first `split` bytes apart; 0 none */
        enum ebb_rc rc;
    } cases[] = {
        {0, "\n", 0, EBB_OK},             /* default limit */
        {flen, "\n", 0, EBB_OK},          /* exactly the limit */
        {flen, "\r\n", 0, EBB_OK},        /* the \r does not count */
        {flen, "\r\n", flen + 1, EBB_OK}, /* ... even when the \r is buffered */
        {flen, "\n", flen - 3, EBB_OK},
        {flen - 1, "\n", 0, EBB_ERR_LIMIT}, /* one byte over, in one feed */
        {flen - 1, "\r\n", 0, EBB_ERR_LIMIT},
        {flen - 1, "\n", 10, EBB_ERR_LIMIT}, /* ... completed from the buffer */
        {flen - 1, "\n", flen, EBB_ERR_LIMIT},
        {10, "", 0, EBB_ERR_LIMIT}, /* no newline yet: caught while buffering */
        {10, "", 5, EBB_ERR_LIMIT},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ebb_watch_decoder d;
        size_t len = (size_t)snprintf(buf, sizeof(buf), "%s%s", frame, cases[i].end);
        size_t s = cases[i].split;
        enum ebb_rc rc = EBB_OK;
        ebb_watch_decoder_init(&d, cases[i].max);
        assert_int_equal(d.max_frame, cases[i].max ? cases[i].max : EBB_WATCH_DEFAULT_MAX_FRAME);
        if (s > 0)
            rc = ebb_watch_decoder_feed(&d, buf, s, NULL, NULL);
        if (rc == EBB_OK)
            rc = ebb_watch_decoder_feed(&d, buf + s, len - s, NULL, NULL);
        if (rc != cases[i].rc)
            fail_msg("limit case %zu: rc %d (%s)", i, rc, d.err);
        if (rc == EBB_OK) {
            assert_int_equal(d.events, cases[i].end[0] != '\0' ? 1 : 0);
        } else {
            assert_non_null(strstr(d.err, "watch event 1 "));
            assert_non_null(strstr(d.err, "over the limit of"));
        }
        ebb_watch_decoder_release(&d);
    }

    /* an endless line is refused as soon as it passes the limit, not buffered */
    struct ebb_watch_decoder d;
    char chunk[1000];
    memset(chunk, 'x', sizeof(chunk));
    ebb_watch_decoder_init(&d, 4096);
    enum ebb_rc rc = EBB_OK;
    int feeds = 0;
    while (rc == EBB_OK && feeds < 100) {
        rc = ebb_watch_decoder_feed(&d, chunk, sizeof(chunk), NULL, NULL);
        feeds++;
    }
    assert_int_equal(rc, EBB_ERR_LIMIT);
    assert_int_equal(feeds, 5);
    assert_true(d.buf.len <= 4097);
    ebb_watch_decoder_release(&d);
}

/* A frame of 1 MiB fed in 1000-byte pieces works, and its buffer is given
 * back afterwards. */
static void test_big_frame(void **state)
{
    (void)state;
    size_t pad = 1u << 20;
    const char head[] = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":\"5\","
                        "\"annotations\":{\"x\":\"";
    const char tail[] = "\"}}}}\n";
    size_t len = sizeof(head) - 1 + pad + sizeof(tail) - 1;
    char *in = malloc(len);
    assert_non_null(in);
    memcpy(in, head, sizeof(head) - 1);
    memset(in + sizeof(head) - 1, 'a', pad);
    memcpy(in + sizeof(head) - 1 + pad, tail, sizeof(tail) - 1);

    struct ebb_watch_decoder d;
    ebb_watch_decoder_init(&d, 0);
    for (size_t at = 0; at < len; at += 1000) {
        size_t n = len - at < 1000 ? len - at : 1000;
        assert_int_equal(ebb_watch_decoder_feed(&d, in + at, n, NULL, NULL), EBB_OK);
    }
    assert_int_equal(d.events, 1);
    assert_string_equal(d.last_rv, "5");
    assert_int_equal(d.buf.alloc, 0);
    assert_int_equal(ebb_watch_decoder_finish(&d), EBB_OK);
    ebb_watch_decoder_release(&d);
    free(in);
}

static void test_handler_stops(void **state)
{
    (void)state;
    struct loaded *l = load(60);
    for (size_t stop = 1; stop <= l->n_want; stop++) {
        struct ebb_watch_decoder d;
        struct collector *c = calloc(1, sizeof(*c));
        assert_non_null(c);
        c->stop_at = stop;
        ebb_watch_decoder_init(&d, 0);
        enum ebb_rc rc = ebb_watch_decoder_feed(&d, l->x.body, l->x.body_len, collect, c);
        assert_int_equal(rc, EBB_ERR_INVALID);
        assert_int_equal(c->n, stop);
        assert_int_equal(d.events, stop);
        char want[64];
        snprintf(want, sizeof(want), "stopped by its handler at event %zu", stop);
        assert_non_null(strstr(d.err, want));
        assert_int_equal(ebb_watch_decoder_feed(&d, "\n", 1, collect, c), EBB_ERR_INVALID);
        assert_int_equal(c->n, stop);
        ebb_watch_decoder_release(&d);
        free(c);
    }
    unload(l);
}

static void test_type_names(void **state)
{
    (void)state;
    static const char *const names[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
    assert_int_equal(N(names), EBB_WATCH_TYPE__COUNT);
    for (int t = 0; t < EBB_WATCH_TYPE__COUNT; t++)
        assert_string_equal(ebb_watch_type_name((enum ebb_watch_type)t), names[t]);
    assert_string_equal(ebb_watch_type_name(EBB_WATCH_TYPE__COUNT), "UNKNOWN");
    /* release of a fresh decoder, twice, and of NULL */
    struct ebb_watch_decoder d;
    ebb_watch_decoder_init(&d, 0);
    assert_int_equal(d.events, 0);
    assert_string_equal(d.last_rv, "");
    assert_string_equal(d.err, "");
    assert_int_equal(ebb_watch_decoder_feed(&d, "", 0, NULL, NULL), EBB_OK);
    assert_int_equal(ebb_watch_decoder_finish(&d), EBB_OK);
    ebb_watch_decoder_release(&d);
    ebb_watch_decoder_release(&d);
    ebb_watch_decoder_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_whole_and_bytewise),
        cmocka_unit_test(test_fixtures_split_everywhere),
        cmocka_unit_test(test_fixtures_random_pieces),
        cmocka_unit_test(test_fixture_61_chunks),
        cmocka_unit_test(test_fixture_errors),
        cmocka_unit_test(test_last_rv),
        cmocka_unit_test(test_blank_lines_and_crlf),
        cmocka_unit_test(test_truncated_last_frame),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_frame_limit),
        cmocka_unit_test(test_big_frame),
        cmocka_unit_test(test_handler_stops),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
