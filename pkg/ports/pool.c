/* pool.c -- one port pool: a bitmap of free slots over per-slot hold counts.
 *
 * PURE. Counts rather than bits, because ranges that are not slots of the
 * layout (kept after a policy edit) can hold two slots at once, and two such
 * ranges can touch the same slot.
 */
#include "ports.h"

#include <stdlib.h>

struct ebb_port_pool {
    int32_t base;
    int32_t size;
    int32_t slots;
    size_t nwords;
    uint32_t *holds; /* per slot: held ranges that intersect it */
    uint64_t *free;  /* bit set: no hold */
};

enum ebb_rc ebb_port_pool_new(int32_t base, int32_t range_size, int32_t limit,
                              struct ebb_port_pool **out)
{
    *out = NULL;
    if (base < 1 || base > EBB_PORTS_MAX_PORT || range_size < 1 ||
        range_size > EBB_PORTS_MAX_PORT || limit < 1 || limit > EBB_PORTS_MAX_PORT ||
        (int64_t)limit < (int64_t)base + range_size - 1)
        return EBB_ERR_INVALID;
    struct ebb_port_pool *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return EBB_ERR_NOMEM;
    p->base = base;
    p->size = range_size;
    p->slots = (int32_t)(((int64_t)limit - base + 1) / range_size);
    p->nwords = ((size_t)p->slots + 63) / 64;
    p->holds = calloc((size_t)p->slots, sizeof(*p->holds));
    p->free = malloc(p->nwords * sizeof(*p->free));
    if (p->holds == NULL || p->free == NULL) {
        ebb_port_pool_free(p);
        return EBB_ERR_NOMEM;
    }
    for (size_t w = 0; w < p->nwords; w++)
        p->free[w] = ~(uint64_t)0;
    if (p->slots % 64)
        p->free[p->nwords - 1] = ((uint64_t)1 << (p->slots % 64)) - 1;
    *out = p;
    return EBB_OK;
}

void ebb_port_pool_free(struct ebb_port_pool *p)
{
    if (p == NULL)
        return;
    free(p->holds);
    free(p->free);
    free(p);
}

int32_t ebb_port_pool_slots(const struct ebb_port_pool *p)
{
    return p->slots;
}

void ebb_port_pool_slot_range(const struct ebb_port_pool *p, int32_t slot, int32_t *first,
                              int32_t *last)
{
    *first = p->base + slot * p->size;
    *last = *first + p->size - 1;
}

/* The slots [lo, hi] that [first, last] intersects; false when none. */
static bool span(const struct ebb_port_pool *p, int32_t first, int32_t last, int32_t *lo,
                 int32_t *hi)
{
    int64_t end = (int64_t)p->base + (int64_t)p->slots * p->size - 1;
    if (first > last || last < p->base || first > end)
        return false;
    *lo = first < p->base ? 0 : (first - p->base) / p->size;
    *hi = last > end ? p->slots - 1 : (last - p->base) / p->size;
    return true;
}

void ebb_port_pool_hold(struct ebb_port_pool *p, int32_t first, int32_t last)
{
    int32_t lo, hi;
    if (!span(p, first, last, &lo, &hi))
        return;
    for (int32_t s = lo; s <= hi; s++) {
        p->holds[s]++;
        p->free[s / 64] &= ~((uint64_t)1 << (s % 64));
    }
}

void ebb_port_pool_unhold(struct ebb_port_pool *p, int32_t first, int32_t last)
{
    int32_t lo, hi;
    if (!span(p, first, last, &lo, &hi))
        return;
    for (int32_t s = lo; s <= hi; s++) {
        if (p->holds[s] == 0)
            continue; /* an unmatched unhold: ignore rather than wrap */
        if (--p->holds[s] == 0)
            p->free[s / 64] |= (uint64_t)1 << (s % 64);
    }
}

bool ebb_port_pool_slot_free(const struct ebb_port_pool *p, int32_t slot)
{
    if (slot < 0 || slot >= p->slots)
        return false;
    return (p->free[slot / 64] >> (slot % 64)) & 1;
}

static int lowest_bit(uint64_t w)
{
#if defined(__GNUC__)
    return __builtin_ctzll(w);
#else
    int n = 0;
    while (!(w & 1)) {
        w >>= 1;
        n++;
    }
    return n;
#endif
}

int32_t ebb_port_pool_alloc(struct ebb_port_pool *p, int32_t from)
{
    if (from < 0)
        from = 0;
    if (from >= p->slots)
        return -1;
    size_t w = (size_t)from / 64;
    uint64_t bits = p->free[w] & (~(uint64_t)0 << (from % 64));
    while (bits == 0) {
        if (++w == p->nwords)
            return -1;
        bits = p->free[w];
    }
    int32_t slot = (int32_t)(w * 64) + lowest_bit(bits);
    p->holds[slot]++;
    p->free[w] &= ~((uint64_t)1 << (slot % 64));
    return slot;
}

static int popcount(uint64_t w)
{
#if defined(__GNUC__)
    return __builtin_popcountll(w);
#else
    int n = 0;
    while (w) {
        w &= w - 1;
        n++;
    }
    return n;
#endif
}

int32_t ebb_port_pool_count_free(const struct ebb_port_pool *p, int32_t from)
{
    if (from < 0)
        from = 0;
    if (from >= p->slots)
        return 0;
    size_t w = (size_t)from / 64;
    int32_t n = popcount(p->free[w] & (~(uint64_t)0 << (from % 64)));
    for (w++; w < p->nwords; w++)
        n += popcount(p->free[w]);
    return n;
}
