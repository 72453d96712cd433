/* history.c -- the bounded decision state: recommendations, scale events,
 * last-scale times and band timers, and their round trip through status.
 * PURE.
 */
#include "scale.h"

#include <string.h>

void ebb_history_init(struct ebb_history *h)
{
    memset(h, 0, sizeof(*h));
    h->last_scale_up_ms = EBB_TIME_UNSET;
    h->last_scale_down_ms = EBB_TIME_UNSET;
    for (size_t i = 0; i < EBB_MAX_METRICS; i++) {
        h->bands[i].above_since_ms = EBB_TIME_UNSET;
        h->bands[i].below_since_ms = EBB_TIME_UNSET;
    }
}

void ebb_history_add_recommendation(struct ebb_history *h, int64_t now_ms, int32_t replicas)
{
    if (h->n_recs > 0 && h->recs[h->n_recs - 1].replicas == replicas) {
        /* The same value again: the newest entry speaks for both, since
         * every window that holds the older one holds the newer. */
        if (now_ms > h->recs[h->n_recs - 1].time_ms)
            h->recs[h->n_recs - 1].time_ms = now_ms;
        return;
    }
    if (h->n_recs >= EBB_HISTORY_MAX_RECS) {
        memmove(&h->recs[0], &h->recs[1], (EBB_HISTORY_MAX_RECS - 1) * sizeof(h->recs[0]));
        h->n_recs = EBB_HISTORY_MAX_RECS - 1;
    }
    /* Field by field: the padding stays as it was, so equal inputs give
     * byte-equal histories. */
    h->recs[h->n_recs].time_ms = now_ms;
    h->recs[h->n_recs].replicas = replicas;
    h->n_recs++;
}

/* Both keep the newest entries of a status array in time order, stable for
 * equal times (a later entry counts as newer), in one pass and without
 * allocation: each entry is inserted into the sorted window, which drops its
 * oldest entry when full. Entries without a time or with a negative count
 * are skipped. */
static size_t keep_recs(struct ebb_recommendation *dst, const struct ebb_recommendation *src,
                        size_t nsrc)
{
    size_t n = 0;
    for (size_t i = 0; i < nsrc; i++) {
        struct ebb_recommendation r = src[i];
        if (r.time_ms == EBB_TIME_UNSET || r.replicas < 0)
            continue;
        if (n == EBB_HISTORY_MAX_RECS) {
            if (r.time_ms < dst[0].time_ms)
                continue;
            memmove(&dst[0], &dst[1], (EBB_HISTORY_MAX_RECS - 1) * sizeof(dst[0]));
            n--;
        }
        size_t j = n++;
        for (; j > 0 && dst[j - 1].time_ms > r.time_ms; j--)
            dst[j] = dst[j - 1];
        dst[j] = r;
    }
    return n;
}

static size_t keep_events(struct ebb_scale_event *dst, const struct ebb_scale_event *src,
                          size_t nsrc)
{
    size_t n = 0;
    for (size_t i = 0; i < nsrc; i++) {
        struct ebb_scale_event e = src[i];
        if (e.time_ms == EBB_TIME_UNSET || e.from < 0 || e.to < 0)
            continue;
        if (n == EBB_HISTORY_MAX_EVENTS) {
            if (e.time_ms < dst[0].time_ms)
                continue;
            memmove(&dst[0], &dst[1], (EBB_HISTORY_MAX_EVENTS - 1) * sizeof(dst[0]));
            n--;
        }
        size_t j = n++;
        for (; j > 0 && dst[j - 1].time_ms > e.time_ms; j--)
            dst[j] = dst[j - 1];
        dst[j] = e;
    }
    return n;
}

static int64_t later(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

void ebb_history_from_status(const struct ebb_policy_spec *spec, const struct ebb_policy_status *st,
                             struct ebb_history *h)
{
    ebb_history_init(h);
    if (st == NULL)
        return;

    if (st->recommendations != NULL)
        h->n_recs = keep_recs(h->recs, st->recommendations, st->n_recommendations);
    if (st->scale_events != NULL)
        h->n_events = keep_events(h->events, st->scale_events, st->n_scale_events);

    /* A status written by hand or by an older controller may carry events
     * without the last-scale times: the newest event of each direction
     * stands in for them. */
    h->last_scale_up_ms = st->last_scale_up_ms;
    h->last_scale_down_ms = st->last_scale_down_ms;
    for (size_t i = 0; i < h->n_events; i++) {
        const struct ebb_scale_event *e = &h->events[i];
        if (e->to > e->from)
            h->last_scale_up_ms = later(h->last_scale_up_ms, e->time_ms);
        else if (e->to < e->from)
            h->last_scale_down_ms = later(h->last_scale_down_ms, e->time_ms);
    }

    if (spec == NULL || st->current_metrics == NULL)
        return;
    for (size_t i = 0; i < spec->n_metrics && i < EBB_MAX_METRICS; i++) {
        const char *name = spec->metrics[i].name;
        if (name == NULL)
            continue;
        for (size_t j = 0; j < st->n_current_metrics; j++) {
            const struct ebb_metric_status *ms = &st->current_metrics[j];
            if (ms->name != NULL && strcmp(ms->name, name) == 0) {
                h->bands[i].above_since_ms = ms->above_since_ms;
                h->bands[i].below_since_ms = ms->below_since_ms;
                break;
            }
        }
    }
}
