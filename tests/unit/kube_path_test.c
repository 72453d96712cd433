/* kube_path_test.c -- request paths: core vs grouped, namespaced vs
 * cluster-scoped, all-namespaces lists, subresources, every query parameter
 * and its place in the order, percent-escaping, refusals; and every recorded
 * request line of tests/fixtures/kube-api that names a resource, rebuilt
 * byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../../pkg/kube/path.h"
#include "kube_fixture.h"

static const struct ebb_kube_resource pods = {"", "v1", "pods", "Pod", true};
static const struct ebb_kube_resource configmaps = {"", "v1", "configmaps", "ConfigMap", true};
static const struct ebb_kube_resource namespaces = {"", "v1", "namespaces", "Namespace", false};
static const struct ebb_kube_resource core_events = {"", "v1", "events", "Event", true};
static const struct ebb_kube_resource events = {"events.k8s.io", "v1", "events", "Event", true};
static const struct ebb_kube_resource deployments = {"apps", "v1", "deployments", "Deployment",
                                                     true};
static const struct ebb_kube_resource statefulsets = {"apps", "v1", "statefulsets", "StatefulSet",
                                                      true};
static const struct ebb_kube_resource leases = {"coordination.k8s.io", "v1", "leases", "Lease",
                                                true};
static const struct ebb_kube_resource crds = {
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false};
static const struct ebb_kube_resource widgets = {"example.dev", "v1", "widgets", "Widget", true};
static const struct ebb_kube_resource policies = {"ebb.dev", "v1alpha1", "scalingpolicies",
                                                  "ScalingPolicy", true};
static const struct ebb_kube_resource nodes = {NULL, "v1", "nodes", "Node", false};

struct path_case {
    const struct ebb_kube_resource *r;
    const char *ns;
    const char *name;
    const char *sub;
    struct ebb_kube_query q;
    const char *want; /* NULL: EBB_ERR_INVALID */
};

static const struct path_case path_cases[] = {
    /* core vs grouped; namespaced vs cluster-scoped; all namespaces */
    {&pods, "demo", NULL, NULL, {0}, "/api/v1/namespaces/demo/pods"},
    {&pods, "demo", "web-1", NULL, {0}, "/api/v1/namespaces/demo/pods/web-1"},
    {&pods, NULL, NULL, NULL, {0}, "/api/v1/pods"},
    {&namespaces, NULL, NULL, NULL, {0}, "/api/v1/namespaces"},
    {&namespaces, NULL, "demo", NULL, {0}, "/api/v1/namespaces/demo"},
    {&nodes, NULL, "n1", NULL, {0}, "/api/v1/nodes/n1"}, /* NULL group is core */
    {&deployments, "demo", NULL, NULL, {0}, "/apis/apps/v1/namespaces/demo/deployments"},
    {&deployments, NULL, NULL, NULL, {0}, "/apis/apps/v1/deployments"},
    {&crds, NULL, NULL, NULL, {0}, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"},
    {&crds,
     NULL,
     "scalingpolicies.ebb.dev",
     NULL,
     {0},
     "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/scalingpolicies.ebb.dev"},
    {&policies,
     "prod",
     "checkout",
     NULL,
     {0},
     "/apis/ebb.dev/v1alpha1/namespaces/prod/scalingpolicies/checkout"},
    {&leases,
     "ebb-system",
     "ebb-leader",
     NULL,
     {0},
     "/apis/coordination.k8s.io/v1/namespaces/ebb-system/leases/ebb-leader"},
    /* subresources */
    {&deployments,
     "demo",
     "web",
     "scale",
     {0},
     "/apis/apps/v1/namespaces/demo/deployments/web/scale"},
    {&policies,
     "prod",
     "checkout",
     "status",
     {0},
     "/apis/ebb.dev/v1alpha1/namespaces/prod/scalingpolicies/checkout/status"},
    {&namespaces, NULL, "demo", "finalize", {0}, "/api/v1/namespaces/demo/finalize"},
    /* each query parameter alone */
    {&pods,
     "d",
     NULL,
     NULL,
     {.label_selector = "app=web"},
     "/api/v1/namespaces/d/pods?labelSelector=app%3Dweb"},
    {&pods,
     "d",
     NULL,
     NULL,
     {.field_selector = "status.phase!=Running"},
     "/api/v1/namespaces/d/pods?fieldSelector=status.phase%21%3DRunning"},
    {&pods,
     "d",
     NULL,
     NULL,
     {.resource_version = "12345"},
     "/api/v1/namespaces/d/pods?resourceVersion=12345"},
    {&pods,
     "d",
     NULL,
     NULL,
     {.resource_version_match = "NotOlderThan"},
     "/api/v1/namespaces/d/pods?resourceVersionMatch=NotOlderThan"},
    {&pods,
     "d",
     NULL,
     NULL,
     {.continue_token = "eyJ2IjoxfQ=="},
     "/api/v1/namespaces/d/pods?continue=eyJ2IjoxfQ%3D%3D"},
    {&pods,
     "d",
     NULL,
     NULL,
     {.field_manager = "ebb"},
     "/api/v1/namespaces/d/pods?fieldManager=ebb"},
    {&pods,
     "d",
     "p",
     NULL,
     {.propagation_policy = "Foreground"},
     "/api/v1/namespaces/d/pods/p?propagationPolicy=Foreground"},
    {&pods, "d", "p", NULL, {.dry_run = "All"}, "/api/v1/namespaces/d/pods/p?dryRun=All"},
    {&pods, "d", NULL, NULL, {.limit = 500}, "/api/v1/namespaces/d/pods?limit=500"},
    {&pods,
     "d",
     NULL,
     NULL,
     {.limit = INT64_MAX},
     "/api/v1/namespaces/d/pods?limit=9223372036854775807"},
    {&pods,
     "d",
     NULL,
     NULL,
     {.timeout_seconds = 300},
     "/api/v1/namespaces/d/pods?timeoutSeconds=300"},
    {&pods, "d", NULL, NULL, {.watch = true}, "/api/v1/namespaces/d/pods?watch=1"},
    {&pods,
     "d",
     NULL,
     NULL,
     {.allow_watch_bookmarks = true},
     "/api/v1/namespaces/d/pods?allowWatchBookmarks=true"},
    {&pods, "d", "p", NULL, {.force = true}, "/api/v1/namespaces/d/pods/p?force=true"},
    /* "" is the same as leaving a string parameter out */
    {&pods,
     "d",
     NULL,
     NULL,
     {.label_selector = "", .resource_version = ""},
     "/api/v1/namespaces/d/pods"},
    /* all of them, in the documented order */
    {&deployments,
     "demo",
     NULL,
     NULL,
     {.label_selector = "app=web",
      .field_selector = "metadata.name=web",
      .resource_version = "7",
      .resource_version_match = "Exact",
      .continue_token = "tok",
      .field_manager = "ebb",
      .propagation_policy = "Background",
      .dry_run = "All",
      .limit = 2,
      .timeout_seconds = 30,
      .watch = true,
      .allow_watch_bookmarks = true,
      .force = true},
     "/apis/apps/v1/namespaces/demo/deployments?watch=1&allowWatchBookmarks=true"
     "&resourceVersion=7&resourceVersionMatch=Exact&labelSelector=app%3Dweb"
     "&fieldSelector=metadata.name%3Dweb&limit=2&continue=tok&timeoutSeconds=30"
     "&fieldManager=ebb&dryRun=All&force=true&propagationPolicy=Background"},
    /* server-side apply */
    {&policies,
     "prod",
     "checkout",
     "status",
     {.field_manager = "ebb", .force = true},
     "/apis/ebb.dev/v1alpha1/namespaces/prod/scalingpolicies/checkout/"
     "status?fieldManager=ebb&force=true"},
    /* selectors and odd names escaped */
    {&pods,
     "d",
     NULL,
     NULL,
     {.label_selector = "app=web,tier in (a,b),!canary"},
     "/api/v1/namespaces/d/pods?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29%2C%21canary"},
    {&pods,
     "d",
     NULL,
     NULL,
     {.label_selector = "a&b=c#d?e+f%g/h"},
     "/api/v1/namespaces/d/pods?labelSelector=a%26b%3Dc%23d%3Fe%2Bf%25g%2Fh"},
    {&configmaps, "d", "a/b", NULL, {0}, "/api/v1/namespaces/d/configmaps/a%2Fb"},
    {&configmaps, "d", "a b?c", NULL, {0}, "/api/v1/namespaces/d/configmaps/a%20b%3Fc"},
    {&configmaps, "d", "...", NULL, {0}, "/api/v1/namespaces/d/configmaps/..."},
    {&configmaps, "d", ".x", NULL, {0}, "/api/v1/namespaces/d/configmaps/.x"},
    {&configmaps, "d", "caf\xc3\xa9", NULL, {0}, "/api/v1/namespaces/d/configmaps/caf%C3%A9"},
    {&core_events, "d", "w.1", NULL, {0}, "/api/v1/namespaces/d/events/w.1"},
    {&events, "d", NULL, NULL, {0}, "/apis/events.k8s.io/v1/namespaces/d/events"},
    {&statefulsets, "d", "db", "scale", {0}, "/apis/apps/v1/namespaces/d/statefulsets/db/scale"},
    /* refused */
    {&pods, NULL, "web-1", NULL, {0}, NULL},      /* namespaced name without ns */
    {&pods, NULL, "web-1", "status", {0}, NULL},  /* same, with a subresource */
    {&namespaces, "demo", NULL, NULL, {0}, NULL}, /* ns for a cluster-scoped resource */
    {&crds, "demo", "x", NULL, {0}, NULL},
    {&deployments, "demo", NULL, "scale", {0}, NULL}, /* subresource without name */
    {&deployments, NULL, NULL, "scale", {0}, NULL},
    {&deployments, "", NULL, NULL, {0}, NULL}, /* empty segments */
    {&deployments, "demo", "", NULL, {0}, NULL},
    {&deployments, "demo", "web", "", {0}, NULL},
    {&deployments, ".", NULL, NULL, {0}, NULL}, /* dot segments */
    {&deployments, "..", NULL, NULL, {0}, NULL},
    {&deployments, "demo", ".", NULL, {0}, NULL},
    {&deployments, "demo", "..", NULL, {0}, NULL},
    {&deployments, "demo", "web", "..", {0}, NULL},
    {&deployments, "demo", NULL, NULL, {.limit = -1}, NULL}, /* negative numbers */
    {&deployments, "demo", NULL, NULL, {.timeout_seconds = -5}, NULL},
};

static void test_paths(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
        const struct path_case *c = &path_cases[i];
        struct ebb_strbuf sb = EBB_STRBUF_INIT;
        struct ebb_kube_query q = c->q;
        enum ebb_rc rc = ebb_kube_path(c->r, c->ns, c->name, c->sub, &q, &sb);
        if (c->want == NULL) {
            if (rc != EBB_ERR_INVALID || sb.len != 0)
                fail_msg("case %zu: want EBB_ERR_INVALID and nothing, got %d \"%s\"", i, rc,
                         sb.buf);
        } else if (rc != EBB_OK || strcmp(sb.buf, c->want) != 0) {
            fail_msg("case %zu: got %d \"%s\"\n want \"%s\"", i, rc, sb.buf, c->want);
        }
        ebb_strbuf_release(&sb);
    }
}

/* A NULL query is no query; the header macros work as they are. */
static void test_null_query_and_macros(void **state)
{
    (void)state;
    struct {
        struct ebb_kube_resource r;
        const char *want;
    } cases[] = {
        {EBB_KUBE_PODS, "/api/v1/namespaces/n/pods/x"},
        {EBB_KUBE_CONFIGMAPS, "/api/v1/namespaces/n/configmaps/x"},
        {EBB_KUBE_CORE_EVENTS, "/api/v1/namespaces/n/events/x"},
        {EBB_KUBE_EVENTS, "/apis/events.k8s.io/v1/namespaces/n/events/x"},
        {EBB_KUBE_DEPLOYMENTS, "/apis/apps/v1/namespaces/n/deployments/x"},
        {EBB_KUBE_STATEFULSETS, "/apis/apps/v1/namespaces/n/statefulsets/x"},
        {EBB_KUBE_LEASES, "/apis/coordination.k8s.io/v1/namespaces/n/leases/x"},
        {EBB_KUBE_HPAS, "/apis/autoscaling/v2/namespaces/n/horizontalpodautoscalers/x"},
        {EBB_KUBE_SCALINGPOLICIES, "/apis/ebb.dev/v1alpha1/namespaces/n/scalingpolicies/x"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_strbuf sb = EBB_STRBUF_INIT;
        assert_int_equal(ebb_kube_path(&cases[i].r, "n", "x", NULL, NULL, &sb), EBB_OK);
        assert_string_equal(sb.buf, cases[i].want);
        ebb_strbuf_release(&sb);
    }
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    struct ebb_kube_resource ns = EBB_KUBE_NAMESPACES;
    struct ebb_kube_resource crd = EBB_KUBE_CRDS;
    assert_int_equal(ebb_kube_path(&ns, NULL, "x", NULL, NULL, &sb), EBB_OK);
    assert_string_equal(sb.buf, "/api/v1/namespaces/x");
    ebb_strbuf_reset(&sb);
    assert_int_equal(ebb_kube_path(&crd, NULL, NULL, NULL, NULL, &sb), EBB_OK);
    assert_string_equal(sb.buf, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
    ebb_strbuf_release(&sb);
}

/* The path is appended; a refusal leaves what was there untouched. */
static void test_appends_and_refusal_leaves_out_alone(void **state)
{
    (void)state;
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    struct ebb_kube_query q = {.limit = 1};
    ebb_strbuf_adds(&sb, "https://h:6443");
    assert_int_equal(ebb_kube_path(&pods, "d", NULL, NULL, &q, &sb), EBB_OK);
    assert_string_equal(sb.buf, "https://h:6443/api/v1/namespaces/d/pods?limit=1");
    size_t len = sb.len;
    assert_int_equal(ebb_kube_path(&pods, NULL, "x", NULL, &q, &sb), EBB_ERR_INVALID);
    assert_int_equal(sb.len, len);
    assert_string_equal(sb.buf, "https://h:6443/api/v1/namespaces/d/pods?limit=1");
    ebb_strbuf_release(&sb);

    /* a resource missing its version or plural is refused too */
    struct ebb_kube_resource bad[] = {
        {"apps", "", "deployments", "Deployment", true},
        {"apps", NULL, "deployments", "Deployment", true},
        {"apps", "v1", "", "Deployment", true},
        {"apps", "v1", NULL, "Deployment", true},
        {"..", "v1", "deployments", "Deployment", true},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(ebb_kube_path(&bad[i], "d", NULL, NULL, NULL, &sb), EBB_ERR_INVALID);
        assert_int_equal(sb.len, 0);
    }
    assert_int_equal(ebb_kube_path(NULL, "d", NULL, NULL, NULL, &sb), EBB_ERR_INVALID);
    assert_int_equal(sb.len, 0);
    ebb_strbuf_release(&sb);
}

struct escape_case {
    const char *in;
    const char *want;
};

static const struct escape_case escape_cases[] = {
    {"", ""},
    {"AZaz09-._~", "AZaz09-._~"},
    {"app=web", "app%3Dweb"},
    {"a b", "a%20b"},
    {"a+b", "a%2Bb"},
    {"100%", "100%25"},
    {"/?#[]@!$&'()*+,;=:", "%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A"},
    {"\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D"},
    {"\x01\x1f\x7f", "%01%1F%7F"},
    {"\xff\x80", "%FF%80"},
    {"\xe2\x82\xac", "%E2%82%AC"},
    {"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MzE1fQ", "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MzE1fQ"},
};

static void test_escape(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
        struct ebb_strbuf sb = EBB_STRBUF_INIT;
        ebb_kube_escape(escape_cases[i].in, &sb);
        if (strcmp(sb.buf, escape_cases[i].want) != 0)
            fail_msg("escape case %zu: got \"%s\" want \"%s\"", i, sb.buf, escape_cases[i].want);
        ebb_strbuf_release(&sb);
    }
    /* every byte: unreserved ones pass, the rest become %XX in upper case */
    for (int c = 1; c < 256; c++) {
        char in[2] = {(char)c, '\0'};
        struct ebb_strbuf sb = EBB_STRBUF_INIT;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~';
        char want[4];
        if (plain)
            snprintf(want, sizeof(want), "%c", c);
        else
            snprintf(want, sizeof(want), "%%%02X", c);
        ebb_kube_escape(in, &sb);
        assert_string_equal(sb.buf, want);
        ebb_strbuf_release(&sb);
    }
}

/* ---- the recorded request lines ------------------------------------------- */

struct fixture_case {
    int nn;
    const struct ebb_kube_resource *r;
    const char *ns;
    const char *name;
    const char *sub;
    struct ebb_kube_query q;
};

#define FM                                                                                         \
    {                                                                                              \
        .field_manager = "demo-operator"                                                           \
    }
#define TOK315 "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MzE1LCJzdGFydCI6ImJldGFcdTAwMDAifQ"
#define TOK346 "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MzQ2LCJzdGFydCI6ImJldGFcdTAwMDAifQ"

static const struct fixture_case fixture_cases[] = {
    {10, &deployments, "demo", NULL, NULL, FM},
    {11, &deployments, "demo", "web", NULL, {0}},
    {12, &deployments, "demo", "web", "scale", {0}},
    {13, &deployments, "demo", "web", "scale", FM},
    {14, &deployments, "demo", "web", "scale", FM},
    {15, &deployments, "demo", "web", NULL, FM},
    {16, &deployments, "demo", "web", NULL, FM},
    {17, &deployments, "demo", "web", NULL, {.field_manager = "demo-operator", .dry_run = "All"}},
    {18, &deployments, "demo", "web", NULL, FM},
    {19, &deployments, "demo", "web", NULL, FM},
    {20, &deployments, "demo", "web", NULL, {.field_manager = "demo-operator", .force = true}},
    {21, &deployments, "demo", "web", NULL, FM},
    {22, &deployments, "demo", "web", NULL, FM},
    {23, &deployments, "demo", "does-not-exist", NULL, {0}},
    {24, &deployments, "demo", "web", NULL, FM},
    {25, &deployments, "demo", "web", "scale", {0}},
    {26, &deployments, "demo", NULL, NULL, {0}},
    {27, &deployments, "demo", NULL, NULL, {0}},
    {28, &deployments, "demo", NULL, NULL, {0}},
    {29, &deployments, "demo", "web", "scale", {0}},
    {30, &deployments, "demo", NULL, NULL, {0}},
    {31, &statefulsets, "demo", NULL, NULL, FM},
    {32, &statefulsets, "demo", "db", "scale", {0}},
    {33, &statefulsets, "demo", "db", "scale", FM},
    {34, &statefulsets, "demo", "db", NULL, {0}},
    {40, &crds, NULL, NULL, NULL, {0}},
    {41, &crds, NULL, "widgets.example.dev", NULL, {0}},
    {42, &widgets, "demo", NULL, NULL, FM},
    {43, &widgets, "demo", "widget-a", NULL, {0}},
    {44, &widgets, "demo", "widget-a", "status", FM},
    {45, &widgets, "demo", "widget-a", "status", FM},
    {46, &widgets, "demo", "widget-a", "status", {0}},
    {47, &widgets, "demo", "widget-a", "scale", {0}},
    {48, &widgets, "demo", "widget-a", "scale", FM},
    {49, &widgets, "demo", NULL, NULL, {0}},
    {50, &deployments, "demo", NULL, NULL, {.limit = 2}},
    {51, &deployments, "demo", NULL, NULL, {.limit = 2, .continue_token = TOK315}},
    {52, &deployments, "demo", NULL, NULL, {.resource_version = "0", .limit = 2}},
    {53,
     &deployments,
     "demo",
     NULL,
     NULL,
     {.resource_version = "315", .resource_version_match = "Exact", .limit = 2}},
    {54,
     &deployments,
     "demo",
     NULL,
     NULL,
     {.resource_version = "315", .resource_version_match = "NotOlderThan"}},
    {55, &deployments, "demo", NULL, NULL, {.label_selector = "app=web"}},
    {56, &pods, NULL, NULL, NULL, {.limit = 2}},
    {57, &deployments, "demo", NULL, NULL, {.limit = 2, .continue_token = TOK346}},
    {58,
     &deployments,
     "demo",
     NULL,
     NULL,
     {.resource_version = "346", .resource_version_match = "Exact"}},
    {59, &widgets, "demo", NULL, NULL, {0}},
    {60,
     &deployments,
     "demo",
     NULL,
     NULL,
     {.watch = true,
      .resource_version = "315",
      .field_selector = "metadata.name=watched",
      .timeout_seconds = 9}},
    {61,
     &configmaps,
     "demo",
     NULL,
     NULL,
     {.watch = true, .resource_version = "332", .timeout_seconds = 6}},
    {62,
     &deployments,
     "demo",
     NULL,
     NULL,
     {.watch = true,
      .allow_watch_bookmarks = true,
      .resource_version = "340",
      .timeout_seconds = 10}},
    {63,
     &deployments,
     "demo",
     NULL,
     NULL,
     {.watch = true, .resource_version = "0", .timeout_seconds = 2}},
    {64,
     &deployments,
     "demo",
     NULL,
     NULL,
     {.watch = true,
      .resource_version = "2",
      .field_selector = "metadata.name=alpha",
      .timeout_seconds = 3}},
    {65,
     &core_events,
     "demo",
     NULL,
     NULL,
     {.watch = true, .resource_version = "346", .timeout_seconds = 5}},
    {66,
     &deployments,
     "demo",
     NULL,
     NULL,
     {.watch = true, .resource_version = "370", .timeout_seconds = 5}},
    {67,
     &deployments,
     "demo",
     NULL,
     NULL,
     {.watch = true,
      .allow_watch_bookmarks = true,
      .resource_version = "370",
      .timeout_seconds = 5}},
    {70, &leases, "demo", NULL, NULL, {0}},
    {71, &leases, "demo", "demo-operator-leader", NULL, {0}},
    {72, &leases, "demo", "demo-operator-leader", NULL, {0}},
    {73, &leases, "demo", "demo-operator-leader", NULL, {0}},
    {74, &leases, "kube-system", NULL, NULL, {0}},
    {80, &deployments, "demo", "gamma", NULL, {0}},
    {81, &deployments, "demo", "beta", NULL, {0}},
    {82, &deployments, "demo", "gamma", NULL, {0}},
    {90, &core_events, "demo", NULL, NULL, {0}},
    {91, &events, "demo", NULL, NULL, {0}},
    {92, &events, "demo", NULL, NULL, {0}},
    {93, &core_events, "demo", NULL, NULL, {.field_selector = "involvedObject.name=widget-a"}},
    {94, &events, "demo", NULL, NULL, {.field_selector = "regarding.name=widget-a"}},
};

static void test_fixture_request_lines(void **state)
{
    (void)state;
    size_t n = sizeof(fixture_cases) / sizeof(fixture_cases[0]);
    for (size_t i = 0; i < n; i++) {
        const struct fixture_case *c = &fixture_cases[i];
        struct ebbt_kube_exchange x;
        struct ebb_strbuf sb = EBB_STRBUF_INIT;
        if (!ebbt_kube_load_nn(c->nn, &x))
            fail_msg("%s", x.err);
        assert_int_equal(ebb_kube_path(c->r, c->ns, c->name, c->sub, &c->q, &sb), EBB_OK);
        if (strcmp(sb.buf, x.target) != 0)
            fail_msg("fixture %d (%s):\n built    %s\n recorded %s", c->nn, x.name, sb.buf,
                     x.target);
        ebb_strbuf_release(&sb);
        ebbt_kube_release(&x);
    }
}

/* The fixtures the table leaves out are the discovery requests, whose
 * paths name no resource: /version, /api, /apis, /apis/GROUP/VERSION. */
static bool is_discovery(const char *target)
{
    size_t slashes = 0;
    if (strchr(target, '?') != NULL)
        return false;
    for (const char *p = target; *p != '\0'; p++)
        slashes += *p == '/';
    return strcmp(target, "/version") == 0 || strcmp(target, "/api") == 0 ||
           strcmp(target, "/apis") == 0 || (strncmp(target, "/apis/", 6) == 0 && slashes == 3);
}

static void test_every_fixture_is_covered(void **state)
{
    (void)state;
    char *names[EBBT_KUBE_MAX_FILES];
    size_t n = ebbt_kube_list(names, EBBT_KUBE_MAX_FILES);
    size_t discovery = 0;
    assert_true(n >= 70);
    for (size_t i = 0; i < n; i++) {
        int nn = (names[i][0] - '0') * 10 + (names[i][1] - '0');
        bool in_table = false;
        for (size_t k = 0; k < sizeof(fixture_cases) / sizeof(fixture_cases[0]); k++)
            in_table = in_table || fixture_cases[k].nn == nn;
        if (in_table)
            continue;
        struct ebbt_kube_exchange x;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", EBBT_KUBE_FIXTURE_DIR, names[i]);
        if (!ebbt_kube_load(path, &x))
            fail_msg("%s", x.err);
        if (!is_discovery(x.target))
            fail_msg("%s: request %s is not rebuilt by the table", names[i], x.target);
        discovery++;
        ebbt_kube_release(&x);
    }
    assert_int_equal(discovery, 6);
    ebbt_kube_list_free(names, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_null_query_and_macros),
        cmocka_unit_test(test_appends_and_refusal_leaves_out_alone),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_fixture_request_lines),
        cmocka_unit_test(test_every_fixture_is_covered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
