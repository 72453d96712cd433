/* codec_test.c -- ScalingPolicy <-> JSON and YAML -> ScalingPolicy.
 *
 * The DESIGN.md section 1 example (tests/fixtures/codec/full.yaml) decoded
 * field by field; JSON round trips compared with a deep-equality helper;
 * every error form (unknown field, wrong type, unsupported value, bad
 * quantity/duration/time/range, conflicting spellings); YAML multi-document
 * streams, line numbers, syntax errors and the rejected YAML features; and
 * allocation failures injected into cJSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/codec.h"
#include "../../pkg/base/rfc3339.h"

#define FULL_FIXTURE "tests/fixtures/codec/full.yaml"

/* ---- helpers ------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s (run the tests from the repository root)", path);
    char *buf = NULL;
    size_t n = 0;
    size_t cap = 0;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *p = realloc(buf, cap + 1);
            assert_non_null(p);
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int64_t t(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(ebb_rfc3339_parse(rfc3339, &ms), EBB_OK);
    return ms;
}

/* Decodes a one-document YAML string that must parse; returns the docs. */
static void yaml_ok(const char *text, struct ebb_yaml_docs *docs)
{
    struct ebb_yaml_error yerr;
    enum ebb_rc rc = ebb_policy_docs_from_yaml(text, strlen(text), docs, &yerr);
    if (rc != EBB_OK)
        fail_msg("YAML rejected: %d:%d: %s", yerr.line, yerr.column, yerr.message);
}

static void dump_errors(const struct ebb_errlist *e)
{
    for (size_t i = 0; i < e->n; i++)
        print_message("  %s: %s\n", e->items[i].path, e->items[i].message);
}

/* ---- deep equality ------------------------------------------------------ */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            print_message("differs: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                     \
            return false;                                                                          \
        }                                                                                          \
    } while (0)

static bool str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool q_eq(struct ebb_quantity a, struct ebb_quantity b)
{
    return a.set == b.set && (!a.set || a.milli == b.milli);
}

static bool kv_eq(const struct ebb_kv *a, size_t na, const struct ebb_kv *b, size_t nb)
{
    CHECK(na == nb);
    for (size_t i = 0; i < na; i++) {
        CHECK(str_eq(a[i].key, b[i].key));
        CHECK(str_eq(a[i].value, b[i].value));
    }
    return true;
}

static bool selector_eq(const struct ebb_label_selector *a, const struct ebb_label_selector *b)
{
    CHECK(a->set == b->set);
    CHECK(kv_eq(a->match_labels, a->n_match_labels, b->match_labels, b->n_match_labels));
    CHECK(a->n_match_expressions == b->n_match_expressions);
    for (size_t i = 0; i < a->n_match_expressions; i++) {
        const struct ebb_selector_req *x = &a->match_expressions[i];
        const struct ebb_selector_req *y = &b->match_expressions[i];
        CHECK(str_eq(x->key, y->key));
        CHECK(x->op == y->op);
        CHECK(x->n_values == y->n_values);
        for (size_t j = 0; j < x->n_values; j++)
            CHECK(str_eq(x->values[j], y->values[j]));
    }
    return true;
}

static bool band_eq(const struct ebb_band *a, const struct ebb_band *b)
{
    CHECK(a->set == b->set);
    CHECK(q_eq(a->threshold, b->threshold));
    CHECK(a->for_ms == b->for_ms);
    return true;
}

static bool metric_eq(const struct ebb_metric_spec *a, const struct ebb_metric_spec *b)
{
    CHECK(str_eq(a->name, b->name));
    CHECK(a->type == b->type);
    CHECK(a->resource.set == b->resource.set);
    CHECK(str_eq(a->resource.name, b->resource.name));
    CHECK(str_eq(a->resource.container, b->resource.container));
    CHECK(a->pods.set == b->pods.set);
    CHECK(str_eq(a->pods.metric_name, b->pods.metric_name));
    CHECK(selector_eq(&a->pods.selector, &b->pods.selector));
    CHECK(a->external.set == b->external.set);
    CHECK(str_eq(a->external.metric_name, b->external.metric_name));
    CHECK(selector_eq(&a->external.selector, &b->external.selector));
    CHECK(a->prometheus.set == b->prometheus.set);
    CHECK(str_eq(a->prometheus.address, b->prometheus.address));
    CHECK(str_eq(a->prometheus.query, b->prometheus.query));
    CHECK(a->target.type == b->target.type);
    CHECK(a->target.average_utilization == b->target.average_utilization);
    CHECK(q_eq(a->target.average_value, b->target.average_value));
    CHECK(q_eq(a->target.value, b->target.value));
    CHECK(band_eq(&a->scale_up, &b->scale_up));
    CHECK(band_eq(&a->scale_down, &b->scale_down));
    return true;
}

static bool rules_eq(const struct ebb_scaling_rules *a, const struct ebb_scaling_rules *b)
{
    CHECK(a->set == b->set);
    CHECK(a->stabilization_ms == b->stabilization_ms);
    CHECK(a->cooldown_ms == b->cooldown_ms);
    CHECK(a->select_policy == b->select_policy);
    CHECK(a->policies_set == b->policies_set);
    CHECK(q_eq(a->tolerance, b->tolerance));
    CHECK(a->n_policies == b->n_policies);
    for (size_t i = 0; i < a->n_policies; i++) {
        CHECK(a->policies[i].type == b->policies[i].type);
        CHECK(a->policies[i].value == b->policies[i].value);
        CHECK(a->policies[i].period_ms == b->policies[i].period_ms);
    }
    return true;
}

static bool spec_eq(const struct ebb_policy_spec *a, const struct ebb_policy_spec *b)
{
    CHECK(str_eq(a->target_ref.api_version, b->target_ref.api_version));
    CHECK(str_eq(a->target_ref.kind, b->target_ref.kind));
    CHECK(str_eq(a->target_ref.name, b->target_ref.name));
    CHECK(a->min_replicas == b->min_replicas);
    CHECK(a->max_replicas == b->max_replicas);
    CHECK(a->paused == b->paused);
    CHECK(a->sync_period_ms == b->sync_period_ms);
    CHECK(a->n_metrics == b->n_metrics);
    for (size_t i = 0; i < a->n_metrics; i++)
        CHECK(metric_eq(&a->metrics[i], &b->metrics[i]));
    CHECK(a->behavior.set == b->behavior.set);
    CHECK(q_eq(a->behavior.tolerance, b->behavior.tolerance));
    CHECK(rules_eq(&a->behavior.scale_up, &b->behavior.scale_up));
    CHECK(rules_eq(&a->behavior.scale_down, &b->behavior.scale_down));
    CHECK(a->n_schedules == b->n_schedules);
    for (size_t i = 0; i < a->n_schedules; i++) {
        const struct ebb_schedule *x = &a->schedules[i];
        const struct ebb_schedule *y = &b->schedules[i];
        CHECK(str_eq(x->name, y->name));
        CHECK(str_eq(x->cron, y->cron));
        CHECK(x->duration_ms == y->duration_ms);
        CHECK(str_eq(x->time_zone, y->time_zone));
        CHECK(x->start_ms == y->start_ms);
        CHECK(x->end_ms == y->end_ms);
        CHECK(x->min_replicas == y->min_replicas);
        CHECK(x->max_replicas == y->max_replicas);
    }
    CHECK(a->channel_ports.set == b->channel_ports.set);
    CHECK(str_eq(a->channel_ports.pool, b->channel_ports.pool));
    CHECK(a->channel_ports.base == b->channel_ports.base);
    CHECK(a->channel_ports.range_size == b->channel_ports.range_size);
    CHECK(a->channel_ports.limit == b->channel_ports.limit);
    return true;
}

static bool status_eq(const struct ebb_policy_status *a, const struct ebb_policy_status *b)
{
    CHECK(a->observed_generation == b->observed_generation);
    CHECK(a->current_replicas == b->current_replicas);
    CHECK(a->desired_replicas == b->desired_replicas);
    CHECK(a->last_scale_ms == b->last_scale_ms);
    CHECK(a->last_scale_up_ms == b->last_scale_up_ms);
    CHECK(a->last_scale_down_ms == b->last_scale_down_ms);
    CHECK(a->n_current_metrics == b->n_current_metrics);
    for (size_t i = 0; i < a->n_current_metrics; i++) {
        const struct ebb_metric_status *x = &a->current_metrics[i];
        const struct ebb_metric_status *y = &b->current_metrics[i];
        CHECK(str_eq(x->name, y->name));
        CHECK(q_eq(x->value, y->value));
        CHECK(q_eq(x->target, y->target));
        CHECK(x->proposal == y->proposal);
        CHECK(x->above_since_ms == y->above_since_ms);
        CHECK(x->below_since_ms == y->below_since_ms);
    }
    CHECK(a->n_recommendations == b->n_recommendations);
    for (size_t i = 0; i < a->n_recommendations; i++) {
        CHECK(a->recommendations[i].time_ms == b->recommendations[i].time_ms);
        CHECK(a->recommendations[i].replicas == b->recommendations[i].replicas);
    }
    CHECK(a->n_scale_events == b->n_scale_events);
    for (size_t i = 0; i < a->n_scale_events; i++) {
        CHECK(a->scale_events[i].time_ms == b->scale_events[i].time_ms);
        CHECK(a->scale_events[i].from == b->scale_events[i].from);
        CHECK(a->scale_events[i].to == b->scale_events[i].to);
    }
    CHECK(str_eq(a->active_schedule, b->active_schedule));
    CHECK(a->n_channel_ports == b->n_channel_ports);
    for (size_t i = 0; i < a->n_channel_ports; i++) {
        CHECK(a->channel_ports[i].slot == b->channel_ports[i].slot);
        CHECK(str_eq(a->channel_ports[i].pod, b->channel_ports[i].pod));
        CHECK(a->channel_ports[i].first == b->channel_ports[i].first);
        CHECK(a->channel_ports[i].last == b->channel_ports[i].last);
    }
    CHECK(a->n_conditions == b->n_conditions);
    for (size_t i = 0; i < a->n_conditions; i++) {
        const struct ebb_condition *x = &a->conditions[i];
        const struct ebb_condition *y = &b->conditions[i];
        CHECK(str_eq(x->type, y->type));
        CHECK(x->status == y->status);
        CHECK(str_eq(x->reason, y->reason));
        CHECK(str_eq(x->message, y->message));
        CHECK(x->last_transition_ms == y->last_transition_ms);
    }
    return true;
}

static bool policy_eq(const struct ebb_policy *a, const struct ebb_policy *b)
{
    CHECK(str_eq(a->api_version, b->api_version));
    CHECK(str_eq(a->kind, b->kind));
    const struct ebb_object_meta *x = &a->metadata;
    const struct ebb_object_meta *y = &b->metadata;
    CHECK(str_eq(x->name, y->name));
    CHECK(str_eq(x->namespace_, y->namespace_));
    CHECK(str_eq(x->uid, y->uid));
    CHECK(str_eq(x->resource_version, y->resource_version));
    CHECK(x->generation == y->generation);
    CHECK(str_eq(x->creation_timestamp, y->creation_timestamp));
    CHECK(str_eq(x->deletion_timestamp, y->deletion_timestamp));
    CHECK(kv_eq(x->labels, x->n_labels, y->labels, y->n_labels));
    CHECK(kv_eq(x->annotations, x->n_annotations, y->annotations, y->n_annotations));
    CHECK(spec_eq(&a->spec, &b->spec));
    CHECK(status_eq(&a->status, &b->status));
    return true;
}

/* Encodes p, decodes the JSON, and checks equality and a stable encoding. */
static void assert_json_round_trip(const struct ebb_policy *p)
{
    struct ebb_strbuf a = EBB_STRBUF_INIT;
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    struct ebb_policy q;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;

    ebb_policy_init(&q);
    assert_int_equal(ebb_policy_to_json(p, &a), EBB_OK);
    enum ebb_rc rc = ebb_policy_from_json(&q, a.buf, a.len, &errs);
    if (rc != EBB_OK) {
        dump_errors(&errs);
        fail_msg("re-decoding %s: rc %d", a.buf, rc);
    }
    assert_true(policy_eq(p, &q));
    assert_int_equal(ebb_policy_to_json(&q, &b), EBB_OK);
    assert_string_equal(a.buf, b.buf);

    ebb_strbuf_release(&a);
    ebb_strbuf_release(&b);
    ebb_errlist_release(&errs);
    ebb_policy_release(&q);
}

/* ---- the DESIGN.md example ---------------------------------------------- */

static void check_full(const struct ebb_policy *p)
{
    assert_string_equal(p->api_version, "ebb.dev/v1alpha1");
    assert_string_equal(p->kind, "ScalingPolicy");
    assert_string_equal(p->metadata.name, "flow8");
    assert_string_equal(p->metadata.namespace_, "flow8");
    assert_int_equal(p->metadata.generation, EBB_UNSET);

    const struct ebb_policy_spec *s = &p->spec;
    assert_string_equal(s->target_ref.api_version, "apps/v1");
    assert_string_equal(s->target_ref.kind, "StatefulSet");
    assert_string_equal(s->target_ref.name, "flow8");
    assert_int_equal(s->min_replicas, 2);
    assert_int_equal(s->max_replicas, 10);
    assert_false(s->paused);
    assert_int_equal(s->sync_period_ms, 15000);

    assert_int_equal(s->n_metrics, 3);
    const struct ebb_metric_spec *m = &s->metrics[0];
    assert_string_equal(m->name, "cpu");
    assert_int_equal(m->type, EBB_METRIC_RESOURCE);
    assert_true(m->resource.set);
    assert_string_equal(m->resource.name, "cpu");
    assert_null(m->resource.container);
    assert_false(m->pods.set || m->external.set || m->prometheus.set);
    assert_int_equal(m->target.type, EBB_TARGET_UTILIZATION);
    assert_int_equal(m->target.average_utilization, 60);
    assert_false(m->target.average_value.set);
    assert_true(m->scale_up.set);
    assert_true(m->scale_up.threshold.set);
    assert_int_equal(m->scale_up.threshold.milli, 70000);
    assert_int_equal(m->scale_up.for_ms, 300000);
    assert_true(m->scale_down.set);
    assert_int_equal(m->scale_down.threshold.milli, 30000);
    assert_int_equal(m->scale_down.for_ms, 900000);

    m = &s->metrics[1];
    assert_string_equal(m->name, "rps");
    assert_int_equal(m->type, EBB_METRIC_PROMETHEUS);
    assert_true(m->prometheus.set);
    assert_string_equal(m->prometheus.address, "http://prometheus.monitoring:9090");
    assert_string_equal(m->prometheus.query, "sum(rate(http_requests_total{app=\"flow8\"}[1m]))");
    assert_int_equal(m->target.type, EBB_TARGET_AVERAGE_VALUE);
    assert_int_equal(m->target.average_utilization, EBB_UNSET);
    assert_true(m->target.average_value.set);
    assert_int_equal(m->target.average_value.milli, 100000);
    assert_false(m->scale_up.set);
    assert_int_equal(m->scale_up.for_ms, EBB_UNSET);

    m = &s->metrics[2];
    assert_string_equal(m->name, "queue");
    assert_int_equal(m->type, EBB_METRIC_EXTERNAL);
    assert_true(m->external.set);
    assert_string_equal(m->external.metric_name, "queue_depth");
    assert_true(m->external.selector.set);
    assert_int_equal(m->external.selector.n_match_labels, 1);
    assert_string_equal(m->external.selector.match_labels[0].key, "queue");
    assert_string_equal(m->external.selector.match_labels[0].value, "jobs");
    assert_int_equal(m->external.selector.n_match_expressions, 0);
    assert_int_equal(m->target.average_value.milli, 100000);

    const struct ebb_behavior *b = &s->behavior;
    assert_true(b->set);
    assert_true(b->tolerance.set);
    assert_int_equal(b->tolerance.milli, 100);
    assert_true(b->scale_up.set);
    assert_int_equal(b->scale_up.stabilization_ms, 0);
    assert_int_equal(b->scale_up.cooldown_ms, 180000);
    assert_int_equal(b->scale_up.select_policy, EBB_SELECT_MAX);
    assert_true(b->scale_up.policies_set);
    assert_int_equal(b->scale_up.n_policies, 2);
    assert_int_equal(b->scale_up.policies[0].type, EBB_RATE_PERCENT);
    assert_int_equal(b->scale_up.policies[0].value, 50);
    assert_int_equal(b->scale_up.policies[0].period_ms, 60000);
    assert_int_equal(b->scale_up.policies[1].type, EBB_RATE_PODS);
    assert_int_equal(b->scale_up.policies[1].value, 4);
    assert_int_equal(b->scale_up.policies[1].period_ms, 60000);
    assert_false(b->scale_up.tolerance.set);
    assert_true(b->scale_down.set);
    assert_int_equal(b->scale_down.stabilization_ms, 300000);
    assert_int_equal(b->scale_down.cooldown_ms, 900000);
    assert_int_equal(b->scale_down.select_policy, EBB_SELECT_MAX);
    assert_int_equal(b->scale_down.n_policies, 1);
    assert_int_equal(b->scale_down.policies[0].type, EBB_RATE_PODS);
    assert_int_equal(b->scale_down.policies[0].value, 1);
    assert_int_equal(b->scale_down.policies[0].period_ms, 60000);

    assert_int_equal(s->n_schedules, 2);
    const struct ebb_schedule *sc = &s->schedules[0];
    assert_string_equal(sc->name, "night");
    assert_string_equal(sc->cron, "0 22 * * *");
    assert_int_equal(sc->duration_ms, 8 * 3600 * 1000);
    assert_string_equal(sc->time_zone, "Europe/Berlin");
    assert_int_equal(sc->start_ms, EBB_TIME_UNSET);
    assert_int_equal(sc->end_ms, EBB_TIME_UNSET);
    assert_int_equal(sc->min_replicas, 1);
    assert_int_equal(sc->max_replicas, 3);
    sc = &s->schedules[1];
    assert_string_equal(sc->name, "black-friday");
    assert_null(sc->cron);
    assert_int_equal(sc->duration_ms, EBB_UNSET);
    assert_null(sc->time_zone);
    assert_int_equal(sc->start_ms, t("2026-11-27T00:00:00Z"));
    assert_int_equal(sc->end_ms, t("2026-11-30T23:59:59Z"));
    assert_int_equal(sc->min_replicas, 8);
    assert_int_equal(sc->max_replicas, EBB_UNSET);

    assert_true(s->channel_ports.set);
    assert_string_equal(s->channel_ports.pool, "flow8");
    assert_int_equal(s->channel_ports.base, 7700);
    assert_int_equal(s->channel_ports.range_size, 100);
    assert_int_equal(s->channel_ports.limit, 8699);

    const struct ebb_policy_status *st = &p->status;
    assert_int_equal(st->observed_generation, 3);
    assert_int_equal(st->current_replicas, 3);
    assert_int_equal(st->desired_replicas, 5);
    assert_int_equal(st->last_scale_ms, t("2026-11-27T10:15:00Z"));
    assert_int_equal(st->last_scale_up_ms, t("2026-11-27T10:15:00Z"));
    assert_int_equal(st->last_scale_down_ms, t("2026-11-26T23:40:30.250Z"));
    assert_int_equal(st->n_current_metrics, 1);
    assert_string_equal(st->current_metrics[0].name, "cpu");
    assert_int_equal(st->current_metrics[0].value.milli, 82000);
    assert_int_equal(st->current_metrics[0].target.milli, 60000);
    assert_int_equal(st->current_metrics[0].proposal, 5);
    assert_int_equal(st->current_metrics[0].above_since_ms, t("2026-11-27T10:09:45Z"));
    assert_int_equal(st->current_metrics[0].below_since_ms, EBB_TIME_UNSET);
    assert_int_equal(st->n_recommendations, 1);
    assert_int_equal(st->recommendations[0].time_ms, t("2026-11-27T10:15:00Z"));
    assert_int_equal(st->recommendations[0].replicas, 5);
    assert_int_equal(st->n_scale_events, 1);
    assert_int_equal(st->scale_events[0].from, 4);
    assert_int_equal(st->scale_events[0].to, 5);
    assert_string_equal(st->active_schedule, "black-friday");
    assert_int_equal(st->n_channel_ports, 1);
    assert_int_equal(st->channel_ports[0].slot, 0);
    assert_string_equal(st->channel_ports[0].pod, "flow8-0");
    assert_int_equal(st->channel_ports[0].first, 7700);
    assert_int_equal(st->channel_ports[0].last, 7799);
    assert_int_equal(st->n_conditions, 4);
    static const char *const types[] = {"Ready", "AbleToScale", "ScalingActive", "ScalingLimited"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(st->conditions[i].type, types[i]);
    assert_int_equal(st->conditions[0].status, EBB_COND_TRUE);
    assert_int_equal(st->conditions[3].status, EBB_COND_FALSE);
    assert_string_equal(st->conditions[1].reason, "SucceededRescale");
    assert_string_equal(st->conditions[2].message, "cpu 82% above 70% for 5m0s");
    assert_int_equal(st->conditions[1].last_transition_ms, t("2026-11-27T10:15:00Z"));
}

static void test_full_yaml(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(FULL_FIXTURE, &len);
    struct ebb_yaml_docs docs;
    struct ebb_yaml_error yerr;

    assert_int_equal(ebb_policy_docs_from_yaml(text, len, &docs, &yerr), EBB_OK);
    assert_int_equal(docs.n, 1);
    const struct ebb_yaml_doc *d = &docs.docs[0];
    assert_true(d->is_policy);
    assert_string_equal(d->api_version, "ebb.dev/v1alpha1");
    assert_string_equal(d->kind, "ScalingPolicy");
    assert_int_equal(d->line, 2); /* after the comment */
    if (d->errors.n != 0)
        dump_errors(&d->errors);
    assert_int_equal(d->errors.n, 0);
    check_full(&d->policy);

    /* Lines of a few fields, as written in the fixture. */
    assert_int_equal(ebb_yaml_doc_line(d, "spec.maxReplicas"), 8);
    assert_int_equal(ebb_yaml_doc_line(d, "spec.metrics[1]"), 18);
    assert_int_equal(ebb_yaml_doc_line(d, "spec.metrics[1].target.averageValue"), 21);
    assert_int_equal(ebb_yaml_doc_line(d, "spec.behavior.scaleDown.policies[0].period"), 37);
    assert_int_equal(ebb_yaml_doc_line(d, "status.conditions[3].status"), 63);

    ebb_yaml_docs_release(&docs);
    free(text);
}

static void test_full_json_round_trip(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(FULL_FIXTURE, &len);
    struct ebb_yaml_docs docs;
    struct ebb_yaml_error yerr;
    assert_int_equal(ebb_policy_docs_from_yaml(text, len, &docs, &yerr), EBB_OK);
    const struct ebb_policy *p = &docs.docs[0].policy;

    assert_json_round_trip(p);

    /* The encoding writes durations in Go form and quantities as strings. */
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    assert_int_equal(ebb_policy_to_json(p, &sb), EBB_OK);
    assert_non_null(strstr(sb.buf, "\"syncPeriod\":\"15s\""));
    assert_non_null(strstr(sb.buf, "\"stabilizationWindow\":\"5m0s\""));
    assert_non_null(strstr(sb.buf, "\"tolerance\":\"100m\""));
    assert_non_null(strstr(sb.buf, "\"averageUtilization\":60"));
    assert_non_null(strstr(sb.buf, "\"averageValue\":\"100\""));
    assert_non_null(strstr(sb.buf, "\"range\":\"7700-7799\""));
    assert_non_null(strstr(sb.buf, "\"lastScaleDownTime\":\"2026-11-26T23:40:30.250Z\""));
    assert_null(strstr(sb.buf, "paused")); /* false is the default: omitted */

    /* The status alone, as sent to /status, decodes back to the same status. */
    struct ebb_strbuf st = EBB_STRBUF_INIT;
    assert_int_equal(ebb_policy_status_to_json(&p->status, &st), EBB_OK);
    assert_true(strncmp(st.buf, "{\"observedGeneration\":3,", 24) == 0);
    struct ebb_strbuf wrapped = EBB_STRBUF_INIT;
    ebb_strbuf_addf(&wrapped, "{\"status\":%s}", st.buf);
    struct ebb_policy q;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    ebb_policy_init(&q);
    assert_int_equal(ebb_policy_from_json(&q, wrapped.buf, wrapped.len, &errs), EBB_OK);
    assert_true(status_eq(&p->status, &q.status));

    ebb_policy_release(&q);
    ebb_errlist_release(&errs);
    ebb_strbuf_release(&wrapped);
    ebb_strbuf_release(&st);
    ebb_strbuf_release(&sb);
    ebb_yaml_docs_release(&docs);
    free(text);
}

/* From a parsed cJSON object (what the informer has): the same policy as
 * from the text. */
static void test_from_cjson(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(FULL_FIXTURE, &len);
    struct ebb_yaml_docs docs;
    struct ebb_yaml_error yerr;
    assert_int_equal(ebb_policy_docs_from_yaml(text, len, &docs, &yerr), EBB_OK);
    struct ebb_strbuf js = EBB_STRBUF_INIT, again = EBB_STRBUF_INIT;
    assert_int_equal(ebb_policy_to_json(&docs.docs[0].policy, &js), EBB_OK);
    cJSON *root = cJSON_Parse(js.buf);
    assert_non_null(root);
    struct ebb_policy q;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    ebb_policy_init(&q);
    assert_int_equal(ebb_policy_from_cjson(&q, root, &errs), EBB_OK);
    assert_int_equal(ebb_policy_to_json(&q, &again), EBB_OK);
    assert_string_equal(again.buf, js.buf);
    ebb_policy_release(&q);
    /* not an object */
    cJSON *arr = cJSON_CreateArray();
    ebb_policy_init(&q);
    assert_int_equal(ebb_policy_from_cjson(&q, arr, &errs), EBB_ERR_PARSE);
    assert_string_equal(errs.items[0].message, "must be a JSON object, got list");
    ebb_policy_release(&q);
    cJSON_Delete(arr);
    cJSON_Delete(root);
    ebb_errlist_release(&errs);
    ebb_strbuf_release(&js);
    ebb_strbuf_release(&again);
    ebb_yaml_docs_release(&docs);
    free(text);
}

/* A policy built in code, using what the fixture does not: labels,
 * annotations, match expressions, Pods metrics, containers, per-direction
 * tolerance, an empty policies list, metadata times, and odd strings. */
static void test_constructed_round_trip(void **state)
{
    (void)state;
    struct ebb_policy p;
    ebb_policy_init(&p);
    struct ebb_arena *a = &p.arena;

    p.api_version = ebb_arena_strdup(a, EBB_API_VERSION);
    p.kind = ebb_arena_strdup(a, EBB_KIND);
    p.metadata.name = ebb_arena_strdup(a, "web");
    p.metadata.uid = ebb_arena_strdup(a, "0d4c2f0e-7b1a-4c53-9a38-5f1b0c2d9e11");
    p.metadata.resource_version = ebb_arena_strdup(a, "123456");
    p.metadata.generation = 7;
    p.metadata.creation_timestamp = ebb_arena_strdup(a, "2026-01-02T03:04:05Z");
    p.metadata.deletion_timestamp = ebb_arena_strdup(a, "2026-01-03T00:00:00+01:00");
    p.metadata.n_labels = 2;
    p.metadata.labels = ebb_arena_calloc(a, 2, sizeof(struct ebb_kv));
    p.metadata.labels[0] =
        (struct ebb_kv){ebb_arena_strdup(a, "app.kubernetes.io/name"), ebb_arena_strdup(a, "web")};
    p.metadata.labels[1] = (struct ebb_kv){ebb_arena_strdup(a, "tier"), ebb_arena_strdup(a, "")};
    p.metadata.n_annotations = 1;
    p.metadata.annotations = ebb_arena_calloc(a, 1, sizeof(struct ebb_kv));
    p.metadata.annotations[0] =
        (struct ebb_kv){ebb_arena_strdup(a, "note"),
                        ebb_arena_strdup(a, "line1\nline2\t\"quoted\" \\ \x01 caf\xc3\xa9")};

    p.spec.paused = true;
    p.spec.min_replicas = 0;
    p.spec.max_replicas = 100000;
    p.spec.n_metrics = 2;
    p.spec.metrics = ebb_arena_calloc(a, 2, sizeof(struct ebb_metric_spec));
    struct ebb_metric_spec *m = &p.spec.metrics[0];
    m->name = ebb_arena_strdup(a, "mem");
    m->type = EBB_METRIC_RESOURCE;
    m->resource.set = true;
    m->resource.name = ebb_arena_strdup(a, "memory");
    m->resource.container = ebb_arena_strdup(a, "app");
    m->target.type = EBB_TARGET_AVERAGE_VALUE;
    m->target.average_utilization = EBB_UNSET;
    m->target.average_value = (struct ebb_quantity){2147483648000LL, true};
    m->scale_up = (struct ebb_band){{1, true}, EBB_UNSET, true};
    m->scale_down = (struct ebb_band){{0, false}, 1, true};
    m = &p.spec.metrics[1];
    m->name = ebb_arena_strdup(a, "qps");
    m->type = EBB_METRIC_PODS;
    m->pods.set = true;
    m->pods.metric_name = ebb_arena_strdup(a, "http_requests");
    m->pods.selector.set = true;
    m->pods.selector.n_match_expressions = 2;
    m->pods.selector.match_expressions = ebb_arena_calloc(a, 2, sizeof(struct ebb_selector_req));
    struct ebb_selector_req *r = &m->pods.selector.match_expressions[0];
    r->key = ebb_arena_strdup(a, "env");
    r->op = EBB_SELECTOR_IN;
    r->n_values = 2;
    r->values = ebb_arena_calloc(a, 2, sizeof(char *));
    r->values[0] = ebb_arena_strdup(a, "prod");
    r->values[1] = ebb_arena_strdup(a, "canary");
    r = &m->pods.selector.match_expressions[1];
    r->key = ebb_arena_strdup(a, "legacy");
    r->op = EBB_SELECTOR_DOES_NOT_EXIST;
    m->target.type = EBB_TARGET_VALUE;
    m->target.average_utilization = EBB_UNSET;
    m->target.value = (struct ebb_quantity){-250, true};
    m->scale_up.for_ms = EBB_UNSET;
    m->scale_down.for_ms = EBB_UNSET;

    p.spec.behavior.set = true;
    p.spec.behavior.scale_up.set = true;
    p.spec.behavior.scale_up.policies_set = true; /* written as [] */
    p.spec.behavior.scale_up.tolerance = (struct ebb_quantity){50, true};
    p.spec.behavior.scale_up.select_policy = EBB_SELECT_DISABLED;
    p.spec.behavior.scale_down.stabilization_ms = 3600000;
    p.spec.behavior.scale_down.set = true;

    struct ebb_policy_status *st = &p.status;
    st->last_scale_ms = -1; /* 1969-12-31T23:59:59.999Z */
    st->n_conditions = 1;
    st->conditions = ebb_arena_calloc(a, 1, sizeof(struct ebb_condition));
    st->conditions[0].type = ebb_arena_strdup(a, "Ready");
    st->conditions[0].status = EBB_COND_UNKNOWN;
    st->conditions[0].last_transition_ms = EBB_TIME_UNSET;
    st->n_channel_ports = 1;
    st->channel_ports = ebb_arena_calloc(a, 1, sizeof(struct ebb_port_assignment));
    st->channel_ports[0] = (struct ebb_port_assignment){3, NULL, 2147483547, 2147483647};

    assert_json_round_trip(&p);

    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    ebb_strbuf_adds(&sb, "prefix:"); /* to_json appends */
    assert_int_equal(ebb_policy_to_json(&p, &sb), EBB_OK);
    assert_true(strncmp(sb.buf, "prefix:{\"apiVersion\"", 20) == 0);
    assert_non_null(strstr(sb.buf, "\"policies\":[]"));
    assert_non_null(strstr(sb.buf, "\"paused\":true"));
    assert_non_null(strstr(sb.buf, "\\u0001"));
    assert_non_null(strstr(sb.buf, "\"status\":\"Unknown\""));
    assert_non_null(strstr(sb.buf, "\"averageValue\":\"2147483648\""));
    assert_non_null(strstr(sb.buf, "\"value\":\"-250m\""));
    ebb_strbuf_release(&sb);

    /* An empty status object is left out. */
    struct ebb_policy e;
    ebb_policy_init(&e);
    assert_int_equal(ebb_policy_to_json(&e, &sb), EBB_OK);
    assert_string_equal(sb.buf, "{\"metadata\":{},\"spec\":{}}");
    ebb_strbuf_reset(&sb);
    assert_int_equal(ebb_policy_status_to_json(&e.status, &sb), EBB_OK);
    assert_string_equal(sb.buf, "{}");
    assert_json_round_trip(&e);
    ebb_strbuf_release(&sb);
    ebb_policy_release(&e);
    ebb_policy_release(&p);
}

/* A nested object whose "set" flag was left false (as code that fills in
 * defaults might) is still written when it holds something: nothing is lost. */
static void test_encode_keeps_unflagged_content(void **state)
{
    (void)state;
    struct ebb_policy p;
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    ebb_policy_init(&p);
    p.spec.behavior.tolerance = (struct ebb_quantity){100, true};
    p.spec.behavior.scale_down.stabilization_ms = 300000;
    assert_int_equal(ebb_policy_to_json(&p, &sb), EBB_OK);
    assert_string_equal(sb.buf, "{\"metadata\":{},\"spec\":{\"behavior\":{\"tolerance\":\"100m\","
                                "\"scaleDown\":{\"stabilizationWindow\":\"5m0s\"}}}}");
    ebb_strbuf_release(&sb);
    ebb_policy_release(&p);
}

/* ---- JSON decoding specifics -------------------------------------------- */

static void decode_json_ok(const char *json, struct ebb_policy *p)
{
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    ebb_policy_init(p);
    enum ebb_rc rc = ebb_policy_from_json(p, json, strlen(json), &errs);
    if (rc != EBB_OK) {
        dump_errors(&errs);
        fail_msg("decoding %s: rc %d", json, rc);
    }
    ebb_errlist_release(&errs);
}

static void test_hpa_seconds_forms(void **state)
{
    (void)state;
    struct ebb_policy p;
    decode_json_ok("{\"spec\":{\"behavior\":{\"scaleUp\":{\"stabilizationWindowSeconds\":0,"
                   "\"policies\":[{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":15}]},"
                   "\"scaleDown\":{\"stabilizationWindowSeconds\":300,"
                   "\"policies\":[{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":1800}]}}}}",
                   &p);
    const struct ebb_behavior *b = &p.spec.behavior;
    assert_int_equal(b->scale_up.stabilization_ms, 0);
    assert_int_equal(b->scale_up.policies[0].period_ms, 15000);
    assert_int_equal(b->scale_down.stabilization_ms, 300000);
    assert_int_equal(b->scale_down.policies[0].period_ms, 1800000);
    assert_int_equal(b->scale_up.cooldown_ms, EBB_UNSET);

    /* Encoded back in the duration form. */
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    assert_int_equal(ebb_policy_to_json(&p, &sb), EBB_OK);
    assert_non_null(strstr(sb.buf, "\"stabilizationWindow\":\"5m0s\""));
    assert_non_null(strstr(sb.buf, "\"period\":\"30m0s\""));
    assert_null(strstr(sb.buf, "Seconds"));
    ebb_strbuf_release(&sb);
    assert_json_round_trip(&p);
    ebb_policy_release(&p);
}

static void test_quantities_as_numbers(void **state)
{
    (void)state;
    struct ebb_policy p;
    decode_json_ok("{\"spec\":{\"metrics\":[{\"target\":{\"averageValue\":100,\"value\":0.1},"
                   "\"scaleUp\":{\"above\":70.5},\"scaleDown\":{\"below\":\"250m\"}}],"
                   "\"behavior\":{\"tolerance\":0.1,\"scaleDown\":{\"tolerance\":1e-3}}}}",
                   &p);
    const struct ebb_metric_spec *m = &p.spec.metrics[0];
    assert_int_equal(m->target.average_value.milli, 100000);
    assert_int_equal(m->target.value.milli, 100);
    assert_int_equal(m->scale_up.threshold.milli, 70500);
    assert_int_equal(m->scale_down.threshold.milli, 250);
    assert_int_equal(p.spec.behavior.tolerance.milli, 100);
    assert_int_equal(p.spec.behavior.scale_down.tolerance.milli, 1);
    assert_json_round_trip(&p);
    ebb_policy_release(&p);
}

static void test_null_means_absent(void **state)
{
    (void)state;
    struct ebb_policy p;
    decode_json_ok("{\"metadata\":{\"name\":null,\"labels\":null},\"spec\":{\"minReplicas\":null,"
                   "\"behavior\":null,\"metrics\":null,\"syncPeriod\":null},\"status\":null}",
                   &p);
    assert_null(p.metadata.name);
    assert_int_equal(p.spec.min_replicas, EBB_UNSET);
    assert_false(p.spec.behavior.set);
    assert_int_equal(p.spec.n_metrics, 0);
    assert_int_equal(p.spec.sync_period_ms, EBB_UNSET);
    ebb_policy_release(&p);
}

static void test_metadata_from_api_server(void **state)
{
    (void)state;
    struct ebb_policy p;
    decode_json_ok(
        "{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicy\",\"metadata\":{"
        "\"name\":\"web\",\"namespace\":\"shop\",\"uid\":\"u-1\",\"resourceVersion\":\"991\","
        "\"generation\":4,\"creationTimestamp\":\"2026-01-02T03:04:05Z\","
        "\"deletionTimestamp\":\"2026-01-03T03:04:05Z\",\"deletionGracePeriodSeconds\":0,"
        "\"labels\":{\"app\":\"web\"},\"annotations\":{\"ebb.dev/paused\":\"true\"},"
        "\"generateName\":\"web-\",\"selfLink\":\"/apis/x\",\"finalizers\":[\"ebb.dev/ports\"],"
        "\"ownerReferences\":[{\"kind\":\"X\",\"name\":\"y\",\"uid\":\"z\"}],"
        "\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Apply\","
        "\"fieldsV1\":{\"f:spec\":{}}}]},\"spec\":{}}",
        &p);
    assert_string_equal(p.metadata.name, "web");
    assert_string_equal(p.metadata.namespace_, "shop");
    assert_string_equal(p.metadata.uid, "u-1");
    assert_string_equal(p.metadata.resource_version, "991");
    assert_int_equal(p.metadata.generation, 4);
    assert_string_equal(p.metadata.creation_timestamp, "2026-01-02T03:04:05Z");
    assert_string_equal(p.metadata.deletion_timestamp, "2026-01-03T03:04:05Z");
    assert_int_equal(p.metadata.n_labels, 1);
    assert_string_equal(ebb_meta_annotation(&p.metadata, "ebb.dev/paused"), "true");
    assert_true(ebb_policy_is_paused(&p));
    assert_json_round_trip(&p);
    ebb_policy_release(&p);
}

/* ---- error messages ----------------------------------------------------- */

struct error_case {
    const char *json; /* decodes with exactly one field error */
    const char *path;
    const char *message;
};

static const struct error_case error_cases[] = {
    /* unknown fields at several depths */
    {"{\"foo\":1}", "foo", "unknown field \"foo\""},
    {"{\"metadata\":{\"lables\":{}}}", "metadata.lables", "unknown field \"lables\""},
    {"{\"spec\":{\"maxReplica\":3}}", "spec.maxReplica", "unknown field \"maxReplica\""},
    {"{\"spec\":{\"metrics\":[{},{},{\"foo\":1}]}}", "spec.metrics[2].foo",
     "unknown field \"foo\""},
    {"{\"spec\":{\"metrics\":[{\"target\":{\"averageUtilisation\":5}}]}}",
     "spec.metrics[0].target.averageUtilisation", "unknown field \"averageUtilisation\""},
    {"{\"spec\":{\"metrics\":[{\"external\":{\"metric\":{\"selector\":{\"matchLabel\":{}}}}}]}}",
     "spec.metrics[0].external.metric.selector.matchLabel", "unknown field \"matchLabel\""},
    {"{\"spec\":{\"metrics\":[{\"scaleUp\":{\"below\":3}}]}}", "spec.metrics[0].scaleUp.below",
     "unknown field \"below\""},
    {"{\"spec\":{\"behavior\":{\"scaleUp\":{\"policies\":[{\"periodSecond\":1}]}}}}",
     "spec.behavior.scaleUp.policies[0].periodSecond", "unknown field \"periodSecond\""},
    {"{\"status\":{\"conditions\":[{\"observedGen\":1}]}}", "status.conditions[0].observedGen",
     "unknown field \"observedGen\""},
    /* wrong JSON types */
    {"{\"spec\":{\"maxReplicas\":\"ten\"}}", "spec.maxReplicas",
     "must be an integer, got string \"ten\""},
    {"{\"spec\":{\"maxReplicas\":1.5}}", "spec.maxReplicas", "must be an integer, got number 1.5"},
    {"{\"spec\":{\"maxReplicas\":3000000000}}", "spec.maxReplicas",
     "must be an integer from 0 to 2147483647, got number 3000000000"},
    {"{\"spec\":{\"maxReplicas\":true}}", "spec.maxReplicas",
     "must be an integer, got boolean true"},
    {"{\"spec\":{\"paused\":\"yes\"}}", "spec.paused",
     "must be a boolean (true or false), got string \"yes\""},
    {"{\"metadata\":{\"name\":5}}", "metadata.name", "must be a string, got number 5"},
    {"{\"metadata\":{\"generation\":9007199254740992}}", "metadata.generation",
     "must be an integer from -9007199254740991 to 9007199254740991, got number "
     "9007199254740992"},
    {"{\"metadata\":{\"labels\":{\"a\":1}}}", "metadata.labels.a",
     "must be a string, got number 1"},
    {"{\"metadata\":{\"labels\":[]}}", "metadata.labels", "must be an object of strings, got list"},
    {"{\"spec\":[]}", "spec", "must be an object, got list"},
    {"{\"spec\":{\"metrics\":{}}}", "spec.metrics", "must be a list, got object"},
    {"{\"spec\":{\"metrics\":[3]}}", "spec.metrics[0]", "must be an object, got number 3"},
    {"{\"spec\":{\"metrics\":[{\"pods\":{\"metric\":{\"selector\":{\"matchExpressions\":[{"
     "\"values\":[\"a\",2]}]}}}}]}}",
     "spec.metrics[0].pods.metric.selector.matchExpressions[0].values[1]",
     "must be a string, got number 2"},
    {"{\"spec\":{\"syncPeriod\":15}}", "spec.syncPeriod",
     "must be a duration string such as \"90s\", \"5m\" or \"1h30m\", got number 15"},
    {"{\"spec\":{\"behavior\":{\"tolerance\":[]}}}", "spec.behavior.tolerance",
     "must be a quantity (a number, or a string such as \"250m\" or \"2Gi\"), got list"},
    {"{\"spec\":{\"schedules\":[{\"start\":1}]}}", "spec.schedules[0].start",
     "must be an RFC 3339 time string, got number 1"},
    /* unsupported enum spellings, in the API server's words */
    {"{\"spec\":{\"metrics\":[{\"type\":\"Cpu\"}]}}", "spec.metrics[0].type",
     "Unsupported value: \"Cpu\": supported values: \"Resource\", \"Pods\", \"External\", "
     "\"Prometheus\""},
    {"{\"spec\":{\"metrics\":[{\"target\":{\"type\":\"utilization\"}}]}}",
     "spec.metrics[0].target.type",
     "Unsupported value: \"utilization\": supported values: \"Utilization\", \"AverageValue\", "
     "\"Value\""},
    {"{\"spec\":{\"behavior\":{\"scaleDown\":{\"selectPolicy\":\"max\"}}}}",
     "spec.behavior.scaleDown.selectPolicy",
     "Unsupported value: \"max\": supported values: \"Max\", \"Min\", \"Disabled\""},
    {"{\"spec\":{\"behavior\":{\"scaleUp\":{\"policies\":[{\"type\":\"\"}]}}}}",
     "spec.behavior.scaleUp.policies[0].type",
     "Unsupported value: \"\": supported values: \"Pods\", \"Percent\""},
    {"{\"spec\":{\"metrics\":[{\"external\":{\"metric\":{\"selector\":{\"matchExpressions\":[{"
     "\"operator\":\"in\"}]}}}}]}}",
     "spec.metrics[0].external.metric.selector.matchExpressions[0].operator",
     "Unsupported value: \"in\": supported values: \"In\", \"NotIn\", \"Exists\", "
     "\"DoesNotExist\""},
    {"{\"status\":{\"conditions\":[{\"status\":\"true\"}]}}", "status.conditions[0].status",
     "Unsupported value: \"true\": supported values: \"True\", \"False\", \"Unknown\""},
    /* malformed values */
    {"{\"spec\":{\"metrics\":[{\"target\":{\"averageValue\":\"5Kb\"}}]}}",
     "spec.metrics[0].target.averageValue",
     "invalid quantity \"5Kb\": unknown suffix \"Kb\"; use n, u, m, k, M, G, T, P, E, Ki, Mi, "
     "Gi, Ti, Pi, Ei or an exponent such as e3"},
    {"{\"spec\":{\"metrics\":[{\"target\":{\"value\":1e300}}]}}", "spec.metrics[0].target.value",
     "invalid quantity 1e+300: out of range: a quantity must be within "
     "+/-9223372036854775807m (about 9.2E)"},
    {"{\"spec\":{\"syncPeriod\":\"15\"}}", "spec.syncPeriod",
     "invalid duration \"15\": missing unit; use ms, s, m or h, e.g. 90s, 5m or 1h30m"},
    {"{\"spec\":{\"syncPeriod\":\"-5s\"}}", "spec.syncPeriod",
     "invalid duration \"-5s\": must not be negative"},
    {"{\"spec\":{\"metrics\":[{\"scaleDown\":{\"for\":\"1.5ms\"}}]}}",
     "spec.metrics[0].scaleDown.for",
     "invalid duration \"1.5ms\": has a part smaller than a millisecond; use whole "
     "milliseconds"},
    {"{\"spec\":{\"schedules\":[{\"end\":\"2026-11-30\"}]}}", "spec.schedules[0].end",
     "invalid time \"2026-11-30\": must be RFC 3339, e.g. \"2026-11-27T00:00:00Z\""},
    {"{\"metadata\":{\"creationTimestamp\":\"yesterday\"}}", "metadata.creationTimestamp",
     "invalid time \"yesterday\": must be RFC 3339, e.g. \"2026-11-27T00:00:00Z\""},
    {"{\"status\":{\"lastScaleTime\":\"0000-01-01T00:00:00+01:00\"}}", "status.lastScaleTime",
     "invalid time \"0000-01-01T00:00:00+01:00\": out of range (years 0000 to 9999)"},
    {"{\"status\":{\"channelPorts\":[{\"range\":\"7700..7799\"}]}}", "status.channelPorts[0].range",
     "invalid port range \"7700..7799\": write \"first-last\", e.g. \"7700-7799\""},
    {"{\"status\":{\"channelPorts\":[{\"range\":7700}]}}", "status.channelPorts[0].range",
     "must be a port range string such as \"7700-7799\", got number 7700"},
    /* the two spellings of one field, and duplicates */
    {"{\"spec\":{\"behavior\":{\"scaleUp\":{\"stabilizationWindow\":\"1m\","
     "\"stabilizationWindowSeconds\":60}}}}",
     "spec.behavior.scaleUp.stabilizationWindowSeconds",
     "cannot be set together with stabilizationWindow; keep one of them"},
    {"{\"spec\":{\"behavior\":{\"scaleUp\":{\"policies\":[{\"periodSeconds\":60,"
     "\"period\":\"1m\"}]}}}}",
     "spec.behavior.scaleUp.policies[0].period",
     "cannot be set together with periodSeconds; keep one of them"},
    {"{\"spec\":{\"behavior\":{\"scaleDown\":{\"stabilizationWindowSeconds\":-1}}}}",
     "spec.behavior.scaleDown.stabilizationWindowSeconds",
     "must be greater than or equal to 0, got -1"},
    {"{\"spec\":{\"minReplicas\":1,\"minReplicas\":2}}", "spec.minReplicas",
     "duplicate field \"minReplicas\""},
    {"{\"metadata\":{\"labels\":{\"a\":\"1\",\"a\":\"2\"}}}", "metadata.labels.a",
     "duplicate key \"a\""},
};

static void test_error_messages(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        const struct error_case *c = &error_cases[i];
        struct ebb_policy p;
        struct ebb_errlist errs = EBB_ERRLIST_INIT;
        ebb_policy_init(&p);
        enum ebb_rc rc = ebb_policy_from_json(&p, c->json, strlen(c->json), &errs);
        if (rc != EBB_ERR_INVALID || errs.n != 1) {
            dump_errors(&errs);
            fail_msg("case %zu %s: rc %d with %zu errors", i, c->json, rc, errs.n);
        }
        if (strcmp(errs.items[0].path, c->path) != 0 ||
            strcmp(errs.items[0].message, c->message) != 0)
            fail_msg("case %zu:\n got  %s: %s\n want %s: %s", i, errs.items[0].path,
                     errs.items[0].message, c->path, c->message);
        /* Whatever was decoded still encodes and decodes cleanly. */
        assert_json_round_trip(&p);
        ebb_errlist_release(&errs);
        ebb_policy_release(&p);
    }
}

static void test_errors_do_not_stop_decoding(void **state)
{
    (void)state;
    const char *json = "{\"spec\":{\"minReplicas\":\"two\",\"maxReplicas\":10,"
                       "\"metrics\":[{\"name\":\"cpu\",\"type\":\"Cpu\",\"bogus\":1,"
                       "\"target\":{\"averageUtilization\":60}},"
                       "{\"name\":\"q\",\"type\":\"External\",\"target\":{\"value\":\"x\"}}],"
                       "\"syncPeriod\":\"30s\"},\"status\":{\"desiredReplicas\":[]}}";
    struct ebb_policy p;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    ebb_policy_init(&p);
    assert_int_equal(ebb_policy_from_json(&p, json, strlen(json), &errs), EBB_ERR_INVALID);
    assert_int_equal(errs.n, 5);
    assert_string_equal(errs.items[0].path, "spec.minReplicas");
    assert_string_equal(errs.items[1].path, "spec.metrics[0].type");
    assert_string_equal(errs.items[2].path, "spec.metrics[0].bogus");
    assert_string_equal(errs.items[3].path, "spec.metrics[1].target.value");
    assert_string_equal(errs.items[4].path, "status.desiredReplicas");
    /* the good fields around them were decoded */
    assert_int_equal(p.spec.min_replicas, EBB_UNSET);
    assert_int_equal(p.spec.max_replicas, 10);
    assert_int_equal(p.spec.n_metrics, 2);
    assert_int_equal(p.spec.metrics[0].type, EBB_METRIC_TYPE_UNSET);
    assert_int_equal(p.spec.metrics[0].target.average_utilization, 60);
    assert_int_equal(p.spec.metrics[1].type, EBB_METRIC_EXTERNAL);
    assert_false(p.spec.metrics[1].target.value.set);
    assert_int_equal(p.spec.sync_period_ms, 30000);
    ebb_errlist_release(&errs);
    ebb_policy_release(&p);
}

static void test_json_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len; /* 0: strlen */
        const char *message;
    } cases[] = {
        {"", 0, "invalid JSON: the input is empty"},
        {"{\"spec\":", 0, "invalid JSON at line 1, column 9"},
        {"{\n  \"spec\": {\n    \"minReplicas\": 1,\n  }\n}", 0,
         "invalid JSON at line 4, column 4"},
        {"{} {}", 0, "invalid JSON at line 1, column 4"},
        {"[1, 2]", 0, "must be a JSON object, got list"},
        {"\"text\"", 0, "must be a JSON object, got string \"text\""},
        {"null", 0, "must be a JSON object, got null"},
        {"{}\0{}", 5, "invalid JSON: the input contains a NUL byte"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_policy p;
        struct ebb_errlist errs = EBB_ERRLIST_INIT;
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        ebb_policy_init(&p);
        assert_int_equal(ebb_policy_from_json(&p, cases[i].text, len, &errs), EBB_ERR_PARSE);
        assert_int_equal(errs.n, 1);
        assert_string_equal(errs.items[0].path, "");
        assert_string_equal(errs.items[0].message, cases[i].message);
        ebb_errlist_release(&errs);
        ebb_policy_release(&p);
    }
}

/* ---- YAML --------------------------------------------------------------- */

static void test_yaml_multi_doc(void **state)
{
    (void)state;
    const char *text = "# leading comment\n"
                       "apiVersion: v1\n"
                       "kind: ConfigMap\n"
                       "metadata: {name: settings}\n"
                       "data: {a: b}\n"
                       "---\n"
                       "---\n"
                       "# an empty document above is skipped\n"
                       "apiVersion: ebb.dev/v1alpha1\n"
                       "kind: ScalingPolicy\n"
                       "metadata:\n"
                       "  name: one\n"
                       "spec:\n"
                       "  maxReplicas: 4\n"
                       "...\n"
                       "--- {apiVersion: ebb.dev/v1beta1, kind: ScalingPolicy}\n"
                       "---\n"
                       "apiVersion: ebb.dev/v1alpha1\n"
                       "kind: ScalingPolicy\n"
                       "metadata: {name: two}\n"
                       "spec: {maxReplicas: 9, bogus: 1}\n"
                       "--- [a, b]\n";
    struct ebb_yaml_docs docs;
    yaml_ok(text, &docs);
    assert_int_equal(docs.n, 5);

    const struct ebb_yaml_doc *d = &docs.docs[0];
    assert_false(d->is_policy);
    assert_string_equal(d->api_version, "v1");
    assert_string_equal(d->kind, "ConfigMap");
    assert_int_equal(d->errors.n, 0);
    assert_int_equal(d->line, 2);

    d = &docs.docs[1];
    assert_true(d->is_policy);
    assert_int_equal(d->line, 7);
    assert_int_equal(d->errors.n, 0);
    assert_string_equal(d->policy.metadata.name, "one");
    assert_int_equal(d->policy.spec.max_replicas, 4);
    assert_int_equal(ebb_yaml_doc_line(d, "spec.maxReplicas"), 14);

    d = &docs.docs[2];
    assert_false(d->is_policy); /* another version is not ours to decode */
    assert_string_equal(d->api_version, "ebb.dev/v1beta1");
    assert_null(d->policy.spec.metrics);

    d = &docs.docs[3];
    assert_true(d->is_policy);
    assert_int_equal(d->line, 17);
    assert_int_equal(d->policy.spec.max_replicas, 9);
    assert_int_equal(d->errors.n, 1);
    assert_string_equal(d->errors.items[0].path, "spec.bogus");
    assert_int_equal(ebb_yaml_doc_line(d, d->errors.items[0].path), 21);

    d = &docs.docs[4];
    assert_false(d->is_policy);
    assert_null(d->api_version);
    assert_int_equal(d->errors.n, 1);
    assert_string_equal(d->errors.items[0].message,
                        "a document must be a mapping (apiVersion, kind, metadata, ...), got list");
    ebb_yaml_docs_release(&docs);

    /* Nothing at all, or only comments: no documents. */
    struct ebb_yaml_error yerr;
    assert_int_equal(ebb_policy_docs_from_yaml("", 0, &docs, &yerr), EBB_OK);
    assert_int_equal(docs.n, 0);
    ebb_yaml_docs_release(&docs);
    assert_int_equal(ebb_policy_docs_from_yaml("# hi\n---\n", 9, &docs, NULL), EBB_OK);
    assert_int_equal(docs.n, 0);
    ebb_yaml_docs_release(&docs);
    ebb_yaml_docs_release(NULL);
}

static void test_yaml_line_numbers(void **state)
{
    (void)state;
    const char *text = "apiVersion: ebb.dev/v1alpha1\n" /* 1 */
                       "kind: ScalingPolicy\n"          /* 2 */
                       "metadata:\n"                    /* 3 */
                       "  name: web\n"                  /* 4 */
                       "spec:\n"                        /* 5 */
                       "  maxReplicas: ten\n"           /* 6 */
                       "  metrics:\n"                   /* 7 */
                       "  - name: cpu\n"                /* 8 */
                       "    type: Resource\n"           /* 9 */
                       "  - name: q\n"                  /* 10 */
                       "    type: Cpu\n"                /* 11 */
                       "    target:\n"                  /* 12 */
                       "      type: AverageValue\n"     /* 13 */
                       "      averageValue: 5Kb\n"      /* 14 */
                       "    external:\n"                /* 15 */
                       "      metric:\n"                /* 16 */
                       "        selector:\n"            /* 17 */
                       "          matchLabels:\n"       /* 18 */
                       "            q: 1\n"             /* 19 */
                       "  behavior:\n"                  /* 20 */
                       "    scaleUp:\n"                 /* 21 */
                       "      policies:\n"              /* 22 */
                       "      - type: Pods\n"           /* 23 */
                       "        value: 4\n"             /* 24 */
                       "        extra: 1\n";            /* 25 */
    struct ebb_yaml_docs docs;
    yaml_ok(text, &docs);
    assert_int_equal(docs.n, 1);
    const struct ebb_yaml_doc *d = &docs.docs[0];
    static const struct {
        const char *path;
        int line;
    } want[] = {
        {"spec.maxReplicas", 6},
        {"spec.metrics[1].type", 11},
        {"spec.metrics[1].target.averageValue", 14},
        {"spec.metrics[1].external.metric.selector.matchLabels.q", 19},
        {"spec.behavior.scaleUp.policies[0].extra", 25},
    };
    assert_int_equal(d->errors.n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(d->errors.items[i].path, want[i].path);
        assert_int_equal(ebb_yaml_doc_line(d, d->errors.items[i].path), want[i].line);
    }
    /* nearest written ancestor, then the document's first line */
    assert_int_equal(ebb_yaml_doc_line(d, "spec.metrics[1].target.value"), 12);
    assert_int_equal(ebb_yaml_doc_line(d, "spec.metrics[1].resource.name"), 10);
    assert_int_equal(ebb_yaml_doc_line(d, "spec.metrics[0]"), 8);
    assert_int_equal(ebb_yaml_doc_line(d, "spec.minReplicas"), 5);
    assert_int_equal(ebb_yaml_doc_line(d, "spec.behavior.scaleUp.policies[3].value"), 22);
    assert_int_equal(ebb_yaml_doc_line(d, "status.conditions[0]"), 1);
    assert_int_equal(ebb_yaml_doc_line(d, ""), 1);
    assert_int_equal(ebb_yaml_doc_line(d, NULL), 1);
    ebb_yaml_docs_release(&docs);
}

static void test_yaml_core_schema(void **state)
{
    (void)state;
    const char *text = "apiVersion: ebb.dev/v1alpha1\n"
                       "kind: ScalingPolicy\n"
                       "metadata: {name: !!str 123, labels: {a: \"1\", b: 'true', c: x y}}\n"
                       "spec:\n"
                       "  minReplicas: 0x2\n"
                       "  maxReplicas: 0o17\n"
                       "  paused: True\n"
                       "  syncPeriod: 1m\n"
                       "  metrics:\n"
                       "  - name: a\n"
                       "    target: {averageValue: 1e3, value: +0.5}\n"
                       "  - name: ~\n"
                       "    target: {averageUtilization: 60.0}\n"
                       "  schedules:\n"
                       "  - {cron: 0 22 * * *, start: 2026-11-27T00:00:00Z}\n";
    struct ebb_yaml_docs docs;
    yaml_ok(text, &docs);
    const struct ebb_yaml_doc *d = &docs.docs[0];
    if (d->errors.n)
        dump_errors(&d->errors);
    assert_int_equal(d->errors.n, 0);
    const struct ebb_policy *p = &d->policy;
    assert_string_equal(p->metadata.name, "123");
    assert_string_equal(p->metadata.labels[0].value, "1");
    assert_string_equal(p->metadata.labels[1].value, "true");
    assert_string_equal(p->metadata.labels[2].value, "x y");
    assert_int_equal(p->spec.min_replicas, 2);
    assert_int_equal(p->spec.max_replicas, 15);
    assert_true(p->spec.paused);
    assert_int_equal(p->spec.metrics[0].target.average_value.milli, 1000000);
    assert_int_equal(p->spec.metrics[0].target.value.milli, 500);
    assert_null(p->spec.metrics[1].name);
    assert_int_equal(p->spec.metrics[1].target.average_utilization, 60);
    assert_string_equal(p->spec.schedules[0].cron, "0 22 * * *");
    assert_int_equal(p->spec.schedules[0].start_ms, t("2026-11-27T00:00:00Z"));
    ebb_yaml_docs_release(&docs);

    /* YAML 1.2: yes/no/on/off are strings, and so are quoted numbers. */
    const char *bad = "apiVersion: ebb.dev/v1alpha1\n"
                      "kind: ScalingPolicy\n"
                      "metadata: {name: 42}\n"
                      "spec:\n"
                      "  paused: yes\n"
                      "  maxReplicas: \"10\"\n"
                      "  minReplicas: .inf\n"
                      "  metrics: [{target: {averageValue: .nan}}]\n";
    yaml_ok(bad, &docs);
    d = &docs.docs[0];
    assert_int_equal(d->errors.n, 5);
    assert_string_equal(d->errors.items[0].message, "must be a string, got number 42");
    assert_string_equal(d->errors.items[1].message,
                        "must be a boolean (true or false), got string \"yes\"");
    assert_string_equal(d->errors.items[2].message, "must be an integer, got string \"10\"");
    assert_string_equal(d->errors.items[3].message, "must be an integer, got number inf");
    assert_string_equal(d->errors.items[4].message, "must be a finite number, got number nan");
    assert_int_equal(ebb_yaml_doc_line(d, d->errors.items[3].path), 7);
    ebb_yaml_docs_release(&docs);
}

struct yaml_error_case {
    const char *text;
    int line;
    int column;
    const char *message; /* substring */
};

static const struct yaml_error_case yaml_error_cases[] = {
    {"a: 1\nb: [1, 2\nc: 3\n", 3, 2, "did not find expected ',' or ']'"},
    {"a: 1\n  b: 2\n", 2, 4, "mapping values are not allowed in this context"},
    {"a: 'open\n", 2, 1, "found unexpected end of stream"},
    {"spec:\n\tmaxReplicas: 3\n", 2, 1, "found character that cannot start any token"},
    {"a: \"\\xff\\0\"\n", 1, 4, "NUL characters (\\0) are not allowed"},
    {"a: \xff\n", 1, 4, "invalid"},
    {"spec:\n  minReplicas: 1\n  maxReplicas: 2\n  minReplicas: 3\n", 4, 3,
     "duplicate key \"minReplicas\" (first at line 2)"},
    {"metadata:\n  labels:\n    a: x\n    'a': y\n", 4, 5, "duplicate key \"a\" (first at line 3)"},
    {"base: &b {x: 1}\n", 1, 7, "anchors (&b) are not supported"},
    {"a: 1\nb: *x\n", 2, 4, "aliases (*x) are not supported"},
    {"a:\n  <<: {x: 1}\n", 2, 3, "merge keys (<<) are not supported"},
    {"? [a, b]\n: 1\n", 1, 3, "mapping keys must be strings, not mappings or lists"},
    {"? {a: 1}\n: 1\n", 1, 3, "mapping keys must be strings, not mappings or lists"},
    {"a: !custom 1\n", 1, 4, "tag !custom is not supported"},
    {"a: !!binary aGk=\n", 1, 4, "tag !!binary is not supported"},
    {"a: !!set {x}\n", 1, 4, "tag !!set is not supported"},
    {"a: !!int abc\n", 1, 4, "value \"abc\" does not match its tag !!int"},
    {"!!int 3: a\n", 1, 1, "tag !!int on a mapping key is not supported"},
};

static void test_yaml_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(yaml_error_cases) / sizeof(yaml_error_cases[0]); i++) {
        const struct yaml_error_case *c = &yaml_error_cases[i];
        struct ebb_yaml_docs docs = {(struct ebb_yaml_doc *)&docs, 99}; /* overwritten */
        struct ebb_yaml_error yerr;
        enum ebb_rc rc = ebb_policy_docs_from_yaml(c->text, strlen(c->text), &docs, &yerr);
        if (rc != EBB_ERR_PARSE)
            fail_msg("case %zu: rc %d", i, rc);
        assert_null(docs.docs);
        assert_int_equal(docs.n, 0);
        if (yerr.line != c->line || yerr.column != c->column ||
            strstr(yerr.message, c->message) == NULL)
            fail_msg("case %zu: got %d:%d: %s\n want %d:%d: %s", i, yerr.line, yerr.column,
                     yerr.message, c->line, c->column, c->message);
    }
}

/* A syntax error in a later document discards the earlier ones too. */
static void test_yaml_error_after_good_document(void **state)
{
    (void)state;
    const char *text = "apiVersion: ebb.dev/v1alpha1\nkind: ScalingPolicy\n---\nx: [\n";
    struct ebb_yaml_docs docs;
    struct ebb_yaml_error yerr;
    assert_int_equal(ebb_policy_docs_from_yaml(text, strlen(text), &docs, &yerr), EBB_ERR_PARSE);
    assert_int_equal(docs.n, 0);
    assert_int_equal(yerr.line, 5);
    assert_true(yerr.message[0] != '\0');
}

static char *nested(int depth)
{
    /* "a: [[[...]]]" with depth containers in all (the root mapping counts). */
    char *s = malloc((size_t)depth * 2 + 8);
    assert_non_null(s);
    size_t n = 0;
    s[n++] = 'a';
    s[n++] = ':';
    s[n++] = ' ';
    for (int i = 1; i < depth; i++)
        s[n++] = '[';
    for (int i = 1; i < depth; i++)
        s[n++] = ']';
    s[n++] = '\n';
    s[n] = '\0';
    return s;
}

static void test_yaml_depth_limit(void **state)
{
    (void)state;
    struct ebb_yaml_docs docs;
    struct ebb_yaml_error yerr;
    char *ok = nested(64);
    assert_int_equal(ebb_policy_docs_from_yaml(ok, strlen(ok), &docs, &yerr), EBB_OK);
    assert_int_equal(docs.n, 1);
    ebb_yaml_docs_release(&docs);
    free(ok);

    char *deep = nested(65);
    assert_int_equal(ebb_policy_docs_from_yaml(deep, strlen(deep), &docs, &yerr), EBB_ERR_PARSE);
    assert_string_equal(yerr.message, "nested deeper than 64 levels");
    assert_int_equal(yerr.line, 1);
    assert_int_equal(yerr.column, 4 + 63);
    free(deep);

    /* Very deep input stays an error, not a stack overflow. */
    char *huge = nested(100000);
    assert_int_equal(ebb_policy_docs_from_yaml(huge, strlen(huge), &docs, &yerr), EBB_ERR_PARSE);
    free(huge);
}

static void test_input_size_limit(void **state)
{
    (void)state;
    size_t len = (8u << 20) + 1;
    char *big = malloc(len);
    assert_non_null(big);
    memset(big, ' ', len);
    struct ebb_yaml_docs docs;
    struct ebb_yaml_error yerr;
    assert_int_equal(ebb_policy_docs_from_yaml(big, len, &docs, &yerr), EBB_ERR_PARSE);
    assert_non_null(strstr(yerr.message, "input too large"));

    struct ebb_policy p;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    ebb_policy_init(&p);
    assert_int_equal(ebb_policy_from_json(&p, big, len, &errs), EBB_ERR_PARSE);
    assert_non_null(strstr(errs.items[0].message, "input too large"));
    ebb_errlist_release(&errs);
    ebb_policy_release(&p);
    free(big);
}

/* ---- allocation failures ------------------------------------------------- */

/* cJSON allocates through hooks: fail the Nth allocation, for every N until
 * a run needs no failure. Each run must end in EBB_OK or EBB_ERR_NOMEM
 * (EBB_ERR_PARSE for JSON: cJSON_Parse cannot tell a failed malloc from bad
 * text) and leak nothing, which ASan and valgrind check. */
struct fault {
    long countdown; /* allocations left before the failing one; < 0: never */
    long calls;
};

/* cJSON's hooks take no context pointer, so the test needs this one
 * variable; it lives in the test program, never in the library. */
static struct fault fault_state = {-1, 0};

static void *failing_malloc(size_t n)
{
    fault_state.calls++;
    if (fault_state.countdown == 0) {
        fault_state.countdown = -1;
        return NULL;
    }
    if (fault_state.countdown > 0)
        fault_state.countdown--;
    return malloc(n);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    size_t len;
    char *yaml = read_file(FULL_FIXTURE, &len);
    struct ebb_strbuf json = EBB_STRBUF_INIT;
    cJSON_Hooks hooks = {failing_malloc, free};
    cJSON_InitHooks(&hooks);

    /* the JSON text of the fixture, made with no failure */
    struct ebb_yaml_docs docs;
    assert_int_equal(ebb_policy_docs_from_yaml(yaml, len, &docs, NULL), EBB_OK);
    assert_int_equal(ebb_policy_to_json(&docs.docs[0].policy, &json), EBB_OK);
    ebb_yaml_docs_release(&docs);

    int yaml_ok_runs = 0;
    int json_ok_runs = 0;
    for (long n = 0; n < 100000; n++) {
        fault_state = (struct fault){n, 0};
        enum ebb_rc rc = ebb_policy_docs_from_yaml(yaml, len, &docs, NULL);
        assert_true(rc == EBB_OK || rc == EBB_ERR_NOMEM);
        if (rc == EBB_OK) {
            assert_int_equal(docs.n, 1);
            check_full(&docs.docs[0].policy);
            yaml_ok_runs++;
        }
        ebb_yaml_docs_release(&docs);
        bool done = fault_state.countdown >= 0; /* the failure was never reached */

        fault_state = (struct fault){n, 0};
        struct ebb_policy p;
        struct ebb_errlist errs = EBB_ERRLIST_INIT;
        ebb_policy_init(&p);
        rc = ebb_policy_from_json(&p, json.buf, json.len, &errs);
        assert_true(rc == EBB_OK || rc == EBB_ERR_NOMEM || rc == EBB_ERR_PARSE);
        if (rc == EBB_OK) {
            check_full(&p);
            json_ok_runs++;
        }
        bool json_done = fault_state.countdown >= 0;
        ebb_errlist_release(&errs);
        ebb_policy_release(&p);
        if (done && json_done)
            break;
    }
    fault_state = (struct fault){-1, 0};
    cJSON_InitHooks(NULL);
    assert_true(yaml_ok_runs >= 1);
    assert_true(json_ok_runs >= 1);
    ebb_strbuf_release(&json);
    free(yaml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_yaml),
        cmocka_unit_test(test_full_json_round_trip),
        cmocka_unit_test(test_from_cjson),
        cmocka_unit_test(test_constructed_round_trip),
        cmocka_unit_test(test_encode_keeps_unflagged_content),
        cmocka_unit_test(test_hpa_seconds_forms),
        cmocka_unit_test(test_quantities_as_numbers),
        cmocka_unit_test(test_null_means_absent),
        cmocka_unit_test(test_metadata_from_api_server),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_errors_do_not_stop_decoding),
        cmocka_unit_test(test_json_parse_errors),
        cmocka_unit_test(test_yaml_multi_doc),
        cmocka_unit_test(test_yaml_line_numbers),
        cmocka_unit_test(test_yaml_core_schema),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_yaml_error_after_good_document),
        cmocka_unit_test(test_yaml_depth_limit),
        cmocka_unit_test(test_input_size_limit),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
