/* kubeconfig_resolve.c -- the context in use, checked and resolved into
 * an ebb_kube_config: its cluster and user, with the rules of client-go's
 * clientcmd (client_config.go, validation.go).
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
#include "kubeconfig_resolve_internal.h"
#include "../base/msg.h"

#define EXEC_V1 "client.authentication.k8s.io/v1"
#define EXEC_V1BETA1 "client.authentication.k8s.io/v1beta1"

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
static bool find(const struct ebb__kc_merged *m, enum list_kind k, const char *name,
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
static void list_names(const struct ebb__kc_merged *m, enum list_kind k, char *buf, size_t bufsz)
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
    if (cl->ca_file && !ebb__kc_can_read(cl->ca_file, &why))
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
    if (u->cert_file && !ebb__kc_can_read(u->cert_file, &why))
        return ebb_errf(err, errsz, EBB_ERR_IO,
                        "%s: users[%zu].user.client-certificate: file %s: %s", file, i,
                        u->cert_file, why);
    if (u->key_file && !ebb__kc_can_read(u->key_file, &why))
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
    if (u->token_file && !u->token && !ebb__kc_can_read(u->token_file, &why))
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

    if ((rc = ebb__kc_dup_str(&out->token, u->token)) ||
        (rc = ebb__kc_dup_str(&out->token_file, u->token_file)) ||
        (rc = ebb__kc_dup_str(&out->client_cert_file, u->cert_file)) ||
        (rc = ebb__kc_dup_data(&out->client_cert_data, &out->client_cert_data_len, u->cert_data,
                               u->cert_data_len)) ||
        (rc = ebb__kc_dup_str(&out->client_key_file, u->key_file)) ||
        (rc = ebb__kc_dup_data(&out->client_key_data, &out->client_key_data_len, u->key_data,
                               u->key_data_len)) ||
        (rc = ebb__kc_dup_str(&out->username, u->username)) ||
        (rc = ebb__kc_dup_str(&out->password, u->password)))
        return rc;
    if (!u->has_exec)
        return EBB_OK;
    out->has_exec = true;
    out->exec.provide_cluster_info = u->exec_provide_cluster_info;
    if ((rc = ebb__kc_dup_str(&out->exec.command, u->exec_command)) ||
        (rc = ebb__kc_dup_str(&out->exec.api_version, u->exec_api_version)) ||
        (rc = ebb__kc_dup_str(&out->exec.install_hint, u->exec_install_hint)))
        return rc;
    if (u->n_exec_args) {
        out->exec.args = calloc(u->n_exec_args, sizeof(*out->exec.args));
        if (out->exec.args == NULL)
            return EBB_ERR_NOMEM;
        out->exec.n_args = u->n_exec_args;
        for (i = 0; i < u->n_exec_args; i++)
            if ((rc = ebb__kc_dup_str(&out->exec.args[i], u->exec_args[i])))
                return rc;
    }
    if (u->n_exec_env) {
        out->exec.env = calloc(u->n_exec_env, sizeof(*out->exec.env));
        if (out->exec.env == NULL)
            return EBB_ERR_NOMEM;
        out->exec.n_env = u->n_exec_env;
        for (i = 0; i < u->n_exec_env; i++)
            if ((rc = ebb__kc_dup_str(&out->exec.env[i].name, u->exec_env[i].name)) ||
                (rc = ebb__kc_dup_str(&out->exec.env[i].value, u->exec_env[i].value)))
                return rc;
    }
    return EBB_OK;
}

/* Picks the context and fills out; out is released by the caller on error. */
enum ebb_rc ebb__kc_resolve(const struct ebb__kc_merged *m, const char *context,
                            struct ebb_kube_config *out, struct ebb_strbuf *warn, char *err,
                            size_t errsz)
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
    if ((rc = ebb__kc_dup_str(&out->source, m->source)) ||
        (rc = ebb__kc_dup_str(&out->context, context)) ||
        (rc = ebb__kc_dup_str(&out->ca_file, cl->ca_file)) ||
        (rc = ebb__kc_dup_data(&out->ca_data, &out->ca_data_len, cl->ca_data, cl->ca_data_len)) ||
        (rc = ebb__kc_dup_str(&out->tls_server_name, cl->tls_server_name)) ||
        (rc = ebb__kc_dup_str(&out->namespace_, x->namespace_ ? x->namespace_ : "default")))
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
