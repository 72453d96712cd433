/*
 * kubesim http: TLS. OpenSSL 3, TLS 1.2 and up, the serving chain and key
 * from PEM text; ALPN offers "h2" then "http/1.1" (http2.c serves h2).
 * Client certificates are requested, not required, and checked against
 * the CA: a verified one gives the request its identity (CN = user, every
 * O = a group).
 *
 * Sockets are reached through a small BIO that uses send(MSG_NOSIGNAL), so
 * a peer that went away never raises SIGPIPE, whatever the process does
 * with that signal.
 */
#include "http_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* ---- the socket BIO --------------------------------------------------------------------- */

static int sock_bio_write(BIO *b, const char *data, size_t n, size_t *written)
{
    int fd = (int)(intptr_t)BIO_get_data(b);
    ssize_t r = send(fd, data, n, MSG_NOSIGNAL);

    BIO_clear_retry_flags(b);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            BIO_set_retry_write(b);
        return 0;
    }
    *written = (size_t)r;
    return 1;
}

static int sock_bio_read(BIO *b, char *data, size_t n, size_t *got)
{
    int fd = (int)(intptr_t)BIO_get_data(b);
    ssize_t r = recv(fd, data, n, 0);

    BIO_clear_retry_flags(b);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            BIO_set_retry_read(b);
        return 0;
    }
    if (r == 0)
        return 0; /* end of stream */
    *got = (size_t)r;
    return 1;
}

static long sock_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int sock_bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

BIO_METHOD *http_tls_bio_method(void)
{
    int idx = BIO_get_new_index();
    BIO_METHOD *m = idx < 0 ? NULL : BIO_meth_new(idx | BIO_TYPE_SOURCE_SINK, "ks-socket");

    if (m &&
        (BIO_meth_set_write_ex(m, sock_bio_write) != 1 ||
         BIO_meth_set_read_ex(m, sock_bio_read) != 1 || BIO_meth_set_ctrl(m, sock_bio_ctrl) != 1 ||
         BIO_meth_set_create(m, sock_bio_create) != 1)) {
        BIO_meth_free(m);
        m = NULL;
    }
    return m;
}

/* ---- TLS setup -------------------------------------------------------------------------- */

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char protos[] = "\x02h2\x08http/1.1"; /* ours first */
    unsigned char *sel = NULL;

    (void)ssl;
    (void)arg;
    if (SSL_select_next_proto(&sel, outlen, protos, sizeof(protos) - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

/* Client certificates are requested, not required; a bad one does not
 * fail the handshake (kube-apiserver answers 401 instead): the identity
 * is taken only when the verification result is X509_V_OK. */
static int verify_any(int preverify_ok, X509_STORE_CTX *x)
{
    (void)preverify_ok;
    (void)x;
    return 1;
}

static void tls_err(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";

    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "%s%s%s", what, buf[0] ? ": " : "", buf);
    ERR_clear_error();
}

SSL_CTX *http_tls_ctx(const struct ks_http_opts *o, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    BIO *bio = NULL;
    X509 *x = NULL;
    EVP_PKEY *key = NULL;

    if (!ctx) {
        tls_err(err, errlen, "SSL_CTX_new");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"kubesim", 7);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);

    /* Serving chain: the leaf first, then intermediates. */
    bio = BIO_new_mem_buf(o->cert_pem, -1);
    x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (!x || SSL_CTX_use_certificate(ctx, x) != 1) {
        tls_err(err, errlen, "serving certificate");
        goto fail;
    }
    X509_free(x);
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
            tls_err(err, errlen, "certificate chain");
            goto fail;
        }
    }
    ERR_clear_error(); /* the end of the PEM text */
    BIO_free(bio);
    bio = BIO_new_mem_buf(o->key_pem, -1);
    key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    if (!key || SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        tls_err(err, errlen, "serving key");
        goto fail;
    }
    EVP_PKEY_free(key);
    key = NULL;
    BIO_free(bio);
    bio = NULL;

    if (o->ca_pem && o->ca_pem[0]) {
        X509_STORE *store = SSL_CTX_get_cert_store(ctx);
        int n = 0;
        bio = BIO_new_mem_buf(o->ca_pem, -1);
        while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
            if (X509_STORE_add_cert(store, x) != 1 || SSL_CTX_add_client_CA(ctx, x) != 1) {
                tls_err(err, errlen, "client CA");
                goto fail;
            }
            X509_free(x);
            x = NULL;
            n++;
        }
        ERR_clear_error();
        if (n == 0) {
            snprintf(err, errlen, "client CA: no certificate in the PEM text");
            goto fail;
        }
        BIO_free(bio);
        bio = NULL;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_any);
    }
    return ctx;
fail:
    X509_free(x);
    EVP_PKEY_free(key);
    BIO_free(bio);
    SSL_CTX_free(ctx);
    return NULL;
}

static char *asn1_utf8(const ASN1_STRING *s)
{
    unsigned char *u = NULL;
    int n = ASN1_STRING_to_UTF8(&u, s);
    char *r = NULL;

    if (n >= 0) {
        r = malloc((size_t)n + 1);
        if (r) {
            memcpy(r, u, (size_t)n);
            r[n] = '\0';
        }
    }
    OPENSSL_free(u);
    return r;
}

/* The identity of a verified client certificate: CN and every O. */
void http_tls_identity(struct http_conn *c)
{
    X509 *peer = SSL_get0_peer_certificate(c->ssl);

    if (!peer || SSL_get_verify_result(c->ssl) != X509_V_OK)
        return;
    X509_NAME *nm = X509_get_subject_name(peer);
    int idx = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
    if (idx < 0)
        return;
    c->cert_user = asn1_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, idx)));
    if (!c->cert_user)
        return;
    size_t n = 0;
    for (idx = -1; (idx = X509_NAME_get_index_by_NID(nm, NID_organizationName, idx)) >= 0;)
        n++;
    if (n == 0)
        return;
    c->cert_groups = calloc(n, sizeof(char *));
    if (!c->cert_groups)
        return;
    for (idx = -1; (idx = X509_NAME_get_index_by_NID(nm, NID_organizationName, idx)) >= 0;) {
        char *g = asn1_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, idx)));
        if (g)
            c->cert_groups[c->n_cert_groups++] = g;
    }
}
