/* run.c -- `ebb run`: the controller process. EDGE.
 *
 * One loop, no threads: the kube client's poll waits for network activity
 * or the next timer, then the leader elector, the controller engine
 * (pkg/controller/controller.h) and the two small HTTP servers (/metrics;
 * /healthz and /readyz) each take a turn. SIGTERM/SIGINT stop taking work,
 * let in-flight reconciles finish (at most 5 s), release the Lease so a
 * standby takes over at once, and exit 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../../pkg/api/v1alpha1/duration.h"
#include "../../pkg/base/rfc3339.h"
#include "../../pkg/base/strbuf.h"
#include "../../pkg/base/tz.h"
#include "../../pkg/controller/controller.h"
#include "../../pkg/httpd/httpd.h"
#include "../../pkg/kube/client.h"
#include "../../pkg/kube/kubeconfig.h"
#include "../../pkg/kube/leader.h"
#include "../../pkg/telemetry/telemetry.h"
#include "cmd.h"
#include "run_internal.h"
#include "tzload.h"

#define SHUTDOWN_BUDGET_MS 5000
/* Turns of the loop start at least this far apart: under load the API's
 * answers arrive one at a time, and taking them a few at a time spares a
 * pass over every transfer, informer and timer per answer. An answer
 * waits at most this long. */
#define TURN_MIN_MS 4

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- logging ------------------------------------------------------------------------------- */

struct run_log {
    bool json;
    int level; /* 0 debug .. 3 error */
};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void log_line(const struct run_log *lg, int level, const char *key, const char *msg)
{
    char ts[40];
    if (level < lg->level)
        return;
    ebb_rfc3339_format(clock_ms(CLOCK_REALTIME), ts, sizeof(ts));
    if (lg->json) {
        fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, level_names[level]);
        if (key) {
            fputs(",\"policy\":", stderr);
            json_string(stderr, key);
        }
        fputs(",\"msg\":", stderr);
        json_string(stderr, msg);
        fputs("}\n", stderr);
    } else {
        fprintf(stderr, "%s %-5s %s%s%s\n", ts, level_names[level], key ? key : "", key ? ": " : "",
                msg);
    }
}

static void logf_(const struct run_log *lg, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void logf_(const struct run_log *lg, int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_line(lg, level, NULL, msg);
}

static void on_controller_log(void *ctx, enum ebb_controller_log_level level, const char *key,
                              const char *msg)
{
    log_line(ctx, (int)level, key, msg);
}

/* ---- the Prometheus bearer token ---------------------------------------------------------- */

/* --prometheus-bearer-token-file: read at start; before a query, at most
 * once a second, the file is looked at again (stat) and re-read when it is
 * another file or its size or mtime changed -- a Secret or a projected
 * token rotated by the kubelet swaps the file under a symlink. A re-read
 * that fails (the file gone, empty) keeps the token in use and says so
 * once. */
struct run_token {
    const char *path;
    const struct run_log *log;
    char *token;
    struct stat st;     /* of the file the token was read from */
    int64_t checked_ms; /* monotonic */
    bool failing;       /* the last look failed; said once */
};

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Reads the file into t->token. 0, or -1 with err. */
static int token_load(struct run_token *t, char *err, size_t errsz)
{
    struct stat st;
    char *tok;
    if (stat(t->path, &st) != 0) {
        snprintf(err, errsz, "%s: cannot read it: %s", t->path, strerror(errno));
        return -1;
    }
    if (ebb_run_read_token(t->path, &tok, err, errsz) != 0)
        return -1;
    free(t->token);
    t->token = tok;
    t->st = st;
    return 0;
}

static const char *current_token(void *ctx)
{
    struct run_token *t = ctx;
    int64_t now = clock_ms(CLOCK_MONOTONIC);
    if (now - t->checked_ms < 1000)
        return t->token;
    t->checked_ms = now;
    struct stat st;
    char err[512];
    if (stat(t->path, &st) == 0 && same_file(&st, &t->st)) {
        t->failing = false;
        return t->token;
    }
    if (token_load(t, err, sizeof(err)) == 0) {
        logf_(t->log, 1, "--prometheus-bearer-token-file: %s changed: token re-read", t->path);
        t->failing = false;
    } else if (!t->failing) {
        logf_(t->log, 2, "--prometheus-bearer-token-file: %s; still using the token read before",
              err);
        t->failing = true;
    }
    return t->token;
}

/* ---- the process's state -------------------------------------------------------------------- */

struct run {
    struct ebb_run_opts o;
    struct run_log log;
    struct ebb_kube_config cfg;
    struct ebb_kube_client *client;
    struct ebb_controller *ctl;
    struct ebb_leader *leader;
    struct ebb_telemetry *tm;
    struct ebb_tm_operator m;
    struct ebb_httpd *metrics_srv, *health_srv;
    struct run_token token;
    char identity[256];
    bool was_leader;
    int64_t turn_ms; /* when the last turn started */
};

static enum ebb_rc load_tz(void *ctx, const char *name, struct ebb_tz **out, char *err,
                           size_t errsz)
{
    (void)ctx;
    return ebb_tz_load(name, out, err, errsz);
}

/* Telemetry from each finished reconcile. */
static void on_report(void *ctx, const struct ebb_reconcile_report *r)
{
    struct run *rn = ctx;
    const char *result =
        r->outcome == EBB_RECONCILE_OK || r->outcome == EBB_RECONCILE_INVALID ||
                r->outcome == EBB_RECONCILE_AMBIGUOUS
            ? "success"
        : r->outcome == EBB_RECONCILE_FAILED || r->outcome == EBB_RECONCILE_NO_TARGET ? "error"
                                                                                      : "requeue";
    const char *v1[] = {result};
    ebb_tm_inc(rn->m.reconcile_total, v1);
    ebb_tm_observe(rn->m.reconcile_duration, NULL,
                   (double)(r->finished_ms - r->started_ms) / 1000.0);
    char ns[256], name[256];
    const char *slash = strchr(r->key, '/');
    snprintf(ns, sizeof(ns), "%.*s", slash ? (int)(slash - r->key) : 0, r->key);
    snprintf(name, sizeof(name), "%s", slash ? slash + 1 : r->key);
    const char *v2[] = {ns, name};
    if (r->outcome == EBB_RECONCILE_CANCELLED && r->current_replicas == EBB_UNSET) {
        ebb_tm_operator_forget_policy(&rn->m, ns, name);
        return;
    }
    if (r->current_replicas != EBB_UNSET)
        ebb_tm_set(rn->m.current_replicas, v2, r->current_replicas);
    if (r->desired_replicas != EBB_UNSET)
        ebb_tm_set(rn->m.desired_replicas, v2, r->desired_replicas);
    if (r->scaled && r->current_replicas != EBB_UNSET && r->desired_replicas != EBB_UNSET) {
        const char *dir[] = {r->desired_replicas > r->current_replicas ? "up" : "down"};
        ebb_tm_inc(rn->m.scale_total, dir);
    }
}

/* ---- HTTP endpoints ---------------------------------------------------------------------------
 */

static int serve_metrics(void *ctx, struct ebb_strbuf *body, char *content_type)
{
    struct run *rn = ctx;
    struct ebb_controller_stats st;
    ebb_controller_stats(rn->ctl, &st);
    ebb_tm_set(rn->m.policies, NULL, (double)st.policies);
    ebb_tm_set(rn->m.leader, NULL, rn->was_leader ? 1 : 0);
    snprintf(content_type, EBB_HTTPD_CONTENT_TYPE_MAX, "%s", EBB_TELEMETRY_CONTENT_TYPE);
    return ebb_telemetry_render(rn->tm, body) == EBB_OK ? 200 : 500;
}

static int serve_healthz(void *ctx, struct ebb_strbuf *body, char *content_type)
{
    (void)ctx;
    (void)content_type;
    ebb_strbuf_adds(body, "ok\n");
    return 200;
}

static int serve_readyz(void *ctx, struct ebb_strbuf *body, char *content_type)
{
    struct run *rn = ctx;
    (void)content_type;
    if (stop_signal) {
        ebb_strbuf_adds(body, "shutting down\n");
        return 503;
    }
    if (!ebb_controller_synced(rn->ctl)) {
        ebb_strbuf_adds(body, "informers have not listed ScalingPolicies, Deployments, "
                              "StatefulSets and HPAs yet\n");
        return 503;
    }
    ebb_strbuf_adds(body, "ok\n");
    return 200;
}

/* ---- setup -------------------------------------------------------------------------------------
 */

/* pod name (or host name) + "_" + a random suffix, as client-go's
 * leader election identities are. */
static void make_identity(char *out, size_t cap)
{
    char host[128] = "ebb";
    const char *pod = getenv("POD_NAME");
    if (pod && *pod)
        snprintf(host, sizeof(host), "%s", pod);
    else
        gethostname(host, sizeof(host) - 1);
    unsigned long long r = (unsigned long long)clock_ms(CLOCK_REALTIME) * 6364136223846793005ull ^
                           (unsigned long long)getpid() * 1442695040888963407ull;
    snprintf(out, cap, "%s_%08llx", host, r & 0xffffffffull);
}

static int setup(struct run *rn, char *err, size_t errsz)
{
    struct ebb_kube_env env;
    enum ebb_rc rc;

    ebb_kube_env_from_process(&env);
    rc = ebb_kube_config_load(rn->o.kubeconfig && *rn->o.kubeconfig ? rn->o.kubeconfig : NULL,
                              rn->o.context && *rn->o.context ? rn->o.context : NULL, &env,
                              &rn->cfg, err, errsz);
    if (rc != EBB_OK)
        return 2;
    if (rn->cfg.warning)
        logf_(&rn->log, 2, "%s", rn->cfg.warning);
    logf_(&rn->log, 1, "using %s (context %s, server %s)", rn->cfg.source,
          *rn->cfg.context ? rn->cfg.context : "in-cluster", rn->cfg.server);

    struct ebb_kube_client_opts co;
    ebb_kube_client_opts_default(&co);
    co.qps = rn->o.qps;
    co.burst = rn->o.burst;
    if (ebb_kube_client_new(&rn->cfg, &co, &rn->client, err, errsz) != EBB_OK)
        return 2;

    if (ebb_telemetry_new(&rn->tm) != EBB_OK ||
        ebb_tm_operator_register(rn->tm, &rn->m, err, errsz) != EBB_OK)
        return 1;

    struct ebb_controller_opts copt;
    ebb_controller_opts_default(&copt);
    copt.namespace_ = rn->o.namespace_;
    copt.sync_period_ms = rn->o.sync_period_ms;
    copt.scale.sync_period_ms = rn->o.sync_period_ms;
    copt.dry_run = rn->o.dry_run;
    copt.max_inflight = (size_t)rn->o.max_inflight;
    copt.prometheus_address = rn->o.prometheus_address;
    copt.prometheus_timeout_ms = rn->o.prometheus_timeout_ms;
    if (rn->o.prometheus_ca_file && *rn->o.prometheus_ca_file)
        copt.prometheus_ca_file = rn->o.prometheus_ca_file;
    if (rn->o.prometheus_token_file && *rn->o.prometheus_token_file) {
        char terr[512];
        rn->token.path = rn->o.prometheus_token_file;
        rn->token.log = &rn->log;
        rn->token.checked_ms = clock_ms(CLOCK_MONOTONIC);
        if (token_load(&rn->token, terr, sizeof(terr)) != 0) {
            snprintf(err, errsz, "--prometheus-bearer-token-file: %s", terr);
            return 2;
        }
        copt.prometheus_token = current_token;
        copt.prometheus_token_ctx = &rn->token;
    }
    if (rn->o.prometheus_address && *rn->o.prometheus_address) {
        char dur[32];
        ebb_duration_format(rn->o.prometheus_timeout_ms, dur, sizeof(dur));
        logf_(&rn->log, 1, "Prometheus: default %s, timeout %s, %s, %s", rn->o.prometheus_address,
              dur, rn->token.path ? "bearer token from --prometheus-bearer-token-file" : "no token",
              copt.prometheus_ca_file ? "CAs of --prometheus-ca-file" : "the system's CAs");
    }
    copt.reporting_instance = rn->identity;
    copt.load_tz = load_tz;
    copt.log = on_controller_log;
    copt.log_ctx = &rn->log;
    copt.log_level = (enum ebb_controller_log_level)rn->log.level;
    copt.on_reconcile = on_report;
    copt.report_ctx = rn;
    copt.seed = (uint64_t)clock_ms(CLOCK_REALTIME);
    if (ebb_controller_new(rn->client, &copt, &rn->ctl, err, errsz) != EBB_OK)
        return 2;

    if (rn->o.leader_elect) {
        struct ebb_leader_config lc;
        memset(&lc, 0, sizeof(lc));
        lc.ns = rn->o.leader_ns && *rn->o.leader_ns ? rn->o.leader_ns : rn->cfg.namespace_;
        lc.name = rn->o.leader_id;
        lc.identity = rn->identity;
        ebb_leader_opts_default(&lc.opts);
        if (ebb_leader_new(rn->client, &lc, &rn->leader, err, errsz) != EBB_OK)
            return 2;
        logf_(&rn->log, 1, "leader election on Lease %s/%s as %s", lc.ns, lc.name, rn->identity);
    }

    const struct ebb_httpd_route mroutes[] = {{"/metrics", serve_metrics, rn}};
    const struct ebb_httpd_route hroutes[] = {{"/healthz", serve_healthz, rn},
                                              {"/readyz", serve_readyz, rn}};
    struct ebb_httpd_opts mo = {rn->o.metrics_bind, mroutes, 1, 0};
    struct ebb_httpd_opts ho = {rn->o.health_bind, hroutes, 2, 0};
    if (ebb_httpd_new(&mo, &rn->metrics_srv, err, errsz) != EBB_OK)
        return 2;
    if (ebb_httpd_new(&ho, &rn->health_srv, err, errsz) != EBB_OK)
        return 2;
    if (rn->metrics_srv)
        logf_(&rn->log, 1, "serving /metrics on port %d", ebb_httpd_port(rn->metrics_srv));
    if (rn->health_srv)
        logf_(&rn->log, 1, "serving /healthz and /readyz on port %d",
              ebb_httpd_port(rn->health_srv));
    return 0;
}

static void teardown(struct run *rn)
{
    ebb_httpd_free(rn->metrics_srv);
    ebb_httpd_free(rn->health_srv);
    ebb_controller_free(rn->ctl);
    ebb_leader_free(rn->leader);
    ebb_kube_client_free(rn->client);
    ebb_telemetry_free(rn->tm);
    ebb_kube_config_release(&rn->cfg);
    free(rn->token.token);
    rn->token.token = NULL;
}

/* ---- the loop ----------------------------------------------------------------------------------
 */

static int64_t min_wait(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

/* One turn: wait for the network or a timer, then let everyone act. */
static void turn(struct run *rn, int64_t *leader_due, bool shutting_down)
{
    int64_t now = clock_ms(CLOCK_MONOTONIC);
    if (now - rn->turn_ms < TURN_MIN_MS && !shutting_down) {
        struct timespec ts = {0, (long)(TURN_MIN_MS - (now - rn->turn_ms)) * 1000000L};
        nanosleep(&ts, NULL); /* a signal ends it early: fine */
        now = clock_ms(CLOCK_MONOTONIC);
    }
    rn->turn_ms = now;
    int64_t t = ebb_controller_next_in(rn->ctl, now);
    if (rn->leader)
        t = min_wait(t, *leader_due > now ? *leader_due - now : 0);
    t = min_wait(t, ebb_httpd_next_in(rn->metrics_srv));
    t = min_wait(t, ebb_httpd_next_in(rn->health_srv));
    if (t < 0 || t > 1000)
        t = 1000;
    ebb_kube_client_poll(rn->client, (int)t);
    ebb_httpd_tick(rn->metrics_srv);
    ebb_httpd_tick(rn->health_srv);
    now = clock_ms(CLOCK_MONOTONIC);
    int64_t wall = clock_ms(CLOCK_REALTIME);
    bool leading = true;
    if (rn->leader) {
        *leader_due = ebb_leader_tick(rn->leader, now, wall);
        leading = ebb_leader_is_leader(rn->leader, now);
    }
    if (leading != rn->was_leader) {
        logf_(&rn->log, 1,
              leading ? "became the leader: reconciling"
                      : "not the leader: standing by with warm caches");
        rn->was_leader = leading;
    }
    /* Shutting down, the controller starts nothing new (shutdown() said
     * so) but lets in-flight reconciles finish: they stay leader work. */
    ebb_controller_tick(rn->ctl, now, wall, leading);
}

int ebb_cmd_run(int argc, char **argv)
{
    struct run rn;
    char err[1024] = "";
    int rc;

    memset(&rn, 0, sizeof(rn));
    ebb_run_opts_default(&rn.o);
    rc = ebb_run_parse(argc, argv, &rn.o);
    if (rc)
        return rc == 1 ? 0 : 2;
    rn.log.json = strcmp(rn.o.log_format, "json") == 0;
    rn.log.level = ebb_run_log_level_parse(rn.o.log_level);
    make_identity(rn.identity, sizeof(rn.identity));

    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    rc = setup(&rn, err, sizeof(err));
    if (rc) {
        logf_(&rn.log, 3, "%s", *err ? err : "cannot start");
        teardown(&rn);
        return rc;
    }
    int64_t now = clock_ms(CLOCK_MONOTONIC), leader_due = now;
    if (ebb_controller_start(rn.ctl, now, err, sizeof(err)) != EBB_OK) {
        logf_(&rn.log, 3, "cannot start the controller: %s", err);
        teardown(&rn);
        return 1;
    }
    logf_(&rn.log, 1, "ebb %s watching ScalingPolicies in %s%s", EBB_VERSION,
          rn.o.namespace_ && *rn.o.namespace_ ? rn.o.namespace_ : "all namespaces",
          rn.o.dry_run ? " (dry run: no scaling)" : "");

    while (!stop_signal)
        turn(&rn, &leader_due, false);

    /* Stop taking work; let what is in flight finish (bounded). */
    logf_(&rn.log, 1, "%s: finishing in-flight work (at most %d s), then releasing the lease",
          stop_signal == SIGINT ? "SIGINT" : "SIGTERM", SHUTDOWN_BUDGET_MS / 1000);
    now = clock_ms(CLOCK_MONOTONIC);
    int64_t deadline = now + SHUTDOWN_BUDGET_MS;
    ebb_controller_shutdown(rn.ctl, now);
    while (!ebb_controller_idle(rn.ctl) && clock_ms(CLOCK_MONOTONIC) < deadline)
        turn(&rn, &leader_due, true);
    if (rn.leader) {
        now = clock_ms(CLOCK_MONOTONIC);
        ebb_leader_shutdown(rn.leader, now, deadline > now + 1000 ? deadline - now : 1000);
        while (!ebb_leader_done(rn.leader)) {
            ebb_kube_client_poll(rn.client, 50);
            now = clock_ms(CLOCK_MONOTONIC);
            ebb_leader_tick(rn.leader, now, clock_ms(CLOCK_REALTIME));
        }
    }
    logf_(&rn.log, 1, "stopped");
    teardown(&rn);
    return 0;
}
