/* podwatch.c -- pod informers only for the selectors the targets' /scale
 * report: one per (namespace, selector), shared and refcounted. EDGE. */
#include "controller_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pw_users_remove(struct ctl_podwatch *pw, const char *key)
{
    for (size_t i = 0; i < pw->n_users; i++) {
        if (strcmp(pw->users[i], key) == 0) {
            free(pw->users[i]);
            memmove(pw->users + i, pw->users + i + 1, (pw->n_users - i - 1) * sizeof(char *));
            pw->n_users--;
            return;
        }
    }
}

static enum ebb_rc pw_users_add(struct ctl_podwatch *pw, const char *key)
{
    for (size_t i = 0; i < pw->n_users; i++)
        if (strcmp(pw->users[i], key) == 0)
            return EBB_OK;
    if (pw->n_users == pw->cap_users) {
        size_t nc = pw->cap_users ? pw->cap_users * 2 : 2;
        char **nv = realloc(pw->users, nc * sizeof(*nv));
        if (nv == NULL)
            return EBB_ERR_NOMEM;
        pw->users = nv;
        pw->cap_users = nc;
    }
    char *copy = strdup(key);
    if (copy == NULL)
        return EBB_ERR_NOMEM;
    pw->users[pw->n_users++] = copy;
    return EBB_OK;
}

void ctl_podwatch_free(void *obj)
{
    struct ctl_podwatch *pw = obj;
    if (pw == NULL)
        return;
    ebb_informer_free(pw->inf);
    for (size_t i = 0; i < pw->n_users; i++)
        free(pw->users[i]);
    free(pw->users);
    free(pw->id);
    free(pw->ns);
    free(pw->selector);
    free(pw);
}

static void pw_enqueue_users(struct ctl_podwatch *pw)
{
    for (size_t i = 0; i < pw->n_users; i++)
        ctl_enqueue(pw->c, pw->users[i]);
}

static void on_pod_add(void *ctx, const char *key, const void *obj)
{
    (void)key;
    (void)obj;
    pw_enqueue_users(ctx);
}

static void on_pod_update(void *ctx, const char *key, const void *old_obj, const void *new_obj)
{
    const struct ebb_kube_pod *o = old_obj, *n = new_obj;
    (void)key;
    if (o == n)
        return;
    if (o->phase != n->phase || o->ready != n->ready ||
        (o->meta.deletion_ms == EBB_TIME_UNSET) != (n->meta.deletion_ms == EBB_TIME_UNSET))
        pw_enqueue_users(ctx);
}

static void on_pod_delete(void *ctx, const char *key, const void *obj)
{
    (void)key;
    (void)obj;
    pw_enqueue_users(ctx);
}

enum ebb_rc ctl_podwatch_acquire(struct ebb_controller *c, struct ctl_policy *ps, const char *ns,
                                 const char *selector, int64_t now_ms)
{
    struct ebb_strbuf id = EBB_STRBUF_INIT;
    ebb_strbuf_addf(&id, "%s\n%s", ns, selector);
    if (ebb_strbuf_rc(&id) != EBB_OK)
        return EBB_ERR_NOMEM;
    if (ps->pw != NULL && strcmp(ps->pw->id, id.buf) == 0) {
        ebb_strbuf_release(&id);
        return EBB_OK;
    }
    ctl_podwatch_release(c, ps);
    struct ctl_podwatch *pw = ebb_cache_get(&c->podwatches, id.buf, NULL);
    if (pw == NULL) {
        pw = calloc(1, sizeof(*pw));
        if (pw == NULL) {
            ebb_strbuf_release(&id);
            return EBB_ERR_NOMEM;
        }
        pw->c = c;
        pw->id = strdup(id.buf);
        pw->ns = strdup(ns);
        pw->selector = strdup(selector);
        struct ebb_informer_ops ops;
        memset(&ops, 0, sizeof(ops));
        ops.resource = EBB_KUBE_PODS;
        ops.namespace_ = pw->ns;
        ops.label_selector = pw->selector;
        ops.decode = ebb_kube_decode_pod;
        ops.free_obj = ebb_kube_object_free;
        ops.resync_ms = 0;
        ops.seed = c->o.seed + ebb_cache_count(&c->podwatches) + 17;
        struct ebb_informer_handlers h = {on_pod_add, on_pod_update, on_pod_delete, pw};
        enum ebb_rc rc = EBB_ERR_NOMEM;
        if (pw->id && pw->ns && pw->selector)
            rc = ebb_informer_new(c->client, &ops, &h, &pw->inf);
        if (rc == EBB_OK)
            rc = ebb_cache_put(&c->podwatches, id.buf, NULL, pw, sizeof(*pw), NULL);
        if (rc != EBB_OK) {
            ctl_podwatch_free(pw);
            ebb_strbuf_release(&id);
            return rc;
        }
        rc = ebb_informer_start(pw->inf, now_ms);
        if (rc != EBB_OK) {
            ebb_strbuf_release(&id);
            return rc; /* stays in the map without users: freed at the next tick */
        }
        pw->started = true;
        ctl_log(c, EBB_CTL_LOG_DEBUG, ps->key, "watching pods in %s with selector %s", ns,
                selector);
    }
    ebb_strbuf_release(&id);
    if (pw_users_add(pw, ps->key) != EBB_OK)
        return EBB_ERR_NOMEM;
    ps->pw = pw;
    return EBB_OK;
}

void ctl_podwatch_release(struct ebb_controller *c, struct ctl_policy *ps)
{
    (void)c;
    if (ps->pw == NULL)
        return;
    pw_users_remove(ps->pw, ps->key);
    ps->pw = NULL;
}

bool ctl_podwatch_synced(const struct ctl_podwatch *pw)
{
    return pw != NULL && pw->inf != NULL && ebb_informer_synced(pw->inf);
}

void ctl_podwatch_tick(struct ebb_controller *c, int64_t now_ms)
{
    size_t pos = 0;
    const char *key, *rv;
    void *obj;
    /* Free the unused ones first (the iteration must not see changes). */
    for (;;) {
        char *dead = NULL;
        pos = 0;
        while (ebb_cache_next(&c->podwatches, &pos, &key, &rv, &obj)) {
            const struct ctl_podwatch *pw = obj;
            if (pw->n_users == 0) {
                dead = strdup(key);
                break;
            }
        }
        if (dead == NULL)
            break;
        (void)ebb_cache_take(&c->podwatches, dead, NULL);
        free(dead);
    }
    pos = 0;
    while (ebb_cache_next(&c->podwatches, &pos, &key, &rv, &obj)) {
        struct ctl_podwatch *pw = obj;
        if (pw->inf != NULL)
            ebb_informer_tick(pw->inf, now_ms);
    }
}

int64_t ctl_podwatch_next_in(const struct ebb_controller *c, int64_t now_ms)
{
    size_t pos = 0;
    const char *key, *rv;
    void *obj;
    int64_t t = -1;
    while (ebb_cache_next(&c->podwatches, &pos, &key, &rv, &obj)) {
        const struct ctl_podwatch *pw = obj;
        if (pw->inf == NULL)
            continue;
        int64_t n = ebb_informer_next_in(pw->inf, now_ms);
        if (n >= 0 && (t < 0 || n < t))
            t = n;
    }
    return t;
}

static enum ebb_pod_phase phase_of(enum ebb_kube_pod_phase p)
{
    switch (p) {
    case EBB_KUBE_POD_PENDING:
        return EBB_POD_PENDING;
    case EBB_KUBE_POD_RUNNING:
        return EBB_POD_RUNNING;
    case EBB_KUBE_POD_SUCCEEDED:
        return EBB_POD_SUCCEEDED;
    case EBB_KUBE_POD_FAILED:
        return EBB_POD_FAILED;
    default:
        return EBB_POD_UNKNOWN;
    }
}

static int cmp_pod(const void *a, const void *b)
{
    const struct ebb_kube_pod *const *x = a, *const *y = b;
    return strcmp((*x)->meta.name, (*y)->meta.name);
}

enum ebb_rc ctl_podwatch_pods(const struct ctl_podwatch *pw, struct ctl_reconcile *r)
{
    const struct ebb_cache *store = ebb_informer_store(pw->inf);
    size_t n = ebb_cache_count(store), pos = 0, i = 0;
    const char *key, *rv;
    void *obj;
    const struct ebb_kube_pod **sorted = calloc(n ? n : 1, sizeof(*sorted));
    r->pods = calloc(n ? n : 1, sizeof(*r->pods));
    r->pod_names = calloc(n ? n : 1, sizeof(*r->pod_names));
    r->cpu_req = calloc(n ? n : 1, sizeof(*r->cpu_req));
    r->mem_req = calloc(n ? n : 1, sizeof(*r->mem_req));
    r->cpu_all = calloc(n ? n : 1, sizeof(*r->cpu_all));
    r->mem_all = calloc(n ? n : 1, sizeof(*r->mem_all));
    if (!sorted || !r->pods || !r->pod_names || !r->cpu_req || !r->mem_req || !r->cpu_all ||
        !r->mem_all) {
        free(sorted);
        return EBB_ERR_NOMEM;
    }
    while (i < n && ebb_cache_next(store, &pos, &key, &rv, &obj))
        sorted[i++] = obj;
    n = i;
    qsort(sorted, n, sizeof(*sorted), cmp_pod);
    for (i = 0; i < n; i++) {
        const struct ebb_kube_pod *p = sorted[i];
        r->pod_names[i] = strdup(p->meta.name);
        if (r->pod_names[i] == NULL) {
            r->n_pods = i;
            free(sorted);
            return EBB_ERR_NOMEM;
        }
        struct ebb_pod *o = &r->pods[i];
        o->name = r->pod_names[i];
        o->phase = phase_of(p->phase);
        o->has_ready_condition = p->ready != EBB_COND_UNKNOWN;
        o->ready = p->ready == EBB_COND_TRUE;
        o->ready_transition_ms = p->ready_transition_ms;
        o->start_ms = p->start_ms;
        o->deleting = p->meta.deletion_ms != EBB_TIME_UNSET;
        r->cpu_req[i] = p->cpu_request_milli;
        r->mem_req[i] = p->memory_request_milli;
        r->cpu_all[i] = p->cpu_request_all;
        r->mem_all[i] = p->memory_request_all;
    }
    r->n_pods = n;
    free(sorted);
    return EBB_OK;
}
