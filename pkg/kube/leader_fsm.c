/* leader_fsm.c -- leader election decisions (see leader_fsm.h). PURE. */
#include "leader_fsm.h"

#include <string.h>

#include "../base/msg.h"

#define JITTER_FACTOR_PCT 120 /* client-go's JitterFactor 1.2, in percent */

void ebb_leader_opts_default(struct ebb_leader_opts *o /* OUT */)
{
    o->lease_duration_ms = 15000;
    o->renew_deadline_ms = 10000;
    o->retry_period_ms = 2000;
}

enum ebb_rc ebb_leader_opts_validate(const struct ebb_leader_opts *o, char *err, size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_INVALID;
    if (o->lease_duration_ms < 1000) {
        ebb_msgf(err, errsz,
                 "leader election: leaseDuration %lldms is below 1s: the Lease "
                 "counts whole seconds",
                 (long long)o->lease_duration_ms);
        goto out;
    }
    if (o->lease_duration_ms > (int64_t)INT32_MAX * 1000) {
        ebb_msgf(err, errsz, "leader election: leaseDuration %lldms is too long",
                 (long long)o->lease_duration_ms);
        goto out;
    }
    if (o->renew_deadline_ms < 1 || o->retry_period_ms < 1) {
        ebb_msgf(err, errsz,
                 "leader election: renewDeadline (%lldms) and retryPeriod (%lldms) "
                 "must be positive",
                 (long long)o->renew_deadline_ms, (long long)o->retry_period_ms);
        goto out;
    }
    if (o->lease_duration_ms <= o->renew_deadline_ms) {
        ebb_msgf(err, errsz,
                 "leader election: leaseDuration (%lldms) must be greater than "
                 "renewDeadline (%lldms), so a leader stops before its lease expires",
                 (long long)o->lease_duration_ms, (long long)o->renew_deadline_ms);
        goto out;
    }
    if (o->renew_deadline_ms * 100 <= o->retry_period_ms * JITTER_FACTOR_PCT) {
        ebb_msgf(err, errsz,
                 "leader election: renewDeadline (%lldms) must be greater than "
                 "1.2 x retryPeriod (%lldms)",
                 (long long)o->renew_deadline_ms, (long long)o->retry_period_ms);
        goto out;
    }
    rc = EBB_OK;
out:
    return rc;
}

enum ebb_rc ebb_leader_fsm_init(struct ebb_leader_fsm *f, const struct ebb_leader_opts *o,
                                const char *identity, char *err, size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_INVALID;
    memset(f, 0, sizeof(*f));
    if (identity == NULL || identity[0] == '\0') {
        ebb_msgf(err, errsz, "leader election: the identity is empty: give the pod name");
        goto out;
    }
    if (strlen(identity) >= sizeof(f->identity)) {
        ebb_msgf(err, errsz, "leader election: the identity \"%.40s...\" is longer than %zu bytes",
                 identity, sizeof(f->identity) - 1);
        goto out;
    }
    rc = ebb_leader_opts_validate(o, err, errsz);
    if (rc)
        goto out;
    f->opts = *o;
    memcpy(f->identity, identity, strlen(identity) + 1);
    f->observed.acquire_ms = -1;
    f->observed.renew_ms = -1;
out:
    return rc;
}

/* client-go compares the whole record; the resourceVersion is not part of it. */
static bool same_record(const struct ebb_lease *a, const struct ebb_lease *b)
{
    return a->exists == b->exists && strcmp(a->holder, b->holder) == 0 &&
           a->lease_duration_s == b->lease_duration_s && a->acquire_ms == b->acquire_ms &&
           a->renew_ms == b->renew_ms && a->transitions == b->transitions;
}

void ebb_leader_fsm_observe(struct ebb_leader_fsm *f, const struct ebb_lease *lease, int64_t now_ms)
{
    if (!f->has_observed || !same_record(&f->observed, lease))
        f->observed_at_ms = now_ms;
    f->observed = *lease;
    f->has_observed = true;
    f->stale = false;
}

static int32_t duration_s(const struct ebb_leader_fsm *f)
{
    return (int32_t)((f->opts.lease_duration_ms + 999) / 1000);
}

/* The lease another holder has, as our clock sees it: valid until its
 * duration has passed since we first saw this record. */
static bool others_lease_valid(const struct ebb_leader_fsm *f, int64_t now_ms)
{
    int64_t dur_ms = f->observed.lease_duration_s > 0 ? (int64_t)f->observed.lease_duration_s * 1000
                                                      : f->opts.lease_duration_ms;
    return f->observed_at_ms + dur_ms > now_ms;
}

static void fill_write(const struct ebb_leader_fsm *f, enum ebb_leader_action a, int64_t wall_ms,
                       struct ebb_leader_decision *out)
{
    struct ebb_lease *l = &out->lease;
    out->action = a;
    memcpy(l->holder, f->identity, sizeof(l->holder));
    l->exists = true;
    l->lease_duration_s = duration_s(f);
    l->acquire_ms = wall_ms;
    l->renew_ms = wall_ms;
    l->transitions = 0;
    l->resource_version[0] = '\0';
    if (a == EBB_LEADER_CREATE)
        return;
    memcpy(l->resource_version, f->observed.resource_version, sizeof(l->resource_version));
    l->transitions = f->observed.transitions;
    if (a == EBB_LEADER_RENEW) {
        if (f->observed.acquire_ms >= 0)
            l->acquire_ms = f->observed.acquire_ms;
    } else if (a == EBB_LEADER_ACQUIRE) {
        l->transitions = f->observed.transitions + 1;
    } else if (a == EBB_LEADER_RELEASE) {
        l->holder[0] = '\0';
        l->lease_duration_s = 1;
    }
}

void ebb_leader_fsm_next(struct ebb_leader_fsm *f, int64_t now_ms, int64_t wall_ms, bool shutdown,
                         struct ebb_leader_decision *out /* OUT */)
{
    memset(out, 0, sizeof(*out));
    out->lease.acquire_ms = -1;
    out->lease.renew_ms = -1;
    out->action = EBB_LEADER_WAIT;
    out->next_ms = now_ms + f->opts.retry_period_ms;
    bool ours =
        f->has_observed && f->observed.exists && strcmp(f->observed.holder, f->identity) == 0;

    if (f->leading && (now_ms - f->last_renew_ms >= f->opts.renew_deadline_ms ||
                       (f->has_observed && f->observed.exists && !ours))) {
        f->leading = false;
        out->action = EBB_LEADER_STOP;
        out->next_ms = now_ms;
        return;
    }
    if (shutdown) {
        if (f->leading && ours)
            fill_write(f, EBB_LEADER_RELEASE, wall_ms, out);
        return;
    }
    if (!f->has_observed || f->stale)
        return; /* the caller must GET first: an update needs a current resourceVersion */
    if (!f->observed.exists)
        fill_write(f, EBB_LEADER_CREATE, wall_ms, out);
    else if (ours)
        fill_write(f, EBB_LEADER_RENEW, wall_ms, out);
    else if (f->observed.holder[0] != '\0' && others_lease_valid(f, now_ms))
        return;
    else
        fill_write(f, EBB_LEADER_ACQUIRE, wall_ms, out);
    if (f->leading) {
        int64_t deadline = f->last_renew_ms + f->opts.renew_deadline_ms;
        if (deadline < out->next_ms)
            out->next_ms = deadline;
    }
}

void ebb_leader_fsm_written(struct ebb_leader_fsm *f, const struct ebb_lease *written,
                            int64_t now_ms)
{
    f->observed = *written;
    f->observed.exists = true;
    f->has_observed = true;
    f->observed_at_ms = now_ms;
    f->stale = false;
    if (strcmp(written->holder, f->identity) == 0) {
        f->leading = true;
        f->last_renew_ms = now_ms;
    } else {
        f->leading = false; /* a release */
    }
}

void ebb_leader_fsm_failed(struct ebb_leader_fsm *f, bool conflict, int64_t now_ms)
{
    (void)now_ms; /* the renew deadline, checked by next(), decides when a leader gives up */
    if (conflict)
        f->stale = true;
}

bool ebb_leader_fsm_is_leader(const struct ebb_leader_fsm *f, int64_t now_ms)
{
    return f->leading && now_ms - f->last_renew_ms < f->opts.renew_deadline_ms;
}

const char *ebb_leader_action_name(enum ebb_leader_action a)
{
    static const char *const names[] = {"wait", "create", "acquire", "renew", "stop", "release"};
    if ((unsigned)a >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[a];
}
