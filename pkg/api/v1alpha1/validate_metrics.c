/* validate_metrics.c -- the rules of spec.metrics, PURE: names, the source
 * block of each metric type and what it needs (resource, pods and external
 * selectors, a Prometheus address), the target and the scaleUp/scaleDown
 * bands. Part of ebb_policy_validate() (validate.c); the helpers are in
 * validate_internal.h.
 */
#include "validate.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "validate_internal.h"

/* Which target types each metric type accepts, indexed by enum ebb_metric_type. */
static const unsigned allowed_targets[EBB_METRIC_TYPE__COUNT] = {
    [EBB_METRIC_RESOURCE] = (1u << EBB_TARGET_UTILIZATION) | (1u << EBB_TARGET_AVERAGE_VALUE),
    [EBB_METRIC_PODS] = (1u << EBB_TARGET_AVERAGE_VALUE),
    [EBB_METRIC_EXTERNAL] = (1u << EBB_TARGET_VALUE) | (1u << EBB_TARGET_AVERAGE_VALUE),
    [EBB_METRIC_PROMETHEUS] = (1u << EBB_TARGET_VALUE) | (1u << EBB_TARGET_AVERAGE_VALUE),
};

/* A quantity as written canonically: "30", "500m". */
static const char *fmt_q(int64_t milli, char *buf, size_t bufsz)
{
    if (milli % 1000 == 0)
        snprintf(buf, bufsz, "%" PRId64, milli / 1000);
    else
        snprintf(buf, bufsz, "%" PRId64 "m", milli);
    return buf;
}

static const char *metric_type_name(unsigned v)
{
    return ebb_metric_type_name((enum ebb_metric_type)v);
}
static const char *target_type_name(unsigned v)
{
    return ebb_target_type_name((enum ebb_target_type)v);
}
static const char *selector_op_name(unsigned v)
{
    return ebb_selector_op_name((enum ebb_selector_op)v);
}

static void check_selector(const struct ebb_label_selector *sel, const char *base,
                           struct ebb_errlist *errs)
{
    char p[EBB__PATH_SZ];

    if (!sel->set)
        return;
    for (size_t i = 0; i < sel->n_match_labels; i++) {
        if (ebb__validate_empty(sel->match_labels[i].key)) {
            ebb__validate_path(p, sizeof(p), "%s.matchLabels", base);
            ebb__validate_fail(errs, p, NULL, "Invalid value: \"\": a label key must not be empty");
        }
    }
    if (sel->n_match_expressions > EBB__MAX_SELECTOR_EXPRESSIONS) {
        ebb__validate_path(p, sizeof(p), "%s.matchExpressions", base);
        ebb__validate_fail(errs, p, NULL, "Too many: %zu: must have at most %d items",
                           sel->n_match_expressions, EBB__MAX_SELECTOR_EXPRESSIONS);
    }
    for (size_t i = 0; i < sel->n_match_expressions; i++) {
        const struct ebb_selector_req *r = &sel->match_expressions[i];
        ebb__validate_path(p, sizeof(p), "%s.matchExpressions[%zu]", base, i);
        if (ebb__validate_empty(r->key))
            ebb__validate_fail(errs, p, "key", "Required value");
        switch (r->op) {
        case EBB_SELECTOR_OP_UNSET:
            ebb__validate_fail(errs, p, "operator", "Required value");
            break;
        case EBB_SELECTOR_IN:
        case EBB_SELECTOR_NOT_IN:
            if (r->n_values == 0)
                ebb__validate_fail(
                    errs, p, "values",
                    "Required value: must be specified when `operator` is 'In' or 'NotIn'");
            else if (r->n_values > EBB__MAX_SELECTOR_VALUES)
                ebb__validate_fail(errs, p, "values", "Too many: %zu: must have at most %d items",
                                   r->n_values, EBB__MAX_SELECTOR_VALUES);
            break;
        case EBB_SELECTOR_EXISTS:
        case EBB_SELECTOR_DOES_NOT_EXIST:
            if (r->n_values > 0)
                ebb__validate_fail(errs, p, "values",
                                   "Forbidden: may not be specified when `operator` is 'Exists' or "
                                   "'DoesNotExist'");
            break;
        default:
            ebb__validate_unsupported_enum(errs, p, "operator", r->op, selector_op_name,
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
    char p[EBB__PATH_SZ];
    char q[EBB__QUOTE_SZ];

    for (size_t i = 0; i < EBB__COUNT(blocks); i++) {
        if (blocks[i].type == m->type && !blocks[i].set)
            ebb__validate_fail(errs, mp, blocks[i].field,
                               "Required value: must be set when type is \"%s\"", tname);
        else if (blocks[i].type != m->type && blocks[i].set && m->type != EBB_METRIC_TYPE_UNSET)
            ebb__validate_fail(errs, mp, blocks[i].field,
                               "Forbidden: must be omitted when type is \"%s\"", tname);
    }

    if (m->resource.set) {
        ebb__validate_path(p, sizeof(p), "%s.resource", mp);
        if (ebb__validate_empty(m->resource.name))
            ebb__validate_fail(errs, p, "name", "Required value");
        if (m->resource.container != NULL)
            ebb__validate_required_name(errs, p, "container", m->resource.container, false);
    }
    if (m->pods.set) {
        ebb__validate_path(p, sizeof(p), "%s.pods.metric", mp);
        if (ebb__validate_empty(m->pods.metric_name))
            ebb__validate_fail(errs, p, "name", "Required value");
        ebb__validate_path(p, sizeof(p), "%s.pods.metric.selector", mp);
        check_selector(&m->pods.selector, p, errs);
    }
    if (m->external.set) {
        ebb__validate_path(p, sizeof(p), "%s.external.metric", mp);
        if (ebb__validate_empty(m->external.metric_name))
            ebb__validate_fail(errs, p, "name", "Required value");
        ebb__validate_path(p, sizeof(p), "%s.external.metric.selector", mp);
        check_selector(&m->external.selector, p, errs);
    }
    if (m->prometheus.set) {
        ebb__validate_path(p, sizeof(p), "%s.prometheus", mp);
        if (ebb__validate_empty(m->prometheus.query))
            ebb__validate_fail(errs, p, "query", "Required value");
        if (m->prometheus.address != NULL && !is_http_url(m->prometheus.address))
            ebb__validate_fail(errs, p, "address",
                               "Invalid value: %s: must be an http:// or https:// URL, such as "
                               "\"http://prometheus.monitoring:9090\"",
                               ebb__validate_quote(m->prometheus.address, q, sizeof(q)));
    }
}

static void check_target(const struct ebb_metric_spec *m, const char *mp, struct ebb_errlist *errs)
{
    const struct ebb_metric_target *t = &m->target;
    char tp[EBB__PATH_SZ];
    const char *tname = ebb_target_type_name(t->type);

    ebb__validate_path(tp, sizeof(tp), "%s.target", mp);
    if (t->type == EBB_TARGET_TYPE_UNSET) {
        ebb__validate_fail(errs, tp, "type", "Required value");
    } else if ((unsigned)t->type >= EBB_TARGET_TYPE__COUNT) {
        ebb__validate_unsupported_enum(errs, tp, "type", t->type, target_type_name,
                                       EBB_TARGET_TYPE__COUNT);
        return;
    } else if (m->type > EBB_METRIC_TYPE_UNSET && m->type < EBB_METRIC_TYPE__COUNT &&
               !(allowed_targets[m->type] & (1u << t->type))) {
        const char *vals[EBB_TARGET_TYPE__COUNT];
        size_t n = 0;
        for (unsigned i = 1; i < EBB_TARGET_TYPE__COUNT; i++)
            if (allowed_targets[m->type] & (1u << i))
                vals[n++] = ebb_target_type_name((enum ebb_target_type)i);
        ebb__validate_unsupported_for(errs, tp, "type", tname, vals, n,
                                      ebb_metric_type_name(m->type));
    }

    bool util = t->type == EBB_TARGET_UTILIZATION;
    bool avg = t->type == EBB_TARGET_AVERAGE_VALUE;
    bool val = t->type == EBB_TARGET_VALUE;
    bool known = t->type != EBB_TARGET_TYPE_UNSET;

    if (util && t->average_utilization == EBB_UNSET)
        ebb__validate_fail(errs, tp, "averageUtilization",
                           "Required value: must be set when type is "
                           "\"Utilization\"");
    else if (t->average_utilization != EBB_UNSET && known && !util)
        ebb__validate_fail(errs, tp, "averageUtilization",
                           "Forbidden: may only be set when type is \"Utilization\"");
    else if (t->average_utilization != EBB_UNSET && t->average_utilization <= 0)
        ebb__validate_fail(errs, tp, "averageUtilization", "must be greater than 0");

    if (avg && !t->average_value.set)
        ebb__validate_fail(errs, tp, "averageValue",
                           "Required value: must be set when type is \"AverageValue\"");
    else if (t->average_value.set && known && !avg)
        ebb__validate_fail(errs, tp, "averageValue",
                           "Forbidden: may only be set when type is \"AverageValue\"");
    else if (t->average_value.set && t->average_value.milli <= 0)
        ebb__validate_fail(errs, tp, "averageValue", "must be greater than 0");

    if (val && !t->value.set)
        ebb__validate_fail(errs, tp, "value", "Required value: must be set when type is \"Value\"");
    else if (t->value.set && known && !val)
        ebb__validate_fail(errs, tp, "value", "Forbidden: may only be set when type is \"Value\"");
    else if (t->value.set && t->value.milli <= 0)
        ebb__validate_fail(errs, tp, "value", "must be greater than 0");
}

static void check_band(const struct ebb_band *b, const char *mp, const char *side,
                       const char *threshold, struct ebb_errlist *errs)
{
    char bp[EBB__PATH_SZ];

    if (!b->set)
        return;
    ebb__validate_path(bp, sizeof(bp), "%s.%s", mp, side);
    if (b->threshold.set && b->threshold.milli < 0)
        ebb__validate_fail(errs, bp, threshold, "must be greater than or equal to 0");
    if (b->for_ms != EBB_UNSET && !b->threshold.set)
        ebb__validate_fail(errs, bp, "for", "Forbidden: may only be set together with %s.%s", bp,
                           threshold);
    else
        ebb__validate_duration(errs, bp, "for", b->for_ms, 0, EBB__MAX_BAND_FOR_MS);
}

static void check_metric(const struct ebb_metric_spec *m, size_t i, const struct ebb_policy_spec *s,
                         struct ebb_errlist *errs)
{
    char mp[EBB__PATH_SZ];
    char q[EBB__QUOTE_SZ];
    char a[32];

    ebb__validate_path(mp, sizeof(mp), "spec.metrics[%zu]", i);
    if (ebb__validate_empty(m->name)) {
        ebb__validate_fail(errs, mp, "name", "Required value");
    } else {
        ebb__validate_label(errs, mp, "name", m->name);
        for (size_t j = 0; j < i; j++) {
            if (s->metrics[j].name != NULL && strcmp(s->metrics[j].name, m->name) == 0) {
                ebb__validate_fail(errs, mp, "name", "Duplicate value: %s",
                                   ebb__validate_quote(m->name, q, sizeof(q)));
                break;
            }
        }
    }

    if (m->type == EBB_METRIC_TYPE_UNSET)
        ebb__validate_fail(errs, mp, "type", "Required value");
    else if ((unsigned)m->type >= EBB_METRIC_TYPE__COUNT)
        ebb__validate_unsupported_enum(errs, mp, "type", m->type, metric_type_name,
                                       EBB_METRIC_TYPE__COUNT);
    else
        check_source(m, mp, errs);

    check_target(m, mp, errs);
    check_band(&m->scale_up, mp, "scaleUp", "above", errs);
    check_band(&m->scale_down, mp, "scaleDown", "below", errs);
    if (m->scale_up.set && m->scale_down.set && m->scale_up.threshold.set &&
        m->scale_down.threshold.set && m->scale_up.threshold.milli >= 0 &&
        m->scale_down.threshold.milli >= 0 &&
        m->scale_up.threshold.milli <= m->scale_down.threshold.milli) {
        char bp[EBB__PATH_SZ];
        ebb__validate_path(bp, sizeof(bp), "%s.scaleUp", mp);
        ebb__validate_fail(errs, bp, "above", "must be greater than %s.scaleDown.below (%s)", mp,
                           fmt_q(m->scale_down.threshold.milli, a, sizeof(a)));
    }
}

void ebb__validate_metrics(const struct ebb_policy_spec *s, struct ebb_errlist *errs)
{
    if (s->n_metrics == 0) {
        ebb__validate_fail(errs, "spec.metrics", NULL,
                           "Required value: must specify at least one metric");
        return;
    }
    if (s->n_metrics > EBB_MAX_METRICS)
        ebb__validate_fail(errs, "spec.metrics", NULL, "Too many: %zu: must have at most %d items",
                           s->n_metrics, EBB_MAX_METRICS);
    for (size_t i = 0; i < s->n_metrics; i++)
        check_metric(&s->metrics[i], i, s, errs);
}
