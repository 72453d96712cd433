/* arena.h -- a bump allocator for objects that die together.
 *
 * A decoded ScalingPolicy keeps every string and array it owns in one arena,
 * so releasing the policy is one ebb_arena_release(). Allocations are aligned
 * for any type and never freed one by one. An arena starts empty
 * (EBB_ARENA_INIT or ebb_arena_init) and grows in blocks from malloc.
 */
#ifndef EBB_ARENA_H
#define EBB_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct ebb_arena_block;

struct ebb_arena {
    struct ebb_arena_block *head; /* newest block first */
    size_t used;                  /* total bytes handed out, for tests and benchmarks */
};

#define EBB_ARENA_INIT                                                                             \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

void ebb_arena_init(struct ebb_arena *a);
/* Frees every block; the arena is empty and reusable afterwards. NULL is a no-op. */
void ebb_arena_release(struct ebb_arena *a);

/* Initializes a with buf (n bytes, aligned for any object) as its first
 * block: memory the caller owns and reuses, which release does not free
 * (a reconcile's status copy, at every sync). A buf too small or not
 * aligned is ignored. */
void ebb_arena_init_buffer(struct ebb_arena *a, void *buf, size_t n);
/* Gives an empty arena a first block of n bytes, so that allocations
 * adding up to n (as counted by `used`) take no more: for an object
 * decoded a second time once its size is known. False when the arena is
 * not empty or malloc fails (the arena then grows as usual). */
bool ebb_arena_reserve(struct ebb_arena *a, size_t n);
/* Returns n zeroed bytes, or NULL when malloc fails or n overflows. */
void *ebb_arena_alloc(struct ebb_arena *a, size_t n);
/* Returns count*size zeroed bytes, or NULL on overflow or allocation failure. */
void *ebb_arena_calloc(struct ebb_arena *a, size_t count, size_t size);
/* Copies the NUL-terminated s (NULL gives NULL). */
char *ebb_arena_strdup(struct ebb_arena *a, const char *s);
/* Copies n bytes of s and terminates them. */
char *ebb_arena_strndup(struct ebb_arena *a, const char *s, size_t n);

#endif
