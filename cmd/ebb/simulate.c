/* simulate.c -- `ebb simulate`: replay a load trace through the decision
 * core with a workload model, and summarize what the policy would have done.
 *
 * Every decision is ebb_scale_decide(), the function the controller calls:
 * the model (sim_model.h) plays the cluster, the trace (sim_trace.h) plays
 * the traffic, and the history each decision returns is the next one's
 * input, as status carries it in a cluster. --hpa replays the same trace
 * with the policy reduced to what an autoscaling/v2 HPA would run.
 *
 * This file: the replay loop, one struct ebb__sim_run per replay, and the
 * choice of the model's parameters and the step. sim_flags.c parses the
 * command line; sim_report.c prints and writes what the run did.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/defaults.h"
#include "../../pkg/api/v1alpha1/duration.h"
#include "../../pkg/base/rfc3339.h"
#include "../../pkg/scale/scale.h"
#include "cmd.h"
#include "policy_load.h"
#include "sim_model.h"
#include "sim_svg.h"
#include "sim_trace.h"
#include "simulate_internal.h"

#define DEFAULT_STEP_MS (15 * 1000LL)
#define DEFAULT_STARTUP_MS (30 * 1000LL)
#define DEFAULT_POD_CAPACITY 10.0
#define DEFAULT_CPU_REQUEST_MILLI 1000
/* Beyond this the run takes minutes and the plot's memory grows large. */
#define MAX_DECISIONS 2000000

static enum ebb_rc run_init(struct ebb__sim_run *r, const struct ebb_policy_spec *spec,
                            const struct ebb_sim_params *params, int64_t start_ms)
{
    struct ebb_sim_obs empty = EBB_SIM_OBS_INIT;
    memset(r, 0, sizeof(*r));
    r->spec = spec;
    r->obs = empty;
    r->port_capacity = EBB_UNSET;
    r->min_in_schedule = EBB_UNSET;
    ebb_sim_stats_init(&r->stats);
    r->history = malloc(sizeof(*r->history));
    r->decision = malloc(sizeof(*r->decision));
    if (r->history == NULL || r->decision == NULL)
        return EBB_ERR_NOMEM;
    ebb_history_init(r->history);
    return ebb_sim_model_init(&r->model, params, start_ms);
}

static void run_release(struct ebb__sim_run *r)
{
    ebb_sim_model_release(&r->model);
    ebb_sim_obs_release(&r->obs);
    free(r->history);
    free(r->decision);
    r->history = NULL;
    r->decision = NULL;
}

/* Observes, decides and applies the decision at now_ms. */
static enum ebb_rc run_step(struct ebb__sim_run *r, const struct ebb_scale_config *cfg, double load,
                            int64_t now_ms, int64_t step_ms)
{
    enum ebb_rc rc = ebb_sim_observe(&r->model, r->spec, load, now_ms, &r->obs);
    if (rc != EBB_OK)
        return rc;
    r->before = ebb_sim_model_replicas(&r->model);
    r->ready = ebb_sim_model_ready(&r->model, now_ms);
    r->util = ebb_sim_utilization(&r->model.params, load, r->ready);
    double ratio = ebb_sim_target_ratio(&r->model.params, r->spec, load, r->ready);

    struct ebb_scale_input in;
    memset(&in, 0, sizeof(in));
    in.spec = r->spec;
    in.paused = r->paused;
    in.current_replicas = r->before;
    in.status_replicas = r->before;
    in.pods = r->obs.pods;
    in.n_pods = r->obs.n_pods;
    in.metrics = r->obs.metrics;
    in.history = r->history;
    in.schedule_tz = r->tzs;
    in.port_capacity = r->port_capacity;
    in.config = cfg;
    in.now_ms = now_ms;
    rc = ebb_scale_decide(&in, r->decision);
    if (rc != EBB_OK)
        return rc;
    int32_t after = r->decision->desired;
    rc = ebb_sim_model_scale(&r->model, after, now_ms);
    if (rc != EBB_OK)
        return rc;
    *r->history = r->decision->history;
    r->event = after > r->before ? 1 : after < r->before ? -1 : 0;
    ebb_sim_stats_add(&r->stats, now_ms, step_ms, r->before, after, r->util, ratio);
    return EBB_OK;
}

static void note_schedule_min(struct ebb__sim_run *r)
{
    int32_t d = r->decision->desired;
    if (r->min_in_schedule == EBB_UNSET || d < r->min_in_schedule)
        r->min_in_schedule = d;
}

/* The policy as an autoscaling/v2 HPA would run it: the same target,
 * metrics (without bands), min, max and sync period; no behavior, no
 * schedules, no channel ports. Defaulted like any policy. */
static enum ebb_rc hpa_policy(const struct ebb_policy *src, struct ebb_policy *dst)
{
    ebb_policy_init(dst);
    dst->metadata.name = src->metadata.name; /* borrowed, never freed through dst */
    dst->metadata.namespace_ = src->metadata.namespace_;
    const struct ebb_policy_spec *s = &src->spec;
    struct ebb_policy_spec *d = &dst->spec;
    d->target_ref = s->target_ref;
    d->min_replicas = s->min_replicas;
    d->max_replicas = s->max_replicas;
    d->sync_period_ms = s->sync_period_ms;
    if (s->n_metrics > 0) {
        d->metrics = ebb_arena_calloc(&dst->arena, s->n_metrics, sizeof(*d->metrics));
        if (d->metrics == NULL)
            return EBB_ERR_NOMEM;
        for (size_t i = 0; i < s->n_metrics; i++) {
            d->metrics[i] = s->metrics[i];
            memset(&d->metrics[i].scale_up, 0, sizeof(d->metrics[i].scale_up));
            memset(&d->metrics[i].scale_down, 0, sizeof(d->metrics[i].scale_down));
            d->metrics[i].scale_up.for_ms = EBB_UNSET;
            d->metrics[i].scale_down.for_ms = EBB_UNSET;
        }
        d->n_metrics = s->n_metrics;
    }
    return ebb_policy_defaults(dst);
}

/* The fewest ready pods that keep every per-pod metric at its target. */
static int32_t needed_replicas(const struct ebb_sim_params *p, const struct ebb_policy_spec *s,
                               double load)
{
    double r = ebb_sim_target_ratio(p, s, load, 1);
    if (!(r > 0))
        return 0;
    if (r >= EBB_MAX_REPLICAS)
        return EBB_MAX_REPLICAS;
    return (int32_t)ceil(r - 1e-9);
}

/* Model parameters: flags win over the trace's header, which wins over
 * the defaults. */
static void resolve_params(const struct ebb__sim_opts *o, const struct ebb_sim_trace *t,
                           const struct ebb_policy_spec *spec, struct ebb_sim_params *p)
{
    p->pod_capacity = DEFAULT_POD_CAPACITY;
    p->cpu_request_milli = DEFAULT_CPU_REQUEST_MILLI;
    p->startup_ms = DEFAULT_STARTUP_MS;
    p->initial_replicas = spec->min_replicas > 0 ? spec->min_replicas : 0;
    const struct ebb_sim_params *src[2] = {&t->params, &o->params};
    unsigned set[2] = {t->params_set, o->params_set};
    for (size_t i = 0; i < 2; i++) {
        if (set[i] & (1u << EBB_SIM_POD_CAPACITY))
            p->pod_capacity = src[i]->pod_capacity;
        if (set[i] & (1u << EBB_SIM_CPU_REQUEST))
            p->cpu_request_milli = src[i]->cpu_request_milli;
        if (set[i] & (1u << EBB_SIM_STARTUP))
            p->startup_ms = src[i]->startup_ms;
        if (set[i] & (1u << EBB_SIM_INITIAL_REPLICAS))
            p->initial_replicas = src[i]->initial_replicas;
    }
}

int ebb_cmd_simulate(int argc, char **argv)
{
    struct ebb__sim_opts o;
    struct ebb_policy pol, hpa;
    struct ebb_tz *tzs[EBB_MAX_SCHEDULES] = {NULL};
    struct ebb_sim_trace trace = EBB_SIM_TRACE_INIT;
    struct ebb_sim_params params;
    struct ebb_scale_config cfg;
    struct ebb__sim_run ebb_run, hpa_run;
    struct ebb_sim_sample *samples = NULL;
    FILE *csv = NULL;
    char msg[512];
    int status = 1;
    enum ebb_rc rc;

    memset(&o, 0, sizeof(o));
    o.step_ms = EBB_UNSET;
    ebb_policy_init(&pol);
    ebb_policy_init(&hpa);
    memset(&ebb_run, 0, sizeof(ebb_run));
    memset(&hpa_run, 0, sizeof(hpa_run));

    if (ebb__sim_parse_args(argc, argv, &o) != EBB_OK) {
        fprintf(stderr, "Run 'ebb simulate --help' for the flags and the trace format.\n");
        status = 2;
        goto out;
    }
    if (o.help) {
        ebb__sim_usage(stdout);
        status = 0;
        goto out;
    }
    if (ebb_policy_load_one(o.policy, stderr, &pol, tzs) != EBB_OK)
        goto out;
    if (ebb_sim_trace_load(o.trace, &trace, msg, sizeof(msg)) != EBB_OK) {
        fprintf(stderr, "%s\n", msg);
        goto out;
    }
    resolve_params(&o, &trace, &pol.spec, &params);
    int64_t step_ms = o.step_ms != EBB_UNSET        ? o.step_ms
                      : pol.spec.sync_period_ms > 0 ? pol.spec.sync_period_ms
                                                    : DEFAULT_STEP_MS;
    int64_t start_ms = trace.points[0].time_ms;
    int64_t end_ms = trace.points[trace.n - 1].time_ms;
    int64_t n_steps = (end_ms - start_ms) / step_ms + 1;
    if (n_steps > MAX_DECISIONS) {
        char span[32], stepbuf[32];
        ebb_duration_format(end_ms - start_ms, span, sizeof(span));
        ebb_duration_format(step_ms, stepbuf, sizeof(stepbuf));
        fprintf(stderr,
                "ebb simulate: %s: the trace spans %s, %lld decisions of %s; at most %d are "
                "simulated: use a longer --step\n",
                o.trace, span, (long long)n_steps, stepbuf, MAX_DECISIONS);
        goto out;
    }
    ebb_scale_config_default(&cfg);
    cfg.sync_period_ms = step_ms;

    rc = run_init(&ebb_run, &pol.spec, &params, start_ms);
    if (rc == EBB_OK && o.hpa) {
        rc = hpa_policy(&pol, &hpa);
        if (rc == EBB_OK)
            rc = run_init(&hpa_run, &hpa.spec, &params, start_ms);
    }
    if (rc != EBB_OK) {
        fprintf(stderr, "ebb simulate: cannot start the model: %s\n", ebb_rc_str(rc));
        goto out;
    }
    ebb_run.tzs = (const struct ebb_tz *const *)tzs;
    ebb_run.paused = ebb_policy_is_paused(&pol);
    if (pol.spec.channel_ports.set && pol.spec.channel_ports.range_size > 0)
        ebb_run.port_capacity = (pol.spec.channel_ports.limit - pol.spec.channel_ports.base + 1) /
                                pol.spec.channel_ports.range_size;

    if (o.svg) {
        samples = calloc((size_t)n_steps, sizeof(*samples));
        if (samples == NULL) {
            fprintf(stderr, "ebb simulate: out of memory for %lld decisions\n", (long long)n_steps);
            goto out;
        }
    }
    if (o.out) {
        csv = fopen(o.out, "w");
        if (csv == NULL) {
            fprintf(stderr, "ebb simulate: cannot write %s: %s\n", o.out, strerror(errno));
            goto out;
        }
        ebb__sim_csv_header(csv, o.hpa);
    }
    if (!o.quiet)
        ebb__sim_print_header(o.hpa);

    for (int64_t k = 0; k < n_steps; k++) {
        int64_t now = start_ms + k * step_ms;
        double load = ebb_sim_trace_load_at(&trace, now);
        rc = run_step(&ebb_run, &cfg, load, now, step_ms);
        if (rc == EBB_OK && o.hpa)
            rc = run_step(&hpa_run, &cfg, load, now, step_ms);
        if (rc != EBB_OK) {
            ebb_rfc3339_format(now, msg, sizeof(msg));
            fprintf(stderr, "ebb simulate: the decision at %s failed: %s\n", msg, ebb_rc_str(rc));
            goto out;
        }
        if (ebb_run.decision->active_schedule >= 0) {
            note_schedule_min(&ebb_run);
            if (o.hpa)
                note_schedule_min(&hpa_run);
        }
        int32_t needed = needed_replicas(&params, &pol.spec, load);
        if (!o.quiet)
            ebb__sim_print_line(&ebb_run, o.hpa ? &hpa_run : NULL, now, load);
        if (csv)
            ebb__sim_csv_row(csv, &pol.spec, &ebb_run, o.hpa ? &hpa_run : NULL, now, load, needed);
        if (samples) {
            struct ebb_sim_sample *s = &samples[k];
            const struct ebb_decision *d = ebb_run.decision;
            s->time_ms = now;
            s->load = load;
            s->ready = ebb_run.ready;
            s->desired = d->desired;
            s->min_replicas = d->min_replicas;
            s->max_replicas = d->max_replicas;
            s->needed = needed;
            s->hpa_desired = o.hpa ? hpa_run.decision->desired : EBB_UNSET;
            s->schedule = (int16_t)(d->active_schedule >= 0 ? d->active_schedule : -1);
            s->event = (int8_t)ebb_run.event;
            s->hpa_event = (int8_t)(o.hpa ? hpa_run.event : 0);
        }
    }
    if (csv) {
        int bad = ferror(csv);
        if (fclose(csv) != 0 || bad) {
            csv = NULL;
            fprintf(stderr, "ebb simulate: cannot write %s: %s\n", o.out, strerror(errno));
            goto out;
        }
        csv = NULL;
    }
    ebb__sim_print_summary(&o, &pol, &params, start_ms, start_ms + (n_steps - 1) * step_ms, step_ms,
                           &ebb_run, o.hpa ? &hpa_run : NULL);
    if (samples &&
        ebb__sim_write_svg(&o, &pol, &params, step_ms, samples, (size_t)n_steps) != EBB_OK)
        goto out;
    status = 0;
out:
    if (csv)
        fclose(csv);
    free(samples);
    run_release(&hpa_run);
    run_release(&ebb_run);
    ebb_sim_trace_release(&trace);
    for (size_t i = 0; i < EBB_MAX_SCHEDULES; i++)
        ebb_tz_free(tzs[i]);
    ebb_policy_release(&hpa);
    ebb_policy_release(&pol);
    fflush(stdout);
    return status;
}
