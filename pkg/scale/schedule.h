/* schedule.h -- which schedules are active, and the bounds they impose. PURE.
 *
 * A schedule is active at now when it is absolute and start <= now <= end,
 * or recurring and some occurrence of its cron expression (in its time
 * zone) began within the last `duration`. Active schedules override the
 * spec's bounds: the highest minReplicas and the highest maxReplicas among
 * them win (DESIGN.md section 2, rule 6); a bound no active schedule sets
 * stays the spec's. When the result has min above max:
 *   - if an active schedule sets the min (a peak), max is raised to min: a
 *     known peak outranks the everyday ceiling;
 *   - if only an active schedule's max is in force and it is under the
 *     spec's min (quiet hours), min is lowered to that max: the schedule
 *     overrides the spec.
 * Either way the note says which bound moved, from what to what.
 */
#ifndef EBB_SCALE_SCHEDULE_H
#define EBB_SCALE_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "../api/v1alpha1/types.h"

struct ebb_tz;

struct ebb_schedule_eval {
    int32_t min_replicas; /* effective */
    int32_t max_replicas; /* effective */
    int first_active;     /* index of the first active schedule, or -1 */
    uint32_t active_mask; /* bit i: spec.schedules[i] is active */
    char note[256];       /* "" or what a person should know: a zone that
                             could not be loaded, a max raised to a min */
};

/* tzs is parallel to spec->schedules (NULL entry = UTC) and may be NULL
 * when no schedule names a zone; a schedule that names a zone whose entry
 * is NULL is treated as inactive and named in the note. */
void ebb_schedules_eval(const struct ebb_policy_spec *spec, const struct ebb_tz *const *tzs,
                        int64_t now_ms, struct ebb_schedule_eval *out /* OUT */);

#endif
