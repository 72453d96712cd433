/*
 * kubesim: Kubernetes protobuf request bodies -> JSON (see proto.h).
 *
 * Each message is read in one pass that validates the wire format and
 * records the occurrences of the fields its descriptor knows (unknown
 * numbers are skipped); the JSON object is then built in the
 * descriptor's order, which is the Go struct's and so the JSON key order.
 * Repeated fields keep the wire order; a non-repeated scalar takes its
 * last occurrence; occurrences of a non-repeated message merge. The wire
 * format and the JSON form of scalars are in proto_wire.c.
 */
#include "proto_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 40
#define MAX_FIELDS 64 /* fields per descriptor (asserted at run time) */

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
/* Small fixed messages: IntOrString, Quantity, Time, Duration, maps   */

struct sub {
    const uint8_t *p;
    size_t n;
};

static int wt_check(const struct ks_pb_wfield *f, uint8_t want, const char *msg, const char *field,
                    struct ks_pb_err *e)
{
    if (f->wt != want)
        return ks_pb_fail(e, KS_PROTO_MALFORMED, "proto: wrong wireType = %u for field %s.%s",
                          (unsigned)f->wt, msg, field);
    return 0;
}

static cJSON *dec_intorstr(struct sub s, bool keep, bool *skip, struct ks_pb_err *e)
{
    struct ks_pb_rd r = {s.p, s.n, 0};
    struct ks_pb_wfield f;
    uint64_t type = 0, ival = 0;
    struct sub str = {NULL, 0};

    while (r.i < r.n) {
        if (ks_pb_next_field(&r, &f, "IntOrString", e))
            return NULL;
        if (f.no == 1 && wt_check(&f, KS_PB_WT_VARINT, "IntOrString", "type", e) == 0)
            type = f.v;
        else if (f.no == 2 && wt_check(&f, KS_PB_WT_VARINT, "IntOrString", "intVal", e) == 0)
            ival = f.v;
        else if (f.no == 3 && wt_check(&f, KS_PB_WT_LEN, "IntOrString", "strVal", e) == 0)
            str = (struct sub){s.p + f.off, f.len};
        if (e->rc)
            return NULL;
    }
    if (type == 1) {
        *skip = !keep && str.n == 0;
        return *skip ? NULL : ks_pb_json_str(str.p, str.n);
    }
    *skip = !keep && (int32_t)ival == 0;
    return *skip ? NULL : cJSON_CreateNumber((double)(int32_t)ival);
}

/* Quantity {1: string}; Time/MicroTime {1: seconds, 2: nanos};
 * Duration {1: nanoseconds}. */
static cJSON *dec_fixed(struct sub s, uint8_t kind, struct ks_pb_err *e)
{
    struct ks_pb_rd r = {s.p, s.n, 0};
    struct ks_pb_wfield f;
    uint64_t a = 0, b = 0;
    struct sub str = {NULL, 0};
    bool have_str = false;

    while (r.i < r.n) {
        if (ks_pb_next_field(&r, &f, "Quantity", e))
            return NULL;
        if (kind == KS_PB_QUANTITY && f.no == 1) {
            if (wt_check(&f, KS_PB_WT_LEN, "Quantity", "string", e))
                return NULL;
            str = (struct sub){s.p + f.off, f.len};
            have_str = true;
        } else if (kind != KS_PB_QUANTITY && (f.no == 1 || f.no == 2)) {
            if (wt_check(&f, KS_PB_WT_VARINT, kind == KS_PB_DURATION ? "Duration" : "Time",
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
        return have_str ? ks_pb_json_str(str.p, str.n) : cJSON_CreateString("0");
    case KS_PB_DURATION: {
        char buf[48];
        ks_proto_duration_string((int64_t)a, buf, sizeof(buf));
        return cJSON_CreateString(buf);
    }
    default:
        /* The zero time marshals as an empty message: JSON null. */
        if (s.n == 0)
            return cJSON_CreateNull();
        return ks_pb_json_time((int64_t)a, (int32_t)b, kind == KS_PB_MICROTIME, e);
    }
}

static int cmp_keys(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

/* Go marshals maps with sorted keys. */
static int sort_object(cJSON *obj, struct ks_pb_err *e)
{
    size_t n = (size_t)cJSON_GetArraySize(obj), i = 0;
    cJSON **v;

    if (n < 2)
        return 0;
    v = malloc(n * sizeof(*v));
    if (!v)
        return ks_pb_nomem(e);
    while (obj->child)
        v[i++] = cJSON_DetachItemViaPointer(obj, obj->child);
    qsort(v, n, sizeof(*v), cmp_keys);
    for (i = 0; i < n; i++)
        cJSON_AddItemToArray(obj, v[i]); /* keeps each item's key */
    free(v);
    return 0;
}

/* One map entry {1: key, 2: value} into map (last key wins). */
static int dec_map_entry(struct sub s, uint8_t kind, cJSON *map, struct ks_pb_err *e)
{
    struct ks_pb_rd r = {s.p, s.n, 0};
    struct ks_pb_wfield f;
    struct sub key = {(const uint8_t *)"", 0}, val = {(const uint8_t *)"", 0};
    cJSON *k, *v;

    while (r.i < r.n) {
        if (ks_pb_next_field(&r, &f, "map entry", e))
            return e->rc;
        if (f.no == 1 || f.no == 2) {
            if (wt_check(&f, KS_PB_WT_LEN, "map entry", f.no == 1 ? "key" : "value", e))
                return e->rc;
            if (f.no == 1)
                key = (struct sub){s.p + f.off, f.len};
            else
                val = (struct sub){s.p + f.off, f.len};
        }
    }
    k = ks_pb_json_str(key.p, key.n);
    if (!k)
        return ks_pb_nomem(e);
    if (kind == KS_PB_MAP_SS)
        v = ks_pb_json_str(val.p, val.n);
    else if (kind == KS_PB_MAP_SB)
        v = ks_pb_json_base64(val.p, val.n);
    else
        v = dec_fixed(val, KS_PB_QUANTITY, e);
    if (!v) {
        cJSON_Delete(k);
        return e->rc ? e->rc : ks_pb_nomem(e);
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

static int dec_msg(struct sub s, const struct ks_pb_msg *m, cJSON *obj, int depth,
                   struct ks_pb_err *e);

static bool wt_ok(const struct ks_pb_field *fd, uint8_t wt)
{
    switch (fd->kind) {
    case KS_PB_INT32:
    case KS_PB_INT64:
    case KS_PB_BOOL:
        return wt == KS_PB_WT_VARINT || (wt == KS_PB_WT_LEN && (fd->flags & KS_PBF_REPEATED));
    default:
        return wt == KS_PB_WT_LEN;
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
static int add_varints(const struct ks_pb_field *fd, const struct ks_pb_wfield *f, struct sub s,
                       cJSON *arr, struct ks_pb_err *e)
{
    cJSON *j;

    if (f->wt == KS_PB_WT_VARINT) {
        if (!(j = scalar_json(fd, f->v)))
            return ks_pb_nomem(e);
        cJSON_AddItemToArray(arr, j);
        return 0;
    }
    struct ks_pb_rd r = {s.p + f->off, f->len, 0};
    while (r.i < r.n) {
        uint64_t v;
        if (ks_pb_read_varint(&r, &v, e))
            return e->rc;
        if (!(j = scalar_json(fd, v)))
            return ks_pb_nomem(e);
        cJSON_AddItemToArray(arr, j);
    }
    return 0;
}

/* The JSON value of one length-delimited occurrence; *skip when it is a
 * zero value to leave out. */
static cJSON *len_value(const struct ks_pb_field *fd, struct sub v, int depth, bool *skip,
                        struct ks_pb_err *e)
{
    cJSON *j;

    *skip = false;
    switch (fd->kind) {
    case KS_PB_STRING:
        *skip = v.n == 0 && !(fd->flags & (KS_PBF_KEEP | KS_PBF_REPEATED));
        return *skip ? NULL : ks_pb_json_str(v.p, v.n);
    case KS_PB_BYTES:
        return ks_pb_json_base64(v.p, v.n);
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
        ks_pb_fail(e, KS_PROTO_MALFORMED, "proto: unsupported field kind");
        return NULL;
    }
}

/* Emits field fd from its occurrences occ[0..n) (wire order) into obj. */
static int emit_field(const struct ks_pb_field *fd, const struct ks_pb_wfield *occ, size_t n,
                      struct sub s, cJSON *obj, int depth, struct ks_pb_err *e)
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
            return ks_pb_nomem(e);
        for (size_t i = 0; i < n; i++)
            if (dec_map_entry((struct sub){s.p + occ[i].off, occ[i].len}, fd->kind, j, e))
                goto bad;
        if (sort_object(j, e))
            goto bad;
    } else if (rep) {
        if (!(j = cJSON_CreateArray()))
            return ks_pb_nomem(e);
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
            return ks_pb_nomem(e);
    } else if (fd->kind == KS_PB_MSG) {
        /* Occurrences of a message merge into one object. */
        if (!(j = cJSON_CreateObject()))
            return ks_pb_nomem(e);
        for (size_t i = 0; i < n; i++)
            if (dec_msg((struct sub){s.p + occ[i].off, occ[i].len}, fd->msg, j, depth + 1, e))
                goto bad;
    } else {
        j = len_value(fd, (struct sub){s.p + occ[n - 1].off, occ[n - 1].len}, depth, &skip, e);
        if (skip)
            return 0;
        if (!j)
            return e->rc ? e->rc : ks_pb_nomem(e);
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, fd->json))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, fd->json, j);
    else
        cJSON_AddItemToObject(obj, fd->json, j);
    return 0;
bad:
    cJSON_Delete(j);
    return e->rc ? e->rc : ks_pb_nomem(e);
}

static int dec_msg(struct sub s, const struct ks_pb_msg *m, cJSON *obj, int depth,
                   struct ks_pb_err *e)
{
    struct ks_pb_rd r = {s.p, s.n, 0};
    struct ks_pb_wfield f, *occ = NULL;
    size_t nocc = 0, cap = 0, count[MAX_FIELDS + 1] = {0};
    int rc = 0;

    if (depth > MAX_DEPTH)
        return ks_pb_fail(e, KS_PROTO_MALFORMED, "proto: %s: nesting too deep", m->name);
    if (m->n > MAX_FIELDS)
        return ks_pb_fail(e, KS_PROTO_MALFORMED, "proto: %s: descriptor too large", m->name);
    /* Pass 1: validate, keep the occurrences of known fields. */
    while (r.i < r.n) {
        size_t k;
        if (ks_pb_next_field(&r, &f, m->name, e))
            goto out;
        for (k = 0; k < m->n && m->f[k].no != f.no; k++)
            ;
        if (k == m->n)
            continue; /* unknown field: skipped */
        if (!wt_ok(&m->f[k], f.wt)) {
            ks_pb_fail(e, KS_PROTO_MALFORMED, "proto: wrong wireType = %u for field %s.%s",
                       (unsigned)f.wt, m->name, m->f[k].json[0] ? m->f[k].json : m->f[k].msg->name);
            goto out;
        }
        if (nocc == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct ks_pb_wfield *t = realloc(occ, ncap * sizeof(*occ));
            if (!t) {
                ks_pb_nomem(e);
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
        struct ks_pb_wfield *sorted = malloc(nocc * sizeof(*sorted));
        size_t start[MAX_FIELDS + 1], pos = 0;
        if (!sorted) {
            ks_pb_nomem(e);
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

static int sub_string(struct sub s, char **out, struct ks_pb_err *e)
{
    cJSON *j = ks_pb_json_str(s.p, s.n);

    if (!j)
        return ks_pb_nomem(e);
    *out = j->valuestring;
    j->valuestring = NULL;
    cJSON_Delete(j);
    return 0;
}

int ks_proto_decode_rc(const char *body, size_t len, cJSON **out, char *err, size_t errlen)
{
    static const uint8_t magic[4] = {'k', '8', 's', 0};
    struct ks_pb_err e = {KS_PROTO_OK, err, errlen};
    struct ks_pb_rd r;
    struct ks_pb_wfield f;
    struct sub api = {NULL, 0}, kind = {NULL, 0}, raw = {(const uint8_t *)"", 0};
    struct sub enc = {NULL, 0}, ctype = {NULL, 0};
    char *api_s = NULL, *kind_s = NULL;
    const struct ks_pb_msg *m;
    cJSON *obj = NULL;

    if (err && errlen)
        err[0] = '\0';
    *out = NULL;
    if (!body || len < 4 || memcmp(body, magic, 4) != 0)
        return ks_pb_fail(&e, KS_PROTO_MALFORMED,
                          "provided data does not appear to be a protobuf message, expected prefix "
                          "[107 56 115 0]");
    r = (struct ks_pb_rd){(const uint8_t *)body + 4, len - 4, 0};
    while (r.i < r.n) {
        if (ks_pb_next_field(&r, &f, "Unknown", &e))
            return e.rc;
        struct sub v = {r.p + f.off, f.len};
        if (f.no >= 1 && f.no <= 4 && wt_check(&f, KS_PB_WT_LEN, "Unknown", "field", &e))
            return e.rc;
        if (f.no == 1) {
            struct ks_pb_rd t = {v.p, v.n, 0};
            struct ks_pb_wfield g;
            while (t.i < t.n) {
                if (ks_pb_next_field(&t, &g, "TypeMeta", &e))
                    return e.rc;
                if ((g.no == 1 || g.no == 2) && wt_check(&g, KS_PB_WT_LEN, "TypeMeta", "field", &e))
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
        return ks_pb_fail(&e, KS_PROTO_MALFORMED, "unsupported protobuf content encoding %.*s",
                          (int)(enc.n > 64 ? 64 : enc.n), (const char *)enc.p);
    if (ctype.n && !(ctype.n == strlen(KS_PROTO_CONTENT_TYPE) &&
                     memcmp(ctype.p, KS_PROTO_CONTENT_TYPE, ctype.n) == 0))
        return ks_pb_fail(&e, KS_PROTO_MALFORMED, "unsupported content type in protobuf envelope");
    if (kind.n == 0)
        return ks_pb_fail(&e, KS_PROTO_MALFORMED, "Object 'Kind' is missing in protobuf body");
    if (sub_string(api.p ? api : (struct sub){(const uint8_t *)"", 0}, &api_s, &e) ||
        sub_string(kind, &kind_s, &e))
        goto done;
    m = ks_pb_find_kind(api_s, kind_s);
    if (!m) {
        ks_pb_fail(&e, KS_PROTO_UNKNOWN_KIND,
                   "no protobuf decoding for kind \"%.100s\" in \"%.100s\"", kind_s, api_s);
        goto done;
    }
    obj = cJSON_CreateObject();
    if (!obj || !cJSON_AddStringToObject(obj, "kind", kind_s) ||
        !cJSON_AddStringToObject(obj, "apiVersion", api_s)) {
        ks_pb_nomem(&e);
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
