/* schedule.c -- which schedules are active, and the bounds they impose. PURE. */
#include "schedule.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/cron.h"
#include "../base/tz.h"

static void add_note(struct ebb_schedule_eval *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends "; <text>" to the note; what does not fit is cut off. */
static void add_note(struct ebb_schedule_eval *out, const char *fmt, ...)
{
    size_t len = strlen(out->note);
    va_list ap;

    if (len > 0 && len + 2 < sizeof(out->note)) {
        memcpy(out->note + len, "; ", 3);
        len += 2;
    }
    if (len + 1 >= sizeof(out->note))
        return;
    va_start(ap, fmt);
    vsnprintf(out->note + len, sizeof(out->note) - len, fmt, ap);
    va_end(ap);
}

static const char *sched_name(const struct ebb_schedule *s)
{
    return s->name != NULL ? s->name : "";
}

/* A zone that needs no data: none named, or UTC by name. */
static bool zone_is_utc(const char *name)
{
    return name == NULL || name[0] == '\0' || strcmp(name, "UTC") == 0 ||
           strcmp(name, "Etc/UTC") == 0;
}

static bool recurring_active(const struct ebb_schedule *s, const struct ebb_tz *tz, int64_t now_ms,
                             struct ebb_schedule_eval *out)
{
    struct ebb_cron cron;
    char msg[256];
    int64_t at;

    if (ebb_cron_parse(s->cron, &cron, msg, sizeof(msg)) != EBB_OK) {
        add_note(out, "schedule \"%s\" ignored: %s", sched_name(s), msg);
        return false;
    }
    if (s->duration_ms <= 0)
        return false;
    if (ebb_cron_prev(&cron, tz, now_ms, s->duration_ms, &at) != EBB_OK)
        return false;
    /* An occurrence lasts [at, at + duration): now - at < duration, written
     * so that nothing overflows. */
    return now_ms - at < s->duration_ms;
}

static bool schedule_active(const struct ebb_schedule *s, const struct ebb_tz *const *tzs, size_t i,
                            int64_t now_ms, struct ebb_schedule_eval *out)
{
    const struct ebb_tz *tz = tzs != NULL ? tzs[i] : NULL;

    if (s->cron == NULL)
        return s->start_ms <= now_ms && now_ms <= s->end_ms;
    if (tz == NULL && !zone_is_utc(s->time_zone)) {
        add_note(out, "schedule \"%s\" ignored: time zone \"%s\" could not be loaded",
                 sched_name(s), s->time_zone);
        return false;
    }
    return recurring_active(s, tz, now_ms, out);
}

void ebb_schedules_eval(const struct ebb_policy_spec *spec, const struct ebb_tz *const *tzs,
                        int64_t now_ms, struct ebb_schedule_eval *out)
{
    const char *min_from = "spec";
    const char *max_from = "spec";
    bool has_min = false, has_max = false;
    int32_t min = 0, max = 0;
    size_t n = spec->n_schedules;

    out->min_replicas = spec->min_replicas;
    out->max_replicas = spec->max_replicas;
    out->first_active = -1;
    out->active_mask = 0;
    out->note[0] = '\0';
    if (n > EBB_MAX_SCHEDULES) {
        add_note(out, "only the first %d schedules are used", EBB_MAX_SCHEDULES);
        n = EBB_MAX_SCHEDULES;
    }
    for (size_t i = 0; i < n; i++) {
        const struct ebb_schedule *s = &spec->schedules[i];

        if (!schedule_active(s, tzs, i, now_ms, out))
            continue;
        out->active_mask |= (uint32_t)1 << i;
        if (out->first_active < 0)
            out->first_active = (int)i;
        if (s->min_replicas != EBB_UNSET && (!has_min || s->min_replicas > min)) {
            min = s->min_replicas;
            min_from = sched_name(s);
            has_min = true;
        }
        if (s->max_replicas != EBB_UNSET && (!has_max || s->max_replicas > max)) {
            max = s->max_replicas;
            max_from = sched_name(s);
            has_max = true;
        }
    }
    if (has_min)
        out->min_replicas = min;
    if (has_max)
        out->max_replicas = max;
    if (out->min_replicas > out->max_replicas && has_max && !has_min) {
        /* Only a schedule's max is in force and it is under the spec's
         * min: the schedule overrides, the min comes down to it. */
        add_note(out, "minReplicas lowered from %d (spec) to maxReplicas %d (schedule \"%s\")",
                 (int)out->min_replicas, (int)out->max_replicas, max_from);
        out->min_replicas = out->max_replicas;
    } else if (out->min_replicas > out->max_replicas) {
        add_note(out, "maxReplicas raised from %d (%s%s%s) to minReplicas %d (%s%s%s)",
                 (int)out->max_replicas, has_max ? "schedule \"" : "", max_from,
                 has_max ? "\"" : "", (int)out->min_replicas, has_min ? "schedule \"" : "",
                 min_from, has_min ? "\"" : "");
        out->max_replicas = out->min_replicas;
    }
}
