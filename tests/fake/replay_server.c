/* replay_server.c -- scripted HTTPS server for client tests; see replay_server.h. TEST ONLY.
 *
 * Threads: one accepts, one per connection serves requests in order. The
 * script and the request log are shared under one mutex. Stopping wakes the
 * acceptor through a pipe and every connection by shutting its socket down,
 * then joins them all, so a test under valgrind ends with nothing leaked.
 */
#include "replay_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define REPLAY_MAX_HEAD 65536
#define REPLAY_MAX_BODY (64u << 20)

struct replay_step_copy {
    struct ebb_replay_step step;
    char *bytes;
};

struct replay_conn {
    struct ebb_replay_server *srv;
    pthread_t thread;
    int fd; /* -1 once the connection thread closed it */
    int no; /* 1-based */
};

struct ebb_replay_server {
    SSL_CTX *ctx;
    int listen_fd;
    int wake[2];
    int port;
    pthread_t acceptor;
    bool acceptor_started;

    char *ca_pem, *other_ca_pem, *client_cert_pem, *client_key_pem;
    size_t ca_pem_len, other_ca_pem_len, client_cert_pem_len, client_key_pem_len;

    pthread_mutex_t mu; /* guards everything below */
    bool stopping;
    struct replay_step_copy *steps;
    size_t n_steps, cap_steps;
    size_t cur_step;
    int served_of_cur;
    struct ebb_replay_request *log;
    size_t n_log, cap_log;
    struct replay_conn **conns;
    size_t n_conns, cap_conns;
    uint64_t rng;
};

static int64_t replay_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void replay_sleep_ms(int ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static uint64_t replay_rand(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Copies src into a fixed field, cut to fit. */
static void replay_copy(char *dst, size_t dstsz, const char *src, size_t n)
{
    if (n >= dstsz)
        n = dstsz - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ---- certificates ------------------------------------------------------------------------ */

static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return false;
    bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

/* A certificate for key, named cn, signed by issuer_key (self-signed when
 * issuer is NULL). kind: 0 CA, 1 server (san), 2 client. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int kind,
                       const char *san, long serial)
{
    X509 *cert = X509_new();
    bool ok = cert != NULL;
    ok = ok && X509_set_version(cert, 2) == 1;
    ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(cert), serial) == 1;
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != NULL;
    ok = ok && X509_gmtime_adj(X509_getm_notAfter(cert), 86400L) != NULL;
    ok = ok && X509_set_pubkey(cert, key) == 1;
    X509_NAME *name = ok ? X509_get_subject_name(cert) : NULL;
    ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                          (const unsigned char *)"ebb tests", -1, -1, 0) == 1;
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                          -1, 0) == 1;
    ok = ok && X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) == 1;
    X509 *iss = issuer ? issuer : cert;
    ok = ok && add_ext(cert, iss, NID_subject_key_identifier, "hash");
    ok = ok && add_ext(cert, iss, NID_authority_key_identifier, "keyid:always");
    if (kind == 0) {
        ok = ok && add_ext(cert, iss, NID_basic_constraints, "critical,CA:TRUE");
        ok = ok && add_ext(cert, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        ok = ok && add_ext(cert, iss, NID_basic_constraints, "critical,CA:FALSE");
        ok = ok && add_ext(cert, iss, NID_key_usage, "critical,digitalSignature");
        ok = ok && add_ext(cert, iss, NID_ext_key_usage, kind == 1 ? "serverAuth" : "clientAuth");
        if (san != NULL)
            ok = ok && add_ext(cert, iss, NID_subject_alt_name, san);
    }
    ok = ok && X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(cert);
        cert = NULL;
    }
    return cert;
}

static char *pem_of(X509 *cert, EVP_PKEY *key, size_t *len)
{
    char *out = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        goto out;
    int ok = cert ? PEM_write_bio_X509(bio, cert)
                  : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    if (ok != 1)
        goto out;
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    out = malloc((size_t)n + 1);
    if (out == NULL)
        goto out;
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    *len = (size_t)n;
out:
    BIO_free(bio);
    return out;
}

static int verify_client(int preverify_ok, X509_STORE_CTX *x)
{
    (void)x;
    return preverify_ok;
}

static enum ebb_rc make_tls(struct ebb_replay_server *s, const struct ebb_replay_opts *o)
{
    enum ebb_rc rc = EBB_ERR_IO;
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    EVP_PKEY *other_key = EVP_EC_gen("P-256");
    EVP_PKEY *srv_key = EVP_EC_gen("P-256");
    EVP_PKEY *cli_key = EVP_EC_gen("P-256");
    X509 *ca = NULL, *other = NULL, *srv = NULL, *cli = NULL;
    if (!ca_key || !other_key || !srv_key || !cli_key)
        goto out;
    ca = make_cert(ca_key, "ebb test CA", NULL, NULL, 0, NULL, 1);
    other = make_cert(other_key, "ebb test CA", NULL, NULL, 0, NULL, 1);
    const char *san =
        o->no_ip_san ? "DNS:localhost,DNS:kube.test" : "DNS:localhost,DNS:kube.test,IP:127.0.0.1";
    srv = ca ? make_cert(srv_key, "replay-server", ca, ca_key, 1, san, 2) : NULL;
    cli = ca ? make_cert(cli_key, "ebb-test-client", ca, ca_key, 2, NULL, 3) : NULL;
    if (!ca || !other || !srv || !cli)
        goto out;
    s->ca_pem = pem_of(ca, NULL, &s->ca_pem_len);
    s->other_ca_pem = pem_of(other, NULL, &s->other_ca_pem_len);
    s->client_cert_pem = pem_of(cli, NULL, &s->client_cert_pem_len);
    s->client_key_pem = pem_of(NULL, cli_key, &s->client_key_pem_len);
    if (!s->ca_pem || !s->other_ca_pem || !s->client_cert_pem || !s->client_key_pem)
        goto out;
    s->ctx = SSL_CTX_new(TLS_server_method());
    if (s->ctx == NULL || SSL_CTX_use_certificate(s->ctx, srv) != 1 ||
        SSL_CTX_use_PrivateKey(s->ctx, srv_key) != 1)
        goto out;
    if (o->want_client_cert) {
        X509_STORE *store = SSL_CTX_get_cert_store(s->ctx);
        if (X509_STORE_add_cert(store, ca) != 1)
            goto out;
        SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, verify_client);
    }
    rc = EBB_OK;
out:
    X509_free(ca);
    X509_free(other);
    X509_free(srv);
    X509_free(cli);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(other_key);
    EVP_PKEY_free(srv_key);
    EVP_PKEY_free(cli_key);
    return rc;
}

/* ---- serving ----------------------------------------------------------------------------- */

/* The value of header `name` in a head of CRLF lines, copied into dst. */
static void header_value(const char *head, const char *name, char *dst, size_t dstsz)
{
    size_t n = strlen(name);
    dst[0] = '\0';
    for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p, "\r\n")) {
        p += 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            const char *e = strstr(v, "\r\n");
            replay_copy(dst, dstsz, v, e ? (size_t)(e - v) : strlen(v));
            return;
        }
    }
}

/* Takes the step for the next request, or NULL when the script is empty.
 * A step whose count is used up gives way to the next one; the last one
 * goes on answering until another is pushed. */
static const struct replay_step_copy *next_step(struct ebb_replay_server *s)
{
    if (s->n_steps == 0)
        return NULL;
    while (s->cur_step + 1 < s->n_steps &&
           s->served_of_cur >=
               (s->steps[s->cur_step].step.times < 1 ? 1 : s->steps[s->cur_step].step.times)) {
        s->cur_step++;
        s->served_of_cur = 0;
    }
    s->served_of_cur++;
    return &s->steps[s->cur_step];
}

static const char replay_no_script[] = "HTTP/1.1 599 No Script\r\nContent-Length: 0\r\n\r\n";

static bool write_all(SSL *ssl, const char *p, size_t n)
{
    while (n > 0) {
        int w = SSL_write(ssl, p, n > 1u << 30 ? 1 << 30 : (int)n);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Writes one scripted response; false when the connection must end. */
static bool serve_step(struct ebb_replay_server *s, SSL *ssl, const struct ebb_replay_step *st,
                       const char *bytes)
{
    replay_sleep_ms(st->delay_ms);
    size_t len = st->len;
    bool cut = st->cut_after >= 0 && (size_t)st->cut_after < len;
    if (cut)
        len = (size_t)st->cut_after;
    size_t off = 0;
    while (off < len) {
        size_t n = len - off;
        if (st->piece > 0) {
            size_t want = st->piece;
            if (st->random_pieces) {
                pthread_mutex_lock(&s->mu);
                want = 1 + (size_t)(replay_rand(&s->rng) % st->piece);
                pthread_mutex_unlock(&s->mu);
            }
            n = n < want ? n : want;
        }
        if (!write_all(ssl, bytes + off, n))
            return false;
        off += n;
        if (off < len)
            replay_sleep_ms(st->pause_ms);
    }
    return !cut && !st->close;
}

/* Reads one request (head + Content-Length body) into req; false at the end. */
static bool read_request(SSL *ssl, struct ebb_strbuf *in, struct ebb_replay_request *req)
{
    char buf[16384];
    char *end;
    while ((end = strstr(in->buf, "\r\n\r\n")) == NULL) {
        if (in->len > REPLAY_MAX_HEAD)
            return false;
        int r = SSL_read(ssl, buf, sizeof(buf));
        if (r <= 0)
            return false;
        ebb_strbuf_add(in, buf, (size_t)r);
        if (ebb_strbuf_rc(in))
            return false;
    }
    size_t head_len = (size_t)(end - in->buf) + 4;
    char *head = in->buf;
    head[head_len - 2] = '\0'; /* keeps the last header's CRLF for header_value() */

    memset(req, 0, sizeof(*req));
    req->at_ms = replay_now_ms();
    const char *sp1 = strchr(head, ' ');
    const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    const char *eol = strstr(head, "\r\n");
    if (!sp1 || !sp2 || sp2 > eol)
        return false;
    replay_copy(req->method, sizeof(req->method), head, (size_t)(sp1 - head));
    replay_copy(req->target, sizeof(req->target), sp1 + 1, (size_t)(sp2 - sp1 - 1));
    replay_copy(req->version, sizeof(req->version), sp2 + 1, (size_t)(eol - sp2 - 1));
    header_value(head, "Host", req->host, sizeof(req->host));
    header_value(head, "User-Agent", req->user_agent, sizeof(req->user_agent));
    header_value(head, "Authorization", req->authorization, sizeof(req->authorization));
    header_value(head, "Accept", req->accept, sizeof(req->accept));
    header_value(head, "Content-Type", req->content_type, sizeof(req->content_type));
    char cl[32];
    header_value(head, "Content-Length", cl, sizeof(cl));
    char te[64];
    header_value(head, "Transfer-Encoding", te, sizeof(te));
    if (te[0] != '\0')
        return false; /* the client under test always sends a length */
    size_t body_len = cl[0] ? (size_t)strtoull(cl, NULL, 10) : 0;
    if (body_len > REPLAY_MAX_BODY)
        return false;
    while (in->len < head_len + body_len) {
        int r = SSL_read(ssl, buf, sizeof(buf));
        if (r <= 0)
            return false;
        ebb_strbuf_add(in, buf, (size_t)r);
        if (ebb_strbuf_rc(in))
            return false;
    }
    req->body_len = body_len;
    replay_copy(req->body, sizeof(req->body), in->buf + head_len, body_len);
    /* Keep what the client sent after this request (it may pipeline). */
    size_t used = head_len + body_len;
    memmove(in->buf, in->buf + used, in->len - used);
    in->len -= used;
    in->buf[in->len] = '\0';
    return true;
}

static void *conn_main(void *arg)
{
    struct replay_conn *c = arg;
    struct ebb_replay_server *s = c->srv;
    struct ebb_strbuf in = EBB_STRBUF_INIT;
    struct ebb_replay_request req;
    char sni[256] = "", cn[256] = "";
    bool clean = false;
    SSL *ssl = SSL_new(s->ctx);
    if (ssl == NULL || SSL_set_fd(ssl, c->fd) != 1 || SSL_accept(ssl) != 1)
        goto out;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name)
        replay_copy(sni, sizeof(sni), name, strlen(name));
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (peer) {
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof(cn));
        X509_free(peer);
    }
    for (;;) {
        if (!read_request(ssl, &in, &req))
            break;
        memcpy(req.sni, sni, sizeof(sni));
        memcpy(req.client_cn, cn, sizeof(cn));
        req.conn = c->no;
        struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
        char *bytes = NULL;
        pthread_mutex_lock(&s->mu);
        if (s->n_log == s->cap_log) {
            size_t cap = s->cap_log ? s->cap_log * 2 : 64;
            struct ebb_replay_request *p = realloc(s->log, cap * sizeof(*p));
            if (p) {
                s->log = p;
                s->cap_log = cap;
            }
        }
        if (s->n_log < s->cap_log)
            s->log[s->n_log++] = req;
        const struct replay_step_copy *sc = next_step(s);
        if (sc) {
            st = sc->step;
            bytes = malloc(st.len ? st.len : 1);
            if (bytes)
                memcpy(bytes, sc->bytes, st.len);
        }
        pthread_mutex_unlock(&s->mu);
        bool go_on;
        if (sc == NULL) {
            go_on = write_all(ssl, replay_no_script, sizeof(replay_no_script) - 1);
        } else {
            go_on = bytes != NULL && serve_step(s, ssl, &st, bytes);
            clean = bytes != NULL && st.close && st.cut_after < 0;
        }
        free(bytes);
        if (!go_on)
            break;
    }
out:
    if (ssl) {
        if (clean)
            SSL_shutdown(ssl);
        SSL_free(ssl);
    }
    ebb_strbuf_release(&in);
    pthread_mutex_lock(&s->mu);
    close(c->fd);
    c->fd = -1;
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void *accept_main(void *arg)
{
    struct ebb_replay_server *s = arg;
    /* A client that hangs up mid-response must not kill the test: with
     * SIGPIPE blocked here (and in the connection threads, which inherit
     * the mask) a write to a closed socket fails with EPIPE instead. */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    for (;;) {
        struct pollfd p[2] = {{s->listen_fd, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct replay_conn *c = calloc(1, sizeof(*c));
        pthread_mutex_lock(&s->mu);
        bool ok = c != NULL && !s->stopping;
        if (ok && s->n_conns == s->cap_conns) {
            size_t cap = s->cap_conns ? s->cap_conns * 2 : 8;
            struct replay_conn **pc = realloc(s->conns, cap * sizeof(*pc));
            ok = pc != NULL;
            if (ok) {
                s->conns = pc;
                s->cap_conns = cap;
            }
        }
        if (ok) {
            c->srv = s;
            c->fd = fd;
            c->no = (int)s->n_conns + 1;
            ok = pthread_create(&c->thread, NULL, conn_main, c) == 0;
        }
        if (ok)
            s->conns[s->n_conns++] = c;
        pthread_mutex_unlock(&s->mu);
        if (!ok) {
            close(fd);
            free(c);
        }
    }
    return NULL;
}

enum ebb_rc ebb_replay_start(const struct ebb_replay_opts *o, struct ebb_replay_server **out)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    struct ebb_replay_opts none = {false, false, 0};
    struct ebb_replay_server *s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto out;
    if (o == NULL)
        o = &none;
    s->listen_fd = -1;
    s->wake[0] = s->wake[1] = -1;
    s->rng = o->seed;
    pthread_mutex_init(&s->mu, NULL);
    rc = make_tls(s, o);
    if (rc)
        goto out;
    rc = EBB_ERR_IO;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(s->listen_fd, 64) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &alen) != 0)
        goto out;
    s->port = ntohs(a.sin_port);
    if (pipe(s->wake) != 0)
        goto out;
    if (pthread_create(&s->acceptor, NULL, accept_main, s) != 0)
        goto out;
    s->acceptor_started = true;
    rc = EBB_OK;
out:
    if (rc) {
        ebb_replay_stop(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

void ebb_replay_stop(struct ebb_replay_server *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_mutex_unlock(&s->mu);
    if (s->acceptor_started) {
        ssize_t w = write(s->wake[1], "x", 1);
        (void)w;
        pthread_join(s->acceptor, NULL);
    }
    /* No new connection can appear now: wake each one and wait for it. */
    for (size_t i = 0; i < s->n_conns; i++) {
        pthread_mutex_lock(&s->mu);
        if (s->conns[i]->fd >= 0)
            shutdown(s->conns[i]->fd, SHUT_RDWR);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->conns[i]->thread, NULL);
        free(s->conns[i]);
    }
    free(s->conns);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    for (int i = 0; i < 2; i++)
        if (s->wake[i] >= 0)
            close(s->wake[i]);
    for (size_t i = 0; i < s->n_steps; i++)
        free(s->steps[i].bytes);
    free(s->steps);
    free(s->log);
    SSL_CTX_free(s->ctx);
    free(s->ca_pem);
    free(s->other_ca_pem);
    free(s->client_cert_pem);
    free(s->client_key_pem);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int ebb_replay_port(const struct ebb_replay_server *s)
{
    return s->port;
}

const char *ebb_replay_ca_pem(const struct ebb_replay_server *s, size_t *len)
{
    *len = s->ca_pem_len;
    return s->ca_pem;
}

const char *ebb_replay_other_ca_pem(const struct ebb_replay_server *s, size_t *len)
{
    *len = s->other_ca_pem_len;
    return s->other_ca_pem;
}

const char *ebb_replay_client_cert_pem(const struct ebb_replay_server *s, size_t *len)
{
    *len = s->client_cert_pem_len;
    return s->client_cert_pem;
}

const char *ebb_replay_client_key_pem(const struct ebb_replay_server *s, size_t *len)
{
    *len = s->client_key_pem_len;
    return s->client_key_pem;
}

enum ebb_rc ebb_replay_push(struct ebb_replay_server *s, const struct ebb_replay_step *step)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    char *bytes = malloc(step->len ? step->len : 1);
    if (bytes == NULL)
        return rc;
    memcpy(bytes, step->response, step->len);
    pthread_mutex_lock(&s->mu);
    if (s->n_steps == s->cap_steps) {
        size_t cap = s->cap_steps ? s->cap_steps * 2 : 8;
        struct replay_step_copy *p = realloc(s->steps, cap * sizeof(*p));
        if (p == NULL)
            goto out;
        s->steps = p;
        s->cap_steps = cap;
    }
    s->steps[s->n_steps].step = *step;
    s->steps[s->n_steps].step.response = NULL;
    s->steps[s->n_steps].bytes = bytes;
    s->n_steps++;
    bytes = NULL;
    rc = EBB_OK;
out:
    pthread_mutex_unlock(&s->mu);
    free(bytes);
    return rc;
}

enum ebb_rc ebb_replay_push_simple(struct ebb_replay_server *s, const char *response, int times)
{
    struct ebb_replay_step st = EBB_REPLAY_STEP_INIT;
    st.response = response;
    st.len = strlen(response);
    st.times = times;
    return ebb_replay_push(s, &st);
}

size_t ebb_replay_requests(struct ebb_replay_server *s, struct ebb_replay_request *out, size_t max)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n_log;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = s->log[i];
    pthread_mutex_unlock(&s->mu);
    return n;
}

int ebb_replay_connections(struct ebb_replay_server *s)
{
    pthread_mutex_lock(&s->mu);
    int n = (int)s->n_conns;
    pthread_mutex_unlock(&s->mu);
    return n;
}

int ebb_replay_refused_port(void)
{
    int port = -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* ---- fixtures ---------------------------------------------------------------------------- */

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Decodes a body recorded with curl --raw (hex size, LF, data, LF, ...). */
static bool dechunk(const char *p, const char *end, struct ebb_strbuf *body)
{
    for (;;) {
        char *e;
        unsigned long n = strtoul(p, &e, 16);
        if (e == p || e >= end || (*e != '\n' && *e != '\r'))
            return false;
        p = e + (*e == '\r' ? 2 : 1);
        if (n == 0)
            return true;
        if ((size_t)(end - p) < n)
            return false;
        ebb_strbuf_add(body, p, n);
        p += n;
        if (p < end && *p == '\r')
            p++;
        if (p >= end || *p != '\n')
            return false;
        p++;
    }
}

enum ebb_rc ebb_replay_fixture(const char *path, struct ebb_strbuf *wire, struct ebb_strbuf *body)
{
    enum ebb_rc rc = EBB_ERR_IO;
    struct ebb_strbuf text = EBB_STRBUF_INIT, b = EBB_STRBUF_INIT, w = EBB_STRBUF_INIT;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        goto out;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        ebb_strbuf_add(&text, buf, n);
    fclose(f);
    rc = EBB_ERR_PARSE;
    const char *resp = strstr(text.buf, "\n=== RESPONSE ===\n");
    if (resp == NULL)
        goto out;
    resp += strlen("\n=== RESPONSE ===\n");
    const char *head_end = strstr(resp, "\n\n");
    if (head_end == NULL)
        goto out;
    const char *body_start = head_end + 2;
    const char *body_end = strstr(body_start, "\n=== ");
    body_end = body_end ? body_end : text.buf + text.len;
    bool chunked = false;
    /* The head, line by line, with CRLF ends. */
    for (const char *p = resp; p < head_end + 1;) {
        const char *e = memchr(p, '\n', (size_t)(head_end + 1 - p));
        if (e == NULL)
            break;
        if (strncasecmp(p, "Transfer-Encoding: chunked", 26) == 0)
            chunked = true;
        ebb_strbuf_add(&w, p, (size_t)(e - p));
        ebb_strbuf_adds(&w, "\r\n");
        p = e + 1;
    }
    ebb_strbuf_adds(&w, "\r\n");
    const char *nl = memchr(body_start, '\n', (size_t)(body_end - body_start));
    bool raw_chunks = chunked && body_start < body_end && nl != NULL;
    for (const char *p = body_start; raw_chunks && p < nl; p++)
        raw_chunks = is_hex(*p) || *p == '\r';
    if (raw_chunks) {
        if (!dechunk(body_start, body_end, &b))
            goto out;
    } else {
        ebb_strbuf_add(&b, body_start, (size_t)(body_end - body_start));
    }
    if (chunked) {
        for (size_t off = 0; off < b.len;) {
            const char *e = memchr(b.buf + off, '\n', b.len - off);
            size_t len = e ? (size_t)(e - (b.buf + off)) + 1 : b.len - off;
            ebb_strbuf_addf(&w, "%zx\r\n", len);
            ebb_strbuf_add(&w, b.buf + off, len);
            ebb_strbuf_adds(&w, "\r\n");
            off += len;
        }
        ebb_strbuf_adds(&w, "0\r\n\r\n");
    } else {
        ebb_strbuf_add(&w, b.buf, b.len);
    }
    rc = ebb_strbuf_rc(&w) ? EBB_ERR_NOMEM : ebb_strbuf_rc(&b);
    if (rc)
        goto out;
    if (wire) {
        ebb_strbuf_reset(wire);
        ebb_strbuf_add(wire, w.buf, w.len);
    }
    if (body) {
        ebb_strbuf_reset(body);
        ebb_strbuf_add(body, b.buf, b.len);
    }
out:
    ebb_strbuf_release(&text);
    ebb_strbuf_release(&b);
    ebb_strbuf_release(&w);
    return rc;
}

void ebb_replay_status_response(int code, const char *reason, const char *message,
                                int retry_after_s, struct ebb_strbuf *wire)
{
    char body[1024];
    int n = snprintf(body, sizeof(body),
                     "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                     "\"status\":\"Failure\",\"message\":\"%s\",\"reason\":\"%s\",\"code\":%d}\n",
                     message, reason, code);
    ebb_strbuf_reset(wire);
    ebb_strbuf_addf(wire, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n", code, reason);
    if (retry_after_s >= 0)
        ebb_strbuf_addf(wire, "Retry-After: %d\r\n", retry_after_s);
    ebb_strbuf_addf(wire, "Content-Length: %d\r\n\r\n%s", n, body);
}
