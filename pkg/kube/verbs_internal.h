/* verbs_internal.h -- what verbs.c, verbs_scale.c, verbs_list.c and verbs_wait.c share. EDGE.
 *
 * verbs.c owns the core (error messages, call start and submission, the
 * completion dispatch) and the single-object verbs; verbs_scale.c the
 * /scale subresource; verbs_list.c list and its pagination; verbs_wait.c
 * the blocking forms, which start the async ones through the *_start()
 * functions below (those take an err that says why a call did not start).
 */
#ifndef EBB_KUBE_VERBS_INTERNAL_H
#define EBB_KUBE_VERBS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "client.h"
#include "verbs.h"

enum ebb__kube_call_kind {
    EBB__KUBE_CALL_OBJECT = 1, /* on_result gets the response */
    EBB__KUBE_CALL_SCALE,      /* on_scale gets the decoded Scale */
    EBB__KUBE_CALL_LIST,       /* on_item per item, on_list_done at the end */
};

/* What a verb starts with: its kind, callbacks and context. */
struct ebb__kube_call_proto {
    int kind;
    ebb_kube_result_fn *on_result;
    ebb_kube_scale_fn *on_scale;
    ebb_kube_list_item_fn *on_item;
    ebb_kube_list_done_fn *on_list_done;
    void *ctx;
};

/* ---- verbs.c ----------------------------------------------------------------------------- */

void ebb__kube_err_clear(struct ebb_kube_error *e);
/* A failure found here, not by the server: no HTTP status, no reason. */
void ebb__kube_err_setf(struct ebb_kube_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "deployments demo/web", "customresourcedefinitions x", "pods" (what a message names). */
void ebb__kube_describe(const struct ebb_kube_resource *res, const char *ns, const char *name,
                        char *buf, size_t bufsz);
/* Says why ebb_kube_path() refused these arguments (its rules, spelled out). */
void ebb__kube_path_error(const char *verb, const struct ebb_kube_resource *res, const char *ns,
                          const char *name, const char *subresource, struct ebb_kube_error *e);
/* Submits one request for call; on failure err says why. */
enum ebb_rc ebb__kube_call_submit(struct ebb_kube_call *call, enum ebb_kube_method m,
                                  const char *path, const char *body, size_t len, const char *ctype,
                                  struct ebb_kube_error *err);
/* Whether call may start; err says why not. */
bool ebb__kube_call_ready(struct ebb_kube_call *call, struct ebb_kube_client *c, const char *verb,
                          struct ebb_kube_error *err);
/* Builds the path of one request, submits it and marks call running. */
enum ebb_rc ebb__kube_start_one(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                const struct ebb__kube_call_proto *p, const char *verb,
                                enum ebb_kube_method m, const struct ebb_kube_resource *res,
                                const char *ns, const char *name, const char *subresource,
                                const struct ebb_kube_query *q, const char *body, size_t len,
                                const char *ctype, struct ebb_kube_error *err);
enum ebb_rc ebb__kube_get_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                const struct ebb_kube_resource *res, const char *ns,
                                const char *name, const char *subresource, ebb_kube_result_fn *fn,
                                void *ctx, struct ebb_kube_error *err);
enum ebb_rc ebb__kube_create_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                   const struct ebb_kube_resource *res, const char *ns,
                                   const char *obj, size_t len, const struct ebb_kube_write_opts *o,
                                   ebb_kube_result_fn *fn, void *ctx, struct ebb_kube_error *err);
enum ebb_rc ebb__kube_update_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                   const struct ebb_kube_resource *res, const char *ns,
                                   const char *name, const char *subresource, const char *obj,
                                   size_t len, const struct ebb_kube_write_opts *o,
                                   ebb_kube_result_fn *fn, void *ctx, struct ebb_kube_error *err);
enum ebb_rc ebb__kube_patch_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                  const struct ebb__kube_call_proto *p, const char *verb,
                                  const struct ebb_kube_resource *res, const char *ns,
                                  const char *name, const char *subresource,
                                  enum ebb_kube_patch_type t, const char *patch, size_t len,
                                  const struct ebb_kube_write_opts *o, struct ebb_kube_error *err);
enum ebb_rc ebb__kube_delete_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                   const struct ebb_kube_resource *res, const char *ns,
                                   const char *name, const struct ebb_kube_delete_opts *d,
                                   ebb_kube_result_fn *fn, void *ctx, struct ebb_kube_error *err);

/* ---- verbs_scale.c ----------------------------------------------------------------------- */

/* Completes a EBB__KUBE_CALL_SCALE call: decodes the Scale, runs on_scale. */
void ebb__kube_scale_done(struct ebb_kube_call *call, const struct ebb_kube_response *resp);
enum ebb_rc ebb__kube_get_scale_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                      const struct ebb_kube_resource *res, const char *ns,
                                      const char *name, ebb_kube_scale_fn *fn, void *ctx,
                                      struct ebb_kube_error *err);
enum ebb_rc ebb__kube_patch_scale_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                        const struct ebb_kube_resource *res, const char *ns,
                                        const char *name, int32_t replicas,
                                        const struct ebb_kube_write_opts *o, ebb_kube_scale_fn *fn,
                                        void *ctx, struct ebb_kube_error *err);

/* ---- verbs_list.c ------------------------------------------------------------------------ */

/* Frees a list's state (NULL is fine). */
void ebb__kube_list_state_free(struct ebb_kube_list_state *l);
/* Hands the items of one page to the caller and goes on to the next page. */
void ebb__kube_list_page(struct ebb_kube_call *call, const struct ebb_kube_response *resp);
/* A page failed: relist when its continue token expired, else end the list. */
void ebb__kube_list_failed(struct ebb_kube_call *call, const struct ebb_kube_response *resp);
enum ebb_rc ebb__kube_list_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                 const struct ebb_kube_resource *res, const char *ns,
                                 const struct ebb_kube_query *q, ebb_kube_list_item_fn *item,
                                 ebb_kube_list_done_fn *done, void *ctx,
                                 struct ebb_kube_error *err);

#endif
