#include "status.h"

#include <string.h>

const struct ebb_condition *ebb_status_condition(const struct ebb_policy_status *st,
                                                 const char *type)
{
    for (size_t i = 0; i < st->n_conditions; i++)
        if (st->conditions[i].type && strcmp(st->conditions[i].type, type) == 0)
            return &st->conditions[i];
    return NULL;
}

/* Builds the condition in place in `out`, taking lastTransitionTime from
 * `prev` when the status did not flip. */
static enum ebb_rc make_condition(struct ebb_arena *a, const struct ebb_condition *prev,
                                  const char *type, enum ebb_condition_status status,
                                  const char *reason, const char *message, int64_t now_ms,
                                  struct ebb_condition *out)
{
    out->type = ebb_arena_strdup(a, type);
    out->status = status;
    out->reason = ebb_arena_strdup(a, reason ? reason : "");
    out->message = ebb_arena_strdup(a, message ? message : "");
    if (prev != NULL && prev->status == status && prev->last_transition_ms != EBB_TIME_UNSET)
        out->last_transition_ms = prev->last_transition_ms;
    else
        out->last_transition_ms = now_ms;
    if (out->type == NULL || out->reason == NULL || out->message == NULL)
        return EBB_ERR_NOMEM;
    return EBB_OK;
}

enum ebb_rc ebb_status_set_condition(struct ebb_policy *p, const char *type,
                                     enum ebb_condition_status status, const char *reason,
                                     const char *message, int64_t now_ms)
{
    struct ebb_policy_status *st = &p->status;
    const struct ebb_condition *prev = ebb_status_condition(st, type);
    struct ebb_condition c;
    enum ebb_rc rc = make_condition(&p->arena, prev, type, status, reason, message, now_ms, &c);
    if (rc)
        return rc;
    if (prev != NULL) {
        *(struct ebb_condition *)prev = c;
        return EBB_OK;
    }
    struct ebb_condition *conds = ebb_arena_calloc(&p->arena, st->n_conditions + 1, sizeof(*conds));
    if (conds == NULL)
        return EBB_ERR_NOMEM;
    if (st->n_conditions)
        memcpy(conds, st->conditions, st->n_conditions * sizeof(*conds));
    conds[st->n_conditions] = c;
    st->conditions = conds;
    st->n_conditions++;
    return EBB_OK;
}

/* The spec's target in the unit of ebb_metric_result.target_milli:
 * percent x1000 for Utilization, the quantity in milli otherwise. False
 * when the target names no usable value (the spec is then invalid). */
static bool spec_target(const struct ebb_metric_target *t, int64_t *milli)
{
    switch (t->type) {
    case EBB_TARGET_UTILIZATION:
        if (t->average_utilization == EBB_UNSET)
            return false;
        *milli = (int64_t)t->average_utilization * 1000;
        return true;
    case EBB_TARGET_AVERAGE_VALUE:
        *milli = t->average_value.milli;
        return t->average_value.set;
    case EBB_TARGET_VALUE:
        *milli = t->value.milli;
        return t->value.set;
    default:
        return false;
    }
}

enum ebb_rc ebb_status_apply_decision(struct ebb_policy *p, const struct ebb_decision *d,
                                      int32_t current_replicas, int64_t now_ms)
{
    struct ebb_arena *a = &p->arena;
    const struct ebb_policy_spec *spec = &p->spec;
    const struct ebb_history *h = &d->history;
    struct ebb_policy_status st = p->status; /* written back only on success */

    st.observed_generation = p->metadata.generation;
    st.current_replicas = current_replicas;
    st.desired_replicas = d->desired;
    st.last_scale_up_ms = h->last_scale_up_ms;
    st.last_scale_down_ms = h->last_scale_down_ms;
    if (d->scale)
        st.last_scale_ms = now_ms;

    st.n_current_metrics = d->n_metrics;
    st.current_metrics =
        ebb_arena_calloc(a, d->n_metrics ? d->n_metrics : 1, sizeof(*st.current_metrics));
    if (st.current_metrics == NULL)
        return EBB_ERR_NOMEM;
    for (size_t i = 0; i < d->n_metrics && i < spec->n_metrics; i++) {
        const struct ebb_metric_result *m = &d->metrics[i];
        struct ebb_metric_status *ms = &st.current_metrics[i];
        ms->name = spec->metrics[i].name;
        ms->value.milli = m->value_milli;
        ms->value.set = m->valid;
        /* A metric that could not be read has no target from the decision
         * (pkg/scale sets it only after the value checks): show the spec's. */
        if (m->valid) {
            ms->target.milli = m->target_milli;
            ms->target.set = true;
        } else {
            ms->target.set = spec_target(&spec->metrics[i].target, &ms->target.milli);
        }
        ms->proposal = m->valid ? m->proposal : EBB_UNSET;
        ms->above_since_ms = h->bands[i].above_since_ms;
        ms->below_since_ms = h->bands[i].below_since_ms;
    }

    st.n_recommendations = h->n_recs;
    st.recommendations = ebb_arena_calloc(a, h->n_recs ? h->n_recs : 1, sizeof(*h->recs));
    st.n_scale_events = h->n_events;
    st.scale_events = ebb_arena_calloc(a, h->n_events ? h->n_events : 1, sizeof(*h->events));
    if (st.recommendations == NULL || st.scale_events == NULL)
        return EBB_ERR_NOMEM;
    memcpy(st.recommendations, h->recs, h->n_recs * sizeof(*h->recs));
    memcpy(st.scale_events, h->events, h->n_events * sizeof(*h->events));

    st.active_schedule = NULL;
    if (d->active_schedule >= 0 && (size_t)d->active_schedule < spec->n_schedules)
        st.active_schedule = spec->schedules[d->active_schedule].name;

    /* Ready first, then the three HPA conditions, in a fixed order. */
    size_t n = 1 + EBB_COND_TYPE__COUNT;
    struct ebb_condition *conds = ebb_arena_calloc(a, n, sizeof(*conds));
    if (conds == NULL)
        return EBB_ERR_NOMEM;
    enum ebb_rc rc = make_condition(a, ebb_status_condition(&p->status, EBB_COND_READY),
                                    EBB_COND_READY, EBB_COND_TRUE, "Valid",
                                    "the policy is valid and in effect", now_ms, &conds[0]);
    for (int t = 0; rc == EBB_OK && t < EBB_COND_TYPE__COUNT; t++) {
        const char *type = ebb_cond_type_name((enum ebb_cond_type)t);
        const struct ebb_cond_out *c = &d->conditions[t];
        rc = make_condition(a, ebb_status_condition(&p->status, type), type, c->status, c->reason,
                            c->message, now_ms, &conds[1 + t]);
    }
    if (rc)
        return rc;
    st.conditions = conds;
    st.n_conditions = n;

    p->status = st;
    return EBB_OK;
}
