/*
 * kubesim: what proto.c (messages) and proto_wire.c (the wire format and
 * the JSON form of scalars) share beyond proto.h.
 */
#ifndef KUBESIM_PROTO_INTERNAL_H
#define KUBESIM_PROTO_INTERNAL_H

#include "proto.h"

enum { KS_PB_WT_VARINT = 0, KS_PB_WT_FIXED64 = 1, KS_PB_WT_LEN = 2, KS_PB_WT_FIXED32 = 5 };

/* The first failure of a decode: a KS_PROTO_* code and its message. */
struct ks_pb_err {
    int rc;
    char *msg;
    size_t cap;
};

/* Records rc and the message unless a failure is already recorded;
 * returns the recorded rc. */
int ks_pb_fail(struct ks_pb_err *e, int rc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int ks_pb_nomem(struct ks_pb_err *e);

/* A reader over p[0..n), at i. */
struct ks_pb_rd {
    const uint8_t *p;
    size_t n, i;
};

/* One field: number, wire type and value (varint/fixed) or the span of a
 * length-delimited payload. */
struct ks_pb_wfield {
    uint32_t no;
    uint8_t wt;
    uint64_t v;
    size_t off, len;
};

int ks_pb_read_varint(struct ks_pb_rd *r, uint64_t *out, struct ks_pb_err *e);
/* The next field of a message named msg (for the messages). 0 or the rc. */
int ks_pb_next_field(struct ks_pb_rd *r, struct ks_pb_wfield *f, const char *msg,
                     struct ks_pb_err *e);

/* A JSON string from bytes: invalid UTF-8 and NUL become U+FFFD. */
cJSON *ks_pb_json_str(const uint8_t *s, size_t n);
/* Bytes as a base64 JSON string (Go's []byte). */
cJSON *ks_pb_json_base64(const uint8_t *s, size_t n);
/* RFC 3339 in UTC: seconds only for Time, 6 digits for MicroTime; NULL
 * (and a failure in e) outside Go's years 1-9999. */
cJSON *ks_pb_json_time(int64_t secs, int32_t nanos, bool micro, struct ks_pb_err *e);

#endif
