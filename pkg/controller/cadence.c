/* cadence.c -- syncing just after a metric's next sample lands. PURE. */
#include "cadence.h"

#include "../api/v1alpha1/types.h"

bool ebb_cadence_newest(const struct ebb_pod_sample *s, size_t n, int64_t *ts_ms,
                        int64_t *window_ms)
{
    bool found = false;
    for (size_t i = 0; s != NULL && i < n; i++) {
        if (!s[i].present || s[i].timestamp_ms == EBB_TIME_UNSET || s[i].window_ms <= 0)
            continue;
        if (!found || s[i].timestamp_ms > *ts_ms) {
            *ts_ms = s[i].timestamp_ms;
            *window_ms = s[i].window_ms;
        }
        found = true;
    }
    return found;
}

/* What the sync that ended says of the margin. */
static void learn(struct ebb_cadence *cd, int64_t started_ms, int64_t newest_ms, int64_t window_ms)
{
    if (cd->aim_ms == 0 || cd->margin_ms < 0)
        return;
    if (started_ms >= cd->planned_ms && newest_ms != EBB_TIME_UNSET && window_ms > 0) {
        if (newest_ms >= cd->aim_ms - window_ms / 4) {
            cd->hits++;
        } else {
            cd->misses++;
            cd->margin_ms += window_ms / 8 > 0 ? window_ms / 8 : 1;
            if (cd->margin_ms >= window_ms - window_ms / 8)
                cd->margin_ms = -1;
        }
    }
    cd->aim_ms = 0;
}

int64_t ebb_cadence_plan(struct ebb_cadence *cd, int64_t started_ms, int64_t newest_ms,
                         int64_t window_ms, int64_t due_ms, int64_t period_ms)
{
    /* A sync that started a little after its planned time (a busy loop)
     * keeps the plan's phase: its period counts from the plan. Else each
     * late start would push due past the grid point and skip a window. */
    if (cd->aim_ms != 0 && cd->margin_ms > 0 && started_ms >= cd->planned_ms &&
        started_ms - cd->planned_ms < window_ms / 2 && cd->planned_ms + period_ms < due_ms)
        due_ms = cd->planned_ms + period_ms;
    learn(cd, started_ms, newest_ms, window_ms);
    if (cd->margin_ms == 0)
        cd->margin_ms = EBB_CADENCE_MARGIN_MS;
    if (cd->margin_ms < 0 || newest_ms == EBB_TIME_UNSET || window_ms <= 0 || period_ms <= 0 ||
        window_ms > period_ms || newest_ms > due_ms ||
        due_ms - newest_ms > 2 * period_ms + window_ms)
        return due_ms;
    int64_t margin = cd->margin_ms < window_ms ? cd->margin_ms : window_ms - 1;
    /* the first grid point g = newest + k*window with g + margin >= due */
    int64_t k = (due_ms - margin - newest_ms + window_ms - 1) / window_ms;
    if (k < 0)
        k = 0;
    int64_t aim = newest_ms + k * window_ms;
    cd->aim_ms = aim;
    cd->planned_ms = aim + margin;
    return aim + margin;
}
