/* targets.c -- who claims which target: the index behind AmbiguousTarget,
 * the HPA decoder, and the workload informers' callbacks. EDGE (cJSON). */
#include "controller_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/msg.h"
#include "strset.h"

/* ---- the index --------------------------------------------------------------------------- */

void ctl_target_free(void *obj)
{
    struct ctl_target *t = obj;
    if (t == NULL)
        return;
    ctl_strset_free(t->policies, t->n_policies);
    ctl_strset_free(t->hpas, t->n_hpas);
    free(t);
}

static void target_key(const char *ns, const char *kind, const char *name, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s/%s/%s", ns ? ns : "", kind ? kind : "", name ? name : "");
}

bool ctl_target_key(const struct ebb_policy *p, char *buf, size_t bufsz)
{
    const struct ebb_target_ref *t = &p->spec.target_ref;
    if (t->kind == NULL || t->name == NULL || t->name[0] == 0)
        return false;
    target_key(p->metadata.namespace_, t->kind, t->name, buf, bufsz);
    return true;
}

static struct ctl_target *target_get(struct ebb_controller *c, const char *tk, bool create)
{
    struct ctl_target *t = ebb_cache_get(&c->targets, tk, NULL);
    if (t != NULL || !create)
        return t;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    if (ebb_cache_put(&c->targets, tk, NULL, t, sizeof(*t), NULL) != EBB_OK) {
        free(t);
        return NULL;
    }
    return t;
}

static void target_gc(struct ebb_controller *c, const char *tk, struct ctl_target *t)
{
    if (t->n_policies == 0 && t->n_hpas == 0)
        (void)ebb_cache_take(&c->targets, tk, NULL);
}

void ctl_targets_enqueue(struct ebb_controller *c, const char *tk)
{
    struct ctl_target *t = tk ? ebb_cache_get(&c->targets, tk, NULL) : NULL;
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_policies; i++)
        ctl_enqueue(c, t->policies[i]);
}

enum ebb_rc ctl_targets_claim(struct ebb_controller *c, struct ctl_policy *ps, const char *tk)
{
    if ((ps->target_key == NULL && tk == NULL) ||
        (ps->target_key != NULL && tk != NULL && strcmp(ps->target_key, tk) == 0))
        return EBB_OK;
    if (ps->target_key != NULL) {
        struct ctl_target *old = ebb_cache_get(&c->targets, ps->target_key, NULL);
        if (old != NULL) {
            (void)ctl_strset_remove(old->policies, &old->n_policies, ps->key);
            ctl_targets_enqueue(c, ps->target_key); /* the others may be alone now */
            target_gc(c, ps->target_key, old);
        }
        free(ps->target_key);
        ps->target_key = NULL;
    }
    if (tk == NULL)
        return EBB_OK;
    char *copy = strdup(tk);
    struct ctl_target *t = copy ? target_get(c, tk, true) : NULL;
    if (t == NULL ||
        ctl_strset_add(&t->policies, &t->n_policies, &t->cap_policies, ps->key, NULL) != EBB_OK) {
        if (t != NULL)
            target_gc(c, tk, t);
        free(copy);
        return EBB_ERR_NOMEM;
    }
    ps->target_key = copy;
    ctl_targets_enqueue(c, tk); /* the others are ambiguous now */
    return EBB_OK;
}

bool ctl_targets_other(const struct ebb_controller *c, const char *key, const char *tk, char *who,
                       size_t whosz)
{
    const struct ctl_target *t = tk ? ebb_cache_get(&c->targets, tk, NULL) : NULL;
    if (t == NULL)
        return false;
    for (size_t i = 0; i < t->n_policies; i++) {
        if (strcmp(t->policies[i], key) != 0) {
            snprintf(who, whosz, "ScalingPolicy %s", t->policies[i]);
            return true;
        }
    }
    if (t->n_hpas > 0) {
        snprintf(who, whosz, "HorizontalPodAutoscaler %s", t->hpas[0]);
        return true;
    }
    return false;
}

/* ---- HPAs -------------------------------------------------------------------------------- */

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

void ctl_hpa_free(void *obj)
{
    free(obj);
}

enum ebb_rc ctl_hpa_decode(const struct cJSON *obj, void **out, size_t *bytes, char *err,
                           size_t errsz)
{
    *out = NULL;
    *bytes = 0;
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(spec, "scaleTargetRef");
    const char *name = jstr(meta, "name"), *ns = jstr(meta, "namespace");
    const char *kind = jstr(ref, "kind"), *tname = jstr(ref, "name");
    if (name == NULL || name[0] == 0)
        return ebb_errf(err, errsz, EBB_ERR_PARSE, "metadata.name is missing");
    if (kind == NULL || tname == NULL)
        return ebb_errf(err, errsz, EBB_ERR_PARSE,
                        "HorizontalPodAutoscaler %s: spec.scaleTargetRef needs kind and name",
                        name);
    if (ns == NULL)
        ns = "";
    size_t ln = strlen(ns) + 1, lm = strlen(name) + 1, lk = strlen(kind) + 1,
           lt = strlen(tname) + 1;
    struct ctl_hpa *h = malloc(sizeof(*h) + ln + lm + lk + lt);
    if (h == NULL)
        return ebb_errf(err, errsz, EBB_ERR_NOMEM, "out of memory");
    char *p = (char *)(h + 1);
    h->ns = memcpy(p, ns, ln);
    h->name = memcpy(p + ln, name, lm);
    h->target_kind = memcpy(p + ln + lm, kind, lk);
    h->target_name = memcpy(p + ln + lm + lk, tname, lt);
    *out = h;
    *bytes = sizeof(*h) + ln + lm + lk + lt;
    return EBB_OK;
}

static void hpa_unindex(struct ebb_controller *c, const char *key)
{
    char *tk = NULL;
    if (ebb_cache_take(&c->hpa_index, key, (void **)&tk) != EBB_OK)
        return;
    struct ctl_target *t = ebb_cache_get(&c->targets, tk, NULL);
    if (t != NULL) {
        (void)ctl_strset_remove(t->hpas, &t->n_hpas, key);
        ctl_targets_enqueue(c, tk);
        target_gc(c, tk, t);
    }
    free(tk);
}

static void hpa_index(struct ebb_controller *c, const char *key, const struct ctl_hpa *h)
{
    char tk[768];
    target_key(h->ns, h->target_kind, h->target_name, tk, sizeof(tk));
    const char *cur = ebb_cache_get(&c->hpa_index, key, NULL);
    if (cur != NULL && strcmp(cur, tk) == 0)
        return;
    hpa_unindex(c, key);
    char *copy = strdup(tk);
    struct ctl_target *t = copy ? target_get(c, tk, true) : NULL;
    if (t == NULL || ctl_strset_add(&t->hpas, &t->n_hpas, &t->cap_hpas, key, NULL) != EBB_OK ||
        ebb_cache_put(&c->hpa_index, key, NULL, copy, strlen(tk) + 1, NULL) != EBB_OK) {
        if (t != NULL) {
            (void)ctl_strset_remove(t->hpas, &t->n_hpas, key);
            target_gc(c, tk, t);
        }
        free(copy);
        ctl_log(c, EBB_CTL_LOG_ERROR, NULL, "out of memory indexing HPA %s", key);
        return;
    }
    ctl_targets_enqueue(c, tk);
}

void ctl_hpa_add(void *ctx, const char *key, const void *obj)
{
    hpa_index(ctx, key, obj);
}

void ctl_hpa_update(void *ctx, const char *key, const void *old_obj, const void *new_obj)
{
    (void)old_obj;
    hpa_index(ctx, key, new_obj);
}

void ctl_hpa_delete(void *ctx, const char *key, const void *obj)
{
    (void)obj;
    hpa_unindex(ctx, key);
}

/* ---- workloads --------------------------------------------------------------------------- */

static void workload_changed(const struct ctl_wctx *w, const struct ebb_kube_workload *o)
{
    char tk[768];
    target_key(o->meta.namespace_, w->kind, o->meta.name, tk, sizeof(tk));
    ctl_targets_enqueue(w->c, tk);
}

void ctl_workload_add(void *ctx, const char *key, const void *obj)
{
    (void)key;
    workload_changed(ctx, obj);
}

void ctl_workload_update(void *ctx, const char *key, const void *old_obj, const void *new_obj)
{
    const struct ebb_kube_workload *o = old_obj, *n = new_obj;
    (void)key;
    if (o == n)
        return; /* resync: the sync timers cover it */
    if (o->spec_replicas != n->spec_replicas || o->status_replicas != n->status_replicas ||
        o->ready_replicas != n->ready_replicas || o->meta.generation != n->meta.generation ||
        (o->meta.deletion_ms == EBB_TIME_UNSET) != (n->meta.deletion_ms == EBB_TIME_UNSET))
        workload_changed(ctx, n);
}

void ctl_workload_delete(void *ctx, const char *key, const void *obj)
{
    (void)key;
    workload_changed(ctx, obj);
}
