/* kubesim_http2_fuzz.c -- libFuzzer target for kubesim's HTTP/2 server side
 * (cmd/kubesim/http2.c, http2_stream.c) and HPACK (http2_hpack.c).
 *
 * The first byte seeds the choices: whether the client preface is put in
 * front of the rest (so that the fuzzer starts at the frames), the body
 * limit, and the random sizes of the pieces the rest arrives in. The
 * frames run on an in-process connection (no socket, no TLS) whose
 * handler echoes the request, or, for a path under /watch, opens a
 * stream that gets a chunk after every read and may be ended. The
 * output is dropped after every read as if the socket took it all.
 * Nothing may crash or leak, and every stream that was opened is closed
 * exactly once (ended, or on_close).
 *
 * The same bytes then go to the HPACK decoder as one header block, and
 * every decoded field must re-encode and decode to itself; and to the
 * Huffman decoder, whose output must encode and decode back. Built and
 * run by `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kubesim/http2_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WATCHES 8

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "kubesim_http2_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

struct watch {
    struct fuzz *f;
    ks_stream *st; /* NULL once ended or closed */
    int closes;
};

struct fuzz {
    struct watch w[MAX_WATCHES];
    size_t n_w;
    size_t requests;
};

static void on_close(void *ud)
{
    struct watch *w = ud;
    must(w->st != NULL, "on_close of a stream that was closed", NULL);
    w->closes++;
    w->st = NULL;
}

static void handler(void *ud, const ks_req *req, ks_resp *resp)
{
    struct fuzz *f = ud;

    f->requests++;
    must(req->path != NULL && req->query != NULL && req->body != NULL, "incomplete request", NULL);
    must(req->body[req->body_len] == '\0', "body not terminated", NULL);
    if (strncmp(req->path, "/watch", 6) == 0 && f->n_w < MAX_WATCHES) {
        struct watch *w = &f->w[f->n_w];
        w->f = f;
        w->st = ks_resp_stream(resp, on_close, w);
        if (w->st == NULL)
            return;
        f->n_w++;
        if (ks_stream_send(w->st, req->body, req->body_len) != KS_OK)
            w->st = NULL;
        return;
    }
    resp->status = 200;
    ebb_strbuf_addf(&resp->body, "%s %s?%s\n", req->method, req->path, req->query);
    for (size_t i = 0; i < req->n_headers; i++)
        ebb_strbuf_addf(&resp->body, "%s: %s\n", req->headers[i].name, req->headers[i].value);
    ebb_strbuf_add(&resp->body, req->body, req->body_len);
    if (req->n_params > 0)
        ks_resp_header(resp, "Warning", "299 - \"%s\"", req->params[0].name);
}

/* After every read: the watches get a chunk, some end. */
static void feed_watches(struct fuzz *f, uint64_t *seed)
{
    for (size_t i = 0; i < f->n_w; i++) {
        struct watch *w = &f->w[i];
        if (w->st == NULL)
            continue;
        *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
        if ((*seed >> 62) == 0) {
            ks_stream *st = w->st;
            w->st = NULL; /* dead after ks_stream_end */
            ks_stream_end(st);
        } else {
            char chunk[64];
            int n = snprintf(chunk, sizeof(chunk), "{\"type\":\"BOOKMARK\",\"n\":%zu}\n", i);
            if (ks_stream_send(w->st, chunk, (size_t)n) != KS_OK)
                must(w->st == NULL, "a failed send did not close the stream", NULL);
        }
    }
}

static void run_conn(const uint8_t *data, size_t len, bool add_preface, size_t max_body,
                     uint64_t seed)
{
    struct fuzz f;
    struct ks_http h;
    struct http_conn *c = calloc(1, sizeof(*c));

    must(c != NULL, "out of memory", NULL);
    memset(&f, 0, sizeof(f));
    memset(&h, 0, sizeof(h));
    h.max_body = max_body;
    h.handler = handler;
    h.ud = &f;
    h.rng[0] = 0x9e3779b97f4a7c15ull;
    h.rng[1] = seed | 1;
    c->h = &h;
    c->fd = -1;
    c->state = HTTP_C_READING;
    ebb_strbuf_init(&c->in);
    ebb_strbuf_init(&c->out);
    ebb_strbuf_init(&c->p.body);
    http_parser_reset(&c->p);
    must(h2_conn_start(c), "h2_conn_start failed", NULL);
    if (add_preface)
        ebb_strbuf_add(&c->in, preface, sizeof(preface) - 1);

    size_t at = 0;
    while (at < len && !c->dead && c->state == HTTP_C_READING) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t cap = (seed >> 60) < 4 ? 5 : (seed >> 60) < 12 ? 200 : 20000;
        size_t piece = (size_t)(seed >> 33) % cap + 1;
        if (piece > len - at)
            piece = len - at;
        ebb_strbuf_add(&c->in, data + at, piece);
        must(ebb_strbuf_rc(&c->in) == EBB_OK, "out of memory", NULL);
        at += piece;
        h2_process(&h, c);
        must(c->in_off <= c->in.len, "in_off out of range", NULL);
        /* compact the input as http.c does */
        if (!c->dead) {
            memmove(c->in.buf, c->in.buf + c->in_off, c->in.len - c->in_off);
            c->in.len -= c->in_off;
            c->in.buf[c->in.len] = '\0';
            c->in_off = 0;
        }
        /* the socket took everything */
        ebb_strbuf_reset(&c->out);
        c->out_off = 0;
        if (!c->dead) {
            feed_watches(&f, &seed);
            if (!c->dead)
                h2_flush(c);
            ebb_strbuf_reset(&c->out);
            c->out_off = 0;
        }
    }

    /* what conn_free does after http_conn_kill */
    http_conn_kill(c);
    for (size_t i = 0; i < f.n_w; i++) {
        must(f.w[i].closes <= 1, "on_close called twice", NULL);
        must(f.w[i].st == NULL, "a watch stream was never closed", NULL);
    }
    ebb_strbuf_release(&c->in);
    ebb_strbuf_release(&c->out);
    http_parser_reset(&c->p);
    h2_conn_free(c->h2);
    free(c);
}

/* ---- HPACK ----------------------------------------------------------------------------- */

struct fields {
    struct ebb_strbuf enc; /* the fields re-encoded */
    size_t n, enc_n;
    uint64_t digest, enc_digest;
    bool check; /* compare with digest (second pass) */
};

static uint64_t mix(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

static int on_field(void *ud, const char *name, size_t nlen, const char *value, size_t vlen)
{
    struct fields *fs = ud;
    must(name[nlen] == '\0' && value[vlen] == '\0', "field not terminated", NULL);
    fs->n++;
    fs->digest = mix(mix(fs->digest, name, nlen), value, vlen);
    /* h2_hpack_encode writes NUL-terminated strings lower-case: only
     * those fields round-trip. */
    if (!fs->check && strlen(name) == nlen && strlen(value) == vlen) {
        bool lower = true;
        for (size_t i = 0; i < nlen; i++)
            lower = lower && !(name[i] >= 'A' && name[i] <= 'Z');
        if (lower) {
            h2_hpack_encode(&fs->enc, name, value);
            fs->enc_n++;
            fs->enc_digest = mix(mix(fs->enc_digest, name, nlen), value, vlen);
        }
    }
    return 0;
}

static void hpack(const uint8_t *data, size_t len)
{
    struct h2_hpack d;
    struct fields fs;

    memset(&fs, 0, sizeof(fs));
    ebb_strbuf_init(&fs.enc);
    fs.digest = fs.enc_digest = 1469598103934665603ull;
    h2_hpack_init(&d, H2_TABLE_SIZE);
    int rc = h2_hpack_decode(&d, data, len, on_field, &fs);
    must(rc == 0 || rc == H2_COMPRESSION_ERROR, "hpack: unexpected result", NULL);
    must(rc != 0 || (d.size <= d.max_size && d.max_size <= d.limit), "hpack: table over its size",
         NULL);
    h2_hpack_release(&d);
    must(ebb_strbuf_rc(&fs.enc) == EBB_OK, "out of memory", NULL);

    /* what we encoded decodes to the same fields */
    struct fields again;
    memset(&again, 0, sizeof(again));
    ebb_strbuf_init(&again.enc);
    again.digest = 1469598103934665603ull;
    again.check = true;
    h2_hpack_init(&d, H2_TABLE_SIZE);
    rc = h2_hpack_decode(&d, (const uint8_t *)fs.enc.buf, fs.enc.len, on_field, &again);
    must(rc == 0, "hpack: our encoding does not decode", NULL);
    must(again.n == fs.enc_n && again.digest == fs.enc_digest,
         "hpack: fields differ after a round trip", NULL);
    h2_hpack_release(&d);
    ebb_strbuf_release(&fs.enc);
    ebb_strbuf_release(&again.enc);

    /* Huffman: decode, then encode + decode gives the same */
    struct ebb_strbuf a = EBB_STRBUF_INIT, b = EBB_STRBUF_INIT, e = EBB_STRBUF_INIT;
    rc = h2_huff_decode(data, len, &a);
    must(rc == 0 || rc == H2_COMPRESSION_ERROR, "huffman: unexpected result", NULL);
    if (rc == 0) {
        h2_huff_encode((const uint8_t *)a.buf, a.len, &e);
        must(h2_huff_decode((const uint8_t *)e.buf, e.len, &b) == 0, "huffman: no round trip",
             NULL);
        must(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0, "huffman: round trip differs",
             NULL);
    }
    ebb_strbuf_release(&a);
    ebb_strbuf_release(&b);
    ebb_strbuf_release(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t s = data[0];
    bool add_preface = (s & 1) == 0;
    size_t max_body = (s & 2) ? 100 : KS_HTTP_DEFAULT_MAX_BODY;
    uint64_t seed = ((uint64_t)s << 32) | 0x9E3779B9u;

    run_conn(data + 1, size - 1, add_preface, max_body, seed);
    hpack(data + 1, size - 1);
    return 0;
}
