/* labelsel.h -- a label selector in the API's string form, parsed and
 * matched. PURE.
 *
 * The form `kubectl get -l` and the /scale subresource's status.selector
 * use (apimachinery's labels.Parse): requirements separated by commas,
 * each one of
 *   key            the label exists
 *   !key           the label does not exist
 *   key=value      also key==value; the label has this value
 *   key!=value     the label is absent or has another value
 *   key in (a,b)   the label has one of the values
 *   key notin (a,b) the label is absent or has none of them
 *   key>N, key<N   the label is an integer greater (less) than N
 * with spaces allowed around every token. The empty string selects
 * everything. Keys are [prefix/]name of [A-Za-z0-9._-] (at most 253 + 63
 * bytes); values are at most 63 bytes of the same characters.
 */
#ifndef EBB_KUBE_LABELSEL_H
#define EBB_KUBE_LABELSEL_H

#include <stdbool.h>
#include <stddef.h>

#include "../api/v1alpha1/types.h"
#include "../base/rc.h"

enum ebb_labelsel_op {
    EBB_LABELSEL_EXISTS = 0,
    EBB_LABELSEL_NOT_EXISTS,
    EBB_LABELSEL_EQ,
    EBB_LABELSEL_NE,
    EBB_LABELSEL_IN,
    EBB_LABELSEL_NOT_IN,
    EBB_LABELSEL_GT,
    EBB_LABELSEL_LT,
};

struct ebb_labelsel_req {
    char *key;
    enum ebb_labelsel_op op;
    char **values; /* EQ, NE: one; IN, NOT_IN: one or more; GT, LT: one integer */
    size_t n_values;
};

struct ebb_labelsel {
    struct ebb_labelsel_req *reqs;
    size_t n_reqs;
};

/* Parses text (NULL or "" selects everything) into *out. On error
 * (EBB_ERR_PARSE) err names the byte offset and what was expected, and
 * *out is empty; EBB_ERR_NOMEM. */
enum ebb_rc ebb_labelsel_parse(const char *text, struct ebb_labelsel *out, char *err, size_t errsz);
/* Frees what parse allocated; s is empty afterwards. NULL is a no-op. */
void ebb_labelsel_release(struct ebb_labelsel *s);

/* True when labels (n of them) satisfy every requirement. */
bool ebb_labelsel_matches(const struct ebb_labelsel *s, const struct ebb_kv *labels, size_t n);

/* An equality every match must satisfy (the first `key=value` or
 * single-valued `key in (value)`), for indexing; false when s has none. */
bool ebb_labelsel_equality(const struct ebb_labelsel *s, const char **key, const char **value);

#endif
