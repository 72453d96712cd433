/* kubesim_http_fuzz.c -- libFuzzer target for kubesim's HTTP/1.1 request
 * parser (cmd/kubesim/http_parse.c) and the ks_req accessors.
 *
 * The first byte seeds the choices: the body limit (the default 3 MiB, or
 * 64 bytes so that 413 is reached) and the random sizes of the pieces the
 * rest arrives in. The bytes are parsed as a connection would: whole, and
 * in pieces with the input buffer compacted between reads as http.c does.
 * Both must give the same requests (method, path, query, headers, body)
 * and end the same way, and neither may crash or leak. Every request's
 * query and headers are looked up again through ks_req_query and
 * ks_req_header. Built and run by `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../cmd/kubesim/http_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQS 64

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "kubesim_http_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

static uint64_t mixs(uint64_t h, const char *s)
{
    return mix(h, s, strlen(s));
}

struct run {
    int rc;   /* the last parser result */
    size_t n; /* requests parsed */
    uint64_t digest[MAX_REQS];
};

/* Checks one parsed request and returns its digest. */
static uint64_t check_req(const ks_req *r)
{
    uint64_t h = 1469598103934665603ull;
    size_t mlen = strnlen(r->method, sizeof(r->method));

    must(mlen > 0 && mlen < sizeof(r->method), "bad method", r->method);
    must(r->path != NULL && r->query != NULL, "no path or query", NULL);
    must(r->path[0] == '/' || strcmp(r->path, "*") == 0, "path not origin-form", r->path);
    must(strchr(r->path, '?') == NULL && strchr(r->path, '#') == NULL, "path keeps ? or #",
         r->path);
    must(r->body != NULL && r->body[r->body_len] == '\0', "body not terminated", NULL);
    h = mixs(h, r->method);
    h = mixs(h, r->path);
    h = mixs(h, r->query);
    h = mix(h, r->body, r->body_len);
    for (size_t i = 0; i < r->n_headers; i++) {
        const struct ks_header *hd = &r->headers[i];
        must(hd->name != NULL && hd->value != NULL && hd->name[0] != '\0', "bad header", NULL);
        /* the first header of that name (case-insensitive) answers */
        const char *v = ks_req_header(r, hd->name);
        must(v != NULL, "header not found again", hd->name);
        for (size_t j = 0; j < i; j++) {
            if (strcasecmp(r->headers[j].name, hd->name) == 0) {
                must(v == r->headers[j].value, "header lookup not the first", hd->name);
                break;
            }
        }
        h = mixs(h, hd->name);
        h = mixs(h, hd->value);
    }
    for (size_t i = 0; i < r->n_params; i++) {
        const char *v = ks_req_query(r, r->params[i].name);
        must(v != NULL, "param not found again", r->params[i].name);
        h = mixs(h, r->params[i].name);
        h = mixs(h, r->params[i].value);
    }
    return h;
}

static void conn_init(struct http_conn *c)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    ebb_strbuf_init(&c->in);
    ebb_strbuf_init(&c->out);
    ebb_strbuf_init(&c->p.body);
    http_parser_reset(&c->p);
}

static void conn_release(struct http_conn *c)
{
    ebb_strbuf_release(&c->in);
    ebb_strbuf_release(&c->out);
    http_parser_reset(&c->p);
}

/* What http.c does between reads. */
static void compact_in(struct http_conn *c)
{
    if (c->in_off == 0)
        return;
    if (c->in_off >= c->in.len) {
        ebb_strbuf_reset(&c->in);
    } else {
        memmove(c->in.buf, c->in.buf + c->in_off, c->in.len - c->in_off);
        c->in.len -= c->in_off;
        c->in.buf[c->in.len] = '\0';
    }
    c->in_off = 0;
}

/* Parses what c->in holds; false once the connection is done (an error). */
static bool drain(struct http_conn *c, size_t max_body, struct run *run)
{
    for (;;) {
        size_t before = c->in_off;
        enum http_parse_rc rc = http_parse(c, max_body);
        must(c->in_off >= before && c->in_off <= c->in.len, "in_off out of range", NULL);
        run->rc = rc;
        if (rc == HTTP_P_MORE)
            return true;
        if (rc != HTTP_P_DONE) {
            must(rc == HTTP_P_BAD || rc == HTTP_P_TOOBIG || rc == HTTP_P_HEAD || rc == HTTP_P_TE,
                 "unexpected parser result", NULL);
            return false;
        }
        struct http_req *r = c->p.req;
        must(r != NULL, "DONE without a request", NULL);
        must(r->pub.body_len <= max_body, "body over the limit", NULL);
        c->p.req = NULL;
        uint64_t d = check_req(&r->pub);
        if (run->n < MAX_REQS)
            run->digest[run->n] = d;
        run->n++;
        http_req_free(r);
        http_parser_reset(&c->p);
        if (run->n >= MAX_REQS)
            return false;
    }
}

/* Feeds data in pieces whose sizes come from seed (0: all at once). */
static void parse(const char *data, size_t len, size_t max_body, uint64_t seed, struct run *run)
{
    struct http_conn c;
    size_t at = 0;

    memset(run, 0, sizeof(*run));
    conn_init(&c);
    while (at < len) {
        size_t piece = len - at;
        if (seed != 0) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t cap = (seed >> 60) < 4 ? 3 : (seed >> 60) < 12 ? 64 : 4096;
            piece = (size_t)(seed >> 33) % cap + 1;
            if (piece > len - at)
                piece = len - at;
        }
        ebb_strbuf_add(&c.in, data + at, piece);
        must(ebb_strbuf_rc(&c.in) == EBB_OK, "out of memory", NULL);
        at += piece;
        if (!drain(&c, max_body, run))
            break;
        compact_in(&c);
    }
    conn_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t s = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    size_t max_body = (s & 1) ? 64 : KS_HTTP_DEFAULT_MAX_BODY;
    uint64_t seed = ((uint64_t)s << 32) | 0x9E3779B9u;
    struct run whole, pieces;

    parse(text, len, max_body, 0, &whole);
    parse(text, len, max_body, seed, &pieces);
    must(whole.rc == pieces.rc, "pieces and whole disagree on the result", NULL);
    must(whole.n == pieces.n, "pieces and whole disagree on the request count", NULL);
    for (size_t i = 0; i < whole.n && i < MAX_REQS; i++)
        must(whole.digest[i] == pieces.digest[i], "pieces and whole disagree on a request", NULL);

    /* the raw bytes as a query string */
    ks_req q;
    memset(&q, 0, sizeof(q));
    q.query = strndup(text, len);
    must(q.query != NULL, "out of memory", NULL);
    must(ks_req_parse_query(&q) == KS_OK, "parse_query failed", NULL);
    for (size_t i = 0; i < q.n_params; i++)
        must(ks_req_query(&q, q.params[i].name) != NULL, "param not found again", NULL);
    ks_req_release_query(&q);
    free(q.query);
    return 0;
}
