/* strset.c -- sorted sets of strings; see strset.h. PURE. */
#include "strset.h"

#include <stdlib.h>
#include <string.h>

size_t ctl_strset_find(char *const *v, size_t n, const char *s, bool *found)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(v[mid], s);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

enum ebb_rc ctl_strset_add(char ***v, size_t *n, size_t *cap, const char *s, bool *added)
{
    bool found;
    size_t at = ctl_strset_find(*v, *n, s, &found);
    if (added != NULL)
        *added = false;
    if (found)
        return EBB_OK;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 2;
        char **nv = realloc(*v, nc * sizeof(*nv));
        if (nv == NULL)
            return EBB_ERR_NOMEM;
        *v = nv;
        *cap = nc;
    }
    char *copy = strdup(s);
    if (copy == NULL)
        return EBB_ERR_NOMEM;
    memmove(*v + at + 1, *v + at, (*n - at) * sizeof(**v));
    (*v)[at] = copy;
    (*n)++;
    if (added != NULL)
        *added = true;
    return EBB_OK;
}

bool ctl_strset_remove(char **v, size_t *n, const char *s)
{
    bool found;
    size_t at = ctl_strset_find(v, *n, s, &found);
    if (!found)
        return false;
    free(v[at]);
    memmove(v + at, v + at + 1, (*n - at - 1) * sizeof(*v));
    (*n)--;
    return true;
}

void ctl_strset_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}
