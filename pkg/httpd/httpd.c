/* httpd.c -- a route table served by libwebsockets, ticked from the operator's loop. EDGE.
 *
 * One lws context with one vhost and one protocol whose callback answers
 * every HTTP request. A response is built whole by the route's handler
 * (these bodies are small: /metrics of 10,000 policies is a few MB at
 * most), its headers are written from LWS_CALLBACK_HTTP, and the body is
 * written in chunks from LWS_CALLBACK_HTTP_WRITEABLE. The per-connection
 * state lives in lws's per-session data; the server itself is reached
 * through lws_context_user().
 */
#include "httpd.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "../base/msg.h"

#define CHUNK_BYTES 16384
#define TICK_ROUNDS 4 /* lws_service() calls per tick while they make progress */

struct route {
    char *path;
    ebb_httpd_handler_fn *fn;
    void *ctx;
};

struct ebb_httpd {
    struct lws_context *lws;
    struct lws_vhost *vhost;
    struct lws_protocols protocols[2];
    struct route *routes;
    size_t nroutes;
    int idle_ms;
    int port;
    size_t in_flight;       /* responses being written */
    unsigned long progress; /* bumped by every callback that did something */
};

/* Per connection (lws zeroes it). */
struct session {
    unsigned char *buf; /* LWS_PRE bytes of headroom, then the body */
    size_t len, sent;
    bool head;       /* HEAD: headers only */
    bool close;      /* close once written */
    bool responding; /* counted in in_flight */
};

static void session_reset(struct ebb_httpd *h, struct session *s)
{
    free(s->buf);
    s->buf = NULL;
    s->len = s->sent = 0;
    if (s->responding && h->in_flight)
        h->in_flight--;
    s->responding = false;
}

static const struct route *route_find(const struct ebb_httpd *h, const char *path)
{
    for (size_t i = 0; i < h->nroutes; i++)
        if (strcmp(h->routes[i].path, path) == 0)
            return &h->routes[i];
    return NULL;
}

/* Runs the handler (or makes the 404/405) into s->buf; returns the status. */
static int build_response(struct ebb_httpd *h, struct session *s, int method, const char *path,
                          char *ctype)
{
    struct ebb_strbuf body = EBB_STRBUF_INIT;
    int status;
    snprintf(ctype, EBB_HTTPD_CONTENT_TYPE_MAX, "text/plain; charset=utf-8");
    const struct route *r =
        method == LWSHUMETH_GET || method == LWSHUMETH_HEAD ? route_find(h, path) : NULL;
    if (method != LWSHUMETH_GET && method != LWSHUMETH_HEAD) {
        status = 405;
        s->close = true; /* a request body may follow: do not read it */
        ebb_strbuf_adds(&body, "405 method not allowed\n");
    } else if (!r) {
        status = 404;
        ebb_strbuf_adds(&body, "404 page not found\n");
    } else {
        status = r->fn(r->ctx, &body, ctype);
        ctype[EBB_HTTPD_CONTENT_TYPE_MAX - 1] = '\0';
        if (ebb_strbuf_rc(&body) || status < 100 || status > 599) {
            status = 500;
            ebb_strbuf_reset(&body);
            snprintf(ctype, EBB_HTTPD_CONTENT_TYPE_MAX, "text/plain; charset=utf-8");
            ebb_strbuf_adds(&body, "500 internal server error\n");
        }
    }
    s->len = body.len;
    s->buf = malloc(LWS_PRE + body.len + 1);
    if (s->buf)
        memcpy(s->buf + LWS_PRE, body.buf, body.len);
    ebb_strbuf_release(&body);
    return s->buf ? status : -1;
}

static int on_http(struct lws *wsi, struct ebb_httpd *h, struct session *s, const char *uri)
{
    unsigned char hdr[LWS_PRE + 512];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof(hdr) - 1;
    char ctype[EBB_HTTPD_CONTENT_TYPE_MAX];
    char *muri = NULL;
    int mlen = 0;
    int method = lws_http_get_uri_and_method(wsi, &muri, &mlen);

    session_reset(h, s);
    s->head = method == LWSHUMETH_HEAD;
    int status = build_response(h, s, method, uri ? uri : "", ctype);
    if (status < 0)
        return -1; /* out of memory: drop the connection */
    s->responding = true;
    h->in_flight++;
    if (lws_add_http_common_headers(wsi, (unsigned int)status, ctype, (lws_filepos_t)s->len, &p,
                                    end))
        return -1;
    if (status == 405 &&
        lws_add_http_header_by_name(
            wsi, (const unsigned char *)"allow:", (const unsigned char *)"GET, HEAD", 9, &p, end))
        return -1;
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int on_writeable(struct lws *wsi, struct ebb_httpd *h, struct session *s)
{
    if (!s->responding)
        return 0;
    size_t left = s->head ? 0 : s->len - s->sent;
    if (left > 0) {
        size_t n = left > CHUNK_BYTES ? CHUNK_BYTES : left;
        bool last = n == left;
        /* lws may write framing into the LWS_PRE bytes before the chunk: at
         * offset sent those are body bytes already sent, or the headroom. */
        if (lws_write(wsi, s->buf + LWS_PRE + s->sent, n,
                      last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
            return -1;
        s->sent += n;
        if (!last) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    bool close = s->close;
    session_reset(h, s);
    if (close)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct ebb_httpd *h = lws_context_user(lws_get_context(wsi));
    struct session *s = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        char path[1024];
        size_t n = in ? strnlen(in, len < sizeof(path) ? len : sizeof(path) - 1) : 0;
        memcpy(path, in ? in : "", n);
        path[n] = '\0';
        h->progress++;
        return on_http(wsi, h, s, path);
    }
    case LWS_CALLBACK_HTTP_WRITEABLE:
        h->progress++;
        return on_writeable(wsi, h, s);
    case LWS_CALLBACK_HTTP_BODY:
        return 0; /* a request body is read and dropped */
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        /* lws holds the response of a request with a body until here. */
        h->progress++;
        if (s && s->responding)
            lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
        h->progress++;
        break;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (s)
            session_reset(h, s);
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- addresses ----------------------------------------------------------------------------- */

enum ebb_rc ebb_httpd_parse_bind(const char *addr, char *host, size_t hostsz, int *port, char *err,
                                 size_t errsz)
{
    if (!addr || !*addr)
        return ebb_errf(err, errsz, EBB_ERR_USAGE,
                        "empty bind address (\":8080\", \"127.0.0.1:8080\", or \"0\" to disable)");
    const char *colon = strrchr(addr, ':');
    if (!colon)
        return ebb_errf(err, errsz, EBB_ERR_USAGE,
                        "bind address \"%s\" has no port (\":8080\", \"host:8080\", or \"0\")",
                        addr);
    const char *hs = addr, *he = colon;
    if (*hs == '[') {
        if (he == hs || he[-1] != ']')
            return ebb_errf(err, errsz, EBB_ERR_USAGE, "bind address \"%s\": missing ']'", addr);
        hs++;
        he--;
    } else if (memchr(hs, ':', (size_t)(he - hs))) {
        return ebb_errf(err, errsz, EBB_ERR_USAGE,
                        "bind address \"%s\": an IPv6 address needs brackets (\"[::1]:8080\")",
                        addr);
    }
    if ((size_t)(he - hs) >= hostsz)
        return ebb_errf(err, errsz, EBB_ERR_USAGE, "bind address \"%s\": host too long", addr);
    char *endp = NULL;
    errno = 0;
    long p = strtol(colon + 1, &endp, 10);
    if (colon[1] == '\0' || colon[1] == '-' || colon[1] == '+' || *endp || errno || p < 0 ||
        p > 65535)
        return ebb_errf(err, errsz, EBB_ERR_USAGE,
                        "bind address \"%s\": port must be a number from 0 to 65535", addr);
    memcpy(host, hs, (size_t)(he - hs));
    host[he - hs] = '\0';
    *port = (int)p;
    return EBB_OK;
}

/* Resolves host to a numeric address lws can bind ("" stays ""). */
static enum ebb_rc resolve_host(const char *host, char *num, size_t numsz, bool *v6, char *err,
                                size_t errsz)
{
    *v6 = false;
    if (!*host) {
        num[0] = '\0';
        return EBB_OK;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0)
        return ebb_errf(err, errsz, EBB_ERR_USAGE, "bind address: cannot resolve %s: %s", host,
                        gai_strerror(rc));
    /* Prefer IPv4 ("localhost" resolves to both). */
    const struct addrinfo *pick = res;
    for (const struct addrinfo *a = res; a; a = a->ai_next)
        if (a->ai_family == AF_INET) {
            pick = a;
            break;
        }
    rc = getnameinfo(pick->ai_addr, pick->ai_addrlen, num, (socklen_t)numsz, NULL, 0,
                     NI_NUMERICHOST);
    *v6 = pick->ai_family == AF_INET6;
    freeaddrinfo(res);
    if (rc != 0)
        return ebb_errf(err, errsz, EBB_ERR_USAGE, "bind address: %s: %s", host, gai_strerror(rc));
    return EBB_OK;
}

/* Binds and listens on the address once, as lws will, and closes again:
 * returns 0 or the errno that says why it cannot. lws itself only says
 * that it failed (and leaks on that path), so this runs first. */
static int probe_one(int family, const char *num, int port)
{
    struct addrinfo hints, *res = NULL;
    char service[16];
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%d", port);
    int rc = getaddrinfo(*num ? num : NULL, service, &hints, &res);
    if (rc != 0)
        return rc == EAI_FAMILY ? EAFNOSUPPORT : EINVAL;
    int e = 0;
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        e = errno;
    } else {
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1) != 0)
            e = errno;
        close(fd);
    }
    freeaddrinfo(res);
    return e;
}

/* 0, or the errno; *v4_only set when "every address" has no IPv6 here. */
static int probe_listen(const char *num, bool v6, int port, bool *v4_only)
{
    *v4_only = false;
    if (*num)
        return probe_one(v6 ? AF_INET6 : AF_INET, num, port);
    int e = probe_one(AF_INET6, num, port);
    if (e == EAFNOSUPPORT || e == EADDRNOTAVAIL) {
        *v4_only = true;
        e = probe_one(AF_INET, num, port);
    }
    return e;
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

void ebb_httpd_free(struct ebb_httpd *h)
{
    if (!h)
        return;
    if (h->lws)
        lws_context_destroy(h->lws);
    for (size_t i = 0; i < h->nroutes; i++)
        free(h->routes[i].path);
    free(h->routes);
    free(h);
}

static enum ebb_rc copy_routes(struct ebb_httpd *h, const struct ebb_httpd_opts *o, char *err,
                               size_t errsz)
{
    if (o->nroutes == 0)
        return EBB_OK;
    h->routes = calloc(o->nroutes, sizeof(*h->routes));
    if (!h->routes)
        return ebb_errf(err, errsz, EBB_ERR_NOMEM, "httpd: out of memory");
    for (size_t i = 0; i < o->nroutes; i++) {
        const struct ebb_httpd_route *r = &o->routes[i];
        if (!r->path || r->path[0] != '/' || !r->fn)
            return ebb_errf(err, errsz, EBB_ERR_USAGE,
                            "httpd: route %zu needs a path starting with / and a handler", i);
        size_t n = strlen(r->path) + 1;
        if (!(h->routes[i].path = malloc(n)))
            return ebb_errf(err, errsz, EBB_ERR_NOMEM, "httpd: out of memory");
        memcpy(h->routes[i].path, r->path, n);
        h->routes[i].fn = r->fn;
        h->routes[i].ctx = r->ctx;
        h->nroutes = i + 1;
    }
    return EBB_OK;
}

enum ebb_rc ebb_httpd_new(const struct ebb_httpd_opts *opts, struct ebb_httpd **out, char *err,
                          size_t errsz)
{
    *out = NULL;
    if (opts->bind && strcmp(opts->bind, "0") == 0)
        return EBB_OK;
    char host[256], num[NI_MAXHOST];
    int port = 0;
    bool v6 = false;
    enum ebb_rc rc = ebb_httpd_parse_bind(opts->bind, host, sizeof(host), &port, err, errsz);
    if (rc || (rc = resolve_host(host, num, sizeof(num), &v6, err, errsz)) != EBB_OK)
        return rc;

    bool v4_only = false;
    int e = port ? probe_listen(num, v6, port, &v4_only) : 0;
    if (e)
        return ebb_errf(err, errsz, EBB_ERR_IO, "listen on %s: %s", opts->bind, strerror(e));

    struct ebb_httpd *h = calloc(1, sizeof(*h));
    if (!h)
        return ebb_errf(err, errsz, EBB_ERR_NOMEM, "httpd: out of memory");
    if ((rc = copy_routes(h, opts, err, errsz)) != EBB_OK) {
        ebb_httpd_free(h);
        return rc;
    }
    h->idle_ms = opts->idle_ms > 0 ? opts->idle_ms : EBB_HTTPD_DEFAULT_IDLE_MS;
    h->protocols[0].name = "http";
    h->protocols[0].callback = callback;
    h->protocols[0].per_session_data_size = sizeof(struct session);
    /* protocols[1] stays zeroed: the terminator. */

    /* Process-wide, and not in our log format: our errors go through err. */
    lws_set_log_level(0, NULL);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = port;
    info.iface = *num ? num : NULL;
    info.protocols = h->protocols;
    info.user = h;
    info.gid = -1;
    info.uid = -1;
    info.timeout_secs = 10;
    /* Connections at once (scrapers, probes), not fd numbers: without it lws
     * sizes its poll array by RLIMIT_NOFILE (8 bytes per possible fd). */
    info.fd_limit_per_thread = 256;
    info.server_string = "ebb";
    if ((*num && !v6) || v4_only)
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    h->lws = lws_create_context(&info);
    if (!h->lws && !*num && !v4_only) {
        /* ":0" on a host without IPv6 (not probed): IPv4 only. */
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
        h->lws = lws_create_context(&info);
    }
    if (!h->lws) {
        ebb_msgf(err, errsz, "listen on %s: libwebsockets could not start the server", opts->bind);
        ebb_httpd_free(h);
        return EBB_ERR_IO;
    }
    h->vhost = lws_get_vhost_by_name(h->lws, "default");
    h->port = h->vhost ? lws_get_vhost_listen_port(h->vhost) : 0;
    if (h->port <= 0) {
        ebb_msgf(err, errsz, "listen on %s: libwebsockets reports no listening port", opts->bind);
        ebb_httpd_free(h);
        return EBB_ERR_IO;
    }
    *out = h;
    return EBB_OK;
}

enum ebb_rc ebb_httpd_tick(struct ebb_httpd *h)
{
    if (!h)
        return EBB_OK;
    for (int i = 0; i < TICK_ROUNDS; i++) {
        unsigned long before = h->progress;
        /* A negative timeout: poll with 0 and return, never wait. */
        if (lws_service(h->lws, -1) < 0)
            return EBB_ERR_IO;
        if (h->progress == before && h->in_flight == 0)
            break;
    }
    return EBB_OK;
}

int ebb_httpd_next_in(const struct ebb_httpd *h)
{
    if (!h)
        return -1;
    if (h->in_flight)
        return 1;
    /* Forced service pending (e.g. buffered input): 0 from lws. */
    return lws_service_adjust_timeout(h->lws, h->idle_ms, 0);
}

int ebb_httpd_port(const struct ebb_httpd *h)
{
    return h ? h->port : 0;
}
