/* validate_internal.h -- what the files of ebb_policy_validate() share, PURE.
 * Private to pkg/api/v1alpha1/validate*.c: nothing else may include it.
 *
 * validate.c holds the entry point, the message helpers below and the
 * metadata, targetRef, replica and syncPeriod rules; validate_metrics.c the
 * rules of spec.metrics (sources, selectors, targets, bands);
 * validate_behavior.c those of spec.behavior, spec.schedules and
 * spec.channelPorts.
 */
#ifndef EBB_API_VALIDATE_INTERNAL_H
#define EBB_API_VALIDATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../base/errlist.h"
#include "types.h"

/* Limits that live only here; tests/unit/schema_test.c checks that the CRD
 * states the same numbers, by probing this validator at each bound. */
#define EBB__MAX_PORT 65535
#define EBB__MIN_POLICY_PERIOD_MS 1000LL /* HPA periodSeconds 1..1800 */
#define EBB__MAX_POLICY_PERIOD_MS (1800 * 1000LL)
#define EBB__MAX_COOLDOWN_MS (24 * 3600 * 1000LL)
#define EBB__MAX_BAND_FOR_MS (24 * 3600 * 1000LL)
#define EBB__MAX_SCHEDULE_DURATION_MS (366 * 24 * 3600 * 1000LL)
#define EBB__MIN_SYNC_PERIOD_MS 1000LL
#define EBB__MAX_SYNC_PERIOD_MS (3600 * 1000LL)
#define EBB__MAX_SELECTOR_EXPRESSIONS 32 /* the CRD bounds them for CEL's cost estimate */
#define EBB__MAX_SELECTOR_VALUES 64
#define EBB__MAX_LABEL_LEN 63
#define EBB__MAX_SUBDOMAIN_LEN 253

#define EBB__PATH_SZ 256
#define EBB__MSG_SZ 480
#define EBB__QUOTE_SZ 96

#define EBB__COUNT(t) (sizeof(t) / sizeof(*(t)))

static inline bool ebb__validate_empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

/* Appends "base.field: message"; field may be NULL for the base itself. */
void ebb__validate_fail(struct ebb_errlist *errs, const char *base, const char *field,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Builds a field path; paths are short, so truncation is not a concern
 * (vsnprintf keeps it NUL-terminated if it ever happened). */
void ebb__validate_path(char *buf, size_t bufsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A user's string, double-quoted and escaped so that control characters and
 * very long values cannot garble the message. Returns buf. */
const char *ebb__validate_quote(const char *s, char *buf, size_t bufsz);

/* "Unsupported value: "Foo": supported values: "A", "B"", and when
 * metric_type is not NULL " for a <metric_type> metric". */
void ebb__validate_unsupported_for(struct ebb_errlist *errs, const char *base, const char *field,
                                   const char *got, const char *const *vals, size_t n,
                                   const char *metric_type);

/* An enum member outside its table: only a program, never the codec, can
 * produce one, so the number itself is what is shown; name(1..count-1)
 * lists the supported values. */
void ebb__validate_unsupported_enum(struct ebb_errlist *errs, const char *base, const char *field,
                                    unsigned v, const char *(*name)(unsigned), unsigned count);

/* s must be an RFC 1123 label. */
void ebb__validate_label(struct ebb_errlist *errs, const char *base, const char *field,
                         const char *s);

/* s must be set, and an RFC 1123 subdomain (subdomain) or label. */
void ebb__validate_required_name(struct ebb_errlist *errs, const char *base, const char *field,
                                 const char *s, bool subdomain);

/* A duration field that is optional: checked against [lo, hi] when set. */
void ebb__validate_duration(struct ebb_errlist *errs, const char *base, const char *field,
                            int64_t ms, int64_t lo, int64_t hi);

/* validate.c: some metric is External or Prometheus, the types that can be
 * read with no pods, so minReplicas (spec or schedule) may be 0. */
bool ebb__validate_zero_capable(const struct ebb_policy_spec *s);
#define EBB__MIN_ZERO_MSG                                                                          \
    "may be 0 only when at least one metric is of type External or Prometheus (Resource and "      \
    "Pods metrics cannot be measured with no pods)"

/* validate_behavior.c: the number of slots of spec.channelPorts, or -1 when
 * there is no pool or it is not valid (reported on its own). */
int64_t ebb__validate_pool_slots(const struct ebb_channel_ports *c);

/* validate_metrics.c: spec.metrics. */
void ebb__validate_metrics(const struct ebb_policy_spec *s, struct ebb_errlist *errs);

/* validate_behavior.c: spec.behavior, spec.schedules, spec.channelPorts. */
void ebb__validate_behavior(const struct ebb_behavior *b, struct ebb_errlist *errs);
void ebb__validate_schedules(const struct ebb_policy_spec *s, struct ebb_errlist *errs);
void ebb__validate_channel_ports(const struct ebb_policy_spec *s, struct ebb_errlist *errs);

#endif
