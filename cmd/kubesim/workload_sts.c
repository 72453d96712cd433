/*
 * kubesim workload model: StatefulSets -> pods <name>-<ordinal>, as the
 * statefulset controller does it. OrderedReady (the default) creates
 * ordinal i+1 only when 0..i are Running and Ready and removes from the
 * highest ordinal one at a time, waiting for each to be gone; Parallel
 * does both at once. A template change rolls the pods from the highest
 * ordinal down, one at a time (RollingUpdate, above the partition).
 */
#include "workload_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_REV "controller-revision-hash"
#define LABEL_INDEX "apps.kubernetes.io/pod-index"
#define LABEL_PODNAME "statefulset.kubernetes.io/pod-name"

/* The ordinal in "<set>-<n>", or -1. */
static long ordinal_of(const char *set, const char *pod)
{
    size_t n = strlen(set);
    char *end;
    long v;

    if (strncmp(pod, set, n) != 0 || pod[n] != '-' || !pod[n + 1])
        return -1;
    if (pod[n + 1] == '0' && pod[n + 2])
        return -1; /* "db-01" is not ordinal 1 */
    for (const char *p = pod + n + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    v = strtol(pod + n + 1, &end, 10);
    return v >= 0 && v < 1000000000L ? v : -1;
}

/* A pod as manage() saw it before any write (a write may free the
 * index record). */
struct spod {
    long ord;
    bool deleting, healthy;
    char name[256];
    char rev[128];
};

static struct spod *find_ordinal(struct spod *pods, size_t n, long ord)
{
    for (size_t i = 0; i < n; i++)
        if (pods[i].ord == ord)
            return &pods[i];
    return NULL;
}

static bool healthy(const struct wl_pod *p)
{
    return p && !p->deleting && p->phase == WL_RUNNING && p->ready;
}

static int create_ordinal(ks_workload *w, const cJSON *set, const cJSON *tmpl, long ord,
                          const char *rev)
{
    const char *sname = ks_json_str(set, "metadata.name");
    const char *ns = ks_json_str(set, "metadata.namespace");
    const char *svc = ks_json_str(set, "spec.serviceName");
    char name[300], gen[300], idx[24];
    cJSON *pod, *labels, *meta;
    int rc;

    snprintf(name, sizeof(name), "%s-%ld", sname, ord);
    snprintf(gen, sizeof(gen), "%s-", sname);
    snprintf(idx, sizeof(idx), "%ld", ord);
    pod = wl_pod_from_template(tmpl, ns, name, gen, wl_owner_refs(set, "apps/v1", "StatefulSet"));
    if (!pod)
        return KS_ENOMEM;
    meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
    labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
    if (!labels)
        labels = cJSON_AddObjectToObject(meta, "labels");
    if (!labels) {
        cJSON_Delete(pod);
        return KS_ENOMEM;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(labels, LABEL_INDEX);
    cJSON_DeleteItemFromObjectCaseSensitive(labels, LABEL_REV);
    cJSON_DeleteItemFromObjectCaseSensitive(labels, LABEL_PODNAME);
    cJSON_AddStringToObject(labels, LABEL_INDEX, idx);
    cJSON_AddStringToObject(labels, LABEL_REV, rev);
    cJSON_AddStringToObject(labels, LABEL_PODNAME, name);
    wl_sort_keys(labels);
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
    cJSON_DeleteItemFromObjectCaseSensitive(spec, "hostname");
    cJSON_AddStringToObject(spec, "hostname", name);
    if (svc && *svc) {
        cJSON_DeleteItemFromObjectCaseSensitive(spec, "subdomain");
        cJSON_AddStringToObject(spec, "subdomain", svc);
    }
    rc = ks_api_create(w->s, w->rt_pod, pod, WL_MANAGER, NULL);
    cJSON_Delete(pod);
    return rc;
}

static int cmp_ord_desc(const void *a, const void *b)
{
    long x = ((const struct spod *)a)->ord, y = ((const struct spod *)b)->ord;

    return x < y ? 1 : x > y ? -1 : 0;
}

/* Creates, deletes and rolls pods; the writes happen through ks_api_*. */
static void manage(ks_workload *w, const cJSON *set, const cJSON *tmpl, const char *rev,
                   long long replicas, struct spod *pods, size_t n)
{
    const char *ns = ks_json_str(set, "metadata.namespace");
    const char *policy = ks_json_str(set, "spec.podManagementPolicy");
    const char *strategy = ks_json_str(set, "spec.updateStrategy.type");
    long long partition = wl_json_int(set, "spec.updateStrategy.rollingUpdate.partition", 0);
    bool ordered = !policy || strcmp(policy, "Parallel") != 0;
    bool all_healthy = true, terminating = false, condemned = false;

    for (size_t i = 0; i < n; i++) {
        terminating |= pods[i].deleting;
        condemned |= pods[i].ord < 0 || pods[i].ord >= replicas;
    }
    for (long long i = 0; i < replicas; i++) {
        struct spod *p = find_ordinal(pods, n, (long)i);
        if (!p) {
            all_healthy = false;
            if (create_ordinal(w, set, tmpl, (long)i, rev) != KS_OK || ordered)
                return;
            continue;
        }
        if (!p->healthy) {
            all_healthy = false;
            if (ordered)
                return;
        }
    }
    /* Scale down: the pods past the replicas, highest ordinal first
     * (pods is sorted that way). */
    for (size_t i = 0; i < n; i++) {
        struct spod *p = &pods[i];
        if (p->ord >= 0 && p->ord < replicas)
            continue;
        if (p->deleting) {
            if (ordered)
                break; /* wait for it to be gone */
            continue;
        }
        if (ordered && (!all_healthy || terminating))
            break;
        (void)ks_api_delete(w->s, w->rt_pod, ns, p->name, NULL);
        if (ordered)
            break;
    }
    if (condemned || terminating || !all_healthy)
        return;
    /* Rolling update: the highest ordinal on an old revision goes. */
    if (strategy && !strcmp(strategy, "OnDelete"))
        return;
    for (long long i = replicas - 1; i >= 0 && i >= partition; i--) {
        struct spod *p = find_ordinal(pods, n, (long)i);
        if (p && strcmp(p->rev, rev) != 0) {
            (void)ks_api_delete(w->s, w->rt_pod, ns, p->name, NULL);
            return;
        }
    }
}

static cJSON *sts_status(ks_workload *w, const cJSON *set, const char *rev, long long replicas,
                         double *next)
{
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(set, "status");
    const char *uid = ks_json_str(set, "metadata.uid");
    const char *cur = ks_json_str(old, "currentRevision");
    long long min_ready = wl_json_int(set, "spec.minReadySeconds", 0);
    long long total = 0, ready = 0, avail = 0, current = 0, updated = 0;
    struct wl_pod **pods;
    size_t n = wl_owned_pods(w, uid, true, &pods);
    cJSON *st = cJSON_CreateObject();
    char current_rev[300];

    snprintf(current_rev, sizeof(current_rev), "%s", cur && *cur ? cur : rev);
    for (size_t i = 0; i < n; i++) {
        total++;
        ready += pods[i]->phase == WL_RUNNING && pods[i]->ready;
        avail += wl_pod_available(w, pods[i], min_ready, next);
        updated += !strcmp(pods[i]->revision, rev);
    }
    /* The rollout is over when every pod runs the update revision. */
    if (updated == total && total == replicas)
        snprintf(current_rev, sizeof(current_rev), "%s", rev);
    for (size_t i = 0; i < n; i++)
        current += !strcmp(pods[i]->revision, current_rev);
    free(pods);
    if (!st)
        return NULL;
    long long gen = wl_json_int(set, "metadata.generation", 0);
    if (gen)
        cJSON_AddNumberToObject(st, "observedGeneration", (double)gen);
    cJSON_AddNumberToObject(st, "replicas", (double)total);
    if (ready)
        cJSON_AddNumberToObject(st, "readyReplicas", (double)ready);
    if (current)
        cJSON_AddNumberToObject(st, "currentReplicas", (double)current);
    if (updated)
        cJSON_AddNumberToObject(st, "updatedReplicas", (double)updated);
    cJSON_AddStringToObject(st, "currentRevision", current_rev);
    cJSON_AddStringToObject(st, "updateRevision", rev);
    cJSON_AddNumberToObject(st, "collisionCount", (double)wl_json_int(old, "collisionCount", 0));
    const cJSON *conds = cJSON_GetObjectItemCaseSensitive(old, "conditions");
    if (conds)
        cJSON_AddItemToObject(st, "conditions", cJSON_Duplicate(conds, true));
    cJSON_AddNumberToObject(st, "availableReplicas", (double)avail);
    return st;
}

void wl_sync_statefulset(ks_workload *w, const char *ns, const char *name)
{
    const ks_obj *o = ks_store_get(w->s->store, w->rt_sts, ns, name);
    cJSON *set;
    char hash[16], rev[300];
    double next = HUGE_VAL;

    if (!o || !(set = cJSON_Parse(o->json)))
        return;
    const char *uid = ks_json_str(set, "metadata.uid");
    const cJSON *tmpl = ks_json_path(set, "spec.template");
    long long replicas = wl_json_int(set, "spec.replicas", 1);
    bool deleting = ks_json_path(set, "metadata.deletionTimestamp") != NULL;
    char *text = tmpl ? cJSON_PrintUnformatted(tmpl) : NULL;

    if (uid && text && replicas >= 0) {
        wl_hash_name(text, (uint32_t)wl_json_int(set, "status.collisionCount", 0), hash);
        snprintf(rev, sizeof(rev), "%s-%s", name, hash);
        if (!deleting) {
            struct wl_pod **pods;
            size_t n = wl_owned_pods(w, uid, true, &pods);
            struct spod *snap = calloc(n ? n : 1, sizeof(*snap));
            if (snap) {
                for (size_t i = 0; i < n; i++) {
                    snap[i].ord = ordinal_of(name, pods[i]->name);
                    snap[i].deleting = pods[i]->deleting;
                    snap[i].healthy = healthy(pods[i]);
                    snprintf(snap[i].name, sizeof(snap[i].name), "%s", pods[i]->name);
                    snprintf(snap[i].rev, sizeof(snap[i].rev), "%s", pods[i]->revision);
                }
                qsort(snap, n, sizeof(*snap), cmp_ord_desc);
                manage(w, set, tmpl, rev, replicas, snap, n);
                free(snap);
            }
            free(pods);
        }
        (void)wl_write_status(w, w->rt_sts, set, sts_status(w, set, rev, replicas, &next),
                              WL_MANAGER, false);
        if (next < HUGE_VAL)
            wl_wake_at(w, 'S', ns, name, next);
    }
    free(text);
    cJSON_Delete(set);
}
