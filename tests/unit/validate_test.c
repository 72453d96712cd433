/* validate_test.c -- pkg/api/v1alpha1/validate.c: every rule, with its path
 * and message, on policies built in C; then every file of
 * tests/fixtures/policies/ through the codec, defaults and validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/codec.h"
#include "../../pkg/api/v1alpha1/defaults.h"
#include "../../pkg/api/v1alpha1/validate.h"
#include "../../pkg/base/errlist.h"

#define FIXTURES "tests/fixtures/policies"
#define COUNT(t) (sizeof(t) / sizeof(*(t)))

/* 2026-11-27T00:00:00Z and 2026-11-30T23:59:59Z */
#define BF_START_MS 1795737600000LL
#define BF_END_MS 1796083199000LL

/* ---- a valid policy that uses every feature --------------------------- */

enum { M_CPU, M_RPS, M_QUEUE, M_INFLIGHT, N_METRICS };
enum { S_NIGHT, S_BF, N_SCHEDULES };

static char *S(struct ebb_policy *p, const char *s)
{
    char *r = ebb_arena_strdup(&p->arena, s);
    assert_non_null(r);
    return r;
}

static void *A(struct ebb_policy *p, size_t n, size_t size)
{
    void *r = ebb_arena_calloc(&p->arena, n, size);
    assert_non_null(r);
    return r;
}

static void metric_init(struct ebb_metric_spec *m)
{
    memset(m, 0, sizeof(*m));
    m->target.average_utilization = EBB_UNSET;
    m->scale_up.for_ms = EBB_UNSET;
    m->scale_down.for_ms = EBB_UNSET;
}

static void schedule_init(struct ebb_schedule *s)
{
    memset(s, 0, sizeof(*s));
    s->duration_ms = EBB_UNSET;
    s->start_ms = EBB_TIME_UNSET;
    s->end_ms = EBB_TIME_UNSET;
    s->min_replicas = EBB_UNSET;
    s->max_replicas = EBB_UNSET;
}

static struct ebb_quantity Q(int64_t milli) {
    struct ebb_quantity q = {milli, true};
    return q;
}

static struct ebb_rate_policy *
rate_policies(struct ebb_policy *p, size_t n)
{
    struct ebb_rate_policy *r = A(p, n, sizeof(*r));
    for (size_t i = 0; i < n; i++) {
        r[i].type = EBB_RATE_PODS;
        r[i].value = 4;
        r[i].period_ms = 60000;
    }
    return r;
}

static void build_valid(struct ebb_policy *p)
{
    struct ebb_policy_spec *s = &p->spec;

    ebb_policy_init(p);
    p->api_version = S(p, EBB_API_VERSION);
    p->kind = S(p, EBB_KIND);
    p->metadata.name = S(p, "flow8");
    p->metadata.namespace_ = S(p, "flow8");
    s->target_ref.api_version = S(p, "apps/v1");
    s->target_ref.kind = S(p, "StatefulSet");
    s->target_ref.name = S(p, "flow8");
    s->min_replicas = 2;
    s->max_replicas = 10;
    s->sync_period_ms = 15000;

    s->n_metrics = N_METRICS;
    s->metrics = A(p, N_METRICS, sizeof(*s->metrics));
    for (size_t i = 0; i < N_METRICS; i++)
        metric_init(&s->metrics[i]);

    struct ebb_metric_spec *m = &s->metrics[M_CPU];
    m->name = S(p, "cpu");
    m->type = EBB_METRIC_RESOURCE;
    m->resource.name = S(p, "cpu");
    m->resource.container = S(p, "app");
    m->resource.set = true;
    m->target.type = EBB_TARGET_UTILIZATION;
    m->target.average_utilization = 60;
    m->scale_up = (struct ebb_band){Q(70000), 300000, true};
    m->scale_down = (struct ebb_band){Q(30000), 900000, true};

    m = &s->metrics[M_RPS];
    m->name = S(p, "rps");
    m->type = EBB_METRIC_PROMETHEUS;
    m->prometheus.address = S(p, "http://prometheus.monitoring:9090");
    m->prometheus.query = S(p, "sum(rate(http_requests_total{app=\"flow8\"}[1m]))");
    m->prometheus.set = true;
    m->target.type = EBB_TARGET_AVERAGE_VALUE;
    m->target.average_value = Q(100000);

    m = &s->metrics[M_QUEUE];
    m->name = S(p, "queue");
    m->type = EBB_METRIC_EXTERNAL;
    m->external.metric_name = S(p, "queue_depth");
    m->external.selector.set = true;
    m->external.selector.n_match_labels = 1;
    m->external.selector.match_labels = A(p, 1, sizeof(struct ebb_kv));
    m->external.selector.match_labels[0].key = S(p, "queue");
    m->external.selector.match_labels[0].value = S(p, "jobs");
    m->external.set = true;
    m->target.type = EBB_TARGET_AVERAGE_VALUE;
    m->target.average_value = Q(100000);

    m = &s->metrics[M_INFLIGHT];
    m->name = S(p, "inflight");
    m->type = EBB_METRIC_PODS;
    m->pods.metric_name = S(p, "http_inflight_requests");
    m->pods.selector.set = true;
    m->pods.selector.n_match_expressions = 2;
    m->pods.selector.match_expressions = A(p, 2, sizeof(struct ebb_selector_req));
    struct ebb_selector_req *r = m->pods.selector.match_expressions;
    r[0].key = S(p, "zone");
    r[0].op = EBB_SELECTOR_IN;
    r[0].n_values = 2;
    r[0].values = A(p, 2, sizeof(char *));
    r[0].values[0] = S(p, "a");
    r[0].values[1] = S(p, "b");
    r[1].key = S(p, "canary");
    r[1].op = EBB_SELECTOR_DOES_NOT_EXIST;
    m->pods.set = true;
    m->target.type = EBB_TARGET_AVERAGE_VALUE;
    m->target.average_value = Q(500);

    struct ebb_behavior *b = &s->behavior;
    b->set = true;
    b->tolerance = Q(100);
    b->scale_up.set = true;
    b->scale_up.stabilization_ms = 0;
    b->scale_up.cooldown_ms = 180000;
    b->scale_up.select_policy = EBB_SELECT_MAX;
    b->scale_up.policies = rate_policies(p, 2);
    b->scale_up.policies[0].type = EBB_RATE_PERCENT;
    b->scale_up.policies[0].value = 50;
    b->scale_up.n_policies = 2;
    b->scale_up.policies_set = true;
    b->scale_down.set = true;
    b->scale_down.stabilization_ms = 300000;
    b->scale_down.cooldown_ms = 900000;
    b->scale_down.select_policy = EBB_SELECT_MAX;
    b->scale_down.policies = rate_policies(p, 1);
    b->scale_down.policies[0].value = 1;
    b->scale_down.n_policies = 1;
    b->scale_down.policies_set = true;

    s->n_schedules = N_SCHEDULES;
    s->schedules = A(p, N_SCHEDULES, sizeof(*s->schedules));
    struct ebb_schedule *sc = &s->schedules[S_NIGHT];
    schedule_init(sc);
    sc->name = S(p, "night");
    sc->cron = S(p, "0 22 * * *");
    sc->duration_ms = 8 * 3600 * 1000LL;
    sc->time_zone = S(p, "Europe/Berlin");
    sc->min_replicas = 1;
    sc->max_replicas = 3;
    sc = &s->schedules[S_BF];
    schedule_init(sc);
    sc->name = S(p, "black-friday");
    sc->start_ms = BF_START_MS;
    sc->end_ms = BF_END_MS;
    sc->min_replicas = 8;

    s->channel_ports.set = true;
    s->channel_ports.pool = S(p, "flow8");
    s->channel_ports.base = 7700;
    s->channel_ports.range_size = 100;
    s->channel_ports.limit = 8699;
}

/* ---- helpers ----------------------------------------------------------- */

static void dump(const struct ebb_errlist *errs)
{
    for (size_t i = 0; i < errs->n; i++)
        print_message("    %s: %s\n", errs->items[i].path, errs->items[i].message);
}

static bool has_error(const struct ebb_errlist *errs, const char *path, const char *frag)
{
    for (size_t i = 0; i < errs->n; i++)
        if (strcmp(errs->items[i].path, path) == 0 && strstr(errs->items[i].message, frag))
            return true;
    return false;
}

/* ---- the table of rules ------------------------------------------------- */

static struct ebb_metric_spec *M(struct ebb_policy *p, size_t i)
{
    return &p->spec.metrics[i];
}
static struct ebb_schedule *SC(struct ebb_policy *p, size_t i)
{
    return &p->spec.schedules[i];
}

static void m_name_missing(struct ebb_policy *p)
{
    p->metadata.name = NULL;
}
static void m_name_bad(struct ebb_policy *p)
{
    p->metadata.name = S(p, "Web_App");
}
static void m_name_long(struct ebb_policy *p)
{
    char n[255];
    memset(n, 'a', sizeof(n) - 1);
    n[sizeof(n) - 1] = '\0';
    p->metadata.name = S(p, n);
}
static void m_name_dots(struct ebb_policy *p)
{
    p->metadata.name = S(p, "web..shop");
}
static void m_name_subdomain_ok(struct ebb_policy *p)
{
    p->metadata.name = S(p, "web-1.shop.example");
}
static void m_api_missing(struct ebb_policy *p)
{
    p->spec.target_ref.api_version = NULL;
}
static void m_api_bad(struct ebb_policy *p)
{
    p->spec.target_ref.api_version = S(p, "apps/v1beta1");
}
static void m_kind_missing(struct ebb_policy *p)
{
    p->spec.target_ref.kind = S(p, "");
}
static void m_kind_bad(struct ebb_policy *p)
{
    p->spec.target_ref.kind = S(p, "Job");
}
static void m_kind_deployment(struct ebb_policy *p)
{
    p->spec.target_ref.kind = S(p, "Deployment");
}
static void m_tname_missing(struct ebb_policy *p)
{
    p->spec.target_ref.name = NULL;
}
static void m_tname_bad(struct ebb_policy *p)
{
    p->spec.target_ref.name = S(p, "flow8/web");
}
static void m_max_missing(struct ebb_policy *p)
{
    p->spec.max_replicas = EBB_UNSET;
}
static void m_max_zero(struct ebb_policy *p)
{
    p->spec.max_replicas = 0;
    p->spec.min_replicas = 0;
}
static void m_max_big(struct ebb_policy *p)
{
    p->spec.max_replicas = EBB_MAX_REPLICAS + 1;
}
static void m_max_limit(struct ebb_policy *p)
{
    p->spec.max_replicas = EBB_MAX_REPLICAS;
    p->spec.channel_ports.set = false;
}
static void m_min_negative(struct ebb_policy *p)
{
    p->spec.min_replicas = -2;
}
static void m_min_gt_max(struct ebb_policy *p)
{
    p->spec.min_replicas = 11;
}
static void m_min_eq_max(struct ebb_policy *p)
{
    p->spec.min_replicas = 10;
}
static void m_min_zero_resource(struct ebb_policy *p)
{
    p->spec.min_replicas = 0;
    p->spec.n_metrics = 1;
}
static void m_min_zero_pods(struct ebb_policy *p)
{
    p->spec.min_replicas = 0;
    p->spec.metrics = &p->spec.metrics[M_INFLIGHT];
    p->spec.n_metrics = 1;
}
static void m_min_zero_external(struct ebb_policy *p)
{
    p->spec.min_replicas = 0;
}
static void m_min_zero_prometheus(struct ebb_policy *p)
{
    p->spec.min_replicas = 0;
    p->spec.metrics = &p->spec.metrics[M_RPS];
    p->spec.n_metrics = 1;
}
static void m_no_metrics(struct ebb_policy *p)
{
    p->spec.n_metrics = 0;
    p->spec.metrics = NULL;
}
static void m_many_metrics(struct ebb_policy *p)
{
    size_t n = EBB_MAX_METRICS + 1;
    struct ebb_metric_spec *ms = A(p, n, sizeof(*ms));
    for (size_t i = 0; i < n; i++) {
        char name[16];
        ms[i] = p->spec.metrics[M_CPU];
        snprintf(name, sizeof(name), "cpu%zu", i);
        ms[i].name = S(p, name);
    }
    p->spec.metrics = ms;
    p->spec.n_metrics = n;
}
static void m_metric_name_missing(struct ebb_policy *p)
{
    M(p, M_RPS)->name = NULL;
}
static void m_metric_name_bad(struct ebb_policy *p)
{
    M(p, M_RPS)->name = S(p, "Requests_Per_Second");
}
static void m_metric_name_dup(struct ebb_policy *p)
{
    M(p, M_QUEUE)->name = S(p, "cpu");
}
static void m_metric_type_missing(struct ebb_policy *p)
{
    M(p, M_CPU)->type = EBB_METRIC_TYPE_UNSET;
}
static void m_metric_type_range(struct ebb_policy *p)
{
    M(p, M_CPU)->type = (enum ebb_metric_type)99;
}
static void m_source_missing(struct ebb_policy *p)
{
    M(p, M_CPU)->resource.set = false;
}
static void m_source_extra(struct ebb_policy *p)
{
    M(p, M_CPU)->pods.set = true;
    M(p, M_CPU)->pods.metric_name = S(p, "x");
}
static void m_resource_name_missing(struct ebb_policy *p)
{
    M(p, M_CPU)->resource.name = NULL;
}
static void m_resource_container_bad(struct ebb_policy *p)
{
    M(p, M_CPU)->resource.container = S(p, "App Container");
}
static void m_pods_name_missing(struct ebb_policy *p)
{
    M(p, M_INFLIGHT)->pods.metric_name = NULL;
}
static void m_external_name_missing(struct ebb_policy *p)
{
    M(p, M_QUEUE)->external.metric_name = S(p, "");
}
static void m_query_missing(struct ebb_policy *p)
{
    M(p, M_RPS)->prometheus.query = NULL;
}
static void m_address_scheme(struct ebb_policy *p)
{
    M(p, M_RPS)->prometheus.address = S(p, "prometheus:9090");
}
static void m_address_space(struct ebb_policy *p)
{
    M(p, M_RPS)->prometheus.address = S(p, "http://prometheus :9090");
}
static void m_address_no_host(struct ebb_policy *p)
{
    M(p, M_RPS)->prometheus.address = S(p, "https:///api");
}
static void m_address_absent(struct ebb_policy *p)
{
    M(p, M_RPS)->prometheus.address = NULL;
}
static void m_sel_in_no_values(struct ebb_policy *p)
{
    M(p, M_INFLIGHT)->pods.selector.match_expressions[0].n_values = 0;
}
static void m_sel_exists_values(struct ebb_policy *p)
{
    struct ebb_selector_req *r = &M(p, M_INFLIGHT)->pods.selector.match_expressions[1];
    r->values = M(p, M_INFLIGHT)->pods.selector.match_expressions[0].values;
    r->n_values = 1;
}
static void m_sel_no_op(struct ebb_policy *p)
{
    M(p, M_INFLIGHT)->pods.selector.match_expressions[1].op = EBB_SELECTOR_OP_UNSET;
}
static void m_sel_op_range(struct ebb_policy *p)
{
    M(p, M_INFLIGHT)->pods.selector.match_expressions[1].op = (enum ebb_selector_op)9;
}
static void m_sel_no_key(struct ebb_policy *p)
{
    M(p, M_INFLIGHT)->pods.selector.match_expressions[0].key = NULL;
}
static void m_target_type_missing(struct ebb_policy *p)
{
    M(p, M_CPU)->target.type = EBB_TARGET_TYPE_UNSET;
}
static void m_target_util_for_pods(struct ebb_policy *p)
{
    struct ebb_metric_target *t = &M(p, M_INFLIGHT)->target;
    t->type = EBB_TARGET_UTILIZATION;
    t->average_utilization = 50;
    t->average_value.set = false;
}
static void m_target_value_for_resource(struct ebb_policy *p)
{
    struct ebb_metric_target *t = &M(p, M_CPU)->target;
    t->type = EBB_TARGET_VALUE;
    t->value = Q(5000);
    t->average_utilization = EBB_UNSET;
}
static void m_target_value_for_external(struct ebb_policy *p)
{
    struct ebb_metric_target *t = &M(p, M_QUEUE)->target;
    t->type = EBB_TARGET_VALUE;
    t->value = Q(30000);
    t->average_value.set = false;
}
static void m_target_avg_for_resource(struct ebb_policy *p)
{
    struct ebb_metric_target *t = &M(p, M_CPU)->target;
    t->type = EBB_TARGET_AVERAGE_VALUE;
    t->average_value = Q(250);
    t->average_utilization = EBB_UNSET;
    M(p, M_CPU)->scale_up.set = false;
    M(p, M_CPU)->scale_down.set = false;
}
static void m_util_missing(struct ebb_policy *p)
{
    M(p, M_CPU)->target.average_utilization = EBB_UNSET;
}
static void m_util_zero(struct ebb_policy *p)
{
    M(p, M_CPU)->target.average_utilization = 0;
}
static void m_avg_zero(struct ebb_policy *p)
{
    M(p, M_RPS)->target.average_value = Q(0);
}
static void m_avg_negative(struct ebb_policy *p)
{
    M(p, M_RPS)->target.average_value = Q(-5000);
}
static void m_avg_missing(struct ebb_policy *p)
{
    M(p, M_RPS)->target.average_value.set = false;
}
static void m_value_missing(struct ebb_policy *p)
{
    M(p, M_QUEUE)->target.type = EBB_TARGET_VALUE;
    M(p, M_QUEUE)->target.average_value.set = false;
}
static void m_value_extra(struct ebb_policy *p)
{
    M(p, M_CPU)->target.value = Q(5000);
}
static void m_above_negative(struct ebb_policy *p)
{
    M(p, M_CPU)->scale_up.threshold = Q(-1);
}
static void m_for_without_above(struct ebb_policy *p)
{
    M(p, M_CPU)->scale_up.threshold.set = false;
}
static void m_for_without_below(struct ebb_policy *p)
{
    M(p, M_CPU)->scale_down.threshold.set = false;
}
static void m_threshold_without_for(struct ebb_policy *p)
{
    M(p, M_CPU)->scale_up.for_ms = EBB_UNSET;
    M(p, M_CPU)->scale_down.for_ms = EBB_UNSET;
}
static void m_for_too_long(struct ebb_policy *p)
{
    M(p, M_CPU)->scale_down.for_ms = 24 * 3600 * 1000LL + 1;
}
static void m_for_24h(struct ebb_policy *p)
{
    M(p, M_CPU)->scale_down.for_ms = 24 * 3600 * 1000LL;
}
static void m_band_equal(struct ebb_policy *p)
{
    M(p, M_CPU)->scale_up.threshold = Q(30000);
}
static void m_band_fraction(struct ebb_policy *p)
{
    M(p, M_INFLIGHT)->scale_up = (struct ebb_band){Q(500), EBB_UNSET, true};
    M(p, M_INFLIGHT)->scale_down = (struct ebb_band){Q(1500), EBB_UNSET, true};
}
static void m_tolerance_negative(struct ebb_policy *p)
{
    p->spec.behavior.tolerance = Q(-100);
}
static void m_tolerance_up_negative(struct ebb_policy *p)
{
    p->spec.behavior.scale_up.tolerance = Q(-1);
}
static void m_tolerance_zero(struct ebb_policy *p)
{
    p->spec.behavior.tolerance = Q(0);
    p->spec.behavior.scale_down.tolerance = Q(2000);
}
static void m_window_long(struct ebb_policy *p)
{
    p->spec.behavior.scale_down.stabilization_ms = EBB_MAX_WINDOW_MS + 1000;
}
static void m_window_max(struct ebb_policy *p)
{
    p->spec.behavior.scale_down.stabilization_ms = EBB_MAX_WINDOW_MS;
}
static void m_cooldown_long(struct ebb_policy *p)
{
    p->spec.behavior.scale_up.cooldown_ms = 25 * 3600 * 1000LL;
}
static void m_policies_empty(struct ebb_policy *p)
{
    p->spec.behavior.scale_up.n_policies = 0;
}
static void m_policies_many(struct ebb_policy *p)
{
    p->spec.behavior.scale_down.policies = rate_policies(p, EBB_MAX_RATE_POLICIES + 1);
    p->spec.behavior.scale_down.n_policies = EBB_MAX_RATE_POLICIES + 1;
}
static void m_policy_type_missing(struct ebb_policy *p)
{
    p->spec.behavior.scale_up.policies[1].type = EBB_RATE_TYPE_UNSET;
}
static void m_policy_value_zero(struct ebb_policy *p)
{
    p->spec.behavior.scale_down.policies[0].value = 0;
}
static void m_policy_value_missing(struct ebb_policy *p)
{
    p->spec.behavior.scale_down.policies[0].value = EBB_UNSET;
}
static void m_policy_period_missing(struct ebb_policy *p)
{
    p->spec.behavior.scale_up.policies[0].period_ms = EBB_UNSET;
}
static void m_policy_period_short(struct ebb_policy *p)
{
    p->spec.behavior.scale_up.policies[0].period_ms = 999;
}
static void m_policy_period_long(struct ebb_policy *p)
{
    p->spec.behavior.scale_up.policies[0].period_ms = 1801 * 1000LL;
}
static void m_policy_period_bounds(struct ebb_policy *p)
{
    p->spec.behavior.scale_up.policies[0].period_ms = 1000;
    p->spec.behavior.scale_up.policies[1].period_ms = 1800 * 1000LL;
}
static void m_select_range(struct ebb_policy *p)
{
    p->spec.behavior.scale_down.select_policy = (enum ebb_select_policy)7;
}
static void m_sched_name_missing(struct ebb_policy *p)
{
    SC(p, S_BF)->name = NULL;
}
static void m_sched_name_dup(struct ebb_policy *p)
{
    SC(p, S_BF)->name = S(p, "night");
}
static void m_sched_both(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->start_ms = BF_START_MS;
    SC(p, S_NIGHT)->end_ms = BF_END_MS;
}
static void m_sched_neither(struct ebb_policy *p)
{
    SC(p, S_BF)->start_ms = EBB_TIME_UNSET;
    SC(p, S_BF)->end_ms = EBB_TIME_UNSET;
}
static void m_sched_cron_bad(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->cron = S(p, "0 25 * * *");
}
static void m_sched_cron_macro(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->cron = S(p, "@daily");
}
static void m_sched_duration_missing(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->duration_ms = EBB_UNSET;
}
static void m_sched_duration_zero(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->duration_ms = 0;
}
static void m_sched_duration_long(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->duration_ms = 366 * 24 * 3600 * 1000LL + 1000;
}
static void m_sched_duration_abs(struct ebb_policy *p)
{
    SC(p, S_BF)->duration_ms = 3600 * 1000LL;
}
static void m_sched_tz_dots(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->time_zone = S(p, "../etc/localtime");
}
static void m_sched_tz_slash(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->time_zone = S(p, "/Europe/Berlin");
}
static void m_sched_tz_ok(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->time_zone = S(p, "America/Argentina/Buenos_Aires");
}
static void m_sched_tz_etc(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->time_zone = S(p, "Etc/GMT+5");
}
static void m_sched_tz_abs(struct ebb_policy *p)
{
    SC(p, S_BF)->time_zone = S(p, "UTC");
}
static void m_sched_end_before(struct ebb_policy *p)
{
    SC(p, S_BF)->end_ms = BF_START_MS;
}
static void m_sched_no_start(struct ebb_policy *p)
{
    SC(p, S_BF)->start_ms = EBB_TIME_UNSET;
}
static void m_sched_no_replicas(struct ebb_policy *p)
{
    SC(p, S_BF)->min_replicas = EBB_UNSET;
}
static void m_sched_min_gt_max(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->min_replicas = 5;
}
static void m_sched_max_zero(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->max_replicas = 0;
    SC(p, S_NIGHT)->min_replicas = 0;
}
static void m_sched_min_negative(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->min_replicas = -3;
}
static void m_sched_min_zero_ok(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->min_replicas = 0; /* rps and queue are Prometheus and External */
}
static void m_sched_min_zero_cpu_only(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->min_replicas = 0;
    p->spec.n_metrics = 1; /* cpu alone cannot be read with no pods */
}
static void m_sched_max_over_slots(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->max_replicas = 11; /* 7700-8699 in ranges of 100: 10 slots */
    p->spec.max_replicas = 10;
}
static void m_sched_min_over_slots(struct ebb_policy *p)
{
    SC(p, S_BF)->min_replicas = 12;
}
static void m_sched_at_slots_ok(struct ebb_policy *p)
{
    SC(p, S_BF)->min_replicas = 10;
    SC(p, S_NIGHT)->max_replicas = 10;
}
static void m_sched_cron_feb_31(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->cron = S(p, "0 0 31 2 *");
}
static void m_sched_cron_feb_29_ok(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->cron = S(p, "0 0 29 2 *"); /* once every 4 years is still a date */
}
static void m_sched_cron_apr_31_or_monday_ok(struct ebb_policy *p)
{
    SC(p, S_NIGHT)->cron = S(p, "0 0 31 4 1"); /* both day fields: either matches */
}
static void m_sched_many(struct ebb_policy *p)
{
    size_t n = EBB_MAX_SCHEDULES + 1;
    struct ebb_schedule *ss = A(p, n, sizeof(*ss));
    for (size_t i = 0; i < n; i++) {
        char name[16];
        ss[i] = p->spec.schedules[S_NIGHT];
        snprintf(name, sizeof(name), "s%zu", i);
        ss[i].name = S(p, name);
    }
    p->spec.schedules = ss;
    p->spec.n_schedules = n;
}
static void m_pool_missing(struct ebb_policy *p)
{
    p->spec.channel_ports.pool = NULL;
}
static void m_pool_bad(struct ebb_policy *p)
{
    p->spec.channel_ports.pool = S(p, "Flow 8");
}
static void m_base_missing(struct ebb_policy *p)
{
    p->spec.channel_ports.base = EBB_UNSET;
}
static void m_base_zero(struct ebb_policy *p)
{
    p->spec.channel_ports.base = 0;
}
static void m_range_zero(struct ebb_policy *p)
{
    p->spec.channel_ports.range_size = 0;
}
static void m_limit_big(struct ebb_policy *p)
{
    p->spec.channel_ports.limit = 65536;
}
static void m_limit_below_slot(struct ebb_policy *p)
{
    p->spec.channel_ports.limit = 7750;
    p->spec.max_replicas = 1;
    p->spec.min_replicas = 1;
}
static void m_ports_few(struct ebb_policy *p)
{
    p->spec.max_replicas = 20;
}
static void m_ports_full_range(struct ebb_policy *p)
{
    p->spec.channel_ports.base = 60000;
    p->spec.channel_ports.range_size = 1000;
    p->spec.channel_ports.limit = 65535;
}
static void m_ports_one_slot_each(struct ebb_policy *p)
{
    p->spec.channel_ports.base = 65526;
    p->spec.channel_ports.range_size = 1;
    p->spec.channel_ports.limit = 65535;
}
static void m_sync_short(struct ebb_policy *p)
{
    p->spec.sync_period_ms = 999;
}
static void m_sync_long(struct ebb_policy *p)
{
    p->spec.sync_period_ms = 3601 * 1000LL;
}
static void m_sync_bounds(struct ebb_policy *p)
{
    p->spec.sync_period_ms = 3600 * 1000LL;
}
static void m_no_behavior(struct ebb_policy *p)
{
    memset(&p->spec.behavior, 0, sizeof(p->spec.behavior));
    p->spec.behavior.scale_up.stabilization_ms = EBB_UNSET;
    p->spec.behavior.scale_up.cooldown_ms = EBB_UNSET;
    p->spec.behavior.scale_down.stabilization_ms = EBB_UNSET;
    p->spec.behavior.scale_down.cooldown_ms = EBB_UNSET;
}

struct vcase {
    const char *name;
    void (*mutate)(struct ebb_policy *p);
    const char *path; /* NULL: the policy stays valid */
    const char *frag; /* a part of the message */
    size_t n_errs;    /* how many errors in all */
};

static const struct vcase cases[] = {
    /* metadata */
    {"name missing", m_name_missing, "metadata.name", "Required value", 1},
    {"name not a subdomain", m_name_bad, "metadata.name",
     "Invalid value: \"Web_App\": a lowercase RFC 1123 subdomain", 1},
    {"name too long", m_name_long, "metadata.name", "must be no more than 253 characters", 1},
    {"name with empty part", m_name_dots, "metadata.name", "RFC 1123 subdomain", 1},
    {"name with dots ok", m_name_subdomain_ok, NULL, NULL, 0},
    /* targetRef */
    {"targetRef.apiVersion missing", m_api_missing, "spec.targetRef.apiVersion", "Required value",
     1},
    {"targetRef.apiVersion unsupported", m_api_bad, "spec.targetRef.apiVersion",
     "Unsupported value: \"apps/v1beta1\": supported values: \"apps/v1\"", 1},
    {"targetRef.kind empty", m_kind_missing, "spec.targetRef.kind", "Required value", 1},
    {"targetRef.kind unsupported", m_kind_bad, "spec.targetRef.kind",
     "Unsupported value: \"Job\": supported values: \"Deployment\", \"StatefulSet\"", 1},
    {"targetRef.kind Deployment ok", m_kind_deployment, NULL, NULL, 0},
    {"targetRef.name missing", m_tname_missing, "spec.targetRef.name", "Required value", 1},
    {"targetRef.name invalid", m_tname_bad, "spec.targetRef.name", "Invalid value: \"flow8/web\"",
     1},
    /* replicas */
    {"maxReplicas missing", m_max_missing, "spec.maxReplicas", "Required value", 1},
    {"maxReplicas zero", m_max_zero, "spec.maxReplicas", "must be greater than or equal to 1", 1},
    {"maxReplicas too big", m_max_big, "spec.maxReplicas", "must be less than or equal to 100000",
     1},
    {"maxReplicas at the limit", m_max_limit, NULL, NULL, 0},
    {"minReplicas negative", m_min_negative, "spec.minReplicas",
     "must be greater than or equal to 0", 1},
    {"minReplicas above max", m_min_gt_max, "spec.minReplicas",
     "must be less than or equal to spec.maxReplicas (10)", 1},
    {"minReplicas equal to max", m_min_eq_max, NULL, NULL, 0},
    {"minReplicas 0 with Resource only", m_min_zero_resource, "spec.minReplicas",
     "may be 0 only when at least one metric is of type External or Prometheus", 1},
    {"minReplicas 0 with Pods only", m_min_zero_pods, "spec.minReplicas", "may be 0 only", 1},
    {"minReplicas 0 with External", m_min_zero_external, NULL, NULL, 0},
    {"minReplicas 0 with Prometheus", m_min_zero_prometheus, NULL, NULL, 0},
    /* metrics */
    {"no metrics", m_no_metrics, "spec.metrics", "Required value: must specify at least one metric",
     1},
    {"too many metrics", m_many_metrics, "spec.metrics", "Too many: 17: must have at most 16 items",
     1},
    {"metric name missing", m_metric_name_missing, "spec.metrics[1].name", "Required value", 1},
    {"metric name not a label", m_metric_name_bad, "spec.metrics[1].name",
     "a lowercase RFC 1123 label", 1},
    {"metric name duplicate", m_metric_name_dup, "spec.metrics[2].name", "Duplicate value: \"cpu\"",
     1},
    {"metric type missing", m_metric_type_missing, "spec.metrics[0].type", "Required value", 1},
    {"metric type out of range", m_metric_type_range, "spec.metrics[0].type",
     "Unsupported value: \"99\": supported values: \"Resource\", \"Pods\", \"External\", "
     "\"Prometheus\"",
     1},
    {"source block missing", m_source_missing, "spec.metrics[0].resource",
     "Required value: must be set when type is \"Resource\"", 1},
    {"source block of another type", m_source_extra, "spec.metrics[0].pods",
     "Forbidden: must be omitted when type is \"Resource\"", 1},
    {"resource.name missing", m_resource_name_missing, "spec.metrics[0].resource.name",
     "Required value", 1},
    {"resource.container invalid", m_resource_container_bad, "spec.metrics[0].resource.container",
     "Invalid value: \"App Container\"", 1},
    {"pods.metric.name missing", m_pods_name_missing, "spec.metrics[3].pods.metric.name",
     "Required value", 1},
    {"external.metric.name empty", m_external_name_missing, "spec.metrics[2].external.metric.name",
     "Required value", 1},
    {"prometheus.query missing", m_query_missing, "spec.metrics[1].prometheus.query",
     "Required value", 1},
    {"prometheus.address without scheme", m_address_scheme, "spec.metrics[1].prometheus.address",
     "Invalid value: \"prometheus:9090\": must be an http:// or https:// URL", 1},
    {"prometheus.address with a space", m_address_space, "spec.metrics[1].prometheus.address",
     "must be an http:// or https:// URL", 1},
    {"prometheus.address without host", m_address_no_host, "spec.metrics[1].prometheus.address",
     "must be an http:// or https:// URL", 1},
    {"prometheus.address optional", m_address_absent, NULL, NULL, 0},
    {"selector In without values", m_sel_in_no_values,
     "spec.metrics[3].pods.metric.selector.matchExpressions[0].values",
     "Required value: must be specified when `operator` is 'In' or 'NotIn'", 1},
    {"selector DoesNotExist with values", m_sel_exists_values,
     "spec.metrics[3].pods.metric.selector.matchExpressions[1].values", "Forbidden", 1},
    {"selector operator missing", m_sel_no_op,
     "spec.metrics[3].pods.metric.selector.matchExpressions[1].operator", "Required value", 1},
    {"selector operator out of range", m_sel_op_range,
     "spec.metrics[3].pods.metric.selector.matchExpressions[1].operator",
     "Unsupported value: \"9\": supported values: \"In\", \"NotIn\", \"Exists\", "
     "\"DoesNotExist\"",
     1},
    {"selector key missing", m_sel_no_key,
     "spec.metrics[3].pods.metric.selector.matchExpressions[0].key", "Required value", 1},
    /* targets */
    {"target.type missing", m_target_type_missing, "spec.metrics[0].target.type", "Required value",
     1},
    {"Utilization for a Pods metric", m_target_util_for_pods, "spec.metrics[3].target.type",
     "Unsupported value: \"Utilization\": supported values: \"AverageValue\" for a Pods metric", 1},
    {"Value for a Resource metric", m_target_value_for_resource, "spec.metrics[0].target.type",
     "Unsupported value: \"Value\": supported values: \"Utilization\", \"AverageValue\" for a "
     "Resource metric",
     1},
    {"Value for an External metric ok", m_target_value_for_external, NULL, NULL, 0},
    {"AverageValue for a Resource metric ok", m_target_avg_for_resource, NULL, NULL, 0},
    {"averageUtilization missing", m_util_missing, "spec.metrics[0].target.averageUtilization",
     "Required value: must be set when type is \"Utilization\"", 1},
    {"averageUtilization zero", m_util_zero, "spec.metrics[0].target.averageUtilization",
     "must be greater than 0", 1},
    {"averageValue zero", m_avg_zero, "spec.metrics[1].target.averageValue",
     "must be greater than 0", 1},
    {"averageValue negative", m_avg_negative, "spec.metrics[1].target.averageValue",
     "must be greater than 0", 1},
    {"averageValue missing", m_avg_missing, "spec.metrics[1].target.averageValue", "Required value",
     1},
    {"value missing", m_value_missing, "spec.metrics[2].target.value",
     "Required value: must be set when type is \"Value\"", 1},
    {"value with Utilization", m_value_extra, "spec.metrics[0].target.value",
     "Forbidden: may only be set when type is \"Value\"", 1},
    /* bands */
    {"scaleUp.above negative", m_above_negative, "spec.metrics[0].scaleUp.above",
     "must be greater than or equal to 0", 1},
    {"scaleUp.for without above", m_for_without_above, "spec.metrics[0].scaleUp.for",
     "Forbidden: may only be set together with spec.metrics[0].scaleUp.above", 1},
    {"scaleDown.for without below", m_for_without_below, "spec.metrics[0].scaleDown.for",
     "Forbidden: may only be set together with spec.metrics[0].scaleDown.below", 1},
    {"thresholds without for ok", m_threshold_without_for, NULL, NULL, 0},
    {"scaleDown.for over 24h", m_for_too_long, "spec.metrics[0].scaleDown.for",
     "must be less than or equal to 24h", 1},
    {"scaleDown.for of 24h ok", m_for_24h, NULL, NULL, 0},
    {"above equal to below", m_band_equal, "spec.metrics[0].scaleUp.above",
     "must be greater than spec.metrics[0].scaleDown.below (30)", 1},
    {"above below below, fractional", m_band_fraction, "spec.metrics[3].scaleUp.above",
     "must be greater than spec.metrics[3].scaleDown.below (1500m)", 1},
    /* behavior */
    {"tolerance negative", m_tolerance_negative, "spec.behavior.tolerance",
     "must be greater than or equal to 0", 1},
    {"scaleUp.tolerance negative", m_tolerance_up_negative, "spec.behavior.scaleUp.tolerance",
     "must be greater than or equal to 0", 1},
    {"tolerance 0 and 2 ok", m_tolerance_zero, NULL, NULL, 0},
    {"stabilizationWindow over 1h", m_window_long, "spec.behavior.scaleDown.stabilizationWindow",
     "must be less than or equal to 1h", 1},
    {"stabilizationWindow of 1h ok", m_window_max, NULL, NULL, 0},
    {"cooldown over 24h", m_cooldown_long, "spec.behavior.scaleUp.cooldown",
     "must be less than or equal to 24h", 1},
    {"policies empty", m_policies_empty, "spec.behavior.scaleUp.policies",
     "Required value: must specify at least one policy", 1},
    {"too many policies", m_policies_many, "spec.behavior.scaleDown.policies",
     "Too many: 9: must have at most 8 items", 1},
    {"policy type missing", m_policy_type_missing, "spec.behavior.scaleUp.policies[1].type",
     "Required value", 1},
    {"policy value zero", m_policy_value_zero, "spec.behavior.scaleDown.policies[0].value",
     "must be greater than 0", 1},
    {"policy value missing", m_policy_value_missing, "spec.behavior.scaleDown.policies[0].value",
     "Required value", 1},
    {"policy period missing", m_policy_period_missing, "spec.behavior.scaleUp.policies[0].period",
     "Required value", 1},
    {"policy period under 1s", m_policy_period_short, "spec.behavior.scaleUp.policies[0].period",
     "must be greater than or equal to 1s", 1},
    {"policy period over 30m", m_policy_period_long, "spec.behavior.scaleUp.policies[0].period",
     "must be less than or equal to 30m", 1},
    {"policy periods 1s and 30m ok", m_policy_period_bounds, NULL, NULL, 0},
    {"selectPolicy out of range", m_select_range, "spec.behavior.scaleDown.selectPolicy",
     "Unsupported value: \"7\": supported values: \"Max\", \"Min\", \"Disabled\"", 1},
    {"no behavior ok", m_no_behavior, NULL, NULL, 0},
    /* schedules */
    {"schedule name missing", m_sched_name_missing, "spec.schedules[1].name", "Required value", 1},
    {"schedule name duplicate", m_sched_name_dup, "spec.schedules[1].name",
     "Duplicate value: \"night\"", 1},
    {"schedule cron and start/end", m_sched_both, "spec.schedules[0]",
     "Forbidden: cron and start/end are mutually exclusive", 1},
    {"schedule with neither", m_sched_neither, "spec.schedules[1]",
     "Required value: set either cron and duration, or start and end", 1},
    {"schedule cron invalid", m_sched_cron_bad, "spec.schedules[0].cron",
     "Invalid value: \"0 25 * * *\": ", 1},
    {"schedule cron macro ok", m_sched_cron_macro, NULL, NULL, 0},
    {"schedule duration missing", m_sched_duration_missing, "spec.schedules[0].duration",
     "Required value: must be set together with cron", 1},
    {"schedule duration zero", m_sched_duration_zero, "spec.schedules[0].duration",
     "must be greater than 0s", 1},
    {"schedule duration over 366 days", m_sched_duration_long, "spec.schedules[0].duration",
     "must be less than or equal to 8784h", 1},
    {"schedule duration without cron", m_sched_duration_abs, "spec.schedules[1].duration",
     "Forbidden: may only be set together with cron", 1},
    {"schedule timeZone with ..", m_sched_tz_dots, "spec.schedules[0].timeZone",
     "Invalid value: \"../etc/localtime\": must be an IANA time zone name", 1},
    {"schedule timeZone with leading /", m_sched_tz_slash, "spec.schedules[0].timeZone",
     "must be an IANA time zone name", 1},
    {"schedule timeZone three parts ok", m_sched_tz_ok, NULL, NULL, 0},
    {"schedule timeZone Etc/GMT+5 ok", m_sched_tz_etc, NULL, NULL, 0},
    {"schedule timeZone without cron", m_sched_tz_abs, "spec.schedules[1].timeZone",
     "Forbidden: may only be set together with cron", 1},
    {"schedule end not after start", m_sched_end_before, "spec.schedules[1].end",
     "must be after spec.schedules[1].start", 1},
    {"schedule end without start", m_sched_no_start, "spec.schedules[1].start",
     "Required value: must be set together with end", 1},
    {"schedule without min or max", m_sched_no_replicas, "spec.schedules[1]",
     "Required value: set minReplicas, maxReplicas or both", 1},
    {"schedule min above max", m_sched_min_gt_max, "spec.schedules[0].minReplicas",
     "must be less than or equal to spec.schedules[0].maxReplicas (3)", 1},
    {"schedule max zero", m_sched_max_zero, "spec.schedules[0].maxReplicas",
     "must be greater than or equal to 1", 1},
    {"schedule min negative", m_sched_min_negative, "spec.schedules[0].minReplicas",
     "must be greater than or equal to 0", 1},
    {"schedule min 0 with External/Prometheus metrics ok", m_sched_min_zero_ok, NULL, NULL, 0},
    {"schedule min 0 with Resource metrics only", m_sched_min_zero_cpu_only,
     "spec.schedules[0].minReplicas",
     "may be 0 only when at least one metric is of type External or Prometheus", 1},
    {"schedule max above the port pool's slots", m_sched_max_over_slots,
     "spec.schedules[0].maxReplicas",
     "must be less than or equal to 10, the slots of the channel port pool (ports 7700-8699, 100 "
     "per replica)",
     1},
    {"schedule min above the port pool's slots", m_sched_min_over_slots,
     "spec.schedules[1].minReplicas", "must be less than or equal to 10, the slots", 1},
    {"schedule bounds at the port pool's slots ok", m_sched_at_slots_ok, NULL, NULL, 0},
    {"schedule cron that never matches", m_sched_cron_feb_31, "spec.schedules[0].cron",
     "Invalid value: \"0 0 31 2 *\": never matches a date", 1},
    {"schedule cron on February 29 ok", m_sched_cron_feb_29_ok, NULL, NULL, 0},
    {"schedule cron with both day fields ok", m_sched_cron_apr_31_or_monday_ok, NULL, NULL, 0},
    {"too many schedules", m_sched_many, "spec.schedules",
     "Too many: 33: must have at most 32 items", 1},
    /* channelPorts */
    {"pool missing", m_pool_missing, "spec.channelPorts.pool", "Required value", 1},
    {"pool invalid", m_pool_bad, "spec.channelPorts.pool", "Invalid value: \"Flow 8\"", 1},
    {"base missing", m_base_missing, "spec.channelPorts.base", "Required value", 1},
    {"base zero", m_base_zero, "spec.channelPorts.base", "must be between 1 and 65535, inclusive",
     1},
    {"rangeSize zero", m_range_zero, "spec.channelPorts.rangeSize",
     "must be between 1 and 65535, inclusive", 1},
    {"limit over 65535", m_limit_big, "spec.channelPorts.limit",
     "must be between 1 and 65535, inclusive", 1},
    {"limit short of one slot", m_limit_below_slot, "spec.channelPorts.limit",
     "must be greater than or equal to spec.channelPorts.base + spec.channelPorts.rangeSize - 1 "
     "(7799)",
     1},
    {"pool too small", m_ports_few, "spec.channelPorts",
     "port pool 7700-8699 has 10 slots of 100 ports, but spec.maxReplicas (20) needs 20: raise "
     "spec.channelPorts.limit to 9699, or lower spec.maxReplicas to 10",
     1},
    /* ... and the black-friday schedule's min of 8 does not fit either. */
    {"pool too small up to 65535", m_ports_full_range, "spec.channelPorts",
     "has 5 slots of 1000 ports, but spec.maxReplicas (10) needs 10: lower "
     "spec.channelPorts.rangeSize or spec.channelPorts.base, or lower spec.maxReplicas to 5",
     2},
    {"pool exactly large enough at 65535", m_ports_one_slot_each, NULL, NULL, 0},
    /* syncPeriod */
    {"syncPeriod under 1s", m_sync_short, "spec.syncPeriod", "must be greater than or equal to 1s",
     1},
    {"syncPeriod over 1h", m_sync_long, "spec.syncPeriod", "must be less than or equal to 1h", 1},
    {"syncPeriod of 1h ok", m_sync_bounds, NULL, NULL, 0},
};

static void run_case(void **state)
{
    const struct vcase *c = *state;
    struct ebb_policy p;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;

    build_valid(&p);
    c->mutate(&p);
    ebb_policy_validate(&p, &errs);
    if ((c->path == NULL && errs.n != 0) ||
        (c->path != NULL && !has_error(&errs, c->path, c->frag)) || errs.n != c->n_errs) {
        print_message("case \"%s\": want %zu error(s) incl. %s: %s; got:\n", c->name, c->n_errs,
                      c->path ? c->path : "-", c->frag ? c->frag : "-");
        dump(&errs);
    }
    if (c->path == NULL)
        assert_int_equal(errs.n, 0);
    else
        assert_true(has_error(&errs, c->path, c->frag));
    assert_int_equal(errs.n, c->n_errs);
    assert_false(errs.truncated);
    ebb_errlist_release(&errs);
    ebb_policy_release(&p);
}

/* ---- whole-policy tests ------------------------------------------------ */

static void test_valid_policy_has_no_errors(void **state)
{
    (void)state;
    struct ebb_policy p;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;

    build_valid(&p);
    ebb_policy_validate(&p, &errs);
    if (errs.n != 0)
        dump(&errs);
    assert_int_equal(errs.n, 0);
    /* Defaulting a complete policy keeps it valid. */
    assert_int_equal(ebb_policy_defaults(&p), EBB_OK);
    ebb_policy_validate(&p, &errs);
    assert_int_equal(errs.n, 0);
    ebb_errlist_release(&errs);
    ebb_policy_release(&p);
}

static void test_empty_policy_reports_every_required_field(void **state)
{
    (void)state;
    static const char *const want[] = {
        "metadata.name",       "spec.targetRef.apiVersion", "spec.targetRef.kind",
        "spec.targetRef.name", "spec.maxReplicas",          "spec.metrics",
    };
    struct ebb_policy p;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;

    ebb_policy_init(&p);
    assert_int_equal(ebb_policy_defaults(&p), EBB_OK);
    ebb_policy_validate(&p, &errs);
    if (errs.n != COUNT(want))
        dump(&errs);
    assert_int_equal(errs.n, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++) {
        assert_string_equal(errs.items[i].path, want[i]);
        assert_non_null(strstr(errs.items[i].message, "Required value"));
    }
    ebb_errlist_release(&errs);
    ebb_policy_release(&p);
}

static void test_validation_never_stops_at_the_first_error(void **state)
{
    (void)state;
    struct ebb_policy p;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;

    build_valid(&p);
    m_max_missing(&p);
    m_avg_zero(&p);
    m_sched_cron_bad(&p);
    m_base_zero(&p);
    m_sync_short(&p);
    ebb_policy_validate(&p, &errs);
    if (errs.n != 5)
        dump(&errs);
    assert_int_equal(errs.n, 5);
    assert_true(has_error(&errs, "spec.maxReplicas", "Required value"));
    assert_true(has_error(&errs, "spec.metrics[1].target.averageValue", "greater than 0"));
    assert_true(has_error(&errs, "spec.schedules[0].cron", "Invalid value"));
    assert_true(has_error(&errs, "spec.channelPorts.base", "between 1 and 65535"));
    assert_true(has_error(&errs, "spec.syncPeriod", "1s"));
    ebb_errlist_release(&errs);
    ebb_policy_release(&p);
}

static void test_defaults_then_validate(void **state)
{
    (void)state;
    struct ebb_policy p;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;

    /* behavior present but empty, channelPorts without a pool, min unset:
     * defaults fill all three and the result is valid. */
    build_valid(&p);
    p.spec.min_replicas = EBB_UNSET;
    p.spec.channel_ports.pool = NULL;
    p.spec.behavior.tolerance.set = false;
    struct ebb_scaling_rules *r[] = {&p.spec.behavior.scale_up, &p.spec.behavior.scale_down};
    for (size_t i = 0; i < COUNT(r); i++) {
        r[i]->stabilization_ms = EBB_UNSET;
        r[i]->cooldown_ms = EBB_UNSET;
        r[i]->select_policy = EBB_SELECT_UNSET;
        r[i]->policies = NULL;
        r[i]->n_policies = 0;
        r[i]->policies_set = false;
        r[i]->set = false;
    }
    assert_int_equal(ebb_policy_defaults(&p), EBB_OK);
    ebb_policy_validate(&p, &errs);
    if (errs.n != 0)
        dump(&errs);
    assert_int_equal(errs.n, 0);
    assert_string_equal(p.spec.channel_ports.pool, "flow8");
    ebb_errlist_release(&errs);
    ebb_policy_release(&p);
}

/* ---- the shared table: tests/fixtures/policies/ ------------------------ */

struct expect {
    char path[256];
    char frag[256];
};

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0;
    size_t n = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* "# expect: <path>: <fragment>" lines; the path is everything up to the
 * first ": " (paths hold no spaces). */
static size_t parse_expects(const char *text, struct expect *out, size_t max)
{
    static const char tag[] = "# expect: ";
    size_t n = 0;

    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (strncmp(line, tag, sizeof(tag) - 1) == 0 && n < max) {
            const char *p = line + sizeof(tag) - 1;
            const char *end = line + len;
            const char *sep = strstr(p, ": ");
            if (sep == NULL || sep > end)
                sep = end;
            snprintf(out[n].path, sizeof(out[n].path), "%.*s", (int)(sep - p), p);
            if (sep < end)
                snprintf(out[n].frag, sizeof(out[n].frag), "%.*s", (int)(end - sep - 2), sep + 2);
            else
                out[n].frag[0] = '\0';
            n++;
        }
        line = eol ? eol + 1 : NULL;
    }
    return n;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Decode, default and validate one file; returns the number of problems. */
static int check_fixture(const char *name)
{
    char path[512];
    size_t len = 0;
    char *text = NULL;
    struct ebb_yaml_docs docs = {NULL, 0};
    struct ebb_yaml_error yerr;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    struct expect want[16];
    int problems = 0;
    bool valid = strncmp(name, "valid-", 6) == 0;

    snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
    text = read_file(path, &len);
    if (text == NULL) {
        print_message("%s: cannot read\n", path);
        problems++;
        goto out;
    }
    size_t n_want = parse_expects(text, want, COUNT(want));
    if (!valid && n_want == 0) {
        print_message("%s: an invalid-* file needs a \"# expect: <path>: <message>\" line\n", path);
        problems++;
    }
    if (valid && n_want != 0) {
        print_message("%s: a valid-* file must not expect errors\n", path);
        problems++;
    }
    memset(&yerr, 0, sizeof(yerr));
    if (ebb_policy_docs_from_yaml(text, len, &docs, &yerr) != EBB_OK) {
        print_message("%s:%d:%d: %s\n", path, yerr.line, yerr.column, yerr.message);
        problems++;
        goto out;
    }
    if (docs.n != 1 || !docs.docs[0].is_policy) {
        print_message("%s: want one ScalingPolicy document, got %zu\n", path, docs.n);
        problems++;
        goto out;
    }
    struct ebb_yaml_doc *d = &docs.docs[0];
    for (size_t i = 0; i < d->errors.n; i++)
        ebb_errlist_add(&errs, d->errors.items[i].path, "%s", d->errors.items[i].message);
    if (ebb_policy_defaults(&d->policy) != EBB_OK) {
        problems++;
        goto out;
    }
    ebb_policy_validate(&d->policy, &errs);

    if (valid && errs.n != 0) {
        print_message("%s: want no errors, got:\n", path);
        dump(&errs);
        problems++;
    }
    for (size_t i = 0; i < n_want; i++) {
        if (!has_error(&errs, want[i].path, want[i].frag)) {
            print_message("%s: want \"%s: %s\", got:\n", path, want[i].path, want[i].frag);
            dump(&errs);
            problems++;
        }
    }
    /* Every error must be one the file expects, so a fixture fails for
     * its own rule and not by accident. */
    for (size_t i = 0; i < errs.n && !valid; i++) {
        bool listed = false;
        for (size_t j = 0; j < n_want && !listed; j++)
            listed = strcmp(errs.items[i].path, want[j].path) == 0;
        if (!listed) {
            print_message("%s: unexpected \"%s: %s\"\n", path, errs.items[i].path,
                          errs.items[i].message);
            problems++;
        }
    }
out:
    ebb_errlist_release(&errs);
    ebb_yaml_docs_release(&docs);
    free(text);
    return problems;
}

static void test_fixtures(void **state)
{
    (void)state;
    DIR *dir = opendir(FIXTURES);
    char *names[256];
    size_t n = 0;
    size_t n_valid = 0;
    int problems = 0;

    assert_non_null(dir);
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        if (strncmp(e->d_name, "valid-", 6) != 0 && strncmp(e->d_name, "invalid-", 8) != 0) {
            print_message("%s/%s: name it valid-*.yaml or invalid-*.yaml\n", FIXTURES, e->d_name);
            problems++;
            continue;
        }
        assert_true(n < COUNT(names));
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        n_valid += strncmp(e->d_name, "valid-", 6) == 0;
        n++;
    }
    closedir(dir);
    qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        problems += check_fixture(names[i]);
        free(names[i]);
    }
    assert_true(n >= 25);
    assert_true(n_valid >= 5);
    assert_int_equal(problems, 0);
}

int main(void)
{
    struct CMUnitTest tests[COUNT(cases) + 5];
    size_t n = 0;

    for (size_t i = 0; i < COUNT(cases); i++) {
        struct CMUnitTest t = {cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
        tests[n++] = t;
    }
    struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_valid_policy_has_no_errors),
        cmocka_unit_test(test_empty_policy_reports_every_required_field),
        cmocka_unit_test(test_validation_never_stops_at_the_first_error),
        cmocka_unit_test(test_defaults_then_validate),
        cmocka_unit_test(test_fixtures),
    };
    for (size_t i = 0; i < COUNT(fixed); i++)
        tests[n++] = fixed[i];
    return _cmocka_run_group_tests("validate", tests, n, NULL, NULL);
}
