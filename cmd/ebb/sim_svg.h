/* sim_svg.h -- the plot of an `ebb simulate` run, as a self-contained SVG.
 *
 * Time runs left to right. The offered load is a filled area against the
 * left axis (tasks/s); replica counts are step lines against the right
 * axis: Ebb's desired replicas, the ready pods, HPA's desired replicas
 * (when compared), the replicas needed to meet the target, and the
 * effective min/max bounds as a shaded band. Scale events are marked with
 * triangles (up green, down orange), and the spans where a schedule is
 * active are shaded and named. Long runs are downsampled to at most
 * EBB_SIM_SVG_MAX_BUCKETS buckets (peaks are kept: each bucket shows the
 * highest value it holds), so no line has more than 2000 points.
 * No script, no external reference: any browser opens it.
 */
#ifndef EBB_SIM_SVG_H
#define EBB_SIM_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../pkg/base/rc.h"
#include "../../pkg/base/strbuf.h"

#define EBB_SIM_SVG_MAX_BUCKETS 1000

/* One decision of the run. */
struct ebb_sim_sample {
    int64_t time_ms;
    double load;          /* offered, tasks/s */
    int32_t ready;        /* pods ready when the decision was taken */
    int32_t desired;      /* Ebb's replicas after the decision */
    int32_t min_replicas; /* effective bounds of the decision */
    int32_t max_replicas;
    int32_t needed;      /* replicas that would meet the target */
    int32_t hpa_desired; /* HPA's replicas after its decision; EBB_UNSET without --hpa */
    int16_t schedule;    /* index of the active schedule, or -1 */
    int8_t event;        /* Ebb: +1 scaled up, -1 down, 0 none */
    int8_t hpa_event;
};

struct ebb_sim_plot {
    const char *title;    /* "ebb simulate: shop (examples/black-friday.yaml)" */
    const char *subtitle; /* the trace and the model's parameters */
    const struct ebb_sim_sample *samples;
    size_t n;                          /* at least 1 */
    const char *const *schedule_names; /* indexed by ebb_sim_sample.schedule */
    size_t n_schedules;
    bool has_hpa;
    /* When > 0, the load one replica serves at target: both axes then share
     * one scale (load = replicas x this), so the load's area reaches the
     * replicas needed. 0 keeps two independent axes. */
    double load_per_replica;
};

/* Appends the SVG document to out. EBB_ERR_INVALID without samples,
 * EBB_ERR_NOMEM. */
enum ebb_rc ebb_sim_svg_render(const struct ebb_sim_plot *p, struct ebb_strbuf *out);

#endif
