/* kubesim_patch_test.c -- kubesim's patches and managed fields: RFC 7386,
 * strategic merge (fixture 15, directives, element order, sets), RFC 6902
 * (fixtures 18/19, every op, bad pointers), fieldsV1 sets and Update
 * records (fixtures 10, 16) and server-side apply (fixture 20, create,
 * update, conflicts with and without force, pruning). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kubesim/patch_internal.h"
#include "kube_fixture.h"

#define T0 1795346820.0 /* 2026-11-22T11:27:00Z */

static cJSON *J(const char *txt)
{
    cJSON *j = cJSON_Parse(txt);

    if (!j)
        fail_msg("bad test JSON: %s", txt);
    return j;
}

static void assert_json_eq(const cJSON *got, const cJSON *want)
{
    if (!cJSON_Compare(got, want, true)) {
        char *g = got ? cJSON_PrintUnformatted(got) : strdup("(null)");
        char *w = want ? cJSON_PrintUnformatted(want) : strdup("(null)");
        print_error("got:  %s\nwant: %s\n", g, w);
        free(g);
        free(w);
        fail();
    }
}

static void assert_json_str(const cJSON *got, const char *want)
{
    cJSON *w = J(want);

    assert_json_eq(got, w);
    cJSON_Delete(w);
}

/* Exact bytes (key order included). */
static void assert_json_bytes(const cJSON *got, const char *want)
{
    char *g = cJSON_PrintUnformatted(got);

    assert_non_null(g);
    if (strcmp(g, want))
        print_error("got:  %s\nwant: %s\n", g, want);
    assert_string_equal(g, want);
    free(g);
}

static cJSON *fixture_body(int nn)
{
    struct ebbt_kube_exchange x;
    cJSON *j;

    if (!ebbt_kube_load_nn(nn, &x))
        fail_msg("fixture %d: %s", nn, x.err);
    j = cJSON_Parse(x.body);
    ebbt_kube_release(&x);
    assert_non_null(j);
    return j;
}

static cJSON *fixture_req(int nn)
{
    struct ebbt_kube_exchange x;
    cJSON *j;

    if (!ebbt_kube_load_nn(nn, &x))
        fail_msg("fixture %d: %s", nn, x.err);
    j = cJSON_Parse(x.req_body);
    ebbt_kube_release(&x);
    assert_non_null(j);
    return j;
}

static void set_path(cJSON *root, const char *dotted, cJSON *v)
{
    assert_int_equal(ks_json_set_path(root, dotted, v), 0);
}

static void del_path(cJSON *root, const char *parent, const char *key)
{
    cJSON *p = ks_json_path(root, parent);

    assert_non_null(p);
    cJSON_DeleteItemFromObjectCaseSensitive(p, key);
}

/* ------------------------------------------------------------------ */
/* RFC 7386                                                            */

static const char *const rfc7386[][3] = {
    {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
    {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
    {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
    {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
    {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
    {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
    {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
    {"{\"a\":\"foo\"}", "null", "null"},
    {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
    {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
    {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
    {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
};

static void test_merge_patch_rfc7386(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc7386) / sizeof(rfc7386[0]); i++) {
        cJSON *t = J(rfc7386[i][0]), *p = J(rfc7386[i][1]);
        cJSON *got = ks_merge_patch(t, p);
        assert_non_null(got);
        assert_json_str(got, rfc7386[i][2]);
        /* the inputs are untouched */
        assert_json_str(t, rfc7386[i][0]);
        cJSON_Delete(got);
        cJSON_Delete(t);
        cJSON_Delete(p);
    }
    cJSON *p1 = J("{\"a\":1}");
    cJSON *got = ks_merge_patch(NULL, p1);
    assert_json_str(got, "{\"a\":1}");
    cJSON_Delete(got);
    cJSON_Delete(p1);
}

static void test_merge_patch_fixture17_replaces_lists(void **state)
{
    cJSON *before = fixture_body(16), *after = fixture_body(17), *p = fixture_req(17);
    cJSON *got = ks_merge_patch(before, p);

    (void)state;
    /* the body is the stored result, defaults included: compare what the
     * patch itself decides -- the container lost its ports */
    assert_json_str(ks_json_path(got, "spec.template.spec.containers"),
                    "[{\"name\":\"nginx\",\"image\":\"nginx:1.27\"}]");
    assert_null(ks_json_path(
        cJSON_GetArrayItem(ks_json_path(after, "spec.template.spec.containers"), 0), "ports"));
    cJSON_Delete(got);
    cJSON_Delete(before);
    cJSON_Delete(after);
    cJSON_Delete(p);
}

/* ------------------------------------------------------------------ */
/* Strategic merge                                                     */

static void test_smp_fixture15(void **state)
{
    cJSON *want = fixture_body(15), *patch = fixture_req(15);
    cJSON *target = cJSON_Duplicate(want, true);
    char err[256];

    (void)state;
    /* the state before: the old image, no tier label */
    cJSON *c0 = cJSON_GetArrayItem(ks_json_path(target, "spec.template.spec.containers"), 0);
    cJSON_ReplaceItemInObjectCaseSensitive(c0, "image", cJSON_CreateString("nginx:1.25"));
    del_path(target, "metadata.labels", "tier");

    cJSON *got = ks_strategic_merge_patch(target, patch, "Deployment", err, sizeof(err));
    assert_non_null(got);
    char *g = cJSON_PrintUnformatted(got), *w = cJSON_PrintUnformatted(want);
    assert_string_equal(g, w); /* bytes: the container kept its ports, order kept */
    free(g);
    free(w);
    cJSON_Delete(got);
    cJSON_Delete(target);
    cJSON_Delete(want);
    cJSON_Delete(patch);
}

struct smp_case {
    const char *name, *kind, *target, *patch, *want;
};

#define CT(...) "{\"spec\":{\"containers\":[" __VA_ARGS__ "]}}"

static const struct smp_case smp_cases[] = {
    {"merge by name", "Pod", CT("{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\"}"),
     CT("{\"name\":\"b\",\"image\":\"y\"}"),
     CT("{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"y\"}")},
    {"new item goes first (mergeSortedSlice)", "Pod", CT("{\"name\":\"a\"},{\"name\":\"b\"}"),
     CT("{\"name\":\"c\"}"), CT("{\"name\":\"c\"},{\"name\":\"a\"},{\"name\":\"b\"}")},
    {"new item after a patched one", "Pod", CT("{\"name\":\"a\"},{\"name\":\"b\"}"),
     CT("{\"name\":\"b\",\"x\":1},{\"name\":\"c\"}"),
     CT("{\"name\":\"a\"},{\"name\":\"b\",\"x\":1},{\"name\":\"c\"}")},
    {"$patch delete item", "Pod", CT("{\"name\":\"a\"},{\"name\":\"b\"}"),
     CT("{\"name\":\"a\",\"$patch\":\"delete\"}"), CT("{\"name\":\"b\"}")},
    {"$patch replace list", "Pod", CT("{\"name\":\"a\"},{\"name\":\"b\"}"),
     CT("{\"$patch\":\"replace\"},{\"name\":\"z\"}"), CT("{\"name\":\"z\"}")},
    {"$patch replace map", "Pod", "{\"spec\":{\"m\":{\"a\":1,\"b\":2}}}",
     "{\"spec\":{\"m\":{\"$patch\":\"replace\",\"c\":3}}}", "{\"spec\":{\"m\":{\"c\":3}}}"},
    {"$patch delete map", "Pod", "{\"spec\":{\"m\":{\"a\":1}}}",
     "{\"spec\":{\"m\":{\"$patch\":\"delete\"}}}", "{\"spec\":{\"m\":{}}}"},
    {"null deletes", "Pod", "{\"spec\":{\"a\":1,\"b\":2}}", "{\"spec\":{\"a\":null,\"c\":null}}",
     "{\"spec\":{\"b\":2}}"},
    {"directives never stored in new values", "Pod", "{\"spec\":{}}",
     "{\"spec\":{\"m\":{\"$patch\":\"replace\",\"a\":1,\"n\":null},\"containers\":[{\"name\":\"a\","
     "\"$patch\":\"delete\"},{\"name\":\"b\"}]}}",
     "{\"spec\":{\"m\":{\"a\":1},\"containers\":[{\"name\":\"b\"}]}}"},
    {"setElementOrder", "Pod", CT("{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}"),
     "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"},{\"name\":\"a\"},{\"name\":"
     "\"b\"}],\"containers\":[{\"name\":\"a\",\"image\":\"i\"}]}}",
     CT("{\"name\":\"c\"},{\"name\":\"a\",\"image\":\"i\"},{\"name\":\"b\"}")},
    {"setElementOrder with a deletion", "Pod",
     CT("{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}"),
     "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"},{\"name\":\"a\"}],"
     "\"containers\":[{\"name\":\"b\",\"$patch\":\"delete\"}]}}",
     CT("{\"name\":\"c\"},{\"name\":\"a\"}")},
    {"finalizers merge as a set", "Pod", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
     "{\"metadata\":{\"finalizers\":[\"b\",\"c\"]}}",
     "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\"]}}"},
    {"$deleteFromPrimitiveList", "Pod", "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\"]}}",
     "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"b\"]}}",
     "{\"metadata\":{\"finalizers\":[\"a\",\"c\"]}}"},
    {"$retainKeys", "Deployment",
     "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}}}}",
     "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":\"Recreate\"}}}",
     "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}"},
    {"other lists replace", "Pod", "{\"spec\":{\"tolerations\":[{\"key\":\"a\"}]}}",
     "{\"spec\":{\"tolerations\":[{\"key\":\"b\"}]}}",
     "{\"spec\":{\"tolerations\":[{\"key\":\"b\"}]}}"},
    {"container ports by containerPort", "Pod",
     CT("{\"name\":\"a\",\"ports\":[{\"containerPort\":80},{\"containerPort\":81}]}"),
     CT("{\"name\":\"a\",\"ports\":[{\"containerPort\":81,\"name\":\"m\"}]}"),
     CT("{\"name\":\"a\",\"ports\":[{\"containerPort\":80},{\"containerPort\":81,\"name\":\"m\"}]"
        "}")},
    {"service ports by port", "Service",
     "{\"spec\":{\"ports\":[{\"port\":80,\"name\":\"a\"},{\"port\":443}]}}",
     "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080}]}}",
     "{\"spec\":{\"ports\":[{\"port\":80,\"name\":\"a\",\"targetPort\":8080},{\"port\":443}]}}"},
    {"env by name", "Deployment",
     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"env\":[{\"name\":\"X\","
     "\"value\":\"1\"}]}]}}}}",
     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"env\":[{\"name\":\"X\","
     "\"value\":\"2\"}]}]}}}}",
     "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"env\":[{\"name\":\"X\","
     "\"value\":\"2\"}]}]}}}}"},
    {"conditions by type", "Deployment",
     "{\"status\":{\"conditions\":[{\"type\":\"A\",\"status\":\"False\"},{\"type\":\"B\"}]}}",
     "{\"status\":{\"conditions\":[{\"type\":\"A\",\"status\":\"True\"}]}}",
     "{\"status\":{\"conditions\":[{\"type\":\"A\",\"status\":\"True\"},{\"type\":\"B\"}]}}"},
    {"type change replaces", "Pod", "{\"spec\":{\"a\":{\"b\":1}}}", "{\"spec\":{\"a\":[1]}}",
     "{\"spec\":{\"a\":[1]}}"},
};

static void test_smp_table(void **state)
{
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(smp_cases) / sizeof(smp_cases[0]); i++) {
        cJSON *t = J(smp_cases[i].target), *p = J(smp_cases[i].patch);
        cJSON *got = ks_strategic_merge_patch(t, p, smp_cases[i].kind, err, sizeof(err));
        if (!got)
            fail_msg("%s: %s", smp_cases[i].name, err);
        cJSON *w = J(smp_cases[i].want);
        if (!cJSON_Compare(got, w, true)) {
            char *g = cJSON_PrintUnformatted(got);
            fail_msg("%s: got %s want %s", smp_cases[i].name, g, smp_cases[i].want);
        }
        cJSON_Delete(w);
        cJSON_Delete(got);
        cJSON_Delete(t);
        cJSON_Delete(p);
    }
}

static const struct {
    const char *target, *patch, *msg;
} smp_errors[] = {
    {"{}", "[1]", "json: cannot unmarshal array into Go value of type map[string]interface {}"},
    {"{}", "\"x\"", "json: cannot unmarshal string into Go value of type map[string]interface {}"},
    {"{\"spec\":{\"m\":{}}}", "{\"spec\":{\"m\":{\"$patch\":\"bogus\"}}}",
     "unknown patch type: bogus"},
    {CT("{\"name\":\"a\"}"), CT("{\"image\":\"x\"}"), "does not contain declared merge key: name"},
    {CT("{\"name\":\"a\"}"), CT("{\"$patch\":\"merge\"}"),
     "merging lists cannot yet be specified in the patch"},
    {"{\"spec\":{\"a\":1}}", "{\"spec\":{\"$retainKeys\":[\"b\"],\"a\":2}}",
     "invalid patch format of retainKeys"},
    {"{\"spec\":{}}", "{\"spec\":{\"$setElementOrder/containers\":{}}}",
     "invalid patch format of setElementOrder list"},
    {CT("{\"name\":\"a\"}"), CT("{\"name\":\"a\"},1"), "list element types are not identical"},
};

static void test_smp_errors(void **state)
{
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(smp_errors) / sizeof(smp_errors[0]); i++) {
        cJSON *t = J(smp_errors[i].target), *p = J(smp_errors[i].patch);
        cJSON *got = ks_strategic_merge_patch(t, p, "Pod", err, sizeof(err));
        if (got)
            fail_msg("case %zu: expected an error", i);
        if (!strstr(err, smp_errors[i].msg))
            fail_msg("case %zu: message %s", i, err);
        cJSON_Delete(t);
        cJSON_Delete(p);
    }
}

/* ------------------------------------------------------------------ */
/* JSON patch                                                          */

static void test_json_patch_fixtures_18_19(void **state)
{
    cJSON *doc = fixture_body(16), *ops = fixture_req(18);
    char err[256], detail[256];

    (void)state;
    assert_int_equal(ks_json_patch(&doc, ops, err, sizeof(err)), 0);
    assert_int_equal(ks_json_path(doc, "spec.replicas")->valueint, 2);
    /* fixture 19: the same ops again, the test op fails */
    cJSON *before = cJSON_Duplicate(doc, true);
    assert_int_equal(ks_json_patch_detail(&doc, ops, err, sizeof(err), detail, sizeof(detail)),
                     KS_EINVALID);
    assert_string_equal(err, "the server rejected our request due to an error in our request");
    assert_string_equal(detail, "testing value /spec/replicas failed: test failed");
    assert_json_eq(doc, before); /* untouched */
    cJSON_Delete(before);
    cJSON_Delete(doc);
    cJSON_Delete(ops);
}

struct jp_case {
    const char *doc, *ops, *want; /* want NULL: an error */
    int rc;
    const char *detail;
};

static const struct jp_case jp_cases[] = {
    {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\",\"value\":2}]", "{\"a\":1,\"b\":2}", 0, NULL},
    {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":2}]", "{\"a\":2}", 0, NULL},
    {"{\"a\":[1,3]}", "[{\"op\":\"add\",\"path\":\"/a/1\",\"value\":2}]", "{\"a\":[1,2,3]}", 0,
     NULL},
    {"{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/-\",\"value\":2}]", "{\"a\":[1,2]}", 0, NULL},
    {"{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/1\",\"value\":2}]", "{\"a\":[1,2]}", 0, NULL},
    {"{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/3\",\"value\":2}]", NULL, KS_EINVALID,
     "error in add for path: '/a/3': Unable to access invalid index: 3: invalid index referenced"},
    {"{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/x\",\"value\":2}]", NULL, KS_EINVALID,
     "error in add for path: '/a/x': value was not a proper array index: 'x'"},
    {"{}", "[{\"op\":\"add\",\"path\":\"/spec/foo\",\"value\":1}]", NULL, KS_EINVALID,
     "add operation does not apply: doc is missing path: \"/spec/foo\": missing value"},
    {"{\"a\":1,\"b\":2}", "[{\"op\":\"remove\",\"path\":\"/a\"}]", "{\"b\":2}", 0, NULL},
    {"{\"a\":[1,2,3]}", "[{\"op\":\"remove\",\"path\":\"/a/1\"}]", "{\"a\":[1,3]}", 0, NULL},
    {"{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", NULL, KS_EINVALID,
     "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value"},
    {"{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":[]}]", "{\"a\":[]}", 0, NULL},
    {"{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":1}]", NULL, KS_EINVALID,
     "replace operation does not apply: doc is missing key: /b: missing value"},
    {"{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":[1]}]", "[1]", 0, NULL},
    {"{\"a\":{\"x\":1},\"b\":{}}", "[{\"op\":\"move\",\"from\":\"/a/x\",\"path\":\"/b/y\"}]",
     "{\"a\":{},\"b\":{\"y\":1}}", 0, NULL},
    {"{\"a\":{\"x\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/x/y\"}]", NULL,
     KS_EINVALID, NULL},
    {"{\"a\":[1,2]}", "[{\"op\":\"move\",\"from\":\"/a/0\",\"path\":\"/a/-\"}]", "{\"a\":[2,1]}", 0,
     NULL},
    {"{\"a\":{\"x\":1}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"}]",
     "{\"a\":{\"x\":1},\"b\":{\"x\":1}}", 0, NULL},
    {"{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/z\",\"path\":\"/b\"}]", NULL, KS_EINVALID,
     "copy operation does not apply: doc is missing from path: /z: missing value"},
    {"{\"a/b\":{\"m~n\":1}}", "[{\"op\":\"test\",\"path\":\"/a~1b/m~0n\",\"value\":1}]",
     "{\"a/b\":{\"m~n\":1}}", 0, NULL},
    {"{\"a\":{\"b\":[1,{\"c\":true}]}}",
     "[{\"op\":\"test\",\"path\":\"/a\",\"value\":{\"b\":[1,{\"c\":true}]}}]",
     "{\"a\":{\"b\":[1,{\"c\":true}]}}", 0, NULL},
    {"{\"a\":\"1\"}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1}]", NULL, KS_EINVALID,
     "testing value /a failed: test failed"},
    {"{\"a\":1}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", NULL, KS_EINVALID,
     "Unexpected kind: frob"},
    {"{\"a\":1}", "[{\"path\":\"/a\"}]", NULL, KS_EINVALID, "Unexpected kind: unknown"},
    {"{\"a\":1}", "[null]", NULL, KS_EINVALID, "Unexpected kind: unknown"},
    {"{\"a\":1}", "[{\"op\":\"add\",\"value\":1}]", NULL, KS_EINVALID,
     "add operation failed to decode path"},
    {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", NULL, KS_EINVALID, NULL},
    {"{\"a\":1}",
     "[{\"op\":\"add\",\"path\":\"/b\",\"value\":1},{\"op\":\"remove\",\"path\":"
     "\"/zz\"}]",
     NULL, KS_EINVALID, NULL},
    {"{\"a\":1}", "[]", "{\"a\":1}", 0, NULL},
    {"{\"a\":1}", "null", "{\"a\":1}", 0, NULL},
};

static void test_json_patch_ops(void **state)
{
    char err[256], detail[256];

    (void)state;
    for (size_t i = 0; i < sizeof(jp_cases) / sizeof(jp_cases[0]); i++) {
        cJSON *doc = J(jp_cases[i].doc), *ops = J(jp_cases[i].ops);
        int rc = ks_json_patch_detail(&doc, ops, err, sizeof(err), detail, sizeof(detail));
        if (rc != jp_cases[i].rc)
            fail_msg("case %zu: rc %d (%s)", i, rc, detail);
        if (jp_cases[i].want) {
            assert_json_str(doc, jp_cases[i].want);
        } else {
            assert_json_str(doc, jp_cases[i].doc);
            assert_string_equal(err, "the server rejected our request due to an error in our "
                                     "request");
            if (jp_cases[i].detail && strcmp(detail, jp_cases[i].detail))
                fail_msg("case %zu: detail %s", i, detail);
        }
        cJSON_Delete(doc);
        cJSON_Delete(ops);
    }
}

static void test_json_patch_bad_documents(void **state)
{
    static const char *const docs[][2] = {
        {"{\"op\":\"add\"}", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"},
        {"\"x\"", "json: cannot unmarshal string into Go value of type jsonpatch.Patch"},
        {"3", "json: cannot unmarshal number into Go value of type jsonpatch.Patch"},
        {"[1]", "json: cannot unmarshal number into Go value of type jsonpatch.Operation"},
    };
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        cJSON *doc = J("{}"), *ops = J(docs[i][0]);
        assert_int_equal(ks_json_patch(&doc, ops, err, sizeof(err)), KS_EBADREQ);
        assert_string_equal(err, docs[i][1]);
        cJSON_Delete(doc);
        cJSON_Delete(ops);
    }
}

/* ------------------------------------------------------------------ */
/* Field sets                                                          */

static void test_fieldset_roundtrip_and_ops(void **state)
{
    const char *txt = "{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{\"f:"
                      "ports\":{\"k:{\\\"port\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},"
                      "\"f:port\":{}}},\"f:finalizers\":{\"v:\\\"a\\\"\":{}}}}";
    cJSON *j = J(txt);
    char err[128];
    ks_fs *s = ks_fs_parse(j, err, sizeof(err));

    (void)state;
    assert_non_null(s);
    cJSON *back = ks_fs_to_json(s);
    assert_json_eq(back, j);
    cJSON_Delete(back);

    /* keys written with unsorted fields normalize to the same node */
    cJSON *k2 = J("{\"f:spec\":{\"f:ports\":{\"k:{\\\"protocol\\\":\\\"TCP\\\",\\\"port\\\":80}\":{"
                  "\"f:name\":{}}}}}");
    ks_fs *t = ks_fs_parse(k2, err, sizeof(err));
    assert_non_null(t);
    ks_fs *i = ks_fs_intersect(s, t);
    assert_true(ks_fs_empty(i)); /* f:name is not in s */
    ks_fs_free(i);
    assert_int_equal(ks_fs_union(s, t), 0);
    cJSON *u = ks_fs_to_json(s);
    assert_non_null(ks_json_path(u, "f:spec"));
    cJSON_Delete(u);
    ks_fs_subtract(s, t);
    back = ks_fs_to_json(s);
    assert_json_eq(back, j);
    cJSON_Delete(back);

    /* bad input */
    cJSON *bad = J("{\"x:y\":{}}");
    assert_null(ks_fs_parse(bad, err, sizeof(err)));
    cJSON_Delete(bad);
    bad = J("[1]");
    assert_null(ks_fs_parse(bad, err, sizeof(err)));
    cJSON_Delete(bad);

    ks_fs_free(s);
    ks_fs_free(t);
    cJSON_Delete(k2);
    cJSON_Delete(j);
}

static int collect(void *ud, const char *path)
{
    char *buf = ud;
    strcat(buf, path);
    strcat(buf, " ");
    return 0;
}

static void test_fieldset_member_paths(void **state)
{
    cJSON *j = J("{\"f:spec\":{\"f:replicas\":{},\"f:containers\":{\"k:{\\\"name\\\":\\\"nginx\\\"}"
                 "\":{\".\":{},\"f:image\":{}}},\"f:finalizers\":{\"v:\\\"x\\\"\":{}}}}");
    ks_fs *s = ks_fs_parse(j, NULL, 0);
    char buf[512] = "";

    (void)state;
    assert_non_null(s);
    assert_int_equal(ks_fs_each_member(s, collect, buf), 0);
    assert_string_equal(buf, ".spec.containers[name=\"nginx\"] "
                             ".spec.containers[name=\"nginx\"].image .spec.finalizers[=\"x\"] "
                             ".spec.replicas ");
    ks_fs_free(s);
    cJSON_Delete(j);
}

/* metadata.managedFields of a fixture body (detached) */
static cJSON *take_mf(cJSON *obj)
{
    return cJSON_DetachItemFromObjectCaseSensitive(ks_json_path(obj, "metadata"), "managedFields");
}

static void test_managed_fields_create_fixture10(void **state)
{
    cJSON *obj = fixture_body(10);
    cJSON *want = take_mf(obj);

    (void)state;
    ks_managed_fields_update(obj, NULL, "demo-operator", "apps/v1", NULL, T0);
    char *w = cJSON_PrintUnformatted(want);
    assert_json_bytes(ks_json_path(obj, "metadata.managedFields"), w);
    free(w);
    cJSON_Delete(obj);
    cJSON_Delete(want);
}

static void test_managed_fields_update_fixture16(void **state)
{
    cJSON *f15 = fixture_body(15), *obj = fixture_body(16);
    cJSON *want = take_mf(obj);
    cJSON *mf15 = take_mf(f15);

    (void)state;
    /* old: fixture 16's object before the patch (the controller's
     * changes in between included), with fixture 15's managedFields */
    cJSON *old = cJSON_Duplicate(obj, true);
    del_path(old, "metadata.annotations", "example.dev/managed-by");
    cJSON_ReplaceItemInObjectCaseSensitive(ks_json_path(old, "spec"), "replicas",
                                           cJSON_CreateNumber(2));
    del_path(old, "spec.template.metadata", "annotations");
    set_path(old, "metadata.managedFields", cJSON_Duplicate(mf15, true));
    /* the client sends the object with the managedFields it read */
    set_path(obj, "metadata.managedFields", mf15);

    ks_managed_fields_update(obj, old, "demo-operator", "apps/v1", NULL, T0 + 2);
    char *w = cJSON_PrintUnformatted(want);
    assert_json_bytes(ks_json_path(obj, "metadata.managedFields"), w);
    free(w);
    cJSON_Delete(old);
    cJSON_Delete(obj);
    cJSON_Delete(f15);
    cJSON_Delete(want);
}

static void test_managed_fields_update_rules(void **state)
{
    cJSON *old = J("{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\"}}");
    cJSON *obj;

    (void)state;
    /* create: data is new -> "." */
    ks_managed_fields_update(old, NULL, "one", "v1", NULL, T0);
    assert_json_str(ks_json_path(old, "metadata.managedFields"),
                    "[{\"manager\":\"one\",\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":"
                    "\"2026-11-22T11:27:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:data\":"
                    "{\".\":{},\"f:a\":{}}}}]");
    /* two takes a and adds b; one keeps the map itself */
    obj = cJSON_Duplicate(old, true);
    cJSON_ReplaceItemInObjectCaseSensitive(ks_json_path(obj, "data"), "a", cJSON_CreateString("2"));
    cJSON_AddStringToObject(ks_json_path(obj, "data"), "b", "3");
    ks_managed_fields_update(obj, old, "two", "v1", NULL, T0 + 60);
    assert_json_str(
        ks_json_path(obj, "metadata.managedFields"),
        "[{\"manager\":\"one\",\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":"
        "\"2026-11-22T11:27:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:data\":"
        "{}}},{\"manager\":\"two\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
        "\"time\":\"2026-11-22T11:28:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:"
        "data\":{\"f:a\":{},\"f:b\":{}}}}]");
    /* a no-op update changes nothing, not even a time */
    cJSON *again = cJSON_Duplicate(obj, true);
    ks_managed_fields_update(again, obj, "two", "v1", NULL, T0 + 120);
    assert_json_eq(again, obj);
    cJSON_Delete(again);
    /* removing data drops it from every set: both entries go */
    cJSON *gone = cJSON_Duplicate(obj, true);
    cJSON_DeleteItemFromObjectCaseSensitive(gone, "data");
    ks_managed_fields_update(gone, obj, "three", "v1", NULL, T0 + 180);
    assert_null(ks_json_path(gone, "metadata.managedFields"));
    cJSON_Delete(gone);
    /* [{}] resets */
    cJSON *reset = cJSON_Duplicate(obj, true);
    set_path(reset, "metadata.managedFields", J("[{}]"));
    ks_managed_fields_update(reset, obj, "two", "v1", NULL, T0 + 240);
    assert_null(ks_json_path(reset, "metadata.managedFields"));
    cJSON_Delete(reset);
    /* subresource entries are their own */
    cJSON *st = cJSON_Duplicate(obj, true);
    set_path(st, "status", J("{\"phase\":\"x\"}"));
    ks_managed_fields_update(st, obj, "two", "v1", "status", T0 + 300);
    cJSON *mf = ks_json_path(st, "metadata.managedFields");
    assert_int_equal(cJSON_GetArraySize(mf), 3);
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(mf, 2), "subresource"), "status");
    assert_json_str(ks_json_path(cJSON_GetArrayItem(mf, 2), "fieldsV1"),
                    "{\"f:status\":{\".\":{},\"f:phase\":{}}}");
    cJSON_Delete(st);
    cJSON_Delete(obj);
    cJSON_Delete(old);
}

/* fixture nn's managedFields, compared byte for byte after recomputing
 * them for a create (no old object) */
static void check_create_mf(int nn, const ks_rtype *rt, const char *av, double now, bool bytes)
{
    cJSON *obj = fixture_body(nn);
    cJSON *want = take_mf(obj);

    assert_non_null(want);
    ks_managed_fields_update_rt(obj, NULL, rt, "demo-operator", av, NULL, now);
    if (bytes) {
        char *w = cJSON_PrintUnformatted(want);
        assert_json_bytes(ks_json_path(obj, "metadata.managedFields"), w);
        free(w);
    } else {
        assert_json_eq(ks_json_path(obj, "metadata.managedFields"), want);
    }
    cJSON_Delete(obj);
    cJSON_Delete(want);
}

/* D10: Events (90, 91): involvedObject/regarding are atomic; the zero
 * values defaulting adds (eventTime null, reportingComponent "",
 * deprecatedSource {}, deprecated*Timestamp null) are not claimed; source
 * is a struct (no "."). */
static void test_managed_fields_events_fixtures_90_91(void **state)
{
    (void)state;
    check_create_mf(90, NULL, "v1", T0 + 39, true);
    check_create_mf(91, NULL, "events.k8s.io/v1", T0 + 43, true);
    /* the rule is the zero value, not the kind: a set reportingComponent
     * and a non-empty deprecatedSource are claimed */
    cJSON *ev = fixture_body(91);
    cJSON_Delete(take_mf(ev));
    set_path(ev, "deprecatedSource", J("{\"component\":\"x\"}"));
    set_path(ev, "reportingInstance", cJSON_CreateString(""));
    ks_managed_fields_update(ev, NULL, "m", "events.k8s.io/v1", NULL, T0);
    cJSON *fv =
        ks_json_path(cJSON_GetArrayItem(ks_json_path(ev, "metadata.managedFields"), 0), "fieldsV1");
    assert_json_str(ks_json_path(fv, "f:deprecatedSource"), "{\"f:component\":{}}");
    assert_null(ks_json_path(fv, "f:reportingInstance"));
    assert_null(ks_json_path(fv, "f:deprecatedFirstTimestamp"));
    assert_json_str(ks_json_path(fv, "f:regarding"), "{}");
    cJSON_Delete(ev);
}

/* D8: a CRD's spec.names is a struct: no "." (40) */
static void test_managed_fields_crd_fixture40(void **state)
{
    (void)state;
    check_create_mf(40, NULL, "apiextensions.k8s.io/v1", T0 - 3, true);
}

/* The Widget type of fixture 40's CRD, its schema from the request. */
struct widget_rt {
    ks_rtype rt;
    cJSON *crd;
};

static void widget_rt(struct widget_rt *w)
{
    memset(w, 0, sizeof(*w));
    w->crd = fixture_req(40);
    cJSON *v0 = cJSON_GetArrayItem(ks_json_path(w->crd, "spec.versions"), 0);
    w->rt.schema = ks_json_path(v0, "schema.openAPIV3Schema");
    assert_non_null(w->rt.schema);
    w->rt.origin = KS_RT_CUSTOM;
    snprintf(w->rt.kind, sizeof(w->rt.kind), "Widget");
}

static cJSON *list_item(cJSON *list, const char *name)
{
    cJSON *it;

    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        const char *n = ks_json_str(it, "metadata.name");
        if (n && !strcmp(n, name))
            return it;
    }
    fail_msg("no item %s", name);
    return NULL;
}

/* D9 and D7: custom resources. spec is new on create ("." 42); status
 * conditions without x-kubernetes-list-type are atomic (44); a /scale
 * update leaves no entry, only takes spec.replicas from the others
 * (48 -> 59). */
static void test_managed_fields_cr_fixtures_42_44_48_59(void **state)
{
    struct widget_rt w;

    (void)state;
    widget_rt(&w);
    check_create_mf(42, &w.rt, "example.dev/v1", T0 + 40, false);

    /* 44: PUT /status on 43's object */
    cJSON *f43 = fixture_body(43), *obj = fixture_body(44);
    cJSON *want = take_mf(obj);
    cJSON *mf43 = take_mf(f43);
    set_path(f43, "metadata.managedFields", cJSON_Duplicate(mf43, true));
    set_path(obj, "metadata.managedFields", mf43);
    ks_managed_fields_update_rt(obj, f43, &w.rt, "demo-operator", "example.dev/v1", "status",
                                T0 + 40);
    assert_json_eq(ks_json_path(obj, "metadata.managedFields"), want);
    assert_json_str(ks_json_path(cJSON_GetArrayItem(want, 1), "fieldsV1"),
                    "{\"f:status\":{\".\":{},\"f:conditions\":{},\"f:observedGeneration\":{},"
                    "\"f:phase\":{},\"f:replicas\":{},\"f:selector\":{}}}");
    cJSON_Delete(want);
    cJSON_Delete(f43);
    cJSON_Delete(obj);

    /* 48: PATCH /scale {"spec":{"replicas":3}} on 45's object */
    cJSON *f45 = fixture_body(45), *f59 = fixture_body(59);
    cJSON *sc = cJSON_Duplicate(f45, true);
    cJSON_ReplaceItemInObjectCaseSensitive(ks_json_path(sc, "spec"), "replicas",
                                           cJSON_CreateNumber(3));
    ks_managed_fields_update_rt(sc, f45, &w.rt, "demo-operator", "example.dev/v1", "scale",
                                T0 + 42);
    want = ks_json_path(list_item(f59, "widget-a"), "metadata.managedFields");
    assert_int_equal(cJSON_GetArraySize(want), 2);
    assert_json_eq(ks_json_path(sc, "metadata.managedFields"), want);
    cJSON_Delete(sc);
    cJSON_Delete(f45);
    cJSON_Delete(f59);
    cJSON_Delete(w.crd);
}

/* D7: the scale handler's entries of built-in kinds carry no time (15) */
static void test_managed_fields_scale_builtin_fixture15(void **state)
{
    cJSON *f11 = fixture_body(11), *f15 = fixture_body(15);
    cJSON *obj = cJSON_Duplicate(f11, true);

    (void)state;
    cJSON_ReplaceItemInObjectCaseSensitive(ks_json_path(obj, "spec"), "replicas",
                                           cJSON_CreateNumber(3));
    ks_managed_fields_update(obj, f11, "demo-operator", "apps/v1", "scale", T0 + 1);
    cJSON *mf = ks_json_path(obj, "metadata.managedFields");
    assert_int_equal(cJSON_GetArraySize(mf), 3);
    char *w =
        cJSON_PrintUnformatted(cJSON_GetArrayItem(ks_json_path(f15, "metadata.managedFields"), 0));
    assert_json_bytes(cJSON_GetArrayItem(mf, 0), w);
    free(w);
    assert_null(ks_json_path(cJSON_GetArrayItem(mf, 1), "fieldsV1.f:spec.f:replicas"));
    assert_non_null(ks_json_path(cJSON_GetArrayItem(mf, 1), "time"));
    /* a second scale write keeps the entry time-less */
    cJSON *again = cJSON_Duplicate(obj, true);
    cJSON_ReplaceItemInObjectCaseSensitive(ks_json_path(again, "spec"), "replicas",
                                           cJSON_CreateNumber(2));
    ks_managed_fields_update(again, obj, "demo-operator", "apps/v1", "scale", T0 + 9);
    assert_json_eq(ks_json_path(again, "metadata.managedFields"), mf);
    cJSON_Delete(again);
    cJSON_Delete(obj);
    cJSON_Delete(f11);
    cJSON_Delete(f15);
}

/* Custom resources: list and map types from the schema, metadata keeps
 * ObjectMeta's; built-in names mean nothing there. */
static void test_managed_fields_cr_schema_types(void **state)
{
    static const struct {
        const char *field, *value, *want;
    } cases[] = {
        {"plain", "[{\"name\":\"a\"}]", "{}"},
        {"keyed", "[{\"name\":\"a\",\"port\":1}]",
         "{\".\":{},\"k:{\\\"name\\\":\\\"a\\\",\\\"port\\\":1}\":{\".\":{},\"f:name\":{},"
         "\"f:port\":{}}}"},
        {"tags", "[\"x\",\"y\"]", "{\".\":{},\"v:\\\"x\\\"\":{},\"v:\\\"y\\\"\":{}}"},
        {"atomicList", "[\"x\"]", "{}"},
        {"sel", "{\"a\":\"b\"}", "{}"},
        {"labels", "{\"a\":\"b\"}", "{\".\":{},\"f:a\":{}}"},
        {"containers", "[{\"name\":\"a\"}]", "{}"},
        {"selector", "{\"a\":\"b\"}", "{\".\":{},\"f:a\":{}}"},
        {"deep", "{\"m\":{\"k1\":[{\"id\":\"q\"}]}}",
         "{\".\":{},\"f:m\":{\".\":{},\"f:k1\":{\".\":{},\"k:{\\\"id\\\":\\\"q\\\"}\":{\".\":{},"
         "\"f:id\":{}}}}}"},
        {"unknown", "[1]", "{}"},
    };
    cJSON *schema =
        J("{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\",\"properties\":{"
          "\"plain\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
          "\"keyed\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"map\","
          "\"x-kubernetes-list-map-keys\":[\"port\",\"name\"],\"items\":{\"type\":\"object\"}},"
          "\"tags\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"set\"},"
          "\"atomicList\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"atomic\"},"
          "\"sel\":{\"type\":\"object\",\"x-kubernetes-map-type\":\"atomic\"},"
          "\"labels\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}},"
          "\"containers\":{\"type\":\"array\"},"
          "\"selector\":{\"type\":\"object\"},"
          "\"deep\":{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"object\","
          "\"additionalProperties\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"map\","
          "\"x-kubernetes-list-map-keys\":[\"id\"]}}}}}}}}");
    ks_rtype rt;

    (void)state;
    memset(&rt, 0, sizeof(rt));
    rt.origin = KS_RT_CUSTOM;
    rt.schema = schema;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *obj = J("{\"kind\":\"Thing\",\"metadata\":{\"name\":\"t\",\"finalizers\":[\"f\"]},"
                       "\"spec\":{}}");
        set_path(obj, "spec", J("{}"));
        cJSON_AddItemToObject(ks_json_path(obj, "spec"), cases[i].field, J(cases[i].value));
        ks_managed_fields_update_rt(obj, NULL, &rt, "m", "x/v1", NULL, T0);
        cJSON *fv = ks_json_path(cJSON_GetArrayItem(ks_json_path(obj, "metadata.managedFields"), 0),
                                 "fieldsV1");
        char key[64];
        snprintf(key, sizeof(key), "f:%s", cases[i].field);
        print_message("case %s\n", cases[i].field);
        assert_json_str(cJSON_GetObjectItemCaseSensitive(ks_json_path(fv, "f:spec"), key),
                        cases[i].want);
        /* spec is new: "." */
        assert_non_null(cJSON_GetObjectItemCaseSensitive(ks_json_path(fv, "f:spec"), "."));
        assert_json_str(ks_json_path(fv, "f:metadata"),
                        "{\"f:finalizers\":{\".\":{},\"v:\\\"f\\\"\":{}}}");
        cJSON_Delete(obj);
    }
    /* no schema: lists atomic, maps granular */
    rt.schema = NULL;
    cJSON *obj = J("{\"kind\":\"Thing\",\"metadata\":{\"name\":\"t\"},\"spec\":{\"l\":[{\"name\":"
                   "\"a\"}],\"m\":{\"a\":1}}}");
    ks_managed_fields_update_rt(obj, NULL, &rt, "m", "x/v1", NULL, T0);
    assert_json_str(ks_json_path(cJSON_GetArrayItem(ks_json_path(obj, "metadata.managedFields"), 0),
                                 "fieldsV1"),
                    "{\"f:spec\":{\".\":{},\"f:l\":{},\"f:m\":{\".\":{},\"f:a\":{}}}}");
    cJSON_Delete(obj);
    cJSON_Delete(schema);
}

/* ------------------------------------------------------------------ */
/* Server-side apply                                                   */

static void test_apply_fixture20(void **state)
{
    cJSON *want = fixture_body(20), *f18 = fixture_body(18);
    cJSON *applied =
        J("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
          "\"web\",\"namespace\":\"demo\",\"labels\":{\"app\":\"web\"}},\"spec\":{"
          "\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":"
          "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{"
          "\"name\":\"nginx\",\"image\":\"nginx:1.26\"}]}}}}");
    struct ks_causes causes = {0};
    int rc = -99;

    (void)state;
    /* live: fixture 20's object with the managedFields of before (18) */
    cJSON *live = cJSON_Duplicate(want, true);
    cJSON *mf18 = take_mf(f18);
    cJSON_Delete(take_mf(live));
    set_path(live, "metadata.managedFields", mf18);

    cJSON *got = ks_apply(live, applied, "demo-operator", true, "apps/v1", T0 + 2, &rc, &causes);
    assert_int_equal(rc, 0);
    assert_non_null(got);
    char *w = cJSON_PrintUnformatted(want);
    assert_json_bytes(got, w);
    free(w);
    assert_int_equal(causes.n, 0);
    cJSON_Delete(got);
    cJSON_Delete(live);
    cJSON_Delete(applied);
    cJSON_Delete(want);
    cJSON_Delete(f18);
}

static const char *const CM =
    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
    "\"c\",\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"data\":{\"k\":\"v\"}}";

static void test_apply_create_and_update(void **state)
{
    cJSON *cfg = J(CM);
    int rc;

    (void)state;
    cJSON *created = ks_apply(NULL, cfg, "app", false, "v1", T0, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_non_null(created);
    assert_json_str(ks_json_path(created, "metadata.managedFields"),
                    "[{\"manager\":\"app\",\"operation\":\"Apply\",\"apiVersion\":\"v1\",\"time\":"
                    "\"2026-11-22T11:27:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:data\":"
                    "{\"f:k\":{}},\"f:metadata\":{\"f:labels\":{\"f:a\":{},\"f:b\":{}}}}}]");
    assert_string_equal(ks_json_str(created, "data.k"), "v");

    /* update: a new value, a new key, one label dropped */
    cJSON *cfg2 = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
                    "\"labels\":{\"a\":\"1\"}},\"data\":{\"k\":\"w\",\"n\":\"x\"}}");
    cJSON *upd = ks_apply(created, cfg2, "app", false, "v1", T0 + 5, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_json_str(ks_json_path(upd, "data"), "{\"k\":\"w\",\"n\":\"x\"}");
    assert_json_str(ks_json_path(upd, "metadata.labels"), "{\"a\":\"1\"}"); /* b pruned */
    assert_string_equal(
        ks_json_str(cJSON_GetArrayItem(ks_json_path(upd, "metadata.managedFields"), 0), "time"),
        "2026-11-22T11:27:05Z");

    /* the same apply again: nothing changes, the time stays */
    cJSON *same = ks_apply(upd, cfg2, "app", false, "v1", T0 + 9, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_json_eq(same, upd);
    cJSON_Delete(same);
    cJSON_Delete(upd);
    cJSON_Delete(cfg2);
    cJSON_Delete(created);
    cJSON_Delete(cfg);
}

static void test_apply_prune_keeps_fields_others_own(void **state)
{
    cJSON *cfg = J(CM);
    int rc;

    (void)state;
    cJSON *live = ks_apply(NULL, cfg, "app", false, "v1", T0, &rc, NULL);
    /* another manager writes label b (same value: it now co-owns it) */
    cJSON *obj = cJSON_Duplicate(live, true);
    cJSON_ReplaceItemInObjectCaseSensitive(ks_json_path(obj, "metadata.labels"), "b",
                                           cJSON_CreateString("3"));
    ks_managed_fields_update(obj, live, "kubectl-edit", "v1", NULL, T0 + 1);
    /* the applier drops b: kubectl-edit owns it, it stays */
    cJSON *cfg2 = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
                    "\"labels\":{\"a\":\"1\"}},\"data\":{\"k\":\"v\"}}");
    cJSON *got = ks_apply(obj, cfg2, "app", false, "v1", T0 + 2, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_json_str(ks_json_path(got, "metadata.labels"), "{\"a\":\"1\",\"b\":\"3\"}");
    /* dropping data entirely removes it: only app owned it */
    cJSON *cfg3 = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
                    "\"labels\":{\"a\":\"1\"}}}");
    cJSON *got3 = ks_apply(got, cfg3, "app", false, "v1", T0 + 3, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_null(ks_json_path(got3, "data"));
    assert_string_equal(ks_json_str(got3, "metadata.name"), "c");
    cJSON_Delete(got3);
    cJSON_Delete(cfg3);
    cJSON_Delete(got);
    cJSON_Delete(cfg2);
    cJSON_Delete(obj);
    cJSON_Delete(live);
    cJSON_Delete(cfg);
}

static const char *const DEP =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
    "\"name\":\"web\"},\"spec\":{\"replicas\":%d,\"template\":{\"spec\":{"
    "\"containers\":[{\"name\":\"nginx\",\"image\":\"%s\"}]}}}}";

static cJSON *dep(int replicas, const char *image)
{
    char buf[512];

    snprintf(buf, sizeof(buf), DEP, replicas, image);
    return J(buf);
}

static void test_apply_conflicts(void **state)
{
    struct ks_causes causes = {0};
    int rc;

    (void)state;
    cJSON *live = dep(2, "nginx:1");
    ks_managed_fields_update(live, NULL, "kubectl-client-side-apply", "apps/v1", NULL, T0);

    /* same values: no conflict, shared ownership */
    cJSON *cfg = dep(2, "nginx:1");
    cJSON *got = ks_apply(live, cfg, "ssa", false, "apps/v1", T0 + 1, &rc, &causes);
    assert_int_equal(rc, 0);
    assert_non_null(got);
    assert_int_equal(cJSON_GetArraySize(ks_json_path(got, "metadata.managedFields")), 2);
    cJSON_Delete(got);
    cJSON_Delete(cfg);

    /* a different replicas: one conflict without force */
    cfg = dep(3, "nginx:1");
    got = ks_apply(live, cfg, "ssa", false, "apps/v1", T0 + 1, &rc, &causes);
    assert_null(got);
    assert_int_equal(rc, KS_ECONFLICT);
    assert_int_equal(causes.n, 1);
    assert_string_equal(causes.v[0].type, "FieldManagerConflict");
    assert_string_equal(causes.v[0].field, ".spec.replicas");
    assert_string_equal(causes.v[0].message,
                        "conflict with \"kubectl-client-side-apply\" using apps/v1");
    ks_causes_release(&causes);

    /* two fields */
    cJSON *cfg2 = dep(3, "nginx:2");
    got = ks_apply(live, cfg2, "ssa", false, "apps/v1", T0 + 1, &rc, &causes);
    assert_null(got);
    assert_int_equal(causes.n, 2);
    assert_string_equal(causes.v[0].field, ".spec.replicas");
    assert_string_equal(causes.v[1].field, ".spec.template.spec.containers[name=\"nginx\"].image");
    ks_causes_release(&causes);
    cJSON_Delete(cfg2);

    /* with force the field moves to the applier */
    got = ks_apply(live, cfg, "ssa", true, "apps/v1", T0 + 1, &rc, &causes);
    assert_int_equal(rc, 0);
    assert_int_equal(causes.n, 0);
    assert_int_equal(ks_json_path(got, "spec.replicas")->valueint, 3);
    cJSON *mf = ks_json_path(got, "metadata.managedFields");
    assert_string_equal(ks_json_str(cJSON_GetArrayItem(mf, 0), "operation"), "Apply");
    assert_non_null(ks_json_path(cJSON_GetArrayItem(mf, 0), "fieldsV1.f:spec.f:replicas"));
    assert_null(ks_json_path(cJSON_GetArrayItem(mf, 1), "fieldsV1.f:spec.f:replicas"));
    assert_non_null(ks_json_path(cJSON_GetArrayItem(mf, 1), "fieldsV1.f:spec.f:template"));
    cJSON_Delete(got);
    cJSON_Delete(cfg);
    cJSON_Delete(live);
}

static void test_apply_bad_input(void **state)
{
    struct ks_causes causes = {0};
    int rc;

    (void)state;
    cJSON *arr = J("[1]");
    assert_null(ks_apply(NULL, arr, "m", false, "v1", T0, &rc, &causes));
    assert_int_equal(rc, KS_EBADREQ);
    cJSON *mf = J("{\"kind\":\"ConfigMap\",\"metadata\":{\"managedFields\":[{}]}}");
    assert_null(ks_apply(NULL, mf, "m", false, "v1", T0, &rc, &causes));
    assert_int_equal(rc, KS_EBADREQ);
    assert_string_equal(causes.v[1].message, "metadata.managedFields must be nil");
    assert_null(ks_apply(NULL, mf, "", false, "v1", T0, &rc, NULL));
    ks_causes_release(&causes);
    cJSON_Delete(arr);
    cJSON_Delete(mf);
}

/* Server-side apply of a custom resource follows its schema too: an
 * unkeyed conditions list is one atomic leaf, replaced whole. */
static void test_apply_cr_schema(void **state)
{
    struct widget_rt w;
    int rc = -1;

    (void)state;
    widget_rt(&w);
    cJSON *cfg = J("{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
                   "\"w\",\"namespace\":\"demo\"},\"spec\":{\"size\":\"small\"},\"status\":{"
                   "\"conditions\":[{\"type\":\"A\",\"status\":\"True\"}]}}");
    cJSON *out = ks_apply_rt(NULL, cfg, &w.rt, "ssa", false, "example.dev/v1", T0, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_non_null(out);
    assert_json_str(ks_json_path(cJSON_GetArrayItem(ks_json_path(out, "metadata.managedFields"), 0),
                                 "fieldsV1"),
                    "{\"f:spec\":{\"f:size\":{}}}");
    /* live has conditions [A, B]; applying [C] replaces the list (a
     * built-in kind would merge by type) */
    cJSON *live = J("{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
                    "\"w\"},\"spec\":{\"conditions\":[{\"type\":\"A\"},{\"type\":\"B\"}]}}");
    cJSON *cfg2 = J("{\"apiVersion\":\"example.dev/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
                    "\"w\"},\"spec\":{\"conditions\":[{\"type\":\"C\"}]}}");
    cJSON *o2 = ks_apply_rt(live, cfg2, &w.rt, "ssa", true, "example.dev/v1", T0, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_json_str(ks_json_path(o2, "spec.conditions"), "[{\"type\":\"C\"}]");
    cJSON *o3 = ks_apply(live, cfg2, "ssa", true, "example.dev/v1", T0, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(cJSON_GetArraySize(ks_json_path(o3, "spec.conditions")), 3);
    cJSON_Delete(o3);
    cJSON_Delete(o2);
    cJSON_Delete(live);
    cJSON_Delete(cfg2);
    cJSON_Delete(out);
    cJSON_Delete(cfg);
    cJSON_Delete(w.crd);
}

static void test_smd_merge_list_order(void **state)
{
    (void)state;
    cJSON *l = J(CT("{\"name\":\"a\"},{\"name\":\"b\"}"));
    cJSON *r = J(CT("{\"name\":\"c\"},{\"name\":\"a\",\"x\":1}"));
    cJSON *m = ks_smd_merge(l, r, "Pod");
    assert_json_str(m, CT("{\"name\":\"c\"},{\"name\":\"a\",\"x\":1},{\"name\":\"b\"}"));
    cJSON_Delete(m);
    cJSON_Delete(l);
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_patch_rfc7386),
        cmocka_unit_test(test_merge_patch_fixture17_replaces_lists),
        cmocka_unit_test(test_smp_fixture15),
        cmocka_unit_test(test_smp_table),
        cmocka_unit_test(test_smp_errors),
        cmocka_unit_test(test_json_patch_fixtures_18_19),
        cmocka_unit_test(test_json_patch_ops),
        cmocka_unit_test(test_json_patch_bad_documents),
        cmocka_unit_test(test_fieldset_roundtrip_and_ops),
        cmocka_unit_test(test_fieldset_member_paths),
        cmocka_unit_test(test_managed_fields_create_fixture10),
        cmocka_unit_test(test_managed_fields_update_fixture16),
        cmocka_unit_test(test_managed_fields_update_rules),
        cmocka_unit_test(test_managed_fields_events_fixtures_90_91),
        cmocka_unit_test(test_managed_fields_crd_fixture40),
        cmocka_unit_test(test_managed_fields_cr_fixtures_42_44_48_59),
        cmocka_unit_test(test_managed_fields_scale_builtin_fixture15),
        cmocka_unit_test(test_managed_fields_cr_schema_types),
        cmocka_unit_test(test_apply_fixture20),
        cmocka_unit_test(test_apply_create_and_update),
        cmocka_unit_test(test_apply_prune_keeps_fields_others_own),
        cmocka_unit_test(test_apply_conflicts),
        cmocka_unit_test(test_apply_bad_input),
        cmocka_unit_test(test_smd_merge_list_order),
        cmocka_unit_test(test_apply_cr_schema),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
