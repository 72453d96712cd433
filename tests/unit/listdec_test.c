/* listdec_test.c -- the streaming LIST decoder: every recorded LIST body
 * (50-59) fed whole, split in two at every byte and one byte at a time,
 * giving the items, resourceVersion and continue token that cJSON's parse
 * of the whole body gives; the shapes a list may take (items null or empty,
 * metadata after items, keys repeated or escaped, a BOM); every error with
 * its message, whole and byte by byte; the item limit and the memory held;
 * and a property test: random lists, with nested values, escapes and
 * braces inside strings, cut at random, against cJSON's whole parse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/base/strbuf.h"
#include "../../pkg/kube/listdec.h"
#include "kube_fixture.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const int list_fixtures[] = {50, 51, 52, 53, 54, 55, 56, 57, 58, 59};

/* ---- what cJSON makes of the whole body ------------------------------------------------- */

struct want {
    char **items; /* cJSON_PrintUnformatted of each element */
    size_t n;
    const char *rv, *cont; /* into tree */
    bool has_items, has_metadata;
    cJSON *tree;
};

static void want_from_cjson(const char *body, size_t len, struct want *w)
{
    memset(w, 0, sizeof(*w));
    w->tree = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(w->tree))
        fail_msg("cJSON does not parse this as an object: %.*s", (int)len, body);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(w->tree, "items");
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(w->tree, "metadata");
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
    const cJSON *cont = cJSON_GetObjectItemCaseSensitive(md, "continue");
    w->has_items = cJSON_IsArray(items) || cJSON_IsNull(items);
    w->has_metadata = cJSON_IsObject(md);
    w->rv = cJSON_IsObject(md) && cJSON_IsString(rv) ? rv->valuestring : "";
    w->cont = cJSON_IsObject(md) && cJSON_IsString(cont) ? cont->valuestring : "";
    size_t n = cJSON_IsArray(items) ? (size_t)cJSON_GetArraySize(items) : 0;
    w->items = calloc(n + 1, sizeof(char *));
    assert_non_null(w->items);
    const cJSON *it;
    if (n > 0) {
        cJSON_ArrayForEach(it, items)
        {
            w->items[w->n] = cJSON_PrintUnformatted(it);
            assert_non_null(w->items[w->n]);
            w->n++;
        }
    }
}

static void want_release(struct want *w)
{
    for (size_t i = 0; i < w->n; i++)
        cJSON_free(w->items[i]);
    free(w->items);
    cJSON_Delete(w->tree);
}

/* ---- what the decoder gives -------------------------------------------------------------- */

struct check {
    const struct want *w;
    size_t n;
    const char *what;
    size_t stop_at; /* stop at this item (1-based); 0 never */
};

static int check_item(void *ctx, const cJSON *item)
{
    struct check *c = ctx;
    assert_true(cJSON_IsObject(item));
    if (c->n >= c->w->n)
        fail_msg("%s: item %zu, but the whole parse has %zu", c->what, c->n + 1, c->w->n);
    char *s = cJSON_PrintUnformatted(item);
    assert_non_null(s);
    if (strcmp(s, c->w->items[c->n]) != 0)
        fail_msg("%s: item %zu is\n%.200s\nwant\n%.200s", c->what, c->n + 1, s, c->w->items[c->n]);
    cJSON_free(s);
    c->n++;
    return c->stop_at != 0 && c->n == c->stop_at;
}

/* Feeds body in pieces ending at cuts[0..n_cuts) (then the rest) and
 * checks everything against w. Returns the decoder's peak. */
static size_t decode_cuts(const char *body, size_t len, const size_t *cuts, size_t n_cuts,
                          size_t max_item, const struct want *w, const char *what)
{
    struct ebb_list_decoder d;
    struct check c = {w, 0, what, 0};
    size_t at = 0;
    ebb_list_decoder_init(&d, max_item);
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t to = i < n_cuts ? cuts[i] : len;
        enum ebb_rc rc = ebb_list_decoder_feed(&d, body + at, to - at, check_item, &c);
        if (rc != EBB_OK)
            fail_msg("%s: feed [%zu,%zu) failed (%s): %s", what, at, to, ebb_rc_str(rc), d.err);
        at = to;
    }
    if (ebb_list_decoder_finish(&d) != EBB_OK)
        fail_msg("%s: finish: %s", what, d.err);
    if (c.n != w->n || d.items != w->n)
        fail_msg("%s: %zu items (%zu counted), want %zu", what, c.n, d.items, w->n);
    if (strcmp(d.resource_version, w->rv) != 0)
        fail_msg("%s: resourceVersion \"%s\", want \"%s\"", what, d.resource_version, w->rv);
    if (strcmp(d.continue_token.buf, w->cont) != 0)
        fail_msg("%s: continue \"%.80s\", want \"%.80s\"", what, d.continue_token.buf, w->cont);
    assert_int_equal(d.has_items, w->has_items);
    assert_int_equal(d.has_metadata, w->has_metadata);
    assert_int_equal(d.offset, len);
    assert_string_equal(d.err, "");
    size_t peak = d.peak;
    ebb_list_decoder_release(&d);
    return peak;
}

static size_t decode_whole(const char *body, size_t len, const struct want *w, const char *what)
{
    return decode_cuts(body, len, NULL, 0, 0, w, what);
}

static void decode_bytewise(const char *body, size_t len, const struct want *w, const char *what)
{
    size_t *cuts = malloc((len + 1) * sizeof(size_t));
    assert_non_null(cuts);
    for (size_t i = 0; i + 1 < len; i++)
        cuts[i] = i + 1;
    decode_cuts(body, len, cuts, len > 0 ? len - 1 : 0, 0, w, what);
    free(cuts);
}

/* ---- the recorded LIST bodies ------------------------------------------------------------ */

struct fixture {
    struct ebbt_kube_exchange x;
    struct want w;
};

static struct fixture *load(int nn)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    if (!ebbt_kube_load_nn(nn, &f->x))
        fail_msg("%s", f->x.err);
    want_from_cjson(f->x.body, f->x.body_len, &f->w);
    return f;
}

static void unload(struct fixture *f)
{
    want_release(&f->w);
    ebbt_kube_release(&f->x);
    free(f);
}

/* What the fixtures hold, so that a fixture edit that empties them shows. */
static void test_fixtures_content(void **state)
{
    (void)state;
    static const struct {
        int nn;
        size_t items;
        bool cont;
    } cases[] = {
        {50, 2, true},  {51, 2, false}, {52, 4, false}, {53, 2, true},  {54, 4, false},
        {55, 1, false}, {56, 2, true},  {57, 0, true},  {58, 0, false}, {59, 1, false},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct fixture *f = load(cases[i].nn);
        if (f->w.n != cases[i].items || (f->w.cont[0] != '\0') != cases[i].cont)
            fail_msg("%s: %zu items, continue \"%.40s\"", f->x.name, f->w.n, f->w.cont);
        unload(f);
    }
}

static void test_fixtures_whole_and_bytewise(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(list_fixtures); i++) {
        struct fixture *f = load(list_fixtures[i]);
        char what[300];
        snprintf(what, sizeof(what), "%s whole", f->x.name);
        size_t peak = decode_whole(f->x.body, f->x.body_len, &f->w, what);
        assert_int_equal(peak, 0); /* every item parsed where it lay */
        snprintf(what, sizeof(what), "%s byte by byte", f->x.name);
        decode_bytewise(f->x.body, f->x.body_len, &f->w, what);
        unload(f);
    }
}

/* Two pieces, cut at every byte offset of every body. */
static void test_fixtures_split_everywhere(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(list_fixtures); i++) {
        struct fixture *f = load(list_fixtures[i]);
        char what[300];
        for (size_t k = 0; k <= f->x.body_len; k++) {
            snprintf(what, sizeof(what), "%s cut at %zu", f->x.name, k);
            decode_cuts(f->x.body, f->x.body_len, &k, 1, 0, &f->w, what);
        }
        unload(f);
    }
}

/* The buffer never holds more than the largest item, and an item over the
 * limit fails however the body is cut. */
static void test_fixture_memory_bound(void **state)
{
    (void)state;
    struct fixture *f = load(52);
    size_t largest = 0;
    for (size_t i = 0; i < f->w.n; i++)
        if (strlen(f->w.items[i]) > largest)
            largest = strlen(f->w.items[i]);
    /* the wire form is the compact one cJSON prints, give or take escapes */
    size_t max_item = largest + 64;
    size_t *cuts = malloc(f->x.body_len * sizeof(size_t));
    assert_non_null(cuts);
    for (size_t i = 0; i + 1 < f->x.body_len; i++)
        cuts[i] = i + 1;
    size_t peak = decode_cuts(f->x.body, f->x.body_len, cuts, f->x.body_len - 1, max_item, &f->w,
                              "52 byte by byte, limit just over the largest item");
    assert_true(peak > 0);
    assert_true(peak <= max_item);
    assert_true(peak < f->x.body_len / 2);

    struct ebb_list_decoder d;
    ebb_list_decoder_init(&d, largest / 2);
    assert_int_equal(ebb_list_decoder_feed(&d, f->x.body, f->x.body_len, NULL, NULL),
                     EBB_ERR_LIMIT);
    assert_non_null(strstr(d.err, "item 1 (from byte "));
    assert_non_null(strstr(d.err, "is over the limit of"));
    assert_int_equal(d.items, 0);
    assert_true(d.peak <= largest / 2);
    ebb_list_decoder_release(&d);

    ebb_list_decoder_init(&d, largest / 2);
    enum ebb_rc rc = EBB_OK;
    for (size_t i = 0; i < f->x.body_len && rc == EBB_OK; i++)
        rc = ebb_list_decoder_feed(&d, f->x.body + i, 1, NULL, NULL);
    assert_int_equal(rc, EBB_ERR_LIMIT);
    assert_true(d.peak <= largest / 2);
    ebb_list_decoder_release(&d);
    free(cuts);
    unload(f);
}

/* ---- the shapes of a list ---------------------------------------------------------------- */

static void test_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        size_t items;
        const char *rv, *cont;
    } cases[] = {
        {"{}", 0, "", ""},
        {"{\"items\":null}", 0, "", ""},
        {"{\"items\":[]}", 0, "", ""},
        {" \t\r\n{ \"items\" : [ ] , \"metadata\" : { } } \n", 0, "", ""},
        {"{\"items\":[{}],\"metadata\":{\"resourceVersion\":\"7\",\"continue\":\"abc\"}}", 1, "7",
         "abc"},
        {"{\"metadata\":{\"resourceVersion\":\"8\"},\"items\":[{\"a\":1},{\"b\":[2,{}]}]}", 2, "8",
         ""},
        /* the first key counts, as cJSON finds it */
        {"{\"items\":[{\"x\":1}],\"items\":[{},{}],\"metadata\":{\"resourceVersion\":\"1\"},"
         "\"metadata\":{\"resourceVersion\":\"2\"}}",
         1, "1", ""},
        {"{\"items\":null,\"items\":[{}]}", 0, "", ""},
        /* keys with escapes */
        {"{\"\\u0069tems\":[{}],\"meta\\u0064ata\":{\"resourceVersion\":\"3\"}}", 1, "3", ""},
        {"{\"items\\u0000x\":[{}]}", 1, "", ""},
        {"{\"Items\":[{}],\"item\":[{}],\"itemss\":[{}]}", 0, "", ""},
        /* other members skipped, whatever they hold */
        {"{\"kind\":\"List\",\"a\":{\"items\":[{}]},\"b\":[\"]}\\\"{[\",{\"c\":\"}\"}],\"n\":-1."
         "5e3,"
         "\"t\":true,\"f\":false,\"z\":null,\"items\":[{\"s\":\"}]{[\\\\\"}]}",
         1, "", ""},
        {"{\"metadata\":{\"continue\":\"\\u00e9\\n\",\"resourceVersion\":5}}", 0, "", "\xc3\xa9\n"},
        {"{\"metadata\":null,\"items\":[]}", 0, "", ""},
        {"{\"metadata\":\"x\",\"items\":[]}", 0, "", ""},
        {"\xef\xbb\xbf{\"items\":[{}]}", 1, "", ""},
        /* cJSON's whitespace: any byte up to 0x20 */
        {"{\x01\"items\"\x1f:[\x02{}\x03]}\x04", 1, "", ""},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct want w;
        size_t len = strlen(cases[i].body);
        char what[300];
        want_from_cjson(cases[i].body, len, &w);
        assert_int_equal(w.n, cases[i].items);
        assert_string_equal(w.rv, cases[i].rv);
        assert_string_equal(w.cont, cases[i].cont);
        snprintf(what, sizeof(what), "shape %zu whole", i);
        decode_whole(cases[i].body, len, &w, what);
        snprintf(what, sizeof(what), "shape %zu byte by byte", i);
        decode_bytewise(cases[i].body, len, &w, what);
        want_release(&w);
    }
}

/* cJSON compares keys with strcmp(): a key ends at its first NUL, raw or
 * escaped, however long it is; bodies with NUL bytes need their lengths. */
static void test_keys_with_nul(void **state)
{
    (void)state;
    static const char raw_nul[] =
        "{\"items\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
        "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
        "\0\0\0\0\0\0\0\0\0xyz\":[{},{}]}";
    static const char raw_nul_meta[] = "{\"metadata\0\xff\":{\"resourceVersion\":\"4\"}}";
    static const char escaped[] = "{\"\\u0069tems\\u0000\\u00e9\\ud83d\\ude00 and a long tail of "
                                  "bytes past what is kept of a key\":[{}]}";
    static const char bad_hex[] =
        "{\"items\\u00g0 \\\"\":[{},{}],\"\\u006d\\uzzzzetadata\":{\"resourceVersion\":1}}";
    /* a \u whose 4th digit is the backslash of a \" (so U+0000 for the
     * name), yet that \" does not end the key: the quote after items does */
    static const char swallowed[] = "{\"\\u000\\\":x\\\"items\":[{}],\"items\":[{},{},{}]}";
    static const char not_items[] = "{\"item\\u0000s\":[{}],\"items\\u00e9\":[{}]}";
    static const struct {
        const char *body;
        size_t len, items;
        const char *rv;
    } cases[] = {
        {raw_nul, sizeof(raw_nul) - 1, 2, ""},     {raw_nul_meta, sizeof(raw_nul_meta) - 1, 0, "4"},
        {escaped, sizeof(escaped) - 1, 1, ""},     {bad_hex, sizeof(bad_hex) - 1, 2, ""},
        {swallowed, sizeof(swallowed) - 1, 3, ""}, {not_items, sizeof(not_items) - 1, 0, ""},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct want w;
        char what[64];
        want_from_cjson(cases[i].body, cases[i].len, &w);
        assert_int_equal(w.n, cases[i].items);
        assert_string_equal(w.rv, cases[i].rv);
        snprintf(what, sizeof(what), "NUL key %zu whole", i);
        decode_whole(cases[i].body, cases[i].len, &w, what);
        snprintf(what, sizeof(what), "NUL key %zu byte by byte", i);
        decode_bytewise(cases[i].body, cases[i].len, &w, what);
        want_release(&w);
    }
}

/* A long continue token (a strbuf, no fixed size). */
static void test_long_continue(void **state)
{
    (void)state;
    struct ebb_strbuf body = EBB_STRBUF_INIT;
    ebb_strbuf_adds(&body, "{\"metadata\":{\"resourceVersion\":\"42\",\"continue\":\"");
    for (int i = 0; i < 5000; i++)
        ebb_strbuf_addch(&body, (char)('A' + i % 26));
    ebb_strbuf_adds(&body, "\"},\"items\":[{}]}");
    assert_int_equal(ebb_strbuf_rc(&body), EBB_OK);
    struct want w;
    want_from_cjson(body.buf, body.len, &w);
    assert_int_equal(strlen(w.cont), 5000);
    decode_whole(body.buf, body.len, &w, "long continue whole");
    decode_bytewise(body.buf, body.len, &w, "long continue byte by byte");
    want_release(&w);
    ebb_strbuf_release(&body);
}

/* ---- errors ------------------------------------------------------------------------------ */

struct err_case {
    const char *body;
    size_t max_item; /* 0: the default */
    enum ebb_rc rc;
    bool at_finish; /* the error comes from finish, every feed succeeded */
    size_t items;   /* handed out before the error */
    const char *err;
};

static const struct err_case err_cases[] = {
    {"[]", 0, EBB_ERR_PARSE, false, 0,
     "byte 0: the body is not a JSON object (it starts with '['); want '{'"},
    {"  null", 0, EBB_ERR_PARSE, false, 0,
     "byte 2: the body is not a JSON object (it starts with 'n'); want '{'"},
    {"", 0, EBB_ERR_PARSE, true, 0, "the body is empty; want a JSON list object"},
    {" \n", 0, EBB_ERR_PARSE, true, 0,
     "the body ended early, at byte 2; want '{' to open the list object"},
    {"\xef\xbb{}", 0, EBB_ERR_PARSE, false, 0,
     "byte 2: a cut UTF-8 byte order mark; want '{' to open the list object"},
    {"{\"items\":{}}", 0, EBB_ERR_PARSE, false, 0,
     "byte 9: \"items\" is not an array or null (it starts with '{'); want '['"},
    {"{\"items\":\"a\"}", 0, EBB_ERR_PARSE, false, 0,
     "byte 9: \"items\" is not an array or null (it starts with '\"'); want '['"},
    {"{\"items\":nul}", 0, EBB_ERR_PARSE, false, 0, "byte 9: \"items\" is not an array or null"},
    {"{\"items\": nullx}", 0, EBB_ERR_PARSE, false, 0,
     "byte 10: \"items\" is not an array or null"},
    {"{\"items\":[1]}", 0, EBB_ERR_PARSE, false, 0,
     "byte 10: item 1 is not an object (it starts with '1'); want '{'"},
    {"{\"items\":[{}, \"a\"]}", 0, EBB_ERR_PARSE, false, 1,
     "byte 14: item 2 is not an object (it starts with '\"'); want '{'"},
    {"{\"items\":[{},]}", 0, EBB_ERR_PARSE, false, 1,
     "byte 13: item 2 is not an object (it starts with ']'); want '{'"},
    {"{\"items\":[{} {}]}", 0, EBB_ERR_PARSE, false, 1,
     "byte 13: want ',' or ']' after item 1, got '{'"},
    {"{\"items\":[{\"a\":\"0123456789abcdef\"}]}", 16, EBB_ERR_LIMIT, false, 0,
     "item 1 (from byte 10) is over the limit of 16 bytes"},
    {"{\"items\":[{\"a\":1},{\"a\":\"0123456789abcdef\"}]}", 16, EBB_ERR_LIMIT, false, 1,
     "item 2 (from byte 18) is over the limit of 16 bytes"},
    {"{\"metadata\":{\"resourceVersion\":\"123456789\"},\"items\":[]}", 16, EBB_ERR_LIMIT, false, 0,
     "\"metadata\" (from byte 12) is over the limit of 16 bytes"},
    {"{\"items\":[{\"a\":tru}]}", 0, EBB_ERR_PARSE, false, 0,
     "item 1 (bytes 10 to 18 of the body) is not valid JSON: cJSON stops at byte 15"},
    {"{\"items\":[{\"a\":1},{\"a\":\"\\x\"}]}", 0, EBB_ERR_PARSE, false, 1,
     "item 2 (bytes 18 to 27 of the body) is not valid JSON: cJSON stops at byte 24"},
    {"{\"metadata\":{\"a\":},\"items\":[]}", 0, EBB_ERR_PARSE, false, 0,
     "\"metadata\" (bytes 12 to 17 of the body) is not valid JSON: cJSON stops at byte 17"},
    {"{\"items\":[]} x", 0, EBB_ERR_PARSE, false, 0,
     "byte 13: 'x' after the end of the list object; want only whitespace"},
    {"{}{}", 0, EBB_ERR_PARSE, false, 0,
     "byte 2: '{' after the end of the list object; want only whitespace"},
    {"{\"items\" []}", 0, EBB_ERR_PARSE, false, 0,
     "byte 9: want ':' after the key \"items\", got '['"},
    {"{items:[]}", 0, EBB_ERR_PARSE, false, 0, "byte 1: want a key or '}', got 'i'"},
    {"{\"a\":1,}", 0, EBB_ERR_PARSE, false, 0, "byte 7: want a key after ',', got '}'"},
    {"{\"a\":1 \"b\":2}", 0, EBB_ERR_PARSE, false, 0,
     "byte 7: want ',' or '}' after the value of \"a\", got '\"'"},
    {"{\"kind\":,\"items\":[]}", 0, EBB_ERR_PARSE, false, 0,
     "byte 8: want a value for \"kind\", got ','"},
    {"{\"\\q\":1}", 0, EBB_ERR_PARSE, false, 0,
     "byte 3: a bad escape in the key \"\\q\"; want \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u"},
    {"{\"metadata\":{\"resourceVersion\":\"0123456789012345678901234567890123456789012345678901"
     "234567890123456789012345678901234567890123456789012345678901234567890123456789\"}}",
     0, EBB_ERR_PARSE, false, 0,
     "byte 12: metadata.resourceVersion is 130 bytes, over the limit of 127"},
    /* ends early */
    {"{", 0, EBB_ERR_PARSE, true, 0, "the body ended early, at byte 1; want a key or '}'"},
    {"{\"ite", 0, EBB_ERR_PARSE, true, 0,
     "the body ended early, at byte 5; want the '\"' that closes a key"},
    {"{\"items\"", 0, EBB_ERR_PARSE, true, 0,
     "the body ended early, at byte 8; want ':' after a key"},
    {"{\"items\":", 0, EBB_ERR_PARSE, true, 0, "the body ended early, at byte 9; want a value"},
    {"{\"items\":[", 0, EBB_ERR_PARSE, true, 0,
     "the body ended early, at byte 10; want an item or ']'"},
    {"{\"items\":[{\"a\":1},", 0, EBB_ERR_PARSE, true, 1,
     "the body ended early, at byte 18; want an item"},
    {"{\"items\":[{\"a\":1}", 0, EBB_ERR_PARSE, true, 1,
     "the body ended early, at byte 17; want ',' or ']' after an item"},
    {"{\"items\":[{\"a\":1},{\"b\":\"}", 0, EBB_ERR_PARSE, true, 1,
     "the body ended early, at byte 25, inside item 2 (from byte 18); want its end"},
    {"{\"metadata\":{\"resourceVersion\":\"1\"", 0, EBB_ERR_PARSE, true, 0,
     "the body ended early, at byte 34, inside \"metadata\" (from byte 12); want its end"},
    {"{\"items\":[],\"kind\":\"Li", 0, EBB_ERR_PARSE, true, 0,
     "the body ended early, at byte 22; want the end of a value"},
    {"{\"items\":[],\"n\":12", 0, EBB_ERR_PARSE, true, 0,
     "the body ended early, at byte 18; want the end of a value"},
    {"{\"items\":[]", 0, EBB_ERR_PARSE, true, 0,
     "the body ended early, at byte 11; want ',' or '}' after a value"},
    {"{\"items\":null", 0, EBB_ERR_PARSE, true, 0,
     "the body ended early, at byte 13; want the end of a value"},
};

/* Runs one error case fed in pieces of `piece` bytes (0: whole). */
static void run_err_case(const struct err_case *e, size_t i, size_t piece)
{
    struct ebb_list_decoder d;
    size_t len = strlen(e->body), at = 0;
    enum ebb_rc rc = EBB_OK;
    ebb_list_decoder_init(&d, e->max_item);
    while (rc == EBB_OK && at < len) {
        size_t n = piece == 0 || piece > len - at ? len - at : piece;
        rc = ebb_list_decoder_feed(&d, e->body + at, n, NULL, NULL);
        at += n;
    }
    if (e->at_finish) {
        if (rc != EBB_OK)
            fail_msg("case %zu (pieces of %zu): feed failed: %s", i, piece, d.err);
        rc = ebb_list_decoder_finish(&d);
    }
    if (rc != e->rc || strcmp(d.err, e->err) != 0)
        fail_msg("case %zu (pieces of %zu) %s: got %s \"%s\", want %s \"%s\"", i, piece, e->body,
                 ebb_rc_str(rc), d.err, ebb_rc_str(e->rc), e->err);
    assert_int_equal(d.items, e->items);
    /* sticky */
    assert_int_equal(ebb_list_decoder_feed(&d, "{", 1, NULL, NULL), EBB_ERR_INVALID);
    assert_int_equal(ebb_list_decoder_finish(&d), EBB_ERR_INVALID);
    assert_string_equal(d.err, e->err);
    ebb_list_decoder_release(&d);
}

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(err_cases); i++) {
        run_err_case(&err_cases[i], i, 0);
        run_err_case(&err_cases[i], i, 1);
        run_err_case(&err_cases[i], i, 3);
    }
}

static int stop_second(void *ctx, const cJSON *item)
{
    size_t *n = ctx;
    (void)item;
    return ++*n == 2;
}

static void test_handler_stops(void **state)
{
    (void)state;
    const char *body = "{\"items\":[{\"a\":1},{\"a\":2},{\"a\":3}]}";
    for (size_t piece = 1; piece <= strlen(body); piece++) {
        struct ebb_list_decoder d;
        size_t n = 0, at = 0, len = strlen(body);
        enum ebb_rc rc = EBB_OK;
        ebb_list_decoder_init(&d, 0);
        while (rc == EBB_OK && at < len) {
            size_t k = piece > len - at ? len - at : piece;
            rc = ebb_list_decoder_feed(&d, body + at, k, stop_second, &n);
            at += k;
        }
        assert_int_equal(rc, EBB_ERR_INVALID);
        assert_int_equal(n, 2);
        assert_int_equal(d.items, 2);
        assert_string_equal(d.err, "the LIST was stopped by its item handler at item 2");
        ebb_list_decoder_release(&d);
    }
}

static void test_release_and_reuse(void **state)
{
    (void)state;
    ebb_list_decoder_release(NULL);
    struct ebb_list_decoder d;
    ebb_list_decoder_init(&d, 0);
    /* released mid-item: nothing leaks (ASan) */
    assert_int_equal(ebb_list_decoder_feed(&d, "{\"items\":[{\"a\":", 15, NULL, NULL), EBB_OK);
    assert_true(d.peak > 0);
    ebb_list_decoder_release(&d);
    ebb_list_decoder_release(&d);
}

/* ---- property: random lists -------------------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint32_t rnd(struct rng *r, uint32_t n)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(r->s >> 33) % n;
}

static void gen_ws(struct rng *r, struct ebb_strbuf *b)
{
    static const char sp[] = {' ', '\n', '\t', '\r'};
    if (rnd(r, 3) != 0)
        return;
    for (uint32_t i = rnd(r, 3) + 1; i > 0; i--)
        ebb_strbuf_addch(b, sp[rnd(r, N(sp))]);
}

/* A string of random parts; a key gets prefix (never "items" or "metadata"). */
static void gen_string(struct rng *r, struct ebb_strbuf *b, const char *prefix)
{
    static const char *const parts[] = {
        "a",
        "Z",
        "0",
        " ",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\\\"",
        "\\\\",
        "\\/",
        "\\b",
        "\\f",
        "\\n",
        "\\r",
        "\\t",
        "\\u0041",
        "\\u00e9",
        "\\u20ac",
        "\\ud83d\\ude00",
        "\\u007b",
        "\\u005d",
        "\xc3\xa9",
        "\xe2\x82\xac",
        "\xf0\x9f\x98\x80",
        "\\\\\\\"",
        "}]}",
        "\\\"x\\\":",
        "items",
        "metadata",
    };
    ebb_strbuf_addch(b, '"');
    ebb_strbuf_adds(b, prefix);
    for (uint32_t i = rnd(r, 12); i > 0; i--)
        ebb_strbuf_adds(b, parts[rnd(r, N(parts))]);
    ebb_strbuf_addch(b, '"');
}

static void gen_value(struct rng *r, struct ebb_strbuf *b, int depth);

static void gen_object(struct rng *r, struct ebb_strbuf *b, int depth)
{
    ebb_strbuf_addch(b, '{');
    gen_ws(r, b);
    uint32_t n = depth > 4 ? 0 : rnd(r, 5);
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0) {
            ebb_strbuf_addch(b, ',');
            gen_ws(r, b);
        }
        gen_string(r, b, "");
        gen_ws(r, b);
        ebb_strbuf_addch(b, ':');
        gen_ws(r, b);
        gen_value(r, b, depth + 1);
        gen_ws(r, b);
    }
    ebb_strbuf_addch(b, '}');
}

static void gen_value(struct rng *r, struct ebb_strbuf *b, int depth)
{
    static const char *const scalars[] = {"0",    "-1",    "3.25", "1e10",     "-2.5E-3",
                                          "true", "false", "null", "123456789"};
    switch (depth > 4 ? rnd(r, 2) : rnd(r, 5)) {
    case 0:
        ebb_strbuf_adds(b, scalars[rnd(r, N(scalars))]);
        break;
    case 1:
        gen_string(r, b, "");
        break;
    case 2:
    case 3:
        gen_object(r, b, depth);
        break;
    default: {
        ebb_strbuf_addch(b, '[');
        gen_ws(r, b);
        uint32_t n = rnd(r, 4);
        for (uint32_t i = 0; i < n; i++) {
            if (i > 0) {
                ebb_strbuf_addch(b, ',');
                gen_ws(r, b);
            }
            gen_value(r, b, depth + 1);
            gen_ws(r, b);
        }
        ebb_strbuf_addch(b, ']');
    }
    }
}

/* A random list: other members, "metadata" before or after "items", the
 * items random objects. */
static void gen_list(struct rng *r, struct ebb_strbuf *b)
{
    bool meta_first = rnd(r, 2) == 0;
    uint32_t n_items = rnd(r, 8);
    gen_ws(r, b);
    ebb_strbuf_adds(b, "{");
    gen_ws(r, b);
    ebb_strbuf_adds(b, "\"kind\":\"ScalingPolicyList\",");
    if (rnd(r, 2)) {
        gen_string(r, b, "x-");
        ebb_strbuf_addch(b, ':');
        gen_value(r, b, 0);
        ebb_strbuf_addch(b, ',');
    }
    for (int part = 0; part < 2; part++) {
        if ((part == 0) == meta_first) {
            ebb_strbuf_adds(b, "\"metadata\"");
            gen_ws(r, b);
            ebb_strbuf_addf(b, ":{\"resourceVersion\":\"%u\"", rnd(r, 100000));
            if (rnd(r, 2)) {
                ebb_strbuf_adds(b, ",\"continue\":");
                gen_string(r, b, "");
            }
            ebb_strbuf_adds(b, "}");
        } else {
            ebb_strbuf_adds(b, "\"items\":");
            gen_ws(r, b);
            ebb_strbuf_addch(b, '[');
            for (uint32_t i = 0; i < n_items; i++) {
                if (i > 0)
                    ebb_strbuf_addch(b, ',');
                gen_ws(r, b);
                gen_object(r, b, 0);
                gen_ws(r, b);
            }
            ebb_strbuf_addch(b, ']');
        }
        gen_ws(r, b);
        ebb_strbuf_addch(b, part == 0 ? ',' : '}');
        gen_ws(r, b);
    }
}

static void test_property_random_lists(void **state)
{
    (void)state;
    struct rng r = {0x5DEECE66Dull};
    size_t cuts[64];
    for (int round = 0; round < 3000; round++) {
        struct ebb_strbuf b = EBB_STRBUF_INIT;
        gen_list(&r, &b);
        assert_int_equal(ebb_strbuf_rc(&b), EBB_OK);
        struct want w;
        want_from_cjson(b.buf, b.len, &w);
        char what[64];
        snprintf(what, sizeof(what), "random list %d", round);
        size_t n = 0, at = 0;
        while (n < N(cuts)) {
            size_t step = rnd(&r, round % 3 == 0 ? 4 : 200) + 1;
            if (at + step >= b.len)
                break;
            at += step;
            cuts[n++] = at;
        }
        decode_cuts(b.buf, b.len, cuts, n, 0, &w, what);
        want_release(&w);
        ebb_strbuf_release(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_content),
        cmocka_unit_test(test_fixtures_whole_and_bytewise),
        cmocka_unit_test(test_fixtures_split_everywhere),
        cmocka_unit_test(test_fixture_memory_bound),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_keys_with_nul),
        cmocka_unit_test(test_long_continue),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_handler_stops),
        cmocka_unit_test(test_release_and_reuse),
        cmocka_unit_test(test_property_random_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
