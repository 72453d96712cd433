/* labelsel_test.c -- pkg/kube/labelsel: the label selector string form,
 * parsed and matched as apimachinery's labels.Parse does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/kube/labelsel.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The labels every match case is tried against. */
static const struct ebb_kv labels[] = {
    {(char *)"app", (char *)"web"},
    {(char *)"tier", (char *)"front"},
    {(char *)"apps.kubernetes.io/pod-index", (char *)"3"},
    {(char *)"empty", (char *)""},
};

struct match_case {
    const char *sel;
    bool want;
};

static const struct match_case match_cases[] = {
    {"", true},
    {"   ", true},
    {"app=web", true},
    {"app==web", true},
    {"app = web", true},
    {"app=api", false},
    {"app!=api", true},
    {"app!=web", false},
    {"missing!=x", true},
    {"app", true},
    {"missing", false},
    {"!missing", true},
    {"! app", false},
    {"app in (api,web)", true},
    {"app in(web)", true},
    {"app in (api)", false},
    {"app notin (api,db)", true},
    {"app notin (web)", false},
    {"missing notin (web)", true},
    {"missing in (web)", false},
    {"apps.kubernetes.io/pod-index>2", true},
    {"apps.kubernetes.io/pod-index>3", false},
    {"apps.kubernetes.io/pod-index<4", true},
    {"apps.kubernetes.io/pod-index < 3", false},
    {"app>1", false}, /* not an integer */
    {"missing<1", false},
    {"empty=", true},
    {"empty=x", false},
    {"empty in (,x)", true},
    {"app=web,tier=front", true},
    {"app=web, tier=back", false},
    {"app=web,tier in (front,back),!canary", true},
};

static void test_matches(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(match_cases); i++) {
        struct ebb_labelsel s;
        char err[256] = "";
        enum ebb_rc rc = ebb_labelsel_parse(match_cases[i].sel, &s, err, sizeof(err));
        if (rc != EBB_OK)
            fail_msg("\"%s\": %s", match_cases[i].sel, err);
        if (ebb_labelsel_matches(&s, labels, N(labels)) != match_cases[i].want)
            fail_msg("\"%s\": want %s", match_cases[i].sel, match_cases[i].want ? "match" : "no");
        ebb_labelsel_release(&s);
    }
}

struct bad_case {
    const char *sel;
    const char *err; /* a part of the message */
};

static const struct bad_case bad_cases[] = {
    {",", "a label key expected at byte 0"},
    {"app=web,", "a label key expected at the end of label selector"},
    {"app=web,,x", "a label key expected at byte 8"},
    {"app web", "one of '=', '==', '!=', '>', '<', 'in', 'notin', ',' expected at byte 4"},
    {"app in web", "'(' expected at byte 7"},
    {"app in (a b)", "',' or ')' expected at byte 10"},
    {"app in (a", "',' or ')' expected at the end of label selector"},
    {"app=we$b", "',' or the end expected at byte 6, found '$'"},
    {"app>x", "an integer expected at byte 4"},
    {"app>", "an integer expected at the end of label selector"},
    {"/app=x", "a label key expected at byte 0"},
    {"a/b/c=x", "a label key expected at byte 0"},
    {"!", "a label key expected at the end of label selector"},
    {"app=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "the value at byte 4 is longer than 63 bytes"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(bad_cases); i++) {
        struct ebb_labelsel s;
        char err[256] = "";
        enum ebb_rc rc = ebb_labelsel_parse(bad_cases[i].sel, &s, err, sizeof(err));
        if (rc != EBB_ERR_PARSE)
            fail_msg("\"%s\": parsed, want an error", bad_cases[i].sel);
        if (strstr(err, bad_cases[i].err) == NULL)
            fail_msg("\"%s\": error \"%s\", want \"%s\"", bad_cases[i].sel, err, bad_cases[i].err);
        assert_int_equal(s.n_reqs, 0);
        assert_null(s.reqs);
    }
}

static void test_equality(void **state)
{
    (void)state;
    struct {
        const char *sel, *key, *value;
    } cases[] = {
        {"app=web,tier=x", "app", "web"},
        {"!canary,tier in (front)", "tier", "front"},
        {"tier in (a,b),app==web", "app", "web"},
        {"app!=web,tier in (a,b)", NULL, NULL},
        {"", NULL, NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ebb_labelsel s;
        char err[256];
        assert_int_equal(ebb_labelsel_parse(cases[i].sel, &s, err, sizeof(err)), EBB_OK);
        const char *k = NULL, *v = NULL;
        bool got = ebb_labelsel_equality(&s, &k, &v);
        assert_int_equal(got, cases[i].key != NULL);
        if (got) {
            assert_string_equal(k, cases[i].key);
            assert_string_equal(v, cases[i].value);
        }
        ebb_labelsel_release(&s);
    }
}

/* Property: a selector built from a random label set's own pairs always
 * matches it, and changing one value of an equality always breaks it. */
static void test_property_own_labels(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int round = 0; round < 2000; round++) {
        struct ebb_kv kv[4];
        char keys[4][8], vals[4][8], text[128] = "";
        size_t n = 1 + (size_t)(round % 4), used = 0;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
            snprintf(vals[i], sizeof(vals[i]), "v%u", (unsigned)(x % 5));
            kv[i].key = keys[i];
            kv[i].value = vals[i];
            used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s=%s", i ? "," : "",
                                     keys[i], vals[i]);
        }
        struct ebb_labelsel s;
        char err[256];
        assert_int_equal(ebb_labelsel_parse(text, &s, err, sizeof(err)), EBB_OK);
        assert_true(ebb_labelsel_matches(&s, kv, n));
        vals[round % n][1] = 'x';
        assert_false(ebb_labelsel_matches(&s, kv, n));
        ebb_labelsel_release(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_equality),
        cmocka_unit_test(test_property_own_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
