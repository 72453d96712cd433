/* client_http.c -- one attempt of a request on the wire, with libcurl. EDGE.
 *
 * The URL (with the connect-to trick for tls-server-name), the easy handle
 * and its options, the request headers, the header and body callbacks, and
 * the judgement on a failed attempt: retry or not, and in which words to
 * tell the user. The retry rules themselves are stated in client.c.
 */
#include "client_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#ifndef EBB_VERSION
#define EBB_VERSION "0.0.0"
#endif

#define WATCH_GRACE_S 30          /* a watch may run this much past its timeoutSeconds */
#define WATCH_DEFAULT_IDLE_S 1800 /* apiserver's longest watch without timeoutSeconds */
#define KEEPALIVE_IDLE_S 30L      /* TCP keep-alive, as Go's net.Dialer */
#define KEEPALIVE_INTERVAL_S 15L

static const char *const method_names[] = {
    [EBB_KUBE_GET] = "GET",     [EBB_KUBE_POST] = "POST",     [EBB_KUBE_PUT] = "PUT",
    [EBB_KUBE_PATCH] = "PATCH", [EBB_KUBE_DELETE] = "DELETE",
};

const char *ebb__kube_method_name(enum ebb_kube_method m)
{
    return (unsigned)m <= EBB_KUBE_DELETE ? method_names[m] : "?";
}

/* uname machine -> Go's GOARCH, which client-go's User-Agent shows. */
static const struct {
    const char *machine;
    const char *arch;
} arch_names[] = {
    {"x86_64", "amd64"},    {"amd64", "amd64"}, {"aarch64", "arm64"},   {"arm64", "arm64"},
    {"i386", "386"},        {"i686", "386"},    {"armv7l", "arm"},      {"armv6l", "arm"},
    {"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
};

char *ebb__kube_user_agent(void)
{
    struct utsname u;
    const char *os = "unknown", *arch = "unknown";
    if (uname(&u) == 0) {
        for (char *p = u.sysname; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        os = u.sysname;
        arch = u.machine;
        for (size_t i = 0; i < sizeof(arch_names) / sizeof(arch_names[0]); i++)
            if (strcmp(u.machine, arch_names[i].machine) == 0)
                arch = arch_names[i].arch;
    }
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    ebb_strbuf_addf(&sb, "ebb/%s (%s/%s)", EBB_VERSION, os, arch);
    return ebb_strbuf_detach(&sb, NULL);
}

/* url for a message: the password of its userinfo (https://user:pass@host)
 * replaced by "***", as Go's url.Redacted(), so that it never reaches a log. */
static void add_redacted_url(struct ebb_strbuf *sb, const char *url)
{
    const char *sep = strstr(url, "://");
    const char *auth = sep ? sep + 3 : url;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL, *colon;

    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@')
            at = p;
    colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon == NULL) {
        ebb_strbuf_adds(sb, url);
        return;
    }
    ebb_strbuf_add(sb, url, (size_t)(colon + 1 - url));
    ebb_strbuf_addf(sb, "***%s", at);
}

/* The base URL, and when tls_server_name is set, the connect-to mapping that
 * sends "tls_server_name:port" to the real host: curl then uses that name
 * for SNI and for checking the certificate, while the Host header keeps
 * the server's own name. */
enum ebb_rc ebb__kube_setup_url(struct ebb_kube_client *c, const struct ebb_kube_config *cfg,
                                char *err, size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_INVALID;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *url = NULL;
    struct ebb_strbuf sb = EBB_STRBUF_INIT, shown = EBB_STRBUF_INIT;
    if (u == NULL) {
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    if (cfg->server == NULL || cfg->server[0] == '\0') {
        snprintf(err, errsz, "server: empty: set clusters[].cluster.server to https://HOST:PORT");
        goto out;
    }
    add_redacted_url(&shown, cfg->server);
    if (ebb_strbuf_rc(&shown)) {
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    if (curl_url_set(u, CURLUPART_URL, cfg->server, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        snprintf(err, errsz, "server \"%s\": not a URL: want https://HOST:PORT", shown.buf);
        goto out;
    }
    if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
        snprintf(err, errsz, "server \"%s\": scheme %s: want https (or http)", shown.buf, scheme);
        goto out;
    }
    rc = EBB_ERR_NOMEM;
    const char *name = cfg->tls_server_name;
    if (name && name[0] && strcasecmp(scheme, "https") == 0) {
        if (strpbrk(name, ":/[]@ ") != NULL) {
            rc = EBB_ERR_INVALID;
            snprintf(err, errsz, "tls-server-name \"%s\": want a host name", name);
            goto out;
        }
        ebb_strbuf_addf(&sb, "%s:%s:%s:%s", name, port, host, port);
        c->connect_to = curl_slist_append(NULL, sb.buf);
        ebb_strbuf_reset(&sb);
        ebb_strbuf_addf(&sb, "Host: %s", host);
        char *p = NULL;
        if (curl_url_get(u, CURLUPART_PORT, &p, 0) == CURLUE_OK) {
            ebb_strbuf_addf(&sb, ":%s", p);
            curl_free(p);
        }
        c->host_header = ebb_strbuf_detach(&sb, NULL);
        if (c->connect_to == NULL || c->host_header == NULL ||
            curl_url_set(u, CURLUPART_HOST, name, 0) != CURLUE_OK ||
            curl_url_set(u, CURLUPART_PORT, port, 0) != CURLUE_OK)
            goto out;
    }
    /* No query or fragment: request paths carry their own. */
    curl_url_set(u, CURLUPART_QUERY, NULL, 0);
    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
    if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
        goto out;
    ebb_strbuf_reset(&sb);
    ebb_strbuf_adds(&sb, url);
    while (sb.len > 0 && sb.buf[sb.len - 1] == '/')
        sb.buf[--sb.len] = '\0';
    c->base_url = ebb_strbuf_detach(&sb, NULL);
    if (c->base_url == NULL)
        goto out;
    add_redacted_url(&sb, c->base_url);
    c->base_url_shown = ebb_strbuf_detach(&sb, NULL);
    if (c->base_url_shown == NULL)
        goto out;
    rc = EBB_OK;
out:
    if (rc == EBB_ERR_NOMEM)
        snprintf(err, errsz, "out of memory");
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(url);
    curl_url_cleanup(u);
    ebb_strbuf_release(&sb);
    ebb_strbuf_release(&shown);
    return rc;
}

/* Lets go of an attempt's easy handle. */
void ebb__kube_attempt_drop(struct ebb_kube_client *c, struct ebb__kube_req *r)
{
    if (r->easy) {
        curl_multi_remove_handle(c->multi, r->easy);
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
    }
    curl_slist_free_all(r->headers);
    r->headers = NULL;
}

/* ---- one attempt ------------------------------------------------------------------------- */

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct ebb__kube_req *r = ud;
    size_t len = size * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        r->retry_after[0] = '\0'; /* a new response (after a 100 Continue, say) */
    } else if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        size_t v = len - 12;
        if (v >= sizeof(r->retry_after))
            v = sizeof(r->retry_after) - 1;
        memcpy(r->retry_after, p + 12, v);
        r->retry_after[v] = '\0';
    }
    return len;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    struct ebb__kube_req *r = ud;
    size_t len = size * n;
    if (r->dead)
        return 0; /* cancelled from a callback: abort the transfer */
    if (r->stream) {
        long code = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200 && code < 300) {
            r->delivered = true;
            if (r->on_data(r->ctx, p, len) != 0) {
                r->stopped = true;
                return 0;
            }
            return r->dead ? 0 : len;
        }
        /* A failed watch: the body is a Status for on_done. */
    }
    long code = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code >= 300) {
        /* An error's body: a Status is small; keep its start, read and drop
         * the rest (the typed error parses what it has). */
        size_t keep =
            r->resp.len < EBB__KUBE_MAX_ERROR_BODY ? EBB__KUBE_MAX_ERROR_BODY - r->resp.len : 0;
        ebb_strbuf_add(&r->resp, p, len < keep ? len : keep);
        return ebb_strbuf_rc(&r->resp) ? 0 : len;
    }
    if (len > r->c->opts.max_body_bytes - r->resp.len) {
        r->too_big = true;
        return 0;
    }
    ebb_strbuf_add(&r->resp, p, len);
    return ebb_strbuf_rc(&r->resp) ? 0 : len;
}

static enum ebb_rc build_headers(struct ebb_kube_client *c, struct ebb__kube_req *r)
{
    char ct[300];
    const char *lines[6];
    size_t n = 0;
    lines[n++] = "Accept: application/json";
    lines[n++] = "Expect:"; /* no 100-continue round trip before a large body */
    if (r->content_type) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", r->content_type);
        lines[n++] = ct;
    }
    if (ebb__kube_auth_header(&c->auth))
        lines[n++] = ebb__kube_auth_header(&c->auth);
    if (c->host_header)
        lines[n++] = c->host_header;
    for (size_t i = 0; i < n; i++) {
        struct curl_slist *l = curl_slist_append(r->headers, lines[i]);
        if (l == NULL)
            return EBB_ERR_NOMEM;
        r->headers = l;
    }
    return EBB_OK;
}

/* Creates the easy handle of r's next attempt and adds it to the multi. */
enum ebb_rc ebb__kube_attempt_start(struct ebb_kube_client *c, struct ebb__kube_req *r)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    struct ebb_strbuf url = EBB_STRBUF_INIT;
    CURLcode cc = CURLE_OK;
    ebb_strbuf_reset(&r->resp);
    r->retry_after[0] = '\0';
    r->errbuf[0] = '\0';
    r->too_big = false;
    ebb_strbuf_addf(&url, "%s%s", c->base_url, r->path);
    if (ebb_strbuf_rc(&url) || build_headers(c, r))
        goto out;
    CURL *e = curl_easy_init();
    if (e == NULL)
        goto out;
    r->easy = e;
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_URL, url.buf);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)r);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_SHARE, c->share);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->opts.connect_timeout_ms);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, KEEPALIVE_IDLE_S);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, KEEPALIVE_INTERVAL_S);
    if (r->stream) {
        /* A watch lasts as long as it lasts: no overall limit but its own
         * timeoutSeconds plus a grace, and a stall detector -- at least one
         * byte in that long -- for a peer that vanished. */
        long idle =
            (r->stream_timeout_s >= 0 ? r->stream_timeout_s : WATCH_DEFAULT_IDLE_S) + WATCH_GRACE_S;
        long total_ms = r->stream_timeout_s >= 0 ? idle * 1000 : 0;
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, total_ms);
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, idle);
    } else {
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->opts.request_timeout_ms);
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    }
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)r);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)r);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    if (c->connect_to)
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
    if (r->method == EBB_KUBE_POST || r->body) {
        /* POSTFIELDS with an explicit size: binary-safe, and sent with a
         * Content-Length (also for an empty POST). */
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
    }
    if (r->method != EBB_KUBE_GET && r->method != EBB_KUBE_POST)
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, ebb__kube_method_name(r->method));
    if (cc) {
        rc = cc == CURLE_OUT_OF_MEMORY ? EBB_ERR_NOMEM : EBB_ERR_IO;
        goto out;
    }
    rc = ebb__kube_auth_apply(&c->auth, e);
    if (rc)
        goto out;
    rc = EBB_ERR_NOMEM;
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
        goto out;
    r->state = EBB__KUBE_REQ_RUNNING;
    rc = EBB_OK;
out:
    if (rc)
        ebb__kube_attempt_drop(c, r);
    ebb_strbuf_release(&url);
    return rc;
}

/* Failures that no retry can fix. */
static bool transport_retryable(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
        return true;
    default:
        return false;
    }
}

/* True when the request cannot have reached the server's handlers. */
static bool never_sent(CURLcode cc, long request_size)
{
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    case CURLE_OPERATION_TIMEDOUT:
        return request_size == 0;
    default:
        return false;
    }
}

void ebb__kube_transport_error(const struct ebb_kube_client *c, const struct ebb__kube_req *r,
                               const char *why, int attempts, struct ebb_kube_error *out)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    size_t n = strlen(why);
    while (n > 0 && (why[n - 1] == '\n' || why[n - 1] == ' '))
        n--;
    ebb_strbuf_addf(&sb, "%s %s%.200s: %.*s", ebb__kube_method_name(r->method), c->base_url_shown,
                    r->path, (int)n, why);
    if (attempts > 1)
        ebb_strbuf_addf(&sb, " (%d attempts)", attempts);
    ebb_kube_error_transport(ebb_strbuf_rc(&sb) ? why : sb.buf, out);
    ebb_strbuf_release(&sb);
}

void ebb__kube_attempt_error(const struct ebb_kube_client *c, const struct ebb__kube_req *r,
                             CURLcode cc, struct ebb_kube_error *out)
{
    const char *detail = r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc);
    struct ebb_strbuf why = EBB_STRBUF_INIT;
    long os_errno = 0;
    int attempts = r->retries + 1 + (r->reauthed ? 1 : 0);
    if (r->too_big) {
        size_t cap = c->opts.max_body_bytes;
        if (cap % ((size_t)1 << 20) == 0)
            ebb_strbuf_addf(&why, "response body over the %zu MiB limit", cap >> 20);
        else
            ebb_strbuf_addf(&why, "response body over the %zu-byte limit", cap);
        ebb_strbuf_adds(&why, ": ask for less (limit=, a label selector) or raise max_body_bytes");
    } else if (cc == CURLE_WRITE_ERROR && r->resp.failed) {
        ebb_strbuf_adds(&why, "out of memory for the response body");
    } else if (cc == CURLE_PEER_FAILED_VERIFICATION) {
        /* Not retried: one attempt, and what to check instead of a count. */
        ebb_strbuf_addf(&why,
                        "TLS: the server's certificate is not trusted: %s (check "
                        "certificate-authority and tls-server-name)",
                        detail);
        attempts = 1;
    } else if (cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM) {
        ebb_strbuf_addf(&why, "TLS: %s", detail);
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        ebb_strbuf_addf(&why, "timed out: %s", detail);
    } else if (cc == CURLE_COULDNT_CONNECT && r->easy &&
               curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK &&
               os_errno != 0) {
        /* "Couldn't connect to server" alone does not say refused or unreachable. */
        ebb_strbuf_addf(&why, "%s (%s)", detail, strerror((int)os_errno));
    } else {
        ebb_strbuf_adds(&why, detail);
    }
    ebb__kube_transport_error(c, r, ebb_strbuf_rc(&why) ? detail : why.buf, attempts, out);
    ebb_strbuf_release(&why);
}

/* Should this failed attempt be tried again? */
bool ebb__kube_attempt_may_retry(const struct ebb_kube_client *c, const struct ebb__kube_req *r,
                                 const struct ebb_kube_error *e, CURLcode cc, long request_size)
{
    if (r->retries >= c->opts.max_retries || r->delivered || r->too_big || r->resp.failed)
        return false;
    if (e->reason == EBB_KUBE_TRANSPORT) {
        if (!transport_retryable(cc))
            return false;
        /* Sent, then no answer in time: the server is slow or stuck, and
         * another 30 s wait is the caller's choice, not ours. */
        if (cc == CURLE_OPERATION_TIMEDOUT && request_size > 0)
            return false;
        return r->method == EBB_KUBE_GET || never_sent(cc, request_size);
    }
    if (e->http_status == 409 || !ebb_kube_error_retryable(e))
        return false;
    return r->method == EBB_KUBE_GET || e->http_status == 429 || e->http_status == 503;
}
