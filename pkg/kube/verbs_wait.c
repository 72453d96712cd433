/* verbs_wait.c -- the blocking forms of the verbs. EDGE.
 *
 * Each runs the async form with a callback that collects the result into a
 * struct wait, then polls the client until that callback ran.
 */
#include "verbs_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* ---- blocking forms ---------------------------------------------------------------------- */

/* Where a blocking verb collects what its callback got. */
struct wait {
    bool done;
    enum ebb_rc rc;
    struct ebb_strbuf *out;
    struct ebb_kube_error *err;
    struct ebb_kube_error local;
    struct ebb_kube_scale *scale;
    char *rv;
    size_t rvsz;
    ebb_kube_list_item_fn *item; /* the caller's, with its context */
    void *item_ctx;
};

static void wait_init(struct wait *w, struct ebb_strbuf *out, struct ebb_kube_error *err)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->err = err ? err : &w->local;
    ebb__kube_err_clear(w->err);
    if (out)
        ebb_strbuf_reset(out);
}

static void wait_result(void *ctx, const struct ebb_kube_result *r)
{
    struct wait *w = ctx;
    w->done = true;
    w->rc = r->rc;
    if (w->out && r->body)
        ebb_strbuf_add(w->out, r->body, r->body_len);
    if (r->error)
        *w->err = *r->error;
}

static void wait_scale(void *ctx, enum ebb_rc rc, const struct ebb_kube_scale *scale,
                       const struct ebb_kube_error *err)
{
    struct wait *w = ctx;
    w->done = true;
    w->rc = rc;
    if (scale && w->scale)
        *w->scale = *scale;
    if (err)
        *w->err = *err;
}

static int wait_item(void *ctx, const cJSON *item)
{
    struct wait *w = ctx;
    return w->item ? w->item(w->item_ctx, item) : 0;
}

static void wait_list(void *ctx, enum ebb_rc rc, const char *list_rv,
                      const struct ebb_kube_error *err)
{
    struct wait *w = ctx;
    w->done = true;
    w->rc = rc;
    if (err)
        *w->err = *err;
    if (rc == EBB_OK && w->rv) {
        size_t n = strlen(list_rv);
        if (n >= w->rvsz) {
            w->rc = EBB_ERR_LIMIT;
            ebb__kube_err_setf(w->err, "list: resourceVersion \"%s\" is longer than %zu bytes",
                               list_rv, w->rvsz ? w->rvsz - 1 : 0);
        } else {
            memcpy(w->rv, list_rv, n + 1);
        }
    }
}

/* Polls until call's callback ran (when started is EBB_OK). */
static enum ebb_rc wait_for(struct ebb_kube_call *call, struct wait *w, enum ebb_rc started)
{
    if (started)
        return started;
    while (!w->done) {
        enum ebb_rc rc = ebb_kube_client_poll(call->c, 1000);
        if (rc && !w->done) {
            ebb_kube_call_cancel(call);
            ebb_kube_error_transport("libcurl: the multi handle failed", w->err);
            return rc;
        }
    }
    if (w->out && ebb_strbuf_rc(w->out))
        return EBB_ERR_NOMEM;
    return w->rc;
}

enum ebb_rc ebb_kube_get(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                         const char *ns, const char *name, const char *subresource,
                         struct ebb_strbuf *body /* OUT */, struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, body, err);
    return wait_for(
        &call, &w,
        ebb__kube_get_start(&call, c, res, ns, name, subresource, wait_result, &w, w.err));
}

enum ebb_rc ebb_kube_list(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                          const char *ns, const struct ebb_kube_query *q, ebb_kube_list_item_fn *fn,
                          void *ctx, char *list_rv /* OUT */, size_t rvsz,
                          struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, NULL, err);
    w.rv = list_rv;
    w.rvsz = rvsz;
    w.item = fn;
    w.item_ctx = ctx;
    if (list_rv && rvsz)
        list_rv[0] = '\0';
    return wait_for(&call, &w,
                    ebb__kube_list_start(&call, c, res, ns, q, wait_item, wait_list, &w, w.err));
}

enum ebb_rc ebb_kube_create(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                            const char *ns, const char *obj, size_t len,
                            const struct ebb_kube_write_opts *o, struct ebb_strbuf *out /* OUT */,
                            struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, out, err);
    return wait_for(&call, &w,
                    ebb__kube_create_start(&call, c, res, ns, obj, len, o, wait_result, &w, w.err));
}

enum ebb_rc ebb_kube_update(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                            const char *ns, const char *name, const char *subresource,
                            const char *obj, size_t len, const struct ebb_kube_write_opts *o,
                            struct ebb_strbuf *out /* OUT */, struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, out, err);
    return wait_for(&call, &w,
                    ebb__kube_update_start(&call, c, res, ns, name, subresource, obj, len, o,
                                           wait_result, &w, w.err));
}

enum ebb_rc ebb_kube_patch(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                           const char *ns, const char *name, const char *subresource,
                           enum ebb_kube_patch_type t, const char *patch, size_t len,
                           const struct ebb_kube_write_opts *o, struct ebb_strbuf *out /* OUT */,
                           struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    struct ebb__kube_call_proto p = {EBB__KUBE_CALL_OBJECT, wait_result, NULL, NULL, NULL, NULL};
    wait_init(&w, out, err);
    p.ctx = &w;
    return wait_for(&call, &w,
                    ebb__kube_patch_start(&call, c, &p, "patch", res, ns, name, subresource, t,
                                          patch, len, o, w.err));
}

enum ebb_rc ebb_kube_delete(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                            const char *ns, const char *name, const struct ebb_kube_delete_opts *d,
                            struct ebb_strbuf *out /* OUT */, struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, out, err);
    return wait_for(&call, &w,
                    ebb__kube_delete_start(&call, c, res, ns, name, d, wait_result, &w, w.err));
}

enum ebb_rc ebb_kube_get_scale(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                               const char *ns, const char *name,
                               struct ebb_kube_scale *out /* OUT */,
                               struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, NULL, err);
    w.scale = out;
    if (out)
        memset(out, 0, sizeof(*out));
    return wait_for(&call, &w,
                    ebb__kube_get_scale_start(&call, c, res, ns, name, wait_scale, &w, w.err));
}

enum ebb_rc ebb_kube_patch_scale(struct ebb_kube_client *c, const struct ebb_kube_resource *res,
                                 const char *ns, const char *name, int32_t replicas,
                                 const struct ebb_kube_write_opts *o,
                                 struct ebb_kube_scale *out /* OUT */,
                                 struct ebb_kube_error *err /* OUT */)
{
    struct ebb_kube_call call = {0};
    struct wait w;
    wait_init(&w, NULL, err);
    w.scale = out;
    if (out)
        memset(out, 0, sizeof(*out));
    return wait_for(
        &call, &w,
        ebb__kube_patch_scale_start(&call, c, res, ns, name, replicas, o, wait_scale, &w, w.err));
}
