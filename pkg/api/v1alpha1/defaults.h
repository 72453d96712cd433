/* defaults.h -- fill what the user left out, in one pure pass. PURE.
 *
 * HPA's defaults (pkg/apis/autoscaling/v2/defaults.go) where HPA has the
 * field, Ebb's own otherwise:
 *   minReplicas 1; when spec.behavior is present, scaleUp: window 0s, policies
 *   {Pods 4/15s, Percent 100%/15s}, selectPolicy Max; scaleDown: window 5m,
 *   policies {Percent 100%/15s}, selectPolicy Max; cooldowns none;
 *   channelPorts.pool defaults to the policy name.
 * An absent spec.behavior stays absent (behavior.set == false): HPA then
 * uses its legacy path (scale-up limit max(2*current, 4), 5m scale-down
 * stabilization), and so does the decision core. syncPeriod stays unset;
 * the controller's --sync-period fills it. Tolerances stay unset too, as in
 * HPA (whose controller flag applies when the HPA sets none): the decision
 * core uses scaleUp/scaleDown.tolerance if set, else behavior.tolerance if
 * set, else its config's tolerance_milli (EBB_DEFAULT_TOLERANCE_MILLI, 0.1,
 * unless the controller is told otherwise).
 * Idempotent: defaulting a defaulted policy changes nothing.
 */
#ifndef EBB_API_DEFAULTS_H
#define EBB_API_DEFAULTS_H

#include "../../base/rc.h"
#include "types.h"

#define EBB_DEFAULT_TOLERANCE_MILLI 100
#define EBB_DEFAULT_MIN_REPLICAS 1
#define EBB_DEFAULT_SCALE_DOWN_WINDOW_MS (300 * 1000LL)
#define EBB_DEFAULT_POLICY_PERIOD_MS (15 * 1000LL)

/* Allocates default rate policies from p->arena: EBB_ERR_NOMEM possible. */
enum ebb_rc ebb_policy_defaults(struct ebb_policy *p);

#endif
