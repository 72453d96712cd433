/* kube_fixture.c -- see kube_fixture.h. */
#include "kube_fixture.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool failf(struct ebbt_kube_exchange *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool failf(struct ebbt_kube_exchange *x, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(x->err, sizeof(x->err), "%s: ", x->name);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(x->err))
        vsnprintf(x->err + n, sizeof(x->err) - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p == NULL) {
        fprintf(stderr, "kube_fixture: out of memory\n");
        abort();
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(buf, cap + 1);
            if (p == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The first occurrence of needle in [s, s+n), or NULL. */
static const char *find(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(s + i, needle, k) == 0)
            return s + i;
    }
    return NULL;
}

/* Parses "Name: value" lines in [s, e) into h[*n]. */
static bool parse_headers(struct ebbt_kube_exchange *x, const char *s, const char *e,
                          struct ebbt_kube_header *h, size_t *n)
{
    while (s < e) {
        const char *eol = memchr(s, '\n', (size_t)(e - s));
        if (eol == NULL)
            eol = e;
        const char *colon = memchr(s, ':', (size_t)(eol - s));
        if (colon == NULL || colon == s)
            return failf(x, "header line without a name: %.40s", s);
        if (*n == EBBT_KUBE_MAX_HEADERS)
            return failf(x, "more than %d headers", EBBT_KUBE_MAX_HEADERS);
        const char *v = colon + 1;
        while (v < eol && (*v == ' ' || *v == '\t'))
            v++;
        h[*n].name = dup_n(s, (size_t)(colon - s));
        h[*n].value = dup_n(v, (size_t)(eol - v));
        (*n)++;
        s = eol + 1;
    }
    return true;
}

static const char *header_in(const struct ebbt_kube_header *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    }
    return NULL;
}

const char *ebbt_kube_header(const struct ebbt_kube_exchange *x, const char *name)
{
    return header_in(x->headers, x->n_headers, name);
}

const char *ebbt_kube_req_header(const struct ebbt_kube_exchange *x, const char *name)
{
    return header_in(x->req_headers, x->n_req_headers, name);
}

/* A Content-Length value, or -1 if it is not one. */
static long long content_length(const char *v)
{
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < 0)
        return -1;
    return n;
}

static bool hexval(char c, unsigned *v)
{
    if (c >= '0' && c <= '9')
        *v = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
        *v = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
        *v = (unsigned)(c - 'A' + 10);
    else
        return false;
    return true;
}

/* Skips a line end (CRLF or LF) at in[*i]; false if there is none. */
static bool line_end(const char *in, size_t len, size_t *i)
{
    if (*i < len && in[*i] == '\r')
        (*i)++;
    if (*i >= len || in[*i] != '\n')
        return false;
    (*i)++;
    return true;
}

bool ebbt_kube_dechunk(const char *in, size_t len, char **out, size_t *out_len)
{
    char *buf = malloc(len + 1);
    size_t o = 0, i = 0;

    if (buf == NULL)
        return false;
    for (;;) {
        size_t size = 0;
        unsigned v;
        size_t digits = 0;
        while (i < len && hexval(in[i], &v)) {
            if (size > ((size_t)-1 >> 4))
                goto bad;
            size = size * 16 + v;
            i++;
            digits++;
        }
        if (digits == 0)
            goto bad;
        while (i < len && in[i] != '\r' && in[i] != '\n') /* chunk extensions */
            i++;
        if (!line_end(in, len, &i))
            goto bad;
        if (size == 0)
            break;
        if (size > len - i)
            goto bad;
        memcpy(buf + o, in + i, size);
        o += size;
        i += size;
        if (!line_end(in, len, &i))
            goto bad;
    }
    /* Trailer fields, then the empty line that ends the message. */
    for (;;) {
        if (line_end(in, len, &i))
            break;
        while (i < len && in[i] != '\n')
            i++;
        if (i >= len)
            goto bad;
        i++;
    }
    if (i != len)
        goto bad;
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return true;
bad:
    free(buf);
    return false;
}

static bool parse_status_line(struct ebbt_kube_exchange *x, const char *s, const char *e)
{
    static const char proto[] = "HTTP/1.1 ";
    size_t n = (size_t)(e - s);
    if (n < sizeof(proto) - 1 + 3 || memcmp(s, proto, sizeof(proto) - 1) != 0)
        return failf(x, "status line is not \"HTTP/1.1 NNN ...\"");
    const char *c = s + sizeof(proto) - 1;
    int code = 0;
    for (int k = 0; k < 3; k++) {
        if (c[k] < '0' || c[k] > '9')
            return failf(x, "status code is not three digits");
        code = code * 10 + (c[k] - '0');
    }
    if (n > sizeof(proto) - 1 + 3 && c[3] != ' ')
        return failf(x, "status code is not three digits");
    x->status = code;
    return true;
}

static bool parse_request_line(struct ebbt_kube_exchange *x, const char *s, const char *e)
{
    const char *sp1 = memchr(s, ' ', (size_t)(e - s));
    if (sp1 == NULL || (size_t)(sp1 - s) >= sizeof(x->method))
        return failf(x, "request line has no method");
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
    if (sp2 == NULL || (size_t)(e - sp2) != strlen(" HTTP/1.1") ||
        memcmp(sp2, " HTTP/1.1", (size_t)(e - sp2)) != 0)
        return failf(x, "request line does not end in \" HTTP/1.1\"");
    memcpy(x->method, s, (size_t)(sp1 - s));
    x->method[sp1 - s] = '\0';
    x->target = dup_n(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    return true;
}

static bool parse_body(struct ebbt_kube_exchange *x, const char *s, const char *e, bool raw)
{
    const char *cl = ebbt_kube_header(x, "Content-Length");
    const char *te = ebbt_kube_header(x, "Transfer-Encoding");
    size_t n = (size_t)(e - s);

    if (cl != NULL) {
        long long v = content_length(cl);
        if (v < 0)
            return failf(x, "bad Content-Length \"%s\"", cl);
        /* The recorder ends a body that has no final newline with one. */
        if ((size_t)v > n || n - (size_t)v > 1 || (n > (size_t)v && s[v] != '\n'))
            return failf(x, "body is %zu bytes, Content-Length says %lld", n, v);
        n = (size_t)v;
    }
    x->raw_body = dup_n(s, n);
    x->raw_len = n;
    x->raw_chunked = raw && te != NULL && strcasecmp(te, "chunked") == 0;
    if (x->raw_chunked) {
        if (!ebbt_kube_dechunk(x->raw_body, x->raw_len, &x->body, &x->body_len))
            return failf(x, "the chunk framing of the body is broken");
    } else {
        x->body = dup_n(s, n);
        x->body_len = n;
    }
    return true;
}

bool ebbt_kube_load(const char *path, struct ebbt_kube_exchange *x)
{
    static const char req_mark[] = "\n=== REQUEST ===\n";
    static const char resp_mark[] = "\n=== RESPONSE ===\n";
    const char *base = strrchr(path, '/');
    size_t len = 0;
    bool ok = false;
    char *file;

    memset(x, 0, sizeof(*x));
    snprintf(x->name, sizeof(x->name), "%s", base != NULL ? base + 1 : path);
    file = read_file(path, &len);
    if (file == NULL)
        return failf(x, "cannot read %s: %s", path, strerror(errno));
    const char *end = file + len;

    /* Request: line, headers, blank line, body. */
    const char *req = find(file, len, req_mark);
    const char *resp = find(file, len, resp_mark);
    if (req == NULL || resp == NULL || resp < req) {
        failf(x, "no \"=== REQUEST ===\" then \"=== RESPONSE ===\" section");
        goto out;
    }
    req += sizeof(req_mark) - 1;
    const char *eol = memchr(req, '\n', (size_t)(resp - req));
    if (eol == NULL || !parse_request_line(x, req, eol))
        goto out;
    const char *hdr_end = find(eol, (size_t)(resp - eol) + 1, "\n\n");
    if (hdr_end == NULL) {
        failf(x, "request head does not end in a blank line");
        goto out;
    }
    if (!parse_headers(x, eol + 1, hdr_end, x->req_headers, &x->n_req_headers))
        goto out;
    /* The body runs up to the line end before "=== RESPONSE ===". */
    const char *rb = hdr_end + 2 <= resp ? hdr_end + 2 : resp;
    x->req_body_len = (size_t)(resp - rb);
    x->req_body = dup_n(rb, x->req_body_len);
    const char *req_cl = ebbt_kube_req_header(x, "Content-Length");
    if (req_cl != NULL && content_length(req_cl) != (long long)x->req_body_len) {
        failf(x, "request body is %zu bytes, Content-Length says %s", x->req_body_len, req_cl);
        goto out;
    }

    /* Response: status line, headers, blank line, body up to the next
     * "=== " section (the reading aid) or the end of the file. */
    const char *r = resp + sizeof(resp_mark) - 1;
    eol = memchr(r, '\n', (size_t)(end - r));
    if (eol == NULL || !parse_status_line(x, r, eol))
        goto out;
    hdr_end = find(eol, (size_t)(end - eol), "\n\n");
    if (hdr_end == NULL) {
        failf(x, "response head does not end in a blank line");
        goto out;
    }
    if (!parse_headers(x, eol + 1, hdr_end, x->headers, &x->n_headers))
        goto out;
    const char *body = hdr_end + 2;
    const char *sect = find(body, (size_t)(end - body), "\n=== ");
    const char *body_end = sect != NULL ? sect : end;
    bool raw = find(file, (size_t)(req - file), " --raw") != NULL;
    if (!parse_body(x, body, body_end, raw))
        goto out;

    if (sect != NULL && strncmp(sect, "\n=== EVENT SUMMARY", 18) == 0) {
        const char *s = memchr(sect + 1, '\n', (size_t)(end - sect - 1));
        if (s == NULL) {
            failf(x, "empty EVENT SUMMARY");
            goto out;
        }
        x->summary = dup_n(s + 1, (size_t)(end - s - 1));
    }
    ok = true;
out:
    free(file);
    return ok;
}

bool ebbt_kube_load_nn(int nn, struct ebbt_kube_exchange *x)
{
    char *names[EBBT_KUBE_MAX_FILES];
    size_t n = ebbt_kube_list(names, EBBT_KUBE_MAX_FILES);
    char prefix[8];
    char path[512];
    bool ok = false;

    snprintf(prefix, sizeof(prefix), "%02d-", nn);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(names[i], prefix, strlen(prefix)) == 0) {
            snprintf(path, sizeof(path), "%s/%s", EBBT_KUBE_FIXTURE_DIR, names[i]);
            ok = ebbt_kube_load(path, x);
            goto out;
        }
    }
    memset(x, 0, sizeof(*x));
    snprintf(x->err, sizeof(x->err), "no fixture %s*.txt in %s", prefix, EBBT_KUBE_FIXTURE_DIR);
out:
    ebbt_kube_list_free(names, n);
    return ok;
}

void ebbt_kube_release(struct ebbt_kube_exchange *x)
{
    free(x->target);
    free(x->req_body);
    for (size_t i = 0; i < x->n_req_headers; i++) {
        free(x->req_headers[i].name);
        free(x->req_headers[i].value);
    }
    for (size_t i = 0; i < x->n_headers; i++) {
        free(x->headers[i].name);
        free(x->headers[i].value);
    }
    free(x->raw_body);
    free(x->body);
    free(x->summary);
    memset(x, 0, sizeof(*x));
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t ebbt_kube_list(char **names, size_t max)
{
    DIR *dir = opendir(EBBT_KUBE_FIXTURE_DIR);
    const struct dirent *de;
    size_t n = 0;

    if (dir == NULL)
        return 0;
    while ((de = readdir(dir)) != NULL && n < max) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".txt") == 0)
            names[n++] = dup_n(de->d_name, l);
    }
    closedir(dir);
    qsort(names, n, sizeof(names[0]), cmp_names);
    return n;
}

void ebbt_kube_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
}

/* Copies field k of a line split at single spaces into dst; false if the
 * line has fewer fields or the field does not fit. */
static bool summary_field(const char *line, size_t len, int k, char *dst, size_t dstsz)
{
    size_t i = 0;
    for (int f = 0; f < k; f++) {
        const char *sp = memchr(line + i, ' ', len - i);
        if (sp == NULL)
            return false;
        i = (size_t)(sp - line) + 1;
    }
    const char *sp = memchr(line + i, ' ', len - i);
    size_t n = sp != NULL ? (size_t)(sp - line) - i : len - i;
    if (n >= dstsz)
        return false;
    memcpy(dst, line + i, n);
    dst[n] = '\0';
    return true;
}

int ebbt_kube_summary(const struct ebbt_kube_exchange *x, struct ebbt_kube_summary_event *ev,
                      size_t max)
{
    const char *s = x->summary;
    size_t n = 0;

    if (s == NULL)
        return -1;
    while (*s != '\0') {
        const char *eol = strchr(s, '\n');
        size_t len = eol != NULL ? (size_t)(eol - s) : strlen(s);
        if (len > 0) {
            char rv[80], code[16];
            if (n == max)
                return -1;
            struct ebbt_kube_summary_event *e = &ev[n++];
            memset(e, 0, sizeof(*e));
            if (!summary_field(s, len, 0, e->type, sizeof(e->type)) ||
                !summary_field(s, len, 1, e->kind, sizeof(e->kind)) ||
                !summary_field(s, len, 2, e->name, sizeof(e->name)) ||
                !summary_field(s, len, 3, rv, sizeof(rv)) ||
                !summary_field(s, len, 4, code, sizeof(code)) ||
                !summary_field(s, len, 5, e->reason, sizeof(e->reason)))
                return -1;
            if (strncmp(rv, "rv=", 3) != 0 || strlen(rv + 3) >= sizeof(e->rv))
                return -1;
            memcpy(e->rv, rv + 3, strlen(rv + 3) + 1);
            e->code = code[0] != '\0' ? (int)strtol(code, NULL, 10) : 0;
        }
        if (eol == NULL)
            break;
        s = eol + 1;
    }
    return (int)n;
}
