/* exec_cred.c -- bearer tokens, client certificates and exec credential
 * plugins (client-go's plugin/pkg/client/auth/exec and transport's
 * cached token file source), for the client to send. */
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
#include "kubeconfig_internal.h"
#include "../base/msg.h"

#define EXEC_INFO_ENV "KUBERNETES_EXEC_INFO"
#define MAX_STDERR 4096 /* kept for the message; the rest is drained */
#define MAX_CRED_FILE (1u << 20)
#define MAX_SHOWN 300 /* bytes of stderr shown in a message (never of stdout: the token) */

extern char **environ;

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
static enum ebb_rc set_field(struct ebb_kube_creds *c, char **field, size_t *field_len,
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

static enum ebb_rc slurp(const char *path, size_t max, struct ebb_strbuf *sb, int *errnum)
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

static const char *errno_text(int errnum)
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
        return set_field(c, &c->token, NULL, cfg->token, cfg->token ? strlen(cfg->token) : 0);
    if (!file_sig(cfg->token_file, &sig)) {
        why = strerror(errno);
        goto unreadable;
    }
    if (!force && c->token && sig_equal(&sig, &c->token_sig))
        return EBB_OK;
    rc = slurp(cfg->token_file, MAX_CRED_FILE, &sb, &errnum);
    if (rc == EBB_ERR_NOMEM)
        goto out;
    if (rc) {
        why = errno_text(errnum);
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
    if ((rc = set_field(c, &c->token, NULL, sb.buf + b, e - b)))
        goto out;
    c->token_sig = sig;
    goto out;
unreadable:
    rc = EBB_OK;
    c->token_sig.valid = false;
    if (c->token == NULL && cfg->token)
        rc = set_field(c, &c->token, NULL, cfg->token, strlen(cfg->token));
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
        return set_field(c, field, field_len, data, data_len);
    if (!file_sig(file, &sig)) {
        errnum = errno;
        rc = EBB_ERR_IO;
        goto out;
    }
    if (!force && *field && sig_equal(&sig, have))
        return EBB_OK;
    rc = slurp(file, MAX_CRED_FILE, &sb, &errnum);
    if (rc == EBB_OK && (rc = set_field(c, field, field_len, sb.buf, sb.len)) == EBB_OK)
        *have = sig;
out:
    if (rc == EBB_ERR_IO) {
        have->valid = false;
        rc = *field ? EBB_OK : ebb_errf(err, errsz, rc, "%s: %s", file, errno_text(errnum));
    }
    ebb_strbuf_release(&sb);
    return rc;
}

/* ---- the ExecCredential ------------------------------------------------ */

/* Up to MAX_SHOWN bytes of s, control characters as spaces. */
static void shown(const char *s, size_t len, char *buf, size_t bufsz)
{
    size_t i, n = 0;
    for (i = 0; i < len && n + 4 < bufsz && i < MAX_SHOWN; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[n++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    while (n > 0 && buf[n - 1] == ' ')
        n--;
    if (i < len && n + 4 <= bufsz) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

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

/* ---- running the plugin ------------------------------------------------ */

/* KUBERNETES_EXEC_INFO: the ExecCredential request, with spec.cluster when
 * provideClusterInfo (client-go's ConfigToExecCluster). */
static enum ebb_rc exec_info(const struct ebb_kube_config *cfg, char **out, char *err, size_t errsz)
{
    struct ebb_strbuf ca = EBB_STRBUF_INIT;
    cJSON *root = cJSON_CreateObject(), *spec = NULL, *cl;
    char *b64 = NULL;
    enum ebb_rc rc = EBB_ERR_NOMEM;
    int errnum;

    *out = NULL;
    if (root == NULL || !cJSON_AddStringToObject(root, "kind", "ExecCredential") ||
        !cJSON_AddStringToObject(root, "apiVersion", cfg->exec.api_version) ||
        (spec = cJSON_AddObjectToObject(root, "spec")) == NULL)
        goto out;
    if (cfg->exec.provide_cluster_info) {
        const char *data = cfg->ca_data;
        size_t len = cfg->ca_data_len;
        if ((cl = cJSON_AddObjectToObject(spec, "cluster")) == NULL ||
            !cJSON_AddStringToObject(cl, "server", cfg->server ? cfg->server : ""))
            goto out;
        if (cfg->tls_server_name &&
            !cJSON_AddStringToObject(cl, "tls-server-name", cfg->tls_server_name))
            goto out;
        if (cfg->insecure_skip_tls_verify && !cJSON_AddTrueToObject(cl, "insecure-skip-tls-verify"))
            goto out;
        if (data == NULL && cfg->ca_file) {
            rc = slurp(cfg->ca_file, MAX_CRED_FILE, &ca, &errnum);
            if (rc == EBB_ERR_IO)
                ebb_errf(err, errsz, rc, "provideClusterInfo: certificate-authority %s: %s",
                         cfg->ca_file, errno_text(errnum));
            if (rc)
                goto out;
            rc = EBB_ERR_NOMEM;
            data = ca.buf;
            len = ca.len;
        }
        if (data && len) {
            b64 = malloc(4 * ((len + 2) / 3) + 1);
            if (b64 == NULL)
                goto out;
            ebb__kube_base64_encode(data, len, b64);
            if (!cJSON_AddStringToObject(cl, "certificate-authority-data", b64))
                goto out;
        }
    }
    if (!cJSON_AddFalseToObject(spec, "interactive"))
        goto out;
    *out = cJSON_PrintUnformatted(root);
    rc = *out ? EBB_OK : EBB_ERR_NOMEM;
out:
    if (rc == EBB_ERR_NOMEM)
        ebb_errf(err, errsz, rc, "out of memory");
    free(b64);
    ebb_strbuf_release(&ca);
    cJSON_Delete(root);
    return rc;
}

static bool env_overridden(const char *entry, const struct ebb_kube_exec *x)
{
    size_t i, n = strcspn(entry, "=");
    if (n == sizeof(EXEC_INFO_ENV) - 1 && strncmp(entry, EXEC_INFO_ENV, n) == 0)
        return true;
    for (i = 0; i < x->n_env; i++)
        if (strlen(x->env[i].name) == n && strncmp(entry, x->env[i].name, n) == 0)
            return true;
    return false;
}

/* Our environment, then the kubeconfig's env (the last of a name wins, as
 * Go's os/exec), then KUBERNETES_EXEC_INFO. Every string is in *owned. */
static enum ebb_rc build_env(const struct ebb_kube_exec *x, const char *info, char ***envp,
                             char ***owned, size_t *n_owned)
{
    size_t n = 0, k = 0, i, j;
    char **e;

    for (e = environ; e && *e; e++)
        n++;
    *envp = calloc(n + x->n_env + 2, sizeof(char *));
    *owned = calloc(x->n_env + 1, sizeof(char *));
    *n_owned = 0;
    if (*envp == NULL || *owned == NULL)
        return EBB_ERR_NOMEM;
    for (e = environ; e && *e; e++)
        if (!env_overridden(*e, x))
            (*envp)[k++] = *e;
    for (i = 0; i <= x->n_env; i++) {
        const char *name = i < x->n_env ? x->env[i].name : EXEC_INFO_ENV;
        const char *value = i < x->n_env ? x->env[i].value : info;
        size_t len;
        char *s;
        for (j = i + 1; j < x->n_env && strcmp(x->env[j].name, name) != 0; j++)
            ;
        if (i < x->n_env && j < x->n_env)
            continue; /* a later entry sets it */
        len = strlen(name) + strlen(value ? value : "") + 2;
        s = malloc(len);
        if (s == NULL)
            return EBB_ERR_NOMEM;
        snprintf(s, len, "%s=%s", name, value ? value : "");
        (*owned)[(*n_owned)++] = s;
        (*envp)[k++] = s;
    }
    return EBB_OK;
}

static bool is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
           access(path, X_OK) == 0;
}

/* As Go's exec.LookPath, before anything is started, so that "not found"
 * is told apart from a plugin that fails: a command with a '/' is used as
 * it is; a bare name is searched in PATH, skipping relative entries (Go
 * refuses what they find). Returns 0 or an errno. */
static int look_path(const char *cmd, char **out)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    const char *path = getenv("PATH"), *p, *end;
    struct stat st;

    *out = NULL;
    if (strchr(cmd, '/')) {
        if (stat(cmd, &st) != 0)
            return errno;
        if (!is_executable(cmd))
            return EACCES;
        *out = strdup(cmd);
        return *out ? 0 : ENOMEM;
    }
    for (p = path ? path : ""; *p; p = *end ? end + 1 : end) {
        end = p + strcspn(p, ":");
        if (*p != '/')
            continue;
        ebb_strbuf_reset(&sb);
        ebb_strbuf_add(&sb, p, (size_t)(end - p));
        ebb_strbuf_addch(&sb, '/');
        ebb_strbuf_adds(&sb, cmd);
        if (ebb_strbuf_rc(&sb)) {
            ebb_strbuf_release(&sb);
            return ENOMEM;
        }
        if (is_executable(sb.buf)) {
            *out = ebb_strbuf_detach(&sb, NULL);
            return *out ? 0 : ENOMEM;
        }
    }
    ebb_strbuf_release(&sb);
    return ENOENT;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_cloexec_nonblock(int fd, bool nonblock)
{
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (nonblock)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Reads what is there on fd into sb (up to cap bytes; the rest is read and
 * dropped when drop is set). Returns false at EOF or error. */
static bool drain(int fd, struct ebb_strbuf *sb, size_t cap, bool drop, bool *overflow)
{
    char chunk[8192];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK;
        if (n == 0)
            return false;
        if (sb->len + (size_t)n > cap) {
            if (!drop) {
                *overflow = true;
                return false;
            }
            if (sb->len < cap)
                ebb_strbuf_add(sb, chunk, cap - sb->len);
            continue;
        }
        ebb_strbuf_add(sb, chunk, (size_t)n);
    }
}

/* One run of the plugin, from its start to its exit. */
struct ebb_kube_exec_run {
    pid_t pid;          /* -1 once reaped */
    int out_fd, err_fd; /* -1 once at EOF */
    struct ebb_strbuf so, se;
    int64_t deadline, timeout_ms;
    int status;
    int wait_errno; /* waitpid failed */
    bool done, timed_out, overflow;
};

static void kill_and_reap(struct ebb_kube_exec_run *r)
{
    int status;
    if (r->pid <= 0)
        return;
    kill(-r->pid, SIGKILL);
    kill(r->pid, SIGKILL);
    while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
        ;
    r->pid = -1;
}

void ebb_kube_exec_abort(struct ebb_kube_exec_run *r)
{
    if (r == NULL)
        return;
    kill_and_reap(r);
    if (r->out_fd >= 0)
        close(r->out_fd);
    if (r->err_fd >= 0)
        close(r->err_fd);
    ebb_strbuf_release(&r->so);
    ebb_strbuf_release(&r->se);
    free(r);
}

/* Starts the plugin with its stdout and stderr on non-blocking pipes. */
static enum ebb_rc start_plugin(const struct ebb_kube_config *cfg, int64_t timeout_ms,
                                int64_t now_mono_ms, struct ebb_kube_exec_run **out, char *err,
                                size_t errsz)
{
    const struct ebb_kube_exec *x = &cfg->exec;
    struct ebb_kube_exec_run *run = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    bool have_fa = false, have_attr = false;
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    char **argv = NULL, **envp = NULL, **owned = NULL, *info = NULL, *exe = NULL;
    size_t n_owned = 0, i;
    pid_t pid = -1;
    int e;
    sigset_t none, dflt;
    enum ebb_rc rc;

    *out = NULL;
    e = look_path(x->command, &exe);
    if (e != 0) {
        const char *hint = x->install_hint ? x->install_hint : "";
        int hint_len = (int)strlen(hint);
        while (hint_len > 0 && strchr(" \t\r\n", hint[hint_len - 1]))
            hint_len--;
        rc = e == ENOMEM ? EBB_ERR_NOMEM : EBB_ERR_IO;
        ebb_errf(err, errsz, rc, "exec plugin \"%s\": %s%s%.*s", x->command,
                 e == ENOENT ? "executable not found" : strerror(e), hint_len ? "; " : "", hint_len,
                 hint);
        goto out;
    }
    if ((rc = exec_info(cfg, &info, err, errsz)))
        goto out;
    rc = EBB_ERR_NOMEM;
    run = calloc(1, sizeof(*run));
    argv = calloc(x->n_args + 2, sizeof(char *));
    if (run == NULL || argv == NULL || build_env(x, info, &envp, &owned, &n_owned))
        goto out;
    run->pid = -1;
    run->out_fd = run->err_fd = -1;
    ebb_strbuf_init(&run->so);
    ebb_strbuf_init(&run->se);
    run->timeout_ms = timeout_ms;
    run->deadline = now_mono_ms + timeout_ms;
    argv[0] = x->command;
    for (i = 0; i < x->n_args; i++)
        argv[i + 1] = x->args[i];

    rc = EBB_ERR_IO;
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
        ebb_errf(err, errsz, rc, "exec plugin \"%s\": pipe: %s", x->command, strerror(errno));
        goto out;
    }
    set_cloexec_nonblock(out_pipe[0], true);
    set_cloexec_nonblock(out_pipe[1], false);
    set_cloexec_nonblock(err_pipe[0], true);
    set_cloexec_nonblock(err_pipe[1], false);
    if (posix_spawn_file_actions_init(&fa) != 0)
        goto nomem;
    have_fa = true;
    if (posix_spawnattr_init(&attr) != 0)
        goto nomem;
    have_attr = true;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGTERM);
    sigaddset(&dflt, SIGHUP);
    sigaddset(&dflt, SIGQUIT);
    sigaddset(&dflt, SIGCHLD);
    /* Its own process group, so a timeout kills what it started too. */
    if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
        posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1) ||
        posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2) ||
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF) ||
        posix_spawnattr_setpgroup(&attr, 0) || posix_spawnattr_setsigmask(&attr, &none) ||
        posix_spawnattr_setsigdefault(&attr, &dflt))
        goto nomem;
    e = posix_spawn(&pid, exe, &fa, &attr, argv, envp);
    if (e != 0) {
        ebb_errf(err, errsz, rc, "exec plugin \"%s\": %s", x->command, strerror(e));
        goto out;
    }
    run->pid = pid;
    run->out_fd = out_pipe[0];
    run->err_fd = err_pipe[0];
    out_pipe[0] = err_pipe[0] = -1;
    *out = run;
    run = NULL;
    rc = EBB_OK;
    goto out;
nomem:
    rc = EBB_ERR_NOMEM;
out:
    if (rc == EBB_ERR_NOMEM)
        ebb_errf(err, errsz, rc, "exec plugin: out of memory");
    ebb_kube_exec_abort(run);
    if (have_fa)
        posix_spawn_file_actions_destroy(&fa);
    if (have_attr)
        posix_spawnattr_destroy(&attr);
    for (i = 0; i < 2; i++) {
        if (out_pipe[i] >= 0)
            close(out_pipe[i]);
        if (err_pipe[i] >= 0)
            close(err_pipe[i]);
    }
    for (i = 0; i < n_owned; i++)
        free(owned[i]);
    free(owned);
    free(envp);
    free(argv);
    free(exe);
    cJSON_free(info);
    return rc;
}

bool ebb_kube_exec_step(struct ebb_kube_exec_run *r, int64_t now_mono_ms)
{
    bool ignored = false;
    if (r->done)
        return true;
    if (r->out_fd >= 0 &&
        !drain(r->out_fd, &r->so, EBB_KUBE_EXEC_MAX_OUTPUT, false, &r->overflow)) {
        close(r->out_fd);
        r->out_fd = -1;
    }
    if (r->overflow) {
        kill_and_reap(r);
        r->done = true;
        return true;
    }
    if (r->err_fd >= 0 && !drain(r->err_fd, &r->se, MAX_STDERR, true, &ignored)) {
        close(r->err_fd);
        r->err_fd = -1;
    }
    /* Both pipes closed: collect the exit, still within the deadline. */
    if (r->out_fd < 0 && r->err_fd < 0) {
        pid_t w = waitpid(r->pid, &r->status, WNOHANG);
        if (w == r->pid) {
            r->pid = -1;
            r->done = true;
            return true;
        }
        if (w < 0 && errno != EINTR) {
            r->wait_errno = errno;
            r->done = true;
            return true;
        }
    }
    if (now_mono_ms >= r->deadline) {
        r->timed_out = true;
        kill_and_reap(r);
        r->done = true;
    }
    return r->done;
}

size_t ebb_kube_exec_wait(const struct ebb_kube_exec_run *r, int64_t now_mono_ms, int fds[2],
                          int64_t *wait_ms)
{
    size_t n = 0;
    int64_t left = r->deadline - now_mono_ms;
    if (r->done) {
        *wait_ms = 0;
        return 0;
    }
    if (r->out_fd >= 0)
        fds[n++] = r->out_fd;
    if (r->err_fd >= 0)
        fds[n++] = r->err_fd;
    if (left < 0)
        left = 0;
    if (n == 0 && left > 5) /* only the exit is awaited: no fd tells it */
        left = 5;
    *wait_ms = left;
    return n;
}

/* What became of a finished run: its stdout in r->so, or err. */
static enum ebb_rc plugin_outcome(const struct ebb_kube_config *cfg, struct ebb_kube_exec_run *r,
                                  char *err, size_t errsz)
{
    const char *cmd = cfg->exec.command;
    char shown_err[MAX_SHOWN + 8];
    enum ebb_rc rc = EBB_ERR_IO;

    if (r->timed_out)
        return ebb_errf(err, errsz, rc, "exec plugin \"%s\": no answer after %lld ms; killed it",
                        cmd, (long long)r->timeout_ms);
    if (r->overflow)
        return ebb_errf(err, errsz, rc, "exec plugin \"%s\": printed more than 1 MiB; killed it",
                        cmd);
    if (r->wait_errno)
        return ebb_errf(err, errsz, rc, "exec plugin \"%s\": waitpid: %s", cmd,
                        strerror(r->wait_errno));
    if (ebb_strbuf_rc(&r->so) || ebb_strbuf_rc(&r->se))
        return ebb_errf(err, errsz, EBB_ERR_NOMEM, "exec plugin: out of memory");
    shown(r->se.buf, r->se.len, shown_err, sizeof(shown_err));
    if (WIFSIGNALED(r->status))
        return ebb_errf(err, errsz, rc, "exec plugin \"%s\": killed by signal %d%s%s", cmd,
                        WTERMSIG(r->status), shown_err[0] ? ": " : "", shown_err);
    if (WEXITSTATUS(r->status) != 0)
        return ebb_errf(err, errsz, rc, "exec plugin \"%s\": exit code %d: %s", cmd,
                        WEXITSTATUS(r->status), shown_err[0] ? shown_err : "(nothing on stderr)");
    return EBB_OK;
}

enum ebb_rc ebb_kube_exec_start(struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                                int64_t now_mono_ms, struct ebb_kube_exec_run **out, char *err,
                                size_t errsz)
{
    int64_t timeout = c->exec_timeout_ms > 0 ? c->exec_timeout_ms : EBB_KUBE_EXEC_TIMEOUT_MS;
    c->exec_runs++;
    return start_plugin(cfg, timeout, now_mono_ms, out, err, errsz);
}

enum ebb_rc ebb_kube_exec_finish(struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                                 struct ebb_kube_exec_run *run, char *err, size_t errsz)
{
    struct ebb_kube_exec_result r = {0};
    char msg[512];
    enum ebb_rc rc;

    if (errsz)
        err[0] = '\0';
    rc = plugin_outcome(cfg, run, err, errsz);
    if (rc)
        goto out;
    rc = ebb_kube_exec_credential_parse(run->so.buf, run->so.len, cfg->exec.api_version, &r, msg,
                                        sizeof(msg));
    if (rc) {
        ebb_errf(err, errsz, rc, "exec plugin \"%s\": %s", cfg->exec.command, msg);
        goto out;
    }
    if ((rc = set_field(c, &c->token, NULL, r.token, r.token ? strlen(r.token) : 0)) ||
        (rc = set_field(c, &c->client_cert_pem, &c->client_cert_pem_len, r.client_cert_pem,
                        r.client_cert_pem_len)) ||
        (rc = set_field(c, &c->client_key_pem, &c->client_key_pem_len, r.client_key_pem,
                        r.client_key_pem_len))) {
        ebb_errf(err, errsz, rc, "exec plugin: out of memory");
        goto out;
    }
    c->expiry_ms = r.expiry_ms;
    c->exec_cached = true;
out:
    ebb_kube_exec_result_release(&r);
    ebb_kube_exec_abort(run);
    return rc;
}

/* The synchronous run, for code off the event loop (ebb_kube_creds_get). */
static enum ebb_rc refresh_exec(struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                                char *err, size_t errsz)
{
    struct ebb_kube_exec_run *run = NULL;
    enum ebb_rc rc = ebb_kube_exec_start(c, cfg, mono_ms(), &run, err, errsz);
    if (rc)
        return rc;
    while (!ebb_kube_exec_step(run, mono_ms())) {
        struct pollfd p[2];
        int fds[2];
        int64_t wait;
        size_t n = ebb_kube_exec_wait(run, mono_ms(), fds, &wait);
        for (size_t i = 0; i < n; i++) {
            p[i].fd = fds[i];
            p[i].events = POLLIN;
            p[i].revents = 0;
        }
        poll(p, (nfds_t)n, (int)(wait > 1000 ? 1000 : wait));
    }
    return ebb_kube_exec_finish(c, cfg, run, err, errsz);
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
    return refresh_exec(c, cfg, err, errsz);
}
