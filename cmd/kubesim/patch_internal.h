/*
 * kubesim: the private header of the patch module (patch*.c, fieldset.c).
 *
 *   patch.c        the schema knowledge both patch flavours need for the
 *                  built-in kinds: which lists merge by which key, which
 *                  lists are sets, which maps are atomic (const tables)
 *   patch_merge.c  RFC 7386 merge patch; Kubernetes strategic merge patch
 *   patch_json.c   RFC 6902 JSON patch
 *   fieldset.c     field sets as managedFields spell them (fieldsV1)
 *   fieldset_walk.c  field sets of objects, the diff of two objects
 *   patch_managed.c  managedFields entries: decode, encode, Update records
 *   patch_apply.c  server-side apply: merge, prune, conflicts
 *
 * Everything here is pure: cJSON in, cJSON out, time as an argument.
 *
 * Error codes of ks_json_patch (the api layer maps them to HTTP):
 *   KS_EBADREQ  400 BadRequest: the patch document is not a JSON array of
 *               objects; err holds the Go decoder's words, e.g.
 *               "json: cannot unmarshal object into Go value of type
 *               jsonpatch.Patch".
 *   KS_EINVALID 422 Invalid: an operation could not be applied (failed
 *               test, missing path, bad index, unknown op). The real
 *               apiserver answers every one of these with the generic
 *               message "the server rejected our request due to an error
 *               in our request" and details {} (fixture 19); err holds that
 *               message. ks_json_patch_detail gives evanphx/json-patch's
 *               own words for logs and tests.
 *   KS_ENOMEM
 */
#ifndef KUBESIM_PATCH_INTERNAL_H
#define KUBESIM_PATCH_INTERNAL_H

#include "ks.h"

/* ------------------------------------------------------------------ */
/* Schema knowledge (patch.c)                                          */

/* Where a value sits: the dotted field names from the object root (list
 * items add no segment: "spec.template.spec.containers.ports") and the
 * object's kind ("Service" has its own ports key). */
#define KS_FPATH_MAX 512

struct ks_fpath {
    char buf[KS_FPATH_MAX];
    size_t len;
    unsigned overflow; /* pushes past buf: lookups fail, nothing breaks */
    const char *kind;
    /* Custom resources: list and map types come from the CRD version's
     * openAPIV3Schema (x-kubernetes-list-type, -list-map-keys,
     * -map-type; lists default to atomic) instead of the field-name
     * tables, which then apply to metadata only. schema may be NULL
     * (every list atomic, every map granular). */
    bool custom;
    const cJSON *schema;
};

void ks_fpath_init(struct ks_fpath *p, const char *kind);
/* Appends ".field"; returns the length to restore with ks_fpath_pop. */
size_t ks_fpath_push(struct ks_fpath *p, const char *field);
void ks_fpath_pop(struct ks_fpath *p, size_t len);

/* Strategic merge patch: the patchMergeKey of the list field at p (the
 * path includes the field), or NULL when the list is replaced. *set is
 * true for primitive lists merged as sets (finalizers). */
const char *ks_smp_merge_key(const struct ks_fpath *p, bool *set);

/* Structured merge (managedFields, apply): how the list at p is owned. */
enum ks_list_kind {
    KS_LIST_ATOMIC, /* one leaf */
    KS_LIST_MAP,    /* items by key: "k:{\"name\":\"x\"}" */
    KS_LIST_SET,    /* primitives by value: "v:\"x\"" */
};

struct ks_list_info {
    enum ks_list_kind kind;
    const char *keys[3]; /* KS_LIST_MAP: the key fields, sorted */
    size_t n_keys;
};

void ks_smd_list_info(const struct ks_fpath *p, struct ks_list_info *out);
/* Maps owned as a whole (LabelSelector, Service selector, nodeSelector). */
bool ks_smd_map_atomic(const struct ks_fpath *p);
/* Default value of a list-map key field when an item omits it ("protocol":
 * "TCP"), or NULL. */
const char *ks_smd_key_default(const char *field);

/* Deep equality of two JSON values, key order ignored (cJSON_Compare is
 * exponential in the depth of nested objects). */
bool ks_json_equal(const cJSON *a, const cJSON *b);

/* Go's name of a JSON value's type in decoder errors: "object", "array",
 * "string", "number", "bool", "null". */
const char *ks_json_go_type(const cJSON *v);

/* ------------------------------------------------------------------ */
/* JSON patch (patch_json.c)                                           */

/* As ks_json_patch; detail (may be NULL) gets evanphx/json-patch's own
 * message for a KS_EINVALID ("testing value /spec/replicas failed: test
 * failed", "add operation does not apply: doc is missing path:
 * \"/spec/foo\": missing value"). */
int ks_json_patch_detail(cJSON **doc, const cJSON *ops, char *err, size_t errlen, char *detail,
                         size_t detaillen);

/* ------------------------------------------------------------------ */
/* Field sets (fieldset.c)                                             */

/*
 * A set of field paths as a tree, one node per path element, spelled as
 * fieldsV1 spells it: "f:<name>", "k:<json of the key fields, sorted>",
 * "v:<json value>", "i:<index>". member: the path ending here is in the
 * set ("." in fieldsV1 when the node also has children).
 */
typedef struct ks_fs ks_fs;

struct ks_fs {
    char *key;  /* NULL at the root */
    cJSON *val; /* "k:" / "v:": the parsed value, for ordering */
    bool member;
    ks_fs **kid;
    size_t n, cap;
};

ks_fs *ks_fs_new(void);
void ks_fs_free(ks_fs *s);
/* The child with that key; created when create (NULL on ENOMEM or a
 * malformed key). */
ks_fs *ks_fs_child(ks_fs *s, const char *key, bool create);
const ks_fs *ks_fs_find(const ks_fs *s, const char *key);
/* Inserts a path of n keys (as a member). 0 or KS_ENOMEM. */
int ks_fs_insert(ks_fs *s, char *const *keys, size_t n);
bool ks_fs_empty(const ks_fs *s);
/* dst |= src. 0 or KS_ENOMEM. */
int ks_fs_union(ks_fs *dst, const ks_fs *src);
/* dst -= src (members only; nodes left without members are dropped). */
void ks_fs_subtract(ks_fs *dst, const ks_fs *src);
/* A new set: a & b (NULL on ENOMEM). */
ks_fs *ks_fs_intersect(const ks_fs *a, const ks_fs *b);
/* Drops nodes that are neither members nor lead to one. */
void ks_fs_prune(ks_fs *s);

/* fieldsV1 JSON -> set. NULL with a message in err when malformed. */
ks_fs *ks_fs_parse(const cJSON *fields, char *err, size_t errlen);
/* set -> fieldsV1 JSON, children sorted as the real server sorts them. */
cJSON *ks_fs_to_json(const ks_fs *s);

/* Path element keys. Return malloc'd strings (NULL on ENOMEM). */
char *ks_fs_key_field(const char *name);
/* "k:" of a list item from its key fields (NULL when the item is not an
 * object or has none of the key fields). */
char *ks_fs_key_item(const cJSON *item, const struct ks_list_info *li);
char *ks_fs_key_value(const cJSON *v);
char *ks_fs_key_index(size_t i);

/* The path of a member as the real server prints it in conflicts:
 * ".spec.template.spec.containers[name=\"nginx\"].image". */
typedef int (*ks_fs_each_fn)(void *ud, const char *path);
int ks_fs_each_member(const ks_fs *s, ks_fs_each_fn fn, void *ud);

/* Does a list item / object member match a path element key? */
bool ks_fs_item_matches(const cJSON *item, const ks_fs *node);

/* ------------------------------------------------------------------ */
/* Field sets of objects (fieldset_walk.c)                             */

/* Which parts of an object never enter a field set: apiVersion, kind, the
 * server-set metadata (name, namespace, uid, resourceVersion, generation,
 * creationTimestamp, selfLink, managedFields) and the part another
 * endpoint owns: "status" for the main resource, "spec" for /status. */
struct ks_fs_opts {
    const char *kind;
    const char *reset;   /* top-level field to leave out: "status", "spec", NULL */
    bool custom;         /* a custom resource (see struct ks_fpath) */
    const cJSON *schema; /* its openAPIV3Schema, or NULL */
};

/* The set of every field the object sets (smd's ToFieldSet: leaves, list
 * items, empty maps). NULL on ENOMEM. */
ks_fs *ks_fs_of_object(const cJSON *obj, const struct ks_fs_opts *o);

/* The difference old -> new (smd's Compare). old NULL: new is compared
 * with what a zero Go object of the kind holds, as the real server
 * compares a create: the structs it always has (metadata, spec,
 * spec.template, an Event's source ...) are not added themselves, and in
 * them null and "" are zero values, never added (Event's eventTime: null,
 * reportingComponent: ""). A custom resource's zero object is empty but
 * for metadata. 0 or KS_ENOMEM. */
int ks_fs_compare(const cJSON *old, const cJSON *new_, const struct ks_fs_opts *o, ks_fs *added,
                  ks_fs *modified, ks_fs *removed);

/* ------------------------------------------------------------------ */
/* managedFields entries (patch_managed.c)                             */

struct ks_mf_entry {
    char *manager;
    char *operation; /* "Update" or "Apply" */
    char *api_version;
    char *time;        /* RFC 3339, or NULL */
    char *subresource; /* "" when none */
    ks_fs *set;
};

struct ks_mf {
    struct ks_mf_entry *v;
    size_t n, cap;
};

void ks_mf_release(struct ks_mf *m);
/* Decodes metadata.managedFields (entries it cannot read are skipped). */
int ks_mf_decode(const cJSON *obj, struct ks_mf *m);
/* The entry of that identity (Apply entries ignore the apiVersion);
 * created (with an empty set) when create. NULL when absent or ENOMEM. */
struct ks_mf_entry *ks_mf_find(struct ks_mf *m, const char *manager, const char *operation,
                               const char *api_version, const char *subresource, bool create);
/* Drops the entries whose set became empty. */
void ks_mf_drop_empty(struct ks_mf *m);
/* Writes the entries, sorted as the real server sorts them, as obj's
 * metadata.managedFields (removed when there are none). 0 or KS_ENOMEM. */
int ks_mf_encode(cJSON *obj, const struct ks_mf *m);

/* ks_managed_fields_update for a resource type (NULL: as a built-in
 * kind): a custom resource's sets follow its CRD schema (rt->schema).
 * Updates through /scale leave an entry without a time (the real
 * server's scale handler, fixtures 15 and 34), and none at all for a
 * custom resource: the fields the write changed only leave the other
 * entries (fixtures 48, 59). */
void ks_managed_fields_update_rt(cJSON *obj, const cJSON *old, const ks_rtype *rt,
                                 const char *manager, const char *api_version,
                                 const char *subresource, double now);

/* ks_apply for a resource type (NULL: as a built-in kind): a custom
 * resource merges and records its sets by its CRD schema. */
cJSON *ks_apply_rt(const cJSON *live, const cJSON *applied, const ks_rtype *rt, const char *manager,
                   bool force, const char *api_version, double now, int *rc,
                   struct ks_causes *conflicts);

/* The conflict message of a cause, as the real server words it:
 * 'conflict with "kubectl-client-side-apply" using apps/v1'. */
void ks_mf_describe(const struct ks_mf_entry *e, char *out, size_t outlen);

/* SMD merge of an applied configuration into live (both objects): maps
 * merge, list-maps merge by key, the rest is replaced. NULL on ENOMEM. */
cJSON *ks_smd_merge(const cJSON *live, const cJSON *config, const char *kind);

/* ------------------------------------------------------------------ */
/* YAML (api_patch.c): apply patches, and POST/PUT/DELETE bodies sent  */
/* as application/yaml                                                 */

/* Parses one YAML document (JSON is YAML) into a tree: plain scalars are
 * read as YAML 1.2's core schema reads them (null, booleans, numbers),
 * the rest are strings. NULL and a message in err ("error converting
 * YAML to JSON: yaml: line 3: ...") on a syntax error or an empty
 * document. */
cJSON *ks_yaml_to_json(const char *text, size_t len, char *err, size_t errlen);

#endif
