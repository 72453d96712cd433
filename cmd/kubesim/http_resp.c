/*
 * kubesim http: responses written the way kube-apiserver (Go net/http)
 * writes them, the ks_resp_* setters, and watch streams.
 *
 * Go's header order: the handler's headers sorted by name (Audit-Id,
 * Cache-Control, Content-Type, [X-Content-Type-Options,]
 * X-Kubernetes-Pf-*), then the ones net/http adds itself: Date,
 * Content-Length, Connection, Transfer-Encoding. A body of at most 2048
 * bytes (bufferBeforeChunkingSize) gets a Content-Length, a longer one is
 * sent chunked.
 */
#include "http2_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- status lines, dates, ids ----------------------------------------------------------- */

struct status_text {
    int code;
    const char *text;
};

/* Go 1.19's net/http StatusText (the recorded server's Go version). */
static const struct status_text status_texts[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {207, "Multi-Status"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Requested Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Entity"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {507, "Insufficient Storage"},
    {511, "Network Authentication Required"},
};

static void status_line(struct ebb_strbuf *out, int code)
{
    for (size_t i = 0; i < sizeof(status_texts) / sizeof(status_texts[0]); i++) {
        if (status_texts[i].code == code) {
            ebb_strbuf_addf(out, "HTTP/1.1 %03d %s\r\n", code, status_texts[i].text);
            return;
        }
    }
    ebb_strbuf_addf(out, "HTTP/1.1 %03d status code %d\r\n", code, code);
}

/* IMF-fixdate, independent of the locale. */
static void imf_date(double t, char out[40])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t secs = (time_t)floor(t);
    struct tm tm;

    gmtime_r(&secs, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void http_uuid(struct ks_http *h, char out[37])
{
    uint64_t v[2];

    for (int i = 0; i < 2; i++) {
        /* xorshift128+ */
        uint64_t x = h->rng[0];
        const uint64_t y = h->rng[1];
        h->rng[0] = y;
        x ^= x << 23;
        h->rng[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
        v[i] = h->rng[1] + y;
    }
    v[0] = (v[0] & ~0xf000ull) | 0x4000ull;
    v[1] = (v[1] & 0x3fffffffffffffffull) | 0x8000000000000000ull;
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(v[0] >> 32),
             (unsigned)((v[0] >> 16) & 0xffff), (unsigned)(v[0] & 0xffff), (unsigned)(v[1] >> 48),
             (unsigned long long)(v[1] & 0xffffffffffffull));
}

/* ---- heads ------------------------------------------------------------------------------ */

enum framing { FRAME_LENGTH, FRAME_CHUNKED, FRAME_NONE };

/* The handler's fields and the defaults, sorted by name as Go's
 * Header.Write sorts keys. HTTP/1.1 and HTTP/2 share them. */
size_t http_resp_fields(struct ks_http *h, int status, const ks_resp *resp, struct ks_header *hs,
                        char audit[37])
{
    size_t n = 0;

    http_uuid(h, audit);
    hs[n++] = (struct ks_header){"Audit-Id", audit};
    hs[n++] = (struct ks_header){"Cache-Control", "no-cache, private"};
    hs[n++] = (struct ks_header){"Content-Type", resp && resp->content_type[0]
                                                     ? (char *)resp->content_type
                                                     : "application/json"};
    /* A 401 never reached API priority and fairness (fixture 30). */
    if (status != 401) {
        hs[n++] = (struct ks_header){"X-Kubernetes-Pf-Flowschema-Uid", h->flowschema_uid};
        hs[n++] = (struct ks_header){"X-Kubernetes-Pf-Prioritylevel-Uid", h->priority_uid};
    }
    size_t n_default = n;
    for (size_t i = 0; resp && i < resp->n_extra && i < 8; i++) {
        const struct ks_header *e = &resp->extra[i];
        if (!e->name || !e->value)
            continue;
        bool replaced = false;
        for (size_t j = 0; j < n_default; j++) {
            if (strcasecmp(hs[j].name, e->name) == 0) {
                hs[j].value = e->value; /* Header().Set of a default */
                replaced = true;
            }
        }
        if (!replaced)
            hs[n++] = *e;
    }
    /* Stable insertion sort by name. */
    for (size_t i = 1; i < n; i++) {
        struct ks_header x = hs[i];
        size_t j = i;
        while (j > 0 && strcmp(hs[j - 1].name, x.name) > 0) {
            hs[j] = hs[j - 1];
            j--;
        }
        hs[j] = x;
    }
    return n;
}

void http_resp_date(struct ks_http *h, char out[40])
{
    imf_date(http_now(h), out);
}

/* Status, the sorted handler headers, then Date, Content-Length,
 * Connection, Transfer-Encoding. */
static void write_head(struct ks_http *h, struct ebb_strbuf *out, int status, const ks_resp *resp,
                       enum framing fr, size_t len, bool close)
{
    struct ks_header hs[5 + 8];
    char audit[37], date[40];

    size_t n = http_resp_fields(h, status, resp, hs, audit);
    status_line(out, status);
    for (size_t i = 0; i < n; i++)
        ebb_strbuf_addf(out, "%s: %s\r\n", hs[i].name, hs[i].value);
    imf_date(http_now(h), date);
    ebb_strbuf_addf(out, "Date: %s\r\n", date);
    if (fr == FRAME_LENGTH)
        ebb_strbuf_addf(out, "Content-Length: %zu\r\n", len);
    if (close)
        ebb_strbuf_adds(out, "Connection: close\r\n");
    if (fr == FRAME_CHUNKED)
        ebb_strbuf_adds(out, "Transfer-Encoding: chunked\r\n");
    ebb_strbuf_adds(out, "\r\n");
}

void http_chunk_add(struct ebb_strbuf *out, const char *data, size_t len)
{
    if (len == 0)
        return; /* a 0-size chunk would end the body */
    ebb_strbuf_addf(out, "%zx\r\n", len);
    ebb_strbuf_add(out, data, len);
    ebb_strbuf_adds(out, "\r\n");
}

static const char not_found_body[] =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
    "\"message\":\"the server could not find the requested resource\",\"reason\":\"NotFound\","
    "\"details\":{},\"code\":404}\n";

void http_resp_effective(const ks_resp *resp, int *status, const char **body, size_t *len)
{
    *status = resp->status;
    *body = resp->body.buf;
    *len = resp->body.len;
    if (*status <= 0) {
        *status = 404;
        *body = not_found_body;
        *len = sizeof(not_found_body) - 1;
    } else if (*status < 100 || *status > 999) {
        *status = 500;
    }
}

void http_resp_write(struct ks_http *h, struct ebb_strbuf *out, const ks_resp *resp, bool head_only,
                     bool close)
{
    int status;
    const char *body;
    size_t len;

    http_resp_effective(resp, &status, &body, &len);
    if ((status >= 100 && status < 200) || status == 204 || status == 304) {
        write_head(h, out, status, resp, FRAME_NONE, 0, close);
        return;
    }
    if (len <= KS_HTTP_CL_LIMIT || head_only) {
        write_head(h, out, status, resp, FRAME_LENGTH, len, close);
        if (!head_only)
            ebb_strbuf_add(out, body, len);
        return;
    }
    write_head(h, out, status, resp, FRAME_CHUNKED, 0, close);
    http_chunk_add(out, body, len);
    ebb_strbuf_adds(out, "0\r\n\r\n");
}

void http_resp_write_stream_head(struct ks_http *h, struct ebb_strbuf *out, const ks_resp *resp)
{
    write_head(h, out, 200, resp, FRAME_CHUNKED, 0, false);
}

void http_resp_write_raw_error(struct ebb_strbuf *out, int code)
{
    const char *pub = code == 431   ? "431 Request Header Fields Too Large"
                      : code == 501 ? "501 Not Implemented: unsupported transfer encoding"
                                    : "400 Bad Request";

    ebb_strbuf_addf(out,
                    "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    "Connection: close\r\n\r\n%s",
                    pub, pub);
}

void http_resp_fill_too_large(ks_resp *r, size_t limit)
{
    r->status = 413;
    ebb_strbuf_addf(&r->body,
                    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
                    "\"Failure\",\"message\":\"Request entity too large: limit is %zu\","
                    "\"reason\":\"RequestEntityTooLarge\",\"code\":413}\n",
                    limit);
}

void http_resp_write_too_large(struct ks_http *h, struct ebb_strbuf *out, size_t limit)
{
    ks_resp r;

    http_resp_init(&r);
    http_resp_fill_too_large(&r, limit);
    http_resp_write(h, out, &r, false, true);
    http_resp_release(&r);
}

/* ---- ks_resp ---------------------------------------------------------------------------- */

void http_resp_init(ks_resp *resp)
{
    memset(resp, 0, sizeof(*resp));
    ebb_strbuf_init(&resp->body);
}

void http_resp_release(ks_resp *resp)
{
    ebb_strbuf_release(&resp->body);
    for (size_t i = 0; i < resp->n_extra && i < 8; i++) {
        free(resp->extra[i].name);
        free(resp->extra[i].value);
    }
    resp->n_extra = 0;
}

void ks_resp_header(ks_resp *resp, const char *name, const char *fmt, ...)
{
    va_list ap;
    char small[256];

    if (!resp || !name || !fmt || resp->n_extra >= 8)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *value = malloc((size_t)n + 1);
    char *nm = strdup(name);
    if (!value || !nm) {
        free(value);
        free(nm);
        return;
    }
    if ((size_t)n < sizeof(small)) {
        memcpy(value, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(value, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    /* No CR/LF may reach the head. */
    for (char *p = value; *p; p++) {
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    }
    resp->extra[resp->n_extra].name = nm;
    resp->extra[resp->n_extra].value = value;
    resp->n_extra++;
}

/* Appends cJSON's compact text as Go's encoding/json would write it:
 * <, >, & as \u003c \u003e \u0026, \b and \f as \u0008 and \u000c,
 * U+2028/2029 escaped; then the encoder's trailing newline. */
static void add_go_json(struct ebb_strbuf *out, const char *s)
{
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '\\' && p[1]) {
            if (p[1] == 'b')
                ebb_strbuf_adds(out, "\\u0008");
            else if (p[1] == 'f')
                ebb_strbuf_adds(out, "\\u000c");
            else
                ebb_strbuf_add(out, p, 2);
            p++;
        } else if (ch == '<') {
            ebb_strbuf_adds(out, "\\u003c");
        } else if (ch == '>') {
            ebb_strbuf_adds(out, "\\u003e");
        } else if (ch == '&') {
            ebb_strbuf_adds(out, "\\u0026");
        } else if (ch == 0xe2 && (unsigned char)p[1] == 0x80 &&
                   ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9)) {
            ebb_strbuf_adds(out, (unsigned char)p[2] == 0xa8 ? "\\u2028" : "\\u2029");
            p += 2;
        } else {
            ebb_strbuf_addch(out, (char)ch);
        }
    }
    ebb_strbuf_addch(out, '\n');
}

void ks_resp_json(ks_resp *resp, int status, const cJSON *body)
{
    if (!resp)
        return;
    ebb_strbuf_reset(&resp->body);
    resp->status = status;
    char *s = body ? cJSON_PrintUnformatted(body) : NULL;
    if (!s) {
        resp->status = 500;
        return;
    }
    add_go_json(&resp->body, s);
    free(s);
    if (ebb_strbuf_rc(&resp->body)) {
        ebb_strbuf_reset(&resp->body);
        resp->status = 500;
    }
}

/* ---- streams ---------------------------------------------------------------------------- */

ks_stream *ks_resp_stream(ks_resp *resp, void (*on_close)(void *ud), void *ud)
{
    if (!resp)
        return NULL;
    if (resp->stream)
        return resp->stream;
    ks_stream *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->on_close = on_close;
    st->ud = ud;
    ebb_strbuf_init(&st->pending);
    resp->stream = st;
    resp->status = 200;
    return st;
}

void http_stream_free(ks_stream *st)
{
    if (!st)
        return;
    ebb_strbuf_release(&st->pending);
    free(st);
}

int ks_stream_send(ks_stream *st, const char *data, size_t len)
{
    if (!st || st->ended || st->failed)
        return KS_EIO;
    if (st->h2s)
        return h2_stream_send(st, data, len);
    if (!st->c) {
        /* Still inside the handler: kept until http.c binds the stream. */
        http_chunk_add(&st->pending, data, len);
        if (!ebb_strbuf_rc(&st->pending) && st->pending.len <= KS_HTTP_MAX_BACKLOG)
            return KS_OK;
        /* As for a bound stream: on_close now; the connection is dropped
         * when http.c binds the stream. */
        st->failed = true;
        if (st->on_close)
            st->on_close(st->ud);
        st->on_close = NULL;
        return KS_EIO;
    }
    struct http_conn *c = st->c;
    http_chunk_add(&c->out, data, len);
    if (ebb_strbuf_rc(&c->out) || c->out.len - c->out_off > KS_HTTP_MAX_BACKLOG) {
        http_conn_kill(c); /* calls on_close and frees st */
        return KS_EIO;
    }
    return KS_OK;
}

void ks_stream_end(ks_stream *st)
{
    if (!st || st->ended)
        return;
    if (st->h2s) {
        h2_stream_end(st);
        return;
    }
    if (!st->c) {
        st->ended = true;
        return;
    }
    struct http_conn *c = st->c;
    ebb_strbuf_adds(&c->out, "0\r\n\r\n");
    c->stream = NULL;
    c->state = c->req_close ? HTTP_C_CLOSING : HTTP_C_READING;
    c->has_work = true;
    http_stream_free(st);
}

void http_stream_bind(struct http_conn *c, ks_stream *st)
{
    if (st->failed) {
        http_stream_free(st);
        http_conn_kill(c);
        return;
    }
    ebb_strbuf_add(&c->out, st->pending.buf, st->pending.len);
    if (st->ended) {
        ebb_strbuf_adds(&c->out, "0\r\n\r\n");
        http_stream_free(st);
        return;
    }
    ebb_strbuf_release(&st->pending);
    st->c = c;
    c->stream = st;
    c->state = HTTP_C_STREAMING;
}
