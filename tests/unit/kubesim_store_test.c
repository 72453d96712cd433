/* kubesim_store_test.c -- the object store: writes and resourceVersions,
 * LIST paging and its 410s (fixtures 50-59), WATCH from "", "0", an old
 * and a too-old resourceVersion, selector transitions, bookmarks and
 * deadlines on a fake clock, faults, subscribers (fixtures 60-67). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kubesim/ks.h"
#include "../../cmd/kubesim/store.h"

/* ------------------------------------------------------------------ */
/* Types                                                               */

static cJSON *event_to_view(const cJSON *stored)
{
    cJSON *v = cJSON_Duplicate(stored, true);
    cJSON *msg;

    if (!v)
        return NULL;
    cJSON_ReplaceItemInObjectCaseSensitive(v, "apiVersion", cJSON_CreateString("events.k8s.io/v1"));
    msg = cJSON_DetachItemFromObjectCaseSensitive(v, "message");
    if (msg)
        cJSON_AddItemToObject(v, "note", msg);
    cJSON *io = cJSON_DetachItemFromObjectCaseSensitive(v, "involvedObject");
    if (io)
        cJSON_AddItemToObject(v, "regarding", io);
    return v;
}

struct types {
    ks_rtype deploy, widget, cm, ns, event, event_view;
};

static void rt_init(ks_rtype *rt, const char *group, const char *res, const char *kind,
                    bool namespaced, enum ks_rtype_origin origin, int id)
{
    memset(rt, 0, sizeof(*rt));
    snprintf(rt->group, sizeof(rt->group), "%s", group);
    snprintf(rt->version, sizeof(rt->version), "v1");
    snprintf(rt->resource, sizeof(rt->resource), "%s", res);
    snprintf(rt->kind, sizeof(rt->kind), "%s", kind);
    snprintf(rt->list_kind, sizeof(rt->list_kind), "%sList", kind);
    rt->namespaced = namespaced;
    rt->origin = origin;
    rt->verbs = KS_V_ALL;
    rt->id = id;
}

static void types_init(struct types *t)
{
    rt_init(&t->deploy, "apps", "deployments", "Deployment", true, KS_RT_BUILTIN, 0);
    rt_init(&t->widget, "example.dev", "widgets", "Widget", true, KS_RT_CUSTOM, 1);
    rt_init(&t->cm, "", "configmaps", "ConfigMap", true, KS_RT_BUILTIN, 2);
    rt_init(&t->ns, "", "namespaces", "Namespace", false, KS_RT_BUILTIN, 3);
    rt_init(&t->event, "", "events", "Event", true, KS_RT_BUILTIN, 4);
    rt_init(&t->event_view, "events.k8s.io", "events", "Event", true, KS_RT_BUILTIN, 5);
    t->event_view.storage = &t->event;
    t->event_view.to_view = event_to_view;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static cJSON *deploy(const char *ns, const char *name, const char *app, int replicas)
{
    char buf[512];
    snprintf(buf, sizeof(buf),
             "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"%s\",\"uid\":\"u-%s\",\"labels\":{\"app\":\"%s\"}},"
             "\"spec\":{\"replicas\":%d}}",
             name, ns, name, app, replicas);
    cJSON *o = cJSON_Parse(buf);
    assert_non_null(o);
    return o;
}

static const ks_obj *create(ks_store *st, const ks_rtype *rt, cJSON *o)
{
    const ks_obj *out = NULL;
    assert_int_equal(ks_store_create(st, rt, o, &out), KS_OK);
    cJSON_Delete(o);
    assert_non_null(out);
    return out;
}

static void create_cm(ks_store *st, const ks_rtype *cm, int i)
{
    char buf[256];
    snprintf(buf, sizeof(buf),
             "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"cm-%05d\","
             "\"namespace\":\"demo\"},\"data\":{\"a\":\"1\"}}",
             i);
    create(st, cm, cJSON_Parse(buf));
}

static char *list(ks_store *st, const struct ks_list_req *q, int want_rc, char **cont, char *err,
                  size_t errlen)
{
    struct ebb_strbuf body = EBB_STRBUF_INIT;
    char *nc = NULL;
    int rc = ks_store_list(st, q, &body, &nc, err, errlen);
    if (rc != want_rc)
        fail_msg("list rc %d, want %d (%s)", rc, want_rc, err);
    if (cont)
        *cont = nc;
    else
        free(nc);
    return ebb_strbuf_detach(&body, NULL);
}

/* Names of the items of a list body, comma-joined. */
static void item_names(const char *body, char *out, size_t cap)
{
    cJSON *j = cJSON_Parse(body);
    const cJSON *it;
    out[0] = '\0';
    assert_non_null(j);
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "items"))
    {
        const char *n = ks_json_str(it, "metadata.name");
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%s", l ? "," : "", n ? n : "?");
    }
    cJSON_Delete(j);
}

static char *meta_str(const char *body, const char *key)
{
    cJSON *j = cJSON_Parse(body);
    const char *s = ks_json_str(j, key);
    char *r = s ? strdup(s) : NULL;
    cJSON_Delete(j);
    return r;
}

/* A sink that keeps every chunk. */
struct cap {
    char *chunks[64];
    size_t n;
    bool ended;
    int fail;                  /* >0: the n-th send fails */
    ks_store *close_from_send; /* calls ks_store_watch_closed inside send */
};

static int cap_send(void *ud, const char *d, size_t n)
{
    struct cap *c = ud;
    if (c->fail && (int)c->n + 1 >= c->fail)
        return KS_EIO;
    if (c->close_from_send)
        ks_store_watch_closed(c->close_from_send, (ks_stream *)c);
    assert_true(c->n < 64);
    c->chunks[c->n] = strndup(d, n);
    assert_non_null(c->chunks[c->n]);
    c->n++;
    return 0;
}

static void cap_end(void *ud)
{
    struct cap *c = ud;
    assert_false(c->ended);
    c->ended = true;
}

static void cap_release(struct cap *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->chunks[i]);
    memset(c, 0, sizeof(*c));
}

static void watch(ks_store *st, const ks_rtype *view, struct cap *c, const char *rv,
                  const char *labels, const char *fields, bool bookmarks, double timeout,
                  double now)
{
    char err[256];
    struct ks_sink sink = {cap_send, cap_end, c};
    struct ks_watch_req q = {view, "demo", NULL, NULL, rv, bookmarks, timeout, false};
    q.labels = labels ? ks_selector_parse(labels, false, err, sizeof(err)) : NULL;
    q.fields = fields ? ks_selector_parse(fields, true, err, sizeof(err)) : NULL;
    assert_int_equal(ks_store_watch_sink(st, &q, &sink, now), KS_OK);
}

/* "TYPE name rv" of chunk i, checking the framing on the way. */
static void event_is(const struct cap *c, size_t i, const char *type, const char *name,
                     unsigned long long rv)
{
    char want_rv[32];
    if (i >= c->n)
        fail_msg("only %zu events, wanted #%zu %s %s", c->n, i, type, name);
    size_t len = strlen(c->chunks[i]);
    assert_true(len > 2 && c->chunks[i][len - 1] == '\n');
    assert_null(strchr(c->chunks[i], '\n') + 1 - c->chunks[i] == (long)len ? NULL : "x");
    cJSON *j = cJSON_Parse(c->chunks[i]);
    assert_non_null(j);
    assert_string_equal(ks_json_str(j, "type"), type);
    const char *n = ks_json_str(j, "object.metadata.name");
    assert_string_equal(n ? n : "", name);
    snprintf(want_rv, sizeof(want_rv), "%llu", rv);
    assert_string_equal(ks_json_str(j, "object.metadata.resourceVersion"), want_rv);
    cJSON_Delete(j);
}

/* ------------------------------------------------------------------ */
/* CRUD                                                                */

static void test_crud_and_rv(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(&(struct ks_store_opts){0});
    const ks_obj *o, *last;
    cJSON *d;

    (void)state;
    types_init(&t);
    assert_non_null(st);
    assert_int_equal(ks_store_rv(st), 100);
    assert_int_equal(ks_store_oldest_rv(st), 100);

    o = create(st, &t.deploy, deploy("demo", "web", "web", 1));
    assert_int_equal(o->rv, 101);
    assert_string_equal(o->ns, "demo");
    assert_string_equal(o->name, "web");
    assert_int_equal(o->n_labels, 1);
    assert_string_equal(o->labels[0].key, "app");
    assert_string_equal(o->labels[0].value, "web");
    /* resourceVersion right after uid, as the real server writes it */
    assert_non_null(strstr(o->json, "\"uid\":\"u-web\",\"resourceVersion\":\"101\",\"labels\""));
    assert_int_equal(o->json_len, strlen(o->json));
    assert_ptr_equal(ks_store_get(st, &t.deploy, "demo", "web"), o);
    assert_null(ks_store_get(st, &t.deploy, "other", "web"));
    assert_null(ks_store_get(st, &t.widget, "demo", "web"));

    d = deploy("demo", "web", "web", 2);
    assert_int_equal(ks_store_create(st, &t.deploy, d, NULL), KS_EEXISTS);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 99, NULL), KS_ECONFLICT);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 101, &o), KS_OK);
    assert_int_equal(o->rv, 102);
    assert_non_null(strstr(o->json, "\"replicas\":2"));
    assert_int_equal(ks_store_update(st, &t.deploy, d, 0, &o), KS_OK); /* 0: unconditional */
    assert_int_equal(o->rv, 103);
    cJSON_Delete(d);

    d = deploy("demo", "nope", "x", 1);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 0, NULL), KS_ENOTFOUND);
    cJSON_Delete(d);

    assert_int_equal(ks_store_remove(st, &t.deploy, "demo", "web", 5, NULL), KS_ECONFLICT);
    assert_int_equal(ks_store_remove(st, &t.deploy, "demo", "web", 103, &last), KS_OK);
    assert_int_equal(last->rv, 104);
    assert_non_null(strstr(last->json, "\"resourceVersion\":\"104\""));
    assert_non_null(strstr(last->json, "\"replicas\":2"));
    assert_null(ks_store_get(st, &t.deploy, "demo", "web"));
    assert_int_equal(ks_store_remove(st, &t.deploy, "demo", "web", 0, NULL), KS_ENOTFOUND);
    assert_int_equal(ks_store_rv(st), 104);

    /* bad objects */
    d = cJSON_Parse("{\"metadata\":{\"namespace\":\"demo\"}}");
    assert_int_equal(ks_store_create(st, &t.deploy, d, NULL), KS_EINVALID);
    cJSON_Delete(d);
    d = cJSON_Parse("{\"metadata\":{\"name\":\"a/b\",\"namespace\":\"demo\"}}");
    assert_int_equal(ks_store_create(st, &t.deploy, d, NULL), KS_EINVALID);
    cJSON_Delete(d);
    d = cJSON_Parse("{\"metadata\":{\"name\":\"x\"}}"); /* namespaced without namespace */
    assert_int_equal(ks_store_create(st, &t.deploy, d, NULL), KS_EINVALID);
    cJSON_Delete(d);
    d = cJSON_Parse("[1]");
    assert_int_equal(ks_store_create(st, &t.deploy, d, NULL), KS_EINVALID);
    cJSON_Delete(d);
    assert_int_equal(ks_store_create(st, &t.deploy, NULL, NULL), KS_EINVALID);
    assert_int_equal(ks_store_rv(st), 104);

    /* cluster-scoped: the namespace is ignored; custom keys stay sorted */
    d = cJSON_Parse(
        "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"demo\"}}");
    o = create(st, &t.ns, d);
    assert_string_equal(o->ns, "");
    assert_ptr_equal(ks_store_get(st, &t.ns, "whatever", "demo"), o);
    d = cJSON_Parse(
        "{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{"
        "\"creationTimestamp\":\"x\",\"name\":\"w\",\"namespace\":\"demo\",\"uid\":\"u\"}}");
    o = create(st, &t.widget, d);
    assert_non_null(strstr(o->json, "\"namespace\":\"demo\",\"resourceVersion\":\"106\",\"uid\""));
    ks_store_free(st);
}

struct each_ctx {
    char names[512];
    ks_store *st;
    const ks_rtype *rt;
    int stop_after;
    int seen;
};

static bool each_fn(void *ud, const ks_obj *o)
{
    struct each_ctx *c = ud;
    size_t l = strlen(c->names);
    snprintf(c->names + l, sizeof(c->names) - l, "%s%s/%s", l ? "," : "", o->ns, o->name);
    if (c->st) { /* writes from inside the walk: delete this one, add a later one */
        char name[64];
        snprintf(name, sizeof(name), "%s-z", o->name);
        assert_int_equal(ks_store_remove(c->st, c->rt, o->ns, o->name, 0, NULL), KS_OK);
        if (strlen(o->name) < 2)
            create(c->st, c->rt, deploy("demo", name, "x", 1));
    }
    return ++c->seen != c->stop_after;
}

static void test_each_and_count(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(NULL);
    struct each_ctx c = {0};

    (void)state;
    types_init(&t);
    /* etcd key order: "a-b/x" < "a/x" ('-' < '/') */
    create(st, &t.deploy, deploy("demo", "b", "x", 1));
    create(st, &t.deploy, deploy("demo", "a", "x", 1));
    create(st, &t.deploy, deploy("a", "x", "x", 1));
    create(st, &t.deploy, deploy("a-b", "x", "x", 1));
    assert_int_equal(ks_store_count(st, &t.deploy), 4);
    assert_int_equal(ks_store_count(st, &t.widget), 0);
    ks_store_each(st, &t.deploy, NULL, each_fn, &c);
    assert_string_equal(c.names, "a-b/x,a/x,demo/a,demo/b");
    memset(&c, 0, sizeof(c));
    ks_store_each(st, &t.deploy, "demo", each_fn, &c);
    assert_string_equal(c.names, "demo/a,demo/b");
    memset(&c, 0, sizeof(c));
    c.stop_after = 1;
    ks_store_each(st, &t.deploy, "a", each_fn, &c);
    assert_string_equal(c.names, "a/x");
    memset(&c, 0, sizeof(c));
    ks_store_each(st, &t.deploy, "none", each_fn, &c);
    assert_string_equal(c.names, "");
    /* writes during the walk */
    memset(&c, 0, sizeof(c));
    c.st = st;
    c.rt = &t.deploy;
    ks_store_each(st, &t.deploy, "demo", each_fn, &c);
    assert_string_equal(c.names, "demo/a,demo/a-z,demo/b,demo/b-z");
    assert_int_equal(ks_store_count(st, &t.deploy), 2);
    ks_store_free(st);
}

struct sub_log {
    char log[512];
};

static void sub_fn(void *ud, const char *type, const ks_obj *o)
{
    struct sub_log *l = ud;
    size_t n = strlen(l->log);
    snprintf(l->log + n, sizeof(l->log) - n, "%s%s:%s:%llu", n ? "," : "", type, o->name,
             (unsigned long long)o->rv);
}

static void test_subscribers(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(NULL);
    struct sub_log a = {""}, b = {""};
    cJSON *d;

    (void)state;
    types_init(&t);
    ks_store_subscribe(st, sub_fn, &a);
    ks_store_subscribe(st, sub_fn, &b);
    create(st, &t.deploy, deploy("demo", "web", "web", 1));
    d = deploy("demo", "web", "web", 2);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 0, NULL), KS_OK);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 1, NULL), KS_ECONFLICT); /* not seen */
    cJSON_Delete(d);
    assert_int_equal(ks_store_remove(st, &t.deploy, "demo", "web", 0, NULL), KS_OK);
    assert_string_equal(a.log, "ADDED:web:101,MODIFIED:web:102,DELETED:web:103");
    assert_string_equal(b.log, a.log);
    ks_store_free(st);
}

/* ------------------------------------------------------------------ */
/* LIST                                                                */

/* Fixtures 50-54: four Deployments in demo, the last at rv 315. */
static ks_store *fixture_store(struct types *t)
{
    ks_store *st = ks_store_new(NULL);
    assert_non_null(st);
    types_init(t);
    for (int i = 0; ks_store_rv(st) < 311; i++)
        create_cm(st, &t->cm, i);
    create(st, &t->deploy, deploy("demo", "web", "web", 2));     /* 312 */
    create(st, &t->deploy, deploy("demo", "alpha", "alpha", 0)); /* 313 */
    create(st, &t->deploy, deploy("demo", "beta", "beta", 0));   /* 314 */
    create(st, &t->deploy, deploy("demo", "gamma", "gamma", 0)); /* 315 */
    create(st, &t->deploy, deploy("other", "zeta", "web", 0));   /* 316 */
    return st;
}

static const char page1_token[] =
    "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MzE1LCJzdGFydCI6ImJldGFcdTAwMDAifQ";

static void test_list_paging(void **state)
{
    struct types t;
    ks_store *st;
    char err[512], names[256];
    char *body;
    struct ks_list_req q = {0};
    const char *head;

    (void)state;
    st = fixture_store(&t);
    q.view = &t.deploy;
    q.ns = "demo";
    q.limit = 2;
    q.rv = "315";
    q.rv_match = "Exact";
    /* fixture 53: Exact at 315 pages like the first page at 315 */
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    head = "{\"kind\":\"DeploymentList\",\"apiVersion\":\"apps/v1\",\"metadata\":{"
           "\"resourceVersion\":\"315\",\"continue\":\"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MzE1"
           "LCJzdGFydCI6ImJldGFcdTAwMDAifQ\",\"remainingItemCount\":2},\"items\":[{\"metadata\":"
           "{\"name\":\"alpha\"";
    assert_memory_equal(body, head, strlen(head)); /* items without kind/apiVersion */
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "alpha,beta");
    free(body);

    /* changes after the first page do not show on the next (fixture 51) */
    cJSON *d = deploy("demo", "gamma", "gamma", 7);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 0, NULL), KS_OK);
    cJSON_Delete(d);
    create(st, &t.deploy, deploy("demo", "delta", "delta", 0));
    assert_int_equal(ks_store_remove(st, &t.deploy, "demo", "web", 0, NULL), KS_OK);
    memset(&q, 0, sizeof(q));
    q.view = &t.deploy;
    q.ns = "demo";
    q.limit = 2;
    q.cont = page1_token;
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "gamma,web");
    assert_non_null(strstr(body, "{\"kind\":\"DeploymentList\",\"apiVersion\":\"apps/v1\","
                                 "\"metadata\":{\"resourceVersion\":\"315\"},\"items\":["));
    assert_non_null(strstr(body, "\"resourceVersion\":\"315\",\"labels\":{\"app\":\"gamma\"}"));
    free(body);

    /* a fresh list: the latest state, limit honoured */
    q.cont = NULL;
    q.limit = 3;
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "alpha,beta,delta");
    char *rv = meta_str(body, "metadata.resourceVersion");
    assert_string_equal(rv, "319");
    free(rv);
    assert_non_null(strstr(body, "\"remainingItemCount\":1"));
    free(body);

    /* fixture 52: rv=0 ignores limit */
    q.rv = "0";
    q.limit = 2;
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "alpha,beta,delta,gamma");
    assert_null(strstr(body, "continue"));
    free(body);

    /* fixture 54: NotOlderThan without limit: everything, current rv */
    q.rv = "315";
    q.rv_match = "NotOlderThan";
    q.limit = 0;
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "alpha,beta,delta,gamma");
    assert_non_null(strstr(body, "\"metadata\":{\"resourceVersion\":\"319\"}"));
    free(body);

    /* fixture 55: a label selector (no remainingItemCount with one) */
    char lerr[128];
    ks_selector *sel = ks_selector_parse("app in (alpha,gamma)", false, lerr, sizeof(lerr));
    memset(&q, 0, sizeof(q));
    q.view = &t.deploy;
    q.ns = "demo";
    q.labels = sel;
    q.limit = 1;
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "alpha");
    assert_non_null(strstr(body, "\"continue\""));
    assert_null(strstr(body, "remainingItemCount"));
    free(body);
    ks_selector_free(sel);

    /* fixture 56: all namespaces, start key "ns/name\u0000" */
    memset(&q, 0, sizeof(q));
    q.view = &t.deploy;
    q.limit = 4;
    char *cont = NULL;
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "alpha,beta,delta,gamma");
    cont = meta_str(body, "metadata.continue");
    assert_non_null(cont);
    free(body);
    q.cont = cont;
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "zeta");
    free(body);
    free(cont);
    ks_store_free(st);
}

static const char fixture57_message[] =
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this response "
    "to retrieve the remainder of the results. Continuing with the provided token results in an "
    "inconsistent list - objects that were created, modified, or deleted between the time the "
    "first chunk was returned and now may show up in the list.";

static void test_list_gone(void **state)
{
    struct types t;
    ks_store *st;
    char err[1024], names[256];
    char *body, *nc = NULL;
    struct ks_list_req q = {0};

    (void)state;
    st = fixture_store(&t);
    ks_store_compact(st);
    assert_int_equal(ks_store_oldest_rv(st), 316);
    q.view = &t.deploy;
    q.ns = "demo";
    q.limit = 2;
    /* fixture 57: the token of 346... here 315 is compacted */
    q.cont = page1_token;
    body = list(st, &q, KS_EGONE, &nc, err, sizeof(err));
    assert_string_equal(err, fixture57_message);
    assert_string_equal(nc, "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiYmV0YVx1MDAwMCJ9");
    free(body);
    /* the inconsistent continuation works, at the latest rv */
    q.cont = nc;
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "gamma,web");
    assert_non_null(strstr(body, "\"resourceVersion\":\"316\""));
    free(body);
    free(nc);

    /* fixture 58 */
    memset(&q, 0, sizeof(q));
    q.view = &t.deploy;
    q.ns = "demo";
    q.rv = "315";
    q.rv_match = "Exact";
    body = list(st, &q, KS_EGONE, &nc, err, sizeof(err));
    assert_string_equal(err, "The resourceVersion for the provided list is too old.");
    assert_null(nc);
    free(body);
    ks_store_free(st);
}

static void test_list_history_eviction(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(&(struct ks_store_opts){.history = 3});
    char err[512], names[128];
    struct ks_list_req q = {0};
    char *body;

    (void)state;
    types_init(&t);
    create(st, &t.deploy, deploy("demo", "a", "a", 0)); /* 101 */
    create(st, &t.deploy, deploy("demo", "b", "b", 0)); /* 102 */
    create(st, &t.deploy, deploy("demo", "c", "c", 0)); /* 103 */
    assert_int_equal(ks_store_oldest_rv(st), 100);
    assert_int_equal(ks_store_remove(st, &t.deploy, "demo", "a", 0, NULL), KS_OK); /* 104 */
    assert_int_equal(ks_store_oldest_rv(st), 101);
    q.view = &t.deploy;
    q.rv = "101";
    q.rv_match = "Exact";
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "a");
    free(body);
    q.rv = "103";
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "a,b,c");
    free(body);
    q.rv = "100";
    free(list(st, &q, KS_EGONE, NULL, err, sizeof(err)));
    q.rv = "105";
    free(list(st, &q, KS_EIO, NULL, err, sizeof(err)));
    assert_string_equal(err, "Too large resource version: 105, current: 104");
    ks_store_free(st);
}

static const struct {
    const char *cont, *rv, *match;
    int rc;
    const char *msg;
} bad_lists[] = {
    {"!!!", NULL, NULL, KS_EBADREQ,
     "invalid continue token: continue key is not valid: illegal base64 data at input byte 0"},
    {"e30=", NULL, NULL, KS_EBADREQ,
     "invalid continue token: continue key is not valid: illegal base64 data at input byte 3"},
    {"e30", NULL, NULL, KS_EBADREQ, /* {} */
     "invalid continue token: continue key is not valid: server does not recognize this encoded "
     "version \"\""},
    {"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MCwic3RhcnQiOiJhIn0", NULL, NULL, KS_EBADREQ,
     "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion "
     "(version meta.k8s.io/v1)"},
    {"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6Mywic3RhcnQiOiIifQ", NULL, NULL, KS_EBADREQ,
     "invalid continue token: continue key is not valid: encoded start key empty (version "
     "meta.k8s.io/v1)"},
    {"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6Mywic3RhcnQiOiIuLi94In0", NULL, NULL, KS_EBADREQ,
     "invalid continue token: continue key is not valid: ../x"},
    {"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6IjMiLCJzdGFydCI6ImEifQ", NULL, NULL, KS_EBADREQ,
     "invalid continue token: continue key is not valid: json: cannot unmarshal string into Go "
     "struct field continueToken.rv of type int64"},
    {"bm90IGpzb24", NULL, NULL, KS_EBADREQ,
     "invalid continue token: continue key is not valid: invalid character 'n' looking for "
     "beginning of value"},
    {page1_token, "5", NULL, KS_EBADREQ,
     "specifying resource version is not allowed when using continue"},
    {NULL, "abc", NULL, KS_EBADREQ,
     "invalid resource version: resourceVersion: Invalid value: \"abc\": strconv.ParseUint: "
     "parsing \"abc\": invalid syntax"},
    {NULL, NULL, "Exact", KS_EINVALID,
     "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: "
     "resourceVersionMatch is forbidden unless resourceVersion is provided"},
    {NULL, "0", "Exact", KS_EINVALID,
     "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: "
     "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""},
    {NULL, "5", "Newest", KS_EINVALID,
     "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Unsupported value: "
     "\"Newest\": supported values: \"Exact\", \"NotOlderThan\", \"\""},
};

static void test_list_bad_requests(void **state)
{
    struct types t;
    ks_store *st = fixture_store(&t);

    (void)state;
    for (size_t i = 0; i < sizeof(bad_lists) / sizeof(bad_lists[0]); i++) {
        struct ks_list_req q = {&t.deploy, "demo",           NULL,
                                NULL,      bad_lists[i].rv,  bad_lists[i].match,
                                2,         bad_lists[i].cont};
        struct ebb_strbuf body = EBB_STRBUF_INIT;
        char err[1024];
        int rc = ks_store_list(st, &q, &body, NULL, err, sizeof(err));
        if (rc != bad_lists[i].rc || strcmp(err, bad_lists[i].msg) != 0)
            fail_msg("case %zu: rc %d err\n got  %s\n want %s", i, rc, err, bad_lists[i].msg);
        assert_int_equal(body.len, 0);
        ebb_strbuf_release(&body);
    }
    ks_store_free(st);
}

static void test_list_custom_and_view(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(NULL);
    char err[256], names[128];
    struct ks_list_req q = {0};
    char *body;

    (void)state;
    types_init(&t);
    /* fixture 59: a custom resource list, keys sorted, items keep kind */
    q.view = &t.widget;
    q.ns = "demo";
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    assert_string_equal(body, "{\"apiVersion\":\"example.dev/v1\",\"items\":[],\"kind\":"
                              "\"WidgetList\",\"metadata\":{\"continue\":\"\","
                              "\"resourceVersion\":\"100\"}}");
    free(body);
    create(st, &t.widget,
           cJSON_Parse("{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{"
                       "\"name\":\"w1\",\"namespace\":\"demo\"}}"));
    create(st, &t.widget,
           cJSON_Parse("{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{"
                       "\"name\":\"w2\",\"namespace\":\"demo\"}}"));
    q.limit = 1;
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    const char *want = "{\"apiVersion\":\"example.dev/v1\",\"items\":[{\"apiVersion\":"
                       "\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w1\","
                       "\"namespace\":\"demo\",\"resourceVersion\":\"101\"}}],\"kind\":"
                       "\"WidgetList\",\"metadata\":{\"continue\":\"";
    assert_memory_equal(body, want, strlen(want));
    assert_non_null(strstr(body, "\",\"remainingItemCount\":1,\"resourceVersion\":\"102\"}}"));
    free(body);

    /* fixtures 93/94: an events.k8s.io view on core events */
    create(st, &t.event,
           cJSON_Parse("{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"e1\","
                       "\"namespace\":\"demo\"},\"involvedObject\":{\"name\":\"widget-a\"},"
                       "\"message\":\"hello\"}"));
    create(st, &t.event,
           cJSON_Parse("{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"e2\","
                       "\"namespace\":\"demo\"},\"involvedObject\":{\"name\":\"other\"}}"));
    ks_selector *f = ks_selector_parse("regarding.name=widget-a", true, err, sizeof(err));
    memset(&q, 0, sizeof(q));
    q.view = &t.event_view;
    q.ns = "demo";
    q.fields = f;
    body = list(st, &q, KS_OK, NULL, err, sizeof(err));
    item_names(body, names, sizeof(names));
    assert_string_equal(names, "e1");
    assert_non_null(strstr(body, "{\"kind\":\"EventList\",\"apiVersion\":\"events.k8s.io/v1\""));
    assert_non_null(strstr(body, "\"note\":\"hello\""));
    assert_null(strstr(body, "\"kind\":\"Event\",")); /* items stripped */
    free(body);
    ks_selector_free(f);
    ks_store_free(st);
}

/* ------------------------------------------------------------------ */
/* WATCH                                                               */

static void test_watch_now_and_events(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(NULL);
    struct cap c = {0}, other = {0};
    cJSON *d;

    (void)state;
    types_init(&t);
    create(st, &t.deploy, deploy("demo", "old", "x", 1)); /* 101: before the watch */
    watch(st, &t.deploy, &c, "", NULL, NULL, false, 0, 1000);
    watch(st, &t.cm, &other, NULL, NULL, NULL, false, 0, 1000);
    assert_int_equal(ks_store_watch_count(st), 2);
    assert_int_equal(c.n, 0);
    create(st, &t.deploy, deploy("demo", "watched", "w", 1));      /* 102 */
    create(st, &t.deploy, deploy("elsewhere", "watched", "w", 1)); /* 103: other ns */
    d = deploy("demo", "watched", "w", 3);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 0, NULL), KS_OK); /* 104 */
    cJSON_Delete(d);
    assert_int_equal(ks_store_remove(st, &t.deploy, "demo", "watched", 0, NULL), KS_OK); /* 105 */
    assert_int_equal(c.n, 3);
    event_is(&c, 0, "ADDED", "watched", 102);
    event_is(&c, 1, "MODIFIED", "watched", 104);
    event_is(&c, 2, "DELETED", "watched", 105);
    /* fixture 61's framing: the stored object as is, one event per chunk */
    assert_memory_equal(c.chunks[0],
                        "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Deployment\","
                        "\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"watched\"",
                        80);
    assert_int_equal(other.n, 0); /* configmaps see nothing */
    ks_store_drop_watches(st);
    assert_true(c.ended);
    assert_true(other.ended);
    assert_int_equal(ks_store_watch_count(st), 0);
    cap_release(&c);
    cap_release(&other);
    ks_store_free(st);
}

static void test_watch_rv0_and_replay(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(NULL);
    struct cap c = {0}, r = {0}, f = {0};
    cJSON *d;

    (void)state;
    types_init(&t);
    create(st, &t.deploy, deploy("demo", "web", "web", 1)); /* 101 */
    create(st, &t.deploy, deploy("demo", "alpha", "a", 1)); /* 102 */
    d = deploy("demo", "alpha", "a", 2);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 0, NULL), KS_OK); /* 103 */
    cJSON_Delete(d);
    create(st, &t.deploy, deploy("other", "x", "a", 1)); /* 104 */

    /* fixture 63: synthetic ADDED for the current state, then live */
    watch(st, &t.deploy, &c, "0", NULL, NULL, false, 0, 0);
    assert_int_equal(c.n, 2);
    event_is(&c, 0, "ADDED", "alpha", 103);
    event_is(&c, 1, "ADDED", "web", 101);

    /* fixture 64: an old rv inside the window replays what followed */
    watch(st, &t.deploy, &r, "101", NULL, NULL, false, 0, 0);
    assert_int_equal(r.n, 2);
    event_is(&r, 0, "ADDED", "alpha", 102);
    event_is(&r, 1, "MODIFIED", "alpha", 103);

    /* fixture 60: a field selector on the name */
    watch(st, &t.deploy, &f, "100", NULL, "metadata.name=alpha", false, 0, 0);
    assert_int_equal(f.n, 2);

    create(st, &t.deploy, deploy("demo", "beta", "b", 1)); /* 105 */
    assert_int_equal(c.n, 3);
    event_is(&c, 2, "ADDED", "beta", 105);
    assert_int_equal(r.n, 3);
    assert_int_equal(f.n, 2);
    ks_store_drop_watches(st);
    cap_release(&c);
    cap_release(&r);
    cap_release(&f);
    ks_store_free(st);
}

/* sendInitialEvents=true (client-go 1.35's watch-list): the current
 * state, a BOOKMARK annotated k8s.io/initial-events-end at the newest
 * resourceVersion, then live events. */
static void test_watch_initial_events(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(NULL);
    struct cap c = {0};
    struct ks_sink sink = {cap_send, cap_end, &c};

    (void)state;
    types_init(&t);
    create(st, &t.deploy, deploy("demo", "web", "web", 1)); /* 101 */
    create(st, &t.deploy, deploy("demo", "alpha", "a", 1)); /* 102 */
    create(st, &t.deploy, deploy("other", "x", "a", 1));    /* 103 */
    struct ks_watch_req q = {&t.deploy, "demo", NULL, NULL, "", true, 0, true};
    assert_int_equal(ks_store_watch_sink(st, &q, &sink, 0), KS_OK);
    assert_int_equal(c.n, 3);
    event_is(&c, 0, "ADDED", "alpha", 102);
    event_is(&c, 1, "ADDED", "web", 101);
    cJSON *bm = cJSON_Parse(c.chunks[2]);
    assert_non_null(bm);
    assert_string_equal(ks_json_str(bm, "type"), "BOOKMARK");
    assert_string_equal(ks_json_str(bm, "object.metadata.resourceVersion"), "103");
    const cJSON *ann = ks_json_path(bm, "object.metadata.annotations");
    assert_non_null(ann);
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(ann, "k8s.io/initial-events-end");
    assert_true(cJSON_IsString(end));
    assert_string_equal(end->valuestring, "true");
    cJSON_Delete(bm);
    create(st, &t.deploy, deploy("demo", "beta", "b", 1)); /* 104 */
    assert_int_equal(c.n, 4);
    event_is(&c, 3, "ADDED", "beta", 104);
    ks_store_drop_watches(st);
    cap_release(&c);
    ks_store_free(st);
}

static void test_watch_too_old(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(NULL);
    struct cap c = {0}, bad = {0}, ok = {0};

    (void)state;
    types_init(&t);
    for (int i = 0; ks_store_rv(st) < 373; i++)
        create_cm(st, &t.cm, i);
    ks_store_compact(st);
    /* fixtures 66 and 67 (bookmarks asked for: still the ERROR) */
    watch(st, &t.deploy, &c, "370", NULL, NULL, true, 5, 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.chunks[0],
                        "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                        "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource "
                        "version: 370 (373)\",\"reason\":\"Expired\",\"code\":410}}\n");
    assert_true(c.ended);
    assert_int_equal(ks_store_watch_count(st), 0);

    watch(st, &t.deploy, &bad, "abc", NULL, NULL, false, 0, 0);
    assert_int_equal(bad.n, 1);
    assert_non_null(strstr(bad.chunks[0], "\"reason\":\"BadRequest\",\"code\":400}}\n"));
    assert_true(bad.ended);

    /* exactly the compaction point is fine */
    watch(st, &t.deploy, &ok, "373", NULL, NULL, false, 0, 0);
    assert_int_equal(ok.n, 0);
    assert_false(ok.ended);
    assert_int_equal(ks_store_watch_count(st), 1);
    ks_store_drop_watches(st);
    cap_release(&c);
    cap_release(&bad);
    cap_release(&ok);
    ks_store_free(st);
}

static void test_watch_selector_transitions(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(NULL);
    struct cap c = {0};
    cJSON *d;

    (void)state;
    types_init(&t);
    create(st, &t.deploy, deploy("demo", "x", "web", 1)); /* 101 */
    watch(st, &t.deploy, &c, "", "app=web", NULL, false, 0, 0);
    d = deploy("demo", "x", "web", 2);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 0, NULL), KS_OK); /* 102 MODIFIED */
    cJSON_Delete(d);
    d = deploy("demo", "x", "db", 3);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 0, NULL), KS_OK); /* 103 DELETED */
    cJSON_Delete(d);
    d = deploy("demo", "x", "db", 4);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 0, NULL), KS_OK); /* 104 nothing */
    cJSON_Delete(d);
    d = deploy("demo", "x", "web", 5);
    assert_int_equal(ks_store_update(st, &t.deploy, d, 0, NULL), KS_OK); /* 105 ADDED */
    cJSON_Delete(d);
    assert_int_equal(ks_store_remove(st, &t.deploy, "demo", "x", 0, NULL), KS_OK); /* 106 */
    assert_int_equal(c.n, 4);
    event_is(&c, 0, "MODIFIED", "x", 102);
    event_is(&c, 1, "DELETED", "x", 103);
    /* the DELETED of a transition carries the previous state */
    assert_non_null(strstr(c.chunks[1], "\"app\":\"web\""));
    assert_non_null(strstr(c.chunks[1], "\"replicas\":2"));
    event_is(&c, 2, "ADDED", "x", 105);
    event_is(&c, 3, "DELETED", "x", 106);
    ks_store_drop_watches(st);
    cap_release(&c);
    ks_store_free(st);
}

static void test_watch_bookmarks_and_timeout(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(&(struct ks_store_opts){.bookmark_every = 60});
    struct cap c = {0}, nb = {0}, longw = {0}, w = {0};

    (void)state;
    types_init(&t);
    create(st, &t.deploy, deploy("demo", "alpha", "a", 1)); /* 101 */
    create_cm(st, &t.cm, 1);                                /* 102 */
    assert_true(ks_store_next_deadline(st) == 0);
    /* fixture 62: timeoutSeconds=10 -> a BOOKMARK ~2 s before the end */
    watch(st, &t.deploy, &c, "101", NULL, NULL, true, 10, 1000);
    watch(st, &t.deploy, &nb, "101", NULL, NULL, false, 10, 1000);
    watch(st, &t.widget, &w, "", NULL, NULL, true, 0, 1000);
    assert_true(ks_store_next_deadline(st) == 1008);
    ks_store_tick(st, 1005);
    assert_int_equal(c.n, 0);
    ks_store_tick(st, 1008);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.chunks[0],
                        "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Deployment\",\"apiVersion\":"
                        "\"apps/v1\",\"metadata\":{\"resourceVersion\":\"102\","
                        "\"creationTimestamp\":null},\"spec\":{\"replicas\":0,\"selector\":null,"
                        "\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":{"
                        "\"containers\":null}},\"strategy\":{}},\"status\":{}}}\n");
    assert_int_equal(nb.n, 0);
    assert_true(ks_store_next_deadline(st) == 1010);
    ks_store_tick(st, 1009);
    assert_int_equal(c.n, 1);
    ks_store_tick(st, 1010);
    assert_true(c.ended);
    assert_true(nb.ended);
    assert_int_equal(ks_store_watch_count(st), 1);

    /* no deadline: about every bookmark_every; nothing before a change */
    assert_true(ks_store_next_deadline(st) == 1060);
    ks_store_tick(st, 1060);
    assert_int_equal(w.n, 0);
    create(st, &t.widget,
           cJSON_Parse("{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{"
                       "\"name\":\"w1\",\"namespace\":\"demo\"}}")); /* 103 */
    assert_int_equal(w.n, 1);
    ks_store_tick(st, 1120);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.chunks[1], "{\"type\":\"BOOKMARK\",\"object\":{\"apiVersion\":"
                                     "\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{"
                                     "\"resourceVersion\":\"103\"}}}\n");
    /* a timeout under 2 s: no bookmark at all */
    watch(st, &t.deploy, &longw, "", NULL, NULL, true, 1.5, 2000);
    ks_store_tick(st, 2001);
    assert_int_equal(longw.n, 0);
    ks_store_tick(st, 2001.5);
    assert_true(longw.ended);
    ks_store_drop_watches(st);
    assert_true(w.ended);
    cap_release(&c);
    cap_release(&nb);
    cap_release(&w);
    cap_release(&longw);
    ks_store_free(st);
}

static void test_watch_client_gone(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(NULL);
    struct cap fails = {0}, closes = {0}, stays = {0}, early = {0};

    (void)state;
    types_init(&t);
    fails.fail = 2;
    closes.close_from_send = st;
    watch(st, &t.deploy, &fails, "", NULL, NULL, false, 0, 0);
    watch(st, &t.deploy, &closes, "", NULL, NULL, false, 0, 0);
    watch(st, &t.deploy, &stays, "", NULL, NULL, false, 0, 0);
    assert_int_equal(ks_store_watch_count(st), 3);
    create(st, &t.deploy, deploy("demo", "a", "a", 1));
    /* closes: on_close from inside its send -> gone; fails: first ok */
    assert_int_equal(ks_store_watch_count(st), 2);
    create(st, &t.deploy, deploy("demo", "b", "a", 1));
    assert_int_equal(ks_store_watch_count(st), 1);
    assert_int_equal(fails.n, 1);
    assert_false(fails.ended); /* a dead client gets no end */
    assert_false(closes.ended);
    assert_int_equal(stays.n, 2);
    ks_store_watch_closed(st, (ks_stream *)&stays);
    ks_store_watch_closed(st, (ks_stream *)&stays); /* twice: harmless */
    assert_int_equal(ks_store_watch_count(st), 0);
    /* a sink that fails during the initial events */
    early.fail = 1;
    watch(st, &t.deploy, &early, "0", NULL, NULL, false, 0, 0);
    assert_int_equal(ks_store_watch_count(st), 0);
    create(st, &t.deploy, deploy("demo", "c", "a", 1));
    cap_release(&fails);
    cap_release(&closes);
    cap_release(&stays);
    cap_release(&early);
    ks_store_free(st);
}

static void test_compact_and_drop(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(NULL);
    struct cap live = {0}, late = {0};

    (void)state;
    types_init(&t);
    create(st, &t.deploy, deploy("demo", "a", "a", 1)); /* 101 */
    watch(st, &t.deploy, &live, "100", NULL, NULL, false, 0, 0);
    assert_int_equal(live.n, 1);
    ks_store_compact(st);
    assert_int_equal(ks_store_oldest_rv(st), 101);
    create(st, &t.deploy, deploy("demo", "b", "a", 1)); /* open watches go on */
    assert_int_equal(live.n, 2);
    watch(st, &t.deploy, &late, "100", NULL, NULL, false, 0, 0);
    assert_true(late.ended);
    assert_non_null(strstr(late.chunks[0], "too old resource version: 100 (101)"));
    ks_store_drop_watches(st);
    assert_true(live.ended);
    assert_int_equal(ks_store_watch_count(st), 0);
    /* a store freed with open watches releases them without the sinks */
    struct cap open = {0};
    watch(st, &t.deploy, &open, "", NULL, NULL, false, 0, 0);
    ks_store_free(st);
    assert_false(open.ended);
    cap_release(&live);
    cap_release(&late);
}

/* 10,000 objects: lookups and a paged walk stay cheap and correct. */
static void test_many_objects(void **state)
{
    struct types t;
    ks_store *st = ks_store_new(&(struct ks_store_opts){.history = 1000});
    char err[256];
    size_t seen = 0;

    (void)state;
    types_init(&t);
    for (int i = 0; i < 10000; i++)
        create_cm(st, &t.cm, (i * 7919) % 10000);
    assert_int_equal(ks_store_count(st, &t.cm), 10000);
    assert_non_null(ks_store_get(st, &t.cm, "demo", "cm-04242"));
    struct ks_list_req q = {&t.cm, "demo", NULL, NULL, NULL, NULL, 500, NULL};
    char *cont = NULL;
    do {
        char *body = list(st, &q, KS_OK, NULL, err, sizeof(err));
        cJSON *j = cJSON_Parse(body);
        seen += (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(j, "items"));
        cJSON_Delete(j);
        free(cont);
        cont = meta_str(body, "metadata.continue");
        free(body);
        q.cont = cont;
    } while (cont);
    assert_int_equal(seen, 10000);
    ks_store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crud_and_rv),
        cmocka_unit_test(test_each_and_count),
        cmocka_unit_test(test_subscribers),
        cmocka_unit_test(test_list_paging),
        cmocka_unit_test(test_list_gone),
        cmocka_unit_test(test_list_history_eviction),
        cmocka_unit_test(test_list_bad_requests),
        cmocka_unit_test(test_list_custom_and_view),
        cmocka_unit_test(test_watch_now_and_events),
        cmocka_unit_test(test_watch_rv0_and_replay),
        cmocka_unit_test(test_watch_initial_events),
        cmocka_unit_test(test_watch_too_old),
        cmocka_unit_test(test_watch_selector_transitions),
        cmocka_unit_test(test_watch_bookmarks_and_timeout),
        cmocka_unit_test(test_watch_client_gone),
        cmocka_unit_test(test_compact_and_drop),
        cmocka_unit_test(test_many_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
