/* client_internal.h -- what client.c and client_http.c share. EDGE (libcurl).
 *
 * client.c owns the queue: submission, the backoff / rate-limit / running
 * states, completion and the callbacks. client_http.c owns one attempt on
 * the wire: the URL, the libcurl easy handle with its options, headers and
 * body callbacks, and how a failed attempt is classified (retry or not)
 * and described to the user.
 */
#ifndef EBB_KUBE_CLIENT_INTERNAL_H
#define EBB_KUBE_CLIENT_INTERNAL_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/strbuf.h"
#include "backoff.h"
#include "client.h"
#include "client_auth.h"
#include "ratelimit.h"

#define EBB__KUBE_DEFAULT_MAX_BODY ((size_t)64 << 20) /* of a whole response body */
#define EBB__KUBE_MAX_ERROR_BODY ((size_t)64 << 10)   /* kept of an error response's body */

enum ebb__kube_req_state {
    EBB__KUBE_REQ_BACKOFF, /* due_ms: when the backoff ends */
    EBB__KUBE_REQ_TOKEN,   /* due_ms: when its rate-limit token has been earned */
    EBB__KUBE_REQ_CREDS,   /* token taken; waits for the exec plugin run under way */
    EBB__KUBE_REQ_RUNNING, /* in the multi handle */
    EBB__KUBE_REQ_DONE,    /* curl finished it; result is set */
};

/* One submitted request, from ebb_kube_submit() to its completion. */
struct ebb__kube_req {
    struct ebb__kube_req *next;
    struct ebb_kube_client *c;
    uint64_t id;
    enum ebb__kube_req_state state;
    bool dead; /* completed or cancelled; unlinked when poll returns */
    int64_t due_ms;
    enum ebb_kube_method method;
    char *path;
    char *body;
    size_t body_len;
    char *content_type;
    bool stream;
    long stream_timeout_s; /* timeoutSeconds of a watch, or -1 */
    ebb_kube_data_fn *on_data;
    ebb_kube_done_fn *on_done;
    void *ctx;

    /* The current attempt. */
    CURL *easy;
    struct curl_slist *headers;
    CURLcode result;
    struct ebb_strbuf resp; /* the body (of a stream: only when it failed) */
    char retry_after[64];
    char errbuf[CURL_ERROR_SIZE];
    int retries;
    uint64_t creds_serial; /* of the credentials the attempt went out with */
    bool reauthed;
    bool delivered; /* stream bytes went to on_data: no retry from here */
    bool stopped;   /* on_data asked to stop */
    bool too_big;
};

struct ebb_kube_client {
    CURLM *multi;
    CURLSH *share;
    struct ebb_kube_client_opts opts;
    char *base_url;       /* scheme://host[:port][/prefix], host = tls_server_name when set */
    char *base_url_shown; /* base_url with the password of its userinfo as *** */
    struct curl_slist *connect_to;
    char *host_header; /* "Host: <server's authority>" when tls_server_name is set */
    char *user_agent;
    struct ebb__kube_auth auth;
    struct ebb_ratelimit rl;
    struct ebb_backoff bo;
    struct ebb__kube_req *head, *tail;
    uint64_t next_id;
    size_t pending;
    uint64_t completions; /* requests completed so far: poll does not sleep after one */
    bool in_poll;
    bool global_init;
};

/* "GET", "POST", ... */
const char *ebb__kube_method_name(enum ebb_kube_method m);
/* "ebb/<version> (<os>/<arch>)"; caller frees. NULL when out of memory. */
char *ebb__kube_user_agent(void);
/* Sets c->base_url (and base_url_shown), and c->connect_to and c->host_header for tls_server_name.
 */
enum ebb_rc ebb__kube_setup_url(struct ebb_kube_client *c, const struct ebb_kube_config *cfg,
                                char *err, size_t errsz);

/* Creates the easy handle of r's next attempt and adds it to the multi handle. */
enum ebb_rc ebb__kube_attempt_start(struct ebb_kube_client *c, struct ebb__kube_req *r);
/* Removes and frees the attempt's easy handle and headers. */
void ebb__kube_attempt_drop(struct ebb_kube_client *c, struct ebb__kube_req *r);
/* Whether a failed attempt is tried again (the rules are in client.c's comment). */
bool ebb__kube_attempt_may_retry(const struct ebb_kube_client *c, const struct ebb__kube_req *r,
                                 const struct ebb_kube_error *e, CURLcode cc, long request_size);
/* Fills out for an attempt that got no response: the message reads
 * "GET https://host:6443/api/v1/...: why (3 attempts)". */
void ebb__kube_transport_error(const struct ebb_kube_client *c, const struct ebb__kube_req *r,
                               const char *why, int attempts, struct ebb_kube_error *out);
/* The same, saying why libcurl gave up on the attempt (cc). */
void ebb__kube_attempt_error(const struct ebb_kube_client *c, const struct ebb__kube_req *r,
                             CURLcode cc, struct ebb_kube_error *out);

#endif
