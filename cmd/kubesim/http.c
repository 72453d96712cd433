/*
 * kubesim http: the TLS HTTP/1.1 server (ks.h, section HTTP).
 *
 * One thread, non-blocking sockets, one poll() per ks_http_poll call.
 * Each connection goes HANDSHAKE -> READING <-> (STREAMING) -> CLOSING ->
 * LINGER: a request is parsed from the input buffer (http_parse.c), the
 * handler fills a ks_resp, the response is appended to the output buffer
 * (http_resp.c) and written as the socket takes it. A watch stream keeps
 * the connection until ks_stream_end or the client goes away.
 *
 * Connections are never freed in the middle of a poll: http_conn_kill
 * marks one dead (calling its stream's on_close at once) and the sweep at
 * the start and end of each poll frees it, so a handler or a stream send
 * may kill any connection safely.
 *
 * TLS setup, the socket BIO and client identities are in http_tls.c.
 * When ALPN chose "h2" the connection's bytes go through http2.c instead
 * of the HTTP/1.1 parser; the rest (TLS, buffers, poll) is the same.
 */
#include "http2_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define KS_HTTP_IN_CAP (256u << 10) /* unparsed input buffered per connection */

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double real_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double http_now(const struct ks_http *h)
{
    return h->base_real + (mono_now() - h->base_mono);
}

/* ---- connections ------------------------------------------------------------------------ */

static bool set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 &&
           fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

void http_conn_kill(struct http_conn *c)
{
    if (c->dead)
        return;
    c->dead = true;
    ks_stream *st = c->stream;
    c->stream = NULL;
    if (st) {
        void (*cb)(void *) = st->on_close;
        void *ud = st->ud;
        http_stream_free(st);
        if (cb)
            cb(ud);
    }
    h2_conn_kill_streams(c);
}

static void conn_free(struct http_conn *c)
{
    SSL_free(c->ssl); /* and its BIO */
    if (c->fd >= 0)
        close(c->fd);
    ebb_strbuf_release(&c->in);
    ebb_strbuf_release(&c->out);
    http_parser_reset(&c->p);
    h2_conn_free(c->h2);
    free(c->cert_user);
    for (size_t i = 0; i < c->n_cert_groups; i++)
        free(c->cert_groups[i]);
    free(c->cert_groups);
    free(c);
}

/* Frees the dead connections, keeping the order of the others. */
static void sweep(struct ks_http *h)
{
    size_t j = 0;

    for (size_t i = 0; i < h->n_conns; i++) {
        if (h->conns[i]->dead)
            conn_free(h->conns[i]);
        else
            h->conns[j++] = h->conns[i];
    }
    h->n_conns = j;
}

static void conn_new(struct ks_http *h, int fd)
{
    struct http_conn *c = NULL;
    BIO *bio = NULL;
    int one = 1;

    if (!set_nonblock(fd))
        goto fail;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (h->n_conns == h->cap_conns) {
        size_t cap = h->cap_conns ? h->cap_conns * 2 : 64;
        struct http_conn **v = realloc(h->conns, cap * sizeof(*v));
        if (!v)
            goto fail;
        h->conns = v;
        h->cap_conns = cap;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        goto fail;
    c->h = h;
    c->fd = fd;
    c->id = ++h->next_id;
    c->state = HTTP_C_HANDSHAKE;
    c->deadline = http_now(h) + KS_HTTP_HANDSHAKE_S;
    ebb_strbuf_init(&c->in);
    ebb_strbuf_init(&c->out);
    ebb_strbuf_init(&c->p.body);
    c->p.keep_alive = true;
    c->ssl = SSL_new(h->ctx);
    bio = BIO_new(h->bio_meth);
    if (!c->ssl || !bio)
        goto fail;
    BIO_set_data(bio, (void *)(intptr_t)fd);
    SSL_set_bio(c->ssl, bio, bio);
    SSL_set_accept_state(c->ssl);
    h->conns[h->n_conns++] = c;
    return;
fail: /* always before SSL_set_bio: bio is still ours */
    ERR_clear_error();
    BIO_free(bio);
    if (c)
        SSL_free(c->ssl);
    free(c);
    close(fd);
}

static void handshake(struct http_conn *c)
{
    ERR_clear_error();
    int r = SSL_accept(c->ssl);
    c->io_wants_read = c->io_wants_write = false;
    if (r == 1) {
        const unsigned char *alpn = NULL;
        unsigned alpn_len = 0;
        c->state = HTTP_C_READING;
        http_tls_identity(c);
        SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
        if (alpn_len == 2 && memcmp(alpn, "h2", 2) == 0 && !h2_conn_start(c))
            http_conn_kill(c);
        return;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ)
        c->io_wants_read = true;
    else if (e == SSL_ERROR_WANT_WRITE)
        c->io_wants_write = true;
    else
        http_conn_kill(c);
    ERR_clear_error();
}

/* Reads what the socket has, up to the input cap. Returns true when it
 * stopped at the cap (more may be waiting inside OpenSSL or the kernel). */
static bool read_some(struct http_conn *c)
{
    char buf[16384];

    while (c->in.len - c->in_off < KS_HTTP_IN_CAP) {
        ERR_clear_error();
        int r = SSL_read(c->ssl, buf, sizeof(buf));
        if (r > 0) {
            ebb_strbuf_add(&c->in, buf, (size_t)r);
            if (ebb_strbuf_rc(&c->in)) {
                http_conn_kill(c);
                return false;
            }
            continue;
        }
        int e = SSL_get_error(c->ssl, r);
        ERR_clear_error();
        if (e == SSL_ERROR_WANT_READ)
            return false;
        if (e == SSL_ERROR_WANT_WRITE) {
            c->io_wants_write = true;
            return false;
        }
        c->eof = true;
        return false;
    }
    return true;
}

static void compact_in(struct http_conn *c)
{
    if (c->in_off == 0)
        return;
    if (c->in_off >= c->in.len) {
        if (c->in.alloc > (1u << 20))
            ebb_strbuf_release(&c->in);
        else
            ebb_strbuf_reset(&c->in);
    } else {
        memmove(c->in.buf, c->in.buf + c->in_off, c->in.len - c->in_off);
        c->in.len -= c->in_off;
        c->in.buf[c->in.len] = '\0';
    }
    c->in_off = 0;
}

static void dispatch(struct ks_http *h, struct http_conn *c)
{
    struct http_req *r = c->p.req;
    ks_resp resp;

    c->p.req = NULL;
    c->req_close = !c->p.keep_alive;
    http_parser_reset(&c->p);
    r->pub.conn_id = c->id;
    r->pub.cert_user = c->cert_user;
    r->pub.cert_groups = c->cert_groups;
    r->pub.n_cert_groups = c->n_cert_groups;

    http_resp_init(&resp);
    h->serving = c;
    h->handler(h->ud, &r->pub, &resp);
    h->serving = NULL;
    h->served++;
    if (resp.stream) {
        http_resp_write_stream_head(h, &c->out, &resp);
        http_stream_bind(c, resp.stream);
        if (!c->stream && c->req_close)
            c->state = HTTP_C_CLOSING;
    } else {
        http_resp_write(h, &c->out, &resp, strcmp(r->pub.method, "HEAD") == 0, c->req_close);
        if (c->req_close)
            c->state = HTTP_C_CLOSING;
    }
    if (h->latency_ms > 0)
        c->due = http_now(h) + h->latency_ms / 1000.0;
    http_resp_release(&resp);
    http_req_free(r);
    if (ebb_strbuf_rc(&c->out))
        http_conn_kill(c);
}

/* Parses and answers the complete requests in the input buffer. */
static void process(struct ks_http *h, struct http_conn *c)
{
    if (c->h2) {
        if (c->state == HTTP_C_READING)
            h2_process(h, c);
        if (!c->dead)
            compact_in(c);
        return;
    }
    while (!c->dead && c->state == HTTP_C_READING && c->due <= http_now(h)) {
        enum http_parse_rc rc = http_parse(c, h->max_body);
        if (rc == HTTP_P_DONE) {
            dispatch(h, c);
            continue;
        }
        if (rc == HTTP_P_MORE) {
            if (c->p.req && c->p.expect_continue) {
                ebb_strbuf_adds(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
                c->p.expect_continue = false;
            }
            break;
        }
        h->served++;
        if (rc == HTTP_P_NOMEM) {
            http_conn_kill(c);
            return;
        }
        if (rc == HTTP_P_TOOBIG)
            http_resp_write_too_large(h, &c->out, h->max_body);
        else
            http_resp_write_raw_error(&c->out, -rc);
        http_parser_reset(&c->p);
        c->in_off = c->in.len; /* the rest is not a request */
        c->state = HTTP_C_CLOSING;
    }
    compact_in(c);
}

/* After the last response: close_notify, no more writes, and drain what
 * the client still sends so that its reading the reply is not cut short
 * by a reset. */
static void linger_begin(struct ks_http *h, struct http_conn *c)
{
    ERR_clear_error();
    SSL_shutdown(c->ssl);
    ERR_clear_error();
    shutdown(c->fd, SHUT_WR);
    c->state = HTTP_C_LINGER;
    c->deadline = http_now(h) + KS_HTTP_LINGER_S;
}

static void linger(struct ks_http *h, struct http_conn *c)
{
    char buf[16384];

    for (int i = 0; i < 64; i++) {
        ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
        if (r > 0)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            break;
        http_conn_kill(c);
        return;
    }
    if (http_now(h) >= c->deadline)
        http_conn_kill(c);
}

static void do_write(struct ks_http *h, struct http_conn *c)
{
    while (c->out_off < c->out.len) {
        size_t n = c->out.len - c->out_off;
        ERR_clear_error();
        int w = SSL_write(c->ssl, c->out.buf + c->out_off, n > (1u << 30) ? 1 << 30 : (int)n);
        if (w > 0) {
            c->out_off += (size_t)w;
            continue;
        }
        int e = SSL_get_error(c->ssl, w);
        ERR_clear_error();
        if (e == SSL_ERROR_WANT_WRITE) {
            c->write_blocked = true;
        } else if (e == SSL_ERROR_WANT_READ) {
            c->io_wants_read = true;
        } else {
            http_conn_kill(c);
            return;
        }
        if (c->out_off > (1u << 20) && c->out_off > c->out.len / 2) {
            memmove(c->out.buf, c->out.buf + c->out_off, c->out.len - c->out_off);
            c->out.len -= c->out_off;
            c->out.buf[c->out.len] = '\0';
            c->out_off = 0;
        }
        return;
    }
    c->write_blocked = false;
    c->io_wants_read = false;
    c->out_off = 0;
    if (c->out.alloc > (1u << 20))
        ebb_strbuf_release(&c->out);
    else
        ebb_strbuf_reset(&c->out);
    if (c->state == HTTP_C_CLOSING)
        linger_begin(h, c);
}

static bool out_pending(const struct http_conn *c)
{
    return c->out_off < c->out.len;
}

/* One connection's turn; revents from poll (0 when it was not polled). */
static void service(struct ks_http *h, struct http_conn *c, short revents)
{
    if (c->dead)
        return;
    if (revents & POLLNVAL) {
        http_conn_kill(c);
        return;
    }
    if (c->state == HTTP_C_LINGER) {
        linger(h, c);
        return;
    }
    if (c->state == HTTP_C_HANDSHAKE) {
        if (!revents) {
            if (http_now(h) >= c->deadline)
                http_conn_kill(c);
            return;
        }
        handshake(c);
        if (c->dead || c->state == HTTP_C_HANDSHAKE)
            return;
        revents |= POLLIN; /* the first request may have come with it */
    }
    bool held = c->due > http_now(h);
    bool more = false;
    if ((revents & (POLLIN | POLLHUP | POLLERR)) || c->has_work) {
        c->has_work = false;
        c->io_wants_write = false;
        more = read_some(c);
    }
    if (c->dead)
        return;
    if (!held)
        process(h, c);
    if (c->dead)
        return;
    if (out_pending(c) && c->due <= http_now(h) &&
        (!c->write_blocked || (revents & (POLLOUT | POLLERR | POLLHUP)) ||
         (c->io_wants_read && (revents & POLLIN))))
        do_write(h, c);
    /* HTTP/2: the socket took everything; more DATA may wait for room. */
    if (c->h2 && !c->dead && c->state == HTTP_C_READING && !out_pending(c) &&
        c->due <= http_now(h) && h2_flush(c))
        do_write(h, c);
    if (c->dead)
        return;
    if (c->eof) {
        http_conn_kill(c);
        return;
    }
    if (more && c->state == HTTP_C_READING && c->due <= http_now(h))
        c->has_work = true;
}

static void accept_all(struct ks_http *h)
{
    for (int i = 0; i < 256; i++) {
        int fd = accept(h->lfd, NULL, NULL);
        if (fd < 0)
            return; /* EAGAIN, or EMFILE and the like: try on the next turn */
        if (http_now(h) < h->refuse_until) {
            close(fd);
            continue;
        }
        conn_new(h, fd);
    }
}

/* ---- the server ------------------------------------------------------------------------- */

static int listen_on(const char *addr, int port, char *err, size_t errlen)
{
    struct addrinfo hints, *ai = NULL;
    char ps[16];
    int fd = -1, one = 1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(ps, sizeof(ps), "%d", port);
    int rc = getaddrinfo(addr, ps, &hints, &ai);
    if (rc != 0 || !ai) {
        snprintf(err, errlen, "bind address %s: %s", addr, gai_strerror(rc));
        return -1;
    }
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 4096) != 0 || !set_nonblock(fd)) {
        snprintf(err, errlen, "listen on %s:%d: %s", addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

static int local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

ks_http *ks_http_new(const struct ks_http_opts *o, char *err, size_t errlen)
{
    char dummy[8];

    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = '\0';
    if (!o || !o->handler || !o->cert_pem || !o->key_pem) {
        snprintf(err, errlen, "http: a handler, cert_pem and key_pem are required");
        return NULL;
    }
    if (o->port < 0 || o->port > 65535) {
        snprintf(err, errlen, "http: port %d out of range", o->port);
        return NULL;
    }
    ks_http *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "http: out of memory");
        return NULL;
    }
    h->lfd = -1;
    h->handler = o->handler;
    h->ud = o->ud;
    h->max_body = o->max_body ? o->max_body : KS_HTTP_DEFAULT_MAX_BODY;
    h->base_real = real_now();
    h->base_mono = mono_now();
    if (getentropy(h->rng, sizeof(h->rng)) != 0 || (h->rng[0] | h->rng[1]) == 0) {
        h->rng[0] = (uint64_t)(h->base_mono * 1e9) ^ 0x9e3779b97f4a7c15ull;
        h->rng[1] = (uint64_t)getpid() * 0xbf58476d1ce4e5b9ull + 1;
    }
    http_uuid(h, h->flowschema_uid);
    http_uuid(h, h->priority_uid);
    h->ctx = http_tls_ctx(o, err, errlen);
    h->bio_meth = h->ctx ? http_tls_bio_method() : NULL;
    if (h->ctx && !h->bio_meth)
        snprintf(err, errlen, "http: cannot create the socket BIO");
    if (h->bio_meth)
        h->lfd = listen_on(o->bind_addr ? o->bind_addr : "127.0.0.1", o->port, err, errlen);
    if (h->lfd >= 0)
        h->port = local_port(h->lfd);
    if (h->lfd < 0 || h->port <= 0) {
        if (h->lfd >= 0 && !err[0])
            snprintf(err, errlen, "http: getsockname: %s", strerror(errno));
        ks_http_free(h);
        return NULL;
    }
    return h;
}

void ks_http_free(ks_http *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_conns; i++) {
        struct http_conn *c = h->conns[i];
        if (c->h2 && !c->dead && c->state == HTTP_C_READING) {
            /* HTTP/2: a graceful GOAWAY, sent as far as the socket takes it. */
            h2_goaway(c, H2_NO_ERROR);
            c->state = HTTP_C_CLOSING;
            do_write(h, c);
        }
    }
    for (size_t i = 0; i < h->n_conns; i++)
        http_conn_kill(h->conns[i]); /* on_close of open streams */
    for (size_t i = 0; i < h->n_conns; i++)
        conn_free(h->conns[i]);
    free(h->conns);
    free(h->pfds);
    if (h->lfd >= 0)
        close(h->lfd);
    SSL_CTX_free(h->ctx);
    BIO_meth_free(h->bio_meth);
    free(h);
}

int ks_http_port(const ks_http *h)
{
    return h ? h->port : -1;
}

void ks_http_set_latency(ks_http *h, int latency_ms)
{
    if (h)
        h->latency_ms = latency_ms > 0 ? latency_ms : 0;
}

void ks_http_refuse_until(ks_http *h, double refuse_until_real)
{
    if (!h)
        return;
    h->refuse_until = refuse_until_real;
    /* An outage drops the connections clients hold too, not only new
     * ones (an HTTP/2 client would otherwise never notice). */
    if (refuse_until_real > http_now(h))
        for (size_t i = 0; i < h->n_conns; i++)
            if (h->conns[i] != h->serving) /* it carries the answer to this */
                http_conn_kill(h->conns[i]);
}

uint64_t ks_http_requests_served(const ks_http *h)
{
    return h ? h->served : 0;
}

/* Events to poll for; updates *timeout for work that is due sooner. */
static short conn_events(const struct ks_http *h, const struct http_conn *c, double now,
                         int *timeout)
{
    short ev = 0;
    double wake = -1;

    switch (c->state) {
    case HTTP_C_HANDSHAKE:
        wake = c->deadline;
        ev = c->io_wants_write ? POLLOUT : POLLIN;
        break;
    case HTTP_C_LINGER:
        wake = c->deadline;
        ev = POLLIN;
        break;
    default:
        if (c->in.len - c->in_off < KS_HTTP_IN_CAP || c->io_wants_read)
            ev |= POLLIN;
        if (c->io_wants_write)
            ev |= POLLOUT;
        if (c->due > now) {
            if (out_pending(c) || c->in.len > c->in_off)
                wake = c->due;
        } else if (out_pending(c)) {
            if (c->write_blocked)
                ev |= POLLOUT;
            else
                wake = now;
        }
        if (c->has_work)
            wake = now;
        break;
    }
    (void)h;
    if (wake >= 0) {
        double ms = (wake - now) * 1000.0;
        int t = ms <= 0 ? 0 : ms > 3600e3 ? 3600000 : (int)ms + 1;
        if (*timeout < 0 || t < *timeout)
            *timeout = t;
    }
    return ev;
}

int ks_http_poll(ks_http *h, int timeout_ms, double now_real)
{
    if (!h)
        return KS_EIO;
    h->base_real = now_real;
    h->base_mono = mono_now();
    sweep(h);

    size_t n = h->n_conns;
    if (h->cap_pfds < n + 1) {
        size_t cap = (n + 1) * 2;
        struct pollfd *p = realloc(h->pfds, cap * sizeof(*p));
        if (!p)
            return KS_ENOMEM;
        h->pfds = p;
        h->cap_pfds = cap;
    }
    double now = http_now(h);
    int timeout = timeout_ms;
    h->pfds[0] = (struct pollfd){.fd = h->lfd, .events = POLLIN};
    for (size_t i = 0; i < n; i++) {
        struct http_conn *c = h->conns[i];
        h->pfds[i + 1] = (struct pollfd){.fd = c->fd, .events = conn_events(h, c, now, &timeout)};
    }
    int r = poll(h->pfds, n + 1, timeout);
    if (r < 0 && errno != EINTR)
        return KS_EIO;
    if (r < 0) {
        for (size_t i = 0; i <= n; i++)
            h->pfds[i].revents = 0;
    }
    for (size_t i = 0; i < n; i++)
        service(h, h->conns[i], h->pfds[i + 1].revents);
    short lrev = h->pfds[0].revents;
    if (lrev & (POLLERR | POLLNVAL))
        return KS_EIO;
    if (lrev & POLLIN)
        accept_all(h);
    sweep(h);
    return KS_OK;
}
