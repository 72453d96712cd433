/* bounds.c -- what stands between the recommendation and the desired count:
 * the effective [min, max] (spec, active schedules, port capacity), the
 * stabilization windows and rate limits (HPA's convertDesiredReplicas*),
 * and Ebb's cooldowns. PURE.
 *
 * Every function works on the decision's struct ebb__run (internal.h);
 * decide.c calls them in order: bounds first, then one of the stabilize
 * functions, then the cooldowns. The windows and rate limits themselves are
 * stabilize.c's.
 */
#include "scale.h"

#include <stddef.h>
#include <string.h>

#include "internal.h"
#include "schedule.h"

void ebb__run_bounds(struct ebb__run *r)
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
                r->min_from = ebb__schedule_name(s, i);
            if (r->max_from == NULL && s->schedules[i].max_replicas == r->max &&
                r->max != s->max_replicas)
                r->max_from = ebb__schedule_name(s, i);
        }
        /* A schedule's max under the spec's min lowers the min too. */
        if (r->min_from == NULL && r->min < spec_min)
            r->min_from = r->max_from;
        memcpy(r->note, se.note, sizeof(r->note));
        r->note[sizeof(r->note) - 1] = '\0';
    }
    /* A full pool blocks a scale-up but never forces a scale-down: the
     * replicas running hold their ports, so the ceiling is the larger of
     * the capacity and the current count. */
    int32_t cap = r->in->port_capacity;
    r->port_cap = cap;
    r->port_limited = false;
    r->min_port_cut = false;
    if (cap != EBB_UNSET) {
        int32_t room = cap > r->cur ? cap : r->cur;
        if (room < r->max) {
            r->max = room;
            r->port_limited = true;
        }
        if (r->min > r->max) {
            r->min_wanted = r->min;
            r->min = r->max;
            r->min_port_cut = r->port_limited;
        }
    }
    r->out->min_replicas = r->min;
    r->out->max_replicas = r->max;
}

bool ebb__min_never_zero(const struct ebb_policy_spec *s)
{
    if (s->min_replicas == 0)
        return false;
    for (size_t i = 0; i < s->n_schedules; i++)
        if (s->schedules[i].min_replicas == 0)
            return false;
    return true;
}

/* ---- stabilization and limits ---- */

void ebb__run_stabilize_legacy(struct ebb__run *r)
{
    struct ebb_history *h = &r->out->history;
    r->stabilized = ebb__stabilize_legacy(h, r->now, r->down_window, r->best);
    r->win_max = r->stabilized;
    r->win_min = r->best;
    ebb_history_add_recommendation(h, r->now, r->best);

    /* convertDesiredReplicasWithRules */
    int64_t up = ebb__max64(2 * (int64_t)r->cur, 4);
    int32_t allowed_max = r->max;
    enum ebb__limit over = EBB__LIM_TOO_MANY;
    if ((int64_t)r->max > up) {
        allowed_max = (int32_t)up;
        over = EBB__LIM_UP_RATE;
    }
    if (r->stabilized < r->min) {
        r->desired = r->min;
        r->limit = EBB__LIM_TOO_FEW;
    } else if (r->stabilized > allowed_max) {
        r->desired = allowed_max;
        r->limit = over;
    } else {
        r->desired = r->stabilized;
        r->limit = EBB__LIM_NONE;
    }
}

void ebb__run_stabilize_behavior(struct ebb__run *r)
{
    struct ebb_history *h = &r->out->history;
    const struct ebb_behavior *b = &r->s->behavior;
    r->stabilized = ebb__stabilize_behavior(h, r->now, r->up_window, r->down_window, r->cur,
                                            r->best, &r->win_min, &r->win_max);
    ebb_history_add_recommendation(h, r->now, r->best);

    /* convertDesiredReplicasWithBehaviorRate */
    r->desired = r->stabilized;
    r->limit = EBB__LIM_NONE;
    if (r->stabilized > r->cur) {
        int32_t lim = ebb__scale_up_limit(h, r->now, r->cur, &b->scale_up, &r->policy);
        if (lim < r->cur)
            lim = r->cur;
        int32_t allowed = r->max;
        enum ebb__limit why = EBB__LIM_TOO_MANY;
        if (allowed > lim) {
            allowed = lim;
            why = EBB__LIM_UP_RATE;
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
        enum ebb__limit why = EBB__LIM_TOO_FEW;
        if (allowed < lim) {
            allowed = lim;
            why = EBB__LIM_DOWN_RATE;
        }
        if (r->stabilized < allowed) {
            r->desired = allowed;
            r->limit = why;
        }
    }
}

void ebb__run_cooldowns(struct ebb__run *r)
{
    const struct ebb_behavior *b = &r->s->behavior;
    const struct ebb_history *h = &r->out->history;
    if (!r->behavior)
        return;
    if (r->desired > r->cur && b->scale_up.cooldown_ms > 0) {
        int64_t e = ebb__since(r->now, h->last_scale_up_ms);
        if (e < b->scale_up.cooldown_ms) {
            r->hold = EBB__HOLD_UP_COOLDOWN;
            r->hold_left_ms = b->scale_up.cooldown_ms - e;
        }
    } else if (r->desired < r->cur && b->scale_down.cooldown_ms > 0) {
        int64_t e = ebb__since(r->now, ebb__max64(h->last_scale_up_ms, h->last_scale_down_ms));
        if (e < b->scale_down.cooldown_ms) {
            r->hold = EBB__HOLD_DOWN_COOLDOWN;
            r->hold_left_ms = b->scale_down.cooldown_ms - e;
        }
    }
    r->wanted = r->desired;
    if (r->hold != EBB__HOLD_NONE)
        r->desired = r->cur;
}
