/* podwatch.c -- the pods of the targets: one pod informer per namespace,
 * keeping only the pods that some target's /scale selector matches. EDGE.
 *
 * A policy holds a struct ctl_podwatch: one selector of one namespace,
 * shared by every policy whose target reports the same selector, with the
 * keys of the pods it matches. The namespace's struct ctl_podns holds the
 * informer (one list+watch, however many policies) and an index of its
 * selectors by one equality each (`app=web`), so a pod event costs a few
 * hash look-ups, not one match per selector. Pods no selector matches are
 * decoded and dropped: they take no memory. A new selector may match pods
 * dropped before, so it makes the informer list again (at the next tick,
 * one list for every selector added meanwhile) and counts as synced once
 * a list begun after it is complete.
 */
#include "controller_internal.h"

#include "../base/msg.h"
#include "../kube/labelsel.h"
#include "strset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEED_UNKNOWN UINT64_MAX /* a selector whose list is not asked for yet */

/* A growable array of selector entries. */
struct pw_list {
    struct ctl_podwatch **v;
    size_t n, cap;
};

/* The informer of one namespace (c->podwatches, by namespace). */
struct ctl_podns {
    struct ebb_controller *c;
    char *ns;
    struct ebb_informer *inf;
    bool started;
    bool relist;            /* selectors were added: list again at the next tick */
    struct ebb_cache sels;  /* selector text -> struct ctl_podwatch (owned) */
    struct ebb_cache index; /* "key=value" -> struct pw_list: selectors requiring it */
    struct pw_list scan;    /* selectors with no equality: tried on every pod */
};

static enum ebb_rc list_add(struct pw_list *l, struct ctl_podwatch *pw)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 2;
        struct ctl_podwatch **nv = realloc(l->v, nc * sizeof(*nv));
        if (nv == NULL)
            return EBB_ERR_NOMEM;
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = pw;
    return EBB_OK;
}

static void list_remove(struct pw_list *l, const struct ctl_podwatch *pw)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i] == pw) {
            l->v[i] = l->v[--l->n];
            return;
        }
    }
}

static void list_free(void *obj)
{
    struct pw_list *l = obj;
    if (l != NULL)
        free(l->v);
    free(l);
}

/* ---- selectors and their index ---- */

static void pw_free(void *obj)
{
    struct ctl_podwatch *pw = obj;
    if (pw == NULL)
        return;
    ctl_strset_free(pw->users, pw->n_users);
    ctl_strset_free(pw->pods, pw->n_pods);
    ebb_labelsel_release(pw->sel);
    free(pw->sel);
    free(pw->text);
    free(pw);
}

static bool index_key(const char *k, const char *v, char *buf, size_t bufsz)
{
    int n = snprintf(buf, bufsz, "%s=%s", k, v);
    return n > 0 && (size_t)n < bufsz;
}

/* Where pw is listed for matching: its index entry, or the scan list. */
static enum ebb_rc index_add(struct ctl_podns *pns, struct ctl_podwatch *pw)
{
    const char *k, *v;
    char key[512];
    if (!ebb_labelsel_equality(pw->sel, &k, &v) || !index_key(k, v, key, sizeof(key)))
        return list_add(&pns->scan, pw);
    struct pw_list *l = ebb_cache_get(&pns->index, key, NULL);
    if (l == NULL) {
        l = calloc(1, sizeof(*l));
        if (l == NULL || ebb_cache_put(&pns->index, key, NULL, l, sizeof(*l), NULL) != EBB_OK) {
            free(l);
            return EBB_ERR_NOMEM;
        }
    }
    return list_add(l, pw);
}

static void index_remove(struct ctl_podns *pns, struct ctl_podwatch *pw)
{
    const char *k, *v;
    char key[512];
    if (!ebb_labelsel_equality(pw->sel, &k, &v) || !index_key(k, v, key, sizeof(key))) {
        list_remove(&pns->scan, pw);
        return;
    }
    struct pw_list *l = ebb_cache_get(&pns->index, key, NULL);
    if (l == NULL)
        return;
    list_remove(l, pw);
    if (l->n == 0)
        (void)ebb_cache_take(&pns->index, key, NULL);
}

static void try_match(struct ctl_podwatch *pw, const struct ebb_kube_pod *p, struct pw_list *out,
                      bool *any)
{
    if (!ebb_labelsel_matches(pw->sel, p->meta.labels, p->meta.n_labels))
        return;
    *any = true;
    if (out != NULL && list_add(out, pw) != EBB_OK)
        ctl_log(pw->pns->c, EBB_CTL_LOG_ERROR, NULL, "out of memory matching pods");
}

/* The selectors of pns matching pod p, appended to out (NULL: only tells
 * whether there is one). */
static bool matching(struct ctl_podns *pns, const struct ebb_kube_pod *p, struct pw_list *out)
{
    bool any = false;
    char key[512];
    for (size_t i = 0; i < p->meta.n_labels && (out != NULL || !any); i++) {
        const struct ebb_kv *kv = &p->meta.labels[i];
        if (kv->key == NULL || !index_key(kv->key, kv->value ? kv->value : "", key, sizeof(key)))
            continue;
        const struct pw_list *l = ebb_cache_get(&pns->index, key, NULL);
        for (size_t j = 0; l != NULL && j < l->n && (out != NULL || !any); j++)
            try_match(l->v[j], p, out, &any);
    }
    for (size_t j = 0; j < pns->scan.n && (out != NULL || !any); j++)
        try_match(pns->scan.v[j], p, out, &any);
    return any;
}

/* ---- informer callbacks ---- */

static void pw_enqueue_users(struct ctl_podwatch *pw)
{
    for (size_t i = 0; i < pw->n_users; i++)
        ctl_enqueue(pw->pns->c, pw->users[i]);
}

/* A pod some selector matches, or one that carries a channel port range
 * (its policy may be gone: the range still blocks its slots). */
static bool pod_keep(void *ctx, const void *obj)
{
    return ((const struct ebb_kube_pod *)obj)->has_range || matching(ctx, obj, NULL);
}

static void pod_join(struct ctl_podwatch *pw, const char *key)
{
    bool added;
    if (ctl_strset_add(&pw->pods, &pw->n_pods, &pw->cap_pods, key, &added) != EBB_OK)
        ctl_log(pw->pns->c, EBB_CTL_LOG_ERROR, NULL, "out of memory adding pod %s", key);
    else if (added)
        pw_enqueue_users(pw);
}

static void pod_leave(struct ctl_podwatch *pw, const char *key)
{
    if (ctl_strset_remove(pw->pods, &pw->n_pods, key))
        pw_enqueue_users(pw);
}

static void on_pod_add(void *ctx, const char *key, const void *obj)
{
    struct pw_list m = {0};
    matching(ctx, obj, &m);
    for (size_t i = 0; i < m.n; i++)
        pod_join(m.v[i], key);
    free(m.v);
}

static bool same_labels(const struct ebb_kube_meta *a, const struct ebb_kube_meta *b)
{
    if (a->n_labels != b->n_labels)
        return false;
    for (size_t i = 0; i < a->n_labels; i++) {
        const struct ebb_kv *x = &a->labels[i], *y = &b->labels[i];
        if (strcmp(x->key ? x->key : "", y->key ? y->key : "") != 0 ||
            strcmp(x->value ? x->value : "", y->value ? y->value : "") != 0)
            return false;
    }
    return true;
}

static void on_pod_update(void *ctx, const char *key, const void *old_obj, const void *new_obj)
{
    struct ctl_podns *pns = ctx;
    const struct ebb_kube_pod *o = old_obj, *n = new_obj;
    if (o == n)
        return;
    /* What a decision or a channel port assignment reads. */
    bool changed =
        o->phase != n->phase || o->ready != n->ready ||
        (o->meta.deletion_ms == EBB_TIME_UNSET) != (n->meta.deletion_ms == EBB_TIME_UNSET) ||
        o->has_range != n->has_range || o->range_first != n->range_first ||
        o->range_last != n->range_last || o->range_bad != n->range_bad;
    struct pw_list now = {0};
    matching(pns, n, &now);
    if (!same_labels(&o->meta, &n->meta)) {
        struct pw_list before = {0};
        matching(pns, o, &before);
        for (size_t i = 0; i < before.n; i++)
            pod_leave(before.v[i], key); /* rejoins below when it still matches */
        free(before.v);
    }
    for (size_t i = 0; i < now.n; i++) {
        bool found;
        (void)ctl_strset_find(now.v[i]->pods, now.v[i]->n_pods, key, &found);
        if (!found)
            pod_join(now.v[i], key);
        else if (changed)
            pw_enqueue_users(now.v[i]);
    }
    free(now.v);
}

static void on_pod_delete(void *ctx, const char *key, const void *obj)
{
    struct pw_list m = {0};
    matching(ctx, obj, &m);
    for (size_t i = 0; i < m.n; i++)
        pod_leave(m.v[i], key);
    free(m.v);
}

/* ---- namespaces ---- */

void ctl_podwatch_free(void *obj)
{
    struct ctl_podns *pns = obj;
    if (pns == NULL)
        return;
    ebb_informer_free(pns->inf);
    ebb_cache_release(&pns->index);
    ebb_cache_release(&pns->sels);
    free(pns->scan.v);
    free(pns->ns);
    free(pns);
}

static struct ctl_podns *podns_get(struct ebb_controller *c, const char *ns)
{
    struct ctl_podns *pns = ebb_cache_get(&c->podwatches, ns, NULL);
    if (pns != NULL)
        return pns;
    pns = calloc(1, sizeof(*pns));
    if (pns == NULL)
        return NULL;
    pns->c = c;
    pns->ns = strdup(ns);
    ebb_cache_init(&pns->sels, pw_free);
    ebb_cache_init(&pns->index, list_free);
    struct ebb_informer_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.resource = EBB_KUBE_PODS;
    ops.namespace_ = pns->ns;
    ops.decode = ebb_kube_decode_pod;
    ops.free_obj = ebb_kube_object_free;
    ops.keep = pod_keep;
    ops.seed = c->o.seed + ebb_cache_count(&c->podwatches) + 17;
    struct ebb_informer_handlers h = {on_pod_add, on_pod_update, on_pod_delete, pns};
    if (pns->ns == NULL || ebb_informer_new(c->client, &ops, &h, &pns->inf) != EBB_OK ||
        ebb_cache_put(&c->podwatches, ns, NULL, pns, sizeof(*pns), NULL) != EBB_OK) {
        ctl_podwatch_free(pns);
        return NULL;
    }
    return pns;
}

static struct ctl_podwatch *selector_get(struct ctl_podns *pns, const char *text, char *err,
                                         size_t errsz, enum ebb_rc *rc)
{
    struct ctl_podwatch *pw = ebb_cache_get(&pns->sels, text, NULL);
    *rc = EBB_OK;
    if (pw != NULL)
        return pw;
    *rc = EBB_ERR_NOMEM;
    pw = calloc(1, sizeof(*pw));
    if (pw == NULL)
        return NULL;
    pw->pns = pns;
    pw->need_list = NEED_UNKNOWN;
    pw->text = strdup(text);
    pw->sel = calloc(1, sizeof(*pw->sel));
    if (pw->text == NULL || pw->sel == NULL) {
        pw_free(pw);
        return NULL;
    }
    *rc = ebb_labelsel_parse(text, pw->sel, err, errsz);
    if (*rc == EBB_OK &&
        (*rc = ebb_cache_put(&pns->sels, text, NULL, pw, sizeof(*pw), NULL)) == EBB_OK) {
        if ((*rc = index_add(pns, pw)) == EBB_OK) {
            pns->relist = true;
            return pw;
        }
        (void)ebb_cache_take(&pns->sels, text, NULL); /* frees pw */
        return NULL;
    }
    pw_free(pw);
    return NULL;
}

enum ebb_rc ctl_podwatch_acquire(struct ebb_controller *c, struct ctl_policy *ps, const char *ns,
                                 const char *selector, char *err, size_t errsz)
{
    if (ps->pw != NULL && strcmp(ps->pw->pns->ns, ns) == 0 && strcmp(ps->pw->text, selector) == 0)
        return EBB_OK;
    ctl_podwatch_release(c, ps);
    struct ctl_podns *pns = podns_get(c, ns);
    if (pns == NULL)
        return ebb_errf(err, errsz, EBB_ERR_NOMEM, "out of memory");
    enum ebb_rc rc;
    struct ctl_podwatch *pw = selector_get(pns, selector, err, errsz, &rc);
    if (pw != NULL &&
        ctl_strset_add(&pw->users, &pw->n_users, &pw->cap_users, ps->key, NULL) == EBB_OK) {
        ps->pw = pw;
        return EBB_OK;
    }
    c->podwatch_unused = true; /* what was made for it, unheld */
    if (pw == NULL && rc != EBB_ERR_NOMEM)
        return rc;
    return ebb_errf(err, errsz, EBB_ERR_NOMEM, "out of memory");
}

void ctl_podwatch_release(struct ebb_controller *c, struct ctl_policy *ps)
{
    if (ps->pw == NULL)
        return;
    (void)ctl_strset_remove(ps->pw->users, &ps->pw->n_users, ps->key);
    if (ps->pw->n_users == 0)
        c->podwatch_unused = true;
    ps->pw = NULL;
}

bool ctl_podwatch_synced(const struct ctl_podwatch *pw)
{
    return pw != NULL && pw->need_list != NEED_UNKNOWN && pw->pns->started &&
           ebb_informer_lists_done(pw->pns->inf) >= pw->need_list;
}

/* Drops the selectors nobody holds, then the namespaces without selectors. */
static void sweep(struct ebb_controller *c)
{
    size_t pos;
    const char *key, *rv;
    void *obj;
    for (;;) {
        char *dead_ns = NULL;
        pos = 0;
        while (dead_ns == NULL && ebb_cache_next(&c->podwatches, &pos, &key, &rv, &obj)) {
            struct ctl_podns *pns = obj;
            for (;;) {
                struct ctl_podwatch *dead = NULL;
                size_t sp = 0;
                const char *sk;
                void *so;
                while (dead == NULL && ebb_cache_next(&pns->sels, &sp, &sk, &rv, &so))
                    if (((struct ctl_podwatch *)so)->n_users == 0)
                        dead = so;
                if (dead == NULL)
                    break;
                index_remove(pns, dead);
                (void)ebb_cache_take(&pns->sels, dead->text, NULL);
            }
            if (ebb_cache_count(&pns->sels) == 0)
                dead_ns = strdup(key);
        }
        if (dead_ns == NULL)
            break;
        (void)ebb_cache_take(&c->podwatches, dead_ns, NULL);
        free(dead_ns);
    }
}

/* New selectors: start the informer, or list again; they are synced once
 * the list that answers is complete. */
static void ask_list(struct ctl_podns *pns, int64_t now_ms)
{
    uint64_t seq;
    if (!pns->started) {
        if (ebb_informer_start(pns->inf, now_ms) != EBB_OK)
            return; /* retried at the next tick */
        pns->started = true;
        seq = ebb_informer_lists_done(pns->inf) + 1;
        ctl_log(pns->c, EBB_CTL_LOG_DEBUG, NULL, "watching the pods of namespace %s", pns->ns);
    } else {
        seq = ebb_informer_relist(pns->inf);
    }
    pns->relist = false;
    size_t pos = 0;
    const char *key, *rv;
    void *obj;
    while (ebb_cache_next(&pns->sels, &pos, &key, &rv, &obj)) {
        struct ctl_podwatch *pw = obj;
        if (pw->need_list == NEED_UNKNOWN)
            pw->need_list = seq;
    }
}

void ctl_podwatch_tick(struct ebb_controller *c, int64_t now_ms)
{
    if (c->podwatch_unused) { /* not every turn: a scan of every selector */
        c->podwatch_unused = false;
        sweep(c);
    }
    size_t pos = 0;
    const char *key, *rv;
    void *obj;
    while (ebb_cache_next(&c->podwatches, &pos, &key, &rv, &obj)) {
        struct ctl_podns *pns = obj;
        if (pns->relist)
            ask_list(pns, now_ms);
        if (pns->started)
            ebb_informer_tick(pns->inf, now_ms);
    }
}

int64_t ctl_podwatch_next_in(const struct ebb_controller *c, int64_t now_ms)
{
    size_t pos = 0;
    const char *key, *rv;
    void *obj;
    int64_t t = -1;
    while (ebb_cache_next(&c->podwatches, &pos, &key, &rv, &obj)) {
        const struct ctl_podns *pns = obj;
        int64_t n = pns->relist ? 0 : pns->started ? ebb_informer_next_in(pns->inf, now_ms) : -1;
        if (n >= 0 && (t < 0 || n < t))
            t = n;
    }
    return t;
}

size_t ctl_podwatch_store_bytes(const struct ebb_controller *c)
{
    size_t pos = 0, bytes = 0;
    const char *key, *rv;
    void *obj;
    while (ebb_cache_next(&c->podwatches, &pos, &key, &rv, &obj)) {
        const struct ctl_podns *pns = obj;
        bytes += ebb_cache_bytes(ebb_informer_store(pns->inf)) + ebb_cache_bytes(&pns->sels) +
                 ebb_cache_bytes(&pns->index);
    }
    return bytes;
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

enum ebb_rc ctl_podwatch_pods(const struct ctl_podwatch *pw, struct ctl_reconcile *r)
{
    const struct ebb_cache *store = ebb_informer_store(pw->pns->inf);
    size_t n = pw->n_pods, m = n ? n : 1;
    r->pods = calloc(m, sizeof(*r->pods));
    r->pod_names = calloc(m, sizeof(*r->pod_names));
    r->cpu_req = calloc(m, sizeof(*r->cpu_req));
    r->mem_req = calloc(m, sizeof(*r->mem_req));
    r->cpu_all = calloc(m, sizeof(*r->cpu_all));
    r->mem_all = calloc(m, sizeof(*r->mem_all));
    if (!r->pods || !r->pod_names || !r->cpu_req || !r->mem_req || !r->cpu_all || !r->mem_all)
        return EBB_ERR_NOMEM;
    size_t k = 0;
    /* The keys are "ns/name" of one namespace, sorted: the pods come by name. */
    for (size_t i = 0; i < n; i++) {
        const struct ebb_kube_pod *p = ebb_cache_get(store, pw->pods[i], NULL);
        if (p == NULL)
            continue;
        r->pod_names[k] = strdup(p->meta.name);
        if (r->pod_names[k] == NULL) {
            r->n_pods = k;
            return EBB_ERR_NOMEM;
        }
        struct ebb_pod *o = &r->pods[k];
        o->name = r->pod_names[k];
        o->phase = phase_of(p->phase);
        o->has_ready_condition = p->ready != EBB_COND_UNKNOWN;
        o->ready = p->ready == EBB_COND_TRUE;
        o->ready_transition_ms = p->ready_transition_ms;
        o->start_ms = p->start_ms;
        o->deleting = p->meta.deletion_ms != EBB_TIME_UNSET;
        r->cpu_req[k] = p->cpu_request_milli;
        r->mem_req[k] = p->memory_request_milli;
        r->cpu_all[k] = p->cpu_request_all;
        r->mem_all[k] = p->memory_request_all;
        k++;
    }
    r->n_pods = k;
    return EBB_OK;
}

enum ebb_rc ctl_podwatch_each(const struct ctl_podwatch *pw,
                              enum ebb_rc (*fn)(void *ctx, const struct ebb_kube_pod *pod),
                              void *ctx)
{
    const struct ebb_cache *store = ebb_informer_store(pw->pns->inf);
    for (size_t i = 0; i < pw->n_pods; i++) {
        const struct ebb_kube_pod *p = ebb_cache_get(store, pw->pods[i], NULL);
        enum ebb_rc rc = p != NULL ? fn(ctx, p) : EBB_OK;
        if (rc != EBB_OK)
            return rc;
    }
    return EBB_OK;
}

enum ebb_rc ctl_podwatch_ranged(const struct ebb_controller *c,
                                enum ebb_rc (*fn)(void *ctx, const struct ebb_kube_pod *pod),
                                void *ctx)
{
    size_t pos = 0;
    const char *key, *rv;
    void *obj;
    while (ebb_cache_next(&c->podwatches, &pos, &key, &rv, &obj)) {
        const struct ctl_podns *pns = obj;
        if (!pns->started || ebb_informer_lists_done(pns->inf) == 0)
            return EBB_ERR_NOTFOUND;
        const struct ebb_cache *store = ebb_informer_store(pns->inf);
        size_t sp = 0;
        const char *k;
        void *po;
        while (ebb_cache_next(store, &sp, &k, &rv, &po)) {
            const struct ebb_kube_pod *p = po;
            enum ebb_rc rc = p->has_range ? fn(ctx, p) : EBB_OK;
            if (rc != EBB_OK)
                return rc;
        }
    }
    return EBB_OK;
}
