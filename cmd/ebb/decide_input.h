/* decide_input.h -- the JSON input of `ebb decide` (docs/decide.md). EDGE.
 *
 * Parses one input document into everything ebb_scale_decide() needs: the
 * policy (decoded, defaulted and validated as `ebb validate` does), its
 * history (from its status), the pods, the samples, the zones of its
 * schedules. The struct owns all of it; ebb_decide_input_release() frees it.
 */
#ifndef EBB_DECIDE_INPUT_H
#define EBB_DECIDE_INPUT_H

#include <stddef.h>

#include "../../pkg/api/v1alpha1/types.h"
#include "../../pkg/base/errlist.h"
#include "../../pkg/base/tz.h"
#include "../../pkg/scale/scale.h"

struct ebb_decide_input {
    struct ebb_policy policy;
    struct ebb_pod *pods;
    size_t n_pods;
    struct ebb_pod_sample *samples; /* n_metrics rows of n_pods */
    struct ebb_metric_obs obs[EBB_MAX_METRICS];
    char *obs_errors[EBB_MAX_METRICS];
    struct ebb_history history;
    struct ebb_tz *tzs[EBB_MAX_SCHEDULES];
    struct ebb_scale_config config;
    int32_t current;
    int32_t status_replicas;
    int32_t port_capacity;
    int64_t now_ms;
};

void ebb_decide_input_init(struct ebb_decide_input *in);
void ebb_decide_input_release(struct ebb_decide_input *in);

/* Every problem goes to errs as "field.path: message". EBB_ERR_PARSE when
 * text is not JSON, EBB_ERR_INVALID when errs got entries, else EBB_OK. */
enum ebb_rc ebb_decide_input_parse(struct ebb_decide_input *in, const char *text, size_t len,
                                   struct ebb_errlist *errs);

/* The core's input; it points into `in`, which must outlive it. */
void ebb_decide_input_scale(const struct ebb_decide_input *in, struct ebb_scale_input *out);

#endif
