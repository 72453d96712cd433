/*
 * kubesim workload model: the pod lifecycle -- what a scheduler and a
 * kubelet would write, on the simulated clock.
 *
 * A pod is born Pending when kubesim first sees it; PodScheduled
 * with a node and an IP after WL_SCHEDULE_DELAY (or half the startup
 * delay when that is shorter); Running with started, not-ready
 * containers at half the startup delay; Ready at the delay. A pod with
 * a deletionTimestamp turns not ready at once and is removed when its
 * grace (capped by cfg.pod_grace) has passed.
 */
#include "workload_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wl_pod_free(void *v)
{
    struct wl_pod *p = v;

    if (!p)
        return;
    free(p->ns);
    free(p->name);
    free(p);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static bool cond_true(const cJSON *pod, const char *type)
{
    const cJSON *c;

    cJSON_ArrayForEach(c, ks_json_path(pod, "status.conditions"))
    {
        const char *t = ks_json_str(c, "type"), *st = ks_json_str(c, "status");
        if (t && st && !strcmp(t, type))
            return !strcmp(st, "True");
    }
    return false;
}

static enum wl_phase parse_phase(const char *ph)
{
    if (!ph || !strcmp(ph, "Pending"))
        return WL_PENDING;
    if (!strcmp(ph, "Running"))
        return WL_RUNNING;
    if (!strcmp(ph, "Succeeded"))
        return WL_SUCCEEDED;
    if (!strcmp(ph, "Failed"))
        return WL_FAILED;
    return WL_UNKNOWN;
}

static struct wl_pod *pod_new(ks_workload *w, const char *key, const char *ns, const char *name)
{
    struct wl_pod *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->ns = strdup(ns);
    p->name = strdup(name);
    if (!p->ns || !p->name || wl_map_put(&w->pods, key, p, NULL) != KS_OK) {
        wl_pod_free(p);
        return NULL;
    }
    p->seq = w->seq++;
    p->delay = p->ready_since = p->remove_at = p->next_at = p->queued_at = -1;
    p->born = w->now; /* the delay itself is resolved at the next tick */
    return p;
}

void wl_pod_observe(ks_workload *w, const char *type, const cJSON *pod)
{
    const char *ns = ks_json_str(pod, "metadata.namespace");
    const char *name = ks_json_str(pod, "metadata.name");
    char key[600];
    struct wl_pod *p;

    if (!name)
        return;
    if (!ns)
        ns = "";
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    if (!strcmp(type, "DELETED")) {
        wl_pod_free(wl_map_del(&w->pods, key));
        return;
    }
    p = wl_map_get(&w->pods, key);
    if (!p && !(p = pod_new(w, key, ns, name)))
        return;

    const cJSON *ref = wl_controller_ref(pod);
    copy_str(p->uid, sizeof(p->uid), ks_json_str(pod, "metadata.uid"));
    copy_str(p->owner_kind, sizeof(p->owner_kind), ks_json_str(ref, "kind"));
    copy_str(p->owner_name, sizeof(p->owner_name), ks_json_str(ref, "name"));
    copy_str(p->owner_uid, sizeof(p->owner_uid), ks_json_str(ref, "uid"));
    copy_str(p->revision, sizeof(p->revision), wl_label(pod, "controller-revision-hash"));
    if (ks_json_str(pod, "status.podIP"))
        copy_str(p->ip, sizeof(p->ip), ks_json_str(pod, "status.podIP"));
    p->phase = parse_phase(ks_json_str(pod, "status.phase"));
    const char *node = ks_json_str(pod, "spec.nodeName");
    p->scheduled = (node && *node) || cond_true(pod, "PodScheduled");
    p->ready = cond_true(pod, "Ready");
    if (p->ready)
        p->stage = WL_ST_READY;
    else if (p->phase == WL_RUNNING)
        p->stage = WL_ST_RUNNING;
    else if (p->scheduled)
        p->stage = WL_ST_SCHEDULED;
    else
        p->stage = WL_ST_NEW;
    if (p->ready && p->ready_since < 0)
        p->ready_since = w->now;
    else if (!p->ready)
        p->ready_since = -1;
    p->deleting = ks_json_path(pod, "metadata.deletionTimestamp") != NULL;
    p->grace = (double)wl_json_int(pod, "metadata.deletionGracePeriodSeconds", -1);
    const char *cost = wl_annotation(pod, "controller.kubernetes.io/pod-deletion-cost");
    p->cost = 0;
    if (cost) {
        char *end;
        long long c = strtoll(cost, &end, 10);
        if (*cost && !*end && c >= -2147483648LL && c <= 2147483647LL)
            p->cost = c;
    }
    p->created = wl_parse_time(ks_json_str(pod, "metadata.creationTimestamp"), 0);
    const char *d = wl_annotation(pod, WL_STARTUP_ANNOTATION);
    p->pod_delay = -1;
    if (d && *d) {
        char *end;
        double v = strtod(d, &end);
        if (!*end && isfinite(v) && v >= 0 && v <= 1e7)
            p->pod_delay = v;
    }
    (void)wl_map_put(&w->touched, key, NULL, NULL); /* its timers, at the next tick */
}

/* ------------------------------------------------------------------ */
/* Status shapes                                                       */

static void hex_of(const char *a, const char *b, char *out, size_t hexlen)
{
    uint64_t h = 1469598103934665603ull;
    size_t k = 0;

    for (const char *p = a; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (const char *p = b; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    while (k < hexlen) {
        h = (h ^ k) * 1099511628211ull;
        k += (size_t)snprintf(out + k, hexlen - k + 1, "%016llx", (unsigned long long)h);
    }
    out[hexlen] = '\0';
}

static void add_pod_cond(cJSON *arr, const cJSON *old_conds, const char *type, bool ok,
                         const char *reason, const char *msg, double now)
{
    const char *st = ok ? "True" : "False";
    const char *ltt = NULL;
    const cJSON *c;
    char ts[32];
    cJSON *n = cJSON_CreateObject();

    if (!n)
        return;
    cJSON_ArrayForEach(c, old_conds)
    {
        const char *t = ks_json_str(c, "type"), *s = ks_json_str(c, "status");
        if (t && s && !strcmp(t, type) && !strcmp(s, st))
            ltt = ks_json_str(c, "lastTransitionTime");
    }
    ks_time_format(now, ts);
    cJSON_AddStringToObject(n, "type", type);
    cJSON_AddStringToObject(n, "status", st);
    cJSON_AddNullToObject(n, "lastProbeTime");
    cJSON_AddStringToObject(n, "lastTransitionTime", ltt ? ltt : ts);
    if (!ok && reason) {
        cJSON_AddStringToObject(n, "reason", reason);
        cJSON_AddStringToObject(n, "message", msg);
    }
    cJSON_AddItemToArray(arr, n);
}

static const char *old_started_at(const cJSON *old, const char *cname)
{
    const cJSON *c;

    cJSON_ArrayForEach(c, ks_json_path(old, "containerStatuses"))
    {
        const char *n = ks_json_str(c, "name");
        if (n && !strcmp(n, cname))
            return ks_json_str(c, "state.running.startedAt");
    }
    return NULL;
}

static void add_container_statuses(cJSON *st, const cJSON *pod, const cJSON *old, bool ready,
                                   const char *uid, const char *start)
{
    cJSON *arr = cJSON_AddArrayToObject(st, "containerStatuses");
    const cJSON *c;

    if (!arr)
        return;
    cJSON_ArrayForEach(c, ks_json_path(pod, "spec.containers"))
    {
        const char *name = ks_json_str(c, "name"), *image = ks_json_str(c, "image");
        const char *started = name ? old_started_at(old, name) : NULL;
        char id[80], digest[80], buf[160];
        cJSON *cs = cJSON_CreateObject(), *state;

        if (!cs)
            return;
        cJSON_AddItemToArray(arr, cs);
        name = name ? name : "";
        image = image ? image : "";
        hex_of(uid, name, id, 64);
        hex_of(image, "", digest, 64);
        cJSON_AddStringToObject(cs, "name", name);
        state = cJSON_AddObjectToObject(cs, "state");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(state, "running"), "startedAt",
                                started ? started : start);
        cJSON_AddObjectToObject(cs, "lastState");
        cJSON_AddBoolToObject(cs, "ready", ready);
        cJSON_AddNumberToObject(cs, "restartCount", 0);
        cJSON_AddStringToObject(cs, "image", image);
        snprintf(buf, sizeof(buf), "%.70s@sha256:%s", image, digest);
        cJSON_AddStringToObject(cs, "imageID", buf);
        snprintf(buf, sizeof(buf), "containerd://%s", id);
        cJSON_AddStringToObject(cs, "containerID", buf);
        cJSON_AddTrueToObject(cs, "started");
    }
}

/* "containers with unready status: [a b]" */
static void unready_message(const cJSON *pod, char *out, size_t cap)
{
    const cJSON *c;
    size_t k = (size_t)snprintf(out, cap, "containers with unready status: [");
    bool first = true;

    cJSON_ArrayForEach(c, ks_json_path(pod, "spec.containers"))
    {
        const char *n = ks_json_str(c, "name");
        if (n && k < cap)
            k += (size_t)snprintf(out + k, cap - k, "%s%s", first ? "" : " ", n);
        first = false;
    }
    if (k < cap)
        snprintf(out + k, cap - k, "]");
}

static cJSON *build_status(ks_workload *w, struct wl_pod *p, const cJSON *pod, enum wl_stage stage,
                           bool ready, double now)
{
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(pod, "status");
    const cJSON *old_conds = cJSON_GetObjectItemCaseSensitive(old, "conditions");
    cJSON *st = cJSON_CreateObject(), *conds, *ips, *ipo;
    char ts[32], msg[512];
    const char *start;

    if (!st)
        return NULL;
    ks_time_format(now, ts);
    unready_message(pod, msg, sizeof(msg));
    cJSON_AddStringToObject(st, "phase", stage >= WL_ST_RUNNING ? "Running" : "Pending");
    conds = cJSON_AddArrayToObject(st, "conditions");
    if (stage >= WL_ST_RUNNING) {
        add_pod_cond(conds, old_conds, "Initialized", true, NULL, NULL, now);
        add_pod_cond(conds, old_conds, "Ready", ready, "ContainersNotReady", msg, now);
        add_pod_cond(conds, old_conds, "ContainersReady", ready, "ContainersNotReady", msg, now);
    }
    add_pod_cond(conds, old_conds, "PodScheduled", true, NULL, NULL, now);
    if (!p->ip[0]) {
        uint32_t n = w->ip_next++;
        snprintf(p->ip, sizeof(p->ip), "10.244.%u.%u", (unsigned)((n / 254) % 256),
                 (unsigned)(n % 254 + 1));
    }
    cJSON_AddStringToObject(st, "hostIP", WL_HOST_IP);
    cJSON_AddStringToObject(st, "podIP", p->ip);
    ips = cJSON_AddArrayToObject(st, "podIPs");
    ipo = cJSON_CreateObject();
    if (ipo) {
        cJSON_AddStringToObject(ipo, "ip", p->ip);
        cJSON_AddItemToArray(ips, ipo);
    }
    if (stage >= WL_ST_RUNNING) {
        start = ks_json_str(old, "startTime");
        cJSON_AddStringToObject(st, "startTime", start ? start : ts);
        add_container_statuses(st, pod, old, ready, p->uid, ts);
    }
    const char *qos = ks_json_str(old, "qosClass");
    if (qos)
        cJSON_AddStringToObject(st, "qosClass", qos);
    return st;
}

/* ------------------------------------------------------------------ */
/* Timers                                                              */

static double stage_time(const struct wl_pod *p, enum wl_stage st)
{
    double half = p->delay / 2;

    switch (st) {
    case WL_ST_SCHEDULED:
        return p->born + (half < WL_SCHEDULE_DELAY ? half : WL_SCHEDULE_DELAY);
    case WL_ST_RUNNING:
        return p->born + half;
    case WL_ST_READY:
        return p->born + p->delay;
    default:
        return p->born;
    }
}

static enum wl_stage target_stage(const struct wl_pod *p, double now)
{
    if (now >= stage_time(p, WL_ST_READY))
        return WL_ST_READY;
    if (now >= stage_time(p, WL_ST_RUNNING))
        return WL_ST_RUNNING;
    if (now >= stage_time(p, WL_ST_SCHEDULED))
        return WL_ST_SCHEDULED;
    return WL_ST_NEW;
}

static double effective_grace(const ks_workload *w, const struct wl_pod *p)
{
    double g = p->grace >= 0 ? p->grace : 30;

    if (w->s->cfg.pod_grace > 0 && g > w->s->cfg.pod_grace)
        g = w->s->cfg.pod_grace;
    return g;
}

/* Is the pod due now? Sets p->next_at otherwise (-1: no timer). */
static bool pod_due(ks_workload *w, struct wl_pod *p, double now)
{
    p->next_at = -1;
    if (p->deleting) {
        if (p->remove_at < 0)
            p->remove_at = now + effective_grace(w, p);
        if (now >= p->remove_at || (p->ready && !p->unready_sent))
            return true;
        p->next_at = p->remove_at;
        return false;
    }
    if (p->phase == WL_SUCCEEDED || p->phase == WL_FAILED || p->stage == WL_ST_READY)
        return false;
    if (p->delay < 0)
        p->delay = wl_startup_delay(w, p);
    if (target_stage(p, now) > p->stage)
        return true;
    p->next_at = stage_time(p, (enum wl_stage)(p->stage + 1));
    return false;
}

static void remove_pod(ks_workload *w, struct wl_pod *p)
{
    char ns[256], name[256], uid[40];
    const ks_obj *o;

    /* p may be freed by the DELETED event inside ks_api_delete. */
    copy_str(ns, sizeof(ns), p->ns);
    copy_str(name, sizeof(name), p->name);
    copy_str(uid, sizeof(uid), p->uid);
    if (ks_api_delete(w->s, w->rt_pod, ns, name, NULL) != KS_OK)
        return;
    o = ks_store_get(w->s->store, w->rt_pod, ns, name);
    if (o && uid[0] && strstr(o->json, uid) && strstr(o->json, "\"deletionTimestamp\""))
        (void)ks_store_remove(w->s->store, w->rt_pod, ns, name, 0, NULL);
}

static void pod_step(ks_workload *w, struct wl_pod *p, double now)
{
    const ks_obj *o = ks_store_get(w->s->store, w->rt_pod, p->ns, p->name);
    cJSON *pod;

    if (!o)
        return;
    if (p->deleting && now >= p->remove_at) {
        remove_pod(w, p);
        return;
    }
    pod = cJSON_Parse(o->json);
    if (!pod)
        return;
    if (p->deleting) {
        enum wl_stage st = p->phase == WL_RUNNING ? WL_ST_RUNNING : p->stage;
        if (st > WL_ST_RUNNING)
            st = WL_ST_RUNNING;
        if (wl_write_status(w, w->rt_pod, pod, build_status(w, p, pod, st, false, now), WL_KUBELET,
                            false) == KS_OK)
            p->unready_sent = true;
        cJSON_Delete(pod);
        return;
    }
    enum wl_stage target = target_stage(p, now);
    const char *node = ks_json_str(pod, "spec.nodeName");
    if (target >= WL_ST_SCHEDULED && !(node && *node)) {
        /* The scheduler's binding: spec.nodeName. */
        const ks_obj *out = NULL;
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "spec"),
                                                "nodeName");
        if (ks_json_set_path(pod, "spec.nodeName", cJSON_CreateString(WL_NODE_NAME)) == KS_OK &&
            ks_api_update(w->s, w->rt_pod, pod, false, "kube-scheduler", &out) == KS_OK && out) {
            cJSON *fresh = cJSON_Parse(out->json);
            if (fresh) {
                cJSON_Delete(pod);
                pod = fresh;
            }
        }
    }
    (void)wl_write_status(w, w->rt_pod, pod,
                          build_status(w, p, pod, target, target == WL_ST_READY, now), WL_KUBELET,
                          false);
    cJSON_Delete(pod);
}

/* ------------------------------------------------------------------ */
/* The timer heap and the tick                                         */

static void heap_swap(struct wl_timer *t, size_t i, size_t j)
{
    struct wl_timer x = t[i];

    t[i] = t[j];
    t[j] = x;
}

/* Queues a timer for p at at; false when out of memory. */
static bool timer_push(ks_workload *w, struct wl_pod *p, const char *key, double at)
{
    size_t i;

    if (w->n_timers == w->cap_timers) {
        size_t nc = w->cap_timers ? w->cap_timers * 2 : 64;
        struct wl_timer *nv = realloc(w->timers, nc * sizeof(*nv));
        if (!nv)
            return false;
        w->timers = nv;
        w->cap_timers = nc;
    }
    char *k = strdup(key);
    if (!k)
        return false;
    i = w->n_timers++;
    w->timers[i].at = at;
    w->timers[i].key = k;
    while (i > 0 && w->timers[(i - 1) / 2].at > w->timers[i].at) {
        heap_swap(w->timers, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    p->queued_at = at;
    return true;
}

/* Removes the earliest timer; the caller owns *key. */
static void timer_pop(ks_workload *w, double *at, char **key)
{
    struct wl_timer *t = w->timers;
    size_t i = 0, n = --w->n_timers;

    *at = t[0].at;
    *key = t[0].key;
    t[0] = t[n];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && t[l].at < t[m].at)
            m = l;
        if (r < n && t[r].at < t[m].at)
            m = r;
        if (m == i)
            break;
        heap_swap(t, i, m);
        i = m;
    }
}

void wl_pods_release(ks_workload *w)
{
    for (size_t i = 0; i < w->n_timers; i++)
        free(w->timers[i].key);
    free(w->timers);
    w->timers = NULL;
    w->n_timers = w->cap_timers = 0;
    wl_map_free(&w->touched, NULL);
}

struct due_ent {
    struct wl_pod *p; /* valid until the first write */
    uint64_t seq;
    char *key;
};

struct due {
    struct due_ent *v;
    size_t n, cap;
};

/* Queues p's next timer unless an earlier live one is queued. */
static void queue_next(ks_workload *w, struct wl_pod *p, const char *key, double at)
{
    if (at >= 0 && (p->queued_at < 0 || at < p->queued_at) && !timer_push(w, p, key, at))
        (void)wl_map_put(&w->touched, key, NULL, NULL); /* out of memory: next tick */
}

/* Looks at one pod: due now goes on the list, else its next timer is
 * queued. */
static void consider(ks_workload *w, struct wl_pod *p, const char *key, double now, struct due *due)
{
    if (p->due)
        return;
    if (!pod_due(w, p, now)) {
        queue_next(w, p, key, p->next_at);
        return;
    }
    if (due->n == due->cap) {
        size_t nc = due->cap ? due->cap * 2 : 16;
        struct due_ent *nv = realloc(due->v, nc * sizeof(*nv));
        if (!nv)
            goto later;
        due->v = nv;
        due->cap = nc;
    }
    if (!(due->v[due->n].key = strdup(key)))
        goto later;
    due->v[due->n].p = p;
    due->v[due->n].seq = p->seq;
    due->n++;
    p->due = true;
    return;
later: /* out of memory: again at the next tick */
    (void)wl_map_put(&w->touched, key, NULL, NULL);
}

static int cmp_due(const void *a, const void *b)
{
    uint64_t x = ((const struct due_ent *)a)->seq, y = ((const struct due_ent *)b)->seq;

    return x < y ? -1 : x > y;
}

void wl_pods_tick(ks_workload *w, double now)
{
    struct due due = {0};
    size_t n;
    char **keys;

    if (!w->touched.n && (!w->n_timers || w->timers[0].at > now))
        return;
    /* The pods that changed, then the timers that fired. */
    if (w->touched.n && (keys = wl_map_keys(&w->touched, &n)) != NULL) {
        wl_map_free(&w->touched, NULL);
        for (size_t i = 0; i < n; i++) {
            struct wl_pod *p = wl_map_get(&w->pods, keys[i]);
            if (p)
                consider(w, p, keys[i], now, &due);
        }
        wl_keys_free(keys, n);
    }
    while (w->n_timers && w->timers[0].at <= now) {
        double at;
        char *key;
        timer_pop(w, &at, &key);
        struct wl_pod *p = wl_map_get(&w->pods, key);
        if (p && p->queued_at == at) {
            p->queued_at = -1;
            consider(w, p, key, now, &due);
        }
        free(key);
    }
    /* First seen, first served (pod IPs, resourceVersions). */
    if (due.n > 1)
        qsort(due.v, due.n, sizeof(*due.v), cmp_due);
    for (size_t i = 0; i < due.n; i++)
        due.v[i].p->due = false;
    for (size_t i = 0; i < due.n; i++) {
        const char *key = due.v[i].key;
        struct wl_pod *p = wl_map_get(&w->pods, key);
        if (!p)
            continue;
        pod_step(w, p, now);
        /* A write brings the pod back through wl_pod_observe; a step that
         * wrote nothing looks again at its next timer, or in a second
         * when it is still due. */
        if (wl_map_has(&w->touched, key) || !(p = wl_map_get(&w->pods, key)))
            continue;
        if (pod_due(w, p, now))
            queue_next(w, p, key, now + 1);
        else
            queue_next(w, p, key, p->next_at);
    }
    for (size_t i = 0; i < due.n; i++)
        free(due.v[i].key);
    free(due.v);
}
