/* informer_bench.c -- memory per 10,000 cached Pods in an informer's store.
 *
 * Takes the Pods of fixture 56 (a real LIST across namespaces), makes
 * 10,000 of them with distinct names, decodes each into the typed
 * struct ebb_kube_pod and stores it in a struct ebb_cache keyed
 * "namespace/name", as the informer does. Reports the store's own
 * accounting and the heap growth glibc reports (mallinfo2), which adds
 * malloc's per-block overhead. Run from the repository root.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "../pkg/controller/cache.h"
#include "../pkg/kube/objects.h"
#include "../tests/fake/replay_server.c"

#define FIXTURE "tests/fixtures/kube-api/56-list-all-namespaces-pods.txt"
#define PODS 10000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    int rc = 1;
    struct ebb_strbuf body = EBB_STRBUF_INIT;
    struct ebb_cache store;
    cJSON *list = NULL;
    size_t json_bytes = 0;
    ebb_cache_init(&store, ebb_kube_object_free);
    if (ebb_replay_fixture(FIXTURE, NULL, &body) != EBB_OK) {
        fprintf(stderr, "informer_bench: cannot read %s\n", FIXTURE);
        goto out;
    }
    list = cJSON_ParseWithLength(body.buf, body.len);
    cJSON *items = cJSON_GetObjectItem(list, "items");
    int n_items = cJSON_GetArraySize(items);
    if (n_items < 1) {
        fprintf(stderr, "informer_bench: no items in %s\n", FIXTURE);
        goto out;
    }
    struct mallinfo2 before = mallinfo2();
    double decode_s = 0;
    for (int i = 0; i < PODS; i++) {
        cJSON *pod = cJSON_GetArrayItem(items, i % n_items);
        cJSON *md = cJSON_GetObjectItem(pod, "metadata");
        char name[64], key[128], err[256];
        snprintf(name, sizeof(name), "pod-%05d", i);
        cJSON_SetValuestring(cJSON_GetObjectItem(md, "name"), name);
        if (i < n_items) {
            char *text = cJSON_PrintUnformatted(pod);
            json_bytes = text ? strlen(text) : 0;
            cJSON_free(text);
        }
        void *obj = NULL;
        size_t bytes = 0;
        double d0 = now_s();
        if (ebb_kube_decode_pod(pod, &obj, &bytes, err, sizeof(err)) != EBB_OK) {
            fprintf(stderr, "informer_bench: %s\n", err);
            goto out;
        }
        decode_s += now_s() - d0;
        const struct ebb_kube_pod *p = obj;
        ebb_cache_key(p->meta.namespace_, p->meta.name, key, sizeof(key));
        if (ebb_cache_put(&store, key, p->meta.resource_version, obj, bytes, NULL) != EBB_OK) {
            ebb_kube_object_free(obj);
            goto out;
        }
    }
    struct mallinfo2 after = mallinfo2();
    /* Small blocks (uordblks) and mmap'd ones (hblkhd: the slot table). */
    size_t heap = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
    printf("informer store: %d Pods cached in %.1f MB by its own accounting (%zu bytes/Pod), "
           "%.1f MB of heap (%zu bytes/Pod; a Pod's JSON is %zu bytes); "
           "%.0f Pods decoded/s\n",
           PODS, (double)ebb_cache_bytes(&store) / 1e6, ebb_cache_bytes(&store) / PODS,
           (double)heap / 1e6, heap / PODS, json_bytes, PODS / decode_s);
    rc = 0;
out:
    ebb_cache_release(&store);
    cJSON_Delete(list);
    ebb_strbuf_release(&body);
    return rc;
}
