/* source_internal.h -- what the parse_*.c files of pkg/source share
 * (parse_common.c): the JSON envelope, field access with messages, Go
 * durations, and the pod-name index. Not for use outside pkg/source.
 */
#ifndef EBB_SOURCE_INTERNAL_H
#define EBB_SOURCE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "source.h"

/* The error state of one parse: the first error is kept. */
struct src_err {
    enum ebb_rc rc;
    char *buf;
    size_t sz;
};

void src_err_init(struct src_err *e, char *buf, size_t sz);
/* Records rc and the message unless an error is already recorded. */
enum ebb_rc src_fail(struct src_err *e, enum ebb_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A JSON type for messages: "string", "number", ... */
const char *src_type_of(const cJSON *v);
/* Member key of o when o is an object, else NULL. */
const cJSON *src_get(const cJSON *o, const char *key);
/* NULL or JSON null. */
bool src_absent(const cJSON *v);

/* Parses body; on failure a message "API answered ... not JSON" quoting the
 * start of the body. api names the source ("metrics.k8s.io"). */
cJSON *src_parse_json(const char *body, size_t len, const char *api, struct src_err *e);

/* Checks that root is an object of kind `kind`; a Status is reported with
 * its message and reason. Then returns its items (an array; NULL with an
 * error when they are not one; an empty array when absent is fine: *n = 0). */
const cJSON *src_list_items(const cJSON *root, const char *api, const char *kind, int *n,
                            struct src_err *e);

/* Go duration ("15s", "10.214s", "1m30s", "500ms") in whole milliseconds,
 * truncated. false when s is not one, negative or too large. */
bool src_go_duration_ms(const char *s, int64_t *ms /* OUT */);

/* Formats a duration in ms the way Go prints it ("1m0s", "15s"). */
void src_fmt_duration(int64_t ms, char *buf, size_t bufsz);

/* A sorted index of pod names, to find the samples of a list item. */
struct src_pod_index {
    struct src_pod_ref *refs;
    size_t n;
};

/* EBB_ERR_NOMEM on allocation failure. Pods without a name are left out. */
enum ebb_rc src_pod_index_build(struct src_pod_index *ix, const struct ebb_pod *pods, size_t n);
void src_pod_index_release(struct src_pod_index *ix);
/* Calls fn(ctx, i) for every pods[i] named name (usually one). Returns how
 * many there were. */
size_t src_pod_index_each(const struct src_pod_index *ix, const char *name,
                          void (*fn)(void *ctx, size_t i), void *ctx);

/* One item's sample, copied to every pod of its name by src_fill_put
 * (through src_pod_index_each), request_milli kept. */
struct src_fill {
    struct ebb_pod_sample *samples;
    struct ebb_pod_sample v;
};
void src_fill_put(void *ctx, size_t i);

/* Resets samples to present = false, leaving request_milli alone. */
void src_samples_clear(struct ebb_pod_sample *samples, size_t n);

/* A quantity string to milli-units, with a message "what \"v\" is not a
 * quantity: why" on failure (what: "pod web-1, container app: cpu usage"). */
bool src_quantity(const cJSON *v, const char *api, const char *what, int64_t *milli,
                  struct src_err *e);

/* An RFC 3339 timestamp; required: a missing one is an error. */
bool src_timestamp(const cJSON *v, const char *api, const char *what, int64_t *ms,
                   struct src_err *e);

#endif
