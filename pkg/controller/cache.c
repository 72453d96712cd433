/* cache.c -- the store of typed objects; see cache.h. PURE.
 *
 * Linear probing over a power-of-two table kept at most 3/4 full. A
 * deletion shifts the following entries of the run back, so a lookup stops
 * at the first empty slot. Key and resourceVersion share one allocation.
 */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

#define CACHE_MIN_CAP 16

void ebb_cache_init(struct ebb_cache *c, ebb_cache_free_fn *free_obj)
{
    c->slots = NULL;
    c->cap = 0;
    c->count = 0;
    c->bytes = 0;
    c->free_obj = free_obj;
}

static void free_obj(const struct ebb_cache *c, void *obj)
{
    if (obj != NULL && c->free_obj != NULL)
        c->free_obj(obj);
}

void ebb_cache_release(struct ebb_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->cap; i++) {
        if (c->slots[i].key != NULL) {
            free_obj(c, c->slots[i].obj);
            free(c->slots[i].key);
        }
    }
    free(c->slots);
    ebb_cache_init(c, c->free_obj);
}

void ebb_cache_swap(struct ebb_cache *a, struct ebb_cache *b)
{
    struct ebb_cache t = *a;
    *a = *b;
    *b = t;
}

enum ebb_rc ebb_cache_key(const char *ns, const char *name, char *buf, size_t bufsz)
{
    if (name == NULL || name[0] == '\0')
        return EBB_ERR_INVALID;
    size_t nl = strlen(name);
    size_t sl = ns != NULL ? strlen(ns) : 0;
    size_t need = (sl > 0 ? sl + 1 : 0) + nl + 1;
    if (need > bufsz)
        return EBB_ERR_LIMIT;
    if (sl > 0) {
        memcpy(buf, ns, sl);
        buf[sl] = '/';
        memcpy(buf + sl + 1, name, nl + 1);
    } else {
        memcpy(buf, name, nl + 1);
    }
    return EBB_OK;
}

/* FNV-1a, 64 bits. */
static uint64_t hash_key(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const struct ebb_cache *c, const char *key, uint64_t h)
{
    size_t mask = c->cap - 1;
    size_t i = (size_t)h & mask;
    while (c->slots[i].key != NULL && (c->slots[i].hash != h || strcmp(c->slots[i].key, key) != 0))
        i = (i + 1) & mask;
    return i;
}

static enum ebb_rc grow(struct ebb_cache *c)
{
    size_t cap = c->cap ? c->cap * 2 : CACHE_MIN_CAP;
    if (cap > SIZE_MAX / sizeof(struct ebb_cache_slot))
        return EBB_ERR_NOMEM;
    struct ebb_cache_slot *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return EBB_ERR_NOMEM;
    struct ebb_cache_slot *old = c->slots;
    size_t old_cap = c->cap;
    c->slots = slots;
    c->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key != NULL)
            c->slots[find_slot(c, old[i].key, old[i].hash)] = old[i];
    }
    free(old);
    return EBB_OK;
}

enum ebb_rc ebb_cache_put(struct ebb_cache *c, const char *key, const char *rv, void *obj,
                          size_t obj_bytes, void **old)
{
    enum ebb_rc rc = EBB_OK;
    char *kr = NULL;
    if (old != NULL)
        *old = NULL;
    if (key == NULL || key[0] == '\0') {
        rc = EBB_ERR_INVALID;
        goto out;
    }
    if (rv == NULL)
        rv = "";
    if ((c->count + 1) * 4 > c->cap * 3) {
        rc = grow(c);
        if (rc)
            goto out;
    }
    size_t kl = strlen(key), rl = strlen(rv);
    kr = malloc(kl + rl + 2);
    if (kr == NULL) {
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    memcpy(kr, key, kl + 1);
    memcpy(kr + kl + 1, rv, rl + 1);
    uint64_t h = hash_key(key);
    struct ebb_cache_slot *s = &c->slots[find_slot(c, key, h)];
    if (s->key != NULL) {
        c->bytes -= s->obj_bytes + strlen(s->key) + strlen(s->rv) + 2;
        if (old != NULL)
            *old = s->obj;
        else
            free_obj(c, s->obj);
        free(s->key);
    } else {
        c->count++;
    }
    s->key = kr;
    s->rv = kr + kl + 1;
    s->obj = obj;
    s->obj_bytes = obj_bytes;
    s->hash = h;
    c->bytes += obj_bytes + kl + rl + 2;
    kr = NULL;
out:
    free(kr);
    return rc;
}

enum ebb_rc ebb_cache_take(struct ebb_cache *c, const char *key, void **obj)
{
    if (obj != NULL)
        *obj = NULL;
    if (c->cap == 0 || key == NULL)
        return EBB_ERR_NOTFOUND;
    uint64_t h = hash_key(key);
    size_t i = find_slot(c, key, h);
    struct ebb_cache_slot *s = &c->slots[i];
    if (s->key == NULL)
        return EBB_ERR_NOTFOUND;
    c->bytes -= s->obj_bytes + strlen(s->key) + strlen(s->rv) + 2;
    if (obj != NULL)
        *obj = s->obj;
    else
        free_obj(c, s->obj);
    free(s->key);
    c->count--;
    /* Shift back the entries after i that probed past it. */
    size_t mask = c->cap - 1;
    for (size_t j = (i + 1) & mask; c->slots[j].key != NULL; j = (j + 1) & mask) {
        size_t home = (size_t)c->slots[j].hash & mask;
        bool movable = j > i ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            c->slots[i] = c->slots[j];
            i = j;
        }
    }
    memset(&c->slots[i], 0, sizeof(c->slots[i]));
    return EBB_OK;
}

void *ebb_cache_get(const struct ebb_cache *c, const char *key, const char **rv)
{
    if (rv != NULL)
        *rv = NULL;
    if (c->cap == 0 || key == NULL)
        return NULL;
    const struct ebb_cache_slot *s = &c->slots[find_slot(c, key, hash_key(key))];
    if (s->key == NULL)
        return NULL;
    if (rv != NULL)
        *rv = s->rv;
    return s->obj;
}

size_t ebb_cache_count(const struct ebb_cache *c)
{
    return c->count;
}

size_t ebb_cache_bytes(const struct ebb_cache *c)
{
    return c->bytes + c->cap * sizeof(struct ebb_cache_slot);
}

bool ebb_cache_next(const struct ebb_cache *c, size_t *pos, const char **key, const char **rv,
                    void **obj)
{
    for (size_t i = *pos; i < c->cap; i++) {
        if (c->slots[i].key != NULL) {
            if (key != NULL)
                *key = c->slots[i].key;
            if (rv != NULL)
                *rv = c->slots[i].rv;
            if (obj != NULL)
                *obj = c->slots[i].obj;
            *pos = i + 1;
            return true;
        }
    }
    *pos = c->cap;
    return false;
}
