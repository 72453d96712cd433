/* client_auth.c -- TLS material and credentials of the API client; see client_auth.h. EDGE.
 *
 * The CA stays a file for libcurl when it is one (libcurl reads it for each
 * new connection, so a CA rotated on disk is picked up), or goes in as a
 * blob that lives as long as the client. The client certificate and key
 * come from the credentials, which re-read their files when they change
 * and may come from an exec plugin, so they are handed to libcurl as
 * copied blobs: a refresh can free the old PEM while a handle still holds
 * it. libcurl compares the certificate blob when it looks for a connection
 * to reuse, so a new certificate gets new connections.
 */
#include "client_auth.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/strbuf.h"

#define MAX_PEM_FILE (4u << 20)

/* ---- a private copy of the configuration ------------------------------------------------- */

static bool dup_str(char **dst, const char *src)
{
    *dst = NULL;
    if (src == NULL)
        return true;
    *dst = strdup(src);
    return *dst != NULL;
}

static bool dup_mem(char **dst, const char *src, size_t n)
{
    *dst = NULL;
    if (src == NULL)
        return true;
    *dst = malloc(n + 1);
    if (*dst == NULL)
        return false;
    memcpy(*dst, src, n);
    (*dst)[n] = '\0';
    return true;
}

static void config_free(struct ebb_kube_config *c)
{
    char **strs[] = {&c->source,
                     &c->context,
                     &c->server,
                     &c->ca_file,
                     &c->ca_data,
                     &c->tls_server_name,
                     &c->token,
                     &c->token_file,
                     &c->client_cert_file,
                     &c->client_cert_data,
                     &c->client_key_file,
                     &c->client_key_data,
                     &c->username,
                     &c->password,
                     &c->namespace_,
                     &c->warning,
                     &c->exec.command,
                     &c->exec.api_version,
                     &c->exec.install_hint};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        free(*strs[i]);
    for (size_t i = 0; c->exec.args && i < c->exec.n_args; i++)
        free(c->exec.args[i]);
    free(c->exec.args);
    for (size_t i = 0; c->exec.env && i < c->exec.n_env; i++) {
        free(c->exec.env[i].name);
        free(c->exec.env[i].value);
    }
    free(c->exec.env);
    memset(c, 0, sizeof(*c));
}

static enum ebb_rc config_copy(struct ebb_kube_config *d, const struct ebb_kube_config *s)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    *d = *s;
    /* Every pointer is replaced below before anything can fail... */
    d->exec.args = NULL;
    d->exec.env = NULL;
    d->exec.n_args = 0;
    d->exec.n_env = 0;
    bool ok = dup_str(&d->source, s->source);
    ok = dup_str(&d->context, s->context) && ok;
    ok = dup_str(&d->server, s->server) && ok;
    ok = dup_str(&d->ca_file, s->ca_file) && ok;
    ok = dup_mem(&d->ca_data, s->ca_data, s->ca_data_len) && ok;
    ok = dup_str(&d->tls_server_name, s->tls_server_name) && ok;
    ok = dup_str(&d->token, s->token) && ok;
    ok = dup_str(&d->token_file, s->token_file) && ok;
    ok = dup_str(&d->client_cert_file, s->client_cert_file) && ok;
    ok = dup_mem(&d->client_cert_data, s->client_cert_data, s->client_cert_data_len) && ok;
    ok = dup_str(&d->client_key_file, s->client_key_file) && ok;
    ok = dup_mem(&d->client_key_data, s->client_key_data, s->client_key_data_len) && ok;
    ok = dup_str(&d->username, s->username) && ok;
    ok = dup_str(&d->password, s->password) && ok;
    ok = dup_str(&d->namespace_, s->namespace_) && ok;
    ok = dup_str(&d->warning, s->warning) && ok;
    ok = dup_str(&d->exec.command, s->exec.command) && ok;
    ok = dup_str(&d->exec.api_version, s->exec.api_version) && ok;
    ok = dup_str(&d->exec.install_hint, s->exec.install_hint) && ok;
    /* ...so that config_free() may run on a half-made copy. */
    if (!ok)
        goto out;
    if (s->exec.n_args > 0) {
        d->exec.args = calloc(s->exec.n_args, sizeof(*d->exec.args));
        if (d->exec.args == NULL)
            goto out;
        d->exec.n_args = s->exec.n_args;
        for (size_t i = 0; i < s->exec.n_args; i++)
            if (!dup_str(&d->exec.args[i], s->exec.args[i]))
                goto out;
    }
    if (s->exec.n_env > 0) {
        d->exec.env = calloc(s->exec.n_env, sizeof(*d->exec.env));
        if (d->exec.env == NULL)
            goto out;
        d->exec.n_env = s->exec.n_env;
        for (size_t i = 0; i < s->exec.n_env; i++)
            if (!dup_str(&d->exec.env[i].name, s->exec.env[i].name) ||
                !dup_str(&d->exec.env[i].value, s->exec.env[i].value))
                goto out;
    }
    rc = EBB_OK;
out:
    return rc;
}

/* ---- checks at init ---------------------------------------------------------------------- */

/* Reads a whole (small) file; on failure err names the field and the file. */
static enum ebb_rc read_file(const char *field, const char *path, struct ebb_strbuf *sb, char *err,
                             size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_IO;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errsz, "%s %s: %s", field, path, strerror(errno));
        goto out;
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        ebb_strbuf_add(sb, buf, n);
        if (sb->len > MAX_PEM_FILE) {
            snprintf(err, errsz, "%s %s: larger than %u bytes", field, path, MAX_PEM_FILE);
            goto out;
        }
    }
    if (ferror(f)) {
        snprintf(err, errsz, "%s %s: %s", field, path, strerror(errno));
        goto out;
    }
    rc = ebb_strbuf_rc(sb);
out:
    if (f)
        fclose(f);
    return rc;
}

static enum ebb_rc check_ca(const struct ebb_kube_config *cfg, char *err, size_t errsz)
{
    struct ebb_strbuf text = EBB_STRBUF_INIT;
    char what[1100];
    int n = 0;
    BIO *bio = NULL;
    enum ebb_rc rc = EBB_OK;
    if (cfg->ca_data) {
        ebb_strbuf_add(&text, cfg->ca_data, cfg->ca_data_len);
        rc = ebb_strbuf_rc(&text);
        snprintf(what, sizeof(what), "certificate-authority-data");
    } else {
        rc = read_file("certificate-authority", cfg->ca_file, &text, err, errsz);
        snprintf(what, sizeof(what), "certificate-authority %s", cfg->ca_file);
    }
    if (rc)
        goto out;
    rc = EBB_ERR_NOMEM;
    bio = BIO_new_mem_buf(text.buf, (int)text.len);
    if (bio == NULL)
        goto out;
    for (X509 *x; (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL; n++)
        X509_free(x);
    rc = EBB_ERR_INVALID;
    if (n == 0) {
        snprintf(err, errsz, "%s: no PEM certificate in it (want -----BEGIN CERTIFICATE-----)",
                 what);
        goto out;
    }
    rc = EBB_OK;
out:
    ERR_clear_error();
    BIO_free(bio);
    ebb_strbuf_release(&text);
    return rc;
}

/* "client-certificate /p/c.crt", "client-certificate-data" or the plugin's. */
static void pem_source(char *dst, size_t dstsz, const char *field, const char *file,
                       const char *data, const struct ebb_kube_config *cfg)
{
    if (file)
        snprintf(dst, dstsz, "%s %s", field, file);
    else if (data)
        snprintf(dst, dstsz, "%s-data", field);
    else
        snprintf(dst, dstsz, "the %s of exec plugin \"%s\"", field,
                 cfg->exec.command ? cfg->exec.command : "");
}

static enum ebb_rc check_client_pair(const struct ebb__kube_auth *a, char *err, size_t errsz)
{
    const struct ebb_kube_config *cfg = &a->cfg;
    const struct ebb_kube_creds *cr = &a->creds;
    char what_cert[1100], what_key[1100];
    BIO *cb = NULL, *kb = NULL;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    enum ebb_rc rc = EBB_ERR_INVALID;
    pem_source(what_cert, sizeof(what_cert), "client-certificate", cfg->client_cert_file,
               cfg->client_cert_data, cfg);
    pem_source(what_key, sizeof(what_key), "client-key", cfg->client_key_file, cfg->client_key_data,
               cfg);
    if ((cr->client_cert_pem == NULL) != (cr->client_key_pem == NULL)) {
        snprintf(err, errsz, "%s is missing: client-certificate and client-key go together",
                 cr->client_cert_pem ? "client-key" : "client-certificate");
        goto out;
    }
    if (cr->client_cert_pem == NULL)
        return EBB_OK;
    rc = EBB_ERR_NOMEM;
    cb = BIO_new_mem_buf(cr->client_cert_pem, (int)cr->client_cert_pem_len);
    kb = BIO_new_mem_buf(cr->client_key_pem, (int)cr->client_key_pem_len);
    if (cb == NULL || kb == NULL)
        goto out;
    rc = EBB_ERR_INVALID;
    cert = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    if (cert == NULL) {
        snprintf(err, errsz, "%s: no PEM certificate in it (want -----BEGIN CERTIFICATE-----)",
                 what_cert);
        goto out;
    }
    key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    if (key == NULL) {
        snprintf(err, errsz, "%s: no unencrypted PEM private key in it", what_key);
        goto out;
    }
    if (X509_check_private_key(cert, key) != 1) {
        snprintf(err, errsz, "%s does not match %s: use the key the certificate was issued for",
                 what_key, what_cert);
        goto out;
    }
    rc = EBB_OK;
out:
    ERR_clear_error();
    EVP_PKEY_free(key);
    X509_free(cert);
    BIO_free(cb);
    BIO_free(kb);
    return rc;
}

/* ---- credentials ------------------------------------------------------------------------- */

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the credentials come from the exec plugin (client-go runs it only
 * when the user has nothing else). */
static bool exec_used(const struct ebb_kube_config *c)
{
    return c->has_exec && !c->token && !c->token_file && !c->client_cert_data &&
           !c->client_cert_file && !c->username && !c->password;
}

/* Records a failed plugin run for the backoff. */
static void exec_failed(struct ebb__kube_auth *a, enum ebb_rc rc, const char *err, int64_t mono)
{
    a->exec_rc = rc;
    snprintf(a->exec_err, sizeof(a->exec_err), "%s", err[0] ? err : "exec plugin failed");
    a->exec_retry_ms = mono + ebb_backoff_delay(&a->exec_bo, a->exec_failures);
    if (a->exec_failures < 30)
        a->exec_failures++;
}

/* Fetches the credentials, running the exec plugin only when no failure of
 * it is still in its backoff. */
static enum ebb_rc creds_get(struct ebb__kube_auth *a, bool force, char *err, size_t errsz)
{
    int64_t wall = wall_ms(), mono = mono_ms();
    const struct ebb_kube_creds *cr = &a->creds;
    bool plugin = exec_used(&a->cfg);
    bool would_run =
        plugin && (force || !cr->exec_cached || (cr->expiry_ms != 0 && wall >= cr->expiry_ms));
    if (would_run && a->exec_failures > 0 && mono < a->exec_retry_ms) {
        if (errsz)
            snprintf(err, errsz, "%s", a->exec_err);
        return a->exec_rc;
    }
    enum ebb_rc rc = ebb_kube_creds_get(&a->creds, &a->cfg, wall, force, err, errsz);
    if (!would_run || rc == EBB_ERR_NOMEM)
        return rc;
    if (rc == EBB_OK) {
        a->exec_failures = 0;
        return rc;
    }
    exec_failed(a, rc, errsz ? err : "", mono);
    return rc;
}

/* Rebuilds the Authorization line when the token changed. A line break in
 * a token would split the HTTP header, so such a token is refused. */
static enum ebb_rc update_bearer(struct ebb__kube_auth *a, char *err, size_t errsz)
{
    if (a->bearer && a->bearer_serial == a->creds.serial)
        return EBB_OK;
    free(a->bearer);
    a->bearer = NULL;
    a->bearer_serial = a->creds.serial;
    const char *tok = a->creds.token;
    if (tok == NULL)
        return EBB_OK;
    if (strpbrk(tok, "\r\n") != NULL) {
        snprintf(err, errsz, "the bearer token has a line break inside: it cannot be sent");
        return EBB_ERR_INVALID;
    }
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    ebb_strbuf_addf(&sb, "Authorization: Bearer %s", tok);
    a->bearer = ebb_strbuf_detach(&sb, NULL);
    if (a->bearer == NULL) {
        snprintf(err, errsz, "out of memory");
        return EBB_ERR_NOMEM;
    }
    return EBB_OK;
}

enum ebb_rc ebb__kube_auth_init(struct ebb__kube_auth *a, const struct ebb_kube_config *cfg,
                                char *err, size_t errsz)
{
    enum ebb_rc rc;
    memset(a, 0, sizeof(*a));
    ebb_kube_creds_init(&a->creds);
    rc = config_copy(&a->cfg, cfg);
    if (rc) {
        snprintf(err, errsz, "out of memory");
        goto out;
    }
    /* As client-go: inline data wins over a file; no CA is used, nor
     * checked, when verification is off. */
    if (a->cfg.ca_data) {
        free(a->cfg.ca_file);
        a->cfg.ca_file = NULL;
    }
    if (a->cfg.insecure_skip_tls_verify) {
        free(a->cfg.ca_file);
        free(a->cfg.ca_data);
        a->cfg.ca_file = a->cfg.ca_data = NULL;
        a->cfg.ca_data_len = 0;
    }
    bool has_cert = cfg->client_cert_data || cfg->client_cert_file;
    bool has_key = cfg->client_key_data || cfg->client_key_file;
    if (has_cert != has_key) {
        rc = EBB_ERR_INVALID;
        snprintf(err, errsz, "%s is missing: client-certificate and client-key go together",
                 has_cert ? "client-key" : "client-certificate");
        goto out;
    }
    if (a->cfg.ca_data || a->cfg.ca_file) {
        rc = check_ca(&a->cfg, err, errsz);
        if (rc)
            goto out;
    }
    ebb_backoff_init(&a->exec_bo, EBB__KUBE_EXEC_BACKOFF_BASE_MS, EBB__KUBE_EXEC_BACKOFF_CAP_MS,
                     0.2, (uint64_t)wall_ms() ^ ((uint64_t)getpid() << 40));
    rc = creds_get(a, false, err, errsz);
    if (rc && a->cfg.has_exec && rc != EBB_ERR_NOMEM)
        rc = EBB_OK; /* the plugin is run again after its backoff */
    if (rc)
        goto out;
    rc = update_bearer(a, err, errsz);
    if (rc)
        goto out;
    rc = check_client_pair(a, err, errsz);
out:
    if (rc)
        ebb__kube_auth_release(a);
    return rc;
}

void ebb__kube_auth_release(struct ebb__kube_auth *a)
{
    if (a == NULL)
        return;
    ebb_kube_exec_abort(a->exec_run);
    config_free(&a->cfg);
    ebb_kube_creds_release(&a->creds);
    free(a->bearer);
    memset(a, 0, sizeof(*a));
}

enum ebb_rc ebb__kube_auth_refresh(struct ebb__kube_auth *a, bool force, char *err, size_t errsz)
{
    enum ebb_rc rc = creds_get(a, force, err, errsz);
    enum ebb_rc brc = update_bearer(a, rc ? NULL : err, rc ? 0 : errsz);
    return rc ? rc : brc;
}

/* Moves the run under way on; once it is over, takes its outcome. */
static enum ebb_rc exec_collect(struct ebb__kube_auth *a, bool *pending, char *err, size_t errsz)
{
    int64_t mono = mono_ms();
    char local[768];
    if (!ebb_kube_exec_step(a->exec_run, mono)) {
        *pending = true;
        return EBB_OK;
    }
    struct ebb_kube_exec_run *run = a->exec_run;
    a->exec_run = NULL;
    enum ebb_rc rc = ebb_kube_exec_finish(&a->creds, &a->cfg, run, local, sizeof(local));
    if (rc == EBB_OK)
        a->exec_failures = 0;
    else if (rc != EBB_ERR_NOMEM)
        exec_failed(a, rc, local, mono);
    if (rc && errsz)
        snprintf(err, errsz, "%s", local);
    return rc;
}

enum ebb_rc ebb__kube_auth_refresh_async(struct ebb__kube_auth *a, bool force, bool *pending,
                                         char *err, size_t errsz)
{
    enum ebb_rc rc;
    *pending = false;
    if (errsz)
        err[0] = '\0';
    if (a->exec_run == NULL && ebb_kube_creds_exec_due(&a->creds, &a->cfg, wall_ms(), force)) {
        int64_t mono = mono_ms();
        char local[768];
        if (a->exec_failures > 0 && mono < a->exec_retry_ms) {
            if (errsz)
                snprintf(err, errsz, "%s", a->exec_err);
            return a->exec_rc;
        }
        rc = ebb_kube_exec_start(&a->creds, &a->cfg, mono, &a->exec_run, local, sizeof(local));
        if (rc) {
            if (rc != EBB_ERR_NOMEM)
                exec_failed(a, rc, local, mono);
            if (errsz)
                snprintf(err, errsz, "%s", local);
            return rc;
        }
    }
    if (a->exec_run) {
        rc = exec_collect(a, pending, err, errsz);
        if (rc || *pending)
            return rc;
    } else {
        rc = ebb_kube_creds_get(&a->creds, &a->cfg, wall_ms(), false, err, errsz);
        if (rc)
            return rc;
    }
    return update_bearer(a, err, errsz);
}

size_t ebb__kube_auth_wait(const struct ebb__kube_auth *a, int fds[2], int64_t *wait_ms)
{
    *wait_ms = -1;
    if (a->exec_run == NULL)
        return 0;
    return ebb_kube_exec_wait(a->exec_run, mono_ms(), fds, wait_ms);
}

bool ebb__kube_auth_missing(const struct ebb__kube_auth *a)
{
    return exec_used(&a->cfg) && a->creds.token == NULL && a->creds.client_cert_pem == NULL;
}

uint64_t ebb__kube_auth_serial(const struct ebb__kube_auth *a)
{
    return a->creds.serial;
}

bool ebb__kube_auth_refreshable(const struct ebb__kube_auth *a)
{
    return a->cfg.token_file != NULL || exec_used(&a->cfg);
}

const char *ebb__kube_auth_header(const struct ebb__kube_auth *a)
{
    return a->bearer;
}

enum ebb_rc ebb__kube_auth_apply(const struct ebb__kube_auth *a, void *easy)
{
    CURL *e = easy;
    const struct ebb_kube_config *cfg = &a->cfg;
    const struct ebb_kube_creds *cr = &a->creds;
    CURLcode cc = CURLE_OK;
    bool insecure = cfg->insecure_skip_tls_verify;
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
    cc = cc ? cc : curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, insecure ? 0L : 2L);
    if (cfg->ca_data || cfg->ca_file) {
        /* Only the kubeconfig's CA, as client-go: not the system's too. */
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
        if (cfg->ca_data) {
            struct curl_blob b = {cfg->ca_data, cfg->ca_data_len, CURL_BLOB_NOCOPY};
            cc = cc ? cc : curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
            cc = cc ? cc : curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
        } else {
            cc = cc ? cc : curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
        }
    }
    if (cr->client_cert_pem && cr->client_key_pem) {
        struct curl_blob cb = {cr->client_cert_pem, cr->client_cert_pem_len, CURL_BLOB_COPY};
        struct curl_blob kb = {cr->client_key_pem, cr->client_key_pem_len, CURL_BLOB_COPY};
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cb);
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &kb);
    }
    if (a->bearer == NULL && (cfg->username || cfg->password)) {
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_USERNAME, cfg->username ? cfg->username : "");
        cc = cc ? cc : curl_easy_setopt(e, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
    }
    return cc == CURLE_OK ? EBB_OK : (cc == CURLE_OUT_OF_MEMORY ? EBB_ERR_NOMEM : EBB_ERR_IO);
}
