/* objects.c -- typed objects from the API's JSON; see objects.h. EDGE (cJSON).
 *
 * Each kind is decoded by one fill function run twice: first into a
 * scratch arena, to learn how many bytes the struct and its strings take,
 * then into one exact calloc'd block, so a stored object costs one
 * allocation and no slack (an arena per object would cost a 4 KB block
 * each: 40 MB per 10,000 Pods). Errors are sticky: the first one is kept
 * and the fill goes on harmlessly.
 */
#include "objects.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../api/v1alpha1/codec.h"
#include "../api/v1alpha1/defaults.h"
#include "../api/v1alpha1/validate.h"
#include "../api/v1alpha1/quantity.h"
#include "../base/arena.h"
#include "../base/rfc3339.h"
#include "../base/strbuf.h"

#define ALIGN 8u

struct dec {
    struct ebb_arena *tmp; /* first pass: allocations come from here */
    char *buf;             /* second pass: the block, zeroed, big enough */
    size_t used;
    enum ebb_rc rc;
    char *err;
    size_t errsz;
};

static void dec_fail(struct dec *d, enum ebb_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void dec_fail(struct dec *d, enum ebb_rc rc, const char *fmt, ...)
{
    if (d->rc != EBB_OK)
        return;
    d->rc = rc;
    if (d->err != NULL && d->errsz > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->err, d->errsz, fmt, ap);
        va_end(ap);
    }
}

static void *dec_alloc(struct dec *d, size_t n)
{
    void *p;
    if (n > SIZE_MAX - ALIGN) {
        dec_fail(d, EBB_ERR_NOMEM, "object too large");
        return NULL;
    }
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (d->buf != NULL) {
        p = d->buf + d->used;
    } else {
        p = ebb_arena_alloc(d->tmp, n);
        if (p == NULL) {
            dec_fail(d, EBB_ERR_NOMEM, "out of memory decoding an object");
            return NULL;
        }
    }
    d->used += n;
    return p;
}

static char *dec_str(struct dec *d, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = dec_alloc(d, n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static bool absent(const cJSON *v)
{
    return v == NULL || cJSON_IsNull(v);
}

/* A JSON type for messages. */
static const char *type_of(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    return "null";
}

/* Object member `key` of o when it is an object; NULL when absent. */
static const cJSON *obj_field(struct dec *d, const cJSON *o, const char *key, const char *path)
{
    const cJSON *v = get(o, key);
    if (absent(v))
        return NULL;
    if (!cJSON_IsObject(v)) {
        dec_fail(d, EBB_ERR_PARSE, "%s: must be an object, got %s", path, type_of(v));
        return NULL;
    }
    return v;
}

static const cJSON *arr_field(struct dec *d, const cJSON *o, const char *key, const char *path)
{
    const cJSON *v = get(o, key);
    if (absent(v))
        return NULL;
    if (!cJSON_IsArray(v)) {
        dec_fail(d, EBB_ERR_PARSE, "%s: must be an array, got %s", path, type_of(v));
        return NULL;
    }
    return v;
}

static char *str_field(struct dec *d, const cJSON *o, const char *key, const char *path)
{
    const cJSON *v = get(o, key);
    if (absent(v))
        return NULL;
    if (!cJSON_IsString(v)) {
        dec_fail(d, EBB_ERR_PARSE, "%s: must be a string, got %s", path, type_of(v));
        return NULL;
    }
    return dec_str(d, v->valuestring);
}

/* An integer member in [lo, hi]; def when absent. */
static int64_t int_field(struct dec *d, const cJSON *o, const char *key, const char *path,
                         int64_t lo, int64_t hi, int64_t def)
{
    const cJSON *v = get(o, key);
    if (absent(v))
        return def;
    if (!cJSON_IsNumber(v)) {
        dec_fail(d, EBB_ERR_PARSE, "%s: must be an integer, got %s", path, type_of(v));
        return def;
    }
    double x = v->valuedouble;
    if (x != (double)(int64_t)x || x < (double)lo || x > (double)hi) {
        dec_fail(d, EBB_ERR_PARSE, "%s: must be an integer from %lld to %lld, got %g", path,
                 (long long)lo, (long long)hi, x);
        return def;
    }
    return (int64_t)x;
}

static bool bool_field(struct dec *d, const cJSON *o, const char *key, const char *path)
{
    const cJSON *v = get(o, key);
    if (absent(v))
        return false;
    if (!cJSON_IsBool(v)) {
        dec_fail(d, EBB_ERR_PARSE, "%s: must be a boolean, got %s", path, type_of(v));
        return false;
    }
    return cJSON_IsTrue(v);
}

/* An RFC 3339 time (Time or MicroTime) in ms; EBB_TIME_UNSET when absent. */
static int64_t time_field(struct dec *d, const cJSON *o, const char *key, const char *path)
{
    const cJSON *v = get(o, key);
    int64_t ms = EBB_TIME_UNSET;
    if (absent(v))
        return ms;
    if (!cJSON_IsString(v) || ebb_rfc3339_parse(v->valuestring, &ms) != EBB_OK) {
        dec_fail(d, EBB_ERR_PARSE, "%s: must be an RFC 3339 time such as 2026-11-22T11:27:00Z",
                 path);
        return EBB_TIME_UNSET;
    }
    return ms;
}

/* A map of strings (labels, annotations, data). */
static struct ebb_kv *kv_field(struct dec *d, const cJSON *o, const char *key, const char *path,
                               size_t *n)
{
    *n = 0;
    const cJSON *m = obj_field(d, o, key, path);
    if (m == NULL)
        return NULL;
    size_t count = (size_t)cJSON_GetArraySize(m);
    if (count == 0)
        return NULL;
    struct ebb_kv *kv = dec_alloc(d, count * sizeof(*kv));
    if (kv == NULL)
        return NULL;
    const cJSON *e;
    size_t i = 0;
    cJSON_ArrayForEach(e, m)
    {
        if (!cJSON_IsString(e)) {
            dec_fail(d, EBB_ERR_PARSE, "%s.%s: must be a string, got %s", path, e->string,
                     type_of(e));
            return NULL;
        }
        kv[i].key = dec_str(d, e->string);
        kv[i].value = dec_str(d, e->valuestring);
        i++;
    }
    *n = count;
    return kv;
}

/* keep: what else to keep than names, versions and labels (the informers
 * of workloads and pods hold thousands: their annotations and owners are
 * read by nobody, so they take no memory). */
enum { META_ANNOTATIONS = 1, META_OWNERS = 2 };

static void decode_meta(struct dec *d, const cJSON *o, int keep, struct ebb_kube_meta *m)
{
    if (!cJSON_IsObject(o)) {
        dec_fail(d, EBB_ERR_PARSE, "the object is not a JSON object");
        return;
    }
    const cJSON *md = obj_field(d, o, "metadata", "metadata");
    m->name = str_field(d, md, "name", "metadata.name");
    if (m->name == NULL || m->name[0] == '\0')
        dec_fail(d, EBB_ERR_PARSE, "metadata.name is missing");
    m->namespace_ = str_field(d, md, "namespace", "metadata.namespace");
    m->uid = str_field(d, md, "uid", "metadata.uid");
    m->resource_version = str_field(d, md, "resourceVersion", "metadata.resourceVersion");
    m->generation = int_field(d, md, "generation", "metadata.generation", 0, INT64_MAX, EBB_UNSET);
    m->deletion_ms = time_field(d, md, "deletionTimestamp", "metadata.deletionTimestamp");
    m->labels = kv_field(d, md, "labels", "metadata.labels", &m->n_labels);
    if (keep & META_ANNOTATIONS)
        m->annotations = kv_field(d, md, "annotations", "metadata.annotations", &m->n_annotations);
    if (!(keep & META_OWNERS))
        return;
    const cJSON *refs = arr_field(d, md, "ownerReferences", "metadata.ownerReferences");
    size_t n = refs ? (size_t)cJSON_GetArraySize(refs) : 0;
    if (n == 0)
        return;
    m->owners = dec_alloc(d, n * sizeof(*m->owners));
    if (m->owners == NULL)
        return;
    const cJSON *r;
    size_t i = 0;
    cJSON_ArrayForEach(r, refs)
    {
        struct ebb_kube_owner_ref *o2 = &m->owners[i++];
        if (!cJSON_IsObject(r)) {
            dec_fail(d, EBB_ERR_PARSE, "metadata.ownerReferences[%zu]: must be an object", i - 1);
            return;
        }
        o2->api_version = str_field(d, r, "apiVersion", "metadata.ownerReferences[].apiVersion");
        o2->kind = str_field(d, r, "kind", "metadata.ownerReferences[].kind");
        o2->name = str_field(d, r, "name", "metadata.ownerReferences[].name");
        o2->uid = str_field(d, r, "uid", "metadata.ownerReferences[].uid");
        o2->controller = bool_field(d, r, "controller", "metadata.ownerReferences[].controller");
    }
    m->n_owners = n;
}

const char *ebb_kube_meta_label(const struct ebb_kube_meta *m, const char *key)
{
    for (size_t i = 0; i < m->n_labels; i++) {
        if (strcmp(m->labels[i].key, key) == 0)
            return m->labels[i].value;
    }
    return NULL;
}

/* Runs fill twice (measure, then into one block); see the file comment. */
typedef void fill_fn(struct dec *d, const cJSON *o, void *obj);

static enum ebb_rc decode_packed(const cJSON *o, size_t objsz, fill_fn *fill, void **out,
                                 size_t *bytes, char *err, size_t errsz)
{
    struct ebb_arena tmp = EBB_ARENA_INIT;
    struct dec d = {&tmp, NULL, 0, EBB_OK, err, errsz};
    char *block = NULL;
    *out = NULL;
    *bytes = 0;
    if (err != NULL && errsz > 0)
        err[0] = '\0';
    void *scratch = dec_alloc(&d, objsz);
    if (scratch != NULL)
        fill(&d, o, scratch);
    if (d.rc != EBB_OK)
        goto out;
    block = calloc(1, d.used);
    if (block == NULL) {
        dec_fail(&d, EBB_ERR_NOMEM, "out of memory decoding an object");
        goto out;
    }
    size_t need = d.used;
    struct dec d2 = {NULL, block, 0, EBB_OK, err, errsz};
    fill(&d2, o, dec_alloc(&d2, objsz));
    if (d2.rc != EBB_OK || d2.used != need) { /* cannot happen: the same input */
        d.rc = d2.rc != EBB_OK ? d2.rc : EBB_ERR_PARSE;
        goto out;
    }
    *out = block;
    *bytes = need;
    block = NULL;
out:
    free(block);
    ebb_arena_release(&tmp);
    return d.rc;
}

/* ---- kinds ------------------------------------------------------------------------------- */

static void decode_selector(struct dec *d, const cJSON *o, const char *path,
                            struct ebb_label_selector *s)
{
    char p2[96];
    const cJSON *sel = obj_field(d, o, "selector", path);
    if (sel == NULL)
        return;
    s->set = true;
    snprintf(p2, sizeof(p2), "%s.matchLabels", path);
    s->match_labels = kv_field(d, sel, "matchLabels", p2, &s->n_match_labels);
    snprintf(p2, sizeof(p2), "%s.matchExpressions", path);
    const cJSON *exprs = arr_field(d, sel, "matchExpressions", p2);
    size_t n = exprs ? (size_t)cJSON_GetArraySize(exprs) : 0;
    if (n == 0)
        return;
    s->match_expressions = dec_alloc(d, n * sizeof(*s->match_expressions));
    if (s->match_expressions == NULL)
        return;
    s->n_match_expressions = n;
    const cJSON *e;
    size_t i = 0;
    cJSON_ArrayForEach(e, exprs)
    {
        struct ebb_selector_req *r = &s->match_expressions[i];
        snprintf(p2, sizeof(p2), "%s.matchExpressions[%zu]", path, i);
        i++;
        if (!cJSON_IsObject(e)) {
            dec_fail(d, EBB_ERR_PARSE, "%s: must be an object, got %s", p2, type_of(e));
            return;
        }
        r->key = str_field(d, e, "key", p2);
        const cJSON *op = get(e, "operator");
        r->op = cJSON_IsString(op) ? ebb_selector_op_parse(op->valuestring) : EBB_SELECTOR_OP_UNSET;
        if (r->op == EBB_SELECTOR_OP_UNSET) {
            dec_fail(d, EBB_ERR_PARSE,
                     "%s.operator: must be one of In, NotIn, Exists, DoesNotExist", p2);
            return;
        }
        const cJSON *vals = arr_field(d, e, "values", p2);
        size_t nv = vals ? (size_t)cJSON_GetArraySize(vals) : 0;
        if (nv == 0)
            continue;
        r->values = dec_alloc(d, nv * sizeof(*r->values));
        if (r->values == NULL)
            return;
        r->n_values = nv;
        const cJSON *v;
        size_t k = 0;
        cJSON_ArrayForEach(v, vals)
        {
            if (!cJSON_IsString(v)) {
                dec_fail(d, EBB_ERR_PARSE, "%s.values[%zu]: must be a string, got %s", p2, k,
                         type_of(v));
                return;
            }
            r->values[k++] = dec_str(d, v->valuestring);
        }
    }
}

static void fill_workload(struct dec *d, const cJSON *o, void *obj)
{
    struct ebb_kube_workload *w = obj;
    decode_meta(d, o, 0, &w->meta);
    w->kind = str_field(d, o, "kind", "kind");
    const cJSON *spec = obj_field(d, o, "spec", "spec");
    const cJSON *st = obj_field(d, o, "status", "status");
    w->spec_replicas =
        (int32_t)int_field(d, spec, "replicas", "spec.replicas", 0, INT32_MAX, EBB_UNSET);
    decode_selector(d, spec, "spec.selector", &w->selector);
    w->status_replicas = (int32_t)int_field(d, st, "replicas", "status.replicas", 0, INT32_MAX, 0);
    w->ready_replicas =
        (int32_t)int_field(d, st, "readyReplicas", "status.readyReplicas", 0, INT32_MAX, 0);
    w->observed_generation = int_field(d, st, "observedGeneration", "status.observedGeneration", 0,
                                       INT64_MAX, EBB_UNSET);
}

static enum ebb_kube_pod_phase parse_phase(const char *s)
{
    static const struct {
        const char *name;
        enum ebb_kube_pod_phase phase;
    } phases[] = {{"Pending", EBB_KUBE_POD_PENDING},
                  {"Running", EBB_KUBE_POD_RUNNING},
                  {"Succeeded", EBB_KUBE_POD_SUCCEEDED},
                  {"Failed", EBB_KUBE_POD_FAILED}};
    for (size_t i = 0; s != NULL && i < sizeof(phases) / sizeof(phases[0]); i++) {
        if (strcmp(s, phases[i].name) == 0)
            return phases[i].phase;
    }
    return EBB_KUBE_POD_UNKNOWN;
}

/* Adds container c's request for `res` to *sum; false when it has none. */
static bool add_request(struct dec *d, const cJSON *c, size_t i, const char *res, int64_t *sum)
{
    const cJSON *req = get(get(c, "resources"), "requests");
    const cJSON *q = get(req, res);
    int64_t milli;
    char msg[160];
    if (absent(q))
        return false;
    if (!cJSON_IsString(q) || ebb_quantity_parse(q->valuestring, &milli, msg, sizeof(msg))) {
        dec_fail(d, EBB_ERR_PARSE, "spec.containers[%zu].resources.requests.%s: %s", i, res,
                 cJSON_IsString(q) ? msg : "must be a quantity string");
        return false;
    }
    if ((milli > 0 && *sum > INT64_MAX - milli)) {
        dec_fail(d, EBB_ERR_PARSE, "spec.containers[].resources.requests.%s: the sum is too large",
                 res);
        return false;
    }
    *sum += milli;
    return true;
}

/* "A-B" with 1 <= A <= B <= 65535, plain decimal (pkg/ports's form; kept
 * here so the edge does not reach into a sibling module). */
static bool parse_range(const char *s, int32_t *first, int32_t *last)
{
    long v[2];
    for (int i = 0; i < 2; i++) {
        if (*s < '0' || *s > '9')
            return false;
        v[i] = 0;
        while (*s >= '0' && *s <= '9') {
            v[i] = v[i] * 10 + (*s++ - '0');
            if (v[i] > 65535)
                return false;
        }
        if (i == 0 && *s++ != '-')
            return false;
    }
    if (*s != '\0' || v[0] < 1 || v[0] > v[1])
        return false;
    *first = (int32_t)v[0];
    *last = (int32_t)v[1];
    return true;
}

/* Only what the allocator needs from the annotations: the map is not kept. */
static void pod_range(struct ebb_kube_pod *p, const cJSON *o)
{
    const cJSON *v = get(get(get(o, "metadata"), "annotations"), "ebb.dev/channel-ports");
    if (absent(v))
        return;
    if (cJSON_IsString(v) && parse_range(v->valuestring, &p->range_first, &p->range_last))
        p->has_range = true;
    else
        p->range_bad = true;
}

static void fill_pod(struct dec *d, const cJSON *o, void *obj)
{
    struct ebb_kube_pod *p = obj;
    decode_meta(d, o, 0, &p->meta);
    const cJSON *spec = obj_field(d, o, "spec", "spec");
    const cJSON *st = obj_field(d, o, "status", "status");
    const cJSON *phase = get(st, "phase");
    p->phase = cJSON_IsString(phase) ? parse_phase(phase->valuestring) : EBB_KUBE_POD_UNKNOWN;
    p->ready = EBB_COND_UNKNOWN;
    p->ready_transition_ms = EBB_TIME_UNSET;
    const cJSON *conds = arr_field(d, st, "conditions", "status.conditions");
    const cJSON *c;
    cJSON_ArrayForEach(c, conds)
    {
        const cJSON *type = get(c, "type");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "Ready") != 0)
            continue;
        const cJSON *cs = get(c, "status");
        p->ready =
            cJSON_IsString(cs) ? ebb_condition_status_parse(cs->valuestring) : EBB_COND_UNKNOWN;
        p->ready_transition_ms =
            time_field(d, c, "lastTransitionTime", "status.conditions[Ready].lastTransitionTime");
    }
    p->start_ms = time_field(d, st, "startTime", "status.startTime");
    const cJSON *ctrs = arr_field(d, spec, "containers", "spec.containers");
    size_t i = 0;
    p->cpu_request_all = p->memory_request_all = ctrs != NULL && cJSON_GetArraySize(ctrs) > 0;
    cJSON_ArrayForEach(c, ctrs)
    {
        if (!add_request(d, c, i, "cpu", &p->cpu_request_milli))
            p->cpu_request_all = false;
        if (!add_request(d, c, i, "memory", &p->memory_request_milli))
            p->memory_request_all = false;
        i++;
    }
    p->pod_index = -1;
    const char *idx = ebb_kube_meta_label(&p->meta, EBB_POD_INDEX_LABEL);
    if (idx != NULL && idx[0] >= '0' && idx[0] <= '9') {
        char *end;
        errno = 0;
        long v = strtol(idx, &end, 10);
        if (errno == 0 && *end == '\0' && v <= INT32_MAX)
            p->pod_index = (int32_t)v;
    }
    p->created_ms =
        time_field(d, get(o, "metadata"), "creationTimestamp", "metadata.creationTimestamp");
    pod_range(p, o);
}

static void fill_configmap(struct dec *d, const cJSON *o, void *obj)
{
    struct ebb_kube_configmap *cm = obj;
    decode_meta(d, o, META_ANNOTATIONS | META_OWNERS, &cm->meta);
    cm->data = kv_field(d, o, "data", "data", &cm->n_data);
}

/* ---- ranges.yaml -------------------------------------------------------------------------- */

static const char *yscalar(yaml_document_t *doc, const yaml_node_t *m, const char *key)
{
    for (const yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (k != NULL && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0)
            return v != NULL && v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value
                                                            : NULL;
    }
    return NULL;
}

/* Parses text into cm->ranges; a malformed text sets cm->ranges_error. */
static void fill_ranges(struct dec *d, const char *text, struct ebb_kube_ranges_cm *cm)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    char why[160] = "";
    if (!yaml_parser_initialize(&parser)) {
        dec_fail(d, EBB_ERR_NOMEM, "out of memory reading ranges.yaml");
        return;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(why, sizeof(why), "ranges.yaml: %s", parser.problem ? parser.problem : "bad YAML");
        yaml_parser_delete(&parser);
        cm->ranges_error = dec_str(d, why);
        return;
    }
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    size_t n = 0;
    if (root != NULL && root->type == YAML_SEQUENCE_NODE)
        n = (size_t)(root->data.sequence.items.top - root->data.sequence.items.start);
    else if (root != NULL && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
        snprintf(why, sizeof(why), "ranges.yaml: must be a list");
    struct ebb_port_assignment *a = n ? dec_alloc(d, n * sizeof(*a)) : NULL;
    for (size_t i = 0; a != NULL && i < n && why[0] == 0; i++) {
        const yaml_node_t *m = yaml_document_get_node(&doc, root->data.sequence.items.start[i]);
        const char *rep = m && m->type == YAML_MAPPING_NODE ? yscalar(&doc, m, "replica") : NULL;
        const char *pod = m && m->type == YAML_MAPPING_NODE ? yscalar(&doc, m, "pod") : NULL;
        const char *rng = m && m->type == YAML_MAPPING_NODE ? yscalar(&doc, m, "range") : NULL;
        char *end = NULL;
        long slot = rep ? strtol(rep, &end, 10) : 0;
        if (rep == NULL || *end != '\0' || slot < -1 || slot > 65535 || pod == NULL ||
            pod[0] == '\0' || rng == NULL || !parse_range(rng, &a[i].first, &a[i].last)) {
            snprintf(why, sizeof(why),
                     "ranges.yaml[%zu]: must have replica (an integer), pod and range \"A-B\"", i);
            break;
        }
        a[i].slot = (int32_t)slot;
        a[i].pod = dec_str(d, pod);
    }
    if (why[0]) {
        cm->ranges_error = dec_str(d, why);
    } else {
        cm->ranges = a;
        cm->n_ranges = n;
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
}

static void fill_ranges_cm(struct dec *d, const cJSON *o, void *obj)
{
    struct ebb_kube_ranges_cm *r = obj;
    fill_configmap(d, o, &r->cm);
    const cJSON *text = get(get(o, "data"), EBB_KUBE_RANGES_KEY);
    if (d->rc == EBB_OK && cJSON_IsString(text))
        fill_ranges(d, text->valuestring, r);
}

static int emit_to_strbuf(void *ctx, unsigned char *buf, size_t n)
{
    ebb_strbuf_add(ctx, buf, n);
    return 1;
}

static bool emit_scalar(yaml_emitter_t *em, const char *s, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    return yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s),
                                        style == YAML_PLAIN_SCALAR_STYLE,
                                        style != YAML_PLAIN_SCALAR_STYLE, style) &&
           yaml_emitter_emit(em, &ev);
}

/* Pod names are DNS labels: plain, unless YAML would read one as a number
 * or a boolean (libyaml quotes what plain style cannot carry). */
static yaml_scalar_style_t name_style(const char *s)
{
    static const char *const words[] = {"true", "false", "yes", "no", "on",
                                        "off",  "null",  "y",   "n"};
    bool digits = s != NULL && *s != '\0';
    for (const char *p = s; digits && *p; p++)
        digits = (*p >= '0' && *p <= '9') || *p == '.' || *p == 'e';
    for (size_t i = 0; !digits && s != NULL && i < sizeof(words) / sizeof(words[0]); i++)
        digits = strcmp(s, words[i]) == 0;
    return digits || s == NULL || *s == '\0' ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                             : YAML_PLAIN_SCALAR_STYLE;
}

enum ebb_rc ebb_kube_ranges_yaml(const struct ebb_port_assignment *a, size_t n,
                                 struct ebb_strbuf *out)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    bool ok;
    if (!yaml_emitter_initialize(&em))
        return EBB_ERR_NOMEM;
    yaml_emitter_set_output(&em, emit_to_strbuf, out);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
         yaml_emitter_emit(&em, &ev) &&
         yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
         yaml_emitter_emit(&em, &ev) &&
         yaml_sequence_start_event_initialize(
             &ev, NULL, NULL, 1, n ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE) &&
         yaml_emitter_emit(&em, &ev);
    for (size_t i = 0; ok && i < n; i++) {
        char slot[16], range[24];
        snprintf(slot, sizeof(slot), "%d", (int)a[i].slot);
        snprintf(range, sizeof(range), "%d-%d", (int)a[i].first, (int)a[i].last);
        ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) &&
             yaml_emitter_emit(&em, &ev) && emit_scalar(&em, "replica", YAML_PLAIN_SCALAR_STYLE) &&
             emit_scalar(&em, slot, YAML_PLAIN_SCALAR_STYLE) &&
             emit_scalar(&em, "pod", YAML_PLAIN_SCALAR_STYLE) &&
             emit_scalar(&em, a[i].pod ? a[i].pod : "", name_style(a[i].pod)) &&
             emit_scalar(&em, "range", YAML_PLAIN_SCALAR_STYLE) &&
             emit_scalar(&em, range, YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
             yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev);
    }
    ok = ok && yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev) &&
         yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) &&
         yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev) &&
         yaml_emitter_flush(&em);
    yaml_emitter_delete(&em);
    if (!ok)
        return EBB_ERR_NOMEM;
    return ebb_strbuf_rc(out);
}

static void fill_lease(struct dec *d, const cJSON *o, void *obj)
{
    struct ebb_kube_lease *l = obj;
    decode_meta(d, o, META_ANNOTATIONS | META_OWNERS, &l->meta);
    const cJSON *spec = obj_field(d, o, "spec", "spec");
    l->holder_identity = str_field(d, spec, "holderIdentity", "spec.holderIdentity");
    l->lease_duration_s = (int32_t)int_field(d, spec, "leaseDurationSeconds",
                                             "spec.leaseDurationSeconds", 0, INT32_MAX, EBB_UNSET);
    l->acquire_time = str_field(d, spec, "acquireTime", "spec.acquireTime");
    l->renew_time = str_field(d, spec, "renewTime", "spec.renewTime");
    l->acquire_ms = time_field(d, spec, "acquireTime", "spec.acquireTime");
    l->renew_ms = time_field(d, spec, "renewTime", "spec.renewTime");
    l->lease_transitions =
        (int32_t)int_field(d, spec, "leaseTransitions", "spec.leaseTransitions", 0, INT32_MAX, 0);
}

enum ebb_rc ebb_kube_decode_workload(const cJSON *obj, void **out, size_t *bytes, char *err,
                                     size_t errsz)
{
    return decode_packed(obj, sizeof(struct ebb_kube_workload), fill_workload, out, bytes, err,
                         errsz);
}

enum ebb_rc ebb_kube_decode_pod(const cJSON *obj, void **out, size_t *bytes, char *err,
                                size_t errsz)
{
    return decode_packed(obj, sizeof(struct ebb_kube_pod), fill_pod, out, bytes, err, errsz);
}

enum ebb_rc ebb_kube_decode_configmap(const cJSON *obj, void **out, size_t *bytes, char *err,
                                      size_t errsz)
{
    return decode_packed(obj, sizeof(struct ebb_kube_configmap), fill_configmap, out, bytes, err,
                         errsz);
}

enum ebb_rc ebb_kube_decode_ranges_cm(const cJSON *obj, void **out, size_t *bytes, char *err,
                                      size_t errsz)
{
    return decode_packed(obj, sizeof(struct ebb_kube_ranges_cm), fill_ranges_cm, out, bytes, err,
                         errsz);
}

enum ebb_rc ebb_kube_decode_lease(const cJSON *obj, void **out, size_t *bytes, char *err,
                                  size_t errsz)
{
    return decode_packed(obj, sizeof(struct ebb_kube_lease), fill_lease, out, bytes, err, errsz);
}

void ebb_kube_object_free(void *obj)
{
    free(obj);
}

/* The codec reads text: the object is printed back (the informer holds the
 * typed policy only). */
enum ebb_rc ebb_kube_decode_policy(const cJSON *obj, void **out, size_t *bytes, char *err,
                                   size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    struct ebb_kube_policy *kp = NULL;
    *out = NULL;
    *bytes = 0;
    if (err != NULL && errsz > 0)
        err[0] = '\0';
    if (!cJSON_IsObject(obj)) {
        rc = EBB_ERR_PARSE;
        if (err != NULL)
            snprintf(err, errsz, "the object is not a JSON object");
        goto out;
    }
    kp = calloc(1, sizeof(*kp));
    if (kp == NULL)
        goto out;
    kp->refs = 1;
    ebb_errlist_init(&kp->invalid);
    ebb_policy_init(&kp->policy);
    /* Once into a scratch arena to learn the size, then into one block of
     * exactly that (decoding and defaulting allocate the same way twice). */
    {
        struct ebb_policy scratch;
        struct ebb_errlist none = EBB_ERRLIST_INIT;
        ebb_policy_init(&scratch);
        enum ebb_rc src = ebb_policy_from_cjson(&scratch, obj, &none);
        if (src == EBB_OK)
            src = ebb_policy_defaults(&scratch);
        size_t used = scratch.arena.used;
        ebb_policy_release(&scratch);
        ebb_errlist_release(&none);
        if (src == EBB_ERR_NOMEM)
            goto out;
        (void)ebb_arena_reserve(&kp->policy.arena, used); /* else it grows as usual */
    }
    rc = ebb_policy_from_cjson(&kp->policy, obj, &errs);
    if (rc == EBB_OK) {
        rc = ebb_policy_defaults(&kp->policy);
        if (rc == EBB_OK)
            ebb_policy_validate(&kp->policy, &kp->invalid);
    }
    if (rc == EBB_ERR_INVALID && errs.n > 0) {
        const struct ebb_field_error *fe = &errs.items[0];
        size_t n = strlen(fe->path) + strlen(fe->message) + 3;
        kp->error = malloc(n);
        if (kp->error == NULL) {
            rc = EBB_ERR_NOMEM;
            goto out;
        }
        snprintf(kp->error, n, "%s%s%s", fe->path, fe->path[0] ? ": " : "", fe->message);
        rc = EBB_OK;
    }
    if (rc == EBB_OK && (kp->policy.metadata.name == NULL || kp->policy.metadata.name[0] == 0)) {
        rc = EBB_ERR_PARSE;
        if (err != NULL)
            snprintf(err, errsz, "metadata.name is missing");
        goto out;
    }
    if (rc) {
        if (err != NULL && errs.n > 0)
            snprintf(err, errsz, "%s: %s", errs.items[0].path, errs.items[0].message);
        goto out;
    }
    *bytes = sizeof(*kp) + kp->policy.arena.used + (kp->error ? strlen(kp->error) + 1 : 0);
    *out = kp;
    kp = NULL;
out:
    ebb_kube_policy_free(kp);
    ebb_errlist_release(&errs);
    return rc;
}

void ebb_kube_policy_free(void *obj)
{
    struct ebb_kube_policy *kp = obj;
    if (kp == NULL || --kp->refs > 0)
        return;
    ebb_policy_release(&kp->policy);
    ebb_errlist_release(&kp->invalid);
    free(kp->error);
    free(kp);
}

struct ebb_kube_policy *ebb_kube_policy_hold(const struct ebb_kube_policy *kp)
{
    struct ebb_kube_policy *p = (struct ebb_kube_policy *)kp; /* the count is not its content */
    p->refs++;
    return p;
}
