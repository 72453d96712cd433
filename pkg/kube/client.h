/* client.h -- our narrow Kubernetes API client on libcurl's multi interface. EDGE.
 *
 * One client per process, driven from the operator's single event loop: no
 * thread per request. Requests are submitted with callbacks and progress
 * when the loop calls ebb_kube_client_poll() (or, for command-line tools
 * and tests, ebb_kube_do() runs the loop until one request completes).
 *
 * What it does for every request: connection reuse, HTTP/2 when the server
 * offers it, TLS verification on by default, connect and request timeouts,
 * User-Agent "ebb/<version> (<os>/<arch>)", bearer token / client
 * certificate / basic auth / exec plugin credentials from the kubeconfig
 * (re-reading a token file when it changes and re-running the exec plugin
 * when its credential expires or a 401 comes back), a client-side token
 * bucket (qps, burst; as client-go's), and retries with exponential backoff
 * and jitter for connection errors, 5xx and 429 (honouring Retry-After) --
 * never for a 4xx that retrying cannot fix, and never for a PUT that got
 * 409 Conflict.
 */
#ifndef EBB_KUBE_CLIENT_H
#define EBB_KUBE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "../base/strbuf.h"
#include "kubeconfig.h"
#include "status.h"

struct ebb_kube_client;

struct ebb_kube_client_opts {
    double qps;                 /* default 20 */
    int burst;                  /* default 30 */
    int64_t connect_timeout_ms; /* default 10s */
    int64_t request_timeout_ms; /* default 30s; watches use their timeoutSeconds + 30s */
    int max_retries;            /* default 5 */
    int64_t backoff_base_ms;    /* default 100ms, doubled per retry, capped at 30s, +-20% jitter */
    const char *user_agent;     /* default "ebb/<version> (<os>/<arch>)" */
    uint64_t seed;              /* jitter seed; 0 = from the clock */
    /* Added after the contract. The largest whole (non-stream) response
     * body kept; a longer one fails the request. 0 = the default, 64 MiB.
     * The body of an error response is kept up to 64 KiB, the rest dropped. */
    size_t max_body_bytes;
};

void ebb_kube_client_opts_default(struct ebb_kube_client_opts *o /* OUT */);

enum ebb_kube_method {
    EBB_KUBE_GET = 0,
    EBB_KUBE_POST,
    EBB_KUBE_PUT,
    EBB_KUBE_PATCH,
    EBB_KUBE_DELETE,
};

/* Content types of a PATCH. */
#define EBB_KUBE_MERGE_PATCH "application/merge-patch+json"
#define EBB_KUBE_STRATEGIC_PATCH "application/strategic-merge-patch+json"
#define EBB_KUBE_JSON_PATCH "application/json-patch+json"
#define EBB_KUBE_APPLY_PATCH "application/apply-patch+yaml"

struct ebb_kube_request {
    enum ebb_kube_method method;
    const char *path; /* from ebb_kube_path(): "/apis/apps/v1/namespaces/x/deployments" */
    const char *body; /* copied at submit; NULL for none */
    size_t body_len;
    const char *content_type; /* default application/json when there is a body */
    bool stream;              /* a watch: body bytes go to on_data as they arrive */
};

struct ebb_kube_response {
    int http_status;  /* 0 when no response came */
    const char *body; /* the whole body (not for streams); valid during the callback */
    size_t body_len;
    const struct ebb_kube_error *error; /* NULL on 2xx */
    int http_version;                   /* 2 for HTTP/2, 1 for HTTP/1.x, 0 when no response came */
};

/* Streamed body bytes; return non-zero to cancel the request. */
typedef int ebb_kube_data_fn(void *ctx, const char *data, size_t len);
/* Called exactly once per submitted request, after its last retry. */
typedef void ebb_kube_done_fn(void *ctx, const struct ebb_kube_response *resp);

/* Creates a client for cfg; err says what is wrong (a CA that cannot be
 * read, a certificate without its key, ...). Free with ebb_kube_client_free(). */
enum ebb_rc ebb_kube_client_new(const struct ebb_kube_config *cfg,
                                const struct ebb_kube_client_opts *opts,
                                struct ebb_kube_client **out /* OUT */, char *err, size_t errsz);
/* Cancels what is in flight (their done callbacks are not called). NULL is a no-op. */
void ebb_kube_client_free(struct ebb_kube_client *c);

/* Queues a request. on_data may be NULL unless r->stream. *id (may be NULL)
 * identifies it for ebb_kube_cancel(). On error, on_done is never called. */
enum ebb_rc ebb_kube_submit(struct ebb_kube_client *c, const struct ebb_kube_request *r,
                            ebb_kube_data_fn *on_data, ebb_kube_done_fn *on_done, void *ctx,
                            uint64_t *id /* OUT */);
/* Drops a request; its done callback is not called. */
void ebb_kube_cancel(struct ebb_kube_client *c, uint64_t id);

/* Waits up to timeout_ms for network activity, moves every request on and
 * runs the callbacks of those that completed. */
enum ebb_rc ebb_kube_client_poll(struct ebb_kube_client *c, int timeout_ms);
/* Requests submitted and not yet completed. */
size_t ebb_kube_client_pending(const struct ebb_kube_client *c);

/* Blocking: submits r and polls until it completes. On 2xx returns EBB_OK
 * with the body in body_out; otherwise EBB_ERR_IO with *err filled. */
enum ebb_rc ebb_kube_do(struct ebb_kube_client *c, const struct ebb_kube_request *r,
                        struct ebb_strbuf *body_out, int *http_status /* OUT */,
                        struct ebb_kube_error *err /* OUT */);

#endif
