/* codec.h -- ScalingPolicy <-> JSON (cJSON) and YAML (libyaml) -> ScalingPolicy.
 *
 * EDGE: the only CRD file that sees cJSON or libyaml; callers get typed
 * structs. Decoding never stops at the first problem: every unknown field,
 * wrong type, malformed quantity, duration or timestamp and unknown enum
 * spelling is appended to `errs` with its field path, in the API server's
 * words where it has them:
 *     spec.metrics[0].target.averageValue: quantities must match the regular expression ...
 *     spec.metrics[2].foo: unknown field "foo"
 *     spec.maxReplicas: must be an integer, got string "ten"
 * and decoding carries on with the rest, so `ebb validate` prints them all.
 * The JSON accepted is the shape the API server returns (apiVersion, kind,
 * metadata, spec, status); every field of DESIGN.md section 1 round-trips.
 */
#ifndef EBB_API_CODEC_H
#define EBB_API_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "../../base/errlist.h"
#include "../../base/rc.h"
#include "../../base/strbuf.h"
#include "types.h"

/* Decodes one object from JSON text into p, which must be freshly
 * initialized (ebb_policy_init). Returns EBB_OK when nothing was wrong,
 * EBB_ERR_PARSE when text is not JSON or not an object (one entry in errs,
 * path ""), EBB_ERR_INVALID when errs received field errors (p then holds
 * what could be decoded), EBB_ERR_NOMEM. The caller releases p either way. */
enum ebb_rc ebb_policy_from_json(struct ebb_policy *p, const char *text, size_t len,
                                 struct ebb_errlist *errs);

/* The same from a parsed object (an informer's list item or watch event).
 * EBB_ERR_PARSE when root is not an object. */
struct cJSON;
enum ebb_rc ebb_policy_from_cjson(struct ebb_policy *p, const struct cJSON *root,
                                  struct ebb_errlist *errs);

/* Encodes the whole object (apiVersion, kind, metadata, spec, status) as
 * compact JSON appended to out. Unset fields are omitted, so decoding the
 * output gives back an equal policy. */
enum ebb_rc ebb_policy_to_json(const struct ebb_policy *p, struct ebb_strbuf *out);

/* Encodes only the status object ({"observedGeneration":...}), as the
 * controller sends to /status. */
enum ebb_rc ebb_policy_status_to_json(const struct ebb_policy_status *st, struct ebb_strbuf *out);

/* One document of a YAML stream. */
struct ebb_yaml_doc {
    int line;                  /* 1-based line where the document starts */
    char *api_version;         /* as written, or NULL (malloc'd) */
    char *kind;                /* as written, or NULL (malloc'd) */
    bool is_policy;            /* apiVersion ebb.dev/v1alpha1 and kind ScalingPolicy */
    struct ebb_policy policy;  /* decoded when is_policy */
    struct ebb_errlist errors; /* decode errors of this document */
    /* Where each decoded field sits, for FILE:LINE messages. */
    char **line_paths;
    int *line_numbers;
    size_t n_lines;
};

struct ebb_yaml_docs {
    struct ebb_yaml_doc *docs;
    size_t n;
};

/* A YAML syntax error: where and what. */
struct ebb_yaml_error {
    int line;   /* 1-based */
    int column; /* 1-based */
    char message[256];
};

/* Parses a whole YAML stream (one or more documents separated by ---;
 * empty documents are skipped). Plain scalars are typed by the YAML 1.2 core
 * schema (true/false, null/~, integers, floats); quoted scalars are strings.
 * Anchors, aliases and tags other than the core ones are rejected with a
 * clear message. Returns EBB_ERR_PARSE with *yerr filled when the stream is
 * not YAML, EBB_OK otherwise (documents may still carry field errors). */
enum ebb_rc ebb_policy_docs_from_yaml(const char *text, size_t len, struct ebb_yaml_docs *out,
                                      struct ebb_yaml_error *yerr /* OUT */);
void ebb_yaml_docs_release(struct ebb_yaml_docs *docs);

/* The line of the field at path, or of its nearest written ancestor
 * ("spec.metrics[1].target.averageValue" falls back to
 * "spec.metrics[1].target", then "spec.metrics[1]", ...); the document's
 * first line when nothing matches. */
int ebb_yaml_doc_line(const struct ebb_yaml_doc *d, const char *path);

#endif
