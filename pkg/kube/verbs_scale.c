/* verbs_scale.c -- the /scale subresource: decoding a Scale, get and patch of it. EDGE.
 *
 * A Scale call completes in ebb__kube_scale_done(), which on_done() in
 * verbs.c hands it to; the blocking forms are in verbs_wait.c.
 */
#include "verbs_internal.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- /scale ------------------------------------------------------------------------------ */

void ebb__kube_scale_done(struct ebb_kube_call *call, const struct ebb_kube_response *resp)
{
    struct ebb_kube_error local;
    struct ebb_kube_scale scale;
    const struct ebb_kube_error *e = resp->error;
    enum ebb_rc rc = e ? EBB_ERR_IO : EBB_OK;
    cJSON *obj = NULL;
    if (rc == EBB_OK) {
        char why[512];
        obj = cJSON_ParseWithLength(resp->body, resp->body_len);
        rc = obj ? ebb_kube_scale_decode(obj, &scale, why, sizeof(why)) : EBB_ERR_PARSE;
        if (obj == NULL)
            snprintf(why, sizeof(why), "the body is not JSON");
        if (rc) {
            ebb__kube_err_setf(&local, "the API answered %d with no usable Scale: %s",
                               resp->http_status, why);
            local.http_status = resp->http_status;
            e = &local;
        }
    }
    ebb_kube_scale_fn *fn = call->on_scale;
    void *ctx = call->ctx;
    call->running = false;
    fn(ctx, rc, rc == EBB_OK ? &scale : NULL, e);
    cJSON_Delete(obj);
}

/* An int32 field of obj (0 when absent); false when it is not one. */
static bool int32_field(const cJSON *obj, const char *key, int32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = 0;
    if (v == NULL || cJSON_IsNull(v))
        return true;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        v->valuedouble < INT32_MIN || v->valuedouble > INT32_MAX)
        return false;
    *out = (int32_t)v->valuedouble;
    return true;
}

/* A string field of obj copied into buf ("" when absent). */
static enum ebb_rc string_field(const cJSON *obj, const char *key, char *buf, size_t bufsz)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    buf[0] = '\0';
    if (v == NULL || cJSON_IsNull(v))
        return EBB_OK;
    if (!cJSON_IsString(v))
        return EBB_ERR_PARSE;
    size_t n = strlen(v->valuestring);
    if (n >= bufsz)
        return EBB_ERR_LIMIT;
    memcpy(buf, v->valuestring, n + 1);
    return EBB_OK;
}

enum ebb_rc ebb_kube_scale_decode(const struct cJSON *obj, struct ebb_kube_scale *out /* OUT */,
                                  char *err, size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_PARSE;
    char scratch[8];
    if (err == NULL || errsz == 0) {
        err = scratch;
        errsz = sizeof(scratch);
    }
    err[0] = '\0';
    memset(out, 0, sizeof(*out));
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
    if (!cJSON_IsObject(obj) || !cJSON_IsString(kind) || strcmp(kind->valuestring, "Scale") != 0) {
        snprintf(err, errsz, "not a Scale (kind \"%s\")",
                 cJSON_IsString(kind) ? kind->valuestring : "");
        goto out;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status");
    if (!int32_field(spec, "replicas", &out->spec_replicas)) {
        snprintf(err, errsz, "spec.replicas is not a 32-bit integer");
        goto out;
    }
    if (!int32_field(status, "replicas", &out->status_replicas)) {
        snprintf(err, errsz, "status.replicas is not a 32-bit integer");
        goto out;
    }
    rc = string_field(status, "selector", out->selector, sizeof(out->selector));
    if (rc) {
        snprintf(err, errsz, "status.selector %s",
                 rc == EBB_ERR_LIMIT ? "is longer than 1023 bytes" : "is not a string");
        goto out;
    }
    rc =
        string_field(meta, "resourceVersion", out->resource_version, sizeof(out->resource_version));
    if (rc) {
        snprintf(err, errsz, "metadata.resourceVersion %s",
                 rc == EBB_ERR_LIMIT ? "is longer than 127 bytes" : "is not a string");
        goto out;
    }
out:
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

enum ebb_rc ebb__kube_get_scale_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                      const struct ebb_kube_resource *res, const char *ns,
                                      const char *name, ebb_kube_scale_fn *fn, void *ctx,
                                      struct ebb_kube_error *err)
{
    struct ebb__kube_call_proto p = {EBB__KUBE_CALL_SCALE, NULL, fn, NULL, NULL, ctx};
    if (fn == NULL) {
        ebb__kube_err_setf(err, "get scale: no callback given");
        return EBB_ERR_INVALID;
    }
    return ebb__kube_start_one(call, c, &p, "get scale", EBB_KUBE_GET, res, ns, name, "scale", NULL,
                               NULL, 0, NULL, err);
}

enum ebb_rc ebb_kube_get_scale_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                     const struct ebb_kube_resource *res, const char *ns,
                                     const char *name, ebb_kube_scale_fn *fn, void *ctx)
{
    struct ebb_kube_error scratch;
    return ebb__kube_get_scale_start(call, c, res, ns, name, fn, ctx, &scratch);
}

enum ebb_rc ebb__kube_patch_scale_start(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                        const struct ebb_kube_resource *res, const char *ns,
                                        const char *name, int32_t replicas,
                                        const struct ebb_kube_write_opts *o, ebb_kube_scale_fn *fn,
                                        void *ctx, struct ebb_kube_error *err)
{
    struct ebb__kube_call_proto p = {EBB__KUBE_CALL_SCALE, NULL, fn, NULL, NULL, ctx};
    char patch[64];
    if (fn == NULL) {
        ebb__kube_err_setf(err, "patch scale: no callback given");
        return EBB_ERR_INVALID;
    }
    int n = snprintf(patch, sizeof(patch), "{\"spec\":{\"replicas\":%" PRId32 "}}", replicas);
    return ebb__kube_patch_start(call, c, &p, "patch scale", res, ns, name, "scale",
                                 EBB_KUBE_PATCH_MERGE, patch, (size_t)n, o, err);
}

enum ebb_rc ebb_kube_patch_scale_async(struct ebb_kube_call *call, struct ebb_kube_client *c,
                                       const struct ebb_kube_resource *res, const char *ns,
                                       const char *name, int32_t replicas,
                                       const struct ebb_kube_write_opts *o, ebb_kube_scale_fn *fn,
                                       void *ctx)
{
    struct ebb_kube_error scratch;
    return ebb__kube_patch_scale_start(call, c, res, ns, name, replicas, o, fn, ctx, &scratch);
}
