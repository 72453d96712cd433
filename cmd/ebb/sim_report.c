/* sim_report.c -- what `ebb simulate` shows of a run: one line per
 * decision, the --out CSV timeline, the summary with its statistics side by
 * side for Ebb and HPA, and the --svg plot. EDGE (stdout, files).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/duration.h"
#include "../../pkg/api/v1alpha1/quantity.h"
#include "../../pkg/base/rfc3339.h"
#include "../../pkg/base/strbuf.h"
#include "simulate_internal.h"

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

void ebb__sim_print_line(const struct ebb__sim_run *e, const struct ebb__sim_run *h, int64_t now_ms,
                         double load)
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

void ebb__sim_print_header(bool hpa)
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

void ebb__sim_csv_header(FILE *f, bool hpa)
{
    fputs("time,load,utilization,ready,replicas,desired,min_replicas,max_replicas,needed,"
          "schedule,event",
          f);
    if (hpa)
        fputs(",hpa_ready,hpa_replicas,hpa_desired,hpa_event", f);
    fputs(",reason\n", f);
}

void ebb__sim_csv_row(FILE *f, const struct ebb_policy_spec *spec, const struct ebb__sim_run *e,
                      const struct ebb__sim_run *h, int64_t now_ms, double load, int32_t needed)
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

void ebb__sim_print_summary(const struct ebb__sim_opts *o, const struct ebb_policy *pol,
                            const struct ebb_sim_params *params, int64_t start_ms, int64_t end_ms,
                            int64_t step_ms, const struct ebb__sim_run *e,
                            const struct ebb__sim_run *h)
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

enum ebb_rc ebb__sim_write_svg(const struct ebb__sim_opts *o, const struct ebb_policy *pol,
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
