/* simulate.c -- `ebb simulate`: replay a load trace through the decision
 * core with a workload model, and summarize what the policy would have done.
 *
 * Every decision is ebb_scale_decide(), the function the controller calls:
 * the model (sim_model.h) plays the cluster, the trace (sim_trace.h) plays
 * the traffic, and the history each decision returns is the next one's
 * input, as status carries it in a cluster. --hpa replays the same trace
 * with the policy reduced to what an autoscaling/v2 HPA would run.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/defaults.h"
#include "../../pkg/api/v1alpha1/duration.h"
#include "../../pkg/api/v1alpha1/quantity.h"
#include "../../pkg/base/rfc3339.h"
#include "../../pkg/base/strbuf.h"
#include "../../pkg/scale/scale.h"
#include "cmd.h"
#include "policy_load.h"
#include "sim_model.h"
#include "sim_svg.h"
#include "sim_trace.h"

#define DEFAULT_STEP_MS (15 * 1000LL)
#define DEFAULT_STARTUP_MS (30 * 1000LL)
#define DEFAULT_POD_CAPACITY 10.0
#define DEFAULT_CPU_REQUEST_MILLI 1000
/* Beyond this the run takes minutes and the plot's memory grows large. */
#define MAX_DECISIONS 2000000

struct sim_opts {
    const char *policy;
    const char *trace;
    const char *out;
    const char *svg;
    bool hpa;
    bool quiet;
    bool help;
    int64_t step_ms; /* EBB_UNSET: the policy's syncPeriod, else 15s */
    struct ebb_sim_params params;
    unsigned params_set; /* bit (1u << enum ebb_sim_param) */
};

enum flag_type { FLAG_PATH, FLAG_BOOL, FLAG_DURATION, FLAG_PARAM };

struct flag {
    const char *name;
    enum flag_type type;
    size_t offset;    /* into struct sim_opts; FLAG_PARAM: unused */
    int param;        /* FLAG_PARAM: an enum ebb_sim_param */
    const char *def;  /* the default, as shown by --help */
    int64_t min, max; /* FLAG_DURATION: bounds in ms */
    const char *arg;
    const char *help;
};

static const struct flag flags[] = {
    {"--policy", FLAG_PATH, offsetof(struct sim_opts, policy), 0, NULL, 0, 0, "FILE",
     "the ScalingPolicy YAML (its first ScalingPolicy document); required"},
    {"--trace", FLAG_PATH, offsetof(struct sim_opts, trace), 0, NULL, 0, 0, "FILE",
     "the load trace, CSV as described below; - reads stdin; required"},
    {"--hpa", FLAG_BOOL, offsetof(struct sim_opts, hpa), 0, NULL, 0, 0, NULL,
     "also replay the trace as a plain HPA would (same metrics, min and max; no behavior, "
     "bands, cooldowns or schedules) and compare"},
    {"--quiet", FLAG_BOOL, offsetof(struct sim_opts, quiet), 0, NULL, 0, 0, NULL,
     "print the summary only, not one line per decision"},
    {"--out", FLAG_PATH, offsetof(struct sim_opts, out), 0, NULL, 0, 0, "FILE",
     "write the timeline, one CSV row per decision"},
    {"--svg", FLAG_PATH, offsetof(struct sim_opts, svg), 0, NULL, 0, 0, "FILE",
     "write a plot: load, replicas, bounds, needed replicas, scale events"},
    {"--step", FLAG_DURATION, offsetof(struct sim_opts, step_ms), 0,
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
    {"--help", FLAG_BOOL, offsetof(struct sim_opts, help), 0, NULL, 0, 0, NULL, "show this help"},
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

static void usage(FILE *f)
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
static enum ebb_rc set_flag(const struct flag *fl, const char *value, struct sim_opts *o)
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

static enum ebb_rc parse_args(int argc, char **argv, struct sim_opts *o)
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

/* One replay: Ebb's or HPA's. */
struct run {
    const struct ebb_policy_spec *spec;
    const struct ebb_tz *const *tzs;
    bool paused;
    int32_t port_capacity;
    struct ebb_sim_model model;
    struct ebb_sim_obs obs;
    struct ebb_history *history;
    struct ebb_decision *decision;
    struct ebb_sim_stats stats;
    /* The lowest count after a decision taken while one of the policy's
     * schedules was active (for HPA too: at the same instants); EBB_UNSET. */
    int32_t min_in_schedule;
    /* The last step. */
    int32_t before, ready;
    double util;
    int event;
};

static enum ebb_rc run_init(struct run *r, const struct ebb_policy_spec *spec,
                            const struct ebb_sim_params *params, int64_t start_ms)
{
    struct ebb_sim_obs empty = EBB_SIM_OBS_INIT;
    memset(r, 0, sizeof(*r));
    r->spec = spec;
    r->obs = empty;
    r->port_capacity = EBB_UNSET;
    r->min_in_schedule = EBB_UNSET;
    ebb_sim_stats_init(&r->stats);
    r->history = malloc(sizeof(*r->history));
    r->decision = malloc(sizeof(*r->decision));
    if (r->history == NULL || r->decision == NULL)
        return EBB_ERR_NOMEM;
    ebb_history_init(r->history);
    return ebb_sim_model_init(&r->model, params, start_ms);
}

static void run_release(struct run *r)
{
    ebb_sim_model_release(&r->model);
    ebb_sim_obs_release(&r->obs);
    free(r->history);
    free(r->decision);
    r->history = NULL;
    r->decision = NULL;
}

/* Observes, decides and applies the decision at now_ms. */
static enum ebb_rc run_step(struct run *r, const struct ebb_scale_config *cfg, double load,
                            int64_t now_ms, int64_t step_ms)
{
    enum ebb_rc rc = ebb_sim_observe(&r->model, r->spec, load, now_ms, &r->obs);
    if (rc != EBB_OK)
        return rc;
    r->before = ebb_sim_model_replicas(&r->model);
    r->ready = ebb_sim_model_ready(&r->model, now_ms);
    r->util = ebb_sim_utilization(&r->model.params, load, r->ready);
    double ratio = ebb_sim_target_ratio(&r->model.params, r->spec, load, r->ready);

    struct ebb_scale_input in;
    memset(&in, 0, sizeof(in));
    in.spec = r->spec;
    in.paused = r->paused;
    in.current_replicas = r->before;
    in.status_replicas = r->before;
    in.pods = r->obs.pods;
    in.n_pods = r->obs.n_pods;
    in.metrics = r->obs.metrics;
    in.history = r->history;
    in.schedule_tz = r->tzs;
    in.port_capacity = r->port_capacity;
    in.config = cfg;
    in.now_ms = now_ms;
    rc = ebb_scale_decide(&in, r->decision);
    if (rc != EBB_OK)
        return rc;
    int32_t after = r->decision->desired;
    rc = ebb_sim_model_scale(&r->model, after, now_ms);
    if (rc != EBB_OK)
        return rc;
    *r->history = r->decision->history;
    r->event = after > r->before ? 1 : after < r->before ? -1 : 0;
    ebb_sim_stats_add(&r->stats, now_ms, step_ms, r->before, after, r->util, ratio);
    return EBB_OK;
}

static void note_schedule_min(struct run *r)
{
    int32_t d = r->decision->desired;
    if (r->min_in_schedule == EBB_UNSET || d < r->min_in_schedule)
        r->min_in_schedule = d;
}

/* The policy as an autoscaling/v2 HPA would run it: the same target,
 * metrics (without bands), min, max and sync period; no behavior, no
 * schedules, no channel ports. Defaulted like any policy. */
static enum ebb_rc hpa_policy(const struct ebb_policy *src, struct ebb_policy *dst)
{
    ebb_policy_init(dst);
    dst->metadata.name = src->metadata.name; /* borrowed, never freed through dst */
    dst->metadata.namespace_ = src->metadata.namespace_;
    const struct ebb_policy_spec *s = &src->spec;
    struct ebb_policy_spec *d = &dst->spec;
    d->target_ref = s->target_ref;
    d->min_replicas = s->min_replicas;
    d->max_replicas = s->max_replicas;
    d->sync_period_ms = s->sync_period_ms;
    if (s->n_metrics > 0) {
        d->metrics = ebb_arena_calloc(&dst->arena, s->n_metrics, sizeof(*d->metrics));
        if (d->metrics == NULL)
            return EBB_ERR_NOMEM;
        for (size_t i = 0; i < s->n_metrics; i++) {
            d->metrics[i] = s->metrics[i];
            memset(&d->metrics[i].scale_up, 0, sizeof(d->metrics[i].scale_up));
            memset(&d->metrics[i].scale_down, 0, sizeof(d->metrics[i].scale_down));
            d->metrics[i].scale_up.for_ms = EBB_UNSET;
            d->metrics[i].scale_down.for_ms = EBB_UNSET;
        }
        d->n_metrics = s->n_metrics;
    }
    return ebb_policy_defaults(dst);
}

/* "cpu 60%", "queue 100/pod", "rps 1k", or "any metric" for several. */
static void target_label(const struct ebb_policy_spec *spec, char *buf, size_t bufsz)
{
    char q[32];
    if (spec->n_metrics != 1) {
        snprintf(buf, bufsz, "any metric");
        return;
    }
    const struct ebb_metric_spec *m = &spec->metrics[0];
    const char *name = m->name ? m->name : "metric";
    switch (m->target.type) {
    case EBB_TARGET_UTILIZATION:
        snprintf(buf, bufsz, "%s %d%%", name, m->target.average_utilization);
        break;
    case EBB_TARGET_AVERAGE_VALUE:
        ebb_quantity_format(m->target.average_value.milli, q, sizeof(q));
        snprintf(buf, bufsz, "%s %s/pod", name, q);
        break;
    case EBB_TARGET_VALUE:
        ebb_quantity_format(m->target.value.milli, q, sizeof(q));
        snprintf(buf, bufsz, "%s %s", name, q);
        break;
    default:
        snprintf(buf, bufsz, "%s", name);
    }
}

static void format_util(double util, char *buf, size_t bufsz)
{
    if (isinf(util))
        snprintf(buf, bufsz, "over");
    else
        snprintf(buf, bufsz, "%.0f%%", util);
}

static void print_line(const struct run *e, const struct run *h, int64_t now_ms, double load)
{
    char ts[32], util[16], pods[32], change[32], bounds[32], hpa[16] = "";
    const struct ebb_decision *d = e->decision;
    ebb_rfc3339_format(now_ms, ts, sizeof(ts));
    format_util(e->util, util, sizeof(util));
    snprintf(pods, sizeof(pods), "%d/%d", e->ready, e->before);
    if (e->event)
        snprintf(change, sizeof(change), "%d -> %d", e->before, d->desired);
    else
        snprintf(change, sizeof(change), "%d", d->desired);
    snprintf(bounds, sizeof(bounds), "%d-%d", d->min_replicas, d->max_replicas);
    if (h)
        snprintf(hpa, sizeof(hpa), " %5d", h->decision->desired);
    printf("%-20s %9.3f %6s %11s  %-12s %-9s%s  %s\n", ts, load, util, pods, change, bounds, hpa,
           d->reason);
}

static void print_header(bool hpa)
{
    printf("%-20s %9s %6s %11s  %-12s %-9s%s  %s\n", "TIME", "LOAD/S", "UTIL", "READY/PODS",
           "REPLICAS", "MIN-MAX", hpa ? "   HPA" : "", "REASON");
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static const char *event_name(int event)
{
    return event > 0 ? "up" : event < 0 ? "down" : "";
}

static void csv_header(FILE *f, bool hpa)
{
    fputs("time,load,utilization,ready,replicas,desired,min_replicas,max_replicas,needed,"
          "schedule,event",
          f);
    if (hpa)
        fputs(",hpa_ready,hpa_replicas,hpa_desired,hpa_event", f);
    fputs(",reason\n", f);
}

static void csv_row(FILE *f, const struct ebb_policy_spec *spec, const struct run *e,
                    const struct run *h, int64_t now_ms, double load, int32_t needed)
{
    char ts[32];
    const struct ebb_decision *d = e->decision;
    ebb_rfc3339_format(now_ms, ts, sizeof(ts));
    fprintf(f, "%s,%.6g,", ts, load);
    if (isinf(e->util))
        fputs("inf", f);
    else
        fprintf(f, "%.2f", e->util);
    fprintf(f, ",%d,%d,%d,%d,%d,%d,", e->ready, e->before, d->desired, d->min_replicas,
            d->max_replicas, needed);
    if (d->active_schedule >= 0 && (size_t)d->active_schedule < spec->n_schedules)
        csv_field(f, spec->schedules[d->active_schedule].name);
    fprintf(f, ",%s", event_name(e->event));
    if (h)
        fprintf(f, ",%d,%d,%d,%s", h->ready, h->before, h->decision->desired, event_name(h->event));
    fputc(',', f);
    csv_field(f, d->reason);
    fputc('\n', f);
}

/* The fewest ready pods that keep every per-pod metric at its target. */
static int32_t needed_replicas(const struct ebb_sim_params *p, const struct ebb_policy_spec *s,
                               double load)
{
    double r = ebb_sim_target_ratio(p, s, load, 1);
    if (!(r > 0))
        return 0;
    if (r >= EBB_MAX_REPLICAS)
        return EBB_MAX_REPLICAS;
    return (int32_t)ceil(r - 1e-9);
}

static void print_summary(const struct sim_opts *o, const struct ebb_policy *pol,
                          const struct ebb_sim_params *params, int64_t start_ms, int64_t end_ms,
                          int64_t step_ms, const struct run *e, const struct run *h)
{
    char from[32], to[32], step[32], startup[32], req[32], target[96], label[128];
    ebb_rfc3339_format(start_ms, from, sizeof(from));
    ebb_rfc3339_format(end_ms, to, sizeof(to));
    ebb_duration_format(step_ms, step, sizeof(step));
    ebb_duration_format(params->startup_ms, startup, sizeof(startup));
    ebb_quantity_format(params->cpu_request_milli, req, sizeof(req));
    target_label(&pol->spec, target, sizeof(target));

    printf("%spolicy %s (%s), trace %s\n", o->quiet ? "" : "\n",
           pol->metadata.name ? pol->metadata.name : "", o->policy, o->trace);
    printf("%s .. %s: %lld decision%s, one every %s\n", from, to, (long long)e->stats.decisions,
           e->stats.decisions == 1 ? "" : "s", step);
    printf("model: pod capacity %g tasks/s at cpu request %s, startup %s, %d initial "
           "replicas\n\n",
           params->pod_capacity, req, startup, params->initial_replicas);

    printf("%-36s %12s%s\n", "", "ebb", h ? "          hpa" : "");
    const struct ebb_sim_stats *a = &e->stats, *b = h ? &h->stats : NULL;
#define ROW_I(lbl, field)                                                                          \
    do {                                                                                           \
        printf("%-36s %12lld", lbl, (long long)a->field);                                          \
        if (b)                                                                                     \
            printf(" %12lld", (long long)b->field);                                                \
        putchar('\n');                                                                             \
    } while (0)
#define ROW_F(lbl, field, fmt)                                                                     \
    do {                                                                                           \
        printf("%-36s %12" fmt, lbl, a->field);                                                    \
        if (b)                                                                                     \
            printf(" %12" fmt, b->field);                                                          \
        putchar('\n');                                                                             \
    } while (0)
    ROW_I("scale events up", scale_ups);
    ROW_I("scale events down", scale_downs);
    ROW_I("min replicas", min_replicas);
    ROW_I("max replicas", max_replicas);
    if (e->min_in_schedule != EBB_UNSET) {
        printf("%-36s %12d", "min replicas while a schedule is on", e->min_in_schedule);
        if (h)
            printf(" %12d", h->min_in_schedule);
        putchar('\n');
    }
    ROW_F("replica-minutes (cost)", replica_minutes, ".0f");
    snprintf(label, sizeof(label), "minutes above target (%s)", target);
    ROW_F(label, minutes_above_target, ".2f");
    ROW_F("minutes above 100% cpu (overload)", minutes_above_100, ".2f");
    ROW_I("reversals within 10m (flapping)", reversals);
#undef ROW_I
#undef ROW_F
}

static enum ebb_rc write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "ebb simulate: cannot write %s: %s\n", path, strerror(errno));
        return EBB_ERR_IO;
    }
    size_t n = fwrite(text, 1, len, f);
    int bad = n != len || ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "ebb simulate: cannot write %s: %s\n", path, strerror(errno));
        return EBB_ERR_IO;
    }
    return EBB_OK;
}

/* The load one ready pod serves at target, when every metric is per pod
 * (so that the needed replicas grow with the load); 0 otherwise. */
static double load_per_replica(const struct ebb_sim_params *p, const struct ebb_policy_spec *s)
{
    for (size_t i = 0; i < s->n_metrics; i++)
        if (s->metrics[i].target.type == EBB_TARGET_VALUE)
            return 0.0;
    double r = ebb_sim_target_ratio(p, s, 1.0, 1);
    return r > 0 && isfinite(r) ? 1.0 / r : 0.0;
}

static enum ebb_rc write_svg(const struct sim_opts *o, const struct ebb_policy *pol,
                             const struct ebb_sim_params *params, int64_t step_ms,
                             const struct ebb_sim_sample *samples, size_t n)
{
    const char *names[EBB_MAX_SCHEDULES];
    char title[256], subtitle[512], step[32], startup[32], req[32];
    struct ebb_strbuf svg = EBB_STRBUF_INIT;
    for (size_t i = 0; i < pol->spec.n_schedules && i < EBB_MAX_SCHEDULES; i++)
        names[i] = pol->spec.schedules[i].name ? pol->spec.schedules[i].name : "schedule";
    ebb_duration_format(step_ms, step, sizeof(step));
    ebb_duration_format(params->startup_ms, startup, sizeof(startup));
    ebb_quantity_format(params->cpu_request_milli, req, sizeof(req));
    snprintf(title, sizeof(title), "ebb simulate: policy %s (%s)",
             pol->metadata.name ? pol->metadata.name : "", o->policy);
    snprintf(subtitle, sizeof(subtitle),
             "trace %s; a decision every %s; pod capacity %g tasks/s at cpu request %s; "
             "startup %s",
             o->trace, step, params->pod_capacity, req, startup);
    struct ebb_sim_plot plot = {title,   subtitle,
                                samples, n,
                                names,   pol->spec.n_schedules,
                                o->hpa,  load_per_replica(params, &pol->spec)};
    enum ebb_rc rc = ebb_sim_svg_render(&plot, &svg);
    if (rc != EBB_OK) {
        fprintf(stderr, "ebb simulate: cannot draw the plot: %s\n", ebb_rc_str(rc));
        goto out;
    }
    rc = write_text(o->svg, svg.buf, svg.len);
out:
    ebb_strbuf_release(&svg);
    return rc;
}

/* Model parameters: flags win over the trace's header, which wins over
 * the defaults. */
static void resolve_params(const struct sim_opts *o, const struct ebb_sim_trace *t,
                           const struct ebb_policy_spec *spec, struct ebb_sim_params *p)
{
    p->pod_capacity = DEFAULT_POD_CAPACITY;
    p->cpu_request_milli = DEFAULT_CPU_REQUEST_MILLI;
    p->startup_ms = DEFAULT_STARTUP_MS;
    p->initial_replicas = spec->min_replicas > 0 ? spec->min_replicas : 0;
    const struct ebb_sim_params *src[2] = {&t->params, &o->params};
    unsigned set[2] = {t->params_set, o->params_set};
    for (size_t i = 0; i < 2; i++) {
        if (set[i] & (1u << EBB_SIM_POD_CAPACITY))
            p->pod_capacity = src[i]->pod_capacity;
        if (set[i] & (1u << EBB_SIM_CPU_REQUEST))
            p->cpu_request_milli = src[i]->cpu_request_milli;
        if (set[i] & (1u << EBB_SIM_STARTUP))
            p->startup_ms = src[i]->startup_ms;
        if (set[i] & (1u << EBB_SIM_INITIAL_REPLICAS))
            p->initial_replicas = src[i]->initial_replicas;
    }
}

int ebb_cmd_simulate(int argc, char **argv)
{
    struct sim_opts o;
    struct ebb_policy pol, hpa;
    struct ebb_tz *tzs[EBB_MAX_SCHEDULES] = {NULL};
    struct ebb_sim_trace trace = EBB_SIM_TRACE_INIT;
    struct ebb_sim_params params;
    struct ebb_scale_config cfg;
    struct run ebb_run, hpa_run;
    struct ebb_sim_sample *samples = NULL;
    FILE *csv = NULL;
    char msg[512];
    int status = 1;
    enum ebb_rc rc;

    memset(&o, 0, sizeof(o));
    o.step_ms = EBB_UNSET;
    ebb_policy_init(&pol);
    ebb_policy_init(&hpa);
    memset(&ebb_run, 0, sizeof(ebb_run));
    memset(&hpa_run, 0, sizeof(hpa_run));

    if (parse_args(argc, argv, &o) != EBB_OK) {
        fprintf(stderr, "Run 'ebb simulate --help' for the flags and the trace format.\n");
        status = 2;
        goto out;
    }
    if (o.help) {
        usage(stdout);
        status = 0;
        goto out;
    }
    if (ebb_policy_load_one(o.policy, stderr, &pol, tzs) != EBB_OK)
        goto out;
    if (ebb_sim_trace_load(o.trace, &trace, msg, sizeof(msg)) != EBB_OK) {
        fprintf(stderr, "%s\n", msg);
        goto out;
    }
    resolve_params(&o, &trace, &pol.spec, &params);
    int64_t step_ms = o.step_ms != EBB_UNSET        ? o.step_ms
                      : pol.spec.sync_period_ms > 0 ? pol.spec.sync_period_ms
                                                    : DEFAULT_STEP_MS;
    int64_t start_ms = trace.points[0].time_ms;
    int64_t end_ms = trace.points[trace.n - 1].time_ms;
    int64_t n_steps = (end_ms - start_ms) / step_ms + 1;
    if (n_steps > MAX_DECISIONS) {
        char span[32], stepbuf[32];
        ebb_duration_format(end_ms - start_ms, span, sizeof(span));
        ebb_duration_format(step_ms, stepbuf, sizeof(stepbuf));
        fprintf(stderr,
                "ebb simulate: %s: the trace spans %s, %lld decisions of %s; at most %d are "
                "simulated: use a longer --step\n",
                o.trace, span, (long long)n_steps, stepbuf, MAX_DECISIONS);
        goto out;
    }
    ebb_scale_config_default(&cfg);
    cfg.sync_period_ms = step_ms;

    rc = run_init(&ebb_run, &pol.spec, &params, start_ms);
    if (rc == EBB_OK && o.hpa) {
        rc = hpa_policy(&pol, &hpa);
        if (rc == EBB_OK)
            rc = run_init(&hpa_run, &hpa.spec, &params, start_ms);
    }
    if (rc != EBB_OK) {
        fprintf(stderr, "ebb simulate: cannot start the model: %s\n", ebb_rc_str(rc));
        goto out;
    }
    ebb_run.tzs = (const struct ebb_tz *const *)tzs;
    ebb_run.paused = ebb_policy_is_paused(&pol);
    if (pol.spec.channel_ports.set && pol.spec.channel_ports.range_size > 0)
        ebb_run.port_capacity = (pol.spec.channel_ports.limit - pol.spec.channel_ports.base + 1) /
                                pol.spec.channel_ports.range_size;

    if (o.svg) {
        samples = calloc((size_t)n_steps, sizeof(*samples));
        if (samples == NULL) {
            fprintf(stderr, "ebb simulate: out of memory for %lld decisions\n", (long long)n_steps);
            goto out;
        }
    }
    if (o.out) {
        csv = fopen(o.out, "w");
        if (csv == NULL) {
            fprintf(stderr, "ebb simulate: cannot write %s: %s\n", o.out, strerror(errno));
            goto out;
        }
        csv_header(csv, o.hpa);
    }
    if (!o.quiet)
        print_header(o.hpa);

    for (int64_t k = 0; k < n_steps; k++) {
        int64_t now = start_ms + k * step_ms;
        double load = ebb_sim_trace_load_at(&trace, now);
        rc = run_step(&ebb_run, &cfg, load, now, step_ms);
        if (rc == EBB_OK && o.hpa)
            rc = run_step(&hpa_run, &cfg, load, now, step_ms);
        if (rc != EBB_OK) {
            ebb_rfc3339_format(now, msg, sizeof(msg));
            fprintf(stderr, "ebb simulate: the decision at %s failed: %s\n", msg, ebb_rc_str(rc));
            goto out;
        }
        if (ebb_run.decision->active_schedule >= 0) {
            note_schedule_min(&ebb_run);
            if (o.hpa)
                note_schedule_min(&hpa_run);
        }
        int32_t needed = needed_replicas(&params, &pol.spec, load);
        if (!o.quiet)
            print_line(&ebb_run, o.hpa ? &hpa_run : NULL, now, load);
        if (csv)
            csv_row(csv, &pol.spec, &ebb_run, o.hpa ? &hpa_run : NULL, now, load, needed);
        if (samples) {
            struct ebb_sim_sample *s = &samples[k];
            const struct ebb_decision *d = ebb_run.decision;
            s->time_ms = now;
            s->load = load;
            s->ready = ebb_run.ready;
            s->desired = d->desired;
            s->min_replicas = d->min_replicas;
            s->max_replicas = d->max_replicas;
            s->needed = needed;
            s->hpa_desired = o.hpa ? hpa_run.decision->desired : EBB_UNSET;
            s->schedule = (int16_t)(d->active_schedule >= 0 ? d->active_schedule : -1);
            s->event = (int8_t)ebb_run.event;
            s->hpa_event = (int8_t)(o.hpa ? hpa_run.event : 0);
        }
    }
    if (csv) {
        int bad = ferror(csv);
        if (fclose(csv) != 0 || bad) {
            csv = NULL;
            fprintf(stderr, "ebb simulate: cannot write %s: %s\n", o.out, strerror(errno));
            goto out;
        }
        csv = NULL;
    }
    print_summary(&o, &pol, &params, start_ms, start_ms + (n_steps - 1) * step_ms, step_ms,
                  &ebb_run, o.hpa ? &hpa_run : NULL);
    if (samples && write_svg(&o, &pol, &params, step_ms, samples, (size_t)n_steps) != EBB_OK)
        goto out;
    status = 0;
out:
    if (csv)
        fclose(csv);
    free(samples);
    run_release(&hpa_run);
    run_release(&ebb_run);
    ebb_sim_trace_release(&trace);
    for (size_t i = 0; i < EBB_MAX_SCHEDULES; i++)
        ebb_tz_free(tzs[i]);
    ebb_policy_release(&hpa);
    ebb_policy_release(&pol);
    fflush(stdout);
    return status;
}
