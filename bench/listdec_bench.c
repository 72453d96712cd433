/* listdec_bench.c -- a 10,000-policy LIST body: the streaming decoder
 * against cJSON's whole parse, in peak memory and MB/s.
 *
 * Builds in memory the body the API server (or kubesim) sends for the first
 * LIST of an informer, resourceVersion=0, which comes whole: 10,000
 * ScalingPolicies as the server returns them (metadata with managedFields,
 * the spec of tests/fixtures/policies/valid-full.yaml, a status), about
 * 2.5 KB each. Then, best of 5 rounds each:
 *  - cJSON_ParseWithLength of the whole body, then walking its items;
 *  - ebb_list_decoder fed the same body in 16 KiB pieces (what curl hands
 *    a write callback), each item parsed alone, looked at, and freed.
 * Heap is glibc's count of bytes in use (mallinfo2: uordblks + hblkhd)
 * above what was in use before, the body excluded: for cJSON read once the
 * tree is built, for the decoder sampled at every item (its buffer and the
 * item's tree are then both alive). The decoder's own figure is d.peak.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "../pkg/base/strbuf.h"
#include "../pkg/kube/listdec.h"

#define POLICIES 10000
#define ROUNDS 5
#define PIECE (16u << 10)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* One ScalingPolicy as the API server returns it (compact JSON). */
static void add_policy(struct ebb_strbuf *b, int i)
{
    ebb_strbuf_addf(
        b,
        "{\"apiVersion\":\"ebb.dev/v1alpha1\",\"kind\":\"ScalingPolicy\",\"metadata\":{"
        "\"creationTimestamp\":\"2026-11-22T10:00:00Z\",\"generation\":1,\"name\":\"policy-%05d\","
        "\"namespace\":\"team-%02d\",\"resourceVersion\":\"%d\",\"uid\":\"6f1c%04x-1b2c-4d3e-8f40-"
        "%012x\",\"labels\":{\"app\":\"web-%05d\",\"team\":\"team-%02d\"},\"managedFields\":[{"
        "\"apiVersion\":\"ebb.dev/v1alpha1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:spec\":{"
        "\".\":{},\"f:behavior\":{\".\":{},\"f:scaleDown\":{},\"f:scaleUp\":{},\"f:tolerance\":{}},"
        "\"f:maxReplicas\":{},\"f:metrics\":{},\"f:minReplicas\":{},\"f:paused\":{},"
        "\"f:schedules\":{},\"f:syncPeriod\":{},\"f:targetRef\":{}}},\"manager\":\"kubectl-client-"
        "side-apply\",\"operation\":\"Update\",\"time\":\"2026-11-22T10:00:00Z\"},{\"apiVersion\":"
        "\"ebb.dev/v1alpha1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":{\".\":{},"
        "\"f:conditions\":{},\"f:currentReplicas\":{},\"f:desiredReplicas\":{},"
        "\"f:observedGeneration\":{}}},\"manager\":\"ebb\",\"operation\":\"Update\","
        "\"subresource\":\"status\",\"time\":\"2026-11-22T10:00:15Z\"}]},\"spec\":{\"targetRef\":{"
        "\"apiVersion\":\"apps/"
        "v1\",\"kind\":\"Deployment\",\"name\":\"web-%05d\"},\"minReplicas\":2,"
        "\"maxReplicas\":10,\"paused\":false,\"syncPeriod\":\"15s\",\"metrics\":[{\"name\":\"cpu\","
        "\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"container\":\"app\"},\"target\":{"
        "\"type\":\"Utilization\",\"averageUtilization\":60},\"scaleUp\":{\"above\":70,\"for\":"
        "\"5m\"},\"scaleDown\":{\"below\":30,\"for\":\"15m\"}},{\"name\":\"rps\",\"type\":"
        "\"Prometheus\",\"prometheus\":{\"address\":\"http://prometheus.monitoring:9090\","
        "\"query\":\"sum(rate(http_requests_total{app=\\\"web-%05d\\\"}[1m]))\"},\"target\":{"
        "\"type\":\"AverageValue\",\"averageValue\":\"100\"}}],\"behavior\":{\"tolerance\":\"0.1\","
        "\"scaleUp\":{\"stabilizationWindow\":\"0s\",\"cooldown\":\"3m\",\"selectPolicy\":\"Max\","
        "\"policies\":[{\"type\":\"Percent\",\"value\":50,\"period\":\"60s\"},{\"type\":\"Pods\","
        "\"value\":4,\"period\":\"60s\"}]},\"scaleDown\":{\"stabilizationWindow\":\"5m\","
        "\"cooldown\":\"15m\",\"selectPolicy\":\"Max\",\"policies\":[{\"type\":\"Pods\",\"value\":"
        "1,\"period\":\"60s\"}]}},\"schedules\":[{\"name\":\"night\",\"cron\":\"0 22 * * *\","
        "\"duration\":\"8h\",\"timeZone\":\"Europe/Berlin\",\"minReplicas\":1,\"maxReplicas\":3}]},"
        "\"status\":{\"observedGeneration\":1,\"currentReplicas\":2,\"desiredReplicas\":2,"
        "\"lastScaleTime\":\"2026-11-22T10:00:15Z\",\"conditions\":[{\"type\":\"AbleToScale\","
        "\"status\":\"True\",\"reason\":\"ReadyForNewScale\",\"message\":\"the target can be "
        "scaled\",\"lastTransitionTime\":\"2026-11-22T10:00:15Z\",\"observedGeneration\":1},{"
        "\"type\":\"ScalingActive\",\"status\":\"True\",\"reason\":\"ValidMetricFound\","
        "\"message\":\"every metric has a valid value\",\"lastTransitionTime\":"
        "\"2026-11-22T10:00:15Z\",\"observedGeneration\":1}]}}",
        i, i % 50, 1000 + i, (unsigned)i, (unsigned)i * 2654435761u, i, i % 50, i, i);
}

struct walk {
    size_t items, names, heap0, heap_peak;
    bool sample; /* read the heap at every item (slow: not in a timed round) */
};

static void look_at(struct walk *w, const cJSON *item)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(item, "metadata");
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(md, "name")))
        w->names++;
    w->items++;
}

static int on_item(void *ctx, const cJSON *item)
{
    struct walk *w = ctx;
    look_at(w, item);
    if (!w->sample)
        return 0;
    size_t h = heap_in_use();
    if (h > w->heap0 && h - w->heap0 > w->heap_peak)
        w->heap_peak = h - w->heap0;
    return 0;
}

int main(void)
{
    int rc = 1;
    struct ebb_strbuf body = EBB_STRBUF_INIT;
    ebb_strbuf_adds(&body, "{\"apiVersion\":\"ebb.dev/v1alpha1\",\"items\":[");
    for (int i = 0; i < POLICIES; i++) {
        if (i > 0)
            ebb_strbuf_addch(&body, ',');
        add_policy(&body, i);
    }
    ebb_strbuf_adds(&body, "],\"kind\":\"ScalingPolicyList\",\"metadata\":{\"continue\":\"\","
                           "\"resourceVersion\":\"123456\"}}");
    if (ebb_strbuf_rc(&body) != EBB_OK) {
        fprintf(stderr, "listdec_bench: out of memory building the body\n");
        goto out;
    }
    double mb = (double)body.len / 1e6;

    double best_cjson = 0, best_dec = 0;
    size_t cjson_heap = 0, dec_heap = 0, dec_peak = 0;
    /* the last round, untimed, samples the heap at every item */
    for (int round = 0; round <= ROUNDS; round++) {
        struct walk w = {0, 0, heap_in_use(), 0, false};
        double t0 = now_s();
        cJSON *root = cJSON_ParseWithLength(body.buf, body.len);
        size_t h = heap_in_use();
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "items"))
        {
            look_at(&w, it);
        }
        cJSON_Delete(root);
        double t = now_s() - t0; /* the tree is freed in the time, as the decoder's are */
        if (w.items != POLICIES || w.names != POLICIES) {
            fprintf(stderr, "listdec_bench: cJSON saw %zu items\n", w.items);
            goto out;
        }
        cjson_heap = h - w.heap0;
        if (best_cjson == 0 || t < best_cjson)
            best_cjson = t;

        struct ebb_list_decoder d;
        struct walk v = {0, 0, heap_in_use(), 0, round == ROUNDS};
        enum ebb_rc drc = EBB_OK;
        t0 = now_s();
        ebb_list_decoder_init(&d, 0);
        for (size_t at = 0; at < body.len && drc == EBB_OK; at += PIECE) {
            size_t n = body.len - at < PIECE ? body.len - at : PIECE;
            drc = ebb_list_decoder_feed(&d, body.buf + at, n, on_item, &v);
        }
        if (drc == EBB_OK)
            drc = ebb_list_decoder_finish(&d);
        t = now_s() - t0;
        if (drc != EBB_OK || v.items != POLICIES || v.names != POLICIES ||
            strcmp(d.resource_version, "123456") != 0) {
            fprintf(stderr, "listdec_bench: the decoder failed: %s (%zu items)\n", d.err, v.items);
            ebb_list_decoder_release(&d);
            goto out;
        }
        dec_peak = d.peak;
        dec_heap = v.heap_peak;
        ebb_list_decoder_release(&d);
        if (round < ROUNDS && (best_dec == 0 || t < best_dec))
            best_dec = t;
    }
    printf("listdec: a LIST of %d ScalingPolicies, %.1f MB of JSON (%zu bytes/item)\n", POLICIES,
           mb, body.len / POLICIES);
    printf("listdec: cJSON whole parse: %.1f MB of heap held (%.1fx the body), %.0f MB/s\n",
           (double)cjson_heap / 1e6, (double)cjson_heap / (double)body.len, mb / best_cjson);
    printf("listdec: streaming decoder, %u KiB pieces: %zu bytes buffered at most (d.peak), "
           "%.1f KB of heap at most, %.0f MB/s\n",
           PIECE >> 10, dec_peak, (double)dec_heap / 1e3, mb / best_dec);
    rc = 0;
out:
    ebb_strbuf_release(&body);
    return rc;
}
