/* queue.h -- the controller's work queue: client-go's workqueue, single-threaded. PURE.
 *
 * Keys are strings ("namespace/name"), copied. The semantics are those of
 * client-go's rate-limited delaying queue (k8s.io/client-go/util/workqueue):
 *
 *  - A key is queued once however often it is added while it waits.
 *  - A key being processed (taken, not yet done) that is added again is
 *    marked dirty and queued again only when done: one key is never
 *    processed twice at the same time, and no add is lost.
 *  - ebb_queue_add_after() keeps the key waiting until now + delay; of
 *    several delays for one key the earliest wins. A waiting key is
 *    independent of the queued/dirty state: when it comes due it is added
 *    like ebb_queue_add(), which de-duplicates (so a sync timer and an
 *    event for the same key make one reconcile when both are pending).
 *  - ebb_queue_add_rate_limited() waits base * 2^failures (5 ms, 10 ms,
 *    ... capped at 5 min) with +-10% jitter, and counts one more failure;
 *    ebb_queue_forget() resets the count after a success.
 *  - ebb_queue_take(now) first moves the keys due by `now` into the ready
 *    FIFO (earliest first; ties in the order they were scheduled), then
 *    hands out the oldest ready key.
 *
 * Jitter (the documented choice): the delay d = min(base * 2^n, cap) is
 * multiplied by a uniform factor in [0.9, 1.1) and rounded; a result above
 * cap is reflected back below it (cap - excess), one below base above it
 * (base + shortfall). So every delay lies in [max(base, 0.9 d), min(cap,
 * 1.1 d)], and keys that failed together (the API server was down) spread
 * out even at the cap rather than piling up on exactly 5 min.
 *
 * No clock is read: time comes in as `now` (milliseconds on any monotonic
 * scale the caller chooses), randomness from the seed given to init.
 *
 * Cost: a hash table of keys (open addressing, linear probing, deletion by
 * backward shift) and an intrusive FIFO make add/take/done/remove O(1); a
 * binary min-heap makes each delayed add O(log n). Memory is one
 * allocation per key known to the queue (queued, waiting, in process, or
 * with failures not yet forgotten), freed as soon as it is none of these.
 */
#ifndef EBB_CONTROLLER_QUEUE_H
#define EBB_CONTROLLER_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "../kube/backoff.h"

/* client-go's DefaultItemBasedRateLimiter starts at 5 ms; issue 5 caps it
 * at 5 min (client-go: 1000 s). */
#define EBB_QUEUE_BASE_MS 5
#define EBB_QUEUE_CAP_MS (5 * 60 * 1000)
#define EBB_QUEUE_JITTER 0.1

struct ebb_queue_item; /* one key's state, private to queue.c */

/* All fields are private; use the functions below. */
struct ebb_queue {
    struct ebb_queue_item **slots;      /* hash table of every known key */
    size_t cap;                         /* 0 or a power of two */
    size_t count;                       /* keys known */
    struct ebb_queue_item *head, *tail; /* ready FIFO */
    size_t ready;                       /* keys in the FIFO */
    struct ebb_queue_item **heap;       /* waiting keys, min-heap on (ready_at, seq) */
    size_t heap_len, heap_cap;
    size_t processing; /* keys taken and not yet done */
    uint64_t seq;      /* scheduling order, the heap's tie-break */
    struct ebb_backoff backoff;
    bool shut;
    uint64_t adds_total;     /* adds that queued a key (not de-duplicated ones) */
    uint64_t requeues_total; /* rate-limited adds */
};

/* Counters and gauges for the operator's /metrics (workqueue_* in client-go). */
struct ebb_queue_stats {
    size_t depth;      /* ready keys (ebb_queue_len) */
    size_t waiting;    /* keys waiting for a delay */
    size_t processing; /* keys taken, not done */
    size_t keys;       /* keys known, failures included */
    uint64_t adds_total;
    uint64_t requeues_total;
};

/* An empty queue with the default backoff (EBB_QUEUE_BASE_MS,
 * EBB_QUEUE_CAP_MS, EBB_QUEUE_JITTER); `seed` seeds the jitter, so the
 * same seed and the same calls give the same delays. Allocates nothing. */
void ebb_queue_init(struct ebb_queue *q, uint64_t seed);

/* Changes the rate limiter's parameters (as ebb_backoff_init clamps them:
 * base >= 1, cap >= base, jitter in [0, 1]); keeps the PRNG state. */
void ebb_queue_set_backoff(struct ebb_queue *q, int64_t base_ms, int64_t cap_ms, double jitter);

/* Frees every key and table; q is empty (and not shut down) afterwards,
 * reusable after ebb_queue_init. Pointers from ebb_queue_take die here. */
void ebb_queue_release(struct ebb_queue *q);

/* Queues key unless it is already queued; marks it dirty when it is being
 * processed. EBB_ERR_INVALID for a NULL or empty key, EBB_ERR_NOMEM (the
 * queue unchanged). After ebb_queue_shutdown: ignored, EBB_OK. */
enum ebb_rc ebb_queue_add(struct ebb_queue *q, const char *key);

/* Adds key at now + delay_ms (saturating); delay_ms <= 0 is ebb_queue_add.
 * When key is already waiting the earlier time wins. Errors as
 * ebb_queue_add. */
enum ebb_rc ebb_queue_add_after(struct ebb_queue *q, const char *key, int64_t delay_ms,
                                int64_t now);

/* Adds key after its backoff (see the top of this file) and counts one
 * more failure for it. *delay_ms (may be NULL) gets the delay chosen, 0
 * when the add was ignored. Errors as ebb_queue_add (failures unchanged). */
enum ebb_rc ebb_queue_add_rate_limited(struct ebb_queue *q, const char *key, int64_t now,
                                       int64_t *delay_ms /* OUT, may be NULL */);

/* Resets key's failure count (after a successful reconcile); its next
 * rate-limited add waits the base delay again. Does not unqueue it. */
void ebb_queue_forget(struct ebb_queue *q, const char *key);

/* Failures counted for key since the last forget (0 for an unknown key). */
unsigned ebb_queue_num_requeues(const struct ebb_queue *q, const char *key);

/* Moves every waiting key due by now (ready_at <= now) to the ready FIFO.
 * ebb_queue_take does this itself; call it to make ebb_queue_len count
 * them. */
void ebb_queue_tick(struct ebb_queue *q, int64_t now);

/* The next ready key (after ebb_queue_tick(now)), now being processed, or
 * NULL when none is ready or the queue is shut down. The string is the
 * queue's and stays valid until ebb_queue_done for that key (do not pass
 * it to ebb_queue_add after that done: copy it first). */
const char *ebb_queue_take(struct ebb_queue *q, int64_t now);

/* Marks key's processing finished; when it was added meanwhile (dirty) it
 * is queued again. EBB_ERR_NOTFOUND when key is not being processed. */
enum ebb_rc ebb_queue_done(struct ebb_queue *q, const char *key);

/* Milliseconds until the earliest waiting key is due: 0 when one is due
 * already, -1 when no key waits (ready keys do not count: a poll loop
 * sleeps 0 when ebb_queue_len() > 0 and it can take work, else this). */
int64_t ebb_queue_next_in(const struct ebb_queue *q, int64_t now);

/* Ready keys (in the FIFO). */
size_t ebb_queue_len(const struct ebb_queue *q);

/* Drops key everywhere: from the FIFO, the waiting heap, the dirty set
 * and the failure counts (the policy was deleted: no further action). A
 * key being processed stays taken until its ebb_queue_done, which then
 * does not requeue it. Unknown keys are ignored. */
void ebb_queue_remove(struct ebb_queue *q, const char *key);

/* Stops the queue: ready, waiting and dirty keys and failure counts are
 * dropped, ebb_queue_take returns NULL and adds are ignored from now on.
 * Keys being processed stay valid until their ebb_queue_done. */
void ebb_queue_shutdown(struct ebb_queue *q);

bool ebb_queue_is_shut_down(const struct ebb_queue *q);

void ebb_queue_stats(const struct ebb_queue *q, struct ebb_queue_stats *st /* OUT */);

#endif
