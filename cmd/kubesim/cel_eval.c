/*
 * ks_cel_eval.c -- evaluation of a compiled CEL rule: operators with CEL's
 * error absorption, member access on JSON-backed values, the macros.
 */
#include "cel.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool step(struct ks_cel_ctx *c)
{
    if (c->aborted)
        return false;
    if (++c->steps > c->limit) {
        c->aborted = true;
        c->abort_msg = "operation cancelled: actual cost limit exceeded";
        return false;
    }
    if (!ks_cel_mem_ok(c))
        return false;
    return true;
}

static struct ks_cel_val abort_val(struct ks_cel_ctx *c)
{
    struct ks_cel_val v = {.k = CV_ERR};

    v.s.p = c->abort_msg ? c->abort_msg : "evaluation aborted";
    v.s.n = strlen(v.s.p);
    return v;
}

static struct ks_cel_val mkbool(bool b)
{
    struct ks_cel_val v = {.k = CV_BOOL};

    v.b = b;
    return v;
}

static struct ks_cel_val mkint(enum ks_cel_kind k, int64_t i)
{
    struct ks_cel_val v = {.k = k};

    v.i = i;
    return v;
}

/* Turns "__for__" into "for", "__dash__" into "-" and so on: how
 * Kubernetes escapes property names that are not CEL identifiers. */
static const char *unescape_field(struct ks_cel_ctx *c, const char *name)
{
    static const char *const kw[] = {"true",   "false",    "null", "in",      "as",        "break",
                                     "const",  "continue", "else", "for",     "function",  "if",
                                     "import", "let",      "loop", "package", "namespace", "return",
                                     "var",    "void",     "while"};
    size_t n = strlen(name);

    if (n < 5)
        return name;
    if (strncmp(name, "__", 2) == 0 && strcmp(name + n - 2, "__") == 0) {
        for (size_t i = 0; i < sizeof(kw) / sizeof(*kw); i++)
            if (n - 4 == strlen(kw[i]) && strncmp(name + 2, kw[i], n - 4) == 0)
                return ebb_arena_strndup(c->a, name + 2, n - 4);
    }
    if (!strstr(name, "__"))
        return name;
    char *out = ebb_arena_alloc(c->a, n + 1);
    size_t o = 0;
    if (!out)
        return name;
    for (size_t i = 0; i < n;) {
        static const struct {
            const char *from;
            char to;
        } subst[] = {{"__dash__", '-'}, {"__dot__", '.'}, {"__slash__", '/'}};
        bool done = false;
        for (size_t k = 0; k < 3 && !done; k++) {
            size_t l = strlen(subst[k].from);
            if (strncmp(name + i, subst[k].from, l) == 0) {
                out[o++] = subst[k].to;
                i += l;
                done = true;
            }
        }
        if (!done && strncmp(name + i, "__underscores__", 15) == 0) {
            out[o++] = '_';
            out[o++] = '_';
            i += 15;
            done = true;
        }
        if (!done)
            out[o++] = name[i++];
    }
    out[o] = '\0';
    return out;
}

static struct ks_cel_val select_field(struct ks_cel_ctx *c, struct ks_cel_val obj, const char *name,
                                      bool test_only)
{
    bool found = false;
    struct ks_cel_val key, v;

    if (obj.k == CV_ERR)
        return obj;
    if (obj.k != CV_MAP) {
        if (test_only)
            return ks_cel_error(c, "invalid type for field selection: %s", ks_cel_type_name(obj.k));
        return ks_cel_error(c, "no such key: %s", name);
    }
    name = unescape_field(c, name);
    key = ks_cel_str(c, name, strlen(name));
    v = ks_cel_map_get(c, obj.m, key, &found);
    if (test_only)
        return mkbool(found);
    if (!found)
        return ks_cel_error(c, "no such key: %s", name);
    return v;
}

static struct ks_cel_val index_val(struct ks_cel_ctx *c, struct ks_cel_val t, struct ks_cel_val ix)
{
    if (t.k == CV_ERR)
        return t;
    if (ix.k == CV_ERR)
        return ix;
    if (t.k == CV_LIST) {
        int64_t i;
        if (ix.k == CV_INT)
            i = ix.i;
        else if (ix.k == CV_UINT && ix.u <= INT64_MAX)
            i = (int64_t)ix.u;
        else if (ix.k == CV_DOUBLE && ix.d == floor(ix.d) && fabs(ix.d) < 9e18)
            i = (int64_t)ix.d;
        else
            return ks_cel_error(c, "unsupported index type '%s' in list", ks_cel_type_name(ix.k));
        if (i < 0 || (uint64_t)i >= ks_cel_list_len(t.l))
            return ks_cel_error(c, "index out of bounds: %lld", (long long)i);
        return ks_cel_list_at(c, t.l, (size_t)i);
    }
    if (t.k == CV_MAP) {
        bool found = false;
        struct ks_cel_val v = ks_cel_map_get(c, t.m, ix, &found);
        if (!found) {
            char key[128];
            ks_cel_repr(c, ix, key, sizeof(key));
            return ks_cel_error(c, "no such key: %s", key);
        }
        return v;
    }
    return ks_cel_error(c, "no such overload: %s[%s]", ks_cel_type_name(t.k),
                        ks_cel_type_name(ix.k));
}

/* Numeric comparison across int/uint/double: -1, 0, 1; 2 when a NaN is
 * involved; 3 when the types do not compare. */
static int num_cmp(struct ks_cel_val a, struct ks_cel_val b)
{
    if (a.k == CV_INT && b.k == CV_INT)
        return (a.i > b.i) - (a.i < b.i);
    if (a.k == CV_UINT && b.k == CV_UINT)
        return (a.u > b.u) - (a.u < b.u);
    if (a.k == CV_INT && b.k == CV_UINT) {
        if (a.i < 0)
            return -1;
        return ((uint64_t)a.i > b.u) - ((uint64_t)a.i < b.u);
    }
    if (a.k == CV_UINT && b.k == CV_INT)
        return -num_cmp(b, a);
    double x, y;
    if (a.k == CV_DOUBLE)
        x = a.d;
    else if (a.k == CV_INT)
        x = (double)a.i;
    else if (a.k == CV_UINT)
        x = (double)a.u;
    else
        return 3;
    if (b.k == CV_DOUBLE)
        y = b.d;
    else if (b.k == CV_INT)
        y = (double)b.i;
    else if (b.k == CV_UINT)
        y = (double)b.u;
    else
        return 3;
    if (isnan(x) || isnan(y))
        return 2;
    return (x > y) - (x < y);
}

static bool is_num(enum ks_cel_kind k)
{
    return k == CV_INT || k == CV_UINT || k == CV_DOUBLE;
}

/* Ordering: -1/0/1, 2 unordered (NaN), 3 no overload. */
static int compare(struct ks_cel_val a, struct ks_cel_val b)
{
    if (is_num(a.k) && is_num(b.k))
        return num_cmp(a, b);
    if (a.k != b.k)
        return 3;
    switch (a.k) {
    case CV_STRING:
    case CV_BYTES: {
        size_t n = a.s.n < b.s.n ? a.s.n : b.s.n;
        int r = memcmp(a.s.p, b.s.p, n);
        if (r)
            return r < 0 ? -1 : 1;
        return (a.s.n > b.s.n) - (a.s.n < b.s.n);
    }
    case CV_BOOL:
        return (a.b > b.b) - (a.b < b.b);
    case CV_DURATION:
    case CV_TIMESTAMP:
        return (a.i > b.i) - (a.i < b.i);
    default:
        return 3;
    }
}

static struct ks_cel_val arith_int(struct ks_cel_ctx *c, int op, int64_t x, int64_t y,
                                   enum ks_cel_kind k)
{
    int64_t r;

    switch (op) {
    case OP_ADD:
        if (__builtin_add_overflow(x, y, &r))
            return ks_cel_error(c, "integer overflow");
        return mkint(k, r);
    case OP_SUB:
        if (__builtin_sub_overflow(x, y, &r))
            return ks_cel_error(c, "integer overflow");
        return mkint(k, r);
    case OP_MUL:
        if (__builtin_mul_overflow(x, y, &r))
            return ks_cel_error(c, "integer overflow");
        return mkint(k, r);
    case OP_DIV:
        if (y == 0)
            return ks_cel_error(c, "division by zero");
        if (x == INT64_MIN && y == -1)
            return ks_cel_error(c, "integer overflow");
        return mkint(k, x / y);
    default:
        if (y == 0)
            return ks_cel_error(c, "modulus by zero");
        if (x == INT64_MIN && y == -1)
            return ks_cel_error(c, "integer overflow");
        return mkint(k, x % y);
    }
}

static struct ks_cel_val arith_uint(struct ks_cel_ctx *c, int op, uint64_t x, uint64_t y)
{
    struct ks_cel_val v = {.k = CV_UINT};

    switch (op) {
    case OP_ADD:
        if (__builtin_add_overflow(x, y, &v.u))
            return ks_cel_error(c, "unsigned integer overflow");
        return v;
    case OP_SUB:
        if (__builtin_sub_overflow(x, y, &v.u))
            return ks_cel_error(c, "unsigned integer overflow");
        return v;
    case OP_MUL:
        if (__builtin_mul_overflow(x, y, &v.u))
            return ks_cel_error(c, "unsigned integer overflow");
        return v;
    case OP_DIV:
        if (y == 0)
            return ks_cel_error(c, "division by zero");
        v.u = x / y;
        return v;
    default:
        if (y == 0)
            return ks_cel_error(c, "modulus by zero");
        v.u = x % y;
        return v;
    }
}

static const char *op_name(int op)
{
    static const char *const names[] = {"_*_",  "_/_", "_%_",  "_+_",  "_-_",  "_<_",
                                        "_<=_", "_>_", "_>=_", "_==_", "_!=_", "@in"};
    return op >= 0 && op <= OP_IN ? names[op] : "?";
}

static struct ks_cel_val no_overload(struct ks_cel_ctx *c, int op, struct ks_cel_val a,
                                     struct ks_cel_val b)
{
    return ks_cel_error(c, "no such overload: %s %s %s", ks_cel_type_name(a.k), op_name(op),
                        ks_cel_type_name(b.k));
}

static struct ks_cel_val concat(struct ks_cel_ctx *c, struct ks_cel_val a, struct ks_cel_val b)
{
    if (a.k == CV_STRING || a.k == CV_BYTES) {
        if (a.s.n + b.s.n > (1u << 20))
            return ks_cel_error(c, "string too long");
        char *p = ebb_arena_alloc(c->a, a.s.n + b.s.n + 1);
        if (!p)
            return ks_cel_error(c, "out of memory");
        memcpy(p, a.s.p, a.s.n);
        memcpy(p + a.s.n, b.s.p, b.s.n);
        struct ks_cel_val v = {.k = a.k};
        v.s.p = p;
        v.s.n = a.s.n + b.s.n;
        return v;
    }
    size_t na = ks_cel_list_len(a.l), nb = ks_cel_list_len(b.l);
    struct ks_cel_list *l = ebb_arena_alloc(c->a, sizeof(*l));
    struct ks_cel_val *items = ebb_arena_calloc(c->a, na + nb + 1, sizeof(*items));
    if (!l || !items)
        return ks_cel_error(c, "out of memory");
    for (size_t i = 0; i < na; i++)
        items[i] = ks_cel_list_at(c, a.l, i);
    for (size_t i = 0; i < nb; i++)
        items[na + i] = ks_cel_list_at(c, b.l, i);
    l->n = na + nb;
    l->v = items;
    struct ks_cel_val v = {.k = CV_LIST};
    v.l = l;
    return v;
}

static struct ks_cel_val binop(struct ks_cel_ctx *c, int op, struct ks_cel_val a,
                               struct ks_cel_val b)
{
    int r;

    if (a.k == CV_ERR)
        return a;
    if (b.k == CV_ERR)
        return b;
    switch (op) {
    case OP_EQ:
    case OP_NE:
        r = ks_cel_equal(c, a, b);
        if (r < 0)
            return c->aborted ? abort_val(c) : ks_cel_error(c, "equality failed");
        return mkbool(op == OP_EQ ? r == 1 : r == 0);
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
        r = compare(a, b);
        if (r == 3)
            return no_overload(c, op, a, b);
        if (r == 2)
            return mkbool(false);
        if (op == OP_LT)
            return mkbool(r < 0);
        if (op == OP_LE)
            return mkbool(r <= 0);
        if (op == OP_GT)
            return mkbool(r > 0);
        return mkbool(r >= 0);
    case OP_IN:
        if (b.k == CV_LIST) {
            size_t n = ks_cel_list_len(b.l);
            for (size_t i = 0; i < n; i++) {
                if (!step(c))
                    return abort_val(c);
                r = ks_cel_equal(c, a, ks_cel_list_at(c, b.l, i));
                if (r == 1)
                    return mkbool(true);
                if (c->aborted)
                    return abort_val(c);
            }
            return mkbool(false);
        }
        if (b.k == CV_MAP) {
            bool found = false;
            ks_cel_map_get(c, b.m, a, &found);
            return mkbool(found);
        }
        return no_overload(c, op, a, b);
    default:
        break;
    }
    /* arithmetic */
    if (a.k == CV_INT && b.k == CV_INT)
        return arith_int(c, op, a.i, b.i, CV_INT);
    if (a.k == CV_UINT && b.k == CV_UINT)
        return arith_uint(c, op, a.u, b.u);
    if (a.k == CV_DOUBLE && b.k == CV_DOUBLE) {
        struct ks_cel_val v = {.k = CV_DOUBLE};
        if (op == OP_ADD)
            v.d = a.d + b.d;
        else if (op == OP_SUB)
            v.d = a.d - b.d;
        else if (op == OP_MUL)
            v.d = a.d * b.d;
        else if (op == OP_DIV)
            v.d = a.d / b.d;
        else
            return no_overload(c, op, a, b);
        return v;
    }
    if (op == OP_ADD && a.k == b.k && (a.k == CV_STRING || a.k == CV_BYTES || a.k == CV_LIST))
        return concat(c, a, b);
    if (a.k == CV_DURATION && b.k == CV_DURATION && (op == OP_ADD || op == OP_SUB))
        return arith_int(c, op, a.i, b.i, CV_DURATION);
    if (a.k == CV_TIMESTAMP && b.k == CV_DURATION && (op == OP_ADD || op == OP_SUB))
        return arith_int(c, op, a.i, b.i, CV_TIMESTAMP);
    if (a.k == CV_DURATION && b.k == CV_TIMESTAMP && op == OP_ADD)
        return arith_int(c, op, a.i, b.i, CV_TIMESTAMP);
    if (a.k == CV_TIMESTAMP && b.k == CV_TIMESTAMP && op == OP_SUB)
        return arith_int(c, op, a.i, b.i, CV_DURATION);
    return no_overload(c, op, a, b);
}

/* Iterates a list's elements or a map's keys. */
static size_t range_len(struct ks_cel_val r)
{
    return r.k == CV_LIST ? ks_cel_list_len(r.l) : ks_cel_map_len(r.m);
}

static struct ks_cel_val range_at(struct ks_cel_ctx *c, struct ks_cel_val r, size_t i)
{
    return r.k == CV_LIST ? ks_cel_list_at(c, r.l, i) : ks_cel_map_key_at(c, r.m, i);
}

static struct ks_cel_val eval_compre(struct ks_cel_ctx *c, const struct ks_cel_node *n,
                                     const struct ks_cel_env *env)
{
    struct ks_cel_val r = ks_cel_eval(c, n->target, env);
    struct ks_cel_env var = {.name = n->name, .up = env};
    struct ks_cel_val err = {.k = CV_NULL};
    bool have_err = false;
    size_t count = 0, len;
    struct ks_cel_val *out = NULL;
    size_t n_out = 0;

    if (r.k == CV_ERR)
        return r;
    if (r.k != CV_LIST && r.k != CV_MAP)
        return ks_cel_error(c, "cannot iterate over %s", ks_cel_type_name(r.k));
    len = range_len(r);
    if (n->op == MAC_MAP || n->op == MAC_FILTER) {
        out = ebb_arena_calloc(c->a, len + 1, sizeof(*out));
        if (!out)
            return ks_cel_error(c, "out of memory");
    }
    for (size_t i = 0; i < len; i++) {
        if (!step(c))
            return abort_val(c);
        var.v = range_at(c, r, i);
        struct ks_cel_val v = ks_cel_eval(c, n->args[0], &var);
        if (c->aborted)
            return abort_val(c);
        switch (n->op) {
        case MAC_ALL:
        case MAC_EXISTS:
            if (v.k == CV_ERR) {
                if (!have_err)
                    err = v;
                have_err = true;
            } else if (v.k != CV_BOOL) {
                return ks_cel_error(c, "no matching overload for macro body of type %s",
                                    ks_cel_type_name(v.k));
            } else if (n->op == MAC_ALL && !v.b) {
                return mkbool(false);
            } else if (n->op == MAC_EXISTS && v.b) {
                return mkbool(true);
            }
            break;
        case MAC_EXISTS_ONE:
            if (v.k == CV_ERR)
                return v;
            if (v.k != CV_BOOL)
                return ks_cel_error(c, "no matching overload for macro body");
            count += v.b;
            break;
        case MAC_FILTER:
            if (v.k == CV_ERR)
                return v;
            if (v.k != CV_BOOL)
                return ks_cel_error(c, "no matching overload for macro body");
            if (v.b)
                out[n_out++] = var.v;
            break;
        case MAC_MAP:
            if (n->nargs == 2) {
                if (v.k == CV_ERR)
                    return v;
                if (v.k != CV_BOOL)
                    return ks_cel_error(c, "no matching overload for macro body");
                if (!v.b)
                    break;
                v = ks_cel_eval(c, n->args[1], &var);
            }
            if (v.k == CV_ERR)
                return v;
            out[n_out++] = v;
            break;
        default:
            return ks_cel_error(c, "unknown macro");
        }
    }
    switch (n->op) {
    case MAC_ALL:
        return have_err ? err : mkbool(true);
    case MAC_EXISTS:
        return have_err ? err : mkbool(false);
    case MAC_EXISTS_ONE:
        return mkbool(count == 1);
    default: {
        struct ks_cel_list *l = ebb_arena_alloc(c->a, sizeof(*l));
        struct ks_cel_val v = {.k = CV_LIST};
        if (!l)
            return ks_cel_error(c, "out of memory");
        l->n = n_out;
        l->v = out;
        v.l = l;
        return v;
    }
    }
}

static struct ks_cel_val eval_logic(struct ks_cel_ctx *c, const struct ks_cel_node *n,
                                    const struct ks_cel_env *env)
{
    bool is_and = n->kind == CN_AND;
    struct ks_cel_val l = ks_cel_eval(c, n->args[0], env);

    if (c->aborted)
        return abort_val(c);
    if (l.k == CV_BOOL && l.b != is_and)
        return l; /* short circuit: false && _, true || _ */
    struct ks_cel_val r = ks_cel_eval(c, n->args[1], env);
    if (c->aborted)
        return abort_val(c);
    if (r.k == CV_BOOL && r.b != is_and)
        return r; /* absorbs an error or non-bool on the left */
    if (l.k == CV_ERR)
        return l;
    if (r.k == CV_ERR)
        return r;
    if (l.k != CV_BOOL || r.k != CV_BOOL)
        return ks_cel_error(c, "no such overload: %s %s %s", ks_cel_type_name(l.k),
                            is_and ? "_&&_" : "_||_", ks_cel_type_name(r.k));
    return r;
}

struct ks_cel_val ks_cel_eval(struct ks_cel_ctx *c, const struct ks_cel_node *n,
                              const struct ks_cel_env *env)
{
    struct ks_cel_val v, t;

    if (!step(c))
        return abort_val(c);
    switch (n->kind) {
    case CN_LIT:
        return n->lit;
    case CN_IDENT:
        for (const struct ks_cel_env *e = env; e; e = e->up)
            if (strcmp(e->name, n->name) == 0)
                return e->v;
        if (ks_cel_is_type_name(n->name)) {
            v.k = CV_TYPE;
            v.s.p = n->name;
            v.s.n = strlen(n->name);
            return v;
        }
        return ks_cel_error(c, "undeclared reference to '%s'", n->name);
    case CN_SELECT:
        t = ks_cel_eval(c, n->target, env);
        return select_field(c, t, n->name, false);
    case CN_HAS:
        t = ks_cel_eval(c, n->args[0]->target, env);
        return select_field(c, t, n->args[0]->name, true);
    case CN_INDEX:
        t = ks_cel_eval(c, n->target, env);
        v = ks_cel_eval(c, n->args[0], env);
        return index_val(c, t, v);
    case CN_LIST: {
        struct ks_cel_list *l = ebb_arena_alloc(c->a, sizeof(*l));
        struct ks_cel_val *items = ebb_arena_calloc(c->a, n->nargs + 1, sizeof(*items));
        if (!l || !items)
            return ks_cel_error(c, "out of memory");
        for (size_t i = 0; i < n->nargs; i++) {
            items[i] = ks_cel_eval(c, n->args[i], env);
            if (items[i].k == CV_ERR)
                return items[i];
        }
        l->n = n->nargs;
        l->v = items;
        v.k = CV_LIST;
        v.l = l;
        return v;
    }
    case CN_MAP: {
        size_t cnt = n->nargs / 2;
        struct ks_cel_map *m = ebb_arena_alloc(c->a, sizeof(*m));
        struct ks_cel_val *keys = ebb_arena_calloc(c->a, cnt + 1, sizeof(*keys));
        struct ks_cel_val *vals = ebb_arena_calloc(c->a, cnt + 1, sizeof(*vals));
        if (!m || !keys || !vals)
            return ks_cel_error(c, "out of memory");
        m->keys = keys;
        m->vals = vals;
        for (size_t i = 0; i < cnt; i++) {
            struct ks_cel_val k = ks_cel_eval(c, n->args[2 * i], env);
            if (k.k == CV_ERR)
                return k;
            if (k.k != CV_STRING && k.k != CV_INT && k.k != CV_UINT && k.k != CV_BOOL)
                return ks_cel_error(c, "unsupported key type: %s", ks_cel_type_name(k.k));
            struct ks_cel_val val = ks_cel_eval(c, n->args[2 * i + 1], env);
            if (val.k == CV_ERR)
                return val;
            bool dup = false;
            ks_cel_map_get(c, m, k, &dup);
            if (dup) {
                char key[128];
                ks_cel_repr(c, k, key, sizeof(key));
                return ks_cel_error(c, "Failed with repeated key: %s", key);
            }
            keys[m->n] = k;
            vals[m->n] = val;
            m->n++;
        }
        v.k = CV_MAP;
        v.m = m;
        return v;
    }
    case CN_NOT:
        t = ks_cel_eval(c, n->target, env);
        if (t.k == CV_ERR)
            return t;
        if (t.k != CV_BOOL)
            return ks_cel_error(c, "no such overload: !%s", ks_cel_type_name(t.k));
        return mkbool(!t.b);
    case CN_NEG:
        t = ks_cel_eval(c, n->target, env);
        if (t.k == CV_ERR)
            return t;
        if (t.k == CV_INT || t.k == CV_DURATION) {
            if (t.i == INT64_MIN)
                return ks_cel_error(c, "integer overflow");
            return mkint(t.k, -t.i);
        }
        if (t.k == CV_DOUBLE) {
            t.d = -t.d;
            return t;
        }
        return ks_cel_error(c, "no such overload: -%s", ks_cel_type_name(t.k));
    case CN_BIN:
        t = ks_cel_eval(c, n->args[0], env);
        if (c->aborted)
            return abort_val(c);
        if (t.k == CV_ERR)
            return t;
        v = ks_cel_eval(c, n->args[1], env);
        if (c->aborted)
            return abort_val(c);
        return binop(c, n->op, t, v);
    case CN_AND:
    case CN_OR:
        return eval_logic(c, n, env);
    case CN_COND:
        t = ks_cel_eval(c, n->args[0], env);
        if (t.k == CV_ERR)
            return t;
        if (t.k != CV_BOOL)
            return ks_cel_error(c, "no such overload: %s ? _ : _", ks_cel_type_name(t.k));
        return ks_cel_eval(c, n->args[t.b ? 1 : 2], env);
    case CN_COMPRE:
        return eval_compre(c, n, env);
    case CN_CALL:
    case CN_METHOD: {
        struct ks_cel_val recv = {.k = CV_NULL};
        struct ks_cel_val args[4];
        if (n->nargs > 4)
            return ks_cel_error(c, "too many arguments");
        if (n->kind == CN_METHOD) {
            recv = ks_cel_eval(c, n->target, env);
            if (recv.k == CV_ERR)
                return recv;
        }
        for (size_t i = 0; i < n->nargs; i++) {
            args[i] = ks_cel_eval(c, n->args[i], env);
            if (c->aborted)
                return abort_val(c);
            /* type() and dyn() take errors through as errors anyway */
            if (args[i].k == CV_ERR)
                return args[i];
        }
        if (c->aborted)
            return abort_val(c);
        return ks_cel_call(c, n, n->op, n->kind == CN_METHOD ? &recv : NULL, args, n->nargs);
    }
    }
    return ks_cel_error(c, "unknown expression");
}
