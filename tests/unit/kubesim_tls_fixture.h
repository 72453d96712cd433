/*
 * The TLS fixture of kubesim_http_test.c and kubesim_http2_test.c
 * (kubesim_tls_fixture.c): certificates made in memory, libcurl
 * transfers that collect the response, and the loop that alternates the
 * curl multi with the server's ks_http_poll on one thread. Failures are
 * cmocka assertions.
 */
#ifndef KUBESIM_TLS_FIXTURE_H
#define KUBESIM_TLS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "../../cmd/kubesim/ks.h"

/* PEMs: a CA, a server certificate for localhost/127.0.0.1, a client
 * certificate of that CA (CN jane, O devs and ops), and one of another
 * CA (CN mallory). */
struct ks_tls_pems {
    char *ca, *srv_cert, *srv_key, *cli_cert, *cli_key, *other_cert, *other_key;
};

void ks_tls_pems_make(struct ks_tls_pems *p);
void ks_tls_pems_free(struct ks_tls_pems *p);

/* CLOCK_REALTIME in seconds (what ks_http_poll takes). */
double ks_tls_now(void);

/* One libcurl transfer: the body and the header block it got, and, when
 * done, its result. CURLOPT_PRIVATE must point at it. */
struct ks_xfer {
    CURL *e;
    struct curl_slist *hdrs;
    char *body;
    size_t len, cap;
    char head[8192];
    size_t head_len;
    const char *upload;
    size_t upload_len, upload_off;
    bool done;
    CURLcode rc;
};

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION (data: the xfer). */
size_t ks_xfer_on_data(char *p, size_t sz, size_t n, void *ud);
size_t ks_xfer_on_head(char *p, size_t sz, size_t n, void *ud);
void ks_xfer_free(struct ks_xfer *x);
/* The response's status code (0 when none). */
long ks_xfer_status(struct ks_xfer *x);

/* Runs multi and the server h until every transfer is done, or stop(ud)
 * says so, or max_s seconds passed. */
void ks_xfer_run(CURLM *multi, ks_http *h, double max_s, bool (*stop)(void *ud), void *ud);

#endif
