/* stabilize.c -- stabilization windows and rate limits, as HPA's
 * horizontal.go computes them, plus the housekeeping of the bounded
 * history they read. PURE.
 *
 * Window edges follow HPA exactly: without spec.behavior a recommendation
 * at exactly now - window still counts (rec.timestamp.Before(cutoff) is
 * false); with behavior only those strictly after the cutoff count
 * (rec.timestamp.After(cutoff)), and a scale event counts for a policy only
 * when it is strictly after now - period.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

int32_t ebb__stabilize_legacy(const struct ebb_history *h, int64_t now_ms, int64_t window_ms,
                              int32_t rec)
{
    int64_t cutoff = ebb__add_sat(now_ms, -window_ms);
    int32_t best = rec;
    for (size_t i = 0; i < h->n_recs; i++)
        if (h->recs[i].time_ms >= cutoff && h->recs[i].replicas > best)
            best = h->recs[i].replicas;
    return best;
}

int32_t ebb__stabilize_behavior(const struct ebb_history *h, int64_t now_ms, int64_t up_ms,
                                int64_t down_ms, int32_t current, int32_t rec, int32_t *up_out,
                                int32_t *down_out)
{
    int64_t up_cut = ebb__add_sat(now_ms, -up_ms);
    int64_t down_cut = ebb__add_sat(now_ms, -down_ms);
    int32_t up = rec, down = rec;
    for (size_t i = 0; i < h->n_recs; i++) {
        const struct ebb_recommendation *r = &h->recs[i];
        if (r->time_ms > up_cut && r->replicas < up)
            up = r->replicas;
        if (r->time_ms > down_cut && r->replicas > down)
            down = r->replicas;
    }
    *up_out = up;
    *down_out = down;
    int32_t out = current;
    if (out < up)
        out = up;
    if (out > down)
        out = down;
    return out;
}

/* Replicas added (up) or removed (!up) by the events strictly after
 * now - period: getReplicasChangePerPeriod. */
static int64_t change_in_period(const struct ebb_history *h, int64_t now_ms, int64_t period_ms,
                                bool up)
{
    int64_t cutoff = ebb__add_sat(now_ms, -(period_ms > 0 ? period_ms : 0));
    int64_t sum = 0;
    for (size_t i = 0; i < h->n_events; i++) {
        const struct ebb_scale_event *e = &h->events[i];
        if (e->time_ms <= cutoff)
            continue;
        if (up && e->to > e->from)
            sum += (int64_t)e->to - e->from;
        else if (!up && e->to < e->from)
            sum += (int64_t)e->from - e->to;
    }
    return sum;
}

static int64_t to_i32_range(double x)
{
    if (isnan(x))
        return 0;
    if (x >= (double)INT32_MAX)
        return INT32_MAX;
    if (x <= (double)INT32_MIN)
        return INT32_MIN;
    return (int64_t)x;
}

static int64_t clamp_i32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v;
}

/* One policy's bound for the period: start + value pods, or start scaled by
 * value percent (rounded up when adding, truncated when removing). */
static int64_t policy_bound(const struct ebb_history *h, int64_t now_ms, int32_t current,
                            const struct ebb_rate_policy *p, bool up)
{
    int64_t added = change_in_period(h, now_ms, p->period_ms, true);
    int64_t removed = change_in_period(h, now_ms, p->period_ms, false);
    int64_t start = clamp_i32((int64_t)current - added + removed);
    double v = (double)p->value;
    if (p->type == EBB_RATE_PODS)
        return clamp_i32(up ? start + p->value : start - p->value);
    if (up)
        return to_i32_range(ceil((double)start * (1 + v / 100)));
    return to_i32_range((double)start * (1 - v / 100));
}

static int32_t limit(const struct ebb_history *h, int64_t now_ms, int32_t current,
                     const struct ebb_scaling_rules *r, bool up, int *policy)
{
    *policy = -1;
    if (r->select_policy == EBB_SELECT_DISABLED)
        return current;
    /* selectPolicy Max means the largest change: the highest bound up, the
     * lowest down; Min the opposite. */
    bool take_high = (r->select_policy != EBB_SELECT_MIN) == up;
    int64_t result = take_high ? INT32_MIN : INT32_MAX;
    for (size_t i = 0; i < r->n_policies; i++) {
        const struct ebb_rate_policy *p = &r->policies[i];
        if (p->type != EBB_RATE_PODS && p->type != EBB_RATE_PERCENT)
            continue;
        int64_t b = policy_bound(h, now_ms, current, p, up);
        if (take_high ? b > result : b < result) {
            result = b;
            *policy = (int)i;
        }
    }
    return (int32_t)result;
}

int32_t ebb__scale_up_limit(const struct ebb_history *h, int64_t now_ms, int32_t current,
                            const struct ebb_scaling_rules *r, int *policy)
{
    return limit(h, now_ms, current, r, true, policy);
}

int32_t ebb__scale_down_limit(const struct ebb_history *h, int64_t now_ms, int32_t current,
                              const struct ebb_scaling_rules *r, int *policy)
{
    return limit(h, now_ms, current, r, false, policy);
}

void ebb__history_prune(struct ebb_history *h, int64_t now_ms, int64_t rec_keep_ms,
                        int64_t event_keep_ms)
{
    /* memmove, not assignment: padding moves too, so equal inputs give
     * byte-equal histories. */
    int64_t cut = ebb__add_sat(now_ms, -rec_keep_ms);
    size_t n = 0;
    for (size_t i = 0; i < h->n_recs; i++)
        if (h->recs[i].time_ms >= cut)
            memmove(&h->recs[n++], &h->recs[i], sizeof(h->recs[0]));
    h->n_recs = n;

    cut = ebb__add_sat(now_ms, -event_keep_ms);
    n = 0;
    for (size_t i = 0; i < h->n_events; i++)
        if (h->events[i].time_ms >= cut)
            memmove(&h->events[n++], &h->events[i], sizeof(h->events[0]));
    h->n_events = n;
}

static void clamp_to(int64_t *t, int64_t now_ms)
{
    if (*t != EBB_TIME_UNSET && *t > now_ms)
        *t = now_ms;
}

void ebb__history_clamp_future(struct ebb_history *h, int64_t now_ms)
{
    for (size_t i = 0; i < h->n_recs; i++)
        clamp_to(&h->recs[i].time_ms, now_ms);
    for (size_t i = 0; i < h->n_events; i++)
        clamp_to(&h->events[i].time_ms, now_ms);
    clamp_to(&h->last_scale_up_ms, now_ms);
    clamp_to(&h->last_scale_down_ms, now_ms);
    for (size_t i = 0; i < EBB_MAX_METRICS; i++) {
        clamp_to(&h->bands[i].above_since_ms, now_ms);
        clamp_to(&h->bands[i].below_since_ms, now_ms);
    }
}

void ebb__history_compact(struct ebb_history *h)
{
    bool keep[EBB_HISTORY_MAX_RECS];
    size_t n = h->n_recs;
    if (n < 2)
        return;
    int32_t hi = h->recs[n - 1].replicas, lo = hi;
    keep[n - 1] = true;
    for (size_t i = n - 1; i-- > 0;) {
        int32_t v = h->recs[i].replicas;
        keep[i] = !(hi >= v && lo <= v);
        if (v > hi)
            hi = v;
        if (v < lo)
            lo = v;
    }
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i])
            memmove(&h->recs[w++], &h->recs[i], sizeof(h->recs[0]));
    h->n_recs = w;
}

void ebb__history_add_event(struct ebb_history *h, int64_t now_ms, int32_t from, int32_t to)
{
    if (h->n_events >= EBB_HISTORY_MAX_EVENTS) {
        memmove(&h->events[0], &h->events[1], (EBB_HISTORY_MAX_EVENTS - 1) * sizeof(h->events[0]));
        h->n_events = EBB_HISTORY_MAX_EVENTS - 1;
    }
    struct ebb_scale_event *e = &h->events[h->n_events++];
    e->time_ms = now_ms;
    e->from = from;
    e->to = to;
}
