/*
 * kubesim: Kubernetes protobuf request bodies -> JSON (see proto.h).
 *
 * Each message is read in one pass that validates the wire format and
 * records the occurrences of the fields its descriptor knows (unknown
 * numbers are skipped); the JSON object is then built in the
 * descriptor's order, which is the Go struct's and so the JSON key order.
 * Repeated fields keep the wire order; a non-repeated scalar takes its
 * last occurrence; occurrences of a non-repeated message merge.
 */
#include "proto.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_DEPTH 40
#define MAX_FIELDS 64 /* fields per descriptor (asserted at run time) */

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

struct perr {
    int rc;
    char *msg;
    size_t cap;
};

static int fail(struct perr *e, int rc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(struct perr *e, int rc, const char *fmt, ...)
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

static int nomem(struct perr *e)
{
    return fail(e, KS_PROTO_NOMEM, "out of memory decoding the protobuf body");
}

bool ks_proto_is_content_type(const char *ct)
{
    size_t n = strlen(KS_PROTO_CONTENT_TYPE);

    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, KS_PROTO_CONTENT_TYPE, n) != 0)
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

/* ------------------------------------------------------------------ */
/* Wire format                                                         */

struct rd {
    const uint8_t *p;
    size_t n, i;
};

static int read_varint(struct rd *r, uint64_t *out, struct perr *e)
{
    uint64_t v = 0;

    for (unsigned shift = 0;; shift += 7) {
        if (shift >= 64)
            return fail(e, KS_PROTO_MALFORMED, "proto: integer overflow");
        if (r->i >= r->n)
            return fail(e, KS_PROTO_MALFORMED, "unexpected EOF");
        uint8_t b = r->p[r->i++];
        if (shift == 63 && (b & 0x7e))
            return fail(e, KS_PROTO_MALFORMED, "proto: integer overflow");
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    *out = v;
    return 0;
}

/* One field: number, wire type and value (varint/fixed) or the span of a
 * length-delimited payload. */
struct wfield {
    uint32_t no;
    uint8_t wt;
    uint64_t v;
    size_t off, len;
};

static int next_field(struct rd *r, struct wfield *f, const char *msg, struct perr *e)
{
    uint64_t key, len;

    if (read_varint(r, &key, e))
        return e->rc;
    f->wt = (uint8_t)(key & 7);
    if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
        return fail(e, KS_PROTO_MALFORMED, "proto: %s: illegal tag %" PRIu64 " (wire type %u)", msg,
                    key >> 3, (unsigned)f->wt);
    f->no = (uint32_t)(key >> 3);
    f->v = 0;
    f->off = f->len = 0;
    switch (f->wt) {
    case WT_VARINT:
        return read_varint(r, &f->v, e);
    case WT_FIXED64:
    case WT_FIXED32: {
        size_t w = f->wt == WT_FIXED64 ? 8 : 4;
        if (r->n - r->i < w)
            return fail(e, KS_PROTO_MALFORMED, "unexpected EOF");
        for (size_t k = 0; k < w; k++)
            f->v |= (uint64_t)r->p[r->i + k] << (8 * k);
        r->i += w;
        return 0;
    }
    case WT_LEN:
        if (read_varint(r, &len, e))
            return e->rc;
        if (len > (uint64_t)INT32_MAX)
            return fail(e, KS_PROTO_MALFORMED, "proto: negative length found during unmarshaling");
        if (len > r->n - r->i)
            return fail(e, KS_PROTO_MALFORMED, "unexpected EOF");
        f->off = r->i;
        f->len = (size_t)len;
        r->i += (size_t)len;
        return 0;
    default:
        return fail(e, KS_PROTO_MALFORMED, "proto: %s: illegal wireType %u for field %u", msg,
                    (unsigned)f->wt, (unsigned)f->no);
    }
}

/* ------------------------------------------------------------------ */
/* JSON values                                                         */

/* A JSON string from bytes: invalid UTF-8 and NUL become U+FFFD, as Go's
 * encoding/json replaces invalid bytes (cJSON strings cannot hold NUL). */
static cJSON *json_str(const uint8_t *s, size_t n)
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

static cJSON *json_base64(const uint8_t *s, size_t n)
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
static cJSON *json_time(int64_t secs, int32_t nanos, bool micro, struct perr *e)
{
    struct tm tm;
    time_t t = (time_t)secs;
    char buf[48];

    /* 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, as Go marshals. */
    if (secs < -62135596800LL || secs > 253402300799LL || nanos < 0 || nanos > 999999999 ||
        !gmtime_r(&t, &tm)) {
        fail(e, KS_PROTO_MALFORMED, "Time.MarshalJSON: year outside of range [0,9999]");
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

/* ------------------------------------------------------------------ */
/* Small fixed messages: IntOrString, Quantity, Time, Duration, maps   */

struct sub {
    const uint8_t *p;
    size_t n;
};

static int wt_check(const struct wfield *f, uint8_t want, const char *msg, const char *field,
                    struct perr *e)
{
    if (f->wt != want)
        return fail(e, KS_PROTO_MALFORMED, "proto: wrong wireType = %u for field %s.%s",
                    (unsigned)f->wt, msg, field);
    return 0;
}

static cJSON *dec_intorstr(struct sub s, bool keep, bool *skip, struct perr *e)
{
    struct rd r = {s.p, s.n, 0};
    struct wfield f;
    uint64_t type = 0, ival = 0;
    struct sub str = {NULL, 0};

    while (r.i < r.n) {
        if (next_field(&r, &f, "IntOrString", e))
            return NULL;
        if (f.no == 1 && wt_check(&f, WT_VARINT, "IntOrString", "type", e) == 0)
            type = f.v;
        else if (f.no == 2 && wt_check(&f, WT_VARINT, "IntOrString", "intVal", e) == 0)
            ival = f.v;
        else if (f.no == 3 && wt_check(&f, WT_LEN, "IntOrString", "strVal", e) == 0)
            str = (struct sub){s.p + f.off, f.len};
        if (e->rc)
            return NULL;
    }
    if (type == 1) {
        *skip = !keep && str.n == 0;
        return *skip ? NULL : json_str(str.p, str.n);
    }
    *skip = !keep && (int32_t)ival == 0;
    return *skip ? NULL : cJSON_CreateNumber((double)(int32_t)ival);
}

/* Quantity {1: string}; Time/MicroTime {1: seconds, 2: nanos};
 * Duration {1: nanoseconds}. */
static cJSON *dec_fixed(struct sub s, uint8_t kind, struct perr *e)
{
    struct rd r = {s.p, s.n, 0};
    struct wfield f;
    uint64_t a = 0, b = 0;
    struct sub str = {NULL, 0};
    bool have_str = false;

    while (r.i < r.n) {
        if (next_field(&r, &f, "Quantity", e))
            return NULL;
        if (kind == KS_PB_QUANTITY && f.no == 1) {
            if (wt_check(&f, WT_LEN, "Quantity", "string", e))
                return NULL;
            str = (struct sub){s.p + f.off, f.len};
            have_str = true;
        } else if (kind != KS_PB_QUANTITY && (f.no == 1 || f.no == 2)) {
            if (wt_check(&f, WT_VARINT, kind == KS_PB_DURATION ? "Duration" : "Time",
                         f.no == 1 ? "seconds" : "nanos", e))
                return NULL;
            if (f.no == 1)
                a = f.v;
            else
                b = f.v;
        }
    }
    switch (kind) {
    case KS_PB_QUANTITY:
        return have_str ? json_str(str.p, str.n) : cJSON_CreateString("0");
    case KS_PB_DURATION: {
        char buf[48];
        ks_proto_duration_string((int64_t)a, buf, sizeof(buf));
        return cJSON_CreateString(buf);
    }
    default:
        /* The zero time marshals as an empty message: JSON null. */
        if (s.n == 0)
            return cJSON_CreateNull();
        return json_time((int64_t)a, (int32_t)b, kind == KS_PB_MICROTIME, e);
    }
}

static int cmp_keys(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

/* Go marshals maps with sorted keys. */
static int sort_object(cJSON *obj, struct perr *e)
{
    size_t n = (size_t)cJSON_GetArraySize(obj), i = 0;
    cJSON **v;

    if (n < 2)
        return 0;
    v = malloc(n * sizeof(*v));
    if (!v)
        return nomem(e);
    while (obj->child)
        v[i++] = cJSON_DetachItemViaPointer(obj, obj->child);
    qsort(v, n, sizeof(*v), cmp_keys);
    for (i = 0; i < n; i++)
        cJSON_AddItemToArray(obj, v[i]); /* keeps each item's key */
    free(v);
    return 0;
}

/* One map entry {1: key, 2: value} into map (last key wins). */
static int dec_map_entry(struct sub s, uint8_t kind, cJSON *map, struct perr *e)
{
    struct rd r = {s.p, s.n, 0};
    struct wfield f;
    struct sub key = {(const uint8_t *)"", 0}, val = {(const uint8_t *)"", 0};
    cJSON *k, *v;

    while (r.i < r.n) {
        if (next_field(&r, &f, "map entry", e))
            return e->rc;
        if (f.no == 1 || f.no == 2) {
            if (wt_check(&f, WT_LEN, "map entry", f.no == 1 ? "key" : "value", e))
                return e->rc;
            if (f.no == 1)
                key = (struct sub){s.p + f.off, f.len};
            else
                val = (struct sub){s.p + f.off, f.len};
        }
    }
    k = json_str(key.p, key.n);
    if (!k)
        return nomem(e);
    if (kind == KS_PB_MAP_SS)
        v = json_str(val.p, val.n);
    else if (kind == KS_PB_MAP_SB)
        v = json_base64(val.p, val.n);
    else
        v = dec_fixed(val, KS_PB_QUANTITY, e);
    if (!v) {
        cJSON_Delete(k);
        return e->rc ? e->rc : nomem(e);
    }
    if (cJSON_GetObjectItemCaseSensitive(map, k->valuestring))
        cJSON_ReplaceItemInObjectCaseSensitive(map, k->valuestring, v);
    else
        cJSON_AddItemToObject(map, k->valuestring, v);
    cJSON_Delete(k);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */

static int dec_msg(struct sub s, const struct ks_pb_msg *m, cJSON *obj, int depth, struct perr *e);

static bool wt_ok(const struct ks_pb_field *fd, uint8_t wt)
{
    switch (fd->kind) {
    case KS_PB_INT32:
    case KS_PB_INT64:
    case KS_PB_BOOL:
        return wt == WT_VARINT || (wt == WT_LEN && (fd->flags & KS_PBF_REPEATED));
    default:
        return wt == WT_LEN;
    }
}

static cJSON *scalar_json(const struct ks_pb_field *fd, uint64_t v)
{
    if (fd->kind == KS_PB_BOOL)
        return cJSON_CreateBool(v != 0);
    if (fd->kind == KS_PB_INT32)
        return cJSON_CreateNumber((double)(int32_t)v);
    return cJSON_CreateNumber((double)(int64_t)v);
}

/* Adds the values of a repeated varint field (plain or packed). */
static int add_varints(const struct ks_pb_field *fd, const struct wfield *f, struct sub s,
                       cJSON *arr, struct perr *e)
{
    cJSON *j;

    if (f->wt == WT_VARINT) {
        if (!(j = scalar_json(fd, f->v)))
            return nomem(e);
        cJSON_AddItemToArray(arr, j);
        return 0;
    }
    struct rd r = {s.p + f->off, f->len, 0};
    while (r.i < r.n) {
        uint64_t v;
        if (read_varint(&r, &v, e))
            return e->rc;
        if (!(j = scalar_json(fd, v)))
            return nomem(e);
        cJSON_AddItemToArray(arr, j);
    }
    return 0;
}

/* The JSON value of one length-delimited occurrence; *skip when it is a
 * zero value to leave out. */
static cJSON *len_value(const struct ks_pb_field *fd, struct sub v, int depth, bool *skip,
                        struct perr *e)
{
    cJSON *j;

    *skip = false;
    switch (fd->kind) {
    case KS_PB_STRING:
        *skip = v.n == 0 && !(fd->flags & (KS_PBF_KEEP | KS_PBF_REPEATED));
        return *skip ? NULL : json_str(v.p, v.n);
    case KS_PB_BYTES:
        return json_base64(v.p, v.n);
    case KS_PB_INTORSTR:
        return dec_intorstr(v, (fd->flags & KS_PBF_KEEP) != 0, skip, e);
    case KS_PB_QUANTITY:
    case KS_PB_TIME:
    case KS_PB_MICROTIME:
    case KS_PB_DURATION:
        return dec_fixed(v, fd->kind, e);
    case KS_PB_MSG:
        j = cJSON_CreateObject();
        if (j && dec_msg(v, fd->msg, j, depth + 1, e)) {
            cJSON_Delete(j);
            return NULL;
        }
        return j;
    default:
        fail(e, KS_PROTO_MALFORMED, "proto: unsupported field kind");
        return NULL;
    }
}

/* Emits field fd from its occurrences occ[0..n) (wire order) into obj. */
static int emit_field(const struct ks_pb_field *fd, const struct wfield *occ, size_t n,
                      struct sub s, cJSON *obj, int depth, struct perr *e)
{
    bool rep = (fd->flags & KS_PBF_REPEATED) != 0;
    cJSON *j = NULL;
    bool skip = false;

    if (fd->kind == KS_PB_INLINE) {
        for (size_t i = 0; i < n; i++)
            if (dec_msg((struct sub){s.p + occ[i].off, occ[i].len}, fd->msg, obj, depth + 1, e))
                return e->rc;
        return 0;
    }
    if (fd->kind == KS_PB_MAP_SS || fd->kind == KS_PB_MAP_SB || fd->kind == KS_PB_MAP_SQ) {
        if (!(j = cJSON_CreateObject()))
            return nomem(e);
        for (size_t i = 0; i < n; i++)
            if (dec_map_entry((struct sub){s.p + occ[i].off, occ[i].len}, fd->kind, j, e))
                goto bad;
        if (sort_object(j, e))
            goto bad;
    } else if (rep) {
        if (!(j = cJSON_CreateArray()))
            return nomem(e);
        for (size_t i = 0; i < n; i++) {
            if (fd->kind == KS_PB_INT32 || fd->kind == KS_PB_INT64 || fd->kind == KS_PB_BOOL) {
                if (add_varints(fd, &occ[i], s, j, e))
                    goto bad;
                continue;
            }
            cJSON *v = len_value(fd, (struct sub){s.p + occ[i].off, occ[i].len}, depth, &skip, e);
            if (!v)
                goto bad;
            cJSON_AddItemToArray(j, v);
        }
    } else if (fd->kind == KS_PB_INT32 || fd->kind == KS_PB_INT64 || fd->kind == KS_PB_BOOL) {
        uint64_t v = occ[n - 1].v;
        bool zero = fd->kind == KS_PB_INT32 ? (int32_t)v == 0 : v == 0;
        if (zero && !(fd->flags & KS_PBF_KEEP))
            return 0;
        if (!(j = scalar_json(fd, v)))
            return nomem(e);
    } else if (fd->kind == KS_PB_MSG) {
        /* Occurrences of a message merge into one object. */
        if (!(j = cJSON_CreateObject()))
            return nomem(e);
        for (size_t i = 0; i < n; i++)
            if (dec_msg((struct sub){s.p + occ[i].off, occ[i].len}, fd->msg, j, depth + 1, e))
                goto bad;
    } else {
        j = len_value(fd, (struct sub){s.p + occ[n - 1].off, occ[n - 1].len}, depth, &skip, e);
        if (skip)
            return 0;
        if (!j)
            return e->rc ? e->rc : nomem(e);
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, fd->json))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, fd->json, j);
    else
        cJSON_AddItemToObject(obj, fd->json, j);
    return 0;
bad:
    cJSON_Delete(j);
    return e->rc ? e->rc : nomem(e);
}

static int dec_msg(struct sub s, const struct ks_pb_msg *m, cJSON *obj, int depth, struct perr *e)
{
    struct rd r = {s.p, s.n, 0};
    struct wfield f, *occ = NULL;
    size_t nocc = 0, cap = 0, count[MAX_FIELDS + 1] = {0};
    int rc = 0;

    if (depth > MAX_DEPTH)
        return fail(e, KS_PROTO_MALFORMED, "proto: %s: nesting too deep", m->name);
    if (m->n > MAX_FIELDS)
        return fail(e, KS_PROTO_MALFORMED, "proto: %s: descriptor too large", m->name);
    /* Pass 1: validate, keep the occurrences of known fields. */
    while (r.i < r.n) {
        size_t k;
        if (next_field(&r, &f, m->name, e))
            goto out;
        for (k = 0; k < m->n && m->f[k].no != f.no; k++)
            ;
        if (k == m->n)
            continue; /* unknown field: skipped */
        if (!wt_ok(&m->f[k], f.wt)) {
            fail(e, KS_PROTO_MALFORMED, "proto: wrong wireType = %u for field %s.%s",
                 (unsigned)f.wt, m->name, m->f[k].json[0] ? m->f[k].json : m->f[k].msg->name);
            goto out;
        }
        if (nocc == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct wfield *t = realloc(occ, ncap * sizeof(*occ));
            if (!t) {
                nomem(e);
                goto out;
            }
            occ = t;
            cap = ncap;
        }
        f.no = (uint32_t)k; /* from here on: the descriptor index */
        occ[nocc++] = f;
        count[k]++;
    }
    /* Pass 2: group by field (stable), emit in descriptor order. */
    if (nocc) {
        struct wfield *sorted = malloc(nocc * sizeof(*sorted));
        size_t start[MAX_FIELDS + 1], pos = 0;
        if (!sorted) {
            nomem(e);
            goto out;
        }
        for (size_t k = 0; k < m->n; k++) {
            start[k] = pos;
            pos += count[k];
        }
        for (size_t i = 0; i < nocc; i++)
            sorted[start[occ[i].no]++] = occ[i];
        pos = 0;
        for (size_t k = 0; k < m->n && !e->rc; k++) {
            if (count[k])
                emit_field(&m->f[k], sorted + pos, count[k], s, obj, depth, e);
            pos += count[k];
        }
        free(sorted);
    }
out:
    rc = e->rc;
    free(occ);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The envelope                                                        */

static int sub_string(struct sub s, char **out, struct perr *e)
{
    cJSON *j = json_str(s.p, s.n);

    if (!j)
        return nomem(e);
    *out = j->valuestring;
    j->valuestring = NULL;
    cJSON_Delete(j);
    return 0;
}

int ks_proto_decode_rc(const char *body, size_t len, cJSON **out, char *err, size_t errlen)
{
    static const uint8_t magic[4] = {'k', '8', 's', 0};
    struct perr e = {KS_PROTO_OK, err, errlen};
    struct rd r;
    struct wfield f;
    struct sub api = {NULL, 0}, kind = {NULL, 0}, raw = {(const uint8_t *)"", 0};
    struct sub enc = {NULL, 0}, ctype = {NULL, 0};
    char *api_s = NULL, *kind_s = NULL;
    const struct ks_pb_msg *m;
    cJSON *obj = NULL;

    if (err && errlen)
        err[0] = '\0';
    *out = NULL;
    if (!body || len < 4 || memcmp(body, magic, 4) != 0)
        return fail(&e, KS_PROTO_MALFORMED,
                    "provided data does not appear to be a protobuf message, expected prefix "
                    "[107 56 115 0]");
    r = (struct rd){(const uint8_t *)body + 4, len - 4, 0};
    while (r.i < r.n) {
        if (next_field(&r, &f, "Unknown", &e))
            return e.rc;
        struct sub v = {r.p + f.off, f.len};
        if (f.no >= 1 && f.no <= 4 && wt_check(&f, WT_LEN, "Unknown", "field", &e))
            return e.rc;
        if (f.no == 1) {
            struct rd t = {v.p, v.n, 0};
            struct wfield g;
            while (t.i < t.n) {
                if (next_field(&t, &g, "TypeMeta", &e))
                    return e.rc;
                if ((g.no == 1 || g.no == 2) && wt_check(&g, WT_LEN, "TypeMeta", "field", &e))
                    return e.rc;
                if (g.no == 1)
                    api = (struct sub){v.p + g.off, g.len};
                else if (g.no == 2)
                    kind = (struct sub){v.p + g.off, g.len};
            }
        } else if (f.no == 2) {
            raw = v;
        } else if (f.no == 3) {
            enc = v;
        } else if (f.no == 4) {
            ctype = v;
        }
    }
    if (enc.n)
        return fail(&e, KS_PROTO_MALFORMED, "unsupported protobuf content encoding %.*s",
                    (int)(enc.n > 64 ? 64 : enc.n), (const char *)enc.p);
    if (ctype.n && !(ctype.n == strlen(KS_PROTO_CONTENT_TYPE) &&
                     memcmp(ctype.p, KS_PROTO_CONTENT_TYPE, ctype.n) == 0))
        return fail(&e, KS_PROTO_MALFORMED, "unsupported content type in protobuf envelope");
    if (kind.n == 0)
        return fail(&e, KS_PROTO_MALFORMED, "Object 'Kind' is missing in protobuf body");
    if (sub_string(api.p ? api : (struct sub){(const uint8_t *)"", 0}, &api_s, &e) ||
        sub_string(kind, &kind_s, &e))
        goto done;
    m = ks_pb_find_kind(api_s, kind_s);
    if (!m) {
        fail(&e, KS_PROTO_UNKNOWN_KIND, "no protobuf decoding for kind \"%.100s\" in \"%.100s\"",
             kind_s, api_s);
        goto done;
    }
    obj = cJSON_CreateObject();
    if (!obj || !cJSON_AddStringToObject(obj, "kind", kind_s) ||
        !cJSON_AddStringToObject(obj, "apiVersion", api_s)) {
        nomem(&e);
        goto done;
    }
    if (dec_msg(raw, m, obj, 0, &e) == 0) {
        *out = obj;
        obj = NULL;
    }
done:
    cJSON_Delete(obj);
    free(api_s);
    free(kind_s);
    return e.rc;
}

cJSON *ks_proto_decode(const char *body, size_t len, char *err, size_t errlen)
{
    cJSON *out = NULL;

    ks_proto_decode_rc(body, len, &out, err, errlen);
    return out;
}

cJSON *ks_proto_request_object(const ks_rtype *rt, const ks_req *req, ks_resp *resp)
{
    static const char unknown_fmt[] =
        "the body of the request was in an unknown format - accepted media types include: %s";
    char err[512], msg[700];
    cJSON *obj = NULL;
    int rc;

    if (rt && rt->origin != KS_RT_BUILTIN) {
        /* Custom resources have no protobuf form. */
        snprintf(msg, sizeof(msg), unknown_fmt, "application/json, application/yaml");
        ks_status_fail(resp, 415, "UnsupportedMediaType", msg, NULL);
        return NULL;
    }
    rc = ks_proto_decode_rc(req->body, req->body_len, &obj, err, sizeof(err));
    switch (rc) {
    case KS_PROTO_OK:
        return obj;
    case KS_PROTO_UNKNOWN_KIND:
        snprintf(msg, sizeof(msg), unknown_fmt,
                 "application/json, application/yaml, " KS_PROTO_CONTENT_TYPE);
        ks_status_fail(resp, 415, "UnsupportedMediaType", msg, NULL);
        return NULL;
    case KS_PROTO_NOMEM:
        ks_status_fail(resp, 500, "InternalError", err, NULL);
        return NULL;
    default:
        ks_status_fail(resp, 400, "BadRequest", err, NULL);
        return NULL;
    }
}
