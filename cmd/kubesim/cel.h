/*
 * cel.h -- kubesim's small CEL interpreter (private to schema*.c, cel*.c).
 *
 * It covers what CRD x-kubernetes-validations rules use: literals, self
 * and oldSelf, select/has/index, the operators, the macros all, exists,
 * exists_one, map and filter, and the Kubernetes string, quantity,
 * duration and timestamp functions. A rule using anything else does not
 * compile, so kubesim never accepts a rule it cannot evaluate.
 *
 * Values of self/oldSelf are read lazily from the JSON object, typed by
 * the OpenAPI schema node next to them: format date-time/date strings are
 * timestamps, format duration strings durations, integer fields ints.
 * Evaluation is bounded (a step counter and a memory cap) and never
 * crashes: runtime errors become a message.
 */
#ifndef KUBESIM_CEL_H
#define KUBESIM_CEL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../pkg/base/arena.h"

typedef struct ks_cel_prog ks_cel_prog;

/* Default step budget of one rule evaluation. */
#define KS_CEL_STEP_LIMIT 1000000u

/* Compiles a rule. NULL on a syntax error or an unsupported
 * function/macro/identifier; err then holds a cel-go-like message
 * ("ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')"). */
ks_cel_prog *ks_cel_compile(const char *src, char *err, size_t errlen);
void ks_cel_free(ks_cel_prog *p);
/* True when the rule mentions oldSelf (a transition rule). */
bool ks_cel_uses_old_self(const ks_cel_prog *p);

enum ks_cel_result {
    KS_CEL_FALSE = 0,
    KS_CEL_TRUE = 1,
    KS_CEL_ERROR = -1, /* runtime error, or the result is not a bool; err says which */
};

/*
 * Evaluates the rule with self = (self, schema) and oldSelf = (old,
 * schema); old may be NULL (oldSelf then is an error when used). schema
 * may be NULL (values are then typed from the JSON alone). step_limit 0
 * means KS_CEL_STEP_LIMIT.
 */
enum ks_cel_result ks_cel_eval_bool(const ks_cel_prog *p, const cJSON *self, const cJSON *old,
                                    const cJSON *schema, uint64_t step_limit, char *err,
                                    size_t errlen);
/* Evaluates and writes the value as CEL-ish text ("3", "\"a\"", "[1, 2]",
 * "true", "5400s", ...). Returns 0, or -1 with the error text in out. */
int ks_cel_eval_repr(const ks_cel_prog *p, const cJSON *self, const cJSON *old, const cJSON *schema,
                     uint64_t step_limit, char *out, size_t outlen);

/* Evaluates a messageExpression: 0 and the string in out, or -1 (an
 * error, or the result is not a string) with the reason in out. */
int ks_cel_eval_string(const ks_cel_prog *p, const cJSON *self, const cJSON *old,
                       const cJSON *schema, uint64_t step_limit, char *out, size_t outlen);

/* Compiles an RE2/ECMA-style pattern (\d \w \s, (?:...), escapes in
 * brackets) as a POSIX ERE. Returns 0, or -1 with a message. */
int ks_cel_regcomp(regex_t *re, const char *pattern, bool nosub, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Internal to cel.c, ks_cel_parse.c, ks_cel_eval.c                          */

enum ks_cel_kind {
    CV_ERR,
    CV_NULL,
    CV_BOOL,
    CV_INT,
    CV_UINT,
    CV_DOUBLE,
    CV_STRING,
    CV_BYTES,
    CV_LIST,
    CV_MAP,
    CV_DURATION,  /* ns */
    CV_TIMESTAMP, /* ns since the epoch */
    CV_QUANTITY,  /* milli */
    CV_TYPE,      /* s: the type's name */
};

struct ks_cel_list;
struct ks_cel_map;

struct ks_cel_val {
    enum ks_cel_kind k;
    union {
        bool b;
        int64_t i; /* int, duration, timestamp, quantity */
        uint64_t u;
        double d;
        struct {
            const char *p;
            size_t n;
        } s; /* string, bytes, error message, type name */
        struct ks_cel_list *l;
        struct ks_cel_map *m;
    };
};

/* A list or map is either backed by JSON (json != NULL, elements read on
 * demand, typed by schema) or built (v / keys+vals). */
struct ks_cel_list {
    const cJSON *json;
    const cJSON *schema; /* the list's own schema */
    size_t n;
    struct ks_cel_val *v;
};

struct ks_cel_map {
    const cJSON *json;
    const cJSON *schema;
    size_t n;
    struct ks_cel_val *keys;
    struct ks_cel_val *vals;
};

enum ks_cel_node_kind {
    CN_LIT,
    CN_IDENT,
    CN_SELECT,
    CN_HAS,
    CN_INDEX,
    CN_CALL,   /* global function: args */
    CN_METHOD, /* target.name(args) */
    CN_LIST,
    CN_MAP, /* args: k0, v0, k1, v1, ... */
    CN_NOT,
    CN_NEG,
    CN_BIN,
    CN_AND,
    CN_OR,
    CN_COND,   /* args: cond, then, else */
    CN_COMPRE, /* macro: target.name(var, args...) */
};

enum ks_cel_binop {
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_ADD,
    OP_SUB,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_EQ,
    OP_NE,
    OP_IN,
};

enum ks_cel_macro {
    MAC_ALL,
    MAC_EXISTS,
    MAC_EXISTS_ONE,
    MAC_MAP,
    MAC_FILTER,
};

struct ks_cel_node {
    enum ks_cel_node_kind kind;
    int op; /* ks_cel_binop, ks_cel_macro, or a function id */
    int pos;
    const char *name; /* ident, field, function; for CN_COMPRE the variable */
    struct ks_cel_node *target;
    struct ks_cel_node **args;
    size_t nargs;
    struct ks_cel_val lit;
    regex_t *re; /* matches() with a literal pattern, compiled once */
};

struct ks_cel_prog {
    struct ebb_arena arena;
    struct ks_cel_node *root;
    bool uses_old_self;
    regex_t **regexes; /* to regfree */
    size_t n_regexes, cap_regexes;
};

/* Function ids (ks_cel_funcs.c). */
enum ks_cel_fn_id {
    F_SIZE,
    F_STRING,
    F_INT,
    F_UINT,
    F_DOUBLE,
    F_BOOL,
    F_BYTES,
    F_DYN,
    F_TYPE,
    F_DURATION,
    F_TIMESTAMP,
    F_QUANTITY,
    F_IS_QUANTITY,
    F_MATCHES,
    F_STARTS,
    F_ENDS,
    F_CONTAINS,
    F_LOWER,
    F_UPPER,
    F_TRIM,
    F_SPLIT,
    F_JOIN,
    F_INDEXOF,
    F_LASTINDEXOF,
    F_REPLACE,
    F_SUBSTRING,
    F_CHARAT,
    F_SIGN,
    F_ISGT,
    F_ISLT,
    F_CMPTO,
    F_ASINT,
    F_ASFLOAT,
    F_ISINT,
    F_QADD,
    F_QSUB,
    F_GETHOURS,
    F_GETMINUTES,
    F_GETSECONDS,
    F_GETMS,
    F_ISSORTED,
    F_SUM,
    F_MIN,
    F_MAX,
};

static inline struct ks_cel_val ks_cel_mk(enum ks_cel_kind k)
{
    struct ks_cel_val v;

    memset(&v, 0, sizeof(v));
    v.k = k;
    return v;
}

static inline struct ks_cel_val ks_cel_mkbool(bool b)
{
    struct ks_cel_val v = ks_cel_mk(CV_BOOL);
    v.b = b;
    return v;
}

static inline struct ks_cel_val ks_cel_mkint(int64_t i)
{
    struct ks_cel_val v = ks_cel_mk(CV_INT);
    v.i = i;
    return v;
}

/* Function table (ks_cel_funcs.c): the id, or -1 when unknown. */
int ks_cel_fn_lookup(const char *name, bool method, size_t nargs);
bool ks_cel_is_type_name(const char *name);

const char *ks_cel_fn_name(int id);

struct ks_cel_ctx;
struct ks_cel_val ks_cel_no_overload(struct ks_cel_ctx *c, int fn, struct ks_cel_val a);
/* ks_cel_conv.c */
struct ks_cel_val ks_cel_to_string(struct ks_cel_ctx *c, struct ks_cel_val a);
struct ks_cel_val ks_cel_to_int(struct ks_cel_ctx *c, struct ks_cel_val a);
struct ks_cel_val ks_cel_to_uint(struct ks_cel_ctx *c, struct ks_cel_val a);
struct ks_cel_val ks_cel_to_double(struct ks_cel_ctx *c, struct ks_cel_val a);
/* test: isQuantity() rather than quantity() */
struct ks_cel_val ks_cel_quantity_of(struct ks_cel_ctx *c, struct ks_cel_val a, bool test);
/* ks_cel_strings.c */
size_t ks_cel_utf8_count(const char *p, size_t n);                  /* code points */
const char *ks_cel_cstr(struct ks_cel_ctx *c, struct ks_cel_val v); /* NUL-terminated copy */
struct ks_cel_val ks_cel_regex_match(struct ks_cel_ctx *c, const struct ks_cel_node *n,
                                     struct ks_cel_val s, struct ks_cel_val pat);
struct ks_cel_val ks_cel_list_join(struct ks_cel_ctx *c, struct ks_cel_val lst,
                                   struct ks_cel_val sep);
struct ks_cel_val ks_cel_string_method(struct ks_cel_ctx *c, const struct ks_cel_node *n, int fn,
                                       struct ks_cel_val s, struct ks_cel_val *args, size_t nargs);
/* Calls function id with the receiver (methods) and args already evaluated. */
struct ks_cel_val ks_cel_call(struct ks_cel_ctx *c, const struct ks_cel_node *n, int fn,
                              struct ks_cel_val *recv, struct ks_cel_val *args, size_t nargs);

/* Evaluation context (ks_cel_eval.c). */
struct ks_cel_env {
    const char *name;
    struct ks_cel_val v;
    const struct ks_cel_env *up;
};

struct ks_cel_ctx {
    struct ebb_arena *a;
    uint64_t steps, limit;
    bool aborted;
    const char *abort_msg;
};

struct ks_cel_val ks_cel_error(struct ks_cel_ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
struct ks_cel_val ks_cel_from_json(struct ks_cel_ctx *c, const cJSON *j, const cJSON *schema);
struct ks_cel_val ks_cel_str(struct ks_cel_ctx *c, const char *p, size_t n);
size_t ks_cel_list_len(const struct ks_cel_list *l);
struct ks_cel_val ks_cel_list_at(struct ks_cel_ctx *c, const struct ks_cel_list *l, size_t i);
size_t ks_cel_map_len(const struct ks_cel_map *m);
struct ks_cel_val ks_cel_map_key_at(struct ks_cel_ctx *c, const struct ks_cel_map *m, size_t i);
/* found: false when the key is absent (the result is then undefined). */
struct ks_cel_val ks_cel_map_get(struct ks_cel_ctx *c, const struct ks_cel_map *m,
                                 struct ks_cel_val key, bool *found);
/* 1 equal, 0 not, -1 error (c->aborted or a nested error). */
int ks_cel_equal(struct ks_cel_ctx *c, struct ks_cel_val a, struct ks_cel_val b);
const char *ks_cel_type_name(enum ks_cel_kind k);
bool ks_cel_mem_ok(struct ks_cel_ctx *c);
void ks_cel_repr(struct ks_cel_ctx *c, struct ks_cel_val v, char *out, size_t outlen);
/* Parses a Go duration ("1h30m", "-1.5s") to ns; false when malformed. */
bool ks_cel_parse_duration(const char *s, size_t n, int64_t *ns);
void ks_cel_format_duration(int64_t ns, char *out, size_t outlen);

/* ks_cel_lex.c, ks_cel_parse.c */
#define CEL_MAX_SCOPE 32

enum ks_cel_tok {
    CT_EOF,
    CT_INT,
    CT_UINT,
    CT_DOUBLE,
    CT_STRING,
    CT_BYTES,
    CT_IDENT,
    CT_PUNCT, /* text in p->punct */
    CT_BAD,
};

struct ks_cel_parser {
    const char *src;
    size_t pos;          /* next char to lex */
    enum ks_cel_tok tok; /* current token */
    size_t tok_pos;      /* where it starts */
    char punct[3];
    int64_t ival;
    uint64_t uval;
    double dval;
    char *sval; /* arena */
    size_t slen;
    ks_cel_prog *prog;
    char *err;
    size_t errlen;
    bool failed;
    int depth;
    const char *scope[CEL_MAX_SCOPE];
    int n_scope;
};

bool ks_cel_is_reserved(const char *s, size_t n);
void ks_cel_lex_fail(struct ks_cel_parser *p, size_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void ks_cel_lex_nomem(struct ks_cel_parser *p);
/* Moves to the next token. */
void ks_cel_lex_next(struct ks_cel_parser *p);
bool ks_cel_lex_is_punct(const struct ks_cel_parser *p, const char *s);
bool ks_cel_lex_is_ident(const struct ks_cel_parser *p, const char *s);
/* The current token for a message: "'foo'", "<EOF>". */
void ks_cel_lex_describe(const struct ks_cel_parser *p, char *out, size_t n);
/* Consumes punct, or fails with "mismatched input". */
bool ks_cel_lex_expect(struct ks_cel_parser *p, const char *punct);

/* ks_cel_eval.c */
struct ks_cel_val ks_cel_eval(struct ks_cel_ctx *c, const struct ks_cel_node *n,
                              const struct ks_cel_env *env);

#endif
