/* controller_test.c -- the controller engine end to end against the real kubesim.
 *
 * One kubesim child (--pod-startup 1 --metrics-resolution 1) serves the
 * program over TLS. The CRD comes from crds/ebb.dev_scalingpolicies.yaml
 * (YAML -> JSON here) with its CEL rules stripped, so that a policy the
 * API server would refuse (min > max) can be stored and the controller's
 * own validation (InvalidSpec) is what the test sees. Each test has its
 * namespace and its own controller, scoped to that namespace, driven by
 * the loop a run command has: client poll + controller tick. Assertions
 * read through a second client. Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include "yaml_json.h"

#include "../../pkg/controller/controller.h"
#include "../../pkg/kube/client.h"
#include "../../pkg/kube/kubeconfig.h"
#include "../../pkg/kube/verbs.h"
#include "kubesim_child.h"

struct world {
    struct ebbt_kubesim ks;
    struct ebb_kube_config cfg;
    struct ebb_kube_client *c;  /* the controller's */
    struct ebb_kube_client *c2; /* the test's */
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

/* ---- YAML -> JSON (the CRD) -------------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else if (buf) {
            buf[n] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static void strip_key(cJSON *o, const char *key)
{
    if (o == NULL)
        return;
    if (cJSON_IsObject(o))
        cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    for (cJSON *c = o->child; c != NULL; c = c->next)
        strip_key(c, key);
}

/* ---- raw requests ------------------------------------------------------------------------ */

static int raw(struct ebb_kube_client *c, enum ebb_kube_method m, const char *path,
               const char *body, const char *ctype, struct ebb_strbuf *out)
{
    struct ebb_kube_request r = {m, path, body, body ? strlen(body) : 0, ctype, false};
    struct ebb_kube_error e;
    int status = 0;
    ebb_strbuf_reset(out);
    (void)ebb_kube_do(c, &r, out, &status, &e);
    return status;
}

static void must(struct world *w, enum ebb_kube_method m, const char *path, const char *body)
{
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    int st = raw(w->c2, m, path, body, m == EBB_KUBE_PATCH ? EBB_KUBE_MERGE_PATCH : NULL, &b);
    if (st / 100 != 2 && st != 409)
        fail_msg("%s: HTTP %d %.400s", path, st, b.buf);
    ebb_strbuf_release(&b);
}

static cJSON *get_json(struct world *w, const char *path)
{
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    int st = raw(w->c2, EBB_KUBE_GET, path, NULL, NULL, &b);
    cJSON *j = st == 200 ? cJSON_Parse(b.buf) : NULL;
    ebb_strbuf_release(&b);
    return j;
}

static double jnum(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    x = b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
    return cJSON_IsNumber(x) ? x->valuedouble : -1;
}

/* ---- objects ----------------------------------------------------------------------------- */

static void mk_ns(struct world *w, const char *ns)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}", ns);
    must(w, EBB_KUBE_POST, "/api/v1/namespaces", body);
}

static void mk_deploy(struct world *w, const char *ns, const char *name, int replicas)
{
    char path[256], body[1024];
    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments", ns);
    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\"},"
             "\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},"
             "\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\"}},\"spec\":{\"containers\":"
             "[{\"name\":\"app\",\"image\":\"web\",\"resources\":{\"requests\":{\"cpu\":"
             "\"100m\"}}}]}}}}",
             name, replicas, name, name);
    must(w, EBB_KUBE_POST, path, body);
}

static void set_load(struct world *w, const char *ns, const char *name, const char *curve)
{
    char path[256], body[256];
    snprintf(path, sizeof(path), "/kubesim/v1/load/%s/%s", ns, name);
    snprintf(body, sizeof(body), "{\"curve\":\"%s\"}", curve);
    must(w, EBB_KUBE_PUT, path, body);
}

/* A policy on Deployment target: cpu at 50% utilization, 1s sync; extra
 * is appended inside spec (",\"paused\":true"). */
static void mk_policy(struct world *w, const char *ns, const char *name, const char *target,
                      int min, int max, const char *extra)
{
    char path[256], body[2048];
    snprintf(path, sizeof(path), "/apis/ebb.dev/v1alpha1/namespaces/%s/scalingpolicies", ns);
    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicy\",\"metadata\":{"
             "\"name\":\"%s\"},\"spec\":{\"targetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":"
             "\"Deployment\",\"name\":\"%s\"},\"minReplicas\":%d,\"maxReplicas\":%d,"
             "\"syncPeriod\":\"1s\",\"metrics\":[{\"name\":\"cpu\",\"type\":\"Resource\","
             "\"resource\":{\"name\":\"cpu\"},\"target\":{\"type\":\"Utilization\","
             "\"averageUtilization\":50}}]%s}}",
             name, target, min, max, extra ? extra : "");
    must(w, EBB_KUBE_POST, path, body);
}

static int replicas(struct world *w, const char *ns, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments/%s", ns, name);
    cJSON *j = get_json(w, path);
    int r = (int)jnum(j, "spec", "replicas");
    cJSON_Delete(j);
    return r;
}

static cJSON *policy(struct world *w, const char *ns, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "/apis/ebb.dev/v1alpha1/namespaces/%s/scalingpolicies/%s", ns,
             name);
    return get_json(w, path);
}

/* The condition `type` of a policy: status into st, reason, message (any may be NULL). */
static bool condition(const cJSON *pol, const char *type, char *st, char *reason, char *msg,
                      size_t sz)
{
    const cJSON *conds = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(pol, "status"), "conditions");
    const cJSON *c;
    cJSON_ArrayForEach(c, conds)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "type");
        if (!cJSON_IsString(t) || strcmp(t->valuestring, type) != 0)
            continue;
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(c, "status");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "reason");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "message");
        if (st)
            snprintf(st, sz, "%s", cJSON_IsString(s) ? s->valuestring : "");
        if (reason)
            snprintf(reason, sz, "%s", cJSON_IsString(r) ? r->valuestring : "");
        if (msg)
            snprintf(msg, sz, "%s", cJSON_IsString(m) ? m->valuestring : "");
        return true;
    }
    return false;
}

static bool has_event(struct world *w, const char *ns, const char *reason)
{
    char path[256], needle[128];
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    snprintf(path, sizeof(path), "/apis/events.k8s.io/v1/namespaces/%s/events", ns);
    snprintf(needle, sizeof(needle), "\"reason\":\"%s\"", reason);
    int st = raw(w->c2, EBB_KUBE_GET, path, NULL, NULL, &b);
    bool found = st == 200 && strstr(b.buf, needle) != NULL;
    ebb_strbuf_release(&b);
    return found;
}

/* ---- the loop ---------------------------------------------------------------------------- */

typedef bool pred_fn(struct world *w, const void *arg);

/* Runs the loop until pred holds (checked every 200 ms) or timeout. */
static bool run(struct world *w, struct ebb_controller *ctl, bool leader, int timeout_ms,
                pred_fn *pred, const void *arg)
{
    int64_t end = mono_ms() + timeout_ms, next_check = 0;
    while (mono_ms() < end) {
        int64_t t = ebb_controller_next_in(ctl, mono_ms());
        if (t < 0 || t > 20)
            t = 20;
        ebb_kube_client_poll(w->c, (int)t);
        ebb_controller_tick(ctl, mono_ms(), wall_ms(), leader);
        if (pred != NULL && mono_ms() >= next_check) {
            if (pred(w, arg))
                return true;
            next_check = mono_ms() + 200;
        }
    }
    return pred == NULL;
}

static struct ebb_controller *new_ctl(struct world *w, const char *ns, bool dry_run)
{
    struct ebb_controller_opts o;
    struct ebb_controller *ctl = NULL;
    char err[512];
    ebb_controller_opts_default(&o);
    o.namespace_ = ns;
    o.sync_period_ms = 1000;
    o.dry_run = dry_run;
    o.reporting_instance = "controller-test";
    o.seed = 3;
    assert_int_equal(ebb_controller_new(w->c, &o, &ctl, err, sizeof(err)), EBB_OK);
    assert_int_equal(ebb_controller_start(ctl, mono_ms(), err, sizeof(err)), EBB_OK);
    return ctl;
}

static void stop_ctl(struct world *w, struct ebb_controller *ctl)
{
    ebb_controller_shutdown(ctl, mono_ms());
    int64_t end = mono_ms() + 5000;
    while (!ebb_controller_idle(ctl) && mono_ms() < end) {
        ebb_kube_client_poll(w->c, 20);
        ebb_controller_tick(ctl, mono_ms(), wall_ms(), true);
    }
    assert_true(ebb_controller_idle(ctl));
    ebb_controller_free(ctl);
}

struct want {
    const char *ns, *name;
    int min_replicas; /* deployment spec.replicas >= this */
};

static bool scaled_to(struct world *w, const void *arg)
{
    const struct want *x = arg;
    return replicas(w, x->ns, x->name) >= x->min_replicas;
}

struct want_cond {
    const char *ns, *policy, *type, *status, *reason;
};

static bool cond_is(struct world *w, const void *arg)
{
    const struct want_cond *x = arg;
    char st[64], reason[128];
    cJSON *p = policy(w, x->ns, x->policy);
    bool ok = p && condition(p, x->type, st, reason, NULL, sizeof(st)) &&
              strcmp(st, x->status) == 0 && strcmp(reason, x->reason) == 0;
    cJSON_Delete(p);
    return ok;
}

struct want_desired {
    const char *ns, *policy;
    int at_least;
};

static bool desired_at_least(struct world *w, const void *arg)
{
    const struct want_desired *x = arg;
    cJSON *p = policy(w, x->ns, x->policy);
    bool ok = p && jnum(p, "status", "desiredReplicas") >= x->at_least;
    cJSON_Delete(p);
    return ok;
}

/* ---- setup ------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    static const char *const flags[] = {"--pod-startup",
                                        "1",
                                        "--metrics-resolution",
                                        "1",
                                        "--speed",
                                        "1",
                                        "--pod-grace",
                                        "1",
                                        "--seed",
                                        "1",
                                        NULL};
    struct world *w = calloc(1, sizeof(*w));
    char err[1024], path[512];
    if (!w)
        return -1;
    if (ebbt_kubesim_start(&w->ks, flags, 15000, err, sizeof(err)) != 0) {
        fprintf(stderr, "kubesim: %s\n", err);
        free(w);
        return -1;
    }
    struct ebb_kube_env env;
    memset(&env, 0, sizeof(env));
    ebbt_kubesim_file(&w->ks, "kubeconfig", path, sizeof(path));
    if (ebb_kube_config_load(path, NULL, &env, &w->cfg, err, sizeof(err)) != EBB_OK) {
        fprintf(stderr, "%s: %s\n", path, err);
        return -1;
    }
    struct ebb_kube_client_opts o;
    ebb_kube_client_opts_default(&o);
    o.qps = 0;
    o.backoff_base_ms = 10;
    o.request_timeout_ms = 10000;
    o.seed = 7;
    if (ebb_kube_client_new(&w->cfg, &o, &w->c, err, sizeof(err)) != EBB_OK ||
        ebb_kube_client_new(&w->cfg, &o, &w->c2, err, sizeof(err)) != EBB_OK) {
        fprintf(stderr, "client: %s\n", err);
        return -1;
    }
    /* The CRD, without its CEL rules (see the top of this file). */
    char *text = slurp("crds/ebb.dev_scalingpolicies.yaml");
    cJSON *crd = text ? ebbt_yaml_to_json(text) : NULL;
    free(text);
    if (crd == NULL) {
        fprintf(stderr, "crds/ebb.dev_scalingpolicies.yaml: cannot read\n");
        return -1;
    }
    strip_key(crd, "x-kubernetes-validations");
    char *body = cJSON_PrintUnformatted(crd);
    cJSON_Delete(crd);
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    int st = raw(w->c2, EBB_KUBE_POST, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                 body, NULL, &b);
    free(body);
    if (st != 201 && st != 200) {
        fprintf(stderr, "CRD: HTTP %d %.400s\n", st, b.buf);
        ebb_strbuf_release(&b);
        return -1;
    }
    ebb_strbuf_release(&b);
    *state = w;
    return 0;
}

static int group_teardown(void **state)
{
    struct world *w = *state;
    if (!w)
        return 0;
    ebb_kube_client_free(w->c);
    ebb_kube_client_free(w->c2);
    ebb_kube_config_release(&w->cfg);
    int rc = ebbt_kubesim_stop(&w->ks);
    free(w);
    return rc == 0 ? 0 : -1;
}

/* ---- tests ------------------------------------------------------------------------------- */

/* Load 300 rps on one pod of 100 rps capacity: 300% CPU against 50%. The
 * Deployment is scaled up, status and conditions are written, ScaledUp is
 * an Event. Then the policy is deleted: no more writes. */
static void test_scale_up_then_delete(void **state)
{
    struct world *w = *state;
    mk_ns(w, "up");
    mk_deploy(w, "up", "web", 1);
    set_load(w, "up", "web", "constant:300");
    mk_policy(w, "up", "web", "web", 1, 5, NULL);
    struct ebb_controller *ctl = new_ctl(w, "up", false);
    struct want x = {"up", "web", 2};
    assert_true(run(w, ctl, true, 30000, scaled_to, &x));

    run(w, ctl, true, 1500, NULL, NULL); /* the status of that decision is written */
    cJSON *p = policy(w, "up", "web");
    char st[64], reason[128], msg[512];
    assert_non_null(p);
    assert_true(condition(p, "Ready", st, reason, NULL, sizeof(st)));
    assert_string_equal(st, "True");
    assert_true(condition(p, "AbleToScale", st, reason, msg, sizeof(st)));
    assert_string_equal(st, "True");
    assert_true(jnum(p, "status", "desiredReplicas") >= 2);
    assert_true(jnum(p, "status", "observedGeneration") >= 1);
    /* no behavior: HPA's legacy path keeps no scale events, only the times */
    const cJSON *pst = cJSON_GetObjectItemCaseSensitive(p, "status");
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(pst, "lastScaleUpTime")));
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(pst, "recommendations")) >= 1);
    assert_true(jnum(p, "status", "currentReplicas") >= 1);
    cJSON_Delete(p);
    /* the events go out as the loop polls */
    run(w, ctl, true, 1000, NULL, NULL);
    assert_true(has_event(w, "up", "ScaledUp"));

    struct ebb_controller_stats s;
    ebb_controller_stats(ctl, &s);
    assert_true(s.scale_ups >= 1);
    assert_true(s.status_writes >= 1);
    assert_true(s.synced);
    assert_int_equal(s.pod_informers, 1);

    /* Delete the policy, raise the load: nothing more is written. */
    must(w, EBB_KUBE_DELETE, "/apis/ebb.dev/v1alpha1/namespaces/up/scalingpolicies/web", NULL);
    run(w, ctl, true, 500, NULL, NULL); /* the watch brings the deletion */
    ebb_controller_stats(ctl, &s);
    int before = replicas(w, "up", "web");
    uint64_t writes = s.writes;
    set_load(w, "up", "web", "constant:2000");
    run(w, ctl, true, 3000, NULL, NULL);
    ebb_controller_stats(ctl, &s);
    assert_int_equal(s.writes, writes);
    assert_int_equal(replicas(w, "up", "web"), before);
    assert_int_equal(s.policies, 0);
    assert_int_equal(s.pod_informers, 0); /* freed when nobody needs it */
    stop_ctl(w, ctl);
}

/* min > max passes the (CEL-less) CRD: Ready=False InvalidSpec with the
 * message, an InvalidSpec Event, the target untouched. */
static void test_invalid_spec(void **state)
{
    struct world *w = *state;
    mk_ns(w, "inv");
    mk_deploy(w, "inv", "web", 1);
    set_load(w, "inv", "web", "constant:300");
    mk_policy(w, "inv", "bad", "web", 5, 2, NULL);
    struct ebb_controller *ctl = new_ctl(w, "inv", false);
    struct want_cond wc = {"inv", "bad", "Ready", "False", "InvalidSpec"};
    assert_true(run(w, ctl, true, 10000, cond_is, &wc));
    cJSON *p = policy(w, "inv", "bad");
    char msg[512];
    assert_true(condition(p, "Ready", NULL, NULL, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "maxReplicas"));
    cJSON_Delete(p);
    run(w, ctl, true, 2000, NULL, NULL);
    assert_true(has_event(w, "inv", "InvalidSpec"));
    assert_int_equal(replicas(w, "inv", "web"), 1);
    struct ebb_controller_stats s;
    ebb_controller_stats(ctl, &s);
    assert_true(s.outcomes[EBB_RECONCILE_INVALID] >= 2);
    assert_int_equal(s.status_writes, 1); /* once: the same fact is not rewritten every sync */
    stop_ctl(w, ctl);
}

/* Two policies on one Deployment, and an HPA with a policy on another:
 * ScalingActive=False AmbiguousTarget naming the other owner, no patch. */
static void test_ambiguous(void **state)
{
    struct world *w = *state;
    mk_ns(w, "amb");
    mk_deploy(w, "amb", "web", 1);
    mk_deploy(w, "amb", "api", 1);
    set_load(w, "amb", "web", "constant:300");
    set_load(w, "amb", "api", "constant:300");
    mk_policy(w, "amb", "one", "web", 1, 5, NULL);
    mk_policy(w, "amb", "two", "web", 1, 5, NULL);
    must(w, EBB_KUBE_POST, "/apis/autoscaling/v2/namespaces/amb/horizontalpodautoscalers",
         "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\",\"metadata\":{"
         "\"name\":\"api\"},\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":"
         "\"Deployment\",\"name\":\"api\"},\"minReplicas\":1,\"maxReplicas\":3}}");
    mk_policy(w, "amb", "three", "api", 1, 5, NULL);
    struct ebb_controller *ctl = new_ctl(w, "amb", false);
    struct want_cond w1 = {"amb", "one", "ScalingActive", "False", "AmbiguousTarget"};
    struct want_cond w2 = {"amb", "two", "ScalingActive", "False", "AmbiguousTarget"};
    struct want_cond w3 = {"amb", "three", "ScalingActive", "False", "AmbiguousTarget"};
    assert_true(run(w, ctl, true, 10000, cond_is, &w1));
    assert_true(run(w, ctl, true, 5000, cond_is, &w2));
    assert_true(run(w, ctl, true, 5000, cond_is, &w3));
    char msg[512];
    cJSON *p = policy(w, "amb", "one");
    assert_true(condition(p, "ScalingActive", NULL, NULL, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "ScalingPolicy amb/two"));
    cJSON_Delete(p);
    p = policy(w, "amb", "three");
    assert_true(condition(p, "ScalingActive", NULL, NULL, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "HorizontalPodAutoscaler amb/api"));
    cJSON_Delete(p);
    run(w, ctl, true, 2000, NULL, NULL);
    assert_true(has_event(w, "amb", "AmbiguousTarget"));
    assert_int_equal(replicas(w, "amb", "web"), 1);
    assert_int_equal(replicas(w, "amb", "api"), 1);
    /* Deleting one of the two leaves the other alone on its target: it acts. */
    must(w, EBB_KUBE_DELETE, "/apis/ebb.dev/v1alpha1/namespaces/amb/scalingpolicies/two", NULL);
    struct want x = {"amb", "web", 2};
    assert_true(run(w, ctl, true, 30000, scaled_to, &x));
    stop_ctl(w, ctl);
}

/* Dry-run decides and reports (desiredReplicas) but never patches /scale;
 * a paused policy reports Paused and does nothing. */
static void test_dry_run_and_paused(void **state)
{
    struct world *w = *state;
    mk_ns(w, "dry");
    mk_deploy(w, "dry", "web", 1);
    set_load(w, "dry", "web", "constant:300");
    mk_policy(w, "dry", "web", "web", 1, 5, NULL);
    struct ebb_controller *ctl = new_ctl(w, "dry", true);
    struct want_desired wd = {"dry", "web", 2};
    assert_true(run(w, ctl, true, 30000, desired_at_least, &wd));
    assert_int_equal(replicas(w, "dry", "web"), 1);
    struct ebb_controller_stats s;
    ebb_controller_stats(ctl, &s);
    assert_true(s.dry_run_holds >= 1);
    assert_int_equal(s.scale_ups, 0);
    stop_ctl(w, ctl);

    /* Paused, in its own namespace (the controller below is not dry-run). */
    mk_ns(w, "pause");
    mk_deploy(w, "pause", "api", 1);
    set_load(w, "pause", "api", "constant:300");
    mk_policy(w, "pause", "api", "api", 1, 5, ",\"paused\":true");
    ctl = new_ctl(w, "pause", false);
    struct want_cond wc = {"pause", "api", "ScalingActive", "False", "Paused"};
    assert_true(run(w, ctl, true, 15000, cond_is, &wc));
    run(w, ctl, true, 3000, NULL, NULL);
    assert_int_equal(replicas(w, "pause", "api"), 1);
    ebb_controller_stats(ctl, &s);
    assert_int_equal(s.scale_ups, 0);
    stop_ctl(w, ctl);
}

/* A standby keeps its informers warm and writes nothing; leading, it acts. */
static void test_standby_then_leader(void **state)
{
    struct world *w = *state;
    mk_ns(w, "sb");
    mk_deploy(w, "sb", "web", 1);
    set_load(w, "sb", "web", "constant:300");
    mk_policy(w, "sb", "web", "web", 1, 5, NULL);
    struct ebb_controller *ctl = new_ctl(w, "sb", false);
    run(w, ctl, false, 3000, NULL, NULL);
    struct ebb_controller_stats s;
    ebb_controller_stats(ctl, &s);
    assert_true(s.synced);
    assert_int_equal(s.policies, 1);
    assert_int_equal(s.requests, 0);
    assert_int_equal(s.reconciles, 0);
    assert_int_equal(replicas(w, "sb", "web"), 1);
    struct want x = {"sb", "web", 2};
    assert_true(run(w, ctl, true, 30000, scaled_to, &x));
    stop_ctl(w, ctl);
}

/* A restart decides from status: after a scale-up the load drops; a new
 * controller (fresh memory) keeps the count inside the 5 min downscale
 * stabilization window, because the recommendations come back from status. */
static void test_restart_keeps_history(void **state)
{
    struct world *w = *state;
    mk_ns(w, "rs");
    mk_deploy(w, "rs", "web", 1);
    set_load(w, "rs", "web", "constant:300");
    mk_policy(w, "rs", "web", "web", 1, 5, NULL);
    struct ebb_controller *ctl = new_ctl(w, "rs", false);
    struct want x = {"rs", "web", 2};
    assert_true(run(w, ctl, true, 30000, scaled_to, &x));
    run(w, ctl, true, 1500, NULL, NULL); /* the status of that decision is written */
    stop_ctl(w, ctl);
    int n = replicas(w, "rs", "web");
    assert_true(n >= 2);

    set_load(w, "rs", "web", "constant:5");
    ctl = new_ctl(w, "rs", false);
    run(w, ctl, true, 5000, NULL, NULL);
    assert_int_equal(replicas(w, "rs", "web"), n); /* held by the stabilization window */
    struct ebb_controller_stats s;
    ebb_controller_stats(ctl, &s);
    assert_true(s.reconciles >= 2);
    assert_int_equal(s.scale_downs, 0);
    cJSON *p = policy(w, "rs", "web");
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(p, "status"), "recommendations");
    assert_true(cJSON_GetArraySize(recs) >= 1);
    cJSON_Delete(p);
    stop_ctl(w, ctl);
}

/* A policy whose target does not exist: AbleToScale=False with the API's reason. */
static void test_missing_target(void **state)
{
    struct world *w = *state;
    mk_ns(w, "miss");
    mk_policy(w, "miss", "ghost", "nothing", 1, 5, NULL);
    struct ebb_controller *ctl = new_ctl(w, "miss", false);
    struct want_cond wc = {"miss", "ghost", "AbleToScale", "False", "NotFound"};
    assert_true(run(w, ctl, true, 10000, cond_is, &wc));
    stop_ctl(w, ctl);
}

static void test_opts(void **state)
{
    struct world *w = *state;
    struct ebb_controller_opts o;
    struct ebb_controller *ctl = NULL;
    char err[256];
    const struct {
        int64_t sync;
        size_t inflight;
        const char *prom;
        enum ebb_rc want;
    } cases[] = {
        {1000, 64, NULL, EBB_OK},
        {0, 64, NULL, EBB_ERR_INVALID},
        {1000, 0, NULL, EBB_ERR_INVALID},
        {1000, 64, "ftp://x", EBB_ERR_INVALID},
        {1000, 64, "http://prometheus:9090", EBB_OK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ebb_controller_opts_default(&o);
        o.sync_period_ms = cases[i].sync;
        o.max_inflight = cases[i].inflight;
        o.prometheus_address = cases[i].prom;
        ctl = NULL;
        assert_int_equal(ebb_controller_new(w->c, &o, &ctl, err, sizeof(err)), cases[i].want);
        if (cases[i].want != EBB_OK)
            assert_true(err[0] != 0);
        ebb_controller_free(ctl);
    }
    assert_string_equal(ebb_reconcile_outcome_name(EBB_RECONCILE_AMBIGUOUS), "Ambiguous");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts),
        cmocka_unit_test(test_scale_up_then_delete),
        cmocka_unit_test(test_invalid_spec),
        cmocka_unit_test(test_ambiguous),
        cmocka_unit_test(test_dry_run_and_paused),
        cmocka_unit_test(test_standby_then_leader),
        cmocka_unit_test(test_restart_keeps_history),
        cmocka_unit_test(test_missing_target),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
