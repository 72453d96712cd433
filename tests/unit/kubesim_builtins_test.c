/* kubesim_builtins_test.c -- cmd/kubesim registry.c and builtins*.c: the
 * built-in types, their defaults and key order against the recorded
 * exchanges of tests/fixtures/kube-api (10, 31, 40/41, 93/94), the
 * validation messages (24, 25, 26, 92, CRD errors), CRD registration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../cmd/kubesim/builtins.h"
#include "../../cmd/kubesim/ks.h"

#define FIX "tests/fixtures/kube-api/"
#define COUNT(t) (sizeof(t) / sizeof(*(t)))

/* ---- fixture access ---------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The request body (request = true) or the response body of a fixture. */
static cJSON *fixture_body(const char *name, bool request)
{
    char path[256];
    char *text, *start, *end;
    cJSON *json;

    snprintf(path, sizeof(path), FIX "%s", name);
    text = slurp(path);
    start = strstr(text, request ? "=== REQUEST ===" : "=== RESPONSE ===");
    assert_non_null(start);
    start = strstr(start, "\n\n");
    assert_non_null(start);
    start += 2;
    end = strstr(start, request ? "\n=== RESPONSE ===" : "\n");
    assert_non_null(end);
    *end = '\0';
    json = cJSON_Parse(start);
    free(text);
    assert_non_null(json);
    return json;
}

static void assert_json_equal(const cJSON *got, const cJSON *want)
{
    char *g = cJSON_PrintUnformatted(got), *w = cJSON_PrintUnformatted(want);

    assert_non_null(g);
    assert_non_null(w);
    if (strcmp(g, w) != 0)
        fprintf(stderr, "got:  %s\nwant: %s\n", g, w);
    assert_string_equal(g, w);
    free(g);
    free(w);
}

/* Reverses the key order of every object in the tree. */
static void scramble(cJSON *node)
{
    cJSON *it, *next, *rev = NULL;

    if (!node || !(cJSON_IsObject(node) || cJSON_IsArray(node)))
        return;
    cJSON_ArrayForEach(it, node) scramble(it);
    if (!cJSON_IsObject(node) || !node->child)
        return;
    for (it = node->child; it; it = next) {
        next = it->next;
        it->next = rev;
        rev = it;
    }
    node->child = rev;
    cJSON *tail = rev;
    for (it = rev; it; it = it->next) {
        it->prev = it == rev ? NULL : it->prev;
        if (it->next)
            it->next->prev = it;
        tail = it;
    }
    rev->prev = tail;
}

/* ---- setup ------------------------------------------------------------- */

struct env {
    ks_registry *reg;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    assert_non_null(e);
    e->reg = ks_registry_new();
    assert_non_null(e->reg);
    assert_int_equal(ks_builtins_register(e->reg), KS_OK);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    ks_registry_free(e->reg);
    free(e);
    return 0;
}

static const ks_rtype *rt(void **state, const char *group, const char *version,
                          const char *resource)
{
    struct env *e = *state;
    const ks_rtype *t = ks_registry_find(e->reg, group, version, resource);

    assert_non_null(t);
    return t;
}

/* ---- registration ------------------------------------------------------ */

static void test_register_builtins(void **state)
{
    struct env *e = *state;
    const ks_rtype *d = rt(state, "apps", "v1", "deployments");
    const ks_rtype *ns = rt(state, "", "v1", "namespaces");
    const ks_rtype *ev1 = rt(state, "events.k8s.io", "v1", "events");
    const ks_rtype *core_ev = rt(state, "", "v1", "events");
    const ks_rtype *crd = rt(state, "apiextensions.k8s.io", "v1", "customresourcedefinitions");

    assert_true(d->namespaced && d->has_status && d->has_scale);
    assert_string_equal(d->short_names[0], "deploy");
    assert_string_equal(d->categories[0], "all");
    assert_string_equal(d->scale_spec_path, "spec.replicas");
    assert_string_equal(d->scale_status_path, "status.replicas");
    assert_string_equal(d->scale_selector_path, "");
    assert_string_equal(d->list_kind, "DeploymentList");
    assert_int_equal(d->verbs, KS_V_ALL);
    assert_false(ns->namespaced);
    assert_false(ns->verbs & KS_V_DELETECOLLECTION);
    assert_ptr_equal(ev1->storage, core_ev);
    assert_non_null(ev1->to_view);
    assert_null(core_ev->storage);
    assert_false(crd->namespaced);
    assert_false(rt(state, "apps", "v1", "daemonsets")->has_scale);
    assert_true(rt(state, "apps", "v1", "statefulsets")->has_scale);
    assert_non_null(rt(state, "autoscaling", "v2", "horizontalpodautoscalers"));
    assert_non_null(rt(state, "autoscaling", "v1", "horizontalpodautoscalers"));
    assert_non_null(rt(state, "coordination.k8s.io", "v1", "leases"));
    assert_ptr_equal(ks_registry_find_kind(e->reg, "apps", "v1", "StatefulSet"),
                     rt(state, "apps", "v1", "statefulsets"));
    assert_null(ks_registry_find(e->reg, "apps", "v1", "nope"));
    for (size_t i = 0; i < ks_registry_count(e->reg); i++)
        assert_int_equal(ks_registry_at(e->reg, i)->id, (int)i);
    assert_null(ks_registry_at(e->reg, ks_registry_count(e->reg)));
    assert_true(ks_builtin_generation_on_annotations(d));
    assert_false(ks_builtin_generation_on_annotations(rt(state, "apps", "v1", "statefulsets")));
}

/* ---- defaults: the request of a fixture becomes its response ----------- */

static void check_defaults(void **state, const char *fixture, const char *group,
                           const char *resource)
{
    const ks_rtype *t = rt(state, group, "v1", resource);
    cJSON *req = fixture_body(fixture, true);
    cJSON *resp = fixture_body(fixture, false);

    ks_builtin_default(t, req);
    assert_json_equal(cJSON_GetObjectItem(req, "spec"), cJSON_GetObjectItem(resp, "spec"));
    assert_json_equal(cJSON_GetObjectItem(req, "status"), cJSON_GetObjectItem(resp, "status"));
    /* idempotent */
    ks_builtin_default(t, req);
    assert_json_equal(cJSON_GetObjectItem(req, "spec"), cJSON_GetObjectItem(resp, "spec"));
    struct ks_causes c = {0};
    assert_int_equal(ks_builtin_validate(t, req, NULL, &c), KS_OK);
    assert_int_equal(c.n, 0);
    cJSON_Delete(req);
    cJSON_Delete(resp);
}

static void test_defaults_deployment_10(void **state)
{
    check_defaults(state, "10-deployment-create-201.txt", "apps", "deployments");
}

static void test_defaults_statefulset_31(void **state)
{
    check_defaults(state, "31-statefulset-create-201.txt", "apps", "statefulsets");
}

/* Events: the request plus defaults is the response but for metadata. */
static void test_defaults_events(void **state)
{
    static const struct {
        const char *fixture, *group;
    } cases[] = {
        {"90-event-core-v1-create-201.txt", ""},
        {"91-event-events.k8s.io-v1-create-201.txt", "events.k8s.io"},
        {"70-lease-create-201.txt", "coordination.k8s.io"},
    };

    for (size_t i = 0; i < COUNT(cases); i++) {
        const ks_rtype *t =
            rt(state, cases[i].group, "v1", *cases[i].group == 'c' ? "leases" : "events");
        cJSON *req = fixture_body(cases[i].fixture, true);
        cJSON *resp = fixture_body(cases[i].fixture, false);
        ks_builtin_default(t, req);
        cJSON_DeleteItemFromObject(req, "metadata");
        cJSON_DeleteItemFromObject(resp, "metadata");
        assert_json_equal(req, resp);
        cJSON_Delete(req);
        cJSON_Delete(resp);
    }
}

static void test_defaults_pod(void **state)
{
    const ks_rtype *t = rt(state, "", "v1", "pods");
    cJSON *pod = cJSON_Parse(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":"
        "\"demo\"},\"spec\":{\"containers\":[{\"name\":\"pg\",\"image\":\"postgres\","
        "\"resources\":{\"limits\":{\"memory\":\"1Gi\",\"cpu\":\"1\"}}}]}}");
    const char *want =
        "{\"containers\":[{\"name\":\"pg\",\"image\":\"postgres\",\"resources\":{\"limits\":{"
        "\"cpu\":\"1\",\"memory\":\"1Gi\"},\"requests\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}},"
        "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":"
        "\"File\",\"imagePullPolicy\":\"Always\"}],\"restartPolicy\":\"Always\","
        "\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\","
        "\"serviceAccountName\":\"default\",\"serviceAccount\":\"default\",\"securityContext\":"
        "{},\"schedulerName\":\"default-scheduler\",\"tolerations\":[{\"key\":\"node."
        "kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
        "\"tolerationSeconds\":300},{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":"
        "\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300}],\"priority\":0,"
        "\"enableServiceLinks\":true,\"preemptionPolicy\":\"PreemptLowerPriority\"}";
    char *got;

    assert_non_null(pod);
    ks_builtin_default(t, pod);
    got = cJSON_PrintUnformatted(cJSON_GetObjectItem(pod, "spec"));
    assert_string_equal(got, want);
    free(got);
    got = cJSON_PrintUnformatted(cJSON_GetObjectItem(pod, "status"));
    assert_string_equal(got, "{\"phase\":\"Pending\",\"qosClass\":\"Guaranteed\"}");
    free(got);
    cJSON_Delete(pod);
}

static void test_defaults_misc(void **state)
{
    static const struct {
        const char *group, *version, *resource, *in, *path, *want;
    } cases[] = {
        {"", "v1", "namespaces", "{\"metadata\":{\"name\":\"demo\"}}", "",
         "{\"metadata\":{\"name\":\"demo\",\"labels\":{\"kubernetes.io/metadata.name\":\"demo\"}},"
         "\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"Active\"}}"},
        {"", "v1", "secrets", "{\"metadata\":{\"name\":\"s\"}}", "type", "\"Opaque\""},
        {"apps", "v1", "deployments",
         "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"},\"template\":{}}}", "spec.strategy",
         "{\"type\":\"Recreate\"}"},
        {"apps", "v1", "deployments",
         "{\"spec\":{\"replicas\":0,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\","
         "\"image\":\"r.io:5000/x\"},{\"name\":\"b\",\"image\":\"x@sha256:ab\"}]}}}}",
         "spec.template.spec.containers",
         "[{\"name\":\"a\",\"image\":\"r.io:5000/x\",\"resources\":{},\"terminationMessagePath\":"
         "\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":"
         "\"Always\"},{\"name\":\"b\",\"image\":\"x@sha256:ab\",\"resources\":{},"
         "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":"
         "\"File\",\"imagePullPolicy\":\"IfNotPresent\"}]"},
        {"apps", "v1", "deployments", "{\"spec\":{\"replicas\":0}}", "spec.replicas", "0"},
        {"autoscaling", "v2", "horizontalpodautoscalers", "{\"spec\":{\"maxReplicas\":5}}", "spec",
         "{\"minReplicas\":1,\"maxReplicas\":5,\"metrics\":[{\"type\":\"Resource\",\"resource\":{"
         "\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\",\"averageUtilization\":80}}}]}"},
        /* a ClusterIP from the allocator: stable for a namespace/name */
        {"", "v1", "services", "{\"spec\":{\"ports\":[{\"port\":80}]}}", "spec",
         "{\"ports\":[{\"protocol\":\"TCP\",\"port\":80,\"targetPort\":80}],\"clusterIP\":"
         "\"10.96.151.95\",\"clusterIPs\":[\"10.96.151.95\"],\"type\":\"ClusterIP\","
         "\"sessionAffinity\":\"None\",\"ipFamilies\":[\"IPv4\"],\"ipFamilyPolicy\":"
         "\"SingleStack\",\"internalTrafficPolicy\":\"Cluster\"}"},
        /* headless: no address, no families */
        {"", "v1", "services", "{\"spec\":{\"clusterIP\":\"None\"}}", "spec",
         "{\"clusterIP\":\"None\",\"clusterIPs\":[\"None\"],\"type\":\"ClusterIP\","
         "\"sessionAffinity\":\"None\",\"internalTrafficPolicy\":\"Cluster\"}"},
        {"coordination.k8s.io", "v1", "leases",
         "{\"spec\":{\"renewTime\":\"x\",\"holderIdentity\":\"h\"},\"metadata\":{},\"kind\":"
         "\"Lease\"}",
         "",
         "{\"kind\":\"Lease\",\"metadata\":{},\"spec\":{\"holderIdentity\":\"h\","
         "\"renewTime\":\"x\"}}"},
    };

    for (size_t i = 0; i < COUNT(cases); i++) {
        const ks_rtype *t = rt(state, cases[i].group, cases[i].version, cases[i].resource);
        cJSON *obj = cJSON_Parse(cases[i].in);
        char *got;
        assert_non_null(obj);
        ks_builtin_default(t, obj);
        got = cJSON_PrintUnformatted(*cases[i].path ? ks_json_path(obj, cases[i].path) : obj);
        assert_non_null(got);
        if (strcmp(got, cases[i].want) != 0)
            fprintf(stderr, "case %zu: %s\n", i, got);
        assert_string_equal(got, cases[i].want);
        free(got);
        cJSON_Delete(obj);
    }
}

/* ---- key order: any scrambled response comes back byte for byte ------- */

static void test_normalize_fixtures(void **state)
{
    static const struct {
        const char *fixture, *group, *version, *resource;
    } cases[] = {
        {"10-deployment-create-201.txt", "apps", "v1", "deployments"},
        {"11-deployment-get-200.txt", "apps", "v1", "deployments"},
        {"31-statefulset-create-201.txt", "apps", "v1", "statefulsets"},
        {"34-statefulset-get.txt", "apps", "v1", "statefulsets"},
        {"40-crd-create-201.txt", "apiextensions.k8s.io", "v1", "customresourcedefinitions"},
        {"41-crd-get-established.txt", "apiextensions.k8s.io", "v1", "customresourcedefinitions"},
        {"70-lease-create-201.txt", "coordination.k8s.io", "v1", "leases"},
        {"90-event-core-v1-create-201.txt", "", "v1", "events"},
        {"91-event-events.k8s.io-v1-create-201.txt", "events.k8s.io", "v1", "events"},
    };

    for (size_t i = 0; i < COUNT(cases); i++) {
        const ks_rtype *t = rt(state, cases[i].group, cases[i].version, cases[i].resource);
        cJSON *want = fixture_body(cases[i].fixture, false);
        cJSON *got = cJSON_Duplicate(want, true);
        scramble(got);
        ks_builtin_normalize(t, got);
        assert_json_equal(got, want);
        cJSON_Delete(got);
        cJSON_Delete(want);
    }
    /* the pods of a LIST (56) */
    cJSON *list = fixture_body("56-list-all-namespaces-pods.txt", false), *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(list, "items"))
    {
        cJSON *got = cJSON_Duplicate(item, true);
        scramble(got);
        ks_builtin_normalize(rt(state, "", "v1", "pods"), got);
        assert_json_equal(got, item);
        cJSON_Delete(got);
    }
    cJSON_Delete(list);
}

/* ---- validation -------------------------------------------------------- */

/* The causes of a fixture's 422 Status. */
static void assert_causes(const struct ks_causes *c, const cJSON *status)
{
    const cJSON *want = ks_json_path(status, "details.causes"), *w;
    size_t i = 0;

    assert_int_equal(c->n, (size_t)cJSON_GetArraySize(want));
    cJSON_ArrayForEach(w, want)
    {
        assert_string_equal(c->v[i].type, ks_json_str(w, "reason"));
        assert_string_equal(c->v[i].message, ks_json_str(w, "message"));
        assert_string_equal(c->v[i].field, ks_json_str(w, "field"));
        i++;
    }
}

static void test_validate_26(void **state)
{
    const ks_rtype *t = rt(state, "apps", "v1", "deployments");
    cJSON *obj = fixture_body("26-deployment-create-invalid-422.txt", true);
    cJSON *status = fixture_body("26-deployment-create-invalid-422.txt", false);
    struct ks_causes c = {0};

    ks_builtin_default(t, obj);
    assert_int_equal(ks_builtin_validate(t, obj, NULL, &c), KS_EINVALID);
    assert_causes(&c, status);
    ks_causes_release(&c);
    cJSON_Delete(obj);
    cJSON_Delete(status);
}

static void test_validate_24_and_immutable(void **state)
{
    const ks_rtype *t = rt(state, "apps", "v1", "deployments");
    cJSON *old = fixture_body("11-deployment-get-200.txt", false);
    cJSON *obj = cJSON_Duplicate(old, true);
    cJSON *status = fixture_body("24-deployment-patch-negative-replicas-422.txt", false);
    struct ks_causes c = {0};

    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(obj, "spec"), "replicas", cJSON_CreateNumber(-1));
    assert_int_equal(ks_builtin_validate(t, obj, old, &c), KS_EINVALID);
    assert_causes(&c, status);
    ks_causes_release(&c);

    /* selector is immutable on update */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(obj, "spec"), "replicas", cJSON_CreateNumber(1));
    cJSON *sel = cJSON_Parse("{\"matchLabels\":{\"app\":\"web\",\"tier\":\"x\"}}");
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(obj, "spec"), "selector", sel);
    assert_int_equal(ks_builtin_validate(t, obj, old, &c), KS_EINVALID);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.v[0].field, "spec.template.metadata.labels");
    assert_string_equal(c.v[1].field, "spec.selector");
    assert_string_equal(c.v[1].message,
                        "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":"
                        "\"web\", \"tier\":\"x\"}, MatchExpressions:[]v1.LabelSelectorRequirement("
                        "nil)}: field is immutable");
    ks_causes_release(&c);
    cJSON_Delete(obj);
    cJSON_Delete(old);
    cJSON_Delete(status);
}

static void test_validate_scale_25(void **state)
{
    (void)state;
    cJSON *status = fixture_body("25-deployment-scale-patch-negative-422.txt", false);
    cJSON *scale = cJSON_Parse("{\"kind\":\"Scale\",\"spec\":{\"replicas\":-1}}");
    struct ks_causes c = {0};

    assert_int_equal(ks_builtin_validate_scale(scale, &c), KS_EINVALID);
    assert_causes(&c, status);
    ks_causes_release(&c);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(scale, "spec"), "replicas",
                              cJSON_CreateNumber(0));
    assert_int_equal(ks_builtin_validate_scale(scale, &c), KS_OK);
    assert_int_equal(ks_builtin_validate_scale(NULL, &c), KS_OK);
    cJSON_Delete(scale);
    cJSON_Delete(status);
}

static void test_validate_92(void **state)
{
    const ks_rtype *t = rt(state, "events.k8s.io", "v1", "events");
    cJSON *obj = fixture_body("92-event-events.k8s.io-v1-invalid-422.txt", true);
    cJSON *status = fixture_body("92-event-events.k8s.io-v1-invalid-422.txt", false);
    struct ks_causes c = {0};

    ks_builtin_default(t, obj);
    assert_int_equal(ks_builtin_validate(t, obj, NULL, &c), KS_EINVALID);
    assert_causes(&c, status);
    ks_causes_release(&c);
    /* 91's valid one passes, and so does 90 through core/v1 */
    cJSON_Delete(obj);
    obj = fixture_body("91-event-events.k8s.io-v1-create-201.txt", true);
    assert_int_equal(ks_builtin_validate(t, obj, NULL, &c), KS_OK);
    cJSON_Delete(obj);
    obj = fixture_body("90-event-core-v1-create-201.txt", true);
    assert_int_equal(ks_builtin_validate(rt(state, "", "v1", "events"), obj, NULL, &c), KS_OK);
    /* involvedObject.namespace must match */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(obj, "involvedObject"), "namespace",
                              cJSON_CreateString("other"));
    assert_int_equal(ks_builtin_validate(rt(state, "", "v1", "events"), obj, NULL, &c),
                     KS_EINVALID);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0].field, "involvedObject.namespace");
    assert_string_equal(c.v[0].message, "Invalid value: \"other\": does not match event.namespace");
    ks_causes_release(&c);
    cJSON_Delete(obj);
    cJSON_Delete(status);
}

struct vcase {
    const char *group, *version, *resource;
    const char *obj;
    const char *field, *message; /* of the first cause; NULL: valid */
    size_t n;
};

static void test_validate_table(void **state)
{
    static const struct vcase cases[] = {
        {"", "v1", "namespaces", "{\"metadata\":{\"name\":\"a.b\"}}", "metadata.name",
         "Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case "
         "alphanumeric characters or '-', and must start and end with an alphanumeric character "
         "(e.g. 'my-name',  or '123-abc', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
         1},
        {"", "v1", "services", "{\"metadata\":{\"name\":\"1svc\",\"namespace\":\"d\"}}",
         "metadata.name",
         "Invalid value: \"1svc\": a DNS-1035 label must consist of lower case alphanumeric "
         "characters or '-', start with an alphabetic character, and end with an alphanumeric "
         "character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
         "'[a-z]([-a-z0-9]*[a-z0-9])?')",
         1},
        {"", "v1", "configmaps", "{\"metadata\":{\"namespace\":\"d\"}}", "metadata.name",
         "Required value: name or generateName is required", 1},
        {"", "v1", "configmaps",
         "{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\",\"labels\":{\"a\":\"-x\"}}}",
         "metadata.labels",
         "Invalid value: \"-x\": a valid label must be an empty string or consist of "
         "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
         "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
         "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
         1},
        {"", "v1", "configmaps",
         "{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\",\"annotations\":{\"a/b/c\":\"\"}}}",
         "metadata.annotations",
         "Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, "
         "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', "
         " or 'my.name',  or '123-abc', regex used for validation is "
         "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and "
         "'/' (e.g. 'example.com/MyName')",
         1},
        {"coordination.k8s.io", "v1", "leases",
         "{\"metadata\":{\"name\":\"l\",\"namespace\":\"d\"},\"spec\":{\"leaseDurationSeconds\":"
         "0}}",
         "spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0", 1},
        {"coordination.k8s.io", "v1", "leases",
         "{\"metadata\":{\"name\":\"l\",\"namespace\":\"d\"},\"spec\":{\"leaseDurationSeconds\":"
         "15}}",
         NULL, NULL, 0},
        {"autoscaling", "v2", "horizontalpodautoscalers",
         "{\"metadata\":{\"name\":\"h\",\"namespace\":\"d\"},\"spec\":{\"scaleTargetRef\":{"
         "\"kind\":\"Deployment\",\"name\":\"web\"},\"minReplicas\":3,\"maxReplicas\":2}}",
         "spec.maxReplicas", "Invalid value: 2: must be greater than or equal to `minReplicas`", 1},
        {"", "v1", "pods",
         "{\"metadata\":{\"name\":\"p\",\"namespace\":\"d\"},\"spec\":{\"restartPolicy\":"
         "\"Always\"}}",
         "spec.containers", "Required value", 1},
        {"apps", "v1", "deployments",
         "{\"metadata\":{\"name\":\"d\",\"namespace\":\"d\"},\"spec\":{\"replicas\":1,"
         "\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":{\"metadata\":{\"labels\":{"
         "\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\"},{\"name\":\"c\",\"image\":"
         "\"i\"}],\"restartPolicy\":\"Always\"}},\"strategy\":{\"type\":\"Recreate\"}}}",
         "spec.template.spec.containers[0].image", "Required value", 2},
        {"apps", "v1", "deployments",
         "{\"metadata\":{\"name\":\"d\",\"namespace\":\"d\"},\"spec\":{\"template\":{"
         "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}],\"restartPolicy\":"
         "\"Always\"}},\"strategy\":{\"type\":\"Recreate\"}}}",
         "spec.selector", "Required value", 2},
        {"apps", "v1", "statefulsets",
         "{\"metadata\":{\"name\":\"s\",\"namespace\":\"d\"},\"spec\":{\"replicas\":1,"
         "\"podManagementPolicy\":\"Sometimes\",\"updateStrategy\":{\"type\":\"OnDelete\"},"
         "\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":{\"metadata\":{\"labels\":{"
         "\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}],"
         "\"restartPolicy\":\"Always\"}}}}",
         "spec.podManagementPolicy",
         "Invalid value: \"Sometimes\": must be 'OrderedReady' or 'Parallel'", 1},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        const ks_rtype *t = rt(state, cases[i].group, cases[i].version, cases[i].resource);
        cJSON *obj = cJSON_Parse(cases[i].obj);
        struct ks_causes c = {0};
        int rc;
        assert_non_null(obj);
        rc = ks_builtin_validate(t, obj, NULL, &c);
        if (c.n != cases[i].n)
            for (size_t j = 0; j < c.n; j++)
                fprintf(stderr, "case %zu: %s: %s\n", i, c.v[j].field, c.v[j].message);
        assert_int_equal(c.n, cases[i].n);
        assert_int_equal(rc, cases[i].n ? KS_EINVALID : KS_OK);
        if (cases[i].field) {
            assert_string_equal(c.v[0].field, cases[i].field);
            assert_string_equal(c.v[0].message, cases[i].message);
        }
        ks_causes_release(&c);
        cJSON_Delete(obj);
    }
}

static void test_statefulset_update_forbidden(void **state)
{
    const ks_rtype *t = rt(state, "apps", "v1", "statefulsets");
    cJSON *old = fixture_body("34-statefulset-get.txt", false);
    cJSON *obj = cJSON_Duplicate(old, true);
    struct ks_causes c = {0};

    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(obj, "spec"), "replicas", cJSON_CreateNumber(5));
    assert_int_equal(ks_builtin_validate(t, obj, old, &c), KS_OK);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(obj, "spec"), "serviceName",
                              cJSON_CreateString("other"));
    assert_int_equal(ks_builtin_validate(t, obj, old, &c), KS_EINVALID);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0].field, "spec");
    assert_string_equal(c.v[0].type, "FieldValueForbidden");
    ks_causes_release(&c);
    cJSON_Delete(obj);
    cJSON_Delete(old);
}

/* ---- events: both views of the same objects (93, 94) ------------------- */

static void test_event_views(void **state)
{
    const ks_rtype *v1 = rt(state, "events.k8s.io", "v1", "events");
    cJSON *core = fixture_body("93-event-core-v1-list-fieldselector.txt", false);
    cJSON *ev = fixture_body("94-event-events.k8s.io-v1-list-fieldselector.txt", false);
    cJSON *core_items = cJSON_GetObjectItem(core, "items");
    cJSON *ev_items = cJSON_GetObjectItem(ev, "items");

    assert_int_equal(cJSON_GetArraySize(core_items), 2);
    for (int i = 0; i < 2; i++) {
        cJSON *c = cJSON_GetArrayItem(core_items, i), *e = cJSON_GetArrayItem(ev_items, i);
        cJSON *got = v1->to_view(c);
        assert_non_null(got);
        assert_json_equal(got, e);
        cJSON_Delete(got);
        got = v1->from_view(e);
        assert_non_null(got);
        assert_json_equal(got, c);
        cJSON_Delete(got);
    }
    /* 91's request, stored, reads back as 91's response body through the view */
    cJSON *req = fixture_body("91-event-events.k8s.io-v1-create-201.txt", true);
    cJSON *resp = fixture_body("91-event-events.k8s.io-v1-create-201.txt", false);
    cJSON *stored = v1->from_view(req);
    cJSON *back = v1->to_view(stored);
    assert_string_equal(ks_json_str(stored, "apiVersion"), "v1");
    assert_string_equal(ks_json_str(stored, "reportingComponent"), "example.dev/demo-operator");
    cJSON_DeleteItemFromObject(resp, "metadata");
    cJSON_DeleteItemFromObject(back, "metadata");
    assert_json_equal(back, resp);
    assert_null(v1->to_view(NULL));
    cJSON_Delete(req);
    cJSON_Delete(resp);
    cJSON_Delete(stored);
    cJSON_Delete(back);
    cJSON_Delete(core);
    cJSON_Delete(ev);
}

/* ---- CRDs ------------------------------------------------------------- */

static double t_of(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {0};

    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (double)timegm(&tm);
}

static void sim_init(ks_sim *s, ks_registry *reg)
{
    memset(s, 0, sizeof(*s));
    s->reg = reg;
    s->cfg.speed = 1;
    s->start_sim = t_of(2026, 11, 22, 11, 26, 57);
}

static void test_crd_lifecycle(void **state)
{
    struct env *e = *state;
    const ks_rtype *crd_t = rt(state, "apiextensions.k8s.io", "v1", "customresourcedefinitions");
    cJSON *crd = fixture_body("40-crd-create-201.txt", true);
    cJSON *created = fixture_body("40-crd-create-201.txt", false);
    cJSON *est = fixture_body("41-crd-get-established.txt", false);
    struct ks_causes c = {0};
    ks_sim s;

    sim_init(&s, e->reg);
    ks_builtin_default(crd_t, crd);
    assert_json_equal(cJSON_GetObjectItem(crd, "spec"), cJSON_GetObjectItem(created, "spec"));
    assert_json_equal(cJSON_GetObjectItem(crd, "status"), cJSON_GetObjectItem(created, "status"));
    assert_int_equal(ks_builtin_validate(crd_t, crd, NULL, &c), KS_OK);
    assert_int_equal(ks_builtin_crd_changed(&s, crd, false, &c), KS_OK);
    assert_int_equal(c.n, 0);
    assert_json_equal(cJSON_GetObjectItem(crd, "status"), cJSON_GetObjectItem(est, "status"));

    const ks_rtype *w = ks_registry_find(e->reg, "example.dev", "v1", "widgets");
    assert_non_null(w);
    assert_int_equal(w->origin, KS_RT_CUSTOM);
    assert_true(w->namespaced && w->has_status && w->has_scale);
    assert_string_equal(w->kind, "Widget");
    assert_string_equal(w->list_kind, "WidgetList");
    assert_string_equal(w->singular, "widget");
    assert_string_equal(w->short_names[0], "wg");
    assert_int_equal(w->n_short_names, 1);
    assert_string_equal(w->scale_spec_path, "spec.replicas");
    assert_string_equal(w->scale_status_path, "status.replicas");
    assert_string_equal(w->scale_selector_path, "status.selector");
    assert_string_equal(w->crd_name, "widgets.example.dev");
    assert_non_null(w->schema);
    assert_non_null(w->compiled);
    assert_int_equal(w->verbs, KS_V_ALL);
    int id = w->id;

    /* an update keeps the type (pointer and id); the status keeps its times */
    s.now_real = 100;
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(cJSON_GetObjectItem(crd, "spec"), "names"),
                              "shortNames", cJSON_Parse("[\"wg\",\"wdg\"]"));
    assert_int_equal(ks_builtin_validate(crd_t, crd, est, &c), KS_OK);
    assert_int_equal(ks_builtin_crd_changed(&s, crd, false, &c), KS_OK);
    assert_ptr_equal(ks_registry_find(e->reg, "example.dev", "v1", "widgets"), w);
    assert_int_equal(w->id, id);
    assert_int_equal(w->n_short_names, 2);
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(ks_json_path(crd, "status.conditions"), 1),
                                    "lastTransitionTime"),
                        "2026-11-22T11:26:57Z");

    /* another CRD claiming a built-in's resource */
    cJSON *bad = cJSON_Duplicate(crd, true);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(bad, "spec"), "group",
                              cJSON_CreateString("apps"));
    cJSON_ReplaceItemInObject(ks_json_path(bad, "spec.names"), "plural",
                              cJSON_CreateString("deployments"));
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(bad, "metadata"), "name",
                              cJSON_CreateString("deployments.apps"));
    assert_int_equal(ks_builtin_crd_changed(&s, bad, false, &c), KS_EINVALID);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0].field, "spec.names.plural");
    ks_causes_release(&c);
    assert_int_equal(rt(state, "apps", "v1", "deployments")->origin, KS_RT_BUILTIN);
    cJSON_Delete(bad);

    /* a schema that does not compile registers nothing */
    bad = cJSON_Duplicate(crd, true);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(bad, "metadata"), "name",
                              cJSON_CreateString("gadgets.example.dev"));
    cJSON_ReplaceItemInObject(ks_json_path(bad, "spec.names"), "plural",
                              cJSON_CreateString("gadgets"));
    cJSON_ReplaceItemInObject(ks_json_path(bad, "spec.names"), "kind",
                              cJSON_CreateString("Gadget"));
    cJSON_ReplaceItemInObject(ks_json_path(bad, "spec.names"), "shortNames", cJSON_CreateArray());
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(ks_json_path(bad, "spec.versions"), 0), "schema",
                              cJSON_Parse("{\"openAPIV3Schema\":{\"type\":\"bogus\"}}"));
    size_t before = ks_registry_count(e->reg);
    assert_int_equal(ks_builtin_crd_changed(&s, bad, false, &c), KS_EINVALID);
    assert_true(c.n >= 1);
    ks_causes_release(&c);
    assert_int_equal(ks_registry_count(e->reg), before);
    assert_null(ks_registry_find(e->reg, "example.dev", "v1", "gadgets"));
    cJSON_Delete(bad);

    /* delete: the slot goes NULL, ids stay */
    assert_int_equal(ks_builtin_crd_changed(&s, crd, true, &c), KS_OK);
    assert_null(ks_registry_find(e->reg, "example.dev", "v1", "widgets"));
    assert_null(ks_registry_at(e->reg, (size_t)id));
    assert_int_equal(ks_registry_count(e->reg), before);
    cJSON_Delete(crd);
    cJSON_Delete(created);
    cJSON_Delete(est);
}

static void test_crd_multi_version(void **state)
{
    struct env *e = *state;
    cJSON *crd = cJSON_Parse(
        "{\"metadata\":{\"name\":\"things.x.io\"},\"spec\":{\"group\":\"x.io\",\"scope\":"
        "\"Cluster\",\"names\":{\"plural\":\"things\",\"kind\":\"Thing\",\"categories\":["
        "\"all\"]},\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":"
        "{\"openAPIV3Schema\":{\"type\":\"object\"}}},{\"name\":\"v1beta1\",\"served\":true,"
        "\"storage\":false,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\"}}},{\"name\":"
        "\"v1alpha1\",\"served\":false,\"storage\":false}]}}");
    struct ks_causes c = {0};

    assert_int_equal(ks_registry_add_crd(e->reg, crd, &c), KS_OK);
    const ks_rtype *a = ks_registry_find(e->reg, "x.io", "v1", "things");
    const ks_rtype *b = ks_registry_find(e->reg, "x.io", "v1beta1", "things");
    assert_non_null(a);
    assert_non_null(b);
    assert_null(ks_registry_find(e->reg, "x.io", "v1alpha1", "things"));
    assert_false(a->namespaced);
    assert_string_equal(a->singular, "thing");
    assert_string_equal(a->list_kind, "ThingList");
    assert_string_equal(a->categories[0], "all");
    assert_false(a->has_status);
    /* v1beta1 no longer served: it goes, v1 stays put */
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(ks_json_path(crd, "spec.versions"), 1), "served",
                              cJSON_CreateFalse());
    assert_int_equal(ks_registry_add_crd(e->reg, crd, &c), KS_OK);
    assert_ptr_equal(ks_registry_find(e->reg, "x.io", "v1", "things"), a);
    assert_null(ks_registry_find(e->reg, "x.io", "v1beta1", "things"));
    ks_registry_remove_crd(e->reg, "things.x.io");
    assert_null(ks_registry_find(e->reg, "x.io", "v1", "things"));
    /* bad input */
    assert_int_equal(ks_registry_add_crd(e->reg, NULL, &c), KS_EINVALID);
    ks_causes_release(&c);
    ks_registry_remove_crd(e->reg, NULL);
    cJSON_Delete(crd);
}

static void test_crd_validation(void **state)
{
    static const struct {
        const char *patch_spec; /* merged over a valid spec */
        const char *name;
        const char *field, *message;
    } cases[] = {
        {"{}", "widgets.other.dev", "metadata.name",
         "Invalid value: \"widgets.other.dev\": must be spec.names.plural+\".\"+spec.group"},
        {"{\"scope\":\"Global\"}", NULL, "spec.scope",
         "Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\""},
        {"{\"group\":\"example\"}", "widgets.example", "spec.group",
         "Invalid value: \"example\": should be a domain with at least one dot"},
        {"{\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":false,\"schema\":{"
         "\"openAPIV3Schema\":{\"type\":\"object\"}}}]}",
         NULL, "spec.versions",
         "Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions."
         "CustomResourceDefinitionVersion{Name:\"v1\", Served:true, Storage:false, ...}}: must "
         "have exactly one version marked as storage version"},
        {"{\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true}]}", NULL,
         "spec.versions[0].schema.openAPIV3Schema", "Required value: schemas are required"},
        {"{\"versions\":[]}", NULL, "spec.versions",
         "Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly "
         "one version marked as storage version"},
        {"{\"names\":{\"plural\":\"widgets\",\"singular\":\"widget\",\"kind\":\"Widget\","
         "\"listKind\":\"Widget\"}}",
         NULL, "spec.names.listKind",
         "Invalid value: \"Widget\": kind and listKind may not be the same"},
    };
    const ks_rtype *t = rt(state, "apiextensions.k8s.io", "v1", "customresourcedefinitions");

    for (size_t i = 0; i < COUNT(cases); i++) {
        cJSON *crd = fixture_body("40-crd-create-201.txt", true);
        cJSON *patch = cJSON_Parse(cases[i].patch_spec), *it;
        struct ks_causes c = {0};
        assert_non_null(patch);
        cJSON_ArrayForEach(it, patch) cJSON_ReplaceItemInObject(
            cJSON_GetObjectItem(crd, "spec"), it->string, cJSON_Duplicate(it, true));
        if (cases[i].name)
            cJSON_ReplaceItemInObject(cJSON_GetObjectItem(crd, "metadata"), "name",
                                      cJSON_CreateString(cases[i].name));
        ks_builtin_default(t, crd);
        assert_int_equal(ks_builtin_validate(t, crd, NULL, &c), KS_EINVALID);
        if (c.n != 1)
            for (size_t j = 0; j < c.n; j++)
                fprintf(stderr, "case %zu: %s: %s\n", i, c.v[j].field, c.v[j].message);
        assert_int_equal(c.n, 1);
        assert_string_equal(c.v[0].field, cases[i].field);
        assert_string_equal(c.v[0].message, cases[i].message);
        ks_causes_release(&c);
        cJSON_Delete(patch);
        cJSON_Delete(crd);
    }
}

/* ---- hostile input ----------------------------------------------------- */

static void test_garbage(void **state)
{
    struct env *e = *state;
    static const char *const inputs[] = {
        "[]",
        "{}",
        "{\"spec\":[]}",
        "{\"spec\":{\"template\":[],\"selector\":\"x\",\"strategy\":7}}",
        "{\"metadata\":{\"name\":5,\"labels\":[1],\"annotations\":\"x\"},\"spec\":{"
        "\"replicas\":\"many\",\"template\":{\"metadata\":3,\"spec\":{\"containers\":{},"
        "\"volumes\":[null,{\"secret\":1}]}},\"updateStrategy\":{\"type\":5}}}",
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[null,1,{\"ports\":[1,{}],\"env\":"
        "[{\"valueFrom\":7}],\"image\":5}]}},\"selector\":{\"matchExpressions\":[{\"key\":1},"
        "5]}}}",
        "{\"spec\":{\"names\":[],\"versions\":[1,{\"name\":2}]},\"status\":{\"conditions\":{}}}",
        "{\"involvedObject\":[],\"regarding\":5,\"series\":{\"count\":\"a\"}}",
    };
    ks_sim s;

    sim_init(&s, e->reg);
    for (size_t i = 0; i < COUNT(inputs); i++) {
        for (size_t k = 0; k < ks_registry_count(e->reg); k++) {
            const ks_rtype *t = ks_registry_at(e->reg, k);
            cJSON *obj = cJSON_Parse(inputs[i]);
            struct ks_causes c = {0};
            assert_non_null(obj);
            if (!t)
                continue;
            ks_builtin_default(t, obj);
            (void)ks_builtin_validate(t, obj, obj, &c);
            ks_causes_release(&c);
            if (t->to_view) {
                cJSON_Delete(t->to_view(obj));
                cJSON_Delete(t->from_view(obj));
            }
            if (strcmp(t->kind, "CustomResourceDefinition") == 0) {
                (void)ks_builtin_crd_changed(&s, obj, false, &c);
                ks_causes_release(&c);
            }
            cJSON_Delete(obj);
        }
    }
    ks_builtin_default(NULL, NULL);
    ks_builtin_normalize(NULL, NULL);
    assert_null(ks_registry_find(NULL, "", "v1", "pods"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_builtins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_deployment_10, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_statefulset_31, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_pod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_misc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_normalize_fixtures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_26, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_24_and_immutable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_scale_25, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_92, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statefulset_update_forbidden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crd_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crd_multi_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crd_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
