/*
 * kubesim: Kubernetes protobuf request bodies
 * (Content-Type: application/vnd.kubernetes.protobuf).
 *
 * kubectl's typed clients (create deployment / namespace / configmap /
 * secret / service / job ...) send the object as the 4 magic bytes
 * "k8s\0" followed by a runtime.Unknown message
 *   {1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding,
 *    4: contentType}
 * where raw is the object in protobuf. ks_proto_decode turns it into the
 * object's JSON form (what Go's encoding/json would print for the same
 * struct), driven by the descriptor tables of proto_types.c, whose field
 * numbers come from the upstream generated.proto files (k8s.io/api
 * core/v1, apps/v1, batch/v1, k8s.io/apimachinery meta/v1).
 *
 * Field numbers a table does not list are skipped (protobuf semantics);
 * a kind without a table is KS_PROTO_UNKNOWN_KIND (the API answers 415).
 */
#ifndef KUBESIM_PROTO_H
#define KUBESIM_PROTO_H

#include "ks.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KS_PROTO_CONTENT_TYPE "application/vnd.kubernetes.protobuf"

enum ks_proto_rc {
    KS_PROTO_OK = 0,
    KS_PROTO_MALFORMED = -1,    /* bad bytes: 400 BadRequest */
    KS_PROTO_UNKNOWN_KIND = -2, /* no descriptor for the kind: 415 */
    KS_PROTO_NOMEM = -3,
};

/* True when a Content-Type header names the Kubernetes protobuf media
 * type (parameters after ';' ignored, case-insensitive). NULL: false. */
bool ks_proto_is_content_type(const char *content_type);

/* Decodes a whole protobuf request body. Returns a new JSON object, or
 * NULL with a message in err (may be NULL). */
cJSON *ks_proto_decode(const char *body, size_t len, char *err, size_t errlen);
/* Same, telling why it failed: KS_PROTO_*; *out set only on success. */
int ks_proto_decode_rc(const char *body, size_t len, cJSON **out, char *err, size_t errlen);

/* The request-body hook for the API layer: decodes req's protobuf body
 * for a write to rt. On failure answers resp (400 BadRequest for bad
 * bytes, 415 UnsupportedMediaType for a kind without protobuf, or for a
 * custom resource, as the real server does) and returns NULL. */
cJSON *ks_proto_request_object(const ks_rtype *rt, const ks_req *req, ks_resp *resp);

/* Go's time.Duration.String() for ns nanoseconds ("1h2m3.5s", "150ms",
 * "0s"); used for metav1.Duration fields. */
void ks_proto_duration_string(int64_t ns, char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* Message descriptors (proto_types.c)                                 */

enum ks_pb_kind {
    KS_PB_STRING,
    KS_PB_BYTES, /* base64 in JSON */
    KS_PB_INT32,
    KS_PB_INT64,
    KS_PB_BOOL,
    KS_PB_MSG,      /* nested message: a JSON object */
    KS_PB_INLINE,   /* embedded Go struct: its fields join the parent */
    KS_PB_MAP_SS,   /* map<string,string> */
    KS_PB_MAP_SB,   /* map<string,bytes>: values in base64 */
    KS_PB_MAP_SQ,   /* map<string,Quantity> */
    KS_PB_INTORSTR, /* intstr.IntOrString {1:type, 2:intVal, 3:strVal} */
    KS_PB_QUANTITY, /* resource.Quantity {1:string} */
    KS_PB_TIME,     /* metav1.Time {1:seconds, 2:nanos}: RFC 3339 */
    KS_PB_MICROTIME,
    KS_PB_DURATION, /* metav1.Duration {1:nanoseconds}: "1m30s" */
};

enum ks_pb_flags {
    KS_PBF_REPEATED = 1u << 0,
    /* Keep zero values ("", 0, false): Go pointer fields and fields
     * without omitempty. Without it a zero scalar is left out, as Go's
     * omitempty does (protobuf always carries the non-pointer ones). */
    KS_PBF_KEEP = 1u << 1,
};

struct ks_pb_msg;

struct ks_pb_field {
    uint32_t no;
    const char *json;
    uint8_t kind;  /* enum ks_pb_kind */
    uint8_t flags; /* enum ks_pb_flags */
    const struct ks_pb_msg *msg;
};

struct ks_pb_msg {
    const char *name; /* Go type name, for error messages */
    const struct ks_pb_field *f;
    size_t n;
};

struct ks_pb_kind_entry {
    const char *api_version;
    const char *kind;
    const struct ks_pb_msg *msg;
};

/* Descriptor of a top-level kind, NULL when kubesim has none. */
const struct ks_pb_msg *ks_pb_find_kind(const char *api_version, const char *kind);

#endif
