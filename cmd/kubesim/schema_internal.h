/*
 * schema_internal.h -- the compiled form of a CRD's openAPIV3Schema,
 * shared by schema.c (compile, structural checks), schema_default.c
 * (pruning, defaults) and schema_validate.c (validation, CEL rules).
 */
#ifndef KUBESIM_SCHEMA_INTERNAL_H
#define KUBESIM_SCHEMA_INTERNAL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "../../pkg/base/arena.h"
#include "../../pkg/base/strbuf.h"
#include "cel.h"
#include "ks.h"

struct ks_sch_rule {
    ks_cel_prog *prog;
    ks_cel_prog *msg_prog; /* messageExpression, NULL when absent */
    const char *rule;
    const char *message;    /* NULL when absent */
    const char *field_path; /* ".minReplicas"; NULL when absent */
    const char *reason;     /* "FieldValueForbidden"...; NULL: FieldValueInvalid */
    bool uses_old_self;
};

struct ks_sch {
    const cJSON *js;  /* this node in the schema copy (CEL types values by it) */
    const char *type; /* "" when absent */
    bool nullable, int_or_string, preserve_unknown, embedded;

    size_t n_props; /* sorted by name */
    const char **prop_names;
    struct ks_sch **props;
    struct ks_sch *additional; /* additionalProperties as a schema */
    bool additional_false;     /* additionalProperties: false */
    struct ks_sch *items;

    struct ks_sch **all_of, **any_of, **one_of;
    size_t n_all_of, n_any_of, n_one_of;
    struct ks_sch *not_;

    const cJSON *enum_;
    const cJSON *default_;
    const cJSON *required;

    bool has_min, has_max, excl_min, excl_max;
    double min, max;
    long min_len, max_len, min_items, max_items, min_props, max_props; /* -1: absent */
    bool unique_items;
    regex_t *pattern;
    const char *pattern_src;
    const char *format;
    const char *list_type; /* "atomic", "set", "map" or NULL */
    const cJSON *map_keys;

    struct ks_sch_rule *rules;
    size_t n_rules;
};

struct ks_schema {
    cJSON *copy;
    struct ebb_arena arena;
    struct ks_sch *root;
    regex_t **regexes;
    size_t n_regexes, cap_regexes;
    ks_cel_prog **progs;
    size_t n_progs, cap_progs;
};

/* A dotted field path under construction ("spec.metrics[0].name"). */
struct ks_sch_path {
    struct ebb_strbuf sb;
};
size_t ks_sch_path_child(struct ks_sch_path *p, const char *key);
size_t ks_sch_path_index(struct ks_sch_path *p, size_t i);
size_t ks_sch_path_key(struct ks_sch_path *p, const char *key); /* [key] for map entries */
void ks_sch_path_restore(struct ks_sch_path *p, size_t len);

/* Go-like rendering of a bad value: "huge" quoted, -3, true, JSON else. */
void ks_sch_value_str(const cJSON *v, char *out, size_t outlen);
/* "integer", "number", "string", "boolean", "object", "array", "null" */
const char *ks_sch_json_type(const cJSON *v);

/* schema_default.c */
void ks_sch_prune(const struct ks_sch *s, cJSON *v, struct ks_sch_path *path,
                  struct ks_causes *unknown, bool root);
void ks_sch_default(const struct ks_sch *s, cJSON *v, bool root);

/* schema_validate.c */
void ks_sch_validate(const struct ks_sch *s, const cJSON *v, struct ks_sch_path *path,
                     struct ks_causes *causes, bool root);
void ks_sch_validate_cel(const struct ks_sch *s, const cJSON *v, const cJSON *old,
                         struct ks_sch_path *path, struct ks_causes *causes, bool root);

#endif
