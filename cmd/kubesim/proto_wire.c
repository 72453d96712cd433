/*
 * kubesim: the protobuf wire format (varints, fields) and the JSON form
 * of its scalars -- strings, bytes, times, durations -- for proto.c.
 */
#include "proto_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Failures                                                            */

int ks_pb_fail(struct ks_pb_err *e, int rc, const char *fmt, ...)
{
    if (e->rc == KS_PROTO_OK) {
        e->rc = rc;
        if (e->msg && e->cap) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(e->msg, e->cap, fmt, ap);
            va_end(ap);
        }
    }
    return e->rc;
}

int ks_pb_nomem(struct ks_pb_err *e)
{
    return ks_pb_fail(e, KS_PROTO_NOMEM, "out of memory decoding the protobuf body");
}

/* ------------------------------------------------------------------ */
/* Wire format                                                         */

int ks_pb_read_varint(struct ks_pb_rd *r, uint64_t *out, struct ks_pb_err *e)
{
    uint64_t v = 0;

    for (unsigned shift = 0;; shift += 7) {
        if (shift >= 64)
            return ks_pb_fail(e, KS_PROTO_MALFORMED, "proto: integer overflow");
        if (r->i >= r->n)
            return ks_pb_fail(e, KS_PROTO_MALFORMED, "unexpected EOF");
        uint8_t b = r->p[r->i++];
        if (shift == 63 && (b & 0x7e))
            return ks_pb_fail(e, KS_PROTO_MALFORMED, "proto: integer overflow");
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    *out = v;
    return 0;
}

int ks_pb_next_field(struct ks_pb_rd *r, struct ks_pb_wfield *f, const char *msg,
                     struct ks_pb_err *e)
{
    uint64_t key, len;

    if (ks_pb_read_varint(r, &key, e))
        return e->rc;
    f->wt = (uint8_t)(key & 7);
    if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
        return ks_pb_fail(e, KS_PROTO_MALFORMED,
                          "proto: %s: illegal tag %" PRIu64 " (wire type %u)", msg, key >> 3,
                          (unsigned)f->wt);
    f->no = (uint32_t)(key >> 3);
    f->v = 0;
    f->off = f->len = 0;
    switch (f->wt) {
    case KS_PB_WT_VARINT:
        return ks_pb_read_varint(r, &f->v, e);
    case KS_PB_WT_FIXED64:
    case KS_PB_WT_FIXED32: {
        size_t w = f->wt == KS_PB_WT_FIXED64 ? 8 : 4;
        if (r->n - r->i < w)
            return ks_pb_fail(e, KS_PROTO_MALFORMED, "unexpected EOF");
        for (size_t k = 0; k < w; k++)
            f->v |= (uint64_t)r->p[r->i + k] << (8 * k);
        r->i += w;
        return 0;
    }
    case KS_PB_WT_LEN:
        if (ks_pb_read_varint(r, &len, e))
            return e->rc;
        if (len > (uint64_t)INT32_MAX)
            return ks_pb_fail(e, KS_PROTO_MALFORMED,
                              "proto: negative length found during unmarshaling");
        if (len > r->n - r->i)
            return ks_pb_fail(e, KS_PROTO_MALFORMED, "unexpected EOF");
        f->off = r->i;
        f->len = (size_t)len;
        r->i += (size_t)len;
        return 0;
    default:
        return ks_pb_fail(e, KS_PROTO_MALFORMED, "proto: %s: illegal wireType %u for field %u", msg,
                          (unsigned)f->wt, (unsigned)f->no);
    }
}

/* ------------------------------------------------------------------ */
/* JSON values                                                         */

/* A JSON string from bytes: invalid UTF-8 and NUL become U+FFFD, as Go's
 * encoding/json replaces invalid bytes (cJSON strings cannot hold NUL). */
cJSON *ks_pb_json_str(const uint8_t *s, size_t n)
{
    size_t cap = n * 3 + 1, o = 0;
    char *buf = malloc(cap);
    cJSON *j;

    if (!buf)
        return NULL;
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xe0) == 0xc0 ? 2
                     : (c & 0xf0) == 0xe0 ? 3
                     : (c & 0xf8) == 0xf0 ? 4
                                          : 0;
        bool ok = len > 0 && c != 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (s[i + k] & 0xc0) == 0x80;
        if (ok && len > 1) {
            uint32_t cp = c & (0xff >> (len + 1));
            for (size_t k = 1; k < len; k++)
                cp = (cp << 6) | (s[i + k] & 0x3f);
            ok = !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) &&
                 !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) && !(cp >= 0xd800 && cp <= 0xdfff);
        }
        if (ok) {
            memcpy(buf + o, s + i, len);
            o += len;
            i += len;
        } else {
            memcpy(buf + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    buf[o] = '\0';
    j = cJSON_CreateString(buf);
    free(buf);
    return j;
}

cJSON *ks_pb_json_base64(const uint8_t *s, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *buf = malloc((n + 2) / 3 * 4 + 1);
    size_t o = 0;
    cJSON *j;

    if (!buf)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        buf[o++] = tab[(v >> 18) & 63];
        buf[o++] = tab[(v >> 12) & 63];
        buf[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        buf[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    buf[o] = '\0';
    j = cJSON_CreateString(buf);
    free(buf);
    return j;
}

/* Writes u as decimal ending just before buf[w]; returns the new start. */
static size_t put_uint(char *buf, size_t w, uint64_t u)
{
    do {
        buf[--w] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return w;
}

/* The fraction of v / 10^prec without trailing zeros (nor the point when
 * it is 0), ending just before buf[w]; *v becomes the integer part. */
static size_t put_frac(char *buf, size_t w, uint64_t *v, int prec)
{
    bool print = false;

    for (int i = 0; i < prec; i++) {
        unsigned digit = (unsigned)(*v % 10);
        print = print || digit != 0;
        if (print)
            buf[--w] = (char)('0' + digit);
        *v /= 10;
    }
    if (print)
        buf[--w] = '.';
    return w;
}

void ks_proto_duration_string(int64_t ns, char *out, size_t cap)
{
    char buf[40];
    size_t w = sizeof(buf) - 1;
    bool neg = ns < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

    buf[w] = '\0';
    if (u == 0) {
        snprintf(out, cap, "0s");
        return;
    }
    buf[--w] = 's';
    if (u < 1000000000ull) {
        int prec;
        if (u < 1000ull) {
            prec = 0;
            buf[--w] = 'n';
        } else if (u < 1000000ull) {
            prec = 3;
            buf[--w] = '\xb5'; /* U+00B5 micro sign, as Go prints it */
            buf[--w] = '\xc2';
        } else {
            prec = 6;
            buf[--w] = 'm';
        }
        w = put_frac(buf, w, &u, prec);
        w = put_uint(buf, w, u);
    } else {
        w = put_frac(buf, w, &u, 9);
        w = put_uint(buf, w, u % 60);
        u /= 60;
        if (u > 0) {
            buf[--w] = 'm';
            w = put_uint(buf, w, u % 60);
            u /= 60;
            if (u > 0) {
                buf[--w] = 'h';
                w = put_uint(buf, w, u);
            }
        }
    }
    if (neg)
        buf[--w] = '-';
    snprintf(out, cap, "%s", buf + w);
}

/* RFC 3339 in UTC: seconds only for Time, 6 digits for MicroTime. */
cJSON *ks_pb_json_time(int64_t secs, int32_t nanos, bool micro, struct ks_pb_err *e)
{
    struct tm tm;
    time_t t = (time_t)secs;
    char buf[48];

    /* 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, as Go marshals. */
    if (secs < -62135596800LL || secs > 253402300799LL || nanos < 0 || nanos > 999999999 ||
        !gmtime_r(&t, &tm)) {
        ks_pb_fail(e, KS_PROTO_MALFORMED, "Time.MarshalJSON: year outside of range [0,9999]");
        return NULL;
    }
    if (micro)
        snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(nanos / 1000));
    else
        snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return cJSON_CreateString(buf);
}
