/*
 * kubesim http: HTTP/1.1 request parsing (request line, headers, bodies
 * by Content-Length or chunked) and the ks_req accessors.
 *
 * The parser works on the connection's input buffer c->in from c->in_off
 * and consumes what it used, so it can be called again whenever more
 * bytes arrived: a head is parsed once it is complete, a body as it
 * comes.
 */
#include "http_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KS_HTTP_MAX_METHOD 15

void http_req_free(struct http_req *r)
{
    if (!r)
        return;
    free(r->head);
    free(r->pub.headers);
    free(r->pub.body);
    ks_req_release_query(&r->pub);
    free(r);
}

void http_parser_reset(struct http_parser *p)
{
    http_req_free(p->req);
    p->req = NULL;
    ebb_strbuf_release(&p->body);
    p->phase = HTTP_B_NONE;
    p->remaining = 0;
    p->keep_alive = true;
    p->expect_continue = false;
}

/* ---- small helpers ---------------------------------------------------------------------- */

static bool is_tchar(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Offset of the first "\r\n" in p[0..n), or n when none. */
static size_t find_crlf(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] == '\r' && p[i + 1] == '\n')
            return i;
    }
    return n;
}

/* Length of the head including its "\r\n\r\n", or 0 while incomplete. */
static size_t find_head_end(const char *p, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++) {
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
            return i + 4;
    }
    return 0;
}

/* Whether a comma-separated header value holds token (case-insensitive). */
static bool has_token(const char *v, const char *token)
{
    size_t n = strlen(token);

    while (v && *v) {
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        const char *e = v;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > v && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if ((size_t)(t - v) == n && strncasecmp(v, token, n) == 0)
            return true;
        v = e;
    }
    return false;
}

/* Decodes n bytes of a query component into out (which has room for n+1):
 * %XX and '+' as space. False on a bad escape. */
static bool query_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return false;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return true;
}

/* Splits the raw query into decoded params (pairs with a bad escape are
 * dropped, as Go's url.ParseQuery does). */
int ks_req_parse_query(ks_req *r)
{
    const char *q = r->query ? r->query : "";
    size_t qlen = strlen(q), n = 1;

    ks_req_release_query(r);
    if (qlen == 0)
        return KS_OK;
    for (size_t i = 0; i < qlen; i++)
        n += q[i] == '&';
    r->params = calloc(n, sizeof(*r->params));
    r->params_buf = malloc(qlen + 2 * n + 1);
    if (!r->params || !r->params_buf) {
        ks_req_release_query(r);
        return KS_ENOMEM;
    }
    char *o = r->params_buf;
    const char *p = q;
    while (*p) {
        const char *e = strchr(p, '&');
        if (!e)
            e = p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(e - p));
        if (e > p) {
            const char *kend = eq ? eq : e;
            char *k = o;
            char *v = o + (kend - p) + 1;
            const char *vs = eq ? eq + 1 : e;
            if (query_decode(p, (size_t)(kend - p), k) && query_decode(vs, (size_t)(e - vs), v)) {
                r->params[r->n_params].name = k;
                r->params[r->n_params].value = v;
                r->n_params++;
                o = v + strlen(v) + 1;
            }
        }
        p = *e ? e + 1 : e;
    }
    return KS_OK;
}

void ks_req_release_query(ks_req *r)
{
    free(r->params);
    free(r->params_buf);
    r->params = NULL;
    r->params_buf = NULL;
    r->n_params = 0;
}

/* ---- the head --------------------------------------------------------------------------- */

/* Parses head[0..len) (ending in "\r\n\r\n") into a new request in p.
 * Returns HTTP_P_DONE when the head is fine. */
static enum http_parse_rc parse_head(struct http_conn *c, const char *raw, size_t len,
                                     size_t max_body)
{
    struct http_parser *p = &c->p;
    struct http_req *r = calloc(1, sizeof(*r));

    if (!r)
        return HTTP_P_NOMEM;
    p->req = r;
    r->head = malloc(len + 1);
    if (!r->head)
        return HTTP_P_NOMEM;
    memcpy(r->head, raw, len);
    r->head[len] = '\0';
    for (size_t i = 0; i < len - 4; i++) {
        /* NUL or a bare CR/LF inside a line is malformed. */
        if (r->head[i] == '\0')
            return HTTP_P_BAD;
    }

    /* Request line: METHOD SP target SP HTTP/1.x */
    char *line = r->head;
    char *eol = strstr(line, "\r\n");
    *eol = '\0';
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || strchr(sp2 + 1, ' '))
        return HTTP_P_BAD;
    size_t mlen = (size_t)(sp1 - line);
    if (mlen == 0 || mlen > KS_HTTP_MAX_METHOD)
        return HTTP_P_BAD;
    for (size_t i = 0; i < mlen; i++) {
        if (!is_tchar((unsigned char)line[i]))
            return HTTP_P_BAD;
    }
    memcpy(r->pub.method, line, mlen);
    *sp2 = '\0';
    char *target = sp1 + 1;
    const char *version = sp2 + 1;
    for (char *t = target; *t; t++) {
        if ((unsigned char)*t <= 0x20 || *t == 0x7f)
            return HTTP_P_BAD;
    }
    if (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0) {
        /* absolute-form: keep the path */
        char *slash = strchr(strstr(target, "//") + 2, '/');
        if (!slash) {
            slash = target + strlen(target);
            if (slash == target)
                return HTTP_P_BAD;
            *--slash = '/';
        }
        target = slash;
    }
    if (target[0] != '/' && strcmp(target, "*") != 0)
        return HTTP_P_BAD;
    char *hash = strchr(target, '#');
    if (hash)
        *hash = '\0';
    char *qm = strchr(target, '?');
    if (qm) {
        *qm = '\0';
        r->pub.query = qm + 1;
    } else {
        r->pub.query = target + strlen(target); /* "" */
    }
    r->pub.path = target;
    if (strcmp(version, "HTTP/1.1") == 0)
        p->keep_alive = true;
    else if (strcmp(version, "HTTP/1.0") == 0)
        p->keep_alive = false;
    else
        return HTTP_P_BAD;
    bool http11 = version[7] == '1';

    /* Headers: count the lines, then split them. */
    size_t nlines = 0;
    for (char *s = eol + 2; *s && !(s[0] == '\r' && s[1] == '\n');) {
        char *e = strstr(s, "\r\n");
        nlines++;
        s = e + 2;
    }
    if (nlines) {
        r->pub.headers = calloc(nlines, sizeof(*r->pub.headers));
        if (!r->pub.headers)
            return HTTP_P_NOMEM;
    }
    char *s = eol + 2;
    for (size_t i = 0; i < nlines; i++) {
        char *e = strstr(s, "\r\n");
        *e = '\0';
        char *colon = strchr(s, ':');
        if (!colon || colon == s)
            return HTTP_P_BAD; /* also obs-fold lines, which start with a space */
        for (char *t = s; t < colon; t++) {
            if (!is_tchar((unsigned char)*t))
                return HTTP_P_BAD;
        }
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        char *ve = v + strlen(v);
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            *--ve = '\0';
        for (char *t = v; *t; t++) {
            if (((unsigned char)*t < 0x20 && *t != '\t') || *t == 0x7f)
                return HTTP_P_BAD;
        }
        r->pub.headers[i].name = s;
        r->pub.headers[i].value = v;
        s = e + 2;
    }
    r->pub.n_headers = nlines;

    /* Framing and connection handling. */
    const char *te = NULL, *cl = NULL, *host = NULL;
    for (size_t i = 0; i < nlines; i++) {
        const char *n = r->pub.headers[i].name, *v = r->pub.headers[i].value;
        if (strcasecmp(n, "Connection") == 0) {
            if (has_token(v, "close"))
                p->keep_alive = false;
            else if (has_token(v, "keep-alive"))
                p->keep_alive = true;
        } else if (strcasecmp(n, "Transfer-Encoding") == 0) {
            if (te)
                return HTTP_P_TE;
            te = v;
        } else if (strcasecmp(n, "Content-Length") == 0) {
            if (cl && strcmp(cl, v) != 0)
                return HTTP_P_BAD;
            cl = v;
        } else if (strcasecmp(n, "Host") == 0) {
            if (host)
                return HTTP_P_BAD;
            host = v;
        } else if (strcasecmp(n, "Expect") == 0) {
            p->expect_continue = strcasecmp(v, "100-continue") == 0;
        }
    }
    if (http11 && !host)
        return HTTP_P_BAD; /* Go: "missing required Host header" */
    if (te) {
        if (strcasecmp(te, "chunked") != 0)
            return HTTP_P_TE;
        if (cl)
            return HTTP_P_BAD;
        p->phase = HTTP_B_CHUNK_SIZE;
        return HTTP_P_DONE;
    }
    if (cl) {
        size_t n = 0;
        if (!*cl || strlen(cl) > 19)
            return HTTP_P_BAD;
        for (const char *t = cl; *t; t++) {
            if (!isdigit((unsigned char)*t))
                return HTTP_P_BAD;
            n = n * 10 + (size_t)(*t - '0');
        }
        if (n > max_body)
            return HTTP_P_TOOBIG;
        p->remaining = n;
        p->phase = n ? HTTP_B_LENGTH : HTTP_B_NONE;
        if (n == 0)
            p->expect_continue = false;
        return HTTP_P_DONE;
    }
    p->expect_continue = false;
    p->phase = HTTP_B_NONE;
    return HTTP_P_DONE;
}

/* ---- bodies ----------------------------------------------------------------------------- */

/* Parses a chunk-size line at buf[0..n): the size, or -1 when incomplete,
 * -2 when malformed. *used: the line's length with its CRLF. */
static long long chunk_size_line(const char *buf, size_t n, size_t *used)
{
    size_t e = find_crlf(buf, n);
    unsigned long long v = 0;
    size_t i = 0, digits = 0;

    if (e == n)
        return n > 4096 ? -2 : -1;
    for (; i < e && hexval((unsigned char)buf[i]) >= 0; i++, digits++) {
        if (digits >= 15)
            return -2;
        v = v * 16 + (unsigned)hexval((unsigned char)buf[i]);
    }
    if (digits == 0)
        return -2;
    while (i < e && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    if (i < e && buf[i] != ';')
        return -2; /* anything but an extension */
    *used = e + 2;
    return (long long)v;
}

/* Feeds body bytes; HTTP_P_DONE once the body is complete. */
static enum http_parse_rc parse_body(struct http_conn *c, size_t max_body)
{
    struct http_parser *p = &c->p;

    for (;;) {
        const char *buf = c->in.buf + c->in_off;
        size_t avail = c->in.len - c->in_off;
        size_t used = 0;

        switch (p->phase) {
        case HTTP_B_NONE:
            return HTTP_P_DONE;
        case HTTP_B_LENGTH:
        case HTTP_B_CHUNK_DATA: {
            size_t take = avail < p->remaining ? avail : p->remaining;
            if (take == 0)
                return HTTP_P_MORE;
            ebb_strbuf_add(&p->body, buf, take);
            if (ebb_strbuf_rc(&p->body))
                return HTTP_P_NOMEM;
            c->in_off += take;
            p->remaining -= take;
            if (p->remaining == 0)
                p->phase = p->phase == HTTP_B_LENGTH ? HTTP_B_NONE : HTTP_B_CHUNK_CRLF;
            break;
        }
        case HTTP_B_CHUNK_SIZE: {
            long long n = chunk_size_line(buf, avail, &used);
            if (n == -1)
                return HTTP_P_MORE;
            if (n < 0)
                return HTTP_P_BAD;
            c->in_off += used;
            if (n == 0) {
                p->phase = HTTP_B_TRAILER;
            } else {
                if ((unsigned long long)n > max_body - p->body.len)
                    return HTTP_P_TOOBIG;
                p->remaining = (size_t)n;
                p->phase = HTTP_B_CHUNK_DATA;
            }
            break;
        }
        case HTTP_B_CHUNK_CRLF:
            if (avail < 2)
                return HTTP_P_MORE;
            if (buf[0] != '\r' || buf[1] != '\n')
                return HTTP_P_BAD;
            c->in_off += 2;
            p->phase = HTTP_B_CHUNK_SIZE;
            break;
        case HTTP_B_TRAILER: {
            size_t e = find_crlf(buf, avail);
            if (e == avail)
                return avail > KS_HTTP_MAX_HEAD ? HTTP_P_HEAD : HTTP_P_MORE;
            c->in_off += e + 2;
            if (e == 0)
                p->phase = HTTP_B_NONE; /* trailers are ignored */
            break;
        }
        }
    }
}

/* ---- the parser --------------------------------------------------------------------------- */

enum http_parse_rc http_parse(struct http_conn *c, size_t max_body)
{
    struct http_parser *p = &c->p;
    enum http_parse_rc rc;

    if (!p->req) {
        /* Empty lines before a request line are allowed (RFC 9112 2.2). */
        while (c->in.len - c->in_off >= 2 && c->in.buf[c->in_off] == '\r' &&
               c->in.buf[c->in_off + 1] == '\n')
            c->in_off += 2;
        const char *buf = c->in.buf + c->in_off;
        size_t avail = c->in.len - c->in_off;
        size_t hlen = find_head_end(buf, avail);
        if (hlen == 0)
            return avail > KS_HTTP_MAX_HEAD ? HTTP_P_HEAD : HTTP_P_MORE;
        if (hlen > KS_HTTP_MAX_HEAD)
            return HTTP_P_HEAD;
        rc = parse_head(c, buf, hlen, max_body);
        if (rc != HTTP_P_DONE)
            return rc;
        c->in_off += hlen;
    }
    rc = parse_body(c, max_body);
    if (rc != HTTP_P_DONE)
        return rc;
    struct http_req *r = p->req;
    size_t blen = p->body.len;
    r->pub.body = ebb_strbuf_detach(&p->body, NULL);
    if (!r->pub.body)
        return HTTP_P_NOMEM;
    r->pub.body_len = blen;
    if (ks_req_parse_query(&r->pub) != KS_OK)
        return HTTP_P_NOMEM;
    p->expect_continue = false;
    return HTTP_P_DONE;
}

/* ---- ks_req accessors ------------------------------------------------------------------- */

const char *ks_req_header(const ks_req *req, const char *name)
{
    if (!req || !name)
        return NULL;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (req->headers[i].name && strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value ? req->headers[i].value : "";
    }
    return NULL;
}

const char *ks_req_query(const ks_req *req, const char *key)
{
    if (!req || !key)
        return NULL;
    for (size_t i = 0; i < req->n_params; i++) {
        if (strcmp(req->params[i].name, key) == 0)
            return req->params[i].value;
    }
    return NULL;
}
