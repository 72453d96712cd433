/* listdec.h -- a LIST response body decoded item by item as its bytes
 * arrive. EDGE (cJSON).
 *
 * A LIST body is one JSON object, {"kind":..,"apiVersion":..,"metadata":
 * {..},"items":[{..},{..},..]} (fixtures 50-59). Parsed whole, 10,000
 * ScalingPolicies are ~25 MB of JSON and ~150 MB of cJSON tree; this decoder
 * never holds the whole body. It reads the top-level object with a small
 * tokenizer and hands each element of its "items" array to a callback,
 * parsed alone (cJSON_ParseWithLength on exactly its bytes), in order.
 *
 * Bytes arrive in pieces of any size, split anywhere (inside a string, an
 * escape, a UTF-8 sequence). The decoder keeps only the bytes of the element
 * being read (and of the "metadata" value), so its memory is bounded by
 * max_item plus a constant: d->peak records the largest buffer it has held.
 * An element complete within one feed is parsed where it lies, uncopied.
 *
 * Of the top-level members, "items" (an array of objects, or null) and
 * "metadata" are read; every other member (kind, apiVersion, anything) is
 * skipped without being buffered or checked beyond its nesting. When a key
 * comes twice, the first one counts, as cJSON_GetObjectItemCaseSensitive
 * finds it. "metadata" may come before or after "items": its
 * resourceVersion and continue are known only once it has been read, so use
 * them after ebb_list_decoder_finish(), not from the item callback.
 *
 * Whitespace is what cJSON skips (every byte up to 0x20) and a UTF-8 BOM may
 * open the body, so that whatever cJSON parses whole as a list object, this
 * decoder reads too, with the same items.
 *
 * The decoder is sticky: after a failed feed d->err stays set and every
 * later feed or finish returns EBB_ERR_INVALID without reading anything.
 */
#ifndef EBB_KUBE_LISTDEC_H
#define EBB_KUBE_LISTDEC_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/rc.h"
#include "../base/strbuf.h"

struct cJSON;

/* Called once per element of "items", in order, with that element parsed
 * alone; item is borrowed and valid only during the call. A non-zero return
 * stops the feed, which then returns EBB_ERR_INVALID. */
typedef int ebb_list_item_fn(void *ctx, const struct cJSON *item);

#define EBB_LIST_DEFAULT_MAX_ITEM (16u << 20)
#define EBB_LIST_RV_MAX 128  /* bytes of metadata.resourceVersion, with its NUL */
#define EBB_LIST_KEY_KEEP 64 /* bytes of a top-level key kept for messages */

struct ebb_list_decoder {
    /* Results. Valid after ebb_list_decoder_finish() returned EBB_OK. */
    size_t items;                           /* elements handed to the callback */
    char resource_version[EBB_LIST_RV_MAX]; /* metadata.resourceVersion, or "" */
    struct ebb_strbuf continue_token;       /* metadata.continue, or "" */
    bool has_items;                         /* "items" was there, an array or null */
    bool has_metadata;                      /* "metadata" was there and an object */

    size_t peak;   /* the most bytes the element buffer ever held (allocated) */
    size_t offset; /* bytes of the body read so far */
    char err[256]; /* why the last feed or finish failed; "" when none did */

    /* Private: the tokenizer's state. */
    size_t max_item;
    int state;
    int member; /* which top-level member's value is being read */
    bool items_seen, metadata_seen;
    bool bom_done;               /* past where a UTF-8 BOM may be */
    unsigned bom_len;            /* bytes of a BOM matched so far */
    bool in_str, esc;            /* inside a string; after its backslash */
    size_t depth;                /* nesting inside the value or element being read */
    char key[EBB_LIST_KEY_KEEP]; /* the current key's first raw bytes (messages) */
    size_t key_len;              /* its full length */
    char name[9];                /* the key decoded, while it may still be "metadata" */
    size_t name_len;
    int name_state;       /* collecting, ended by a NUL, or cannot match */
    bool desc;            /* decoding it: after a backslash */
    unsigned uhex, ucode; /* decoding it: hex digits of a \u still to come; its value */
    char lit[8];          /* the first bytes of "items": a scalar (null?) */
    size_t lit_len;
    bool span_on;      /* an element or the metadata is being kept */
    size_t span_begin; /* the body offset of its first byte */
    char *buf;         /* its bytes from the earlier feeds */
    size_t len, alloc;
};

/* max_item: the longest element (and "metadata" value) accepted; 0 = the
 * default, EBB_LIST_DEFAULT_MAX_ITEM. */
void ebb_list_decoder_init(struct ebb_list_decoder *d, size_t max_item);
/* Frees what d holds. NULL is a no-op. */
void ebb_list_decoder_release(struct ebb_list_decoder *d);

/* Feeds the next len bytes of the body (already de-chunked by HTTP) and
 * calls on_item (may be NULL) for each element they complete. Returns
 * EBB_OK; EBB_ERR_PARSE when the body is not a list object (not an object,
 * "items" not an array or null, an element not an object or not valid JSON,
 * anything but whitespace after the object); EBB_ERR_LIMIT for an element
 * (or "metadata") over max_item bytes; EBB_ERR_INVALID when on_item stopped
 * it (or after an earlier failure); EBB_ERR_NOMEM. d->err says where (the
 * byte offset in the body) and what was expected. */
enum ebb_rc ebb_list_decoder_feed(struct ebb_list_decoder *d, const char *data, size_t len,
                                  ebb_list_item_fn *on_item, void *ctx);

/* The body ended: EBB_ERR_PARSE if it ended before the object closed.
 * Frees the element buffer; the results stay until release. */
enum ebb_rc ebb_list_decoder_finish(struct ebb_list_decoder *d);

#endif
