/* strbuf.h -- a growable, always NUL-terminated byte string.
 *
 * `buf` is never NULL: an initialized strbuf points at a static "" until the
 * first append, so it can be passed to any string function. A failed
 * allocation sets `failed` and leaves the content as it was; later appends
 * are ignored, so a caller may build a whole string and check once at the
 * end with ebb_strbuf_rc().
 */
#ifndef EBB_STRBUF_H
#define EBB_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "rc.h"

struct ebb_strbuf {
    char *buf;
    size_t len;
    size_t alloc; /* 0 while buf points at the static "" */
    bool failed;
};

/* Read-only; never written because alloc == 0 guards every write. */
extern const char ebb_strbuf_empty[1];
#define EBB_STRBUF_INIT                                                                            \
    {                                                                                              \
        (char *)ebb_strbuf_empty, 0, 0, false                                                      \
    }

void ebb_strbuf_init(struct ebb_strbuf *sb);
/* Frees the buffer and re-initializes sb. NULL is a no-op. */
void ebb_strbuf_release(struct ebb_strbuf *sb);
/* Empties sb, keeping its allocation and clearing `failed`. */
void ebb_strbuf_reset(struct ebb_strbuf *sb);

void ebb_strbuf_add(struct ebb_strbuf *sb, const void *data, size_t n);
void ebb_strbuf_adds(struct ebb_strbuf *sb, const char *s);
void ebb_strbuf_addch(struct ebb_strbuf *sb, char c);
void ebb_strbuf_addf(struct ebb_strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ebb_strbuf_vaddf(struct ebb_strbuf *sb, const char *fmt, va_list ap);

/* EBB_ERR_NOMEM if any append failed since init or reset, else EBB_OK. */
enum ebb_rc ebb_strbuf_rc(const struct ebb_strbuf *sb);

/* Hands the buffer to the caller (free() it) and re-initializes sb.
 * Returns NULL if an append failed or nothing could be allocated. */
char *ebb_strbuf_detach(struct ebb_strbuf *sb, size_t *len /* OUT, may be NULL */);

#endif
