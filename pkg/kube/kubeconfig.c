/* kubeconfig.c -- which files, which context, which cluster and user: the
 * rules of client-go's clientcmd (loader.go, client_config.go,
 * validation.go) and rest.InClusterConfig. kubeconfig_parse.c reads each
 * file.
 *
 * Where kubectl would fail later, when it builds its transport (a CA
 * together with insecure-skip-tls-verify, an unknown exec apiVersion), we
 * fail here with the field's path. Where kubectl is silently lenient in a
 * way that changes who we are (a context naming a user that does not
 * exist, a key without its certificate, impersonation, auth-provider,
 * proxy-url we would not honour), we refuse. Everything only for the
 * context in use, as kubectl's ConfirmUsable: a broken entry elsewhere in
 * the file does not matter unless it does not parse.
 */
#include "kubeconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/arena.h"
#include "../base/strbuf.h"
#include "kubeconfig_internal.h"
#include "../base/msg.h"

#define DEFAULT_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define MAX_FILE_SIZE (16u << 20)
#define MAX_NAMESPACE_FILE 1024
#define EXEC_V1 "client.authentication.k8s.io/v1"
#define EXEC_V1BETA1 "client.authentication.k8s.io/v1beta1"

/* The files that were read, in KUBECONFIG order (first definition wins). */
struct merged {
    struct ebb__kc_file *files;
    size_t n;
    const char *current_context;
    const struct ebb__kc_file *current_context_file;
    const char *source; /* the files, ':'-separated */
};

enum list_kind { L_CLUSTERS, L_USERS, L_CONTEXTS };

static const char *entry_name(const struct ebb__kc_file *f, enum list_kind k, size_t i)
{
    if (k == L_CLUSTERS)
        return f->clusters[i].name;
    if (k == L_USERS)
        return f->users[i].name;
    return f->contexts[i].name;
}

static size_t entry_count(const struct ebb__kc_file *f, enum list_kind k)
{
    return k == L_CLUSTERS ? f->n_clusters : k == L_USERS ? f->n_users : f->n_contexts;
}

/* The entry named name, from the first file that defines it. */
static bool find(const struct merged *m, enum list_kind k, const char *name,
                 const struct ebb__kc_file **file, size_t *index)
{
    size_t i, j;
    for (i = 0; i < m->n; i++) {
        for (j = 0; j < entry_count(&m->files[i], k); j++) {
            if (strcmp(entry_name(&m->files[i], k, j), name) == 0) {
                *file = &m->files[i];
                *index = j;
                return true;
            }
        }
    }
    return false;
}

/* "\"a\", \"b\"" (each name once, as defined first), or "none"; cut to
 * fit bufsz. */
static void list_names(const struct merged *m, enum list_kind k, char *buf, size_t bufsz)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    const struct ebb__kc_file *f;
    size_t i, j, at;

    for (i = 0; i < m->n; i++) {
        for (j = 0; j < entry_count(&m->files[i], k); j++) {
            const char *name = entry_name(&m->files[i], k, j);
            if (find(m, k, name, &f, &at) && f == &m->files[i] && at == j)
                ebb_strbuf_addf(&sb, "%s\"%s\"", sb.len ? ", " : "", name);
        }
    }
    if (sb.len >= bufsz && bufsz > 4)
        snprintf(buf, bufsz, "%.*s...", (int)(bufsz - 4), sb.buf);
    else
        snprintf(buf, bufsz, "%s", sb.len ? sb.buf : "none");
    ebb_strbuf_release(&sb);
}

static bool has_pem_block(const char *data, size_t len)
{
    static const char marker[] = "-----BEGIN ";
    size_t i, n = sizeof(marker) - 1;
    for (i = 0; i + n <= len; i++)
        if (memcmp(data + i, marker, n) == 0)
            return true;
    return false;
}

/* Whether path can be opened for reading; *msg says why not. */
static bool can_read(const char *path, const char **msg)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    bool ok = true;

    if (fd < 0) {
        *msg = strerror(errno);
        return false;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        *msg = "is a directory";
        ok = false;
    }
    close(fd);
    return ok;
}

/* Reads a whole file into a malloc'd, NUL-terminated buffer. *errnum is
 * set on EBB_ERR_IO (EFBIG when larger than max). */
static enum ebb_rc read_file(const char *path, size_t max, char **data, size_t *len, int *errnum)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    char chunk[8192];
    struct stat st;
    enum ebb_rc rc = EBB_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *data = NULL;
    *len = 0;
    *errnum = 0;
    if (fd < 0) {
        *errnum = errno;
        return EBB_ERR_IO;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        *errnum = EISDIR;
        rc = EBB_ERR_IO;
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *errnum = errno;
            rc = EBB_ERR_IO;
            goto out;
        }
        if (n == 0)
            break;
        if (sb.len + (size_t)n > max) {
            *errnum = EFBIG;
            rc = EBB_ERR_IO;
            goto out;
        }
        ebb_strbuf_add(&sb, chunk, (size_t)n);
    }
    if ((rc = ebb_strbuf_rc(&sb)))
        goto out;
    *len = sb.len;
    *data = ebb_strbuf_detach(&sb, NULL);
    if (*data == NULL)
        *data = calloc(1, 1);
    if (*data == NULL)
        rc = EBB_ERR_NOMEM;
out:
    ebb_strbuf_release(&sb);
    close(fd);
    return rc;
}

static enum ebb_rc dup_str(char **dst, const char *s)
{
    *dst = NULL;
    if (s == NULL)
        return EBB_OK;
    *dst = strdup(s);
    return *dst ? EBB_OK : EBB_ERR_NOMEM;
}

static enum ebb_rc dup_data(char **dst, size_t *dst_len, const char *s, size_t len)
{
    *dst = NULL;
    *dst_len = 0;
    if (s == NULL)
        return EBB_OK;
    *dst = malloc(len + 1);
    if (*dst == NULL)
        return EBB_ERR_NOMEM;
    memcpy(*dst, s, len);
    (*dst)[len] = '\0';
    *dst_len = len;
    return EBB_OK;
}

/* url for a message: the password of its userinfo (https://user:pass@host)
 * replaced by "***", as Go's url.Redacted(), so that it never reaches a log. */
static const char *redacted_url(const char *url, char *buf, size_t bufsz)
{
    const char *sep = strstr(url, "://");
    const char *auth = sep ? sep + 3 : url;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL, *colon, *p;

    for (p = auth; p < auth + alen; p++)
        if (*p == '@')
            at = p;
    colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon == NULL)
        snprintf(buf, bufsz, "%s", url);
    else
        snprintf(buf, bufsz, "%.*s***%s", (int)(colon + 1 - url), url, at);
    return buf;
}

/* The server URL as client-go reads it (rest.DefaultServerURL): a URL with
 * a scheme, or host:port to which https:// is added when TLS is configured
 * (http:// otherwise); a path is kept as a prefix (Rancher), query and
 * fragment are dropped, and so is a trailing '/'. */
static enum ebb_rc normalize_server(const char *server, bool tls, char **out, const char **why)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    const char *sep = strstr(server, "://");
    const char *host, *end, *p;
    enum ebb_rc rc = EBB_OK;

    *out = NULL;
    for (p = server; *p; p++) {
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
            *why = "contains a space or a control character";
            return EBB_ERR_INVALID;
        }
    }
    if (sep) {
        size_t n = (size_t)(sep - server);
        if (n == 5 && strncasecmp(server, "https", 5) == 0)
            ebb_strbuf_adds(&sb, "https://");
        else if (n == 4 && strncasecmp(server, "http", 4) == 0)
            ebb_strbuf_adds(&sb, "http://");
        else {
            *why = "has a scheme other than https:// or http://";
            return EBB_ERR_INVALID;
        }
        host = sep + 3;
    } else {
        ebb_strbuf_adds(&sb, tls ? "https://" : "http://");
        host = server;
    }
    end = host + strcspn(host, "/?#");
    if (end == host) {
        *why = "has no host; want https://host:port";
        rc = EBB_ERR_INVALID;
        goto out;
    }
    ebb_strbuf_add(&sb, host, (size_t)(end - host));
    p = end + strcspn(end, "?#");
    if (!sep && p > end && !(p == end + 1 && *end == '/')) {
        *why = "must be a URL (https://host:port/path) or host:port";
        rc = EBB_ERR_INVALID;
        goto out;
    }
    while (p > end && p[-1] == '/')
        p--;
    ebb_strbuf_add(&sb, end, (size_t)(p - end));
    if ((rc = ebb_strbuf_rc(&sb)))
        goto out;
    *out = ebb_strbuf_detach(&sb, NULL);
    if (*out == NULL)
        rc = EBB_ERR_NOMEM;
out:
    ebb_strbuf_release(&sb);
    return rc;
}

static enum ebb_rc check_cluster(const struct ebb__kc_cluster *cl, struct ebb_strbuf *warn,
                                 char *err, size_t errsz)
{
    const char *file = cl->file->path, *why;
    size_t i = cl->index;

    if (cl->server == NULL)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: clusters[%zu].cluster.server: missing; set it to the API server's URL "
                        "(https://host:port)",
                        file, i);
    if (cl->proxy_url)
        return ebb_errf(
            err, errsz, EBB_ERR_INVALID,
            "%s: clusters[%zu].cluster.proxy-url: not supported; remove it (ebb connects "
            "to the server directly)",
            file, i);
    if (cl->ca_file && cl->ca_data)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: clusters[%zu].cluster: both certificate-authority and "
                        "certificate-authority-data are set; keep one",
                        file, i);
    if (cl->insecure && (cl->ca_file || cl->ca_data))
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: clusters[%zu].cluster: insecure-skip-tls-verify is true and a "
                        "certificate authority is set; keep one",
                        file, i);
    if (cl->ca_file && !can_read(cl->ca_file, &why))
        return ebb_errf(err, errsz, EBB_ERR_IO,
                        "%s: clusters[%zu].cluster.certificate-authority: file %s: %s", file, i,
                        cl->ca_file, why);
    if (cl->ca_data && !has_pem_block(cl->ca_data, cl->ca_data_len))
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: clusters[%zu].cluster.certificate-authority-data: no PEM block "
                        "(-----BEGIN ...) in the %zu decoded bytes; it must be the base64 of a PEM "
                        "file",
                        file, i, cl->ca_data_len);
    if (cl->insecure)
        ebb_strbuf_addf(warn,
                        "%s: clusters[%zu].cluster.insecure-skip-tls-verify is true: the "
                        "server's certificate is not verified\n",
                        file, i);
    return EBB_OK;
}

static enum ebb_rc check_exec(const struct ebb__kc_user *u, char *err, size_t errsz)
{
    static const char *const modes[] = {"Never", "IfAvailable", "Always"};
    const char *file = u->file->path;
    size_t i = u->index, k;

    if (u->exec_command == NULL)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: users[%zu].user.exec.command: missing; name the credential plugin",
                        file, i);
    if (u->exec_api_version == NULL)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: users[%zu].user.exec.apiVersion: missing; use %s or %s", file, i,
                        EXEC_V1, EXEC_V1BETA1);
    if (strcmp(u->exec_api_version, EXEC_V1) != 0 && strcmp(u->exec_api_version, EXEC_V1BETA1))
        return ebb_errf(
            err, errsz, EBB_ERR_INVALID,
            "%s: users[%zu].user.exec.apiVersion: \"%s\" is not supported; use %s or %s", file, i,
            u->exec_api_version, EXEC_V1, EXEC_V1BETA1);
    if (u->exec_interactive_mode == NULL) {
        /* clientcmd defaults it to IfAvailable for v1beta1 only. */
        if (strcmp(u->exec_api_version, EXEC_V1) == 0)
            return ebb_errf(err, errsz, EBB_ERR_INVALID,
                            "%s: users[%zu].user.exec.interactiveMode: required with %s; use Never "
                            "(ebb never runs a plugin interactively)",
                            file, i, EXEC_V1);
        return EBB_OK;
    }
    for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++)
        if (strcmp(u->exec_interactive_mode, modes[k]) == 0)
            return EBB_OK;
    return ebb_errf(err, errsz, EBB_ERR_INVALID,
                    "%s: users[%zu].user.exec.interactiveMode: \"%s\" is not one of Never, "
                    "IfAvailable, Always",
                    file, i, u->exec_interactive_mode);
}

static enum ebb_rc check_user(const struct ebb__kc_user *u, char *err, size_t errsz)
{
    const char *file = u->file->path, *why;
    size_t i = u->index;
    bool cert = u->cert_file || u->cert_data, key = u->key_file || u->key_data;

    if (u->unsupported && strcmp(u->unsupported, "auth-provider") == 0)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: users[%zu].user.auth-provider: not supported; use an exec credential "
                        "plugin (exec) instead",
                        file, i);
    if (u->unsupported)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: users[%zu].user.%s: impersonation is not supported; remove it", file,
                        i, u->unsupported);
    if (u->token && (u->username || u->password))
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: users[%zu].user: more than one authentication method (token and "
                        "username/password); keep one",
                        file, i);
    if (u->cert_file && u->cert_data)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: users[%zu].user: both client-certificate and client-certificate-data "
                        "are set; keep one",
                        file, i);
    if (u->key_file && u->key_data)
        return ebb_errf(
            err, errsz, EBB_ERR_INVALID,
            "%s: users[%zu].user: both client-key and client-key-data are set; keep one", file, i);
    if (cert && !key)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: users[%zu].user: %s is set without client-key or client-key-data",
                        file, i, u->cert_file ? "client-certificate" : "client-certificate-data");
    if (key && !cert)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: users[%zu].user: %s is set without client-certificate or "
                        "client-certificate-data",
                        file, i, u->key_file ? "client-key" : "client-key-data");
    if (u->cert_file && !can_read(u->cert_file, &why))
        return ebb_errf(err, errsz, EBB_ERR_IO,
                        "%s: users[%zu].user.client-certificate: file %s: %s", file, i,
                        u->cert_file, why);
    if (u->key_file && !can_read(u->key_file, &why))
        return ebb_errf(err, errsz, EBB_ERR_IO, "%s: users[%zu].user.client-key: file %s: %s", file,
                        i, u->key_file, why);
    if (u->cert_data && !has_pem_block(u->cert_data, u->cert_data_len))
        return ebb_errf(
            err, errsz, EBB_ERR_INVALID,
            "%s: users[%zu].user.client-certificate-data: no PEM block (-----BEGIN ...) "
            "in the %zu decoded bytes; it must be the base64 of a PEM file",
            file, i, u->cert_data_len);
    if (u->key_data && !has_pem_block(u->key_data, u->key_data_len))
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: users[%zu].user.client-key-data: no PEM block (-----BEGIN ...) in the "
                        "%zu decoded bytes; it must be the base64 of a PEM file",
                        file, i, u->key_data_len);
    /* client-go reads tokenFile only when there is no token. */
    if (u->token_file && !u->token && !can_read(u->token_file, &why))
        return ebb_errf(err, errsz, EBB_ERR_IO, "%s: users[%zu].user.tokenFile: file %s: %s", file,
                        i, u->token_file, why);
    if (u->has_exec)
        return check_exec(u, err, errsz);
    return EBB_OK;
}

static enum ebb_rc copy_user(const struct ebb__kc_user *u, struct ebb_kube_config *out)
{
    enum ebb_rc rc;
    size_t i;

    if ((rc = dup_str(&out->token, u->token)) || (rc = dup_str(&out->token_file, u->token_file)) ||
        (rc = dup_str(&out->client_cert_file, u->cert_file)) ||
        (rc = dup_data(&out->client_cert_data, &out->client_cert_data_len, u->cert_data,
                       u->cert_data_len)) ||
        (rc = dup_str(&out->client_key_file, u->key_file)) ||
        (rc = dup_data(&out->client_key_data, &out->client_key_data_len, u->key_data,
                       u->key_data_len)) ||
        (rc = dup_str(&out->username, u->username)) || (rc = dup_str(&out->password, u->password)))
        return rc;
    if (!u->has_exec)
        return EBB_OK;
    out->has_exec = true;
    out->exec.provide_cluster_info = u->exec_provide_cluster_info;
    if ((rc = dup_str(&out->exec.command, u->exec_command)) ||
        (rc = dup_str(&out->exec.api_version, u->exec_api_version)) ||
        (rc = dup_str(&out->exec.install_hint, u->exec_install_hint)))
        return rc;
    if (u->n_exec_args) {
        out->exec.args = calloc(u->n_exec_args, sizeof(*out->exec.args));
        if (out->exec.args == NULL)
            return EBB_ERR_NOMEM;
        out->exec.n_args = u->n_exec_args;
        for (i = 0; i < u->n_exec_args; i++)
            if ((rc = dup_str(&out->exec.args[i], u->exec_args[i])))
                return rc;
    }
    if (u->n_exec_env) {
        out->exec.env = calloc(u->n_exec_env, sizeof(*out->exec.env));
        if (out->exec.env == NULL)
            return EBB_ERR_NOMEM;
        out->exec.n_env = u->n_exec_env;
        for (i = 0; i < u->n_exec_env; i++)
            if ((rc = dup_str(&out->exec.env[i].name, u->exec_env[i].name)) ||
                (rc = dup_str(&out->exec.env[i].value, u->exec_env[i].value)))
                return rc;
    }
    return EBB_OK;
}

/* Picks the context and fills out; out is released by the caller on error. */
static enum ebb_rc resolve(const struct merged *m, const char *context, struct ebb_kube_config *out,
                           struct ebb_strbuf *warn, char *err, size_t errsz)
{
    char names[512];
    const struct ebb__kc_file *f;
    const struct ebb__kc_context *x;
    const struct ebb__kc_cluster *cl;
    const struct ebb__kc_user *u = NULL;
    size_t at;
    const char *why = NULL;
    bool tls;
    enum ebb_rc rc;
    char shown[1024];

    if (context == NULL) {
        list_names(m, L_CONTEXTS, names, sizeof(names));
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: current-context is not set; pass --context (contexts: %s)", m->source,
                        names);
    }
    if (!find(m, L_CONTEXTS, context, &f, &at)) {
        list_names(m, L_CONTEXTS, names, sizeof(names));
        if (m->current_context == context)
            return ebb_errf(err, errsz, EBB_ERR_NOTFOUND,
                            "%s: current-context: context \"%s\" is not defined (contexts: %s)",
                            m->current_context_file->path, context, names);
        return ebb_errf(err, errsz, EBB_ERR_NOTFOUND,
                        "--context: context \"%s\" is not defined in %s (contexts: %s)", context,
                        m->source, names);
    }
    x = &f->contexts[at];
    if (x->cluster == NULL)
        return ebb_errf(err, errsz, EBB_ERR_INVALID,
                        "%s: contexts[%zu].context.cluster: missing; name one of the clusters",
                        f->path, at);
    if (!find(m, L_CLUSTERS, x->cluster, &f, &at)) {
        list_names(m, L_CLUSTERS, names, sizeof(names));
        return ebb_errf(err, errsz, EBB_ERR_NOTFOUND,
                        "%s: contexts[%zu].context.cluster: cluster \"%s\" is not defined "
                        "(clusters: %s)",
                        x->file->path, x->index, x->cluster, names);
    }
    cl = &f->clusters[at];
    if (x->user) {
        if (!find(m, L_USERS, x->user, &f, &at)) {
            list_names(m, L_USERS, names, sizeof(names));
            return ebb_errf(
                err, errsz, EBB_ERR_NOTFOUND,
                "%s: contexts[%zu].context.user: user \"%s\" is not defined (users: %s)",
                x->file->path, x->index, x->user, names);
        }
        u = &f->users[at];
    }
    if ((rc = check_cluster(cl, warn, err, errsz)))
        return rc;
    if (u && (rc = check_user(u, err, errsz)))
        return rc;

    /* client-go's defaultServerUrlFor: a CA, a client certificate or
     * insecure-skip-tls-verify make a bare host:port https. */
    tls = cl->ca_file || cl->ca_data || cl->insecure || (u && (u->cert_file || u->cert_data));
    rc = normalize_server(cl->server, tls, &out->server, &why);
    if (rc == EBB_ERR_INVALID)
        return ebb_errf(err, errsz, rc, "%s: clusters[%zu].cluster.server: \"%s\" %s",
                        cl->file->path, cl->index, redacted_url(cl->server, shown, sizeof(shown)),
                        why);
    if (rc)
        return rc;

    out->insecure_skip_tls_verify = cl->insecure;
    if ((rc = dup_str(&out->source, m->source)) || (rc = dup_str(&out->context, context)) ||
        (rc = dup_str(&out->ca_file, cl->ca_file)) ||
        (rc = dup_data(&out->ca_data, &out->ca_data_len, cl->ca_data, cl->ca_data_len)) ||
        (rc = dup_str(&out->tls_server_name, cl->tls_server_name)) ||
        (rc = dup_str(&out->namespace_, x->namespace_ ? x->namespace_ : "default")))
        return rc;
    if (u == NULL)
        return EBB_OK;
    /* client-go sends the user's credentials only over TLS
     * (IsConfigTransportTLS): never when the final scheme is http, be it
     * written (http://) or chosen for a bare host:port without TLS settings. */
    if (strncmp(out->server, "https://", 8) != 0) {
        if (u->token || u->token_file || u->cert_file || u->cert_data || u->username ||
            u->password || u->has_exec)
            ebb_strbuf_addf(warn,
                            "%s: users[%zu].user: credentials are not sent to server \"%s\"; "
                            "write it as https://\n",
                            u->file->path, u->index,
                            redacted_url(cl->server, shown, sizeof(shown)));
        return EBB_OK;
    }
    return copy_user(u, out);
}

static enum ebb_rc finish(enum ebb_rc rc, struct ebb_strbuf *warn, struct ebb_kube_config *out)
{
    if (rc == EBB_OK && warn->len) {
        warn->buf[--warn->len] = '\0'; /* the last '\n' */
        out->warning = ebb_strbuf_detach(warn, NULL);
        if (out->warning == NULL)
            rc = EBB_ERR_NOMEM;
    }
    if (rc == EBB_OK)
        rc = ebb_strbuf_rc(warn);
    ebb_strbuf_release(warn);
    if (rc)
        ebb_kube_config_release(out);
    return rc;
}

enum ebb_rc ebb_kube_config_parse(const char *text, size_t len, const char *file,
                                  const char *context, struct ebb_kube_config *out, char *err,
                                  size_t errsz)
{
    struct ebb_arena a = EBB_ARENA_INIT;
    struct ebb_strbuf warn = EBB_STRBUF_INIT;
    struct ebb__kc_file f;
    struct merged m = {&f, 1, NULL, NULL, NULL};
    enum ebb_rc rc;

    memset(out, 0, sizeof(*out));
    if (errsz)
        err[0] = '\0';
    rc = ebb__kc_parse(&a, text, len, file, &f, err, errsz);
    if (rc)
        goto out;
    m.source = f.path;
    m.current_context = f.current_context;
    m.current_context_file = &f;
    rc = resolve(&m, context && context[0] ? context : f.current_context, out, &warn, err, errsz);
    if (rc == EBB_ERR_NOMEM)
        ebb_errf(err, errsz, rc, "%s: out of memory", f.path);
out:
    rc = finish(rc, &warn, out);
    ebb_arena_release(&a);
    return rc;
}

static enum ebb_rc join_path(char **dst, const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    *dst = malloc(n);
    if (*dst == NULL)
        return EBB_ERR_NOMEM;
    snprintf(*dst, n, "%s/%s", dir, name);
    return EBB_OK;
}

/* rest.InClusterConfig, with client-go's namespace rule. */
static enum ebb_rc in_cluster(const struct ebb_kube_env *env, struct ebb_kube_config *out,
                              struct ebb_strbuf *warn, char *err, size_t errsz)
{
    const char *dir = env->sa_dir && env->sa_dir[0] ? env->sa_dir : DEFAULT_SA_DIR;
    char *ca = NULL, *ns_path = NULL, *ns = NULL;
    const char *why;
    size_t len;
    int errnum;
    enum ebb_rc rc;
    struct ebb_strbuf sb = EBB_STRBUF_INIT;

    if ((rc = join_path(&out->token_file, dir, "token")) || (rc = join_path(&ca, dir, "ca.crt")) ||
        (rc = join_path(&ns_path, dir, "namespace")))
        goto out;
    if (!can_read(out->token_file, &why)) {
        rc = ebb_errf(err, errsz, EBB_ERR_IO,
                      "in-cluster (KUBERNETES_SERVICE_HOST is set): service account token %s: %s",
                      out->token_file, why);
        goto out;
    }
    /* net.JoinHostPort: an IPv6 literal goes in brackets. */
    ebb_strbuf_addf(&sb, strchr(env->service_host, ':') ? "https://[%s]:%s" : "https://%s:%s",
                    env->service_host, env->service_port);
    if ((rc = ebb_strbuf_rc(&sb)))
        goto out;
    out->server = ebb_strbuf_detach(&sb, NULL);
    if (can_read(ca, &why)) {
        out->ca_file = ca;
        ca = NULL;
    } else {
        ebb_strbuf_addf(warn,
                        "in-cluster: %s: %s; the server is verified against the system's "
                        "certificate authorities\n",
                        ca, why);
    }
    if (read_file(ns_path, MAX_NAMESPACE_FILE, &ns, &len, &errnum) == EBB_OK) {
        char *s = ns, *e = ns + len;
        while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
            e--;
        *e = '\0';
        if (*s && (rc = dup_str(&out->namespace_, s)))
            goto out;
    }
    if ((rc = dup_str(&out->source, "in-cluster")) || (rc = dup_str(&out->context, "")))
        goto out;
    if (out->namespace_ == NULL && (rc = dup_str(&out->namespace_, "default")))
        goto out;
    out->in_cluster = true;
out:
    ebb_strbuf_release(&sb);
    free(ca);
    free(ns_path);
    free(ns);
    return rc;
}

/* The files to read, as clientcmd's loading rules: --kubeconfig alone,
 * else $KUBECONFIG split on ':' (empty entries and repeats dropped), else
 * ~/.kube/config. The strings point into *buf. */
static enum ebb_rc file_list(const char *path, const struct ebb_kube_env *env, char **buf,
                             const char ***list, size_t *n)
{
    size_t cap = 1, i;
    char *s, *p;

    *buf = NULL;
    *list = NULL;
    *n = 0;
    if (path && path[0])
        *buf = strdup(path);
    else if (env->kubeconfig && env->kubeconfig[0])
        *buf = strdup(env->kubeconfig);
    else if (env->home && env->home[0]) {
        size_t len = strlen(env->home) + sizeof("/.kube/config");
        *buf = malloc(len);
        if (*buf)
            snprintf(*buf, len, "%s/.kube/config", env->home);
    } else
        return EBB_OK;
    if (*buf == NULL)
        return EBB_ERR_NOMEM;
    if (!(path && path[0]) && env->kubeconfig && env->kubeconfig[0])
        for (s = *buf; *s; s++)
            cap += *s == ':';
    *list = calloc(cap, sizeof(**list));
    if (*list == NULL)
        return EBB_ERR_NOMEM;
    if (cap == 1) {
        (*list)[(*n)++] = *buf;
        return EBB_OK;
    }
    for (s = *buf; s; s = p) {
        p = strchr(s, ':');
        if (p)
            *p++ = '\0';
        if (s[0] == '\0')
            continue;
        for (i = 0; i < *n && strcmp((*list)[i], s) != 0; i++)
            ;
        if (i == *n)
            (*list)[(*n)++] = s;
    }
    return EBB_OK;
}

enum ebb_rc ebb_kube_config_load(const char *path, const char *context,
                                 const struct ebb_kube_env *env, struct ebb_kube_config *out,
                                 char *err, size_t errsz)
{
    struct ebb_arena a = EBB_ARENA_INIT;
    struct ebb_strbuf warn = EBB_STRBUF_INIT, source = EBB_STRBUF_INIT, missing = EBB_STRBUF_INIT;
    struct merged m = {NULL, 0, NULL, NULL, NULL};
    char *buf = NULL, *text = NULL;
    const char **list = NULL;
    size_t n_list = 0, i, len;
    bool explicit = path && path[0];
    bool has_context = context && context[0];
    bool cluster_env =
        env->service_host && env->service_host[0] && env->service_port && env->service_port[0];
    int errnum;
    enum ebb_rc rc;

    memset(out, 0, sizeof(*out));
    if (errsz)
        err[0] = '\0';
    if ((rc = file_list(path, env, &buf, &list, &n_list)))
        goto out;
    if (n_list) {
        m.files = ebb_arena_calloc(&a, n_list, sizeof(*m.files));
        if (m.files == NULL) {
            rc = EBB_ERR_NOMEM;
            goto out;
        }
    }
    for (i = 0; i < n_list; i++) {
        rc = read_file(list[i], MAX_FILE_SIZE, &text, &len, &errnum);
        if (rc == EBB_ERR_IO && errnum == ENOENT && !explicit) {
            ebb_strbuf_addf(&missing, "%s%s", missing.len ? ", " : "", list[i]);
            rc = EBB_OK;
            continue;
        }
        if (rc == EBB_ERR_IO) {
            ebb_errf(err, errsz, rc, "%s%s: %s", explicit ? "--kubeconfig " : "", list[i],
                     errnum == EFBIG ? "larger than 16 MiB" : strerror(errnum));
            goto out;
        }
        if (rc)
            goto out;
        rc = ebb__kc_parse(&a, text, len, list[i], &m.files[m.n], err, errsz);
        free(text);
        text = NULL;
        if (rc)
            goto out;
        if (m.current_context == NULL && m.files[m.n].current_context) {
            m.current_context = m.files[m.n].current_context;
            m.current_context_file = &m.files[m.n];
        }
        ebb_strbuf_addf(&source, "%s%s", source.len ? ":" : "", list[i]);
        m.n++;
    }
    if ((rc = ebb_strbuf_rc(&source)) || (rc = ebb_strbuf_rc(&missing)))
        goto out;
    m.source = source.buf;

    /* clientcmd falls back to the in-cluster configuration when the
     * kubeconfig is empty: no file, or no context to use. */
    if (!has_context && (m.n == 0 || m.current_context == NULL) && cluster_env) {
        /* As clientcmd, which warns only about KUBECONFIG: a pod has no
         * ~/.kube/config, and that is normal. */
        if (m.n == 0 && missing.len && !explicit && env->kubeconfig && env->kubeconfig[0])
            ebb_strbuf_addf(&warn, "%s: not found; using the in-cluster configuration\n",
                            missing.buf);
        rc = in_cluster(env, out, &warn, err, errsz);
        goto out;
    }
    if (m.n == 0) {
        const char *what = missing.len ? missing.buf : "neither KUBECONFIG nor HOME is set";
        rc = ebb_errf(err, errsz, EBB_ERR_NOTFOUND,
                      "no kubeconfig: %s%s, and not in a cluster (KUBERNETES_SERVICE_HOST and "
                      "KUBERNETES_SERVICE_PORT are not set); pass --kubeconfig",
                      what, missing.len ? ": not found" : "");
        goto out;
    }
    rc = resolve(&m, has_context ? context : m.current_context, out, &warn, err, errsz);
out:
    if (rc == EBB_ERR_NOMEM)
        ebb_errf(err, errsz, rc, "kubeconfig: out of memory");
    rc = finish(rc, &warn, out);
    ebb_strbuf_release(&source);
    ebb_strbuf_release(&missing);
    ebb_arena_release(&a);
    free(text);
    free(list);
    free(buf);
    return rc;
}

void ebb_kube_env_from_process(struct ebb_kube_env *env)
{
    env->kubeconfig = getenv("KUBECONFIG");
    env->home = getenv("HOME");
    env->service_host = getenv("KUBERNETES_SERVICE_HOST");
    env->service_port = getenv("KUBERNETES_SERVICE_PORT");
    env->sa_dir = NULL;
}

void ebb_kube_config_release(struct ebb_kube_config *c)
{
    size_t i;

    if (c == NULL)
        return;
    free(c->source);
    free(c->context);
    free(c->server);
    free(c->ca_file);
    free(c->ca_data);
    free(c->tls_server_name);
    free(c->token);
    free(c->token_file);
    free(c->client_cert_file);
    free(c->client_cert_data);
    free(c->client_key_file);
    free(c->client_key_data);
    free(c->username);
    free(c->password);
    free(c->exec.command);
    for (i = 0; i < c->exec.n_args; i++)
        free(c->exec.args[i]);
    free(c->exec.args);
    for (i = 0; i < c->exec.n_env; i++) {
        free(c->exec.env[i].name);
        free(c->exec.env[i].value);
    }
    free(c->exec.env);
    free(c->exec.api_version);
    free(c->exec.install_hint);
    free(c->namespace_);
    free(c->warning);
    memset(c, 0, sizeof(*c));
}
