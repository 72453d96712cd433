/* watch.c -- a watch response body framed into typed events. EDGE (cJSON).
 *
 * A frame is one line: the bytes up to a "\n", without a "\r" just before
 * it. Blank lines are skipped. A frame that is complete in the bytes of one
 * feed is parsed where it lies; only the piece of a frame cut by the end of
 * a feed is copied into d->buf, which never holds more than max_frame (+1
 * for a pending "\r") bytes, and gives a big allocation back once the frame
 * is done.
 *
 * The decoder is sticky: after a failed feed, d->err stays set and every
 * later feed returns EBB_ERR_INVALID without reading anything.
 */
#include "watch.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KEEP_BUF_MAX (64u << 10) /* a bigger frame buffer is freed after use */

static const char *const type_names[EBB_WATCH_TYPE__COUNT] = {
    [EBB_WATCH_ADDED] = "ADDED",     [EBB_WATCH_MODIFIED] = "MODIFIED",
    [EBB_WATCH_DELETED] = "DELETED", [EBB_WATCH_BOOKMARK] = "BOOKMARK",
    [EBB_WATCH_ERROR] = "ERROR",
};

_Static_assert(sizeof(type_names) / sizeof(type_names[0]) == EBB_WATCH_TYPE__COUNT,
               "one name per watch event type");

const char *ebb_watch_type_name(enum ebb_watch_type t)
{
    if ((unsigned)t >= EBB_WATCH_TYPE__COUNT)
        return "UNKNOWN";
    return type_names[t];
}

void ebb_watch_decoder_init(struct ebb_watch_decoder *d, size_t max_frame)
{
    ebb_strbuf_init(&d->buf);
    d->max_frame = max_frame != 0 ? max_frame : EBB_WATCH_DEFAULT_MAX_FRAME;
    d->events = 0;
    d->last_rv[0] = '\0';
    d->err[0] = '\0';
}

void ebb_watch_decoder_release(struct ebb_watch_decoder *d)
{
    if (d == NULL)
        return;
    ebb_strbuf_release(&d->buf);
}

static enum ebb_rc fail(struct ebb_watch_decoder *d, enum ebb_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum ebb_rc fail(struct ebb_watch_decoder *d, enum ebb_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof(d->err), fmt, ap);
    va_end(ap);
    if (d->err[0] == '\0')
        snprintf(d->err, sizeof(d->err), "watch failed");
    return rc;
}

/* The first n bytes of s (or up to a NUL) shown in a message: at most 32,
 * control characters and non-ASCII bytes as '?'. */
static void shown(const char *s, size_t n, char *buf, size_t bufsz)
{
    size_t i;
    for (i = 0; i < n && i < 32 && i + 1 < bufsz && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    buf[i] = '\0';
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    }
    return true;
}

static bool parse_type(const char *s, enum ebb_watch_type *t)
{
    for (int i = 0; i < EBB_WATCH_TYPE__COUNT; i++) {
        if (strcmp(s, type_names[i]) == 0) {
            *t = (enum ebb_watch_type)i;
            return true;
        }
    }
    return false;
}

/* Decodes one frame (no "\n") and hands its event to fn. */
static enum ebb_rc decode_frame(struct ebb_watch_decoder *d, const char *s, size_t n,
                                ebb_watch_fn *fn, void *ctx)
{
    size_t no = d->events + 1; /* this event's number, for messages */
    const char *end = NULL;
    cJSON *root = NULL;
    struct ebb_kube_error status;
    struct ebb_watch_event ev = {.resource_version = ""};
    enum ebb_rc rc = EBB_OK;
    char what[40];

    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (n > d->max_frame) {
        rc = fail(d, EBB_ERR_LIMIT, "watch event %zu is %zu bytes, over the limit of %zu", no, n,
                  d->max_frame);
        goto out;
    }
    if (blank(s, n))
        goto out;

    /* cJSON would take a NUL for a blank, or end a string at it. */
    const char *nul = memchr(s, '\0', n);
    if (nul != NULL) {
        rc = fail(d, EBB_ERR_PARSE, "watch event %zu has a NUL byte at byte %zu", no,
                  (size_t)(nul - s));
        goto out;
    }
    root = cJSON_ParseWithLengthOpts(s, n, &end, false);
    if (root == NULL) {
        size_t at = end != NULL && end >= s && end <= s + n ? (size_t)(end - s) : 0;
        shown(s, n, what, sizeof(what));
        rc = fail(d, EBB_ERR_PARSE, "watch event %zu is not valid JSON (near byte %zu): \"%s\"", no,
                  at, what);
        goto out;
    }
    if (end != NULL && end >= s && end <= s + n && !blank(end, (size_t)(s + n - end))) {
        rc = fail(d, EBB_ERR_PARSE, "watch event %zu has more after its JSON value", no);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        rc = fail(d, EBB_ERR_PARSE, "watch event %zu is not a JSON object", no);
        goto out;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(type)) {
        rc = fail(d, EBB_ERR_PARSE, "watch event %zu has no \"type\" string", no);
        goto out;
    }
    if (!parse_type(type->valuestring, &ev.type)) {
        shown(type->valuestring, sizeof(what), what, sizeof(what));
        rc = fail(d, EBB_ERR_PARSE,
                  "watch event %zu has type \"%s\"; want ADDED, MODIFIED, DELETED, BOOKMARK or "
                  "ERROR",
                  no, what);
        goto out;
    }
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "object");
    if (!cJSON_IsObject(obj)) {
        rc = fail(d, EBB_ERR_PARSE, "watch event %zu (%s) has no \"object\" object", no,
                  type_names[ev.type]);
        goto out;
    }
    ev.object = obj;

    if (ev.type == EBB_WATCH_ERROR) {
        if (!ebb_kube_error_from_status(0, obj, &status)) {
            rc = fail(d, EBB_ERR_PARSE, "watch event %zu (ERROR) does not carry a Status", no);
            goto out;
        }
        ev.error = &status;
    } else {
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
        const cJSON *rv = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
        if (cJSON_IsString(rv)) {
            if (strlen(rv->valuestring) >= sizeof(d->last_rv)) {
                rc = fail(d, EBB_ERR_PARSE,
                          "watch event %zu (%s) has a resourceVersion over %zu bytes", no,
                          type_names[ev.type], sizeof(d->last_rv) - 1);
                goto out;
            }
            ev.resource_version = rv->valuestring;
        }
        if (ev.resource_version[0] != '\0')
            snprintf(d->last_rv, sizeof(d->last_rv), "%s", ev.resource_version);
    }

    d->events++;
    if (fn != NULL && fn(ctx, &ev) != 0)
        rc = fail(d, EBB_ERR_INVALID, "watch stopped by its handler at event %zu (%s)", no,
                  type_names[ev.type]);
out:
    cJSON_Delete(root);
    return rc;
}

/* Whether a partial frame of n bytes (last byte c) is already too long. */
static bool partial_over(const struct ebb_watch_decoder *d, size_t n, char c)
{
    return n > d->max_frame && !(n == d->max_frame + 1 && c == '\r');
}

/* Appends n bytes of an incomplete frame to the buffer. */
static enum ebb_rc buffer_add(struct ebb_watch_decoder *d, const char *p, size_t n)
{
    ebb_strbuf_add(&d->buf, p, n);
    if (ebb_strbuf_rc(&d->buf) != EBB_OK)
        return fail(d, EBB_ERR_NOMEM, "out of memory buffering watch event %zu", d->events + 1);
    return EBB_OK;
}

static void buf_done(struct ebb_watch_decoder *d)
{
    if (d->buf.alloc > KEEP_BUF_MAX)
        ebb_strbuf_release(&d->buf);
    else
        ebb_strbuf_reset(&d->buf);
}

enum ebb_rc ebb_watch_decoder_feed(struct ebb_watch_decoder *d, const char *data, size_t len,
                                   ebb_watch_fn *fn, void *ctx)
{
    enum ebb_rc rc = EBB_OK;
    size_t pos = 0;

    if (d->err[0] != '\0')
        return EBB_ERR_INVALID;
    while (pos < len) {
        const char *p = data + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - p) : len - pos;

        if (nl == NULL) {
            /* The rest is the start of a frame: keep it for the next feed. */
            if (partial_over(d, d->buf.len + n, p[n - 1])) {
                rc = fail(d, EBB_ERR_LIMIT, "watch event %zu is over the limit of %zu bytes",
                          d->events + 1, d->max_frame);
                goto out;
            }
            rc = buffer_add(d, p, n);
            if (rc != EBB_OK)
                goto out;
            break;
        }
        pos += n + 1;
        if (d->buf.len == 0) {
            rc = decode_frame(d, p, n, fn, ctx);
        } else {
            if (d->buf.len + n > d->max_frame + 1) {
                rc = fail(d, EBB_ERR_LIMIT, "watch event %zu is over the limit of %zu bytes",
                          d->events + 1, d->max_frame);
                goto out;
            }
            rc = buffer_add(d, p, n);
            if (rc != EBB_OK)
                goto out;
            rc = decode_frame(d, d->buf.buf, d->buf.len, fn, ctx);
            buf_done(d);
        }
        if (rc != EBB_OK)
            goto out;
    }
out:
    return rc;
}

enum ebb_rc ebb_watch_decoder_finish(struct ebb_watch_decoder *d)
{
    if (d->err[0] != '\0')
        return EBB_ERR_INVALID;
    if (!blank(d->buf.buf, d->buf.len))
        return fail(d, EBB_ERR_PARSE,
                    "the watch stream ended inside event %zu (%zu bytes without a newline)",
                    d->events + 1, d->buf.len);
    buf_done(d);
    return EBB_OK;
}
