/*
 * kubesim: the store's private structures (store*.c, selector.c).
 *
 *   store.c        objects, buckets, resourceVersions, history, writes
 *   store_list.c   LIST: snapshots at a resourceVersion, paging, continue
 *                  tokens, the <Kind>List body
 *   store_watch.c  WATCH: watchers, replay, selector transitions,
 *                  bookmarks, deadlines, faults
 *   selector.c     label and field selectors (selector_valid.c: Go's messages)
 *
 * Every state of an object is an immutable, reference-counted snapshot
 * (struct ks_snap): the live table holds the current one, the history
 * ring holds the states before and after each change, so a change costs
 * no copy and a LIST at an older resourceVersion can be rebuilt by
 * walking the history back.
 */
#ifndef KUBESIM_STORE_INTERNAL_H
#define KUBESIM_STORE_INTERNAL_H

#include "ks.h"
#include "store.h"

struct ks_snap {
    unsigned refs;
    char *key; /* "ns/name", or "name" for cluster-scoped: the etcd key order */
    struct ks_obj obj;
};

enum ks_ev_type { KS_EV_ADDED, KS_EV_MODIFIED, KS_EV_DELETED };

struct ks_bucket;

struct ks_hist_ev {
    uint64_t rv;
    enum ks_ev_type type;
    struct ks_bucket *b;
    struct ks_snap *cur;  /* after the change; DELETED: last state, fresh rv */
    struct ks_snap *prev; /* before the change; NULL for ADDED */
};

struct ks_watcher;

/* The objects of one storage type (group + resource). */
struct ks_bucket {
    char group[96];
    char resource[64];
    const ks_rtype *rt;    /* the latest storage type seen for it */
    struct ks_snap **objs; /* sorted by key */
    size_t n, cap;
    uint64_t mods;    /* bumped on every insert/remove (iterators re-seek) */
    uint64_t last_rv; /* rv of this bucket's last change; 0: none yet */
    struct ks_watcher **w;
    size_t nw, capw;
};

struct ks_sub {
    ks_store_sub_fn fn;
    void *ud;
};

struct ks_store {
    struct ks_store_opts o;
    uint64_t rv;        /* newest handed out */
    uint64_t oldest_rv; /* watches / continue tokens from below: 410 */
    struct ks_bucket **buckets;
    size_t nb, capb;
    struct ks_bucket **by_id; /* cache: rtype id -> bucket (checked) */
    size_t n_by_id;
    struct ks_hist_ev *hist; /* ring of o.history entries */
    size_t hhead, hn;
    struct ks_sub *subs;
    size_t nsubs, capsubs;
    size_t n_watchers;
    int dispatching;              /* >0 while sinks are being called: no removal */
    bool need_sweep;              /* dead watchers wait for the sweep */
    struct ks_snap *last_removed; /* keeps ks_store_remove's out_last alive */
};

/* store.c */
void ks_snap_unref(struct ks_snap *s);
struct ks_bucket *ks_st_bucket(ks_store *st, const ks_rtype *rt, bool create);
/* Index of the first object whose key is >= key[0..len) (memcmp order). */
size_t ks_st_lower_bound(const struct ks_bucket *b, const char *key, size_t len);
/* i-th history entry, oldest first. */
const struct ks_hist_ev *ks_st_hist_at(const ks_store *st, size_t i);
/* Sets metadata.resourceVersion (in place, or at the real server's spot). */
int ks_st_set_meta_rv(cJSON *obj, uint64_t rv, bool sorted_keys);
/* "group/version", or "version" for the core group. */
void ks_st_api_version(const ks_rtype *rt, char *out, size_t cap);

/* store_list.c */
/* A view's rendering of one stored object: the JSON to send, with kind and
 * apiVersion removed when strip is set. Appends to out; false on failure
 * (conversion failed or no memory). */
bool ks_st_render(const ks_rtype *view, const struct ks_snap *s, bool strip,
                  struct ebb_strbuf *out);

/* store_watch.c */
void ks_st_dispatch(ks_store *st, const struct ks_hist_ev *ev);
void ks_st_free_watchers(ks_store *st);

/* selector.c */
/* True when every requirement is on metadata.name or metadata.namespace,
 * so it can be matched without parsing the object. */
bool ks_sel_fields_meta_only(const ks_selector *sel);
bool ks_sel_match_meta(const ks_selector *sel, const char *ns, const char *name);
bool ks_sel_is_empty(const ks_selector *sel);

/* selector_valid.c: Go's messages. go_quote appends s as %q; the others
 * append IsQualifiedName's / IsValidLabelValue's complaints joined with
 * "; " (nothing when the key or value is valid). */
void ks_sel_go_quote(struct ebb_strbuf *sb, const char *s, size_t len);
void ks_sel_key_errors(const char *k, size_t len, struct ebb_strbuf *out);
void ks_sel_value_errors(const char *v, size_t len, struct ebb_strbuf *out);

/* Object-level match shared by LIST and WATCH: namespace, labels, fields
 * (the fields against the view's rendering when it converts). */
bool ks_st_matches(const ks_rtype *view, const struct ks_snap *s, const char *ns,
                   const ks_selector *labels, const ks_selector *fields);

#endif
