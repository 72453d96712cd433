/* leader.c -- leader election rounds against the API (see leader.h). EDGE. */
#include "leader.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/msg.h"
#include "../base/rfc3339.h"
#include "path.h"

struct ebb_leader {
    struct ebb_kube_client *c;
    char *ns;
    char *name;
    struct ebb_leader_fsm fsm;
};

void ebb_microtime_format(int64_t ms, char *buf, size_t bufsz)
{
    int64_t frac = ms % 1000;
    if (frac < 0)
        frac += 1000;
    char whole[40];
    ebb_rfc3339_format(ms - frac, whole, sizeof(whole));
    size_t n = strlen(whole);
    if (n > 0 && whole[n - 1] == 'Z')
        whole[n - 1] = '\0';
    snprintf(buf, bufsz, "%s.%03lld000Z", whole, (long long)frac);
}

static void get_time(const cJSON *spec, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
    *out = -1;
    if (cJSON_IsString(v) && ebb_rfc3339_parse(v->valuestring, out) != EBB_OK)
        *out = -1;
}

static int32_t get_int(const cJSON *spec, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 2147483647.0)
        return 0;
    return (int32_t)v->valuedouble;
}

enum ebb_rc ebb_lease_decode(const char *json, size_t len, struct ebb_lease *out /* OUT */)
{
    enum ebb_rc rc = EBB_ERR_PARSE;
    memset(out, 0, sizeof(*out));
    out->acquire_ms = out->renew_ms = -1;
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(root, "spec");
    if (!cJSON_IsObject(root) || !cJSON_IsString(kind) || strcmp(kind->valuestring, "Lease") != 0 ||
        !cJSON_IsObject(meta))
        goto out;
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
    if (cJSON_IsString(rv))
        snprintf(out->resource_version, sizeof(out->resource_version), "%s", rv->valuestring);
    out->exists = true;
    if (cJSON_IsObject(spec)) {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(spec, "holderIdentity");
        if (cJSON_IsString(h))
            snprintf(out->holder, sizeof(out->holder), "%s", h->valuestring);
        out->lease_duration_s = get_int(spec, "leaseDurationSeconds");
        out->transitions = get_int(spec, "leaseTransitions");
        get_time(spec, "acquireTime", &out->acquire_ms);
        get_time(spec, "renewTime", &out->renew_ms);
    }
    rc = EBB_OK;
out:
    cJSON_Delete(root);
    return rc;
}

static bool add_time(cJSON *o, const char *key, int64_t ms)
{
    char buf[48];
    if (ms < 0)
        return true;
    ebb_microtime_format(ms, buf, sizeof(buf));
    return cJSON_AddStringToObject(o, key, buf) != NULL;
}

enum ebb_rc ebb_lease_encode(const char *ns, const char *name, const struct ebb_lease *lease,
                             struct ebb_strbuf *out)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    char *text = NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "metadata");
    cJSON *spec = cJSON_AddObjectToObject(root, "spec");
    if (!cJSON_AddStringToObject(root, "apiVersion", "coordination.k8s.io/v1") ||
        !cJSON_AddStringToObject(root, "kind", "Lease") || meta == NULL || spec == NULL ||
        !cJSON_AddStringToObject(meta, "name", name) ||
        !cJSON_AddStringToObject(meta, "namespace", ns))
        goto out;
    if (lease->resource_version[0] != '\0' &&
        !cJSON_AddStringToObject(meta, "resourceVersion", lease->resource_version))
        goto out;
    if (!cJSON_AddStringToObject(spec, "holderIdentity", lease->holder) ||
        !cJSON_AddNumberToObject(spec, "leaseDurationSeconds", lease->lease_duration_s) ||
        !add_time(spec, "acquireTime", lease->acquire_ms) ||
        !add_time(spec, "renewTime", lease->renew_ms) ||
        !cJSON_AddNumberToObject(spec, "leaseTransitions", lease->transitions))
        goto out;
    text = cJSON_PrintUnformatted(root);
    if (text == NULL)
        goto out;
    ebb_strbuf_adds(out, text);
    rc = ebb_strbuf_rc(out);
out:
    free(text);
    cJSON_Delete(root);
    return rc;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

enum ebb_rc ebb_leader_new(struct ebb_kube_client *c, const struct ebb_leader_config *cfg,
                           struct ebb_leader **out /* OUT */, char *err, size_t errsz)
{
    enum ebb_rc rc = EBB_ERR_INVALID;
    struct ebb_leader *l = NULL;
    struct ebb_strbuf probe = EBB_STRBUF_INIT;
    *out = NULL;
    if (c == NULL || cfg->ns == NULL || cfg->name == NULL) {
        ebb_msgf(err, errsz, "leader election: the Lease needs a namespace and a name");
        goto out;
    }
    if (ebb_kube_path(&EBB_KUBE_LEASES, cfg->ns, cfg->name, NULL, NULL, &probe) != EBB_OK) {
        ebb_msgf(err, errsz, "leader election: \"%s/%s\" is not a Lease namespace/name", cfg->ns,
                 cfg->name);
        goto out;
    }
    rc = EBB_ERR_NOMEM;
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        goto out;
    rc = ebb_leader_fsm_init(&l->fsm, &cfg->opts, cfg->identity, err, errsz);
    if (rc)
        goto out;
    rc = EBB_ERR_NOMEM;
    l->c = c;
    l->ns = dup_str(cfg->ns);
    l->name = dup_str(cfg->name);
    if (l->ns == NULL || l->name == NULL)
        goto out;
    *out = l;
    l = NULL;
    rc = EBB_OK;
out:
    ebb_strbuf_release(&probe);
    ebb_leader_free(l);
    return rc;
}

void ebb_leader_free(struct ebb_leader *l)
{
    if (l == NULL)
        return;
    free(l->ns);
    free(l->name);
    free(l);
}

/* Writes d's Lease: POST for a create, PUT otherwise. */
static enum ebb_rc write_lease(struct ebb_leader *l, const struct ebb_leader_decision *d,
                               int64_t now_ms, struct ebb_kube_error *err)
{
    struct ebb_strbuf path = EBB_STRBUF_INIT, body = EBB_STRBUF_INIT, resp = EBB_STRBUF_INIT;
    bool create = d->action == EBB_LEADER_CREATE;
    enum ebb_rc rc =
        ebb_kube_path(&EBB_KUBE_LEASES, l->ns, create ? NULL : l->name, NULL, NULL, &path);
    if (rc == EBB_OK)
        rc = ebb_strbuf_rc(&path);
    if (rc == EBB_OK)
        rc = ebb_lease_encode(l->ns, l->name, &d->lease, &body);
    if (rc)
        goto out;
    struct ebb_kube_request req = {
        create ? EBB_KUBE_POST : EBB_KUBE_PUT, path.buf, body.buf, body.len, NULL, false};
    int status = 0;
    rc = ebb_kube_do(l->c, &req, &resp, &status, err);
    if (rc) {
        bool lost = err->reason == EBB_KUBE_CONFLICT || err->reason == EBB_KUBE_ALREADY_EXISTS;
        ebb_leader_fsm_failed(&l->fsm, lost, now_ms);
        goto out;
    }
    struct ebb_lease written;
    rc = ebb_lease_decode(resp.buf, resp.len, &written);
    if (rc) {
        ebb_leader_fsm_failed(&l->fsm, true, now_ms); /* we do not know the new resourceVersion */
        goto out;
    }
    ebb_leader_fsm_written(&l->fsm, &written, now_ms);
out:
    ebb_strbuf_release(&path);
    ebb_strbuf_release(&body);
    ebb_strbuf_release(&resp);
    return rc;
}

enum ebb_rc ebb_leader_step(struct ebb_leader *l, int64_t now_ms, int64_t wall_ms, bool shutdown,
                            struct ebb_leader_decision *d /* OUT */,
                            struct ebb_kube_error *err /* OUT */)
{
    struct ebb_strbuf path = EBB_STRBUF_INIT, resp = EBB_STRBUF_INIT;
    struct ebb_kube_error local;
    if (err == NULL)
        err = &local;
    memset(err, 0, sizeof(*err));
    enum ebb_rc rc = ebb_kube_path(&EBB_KUBE_LEASES, l->ns, l->name, NULL, NULL, &path);
    if (rc == EBB_OK)
        rc = ebb_strbuf_rc(&path);
    if (rc) {
        ebb_leader_fsm_next(&l->fsm, now_ms, wall_ms, shutdown, d);
        goto out;
    }
    struct ebb_kube_request get = {EBB_KUBE_GET, path.buf, NULL, 0, NULL, false};
    int status = 0;
    enum ebb_rc grc = ebb_kube_do(l->c, &get, &resp, &status, err);
    struct ebb_lease seen;
    if (grc == EBB_OK) {
        rc = ebb_lease_decode(resp.buf, resp.len, &seen);
        if (rc == EBB_OK)
            ebb_leader_fsm_observe(&l->fsm, &seen, now_ms);
    } else if (err->reason == EBB_KUBE_NOT_FOUND) {
        memset(&seen, 0, sizeof(seen));
        seen.acquire_ms = seen.renew_ms = -1;
        ebb_leader_fsm_observe(&l->fsm, &seen, now_ms);
    } else {
        rc = grc;
    }
    if (rc) {
        /* Nothing current to write from: only learn whether the deadline passed. */
        ebb_leader_fsm_failed(&l->fsm, true, now_ms);
        ebb_leader_fsm_next(&l->fsm, now_ms, wall_ms, shutdown, d);
        if (d->action != EBB_LEADER_STOP)
            d->action = EBB_LEADER_WAIT;
        goto out;
    }
    memset(err, 0, sizeof(*err));
    ebb_leader_fsm_next(&l->fsm, now_ms, wall_ms, shutdown, d);
    switch (d->action) {
    case EBB_LEADER_CREATE:
    case EBB_LEADER_ACQUIRE:
    case EBB_LEADER_RENEW:
    case EBB_LEADER_RELEASE:
        rc = write_lease(l, d, now_ms, err);
        break;
    case EBB_LEADER_WAIT:
    case EBB_LEADER_STOP:
        break;
    }
out:
    ebb_strbuf_release(&path);
    ebb_strbuf_release(&resp);
    return rc;
}

bool ebb_leader_is_leader(const struct ebb_leader *l, int64_t now_ms)
{
    return ebb_leader_fsm_is_leader(&l->fsm, now_ms);
}

const struct ebb_leader_fsm *ebb_leader_state(const struct ebb_leader *l)
{
    return &l->fsm;
}
