/* kubesim_selector_test.c -- label and field selectors: what parses, what
 * matches, and the real apiserver's words for what does not parse. */
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

/* ------------------------------------------------------------------ */
/* Label selectors: matches                                            */

struct label_case {
    const char *sel;
    const char *labels; /* "k=v,k2=v2" or "" */
    bool want;
};

static const struct label_case label_cases[] = {
    {"", "", true},
    {"", "app=web", true},
    {"app=web", "app=web", true},
    {"app=web", "app=db", false},
    {"app=web", "", false},
    {"app==web", "app=web", true},
    {"app!=web", "", true},
    {"app!=web", "app=web", false},
    {"app!=web", "app=db", true},
    {"tier in (a,b)", "tier=b", true},
    {"tier in (a,b)", "tier=c", false},
    {"tier in (a,b)", "", false},
    {"tier notin (a,b)", "", true},
    {"tier notin (a,b)", "tier=a", false},
    {"tier notin (a,b)", "tier=c", true},
    {"app", "app=x", true},
    {"app", "other=x", false},
    {"!app", "other=x", true},
    {"!app", "app=x", false},
    {" app = web , tier in ( a , b ) ", "app=web,tier=a", true},
    {" app = web , tier in ( a , b ) ", "app=web,tier=z", false},
    {"app=web,!canary", "app=web,canary=1", false},
    {"app=web,!canary", "app=web", true},
    {"x>5", "x=10", true},
    {"x>5", "x=3", false},
    {"x<5", "x=3", true},
    {"x>5", "x=abc", false},
    {"x>5", "", false},
    {"a in ()", "a=", true},
    {"a=", "a=", true},
    {"a=", "a=x", false},
    {"in=notin", "in=notin", true}, /* keywords are identifiers in values */
    {"example.com/app=web", "example.com/app=web", true},
    {"a in (x,,y)", "a=", true},
};

/* Splits "k=v,k2=v2" into labels (pointers into buf). */
static size_t split_labels(const char *text, char *buf, size_t cap, struct ks_label *out,
                           size_t max)
{
    size_t n = 0;
    char *save = NULL, *tok;

    snprintf(buf, cap, "%s", text);
    for (tok = strtok_r(buf, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        out[n].key = tok;
        out[n].value = eq ? eq + 1 : tok + strlen(tok);
        if (eq)
            *eq = '\0';
        n++;
    }
    return n;
}

static void test_label_matches(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(label_cases) / sizeof(label_cases[0]); i++) {
        const struct label_case *c = &label_cases[i];
        char err[1024], buf[256];
        struct ks_label labels[8];
        size_t n = split_labels(c->labels, buf, sizeof(buf), labels, 8);
        ks_selector *sel = ks_selector_parse(c->sel, false, err, sizeof(err));
        if (!sel)
            fail_msg("case %zu '%s': %s", i, c->sel, err);
        if (ks_selector_matches_labels(sel, labels, n) != c->want)
            fail_msg("case %zu: '%s' on '%s' should be %d", i, c->sel, c->labels, c->want);
        ks_selector_free(sel);
    }
}

static void test_null_selector(void **state)
{
    char err[64];
    ks_selector *sel = ks_selector_parse(NULL, false, err, sizeof(err));

    (void)state;
    assert_non_null(sel);
    assert_true(ks_selector_matches_labels(sel, NULL, 0));
    assert_true(ks_selector_matches_labels(NULL, NULL, 0));
    ks_selector_free(sel);
    ks_selector_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Label selectors: the real error messages                            */

#define QN_MSG                                                                                     \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VAL_MSG                                                                                    \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "             \
    "'my_value',  or '12345', regex used for validation is "                                       \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static const struct {
    const char *sel;
    const char *msg;
} label_errors[] = {
    {"a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"},
    {"a=b,", "found '', expected: identifier after ','"},
    {"=a", "found '=', expected: !, identifier, or 'end of string'"},
    {"a in b", "unable to parse requirement: found 'b' expected: '('"},
    {"a in (b", "unable to parse requirement: found '', expected: ',' or ')'"},
    {"a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"},
    {"a in =", "unable to parse requirement: found '=' expected: '('"},
    {"a=b c", "found 'c', expected: ',' or 'end of string'"},
    {"!a=b", "found '=', expected: ',' or 'end of string'"},
    {"a=(", "unable to parse requirement: found '(', expected: identifier"},
    {"A_=b", "unable to parse requirement: <nil>: Invalid value: \"A_\": name part " QN_MSG},
    {"a/b/c=d",
     "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name " QN_MSG
     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"},
    {"/a=b", "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be "
             "non-empty"},
    {"a=-b", "unable to parse requirement: values[0][a]: Invalid value: \"-b\": " VAL_MSG},
    {"a in (-x,-y)", "unable to parse requirement: [values[0][a]: Invalid value: \"-x\": " VAL_MSG
                     ", values[1][a]: Invalid value: \"-y\": " VAL_MSG "]"},
    {"x>y", "unable to parse requirement: values[0]: Invalid value: \"y\": for 'Gt', 'Lt' "
            "operators, the value must be an integer"},
    {"!", "unable to parse requirement: found '', expected: identifier"},
};

static void test_label_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(label_errors) / sizeof(label_errors[0]); i++) {
        char err[2048] = "";
        ks_selector *sel = ks_selector_parse(label_errors[i].sel, false, err, sizeof(err));
        if (sel)
            fail_msg("'%s' parsed", label_errors[i].sel);
        if (strcmp(err, label_errors[i].msg) != 0)
            fail_msg("'%s':\n got  %s\n want %s", label_errors[i].sel, err, label_errors[i].msg);
    }
}

/* Whatever the bytes, the parser answers (and ASan watches it). */
static void test_label_garbage(void **state)
{
    static const char *const junk[] = {
        "(((",    ")",  ",,,",   "!!!", "a in ((", "a notin", "a in (,",   "a in (,)", "\t\n",
        "a=b,,c", "a>", "a<b<c", "a!=", "a!==b",   "in",      "notin (x)", "a=\x01"};
    (void)state;
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        char err[1024] = "";
        ks_selector *sel = ks_selector_parse(junk[i], false, err, sizeof(err));
        assert_true(sel != NULL || err[0] != '\0');
        ks_selector_free(sel);
    }
}

/* ------------------------------------------------------------------ */
/* Field selectors                                                     */

static const struct {
    const char *sel;
    const char *obj;
    bool want;
} field_cases[] = {
    {"metadata.name=x", "{\"metadata\":{\"name\":\"x\"}}", true},
    {"metadata.name==x", "{\"metadata\":{\"name\":\"x\"}}", true},
    {"metadata.name=x", "{\"metadata\":{\"name\":\"y\"}}", false},
    {"metadata.name!=x", "{\"metadata\":{\"name\":\"y\"}}", true},
    {"status.phase!=Running", "{}", true},
    {"status.phase=", "{}", true},
    {"status.phase=Running", "{}", false},
    {"spec.replicas=3", "{\"spec\":{\"replicas\":3}}", true},
    {"spec.paused=true", "{\"spec\":{\"paused\":true}}", true},
    {"metadata.name=x,metadata.namespace=demo",
     "{\"metadata\":{\"name\":\"x\",\"namespace\":\"demo\"}}", true},
    {"metadata.name=x,metadata.namespace=demo",
     "{\"metadata\":{\"name\":\"x\",\"namespace\":\"other\"}}", false},
    {"involvedObject.name=widget-a", "{\"involvedObject\":{\"name\":\"widget-a\"}}", true},
    {"a=b\\,c", "{\"a\":\"b,c\"}", true},
    {"a=b\\=c", "{\"a\":\"b=c\"}", true},
};

static void test_field_matches(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++) {
        char err[512];
        ks_selector *sel = ks_selector_parse(field_cases[i].sel, true, err, sizeof(err));
        cJSON *obj = cJSON_Parse(field_cases[i].obj);
        assert_non_null(obj);
        if (!sel)
            fail_msg("'%s': %s", field_cases[i].sel, err);
        if (ks_selector_matches_fields(sel, obj) != field_cases[i].want)
            fail_msg("'%s' on %s should be %d", field_cases[i].sel, field_cases[i].obj,
                     field_cases[i].want);
        cJSON_Delete(obj);
        ks_selector_free(sel);
    }
}

static const struct {
    const char *sel;
    const char *msg;
} field_errors[] = {
    {"a", "invalid selector: 'a'; can't understand 'a'"},
    {"x=1,b", "invalid selector: 'x=1,b'; can't understand 'b'"},
    {"a=b=c", "invalid field selector: unescaped character in value: 61"},
    {"a=b\\x", "invalid field selector: invalid escape sequence: \\x"},
    {"a=b\\", "invalid field selector: invalid escape sequence: \\"},
};

static void test_field_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(field_errors) / sizeof(field_errors[0]); i++) {
        char err[512] = "";
        ks_selector *sel = ks_selector_parse(field_errors[i].sel, true, err, sizeof(err));
        if (sel)
            fail_msg("'%s' parsed", field_errors[i].sel);
        if (strcmp(err, field_errors[i].msg) != 0)
            fail_msg("'%s':\n got  %s\n want %s", field_errors[i].sel, err, field_errors[i].msg);
    }
}

/* A field selector applied to labels compares a missing one as "". */
static void test_field_on_labels(void **state)
{
    char err[64];
    ks_selector *sel = ks_selector_parse("a!=x,b=", true, err, sizeof(err));
    struct ks_label l[] = {{"a", "y"}};

    (void)state;
    assert_non_null(sel);
    assert_true(ks_selector_matches_labels(sel, l, 1));
    ks_selector_free(sel);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_matches),   cmocka_unit_test(test_null_selector),
        cmocka_unit_test(test_label_errors),    cmocka_unit_test(test_label_garbage),
        cmocka_unit_test(test_field_matches),   cmocka_unit_test(test_field_errors),
        cmocka_unit_test(test_field_on_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
