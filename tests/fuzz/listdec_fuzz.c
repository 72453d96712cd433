/* listdec_fuzz.c -- libFuzzer target for the streaming LIST decoder.
 *
 * The first three bytes choose: the item limit (the default, or 64 bytes
 * so that EBB_ERR_LIMIT is reached) and the two points where the rest is
 * cut into three pieces. The rest is decoded fed whole and fed in the
 * three pieces; both must give the same result, the same items, the same
 * message and the same resourceVersion and continue token. When cJSON
 * parses the rest whole as an object whose "items" is an array of objects
 * (with the default limit), the decoder must succeed and give exactly
 * those items, compared as cJSON_PrintUnformatted text, and the metadata's
 * resourceVersion and continue. The element buffer must never pass the
 * limit (d.peak). Built and run by `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../pkg/kube/listdec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SMALL_LIMIT 64

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "listdec_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

struct run {
    const cJSON *want; /* the whole parse's items array, or NULL */
    const cJSON *next; /* the item the next callback must match */
    size_t n;
    uint64_t digest; /* of the items' text, in order */
};

static uint64_t mix(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

static int on_item(void *ctx, const cJSON *item)
{
    struct run *r = ctx;
    must(cJSON_IsObject(item), "an item that is not an object", NULL);
    char *s = cJSON_PrintUnformatted(item);
    must(s != NULL, "cannot print an item", NULL);
    r->digest = mix(r->digest, s);
    if (r->want != NULL) {
        must(r->next != NULL, "more items than the whole parse", s);
        char *w = cJSON_PrintUnformatted(r->next);
        must(w != NULL && strcmp(s, w) == 0, "an item differs from the whole parse", s);
        cJSON_free(w);
        r->next = r->next->next;
    }
    cJSON_free(s);
    r->n++;
    return 0;
}

struct result {
    enum ebb_rc rc;
    struct run run;
    char err[256];
    char rv[EBB_LIST_RV_MAX];
    char *cont;
};

/* Decodes text cut at a <= b (both 0: whole). */
static void decode(const char *text, size_t len, size_t max_item, size_t a, size_t b,
                   const cJSON *want, struct result *res)
{
    struct ebb_list_decoder d;
    size_t cuts[3] = {a, b, len};
    size_t at = 0;

    memset(res, 0, sizeof(*res));
    res->run.want = want;
    res->run.next = want != NULL ? want->child : NULL;
    res->run.digest = 1469598103934665603ull;
    ebb_list_decoder_init(&d, max_item);
    for (int i = 0; i < 3 && res->rc == EBB_OK; i++) {
        res->rc = ebb_list_decoder_feed(&d, text + at, cuts[i] - at, on_item, &res->run);
        at = cuts[i];
        must(d.peak <= d.max_item, "the buffer passed the item limit", NULL);
    }
    if (res->rc == EBB_OK)
        res->rc = ebb_list_decoder_finish(&d);
    must(res->rc == EBB_OK || res->rc == EBB_ERR_PARSE || res->rc == EBB_ERR_LIMIT,
         "unexpected result", d.err);
    must((res->rc == EBB_OK) == (d.err[0] == '\0'), "err set iff failed", d.err);
    must(d.items == res->run.n, "items count", d.err);
    must(d.peak <= d.max_item, "the buffer passed the item limit", NULL);
    must(strlen(d.resource_version) < sizeof(d.resource_version), "rv unterminated", NULL);
    memcpy(res->err, d.err, sizeof(res->err));
    memcpy(res->rv, d.resource_version, sizeof(res->rv));
    res->cont = strdup(d.continue_token.buf);
    must(res->cont != NULL, "out of memory", NULL);
    ebb_list_decoder_release(&d);
}

/* cJSON's parse of the whole text when it is one value (with only cJSON's
 * whitespace after it), else NULL. */
static cJSON *parse_whole(const char *text, size_t len)
{
    const char *end = NULL;
    if (len == 0)
        return NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (root == NULL)
        return NULL;
    for (const char *p = end; p != NULL && p < text + len; p++) {
        if ((unsigned char)*p > 0x20) {
            cJSON_Delete(root);
            return NULL;
        }
    }
    return root;
}

/* The whole parse's items when the decoder must agree with it. */
static const cJSON *comparable_items(const cJSON *root)
{
    if (!cJSON_IsObject(root))
        return NULL;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    if (!cJSON_IsArray(items))
        return NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        if (!cJSON_IsObject(it))
            return NULL;
    }
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
    if (cJSON_IsObject(md) && cJSON_IsString(rv) && strlen(rv->valuestring) >= EBB_LIST_RV_MAX)
        return NULL; /* the decoder refuses such a resourceVersion */
    return items;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const char *text = (const char *)data + 3;
    size_t len = size - 3;
    size_t max_item = (data[0] & 1) ? SMALL_LIMIT : 0;
    size_t a = len * data[1] / 256;
    size_t b = a + (len - a) * data[2] / 256;

    cJSON *root = parse_whole(text, len);
    const cJSON *want = max_item == 0 ? comparable_items(root) : NULL;

    struct result whole, pieces;
    decode(text, len, max_item, 0, 0, want, &whole);
    decode(text, len, max_item, a, b, want, &pieces);
    must(whole.rc == pieces.rc, "pieces and whole disagree on the result", pieces.err);
    must(strcmp(whole.err, pieces.err) == 0, "pieces and whole disagree on the message",
         pieces.err);
    must(whole.run.n == pieces.run.n && whole.run.digest == pieces.run.digest,
         "pieces and whole disagree on the items", NULL);
    must(strcmp(whole.rv, pieces.rv) == 0, "pieces and whole disagree on the rv", NULL);
    must(strcmp(whole.cont, pieces.cont) == 0, "pieces and whole disagree on continue", NULL);

    if (want != NULL) {
        must(whole.rc == EBB_OK, "cJSON parses a list the decoder refuses", whole.err);
        must(whole.run.next == NULL, "fewer items than the whole parse", NULL);
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(root, "metadata");
        const cJSON *rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
        const cJSON *cont = cJSON_GetObjectItemCaseSensitive(md, "continue");
        bool is_md = cJSON_IsObject(md);
        must(strcmp(whole.rv, is_md && cJSON_IsString(rv) ? rv->valuestring : "") == 0,
             "resourceVersion differs from the whole parse", whole.rv);
        must(strcmp(whole.cont, is_md && cJSON_IsString(cont) ? cont->valuestring : "") == 0,
             "continue differs from the whole parse", whole.cont);
    }
    free(whole.cont);
    free(pieces.cont);
    cJSON_Delete(root);
    return 0;
}
