/* decide.c -- ebb_scale_decide(): the HPA's decision, rule for rule, plus
 * Ebb's bands, cooldowns, schedules and port capacity. PURE.
 *
 * The order is scale.h's; the choices HPA does not make for us:
 *   - Paused: nothing is evaluated and nothing is recorded; the history
 *     comes back as it went in.
 *   - ScalingDisabled (HPA's manual off switch, replicas set to 0 by hand)
 *     applies when current is 0 and the policy's minimum can never be 0:
 *     spec.minReplicas is not 0 and no schedule sets minReplicas 0. A policy
 *     that may scale itself to 0 treats 0 replicas as an ordinary count.
 *   - Range checks and clamping use the effective bounds: active schedules,
 *     then maxReplicas lowered to the port capacity (and minReplicas with
 *     it, since ports cannot overlap).
 *   - Bands gate each metric's proposal. Timers move only on a valid
 *     reading: a metric that cannot be read is no evidence either way, so
 *     its timers are kept. A band's timer is cleared as soon as the value is
 *     back within the threshold; a band without `for` acts at once.
 *   - Cooldowns (behavior only) come after the rate limits and hold the
 *     count: a scale-up within scaleUp.cooldown of the last scale-up, a
 *     scale-down within scaleDown.cooldown of the last scale of either
 *     direction. AbleToScale turns False with ScaleUpCooldown or
 *     ScaleDownCooldown.
 *   - Recommendations older than the longest window are pruned; a history
 *     that is still full first drops the entries no window ending now can
 *     use (ebb__history_compact), so windows longer than 128 syncs stay
 *     exact. Events older than the longest policy period or cooldown are
 *     pruned. Scale events are recorded only with spec.behavior, as HPA
 *     does; the last-scale times always.
 *   - Bounds are enforced at once: a count outside [min, max] goes to the
 *     bound without metrics, rate limits or cooldowns, as HPA's range
 *     checks do (a schedule's peak minimum must not wait for a cooldown).
 *
 * No heap allocation; the cost is one pass over the pods per metric and a
 * few passes over the bounded history.
 */
#include "scale.h"

#include <stddef.h>
#include <string.h>

#include "../api/v1alpha1/duration.h"
#include "internal.h"
#include "schedule.h"

/* Arrays of char arrays, not of pointers: they stay in read-only data. */
static const char cond_type_names[][16] = {"AbleToScale", "ScalingActive", "ScalingLimited"};
_Static_assert(sizeof(cond_type_names) / sizeof(*cond_type_names) == EBB_COND_TYPE__COUNT,
               "one name per condition type");

const char *ebb_cond_type_name(enum ebb_cond_type t)
{
    return (unsigned)t < EBB_COND_TYPE__COUNT ? cond_type_names[t] : "";
}

void ebb_scale_config_default(struct ebb_scale_config *c)
{
    c->cpu_initialization_period_ms = 5 * 60 * 1000LL;
    c->initial_readiness_delay_ms = 30 * 1000LL;
    c->downscale_stabilization_ms = 5 * 60 * 1000LL;
    c->tolerance_milli = 100;
    c->sync_period_ms = 15 * 1000LL;
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

/* ScalingLimited reasons and HPA's messages for them. */
enum limit {
    LIM_NONE = 0,
    LIM_TOO_FEW,
    LIM_TOO_MANY,
    LIM_UP_RATE,
    LIM_DOWN_RATE,
    LIM_PORTS,
    LIM__COUNT
};
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
_Static_assert(sizeof(limit_reasons) / sizeof(*limit_reasons) == LIM__COUNT, "");
_Static_assert(sizeof(limit_messages) / sizeof(*limit_messages) == LIM__COUNT, "");

/* ---- the decision's working state ---- */

enum hold {
    HOLD_NONE = 0,
    HOLD_UP_COOLDOWN,
    HOLD_DOWN_COOLDOWN,
};

struct run {
    const struct ebb_scale_input *in;
    const struct ebb_policy_spec *s;
    const struct ebb_scale_config *cfg;
    struct ebb_decision *out;
    int32_t cur;
    int64_t now;
    bool behavior;
    int64_t up_window, down_window; /* stabilization windows in use */
    /* effective bounds and where they come from */
    int32_t min, max;
    bool port_limited;               /* max is the port capacity */
    const char *min_from, *max_from; /* schedule names, or NULL for the spec */
    /* per metric */
    enum ebb__why why[EBB_MAX_METRICS];
    const char *fail_reason[EBB_MAX_METRICS];
    int lead;          /* the metric that set the recommendation, -1 */
    int first_invalid; /* -1 */
    /* after stabilization and limits */
    int32_t best, stabilized, desired;
    int32_t win_min, win_max; /* min and max recommendation in the windows */
    int32_t wanted;           /* desired before a cooldown held it */
    enum limit limit;
    int policy; /* index of the rate policy that limited, -1 */
    enum hold hold;
    int64_t hold_left_ms;
    char note[256]; /* from the schedules, or ""; last: not cleared with the rest */
};

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int64_t or_zero(int64_t v)
{
    return v > 0 ? v : 0;
}

static double tolerance(const struct ebb_scaling_rules *r, const struct ebb_behavior *b,
                        const struct ebb_scale_config *cfg)
{
    int64_t milli = r->tolerance.set   ? r->tolerance.milli
                    : b->tolerance.set ? b->tolerance.milli
                                       : cfg->tolerance_milli;
    return (double)milli / 1000.0;
}

static int64_t longest_period(const struct ebb_scaling_rules *r)
{
    int64_t m = or_zero(r->cooldown_ms);
    for (size_t i = 0; i < r->n_policies; i++)
        m = max64(m, r->policies[i].period_ms);
    return m;
}

/* Elapsed time since `since`, never overflowing. */
static int64_t since(int64_t now, int64_t t)
{
    if (t == EBB_TIME_UNSET)
        return INT64_MAX;
    if (t < 0 && now > INT64_MAX + t)
        return INT64_MAX;
    if (t > 0 && now < INT64_MIN + t)
        return INT64_MIN;
    return now - t;
}

static void not_evaluated(struct run *r, const char *why)
{
    struct ebb_decision *out = r->out;
    out->n_metrics = r->s->n_metrics;
    for (size_t i = 0; i < out->n_metrics; i++) {
        struct ebb_metric_result *m = &out->metrics[i];
        struct ebb__line l;
        m->valid = false;
        m->raw_proposal = EBB_UNSET;
        m->proposal = EBB_UNSET;
        ebb__line_init(&l, m->error, sizeof(m->error));
        ebb__line_add(&l, "not evaluated: ");
        ebb__line_add(&l, why);
    }
}

/* ---- bounds ---- */

static const char *schedule_name(const struct ebb_policy_spec *s, size_t i)
{
    const char *n = s->schedules[i].name;
    return n != NULL && n[0] != '\0' ? n : "(unnamed)";
}

static void bounds(struct run *r)
{
    const struct ebb_policy_spec *s = r->s;
    int32_t spec_min = s->min_replicas == EBB_UNSET ? 1 : s->min_replicas;

    r->min = spec_min;
    r->max = s->max_replicas;
    r->min_from = r->max_from = NULL;
    r->note[0] = '\0';
    r->out->active_schedule = -1;
    if (s->n_schedules > 0) {
        struct ebb_schedule_eval se;
        ebb_schedules_eval(s, r->in->schedule_tz, r->now, &se);
        r->min = se.min_replicas < 0 ? spec_min : se.min_replicas;
        r->max = se.max_replicas;
        r->out->active_schedule = se.first_active;
        for (size_t i = 0; i < s->n_schedules && i < EBB_MAX_SCHEDULES; i++) {
            if (!(se.active_mask & ((uint32_t)1 << i)))
                continue;
            if (r->min_from == NULL && s->schedules[i].min_replicas == r->min && r->min != spec_min)
                r->min_from = schedule_name(s, i);
            if (r->max_from == NULL && s->schedules[i].max_replicas == r->max &&
                r->max != s->max_replicas)
                r->max_from = schedule_name(s, i);
        }
        memcpy(r->note, se.note, sizeof(r->note));
        r->note[sizeof(r->note) - 1] = '\0';
    }
    int32_t cap = r->in->port_capacity;
    if (cap != EBB_UNSET && cap < r->max) {
        r->max = cap;
        r->port_limited = true;
        if (r->min > r->max)
            r->min = r->max;
    }
    r->out->min_replicas = r->min;
    r->out->max_replicas = r->max;
}

/* spec.minReplicas is not 0 and no schedule can make it 0. */
static bool min_never_zero(const struct ebb_policy_spec *s)
{
    if (s->min_replicas == 0)
        return false;
    for (size_t i = 0; i < s->n_schedules; i++)
        if (s->schedules[i].min_replicas == 0)
            return false;
    return true;
}

/* ---- metrics and bands ---- */

static bool band_on(const struct ebb_band *b)
{
    return b->set && b->threshold.set;
}

static bool band_met(const struct ebb_band *b, int64_t started, int64_t now)
{
    return started != EBB_TIME_UNSET && since(now, started) >= or_zero(b->for_ms);
}

/* Moves the band timers on a valid reading and gates the proposal. */
static void band_gate(struct run *r, size_t i)
{
    const struct ebb_metric_spec *m = &r->s->metrics[i];
    struct ebb_metric_result *res = &r->out->metrics[i];
    struct ebb_band_timer *t = &r->out->history.bands[i];
    int64_t v = res->value_milli;

    res->proposal = res->raw_proposal;
    res->band_held = false;
    if (!res->valid) {
        res->proposal = EBB_UNSET;
        return;
    }
    if (band_on(&m->scale_up) && v > m->scale_up.threshold.milli) {
        if (t->above_since_ms == EBB_TIME_UNSET)
            t->above_since_ms = r->now;
    } else {
        t->above_since_ms = EBB_TIME_UNSET;
    }
    if (band_on(&m->scale_down) && v < m->scale_down.threshold.milli) {
        if (t->below_since_ms == EBB_TIME_UNSET)
            t->below_since_ms = r->now;
    } else {
        t->below_since_ms = EBB_TIME_UNSET;
    }
    if (res->raw_proposal > r->cur && band_on(&m->scale_up) &&
        !band_met(&m->scale_up, t->above_since_ms, r->now)) {
        res->proposal = r->cur;
        res->band_held = true;
    }
    if (res->raw_proposal < r->cur && band_on(&m->scale_down) &&
        !band_met(&m->scale_down, t->below_since_ms, r->now)) {
        res->proposal = r->cur;
        res->band_held = true;
    }
}

/* Evaluates every metric; returns the number of invalid ones. */
static size_t evaluate(struct run *r)
{
    const struct ebb_policy_spec *s = r->s;
    const struct ebb_scale_input *in = r->in;
    int64_t sync = s->sync_period_ms > 0 ? s->sync_period_ms : r->cfg->sync_period_ms;
    struct ebb__calc_ctx cc = {
        .now_ms = r->now,
        .cpu_init_ms = r->cfg->cpu_initialization_period_ms,
        .readiness_ms = r->cfg->initial_readiness_delay_ms,
        .stale_ms = sync > 0 && sync < INT64_MAX / 2 ? 2 * sync : 0,
        .current = r->cur,
        .status_replicas = in->status_replicas,
        .pods = in->pods,
        .n_pods = in->n_pods,
    };
    struct ebb__tol tol = {
        .up = tolerance(&s->behavior.scale_up, &s->behavior, r->cfg),
        .down = tolerance(&s->behavior.scale_down, &s->behavior, r->cfg),
    };
    size_t n_invalid = 0;

    r->out->n_metrics = s->n_metrics;
    r->lead = -1;
    r->first_invalid = -1;
    r->best = 0;
    for (size_t i = 0; i < s->n_metrics; i++) {
        struct ebb_metric_result *res = &r->out->metrics[i];
        r->why[i] = ebb__metric_propose(&cc, &s->metrics[i], &in->metrics[i], &tol, res,
                                        &r->fail_reason[i]);
        band_gate(r, i);
        if (!res->valid) {
            if (r->first_invalid < 0)
                r->first_invalid = (int)i;
            n_invalid++;
            continue;
        }
        if (r->lead < 0 || res->proposal > r->best) {
            r->best = res->proposal;
            r->lead = (int)i;
        }
    }
    return n_invalid;
}

/* ---- stabilization and limits ---- */

static void stabilize_legacy(struct run *r)
{
    struct ebb_history *h = &r->out->history;
    r->stabilized = ebb__stabilize_legacy(h, r->now, r->down_window, r->best);
    r->win_max = r->stabilized;
    r->win_min = r->best;
    ebb_history_add_recommendation(h, r->now, r->best);

    /* convertDesiredReplicasWithRules */
    int64_t up = max64(2 * (int64_t)r->cur, 4);
    int32_t allowed_max = r->max;
    enum limit over = LIM_TOO_MANY;
    if ((int64_t)r->max > up) {
        allowed_max = (int32_t)up;
        over = LIM_UP_RATE;
    }
    if (r->stabilized < r->min) {
        r->desired = r->min;
        r->limit = LIM_TOO_FEW;
    } else if (r->stabilized > allowed_max) {
        r->desired = allowed_max;
        r->limit = over;
    } else {
        r->desired = r->stabilized;
        r->limit = LIM_NONE;
    }
}

static void stabilize_behavior(struct run *r)
{
    struct ebb_history *h = &r->out->history;
    const struct ebb_behavior *b = &r->s->behavior;
    r->stabilized = ebb__stabilize_behavior(h, r->now, r->up_window, r->down_window, r->cur,
                                            r->best, &r->win_min, &r->win_max);
    ebb_history_add_recommendation(h, r->now, r->best);

    /* convertDesiredReplicasWithBehaviorRate */
    r->desired = r->stabilized;
    r->limit = LIM_NONE;
    if (r->stabilized > r->cur) {
        int32_t lim = ebb__scale_up_limit(h, r->now, r->cur, &b->scale_up, &r->policy);
        if (lim < r->cur)
            lim = r->cur;
        int32_t allowed = r->max;
        enum limit why = LIM_TOO_MANY;
        if (allowed > lim) {
            allowed = lim;
            why = LIM_UP_RATE;
        }
        if (r->stabilized > allowed) {
            r->desired = allowed;
            r->limit = why;
        }
    } else if (r->stabilized < r->cur) {
        int32_t lim = ebb__scale_down_limit(h, r->now, r->cur, &b->scale_down, &r->policy);
        if (lim > r->cur)
            lim = r->cur;
        int32_t allowed = r->min;
        enum limit why = LIM_TOO_FEW;
        if (allowed < lim) {
            allowed = lim;
            why = LIM_DOWN_RATE;
        }
        if (r->stabilized < allowed) {
            r->desired = allowed;
            r->limit = why;
        }
    }
}

static void cooldowns(struct run *r)
{
    const struct ebb_behavior *b = &r->s->behavior;
    const struct ebb_history *h = &r->out->history;
    if (!r->behavior)
        return;
    if (r->desired > r->cur && b->scale_up.cooldown_ms > 0) {
        int64_t e = since(r->now, h->last_scale_up_ms);
        if (e < b->scale_up.cooldown_ms) {
            r->hold = HOLD_UP_COOLDOWN;
            r->hold_left_ms = b->scale_up.cooldown_ms - e;
        }
    } else if (r->desired < r->cur && b->scale_down.cooldown_ms > 0) {
        int64_t e = since(r->now, max64(h->last_scale_up_ms, h->last_scale_down_ms));
        if (e < b->scale_down.cooldown_ms) {
            r->hold = HOLD_DOWN_COOLDOWN;
            r->hold_left_ms = b->scale_down.cooldown_ms - e;
        }
    }
    r->wanted = r->desired;
    if (r->hold != HOLD_NONE)
        r->desired = r->cur;
}

/* ---- the reason line ---- */

static void put_bound(struct ebb__line *l, const struct run *r, bool upper)
{
    if (upper && r->port_limited) {
        ebb__line_add(l, "the port pool (");
        ebb__line_int(l, r->max);
        ebb__line_add(l, r->max == 1 ? " slot)" : " slots)");
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

static void put_limit(struct ebb__line *l, const struct run *r)
{
    switch (r->limit) {
    case LIM_TOO_FEW:
        put_bound(l, r, false);
        break;
    case LIM_TOO_MANY:
    case LIM_PORTS:
        put_bound(l, r, true);
        break;
    case LIM_UP_RATE:
        if (r->behavior) {
            put_policy(l, &r->s->behavior.scale_up, r->policy);
        } else {
            ebb__line_add(l, "the scale-up limit max(2*");
            ebb__line_int(l, r->cur);
            ebb__line_add(l, ", 4)");
        }
        break;
    case LIM_DOWN_RATE:
        put_policy(l, &r->s->behavior.scale_down, r->policy);
        break;
    default:
        break;
    }
}

/* "cpu 82% above 70% for 5m0s" / "cpu 82% above target 60%". */
static void put_metric_move(struct ebb__line *l, const struct run *r, int i, bool up)
{
    const struct ebb_metric_spec *m = &r->s->metrics[i];
    const struct ebb_metric_result *res = &r->out->metrics[i];
    const struct ebb_band *b = up ? &m->scale_up : &m->scale_down;
    ebb__line_add(l, name_of(m));
    ebb__line_add(l, " ");
    put_value(l, m, res->value_milli);
    ebb__line_add(l, up ? " above " : " below ");
    if (band_on(b)) {
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

static void put_metric_value(struct ebb__line *l, const struct run *r, int i)
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
static void put_band_hold(struct ebb__line *l, const struct run *r, int i)
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
        put_dur(l, since(r->now, started));
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
static void explain_hold(struct ebb__line *l, const struct run *r)
{
    const struct ebb_decision *out = r->out;
    bool up = r->stabilized > r->cur;

    if (r->hold != HOLD_NONE) {
        ebb__line_add(l, r->hold == HOLD_UP_COOLDOWN ? "scale-up cooldown: "
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
static void explain_move(struct ebb__line *l, const struct run *r)
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
    if (r->limit != LIM_NONE) {
        ebb__line_add(l, " (limited by ");
        put_limit(l, r);
        ebb__line_add(l, ")");
    }
}

static void explain_invalid(struct ebb__line *l, const struct run *r, bool all)
{
    const struct ebb_decision *out = r->out;
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

static bool input_ok(const struct ebb_scale_input *in, struct ebb__line *l)
{
    const struct ebb_policy_spec *s = in->spec;
    const char *what = NULL;
    int64_t n = 0;

    if (s == NULL)
        what = "no policy spec";
    else if (in->current_replicas < 0)
        what = "negative current replicas ", n = in->current_replicas;
    else if (in->status_replicas < 0)
        what = "negative status replicas ", n = in->status_replicas;
    else if (s->n_metrics > EBB_MAX_METRICS)
        what = "too many metrics: ", n = (int64_t)s->n_metrics;
    else if (s->n_metrics > 0 && (s->metrics == NULL || in->metrics == NULL))
        what = "no observation for the policy's metrics";
    else if (s->n_schedules > 0 && s->schedules == NULL)
        what = "spec.schedules missing";
    else if (in->n_pods > 0 && in->pods == NULL)
        what = "pods missing";
    else if (s->max_replicas < 0)
        what = "spec.maxReplicas not set";
    else if (s->min_replicas < EBB_UNSET || s->min_replicas > s->max_replicas)
        what = "spec.minReplicas out of range: ", n = s->min_replicas;
    else if (in->port_capacity < EBB_UNSET)
        what = "negative port capacity ", n = in->port_capacity;
    if (what == NULL)
        return true;
    ebb__line_add(l, "invalid input: ");
    ebb__line_add(l, what);
    if (what[strlen(what) - 1] == ' ')
        ebb__line_int(l, n);
    return false;
}

enum ebb_rc ebb_scale_decide(const struct ebb_scale_input *in, struct ebb_decision *out)
{
    enum ebb_rc rc = EBB_OK;
    struct ebb_scale_config defaults;
    struct run r;
    struct ebb__line l;
    size_t n_invalid = 0;

    memset(out, 0, offsetof(struct ebb_decision, history));
    if (in != NULL && in->history != NULL)
        memmove(&out->history, in->history, sizeof(out->history));
    else
        ebb_history_init(&out->history);
    out->recommendation = EBB_UNSET;
    out->stabilized = EBB_UNSET;
    out->active_schedule = -1;
    set_cond(out, EBB_COND_ABLE_TO_SCALE, EBB_COND_TRUE, "ReadyForNewScale", msg_ready);
    set_cond(out, EBB_COND_SCALING_LIMITED, EBB_COND_FALSE, limit_reasons[LIM_NONE], msg_in_range);
    ebb__line_init(&l, out->reason, sizeof(out->reason));

    memset(&r, 0, offsetof(struct run, note));
    r.note[0] = '\0';
    r.in = in;
    r.out = out;
    r.lead = -1;
    r.first_invalid = -1;
    r.policy = -1;
    if (in == NULL) {
        ebb__line_add(&l, "invalid input: none");
        rc = EBB_ERR_INVALID;
        goto invalid;
    }
    r.cur = in->current_replicas;
    r.desired = r.cur;
    out->desired = r.cur;
    if (!input_ok(in, &l)) {
        rc = EBB_ERR_INVALID;
        goto invalid;
    }

    r.s = in->spec;
    if (in->config == NULL)
        ebb_scale_config_default(&defaults);
    r.cfg = in->config != NULL ? in->config : &defaults;
    r.now = in->now_ms;
    r.behavior = r.s->behavior.set;
    const struct ebb_behavior *b = &r.s->behavior;
    r.up_window = r.behavior ? or_zero(b->scale_up.stabilization_ms) : 0;
    r.down_window = r.cfg->downscale_stabilization_ms;
    if (r.behavior && b->scale_down.stabilization_ms != EBB_UNSET)
        r.down_window = or_zero(b->scale_down.stabilization_ms);
    bounds(&r);

    if (in->paused) {
        not_evaluated(&r, "paused");
        set_cond(out, EBB_COND_SCALING_ACTIVE, EBB_COND_FALSE, "Paused",
                 "scaling is paused by spec.paused or the ebb.dev/paused annotation");
        ebb__line_add(&l, "paused");
        put_holding(&l, r.cur);
        goto out;
    }

    struct ebb_history *h = &out->history;
    if (h->n_recs == 0)
        ebb_history_add_recommendation(h, r.now, r.cur);
    int64_t keep_recs = max64(max64(r.up_window, r.down_window), r.cfg->downscale_stabilization_ms);
    int64_t keep_events =
        r.behavior ? max64(longest_period(&b->scale_up), longest_period(&b->scale_down)) : 0;
    ebb__history_prune(h, r.now, keep_recs, keep_events);
    if (h->n_recs >= EBB_HISTORY_MAX_RECS)
        ebb__history_compact(h);

    if (r.cur == 0 && min_never_zero(r.s)) {
        not_evaluated(&r, "scaling disabled");
        set_cond(out, EBB_COND_SCALING_ACTIVE, EBB_COND_FALSE, "ScalingDisabled",
                 "scaling is disabled since the replica count of the target is zero");
        ebb__line_add(&l, "scaling disabled: the target has 0 replicas and minReplicas is ");
        ebb__line_int(&l, r.s->min_replicas == EBB_UNSET ? 1 : r.s->min_replicas);
        ebb__line_add(&l, "; scale it up to resume");
        goto out;
    }

    if (r.cur > r.max || r.cur < r.min) {
        bool above = r.cur > r.max;
        not_evaluated(&r, "replicas outside [min, max]");
        r.desired = above ? r.max : r.min;
        r.limit = above ? (r.port_limited ? LIM_PORTS : LIM_TOO_MANY) : LIM_TOO_FEW;
        set_cond(out, EBB_COND_SCALING_ACTIVE, EBB_COND_TRUE, "OutsideRange",
                 "the replica count is outside [minReplicas, maxReplicas]: scaling to the "
                 "bound without evaluating metrics");
        set_cond(out, EBB_COND_SCALING_LIMITED, EBB_COND_TRUE, limit_reasons[r.limit],
                 limit_messages[r.limit]);
        ebb__line_int(&l, r.cur);
        ebb__line_add(&l, r.cur == 1 ? " replica " : " replicas ");
        ebb__line_add(&l, above ? "above " : "below ");
        put_bound(&l, &r, above);
        ebb__line_add(&l, ": ");
        ebb__line_int(&l, r.cur);
        ebb__line_add(&l, " -> ");
        ebb__line_int(&l, r.desired);
        goto apply;
    }

    n_invalid = evaluate(&r);
    if (n_invalid >= r.s->n_metrics || (n_invalid > 0 && r.best < r.cur)) {
        if (r.first_invalid >= 0) {
            int i = r.first_invalid;
            struct ebb_cond_out *c = &out->conditions[EBB_COND_SCALING_ACTIVE];
            struct ebb__line m;
            c->status = EBB_COND_FALSE;
            c->reason = r.fail_reason[i];
            ebb__line_init(&m, c->message, sizeof(c->message));
            ebb__line_add(&m, "unable to compute the replica count: ");
            ebb__line_add(&m, name_of(&r.s->metrics[i]));
            ebb__line_add(&m, ": ");
            ebb__line_add(&m, out->metrics[i].error);
        } else {
            set_cond(out, EBB_COND_SCALING_ACTIVE, EBB_COND_FALSE, "NoMetrics",
                     "the policy has no metrics");
        }
        explain_invalid(&l, &r, n_invalid >= r.s->n_metrics);
        goto out;
    }
    {
        struct ebb_cond_out *c = &out->conditions[EBB_COND_SCALING_ACTIVE];
        struct ebb__line m;
        c->status = EBB_COND_TRUE;
        c->reason = "ValidMetricFound";
        ebb__line_init(&m, c->message, sizeof(c->message));
        ebb__line_add(&m, "the replica count was computed from ");
        ebb__line_add(&m, name_of(&r.s->metrics[r.lead]));
    }

    out->recommendation = r.best;
    if (r.behavior)
        stabilize_behavior(&r);
    else
        stabilize_legacy(&r);
    out->stabilized = r.stabilized;
    if (r.stabilized != r.best) {
        if (r.behavior && r.best >= r.cur)
            set_cond(out, EBB_COND_ABLE_TO_SCALE, EBB_COND_TRUE, "ScaleUpStabilized",
                     "recent recommendations were lower than current one, applying the lowest "
                     "recent recommendation");
        else
            set_cond(out, EBB_COND_ABLE_TO_SCALE, EBB_COND_TRUE, "ScaleDownStabilized",
                     "recent recommendations were higher than current one, applying the "
                     "highest recent recommendation");
    }
    if (r.limit == LIM_TOO_MANY && r.port_limited)
        r.limit = LIM_PORTS;
    if (r.limit != LIM_NONE)
        set_cond(out, EBB_COND_SCALING_LIMITED, EBB_COND_TRUE, limit_reasons[r.limit],
                 limit_messages[r.limit]);

    cooldowns(&r);
    if (r.hold != HOLD_NONE) {
        struct ebb_cond_out *c = &out->conditions[EBB_COND_ABLE_TO_SCALE];
        struct ebb__line m;
        bool up = r.hold == HOLD_UP_COOLDOWN;
        c->status = EBB_COND_FALSE;
        c->reason = up ? "ScaleUpCooldown" : "ScaleDownCooldown";
        ebb__line_init(&m, c->message, sizeof(c->message));
        ebb__line_add(&m, up ? "scale-up cooldown: " : "scale-down cooldown: ");
        put_dur(&m, r.hold_left_ms);
        ebb__line_add(&m, " left");
    }
    if (r.desired > r.max)
        r.desired = r.max;
    if (r.desired < r.min)
        r.desired = r.min;

    if (r.desired != r.cur)
        explain_move(&l, &r);
    else
        explain_hold(&l, &r);
    if (n_invalid > 0) {
        int i = r.first_invalid;
        ebb__line_add(&l, "; ");
        ebb__line_add(&l, name_of(&r.s->metrics[i]));
        ebb__line_add(&l, " invalid: ");
        ebb__line_add(&l, out->metrics[i].error);
    }

apply:
    out->desired = r.desired;
    out->scale = r.desired != r.cur;
    if (out->scale) {
        if (r.behavior)
            ebb__history_add_event(&out->history, r.now, r.cur, r.desired);
        if (r.desired > r.cur)
            out->history.last_scale_up_ms = r.now;
        else
            out->history.last_scale_down_ms = r.now;
    }
out:
    if (out->active_schedule >= 0) {
        ebb__line_add(&l, "; schedule ");
        ebb__line_add(&l, schedule_name(r.s, (size_t)out->active_schedule));
        ebb__line_add(&l, " active");
    }
    if (r.note[0] != '\0') {
        ebb__line_add(&l, "; ");
        ebb__line_add(&l, r.note);
    }
    return rc;

invalid:
    set_cond(out, EBB_COND_SCALING_ACTIVE, EBB_COND_FALSE, "InvalidInput", out->reason);
    return rc;
}
