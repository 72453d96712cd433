/*
 * kubesim: the built-in kinds -- defaults, validation, CRD registration
 * (builtins*.c). api.c calls these on every write of a built-in type.
 */
#ifndef KUBESIM_BUILTINS_H
#define KUBESIM_BUILTINS_H

#include "ks.h"

/* Defaults a built-in object in place (create and update). */
void ks_builtin_default(const ks_rtype *rt, cJSON *obj);
/* Validates; old is the stored object on update (NULL on create).
 * Appends causes in the real server's words; returns 0 or KS_EINVALID. */
int ks_builtin_validate(const ks_rtype *rt, const cJSON *obj, const cJSON *old,
                        struct ks_causes *causes);
/* Built-in kinds whose generation also bumps on annotation changes
 * (Deployment). */
bool ks_builtin_generation_on_annotations(const ks_rtype *rt);
/* After a CRD is created/updated/deleted through the API: (un)register
 * its types and fill its status (conditions Established, NamesAccepted;
 * acceptedNames). Returns 0 or KS_EINVALID with causes. */
int ks_builtin_crd_changed(ks_sim *s, cJSON *crd, bool deleted, struct ks_causes *causes);

/* Validates an autoscaling/v1 Scale written to a /scale subresource
 * (spec.replicas >= 0, fixture 25). Returns 0 or KS_EINVALID + causes. */
int ks_builtin_validate_scale(const cJSON *scale, struct ks_causes *causes);

/* Puts an object's keys in the order the real server writes them: kind,
 * apiVersion, metadata (ObjectMeta order, labels/annotations sorted),
 * then the type's own fields (built-in kinds; CRD schemas sorted). For
 * any type, custom ones included; call it after metadata is complete. */
void ks_builtin_normalize(const ks_rtype *rt, cJSON *obj);

/* events.k8s.io/v1 Event <-> core/v1 Event (the stored shape): the
 * to_view/from_view of the events.k8s.io type. New trees; NULL on
 * failure or when the input is not an object. */
cJSON *ks_event_core_to_v1(const cJSON *core);
cJSON *ks_event_v1_to_core(const cJSON *ev);

/* ---- internal to builtins*.c ------------------------------------ */

/* builtins_order.c: reorders obj per the named shape ("Deployment",
 * "StatefulSet", "Pod", "PodTemplateSpec", "ObjectMeta", ...). */
void ks_bi_order(const char *shape, cJSON *obj);

/* builtins_vutil.c: the real server's validation vocabulary. */
struct ebb_strbuf;
void ks_bi_go_quote(struct ebb_strbuf *sb, const char *s);
void ks_bi_required(struct ks_causes *c, const char *field, const char *detail);
void ks_bi_forbidden(struct ks_causes *c, const char *field, const char *detail);
void ks_bi_invalid_str(struct ks_causes *c, const char *field, const char *value,
                       const char *detail);
void ks_bi_invalid_num(struct ks_causes *c, const char *field, double value, const char *detail);
/* value is already rendered (Go %#v) */
void ks_bi_invalid_raw(struct ks_causes *c, const char *field, const char *value,
                       const char *detail);
void ks_bi_not_supported(struct ks_causes *c, const char *field, const char *value,
                         const char *const *supported);
void ks_bi_duplicate(struct ks_causes *c, const char *field, const char *value);
/* Go's map[string]string{"a":"b", ...} (nil -> map[string]string(nil)) */
void ks_bi_render_map(struct ebb_strbuf *sb, const cJSON *map);
/* v1.LabelSelector{...} rendering of a selector object */
void ks_bi_render_selector(struct ebb_strbuf *sb, const cJSON *sel);
/* Name checks: append the messages (joined as the server does). */
enum ks_bi_name { KS_BI_SUBDOMAIN, KS_BI_LABEL, KS_BI_DNS1035, KS_BI_NONE };
struct ks_bi_msgs {
    char v[4][512];
    int n;
};
void ks_bi_name_msgs(enum ks_bi_name kind, const char *value, bool prefix, struct ks_bi_msgs *m);
void ks_bi_qualified_name_msgs(const char *value, struct ks_bi_msgs *m);
void ks_bi_validate_qualified_name(struct ks_causes *c, const char *field, const char *value);
void ks_bi_validate_labels(struct ks_causes *c, const char *field, const cJSON *labels);
void ks_bi_validate_annotations(struct ks_causes *c, const char *field, const cJSON *ann);
/* ValidateObjectMeta; name_extra: one more message for a non-empty name
 * (CRDs: the plural.group rule), NULL for none. */
void ks_bi_validate_meta(struct ks_causes *c, const cJSON *obj, bool namespaced,
                         enum ks_bi_name name_kind, const char *name_extra);
/* Integer at key: true and *out when it is a whole number. */
bool ks_bi_int(const cJSON *obj, const char *dotted, long long *out);

/* builtins_crd.c */
void ks_bi_crd_default(cJSON *crd);
void ks_bi_crd_validate(const cJSON *crd, const cJSON *old, struct ks_causes *c);

/* builtins_events.c */
void ks_bi_event_default(cJSON *obj, bool v1_view);
void ks_bi_event_validate(const cJSON *obj, bool v1_view, struct ks_causes *c);

/* builtins_defaults.c */
void ks_bi_default(const ks_rtype *rt, cJSON *obj);

/* builtins_validate.c */
void ks_bi_validate(const ks_rtype *rt, const cJSON *obj, const cJSON *old, struct ks_causes *c);

#endif
