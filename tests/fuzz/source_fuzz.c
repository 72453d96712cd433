/* source_fuzz.c -- libFuzzer target for the metric parsers of pkg/source.
 *
 * The first byte chooses the options (resource, container, namespace, how
 * many pods, the error buffer's size); the rest is the body, given to
 * every parser: PodMetricsList, MetricValueList, ExternalMetricValueList
 * and the Prometheus answer. None may crash or leak, and each must keep
 * its contract: err set iff it failed, no sample present after a failure,
 * request_milli never written, a value only with a count. The same bytes
 * are also the query of the Prometheus URL builder, whose URL must hold
 * only URL-safe bytes. Built and run by `make fuzz`.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/source/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "source_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

static const struct ebb_pod pods[] = {
    {.name = "web-0"}, {.name = "web-1"}, {.name = "web-0"}, {.name = NULL},
    {.name = "a"},     {.name = "b"},     {.name = ""},
};
#define NPODS (sizeof(pods) / sizeof(pods[0]))

static void check_rc(enum ebb_rc rc, const char *err, size_t errsz)
{
    must(rc == EBB_OK || rc == EBB_ERR_PARSE || rc == EBB_ERR_NOTFOUND || rc == EBB_ERR_INVALID ||
             rc == EBB_ERR_RANGE || rc == EBB_ERR_NOMEM,
         "unexpected result", err);
    must(strlen(err) < errsz, "err unterminated", NULL);
    must((rc == EBB_OK) == (err[0] == '\0'), "err set iff failed", err);
}

static void check_samples(enum ebb_rc rc, const struct ebb_pod_sample *s, size_t n, const char *err)
{
    char buf[EBB_SOURCE_ERR_MAX];
    for (size_t i = 0; i < n; i++) {
        must(s[i].request_milli == 4242 + (int64_t)i, "request_milli written", err);
        must(rc == EBB_OK || !s[i].present, "a sample present after a failure", err);
        must(s[i].present || s[i].value_milli == 0, "a value without a sample", err);
        must(s[i].window_ms >= 0, "negative window", err);
    }
    const char *stale =
        ebb_source_stale_samples(pods, s, n, 1767225600000, 15000, buf, sizeof(buf));
    must(stale == NULL || (stale == buf && strlen(buf) < sizeof(buf)), "stale message", NULL);
}

static void reset(struct ebb_pod_sample *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (struct ebb_pod_sample){
            .present = true, .value_milli = 7, .request_milli = 4242 + (int64_t)i};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t o = data[0];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    static const char *const resources[] = {"cpu", "memory", "rps", "x"};
    static const char *const containers[] = {NULL, "app", "sidecar", ""};
    size_t n = (size_t)(o >> 5) % (NPODS + 1);
    size_t errsz = (o & 0x10) ? 24 : EBB_SOURCE_ERR_MAX;
    char err[EBB_SOURCE_ERR_MAX];
    struct ebb_pod_sample s[NPODS];
    enum ebb_rc rc;

    struct ebb_source_resource_query q = {resources[o & 3], containers[(o >> 2) & 3],
                                          (o & 0x80) ? "demo" : NULL};
    reset(s, NPODS);
    rc = ebb_source_parse_pod_metrics(body, len, &q, pods, n, s, err, errsz);
    check_rc(rc, err, errsz);
    check_samples(rc, s, n, err);

    reset(s, NPODS);
    rc = ebb_source_parse_custom_metrics(body, len, resources[o & 3], q.namespace_, pods, n, s, err,
                                         errsz);
    check_rc(rc, err, errsz);
    check_samples(rc, s, n, err);

    struct ebb_source_value v;
    rc = ebb_source_parse_external_metrics(body, len, "queue_depth", (o & 1) ? "queue=jobs" : NULL,
                                           &v, err, errsz);
    check_rc(rc, err, errsz);
    must((rc == EBB_OK) == (v.count > 0), "external: a count iff ok", err);
    must(isfinite(v.value), "external: value not finite", err);
    char buf[EBB_SOURCE_ERR_MAX];
    const char *stale = ebb_source_stale_value(&v, 1767225600000, 15000, buf, sizeof(buf));
    must(stale == NULL || strlen(stale) < sizeof(buf), "stale value message", NULL);

    rc = ebb_source_parse_prom_query(body, len, &v, err, errsz);
    check_rc(rc, err, errsz);
    must((rc == EBB_OK) == (v.count == 1), "prom: count 1 iff ok", err);
    must(isfinite(v.value), "prom: value not finite", err);

    /* the bytes as a query (up to the first NUL) */
    char *query = malloc(len + 1);
    if (query == NULL)
        return 0;
    memcpy(query, body, len);
    query[len] = '\0';
    struct ebb_strbuf url = EBB_STRBUF_INIT;
    rc = ebb_source_prom_query_url((o & 2) ? "https://prom.example/p/" : "http://p:9090", query,
                                   (o & 4) ? EBB_TIME_UNSET : (int64_t)len * 1000, (int64_t)o, &url,
                                   err, sizeof(err));
    must(rc == EBB_OK || (rc == EBB_ERR_INVALID && query[0] == '\0'), "url: unexpected result",
         err);
    for (size_t i = 0; rc == EBB_OK && i < url.len; i++) {
        unsigned char c = (unsigned char)url.buf[i];
        must(c > 0x20 && c < 0x7f && c != '#' && c != ' ', "url: unsafe byte", url.buf);
    }
    ebb_strbuf_release(&url);
    free(query);
    return 0;
}
