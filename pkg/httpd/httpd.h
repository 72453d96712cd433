/* httpd.h -- the operator's small HTTP/1.1 server (/metrics, /healthz, /readyz). EDGE.
 *
 * Built on libwebsockets, and driven from the operator's one loop: no
 * thread. The loop integration is "tick" style (option (b) of brief TM):
 *
 *     for (;;) {
 *         int t = min(controller_timeout_ms, ebb_httpd_next_in(h));
 *         ebb_kube_client_poll(kube, t);   // curl_multi_poll() inside
 *         ebb_httpd_tick(h);               // never blocks
 *     }
 *
 * ebb_httpd_tick() calls lws_service() with a negative timeout, which
 * polls lws's own sockets with a zero timeout and services whatever is
 * ready (accept, read a request, write a response), a few times in a row
 * while that makes progress. ebb_httpd_next_in() asks for the next tick
 * within 1 ms while a response is being written and within `idle_ms`
 * (default 50) otherwise, so a request waits at most about idle_ms to be
 * read and costs a few ms after that, and an idle operator wakes
 * 1000/idle_ms times a second (about 20 us each). The fd-level
 * integration (option (a)) is not possible with Debian's build:
 * libwebsockets 4.1.6 is built without LWS_WITH_EXTERNAL_POLL, so the
 * LWS_CALLBACK_*_POLL_FD callbacks never come; and pkg/kube/client.h does
 * not expose curl_multi_poll()'s extra_fds either.
 *
 * Requests: GET and HEAD of a path in the route table (exact match; the
 * query string is ignored), anything else 404 (unknown path) or 405 (other
 * method). Responses carry Content-Length and keep the connection alive.
 * lws's own logging is switched off (it is process-wide and not in our log
 * format); a failure to listen is reported through err.
 */
#ifndef EBB_HTTPD_H
#define EBB_HTTPD_H

#include <stddef.h>

#include "../base/rc.h"
#include "../base/strbuf.h"

#define EBB_HTTPD_CONTENT_TYPE_MAX 128
#define EBB_HTTPD_DEFAULT_IDLE_MS 50

/* Fills body (empty on entry) and may overwrite content_type (a buffer of
 * EBB_HTTPD_CONTENT_TYPE_MAX bytes holding "text/plain; charset=utf-8" on
 * entry); returns the HTTP status. A status outside 100..599, or a body
 * whose allocation failed, becomes 500. */
typedef int ebb_httpd_handler_fn(void *ctx, struct ebb_strbuf *body, char *content_type);

struct ebb_httpd_route {
    const char *path; /* "/metrics"; copied */
    ebb_httpd_handler_fn *fn;
    void *ctx;
};

struct ebb_httpd_opts {
    /* ":8080" (every address), "127.0.0.1:0" (any free port),
     * "[::1]:8081", "localhost:9000", or "0" to disable. */
    const char *bind;
    const struct ebb_httpd_route *routes; /* copied */
    size_t nroutes;
    int idle_ms; /* 0 = EBB_HTTPD_DEFAULT_IDLE_MS */
};

struct ebb_httpd;

/* Starts listening. When opts->bind is "0" the server is disabled: EBB_OK
 * with *out = NULL, and every function below accepts that NULL (tick does
 * nothing, next_in is -1, port is 0). EBB_ERR_USAGE for a malformed
 * address, EBB_ERR_IO when it cannot listen (err: "listen on :8080:
 * Address already in use"), EBB_ERR_NOMEM. */
enum ebb_rc ebb_httpd_new(const struct ebb_httpd_opts *opts, struct ebb_httpd **out /* OUT */,
                          char *err, size_t errsz);
/* Closes the listener and every connection. NULL is a no-op. */
void ebb_httpd_free(struct ebb_httpd *h);

/* Services every socket that is ready, without blocking. EBB_ERR_IO if
 * libwebsockets failed (the server should then be recreated). */
enum ebb_rc ebb_httpd_tick(struct ebb_httpd *h);
/* Milliseconds until the next ebb_httpd_tick() is due: 0 or 1 while a
 * response is in flight, idle_ms otherwise; -1 (no deadline) for NULL. */
int ebb_httpd_next_in(const struct ebb_httpd *h);
/* The port listened on (the chosen one for ":0"); 0 for NULL. */
int ebb_httpd_port(const struct ebb_httpd *h);

/* Splits "host:port" / ":port" / "[v6]:port" into host (empty for every
 * address) and port; EBB_ERR_USAGE with err for anything else. Exposed
 * for the flag parser and tests. */
enum ebb_rc ebb_httpd_parse_bind(const char *addr, char *host, size_t hostsz, int *port /* OUT */,
                                 char *err, size_t errsz);

#endif
