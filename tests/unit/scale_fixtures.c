/* scale_fixtures.c -- see scale_fixtures.h. */
#include "scale_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ebbt_scale_world *ebbt_scale_world_new(int32_t min, int32_t max, int32_t current)
{
    struct ebbt_scale_world *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        fprintf(stderr, "ebbt_scale_world_new: out of memory\n");
        abort();
    }
    struct ebb_policy_spec *s = &w->spec;
    s->min_replicas = min;
    s->max_replicas = max;
    s->sync_period_ms = EBB_UNSET;
    s->metrics = w->metrics;
    s->schedules = w->schedules;
    s->behavior.tolerance = (struct ebb_quantity){100, true};
    s->behavior.scale_up.tolerance = s->behavior.tolerance;
    s->behavior.scale_down.tolerance = s->behavior.tolerance;
    s->behavior.scale_up.stabilization_ms = EBB_UNSET;
    s->behavior.scale_down.stabilization_ms = EBB_UNSET;
    s->behavior.scale_up.cooldown_ms = EBB_UNSET;
    s->behavior.scale_down.cooldown_ms = EBB_UNSET;
    s->channel_ports.base = EBB_UNSET;
    s->channel_ports.range_size = EBB_UNSET;
    s->channel_ports.limit = EBB_UNSET;

    ebb_history_init(&w->history);
    ebb_scale_config_default(&w->config);
    w->in = (struct ebb_scale_input){
        .spec = s,
        .current_replicas = current,
        .status_replicas = current,
        .pods = w->pods,
        .metrics = w->obs,
        .history = &w->history,
        .schedule_tz = w->tzs,
        .port_capacity = EBB_UNSET,
        .config = &w->config,
        .now_ms = EBBT_NOW,
    };
    return w;
}

void ebbt_scale_world_free(struct ebbt_scale_world *w)
{
    free(w);
}

static int add_metric(struct ebbt_scale_world *w, const char *name, enum ebb_metric_type type)
{
    int i = (int)w->spec.n_metrics++;
    struct ebb_metric_spec *m = &w->metrics[i];
    memset(m, 0, sizeof(*m));
    m->name = (char *)name;
    m->type = type;
    m->target.average_utilization = EBB_UNSET;
    m->scale_up.for_ms = EBB_UNSET;
    m->scale_down.for_ms = EBB_UNSET;
    w->obs[i] = (struct ebb_metric_obs){NULL, w->samples[i], 0.0};
    return i;
}

int ebbt_scale_add_cpu(struct ebbt_scale_world *w, int32_t target_percent)
{
    int i = add_metric(w, "cpu", EBB_METRIC_RESOURCE);
    w->metrics[i].resource.name = "cpu";
    w->metrics[i].resource.set = true;
    w->metrics[i].target.type = EBB_TARGET_UTILIZATION;
    w->metrics[i].target.average_utilization = target_percent;
    return i;
}

int ebbt_scale_add_resource_avg(struct ebbt_scale_world *w, const char *resource,
                                int64_t target_milli)
{
    int i = add_metric(w, resource, EBB_METRIC_RESOURCE);
    w->metrics[i].resource.name = (char *)resource;
    w->metrics[i].resource.set = true;
    w->metrics[i].target.type = EBB_TARGET_AVERAGE_VALUE;
    w->metrics[i].target.average_value = (struct ebb_quantity){target_milli, true};
    return i;
}

int ebbt_scale_add_pods_metric(struct ebbt_scale_world *w, int64_t target_milli)
{
    int i = add_metric(w, "qps", EBB_METRIC_PODS);
    w->metrics[i].pods.metric_name = "qps";
    w->metrics[i].pods.set = true;
    w->metrics[i].target.type = EBB_TARGET_AVERAGE_VALUE;
    w->metrics[i].target.average_value = (struct ebb_quantity){target_milli, true};
    return i;
}

int ebbt_scale_add_external(struct ebbt_scale_world *w, bool prom, enum ebb_target_type type,
                            int64_t target_milli, double value)
{
    int i =
        add_metric(w, prom ? "rps" : "queue", prom ? EBB_METRIC_PROMETHEUS : EBB_METRIC_EXTERNAL);
    struct ebb_metric_spec *m = &w->metrics[i];
    if (prom) {
        m->prometheus.query = "sum(rate(http_requests_total[1m]))";
        m->prometheus.set = true;
    } else {
        m->external.metric_name = "queue_depth";
        m->external.set = true;
    }
    m->target.type = type;
    if (type == EBB_TARGET_VALUE)
        m->target.value = (struct ebb_quantity){target_milli, true};
    else
        m->target.average_value = (struct ebb_quantity){target_milli, true};
    w->obs[i].samples = NULL;
    w->obs[i].value = value;
    return i;
}

static int64_t band_milli(const struct ebb_metric_spec *m, int64_t v)
{
    return m->target.type == EBB_TARGET_UTILIZATION ? v * 1000 : v;
}

void ebbt_scale_band_up(struct ebbt_scale_world *w, int i, int64_t above, int64_t for_ms)
{
    struct ebb_metric_spec *m = &w->metrics[i];
    m->scale_up = (struct ebb_band){{band_milli(m, above), true}, for_ms, true};
}

void ebbt_scale_band_down(struct ebbt_scale_world *w, int i, int64_t below, int64_t for_ms)
{
    struct ebb_metric_spec *m = &w->metrics[i];
    m->scale_down = (struct ebb_band){{band_milli(m, below), true}, for_ms, true};
}

void ebbt_scale_rules(struct ebbt_scale_world *w, bool up, int32_t pods, int32_t pods_period_s,
                      int32_t percent, int32_t percent_period_s, int64_t window_ms)
{
    struct ebb_scaling_rules *r = up ? &w->spec.behavior.scale_up : &w->spec.behavior.scale_down;
    struct ebb_rate_policy *p = up ? w->up_policies : w->down_policies;
    size_t n = 0;
    if (pods != 0)
        p[n++] = (struct ebb_rate_policy){EBB_RATE_PODS, pods, pods_period_s * 1000LL};
    if (percent != 0)
        p[n++] = (struct ebb_rate_policy){EBB_RATE_PERCENT, percent, percent_period_s * 1000LL};
    r->policies = p;
    r->n_policies = n;
    r->policies_set = true;
    r->stabilization_ms = window_ms;
    r->select_policy = EBB_SELECT_MAX;
    r->set = true;
    w->spec.behavior.set = true;
}

void ebbt_scale_behavior(struct ebbt_scale_world *w)
{
    ebbt_scale_rules(w, true, 4, 15, 100, 15, 0);
    ebbt_scale_rules(w, false, 0, 0, 100, 15, 300 * 1000LL);
}

int ebbt_scale_add_pod(struct ebbt_scale_world *w, enum ebb_pod_phase phase, bool ready,
                       int64_t start_ms, int64_t transition_ms)
{
    int p = (int)w->in.n_pods++;
    snprintf(w->pod_names[p], sizeof(w->pod_names[p]), "pod-%d", p);
    w->pods[p] =
        (struct ebb_pod){w->pod_names[p], phase, true, ready, transition_ms, start_ms, false};
    return p;
}

void ebbt_scale_add_ready_pods(struct ebbt_scale_world *w, int n)
{
    for (int k = 0; k < n; k++)
        ebbt_scale_add_pod(w, EBB_POD_RUNNING, true, EBBT_NOW - 60 * EBBT_MIN,
                           EBBT_NOW - 59 * EBBT_MIN);
}

void ebbt_scale_sample(struct ebbt_scale_world *w, int i, int p, int64_t value_milli,
                       int64_t request_milli)
{
    w->samples[i][p] =
        (struct ebb_pod_sample){true, value_milli, request_milli, EBBT_NOW, 30 * EBBT_SEC};
}

void ebbt_scale_rec(struct ebbt_scale_world *w, int64_t ago_ms, int32_t replicas)
{
    struct ebb_history *h = &w->history;
    h->recs[h->n_recs++] = (struct ebb_recommendation){EBBT_NOW - ago_ms, replicas};
}

void ebbt_scale_event(struct ebbt_scale_world *w, int64_t ago_ms, int32_t from, int32_t to)
{
    struct ebb_history *h = &w->history;
    h->events[h->n_events++] = (struct ebb_scale_event){EBBT_NOW - ago_ms, from, to};
}

int ebbt_scale_add_schedule(struct ebbt_scale_world *w, const char *name, const char *cron,
                            int64_t duration_ms, const char *zone, int64_t start_ms, int64_t end_ms,
                            int32_t min, int32_t max)
{
    int i = (int)w->spec.n_schedules++;
    w->schedules[i] = (struct ebb_schedule){(char *)name, (char *)cron, duration_ms, (char *)zone,
                                            start_ms,     end_ms,       min,         max};
    return i;
}

enum ebb_rc ebbt_scale_decide(struct ebbt_scale_world *w, struct ebb_decision *out)
{
    return ebb_scale_decide(&w->in, out);
}
