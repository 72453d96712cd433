/* cadence.h -- syncing just after a metric's next sample lands. PURE.
 *
 * metrics-server (and kubesim) publish a pod's usage once per resolution:
 * a sample stamped T with window W is followed by one stamped about T + W.
 * A sync that runs at an arbitrary phase of that grid reads a sample up to
 * W old; one that runs just after each grid point reads it as it lands.
 * So a policy's next sync, due one period after this one started, is
 * moved later -- by less than one window, never earlier -- to the first
 * grid point after it plus a margin for the time the sample takes to
 * become visible.
 *
 * The margin learns: it starts at EBB_CADENCE_MARGIN_MS (kubesim's
 * samples are visible at their timestamp); when a sync that aimed at a
 * grid point finds no sample from it, the sample is later than assumed and
 * the margin grows by an eighth of the window; after growing to seven
 * eighths without a hit the policy goes back to plain periods. Only syncs
 * that started at or after their planned time count (a sync an event
 * triggered early proves nothing).
 *
 * Nothing moves when the cadence is unknown or does not fit: no sample
 * timestamp or window, a window longer than the period, a sample newer
 * than the due time (clocks that disagree, a simulated clock) or older
 * than two periods and a window (stale). */
#ifndef EBB_CONTROLLER_CADENCE_H
#define EBB_CONTROLLER_CADENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../scale/scale.h"

#define EBB_CADENCE_MARGIN_MS 100

/* One policy's state, zeroed at start. */
struct ebb_cadence {
    int64_t margin_ms;  /* 0: not set yet (EBB_CADENCE_MARGIN_MS); -1: given up */
    int64_t aim_ms;     /* the grid point the planned sync aims at; 0: none */
    int64_t planned_ms; /* when that sync was planned to start */
    uint32_t hits, misses;
};

/* The newest present sample's timestamp and window in s[0..n): false
 * when there is none with both. */
bool ebb_cadence_newest(const struct ebb_pod_sample *s, size_t n, int64_t *ts_ms,
                        int64_t *window_ms);

/* Plans the next sync. started_ms: when the sync that just ended started;
 * newest_ms, window_ms: its newest sample (EBB_TIME_UNSET / 0 when none);
 * due_ms: when the next one is due by the period; all wall-clock ms.
 * Learns from the sync that ended, then returns when the next should run:
 * in [due_ms, due_ms + window_ms), or due_ms itself -- where a sync that
 * started less than half a window after its planned time counts its
 * period from the plan (due_ms = planned + period, if earlier). */
int64_t ebb_cadence_plan(struct ebb_cadence *cd, int64_t started_ms, int64_t newest_ms,
                         int64_t window_ms, int64_t due_ms, int64_t period_ms);

#endif
