/* leader.h -- leader election on a coordination.k8s.io/v1 Lease. EDGE (cJSON, the client).
 *
 * One round, run every retryPeriod (ebb_leader_step): GET the Lease, let
 * the pure state machine (leader_fsm.h) decide, and write what it says --
 * POST to create, PUT with the observed resourceVersion to take over, renew
 * or release -- as client-go's tryAcquireOrRenew does. The decision rules,
 * and why a leader stops acting before its lease can expire for others,
 * are in leader_fsm.h. Requests go through ebb_kube_do(), which keeps the
 * client's other requests moving while it waits.
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

struct ebb_leader_config {
    const char *ns;       /* the Lease's namespace */
    const char *name;     /* the Lease's name: "ebb-leader" */
    const char *identity; /* pod name + random suffix, made by the caller */
    struct ebb_leader_opts opts;
};

struct ebb_leader;

/* Checks cfg (the options, the identity, the names) and copies it; err
 * says what is wrong. The client is borrowed and must outlive the leader. */
enum ebb_rc ebb_leader_new(struct ebb_kube_client *c, const struct ebb_leader_config *cfg,
                           struct ebb_leader **out /* OUT */, char *err, size_t errsz);
void ebb_leader_free(struct ebb_leader *l);

/* One round at now_ms (monotonic) and wall_ms (unix ms, written into the
 * Lease). `shutdown`: release the Lease if we hold it. *d tells what was
 * decided (EBB_LEADER_STOP: stop acting as the leader now) and when to run
 * the next round. EBB_OK when the round's requests succeeded (or none was
 * needed); EBB_ERR_IO with *err when one failed -- err->reason
 * EBB_KUBE_CONFLICT (or ALREADY_EXISTS on a create) means another
 * candidate wrote first. EBB_ERR_PARSE when the server's Lease is not one. */
enum ebb_rc ebb_leader_step(struct ebb_leader *l, int64_t now_ms, int64_t wall_ms, bool shutdown,
                            struct ebb_leader_decision *d /* OUT */,
                            struct ebb_kube_error *err /* OUT */);

/* True while we may act as the leader (see ebb_leader_fsm_is_leader). */
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
