/*
 * kubesim: the store's interface beyond ks.h -- watch sinks and the
 * callback the API layer calls when a watch client goes away.
 *
 * A watch writes its events into a sink. ks_store_watch wraps an HTTP
 * stream (ks_stream) into one; tests and other callers can hand the
 * store any sink with ks_store_watch_sink.
 */
#ifndef KUBESIM_STORE_H
#define KUBESIM_STORE_H

#include "ks.h"

struct ks_sink {
    /* Queues one chunk (one event: a JSON object and "\n"). A negative
     * return means the peer is gone: the store drops the watch and never
     * calls the sink again (not even end). */
    int (*send)(void *ud, const char *d, size_t n);
    /* Ends the stream cleanly; the last call the sink gets. */
    void (*end)(void *ud);
    /* Identifies the watch for ks_store_watch_closed. */
    void *ud;
};

/*
 * ks_store_watch with a sink instead of a stream. The store owns the sink
 * from here on, whatever the result: 0, or KS_ENOMEM (the sink was ended).
 * A resourceVersion that cannot be parsed or that is older than
 * ks_store_oldest_rv gives one ERROR event (400 BadRequest or 410
 * Expired Status) and the end of the sink; the call still returns 0.
 * q->labels and q->fields are consumed.
 */
int ks_store_watch_sink(ks_store *st, const struct ks_watch_req *q, const struct ks_sink *sink,
                        double now);

/*
 * The client of the watch whose sink ud is stream went away (the stream's
 * on_close): the watch is forgotten without touching the stream again.
 * Unknown streams are ignored, so calling it twice is harmless. Safe to
 * call from inside a sink's send.
 */
void ks_store_watch_closed(ks_store *st, ks_stream *stream);

#endif
