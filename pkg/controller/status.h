/* status.h -- a policy's status from a decision. PURE.
 *
 * The decision state must survive a restart or a failover (DESIGN.md
 * section 1): recommendations, scale events, last scale times and band
 * timers are written to status here, and read back by
 * ebb_history_from_status() (pkg/scale). Conditions keep their
 * lastTransitionTime unless their status flips (API conventions).
 */
#ifndef EBB_CONTROLLER_STATUS_H
#define EBB_CONTROLLER_STATUS_H

#include <stdint.h>

#include "../api/v1alpha1/types.h"
#include "../base/rc.h"
#include "../scale/scale.h"

#define EBB_COND_READY "Ready"

/* Rewrites p->status from decision d, taken at now_ms on a target that had
 * current_replicas. The previous status (p->status as it was) supplies the
 * lastTransitionTime of conditions whose status did not change. New strings
 * and arrays come from p->arena. EBB_ERR_NOMEM leaves p->status as it was. */
enum ebb_rc ebb_status_apply_decision(struct ebb_policy *p, const struct ebb_decision *d,
                                      int32_t current_replicas, int64_t now_ms);

/* Sets (or adds) one condition, keeping lastTransitionTime when the status
 * is unchanged. Strings are copied into p->arena. */
enum ebb_rc ebb_status_set_condition(struct ebb_policy *p, const char *type,
                                     enum ebb_condition_status status, const char *reason,
                                     const char *message, int64_t now_ms);

/* The condition of that type in p->status, or NULL. */
const struct ebb_condition *ebb_status_condition(const struct ebb_policy_status *st,
                                                 const char *type);

#endif
