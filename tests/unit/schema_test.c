/* schema_test.c -- crds/ebb.dev_scalingpolicies.yaml agrees with validate.c.
 *
 * The CRD is written by hand, so nothing but this test keeps its schema and
 * the C validator saying the same thing. It reads the CRD with libyaml and
 * checks that
 *   (a) every enum in the schema spells exactly the C enum's values;
 *   (b) every minimum, maximum, minItems and maxItems, and every duration
 *       bound of a CEL rule, is where validate.c draws the line: the C
 *       validator is probed at each bound and just beyond it;
 *   (c) the schema's required fields are the ones validate.c requires;
 *   (d) a small structural evaluator (types, required, enum, bounds,
 *       patterns, unknown fields, list-map keys) accepts every valid-*
 *       fixture and rejects each invalid-* fixture at the path it names;
 *       fixtures whose rule is cross-field name a CEL rule's message
 *       instead ("# cel: ..."); tests/fixtures/policies/README.md lists
 *       the markers.
 * Changing an enum, a limit or a required field on one side only fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "../../pkg/api/v1alpha1/codec.h"
#include "../../pkg/api/v1alpha1/defaults.h"
#include "../../pkg/api/v1alpha1/duration.h"
#include "../../pkg/api/v1alpha1/quantity.h"
#include "../../pkg/api/v1alpha1/validate.h"

#define CRD "crds/ebb.dev_scalingpolicies.yaml"
#define FIXTURES "tests/fixtures/policies"
#define COUNT(t) (sizeof(t) / sizeof(*(t)))
#define PATH_SZ 256

/* snprintf for paths: they are short, and a truncated one would only make
 * a message odd, never overflow. */
static void pathf(char *buf, size_t bufsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pathf(char *buf, size_t bufsz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, bufsz, fmt, ap);
    va_end(ap);
}

/* ---- a small YAML tree ---------------------------------------------------- */

enum nkind { N_SCALAR, N_MAP, N_SEQ };

struct node {
    enum nkind kind;
    char *text;         /* N_SCALAR */
    bool plain;         /* N_SCALAR written without quotes: typed by the core schema */
    char **keys;        /* N_MAP */
    struct node **kids; /* N_MAP values, N_SEQ items */
    size_t n;
    size_t cap;
};

static void node_free(struct node *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys)
            free(n->keys[i]);
        node_free(n->kids[i]);
    }
    free(n->keys);
    free(n->kids);
    free(n->text);
    free(n);
}

static struct node *node_new(enum nkind kind)
{
    struct node *n = calloc(1, sizeof(*n));
    assert_non_null(n);
    n->kind = kind;
    return n;
}

static void node_push(struct node *n, char *key, struct node *kid)
{
    if (n->n == n->cap) {
        n->cap = n->cap ? 2 * n->cap : 8;
        n->kids = realloc(n->kids, n->cap * sizeof(*n->kids));
        assert_non_null(n->kids);
        if (n->kind == N_MAP) {
            n->keys = realloc(n->keys, n->cap * sizeof(*n->keys));
            assert_non_null(n->keys);
        }
    }
    if (n->kind == N_MAP)
        n->keys[n->n] = key;
    n->kids[n->n++] = kid;
}

static void next_event(yaml_parser_t *ps, yaml_event_t *ev)
{
    if (!yaml_parser_parse(ps, ev)) {
        print_message("YAML error at line %zu: %s\n", ps->problem_mark.line + 1,
                      ps->problem ? ps->problem : "?");
        fail();
    }
}

/* Builds the node that starts with ev (consumed). */
static struct node *build(yaml_parser_t *ps, yaml_event_t *ev)
{
    struct node *n = NULL;
    yaml_event_t e;

    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = node_new(N_SCALAR);
        n->text = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        assert_non_null(n->text);
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        break;
    case YAML_SEQUENCE_START_EVENT:
        n = node_new(N_SEQ);
        for (;;) {
            next_event(ps, &e);
            if (e.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            node_push(n, NULL, build(ps, &e));
        }
        break;
    case YAML_MAPPING_START_EVENT:
        n = node_new(N_MAP);
        for (;;) {
            next_event(ps, &e);
            if (e.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            assert_int_equal(e.type, YAML_SCALAR_EVENT);
            char *key = strndup((const char *)e.data.scalar.value, e.data.scalar.length);
            assert_non_null(key);
            yaml_event_delete(&e);
            next_event(ps, &e);
            node_push(n, key, build(ps, &e));
        }
        break;
    default:
        print_message("unexpected YAML event %d (aliases are not used here)\n", ev->type);
        fail();
    }
    yaml_event_delete(ev);
    return n;
}

static struct node *load_text(const char *text, size_t len)
{
    yaml_parser_t ps;
    yaml_event_t ev;
    struct node *root = NULL;

    assert_true(yaml_parser_initialize(&ps));
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
    for (;;) {
        next_event(&ps, &ev);
        if (ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        root = build(&ps, &ev);
    }
    yaml_parser_delete(&ps);
    assert_non_null(root);
    return root;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0;
    size_t cap = 0;

    if (f == NULL) {
        print_message("%s: cannot open\n", path);
        fail();
    }
    for (;;) {
        if (n + 4097 > cap) {
            cap = cap ? 2 * cap : 16384;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static struct node *load_file(const char *path)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    struct node *root = load_text(text, len);
    free(text);
    return root;
}

static const struct node *get(const struct node *n, const char *key)
{
    if (n == NULL || n->kind != N_MAP)
        return NULL;
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->keys[i], key) == 0)
            return n->kids[i];
    return NULL;
}

static const char *text_of(const struct node *n)
{
    return n != NULL && n->kind == N_SCALAR ? n->text : NULL;
}

static bool is_true(const struct node *n)
{
    return text_of(n) != NULL && strcmp(n->text, "true") == 0;
}

static bool re_match(const char *re, const char *s)
{
    regex_t rx;
    int rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        print_message("bad regex %s\n", re);
        fail();
    }
    bool ok = regexec(&rx, s, 0, NULL, 0) == 0;
    regfree(&rx);
    return ok;
}

/* YAML 1.2 core schema, as the codec and the API server's YAML reader type
 * plain scalars. */
enum vtype { V_NULL, V_BOOL, V_INT, V_FLOAT, V_STRING };

static enum vtype vtype_of(const struct node *n)
{
    if (!n->plain)
        return V_STRING;
    if (re_match("^(|~|null|Null|NULL)$", n->text))
        return V_NULL;
    if (re_match("^(true|True|TRUE|false|False|FALSE)$", n->text))
        return V_BOOL;
    if (re_match("^([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", n->text))
        return V_INT;
    if (re_match("^([-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|"
                 "\\.(nan|NaN|NAN))$",
                 n->text))
        return V_FLOAT;
    return V_STRING;
}

/* ---- the schema ------------------------------------------------------------ */

static const struct node *crd_schema(const struct node *crd)
{
    const struct node *v = get(get(crd, "spec"), "versions");
    assert_non_null(v);
    assert_int_equal(v->kind, N_SEQ);
    assert_int_equal(v->n, 1);
    const struct node *s = get(get(v->kids[0], "schema"), "openAPIV3Schema");
    assert_non_null(s);
    return s;
}

/* The schema of a dotted path: "spec.metrics[].target.type". */
static const struct node *schema_at(const struct node *crd, const char *path)
{
    const struct node *s = crd_schema(crd);
    char buf[PATH_SZ];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *part = buf; part != NULL && s != NULL;) {
        char *dot = strchr(part, '.');
        if (dot)
            *dot = '\0';
        size_t len = strlen(part);
        bool item = len > 2 && strcmp(part + len - 2, "[]") == 0;
        if (item)
            part[len - 2] = '\0';
        s = get(get(s, "properties"), part);
        if (item)
            s = get(s, "items");
        part = dot ? dot + 1 : NULL;
    }
    if (s == NULL)
        print_message("%s: not in the schema\n", path);
    assert_non_null(s);
    return s;
}

static void join(char *out, const char *path, const char *key)
{
    if (path[0] == '\0')
        pathf(out, PATH_SZ, "%s", key);
    else
        pathf(out, PATH_SZ, "%s.%s", path, key);
}

/* Visits every schema node with its dotted path ("[]" for array items). */
typedef void (*visit_fn)(const struct node *s, const char *path, void *arg);

static void walk(const struct node *s, const char *path, visit_fn fn, void *arg)
{
    char sub[PATH_SZ];

    fn(s, path, arg);
    const struct node *props = get(s, "properties");
    for (size_t i = 0; props && i < props->n; i++) {
        join(sub, path, props->keys[i]);
        walk(props->kids[i], sub, fn, arg);
    }
    const struct node *items = get(s, "items");
    if (items) {
        pathf(sub, sizeof(sub), "%s[]", path);
        walk(items, sub, fn, arg);
    }
    const struct node *addl = get(s, "additionalProperties");
    if (addl && addl->kind == N_MAP) {
        pathf(sub, sizeof(sub), "%s.*", path);
        walk(addl, sub, fn, arg);
    }
}

/* ---- a small structural evaluator ------------------------------------------- */

static bool type_ok(const struct node *s, const struct node *v)
{
    const char *type = text_of(get(s, "type"));
    enum vtype vt = v->kind == N_SCALAR ? vtype_of(v) : V_NULL;

    if (is_true(get(s, "x-kubernetes-int-or-string")))
        return v->kind == N_SCALAR && (vt == V_INT || vt == V_STRING);
    if (type == NULL)
        return false; /* not structural */
    if (strcmp(type, "object") == 0)
        return v->kind == N_MAP;
    if (strcmp(type, "array") == 0)
        return v->kind == N_SEQ;
    if (v->kind != N_SCALAR)
        return false;
    if (strcmp(type, "string") == 0)
        return vt == V_STRING;
    if (strcmp(type, "integer") == 0)
        return vt == V_INT;
    if (strcmp(type, "number") == 0)
        return vt == V_INT || vt == V_FLOAT;
    if (strcmp(type, "boolean") == 0)
        return vt == V_BOOL;
    return false;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void eval_scalar(const struct node *s, const struct node *v, const char *path,
                        struct ebb_errlist *errs)
{
    enum vtype vt = vtype_of(v);
    const struct node *en = get(s, "enum");

    if (en) {
        bool found = false;
        for (size_t i = 0; i < en->n && !found; i++)
            found = strcmp(en->kids[i]->text, v->text) == 0;
        if (!found)
            ebb_errlist_add(errs, path, "Unsupported value: \"%s\"", v->text);
    }
    if (vt == V_STRING) {
        const char *pat = text_of(get(s, "pattern"));
        const char *min = text_of(get(s, "minLength"));
        const char *max = text_of(get(s, "maxLength"));
        const char *fmt = text_of(get(s, "format"));
        size_t len = utf8_len(v->text);
        if (min && len < (size_t)strtoull(min, NULL, 10))
            ebb_errlist_add(errs, path, "should be at least %s chars long", min);
        if (max && len > (size_t)strtoull(max, NULL, 10))
            ebb_errlist_add(errs, path, "may not be more than %s bytes", max);
        if (pat && !re_match(pat, v->text))
            ebb_errlist_add(errs, path, "should match '%s'", pat);
        if (fmt && strcmp(fmt, "date-time") == 0 &&
            !re_match("^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?"
                      "([Zz]|[+-][0-9]{2}:[0-9]{2})$",
                      v->text))
            ebb_errlist_add(errs, path, "must be an RFC 3339 date-time");
    }
    if (vt == V_INT || vt == V_FLOAT) {
        double x = strtod(v->text, NULL);
        const char *min = text_of(get(s, "minimum"));
        const char *max = text_of(get(s, "maximum"));
        bool excl = is_true(get(s, "exclusiveMinimum"));
        if (min && (excl ? x <= strtod(min, NULL) : x < strtod(min, NULL)))
            ebb_errlist_add(errs, path, "should be greater than %s%s", excl ? "" : "or equal to ",
                            min);
        if (max && x > strtod(max, NULL))
            ebb_errlist_add(errs, path, "should be less than or equal to %s", max);
    }
}

static void eval(const struct node *s, const struct node *v, const char *path,
                 struct ebb_errlist *errs)
{
    char sub[PATH_SZ];

    if (!type_ok(s, v)) {
        ebb_errlist_add(errs, path, "Invalid value: must be of type %s",
                        text_of(get(s, "type")) ? text_of(get(s, "type")) : "integer or string");
        return;
    }
    if (v->kind == N_SCALAR) {
        eval_scalar(s, v, path, errs);
        return;
    }
    if (v->kind == N_MAP) {
        const struct node *props = get(s, "properties");
        const struct node *addl = get(s, "additionalProperties");
        /* metadata is the API server's; our schema leaves it open. */
        if (props == NULL && addl == NULL && strcmp(path, "metadata") == 0)
            return;
        for (size_t i = 0; i < v->n; i++) {
            const struct node *ps = get(props, v->keys[i]);
            join(sub, path, v->keys[i]);
            if (ps)
                eval(ps, v->kids[i], sub, errs);
            else if (addl && addl->kind == N_MAP)
                eval(addl, v->kids[i], sub, errs);
            else
                ebb_errlist_add(errs, sub, "unknown field \"%s\"", v->keys[i]);
        }
        const struct node *req = get(s, "required");
        for (size_t i = 0; req && i < req->n; i++) {
            if (get(v, req->kids[i]->text) == NULL) {
                join(sub, path, req->kids[i]->text);
                ebb_errlist_add(errs, sub, "Required value");
            }
        }
        return;
    }
    /* N_SEQ */
    const char *min = text_of(get(s, "minItems"));
    const char *max = text_of(get(s, "maxItems"));
    if (min && v->n < (size_t)strtoull(min, NULL, 10))
        ebb_errlist_add(errs, path, "Required value: should have at least %s items", min);
    if (max && v->n > (size_t)strtoull(max, NULL, 10))
        ebb_errlist_add(errs, path, "Too many: %zu: must have at most %s items", v->n, max);
    const struct node *items = get(s, "items");
    for (size_t i = 0; items && i < v->n; i++) {
        pathf(sub, sizeof(sub), "%s[%zu]", path, i);
        eval(items, v->kids[i], sub, errs);
    }
    const char *lt = text_of(get(s, "x-kubernetes-list-type"));
    const struct node *keys = get(s, "x-kubernetes-list-map-keys");
    if (lt && strcmp(lt, "map") == 0 && keys) {
        assert_int_equal(keys->n, 1); /* all ours are keyed by one field */
        const char *k = keys->kids[0]->text;
        for (size_t j = 1; j < v->n; j++) {
            for (size_t i = 0; i < j; i++) {
                const char *a = text_of(get(v->kids[i], k));
                const char *b = text_of(get(v->kids[j], k));
                if (a && b && strcmp(a, b) == 0) {
                    pathf(sub, sizeof(sub), "%s[%zu].%s", path, j, k);
                    ebb_errlist_add(errs, sub, "Duplicate value: \"%s\"", b);
                    break;
                }
            }
        }
    }
}

/* ---- policies for probing the C validator ------------------------------------ */

static const char base_yaml[] =
    "apiVersion: ebb.dev/v1alpha1\n"
    "kind: ScalingPolicy\n"
    "metadata: {name: flow8, namespace: flow8}\n"
    "spec:\n"
    "  targetRef: {apiVersion: apps/v1, kind: StatefulSet, name: flow8}\n"
    "  minReplicas: 2\n"
    "  maxReplicas: 10\n"
    "  syncPeriod: 15s\n"
    "  metrics:\n"
    "  - name: cpu\n"
    "    type: Resource\n"
    "    resource: {name: cpu, container: app}\n"
    "    target: {type: Utilization, averageUtilization: 60}\n"
    "    scaleUp: {above: 70, for: 5m}\n"
    "    scaleDown: {below: 30, for: 15m}\n"
    "  - name: rps\n"
    "    type: Prometheus\n"
    "    prometheus: {address: \"http://prometheus.monitoring:9090\", query: "
    "\"sum(rate(x[1m]))\"}\n"
    "    target: {type: AverageValue, averageValue: \"100\"}\n"
    "  - name: queue\n"
    "    type: External\n"
    "    external:\n"
    "      metric:\n"
    "        name: queue_depth\n"
    "        selector:\n"
    "          matchLabels: {queue: jobs}\n"
    "          matchExpressions: [{key: tier, operator: In, values: [a]}]\n"
    "    target: {type: Value, value: 50}\n"
    "  - name: inflight\n"
    "    type: Pods\n"
    "    pods:\n"
    "      metric:\n"
    "        name: inflight\n"
    "        selector:\n"
    "          matchExpressions: [{key: zone, operator: In, values: [a, b]}]\n"
    "    target: {type: AverageValue, averageValue: 500m}\n"
    "  behavior:\n"
    "    tolerance: \"0.1\"\n"
    "    scaleUp:\n"
    "      tolerance: \"0.05\"\n"
    "      stabilizationWindow: 0s\n"
    "      cooldown: 3m\n"
    "      policies: [{type: Percent, value: 50, period: 60s}, {type: Pods, value: 4, period: "
    "60s}]\n"
    "    scaleDown:\n"
    "      tolerance: \"0.2\"\n"
    "      stabilizationWindow: 5m\n"
    "      cooldown: 15m\n"
    "      policies: [{type: Pods, value: 1, period: 60s}]\n"
    "  schedules:\n"
    "  - {name: night, cron: \"0 22 * * *\", duration: 8h, timeZone: Europe/Berlin, "
    "minReplicas: 1, maxReplicas: 3}\n"
    "  - {name: black-friday, start: \"2026-11-27T00:00:00Z\", end: \"2026-11-30T23:59:59Z\", "
    "minReplicas: 8}\n"
    "  channelPorts: {pool: flow8, base: 7700, rangeSize: 100, limit: 8699}\n";

enum { M_CPU, M_RPS, M_QUEUE, M_INFLIGHT };
enum { S_NIGHT, S_BF };

struct probe {
    struct ebb_yaml_docs docs;
    struct ebb_policy *p;
};

static void probe_load(struct probe *pr)
{
    struct ebb_yaml_error yerr;
    assert_int_equal(ebb_policy_docs_from_yaml(base_yaml, strlen(base_yaml), &pr->docs, &yerr),
                     EBB_OK);
    assert_int_equal(pr->docs.n, 1);
    assert_int_equal(pr->docs.docs[0].errors.n, 0);
    pr->p = &pr->docs.docs[0].policy;
    assert_int_equal(pr->p->spec.n_metrics, 4);
    assert_int_equal(pr->p->spec.n_schedules, 2);
    assert_int_equal(ebb_policy_defaults(pr->p), EBB_OK);
}

static void probe_release(struct probe *pr)
{
    ebb_yaml_docs_release(&pr->docs);
}

static void dump(const struct ebb_errlist *errs)
{
    for (size_t i = 0; i < errs->n; i++)
        print_message("    %s: %s\n", errs->items[i].path, errs->items[i].message);
}

static bool has_error(const struct ebb_errlist *errs, const char *path, const char *frag)
{
    for (size_t i = 0; i < errs->n; i++)
        if (strcmp(errs->items[i].path, path) == 0 &&
            (frag == NULL || strstr(errs->items[i].message, frag)))
            return true;
    return false;
}

static void *A(struct ebb_policy *p, size_t n, size_t size)
{
    void *r = ebb_arena_calloc(&p->arena, n ? n : 1, size);
    assert_non_null(r);
    return r;
}

static char *S(struct ebb_policy *p, const char *s)
{
    char *r = ebb_arena_strdup(&p->arena, s);
    assert_non_null(r);
    return r;
}

static struct ebb_metric_spec *M(struct ebb_policy *p, size_t i)
{
    return &p->spec.metrics[i];
}

static struct ebb_quantity Q(int64_t milli) {
    struct ebb_quantity q = {milli, true};
    return q;
}

/* ---- (b) numeric limits ------------------------------------------------------- */

static void
l_min(struct ebb_policy *p, int64_t v)
{
    p->spec.min_replicas = (int32_t)v;
}
static void l_min_max(struct ebb_policy *p, int64_t v)
{
    p->spec.min_replicas = (int32_t)v;
    p->spec.max_replicas = EBB_MAX_REPLICAS;
    p->spec.channel_ports.set = false;
}
static void l_max(struct ebb_policy *p, int64_t v)
{
    p->spec.max_replicas = (int32_t)v;
    p->spec.min_replicas = 0;
    p->spec.channel_ports.set = false;
}
static void l_metrics(struct ebb_policy *p, int64_t v)
{
    struct ebb_metric_spec *ms = A(p, (size_t)v, sizeof(*ms));
    for (int64_t i = 0; i < v; i++) {
        char name[24];
        ms[i] = p->spec.metrics[M_QUEUE];
        snprintf(name, sizeof(name), "m%" PRId64, i);
        ms[i].name = S(p, name);
    }
    p->spec.metrics = ms;
    p->spec.n_metrics = (size_t)v;
}
static void l_util(struct ebb_policy *p, int64_t v)
{
    M(p, M_CPU)->target.average_utilization = (int32_t)v;
}
static void l_avg(struct ebb_policy *p, int64_t v)
{
    M(p, M_RPS)->target.average_value = Q(v * 1000);
}
static void l_value(struct ebb_policy *p, int64_t v)
{
    M(p, M_QUEUE)->target.value = Q(v * 1000);
}
static void l_above(struct ebb_policy *p, int64_t v)
{
    M(p, M_CPU)->scale_up.threshold = Q(v * 1000);
    M(p, M_CPU)->scale_down.set = false;
}
static void l_below(struct ebb_policy *p, int64_t v)
{
    M(p, M_CPU)->scale_down.threshold = Q(v * 1000);
}
static void l_tolerance(struct ebb_policy *p, int64_t v)
{
    p->spec.behavior.tolerance = Q(v * 1000);
}
static void l_up_tolerance(struct ebb_policy *p, int64_t v)
{
    p->spec.behavior.scale_up.tolerance = Q(v * 1000);
}
static void l_down_tolerance(struct ebb_policy *p, int64_t v)
{
    p->spec.behavior.scale_down.tolerance = Q(v * 1000);
}
static void l_up_window(struct ebb_policy *p, int64_t v)
{
    p->spec.behavior.scale_up.stabilization_ms = v * 1000;
}
static void l_down_window(struct ebb_policy *p, int64_t v)
{
    p->spec.behavior.scale_down.stabilization_ms = v * 1000;
}
static void set_policies(struct ebb_scaling_rules *r, struct ebb_policy *p, int64_t v)
{
    struct ebb_rate_policy *rp = A(p, (size_t)v, sizeof(*rp));
    for (int64_t i = 0; i < v; i++)
        rp[i] = (struct ebb_rate_policy){EBB_RATE_PODS, 4, 60000};
    r->policies = rp;
    r->n_policies = (size_t)v;
    r->policies_set = true;
}
static void l_up_policies(struct ebb_policy *p, int64_t v)
{
    set_policies(&p->spec.behavior.scale_up, p, v);
}
static void l_down_policies(struct ebb_policy *p, int64_t v)
{
    set_policies(&p->spec.behavior.scale_down, p, v);
}
static void l_up_value(struct ebb_policy *p, int64_t v)
{
    p->spec.behavior.scale_up.policies[0].value = (int32_t)v;
}
static void l_down_value(struct ebb_policy *p, int64_t v)
{
    p->spec.behavior.scale_down.policies[0].value = (int32_t)v;
}
static void l_up_period_s(struct ebb_policy *p, int64_t v)
{
    p->spec.behavior.scale_up.policies[0].period_ms = v * 1000;
}
static void l_down_period_s(struct ebb_policy *p, int64_t v)
{
    p->spec.behavior.scale_down.policies[0].period_ms = v * 1000;
}
static void l_schedules(struct ebb_policy *p, int64_t v)
{
    struct ebb_schedule *ss = A(p, (size_t)v, sizeof(*ss));
    for (int64_t i = 0; i < v; i++) {
        char name[24];
        ss[i] = p->spec.schedules[S_NIGHT];
        snprintf(name, sizeof(name), "s%" PRId64, i);
        ss[i].name = S(p, name);
    }
    p->spec.schedules = ss;
    p->spec.n_schedules = (size_t)v;
}
/* A schedule's bounds must also fit the port pool: a cross-field rule (a
 * CEL rule in the CRD), so the probes of the field's own bounds go without
 * the pool. */
static void l_sched_min(struct ebb_policy *p, int64_t v)
{
    p->spec.schedules[S_BF].min_replicas = (int32_t)v;
    p->spec.channel_ports.set = false;
}
static void l_sched_max(struct ebb_policy *p, int64_t v)
{
    p->spec.schedules[S_NIGHT].min_replicas = 1;
    p->spec.schedules[S_NIGHT].max_replicas = (int32_t)v;
    p->spec.channel_ports.set = false;
}
/* A pool of one slot: maxReplicas 1, and no schedule asking for more. */
static void one_replica(struct ebb_policy *p)
{
    p->spec.max_replicas = 1;
    p->spec.min_replicas = 1;
    p->spec.n_schedules = 0;
}
static void l_base(struct ebb_policy *p, int64_t v)
{
    one_replica(p);
    p->spec.channel_ports.base = (int32_t)v;
    p->spec.channel_ports.range_size = 1;
    p->spec.channel_ports.limit = 65535;
}
static void l_range(struct ebb_policy *p, int64_t v)
{
    one_replica(p);
    p->spec.channel_ports.base = 1;
    p->spec.channel_ports.range_size = (int32_t)v;
    p->spec.channel_ports.limit = 65535;
}
static void l_limit(struct ebb_policy *p, int64_t v)
{
    one_replica(p);
    p->spec.channel_ports.base = 1;
    p->spec.channel_ports.range_size = 1;
    p->spec.channel_ports.limit = (int32_t)v;
}
static void set_exprs(struct ebb_label_selector *sel, struct ebb_policy *p, int64_t v)
{
    struct ebb_selector_req *r = A(p, (size_t)v, sizeof(*r));
    for (int64_t i = 0; i < v; i++)
        r[i] = sel->match_expressions[0];
    sel->match_expressions = r;
    sel->n_match_expressions = (size_t)v;
}
static void l_pods_exprs(struct ebb_policy *p, int64_t v)
{
    set_exprs(&M(p, M_INFLIGHT)->pods.selector, p, v);
}
static void l_ext_exprs(struct ebb_policy *p, int64_t v)
{
    set_exprs(&M(p, M_QUEUE)->external.selector, p, v);
}
static void set_values(struct ebb_selector_req *r, struct ebb_policy *p, int64_t v)
{
    char **vals = A(p, (size_t)v, sizeof(*vals));
    for (int64_t i = 0; i < v; i++)
        vals[i] = r->values[0];
    r->values = vals;
    r->n_values = (size_t)v;
}
static void l_pods_values(struct ebb_policy *p, int64_t v)
{
    set_values(&M(p, M_INFLIGHT)->pods.selector.match_expressions[0], p, v);
}
static void l_ext_values(struct ebb_policy *p, int64_t v)
{
    set_values(&M(p, M_QUEUE)->external.selector.match_expressions[0], p, v);
}

#define NO_CONST INT64_MIN
#define SEL_P "spec.metrics[].pods.metric.selector.matchExpressions"
#define SEL_E "spec.metrics[].external.metric.selector.matchExpressions"
#define CSEL_P "spec.metrics[3].pods.metric.selector.matchExpressions"
#define CSEL_E "spec.metrics[2].external.metric.selector.matchExpressions"

struct limit {
    const char *schema; /* the schema node */
    const char *kw;     /* minimum, maximum, minItems, maxItems */
    void (*set)(struct ebb_policy *p, int64_t v);
    const char *c_path; /* where validate.c reports a value beyond the bound */
    int64_t constant;   /* the C constant the bound must equal, or NO_CONST */
};

static const struct limit limits[] = {
    {"spec.minReplicas", "minimum", l_min, "spec.minReplicas", 0},
    {"spec.minReplicas", "maximum", l_min_max, "spec.minReplicas", EBB_MAX_REPLICAS},
    {"spec.maxReplicas", "minimum", l_max, "spec.maxReplicas", 1},
    {"spec.maxReplicas", "maximum", l_max, "spec.maxReplicas", EBB_MAX_REPLICAS},
    {"spec.metrics", "minItems", l_metrics, "spec.metrics", 1},
    {"spec.metrics", "maxItems", l_metrics, "spec.metrics", EBB_MAX_METRICS},
    {"spec.metrics[].target.averageUtilization", "minimum", l_util,
     "spec.metrics[0].target.averageUtilization", NO_CONST},
    {"spec.metrics[].target.averageValue", "minimum", l_avg, "spec.metrics[1].target.averageValue",
     0},
    {"spec.metrics[].target.value", "minimum", l_value, "spec.metrics[2].target.value", 0},
    {"spec.metrics[].scaleUp.above", "minimum", l_above, "spec.metrics[0].scaleUp.above", 0},
    {"spec.metrics[].scaleDown.below", "minimum", l_below, "spec.metrics[0].scaleDown.below", 0},
    {"spec.behavior.tolerance", "minimum", l_tolerance, "spec.behavior.tolerance", 0},
    {"spec.behavior.scaleUp.tolerance", "minimum", l_up_tolerance,
     "spec.behavior.scaleUp.tolerance", 0},
    {"spec.behavior.scaleDown.tolerance", "minimum", l_down_tolerance,
     "spec.behavior.scaleDown.tolerance", 0},
    {"spec.behavior.scaleUp.stabilizationWindowSeconds", "minimum", l_up_window,
     "spec.behavior.scaleUp.stabilizationWindow", 0},
    {"spec.behavior.scaleUp.stabilizationWindowSeconds", "maximum", l_up_window,
     "spec.behavior.scaleUp.stabilizationWindow", EBB_MAX_WINDOW_MS / 1000},
    {"spec.behavior.scaleDown.stabilizationWindowSeconds", "minimum", l_down_window,
     "spec.behavior.scaleDown.stabilizationWindow", 0},
    {"spec.behavior.scaleDown.stabilizationWindowSeconds", "maximum", l_down_window,
     "spec.behavior.scaleDown.stabilizationWindow", EBB_MAX_WINDOW_MS / 1000},
    {"spec.behavior.scaleUp.policies", "minItems", l_up_policies, "spec.behavior.scaleUp.policies",
     1},
    {"spec.behavior.scaleUp.policies", "maxItems", l_up_policies, "spec.behavior.scaleUp.policies",
     EBB_MAX_RATE_POLICIES},
    {"spec.behavior.scaleDown.policies", "minItems", l_down_policies,
     "spec.behavior.scaleDown.policies", 1},
    {"spec.behavior.scaleDown.policies", "maxItems", l_down_policies,
     "spec.behavior.scaleDown.policies", EBB_MAX_RATE_POLICIES},
    {"spec.behavior.scaleUp.policies[].value", "minimum", l_up_value,
     "spec.behavior.scaleUp.policies[0].value", 1},
    {"spec.behavior.scaleDown.policies[].value", "minimum", l_down_value,
     "spec.behavior.scaleDown.policies[0].value", 1},
    {"spec.behavior.scaleUp.policies[].periodSeconds", "minimum", l_up_period_s,
     "spec.behavior.scaleUp.policies[0].period", 1},
    {"spec.behavior.scaleUp.policies[].periodSeconds", "maximum", l_up_period_s,
     "spec.behavior.scaleUp.policies[0].period", 1800},
    {"spec.behavior.scaleDown.policies[].periodSeconds", "minimum", l_down_period_s,
     "spec.behavior.scaleDown.policies[0].period", 1},
    {"spec.behavior.scaleDown.policies[].periodSeconds", "maximum", l_down_period_s,
     "spec.behavior.scaleDown.policies[0].period", 1800},
    {"spec.schedules", "maxItems", l_schedules, "spec.schedules", EBB_MAX_SCHEDULES},
    {"spec.schedules[].minReplicas", "minimum", l_sched_min, "spec.schedules[1].minReplicas", 0},
    {"spec.schedules[].minReplicas", "maximum", l_sched_min, "spec.schedules[1].minReplicas",
     EBB_MAX_REPLICAS},
    {"spec.schedules[].maxReplicas", "minimum", l_sched_max, "spec.schedules[0].maxReplicas", 1},
    {"spec.schedules[].maxReplicas", "maximum", l_sched_max, "spec.schedules[0].maxReplicas",
     EBB_MAX_REPLICAS},
    {"spec.channelPorts.base", "minimum", l_base, "spec.channelPorts.base", 1},
    {"spec.channelPorts.base", "maximum", l_base, "spec.channelPorts.base", 65535},
    {"spec.channelPorts.rangeSize", "minimum", l_range, "spec.channelPorts.rangeSize", 1},
    {"spec.channelPorts.rangeSize", "maximum", l_range, "spec.channelPorts.rangeSize", 65535},
    {"spec.channelPorts.limit", "minimum", l_limit, "spec.channelPorts.limit", 1},
    {"spec.channelPorts.limit", "maximum", l_limit, "spec.channelPorts.limit", 65535},
    {SEL_P, "maxItems", l_pods_exprs, CSEL_P, NO_CONST},
    {SEL_E, "maxItems", l_ext_exprs, CSEL_E, NO_CONST},
    {SEL_P "[].values", "maxItems", l_pods_values, CSEL_P "[0].values", NO_CONST},
    {SEL_E "[].values", "maxItems", l_ext_values, CSEL_E "[0].values", NO_CONST},
};

/* Runs the C validator on the base policy with set(v) applied. */
static void probe_with(void (*set)(struct ebb_policy *, int64_t), int64_t v,
                       struct ebb_errlist *errs)
{
    struct probe pr;
    probe_load(&pr);
    set(pr.p, v);
    ebb_policy_validate(pr.p, errs);
    probe_release(&pr);
}

static void expect_valid(const char *what, void (*set)(struct ebb_policy *, int64_t), int64_t v)
{
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    probe_with(set, v, &errs);
    if (errs.n != 0) {
        print_message("%s = %" PRId64 ": the schema allows it, validate.c does not:\n", what, v);
        dump(&errs);
    }
    assert_int_equal(errs.n, 0);
    ebb_errlist_release(&errs);
}

static void expect_invalid(const char *what, void (*set)(struct ebb_policy *, int64_t), int64_t v,
                           const char *c_path)
{
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    probe_with(set, v, &errs);
    if (!has_error(&errs, c_path, NULL)) {
        print_message("%s = %" PRId64 ": the schema rejects it, validate.c does not report %s:\n",
                      what, v, c_path);
        dump(&errs);
    }
    assert_true(has_error(&errs, c_path, NULL));
    ebb_errlist_release(&errs);
}

#define ITEM_SZ (PATH_SZ + 32)

struct seen {
    char items[128][ITEM_SZ];
    size_t n;
};

static void seen_add(struct seen *s, const char *path, const char *kw)
{
    assert_true(s->n < COUNT(s->items));
    snprintf(s->items[s->n++], ITEM_SZ, "%s %s", path, kw);
}

static bool seen_has(const struct seen *s, const char *item)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i], item) == 0)
            return true;
    return false;
}

static void collect_limits(const struct node *s, const char *path, void *arg)
{
    static const char *const kws[] = {"minimum", "maximum", "minItems", "maxItems"};
    if (strncmp(path, "spec", 4) != 0)
        return;
    for (size_t i = 0; i < COUNT(kws); i++)
        if (get(s, kws[i]))
            seen_add(arg, path, kws[i]);
}

static void test_limits_agree(void **state)
{
    const struct node *crd = *state;
    struct seen *schema = calloc(1, sizeof(*schema));
    assert_non_null(schema);
    walk(crd_schema(crd), "", collect_limits, schema);

    /* Every bound in the schema has a probe, and every probe a bound. */
    for (size_t i = 0; i < schema->n; i++) {
        bool found = false;
        for (size_t j = 0; j < COUNT(limits) && !found; j++) {
            char item[ITEM_SZ];
            pathf(item, sizeof(item), "%s %s", limits[j].schema, limits[j].kw);
            found = strcmp(item, schema->items[i]) == 0;
        }
        if (!found)
            print_message("schema bound \"%s\" has no probe in schema_test.c\n", schema->items[i]);
        assert_true(found);
    }
    for (size_t j = 0; j < COUNT(limits); j++) {
        const struct limit *l = &limits[j];
        char what[ITEM_SZ];
        pathf(what, sizeof(what), "%s %s", l->schema, l->kw);
        if (!seen_has(schema, what))
            print_message("\"%s\" is not in the schema\n", what);
        assert_true(seen_has(schema, what));

        const struct node *s = schema_at(crd, l->schema);
        int64_t b = strtoll(text_of(get(s, l->kw)), NULL, 10);
        bool excl = strcmp(l->kw, "minimum") == 0 && is_true(get(s, "exclusiveMinimum"));
        if (l->constant != NO_CONST && b != l->constant)
            print_message("%s: schema says %" PRId64 ", C says %" PRId64 "\n", what, b,
                          l->constant);
        if (l->constant != NO_CONST)
            assert_int_equal(b, l->constant);
        if (strcmp(l->kw, "minimum") == 0 || strcmp(l->kw, "minItems") == 0) {
            int64_t in = excl ? b + 1 : b;
            int64_t out = excl ? b : b - 1;
            if (out == EBB_UNSET) /* -1 is the C "unset" sentinel */
                out = -2;
            expect_valid(what, l->set, in);
            if (strcmp(l->kw, "minItems") != 0 || out >= 0)
                expect_invalid(what, l->set, out, l->c_path);
        } else {
            expect_valid(what, l->set, b);
            expect_invalid(what, l->set, b + 1, l->c_path);
        }
    }
    free(schema);
}

/* ---- (b) duration bounds in CEL rules ------------------------------------------ */

static void d_sync(struct ebb_policy *p, int64_t ms)
{
    p->spec.sync_period_ms = ms;
}
static void d_up_for(struct ebb_policy *p, int64_t ms)
{
    M(p, M_CPU)->scale_up.for_ms = ms;
}
static void d_down_for(struct ebb_policy *p, int64_t ms)
{
    M(p, M_CPU)->scale_down.for_ms = ms;
}
static void d_up_window(struct ebb_policy *p, int64_t ms)
{
    p->spec.behavior.scale_up.stabilization_ms = ms;
}
static void d_down_window(struct ebb_policy *p, int64_t ms)
{
    p->spec.behavior.scale_down.stabilization_ms = ms;
}
static void d_up_cooldown(struct ebb_policy *p, int64_t ms)
{
    p->spec.behavior.scale_up.cooldown_ms = ms;
}
static void d_down_cooldown(struct ebb_policy *p, int64_t ms)
{
    p->spec.behavior.scale_down.cooldown_ms = ms;
}
static void d_up_period(struct ebb_policy *p, int64_t ms)
{
    p->spec.behavior.scale_up.policies[0].period_ms = ms;
}
static void d_down_period(struct ebb_policy *p, int64_t ms)
{
    p->spec.behavior.scale_down.policies[0].period_ms = ms;
}
static void d_sched(struct ebb_policy *p, int64_t ms)
{
    p->spec.schedules[S_NIGHT].duration_ms = ms;
}

struct dlimit {
    const char *schema;
    void (*set)(struct ebb_policy *p, int64_t ms);
    const char *c_path;
    int64_t constant; /* the C constant of the upper bound, or NO_CONST */
};

static const struct dlimit dlimits[] = {
    {"spec.syncPeriod", d_sync, "spec.syncPeriod", NO_CONST},
    {"spec.metrics[].scaleUp.for", d_up_for, "spec.metrics[0].scaleUp.for", NO_CONST},
    {"spec.metrics[].scaleDown.for", d_down_for, "spec.metrics[0].scaleDown.for", NO_CONST},
    {"spec.behavior.scaleUp.stabilizationWindow", d_up_window,
     "spec.behavior.scaleUp.stabilizationWindow", EBB_MAX_WINDOW_MS},
    {"spec.behavior.scaleDown.stabilizationWindow", d_down_window,
     "spec.behavior.scaleDown.stabilizationWindow", EBB_MAX_WINDOW_MS},
    {"spec.behavior.scaleUp.cooldown", d_up_cooldown, "spec.behavior.scaleUp.cooldown", NO_CONST},
    {"spec.behavior.scaleDown.cooldown", d_down_cooldown, "spec.behavior.scaleDown.cooldown",
     NO_CONST},
    {"spec.behavior.scaleUp.policies[].period", d_up_period,
     "spec.behavior.scaleUp.policies[0].period", NO_CONST},
    {"spec.behavior.scaleDown.policies[].period", d_down_period,
     "spec.behavior.scaleDown.policies[0].period", NO_CONST},
    {"spec.schedules[].duration", d_sched, "spec.schedules[0].duration", NO_CONST},
};

#define DURATION_PATTERN "^(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$"

static void collect_durations(const struct node *s, const char *path, void *arg)
{
    const char *pat = text_of(get(s, "pattern"));
    if (pat && strcmp(pat, DURATION_PATTERN) == 0)
        seen_add(arg, path, "duration");
}

static void test_duration_bounds_agree(void **state)
{
    const struct node *crd = *state;
    struct seen *schema = calloc(1, sizeof(*schema));
    assert_non_null(schema);
    walk(crd_schema(crd), "", collect_durations, schema);
    assert_int_equal(schema->n, COUNT(dlimits));

    for (size_t j = 0; j < COUNT(dlimits); j++) {
        const struct dlimit *d = &dlimits[j];
        char item[ITEM_SZ];
        pathf(item, sizeof(item), "%s duration", d->schema);
        if (!seen_has(schema, item))
            print_message("%s: not a duration in the schema\n", d->schema);
        assert_true(seen_has(schema, item));

        /* Every "duration(self) OP duration('X')" of the field's rules. */
        const struct node *rules = get(schema_at(crd, d->schema), "x-kubernetes-validations");
        assert_non_null(rules);
        size_t bounds = 0;
        bool upper = false;
        for (size_t r = 0; r < rules->n; r++) {
            const char *rule = text_of(get(rules->kids[r], "rule"));
            regex_t rx;
            regmatch_t m[3];
            assert_int_equal(regcomp(&rx, "duration\\(self\\) (<=|>=|<|>) duration\\('([^']*)'\\)",
                                     REG_EXTENDED),
                             0);
            for (const char *at = rule; regexec(&rx, at, 3, m, 0) == 0; at += m[0].rm_eo) {
                char op[3];
                char lit[32];
                char msg[128];
                int64_t b = 0;
                snprintf(op, sizeof(op), "%.*s", (int)(m[1].rm_eo - m[1].rm_so), at + m[1].rm_so);
                snprintf(lit, sizeof(lit), "%.*s", (int)(m[2].rm_eo - m[2].rm_so), at + m[2].rm_so);
                assert_int_equal(ebb_duration_parse(lit, &b, msg, sizeof(msg)), EBB_OK);
                bounds++;
                if (strcmp(op, "<=") == 0) {
                    upper = true;
                    if (d->constant != NO_CONST)
                        assert_int_equal(b, d->constant);
                    expect_valid(item, d->set, b);
                    expect_invalid(item, d->set, b + 1, d->c_path);
                } else if (strcmp(op, "<") == 0) {
                    upper = true;
                    expect_valid(item, d->set, b - 1);
                    expect_invalid(item, d->set, b, d->c_path);
                } else if (strcmp(op, ">=") == 0) {
                    expect_valid(item, d->set, b);
                    if (b > 0)
                        expect_invalid(item, d->set, b - 1, d->c_path);
                } else {
                    expect_valid(item, d->set, b + 1);
                    expect_invalid(item, d->set, b, d->c_path);
                }
            }
            regfree(&rx);
        }
        if (bounds == 0 || !upper)
            print_message("%s: no upper bound in its CEL rules\n", d->schema);
        assert_true(bounds > 0 && upper);
    }
    free(schema);
}

/* ---- patterns: the schema's and validate.c's (or the parsers') -------------- */

static bool schema_string_ok(const struct node *s, const char *v)
{
    struct node n = {N_SCALAR, (char *)v, false, NULL, NULL, 0, 0};
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    eval_scalar(s, &n, "x", &errs);
    bool ok = errs.n == 0;
    ebb_errlist_release(&errs);
    return ok;
}

static void s_metric_name(struct ebb_policy *p, const char *v)
{
    M(p, M_RPS)->name = S(p, v);
}
static void s_container(struct ebb_policy *p, const char *v)
{
    M(p, M_CPU)->resource.container = S(p, v);
}
static void s_target_name(struct ebb_policy *p, const char *v)
{
    p->spec.target_ref.name = S(p, v);
}
static void s_pool(struct ebb_policy *p, const char *v)
{
    p->spec.channel_ports.pool = S(p, v);
}
static void s_sched_name(struct ebb_policy *p, const char *v)
{
    p->spec.schedules[S_BF].name = S(p, v);
}
static void s_tz(struct ebb_policy *p, const char *v)
{
    p->spec.schedules[S_NIGHT].time_zone = S(p, v);
}
static void s_address(struct ebb_policy *p, const char *v)
{
    M(p, M_RPS)->prometheus.address = S(p, v);
}

#define LONG63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG64 LONG63 "a"
#define LONG253 LONG63 "." LONG63 "." LONG63 "." LONG63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const char *const label_samples[] = {
    "rps", "a", "a-b", "0abc", "web2", LONG63, LONG64, "-a", "a-", "A", "a_b", "a.b", "a b", "",
};
static const char *const subdomain_samples[] = {
    "flow8", "a.b",   "web-1.shop.example",
    "0",     LONG253, LONG253 "a",
    "a..b",  ".a",    "a.",
    "A",     "a_b",   "a-.b",
    "a/b",   "",
};
static const char *const tz_samples[] = {
    "Europe/Berlin",
    "UTC",
    "Etc/GMT+5",
    "America/Argentina/Buenos_Aires",
    "GMT-0",
    "../x",
    "/x",
    "x/",
    "a//b",
    "Europe Berlin",
    "Europe/Berlin.",
    "",
};
static const char *const url_samples[] = {
    "http://p:9090", "https://p/api", "http://10.0.0.1:9090/x?y=1",
    "ftp://p",       "http://",       "http:///x",
    "p:9090",        "http://a b",    "HTTP://p",
    "https://?q",
};

struct pcase {
    const char *schema;
    void (*set)(struct ebb_policy *p, const char *v);
    const char *c_path;
    const char *const *samples;
    size_t n_samples;
};

static const struct pcase patterns[] = {
    {"spec.metrics[].name", s_metric_name, "spec.metrics[1].name", label_samples,
     COUNT(label_samples)},
    {"spec.metrics[].resource.container", s_container, "spec.metrics[0].resource.container",
     label_samples, COUNT(label_samples)},
    {"spec.schedules[].name", s_sched_name, "spec.schedules[1].name", label_samples,
     COUNT(label_samples)},
    {"spec.targetRef.name", s_target_name, "spec.targetRef.name", subdomain_samples,
     COUNT(subdomain_samples)},
    {"spec.channelPorts.pool", s_pool, "spec.channelPorts.pool", subdomain_samples,
     COUNT(subdomain_samples)},
    {"spec.schedules[].timeZone", s_tz, "spec.schedules[0].timeZone", tz_samples,
     COUNT(tz_samples)},
    {"spec.metrics[].prometheus.address", s_address, "spec.metrics[1].prometheus.address",
     url_samples, COUNT(url_samples)},
};

static void test_string_patterns_agree(void **state)
{
    const struct node *crd = *state;
    for (size_t i = 0; i < COUNT(patterns); i++) {
        const struct pcase *c = &patterns[i];
        const struct node *s = schema_at(crd, c->schema);
        for (size_t j = 0; j < c->n_samples; j++) {
            struct probe pr;
            struct ebb_errlist errs = EBB_ERRLIST_INIT;
            probe_load(&pr);
            c->set(pr.p, c->samples[j]);
            ebb_policy_validate(pr.p, &errs);
            bool c_ok = !has_error(&errs, c->c_path, NULL);
            bool schema_ok = schema_string_ok(s, c->samples[j]);
            if (c_ok != schema_ok) {
                print_message("%s = \"%s\": the schema %s it, validate.c %s it\n", c->schema,
                              c->samples[j], schema_ok ? "accepts" : "rejects",
                              c_ok ? "accepts" : "rejects");
                dump(&errs);
            }
            assert_int_equal(c_ok, schema_ok);
            ebb_errlist_release(&errs);
            probe_release(&pr);
        }
    }
}

#define QUANTITY_PATTERN                                                                           \
    "^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-" \
    "9]*)?)|(\\.[0-9]+))))?$"

struct pattern_count {
    const char *pattern;
    size_t n;
};

static void count_pattern(const struct node *s, const char *path, void *arg)
{
    struct pattern_count *pc = arg;
    const char *pat = text_of(get(s, "pattern"));
    (void)path;
    if (pat && strcmp(pat, pc->pattern) == 0)
        pc->n++;
}

/* The quantity and duration patterns accept what the codec's parsers accept
 * (among non-negative values: the schema rejects a sign the parser allows,
 * and validation rejects the negative value it gives). */
static void test_scalar_patterns_match_the_parsers(void **state)
{
    const struct node *crd = *state;
    static const char *const quantities[] = {
        "100",   "500m", "1.5k", "2Gi", "1e3",   "0.1", ".5", "5.", "+5",  "1E-2",
        "100Mi", "0",    "1Kb",  "abc", "1.5.5", "1ki", "",   "k",  "1 k", "0x10",
    };
    static const char *const durations[] = {
        "0",   "0s", "90s", "5m", "1h30m", "1.5h", "250ms",  "1h0m0s", ".5s",
        "5 m", "5",  "m",   "1d", "-5m",   "",     "1.5.5s", "s5",     "5mm",
    };
    struct pattern_count qc = {QUANTITY_PATTERN, 0};
    struct pattern_count dc = {DURATION_PATTERN, 0};

    walk(crd_schema(crd), "", count_pattern, &qc);
    walk(crd_schema(crd), "", count_pattern, &dc);
    /* averageValue, value, above, below, and three tolerances */
    assert_int_equal(qc.n, 7);
    assert_int_equal(dc.n, COUNT(dlimits));

    for (size_t i = 0; i < COUNT(quantities); i++) {
        int64_t milli = 0;
        char msg[160];
        bool parsed = ebb_quantity_parse(quantities[i], &milli, msg, sizeof(msg)) == EBB_OK;
        bool matched = re_match(QUANTITY_PATTERN, quantities[i]);
        if (parsed != matched)
            print_message("quantity \"%s\": pattern %s, parser %s\n", quantities[i],
                          matched ? "matches" : "does not match", parsed ? "accepts" : "rejects");
        assert_int_equal(parsed, matched);
    }
    for (size_t i = 0; i < COUNT(durations); i++) {
        int64_t ms = 0;
        char msg[160];
        bool parsed = ebb_duration_parse(durations[i], &ms, msg, sizeof(msg)) == EBB_OK;
        bool matched = re_match(DURATION_PATTERN, durations[i]);
        if (parsed != matched)
            print_message("duration \"%s\": pattern %s, parser %s\n", durations[i],
                          matched ? "matches" : "does not match", parsed ? "accepts" : "rejects");
        assert_int_equal(parsed, matched);
    }
}

/* ---- (a) enums ------------------------------------------------------------------- */

static size_t c_names(const char *(*name)(unsigned), unsigned from, unsigned to, const char **out)
{
    size_t n = 0;
    for (unsigned i = from; i < to && name(i)[0] != '\0'; i++)
        out[n++] = name(i);
    return n;
}

static const char *metric_type_n(unsigned v)
{
    return ebb_metric_type_name((enum ebb_metric_type)v);
}
static const char *target_type_n(unsigned v)
{
    return ebb_target_type_name((enum ebb_target_type)v);
}
static const char *select_n(unsigned v)
{
    return ebb_select_policy_name((enum ebb_select_policy)v);
}
static const char *rate_n(unsigned v)
{
    return ebb_rate_type_name((enum ebb_rate_type)v);
}
static const char *op_n(unsigned v)
{
    return ebb_selector_op_name((enum ebb_selector_op)v);
}
static const char *cond_n(unsigned v)
{
    return ebb_condition_status_name((enum ebb_condition_status)v);
}

struct enum_case {
    const char *schema;
    const char *(*name)(unsigned);
    unsigned from, to; /* C values [from, to) until a "" name */
};

static const struct enum_case enums[] = {
    {"spec.metrics[].type", metric_type_n, 1, EBB_METRIC_TYPE__COUNT},
    {"spec.metrics[].target.type", target_type_n, 1, EBB_TARGET_TYPE__COUNT},
    {"spec.behavior.scaleUp.selectPolicy", select_n, 1, EBB_SELECT__COUNT},
    {"spec.behavior.scaleDown.selectPolicy", select_n, 1, EBB_SELECT__COUNT},
    {"spec.behavior.scaleUp.policies[].type", rate_n, 1, EBB_RATE_TYPE__COUNT},
    {"spec.behavior.scaleDown.policies[].type", rate_n, 1, EBB_RATE_TYPE__COUNT},
    {SEL_P "[].operator", op_n, 1, 64},
    {SEL_E "[].operator", op_n, 1, 64},
    {"status.conditions[].status", cond_n, 0, 3},
};

static void s_kind(struct ebb_policy *p, const char *v)
{
    p->spec.target_ref.kind = S(p, v);
}
static void s_api_version(struct ebb_policy *p, const char *v)
{
    p->spec.target_ref.api_version = S(p, v);
}

/* targetRef's enums live in validate.c's tables: probe them with candidates. */
struct enum_probe {
    const char *schema;
    void (*set)(struct ebb_policy *p, const char *v);
    const char *c_path;
    const char *candidates[8];
};

static const struct enum_probe enum_probes[] = {
    {"spec.targetRef.kind",
     s_kind,
     "spec.targetRef.kind",
     {"Deployment", "StatefulSet", "ReplicaSet", "DaemonSet", "Job", "deployment", "Rollout",
      NULL}},
    {"spec.targetRef.apiVersion",
     s_api_version,
     "spec.targetRef.apiVersion",
     {"apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1", "v1", "argoproj.io/v1alpha1",
      NULL}},
};

static bool in_enum(const struct node *en, const char *v)
{
    for (size_t i = 0; i < en->n; i++)
        if (strcmp(en->kids[i]->text, v) == 0)
            return true;
    return false;
}

static void collect_enums(const struct node *s, const char *path, void *arg)
{
    if (get(s, "enum"))
        seen_add(arg, path, "enum");
}

static void test_enums_agree(void **state)
{
    const struct node *crd = *state;
    struct seen *schema = calloc(1, sizeof(*schema));
    assert_non_null(schema);
    walk(crd_schema(crd), "", collect_enums, schema);
    assert_int_equal(schema->n, COUNT(enums) + COUNT(enum_probes));

    for (size_t i = 0; i < COUNT(enums); i++) {
        const struct enum_case *e = &enums[i];
        const char *names[64];
        size_t n = c_names(e->name, e->from, e->to, names);
        const struct node *en = get(schema_at(crd, e->schema), "enum");
        char item[ITEM_SZ];
        pathf(item, sizeof(item), "%s enum", e->schema);
        assert_true(seen_has(schema, item));
        assert_non_null(en);
        if (en->n != n)
            print_message("%s: schema has %zu values, C has %zu\n", e->schema, en->n, n);
        assert_int_equal(en->n, n);
        for (size_t j = 0; j < n; j++) {
            if (!in_enum(en, names[j]))
                print_message("%s: C value \"%s\" is not in the schema\n", e->schema, names[j]);
            assert_true(in_enum(en, names[j]));
            assert_false(en->kids[j]->plain && vtype_of(en->kids[j]) != V_STRING);
        }
    }
    for (size_t i = 0; i < COUNT(enum_probes); i++) {
        const struct enum_probe *e = &enum_probes[i];
        const struct node *en = get(schema_at(crd, e->schema), "enum");
        char item[ITEM_SZ];
        pathf(item, sizeof(item), "%s enum", e->schema);
        assert_true(seen_has(schema, item));
        assert_non_null(en);
        /* Every schema value is a candidate, so a value added to the schema
         * alone is probed too. */
        for (size_t j = 0; j < en->n; j++) {
            bool listed = false;
            for (size_t k = 0; e->candidates[k] && !listed; k++)
                listed = strcmp(e->candidates[k], en->kids[j]->text) == 0;
            assert_true(listed);
        }
        for (size_t k = 0; e->candidates[k]; k++) {
            struct probe pr;
            struct ebb_errlist errs = EBB_ERRLIST_INIT;
            probe_load(&pr);
            e->set(pr.p, e->candidates[k]);
            ebb_policy_validate(pr.p, &errs);
            bool c_ok = !has_error(&errs, e->c_path, NULL);
            if (c_ok != in_enum(en, e->candidates[k]))
                print_message("%s = \"%s\": schema and validate.c disagree\n", e->schema,
                              e->candidates[k]);
            assert_int_equal(c_ok, in_enum(en, e->candidates[k]));
            ebb_errlist_release(&errs);
            probe_release(&pr);
        }
    }
    free(schema);
}

/* ---- (c) required fields ---------------------------------------------------------- */

static void r_target_ref(struct ebb_policy *p)
{
    memset(&p->spec.target_ref, 0, sizeof(p->spec.target_ref));
}
static void r_api_version(struct ebb_policy *p)
{
    p->spec.target_ref.api_version = NULL;
}
static void r_kind(struct ebb_policy *p)
{
    p->spec.target_ref.kind = NULL;
}
static void r_tname(struct ebb_policy *p)
{
    p->spec.target_ref.name = NULL;
}
static void r_max(struct ebb_policy *p)
{
    p->spec.max_replicas = EBB_UNSET;
}
static void r_metrics(struct ebb_policy *p)
{
    p->spec.n_metrics = 0;
}
static void r_metric_name(struct ebb_policy *p)
{
    M(p, M_CPU)->name = NULL;
}
static void r_metric_type(struct ebb_policy *p)
{
    M(p, M_CPU)->type = EBB_METRIC_TYPE_UNSET;
}
static void r_target(struct ebb_policy *p)
{
    struct ebb_metric_target *t = &M(p, M_CPU)->target;
    memset(t, 0, sizeof(*t));
    t->average_utilization = EBB_UNSET;
}
static void r_target_type(struct ebb_policy *p)
{
    M(p, M_CPU)->target.type = EBB_TARGET_TYPE_UNSET;
}
static void r_resource_name(struct ebb_policy *p)
{
    M(p, M_CPU)->resource.name = NULL;
}
static void r_pods_metric(struct ebb_policy *p)
{
    M(p, M_INFLIGHT)->pods.metric_name = NULL;
    memset(&M(p, M_INFLIGHT)->pods.selector, 0, sizeof(struct ebb_label_selector));
}
static void r_pods_metric_name(struct ebb_policy *p)
{
    M(p, M_INFLIGHT)->pods.metric_name = NULL;
}
static void r_pods_key(struct ebb_policy *p)
{
    M(p, M_INFLIGHT)->pods.selector.match_expressions[0].key = NULL;
}
static void r_pods_op(struct ebb_policy *p)
{
    M(p, M_INFLIGHT)->pods.selector.match_expressions[0].op = EBB_SELECTOR_OP_UNSET;
}
static void r_ext_metric(struct ebb_policy *p)
{
    M(p, M_QUEUE)->external.metric_name = NULL;
    memset(&M(p, M_QUEUE)->external.selector, 0, sizeof(struct ebb_label_selector));
}
static void r_ext_metric_name(struct ebb_policy *p)
{
    M(p, M_QUEUE)->external.metric_name = NULL;
}
static void r_ext_key(struct ebb_policy *p)
{
    M(p, M_QUEUE)->external.selector.match_expressions[0].key = NULL;
}
static void r_ext_op(struct ebb_policy *p)
{
    M(p, M_QUEUE)->external.selector.match_expressions[0].op = EBB_SELECTOR_OP_UNSET;
}
static void r_query(struct ebb_policy *p)
{
    M(p, M_RPS)->prometheus.query = NULL;
}
static void r_up_type(struct ebb_policy *p)
{
    p->spec.behavior.scale_up.policies[0].type = EBB_RATE_TYPE_UNSET;
}
static void r_up_value(struct ebb_policy *p)
{
    p->spec.behavior.scale_up.policies[0].value = EBB_UNSET;
}
static void r_down_type(struct ebb_policy *p)
{
    p->spec.behavior.scale_down.policies[0].type = EBB_RATE_TYPE_UNSET;
}
static void r_down_value(struct ebb_policy *p)
{
    p->spec.behavior.scale_down.policies[0].value = EBB_UNSET;
}
static void r_sched_name(struct ebb_policy *p)
{
    p->spec.schedules[S_NIGHT].name = NULL;
}
static void r_base(struct ebb_policy *p)
{
    p->spec.channel_ports.base = EBB_UNSET;
}
static void r_range(struct ebb_policy *p)
{
    p->spec.channel_ports.range_size = EBB_UNSET;
}
static void r_limit(struct ebb_policy *p)
{
    p->spec.channel_ports.limit = EBB_UNSET;
}

struct required {
    const char *schema; /* parent path + "." + field */
    void (*clear)(struct ebb_policy *p);
    const char *c_path; /* where validate.c says "Required value" */
};

static const struct required requireds[] = {
    {"spec.targetRef", r_target_ref, "spec.targetRef.apiVersion"},
    {"spec.maxReplicas", r_max, "spec.maxReplicas"},
    {"spec.metrics", r_metrics, "spec.metrics"},
    {"spec.targetRef.apiVersion", r_api_version, "spec.targetRef.apiVersion"},
    {"spec.targetRef.kind", r_kind, "spec.targetRef.kind"},
    {"spec.targetRef.name", r_tname, "spec.targetRef.name"},
    {"spec.metrics[].name", r_metric_name, "spec.metrics[0].name"},
    {"spec.metrics[].type", r_metric_type, "spec.metrics[0].type"},
    {"spec.metrics[].target", r_target, "spec.metrics[0].target.type"},
    {"spec.metrics[].target.type", r_target_type, "spec.metrics[0].target.type"},
    {"spec.metrics[].resource.name", r_resource_name, "spec.metrics[0].resource.name"},
    {"spec.metrics[].pods.metric", r_pods_metric, "spec.metrics[3].pods.metric.name"},
    {"spec.metrics[].pods.metric.name", r_pods_metric_name, "spec.metrics[3].pods.metric.name"},
    {SEL_P "[].key", r_pods_key, CSEL_P "[0].key"},
    {SEL_P "[].operator", r_pods_op, CSEL_P "[0].operator"},
    {"spec.metrics[].external.metric", r_ext_metric, "spec.metrics[2].external.metric.name"},
    {"spec.metrics[].external.metric.name", r_ext_metric_name,
     "spec.metrics[2].external.metric.name"},
    {SEL_E "[].key", r_ext_key, CSEL_E "[0].key"},
    {SEL_E "[].operator", r_ext_op, CSEL_E "[0].operator"},
    {"spec.metrics[].prometheus.query", r_query, "spec.metrics[1].prometheus.query"},
    {"spec.behavior.scaleUp.policies[].type", r_up_type, "spec.behavior.scaleUp.policies[0].type"},
    {"spec.behavior.scaleUp.policies[].value", r_up_value,
     "spec.behavior.scaleUp.policies[0].value"},
    {"spec.behavior.scaleDown.policies[].type", r_down_type,
     "spec.behavior.scaleDown.policies[0].type"},
    {"spec.behavior.scaleDown.policies[].value", r_down_value,
     "spec.behavior.scaleDown.policies[0].value"},
    {"spec.schedules[].name", r_sched_name, "spec.schedules[0].name"},
    {"spec.channelPorts.base", r_base, "spec.channelPorts.base"},
    {"spec.channelPorts.rangeSize", r_range, "spec.channelPorts.rangeSize"},
    {"spec.channelPorts.limit", r_limit, "spec.channelPorts.limit"},
};

static void collect_required(const struct node *s, const char *path, void *arg)
{
    const struct node *req = get(s, "required");
    char sub[PATH_SZ];
    if (strncmp(path, "spec", 4) != 0 || req == NULL)
        return;
    for (size_t i = 0; i < req->n; i++) {
        join(sub, path, req->kids[i]->text);
        seen_add(arg, sub, "required");
    }
}

static void test_required_agree(void **state)
{
    const struct node *crd = *state;
    struct seen *schema = calloc(1, sizeof(*schema));
    assert_non_null(schema);
    walk(crd_schema(crd), "", collect_required, schema);
    if (schema->n != COUNT(requireds))
        for (size_t i = 0; i < schema->n; i++)
            print_message("  schema: %s\n", schema->items[i]);
    assert_int_equal(schema->n, COUNT(requireds));

    for (size_t i = 0; i < COUNT(requireds); i++) {
        const struct required *r = &requireds[i];
        char item[ITEM_SZ];
        struct probe pr;
        struct ebb_errlist errs = EBB_ERRLIST_INIT;

        pathf(item, sizeof(item), "%s required", r->schema);
        if (!seen_has(schema, item))
            print_message("%s: validate.c requires it, the schema does not\n", r->schema);
        assert_true(seen_has(schema, item));
        probe_load(&pr);
        r->clear(pr.p);
        ebb_policy_validate(pr.p, &errs);
        if (!has_error(&errs, r->c_path, "Required value")) {
            print_message("%s: the schema requires it, validate.c does not say %s: Required "
                          "value\n",
                          r->schema, r->c_path);
            dump(&errs);
        }
        assert_true(has_error(&errs, r->c_path, "Required value"));
        ebb_errlist_release(&errs);
        probe_release(&pr);
    }
    free(schema);
}

/* ---- the CRD itself ------------------------------------------------------------------ */

static void check_structural(const struct node *s, const char *path, void *arg)
{
    int *problems = arg;
    bool ios = is_true(get(s, "x-kubernetes-int-or-string"));
    const char *type = text_of(get(s, "type"));
    size_t len = strlen(path);

    if (path[0] == '\0')
        return;
    if (type == NULL && !ios) {
        print_message("%s: no type (not structural)\n", path);
        (*problems)++;
    }
    /* kubectl explain shows descriptions: every field has one. */
    bool item = len > 2 && strcmp(path + len - 2, "[]") == 0;
    bool map_value = len > 2 && strcmp(path + len - 2, ".*") == 0;
    if (!item && !map_value && strcmp(path, "metadata") != 0 &&
        (text_of(get(s, "description")) == NULL || text_of(get(s, "description"))[0] == '\0')) {
        print_message("%s: no description\n", path);
        (*problems)++;
    }
    if (type && strcmp(type, "object") == 0 && get(s, "properties") == NULL &&
        get(s, "additionalProperties") == NULL && strcmp(path, "metadata") != 0) {
        print_message("%s: an object with no properties\n", path);
        (*problems)++;
    }
    const struct node *rules = get(s, "x-kubernetes-validations");
    for (size_t i = 0; rules && i < rules->n; i++) {
        const char *rule = text_of(get(rules->kids[i], "rule"));
        if (rule == NULL || text_of(get(rules->kids[i], "message")) == NULL) {
            print_message("%s: a CEL rule without rule or message\n", path);
            (*problems)++;
            continue;
        }
        /* A field named like a CEL keyword is reached as __name__ ("for"
         * is one: self.for does not compile). */
        if (re_match("\\.(true|false|null|in|as|break|const|continue|else|for|function|if|"
                     "import|let|loop|package|namespace|return|var|void|while)([^a-zA-Z0-9_]|$)",
                     rule)) {
            print_message("%s: CEL rule uses a reserved word as a field: %s\n", path, rule);
            (*problems)++;
        }
    }
    if (get(s, "pattern")) {
        regex_t rx;
        if (regcomp(&rx, text_of(get(s, "pattern")), REG_EXTENDED | REG_NOSUB) != 0) {
            print_message("%s: pattern does not compile\n", path);
            (*problems)++;
        } else {
            regfree(&rx);
        }
    }
}

static void test_crd_shape(void **state)
{
    const struct node *crd = *state;
    const struct node *spec = get(crd, "spec");
    int problems = 0;

    assert_string_equal(text_of(get(crd, "apiVersion")), "apiextensions.k8s.io/v1");
    assert_string_equal(text_of(get(crd, "kind")), "CustomResourceDefinition");
    assert_string_equal(text_of(get(get(crd, "metadata"), "name")), "scalingpolicies.ebb.dev");
    assert_string_equal(text_of(get(spec, "group")), EBB_API_GROUP);
    assert_string_equal(text_of(get(spec, "scope")), "Namespaced");
    const struct node *names = get(spec, "names");
    assert_string_equal(text_of(get(names, "kind")), EBB_KIND);
    assert_string_equal(text_of(get(names, "plural")), "scalingpolicies");
    assert_string_equal(text_of(get(names, "singular")), "scalingpolicy");
    assert_string_equal(get(names, "shortNames")->kids[0]->text, "sp");
    assert_string_equal(get(names, "categories")->kids[0]->text, "ebb");
    const struct node *v = get(spec, "versions")->kids[0];
    char version[64];
    const char *vname = text_of(get(v, "name"));
    assert_non_null(vname);
    snprintf(version, sizeof(version), "%s/%s", EBB_API_GROUP, vname ? vname : "");
    assert_string_equal(version, EBB_API_VERSION);
    assert_true(is_true(get(v, "served")));
    assert_true(is_true(get(v, "storage")));
    assert_non_null(get(get(v, "subresources"), "status"));
    assert_null(get(get(v, "subresources"), "scale"));

    static const char *const columns[][2] = {
        {"Target", ".spec.targetRef.name"},
        {"Min", ".spec.minReplicas"},
        {"Max", ".spec.maxReplicas"},
        {"Current", ".status.currentReplicas"},
        {"Desired", ".status.desiredReplicas"},
        {"Ready", ".status.conditions[?(@.type==\"Ready\")].status"},
        {"Age", ".metadata.creationTimestamp"},
    };
    const struct node *cols = get(v, "additionalPrinterColumns");
    assert_int_equal(cols->n, COUNT(columns));
    for (size_t i = 0; i < COUNT(columns); i++) {
        assert_string_equal(text_of(get(cols->kids[i], "name")), columns[i][0]);
        assert_string_equal(text_of(get(cols->kids[i], "jsonPath")), columns[i][1]);
    }
    assert_string_equal(text_of(get(cols->kids[COUNT(columns) - 1], "type")), "date");

    const struct node *cond = schema_at(crd, "status.conditions");
    assert_string_equal(text_of(get(cond, "x-kubernetes-list-type")), "map");
    assert_string_equal(get(cond, "x-kubernetes-list-map-keys")->kids[0]->text, "type");

    walk(crd_schema(crd), "", check_structural, &problems);
    assert_int_equal(problems, 0);
}

/* ---- (d) the fixtures ------------------------------------------------------------------ */

struct cel_messages {
    const char *items[128];
    size_t n;
};

static void collect_cel(const struct node *s, const char *path, void *arg)
{
    struct cel_messages *m = arg;
    const struct node *rules = get(s, "x-kubernetes-validations");
    (void)path;
    for (size_t i = 0; rules && i < rules->n; i++) {
        assert_true(m->n < COUNT(m->items));
        m->items[m->n++] = text_of(get(rules->kids[i], "message"));
    }
}

struct markers {
    char expect[16][PATH_SZ]; /* paths of "# expect:" lines */
    size_t n_expect;
    char cel[8][PATH_SZ];
    size_t n_cel;
    bool skip;
};

static void parse_markers(const char *text, struct markers *m)
{
    memset(m, 0, sizeof(*m));
    for (const char *line = text; line && *line;) {
        const char *eol = strchr(line, '\n');
        int len = eol ? (int)(eol - line) : (int)strlen(line);
        if (strncmp(line, "# expect: ", 10) == 0 && m->n_expect < COUNT(m->expect)) {
            const char *p = line + 10;
            const char *sep = strstr(p, ": ");
            int plen = sep && sep < line + len ? (int)(sep - p) : (int)(line + len - p);
            snprintf(m->expect[m->n_expect++], PATH_SZ, "%.*s", plen, p);
        } else if (strncmp(line, "# schema-at: ", 13) == 0 && m->n_expect < COUNT(m->expect)) {
            snprintf(m->expect[m->n_expect++], PATH_SZ, "%.*s", len - 13, line + 13);
        } else if (strncmp(line, "# cel: ", 7) == 0 && m->n_cel < COUNT(m->cel)) {
            snprintf(m->cel[m->n_cel++], PATH_SZ, "%.*s", len - 7, line + 7);
        } else if (strncmp(line, "# schema: skip", 14) == 0) {
            m->skip = true;
        }
        line = eol ? eol + 1 : NULL;
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int check_fixture(const struct node *crd, const char *name, const struct cel_messages *cel)
{
    char path[PATH_SZ];
    size_t len = 0;
    struct markers m;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    int problems = 0;
    bool valid = strncmp(name, "valid-", 6) == 0;

    pathf(path, sizeof(path), "%s/%s", FIXTURES, name);
    char *text = read_file(path, &len);
    parse_markers(text, &m);
    struct node *doc = load_text(text, len);
    eval(crd_schema(crd), doc, "", &errs);

    if (valid || m.n_cel > 0 || m.skip) {
        /* Valid, or invalid only by a CEL rule or by what the schema cannot
         * say: the structural schema must accept it. */
        if (errs.n != 0) {
            print_message("%s: the schema should accept it, but:\n", path);
            dump(&errs);
            problems++;
        }
        for (size_t i = 0; i < m.n_cel; i++) {
            bool found = false;
            for (size_t j = 0; j < cel->n && !found; j++)
                found = cel->items[j] && strstr(cel->items[j], m.cel[i]) != NULL;
            if (!found) {
                print_message("%s: no CEL rule's message contains \"%s\"\n", path, m.cel[i]);
                problems++;
            }
        }
        if (!valid && m.n_cel == 0 && !m.skip)
            problems++;
    } else {
        if (errs.n == 0) {
            print_message("%s: the schema accepts it; mark it \"# cel:\" or fix the schema\n",
                          path);
            problems++;
        }
        for (size_t i = 0; i < errs.n; i++) {
            bool listed = false;
            for (size_t j = 0; j < m.n_expect && !listed; j++)
                listed = strcmp(errs.items[i].path, m.expect[j]) == 0;
            if (!listed) {
                print_message("%s: the schema rejects it at %s (%s), not at an expected path\n",
                              path, errs.items[i].path, errs.items[i].message);
                problems++;
            }
        }
    }
    ebb_errlist_release(&errs);
    node_free(doc);
    free(text);
    return problems;
}

static void test_fixtures_against_schema(void **state)
{
    const struct node *crd = *state;
    struct cel_messages cel = {{NULL}, 0};
    DIR *dir = opendir(FIXTURES);
    char *names[256];
    size_t n = 0;
    int problems = 0;

    walk(crd_schema(crd), "", collect_cel, &cel);
    assert_non_null(dir);
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        assert_true(n < COUNT(names));
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        n++;
    }
    closedir(dir);
    qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        problems += check_fixture(crd, names[i], &cel);
        free(names[i]);
    }
    assert_true(n >= 25);
    assert_int_equal(problems, 0);
}

/* The policy the probes start from is valid on both sides. */
static void test_probe_base_is_valid(void **state)
{
    const struct node *crd = *state;
    struct probe pr;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    struct node *doc = load_text(base_yaml, strlen(base_yaml));

    eval(crd_schema(crd), doc, "", &errs);
    probe_load(&pr);
    ebb_policy_validate(pr.p, &errs);
    if (errs.n != 0)
        dump(&errs);
    assert_int_equal(errs.n, 0);
    probe_release(&pr);
    node_free(doc);
}

/* What the codec writes -- the whole object, status included, as the
 * controller sends it -- is what the schema accepts. */
static void test_encoded_policy_fits_the_schema(void **state)
{
    const struct node *crd = *state;
    struct probe pr;
    struct ebb_strbuf json = EBB_STRBUF_INIT;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;

    probe_load(&pr);
    struct ebb_policy *p = pr.p;
    struct ebb_policy_status *st = &p->status;
    st->observed_generation = 3;
    st->current_replicas = 3;
    st->desired_replicas = 5;
    st->last_scale_ms = 1795737600000LL;
    st->last_scale_up_ms = 1795737600000LL;
    st->last_scale_down_ms = 1795737000250LL;
    st->current_metrics = A(p, 1, sizeof(*st->current_metrics));
    st->n_current_metrics = 1;
    st->current_metrics[0] = (struct ebb_metric_status){S(p, "cpu"),     Q(82000),      Q(60000), 5,
                                                        1795737000000LL, EBB_TIME_UNSET};
    st->recommendations = A(p, 1, sizeof(*st->recommendations));
    st->n_recommendations = 1;
    st->recommendations[0] = (struct ebb_recommendation){1795737600000LL, 5};
    st->scale_events = A(p, 1, sizeof(*st->scale_events));
    st->n_scale_events = 1;
    st->scale_events[0] = (struct ebb_scale_event){1795737600000LL, 4, 5};
    st->active_schedule = S(p, "black-friday");
    st->channel_ports = A(p, 1, sizeof(*st->channel_ports));
    st->n_channel_ports = 1;
    st->channel_ports[0] = (struct ebb_port_assignment){0, S(p, "flow8-0"), 7700, 7799};
    st->conditions = A(p, 2, sizeof(*st->conditions));
    st->n_conditions = 2;
    st->conditions[0] = (struct ebb_condition){S(p, "Ready"), EBB_COND_TRUE, S(p, "Reconciled"),
                                               S(p, "all good"), 1795737600000LL};
    st->conditions[1] = (struct ebb_condition){S(p, "ScalingLimited"), EBB_COND_UNKNOWN, NULL, NULL,
                                               EBB_TIME_UNSET};

    assert_int_equal(ebb_policy_to_json(p, &json), EBB_OK);
    struct node *doc = load_text(json.buf, json.len); /* JSON is YAML */
    eval(crd_schema(crd), doc, "", &errs);
    if (errs.n != 0) {
        print_message("%s\n", json.buf);
        dump(&errs);
    }
    assert_int_equal(errs.n, 0);
    node_free(doc);
    ebb_strbuf_release(&json);
    probe_release(&pr);
}

static int setup(void **state)
{
    *state = load_file(CRD);
    return *state == NULL;
}

static int teardown(void **state)
{
    node_free(*state);
    *state = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crd_shape),
        cmocka_unit_test(test_probe_base_is_valid),
        cmocka_unit_test(test_encoded_policy_fits_the_schema),
        cmocka_unit_test(test_enums_agree),
        cmocka_unit_test(test_limits_agree),
        cmocka_unit_test(test_duration_bounds_agree),
        cmocka_unit_test(test_required_agree),
        cmocka_unit_test(test_string_patterns_agree),
        cmocka_unit_test(test_scalar_patterns_match_the_parsers),
        cmocka_unit_test(test_fixtures_against_schema),
    };
    return cmocka_run_group_tests_name("schema", tests, setup, teardown);
}
