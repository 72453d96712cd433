/* validate.c -- every rule of a ScalingPolicy, reported all at once, PURE.
 *
 * Messages follow the API server's field errors ("Required value",
 * "Unsupported value: ...", "must be greater than 0") so that `ebb validate`
 * and `kubectl apply` read alike; crds/ebb.dev_scalingpolicies.yaml states
 * the same rules, and tests/unit/schema_test.c keeps the two in step.
 */
#include "validate.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../base/cron.h"

/* Limits that live only here; tests/unit/schema_test.c checks that the CRD
 * states the same numbers, by probing this validator at each bound. */
#define MAX_PORT 65535
#define MIN_POLICY_PERIOD_MS 1000LL /* HPA periodSeconds 1..1800 */
#define MAX_POLICY_PERIOD_MS (1800 * 1000LL)
#define MAX_COOLDOWN_MS (24 * 3600 * 1000LL)
#define MAX_BAND_FOR_MS (24 * 3600 * 1000LL)
#define MAX_SCHEDULE_DURATION_MS (366 * 24 * 3600 * 1000LL)
#define MIN_SYNC_PERIOD_MS 1000LL
#define MAX_SYNC_PERIOD_MS (3600 * 1000LL)
#define MAX_SELECTOR_EXPRESSIONS 32 /* the CRD bounds them for CEL's cost estimate */
#define MAX_SELECTOR_VALUES 64
#define MAX_LABEL_LEN 63
#define MAX_SUBDOMAIN_LEN 253

#define PATH_SZ 256
#define MSG_SZ 480
#define QUOTE_SZ 96

#define COUNT(t) (sizeof(t) / sizeof(*(t)))

/* Arrays of char, not of pointers: they stay in read-only data even in a
 * position-independent build. */
#define NAME_SZ 16
static const char target_kinds[][NAME_SZ] = {"Deployment", "StatefulSet"};
static const char target_api_versions[][NAME_SZ] = {"apps/v1"};

/* Which target types each metric type accepts, indexed by enum ebb_metric_type. */
static const unsigned allowed_targets[EBB_METRIC_TYPE__COUNT] = {
    [EBB_METRIC_RESOURCE] = (1u << EBB_TARGET_UTILIZATION) | (1u << EBB_TARGET_AVERAGE_VALUE),
    [EBB_METRIC_PODS] = (1u << EBB_TARGET_AVERAGE_VALUE),
    [EBB_METRIC_EXTERNAL] = (1u << EBB_TARGET_VALUE) | (1u << EBB_TARGET_AVERAGE_VALUE),
    [EBB_METRIC_PROMETHEUS] = (1u << EBB_TARGET_VALUE) | (1u << EBB_TARGET_AVERAGE_VALUE),
};

/* Appends "base.field: message"; field may be NULL for the base itself. */
static void fail(struct ebb_errlist *errs, const char *base, const char *field, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

static void fail(struct ebb_errlist *errs, const char *base, const char *field, const char *fmt,
                 ...)
{
    char path[PATH_SZ];
    char msg[MSG_SZ];
    va_list ap;

    if (field == NULL)
        snprintf(path, sizeof(path), "%s", base);
    else
        snprintf(path, sizeof(path), "%s.%s", base, field);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ebb_errlist_add(errs, path, "%s", msg);
}

/* Builds a field path; paths are short, so truncation is not a concern
 * (vsnprintf keeps it NUL-terminated if it ever happened). */
static void pathf(char *buf, size_t bufsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pathf(char *buf, size_t bufsz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, bufsz, fmt, ap);
    va_end(ap);
}

/* A user's string, double-quoted and escaped so that control characters and
 * very long values cannot garble the message. */
static const char *quote(const char *s, char *buf, size_t bufsz)
{
    size_t o = 0;
    buf[o++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (o + 8 >= bufsz) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (*c == '"' || *c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)*c;
        } else if (*c < 0x20 || *c == 0x7f) {
            o += (size_t)snprintf(buf + o, bufsz - o, "\\x%02x", *c);
        } else {
            buf[o++] = (char)*c;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* Milliseconds as the shortest Go-style duration that states them exactly:
 * "1h", "30m", "1s", "8784h", "250ms". */
static const char *fmt_ms(int64_t ms, char *buf, size_t bufsz)
{
    if (ms != 0 && ms % (3600 * 1000LL) == 0)
        snprintf(buf, bufsz, "%" PRId64 "h", (int64_t)(ms / (3600 * 1000LL)));
    else if (ms != 0 && ms % (60 * 1000LL) == 0)
        snprintf(buf, bufsz, "%" PRId64 "m", (int64_t)(ms / (60 * 1000LL)));
    else if (ms % 1000 == 0)
        snprintf(buf, bufsz, "%" PRId64 "s", ms / 1000);
    else
        snprintf(buf, bufsz, "%" PRId64 "ms", ms);
    return buf;
}

/* A quantity as written canonically: "30", "500m". */
static const char *fmt_q(int64_t milli, char *buf, size_t bufsz)
{
    if (milli % 1000 == 0)
        snprintf(buf, bufsz, "%" PRId64, milli / 1000);
    else
        snprintf(buf, bufsz, "%" PRId64 "m", milli);
    return buf;
}

static bool is_empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

static bool in_list(const char *s, const char (*list)[NAME_SZ], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* "Unsupported value: "Foo": supported values: "A", "B"", and when
 * metric_type is not NULL " for a <metric_type> metric". */
static void unsupported_for(struct ebb_errlist *errs, const char *base, const char *field,
                            const char *got, const char *const *vals, size_t n,
                            const char *metric_type)
{
    char q[QUOTE_SZ];
    char list[MSG_SZ];
    size_t o = 0;

    list[0] = '\0';
    for (size_t i = 0; i < n && o < sizeof(list); i++)
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s\"%s\"", i ? ", " : "", vals[i]);
    const char *article = "";
    if (metric_type != NULL)
        article =
            metric_type[0] != '\0' && strchr("AEIOU", metric_type[0]) ? " for an " : " for a ";
    fail(errs, base, field, "Unsupported value: %s: supported values: %s%s%s%s",
         quote(got, q, sizeof(q)), list, article, metric_type ? metric_type : "",
         metric_type ? " metric" : "");
}

static void unsupported(struct ebb_errlist *errs, const char *base, const char *field,
                        const char *got, const char (*list)[NAME_SZ], size_t n)
{
    const char *vals[8];
    size_t k = 0;

    for (size_t i = 0; i < n && k < COUNT(vals); i++)
        vals[k++] = list[i];
    unsupported_for(errs, base, field, got, vals, k, NULL);
}

/* An enum member outside its table: only a program, never the codec, can
 * produce one, so the number itself is what is shown. */
static void unsupported_enum(struct ebb_errlist *errs, const char *base, const char *field,
                             unsigned v, const char *(*name)(unsigned), unsigned count)
{
    const char *vals[8];
    char got[16];
    size_t n = 0;

    for (unsigned i = 1; i < count && n < COUNT(vals); i++)
        vals[n++] = name(i);
    snprintf(got, sizeof(got), "%u", v);
    unsupported_for(errs, base, field, got, vals, n, NULL);
}

static const char *metric_type_name(unsigned v)
{
    return ebb_metric_type_name((enum ebb_metric_type)v);
}
static const char *target_type_name(unsigned v)
{
    return ebb_target_type_name((enum ebb_target_type)v);
}
static const char *select_policy_name(unsigned v)
{
    return ebb_select_policy_name((enum ebb_select_policy)v);
}
static const char *rate_type_name(unsigned v)
{
    return ebb_rate_type_name((enum ebb_rate_type)v);
}
static const char *selector_op_name(unsigned v)
{
    return ebb_selector_op_name((enum ebb_selector_op)v);
}

/* RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters. */
static bool is_label(const char *s, size_t n)
{
    if (n == 0 || n > MAX_LABEL_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && i > 0 && i + 1 < n))
            return false;
    }
    return true;
}

static void check_label(struct ebb_errlist *errs, const char *base, const char *field,
                        const char *s)
{
    char q[QUOTE_SZ];
    size_t n = strlen(s);

    if (n > MAX_LABEL_LEN)
        fail(errs, base, field, "Invalid value: %s: must be no more than %d characters",
             quote(s, q, sizeof(q)), MAX_LABEL_LEN);
    else if (!is_label(s, n))
        fail(errs, base, field,
             "Invalid value: %s: a lowercase RFC 1123 label must consist of lower case "
             "alphanumeric characters or '-', and must start and end with an alphanumeric "
             "character",
             quote(s, q, sizeof(q)));
}

/* RFC 1123 subdomain: labels joined by '.', at most 253 characters. */
static void check_subdomain(struct ebb_errlist *errs, const char *base, const char *field,
                            const char *s)
{
    char q[QUOTE_SZ];
    size_t n = strlen(s);
    bool ok = n > 0;

    for (const char *part = s; ok;) {
        const char *dot = strchr(part, '.');
        size_t len = dot ? (size_t)(dot - part) : strlen(part);
        /* Kubernetes limits only the whole name, not each part. */
        for (size_t i = 0; i < len && ok; i++) {
            char c = part[i];
            bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            ok = alnum || (c == '-' && i > 0 && i + 1 < len);
        }
        ok = ok && len > 0;
        if (dot == NULL)
            break;
        part = dot + 1;
    }
    if (n > MAX_SUBDOMAIN_LEN)
        fail(errs, base, field, "Invalid value: %s: must be no more than %d characters",
             quote(s, q, sizeof(q)), MAX_SUBDOMAIN_LEN);
    else if (!ok)
        fail(errs, base, field,
             "Invalid value: %s: a lowercase RFC 1123 subdomain must consist of lower case "
             "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
             "character",
             quote(s, q, sizeof(q)));
}

static void required_name(struct ebb_errlist *errs, const char *base, const char *field,
                          const char *s, bool subdomain)
{
    if (is_empty(s))
        fail(errs, base, field, "Required value");
    else if (subdomain)
        check_subdomain(errs, base, field, s);
    else
        check_label(errs, base, field, s);
}

/* A duration field that is optional: checked against [lo, hi] when set. */
static void check_duration(struct ebb_errlist *errs, const char *base, const char *field,
                           int64_t ms, int64_t lo, int64_t hi)
{
    char b[32];
    if (ms == EBB_UNSET)
        return;
    if (ms < lo)
        fail(errs, base, field, "must be greater than or equal to %s", fmt_ms(lo, b, sizeof(b)));
    else if (ms > hi)
        fail(errs, base, field, "must be less than or equal to %s", fmt_ms(hi, b, sizeof(b)));
}

static void check_target_ref(const struct ebb_target_ref *t, struct ebb_errlist *errs)
{
    const char *base = "spec.targetRef";

    if (is_empty(t->api_version))
        fail(errs, base, "apiVersion", "Required value");
    else if (!in_list(t->api_version, target_api_versions, COUNT(target_api_versions)))
        unsupported(errs, base, "apiVersion", t->api_version, target_api_versions,
                    COUNT(target_api_versions));
    if (is_empty(t->kind))
        fail(errs, base, "kind", "Required value");
    else if (!in_list(t->kind, target_kinds, COUNT(target_kinds)))
        unsupported(errs, base, "kind", t->kind, target_kinds, COUNT(target_kinds));
    required_name(errs, base, "name", t->name, true);
}

static bool has_zero_capable_metric(const struct ebb_policy_spec *s)
{
    for (size_t i = 0; i < s->n_metrics; i++)
        if (s->metrics[i].type == EBB_METRIC_EXTERNAL ||
            s->metrics[i].type == EBB_METRIC_PROMETHEUS)
            return true;
    return false;
}

static void check_replicas(const struct ebb_policy_spec *s, struct ebb_errlist *errs)
{
    bool max_ok = false;

    if (s->max_replicas == EBB_UNSET) {
        fail(errs, "spec.maxReplicas", NULL, "Required value");
    } else if (s->max_replicas < 1) {
        fail(errs, "spec.maxReplicas", NULL, "must be greater than or equal to 1");
    } else if (s->max_replicas > EBB_MAX_REPLICAS) {
        fail(errs, "spec.maxReplicas", NULL, "must be less than or equal to %d", EBB_MAX_REPLICAS);
    } else {
        max_ok = true;
    }

    /* UNSET only when defaults did not run: HPA's default of 1 then applies. */
    if (s->min_replicas == EBB_UNSET)
        return;
    if (s->min_replicas < 0) {
        fail(errs, "spec.minReplicas", NULL, "must be greater than or equal to 0");
    } else if (s->min_replicas > EBB_MAX_REPLICAS) {
        fail(errs, "spec.minReplicas", NULL, "must be less than or equal to %d", EBB_MAX_REPLICAS);
    } else if (max_ok && s->min_replicas > s->max_replicas) {
        fail(errs, "spec.minReplicas", NULL,
             "must be less than or equal to spec.maxReplicas (%" PRId32 ")", s->max_replicas);
    } else if (s->min_replicas == 0 && !has_zero_capable_metric(s)) {
        fail(errs, "spec.minReplicas", NULL,
             "may be 0 only when at least one metric is of type External or Prometheus "
             "(Resource and Pods metrics cannot be measured with no pods)");
    }
}

static void check_selector(const struct ebb_label_selector *sel, const char *base,
                           struct ebb_errlist *errs)
{
    char p[PATH_SZ];

    if (!sel->set)
        return;
    for (size_t i = 0; i < sel->n_match_labels; i++) {
        if (is_empty(sel->match_labels[i].key)) {
            pathf(p, sizeof(p), "%s.matchLabels", base);
            fail(errs, p, NULL, "Invalid value: \"\": a label key must not be empty");
        }
    }
    if (sel->n_match_expressions > MAX_SELECTOR_EXPRESSIONS) {
        pathf(p, sizeof(p), "%s.matchExpressions", base);
        fail(errs, p, NULL, "Too many: %zu: must have at most %d items", sel->n_match_expressions,
             MAX_SELECTOR_EXPRESSIONS);
    }
    for (size_t i = 0; i < sel->n_match_expressions; i++) {
        const struct ebb_selector_req *r = &sel->match_expressions[i];
        pathf(p, sizeof(p), "%s.matchExpressions[%zu]", base, i);
        if (is_empty(r->key))
            fail(errs, p, "key", "Required value");
        switch (r->op) {
        case EBB_SELECTOR_OP_UNSET:
            fail(errs, p, "operator", "Required value");
            break;
        case EBB_SELECTOR_IN:
        case EBB_SELECTOR_NOT_IN:
            if (r->n_values == 0)
                fail(errs, p, "values",
                     "Required value: must be specified when `operator` is 'In' or 'NotIn'");
            else if (r->n_values > MAX_SELECTOR_VALUES)
                fail(errs, p, "values", "Too many: %zu: must have at most %d items", r->n_values,
                     MAX_SELECTOR_VALUES);
            break;
        case EBB_SELECTOR_EXISTS:
        case EBB_SELECTOR_DOES_NOT_EXIST:
            if (r->n_values > 0)
                fail(errs, p, "values",
                     "Forbidden: may not be specified when `operator` is 'Exists' or "
                     "'DoesNotExist'");
            break;
        default:
            unsupported_enum(errs, p, "operator", r->op, selector_op_name,
                             EBB_SELECTOR_DOES_NOT_EXIST + 1);
            break;
        }
    }
}

static bool is_http_url(const char *s)
{
    const char *rest;
    if (strncmp(s, "http://", 7) == 0)
        rest = s + 7;
    else if (strncmp(s, "https://", 8) == 0)
        rest = s + 8;
    else
        return false;
    if (*rest == '\0' || *rest == '/' || *rest == '?' || *rest == '#')
        return false;
    for (const char *c = s; *c != '\0'; c++)
        if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
            return false;
    return true;
}

/* Exactly the source block of the metric's type, and what that block needs. */
static void check_source(const struct ebb_metric_spec *m, const char *mp, struct ebb_errlist *errs)
{
    struct block {
        enum ebb_metric_type type;
        const char *field;
        bool set;
    };
    const struct block blocks[] = {
        {EBB_METRIC_RESOURCE, "resource", m->resource.set},
        {EBB_METRIC_PODS, "pods", m->pods.set},
        {EBB_METRIC_EXTERNAL, "external", m->external.set},
        {EBB_METRIC_PROMETHEUS, "prometheus", m->prometheus.set},
    };
    const char *tname = ebb_metric_type_name(m->type);
    char p[PATH_SZ];
    char q[QUOTE_SZ];

    for (size_t i = 0; i < COUNT(blocks); i++) {
        if (blocks[i].type == m->type && !blocks[i].set)
            fail(errs, mp, blocks[i].field, "Required value: must be set when type is \"%s\"",
                 tname);
        else if (blocks[i].type != m->type && blocks[i].set && m->type != EBB_METRIC_TYPE_UNSET)
            fail(errs, mp, blocks[i].field, "Forbidden: must be omitted when type is \"%s\"",
                 tname);
    }

    if (m->resource.set) {
        pathf(p, sizeof(p), "%s.resource", mp);
        if (is_empty(m->resource.name))
            fail(errs, p, "name", "Required value");
        if (m->resource.container != NULL)
            required_name(errs, p, "container", m->resource.container, false);
    }
    if (m->pods.set) {
        pathf(p, sizeof(p), "%s.pods.metric", mp);
        if (is_empty(m->pods.metric_name))
            fail(errs, p, "name", "Required value");
        pathf(p, sizeof(p), "%s.pods.metric.selector", mp);
        check_selector(&m->pods.selector, p, errs);
    }
    if (m->external.set) {
        pathf(p, sizeof(p), "%s.external.metric", mp);
        if (is_empty(m->external.metric_name))
            fail(errs, p, "name", "Required value");
        pathf(p, sizeof(p), "%s.external.metric.selector", mp);
        check_selector(&m->external.selector, p, errs);
    }
    if (m->prometheus.set) {
        pathf(p, sizeof(p), "%s.prometheus", mp);
        if (is_empty(m->prometheus.query))
            fail(errs, p, "query", "Required value");
        if (m->prometheus.address != NULL && !is_http_url(m->prometheus.address))
            fail(errs, p, "address",
                 "Invalid value: %s: must be an http:// or https:// URL, such as "
                 "\"http://prometheus.monitoring:9090\"",
                 quote(m->prometheus.address, q, sizeof(q)));
    }
}

static void check_target(const struct ebb_metric_spec *m, const char *mp, struct ebb_errlist *errs)
{
    const struct ebb_metric_target *t = &m->target;
    char tp[PATH_SZ];
    const char *tname = ebb_target_type_name(t->type);

    pathf(tp, sizeof(tp), "%s.target", mp);
    if (t->type == EBB_TARGET_TYPE_UNSET) {
        fail(errs, tp, "type", "Required value");
    } else if ((unsigned)t->type >= EBB_TARGET_TYPE__COUNT) {
        unsupported_enum(errs, tp, "type", t->type, target_type_name, EBB_TARGET_TYPE__COUNT);
        return;
    } else if (m->type > EBB_METRIC_TYPE_UNSET && m->type < EBB_METRIC_TYPE__COUNT &&
               !(allowed_targets[m->type] & (1u << t->type))) {
        const char *vals[EBB_TARGET_TYPE__COUNT];
        size_t n = 0;
        for (unsigned i = 1; i < EBB_TARGET_TYPE__COUNT; i++)
            if (allowed_targets[m->type] & (1u << i))
                vals[n++] = ebb_target_type_name((enum ebb_target_type)i);
        unsupported_for(errs, tp, "type", tname, vals, n, ebb_metric_type_name(m->type));
    }

    bool util = t->type == EBB_TARGET_UTILIZATION;
    bool avg = t->type == EBB_TARGET_AVERAGE_VALUE;
    bool val = t->type == EBB_TARGET_VALUE;
    bool known = t->type != EBB_TARGET_TYPE_UNSET;

    if (util && t->average_utilization == EBB_UNSET)
        fail(errs, tp, "averageUtilization",
             "Required value: must be set when type is "
             "\"Utilization\"");
    else if (t->average_utilization != EBB_UNSET && known && !util)
        fail(errs, tp, "averageUtilization",
             "Forbidden: may only be set when type is \"Utilization\"");
    else if (t->average_utilization != EBB_UNSET && t->average_utilization <= 0)
        fail(errs, tp, "averageUtilization", "must be greater than 0");

    if (avg && !t->average_value.set)
        fail(errs, tp, "averageValue", "Required value: must be set when type is \"AverageValue\"");
    else if (t->average_value.set && known && !avg)
        fail(errs, tp, "averageValue", "Forbidden: may only be set when type is \"AverageValue\"");
    else if (t->average_value.set && t->average_value.milli <= 0)
        fail(errs, tp, "averageValue", "must be greater than 0");

    if (val && !t->value.set)
        fail(errs, tp, "value", "Required value: must be set when type is \"Value\"");
    else if (t->value.set && known && !val)
        fail(errs, tp, "value", "Forbidden: may only be set when type is \"Value\"");
    else if (t->value.set && t->value.milli <= 0)
        fail(errs, tp, "value", "must be greater than 0");
}

static void check_band(const struct ebb_band *b, const char *mp, const char *side,
                       const char *threshold, struct ebb_errlist *errs)
{
    char bp[PATH_SZ];

    if (!b->set)
        return;
    pathf(bp, sizeof(bp), "%s.%s", mp, side);
    if (b->threshold.set && b->threshold.milli < 0)
        fail(errs, bp, threshold, "must be greater than or equal to 0");
    if (b->for_ms != EBB_UNSET && !b->threshold.set)
        fail(errs, bp, "for", "Forbidden: may only be set together with %s.%s", bp, threshold);
    else
        check_duration(errs, bp, "for", b->for_ms, 0, MAX_BAND_FOR_MS);
}

static void check_metric(const struct ebb_metric_spec *m, size_t i, const struct ebb_policy_spec *s,
                         struct ebb_errlist *errs)
{
    char mp[PATH_SZ];
    char q[QUOTE_SZ];
    char a[32];

    pathf(mp, sizeof(mp), "spec.metrics[%zu]", i);
    if (is_empty(m->name)) {
        fail(errs, mp, "name", "Required value");
    } else {
        check_label(errs, mp, "name", m->name);
        for (size_t j = 0; j < i; j++) {
            if (s->metrics[j].name != NULL && strcmp(s->metrics[j].name, m->name) == 0) {
                fail(errs, mp, "name", "Duplicate value: %s", quote(m->name, q, sizeof(q)));
                break;
            }
        }
    }

    if (m->type == EBB_METRIC_TYPE_UNSET)
        fail(errs, mp, "type", "Required value");
    else if ((unsigned)m->type >= EBB_METRIC_TYPE__COUNT)
        unsupported_enum(errs, mp, "type", m->type, metric_type_name, EBB_METRIC_TYPE__COUNT);
    else
        check_source(m, mp, errs);

    check_target(m, mp, errs);
    check_band(&m->scale_up, mp, "scaleUp", "above", errs);
    check_band(&m->scale_down, mp, "scaleDown", "below", errs);
    if (m->scale_up.set && m->scale_down.set && m->scale_up.threshold.set &&
        m->scale_down.threshold.set && m->scale_up.threshold.milli >= 0 &&
        m->scale_down.threshold.milli >= 0 &&
        m->scale_up.threshold.milli <= m->scale_down.threshold.milli) {
        char bp[PATH_SZ];
        pathf(bp, sizeof(bp), "%s.scaleUp", mp);
        fail(errs, bp, "above", "must be greater than %s.scaleDown.below (%s)", mp,
             fmt_q(m->scale_down.threshold.milli, a, sizeof(a)));
    }
}

static void check_metrics(const struct ebb_policy_spec *s, struct ebb_errlist *errs)
{
    if (s->n_metrics == 0) {
        fail(errs, "spec.metrics", NULL, "Required value: must specify at least one metric");
        return;
    }
    if (s->n_metrics > EBB_MAX_METRICS)
        fail(errs, "spec.metrics", NULL, "Too many: %zu: must have at most %d items", s->n_metrics,
             EBB_MAX_METRICS);
    for (size_t i = 0; i < s->n_metrics; i++)
        check_metric(&s->metrics[i], i, s, errs);
}

static void check_tolerance(const struct ebb_quantity *t, const char *base,
                            struct ebb_errlist *errs)
{
    if (t->set && t->milli < 0)
        fail(errs, base, "tolerance", "must be greater than or equal to 0");
}

static void check_rules(const struct ebb_scaling_rules *r, const struct ebb_quantity *tolerance,
                        const char *rp, struct ebb_errlist *errs)
{
    char p[PATH_SZ];

    /* Defaults copy behavior.tolerance here; a bad value is reported once,
     * where it was written. */
    if (!(tolerance->set && r->tolerance.milli == tolerance->milli))
        check_tolerance(&r->tolerance, rp, errs);
    check_duration(errs, rp, "stabilizationWindow", r->stabilization_ms, 0, EBB_MAX_WINDOW_MS);
    check_duration(errs, rp, "cooldown", r->cooldown_ms, 0, MAX_COOLDOWN_MS);
    if ((unsigned)r->select_policy >= EBB_SELECT__COUNT)
        unsupported_enum(errs, rp, "selectPolicy", r->select_policy, select_policy_name,
                         EBB_SELECT__COUNT);

    if (r->policies_set && r->n_policies == 0)
        fail(errs, rp, "policies", "Required value: must specify at least one policy");
    else if (r->n_policies > EBB_MAX_RATE_POLICIES)
        fail(errs, rp, "policies", "Too many: %zu: must have at most %d items", r->n_policies,
             EBB_MAX_RATE_POLICIES);
    for (size_t i = 0; i < r->n_policies; i++) {
        const struct ebb_rate_policy *rp_i = &r->policies[i];
        pathf(p, sizeof(p), "%s.policies[%zu]", rp, i);
        if (rp_i->type == EBB_RATE_TYPE_UNSET)
            fail(errs, p, "type", "Required value");
        else if ((unsigned)rp_i->type >= EBB_RATE_TYPE__COUNT)
            unsupported_enum(errs, p, "type", rp_i->type, rate_type_name, EBB_RATE_TYPE__COUNT);
        if (rp_i->value == EBB_UNSET)
            fail(errs, p, "value", "Required value");
        else if (rp_i->value <= 0)
            fail(errs, p, "value", "must be greater than 0");
        if (rp_i->period_ms == EBB_UNSET)
            fail(errs, p, "period", "Required value");
        else
            check_duration(errs, p, "period", rp_i->period_ms, MIN_POLICY_PERIOD_MS,
                           MAX_POLICY_PERIOD_MS);
    }
}

static void check_behavior(const struct ebb_behavior *b, struct ebb_errlist *errs)
{
    check_tolerance(&b->tolerance, "spec.behavior", errs);
    /* Without spec.behavior only the tolerance (defaulted) is meaningful. */
    if (!b->set)
        return;
    check_rules(&b->scale_up, &b->tolerance, "spec.behavior.scaleUp", errs);
    check_rules(&b->scale_down, &b->tolerance, "spec.behavior.scaleDown", errs);
}

/* IANA-looking: [A-Za-z0-9_+-]+ parts joined by single '/'. Whether the
 * zone exists is for the tz database to say. */
static bool is_tz_name(const char *s)
{
    size_t run = 0;
    for (const char *c = s; *c != '\0'; c++) {
        if (*c == '/') {
            if (run == 0)
                return false;
            run = 0;
        } else if (isalnum((unsigned char)*c) || *c == '_' || *c == '+' || *c == '-') {
            run++;
        } else {
            return false;
        }
    }
    return run > 0;
}

static void check_schedule(const struct ebb_schedule *sc, size_t i, const struct ebb_policy_spec *s,
                           struct ebb_errlist *errs)
{
    char sp[PATH_SZ];
    char q[QUOTE_SZ];
    char msg[MSG_SZ];
    bool recurring = sc->cron != NULL;
    bool absolute = sc->start_ms != EBB_TIME_UNSET || sc->end_ms != EBB_TIME_UNSET;

    pathf(sp, sizeof(sp), "spec.schedules[%zu]", i);
    if (is_empty(sc->name)) {
        fail(errs, sp, "name", "Required value");
    } else {
        check_label(errs, sp, "name", sc->name);
        for (size_t j = 0; j < i; j++) {
            if (s->schedules[j].name != NULL && strcmp(s->schedules[j].name, sc->name) == 0) {
                fail(errs, sp, "name", "Duplicate value: %s", quote(sc->name, q, sizeof(q)));
                break;
            }
        }
    }

    if (recurring && absolute) {
        fail(errs, sp, NULL,
             "Forbidden: cron and start/end are mutually exclusive: set either cron and "
             "duration, or start and end");
    } else if (!recurring && !absolute) {
        fail(errs, sp, NULL, "Required value: set either cron and duration, or start and end");
    }

    if (recurring) {
        struct ebb_cron c;
        msg[0] = '\0';
        if (ebb_cron_parse(sc->cron, &c, msg, sizeof(msg)) != EBB_OK)
            fail(errs, sp, "cron", "Invalid value: %s: %s", quote(sc->cron, q, sizeof(q)),
                 msg[0] ? msg : "not a valid cron expression");
        if (sc->duration_ms == EBB_UNSET)
            fail(errs, sp, "duration", "Required value: must be set together with cron");
        else if (sc->duration_ms <= 0)
            fail(errs, sp, "duration", "must be greater than 0s");
        else
            check_duration(errs, sp, "duration", sc->duration_ms, 1, MAX_SCHEDULE_DURATION_MS);
    } else {
        if (sc->duration_ms != EBB_UNSET)
            fail(errs, sp, "duration", "Forbidden: may only be set together with cron");
    }
    if (sc->time_zone != NULL) {
        if (!recurring)
            fail(errs, sp, "timeZone", "Forbidden: may only be set together with cron");
        else if (!is_tz_name(sc->time_zone))
            fail(errs, sp, "timeZone",
                 "Invalid value: %s: must be an IANA time zone name such as \"Europe/Berlin\" or "
                 "\"UTC\"",
                 quote(sc->time_zone, q, sizeof(q)));
    }
    if (absolute) {
        if (sc->start_ms == EBB_TIME_UNSET)
            fail(errs, sp, "start", "Required value: must be set together with end");
        if (sc->end_ms == EBB_TIME_UNSET)
            fail(errs, sp, "end", "Required value: must be set together with start");
        if (sc->start_ms != EBB_TIME_UNSET && sc->end_ms != EBB_TIME_UNSET &&
            sc->end_ms <= sc->start_ms)
            fail(errs, sp, "end", "must be after %s.start", sp);
    }

    bool min_ok = false;
    bool max_ok = false;
    if (sc->min_replicas == EBB_UNSET && sc->max_replicas == EBB_UNSET)
        fail(errs, sp, NULL, "Required value: set minReplicas, maxReplicas or both");
    if (sc->min_replicas != EBB_UNSET) {
        if (sc->min_replicas < 0)
            fail(errs, sp, "minReplicas", "must be greater than or equal to 0");
        else if (sc->min_replicas > EBB_MAX_REPLICAS)
            fail(errs, sp, "minReplicas", "must be less than or equal to %d", EBB_MAX_REPLICAS);
        else
            min_ok = true;
    }
    if (sc->max_replicas != EBB_UNSET) {
        if (sc->max_replicas < 1)
            fail(errs, sp, "maxReplicas", "must be greater than or equal to 1");
        else if (sc->max_replicas > EBB_MAX_REPLICAS)
            fail(errs, sp, "maxReplicas", "must be less than or equal to %d", EBB_MAX_REPLICAS);
        else
            max_ok = true;
    }
    if (min_ok && max_ok && sc->min_replicas > sc->max_replicas)
        fail(errs, sp, "minReplicas", "must be less than or equal to %s.maxReplicas (%" PRId32 ")",
             sp, sc->max_replicas);
}

static void check_schedules(const struct ebb_policy_spec *s, struct ebb_errlist *errs)
{
    if (s->n_schedules > EBB_MAX_SCHEDULES)
        fail(errs, "spec.schedules", NULL, "Too many: %zu: must have at most %d items",
             s->n_schedules, EBB_MAX_SCHEDULES);
    for (size_t i = 0; i < s->n_schedules; i++)
        check_schedule(&s->schedules[i], i, s, errs);
}

static bool check_port(struct ebb_errlist *errs, const char *field, int32_t v)
{
    if (v == EBB_UNSET) {
        fail(errs, "spec.channelPorts", field, "Required value");
        return false;
    }
    if (v < 1 || v > MAX_PORT) {
        fail(errs, "spec.channelPorts", field, "must be between 1 and %d, inclusive", MAX_PORT);
        return false;
    }
    return true;
}

static void check_channel_ports(const struct ebb_policy_spec *s, struct ebb_errlist *errs)
{
    const struct ebb_channel_ports *c = &s->channel_ports;
    const char *base = "spec.channelPorts";

    if (!c->set)
        return;
    required_name(errs, base, "pool", c->pool, true);
    bool ok = check_port(errs, "base", c->base);
    ok = check_port(errs, "rangeSize", c->range_size) && ok;
    ok = check_port(errs, "limit", c->limit) && ok;
    if (!ok)
        return;

    int64_t first_end = (int64_t)c->base + c->range_size - 1;
    if (c->limit < first_end) {
        fail(errs, base, "limit",
             "must be greater than or equal to spec.channelPorts.base + "
             "spec.channelPorts.rangeSize - 1 (%" PRId64 ")",
             first_end);
        return;
    }
    int64_t slots = ((int64_t)c->limit - c->base + 1) / c->range_size;
    if (s->max_replicas >= 1 && s->max_replicas <= EBB_MAX_REPLICAS && slots < s->max_replicas) {
        int64_t need = (int64_t)c->base + (int64_t)s->max_replicas * c->range_size - 1;
        char fix[96];
        if (need <= MAX_PORT)
            snprintf(fix, sizeof(fix), "raise spec.channelPorts.limit to %" PRId64, need);
        else
            snprintf(fix, sizeof(fix),
                     "lower spec.channelPorts.rangeSize or spec.channelPorts.base");
        fail(errs, base, NULL,
             "port pool %" PRId32 "-%" PRId32 " has %" PRId64 " slots of %" PRId32
             " ports, but spec.maxReplicas (%" PRId32 ") needs %" PRId32
             ": %s, or lower spec.maxReplicas to %" PRId64,
             c->base, c->limit, slots, c->range_size, s->max_replicas, s->max_replicas, fix, slots);
    }
}

void ebb_policy_validate(const struct ebb_policy *p, struct ebb_errlist *errs)
{
    const struct ebb_policy_spec *s = &p->spec;

    required_name(errs, "metadata", "name", p->metadata.name, true);
    check_target_ref(&s->target_ref, errs);
    check_replicas(s, errs);
    check_duration(errs, "spec", "syncPeriod", s->sync_period_ms, MIN_SYNC_PERIOD_MS,
                   MAX_SYNC_PERIOD_MS);
    check_metrics(s, errs);
    check_behavior(&s->behavior, errs);
    check_schedules(s, errs);
    check_channel_ports(s, errs);
}
