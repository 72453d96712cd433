/*
 * kubesim: server-side printing -- meta.k8s.io Tables for kubectl get.
 *
 * kubectl asks for
 *   Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...,application/json
 * and the real apiserver answers a Table instead of the object or list:
 *   {"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{...},
 *    "columnDefinitions":[{name,type,format,description,priority}],
 *    "rows":[{"cells":[...],"conditions"?:[...],"object":{...}}]}
 * Columns are those of kubernetes' pkg/printers/internalversion (always
 * the wide set: the server prints with Wide: true, kubectl hides
 * priority > 0 columns unless -o wide), a CRD version's
 * additionalPrinterColumns for custom resources (Name + Age without),
 * and the default table (Name, Created At) for the rest.
 *
 *   table.c       request parsing, the Table document, rows, watch events
 *   table_cols.c  the column sets and cells of the built-in kinds
 *   table_path.c  the JSONPath subset additionalPrinterColumns use
 */
#ifndef KUBESIM_TABLE_H
#define KUBESIM_TABLE_H

#include "ks.h"

enum ks_table_include {
    KS_TABLE_METADATA, /* row.object: PartialObjectMetadata (default) */
    KS_TABLE_NONE,     /* row.object: null */
    KS_TABLE_OBJECT,   /* row.object: the whole object */
};

struct ks_table_opts {
    char api_version[32]; /* "meta.k8s.io/v1" or "meta.k8s.io/v1beta1" */
    enum ks_table_include include;
    bool no_headers; /* columnDefinitions null (watch events after the first) */
    double now;      /* sim time, for Age cells */
};

/* What the printer needs of a resource type, copied so that a watch can
 * outlive a CRD's registration. */
struct ks_table_kind {
    char group[96]; /* the storage type's group and kind select the printer */
    char kind[64];
    bool custom;
    /* Converts a view (events.k8s.io Event) to the stored shape the
     * printer reads; NULL: printed as is. */
    cJSON *(*from_view)(const cJSON *view);
    /* Custom resources: the served version's additionalPrinterColumns
     * (owned; NULL: the default Name + Age). */
    cJSON *columns;
};

/*
 * Reads the Accept header and the includeObject parameter of req.
 * Returns 1 when a Table is wanted (*o filled, now = 0), 0 when not, and
 * -1 when resp has been answered (400 for a bad includeObject).
 */
int ks_table_request(const ks_req *req, ks_resp *resp, struct ks_table_opts *o);

/* Fills k for rt; custom resources get their CRD's printer columns from
 * the store. Returns 0 or KS_ENOMEM. */
int ks_table_kind_init(ks_sim *s, const ks_rtype *rt, struct ks_table_kind *k);
/* Same, with the CRD object given (may be NULL): no store needed. */
int ks_table_kind_from_crd(const ks_rtype *rt, const cJSON *crd, struct ks_table_kind *k);
void ks_table_kind_release(struct ks_table_kind *k);

/* The Table of one object or of a list (a document with an "items"
 * array). Returns a new tree, NULL on allocation failure. */
cJSON *ks_table_convert(const struct ks_table_kind *k, const cJSON *doc,
                        const struct ks_table_opts *o);

/* Converts the JSON text of an object or list and answers resp with the
 * Table (200) or a 500 Status. */
void ks_table_send(ks_sim *s, const ks_rtype *rt, const char *json, size_t len,
                   const struct ks_table_opts *o, ks_resp *resp);

/* Same with the document already parsed. */
void ks_table_send_doc(ks_sim *s, const ks_rtype *rt, const cJSON *doc,
                       const struct ks_table_opts *o, ks_resp *resp);

/* Same for a stored object, in rt's shape. */
void ks_table_send_obj(ks_sim *s, const ks_rtype *rt, const ks_obj *obj,
                       const struct ks_table_opts *o, ks_resp *resp);

/* Watch with as=Table: every event's object becomes a one-row Table,
 * with columnDefinitions in the first event only; ERROR Status objects
 * pass unchanged. */
typedef struct ks_table_watch ks_table_watch;
ks_table_watch *ks_table_watch_new(ks_sim *s, const ks_rtype *rt, const struct ks_table_opts *o);
void ks_table_watch_free(ks_table_watch *w);
/* One event line (JSON + "\n") in, the converted line in out. Returns 0,
 * or KS_EINVALID / KS_ENOMEM (out then holds the event unchanged). */
int ks_table_watch_event(ks_table_watch *w, const char *d, size_t n, struct ebb_strbuf *out);

/* ------------------------------------------------------------------ */
/* Shared between the table*.c files                                  */

struct ks_table_col {
    const char *name;
    const char *type;
    const char *format;
    const char *description;
    int priority;
};

struct ks_table_printer {
    const char *group;
    const char *kind;
    const struct ks_table_col *cols;
    size_t n_cols;
    /* Appends the row's cells (as many as cols) to cells; may set
     * *conditions (a new array). Returns 0 or KS_ENOMEM. */
    int (*cells)(const cJSON *obj, double now, cJSON *cells, cJSON **conditions);
};

/* The printer of a built-in kind, NULL when there is none. */
const struct ks_table_printer *ks_table_printer_find(const char *group, const char *kind);
/* The default table (Name, Created At) and the custom resource default
 * column descriptions. */
extern const struct ks_table_printer ks_table_default_printer;
/* table_cols2.c */
extern const struct ks_table_printer ks_table_node_printer, ks_table_service_printer,
    ks_table_event_printer, ks_table_hpa_printer;
extern const char ks_table_desc_name[];
extern const char ks_table_desc_created[];

/* Go's duration.HumanDuration for secs seconds ("5m12s", "3d", "<invalid>"). */
void ks_table_human_duration(double secs, char *out, size_t cap);
/* "<unknown>" when ts is NULL/empty/unparsable, else HumanDuration(now - ts). */
void ks_table_since(const char *ts, double now, char *out, size_t cap);
/* RFC 3339 to seconds; false when it does not parse. */
bool ks_table_parse_time(const char *ts, double *out);

/* First value a JSONPath (".spec.x", "[0]", "[?(@.type==\"Ready\")]",
 * "['a.b']", "[*]", ".*") selects in root. NULL when it selects nothing;
 * *bad set when the path does not parse. */
const cJSON *ks_table_jsonpath(const cJSON *root, const char *path, bool *bad);

#endif
