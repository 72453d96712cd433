/*
 * kubesim: offered load curves (ks.h ks_load_*, metrics_internal.h
 * ks_curve_*).
 *
 *   constant:V               V requests/s
 *   step:V0,V1@T1,V2@T2      V0 from t=0, V1 from T1, ... (T: seconds or
 *                            a Go duration like 5m)
 *   sine:MIN:MAX[:PERIOD]    day/night: MIN at t=0, MAX half a period
 *                            later (PERIOD a Go duration, default 24h)
 *   blackfriday:BASE:PEAK    the Black Friday day of
 *                            examples/traces/black-friday.csv, scaled
 *   trace:FILE               the `ebb simulate` CSV, interpolated
 *                            linearly, held after the end
 */
#include "metrics_internal.h"
#include "workload_internal.h" /* wl_map */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/duration.h"
#include "../../pkg/base/rfc3339.h"

enum curve_kind { CURVE_CONSTANT, CURVE_STEP, CURVE_SINE, CURVE_POINTS };

struct curve_point {
    double t, v;
};

struct ks_curve {
    enum curve_kind kind;
    double a, b, period; /* constant: a; sine: min a, max b */
    /* step: held values from each t; points: linear between them */
    struct curve_point *pts;
    size_t n;
};

/* The Black Friday day: hours from the start -> fraction of PEAK-BASE
 * above BASE (read off examples/traces/black-friday.csv, 2026-11-27). */
static const struct curve_point blackfriday_shape[] = {
    {0, 0}, {5, 0}, {6, 0.4}, {13, 1.0}, {17, 1.0}, {21, 0.35}, {24, 0.15}, {27, 0},
};

/* Longest piece of a spec quoted back in a message. */
#define QUOTE 48

/* A finite number, the whole of s. */
static bool parse_num(const char *s, double *out)
{
    char *end = NULL;

    if (!*s)
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* A load: a finite number >= 0. */
static bool parse_load(const char *what, const char *s, double *out, char *err, size_t errlen)
{
    if (!parse_num(s, out)) {
        snprintf(err, errlen, "%s \"%.*s\" is not a number (requests per second)", what, QUOTE, s);
        return false;
    }
    if (*out < 0) {
        snprintf(err, errlen, "%s %.*s is negative; load is 0 or more", what, QUOTE, s);
        return false;
    }
    return true;
}

/* Seconds: a plain number or a Go duration ("90s", "5m", "24h"). */
static bool parse_secs(const char *what, const char *s, double *out, char *err, size_t errlen)
{
    int64_t ms = 0;
    char why[128];

    if (parse_num(s, out)) {
        if (*out < 0) {
            snprintf(err, errlen, "%s %.*s is negative", what, QUOTE, s);
            return false;
        }
        return true;
    }
    if (ebb_duration_parse(s, &ms, why, sizeof(why)) != EBB_OK) {
        snprintf(err, errlen, "%s \"%.*s\" is not seconds or a duration (like 90s or 24h): %s",
                 what, QUOTE, s, why);
        return false;
    }
    *out = (double)ms / 1000.0;
    return true;
}

static ks_curve *curve_new(enum curve_kind kind, size_t npts)
{
    ks_curve *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->kind = kind;
    if (npts) {
        c->pts = calloc(npts, sizeof(*c->pts));
        if (!c->pts) {
            free(c);
            return NULL;
        }
    }
    return c;
}

void ks_curve_free(ks_curve *c)
{
    if (!c)
        return;
    free(c->pts);
    free(c);
}

/* Splits s at sep into at most max pieces (copied into buf). Returns the
 * number of pieces found (may exceed max). */
static size_t split(const char *s, char sep, char *buf, size_t bufsz, char **parts, size_t max)
{
    size_t n = 0;

    snprintf(buf, bufsz, "%s", s);
    char *p = buf;
    for (;;) {
        char *c = strchr(p, sep);
        if (c)
            *c = '\0';
        if (n < max)
            parts[n] = p;
        n++;
        if (!c)
            return n;
        p = c + 1;
    }
}

static ks_curve *parse_constant(const char *arg, char *err, size_t errlen)
{
    double v = 0;
    char why[160];

    if (!parse_load("value", arg, &v, why, sizeof(why))) {
        snprintf(err, errlen, "constant: %s", why);
        return NULL;
    }
    ks_curve *c = curve_new(CURVE_CONSTANT, 0);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->a = v;
    return c;
}

static ks_curve *parse_step(const char *arg, char *err, size_t errlen)
{
    size_t cnt = 1;
    for (const char *p = arg; *p; p++)
        cnt += *p == ',';
    char *buf = malloc(strlen(arg) + 1);
    char **parts = calloc(cnt, sizeof(*parts));
    ks_curve *c = curve_new(CURVE_STEP, cnt);
    char why[200];

    if (!buf || !parts || !c) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    split(arg, ',', buf, strlen(arg) + 1, parts, cnt);
    for (size_t i = 0; i < cnt; i++) {
        char *at = strchr(parts[i], '@');
        double t = 0, v = 0;
        if (at)
            *at = '\0';
        if (!parse_load("value", parts[i], &v, why, sizeof(why))) {
            snprintf(err, errlen, "step: item %zu: %s", i + 1, why);
            goto fail;
        }
        if (at) {
            if (!parse_secs("time", at + 1, &t, why, sizeof(why))) {
                snprintf(err, errlen, "step: item %zu: %s", i + 1, why);
                goto fail;
            }
        } else if (i > 0) {
            snprintf(err, errlen,
                     "step: item %zu \"%.*s\" has no @TIME (only the first value starts at 0)",
                     i + 1, QUOTE, parts[i]);
            goto fail;
        }
        if (i > 0 && t <= c->pts[i - 1].t) {
            snprintf(err, errlen, "step: item %zu: time %.*s is not after the previous item's %g",
                     i + 1, QUOTE, at + 1, c->pts[i - 1].t);
            goto fail;
        }
        c->pts[i].t = t;
        c->pts[i].v = v;
    }
    c->n = cnt;
    free(buf);
    free(parts);
    return c;
fail:
    free(buf);
    free(parts);
    ks_curve_free(c);
    return NULL;
}

static ks_curve *parse_sine(const char *arg, char *err, size_t errlen)
{
    char buf[256], *parts[3];
    char why[200];
    double lo = 0, hi = 0, period = 86400;

    if (strlen(arg) >= sizeof(buf)) {
        snprintf(err, errlen, "sine: \"%.*s...\" is too long", QUOTE, arg);
        return NULL;
    }
    size_t n = split(arg, ':', buf, sizeof(buf), parts, 3);
    if (n < 2 || n > 3) {
        snprintf(err, errlen, "sine: expected MIN:MAX[:PERIOD], got \"%.*s\"", QUOTE, arg);
        return NULL;
    }
    if (!parse_load("MIN", parts[0], &lo, why, sizeof(why)) ||
        !parse_load("MAX", parts[1], &hi, why, sizeof(why)) ||
        (n == 3 && !parse_secs("PERIOD", parts[2], &period, why, sizeof(why)))) {
        snprintf(err, errlen, "sine: %s", why);
        return NULL;
    }
    if (hi < lo) {
        snprintf(err, errlen, "sine: MAX %s is below MIN %s", parts[1], parts[0]);
        return NULL;
    }
    if (!(period > 0)) {
        snprintf(err, errlen, "sine: PERIOD %s must be greater than 0", parts[2]);
        return NULL;
    }
    ks_curve *c = curve_new(CURVE_SINE, 0);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->a = lo;
    c->b = hi;
    c->period = period;
    return c;
}

static ks_curve *parse_blackfriday(const char *arg, char *err, size_t errlen)
{
    char buf[256], *parts[2];
    char why[200];
    double base = 0, peak = 0;
    const size_t npts = sizeof(blackfriday_shape) / sizeof(blackfriday_shape[0]);

    if (strlen(arg) >= sizeof(buf)) {
        snprintf(err, errlen, "blackfriday: \"%.*s...\" is too long", QUOTE, arg);
        return NULL;
    }
    if (split(arg, ':', buf, sizeof(buf), parts, 2) != 2) {
        snprintf(err, errlen, "blackfriday: expected BASE:PEAK, got \"%.*s\"", QUOTE, arg);
        return NULL;
    }
    if (!parse_load("BASE", parts[0], &base, why, sizeof(why)) ||
        !parse_load("PEAK", parts[1], &peak, why, sizeof(why))) {
        snprintf(err, errlen, "blackfriday: %s", why);
        return NULL;
    }
    ks_curve *c = curve_new(CURVE_POINTS, npts);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < npts; i++) {
        c->pts[i].t = blackfriday_shape[i].t * 3600.0;
        c->pts[i].v = base + (peak - base) * blackfriday_shape[i].v;
    }
    c->n = npts;
    return c;
}

/* ---- trace CSV ---------------------------------------------------- */

static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

/* The first two comma-separated fields of [s, e), trimmed, into a/b. */
static size_t two_fields(const char *s, const char *e, char a[64], char b[64])
{
    const char *c = memchr(s, ',', (size_t)(e - s));
    const char *as = s, *ae = c ? c : e;

    trim(&as, &ae);
    snprintf(a, 64, "%.*s", (int)(ae - as), as);
    b[0] = '\0';
    if (!c)
        return 1;
    const char *bs = c + 1, *be = memchr(bs, ',', (size_t)(e - bs));
    if (!be)
        be = e;
    trim(&bs, &be);
    snprintf(b, 64, "%.*s", (int)(be - bs), bs);
    return 2;
}

ks_curve *ks_curve_parse_trace(const char *name, const char *text, size_t len, char *err,
                               size_t errlen)
{
    const char *p = text, *end = text + len;
    int lineno = 0;
    bool header = false;
    double t0 = 0;
    size_t cap = 0;
    ks_curve *c = curve_new(CURVE_POINTS, 0);

    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "%s: a NUL byte: this is not a CSV text file", name);
        goto fail;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *s = p, *e = nl ? nl : end;
        char a[64], b[64];
        p = nl ? nl + 1 : end;
        lineno++;
        trim(&s, &e);
        if (s == e || *s == '#')
            continue;
        size_t nf = two_fields(s, e, a, b);
        if (!header) {
            if (nf < 2 || strcmp(a, "time") != 0 || strcmp(b, "load") != 0) {
                snprintf(err, errlen,
                         "%s:%d: the first row must be the header \"time,load\", got \"%.*s\"",
                         name, lineno, (int)(e - s > QUOTE ? QUOTE : e - s), s);
                goto fail;
            }
            header = true;
            continue;
        }
        if (nf < 2) {
            snprintf(err, errlen, "%s:%d: expected 2 fields (time,load), got 1: \"%s\"", name,
                     lineno, a);
            goto fail;
        }
        double t = 0, v = 0;
        int64_t ms = 0;
        if (ebb_rfc3339_parse(a, &ms) == EBB_OK) {
            t = (double)ms / 1000.0;
        } else if (!parse_num(a, &t)) {
            snprintf(err, errlen,
                     "%s:%d: time \"%s\" is not an RFC 3339 timestamp (like "
                     "2026-11-27T00:00:00Z) or a number of seconds",
                     name, lineno, a);
            goto fail;
        }
        char why[160];
        if (!parse_load("load", b, &v, why, sizeof(why))) {
            snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
            goto fail;
        }
        if (c->n == 0)
            t0 = t;
        t -= t0;
        if (c->n > 0 && t <= c->pts[c->n - 1].t) {
            snprintf(err, errlen, "%s:%d: time %s is not after the previous row's", name, lineno,
                     a);
            goto fail;
        }
        if (c->n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct curve_point *np = realloc(c->pts, ncap * sizeof(*np));
            if (!np) {
                snprintf(err, errlen, "%s:%d: out of memory", name, lineno);
                goto fail;
            }
            c->pts = np;
            cap = ncap;
        }
        c->pts[c->n].t = t;
        c->pts[c->n].v = v;
        c->n++;
    }
    if (c->n == 0) {
        snprintf(err, errlen,
                 "%s:%d: no data rows: expected the header \"time,load\" and then rows like "
                 "2026-11-27T00:00:00Z,12.5",
                 name, lineno > 0 ? lineno : 1);
        goto fail;
    }
    return c;
fail:
    ks_curve_free(c);
    return NULL;
}

static ks_curve *parse_trace_file(const char *path, char *err, size_t errlen)
{
    if (!*path) {
        snprintf(err, errlen, "trace: no file name (trace:FILE)");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "trace: %s: %s", path, strerror(errno));
        return NULL;
    }
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ebb_strbuf_add(&sb, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad || ebb_strbuf_rc(&sb) != EBB_OK) {
        snprintf(err, errlen, "trace: %s: %s", path, bad ? "read error" : "out of memory");
        ebb_strbuf_release(&sb);
        return NULL;
    }
    char why[300];
    ks_curve *c = ks_curve_parse_trace(path, sb.buf, sb.len, why, sizeof(why));
    if (!c)
        snprintf(err, errlen, "trace: %s", why);
    ebb_strbuf_release(&sb);
    return c;
}

ks_curve *ks_curve_parse(const char *spec, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        ks_curve *(*parse)(const char *arg, char *err, size_t errlen);
    } kinds[] = {
        {"constant", parse_constant},       {"step", parse_step},        {"sine", parse_sine},
        {"blackfriday", parse_blackfriday}, {"trace", parse_trace_file},
    };
    char why[400];

    if (!spec || !*spec) {
        snprintf(err, errlen,
                 "empty load spec: expected constant:V, step:V0,V1@T1,..., "
                 "sine:MIN:MAX[:PERIOD], blackfriday:BASE:PEAK or trace:FILE");
        return NULL;
    }
    const char *colon = strchr(spec, ':');
    size_t klen = colon ? (size_t)(colon - spec) : strlen(spec);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strlen(kinds[i].name) != klen || strncmp(spec, kinds[i].name, klen) != 0)
            continue;
        if (!colon) {
            snprintf(err, errlen, "load spec \"%.*s\": %s needs arguments after a ':'", QUOTE, spec,
                     kinds[i].name);
            return NULL;
        }
        ks_curve *c = kinds[i].parse(colon + 1, why, sizeof(why));
        if (!c)
            snprintf(err, errlen, "load spec \"%.*s\": %s", QUOTE, spec, why);
        return c;
    }
    snprintf(err, errlen,
             "load spec \"%.*s\": unknown curve \"%.*s\" (known: constant, step, sine, "
             "blackfriday, trace)",
             QUOTE, spec, (int)(klen > QUOTE ? QUOTE : klen), spec);
    return NULL;
}

static double points_at(const ks_curve *c, double t)
{
    if (t <= c->pts[0].t)
        return c->pts[0].v;
    if (t >= c->pts[c->n - 1].t)
        return c->pts[c->n - 1].v;
    size_t lo = 0, hi = c->n - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->pts[mid].t <= t)
            lo = mid;
        else
            hi = mid;
    }
    const struct curve_point *a = &c->pts[lo], *b = &c->pts[hi];
    return a->v + (b->v - a->v) * (t - a->t) / (b->t - a->t);
}

double ks_curve_at(const ks_curve *c, double t)
{
    if (!c)
        return 0;
    if (!(t > 0))
        t = 0;
    switch (c->kind) {
    case CURVE_CONSTANT:
        return c->a;
    case CURVE_SINE: {
        double ph = fmod(t, c->period) / c->period;
        return c->a + (c->b - c->a) * (1.0 - cos(2.0 * M_PI * ph)) / 2.0;
    }
    case CURVE_STEP: {
        double v = c->pts[0].v;
        for (size_t i = 1; i < c->n && c->pts[i].t <= t; i++)
            v = c->pts[i].v;
        return v;
    }
    case CURVE_POINTS:
        return c->n ? points_at(c, t) : 0;
    }
    return 0;
}

/* ---- the per-workload table --------------------------------------- */

struct load_entry {
    char *key;
    char *spec;
    double start;
    ks_curve *curve;
};

/* Entries in the order they were first set; by key through the map (a
 * sample looks up every workload's load: no scan per workload). */
struct ks_load {
    struct load_entry **v;
    size_t n, cap;
    struct wl_map by_key; /* key -> its entry */
};

ks_load *ks_load_new(void)
{
    ks_load *l = calloc(1, sizeof(ks_load));

    if (l)
        wl_map_init(&l->by_key);
    return l;
}

void ks_load_free(ks_load *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]->key);
        free(l->v[i]->spec);
        ks_curve_free(l->v[i]->curve);
        free(l->v[i]);
    }
    free(l->v);
    wl_map_free(&l->by_key, NULL);
    free(l);
}

static struct load_entry *find(const ks_load *l, const char *key)
{
    return l && key ? wl_map_get(&l->by_key, key) : NULL;
}

int ks_load_set(ks_load *l, const char *key, const char *spec, double start, char *err,
                size_t errlen)
{
    if (!l || !key || !*key || !strchr(key, '/')) {
        snprintf(err, errlen, "workload key \"%s\" is not \"namespace/name\"", key ? key : "");
        return KS_EINVALID;
    }
    ks_curve *c = ks_curve_parse(spec, err, errlen);
    if (!c)
        return KS_EINVALID;
    char *sp = strdup(spec);
    if (!sp) {
        ks_curve_free(c);
        snprintf(err, errlen, "out of memory");
        return KS_ENOMEM;
    }
    struct load_entry *e = find(l, key);
    if (!e) {
        if (l->n == l->cap) {
            size_t ncap = l->cap ? l->cap * 2 : 8;
            struct load_entry **nv = realloc(l->v, ncap * sizeof(*nv));
            if (!nv)
                goto nomem;
            l->v = nv;
            l->cap = ncap;
        }
        e = calloc(1, sizeof(*e));
        if (!e || !(e->key = strdup(key)) || wl_map_put(&l->by_key, key, e, NULL) != KS_OK) {
            if (e)
                free(e->key);
            free(e);
            goto nomem;
        }
        l->v[l->n++] = e;
    }
    free(e->spec);
    ks_curve_free(e->curve);
    e->spec = sp;
    e->curve = c;
    e->start = start;
    return KS_OK;
nomem:
    free(sp);
    ks_curve_free(c);
    snprintf(err, errlen, "out of memory");
    return KS_ENOMEM;
}

double ks_load_at(const ks_load *l, const char *key, double t)
{
    const struct load_entry *e = find(l, key);

    return e ? ks_curve_at(e->curve, t - e->start) : 0.0;
}

bool ks_load_has(const ks_load *l, const char *key)
{
    return find(l, key) != NULL;
}

const char *ks_load_spec(const ks_load *l, const char *key)
{
    const struct load_entry *e = find(l, key);

    return e ? e->spec : NULL;
}

int ks_load_unset(ks_load *l, const char *key)
{
    struct load_entry *e = l && key ? wl_map_del(&l->by_key, key) : NULL;
    size_t i = 0;

    if (!e)
        return KS_ENOTFOUND;
    while (l->v[i] != e)
        i++;
    memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
    l->n--;
    free(e->key);
    free(e->spec);
    ks_curve_free(e->curve);
    free(e);
    return KS_OK;
}

size_t ks_load_count(const ks_load *l)
{
    return l ? l->n : 0;
}

const char *ks_load_key_at(const ks_load *l, size_t i)
{
    return l && i < l->n ? l->v[i]->key : NULL;
}
