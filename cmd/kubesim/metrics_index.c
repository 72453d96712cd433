/*
 * kubesim: the label index of the metrics model (metrics_internal.h
 * ks_lidx). A sample finds a pod's workload, and a PodMetrics or custom
 * metrics LIST its pods, by one key=value their selector requires,
 * instead of matching every pod against every selector.
 */
#include "metrics_internal.h"

#include <stdlib.h>
#include <string.h>

/* NULL sorts first: the entries of a namespace without a key. */
static int cmp_opt(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_triple(const struct ks_lidx_ent *e, const char *ns, const char *key,
                      const char *value)
{
    int c = strcmp(e->ns, ns);

    if (!c)
        c = cmp_opt(e->key, key);
    if (!c)
        c = cmp_opt(e->value, value);
    return c;
}

static int cmp_ent(const void *a, const void *b)
{
    const struct ks_lidx_ent *x = a, *y = b;
    int c = cmp_triple(x, y->ns, y->key, y->value);

    if (c)
        return c;
    return (x->item > y->item) - (x->item < y->item);
}

int ks_lidx_add(struct ks_lidx *x, const char *ns, const char *key, const char *value, size_t item)
{
    if (x->n == x->cap) {
        size_t ncap = x->cap ? x->cap * 2 : 64;
        struct ks_lidx_ent *v = realloc(x->v, ncap * sizeof(*v));
        if (!v)
            return KS_ENOMEM;
        x->v = v;
        x->cap = ncap;
    }
    x->v[x->n++] = (struct ks_lidx_ent){.ns = ns, .key = key, .value = value, .item = item};
    return KS_OK;
}

void ks_lidx_sort(struct ks_lidx *x)
{
    if (x->n > 1)
        qsort(x->v, x->n, sizeof(*x->v), cmp_ent);
}

size_t ks_lidx_find(const struct ks_lidx *x, const char *ns, const char *key, const char *value,
                    const struct ks_lidx_ent **first)
{
    size_t lo = 0, hi = x->n, end;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_triple(&x->v[mid], ns, key, value) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (end = lo; end < x->n && cmp_triple(&x->v[end], ns, key, value) == 0; end++)
        ;
    *first = x->v ? x->v + lo : NULL;
    return end - lo;
}

void ks_lidx_release(struct ks_lidx *x)
{
    free(x->v);
    x->v = NULL;
    x->n = x->cap = 0;
}

void ks_metrics_index_pods(ks_metrics *m)
{
    m->pod_idx.n = 0;
    m->pod_idx_ok = false;
    for (size_t i = 0; i < m->n_pods; i++) {
        const struct ks_pod_sample *p = &m->pods[i];
        for (size_t k = 0; k < p->n_labels; k++)
            if (ks_lidx_add(&m->pod_idx, p->ns, p->labels[k].key, p->labels[k].value, i) != KS_OK)
                return; /* out of memory: ks_metrics_each_pod scans */
    }
    ks_lidx_sort(&m->pod_idx);
    m->pod_idx_ok = true;
}

void ks_metrics_each_pod(ks_metrics *m, const char *ns, const ks_selector *sel,
                         ks_metrics_pod_fn fn, void *ud)
{
    const char *key, *value;

    if (ns && m->pod_idx_ok && ks_selector_label_equality(sel, &key, &value)) {
        const struct ks_lidx_ent *e;
        size_t n = ks_lidx_find(&m->pod_idx, ns, key, value, &e);
        for (size_t i = 0; i < n; i++) {
            const struct ks_pod_sample *p = &m->pods[e[i].item];
            if (ks_selector_matches_labels(sel, p->labels, p->n_labels) && !fn(ud, p))
                return;
        }
        return;
    }
    for (size_t i = 0; i < m->n_pods; i++) {
        const struct ks_pod_sample *p = &m->pods[i];
        if ((!ns || strcmp(p->ns, ns) == 0) &&
            ks_selector_matches_labels(sel, p->labels, p->n_labels) && !fn(ud, p))
            return;
    }
}
