/*
 * The TLS fixture that kubesim_http_test.c (HTTP/1.1) and
 * kubesim_http2_test.c (h2) share: certificates made in memory (by
 * kubesim's own certs.c), libcurl transfers that collect the response,
 * and the loop that alternates the curl multi with ks_http_poll.
 */
#include "kubesim_tls_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../cmd/kubesim/certs.h"

/* ---- certificates ----------------------------------------------------------------------- */

void ks_tls_pems_make(struct ks_tls_pems *p)
{
    EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *srv_key = EVP_EC_gen("P-256");
    EVP_PKEY *cli_key = EVP_EC_gen("P-256"), *oca_key = EVP_EC_gen("P-256");
    EVP_PKEY *oth_key = EVP_EC_gen("P-256");
    assert_non_null(ca_key);
    assert_non_null(srv_key);
    assert_non_null(cli_key);
    assert_non_null(oca_key);
    assert_non_null(oth_key);
    X509 *ca = ks_cert_make(ca_key, "test CA", NULL, NULL, NULL, KS_CERT_CA, NULL, 1);
    X509 *oca = ks_cert_make(oca_key, "other CA", NULL, NULL, NULL, KS_CERT_CA, NULL, 1);
    assert_non_null(ca);
    assert_non_null(oca);
    X509 *srv = ks_cert_make(srv_key, "kubesim", NULL, ca, ca_key, KS_CERT_SERVER,
                             "DNS:localhost,IP:127.0.0.1", 2);
    X509 *cli = ks_cert_make(cli_key, "jane", "devs,ops", ca, ca_key, KS_CERT_CLIENT, NULL, 3);
    X509 *oth = ks_cert_make(oth_key, "mallory", "devs,ops", oca, oca_key, KS_CERT_CLIENT, NULL, 4);
    assert_non_null(srv);
    assert_non_null(cli);
    assert_non_null(oth);
    p->ca = ks_cert_pem(ca, NULL);
    p->srv_cert = ks_cert_pem(srv, NULL);
    p->srv_key = ks_cert_pem(NULL, srv_key);
    p->cli_cert = ks_cert_pem(cli, NULL);
    p->cli_key = ks_cert_pem(NULL, cli_key);
    p->other_cert = ks_cert_pem(oth, NULL);
    p->other_key = ks_cert_pem(NULL, oth_key);
    assert_true(p->ca && p->srv_cert && p->srv_key && p->cli_cert && p->cli_key && p->other_cert &&
                p->other_key);
    X509_free(ca);
    X509_free(oca);
    X509_free(srv);
    X509_free(cli);
    X509_free(oth);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(srv_key);
    EVP_PKEY_free(cli_key);
    EVP_PKEY_free(oca_key);
    EVP_PKEY_free(oth_key);
}

void ks_tls_pems_free(struct ks_tls_pems *p)
{
    free(p->ca);
    free(p->srv_cert);
    free(p->srv_key);
    free(p->cli_cert);
    free(p->cli_key);
    free(p->other_cert);
    free(p->other_key);
}

/* ---- transfers -------------------------------------------------------------------------- */

double ks_tls_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t ks_xfer_on_data(char *p, size_t sz, size_t n, void *ud)
{
    struct ks_xfer *x = ud;
    size_t len = sz * n;
    if (x->len + len + 1 > x->cap) {
        size_t cap = (x->len + len + 1) * 2;
        char *b = realloc(x->body, cap);
        if (!b)
            return 0;
        x->body = b;
        x->cap = cap;
    }
    memcpy(x->body + x->len, p, len);
    x->len += len;
    x->body[x->len] = '\0';
    return len;
}

size_t ks_xfer_on_head(char *p, size_t sz, size_t n, void *ud)
{
    struct ks_xfer *x = ud;
    size_t len = sz * n;
    if (x->head_len + len < sizeof(x->head)) {
        memcpy(x->head + x->head_len, p, len);
        x->head_len += len;
        x->head[x->head_len] = '\0';
    }
    return len;
}

void ks_xfer_free(struct ks_xfer *x)
{
    curl_easy_cleanup(x->e);
    curl_slist_free_all(x->hdrs);
    free(x->body);
}

long ks_xfer_status(struct ks_xfer *x)
{
    long code = 0;
    curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

void ks_xfer_run(CURLM *multi, ks_http *h, double max_s, bool (*stop)(void *ud), void *ud)
{
    double end = ks_tls_now() + max_s;
    int running = 1;
    while (ks_tls_now() < end) {
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            if (m->msg == CURLMSG_DONE) {
                struct ks_xfer *x = NULL;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
                x->done = true;
                x->rc = m->data.result;
            }
        }
        if (stop ? stop(ud) : running == 0)
            break;
        assert_int_equal(ks_http_poll(h, 1, ks_tls_now()), 0);
    }
}
