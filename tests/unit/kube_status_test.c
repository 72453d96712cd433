/* kube_status_test.c -- typed API errors: every recorded error response
 * (status, reason, message, causes, the continue token of a 410), bodies
 * that are not a Status (HTML, text, empty, JSON of the wrong shape),
 * hostile ones (huge strings, 100 causes, control characters), Retry-After,
 * retryability, transport errors and the one-line format. */
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

#include "../../pkg/base/strbuf.h"
#include "../../pkg/kube/status.h"
#include "kube_fixture.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void from_body(int code, const char *body, const char *retry_after, struct ebb_kube_error *e)
{
    ebb_kube_error_from_response(code, body, body != NULL ? strlen(body) : 0, retry_after, e);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- the recorded error responses ----------------------------------------- */

struct want_cause {
    const char *type;
    const char *field;
    const char *message; /* prefix */
};

struct fixture_case {
    int nn;
    int status;
    enum ebb_kube_reason reason;
    const char *message; /* prefix */
    size_t n_causes;
    struct want_cause causes[3];
    const char *continue_token;
};

static const struct fixture_case fixture_cases[] = {
    {19,
     422,
     EBB_KUBE_INVALID,
     "the server rejected our request due to an error in our request",
     0,
     {{0}},
     ""},
    {21,
     409,
     EBB_KUBE_CONFLICT,
     "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified",
     0,
     {{0}},
     ""},
    {23, 404, EBB_KUBE_NOT_FOUND, "deployments.apps \"does-not-exist\" not found", 0, {{0}}, ""},
    {24,
     422,
     EBB_KUBE_INVALID,
     "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1",
     1,
     {{"FieldValueInvalid", "spec.replicas",
       "Invalid value: -1: must be greater than or equal to 0"}},
     ""},
    {25,
     422,
     EBB_KUBE_INVALID,
     "Scale.autoscaling \"web\" is invalid: spec.replicas",
     1,
     {{"FieldValueInvalid", "spec.replicas",
       "Invalid value: -1: must be greater than or equal to 0"}},
     ""},
    {26,
     422,
     EBB_KUBE_INVALID,
     "Deployment.apps \"Bad_Name\" is invalid: [metadata.name: Invalid value: \"Bad_Name\"",
     2,
     {{"FieldValueInvalid", "metadata.name",
       "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of"},
      {"FieldValueInvalid", "spec.template.metadata.labels",
       "Invalid value: map[string]string{\"app\":\"y\"}: `selector` does not match template "
       "`labels`"}},
     ""},
    {27, 409, EBB_KUBE_ALREADY_EXISTS, "deployments.apps \"web\" already exists", 0, {{0}}, ""},
    {28,
     403,
     EBB_KUBE_FORBIDDEN,
     "deployments.apps is forbidden: User \"operator-test\" cannot list resource \"deployments\"",
     0,
     {{0}},
     ""},
    {29,
     403,
     EBB_KUBE_FORBIDDEN,
     "deployments.apps \"web\" is forbidden: User \"operator-test\" cannot patch resource "
     "\"deployments/scale\"",
     0,
     {{0}},
     ""},
    {30, 401, EBB_KUBE_UNAUTHORIZED, "Unauthorized", 0, {{0}}, ""},
    {46,
     409,
     EBB_KUBE_CONFLICT,
     "Operation cannot be fulfilled on widgets.example.dev \"widget-a\"",
     0,
     {{0}},
     ""},
    {49,
     422,
     EBB_KUBE_INVALID,
     "Widget.example.dev \"widget-bad\" is invalid: [spec.replicas: Invalid value: -3",
     3,
     {{"FieldValueInvalid", "spec.replicas",
       "Invalid value: -3: spec.replicas in body should be greater than or equal to 0"},
      {"FieldValueNotSupported", "spec.size",
       "Unsupported value: \"huge\": supported values: \"small\", \"medium\", \"large\""},
      {"FieldValueInvalid", ".spec.replicas",
       "Invalid value: -3: should be a non-negative integer"}},
     ""},
    {57,
     410,
     EBB_KUBE_EXPIRED,
     "The provided continue parameter is too old to display a consistent list result.",
     0,
     {{0}},
     "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiYmV0YVx1MDAwMCJ9"},
    {58,
     410,
     EBB_KUBE_EXPIRED,
     "The resourceVersion for the provided list is too old.",
     0,
     {{0}},
     ""},
    {72,
     409,
     EBB_KUBE_CONFLICT,
     "Operation cannot be fulfilled on leases.coordination.k8s.io \"demo-operator-leader\"",
     0,
     {{0}},
     ""},
    {82, 404, EBB_KUBE_NOT_FOUND, "deployments.apps \"gamma\" not found", 0, {{0}}, ""},
    {92,
     422,
     EBB_KUBE_INVALID,
     "Event \"widget-a.3\" is invalid: eventTime: Required value",
     1,
     {{"FieldValueRequired", "eventTime", "Required value"}},
     ""},
};

static void test_fixture_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(fixture_cases); i++) {
        const struct fixture_case *c = &fixture_cases[i];
        struct ebbt_kube_exchange x;
        struct ebb_kube_error e;
        if (!ebbt_kube_load_nn(c->nn, &x))
            fail_msg("%s", x.err);
        assert_int_equal(x.status, c->status);
        ebb_kube_error_from_response(x.status, x.body, x.body_len,
                                     ebbt_kube_header(&x, "Retry-After"), &e);
        if (e.http_status != c->status || e.reason != c->reason ||
            !starts_with(e.message, c->message) || e.n_causes != c->n_causes ||
            strcmp(e.continue_token, c->continue_token) != 0 || e.retry_after_s != -1)
            fail_msg("fixture %d: got %d %s \"%s\" causes %zu continue \"%s\" retry %d", c->nn,
                     e.http_status, ebb_kube_reason_name(e.reason), e.message, e.n_causes,
                     e.continue_token, e.retry_after_s);
        for (size_t k = 0; k < c->n_causes; k++) {
            assert_string_equal(e.causes[k].type, c->causes[k].type);
            assert_string_equal(e.causes[k].field, c->causes[k].field);
            if (!starts_with(e.causes[k].message, c->causes[k].message))
                fail_msg("fixture %d cause %zu: \"%s\"", c->nn, k, e.causes[k].message);
        }
        assert_false(ebb_kube_error_retryable(&e));
        ebbt_kube_release(&x);
    }
}

/* The format of fixture errors: one line, causes not repeated when the
 * message already names them (the API server's Invalid messages do). */
static void test_fixture_format(void **state)
{
    (void)state;
    struct {
        int nn;
        const char *want;
    } cases[] = {
        {23, "404 NotFound: deployments.apps \"does-not-exist\" not found"},
        {30, "401 Unauthorized: Unauthorized"},
        {92, "422 Invalid: Event \"widget-a.3\" is invalid: eventTime: Required value"},
        {24, "422 Invalid: Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: "
             "must be greater than or equal to 0"},
        {58, "410 Expired: The resourceVersion for the provided list is too old."},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ebbt_kube_exchange x;
        struct ebb_kube_error e;
        char buf[2048];
        if (!ebbt_kube_load_nn(cases[i].nn, &x))
            fail_msg("%s", x.err);
        ebb_kube_error_from_response(x.status, x.body, x.body_len, NULL, &e);
        ebb_kube_error_format(&e, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
        ebbt_kube_release(&x);
    }
}

/* ---- reasons -------------------------------------------------------------- */

static void test_reason_names(void **state)
{
    (void)state;
    static const char *const names[] = {
        "Unknown",
        "NotFound",
        "AlreadyExists",
        "Conflict",
        "Invalid",
        "Forbidden",
        "Unauthorized",
        "Gone",
        "Expired",
        "TooManyRequests",
        "ServerTimeout",
        "Timeout",
        "InternalError",
        "BadRequest",
        "MethodNotAllowed",
        "NotAcceptable",
        "UnsupportedMediaType",
        "RequestEntityTooLarge",
        "ServiceUnavailable",
        "Transport",
    };
    assert_int_equal(N(names), EBB_KUBE_REASON__COUNT);
    for (int r = 0; r < EBB_KUBE_REASON__COUNT; r++) {
        assert_string_equal(ebb_kube_reason_name((enum ebb_kube_reason)r), names[r]);
        enum ebb_kube_reason want =
            r == EBB_KUBE_TRANSPORT ? EBB_KUBE_REASON_UNKNOWN : (enum ebb_kube_reason)r;
        assert_int_equal(ebb_kube_reason_parse(names[r]), want);
    }
    assert_string_equal(ebb_kube_reason_name(EBB_KUBE_REASON__COUNT), "Unknown");
    assert_string_equal(ebb_kube_reason_name((enum ebb_kube_reason) - 1), "Unknown");
    assert_int_equal(ebb_kube_reason_parse(NULL), EBB_KUBE_REASON_UNKNOWN);
    assert_int_equal(ebb_kube_reason_parse(""), EBB_KUBE_REASON_UNKNOWN);
    assert_int_equal(ebb_kube_reason_parse("notfound"), EBB_KUBE_REASON_UNKNOWN);
    assert_int_equal(ebb_kube_reason_parse("NotFoundX"), EBB_KUBE_REASON_UNKNOWN);
    assert_int_equal(ebb_kube_reason_parse("StoreReadError"), EBB_KUBE_REASON_UNKNOWN);
}

/* ---- bodies that are not a Status ------------------------------------------ */

struct body_case {
    int code;
    const char *body;
    enum ebb_kube_reason reason;
    const char *message;
};

static const struct body_case body_cases[] = {
    /* the reason each code implies, and the sentence for an empty body */
    {400, "", EBB_KUBE_BAD_REQUEST, "the server rejected the request as malformed"},
    {401, "", EBB_KUBE_UNAUTHORIZED, "the server needs valid credentials for this request"},
    {403, "", EBB_KUBE_FORBIDDEN, "the server does not allow access to the requested resource"},
    {404, "", EBB_KUBE_NOT_FOUND, "the server could not find the requested resource"},
    {405, "", EBB_KUBE_METHOD_NOT_ALLOWED,
     "the server does not allow this method on the requested resource"},
    {406, "", EBB_KUBE_NOT_ACCEPTABLE,
     "the server cannot answer in a content type the client accepts"},
    {409, "", EBB_KUBE_CONFLICT, "the server reported a conflict"},
    {410, "", EBB_KUBE_GONE, "the requested resource is gone"},
    {413, "", EBB_KUBE_REQUEST_ENTITY_TOO_LARGE, "the request body is too large for the server"},
    {415, "", EBB_KUBE_UNSUPPORTED_MEDIA_TYPE,
     "the server does not accept the content type of the request body"},
    {422, "", EBB_KUBE_INVALID, "the server rejected the request as invalid"},
    {429, "", EBB_KUBE_TOO_MANY_REQUESTS, "the server received too many requests; try again later"},
    {500, "", EBB_KUBE_INTERNAL_ERROR, "the server failed with an internal error"},
    {503, "", EBB_KUBE_SERVICE_UNAVAILABLE, "the server is currently unable to handle the request"},
    {504, "", EBB_KUBE_TIMEOUT,
     "the server did not answer in time; the request may still be processed"},
    {502, "", EBB_KUBE_INTERNAL_ERROR, "the server failed with HTTP status 502"},
    {501, "", EBB_KUBE_INTERNAL_ERROR, "the server failed with HTTP status 501"},
    {418, "", EBB_KUBE_REASON_UNKNOWN, "unexpected HTTP status 418"},
    {302, "", EBB_KUBE_REASON_UNKNOWN, "unexpected HTTP status 302"},
    {404, NULL, EBB_KUBE_NOT_FOUND, "the server could not find the requested resource"},
    {503, " \r\n\t\n", EBB_KUBE_SERVICE_UNAVAILABLE,
     "the server is currently unable to handle the request"},
    /* text: the first non-blank line, trimmed */
    {404, "404 page not found\n", EBB_KUBE_NOT_FOUND, "404 page not found"},
    {503, "\n\n   upstream connect error  \r\nreset reason: overflow\n",
     EBB_KUBE_SERVICE_UNAVAILABLE, "upstream connect error"},
    {500, "panic\tin handler", EBB_KUBE_INTERNAL_ERROR, "panic in handler"},
    /* HTML: the title, or the code's sentence */
    {502, "<html>\r\n<head><title> 502 Bad Gateway </title></head>\r\n<body>nginx</body></html>",
     EBB_KUBE_INTERNAL_ERROR, "502 Bad Gateway"},
    {503, "<!DOCTYPE html><HTML><TITLE>Maintenance</TITLE>", EBB_KUBE_SERVICE_UNAVAILABLE,
     "Maintenance"},
    {504, "<html><body>gateway timeout</body></html>", EBB_KUBE_TIMEOUT,
     "the server did not answer in time; the request may still be processed"},
    {504, "<html><title>unterminated", EBB_KUBE_TIMEOUT,
     "the server did not answer in time; the request may still be processed"},
    {504, "<html><title></title>", EBB_KUBE_TIMEOUT,
     "the server did not answer in time; the request may still be processed"},
    /* JSON, but not a Status */
    {500, "[1,2,3]", EBB_KUBE_INTERNAL_ERROR, "[1,2,3]"},
    {400, "\"just a string\"", EBB_KUBE_BAD_REQUEST, "\"just a string\""},
    {404, "{\"kind\":\"Deployment\",\"reason\":\"Conflict\"}", EBB_KUBE_NOT_FOUND,
     "{\"kind\":\"Deployment\",\"reason\":\"Conflict\"}"},
    {404, "{\"kind\":5,\"reason\":\"Conflict\"}", EBB_KUBE_NOT_FOUND,
     "{\"kind\":5,\"reason\":\"Conflict\"}"},
    {500, "{\"kind\":\"Status\",", EBB_KUBE_INTERNAL_ERROR, "{\"kind\":\"Status\","},
    /* a Status with fields of the wrong types: what can be used is */
    {409,
     "{\"kind\":\"Status\",\"reason\":5,\"message\":[\"x\"],\"code\":\"409\","
     "\"details\":{\"causes\":\"x\",\"retryAfterSeconds\":\"3\"},\"metadata\":{\"continue\":7}}",
     EBB_KUBE_CONFLICT, "the server reported a conflict"},
    {409, "{\"kind\":\"Status\",\"details\":[],\"metadata\":\"x\"}", EBB_KUBE_CONFLICT,
     "the server reported a conflict"},
    /* an unknown reason falls back to the code's, a known one wins */
    {500, "{\"kind\":\"Status\",\"reason\":\"StoreReadError\",\"message\":\"etcd\"}",
     EBB_KUBE_INTERNAL_ERROR, "etcd"},
    {500, "{\"kind\":\"Status\",\"reason\":\"ServerTimeout\",\"message\":\"slow\"}",
     EBB_KUBE_SERVER_TIMEOUT, "slow"},
    {409, "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\",\"message\":\"dup\",\"code\":409}",
     EBB_KUBE_ALREADY_EXISTS, "dup"},
    /* control characters become spaces */
    {400, "{\"kind\":\"Status\",\"message\":\"line one\\nline\\ttwo\\u0001\"}",
     EBB_KUBE_BAD_REQUEST, "line one line two "},
};

static void test_non_status_bodies(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(body_cases); i++) {
        const struct body_case *c = &body_cases[i];
        struct ebb_kube_error e;
        memset(&e, 0x5a, sizeof(e)); /* every field must be written */
        from_body(c->code, c->body, NULL, &e);
        if (e.http_status != c->code || e.reason != c->reason ||
            strcmp(e.message, c->message) != 0 || e.n_causes != 0 || e.continue_token[0] != '\0' ||
            e.retry_after_s != -1)
            fail_msg("body case %zu: got %d %s \"%s\" causes %zu retry %d", i, e.http_status,
                     ebb_kube_reason_name(e.reason), e.message, e.n_causes, e.retry_after_s);
    }
}

/* The body is read by length: no NUL needed, nothing past len is read. */
static void test_body_by_length(void **state)
{
    (void)state;
    static const char text[] = "{\"kind\":\"Status\",\"message\":\"short\",\"reason\":\"NotFound\"}"
                               "GARBAGE";
    char *heap = malloc(sizeof(text) - 1 - 7);
    struct ebb_kube_error e;
    assert_non_null(heap);
    memcpy(heap, text, sizeof(text) - 1 - 7); /* no NUL at the end */
    ebb_kube_error_from_response(404, heap, sizeof(text) - 1 - 7, NULL, &e);
    assert_int_equal(e.reason, EBB_KUBE_NOT_FOUND);
    assert_string_equal(e.message, "short");
    memcpy(heap, "oops, no status here", 20);
    ebb_kube_error_from_response(500, heap, 10, NULL, &e);
    assert_string_equal(e.message, "oops, no s");
    free(heap);
    ebb_kube_error_from_response(404, NULL, 99, NULL, &e);
    assert_int_equal(e.reason, EBB_KUBE_NOT_FOUND);
}

/* ---- hostile bodies -------------------------------------------------------- */

static char *status_json(const char *message, const char *cont, size_t n_causes,
                         const char *cause_text)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "kind", "Status");
    cJSON_AddStringToObject(root, "status", "Failure");
    cJSON_AddStringToObject(root, "message", message);
    cJSON_AddStringToObject(root, "reason", "Invalid");
    cJSON_AddNumberToObject(root, "code", 422);
    cJSON *meta = cJSON_AddObjectToObject(root, "metadata");
    if (cont != NULL)
        cJSON_AddStringToObject(meta, "continue", cont);
    cJSON *details = cJSON_AddObjectToObject(root, "details");
    cJSON *causes = cJSON_AddArrayToObject(details, "causes");
    for (size_t i = 0; i < n_causes; i++) {
        cJSON *c = cJSON_CreateObject();
        char field[32];
        snprintf(field, sizeof(field), "spec.f%zu", i);
        cJSON_AddStringToObject(c, "reason", cause_text);
        cJSON_AddStringToObject(c, "message", cause_text);
        cJSON_AddStringToObject(c, "field", field);
        cJSON_AddItemToArray(causes, c);
    }
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    assert_non_null(s);
    return s;
}

static char *repeat(const char *unit, size_t times)
{
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    assert_non_null(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    s[u * times] = '\0';
    return s;
}

/* Each byte sequence is complete UTF-8 (no cut inside a character). */
static bool utf8_complete(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        int extra = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : 3;
        p++;
        for (int k = 0; k < extra; k++, p++) {
            if ((*p & 0xC0) != 0x80)
                return false;
        }
    }
    return true;
}

static void test_huge_strings_are_cut(void **state)
{
    (void)state;
    char *big = repeat("x", 100000);
    char *accents = repeat("\xc3\xa9", 3000); /* é */
    char *euros = repeat("\xe2\x82\xac", 3000);
    char *token = repeat("A", 2000);
    struct ebb_kube_error e;

    const char *texts[] = {big, accents, euros};
    for (size_t i = 0; i < N(texts); i++) {
        char *json = status_json(texts[i], token, 3, texts[i]);
        from_body(422, json, NULL, &e);
        assert_int_equal(e.reason, EBB_KUBE_INVALID);
        assert_true(strlen(e.message) < sizeof(e.message));
        assert_true(strlen(e.message) >= sizeof(e.message) - 6);
        assert_true(utf8_complete(e.message));
        assert_string_equal(e.message + strlen(e.message) - 3, "...");
        assert_int_equal(e.n_causes, 3);
        for (size_t k = 0; k < 3; k++) {
            assert_true(strlen(e.causes[k].type) < sizeof(e.causes[k].type));
            assert_true(utf8_complete(e.causes[k].type));
            assert_true(strlen(e.causes[k].message) < sizeof(e.causes[k].message));
            assert_true(utf8_complete(e.causes[k].message));
            assert_string_equal(e.causes[k].message + strlen(e.causes[k].message) - 3, "...");
        }
        /* a token that does not fit is dropped, never cut */
        assert_string_equal(e.continue_token, "");
        char line[300];
        ebb_kube_error_format(&e, line, sizeof(line));
        assert_int_equal(strlen(line), sizeof(line) - 1);
        assert_true(starts_with(line, "422 Invalid: "));
        cJSON_free(json);
    }
    /* a plain-text body: the first line, cut */
    from_body(500, big, NULL, &e);
    assert_int_equal(strlen(e.message), sizeof(e.message) - 1);
    /* a long field */
    char *field_json = status_json("m", "tok", 0, "");
    cJSON *root = cJSON_Parse(field_json);
    cJSON *causes = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "details"), "causes");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "field", big);
    cJSON_AddItemToArray(causes, c);
    assert_true(ebb_kube_error_from_status(0, root, &e));
    assert_int_equal(e.http_status, 422);
    assert_int_equal(e.n_causes, 1);
    assert_int_equal(strlen(e.causes[0].field), sizeof(e.causes[0].field) - 1);
    assert_string_equal(e.causes[0].type, "");
    assert_string_equal(e.causes[0].message, "");
    assert_string_equal(e.continue_token, "tok");
    cJSON_Delete(root);
    cJSON_free(field_json);

    /* a token of exactly the largest size that fits is kept */
    token[sizeof(e.continue_token) - 1] = '\0';
    char *json = status_json("m", token, 0, "");
    from_body(410, json, NULL, &e);
    assert_string_equal(e.continue_token, token);
    cJSON_free(json);

    free(big);
    free(accents);
    free(euros);
    free(token);
}

static void test_causes_are_bounded(void **state)
{
    (void)state;
    struct ebb_kube_error e;
    char *json = status_json("many", NULL, 100, "Invalid value");
    from_body(422, json, NULL, &e);
    assert_int_equal(e.n_causes, EBB_KUBE_MAX_CAUSES);
    for (size_t i = 0; i < EBB_KUBE_MAX_CAUSES; i++) {
        char want[32];
        snprintf(want, sizeof(want), "spec.f%zu", i);
        assert_string_equal(e.causes[i].field, want);
    }
    char line[8192];
    ebb_kube_error_format(&e, line, sizeof(line));
    assert_true(starts_with(line, "422 Invalid: many; spec.f0: Invalid value; spec.f1: "));
    assert_non_null(strstr(line, "; spec.f15: Invalid value"));
    assert_null(strstr(line, "spec.f16"));
    cJSON_free(json);

    /* entries that are not objects are skipped; missing fields are "" */
    from_body(422,
              "{\"kind\":\"Status\",\"reason\":\"Invalid\",\"details\":{\"causes\":[1,\"x\",null,"
              "[],{\"field\":\"a\"},{\"reason\":7,\"message\":\"m\",\"field\":{}}]}}",
              NULL, &e);
    assert_int_equal(e.n_causes, 2);
    assert_string_equal(e.causes[0].field, "a");
    assert_string_equal(e.causes[0].message, "");
    assert_string_equal(e.causes[1].type, "");
    assert_string_equal(e.causes[1].field, "");
    assert_string_equal(e.causes[1].message, "m");
    ebb_kube_error_format(&e, line, sizeof(line));
    assert_string_equal(line, "422 Invalid: the server rejected the request as invalid; m");
}

/* ---- Retry-After ----------------------------------------------------------- */

struct retry_case {
    const char *header;
    const char *body;
    int want;
};

static const struct retry_case retry_cases[] = {
    {NULL, NULL, -1},
    {"", NULL, -1},
    {"  ", NULL, -1},
    {"5", NULL, 5},
    {" 7 ", NULL, 7},
    {"0", NULL, 0},
    {"120", NULL, 120},
    {"86400", NULL, 86400},
    {"86401", NULL, 86400},
    {"99999999999999999999999", NULL, 86400},
    {"Wed, 21 Oct 2015 07:28:00 GMT", NULL, 1}, /* an HTTP-date: 1 s */
    {"-3", NULL, 1},
    {"1.5", NULL, 1},
    {NULL, "{\"kind\":\"Status\",\"details\":{\"retryAfterSeconds\":3}}", 3},
    {NULL, "{\"kind\":\"Status\",\"details\":{\"retryAfterSeconds\":0}}", -1},
    {NULL, "{\"kind\":\"Status\",\"details\":{\"retryAfterSeconds\":-4}}", -1},
    {NULL, "{\"kind\":\"Status\",\"details\":{\"retryAfterSeconds\":1e30}}", 86400},
    {"10", "{\"kind\":\"Status\",\"details\":{\"retryAfterSeconds\":3}}", 10}, /* header wins */
    {"", "{\"kind\":\"Status\",\"details\":{\"retryAfterSeconds\":3}}", 3},
};

static void test_retry_after(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(retry_cases); i++) {
        struct ebb_kube_error e;
        from_body(429, retry_cases[i].body, retry_cases[i].header, &e);
        if (e.retry_after_s != retry_cases[i].want)
            fail_msg("retry case %zu: got %d want %d", i, e.retry_after_s, retry_cases[i].want);
        assert_int_equal(e.reason, EBB_KUBE_TOO_MANY_REQUESTS);
    }
}

/* ---- retryable, transport, format ----------------------------------------- */

static void test_retryable(void **state)
{
    (void)state;
    static const struct {
        int code;
        const char *body;
        bool want;
    } cases[] = {
        {429, "", true},
        {500, "", true},
        {502, "", true},
        {503, "", true},
        {504, "", true},
        {599, "", true},
        {501, "", false},
        {400, "", false},
        {401, "", false},
        {403, "", false},
        {404, "", false},
        {409, "", false},
        {410, "", false},
        {422, "", false},
        {418, "", false},
        {500, "{\"kind\":\"Status\",\"reason\":\"ServerTimeout\"}", true},
        /* other 4xx are never retried, whatever the reason says */
        {400, "{\"kind\":\"Status\",\"reason\":\"Timeout\"}", false},
        {409, "{\"kind\":\"Status\",\"reason\":\"TooManyRequests\"}", false},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct ebb_kube_error e;
        from_body(cases[i].code, cases[i].body, NULL, &e);
        if (ebb_kube_error_retryable(&e) != cases[i].want)
            fail_msg("retryable case %zu (%d)", i, cases[i].code);
    }
    /* a Status outside a response (watch ERROR event without a code) */
    struct ebb_kube_error e;
    cJSON *st = cJSON_Parse("{\"kind\":\"Status\",\"reason\":\"Timeout\"}");
    assert_true(ebb_kube_error_from_status(0, st, &e));
    assert_int_equal(e.http_status, 0);
    assert_int_equal(e.reason, EBB_KUBE_TIMEOUT);
    assert_true(ebb_kube_error_retryable(&e));
    cJSON_Delete(st);
    st = cJSON_Parse("{\"kind\":\"Status\",\"reason\":\"Expired\",\"code\":410}");
    assert_true(ebb_kube_error_from_status(0, st, &e));
    assert_int_equal(e.http_status, 410);
    assert_false(ebb_kube_error_retryable(&e));
    cJSON_Delete(st);
}

static void test_from_status(void **state)
{
    (void)state;
    struct ebb_kube_error e;
    cJSON *not_status = cJSON_Parse("{\"kind\":\"Deployment\"}");
    assert_false(ebb_kube_error_from_status(404, not_status, &e));
    assert_int_equal(e.reason, EBB_KUBE_NOT_FOUND);
    assert_string_equal(e.message, "the server could not find the requested resource");
    cJSON_Delete(not_status);
    assert_false(ebb_kube_error_from_status(500, NULL, &e));
    assert_int_equal(e.reason, EBB_KUBE_INTERNAL_ERROR);
    cJSON *arr = cJSON_Parse("[{\"kind\":\"Status\"}]");
    assert_false(ebb_kube_error_from_status(0, arr, &e));
    assert_int_equal(e.http_status, 0);
    assert_int_equal(e.reason, EBB_KUBE_REASON_UNKNOWN);
    cJSON_Delete(arr);
    /* the response's code wins over the Status's; a bad code is ignored */
    cJSON *st = cJSON_Parse("{\"kind\":\"Status\",\"code\":409}");
    assert_true(ebb_kube_error_from_status(500, st, &e));
    assert_int_equal(e.http_status, 500);
    assert_int_equal(e.reason, EBB_KUBE_INTERNAL_ERROR);
    cJSON_Delete(st);
    st = cJSON_Parse("{\"kind\":\"Status\",\"code\":70000,\"message\":\"m\"}");
    assert_true(ebb_kube_error_from_status(0, st, &e));
    assert_int_equal(e.http_status, 0);
    assert_int_equal(e.reason, EBB_KUBE_REASON_UNKNOWN);
    assert_string_equal(e.message, "m");
    cJSON_Delete(st);
}

static void test_transport(void **state)
{
    (void)state;
    struct ebb_kube_error e;
    char line[128];
    memset(&e, 0x5a, sizeof(e));
    ebb_kube_error_transport("connection refused", &e);
    assert_int_equal(e.http_status, 0);
    assert_int_equal(e.reason, EBB_KUBE_TRANSPORT);
    assert_string_equal(e.message, "connection refused");
    assert_int_equal(e.n_causes, 0);
    assert_string_equal(e.continue_token, "");
    assert_int_equal(e.retry_after_s, -1);
    assert_true(ebb_kube_error_retryable(&e));
    ebb_kube_error_format(&e, line, sizeof(line));
    assert_string_equal(line, "no response: connection refused");
    ebb_kube_error_transport(NULL, &e);
    assert_string_equal(e.message, "no response from the API server");
    ebb_kube_error_transport("", &e);
    assert_string_equal(e.message, "no response from the API server");
    char *big = repeat("y", 5000);
    ebb_kube_error_transport(big, &e);
    assert_int_equal(strlen(e.message), sizeof(e.message) - 1);
    free(big);
}

static void test_format(void **state)
{
    (void)state;
    struct ebb_kube_error e;
    char line[512];

    from_body(422,
              "{\"kind\":\"Status\",\"reason\":\"Invalid\",\"message\":\"ScalingPolicy \\\"x\\\" "
              "is invalid\",\"details\":{\"causes\":[{\"field\":\"spec.maxReplicas\","
              "\"message\":\"must be >= minReplicas\"},{\"field\":\"\",\"message\":\"odd\"}]}}",
              NULL, &e);
    ebb_kube_error_format(&e, line, sizeof(line));
    assert_string_equal(line, "422 Invalid: ScalingPolicy \"x\" is invalid; spec.maxReplicas: must "
                              "be >= minReplicas; odd");
    /* every size cut is NUL-terminated and a prefix of the whole line */
    char whole[512];
    snprintf(whole, sizeof(whole), "%s", line);
    for (size_t sz = 1; sz <= strlen(whole) + 1; sz++) {
        char small[512];
        memset(small, '#', sizeof(small));
        ebb_kube_error_format(&e, small, sz);
        assert_int_equal(strlen(small), sz - 1);
        assert_memory_equal(small, whole, sz - 1);
        assert_int_equal(small[sz], '#');
    }
    ebb_kube_error_format(&e, NULL, 10);
    ebb_kube_error_format(&e, line, 0);

    from_body(503, "", NULL, &e);
    ebb_kube_error_format(&e, line, sizeof(line));
    assert_string_equal(
        line, "503 ServiceUnavailable: the server is currently unable to handle the request");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_errors),     cmocka_unit_test(test_fixture_format),
        cmocka_unit_test(test_reason_names),       cmocka_unit_test(test_non_status_bodies),
        cmocka_unit_test(test_body_by_length),     cmocka_unit_test(test_huge_strings_are_cut),
        cmocka_unit_test(test_causes_are_bounded), cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_retryable),          cmocka_unit_test(test_from_status),
        cmocka_unit_test(test_transport),          cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
