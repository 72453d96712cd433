/* queue.c -- the controller's work queue; see queue.h. PURE. */
#include "queue.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_MIN_CAP 16
#define NOT_WAITING SIZE_MAX

/* One key's state. It is in the FIFO iff dirty && !processing; in the heap
 * iff heap_idx != NOT_WAITING; and it exists iff one of dirty, processing,
 * waiting or failures > 0 holds (item_gc frees it otherwise). */
struct ebb_queue_item {
    struct ebb_queue_item *prev, *next; /* FIFO links, when queued */
    uint64_t hash;
    int64_t ready_at; /* when waiting */
    uint64_t seq;     /* when waiting: order of scheduling, for ties */
    size_t heap_idx;
    unsigned failures;
    bool dirty;
    bool processing;
    char key[]; /* NUL-terminated copy */
};

/* ---- hash table ------------------------------------------------------- */

/* FNV-1a, 64 bits, then a murmur3 finalizer so the low bits (the table
 * index) depend on every byte. */
static uint64_t hash_key(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h;
}

/* The slot holding key, or the empty slot where it would go. cap > 0. */
static size_t find_slot(const struct ebb_queue *q, const char *key, uint64_t h)
{
    size_t mask = q->cap - 1;
    size_t i = (size_t)h & mask;
    while (q->slots[i] != NULL && (q->slots[i]->hash != h || strcmp(q->slots[i]->key, key) != 0))
        i = (i + 1) & mask;
    return i;
}

static struct ebb_queue_item *lookup(const struct ebb_queue *q, const char *key)
{
    if (q->cap == 0 || key == NULL)
        return NULL;
    return q->slots[find_slot(q, key, hash_key(key))];
}

/* Moves every item into a table of cap slots; the old table is kept on
 * EBB_ERR_NOMEM. */
static enum ebb_rc rehash(struct ebb_queue *q, size_t cap)
{
    if (cap > SIZE_MAX / sizeof(*q->slots))
        return EBB_ERR_NOMEM;
    struct ebb_queue_item **slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return EBB_ERR_NOMEM;
    struct ebb_queue_item **old = q->slots;
    size_t old_cap = q->cap;
    q->slots = slots;
    q->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i] != NULL)
            q->slots[find_slot(q, old[i]->key, old[i]->hash)] = old[i];
    }
    free(old);
    return EBB_OK;
}

/* Removes the item in slot i, shifting back the items after it that
 * probed past it (no tombstones). */
static void slot_delete(struct ebb_queue *q, size_t i)
{
    size_t mask = q->cap - 1;
    for (size_t j = (i + 1) & mask; q->slots[j] != NULL; j = (j + 1) & mask) {
        size_t home = (size_t)q->slots[j]->hash & mask;
        bool movable = j > i ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            q->slots[i] = q->slots[j];
            i = j;
        }
    }
    q->slots[i] = NULL;
    q->count--;
}

/* The item for key, created (idle) when missing. */
static enum ebb_rc lookup_or_create(struct ebb_queue *q, const char *key,
                                    struct ebb_queue_item **out)
{
    *out = NULL;
    if (key == NULL || key[0] == '\0')
        return EBB_ERR_INVALID;
    if ((q->count + 1) * 2 > q->cap) {
        enum ebb_rc rc = rehash(q, q->cap ? q->cap * 2 : QUEUE_MIN_CAP);
        if (rc)
            return rc;
    }
    uint64_t h = hash_key(key);
    size_t i = find_slot(q, key, h);
    if (q->slots[i] != NULL) {
        *out = q->slots[i];
        return EBB_OK;
    }
    size_t kl = strlen(key);
    struct ebb_queue_item *it = malloc(sizeof(*it) + kl + 1);
    if (it == NULL)
        return EBB_ERR_NOMEM;
    memset(it, 0, sizeof(*it));
    memcpy(it->key, key, kl + 1);
    it->hash = h;
    it->heap_idx = NOT_WAITING;
    q->slots[i] = it;
    q->count++;
    *out = it;
    return EBB_OK;
}

/* Frees it when nothing refers to it any more. */
static void item_gc(struct ebb_queue *q, struct ebb_queue_item *it)
{
    if (it->dirty || it->processing || it->heap_idx != NOT_WAITING || it->failures > 0)
        return;
    slot_delete(q, find_slot(q, it->key, it->hash));
    free(it);
    /* Shrink a table that emptied out; keep the big one if that fails. */
    if (q->cap > QUEUE_MIN_CAP && q->count * 8 < q->cap)
        (void)rehash(q, q->cap / 2);
}

/* ---- ready FIFO ------------------------------------------------------- */

static void fifo_push(struct ebb_queue *q, struct ebb_queue_item *it)
{
    it->next = NULL;
    it->prev = q->tail;
    if (q->tail != NULL)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->ready++;
}

static void fifo_unlink(struct ebb_queue *q, struct ebb_queue_item *it)
{
    if (it->prev != NULL)
        it->prev->next = it->next;
    else
        q->head = it->next;
    if (it->next != NULL)
        it->next->prev = it->prev;
    else
        q->tail = it->prev;
    it->prev = it->next = NULL;
    q->ready--;
}

/* client-go's Add on an existing item: de-duplicated by the dirty flag;
 * a key in process waits for its done. */
static void mark_dirty(struct ebb_queue *q, struct ebb_queue_item *it)
{
    if (it->dirty)
        return;
    it->dirty = true;
    q->adds_total++;
    if (!it->processing)
        fifo_push(q, it);
}

/* ---- waiting heap ----------------------------------------------------- */

static bool heap_less(const struct ebb_queue_item *a, const struct ebb_queue_item *b)
{
    return a->ready_at < b->ready_at || (a->ready_at == b->ready_at && a->seq < b->seq);
}

static void heap_set(struct ebb_queue *q, size_t i, struct ebb_queue_item *it)
{
    q->heap[i] = it;
    it->heap_idx = i;
}

static void sift_up(struct ebb_queue *q, size_t i)
{
    struct ebb_queue_item *it = q->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!heap_less(it, q->heap[parent]))
            break;
        heap_set(q, i, q->heap[parent]);
        i = parent;
    }
    heap_set(q, i, it);
}

static void sift_down(struct ebb_queue *q, size_t i)
{
    struct ebb_queue_item *it = q->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const struct ebb_queue_item *least = it;
        if (l < q->heap_len && heap_less(q->heap[l], least)) {
            m = l;
            least = q->heap[l];
        }
        if (l + 1 < q->heap_len && heap_less(q->heap[l + 1], least))
            m = l + 1;
        if (m == i)
            break;
        heap_set(q, i, q->heap[m]);
        i = m;
    }
    heap_set(q, i, it);
}

static void heap_remove(struct ebb_queue *q, struct ebb_queue_item *it)
{
    size_t i = it->heap_idx;
    it->heap_idx = NOT_WAITING;
    q->heap_len--;
    if (i == q->heap_len)
        return;
    heap_set(q, i, q->heap[q->heap_len]);
    if (i > 0 && heap_less(q->heap[i], q->heap[(i - 1) / 2]))
        sift_up(q, i);
    else
        sift_down(q, i);
}

/* Makes it wait until `at`, or until its current time if that is earlier. */
static enum ebb_rc schedule(struct ebb_queue *q, struct ebb_queue_item *it, int64_t at)
{
    if (it->heap_idx != NOT_WAITING) {
        if (at < it->ready_at) {
            it->ready_at = at;
            it->seq = ++q->seq;
            sift_up(q, it->heap_idx);
        }
        return EBB_OK;
    }
    if (q->heap_len == q->heap_cap) {
        size_t cap = q->heap_cap ? q->heap_cap * 2 : QUEUE_MIN_CAP;
        if (cap > SIZE_MAX / sizeof(*q->heap))
            return EBB_ERR_NOMEM;
        struct ebb_queue_item **heap = realloc(q->heap, cap * sizeof(*heap));
        if (heap == NULL)
            return EBB_ERR_NOMEM;
        q->heap = heap;
        q->heap_cap = cap;
    }
    it->ready_at = at;
    it->seq = ++q->seq;
    heap_set(q, q->heap_len++, it);
    sift_up(q, it->heap_idx);
    return EBB_OK;
}

static int64_t add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

/* The backoff before retry number `failures`, jittered and reflected into
 * [base, cap] (see queue.h). Advances the PRNG once. */
static int64_t rate_delay(struct ebb_queue *q, unsigned failures)
{
    int64_t base = q->backoff.base_ms, cap = q->backoff.cap_ms;
    int64_t d = ebb_backoff_delay(&q->backoff, failures > INT_MAX ? INT_MAX : (int)failures);
    if (d > cap) {
        int64_t over = d - cap;
        d = over >= cap - base ? base : cap - over;
    }
    if (d < base) {
        int64_t under = base - d;
        d = under >= cap - base ? cap : base + under;
    }
    return d;
}

/* ---- API -------------------------------------------------------------- */

void ebb_queue_init(struct ebb_queue *q, uint64_t seed)
{
    memset(q, 0, sizeof(*q));
    ebb_backoff_init(&q->backoff, EBB_QUEUE_BASE_MS, EBB_QUEUE_CAP_MS, EBB_QUEUE_JITTER, seed);
}

void ebb_queue_set_backoff(struct ebb_queue *q, int64_t base_ms, int64_t cap_ms, double jitter)
{
    ebb_backoff_init(&q->backoff, base_ms, cap_ms, jitter, q->backoff.state);
}

void ebb_queue_release(struct ebb_queue *q)
{
    if (q == NULL)
        return;
    for (size_t i = 0; i < q->cap; i++)
        free(q->slots[i]);
    free(q->slots);
    free(q->heap);
    struct ebb_backoff b = q->backoff;
    memset(q, 0, sizeof(*q));
    q->backoff = b;
}

enum ebb_rc ebb_queue_add(struct ebb_queue *q, const char *key)
{
    if (q->shut)
        return EBB_OK;
    struct ebb_queue_item *it;
    enum ebb_rc rc = lookup_or_create(q, key, &it);
    if (rc)
        return rc;
    mark_dirty(q, it);
    return EBB_OK;
}

enum ebb_rc ebb_queue_add_after(struct ebb_queue *q, const char *key, int64_t delay_ms, int64_t now)
{
    if (delay_ms <= 0)
        return ebb_queue_add(q, key);
    if (q->shut)
        return EBB_OK;
    struct ebb_queue_item *it;
    enum ebb_rc rc = lookup_or_create(q, key, &it);
    if (rc)
        return rc;
    rc = schedule(q, it, add_sat(now, delay_ms));
    if (rc)
        item_gc(q, it); /* it may have been created just now */
    return rc;
}

enum ebb_rc ebb_queue_add_rate_limited(struct ebb_queue *q, const char *key, int64_t now,
                                       int64_t *delay_ms)
{
    if (delay_ms != NULL)
        *delay_ms = 0;
    if (q->shut)
        return EBB_OK;
    struct ebb_queue_item *it;
    enum ebb_rc rc = lookup_or_create(q, key, &it);
    if (rc)
        return rc;
    int64_t d = rate_delay(q, it->failures);
    rc = schedule(q, it, add_sat(now, d));
    if (rc) {
        item_gc(q, it);
        return rc;
    }
    if (it->failures < UINT_MAX)
        it->failures++;
    q->requeues_total++;
    if (delay_ms != NULL)
        *delay_ms = d;
    return EBB_OK;
}

void ebb_queue_forget(struct ebb_queue *q, const char *key)
{
    struct ebb_queue_item *it = lookup(q, key);
    if (it == NULL)
        return;
    it->failures = 0;
    item_gc(q, it);
}

unsigned ebb_queue_num_requeues(const struct ebb_queue *q, const char *key)
{
    const struct ebb_queue_item *it = lookup(q, key);
    return it != NULL ? it->failures : 0;
}

void ebb_queue_tick(struct ebb_queue *q, int64_t now)
{
    while (q->heap_len > 0 && q->heap[0]->ready_at <= now) {
        struct ebb_queue_item *it = q->heap[0];
        heap_remove(q, it);
        mark_dirty(q, it);
    }
}

const char *ebb_queue_take(struct ebb_queue *q, int64_t now)
{
    if (q->shut)
        return NULL;
    ebb_queue_tick(q, now);
    struct ebb_queue_item *it = q->head;
    if (it == NULL)
        return NULL;
    fifo_unlink(q, it);
    it->dirty = false;
    it->processing = true;
    q->processing++;
    return it->key;
}

enum ebb_rc ebb_queue_done(struct ebb_queue *q, const char *key)
{
    struct ebb_queue_item *it = lookup(q, key);
    if (it == NULL || !it->processing)
        return EBB_ERR_NOTFOUND;
    it->processing = false;
    q->processing--;
    if (it->dirty)
        fifo_push(q, it);
    item_gc(q, it); /* key may point into it: not used after this */
    return EBB_OK;
}

int64_t ebb_queue_next_in(const struct ebb_queue *q, int64_t now)
{
    if (q->heap_len == 0)
        return -1;
    int64_t at = q->heap[0]->ready_at;
    if (at <= now)
        return 0;
    return add_sat(at, now < -INT64_MAX ? INT64_MAX : -now);
}

size_t ebb_queue_len(const struct ebb_queue *q)
{
    return q->ready;
}

void ebb_queue_remove(struct ebb_queue *q, const char *key)
{
    struct ebb_queue_item *it = lookup(q, key);
    if (it == NULL)
        return;
    if (it->dirty && !it->processing)
        fifo_unlink(q, it);
    it->dirty = false;
    if (it->heap_idx != NOT_WAITING)
        heap_remove(q, it);
    it->failures = 0;
    item_gc(q, it);
}

void ebb_queue_shutdown(struct ebb_queue *q)
{
    if (q->shut)
        return;
    q->shut = true;
    /* Keep the items in process, chained through their (unused) FIFO
     * links; free the rest; put the kept ones back in the emptied table
     * (same size: no allocation, so shutting down cannot fail). */
    struct ebb_queue_item *kept = NULL;
    for (size_t i = 0; i < q->cap; i++) {
        struct ebb_queue_item *it = q->slots[i];
        if (it == NULL)
            continue;
        q->slots[i] = NULL;
        if (it->processing) {
            it->dirty = false;
            it->failures = 0;
            it->heap_idx = NOT_WAITING;
            it->prev = NULL;
            it->next = kept;
            kept = it;
        } else {
            free(it);
        }
    }
    q->count = 0;
    q->head = q->tail = NULL;
    q->ready = 0;
    q->heap_len = 0;
    while (kept != NULL) {
        struct ebb_queue_item *it = kept;
        kept = it->next;
        it->next = NULL;
        q->slots[find_slot(q, it->key, it->hash)] = it;
        q->count++;
    }
}

bool ebb_queue_is_shut_down(const struct ebb_queue *q)
{
    return q->shut;
}

void ebb_queue_stats(const struct ebb_queue *q, struct ebb_queue_stats *st)
{
    st->depth = q->ready;
    st->waiting = q->heap_len;
    st->processing = q->processing;
    st->keys = q->count;
    st->adds_total = q->adds_total;
    st->requeues_total = q->requeues_total;
}
