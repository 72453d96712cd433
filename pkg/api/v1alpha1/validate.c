/* validate.c -- every rule of a ScalingPolicy, reported all at once, PURE.
 *
 * Messages follow the API server's field errors ("Required value",
 * "Unsupported value: ...", "must be greater than 0") so that `ebb validate`
 * and `kubectl apply` read alike; crds/ebb.dev_scalingpolicies.yaml states
 * the same rules, and tests/unit/schema_test.c keeps the two in step.
 *
 * This file: the entry point, the message helpers validate_internal.h
 * declares, and the rules of metadata, spec.targetRef, the replica counts and
 * spec.syncPeriod. validate_metrics.c and validate_behavior.c hold the rest.
 */
#include "validate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "validate_internal.h"

/* Arrays of char, not of pointers: they stay in read-only data even in a
 * position-independent build. */
#define NAME_SZ 16
static const char target_kinds[][NAME_SZ] = {"Deployment", "StatefulSet"};
static const char target_api_versions[][NAME_SZ] = {"apps/v1"};

/* ---- the message helpers validate_internal.h declares ---- */

void ebb__validate_fail(struct ebb_errlist *errs, const char *base, const char *field,
                        const char *fmt, ...)
{
    char path[EBB__PATH_SZ];
    char msg[EBB__MSG_SZ];
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

void ebb__validate_path(char *buf, size_t bufsz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, bufsz, fmt, ap);
    va_end(ap);
}

const char *ebb__validate_quote(const char *s, char *buf, size_t bufsz)
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

static bool in_list(const char *s, const char (*list)[NAME_SZ], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

void ebb__validate_unsupported_for(struct ebb_errlist *errs, const char *base, const char *field,
                                   const char *got, const char *const *vals, size_t n,
                                   const char *metric_type)
{
    char q[EBB__QUOTE_SZ];
    char list[EBB__MSG_SZ];
    size_t o = 0;

    list[0] = '\0';
    for (size_t i = 0; i < n && o < sizeof(list); i++)
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s\"%s\"", i ? ", " : "", vals[i]);
    const char *article = "";
    if (metric_type != NULL)
        article =
            metric_type[0] != '\0' && strchr("AEIOU", metric_type[0]) ? " for an " : " for a ";
    ebb__validate_fail(errs, base, field, "Unsupported value: %s: supported values: %s%s%s%s",
                       ebb__validate_quote(got, q, sizeof(q)), list, article,
                       metric_type ? metric_type : "", metric_type ? " metric" : "");
}

static void unsupported(struct ebb_errlist *errs, const char *base, const char *field,
                        const char *got, const char (*list)[NAME_SZ], size_t n)
{
    const char *vals[8];
    size_t k = 0;

    for (size_t i = 0; i < n && k < EBB__COUNT(vals); i++)
        vals[k++] = list[i];
    ebb__validate_unsupported_for(errs, base, field, got, vals, k, NULL);
}

void ebb__validate_unsupported_enum(struct ebb_errlist *errs, const char *base, const char *field,
                                    unsigned v, const char *(*name)(unsigned), unsigned count)
{
    const char *vals[8];
    char got[16];
    size_t n = 0;

    for (unsigned i = 1; i < count && n < EBB__COUNT(vals); i++)
        vals[n++] = name(i);
    snprintf(got, sizeof(got), "%u", v);
    ebb__validate_unsupported_for(errs, base, field, got, vals, n, NULL);
}

/* RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters. */
static bool is_label(const char *s, size_t n)
{
    if (n == 0 || n > EBB__MAX_LABEL_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && i > 0 && i + 1 < n))
            return false;
    }
    return true;
}

void ebb__validate_label(struct ebb_errlist *errs, const char *base, const char *field,
                         const char *s)
{
    char q[EBB__QUOTE_SZ];
    size_t n = strlen(s);

    if (n > EBB__MAX_LABEL_LEN)
        ebb__validate_fail(errs, base, field,
                           "Invalid value: %s: must be no more than %d characters",
                           ebb__validate_quote(s, q, sizeof(q)), EBB__MAX_LABEL_LEN);
    else if (!is_label(s, n))
        ebb__validate_fail(
            errs, base, field,
            "Invalid value: %s: a lowercase RFC 1123 label must consist of lower case "
            "alphanumeric characters or '-', and must start and end with an alphanumeric "
            "character",
            ebb__validate_quote(s, q, sizeof(q)));
}

/* RFC 1123 subdomain: labels joined by '.', at most 253 characters. */
static void check_subdomain(struct ebb_errlist *errs, const char *base, const char *field,
                            const char *s)
{
    char q[EBB__QUOTE_SZ];
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
    if (n > EBB__MAX_SUBDOMAIN_LEN)
        ebb__validate_fail(errs, base, field,
                           "Invalid value: %s: must be no more than %d characters",
                           ebb__validate_quote(s, q, sizeof(q)), EBB__MAX_SUBDOMAIN_LEN);
    else if (!ok)
        ebb__validate_fail(
            errs, base, field,
            "Invalid value: %s: a lowercase RFC 1123 subdomain must consist of lower case "
            "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
            "character",
            ebb__validate_quote(s, q, sizeof(q)));
}

void ebb__validate_required_name(struct ebb_errlist *errs, const char *base, const char *field,
                                 const char *s, bool subdomain)
{
    if (ebb__validate_empty(s))
        ebb__validate_fail(errs, base, field, "Required value");
    else if (subdomain)
        check_subdomain(errs, base, field, s);
    else
        ebb__validate_label(errs, base, field, s);
}

void ebb__validate_duration(struct ebb_errlist *errs, const char *base, const char *field,
                            int64_t ms, int64_t lo, int64_t hi)
{
    char b[32];
    if (ms == EBB_UNSET)
        return;
    if (ms < lo)
        ebb__validate_fail(errs, base, field, "must be greater than or equal to %s",
                           fmt_ms(lo, b, sizeof(b)));
    else if (ms > hi)
        ebb__validate_fail(errs, base, field, "must be less than or equal to %s",
                           fmt_ms(hi, b, sizeof(b)));
}

/* ---- metadata, spec.targetRef, spec.minReplicas and spec.maxReplicas ---- */

static void check_target_ref(const struct ebb_target_ref *t, struct ebb_errlist *errs)
{
    const char *base = "spec.targetRef";

    if (ebb__validate_empty(t->api_version))
        ebb__validate_fail(errs, base, "apiVersion", "Required value");
    else if (!in_list(t->api_version, target_api_versions, EBB__COUNT(target_api_versions)))
        unsupported(errs, base, "apiVersion", t->api_version, target_api_versions,
                    EBB__COUNT(target_api_versions));
    if (ebb__validate_empty(t->kind))
        ebb__validate_fail(errs, base, "kind", "Required value");
    else if (!in_list(t->kind, target_kinds, EBB__COUNT(target_kinds)))
        unsupported(errs, base, "kind", t->kind, target_kinds, EBB__COUNT(target_kinds));
    ebb__validate_required_name(errs, base, "name", t->name, true);
}

bool ebb__validate_zero_capable(const struct ebb_policy_spec *s)
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
        ebb__validate_fail(errs, "spec.maxReplicas", NULL, "Required value");
    } else if (s->max_replicas < 1) {
        ebb__validate_fail(errs, "spec.maxReplicas", NULL, "must be greater than or equal to 1");
    } else if (s->max_replicas > EBB_MAX_REPLICAS) {
        ebb__validate_fail(errs, "spec.maxReplicas", NULL, "must be less than or equal to %d",
                           EBB_MAX_REPLICAS);
    } else {
        max_ok = true;
    }

    /* UNSET only when defaults did not run: HPA's default of 1 then applies. */
    if (s->min_replicas == EBB_UNSET)
        return;
    if (s->min_replicas < 0) {
        ebb__validate_fail(errs, "spec.minReplicas", NULL, "must be greater than or equal to 0");
    } else if (s->min_replicas > EBB_MAX_REPLICAS) {
        ebb__validate_fail(errs, "spec.minReplicas", NULL, "must be less than or equal to %d",
                           EBB_MAX_REPLICAS);
    } else if (max_ok && s->min_replicas > s->max_replicas) {
        ebb__validate_fail(errs, "spec.minReplicas", NULL,
                           "must be less than or equal to spec.maxReplicas (%" PRId32 ")",
                           s->max_replicas);
    } else if (s->min_replicas == 0 && !ebb__validate_zero_capable(s)) {
        ebb__validate_fail(errs, "spec.minReplicas", NULL, "%s", EBB__MIN_ZERO_MSG);
    }
}

void ebb_policy_validate(const struct ebb_policy *p, struct ebb_errlist *errs)
{
    const struct ebb_policy_spec *s = &p->spec;

    ebb__validate_required_name(errs, "metadata", "name", p->metadata.name, true);
    check_target_ref(&s->target_ref, errs);
    check_replicas(s, errs);
    ebb__validate_duration(errs, "spec", "syncPeriod", s->sync_period_ms, EBB__MIN_SYNC_PERIOD_MS,
                           EBB__MAX_SYNC_PERIOD_MS);
    ebb__validate_metrics(s, errs);
    ebb__validate_behavior(&s->behavior, errs);
    ebb__validate_schedules(s, errs);
    ebb__validate_channel_ports(s, errs);
}
