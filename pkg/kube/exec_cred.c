/* exec_cred.c -- the credential cache: bearer tokens (inline or a token
 * file, re-read when it changes), client certificates and keys, parsing an
 * ExecCredential, and ebb_kube_creds_get() (client-go's transport cached
 * token file source and plugin/pkg/client/auth/exec). exec_plugin.c runs
 * the plugin process. */
#include "exec_cred.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/rfc3339.h"
#include "../base/strbuf.h"
#include "exec_cred_internal.h"
#include "kubeconfig_internal.h"
#include "../base/msg.h"

void ebb_kube_creds_init(struct ebb_kube_creds *c)
{
    memset(c, 0, sizeof(*c));
}

void ebb_kube_creds_release(struct ebb_kube_creds *c)
{
    if (c == NULL)
        return;
    free(c->token);
    free(c->client_cert_pem);
    free(c->client_key_pem);
    ebb_kube_creds_init(c);
}

void ebb_kube_exec_result_release(struct ebb_kube_exec_result *r)
{
    if (r == NULL)
        return;
    free(r->token);
    free(r->client_cert_pem);
    free(r->client_key_pem);
    memset(r, 0, sizeof(*r));
}

/* Replaces *field with v (n bytes; v NULL clears it), bumping the serial
 * when the value changes. */
enum ebb_rc ebb__creds_set_field(struct ebb_kube_creds *c, char **field, size_t *field_len,
                                 const char *v, size_t n)
{
    char *copy = NULL;
    size_t old_len = field_len ? *field_len : (*field ? strlen(*field) : 0);

    if (v == NULL && *field == NULL)
        return EBB_OK;
    if (v && *field && old_len == n && memcmp(*field, v, n) == 0)
        return EBB_OK;
    if (v) {
        copy = malloc(n + 1);
        if (copy == NULL)
            return EBB_ERR_NOMEM;
        memcpy(copy, v, n);
        copy[n] = '\0';
    }
    free(*field);
    *field = copy;
    if (field_len)
        *field_len = copy ? n : 0;
    c->serial++;
    return EBB_OK;
}

/* Fills sig from stat(path); errno is kept on failure. */
static bool file_sig(const char *path, struct ebb_kube_file_sig *sig)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return false;
    sig->valid = true;
    sig->dev = (uint64_t)st.st_dev;
    sig->ino = (uint64_t)st.st_ino;
    sig->size = (uint64_t)st.st_size;
    sig->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    return true;
}

static bool sig_equal(const struct ebb_kube_file_sig *a, const struct ebb_kube_file_sig *b)
{
    return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns;
}

enum ebb_rc ebb__creds_slurp(const char *path, size_t max, struct ebb_strbuf *sb, int *errnum)
{
    char chunk[8192];
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *errnum = 0;
    if (fd < 0) {
        *errnum = errno;
        return EBB_ERR_IO;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0)
                *errnum = errno;
            break;
        }
        if (sb->len + (size_t)n > max) {
            *errnum = EFBIG;
            break;
        }
        ebb_strbuf_add(sb, chunk, (size_t)n);
    }
    close(fd);
    if (*errnum)
        return EBB_ERR_IO;
    return ebb_strbuf_rc(sb);
}

const char *ebb__creds_errno_text(int errnum)
{
    return errnum == EFBIG ? "larger than 1 MiB" : strerror(errnum);
}

/* A token file, re-read when it changed (or on force). A file that cannot
 * be read keeps the token we had, else falls back to the inline token. */
static enum ebb_rc refresh_token(struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                                 bool force, char *err, size_t errsz)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    struct ebb_kube_file_sig sig = {0};
    enum ebb_rc rc = EBB_OK;
    const char *why = NULL;
    size_t b, e;
    int errnum = 0;

    if (cfg->token_file == NULL)
        return ebb__creds_set_field(c, &c->token, NULL, cfg->token,
                                    cfg->token ? strlen(cfg->token) : 0);
    if (!file_sig(cfg->token_file, &sig)) {
        why = strerror(errno);
        goto unreadable;
    }
    if (!force && c->token && sig_equal(&sig, &c->token_sig))
        return EBB_OK;
    rc = ebb__creds_slurp(cfg->token_file, EBB__KUBE_MAX_CRED_FILE, &sb, &errnum);
    if (rc == EBB_ERR_NOMEM)
        goto out;
    if (rc) {
        why = ebb__creds_errno_text(errnum);
        goto unreadable;
    }
    for (b = 0; b < sb.len && strchr(" \t\r\n", sb.buf[b]); b++)
        ;
    for (e = sb.len; e > b && strchr(" \t\r\n", sb.buf[e - 1]); e--)
        ;
    if (e == b) {
        why = "the file is empty";
        goto unreadable;
    }
    if ((rc = ebb__creds_set_field(c, &c->token, NULL, sb.buf + b, e - b)))
        goto out;
    c->token_sig = sig;
    goto out;
unreadable:
    rc = EBB_OK;
    c->token_sig.valid = false;
    if (c->token == NULL && cfg->token)
        rc = ebb__creds_set_field(c, &c->token, NULL, cfg->token, strlen(cfg->token));
    else if (c->token == NULL)
        rc = ebb_errf(err, errsz, EBB_ERR_IO, "token file %s: %s", cfg->token_file, why);
out:
    ebb_strbuf_release(&sb);
    return rc;
}

/* A certificate or key: inline PEM, or a file re-read when it changed. */
static enum ebb_rc refresh_pem(struct ebb_kube_creds *c, const char *file, const char *data,
                               size_t data_len, struct ebb_kube_file_sig *have, char **field,
                               size_t *field_len, bool force, char *err, size_t errsz)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    struct ebb_kube_file_sig sig = {0};
    enum ebb_rc rc;
    int errnum;

    if (file == NULL)
        return ebb__creds_set_field(c, field, field_len, data, data_len);
    if (!file_sig(file, &sig)) {
        errnum = errno;
        rc = EBB_ERR_IO;
        goto out;
    }
    if (!force && *field && sig_equal(&sig, have))
        return EBB_OK;
    rc = ebb__creds_slurp(file, EBB__KUBE_MAX_CRED_FILE, &sb, &errnum);
    if (rc == EBB_OK && (rc = ebb__creds_set_field(c, field, field_len, sb.buf, sb.len)) == EBB_OK)
        *have = sig;
out:
    if (rc == EBB_ERR_IO) {
        have->valid = false;
        rc = *field ? EBB_OK
                    : ebb_errf(err, errsz, rc, "%s: %s", file, ebb__creds_errno_text(errnum));
    }
    ebb_strbuf_release(&sb);
    return rc;
}

/* ---- the ExecCredential ------------------------------------------------ */

/* A string member: *out NULL when absent, null or "". */
static enum ebb_rc member_string(const cJSON *obj, const char *name, const char *path,
                                 const char **out, char *err, size_t errsz)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    *out = NULL;
    if (v == NULL || cJSON_IsNull(v))
        return EBB_OK;
    if (!cJSON_IsString(v))
        return ebb_errf(err, errsz, EBB_ERR_PARSE, "%s is not a string", path);
    if (v->valuestring[0])
        *out = v->valuestring;
    return EBB_OK;
}

static enum ebb_rc copy_out(char **dst, size_t *dst_len, const char *s)
{
    if (s == NULL)
        return EBB_OK;
    *dst = strdup(s);
    if (*dst == NULL)
        return EBB_ERR_NOMEM;
    if (dst_len)
        *dst_len = strlen(s);
    return EBB_OK;
}

enum ebb_rc ebb_kube_exec_credential_parse(const char *json, size_t len, const char *api_version,
                                           struct ebb_kube_exec_result *out, char *err,
                                           size_t errsz)
{
    size_t blank, at;
    const char *end = NULL, *s, *token, *cert, *key, *exp;
    const cJSON *status;
    cJSON *root;
    enum ebb_rc rc = EBB_OK;

    memset(out, 0, sizeof(*out));
    root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (root != NULL)
        for (; end < json + len && strchr(" \t\r\n", *end) && *end; end++)
            ;
    /* Never the output itself: it may hold the token. Where, and what was wanted. */
    for (blank = 0; blank < len && json[blank] && strchr(" \t\r\n", json[blank]); blank++)
        ;
    if (blank == len) {
        rc = ebb_errf(err, errsz, EBB_ERR_PARSE,
                      "output is empty; want an ExecCredential JSON object on stdout");
        goto out;
    }
    if (root == NULL) {
        at = end && end >= json && end <= json + len ? (size_t)(end - json) : 0;
        rc = ebb_errf(err, errsz, EBB_ERR_PARSE,
                      "output is not valid JSON (error at byte %zu of %zu); want an ExecCredential "
                      "JSON object",
                      at, len);
        goto out;
    }
    if (end < json + len) {
        rc = ebb_errf(err, errsz, EBB_ERR_PARSE,
                      "output has more after the JSON value (at byte %zu of %zu); want one "
                      "ExecCredential JSON object",
                      (size_t)(end - json), len);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        rc = ebb_errf(err, errsz, EBB_ERR_PARSE, "output is not a JSON object");
        goto out;
    }
    if ((rc = member_string(root, "apiVersion", "apiVersion", &s, err, errsz)))
        goto out;
    if (s == NULL) {
        rc = ebb_errf(err, errsz, EBB_ERR_PARSE, "output has no apiVersion; want %s", api_version);
        goto out;
    }
    if (strcmp(s, api_version) != 0) {
        rc = ebb_errf(err, errsz, EBB_ERR_INVALID,
                      "returned apiVersion %s, but the kubeconfig asks for %s", s, api_version);
        goto out;
    }
    if ((rc = member_string(root, "kind", "kind", &s, err, errsz)))
        goto out;
    if (s == NULL || strcmp(s, "ExecCredential") != 0) {
        rc = ebb_errf(err, errsz, EBB_ERR_PARSE, "output has kind \"%s\", not ExecCredential",
                      s ? s : "");
        goto out;
    }
    status = cJSON_GetObjectItemCaseSensitive(root, "status");
    if (status == NULL || cJSON_IsNull(status)) {
        rc = ebb_errf(err, errsz, EBB_ERR_INVALID, "output has no status");
        goto out;
    }
    if (!cJSON_IsObject(status)) {
        rc = ebb_errf(err, errsz, EBB_ERR_PARSE, "status is not an object");
        goto out;
    }
    if ((rc = member_string(status, "token", "status.token", &token, err, errsz)) ||
        (rc = member_string(status, "clientCertificateData", "status.clientCertificateData", &cert,
                            err, errsz)) ||
        (rc = member_string(status, "clientKeyData", "status.clientKeyData", &key, err, errsz)) ||
        (rc = member_string(status, "expirationTimestamp", "status.expirationTimestamp", &exp, err,
                            errsz)))
        goto out;
    if (token == NULL && cert == NULL && key == NULL) {
        rc = ebb_errf(err, errsz, EBB_ERR_INVALID,
                      "status has no token and no clientCertificateData/clientKeyData");
        goto out;
    }
    if ((cert == NULL) != (key == NULL)) {
        rc = ebb_errf(err, errsz, EBB_ERR_INVALID, "status has %s without %s",
                      cert ? "clientCertificateData" : "clientKeyData",
                      cert ? "clientKeyData" : "clientCertificateData");
        goto out;
    }
    if (exp && ebb_rfc3339_parse(exp, &out->expiry_ms) != EBB_OK) {
        rc = ebb_errf(err, errsz, EBB_ERR_PARSE,
                      "status.expirationTimestamp \"%.64s\" is not an RFC 3339 time", exp);
        goto out;
    }
    if ((rc = copy_out(&out->token, NULL, token)) ||
        (rc = copy_out(&out->client_cert_pem, &out->client_cert_pem_len, cert)) ||
        (rc = copy_out(&out->client_key_pem, &out->client_key_pem_len, key)))
        goto out;
out:
    if (rc == EBB_ERR_NOMEM)
        ebb_errf(err, errsz, rc, "out of memory");
    if (rc)
        ebb_kube_exec_result_release(out);
    cJSON_Delete(root);
    return rc;
}

bool ebb_kube_creds_exec_due(const struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                             int64_t now_ms, bool force_refresh)
{
    if (!cfg->has_exec || cfg->token || cfg->token_file || cfg->client_cert_file ||
        cfg->client_cert_data || cfg->username || cfg->password)
        return false;
    return force_refresh || !c->exec_cached || (c->expiry_ms != 0 && now_ms >= c->expiry_ms);
}

enum ebb_rc ebb_kube_creds_get(struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                               int64_t now_ms, bool force_refresh, char *err, size_t errsz)
{
    bool token = cfg->token || cfg->token_file;
    bool cert = cfg->client_cert_file || cfg->client_cert_data;
    enum ebb_rc rc;

    if (errsz)
        err[0] = '\0';
    if (token && (rc = refresh_token(c, cfg, force_refresh, err, errsz)))
        return rc;
    if (cert) {
        if ((rc = refresh_pem(c, cfg->client_cert_file, cfg->client_cert_data,
                              cfg->client_cert_data_len, &c->cert_sig, &c->client_cert_pem,
                              &c->client_cert_pem_len, force_refresh, err, errsz)) ||
            (rc = refresh_pem(c, cfg->client_key_file, cfg->client_key_data,
                              cfg->client_key_data_len, &c->key_sig, &c->client_key_pem,
                              &c->client_key_pem_len, force_refresh, err, errsz)))
            return rc;
    }
    if (!ebb_kube_creds_exec_due(c, cfg, now_ms, force_refresh))
        return EBB_OK;
    return ebb__exec_refresh(c, cfg, err, errsz);
}
