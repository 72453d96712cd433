/*
 * kubesim: label and field selectors, parsed as k8s.io/apimachinery's
 * labels.Parse and fields.ParseSelector parse them, with their error
 * messages word for word ("unable to parse requirement: ...").
 */
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sel_op { OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_EXISTS, OP_NOTEXISTS, OP_GT, OP_LT };

struct sel_req {
    char *key;
    enum sel_op op;
    char **vals;
    size_t n_vals;
};

struct ks_selector {
    bool is_field;
    struct sel_req *reqs;
    size_t n, cap;
};

/* ------------------------------------------------------------------ */
/* Building                                                            */

static void req_release(struct sel_req *r)
{
    free(r->key);
    for (size_t i = 0; i < r->n_vals; i++)
        free(r->vals[i]);
    free(r->vals);
}

void ks_selector_free(ks_selector *sel)
{
    if (!sel)
        return;
    for (size_t i = 0; i < sel->n; i++)
        req_release(&sel->reqs[i]);
    free(sel->reqs);
    free(sel);
}

static struct sel_req *sel_add(ks_selector *sel, const char *key, size_t klen, enum sel_op op)
{
    if (sel->n == sel->cap) {
        size_t cap = sel->cap ? sel->cap * 2 : 4;
        struct sel_req *v = realloc(sel->reqs, cap * sizeof(*v));
        if (!v)
            return NULL;
        sel->reqs = v;
        sel->cap = cap;
    }
    struct sel_req *r = &sel->reqs[sel->n];
    memset(r, 0, sizeof(*r));
    r->key = strndup(key, klen);
    if (!r->key)
        return NULL;
    r->op = op;
    sel->n++;
    return r;
}

static int req_add_val(struct sel_req *r, const char *v, size_t len)
{
    char **nv = realloc(r->vals, (r->n_vals + 1) * sizeof(*nv));
    if (!nv)
        return KS_ENOMEM;
    r->vals = nv;
    r->vals[r->n_vals] = strndup(v, len);
    if (!r->vals[r->n_vals])
        return KS_ENOMEM;
    r->n_vals++;
    return KS_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Go's sets.String: sorted, without duplicates. */
static void req_sort_unique(struct sel_req *r)
{
    size_t w = 0;

    if (r->n_vals < 2)
        return;
    qsort(r->vals, r->n_vals, sizeof(*r->vals), cmp_str);
    for (size_t i = 0; i < r->n_vals; i++) {
        if (w > 0 && strcmp(r->vals[w - 1], r->vals[i]) == 0) {
            free(r->vals[i]);
            continue;
        }
        r->vals[w++] = r->vals[i];
    }
    r->n_vals = w;
}

/* ------------------------------------------------------------------ */
/* Label selector lexer and parser (labels/selector.go)                */

enum tok {
    T_ERROR,
    T_EOS,
    T_CLOSEPAR,
    T_COMMA,
    T_NOTEXISTS, /* ! */
    T_DEQ,
    T_EQ,
    T_GT,
    T_IN,
    T_LT,
    T_NE,
    T_NOTIN,
    T_OPENPAR,
    T_IDENT,
};

struct token {
    enum tok t;
    const char *lit;
    size_t len;
};

static bool is_special(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static enum tok special_tok(const char *s, size_t n)
{
    static const struct {
        const char *lit;
        enum tok t;
    } tab[] = {{")", T_CLOSEPAR}, {",", T_COMMA}, {"!", T_NOTEXISTS}, {"==", T_DEQ},   {"=", T_EQ},
               {">", T_GT},       {"<", T_LT},    {"!=", T_NE},       {"(", T_OPENPAR}};
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (strlen(tab[i].lit) == n && memcmp(tab[i].lit, s, n) == 0)
            return tab[i].t;
    return T_ERROR;
}

static struct token lex(const char **pp)
{
    const char *p = *pp;
    struct token tk = {T_EOS, "", 0};

    while (is_ws(*p))
        p++;
    if (!*p) {
        *pp = p;
        return tk;
    }
    tk.lit = p;
    if (is_special(*p)) {
        /* longest run of specials that is still a token */
        size_t n = 0, best = 0;
        enum tok bt = T_ERROR;
        while (is_special(p[n])) {
            enum tok t = special_tok(p, n + 1);
            n++;
            if (t != T_ERROR) {
                bt = t;
                best = n;
            } else if (bt != T_ERROR) {
                break;
            }
        }
        tk.t = bt;
        tk.len = bt == T_ERROR ? n : best;
        *pp = p + tk.len;
        return tk;
    }
    while (*p && !is_special(*p) && !is_ws(*p))
        p++;
    tk.len = (size_t)(p - tk.lit);
    tk.t = T_IDENT;
    if (tk.len == 2 && memcmp(tk.lit, "in", 2) == 0)
        tk.t = T_IN;
    else if (tk.len == 5 && memcmp(tk.lit, "notin", 5) == 0)
        tk.t = T_NOTIN;
    *pp = p;
    return tk;
}

struct parser {
    struct token *toks;
    size_t n, pos;
    struct ebb_strbuf err;
};

/* In the Values context "in" and "notin" are plain identifiers. */
static struct token peek(const struct parser *p, bool values)
{
    struct token t = p->toks[p->pos];
    if (values && (t.t == T_IN || t.t == T_NOTIN))
        t.t = T_IDENT;
    return t;
}

static struct token next(struct parser *p, bool values)
{
    struct token t = peek(p, values);
    if (p->pos + 1 < p->n)
        p->pos++;
    return t;
}

static void found(struct parser *p, const struct token *t, const char *expected)
{
    ebb_strbuf_adds(&p->err, "found '");
    ebb_strbuf_add(&p->err, t->lit, t->len);
    ebb_strbuf_addf(&p->err, "', expected: %s", expected);
}

/* parseValues' list: (a,b), (), (,a) ... Values go through r. */
static int parse_values(struct parser *p, struct sel_req *r)
{
    struct token t = next(p, true);

    if (t.t != T_OPENPAR) {
        ebb_strbuf_adds(&p->err, "found '");
        ebb_strbuf_add(&p->err, t.lit, t.len);
        ebb_strbuf_adds(&p->err, "' expected: '('");
        return KS_EINVALID;
    }
    t = peek(p, true);
    if (t.t == T_CLOSEPAR) {
        next(p, true);
        return req_add_val(r, "", 0);
    }
    if (t.t != T_IDENT && t.t != T_COMMA) {
        found(p, &t, "',', ')' or identifier");
        return KS_EINVALID;
    }
    for (;;) {
        struct token c = next(p, true);
        if (c.t == T_IDENT) {
            if (req_add_val(r, c.lit, c.len))
                return KS_ENOMEM;
            struct token c2 = peek(p, true);
            if (c2.t == T_COMMA)
                continue;
            if (c2.t == T_CLOSEPAR)
                break;
            found(p, &c2, "',' or ')'");
            return KS_EINVALID;
        } else if (c.t == T_COMMA) {
            if (r->n_vals == 0 && req_add_val(r, "", 0))
                return KS_ENOMEM;
            struct token c2 = peek(p, true);
            if (c2.t == T_CLOSEPAR) {
                if (req_add_val(r, "", 0))
                    return KS_ENOMEM;
                break;
            }
            if (c2.t == T_COMMA) {
                next(p, true);
                if (req_add_val(r, "", 0))
                    return KS_ENOMEM;
            }
        } else {
            found(p, &c, "',', or identifier");
            return KS_EINVALID;
        }
    }
    next(p, true); /* the ')' */
    return KS_OK;
}

/* NewRequirement's value checks, aggregated like Go's ToAggregate. */
static int check_values(struct parser *p, const struct sel_req *r)
{
    struct ebb_strbuf all = EBB_STRBUF_INIT, one = EBB_STRBUF_INIT;
    size_t nerr = 0;

    for (size_t i = 0; i < r->n_vals; i++) {
        if (r->op == OP_GT || r->op == OP_LT) {
            char *end;
            errno = 0;
            (void)strtoll(r->vals[i], &end, 10);
            if (!r->vals[i][0] || *end || errno) {
                ebb_strbuf_addf(&all, "%svalues[%zu]: Invalid value: ", nerr ? ", " : "", i);
                ks_sel_go_quote(&all, r->vals[i], strlen(r->vals[i]));
                ebb_strbuf_adds(&all, ": for 'Gt', 'Lt' operators, the value must be an integer");
                nerr++;
            }
        }
    }
    for (size_t i = 0; i < r->n_vals; i++) {
        ebb_strbuf_reset(&one);
        ks_sel_value_errors(r->vals[i], strlen(r->vals[i]), &one);
        if (one.len == 0)
            continue;
        ebb_strbuf_addf(&all, "%svalues[%zu][%s]: Invalid value: ", nerr ? ", " : "", i, r->key);
        ks_sel_go_quote(&all, r->vals[i], strlen(r->vals[i]));
        ebb_strbuf_addf(&all, ": %s", one.buf);
        nerr++;
    }
    if (nerr > 1)
        ebb_strbuf_addch(&p->err, '[');
    ebb_strbuf_adds(&p->err, all.buf);
    if (nerr > 1)
        ebb_strbuf_addch(&p->err, ']');
    ebb_strbuf_release(&all);
    ebb_strbuf_release(&one);
    return nerr ? KS_EINVALID : KS_OK;
}

static int parse_requirement(struct parser *p, ks_selector *sel)
{
    struct token t = next(p, true);
    bool not_exists = false;
    enum sel_op op;

    if (t.t == T_NOTEXISTS) {
        not_exists = true;
        t = next(p, true);
    }
    if (t.t != T_IDENT) {
        found(p, &t, "identifier");
        return KS_EINVALID;
    }
    struct ebb_strbuf kerr = EBB_STRBUF_INIT;
    ks_sel_key_errors(t.lit, t.len, &kerr);
    if (kerr.len) {
        ebb_strbuf_adds(&p->err, "<nil>: Invalid value: ");
        ks_sel_go_quote(&p->err, t.lit, t.len);
        ebb_strbuf_addf(&p->err, ": %s", kerr.buf);
        ebb_strbuf_release(&kerr);
        return KS_EINVALID;
    }
    ebb_strbuf_release(&kerr);
    /* "!key" is complete whatever follows ("!a=b" then fails on the '=');
     * a bare "key" before ',' or the end is Exists. */
    struct token la = peek(p, true);
    if (not_exists || la.t == T_EOS || la.t == T_COMMA)
        return sel_add(sel, t.lit, t.len, not_exists ? OP_NOTEXISTS : OP_EXISTS) ? KS_OK
                                                                                 : KS_ENOMEM;
    struct token o = next(p, false);
    switch (o.t) {
    case T_IN:
        op = OP_IN;
        break;
    case T_NOTIN:
        op = OP_NOTIN;
        break;
    case T_EQ:
    case T_DEQ:
        op = OP_EQ;
        break;
    case T_NE:
        op = OP_NE;
        break;
    case T_GT:
        op = OP_GT;
        break;
    case T_LT:
        op = OP_LT;
        break;
    default:
        found(p, &o, "in, notin, =, ==, !=, gt, lt");
        return KS_EINVALID;
    }
    struct sel_req *r = sel_add(sel, t.lit, t.len, op);
    if (!r)
        return KS_ENOMEM;
    if (op == OP_IN || op == OP_NOTIN) {
        int rc = parse_values(p, r);
        if (rc)
            return rc;
        req_sort_unique(r);
    } else {
        struct token v = peek(p, true);
        if (v.t == T_EOS || v.t == T_COMMA) {
            if (req_add_val(r, "", 0))
                return KS_ENOMEM;
        } else {
            v = next(p, true);
            if (v.t != T_IDENT) {
                found(p, &v, "identifier");
                return KS_EINVALID;
            }
            if (req_add_val(r, v.lit, v.len))
                return KS_ENOMEM;
        }
    }
    return check_values(p, r);
}

static int parse_labels(const char *text, ks_selector *sel, struct ebb_strbuf *err)
{
    struct parser p = {0};
    const char *s = text;
    int rc = KS_OK;

    for (;;) {
        if (p.n % 16 == 0) {
            struct token *v = realloc(p.toks, (p.n + 16) * sizeof(*v));
            if (!v) {
                free(p.toks);
                return KS_ENOMEM;
            }
            p.toks = v;
        }
        p.toks[p.n] = lex(&s);
        if (p.toks[p.n++].t == T_EOS)
            break;
    }
    ebb_strbuf_init(&p.err);
    for (;;) {
        struct token t = peek(&p, true);
        if (t.t == T_EOS)
            break;
        if (t.t != T_IDENT && t.t != T_NOTEXISTS) {
            found(&p, &t, "!, identifier, or 'end of string'");
            rc = KS_EINVALID;
            break;
        }
        size_t mark = p.err.len;
        rc = parse_requirement(&p, sel);
        if (rc == KS_EINVALID) {
            struct ebb_strbuf w = EBB_STRBUF_INIT;
            ebb_strbuf_adds(&w, "unable to parse requirement: ");
            ebb_strbuf_add(&w, p.err.buf + mark, p.err.len - mark);
            ebb_strbuf_release(&p.err);
            p.err = w;
        }
        if (rc)
            break;
        struct token c = next(&p, true);
        if (c.t == T_EOS)
            break;
        if (c.t != T_COMMA) {
            found(&p, &c, "',' or 'end of string'");
            rc = KS_EINVALID;
            break;
        }
        struct token c2 = peek(&p, true);
        if (c2.t != T_IDENT && c2.t != T_NOTEXISTS) {
            found(&p, &c2, "identifier after ','");
            rc = KS_EINVALID;
            break;
        }
    }
    ebb_strbuf_add(err, p.err.buf, p.err.len);
    ebb_strbuf_release(&p.err);
    free(p.toks);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Field selectors (fields/selector.go)                                */

static int unescape_value(const char *s, size_t len, struct ebb_strbuf *out, struct ebb_strbuf *err)
{
    bool in_slash = false;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_slash) {
            if (c != '\\' && c != ',' && c != '=') {
                ebb_strbuf_addf(err, "invalid field selector: invalid escape sequence: \\%c", c);
                return KS_EINVALID;
            }
            ebb_strbuf_addch(out, c);
            in_slash = false;
        } else if (c == '\\') {
            in_slash = true;
        } else if (c == ',' || c == '=') {
            ebb_strbuf_addf(err, "invalid field selector: unescaped character in value: %d", c);
            return KS_EINVALID;
        } else {
            ebb_strbuf_addch(out, c);
        }
    }
    if (in_slash) {
        ebb_strbuf_adds(err, "invalid field selector: invalid escape sequence: \\");
        return KS_EINVALID;
    }
    return KS_OK;
}

static int parse_term(const char *text, const char *t, size_t len, ks_selector *sel,
                      struct ebb_strbuf *err)
{
    static const struct {
        const char *op;
        enum sel_op code;
    } ops[] = {{"!=", OP_NE}, {"==", OP_EQ}, {"=", OP_EQ}};

    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < 3; k++) {
            size_t ol = strlen(ops[k].op);
            if (i + ol > len || memcmp(t + i, ops[k].op, ol) != 0)
                continue;
            struct ebb_strbuf v = EBB_STRBUF_INIT;
            int rc = unescape_value(t + i + ol, len - i - ol, &v, err);
            struct sel_req *r = rc ? NULL : sel_add(sel, t, i, ops[k].code);
            if (!rc && (!r || req_add_val(r, v.buf, v.len) || ebb_strbuf_rc(&v)))
                rc = KS_ENOMEM;
            ebb_strbuf_release(&v);
            return rc;
        }
    }
    ebb_strbuf_addf(err, "invalid selector: '%s'; can't understand '%.*s'", text, (int)len, t);
    return KS_EINVALID;
}

static int parse_fields(const char *text, ks_selector *sel, struct ebb_strbuf *err)
{
    const char *start = text;
    bool in_slash = false;

    for (const char *p = text;; p++) {
        if (in_slash) {
            in_slash = false;
            if (*p)
                continue;
        }
        if (*p == '\\') {
            in_slash = true;
            continue;
        }
        if (*p != ',' && *p)
            continue;
        if (p > start) {
            int rc = parse_term(text, start, (size_t)(p - start), sel, err);
            if (rc)
                return rc;
        }
        if (!*p)
            break;
        start = p + 1;
    }
    return KS_OK;
}

ks_selector *ks_selector_parse(const char *text, bool is_field, char *err, size_t errlen)
{
    ks_selector *sel = calloc(1, sizeof(*sel));
    struct ebb_strbuf e = EBB_STRBUF_INIT;
    int rc;

    if (errlen)
        err[0] = '\0';
    if (!sel) {
        if (errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sel->is_field = is_field;
    if (!text || !*text)
        return sel;
    rc = is_field ? parse_fields(text, sel, &e) : parse_labels(text, sel, &e);
    if (rc == KS_ENOMEM || (rc == KS_OK && ebb_strbuf_rc(&e)))
        rc = KS_ENOMEM;
    if (rc) {
        if (errlen)
            snprintf(err, errlen, "%s", rc == KS_ENOMEM ? "out of memory" : e.buf);
        ebb_strbuf_release(&e);
        ks_selector_free(sel);
        return NULL;
    }
    ebb_strbuf_release(&e);
    return sel;
}

/* ------------------------------------------------------------------ */
/* Matching                                                            */

static bool parse_i64(const char *s, long long *out)
{
    char *end;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return *s && !*end && !errno;
}

/* value NULL: the key is absent. */
static bool req_matches(const struct sel_req *r, const char *value)
{
    long long a, b;

    switch (r->op) {
    case OP_EXISTS:
        return value != NULL;
    case OP_NOTEXISTS:
        return value == NULL;
    case OP_EQ:
        return value && r->n_vals && strcmp(value, r->vals[0]) == 0;
    case OP_NE:
        return !value || !r->n_vals || strcmp(value, r->vals[0]) != 0;
    case OP_IN:
    case OP_NOTIN: {
        bool in = false;
        for (size_t i = 0; value && i < r->n_vals && !in; i++)
            in = strcmp(value, r->vals[i]) == 0;
        return r->op == OP_IN ? in : !in;
    }
    case OP_GT:
    case OP_LT:
        if (!value || !r->n_vals || !parse_i64(value, &a) || !parse_i64(r->vals[0], &b))
            return false;
        return r->op == OP_GT ? a > b : a < b;
    }
    return false;
}

bool ks_selector_matches_labels(const ks_selector *sel, const struct ks_label *labels, size_t n)
{
    if (!sel)
        return true;
    for (size_t i = 0; i < sel->n; i++) {
        const char *v = NULL;
        for (size_t k = 0; k < n && !v; k++)
            if (strcmp(labels[k].key, sel->reqs[i].key) == 0)
                v = labels[k].value;
        /* a field selector compares a missing label as "" */
        if (!v && sel->is_field)
            v = "";
        if (!req_matches(&sel->reqs[i], v))
            return false;
    }
    return true;
}

bool ks_selector_matches_fields(const ks_selector *sel, const cJSON *obj)
{
    char num[64];

    if (!sel)
        return true;
    for (size_t i = 0; i < sel->n; i++) {
        const cJSON *it = ks_json_path(obj, sel->reqs[i].key);
        const char *v = "";
        if (cJSON_IsString(it)) {
            v = it->valuestring;
        } else if (cJSON_IsBool(it)) {
            v = cJSON_IsTrue(it) ? "true" : "false";
        } else if (cJSON_IsNumber(it)) {
            double d = it->valuedouble;
            /* the cast is defined only within long long's range */
            if (d > -9.2e18 && d < 9.2e18 && d == (double)(long long)d)
                snprintf(num, sizeof(num), "%lld", (long long)d);
            else
                snprintf(num, sizeof(num), "%g", d);
            v = num;
        }
        if (!req_matches(&sel->reqs[i], v))
            return false;
    }
    return true;
}

bool ks_sel_is_empty(const ks_selector *sel)
{
    return !sel || sel->n == 0;
}

bool ks_selector_label_equality(const ks_selector *sel, const char **key, const char **value)
{
    for (size_t i = 0; sel && !sel->is_field && i < sel->n; i++) {
        const struct sel_req *r = &sel->reqs[i];
        if ((r->op == OP_EQ || r->op == OP_IN) && r->n_vals == 1) {
            *key = r->key;
            *value = r->vals[0];
            return true;
        }
    }
    return false;
}

bool ks_sel_fields_meta_only(const ks_selector *sel)
{
    for (size_t i = 0; sel && i < sel->n; i++)
        if (strcmp(sel->reqs[i].key, "metadata.name") != 0 &&
            strcmp(sel->reqs[i].key, "metadata.namespace") != 0)
            return false;
    return true;
}

bool ks_sel_match_meta(const ks_selector *sel, const char *ns, const char *name)
{
    for (size_t i = 0; sel && i < sel->n; i++) {
        const char *v = strcmp(sel->reqs[i].key, "metadata.name") == 0 ? name : ns;
        if (!req_matches(&sel->reqs[i], v))
            return false;
    }
    return true;
}
