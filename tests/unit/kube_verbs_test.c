/* kube_verbs_test.c -- pkg/kube/verbs against the TLS replay server.
 *
 * Each case serves a recorded exchange (tests/fixtures/kube-api) and checks
 * both sides: the request the client sent matches the fixture's request
 * (request line byte for byte, Content-Type, the JSON body semantically,
 * other bodies byte for byte) and the client decoded the response (the
 * object, the Scale, the list items and resourceVersion, or the typed
 * error). Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "../../pkg/kube/verbs.h"
#include "../fake/replay_server.c"
#include "kube_fixture.h"

#define FIX "tests/fixtures/kube-api/"

/* ---- environment ------------------------------------------------------------------------- */

struct env {
    struct ebb_replay_server *srv;
    struct ebb_kube_config cfg;
    struct ebb_kube_client_opts opts;
    struct ebb_kube_client *c;
    char server[64];
    char err[512];
};

static void env_start(struct env *e)
{
    memset(e, 0, sizeof(*e));
    assert_int_equal(ebb_replay_start(NULL, &e->srv), EBB_OK);
    snprintf(e->server, sizeof(e->server), "https://127.0.0.1:%d", ebb_replay_port(e->srv));
    e->cfg.server = e->server;
    e->cfg.ca_data = (char *)ebb_replay_ca_pem(e->srv, &e->cfg.ca_data_len);
    e->cfg.token = "test-token";
    ebb_kube_client_opts_default(&e->opts);
    e->opts.qps = 0;
    e->opts.backoff_base_ms = 10;
    e->opts.seed = 1;
    if (ebb_kube_client_new(&e->cfg, &e->opts, &e->c, e->err, sizeof(e->err)) != EBB_OK)
        fail_msg("ebb_kube_client_new: %s", e->err);
}

static void env_stop(struct env *e)
{
    ebb_kube_client_free(e->c);
    ebb_replay_stop(e->srv);
}

static void load(int nn, struct ebbt_kube_exchange *x)
{
    if (!ebbt_kube_load_nn(nn, x))
        fail_msg("fixture %02d: %s", nn, x->err);
}

/* Serves the response of fixture x, with every `from` in it replaced by `to` (same length). */
static void push_x(struct env *e, const struct ebbt_kube_exchange *x, const char *from,
                   const char *to)
{
    char path[512];
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    snprintf(path, sizeof(path), FIX "%s", x->name);
    assert_int_equal(ebb_replay_fixture(path, &wire, NULL), EBB_OK);
    if (from) {
        assert_int_equal(strlen(from), strlen(to));
        for (char *p = strstr(wire.buf, from); p; p = strstr(p + 1, from))
            memcpy(p, to, strlen(to));
    }
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    assert_int_equal(ebb_replay_push(e->srv, &st), EBB_OK);
    ebb_strbuf_release(&wire);
}

static size_t n_requests(struct env *e)
{
    return ebb_replay_requests(e->srv, NULL, 0);
}

static struct ebb_replay_request seen_request(struct env *e, size_t i)
{
    static const struct ebb_replay_request none;
    struct ebb_replay_request log[16];
    size_t n = ebb_replay_requests(e->srv, log, 16);
    assert_true(i < n && i < 16);
    return i < n && i < 16 ? log[i] : none;
}

/* Whether two JSON texts are the same value. */
static bool json_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    cJSON *ja = cJSON_ParseWithLength(a, alen);
    cJSON *jb = cJSON_ParseWithLength(b, blen);
    bool eq = ja && jb && cJSON_Compare(ja, jb, true);
    cJSON_Delete(ja);
    cJSON_Delete(jb);
    return eq;
}

/* The request the server saw as number i matches fixture x's REQUEST. */
static void assert_request(struct env *e, size_t i, const struct ebbt_kube_exchange *x)
{
    struct ebb_replay_request r = seen_request(e, i);
    assert_string_equal(r.method, x->method);
    assert_string_equal(r.target, x->target);
    assert_string_equal(r.accept, "application/json");
    const char *ct = ebbt_kube_req_header(x, "Content-Type");
    assert_string_equal(r.content_type, ct ? ct : "");
    if (x->req_body_len == 0) {
        assert_int_equal(r.body_len, 0);
        return;
    }
    assert_true(r.body_len < sizeof(r.body));
    if (ct && strstr(ct, "yaml")) {
        assert_int_equal(r.body_len, x->req_body_len);
        assert_memory_equal(r.body, x->req_body, x->req_body_len);
    } else if (!json_equal(r.body, r.body_len, x->req_body, x->req_body_len)) {
        fail_msg("%s: sent %s, recorded %s", x->name, r.body, x->req_body);
    }
}

/* ---- resources --------------------------------------------------------------------------- */

enum res_id { R_DEPLOY, R_STS, R_WIDGETS, R_CRDS, R_LEASES, R_CORE_EVENTS, R_EVENTS, R_PODS };

static struct ebb_kube_resource resource(enum res_id id)
{
    switch (id) {
    case R_DEPLOY:
        return EBB_KUBE_DEPLOYMENTS;
    case R_STS:
        return EBB_KUBE_STATEFULSETS;
    case R_WIDGETS:
        return EBB_KUBE_RES("example.dev", "v1", "widgets", "Widget", true);
    case R_CRDS:
        return EBB_KUBE_CRDS;
    case R_LEASES:
        return EBB_KUBE_LEASES;
    case R_CORE_EVENTS:
        return EBB_KUBE_CORE_EVENTS;
    case R_EVENTS:
        return EBB_KUBE_EVENTS;
    case R_PODS:
        return EBB_KUBE_PODS;
    }
    return EBB_KUBE_PODS;
}

/* The write options the fixture's query shows (the recorder's field manager, dryRun, force). */
static struct ebb_kube_write_opts opts_of(const struct ebbt_kube_exchange *x)
{
    struct ebb_kube_write_opts o = {"", false, false};
    if (strstr(x->target, "fieldManager=demo-operator"))
        o.field_manager = "demo-operator";
    o.dry_run = strstr(x->target, "dryRun=All") != NULL;
    o.force = strstr(x->target, "force=true") != NULL;
    return o;
}

/* ---- get, create, update, patch, delete: one fixture each -------------------------------- */

enum verb { V_GET, V_CREATE, V_UPDATE, V_PATCH, V_DELETE };

struct obj_case {
    int nn;
    enum verb verb;
    enum res_id res;
    const char *ns, *name, *sub;
    enum ebb_kube_patch_type pt;
    const char *propagation; /* delete */
    enum ebb_rc rc;
    enum ebb_kube_reason reason;
    size_t min_causes;
};

static const struct obj_case obj_cases[] = {
    {10, V_CREATE, R_DEPLOY, "demo", NULL, NULL, 0, NULL, EBB_OK, 0, 0},
    {11, V_GET, R_DEPLOY, "demo", "web", NULL, 0, NULL, EBB_OK, 0, 0},
    {14, V_UPDATE, R_DEPLOY, "demo", "web", "scale", 0, NULL, EBB_OK, 0, 0},
    {15, V_PATCH, R_DEPLOY, "demo", "web", NULL, EBB_KUBE_PATCH_STRATEGIC, NULL, EBB_OK, 0, 0},
    {16, V_PATCH, R_DEPLOY, "demo", "web", NULL, EBB_KUBE_PATCH_MERGE, NULL, EBB_OK, 0, 0},
    {17, V_PATCH, R_DEPLOY, "demo", "web", NULL, EBB_KUBE_PATCH_MERGE, NULL, EBB_OK, 0, 0},
    {18, V_PATCH, R_DEPLOY, "demo", "web", NULL, EBB_KUBE_PATCH_JSON, NULL, EBB_OK, 0, 0},
    {19, V_PATCH, R_DEPLOY, "demo", "web", NULL, EBB_KUBE_PATCH_JSON, NULL, EBB_ERR_IO,
     EBB_KUBE_INVALID, 0},
    {20, V_PATCH, R_DEPLOY, "demo", "web", NULL, EBB_KUBE_PATCH_APPLY, NULL, EBB_OK, 0, 0},
    {21, V_UPDATE, R_DEPLOY, "demo", "web", NULL, 0, NULL, EBB_ERR_IO, EBB_KUBE_CONFLICT, 0},
    {22, V_UPDATE, R_DEPLOY, "demo", "web", NULL, 0, NULL, EBB_OK, 0, 0},
    {23, V_GET, R_DEPLOY, "demo", "does-not-exist", NULL, 0, NULL, EBB_ERR_IO, EBB_KUBE_NOT_FOUND,
     0},
    {24, V_PATCH, R_DEPLOY, "demo", "web", NULL, EBB_KUBE_PATCH_MERGE, NULL, EBB_ERR_IO,
     EBB_KUBE_INVALID, 1},
    {26, V_CREATE, R_DEPLOY, "demo", NULL, NULL, 0, NULL, EBB_ERR_IO, EBB_KUBE_INVALID, 2},
    {27, V_CREATE, R_DEPLOY, "demo", NULL, NULL, 0, NULL, EBB_ERR_IO, EBB_KUBE_ALREADY_EXISTS, 0},
    {31, V_CREATE, R_STS, "demo", NULL, NULL, 0, NULL, EBB_OK, 0, 0},
    {34, V_GET, R_STS, "demo", "db", NULL, 0, NULL, EBB_OK, 0, 0},
    {40, V_CREATE, R_CRDS, NULL, NULL, NULL, 0, NULL, EBB_OK, 0, 0},
    {41, V_GET, R_CRDS, NULL, "widgets.example.dev", NULL, 0, NULL, EBB_OK, 0, 0},
    {42, V_CREATE, R_WIDGETS, "demo", NULL, NULL, 0, NULL, EBB_OK, 0, 0},
    {43, V_GET, R_WIDGETS, "demo", "widget-a", NULL, 0, NULL, EBB_OK, 0, 0},
    {44, V_UPDATE, R_WIDGETS, "demo", "widget-a", "status", 0, NULL, EBB_OK, 0, 0},
    {45, V_PATCH, R_WIDGETS, "demo", "widget-a", "status", EBB_KUBE_PATCH_MERGE, NULL, EBB_OK, 0,
     0},
    {46, V_UPDATE, R_WIDGETS, "demo", "widget-a", "status", 0, NULL, EBB_ERR_IO, EBB_KUBE_CONFLICT,
     0},
    {49, V_CREATE, R_WIDGETS, "demo", NULL, NULL, 0, NULL, EBB_ERR_IO, EBB_KUBE_INVALID, 1},
    {70, V_CREATE, R_LEASES, "demo", NULL, NULL, 0, NULL, EBB_OK, 0, 0},
    {71, V_UPDATE, R_LEASES, "demo", "demo-operator-leader", NULL, 0, NULL, EBB_OK, 0, 0},
    {72, V_UPDATE, R_LEASES, "demo", "demo-operator-leader", NULL, 0, NULL, EBB_ERR_IO,
     EBB_KUBE_CONFLICT, 0},
    {73, V_GET, R_LEASES, "demo", "demo-operator-leader", NULL, 0, NULL, EBB_OK, 0, 0},
    {80, V_DELETE, R_DEPLOY, "demo", "gamma", NULL, 0, NULL, EBB_OK, 0, 0},
    {81, V_DELETE, R_DEPLOY, "demo", "beta", NULL, 0, "Foreground", EBB_OK, 0, 0},
    {82, V_DELETE, R_DEPLOY, "demo", "gamma", NULL, 0, NULL, EBB_ERR_IO, EBB_KUBE_NOT_FOUND, 0},
    {90, V_CREATE, R_CORE_EVENTS, "demo", NULL, NULL, 0, NULL, EBB_OK, 0, 0},
    {91, V_CREATE, R_EVENTS, "demo", NULL, NULL, 0, NULL, EBB_OK, 0, 0},
    {92, V_CREATE, R_EVENTS, "demo", NULL, NULL, 0, NULL, EBB_ERR_IO, EBB_KUBE_INVALID, 1},
};

static enum ebb_rc run_obj(struct env *e, const struct obj_case *k,
                           const struct ebbt_kube_exchange *x, struct ebb_strbuf *out,
                           struct ebb_kube_error *err)
{
    struct ebb_kube_resource res = resource(k->res);
    struct ebb_kube_write_opts o = opts_of(x);
    struct ebb_kube_delete_opts d = {NULL, NULL, k->propagation, false};
    switch (k->verb) {
    case V_GET:
        return ebb_kube_get(e->c, &res, k->ns, k->name, k->sub, out, err);
    case V_CREATE:
        return ebb_kube_create(e->c, &res, k->ns, x->req_body, x->req_body_len, &o, out, err);
    case V_UPDATE:
        return ebb_kube_update(e->c, &res, k->ns, k->name, k->sub, x->req_body, x->req_body_len, &o,
                               out, err);
    case V_PATCH:
        return ebb_kube_patch(e->c, &res, k->ns, k->name, k->sub, k->pt, x->req_body,
                              x->req_body_len, &o, out, err);
    case V_DELETE:
        return ebb_kube_delete(e->c, &res, k->ns, k->name, &d, out, err);
    }
    return EBB_ERR_INVALID;
}

static void test_object_verbs_against_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(obj_cases) / sizeof(obj_cases[0]); i++) {
        const struct obj_case *k = &obj_cases[i];
        struct ebbt_kube_exchange x;
        struct env e;
        struct ebb_strbuf out = EBB_STRBUF_INIT;
        struct ebb_kube_error err;
        load(k->nn, &x);
        env_start(&e);
        push_x(&e, &x, NULL, NULL);
        enum ebb_rc rc = run_obj(&e, k, &x, &out, &err);
        if (rc != k->rc)
            fail_msg("%s: rc %d, want %d (%s)", x.name, rc, k->rc, err.message);
        assert_int_equal(n_requests(&e), 1); /* nothing retried, not even a 409 */
        assert_request(&e, 0, &x);
        /* The answer comes back as it was: the object, or the Status of the error. */
        assert_int_equal(out.len, x.body_len);
        assert_memory_equal(out.buf, x.body, x.body_len);
        if (rc == EBB_OK) {
            assert_int_equal(err.http_status, 0);
            assert_string_equal(err.message, "");
        } else {
            assert_int_equal(err.http_status, x.status);
            assert_int_equal(err.reason, k->reason);
            assert_true(strlen(err.message) > 10);
            assert_true(err.n_causes >= k->min_causes);
        }
        ebb_strbuf_release(&out);
        env_stop(&e);
        ebbt_kube_release(&x);
    }
}

/* ---- /scale ------------------------------------------------------------------------------ */

struct scale_case {
    int nn;
    enum res_id res;
    const char *name;
    bool patch;
    int32_t replicas;
    enum ebb_rc rc;
    enum ebb_kube_reason reason;
    struct ebb_kube_scale want;
};

static const struct scale_case scale_cases[] = {
    {12, R_DEPLOY, "web", false, 0, EBB_OK, 0, {2, 2, "app=web", "218"}},
    {32, R_STS, "db", false, 0, EBB_OK, 0, {1, 1, "app=db", "298"}},
    {47, R_WIDGETS, "widget-a", false, 0, EBB_OK, 0, {1, 2, "app=widget-a", "358"}},
    {13, R_DEPLOY, "web", true, 3, EBB_OK, 0, {3, 2, "app=web", "220"}},
    {33, R_STS, "db", true, 3, EBB_OK, 0, {3, 1, "app=db", "299"}},
    {48, R_WIDGETS, "widget-a", true, 3, EBB_OK, 0, {3, 2, "app=widget-a", "359"}},
    {25, R_DEPLOY, "web", true, -1, EBB_ERR_IO, EBB_KUBE_INVALID, {0, 0, "", ""}},
    {29, R_DEPLOY, "web", true, 3, EBB_ERR_IO, EBB_KUBE_FORBIDDEN, {0, 0, "", ""}},
};

static void test_scale_get_and_patch(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(scale_cases) / sizeof(scale_cases[0]); i++) {
        const struct scale_case *k = &scale_cases[i];
        struct ebbt_kube_exchange x;
        struct env e;
        struct ebb_kube_error err;
        struct ebb_kube_scale got;
        struct ebb_kube_resource res = resource(k->res);
        load(k->nn, &x);
        env_start(&e);
        push_x(&e, &x, NULL, NULL);
        struct ebb_kube_write_opts o = opts_of(&x);
        enum ebb_rc rc =
            k->patch ? ebb_kube_patch_scale(e.c, &res, "demo", k->name, k->replicas, &o, &got, &err)
                     : ebb_kube_get_scale(e.c, &res, "demo", k->name, &got, &err);
        if (rc != k->rc)
            fail_msg("%s: rc %d, want %d (%s)", x.name, rc, k->rc, err.message);
        assert_int_equal(n_requests(&e), 1);
        assert_request(&e, 0, &x);
        assert_int_equal(got.spec_replicas, k->want.spec_replicas);
        assert_int_equal(got.status_replicas, k->want.status_replicas);
        assert_string_equal(got.selector, k->want.selector);
        assert_string_equal(got.resource_version, k->want.resource_version);
        if (rc) {
            assert_int_equal(err.http_status, x.status);
            assert_int_equal(err.reason, k->reason);
        }
        if (k->reason == EBB_KUBE_INVALID) {
            assert_int_equal(err.n_causes, 1);
            assert_string_equal(err.causes[0].field, "spec.replicas");
        }
        env_stop(&e);
        ebbt_kube_release(&x);
    }
}

/* A 200 that is not a Scale is an error that says what came instead. */
static void test_scale_of_something_else(void **state)
{
    (void)state;
    struct ebbt_kube_exchange x;
    struct env e;
    struct ebb_kube_error err;
    struct ebb_kube_scale got;
    load(11, &x);
    env_start(&e);
    push_x(&e, &x, NULL, NULL);
    assert_int_equal(ebb_kube_get_scale(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "web", &got, &err),
                     EBB_ERR_PARSE);
    assert_int_equal(err.http_status, 200);
    assert_non_null(strstr(err.message, "not a Scale (kind \"Deployment\")"));
    assert_int_equal(got.spec_replicas, 0);
    env_stop(&e);
    ebbt_kube_release(&x);
}

struct decode_case {
    const char *json;
    enum ebb_rc rc;
    const char *err; /* a part of the message */
    int32_t spec, status;
    const char *selector;
};

static const struct decode_case decode_cases[] = {
    {"{\"kind\":\"Scale\",\"spec\":{\"replicas\":4},\"status\":{\"replicas\":3,"
     "\"selector\":\"a=b,c in (d)\"}}",
     EBB_OK, "", 4, 3, "a=b,c in (d)"},
    {"{\"kind\":\"Scale\",\"spec\":{},\"status\":{\"replicas\":0}}", EBB_OK, "", 0, 0, ""},
    {"{\"kind\":\"Scale\",\"spec\":{\"replicas\":1.5}}", EBB_ERR_PARSE, "spec.replicas", 0, 0, ""},
    {"{\"kind\":\"Scale\",\"spec\":{\"replicas\":4294967296}}", EBB_ERR_PARSE, "spec.replicas", 0,
     0, ""},
    {"{\"kind\":\"Scale\",\"status\":{\"replicas\":\"2\"}}", EBB_ERR_PARSE, "status.replicas", 0, 0,
     ""},
    {"{\"kind\":\"Scale\",\"status\":{\"selector\":{\"matchLabels\":{}}}}", EBB_ERR_PARSE,
     "status.selector is not a string", 0, 0, ""},
    {"{\"kind\":\"Status\"}", EBB_ERR_PARSE, "not a Scale (kind \"Status\")", 0, 0, ""},
    {"[1]", EBB_ERR_PARSE, "not a Scale", 0, 0, ""},
};

static void test_scale_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        const struct decode_case *k = &decode_cases[i];
        cJSON *j = cJSON_Parse(k->json);
        struct ebb_kube_scale s;
        char err[256];
        assert_non_null(j);
        assert_int_equal(ebb_kube_scale_decode(j, &s, err, sizeof(err)), k->rc);
        assert_non_null(strstr(err, k->err));
        assert_int_equal(s.spec_replicas, k->spec);
        assert_int_equal(s.status_replicas, k->status);
        assert_string_equal(s.selector, k->selector);
        cJSON_Delete(j);
    }
    /* A selector longer than the field. */
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    ebb_strbuf_adds(&sb, "{\"kind\":\"Scale\",\"status\":{\"selector\":\"");
    for (int i = 0; i < 1024; i++)
        ebb_strbuf_addch(&sb, 'a');
    ebb_strbuf_adds(&sb, "\"}}");
    cJSON *j = cJSON_Parse(sb.buf);
    struct ebb_kube_scale s;
    char err[256];
    assert_int_equal(ebb_kube_scale_decode(j, &s, err, sizeof(err)), EBB_ERR_LIMIT);
    assert_non_null(strstr(err, "longer than 1023 bytes"));
    cJSON_Delete(j);
    ebb_strbuf_release(&sb);
}

/* ---- list -------------------------------------------------------------------------------- */

/* What a list handed over: item names, "-" for a restart. */
struct items {
    char names[512];
    int n, restarts;
    int stop_after; /* > 0: stop at that item */
};

static int collect_item(void *ctx, const cJSON *item)
{
    struct items *it = ctx;
    size_t len = strlen(it->names);
    if (item == NULL) {
        it->restarts++;
        snprintf(it->names + len, sizeof(it->names) - len, "%s-", len ? " " : "");
        return 0;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(item, "metadata");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
    snprintf(it->names + len, sizeof(it->names) - len, "%s%s", len ? " " : "",
             cJSON_IsString(name) ? name->valuestring : "?");
    it->n++;
    return it->stop_after > 0 && it->n >= it->stop_after;
}

/* The item names and resourceVersion of a recorded list body. */
static void names_of(const struct ebbt_kube_exchange *x, char *names, size_t sz, char *rv,
                     size_t rvsz)
{
    cJSON *root = cJSON_ParseWithLength(x->body, x->body_len);
    const cJSON *it;
    names[0] = '\0';
    assert_non_null(root);
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "items"))
    {
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(it, "metadata");
        size_t len = strlen(names);
        snprintf(names + len, sz - len, "%s%s", len ? " " : "",
                 cJSON_GetObjectItemCaseSensitive(meta, "name")->valuestring);
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    snprintf(rv, rvsz, "%s",
             cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion")->valuestring);
    cJSON_Delete(root);
}

struct list_case {
    int nn;
    enum res_id res;
    const char *ns;
    struct ebb_kube_query q;
    enum ebb_rc rc;
    enum ebb_kube_reason reason;
};

static const struct list_case list_cases[] = {
    {55, R_DEPLOY, "demo", {.label_selector = "app=web"}, EBB_OK, 0},
    {59, R_WIDGETS, "demo", {0}, EBB_OK, 0},
    {74, R_LEASES, "kube-system", {0}, EBB_OK, 0},
    {93, R_CORE_EVENTS, "demo", {.field_selector = "involvedObject.name=widget-a"}, EBB_OK, 0},
    {94, R_EVENTS, "demo", {.field_selector = "regarding.name=widget-a"}, EBB_OK, 0},
    {54,
     R_DEPLOY,
     "demo",
     {.resource_version = "315", .resource_version_match = "NotOlderThan"},
     EBB_OK,
     0},
    {28, R_DEPLOY, "demo", {0}, EBB_ERR_IO, EBB_KUBE_FORBIDDEN},
    {30, R_DEPLOY, "demo", {0}, EBB_ERR_IO, EBB_KUBE_UNAUTHORIZED},
    {58,
     R_DEPLOY,
     "demo",
     {.resource_version = "346", .resource_version_match = "Exact"},
     EBB_ERR_IO,
     EBB_KUBE_EXPIRED},
};

static void test_list_against_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
        const struct list_case *k = &list_cases[i];
        struct ebbt_kube_exchange x;
        struct env e;
        struct ebb_kube_error err;
        struct items got = {"", 0, 0, 0};
        struct ebb_kube_resource res = resource(k->res);
        char rv[64], want_names[512], want_rv[64];
        load(k->nn, &x);
        env_start(&e);
        push_x(&e, &x, NULL, NULL);
        enum ebb_rc rc =
            ebb_kube_list(e.c, &res, k->ns, &k->q, collect_item, &got, rv, sizeof(rv), &err);
        if (rc != k->rc)
            fail_msg("%s: rc %d, want %d (%s)", x.name, rc, k->rc, err.message);
        assert_int_equal(n_requests(&e), 1); /* a 410 without a continue token: no relist */
        assert_request(&e, 0, &x);
        if (rc == EBB_OK) {
            names_of(&x, want_names, sizeof(want_names), want_rv, sizeof(want_rv));
            assert_string_equal(got.names, want_names);
            assert_string_equal(rv, want_rv);
            assert_true(got.n > 0);
        } else {
            assert_int_equal(err.http_status, x.status);
            assert_int_equal(err.reason, k->reason);
            assert_int_equal(got.n, 0);
            assert_string_equal(rv, "");
        }
        env_stop(&e);
        ebbt_kube_release(&x);
    }
}

/* Two pages: the second asks with the first one's continue token, and
 * without the resourceVersion[Match] of the first (53 then 51). */
static void test_list_pages(void **state)
{
    (void)state;
    static const struct {
        int first;
        struct ebb_kube_query q;
    } cases[] = {
        {50, {.limit = 2}},
        {53, {.limit = 2, .resource_version = "315", .resource_version_match = "Exact"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebbt_kube_exchange p1, p2;
        struct env e;
        struct ebb_kube_error err;
        struct items got = {"", 0, 0, 0};
        char rv[64], n1[512], n2[512], want[1100], rv1[64], rv2[64];
        load(cases[i].first, &p1);
        load(51, &p2);
        env_start(&e);
        push_x(&e, &p1, NULL, NULL);
        push_x(&e, &p2, NULL, NULL);
        assert_int_equal(ebb_kube_list(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", &cases[i].q,
                                       collect_item, &got, rv, sizeof(rv), &err),
                         EBB_OK);
        assert_int_equal(n_requests(&e), 2);
        assert_request(&e, 0, &p1);
        assert_request(&e, 1, &p2);
        names_of(&p1, n1, sizeof(n1), rv1, sizeof(rv1));
        names_of(&p2, n2, sizeof(n2), rv2, sizeof(rv2));
        snprintf(want, sizeof(want), "%s %s", n1, n2);
        assert_string_equal(got.names, want);
        assert_int_equal(got.n, 4);
        assert_string_equal(rv, "315");
        assert_int_equal(got.restarts, 0);
        env_stop(&e);
        ebbt_kube_release(&p1);
        ebbt_kube_release(&p2);
    }
}

/* The continue token of fixture 57's request. */
static const char *token_of(const struct ebbt_kube_exchange *x)
{
    const char *t = strstr(x->target, "continue=");
    assert_non_null(t);
    return t + strlen("continue=");
}

/* Page 1 hands out the token 57 then refuses as expired: the list starts
 * again from page 1 (items restart) and completes with 50 + 51. */
static void test_list_relists_after_expired_continue(void **state)
{
    (void)state;
    struct ebbt_kube_exchange p1, p2, gone;
    struct env e;
    struct ebb_kube_error err;
    struct items got = {"", 0, 0, 0};
    char rv[64];
    struct ebb_kube_query q = {.limit = 2};
    load(50, &p1);
    load(51, &p2);
    load(57, &gone);
    const char *old = token_of(&p2), *expired = token_of(&gone);
    env_start(&e);
    push_x(&e, &p1, old, expired);
    push_x(&e, &gone, NULL, NULL);
    push_x(&e, &p1, NULL, NULL);
    push_x(&e, &p2, NULL, NULL);
    assert_int_equal(ebb_kube_list(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", &q, collect_item, &got, rv,
                                   sizeof(rv), &err),
                     EBB_OK);
    assert_int_equal(n_requests(&e), 4);
    assert_request(&e, 0, &p1);
    assert_request(&e, 1, &gone);
    assert_request(&e, 2, &p1);
    assert_request(&e, 3, &p2);
    assert_string_equal(got.names, "alpha beta - alpha beta gamma web");
    assert_int_equal(got.restarts, 1);
    assert_string_equal(rv, "315");
    env_stop(&e);

    /* It keeps expiring: after EBB_KUBE_LIST_MAX_RELISTS relists the 410 is returned. */
    memset(&got, 0, sizeof(got));
    env_start(&e);
    for (int i = 0; i <= EBB_KUBE_LIST_MAX_RELISTS; i++) {
        push_x(&e, &p1, old, expired);
        push_x(&e, &gone, NULL, NULL);
    }
    assert_int_equal(ebb_kube_list(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", &q, collect_item, &got, rv,
                                   sizeof(rv), &err),
                     EBB_ERR_IO);
    assert_int_equal(err.http_status, 410);
    assert_int_equal(err.reason, EBB_KUBE_EXPIRED);
    assert_string_equal(err.continue_token,
                        "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiYmV0YVx1MDAwMCJ9");
    assert_int_equal(got.restarts, EBB_KUBE_LIST_MAX_RELISTS);
    assert_int_equal(n_requests(&e), 2 * (EBB_KUBE_LIST_MAX_RELISTS + 1));
    env_stop(&e);
    ebbt_kube_release(&p1);
    ebbt_kube_release(&p2);
    ebbt_kube_release(&gone);
}

/* The item callback stops the list; a resourceVersion that does not fit. */
static void test_list_stopped_and_small_rv(void **state)
{
    (void)state;
    struct ebbt_kube_exchange p1;
    struct env e;
    struct ebb_kube_error err;
    struct items got = {"", 0, 0, 1};
    char rv[3];
    struct ebb_kube_query q = {.limit = 2};
    load(50, &p1);
    env_start(&e);
    push_x(&e, &p1, NULL, NULL);
    assert_int_equal(ebb_kube_list(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", &q, collect_item, &got, rv,
                                   sizeof(rv), &err),
                     EBB_ERR_INVALID);
    assert_string_equal(err.message, "list deployments in demo: stopped by the caller");
    assert_int_equal(got.n, 1);
    assert_int_equal(n_requests(&e), 1);
    env_stop(&e);
    ebbt_kube_release(&p1);

    load(55, &p1);
    env_start(&e);
    push_x(&e, &p1, NULL, NULL);
    assert_int_equal(
        ebb_kube_list(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", NULL, NULL, NULL, rv, sizeof(rv), &err),
        EBB_ERR_LIMIT);
    assert_non_null(strstr(err.message, "longer than 2 bytes"));
    env_stop(&e);
    ebbt_kube_release(&p1);
}

/* ---- delete preconditions ---------------------------------------------------------------- */

static void test_delete_preconditions_body(void **state)
{
    (void)state;
    struct ebbt_kube_exchange x;
    struct env e;
    struct ebb_kube_error err;
    struct ebb_strbuf out = EBB_STRBUF_INIT;
    struct ebb_kube_delete_opts d = {"6ccfa2aa-1e35-421d-bfdb-302eafbd1649", "315", "Background",
                                     true};
    static const char want[] =
        "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"preconditions\":{\"uid\":"
        "\"6ccfa2aa-1e35-421d-bfdb-302eafbd1649\",\"resourceVersion\":\"315\"},"
        "\"propagationPolicy\":\"Background\",\"dryRun\":[\"All\"]}";
    load(80, &x);
    env_start(&e);
    push_x(&e, &x, NULL, NULL);
    assert_int_equal(ebb_kube_delete(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "gamma", &d, &out, &err),
                     EBB_OK);
    struct ebb_replay_request r = seen_request(&e, 0);
    assert_string_equal(r.method, "DELETE");
    assert_string_equal(r.target, x.target);
    assert_string_equal(r.content_type, "application/json");
    assert_true(json_equal(r.body, r.body_len, want, strlen(want)));
    assert_non_null(strstr(out.buf, "\"kind\":\"Status\""));
    ebb_strbuf_release(&out);
    env_stop(&e);
    ebbt_kube_release(&x);
}

/* ---- refused before anything is sent ----------------------------------------------------- */

static void test_refused_locally(void **state)
{
    (void)state;
    struct env e;
    struct ebb_kube_error err;
    struct ebb_strbuf out = EBB_STRBUF_INIT;
    static const char no_rv[] = "{\"metadata\":{\"name\":\"web\"},\"spec\":{}}";
    static const char patch[] = "{\"spec\":{}}";
    struct ebb_kube_write_opts no_manager = {"", false, true};
    struct ebb_kube_delete_opts bad_policy = {NULL, NULL, "Cascade", false};
    struct ebb_kube_query cont = {.continue_token = "abc"};
    env_start(&e);

    assert_int_equal(ebb_kube_update(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "web", NULL, no_rv,
                                     strlen(no_rv), NULL, &out, &err),
                     EBB_ERR_INVALID);
    assert_non_null(strstr(err.message, "update deployments demo/web: the object has no "
                                        "metadata.resourceVersion"));
    assert_int_equal(err.http_status, 0);
    assert_int_equal(ebb_kube_update(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "web", NULL, "nope", 4,
                                     NULL, &out, &err),
                     EBB_ERR_PARSE);
    assert_string_equal(err.message,
                        "update deployments demo/web: the object is not a JSON object");
    assert_int_equal(ebb_kube_patch(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "web", NULL,
                                    EBB_KUBE_PATCH_APPLY, patch, strlen(patch), &no_manager, &out,
                                    &err),
                     EBB_ERR_INVALID);
    assert_string_equal(err.message,
                        "patch deployments demo/web: a server-side apply needs a field manager");
    assert_int_equal(ebb_kube_patch(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "web", NULL,
                                    (enum ebb_kube_patch_type)9, patch, strlen(patch), NULL, &out,
                                    &err),
                     EBB_ERR_INVALID);
    assert_string_equal(err.message, "patch deployments demo/web: unknown patch type 9");
    assert_int_equal(
        ebb_kube_delete(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "web", &bad_policy, &out, &err),
        EBB_ERR_INVALID);
    assert_non_null(strstr(err.message, "propagation policy \"Cascade\" is not one of"));
    assert_int_equal(
        ebb_kube_list(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", &cont, NULL, NULL, NULL, 0, &err),
        EBB_ERR_INVALID);
    assert_non_null(strstr(err.message, "leave continue_token unset"));
    assert_int_equal(ebb_kube_get(e.c, &EBB_KUBE_CRDS, "demo", "x", NULL, &out, &err),
                     EBB_ERR_INVALID);
    assert_string_equal(err.message, "get customresourcedefinitions demo/x: "
                                     "customresourcedefinitions are cluster-scoped: give no "
                                     "namespace");
    assert_int_equal(ebb_kube_get(e.c, &EBB_KUBE_DEPLOYMENTS, NULL, "web", NULL, &out, &err),
                     EBB_ERR_INVALID);
    assert_string_equal(err.message,
                        "get deployments web: deployments are namespaced: give the namespace");
    assert_int_equal(ebb_kube_get(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "..", NULL, &out, &err),
                     EBB_ERR_INVALID);
    assert_string_equal(err.message, "get deployments demo/..: name \"..\" is not a valid name");
    assert_int_equal(ebb_kube_get(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", NULL, NULL, &out, &err),
                     EBB_ERR_INVALID);
    assert_string_equal(err.message, "get deployments in demo: no object name given");
    assert_int_equal(ebb_kube_get_scale(NULL, &EBB_KUBE_DEPLOYMENTS, "demo", "web", NULL, &err),
                     EBB_ERR_INVALID);
    assert_int_equal(n_requests(&e), 0);
    ebb_strbuf_release(&out);
    env_stop(&e);
}

/* ---- async forms ------------------------------------------------------------------------- */

struct async_seen {
    int results, scales, lists;
    enum ebb_rc rc[3];
    int http;
    struct ebb_kube_scale scale;
    char rv[64];
    char kind[64];
    struct items items;
};

static void async_result(void *ctx, const struct ebb_kube_result *r)
{
    struct async_seen *s = ctx;
    s->results++;
    s->rc[0] = r->rc;
    s->http = r->http_status;
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(r->object, "kind");
    snprintf(s->kind, sizeof(s->kind), "%s", cJSON_IsString(kind) ? kind->valuestring : "");
}

static void async_scale(void *ctx, enum ebb_rc rc, const struct ebb_kube_scale *scale,
                        const struct ebb_kube_error *err)
{
    struct async_seen *s = ctx;
    s->scales++;
    s->rc[1] = rc;
    assert_true((rc == EBB_OK) == (scale != NULL) && (rc == EBB_OK) == (err == NULL));
    if (scale)
        s->scale = *scale;
}

static int async_item(void *ctx, const cJSON *item)
{
    struct async_seen *s = ctx;
    return collect_item(&s->items, item);
}

static void async_list_done(void *ctx, enum ebb_rc rc, const char *list_rv,
                            const struct ebb_kube_error *err)
{
    struct async_seen *s = ctx;
    s->lists++;
    s->rc[2] = rc;
    assert_true(rc == EBB_OK ? err == NULL && list_rv != NULL : err != NULL);
    if (list_rv)
        snprintf(s->rv, sizeof(s->rv), "%s", list_rv);
}

static void poll_until(struct env *e, const struct async_seen *s, int want)
{
    for (int i = 0; i < 500 && s->results + s->scales + s->lists < want; i++)
        assert_int_equal(ebb_kube_client_poll(e->c, 20), EBB_OK);
}

/* A get, a scale and a paged list in flight at once, one loop. */
static void test_async_forms_run_together(void **state)
{
    (void)state;
    struct ebbt_kube_exchange p1, p2, scale, obj;
    struct env e;
    struct async_seen s;
    struct ebb_kube_call c1 = {0}, c2 = {0}, c3 = {0};
    struct ebb_kube_query q = {.limit = 2};
    memset(&s, 0, sizeof(s));
    load(50, &p1);
    load(51, &p2);
    load(12, &scale);
    load(11, &obj);
    env_start(&e);
    /* The server answers in arrival order; the three go out in submission
     * order, the second page after them. */
    push_x(&e, &obj, NULL, NULL);
    push_x(&e, &scale, NULL, NULL);
    push_x(&e, &p1, NULL, NULL);
    push_x(&e, &p2, NULL, NULL);
    assert_int_equal(
        ebb_kube_get_async(&c1, e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "web", NULL, async_result, &s),
        EBB_OK);
    assert_int_equal(ebb_kube_client_poll(e.c, 0), EBB_OK);
    assert_int_equal(
        ebb_kube_get_scale_async(&c2, e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "web", async_scale, &s),
        EBB_OK);
    /* A running call cannot be started again. */
    assert_int_equal(
        ebb_kube_get_scale_async(&c2, e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "web", async_scale, &s),
        EBB_ERR_INVALID);
    poll_until(&e, &s, 2);
    assert_int_equal(ebb_kube_list_async(&c3, e.c, &EBB_KUBE_DEPLOYMENTS, "demo", &q, async_item,
                                         async_list_done, &s),
                     EBB_OK);
    assert_true(ebb_kube_call_running(&c3));
    poll_until(&e, &s, 3);
    assert_int_equal(s.results, 1);
    assert_int_equal(s.scales, 1);
    assert_int_equal(s.lists, 1);
    assert_int_equal(s.rc[0], EBB_OK);
    assert_int_equal(s.rc[1], EBB_OK);
    assert_int_equal(s.rc[2], EBB_OK);
    assert_int_equal(s.http, 200);
    assert_string_equal(s.kind, "Deployment");
    assert_int_equal(s.scale.spec_replicas, 2);
    assert_string_equal(s.scale.selector, "app=web");
    assert_string_equal(s.rv, "315");
    assert_string_equal(s.items.names, "alpha beta gamma web");
    assert_false(ebb_kube_call_running(&c1) || ebb_kube_call_running(&c2) ||
                 ebb_kube_call_running(&c3));
    assert_int_equal(n_requests(&e), 4);
    assert_request(&e, 2, &p1);
    assert_request(&e, 3, &p2);
    env_stop(&e);
    ebbt_kube_release(&p1);
    ebbt_kube_release(&p2);
    ebbt_kube_release(&scale);
    ebbt_kube_release(&obj);
}

/* A cancelled list calls nothing back and leaves nothing behind. */
static void test_async_cancel(void **state)
{
    (void)state;
    struct ebbt_kube_exchange p1;
    struct env e;
    struct async_seen s;
    struct ebb_kube_call call = {0};
    struct ebb_kube_query q = {.limit = 2, .label_selector = "app"};
    char path[512];
    struct ebb_strbuf wire = EBB_STRBUF_INIT;
    memset(&s, 0, sizeof(s));
    load(50, &p1);
    env_start(&e);
    snprintf(path, sizeof(path), FIX "%s", p1.name);
    assert_int_equal(ebb_replay_fixture(path, &wire, NULL), EBB_OK);
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = wire.buf;
    st.len = wire.len;
    st.delay_ms = 300;
    assert_int_equal(ebb_replay_push(e.srv, &st), EBB_OK);
    assert_int_equal(ebb_kube_list_async(&call, e.c, &EBB_KUBE_DEPLOYMENTS, "demo", &q, async_item,
                                         async_list_done, &s),
                     EBB_OK);
    for (int i = 0; i < 100 && n_requests(&e) == 0; i++)
        assert_int_equal(ebb_kube_client_poll(e.c, 10), EBB_OK);
    assert_int_equal(n_requests(&e), 1);
    ebb_kube_call_cancel(&call);
    assert_false(ebb_kube_call_running(&call));
    ebb_kube_call_cancel(&call); /* again: a no-op */
    assert_int_equal(ebb_kube_client_pending(e.c), 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(ebb_kube_client_poll(e.c, 20), EBB_OK);
    assert_int_equal(s.lists, 0);
    assert_int_equal(s.items.n, 0);
    ebb_strbuf_release(&wire);
    env_stop(&e);
    ebbt_kube_release(&p1);
}

/* ---- server-side apply: force only when asked -------------------------------------------- */

static void test_apply_force(void **state)
{
    (void)state;
    static const struct {
        enum ebb_kube_patch_type t;
        bool opts, force;
        const char *query;
    } cases[] = {
        {EBB_KUBE_PATCH_APPLY, true, true, "?fieldManager=ebb&force=true"},
        {EBB_KUBE_PATCH_APPLY, true, false, "?fieldManager=ebb"},
        {EBB_KUBE_PATCH_APPLY, false, false, "?fieldManager=ebb"}, /* NULL options */
        {EBB_KUBE_PATCH_MERGE, true, true, "?fieldManager=ebb"},   /* apply only */
    };
    static const char path[] = "/apis/apps/v1/namespaces/demo/deployments/web";
    struct ebbt_kube_exchange x;
    load(20, &x);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct env e;
        struct ebb_kube_error err;
        char want[256];
        struct ebb_kube_write_opts o = {NULL, false, cases[i].force};
        env_start(&e);
        push_x(&e, &x, NULL, NULL);
        assert_int_equal(ebb_kube_patch(e.c, &EBB_KUBE_DEPLOYMENTS, "demo", "web", NULL, cases[i].t,
                                        x.req_body, x.req_body_len, cases[i].opts ? &o : NULL, NULL,
                                        &err),
                         EBB_OK);
        struct ebb_replay_request r = seen_request(&e, 0);
        snprintf(want, sizeof(want), "%s%s", path, cases[i].query);
        assert_string_equal(r.method, "PATCH");
        assert_string_equal(r.target, want);
        assert_string_equal(r.content_type, ebb_kube_patch_content_type(cases[i].t));
        env_stop(&e);
    }
    ebbt_kube_release(&x);
}

static void test_patch_content_types(void **state)
{
    (void)state;
    assert_string_equal(ebb_kube_patch_content_type(EBB_KUBE_PATCH_MERGE),
                        "application/merge-patch+json");
    assert_string_equal(ebb_kube_patch_content_type(EBB_KUBE_PATCH_STRATEGIC),
                        "application/strategic-merge-patch+json");
    assert_string_equal(ebb_kube_patch_content_type(EBB_KUBE_PATCH_JSON),
                        "application/json-patch+json");
    assert_string_equal(ebb_kube_patch_content_type(EBB_KUBE_PATCH_APPLY),
                        "application/apply-patch+yaml");
    assert_null(ebb_kube_patch_content_type(EBB_KUBE_PATCH__COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_verbs_against_fixtures),
        cmocka_unit_test(test_scale_get_and_patch),
        cmocka_unit_test(test_scale_of_something_else),
        cmocka_unit_test(test_scale_decode),
        cmocka_unit_test(test_list_against_fixtures),
        cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_list_relists_after_expired_continue),
        cmocka_unit_test(test_list_stopped_and_small_rv),
        cmocka_unit_test(test_delete_preconditions_body),
        cmocka_unit_test(test_refused_locally),
        cmocka_unit_test(test_async_forms_run_together),
        cmocka_unit_test(test_async_cancel),
        cmocka_unit_test(test_apply_force),
        cmocka_unit_test(test_patch_content_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
