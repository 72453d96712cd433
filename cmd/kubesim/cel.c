/*
 * cel.c -- CEL values: JSON-backed lists and maps typed by their OpenAPI
 * schema, equality, text rendering, the RE2-to-POSIX regex translation,
 * and the public evaluation entry points.
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

/* ---- regex translation ---------------------------------------------- */

struct rx {
    char *p;
    size_t n, cap;
    bool oom;
};

static void rx_add(struct rx *r, const char *s)
{
    size_t l = strlen(s);

    if (r->oom)
        return;
    if (r->n + l + 1 > r->cap) {
        size_t cap = (r->n + l + 1) * 2;
        char *p = realloc(r->p, cap);
        if (!p) {
            r->oom = true;
            return;
        }
        r->p = p;
        r->cap = cap;
    }
    memcpy(r->p + r->n, s, l + 1);
    r->n += l;
}

static void rx_addc(struct rx *r, char ch)
{
    char s[2] = {ch, '\0'};
    rx_add(r, s);
}

/* A bracket expression from *ip (just past '['); writes POSIX. */
static bool rx_bracket(const char *pat, size_t *ip, struct rx *r)
{
    size_t i = *ip;
    bool neg = false, has_close = false, has_dash = false, has_caret = false;
    struct rx body = {0};

    if (pat[i] == '^') {
        neg = true;
        i++;
    }
    while (pat[i] && pat[i] != ']') {
        char ch = pat[i];
        if (ch == '[' && pat[i + 1] == ':') {
            const char *end = strstr(pat + i + 2, ":]");
            if (!end) {
                free(body.p);
                return false;
            }
            size_t l = (size_t)(end - (pat + i)) + 2;
            char cls[40];
            if (l >= sizeof(cls)) {
                free(body.p);
                return false;
            }
            memcpy(cls, pat + i, l);
            cls[l] = '\0';
            rx_add(&body, cls);
            i += l;
            continue;
        }
        if (ch == '\\') {
            char e = pat[i + 1];
            i += 2;
            switch (e) {
            case 'd':
                rx_add(&body, "0-9");
                continue;
            case 'w':
                rx_add(&body, "A-Za-z0-9_");
                continue;
            case 's':
                rx_add(&body, "[:space:]");
                continue;
            case 'n':
                rx_addc(&body, '\n');
                continue;
            case 't':
                rx_addc(&body, '\t');
                continue;
            case 'r':
                rx_addc(&body, '\r');
                continue;
            case '\0':
                free(body.p);
                return false;
            case 'D':
            case 'W':
            case 'S':
                free(body.p);
                return false;
            default:
                ch = e;
                break;
            }
            /* an escaped literal */
            if (ch == ']')
                has_close = true;
            else if (ch == '-')
                has_dash = true;
            else if (ch == '^')
                has_caret = true;
            else if (ch == '[')
                rx_add(&body, "[.[.]");
            else
                rx_addc(&body, ch);
            continue;
        }
        if (ch == '-' && (pat[i + 1] == ']' || i == *ip + (neg ? 1 : 0))) {
            has_dash = true;
            i++;
            continue;
        }
        if (ch == '^') {
            has_caret = true;
            i++;
            continue;
        }
        rx_addc(&body, ch);
        i++;
    }
    if (pat[i] != ']' || body.oom) {
        free(body.p);
        return false;
    }
    rx_add(r, neg ? "[^" : "[");
    if (has_close)
        rx_add(r, "]");
    if (body.p)
        rx_add(r, body.p);
    if (has_caret)
        rx_add(r, "^");
    if (has_dash)
        rx_add(r, "-");
    if (!has_close && !body.p && !has_caret && !has_dash) {
        free(body.p);
        return false; /* [] */
    }
    rx_add(r, "]");
    free(body.p);
    *ip = i + 1;
    return true;
}

/* Go's regexp/syntax limits, which also keep glibc's regcomp from
 * growing without bound (it copies a repeated subexpression once per
 * counted repetition and doubles it per '+'): no repetition operator
 * right after another ("a++"), counts up to 1000, a product of nested
 * counted repetitions up to 1000 ("(a{100}){100}"); and, for glibc, at
 * most RX_MAX_COPIES copies in all, '+' counting twice. A pre-pass over
 * the source pattern; what it lets through the translation checks. */
#define RX_MAX_REPEAT 1000u
#define RX_MAX_COPIES 100000u

struct rx_cost {
    size_t counted; /* product of the counted repetitions */
    size_t copies;  /* copies glibc makes */
};

static bool rx_counted(const char *p, size_t *n, size_t *m, bool *has_max, size_t *used)
{
    size_t i = 1;
    *n = *m = 0;
    *has_max = false;
    if (p[i] < '0' || p[i] > '9')
        return false;
    while (p[i] >= '0' && p[i] <= '9' && *n <= RX_MAX_REPEAT)
        *n = *n * 10 + (size_t)(p[i++] - '0');
    if (p[i] == ',') {
        i++;
        if (p[i] >= '0' && p[i] <= '9') {
            *has_max = true;
            while (p[i] >= '0' && p[i] <= '9' && *m <= RX_MAX_REPEAT)
                *m = *m * 10 + (size_t)(p[i++] - '0');
        }
    } else {
        *m = *n;
        *has_max = true;
    }
    if (p[i] != '}')
        return false;
    *used = i + 1;
    return true;
}

static int rx_check_repeats(const char *pat, char *err, size_t errlen)
{
    size_t len = strlen(pat), depth = 0, i = 0;
    struct rx_cost *inner =
        calloc(len + 2, sizeof(*inner)); /* per open group: the largest inside */
    struct rx_cost last = {1, 1};        /* of the last atom */
    size_t after_rep = 0;                /* where the last repetition operator began, +1 */

    if (!inner) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    inner[0] = last;
    while (pat[i]) {
        char ch = pat[i];
        size_t n = 0, m = 0, used = 1;
        bool has_max = false, counted = ch == '{' && rx_counted(pat + i, &n, &m, &has_max, &used);
        if (ch == '*' || ch == '+' || ch == '?' || counted) {
            if (after_rep && ch != '?') { /* "+?" is a lazy one: the translation says so */
                snprintf(err, errlen,
                         "error parsing regexp: invalid nested repetition operator: `%.*s`",
                         (int)(i + used - (after_rep - 1)), pat + after_rep - 1);
                free(inner);
                return -1;
            }
            struct rx_cost c = last;
            if (ch == '+')
                c.copies *= 2;
            if (counted) {
                size_t k = has_max ? m : n + 1;
                if (n > RX_MAX_REPEAT || (has_max && m > RX_MAX_REPEAT) ||
                    (k >= 2 && c.counted * k > RX_MAX_REPEAT) ||
                    c.copies * (k ? k : 1) > RX_MAX_COPIES) {
                    snprintf(err, errlen, "error parsing regexp: invalid repeat count: `%.*s`",
                             (int)used, pat + i);
                    free(inner);
                    return -1;
                }
                c.counted *= k ? k : 1;
                c.copies *= k ? k : 1;
            }
            if (c.copies > RX_MAX_COPIES) {
                snprintf(err, errlen, "error parsing regexp: expression too large");
                free(inner);
                return -1;
            }
            if (c.counted > inner[depth].counted)
                inner[depth].counted = c.counted;
            if (c.copies > inner[depth].copies)
                inner[depth].copies = c.copies;
            last = c;
            if (!after_rep)
                after_rep = i + 1;
            i += used;
            continue;
        }
        after_rep = 0;
        last = (struct rx_cost){1, 1};
        if (ch == '\\') {
            i += pat[i + 1] ? 2 : 1;
        } else if (ch == '[') {
            i++;
            if (pat[i] == '^')
                i++;
            if (pat[i] == ']')
                i++;
            while (pat[i] && pat[i] != ']') {
                if (pat[i] == '\\' && pat[i + 1])
                    i++;
                else if (pat[i] == '[' && pat[i + 1] == ':' && strstr(pat + i + 2, ":]"))
                    i = (size_t)(strstr(pat + i + 2, ":]") - pat) + 1;
                i++;
            }
            if (pat[i])
                i++;
        } else if (ch == '(') {
            depth++;
            inner[depth] = last;
            i += pat[i + 1] == '?' ? (pat[i + 2] == ':' ? 3 : 2) : 1;
        } else if (ch == ')' && depth > 0) {
            last = inner[depth--];
            if (last.counted > inner[depth].counted)
                inner[depth].counted = last.counted;
            if (last.copies > inner[depth].copies)
                inner[depth].copies = last.copies;
            i++;
        } else {
            i++;
        }
    }
    free(inner);
    return 0;
}

int ks_cel_regcomp(regex_t *re, const char *pat, bool nosub, char *err, size_t errlen)
{
    struct rx r = {0};
    size_t i = 0;
    int rc;

    if (rx_check_repeats(pat, err, errlen) != 0)
        return -1;

    while (pat[i]) {
        char ch = pat[i];
        if (ch == '\\') {
            char e = pat[i + 1];
            i += 2;
            switch (e) {
            case 'd':
                rx_add(&r, "[0-9]");
                break;
            case 'D':
                rx_add(&r, "[^0-9]");
                break;
            case 'w':
                rx_add(&r, "[A-Za-z0-9_]");
                break;
            case 'W':
                rx_add(&r, "[^A-Za-z0-9_]");
                break;
            case 's':
                rx_add(&r, "[[:space:]]");
                break;
            case 'S':
                rx_add(&r, "[^[:space:]]");
                break;
            case 'n':
                rx_add(&r, "\n");
                break;
            case 't':
                rx_add(&r, "\t");
                break;
            case 'r':
                rx_add(&r, "\r");
                break;
            case 'b':
            case 'B':
            case 'A':
            case 'z':
            case 'Z':
            case 'p':
            case 'P':
            case '\0':
                snprintf(err, errlen, "unsupported escape \\%c in pattern", e ? e : ' ');
                free(r.p);
                return -1;
            default:
                if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
                    snprintf(err, errlen, "unsupported escape \\%c in pattern", e);
                    free(r.p);
                    return -1;
                }
                if (strchr(".[]{}()*+?|^$\\", e)) {
                    rx_addc(&r, '\\');
                    rx_addc(&r, e);
                } else {
                    rx_addc(&r, e); /* \/ \- \" ... are the character itself */
                }
                break;
            }
            continue;
        }
        if (ch == '[') {
            i++;
            if (!rx_bracket(pat, &i, &r)) {
                snprintf(err, errlen, "missing closing ] or bad class in pattern");
                free(r.p);
                return -1;
            }
            continue;
        }
        if (ch == '(' && pat[i + 1] == '?') {
            if (pat[i + 2] == ':') {
                rx_addc(&r, '(');
                i += 3;
                continue;
            }
            snprintf(err, errlen, "unsupported group flag (?%c in pattern", pat[i + 2]);
            free(r.p);
            return -1;
        }
        if ((ch == '*' || ch == '+' || ch == '?' || ch == '}') && pat[i + 1] == '?') {
            snprintf(err, errlen, "lazy quantifiers are not supported");
            free(r.p);
            return -1;
        }
        rx_addc(&r, ch);
        i++;
    }
    if (r.oom) {
        free(r.p);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rc = regcomp(re, r.p ? r.p : "", REG_EXTENDED | (nosub ? REG_NOSUB : 0));
    free(r.p);
    if (rc != 0) {
        char msg[128];
        regerror(rc, re, msg, sizeof(msg));
        snprintf(err, errlen, "error parsing regexp: %s", msg);
        return -1;
    }
    return 0;
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
