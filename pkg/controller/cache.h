/* cache.h -- an in-memory store of typed objects keyed "namespace/name". PURE.
 *
 * What an informer keeps of a resource: for each object its key
 * ("namespace/name", or "name" for a cluster-scoped one), its
 * resourceVersion and one typed object (a struct ebb_kube_pod, ...) that
 * the store owns and frees with the free function given at init. No JSON,
 * no I/O, no clock. An open-addressing hash table (linear probing,
 * deletion by backward shift, so no tombstones); iteration order is the
 * table's, not sorted.
 *
 * Memory is accounted: each object's size as its decoder reported it, plus
 * the key, the resourceVersion and the table itself (ebb_cache_bytes).
 */
#ifndef EBB_CONTROLLER_CACHE_H
#define EBB_CONTROLLER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"

/* Frees one stored object. */
typedef void ebb_cache_free_fn(void *obj);

struct ebb_cache_slot {
    char *key; /* NULL: empty slot; "ns/name\0rv" in one allocation */
    const char *rv;
    void *obj;
    size_t obj_bytes;
    uint64_t hash;
};

struct ebb_cache {
    struct ebb_cache_slot *slots;
    size_t cap;   /* 0 or a power of two */
    size_t count; /* objects held */
    size_t bytes; /* objects + keys + resourceVersions, without the table */
    ebb_cache_free_fn *free_obj;
};

void ebb_cache_init(struct ebb_cache *c, ebb_cache_free_fn *free_obj);
/* Frees every object and the table; c is empty and reusable. NULL is a no-op. */
void ebb_cache_release(struct ebb_cache *c);
/* Swaps the contents of two caches (their free functions too). */
void ebb_cache_swap(struct ebb_cache *a, struct ebb_cache *b);

/* Writes "ns/name" (or "name" when ns is NULL or "") to buf; EBB_ERR_LIMIT
 * when it does not fit, EBB_ERR_INVALID when name is NULL or empty. */
enum ebb_rc ebb_cache_key(const char *ns, const char *name, char *buf, size_t bufsz);

/* Stores obj (taking it over) under key with resourceVersion rv (NULL: "").
 * obj_bytes is what obj takes in memory, for ebb_cache_bytes. The object
 * that was stored under key, if any, is handed back in *old (the caller
 * frees it with the free function) when old is not NULL, else freed. On
 * error (EBB_ERR_NOMEM, EBB_ERR_INVALID for an empty key) obj stays the
 * caller's and the cache is unchanged. */
enum ebb_rc ebb_cache_put(struct ebb_cache *c, const char *key, const char *rv, void *obj,
                          size_t obj_bytes, void **old /* OUT, may be NULL */);

/* Removes key; its object goes to *obj (the caller frees it) or, when obj
 * is NULL, is freed. EBB_ERR_NOTFOUND when key is not stored. */
enum ebb_rc ebb_cache_take(struct ebb_cache *c, const char *key, void **obj /* OUT */);

/* The object under key, or NULL; *rv (may be NULL) gets its resourceVersion. */
void *ebb_cache_get(const struct ebb_cache *c, const char *key, const char **rv /* OUT */);

size_t ebb_cache_count(const struct ebb_cache *c);
/* Bytes held: objects, keys, resourceVersions and the table. */
size_t ebb_cache_bytes(const struct ebb_cache *c);

/* Iteration: start with *pos = 0; each call gives the next entry and
 * returns true, or false at the end. The cache must not change meanwhile. */
bool ebb_cache_next(const struct ebb_cache *c, size_t *pos, const char **key, const char **rv,
                    void **obj);

#endif
