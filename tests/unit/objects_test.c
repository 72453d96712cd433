/* objects_test.c -- pkg/kube/objects: typed objects from recorded API bodies
 * (fixtures 11, 34, 56, 59-style lists, 61, 73) and from small hand-written
 * ones for the edge cases. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../pkg/base/rfc3339.h"
#include "../../pkg/kube/objects.h"
#include "kube_fixture.h"

static cJSON *load_body(int nn)
{
    struct ebbt_kube_exchange x;
    if (!ebbt_kube_load_nn(nn, &x))
        fail_msg("%s", x.err);
    cJSON *j = cJSON_ParseWithLength(x.body, x.body_len);
    ebbt_kube_release(&x);
    assert_non_null(j);
    return j;
}

static int64_t ms_of(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(ebb_rfc3339_parse(s, &ms), EBB_OK);
    return ms;
}

static void test_deployment_11_and_statefulset_34(void **state)
{
    (void)state;
    static const struct {
        int nn;
        const char *kind, *name, *rv, *app;
        int32_t spec, status, ready;
        int64_t gen, observed;
    } cases[] = {
        {11, "Deployment", "web", "218", "web", 2, 2, 0, 1, 1},
        {34, "StatefulSet", "db", "300", "db", 3, 1, 0, 2, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *j = load_body(cases[i].nn);
        void *obj = NULL;
        size_t bytes = 0;
        char err[256];
        assert_int_equal(ebb_kube_decode_workload(j, &obj, &bytes, err, sizeof(err)), EBB_OK);
        const struct ebb_kube_workload *w = obj;
        assert_string_equal(w->kind, cases[i].kind);
        assert_string_equal(w->meta.name, cases[i].name);
        assert_string_equal(w->meta.namespace_, "demo");
        assert_string_equal(w->meta.resource_version, cases[i].rv);
        assert_int_equal(strlen(w->meta.uid), 36);
        assert_int_equal(w->meta.generation, cases[i].gen);
        assert_int_equal(w->meta.deletion_ms, EBB_TIME_UNSET);
        assert_int_equal(w->spec_replicas, cases[i].spec);
        assert_int_equal(w->status_replicas, cases[i].status);
        assert_int_equal(w->ready_replicas, cases[i].ready);
        assert_int_equal(w->observed_generation, cases[i].observed);
        assert_true(w->selector.set);
        assert_int_equal(w->selector.n_match_labels, 1);
        assert_string_equal(w->selector.match_labels[0].key, "app");
        assert_string_equal(w->selector.match_labels[0].value, cases[i].app);
        assert_string_equal(ebb_kube_meta_label(&w->meta, "app"), cases[i].app);
        assert_null(ebb_kube_meta_label(&w->meta, "nope"));
        /* Typed, not the JSON: far smaller than the body. */
        char *text = cJSON_PrintUnformatted(j);
        assert_true(bytes > sizeof(*w) && bytes < strlen(text) / 4);
        cJSON_free(text);
        ebb_kube_object_free(obj);
        cJSON_Delete(j);
    }
}

static void test_pods_of_list_56(void **state)
{
    (void)state;
    cJSON *list = load_body(56);
    const cJSON *items = cJSON_GetObjectItem(list, "items");
    assert_int_equal(cJSON_GetArraySize(items), 2);
    const cJSON *it;
    int n = 0;
    cJSON_ArrayForEach(it, items)
    {
        void *obj = NULL;
        size_t bytes = 0;
        char err[256];
        assert_int_equal(ebb_kube_decode_pod(it, &obj, &bytes, err, sizeof(err)), EBB_OK);
        const struct ebb_kube_pod *p = obj;
        assert_string_equal(p->meta.namespace_, "demo");
        assert_int_equal(p->phase, EBB_KUBE_POD_PENDING);
        assert_int_equal(p->ready, EBB_COND_UNKNOWN); /* no kubelet: no conditions */
        assert_int_equal(p->start_ms, EBB_TIME_UNSET);
        assert_int_equal(p->pod_index, -1);
        assert_false(p->cpu_request_all); /* resources: {} */
        assert_int_equal(p->cpu_request_milli, 0);
        /* Owners and annotations are not kept: nobody reads them, and an
         * informer holds thousands of pods. */
        assert_int_equal(p->meta.n_annotations, 0);
        assert_int_equal(p->meta.n_owners, 0);
        assert_null(p->meta.owners);
        if (n == 0) {
            assert_string_equal(p->meta.name, "db-0");
            assert_string_equal(ebb_kube_meta_label(&p->meta, "statefulset.kubernetes.io/pod-name"),
                                "db-0");
        } else {
            assert_string_equal(p->meta.name, "web-64bfc5f5f5-nxzw4");
            assert_string_equal(ebb_kube_meta_label(&p->meta, "pod-template-hash"), "64bfc5f5f5");
        }
        ebb_kube_object_free(obj);
        n++;
    }
    cJSON_Delete(list);
}

static void test_pod_fields(void **state)
{
    (void)state;
    static const char pod[] =
        "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"db-3\",\"namespace\":\"demo\","
        "\"resourceVersion\":\"9\",\"deletionTimestamp\":\"2026-11-22T11:30:00Z\","
        "\"labels\":{\"apps.kubernetes.io/pod-index\":\"3\"},\"annotations\":{\"a\":\"b\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"250m\","
        "\"memory\":\"1Gi\"}}},{\"name\":\"b\",\"resources\":{\"requests\":{\"cpu\":\"1.5\","
        "\"memory\":\"512Mi\"}}}],\"initContainers\":[{\"name\":\"i\",\"resources\":{\"requests\":"
        "{\"cpu\":\"4\"}}}]},\"status\":{\"phase\":\"Running\",\"startTime\":"
        "\"2026-11-22T11:27:00Z\",\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\"},"
        "{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"2026-11-22T11:27:05Z\"}]"
        "}}";
    cJSON *j = cJSON_Parse(pod);
    void *obj = NULL;
    size_t bytes = 0;
    char err[256];
    assert_int_equal(ebb_kube_decode_pod(j, &obj, &bytes, err, sizeof(err)), EBB_OK);
    const struct ebb_kube_pod *p = obj;
    assert_int_equal(p->phase, EBB_KUBE_POD_RUNNING);
    assert_int_equal(p->ready, EBB_COND_TRUE);
    assert_int_equal(p->ready_transition_ms, ms_of("2026-11-22T11:27:05Z"));
    assert_int_equal(p->start_ms, ms_of("2026-11-22T11:27:00Z"));
    assert_int_equal(p->meta.deletion_ms, ms_of("2026-11-22T11:30:00Z"));
    assert_int_equal(p->cpu_request_milli, 1750); /* init containers not counted */
    assert_int_equal(p->memory_request_milli, (1024LL + 512) * 1024 * 1024 * 1000);
    assert_true(p->cpu_request_all);
    assert_true(p->memory_request_all);
    assert_int_equal(p->pod_index, 3);
    assert_int_equal(p->meta.n_annotations, 0); /* not kept for Pods */
    ebb_kube_object_free(obj);
    cJSON_Delete(j);
}

static void test_lease_73_and_configmaps_61(void **state)
{
    (void)state;
    cJSON *j = load_body(73);
    void *obj = NULL;
    size_t bytes = 0;
    char err[256];
    assert_int_equal(ebb_kube_decode_lease(j, &obj, &bytes, err, sizeof(err)), EBB_OK);
    const struct ebb_kube_lease *l = obj;
    assert_string_equal(l->meta.name, "demo-operator-leader");
    assert_string_equal(l->holder_identity, "demo-operator-pod-1_7f3c");
    assert_int_equal(l->lease_duration_s, 15);
    assert_string_equal(l->acquire_time, "2026-11-22T11:27:41.000000Z");
    assert_int_equal(l->acquire_ms, ms_of("2026-11-22T11:27:41Z"));
    assert_int_equal(l->renew_ms, ms_of("2026-11-22T11:27:42Z"));
    assert_int_equal(l->lease_transitions, 0);
    ebb_kube_object_free(obj);
    cJSON_Delete(j);

    /* The watch of 61: ConfigMap data a=1, then a=2, then deleted. */
    struct ebbt_kube_exchange x;
    assert_true(ebbt_kube_load_nn(61, &x));
    static const char *const want[] = {"1", "2", "2"};
    const char *line = x.body;
    for (int i = 0; i < 3; i++) {
        const char *eol = strchr(line, '\n');
        assert_non_null(eol);
        cJSON *ev = cJSON_ParseWithLength(line, (size_t)(eol - line));
        assert_int_equal(ebb_kube_decode_configmap(cJSON_GetObjectItem(ev, "object"), &obj, &bytes,
                                                   err, sizeof(err)),
                         EBB_OK);
        const struct ebb_kube_configmap *cm = obj;
        assert_string_equal(cm->meta.name, "watched-cm");
        assert_int_equal(cm->n_data, 1);
        assert_string_equal(cm->data[0].key, "a");
        assert_string_equal(cm->data[0].value, want[i]);
        ebb_kube_object_free(obj);
        cJSON_Delete(ev);
        line = eol + 1;
    }
    ebbt_kube_release(&x);
}

static void test_policy(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        enum ebb_rc rc;
        const char *error; /* the policy's first field error, or NULL */
    } cases[] = {
        {"{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicy\",\"metadata\":{\"name\":"
         "\"web\",\"namespace\":\"demo\",\"resourceVersion\":\"7\"},\"spec\":{\"targetRef\":{"
         "\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\"},\"minReplicas\":1,"
         "\"maxReplicas\":10}}",
         EBB_OK, NULL},
        {"{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicy\",\"metadata\":{\"name\":"
         "\"bad\",\"namespace\":\"demo\"},\"spec\":{\"maxReplicas\":\"ten\"}}",
         EBB_OK, "spec.maxReplicas"},
        {"{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicy\",\"metadata\":{}}",
         EBB_ERR_PARSE, NULL},
        {"[1]", EBB_ERR_PARSE, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *j = cJSON_Parse(cases[i].json);
        void *obj = NULL;
        size_t bytes = 0;
        char err[256];
        assert_int_equal(ebb_kube_decode_policy(j, &obj, &bytes, err, sizeof(err)), cases[i].rc);
        if (cases[i].rc == EBB_OK) {
            const struct ebb_kube_policy *kp = obj;
            assert_true(bytes > sizeof(*kp));
            assert_string_equal(kp->policy.metadata.namespace_, "demo");
            if (cases[i].error == NULL) {
                assert_null(kp->error);
                assert_int_equal(kp->policy.spec.max_replicas, 10);
                assert_string_equal(kp->policy.spec.target_ref.name, "web");
            } else {
                assert_non_null(strstr(kp->error, cases[i].error));
            }
        } else {
            assert_null(obj);
            assert_true(err[0] != '\0');
        }
        ebb_kube_policy_free(obj);
        cJSON_Delete(j);
    }
}

/* A stored policy is defaulted and validated once, sits in an arena of
 * exactly its size, and outlives the store while a reconcile holds it. */
static void test_policy_stored_once(void **state)
{
    (void)state;
    const char *valid =
        "{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicy\",\"metadata\":{\"name\":"
        "\"web\",\"namespace\":\"demo\"},\"spec\":{\"targetRef\":{\"apiVersion\":\"apps/v1\","
        "\"kind\":\"Deployment\",\"name\":\"web\"},\"maxReplicas\":10,\"metrics\":[{\"name\":"
        "\"cpu\",\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\"},\"target\":{\"type\":"
        "\"Utilization\",\"averageUtilization\":50}}]}}";
    const char *invalid = "{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicy\","
                          "\"metadata\":{\"name\":\"lo\",\"namespace\":\"demo\"},\"spec\":{"
                          "\"minReplicas\":5,\"maxReplicas\":2}}";
    cJSON *j = cJSON_Parse(valid);
    void *obj = NULL;
    size_t bytes = 0;
    char err[256];
    assert_int_equal(ebb_kube_decode_policy(j, &obj, &bytes, err, sizeof(err)), EBB_OK);
    struct ebb_kube_policy *kp = obj;
    assert_int_equal(kp->refs, 1);
    if (kp->error != NULL)
        fail_msg("%s", kp->error);
    if (kp->invalid.n > 0)
        fail_msg("%s: %s", kp->invalid.items[0].path, kp->invalid.items[0].message);
    assert_int_equal(kp->policy.spec.min_replicas, 1); /* defaulted */
    /* sized: one more byte takes a new block */
    const void *block = kp->policy.arena.head;
    assert_non_null(ebb_arena_alloc(&kp->policy.arena, 1));
    assert_ptr_not_equal(kp->policy.arena.head, block);
    /* held by a reconcile: the store's free leaves it alive (ASan checks) */
    assert_ptr_equal(ebb_kube_policy_hold(kp), kp);
    ebb_kube_policy_free(kp);
    assert_string_equal(kp->policy.metadata.name, "web");
    ebb_kube_policy_free(kp);
    cJSON_Delete(j);

    j = cJSON_Parse(invalid);
    assert_int_equal(ebb_kube_decode_policy(j, &obj, &bytes, err, sizeof(err)), EBB_OK);
    kp = obj;
    assert_null(kp->error);
    assert_true(kp->invalid.n > 0); /* minReplicas above maxReplicas, no targetRef, ... */
    ebb_kube_policy_free(kp);
    cJSON_Delete(j);
}

/* Malformed objects: an error naming the field, nothing allocated. */
static void test_errors(void **state)
{
    (void)state;
    static const struct {
        ebb_kube_decode_fn *fn;
        const char *json;
        const char *msg;
    } cases[] = {
        {ebb_kube_decode_workload, "[]", "not a JSON object"},
        {ebb_kube_decode_workload, "{\"metadata\":{}}", "metadata.name is missing"},
        {ebb_kube_decode_workload, "{\"metadata\":\"x\"}", "metadata: must be an object"},
        {ebb_kube_decode_workload, "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"replicas\":\"2\"}}",
         "spec.replicas: must be an integer, got string"},
        {ebb_kube_decode_workload, "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"replicas\":-1}}",
         "spec.replicas: must be an integer from 0"},
        {ebb_kube_decode_workload,
         "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"selector\":{\"matchExpressions\":[{\"key\":"
         "\"k\",\"operator\":\"Maybe\"}]}}}",
         "spec.selector.matchExpressions[0].operator: must be one of In"},
        {ebb_kube_decode_pod, "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":1}}}",
         "metadata.labels.x: must be a string, got number"},
        {ebb_kube_decode_pod,
         "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"containers\":[{\"resources\":{\"requests\":{"
         "\"cpu\":\"1Kb\"}}}]}}",
         "spec.containers[0].resources.requests.cpu: "},
        {ebb_kube_decode_pod, "{\"metadata\":{\"name\":\"a\"},\"status\":{\"startTime\":\"soon\"}}",
         "status.startTime: must be an RFC 3339 time"},
        {ebb_kube_decode_lease,
         "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"leaseDurationSeconds\":1.5}}",
         "spec.leaseDurationSeconds: must be an integer"},
        {ebb_kube_decode_configmap, "{\"metadata\":{\"name\":\"a\"},\"data\":[]}",
         "data: must be an object, got array"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *j = cJSON_Parse(cases[i].json);
        assert_non_null(j);
        void *obj = (void *)1;
        size_t bytes = 1;
        char err[256];
        assert_int_equal(cases[i].fn(j, &obj, &bytes, err, sizeof(err)), EBB_ERR_PARSE);
        assert_null(obj);
        assert_int_equal(bytes, 0);
        if (strstr(err, cases[i].msg) == NULL)
            fail_msg("case %zu: \"%s\" does not contain \"%s\"", i, err, cases[i].msg);
        cJSON_Delete(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deployment_11_and_statefulset_34),
        cmocka_unit_test(test_pods_of_list_56),
        cmocka_unit_test(test_pod_fields),
        cmocka_unit_test(test_lease_73_and_configmaps_61),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_policy_stored_once),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
