/* listdec.c -- a LIST response body decoded item by item; see listdec.h. EDGE (cJSON).
 *
 * The tokenizer reads the top-level object one member at a time: its key,
 * ':', then the value, which is either tokenized further ("items": '[',
 * then elements, ',' and ']'), kept whole ("metadata", an element) or only
 * scanned past (the rest). Finding where a value or element ends needs only
 * its nesting depth and whether a string (and a backslash escape) is open,
 * so scanning never looks back and a cut anywhere costs nothing. Whether
 * what lies inside is valid JSON is cJSON's to say, once per element.
 *
 * A kept value (an element, "metadata") is a span: while it is open, its
 * bytes from earlier feeds sit in d->buf and those of the current feed are
 * only remembered by where they start; a span that opens and closes within
 * one feed is never copied. d->buf grows by doubling but never past
 * max_item, which no span may exceed, so it never holds more than that.
 */
#include "listdec.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN 256

enum state {
    ST_START = 0,   /* before the top-level '{' */
    ST_OPEN,        /* after '{': a key or '}' */
    ST_KEY_NEXT,    /* after ',': a key */
    ST_KEY,         /* inside a key */
    ST_COLON,       /* after a key */
    ST_VALUE,       /* before a member's value */
    ST_AFTER_VALUE, /* after a member's value: ',' or '}' */
    ST_ITEMS_OPEN,  /* after "items":[ : an element or ']' */
    ST_ITEMS_NEXT,  /* after ',' in "items": an element */
    ST_ITEMS_AFTER, /* after an element: ',' or ']' */
    ST_NEST,        /* inside a string, object or array value, or an element */
    ST_SCALAR,      /* inside a number or literal value */
    ST_DONE,        /* after the top-level '}' */
    ST__COUNT
};

/* What the body still wanted when it ended, by state. */
static const char *const want_at_end[ST__COUNT] = {
    [ST_START] = "'{' to open the list object",
    [ST_OPEN] = "a key or '}'",
    [ST_KEY_NEXT] = "a key",
    [ST_KEY] = "the '\"' that closes a key",
    [ST_COLON] = "':' after a key",
    [ST_VALUE] = "a value",
    [ST_AFTER_VALUE] = "',' or '}' after a value",
    [ST_ITEMS_OPEN] = "an item or ']'",
    [ST_ITEMS_NEXT] = "an item",
    [ST_ITEMS_AFTER] = "',' or ']' after an item",
    [ST_NEST] = "the end of a value",
    [ST_SCALAR] = "the end of a value",
    [ST_DONE] = "nothing",
};

enum member { M_OTHER = 0, M_ITEMS, M_METADATA };

void ebb_list_decoder_init(struct ebb_list_decoder *d, size_t max_item)
{
    memset(d, 0, sizeof(*d));
    ebb_strbuf_init(&d->continue_token);
    d->max_item = max_item != 0 ? max_item : EBB_LIST_DEFAULT_MAX_ITEM;
    d->state = ST_START;
}

void ebb_list_decoder_release(struct ebb_list_decoder *d)
{
    if (d == NULL)
        return;
    ebb_strbuf_release(&d->continue_token);
    free(d->buf);
    d->buf = NULL;
    d->len = d->alloc = 0;
}

static enum ebb_rc fail(struct ebb_list_decoder *d, enum ebb_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum ebb_rc fail(struct ebb_list_decoder *d, enum ebb_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof(d->err), fmt, ap);
    va_end(ap);
    if (d->err[0] == '\0')
        snprintf(d->err, sizeof(d->err), "LIST decoding failed");
    return rc;
}

/* cJSON's whitespace: every byte up to the space. */
static bool ws(char c)
{
    return (unsigned char)c <= 0x20;
}

/* A byte shown in a message: 'x', or its hex value. */
static const char *byte_name(char c, char *buf, size_t bufsz)
{
    unsigned char u = (unsigned char)c;
    if (u > 0x20 && u < 0x7f)
        snprintf(buf, bufsz, "'%c'", c);
    else
        snprintf(buf, bufsz, "byte 0x%02x", u);
    return buf;
}

/* The kept start of the current key, shown in a message: at most 32 bytes,
 * control characters and non-ASCII bytes as '?'. */
static const char *key_name(const struct ebb_list_decoder *d, char *buf, size_t bufsz)
{
    size_t n = d->key_len < sizeof(d->key) ? d->key_len : sizeof(d->key);
    size_t i;
    for (i = 0; i < n && i < 32 && i + 4 < bufsz; i++) {
        unsigned char c = (unsigned char)d->key[i];
        buf[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    if (i < d->key_len && i + 3 < bufsz) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

/* The name a key decodes to is only compared with "items" and "metadata",
 * as cJSON_GetObjectItemCaseSensitive compares it: with strcmp(), so it
 * ends at its first NUL (a raw one or a \u0000), whatever follows. */
enum name_state { NAME_OPEN = 0, NAME_ENDED, NAME_OTHER };
#define UCODE_BAD 0x100000u

static void name_add(struct ebb_list_decoder *d, unsigned ch)
{
    if (d->name_state != NAME_OPEN)
        return;
    if (ch == 0)
        d->name_state = NAME_ENDED;
    else if (ch >= 0x80 || d->name_len == sizeof(d->name) - 1)
        d->name_state = NAME_OTHER; /* "items" and "metadata" are short ASCII */
    else
        d->name[d->name_len++] = (char)ch;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One byte of a key (after its opening quote, not its closing one). Two
 * readings, as in cJSON: where the key ends pairs each backslash with the
 * byte after it (d->esc); what it decodes to reads escapes in sequence, a
 * \u taking the next 4 bytes whatever they are (d->desc, d->uhex). They
 * can disagree on a byte ("\u00\"" ends with the \u swallowing the
 * backslash); the first says where the key ends, the second what it is. */
static enum ebb_rc key_byte(struct ebb_list_decoder *d, char c, size_t at)
{
    if (d->key_len < sizeof(d->key))
        d->key[d->key_len] = c;
    d->key_len++;
    d->esc = !d->esc && c == '\\';
    if (d->uhex > 0) {
        /* cJSON reads a \u with a non-hex digit among its 4 as U+0000 */
        int v = hex_value(c);
        if (v < 0)
            d->ucode = UCODE_BAD;
        else if (d->ucode != UCODE_BAD)
            d->ucode = d->ucode * 16 + (unsigned)v;
        if (--d->uhex == 0)
            name_add(d, d->ucode == UCODE_BAD ? 0 : d->ucode < 0x80 ? d->ucode : 0x80);
        return EBB_OK;
    }
    if (d->desc) {
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *e = c != '\0' ? strchr(from, c) : NULL;
        d->desc = false;
        if (c == 'u') {
            d->uhex = 4;
            d->ucode = 0;
        } else if (e != NULL) {
            name_add(d, (unsigned char)to[e - from]);
        } else {
            char k[48];
            return fail(d, EBB_ERR_PARSE,
                        "byte %zu: a bad escape in the key \"%s\"; want \\\" \\\\ \\/ \\b \\f \\n "
                        "\\r \\t or \\u",
                        at, key_name(d, k, sizeof(k)));
        }
        return EBB_OK;
    }
    if (c == '\\')
        d->desc = true;
    else
        name_add(d, (unsigned char)c);
    return EBB_OK;
}

/* Which member the key just read names. Only the first "items" and the
 * first "metadata" count: cJSON_GetObjectItemCaseSensitive finds those. */
static void classify_key(struct ebb_list_decoder *d)
{
    d->member = M_OTHER;
    if (d->name_state == NAME_OTHER)
        return;
    d->name[d->name_len] = '\0';
    if (strcmp(d->name, "items") == 0 && !d->items_seen) {
        d->items_seen = true;
        d->member = M_ITEMS;
    } else if (strcmp(d->name, "metadata") == 0 && !d->metadata_seen) {
        d->metadata_seen = true;
        d->member = M_METADATA;
    }
}

/* Appends n bytes of the open span to d->buf, which grows to max_item at
 * most (a span is never longer). */
static enum ebb_rc keep(struct ebb_list_decoder *d, const char *p, size_t n)
{
    if (n == 0)
        return EBB_OK;
    size_t need = d->len + n;
    if (need > d->alloc) {
        size_t cap = d->alloc != 0 ? d->alloc : BUF_MIN;
        while (cap < need && cap <= SIZE_MAX / 2)
            cap *= 2;
        if (cap < need)
            cap = need;
        if (cap > d->max_item)
            cap = need > d->max_item ? need : d->max_item;
        char *nb = realloc(d->buf, cap);
        if (nb == NULL)
            return fail(d, EBB_ERR_NOMEM, "out of memory keeping %zu bytes of item %zu", need,
                        d->items + 1);
        d->buf = nb;
        d->alloc = cap;
        if (cap > d->peak)
            d->peak = cap;
    }
    memcpy(d->buf + d->len, p, n);
    d->len += n;
    return EBB_OK;
}

/* The open span ends before data[end]: *p, *n are its bytes, in place when
 * they all came in this feed (from data[from]). */
static enum ebb_rc span_close(struct ebb_list_decoder *d, const char *data, size_t from, size_t end,
                              const char **p, size_t *n)
{
    d->span_on = false;
    if (d->len == 0) {
        *p = data + from;
        *n = end - from;
        return EBB_OK;
    }
    enum ebb_rc rc = keep(d, data + from, end - from);
    *p = d->buf;
    *n = d->len;
    return rc;
}

/* What the span so far is called in a message. */
static const char *span_name(const struct ebb_list_decoder *d, char *buf, size_t bufsz)
{
    if (d->member == M_ITEMS)
        snprintf(buf, bufsz, "item %zu", d->items + 1);
    else
        snprintf(buf, bufsz, "\"metadata\"");
    return buf;
}

/* One element, complete: parsed alone and handed to fn. */
static enum ebb_rc emit(struct ebb_list_decoder *d, const char *p, size_t n, ebb_list_item_fn *fn,
                        void *ctx)
{
    size_t no = d->items + 1;
    const char *end = NULL;
    enum ebb_rc rc = EBB_OK;
    cJSON *item = cJSON_ParseWithLengthOpts(p, n, &end, false);
    if (item == NULL || end != p + n) {
        size_t at = end != NULL && end >= p && end <= p + n ? (size_t)(end - p) : 0;
        rc = fail(d, EBB_ERR_PARSE,
                  "item %zu (bytes %zu to %zu of the body) is not valid JSON: cJSON stops at "
                  "byte %zu",
                  no, d->span_begin, d->span_begin + n - 1, d->span_begin + at);
        goto out;
    }
    d->items++;
    if (fn != NULL && fn(ctx, item) != 0)
        rc = fail(d, EBB_ERR_INVALID, "the LIST was stopped by its item handler at item %zu", no);
out:
    cJSON_Delete(item);
    return rc;
}

/* The "metadata" value, complete: its resourceVersion and continue. */
static enum ebb_rc read_metadata(struct ebb_list_decoder *d, const char *p, size_t n)
{
    const char *end = NULL;
    enum ebb_rc rc = EBB_OK;
    cJSON *md = cJSON_ParseWithLengthOpts(p, n, &end, false);
    if (md == NULL || end != p + n) {
        size_t at = end != NULL && end >= p && end <= p + n ? (size_t)(end - p) : 0;
        rc = fail(d, EBB_ERR_PARSE,
                  "\"metadata\" (bytes %zu to %zu of the body) is not valid JSON: cJSON stops at "
                  "byte %zu",
                  d->span_begin, d->span_begin + n - 1, d->span_begin + at);
        goto out;
    }
    if (!cJSON_IsObject(md))
        goto out; /* not a list's metadata: has_metadata stays false */
    d->has_metadata = true;
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
    const cJSON *cont = cJSON_GetObjectItemCaseSensitive(md, "continue");
    if (cJSON_IsString(rv)) {
        size_t rv_len = strlen(rv->valuestring);
        if (rv_len >= sizeof(d->resource_version)) {
            rc = fail(d, EBB_ERR_PARSE,
                      "byte %zu: metadata.resourceVersion is %zu bytes, over the limit of %zu",
                      d->span_begin, rv_len, sizeof(d->resource_version) - 1);
            goto out;
        }
        memcpy(d->resource_version, rv->valuestring, rv_len + 1);
    }
    if (cJSON_IsString(cont)) {
        ebb_strbuf_reset(&d->continue_token);
        ebb_strbuf_adds(&d->continue_token, cont->valuestring);
        if (ebb_strbuf_rc(&d->continue_token) != EBB_OK)
            rc = fail(d, EBB_ERR_NOMEM, "out of memory keeping metadata.continue");
    }
out:
    cJSON_Delete(md);
    return rc;
}

/* Scans data[pos, lim) for the byte that closes the string, object or
 * array being read (depth 0 and in_str: a string value). Returns its index,
 * or SIZE_MAX when it is not there. */
static size_t scan_nest(struct ebb_list_decoder *d, const char *data, size_t pos, size_t lim)
{
    while (pos < lim) {
        if (d->in_str && !d->esc) {
            while (pos < lim && data[pos] != '"' && data[pos] != '\\')
                pos++;
            if (pos == lim)
                break;
        }
        char c = data[pos];
        if (d->in_str) {
            if (d->esc)
                d->esc = false;
            else if (c == '\\')
                d->esc = true;
            else if (c == '"') {
                d->in_str = false;
                if (d->depth == 0)
                    return pos;
            }
        } else if (c == '"') {
            d->in_str = true;
        } else if (c == '{' || c == '[') {
            d->depth++;
        } else if (c == '}' || c == ']') {
            if (--d->depth == 0)
                return pos;
        }
        pos++;
    }
    return SIZE_MAX;
}

/* Scans data[pos, lim) for the byte after a number or literal. */
static size_t scan_scalar(struct ebb_list_decoder *d, const char *data, size_t pos, size_t lim)
{
    for (; pos < lim; pos++) {
        char c = data[pos];
        if (ws(c) || c == ',' || c == '}' || c == ']')
            return pos;
        if (d->member == M_ITEMS && d->lit_len < sizeof(d->lit))
            d->lit[d->lit_len] = c;
        if (d->member == M_ITEMS)
            d->lit_len++;
    }
    return SIZE_MAX;
}

/* Starts reading a value whose first byte is c (not yet consumed). */
static void begin_value(struct ebb_list_decoder *d, char c, size_t *pos)
{
    d->in_str = false;
    d->esc = false;
    d->depth = 0;
    if (c == '"') {
        d->in_str = true;
        d->state = ST_NEST;
        (*pos)++;
    } else if (c == '{' || c == '[') {
        d->depth = 1;
        d->state = ST_NEST;
        (*pos)++;
    } else {
        d->lit_len = 0;
        d->state = ST_SCALAR;
    }
}

static void span_open(struct ebb_list_decoder *d, size_t pos, size_t *from)
{
    d->span_on = true;
    d->span_begin = d->offset + pos;
    d->len = 0;
    *from = pos;
}

/* A value of the top-level object (or an element) ended before data[end]. */
static enum ebb_rc value_done(struct ebb_list_decoder *d, const char *data, size_t from, size_t end,
                              ebb_list_item_fn *fn, void *ctx)
{
    const char *p;
    size_t n;
    enum ebb_rc rc = EBB_OK;
    if (d->member == M_OTHER) {
        d->state = ST_AFTER_VALUE;
        return EBB_OK;
    }
    if (d->member == M_ITEMS && d->state == ST_SCALAR) {
        /* "items": null is a list without items */
        d->state = ST_AFTER_VALUE;
        if (d->lit_len == 4 && memcmp(d->lit, "null", 4) == 0) {
            d->has_items = true;
            return EBB_OK;
        }
        return fail(d, EBB_ERR_PARSE, "byte %zu: \"items\" is not an array or null",
                    d->offset + end - d->lit_len);
    }
    rc = span_close(d, data, from, end, &p, &n);
    if (rc == EBB_OK)
        rc = d->member == M_ITEMS ? emit(d, p, n, fn, ctx) : read_metadata(d, p, n);
    d->len = 0;
    d->state = d->member == M_ITEMS ? ST_ITEMS_AFTER : ST_AFTER_VALUE;
    return rc;
}

/* Reads a value or element from data[pos]: on to its end, or to the end of
 * data (or of what the span may still take). */
static enum ebb_rc step_value(struct ebb_list_decoder *d, const char *data, size_t len, size_t *pos,
                              size_t from, ebb_list_item_fn *fn, void *ctx)
{
    size_t lim = len;
    if (d->span_on) {
        size_t held = d->len + (*pos - from);
        size_t room = d->max_item - held; /* held <= max_item always */
        if (room < len - *pos)
            lim = *pos + room;
    }
    size_t end =
        d->state == ST_NEST ? scan_nest(d, data, *pos, lim) : scan_scalar(d, data, *pos, lim);
    if (end == SIZE_MAX) {
        *pos = lim;
        if (lim < len) {
            char what[32];
            return fail(d, EBB_ERR_LIMIT, "%s (from byte %zu) is over the limit of %zu bytes",
                        span_name(d, what, sizeof(what)), d->span_begin, d->max_item);
        }
        return EBB_OK;
    }
    if (d->state == ST_NEST)
        end++; /* the closing byte is the value's; a scalar's end byte is not */
    *pos = end;
    return value_done(d, data, from, end, fn, ctx);
}

/* One structural byte data[*pos] (outside a value being scanned). */
static enum ebb_rc step(struct ebb_list_decoder *d, const char *data, size_t *pos, size_t *from)
{
    static const unsigned char bom[3] = {0xef, 0xbb, 0xbf};
    char c = data[*pos];
    size_t at = d->offset + *pos;
    char b[16], k[48];

    if (d->state == ST_START && !d->bom_done) {
        /* cJSON skips a UTF-8 byte order mark at the very start */
        if ((unsigned char)c == bom[d->bom_len]) {
            if (++d->bom_len == sizeof(bom))
                d->bom_done = true;
            (*pos)++;
            return EBB_OK;
        }
        if (d->bom_len > 0)
            return fail(d, EBB_ERR_PARSE,
                        "byte %zu: a cut UTF-8 byte order mark; want '{' to open the list object",
                        at);
        d->bom_done = true;
    }
    if (d->state == ST_KEY) {
        (*pos)++;
        if (c == '"' && !d->esc) {
            d->state = ST_COLON;
            classify_key(d);
            return EBB_OK;
        }
        return key_byte(d, c, at);
    }
    if (ws(c)) {
        (*pos)++;
        return EBB_OK;
    }
    switch (d->state) {
    case ST_START:
        if (c != '{')
            return fail(d, EBB_ERR_PARSE,
                        "byte %zu: the body is not a JSON object (it starts with %s); want '{'", at,
                        byte_name(c, b, sizeof(b)));
        d->state = ST_OPEN;
        break;
    case ST_OPEN:
    case ST_KEY_NEXT:
        if (c == '}' && d->state == ST_OPEN) {
            d->state = ST_DONE;
            break;
        }
        if (c != '"')
            return fail(d, EBB_ERR_PARSE, "byte %zu: want %s, got %s", at,
                        d->state == ST_OPEN ? "a key or '}'" : "a key after ','",
                        byte_name(c, b, sizeof(b)));
        d->key_len = d->name_len = 0;
        d->name_state = NAME_OPEN;
        d->esc = d->desc = false;
        d->uhex = 0;
        d->state = ST_KEY;
        break;
    case ST_COLON:
        if (c != ':')
            return fail(d, EBB_ERR_PARSE, "byte %zu: want ':' after the key \"%s\", got %s", at,
                        key_name(d, k, sizeof(k)), byte_name(c, b, sizeof(b)));
        d->state = ST_VALUE;
        break;
    case ST_VALUE:
        if (c == ',' || c == ':' || c == '}' || c == ']')
            return fail(d, EBB_ERR_PARSE, "byte %zu: want a value for \"%s\", got %s", at,
                        key_name(d, k, sizeof(k)), byte_name(c, b, sizeof(b)));
        if (d->member == M_ITEMS) {
            if (c == '[') {
                d->has_items = true;
                d->state = ST_ITEMS_OPEN;
                break;
            }
            if (c != 'n')
                return fail(d, EBB_ERR_PARSE,
                            "byte %zu: \"items\" is not an array or null (it starts with %s); "
                            "want '['",
                            at, byte_name(c, b, sizeof(b)));
        } else if (d->member == M_METADATA) {
            span_open(d, *pos, from);
        }
        begin_value(d, c, pos);
        return EBB_OK;
    case ST_AFTER_VALUE:
        if (c == ',')
            d->state = ST_KEY_NEXT;
        else if (c == '}')
            d->state = ST_DONE;
        else
            return fail(d, EBB_ERR_PARSE,
                        "byte %zu: want ',' or '}' after the value of \"%s\", got %s", at,
                        key_name(d, k, sizeof(k)), byte_name(c, b, sizeof(b)));
        break;
    case ST_ITEMS_OPEN:
    case ST_ITEMS_NEXT:
        if (c == ']' && d->state == ST_ITEMS_OPEN) {
            d->state = ST_AFTER_VALUE;
            break;
        }
        if (c != '{')
            return fail(d, EBB_ERR_PARSE,
                        "byte %zu: item %zu is not an object (it starts with %s); want '{'", at,
                        d->items + 1, byte_name(c, b, sizeof(b)));
        span_open(d, *pos, from);
        begin_value(d, c, pos);
        return EBB_OK;
    case ST_ITEMS_AFTER:
        if (c == ',')
            d->state = ST_ITEMS_NEXT;
        else if (c == ']')
            d->state = ST_AFTER_VALUE;
        else
            return fail(d, EBB_ERR_PARSE, "byte %zu: want ',' or ']' after item %zu, got %s", at,
                        d->items, byte_name(c, b, sizeof(b)));
        break;
    case ST_DONE:
        return fail(d, EBB_ERR_PARSE,
                    "byte %zu: %s after the end of the list object; want only whitespace", at,
                    byte_name(c, b, sizeof(b)));
    default:
        return fail(d, EBB_ERR_PARSE, "byte %zu: internal state %d", at, d->state);
    }
    (*pos)++;
    return EBB_OK;
}

enum ebb_rc ebb_list_decoder_feed(struct ebb_list_decoder *d, const char *data, size_t len,
                                  ebb_list_item_fn *on_item, void *ctx)
{
    enum ebb_rc rc = EBB_OK;
    size_t pos = 0, from = 0; /* an open span's bytes in data start at from */

    if (d->err[0] != '\0')
        return EBB_ERR_INVALID;
    while (rc == EBB_OK && pos < len) {
        if (d->state == ST_NEST || d->state == ST_SCALAR)
            rc = step_value(d, data, len, &pos, from, on_item, ctx);
        else
            rc = step(d, data, &pos, &from);
    }
    if (rc == EBB_OK && d->span_on)
        rc = keep(d, data + from, len - from);
    d->offset += len;
    return rc;
}

enum ebb_rc ebb_list_decoder_finish(struct ebb_list_decoder *d)
{
    enum ebb_rc rc = EBB_OK;
    if (d->err[0] != '\0')
        return EBB_ERR_INVALID;
    if (d->state != ST_DONE) {
        char what[48] = "";
        if (d->state == ST_START && d->offset == d->bom_len)
            rc = fail(d, EBB_ERR_PARSE, "the body is empty; want a JSON list object");
        else if ((d->state == ST_NEST || d->state == ST_SCALAR) && d->span_on)
            rc = fail(d, EBB_ERR_PARSE,
                      "the body ended early, at byte %zu, inside %s (from byte "
                      "%zu); want its end",
                      d->offset, span_name(d, what, sizeof(what)), d->span_begin);
        else
            rc = fail(d, EBB_ERR_PARSE, "the body ended early, at byte %zu; want %s", d->offset,
                      want_at_end[d->state]);
    }
    free(d->buf);
    d->buf = NULL;
    d->len = d->alloc = 0;
    return rc;
}
