/* ports_property_test.c -- issue 6 point 5: the channel port allocator under
 * 10,000 random sequences (a seeded generator: the same ones on every run)
 * of scale up/down, pod deletions, failures and restarts, operator restarts
 * and leader changes that cut a publication short, policy edits (pool, base,
 * rangeSize, limit), deletions and re-creations, against a model of the API.
 *
 * The operator in the model has no memory: every reconcile calls
 * ebb_ports_assign() on what the model's API shows, then publishes (pod
 * annotations, then the ConfigMap; a crash or a lost lease stops it part way,
 * sometimes after the ConfigMap and before the annotations). After every step
 * it asserts the four invariants of point 5:
 *   I1 no two live pods hold intersecting ranges (one pool, or any two);
 *   I2 every live pod of a policy whose pool is OK holds exactly one range,
 *      and one of its pool's current slots unless it got it before the last
 *      edit of the policy's ports -- or it waits, and the model itself sees
 *      why (its ordinal's slot is missing or touched by a live range; or no
 *      slot above the reservation is clear);
 *   I3 a StatefulSet pod holds the slot of its ordinal (same proviso);
 *   I4 no pod's range ever changes while it lives;
 * and also: the same API state listed in another order gives the same
 * ranges; a second reconcile after a full publication assigns nothing new;
 * a scale-up within the capacity reported makes no pod wait.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../pkg/ports/ports.h"

#define SEQUENCES 10000
#define STEPS 40
#define NPOL 3
#define MAXPODS 48

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

static int pick(struct rng *r, int n)
{
    return (int)(next(r) % (uint64_t)n);
}

struct mpolicy {
    bool exists;
    char name[8];
    int64_t created;
    enum ebb_ports_kind kind;
    int32_t max;
    int32_t replicas;
    char pool[4];
    struct ebb_channel_ports cp;
    int epoch; /* bumped by every edit of channelPorts */
    int next_id;
    struct ebb_port_assignment cm[MAXPODS];
    char cm_names[MAXPODS][16];
    size_t n_cm;
};

struct mpod {
    bool live;   /* in the API */
    bool failed; /* phase Failed */
    char name[16];
    int policy;
    int32_t ordinal;
    int64_t created;
    bool has;
    int32_t first, last;
    int epoch; /* the policy's epoch when the range was published */
};

struct model {
    struct mpolicy pol[NPOL];
    struct mpod pods[MAXPODS];
    int64_t clock;
    struct rng rng;
    /* what the last call saw, by model index */
    int32_t capacity[NPOL];
    enum ebb_ports_policy_state state[NPOL];
    int32_t reserved[NPOL];
    long assigned, waited, conflicts, edits, crashes;
};

/* ---- the model's API, as ebb_ports_assign() input ---- */

struct view {
    struct ebb_ports_policy pols[NPOL];
    int pol_of[NPOL]; /* view index -> model index */
    int view_of[NPOL];
    size_t np;
    struct ebb_ports_pod pods[MAXPODS];
    int pod_of[MAXPODS];
    size_t nd;
};

static void make_view(const struct model *m, struct view *v, bool reverse)
{
    memset(v, 0, sizeof(*v));
    for (int k = 0; k < NPOL; k++) {
        int i = reverse ? NPOL - 1 - k : k;
        v->view_of[i] = -1;
        if (!m->pol[i].exists)
            continue;
        const struct mpolicy *p = &m->pol[i];
        v->view_of[i] = (int)v->np;
        v->pol_of[v->np] = i;
        v->pols[v->np++] = (struct ebb_ports_policy){.ns = "ns",
                                                     .name = p->name,
                                                     .created_ms = p->created,
                                                     .kind = p->kind,
                                                     .max_replicas = p->max,
                                                     .ports = &p->cp,
                                                     .published = p->cm,
                                                     .n_published = p->n_cm};
    }
    for (int k = 0; k < MAXPODS; k++) {
        int i = reverse ? MAXPODS - 1 - k : k;
        const struct mpod *d = &m->pods[i];
        if (!d->live)
            continue;
        int vp = d->policy >= 0 ? v->view_of[d->policy] : -1;
        v->pod_of[v->nd] = i;
        v->pods[v->nd++] =
            (struct ebb_ports_pod){.ns = "ns",
                                   .name = d->name,
                                   .created_ms = d->created,
                                   .policy = vp < 0 ? EBB_PORTS_NO_POLICY : (size_t)vp,
                                   .ordinal = d->ordinal,
                                   .gone = d->failed,
                                   .has_range = d->has,
                                   .first = d->first,
                                   .last = d->last};
    }
}

/* ---- checks ---- */

static bool meets(int32_t a0, int32_t a1, int32_t b0, int32_t b1)
{
    return a0 <= b1 && b0 <= a1;
}

static bool holding(const struct mpod *d)
{
    return d->live && !d->failed && d->has;
}

/* True when a live range of a pod other than `self` touches [f, l]. */
static bool touched(const struct model *m, int self, int32_t f, int32_t l)
{
    for (int j = 0; j < MAXPODS; j++)
        if (j != self && holding(&m->pods[j]) && meets(f, l, m->pods[j].first, m->pods[j].last))
            return true;
    return false;
}

static int32_t slots_of(const struct ebb_channel_ports *cp)
{
    return ebb_ports_slots(cp);
}

/* full: a reconcile ran to the end, so a pod without a range must wait. */
static void check_invariants(const struct model *m, bool full, const char *when, int seq, int step)
{
    for (int i = 0; i < MAXPODS; i++) {
        const struct mpod *d = &m->pods[i];
        if (!holding(d))
            continue;
        /* I1 */
        for (int j = i + 1; j < MAXPODS; j++)
            if (holding(&m->pods[j]) && meets(d->first, d->last, m->pods[j].first, m->pods[j].last))
                fail_msg("seq %d step %d (%s): I1: %s %d-%d and %s %d-%d intersect", seq, step,
                         when, d->name, d->first, d->last, m->pods[j].name, m->pods[j].first,
                         m->pods[j].last);
    }
    for (int i = 0; i < MAXPODS; i++) {
        const struct mpod *d = &m->pods[i];
        if (!d->live || d->failed || d->policy < 0)
            continue;
        const struct mpolicy *p = &m->pol[d->policy];
        if (!p->exists || m->state[d->policy] != EBB_PORTS_POLICY_OK)
            continue;
        const struct ebb_channel_ports *cp = &p->cp;
        int32_t slots = slots_of(cp);
        if (d->has) {
            if (d->epoch != p->epoch)
                continue; /* kept from before the edit: may be anywhere */
            int32_t off = d->first - cp->base;
            if (off < 0 || off % cp->range_size != 0 || d->last - d->first + 1 != cp->range_size ||
                off / cp->range_size >= slots)
                fail_msg("seq %d step %d (%s): I2: %s holds %d-%d, no slot of %d/%d/%d", seq, step,
                         when, d->name, d->first, d->last, cp->base, cp->range_size, cp->limit);
            if (p->kind == EBB_PORTS_STATEFULSET && off / cp->range_size != d->ordinal)
                fail_msg("seq %d step %d (%s): I3: %s holds slot %d", seq, step, when, d->name,
                         off / cp->range_size);
            continue;
        }
        if (!full)
            continue;
        /* No range: the model must see why. */
        bool why = false;
        if (p->kind == EBB_PORTS_STATEFULSET) {
            why = d->ordinal >= slots || touched(m, i, cp->base + d->ordinal * cp->range_size,
                                                 cp->base + (d->ordinal + 1) * cp->range_size - 1);
        } else {
            why = true;
            for (int32_t s = m->reserved[d->policy]; s < slots && why; s++)
                if (!touched(m, i, cp->base + s * cp->range_size,
                             cp->base + (s + 1) * cp->range_size - 1))
                    why = false;
        }
        if (!why)
            fail_msg("seq %d step %d (%s): I2: %s of %s holds no range, and a slot is clear", seq,
                     step, when, d->name, p->name);
    }
}

/* ---- the operator ---- */

static int order_rank(const struct model *m, int pol)
{
    int r = 0;
    for (int j = 0; j < NPOL; j++)
        if (j != pol && m->pol[j].exists &&
            (m->pol[j].created < m->pol[pol].created ||
             (m->pol[j].created == m->pol[pol].created &&
              strcmp(m->pol[j].name, m->pol[pol].name) < 0)))
            r++;
    return r;
}

/* One reconcile. cut >= 0: the operator stops after `cut` annotation patches
 * (and, when cm_first, after writing every ConfigMap first). */
static void reconcile(struct model *m, int cut, bool cm_first, int seq, int step)
{
    struct view v, w;
    struct ebb_ports_result r, s;

    make_view(m, &v, false);
    assert_int_equal(ebb_ports_assign(&(struct ebb_ports_input){v.pols, v.np, v.pods, v.nd}, &r),
                     EBB_OK);
    /* Determinism: the same state listed backwards. */
    make_view(m, &w, true);
    assert_int_equal(ebb_ports_assign(&(struct ebb_ports_input){w.pols, w.np, w.pods, w.nd}, &s),
                     EBB_OK);
    for (size_t a = 0; a < v.nd; a++) {
        size_t b = 0;
        while (w.pod_of[b] != v.pod_of[a])
            b++;
        if (r.pods[a].state != s.pods[b].state || r.pods[a].first != s.pods[b].first ||
            r.pods[a].last != s.pods[b].last)
            fail_msg("seq %d step %d: %s differs with the input reversed", seq, step,
                     v.pods[a].name);
    }
    for (size_t a = 0; a < v.np; a++)
        assert_int_equal(r.policies[a].capacity, s.policies[w.view_of[v.pol_of[a]]].capacity);
    ebb_ports_result_release(&s);

    for (int i = 0; i < NPOL; i++) {
        m->state[i] = EBB_PORTS_POLICY_NONE;
        m->capacity[i] = EBB_UNSET;
        m->reserved[i] = 0;
        if (v.view_of[i] >= 0) {
            const struct ebb_ports_policy_result *pr = &r.policies[v.view_of[i]];
            m->state[i] = pr->state;
            m->capacity[i] = pr->capacity;
            m->reserved[i] = pr->reserved;
            if (pr->state == EBB_PORTS_POLICY_CONFLICT) {
                m->conflicts++;
                /* the policy it names was created before it */
                int o = v.pol_of[pr->conflict_with];
                if (order_rank(m, o) >= order_rank(m, i))
                    fail_msg("seq %d step %d: %s conflicts with later %s", seq, step,
                             m->pol[i].name, m->pol[o].name);
            }
        }
    }
    /* I4, as the allocator answers: a range in an annotation is kept. */
    for (size_t a = 0; a < v.nd; a++) {
        const struct ebb_ports_pod *in = &v.pods[a];
        const struct ebb_ports_pod_result *out = &r.pods[a];
        if (in->has_range && !in->gone &&
            (out->state != EBB_PORTS_POD_KEPT || out->first != in->first || out->last != in->last))
            fail_msg("seq %d step %d: I4: %s %d-%d came back %d %d-%d", seq, step, in->name,
                     in->first, in->last, out->state, out->first, out->last);
        if (out->state == EBB_PORTS_POD_NEW && in->has_range)
            fail_msg("seq %d step %d: a new range for %s, which has one", seq, step, in->name);
        if (out->state == EBB_PORTS_POD_WAITING)
            m->waited++;
    }

    /* Publish: ConfigMaps (first or last), annotations one by one. */
    for (int pass = 0; pass < 2; pass++) {
        bool cms = (pass == 0) == cm_first;
        if (cms) {
            for (size_t a = 0; a < v.np; a++) {
                struct mpolicy *p = &m->pol[v.pol_of[a]];
                struct ebb_port_assignment tmp[MAXPODS];
                size_t n = ebb_ports_collect(&(struct ebb_ports_input){v.pols, v.np, v.pods, v.nd},
                                             &r, a, tmp, MAXPODS);
                assert_true(n <= MAXPODS);
                for (size_t k = 0; k < n; k++) {
                    assert_true(k == 0 || tmp[k - 1].first <= tmp[k].first);
                    snprintf(p->cm_names[k], sizeof(p->cm_names[k]), "%s", tmp[k].pod);
                    p->cm[k] = tmp[k];
                    p->cm[k].pod = p->cm_names[k];
                }
                p->n_cm = n;
            }
            continue;
        }
        for (size_t a = 0; a < v.nd; a++) {
            if (r.pods[a].state != EBB_PORTS_POD_NEW)
                continue;
            if (cut == 0)
                goto stop;
            if (cut > 0)
                cut--;
            struct mpod *d = &m->pods[v.pod_of[a]];
            assert_false(d->has); /* I4: an annotation is written once */
            d->has = true;
            d->first = r.pods[a].first;
            d->last = r.pods[a].last;
            d->epoch = m->pol[d->policy].epoch;
            m->assigned++;
        }
    }
stop:
    ebb_ports_result_release(&r);
}

/* ---- the model's workloads ---- */

static int free_pod(struct model *m)
{
    for (int i = 0; i < MAXPODS; i++)
        if (!m->pods[i].live)
            return i;
    return -1;
}

static void new_pod(struct model *m, int pol, int32_t ordinal)
{
    int i = free_pod(m);
    if (i < 0)
        return;
    struct mpolicy *p = &m->pol[pol];
    struct mpod *d = &m->pods[i];
    memset(d, 0, sizeof(*d));
    d->live = true;
    d->policy = pol;
    d->ordinal = ordinal;
    d->created = ++m->clock;
    if (p->kind == EBB_PORTS_STATEFULSET)
        snprintf(d->name, sizeof(d->name), "w%d-%d", pol, (int)ordinal);
    else
        snprintf(d->name, sizeof(d->name), "w%d-%d", pol, p->next_id++);
}

static int count_pods(const struct model *m, int pol)
{
    int n = 0;
    for (int i = 0; i < MAXPODS; i++)
        if (m->pods[i].live && !m->pods[i].failed && m->pods[i].policy == pol)
            n++;
    return n;
}

/* The workload controller: replicas pods, StatefulSet ordinals 0..n-1. */
static void converge(struct model *m, int pol)
{
    struct mpolicy *p = &m->pol[pol];
    if (p->kind == EBB_PORTS_STATEFULSET) {
        for (int i = 0; i < MAXPODS; i++)
            if (m->pods[i].live && m->pods[i].policy == pol && m->pods[i].ordinal >= p->replicas)
                m->pods[i].live = false;
        for (int32_t o = 0; o < p->replicas; o++) {
            bool have = false;
            for (int i = 0; i < MAXPODS && !have; i++)
                have = m->pods[i].live && m->pods[i].policy == pol && m->pods[i].ordinal == o;
            if (!have)
                new_pod(m, pol, o);
        }
        return;
    }
    while (count_pods(m, pol) > p->replicas) {
        int victims[MAXPODS], n = 0;
        for (int i = 0; i < MAXPODS; i++)
            if (m->pods[i].live && !m->pods[i].failed && m->pods[i].policy == pol)
                victims[n++] = i;
        m->pods[victims[pick(&m->rng, n)]].live = false;
    }
    while (count_pods(m, pol) < p->replicas && free_pod(m) >= 0)
        new_pod(m, pol, -1);
}

static void random_ports(struct model *m, int pol)
{
    struct mpolicy *p = &m->pol[pol];
    static const int32_t bases[] = {7000, 7040, 7100, 7300};
    static const int32_t sizes[] = {10, 20, 30};
    int canonical = pick(&m->rng, 10);

    if (pick(&m->rng, 8) == 0)
        snprintf(p->pool, sizeof(p->pool), "%s", pick(&m->rng, 2) ? "p" : "q");
    p->cp.pool = p->pool;
    p->cp.set = true;
    if (canonical < 6 && strcmp(p->pool, "p") == 0) {
        p->cp.base = 7000, p->cp.range_size = 20, p->cp.limit = 7000 + 8 * 20 - 1;
    } else if (canonical < 6) {
        p->cp.base = 7300, p->cp.range_size = 10, p->cp.limit = 7300 + 6 * 10 - 1;
    } else {
        p->cp.base = bases[pick(&m->rng, 4)];
        p->cp.range_size = sizes[pick(&m->rng, 3)];
        p->cp.limit = p->cp.base + (3 + pick(&m->rng, 6)) * p->cp.range_size - 1 +
                      pick(&m->rng, 2) * (p->cp.range_size / 2);
    }
    /* Validation keeps maxReplicas within the slots. */
    int32_t slots = slots_of(&p->cp);
    if (p->max > slots)
        p->max = slots;
    if (p->replicas > p->max)
        p->replicas = p->max;
    p->epoch++;
}

static void create_policy(struct model *m, int pol)
{
    struct mpolicy *p = &m->pol[pol];
    int epoch = p->epoch, next_id = p->next_id;
    memset(p, 0, sizeof(*p));
    p->exists = true;
    p->epoch = epoch;
    p->next_id = next_id;
    snprintf(p->name, sizeof(p->name), "w%d", pol);
    p->created = ++m->clock;
    p->kind = pol == 0   ? EBB_PORTS_DEPLOYMENT
              : pol == 2 ? EBB_PORTS_STATEFULSET
                         : (pick(&m->rng, 2) ? EBB_PORTS_STATEFULSET : EBB_PORTS_DEPLOYMENT);
    /* A re-created policy targets the same workload: same kind. */
    for (int i = 0; i < MAXPODS; i++)
        if (m->pods[i].live && m->pods[i].policy == pol)
            p->kind = m->pods[i].ordinal >= 0 ? EBB_PORTS_STATEFULSET : EBB_PORTS_DEPLOYMENT;
    snprintf(p->pool, sizeof(p->pool), "%s", pol == 2 ? "q" : "p");
    p->max = 2 + pick(&m->rng, 5);
    random_ports(m, pol);
    int32_t have = count_pods(m, pol), slots = slots_of(&p->cp);
    if (have > p->max)
        p->max = have < slots ? have : slots;
    p->replicas = have < p->max ? have : p->max;
}

/* Nothing is in flight: every workload has its pods, none failed, and every
 * pod of a policy whose pool is OK holds a range. */
static bool quiet(const struct model *m)
{
    for (int i = 0; i < MAXPODS; i++) {
        const struct mpod *d = &m->pods[i];
        if (!d->live)
            continue;
        if (d->failed)
            return false;
        if (d->policy >= 0 && m->pol[d->policy].exists &&
            m->state[d->policy] == EBB_PORTS_POLICY_OK && !d->has)
            return false;
    }
    for (int i = 0; i < NPOL; i++)
        if (m->pol[i].exists && count_pods(m, i) != m->pol[i].replicas)
            return false;
    return true;
}

/* One random event. Returns the policy scaled up within capacity from a
 * quiet state, or -1. */
static int event(struct model *m)
{
    int pol = pick(&m->rng, NPOL);
    struct mpolicy *p = &m->pol[pol];
    int e = pick(&m->rng, 100);

    /* Failed pods are cleaned up and replaced first, as the controllers would. */
    for (int i = 0; i < MAXPODS; i++)
        if (m->pods[i].live && m->pods[i].failed)
            m->pods[i].live = false;
    for (int i = 0; i < NPOL; i++)
        if (m->pol[i].exists)
            converge(m, i);

    if (!p->exists) {
        if (e < 50)
            create_policy(m, pol);
        return -1;
    }
    if (e < 30) { /* scale up, as the decision core would: within capacity */
        int32_t cur = p->replicas;
        int32_t room = m->capacity[pol] > cur ? m->capacity[pol] : cur;
        int32_t top = room < p->max ? room : p->max;
        if (top > cur) {
            bool calm = quiet(m);
            p->replicas = cur + 1 + pick(&m->rng, top - cur);
            converge(m, pol);
            return calm && m->state[pol] == EBB_PORTS_POLICY_OK ? pol : -1;
        }
    } else if (e < 45) { /* scale down */
        if (p->replicas > 0)
            p->replicas = pick(&m->rng, p->replicas);
        converge(m, pol);
    } else if (e < 62) { /* a pod is deleted (its controller re-creates it) */
        int c[MAXPODS], n = 0;
        for (int i = 0; i < MAXPODS; i++)
            if (m->pods[i].live && !m->pods[i].failed)
                c[n++] = i;
        if (n > 0)
            m->pods[c[pick(&m->rng, n)]].live = false;
        converge(m, pol);
    } else if (e < 72) { /* a pod fails: a Deployment replaces it at once */
        int c[MAXPODS], n = 0;
        for (int i = 0; i < MAXPODS; i++)
            if (m->pods[i].live && !m->pods[i].failed && m->pods[i].policy >= 0)
                c[n++] = i;
        if (n > 0) {
            struct mpod *d = &m->pods[c[pick(&m->rng, n)]];
            d->failed = true;
            if (m->pol[d->policy].exists && m->pol[d->policy].kind == EBB_PORTS_DEPLOYMENT)
                converge(m, d->policy);
        }
    } else if (e < 84) { /* policy edit */
        m->edits++;
        random_ports(m, pol);
        converge(m, pol);
    } else if (e < 90) { /* policy deleted: its pods live on, unmanaged */
        p->exists = false;
    } else if (e < 95) { /* orphans go away with their workload */
        for (int i = 0; i < MAXPODS; i++)
            if (m->pods[i].live && m->pods[i].policy >= 0 && !m->pol[m->pods[i].policy].exists &&
                pick(&m->rng, 2))
                m->pods[i].live = false;
    }
    return -1;
}

struct totals {
    long assigned, waited, conflicts, edits, crashes, steps;
};

static void run_sequence(int seq, struct totals *t)
{
    struct model *m = test_calloc(1, sizeof(*m));
    assert_non_null(m);
    m->rng.s = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)seq * 0x100000001b3ULL) ^ 1;
    for (int i = 0; i < NPOL; i++) {
        m->capacity[i] = EBB_UNSET;
        if (pick(&m->rng, 3))
            create_policy(m, i);
    }
    reconcile(m, -1, false, seq, 0);

    for (int step = 1; step <= STEPS; step++) {
        int grew = event(m);
        int mode = pick(&m->rng, 10);
        if (mode == 0 || mode == 1) {
            /* An operator restart or a leader change: cut short, then a
             * new process (no memory) reconciles from the API. */
            m->crashes++;
            reconcile(m, pick(&m->rng, 3), mode == 1, seq, step);
            check_invariants(m, false, "cut", seq, step);
        }
        reconcile(m, -1, pick(&m->rng, 2), seq, step);
        check_invariants(m, true, "reconciled", seq, step);

        /* Idempotence: again, and nothing new may be assigned. */
        long before = m->assigned;
        reconcile(m, -1, false, seq, step);
        if (m->assigned != before)
            fail_msg("seq %d step %d: a second reconcile assigned %ld more", seq, step,
                     m->assigned - before);
        /* A scale-up within capacity leaves no pod of it waiting. */
        if (grew >= 0 && m->state[grew] == EBB_PORTS_POLICY_OK)
            for (int i = 0; i < MAXPODS; i++) {
                const struct mpod *d = &m->pods[i];
                if (d->live && !d->failed && d->policy == grew && !d->has)
                    fail_msg("seq %d step %d: %s waits after a scale-up within capacity", seq, step,
                             d->name);
            }
    }
    t->assigned += m->assigned;
    t->waited += m->waited;
    t->conflicts += m->conflicts;
    t->edits += m->edits;
    t->crashes += m->crashes;
    t->steps += STEPS;
    test_free(m);
}

static void test_random_sequences(void **state)
{
    struct totals t = {0};
    (void)state;
    for (int seq = 0; seq < SEQUENCES; seq++)
        run_sequence(seq, &t);
    /* The sequences must reach the cases they are there for. */
    printf("ports property: %d sequences, %ld steps: %ld ranges published, %ld waits, "
           "%ld conflicts seen, %ld policy edits, %ld cut reconciles\n",
           SEQUENCES, t.steps, t.assigned, t.waited, t.conflicts, t.edits, t.crashes);
    assert_true(t.assigned > 100000);
    assert_true(t.waited > 1000);
    assert_true(t.conflicts > 1000);
    assert_true(t.edits > 10000);
    assert_true(t.crashes > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
