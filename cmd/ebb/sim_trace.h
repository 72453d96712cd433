/* sim_trace.h -- the load traces `ebb simulate` replays. EDGE (reads files).
 *
 * A trace is CSV text (docs/simulate.md):
 *
 *     # pod_capacity: 0.1
 *     # cpu_request: 500m
 *     # startup: 45s
 *     # initial_replicas: 3
 *     time,load
 *     2026-11-23T00:00:00Z,0.31
 *     2026-11-23T00:01:00Z,0.29
 *
 * `time` is an RFC 3339 instant, strictly increasing from row to row;
 * `load` is the offered work in tasks per second, a finite number >= 0.
 * Between two rows the load changes linearly. Further columns after
 * `load` are ignored. Blank lines are skipped. A line starting with '#'
 * is a comment; a comment of the form `# key: value` whose key is lower
 * case letters and '_' sets a model parameter (ebb_sim_param_names), and
 * an unknown key is an error, so a typo is not silently ignored. Fields
 * are not quoted. Line endings may be LF or CRLF.
 */
#ifndef EBB_SIM_TRACE_H
#define EBB_SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../pkg/base/rc.h"
#include "sim_model.h"

/* The model parameters a trace or a flag can set; bit i of a `set` mask
 * is parameter i. */
enum ebb_sim_param {
    EBB_SIM_POD_CAPACITY = 0, /* pod_capacity: a number > 0, tasks/s */
    EBB_SIM_CPU_REQUEST,      /* cpu_request: a quantity > 0 ("500m") */
    EBB_SIM_STARTUP,          /* startup: a duration ("45s") */
    EBB_SIM_INITIAL_REPLICAS, /* initial_replicas: an integer >= 0 */
    EBB_SIM_PARAM__COUNT
};

/* "pod_capacity", "cpu_request", "startup", "initial_replicas". */
const char *ebb_sim_param_name(enum ebb_sim_param k);

/* Parses value as parameter k into p. On error msg says what is wrong
 * ("\"abc\" is not a number"), without the parameter's name. */
enum ebb_rc ebb_sim_param_parse(enum ebb_sim_param k, const char *value,
                                struct ebb_sim_params *p /* OUT */, char *msg, size_t msgsz);

struct ebb_sim_point {
    int64_t time_ms;
    double load;
};

struct ebb_sim_trace {
    struct ebb_sim_point *points; /* strictly increasing time_ms */
    size_t n;
    struct ebb_sim_params params; /* those set by the trace's comments */
    unsigned params_set;          /* bit (1u << enum ebb_sim_param) */
};

#define EBB_SIM_TRACE_INIT                                                                         \
    {                                                                                              \
        NULL, 0, {0, 0, 0, 0}, 0                                                                   \
    }

/* Parses trace text; name is used in messages ("FILE:LINE: ..."). At least
 * one row is required. On error msg holds one line naming the file, the
 * line and the bad field. Release *t with ebb_sim_trace_release() either
 * way. */
enum ebb_rc ebb_sim_trace_parse(const char *name, const char *text, size_t len,
                                struct ebb_sim_trace *t /* OUT */, char *msg, size_t msgsz);

/* Reads and parses the file at path ("-" = stdin). */
enum ebb_rc ebb_sim_trace_load(const char *path, struct ebb_sim_trace *t /* OUT */, char *msg,
                               size_t msgsz);

void ebb_sim_trace_release(struct ebb_sim_trace *t);

/* The load at now_ms: linear between the rows around it, the first row's
 * before the trace and the last row's after it. */
double ebb_sim_trace_load_at(const struct ebb_sim_trace *t, int64_t now_ms);

#endif
