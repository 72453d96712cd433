/* ports.h -- the channel port allocator (DESIGN.md section 3). PURE.
 *
 * A pool is (name, base, rangeSize, limit); slot i is the port range
 * [base + i*rangeSize, base + (i+1)*rangeSize - 1] and the pool has
 * (limit - base + 1) / rangeSize slots. Every live pod of a policy with
 * spec.channelPorts holds one range:
 *   - a StatefulSet pod the slot of its ordinal;
 *   - a Deployment pod the lowest free slot, kept for life and freed when
 *     the pod is gone (deleted, or Failed/Succeeded).
 *
 * The allocator keeps no state between calls. ebb_ports_assign() is a pure
 * function of what the API shows: the policies, the live pods with the range
 * each one already carries in its annotation `ebb.dev/channel-ports`, and the
 * ranges each policy last published in its ConfigMap. It is called the same
 * way at start, on a leader change and on every reconcile, so a restart or a
 * replayed event can never assign a range twice: the same input gives the
 * same output, and publishing that output and calling again changes nothing.
 *
 * Rules, in the order they are applied:
 *   1. Policies are ordered by creationTimestamp, then namespace/name. The
 *      first valid policy naming a pool defines its (base, rangeSize, limit).
 *      A later policy gets EBB_PORTS_POLICY_CONFLICT, naming the other
 *      policy, and assigns nothing, when
 *        - it names a pool that another policy defines differently,
 *        - its span [base, limit] intersects the span of a pool of another
 *          name, or
 *        - it targets a StatefulSet and the pool already serves one (both
 *          would claim slot 0: slot = ordinal leaves no room to share).
 *   2. A range in a live pod's annotation is never changed or taken away
 *      while the pod lives, whatever happens to the policy: after an edit of
 *      base or rangeSize the pod keeps its old range (reported `stale`), the
 *      range still blocks every slot it intersects, in every pool, and the
 *      pod counts as a replica. The same holds for pods whose policy is in
 *      conflict, invalid, or gone (pass those with EBB_PORTS_NO_POLICY). Two
 *      annotations that intersect (a human edit) are both kept; the later
 *      pod (creation order) is reported with EBB_PORTS_WHY_OVERLAP.
 *   3. StatefulSet pods without a range get the slot of their ordinal, if it
 *      exists and no live range intersects it; otherwise they wait.
 *   4. A Deployment pod without a range first gets the range its policy's
 *      ConfigMap lists for it, when that is still a free slot of the current
 *      layout (the operator published it and stopped before the annotation);
 *   5. then, in pod creation order, the lowest free slot at or above the
 *      pool's StatefulSet reservation: when a StatefulSet policy shares the
 *      pool, slots [0, its maxReplicas) are kept for its ordinals.
 *
 * Capacity (`port_capacity` of pkg/scale) is what scale-up may reach:
 *   - Deployment: the policy's pods holding a range plus the free slots at
 *     or above the reservation;
 *   - StatefulSet: the first ordinal that has no live pod and whose slot is
 *     missing or taken;
 *   - a policy in conflict or invalid: the pods it holds (no growth);
 *   - a policy without channelPorts: EBB_UNSET.
 * The decision core never scales below the current count for lack of
 * ports (pkg/scale/bounds.c), so a full pool stops scale-up and nothing else.
 */
#ifndef EBB_PORTS_H
#define EBB_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../api/v1alpha1/types.h"
#include "../base/rc.h"

#define EBB_PORTS_ANNOTATION "ebb.dev/channel-ports"
#define EBB_PORTS_ORDINAL_LABEL "apps.kubernetes.io/pod-index"
#define EBB_PORTS_MAX_PORT 65535
/* ebb_ports_pod.policy of a pod no policy claims (its policy was deleted, or
 * no longer has channelPorts) but whose annotation still holds a range. */
#define EBB_PORTS_NO_POLICY SIZE_MAX
/* "65535-65535" plus NUL */
#define EBB_PORTS_RANGE_LEN 12

/* ---- small pure helpers ---- */

/* Parses "A-B" (decimal, no sign, no spaces, 1 <= A <= B <= 65535).
 * EBB_ERR_PARSE when malformed, EBB_ERR_RANGE when out of bounds; the
 * outputs are written only on EBB_OK. */
enum ebb_rc ebb_ports_parse_range(const char *s, int32_t *first, int32_t *last);
/* Writes "A-B" into buf (EBB_PORTS_RANGE_LEN bytes suffice). EBB_ERR_LIMIT
 * when n is too small (buf then holds ""). */
enum ebb_rc ebb_ports_format_range(int32_t first, int32_t last, char *buf, size_t n);
/* The ordinal of a StatefulSet pod: the label apps.kubernetes.io/pod-index
 * when it is a plain decimal, else the digits after `sts_name-` in the pod
 * name (after the last '-' when sts_name is NULL). -1 when neither works. */
int32_t ebb_ports_ordinal(const char *pod_index_label, const char *pod_name, const char *sts_name);
/* True for the phases of a pod that is gone for good: Failed, Succeeded. */
bool ebb_ports_phase_gone(const char *phase);
/* Slots of a channelPorts spec, or -1 when it is not set or not valid. */
int32_t ebb_ports_slots(const struct ebb_channel_ports *cp);

/* ---- one pool: which slots no live range touches ----
 *
 * A bitmap of free slots plus, per slot, how many held ranges intersect it.
 * Holds nest: a range held twice must be unheld twice. The pool API is what
 * ebb_ports_assign() is built on; the benchmark measures it directly. */
struct ebb_port_pool;

/* EBB_ERR_INVALID when the layout has no slot; EBB_ERR_NOMEM. */
enum ebb_rc ebb_port_pool_new(int32_t base, int32_t range_size, int32_t limit,
                              struct ebb_port_pool **out);
void ebb_port_pool_free(struct ebb_port_pool *p); /* NULL is a no-op */
int32_t ebb_port_pool_slots(const struct ebb_port_pool *p);
/* The ports of slot (which must be < slots). */
void ebb_port_pool_slot_range(const struct ebb_port_pool *p, int32_t slot, int32_t *first,
                              int32_t *last);
/* Marks the range [first, last] held: every slot it intersects stops being
 * free. Ports outside the pool are ignored. */
void ebb_port_pool_hold(struct ebb_port_pool *p, int32_t first, int32_t last);
/* Undoes one ebb_port_pool_hold() of the same range. */
void ebb_port_pool_unhold(struct ebb_port_pool *p, int32_t first, int32_t last);
bool ebb_port_pool_slot_free(const struct ebb_port_pool *p, int32_t slot);
/* Holds the lowest free slot >= from and returns it; -1 when there is none. */
int32_t ebb_port_pool_alloc(struct ebb_port_pool *p, int32_t from);
/* Free slots >= from. */
int32_t ebb_port_pool_count_free(const struct ebb_port_pool *p, int32_t from);

/* ---- the allocator ---- */

enum ebb_ports_kind {
    EBB_PORTS_DEPLOYMENT = 0,
    EBB_PORTS_STATEFULSET,
};

/* One ScalingPolicy, as the API shows it. Everything is borrowed. */
struct ebb_ports_policy {
    const char *ns;
    const char *name;
    int64_t created_ms; /* metadata.creationTimestamp */
    enum ebb_ports_kind kind;
    int32_t max_replicas;                  /* spec.maxReplicas (the StatefulSet reservation) */
    const struct ebb_channel_ports *ports; /* spec.channelPorts; NULL or !set = none */
    const struct ebb_port_assignment *published; /* the ConfigMap's ranges.yaml, parsed */
    size_t n_published;
};

/* One pod of a target (or an orphan that still carries the annotation). */
struct ebb_ports_pod {
    const char *ns;
    const char *name;
    int64_t created_ms; /* metadata.creationTimestamp: Deployment order */
    size_t policy;      /* index in ebb_ports_input.policies, or EBB_PORTS_NO_POLICY */
    int32_t ordinal;    /* StatefulSet pods: ebb_ports_ordinal(); else -1 */
    bool gone;          /* phase Failed/Succeeded: holds nothing any more */
    bool has_range;     /* the annotation, parsed with ebb_ports_parse_range() */
    int32_t first;
    int32_t last;
};

struct ebb_ports_input {
    const struct ebb_ports_policy *policies;
    size_t n_policies;
    const struct ebb_ports_pod *pods;
    size_t n_pods;
};

enum ebb_ports_pod_state {
    EBB_PORTS_POD_NONE = 0, /* holds nothing and gets nothing (see why) */
    EBB_PORTS_POD_KEPT,     /* keeps the range of its annotation: nothing to patch */
    EBB_PORTS_POD_NEW,      /* gets a range: patch the annotation */
    EBB_PORTS_POD_WAITING,  /* should hold one, none is free now (see why) */
};

enum ebb_ports_why {
    EBB_PORTS_WHY_OK = 0,
    EBB_PORTS_WHY_GONE,            /* NONE: Failed/Succeeded */
    EBB_PORTS_WHY_NO_POLICY,       /* NONE: no policy with channelPorts claims it */
    EBB_PORTS_WHY_POLICY_CONFLICT, /* NONE: its policy is in conflict */
    EBB_PORTS_WHY_POLICY_INVALID,  /* NONE: its policy's channelPorts is invalid */
    EBB_PORTS_WHY_NO_ORDINAL,      /* WAITING: a StatefulSet pod without an ordinal */
    EBB_PORTS_WHY_OUTSIDE_POOL,    /* WAITING: its ordinal has no slot in the pool */
    EBB_PORTS_WHY_SLOT_TAKEN,      /* WAITING: a live range intersects its slot */
    EBB_PORTS_WHY_POOL_FULL,       /* WAITING: no free slot */
    EBB_PORTS_WHY_OVERLAP,         /* KEPT: intersects the range of `other` */
    EBB_PORTS_WHY__COUNT
};

struct ebb_ports_pod_result {
    enum ebb_ports_pod_state state;
    enum ebb_ports_why why;
    int32_t slot;  /* in the current layout; -1 when the range is no slot of it */
    int32_t first; /* KEPT and NEW: the range */
    int32_t last;
    bool stale;          /* KEPT: the range is not the slot this pod would get today */
    bool from_configmap; /* NEW: the range the ConfigMap already listed */
    size_t other;        /* OVERLAP, SLOT_TAKEN: the pod in the way, or SIZE_MAX */
};

enum ebb_ports_policy_state {
    EBB_PORTS_POLICY_NONE = 0, /* no channelPorts */
    EBB_PORTS_POLICY_OK,
    EBB_PORTS_POLICY_CONFLICT, /* Ready=False, reason PortRangeConflict */
    EBB_PORTS_POLICY_INVALID,  /* channelPorts out of bounds (validation should catch it) */
};

struct ebb_ports_policy_result {
    enum ebb_ports_policy_state state;
    size_t conflict_with; /* CONFLICT: the policy index; else SIZE_MAX */
    size_t pool_owner;    /* OK: the policy that defines the pool (maybe itself) */
    int32_t slots;        /* of its own channelPorts; -1 when invalid */
    int32_t reserved;     /* OK: slots [0, reserved) kept for the pool's StatefulSet */
    int32_t held;         /* its live pods holding a range after this call (KEPT + NEW) */
    int32_t waiting;      /* its live pods that wait */
    int32_t capacity;     /* port_capacity for pkg/scale; EBB_UNSET when NONE */
    char message[320];    /* CONFLICT/INVALID/waiting: one line a person can read */
};

/* Parallel to the input arrays. */
struct ebb_ports_result {
    struct ebb_ports_pod_result *pods;
    size_t n_pods;
    struct ebb_ports_policy_result *policies;
    size_t n_policies;
};

/* Computes every pod's range and every policy's capacity. out is
 * overwritten (release it with ebb_ports_result_release()); on an error it
 * is left empty. EBB_ERR_INVALID when a pod names a policy index out of
 * range; EBB_ERR_NOMEM. Runs in O(P log P + pods log pods + slots/64 per
 * allocation + the ports held). */
enum ebb_rc ebb_ports_assign(const struct ebb_ports_input *in, struct ebb_ports_result *out);
void ebb_ports_result_release(struct ebb_ports_result *r); /* NULL is a no-op */

/* The port_capacity to give ebb_scale_decide() for policy i. */
int32_t ebb_ports_capacity(const struct ebb_ports_result *r, size_t policy);

/* What policy i publishes (status.channelPorts and the ConfigMap): one entry
 * per pod of it that holds a range (KEPT or NEW), ordered by first port;
 * `slot` is -1 for a stale range that is no slot of the layout. Returns how
 * many there are; when that is at most cap, buf holds them all (pod names
 * are borrowed from the input), else buf is not written: call with cap 0 to
 * size it. */
size_t ebb_ports_collect(const struct ebb_ports_input *in, const struct ebb_ports_result *r,
                         size_t policy, struct ebb_port_assignment *buf, size_t cap);

/* A static CamelCase-free phrase for logs and events ("slot taken"). */
const char *ebb_ports_why_str(enum ebb_ports_why why);

#endif
