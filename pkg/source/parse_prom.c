/* parse_prom.c -- the Prometheus HTTP API's instant query: its URL and its
 * answer; see source.h.
 *
 * The answer (prometheus.io/docs/prometheus/latest/querying/api/):
 *   {"status":"success","data":{"resultType":"vector",
 *     "result":[{"metric":{"job":"web"},"value":[1767225600.123,"42"]}]},
 *    "warnings":["..."]}
 *   {"status":"error","errorType":"bad_data","error":"1:5: parse error: ..."}
 * Sample values are strings, because JSON has no NaN or infinities:
 * "NaN", "+Inf", "-Inf". resultType is scalar ([t, "v"]), vector (as
 * above), matrix ("values": [[t, "v"], ...] per series) or string ([t, "s"]);
 * a native histogram sample has "histogram" in place of "value".
 */
#include "source_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API "Prometheus"
#define ONE_SERIES_HINT "wrap it in sum(), max() or another aggregation"

/* [t, "v"] -> value and timestamp. */
static bool sample(const cJSON *pair, double *value, int64_t *ts_ms, struct src_err *e)
{
    if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2) {
        src_fail(e, EBB_ERR_PARSE, "%s answered a sample that is not [time, \"value\"]: %s", API,
                 cJSON_IsArray(pair) ? "an array of another length" : src_type_of(pair));
        return false;
    }
    const cJSON *t = cJSON_GetArrayItem(pair, 0), *v = cJSON_GetArrayItem(pair, 1);
    if (!cJSON_IsNumber(t) || !isfinite(t->valuedouble) || fabs(t->valuedouble) > 9.2e15) {
        src_fail(e, EBB_ERR_PARSE, "%s answered a sample whose time is not a number of seconds",
                 API);
        return false;
    }
    if (!cJSON_IsString(v)) {
        src_fail(e, EBB_ERR_PARSE, "%s answered a sample whose value is a %s, not a string", API,
                 src_type_of(v));
        return false;
    }
    const char *s = v->valuestring;
    char *end = NULL;
    double d = strtod(s, &end);
    /* strtod also takes hex, "nan(...)" and "infinity": Prometheus writes none of these */
    bool ok = s[0] != '\0' && end != NULL && *end == '\0' && strpbrk(s, "xX(") == NULL;
    if (!ok) {
        src_fail(e, EBB_ERR_PARSE, "%s answered a value that is not a number: \"%.64s\"", API, s);
        return false;
    }
    if (isnan(d)) {
        src_fail(e, EBB_ERR_INVALID,
                 "the query returned NaN (a division by zero, or no data in a rate window?)");
        return false;
    }
    if (isinf(d)) {
        src_fail(e, EBB_ERR_INVALID, "the query returned %s", d > 0 ? "+Inf" : "-Inf");
        return false;
    }
    *value = d;
    *ts_ms = llround(t->valuedouble * 1000.0);
    return true;
}

/* The label set of a series, {a="b", ...}, for messages. When it does not
 * fit in buf (a real server's series carry __name__, instance, job and
 * more, sorted by name), only the labels whose value differs from those of
 * `other` are written, as {..., pod="b"}: what tells the series apart, not
 * a cut after the first few labels that they share. */
static void labels(const cJSON *series, const cJSON *other, char *buf, size_t bufsz)
{
    const cJSON *m = src_get(series, "metric"), *om = src_get(other, "metric"), *l;
    if (!cJSON_IsObject(m))
        m = NULL;
    if (!cJSON_IsObject(om))
        om = NULL;
    for (int pass = 0; pass < 2; pass++) {
        size_t o = 0;
        int k = snprintf(buf, bufsz, "%s", pass ? "{..." : "{");
        o = k > 0 ? (size_t)k : 0;
        cJSON_ArrayForEach(l, m)
        {
            if (o >= bufsz)
                break;
            const char *v = cJSON_IsString(l) ? l->valuestring : "?";
            if (pass) {
                const cJSON *ol = l->string != NULL ? src_get(om, l->string) : NULL;
                if (cJSON_IsString(ol) && strcmp(ol->valuestring, v) == 0)
                    continue;
            }
            k = snprintf(buf + o, bufsz - o, "%s%.40s=\"%.40s\"", o > 1 ? ", " : "",
                         l->string != NULL ? l->string : "", v);
            o += k > 0 ? (size_t)k : 0;
        }
        if (o + 1 < bufsz) {
            snprintf(buf + o, bufsz - o, "}");
            return;
        }
    }
    if (bufsz > 5)
        snprintf(buf + bufsz - 5, 5, "...}"); /* even the differing labels are too long */
}

static void vector(const cJSON *result, struct ebb_source_value *out, struct src_err *e)
{
    if (!cJSON_IsArray(result)) {
        src_fail(e, EBB_ERR_PARSE, "%s answered a vector whose result is a %s, not an array", API,
                 src_type_of(result));
        return;
    }
    int n = cJSON_GetArraySize(result);
    if (n == 0) {
        src_fail(e, EBB_ERR_NOTFOUND,
                 "the query returned no series; it must return one (does the metric exist? "
                 "append `or vector(0)` to read no series as 0)");
        return;
    }
    if (n > 1) {
        char a[128], b[128];
        labels(cJSON_GetArrayItem(result, 0), cJSON_GetArrayItem(result, 1), a, sizeof(a));
        labels(cJSON_GetArrayItem(result, 1), cJSON_GetArrayItem(result, 0), b, sizeof(b));
        src_fail(e, EBB_ERR_NOTFOUND,
                 "the query returned %d series (%s, %s%s); it must return one: " ONE_SERIES_HINT, n,
                 a, b, n > 2 ? ", ..." : "");
        return;
    }
    const cJSON *series = cJSON_GetArrayItem(result, 0);
    if (!cJSON_IsObject(series)) {
        src_fail(e, EBB_ERR_PARSE, "%s answered a vector whose series is a %s, not an object", API,
                 src_type_of(series));
        return;
    }
    const cJSON *v = src_get(series, "value");
    if (src_absent(v)) {
        if (!src_absent(src_get(series, "histogram")))
            src_fail(e, EBB_ERR_NOTFOUND,
                     "the query returned a native histogram; it must return a number: use "
                     "histogram_quantile(), histogram_sum() or histogram_count()");
        else
            src_fail(e, EBB_ERR_PARSE, "%s answered a series without a value", API);
        return;
    }
    if (sample(v, &out->value, &out->timestamp_ms, e))
        out->count = 1;
}

enum ebb_rc ebb_source_parse_prom_query(const char *body, size_t len, struct ebb_source_value *out,
                                        char *err, size_t errsz)
{
    struct src_err e;
    cJSON *root = NULL;

    src_err_init(&e, err, errsz);
    if (out == NULL)
        return src_fail(&e, EBB_ERR_INVALID, "%s: no output", API);
    memset(out, 0, sizeof(*out));
    out->timestamp_ms = EBB_TIME_UNSET;
    root = src_parse_json(body, len, API, &e);
    if (root == NULL)
        goto out;
    const cJSON *status = src_get(root, "status");
    if (!cJSON_IsString(status)) {
        src_fail(&e, EBB_ERR_PARSE,
                 "%s answered %s without a status: is this a Prometheus query API?", API,
                 cJSON_IsObject(root) ? "an object" : src_type_of(root));
        goto out;
    }
    if (strcmp(status->valuestring, "error") == 0) {
        const cJSON *type = src_get(root, "errorType"), *msg = src_get(root, "error");
        src_fail(&e, EBB_ERR_INVALID, "Prometheus query failed: %s%s%s",
                 cJSON_IsString(type) ? type->valuestring : "", cJSON_IsString(type) ? ": " : "",
                 cJSON_IsString(msg) ? msg->valuestring : "(no error text)");
        goto out;
    }
    if (strcmp(status->valuestring, "success") != 0) {
        src_fail(&e, EBB_ERR_PARSE, "%s answered status \"%.32s\", not success or error", API,
                 status->valuestring);
        goto out;
    }
    const cJSON *data = src_get(root, "data");
    const cJSON *type = src_get(data, "resultType");
    const cJSON *result = src_get(data, "result");
    if (!cJSON_IsObject(data) || !cJSON_IsString(type)) {
        src_fail(&e, EBB_ERR_PARSE, "%s answered success without data.resultType", API);
        goto out;
    }
    const char *t = type->valuestring;
    if (strcmp(t, "scalar") == 0) {
        if (sample(result, &out->value, &out->timestamp_ms, &e))
            out->count = 1;
    } else if (strcmp(t, "vector") == 0) {
        vector(result, out, &e);
    } else if (strcmp(t, "matrix") == 0) {
        src_fail(&e, EBB_ERR_NOTFOUND,
                 "the query returned a range vector (matrix) of %d series; it must return one "
                 "number: remove the [range] or wrap it in a function such as rate() or "
                 "avg_over_time()",
                 cJSON_GetArraySize(result));
    } else if (strcmp(t, "string") == 0) {
        src_fail(&e, EBB_ERR_NOTFOUND, "the query returned a string; it must return a number");
    } else {
        src_fail(&e, EBB_ERR_PARSE, "%s answered resultType \"%.32s\", not scalar or vector", API,
                 t);
    }
out:
    if (e.rc != EBB_OK) {
        memset(out, 0, sizeof(*out));
        out->timestamp_ms = EBB_TIME_UNSET;
    }
    cJSON_Delete(root);
    return e.rc;
}

/* ---- the URL ------------------------------------------------------------- */

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static void add_seconds(struct ebb_strbuf *out, int64_t ms)
{
    ebb_strbuf_addf(out, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
}

enum ebb_rc ebb_source_prom_query_url(const char *address, const char *query, int64_t time_ms,
                                      int64_t timeout_ms, struct ebb_strbuf *out, char *err,
                                      size_t errsz)
{
    static const char hex[] = "0123456789ABCDEF";
    struct src_err e;
    size_t scheme = 0;

    src_err_init(&e, err, errsz);
    if (out == NULL)
        return src_fail(&e, EBB_ERR_INVALID, "%s: no output", API);
    if (address != NULL && strncmp(address, "http://", 7) == 0)
        scheme = 7;
    else if (address != NULL && strncmp(address, "https://", 8) == 0)
        scheme = 8;
    if (scheme == 0)
        return src_fail(&e, EBB_ERR_INVALID,
                        "Prometheus address \"%.100s\" must start with http:// or https://",
                        address != NULL ? address : "");
    size_t alen = strlen(address);
    while (alen > scheme && address[alen - 1] == '/')
        alen--;
    if (alen == scheme || address[scheme] == '/')
        return src_fail(&e, EBB_ERR_INVALID, "Prometheus address \"%.100s\" has no host", address);
    for (size_t i = scheme; i < alen; i++) {
        unsigned char c = (unsigned char)address[i];
        if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#')
            return src_fail(&e, EBB_ERR_INVALID,
                            "Prometheus address \"%.100s\" must be a plain URL: no spaces, query "
                            "or fragment",
                            address);
    }
    if (query == NULL || query[0] == '\0')
        return src_fail(&e, EBB_ERR_INVALID, "the Prometheus query is empty");
    if (time_ms != EBB_TIME_UNSET && time_ms < 0)
        return src_fail(&e, EBB_ERR_INVALID, "the query time is before 1970");

    ebb_strbuf_add(out, address, alen);
    ebb_strbuf_adds(out, "/api/v1/query?query=");
    for (const unsigned char *p = (const unsigned char *)query; *p != '\0'; p++) {
        if (unreserved(*p)) {
            ebb_strbuf_addch(out, (char)*p);
        } else {
            char pct[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            ebb_strbuf_add(out, pct, 3);
        }
    }
    if (time_ms != EBB_TIME_UNSET) {
        ebb_strbuf_adds(out, "&time=");
        add_seconds(out, time_ms);
    }
    if (timeout_ms > 0) {
        ebb_strbuf_adds(out, "&timeout=");
        add_seconds(out, timeout_ms);
    }
    if (ebb_strbuf_rc(out) != EBB_OK) {
        return src_fail(&e, EBB_ERR_NOMEM, "out of memory building the Prometheus URL");
    }
    return EBB_OK;
}
