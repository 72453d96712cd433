/* kube_fixtures_test.c -- every recorded exchange of tests/fixtures/kube-api
 * is parsed and asserted: the request line and body, the status code, the
 * headers and the body; every non-2xx response becomes the typed error its
 * Status names (reason, message, causes, code); every 2xx JSON body parses,
 * and every watch stream goes through the decoder into the events of its
 * EVENT SUMMARY, the 410 ERROR events included. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/kube/status.h"
#include "../../pkg/kube/watch.h"
#include "kube_fixture.h"

#define MAX_EVENTS 64

struct counts {
    size_t files, errors, watches, json_bodies, watch_events, error_events, request_bodies;
};

static const char *json_string(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A non-2xx response: its Status, read here with cJSON, against the typed
 * error. */
static void check_error(const struct ebbt_kube_exchange *x, struct counts *n)
{
    struct ebb_kube_error e;
    ebb_kube_error_from_response(x->status, x->body, x->body_len,
                                 ebbt_kube_header(x, "Retry-After"), &e);
    assert_int_equal(e.http_status, x->status);
    assert_int_not_equal(e.reason, EBB_KUBE_REASON_UNKNOWN);

    cJSON *st = cJSON_ParseWithLength(x->body, x->body_len);
    if (st == NULL || !cJSON_IsObject(st))
        fail_msg("%s: the error body is not a JSON object", x->name);
    const char *kind = json_string(st, "kind");
    const char *reason = json_string(st, "reason");
    const char *message = json_string(st, "message");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(st, "code");
    if (kind == NULL || strcmp(kind, "Status") != 0 || reason == NULL || message == NULL)
        fail_msg("%s: the error body is not a Status with a reason and message", x->name);
    assert_string_equal(json_string(st, "status"), "Failure");
    assert_true(cJSON_IsNumber(code));
    assert_int_equal(code->valueint, x->status);
    if (strcmp(ebb_kube_reason_name(e.reason), reason) != 0)
        fail_msg("%s: reason %s, the body says %s", x->name, ebb_kube_reason_name(e.reason),
                 reason);
    assert_true(strlen(message) < sizeof(e.message));
    assert_string_equal(e.message, message);

    const cJSON *details = cJSON_GetObjectItemCaseSensitive(st, "details");
    const cJSON *causes = cJSON_GetObjectItemCaseSensitive(details, "causes");
    size_t want = cJSON_IsArray(causes) ? (size_t)cJSON_GetArraySize(causes) : 0;
    assert_int_equal(e.n_causes, want);
    for (size_t i = 0; i < want; i++) {
        const cJSON *c = cJSON_GetArrayItem(causes, (int)i);
        assert_string_equal(e.causes[i].type, json_string(c, "reason"));
        assert_string_equal(e.causes[i].field, json_string(c, "field"));
        assert_string_equal(e.causes[i].message, json_string(c, "message"));
    }
    const char *cont = json_string(cJSON_GetObjectItemCaseSensitive(st, "metadata"), "continue");
    assert_string_equal(e.continue_token, cont != NULL ? cont : "");
    assert_int_equal(e.retry_after_s, -1);

    char line[4096];
    ebb_kube_error_format(&e, line, sizeof(line));
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%d %s: ", x->status, reason);
    assert_memory_equal(line, prefix, strlen(prefix));
    cJSON_Delete(st);
    n->errors++;
}

struct collector {
    struct ebbt_kube_summary_event want[MAX_EVENTS];
    size_t n_want;
    size_t n;
    const char *name;
    size_t errors;
};

static int on_event(void *ctx, const struct ebb_watch_event *ev)
{
    struct collector *c = ctx;
    if (c->n == c->n_want)
        fail_msg("%s: more events than the summary lists", c->name);
    const struct ebbt_kube_summary_event *w = &c->want[c->n++];
    const char *kind = json_string(ev->object, "kind");
    const char *name =
        json_string(cJSON_GetObjectItemCaseSensitive(ev->object, "metadata"), "name");
    assert_string_equal(ebb_watch_type_name(ev->type), w->type);
    assert_string_equal(kind != NULL ? kind : "", w->kind);
    assert_string_equal(name != NULL ? name : "", w->name);
    assert_string_equal(ev->resource_version, w->rv);
    if (ev->type == EBB_WATCH_ERROR) {
        assert_int_equal(ev->error->http_status, w->code);
        assert_string_equal(ebb_kube_reason_name(ev->error->reason), w->reason);
        /* the 410 path: the caller relists, it does not retry the watch */
        assert_int_equal(ev->error->reason, EBB_KUBE_EXPIRED);
        assert_false(ebb_kube_error_retryable(ev->error));
        c->errors++;
    } else {
        assert_int_equal(w->code, 0);
    }
    return 0;
}

static void check_watch(const struct ebbt_kube_exchange *x, struct counts *n)
{
    struct collector *c = calloc(1, sizeof(*c));
    struct ebb_watch_decoder d;
    assert_non_null(c);
    int k = ebbt_kube_summary(x, c->want, MAX_EVENTS);
    if (k <= 0)
        fail_msg("%s: a watch without an EVENT SUMMARY", x->name);
    c->n_want = (size_t)k;
    c->name = x->name;
    assert_string_equal(ebbt_kube_header(x, "Transfer-Encoding"), "chunked");
    assert_string_equal(ebbt_kube_header(x, "Content-Type"), "application/json");

    ebb_watch_decoder_init(&d, 0);
    if (ebb_watch_decoder_feed(&d, x->body, x->body_len, on_event, c) != EBB_OK)
        fail_msg("%s: %s", x->name, d.err);
    assert_int_equal(ebb_watch_decoder_finish(&d), EBB_OK);
    assert_int_equal(c->n, c->n_want);
    assert_int_equal(d.events, c->n_want);
    /* last_rv: the rv of the last event that is not an ERROR */
    const char *last = "";
    for (size_t i = 0; i < c->n_want; i++) {
        if (strcmp(c->want[i].type, "ERROR") != 0)
            last = c->want[i].rv;
    }
    assert_string_equal(d.last_rv, last);
    ebb_watch_decoder_release(&d);
    n->watches++;
    n->watch_events += c->n_want;
    n->error_events += c->errors;
    free(c);
}

static void check_success(const struct ebbt_kube_exchange *x, struct counts *n)
{
    if (strstr(x->target, "watch=1") != NULL) {
        check_watch(x, n);
        return;
    }
    assert_null(x->summary);
    assert_non_null(strstr(ebbt_kube_header(x, "Content-Type"), "application/json"));
    cJSON *root = cJSON_ParseWithLength(x->body, x->body_len);
    if (root == NULL || !cJSON_IsObject(root))
        fail_msg("%s: the body is not a JSON object", x->name);
    const char *kind = json_string(root, "kind");
    if (strcmp(x->target, "/version") == 0) {
        assert_non_null(json_string(root, "gitVersion"));
    } else {
        if (kind == NULL)
            fail_msg("%s: a body without a kind", x->name);
        /* a DELETE may answer with a Status, and then a successful one */
        if (strcmp(kind, "Status") == 0)
            assert_string_equal(json_string(root, "status"), "Success");
    }
    cJSON_Delete(root);
    n->json_bodies++;
}

static void check_request(const struct ebbt_kube_exchange *x, struct counts *n)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    bool known = false;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        known = known || strcmp(x->method, methods[i]) == 0;
    assert_true(known);
    assert_true(x->target[0] == '/');
    assert_string_equal(ebbt_kube_req_header(x, "Authorization"), "Bearer REDACTED");
    if (x->req_body_len == 0) {
        assert_null(ebbt_kube_req_header(x, "Content-Type"));
        return;
    }
    const char *ct = ebbt_kube_req_header(x, "Content-Type");
    assert_non_null(ct);
    if (strcmp(ct, "application/apply-patch+yaml") == 0) {
        assert_memory_equal(x->req_body, "apiVersion: ", 12);
    } else {
        assert_non_null(strstr(ct, "json"));
        cJSON *b = cJSON_ParseWithLength(x->req_body, x->req_body_len);
        if (b == NULL)
            fail_msg("%s: the request body is not JSON", x->name);
        cJSON_Delete(b);
    }
    n->request_bodies++;
}

static void test_every_exchange(void **state)
{
    (void)state;
    char *names[EBBT_KUBE_MAX_FILES];
    size_t count = ebbt_kube_list(names, EBBT_KUBE_MAX_FILES);
    struct counts n = {0};

    for (size_t i = 0; i < count; i++) {
        struct ebbt_kube_exchange x;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", EBBT_KUBE_FIXTURE_DIR, names[i]);
        if (!ebbt_kube_load(path, &x))
            fail_msg("%s", x.err);
        check_request(&x, &n);
        if (x.status < 100 || x.status > 599)
            fail_msg("%s: status %d", x.name, x.status);
        assert_non_null(ebbt_kube_header(&x, "Date"));
        assert_true(x.body_len > 0);
        if (x.status >= 200 && x.status <= 299)
            check_success(&x, &n);
        else
            check_error(&x, &n);
        n.files++;
        ebbt_kube_release(&x);
    }
    ebbt_kube_list_free(names, count);

    /* what the directory holds (README.md): a new file is taken in here */
    assert_int_equal(n.files, 72);
    assert_int_equal(n.errors, 17);
    assert_int_equal(n.watches, 8);
    assert_int_equal(n.json_bodies, 72 - 17 - 8);
    assert_int_equal(n.error_events, 3);
    assert_true(n.watch_events >= 20);
    assert_int_equal(n.request_bodies, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_exchange),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
