#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN 4096

struct ebb_arena_block {
    struct ebb_arena_block *next;
    size_t cap;
    size_t off;
    bool lent;          /* the caller's memory (ebb_arena_init_buffer): never freed here */
    max_align_t data[]; /* aligned for any object */
};

void ebb_arena_init(struct ebb_arena *a)
{
    a->head = NULL;
    a->used = 0;
}

void ebb_arena_init_buffer(struct ebb_arena *a, void *buf, size_t n)
{
    ebb_arena_init(a);
    struct ebb_arena_block *b = buf;
    if (buf == NULL || n <= sizeof(*b) || (uintptr_t)buf % _Alignof(max_align_t) != 0)
        return; /* unusable: the arena grows from malloc as usual */
    b->next = NULL;
    b->cap = n - sizeof(*b);
    b->off = 0;
    b->lent = true;
    a->head = b;
}

void ebb_arena_release(struct ebb_arena *a)
{
    if (a == NULL)
        return;
    struct ebb_arena_block *b = a->head;
    while (b) {
        struct ebb_arena_block *next = b->next;
        if (!b->lent)
            free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}

bool ebb_arena_reserve(struct ebb_arena *a, size_t n)
{
    if (a->head != NULL || n == 0 || n > SIZE_MAX - sizeof(struct ebb_arena_block))
        return false;
    struct ebb_arena_block *b = malloc(sizeof(*b) + n);
    if (b == NULL)
        return false;
    b->cap = n;
    b->off = 0;
    b->lent = false;
    b->next = NULL;
    a->head = b;
    return true;
}

void *ebb_arena_alloc(struct ebb_arena *a, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - align)
        return NULL;
    n = (n + align - 1) / align * align;

    struct ebb_arena_block *b = a->head;
    if (b == NULL || b->cap - b->off < n) {
        size_t cap = n > BLOCK_MIN ? n : BLOCK_MIN;
        if (cap > SIZE_MAX - sizeof(*b))
            return NULL;
        b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->cap = cap;
        b->off = 0;
        b->lent = false;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->off;
    b->off += n;
    a->used += n;
    memset(p, 0, n);
    return p;
}

void *ebb_arena_calloc(struct ebb_arena *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return ebb_arena_alloc(a, count * size);
}

char *ebb_arena_strndup(struct ebb_arena *a, const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    char *p = ebb_arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ebb_arena_strdup(struct ebb_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    return ebb_arena_strndup(a, s, strlen(s));
}
