/* kubeconfig.c -- which files and which context: client-go's clientcmd
 * loading rules (loader.go: --kubeconfig, KUBECONFIG, ~/.kube/config,
 * first definition wins) and rest.InClusterConfig, plus releasing a
 * config. kubeconfig_parse.c reads each file; kubeconfig_resolve.c checks
 * the context in use and turns it into an ebb_kube_config.
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

#define DEFAULT_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define MAX_FILE_SIZE (16u << 20)
#define MAX_NAMESPACE_FILE 1024

/* Whether path can be opened for reading; *msg says why not. */
bool ebb__kc_can_read(const char *path, const char **msg)
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

enum ebb_rc ebb__kc_dup_str(char **dst, const char *s)
{
    *dst = NULL;
    if (s == NULL)
        return EBB_OK;
    *dst = strdup(s);
    return *dst ? EBB_OK : EBB_ERR_NOMEM;
}

enum ebb_rc ebb__kc_dup_data(char **dst, size_t *dst_len, const char *s, size_t len)
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
    struct ebb__kc_merged m = {&f, 1, NULL, NULL, NULL};
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
    rc = ebb__kc_resolve(&m, context && context[0] ? context : f.current_context, out, &warn, err,
                         errsz);
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
    if (!ebb__kc_can_read(out->token_file, &why)) {
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
    if (ebb__kc_can_read(ca, &why)) {
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
        if (*s && (rc = ebb__kc_dup_str(&out->namespace_, s)))
            goto out;
    }
    if ((rc = ebb__kc_dup_str(&out->source, "in-cluster")) ||
        (rc = ebb__kc_dup_str(&out->context, "")))
        goto out;
    if (out->namespace_ == NULL && (rc = ebb__kc_dup_str(&out->namespace_, "default")))
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
    struct ebb__kc_merged m = {NULL, 0, NULL, NULL, NULL};
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
    rc = ebb__kc_resolve(&m, has_context ? context : m.current_context, out, &warn, err, errsz);
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
