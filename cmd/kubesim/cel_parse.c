/*
 * ks_cel_parse.c -- the CEL parser (a recursive descent over ks_cel_lex.c's
 * tokens), with the compile-time checks: every identifier bound, every
 * function and macro one kubesim knows.
 */
#include "cel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 120

/* ---- AST helpers ---------------------------------------------------- */

static struct ks_cel_node *node(struct ks_cel_parser *p, enum ks_cel_node_kind kind, size_t pos)
{
    struct ks_cel_node *n = ebb_arena_alloc(&p->prog->arena, sizeof(*n));

    if (!n) {
        ks_cel_lex_nomem(p);
        return NULL;
    }
    n->kind = kind;
    n->pos = (int)pos;
    return n;
}

static bool push_arg(struct ks_cel_parser *p, struct ks_cel_node *n, struct ks_cel_node *arg,
                     size_t *cap)
{
    if (n->nargs == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        struct ks_cel_node **v = ebb_arena_calloc(&p->prog->arena, ncap, sizeof(*v));
        if (!v) {
            ks_cel_lex_nomem(p);
            return false;
        }
        if (n->nargs)
            memcpy(v, n->args, n->nargs * sizeof(*v));
        n->args = v;
        *cap = ncap;
    }
    n->args[n->nargs++] = arg;
    return true;
}

static bool in_scope(const struct ks_cel_parser *p, const char *name)
{
    for (int i = p->n_scope - 1; i >= 0; i--)
        if (strcmp(p->scope[i], name) == 0)
            return true;
    return false;
}

static struct ks_cel_node *parse_expr(struct ks_cel_parser *p);

/* Parses "(" args ")" after a function/method name. */
static bool parse_args(struct ks_cel_parser *p, struct ks_cel_node *n)
{
    size_t cap = 0;

    if (!ks_cel_lex_expect(p, "("))
        return false;
    if (ks_cel_lex_is_punct(p, ")")) {
        ks_cel_lex_next(p);
        return true;
    }
    for (;;) {
        struct ks_cel_node *a = parse_expr(p);
        if (!a || !push_arg(p, n, a, &cap))
            return false;
        if (ks_cel_lex_is_punct(p, ",")) {
            ks_cel_lex_next(p);
            continue;
        }
        return ks_cel_lex_expect(p, ")");
    }
}

static int macro_of(const char *name, size_t nargs)
{
    if (strcmp(name, "all") == 0 && nargs == 2)
        return MAC_ALL;
    if (strcmp(name, "exists") == 0 && nargs == 2)
        return MAC_EXISTS;
    if (strcmp(name, "exists_one") == 0 && nargs == 2)
        return MAC_EXISTS_ONE;
    if (strcmp(name, "map") == 0 && (nargs == 2 || nargs == 3))
        return MAC_MAP;
    if (strcmp(name, "filter") == 0 && nargs == 2)
        return MAC_FILTER;
    return -1;
}

/* A macro: target.name(var, e...). The variable must be bound while its
 * body is parsed, so macros are parsed here rather than as a call. */
static struct ks_cel_node *parse_macro(struct ks_cel_parser *p, struct ks_cel_node *target,
                                       const char *name, size_t pos)
{
    struct ks_cel_node *n = node(p, CN_COMPRE, pos);
    size_t cap = 0;

    if (!n)
        return NULL;
    n->target = target;
    if (!ks_cel_lex_expect(p, "("))
        return NULL;
    if (p->tok != CT_IDENT || ks_cel_is_reserved(p->sval, p->slen)) {
        ks_cel_lex_fail(p, p->tok_pos, "argument must be a simple name");
        return NULL;
    }
    n->name = p->sval;
    ks_cel_lex_next(p);
    if (p->n_scope >= CEL_MAX_SCOPE) {
        ks_cel_lex_fail(p, pos, "macros nested too deeply");
        return NULL;
    }
    p->scope[p->n_scope++] = n->name;
    while (ks_cel_lex_is_punct(p, ",")) {
        ks_cel_lex_next(p);
        struct ks_cel_node *a = parse_expr(p);
        if (!a || !push_arg(p, n, a, &cap)) {
            p->n_scope--;
            return NULL;
        }
    }
    p->n_scope--;
    if (!ks_cel_lex_expect(p, ")"))
        return NULL;
    n->op = macro_of(name, n->nargs + 1);
    if (n->op < 0) {
        ks_cel_lex_fail(p, pos, "undeclared reference to '%s' (in container '')", name);
        return NULL;
    }
    return n;
}

static bool is_macro_name(const char *name)
{
    return strcmp(name, "all") == 0 || strcmp(name, "exists") == 0 ||
           strcmp(name, "exists_one") == 0 || strcmp(name, "map") == 0 ||
           strcmp(name, "filter") == 0;
}

static void precompile_regex(struct ks_cel_parser *p, struct ks_cel_node *n,
                             struct ks_cel_node *pat)
{
    char err[200];
    regex_t *re;

    if (!pat || pat->kind != CN_LIT || pat->lit.k != CV_STRING)
        return;
    if (p->prog->n_regexes == p->prog->cap_regexes) {
        size_t cap = p->prog->cap_regexes ? p->prog->cap_regexes * 2 : 4;
        regex_t **v = realloc(p->prog->regexes, cap * sizeof(*v));
        if (!v) {
            ks_cel_lex_nomem(p);
            return;
        }
        p->prog->regexes = v;
        p->prog->cap_regexes = cap;
    }
    re = malloc(sizeof(*re));
    if (!re) {
        ks_cel_lex_nomem(p);
        return;
    }
    if (ks_cel_regcomp(re, pat->lit.s.p, true, err, sizeof(err)) != 0) {
        free(re);
        ks_cel_lex_fail(p, (size_t)pat->pos, "invalid regular expression: %s", err);
        return;
    }
    p->prog->regexes[p->prog->n_regexes++] = re;
    n->re = re;
}

static struct ks_cel_node *parse_primary(struct ks_cel_parser *p)
{
    size_t pos = p->tok_pos;
    struct ks_cel_node *n;
    size_t cap = 0;

    switch (p->tok) {
    case CT_INT:
        if (p->ival == INT64_MIN) {
            ks_cel_lex_fail(p, pos, "invalid int literal");
            return NULL;
        }
        /* fallthrough */
    case CT_UINT:
    case CT_DOUBLE:
    case CT_STRING:
    case CT_BYTES:
        n = node(p, CN_LIT, pos);
        if (!n)
            return NULL;
        if (p->tok == CT_INT) {
            n->lit.k = CV_INT;
            n->lit.i = p->ival;
        } else if (p->tok == CT_UINT) {
            n->lit.k = CV_UINT;
            n->lit.u = p->uval;
        } else if (p->tok == CT_DOUBLE) {
            n->lit.k = CV_DOUBLE;
            n->lit.d = p->dval;
        } else {
            n->lit.k = p->tok == CT_STRING ? CV_STRING : CV_BYTES;
            n->lit.s.p = p->sval;
            n->lit.s.n = p->slen;
        }
        ks_cel_lex_next(p);
        return n;
    case CT_IDENT:
        break;
    case CT_PUNCT:
        if (ks_cel_lex_is_punct(p, "(")) {
            ks_cel_lex_next(p);
            n = parse_expr(p);
            if (!n || !ks_cel_lex_expect(p, ")"))
                return NULL;
            return n;
        }
        if (ks_cel_lex_is_punct(p, "[") || ks_cel_lex_is_punct(p, "{")) {
            bool list = ks_cel_lex_is_punct(p, "[");
            const char *close = list ? "]" : "}";
            n = node(p, list ? CN_LIST : CN_MAP, pos);
            if (!n)
                return NULL;
            ks_cel_lex_next(p);
            while (!ks_cel_lex_is_punct(p, close)) {
                struct ks_cel_node *e = parse_expr(p);
                if (!e || !push_arg(p, n, e, &cap))
                    return NULL;
                if (!list) {
                    if (!ks_cel_lex_expect(p, ":"))
                        return NULL;
                    e = parse_expr(p);
                    if (!e || !push_arg(p, n, e, &cap))
                        return NULL;
                }
                if (!ks_cel_lex_is_punct(p, ","))
                    break;
                ks_cel_lex_next(p);
            }
            if (!ks_cel_lex_expect(p, close))
                return NULL;
            return n;
        }
        if (ks_cel_lex_is_punct(p, ".")) {
            /* leading-dot qualified identifier: ".self" */
            ks_cel_lex_next(p);
            if (p->tok != CT_IDENT) {
                ks_cel_lex_fail(p, pos, "Syntax error: no viable alternative at input '.'");
                return NULL;
            }
            break;
        }
        /* fallthrough */
    default: {
        char got[64];
        ks_cel_lex_describe(p, got, sizeof(got));
        ks_cel_lex_fail(p, pos, "Syntax error: mismatched input %s expecting <expression>", got);
        return NULL;
    }
    }

    /* identifiers, literals spelled as words, global calls */
    const char *name = p->sval;
    size_t name_pos = p->tok_pos;
    if (strcmp(name, "true") == 0 || strcmp(name, "false") == 0 || strcmp(name, "null") == 0) {
        n = node(p, CN_LIT, pos);
        if (!n)
            return NULL;
        if (name[0] == 'n') {
            n->lit.k = CV_NULL;
        } else {
            n->lit.k = CV_BOOL;
            n->lit.b = name[0] == 't';
        }
        ks_cel_lex_next(p);
        return n;
    }
    if (ks_cel_is_reserved(name, p->slen)) {
        ks_cel_lex_fail(p, pos, "Syntax error: reserved identifier: %s", name);
        return NULL;
    }
    ks_cel_lex_next(p);
    if (ks_cel_lex_is_punct(p, "(")) {
        if (strcmp(name, "has") == 0) {
            n = node(p, CN_HAS, name_pos);
            if (!n || !parse_args(p, n))
                return NULL;
            if (n->nargs != 1 || n->args[0]->kind != CN_SELECT) {
                ks_cel_lex_fail(p, name_pos, "invalid argument to has() macro");
                return NULL;
            }
            return n;
        }
        n = node(p, CN_CALL, name_pos);
        if (!n)
            return NULL;
        n->name = name;
        if (!parse_args(p, n))
            return NULL;
        n->op = ks_cel_fn_lookup(name, false, n->nargs);
        if (n->op < 0) {
            ks_cel_lex_fail(p, name_pos, "undeclared reference to '%s' (in container '')", name);
            return NULL;
        }
        if (strcmp(name, "matches") == 0 && n->nargs == 2)
            precompile_regex(p, n, n->args[1]);
        return n;
    }
    if (strcmp(name, "oldSelf") == 0)
        p->prog->uses_old_self = true;
    if (strcmp(name, "self") != 0 && strcmp(name, "oldSelf") != 0 && !in_scope(p, name) &&
        !ks_cel_is_type_name(name)) {
        ks_cel_lex_fail(p, name_pos, "undeclared reference to '%s' (in container '')", name);
        return NULL;
    }
    n = node(p, CN_IDENT, name_pos);
    if (n)
        n->name = name;
    return n;
}

static struct ks_cel_node *parse_member(struct ks_cel_parser *p)
{
    struct ks_cel_node *n = parse_primary(p);

    while (n && !p->failed) {
        size_t pos = p->tok_pos;
        if (ks_cel_lex_is_punct(p, ".")) {
            ks_cel_lex_next(p);
            if (p->tok != CT_IDENT) {
                char got[64];
                ks_cel_lex_describe(p, got, sizeof(got));
                ks_cel_lex_fail(p, p->tok_pos,
                                "Syntax error: mismatched input %s expecting IDENTIFIER", got);
                return NULL;
            }
            const char *name = p->sval;
            size_t name_pos = p->tok_pos;
            if (ks_cel_is_reserved(name, p->slen)) {
                ks_cel_lex_fail(p, name_pos, "Syntax error: reserved identifier: %s", name);
                return NULL;
            }
            ks_cel_lex_next(p);
            if (ks_cel_lex_is_punct(p, "(")) {
                if (is_macro_name(name)) {
                    n = parse_macro(p, n, name, name_pos);
                    continue;
                }
                struct ks_cel_node *m = node(p, CN_METHOD, name_pos);
                if (!m)
                    return NULL;
                m->name = name;
                m->target = n;
                if (!parse_args(p, m))
                    return NULL;
                m->op = ks_cel_fn_lookup(name, true, m->nargs);
                if (m->op < 0) {
                    ks_cel_lex_fail(p, name_pos, "undeclared reference to '%s' (in container '')",
                                    name);
                    return NULL;
                }
                if (strcmp(name, "matches") == 0 && m->nargs == 1)
                    precompile_regex(p, m, m->args[0]);
                n = m;
            } else {
                struct ks_cel_node *s = node(p, CN_SELECT, pos);
                if (!s)
                    return NULL;
                s->name = name;
                s->target = n;
                n = s;
            }
        } else if (ks_cel_lex_is_punct(p, "[")) {
            ks_cel_lex_next(p);
            struct ks_cel_node *ix = node(p, CN_INDEX, pos);
            if (!ix)
                return NULL;
            ix->target = n;
            size_t cap = 0;
            struct ks_cel_node *e = parse_expr(p);
            if (!e || !push_arg(p, ix, e, &cap) || !ks_cel_lex_expect(p, "]"))
                return NULL;
            n = ix;
        } else {
            break;
        }
    }
    return p->failed ? NULL : n;
}

static struct ks_cel_node *parse_unary(struct ks_cel_parser *p)
{
    size_t pos = p->tok_pos;

    if (ks_cel_lex_is_punct(p, "!") || ks_cel_lex_is_punct(p, "-")) {
        bool neg = ks_cel_lex_is_punct(p, "-");
        ks_cel_lex_next(p);
        if (neg && p->tok == CT_INT && p->ival == INT64_MIN) {
            /* -9223372036854775808 */
            struct ks_cel_node *n = node(p, CN_LIT, pos);
            if (!n)
                return NULL;
            n->lit.k = CV_INT;
            n->lit.i = INT64_MIN;
            ks_cel_lex_next(p);
            return n;
        }
        if (++p->depth > MAX_DEPTH) {
            ks_cel_lex_fail(p, pos, "expression nested too deeply");
            return NULL;
        }
        struct ks_cel_node *operand = parse_unary(p);
        p->depth--;
        if (!operand)
            return NULL;
        /* Fold a negated integer literal, except INT64_MIN ("- -9223372036854775808"),
         * whose negation overflows: that is left to evaluation, which reports it. */
        if (neg && operand->kind == CN_LIT && operand->lit.k == CV_INT &&
            operand->lit.i != INT64_MIN) {
            operand->lit.i = -operand->lit.i;
            return operand;
        }
        if (neg && operand->kind == CN_LIT && operand->lit.k == CV_DOUBLE) {
            operand->lit.d = -operand->lit.d;
            return operand;
        }
        struct ks_cel_node *n = node(p, neg ? CN_NEG : CN_NOT, pos);
        if (n)
            n->target = operand;
        return n;
    }
    return parse_member(p);
}

static struct ks_cel_node *binary(struct ks_cel_parser *p, enum ks_cel_node_kind kind, int op,
                                  size_t pos, struct ks_cel_node *l, struct ks_cel_node *r)
{
    struct ks_cel_node *n;
    size_t cap = 0;

    if (!l || !r)
        return NULL;
    n = node(p, kind, pos);
    if (!n || !push_arg(p, n, l, &cap) || !push_arg(p, n, r, &cap))
        return NULL;
    n->op = op;
    return n;
}

static struct ks_cel_node *parse_mul(struct ks_cel_parser *p)
{
    struct ks_cel_node *n = parse_unary(p);

    while (n && (ks_cel_lex_is_punct(p, "*") || ks_cel_lex_is_punct(p, "/") ||
                 ks_cel_lex_is_punct(p, "%"))) {
        int op = p->punct[0] == '*' ? OP_MUL : p->punct[0] == '/' ? OP_DIV : OP_MOD;
        size_t pos = p->tok_pos;
        ks_cel_lex_next(p);
        n = binary(p, CN_BIN, op, pos, n, parse_unary(p));
    }
    return n;
}

static struct ks_cel_node *parse_add(struct ks_cel_parser *p)
{
    struct ks_cel_node *n = parse_mul(p);

    while (n && (ks_cel_lex_is_punct(p, "+") || ks_cel_lex_is_punct(p, "-"))) {
        int op = p->punct[0] == '+' ? OP_ADD : OP_SUB;
        size_t pos = p->tok_pos;
        ks_cel_lex_next(p);
        n = binary(p, CN_BIN, op, pos, n, parse_mul(p));
    }
    return n;
}

static int relop(const struct ks_cel_parser *p)
{
    static const struct {
        const char *s;
        int op;
    } ops[] = {{"<", OP_LT},  {"<=", OP_LE}, {">", OP_GT},
               {">=", OP_GE}, {"==", OP_EQ}, {"!=", OP_NE}};

    if (ks_cel_lex_is_ident(p, "in"))
        return OP_IN;
    if (p->tok != CT_PUNCT)
        return -1;
    for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++)
        if (strcmp(p->punct, ops[i].s) == 0)
            return ops[i].op;
    return -1;
}

static struct ks_cel_node *parse_rel(struct ks_cel_parser *p)
{
    struct ks_cel_node *n = parse_add(p);
    int op;

    while (n && (op = relop(p)) >= 0) {
        size_t pos = p->tok_pos;
        ks_cel_lex_next(p);
        n = binary(p, CN_BIN, op, pos, n, parse_add(p));
    }
    return n;
}

static struct ks_cel_node *parse_and(struct ks_cel_parser *p)
{
    struct ks_cel_node *n = parse_rel(p);

    while (n && ks_cel_lex_is_punct(p, "&&")) {
        size_t pos = p->tok_pos;
        ks_cel_lex_next(p);
        n = binary(p, CN_AND, 0, pos, n, parse_rel(p));
    }
    return n;
}

static struct ks_cel_node *parse_or(struct ks_cel_parser *p)
{
    struct ks_cel_node *n = parse_and(p);

    while (n && ks_cel_lex_is_punct(p, "||")) {
        size_t pos = p->tok_pos;
        ks_cel_lex_next(p);
        n = binary(p, CN_OR, 0, pos, n, parse_and(p));
    }
    return n;
}

static struct ks_cel_node *parse_expr(struct ks_cel_parser *p)
{
    struct ks_cel_node *c, *t, *e, *n;
    size_t pos, cap = 0;

    if (++p->depth > MAX_DEPTH) {
        ks_cel_lex_fail(p, p->tok_pos, "expression nested too deeply");
        return NULL;
    }
    c = parse_or(p);
    if (c && ks_cel_lex_is_punct(p, "?")) {
        pos = p->tok_pos;
        ks_cel_lex_next(p);
        t = parse_or(p);
        if (!t || !ks_cel_lex_expect(p, ":")) {
            p->depth--;
            return NULL;
        }
        e = parse_expr(p);
        n = e ? node(p, CN_COND, pos) : NULL;
        if (!n || !push_arg(p, n, c, &cap) || !push_arg(p, n, t, &cap) ||
            !push_arg(p, n, e, &cap)) {
            p->depth--;
            return NULL;
        }
        c = n;
    }
    p->depth--;
    return p->failed ? NULL : c;
}

ks_cel_prog *ks_cel_compile(const char *src, char *err, size_t errlen)
{
    struct ks_cel_parser p;
    ks_cel_prog *prog;

    if (errlen)
        err[0] = '\0';
    if (!src) {
        snprintf(err, errlen, "ERROR: <input>:1:1: empty expression");
        return NULL;
    }
    prog = calloc(1, sizeof(*prog));
    if (!prog) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ebb_arena_init(&prog->arena);
    memset(&p, 0, sizeof(p));
    p.src = src;
    p.prog = prog;
    p.err = err;
    p.errlen = errlen;
    ks_cel_lex_next(&p);
    prog->root = parse_expr(&p);
    if (!p.failed && p.tok != CT_EOF) {
        char got[64];
        ks_cel_lex_describe(&p, got, sizeof(got));
        ks_cel_lex_fail(&p, p.tok_pos, "Syntax error: extraneous input %s expecting <EOF>", got);
    }
    if (p.failed || !prog->root) {
        if (!p.failed)
            snprintf(err, errlen, "ERROR: <input>:1:1: Syntax error");
        ks_cel_free(prog);
        return NULL;
    }
    return prog;
}

void ks_cel_free(ks_cel_prog *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_regexes; i++) {
        regfree(p->regexes[i]);
        free(p->regexes[i]);
    }
    free(p->regexes);
    ebb_arena_release(&p->arena);
    free(p);
}

bool ks_cel_uses_old_self(const ks_cel_prog *p)
{
    return p && p->uses_old_self;
}
