/* replica_calc.c -- one metric's proposal, as HPA's replica_calculator.go
 * computes it. PURE.
 *
 * Resource and Pods metrics group the pods first (groupPods): deleting and
 * Failed pods are ignored, Pending pods are unready, pods without a fresh
 * sample are missing, and for the cpu resource alone a pod is unready while
 * it initializes (cpu_initialization_period, initial_readiness_delay, the
 * sample's timestamp and window). The ratio over the ready pods decides;
 * missing pods then count at max(100%, target) of their request (Resource
 * Utilization) or at the target (per-pod values) on a scale-down and at 0 on
 * a scale-up, unready pods at 0 on a scale-up only, and a recomputed ratio
 * that lands in the tolerance band or reverses the direction keeps the
 * current count.
 *
 * A negative usage, value or request of a pod that counts (not deleting,
 * not Failed) makes the metric invalid, naming the pod: no sensible reading
 * is negative, and a sum with one in it would hide it.
 *
 * Where our input says less than a Pod object does:
 *   - an instant left EBB_TIME_UNSET compares as Go's zero time (year 1), as
 *     an absent metav1.Time does in HPA, except start_ms: no startTime makes
 *     a pod unready for cpu, as in HPA;
 *   - `ready` false covers both Ready=False and Ready=Unknown;
 *   - a request is read from the sample; a ready pod must have one, a missing
 *     or unready pod without one is taken to request the ready pods' mean
 *     (the controller knows requests only for pods it has samples of; pods
 *     of one template request the same);
 *   - a sample older than two sync periods is treated as missing;
 *   - proposals are kept within [0, INT32_MAX].
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../api/v1alpha1/quantity.h"

/* Go's zero time.Time, in unix milliseconds: 0001-01-01T00:00:00Z. */
#define GO_ZERO_TIME_MS (-62135596800000LL)

/* ScalingActive reasons for an invalid metric, by metric type. */
static const char fail_reasons[][28] = {
    "InvalidMetricSourceType", "FailedGetResourceMetric",   "FailedGetPodsMetric",
    "FailedGetExternalMetric", "FailedGetPrometheusMetric",
};
_Static_assert(sizeof(fail_reasons) / sizeof(*fail_reasons) == EBB_METRIC_TYPE__COUNT,
               "one reason per metric type");

bool ebb__tol_within(const struct ebb__tol *t, double ratio)
{
    return (1.0 - t->down) <= ratio && ratio <= (1.0 + t->up);
}

/* Sets r->error to the concatenation of up to three strings. */
static void set_error(struct ebb_metric_result *r, const char *a, const char *b, const char *c)
{
    struct ebb__line l;
    ebb__line_init(&l, r->error, sizeof(r->error));
    ebb__line_add(&l, a);
    if (b != NULL)
        ebb__line_add(&l, b);
    if (c != NULL)
        ebb__line_add(&l, c);
}

static int64_t instant(int64_t t)
{
    return t == EBB_TIME_UNSET ? GO_ZERO_TIME_MS : t;
}

/* int32(math.Ceil(x)), kept within [0, INT32_MAX]; NaN gives 0. */
static int32_t ceil_replicas(double x)
{
    if (!(x > 0.0))
        return 0;
    double c = ceil(x);
    return c >= (double)INT32_MAX ? INT32_MAX : (int32_t)c;
}

static int32_t clamp_i32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* int32(sum*100 / req), as GetResourceUtilizationRatio computes it. */
static int32_t utilization(int64_t sum, int64_t req)
{
    if (req <= 0)
        return 0;
    if (sum <= INT64_MAX / 100 && sum >= INT64_MIN / 100)
        return clamp_i32(sum * 100 / req);
    long double u = (long double)sum * 100.0L / (long double)req;
    return u >= (long double)INT32_MAX   ? INT32_MAX
           : u <= (long double)INT32_MIN ? INT32_MIN
                                         : (int32_t)u;
}

/* Cut-offs computed once per metric rather than once per pod. */
struct cuts {
    int64_t stale; /* a sample with a timestamp before this is missing */
    int64_t init;  /* a pod started after this is still initializing (cpu) */
};

/* groupPods' readiness rule for the cpu resource. */
static bool cpu_unready(const struct ebb__calc_ctx *c, const struct cuts *k,
                        const struct ebb_pod *p, const struct ebb_pod_sample *s)
{
    if (!p->has_ready_condition || p->start_ms == EBB_TIME_UNSET)
        return true;
    int64_t transition = instant(p->ready_transition_ms);
    if (p->start_ms > k->init)
        /* Still initializing: unready, or no full window of samples since
         * the pod last changed readiness. */
        return !p->ready || instant(s->timestamp_ms) < ebb__add_sat(transition, s->window_ms);
    /* Initialized: unready only if it has never been ready. */
    return !p->ready && ebb__add_sat(p->start_ms, c->readiness_ms) > transition;
}

/* What one pass over the pods collects. Requests only matter for
 * Utilization; *_unknown count the pods whose request is not known. */
struct groups {
    size_t n_ready, n_unready, n_missing;
    int64_t sum_ready;    /* usage (Resource) or value (Pods) of the ready pods */
    int64_t req_ready;    /* their requests */
    int64_t req_missing;  /* known requests of the missing pods */
    int64_t fill_missing; /* sum of req * fallback / 100 over those */
    int64_t req_unready;  /* known requests of the unready pods */
    size_t missing_unknown, unready_unknown;
    size_t stale;           /* samples present but too old */
    const char *no_request; /* name of a ready pod without a request */
    bool negative;          /* a counted pod has a negative value or request */
};

/* An instant as an unsigned key that orders like the instant, with
 * EBB_TIME_UNSET (INT64_MIN) above everything: "t < cut and t is set" is
 * then one comparison. */
static uint64_t time_key(int64_t t)
{
    return (uint64_t)t + (uint64_t)INT64_MAX;
}

/* groupPods: one pass, the hot loop of a decision. The counters are locals
 * so that they live in registers, and group_pods() below instantiates it
 * once per (cpu, util) pair so that neither is tested per pod. */
static inline __attribute__((always_inline)) void group_loop(const struct ebb__calc_ctx *c,
                                                             const struct ebb_metric_obs *obs,
                                                             bool cpu, bool util,
                                                             int64_t fallback_pct, struct groups *g)
{
    const struct ebb_pod_sample *samples = obs->samples;
    const struct cuts k = {
        .stale = c->stale_ms > 0 ? ebb__add_sat(c->now_ms, -c->stale_ms) : INT64_MIN,
        .init = ebb__add_sat(c->now_ms, -c->cpu_init_ms),
    };
    /* Below this key a sample is stale; 0 when samples never go stale. */
    const uint64_t stale = c->stale_ms > 0 ? time_key(k.stale) : 0;
    const int64_t fill_max = INT64_MAX / fallback_pct; /* req * fallback fits below this */
    size_t n_ready = 0, n_unready = 0, n_missing = 0;
    int64_t sum_ready = 0, req_ready = 0;
    int64_t sign = 0; /* OR of the values and requests: negative when one is */

    memset(g, 0, sizeof(*g));
    if (samples == NULL) {
        /* No samples at all: every pod that counts is unready or missing. */
        for (size_t i = 0; i < c->n_pods; i++) {
            const struct ebb_pod *p = &c->pods[i];
            if (p->deleting || p->phase == EBB_POD_FAILED)
                continue;
            if (p->phase == EBB_POD_PENDING) {
                g->n_unready++;
                g->unready_unknown++;
            } else {
                g->n_missing++;
                g->missing_unknown++;
            }
        }
        return;
    }
    for (size_t i = 0; i < c->n_pods; i++) {
        const struct ebb_pod *p = &c->pods[i];
        const struct ebb_pod_sample *s = &samples[i];
        /* The common case first: a running, ready pod with a fresh sample
         * (and, for cpu, past its initialization). */
        if (!p->deleting && p->phase == EBB_POD_RUNNING && s->present &&
            time_key(s->timestamp_ms) >= stale &&
            (!cpu || (p->ready && p->has_ready_condition && p->start_ms != EBB_TIME_UNSET &&
                      p->start_ms <= k.init))) {
            n_ready++;
            sign |= s->value_milli | s->request_milli;
            sum_ready = ebb__add_sat(sum_ready, s->value_milli);
            if (util) {
                if (s->request_milli <= 0 && g->no_request == NULL)
                    g->no_request = p->name != NULL ? p->name : "(unnamed)";
                req_ready = ebb__add_sat(req_ready, s->request_milli);
            }
            continue;
        }
        if (p->deleting || p->phase == EBB_POD_FAILED)
            continue;
        sign |= s->request_milli | (s->present ? s->value_milli : 0);
        bool missing = !s->present || time_key(s->timestamp_ms) < stale;
        if (p->phase == EBB_POD_PENDING || (!missing && cpu && cpu_unready(c, &k, p, s))) {
            n_unready++;
            if (util) {
                if (s->request_milli > 0)
                    g->req_unready = ebb__add_sat(g->req_unready, s->request_milli);
                else
                    g->unready_unknown++;
            }
        } else if (missing) {
            n_missing++;
            g->stale += s->present;
            if (util) {
                int64_t req = s->request_milli;
                if (req > 0) {
                    g->req_missing = ebb__add_sat(g->req_missing, req);
                    int64_t fill =
                        req <= fill_max ? req * fallback_pct / 100 : req / 100 * fallback_pct;
                    g->fill_missing = ebb__add_sat(g->fill_missing, fill);
                } else {
                    g->missing_unknown++;
                }
            }
        } else {
            n_ready++;
            sum_ready = ebb__add_sat(sum_ready, s->value_milli);
            if (util) {
                if (s->request_milli <= 0 && g->no_request == NULL)
                    g->no_request = p->name != NULL ? p->name : "(unnamed)";
                req_ready = ebb__add_sat(req_ready, s->request_milli);
            }
        }
    }
    g->n_ready = n_ready;
    g->n_unready = n_unready;
    g->n_missing = n_missing;
    g->sum_ready = sum_ready;
    g->req_ready = req_ready;
    g->negative = sign < 0;
}

static void group_pods(const struct ebb__calc_ctx *c, const struct ebb_metric_obs *obs, bool cpu,
                       bool util, int64_t fallback_pct, struct groups *g)
{
    if (cpu && util)
        group_loop(c, obs, true, true, fallback_pct, g);
    else if (cpu)
        group_loop(c, obs, true, false, fallback_pct, g);
    else if (util)
        group_loop(c, obs, false, true, fallback_pct, g);
    else
        group_loop(c, obs, false, false, fallback_pct, g);
}

/* The first counted pod with a negative sample, named in r->error: "pod
 * web-1: usage -5m is negative". Only called when group_pods saw one. */
static void negative_sample(const struct ebb__calc_ctx *c, const struct ebb_metric_spec *m,
                            const struct ebb_pod_sample *samples, struct ebb_metric_result *r)
{
    for (size_t i = 0; i < c->n_pods; i++) {
        const struct ebb_pod *p = &c->pods[i];
        const struct ebb_pod_sample *s = &samples[i];
        const char *what;
        int64_t v;
        if (p->deleting || p->phase == EBB_POD_FAILED)
            continue;
        if (s->present && s->value_milli < 0) {
            what = m->type == EBB_METRIC_RESOURCE ? ": usage " : ": value ";
            v = s->value_milli;
        } else if (s->request_milli < 0) {
            what = ": request ";
            v = s->request_milli;
        } else {
            continue;
        }
        char q[32];
        struct ebb__line l;
        ebb_quantity_format(v, q, sizeof(q));
        ebb__line_init(&l, r->error, sizeof(r->error));
        ebb__line_add(&l, "pod ");
        ebb__line_add(&l, p->name != NULL ? p->name : "(unnamed)");
        ebb__line_add(&l, what);
        ebb__line_add(&l, q);
        ebb__line_add(&l, " is negative");
        return;
    }
}

static int64_t mul_sat(int64_t a, int64_t n)
{
    int64_t r;
    if (__builtin_mul_overflow(a, n, &r))
        return (a < 0) != (n < 0) ? INT64_MIN : INT64_MAX;
    return r;
}

/* The second half of GetResourceReplicas / calcPlainMetricReplicas: with
 * missing or unready pods, recompute the ratio conservatively. */
static enum ebb__why rebalance(const struct ebb__calc_ctx *c, const struct ebb__tol *tol,
                               double ratio, double new_ratio, size_t n, int32_t *out)
{
    if (ebb__tol_within(tol, new_ratio) || (ratio < 1.0 && new_ratio > 1.0) ||
        (ratio > 1.0 && new_ratio < 1.0)) {
        *out = c->current;
        return EBB__WHY_CONSERVATIVE;
    }
    int32_t r = ceil_replicas(new_ratio * (double)n);
    if ((new_ratio < 1.0 && r > c->current) || (new_ratio > 1.0 && r < c->current)) {
        *out = c->current;
        return EBB__WHY_CONSERVATIVE;
    }
    *out = r;
    return EBB__WHY_COMPUTED;
}

static enum ebb__why per_pod(const struct ebb__calc_ctx *c, const struct ebb_metric_spec *m,
                             const struct ebb_metric_obs *obs, const struct ebb__tol *tol,
                             struct ebb_metric_result *r)
{
    bool util = m->target.type == EBB_TARGET_UTILIZATION;
    bool cpu = m->type == EBB_METRIC_RESOURCE && m->resource.name != NULL &&
               strcmp(m->resource.name, "cpu") == 0;
    const char *res = m->type == EBB_METRIC_RESOURCE && m->resource.name ? m->resource.name : "";
    int64_t target;
    struct groups g;

    if (util) {
        if (m->target.average_utilization <= 0) {
            set_error(r, "target.averageUtilization must be greater than 0", NULL, NULL);
            return EBB__WHY_INVALID;
        }
        target = m->target.average_utilization;
        r->target_milli = target * 1000;
    } else {
        if (!m->target.average_value.set || m->target.average_value.milli <= 0) {
            set_error(r, "target.averageValue must be greater than 0", NULL, NULL);
            return EBB__WHY_INVALID;
        }
        target = m->target.average_value.milli;
        r->target_milli = target;
    }
    if (c->n_pods == 0) {
        set_error(r, "no pods match the target's selector", NULL, NULL);
        return EBB__WHY_INVALID;
    }

    group_pods(c, obs, cpu, util, target > 100 ? target : 100, &g);
    if (g.negative) {
        negative_sample(c, m, obs->samples, r);
        return EBB__WHY_INVALID;
    }
    if (g.n_ready == 0) {
        struct ebb__line l;
        ebb__line_init(&l, r->error, sizeof(r->error));
        ebb__line_add(&l, "no metrics for any ready pod (");
        ebb__line_int(&l, (int64_t)g.n_unready);
        ebb__line_add(&l, " unready, ");
        ebb__line_int(&l, (int64_t)g.n_missing);
        ebb__line_add(&l, g.stale > 0 ? " missing, samples too old)" : " missing)");
        return EBB__WHY_INVALID;
    }
    if (util && g.no_request != NULL) {
        struct ebb__line l;
        ebb__line_init(&l, r->error, sizeof(r->error));
        ebb__line_add(&l, "pod ");
        ebb__line_add(&l, g.no_request);
        ebb__line_add(&l, " has no ");
        ebb__line_add(&l, res);
        ebb__line_add(&l, " request: set resources.requests.");
        ebb__line_add(&l, res);
        ebb__line_add(&l, " on its containers");
        return EBB__WHY_INVALID;
    }

    double ratio;
    if (util) {
        int32_t u = utilization(g.sum_ready, g.req_ready);
        ratio = (double)u / (double)target;
        r->value_milli = (int64_t)u * 1000;
        /* A pod whose request we do not know is taken to ask the mean. */
        int64_t mean = g.req_ready / (int64_t)g.n_ready;
        g.req_missing = ebb__add_sat(g.req_missing, mul_sat(mean, (int64_t)g.missing_unknown));
        int64_t fb = target > 100 ? target : 100;
        int64_t fill = mean <= INT64_MAX / fb ? mean * fb / 100 : mean / 100 * fb;
        g.fill_missing = ebb__add_sat(g.fill_missing, mul_sat(fill, (int64_t)g.missing_unknown));
        g.req_unready = ebb__add_sat(g.req_unready, mul_sat(mean, (int64_t)g.unready_unknown));
    } else {
        int64_t avg = g.sum_ready / (int64_t)g.n_ready;
        ratio = (double)avg / (double)target;
        r->value_milli = avg;
    }

    bool up_with_unready = g.n_unready > 0 && ratio > 1.0;
    if (!up_with_unready && g.n_missing == 0) {
        if (ebb__tol_within(tol, ratio)) {
            r->raw_proposal = c->current;
            return EBB__WHY_TOLERANCE;
        }
        r->raw_proposal = ceil_replicas(ratio * (double)g.n_ready);
        return EBB__WHY_COMPUTED;
    }

    int64_t sum = g.sum_ready, req = g.req_ready;
    size_t n = g.n_ready;
    if (g.n_missing > 0 && ratio != 1.0) {
        if (ratio < 1.0)
            sum = ebb__add_sat(sum, util ? g.fill_missing : mul_sat(target, (int64_t)g.n_missing));
        req = ebb__add_sat(req, g.req_missing);
        n += g.n_missing;
    }
    if (up_with_unready) {
        req = ebb__add_sat(req, g.req_unready);
        n += g.n_unready;
    }
    double new_ratio = util ? (double)utilization(sum, req) / (double)target
                            : (double)(sum / (int64_t)n) / (double)target;
    return rebalance(c, tol, ratio, new_ratio, n, &r->raw_proposal);
}

/* A double quantity in thousandths: whole thousandths stay exact, anything
 * finer rounds up, as resource.Quantity.MilliValue() does. */
static int64_t to_milli(double v)
{
    double m = v * 1000.0;
    if (m >= 9.2e18)
        return INT64_MAX;
    double near = round(m);
    if (fabs(m - near) <= 1e-6 * (fabs(m) > 1.0 ? fabs(m) : 1.0))
        return (int64_t)near;
    return (int64_t)ceil(m);
}

static size_t ready_pods(const struct ebb__calc_ctx *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_pods; i++) {
        const struct ebb_pod *p = &c->pods[i];
        if (p->phase == EBB_POD_RUNNING && p->has_ready_condition && p->ready)
            n++;
    }
    return n;
}

/* External and Prometheus: one value for the whole target. */
static enum ebb__why whole(const struct ebb__calc_ctx *c, const struct ebb_metric_spec *m,
                           const struct ebb_metric_obs *obs, const struct ebb__tol *tol,
                           struct ebb_metric_result *r)
{
    double v = obs->value;
    if (isnan(v)) {
        set_error(r, "value is NaN", NULL, NULL);
        return EBB__WHY_INVALID;
    }
    if (isinf(v)) {
        set_error(r, "value is ", v > 0 ? "+Inf" : "-Inf", NULL);
        return EBB__WHY_INVALID;
    }
    if (v < 0) {
        snprintf(r->error, sizeof(r->error), "value %g is negative", v);
        return EBB__WHY_INVALID;
    }
    int64_t usage = to_milli(v);

    if (m->target.type == EBB_TARGET_VALUE) {
        if (!m->target.value.set || m->target.value.milli <= 0) {
            set_error(r, "target.value must be greater than 0", NULL, NULL);
            return EBB__WHY_INVALID;
        }
        int64_t target = m->target.value.milli;
        double ratio = (double)usage / (double)target;
        r->value_milli = usage;
        r->target_milli = target;
        if (c->current == 0) {
            /* Scale from zero: no pods to count, no tolerance. */
            r->raw_proposal = ceil_replicas(ratio);
            return EBB__WHY_COMPUTED;
        }
        if (ebb__tol_within(tol, ratio)) {
            r->raw_proposal = c->current;
            return EBB__WHY_TOLERANCE;
        }
        if (c->n_pods == 0) {
            set_error(r, "no pods match the target's selector", NULL, NULL);
            return EBB__WHY_INVALID;
        }
        double x = ratio * (double)ready_pods(c);
        r->raw_proposal = x > (double)INT32_MAX ? INT32_MAX : ceil_replicas(x);
        return EBB__WHY_COMPUTED;
    }

    if (m->target.type != EBB_TARGET_AVERAGE_VALUE) {
        set_error(r, "target.type ", ebb_target_type_name(m->target.type),
                  " does not apply to this metric type");
        return EBB__WHY_INVALID;
    }
    if (!m->target.average_value.set || m->target.average_value.milli <= 0) {
        set_error(r, "target.averageValue must be greater than 0", NULL, NULL);
        return EBB__WHY_INVALID;
    }
    int64_t target = m->target.average_value.milli;
    int32_t st = c->status_replicas;
    r->target_milli = target;
    /* The value reported, compared with the bands and written in the
     * reason is per pod, in the target's unit: HPA's ceil(value /
     * statusReplicas); MaxInt64 stays MaxInt64. With no replicas (scale
     * from zero, where HPA divides by zero) it is the whole value: what
     * the first replica would take. */
    double avg = st > 0 ? ceil((double)usage / (double)st) : (double)usage;
    r->value_milli = avg >= 9.2e18 ? INT64_MAX : (int64_t)avg;
    /* With no replicas the ratio is infinite (or NaN): never within. */
    if (st > 0 && ebb__tol_within(tol, (double)usage / ((double)target * (double)st))) {
        r->raw_proposal = st;
        return EBB__WHY_TOLERANCE;
    }
    r->raw_proposal = ceil_replicas((double)usage / (double)target);
    return EBB__WHY_COMPUTED;
}

enum ebb__why ebb__metric_propose(const struct ebb__calc_ctx *c, const struct ebb_metric_spec *m,
                                  const struct ebb_metric_obs *obs, const struct ebb__tol *tol,
                                  struct ebb_metric_result *r, const char **reason)
{
    enum ebb__why why = EBB__WHY_INVALID;

    r->valid = false;
    r->error[0] = '\0';
    r->raw_proposal = EBB_UNSET;
    r->value_milli = 0;
    r->target_milli = 0;
    *reason = fail_reasons[(unsigned)m->type < EBB_METRIC_TYPE__COUNT ? m->type : 0];
    if (m->type == EBB_METRIC_RESOURCE && m->resource.container != NULL &&
        m->resource.container[0] != '\0')
        *reason = "FailedGetContainerResourceMetric";

    if (obs->error != NULL) {
        set_error(r, obs->error[0] ? obs->error : "unknown error", NULL, NULL);
        goto out;
    }
    switch (m->type) {
    case EBB_METRIC_RESOURCE:
    case EBB_METRIC_PODS:
        why = per_pod(c, m, obs, tol, r);
        break;
    case EBB_METRIC_EXTERNAL:
    case EBB_METRIC_PROMETHEUS:
        why = whole(c, m, obs, tol, r);
        break;
    default:
        snprintf(r->error, sizeof(r->error), "unknown metric type %d", (int)m->type);
        break;
    }
out:
    if (why == EBB__WHY_INVALID)
        r->raw_proposal = EBB_UNSET;
    else
        r->valid = true;
    return why;
}
