/* status.c -- typed errors of the Kubernetes API. EDGE (cJSON).
 *
 * A response body that is a Status object gives the reason, message,
 * causes, details.retryAfterSeconds and (410 of a paged list)
 * metadata.continue. Anything else -- an HTML page of a proxy, plain text,
 * an empty body -- gets the reason its HTTP status implies, as client-go's
 * NewGenericServerResponse does, and a message taken from the body: its
 * first non-blank line, or an HTML page's <title>, or else a sentence for
 * the status code.
 *
 * Strings are copied with control characters turned into spaces and, when
 * too long for their field, cut on a UTF-8 character boundary and ended
 * with "...". A continue token that does not fit is dropped, not cut: a cut
 * token would not work.
 *
 * Retry-After: delay-seconds are taken as they are (at most one day); any
 * other non-empty value, such as an HTTP-date, counts as 1 s, since this
 * file reads no clock to subtract from. The header wins over
 * details.retryAfterSeconds.
 */
#include "status.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RETRY_AFTER_MAX_S 86400
#define BODY_SCAN_MAX 4096 /* bytes of a non-Status body searched for a message */

static const char *const reason_names[EBB_KUBE_REASON__COUNT] = {
    [EBB_KUBE_REASON_UNKNOWN] = "Unknown",
    [EBB_KUBE_NOT_FOUND] = "NotFound",
    [EBB_KUBE_ALREADY_EXISTS] = "AlreadyExists",
    [EBB_KUBE_CONFLICT] = "Conflict",
    [EBB_KUBE_INVALID] = "Invalid",
    [EBB_KUBE_FORBIDDEN] = "Forbidden",
    [EBB_KUBE_UNAUTHORIZED] = "Unauthorized",
    [EBB_KUBE_GONE] = "Gone",
    [EBB_KUBE_EXPIRED] = "Expired",
    [EBB_KUBE_TOO_MANY_REQUESTS] = "TooManyRequests",
    [EBB_KUBE_SERVER_TIMEOUT] = "ServerTimeout",
    [EBB_KUBE_TIMEOUT] = "Timeout",
    [EBB_KUBE_INTERNAL_ERROR] = "InternalError",
    [EBB_KUBE_BAD_REQUEST] = "BadRequest",
    [EBB_KUBE_METHOD_NOT_ALLOWED] = "MethodNotAllowed",
    [EBB_KUBE_NOT_ACCEPTABLE] = "NotAcceptable",
    [EBB_KUBE_UNSUPPORTED_MEDIA_TYPE] = "UnsupportedMediaType",
    [EBB_KUBE_REQUEST_ENTITY_TOO_LARGE] = "RequestEntityTooLarge",
    [EBB_KUBE_SERVICE_UNAVAILABLE] = "ServiceUnavailable",
    [EBB_KUBE_TRANSPORT] = "Transport",
};

_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == EBB_KUBE_REASON__COUNT,
               "one name per reason");

/* The reason and a sentence for a status code whose body says nothing. */
struct code_info {
    int code;
    enum ebb_kube_reason reason;
    const char *message;
};

static const struct code_info code_table[] = {
    {400, EBB_KUBE_BAD_REQUEST, "the server rejected the request as malformed"},
    {401, EBB_KUBE_UNAUTHORIZED, "the server needs valid credentials for this request"},
    {403, EBB_KUBE_FORBIDDEN, "the server does not allow access to the requested resource"},
    {404, EBB_KUBE_NOT_FOUND, "the server could not find the requested resource"},
    {405, EBB_KUBE_METHOD_NOT_ALLOWED,
     "the server does not allow this method on the requested resource"},
    {406, EBB_KUBE_NOT_ACCEPTABLE, "the server cannot answer in a content type the client accepts"},
    {409, EBB_KUBE_CONFLICT, "the server reported a conflict"},
    {410, EBB_KUBE_GONE, "the requested resource is gone"},
    {413, EBB_KUBE_REQUEST_ENTITY_TOO_LARGE, "the request body is too large for the server"},
    {415, EBB_KUBE_UNSUPPORTED_MEDIA_TYPE,
     "the server does not accept the content type of the request body"},
    {422, EBB_KUBE_INVALID, "the server rejected the request as invalid"},
    {429, EBB_KUBE_TOO_MANY_REQUESTS, "the server received too many requests; try again later"},
    {500, EBB_KUBE_INTERNAL_ERROR, "the server failed with an internal error"},
    {503, EBB_KUBE_SERVICE_UNAVAILABLE, "the server is currently unable to handle the request"},
    {504, EBB_KUBE_TIMEOUT,
     "the server did not answer in time; the request may still be processed"},
};

const char *ebb_kube_reason_name(enum ebb_kube_reason r)
{
    if ((unsigned)r >= EBB_KUBE_REASON__COUNT)
        return reason_names[EBB_KUBE_REASON_UNKNOWN];
    return reason_names[r];
}

enum ebb_kube_reason ebb_kube_reason_parse(const char *s)
{
    if (s == NULL)
        return EBB_KUBE_REASON_UNKNOWN;
    /* "Transport" is ours, never the server's. */
    for (int r = EBB_KUBE_REASON_UNKNOWN + 1; r < EBB_KUBE_TRANSPORT; r++) {
        if (strcmp(s, reason_names[r]) == 0)
            return (enum ebb_kube_reason)r;
    }
    return EBB_KUBE_REASON_UNKNOWN;
}

static const struct code_info *code_lookup(int code)
{
    for (size_t i = 0; i < sizeof(code_table) / sizeof(code_table[0]); i++) {
        if (code_table[i].code == code)
            return &code_table[i];
    }
    return NULL;
}

static enum ebb_kube_reason reason_for_code(int code)
{
    const struct code_info *ci = code_lookup(code);
    if (ci != NULL)
        return ci->reason;
    if (code >= 500 && code <= 599)
        return EBB_KUBE_INTERNAL_ERROR;
    return EBB_KUBE_REASON_UNKNOWN;
}

/* Copies n bytes of src into dst (dstsz > 0), control characters as
 * spaces; what does not fit is cut on a UTF-8 boundary and marked "...". */
static void copy_text(char *dst, size_t dstsz, const char *src, size_t n)
{
    size_t cut = n;
    bool cut_short = false;

    if (n + 1 > dstsz) {
        cut_short = dstsz > 4;
        cut = cut_short ? dstsz - 4 : dstsz - 1;
        while (cut > 0 && ((unsigned char)src[cut] & 0xC0) == 0x80)
            cut--;
    }
    for (size_t i = 0; i < cut; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    if (cut_short) {
        memcpy(dst + cut, "...", 3);
        cut += 3;
    }
    dst[cut] = '\0';
}

static void copy_json_string(char *dst, size_t dstsz, const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsString(v) && v->valuestring != NULL)
        copy_text(dst, dstsz, v->valuestring, strlen(v->valuestring));
}

static void init_error(int http_status, struct ebb_kube_error *out)
{
    memset(out, 0, sizeof(*out));
    out->http_status = http_status;
    out->reason = reason_for_code(http_status);
    out->retry_after_s = -1;
}

static void code_message(struct ebb_kube_error *out)
{
    const struct code_info *ci = code_lookup(out->http_status);
    if (ci != NULL)
        snprintf(out->message, sizeof(out->message), "%s", ci->message);
    else if (out->http_status >= 500 && out->http_status <= 599)
        snprintf(out->message, sizeof(out->message), "the server failed with HTTP status %d",
                 out->http_status);
    else
        snprintf(out->message, sizeof(out->message), "unexpected HTTP status %d", out->http_status);
}

/* Status.code as an HTTP status, or 0. */
static int status_code(const cJSON *status)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(status, "code");
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 100 && v->valuedouble <= 599))
        return 0;
    return (int)v->valuedouble;
}

static void read_causes(const cJSON *details, struct ebb_kube_error *out)
{
    const cJSON *causes = cJSON_GetObjectItemCaseSensitive(details, "causes");
    const cJSON *c;

    if (!cJSON_IsArray(causes))
        return;
    cJSON_ArrayForEach(c, causes)
    {
        if (out->n_causes == EBB_KUBE_MAX_CAUSES)
            break;
        if (!cJSON_IsObject(c))
            continue;
        struct ebb_kube_cause *k = &out->causes[out->n_causes++];
        copy_json_string(k->type, sizeof(k->type), c, "reason");
        copy_json_string(k->field, sizeof(k->field), c, "field");
        copy_json_string(k->message, sizeof(k->message), c, "message");
    }
}

bool ebb_kube_error_from_status(int http_status, const cJSON *status, struct ebb_kube_error *out)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(status, "kind");

    if (!cJSON_IsObject(status) || !cJSON_IsString(kind) ||
        strcmp(kind->valuestring, "Status") != 0) {
        init_error(http_status, out);
        code_message(out);
        return false;
    }
    init_error(http_status != 0 ? http_status : status_code(status), out);

    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(status, "reason");
    if (cJSON_IsString(reason)) {
        enum ebb_kube_reason r = ebb_kube_reason_parse(reason->valuestring);
        if (r != EBB_KUBE_REASON_UNKNOWN)
            out->reason = r;
    }
    copy_json_string(out->message, sizeof(out->message), status, "message");
    if (out->message[0] == '\0')
        code_message(out);

    const cJSON *details = cJSON_GetObjectItemCaseSensitive(status, "details");
    if (cJSON_IsObject(details)) {
        read_causes(details, out);
        const cJSON *ra = cJSON_GetObjectItemCaseSensitive(details, "retryAfterSeconds");
        if (cJSON_IsNumber(ra) && ra->valuedouble >= 1)
            out->retry_after_s =
                ra->valuedouble > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (int)ra->valuedouble;
    }

    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(status, "metadata");
    const cJSON *cont = cJSON_GetObjectItemCaseSensitive(meta, "continue");
    if (cJSON_IsString(cont) && strlen(cont->valuestring) < sizeof(out->continue_token))
        snprintf(out->continue_token, sizeof(out->continue_token), "%s", cont->valuestring);
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* [s, s+n) without leading and trailing blanks; returns the new length. */
static size_t trim(const char **s, size_t n)
{
    while (n > 0 && is_space(**s)) {
        (*s)++;
        n--;
    }
    while (n > 0 && is_space((*s)[n - 1]))
        n--;
    return n;
}

/* The text of an HTML page's <title>, or NULL. */
static const char *html_title(const char *s, size_t n, size_t *title_len)
{
    static const char open[] = "<title>";
    static const char close[] = "</title>";
    size_t i;

    for (i = 0; i + sizeof(open) - 1 <= n; i++) {
        if (strncasecmp(s + i, open, sizeof(open) - 1) == 0)
            break;
    }
    if (i + sizeof(open) - 1 > n)
        return NULL;
    const char *t = s + i + sizeof(open) - 1;
    size_t rest = n - i - (sizeof(open) - 1);
    for (size_t j = 0; j + sizeof(close) - 1 <= rest; j++) {
        if (strncasecmp(t + j, close, sizeof(close) - 1) == 0) {
            *title_len = trim(&t, j);
            return *title_len > 0 ? t : NULL;
        }
    }
    return NULL;
}

/* The message of a body that is not a Status. */
static void body_message(const char *body, size_t len, struct ebb_kube_error *out)
{
    const char *s = body;
    size_t n = len > BODY_SCAN_MAX ? BODY_SCAN_MAX : len;

    if (s != NULL)
        n = trim(&s, n);
    if (s == NULL || n == 0) {
        code_message(out);
        return;
    }
    if (s[0] == '<') {
        size_t tn = 0;
        const char *title = html_title(s, n, &tn);
        if (title == NULL) {
            code_message(out);
            return;
        }
        copy_text(out->message, sizeof(out->message), title, tn);
        return;
    }
    size_t line = 0;
    while (line < n && s[line] != '\n' && s[line] != '\r')
        line++;
    copy_text(out->message, sizeof(out->message), s, trim(&s, line));
}

/* Retry-After: delay-seconds, or -1 when absent; see the file comment. */
static int parse_retry_after(const char *v)
{
    size_t n;
    long secs = 0;

    if (v == NULL)
        return -1;
    n = trim(&v, strlen(v));
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return 1;
        if (secs < RETRY_AFTER_MAX_S)
            secs = secs * 10 + (v[i] - '0');
    }
    return secs > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (int)secs;
}

void ebb_kube_error_from_response(int http_status, const char *body, size_t len,
                                  const char *retry_after, struct ebb_kube_error *out)
{
    cJSON *root = NULL;

    if (body != NULL && len > 0)
        root = cJSON_ParseWithLength(body, len);
    if (root == NULL || !ebb_kube_error_from_status(http_status, root, out)) {
        init_error(http_status, out);
        body_message(body, len, out);
    }
    int ra = parse_retry_after(retry_after);
    if (ra >= 0)
        out->retry_after_s = ra;
    cJSON_Delete(root);
}

void ebb_kube_error_transport(const char *what, struct ebb_kube_error *out)
{
    memset(out, 0, sizeof(*out));
    out->reason = EBB_KUBE_TRANSPORT;
    out->retry_after_s = -1;
    if (what == NULL || what[0] == '\0')
        what = "no response from the API server";
    copy_text(out->message, sizeof(out->message), what, strlen(what));
}

bool ebb_kube_error_retryable(const struct ebb_kube_error *e)
{
    int code = e->http_status;

    if (e->reason == EBB_KUBE_TRANSPORT || code == 429)
        return true;
    if (code >= 400 && code <= 499)
        return false;
    if (code >= 500 && code <= 599)
        return code != 501;
    return e->reason == EBB_KUBE_SERVER_TIMEOUT || e->reason == EBB_KUBE_TIMEOUT ||
           e->reason == EBB_KUBE_TOO_MANY_REQUESTS;
}

/* Appends to buf at *o, never past bufsz - 1. */
static void put(char *buf, size_t bufsz, size_t *o, const char *fmt, const char *a, const char *b)
{
    if (*o + 1 >= bufsz)
        return;
    int n = snprintf(buf + *o, bufsz - *o, fmt, a, b);
    if (n < 0)
        return;
    *o += (size_t)n < bufsz - *o ? (size_t)n : bufsz - *o - 1;
}

/* Whether message already says "field: cause message", as the API server's
 * messages for Invalid do; then the cause is not repeated. */
static bool message_has_cause(const char *message, const struct ebb_kube_cause *c)
{
    size_t fl = strlen(c->field);
    const char *p = message;

    if (fl == 0)
        return strstr(message, c->message) != NULL;
    while ((p = strstr(p, c->field)) != NULL) {
        p += fl;
        if (p[0] == ':' && p[1] == ' ' && strncmp(p + 2, c->message, strlen(c->message)) == 0)
            return true;
    }
    return false;
}

void ebb_kube_error_format(const struct ebb_kube_error *e, char *buf, size_t bufsz)
{
    size_t o = 0;
    char code[16] = "";

    if (buf == NULL || bufsz == 0)
        return;
    buf[0] = '\0';
    if (e->reason == EBB_KUBE_TRANSPORT) {
        put(buf, bufsz, &o, "%s%s", "no response: ", e->message);
        return;
    }
    if (e->http_status > 0)
        snprintf(code, sizeof(code), "%d ", e->http_status);
    put(buf, bufsz, &o, "%s%s", code, ebb_kube_reason_name(e->reason));
    if (e->message[0] != '\0')
        put(buf, bufsz, &o, "%s%s", ": ", e->message);
    for (size_t i = 0; i < e->n_causes && i < EBB_KUBE_MAX_CAUSES; i++) {
        const struct ebb_kube_cause *c = &e->causes[i];
        if (c->message[0] == '\0' || message_has_cause(e->message, c))
            continue;
        if (c->field[0] != '\0')
            put(buf, bufsz, &o, "; %s: %s", c->field, c->message);
        else
            put(buf, bufsz, &o, "%s%s", "; ", c->message);
    }
}
