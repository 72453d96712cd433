#include "types.h"

#include <string.h>

void ebb_policy_init(struct ebb_policy *p)
{
    memset(p, 0, sizeof(*p));
    ebb_arena_init(&p->arena);
    p->metadata.generation = EBB_UNSET;

    struct ebb_policy_spec *s = &p->spec;
    s->min_replicas = EBB_UNSET;
    s->max_replicas = EBB_UNSET;
    s->sync_period_ms = EBB_UNSET;
    s->behavior.scale_up.stabilization_ms = EBB_UNSET;
    s->behavior.scale_up.cooldown_ms = EBB_UNSET;
    s->behavior.scale_down.stabilization_ms = EBB_UNSET;
    s->behavior.scale_down.cooldown_ms = EBB_UNSET;
    s->channel_ports.base = EBB_UNSET;
    s->channel_ports.range_size = EBB_UNSET;
    s->channel_ports.limit = EBB_UNSET;

    struct ebb_policy_status *st = &p->status;
    st->observed_generation = EBB_UNSET;
    st->current_replicas = EBB_UNSET;
    st->desired_replicas = EBB_UNSET;
    st->last_scale_ms = EBB_TIME_UNSET;
    st->last_scale_up_ms = EBB_TIME_UNSET;
    st->last_scale_down_ms = EBB_TIME_UNSET;
}

void ebb_policy_release(struct ebb_policy *p)
{
    if (p == NULL)
        return;
    ebb_arena_release(&p->arena);
    ebb_policy_init(p);
}

/* Index = enum value; entry 0 is the UNSET member. */
static const char *const metric_types[] = {"", "Resource", "Pods", "External", "Prometheus"};
static const char *const target_types[] = {"", "Utilization", "AverageValue", "Value"};
static const char *const select_policies[] = {"", "Max", "Min", "Disabled"};
static const char *const rate_types[] = {"", "Pods", "Percent"};
static const char *const selector_ops[] = {"", "In", "NotIn", "Exists", "DoesNotExist"};
static const char *const condition_statuses[] = {"Unknown", "True", "False"};

_Static_assert(sizeof(metric_types) / sizeof(*metric_types) == EBB_METRIC_TYPE__COUNT, "");
_Static_assert(sizeof(target_types) / sizeof(*target_types) == EBB_TARGET_TYPE__COUNT, "");
_Static_assert(sizeof(select_policies) / sizeof(*select_policies) == EBB_SELECT__COUNT, "");
_Static_assert(sizeof(rate_types) / sizeof(*rate_types) == EBB_RATE_TYPE__COUNT, "");

static const char *name_of(const char *const *tab, size_t n, unsigned v)
{
    return v < n ? tab[v] : "";
}

static unsigned parse_of(const char *const *tab, size_t n, const char *s, unsigned unset)
{
    if (s == NULL)
        return unset;
    for (size_t i = 0; i < n; i++)
        if (tab[i][0] != '\0' && strcmp(tab[i], s) == 0)
            return (unsigned)i;
    return unset;
}

#define COUNT(t) (sizeof(t) / sizeof(*(t)))

const char *ebb_metric_type_name(enum ebb_metric_type t)
{
    return name_of(metric_types, COUNT(metric_types), t);
}
enum ebb_metric_type ebb_metric_type_parse(const char *s)
{
    return parse_of(metric_types, COUNT(metric_types), s, EBB_METRIC_TYPE_UNSET);
}
const char *ebb_target_type_name(enum ebb_target_type t)
{
    return name_of(target_types, COUNT(target_types), t);
}
enum ebb_target_type ebb_target_type_parse(const char *s)
{
    return parse_of(target_types, COUNT(target_types), s, EBB_TARGET_TYPE_UNSET);
}
const char *ebb_select_policy_name(enum ebb_select_policy s)
{
    return name_of(select_policies, COUNT(select_policies), s);
}
enum ebb_select_policy ebb_select_policy_parse(const char *s)
{
    return parse_of(select_policies, COUNT(select_policies), s, EBB_SELECT_UNSET);
}
const char *ebb_rate_type_name(enum ebb_rate_type t)
{
    return name_of(rate_types, COUNT(rate_types), t);
}
enum ebb_rate_type ebb_rate_type_parse(const char *s)
{
    return parse_of(rate_types, COUNT(rate_types), s, EBB_RATE_TYPE_UNSET);
}
const char *ebb_selector_op_name(enum ebb_selector_op op)
{
    return name_of(selector_ops, COUNT(selector_ops), op);
}
enum ebb_selector_op ebb_selector_op_parse(const char *s)
{
    return parse_of(selector_ops, COUNT(selector_ops), s, EBB_SELECTOR_OP_UNSET);
}
const char *ebb_condition_status_name(enum ebb_condition_status s)
{
    return name_of(condition_statuses, COUNT(condition_statuses), s);
}
enum ebb_condition_status ebb_condition_status_parse(const char *s)
{
    /* "Unknown" is entry 0, so it parses like any other spelling. */
    if (s != NULL && strcmp(s, "Unknown") == 0)
        return EBB_COND_UNKNOWN;
    return parse_of(condition_statuses, COUNT(condition_statuses), s, EBB_COND_UNKNOWN);
}

const char *ebb_meta_annotation(const struct ebb_object_meta *m, const char *key)
{
    for (size_t i = 0; i < m->n_annotations; i++)
        if (strcmp(m->annotations[i].key, key) == 0)
            return m->annotations[i].value;
    return NULL;
}

bool ebb_policy_is_paused(const struct ebb_policy *p)
{
    const char *a = ebb_meta_annotation(&p->metadata, EBB_ANNOTATION_PAUSED);
    return p->spec.paused || (a != NULL && strcmp(a, "true") == 0);
}
