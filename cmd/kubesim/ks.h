/*
 * kubesim -- the shared contract between its modules.
 *
 * kubesim is one single-threaded process: main.c runs a poll loop that
 * services the HTTPS listener (http.c) and ticks the simulated world
 * (store.c watch timers, workload.c, load.c) on the simulated clock.
 *
 *   http.c      TLS HTTP/1.1 server: requests in, responses and chunked
 *               watch streams out; latency / refusal faults
 *   certs.c     CA, serving and client certificates; kubeconfig files
 *   api.c       routing of every path, authn/authz, the REST verbs on any
 *               resource type, Status bodies            (+ builtins.c,
 *               registry.c: built-in kinds, defaults, validation, CRDs)
 *   store.c     objects by (type, namespace, name), the global
 *               resourceVersion, history, list paging, watch streams
 *   patch.c     merge patch, strategic merge patch, JSON patch, apply
 *   schema.c    CRD structural schema: validate, default, prune (+ cel.c)
 *   discovery.c /api, /apis, resource lists, /openapi/v2 and /v3
 *   workload.c  Deployment/StatefulSet -> Pods, pod lifecycle, status,
 *               garbage collection, namespace deletion
 *   load.c      offered load curves and traces; metrics.c: metrics.k8s.io,
 *               custom/external metrics, Prometheus exposition;
 *               control.c: /kubesim/v1/... control endpoint and faults
 *
 * Every function that can fail returns 0 or a negative KS_E* code.
 * No global mutable state: everything hangs off struct ks_sim.
 */
#ifndef KUBESIM_KS_H
#define KUBESIM_KS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../../pkg/base/strbuf.h"

/* ------------------------------------------------------------------ */
/* Errors                                                              */

enum {
    KS_OK = 0,
    KS_ENOMEM = -1,
    KS_ENOTFOUND = -2,
    KS_EEXISTS = -3,
    KS_ECONFLICT = -4, /* resourceVersion precondition failed */
    KS_EINVALID = -5,
    KS_EGONE = -6, /* resourceVersion / continue token compacted */
    KS_EIO = -7,
    KS_EBADREQ = -8,
};

/* ------------------------------------------------------------------ */
/* Validation causes (Status.details.causes)                           */

struct ks_cause {
    char *type;    /* "FieldValueInvalid", "FieldValueRequired", ... */
    char *message; /* "Invalid value: -1: must be greater than or equal to 0" */
    char *field;   /* "spec.replicas" */
};

struct ks_causes {
    struct ks_cause *v;
    size_t n, cap;
};

void ks_causes_add(struct ks_causes *c, const char *type, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void ks_causes_release(struct ks_causes *c);

/* ------------------------------------------------------------------ */
/* Small shared helpers (ks_util.c)                                    */

struct ks_sim;

/* RFC 3339 "2026-11-22T11:27:00Z" (secs) and MicroTime with 6 digits. */
void ks_time_format(double t, char out[32]);
void ks_microtime_format(double t, char out[40]);
/* Random v4 UUID from the sim's PRNG. */
void ks_uuid(struct ks_sim *s, char out[37]);
/* xorshift PRNG owned by the sim: uniform in [0,1). */
double ks_rand01(struct ks_sim *s);
uint64_t ks_rand64(struct ks_sim *s);

/* Object at a dotted path ("spec.template.metadata"); NULL when absent. */
cJSON *ks_json_path(const cJSON *root, const char *dotted);
/* Creates the intermediate objects as needed; replaces what is there;
 * takes ownership of val. Returns 0 or KS_ENOMEM/KS_EINVALID. */
int ks_json_set_path(cJSON *root, const char *dotted, cJSON *val);
/* String at path, or NULL. */
const char *ks_json_str(const cJSON *root, const char *dotted);

/* ------------------------------------------------------------------ */
/* Resource types (registry.c)                                         */

enum ks_verb_bits {
    KS_V_GET = 1u << 0,
    KS_V_LIST = 1u << 1,
    KS_V_WATCH = 1u << 2,
    KS_V_CREATE = 1u << 3,
    KS_V_UPDATE = 1u << 4,
    KS_V_PATCH = 1u << 5,
    KS_V_DELETE = 1u << 6,
    KS_V_DELETECOLLECTION = 1u << 7,
};
#define KS_V_ALL 0xffu

enum ks_rtype_origin {
    KS_RT_BUILTIN, /* stored, served with built-in defaults/validation */
    KS_RT_CUSTOM,  /* from a CRD; validated by its schema */
    KS_RT_VIRTUAL, /* answered by a module (metrics.k8s.io ...); not stored */
};

typedef struct ks_rtype ks_rtype;

struct ks_rtype {
    char group[96];    /* "" for the core group */
    char version[32];  /* "v1" */
    char resource[64]; /* plural: "deployments" */
    char singular[64]; /* "deployment" */
    char kind[64];     /* "Deployment" */
    char list_kind[72];
    bool namespaced;
    unsigned verbs; /* KS_V_* */
    char short_names[4][32];
    int n_short_names;
    char categories[4][32];
    int n_categories;
    enum ks_rtype_origin origin;

    bool has_status; /* status subresource */
    bool has_scale;  /* scale subresource */
    /* Dotted paths without the leading '.', as a CRD's scale subresource
     * names them: "spec.replicas", "status.replicas", "status.selector"
     * (selector_path empty: Deployments/StatefulSets, where the selector
     * string is rendered from spec.selector). */
    char scale_spec_path[96];
    char scale_status_path[96];
    char scale_selector_path[96];

    /* CRDs only: the CRD object's name and this version's
     * openAPIV3Schema (owned by the registry), and the compiled CEL rules
     * (schema.c's, opaque). */
    char crd_name[160];
    cJSON *schema;
    void *compiled;

    /* Types sharing storage with another (events.k8s.io/v1 Event is
     * stored as core/v1 Event): the type whose store bucket holds the
     * objects, or NULL when this type owns its own. to_view/from_view
     * convert between the stored shape and this type's shape (both
     * return a new tree; NULL on failure). */
    const ks_rtype *storage;
    cJSON *(*to_view)(const cJSON *stored);
    cJSON *(*from_view)(const cJSON *view);

    /* Index in the registry; stable while the type lives. */
    int id;
};

typedef struct ks_registry ks_registry;

ks_registry *ks_registry_new(void);
void ks_registry_free(ks_registry *r);
size_t ks_registry_count(const ks_registry *r);
/* i-th type, NULL past the end or for a removed slot. */
const ks_rtype *ks_registry_at(const ks_registry *r, size_t i);
const ks_rtype *ks_registry_find(const ks_registry *r, const char *group, const char *version,
                                 const char *resource);
/* By kind within a group/version ("apps","v1","Deployment"). */
const ks_rtype *ks_registry_find_kind(const ks_registry *r, const char *group, const char *version,
                                      const char *kind);
/* Adds one type (copied); returns it. */
const ks_rtype *ks_registry_add(ks_registry *r, const ks_rtype *rt);
/* Registers every served version of a CRD object (already validated);
 * replaces the previous registration of the same CRD. Schema problems
 * (including CEL rules kubesim cannot evaluate) go to causes and the
 * call returns KS_EINVALID without registering anything. */
int ks_registry_add_crd(ks_registry *r, const cJSON *crd, struct ks_causes *causes);
void ks_registry_remove_crd(ks_registry *r, const char *crd_name);
/* Registers the built-in kinds (builtins.c). */
int ks_builtins_register(ks_registry *r);

/* ------------------------------------------------------------------ */
/* HTTP (http.c)                                                       */

struct ks_header {
    char *name;
    char *value;
};

typedef struct ks_req {
    char method[16];
    char *path;  /* raw path, not percent-decoded, without the query */
    char *query; /* raw query string without '?', "" when none */
    struct ks_header *headers;
    size_t n_headers;
    char *body; /* NUL-terminated for convenience; body_len excludes it */
    size_t body_len;
    /* Identity from a client certificate verified against kubesim's CA:
     * CN and the O entries; NULL/0 when none was presented. */
    char *cert_user;
    char **cert_groups;
    size_t n_cert_groups;
    uint64_t conn_id;
    /* The decoded query (ks_req_parse_query fills it; http.c does for
     * every request it reads). */
    struct ks_header *params;
    size_t n_params;
    char *params_buf;
} ks_req;

/* Decodes req->query into req->params (percent escapes, '+' as space;
 * a pair with a bad escape is dropped). Returns 0 or KS_ENOMEM. */
int ks_req_parse_query(ks_req *req);
/* Frees what ks_req_parse_query allocated. */
void ks_req_release_query(ks_req *req);

/* Case-insensitive header lookup; NULL when absent. */
const char *ks_req_header(const ks_req *req, const char *name);
/* Decoded value of a query parameter (first occurrence) from
 * req->params, NULL when absent. The pointer lives as long as req. */
const char *ks_req_query(const ks_req *req, const char *key);

typedef struct ks_stream ks_stream;

typedef struct ks_resp {
    int status;                /* 0 = not answered yet */
    struct ebb_strbuf body;    /* the whole body (ignored for streams) */
    char content_type[96];     /* default "application/json" */
    struct ks_header extra[8]; /* Retry-After, Warning, ... (owned) */
    size_t n_extra;
    ks_stream *stream; /* set by ks_resp_stream */
} ks_resp;

void ks_resp_header(ks_resp *resp, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Sets status and a compact JSON body (the tree is not consumed). */
void ks_resp_json(ks_resp *resp, int status, const cJSON *body);

/*
 * Turns the response into a stream: http.c sends "200", the headers and
 * Transfer-Encoding: chunked now, then each ks_stream_send as one chunk.
 * on_close(ud) is called once if the client goes away (or the server
 * drops the stream) before ks_stream_end; after on_close or
 * ks_stream_end the stream pointer is dead.
 */
ks_stream *ks_resp_stream(ks_resp *resp, void (*on_close)(void *ud), void *ud);
/* Queues one chunk. Returns KS_EIO when the client is gone or its
 * unsent backlog passed the limit (the stream is then closed and
 * on_close has been called). */
int ks_stream_send(ks_stream *st, const char *data, size_t len);
/* Sends the closing 0-size chunk; the connection goes back to
 * keep-alive. */
void ks_stream_end(ks_stream *st);

typedef void (*ks_handler_fn)(void *ud, const ks_req *req, ks_resp *resp);

typedef struct ks_http ks_http;

struct ks_http_opts {
    const char *bind_addr; /* "127.0.0.1" */
    int port;              /* 0: the kernel picks */
    const char *cert_pem;  /* serving certificate chain (PEM text) */
    const char *key_pem;
    const char *ca_pem; /* client certificates are verified against it */
    size_t max_body;    /* request bodies above: 413 (default 3 MiB) */
    ks_handler_fn handler;
    void *ud;
};

ks_http *ks_http_new(const struct ks_http_opts *o, char *err, size_t errlen);
void ks_http_free(ks_http *h);
int ks_http_port(const ks_http *h);
/* poll()s the listener and connections for at most timeout_ms, serving
 * what is ready. Returns 0, or KS_EIO on a listener failure. */
int ks_http_poll(ks_http *h, int timeout_ms, double now_real);
/* Faults: delay every response by latency_ms; accept-and-close every
 * connection until the real time refuse_until. */
void ks_http_set_latency(ks_http *h, int latency_ms);
void ks_http_refuse_until(ks_http *h, double refuse_until_real);
/* Counters for /kubesim/v1/stats and the benchmark. */
uint64_t ks_http_requests_served(const ks_http *h);

/* ------------------------------------------------------------------ */
/* Store (store.c)                                                     */

struct ks_label {
    char *key;
    char *value;
};

typedef struct ks_obj {
    const ks_rtype *rt; /* the storage type */
    char *ns;           /* "" for cluster-scoped */
    char *name;
    uint64_t rv;
    struct ks_label *labels;
    size_t n_labels;
    char *json; /* compact serialization, metadata.resourceVersion set */
    size_t json_len;
} ks_obj;

/* A parsed label selector ("app=web,tier in (a,b),!canary") or field
 * selector ("metadata.name=x,status.phase!=Running"). */
typedef struct ks_selector ks_selector;
/* NULL text or "" parses to the everything selector. On a syntax error
 * returns NULL and writes the real apiserver's message to err. */
ks_selector *ks_selector_parse(const char *text, bool is_field, char *err, size_t errlen);
void ks_selector_free(ks_selector *sel);
bool ks_selector_matches_labels(const ks_selector *sel, const struct ks_label *labels, size_t n);
/* A label selector's first requirement that only key=value satisfies
 * ("k=v", "k==v", "k in (v)"): every labels it matches have it. false
 * when it has none (or is a field selector). key and value point into sel. */
bool ks_selector_label_equality(const ks_selector *sel, const char **key, const char **value);
/* Field selectors: values looked up in the parsed object by dotted path. */
bool ks_selector_matches_fields(const ks_selector *sel, const cJSON *obj);

typedef struct ks_store ks_store;

struct ks_store_opts {
    size_t history;        /* change events kept for watch replay (default 10000) */
    double bookmark_every; /* seconds between BOOKMARKs (default 60) */
};

ks_store *ks_store_new(const struct ks_store_opts *o);
void ks_store_free(ks_store *st);

/* The newest resourceVersion handed out (global, like etcd's revision). */
uint64_t ks_store_rv(const ks_store *st);
/* Oldest resourceVersion a watch or continue token may still start from. */
uint64_t ks_store_oldest_rv(const ks_store *st);

const ks_obj *ks_store_get(const ks_store *st, const ks_rtype *rt, const char *ns,
                           const char *name);
/*
 * Writes. obj is the full object; the store takes its namespace/name
 * from metadata, sets metadata.resourceVersion to the next global
 * version, serializes it, records the change in the history, notifies
 * subscribers and feeds matching watches. obj is not consumed.
 *   create: KS_EEXISTS when the key is taken.
 *   update: KS_ENOTFOUND; KS_ECONFLICT when expect_rv != 0 and differs
 *           from the stored version.
 *   remove: KS_ENOTFOUND; KS_ECONFLICT as for update. The DELETED event
 *           carries the last state with a fresh resourceVersion.
 * *out (may be NULL) points at the stored object, valid until the next
 * write of that key.
 */
int ks_store_create(ks_store *st, const ks_rtype *rt, const cJSON *obj, const ks_obj **out);
int ks_store_update(ks_store *st, const ks_rtype *rt, const cJSON *obj, uint64_t expect_rv,
                    const ks_obj **out);
int ks_store_remove(ks_store *st, const ks_rtype *rt, const char *ns, const char *name,
                    uint64_t expect_rv, const ks_obj **out_last);

/* Every object of a type (ns NULL: all namespaces), sorted by namespace
 * then name. */
typedef bool (*ks_store_each_fn)(void *ud, const ks_obj *o); /* false: stop */
void ks_store_each(const ks_store *st, const ks_rtype *rt, const char *ns, ks_store_each_fn fn,
                   void *ud);
size_t ks_store_count(const ks_store *st, const ks_rtype *rt);

/* Subscribers see every committed change: type is "ADDED", "MODIFIED",
 * "DELETED". Called synchronously inside the write; a subscriber must
 * not write to the store from the callback (queue work for its tick). */
typedef void (*ks_store_sub_fn)(void *ud, const char *type, const ks_obj *o);
void ks_store_subscribe(ks_store *st, ks_store_sub_fn fn, void *ud);

/*
 * A LIST as the real apiserver answers it: the body is the <Kind>List
 * with metadata.resourceVersion, continue and remainingItemCount.
 *   view: the type the client asked for (converted via view->to_view
 *         when it shares storage); ns: NULL for all namespaces.
 *   rv / rv_match / limit / cont: the query parameters (NULL/0 absent).
 * Returns 0, KS_EGONE (410 Expired; *new_continue set as in fixture 57
 * when it was a continue token), KS_EBADREQ (bad continue token; message
 * in err).
 */
struct ks_list_req {
    const ks_rtype *view;
    const char *ns;
    const ks_selector *labels;
    const ks_selector *fields;
    const char *rv;
    const char *rv_match;
    long limit;
    const char *cont;
};
int ks_store_list(ks_store *st, const struct ks_list_req *q, struct ebb_strbuf *body,
                  char **new_continue, char *err, size_t errlen);

/*
 * A WATCH on an open stream: from rv ("" or NULL: now; "0": synthetic
 * ADDED for the current state first; older than the history: one ERROR
 * event with a 410 Expired Status, then the end), BOOKMARKs when asked
 * for, and the end of the stream after timeout_s (0: never) seconds of
 * simulated time. The store owns the stream from here on.
 */
struct ks_watch_req {
    const ks_rtype *view;
    const char *ns;
    ks_selector *labels; /* consumed */
    ks_selector *fields; /* consumed */
    const char *rv;
    bool bookmarks;
    double timeout_s;
    /* sendInitialEvents=true (watch-list, client-go 1.35 informers): the
     * current state as ADDED events, then a BOOKMARK annotated
     * k8s.io/initial-events-end, then live events. */
    bool initial_events;
};
int ks_store_watch(ks_store *st, const struct ks_watch_req *q, ks_stream *stream, double now);
/* Timers: bookmarks and watch deadlines. The "now" of watches is the
 * wall clock (a watch's timeoutSeconds is real seconds at any --speed). */
void ks_store_tick(ks_store *st, double now);
/* Next time ks_store_tick has work (a deadline), or 0 when none. */
double ks_store_next_deadline(const ks_store *st);
/* Faults: end every open watch now (clean 0-size chunk). */
void ks_store_drop_watches(ks_store *st);
/* Faults: forget the history: every watch or continue token from before
 * now gets 410. */
void ks_store_compact(ks_store *st);
size_t ks_store_watch_count(const ks_store *st);

/* ------------------------------------------------------------------ */
/* Patches (patch.c) -- pure functions on cJSON trees                  */

/* RFC 7386 JSON merge patch. Returns a new tree. */
cJSON *ks_merge_patch(const cJSON *target, const cJSON *patch);
/* Strategic merge patch for built-in kinds: maps merge; lists with a
 * merge key (containers/initContainers/volumes/env by name, ports by
 * containerPort, conditions by type, ...) merge by key; $patch:
 * delete/replace and $retainKeys, $deleteFromPrimitiveList honoured.
 * path_prefix is the dotted path of target within the object ("" for
 * the root). NULL + message in err on a bad patch. */
cJSON *ks_strategic_merge_patch(const cJSON *target, const cJSON *patch, const char *kind,
                                char *err, size_t errlen);
/* RFC 6902. 0, or KS_EINVALID with the real server's message in err
 * (a failed test op: "the server rejected our request due to an error
 * in our request"). Applied to a copy; *doc replaced only on success. */
int ks_json_patch(cJSON **doc, const cJSON *ops, char *err, size_t errlen);

/*
 * Server-side apply. live may be NULL (create). Returns the new object
 * (managedFields updated for manager), or NULL with causes/conflicts:
 * a field owned by another manager with a different value and force
 * false gives KS_ECONFLICT and one cause per conflicting field, in the
 * real server's words ('conflict with "other-manager": .spec.replicas').
 */
cJSON *ks_apply(const cJSON *live, const cJSON *applied, const char *manager, bool force,
                const char *api_version, double now, int *rc, struct ks_causes *conflicts);
/* Records an Update operation of manager in obj's managedFields: the set
 * of fields that changed between old (may be NULL) and obj. */
void ks_managed_fields_update(cJSON *obj, const cJSON *old, const char *manager,
                              const char *api_version, const char *subresource, double now);

/* ------------------------------------------------------------------ */
/* CRD schemas (schema.c, cel.c)                                       */

/* Compiles a version's schema: checks it is structural and compiles its
 * x-kubernetes-validations rules; unsupported rules are causes. Returns
 * an opaque handle for ks_schema_apply, or NULL (causes filled). */
void *ks_schema_compile(const cJSON *schema, const char *field_prefix, struct ks_causes *causes);
void ks_schema_free(void *compiled);
/*
 * Validates obj (a whole custom resource) against the compiled schema:
 * prunes unknown fields (unless x-kubernetes-preserve-unknown-fields),
 * applies defaults, checks type/required/enum/minimum/maximum/pattern/
 * minLength/maxLength/minItems/maxItems/format and CEL rules (old: the
 * stored object for transition rules, may be NULL). Causes carry the
 * real server's field paths and messages (fixture 49). Every pruned
 * unknown field is also added to unknown (may be NULL), field = its path
 * ("spec.foo"), for fieldValidation=Strict/Warn. Returns 0 or
 * KS_EINVALID.
 */
int ks_schema_apply(const void *compiled, cJSON *obj, const cJSON *old, struct ks_causes *causes,
                    struct ks_causes *unknown);

/* ------------------------------------------------------------------ */
/* Load and metrics (load.c, metrics.c)                                */

typedef struct ks_load ks_load;

/* Named curves: "constant:V", "step:V1@T1,V2", "sine:MIN:MAX:PERIOD",
 * "blackfriday:BASE:PEAK", or "trace:FILE" (CSV: seconds,load). Load is
 * in requests per second. */
ks_load *ks_load_new(void);
void ks_load_free(ks_load *l);
/* Sets the curve of a workload ("ns/name" of a Deployment or
 * StatefulSet). start is the sim time the curve's t=0 maps to. */
int ks_load_set(ks_load *l, const char *key, const char *spec, double start, char *err,
                size_t errlen);
/* Offered load of a workload at sim time t; 0 when it has no curve. */
double ks_load_at(const ks_load *l, const char *key, double t);

/* ------------------------------------------------------------------ */
/* The simulator                                                       */

struct ks_faults {
    double p500;       /* fraction of resource requests answered 500 */
    double p429;       /* ... answered 429 with Retry-After */
    int retry_after_s; /* default 1 */
    int latency_ms;
    double refuse_until; /* real time */
};

struct ks_config {
    const char *bind_addr;
    int port;
    const char *dir;           /* where certs, kubeconfigs and tokens are written */
    double speed;              /* simulated seconds per real second (default 1) */
    double metrics_resolution; /* seconds (default 15) */
    double pod_startup;        /* Pending -> Running -> Ready (default 5 s) */
    double pod_grace;          /* deletion grace (default: the pod's, else 30 s) */
    double noise;              /* relative noise on usage (default 0) */
    size_t history;
    uint64_t seed;
};

struct ks_token {
    char *token;
    char *user;
    char *groups; /* comma-separated */
    char *file;   /* file name in cfg.dir; rewritten when rotated */
};

typedef struct ks_workload ks_workload;
typedef struct ks_metrics ks_metrics;

typedef struct ks_sim {
    struct ks_config cfg;
    double start_real; /* real time at start */
    double start_sim;  /* sim time at start (= start_real) */
    uint64_t rng[2];
    double now_real; /* refreshed at each loop turn */

    ks_http *http;
    ks_registry *reg;
    ks_store *store;
    ks_workload *work;
    ks_load *load;
    ks_metrics *metrics;
    struct ks_faults faults;

    struct ks_token tokens[4]; /* admin, reader, nobody, (rotated) */
    size_t n_tokens;
    char *ca_pem;
    char *ca_key_pem;
    char *server_cert_pem;
    char *server_key_pem;

    volatile int *stop; /* set by the signal handler */
} ks_sim;

/* Simulated now: start_sim + (now_real - start_real) * speed. */
double ks_now(const ks_sim *s);
/* Wall-clock seconds (CLOCK_REALTIME). */
double ks_real_now(void);

/* sim.c: the simulator as a whole. ks_sim_init builds everything (with
 * serve: certificates, kubeconfigs in cfg->dir and the HTTPS listener;
 * without: an in-process sim for tests). The free functions accept NULL. */
void ks_config_defaults(struct ks_config *c);
int ks_sim_init(ks_sim *s, const struct ks_config *cfg, bool serve, char *err, size_t errlen);
/* One turn of the simulated world at ks_now(s): watch timers, workloads,
 * metrics. The caller refreshes s->now_real first. */
void ks_sim_tick(ks_sim *s);
void ks_sim_destroy(ks_sim *s);

/* api.c: the handler http.c calls for every request. ud is the ks_sim. */
void ks_api_handle(void *ud, const ks_req *req, ks_resp *resp);
/* A Status failure body on resp: {"kind":"Status","apiVersion":"v1",
 * "metadata":{},"status":"Failure","message":...,"reason":...,
 * "details":...,"code":...}. details may be NULL (not consumed). */
void ks_status_fail(ks_resp *resp, int code, const char *reason, const char *message,
                    const cJSON *details);
/* Object writes from inside kubesim (controllers) go through the same
 * semantics as API writes (generation, uid, timestamps, managedFields,
 * GC bookkeeping) but skip authz: manager names the writer. */
int ks_api_create(ks_sim *s, const ks_rtype *rt, cJSON *obj, const char *manager,
                  const ks_obj **out);
int ks_api_update(ks_sim *s, const ks_rtype *rt, cJSON *obj, bool status_only, const char *manager,
                  const ks_obj **out);
/* Deletion with finalizers/grace: marks deletionTimestamp when the
 * object has finalizers or (pods) a grace period, else removes it. */
int ks_api_delete(ks_sim *s, const ks_rtype *rt, const char *ns, const char *name,
                  const char *propagation);

/* discovery.c: /api..., /apis, /apis/<g>, /apis/<g>/<v>, and (openapi.c)
 * /openapi/... Returns false for paths it does not serve. */
bool ks_discovery_handle(ks_sim *s, const ks_req *req, ks_resp *resp);
bool ks_openapi_handle(ks_sim *s, const ks_req *req, ks_resp *resp);
/* metrics.c: metrics.k8s.io, custom/external metrics, Prometheus. */
ks_metrics *ks_metrics_new(ks_sim *s);
void ks_metrics_free(ks_metrics *m);
int ks_metrics_register(ks_registry *r); /* the virtual types, for discovery */
bool ks_metrics_handle(ks_sim *s, const ks_req *req, ks_resp *resp);
void ks_metrics_tick(ks_sim *s, double now);
/* control.c: /kubesim/v1/... */
bool ks_control_handle(ks_sim *s, const ks_req *req, ks_resp *resp);
/* workload.c */
ks_workload *ks_workload_new(ks_sim *s);
void ks_workload_free(ks_workload *w);
void ks_workload_tick(ks_sim *s, double now);
/* certs.c */
int ks_certs_generate(ks_sim *s, char *err, size_t errlen);
int ks_certs_write_kubeconfigs(ks_sim *s, int port, char *err, size_t errlen);
/* (Re)writes s->tokens[i].token to its file (cfg.dir/tokens[i].file). */
int ks_certs_write_token(ks_sim *s, size_t i, char *err, size_t errlen);

#endif
