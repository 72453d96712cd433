/*
 * kubesim http: HPACK (RFC 7541), the header compression of HTTP/2.
 *
 * The decoder keeps the dynamic table of one connection (newest entry
 * first, evicted from the oldest end as size updates and insertions
 * require) and hands each decoded field to a callback. Huffman strings
 * are decoded with the Appendix B code, which is canonical: codes of one
 * length are consecutive numbers, so a symbol is found from the length,
 * the first code of that length and the symbols sorted by (length,
 * symbol). The encoder writes our response fields as literals without
 * indexing and without Huffman, which every decoder accepts.
 */
#include "http2_internal.h"

#include <stdlib.h>
#include <string.h>

struct huff_sym {
    uint32_t code;
    uint8_t len;
};

struct huff_len {
    uint32_t first; /* the first code of this length */
    uint16_t start; /* its index in huff_sorted */
    uint16_t count; /* how many codes have this length */
};

/* RFC 7541 Appendix B: code (right-aligned) and length of each symbol; 256 is EOS. */
static const struct huff_sym huff_codes[257] = {
    {0x1ff8, 13},     {0x7fffd8, 23},   {0xfffffe2, 28},  {0xfffffe3, 28},  {0xfffffe4, 28},
    {0xfffffe5, 28},  {0xfffffe6, 28},  {0xfffffe7, 28},  {0xfffffe8, 28},  {0xffffea, 24},
    {0x3ffffffc, 30}, {0xfffffe9, 28},  {0xfffffea, 28},  {0x3ffffffd, 30}, {0xfffffeb, 28},
    {0xfffffec, 28},  {0xfffffed, 28},  {0xfffffee, 28},  {0xfffffef, 28},  {0xffffff0, 28},
    {0xffffff1, 28},  {0xffffff2, 28},  {0x3ffffffe, 30}, {0xffffff3, 28},  {0xffffff4, 28},
    {0xffffff5, 28},  {0xffffff6, 28},  {0xffffff7, 28},  {0xffffff8, 28},  {0xffffff9, 28},
    {0xffffffa, 28},  {0xffffffb, 28},  {0x14, 6},        {0x3f8, 10},      {0x3f9, 10},
    {0xffa, 12},      {0x1ff9, 13},     {0x15, 6},        {0xf8, 8},        {0x7fa, 11},
    {0x3fa, 10},      {0x3fb, 10},      {0xf9, 8},        {0x7fb, 11},      {0xfa, 8},
    {0x16, 6},        {0x17, 6},        {0x18, 6},        {0x0, 5},         {0x1, 5},
    {0x2, 5},         {0x19, 6},        {0x1a, 6},        {0x1b, 6},        {0x1c, 6},
    {0x1d, 6},        {0x1e, 6},        {0x1f, 6},        {0x5c, 7},        {0xfb, 8},
    {0x7ffc, 15},     {0x20, 6},        {0xffb, 12},      {0x3fc, 10},      {0x1ffa, 13},
    {0x21, 6},        {0x5d, 7},        {0x5e, 7},        {0x5f, 7},        {0x60, 7},
    {0x61, 7},        {0x62, 7},        {0x63, 7},        {0x64, 7},        {0x65, 7},
    {0x66, 7},        {0x67, 7},        {0x68, 7},        {0x69, 7},        {0x6a, 7},
    {0x6b, 7},        {0x6c, 7},        {0x6d, 7},        {0x6e, 7},        {0x6f, 7},
    {0x70, 7},        {0x71, 7},        {0x72, 7},        {0xfc, 8},        {0x73, 7},
    {0xfd, 8},        {0x1ffb, 13},     {0x7fff0, 19},    {0x1ffc, 13},     {0x3ffc, 14},
    {0x22, 6},        {0x7ffd, 15},     {0x3, 5},         {0x23, 6},        {0x4, 5},
    {0x24, 6},        {0x5, 5},         {0x25, 6},        {0x26, 6},        {0x27, 6},
    {0x6, 5},         {0x74, 7},        {0x75, 7},        {0x28, 6},        {0x29, 6},
    {0x2a, 6},        {0x7, 5},         {0x2b, 6},        {0x76, 7},        {0x2c, 6},
    {0x8, 5},         {0x9, 5},         {0x2d, 6},        {0x77, 7},        {0x78, 7},
    {0x79, 7},        {0x7a, 7},        {0x7b, 7},        {0x7ffe, 15},     {0x7fc, 11},
    {0x3ffd, 14},     {0x1ffd, 13},     {0xffffffc, 28},  {0xfffe6, 20},    {0x3fffd2, 22},
    {0xfffe7, 20},    {0xfffe8, 20},    {0x3fffd3, 22},   {0x3fffd4, 22},   {0x3fffd5, 22},
    {0x7fffd9, 23},   {0x3fffd6, 22},   {0x7fffda, 23},   {0x7fffdb, 23},   {0x7fffdc, 23},
    {0x7fffdd, 23},   {0x7fffde, 23},   {0xffffeb, 24},   {0x7fffdf, 23},   {0xffffec, 24},
    {0xffffed, 24},   {0x3fffd7, 22},   {0x7fffe0, 23},   {0xffffee, 24},   {0x7fffe1, 23},
    {0x7fffe2, 23},   {0x7fffe3, 23},   {0x7fffe4, 23},   {0x1fffdc, 21},   {0x3fffd8, 22},
    {0x7fffe5, 23},   {0x3fffd9, 22},   {0x7fffe6, 23},   {0x7fffe7, 23},   {0xffffef, 24},
    {0x3fffda, 22},   {0x1fffdd, 21},   {0xfffe9, 20},    {0x3fffdb, 22},   {0x3fffdc, 22},
    {0x7fffe8, 23},   {0x7fffe9, 23},   {0x1fffde, 21},   {0x7fffea, 23},   {0x3fffdd, 22},
    {0x3fffde, 22},   {0xfffff0, 24},   {0x1fffdf, 21},   {0x3fffdf, 22},   {0x7fffeb, 23},
    {0x7fffec, 23},   {0x1fffe0, 21},   {0x1fffe1, 21},   {0x3fffe0, 22},   {0x1fffe2, 21},
    {0x7fffed, 23},   {0x3fffe1, 22},   {0x7fffee, 23},   {0x7fffef, 23},   {0xfffea, 20},
    {0x3fffe2, 22},   {0x3fffe3, 22},   {0x3fffe4, 22},   {0x7ffff0, 23},   {0x3fffe5, 22},
    {0x3fffe6, 22},   {0x7ffff1, 23},   {0x3ffffe0, 26},  {0x3ffffe1, 26},  {0xfffeb, 20},
    {0x7fff1, 19},    {0x3fffe7, 22},   {0x7ffff2, 23},   {0x3fffe8, 22},   {0x1ffffec, 25},
    {0x3ffffe2, 26},  {0x3ffffe3, 26},  {0x3ffffe4, 26},  {0x7ffffde, 27},  {0x7ffffdf, 27},
    {0x3ffffe5, 26},  {0xfffff1, 24},   {0x1ffffed, 25},  {0x7fff2, 19},    {0x1fffe3, 21},
    {0x3ffffe6, 26},  {0x7ffffe0, 27},  {0x7ffffe1, 27},  {0x3ffffe7, 26},  {0x7ffffe2, 27},
    {0xfffff2, 24},   {0x1fffe4, 21},   {0x1fffe5, 21},   {0x3ffffe8, 26},  {0x3ffffe9, 26},
    {0xffffffd, 28},  {0x7ffffe3, 27},  {0x7ffffe4, 27},  {0x7ffffe5, 27},  {0xfffec, 20},
    {0xfffff3, 24},   {0xfffed, 20},    {0x1fffe6, 21},   {0x3fffe9, 22},   {0x1fffe7, 21},
    {0x1fffe8, 21},   {0x7ffff3, 23},   {0x3fffea, 22},   {0x3fffeb, 22},   {0x1ffffee, 25},
    {0x1ffffef, 25},  {0xfffff4, 24},   {0xfffff5, 24},   {0x3ffffea, 26},  {0x7ffff4, 23},
    {0x3ffffeb, 26},  {0x7ffffe6, 27},  {0x3ffffec, 26},  {0x3ffffed, 26},  {0x7ffffe7, 27},
    {0x7ffffe8, 27},  {0x7ffffe9, 27},  {0x7ffffea, 27},  {0x7ffffeb, 27},  {0xffffffe, 28},
    {0x7ffffec, 27},  {0x7ffffed, 27},  {0x7ffffee, 27},  {0x7ffffef, 27},  {0x7fffff0, 27},
    {0x3ffffee, 26},  {0x3fffffff, 30},
};

/* The code is canonical: the symbols ordered by (length, symbol), and for
 * each length the first code and the index of its first symbol there. */
static const uint16_t huff_sorted[257] = {
    48,  49,  50,  97,  99,  101, 105, 111, 115, 116, 32,  37,  45,  46,  47,  51,  52,  53,  54,
    55,  56,  57,  61,  65,  95,  98,  100, 102, 103, 104, 108, 109, 110, 112, 114, 117, 58,  66,
    67,  68,  69,  70,  71,  72,  73,  74,  75,  76,  77,  78,  79,  80,  81,  82,  83,  84,  85,
    86,  87,  89,  106, 107, 113, 118, 119, 120, 121, 122, 38,  42,  44,  59,  88,  90,  33,  34,
    40,  41,  63,  39,  43,  124, 35,  62,  0,   36,  64,  91,  93,  126, 94,  125, 60,  96,  123,
    92,  195, 208, 128, 130, 131, 162, 184, 194, 224, 226, 153, 161, 167, 172, 176, 177, 179, 209,
    216, 217, 227, 229, 230, 129, 132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170, 173,
    178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232, 233, 1,   135, 137, 138, 139, 140, 141,
    143, 147, 149, 150, 151, 152, 155, 157, 158, 165, 166, 168, 174, 175, 180, 182, 183, 188, 191,
    197, 231, 239, 9,   142, 144, 145, 148, 159, 171, 206, 215, 225, 236, 237, 199, 207, 234, 235,
    192, 193, 200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243, 255, 203, 204, 211, 212,
    214, 221, 222, 223, 241, 244, 245, 246, 247, 248, 250, 251, 252, 253, 254, 2,   3,   4,   5,
    6,   7,   8,   11,  12,  14,  15,  16,  17,  18,  19,  20,  21,  23,  24,  25,  26,  27,  28,
    29,  30,  31,  127, 220, 249, 10,  13,  22,  256,
};
static const struct huff_len huff_lens[31] = {
    {0, 0, 0},
    {0, 0, 0},
    {0, 0, 0},
    {0, 0, 0},
    {0, 0, 0},
    {0x0, 0, 10},   /* 5 */
    {0x14, 10, 26}, /* 6 */
    {0x5c, 36, 32}, /* 7 */
    {0xf8, 68, 6},  /* 8 */
    {0, 0, 0},
    {0x3f8, 74, 5},  /* 10 */
    {0x7fa, 79, 3},  /* 11 */
    {0xffa, 82, 2},  /* 12 */
    {0x1ff8, 84, 6}, /* 13 */
    {0x3ffc, 90, 2}, /* 14 */
    {0x7ffc, 92, 3}, /* 15 */
    {0, 0, 0},
    {0, 0, 0},
    {0, 0, 0},
    {0x7fff0, 95, 3},     /* 19 */
    {0xfffe6, 98, 8},     /* 20 */
    {0x1fffdc, 106, 13},  /* 21 */
    {0x3fffd2, 119, 26},  /* 22 */
    {0x7fffd8, 145, 29},  /* 23 */
    {0xffffea, 174, 12},  /* 24 */
    {0x1ffffec, 186, 4},  /* 25 */
    {0x3ffffe0, 190, 15}, /* 26 */
    {0x7ffffde, 205, 19}, /* 27 */
    {0xfffffe2, 224, 29}, /* 28 */
    {0, 0, 0},
    {0x3ffffffc, 253, 4}, /* 30 */
};

/* RFC 7541 Appendix A. */
static const char *const static_table[61][2] = {
    {":authority", ""},
    {":method", "GET"},
    {":method", "POST"},
    {":path", "/"},
    {":path", "/index.html"},
    {":scheme", "http"},
    {":scheme", "https"},
    {":status", "200"},
    {":status", "204"},
    {":status", "206"},
    {":status", "304"},
    {":status", "400"},
    {":status", "404"},
    {":status", "500"},
    {"accept-charset", ""},
    {"accept-encoding", "gzip, deflate"},
    {"accept-language", ""},
    {"accept-ranges", ""},
    {"accept", ""},
    {"access-control-allow-origin", ""},
    {"age", ""},
    {"allow", ""},
    {"authorization", ""},
    {"cache-control", ""},
    {"content-disposition", ""},
    {"content-encoding", ""},
    {"content-language", ""},
    {"content-length", ""},
    {"content-location", ""},
    {"content-range", ""},
    {"content-type", ""},
    {"cookie", ""},
    {"date", ""},
    {"etag", ""},
    {"expect", ""},
    {"expires", ""},
    {"from", ""},
    {"host", ""},
    {"if-match", ""},
    {"if-modified-since", ""},
    {"if-none-match", ""},
    {"if-range", ""},
    {"if-unmodified-since", ""},
    {"last-modified", ""},
    {"link", ""},
    {"location", ""},
    {"max-forwards", ""},
    {"proxy-authenticate", ""},
    {"proxy-authorization", ""},
    {"range", ""},
    {"referer", ""},
    {"refresh", ""},
    {"retry-after", ""},
    {"server", ""},
    {"set-cookie", ""},
    {"strict-transport-security", ""},
    {"transfer-encoding", ""},
    {"user-agent", ""},
    {"vary", ""},
    {"via", ""},
    {"www-authenticate", ""},
};

#define HPACK_MAX_INT (1u << 30)

/* ---- Huffman ---------------------------------------------------------------------------- */

int h2_huff_decode(const uint8_t *p, size_t n, struct ebb_strbuf *out)
{
    uint32_t code = 0;
    unsigned len = 0;

    for (size_t i = 0; i < n; i++) {
        for (int b = 7; b >= 0; b--) {
            code = (code << 1) | ((p[i] >> b) & 1u);
            len++;
            if (len > 30)
                return H2_COMPRESSION_ERROR; /* cannot happen: the code is complete */
            const struct huff_len *l = &huff_lens[len];
            if (l->count && code >= l->first && code - l->first < l->count) {
                unsigned sym = huff_sorted[l->start + (code - l->first)];
                if (sym == 256)
                    return H2_COMPRESSION_ERROR; /* EOS inside a string */
                ebb_strbuf_addch(out, (char)sym);
                code = 0;
                len = 0;
            }
        }
    }
    /* Padding: at most 7 bits, the most significant bits of EOS (ones). */
    if (len > 7 || code != (1u << len) - 1)
        return H2_COMPRESSION_ERROR;
    return ebb_strbuf_rc(out) ? -1 : 0;
}

void h2_huff_encode(const uint8_t *p, size_t n, struct ebb_strbuf *out)
{
    uint64_t acc = 0;
    unsigned bits = 0;

    for (size_t i = 0; i < n; i++) {
        const struct huff_sym *s = &huff_codes[p[i]];
        acc = (acc << s->len) | s->code;
        bits += s->len;
        while (bits >= 8) {
            ebb_strbuf_addch(out, (char)((acc >> (bits - 8)) & 0xff));
            bits -= 8;
        }
        acc &= (1ull << bits) - 1;
    }
    if (bits)
        ebb_strbuf_addch(out, (char)(((acc << (8 - bits)) | ((1u << (8 - bits)) - 1)) & 0xff));
}

/* ---- primitives ------------------------------------------------------------------------- */

/* RFC 7541 5.1. */
static int dec_int(const uint8_t **pp, const uint8_t *end, unsigned prefix, size_t *out)
{
    const uint8_t *p = *pp;
    size_t mask = ((size_t)1 << prefix) - 1;

    if (p >= end)
        return -1;
    size_t v = *p++ & mask;
    if (v == mask) {
        unsigned shift = 0;
        for (;;) {
            if (p >= end || shift > 28)
                return -1;
            uint8_t b = *p++;
            v += (size_t)(b & 0x7f) << shift;
            shift += 7;
            if (!(b & 0x80))
                break;
        }
    }
    if (v > HPACK_MAX_INT)
        return -1;
    *pp = p;
    *out = v;
    return 0;
}

/* RFC 7541 5.2: a string literal into out (reset first). */
static int dec_str(const uint8_t **pp, const uint8_t *end, struct ebb_strbuf *out)
{
    const uint8_t *p = *pp;
    size_t n;

    ebb_strbuf_reset(out);
    if (p >= end)
        return H2_COMPRESSION_ERROR;
    bool huff = (*p & 0x80) != 0;
    if (dec_int(&p, end, 7, &n) != 0 || n > (size_t)(end - p))
        return H2_COMPRESSION_ERROR;
    int rc = 0;
    if (huff) {
        rc = h2_huff_decode(p, n, out);
    } else {
        ebb_strbuf_add(out, p, n);
        rc = ebb_strbuf_rc(out) ? -1 : 0;
    }
    *pp = p + n;
    return rc;
}

void h2_hpack_encode_int(struct ebb_strbuf *out, uint8_t first, unsigned prefix_bits, size_t v)
{
    size_t mask = ((size_t)1 << prefix_bits) - 1;

    if (v < mask) {
        ebb_strbuf_addch(out, (char)(first | (uint8_t)v));
        return;
    }
    ebb_strbuf_addch(out, (char)(first | (uint8_t)mask));
    v -= mask;
    while (v >= 128) {
        ebb_strbuf_addch(out, (char)(0x80 | (v & 0x7f)));
        v >>= 7;
    }
    ebb_strbuf_addch(out, (char)v);
}

void h2_hpack_encode(struct ebb_strbuf *out, const char *name, const char *value)
{
    size_t nlen = strlen(name), vlen = strlen(value);

    ebb_strbuf_addch(out, 0x00); /* literal without indexing, new name */
    h2_hpack_encode_int(out, 0x00, 7, nlen);
    for (size_t i = 0; i < nlen; i++) {
        char ch = name[i];
        ebb_strbuf_addch(out, ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch);
    }
    h2_hpack_encode_int(out, 0x00, 7, vlen);
    ebb_strbuf_add(out, value, vlen);
}

/* ---- the dynamic table ------------------------------------------------------------------ */

void h2_hpack_init(struct h2_hpack *d, size_t limit)
{
    memset(d, 0, sizeof(*d));
    d->limit = limit;
    d->max_size = limit;
}

void h2_hpack_release(struct h2_hpack *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->ents[i].name);
    free(d->ents);
    memset(d, 0, sizeof(*d));
}

static void evict_to(struct h2_hpack *d, size_t size)
{
    while (d->n > 0 && d->size > size) {
        struct hpack_entry *e = &d->ents[--d->n];
        d->size -= e->nlen + e->vlen + 32;
        free(e->name);
    }
}

/* RFC 7541 4.4. Returns 0 or -1 (memory). */
static int table_add(struct h2_hpack *d, const char *name, size_t nlen, const char *value,
                     size_t vlen)
{
    size_t es = nlen + vlen + 32;

    if (es > d->max_size) {
        evict_to(d, 0); /* not an error: the table ends up empty */
        return 0;
    }
    char *buf = malloc(nlen + vlen + 2);
    if (!buf)
        return -1;
    memcpy(buf, name, nlen);
    buf[nlen] = '\0';
    memcpy(buf + nlen + 1, value, vlen);
    buf[nlen + 1 + vlen] = '\0';
    evict_to(d, d->max_size - es);
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct hpack_entry *v = realloc(d->ents, cap * sizeof(*v));
        if (!v) {
            free(buf);
            return -1;
        }
        d->ents = v;
        d->cap = cap;
    }
    memmove(d->ents + 1, d->ents, d->n * sizeof(*d->ents));
    d->ents[0] = (struct hpack_entry){buf, buf + nlen + 1, nlen, vlen};
    d->n++;
    d->size += es;
    /* buf now belongs to d->ents[0]. */
    /* cppcheck-suppress memleak */
    return 0;
}

/* Entry idx (1-based: static, then dynamic); false when out of range. */
static bool lookup(const struct h2_hpack *d, size_t idx, const char **name, size_t *nlen,
                   const char **value, size_t *vlen)
{
    if (idx >= 1 && idx <= 61) {
        *name = static_table[idx - 1][0];
        *value = static_table[idx - 1][1];
        *nlen = strlen(*name);
        *vlen = strlen(*value);
        return true;
    }
    if (idx > 61 && idx - 62 < d->n) {
        const struct hpack_entry *e = &d->ents[idx - 62];
        *name = e->name;
        *value = e->value;
        *nlen = e->nlen;
        *vlen = e->vlen;
        return true;
    }
    return false;
}

/* ---- decoding --------------------------------------------------------------------------- */

static int decode_block(struct h2_hpack *d, const uint8_t *p, const uint8_t *end, h2_field_fn fn,
                        void *ud, struct ebb_strbuf *nb, struct ebb_strbuf *vb)
{
    bool may_resize = true;

    while (p < end) {
        uint8_t b = *p;
        size_t idx;
        const char *name, *value;
        size_t nlen, vlen;
        int rc;

        if (b & 0x80) { /* indexed field */
            if (dec_int(&p, end, 7, &idx) != 0 || !lookup(d, idx, &name, &nlen, &value, &vlen))
                return H2_COMPRESSION_ERROR;
            may_resize = false;
            rc = fn(ud, name, nlen, value, vlen);
            if (rc)
                return rc;
            continue;
        }
        if ((b & 0xe0) == 0x20) { /* dynamic table size update */
            if (!may_resize || dec_int(&p, end, 5, &idx) != 0 || idx > d->limit)
                return H2_COMPRESSION_ERROR;
            d->max_size = idx;
            evict_to(d, idx);
            continue;
        }
        may_resize = false;
        bool incremental = (b & 0xc0) == 0x40;
        if (dec_int(&p, end, incremental ? 6 : 4, &idx) != 0)
            return H2_COMPRESSION_ERROR;
        if (idx == 0) {
            rc = dec_str(&p, end, nb);
            if (rc)
                return rc;
        } else {
            if (!lookup(d, idx, &name, &nlen, &value, &vlen))
                return H2_COMPRESSION_ERROR;
            ebb_strbuf_reset(nb);
            ebb_strbuf_add(nb, name, nlen);
            if (ebb_strbuf_rc(nb))
                return -1;
        }
        rc = dec_str(&p, end, vb);
        if (rc)
            return rc;
        if (incremental && table_add(d, nb->buf, nb->len, vb->buf, vb->len) != 0)
            return -1;
        rc = fn(ud, nb->buf, nb->len, vb->buf, vb->len);
        if (rc)
            return rc;
    }
    return 0;
}

int h2_hpack_decode(struct h2_hpack *d, const uint8_t *p, size_t n, h2_field_fn fn, void *ud)
{
    struct ebb_strbuf nb, vb;

    ebb_strbuf_init(&nb);
    ebb_strbuf_init(&vb);
    int rc = decode_block(d, p, p + n, fn, ud, &nb, &vb);
    ebb_strbuf_release(&nb);
    ebb_strbuf_release(&vb);
    return rc;
}
