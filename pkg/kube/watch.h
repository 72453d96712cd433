/* watch.h -- a watch response body framed into typed events. EDGE (cJSON).
 *
 * The API server sends one JSON object per event, {"type":..,"object":{..}},
 * each followed by "\n" (fixtures 60-67). Bytes arrive in pieces of any size
 * (HTTP chunks, TLS records, TCP segments); the decoder buffers an
 * incomplete frame and hands out each complete one, in order. A frame longer
 * than the limit, a frame that is not such an object, or an unknown type is
 * an error on that watch -- reported, never a crash -- after which the
 * caller drops the watch and starts again.
 * An ERROR event carries a Status (410 Expired when the resourceVersion is
 * too old): it comes as an event with `error` filled, and the caller relists.
 */
#ifndef EBB_KUBE_WATCH_H
#define EBB_KUBE_WATCH_H

#include <stddef.h>

#include "../base/rc.h"
#include "../base/strbuf.h"
#include "status.h"

struct cJSON;

enum ebb_watch_type {
    EBB_WATCH_ADDED = 0,
    EBB_WATCH_MODIFIED,
    EBB_WATCH_DELETED,
    EBB_WATCH_BOOKMARK,
    EBB_WATCH_ERROR,
    EBB_WATCH_TYPE__COUNT
};

/* "ADDED", "MODIFIED", ... */
const char *ebb_watch_type_name(enum ebb_watch_type t);

struct ebb_watch_event {
    enum ebb_watch_type type;
    const struct cJSON *object;         /* borrowed; valid only during the callback */
    const char *resource_version;       /* object's metadata.resourceVersion, or "" */
    const struct ebb_kube_error *error; /* EBB_WATCH_ERROR only: the Status */
};

/* Called for each event, in order. A non-zero return stops the feed, which
 * then returns EBB_ERR_INVALID. */
typedef int ebb_watch_fn(void *ctx, const struct ebb_watch_event *ev);

#define EBB_WATCH_DEFAULT_MAX_FRAME (16u << 20)

struct ebb_watch_decoder {
    struct ebb_strbuf buf; /* the incomplete frame */
    size_t max_frame;
    size_t events;     /* events delivered so far */
    char last_rv[128]; /* resourceVersion of the last ADDED/MODIFIED/DELETED/BOOKMARK */
    char err[256];     /* why the last feed failed */
};

void ebb_watch_decoder_init(struct ebb_watch_decoder *d, size_t max_frame);
void ebb_watch_decoder_release(struct ebb_watch_decoder *d);

/* Feeds the next bytes of the body (already de-chunked by HTTP). Returns
 * EBB_OK, EBB_ERR_PARSE (a malformed frame), EBB_ERR_LIMIT (a frame over
 * max_frame), EBB_ERR_INVALID (fn stopped it) or EBB_ERR_NOMEM; d->err says
 * which frame and why. After an error the decoder must be released. */
enum ebb_rc ebb_watch_decoder_feed(struct ebb_watch_decoder *d, const char *data, size_t len,
                                   ebb_watch_fn *fn, void *ctx);

/* The stream ended: EBB_ERR_PARSE if an incomplete frame is left over. */
enum ebb_rc ebb_watch_decoder_finish(struct ebb_watch_decoder *d);

#endif
