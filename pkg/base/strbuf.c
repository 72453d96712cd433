#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char ebb_strbuf_empty[1] = "";

void ebb_strbuf_init(struct ebb_strbuf *sb)
{
    sb->buf = (char *)ebb_strbuf_empty;
    sb->len = 0;
    sb->alloc = 0;
    sb->failed = false;
}

void ebb_strbuf_release(struct ebb_strbuf *sb)
{
    if (sb == NULL)
        return;
    if (sb->alloc)
        free(sb->buf);
    ebb_strbuf_init(sb);
}

void ebb_strbuf_reset(struct ebb_strbuf *sb)
{
    sb->len = 0;
    if (sb->alloc)
        sb->buf[0] = '\0';
    sb->failed = false;
}

static bool grow(struct ebb_strbuf *sb, size_t extra)
{
    if (sb->failed)
        return false;
    if (extra > (size_t)-1 / 2 - sb->len) {
        sb->failed = true;
        return false;
    }
    size_t need = sb->len + extra + 1;
    if (need <= sb->alloc)
        return true;
    size_t cap = sb->alloc ? sb->alloc : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(sb->alloc ? sb->buf : NULL, cap);
    if (p == NULL) {
        sb->failed = true;
        return false;
    }
    if (sb->alloc == 0)
        p[0] = '\0';
    sb->buf = p;
    sb->alloc = cap;
    return true;
}

void ebb_strbuf_add(struct ebb_strbuf *sb, const void *data, size_t n)
{
    if (!grow(sb, n))
        return;
    memcpy(sb->buf + sb->len, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void ebb_strbuf_adds(struct ebb_strbuf *sb, const char *s)
{
    ebb_strbuf_add(sb, s, strlen(s));
}

void ebb_strbuf_addch(struct ebb_strbuf *sb, char c)
{
    ebb_strbuf_add(sb, &c, 1);
}

void ebb_strbuf_vaddf(struct ebb_strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) {
        sb->failed = true;
        return;
    }
    if (!grow(sb, (size_t)n))
        return;
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void ebb_strbuf_addf(struct ebb_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ebb_strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

enum ebb_rc ebb_strbuf_rc(const struct ebb_strbuf *sb)
{
    return sb->failed ? EBB_ERR_NOMEM : EBB_OK;
}

char *ebb_strbuf_detach(struct ebb_strbuf *sb, size_t *len)
{
    char *p = NULL;
    if (!sb->failed) {
        if (sb->alloc == 0)
            p = calloc(1, 1);
        else
            p = sb->buf;
    } else if (sb->alloc) {
        free(sb->buf);
    }
    if (len)
        *len = p ? sb->len : 0;
    ebb_strbuf_init(sb);
    return p;
}
