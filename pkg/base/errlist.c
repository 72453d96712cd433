#include "errlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ebb_errlist_init(struct ebb_errlist *l)
{
    l->items = NULL;
    l->n = 0;
    l->cap = 0;
    l->truncated = false;
}

void ebb_errlist_release(struct ebb_errlist *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].path);
        free(l->items[i].message);
    }
    free(l->items);
    ebb_errlist_init(l);
}

void ebb_errlist_add(struct ebb_errlist *l, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct ebb_field_error *p = realloc(l->items, cap * sizeof(*p));
        if (p == NULL) {
            l->truncated = true;
            return;
        }
        l->items = p;
        l->cap = cap;
    }
    char *pp = strdup(path ? path : "");
    char *mp = strdup(msg);
    if (pp == NULL || mp == NULL) {
        free(pp);
        free(mp);
        l->truncated = true;
        return;
    }
    l->items[l->n].path = pp;
    l->items[l->n].message = mp;
    l->n++;
}

bool ebb_errlist_any(const struct ebb_errlist *l)
{
    return l->n > 0 || l->truncated;
}
