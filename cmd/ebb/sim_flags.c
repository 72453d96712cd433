/* sim_flags.c -- the command line of `ebb simulate`: the flag table, the
 * --help text generated from it, and the parser. EDGE (writes stderr).
 */
#include <stdio.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/duration.h"
#include "sim_trace.h"
#include "simulate_internal.h"

enum flag_type { FLAG_PATH, FLAG_BOOL, FLAG_DURATION, FLAG_PARAM };

struct flag {
    const char *name;
    enum flag_type type;
    size_t offset;    /* into struct ebb__sim_opts; FLAG_PARAM: unused */
    int param;        /* FLAG_PARAM: an enum ebb_sim_param */
    const char *def;  /* the default, as shown by --help */
    int64_t min, max; /* FLAG_DURATION: bounds in ms */
    const char *arg;
    const char *help;
};

static const struct flag flags[] = {
    {"--policy", FLAG_PATH, offsetof(struct ebb__sim_opts, policy), 0, NULL, 0, 0, "FILE",
     "the ScalingPolicy YAML (its first ScalingPolicy document); required"},
    {"--trace", FLAG_PATH, offsetof(struct ebb__sim_opts, trace), 0, NULL, 0, 0, "FILE",
     "the load trace, CSV as described below; - reads stdin; required"},
    {"--hpa", FLAG_BOOL, offsetof(struct ebb__sim_opts, hpa), 0, NULL, 0, 0, NULL,
     "also replay the trace as a plain HPA would (same metrics, min and max; no behavior, "
     "bands, cooldowns or schedules) and compare"},
    {"--quiet", FLAG_BOOL, offsetof(struct ebb__sim_opts, quiet), 0, NULL, 0, 0, NULL,
     "print the summary only, not one line per decision"},
    {"--out", FLAG_PATH, offsetof(struct ebb__sim_opts, out), 0, NULL, 0, 0, "FILE",
     "write the timeline, one CSV row per decision"},
    {"--svg", FLAG_PATH, offsetof(struct ebb__sim_opts, svg), 0, NULL, 0, 0, "FILE",
     "write a plot: load, replicas, bounds, needed replicas, scale events"},
    {"--step", FLAG_DURATION, offsetof(struct ebb__sim_opts, step_ms), 0,
     "the policy's syncPeriod, else 15s", 1000, 3600 * 1000LL, "DUR",
     "time between two decisions (1s to 1h)"},
    {"--startup", FLAG_PARAM, 0, EBB_SIM_STARTUP, "30s", 0, 0, "DUR",
     "pod start-to-ready delay (trace header: startup)"},
    {"--pod-capacity", FLAG_PARAM, 0, EBB_SIM_POD_CAPACITY, "10", 0, 0, "N",
     "tasks/s one pod serves at 100% of its CPU request (trace header: pod_capacity)"},
    {"--cpu-request", FLAG_PARAM, 0, EBB_SIM_CPU_REQUEST, "1", 0, 0, "QTY",
     "each pod's CPU request (trace header: cpu_request)"},
    {"--initial-replicas", FLAG_PARAM, 0, EBB_SIM_INITIAL_REPLICAS, "minReplicas", 0, 0, "N",
     "ready pods when the trace starts (trace header: initial_replicas)"},
    {"--help", FLAG_BOOL, offsetof(struct ebb__sim_opts, help), 0, NULL, 0, 0, NULL,
     "show this help"},
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

static const char usage_head[] =
    "Usage: ebb simulate --policy FILE --trace FILE [flags]\n"
    "\n"
    "Replays a load trace through Ebb's decision core (the same code the controller\n"
    "runs) with a small workload model, as fast as it can, and prints one line per\n"
    "decision and a summary: scale events, min/max replicas, replica-minutes (cost),\n"
    "minutes above the target and above 100% CPU (risk), and direction reversals\n"
    "within 10 minutes (flapping).\n"
    "\n"
    "Flags:\n";

static const char usage_tail[] =
    "\n"
    "Trace format (CSV, UTF-8, LF or CRLF line ends):\n"
    "  # pod_capacity: 0.1        optional model parameters, one per comment line\n"
    "  # cpu_request: 500m        (a flag given on the command line wins)\n"
    "  # startup: 45s\n"
    "  # initial_replicas: 3\n"
    "  time,load                  the header, required\n"
    "  2026-11-23T00:00:00Z,0.31  one row per point: an RFC 3339 time, strictly\n"
    "  2026-11-23T00:01:00Z,0.29  increasing, and the offered load in tasks/s (>= 0)\n"
    "The load changes linearly between rows. Columns after load are ignored; blank\n"
    "lines and other '#' lines are skipped, but a '# key: value' comment with an\n"
    "unknown lower-case key is an error. Times are absolute, so the policy's\n"
    "schedules apply. Decisions run from the first row's time to the last row's.\n"
    "\n"
    "Model: ready pods share the load evenly; a pod's CPU usage is\n"
    "request * (load / ready pods) / pod_capacity, uncapped (above 100% = overload).\n"
    "New pods are ready `startup` after creation; a scale-down removes the newest\n"
    "pods, those not ready first. Resource metrics see that usage, Pods metrics\n"
    "load / ready pods, External and Prometheus metrics the load itself.\n"
    "See docs/simulate.md.\n"
    "\n"
    "Exit status: 0 done, 1 a file is missing or invalid, 2 bad usage.\n";

/* Prints text from column `col`, wrapped at 80 columns; continuation lines
 * start at column `indent`. */
static void print_wrapped(FILE *f, const char *text, int col, int indent)
{
    const char *w = text;
    while (*w) {
        while (*w == ' ')
            w++;
        int len = (int)strcspn(w, " ");
        if (len == 0)
            break;
        if (col > indent && col + 1 + len > 80) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", len, w);
        col += len;
        w += len;
    }
    fputc('\n', f);
}

void ebb__sim_usage(FILE *f)
{
    fputs(usage_head, f);
    for (size_t i = 0; i < N_FLAGS; i++) {
        char left[40], help[256];
        snprintf(left, sizeof(left), "%s%s%s", flags[i].name, flags[i].arg ? " " : "",
                 flags[i].arg ? flags[i].arg : "");
        snprintf(help, sizeof(help), "%s%s%s%s", flags[i].help, flags[i].def ? " (default " : "",
                 flags[i].def ? flags[i].def : "", flags[i].def ? ")" : "");
        fprintf(f, "  %-23s ", left);
        print_wrapped(f, help, 26, 26);
    }
    fputs(usage_tail, f);
}

/* Applies one flag's value; on a bad value, says why on stderr. */
static enum ebb_rc set_flag(const struct flag *fl, const char *value, struct ebb__sim_opts *o)
{
    char msg[256];
    char *base = (char *)o;
    switch (fl->type) {
    case FLAG_PATH:
        if (value[0] == '\0') {
            fprintf(stderr, "ebb simulate: %s needs a file name\n", fl->name);
            return EBB_ERR_USAGE;
        }
        memcpy(base + fl->offset, &value, sizeof(value));
        return EBB_OK;
    case FLAG_BOOL: {
        bool t = true;
        memcpy(base + fl->offset, &t, sizeof(t));
        return EBB_OK;
    }
    case FLAG_DURATION: {
        int64_t ms = 0;
        if (ebb_duration_parse(value, &ms, msg, sizeof(msg)) != EBB_OK) {
            fprintf(stderr, "ebb simulate: %s \"%s\": %s\n", fl->name, value, msg);
            return EBB_ERR_USAGE;
        }
        if (ms < fl->min || ms > fl->max) {
            char lo[32], hi[32];
            ebb_duration_format(fl->min, lo, sizeof(lo));
            ebb_duration_format(fl->max, hi, sizeof(hi));
            fprintf(stderr, "ebb simulate: %s %s: must be between %s and %s\n", fl->name, value, lo,
                    hi);
            return EBB_ERR_USAGE;
        }
        memcpy(base + fl->offset, &ms, sizeof(ms));
        return EBB_OK;
    }
    case FLAG_PARAM:
        if (ebb_sim_param_parse((enum ebb_sim_param)fl->param, value, &o->params, msg,
                                sizeof(msg)) != EBB_OK) {
            fprintf(stderr, "ebb simulate: %s: %s\n", fl->name, msg);
            return EBB_ERR_USAGE;
        }
        o->params_set |= 1u << fl->param;
        return EBB_OK;
    }
    return EBB_ERR_USAGE;
}

enum ebb_rc ebb__sim_parse_args(int argc, char **argv, struct ebb__sim_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0)
            a = "--help";
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const struct flag *fl = NULL;
        for (size_t k = 0; k < N_FLAGS; k++)
            if (strlen(flags[k].name) == len && strncmp(flags[k].name, a, len) == 0)
                fl = &flags[k];
        if (fl == NULL) {
            if (a[0] == '-')
                fprintf(stderr, "ebb simulate: unknown flag %.*s\n", (int)len, a);
            else
                fprintf(stderr, "ebb simulate: unexpected argument \"%s\"\n", a);
            return EBB_ERR_USAGE;
        }
        const char *value = NULL;
        if (fl->arg == NULL) {
            if (eq) {
                fprintf(stderr, "ebb simulate: %s takes no value\n", fl->name);
                return EBB_ERR_USAGE;
            }
            value = "";
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            fprintf(stderr, "ebb simulate: %s needs a value (%s)\n", fl->name, fl->arg);
            return EBB_ERR_USAGE;
        }
        enum ebb_rc rc = set_flag(fl, value, o);
        if (rc != EBB_OK)
            return rc;
    }
    if (o->help)
        return EBB_OK;
    if (o->policy == NULL || o->trace == NULL) {
        fprintf(stderr, "ebb simulate: %s is required\n", o->policy ? "--trace" : "--policy");
        return EBB_ERR_USAGE;
    }
    return EBB_OK;
}
