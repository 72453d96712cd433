#include "sim_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/types.h"

/* A usage far beyond any real pod, but far from int64 overflow too. */
#define USAGE_CAP_MILLI 1e15

enum ebb_rc ebb_sim_model_init(struct ebb_sim_model *m, const struct ebb_sim_params *params,
                               int64_t start_ms)
{
    memset(m, 0, sizeof(*m));
    m->params = *params;
    if (!(params->pod_capacity > 0) || !isfinite(params->pod_capacity) ||
        params->cpu_request_milli <= 0 || params->startup_ms < 0 || params->initial_replicas < 0 ||
        params->initial_replicas > EBB_MAX_REPLICAS)
        return EBB_ERR_INVALID;
    /* Created an hour ago: past HPA's 5m CPU initialization period. */
    int64_t created = start_ms - 3600 * 1000LL;
    enum ebb_rc rc = ebb_sim_model_scale(m, params->initial_replicas, created);
    if (rc != EBB_OK)
        return rc;
    for (size_t i = 0; i < m->n_pods; i++)
        m->pods[i].ready_ms = created;
    return EBB_OK;
}

void ebb_sim_model_release(struct ebb_sim_model *m)
{
    if (m == NULL)
        return;
    free(m->pods);
    m->pods = NULL;
    m->n_pods = 0;
    m->cap = 0;
}

int32_t ebb_sim_model_replicas(const struct ebb_sim_model *m)
{
    return (int32_t)m->n_pods;
}

static bool pod_ready(const struct ebb_sim_pod *p, int64_t now_ms)
{
    return p->ready_ms <= now_ms;
}

int32_t ebb_sim_model_ready(const struct ebb_sim_model *m, int64_t now_ms)
{
    int32_t n = 0;
    for (size_t i = 0; i < m->n_pods; i++)
        if (pod_ready(&m->pods[i], now_ms))
            n++;
    return n;
}

/* Removes the newest pod that is (or is not) ready; false when none is. */
static bool remove_newest(struct ebb_sim_model *m, int64_t now_ms, bool ready)
{
    for (size_t i = m->n_pods; i-- > 0;) {
        if (pod_ready(&m->pods[i], now_ms) != ready)
            continue;
        memmove(&m->pods[i], &m->pods[i + 1], (m->n_pods - i - 1) * sizeof(m->pods[0]));
        m->n_pods--;
        return true;
    }
    return false;
}

enum ebb_rc ebb_sim_model_scale(struct ebb_sim_model *m, int32_t replicas, int64_t now_ms)
{
    if (replicas < 0 || replicas > EBB_MAX_REPLICAS)
        return EBB_ERR_INVALID;
    size_t want = (size_t)replicas;
    if (want > m->cap) {
        size_t cap = m->cap ? m->cap : 16;
        while (cap < want)
            cap *= 2;
        struct ebb_sim_pod *p = realloc(m->pods, cap * sizeof(*p));
        if (p == NULL)
            return EBB_ERR_NOMEM;
        m->pods = p;
        m->cap = cap;
    }
    while (m->n_pods < want) {
        struct ebb_sim_pod *p = &m->pods[m->n_pods++];
        p->id = m->next_id++;
        p->created_ms = now_ms;
        p->ready_ms = now_ms + m->params.startup_ms;
        snprintf(p->name, sizeof(p->name), "sim-%llu", (unsigned long long)p->id);
    }
    while (m->n_pods > want)
        if (!remove_newest(m, now_ms, false))
            remove_newest(m, now_ms, true);
    return EBB_OK;
}

double ebb_sim_utilization(const struct ebb_sim_params *p, double load, int32_t ready)
{
    if (!(load > 0))
        return 0.0;
    if (ready <= 0)
        return INFINITY;
    return 100.0 * load / ((double)ready * p->pod_capacity);
}

void ebb_sim_obs_release(struct ebb_sim_obs *o)
{
    if (o == NULL)
        return;
    free(o->pods);
    free(o->samples);
    memset(o, 0, sizeof(*o));
}

static int64_t to_milli(double v)
{
    double x = v * 1000.0;
    if (x > USAGE_CAP_MILLI)
        x = USAGE_CAP_MILLI;
    return (int64_t)llround(x);
}

static enum ebb_rc obs_reserve(struct ebb_sim_obs *o, size_t n_pods)
{
    if (n_pods <= o->cap_pods && o->pods != NULL)
        return EBB_OK;
    size_t cap = o->cap_pods ? o->cap_pods : 16;
    while (cap < n_pods)
        cap *= 2;
    struct ebb_pod *pods = malloc(cap * sizeof(*pods));
    struct ebb_pod_sample *samples = malloc(cap * EBB_MAX_METRICS * sizeof(*samples));
    if (pods == NULL || samples == NULL) {
        free(pods);
        free(samples);
        return EBB_ERR_NOMEM;
    }
    free(o->pods);
    free(o->samples);
    o->pods = pods;
    o->samples = samples;
    o->cap_pods = cap;
    return EBB_OK;
}

enum ebb_rc ebb_sim_observe(const struct ebb_sim_model *m, const struct ebb_policy_spec *spec,
                            double load, int64_t now_ms, struct ebb_sim_obs *o)
{
    if (spec->n_metrics > EBB_MAX_METRICS)
        return EBB_ERR_INVALID;
    enum ebb_rc rc = obs_reserve(o, m->n_pods);
    if (rc != EBB_OK)
        return rc;
    int32_t ready = ebb_sim_model_ready(m, now_ms);
    double share = ready > 0 ? load / ready : 0.0; /* tasks/s per ready pod */
    /* CPU cores each ready pod uses. */
    double cores = (double)m->params.cpu_request_milli / 1000.0 * share / m->params.pod_capacity;

    o->n_pods = m->n_pods;
    for (size_t i = 0; i < m->n_pods; i++) {
        const struct ebb_sim_pod *sp = &m->pods[i];
        bool r = pod_ready(sp, now_ms);
        struct ebb_pod *p = &o->pods[i];
        p->name = sp->name;
        p->phase = EBB_POD_RUNNING;
        p->has_ready_condition = true;
        p->ready = r;
        p->ready_transition_ms = r ? sp->ready_ms : sp->created_ms;
        p->start_ms = sp->created_ms;
        p->deleting = false;
    }
    o->n_metrics = spec->n_metrics;
    for (size_t k = 0; k < spec->n_metrics; k++) {
        const struct ebb_metric_spec *ms = &spec->metrics[k];
        struct ebb_metric_obs *mo = &o->metrics[k];
        struct ebb_pod_sample *row = &o->samples[k * o->cap_pods];
        mo->error = NULL;
        mo->samples = NULL;
        mo->value = 0.0;
        switch (ms->type) {
        case EBB_METRIC_RESOURCE:
        case EBB_METRIC_PODS:
            for (size_t i = 0; i < m->n_pods; i++) {
                bool r = pod_ready(&m->pods[i], now_ms);
                struct ebb_pod_sample *s = &row[i];
                s->timestamp_ms = now_ms;
                s->window_ms = 30 * 1000; /* as `ebb decide` assumes */
                if (ms->type == EBB_METRIC_RESOURCE) {
                    s->present = true;
                    s->request_milli = m->params.cpu_request_milli;
                    s->value_milli = r ? to_milli(cores) : 0;
                } else {
                    s->present = r;
                    s->request_milli = 0;
                    s->value_milli = r ? to_milli(share) : 0;
                }
            }
            mo->samples = row;
            break;
        case EBB_METRIC_EXTERNAL:
        case EBB_METRIC_PROMETHEUS:
            mo->value = load;
            break;
        default:
            mo->error = "ebb simulate cannot model this metric type";
            break;
        }
    }
    return EBB_OK;
}

static double quantity(const struct ebb_quantity *q)
{
    return q->set ? (double)q->milli / 1000.0 : 0.0;
}

/* value/target, with the conventions of ebb_sim_target_ratio(). */
static double ratio_of(double value, double target)
{
    if (!(target > 0))
        return 0.0;
    return value / target;
}

double ebb_sim_target_ratio(const struct ebb_sim_params *p, const struct ebb_policy_spec *spec,
                            double load, int32_t ready)
{
    /* Per ready pod; infinite when the load falls on no ready pod. */
    double share = ready > 0 ? load / ready : (load > 0 ? INFINITY : 0.0);
    double worst = 0.0;
    for (size_t k = 0; k < spec->n_metrics; k++) {
        const struct ebb_metric_spec *ms = &spec->metrics[k];
        const struct ebb_metric_target *t = &ms->target;
        double r = 0.0;
        if (ms->type == EBB_METRIC_RESOURCE && t->type == EBB_TARGET_UTILIZATION) {
            r = ratio_of(ebb_sim_utilization(p, load, ready), (double)t->average_utilization);
        } else if (ms->type == EBB_METRIC_RESOURCE && t->type == EBB_TARGET_AVERAGE_VALUE) {
            double cores = (double)p->cpu_request_milli / 1000.0 * share / p->pod_capacity;
            r = ratio_of(cores, quantity(&t->average_value));
        } else if (t->type == EBB_TARGET_AVERAGE_VALUE) {
            r = ratio_of(share, quantity(&t->average_value));
        } else if (t->type == EBB_TARGET_VALUE) {
            r = ratio_of(load, quantity(&t->value));
        }
        if (r > worst)
            worst = r;
    }
    return worst;
}

void ebb_sim_stats_init(struct ebb_sim_stats *s)
{
    memset(s, 0, sizeof(*s));
    s->min_replicas = EBB_UNSET;
    s->max_replicas = EBB_UNSET;
    s->last_event_ms = EBB_TIME_UNSET;
}

void ebb_sim_stats_add(struct ebb_sim_stats *s, int64_t now_ms, int64_t step_ms, int32_t before,
                       int32_t after, double util, double ratio)
{
    double minutes = (double)step_ms / 60000.0;
    s->decisions++;
    if (s->min_replicas == EBB_UNSET || after < s->min_replicas)
        s->min_replicas = after;
    if (s->max_replicas == EBB_UNSET || after > s->max_replicas)
        s->max_replicas = after;
    s->replica_minutes += (double)after * minutes;
    if (ratio > 1.0)
        s->minutes_above_target += minutes;
    if (util > 100.0)
        s->minutes_above_100 += minutes;
    if (after == before)
        return;
    int dir = after > before ? 1 : -1;
    if (dir > 0)
        s->scale_ups++;
    else
        s->scale_downs++;
    if (s->last_dir != 0 && dir != s->last_dir &&
        now_ms - s->last_event_ms <= EBB_SIM_REVERSAL_WINDOW_MS)
        s->reversals++;
    s->last_dir = dir;
    s->last_event_ms = now_ms;
}
