/* sim_model.h -- the workload model of `ebb simulate`. PURE: no I/O, no clock.
 *
 * A Deployment of identical pods serves an offered load of L tasks per
 * second, shared evenly by its ready pods. One pod serving `pod_capacity`
 * tasks/s uses exactly its CPU request, so each ready pod's CPU usage is
 *     request * (L / ready) / pod_capacity
 * uncapped: a utilization above 100% means the pods are overloaded. With no
 * ready pod and L > 0 the utilization is infinite.
 *
 * Pods. The initial pods exist and are ready when the trace starts. A scale
 * up creates pods that become ready `startup_ms` after creation; a scale
 * down removes the newest pods, the not-ready ones first. A pod that is not
 * ready serves nothing.
 *
 * What the decision core is shown (ebb_sim_observe):
 *   - every pod, Running, with a Ready condition that turns True at its
 *     ready time (start time = creation time);
 *   - Resource metrics: one sample per pod at `now`, with the request and
 *     the usage above (0 for a pod not ready yet), so the core applies
 *     HPA's rules for unready pods itself;
 *   - Pods metrics: L / ready for each ready pod; a pod not ready yet has
 *     no sample (its series does not exist yet);
 *   - External and Prometheus metrics: the value L.
 *
 * The statistics (struct ebb_sim_stats) are what `ebb simulate` prints as
 * its summary; they are kept here so they can be tested without files.
 */
#ifndef EBB_SIM_MODEL_H
#define EBB_SIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../pkg/base/rc.h"
#include "../../pkg/scale/scale.h"

struct ebb_policy_spec;

/* The model's parameters; every field must be set before use. */
struct ebb_sim_params {
    double pod_capacity;       /* tasks/s one pod serves at 100% of its CPU request; > 0 */
    int64_t cpu_request_milli; /* the pod's CPU request; > 0 */
    int64_t startup_ms;        /* creation to ready; >= 0 */
    int32_t initial_replicas;  /* pods ready when the trace starts; >= 0 */
};

/* One pod. Pods are kept oldest first. */
struct ebb_sim_pod {
    uint64_t id; /* 0, 1, 2, ... in creation order; names it "sim-<id>" */
    int64_t created_ms;
    int64_t ready_ms; /* created_ms + startup_ms (initial pods: long before) */
    char name[32];
};

struct ebb_sim_model {
    struct ebb_sim_params params;
    struct ebb_sim_pod *pods; /* oldest first */
    size_t n_pods;
    size_t cap;
    uint64_t next_id;
};

/* Starts the model at start_ms with params->initial_replicas ready pods
 * (created an hour before start_ms, so that HPA's CPU initialization period
 * is over). EBB_ERR_INVALID when a parameter is out of range,
 * EBB_ERR_NOMEM. Release with ebb_sim_model_release() either way. */
enum ebb_rc ebb_sim_model_init(struct ebb_sim_model *m, const struct ebb_sim_params *params,
                               int64_t start_ms);
/* Frees the pods. NULL is a no-op. */
void ebb_sim_model_release(struct ebb_sim_model *m);

/* Pods that exist (ready or not): the target's spec.replicas once a
 * scale is applied. */
int32_t ebb_sim_model_replicas(const struct ebb_sim_model *m);
/* Pods ready at now_ms. */
int32_t ebb_sim_model_ready(const struct ebb_sim_model *m, int64_t now_ms);

/* Applies a scale to `replicas` at now_ms: creates pods (ready at
 * now_ms + startup) or removes the newest, not-ready ones first. */
enum ebb_rc ebb_sim_model_scale(struct ebb_sim_model *m, int32_t replicas, int64_t now_ms);

/* Per-pod CPU utilization in percent of the request when `ready` pods
 * share `load` tasks/s: 100 * load / (ready * capacity). 0 when load is 0;
 * INFINITY when load > 0 and no pod is ready. */
double ebb_sim_utilization(const struct ebb_sim_params *p, double load, int32_t ready);

/* The inputs the decision core reads about pods and metrics, built by
 * ebb_sim_observe() and owned here (arrays grow as needed and are reused
 * from one call to the next). */
struct ebb_sim_obs {
    struct ebb_pod *pods;
    size_t n_pods;
    struct ebb_pod_sample *samples; /* n_metrics rows of n_pods samples */
    size_t cap_pods;
    struct ebb_metric_obs metrics[EBB_MAX_METRICS];
    size_t n_metrics;
};

#define EBB_SIM_OBS_INIT                                                                           \
    {                                                                                              \
        NULL, 0, NULL, 0, {{NULL, NULL, 0.0}}, 0                                                   \
    }

void ebb_sim_obs_release(struct ebb_sim_obs *o);

/* Fills o with what the metrics pipeline would see at now_ms under `load`
 * tasks/s, for each metric of spec. The pod names point into m: o is valid
 * until m next changes. EBB_ERR_NOMEM, EBB_ERR_INVALID (too many metrics). */
enum ebb_rc ebb_sim_observe(const struct ebb_sim_model *m, const struct ebb_policy_spec *spec,
                            double load, int64_t now_ms, struct ebb_sim_obs *o /* OUT */);

/* How far the model's true state is from the policy's targets: the largest
 * value/target over spec's metrics, each metric valued as the model truly
 * is (the ready pods' share of the load), not as the core sees it:
 *   Resource Utilization   utilization / averageUtilization
 *   Resource AverageValue  per-pod usage / averageValue
 *   Pods AverageValue      (load / ready) / averageValue
 *   External, Prometheus   AverageValue: (load / ready) / averageValue;
 *                          Value: load / value
 * Above 1 means "above target". INFINITY with load > 0 and no ready pod;
 * 0 when no metric has a usable target. */
double ebb_sim_target_ratio(const struct ebb_sim_params *p, const struct ebb_policy_spec *spec,
                            double load, int32_t ready);

/* The summary of one run. */
struct ebb_sim_stats {
    int64_t decisions;
    int64_t scale_ups;    /* decisions that raised the replica count */
    int64_t scale_downs;  /* ... that lowered it */
    int32_t min_replicas; /* over the run, after each decision; EBB_UNSET before any */
    int32_t max_replicas;
    double replica_minutes; /* pods existing (ready or not) x minutes: the cost */
    double minutes_above_target;
    double minutes_above_100; /* utilization above 100%: overloaded */
    int64_t reversals;        /* scale events whose direction reverses the previous
                                 event's within EBB_SIM_REVERSAL_WINDOW_MS */
    int last_dir;             /* +1 up, -1 down, 0 no event yet */
    int64_t last_event_ms;
};

#define EBB_SIM_REVERSAL_WINDOW_MS (10 * 60 * 1000LL)

void ebb_sim_stats_init(struct ebb_sim_stats *s);

/* Records one decision taken at now_ms, covering step_ms until the next:
 * the count went from `before` to `after` (pods that exist over the step);
 * util is the utilization (percent) and ratio the target ratio seen when
 * the decision was taken. */
void ebb_sim_stats_add(struct ebb_sim_stats *s, int64_t now_ms, int64_t step_ms, int32_t before,
                       int32_t after, double util, double ratio);

#endif
