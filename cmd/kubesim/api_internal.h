/*
 * kubesim: the REST layer's private interface (api*.c).
 *
 *   api.c         routing of every path, authn/authz, faults, health
 *   api_status.c  Status bodies in the real server's words
 *   api_obj.c     object helpers: key order, generation, unknown fields
 *   api_write.c   the write pipeline (create, update, delete) shared by
 *                 the HTTP verbs and ks_api_create/update/delete
 *   api_verbs.c   GET/LIST/WATCH/POST/PUT/DELETE over HTTP
 *   api_patch.c   PATCH (json, merge, strategic, apply)
 *   api_scale.c   the /scale subresource
 */
#ifndef KUBESIM_API_INTERNAL_H
#define KUBESIM_API_INTERNAL_H

#include "ks.h"

/* ------------------------------------------------------------------ */
/* Errors as the real server words them                                */

struct api_err {
    int code; /* HTTP status; 0 = no error */
    char reason[40];
    char message[2048];
    cJSON *details;     /* owned; NULL = no "details" key */
    char *continue_tok; /* 410 on a continue token: metadata.continue */
};

void api_err_clear(struct api_err *e);
/* Sets e (releasing what it held). details is consumed. */
void api_err_set(struct api_err *e, int code, const char *reason, cJSON *details, const char *fmt,
                 ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* Writes e as a Status body on resp. */
void api_err_send(const struct api_err *e, ks_resp *resp);
/* KS_E* code for an error (for ks_api_create & co). */
int api_err_rc(const struct api_err *e);

/* "deployments.apps" / "pods" */
void api_group_resource(const ks_rtype *rt, char *out, size_t cap);
/* details {name?, group?, kind: resource} */
cJSON *api_details(const ks_rtype *rt, const char *name);

void api_err_not_found(struct api_err *e, const ks_rtype *rt, const char *name);
void api_err_exists(struct api_err *e, const ks_rtype *rt, const char *name);
void api_err_conflict(struct api_err *e, const ks_rtype *rt, const char *name);
void api_err_bad_request(struct api_err *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* 422 Invalid: 'Kind.group "name" is invalid: field: message' (one
 * cause) or '[a, b]'; details {name, group, kind, causes}. group may be
 * "" (omitted). */
void api_err_invalid(struct api_err *e, const char *group, const char *kind, const char *name,
                     const struct ks_causes *causes);
void api_err_internal(struct api_err *e, const char *what);
/* 'Go-like' JSON syntax message for a body cJSON could not parse. */
void api_json_syntax_msg(const char *body, size_t len, char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* Object helpers (api_obj.c)                                          */

enum api_fv { API_FV_IGNORE, API_FV_WARN, API_FV_STRICT };

/* The type whose store bucket holds rt's objects. */
const ks_rtype *api_storage(const ks_rtype *rt);
/* "apps/v1" or "v1" */
void api_version_of(const ks_rtype *rt, char *out, size_t cap);
/* Group used in Invalid messages (the storage type's). */
const char *api_invalid_group(const ks_rtype *rt);
/* Built-in kinds that keep metadata.generation, and every custom kind. */
bool api_has_generation(const ks_rtype *rt);
/* True when the change old -> obj bumps metadata.generation. */
bool api_generation_changed(const ks_rtype *rt, const cJSON *old, const cJSON *obj);
/* Puts metadata keys (and for built-ins the top-level kind, apiVersion,
 * metadata) in the real server's order; custom resources get every key
 * sorted, as Go marshals unstructured maps. */
void api_order_object(const ks_rtype *rt, cJSON *obj);
/* Built-in kinds: removes top-level and metadata fields the kind does
 * not know, adding their paths to unknown. */
void api_prune_builtin(const ks_rtype *rt, cJSON *obj, struct ks_causes *unknown);
/* Manager name: fieldManager, else the User-Agent up to its first '/'. */
void api_manager_name(const char *field_manager, const char *user_agent, char *out, size_t cap);
/* The view of a stored object in rt's shape (a new tree; NULL on
 * failure). */
cJSON *api_view_of(const ks_rtype *rt, const ks_obj *o);
/* Parses a stored object's JSON in the storage shape. */
cJSON *api_parse_obj(const ks_obj *o);
/* Field selector fields the real server supports for rt. */
bool api_field_supported(const ks_rtype *rt, const char *field);
/* Replaces (or adds) key in obj, consuming val. */
void api_set(cJSON *obj, const char *key, cJSON *val);
/* Integer at a dotted path, def when absent or not a number. */
long long api_int_at(const cJSON *root, const char *dotted, long long def);

/* ------------------------------------------------------------------ */
/* The write pipeline (api_write.c)                                    */

struct api_op {
    ks_sim *s;
    const ks_rtype *rt; /* the type addressed (may be a view) */
    const char *ns;     /* "" for cluster-scoped */
    const char *name;   /* from the URL; NULL/"" on create */
    const char *manager;
    const char *subresource; /* NULL, "status", "scale" */
    bool dry_run;
    enum api_fv fv;
    bool skip_ns_check; /* internal writers */
    bool apply;         /* server-side apply: managedFields already set */
    struct api_err err;
    /* Warnings (unknown fields under fieldValidation=Warn). */
    struct ks_causes warnings;
    /* On success: the object in rt's shape (owned), and whether it was
     * created (201) rather than updated. */
    cJSON *result;
    bool created;
    const ks_obj *stored; /* NULL on dry-run or no-op */
};

void api_op_init(struct api_op *op, ks_sim *s, const ks_rtype *rt, const char *ns, const char *name,
                 const char *manager);
void api_op_release(struct api_op *op);

/* obj (rt's shape) is consumed. 0 or a KS_E* code with op->err set. */
int api_create(struct api_op *op, cJSON *obj);
/* obj (rt's shape, the full new object) is consumed; cur is the stored
 * object (NULL: looked up). expect_rv: the precondition (0: from the
 * object's metadata.resourceVersion, which may be empty). */
int api_update(struct api_op *op, cJSON *obj, const ks_obj *cur);
/* Deletion options as the real DeleteOptions. */
struct api_delete_opts {
    const char *propagation; /* NULL: the default */
    long grace;              /* -1: not given */
    const char *pre_uid;
    const char *pre_rv;
    bool force_marked; /* internal: remove a pod already marked */
};
/* On success op->result is either the object (still present, marked for
 * deletion) with op->created false, or NULL when it is gone; op->err
 * unset. */
int api_delete(struct api_op *op, const char *name, const struct api_delete_opts *o,
               cJSON **gone_uid_details);

/* A CRD left the store: removes its custom resources and types. */
void api_crd_removed(ks_sim *s, const cJSON *crd);

/* ------------------------------------------------------------------ */
/* HTTP handlers (api_verbs.c, api_patch.c, api_scale.c)               */

struct api_req {
    ks_sim *s;
    const ks_req *req;
    ks_resp *resp;
    const ks_rtype *rt;
    char ns[256];
    char name[256];
    char sub[64];
    const char *verb; /* authz verb: get, list, watch, create, ... */
    char user[256];
    char manager[160];
};

void api_handle_resource(struct api_req *r);
void api_handle_patch(struct api_req *r);
void api_handle_scale(struct api_req *r);
/* Common query handling for writes. 0, or sends 400 and returns -1. */
int api_write_params(struct api_req *r, struct api_op *op);
/* Sends op's result (or error) with status code ok_code. */
void api_send_op(struct api_req *r, struct api_op *op, int ok_code);
/* Parses the request body as a JSON object; sends 400 on failure. */
cJSON *api_body_object(struct api_req *r, const char *what_kind);

#endif
