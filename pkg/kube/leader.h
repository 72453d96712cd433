/* leader.h -- leader election on a coordination.k8s.io/v1 Lease. EDGE (cJSON, the client).
 *
 * Non-blocking, driven from the operator's event loop. A round -- GET the
 * Lease, let the pure state machine (leader_fsm.h) decide, and write what
 * it says: POST to create, PUT with the observed resourceVersion to take
 * over, renew or release, as client-go's tryAcquireOrRenew does -- is a
 * chain of requests submitted with ebb_kube_submit(). Their completion
 * callbacks (inside ebb_kube_client_poll()) record the answer; the next
 * ebb_leader_tick() acts on it and submits the next request, so at most one
 * request of the leader is in flight. A loop reads:
 *
 *     for (;;) {
 *         int64_t wake = ebb_leader_tick(l, mono_ms(), wall_ms());
 *         ebb_kube_client_poll(c, ms until wake, at most a second or so);
 *     }
 *
 * Times: the tick's now_ms (monotonic) stamps what it acts on, so a Lease
 * read is taken as seen no earlier than its answer came (another holder's
 * lease is never thought to expire early), and our own write counts from
 * the tick that sent it (we stop no later than renewDeadline after the
 * request went out). wall_ms (unix ms) is only written into the Lease.
 *
 * Leadership: ebb_leader_is_leader() is exact at any now_ms -- false the
 * moment renewDeadline has passed since the last successful write, even
 * while a renewal is still in flight. on_started_leading and
 * on_stopped_leading run inside ebb_leader_tick() (and ebb_leader_shutdown())
 * when is_leader flips; tick returns a wake-up no later than the renew
 * deadline, so the stop is reported on time. A request with no answer after
 * renewDeadline is cancelled and the round counts as failed.
 *
 * Shutdown: ebb_leader_shutdown() stops acting at once (is_leader false,
 * on_stopped_leading), lets a request in flight finish, then -- if we hold
 * the Lease -- GETs it and releases it (holderIdentity "", 1 s) so a
 * standby takes over at once; the caller ticks and polls until
 * ebb_leader_done(), which a timeout bounds.
 */
#ifndef EBB_KUBE_LEADER_H
#define EBB_KUBE_LEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "../base/strbuf.h"
#include "client.h"
#include "leader_fsm.h"
#include "status.h"

struct ebb_leader;

/* Leadership began (on_started_leading) or ended (on_stopped_leading) at now_ms. */
typedef void ebb_leader_fn(void *ctx, struct ebb_leader *l, int64_t now_ms);

struct ebb_leader_config {
    const char *ns;       /* the Lease's namespace */
    const char *name;     /* the Lease's name: "ebb-leader" */
    const char *identity; /* pod name + random suffix, made by the caller */
    struct ebb_leader_opts opts;
    ebb_leader_fn *on_started_leading; /* may be NULL */
    ebb_leader_fn *on_stopped_leading; /* may be NULL */
    void *ctx;                         /* for both */
};

/* The outcome of a finished round. */
struct ebb_leader_round {
    uint64_t n; /* rounds finished so far (this one included) */
    /* EBB_OK when the round's requests succeeded (or none was needed);
     * EBB_ERR_IO when one failed or got no answer in time -- err->reason
     * EBB_KUBE_CONFLICT (or ALREADY_EXISTS on a create) means another
     * candidate wrote first; EBB_ERR_PARSE when the server's Lease is not one. */
    enum ebb_rc rc;
    struct ebb_leader_decision decision; /* EBB_LEADER_STOP: leadership was lost */
    struct ebb_kube_error err;           /* set when rc is EBB_ERR_IO */
};

/* Checks cfg (the options, the identity, the names) and copies it; err
 * says what is wrong. The client is borrowed and must outlive the leader. */
enum ebb_rc ebb_leader_new(struct ebb_kube_client *c, const struct ebb_leader_config *cfg,
                           struct ebb_leader **out /* OUT */, char *err, size_t errsz);
/* Cancels the leader's request in flight (no release: see shutdown). NULL is a no-op. */
void ebb_leader_free(struct ebb_leader *l);

/* Acts on answers that came, starts a round when one is due (the first
 * tick starts one), gives up on a request in flight for renewDeadline, and
 * runs the leadership callbacks. Never waits. Returns the now_ms at which
 * to tick again (INT64_MAX once done); tick sooner after a poll that ran
 * callbacks. Not from inside a client callback. */
int64_t ebb_leader_tick(struct ebb_leader *l, int64_t now_ms, int64_t wall_ms);

/* Starts a clean shutdown at now_ms, to end by now_ms + timeout_ms. */
void ebb_leader_shutdown(struct ebb_leader *l, int64_t now_ms, int64_t timeout_ms);
/* True once shut down: the Lease released, or there was nothing to release,
 * or the timeout passed (the request in flight is then cancelled). */
bool ebb_leader_done(const struct ebb_leader *l);
/* True while the round in progress has a request in flight or an answer
 * that the next tick acts on. */
bool ebb_leader_busy(const struct ebb_leader *l);
/* The last finished round, or NULL before the first one ended. */
const struct ebb_leader_round *ebb_leader_last_round(const struct ebb_leader *l);

/* True while we may act as the leader (see ebb_leader_fsm_is_leader), and
 * not shutting down. */
bool ebb_leader_is_leader(const struct ebb_leader *l, int64_t now_ms);
/* The state machine, for status pages and tests. */
const struct ebb_leader_fsm *ebb_leader_state(const struct ebb_leader *l);

/* A Lease's JSON -> its leader election fields. */
enum ebb_rc ebb_lease_decode(const char *json, size_t len, struct ebb_lease *out /* OUT */);
/* A whole Lease object naming ns/name, with metadata.resourceVersion when
 * lease->resource_version is not empty. */
enum ebb_rc ebb_lease_encode(const char *ns, const char *name, const struct ebb_lease *lease,
                             struct ebb_strbuf *out);
/* metav1.MicroTime: "2026-11-22T11:27:41.123000Z" (always 6 fractional digits). */
void ebb_microtime_format(int64_t ms, char *buf, size_t bufsz);

#endif
