/* core_bench.c -- how fast the decision core decides and the codec parses.
 *
 * Measures, on one core:
 *   1. ebb_scale_decide() for a policy with 3 metrics (cpu utilization,
 *      memory average value, a Pods metric) over 100 pods, with a full
 *      stabilization history: decisions per second (goal: >= 1,000,000);
 *   2. ebb_policy_from_json() of a realistic policy: policies per second;
 *   3. ebb_policy_docs_from_yaml() of the same policy in YAML.
 * Each figure is the best of 5 rounds, to keep a noisy neighbour out of it.
 * Results go to stdout in one line each; BENCHMARKS.md records them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../pkg/api/v1alpha1/codec.h"
#include "../pkg/api/v1alpha1/defaults.h"
#include "../pkg/scale/scale.h"

#define NPODS 100
#define NMETRICS 3

static const char policy_yaml[] =
    "apiVersion: ebb.dev/v1alpha1\n"
    "kind: ScalingPolicy\n"
    "metadata: {name: bench, namespace: default}\n"
    "spec:\n"
    "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: bench}\n"
    "  minReplicas: 2\n"
    "  maxReplicas: 400\n"
    "  metrics:\n"
    "  - name: cpu\n"
    "    type: Resource\n"
    "    resource: {name: cpu}\n"
    "    target: {type: Utilization, averageUtilization: 60}\n"
    "    scaleUp: {above: 70, for: 5m}\n"
    "    scaleDown: {below: 30, for: 15m}\n"
    "  - name: memory\n"
    "    type: Resource\n"
    "    resource: {name: memory}\n"
    "    target: {type: AverageValue, averageValue: 1Gi}\n"
    "  - name: rps\n"
    "    type: Pods\n"
    "    pods: {metric: {name: http_requests_per_second}}\n"
    "    target: {type: AverageValue, averageValue: \"100\"}\n"
    "  behavior:\n"
    "    scaleUp:\n"
    "      cooldown: 3m\n"
    "      policies: [{type: Percent, value: 50, period: 60s}, {type: Pods, value: 4, period: "
    "60s}]\n"
    "    scaleDown:\n"
    "      stabilizationWindow: 5m\n"
    "      cooldown: 15m\n"
    "      policies: [{type: Pods, value: 1, period: 60s}]\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs fn(arg) n times per round and returns the best rate per second. */
static double best_rate(long n, void (*fn)(void *arg, long i), void *arg)
{
    double best = 0;
    for (int round = 0; round < 5; round++) {
        double t0 = now_s();
        for (long i = 0; i < n; i++)
            fn(arg, i);
        double dt = now_s() - t0;
        double rate = (double)n / dt;
        if (rate > best)
            best = rate;
    }
    return best;
}

struct decide_bench {
    int64_t t0;
    struct ebb_scale_input in;
    struct ebb_decision out;
    long checksum;
};

static void one_decision(void *arg, long i)
{
    struct decide_bench *b = arg;
    /* Alternate between two instants a second apart: the samples (taken at
     * t0) stay fresh, so every round takes the full path of valid metrics. */
    b->in.now_ms = b->t0 + (i & 1) * 1000;
    ebb_scale_decide(&b->in, &b->out);
    b->checksum += b->out.desired;
}

struct codec_bench {
    const char *text;
    size_t len;
    int yaml;
    long failures;
};

static void one_parse(void *arg, long i)
{
    struct codec_bench *c = arg;
    (void)i;
    if (c->yaml) {
        struct ebb_yaml_docs docs = {NULL, 0};
        struct ebb_yaml_error yerr;
        if (ebb_policy_docs_from_yaml(c->text, c->len, &docs, &yerr) != EBB_OK || docs.n != 1)
            c->failures++;
        ebb_yaml_docs_release(&docs);
    } else {
        struct ebb_policy p;
        struct ebb_errlist errs = EBB_ERRLIST_INIT;
        ebb_policy_init(&p);
        if (ebb_policy_from_json(&p, c->text, c->len, &errs) != EBB_OK)
            c->failures++;
        ebb_errlist_release(&errs);
        ebb_policy_release(&p);
    }
}

int main(void)
{
    int ret = 1;
    struct ebb_yaml_docs docs = {NULL, 0};
    struct ebb_yaml_error yerr;
    struct ebb_strbuf json = EBB_STRBUF_INIT;
    static struct ebb_pod pods[NPODS];
    static struct ebb_pod_sample samples[NMETRICS][NPODS];
    static char names[NPODS][16];
    static struct ebb_history hist;
    static struct decide_bench b;
    struct ebb_metric_obs obs[NMETRICS];
    struct ebb_scale_config cfg;

    if (ebb_policy_docs_from_yaml(policy_yaml, sizeof(policy_yaml) - 1, &docs, &yerr) != EBB_OK ||
        docs.n != 1 || !docs.docs[0].is_policy || ebb_errlist_any(&docs.docs[0].errors)) {
        fprintf(stderr, "bench: the benchmark policy does not decode (line %d: %s)\n", yerr.line,
                yerr.message);
        goto out;
    }
    struct ebb_policy *p = &docs.docs[0].policy;
    if (ebb_policy_defaults(p) != EBB_OK || ebb_policy_to_json(p, &json) != EBB_OK)
        goto out;

    int64_t t0 = 1795000000000LL; /* 2026-11-18 */
    for (int i = 0; i < NPODS; i++) {
        snprintf(names[i], sizeof(names[i]), "bench-%d", i);
        pods[i] = (struct ebb_pod){names[i],     EBB_POD_RUNNING, true, true,
                                   t0 - 3600000, t0 - 7200000,    false};
        /* cpu: 500m request, usage around 80%; memory ~1.2Gi; rps ~120 */
        samples[0][i] = (struct ebb_pod_sample){true, 380 + (i % 7) * 10, 500, t0, 30000};
        samples[1][i] =
            (struct ebb_pod_sample){true, (1288490188LL + i * 1000000LL) * 1000, 0, t0, 30000};
        samples[2][i] = (struct ebb_pod_sample){true, (110 + i % 20) * 1000, 0, t0, 30000};
    }
    for (int m = 0; m < NMETRICS; m++)
        obs[m] = (struct ebb_metric_obs){NULL, samples[m], 0};
    ebb_history_init(&hist);
    for (int i = 0; i < 20; i++)
        ebb_history_add_recommendation(&hist, t0 - (20 - i) * 15000, 100 + (i % 3));
    ebb_scale_config_default(&cfg);

    b.in = (struct ebb_scale_input){
        .spec = &p->spec,
        .current_replicas = NPODS,
        .status_replicas = NPODS,
        .pods = pods,
        .n_pods = NPODS,
        .metrics = obs,
        .history = &hist,
        .port_capacity = EBB_UNSET,
        .config = &cfg,
        .now_ms = t0,
    };
    if (ebb_scale_decide(&b.in, &b.out) != EBB_OK) {
        fprintf(stderr, "bench: the benchmark input does not decide: %s\n", b.out.reason);
        goto out;
    }
    b.t0 = t0;
    for (int m = 0; m < NMETRICS; m++)
        if (!b.out.metrics[m].valid) {
            fprintf(stderr, "bench: metric %d is invalid: %s\n", m, b.out.metrics[m].error);
            goto out;
        }
    long n = 2000000;
    double rate = best_rate(n, one_decision, &b);
    printf("decide: 3 metrics x %d pods: %.0f decisions/s (%.0f ns each; goal >= 1000000/s)\n",
           NPODS, rate, 1e9 / rate);

    struct codec_bench cj = {json.buf, json.len, 0, 0};
    rate = best_rate(50000, one_parse, &cj);
    printf("codec: JSON policy of %zu bytes: %.0f policies/s (%.1f us each)\n", json.len, rate,
           1e6 / rate);
    struct codec_bench cy = {policy_yaml, sizeof(policy_yaml) - 1, 1, 0};
    rate = best_rate(20000, one_parse, &cy);
    printf("codec: YAML policy of %zu bytes: %.0f policies/s (%.1f us each)\n",
           sizeof(policy_yaml) - 1, rate, 1e6 / rate);
    if (cj.failures || cy.failures) {
        fprintf(stderr, "bench: %ld parses failed\n", cj.failures + cy.failures);
        goto out;
    }
    for (int m = 0; m < NMETRICS; m++)
        if (!b.out.metrics[m].valid) {
            fprintf(stderr, "bench: metric %d went invalid during the run\n", m);
            goto out;
        }
    ret = b.checksum > 0 ? 0 : 1;
out:
    ebb_strbuf_release(&json);
    ebb_yaml_docs_release(&docs);
    return ret;
}
