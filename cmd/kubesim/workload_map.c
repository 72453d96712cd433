/*
 * kubesim workload model: the string-keyed hash map its indexes use
 * (chained, doubling at load 1).
 */
#include "workload_internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void wl_map_init(struct wl_map *m)
{
    m->b = NULL;
    m->nb = m->n = 0;
}

void wl_map_free(struct wl_map *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->nb; i++) {
        struct wl_map_ent *e = m->b[i];
        while (e) {
            struct wl_map_ent *next = e->next;
            if (free_val)
                free_val(e->val);
            free(e->key);
            free(e);
            e = next;
        }
    }
    free(m->b);
    wl_map_init(m);
}

static struct wl_map_ent **find_slot(const struct wl_map *m, const char *key)
{
    struct wl_map_ent **pp;

    if (!m->nb)
        return NULL;
    pp = &m->b[hash_str(key) % m->nb];
    while (*pp && strcmp((*pp)->key, key) != 0)
        pp = &(*pp)->next;
    return pp;
}

void *wl_map_get(const struct wl_map *m, const char *key)
{
    struct wl_map_ent **pp = find_slot(m, key);

    return pp && *pp ? (*pp)->val : NULL;
}

bool wl_map_has(const struct wl_map *m, const char *key)
{
    struct wl_map_ent **pp = find_slot(m, key);

    return pp && *pp;
}

static int grow(struct wl_map *m)
{
    size_t nb = m->nb ? m->nb * 2 : 64;
    struct wl_map_ent **b = calloc(nb, sizeof(*b));

    if (!b)
        return KS_ENOMEM;
    for (size_t i = 0; i < m->nb; i++) {
        struct wl_map_ent *e = m->b[i];
        while (e) {
            struct wl_map_ent *next = e->next;
            size_t j = hash_str(e->key) % nb;
            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    free(m->b);
    m->b = b;
    m->nb = nb;
    return KS_OK;
}

int wl_map_put(struct wl_map *m, const char *key, void *val, void **old)
{
    struct wl_map_ent **pp = find_slot(m, key);
    struct wl_map_ent *e;

    if (old)
        *old = NULL;
    if (pp && *pp) {
        if (old)
            *old = (*pp)->val;
        (*pp)->val = val;
        return KS_OK;
    }
    if (m->n >= m->nb && grow(m) != KS_OK)
        return KS_ENOMEM;
    e = malloc(sizeof(*e));
    if (!e)
        return KS_ENOMEM;
    e->key = strdup(key);
    if (!e->key) {
        free(e);
        return KS_ENOMEM;
    }
    e->val = val;
    size_t j = hash_str(key) % m->nb;
    e->next = m->b[j];
    m->b[j] = e;
    m->n++;
    return KS_OK;
}

void *wl_map_del(struct wl_map *m, const char *key)
{
    struct wl_map_ent **pp = find_slot(m, key);
    struct wl_map_ent *e;
    void *val;

    if (!pp || !*pp)
        return NULL;
    e = *pp;
    *pp = e->next;
    val = e->val;
    free(e->key);
    free(e);
    m->n--;
    return val;
}

char **wl_map_keys(const struct wl_map *m, size_t *n)
{
    char **keys;
    size_t k = 0;

    *n = 0;
    if (!m->n)
        return NULL;
    keys = calloc(m->n, sizeof(*keys));
    if (!keys)
        return NULL;
    for (size_t i = 0; i < m->nb; i++) {
        for (struct wl_map_ent *e = m->b[i]; e; e = e->next) {
            keys[k] = strdup(e->key);
            if (!keys[k]) {
                wl_keys_free(keys, k);
                return NULL;
            }
            k++;
        }
    }
    *n = k;
    return keys;
}

void wl_keys_free(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}
