/* simulate_internal.h -- what the files of `ebb simulate` share. EDGE.
 * Private to cmd/ebb/simulate.c (the replay loop), sim_flags.c (the flags
 * and --help) and sim_report.c (the per-decision lines, the CSV timeline,
 * the summary and the plot).
 */
#ifndef EBB_CMD_SIMULATE_INTERNAL_H
#define EBB_CMD_SIMULATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../pkg/api/v1alpha1/types.h"
#include "../../pkg/base/rc.h"
#include "../../pkg/scale/scale.h"
#include "sim_model.h"
#include "sim_svg.h"

struct ebb_tz;

/* The command line, as sim_flags.c parsed it. */
struct ebb__sim_opts {
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

/* One replay: Ebb's or HPA's. */
struct ebb__sim_run {
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

/* sim_flags.c: parses the command line into o (zeroed, step_ms EBB_UNSET);
 * on bad usage says why on stderr and returns EBB_ERR_USAGE. */
enum ebb_rc ebb__sim_parse_args(int argc, char **argv, struct ebb__sim_opts *o);

/* sim_flags.c: the --help text. */
void ebb__sim_usage(FILE *f);

/* sim_report.c: one line per decision on stdout, below a header. h is the
 * HPA's replay, or NULL without --hpa. */
void ebb__sim_print_header(bool hpa);
void ebb__sim_print_line(const struct ebb__sim_run *e, const struct ebb__sim_run *h, int64_t now_ms,
                         double load);

/* sim_report.c: the --out timeline, one CSV row per decision. */
void ebb__sim_csv_header(FILE *f, bool hpa);
void ebb__sim_csv_row(FILE *f, const struct ebb_policy_spec *spec, const struct ebb__sim_run *e,
                      const struct ebb__sim_run *h, int64_t now_ms, double load, int32_t needed);

/* sim_report.c: the summary on stdout: the run, the model and the
 * statistics of each replay side by side. */
void ebb__sim_print_summary(const struct ebb__sim_opts *o, const struct ebb_policy *pol,
                            const struct ebb_sim_params *params, int64_t start_ms, int64_t end_ms,
                            int64_t step_ms, const struct ebb__sim_run *e,
                            const struct ebb__sim_run *h);

/* sim_report.c: draws the samples and writes the --svg file; says why on
 * stderr when it cannot. */
enum ebb_rc ebb__sim_write_svg(const struct ebb__sim_opts *o, const struct ebb_policy *pol,
                               const struct ebb_sim_params *params, int64_t step_ms,
                               const struct ebb_sim_sample *samples, size_t n);

#endif
