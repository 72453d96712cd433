/* informer.h -- list+watch of one resource into a store of typed objects. EDGE.
 *
 * client-go's reflector, on our client's loop (no threads):
 *   1. LIST, paginated (limit/continue), into a fresh store. The first
 *      list asks for resourceVersion=0 (served from the watch cache, which
 *      may ignore the limit and answer whole); a list after a 410 asks for
 *      no resourceVersion (a consistent read); any other relist for the
 *      last resourceVersion seen. Continue pages carry no resourceVersion.
 *      A 410 on a continue page is followed, after a backoff, by one
 *      unpaged LIST (no limit), as client-go's pager does. A page is
 *      decoded item by item as it arrives (listdec.h): the answer to
 *      resourceVersion=0, which ignores the limit, is never held whole;
 *   2. the store is replaced: add/update/delete callbacks for what changed
 *      against what was held; `synced` becomes true;
 *   3. WATCH from the list's resourceVersion with allowWatchBookmarks=true
 *      and a timeoutSeconds drawn from [5, 10) minutes; each event updates
 *      the store and fires its callback; a BOOKMARK only moves the
 *      resourceVersion. An ADDED/MODIFIED object that does not decode is
 *      removed from the store (on_delete, so no stale data stays) and the
 *      error, naming namespace/name, goes to the stats;
 *   4. when the server ends a watch that brought events, it is resumed at
 *      once from the last resourceVersion; one that ended with no events
 *      within 1 s (as judged by ebb_informer_tick()) is an error, resumed
 *      after a backoff (pkg/kube/backoff.h, growing with each failure in a
 *      row), as are a dropped connection, a failed request and an ERROR
 *      event other than 410 (no relist: the store is still right); a 410
 *      Gone/Expired (HTTP or an ERROR event) relists; a malformed or
 *      oversized frame is an error on that watch, then a relist (after a
 *      backoff);
 *   5. every resync period the callbacks fire again (update with old ==
 *      new) for every stored object, from the store, with no API call.
 * Callbacks run inside ebb_kube_client_poll() or ebb_informer_tick(); they
 * must not free the informer. Objects they get are borrowed.
 */
#ifndef EBB_KUBE_INFORMER_H
#define EBB_KUBE_INFORMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "../controller/cache.h"
#include "client.h"
#include "objects.h"
#include "path.h"

struct ebb_informer;

/* What to list and watch, and how to decode it. */
struct ebb_informer_ops {
    struct ebb_kube_resource resource;
    const char *namespace_;     /* NULL or "": all namespaces (or cluster-scoped) */
    const char *label_selector; /* NULL: none */
    const char *field_selector; /* NULL: none */
    ebb_kube_decode_fn *decode;
    ebb_kube_free_fn *free_obj;
    int64_t resync_ms;       /* 0: no resync */
    int64_t page_limit;      /* list page size; 0: 500 */
    int32_t watch_timeout_s; /* 0: random in [300, 600) */
    size_t max_frame; /* a watch frame; 0: EBB_WATCH_DEFAULT_MAX_FRAME (a LIST item: 16 MB, or this
                         when larger) */
    int64_t backoff_base_ms; /* 0: 800 ms (client-go's) */
    int64_t backoff_cap_ms;  /* 0: 30 s */
    uint64_t seed;           /* jitter and timeouts; any value */
    /* Called with each decoded object (the handlers' ctx); false: it is
     * not kept -- left out of the store, and one stored under its key is
     * removed with on_delete, as if deleted. NULL keeps everything. When
     * what it keeps changes, ebb_informer_relist() applies it to what was
     * left out. */
    bool (*keep)(void *ctx, const void *obj);
};

struct ebb_informer_handlers {
    void (*on_add)(void *ctx, const char *key, const void *obj);
    void (*on_update)(void *ctx, const char *key, const void *old_obj, const void *new_obj);
    /* obj: the object as the DELETED event carried it, else the last one stored. */
    void (*on_delete)(void *ctx, const char *key, const void *obj);
    void *ctx;
};

/* Counters, for logs, metrics and tests. */
struct ebb_informer_stats {
    uint64_t lists;       /* LIST requests sent (pages counted) */
    uint64_t relists;     /* lists started after the first */
    uint64_t watches;     /* WATCH requests sent */
    uint64_t events;      /* watch events applied */
    uint64_t bookmarks;   /* BOOKMARK events */
    uint64_t gone;        /* 410s seen (HTTP or ERROR event) */
    uint64_t failures;    /* failed requests, dropped watches, bad frames, bad objects */
    uint64_t resyncs;     /* resync rounds */
    char last_error[512]; /* the last failure, one line, or "" */
};

/* ops and h are copied (strings too). Nothing is sent before start. */
enum ebb_rc ebb_informer_new(struct ebb_kube_client *c, const struct ebb_informer_ops *ops,
                             const struct ebb_informer_handlers *h,
                             struct ebb_informer **out /* OUT */);
/* Cancels its requests and frees the store. NULL is a no-op. */
void ebb_informer_free(struct ebb_informer *inf);

/* Sends the first LIST. now_ms is the loop's clock (for resync). */
enum ebb_rc ebb_informer_start(struct ebb_informer *inf, int64_t now_ms);
/* Runs the timers: a backoff that is over starts its request, a resync
 * that is due fires. Call it after each ebb_kube_client_poll(). */
void ebb_informer_tick(struct ebb_informer *inf, int64_t now_ms);
/* Milliseconds until the next timer (for the poll timeout), -1 if none. */
int64_t ebb_informer_next_in(const struct ebb_informer *inf, int64_t now_ms);

/* True once a list has completed (stays true across relists). */
bool ebb_informer_synced(const struct ebb_informer *inf);
/* Lists again as soon as it can: a watch in flight is ended and the list
 * goes out now; a list being read is followed by another (requests made
 * meanwhile share it); a backoff is kept. Returns the number of the list
 * that will answer: ebb_informer_lists_done() reaches it once a list begun
 * after this call is complete. */
uint64_t ebb_informer_relist(struct ebb_informer *inf);
/* The number of the newest complete list (lists are numbered from 1 as
 * they begin); 0 before the first. */
uint64_t ebb_informer_lists_done(const struct ebb_informer *inf);
/* The store: read it between polls, never change it. */
const struct ebb_cache *ebb_informer_store(const struct ebb_informer *inf);
/* The resourceVersion the next watch starts from, or "". */
const char *ebb_informer_resource_version(const struct ebb_informer *inf);
const struct ebb_informer_stats *ebb_informer_stats(const struct ebb_informer *inf);

#endif
