/* strset.h -- sorted sets of strings (policy keys, pod keys, HPA names):
 * an array of owned copies kept in strcmp order, found by binary search.
 * PURE. */
#ifndef EBB_CONTROLLER_STRSET_H
#define EBB_CONTROLLER_STRSET_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/rc.h"

/* Where s is (*found) or would go (!*found) in v[0..n). */
size_t ctl_strset_find(char *const *v, size_t n, const char *s, bool *found);
/* Adds a copy of s unless it is there; *added (may be NULL) says whether
 * it was missing. EBB_ERR_NOMEM leaves the set as it was. */
enum ebb_rc ctl_strset_add(char ***v, size_t *n, size_t *cap, const char *s, bool *added);
/* Removes s; true when it was there. */
bool ctl_strset_remove(char **v, size_t *n, const char *s);
/* Frees the copies and the array. */
void ctl_strset_free(char **v, size_t n);

#endif
