/* ports.c -- ebb_ports_assign(): the whole allocation rebuilt from what the
 * API shows, in the order of rules 1-5 of ports.h. PURE.
 *
 * Nothing here depends on the order of the input arrays: policies and pods
 * are sorted first (creation time, then namespace/name, then index), so the
 * same objects listed in any order get the same ranges.
 */
#include "ports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pool_rec {
    const char *name;
    size_t owner; /* the policy that defines it */
    int32_t base, size, limit;
    size_t sts; /* the StatefulSet policy it serves, or SIZE_MAX */
    int32_t reserved;
    struct ebb_port_pool *pool;
};

struct hint {
    size_t policy;
    const struct ebb_port_assignment *a;
};

struct work {
    const struct ebb_ports_input *in;
    struct ebb_ports_result *out;
    size_t *pol_order;
    size_t *pod_order;
    size_t *pool_of; /* per policy: index in pools, or SIZE_MAX */
    struct pool_rec *pools;
    size_t n_pools;
    size_t *rank; /* per pod: its place in pod_order */
    size_t *held; /* pods that keep a range, by first port */
    size_t n_held;
    struct hint *hints;
    size_t n_hints;
};

static int str_cmp(const char *a, const char *b)
{
    return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

/* qsort has no context argument: each key carries the pointer it needs. */
struct key {
    const void *obj;
    size_t i;
};

static int cmp_policy(const void *pa, const void *pb)
{
    const struct key *ka = pa, *kb = pb;
    const struct ebb_ports_policy *a = ka->obj, *b = kb->obj;
    int c;

    if (a->created_ms != b->created_ms)
        return a->created_ms < b->created_ms ? -1 : 1;
    if ((c = str_cmp(a->ns, b->ns)) != 0 || (c = str_cmp(a->name, b->name)) != 0)
        return c;
    return ka->i < kb->i ? -1 : ka->i > kb->i;
}

static int cmp_pod(const void *pa, const void *pb)
{
    const struct key *ka = pa, *kb = pb;
    const struct ebb_ports_pod *a = ka->obj, *b = kb->obj;
    int c;

    if (a->created_ms != b->created_ms)
        return a->created_ms < b->created_ms ? -1 : 1;
    if ((c = str_cmp(a->ns, b->ns)) != 0 || (c = str_cmp(a->name, b->name)) != 0)
        return c;
    return ka->i < kb->i ? -1 : ka->i > kb->i;
}

static int cmp_hint(const void *pa, const void *pb)
{
    const struct hint *a = pa, *b = pb;
    if (a->policy != b->policy)
        return a->policy < b->policy ? -1 : 1;
    return str_cmp(a->a->pod, b->a->pod);
}

/* Sorted indices of n objects of size sz; NULL on allocation failure. */
static size_t *order(const void *objs, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
    struct key *k = calloc(n ? n : 1, sizeof(*k));
    size_t *idx = calloc(n ? n : 1, sizeof(*idx));
    if (k == NULL || idx == NULL) {
        free(k);
        free(idx);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        k[i].obj = (const char *)objs + i * sz;
        k[i].i = i;
    }
    qsort(k, n, sizeof(*k), cmp);
    for (size_t i = 0; i < n; i++)
        idx[i] = k[i].i;
    free(k);
    return idx;
}

static void name_of(const struct ebb_ports_policy *p, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", p->ns != NULL ? p->ns : "", p->name != NULL ? p->name : "");
}

static void conflict(struct work *w, size_t i, size_t other, const char *fmt_why)
{
    const struct ebb_ports_policy *p = &w->in->policies[i], *o = &w->in->policies[other];
    struct ebb_ports_policy_result *r = &w->out->policies[i];
    char on[160];

    name_of(o, on, sizeof(on));
    r->state = EBB_PORTS_POLICY_CONFLICT;
    r->conflict_with = other;
    snprintf(r->message, sizeof(r->message),
             "channel port pool %s (ports %d-%d) %s %s (ports %d-%d of pool %s), created "
             "earlier; no ports are assigned",
             p->ports->pool, (int)p->ports->base, (int)p->ports->limit, fmt_why, on,
             (int)o->ports->base, (int)o->ports->limit, o->ports->pool);
}

static bool spans_meet(int32_t a0, int32_t a1, int32_t b0, int32_t b1)
{
    return a0 <= b1 && b0 <= a1;
}

/* Rule 1: the pools, and which policy joins which. */
static enum ebb_rc define_pools(struct work *w)
{
    const struct ebb_ports_input *in = w->in;

    for (size_t k = 0; k < in->n_policies; k++) {
        size_t i = w->pol_order[k];
        const struct ebb_ports_policy *p = &in->policies[i];
        const struct ebb_channel_ports *cp = p->ports;
        struct ebb_ports_policy_result *r = &w->out->policies[i];

        if (cp == NULL || !cp->set)
            continue;
        r->slots = ebb_ports_slots(cp);
        if (r->slots < 0 || cp->pool == NULL || cp->pool[0] == '\0') {
            r->state = EBB_PORTS_POLICY_INVALID;
            snprintf(r->message, sizeof(r->message),
                     "spec.channelPorts is invalid (pool \"%s\", base %d, rangeSize %d, limit "
                     "%d); no ports are assigned",
                     cp->pool != NULL ? cp->pool : "", (int)cp->base, (int)cp->range_size,
                     (int)cp->limit);
            continue;
        }
        size_t j = SIZE_MAX;
        for (size_t q = 0; q < w->n_pools && j == SIZE_MAX; q++)
            if (strcmp(w->pools[q].name, cp->pool) == 0)
                j = q;
        if (j != SIZE_MAX) {
            struct pool_rec *pr = &w->pools[j];
            if (pr->base != cp->base || pr->size != cp->range_size || pr->limit != cp->limit) {
                conflict(w, i, pr->owner, "is defined differently by");
                continue;
            }
            if (p->kind == EBB_PORTS_STATEFULSET && pr->sts != SIZE_MAX) {
                conflict(w, i, pr->sts, "already serves the StatefulSet of");
                continue;
            }
        } else {
            size_t other = SIZE_MAX;
            for (size_t q = 0; q < w->n_pools && other == SIZE_MAX; q++)
                if (spans_meet(cp->base, cp->limit, w->pools[q].base, w->pools[q].limit))
                    other = w->pools[q].owner;
            if (other != SIZE_MAX) {
                conflict(w, i, other, "intersects the pool of");
                continue;
            }
            j = w->n_pools;
            struct pool_rec *pr = &w->pools[j];
            memset(pr, 0, sizeof(*pr));
            pr->name = cp->pool;
            pr->owner = i;
            pr->base = cp->base;
            pr->size = cp->range_size;
            pr->limit = cp->limit;
            pr->sts = SIZE_MAX;
            enum ebb_rc rc = ebb_port_pool_new(cp->base, cp->range_size, cp->limit, &pr->pool);
            if (rc != EBB_OK)
                return rc;
            w->n_pools++;
        }
        struct pool_rec *pr = &w->pools[j];
        if (p->kind == EBB_PORTS_STATEFULSET) {
            pr->sts = i;
            pr->reserved = p->max_replicas < 0 ? 0 : p->max_replicas;
            if (pr->reserved > r->slots)
                pr->reserved = r->slots;
        }
        w->pool_of[i] = j;
        r->state = EBB_PORTS_POLICY_OK;
        r->pool_owner = pr->owner;
    }
    for (size_t i = 0; i < in->n_policies; i++)
        if (w->pool_of[i] != SIZE_MAX)
            w->out->policies[i].reserved = w->pools[w->pool_of[i]].reserved;
    return EBB_OK;
}

static const struct ebb_ports_policy *policy_of(const struct work *w,
                                                const struct ebb_ports_pod *pod)
{
    return pod->policy == EBB_PORTS_NO_POLICY ? NULL : &w->in->policies[pod->policy];
}

/* The first pod (in pod order) whose range intersects [first, last], or
 * SIZE_MAX. Only asked for pods that wait, so a scan will do. */
static size_t holder(const struct work *w, int32_t first, int32_t last)
{
    for (size_t k = 0; k < w->in->n_pods; k++) {
        size_t i = w->pod_order[k];
        const struct ebb_ports_pod_result *r = &w->out->pods[i];
        if ((r->state == EBB_PORTS_POD_KEPT || r->state == EBB_PORTS_POD_NEW) && r->first <= last &&
            first <= r->last)
            return i;
    }
    return SIZE_MAX;
}

/* Held ranges by first port, then pod order; qsort has no context, so the
 * key carries the result and the rank. */
struct held_key {
    int32_t first;
    size_t rank;
    size_t i;
};

static int cmp_held(const void *pa, const void *pb)
{
    const struct held_key *a = pa, *b = pb;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* Two annotations that intersect: the later pod is flagged, naming the
 * earlier. One sweep by first port, remembering the range that reaches
 * furthest. */
static enum ebb_rc find_overlaps(struct work *w)
{
    struct ebb_ports_pod_result *res = w->out->pods;
    struct held_key *k;

    if (w->n_held < 2)
        return EBB_OK;
    k = calloc(w->n_held, sizeof(*k));
    if (k == NULL)
        return EBB_ERR_NOMEM;
    for (size_t j = 0; j < w->n_held; j++)
        k[j] = (struct held_key){res[w->held[j]].first, w->rank[w->held[j]], w->held[j]};
    qsort(k, w->n_held, sizeof(*k), cmp_held);
    size_t reach = k[0].i;
    for (size_t j = 1; j < w->n_held; j++) {
        size_t i = k[j].i;
        if (res[i].first <= res[reach].last) {
            bool later = w->rank[i] > w->rank[reach];
            size_t late = later ? i : reach, early = later ? reach : i;
            res[late].why = EBB_PORTS_WHY_OVERLAP;
            res[late].other = early;
        }
        if (res[i].last > res[reach].last)
            reach = i;
    }
    free(k);
    return EBB_OK;
}

/* Rule 2: every live annotation is kept and blocks what it touches. */
static enum ebb_rc keep_held(struct work *w)
{
    const struct ebb_ports_input *in = w->in;

    for (size_t k = 0; k < in->n_pods; k++) {
        size_t i = w->pod_order[k];
        const struct ebb_ports_pod *pod = &in->pods[i];
        struct ebb_ports_pod_result *r = &w->out->pods[i];

        w->rank[i] = k;
        if (pod->gone) {
            r->why = EBB_PORTS_WHY_GONE;
            continue;
        }
        if (!pod->has_range || pod->first < 1 || pod->first > pod->last ||
            pod->last > EBB_PORTS_MAX_PORT)
            continue;
        r->state = EBB_PORTS_POD_KEPT;
        r->first = pod->first;
        r->last = pod->last;
        w->held[w->n_held++] = i;
        for (size_t q = 0; q < w->n_pools; q++)
            ebb_port_pool_hold(w->pools[q].pool, pod->first, pod->last);

        /* Where the range sits in the layout of today, if anywhere. */
        const struct ebb_ports_policy *p = policy_of(w, pod);
        size_t j = pod->policy == EBB_PORTS_NO_POLICY ? SIZE_MAX : w->pool_of[pod->policy];
        r->stale = true;
        if (j == SIZE_MAX)
            continue;
        const struct pool_rec *pr = &w->pools[j];
        int64_t off = (int64_t)pod->first - pr->base;
        if (off >= 0 && off % pr->size == 0 && off / pr->size < ebb_port_pool_slots(pr->pool) &&
            pod->last - pod->first + 1 == pr->size) {
            r->slot = (int32_t)(off / pr->size);
            r->stale = p->kind == EBB_PORTS_STATEFULSET && r->slot != pod->ordinal;
        }
    }
    return find_overlaps(w);
}

static void give(struct work *w, size_t i, int32_t slot, bool from_configmap)
{
    struct ebb_ports_pod_result *r = &w->out->pods[i];
    const struct pool_rec *pr = &w->pools[w->pool_of[w->in->pods[i].policy]];

    r->state = EBB_PORTS_POD_NEW;
    r->why = EBB_PORTS_WHY_OK;
    r->slot = slot;
    ebb_port_pool_slot_range(pr->pool, slot, &r->first, &r->last);
    r->from_configmap = from_configmap;
}

static void wait_for(struct ebb_ports_pod_result *r, enum ebb_ports_why why)
{
    r->state = EBB_PORTS_POD_WAITING;
    r->why = why;
}

/* The ConfigMap's entry for a pod, or NULL. */
static const struct ebb_port_assignment *hint_for(const struct work *w, size_t policy,
                                                  const char *pod)
{
    struct ebb_port_assignment a = {.pod = (char *)(uintptr_t)pod};
    struct hint key = {.policy = policy, .a = &a};
    const struct hint *h;

    if (w->n_hints == 0 || pod == NULL)
        return NULL;
    h = bsearch(&key, w->hints, w->n_hints, sizeof(*w->hints), cmp_hint);
    return h != NULL ? h->a : NULL;
}

/* The slot a ConfigMap entry names, when it is a free slot of the layout. */
static int32_t hinted_slot(const struct pool_rec *pr, const struct ebb_port_assignment *a)
{
    if (a == NULL)
        return -1;
    int64_t off = (int64_t)a->first - pr->base;
    if (off < 0 || off % pr->size != 0 || a->last - a->first + 1 != pr->size ||
        off / pr->size >= ebb_port_pool_slots(pr->pool))
        return -1;
    return ebb_port_pool_slot_free(pr->pool, (int32_t)(off / pr->size)) ? (int32_t)(off / pr->size)
                                                                        : -1;
}

/* Rules 3-5: pods without a range, in three passes so that a StatefulSet
 * ordinal and a published range are never beaten by a lowest-free pick. */
static void place(struct work *w)
{
    const struct ebb_ports_input *in = w->in;

    for (int pass = 0; pass < 3; pass++) {
        for (size_t k = 0; k < in->n_pods; k++) {
            size_t i = w->pod_order[k];
            const struct ebb_ports_pod *pod = &in->pods[i];
            struct ebb_ports_pod_result *r = &w->out->pods[i];
            const struct ebb_ports_policy *p = policy_of(w, pod);

            if (pod->gone || r->state != EBB_PORTS_POD_NONE)
                continue;
            if (pass == 0) {
                enum ebb_ports_policy_state ps =
                    p == NULL ? EBB_PORTS_POLICY_NONE : w->out->policies[pod->policy].state;
                if (ps == EBB_PORTS_POLICY_NONE)
                    r->why = EBB_PORTS_WHY_NO_POLICY;
                else if (ps == EBB_PORTS_POLICY_CONFLICT)
                    r->why = EBB_PORTS_WHY_POLICY_CONFLICT;
                else if (ps == EBB_PORTS_POLICY_INVALID)
                    r->why = EBB_PORTS_WHY_POLICY_INVALID;
            }
            if (r->why != EBB_PORTS_WHY_OK)
                continue;
            struct pool_rec *pr = &w->pools[w->pool_of[pod->policy]];
            int32_t slots = ebb_port_pool_slots(pr->pool);
            if (p->kind == EBB_PORTS_STATEFULSET) {
                if (pass != 0)
                    continue;
                if (pod->ordinal < 0) {
                    wait_for(r, EBB_PORTS_WHY_NO_ORDINAL);
                } else if (pod->ordinal >= slots) {
                    wait_for(r, EBB_PORTS_WHY_OUTSIDE_POOL);
                } else if (!ebb_port_pool_slot_free(pr->pool, pod->ordinal)) {
                    int32_t f, l;
                    ebb_port_pool_slot_range(pr->pool, pod->ordinal, &f, &l);
                    wait_for(r, EBB_PORTS_WHY_SLOT_TAKEN);
                    r->other = holder(w, f, l);
                } else {
                    ebb_port_pool_hold(pr->pool, pr->base + pod->ordinal * pr->size,
                                       pr->base + (pod->ordinal + 1) * pr->size - 1);
                    give(w, i, pod->ordinal, false);
                }
            } else if (pass == 1) {
                int32_t s = hinted_slot(pr, hint_for(w, pod->policy, pod->name));
                if (s >= 0) {
                    ebb_port_pool_hold(pr->pool, pr->base + s * pr->size,
                                       pr->base + (s + 1) * pr->size - 1);
                    give(w, i, s, true);
                }
            } else if (pass == 2) {
                int32_t s = ebb_port_pool_alloc(pr->pool, pr->reserved);
                if (s >= 0)
                    give(w, i, s, false);
                else
                    wait_for(r, EBB_PORTS_WHY_POOL_FULL);
            }
        }
    }
}

static enum ebb_rc summarize(struct work *w)
{
    const struct ebb_ports_input *in = w->in;

    for (size_t i = 0; i < in->n_pods; i++) {
        const struct ebb_ports_pod *pod = &in->pods[i];
        const struct ebb_ports_pod_result *r = &w->out->pods[i];
        if (pod->policy == EBB_PORTS_NO_POLICY)
            continue;
        struct ebb_ports_policy_result *pr = &w->out->policies[pod->policy];
        if (r->state == EBB_PORTS_POD_KEPT || r->state == EBB_PORTS_POD_NEW)
            pr->held++;
        else if (r->state == EBB_PORTS_POD_WAITING)
            pr->waiting++;
    }
    for (size_t i = 0; i < in->n_policies; i++) {
        const struct ebb_ports_policy *p = &in->policies[i];
        struct ebb_ports_policy_result *r = &w->out->policies[i];
        if (r->state == EBB_PORTS_POLICY_NONE)
            continue;
        if (r->state != EBB_PORTS_POLICY_OK) {
            r->capacity = r->held;
            continue;
        }
        const struct pool_rec *pr = &w->pools[w->pool_of[i]];
        if (p->kind == EBB_PORTS_DEPLOYMENT) {
            r->capacity = r->held + ebb_port_pool_count_free(pr->pool, pr->reserved);
        } else {
            bool *live = calloc((size_t)r->slots + 1, sizeof(*live));
            if (live == NULL)
                return EBB_ERR_NOMEM;
            for (size_t k = 0; k < in->n_pods; k++)
                if (in->pods[k].policy == i && !in->pods[k].gone && in->pods[k].ordinal >= 0 &&
                    in->pods[k].ordinal < r->slots)
                    live[in->pods[k].ordinal] = true;
            int32_t c = 0;
            while (c < r->slots && (live[c] || ebb_port_pool_slot_free(pr->pool, c)))
                c++;
            r->capacity = c;
            free(live);
        }
        if (r->waiting > 0)
            snprintf(r->message, sizeof(r->message),
                     "%d pod(s) wait for a range of channel port pool %s (ports %d-%d, %d "
                     "slots): no free slot fits",
                     (int)r->waiting, pr->name, (int)pr->base, (int)pr->limit, (int)r->slots);
    }
    return EBB_OK;
}

static enum ebb_rc build_hints(struct work *w)
{
    const struct ebb_ports_input *in = w->in;
    size_t n = 0;

    for (size_t i = 0; i < in->n_policies; i++)
        if (in->policies[i].published != NULL)
            n += in->policies[i].n_published;
    if (n == 0)
        return EBB_OK;
    w->hints = calloc(n, sizeof(*w->hints));
    if (w->hints == NULL)
        return EBB_ERR_NOMEM;
    for (size_t i = 0; i < in->n_policies; i++)
        for (size_t k = 0; in->policies[i].published != NULL && k < in->policies[i].n_published;
             k++)
            if (in->policies[i].published[k].pod != NULL)
                w->hints[w->n_hints++] = (struct hint){i, &in->policies[i].published[k]};
    qsort(w->hints, w->n_hints, sizeof(*w->hints), cmp_hint);
    return EBB_OK;
}

enum ebb_rc ebb_ports_assign(const struct ebb_ports_input *in, struct ebb_ports_result *out)
{
    struct work w = {.in = in, .out = out};
    enum ebb_rc rc = EBB_ERR_NOMEM;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < in->n_pods; i++)
        if (in->pods[i].policy != EBB_PORTS_NO_POLICY && in->pods[i].policy >= in->n_policies)
            return EBB_ERR_INVALID;
    out->pods = calloc(in->n_pods ? in->n_pods : 1, sizeof(*out->pods));
    out->policies = calloc(in->n_policies ? in->n_policies : 1, sizeof(*out->policies));
    w.pol_order = order(in->policies, in->n_policies, sizeof(*in->policies), cmp_policy);
    w.pod_order = order(in->pods, in->n_pods, sizeof(*in->pods), cmp_pod);
    w.pool_of = malloc((in->n_policies ? in->n_policies : 1) * sizeof(*w.pool_of));
    w.pools = calloc(in->n_policies ? in->n_policies : 1, sizeof(*w.pools));
    w.rank = malloc((in->n_pods ? in->n_pods : 1) * sizeof(*w.rank));
    w.held = malloc((in->n_pods ? in->n_pods : 1) * sizeof(*w.held));
    if (out->pods == NULL || out->policies == NULL || w.pol_order == NULL || w.pod_order == NULL ||
        w.pool_of == NULL || w.pools == NULL || w.rank == NULL || w.held == NULL)
        goto out;
    out->n_pods = in->n_pods;
    out->n_policies = in->n_policies;
    for (size_t i = 0; i < in->n_pods; i++)
        out->pods[i] = (struct ebb_ports_pod_result){.slot = -1, .other = SIZE_MAX};
    for (size_t i = 0; i < in->n_policies; i++) {
        w.pool_of[i] = SIZE_MAX;
        out->policies[i] = (struct ebb_ports_policy_result){
            .conflict_with = SIZE_MAX, .pool_owner = SIZE_MAX, .slots = -1, .capacity = EBB_UNSET};
    }
    if ((rc = define_pools(&w)) != EBB_OK || (rc = build_hints(&w)) != EBB_OK)
        goto out;
    if ((rc = keep_held(&w)) != EBB_OK)
        goto out;
    place(&w);
    rc = summarize(&w);
out:
    for (size_t q = 0; q < w.n_pools; q++)
        ebb_port_pool_free(w.pools[q].pool);
    free(w.pools);
    free(w.pool_of);
    free(w.pol_order);
    free(w.pod_order);
    free(w.rank);
    free(w.held);
    free(w.hints);
    if (rc != EBB_OK)
        ebb_ports_result_release(out);
    return rc;
}

void ebb_ports_result_release(struct ebb_ports_result *r)
{
    if (r == NULL)
        return;
    free(r->pods);
    free(r->policies);
    memset(r, 0, sizeof(*r));
}

int32_t ebb_ports_capacity(const struct ebb_ports_result *r, size_t policy)
{
    if (r == NULL || policy >= r->n_policies)
        return EBB_UNSET;
    return r->policies[policy].capacity;
}

static int cmp_assignment(const void *pa, const void *pb)
{
    const struct ebb_port_assignment *a = pa, *b = pb;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return str_cmp(a->pod, b->pod);
}

size_t ebb_ports_collect(const struct ebb_ports_input *in, const struct ebb_ports_result *r,
                         size_t policy, struct ebb_port_assignment *buf, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n_pods && i < in->n_pods; i++)
        if (in->pods[i].policy == policy &&
            (r->pods[i].state == EBB_PORTS_POD_KEPT || r->pods[i].state == EBB_PORTS_POD_NEW))
            n++;
    if (n > cap || buf == NULL)
        return n;
    size_t k = 0;
    for (size_t i = 0; i < r->n_pods && i < in->n_pods; i++)
        if (in->pods[i].policy == policy &&
            (r->pods[i].state == EBB_PORTS_POD_KEPT || r->pods[i].state == EBB_PORTS_POD_NEW))
            buf[k++] = (struct ebb_port_assignment){
                .slot = r->pods[i].slot,
                .pod = (char *)(uintptr_t)in->pods[i].name,
                .first = r->pods[i].first,
                .last = r->pods[i].last,
            };
    qsort(buf, n, sizeof(*buf), cmp_assignment);
    return n;
}
