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
 *     then the port capacity: max = min(max, max(capacity, current)) and
 *     min = min(min, max). A full pool blocks a scale-up (ScalingLimited
 *     PortPoolExhausted) but never forces a scale-down: the replicas that
 *     hold ports keep them.
 *   - Bands gate each metric's proposal. Timers move only on a valid
 *     reading: a metric that cannot be read is no evidence either way, so
 *     its timers are kept. A band's timer is cleared as soon as the value is
 *     back within the threshold; a band without `for` acts at once.
 *   - Cooldowns (behavior only) come after the rate limits and hold the
 *     count: a scale-up within scaleUp.cooldown of the last scale-up, a
 *     scale-down within scaleDown.cooldown of the last scale of either
 *     direction. AbleToScale stays True, with reason ScaleUpCooldown or
 *     ScaleDownCooldown and the time left (as HPA reports its stabilized
 *     holds); ScalingLimited says what it said before the cooldown.
 *   - History from the future (clock skew on a failover, a hand edit):
 *     every recorded instant later than now counts as now, so a window or
 *     a cooldown is never held until some future date. Paused decisions
 *     return the history untouched.
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
 * This file is the orchestration: input checks, the metrics and their
 * bands, and the order of the steps. bounds.c holds the effective bounds,
 * stabilization, rate limits and cooldowns; explain.c every condition and
 * the reason line.
 *
 * No heap allocation; the cost is one pass over the pods per metric and a
 * few passes over the bounded history.
 */
#include "scale.h"

#include <stddef.h>
#include <string.h>

#include "internal.h"

void ebb_scale_config_default(struct ebb_scale_config *c)
{
    c->cpu_initialization_period_ms = 5 * 60 * 1000LL;
    c->initial_readiness_delay_ms = 30 * 1000LL;
    c->downscale_stabilization_ms = 5 * 60 * 1000LL;
    c->tolerance_milli = 100;
    c->sync_period_ms = 15 * 1000LL;
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
    int64_t m = ebb__or_zero(r->cooldown_ms);
    for (size_t i = 0; i < r->n_policies; i++)
        m = ebb__max64(m, r->policies[i].period_ms);
    return m;
}

static void not_evaluated(struct ebb__run *r, const char *why)
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

/* ---- metrics and bands ---- */

static bool band_met(const struct ebb_band *b, int64_t started, int64_t now)
{
    return started != EBB_TIME_UNSET && ebb__since(now, started) >= ebb__or_zero(b->for_ms);
}

/* Moves the band timers on a valid reading and gates the proposal. */
static void band_gate(struct ebb__run *r, size_t i)
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
    if (ebb__band_on(&m->scale_up) && v > m->scale_up.threshold.milli) {
        if (t->above_since_ms == EBB_TIME_UNSET)
            t->above_since_ms = r->now;
    } else {
        t->above_since_ms = EBB_TIME_UNSET;
    }
    if (ebb__band_on(&m->scale_down) && v < m->scale_down.threshold.milli) {
        if (t->below_since_ms == EBB_TIME_UNSET)
            t->below_since_ms = r->now;
    } else {
        t->below_since_ms = EBB_TIME_UNSET;
    }
    if (res->raw_proposal > r->cur && ebb__band_on(&m->scale_up) &&
        !band_met(&m->scale_up, t->above_since_ms, r->now)) {
        res->proposal = r->cur;
        res->band_held = true;
    }
    if (res->raw_proposal < r->cur && ebb__band_on(&m->scale_down) &&
        !band_met(&m->scale_down, t->below_since_ms, r->now)) {
        res->proposal = r->cur;
        res->band_held = true;
    }
}

/* Evaluates every metric; returns the number of invalid ones. */
static size_t evaluate(struct ebb__run *r)
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
    struct ebb__run r;
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
    ebb__explain_start(out);
    ebb__line_init(&l, out->reason, sizeof(out->reason));

    memset(&r, 0, offsetof(struct ebb__run, note));
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
    r.up_window = r.behavior ? ebb__or_zero(b->scale_up.stabilization_ms) : 0;
    r.down_window = r.cfg->downscale_stabilization_ms;
    if (r.behavior && b->scale_down.stabilization_ms != EBB_UNSET)
        r.down_window = ebb__or_zero(b->scale_down.stabilization_ms);
    ebb__run_bounds(&r);

    if (in->paused) {
        not_evaluated(&r, "paused");
        ebb__explain_paused(&r, &l);
        goto out;
    }

    struct ebb_history *h = &out->history;
    ebb__history_clamp_future(h, r.now);
    if (h->n_recs == 0)
        ebb_history_add_recommendation(h, r.now, r.cur);
    int64_t keep_recs =
        ebb__max64(ebb__max64(r.up_window, r.down_window), r.cfg->downscale_stabilization_ms);
    int64_t keep_events =
        r.behavior ? ebb__max64(longest_period(&b->scale_up), longest_period(&b->scale_down)) : 0;
    ebb__history_prune(h, r.now, keep_recs, keep_events);
    if (h->n_recs >= EBB_HISTORY_MAX_RECS)
        ebb__history_compact(h);

    if (r.cur == 0 && ebb__min_never_zero(r.s)) {
        not_evaluated(&r, "scaling disabled");
        ebb__explain_disabled(&r, &l);
        goto out;
    }

    if (r.cur > r.max || r.cur < r.min) {
        bool above = r.cur > r.max;
        not_evaluated(&r, "replicas outside [min, max]");
        r.desired = above ? r.max : r.min;
        r.limit = above ? EBB__LIM_TOO_MANY : EBB__LIM_TOO_FEW;
        if (above ? r.port_limited : r.min_port_cut)
            r.limit = EBB__LIM_PORTS;
        ebb__explain_outside(&r, &l, above);
        goto apply;
    }

    n_invalid = evaluate(&r);
    if (n_invalid >= r.s->n_metrics || (n_invalid > 0 && r.best < r.cur)) {
        ebb__explain_invalid(&r, &l, n_invalid);
        goto out;
    }
    ebb__explain_found(&r);

    out->recommendation = r.best;
    if (r.behavior)
        ebb__run_stabilize_behavior(&r);
    else
        ebb__run_stabilize_legacy(&r);
    out->stabilized = r.stabilized;
    /* The pool, not a bound of the spec, stopped it: above max, or below a
     * minReplicas the pool cannot hold. */
    if ((r.limit == EBB__LIM_TOO_MANY && r.port_limited) ||
        (r.limit == EBB__LIM_TOO_FEW && r.min_port_cut))
        r.limit = EBB__LIM_PORTS;
    ebb__explain_limits(&r);

    ebb__run_cooldowns(&r);
    ebb__explain_cooldown(&r);
    if (r.desired > r.max)
        r.desired = r.max;
    if (r.desired < r.min)
        r.desired = r.min;
    ebb__explain_result(&r, &l, n_invalid);

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
    ebb__explain_tail(&r, &l);
    return rc;

invalid:
    ebb__explain_invalid_input(out);
    return rc;
}
