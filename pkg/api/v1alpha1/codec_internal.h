/* codec_internal.h -- what the codec files share: the JSON decoder entry
 * point codec_yaml.c feeds its trees to, and the field tables that drive
 * both codec.c (decode) and codec_encode.c (encode). Private to
 * pkg/api/v1alpha1/codec*.c: nothing else may include it (cJSON stays at
 * the edge).
 */
#ifndef EBB_API_CODEC_INTERNAL_H
#define EBB_API_CODEC_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "codec.h"

/* The largest JSON or YAML text accepted, so hostile input cannot make the
 * decoders allocate without bound. Kubernetes objects are at most ~1.5 MiB. */
#define EBB__CODEC_MAX_INPUT (8u << 20)

/* Decodes root, a JSON object, into p (freshly initialized); every field
 * error goes to errs. Returns EBB_OK, EBB_ERR_INVALID when errs received
 * errors, or EBB_ERR_NOMEM. */
enum ebb_rc ebb__policy_from_cjson(struct ebb_policy *p, const cJSON *root,
                                   struct ebb_errlist *errs);

/* Describes a JSON value for a message: `string "ten"`, `number 1.5`,
 * `boolean true`, `null`, `object`, `list`. */
void ebb__json_describe(const cJSON *v, char *buf, size_t bufsz);

/* ---- the field tables (codec_tables.c) ------------------------------
 *
 * One static table per JSON object drives both directions (nginx's
 * ngx_command_t idea): the decoder (codec.c) looks each JSON key up and
 * stores through offsetof; the encoder (codec_encode.c) walks the same table
 * and writes every field that is set, so decode(encode(p)) == p holds by
 * construction. */

#define EBB_CODEC_NO_OFF ((size_t)-1)

enum ebb__codec_kind {
    EBB_CODEC_STRING,   /* char * */
    EBB_CODEC_TIMESTR,  /* char *, checked to be RFC 3339 and kept as written */
    EBB_CODEC_INT32,    /* int32_t, EBB_UNSET when absent */
    EBB_CODEC_INT64,    /* int64_t, EBB_UNSET when absent; within +/-(2^53-1) */
    EBB_CODEC_SECONDS,  /* int64_t ms written as integer seconds; decode only */
    EBB_CODEC_BOOL,     /* bool, written only when true */
    EBB_CODEC_QUANTITY, /* struct ebb_quantity */
    EBB_CODEC_DURATION, /* int64_t ms as a Go duration, EBB_UNSET when absent */
    EBB_CODEC_TIME,     /* int64_t unix ms as RFC 3339, EBB_TIME_UNSET when absent */
    EBB_CODEC_ENUM,     /* an enum stored as unsigned */
    EBB_CODEC_OBJECT,   /* a nested struct described by sub */
    EBB_CODEC_LIST,     /* pointer + count of structs described by sub */
    EBB_CODEC_STRLIST,  /* char ** + count */
    EBB_CODEC_MAP,      /* struct ebb_kv * + count */
    EBB_CODEC_RANGE,    /* "first-last" into two int32_t (off, cnt) */
    EBB_CODEC_IGNORE,   /* accepted and dropped (metadata the API server adds) */
};

enum {
    EBB_CODEC_OMIT_EMPTY = 1 << 0, /* OBJECT: not written when it would be {} */
    EBB_CODEC_ALWAYS = 1 << 1,     /* ENUM: written even when 0 */
};

struct ebb__enum_desc {
    const char *(*name)(unsigned v);
    unsigned (*parse)(const char *s);
    unsigned values[5]; /* in the order "supported values" lists them */
    size_t n;
};

struct ebb__table;

struct ebb__field {
    const char *name;
    enum ebb__codec_kind kind;
    size_t off;                   /* the value, from the struct's base */
    size_t cnt;                   /* LIST, STRLIST, MAP: the count; RANGE: last */
    size_t set;                   /* OBJECT, LIST: a bool set when present, or NO_OFF */
    const struct ebb__table *sub; /* OBJECT, LIST */
    const struct ebb__enum_desc *en;
    const char *alt; /* another spelling of the same value: never both */
    unsigned flags;
};

struct ebb__table {
    const struct ebb__field *fields;
    size_t n;
    size_t size;              /* LIST: element size */
    void (*init)(void *elem); /* LIST: sets an element's UNSET sentinels */
};

/* The whole object, and status alone. */
extern const struct ebb__table ebb__top_table;
extern const struct ebb__table ebb__status_table;

/* ---- field access ----------------------------------------------------- */

/* Pointers to different struct types are stored through memcpy: the tables
 * know only offsets, and memcpy is the aliasing-safe way to write them. */
static inline void *ebb__ptr_at(const void *base, size_t off)
{
    void *p;
    memcpy(&p, (const char *)base + off, sizeof(p));
    return p;
}

static inline void ebb__set_ptr_at(void *base, size_t off, void *p)
{
    memcpy((char *)base + off, &p, sizeof(p));
}

#define EBB__AT(T, base, off) ((T *)(void *)((char *)(base) + (off)))
#define EBB__CAT(T, base, off) ((const T *)(const void *)((const char *)(base) + (off)))

#endif
