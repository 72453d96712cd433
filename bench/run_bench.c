/* run_bench.c -- what `ebb run` costs with 100, 1,000 and 10,000 policies.
 *
 * Runs the real binaries as children: kubesim (build/kubesim, $KUBESIM
 * overrides) in a fresh temporary --dir, and `ebb run` (build/ebb, $EBB
 * overrides) against its admin kubeconfig. Both are found next to this
 * program's bench/ directory, like bench/kubesim_bench.c. The CRD is
 * applied from crds/ebb.dev_scalingpolicies.yaml (run from the repository
 * root, as `make bench` does; $EBB_CRD overrides).
 *
 * Steady state, for each N in $RUN_BENCH_SIZES (default 100,1000 -- 10000 is possible;
 * "none" runs only the latency part):
 * N Deployments (1 replica, CPU request 100m, constant load 30 requests/s
 * = 32% of the request, set by the kubesim.ebb.dev/load annotation) and N
 * ScalingPolicies on them (syncPeriod 15s, min 1, max 10, one CPU metric,
 * averageUtilization 50: every decision is "stay at 1"). kubesim runs with
 * --metrics-resolution 15. Once every pod is ready, a baseline window with
 * no ebb (kubesim's requests served and resourceVersion must not move);
 * then `ebb run`, a warm-up (until every policy has a status with a valid
 * metric -- ScalingActive reason ValidMetricFound -- then one more
 * sync period), then $RUN_BENCH_PERIODS sync periods (default 3) measured:
 *   (a) ebb's CPU (utime + stime from /proc/PID/stat) per sync round and
 *       as a share of one core;
 *   (b) ebb's peak RSS (VmHWM from /proc/PID/status; the start included);
 *   (c) API requests per policy per sync period (kubesim's requestsServed
 *       from /kubesim/v1/stats, minus the bench's own), and writes (the
 *       global resourceVersion: every write of anyone moves it) -- nothing
 *       changes, so that must stay 0;
 *   and ebb's own reconcile count from its /metrics (ebb_reconcile_total),
 *   to show that it keeps up (one reconcile per policy per period).
 * Goals: at 10,000 policies, CPU <= 5% of one core, VmHWM <= 64 MB,
 * <= 1 request per metric per policy per period, 0 writes.
 *
 * Latency: $RUN_BENCH_LATENCY_N policies (default 200) with syncPeriod 1s
 * on a kubesim with --metrics-resolution 1 --pod-startup 1. In steady state
 * the load of every Deployment steps from 30 to 90 requests/s (92% CPU, so
 * the decision is 2 replicas). The bench reads PodMetrics (one list of the
 * namespace every 50 ms) and takes the timestamp of each pod's first
 * sample above 60% as the moment the metric became visible; a watch on the
 * Deployments gives the moment spec.replicas changed. p50/p99/max of the
 * difference; goal: p99 <= 1 s.
 *
 * One line per figure; exits non-zero when a goal is missed or anything
 * fails (the temporary directory is kept then, with kubesim's and ebb's
 * logs; always when $RUN_BENCH_KEEP is set).
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../pkg/base/rfc3339.h"
#include "../pkg/kube/client.h"

#define NS "bench"
#define SYNC_S 15
#define CREATE_IN_FLIGHT 16
#define LOAD_LOW 30
#define LOAD_HIGH 90
#define GOAL_CPU_SHARE 0.05
#define GOAL_RSS_KB (64L * 1024)
#define GOAL_LATENCY_S 1.0
#define MAX_N 100000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : def;
}

/* utime + stime of pid in seconds (all its threads), or -1. */
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    unsigned long ut = 0, st = 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A "Vm...:" line of /proc/PID/status in kB, or -1. */
static long proc_status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    long kb = -1;
    size_t klen = strlen(key);
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    while (fgets(line, sizeof(line), fp))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            kb = strtol(line + klen + 1, NULL, 10);
            break;
        }
    fclose(fp);
    return kb;
}

static bool read_small(const char *dir, const char *name, char *buf, size_t bufsz)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return false;
    size_t n = fread(buf, 1, bufsz - 1, fp);
    fclose(fp);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    return n > 0;
}

/* $ENV, else ../NAME from this program's directory. */
static bool find_binary(const char *env_name, const char *name, char *out, size_t outsz)
{
    const char *env = getenv(env_name);
    char self[PATH_MAX];
    if (env && *env) {
        snprintf(out, outsz, "%s", env);
    } else {
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
            return false;
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (!slash)
            return false;
        *slash = '\0';
        snprintf(out, outsz, "%s/../%s", self, name);
    }
    return access(out, X_OK) == 0;
}

/* --- children ------------------------------------------------------------ */

/* Starts argv with stdout and stderr to log; dies with the bench. */
static pid_t spawn(char *const argv[], const char *log)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench: fork");
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static void reap(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGTERM);
        for (int i = 0; i < 100; i++) { /* 10 s, then KILL */
            if (waitpid(*pid, NULL, WNOHANG) == *pid) {
                *pid = 0;
                return;
            }
            usleep(100000);
        }
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
        *pid = 0;
    }
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[PATH_MAX];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    rmdir(dir);
}

struct env {
    char kubesim[PATH_MAX], ebb[PATH_MAX], crd[PATH_MAX];
    char dir[64];
    pid_t ks, ebb_pid;
    struct ebb_kube_client *c;
    struct ebb_strbuf buf;
    int ebb_metrics_port;
};

static bool ks_start(struct env *e, const char *resolution)
{
    char log[PATH_MAX], port[32], token[256], server[64], ca[PATH_MAX], err[512];
    snprintf(e->dir, sizeof(e->dir), "/tmp/run-bench-XXXXXX");
    if (!mkdtemp(e->dir)) {
        perror("bench: mkdtemp");
        return false;
    }
    snprintf(log, sizeof(log), "%s/kubesim.log", e->dir);
    char *argv[] = {
        e->kubesim,         "--dir",         e->dir, "--port", "0", "--metrics-resolution",
        (char *)resolution, "--pod-startup", "1",    "--seed", "1", NULL};
    if ((e->ks = spawn(argv, log)) < 0)
        return false;
    for (int i = 0; i < 200 && !read_small(e->dir, "port", port, sizeof(port)); i++) {
        if (waitpid(e->ks, NULL, WNOHANG) == e->ks) {
            e->ks = 0;
            fprintf(stderr, "bench: kubesim exited at start (see %s)\n", log);
            return false;
        }
        usleep(50000);
    }
    if (!read_small(e->dir, "port", port, sizeof(port)) ||
        !read_small(e->dir, "token-admin", token, sizeof(token))) {
        fprintf(stderr, "bench: kubesim wrote no port or token in %s\n", e->dir);
        return false;
    }
    snprintf(server, sizeof(server), "https://127.0.0.1:%s", port);
    snprintf(ca, sizeof(ca), "%s/ca.crt", e->dir);
    struct ebb_kube_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.server = server;
    cfg.ca_file = ca;
    cfg.token = token;
    struct ebb_kube_client_opts o;
    ebb_kube_client_opts_default(&o);
    o.qps = 0;
    o.max_retries = 0;
    if (ebb_kube_client_new(&cfg, &o, &e->c, err, sizeof(err)) != EBB_OK) {
        fprintf(stderr, "bench: client: %s\n", err);
        return false;
    }
    return true;
}

static void env_stop(struct env *e, bool keep)
{
    reap(&e->ebb_pid);
    ebb_kube_client_free(e->c);
    e->c = NULL;
    reap(&e->ks);
    if (!e->dir[0])
        return;
    if (keep || getenv("RUN_BENCH_KEEP") != NULL)
        fprintf(stderr, "bench: kubesim's and ebb's logs kept in %s\n", e->dir);
    else
        rm_dir(e->dir);
    e->dir[0] = '\0';
}

/* --- requests ------------------------------------------------------------ */

static bool do_req(struct ebb_kube_client *c, enum ebb_kube_method m, const char *path,
                   const char *body, const char *ctype, struct ebb_strbuf *out)
{
    struct ebb_kube_request r = {m, path, body, body ? strlen(body) : 0, ctype, false};
    struct ebb_kube_error e;
    int status = 0;
    if (ebb_kube_do(c, &r, out, &status, &e) == EBB_OK)
        return true;
    char msg[1200];
    ebb_kube_error_format(&e, msg, sizeof(msg));
    fprintf(stderr, "bench: %s: %d %s\n", path, status, msg);
    return false;
}

enum kind { MK_DEPLOY, MK_POLICY, SET_LOAD };

struct batch {
    long done, failed;
    int bad_status;
    double *done_at; /* wall time of each, when not NULL */
};

struct one {
    struct batch *b;
    long i;
};

static void batch_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct one *o = ctx;
    struct batch *b = o->b;
    b->done++;
    if (b->done_at)
        b->done_at[o->i] = wall_s();
    if (resp->http_status < 200 || resp->http_status > 299) {
        b->failed++;
        b->bad_status = resp->http_status;
        if (b->failed <= 3)
            fprintf(stderr, "bench: request %ld: %d %.*s\n", o->i, resp->http_status,
                    (int)(resp->body_len > 300 ? 300 : resp->body_len),
                    resp->body ? resp->body : "");
    }
    free(o);
}

/* n requests of a kind, CREATE_IN_FLIGHT at a time. */
static bool run_batch_paced(struct ebb_kube_client *c, enum kind k, long n, const char *sync,
                            int load, double *done_at, double pace_s)
{
    struct batch b = {0, 0, 0, done_at};
    long submitted = 0;
    char path[256], body[1024];
    double t0 = now_s();
    while (b.done < n) {
        while (submitted < n && submitted - b.done < CREATE_IN_FLIGHT &&
               now_s() >= t0 + pace_s * (double)submitted) {
            long i = submitted;
            struct ebb_kube_request r = {EBB_KUBE_POST, path, body, 0, NULL, false};
            switch (k) {
            case MK_DEPLOY:
                snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/" NS "/deployments");
                r.body_len = (size_t)snprintf(
                    body, sizeof(body),
                    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
                    "\"app-%05ld\",\"annotations\":{\"kubesim.ebb.dev/load\":\"constant:%d\"}},"
                    "\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":{\"app\":\"app-%05ld\"}"
                    "},\"template\":{\"metadata\":{\"labels\":{\"app\":\"app-%05ld\"}},\"spec\":{"
                    "\"containers\":[{\"name\":\"app\",\"image\":\"app:1\",\"resources\":{"
                    "\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}]}}}}",
                    i, load, i, i);
                break;
            case MK_POLICY:
                snprintf(path, sizeof(path),
                         "/apis/ebb.dev/v1alpha1/namespaces/" NS "/scalingpolicies");
                r.body_len = (size_t)snprintf(
                    body, sizeof(body),
                    "{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicy\",\"metadata\":"
                    "{\"name\":\"app-%05ld\"},\"spec\":{\"targetRef\":{\"apiVersion\":\"apps/v1\","
                    "\"kind\":\"Deployment\",\"name\":\"app-%05ld\"},\"minReplicas\":1,"
                    "\"maxReplicas\":10,\"syncPeriod\":\"%s\",\"metrics\":[{\"name\":\"cpu\","
                    "\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\"},\"target\":{\"type\":"
                    "\"Utilization\",\"averageUtilization\":50}}]}}",
                    i, i, sync);
                break;
            case SET_LOAD:
                snprintf(path, sizeof(path), "/kubesim/v1/load/" NS "/app-%05ld", i);
                r.method = EBB_KUBE_PUT;
                r.body_len =
                    (size_t)snprintf(body, sizeof(body), "{\"curve\":\"constant:%d\"}", load);
                break;
            }
            struct one *o = malloc(sizeof(*o));
            if (!o)
                return false;
            o->b = &b;
            o->i = i;
            if (ebb_kube_submit(c, &r, NULL, batch_done, o, NULL) != EBB_OK) {
                free(o);
                return false;
            }
            submitted++;
        }
        if (ebb_kube_client_poll(c, pace_s > 0 ? 1 : 100) != EBB_OK)
            return false;
    }
    if (b.failed)
        fprintf(stderr, "bench: %ld of %ld requests failed (last status %d)\n", b.failed, n,
                b.bad_status);
    return b.failed == 0;
}

static bool run_batch(struct ebb_kube_client *c, enum kind k, long n, const char *sync, int load,
                      double *done_at)
{
    return run_batch_paced(c, k, n, sync, load, done_at, 0);
}

/* Namespace, CRD (server-side apply of the YAML), n Deployments at load. */
static bool make_world(struct env *e, long n, int load)
{
    FILE *fp = fopen(e->crd, "r");
    if (!fp) {
        fprintf(stderr,
                "bench: cannot read the CRD %s (run from the repository root, or set "
                "EBB_CRD)\n",
                e->crd);
        return false;
    }
    struct ebb_strbuf crd = EBB_STRBUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        ebb_strbuf_add(&crd, chunk, got);
    fclose(fp);
    bool ok =
        do_req(e->c, EBB_KUBE_POST, "/api/v1/namespaces",
               "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" NS "\"}}",
               NULL, &e->buf) &&
        do_req(e->c, EBB_KUBE_PATCH,
               "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
               "scalingpolicies.ebb.dev?fieldManager=run-bench",
               crd.buf, EBB_KUBE_APPLY_PATCH, &e->buf);
    ebb_strbuf_release(&crd);
    if (!ok)
        return false;
    /* The CRD's resource is served once established. */
    for (int i = 0; i < 100; i++) {
        struct ebb_kube_request r = {
            EBB_KUBE_GET, "/apis/ebb.dev/v1alpha1/scalingpolicies", NULL, 0, NULL, false};
        struct ebb_kube_error ke;
        int status = 0;
        if (ebb_kube_do(e->c, &r, &e->buf, &status, &ke) == EBB_OK)
            break;
        usleep(100000);
    }
    double t0 = now_s();
    if (!run_batch(e->c, MK_DEPLOY, n, NULL, load, NULL))
        return false;
    printf("run: setup N=%ld: %ld Deployments created in %.1f s\n", n, n, now_s() - t0);
    fflush(stdout);
    return true;
}

/* How many times "key":1 (exactly 1) occurs in s. */
static long count_one(const char *s, const char *key)
{
    long k = 0;
    size_t kl = strlen(key);
    for (const char *p = s; (p = strstr(p, key)); p += kl)
        if (p[kl] == '1' && (p[kl + 1] < '0' || p[kl + 1] > '9'))
            k++;
    return k;
}

static bool wait_ready(struct env *e, long n, int secs)
{
    long ready = 0;
    for (double end = now_s() + secs; now_s() < end; sleep(1)) {
        if (!do_req(e->c, EBB_KUBE_GET, "/apis/apps/v1/namespaces/" NS "/deployments", NULL, NULL,
                    &e->buf))
            return false;
        if ((ready = count_one(e->buf.buf, "\"readyReplicas\":")) >= n)
            return true;
    }
    fprintf(stderr, "bench: %ld of %ld Deployments ready after %d s\n", ready, n, secs);
    return false;
}

struct ks_stats {
    double served, rv;
};

static bool ks_stats(struct env *e, struct ks_stats *s)
{
    if (!do_req(e->c, EBB_KUBE_GET, "/kubesim/v1/stats", NULL, NULL, &e->buf))
        return false;
    cJSON *o = cJSON_Parse(e->buf.buf);
    if (!o)
        return false;
    s->served = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "requestsServed"));
    s->rv = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "resourceVersion"));
    cJSON_Delete(o);
    return true;
}

/* --- ebb run ------------------------------------------------------------- */

static bool ebb_start(struct env *e, const char *qps)
{
    char log[PATH_MAX], kc[PATH_MAX];
    snprintf(log, sizeof(log), "%s/ebb.log", e->dir);
    snprintf(kc, sizeof(kc), "%s/kubeconfig", e->dir);
    char *argv[] = {e->ebb,
                    "run",
                    "--kubeconfig",
                    kc,
                    "--metrics-bind-address",
                    "127.0.0.1:0",
                    "--health-probe-bind-address",
                    "0",
                    "--kube-api-qps",
                    (char *)qps,
                    "--kube-api-burst",
                    (char *)qps,
                    NULL};
    if ((e->ebb_pid = spawn(argv, log)) < 0)
        return false;
    e->ebb_metrics_port = 0;
    for (int i = 0; i < 200 && !e->ebb_metrics_port; i++) {
        usleep(50000);
        FILE *fp = fopen(log, "r");
        char line[1024];
        while (fp && fgets(line, sizeof(line), fp)) {
            const char *p = strstr(line, "serving /metrics on port ");
            if (p)
                e->ebb_metrics_port = atoi(p + 25);
        }
        if (fp)
            fclose(fp);
        if (waitpid(e->ebb_pid, NULL, WNOHANG) == e->ebb_pid) {
            e->ebb_pid = 0;
            fprintf(stderr, "bench: ebb run exited at start (see %s)\n", log);
            return false;
        }
    }
    if (!e->ebb_metrics_port)
        fprintf(stderr, "bench: ebb logged no /metrics port (see %s)\n", log);
    return e->ebb_metrics_port > 0;
}

static size_t curl_sink(char *p, size_t sz, size_t nm, void *ctx)
{
    ebb_strbuf_add(ctx, p, sz * nm);
    return sz * nm;
}

/* The sum of ebb_reconcile_total over its results, from ebb's /metrics; -1 on failure. */
static double ebb_reconciles(struct env *e)
{
    char url[64];
    struct ebb_strbuf body = EBB_STRBUF_INIT;
    double total = -1;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", e->ebb_metrics_port);
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    if (curl_easy_perform(h) == CURLE_OK && body.buf) {
        total = 0;
        for (const char *p = body.buf; (p = strstr(p, "\nebb_reconcile_total{")); p++) {
            const char *sp = strchr(p + 1, ' ');
            if (sp)
                total += strtod(sp + 1, NULL);
        }
    }
    curl_easy_cleanup(h);
    ebb_strbuf_release(&body);
    return total;
}

/* How many policies' JSON contains needle (once each, as status fields do). */
static long policies_with(struct env *e, const char *needle)
{
    if (!do_req(e->c, EBB_KUBE_GET, "/apis/ebb.dev/v1alpha1/namespaces/" NS "/scalingpolicies",
                NULL, NULL, &e->buf))
        return -1;
    long k = 0;
    for (const char *p = e->buf.buf; (p = strstr(p, needle)); p++)
        k++;
    return k;
}

/* How many policies carry status.observedGeneration. */
static long policies_with_status(struct env *e)
{
    return policies_with(e, "\"observedGeneration\":");
}

/* --- steady state -------------------------------------------------------- */

static bool steady(long n, long periods, const char *qps, struct env *e, bool *missed)
{
    if (!ks_start(e, "15") || !make_world(e, n, LOAD_LOW))
        return false;
    double t0 = now_s();
    if (!run_batch(e->c, MK_POLICY, n, "15s", 0, NULL) || !wait_ready(e, n, 300))
        return false;
    printf("run: setup N=%ld: policies created, every pod ready after %.1f s more\n", n,
           now_s() - t0);
    /* Baseline: kubesim alone, 5 s. */
    struct ks_stats b0, b1, b2, s0, s1;
    if (!ks_stats(e, &b0))
        return false;
    sleep(5);
    if (!ks_stats(e, &b1) || !ks_stats(e, &b2))
        return false;
    double self_req = b2.served - b1.served; /* one stats GET, as counted */
    double idle_req = b1.served - b0.served - self_req, idle_rv = b1.rv - b0.rv;
    printf("run: N=%ld baseline without ebb (5 s): %.0f requests besides the bench's own, "
           "%.0f writes\n",
           n, idle_req, idle_rv);

    double start = now_s();
    if (!ebb_start(e, qps))
        return false;
    long with = 0;
    while (now_s() - start < 300 && (with = policies_with_status(e)) >= 0 && with < n)
        sleep(1);
    double first = now_s() - start;
    double cpu_start = proc_cpu_s(e->ebb_pid);
    long rss_start = proc_status_kb(e->ebb_pid, "VmHWM");
    if (with < n) {
        fprintf(stderr, "bench: %ld of %ld policies have a status after 300 s\n", with, n);
        return false;
    }
    printf("run: N=%ld start: every policy reconciled and its status written %.1f s after the "
           "start; %.2f CPU-s so far, VmHWM %.1f MB\n",
           n, first, cpu_start, rss_start / 1024.0);
    fflush(stdout);
    /* A pod's first sample may predate its readiness (the HPA then counts
     * it unready): such a policy decides from a valid metric one sync
     * later, and writes that. Steady state starts when every policy has. */
    long valid = 0;
    while (now_s() - start < 300 && (valid = policies_with(e, "\"ValidMetricFound\"")) >= 0 &&
           valid < n)
        sleep(1);
    if (valid < n) {
        fprintf(stderr, "bench: %ld of %ld policies have a valid metric after 300 s\n", valid, n);
        return false;
    }
    printf("run: N=%ld every policy decided from a valid metric %.1f s after the start\n", n,
           now_s() - start);
    fflush(stdout);
    sleep(SYNC_S); /* one more period: the last writes settle */

    double r0 = ebb_reconciles(e), c0 = proc_cpu_s(e->ebb_pid), w0 = now_s();
    if (!ks_stats(e, &s0))
        return false;
    sleep((unsigned)(periods * SYNC_S));
    if (!ks_stats(e, &s1))
        return false;
    double c1 = proc_cpu_s(e->ebb_pid), w1 = now_s(), r1 = ebb_reconciles(e);
    long hwm = proc_status_kb(e->ebb_pid, "VmHWM"), rss = proc_status_kb(e->ebb_pid, "VmRSS");
    if (c0 < 0 || c1 < 0 || hwm < 0) {
        fprintf(stderr, "bench: ebb run is gone (see %s/ebb.log)\n", e->dir);
        return false;
    }
    double win = w1 - w0, rounds = win / SYNC_S;
    double cpu = c1 - c0, share = cpu / win;
    double req = s1.served - s0.served - self_req - idle_req * win / 5.0;
    double writes = s1.rv - s0.rv - idle_rv * win / 5.0;
    double per_policy = req / rounds / (double)n;
    double rec = r0 >= 0 && r1 >= 0 ? (r1 - r0) / rounds / (double)n : -1;
    bool cpu_ok = share <= GOAL_CPU_SHARE, mem_ok = hwm <= GOAL_RSS_KB;
    bool req_ok = per_policy <= 1.0 + 1e-9, w_ok = writes <= 0.5;
    printf("run: N=%ld steady, %.1f sync periods of %d s measured: ebb CPU %.3f s per sync "
           "round = %.2f%% of one core%s\n",
           n, rounds, SYNC_S, cpu / rounds, share * 100,
           n >= 10000 ? (cpu_ok ? " (goal <= 5%: met)" : " (goal <= 5%: MISSED)") : "");
    printf("run: N=%ld memory: VmHWM %.1f MB (peak, the start included), VmRSS %.1f MB%s\n", n,
           hwm / 1024.0, rss / 1024.0,
           n >= 10000 ? (mem_ok ? " (goal <= 64 MB: met)" : " (goal <= 64 MB: MISSED)") : "");
    printf("run: N=%ld API: %.2f requests per policy per sync period (%.0f in %.0f s; 1 metric "
           "each, goal <= 1: %s), %.0f writes with nothing changed (goal 0: %s); ebb reconciles "
           "per policy per period: %.2f\n",
           n, per_policy, req, win, req_ok ? "met" : "MISSED", writes, w_ok ? "met" : "MISSED",
           rec);
    fflush(stdout);
    if (n >= 10000)
        *missed |= !cpu_ok || !mem_ok;
    *missed |= !req_ok || !w_ok;
    return true;
}

/* --- latency ------------------------------------------------------------- */

struct lat {
    long n;
    double *visible; /* unix s of the first PodMetrics sample above the threshold */
    double *patched; /* wall time the watch saw spec.replicas > 1 */
    struct ebb_strbuf line;
    bool ended;
    int status;
};

static long app_index(const char *name)
{
    if (!name || strncmp(name, "app-", 4) != 0)
        return -1;
    return strtol(name + 4, NULL, 10);
}

static int lat_watch_data(void *ctx, const char *data, size_t len)
{
    struct lat *l = ctx;
    double t = wall_s();
    ebb_strbuf_add(&l->line, data, len);
    char *start = l->line.buf, *nl;
    while (start && (nl = memchr(start, '\n', l->line.len - (size_t)(start - l->line.buf)))) {
        *nl = '\0';
        cJSON *ev = cJSON_Parse(start);
        cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
        cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
        cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
        long i = app_index(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name")));
        double rep = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(spec, "replicas"));
        if (i >= 0 && i < l->n && rep > 1 && l->patched[i] == 0)
            l->patched[i] = t;
        cJSON_Delete(ev);
        start = nl + 1;
    }
    size_t rest = l->line.len - (size_t)(start - l->line.buf);
    memmove(l->line.buf, start, rest);
    l->line.len = rest;
    l->line.buf[rest] = '\0';
    return 0;
}

static void lat_watch_done(void *ctx, const struct ebb_kube_response *resp)
{
    struct lat *l = ctx;
    l->ended = true;
    l->status = resp->http_status;
}

/* One PodMetrics list: each pod's first sample above 60m CPU. */
static bool lat_poll_metrics(struct env *e, struct lat *l)
{
    if (!do_req(e->c, EBB_KUBE_GET, "/apis/metrics.k8s.io/v1beta1/namespaces/" NS "/pods", NULL,
                NULL, &e->buf))
        return false;
    cJSON *o = cJSON_Parse(e->buf.buf);
    cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "items"))
    {
        cJSON *md = cJSON_GetObjectItemCaseSensitive(it, "metadata");
        cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");
        long i = app_index(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, "app")));
        if (i < 0 || i >= l->n || l->visible[i] != 0)
            continue;
        cJSON *ctr = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it, "containers"), 0);
        const char *q = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(ctr, "usage"), "cpu"));
        if (!q)
            continue;
        char *end;
        double v = strtod(q, &end);
        if (*end == 'n')
            v /= 1e6;
        else if (*end == 'u')
            v /= 1e3;
        else if (*end != 'm')
            v *= 1e3; /* cores -> millicores */
        int64_t ms;
        const char *ts = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "timestamp"));
        if (v > 60.0 && ts && ebb_rfc3339_parse(ts, &ms) == EBB_OK)
            l->visible[i] = (double)ms / 1e3;
    }
    cJSON_Delete(o);
    return true;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static bool latency(long n, const char *qps, struct env *e, bool *missed)
{
    struct lat l;
    memset(&l, 0, sizeof(l));
    l.n = n;
    l.visible = calloc((size_t)n, sizeof(double));
    l.patched = calloc((size_t)n, sizeof(double));
    double *lat = calloc((size_t)n, sizeof(double));
    double *put_at = calloc((size_t)n, sizeof(double));
    bool ok = false;
    uint64_t wid = 0;
    bool watching = false;
    if (!l.visible || !l.patched || !lat || !put_at)
        goto out;
    /* ebb first, then the policies, one every 1/n s: their 1 s sync timers
     * start at their creation, so their phases spread over the second (as
     * in a cluster where policies come and go), not all in step. */
    if (!ks_start(e, "1") || !make_world(e, n, LOAD_LOW) || !wait_ready(e, n, 120) ||
        !ebb_start(e, qps) || !run_batch_paced(e->c, MK_POLICY, n, "1s", 0, NULL, 1.0 / (double)n))
        goto out;
    long with = 0;
    for (double end = now_s() + 120; now_s() < end && with < n; sleep(1))
        with = policies_with_status(e);
    if (with < n) {
        fprintf(stderr, "bench: %ld of %ld policies have a status after 120 s\n", with, n);
        goto out;
    }
    sleep(5); /* a few 1 s rounds in steady state */
    if (!do_req(e->c, EBB_KUBE_GET, "/apis/apps/v1/namespaces/" NS "/deployments?limit=1", NULL,
                NULL, &e->buf))
        goto out;
    char rv[32] = "", wpath[256];
    const char *rvp = strstr(e->buf.buf, "\"resourceVersion\":\"");
    if (rvp)
        sscanf(rvp + 19, "%31[0-9]", rv);
    snprintf(wpath, sizeof(wpath),
             "/apis/apps/v1/namespaces/" NS
             "/deployments?watch=1&resourceVersion=%s&timeoutSeconds=600",
             rv);
    struct ebb_kube_request wr = {EBB_KUBE_GET, wpath, NULL, 0, NULL, true};
    if (ebb_kube_submit(e->c, &wr, lat_watch_data, lat_watch_done, &l, &wid) != EBB_OK)
        goto out;
    watching = true;
    double step_at = wall_s();
    if (!run_batch(e->c, SET_LOAD, n, NULL, LOAD_HIGH, put_at))
        goto out;
    double step_took = wall_s() - step_at;
    long scaled = 0;
    for (double end = now_s() + 20; now_s() < end && scaled < n;) {
        if (!lat_poll_metrics(e, &l))
            goto out;
        double until = now_s() + 0.05;
        while (now_s() < until)
            ebb_kube_client_poll(e->c, 10);
        if (l.ended) {
            fprintf(stderr, "bench: the Deployments watch ended (status %d)\n", l.status);
            goto out;
        }
        scaled = 0;
        for (long i = 0; i < n; i++)
            scaled += l.patched[i] != 0 && l.visible[i] != 0;
    }
    long k = 0, early = 0;
    for (long i = 0; i < n; i++)
        if (l.patched[i] != 0 && l.visible[i] != 0) {
            lat[k++] = l.patched[i] - l.visible[i];
            early += l.patched[i] < put_at[i];
        }
    if (k < n) {
        fprintf(stderr, "bench: %ld of %ld Deployments scaled with the metric seen in 20 s\n", k,
                n);
        goto out;
    }
    qsort(lat, (size_t)k, sizeof(double), cmp_double);
    double p50 = lat[k / 2], p99 = lat[(size_t)((double)(k - 1) * 0.99)], mx = lat[k - 1];
    bool lat_ok = p99 <= GOAL_LATENCY_S && early == 0;
    *missed |= !lat_ok;
    printf("run: latency, %ld policies at syncPeriod 1s, metrics resolution 1 s (load step "
           "sent to all in %.2f s): metric visible -> /scale patch p50 %.0f ms, p99 %.0f ms, "
           "max %.0f ms, min %.0f ms; goal p99 <= 1 s: %s\n",
           n, step_took, p50 * 1e3, p99 * 1e3, mx * 1e3, lat[0] * 1e3, lat_ok ? "met" : "MISSED");
    printf("run: latency run: ebb VmHWM %.1f MB\n", proc_status_kb(e->ebb_pid, "VmHWM") / 1024.0);
    ok = true;
out:
    if (watching && !l.ended)
        ebb_kube_cancel(e->c, wid);
    ebb_strbuf_release(&l.line);
    free(l.visible);
    free(l.patched);
    free(lat);
    free(put_at);
    return ok;
}

/* --- main ---------------------------------------------------------------- */

int main(void)
{
    struct env e;
    bool missed = false;
    int rc = 1;
    memset(&e, 0, sizeof(e));
    ebb_strbuf_init(&e.buf);
    const char *crd = getenv("EBB_CRD");
    snprintf(e.crd, sizeof(e.crd), "%s", crd && *crd ? crd : "crds/ebb.dev_scalingpolicies.yaml");
    if (!find_binary("KUBESIM", "kubesim", e.kubesim, sizeof(e.kubesim)) ||
        !find_binary("EBB", "ebb", e.ebb, sizeof(e.ebb))) {
        fprintf(stderr, "bench: no %s or %s (build them first: make; or set KUBESIM, EBB)\n",
                e.kubesim, e.ebb);
        return 1;
    }
    /* --kube-api-qps: 10,000 policies at 15 s need ~700 requests/s. */
    char qps[32];
    snprintf(qps, sizeof(qps), "%ld", env_long("RUN_BENCH_QPS", 5000));
    long periods = env_long("RUN_BENCH_PERIODS", 3);
    const char *sizes = getenv("RUN_BENCH_SIZES");
    if (!sizes || !*sizes)
        sizes = "100,1000";
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (const char *p = strcmp(sizes, "none") == 0 ? "" : sizes; *p;) {
        long n = strtol(p, (char **)&p, 10);
        if (n <= 0 || n > MAX_N) {
            fprintf(stderr, "bench: bad RUN_BENCH_SIZES %s\n", sizes);
            goto out;
        }
        bool ok = steady(n, periods, qps, &e, &missed);
        env_stop(&e, !ok);
        if (!ok)
            goto out;
        while (*p == ',' || *p == ' ')
            p++;
    }
    long ln = env_long("RUN_BENCH_LATENCY_N", 200);
    if (ln > 0) {
        bool ok = latency(ln, qps, &e, &missed);
        env_stop(&e, !ok);
        if (!ok)
            goto out;
    }
    rc = missed ? 1 : 0;
out:
    env_stop(&e, rc != 0 && !missed);
    ebb_strbuf_release(&e.buf);
    curl_global_cleanup();
    return rc;
}
