/* status.h -- typed errors of the Kubernetes API. EDGE (cJSON).
 *
 * Every failed request becomes one struct ebb_kube_error: the HTTP status,
 * the Status reason (NotFound, Conflict, Invalid, Expired, ...), the message
 * and the field causes, so the controller can say exactly why the API
 * refused something. A response whose body is not a Status (a proxy's HTML
 * page, an empty 503) still gets the reason its code implies, as client-go's
 * NewGenericServerResponse does.
 */
#ifndef EBB_KUBE_STATUS_H
#define EBB_KUBE_STATUS_H

#include <stdbool.h>
#include <stddef.h>

enum ebb_kube_reason {
    EBB_KUBE_REASON_UNKNOWN = 0,
    EBB_KUBE_NOT_FOUND,
    EBB_KUBE_ALREADY_EXISTS,
    EBB_KUBE_CONFLICT,
    EBB_KUBE_INVALID,
    EBB_KUBE_FORBIDDEN,
    EBB_KUBE_UNAUTHORIZED,
    EBB_KUBE_GONE,
    EBB_KUBE_EXPIRED,
    EBB_KUBE_TOO_MANY_REQUESTS,
    EBB_KUBE_SERVER_TIMEOUT,
    EBB_KUBE_TIMEOUT,
    EBB_KUBE_INTERNAL_ERROR,
    EBB_KUBE_BAD_REQUEST,
    EBB_KUBE_METHOD_NOT_ALLOWED,
    EBB_KUBE_NOT_ACCEPTABLE,
    EBB_KUBE_UNSUPPORTED_MEDIA_TYPE,
    EBB_KUBE_REQUEST_ENTITY_TOO_LARGE,
    EBB_KUBE_SERVICE_UNAVAILABLE,
    EBB_KUBE_TRANSPORT, /* no HTTP response at all: connect, TLS, timeout, reset */
    EBB_KUBE_REASON__COUNT
};

#define EBB_KUBE_MAX_CAUSES 16

struct ebb_kube_cause {
    char type[64];     /* "FieldValueInvalid" */
    char field[256];   /* "spec.replicas" */
    char message[512]; /* "Invalid value: -1: must be greater than or equal to 0" */
};

struct ebb_kube_error {
    int http_status; /* 0 when there was no response (EBB_KUBE_TRANSPORT) */
    enum ebb_kube_reason reason;
    char message[1024];
    struct ebb_kube_cause causes[EBB_KUBE_MAX_CAUSES];
    size_t n_causes;
    char continue_token[1024]; /* 410 Expired of a paged list: the fresh token, or "" */
    int retry_after_s;         /* from Retry-After or details.retryAfterSeconds; -1 none */
};

/* "NotFound", "Conflict", ...; "Unknown" for EBB_KUBE_REASON_UNKNOWN. */
const char *ebb_kube_reason_name(enum ebb_kube_reason r);
/* The reason of that spelling, or EBB_KUBE_REASON_UNKNOWN. */
enum ebb_kube_reason ebb_kube_reason_parse(const char *s);

/* Fills out from a response: its status code, its body (a Status object or
 * anything else; may be NULL), and its Retry-After header (NULL if none). */
void ebb_kube_error_from_response(int http_status, const char *body, size_t len,
                                  const char *retry_after, struct ebb_kube_error *out /* OUT */);

struct cJSON;

/* Fills out from a decoded Status object, as a watch ERROR event carries
 * one: http_status is the response's code, or 0 to take the Status's own
 * "code". Returns false (and fills out from http_status alone) when status
 * is not an object of kind "Status". */
bool ebb_kube_error_from_status(int http_status, const struct cJSON *status,
                                struct ebb_kube_error *out /* OUT */);

/* Fills out for a request that got no response; what says why ("connection
 * refused", "TLS: certificate verify failed", "timed out after 30s"). */
void ebb_kube_error_transport(const char *what, struct ebb_kube_error *out /* OUT */);

/* True for failures a retry can fix: no response, 429, 5xx (but not 501),
 * ServerTimeout and Timeout. Never for other 4xx. */
bool ebb_kube_error_retryable(const struct ebb_kube_error *e);

/* One line for logs and events: "409 Conflict: Operation cannot be
 * fulfilled ...; spec.replicas: Invalid value ..." */
void ebb_kube_error_format(const struct ebb_kube_error *e, char *buf, size_t bufsz);

#endif
