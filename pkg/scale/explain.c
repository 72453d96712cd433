/* explain.c -- what a decision says about itself: the three conditions
 * (AbleToScale, ScalingActive, ScalingLimited, with HPA's reasons and
 * messages) and the one-line reason. PURE.
 *
 * decide.c calls one function per outcome, in the order it decides; a later
 * condition overwrites an earlier one of the same type. Lines are built with
 * struct ebb__line (internal.h), never snprintf: a decision must stay cheap.
 */
#include "scale.h"

#include <stddef.h>
#include <string.h>

#include "../api/v1alpha1/duration.h"
#include "internal.h"

/* Arrays of char arrays, not of pointers: they stay in read-only data. */
static const char cond_type_names[][16] = {"AbleToScale", "ScalingActive", "ScalingLimited"};
_Static_assert(sizeof(cond_type_names) / sizeof(*cond_type_names) == EBB_COND_TYPE__COUNT,
               "one name per condition type");

const char *ebb_cond_type_name(enum ebb_cond_type t)
{
    return (unsigned)t < EBB_COND_TYPE__COUNT ? cond_type_names[t] : "";
}

/* ---- the reason line (struct ebb__line: internal.h) ---- */

void ebb__line_int(struct ebb__line *l, int64_t v)
{
    char tmp[24];
    size_t n = sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    tmp[--n] = '\0';
    do {
        tmp[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        tmp[--n] = '-';
    ebb__line_add(l, &tmp[n]);
}

static void put_dur(struct ebb__line *l, int64_t ms)
{
    char b[32];
    ebb_duration_format(ms, b, sizeof(b));
    ebb__line_add(l, b);
}

/* Thousandths as a plain decimal: 2500 -> "2.5", 250 -> "0.25". */
static void put_milli(struct ebb__line *l, int64_t milli)
{
    if (milli < 0) {
        ebb__line_add(l, "-");
        milli = milli == INT64_MIN ? INT64_MAX : -milli;
    }
    ebb__line_int(l, milli / 1000);
    int64_t frac = milli % 1000;
    if (frac == 0)
        return;
    char d[5] = {'.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
                 (char)('0' + frac % 10), '\0'};
    for (int k = 3; k > 0 && d[k] == '0'; k--)
        d[k] = '\0';
    ebb__line_add(l, d);
}

/* A metric's value or threshold in the unit of its target. */
static void put_value(struct ebb__line *l, const struct ebb_metric_spec *m, int64_t milli)
{
    if (m->target.type == EBB_TARGET_UTILIZATION) {
        ebb__line_int(l, milli / 1000);
        ebb__line_add(l, "%");
    } else {
        put_milli(l, milli);
    }
}

static const char *name_of(const struct ebb_metric_spec *m)
{
    return m->name != NULL && m->name[0] != '\0' ? m->name : "metric";
}

const char *ebb__schedule_name(const struct ebb_policy_spec *s, size_t i)
{
    const char *n = s->schedules[i].name;
    return n != NULL && n[0] != '\0' ? n : "(unnamed)";
}

/* ---- conditions ---- */

static void set_cond(struct ebb_decision *out, enum ebb_cond_type t, enum ebb_condition_status st,
                     const char *reason, const char *message)
{
    struct ebb_cond_out *c = &out->conditions[t];
    struct ebb__line l;
    c->status = st;
    c->reason = reason;
    ebb__line_init(&l, c->message, sizeof(c->message));
    ebb__line_add(&l, message);
}

static const char msg_ready[] = "recommended size matches current size";
static const char msg_in_range[] = "the desired count is within the acceptable range";

/* ScalingLimited reasons and HPA's messages for them, by enum ebb__limit. */
static const char limit_reasons[][20] = {
    "DesiredWithinRange", "TooFewReplicas", "TooManyReplicas",
    "ScaleUpLimit",       "ScaleDownLimit", "PortPoolExhausted",
};
static const char limit_messages[][80] = {
    "the desired count is within the acceptable range",
    "the desired replica count is less than the minimum replica count",
    "the desired replica count is more than the maximum replica count",
    "the desired replica count is increasing faster than the maximum scale rate",
    "the desired replica count is decreasing faster than the maximum scale rate",
    "the channel port pool has no free slot for another replica",
};
_Static_assert(sizeof(limit_reasons) / sizeof(*limit_reasons) == EBB__LIM__COUNT, "");
_Static_assert(sizeof(limit_messages) / sizeof(*limit_messages) == EBB__LIM__COUNT, "");

static void set_limited(struct ebb_decision *out, enum ebb__limit lim)
{
    set_cond(out, EBB_COND_SCALING_LIMITED, EBB_COND_TRUE, limit_reasons[lim], limit_messages[lim]);
}

/* ---- pieces of the reason ---- */

static void put_bound(struct ebb__line *l, const struct ebb__run *r, bool upper)
{
    if (!upper && r->min_port_cut) {
        ebb__line_add(l, "minReplicas ");
        ebb__line_int(l, r->min_wanted);
        if (r->min_from != NULL) {
            ebb__line_add(l, " of schedule ");
            ebb__line_add(l, r->min_from);
        }
        ebb__line_add(l, ", cut to the port pool (");
        ebb__line_int(l, r->port_cap);
        ebb__line_add(l, r->port_cap == 1 ? " slot)" : " slots)");
        return;
    }
    if (upper && r->port_limited) {
        ebb__line_add(l, "the port pool (");
        ebb__line_int(l, r->port_cap);
        ebb__line_add(l, r->port_cap == 1 ? " slot)" : " slots)");
        return;
    }
    ebb__line_add(l, upper ? "maxReplicas " : "minReplicas ");
    ebb__line_int(l, upper ? r->max : r->min);
    const char *from = upper ? r->max_from : r->min_from;
    if (from != NULL) {
        ebb__line_add(l, " of schedule ");
        ebb__line_add(l, from);
    }
}

static void put_policy(struct ebb__line *l, const struct ebb_scaling_rules *rules, int i)
{
    if (i < 0 || (size_t)i >= rules->n_policies) {
        ebb__line_add(l, "selectPolicy Disabled");
        return;
    }
    const struct ebb_rate_policy *p = &rules->policies[i];
    ebb__line_int(l, p->value);
    ebb__line_add(l, p->type == EBB_RATE_PERCENT ? "%/" : p->value == 1 ? " pod/" : " pods/");
    put_dur(l, p->period_ms);
    ebb__line_add(l, " policy");
}

static void put_limit(struct ebb__line *l, const struct ebb__run *r)
{
    switch (r->limit) {
    case EBB__LIM_TOO_FEW:
        put_bound(l, r, false);
        break;
    case EBB__LIM_TOO_MANY:
        put_bound(l, r, true);
        break;
    case EBB__LIM_PORTS:
        put_bound(l, r, !r->min_port_cut);
        break;
    case EBB__LIM_UP_RATE:
        if (r->behavior) {
            put_policy(l, &r->s->behavior.scale_up, r->policy);
        } else {
            ebb__line_add(l, "the scale-up limit max(2*");
            ebb__line_int(l, r->cur);
            ebb__line_add(l, ", 4)");
        }
        break;
    case EBB__LIM_DOWN_RATE:
        put_policy(l, &r->s->behavior.scale_down, r->policy);
        break;
    default:
        break;
    }
}

/* "cpu 82% above 70% for 5m0s" / "cpu 82% above target 60%". */
static void put_metric_move(struct ebb__line *l, const struct ebb__run *r, int i, bool up)
{
    const struct ebb_metric_spec *m = &r->s->metrics[i];
    const struct ebb_metric_result *res = &r->out->metrics[i];
    const struct ebb_band *b = up ? &m->scale_up : &m->scale_down;
    ebb__line_add(l, name_of(m));
    ebb__line_add(l, " ");
    put_value(l, m, res->value_milli);
    ebb__line_add(l, up ? " above " : " below ");
    if (ebb__band_on(b)) {
        put_value(l, m, b->threshold.milli);
        if (b->for_ms > 0) {
            ebb__line_add(l, " for ");
            put_dur(l, b->for_ms);
        }
    } else {
        ebb__line_add(l, "target ");
        put_value(l, m, res->target_milli);
    }
}

static void put_metric_value(struct ebb__line *l, const struct ebb__run *r, int i)
{
    const struct ebb_metric_spec *m = &r->s->metrics[i];
    const struct ebb_metric_result *res = &r->out->metrics[i];
    ebb__line_add(l, name_of(m));
    ebb__line_add(l, " ");
    put_value(l, m, res->value_milli);
    ebb__line_add(l, " (target ");
    put_value(l, m, res->target_milli);
    ebb__line_add(l, ")");
}

/* Why a band kept metric i at the current count. */
static void put_band_hold(struct ebb__line *l, const struct ebb__run *r, int i)
{
    const struct ebb_metric_spec *m = &r->s->metrics[i];
    const struct ebb_metric_result *res = &r->out->metrics[i];
    const struct ebb_band_timer *t = &r->out->history.bands[i];
    bool up = res->raw_proposal > r->cur;
    const struct ebb_band *b = up ? &m->scale_up : &m->scale_down;
    int64_t started = up ? t->above_since_ms : t->below_since_ms;
    ebb__line_add(l, name_of(m));
    ebb__line_add(l, " ");
    put_value(l, m, res->value_milli);
    if (started == EBB_TIME_UNSET) {
        ebb__line_add(l, up ? " not above " : " not below ");
        put_value(l, m, b->threshold.milli);
    } else {
        ebb__line_add(l, up ? " above " : " below ");
        put_value(l, m, b->threshold.milli);
        ebb__line_add(l, " for ");
        put_dur(l, ebb__since(r->now, started));
        ebb__line_add(l, ", needs ");
        put_dur(l, b->for_ms);
    }
}

static void put_holding(struct ebb__line *l, int32_t n)
{
    ebb__line_add(l, ": holding ");
    ebb__line_int(l, n);
}

/* The reason when the count stays. */
static void explain_hold(struct ebb__line *l, const struct ebb__run *r)
{
    const struct ebb_decision *out = r->out;
    bool up = r->stabilized > r->cur;

    if (r->hold != EBB__HOLD_NONE) {
        ebb__line_add(l, r->hold == EBB__HOLD_UP_COOLDOWN ? "scale-up cooldown: "
                                                          : "scale-down cooldown: ");
        put_dur(l, r->hold_left_ms);
        ebb__line_add(l, " left (would scale ");
        ebb__line_int(l, r->cur);
        ebb__line_add(l, " -> ");
        ebb__line_int(l, r->wanted);
        ebb__line_add(l, ")");
        return;
    }
    if (r->stabilized != r->cur) {
        ebb__line_add(l, up ? "scale-up limited by " : "scale-down limited by ");
        put_limit(l, r);
        put_holding(l, r->cur);
        return;
    }
    if (r->best != r->cur) {
        ebb__line_add(l, r->best < r->cur ? "scale-down held by " : "scale-up held by ");
        put_dur(l, r->best < r->cur ? r->down_window : r->up_window);
        ebb__line_add(l, r->best < r->cur ? " stabilization window (max recommendation "
                                          : " stabilization window (min recommendation ");
        ebb__line_int(l, r->best < r->cur ? r->win_max : r->win_min);
        ebb__line_add(l, ")");
        return;
    }
    for (size_t i = 0; i < out->n_metrics; i++) {
        if (out->metrics[i].band_held && out->metrics[i].raw_proposal > r->cur) {
            put_band_hold(l, r, (int)i);
            put_holding(l, r->cur);
            return;
        }
    }
    if (r->lead >= 0 && out->metrics[r->lead].raw_proposal == r->cur) {
        if (r->why[r->lead] == EBB__WHY_TOLERANCE) {
            ebb__line_add(l, "within tolerance: ");
            put_metric_value(l, r, r->lead);
            return;
        }
        put_metric_value(l, r, r->lead);
        if (r->why[r->lead] == EBB__WHY_CONSERVATIVE)
            ebb__line_add(l, ": no change once missing or unready pods count");
        put_holding(l, r->cur);
        return;
    }
    for (size_t i = 0; i < out->n_metrics; i++) {
        if (out->metrics[i].band_held) {
            put_band_hold(l, r, (int)i);
            put_holding(l, r->cur);
            return;
        }
    }
    ebb__line_add(l, "no change");
    put_holding(l, r->cur);
}

/* The reason when the count changes. */
static void explain_move(struct ebb__line *l, const struct ebb__run *r)
{
    if (r->lead >= 0) {
        int32_t p = r->out->metrics[r->lead].proposal;
        if (p != r->cur)
            put_metric_move(l, r, r->lead, p > r->cur);
        else
            put_metric_value(l, r, r->lead);
        ebb__line_add(l, ": ");
    }
    ebb__line_int(l, r->cur);
    ebb__line_add(l, " -> ");
    ebb__line_int(l, r->desired);
    if (r->stabilized != r->best) {
        bool down = r->stabilized > r->best;
        ebb__line_add(l, " (");
        put_dur(l, down ? r->down_window : r->up_window);
        ebb__line_add(l, down ? " stabilization window: max recommendation "
                              : " stabilization window: min recommendation ");
        ebb__line_int(l, down ? r->win_max : r->win_min);
        ebb__line_add(l, ")");
    }
    if (r->limit != EBB__LIM_NONE) {
        ebb__line_add(l, " (limited by ");
        put_limit(l, r);
        ebb__line_add(l, ")");
    }
}

/* ---- one function per outcome, in the order decide.c calls them ---- */

void ebb__explain_start(struct ebb_decision *out)
{
    set_cond(out, EBB_COND_ABLE_TO_SCALE, EBB_COND_TRUE, "ReadyForNewScale", msg_ready);
    set_cond(out, EBB_COND_SCALING_LIMITED, EBB_COND_FALSE, limit_reasons[EBB__LIM_NONE],
             msg_in_range);
}

void ebb__explain_invalid_input(struct ebb_decision *out)
{
    set_cond(out, EBB_COND_SCALING_ACTIVE, EBB_COND_FALSE, "InvalidInput", out->reason);
}

void ebb__explain_paused(const struct ebb__run *r, struct ebb__line *l)
{
    set_cond(r->out, EBB_COND_SCALING_ACTIVE, EBB_COND_FALSE, "Paused",
             "scaling is paused by spec.paused or the ebb.dev/paused annotation");
    ebb__line_add(l, "paused");
    put_holding(l, r->cur);
}

void ebb__explain_disabled(const struct ebb__run *r, struct ebb__line *l)
{
    set_cond(r->out, EBB_COND_SCALING_ACTIVE, EBB_COND_FALSE, "ScalingDisabled",
             "scaling is disabled since the replica count of the target is zero");
    ebb__line_add(l, "scaling disabled: the target has 0 replicas and minReplicas is ");
    ebb__line_int(l, r->s->min_replicas == EBB_UNSET ? 1 : r->s->min_replicas);
    ebb__line_add(l, "; scale it up to resume");
}

void ebb__explain_outside(const struct ebb__run *r, struct ebb__line *l, bool above)
{
    set_cond(r->out, EBB_COND_SCALING_ACTIVE, EBB_COND_TRUE, "OutsideRange",
             "the replica count is outside [minReplicas, maxReplicas]: scaling to the "
             "bound without evaluating metrics");
    set_limited(r->out, r->limit);
    ebb__line_int(l, r->cur);
    ebb__line_add(l, r->cur == 1 ? " replica " : " replicas ");
    ebb__line_add(l, above ? "above " : "below ");
    put_bound(l, r, above);
    ebb__line_add(l, ": ");
    ebb__line_int(l, r->cur);
    ebb__line_add(l, " -> ");
    ebb__line_int(l, r->desired);
}

/* Every metric invalid (or none), or some invalid while the valid ones would
 * scale down: ScalingActive False and the errors. */
void ebb__explain_invalid(const struct ebb__run *r, struct ebb__line *l, size_t n_invalid)
{
    const struct ebb_decision *out = r->out;
    bool all = n_invalid >= r->s->n_metrics;

    if (r->first_invalid >= 0) {
        int i = r->first_invalid;
        struct ebb_cond_out *c = &r->out->conditions[EBB_COND_SCALING_ACTIVE];
        struct ebb__line m;
        c->status = EBB_COND_FALSE;
        c->reason = r->fail_reason[i];
        ebb__line_init(&m, c->message, sizeof(c->message));
        ebb__line_add(&m, "unable to compute the replica count: ");
        ebb__line_add(&m, name_of(&r->s->metrics[i]));
        ebb__line_add(&m, ": ");
        ebb__line_add(&m, out->metrics[i].error);
    } else {
        set_cond(r->out, EBB_COND_SCALING_ACTIVE, EBB_COND_FALSE, "NoMetrics",
                 "the policy has no metrics");
    }

    if (out->n_metrics == 0) {
        ebb__line_add(l, "no metrics");
        put_holding(l, r->cur);
        return;
    }
    ebb__line_add(l, all ? "all metrics invalid: " : "");
    bool first = true;
    for (size_t i = 0; i < out->n_metrics; i++) {
        if (out->metrics[i].valid)
            continue;
        if (!first)
            ebb__line_add(l, "; ");
        first = false;
        ebb__line_add(l, name_of(&r->s->metrics[i]));
        ebb__line_add(l, ": ");
        ebb__line_add(l, out->metrics[i].error);
    }
    if (!all)
        ebb__line_add(l, "; not scaling down while a metric is invalid");
    ebb__line_add(l, "; holding ");
    ebb__line_int(l, r->cur);
}

void ebb__explain_found(const struct ebb__run *r)
{
    struct ebb_cond_out *c = &r->out->conditions[EBB_COND_SCALING_ACTIVE];
    struct ebb__line m;
    c->status = EBB_COND_TRUE;
    c->reason = "ValidMetricFound";
    ebb__line_init(&m, c->message, sizeof(c->message));
    ebb__line_add(&m, "the replica count was computed from ");
    ebb__line_add(&m, name_of(&r->s->metrics[r->lead]));
}

/* After stabilization and the rate limits. */
void ebb__explain_limits(const struct ebb__run *r)
{
    if (r->stabilized != r->best) {
        if (r->behavior && r->best >= r->cur)
            set_cond(r->out, EBB_COND_ABLE_TO_SCALE, EBB_COND_TRUE, "ScaleUpStabilized",
                     "recent recommendations were lower than current one, applying the lowest "
                     "recent recommendation");
        else
            set_cond(r->out, EBB_COND_ABLE_TO_SCALE, EBB_COND_TRUE, "ScaleDownStabilized",
                     "recent recommendations were higher than current one, applying the "
                     "highest recent recommendation");
    }
    if (r->limit != EBB__LIM_NONE)
        set_limited(r->out, r->limit);
}

void ebb__explain_cooldown(const struct ebb__run *r)
{
    if (r->hold == EBB__HOLD_NONE)
        return;
    struct ebb_cond_out *c = &r->out->conditions[EBB_COND_ABLE_TO_SCALE];
    struct ebb__line m;
    bool up = r->hold == EBB__HOLD_UP_COOLDOWN;
    /* Still able to scale, as in HPA's ScaleUpStabilized/ScaleDownStabilized:
     * the hold ends by itself, nothing needs fixing. */
    c->status = EBB_COND_TRUE;
    c->reason = up ? "ScaleUpCooldown" : "ScaleDownCooldown";
    ebb__line_init(&m, c->message, sizeof(c->message));
    ebb__line_add(&m, up ? "scale-up cooldown: " : "scale-down cooldown: ");
    put_dur(&m, r->hold_left_ms);
    ebb__line_add(&m, " left");
}

/* The reason of a decision that evaluated its metrics. */
void ebb__explain_result(const struct ebb__run *r, struct ebb__line *l, size_t n_invalid)
{
    if (r->desired != r->cur)
        explain_move(l, r);
    else
        explain_hold(l, r);
    if (n_invalid > 0) {
        int i = r->first_invalid;
        ebb__line_add(l, "; ");
        ebb__line_add(l, name_of(&r->s->metrics[i]));
        ebb__line_add(l, " invalid: ");
        ebb__line_add(l, r->out->metrics[i].error);
    }
}

/* What every valid input's reason ends with: the active schedule and its note. */
void ebb__explain_tail(const struct ebb__run *r, struct ebb__line *l)
{
    if (r->out->active_schedule >= 0) {
        ebb__line_add(l, "; schedule ");
        ebb__line_add(l, ebb__schedule_name(r->s, (size_t)r->out->active_schedule));
        ebb__line_add(l, " active");
    }
    if (r->note[0] != '\0') {
        ebb__line_add(l, "; ");
        ebb__line_add(l, r->note);
    }
}
