/* codec.c -- JSON -> ScalingPolicy, driven by the field tables of
 * codec_tables.c. Errors are collected, never fatal: a field that is wrong
 * is reported with its path and left unset, and decoding goes on.
 */
#include "codec.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/rfc3339.h"
#include "codec_internal.h"
#include "duration.h"
#include "quantity.h"

#define JSON_MAX_SAFE_INT 9007199254740991.0 /* 2^53 - 1: exact in a double */

/* ---- messages --------------------------------------------------------- */

/* `"text"`, cut at 64 bytes (on a UTF-8 boundary) with "...", control
 * characters shown as '?'. bufsz must be at least 72. */
static void quote(const char *s, char *buf, size_t bufsz)
{
    size_t n = strlen(s);
    size_t cut = n;
    size_t o = 0;
    if (cut > 64) {
        cut = 64;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
    }
    buf[o++] = '"';
    for (size_t i = 0; i < cut && o + 6 < bufsz; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (cut < n && o + 6 < bufsz) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

/* The shortest text that reads back as v; integers without exponent. */
static void number_text(double v, char *buf, size_t bufsz)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, bufsz, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, bufsz, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void ebb__json_describe(const cJSON *v, char *buf, size_t bufsz)
{
    char tmp[96];
    if (cJSON_IsString(v)) {
        quote(v->valuestring, tmp, sizeof(tmp));
        snprintf(buf, bufsz, "string %s", tmp);
    } else if (cJSON_IsNumber(v)) {
        number_text(v->valuedouble, tmp, sizeof(tmp));
        snprintf(buf, bufsz, "number %s", tmp);
    } else if (cJSON_IsTrue(v)) {
        snprintf(buf, bufsz, "boolean true");
    } else if (cJSON_IsFalse(v)) {
        snprintf(buf, bufsz, "boolean false");
    } else if (cJSON_IsNull(v)) {
        snprintf(buf, bufsz, "null");
    } else if (cJSON_IsArray(v)) {
        snprintf(buf, bufsz, "list");
    } else if (cJSON_IsObject(v)) {
        snprintf(buf, bufsz, "object");
    } else {
        snprintf(buf, bufsz, "invalid value");
    }
}

/* ---- decoding --------------------------------------------------------- */

struct dec {
    struct ebb_arena *arena;
    struct ebb_errlist *errs;
    struct ebb_strbuf path; /* of the value being decoded: spec.metrics[2].target */
    bool nomem;
};

static void dec_error(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void dec_error(struct dec *d, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ebb_errlist_add(d->errs, d->path.buf, "%s", msg);
}

static void type_error(struct dec *d, const char *want, const cJSON *v)
{
    char got[128];
    ebb__json_describe(v, got, sizeof(got));
    dec_error(d, "must be %s, got %s", want, got);
}

static size_t path_push_key(struct dec *d, const char *key)
{
    size_t old = d->path.len;
    if (old > 0)
        ebb_strbuf_addch(&d->path, '.');
    ebb_strbuf_adds(&d->path, key);
    if (d->path.failed)
        d->nomem = true;
    return old;
}

static size_t path_push_index(struct dec *d, size_t i)
{
    size_t old = d->path.len;
    ebb_strbuf_addf(&d->path, "[%zu]", i);
    if (d->path.failed)
        d->nomem = true;
    return old;
}

static void path_pop(struct dec *d, size_t old)
{
    if (d->path.alloc > 0 && !d->path.failed) {
        d->path.len = old;
        d->path.buf[old] = '\0';
    }
}

/* Strings nearly every stored policy repeats -- API names, condition
 * types, reasons and messages the controller writes -- are shared, not
 * copied: about 400 bytes a policy, 4 MB at 10,000 (an informer keeps one
 * of each). A decoded policy's strings are never written to nor freed one
 * by one. Sorted by strcmp, for bsearch. */
static const char *const common_strings[] = {
    "AbleToScale",
    "AmbiguousTarget",
    "Deployment",
    "DesiredWithinRange",
    "DryRun",
    "FailedGetMetrics",
    "FailedGetResourceMetric",
    "FailedGetScale",
    "FailedRescale",
    "FailedUpdateScale",
    "InvalidChannelPorts",
    "InvalidInput",
    "InvalidSelector",
    "InvalidSpec",
    "NoMetrics",
    "OutsideRange",
    "Paused",
    "PortPoolExhausted",
    "PortRangeConflict",
    "Ready",
    "ReadyForNewScale",
    "ScaleDownCooldown",
    "ScaleDownLimit",
    "ScaleDownStabilized",
    "ScaleUpCooldown",
    "ScaleUpLimit",
    "ScaleUpStabilized",
    "ScalingActive",
    "ScalingDisabled",
    "ScalingLimited",
    "ScalingPolicy",
    "StatefulSet",
    "TooFewReplicas",
    "TooManyReplicas",
    "Valid",
    "ValidMetricFound",
    "apps/v1",
    "cpu",
    "ebb.dev/v1alpha1",
    "memory",
    "recommended size matches current size",
    "the desired count is within the acceptable range",
    "the policy is valid and in effect",
    "the replica count was computed from cpu",
    "the replica count was computed from memory",
};

static int cmp_common(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static char *dec_strdup(struct dec *d, const char *s)
{
    const char *const *k =
        bsearch(s, common_strings, sizeof(common_strings) / sizeof(*common_strings),
                sizeof(*common_strings), cmp_common);
    if (k != NULL)
        return (char *)*k; /* shared, read only: see common_strings */
    char *c = ebb_arena_strdup(d->arena, s);
    if (c == NULL)
        d->nomem = true;
    return c;
}

static bool get_integer(struct dec *d, const cJSON *v, double lo, double hi, int64_t *out)
{
    char got[128];
    if (!cJSON_IsNumber(v)) {
        type_error(d, "an integer", v);
        return false;
    }
    double x = v->valuedouble;
    if (!isfinite(x) || x != floor(x)) {
        type_error(d, "an integer", v);
        return false;
    }
    if (lo == 0 && x < 0) {
        dec_error(d, "must be greater than or equal to 0, got %.0f", x);
        return false;
    }
    if (x < lo || x > hi) {
        ebb__json_describe(v, got, sizeof(got));
        dec_error(d, "must be an integer from %.0f to %.0f, got %s", lo, hi, got);
        return false;
    }
    *out = (int64_t)x;
    return true;
}

static void decode_quantity(struct dec *d, const cJSON *v, struct ebb_quantity *q)
{
    char text[64];
    char msg[256];
    char shown[96];
    int64_t milli;

    if (cJSON_IsString(v)) {
        if (ebb_quantity_parse(v->valuestring, &milli, msg, sizeof(msg)) != EBB_OK) {
            quote(v->valuestring, shown, sizeof(shown));
            dec_error(d, "invalid quantity %s: %s", shown, msg);
            return;
        }
    } else if (cJSON_IsNumber(v)) {
        if (!isfinite(v->valuedouble)) {
            type_error(d, "a finite number", v);
            return;
        }
        number_text(v->valuedouble, text, sizeof(text));
        if (ebb_quantity_parse(text, &milli, msg, sizeof(msg)) != EBB_OK) {
            dec_error(d, "invalid quantity %s: %s", text, msg);
            return;
        }
    } else {
        type_error(d, "a quantity (a number, or a string such as \"250m\" or \"2Gi\")", v);
        return;
    }
    q->milli = milli;
    q->set = true;
}

static void decode_duration(struct dec *d, const cJSON *v, int64_t *ms)
{
    char msg[256];
    char shown[96];
    if (!cJSON_IsString(v)) {
        type_error(d, "a duration string such as \"90s\", \"5m\" or \"1h30m\"", v);
        return;
    }
    if (ebb_duration_parse(v->valuestring, ms, msg, sizeof(msg)) != EBB_OK) {
        quote(v->valuestring, shown, sizeof(shown));
        dec_error(d, "invalid duration %s: %s", shown, msg);
    }
}

static bool decode_time_text(struct dec *d, const cJSON *v, int64_t *ms)
{
    char shown[96];
    if (!cJSON_IsString(v)) {
        type_error(d, "an RFC 3339 time string", v);
        return false;
    }
    enum ebb_rc rc = ebb_rfc3339_parse(v->valuestring, ms);
    if (rc == EBB_OK)
        return true;
    quote(v->valuestring, shown, sizeof(shown));
    if (rc == EBB_ERR_RANGE)
        dec_error(d, "invalid time %s: out of range (years 0000 to 9999)", shown);
    else
        dec_error(d, "invalid time %s: must be RFC 3339, e.g. \"2026-11-27T00:00:00Z\"", shown);
    return false;
}

static void decode_enum(struct dec *d, const struct ebb__enum_desc *en, const cJSON *v,
                        unsigned *out)
{
    char shown[96];
    if (!cJSON_IsString(v)) {
        type_error(d, "a string", v);
        return;
    }
    unsigned x = en->parse(v->valuestring);
    if (strcmp(en->name(x), v->valuestring) == 0 && v->valuestring[0] != '\0') {
        *out = x;
        return;
    }
    char list[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < en->n && len < sizeof(list); i++)
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s\"%s\"", i ? ", " : "",
                                en->name(en->values[i]));
    quote(v->valuestring, shown, sizeof(shown));
    dec_error(d, "Unsupported value: %s: supported values: %s", shown, list);
}

/* "7700-7799": two non-negative int32 joined by '-'. */
static bool parse_range(const char *s, int32_t *first, int32_t *last)
{
    int64_t v[2] = {0, 0};
    const char *p = s;
    for (int i = 0; i < 2; i++) {
        if (*p < '0' || *p > '9')
            return false;
        for (; *p >= '0' && *p <= '9'; p++) {
            v[i] = v[i] * 10 + (*p - '0');
            if (v[i] > INT32_MAX)
                return false;
        }
        if (i == 0 && *p++ != '-')
            return false;
    }
    if (*p != '\0')
        return false;
    *first = (int32_t)v[0];
    *last = (int32_t)v[1];
    return true;
}

static void decode_object(struct dec *d, const struct ebb__table *t, void *base, const cJSON *obj);

static void decode_list(struct dec *d, const struct ebb__field *f, void *base, const cJSON *v)
{
    const struct ebb__table *t = f->sub;
    size_t n = (size_t)cJSON_GetArraySize(v);
    char *arr = NULL;
    if (n > 0) {
        arr = ebb_arena_calloc(d->arena, n, t->size);
        if (arr == NULL) {
            d->nomem = true;
            return;
        }
    }
    size_t i = 0;
    for (const cJSON *c = v->child; c != NULL && i < n && !d->nomem; c = c->next, i++) {
        char *elem = arr + i * t->size;
        if (t->init != NULL)
            t->init(elem);
        size_t old = path_push_index(d, i);
        if (cJSON_IsObject(c))
            decode_object(d, t, elem, c);
        else
            type_error(d, "an object", c);
        path_pop(d, old);
    }
    for (; i < n; i++) /* after a failure: keep every element well-formed */
        if (t->init != NULL)
            t->init(arr + i * t->size);
    ebb__set_ptr_at(base, f->off, arr);
    *EBB__AT(size_t, base, f->cnt) = n;
    if (f->set != EBB_CODEC_NO_OFF)
        *EBB__AT(bool, base, f->set) = true;
}

static void decode_strlist(struct dec *d, const struct ebb__field *f, void *base, const cJSON *v)
{
    size_t n = (size_t)cJSON_GetArraySize(v);
    char **arr = NULL;
    size_t k = 0;
    if (n > 0) {
        arr = ebb_arena_calloc(d->arena, n, sizeof(*arr));
        if (arr == NULL) {
            d->nomem = true;
            return;
        }
    }
    size_t i = 0;
    for (const cJSON *c = v->child; c != NULL && i < n && !d->nomem; c = c->next, i++) {
        size_t old = path_push_index(d, i);
        if (cJSON_IsString(c))
            arr[k++] = dec_strdup(d, c->valuestring);
        else
            type_error(d, "a string", c);
        path_pop(d, old);
    }
    ebb__set_ptr_at(base, f->off, k > 0 ? arr : NULL);
    *EBB__AT(size_t, base, f->cnt) = k;
}

static void decode_map(struct dec *d, const struct ebb__field *f, void *base, const cJSON *v)
{
    size_t n = (size_t)cJSON_GetArraySize(v);
    struct ebb_kv *kv = NULL;
    size_t k = 0;
    if (n > 0) {
        kv = ebb_arena_calloc(d->arena, n, sizeof(*kv));
        if (kv == NULL) {
            d->nomem = true;
            return;
        }
    }
    for (const cJSON *c = v->child; c != NULL && k < n && !d->nomem; c = c->next) {
        const char *key = c->string != NULL ? c->string : "";
        size_t old = path_push_key(d, key);
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(kv[j].key, key) == 0;
        if (dup) {
            char shown[96];
            quote(key, shown, sizeof(shown));
            dec_error(d, "duplicate key %s", shown);
        } else if (!cJSON_IsString(c)) {
            type_error(d, "a string", c);
        } else {
            kv[k].key = dec_strdup(d, key);
            kv[k].value = dec_strdup(d, c->valuestring);
            k++;
        }
        path_pop(d, old);
    }
    ebb__set_ptr_at(base, f->off, k > 0 ? kv : NULL);
    *EBB__AT(size_t, base, f->cnt) = k;
}

static void decode_field(struct dec *d, const struct ebb__field *f, void *base, const cJSON *v)
{
    int64_t x;
    char shown[96];

    switch (f->kind) {
    case EBB_CODEC_STRING:
        if (cJSON_IsString(v))
            ebb__set_ptr_at(base, f->off, dec_strdup(d, v->valuestring));
        else
            type_error(d, "a string", v);
        break;
    case EBB_CODEC_TIMESTR:
        if (decode_time_text(d, v, &x))
            ebb__set_ptr_at(base, f->off, dec_strdup(d, v->valuestring));
        break;
    case EBB_CODEC_INT32:
        /* Every int32 of the API counts something (replicas, ports, percent),
         * and -1 is the in-memory "unset": a negative number is refused here
         * rather than taken for "not written". */
        if (get_integer(d, v, 0, INT32_MAX, &x))
            *EBB__AT(int32_t, base, f->off) = (int32_t)x;
        break;
    case EBB_CODEC_INT64:
        if (get_integer(d, v, -JSON_MAX_SAFE_INT, JSON_MAX_SAFE_INT, &x))
            *EBB__AT(int64_t, base, f->off) = x;
        break;
    case EBB_CODEC_SECONDS:
        if (get_integer(d, v, 0, INT32_MAX, &x))
            *EBB__AT(int64_t, base, f->off) = x * 1000;
        break;
    case EBB_CODEC_BOOL:
        if (cJSON_IsBool(v))
            *EBB__AT(bool, base, f->off) = cJSON_IsTrue(v);
        else
            type_error(d, "a boolean (true or false)", v);
        break;
    case EBB_CODEC_QUANTITY:
        decode_quantity(d, v, EBB__AT(struct ebb_quantity, base, f->off));
        break;
    case EBB_CODEC_DURATION:
        decode_duration(d, v, EBB__AT(int64_t, base, f->off));
        break;
    case EBB_CODEC_TIME:
        decode_time_text(d, v, EBB__AT(int64_t, base, f->off));
        break;
    case EBB_CODEC_ENUM:
        decode_enum(d, f->en, v, EBB__AT(unsigned, base, f->off));
        break;
    case EBB_CODEC_OBJECT:
        if (!cJSON_IsObject(v)) {
            type_error(d, "an object", v);
            break;
        }
        if (f->set != EBB_CODEC_NO_OFF)
            *EBB__AT(bool, base, f->set) = true;
        decode_object(d, f->sub, (char *)base + f->off, v);
        break;
    case EBB_CODEC_LIST:
        if (cJSON_IsArray(v))
            decode_list(d, f, base, v);
        else
            type_error(d, "a list", v);
        break;
    case EBB_CODEC_STRLIST:
        if (cJSON_IsArray(v))
            decode_strlist(d, f, base, v);
        else
            type_error(d, "a list of strings", v);
        break;
    case EBB_CODEC_MAP:
        if (cJSON_IsObject(v))
            decode_map(d, f, base, v);
        else
            type_error(d, "an object of strings", v);
        break;
    case EBB_CODEC_RANGE:
        if (!cJSON_IsString(v)) {
            type_error(d, "a port range string such as \"7700-7799\"", v);
        } else if (!parse_range(v->valuestring, EBB__AT(int32_t, base, f->off),
                                EBB__AT(int32_t, base, f->cnt))) {
            quote(v->valuestring, shown, sizeof(shown));
            dec_error(d, "invalid port range %s: write \"first-last\", e.g. \"7700-7799\"", shown);
        }
        break;
    case EBB_CODEC_IGNORE:
        break;
    }
}

static size_t find_field(const struct ebb__table *t, const char *name)
{
    size_t i = 0;
    while (i < t->n && strcmp(t->fields[i].name, name) != 0)
        i++;
    return i;
}

static void decode_object(struct dec *d, const struct ebb__table *t, void *base, const cJSON *obj)
{
    uint64_t seen = 0; /* every table has fewer than 64 fields */

    for (const cJSON *c = obj->child; c != NULL && !d->nomem; c = c->next) {
        const char *key = c->string != NULL ? c->string : "";
        size_t old = path_push_key(d, key);
        size_t i = find_field(t, key);
        char shown[96];
        if (i == t->n) {
            quote(key, shown, sizeof(shown));
            dec_error(d, "unknown field %s", shown);
        } else if (seen & (1ull << i)) {
            quote(key, shown, sizeof(shown));
            dec_error(d, "duplicate field %s", shown);
        } else if (!cJSON_IsNull(c)) { /* null means absent, as in Kubernetes */
            const struct ebb__field *f = &t->fields[i];
            seen |= 1ull << i;
            if (f->alt != NULL && (seen & (1ull << find_field(t, f->alt))))
                dec_error(d, "cannot be set together with %s; keep one of them", f->alt);
            else
                decode_field(d, f, base, c);
        }
        path_pop(d, old);
    }
}

enum ebb_rc ebb__policy_from_cjson(struct ebb_policy *p, const cJSON *root,
                                   struct ebb_errlist *errs)
{
    struct dec d = {&p->arena, errs, EBB_STRBUF_INIT, false};
    size_t before = errs->n;
    bool truncated = errs->truncated;

    decode_object(&d, &ebb__top_table, p, root);
    ebb_strbuf_release(&d.path);
    if (d.nomem)
        return EBB_ERR_NOMEM;
    return errs->n > before || errs->truncated != truncated ? EBB_ERR_INVALID : EBB_OK;
}

enum ebb_rc ebb_policy_from_cjson(struct ebb_policy *p, const cJSON *root, struct ebb_errlist *errs)
{
    if (!cJSON_IsObject(root)) {
        char got[128];
        ebb__json_describe(root, got, sizeof(got));
        ebb_errlist_add(errs, "", "must be a JSON object, got %s", got);
        return EBB_ERR_PARSE;
    }
    return ebb__policy_from_cjson(p, root, errs);
}

enum ebb_rc ebb_policy_from_json(struct ebb_policy *p, const char *text, size_t len,
                                 struct ebb_errlist *errs)
{
    enum ebb_rc rc = EBB_OK;
    char *copy = NULL;
    cJSON *root = NULL;
    const char *end = NULL;

    if (len == 0) {
        ebb_errlist_add(errs, "", "invalid JSON: the input is empty");
        rc = EBB_ERR_PARSE;
        goto out;
    }
    if (len > EBB__CODEC_MAX_INPUT) {
        ebb_errlist_add(errs, "", "input too large: %zu bytes (at most %u)", len,
                        EBB__CODEC_MAX_INPUT);
        rc = EBB_ERR_PARSE;
        goto out;
    }
    if (memchr(text, '\0', len) != NULL) {
        ebb_errlist_add(errs, "", "invalid JSON: the input contains a NUL byte");
        rc = EBB_ERR_PARSE;
        goto out;
    }
    copy = malloc(len + 1);
    if (copy == NULL) {
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
    if (root == NULL) {
        int line = 1;
        int col = 1;
        size_t at = end != NULL && end >= copy && end <= copy + len ? (size_t)(end - copy) : len;
        for (size_t i = 0; i < at; i++) {
            if (copy[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        ebb_errlist_add(errs, "", "invalid JSON at line %d, column %d", line, col);
        rc = EBB_ERR_PARSE;
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        char got[128];
        ebb__json_describe(root, got, sizeof(got));
        ebb_errlist_add(errs, "", "must be a JSON object, got %s", got);
        rc = EBB_ERR_PARSE;
        goto out;
    }
    rc = ebb__policy_from_cjson(p, root, errs);
out:
    cJSON_Delete(root);
    free(copy);
    return rc;
}
