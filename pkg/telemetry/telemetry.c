/* telemetry.c -- counters, gauges, histograms and their Prometheus text. PURE.
 *
 * A family keeps its series twice: in an array (for rendering and for
 * swap-removal) and in a chained hash table keyed by the label values (for
 * O(1) updates). Each series is one allocation: the struct, then the
 * histogram's per-bucket counts, then its label values.
 */
#include "telemetry.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/msg.h"

struct tm_series {
    struct tm_series *next; /* hash chain */
    size_t index;           /* position in family->items */
    uint64_t hash;
    double value; /* counter, gauge; a histogram's sum */
    unsigned long long count;
    unsigned long long *bucket_counts; /* nbuckets + 1 (the last is +Inf), not cumulative */
    const char *values[EBB_TM_MAX_LABELS];
};

struct ebb_tm_family {
    char *name;
    char *help;
    enum ebb_tm_type type;
    size_t nlabels;
    char *labels[EBB_TM_MAX_LABELS];
    double buckets[EBB_TM_MAX_BUCKETS];
    size_t nbuckets;
    struct tm_series **items;
    size_t n, cap;
    struct tm_series **table; /* tsize chains; tsize is a power of two or 0 */
    size_t tsize;
};

struct ebb_telemetry {
    struct ebb_tm_family **families;
    size_t n, cap;
};

/* ---- names and values ---------------------------------------------------------------------- */

static bool name_ok(const char *s, bool colon)
{
    if (!s || !*s)
        return false;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        bool alpha =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
        if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

void ebb_tm_format_value(double v, char *buf, size_t bufsz)
{
    if (isnan(v)) {
        snprintf(buf, bufsz, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, bufsz, "%s", v > 0 ? "+Inf" : "-Inf");
        return;
    }
    /* The fewest significant digits that read back as the same double... */
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(buf, bufsz, "%.*e", prec - 1, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* ...written without an exponent when it is between -4 and 14, so
     * 10 is "10" and 1234567 is "1234567", not "1e+01" / "1.234567e+06". */
    const char *e = strchr(buf, 'e');
    long exp10 = e ? strtol(e + 1, NULL, 10) : 0;
    if (exp10 >= prec && exp10 < 15)
        prec = (int)exp10 + 1;
    snprintf(buf, bufsz, "%.*g", prec, v);
}

static uint64_t hash_values(const char *const *values, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        for (const unsigned char *p = (const unsigned char *)values[i]; *p; p++) {
            h ^= *p;
            h *= 1099511628211ULL;
        }
        h ^= 0xff; /* separator: ("a","bc") and ("ab","c") differ */
        h *= 1099511628211ULL;
    }
    return h;
}

static bool values_equal(const struct tm_series *s, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->values[i], values[i]) != 0)
            return false;
    return true;
}

static enum ebb_rc check_values(const struct ebb_tm_family *f, const char *const *values)
{
    if (f->nlabels > 0 && !values)
        return EBB_ERR_INVALID;
    for (size_t i = 0; i < f->nlabels; i++)
        if (!values[i])
            return EBB_ERR_INVALID;
    return EBB_OK;
}

/* ---- series lookup ------------------------------------------------------------------------- */

static struct tm_series *series_find(const struct ebb_tm_family *f, const char *const *values,
                                     uint64_t h)
{
    if (f->tsize == 0)
        return NULL;
    for (struct tm_series *s = f->table[h & (f->tsize - 1)]; s; s = s->next)
        if (s->hash == h && values_equal(s, values, f->nlabels))
            return s;
    return NULL;
}

static enum ebb_rc table_grow(struct ebb_tm_family *f)
{
    size_t nsize = f->tsize ? f->tsize * 2 : 16;
    struct tm_series **nt = calloc(nsize, sizeof(*nt));
    if (!nt)
        return EBB_ERR_NOMEM;
    for (size_t i = 0; i < f->n; i++) {
        struct tm_series *s = f->items[i];
        size_t b = s->hash & (nsize - 1);
        s->next = nt[b];
        nt[b] = s;
    }
    free(f->table);
    f->table = nt;
    f->tsize = nsize;
    return EBB_OK;
}

static enum ebb_rc series_get(struct ebb_tm_family *f, const char *const *values,
                              struct tm_series **out)
{
    enum ebb_rc rc = check_values(f, values);
    if (rc)
        return rc;
    uint64_t h = hash_values(values, f->nlabels);
    struct tm_series *s = series_find(f, values, h);
    if (s) {
        *out = s;
        return EBB_OK;
    }
    if (f->n == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 8;
        struct tm_series **ni = realloc(f->items, ncap * sizeof(*ni));
        if (!ni)
            return EBB_ERR_NOMEM;
        f->items = ni;
        f->cap = ncap;
    }
    if (f->n + 1 > f->tsize && (rc = table_grow(f)) != EBB_OK)
        return rc;

    size_t nb = f->type == EBB_TM_HISTOGRAM ? f->nbuckets + 1 : 0;
    size_t size = sizeof(*s) + nb * sizeof(unsigned long long);
    size_t lens[EBB_TM_MAX_LABELS];
    for (size_t i = 0; i < f->nlabels; i++) {
        lens[i] = strlen(values[i]) + 1;
        size += lens[i];
    }
    s = calloc(1, size);
    if (!s)
        return EBB_ERR_NOMEM;
    unsigned char *p = (unsigned char *)(s + 1);
    if (nb) {
        s->bucket_counts = (unsigned long long *)p;
        p += nb * sizeof(unsigned long long);
    }
    for (size_t i = 0; i < f->nlabels; i++) {
        memcpy(p, values[i], lens[i]);
        s->values[i] = (const char *)p;
        p += lens[i];
    }
    s->hash = h;
    s->index = f->n;
    f->items[f->n++] = s;
    size_t b = h & (f->tsize - 1);
    s->next = f->table[b];
    f->table[b] = s;
    *out = s;
    return EBB_OK;
}

static void series_unlink(struct ebb_tm_family *f, struct tm_series *s)
{
    struct tm_series **pp = &f->table[s->hash & (f->tsize - 1)];
    while (*pp != s)
        pp = &(*pp)->next;
    *pp = s->next;
    f->items[s->index] = f->items[f->n - 1];
    f->items[s->index]->index = s->index;
    f->n--;
    free(s);
}

/* ---- registry ------------------------------------------------------------------------------ */

enum ebb_rc ebb_telemetry_new(struct ebb_telemetry **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? EBB_OK : EBB_ERR_NOMEM;
}

static void family_free(struct ebb_tm_family *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->items[i]);
    free(f->items);
    free(f->table);
    for (size_t i = 0; i < f->nlabels; i++)
        free(f->labels[i]);
    free(f->name);
    free(f->help);
    free(f);
}

void ebb_telemetry_free(struct ebb_telemetry *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        family_free(t->families[i]);
    free(t->families);
    free(t);
}

struct ebb_tm_family *ebb_telemetry_find(const struct ebb_telemetry *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->families[i]->name, name) == 0)
            return t->families[i];
    return NULL;
}

static enum ebb_rc check_desc(const struct ebb_telemetry *t, const struct ebb_tm_desc *d,
                              size_t *nlabels, char *err, size_t errsz)
{
    if (!name_ok(d->name, true))
        return ebb_errf(err, errsz, EBB_ERR_INVALID, "metric name \"%s\" is not valid",
                        d->name ? d->name : "(null)");
    if (ebb_telemetry_find(t, d->name))
        return ebb_errf(err, errsz, EBB_ERR_INVALID, "metric %s is already registered", d->name);
    if (d->type != EBB_TM_COUNTER && d->type != EBB_TM_GAUGE && d->type != EBB_TM_HISTOGRAM)
        return ebb_errf(err, errsz, EBB_ERR_INVALID, "metric %s: unknown type %d", d->name,
                        (int)d->type);
    size_t n = 0;
    while (n < EBB_TM_MAX_LABELS && d->labels[n])
        n++;
    for (size_t i = 0; i < n; i++) {
        const char *l = d->labels[i];
        if (!name_ok(l, false) || strncmp(l, "__", 2) == 0)
            return ebb_errf(err, errsz, EBB_ERR_INVALID,
                            "metric %s: label name \"%s\" is not valid", d->name, l);
        if (d->type == EBB_TM_HISTOGRAM && strcmp(l, "le") == 0)
            return ebb_errf(err, errsz, EBB_ERR_INVALID,
                            "metric %s: a histogram cannot have a label named le", d->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(l, d->labels[j]) == 0)
                return ebb_errf(err, errsz, EBB_ERR_INVALID, "metric %s: label %s appears twice",
                                d->name, l);
    }
    if (d->type == EBB_TM_HISTOGRAM) {
        if (d->nbuckets > EBB_TM_MAX_BUCKETS)
            return ebb_errf(err, errsz, EBB_ERR_INVALID, "metric %s: %zu buckets, at most %d",
                            d->name, d->nbuckets, EBB_TM_MAX_BUCKETS);
        if (d->nbuckets && !d->buckets)
            return ebb_errf(err, errsz, EBB_ERR_INVALID, "metric %s: no bucket list", d->name);
        for (size_t i = 0; i < d->nbuckets; i++) {
            if (!isfinite(d->buckets[i]))
                return ebb_errf(err, errsz, EBB_ERR_INVALID,
                                "metric %s: bucket %zu is not finite (+Inf is implicit)", d->name,
                                i);
            if (i > 0 && !(d->buckets[i] > d->buckets[i - 1]))
                return ebb_errf(err, errsz, EBB_ERR_INVALID,
                                "metric %s: buckets must increase strictly (bucket %zu)", d->name,
                                i);
        }
    }
    *nlabels = n;
    return EBB_OK;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

enum ebb_rc ebb_telemetry_register(struct ebb_telemetry *t, const struct ebb_tm_desc *d,
                                   struct ebb_tm_family **out, char *err, size_t errsz)
{
    size_t nlabels = 0;
    enum ebb_rc rc = check_desc(t, d, &nlabels, err, errsz);
    if (rc)
        return rc;
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        struct ebb_tm_family **nf = realloc(t->families, ncap * sizeof(*nf));
        if (!nf)
            goto nomem;
        t->families = nf;
        t->cap = ncap;
    }
    struct ebb_tm_family *f = calloc(1, sizeof(*f));
    if (!f)
        goto nomem;
    f->type = d->type;
    f->name = dup_str(d->name);
    f->help = dup_str(d->help ? d->help : "");
    if (!f->name || !f->help)
        goto nomem_family;
    for (; f->nlabels < nlabels; f->nlabels++)
        if (!(f->labels[f->nlabels] = dup_str(d->labels[f->nlabels])))
            goto nomem_family;
    if (d->type == EBB_TM_HISTOGRAM) {
        static const double defaults[] = EBB_TM_DEFAULT_BUCKETS;
        const double *b = d->nbuckets ? d->buckets : defaults;
        f->nbuckets = d->nbuckets ? d->nbuckets : sizeof(defaults) / sizeof(defaults[0]);
        memcpy(f->buckets, b, f->nbuckets * sizeof(double));
    }
    if (nlabels == 0) {
        /* The one series exists from the start, so it renders as 0. */
        struct tm_series *s;
        if (series_get(f, NULL, &s))
            goto nomem_family;
    }
    t->families[t->n++] = f;
    if (out)
        *out = f;
    return EBB_OK;
nomem_family:
    family_free(f);
nomem:
    return ebb_errf(err, errsz, EBB_ERR_NOMEM, "metric %s: out of memory", d->name);
}

/* ---- operations ---------------------------------------------------------------------------- */

enum ebb_rc ebb_tm_add(struct ebb_tm_family *f, const char *const *values, double v)
{
    if (f->type == EBB_TM_HISTOGRAM)
        return EBB_ERR_INVALID;
    if (f->type == EBB_TM_COUNTER && !(v >= 0))
        return EBB_ERR_INVALID; /* negative or NaN */
    struct tm_series *s;
    enum ebb_rc rc = series_get(f, values, &s);
    if (rc)
        return rc;
    s->value += v;
    return EBB_OK;
}

enum ebb_rc ebb_tm_inc(struct ebb_tm_family *f, const char *const *values)
{
    return ebb_tm_add(f, values, 1);
}

enum ebb_rc ebb_tm_set(struct ebb_tm_family *f, const char *const *values, double v)
{
    if (f->type != EBB_TM_GAUGE)
        return EBB_ERR_INVALID;
    struct tm_series *s;
    enum ebb_rc rc = series_get(f, values, &s);
    if (rc)
        return rc;
    s->value = v;
    return EBB_OK;
}

enum ebb_rc ebb_tm_observe(struct ebb_tm_family *f, const char *const *values, double v)
{
    if (f->type != EBB_TM_HISTOGRAM || isnan(v))
        return EBB_ERR_INVALID;
    struct tm_series *s;
    enum ebb_rc rc = series_get(f, values, &s);
    if (rc)
        return rc;
    size_t i = 0;
    while (i < f->nbuckets && v > f->buckets[i])
        i++;
    s->bucket_counts[i]++;
    s->count++;
    s->value += v;
    return EBB_OK;
}

enum ebb_rc ebb_tm_remove(struct ebb_tm_family *f, const char *const *values)
{
    if (f->nlabels == 0 || check_values(f, values))
        return f->nlabels == 0 ? EBB_ERR_INVALID : EBB_ERR_NOTFOUND;
    struct tm_series *s = series_find(f, values, hash_values(values, f->nlabels));
    if (!s)
        return EBB_ERR_NOTFOUND;
    series_unlink(f, s);
    return EBB_OK;
}

size_t ebb_tm_remove_matching(struct ebb_tm_family *f, const char *const *values)
{
    if (f->nlabels == 0 || !values)
        return 0;
    size_t dropped = 0;
    for (size_t i = 0; i < f->n;) {
        struct tm_series *s = f->items[i];
        bool match = true;
        for (size_t l = 0; l < f->nlabels && match; l++)
            match = !values[l] || strcmp(values[l], s->values[l]) == 0;
        if (match) {
            series_unlink(f, s); /* moves the last series into slot i */
            dropped++;
        } else {
            i++;
        }
    }
    return dropped;
}

enum ebb_rc ebb_tm_get(const struct ebb_tm_family *f, const char *const *values, double *out)
{
    if (check_values(f, values))
        return EBB_ERR_NOTFOUND;
    const struct tm_series *s = series_find(f, values, hash_values(values, f->nlabels));
    if (!s)
        return EBB_ERR_NOTFOUND;
    *out = s->value;
    return EBB_OK;
}

unsigned long long ebb_tm_count(const struct ebb_tm_family *f, const char *const *values)
{
    if (check_values(f, values))
        return 0;
    const struct tm_series *s = series_find(f, values, hash_values(values, f->nlabels));
    return s ? s->count : 0;
}

size_t ebb_tm_series(const struct ebb_tm_family *f)
{
    return f->n;
}

/* ---- rendering ----------------------------------------------------------------------------- */

static void add_escaped(struct ebb_strbuf *out, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            ebb_strbuf_adds(out, "\\\\");
        else if (*s == '\n')
            ebb_strbuf_adds(out, "\\n");
        else if (quote && *s == '"')
            ebb_strbuf_adds(out, "\\\"");
        else
            ebb_strbuf_addch(out, *s);
    }
}

/* name{l1="v1",...,extra="xv"} value */
static void add_sample(struct ebb_strbuf *out, const struct ebb_tm_family *f,
                       const struct tm_series *s, const char *suffix, const char *extra,
                       const char *extra_value, double v)
{
    char num[32];
    ebb_strbuf_adds(out, f->name);
    ebb_strbuf_adds(out, suffix);
    if (f->nlabels || extra) {
        ebb_strbuf_addch(out, '{');
        for (size_t i = 0; i < f->nlabels; i++) {
            ebb_strbuf_addf(out, "%s%s=\"", i ? "," : "", f->labels[i]);
            add_escaped(out, s->values[i], true);
            ebb_strbuf_addch(out, '"');
        }
        if (extra)
            ebb_strbuf_addf(out, "%s%s=\"%s\"", f->nlabels ? "," : "", extra, extra_value);
        ebb_strbuf_addch(out, '}');
    }
    ebb_tm_format_value(v, num, sizeof(num));
    ebb_strbuf_addch(out, ' ');
    ebb_strbuf_adds(out, num);
    ebb_strbuf_addch(out, '\n');
}

static void render_series(struct ebb_strbuf *out, const struct ebb_tm_family *f,
                          const struct tm_series *s)
{
    if (f->type != EBB_TM_HISTOGRAM) {
        add_sample(out, f, s, "", NULL, NULL, s->value);
        return;
    }
    char le[32];
    unsigned long long cum = 0;
    for (size_t b = 0; b <= f->nbuckets; b++) {
        cum += s->bucket_counts[b];
        if (b < f->nbuckets)
            ebb_tm_format_value(f->buckets[b], le, sizeof(le));
        else
            memcpy(le, "+Inf", 5);
        add_sample(out, f, s, "_bucket", "le", le, (double)cum);
    }
    add_sample(out, f, s, "_sum", NULL, NULL, s->value);
    add_sample(out, f, s, "_count", NULL, NULL, (double)s->count);
}

static int cmp_series(const void *a, const void *b)
{
    const struct tm_series *x = *(const struct tm_series *const *)a;
    const struct tm_series *y = *(const struct tm_series *const *)b;
    for (size_t i = 0; i < EBB_TM_MAX_LABELS && x->values[i]; i++) {
        int c = strcmp(x->values[i], y->values[i]);
        if (c)
            return c;
    }
    return 0;
}

enum ebb_rc ebb_telemetry_render(const struct ebb_telemetry *t, struct ebb_strbuf *out)
{
    static const char *const type_names[] = {"counter", "gauge", "histogram"};
    struct tm_series **sorted = NULL;
    size_t sorted_cap = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct ebb_tm_family *f = t->families[i];
        if (f->n == 0)
            continue;
        ebb_strbuf_addf(out, "# HELP %s ", f->name);
        add_escaped(out, f->help, false);
        ebb_strbuf_addf(out, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
        if (f->n > sorted_cap) {
            struct tm_series **ns = realloc(sorted, f->n * sizeof(*ns));
            if (!ns) {
                free(sorted);
                return EBB_ERR_NOMEM;
            }
            sorted = ns;
            sorted_cap = f->n;
        }
        memcpy(sorted, f->items, f->n * sizeof(*sorted));
        qsort(sorted, f->n, sizeof(*sorted), cmp_series);
        for (size_t k = 0; k < f->n; k++)
            render_series(out, f, sorted[k]);
    }
    free(sorted);
    return ebb_strbuf_rc(out);
}

/* ---- the operator's families --------------------------------------------------------------- */

enum ebb_rc ebb_tm_operator_register(struct ebb_telemetry *t, struct ebb_tm_operator *out,
                                     char *err, size_t errsz)
{
    static const double duration_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25,  0.5,    1,     2.5,  5,     10};
    const struct {
        struct ebb_tm_desc d;
        size_t offset;
    } table[] = {
        {{"ebb_reconcile_total",
          "Reconciles of a ScalingPolicy, by result.",
          EBB_TM_COUNTER,
          {"result"},
          NULL,
          0},
         offsetof(struct ebb_tm_operator, reconcile_total)},
        {{"ebb_reconcile_duration_seconds",
          "Time one reconcile of a ScalingPolicy took.",
          EBB_TM_HISTOGRAM,
          {NULL},
          duration_buckets,
          sizeof(duration_buckets) / sizeof(duration_buckets[0])},
         offsetof(struct ebb_tm_operator, reconcile_duration)},
        {{"ebb_scale_total",
          "Patches of a target's /scale, by direction.",
          EBB_TM_COUNTER,
          {"direction"},
          NULL,
          0},
         offsetof(struct ebb_tm_operator, scale_total)},
        {{"ebb_policies", "ScalingPolicies watched.", EBB_TM_GAUGE, {NULL}, NULL, 0},
         offsetof(struct ebb_tm_operator, policies)},
        {{"ebb_desired_replicas",
          "Replicas the last decision asked for.",
          EBB_TM_GAUGE,
          {"namespace", "policy"},
          NULL,
          0},
         offsetof(struct ebb_tm_operator, desired_replicas)},
        {{"ebb_current_replicas",
          "The target's spec.replicas when last seen.",
          EBB_TM_GAUGE,
          {"namespace", "policy"},
          NULL,
          0},
         offsetof(struct ebb_tm_operator, current_replicas)},
        {{"ebb_metric_value",
          "Last valid value of a policy's metric.",
          EBB_TM_GAUGE,
          {"namespace", "policy", "metric"},
          NULL,
          0},
         offsetof(struct ebb_tm_operator, metric_value)},
        {{"ebb_kube_requests_total",
          "Kubernetes API requests, by verb and HTTP status.",
          EBB_TM_COUNTER,
          {"verb", "code"},
          NULL,
          0},
         offsetof(struct ebb_tm_operator, kube_requests_total)},
        {{"ebb_leader",
          "1 while this process holds the leader lease, else 0.",
          EBB_TM_GAUGE,
          {NULL},
          NULL,
          0},
         offsetof(struct ebb_tm_operator, leader)},
    };
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        struct ebb_tm_family **slot =
            (struct ebb_tm_family **)(void *)((char *)out + table[i].offset);
        enum ebb_rc rc = ebb_telemetry_register(t, &table[i].d, slot, err, errsz);
        if (rc)
            return rc;
    }
    return EBB_OK;
}

void ebb_tm_operator_forget_policy(struct ebb_tm_operator *m, const char *ns, const char *name)
{
    const char *const key[] = {ns, name, NULL};
    ebb_tm_remove_matching(m->desired_replicas, key);
    ebb_tm_remove_matching(m->current_replicas, key);
    ebb_tm_remove_matching(m->metric_value, key);
}
