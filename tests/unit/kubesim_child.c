/* kubesim_child.c -- the real kubesim binary as a child process (see kubesim_child.h). */
#include "kubesim_child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KSC_MAX_FLAGS 32

static void ksc_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

const char *ebbt_kubesim_file(const struct ebbt_kubesim *ks, const char *name, char *buf,
                              size_t bufsz)
{
    snprintf(buf, bufsz, "%s/%s", ks->dir, name);
    return buf;
}

/* $KUBESIM, else BUILD/kubesim next to this program's BUILD/tests/, else build/kubesim. */
static void ksc_binary(char *out, size_t outsz)
{
    const char *env = getenv("KUBESIM");
    if (env && *env) {
        snprintf(out, outsz, "%s", env);
        return;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/'); /* BUILD/tests/prog */
        if (slash) {
            *slash = '\0';
            slash = strrchr(self, '/'); /* BUILD/tests */
            if (slash && strcmp(slash, "/tests") == 0) {
                *slash = '\0';
                snprintf(out, outsz, "%s/kubesim", self);
                if (access(out, X_OK) == 0)
                    return;
            }
        }
    }
    snprintf(out, outsz, "build/kubesim");
}

/* The last bytes of DIR/kubesim.log, for error messages. */
static void ksc_log_tail(const struct ebbt_kubesim *ks, char *buf, size_t bufsz)
{
    char path[512];
    buf[0] = '\0';
    FILE *f = fopen(ebbt_kubesim_file(ks, "kubesim.log", path, sizeof(path)), "r");
    if (!f)
        return;
    if (fseek(f, 0, SEEK_END) == 0) {
        long sz = ftell(f);
        long from = sz > (long)bufsz - 1 ? sz - (long)bufsz + 1 : 0;
        if (fseek(f, from, SEEK_SET) == 0) {
            size_t got = fread(buf, 1, bufsz - 1, f);
            buf[got] = '\0';
        }
    }
    fclose(f);
}

static int ksc_read_port(const struct ebbt_kubesim *ks)
{
    char path[512], line[32];
    FILE *f = fopen(ebbt_kubesim_file(ks, "port", path, sizeof(path)), "r");
    if (!f)
        return 0;
    int port = 0;
    if (fgets(line, sizeof(line), f) && strchr(line, '\n'))
        port = atoi(line);
    fclose(f);
    return port > 0 && port < 65536 ? port : 0;
}

static void ksc_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            ksc_rmdir(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

int ebbt_kubesim_start(struct ebbt_kubesim *ks, const char *const *flags, int timeout_ms, char *err,
                       size_t errsz)
{
    memset(ks, 0, sizeof(*ks));
    ksc_binary(ks->bin, sizeof(ks->bin));
    if (access(ks->bin, X_OK) != 0) {
        snprintf(err, errsz, "%s: %s (build it, or set KUBESIM)", ks->bin, strerror(errno));
        return -1;
    }
    char abs[PATH_MAX]; /* it runs from another folder */
    if (realpath(ks->bin, abs))
        snprintf(ks->bin, sizeof(ks->bin), "%s", abs);
    const char *tmp = getenv("TMPDIR");
    snprintf(ks->dir, sizeof(ks->dir), "%s/ebb-kubesim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(ks->dir)) {
        snprintf(err, errsz, "mkdtemp %s: %s", ks->dir, strerror(errno));
        ks->dir[0] = '\0';
        return -1;
    }
    const char *argv[KSC_MAX_FLAGS + 4];
    size_t n = 0;
    argv[n++] = ks->bin;
    argv[n++] = "--dir";
    argv[n++] = ks->dir;
    for (size_t i = 0; flags && flags[i] && n < KSC_MAX_FLAGS + 3; i++)
        argv[n++] = flags[i];
    argv[n] = NULL;

    char logpath[512];
    ebbt_kubesim_file(ks, "kubesim.log", logpath, sizeof(logpath));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errsz, "fork: %s", strerror(errno));
        ksc_rmdir(ks->dir);
        return -1;
    }
    if (pid == 0) {
        /* An empty working folder of its own inside DIR: a relative path
         * kubesim writes by mistake lands there (and is removed with DIR),
         * never in the repository. */
        char cwd[512];
        ebbt_kubesim_file(ks, "cwd", cwd, sizeof(cwd));
        if (mkdir(cwd, 0700) != 0 || chdir(cwd) != 0)
            _exit(126);
        int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], (char *const *)argv);
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    ks->pid = pid;
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        if ((ks->port = ksc_read_port(ks)) > 0)
            return 0;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            char tail[400];
            ks->pid = 0;
            ksc_log_tail(ks, tail, sizeof(tail));
            snprintf(err, errsz, "%s exited (status %d) before serving: %s", ks->bin, status, tail);
            ksc_rmdir(ks->dir);
            return -1;
        }
        ksc_sleep_ms(10);
    }
    snprintf(err, errsz, "%s wrote no %s/port within %d ms", ks->bin, ks->dir, timeout_ms);
    ebbt_kubesim_stop(ks);
    return -1;
}

int ebbt_kubesim_stop(struct ebbt_kubesim *ks)
{
    int rc = 0;
    if (ks->pid > 0) {
        int status = 0;
        kill(ks->pid, SIGTERM);
        int waited = 0;
        while (waitpid(ks->pid, &status, WNOHANG) == 0) {
            if (waited >= 5000) {
                kill(ks->pid, SIGKILL);
                waitpid(ks->pid, &status, 0);
                break;
            }
            ksc_sleep_ms(10);
            waited += 10;
        }
        ks->pid = 0;
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (rc != 0) {
            char tail[2000];
            ksc_log_tail(ks, tail, sizeof(tail));
            fprintf(stderr, "kubesim exited with %d; its log ends:\n%s\n", rc, tail);
        }
    }
    if (ks->dir[0]) {
        ksc_rmdir(ks->dir);
        ks->dir[0] = '\0';
    }
    return rc;
}
