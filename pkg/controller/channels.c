/* channels.c -- channel port ranges: from the informers' stores to what one
 * policy publishes (DESIGN.md section 3). PURE: the stores come in as
 * arguments, pod stores through a callback; the writes are reconcile.c's.
 *
 * Every reconcile of a policy with spec.channelPorts rebuilds the whole
 * input of ebb_ports_assign() from what the API shows -- all policies with
 * channelPorts, their pods with the annotation each carries, their
 * published ConfigMaps -- and keeps only its own part of the answer. No
 * assignment lives in memory between reconciles, so a restart, a leader
 * change or a replayed event cannot hand a range out twice (pkg/ports).
 */
#include "controller_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/rfc3339.h"

/* ---- the view ---------------------------------------------------------------------------- */

void ctl_chan_view_release(struct ctl_chan_view *v)
{
    if (v == NULL)
        return;
    free(v->policies);
    free(v->cps);
    free(v->keys);
    free(v->targets);
    free(v->pods);
    free(v->kpods);
    memset(v, 0, sizeof(*v));
}

size_t ctl_chan_view_find(const struct ctl_chan_view *v, const char *key)
{
    for (size_t i = 0; i < v->in.n_policies; i++)
        if (strcmp(v->keys[i], key) == 0)
            return i;
    return SIZE_MAX;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Pods by namespace/name, then policy index (a pod seen through two
 * policies' informers is kept once, for the first). */
struct pod_ref {
    struct ebb_ports_pod p;
    const struct ebb_kube_pod *k;
};

static int cmp_pod(const void *a, const void *b)
{
    const struct pod_ref *x = a, *y = b;
    int c = strcmp(x->p.ns, y->p.ns);
    if (c == 0)
        c = strcmp(x->p.name, y->p.name);
    if (c == 0)
        c = x->p.policy < y->p.policy ? -1 : x->p.policy > y->p.policy;
    return c;
}

static bool has_ports(const struct ebb_kube_policy *kp)
{
    return kp != NULL && kp->policy.spec.channel_ports.set;
}

/* ebb_kube_meta_label() lives in objects.c (EDGE); this file is PURE. */
static const char *label_of(const struct ebb_kube_meta *m, const char *key)
{
    for (size_t i = 0; i < m->n_labels; i++)
        if (m->labels[i].key != NULL && strcmp(m->labels[i].key, key) == 0)
            return m->labels[i].value;
    return NULL;
}

struct adder {
    struct ctl_chan_view *v;
    struct pod_ref *refs;
    size_t n, cap;
    size_t policy;
};

static enum ebb_rc add_pod(void *actx, const struct ebb_kube_pod *kp)
{
    struct adder *a = actx;
    const struct ctl_chan_view *v = a->v;
    bool orphan = a->policy == EBB_PORTS_NO_POLICY; /* a pod with a range, any policy's */
    if (orphan && !kp->has_range)
        return EBB_OK;
    bool sts = !orphan && v->policies[a->policy].kind == EBB_PORTS_STATEFULSET;
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 64;
        struct pod_ref *nr = realloc(a->refs, nc * sizeof(*nr));
        if (nr == NULL)
            return EBB_ERR_NOMEM;
        a->refs = nr;
        a->cap = nc;
    }
    struct pod_ref *r = &a->refs[a->n++];
    memset(r, 0, sizeof(*r));
    r->k = kp;
    r->p.ns = kp->meta.namespace_ ? kp->meta.namespace_ : "";
    r->p.name = kp->meta.name;
    r->p.created_ms = kp->created_ms == EBB_TIME_UNSET ? 0 : kp->created_ms;
    r->p.policy = a->policy;
    r->p.ordinal = sts ? ebb_ports_ordinal(label_of(&kp->meta, EBB_PORTS_ORDINAL_LABEL),
                                           kp->meta.name, v->targets[a->policy])
                       : -1;
    r->p.gone = kp->phase == EBB_KUBE_POD_FAILED || kp->phase == EBB_KUBE_POD_SUCCEEDED;
    r->p.has_range = kp->has_range;
    r->p.first = kp->has_range ? kp->range_first : 0;
    r->p.last = kp->has_range ? kp->range_last : 0;
    return EBB_OK;
}

enum ebb_rc ctl_chan_view_build(struct ctl_chan_view *v, const struct ebb_cache *policies,
                                const struct ebb_cache *ranges, ctl_chan_pods_fn *pods_of,
                                void *ctx, char *wait_for, size_t wait_sz)
{
    size_t pos = 0, n = 0, np = 0;
    const char *key, *rv;
    void *obj;
    struct adder a = {v, NULL, 0, 0, 0};
    struct pod_ref *refs = NULL;
    enum ebb_rc rc = EBB_OK;
    memset(v, 0, sizeof(*v));
    if (wait_for != NULL && wait_sz > 0)
        wait_for[0] = '\0';
    while (ebb_cache_next(policies, &pos, &key, &rv, &obj))
        n += has_ports(obj);
    v->policies = calloc(n ? n : 1, sizeof(*v->policies));
    v->cps = calloc(n ? n : 1, sizeof(*v->cps));
    v->keys = calloc(n ? n : 1, sizeof(*v->keys));
    v->targets = calloc(n ? n : 1, sizeof(*v->targets));
    if (v->policies == NULL || v->cps == NULL || v->keys == NULL || v->targets == NULL) {
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    /* In key order: the allocator orders by creation, ties by ns/name. */
    pos = 0;
    n = 0;
    while (ebb_cache_next(policies, &pos, &key, &rv, &obj))
        if (has_ports(obj))
            v->keys[n++] = key;
    qsort(v->keys, n, sizeof(*v->keys), cmp_key);
    for (size_t i = 0; i < n; i++) {
        const struct ebb_kube_policy *kp = ebb_cache_get(policies, v->keys[i], NULL);
        const struct ebb_policy *p = &kp->policy;
        struct ebb_ports_policy *pp = &v->policies[i];
        int64_t created = 0;
        v->cps[i] = p->spec.channel_ports;
        if (v->cps[i].pool == NULL || v->cps[i].pool[0] == '\0')
            v->cps[i].pool = p->metadata.name; /* the default (pkg/api defaults.c) */
        if (p->metadata.creation_timestamp == NULL ||
            ebb_rfc3339_parse(p->metadata.creation_timestamp, &created) != EBB_OK)
            created = 0;
        pp->ns = p->metadata.namespace_ ? p->metadata.namespace_ : "";
        pp->name = p->metadata.name;
        pp->created_ms = created;
        pp->kind = p->spec.target_ref.kind && strcmp(p->spec.target_ref.kind, "StatefulSet") == 0
                       ? EBB_PORTS_STATEFULSET
                       : EBB_PORTS_DEPLOYMENT;
        v->targets[i] = p->spec.target_ref.name;
        pp->max_replicas = p->spec.max_replicas == EBB_UNSET ? 0 : p->spec.max_replicas;
        pp->ports = &v->cps[i];
        if (ranges != NULL) {
            char ck[768];
            snprintf(ck, sizeof(ck), "%s/%s%s", pp->ns, pp->name, CTL_CHAN_CM_SUFFIX);
            const struct ebb_kube_ranges_cm *cm = ebb_cache_get(ranges, ck, NULL);
            if (cm != NULL) {
                pp->published = cm->ranges;
                pp->n_published = cm->n_ranges;
            }
        }
    }
    v->in.policies = v->policies;
    v->in.n_policies = n;
    for (size_t i = 0; i < n; i++) {
        a.policy = i;
        rc = pods_of(ctx, v->keys[i], add_pod, &a);
        if (rc == EBB_ERR_NOTFOUND && wait_for != NULL && wait_sz > 0)
            snprintf(wait_for, wait_sz, "%s", v->keys[i]);
        if (rc != EBB_OK)
            goto out;
    }
    /* Then every pod that carries a range: one whose policy is gone (or
     * no longer names a pool) still holds its slots. A pod listed above
     * too keeps its policy's entry (the sort puts NO_POLICY last). */
    if (n > 0) {
        a.policy = EBB_PORTS_NO_POLICY;
        rc = pods_of(ctx, NULL, add_pod, &a);
        if (rc == EBB_ERR_NOTFOUND && wait_for != NULL && wait_sz > 0)
            snprintf(wait_for, wait_sz, "the pods that carry a channel port range");
        if (rc != EBB_OK)
            goto out;
    }
    refs = a.refs;
    np = a.n;
    if (np > 0)
        qsort(refs, np, sizeof(*refs), cmp_pod);
    v->pods = calloc(np ? np : 1, sizeof(*v->pods));
    v->kpods = calloc(np ? np : 1, sizeof(*v->kpods));
    if (v->pods == NULL || v->kpods == NULL) {
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < np; i++) {
        if (k > 0 && strcmp(v->pods[k - 1].ns, refs[i].p.ns) == 0 &&
            strcmp(v->pods[k - 1].name, refs[i].p.name) == 0)
            continue;
        v->pods[k] = refs[i].p;
        v->kpods[k] = refs[i].k;
        k++;
    }
    v->in.pods = v->pods;
    v->in.n_pods = k;
    v->cap_pods = np;
out:
    free(a.refs);
    if (rc != EBB_OK)
        ctl_chan_view_release(v);
    return rc;
}

/* ---- the plan ---------------------------------------------------------------------------- */

void ctl_chan_plan_release(struct ctl_chan_plan *plan)
{
    if (plan == NULL)
        return;
    free(plan->conflict_with);
    for (size_t i = 0; i < plan->n_held; i++)
        free(plan->held[i].pod);
    free(plan->held);
    for (size_t i = 0; i < plan->n_patches; i++) {
        free(plan->patches[i].pod);
        free(plan->patches[i].resource_version);
    }
    free(plan->patches);
    for (size_t i = 0; i < plan->n_share; i++)
        free(plan->share[i]);
    free(plan->share);
    memset(plan, 0, sizeof(*plan));
}

/* By slot; stale ranges (slot -1) last, by first port. */
static int cmp_assignment(const void *a, const void *b)
{
    const struct ebb_port_assignment *x = a, *y = b;
    if ((x->slot < 0) != (y->slot < 0))
        return x->slot < 0 ? 1 : -1;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static char *dup_s(const char *s)
{
    return strdup(s ? s : "");
}

enum ebb_rc ctl_chan_plan_make(const struct ctl_chan_view *v, const struct ebb_ports_result *r,
                               size_t self, struct ctl_chan_plan *out)
{
    memset(out, 0, sizeof(*out));
    if (self >= v->in.n_policies || self >= r->n_policies)
        return EBB_ERR_INVALID;
    const struct ebb_ports_policy_result *pr = &r->policies[self];
    out->state = pr->state;
    out->capacity = ebb_ports_capacity(r, self);
    out->waiting = pr->waiting;
    snprintf(out->message, sizeof(out->message), "%s", pr->message);
    if (pr->state == EBB_PORTS_POLICY_CONFLICT && pr->conflict_with < v->in.n_policies &&
        (out->conflict_with = dup_s(v->keys[pr->conflict_with])) == NULL)
        goto nomem;

    size_t n = ebb_ports_collect(&v->in, r, self, NULL, 0);
    struct ebb_port_assignment *tmp = calloc(n ? n : 1, sizeof(*tmp));
    out->held = calloc(n ? n : 1, sizeof(*out->held));
    out->patches = calloc(n ? n : 1, sizeof(*out->patches));
    if (tmp == NULL || out->held == NULL || out->patches == NULL) {
        free(tmp);
        goto nomem;
    }
    (void)ebb_ports_collect(&v->in, r, self, tmp, n);
    for (size_t i = 0; i < n; i++) {
        out->held[out->n_held] = tmp[i];
        if ((out->held[out->n_held].pod = dup_s(tmp[i].pod)) == NULL) {
            free(tmp);
            goto nomem;
        }
        out->n_held++;
    }
    free(tmp);
    for (size_t i = 0; i < v->in.n_pods && i < r->n_pods; i++) {
        if (v->pods[i].policy != self || r->pods[i].state != EBB_PORTS_POD_NEW)
            continue;
        if (v->kpods[i]->range_bad) {
            /* Never overwrite an annotation, even a malformed one. */
            out->n_bad++;
            ctl_chan_plan_drop(out, v->pods[i].name);
            continue;
        }
        struct ctl_chan_patch *pt = &out->patches[out->n_patches];
        pt->first = r->pods[i].first;
        pt->last = r->pods[i].last;
        pt->pod = dup_s(v->pods[i].name);
        pt->resource_version = dup_s(v->kpods[i]->meta.resource_version);
        out->n_patches++;
        if (pt->pod == NULL || pt->resource_version == NULL)
            goto nomem;
    }
    qsort(out->held, out->n_held, sizeof(*out->held), cmp_assignment);

    /* The other policies of its pool: a slot it frees may let them grow. */
    if (pr->state == EBB_PORTS_POLICY_OK) {
        out->share = calloc(v->in.n_policies, sizeof(*out->share));
        if (out->share == NULL)
            goto nomem;
        for (size_t j = 0; j < v->in.n_policies && j < r->n_policies; j++) {
            if (j == self || r->policies[j].state != EBB_PORTS_POLICY_OK ||
                r->policies[j].pool_owner != pr->pool_owner)
                continue;
            if ((out->share[out->n_share] = dup_s(v->keys[j])) == NULL)
                goto nomem;
            out->n_share++;
        }
    }
    return EBB_OK;
nomem:
    ctl_chan_plan_release(out);
    return EBB_ERR_NOMEM;
}

void ctl_chan_plan_drop(struct ctl_chan_plan *plan, const char *pod)
{
    for (size_t i = 0; i < plan->n_held; i++) {
        if (strcmp(plan->held[i].pod, pod) != 0)
            continue;
        free(plan->held[i].pod);
        memmove(plan->held + i, plan->held + i + 1, (plan->n_held - i - 1) * sizeof(*plan->held));
        plan->n_held--;
        return;
    }
}

bool ctl_chan_differs(const struct ebb_port_assignment *a, size_t na,
                      const struct ebb_port_assignment *b, size_t nb)
{
    if (na != nb)
        return true;
    for (size_t i = 0; i < na; i++)
        if (a[i].slot != b[i].slot || a[i].first != b[i].first || a[i].last != b[i].last ||
            strcmp(a[i].pod ? a[i].pod : "", b[i].pod ? b[i].pod : "") != 0)
            return true;
    return false;
}

bool ctl_chan_freed(const struct ebb_port_assignment *before, size_t nb,
                    const struct ebb_port_assignment *after, size_t na)
{
    for (size_t i = 0; i < nb; i++) {
        bool found = false;
        for (size_t j = 0; j < na && !found; j++)
            found =
                strcmp(before[i].pod ? before[i].pod : "", after[j].pod ? after[j].pod : "") == 0;
        if (!found)
            return true;
    }
    return false;
}
