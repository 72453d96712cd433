/* run_flags.c -- the command line of `ebb run`: controller-runtime's flag
 * names, each also read from an EBB_* environment variable (a flag wins),
 * the --help text generated from the same table, and the checks. EDGE
 * (reads the environment, writes stderr).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/duration.h"
#include "run_internal.h"

enum flag_type { F_STR, F_BOOL, F_DURATION, F_DOUBLE, F_INT };

struct flag {
    const char *name; /* without the leading "--" */
    enum flag_type type;
    size_t offset; /* into struct ebb_run_opts */
    const char *arg;
    const char *help;
};

#define OFF(f) offsetof(struct ebb_run_opts, f)

static const struct flag flags[] = {
    {"kubeconfig", F_STR, OFF(kubeconfig), "FILE",
     "kubeconfig to use; default $KUBECONFIG, then ~/.kube/config, then in-cluster"},
    {"context", F_STR, OFF(context), "NAME", "kubeconfig context; default its current-context"},
    {"namespace", F_STR, OFF(namespace_), "NS",
     "watch ScalingPolicies in this namespace only; default all namespaces"},
    {"leader-elect", F_BOOL, OFF(leader_elect), NULL,
     "elect a leader on a Lease so only one replica acts; default false"},
    {"leader-election-namespace", F_STR, OFF(leader_ns), "NS",
     "namespace of the Lease; default the kubeconfig's namespace"},
    {"leader-election-id", F_STR, OFF(leader_id), "NAME", "name of the Lease; default ebb-leader"},
    {"metrics-bind-address", F_STR, OFF(metrics_bind), "ADDR",
     "where /metrics is served; \"0\" disables it; default :8080"},
    {"health-probe-bind-address", F_STR, OFF(health_bind), "ADDR",
     "where /healthz and /readyz are served; \"0\" disables them; default :8081"},
    {"sync-period", F_DURATION, OFF(sync_period_ms), "DUR",
     "how often each policy is decided; a policy's spec.syncPeriod wins; default 15s"},
    {"dry-run", F_BOOL, OFF(dry_run), NULL,
     "decide and report in status, events and logs, but never scale"},
    {"log-format", F_STR, OFF(log_format), "text|json", "log line format; default text"},
    {"log-level", F_STR, OFF(log_level), "LEVEL", "debug, info, warn or error; default info"},
    {"kube-api-qps", F_DOUBLE, OFF(qps), "N",
     "requests per second to the API server (token bucket); default 20"},
    {"kube-api-burst", F_INT, OFF(burst), "N", "burst of the token bucket; default 30"},
    {"prometheus-address", F_STR, OFF(prometheus_address), "URL",
     "Prometheus for metrics of type Prometheus that name no address"},
    {"max-concurrent-reconciles", F_INT, OFF(max_inflight), "N",
     "policies reconciled at once; default 64"},
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

void ebb_run_opts_default(struct ebb_run_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->leader_id = "ebb-leader";
    o->metrics_bind = ":8080";
    o->health_bind = ":8081";
    o->sync_period_ms = 15000;
    o->log_format = "text";
    o->log_level = "info";
    o->qps = 20;
    o->burst = 30;
    o->max_inflight = 64;
}

void ebb_run_usage(FILE *out)
{
    fprintf(out, "Usage: ebb run [flags]\n\n"
                 "Runs the controller: watches ScalingPolicies and keeps each target at the\n"
                 "replica count its metrics call for. Every flag can also be set with an\n"
                 "environment variable: --sync-period is EBB_SYNC_PERIOD; a flag wins.\n\n"
                 "Flags:\n");
    for (size_t i = 0; i < N_FLAGS; i++) {
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s", flags[i].name, flags[i].arg ? " " : "",
                 flags[i].arg ? flags[i].arg : "");
        fprintf(out, "  %-36s %s\n", left, flags[i].help);
    }
    fprintf(out, "\nExit status: 0 after SIGTERM or SIGINT, 1 when it fails while running,\n"
                 "2 for bad flags or configuration.\n");
}

/* "sync-period" -> "EBB_SYNC_PERIOD" */
static void env_name(const char *flag, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "EBB_");
    for (const char *p = flag; *p && n + 1 < cap; p++)
        out[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    out[n] = '\0';
}

static int set_value(struct ebb_run_opts *o, const struct flag *f, const char *v, const char *from)
{
    char *base = (char *)o + f->offset;
    char msg[256];
    char *end;

    switch (f->type) {
    case F_STR:
        *(const char **)(void *)base = v;
        return 0;
    case F_BOOL:
        if (!v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
            *(bool *)(void *)base = true;
            return 0;
        }
        if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
            *(bool *)(void *)base = false;
            return 0;
        }
        fprintf(stderr, "ebb run: %s: \"%s\" is not true or false\n", from, v);
        return 2;
    case F_DURATION: {
        int64_t ms;
        if (ebb_duration_parse(v, &ms, msg, sizeof(msg)) != EBB_OK || ms < 1000 || ms > 3600000) {
            fprintf(stderr, "ebb run: %s: \"%s\" is not a duration from 1s to 1h%s%s\n", from, v,
                    ms < 1000 && *msg == '\0' ? "" : ": ", *msg ? msg : "");
            return 2;
        }
        *(int64_t *)(void *)base = ms;
        return 0;
    }
    case F_DOUBLE: {
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || !(d > 0) || d > 1e6) {
            fprintf(stderr, "ebb run: %s: \"%s\" is not a number above 0\n", from, v);
            return 2;
        }
        *(double *)(void *)base = d;
        return 0;
    }
    case F_INT: {
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || end == v || *end || n < 1 || n > 100000) {
            fprintf(stderr, "ebb run: %s: \"%s\" is not a whole number from 1 to 100000\n", from,
                    v);
            return 2;
        }
        *(int *)(void *)base = (int)n;
        return 0;
    }
    }
    return 2;
}

static const struct flag *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < N_FLAGS; i++)
        if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
            return &flags[i];
    return NULL;
}

int ebb_run_parse(int argc, char **argv, struct ebb_run_opts *o)
{
    char env[96];
    int rc;

    /* The environment first, so flags override it. */
    for (size_t i = 0; i < N_FLAGS; i++) {
        env_name(flags[i].name, env, sizeof(env));
        const char *v = getenv(env);
        if (v && *v && (rc = set_value(o, &flags[i], v, env)) != 0)
            return rc;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            ebb_run_usage(stdout);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "ebb run: unexpected argument \"%s\" (see ebb run --help)\n", a);
            return 2;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        const struct flag *f = find_flag(name, eq ? (size_t)(eq - name) : strlen(name));
        if (!f) {
            fprintf(stderr, "ebb run: unknown flag \"%s\" (see ebb run --help)\n", a);
            return 2;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v && f->type != F_BOOL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ebb run: --%s needs a value (%s)\n", f->name, f->arg);
                return 2;
            }
            v = argv[++i];
        }
        char from[80];
        snprintf(from, sizeof(from), "--%s", f->name);
        if ((rc = set_value(o, f, v, from)) != 0)
            return rc;
    }
    if (strcmp(o->log_format, "text") != 0 && strcmp(o->log_format, "json") != 0) {
        fprintf(stderr, "ebb run: --log-format: \"%s\" is not text or json\n", o->log_format);
        return 2;
    }
    if (ebb_run_log_level_parse(o->log_level) < 0) {
        fprintf(stderr, "ebb run: --log-level: \"%s\" is not debug, info, warn or error\n",
                o->log_level);
        return 2;
    }
    if (o->prometheus_address && *o->prometheus_address &&
        strncmp(o->prometheus_address, "http://", 7) != 0 &&
        strncmp(o->prometheus_address, "https://", 8) != 0) {
        fprintf(stderr, "ebb run: --prometheus-address: \"%s\" is not an http:// or https:// URL\n",
                o->prometheus_address);
        return 2;
    }
    return 0;
}

int ebb_run_log_level_parse(const char *s)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0)
            return i;
    return -1;
}
