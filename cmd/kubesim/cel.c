/*
 * cel.c -- CEL values: JSON-backed lists and maps typed by their OpenAPI
 * schema, equality, text rendering, and the public evaluation entry
 * points (the RE2-to-POSIX regex translation is in cel_regex.c).
 */
#include "cel.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/base/rfc3339.h"

#define MEM_LIMIT (16u << 20)

bool ks_cel_mem_ok(struct ks_cel_ctx *c)
{
    if (c->a->used > MEM_LIMIT) {
        c->aborted = true;
        c->abort_msg = "operation cancelled: memory limit exceeded";
        return false;
    }
    return true;
}

struct ks_cel_val ks_cel_error(struct ks_cel_ctx *c, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    struct ks_cel_val v = {.k = CV_ERR};

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    v.s.p = ebb_arena_strdup(c->a, buf);
    if (!v.s.p)
        v.s.p = "out of memory";
    v.s.n = strlen(v.s.p);
    return v;
}

struct ks_cel_val ks_cel_str(struct ks_cel_ctx *c, const char *p, size_t n)
{
    struct ks_cel_val v = {.k = CV_STRING};
    char *s = ebb_arena_strndup(c->a, p, n);

    if (!s)
        return ks_cel_error(c, "out of memory");
    v.s.p = s;
    v.s.n = n;
    return v;
}

const char *ks_cel_type_name(enum ks_cel_kind k)
{
    switch (k) {
    case CV_ERR:
        return "error";
    case CV_NULL:
        return "null_type";
    case CV_BOOL:
        return "bool";
    case CV_INT:
        return "int";
    case CV_UINT:
        return "uint";
    case CV_DOUBLE:
        return "double";
    case CV_STRING:
        return "string";
    case CV_BYTES:
        return "bytes";
    case CV_LIST:
        return "list";
    case CV_MAP:
        return "map";
    case CV_DURATION:
        return "google.protobuf.Duration";
    case CV_TIMESTAMP:
        return "google.protobuf.Timestamp";
    case CV_QUANTITY:
        return "kubernetes.Quantity";
    case CV_TYPE:
        return "type";
    }
    return "unknown";
}

bool ks_cel_is_type_name(const char *name)
{
    static const char *const names[] = {"int",  "uint", "double", "string",    "bytes",
                                        "bool", "list", "map",    "null_type", "type"};
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* ---- JSON-backed values --------------------------------------------- */

static const char *schema_str(const cJSON *schema, const char *key)
{
    const cJSON *v = schema ? cJSON_GetObjectItemCaseSensitive(schema, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *child_schema(const cJSON *schema, const char *key)
{
    const cJSON *props, *p, *ap;

    if (!schema)
        return NULL;
    props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    p = key ? cJSON_GetObjectItemCaseSensitive(props, key) : NULL;
    if (p)
        return p;
    ap = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    return cJSON_IsObject(ap) ? ap : NULL;
}

struct ks_cel_val ks_cel_from_json(struct ks_cel_ctx *c, const cJSON *j, const cJSON *schema)
{
    struct ks_cel_val v = {.k = CV_NULL};
    const char *type = schema_str(schema, "type");
    const char *format = schema_str(schema, "format");

    if (!j)
        return ks_cel_error(c, "no such value");
    if (cJSON_IsNull(j))
        return v;
    if (cJSON_IsBool(j)) {
        v.k = CV_BOOL;
        v.b = cJSON_IsTrue(j);
        return v;
    }
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        bool integral = d == floor(d) && fabs(d) < 9.2e18;
        if ((type && strcmp(type, "number") == 0) || !integral) {
            v.k = CV_DOUBLE;
            v.d = d;
        } else {
            v.k = CV_INT;
            v.i = (int64_t)d;
        }
        return v;
    }
    if (cJSON_IsString(j)) {
        const char *s = j->valuestring;
        if (format && (strcmp(format, "date-time") == 0 || strcmp(format, "date") == 0)) {
            int64_t ms;
            char buf[40];
            if (strcmp(format, "date") == 0 && strlen(s) == 10) {
                snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
                s = buf;
            }
            if (ebb_rfc3339_parse(s, &ms) != EBB_OK || ms > INT64_MAX / 1000000 ||
                ms < INT64_MIN / 1000000)
                return ks_cel_error(c, "invalid timestamp \"%s\"", j->valuestring);
            v.k = CV_TIMESTAMP;
            v.i = ms * 1000000;
            return v;
        }
        if (format && strcmp(format, "duration") == 0) {
            if (!ks_cel_parse_duration(s, strlen(s), &v.i))
                return ks_cel_error(c, "invalid duration \"%s\"", s);
            v.k = CV_DURATION;
            return v;
        }
        v.k = format && strcmp(format, "byte") == 0 ? CV_BYTES : CV_STRING;
        v.s.p = s;
        v.s.n = strlen(s);
        return v;
    }
    if (cJSON_IsArray(j)) {
        struct ks_cel_list *l = ebb_arena_alloc(c->a, sizeof(*l));
        if (!l)
            return ks_cel_error(c, "out of memory");
        l->json = j;
        l->schema = schema;
        l->n = (size_t)cJSON_GetArraySize(j);
        v.k = CV_LIST;
        v.l = l;
        return v;
    }
    if (cJSON_IsObject(j)) {
        struct ks_cel_map *m = ebb_arena_alloc(c->a, sizeof(*m));
        if (!m)
            return ks_cel_error(c, "out of memory");
        m->json = j;
        m->schema = schema;
        m->n = (size_t)cJSON_GetArraySize(j);
        v.k = CV_MAP;
        v.m = m;
        return v;
    }
    return ks_cel_error(c, "unsupported JSON value");
}

size_t ks_cel_list_len(const struct ks_cel_list *l)
{
    return l->n;
}

struct ks_cel_val ks_cel_list_at(struct ks_cel_ctx *c, const struct ks_cel_list *l, size_t i)
{
    if (i >= l->n)
        return ks_cel_error(c, "index out of bounds: %zu", i);
    if (l->json) {
        const cJSON *items =
            l->schema ? cJSON_GetObjectItemCaseSensitive(l->schema, "items") : NULL;
        return ks_cel_from_json(c, cJSON_GetArrayItem(l->json, (int)i),
                                cJSON_IsObject(items) ? items : NULL);
    }
    return l->v[i];
}

size_t ks_cel_map_len(const struct ks_cel_map *m)
{
    return m->n;
}

struct ks_cel_val ks_cel_map_key_at(struct ks_cel_ctx *c, const struct ks_cel_map *m, size_t i)
{
    if (i >= m->n)
        return ks_cel_error(c, "index out of bounds: %zu", i);
    if (m->json) {
        const cJSON *it = cJSON_GetArrayItem(m->json, (int)i);
        struct ks_cel_val v = {.k = CV_STRING};
        v.s.p = it && it->string ? it->string : "";
        v.s.n = strlen(v.s.p);
        return v;
    }
    return m->keys[i];
}

struct ks_cel_val ks_cel_map_get(struct ks_cel_ctx *c, const struct ks_cel_map *m,
                                 struct ks_cel_val key, bool *found)
{
    struct ks_cel_val none = {.k = CV_NULL};

    *found = false;
    if (m->json) {
        if (key.k != CV_STRING || memchr(key.s.p, '\0', key.s.n))
            return none;
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(m->json, key.s.p);
        if (!it)
            return none;
        *found = true;
        return ks_cel_from_json(c, it, child_schema(m->schema, key.s.p));
    }
    for (size_t i = 0; i < m->n; i++) {
        if (ks_cel_equal(c, m->keys[i], key) == 1) {
            *found = true;
            return m->vals[i];
        }
    }
    return none;
}

static bool is_num(enum ks_cel_kind k)
{
    return k == CV_INT || k == CV_UINT || k == CV_DOUBLE;
}

static double as_double(struct ks_cel_val v)
{
    return v.k == CV_INT ? (double)v.i : v.k == CV_UINT ? (double)v.u : v.d;
}

int ks_cel_equal(struct ks_cel_ctx *c, struct ks_cel_val a, struct ks_cel_val b)
{
    if (c->aborted)
        return -1;
    if (++c->steps > c->limit) {
        c->aborted = true;
        c->abort_msg = "operation cancelled: actual cost limit exceeded";
        return -1;
    }
    if (a.k == CV_ERR || b.k == CV_ERR)
        return -1;
    if (is_num(a.k) && is_num(b.k)) {
        if (a.k == CV_INT && b.k == CV_INT)
            return a.i == b.i;
        if (a.k == CV_UINT && b.k == CV_UINT)
            return a.u == b.u;
        if (a.k == CV_INT && b.k == CV_UINT)
            return a.i >= 0 && (uint64_t)a.i == b.u;
        if (a.k == CV_UINT && b.k == CV_INT)
            return b.i >= 0 && (uint64_t)b.i == a.u;
        return as_double(a) == as_double(b);
    }
    if (a.k != b.k)
        return 0;
    switch (a.k) {
    case CV_NULL:
        return 1;
    case CV_BOOL:
        return a.b == b.b;
    case CV_STRING:
    case CV_BYTES:
    case CV_TYPE:
        return a.s.n == b.s.n && memcmp(a.s.p, b.s.p, a.s.n) == 0;
    case CV_DURATION:
    case CV_TIMESTAMP:
    case CV_QUANTITY:
        return a.i == b.i;
    case CV_LIST: {
        size_t n = ks_cel_list_len(a.l);
        if (n != ks_cel_list_len(b.l))
            return 0;
        for (size_t i = 0; i < n; i++) {
            int r = ks_cel_equal(c, ks_cel_list_at(c, a.l, i), ks_cel_list_at(c, b.l, i));
            if (r != 1)
                return r;
        }
        return 1;
    }
    case CV_MAP: {
        size_t n = ks_cel_map_len(a.m);
        if (n != ks_cel_map_len(b.m))
            return 0;
        for (size_t i = 0; i < n; i++) {
            bool found = false;
            struct ks_cel_val k = ks_cel_map_key_at(c, a.m, i);
            struct ks_cel_val bv = ks_cel_map_get(c, b.m, k, &found);
            if (!found)
                return 0;
            bool af = false;
            struct ks_cel_val av = ks_cel_map_get(c, a.m, k, &af);
            int r = ks_cel_equal(c, av, bv);
            if (r != 1)
                return r;
        }
        return 1;
    }
    default:
        return 0;
    }
}

/* ---- rendering ------------------------------------------------------ */

struct out {
    char *p;
    size_t n, cap;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void outf(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int w;

    if (o->n + 1 >= o->cap)
        return;
    va_start(ap, fmt);
    w = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
    va_end(ap);
    if (w > 0)
        o->n = o->n + (size_t)w < o->cap ? o->n + (size_t)w : o->cap - 1;
}

static void repr(struct ks_cel_ctx *c, struct ks_cel_val v, struct out *o, int depth)
{
    char buf[48];

    if (depth > 32) {
        outf(o, "...");
        return;
    }
    switch (v.k) {
    case CV_ERR:
        outf(o, "error: %.*s", (int)v.s.n, v.s.p);
        break;
    case CV_NULL:
        outf(o, "null");
        break;
    case CV_BOOL:
        outf(o, "%s", v.b ? "true" : "false");
        break;
    case CV_INT:
        outf(o, "%" PRId64, v.i);
        break;
    case CV_UINT:
        outf(o, "%" PRIu64 "u", v.u);
        break;
    case CV_DOUBLE:
        outf(o, "%.17g", v.d);
        break;
    case CV_STRING:
        outf(o, "\"%.*s\"", (int)v.s.n, v.s.p);
        break;
    case CV_BYTES:
        outf(o, "b\"%.*s\"", (int)v.s.n, v.s.p);
        break;
    case CV_TYPE:
        outf(o, "%.*s", (int)v.s.n, v.s.p);
        break;
    case CV_DURATION:
        ks_cel_format_duration(v.i, buf, sizeof(buf));
        outf(o, "duration(\"%s\")", buf);
        break;
    case CV_TIMESTAMP: {
        int64_t ms = v.i / 1000000 - (v.i % 1000000 < 0);
        ebb_rfc3339_format(ms, buf, sizeof(buf));
        outf(o, "timestamp(\"%s\")", buf);
        break;
    }
    case CV_QUANTITY:
        outf(o, "quantity(%" PRId64 "m)", v.i);
        break;
    case CV_LIST:
        outf(o, "[");
        for (size_t i = 0; i < ks_cel_list_len(v.l); i++) {
            if (i)
                outf(o, ", ");
            repr(c, ks_cel_list_at(c, v.l, i), o, depth + 1);
        }
        outf(o, "]");
        break;
    case CV_MAP:
        outf(o, "{");
        for (size_t i = 0; i < ks_cel_map_len(v.m); i++) {
            bool found;
            struct ks_cel_val k = ks_cel_map_key_at(c, v.m, i);
            if (i)
                outf(o, ", ");
            repr(c, k, o, depth + 1);
            outf(o, ": ");
            repr(c, ks_cel_map_get(c, v.m, k, &found), o, depth + 1);
        }
        outf(o, "}");
        break;
    }
}

void ks_cel_repr(struct ks_cel_ctx *c, struct ks_cel_val v, char *out, size_t outlen)
{
    struct out o = {out, 0, outlen};

    if (!outlen)
        return;
    out[0] = '\0';
    repr(c, v, &o, 0);
}

/* ---- entry points ---------------------------------------------------- */

static struct ks_cel_val run(struct ks_cel_ctx *c, struct ebb_arena *a, const ks_cel_prog *p,
                             const cJSON *self, const cJSON *old, const cJSON *schema,
                             uint64_t limit)
{
    struct ks_cel_env e_self = {.name = "self"};
    struct ks_cel_env e_old = {.name = "oldSelf", .up = &e_self};
    struct ks_cel_val v;

    memset(c, 0, sizeof(*c));
    c->a = a;
    c->limit = limit ? limit : KS_CEL_STEP_LIMIT;
    e_self.v = ks_cel_from_json(c, self, schema);
    if (old)
        e_old.v = ks_cel_from_json(c, old, schema);
    else
        e_old.v = ks_cel_error(c, "oldSelf is not available");
    v = ks_cel_eval(c, p->root, &e_old);
    if (c->aborted) {
        v.k = CV_ERR;
        v.s.p = c->abort_msg;
        v.s.n = strlen(c->abort_msg);
    }
    return v;
}

enum ks_cel_result ks_cel_eval_bool(const ks_cel_prog *p, const cJSON *self, const cJSON *old,
                                    const cJSON *schema, uint64_t step_limit, char *err,
                                    size_t errlen)
{
    struct ebb_arena a = EBB_ARENA_INIT;
    struct ks_cel_ctx c;
    struct ks_cel_val v;
    enum ks_cel_result r;

    if (errlen)
        err[0] = '\0';
    if (!p || !self) {
        snprintf(err, errlen, "no program or value");
        return KS_CEL_ERROR;
    }
    v = run(&c, &a, p, self, old, schema, step_limit);
    if (v.k == CV_BOOL) {
        r = v.b ? KS_CEL_TRUE : KS_CEL_FALSE;
    } else if (v.k == CV_ERR) {
        snprintf(err, errlen, "%.*s", (int)v.s.n, v.s.p);
        r = KS_CEL_ERROR;
    } else {
        snprintf(err, errlen, "rule must evaluate to bool, got %s", ks_cel_type_name(v.k));
        r = KS_CEL_ERROR;
    }
    ebb_arena_release(&a);
    return r;
}

int ks_cel_eval_repr(const ks_cel_prog *p, const cJSON *self, const cJSON *old, const cJSON *schema,
                     uint64_t step_limit, char *out, size_t outlen)
{
    struct ebb_arena a = EBB_ARENA_INIT;
    struct ks_cel_ctx c;
    struct ks_cel_val v;
    int rc;

    if (!p || !self) {
        snprintf(out, outlen, "no program or value");
        return -1;
    }
    v = run(&c, &a, p, self, old, schema, step_limit);
    rc = v.k == CV_ERR ? -1 : 0;
    if (rc)
        snprintf(out, outlen, "%.*s", (int)v.s.n, v.s.p);
    else
        ks_cel_repr(&c, v, out, outlen);
    ebb_arena_release(&a);
    return rc;
}

int ks_cel_eval_string(const ks_cel_prog *p, const cJSON *self, const cJSON *old,
                       const cJSON *schema, uint64_t step_limit, char *out, size_t outlen)
{
    struct ebb_arena a = EBB_ARENA_INIT;
    struct ks_cel_ctx c;
    struct ks_cel_val v;
    int rc = -1;

    if (!p || !self) {
        snprintf(out, outlen, "no program or value");
        return -1;
    }
    v = run(&c, &a, p, self, old, schema, step_limit);
    if (v.k == CV_STRING) {
        snprintf(out, outlen, "%.*s", (int)v.s.n, v.s.p);
        rc = 0;
    } else if (v.k == CV_ERR) {
        snprintf(out, outlen, "%.*s", (int)v.s.n, v.s.p);
    } else {
        snprintf(out, outlen, "messageExpression must evaluate to a string, got %s",
                 ks_cel_type_name(v.k));
    }
    ebb_arena_release(&a);
    return rc;
}
