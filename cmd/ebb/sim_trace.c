#include "sim_trace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/duration.h"
#include "../../pkg/api/v1alpha1/quantity.h"
#include "../../pkg/api/v1alpha1/types.h"
#include "../../pkg/base/rfc3339.h"
#include "util.h"

/* The longest field quoted back in a message. */
#define QUOTE_MAX 40

static const char *const param_names[] = {"pod_capacity", "cpu_request", "startup",
                                          "initial_replicas"};
_Static_assert(sizeof(param_names) / sizeof(param_names[0]) == EBB_SIM_PARAM__COUNT,
               "one name per parameter");

const char *ebb_sim_param_name(enum ebb_sim_param k)
{
    return (unsigned)k < EBB_SIM_PARAM__COUNT ? param_names[k] : "";
}

/* A finite number with nothing after it. */
static bool parse_number(const char *s, double *out)
{
    char *end = NULL;
    if (*s == '\0')
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

enum ebb_rc ebb_sim_param_parse(enum ebb_sim_param k, const char *value, struct ebb_sim_params *p,
                                char *msg, size_t msgsz)
{
    char why[160] = "";
    double d = 0;
    int64_t v = 0;
    switch (k) {
    case EBB_SIM_POD_CAPACITY:
        if (!parse_number(value, &d) || !isfinite(d)) {
            snprintf(msg, msgsz, "\"%.*s\" is not a number (tasks per second, like 0.5)", QUOTE_MAX,
                     value);
            return EBB_ERR_PARSE;
        }
        if (!(d > 0)) {
            snprintf(msg, msgsz, "%.*s must be greater than 0", QUOTE_MAX, value);
            return EBB_ERR_INVALID;
        }
        p->pod_capacity = d;
        return EBB_OK;
    case EBB_SIM_CPU_REQUEST:
        if (ebb_quantity_parse(value, &v, why, sizeof(why)) != EBB_OK) {
            snprintf(msg, msgsz, "\"%.*s\" is not a quantity (like 500m or 1): %s", QUOTE_MAX,
                     value, why);
            return EBB_ERR_PARSE;
        }
        if (v <= 0) {
            snprintf(msg, msgsz, "%.*s must be greater than 0", QUOTE_MAX, value);
            return EBB_ERR_INVALID;
        }
        p->cpu_request_milli = v;
        return EBB_OK;
    case EBB_SIM_STARTUP:
        if (ebb_duration_parse(value, &v, why, sizeof(why)) != EBB_OK) {
            snprintf(msg, msgsz, "\"%.*s\" is not a duration (like 45s or 2m): %s", QUOTE_MAX,
                     value, why);
            return EBB_ERR_PARSE;
        }
        if (v > 24 * 3600 * 1000LL) {
            snprintf(msg, msgsz, "%.*s is longer than 24h", QUOTE_MAX, value);
            return EBB_ERR_INVALID;
        }
        p->startup_ms = v;
        return EBB_OK;
    case EBB_SIM_INITIAL_REPLICAS: {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(value, &end, 10);
        if (*value == '\0' || end == value || *end != '\0' || errno == ERANGE) {
            snprintf(msg, msgsz, "\"%.*s\" is not an integer", QUOTE_MAX, value);
            return EBB_ERR_PARSE;
        }
        if (n < 0 || n > EBB_MAX_REPLICAS) {
            snprintf(msg, msgsz, "%lld must be between 0 and %d", n, EBB_MAX_REPLICAS);
            return EBB_ERR_INVALID;
        }
        p->initial_replicas = (int32_t)n;
        return EBB_OK;
    }
    default:
        snprintf(msg, msgsz, "unknown parameter");
        return EBB_ERR_INVALID;
    }
}

void ebb_sim_trace_release(struct ebb_sim_trace *t)
{
    if (t == NULL)
        return;
    free(t->points);
    memset(t, 0, sizeof(*t));
}

/* Trims spaces and tabs from both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

/* Copies [s, e) into buf and NUL-terminates it; false when it had to be
 * cut short (no field of a trace is that long). */
static bool copy_field(char *buf, size_t bufsz, const char *s, const char *e)
{
    size_t n = (size_t)(e - s);
    bool fits = n < bufsz;
    if (!fits)
        n = bufsz - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return fits;
}

/* How many bytes of [s, e) to quote in a message. */
static int quote_len(const char *s, const char *e)
{
    return e - s > QUOTE_MAX ? QUOTE_MAX : (int)(e - s);
}

/* Splits the line [s, e) at commas into up to max trimmed fields. Returns
 * the number of fields found (which may exceed max); *cut tells whether a
 * kept field was too long to hold. */
static size_t split(const char *s, const char *e, char fields[][64], size_t max, bool *cut)
{
    size_t n = 0;
    *cut = false;
    for (;;) {
        const char *c = memchr(s, ',', (size_t)(e - s));
        const char *fe = c ? c : e;
        const char *fs = s;
        trim(&fs, &fe);
        if (n < max && !copy_field(fields[n], sizeof(fields[0]), fs, fe))
            *cut = true;
        n++;
        if (c == NULL)
            return n;
        s = c + 1;
    }
}

/* A "# key: value" comment: sets a parameter, or is plain text. */
static enum ebb_rc comment(const char *name, int lineno, const char *s, const char *e,
                           struct ebb_sim_trace *t, int *param_line, char *msg, size_t msgsz)
{
    s++; /* the '#' */
    trim(&s, &e);
    const char *k = s;
    while (k < e && ((*k >= 'a' && *k <= 'z') || *k == '_'))
        k++;
    if (k == s || k == e || *k != ':')
        return EBB_OK; /* free text */
    char key[64], value[64];
    const char *vs = k + 1, *ve = e;
    trim(&vs, &ve);
    if (!copy_field(key, sizeof(key), s, k) || !copy_field(value, sizeof(value), vs, ve)) {
        snprintf(msg, msgsz, "%s:%d: \"%.*s...\" is too long for a model parameter", name, lineno,
                 quote_len(s, e), s);
        return EBB_ERR_PARSE;
    }
    for (unsigned i = 0; i < EBB_SIM_PARAM__COUNT; i++) {
        if (strcmp(key, param_names[i]) != 0)
            continue;
        if (t->params_set & (1u << i)) {
            snprintf(msg, msgsz, "%s:%d: %s is set twice (first on line %d)", name, lineno, key,
                     param_line[i]);
            return EBB_ERR_INVALID;
        }
        char why[256];
        enum ebb_rc rc = ebb_sim_param_parse(i, value, &t->params, why, sizeof(why));
        if (rc != EBB_OK) {
            snprintf(msg, msgsz, "%s:%d: %s: %s", name, lineno, key, why);
            return rc;
        }
        t->params_set |= 1u << i;
        param_line[i] = lineno;
        return EBB_OK;
    }
    snprintf(msg, msgsz,
             "%s:%d: unknown model parameter \"%s\" (known: pod_capacity, cpu_request, startup, "
             "initial_replicas)",
             name, lineno, key);
    return EBB_ERR_INVALID;
}

static enum ebb_rc add_point(struct ebb_sim_trace *t, size_t *cap, int64_t time_ms, double load)
{
    if (t->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 1024;
        struct ebb_sim_point *p = realloc(t->points, ncap * sizeof(*p));
        if (p == NULL)
            return EBB_ERR_NOMEM;
        t->points = p;
        *cap = ncap;
    }
    t->points[t->n].time_ms = time_ms;
    t->points[t->n].load = load;
    t->n++;
    return EBB_OK;
}

/* One data row. */
static enum ebb_rc row(const char *name, int lineno, const char *s, const char *e,
                       struct ebb_sim_trace *t, size_t *cap, int *prev_line, char *msg,
                       size_t msgsz)
{
    char f[2][64];
    bool cut = false;
    size_t nf = split(s, e, f, 2, &cut);
    if (cut) {
        snprintf(msg, msgsz, "%s:%d: a field is too long: \"%.*s...\"", name, lineno,
                 quote_len(s, e), s);
        return EBB_ERR_PARSE;
    }
    if (nf < 2) {
        snprintf(msg, msgsz, "%s:%d: expected 2 fields (time,load), got 1: \"%.*s\"", name, lineno,
                 QUOTE_MAX, f[0]);
        return EBB_ERR_PARSE;
    }
    int64_t ms = 0;
    if (ebb_rfc3339_parse(f[0], &ms) != EBB_OK) {
        snprintf(msg, msgsz,
                 "%s:%d: time \"%.*s\" is not an RFC 3339 timestamp (like "
                 "2026-11-27T00:00:00Z)",
                 name, lineno, QUOTE_MAX, f[0]);
        return EBB_ERR_PARSE;
    }
    double load = 0;
    if (!parse_number(f[1], &load)) {
        snprintf(msg, msgsz, "%s:%d: load \"%.*s\" is not a number (tasks per second)", name,
                 lineno, QUOTE_MAX, f[1]);
        return EBB_ERR_PARSE;
    }
    if (!isfinite(load)) {
        snprintf(msg, msgsz, "%s:%d: load \"%.*s\" is not a finite number", name, lineno, QUOTE_MAX,
                 f[1]);
        return EBB_ERR_INVALID;
    }
    if (load < 0) {
        snprintf(msg, msgsz, "%s:%d: load %.*s is negative; offered load is 0 or more", name,
                 lineno, QUOTE_MAX, f[1]);
        return EBB_ERR_INVALID;
    }
    if (t->n > 0 && ms <= t->points[t->n - 1].time_ms) {
        char prev[32];
        ebb_rfc3339_format(t->points[t->n - 1].time_ms, prev, sizeof(prev));
        snprintf(msg, msgsz, "%s:%d: time %.*s is not after the previous row's %s (line %d)", name,
                 lineno, QUOTE_MAX, f[0], prev, *prev_line);
        return EBB_ERR_INVALID;
    }
    *prev_line = lineno;
    enum ebb_rc rc = add_point(t, cap, ms, load);
    if (rc != EBB_OK)
        snprintf(msg, msgsz, "%s:%d: out of memory", name, lineno);
    return rc;
}

enum ebb_rc ebb_sim_trace_parse(const char *name, const char *text, size_t len,
                                struct ebb_sim_trace *t, char *msg, size_t msgsz)
{
    enum ebb_rc rc = EBB_OK;
    const char *p = text, *end = text + len;
    int lineno = 0, prev_line = 0;
    int param_line[EBB_SIM_PARAM__COUNT] = {0};
    bool header = false;
    size_t cap = 0;

    memset(t, 0, sizeof(*t));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s = p, *e = le;
        p = nl ? nl + 1 : end;
        lineno++;
        trim(&s, &e);
        if (memchr(s, '\0', (size_t)(e - s)) != NULL) {
            snprintf(msg, msgsz, "%s:%d: a NUL byte: this is not a CSV text file", name, lineno);
            rc = EBB_ERR_PARSE;
            goto out;
        }
        if (s == e)
            continue;
        if (*s == '#') {
            rc = comment(name, lineno, s, e, t, param_line, msg, msgsz);
            if (rc != EBB_OK)
                goto out;
            continue;
        }
        if (!header) {
            char f[2][64];
            bool cut = false;
            size_t nf = split(s, e, f, 2, &cut);
            if (cut || nf < 2 || strcmp(f[0], "time") != 0 || strcmp(f[1], "load") != 0) {
                snprintf(msg, msgsz,
                         "%s:%d: the first row must be the header \"time,load\", got \"%.*s\"",
                         name, lineno, quote_len(s, e), s);
                rc = EBB_ERR_PARSE;
                goto out;
            }
            header = true;
            continue;
        }
        rc = row(name, lineno, s, e, t, &cap, &prev_line, msg, msgsz);
        if (rc != EBB_OK)
            goto out;
    }
    if (t->n == 0) {
        snprintf(msg, msgsz,
                 "%s:%d: no data rows: expected the header \"time,load\" and then "
                 "rows like 2026-11-27T00:00:00Z,12.5",
                 name, lineno > 0 ? lineno : 1);
        rc = EBB_ERR_PARSE;
    }
out:
    return rc;
}

enum ebb_rc ebb_sim_trace_load(const char *path, struct ebb_sim_trace *t, char *msg, size_t msgsz)
{
    char *text = NULL;
    size_t len = 0;
    memset(t, 0, sizeof(*t));
    enum ebb_rc rc = ebb_read_file(path, &text, &len, msg, msgsz);
    if (rc != EBB_OK)
        goto out;
    rc = ebb_sim_trace_parse(path, text, len, t, msg, msgsz);
out:
    free(text);
    return rc;
}

double ebb_sim_trace_load_at(const struct ebb_sim_trace *t, int64_t now_ms)
{
    if (t->n == 0)
        return 0.0;
    if (now_ms <= t->points[0].time_ms)
        return t->points[0].load;
    if (now_ms >= t->points[t->n - 1].time_ms)
        return t->points[t->n - 1].load;
    /* The last row at or before now_ms: points[lo].time_ms <= now_ms < points[hi].time_ms. */
    size_t lo = 0, hi = t->n - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->points[mid].time_ms <= now_ms)
            lo = mid;
        else
            hi = mid;
    }
    const struct ebb_sim_point *a = &t->points[lo], *b = &t->points[hi];
    double f = (double)(now_ms - a->time_ms) / (double)(b->time_ms - a->time_ms);
    return a->load + (b->load - a->load) * f;
}
