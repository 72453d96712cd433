/* gen_decide_fixtures.c -- the HPA cases of tests/unit/hpa_cases.h as `ebb decide` fixtures.
 *
 * Regenerate, from the repository's root (no Makefile needed):
 *
 *   cc -std=c11 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
 *     -o /tmp/gen_decide_fixtures tests/tools/gen_decide_fixtures.c tests/unit/scale_fixtures.c \
 *     pkg/base/[a-z]*.c pkg/scale/[a-z]*.c pkg/api/v1alpha1/types.c pkg/api/v1alpha1/quantity.c \
 *     pkg/api/v1alpha1/duration.c -lcjson -lm
 *   /tmp/gen_decide_fixtures tests/fixtures/decide
 *   EBB=build/ebb bash tests/e2e/decide.sh
 *
 * scale_test.c runs every row of rc_cases, rules_cases and stab_cases
 * through the C API; this program writes one
 * tests/fixtures/decide/hpa-<case-name>.json per row, which
 * tests/e2e/decide.sh runs through the binary. Both read the same table, so
 * a row cannot change in one place only. Files this program wrote before
 * (they carry "generatedBy") are removed first, so a renamed row leaves no
 * stale file behind.
 *
 * For each row it
 *   1. builds the C world exactly as scale_test.c's rc_run / rules_run /
 *      stab_run do, and checks that the core answers what the row says (the
 *      same assertions): if not, scale_test fails too and nothing is written;
 *   2. turns that world into what the JSON input can say (project_*, below):
 *        - a sample without a timestamp gets Go's zero time, the same
 *          instant for the core once samples never go stale (syncPeriod 0s);
 *        - a pod without a usage sample cannot carry its request: the core
 *          then takes the ready pods' mean, which is the same request only
 *          when every sample asks the same;
 *        - a tolerance without spec.behavior goes to config.tolerance, the
 *          controller's, which holds one value for both directions; a
 *          replica-calculator row with different ones gets HPA's default
 *          behavior around them (its proposal does not depend on it);
 *        - minReplicas 0 needs an External or Prometheus metric: other
 *          replica-calculator rows get minReplicas 1;
 *        - replica-calculator rows get one old recommendation (1 replica,
 *          an hour ago), so the initial recommendation HPA records for a
 *          first sight does not hold a scale-down: desiredReplicas then
 *          shows the calculator's answer;
 *      and checks the row's assertions again on that world: a row the JSON
 *      cannot express is skipped, with the reason on stderr;
 *   3. writes the input and, as "expect", what the row asserts (the raw
 *      proposal and the value for rc_cases; desired replicas, the
 *      recommendation, stabilized count and the condition reasons for the
 *      others) plus desiredReplicas for every row, derived with HPA's
 *      normalization rules (clamp, scale-up limit or behavior rate) and
 *      checked against the core before it is written.
 *
 * Skipped today (a row the JSON input cannot express):
 *   - TestReplicaCalcMissingMetricsScaleDownTargetOver100: its pod without a
 *     sample requests 4 CPU, the ready pods 2 and 4; a pod in "pods" but
 *     not in metrics.cpu.pods has no known request, so the core takes the
 *     ready pods' mean (3), not 4.
 * The program prints the up-to-date list; keep this comment in step with it.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/quantity.h"
#include "../../pkg/base/rfc3339.h"
#include "../../pkg/scale/scale.h"
#include "../unit/hpa_cases.h"
#include "../unit/scale_fixtures.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define GENERATED_BY "tests/tools/gen_decide_fixtures.c"

/* A message about why a row failed a check or cannot be expressed. */
struct why {
    char msg[512];
};

static bool fail(struct why *y, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(y->msg, sizeof(y->msg), fmt, ap);
    va_end(ap);
    return false;
}

/* ------------------------------------------------------------------ */
/* 1. the worlds, as scale_test.c builds them                          */
/* ------------------------------------------------------------------ */

static enum ebb_pod_phase phase_of(char c)
{
    switch (c) {
    case 'P':
        return EBB_POD_PENDING;
    case 'F':
        return EBB_POD_FAILED;
    case 'S':
        return EBB_POD_SUCCEEDED;
    default:
        return EBB_POD_RUNNING;
    }
}

/* rc_run's world; *want_out the raw proposal the row expects (-1 invalid). */
static struct ebbt_scale_world *rc_world(const struct rc_case *c, int32_t *want_out)
{
    struct ebbt_scale_world *w = ebbt_scale_world_new(0, EBB_MAX_REPLICAS, c->current);
    int i = 0, n = c->n > 0 ? c->n : c->current;
    int64_t lev[16] = {0}, req[16] = {0};
    int nlev = c->nlev;
    int32_t want = c->want;

    w->config.cpu_initialization_period_ms = 2 * EBBT_MIN;
    w->config.initial_readiness_delay_ms = 10 * EBBT_SEC;
    w->config.sync_period_ms = 0;
    if (c->status_set)
        w->in.status_replicas = c->status;
    if (c->tol_set) {
        w->spec.behavior.scale_up.tolerance.milli = c->tol_up;
        w->spec.behavior.scale_down.tolerance.milli = c->tol_down;
    }
    for (int p = 0; p < 8; p++) {
        lev[p] = c->lev[p];
        req[p] = c->req[p] != 0 ? c->req[p] : 1000;
    }
    if (want == -2 || want == -3) {
        int64_t more[] = {300, 300};
        for (int p = 8; p < 10; p++) {
            lev[p] = 150;
            req[p] = more[p - 8];
        }
        nlev = 10;
        want = want == -2 ? 9 : 10;
    }

    switch (c->kind) {
    case K_CPU:
        i = ebbt_scale_add_cpu(w, (int32_t)c->target);
        break;
    case K_MEM_AVG:
        i = ebbt_scale_add_resource_avg(w, "memory", c->target);
        break;
    case K_PODS:
        i = ebbt_scale_add_pods_metric(w, c->target);
        break;
    case K_EXT_VALUE:
    case K_PROM_VALUE:
        i = ebbt_scale_add_external(w, c->kind == K_PROM_VALUE, EBB_TARGET_VALUE, c->target,
                                    c->value);
        break;
    case K_EXT_AVG:
        i = ebbt_scale_add_external(w, false, EBB_TARGET_AVERAGE_VALUE, c->target, c->value);
        break;
    }
    for (int p = 0; p < n; p++) {
        char st = c->start != NULL ? c->start[p] : '0';
        int64_t start = st == 'h' ? EBBT_NOW : st == 'c' ? EBBT_NOW - 3 * EBBT_MIN : EBBT_GO_ZERO;
        bool ready = c->ready == NULL || c->ready[p] == 'T';
        int k = ebbt_scale_add_pod(w, phase_of(c->phase != NULL ? c->phase[p] : 'R'), ready, start,
                                   EBBT_GO_ZERO);
        w->pods[k].deleting = c->gone != NULL && c->gone[p] == 'd';
        if (c->kind == K_EXT_VALUE || c->kind == K_EXT_AVG || c->kind == K_PROM_VALUE)
            continue;
        bool two = c->kind == K_CPU;
        struct ebb_pod_sample *s = &w->samples[i][k];
        s->present = p < nlev;
        s->value_milli = p < nlev ? (two ? 2 * lev[p] : lev[p]) : 0;
        s->request_milli = c->kind == K_CPU && !c->no_requests && p < 10 ? 2 * req[p] : 0;
        s->timestamp_ms = EBB_TIME_UNSET;
        s->window_ms = EBBT_MIN;
    }
    *want_out = want;
    return w;
}

static void spread_events(struct ebbt_scale_world *w, const int *ev, int n, bool up)
{
    int seg = 120 / n;
    for (int k = 0; k < n; k++) {
        int64_t ago = (int64_t)(120 - seg * (k + 1) + seg / 2) * EBBT_SEC;
        if (up)
            ebbt_scale_event(w, ago, 100, 100 + ev[k]);
        else
            ebbt_scale_event(w, ago, 100 + ev[k], 100);
    }
}

static void exact_metric(struct ebbt_scale_world *w, int32_t desired)
{
    ebbt_scale_add_external(w, false, EBB_TARGET_AVERAGE_VALUE, 1000, (double)desired);
    w->spec.behavior.tolerance.milli = 0;
    w->spec.behavior.scale_up.tolerance.milli = 0;
    w->spec.behavior.scale_down.tolerance.milli = 0;
}

/* rules_run's world; *want_out the desired count the row expects. */
static struct ebbt_scale_world *rules_world(const struct rules_case *c, int32_t *want_out)
{
    struct ebbt_scale_world *w = ebbt_scale_world_new(c->min, c->max, c->cur);

    ebbt_scale_behavior(w);
    if (c->up[0] || c->up[2])
        ebbt_scale_rules(w, true, c->up[0], c->up[1], c->up[2], c->up[3], 0);
    if (c->down[0] || c->down[2])
        ebbt_scale_rules(w, false, c->down[0], c->down[1], c->down[2], c->down[3], 0);
    if (c->want == -2)
        w->spec.behavior.scale_up.select_policy = EBB_SELECT_MIN;
    if (c->want == -3)
        w->spec.behavior.scale_down.select_policy = EBB_SELECT_MIN;
    w->spec.behavior.scale_up.stabilization_ms = 0;
    w->spec.behavior.scale_down.stabilization_ms = 0;
    exact_metric(w, c->desired);
    if (c->n_up > 0)
        spread_events(w, c->up_ev, c->n_up, true);
    if (c->n_down > 0)
        spread_events(w, c->down_ev, c->n_down, false);
    *want_out = c->want == -2 ? 2 : c->want == -3 ? 3 : c->want;
    return w;
}

/* stab_run's world. */
static struct ebbt_scale_world *stab_world(const struct stab_case *c)
{
    struct ebbt_scale_world *w = ebbt_scale_world_new(1, 1000, c->cur);

    if (c->behavior) {
        ebbt_scale_behavior(w);
        w->spec.behavior.scale_up.stabilization_ms = c->up_s * EBBT_SEC;
        w->spec.behavior.scale_down.stabilization_ms = c->down_s * EBBT_SEC;
    }
    exact_metric(w, c->desired);
    for (int k = 0; k < c->n; k++)
        ebbt_scale_rec(w, c->ago_min[k] * EBBT_MIN, c->rec[k]);
    return w;
}

/* ------------------------------------------------------------------ */
/* 2. what each row asserts (scale_test.c's assertions)                */
/* ------------------------------------------------------------------ */

static bool decide(struct ebbt_scale_world *w, struct ebb_decision *d, struct why *y)
{
    enum ebb_rc rc = ebbt_scale_decide(w, d);
    if (rc != EBB_OK)
        return fail(y, "ebb_scale_decide: rc %d: %s", (int)rc, d->reason);
    return true;
}

static bool rc_holds(const struct rc_case *c, int32_t want, const struct ebb_decision *d,
                     struct why *y)
{
    const struct ebb_metric_result *r = &d->metrics[0];
    if (want < 0) {
        if (r->valid || r->error[0] == '\0' || r->raw_proposal != EBB_UNSET)
            return fail(y, "want an invalid metric, got raw proposal %" PRId32, r->raw_proposal);
        return true;
    }
    if (!r->valid)
        return fail(y, "want raw proposal %" PRId32 ", got an invalid metric: %s", want, r->error);
    if (r->raw_proposal != want)
        return fail(y, "want raw proposal %" PRId32 ", got %" PRId32 " (%s)", want, r->raw_proposal,
                    d->reason);
    if (c->want_value != NO_CHECK && r->value_milli != c->want_value)
        return fail(y, "want value %" PRId64 "m, got %" PRId64 "m", c->want_value, r->value_milli);
    return true;
}

static bool rules_holds(const struct rules_case *c, int32_t want, const struct ebb_decision *d,
                        struct why *y)
{
    const struct ebb_cond_out *lim = &d->conditions[EBB_COND_SCALING_LIMITED];
    enum ebb_condition_status st =
        strcmp(c->cond, "DesiredWithinRange") == 0 ? EBB_COND_FALSE : EBB_COND_TRUE;
    if (c->cur <= c->max && c->cur >= c->min &&
        (d->recommendation != c->desired || d->stabilized != c->desired))
        return fail(y, "want recommendation and stabilized %" PRId32 ", got %" PRId32 "/%" PRId32,
                    c->desired, d->recommendation, d->stabilized);
    if (d->desired != want)
        return fail(y, "want desired %" PRId32 ", got %" PRId32 " (%s)", want, d->desired,
                    d->reason);
    if (lim->reason == NULL || strcmp(lim->reason, c->cond) != 0 || lim->status != st)
        return fail(y, "want ScalingLimited %s, got %s", c->cond, lim->reason);
    return true;
}

static bool stab_holds(const struct stab_case *c, const struct ebb_decision *d, struct why *y)
{
    const char *able = d->conditions[EBB_COND_ABLE_TO_SCALE].reason;
    if (d->recommendation != c->desired || d->stabilized != c->want)
        return fail(
            y, "want recommendation %" PRId32 " stabilized %" PRId32 ", got %" PRId32 "/%" PRId32,
            c->desired, c->want, d->recommendation, d->stabilized);
    if (able == NULL || (c->want != c->desired ? strstr(able, "Stabilized") == NULL
                                               : strcmp(able, "ReadyForNewScale") != 0))
        return fail(y, "AbleToScale reason %s", able ? able : "(none)");
    size_t n = d->history.n_recs;
    if (n == 0 || d->history.recs[n - 1].replicas != c->desired ||
        d->history.recs[n - 1].time_ms != EBBT_NOW)
        return fail(y, "the unstabilized recommendation is not the newest entry");
    return true;
}

/* ------------------------------------------------------------------ */
/* 3. what the JSON input can say                                      */
/* ------------------------------------------------------------------ */

static bool has_whole_metric(const struct ebbt_scale_world *w)
{
    for (size_t i = 0; i < w->spec.n_metrics; i++)
        if (w->metrics[i].type == EBB_METRIC_EXTERNAL ||
            w->metrics[i].type == EBB_METRIC_PROMETHEUS)
            return true;
    return false;
}

/* What every world needs: samples and requests the JSON can carry. */
static bool project_samples(struct ebbt_scale_world *w, struct why *y)
{
    const struct ebb_scale_config *cfg = &w->config;
    int64_t sync = w->spec.sync_period_ms > 0 ? w->spec.sync_period_ms : cfg->sync_period_ms;
    for (size_t m = 0; m < w->spec.n_metrics; m++) {
        if (w->metrics[m].type != EBB_METRIC_RESOURCE && w->metrics[m].type != EBB_METRIC_PODS)
            continue;
        int64_t req = -1;
        for (size_t p = 0; p < w->in.n_pods; p++) {
            struct ebb_pod_sample *s = &w->samples[m][p];
            if (!s->present)
                continue;
            if (req == -1)
                req = s->request_milli;
            else if (req != s->request_milli)
                req = -2; /* requests differ */
        }
        for (size_t p = 0; p < w->in.n_pods; p++) {
            struct ebb_pod_sample *s = &w->samples[m][p];
            if (s->present && s->timestamp_ms == EBB_TIME_UNSET) {
                if (sync > 0)
                    return fail(y, "a sample without a timestamp: JSON gives Go's zero time, "
                                   "which is stale unless syncPeriod is 0s");
                s->timestamp_ms = EBBT_GO_ZERO;
            }
            if (!s->present && s->request_milli > 0) {
                /* With no sample at all the metric is invalid: no request counts. */
                if (req != -1 && req != s->request_milli)
                    return fail(y,
                                "pod %s has a request (%" PRId64 "m) but no sample: JSON "
                                "cannot say so, and the core would take the ready pods' mean",
                                w->pods[p].name, s->request_milli);
                s->request_milli = 0;
            }
            if (!s->present)
                *s = (struct ebb_pod_sample){0};
        }
    }
    return true;
}

/* A tolerance is a field of spec.behavior, or the controller's (config)
 * for a policy without one: one value for both directions. */
static bool project_tolerance(struct ebbt_scale_world *w, bool allow_behavior, struct why *y)
{
    struct ebb_behavior *b = &w->spec.behavior;
    struct ebb_quantity up = b->scale_up.tolerance, down = b->scale_down.tolerance;
    if (b->set)
        return true;
    if (up.milli == down.milli) {
        w->config.tolerance_milli = up.milli;
        return true;
    }
    if (!allow_behavior)
        return fail(y, "tolerances %" PRId64 "m up and %" PRId64 "m down without spec.behavior",
                    up.milli, down.milli);
    ebbt_scale_behavior(w);
    b->scale_up.tolerance = up;
    b->scale_down.tolerance = down;
    return true;
}

static bool project_rc(struct ebbt_scale_world *w, struct why *y)
{
    if (!project_samples(w, y) || !project_tolerance(w, true, y))
        return false;
    if (!has_whole_metric(w)) {
        if (w->in.current_replicas == 0)
            return fail(y, "minReplicas 0 without an External or Prometheus metric");
        w->spec.min_replicas = 1;
    }
    ebbt_scale_rec(w, 60 * EBBT_MIN, 1);
    return true;
}

/* ------------------------------------------------------------------ */
/* 4. HPA's normalization, for the desiredReplicas of every row         */
/* ------------------------------------------------------------------ */

/* The rate bound of one direction with no scale events in the history
 * (rc_cases and stab_cases have none). */
static int64_t rate_bound(const struct ebb_scaling_rules *r, int32_t cur, bool up)
{
    if (r->select_policy == EBB_SELECT_DISABLED)
        return cur;
    bool take_high = (r->select_policy != EBB_SELECT_MIN) == up;
    int64_t best = take_high ? INT64_MIN : INT64_MAX;
    for (size_t i = 0; i < r->n_policies; i++) {
        const struct ebb_rate_policy *p = &r->policies[i];
        int64_t v;
        if (p->type == EBB_RATE_PODS)
            v = up ? (int64_t)cur + p->value : (int64_t)cur - p->value;
        else if (up)
            v = (int64_t)ceil((double)cur * (1 + p->value / 100.0));
        else
            v = (int64_t)((double)cur * (1 - p->value / 100.0));
        if (take_high ? v > best : v < best)
            best = v;
    }
    return best;
}

/* normalizeDesiredReplicas(WithBehaviors) after stabilization: the count
 * HPA sets for a stabilized recommendation `st`, with no scale events. */
static int32_t hpa_desired(const struct ebbt_scale_world *w, int32_t st)
{
    const struct ebb_policy_spec *s = &w->spec;
    int32_t cur = w->in.current_replicas;
    int64_t d = st;
    if (cur > s->max_replicas)
        return s->max_replicas;
    if (cur < s->min_replicas)
        return s->min_replicas;
    if (s->behavior.set) {
        if (d > cur) {
            int64_t lim = rate_bound(&s->behavior.scale_up, cur, true);
            if (d > lim)
                d = lim;
        } else if (d < cur) {
            int64_t lim = rate_bound(&s->behavior.scale_down, cur, false);
            if (d < lim)
                d = lim;
        }
    } else {
        int64_t lim = 2 * (int64_t)cur > 4 ? 2 * (int64_t)cur : 4;
        if (d > lim)
            d = lim;
    }
    if (d > s->max_replicas)
        d = s->max_replicas;
    if (d < s->min_replicas)
        d = s->min_replicas;
    return (int32_t)d;
}

/* The AbleToScale reason HPA sets after stabilization. */
static const char *hpa_able(const struct ebbt_scale_world *w, int32_t rec, int32_t st)
{
    if (st == rec)
        return "ReadyForNewScale";
    if (w->spec.behavior.set && rec >= w->in.current_replicas)
        return "ScaleUpStabilized";
    return "ScaleDownStabilized";
}

/* ------------------------------------------------------------------ */
/* 5. the JSON                                                         */
/* ------------------------------------------------------------------ */

static cJSON *quantity(int64_t milli)
{
    char buf[32];
    ebb_quantity_format(milli, buf, sizeof(buf));
    return cJSON_CreateString(buf);
}

static cJSON *instant(int64_t ms)
{
    char buf[40];
    ebb_rfc3339_format(ms, buf, sizeof(buf));
    return cJSON_CreateString(buf);
}

static cJSON *duration(int64_t ms)
{
    char buf[32];
    if (ms % 1000 == 0)
        snprintf(buf, sizeof(buf), "%" PRId64 "s", ms / 1000);
    else
        snprintf(buf, sizeof(buf), "%" PRId64 "ms", ms);
    return cJSON_CreateString(buf);
}

static const char *const phase_names[] = {"Pending", "Running", "Succeeded", "Failed", "Unknown"};
static const char *const metric_types[] = {"", "Resource", "Pods", "External", "Prometheus"};
static const char *const target_types[] = {"", "Utilization", "AverageValue", "Value"};

static bool metric_json(const struct ebb_metric_spec *m, cJSON *arr, struct why *y)
{
    if (m->scale_up.set || m->scale_down.set)
        return fail(y, "metric %s has a band: not an HPA case", m->name);
    if ((unsigned)m->type >= COUNT(metric_types) || (unsigned)m->target.type >= COUNT(target_types))
        return fail(y, "metric %s: unknown type", m->name);
    cJSON *o = cJSON_CreateObject(), *src = cJSON_CreateObject(), *t = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, o);
    cJSON_AddStringToObject(o, "name", m->name);
    cJSON_AddStringToObject(o, "type", metric_types[m->type]);
    switch (m->type) {
    case EBB_METRIC_RESOURCE:
        cJSON_AddStringToObject(src, "name", m->resource.name);
        cJSON_AddItemToObject(o, "resource", src);
        break;
    case EBB_METRIC_PODS:
    case EBB_METRIC_EXTERNAL: {
        cJSON *id = cJSON_AddObjectToObject(src, "metric");
        cJSON_AddStringToObject(
            id, "name", m->type == EBB_METRIC_PODS ? m->pods.metric_name : m->external.metric_name);
        cJSON_AddItemToObject(o, m->type == EBB_METRIC_PODS ? "pods" : "external", src);
        break;
    }
    default:
        cJSON_AddStringToObject(src, "query", m->prometheus.query);
        cJSON_AddItemToObject(o, "prometheus", src);
        break;
    }
    cJSON_AddItemToObject(o, "target", t);
    cJSON_AddStringToObject(t, "type", target_types[m->target.type]);
    if (m->target.type == EBB_TARGET_UTILIZATION)
        cJSON_AddNumberToObject(t, "averageUtilization", m->target.average_utilization);
    else if (m->target.type == EBB_TARGET_AVERAGE_VALUE)
        cJSON_AddItemToObject(t, "averageValue", quantity(m->target.average_value.milli));
    else
        cJSON_AddItemToObject(t, "value", quantity(m->target.value.milli));
    return true;
}

static const char *const select_names[] = {"", "Max", "Min", "Disabled"};

static bool rules_json(const struct ebb_scaling_rules *r, const struct ebb_quantity *tol, cJSON *o,
                       struct why *y)
{
    if (r->stabilization_ms % 1000 != 0)
        return fail(y, "a stabilization window of %" PRId64 "ms", r->stabilization_ms);
    if (r->cooldown_ms != EBB_UNSET)
        return fail(y, "a cooldown: not an HPA case");
    cJSON_AddNumberToObject(o, "stabilizationWindowSeconds", (double)(r->stabilization_ms / 1000));
    cJSON_AddStringToObject(o, "selectPolicy", select_names[r->select_policy]);
    cJSON *ps = cJSON_AddArrayToObject(o, "policies");
    for (size_t i = 0; i < r->n_policies; i++) {
        const struct ebb_rate_policy *p = &r->policies[i];
        cJSON *po = cJSON_CreateObject();
        cJSON_AddItemToArray(ps, po);
        cJSON_AddStringToObject(po, "type", p->type == EBB_RATE_PODS ? "Pods" : "Percent");
        cJSON_AddNumberToObject(po, "value", p->value);
        cJSON_AddNumberToObject(po, "periodSeconds", (double)(p->period_ms / 1000));
    }
    if (r->tolerance.milli != tol->milli)
        cJSON_AddItemToObject(o, "tolerance", quantity(r->tolerance.milli));
    return true;
}

static bool spec_json(const struct ebbt_scale_world *w, cJSON *spec, struct why *y)
{
    const struct ebb_policy_spec *s = &w->spec;
    const struct ebb_behavior *b = &s->behavior;
    cJSON *ref = cJSON_AddObjectToObject(spec, "targetRef");
    cJSON_AddStringToObject(ref, "apiVersion", "apps/v1");
    cJSON_AddStringToObject(ref, "kind", "Deployment");
    cJSON_AddStringToObject(ref, "name", "web");
    cJSON_AddNumberToObject(spec, "minReplicas", s->min_replicas);
    cJSON_AddNumberToObject(spec, "maxReplicas", s->max_replicas);
    if (s->n_schedules > 0 || s->channel_ports.set || s->paused || s->sync_period_ms != EBB_UNSET)
        return fail(y, "schedules, ports, pause or a sync period: not an HPA case");
    cJSON *ms = cJSON_AddArrayToObject(spec, "metrics");
    for (size_t i = 0; i < s->n_metrics; i++)
        if (!metric_json(&s->metrics[i], ms, y))
            return false;
    if (!b->set) {
        /* config.tolerance carries it (project_tolerance). */
        if (b->scale_up.tolerance.milli != w->config.tolerance_milli ||
            b->scale_down.tolerance.milli != w->config.tolerance_milli)
            return fail(y, "a tolerance without spec.behavior");
        return true;
    }
    cJSON *bo = cJSON_AddObjectToObject(spec, "behavior");
    if (b->tolerance.milli != 100)
        cJSON_AddItemToObject(bo, "tolerance", quantity(b->tolerance.milli));
    return rules_json(&b->scale_up, &b->tolerance, cJSON_AddObjectToObject(bo, "scaleUp"), y) &&
           rules_json(&b->scale_down, &b->tolerance, cJSON_AddObjectToObject(bo, "scaleDown"), y);
}

static void status_json(const struct ebb_history *h, cJSON *policy)
{
    if (h->n_recs == 0 && h->n_events == 0)
        return;
    cJSON *st = cJSON_AddObjectToObject(policy, "status");
    if (h->n_recs > 0) {
        cJSON *a = cJSON_AddArrayToObject(st, "recommendations");
        for (size_t i = 0; i < h->n_recs; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToArray(a, o);
            cJSON_AddItemToObject(o, "time", instant(h->recs[i].time_ms));
            cJSON_AddNumberToObject(o, "replicas", h->recs[i].replicas);
        }
    }
    if (h->n_events > 0) {
        cJSON *a = cJSON_AddArrayToObject(st, "scaleEvents");
        for (size_t i = 0; i < h->n_events; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToArray(a, o);
            cJSON_AddItemToObject(o, "time", instant(h->events[i].time_ms));
            cJSON_AddNumberToObject(o, "from", h->events[i].from);
            cJSON_AddNumberToObject(o, "to", h->events[i].to);
        }
    }
}

static void pods_json(const struct ebbt_scale_world *w, cJSON *in)
{
    cJSON *arr = cJSON_AddArrayToObject(in, "pods");
    for (size_t i = 0; i < w->in.n_pods; i++) {
        const struct ebb_pod *p = &w->pods[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "name", p->name);
        cJSON_AddStringToObject(o, "phase", phase_names[p->phase]);
        if (p->has_ready_condition)
            cJSON_AddBoolToObject(o, "ready", p->ready);
        if (p->start_ms != EBB_TIME_UNSET)
            cJSON_AddItemToObject(o, "startTime", instant(p->start_ms));
        if (p->ready_transition_ms != EBB_TIME_UNSET)
            cJSON_AddItemToObject(o, "readyTransitionTime", instant(p->ready_transition_ms));
        if (p->deleting)
            cJSON_AddBoolToObject(o, "deleting", true);
    }
}

static void observations_json(const struct ebbt_scale_world *w, cJSON *in)
{
    cJSON *obj = cJSON_AddObjectToObject(in, "metrics");
    for (size_t m = 0; m < w->spec.n_metrics; m++) {
        const struct ebb_metric_spec *ms = &w->metrics[m];
        const struct ebb_metric_obs *o = &w->obs[m];
        cJSON *mo = cJSON_AddObjectToObject(obj, ms->name);
        if (o->error != NULL) {
            cJSON_AddStringToObject(mo, "error", o->error);
            continue;
        }
        if (ms->type == EBB_METRIC_EXTERNAL || ms->type == EBB_METRIC_PROMETHEUS) {
            if (isnan(o->value))
                cJSON_AddStringToObject(mo, "value", "NaN");
            else if (isinf(o->value))
                cJSON_AddStringToObject(mo, "value", o->value > 0 ? "+Inf" : "-Inf");
            else
                cJSON_AddNumberToObject(mo, "value", o->value);
            continue;
        }
        bool resource = ms->type == EBB_METRIC_RESOURCE;
        cJSON *pods = cJSON_AddObjectToObject(mo, "pods");
        for (size_t p = 0; p < w->in.n_pods; p++) {
            const struct ebb_pod_sample *s = &w->samples[m][p];
            if (!s->present)
                continue;
            cJSON *so = cJSON_AddObjectToObject(pods, w->pods[p].name);
            cJSON_AddItemToObject(so, resource ? "usage" : "value", quantity(s->value_milli));
            if (resource && s->request_milli > 0)
                cJSON_AddItemToObject(so, "request", quantity(s->request_milli));
            if (s->timestamp_ms != w->in.now_ms)
                cJSON_AddItemToObject(so, "timestamp", instant(s->timestamp_ms));
            if (s->window_ms != 30 * EBBT_SEC)
                cJSON_AddItemToObject(so, "window", duration(s->window_ms));
        }
    }
}

static void config_json(const struct ebb_scale_config *c, cJSON *in)
{
    struct ebb_scale_config def;
    ebb_scale_config_default(&def);
    cJSON *o = cJSON_CreateObject();
    if (c->cpu_initialization_period_ms != def.cpu_initialization_period_ms)
        cJSON_AddItemToObject(o, "cpuInitializationPeriod",
                              duration(c->cpu_initialization_period_ms));
    if (c->initial_readiness_delay_ms != def.initial_readiness_delay_ms)
        cJSON_AddItemToObject(o, "initialReadinessDelay", duration(c->initial_readiness_delay_ms));
    if (c->downscale_stabilization_ms != def.downscale_stabilization_ms)
        cJSON_AddItemToObject(o, "downscaleStabilization", duration(c->downscale_stabilization_ms));
    if (c->tolerance_milli != def.tolerance_milli)
        cJSON_AddItemToObject(o, "tolerance", quantity(c->tolerance_milli));
    if (c->sync_period_ms != def.sync_period_ms)
        cJSON_AddItemToObject(o, "syncPeriod", duration(c->sync_period_ms));
    if (cJSON_GetArraySize(o) > 0)
        cJSON_AddItemToObject(in, "config", o);
    else
        cJSON_Delete(o);
}

/* The `ebb decide` input for a (projected) world. */
static cJSON *input_json(const struct ebbt_scale_world *w, struct why *y)
{
    cJSON *in = cJSON_CreateObject();
    cJSON_AddItemToObject(in, "now", instant(w->in.now_ms));
    cJSON *pol = cJSON_AddObjectToObject(in, "policy");
    cJSON_AddStringToObject(pol, "apiVersion", "ebb.dev/v1alpha1");
    cJSON_AddStringToObject(pol, "kind", "ScalingPolicy");
    cJSON *meta = cJSON_AddObjectToObject(pol, "metadata");
    cJSON_AddStringToObject(meta, "name", "web");
    cJSON_AddStringToObject(meta, "namespace", "default");
    cJSON_AddNumberToObject(meta, "generation", 1);
    if (w->in.paused || w->in.port_capacity != EBB_UNSET ||
        !spec_json(w, cJSON_AddObjectToObject(pol, "spec"), y)) {
        if (y->msg[0] == '\0')
            fail(y, "paused or a port capacity: not an HPA case");
        cJSON_Delete(in);
        return NULL;
    }
    status_json(&w->history, pol);
    cJSON *t = cJSON_AddObjectToObject(in, "target");
    cJSON_AddNumberToObject(t, "replicas", w->in.current_replicas);
    if (w->in.status_replicas != w->in.current_replicas)
        cJSON_AddNumberToObject(t, "statusReplicas", w->in.status_replicas);
    pods_json(w, in);
    observations_json(w, in);
    config_json(&w->config, in);
    return in;
}

/* ------------------------------------------------------------------ */
/* 6. files                                                            */
/* ------------------------------------------------------------------ */

/* "TestReplicaCalcScaleUpCM/a b" -> "replica-calc-scale-up-cm-a-b". */
static void slug(const char *name, char *out, size_t outsz)
{
    size_t n = 0;
    const char *s = strncmp(name, "Test", 4) == 0 ? name + 4 : name;
    bool dash = false;
    for (size_t i = 0; s[i] != '\0' && n + 2 < outsz; i++) {
        char c = s[i];
        bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z',
             digit = c >= '0' && c <= '9';
        if (!upper && !lower && !digit) {
            dash = n > 0;
            continue;
        }
        if (strncmp(s + i, "NaN", 3) == 0) { /* one word, not "na-n" */
            if (n > 0 && out[n - 1] != '-')
                out[n++] = '-';
            if (n + 4 < outsz)
                n += (size_t)snprintf(out + n, outsz - n, "nan");
            i += 2;
            dash = true;
            continue;
        }
        /* A word starts at an upper-case letter after a lower-case one or a
         * digit, or at the last capital of an acronym ("CMExternal"). */
        if (upper && i > 0) {
            char p = s[i - 1], q = s[i + 1];
            bool p_lower = (p >= 'a' && p <= 'z') || (p >= '0' && p <= '9');
            bool p_upper = p >= 'A' && p <= 'Z';
            if (p_lower || (p_upper && q >= 'a' && q <= 'z'))
                dash = n > 0;
        }
        if (dash && out[n - 1] != '-')
            out[n++] = '-';
        dash = false;
        out[n++] = upper ? (char)(c - 'A' + 'a') : c;
    }
    out[n] = '\0';
}

/* cJSON indents with tabs; the fixtures use one space (tabs inside strings
 * are escaped, so every raw tab is layout). */
static char *print_json(const cJSON *o)
{
    char *s = cJSON_Print(o);
    for (char *p = s; p != NULL && *p != '\0'; p++)
        if (*p == '\t')
            *p = ' ';
    return s;
}

static bool write_file(const char *dir, const char *slugged, const cJSON *doc)
{
    char path[512];
    bool ok = false;
    char *text = print_json(doc);
    FILE *f = NULL;
    snprintf(path, sizeof(path), "%s/hpa-%s.json", dir, slugged);
    if (text == NULL || (f = fopen(path, "w")) == NULL) {
        fprintf(stderr, "gen_decide_fixtures: cannot write %s\n", path);
        goto out;
    }
    ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
out:
    if (f != NULL && fclose(f) != 0)
        ok = false;
    cJSON_free(text);
    return ok;
}

/* Removes the hpa-*.json files of dir that this program wrote. */
static int remove_generated(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "hpa-", 4) != 0 || len < 5 ||
            strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char path[1024], buf[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t got = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[got] = '\0';
        if (strstr(buf, "\"generatedBy\": \"" GENERATED_BY "\"") != NULL && remove(path) == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* ------------------------------------------------------------------ */
/* 7. the rows                                                         */
/* ------------------------------------------------------------------ */

struct run {
    const char *dir;
    char seen[256][160]; /* slugs written, to refuse duplicates */
    int n_written, n_skipped, n_errors;
    struct ebb_decision *d;
};

/* Writes the fixture for a projected world and its expectations. */
static void emit(struct run *r, const char *table, const char *name, struct ebbt_scale_world *w,
                 cJSON *expect)
{
    struct why y = {{0}};
    char s[160];
    cJSON *in = input_json(w, &y);
    if (in == NULL) {
        fprintf(stderr, "skip %s: %s\n", name, y.msg);
        r->n_skipped++;
        cJSON_Delete(expect);
        return;
    }
    slug(name, s, sizeof(s));
    for (int i = 0; i < r->n_written; i++)
        if (strcmp(r->seen[i], s) == 0) {
            fprintf(stderr, "error %s: file name hpa-%s.json is taken\n", name, s);
            r->n_errors++;
            cJSON_Delete(in);
            cJSON_Delete(expect);
            return;
        }
    cJSON *doc = cJSON_CreateObject();
    char src[256];
    snprintf(src, sizeof(src), "tests/unit/hpa_cases.h %s", table);
    cJSON_AddStringToObject(doc, "case", name);
    cJSON_AddStringToObject(doc, "source", src);
    cJSON_AddStringToObject(doc, "generatedBy", GENERATED_BY);
    cJSON_AddItemToObject(doc, "input", in);
    cJSON_AddItemToObject(doc, "expect", expect);
    if (write_file(r->dir, s, doc) && r->n_written < (int)COUNT(r->seen)) {
        snprintf(r->seen[r->n_written], sizeof(r->seen[0]), "%s", s);
        r->n_written++;
    } else {
        r->n_errors++;
    }
    cJSON_Delete(doc);
}

/* Checks the expectations against the core on the projected world, which is
 * what `ebb decide` will see: a mismatch is a bug in this program or the
 * core, not in the JSON path. */
static bool expect_holds(const cJSON *expect, const struct ebb_decision *d, struct why *y)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, expect)
    {
        const char *k = e->string;
        char got[64] = "";
        char want[64];
        if (cJSON_IsString(e))
            snprintf(want, sizeof(want), "%s", e->valuestring);
        else if (cJSON_IsBool(e))
            snprintf(want, sizeof(want), "%s", cJSON_IsTrue(e) ? "true" : "false");
        else
            snprintf(want, sizeof(want), "%.0f", e->valuedouble);
        const struct ebb_metric_result *m0 = &d->metrics[0];
        if (strcmp(k, "desiredReplicas") == 0)
            snprintf(got, sizeof(got), "%" PRId32, d->desired);
        else if (strcmp(k, "recommendation") == 0)
            snprintf(got, sizeof(got), "%" PRId32, d->recommendation);
        else if (strcmp(k, "stabilized") == 0)
            snprintf(got, sizeof(got), "%" PRId32, d->stabilized);
        else if (strcmp(k, "metrics.0.valid") == 0)
            snprintf(got, sizeof(got), "%s", m0->valid ? "true" : "false");
        else if (strcmp(k, "metrics.0.rawProposal") == 0)
            snprintf(got, sizeof(got), "%" PRId32, m0->raw_proposal);
        else if (strcmp(k, "metrics.0.value") == 0)
            ebb_quantity_format(m0->value_milli, got, sizeof(got));
        else
            for (int t = 0; t < EBB_COND_TYPE__COUNT; t++) {
                char key[64];
                const struct ebb_cond_out *c = &d->conditions[t];
                snprintf(key, sizeof(key), "conditions.%s.reason",
                         ebb_cond_type_name((enum ebb_cond_type)t));
                if (strcmp(k, key) == 0)
                    snprintf(got, sizeof(got), "%s", c->reason ? c->reason : "");
                snprintf(key, sizeof(key), "conditions.%s.status",
                         ebb_cond_type_name((enum ebb_cond_type)t));
                if (strcmp(k, key) == 0)
                    snprintf(got, sizeof(got), "%s", c->status == EBB_COND_TRUE ? "True" : "False");
            }
        if (strcmp(got, want) != 0)
            return fail(y, "%s: the table says %s, the core %s", k, want, got);
    }
    return true;
}

static void rc_row(struct run *r, const struct rc_case *c)
{
    struct why y = {{0}};
    int32_t want;
    struct ebbt_scale_world *w = rc_world(c, &want);
    cJSON *expect = NULL;
    if (!decide(w, r->d, &y) || !rc_holds(c, want, r->d, &y)) {
        fprintf(stderr, "error %s: the C API disagrees with the table: %s\n", c->name, y.msg);
        r->n_errors++;
        goto out;
    }
    if (!project_rc(w, &y) || !decide(w, r->d, &y) || !rc_holds(c, want, r->d, &y)) {
        fprintf(stderr, "skip %s: %s\n", c->name, y.msg);
        r->n_skipped++;
        goto out;
    }
    expect = cJSON_CreateObject();
    if (want < 0) {
        cJSON_AddBoolToObject(expect, "metrics.0.valid", false);
        cJSON_AddNumberToObject(expect, "desiredReplicas", w->in.current_replicas);
    } else {
        cJSON_AddNumberToObject(expect, "desiredReplicas", hpa_desired(w, want));
        cJSON_AddNumberToObject(expect, "metrics.0.rawProposal", want);
        if (c->want_value != NO_CHECK)
            cJSON_AddItemToObject(expect, "metrics.0.value", quantity(c->want_value));
    }
    if (!expect_holds(expect, r->d, &y)) {
        fprintf(stderr, "error %s: %s\n", c->name, y.msg);
        r->n_errors++;
        goto out;
    }
    emit(r, "rc_cases", c->name, w, expect);
    expect = NULL;
out:
    cJSON_Delete(expect);
    ebbt_scale_world_free(w);
}

static void rules_row(struct run *r, const struct rules_case *c)
{
    struct why y = {{0}};
    int32_t want;
    struct ebbt_scale_world *w = rules_world(c, &want);
    cJSON *expect = NULL;
    if (!decide(w, r->d, &y) || !rules_holds(c, want, r->d, &y)) {
        fprintf(stderr, "error %s: the C API disagrees with the table: %s\n", c->name, y.msg);
        r->n_errors++;
        goto out;
    }
    if (!project_samples(w, &y) || !decide(w, r->d, &y) || !rules_holds(c, want, r->d, &y)) {
        fprintf(stderr, "skip %s: %s\n", c->name, y.msg);
        r->n_skipped++;
        goto out;
    }
    expect = cJSON_CreateObject();
    cJSON_AddNumberToObject(expect, "desiredReplicas", want);
    if (c->cur <= c->max && c->cur >= c->min) {
        cJSON_AddNumberToObject(expect, "recommendation", c->desired);
        cJSON_AddNumberToObject(expect, "stabilized", c->desired);
    }
    cJSON_AddStringToObject(expect, "conditions.ScalingLimited.reason", c->cond);
    cJSON_AddStringToObject(expect, "conditions.ScalingLimited.status",
                            strcmp(c->cond, "DesiredWithinRange") == 0 ? "False" : "True");
    if (!expect_holds(expect, r->d, &y)) {
        fprintf(stderr, "error %s: %s\n", c->name, y.msg);
        r->n_errors++;
        goto out;
    }
    emit(r, "rules_cases", c->name, w, expect);
    expect = NULL;
out:
    cJSON_Delete(expect);
    ebbt_scale_world_free(w);
}

static void stab_row(struct run *r, const struct stab_case *c)
{
    struct why y = {{0}};
    struct ebbt_scale_world *w = stab_world(c);
    cJSON *expect = NULL;
    if (!decide(w, r->d, &y) || !stab_holds(c, r->d, &y)) {
        fprintf(stderr, "error %s: the C API disagrees with the table: %s\n", c->name, y.msg);
        r->n_errors++;
        goto out;
    }
    if (!project_samples(w, &y) || !project_tolerance(w, false, &y) || !decide(w, r->d, &y) ||
        !stab_holds(c, r->d, &y)) {
        fprintf(stderr, "skip %s: %s\n", c->name, y.msg);
        r->n_skipped++;
        goto out;
    }
    expect = cJSON_CreateObject();
    cJSON_AddNumberToObject(expect, "desiredReplicas", hpa_desired(w, c->want));
    cJSON_AddNumberToObject(expect, "recommendation", c->desired);
    cJSON_AddNumberToObject(expect, "stabilized", c->want);
    cJSON_AddStringToObject(expect, "conditions.AbleToScale.reason",
                            hpa_able(w, c->desired, c->want));
    if (!expect_holds(expect, r->d, &y)) {
        fprintf(stderr, "error %s: %s\n", c->name, y.msg);
        r->n_errors++;
        goto out;
    }
    emit(r, "stab_cases", c->name, w, expect);
    expect = NULL;
out:
    cJSON_Delete(expect);
    ebbt_scale_world_free(w);
}

int main(int argc, char **argv)
{
    int ret = 1;
    struct run *r = calloc(1, sizeof(*r));
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR   (DIR is tests/fixtures/decide)\n", argv[0]);
        ret = 2;
        goto out;
    }
    if (r == NULL || (r->d = malloc(sizeof(*r->d))) == NULL) {
        fprintf(stderr, "gen_decide_fixtures: out of memory\n");
        goto out;
    }
    r->dir = argv[1];
    int removed = remove_generated(r->dir);
    if (removed < 0) {
        fprintf(stderr, "gen_decide_fixtures: cannot read %s\n", r->dir);
        goto out;
    }
    for (size_t i = 0; i < COUNT(rc_cases); i++)
        rc_row(r, &rc_cases[i]);
    for (size_t i = 0; i < COUNT(rules_cases); i++)
        rules_row(r, &rules_cases[i]);
    for (size_t i = 0; i < COUNT(stab_cases); i++)
        stab_row(r, &stab_cases[i]);
    fprintf(stderr,
            "gen_decide_fixtures: %zu rows: %d written to %s (%d old files removed), %d skipped, "
            "%d errors\n",
            COUNT(rc_cases) + COUNT(rules_cases) + COUNT(stab_cases), r->n_written, r->dir, removed,
            r->n_skipped, r->n_errors);
    ret = r->n_errors > 0 ? 1 : 0;
out:
    if (r != NULL)
        free(r->d);
    free(r);
    return ret;
}
