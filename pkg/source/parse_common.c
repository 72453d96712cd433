/* parse_common.c -- what the metric parsers share; see source_internal.h.
 * Also the staleness helpers of source.h. */
#include "source_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../api/v1alpha1/duration.h"
#include "../api/v1alpha1/quantity.h"
#include "../base/rfc3339.h"

void src_err_init(struct src_err *e, char *buf, size_t sz)
{
    e->rc = EBB_OK;
    e->buf = buf;
    e->sz = sz;
    if (buf != NULL && sz > 0)
        buf[0] = '\0';
}

enum ebb_rc src_fail(struct src_err *e, enum ebb_rc rc, const char *fmt, ...)
{
    if (e->rc != EBB_OK)
        return e->rc;
    e->rc = rc;
    if (e->buf != NULL && e->sz > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->buf, e->sz, fmt, ap);
        va_end(ap);
    }
    return rc;
}

const char *src_type_of(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    return "null";
}

const cJSON *src_get(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

bool src_absent(const cJSON *v)
{
    return v == NULL || cJSON_IsNull(v);
}

/* The first bytes of body, printable, for a message (" as ', so that the
 * message can quote it). */
static void body_start(const char *body, size_t len, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 4 < outsz; i++) {
        unsigned char c = (unsigned char)body[i];
        out[o++] = c == '"' ? '\'' : (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
    }
    if (o < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static cJSON *not_json(const char *body, size_t len, size_t at, const char *api, struct src_err *e)
{
    char start[44];
    body_start(body, len, start, sizeof(start));
    src_fail(e, EBB_ERR_PARSE, "%s answered something that is not JSON (at byte %zu): \"%s\"", api,
             at, start);
    return NULL;
}

cJSON *src_parse_json(const char *body, size_t len, const char *api, struct src_err *e)
{
    if (body == NULL || len == 0) {
        src_fail(e, EBB_ERR_PARSE, "%s answered an empty body, not JSON", api);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (root == NULL) {
        size_t at = (end != NULL && end >= body && end <= body + len) ? (size_t)(end - body) : 0;
        return not_json(body, len, at, api, e);
    }
    /* Only white space may follow the value ("404 page not found" starts with one). */
    for (const char *p = end; p != NULL && p < body + len; p++) {
        if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') {
            cJSON_Delete(root);
            return not_json(body, len, (size_t)(p - body), api, e);
        }
    }
    return root;
}

const cJSON *src_list_items(const cJSON *root, const char *api, const char *kind, int *n,
                            struct src_err *e)
{
    *n = 0;
    if (!cJSON_IsObject(root)) {
        src_fail(e, EBB_ERR_PARSE, "%s answered a JSON %s, not a %s", api, src_type_of(root), kind);
        return NULL;
    }
    const cJSON *k = src_get(root, "kind");
    if (!cJSON_IsString(k)) {
        src_fail(e, EBB_ERR_PARSE, "%s answered an object without kind, not a %s", api, kind);
        return NULL;
    }
    if (strcmp(k->valuestring, "Status") == 0) {
        const cJSON *msg = src_get(root, "message");
        const cJSON *reason = src_get(root, "reason");
        src_fail(e, EBB_ERR_PARSE, "%s answered an error: %s%s%s%s", api,
                 cJSON_IsString(msg) ? msg->valuestring : "(no message)",
                 cJSON_IsString(reason) ? " (reason " : "",
                 cJSON_IsString(reason) ? reason->valuestring : "",
                 cJSON_IsString(reason) ? ")" : "");
        return NULL;
    }
    if (strcmp(k->valuestring, kind) != 0) {
        src_fail(e, EBB_ERR_PARSE, "%s answered a %.64s, not a %s", api, k->valuestring, kind);
        return NULL;
    }
    const cJSON *items = src_get(root, "items");
    if (src_absent(items)) {
        static const cJSON empty = {.type = cJSON_Array};
        return &empty;
    }
    if (!cJSON_IsArray(items)) {
        src_fail(e, EBB_ERR_PARSE, "%s %s: items must be an array, got %s", api, kind,
                 src_type_of(items));
        return NULL;
    }
    *n = cJSON_GetArraySize(items);
    return items;
}

/* ---- Go durations ------------------------------------------------------ */

#define NS_LIMIT (1ull << 63)

struct unit {
    char name[4];
    uint64_t ns;
};

static const struct unit units[] = {
    {"ns", 1ull},           {"us", 1000ull},      {"\xc2\xb5s", 1000ull}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000ull},                                               /* U+03BC Greek mu */
    {"ms", 1000000ull},     {"s", 1000000000ull}, {"m", 60000000000ull},  {"h", 3600000000000ull},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* As Go's time.ParseDuration, but only non-negative, and kept in ms
 * (metrics-server writes windows to the nanosecond: "10.214867s"). */
bool src_go_duration_ms(const char *s, int64_t *ms)
{
    const char *p = s;
    uint64_t total = 0;

    if (p == NULL || *p == '\0')
        return false;
    if (*p == '+')
        p++;
    if (strcmp(p, "0") == 0) {
        *ms = 0;
        return true;
    }
    if (*p == '\0')
        return false;
    while (*p != '\0') {
        uint64_t v = 0, f = 0;
        double scale = 1;
        bool digits = false;

        for (; is_digit(*p); p++) {
            digits = true;
            if (v > (NS_LIMIT - 9) / 10)
                return false;
            v = v * 10 + (uint64_t)(*p - '0');
        }
        if (*p == '.') {
            p++;
            for (; is_digit(*p); p++) {
                digits = true;
                if (f < (NS_LIMIT - 9) / 10) { /* Go drops digits past its precision */
                    f = f * 10 + (uint64_t)(*p - '0');
                    scale *= 10;
                }
            }
        }
        if (!digits)
            return false;
        const char *u = p;
        while (*p != '\0' && *p != '.' && !is_digit(*p))
            p++;
        const struct unit *unit = NULL;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
            if (strlen(units[i].name) == (size_t)(p - u) &&
                memcmp(units[i].name, u, (size_t)(p - u)) == 0)
                unit = &units[i];
        if (unit == NULL)
            return false;
        if (v > NS_LIMIT / unit->ns)
            return false;
        v *= unit->ns;
        if (f > 0) {
            double frac = (double)f * ((double)unit->ns / scale);
            v += (uint64_t)frac;
            if (v > NS_LIMIT)
                return false;
        }
        total += v;
        if (total > NS_LIMIT - 1)
            return false;
    }
    *ms = (int64_t)(total / 1000000ull);
    return true;
}

void src_fmt_duration(int64_t ms, char *buf, size_t bufsz)
{
    ebb_duration_format(ms < 0 ? 0 : ms, buf, bufsz);
}

/* ---- pod index ----------------------------------------------------------- */

struct src_pod_ref {
    const char *name;
    size_t i;
};

static int ref_cmp(const void *a, const void *b)
{
    const struct src_pod_ref *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

enum ebb_rc src_pod_index_build(struct src_pod_index *ix, const struct ebb_pod *pods, size_t n)
{
    ix->refs = NULL;
    ix->n = 0;
    if (n == 0 || pods == NULL)
        return EBB_OK;
    ix->refs = calloc(n, sizeof(*ix->refs));
    if (ix->refs == NULL)
        return EBB_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (pods[i].name == NULL)
            continue;
        ix->refs[ix->n].name = pods[i].name;
        ix->refs[ix->n].i = i;
        ix->n++;
    }
    if (ix->n > 1)
        qsort(ix->refs, ix->n, sizeof(*ix->refs), ref_cmp);
    return EBB_OK;
}

void src_pod_index_release(struct src_pod_index *ix)
{
    free(ix->refs);
    ix->refs = NULL;
    ix->n = 0;
}

size_t src_pod_index_each(const struct src_pod_index *ix, const char *name,
                          void (*fn)(void *ctx, size_t i), void *ctx)
{
    size_t lo = 0, hi = ix->n, found = 0;

    /* the first ref whose name is >= name */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->refs[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < ix->n && strcmp(ix->refs[lo].name, name) == 0; lo++, found++)
        if (fn != NULL)
            fn(ctx, ix->refs[lo].i);
    return found;
}

void src_fill_put(void *ctx, size_t i)
{
    struct src_fill *f = ctx;
    int64_t req = f->samples[i].request_milli;
    f->samples[i] = f->v;
    f->samples[i].request_milli = req;
}

void src_samples_clear(struct ebb_pod_sample *samples, size_t n)
{
    for (size_t i = 0; samples != NULL && i < n; i++) {
        samples[i].present = false;
        samples[i].value_milli = 0;
        samples[i].timestamp_ms = 0;
        samples[i].window_ms = 0;
    }
}

/* ---- typed fields ---------------------------------------------------------- */

bool src_quantity(const cJSON *v, const char *api, const char *what, int64_t *milli,
                  struct src_err *e)
{
    char why[160];
    if (!cJSON_IsString(v)) {
        src_fail(e, EBB_ERR_PARSE, "%s: %s must be a quantity string, got %s", api, what,
                 src_type_of(v));
        return false;
    }
    if (ebb_quantity_parse(v->valuestring, milli, why, sizeof(why)) != EBB_OK) {
        src_fail(e, EBB_ERR_PARSE, "%s: %s \"%.64s\" is not a quantity: %s", api, what,
                 v->valuestring, why);
        return false;
    }
    return true;
}

bool src_timestamp(const cJSON *v, const char *api, const char *what, int64_t *ms,
                   struct src_err *e)
{
    if (src_absent(v)) {
        src_fail(e, EBB_ERR_PARSE, "%s: %s has no timestamp", api, what);
        return false;
    }
    if (!cJSON_IsString(v) || ebb_rfc3339_parse(v->valuestring, ms) != EBB_OK) {
        src_fail(e, EBB_ERR_PARSE, "%s: %s: timestamp %s%.64s%s is not an RFC 3339 time", api, what,
                 cJSON_IsString(v) ? "\"" : "", cJSON_IsString(v) ? v->valuestring : "",
                 cJSON_IsString(v) ? "\"" : src_type_of(v));
        return false;
    }
    return true;
}

/* ---- staleness ----------------------------------------------------------- */

/* now - (ts + window), saturating; INT64_MIN when unknown. */
static int64_t age_ms(int64_t ts, int64_t window, int64_t now)
{
    if (ts == EBB_TIME_UNSET)
        return INT64_MIN;
    int64_t end;
    if (window < 0)
        window = 0;
    if (__builtin_add_overflow(ts, window, &end))
        return INT64_MIN;
    int64_t age;
    if (__builtin_sub_overflow(now, end, &age))
        return now > end ? INT64_MAX : INT64_MIN;
    return age;
}

bool ebb_source_stale(int64_t timestamp_ms, int64_t window_ms, int64_t now_ms,
                      int64_t sync_period_ms)
{
    if (sync_period_ms <= 0 || sync_period_ms > INT64_MAX / 2)
        return false;
    int64_t age = age_ms(timestamp_ms, window_ms, now_ms);
    return age != INT64_MIN && age > 2 * sync_period_ms;
}

static void stale_line(const char *who, int64_t ts, int64_t window, int64_t now, int64_t sync,
                       char *buf, size_t bufsz, size_t n_stale, size_t n_total)
{
    char at[32], win[32], age[32], lim[32];
    ebb_rfc3339_format(ts, at, sizeof(at));
    src_fmt_duration(window, win, sizeof(win));
    src_fmt_duration(age_ms(ts, window, now), age, sizeof(age));
    src_fmt_duration(2 * sync, lim, sizeof(lim));
    int k =
        snprintf(buf, bufsz,
                 "stale metrics: %s sampled at %s (window %s) is %s old, over 2 sync periods (%s)",
                 who, at, win, age, lim);
    if (n_total > 1 && k >= 0 && (size_t)k < bufsz)
        snprintf(buf + k, bufsz - (size_t)k, "; %zu of %zu pods stale", n_stale, n_total);
}

const char *ebb_source_stale_samples(const struct ebb_pod *pods,
                                     const struct ebb_pod_sample *samples, size_t n, int64_t now_ms,
                                     int64_t sync_period_ms, char *buf, size_t bufsz)
{
    size_t worst = n, n_stale = 0, n_present = 0;
    int64_t worst_age = INT64_MIN;

    for (size_t i = 0; samples != NULL && i < n; i++) {
        if (!samples[i].present)
            continue;
        n_present++;
        if (!ebb_source_stale(samples[i].timestamp_ms, samples[i].window_ms, now_ms,
                              sync_period_ms))
            continue;
        n_stale++;
        int64_t a = age_ms(samples[i].timestamp_ms, samples[i].window_ms, now_ms);
        if (worst == n || a > worst_age) {
            worst = i;
            worst_age = a;
        }
    }
    if (n_stale == 0)
        return NULL;
    if (buf == NULL || bufsz == 0)
        return "stale metrics";
    char who[96];
    snprintf(who, sizeof(who), "pod %.80s",
             pods != NULL && pods[worst].name != NULL ? pods[worst].name : "?");
    stale_line(who, samples[worst].timestamp_ms, samples[worst].window_ms, now_ms, sync_period_ms,
               buf, bufsz, n_stale, n_present);
    return buf;
}

const char *ebb_source_stale_value(const struct ebb_source_value *v, int64_t now_ms,
                                   int64_t sync_period_ms, char *buf, size_t bufsz)
{
    if (v == NULL || !ebb_source_stale(v->timestamp_ms, v->window_ms, now_ms, sync_period_ms))
        return NULL;
    if (buf == NULL || bufsz == 0)
        return "stale metrics";
    stale_line("the oldest series", v->timestamp_ms, v->window_ms, now_ms, sync_period_ms, buf,
               bufsz, 1, 1);
    return buf;
}
