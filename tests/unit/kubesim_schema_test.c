/* kubesim_schema_test.c -- kubesim's CRD schema handling (cmd/kubesim/
 * schema*.c): structural checks and rule compilation, pruning, defaults,
 * every validation keyword with the real apiserver's messages, fixtures
 * 40/42/49, and the ScalingPolicy CRD against tests/fixtures/policies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_json.h"

#include "../../cmd/kubesim/ks.h"

#define COUNT(t) (sizeof(t) / sizeof(*(t)))
#define CRD "crds/ebb.dev_scalingpolicies.yaml"
#define POLICIES "tests/fixtures/policies"
#define KUBE "tests/fixtures/kube-api/"

/* ---- files and YAML ---------------------------------------------------- */

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

static cJSON *load_yaml(const char *path)
{
    char *text = slurp(path);
    cJSON *j = text ? ebbt_yaml_to_json(text) : NULL;

    free(text);
    return j;
}

/* The request (which=0) or response (which=1) body of a kube-api fixture. */
static cJSON *fixture_body(const char *name, int which)
{
    char path[256];
    char *text, *p, *end;
    cJSON *j = NULL;

    snprintf(path, sizeof(path), KUBE "%s", name);
    text = slurp(path);
    if (!text)
        return NULL;
    p = strstr(text, which ? "=== RESPONSE ===" : "=== REQUEST ===");
    p = p ? strstr(p, "\n\n") : NULL;
    if (p) {
        end = strstr(p, which ? "=== RESPONSE BODY" : "=== RESPONSE ===");
        if (end)
            *end = '\0';
        j = cJSON_Parse(p + 2);
    }
    free(text);
    return j;
}

static void dump(const struct ks_causes *c)
{
    for (size_t i = 0; i < c->n; i++)
        fprintf(stderr, "    %s  %s: %s\n", c->v[i].type, c->v[i].field, c->v[i].message);
}

static bool has_cause(const struct ks_causes *c, const char *field, const char *frag)
{
    for (size_t i = 0; i < c->n; i++)
        if ((!field || strcmp(c->v[i].field, field) == 0) &&
            (!frag || strstr(c->v[i].message, frag)))
            return true;
    return false;
}

/* ---- the keyword table ------------------------------------------------- */

struct kw_case {
    const char *schema; /* of spec.x */
    const char *value;  /* JSON of spec.x; NULL: absent */
    const char *type;   /* first cause's type; NULL: valid */
    const char *field;
    const char *message;
};

static const struct kw_case kw_cases[] = {
    {"{\"type\":\"integer\"}", "3", NULL, NULL, NULL},
    {"{\"type\":\"integer\"}", "\"3\"", "FieldValueTypeInvalid", "spec.x",
     "Invalid value: \"string\": spec.x in body must be of type integer: \"string\""},
    {"{\"type\":\"integer\"}", "1.5", "FieldValueTypeInvalid", "spec.x",
     "Invalid value: \"number\": spec.x in body must be of type integer: \"number\""},
    {"{\"type\":\"number\"}", "1.5", NULL, NULL, NULL},
    {"{\"type\":\"number\"}", "2", NULL, NULL, NULL},
    {"{\"type\":\"boolean\"}", "\"yes\"", "FieldValueTypeInvalid", "spec.x",
     "Invalid value: \"string\": spec.x in body must be of type boolean: \"string\""},
    {"{\"type\":\"string\"}", "{}", "FieldValueTypeInvalid", "spec.x",
     "Invalid value: \"object\": spec.x in body must be of type string: \"object\""},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "[\"a\",1]", "FieldValueTypeInvalid",
     "spec.x[1]",
     "Invalid value: \"integer\": spec.x[1] in body must be of type string: \"integer\""},
    {"{\"type\":\"object\"}", "[]", "FieldValueTypeInvalid", "spec.x",
     "Invalid value: \"array\": spec.x in body must be of type object: \"array\""},
    {"{\"type\":\"string\",\"nullable\":true}", "null", NULL, NULL, NULL},
    {"{\"x-kubernetes-int-or-string\":true}", "5", NULL, NULL, NULL},
    {"{\"x-kubernetes-int-or-string\":true}", "\"5%\"", NULL, NULL, NULL},
    {"{\"x-kubernetes-int-or-string\":true}", "true", "FieldValueTypeInvalid", "spec.x", NULL},
    {"{\"type\":\"string\",\"enum\":[\"red\",\"green\",\"blue\"]}", "\"purple\"",
     "FieldValueNotSupported", "spec.x",
     "Unsupported value: \"purple\": supported values: \"red\", \"green\", \"blue\""},
    {"{\"type\":\"integer\",\"enum\":[1,2]}", "3", "FieldValueNotSupported", "spec.x",
     "Unsupported value: 3: supported values: 1, 2"},
    {"{\"type\":\"integer\",\"minimum\":0}", "-1", "FieldValueInvalid", "spec.x",
     "Invalid value: -1: spec.x in body should be greater than or equal to 0"},
    {"{\"type\":\"integer\",\"minimum\":0,\"exclusiveMinimum\":true}", "0", "FieldValueInvalid",
     "spec.x", "Invalid value: 0: spec.x in body should be greater than 0"},
    {"{\"type\":\"integer\",\"maximum\":10}", "11", "FieldValueInvalid", "spec.x",
     "Invalid value: 11: spec.x in body should be less than or equal to 10"},
    {"{\"type\":\"number\",\"maximum\":1.5,\"exclusiveMaximum\":true}", "1.5", "FieldValueInvalid",
     "spec.x", "Invalid value: 1.5: spec.x in body should be less than 1.5"},
    {"{\"type\":\"string\",\"maxLength\":3}", "\"abcd\"", "FieldValueTooLong", "spec.x",
     "Too long: may not be longer than 3"},
    {"{\"type\":\"string\",\"maxLength\":3}", "\"\xc3\xa9\xc3\xa9\xc3\xa9\"", NULL, NULL, NULL},
    {"{\"type\":\"string\",\"minLength\":2}", "\"a\"", "FieldValueInvalid", "spec.x",
     "Invalid value: \"a\": spec.x in body should be at least 2 chars long"},
    {"{\"type\":\"string\",\"pattern\":\"^\\\\d+$\"}", "\"12a\"", "FieldValueInvalid", "spec.x",
     "Invalid value: \"12a\": spec.x in body should match '^\\d+$'"},
    {"{\"type\":\"string\",\"pattern\":\"^\\\\d+$\"}", "\"12\"", NULL, NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2026-01-01T00:00:00Z\"", NULL, NULL,
     NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"yesterday\"", "FieldValueInvalid",
     "spec.x",
     "Invalid value: \"yesterday\": spec.x in body must be of type date-time: \"yesterday\""},
    {"{\"type\":\"string\",\"format\":\"byte\"}", "\"aGk=\"", NULL, NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"byte\"}", "\"a!\"", "FieldValueInvalid", "spec.x", NULL},
    {"{\"type\":\"string\",\"format\":\"duration\"}", "\"1h\"", NULL, NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"uuid\"}", "\"nope\"", "FieldValueInvalid", "spec.x", NULL},
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"maxItems\":2}", "[1,2,3]",
     "FieldValueTooMany", "spec.x", "Too many: 3: must have at most 2 items"},
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1}", "[]",
     "FieldValueInvalid", "spec.x",
     "Invalid value: 0: spec.x in body should have at least 1 items"},
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"uniqueItems\":true}", "[1,2,1]",
     "FieldValueDuplicate", "spec.x[2]", "Duplicate value: 1"},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"x-kubernetes-list-type\":\"set\"}",
     "[\"a\",\"a\"]", "FieldValueDuplicate", "spec.x[1]", "Duplicate value: \"a\""},
    {"{\"type\":\"array\",\"x-kubernetes-list-type\":\"map\",\"x-kubernetes-list-map-keys\":"
     "[\"name\"],\"items\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
     "\"v\":{\"type\":\"integer\"}}}}",
     "[{\"name\":\"a\",\"v\":1},{\"name\":\"a\",\"v\":2}]", "FieldValueDuplicate", "spec.x[1]",
     "Duplicate value: map[string]interface {}{\"name\":\"a\"}"},
    {"{\"type\":\"object\",\"required\":[\"a\"],\"properties\":{\"a\":{\"type\":\"string\"}}}",
     "{}", "FieldValueRequired", "spec.x.a", "Required value"},
    {"{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}", "{\"k\":\"v\"}",
     "FieldValueTypeInvalid", "spec.x.k", NULL},
    {"{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}", "{\"k\":1}", NULL,
     NULL, NULL},
    {"{\"type\":\"object\",\"maxProperties\":1,\"additionalProperties\":{\"type\":\"integer\"}}",
     "{\"a\":1,\"b\":2}", "FieldValueTooMany", "spec.x", NULL},
    {"{\"type\":\"integer\",\"allOf\":[{\"minimum\":1},{\"maximum\":5}]}", "9", "FieldValueInvalid",
     "spec.x", "Invalid value: 9: spec.x in body should be less than or equal to 5"},
    {"{\"type\":\"integer\",\"anyOf\":[{\"minimum\":10},{\"maximum\":0}]}", "5",
     "FieldValueInvalid", "spec.x",
     "Invalid value: 5: spec.x in body must validate at least one schema (anyOf)"},
    {"{\"type\":\"integer\",\"anyOf\":[{\"minimum\":10},{\"maximum\":0}]}", "-5", NULL, NULL, NULL},
    {"{\"type\":\"integer\",\"oneOf\":[{\"minimum\":0},{\"maximum\":10}]}", "5",
     "FieldValueInvalid", "spec.x", NULL},
    {"{\"type\":\"integer\",\"oneOf\":[{\"minimum\":0},{\"maximum\":10}]}", "50", NULL, NULL, NULL},
    {"{\"type\":\"integer\",\"not\":{\"minimum\":0}}", "5", "FieldValueInvalid", "spec.x", NULL},
    {"{\"type\":\"integer\",\"x-kubernetes-validations\":[{\"rule\":\"self % 2 == 0\"}]}", "3",
     "FieldValueInvalid", "spec.x", "Invalid value: \"integer\": failed rule: self % 2 == 0"},
    {"{\"type\":\"integer\",\"x-kubernetes-validations\":[{\"rule\":\"self % 2 == 0\","
     "\"message\":\"must be even\"}]}",
     "3", "FieldValueInvalid", "spec.x", "Invalid value: \"integer\": must be even"},
    {"{\"type\":\"integer\",\"x-kubernetes-validations\":[{\"rule\":\"self % 2 == 0\","
     "\"message\":\"must be even\",\"reason\":\"FieldValueForbidden\"}]}",
     "3", "FieldValueForbidden", "spec.x", "Forbidden: must be even"},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},"
     "\"x-kubernetes-validations\":[{\"rule\":\"self.a > 0\",\"message\":\"a > 0\","
     "\"fieldPath\":\".a\"}]}",
     "{\"a\":0}", "FieldValueInvalid", "spec.x.a", "Invalid value: \"object\": a > 0"},
    {"{\"type\":\"integer\",\"x-kubernetes-validations\":[{\"rule\":\"1 / (self - self) == 1\"}]}",
     "3", "FieldValueInvalid", "spec.x",
     "Invalid value: \"integer\": division by zero evaluating rule: 1 / (self - self) == 1"},
    {"{\"x-kubernetes-int-or-string\":true,\"x-kubernetes-validations\":[{\"rule\":"
     "\"self > 0\"}]}",
     "\"a\"", "FieldValueInvalid", "spec.x",
     "Invalid value: \"\": 'no such overload: string _>_ int': call arguments did not match a "
     "supported operator, function or macro signature for rule: self > 0"},
    {"{\"type\":\"integer\",\"x-kubernetes-validations\":[{\"rule\":\"self < 3\","
     "\"message\":\"m\",\"messageExpression\":\"'got ' + string(self)\"}]}",
     "4", "FieldValueInvalid", "spec.x", "Invalid value: \"integer\": got 4"},
    {"{\"type\":\"integer\",\"x-kubernetes-validations\":[{\"rule\":\"self < 3\","
     "\"message\":\"m\",\"messageExpression\":\"self\"}]}",
     "4", "FieldValueInvalid", "spec.x", "Invalid value: \"integer\": m"},
    {"{\"type\":\"integer\",\"x-kubernetes-validations\":[{\"rule\":\"self >= oldSelf\"}]}", "3",
     NULL, NULL, NULL}, /* transition rule: not on create */
};

static const char kw_root[] = "{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\","
                              "\"properties\":{\"x\":%s}}}}";

static void test_keywords(void **state)
{
    (void)state;
    int failures = 0;

    for (size_t i = 0; i < COUNT(kw_cases); i++) {
        const struct kw_case *k = &kw_cases[i];
        char buf[4096];
        struct ks_causes causes = {0};
        snprintf(buf, sizeof(buf), kw_root, k->schema);
        cJSON *schema = cJSON_Parse(buf);
        assert_non_null(schema);
        void *cs = ks_schema_compile(schema, "", &causes);
        if (!cs) {
            fprintf(stderr, "case %zu: schema does not compile:\n", i);
            dump(&causes);
            failures++;
            cJSON_Delete(schema);
            ks_causes_release(&causes);
            continue;
        }
        snprintf(buf, sizeof(buf), "{\"apiVersion\":\"t/v1\",\"kind\":\"T\",\"spec\":{\"x\":%s}}",
                 k->value);
        cJSON *obj = cJSON_Parse(buf);
        assert_non_null(obj);
        int rc = ks_schema_apply(cs, obj, NULL, &causes, NULL);
        bool ok;
        if (!k->type)
            ok = rc == 0 && causes.n == 0;
        else
            ok = rc == KS_EINVALID && causes.n >= 1 && strcmp(causes.v[0].type, k->type) == 0 &&
                 strcmp(causes.v[0].field, k->field) == 0 &&
                 (!k->message || strcmp(causes.v[0].message, k->message) == 0);
        if (!ok) {
            fprintf(stderr, "case %zu (%s on %s): rc %d, causes:\n", i, k->schema, k->value, rc);
            dump(&causes);
            failures++;
        }
        cJSON_Delete(obj);
        cJSON_Delete(schema);
        ks_schema_free(cs);
        ks_causes_release(&causes);
    }
    assert_int_equal(failures, 0);
}

/* ---- structural checks and rule compilation ---------------------------- */

struct bad_schema {
    const char *schema;
    const char *field;
    const char *frag;
};

static const struct bad_schema bad_schemas[] = {
    {"{\"type\":\"object\",\"properties\":{\"r\":{\"type\":\"integer\",\"minimum\":0,"
     "\"default\":-1}}}",
     "P.properties[r].default",
     "Invalid value: -1: default in body should be greater than or equal to 0"},
    {"{\"type\":\"object\",\"properties\":{\"r\":{\"type\":\"integer\",\"default\":\"x\"}}}",
     "P.properties[r].default", "must be of type integer"},
    {"{\"type\":\"object\",\"properties\":{\"spec\":{\"properties\":{}}}}",
     "P.properties[spec].type", "Required value: must not be empty for specified object fields"},
    {"{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"array\",\"items\":{}}}}",
     "P.properties[l].items.type", "must not be empty for specified array items"},
    {"{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"array\"}}}", "P.properties[l].items",
     "Required value"},
    {"{\"properties\":{}}", "P.type", "Required value"},
    {"{\"type\":\"string\"}", "P.type", "must be object at the root"},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"strnig\"}}}", "P.properties[a].type",
     "Unsupported value: \"strnig\""},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/x\",\"type\":\"object\"}}}",
     "P.properties[a].$ref", "Forbidden"},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"[\"}}}",
     "P.properties[a].pattern", "must be a valid regular expression"},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\",\"properties\":{\"b\":{"
     "\"type\":\"string\"}},\"additionalProperties\":{\"type\":\"string\"}}}}",
     "P.properties[a].additionalProperties", "mutual exclusive"},
    {"{\"type\":\"object\",\"x-kubernetes-validations\":[{\"rule\":\"self.a ==\"}]}",
     "P.x-kubernetes-validations[0].rule",
     "Invalid value: \"self.a ==\": compilation failed: ERROR: <input>:1:"},
    {"{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"x-kubernetes-validations\":"
     "[{\"rule\":\"true\"},{\"rule\":\"self.frob()\"}]}}}",
     "P.properties[s].x-kubernetes-validations[1].rule",
     "compilation failed: ERROR: <input>:1:6: undeclared reference to 'frob'"},
    {"{\"type\":\"object\",\"x-kubernetes-validations\":[{\"rule\":\"true\","
     "\"messageExpression\":\"'a' +\"}]}",
     "P.x-kubernetes-validations[0].messageExpression", "messageExpression compilation failed"},
    {"{\"type\":\"object\",\"x-kubernetes-validations\":[{\"message\":\"m\"}]}",
     "P.x-kubernetes-validations[0].rule", "Required value"},
    {"{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"array\",\"x-kubernetes-list-type\":"
     "\"map\",\"items\":{\"type\":\"object\"}}}}",
     "P.properties[l].x-kubernetes-list-map-keys", "Required value"},
};

static void test_structural(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(bad_schemas); i++) {
        struct ks_causes causes = {0};
        cJSON *schema = cJSON_Parse(bad_schemas[i].schema);
        assert_non_null(schema);
        void *cs = ks_schema_compile(schema, "P", &causes);
        if (cs || !has_cause(&causes, bad_schemas[i].field, bad_schemas[i].frag)) {
            fprintf(stderr, "bad schema %zu: compiled=%d\n", i, cs != NULL);
            dump(&causes);
        }
        assert_null(cs);
        assert_true(has_cause(&causes, bad_schemas[i].field, bad_schemas[i].frag));
        cJSON_Delete(schema);
        ks_causes_release(&causes);
    }
    /* int-or-string and preserve-unknown-fields need no type */
    struct ks_causes causes = {0};
    cJSON *schema = cJSON_Parse(
        "{\"type\":\"object\",\"properties\":{\"a\":{\"x-kubernetes-int-or-string\":true,"
        "\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]},\"b\":{"
        "\"x-kubernetes-preserve-unknown-fields\":true}}}");
    void *cs = ks_schema_compile(schema, "P", &causes);
    dump(&causes);
    assert_non_null(cs);
    assert_int_equal(causes.n, 0);
    ks_schema_free(cs);
    cJSON_Delete(schema);
    assert_null(ks_schema_compile(NULL, "P", &causes));
    assert_int_equal(causes.n, 1);
    ks_causes_release(&causes);
}

/* ---- pruning and defaults ---------------------------------------------- */

static void test_prune_and_default(void **state)
{
    (void)state;
    struct ks_causes causes = {0}, unknown = {0};
    cJSON *schema = cJSON_Parse(
        "{\"type\":\"object\",\"properties\":{"
        "\"spec\":{\"type\":\"object\",\"properties\":{"
        "\"a\":{\"type\":\"integer\",\"default\":5},"
        "\"n\":{\"type\":\"string\"},"
        "\"o\":{\"type\":\"object\",\"default\":{},\"properties\":{\"d\":{\"type\":\"string\","
        "\"default\":\"x\"}}},"
        "\"l\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"k\":{"
        "\"type\":\"integer\",\"default\":1}}}},"
        "\"m\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"object\",\"properties\":{"
        "\"z\":{\"type\":\"boolean\",\"default\":true}}}},"
        "\"free\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true},"
        "\"emb\":{\"type\":\"object\",\"x-kubernetes-embedded-resource\":true,"
        "\"properties\":{\"spec\":{\"type\":\"object\"}}}}}}}");
    void *cs = ks_schema_compile(schema, "", &causes);
    assert_non_null(cs);
    cJSON *obj = cJSON_Parse(
        "{\"apiVersion\":\"t/v1\",\"kind\":\"T\",\"metadata\":{\"name\":\"x\",\"odd\":1},"
        "\"spec\":{\"foo\":1,\"n\":null,\"l\":[{\"bar\":2},{\"k\":7}],\"m\":{\"k1\":{}},"
        "\"free\":{\"anything\":{\"goes\":1}},"
        "\"emb\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
        "\"spec\":{},\"junk\":1}},\"top\":2}");
    assert_int_equal(ks_schema_apply(cs, obj, NULL, &causes, &unknown), 0);
    dump(&causes);
    char *s = cJSON_PrintUnformatted(obj);
    assert_string_equal(
        s, "{\"apiVersion\":\"t/v1\",\"kind\":\"T\",\"metadata\":{\"name\":\"x\",\"odd\":1},"
           "\"spec\":{\"l\":[{\"k\":1},{\"k\":7}],\"m\":{\"k1\":{\"z\":true}},"
           "\"free\":{\"anything\":{\"goes\":1}},"
           "\"emb\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
           "\"spec\":{}},\"a\":5,\"o\":{\"d\":\"x\"}}}");
    free(s);
    assert_int_equal(unknown.n, 4);
    assert_string_equal(unknown.v[0].field, "spec.foo");
    assert_string_equal(unknown.v[1].field, "spec.l[0].bar");
    assert_string_equal(unknown.v[2].field, "spec.emb.junk");
    assert_string_equal(unknown.v[3].field, "top");
    assert_string_equal(unknown.v[0].message, "unknown field \"spec.foo\"");
    cJSON_Delete(obj);
    ks_schema_free(cs);
    cJSON_Delete(schema);
    ks_causes_release(&causes);
    ks_causes_release(&unknown);
}

/* ---- the recorded apiserver -------------------------------------------- */

static void *widget_schema(cJSON **crd)
{
    struct ks_causes causes = {0};
    *crd = fixture_body("40-crd-create-201.txt", 0);
    assert_non_null(*crd);
    cJSON *schema = ks_json_path(cJSON_GetArrayItem(ks_json_path(*crd, "spec.versions"), 0),
                                 "schema.openAPIV3Schema");
    assert_non_null(schema);
    void *cs = ks_schema_compile(schema, "spec.versions[0].schema.openAPIV3Schema", &causes);
    dump(&causes);
    assert_non_null(cs);
    assert_int_equal(causes.n, 0);
    return cs;
}

static void test_fixture_42_default(void **state)
{
    (void)state;
    cJSON *crd;
    void *cs = widget_schema(&crd);
    cJSON *req = fixture_body("42-cr-create-201.txt", 0);
    cJSON *resp = fixture_body("42-cr-create-201.txt", 1);
    struct ks_causes causes = {0};

    assert_non_null(req);
    assert_non_null(resp);
    assert_int_equal(ks_schema_apply(cs, req, NULL, &causes, NULL), 0);
    assert_true(
        cJSON_Compare(cJSON_GetObjectItem(req, "spec"), cJSON_GetObjectItem(resp, "spec"), 1));
    cJSON_Delete(req);
    cJSON_Delete(resp);
    cJSON_Delete(crd);
    ks_schema_free(cs);
}

static void test_fixture_49_causes(void **state)
{
    (void)state;
    cJSON *crd;
    void *cs = widget_schema(&crd);
    cJSON *req = fixture_body("49-cr-create-invalid-422.txt", 0);
    cJSON *resp = fixture_body("49-cr-create-invalid-422.txt", 1);
    struct ks_causes causes = {0};

    assert_non_null(req);
    assert_non_null(resp);
    assert_int_equal(ks_schema_apply(cs, req, NULL, &causes, NULL), KS_EINVALID);
    dump(&causes);
    /* the schema's causes are the first two; the third (.spec.replicas)
     * is the scale subresource's check, the registry's */
    cJSON *want = ks_json_path(resp, "details.causes");
    assert_int_equal(causes.n, 2);
    for (size_t i = 0; i < 2; i++) {
        cJSON *w = cJSON_GetArrayItem(want, (int)i);
        assert_string_equal(causes.v[i].type, ks_json_str(w, "reason"));
        assert_string_equal(causes.v[i].field, ks_json_str(w, "field"));
        assert_string_equal(causes.v[i].message, ks_json_str(w, "message"));
    }
    cJSON_Delete(req);
    cJSON_Delete(resp);
    cJSON_Delete(crd);
    ks_schema_free(cs);
    ks_causes_release(&causes);
}

/* A required status field missing and a type error: CEL is skipped. */
static void test_blocking_type_error(void **state)
{
    (void)state;
    struct ks_causes causes = {0};
    cJSON *schema =
        cJSON_Parse("{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\","
                    "\"x-kubernetes-validations\":[{\"rule\":\"self.a > 0\"}],"
                    "\"properties\":{\"a\":{\"type\":\"integer\"}}}}}");
    void *cs = ks_schema_compile(schema, "", &causes);
    cJSON *obj = cJSON_Parse("{\"spec\":{\"a\":\"x\"}}");

    assert_non_null(cs);
    assert_int_equal(ks_schema_apply(cs, obj, NULL, &causes, NULL), KS_EINVALID);
    dump(&causes);
    assert_int_equal(causes.n, 2);
    assert_string_equal(causes.v[0].type, "FieldValueTypeInvalid");
    assert_non_null(strstr(causes.v[1].message, "some validation rules were not checked"));
    cJSON_Delete(obj);
    cJSON_Delete(schema);
    ks_schema_free(cs);
    ks_causes_release(&causes);
}

static void test_transition_rule(void **state)
{
    (void)state;
    struct ks_causes causes = {0};
    cJSON *schema = cJSON_Parse(
        "{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\",\"properties\":{"
        "\"v\":{\"type\":\"integer\",\"x-kubernetes-validations\":[{\"rule\":\"self >= oldSelf\","
        "\"message\":\"may not decrease\"}]},"
        "\"l\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"map\","
        "\"x-kubernetes-list-map-keys\":[\"k\"],\"items\":{\"type\":\"object\","
        "\"x-kubernetes-validations\":[{\"rule\":\"self.n == oldSelf.n\",\"message\":"
        "\"immutable\"}],\"properties\":{\"k\":{\"type\":\"string\"},\"n\":{\"type\":"
        "\"integer\"}}}}}}}}");
    void *cs = ks_schema_compile(schema, "", &causes);
    cJSON *old = cJSON_Parse("{\"spec\":{\"v\":5,\"l\":[{\"k\":\"a\",\"n\":1}]}}");
    cJSON *obj = cJSON_Parse("{\"spec\":{\"v\":4,\"l\":[{\"k\":\"b\",\"n\":9},{\"k\":\"a\","
                             "\"n\":2}]}}");

    assert_non_null(cs);
    assert_int_equal(ks_schema_apply(cs, obj, old, &causes, NULL), KS_EINVALID);
    dump(&causes);
    assert_int_equal(causes.n, 2);
    assert_string_equal(causes.v[0].field, "spec.l[1]");
    assert_string_equal(causes.v[0].message, "Invalid value: \"object\": immutable");
    assert_string_equal(causes.v[1].field, "spec.v");
    assert_string_equal(causes.v[1].message, "Invalid value: \"integer\": may not decrease");
    ks_causes_release(&causes);
    /* on create the transition rules do not run */
    assert_int_equal(ks_schema_apply(cs, obj, NULL, &causes, NULL), 0);
    cJSON_Delete(obj);
    cJSON_Delete(old);
    cJSON_Delete(schema);
    ks_schema_free(cs);
    ks_causes_release(&causes);
}

/* ---- the ScalingPolicy CRD --------------------------------------------- */

static void *policy_schema(cJSON **crd)
{
    struct ks_causes causes = {0};
    *crd = load_yaml(CRD);
    assert_non_null(*crd);
    cJSON *schema = ks_json_path(cJSON_GetArrayItem(ks_json_path(*crd, "spec.versions"), 0),
                                 "schema.openAPIV3Schema");
    assert_non_null(schema);
    void *cs = ks_schema_compile(schema, "spec.versions[0].schema.openAPIV3Schema", &causes);
    dump(&causes);
    assert_int_equal(causes.n, 0);
    assert_non_null(cs);
    return cs;
}

static void test_policy_crd_compiles(void **state)
{
    (void)state;
    cJSON *crd;
    void *cs = policy_schema(&crd);
    ks_schema_free(cs);
    cJSON_Delete(crd);
}

/* Lines "# key: value" of a fixture's header. */
static int header_lines(const char *text, const char *key, char out[][256], int max)
{
    int n = 0;
    size_t kl = strlen(key);

    for (const char *p = text; p && *p == '#'; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, "# ", 2) == 0 && strncmp(p + 2, key, kl) == 0 && p[2 + kl] == ':' &&
            n < max) {
            const char *v = p + 3 + kl;
            while (*v == ' ')
                v++;
            size_t l = strcspn(v, "\n");
            snprintf(out[n++], 256, "%.*s", (int)l, v);
        }
    }
    return n;
}

static void test_policy_fixtures(void **state)
{
    (void)state;
    cJSON *crd;
    void *cs = policy_schema(&crd);
    DIR *d = opendir(POLICIES);
    struct dirent *e;
    int files = 0, failures = 0, cel_checked = 0;

    assert_non_null(d);
    while ((e = readdir(d))) {
        char path[512], lines[8][256], cel[8][256], at[8][256], skip[2][256];
        size_t nl = strlen(e->d_name);
        if (nl < 6 || strcmp(e->d_name + nl - 5, ".yaml") != 0)
            continue;
        snprintf(path, sizeof(path), POLICIES "/%s", e->d_name);
        char *text = slurp(path);
        assert_non_null(text);
        cJSON *obj = ebbt_yaml_to_json(text);
        assert_non_null(obj);
        struct ks_causes causes = {0}, unknown = {0};
        int rc = ks_schema_apply(cs, obj, NULL, &causes, &unknown);
        bool valid = strncmp(e->d_name, "valid-", 6) == 0;
        int n_expect = header_lines(text, "expect", lines, 8);
        int n_cel = header_lines(text, "cel", cel, 8);
        int n_at = header_lines(text, "schema-at", at, 8);
        int n_skip = header_lines(text, "schema", skip, 2);
        bool ok = true;
        files++;
        if (valid || n_skip) {
            ok = rc == 0 && causes.n == 0 && unknown.n == 0;
        } else if (n_cel) {
            for (int i = 0; i < n_cel; i++) {
                ok = ok && has_cause(&causes, NULL, cel[i]);
                cel_checked++;
            }
        } else if (n_at) {
            for (int i = 0; i < n_at; i++)
                ok = ok && (has_cause(&causes, at[i], NULL) || has_cause(&unknown, at[i], NULL));
        } else {
            bool any = false;
            for (int i = 0; i < n_expect; i++) {
                char field[256];
                snprintf(field, sizeof(field), "%.*s", (int)strcspn(lines[i], ":"), lines[i]);
                any = any || has_cause(&causes, field, NULL) || has_cause(&unknown, field, NULL);
                /* a list-type=map duplicate is reported at the item, as the
                 * apiserver does: spec.metrics[1] for spec.metrics[1].name */
                for (size_t k = 0; k < causes.n; k++)
                    if (strcmp(causes.v[k].type, "FieldValueDuplicate") == 0 &&
                        strncmp(field, causes.v[k].field, strlen(causes.v[k].field)) == 0)
                        any = true;
            }
            ok = any;
        }
        if (!ok) {
            fprintf(stderr, "%s: rc %d, causes:\n", e->d_name, rc);
            dump(&causes);
            dump(&unknown);
            failures++;
        }
        ks_causes_release(&causes);
        ks_causes_release(&unknown);
        cJSON_Delete(obj);
        free(text);
    }
    closedir(d);
    ks_schema_free(cs);
    cJSON_Delete(crd);
    assert_true(files >= 70);
    assert_true(cel_checked >= 25);
    assert_int_equal(failures, 0);
}

/* Updates run the rules again; a rule that reads oldSelf would see it. */
static void test_policy_update(void **state)
{
    (void)state;
    cJSON *crd;
    void *cs = policy_schema(&crd);
    char *text = slurp(POLICIES "/valid-full.yaml");
    cJSON *obj = ebbt_yaml_to_json(text), *old = cJSON_Duplicate(obj, 1);
    struct ks_causes causes = {0};

    assert_int_equal(ks_schema_apply(cs, obj, old, &causes, NULL), 0);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(obj, "spec"), "minReplicas",
                              cJSON_CreateNumber(50));
    assert_int_equal(ks_schema_apply(cs, obj, old, &causes, NULL), KS_EINVALID);
    dump(&causes);
    assert_true(has_cause(&causes, "spec.minReplicas",
                          "Invalid value: \"object\": minReplicas must be less than or equal to "
                          "maxReplicas"));
    ks_causes_release(&causes);
    free(text);
    cJSON_Delete(obj);
    cJSON_Delete(old);
    cJSON_Delete(crd);
    ks_schema_free(cs);
}

/* The k-th node (pre-order) of a tree, and its parent. */
static cJSON *nth(cJSON *n, int *k, cJSON **parent)
{
    for (cJSON *c = n->child; c; c = c->next) {
        if ((*k)-- == 0) {
            *parent = n;
            return c;
        }
        cJSON *r = nth(c, k, parent);
        if (r)
            return r;
    }
    return NULL;
}

/* Every node of a valid policy replaced by values of other types and
 * edge values: never a crash, a leak or a success with a type error. */
static void test_policy_mutations(void **state)
{
    (void)state;
    static const char *const alts[] = {"null",
                                       "0",
                                       "-1",
                                       "1.5",
                                       "\"\"",
                                       "\"0\"",
                                       "\"1Gb\"",
                                       "[]",
                                       "{}",
                                       "true",
                                       "[null]",
                                       "{\"for\":1}",
                                       "9223372036854775807",
                                       "\"9999999h\""};
    cJSON *crd;
    void *cs = policy_schema(&crd);
    char *text = slurp(POLICIES "/valid-full.yaml");
    cJSON *base = ebbt_yaml_to_json(text);
    int runs = 0;

    assert_non_null(base);
    for (int k = 0;; k++) {
        bool found = false;
        for (size_t a = 0; a < COUNT(alts); a++) {
            cJSON *obj = cJSON_Duplicate(base, 1), *parent = NULL;
            int idx = k;
            cJSON *node = nth(obj, &idx, &parent);
            if (!node) {
                cJSON_Delete(obj);
                break;
            }
            found = true;
            cJSON *alt = cJSON_Parse(alts[a]);
            assert_non_null(alt);
            if (cJSON_IsObject(parent)) {
                alt->string = strdup(node->string);
                assert_non_null(alt->string);
            }
            cJSON_ReplaceItemViaPointer(parent, node, alt);
            struct ks_causes causes = {0}, unknown = {0};
            ks_schema_apply(cs, obj, base, &causes, &unknown);
            runs++;
            ks_causes_release(&causes);
            ks_causes_release(&unknown);
            cJSON_Delete(obj);
        }
        if (!found)
            break;
    }
    assert_true(runs > 1000);
    free(text);
    cJSON_Delete(base);
    cJSON_Delete(crd);
    ks_schema_free(cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords),          cmocka_unit_test(test_structural),
        cmocka_unit_test(test_prune_and_default), cmocka_unit_test(test_fixture_42_default),
        cmocka_unit_test(test_fixture_49_causes), cmocka_unit_test(test_blocking_type_error),
        cmocka_unit_test(test_transition_rule),   cmocka_unit_test(test_policy_crd_compiles),
        cmocka_unit_test(test_policy_fixtures),   cmocka_unit_test(test_policy_update),
        cmocka_unit_test(test_policy_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
