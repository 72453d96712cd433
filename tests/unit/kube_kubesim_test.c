/* kube_kubesim_test.c -- Ebb's Kubernetes client end to end against the real kubesim.
 *
 * One kubesim child (tests/unit/kubesim_child.h) serves the whole program
 * over TLS; every step goes through OUR client (pkg/kube), configured from
 * the kubeconfigs kubesim writes: DIR/kubeconfig (a tokenFile) and
 * DIR/admin-cert.kubeconfig (a client certificate), DIR/reader.kubeconfig
 * for RBAC. Each test uses its own namespace; the faults test runs last
 * (it rotates the admin token). Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "../../pkg/kube/events.h"
#include "../../pkg/kube/informer.h"
#include "../../pkg/kube/leader.h"
#include "../../pkg/kube/objects.h"
#include "../../pkg/kube/verbs.h"
#include "../../pkg/kube/watch.h"
#include "kubesim_child.h"

struct world {
    struct ebbt_kubesim ks;
    struct ebb_kube_config cfg;  /* DIR/kubeconfig: tokenFile */
    struct ebb_kube_config ccfg; /* DIR/admin-cert.kubeconfig */
    struct ebb_kube_client *c;   /* admin by token */
    struct ebb_kube_client *cc;  /* admin by client certificate */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- setup ------------------------------------------------------------------------------- */

static void load_config(struct world *w, const char *file, struct ebb_kube_config *cfg)
{
    char path[512], err[512];
    struct ebb_kube_env env;
    memset(&env, 0, sizeof(env));
    ebbt_kubesim_file(&w->ks, file, path, sizeof(path));
    if (ebb_kube_config_load(path, NULL, &env, cfg, err, sizeof(err)) != EBB_OK)
        fail_msg("%s: %s", path, err);
}

/* A client from cfg; max_retries -1 keeps the default. */
static struct ebb_kube_client *new_client(const struct ebb_kube_config *cfg, int max_retries,
                                          int64_t backoff_ms)
{
    struct ebb_kube_client_opts o;
    struct ebb_kube_client *c = NULL;
    char err[512];
    ebb_kube_client_opts_default(&o);
    o.qps = 0;
    o.backoff_base_ms = backoff_ms;
    o.request_timeout_ms = 10000;
    o.seed = 7;
    if (max_retries >= 0)
        o.max_retries = max_retries;
    if (ebb_kube_client_new(cfg, &o, &c, err, sizeof(err)) != EBB_OK)
        fail_msg("ebb_kube_client_new: %s", err);
    return c;
}

static int group_setup(void **state)
{
    static const char *const flags[] = {"--pod-startup", "0.5", "--pod-grace", "0.5",
                                        "--seed",        "1",   NULL};
    struct world *w = calloc(1, sizeof(*w));
    char err[1024];
    if (!w)
        return -1;
    if (ebbt_kubesim_start(&w->ks, flags, 15000, err, sizeof(err)) != 0) {
        fprintf(stderr, "kubesim: %s\n", err);
        free(w);
        return -1;
    }
    load_config(w, "kubeconfig", &w->cfg);
    load_config(w, "admin-cert.kubeconfig", &w->ccfg);
    w->c = new_client(&w->cfg, -1, 10);
    w->cc = new_client(&w->ccfg, -1, 10);
    *state = w;
    return 0;
}

static int group_teardown(void **state)
{
    struct world *w = *state;
    if (!w)
        return 0;
    ebb_kube_client_free(w->c);
    ebb_kube_client_free(w->cc);
    ebb_kube_config_release(&w->cfg);
    ebb_kube_config_release(&w->ccfg);
    int rc = ebbt_kubesim_stop(&w->ks); /* kubesim must stop cleanly (leak-free under ASan) */
    free(w);
    return rc == 0 ? 0 : -1;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static cJSON *parse(const struct ebb_strbuf *b)
{
    cJSON *j = cJSON_ParseWithLength(b->buf ? b->buf : "", b->len);
    if (!j)
        fail_msg("not JSON: %.200s", b->buf ? b->buf : "");
    return j;
}

static const char *jstr(const cJSON *o, const char *dotted)
{
    char key[128];
    const char *p = dotted;
    while (o && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        snprintf(key, sizeof(key), "%.*s", (int)n, p);
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        p += n + (dot ? 1 : 0);
    }
    return cJSON_IsString(o) ? o->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *dotted)
{
    char key[128];
    const char *p = dotted;
    while (o && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        snprintf(key, sizeof(key), "%.*s", (int)n, p);
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        p += n + (dot ? 1 : 0);
    }
    return cJSON_IsNumber(o) ? o->valuedouble : -1;
}

/* A raw request through ebb_kube_do(); returns the HTTP status. */
static int raw(struct ebb_kube_client *c, enum ebb_kube_method m, const char *path,
               const char *body, struct ebb_strbuf *out, struct ebb_kube_error *err)
{
    struct ebb_kube_request r = {m, path, body, body ? strlen(body) : 0, NULL, false};
    struct ebb_kube_error e;
    int status = 0;
    ebb_strbuf_reset(out);
    (void)ebb_kube_do(c, &r, out, &status, err ? err : &e);
    return status;
}

static void faults(struct world *w, const char *json)
{
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    int st =
        raw(w->cc, json ? EBB_KUBE_POST : EBB_KUBE_DELETE, "/kubesim/v1/faults", json, &b, NULL);
    if (st != 200)
        fail_msg("faults %s: %d %.300s", json ? json : "DELETE", st, b.buf ? b.buf : "");
    ebb_strbuf_release(&b);
}

static void ensure_ns(struct ebb_kube_client *c, const char *ns)
{
    char obj[256];
    struct ebb_kube_error e;
    struct ebb_kube_resource res = EBB_KUBE_NAMESPACES;
    snprintf(obj, sizeof(obj),
             "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{"
             "\"name\":\"%s\"}}",
             ns);
    enum ebb_rc rc = ebb_kube_create(c, &res, NULL, obj, strlen(obj), NULL, NULL, &e);
    if (rc != EBB_OK && e.reason != EBB_KUBE_ALREADY_EXISTS)
        fail_msg("create namespace %s: %d %s", ns, e.http_status, e.message);
}

static void create_cm(struct ebb_kube_client *c, const char *ns, const char *name, const char *v)
{
    char obj[512];
    struct ebb_kube_error e;
    struct ebb_kube_resource res = EBB_KUBE_CONFIGMAPS;
    snprintf(obj, sizeof(obj),
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
             "\"name\":\"%s\"},\"data\":{\"v\":\"%s\"}}",
             name, v);
    if (ebb_kube_create(c, &res, ns, obj, strlen(obj), NULL, NULL, &e) != EBB_OK)
        fail_msg("create configmap %s/%s: %d %s", ns, name, e.http_status, e.message);
}

static void deployment_json(char *buf, size_t sz, const char *name, int replicas)
{
    snprintf(buf, sz,
             "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\","
             "\"labels\":{\"app\":\"%s\"}},\"spec\":{\"replicas\":%d,\"selector\":{"
             "\"matchLabels\":{\"app\":\"%s\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":"
             "\"%s\"}},\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\","
             "\"resources\":{\"requests\":{\"cpu\":\"100m\"}}}]}}}}",
             name, name, replicas, name, name);
}

/* ---- 1. /version and discovery ----------------------------------------------------------- */

static void check_version(struct ebb_kube_client *c)
{
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    assert_int_equal(raw(c, EBB_KUBE_GET, "/version", NULL, &b, NULL), 200);
    cJSON *j = parse(&b);
    assert_string_equal(jstr(j, "major"), "1");
    assert_non_null(jstr(j, "gitVersion"));
    assert_memory_equal(jstr(j, "gitVersion"), "v1.", 3);
    cJSON_Delete(j);
    ebb_strbuf_release(&b);
}

struct version_seen {
    bool done;
    int status, version;
};

static void on_version_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct version_seen *v = ctx;
    v->done = true;
    v->status = resp->http_status;
    v->version = resp->http_version;
}

/* kubesim offers h2 by ALPN; the client must take it (issue 3, point 2). */
static void check_http2(struct ebb_kube_client *c)
{
    struct version_seen v = {false, 0, 0};
    struct ebb_kube_request rq = {EBB_KUBE_GET, "/version", NULL, 0, NULL, false};
    assert_int_equal(ebb_kube_submit(c, &rq, NULL, on_version_done, &v, NULL), EBB_OK);
    for (int i = 0; i < 500 && !v.done; i++)
        ebb_kube_client_poll(c, 20);
    assert_true(v.done);
    assert_int_equal(v.status, 200);
    assert_int_equal(v.version, 2);
}

static void test_version_discovery(void **state)
{
    struct world *w = *state;
    check_version(w->c);
    check_version(w->cc);
    check_http2(w->c);
    check_http2(w->cc);

    struct ebb_strbuf b = EBB_STRBUF_INIT;
    assert_int_equal(raw(w->c, EBB_KUBE_GET, "/apis/apps/v1", NULL, &b, NULL), 200);
    cJSON *j = parse(&b);
    assert_string_equal(jstr(j, "kind"), "APIResourceList");
    assert_string_equal(jstr(j, "groupVersion"), "apps/v1");
    bool deploy = false, scale = false;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(j, "resources"))
    {
        const char *name = jstr(r, "name");
        if (name && strcmp(name, "deployments") == 0) {
            deploy = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "namespaced"));
            assert_string_equal(jstr(r, "kind"), "Deployment");
        }
        if (name && strcmp(name, "deployments/scale") == 0) {
            scale = true;
            assert_string_equal(jstr(r, "kind"), "Scale");
        }
    }
    assert_true(deploy);
    assert_true(scale);
    cJSON_Delete(j);

    /* /apis lists apps with apps/v1 preferred */
    assert_int_equal(raw(w->c, EBB_KUBE_GET, "/apis", NULL, &b, NULL), 200);
    j = parse(&b);
    bool apps = false;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(j, "groups"))
    {
        const char *name = jstr(r, "name");
        if (name && strcmp(name, "apps") == 0)
            apps = jstr(r, "preferredVersion.groupVersion") &&
                   strcmp(jstr(r, "preferredVersion.groupVersion"), "apps/v1") == 0;
    }
    assert_true(apps);
    cJSON_Delete(j);
    ebb_strbuf_release(&b);
}

/* ---- 2. a Deployment: CRUD, patches, /scale, pods, delete --------------------------------- */

struct pod_count {
    int total, ready, terminating;
};

static int count_pod(void *ctx, const cJSON *item)
{
    struct pod_count *pc = ctx;
    void *obj = NULL;
    size_t bytes;
    char err[256];
    if (!item)
        return 0;
    if (ebb_kube_decode_pod(item, &obj, &bytes, err, sizeof(err)) != EBB_OK)
        fail_msg("pod does not decode: %s", err);
    const struct ebb_kube_pod *p = obj;
    pc->total++;
    if (p->meta.deletion_ms != EBB_TIME_UNSET)
        pc->terminating++;
    else if (p->phase == EBB_KUBE_POD_RUNNING && p->ready == EBB_COND_TRUE)
        pc->ready++;
    ebb_kube_object_free(obj);
    return 0;
}

static struct pod_count list_pods(struct ebb_kube_client *c, const char *ns, const char *sel)
{
    struct pod_count pc = {0, 0, 0};
    struct ebb_kube_query q;
    struct ebb_kube_error e;
    struct ebb_kube_resource res = EBB_KUBE_PODS;
    memset(&q, 0, sizeof(q));
    q.label_selector = sel;
    if (ebb_kube_list(c, &res, ns, &q, count_pod, &pc, NULL, 0, &e) != EBB_OK)
        fail_msg("list pods: %d %s", e.http_status, e.message);
    return pc;
}

static void expect_error(enum ebb_rc rc, const struct ebb_kube_error *e, int status,
                         enum ebb_kube_reason reason)
{
    assert_int_equal(rc, EBB_ERR_IO);
    if (e->http_status != status || e->reason != reason)
        fail_msg("want %d %s, got %d %s: %s", status, ebb_kube_reason_name(reason), e->http_status,
                 ebb_kube_reason_name(e->reason), e->message);
}

static void test_deployment(void **state)
{
    struct world *w = *state;
    const char *ns = "e2e-deploy";
    struct ebb_kube_resource dep = EBB_KUBE_DEPLOYMENTS;
    struct ebb_strbuf b = EBB_STRBUF_INIT, stale = EBB_STRBUF_INIT;
    struct ebb_kube_error e;
    char obj[1024];
    ensure_ns(w->c, ns);

    deployment_json(obj, sizeof(obj), "web", 1);
    assert_int_equal(ebb_kube_create(w->c, &dep, ns, obj, strlen(obj), NULL, &stale, &e), EBB_OK);
    cJSON *j = parse(&stale);
    assert_string_equal(jstr(j, "metadata.name"), "web");
    assert_true(jnum(j, "metadata.generation") == 1);
    char uid[128];
    snprintf(uid, sizeof(uid), "%s", jstr(j, "metadata.uid"));
    cJSON_Delete(j);
    /* a second create is AlreadyExists */
    expect_error(ebb_kube_create(w->c, &dep, ns, obj, strlen(obj), NULL, NULL, &e), &e, 409,
                 EBB_KUBE_ALREADY_EXISTS);

    /* get, decoded as the controller does */
    assert_int_equal(ebb_kube_get(w->c, &dep, ns, "web", NULL, &b, &e), EBB_OK);
    j = parse(&b);
    void *wl = NULL;
    size_t bytes;
    char derr[256];
    assert_int_equal(ebb_kube_decode_workload(j, &wl, &bytes, derr, sizeof(derr)), EBB_OK);
    assert_string_equal(((struct ebb_kube_workload *)wl)->meta.uid, uid);
    assert_int_equal(((struct ebb_kube_workload *)wl)->spec_replicas, 1);
    ebb_kube_object_free(wl);
    cJSON_Delete(j);

    /* the four patch types */
    const char *merge = "{\"metadata\":{\"labels\":{\"merge\":\"yes\"}}}";
    assert_int_equal(ebb_kube_patch(w->c, &dep, ns, "web", NULL, EBB_KUBE_PATCH_MERGE, merge,
                                    strlen(merge), NULL, &b, &e),
                     EBB_OK);
    j = parse(&b);
    assert_string_equal(jstr(j, "metadata.labels.merge"), "yes");
    assert_string_equal(jstr(j, "metadata.labels.app"), "web");
    cJSON_Delete(j);

    /* strategic: containers merge by name (a merge patch would replace the list) */
    const char *smp = "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
                      "\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}]}}}}";
    assert_int_equal(ebb_kube_patch(w->c, &dep, ns, "web", NULL, EBB_KUBE_PATCH_STRATEGIC, smp,
                                    strlen(smp), NULL, &b, &e),
                     EBB_OK);
    j = parse(&b);
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "spec"),
                                             "template"),
            "spec"),
        "containers");
    assert_int_equal(cJSON_GetArraySize(cs), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(cs, 0), "image"), "nginx");
    assert_string_equal(
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cs, 0), "env"),
                                0),
             "value"),
        "1");
    assert_true(jnum(j, "metadata.generation") == 2); /* the template changed */
    cJSON_Delete(j);

    const char *jp = "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":1},"
                     "{\"op\":\"add\",\"path\":\"/metadata/labels/json\",\"value\":\"yes\"}]";
    assert_int_equal(ebb_kube_patch(w->c, &dep, ns, "web", NULL, EBB_KUBE_PATCH_JSON, jp,
                                    strlen(jp), NULL, &b, &e),
                     EBB_OK);
    j = parse(&b);
    assert_string_equal(jstr(j, "metadata.labels.json"), "yes");
    cJSON_Delete(j);
    /* a failed JSON patch "test" is 422 Invalid */
    const char *jbad = "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":7}]";
    assert_int_equal(ebb_kube_patch(w->c, &dep, ns, "web", NULL, EBB_KUBE_PATCH_JSON, jbad,
                                    strlen(jbad), NULL, &b, &e),
                     EBB_ERR_IO);
    assert_true(e.http_status == 422 || e.http_status == 409 || e.http_status == 500);

    const char *apply = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
                        "\"name\":\"web\",\"annotations\":{\"applied\":\"yes\"}}}";
    struct ebb_kube_write_opts wo = {"e2e-apply", false, true};
    assert_int_equal(ebb_kube_patch(w->c, &dep, ns, "web", NULL, EBB_KUBE_PATCH_APPLY, apply,
                                    strlen(apply), &wo, &b, &e),
                     EBB_OK);
    j = parse(&b);
    assert_string_equal(jstr(j, "metadata.annotations.applied"), "yes");
    assert_string_equal(jstr(j, "metadata.labels.merge"), "yes"); /* kept */
    bool applied = false;
    const cJSON *mf;
    cJSON_ArrayForEach(mf, cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(j, "metadata"), "managedFields"))
    {
        if (jstr(mf, "manager") && strcmp(jstr(mf, "manager"), "e2e-apply") == 0)
            applied = jstr(mf, "operation") && strcmp(jstr(mf, "operation"), "Apply") == 0;
    }
    assert_true(applied);
    cJSON_Delete(j);

    /* an update at the creation's resourceVersion is a typed Conflict, not retried */
    expect_error(ebb_kube_update(w->c, &dep, ns, "web", NULL, stale.buf, stale.len, NULL, &b, &e),
                 &e, 409, EBB_KUBE_CONFLICT);
    /* ... and one at the current version goes through */
    assert_int_equal(ebb_kube_get(w->c, &dep, ns, "web", NULL, &stale, &e), EBB_OK);
    assert_int_equal(
        ebb_kube_update(w->c, &dep, ns, "web", NULL, stale.buf, stale.len, NULL, &b, &e), EBB_OK);
    j = parse(&b);
    assert_string_equal(jstr(j, "metadata.labels.json"), "yes");
    cJSON_Delete(j);

    /* /scale */
    struct ebb_kube_scale sc;
    assert_int_equal(ebb_kube_get_scale(w->c, &dep, ns, "web", &sc, &e), EBB_OK);
    assert_int_equal(sc.spec_replicas, 1);
    assert_string_equal(sc.selector, "app=web");
    assert_int_equal(ebb_kube_patch_scale(w->c, &dep, ns, "web", 3, NULL, &sc, &e), EBB_OK);
    assert_int_equal(sc.spec_replicas, 3);
    expect_error(ebb_kube_patch_scale(w->c, &dep, ns, "web", -1, NULL, &sc, &e), &e, 422,
                 EBB_KUBE_INVALID);

    /* the workload model makes three pods and readies them */
    struct pod_count pc = {0, 0, 0};
    int64_t t0 = mono_ms();
    while (mono_ms() - t0 < 8000) {
        pc = list_pods(w->c, ns, "app=web");
        if (pc.ready == 3 && pc.total == 3)
            break;
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (pc.ready != 3 || pc.total != 3)
        fail_msg("pods: %d total, %d ready after 8 s", pc.total, pc.ready);
    assert_int_equal(list_pods(w->c, ns, "app=other").total, 0);
    assert_int_equal(ebb_kube_get_scale(w->c, &dep, ns, "web", &sc, &e), EBB_OK);
    assert_int_equal(sc.status_replicas, 3);

    /* delete with preconditions: a wrong uid or resourceVersion is a Conflict */
    struct ebb_kube_delete_opts d = {"00000000-0000-0000-0000-000000000000", NULL, NULL, false};
    expect_error(ebb_kube_delete(w->c, &dep, ns, "web", &d, &b, &e), &e, 409, EBB_KUBE_CONFLICT);
    d.uid = NULL;
    d.resource_version = "1";
    expect_error(ebb_kube_delete(w->c, &dep, ns, "web", &d, &b, &e), &e, 409, EBB_KUBE_CONFLICT);
    d.uid = uid;
    d.resource_version = NULL;
    d.propagation_policy = "Background";
    assert_int_equal(ebb_kube_delete(w->c, &dep, ns, "web", &d, &b, &e), EBB_OK);
    expect_error(ebb_kube_get(w->c, &dep, ns, "web", NULL, &b, &e), &e, 404, EBB_KUBE_NOT_FOUND);
    expect_error(ebb_kube_delete(w->c, &dep, ns, "web", NULL, &b, &e), &e, 404, EBB_KUBE_NOT_FOUND);
    /* the garbage collector takes the pods */
    t0 = mono_ms();
    while ((pc = list_pods(w->c, ns, "app=web")).total > 0 && mono_ms() - t0 < 8000) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(pc.total, 0);
    ebb_strbuf_release(&b);
    ebb_strbuf_release(&stale);
}

/* ---- 3. paged lists; an expired continue token ------------------------------------------- */

struct list_ctx {
    struct world *w;
    char names[16][64];
    int n;
    int restarts;
    bool compact_at_2; /* after the second item: a write elsewhere, then compaction */
};

static int collect(void *ctx, const cJSON *item)
{
    struct list_ctx *l = ctx;
    if (!item) {
        l->restarts++;
        l->n = 0;
        return 0;
    }
    if (l->n < 16)
        snprintf(l->names[l->n], sizeof(l->names[0]), "%s", jstr(item, "metadata.name"));
    l->n++;
    if (l->compact_at_2 && l->n == 2 && l->restarts == 0) {
        /* the other client: ours is inside its callback */
        create_cm(l->w->cc, "e2e-page-other", "bump", "1");
        faults(l->w, "{\"compact\":true}");
    }
    return 0;
}

static void test_paged_list(void **state)
{
    struct world *w = *state;
    const char *ns = "e2e-page";
    struct ebb_kube_resource cm = EBB_KUBE_CONFIGMAPS;
    struct ebb_kube_error e;
    ensure_ns(w->c, ns);
    ensure_ns(w->c, "e2e-page-other");
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof(name), "cm-%d", i);
        create_cm(w->c, ns, name, "x");
    }
    /* the pages by hand: two items, a continue token, three remaining */
    struct ebb_strbuf b = EBB_STRBUF_INIT, path = EBB_STRBUF_INIT;
    struct ebb_kube_query q;
    memset(&q, 0, sizeof(q));
    q.limit = 2;
    assert_int_equal(ebb_kube_path(&cm, ns, NULL, NULL, &q, &path), EBB_OK);
    assert_int_equal(raw(w->c, EBB_KUBE_GET, path.buf, NULL, &b, NULL), 200);
    cJSON *j = parse(&b);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "items")), 2);
    assert_true(jnum(j, "metadata.remainingItemCount") == 3);
    char cont[1024];
    assert_non_null(jstr(j, "metadata.continue"));
    snprintf(cont, sizeof(cont), "%s", jstr(j, "metadata.continue"));
    cJSON_Delete(j);

    /* the whole list through the pager, in name order */
    struct list_ctx l;
    memset(&l, 0, sizeof(l));
    l.w = w;
    char rv[64];
    assert_int_equal(ebb_kube_list(w->c, &cm, ns, &q, collect, &l, rv, sizeof(rv), &e), EBB_OK);
    assert_int_equal(l.n, 5);
    assert_int_equal(l.restarts, 0);
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof(name), "cm-%d", i);
        assert_string_equal(l.names[i], name);
    }
    assert_true(rv[0] >= '1' && rv[0] <= '9');

    /* a write and a compaction: the first token is now too old -- 410 Expired, fresh token */
    create_cm(w->c, "e2e-page-other", "first", "1");
    faults(w, "{\"compact\":true}");
    q.continue_token = cont;
    ebb_strbuf_reset(&path);
    assert_int_equal(ebb_kube_path(&cm, ns, NULL, NULL, &q, &path), EBB_OK);
    assert_int_equal(raw(w->c, EBB_KUBE_GET, path.buf, NULL, &b, &e), 410);
    assert_int_equal(e.reason, EBB_KUBE_EXPIRED);
    assert_true(e.continue_token[0] != '\0');
    assert_non_null(strstr(e.message, "too old"));

    /* the pager meets the same between two pages: it starts again, once */
    q.continue_token = NULL;
    memset(&l, 0, sizeof(l));
    l.w = w;
    l.compact_at_2 = true;
    assert_int_equal(ebb_kube_list(w->c, &cm, ns, &q, collect, &l, rv, sizeof(rv), &e), EBB_OK);
    assert_int_equal(l.restarts, 1);
    assert_int_equal(l.n, 5);
    assert_string_equal(l.names[4], "cm-4");
    ebb_strbuf_release(&b);
    ebb_strbuf_release(&path);
}

/* ---- 4. watch ---------------------------------------------------------------------------- */

struct watch_ctx {
    struct ebb_watch_decoder dec;
    enum ebb_watch_type type[32];
    char name[32][64];
    char rv[32][32];
    int n;
    struct ebb_kube_error error; /* of an ERROR event */
    bool done;
    int status;
    enum ebb_rc feed_rc;
    uint64_t id;
};

static int on_event(void *ctx, const struct ebb_watch_event *ev)
{
    struct watch_ctx *x = ctx;
    if (ev->type == EBB_WATCH_ERROR && ev->error)
        x->error = *ev->error;
    if (ev->type == EBB_WATCH_BOOKMARK || x->n >= 32)
        return 0;
    x->type[x->n] = ev->type;
    const char *name = ev->object ? jstr(ev->object, "metadata.name") : NULL;
    snprintf(x->name[x->n], sizeof(x->name[0]), "%s", name ? name : "");
    snprintf(x->rv[x->n], sizeof(x->rv[0]), "%s", ev->resource_version);
    x->n++;
    return 0;
}

static int on_watch_data(void *ctx, const char *data, size_t len)
{
    struct watch_ctx *x = ctx;
    if (x->feed_rc == EBB_OK)
        x->feed_rc = ebb_watch_decoder_feed(&x->dec, data, len, on_event, x);
    return 0;
}

static void on_watch_done(void *ctx, const struct ebb_kube_response *r)
{
    struct watch_ctx *x = ctx;
    x->done = true;
    x->status = r->http_status;
    if (r->error)
        x->error = *r->error;
}

static void watch_start(struct ebb_kube_client *c, const char *ns, const char *rv,
                        struct watch_ctx *x)
{
    struct ebb_kube_resource cm = EBB_KUBE_CONFIGMAPS;
    struct ebb_kube_query q;
    struct ebb_strbuf path = EBB_STRBUF_INIT;
    memset(x, 0, sizeof(*x));
    ebb_watch_decoder_init(&x->dec, 0);
    memset(&q, 0, sizeof(q));
    q.watch = true;
    q.resource_version = rv;
    q.timeout_seconds = 60;
    assert_int_equal(ebb_kube_path(&cm, ns, NULL, NULL, &q, &path), EBB_OK);
    struct ebb_kube_request r = {EBB_KUBE_GET, path.buf, NULL, 0, NULL, true};
    assert_int_equal(ebb_kube_submit(c, &r, on_watch_data, on_watch_done, x, &x->id), EBB_OK);
    ebb_strbuf_release(&path);
}

/* Polls c until x has n events or is done, at most ms. */
static void watch_wait(struct ebb_kube_client *c, struct watch_ctx *x, int n, int ms)
{
    int64_t t0 = mono_ms();
    while (x->n < n && !x->done && mono_ms() - t0 < ms)
        ebb_kube_client_poll(c, 50);
}

static void watch_stop(struct ebb_kube_client *c, struct watch_ctx *x)
{
    if (!x->done)
        ebb_kube_cancel(c, x->id);
    ebb_watch_decoder_release(&x->dec);
}

static void list_rv(struct ebb_kube_client *c, const char *ns, char *rv, size_t rvsz)
{
    struct ebb_kube_resource cm = EBB_KUBE_CONFIGMAPS;
    struct ebb_kube_error e;
    struct list_ctx l;
    memset(&l, 0, sizeof(l));
    assert_int_equal(ebb_kube_list(c, &cm, ns, NULL, collect, &l, rv, rvsz, &e), EBB_OK);
}

static void test_watch(void **state)
{
    struct world *w = *state;
    const char *ns = "e2e-watch";
    struct ebb_kube_resource cm = EBB_KUBE_CONFIGMAPS;
    struct ebb_kube_error e;
    struct watch_ctx *x = calloc(1, sizeof(*x));
    char rv[64];
    assert_non_null(x);
    ensure_ns(w->c, ns);
    list_rv(w->c, ns, rv, sizeof(rv));

    /* ADDED, MODIFIED, DELETED of one ConfigMap, in order */
    watch_start(w->c, ns, rv, x);
    create_cm(w->c, ns, "w1", "1");
    const char *mp = "{\"data\":{\"v\":\"2\"}}";
    assert_int_equal(ebb_kube_patch(w->c, &cm, ns, "w1", NULL, EBB_KUBE_PATCH_MERGE, mp, strlen(mp),
                                    NULL, NULL, &e),
                     EBB_OK);
    assert_int_equal(ebb_kube_delete(w->c, &cm, ns, "w1", NULL, NULL, &e), EBB_OK);
    watch_wait(w->c, x, 3, 5000);
    assert_int_equal(x->feed_rc, EBB_OK);
    assert_false(x->done);
    assert_int_equal(x->n, 3);
    static const enum ebb_watch_type want[3] = {EBB_WATCH_ADDED, EBB_WATCH_MODIFIED,
                                                EBB_WATCH_DELETED};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(x->type[i], want[i]);
        assert_string_equal(x->name[i], "w1");
        if (i)
            assert_true(strtoull(x->rv[i], NULL, 10) > strtoull(x->rv[i - 1], NULL, 10));
    }

    /* dropWatches ends the stream; resuming from the last rv misses nothing */
    create_cm(w->c, ns, "d1", "1");
    watch_wait(w->c, x, 4, 5000);
    assert_int_equal(x->n, 4);
    assert_string_equal(x->name[3], "d1");
    char last[128];
    snprintf(last, sizeof(last), "%s", x->dec.last_rv);
    assert_string_equal(last, x->rv[3]);
    faults(w, "{\"dropWatches\":true}");
    watch_wait(w->c, x, 99, 5000);
    assert_true(x->done);
    assert_int_equal(x->n, 4);
    assert_int_equal(ebb_watch_decoder_finish(&x->dec), EBB_OK);
    watch_stop(w->c, x);
    create_cm(w->c, ns, "d2", "1");
    watch_start(w->c, ns, last, x);
    watch_wait(w->c, x, 1, 5000);
    assert_int_equal(x->n, 1);
    assert_int_equal(x->type[0], EBB_WATCH_ADDED);
    assert_string_equal(x->name[0], "d2");
    watch_stop(w->c, x);

    /* after a compaction, a watch from an older rv gets 410 Expired */
    list_rv(w->c, ns, rv, sizeof(rv));
    create_cm(w->c, ns, "w2", "1");
    faults(w, "{\"compact\":true}");
    watch_start(w->c, ns, rv, x);
    watch_wait(w->c, x, 1, 5000);
    /* as the real server: 200, then an ERROR event carrying the 410 Expired Status */
    assert_int_equal(x->n, 1);
    assert_int_equal(x->type[0], EBB_WATCH_ERROR);
    assert_int_equal(x->error.http_status, 410);
    assert_int_equal(x->error.reason, EBB_KUBE_EXPIRED);
    assert_non_null(strstr(x->error.message, "too old resource version"));
    watch_stop(w->c, x);
    free(x);
}

/* ---- 5. an informer on pods -------------------------------------------------------------- */

struct inf_ctx {
    int adds, updates, deletes, resyncs;
    char foreign[128]; /* a key outside the selector, if one came */
};

static void inf_check_key(struct inf_ctx *x, const char *key)
{
    if (strncmp(key, "e2e-inf/inf-", 12) != 0)
        snprintf(x->foreign, sizeof(x->foreign), "%s", key);
}

static void inf_add(void *ctx, const char *key, const void *obj)
{
    (void)obj;
    ((struct inf_ctx *)ctx)->adds++;
    inf_check_key(ctx, key);
}

static void inf_update(void *ctx, const char *key, const void *o, const void *n)
{
    struct inf_ctx *x = ctx;
    if (o == n)
        x->resyncs++;
    else
        x->updates++;
    inf_check_key(ctx, key);
}

static void inf_delete(void *ctx, const char *key, const void *obj)
{
    (void)obj;
    ((struct inf_ctx *)ctx)->deletes++;
    inf_check_key(ctx, key);
}

static int ready_in_store(const struct ebb_informer *inf)
{
    const struct ebb_cache *store = ebb_informer_store(inf);
    size_t pos = 0;
    const char *key, *rv;
    void *obj;
    int ready = 0;
    while (ebb_cache_next(store, &pos, &key, &rv, &obj)) {
        const struct ebb_kube_pod *p = obj;
        ready += p->ready == EBB_COND_TRUE && p->meta.deletion_ms == EBB_TIME_UNSET;
    }
    return ready;
}

/* Runs the informer's loop until done(inf, x) or ms pass. */
static bool inf_run(struct world *w, struct ebb_informer *inf, struct inf_ctx *x,
                    bool (*done)(const struct ebb_informer *, const struct inf_ctx *), int ms)
{
    int64_t t0 = mono_ms();
    while (!done(inf, x) && mono_ms() - t0 < ms) {
        ebb_kube_client_poll(w->c, 50);
        ebb_informer_tick(inf, mono_ms());
    }
    return done(inf, x);
}

static bool two_ready(const struct ebb_informer *inf, const struct inf_ctx *x)
{
    (void)x;
    return ebb_informer_synced(inf) && ebb_cache_count(ebb_informer_store(inf)) == 2 &&
           ready_in_store(inf) == 2;
}

static bool all_gone(const struct ebb_informer *inf, const struct inf_ctx *x)
{
    return x->deletes >= 2 && ebb_cache_count(ebb_informer_store(inf)) == 0;
}

static bool relisted(const struct ebb_informer *inf, const struct inf_ctx *x)
{
    (void)x;
    return ebb_informer_stats(inf)->relists >= 1 && two_ready(inf, x);
}

static bool is_synced(const struct ebb_informer *inf, const struct inf_ctx *x)
{
    (void)x;
    return ebb_informer_synced(inf);
}

static void test_informer(void **state)
{
    struct world *w = *state;
    const char *ns = "e2e-inf";
    struct ebb_kube_resource dep = EBB_KUBE_DEPLOYMENTS, pods = EBB_KUBE_PODS;
    struct ebb_kube_error e;
    struct inf_ctx x;
    char obj[1024];
    memset(&x, 0, sizeof(x));
    ensure_ns(w->c, ns);
    /* a pod outside the selector */
    const char *other = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"other\","
                        "\"labels\":{\"app\":\"other\"}},\"spec\":{\"containers\":[{\"name\":"
                        "\"c\",\"image\":\"nginx\"}]}}";
    assert_int_equal(ebb_kube_create(w->c, &pods, ns, other, strlen(other), NULL, NULL, &e),
                     EBB_OK);

    struct ebb_informer_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.resource = pods;
    ops.namespace_ = ns;
    ops.label_selector = "app=inf";
    ops.decode = ebb_kube_decode_pod;
    ops.free_obj = ebb_kube_object_free;
    ops.watch_timeout_s = 30;
    ops.page_limit = 1;
    ops.backoff_base_ms = 50;
    ops.seed = 3;
    struct ebb_informer_handlers h = {inf_add, inf_update, inf_delete, &x};
    struct ebb_informer *inf = NULL;
    assert_int_equal(ebb_informer_new(w->c, &ops, &h, &inf), EBB_OK);
    assert_int_equal(ebb_informer_start(inf, mono_ms()), EBB_OK);
    assert_true(inf_run(w, inf, &x, is_synced, 5000));
    assert_int_equal(ebb_cache_count(ebb_informer_store(inf)), 0);

    /* the Deployment's pods arrive, then become ready */
    deployment_json(obj, sizeof(obj), "inf", 2);
    assert_int_equal(ebb_kube_create(w->c, &dep, ns, obj, strlen(obj), NULL, NULL, &e), EBB_OK);
    if (!inf_run(w, inf, &x, two_ready, 8000))
        fail_msg("informer: %zu pods, %d ready; %s", ebb_cache_count(ebb_informer_store(inf)),
                 ready_in_store(inf), ebb_informer_stats(inf)->last_error);
    assert_int_equal(x.adds, 2);
    assert_true(x.updates >= 2); /* each pod turned Ready */
    assert_int_equal(x.deletes, 0);

    /* compaction, then the watch dropped: the resumed watch gets 410, the informer relists */
    create_cm(w->c, ns, "bump", "1");
    faults(w, "{\"compact\":true,\"dropWatches\":true}");
    assert_true(inf_run(w, inf, &x, relisted, 5000));
    assert_true(two_ready(inf, &x));
    assert_int_equal(x.adds, 2);
    assert_int_equal(x.deletes, 0);

    /* scaled to zero: both leave (after their grace period) */
    assert_int_equal(ebb_kube_patch_scale(w->c, &dep, ns, "inf", 0, NULL, NULL, &e), EBB_OK);
    assert_true(inf_run(w, inf, &x, all_gone, 8000));
    assert_int_equal(x.deletes, 2);
    assert_string_equal(x.foreign, "");
    const struct ebb_informer_stats *st = ebb_informer_stats(inf);
    assert_true(st->events >= 4);
    assert_int_equal(st->relists, 1);
    assert_int_equal(st->gone, 1);
    assert_true(strtoull(ebb_informer_resource_version(inf), NULL, 10) > 0);
    ebb_informer_free(inf);
}

/* ---- 5b. an informer that keeps only some objects, then more ------------------------------ */

/* keep(): ConfigMaps whose data.v is at most the limit. */
struct keep_ctx {
    struct inf_ctx x;
    int limit;
};

static bool keep_below(void *ctx, const void *obj)
{
    const struct ebb_kube_configmap *cm = obj;
    const struct keep_ctx *k = ctx;
    for (size_t i = 0; i < cm->n_data; i++)
        if (strcmp(cm->data[i].key, "v") == 0)
            return atoi(cm->data[i].value) <= k->limit;
    return false;
}

static void keep_add(void *ctx, const char *key, const void *obj)
{
    (void)key;
    (void)obj;
    ((struct keep_ctx *)ctx)->x.adds++;
}

static void keep_update(void *ctx, const char *key, const void *o, const void *n)
{
    (void)key;
    (void)o;
    (void)n;
    ((struct keep_ctx *)ctx)->x.updates++;
}

static void keep_delete(void *ctx, const char *key, const void *obj)
{
    (void)key;
    (void)obj;
    ((struct keep_ctx *)ctx)->x.deletes++;
}

static void update_cm(struct ebb_kube_client *c, const char *ns, const char *name, const char *v)
{
    char body[128];
    struct ebb_kube_error e;
    struct ebb_kube_resource res = EBB_KUBE_CONFIGMAPS;
    snprintf(body, sizeof(body), "{\"data\":{\"v\":\"%s\"}}", v);
    if (ebb_kube_patch(c, &res, ns, name, NULL, EBB_KUBE_PATCH_MERGE, body, strlen(body), NULL,
                       NULL, &e) != EBB_OK)
        fail_msg("patch configmap %s/%s: %d %s", ns, name, e.http_status, e.message);
}

static bool keep_run(struct world *w, struct ebb_informer *inf, uint64_t list, size_t count, int ms)
{
    int64_t t0 = mono_ms();
    for (;;) {
        if (ebb_informer_lists_done(inf) >= list &&
            ebb_cache_count(ebb_informer_store(inf)) == count)
            return true;
        if (mono_ms() - t0 >= ms)
            return false;
        ebb_kube_client_poll(w->c, 20);
        ebb_informer_tick(inf, mono_ms());
    }
}

static void test_informer_keep_relist(void **state)
{
    struct world *w = *state;
    const char *ns = "e2e-keep";
    struct ebb_kube_resource cms = EBB_KUBE_CONFIGMAPS;
    struct keep_ctx k;
    memset(&k, 0, sizeof(k));
    k.limit = 1;
    ensure_ns(w->c, ns);
    create_cm(w->c, ns, "one", "1");
    create_cm(w->c, ns, "two", "2");
    create_cm(w->c, ns, "three", "3");

    struct ebb_informer_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.resource = cms;
    ops.namespace_ = ns;
    ops.decode = ebb_kube_decode_configmap;
    ops.free_obj = ebb_kube_object_free;
    ops.keep = keep_below;
    ops.watch_timeout_s = 30;
    ops.page_limit = 2;
    ops.backoff_base_ms = 50;
    ops.seed = 5;
    struct ebb_informer_handlers h = {keep_add, keep_update, keep_delete, &k};
    struct ebb_informer *inf = NULL;
    assert_int_equal(ebb_informer_new(w->c, &ops, &h, &inf), EBB_OK);
    assert_int_equal(ebb_informer_lists_done(inf), 0);
    assert_int_equal(ebb_informer_relist(inf), 1); /* not started: the first list answers */
    assert_int_equal(ebb_informer_start(inf, mono_ms()), EBB_OK);
    /* only "one" is kept; the others cost nothing and are no error */
    assert_true(keep_run(w, inf, 1, 1, 5000));
    assert_non_null(ebb_cache_get(ebb_informer_store(inf), "e2e-keep/one", NULL));
    assert_int_equal(k.x.adds, 1);
    assert_int_equal(ebb_informer_stats(inf)->failures, 0);

    /* more is kept now: a relist while watching ends the watch and lists again */
    int64_t t0 = mono_ms();
    while (mono_ms() - t0 < 300) { /* let the watch start */
        ebb_kube_client_poll(w->c, 20);
        ebb_informer_tick(inf, mono_ms());
    }
    k.limit = 2;
    uint64_t want = ebb_informer_relist(inf);
    assert_int_equal(want, 2);
    assert_int_equal(ebb_informer_relist(inf), 3); /* asked during that list: one more */
    assert_true(keep_run(w, inf, 3, 2, 5000));
    assert_non_null(ebb_cache_get(ebb_informer_store(inf), "e2e-keep/two", NULL));
    assert_int_equal(k.x.adds, 2);
    assert_int_equal(k.x.deletes, 0);

    /* an object that stops being kept leaves with on_delete; one that starts, arrives */
    update_cm(w->c, ns, "one", "9");
    update_cm(w->c, ns, "three", "0");
    t0 = mono_ms();
    while (mono_ms() - t0 < 5000 &&
           !(k.x.deletes == 1 && ebb_cache_get(ebb_informer_store(inf), "e2e-keep/three", NULL))) {
        ebb_kube_client_poll(w->c, 20);
        ebb_informer_tick(inf, mono_ms());
    }
    assert_int_equal(k.x.deletes, 1);
    assert_null(ebb_cache_get(ebb_informer_store(inf), "e2e-keep/one", NULL));
    assert_non_null(ebb_cache_get(ebb_informer_store(inf), "e2e-keep/three", NULL));
    assert_int_equal(ebb_cache_count(ebb_informer_store(inf)), 2);
    assert_int_equal(ebb_informer_lists_done(inf), 3);
    assert_int_equal(ebb_informer_stats(inf)->failures, 0);
    ebb_informer_free(inf);
}

/* ---- 6. leader election ------------------------------------------------------------------ */

struct elector {
    struct ebb_leader *l;
    struct ebb_kube_client *c;
    int started, stopped;
};

static void on_started(void *ctx, struct ebb_leader *l, int64_t now)
{
    (void)l;
    (void)now;
    ((struct elector *)ctx)->started++;
}

static void on_stopped(void *ctx, struct ebb_leader *l, int64_t now)
{
    (void)l;
    (void)now;
    ((struct elector *)ctx)->stopped++;
}

static void elector_new(struct elector *el, struct ebb_kube_client *c, const char *identity)
{
    char err[256];
    memset(el, 0, sizeof(*el));
    el->c = c;
    struct ebb_leader_config lc = {"default",  "e2e-leader", identity, {3000, 2000, 1000},
                                   on_started, on_stopped,   el};
    if (ebb_leader_new(c, &lc, &el->l, err, sizeof(err)) != EBB_OK)
        fail_msg("ebb_leader_new: %s", err);
}

/* Ticks and polls both electors for ms, or until stop(a, b) holds. */
static void electors_run(struct elector *a, struct elector *b, int ms,
                         bool (*stop)(const struct elector *, const struct elector *))
{
    int64_t t0 = mono_ms();
    while (mono_ms() - t0 < ms && !(stop && stop(a, b))) {
        ebb_leader_tick(a->l, mono_ms(), wall_ms());
        ebb_leader_tick(b->l, mono_ms(), wall_ms());
        ebb_kube_client_poll(a->c, 10);
        ebb_kube_client_poll(b->c, 10);
    }
}

static bool one_leads(const struct elector *a, const struct elector *b)
{
    return ebb_leader_is_leader(a->l, mono_ms()) || ebb_leader_is_leader(b->l, mono_ms());
}

static bool b_leads(const struct elector *a, const struct elector *b)
{
    (void)a;
    return ebb_leader_is_leader(b->l, mono_ms());
}

static bool a_done(const struct elector *a, const struct elector *b)
{
    (void)b;
    return ebb_leader_done(a->l);
}

static void lease_holder(struct world *w, char *holder, size_t sz, int *transitions)
{
    struct ebb_kube_resource lr = EBB_KUBE_LEASES;
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    struct ebb_kube_error e;
    assert_int_equal(ebb_kube_get(w->c, &lr, "default", "e2e-leader", NULL, &b, &e), EBB_OK);
    cJSON *j = parse(&b);
    snprintf(holder, sz, "%s",
             jstr(j, "spec.holderIdentity") ? jstr(j, "spec.holderIdentity") : "");
    *transitions = (int)jnum(j, "spec.leaseTransitions");
    cJSON_Delete(j);
    ebb_strbuf_release(&b);
}

static void test_leader(void **state)
{
    struct world *w = *state;
    struct elector a, b;
    char holder[256];
    int tr;
    elector_new(&a, w->c, "e2e-a");
    elector_new(&b, w->cc, "e2e-b");
    ebb_leader_tick(a.l, mono_ms(), wall_ms()); /* a asks first */
    electors_run(&a, &b, 5000, one_leads);
    /* a few renewals: still exactly one leader, and it is the Lease's holder */
    electors_run(&a, &b, 2500, NULL);
    bool al = ebb_leader_is_leader(a.l, mono_ms()), bl = ebb_leader_is_leader(b.l, mono_ms());
    assert_true(al != bl);
    assert_int_equal(a.started + b.started, 1);
    assert_int_equal(a.stopped + b.stopped, 0);
    struct elector *lead = al ? &a : &b, *standby = al ? &b : &a;
    lease_holder(w, holder, sizeof(holder), &tr);
    assert_string_equal(holder, al ? "e2e-a" : "e2e-b");

    /* the leader shuts down and releases; the standby takes over at once */
    ebb_leader_shutdown(lead->l, mono_ms(), 3000);
    assert_false(ebb_leader_is_leader(lead->l, mono_ms()));
    assert_int_equal(lead->stopped, 1);
    electors_run(lead, standby, 4000, a_done);
    assert_true(ebb_leader_done(lead->l));
    int64_t t0 = mono_ms();
    electors_run(lead, standby, 5000, b_leads);
    assert_true(ebb_leader_is_leader(standby->l, mono_ms()));
    assert_true(mono_ms() - t0 < 2500); /* within a retry period or so, not a lease duration */
    assert_int_equal(standby->started, 1);
    lease_holder(w, holder, sizeof(holder), &tr);
    assert_string_equal(holder, al ? "e2e-b" : "e2e-a");
    assert_true(tr >= 1);

    ebb_leader_shutdown(standby->l, mono_ms(), 3000);
    electors_run(standby, lead, 4000, a_done);
    assert_true(ebb_leader_done(standby->l));
    lease_holder(w, holder, sizeof(holder), &tr);
    assert_string_equal(holder, "");
    ebb_leader_free(a.l);
    ebb_leader_free(b.l);
}

/* ---- 7. events --------------------------------------------------------------------------- */

struct ev_find {
    const char *name_path, *name, *reason;
    const cJSON *found; /* a copy, freed by the caller */
};

static int find_event(void *ctx, const cJSON *item)
{
    struct ev_find *f = ctx;
    const char *n = item ? jstr(item, f->name_path) : NULL;
    const char *r = item ? jstr(item, "reason") : NULL;
    if (n && r && strcmp(n, f->name) == 0 && strcmp(r, f->reason) == 0 && !f->found)
        f->found = cJSON_Duplicate(item, true);
    return 0;
}

static void test_events(void **state)
{
    struct world *w = *state;
    const char *ns = "e2e-ev";
    struct ebb_kube_resource dep = EBB_KUBE_DEPLOYMENTS;
    struct ebb_kube_error e;
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    char obj[1024], err[256];
    ensure_ns(w->c, ns);
    deployment_json(obj, sizeof(obj), "ev-web", 0);
    assert_int_equal(ebb_kube_create(w->c, &dep, ns, obj, strlen(obj), NULL, &b, &e), EBB_OK);
    cJSON *d = parse(&b);
    char uid[128];
    snprintf(uid, sizeof(uid), "%s", jstr(d, "metadata.uid"));
    cJSON_Delete(d);

    struct ebb_events_opts eo;
    ebb_events_opts_default(&eo);
    eo.reporting_instance = "ebb-e2e-0";
    struct ebb_events *ev = NULL;
    assert_int_equal(ebb_events_new(w->c, &eo, &ev, err, sizeof(err)), EBB_OK);
    struct ebb_event_ref ref = {"apps/v1", "Deployment", ns, "ev-web", uid};
    struct ebb_event_plan plan;
    assert_int_equal(ebb_events_emit(ev, &ref, "Normal", "ScaledUp", "Scale", "e2e: 0 -> 2",
                                     mono_ms(), wall_ms(), &plan),
                     EBB_OK);
    assert_int_equal(plan.verb, EBB_EVENT_CREATE);
    assert_int_equal(ebb_events_flush(ev, 5000), EBB_OK);
    assert_int_equal(ebb_events_emit(ev, &ref, "Normal", "ScaledUp", "Scale", "e2e: 0 -> 2",
                                     mono_ms(), wall_ms() + 1000, &plan),
                     EBB_OK);
    assert_int_equal(plan.verb, EBB_EVENT_SERIES);
    assert_int_equal(ebb_events_flush(ev, 5000), EBB_OK);
    assert_int_equal(ebb_events_failed(ev), 0);
    assert_false(ebb_events_core(ev));

    /* events.k8s.io/v1: regarding, note, the series of two */
    struct ebb_kube_resource er = EBB_KUBE_EVENTS, cr = EBB_KUBE_CORE_EVENTS;
    struct ev_find f = {"regarding.name", "ev-web", "ScaledUp", NULL};
    assert_int_equal(ebb_kube_list(w->c, &er, ns, NULL, find_event, &f, NULL, 0, &e), EBB_OK);
    if (!f.found)
        fail_msg("no events.k8s.io Event about ev-web");
    assert_string_equal(jstr(f.found, "note"), "e2e: 0 -> 2");
    assert_string_equal(jstr(f.found, "regarding.uid"), uid);
    assert_string_equal(jstr(f.found, "reportingController"), "ebb");
    assert_string_equal(jstr(f.found, "reportingInstance"), "ebb-e2e-0");
    assert_true(jnum(f.found, "series.count") == 2);
    cJSON_Delete((cJSON *)f.found);

    /* core/v1: the same Event as involvedObject, message, count */
    struct ev_find g = {"involvedObject.name", "ev-web", "ScaledUp", NULL};
    assert_int_equal(ebb_kube_list(w->c, &cr, ns, NULL, find_event, &g, NULL, 0, &e), EBB_OK);
    if (!g.found)
        fail_msg("no core/v1 Event about ev-web");
    assert_string_equal(jstr(g.found, "message"), "e2e: 0 -> 2");
    assert_string_equal(jstr(g.found, "involvedObject.kind"), "Deployment");
    assert_string_equal(jstr(g.found, "type"), "Normal");
    cJSON_Delete((cJSON *)g.found);
    ebb_events_free(ev);
    ebb_strbuf_release(&b);
}

/* ---- 9. RBAC ----------------------------------------------------------------------------- */

static void test_rbac(void **state)
{
    struct world *w = *state;
    struct ebb_kube_config rc;
    struct ebb_kube_resource cm = EBB_KUBE_CONFIGMAPS;
    struct ebb_kube_error e;
    load_config(w, "reader.kubeconfig", &rc);
    struct ebb_kube_client *r = new_client(&rc, 0, 10);
    struct list_ctx l;
    memset(&l, 0, sizeof(l));
    assert_int_equal(ebb_kube_list(r, &cm, "default", NULL, collect, &l, NULL, 0, &e), EBB_OK);
    const char *obj = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
                      "\"nope\"}}";
    expect_error(ebb_kube_create(r, &cm, "default", obj, strlen(obj), NULL, NULL, &e), &e, 403,
                 EBB_KUBE_FORBIDDEN);
    assert_non_null(strstr(e.message, "kubesim-reader"));
    expect_error(ebb_kube_delete(r, &cm, "default", "nope", NULL, NULL, &e), &e, 403,
                 EBB_KUBE_FORBIDDEN);
    ebb_kube_client_free(r);
    ebb_kube_config_release(&rc);

    load_config(w, "nobody.kubeconfig", &rc);
    r = new_client(&rc, 0, 10);
    expect_error(ebb_kube_list(r, &cm, "default", NULL, collect, &l, NULL, 0, &e), &e, 403,
                 EBB_KUBE_FORBIDDEN);
    check_version(r); /* /version stays open */
    ebb_kube_client_free(r);
    ebb_kube_config_release(&rc);
}

/* ---- 8. faults (last: it rotates the admin token) ---------------------------------------- */

struct get_res {
    bool done;
    enum ebb_rc rc;
};

static void on_get(void *ctx, const struct ebb_kube_result *r)
{
    struct get_res *g = ctx;
    g->done = true;
    g->rc = r->rc;
}

static void test_faults(void **state)
{
    struct world *w = *state;
    struct ebb_kube_resource cm = EBB_KUBE_CONFIGMAPS;
    struct ebb_kube_error e;
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    ensure_ns(w->c, "e2e-faults");
    create_cm(w->c, "e2e-faults", "f", "1");
    struct ebb_kube_client *once = new_client(&w->cfg, 0, 10),
                           *retrying = new_client(&w->cfg, 20, 2);

    /* half the requests fail: the retrying client never notices, the other one does */
    faults(w, "{\"p500\":0.5}");
    int failed = 0;
    for (int i = 0; i < 20; i++) {
        if (i % 2 == 0)
            assert_int_equal(ebb_kube_get(retrying, &cm, "e2e-faults", "f", NULL, &b, &e), EBB_OK);
        if (ebb_kube_get(once, &cm, "e2e-faults", "f", NULL, &b, &e) != EBB_OK) {
            assert_int_equal(e.http_status, 500);
            assert_int_equal(e.reason, EBB_KUBE_INTERNAL_ERROR);
            failed++;
        }
    }
    assert_true(failed > 0 && failed < 20);
    faults(w, NULL);

    /* 429 with Retry-After: typed, and honoured (no retry before a second) */
    faults(w, "{\"p429\":1,\"retryAfterSeconds\":1}");
    expect_error(ebb_kube_get(once, &cm, "e2e-faults", "f", NULL, &b, &e), &e, 429,
                 EBB_KUBE_TOO_MANY_REQUESTS);
    assert_int_equal(e.retry_after_s, 1);
    struct ebb_kube_call call = {0};
    struct get_res gr = {false, EBB_ERR_IO};
    int64_t t0 = mono_ms();
    assert_int_equal(ebb_kube_get_async(&call, retrying, &cm, "e2e-faults", "f", NULL, on_get, &gr),
                     EBB_OK);
    while (mono_ms() - t0 < 300)
        ebb_kube_client_poll(retrying, 20);
    assert_false(gr.done);
    faults(w, NULL);
    while (!gr.done && mono_ms() - t0 < 5000)
        ebb_kube_client_poll(retrying, 20);
    assert_true(gr.done);
    assert_int_equal(gr.rc, EBB_OK);
    assert_true(mono_ms() - t0 >= 900);
    ebb_kube_client_free(once);
    ebb_kube_client_free(retrying);
    ebb_strbuf_release(&b);
}

static void read_token(struct world *w, char *buf, size_t sz)
{
    char path[512];
    FILE *f = fopen(ebbt_kubesim_file(&w->ks, "token-admin", path, sizeof(path)), "r");
    assert_non_null(f);
    if (!fgets(buf, (int)sz, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
}

/* The admin token expires: a client holding the old one gets 401; ours re-reads the
 * tokenFile after its 401 and carries on. Last: the token changes. */
static void test_expire_token(void **state)
{
    struct world *w = *state;
    struct ebb_kube_resource cm = EBB_KUBE_CONFIGMAPS;
    struct ebb_kube_error e;
    char old[256], now[256];
    read_token(w, old, sizeof(old));
    assert_int_equal(strlen(old), 32);
    struct ebb_kube_config inl;
    memset(&inl, 0, sizeof(inl));
    inl.server = w->cfg.server;
    inl.ca_file = w->cfg.ca_file;
    inl.token = old;
    struct ebb_kube_client *fixed = new_client(&inl, 0, 10);
    enum ebb_rc rc1 = ebb_kube_get(fixed, &cm, "e2e-faults", "f", NULL, NULL, &e);
    faults(w, "{\"expireToken\":\"admin\"}");
    read_token(w, now, sizeof(now));
    enum ebb_rc rc2 = ebb_kube_get(fixed, &cm, "e2e-faults", "f", NULL, NULL, &e);
    ebb_kube_client_free(fixed);
    assert_int_equal(rc1, EBB_OK);
    expect_error(rc2, &e, 401, EBB_KUBE_UNAUTHORIZED);
    if (strcmp(now, old) == 0)
        fail_msg("DIR/token-admin still holds the expired token %s", old);
    assert_int_equal(strlen(now), 32);
    assert_int_equal(ebb_kube_get(w->c, &cm, "e2e-faults", "f", NULL, NULL, &e), EBB_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_discovery),
        cmocka_unit_test(test_deployment),
        cmocka_unit_test(test_paged_list),
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_informer),
        cmocka_unit_test(test_informer_keep_relist),
        cmocka_unit_test(test_leader),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_rbac),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_expire_token),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
