/* leader_fsm.h -- the decisions of leader election on a Lease, as client-go's. PURE.
 *
 * No I/O and no clock: the caller (pkg/kube/leader.c) reads the Lease,
 * hands it to ebb_leader_fsm_observe(), asks ebb_leader_fsm_next() what to
 * do, writes what it says and reports the outcome back. Two clocks come in:
 * `now_ms`, a monotonic clock of this process, for every comparison of
 * durations, and `wall_ms`, unix milliseconds, only for the times written
 * into the Lease (acquireTime, renewTime).
 *
 * client-go's rules (k8s.io/client-go/tools/leaderelection):
 *   - another holder's lease counts as valid until leaseDuration after the
 *     moment WE first saw its current record (observedTime), whatever its
 *     renewTime says: the clocks of two nodes are never compared;
 *   - a takeover increments leaseTransitions; a renewal keeps acquireTime;
 *   - a leader that has not renewed for renewDeadline stops acting, and
 *     renewDeadline < leaseDuration, so it stops before anyone else may
 *     take over;
 *   - a write that gets 409 Conflict lost a race: someone else wrote first;
 *   - on a clean shutdown the leader releases: holderIdentity "" and
 *     leaseDurationSeconds 1, so a standby takes over at once.
 * One rule is stricter than client-go's: a leader that observes another
 * holder in the Lease stops at once instead of at its renew deadline.
 */
#ifndef EBB_KUBE_LEADER_FSM_H
#define EBB_KUBE_LEADER_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"

#define EBB_LEADER_IDENTITY_MAX 254 /* a Lease's holderIdentity, NUL included */
#define EBB_LEADER_RV_MAX 64

struct ebb_leader_opts {
    int64_t lease_duration_ms; /* default 15s; written as whole seconds, rounded up */
    int64_t renew_deadline_ms; /* default 10s */
    int64_t retry_period_ms;   /* default 2s */
};

void ebb_leader_opts_default(struct ebb_leader_opts *o /* OUT */);
/* client-go's checks: every duration >= 1s (the Lease counts seconds),
 * leaseDuration > renewDeadline > 1.2 * retryPeriod (the retry jitter). */
enum ebb_rc ebb_leader_opts_validate(const struct ebb_leader_opts *o, char *err, size_t errsz);

/* The fields of a coordination.k8s.io/v1 Lease that leader election uses. */
struct ebb_lease {
    bool exists; /* false: the GET said 404 */
    char holder[EBB_LEADER_IDENTITY_MAX];
    int32_t lease_duration_s;
    int64_t acquire_ms; /* unix ms; -1 when absent */
    int64_t renew_ms;   /* unix ms; -1 when absent */
    int32_t transitions;
    char resource_version[EBB_LEADER_RV_MAX];
};

enum ebb_leader_action {
    EBB_LEADER_WAIT = 0, /* another holder's lease is valid (or we are done): do nothing */
    EBB_LEADER_CREATE,   /* no Lease: create one naming us */
    EBB_LEADER_ACQUIRE,  /* the Lease is free or expired: update it to name us */
    EBB_LEADER_RENEW,    /* we hold it: update renewTime */
    EBB_LEADER_STOP,     /* we were leading and lost it: stop acting now */
    EBB_LEADER_RELEASE,  /* shutting down while leading: hand the Lease back */
};

/* What to do; for CREATE / ACQUIRE / RENEW / RELEASE, `lease` is what to
 * write (with the observed resourceVersion for an update). */
struct ebb_leader_decision {
    enum ebb_leader_action action;
    struct ebb_lease lease;
    int64_t next_ms; /* when to call again (now_ms clock); the caller may add jitter */
};

struct ebb_leader_fsm {
    struct ebb_leader_opts opts;
    char identity[EBB_LEADER_IDENTITY_MAX];
    bool leading;
    int64_t last_renew_ms; /* now_ms of our last successful write naming us */
    struct ebb_lease observed;
    bool has_observed;
    bool stale;             /* a write got 409: read the Lease again before writing */
    int64_t observed_at_ms; /* now_ms when the observed record last changed */
};

/* identity: the pod name plus a random suffix, made by the caller. Checks
 * the options and the identity (1..253 bytes). */
enum ebb_rc ebb_leader_fsm_init(struct ebb_leader_fsm *f, const struct ebb_leader_opts *o,
                                const char *identity, char *err, size_t errsz);

/* The Lease as just read (lease->exists false on 404). The observed time
 * moves only when the record's content changes. */
void ebb_leader_fsm_observe(struct ebb_leader_fsm *f, const struct ebb_lease *lease,
                            int64_t now_ms);

/* What to do now. `shutdown`: the process is stopping cleanly. Returns
 * EBB_LEADER_STOP once when leadership is lost (the fsm is then a
 * follower again and will try to acquire on later calls). */
void ebb_leader_fsm_next(struct ebb_leader_fsm *f, int64_t now_ms, int64_t wall_ms, bool shutdown,
                         struct ebb_leader_decision *out /* OUT */);

/* The write of the decision succeeded; `written` is the Lease the server
 * returned (its new resourceVersion). */
void ebb_leader_fsm_written(struct ebb_leader_fsm *f, const struct ebb_lease *written,
                            int64_t now_ms);

/* The write failed. `conflict`: a 409 (someone else wrote first), so the
 * observed record is stale and must be read again before the next write. */
void ebb_leader_fsm_failed(struct ebb_leader_fsm *f, bool conflict, int64_t now_ms);

/* True while we may act as the leader: we hold the Lease and renewed it
 * less than renewDeadline ago. */
bool ebb_leader_fsm_is_leader(const struct ebb_leader_fsm *f, int64_t now_ms);

/* "wait", "create", ... for logs. */
const char *ebb_leader_action_name(enum ebb_leader_action a);

#endif
