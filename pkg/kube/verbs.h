/* verbs.h -- the verbs of the Kubernetes API on top of client.h. EDGE (cJSON).
 *
 * get, list (paged with limit/continue), create (POST), update (PUT),
 * patch (merge, strategic merge, JSON patch, server-side apply), delete
 * (with preconditions and a propagation policy), and the /status and
 * /scale subresources. Paths come from ebb_kube_path() (path.h).
 *
 * Every verb has two forms:
 *  - async, ebb_kube_<verb>_async(): submits the request(s) and returns; the
 *    callback runs inside ebb_kube_client_poll() exactly once with the typed
 *    result, unless the call is cancelled first. The caller owns the struct
 *    ebb_kube_call: it must stay at the same address until the callback has
 *    run or ebb_kube_call_cancel() returned. Cancel every running call
 *    before ebb_kube_client_free() (the client drops its requests without
 *    telling us, and a list keeps state of its own).
 *  - blocking, ebb_kube_<verb>(): for command-line tools and tests; runs the
 *    async form and polls until it completes. Never from inside a callback.
 *
 * Results: EBB_OK on a 2xx answer. EBB_ERR_IO when the API refused the
 * request or none came (err holds the HTTP status, the typed reason --
 * NotFound, Conflict, Invalid, Forbidden, Expired, ... -- the message and
 * the field causes). EBB_ERR_INVALID when the arguments are wrong, before
 * anything is sent (err->message says which, http_status 0). EBB_ERR_PARSE
 * when a 2xx answer is not what the verb expects (not JSON, not a Scale).
 * EBB_ERR_NOMEM when memory ran out. err may be NULL.
 *
 * Writes are never retried after the server may have acted on them (see
 * client.c); a 409 Conflict of an update comes back as EBB_KUBE_CONFLICT:
 * the caller reads the object again and decides, nothing overwrites blindly.
 */
#ifndef EBB_KUBE_VERBS_H
#define EBB_KUBE_VERBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "../base/strbuf.h"
#include "client.h"
#include "path.h"
#include "status.h"

struct cJSON;

/* The field manager of Ebb's writes, unless struct ebb_kube_write_opts says otherwise. */
#define EBB_KUBE_FIELD_MANAGER "ebb"
/* How many times a paged list starts again after its continue token expired (410). */
#define EBB_KUBE_LIST_MAX_RELISTS 3

/* Options of create, update and patch; NULL means all defaults. */
struct ebb_kube_write_opts {
    const char *field_manager; /* NULL: EBB_KUBE_FIELD_MANAGER; "": none sent */
    bool dry_run;              /* dryRun=All: validated and answered, nothing stored */
    /* force=true, server-side apply only (ignored by other writes): take
     * over the fields another manager owns instead of failing with 409
     * Conflict. A controller that owns what it applies sets it. */
    bool force;
};

enum ebb_kube_patch_type {
    EBB_KUBE_PATCH_MERGE = 0, /* application/merge-patch+json (RFC 7386) */
    EBB_KUBE_PATCH_STRATEGIC, /* application/strategic-merge-patch+json (built-in kinds only) */
    EBB_KUBE_PATCH_JSON,      /* application/json-patch+json (RFC 6902) */
    EBB_KUBE_PATCH_APPLY,     /* application/apply-patch+yaml: server-side apply */
    EBB_KUBE_PATCH__COUNT
};

/* The Content-Type of a patch type, or NULL when t is out of range. */
const char *ebb_kube_patch_content_type(enum ebb_kube_patch_type t);

/* Options of delete; NULL (or all fields NULL/false) sends no body. */
struct ebb_kube_delete_opts {
    const char *uid;                /* preconditions.uid: delete only this incarnation */
    const char *resource_version;   /* preconditions.resourceVersion: only this version */
    const char *propagation_policy; /* "Foreground", "Background" or "Orphan"; NULL: server's */
    bool dry_run;
};

/* The autoscaling/v1 Scale of a workload (its /scale subresource). */
struct ebb_kube_scale {
    int32_t spec_replicas;   /* spec.replicas (0 when absent) */
    int32_t status_replicas; /* status.replicas */
    char selector[1024];     /* status.selector, a label selector STRING ("app=web"); "" if none */
    char resource_version[128];
};

/* Decodes an autoscaling/v1 Scale object. EBB_ERR_PARSE (why in err) when
 * obj is not a Scale or a field has the wrong type or range; EBB_ERR_LIMIT
 * when the selector or resourceVersion does not fit. */
enum ebb_rc ebb_kube_scale_decode(const struct cJSON *obj, struct ebb_kube_scale *out /* OUT */,
                                  char *err, size_t errsz);

/* ---- results of the async forms ---------------------------------------------------------- */

/* The result of get, create, update, patch and delete. Valid during the callback only. */
struct ebb_kube_result {
    enum ebb_rc rc; /* as the blocking form would return */
    int http_status;
    const char *body; /* the response body (object, Status, ...), or NULL; NUL-terminated */
    size_t body_len;
    const struct cJSON *object;         /* body decoded, on EBB_OK; else NULL */
    const struct ebb_kube_error *error; /* why, unless rc is EBB_OK; else NULL */
};

typedef void ebb_kube_result_fn(void *ctx, const struct ebb_kube_result *r);

/* The result of get_scale and patch_scale: scale is NULL unless rc is EBB_OK,
 * err is NULL when it is. Valid during the callback only. */
typedef void ebb_kube_scale_fn(void *ctx, enum ebb_rc rc, const struct ebb_kube_scale *scale,
                               const struct ebb_kube_error *err);

/* One item of a list, in order; item is valid during the call only. item
 * NULL means the list starts again (its continue token expired): forget
 * every item handed over so far. A non-zero return stops the list, which
 * then ends with EBB_ERR_INVALID. */
typedef int ebb_kube_list_item_fn(void *ctx, const struct cJSON *item);

/* The end of a list: rc EBB_OK with the list's resourceVersion (for a
 * following watch), or the failure with err set. */
typedef void ebb_kube_list_done_fn(void *ctx, enum ebb_rc rc, const char *list_rv,
                                   const struct ebb_kube_error *err);

struct ebb_kube_list_state;

/* One running verb. Zero it (or declare it = {0}) before the first use; it
 * may be used again once its callback has run or it was cancelled. All
 * fields are private. */
struct ebb_kube_call {
    struct ebb_kube_client *c;
    uint64_t id; /* of the request in flight */
    bool running;
    int kind;
    ebb_kube_result_fn *on_result;
    ebb_kube_scale_fn *on_scale;
    ebb_kube_list_item_fn *on_item;
    ebb_kube_list_done_fn *on_list_done;
    void *ctx;
    struct ebb_kube_list_state *list;
};

/* Cancels call if it is running: no callback follows, its state is freed.
 * A call that is not running is left alone. Not from inside this call's
 * own callbacks (an item callback stops its list by returning non-zero);
 * from any other callback it is fine. */
void ebb_kube_call_cancel(struct ebb_kube_call *call);
/* Whether call is running (submitted, callback not yet run). */
bool ebb_kube_call_running(const struct ebb_kube_call *call);

/* ---- get --------------------------------------------------------------------------------- */

/* GET one object (ns NULL for a cluster-scoped resource), or its
 * subresource ("status", "scale"; NULL for the object). body gets the JSON
 * text (on failure, the error's body); may be NULL. */
enum ebb_rc ebb_kube_get(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                         const char *ns, const char *name, const char *subresource,
                         struct ebb_strbuf *body /* OUT */, struct ebb_kube_error *err /* OUT */);
/* Async form of ebb_kube_get(). EBB_OK when submitted (fn will run); any
 * other rc means nothing was submitted and fn will not run. */
enum ebb_rc ebb_kube_get_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                               const struct ebb_kube_resource *res, const char *ns,
                               const char *name, const char *subresource, ebb_kube_result_fn *fn,
                               void *ctx);

/* ---- list -------------------------------------------------------------------------------- */

/* Lists res in ns (NULL: every namespace, or a cluster-scoped resource)
 * with the selectors, resourceVersion[Match] and limit of q (may be NULL;
 * q->continue_token and q->watch must be unset). With a limit the list
 * comes in pages: each page's continue token fetches the next (without
 * resourceVersion[Match], as the API requires), until the last. When a
 * continue token has expired (410 Expired) the list starts again from the
 * first page -- fn gets item NULL first -- at most EBB_KUBE_LIST_MAX_RELISTS
 * times; then the 410 is returned. Each item goes to fn. list_rv (may be
 * NULL) gets the list's metadata.resourceVersion; EBB_ERR_LIMIT if it does
 * not fit in rvsz bytes. */
enum ebb_rc ebb_kube_list(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                          const char *ns, const struct ebb_kube_query *q, ebb_kube_list_item_fn *fn,
                          void *ctx, char *list_rv /* OUT */, size_t rvsz,
                          struct ebb_kube_error *err /* OUT */);
/* Async form of ebb_kube_list(): item runs for each item as pages arrive,
 * done once at the end. */
enum ebb_rc ebb_kube_list_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                const struct ebb_kube_resource *res, const char *ns,
                                const struct ebb_kube_query *q, ebb_kube_list_item_fn *item,
                                ebb_kube_list_done_fn *done, void *ctx);

/* ---- create, update ---------------------------------------------------------------------- */

/* POST obj (JSON, len bytes) to the collection of res in ns. out (may be
 * NULL) gets the created object as the server stored it. */
enum ebb_rc ebb_kube_create(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                            const char *ns, const char *obj, size_t len,
                            const struct ebb_kube_write_opts *o, struct ebb_strbuf *out /* OUT */,
                            struct ebb_kube_error *err /* OUT */);
enum ebb_rc ebb_kube_create_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                  const struct ebb_kube_resource *res, const char *ns,
                                  const char *obj, size_t len, const struct ebb_kube_write_opts *o,
                                  ebb_kube_result_fn *fn, void *ctx);

/* PUT obj (JSON) to the object name, or to its subresource ("status",
 * "scale"; NULL for the object). obj must carry the metadata.resourceVersion
 * it was read at (EBB_ERR_INVALID otherwise, nothing sent), so a write that
 * raced another one fails with 409 EBB_KUBE_CONFLICT and is not retried. */
enum ebb_rc ebb_kube_update(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                            const char *ns, const char *name, const char *subresource,
                            const char *obj, size_t len, const struct ebb_kube_write_opts *o,
                            struct ebb_strbuf *out /* OUT */, struct ebb_kube_error *err /* OUT */);
enum ebb_rc ebb_kube_update_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                  const struct ebb_kube_resource *res, const char *ns,
                                  const char *name, const char *subresource, const char *obj,
                                  size_t len, const struct ebb_kube_write_opts *o,
                                  ebb_kube_result_fn *fn, void *ctx);

/* ---- patch ------------------------------------------------------------------------------- */

/* PATCH the object name (or its subresource) with patch (len bytes) of
 * type t. A server-side apply (EBB_KUBE_PATCH_APPLY) needs a field manager
 * (EBB_ERR_INVALID with field_manager "") and sends force=true only when
 * o->force asks for it (NULL o: no force); without it a field another
 * manager owns makes the apply fail with 409 EBB_KUBE_CONFLICT. */
enum ebb_rc ebb_kube_patch(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                           const char *ns, const char *name, const char *subresource,
                           enum ebb_kube_patch_type t, const char *patch, size_t len,
                           const struct ebb_kube_write_opts *o, struct ebb_strbuf *out /* OUT */,
                           struct ebb_kube_error *err /* OUT */);
enum ebb_rc ebb_kube_patch_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                 const struct ebb_kube_resource *res, const char *ns,
                                 const char *name, const char *subresource,
                                 enum ebb_kube_patch_type t, const char *patch, size_t len,
                                 const struct ebb_kube_write_opts *o, ebb_kube_result_fn *fn,
                                 void *ctx);

/* ---- delete ------------------------------------------------------------------------------ */

/* DELETE the object name. d (may be NULL) adds a DeleteOptions body with
 * preconditions (a uid or resourceVersion that no longer matches gives 409
 * Conflict), the propagation policy and dryRun. out (may be NULL) gets the
 * answer: a Status, or the object when deletion waits on finalizers. */
enum ebb_rc ebb_kube_delete(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                            const char *ns, const char *name, const struct ebb_kube_delete_opts *d,
                            struct ebb_strbuf *out /* OUT */, struct ebb_kube_error *err /* OUT */);
enum ebb_rc ebb_kube_delete_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                  const struct ebb_kube_resource *res, const char *ns,
                                  const char *name, const struct ebb_kube_delete_opts *d,
                                  ebb_kube_result_fn *fn, void *ctx);

/* ---- /scale ------------------------------------------------------------------------------ */

/* GET the /scale subresource of name and decode the Scale into out. */
enum ebb_rc ebb_kube_get_scale(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                               const char *ns, const char *name,
                               struct ebb_kube_scale *out /* OUT */,
                               struct ebb_kube_error *err /* OUT */);
enum ebb_rc ebb_kube_get_scale_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                     const struct ebb_kube_resource *res, const char *ns,
                                     const char *name, ebb_kube_scale_fn *fn, void *ctx);

/* Sets the replicas of name through /scale with the merge patch
 * {"spec":{"replicas":N}}; out (may be NULL) gets the Scale the server
 * answered. The server validates N (a negative one gets 422 Invalid). */
enum ebb_rc ebb_kube_patch_scale(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                                 const char *ns, const char *name, int32_t replicas,
                                 const struct ebb_kube_write_opts *o,
                                 struct ebb_kube_scale *out /* OUT */,
                                 struct ebb_kube_error *err /* OUT */);
enum ebb_rc ebb_kube_patch_scale_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                       const struct ebb_kube_resource *res, const char *ns,
                                       const char *name, int32_t replicas,
                                       const struct ebb_kube_write_opts *o, ebb_kube_scale_fn *fn,
                                       void *ctx);

#endif
