/* errlist.h -- a list of field errors, each a path and a message.
 *
 * Decoders and validators report every problem they find rather than the
 * first, in the form users see from the API server:
 *     spec.metrics[1].target.averageValue: must be greater than 0
 * Paths use the JSON field names, with [i] for list indexes. Entries are
 * owned by the list; ebb_errlist_release() frees them. A list that could
 * not grow records `truncated` instead of losing the fact that errors exist.
 */
#ifndef EBB_ERRLIST_H
#define EBB_ERRLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "rc.h"

struct ebb_field_error {
    char *path;    /* "spec.maxReplicas" */
    char *message; /* "must be greater than or equal to spec.minReplicas (3)" */
};

struct ebb_errlist {
    struct ebb_field_error *items;
    size_t n;
    size_t cap;
    bool truncated; /* an error was dropped because memory ran out */
};

#define EBB_ERRLIST_INIT                                                                           \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

void ebb_errlist_init(struct ebb_errlist *l);
void ebb_errlist_release(struct ebb_errlist *l);

/* Appends one error; the path and the formatted message are copied. */
void ebb_errlist_add(struct ebb_errlist *l, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True when the list holds at least one error (or dropped one). */
bool ebb_errlist_any(const struct ebb_errlist *l);

#endif
