/* validate_behavior.c -- the rules of spec.behavior (tolerances, windows,
 * cooldowns, rate policies), spec.schedules (cron or start/end, time zone,
 * bounds) and spec.channelPorts (the pool and whether it fits maxReplicas),
 * PURE. Part of ebb_policy_validate() (validate.c); the helpers are in
 * validate_internal.h.
 */
#include "validate.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../../base/cron.h"
#include "validate_internal.h"

/* ---- spec.behavior ---- */

static const char *select_policy_name(unsigned v)
{
    return ebb_select_policy_name((enum ebb_select_policy)v);
}
static const char *rate_type_name(unsigned v)
{
    return ebb_rate_type_name((enum ebb_rate_type)v);
}

static void check_tolerance(const struct ebb_quantity *t, const char *base,
                            struct ebb_errlist *errs)
{
    if (t->set && t->milli < 0)
        ebb__validate_fail(errs, base, "tolerance", "must be greater than or equal to 0");
}

static void check_rules(const struct ebb_scaling_rules *r, const char *rp, struct ebb_errlist *errs)
{
    char p[EBB__PATH_SZ];

    check_tolerance(&r->tolerance, rp, errs);
    ebb__validate_duration(errs, rp, "stabilizationWindow", r->stabilization_ms, 0,
                           EBB_MAX_WINDOW_MS);
    ebb__validate_duration(errs, rp, "cooldown", r->cooldown_ms, 0, EBB__MAX_COOLDOWN_MS);
    if ((unsigned)r->select_policy >= EBB_SELECT__COUNT)
        ebb__validate_unsupported_enum(errs, rp, "selectPolicy", r->select_policy,
                                       select_policy_name, EBB_SELECT__COUNT);

    if (r->policies_set && r->n_policies == 0)
        ebb__validate_fail(errs, rp, "policies",
                           "Required value: must specify at least one policy");
    else if (r->n_policies > EBB_MAX_RATE_POLICIES)
        ebb__validate_fail(errs, rp, "policies", "Too many: %zu: must have at most %d items",
                           r->n_policies, EBB_MAX_RATE_POLICIES);
    for (size_t i = 0; i < r->n_policies; i++) {
        const struct ebb_rate_policy *rp_i = &r->policies[i];
        ebb__validate_path(p, sizeof(p), "%s.policies[%zu]", rp, i);
        if (rp_i->type == EBB_RATE_TYPE_UNSET)
            ebb__validate_fail(errs, p, "type", "Required value");
        else if ((unsigned)rp_i->type >= EBB_RATE_TYPE__COUNT)
            ebb__validate_unsupported_enum(errs, p, "type", rp_i->type, rate_type_name,
                                           EBB_RATE_TYPE__COUNT);
        if (rp_i->value == EBB_UNSET)
            ebb__validate_fail(errs, p, "value", "Required value");
        else if (rp_i->value <= 0)
            ebb__validate_fail(errs, p, "value", "must be greater than 0");
        if (rp_i->period_ms == EBB_UNSET)
            ebb__validate_fail(errs, p, "period", "Required value");
        else
            ebb__validate_duration(errs, p, "period", rp_i->period_ms, EBB__MIN_POLICY_PERIOD_MS,
                                   EBB__MAX_POLICY_PERIOD_MS);
    }
}

void ebb__validate_behavior(const struct ebb_behavior *b, struct ebb_errlist *errs)
{
    check_tolerance(&b->tolerance, "spec.behavior", errs);
    /* Without spec.behavior only the tolerance is meaningful. */
    if (!b->set)
        return;
    check_rules(&b->scale_up, "spec.behavior.scaleUp", errs);
    check_rules(&b->scale_down, "spec.behavior.scaleDown", errs);
}

/* ---- spec.schedules ---- */

/* A cron expression that matches no date (0 0 31 2 *) is found by looking
 * for its next occurrence over 8 years, a span that holds two February 29ths,
 * from a fixed instant: validation is pure and reads no clock. */
#define CRON_PROBE_FROM_MS 946684800000LL /* 2000-01-01T00:00:00Z */
#define CRON_PROBE_SPAN_MS (8 * 366 * 24 * 3600 * 1000LL)

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
    char sp[EBB__PATH_SZ];
    char q[EBB__QUOTE_SZ];
    char msg[EBB__MSG_SZ];
    bool recurring = sc->cron != NULL;
    bool absolute = sc->start_ms != EBB_TIME_UNSET || sc->end_ms != EBB_TIME_UNSET;

    ebb__validate_path(sp, sizeof(sp), "spec.schedules[%zu]", i);
    if (ebb__validate_empty(sc->name)) {
        ebb__validate_fail(errs, sp, "name", "Required value");
    } else {
        ebb__validate_label(errs, sp, "name", sc->name);
        for (size_t j = 0; j < i; j++) {
            if (s->schedules[j].name != NULL && strcmp(s->schedules[j].name, sc->name) == 0) {
                ebb__validate_fail(errs, sp, "name", "Duplicate value: %s",
                                   ebb__validate_quote(sc->name, q, sizeof(q)));
                break;
            }
        }
    }

    if (recurring && absolute) {
        ebb__validate_fail(
            errs, sp, NULL,
            "Forbidden: cron and start/end are mutually exclusive: set either cron and "
            "duration, or start and end");
    } else if (!recurring && !absolute) {
        ebb__validate_fail(errs, sp, NULL,
                           "Required value: set either cron and duration, or start and end");
    }

    if (recurring) {
        struct ebb_cron c;
        int64_t at;
        msg[0] = '\0';
        if (ebb_cron_parse(sc->cron, &c, msg, sizeof(msg)) != EBB_OK)
            ebb__validate_fail(errs, sp, "cron", "Invalid value: %s: %s",
                               ebb__validate_quote(sc->cron, q, sizeof(q)),
                               msg[0] ? msg : "not a valid cron expression");
        else if (ebb_cron_next(&c, NULL, CRON_PROBE_FROM_MS, CRON_PROBE_SPAN_MS, &at) != EBB_OK)
            ebb__validate_fail(errs, sp, "cron",
                               "Invalid value: %s: never matches a date (such as February 31): "
                               "the schedule would never be active",
                               ebb__validate_quote(sc->cron, q, sizeof(q)));
        if (sc->duration_ms == EBB_UNSET)
            ebb__validate_fail(errs, sp, "duration",
                               "Required value: must be set together with cron");
        else if (sc->duration_ms <= 0)
            ebb__validate_fail(errs, sp, "duration", "must be greater than 0s");
        else
            ebb__validate_duration(errs, sp, "duration", sc->duration_ms, 1,
                                   EBB__MAX_SCHEDULE_DURATION_MS);
    } else {
        if (sc->duration_ms != EBB_UNSET)
            ebb__validate_fail(errs, sp, "duration",
                               "Forbidden: may only be set together with cron");
    }
    if (sc->time_zone != NULL) {
        if (!recurring)
            ebb__validate_fail(errs, sp, "timeZone",
                               "Forbidden: may only be set together with cron");
        else if (!is_tz_name(sc->time_zone))
            ebb__validate_fail(
                errs, sp, "timeZone",
                "Invalid value: %s: must be an IANA time zone name such as \"Europe/Berlin\" or "
                "\"UTC\"",
                ebb__validate_quote(sc->time_zone, q, sizeof(q)));
    }
    if (absolute) {
        if (sc->start_ms == EBB_TIME_UNSET)
            ebb__validate_fail(errs, sp, "start", "Required value: must be set together with end");
        if (sc->end_ms == EBB_TIME_UNSET)
            ebb__validate_fail(errs, sp, "end", "Required value: must be set together with start");
        if (sc->start_ms != EBB_TIME_UNSET && sc->end_ms != EBB_TIME_UNSET &&
            sc->end_ms <= sc->start_ms)
            ebb__validate_fail(errs, sp, "end", "must be after %s.start", sp);
    }

    bool min_ok = false;
    bool max_ok = false;
    if (sc->min_replicas == EBB_UNSET && sc->max_replicas == EBB_UNSET)
        ebb__validate_fail(errs, sp, NULL, "Required value: set minReplicas, maxReplicas or both");
    if (sc->min_replicas != EBB_UNSET) {
        if (sc->min_replicas < 0)
            ebb__validate_fail(errs, sp, "minReplicas", "must be greater than or equal to 0");
        else if (sc->min_replicas > EBB_MAX_REPLICAS)
            ebb__validate_fail(errs, sp, "minReplicas", "must be less than or equal to %d",
                               EBB_MAX_REPLICAS);
        else
            min_ok = true;
    }
    if (sc->max_replicas != EBB_UNSET) {
        if (sc->max_replicas < 1)
            ebb__validate_fail(errs, sp, "maxReplicas", "must be greater than or equal to 1");
        else if (sc->max_replicas > EBB_MAX_REPLICAS)
            ebb__validate_fail(errs, sp, "maxReplicas", "must be less than or equal to %d",
                               EBB_MAX_REPLICAS);
        else
            max_ok = true;
    }
    if (min_ok && max_ok && sc->min_replicas > sc->max_replicas)
        ebb__validate_fail(errs, sp, "minReplicas",
                           "must be less than or equal to %s.maxReplicas (%" PRId32 ")", sp,
                           sc->max_replicas);
    if (min_ok && sc->min_replicas == 0 && !ebb__validate_zero_capable(s))
        ebb__validate_fail(errs, sp, "minReplicas", "%s", EBB__MIN_ZERO_MSG);

    /* Every replica holds a slot of the port pool: a bound the pool cannot
     * hold is a promise the controller cannot keep. */
    int64_t slots = ebb__validate_pool_slots(&s->channel_ports);
    const char *const fields[] = {"minReplicas", "maxReplicas"};
    const int32_t values[] = {min_ok ? sc->min_replicas : -1, max_ok ? sc->max_replicas : -1};
    for (size_t k = 0; slots >= 0 && k < EBB__COUNT(fields); k++) {
        const struct ebb_channel_ports *cp = &s->channel_ports;
        if (values[k] > slots)
            ebb__validate_fail(errs, sp, fields[k],
                               "must be less than or equal to %" PRId64
                               ", the slots of the channel port pool (ports %" PRId32 "-%" PRId32
                               ", %" PRId32 " per replica): lower it, or raise "
                               "spec.channelPorts.limit",
                               slots, cp->base, cp->limit, cp->range_size);
    }
}

void ebb__validate_schedules(const struct ebb_policy_spec *s, struct ebb_errlist *errs)
{
    if (s->n_schedules > EBB_MAX_SCHEDULES)
        ebb__validate_fail(errs, "spec.schedules", NULL,
                           "Too many: %zu: must have at most %d items", s->n_schedules,
                           EBB_MAX_SCHEDULES);
    for (size_t i = 0; i < s->n_schedules; i++)
        check_schedule(&s->schedules[i], i, s, errs);
}

/* ---- spec.channelPorts ---- */

int64_t ebb__validate_pool_slots(const struct ebb_channel_ports *c)
{
    bool ports_ok = c->base >= 1 && c->base <= EBB__MAX_PORT && c->range_size >= 1 &&
                    c->range_size <= EBB__MAX_PORT && c->limit >= 1 && c->limit <= EBB__MAX_PORT;
    if (!c->set || !ports_ok || (int64_t)c->limit < (int64_t)c->base + c->range_size - 1)
        return -1;
    return ((int64_t)c->limit - c->base + 1) / c->range_size;
}

static bool check_port(struct ebb_errlist *errs, const char *field, int32_t v)
{
    if (v == EBB_UNSET) {
        ebb__validate_fail(errs, "spec.channelPorts", field, "Required value");
        return false;
    }
    if (v < 1 || v > EBB__MAX_PORT) {
        ebb__validate_fail(errs, "spec.channelPorts", field, "must be between 1 and %d, inclusive",
                           EBB__MAX_PORT);
        return false;
    }
    return true;
}

void ebb__validate_channel_ports(const struct ebb_policy_spec *s, struct ebb_errlist *errs)
{
    const struct ebb_channel_ports *c = &s->channel_ports;
    const char *base = "spec.channelPorts";

    if (!c->set)
        return;
    ebb__validate_required_name(errs, base, "pool", c->pool, true);
    bool ok = check_port(errs, "base", c->base);
    ok = check_port(errs, "rangeSize", c->range_size) && ok;
    ok = check_port(errs, "limit", c->limit) && ok;
    if (!ok)
        return;

    int64_t first_end = (int64_t)c->base + c->range_size - 1;
    if (c->limit < first_end) {
        ebb__validate_fail(errs, base, "limit",
                           "must be greater than or equal to spec.channelPorts.base + "
                           "spec.channelPorts.rangeSize - 1 (%" PRId64 ")",
                           first_end);
        return;
    }
    int64_t slots = ((int64_t)c->limit - c->base + 1) / c->range_size;
    if (s->max_replicas >= 1 && s->max_replicas <= EBB_MAX_REPLICAS && slots < s->max_replicas) {
        int64_t need = (int64_t)c->base + (int64_t)s->max_replicas * c->range_size - 1;
        char fix[96];
        if (need <= EBB__MAX_PORT)
            snprintf(fix, sizeof(fix), "raise spec.channelPorts.limit to %" PRId64, need);
        else
            snprintf(fix, sizeof(fix),
                     "lower spec.channelPorts.rangeSize or spec.channelPorts.base");
        ebb__validate_fail(errs, base, NULL,
                           "port pool %" PRId32 "-%" PRId32 " has %" PRId64 " slots of %" PRId32
                           " ports, but spec.maxReplicas (%" PRId32 ") needs %" PRId32
                           ": %s, or lower spec.maxReplicas to %" PRId64,
                           c->base, c->limit, slots, c->range_size, s->max_replicas,
                           s->max_replicas, fix, slots);
    }
}
