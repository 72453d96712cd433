/* exec_plugin.c -- running an exec credential plugin (client-go's
 * plugin/pkg/client/auth/exec): its environment and KUBERNETES_EXEC_INFO,
 * finding and starting the process, the non-blocking run the client's
 * loop steps, its synchronous form, and turning its answer into creds. */
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

#define EXEC_INFO_ENV "KUBERNETES_EXEC_INFO"
#define MAX_STDERR 4096 /* kept for the message; the rest is drained */
#define MAX_SHOWN 300   /* bytes of stderr shown in a message (never of stdout: the token) */

extern char **environ;

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
            rc = ebb__creds_slurp(cfg->ca_file, EBB__KUBE_MAX_CRED_FILE, &ca, &errnum);
            if (rc == EBB_ERR_IO)
                ebb_errf(err, errsz, rc, "provideClusterInfo: certificate-authority %s: %s",
                         cfg->ca_file, ebb__creds_errno_text(errnum));
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
    if ((rc = ebb__creds_set_field(c, &c->token, NULL, r.token, r.token ? strlen(r.token) : 0)) ||
        (rc = ebb__creds_set_field(c, &c->client_cert_pem, &c->client_cert_pem_len,
                                   r.client_cert_pem, r.client_cert_pem_len)) ||
        (rc = ebb__creds_set_field(c, &c->client_key_pem, &c->client_key_pem_len, r.client_key_pem,
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
enum ebb_rc ebb__exec_refresh(struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
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
