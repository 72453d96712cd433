/* status_ops.c -- copying and comparing a ScalingPolicy's status. PURE.
 *
 * The controller works on a copy of the stored status and writes it back
 * only when it differs: both are done on the structures, not on their
 * JSON, because they run on every sync of every policy.
 */
#include <string.h>

#include "types.h"

static bool copy_str(struct ebb_arena *a, char **dst, const char *src)
{
    *dst = src != NULL ? ebb_arena_strdup(a, src) : NULL;
    return src == NULL || *dst != NULL;
}

/* A copy of n elements of size sz (NULL when n is 0); false on NOMEM. */
static bool copy_array(struct ebb_arena *a, void **dst, const void *src, size_t n, size_t sz)
{
    *dst = NULL;
    if (n == 0 || src == NULL)
        return true;
    *dst = ebb_arena_calloc(a, n, sz);
    if (*dst == NULL)
        return false;
    memcpy(*dst, src, n * sz);
    return true;
}

enum ebb_rc ebb_policy_status_copy(struct ebb_arena *a, struct ebb_policy_status *dst,
                                   const struct ebb_policy_status *src)
{
    *dst = *src;
    bool ok = copy_array(a, (void **)&dst->current_metrics, src->current_metrics,
                         src->n_current_metrics, sizeof(*src->current_metrics)) &&
              copy_array(a, (void **)&dst->recommendations, src->recommendations,
                         src->n_recommendations, sizeof(*src->recommendations)) &&
              copy_array(a, (void **)&dst->scale_events, src->scale_events, src->n_scale_events,
                         sizeof(*src->scale_events)) &&
              copy_array(a, (void **)&dst->channel_ports, src->channel_ports, src->n_channel_ports,
                         sizeof(*src->channel_ports)) &&
              copy_array(a, (void **)&dst->conditions, src->conditions, src->n_conditions,
                         sizeof(*src->conditions)) &&
              copy_str(a, &dst->active_schedule, src->active_schedule);
    /* The arrays' strings, so nothing is shared with src. */
    for (size_t i = 0; ok && dst->current_metrics != NULL && i < src->n_current_metrics; i++)
        ok = copy_str(a, &dst->current_metrics[i].name, src->current_metrics[i].name);
    for (size_t i = 0; ok && dst->channel_ports != NULL && i < src->n_channel_ports; i++)
        ok = copy_str(a, &dst->channel_ports[i].pod, src->channel_ports[i].pod);
    for (size_t i = 0; ok && dst->conditions != NULL && i < src->n_conditions; i++) {
        struct ebb_condition *c = &dst->conditions[i];
        const struct ebb_condition *s = &src->conditions[i];
        ok = copy_str(a, &c->type, s->type) && copy_str(a, &c->reason, s->reason) &&
             copy_str(a, &c->message, s->message);
    }
    return ok ? EBB_OK : EBB_ERR_NOMEM;
}

/* NULL and "" are both "absent" in the encoding only when the encoder
 * omits empty strings; it writes "" for a present empty string, so they
 * differ here as in JSON. */
static bool str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool qty_eq(const struct ebb_quantity *a, const struct ebb_quantity *b)
{
    return a->set == b->set && (!a->set || a->milli == b->milli);
}

static bool metric_eq(const struct ebb_metric_status *a, const struct ebb_metric_status *b)
{
    return str_eq(a->name, b->name) && qty_eq(&a->value, &b->value) &&
           qty_eq(&a->target, &b->target) && a->proposal == b->proposal &&
           a->above_since_ms == b->above_since_ms && a->below_since_ms == b->below_since_ms;
}

static bool condition_eq(const struct ebb_condition *a, const struct ebb_condition *b)
{
    return str_eq(a->type, b->type) && a->status == b->status && str_eq(a->reason, b->reason) &&
           str_eq(a->message, b->message) && a->last_transition_ms == b->last_transition_ms;
}

bool ebb_policy_status_equal(const struct ebb_policy_status *a, const struct ebb_policy_status *b,
                             bool newest_time_free)
{
    if (a->observed_generation != b->observed_generation ||
        a->current_replicas != b->current_replicas || a->desired_replicas != b->desired_replicas ||
        a->last_scale_ms != b->last_scale_ms || a->last_scale_up_ms != b->last_scale_up_ms ||
        a->last_scale_down_ms != b->last_scale_down_ms ||
        a->n_current_metrics != b->n_current_metrics ||
        a->n_recommendations != b->n_recommendations || a->n_scale_events != b->n_scale_events ||
        a->n_channel_ports != b->n_channel_ports || a->n_conditions != b->n_conditions ||
        !str_eq(a->active_schedule, b->active_schedule))
        return false;
    for (size_t i = 0; i < a->n_current_metrics; i++)
        if (!metric_eq(&a->current_metrics[i], &b->current_metrics[i]))
            return false;
    for (size_t i = 0; i < a->n_recommendations; i++) {
        const struct ebb_recommendation *x = &a->recommendations[i], *y = &b->recommendations[i];
        bool last = i + 1 == a->n_recommendations;
        if (x->replicas != y->replicas || (x->time_ms != y->time_ms && !(last && newest_time_free)))
            return false;
    }
    for (size_t i = 0; i < a->n_scale_events; i++) {
        const struct ebb_scale_event *x = &a->scale_events[i], *y = &b->scale_events[i];
        if (x->time_ms != y->time_ms || x->from != y->from || x->to != y->to)
            return false;
    }
    for (size_t i = 0; i < a->n_channel_ports; i++) {
        const struct ebb_port_assignment *x = &a->channel_ports[i], *y = &b->channel_ports[i];
        if (x->slot != y->slot || x->first != y->first || x->last != y->last ||
            !str_eq(x->pod, y->pod))
            return false;
    }
    for (size_t i = 0; i < a->n_conditions; i++)
        if (!condition_eq(&a->conditions[i], &b->conditions[i]))
            return false;
    return true;
}
