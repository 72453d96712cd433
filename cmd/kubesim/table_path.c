/*
 * kubesim: the JSONPath subset CRD additionalPrinterColumns use, as
 * client-go's jsonpath evaluates them with missing keys allowed:
 * ".a.b", "[n]" (negative from the end), "[a:b]", "[*]", ".*",
 * "['key']" / "[\"key\"]", and filters "[?(@.x.y == 'v')]" with ==, !=,
 * <, <=, >, >= against a string, number or boolean, or "[?(@.x)]" for
 * presence. The printer only shows the first value selected.
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

struct nodeset {
    const cJSON **v;
    size_t n, cap;
    bool oom;
};

static void ns_add(struct nodeset *s, const cJSON *x)
{
    if (!x || s->oom)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        const cJSON **nv = realloc(s->v, cap * sizeof(*nv));
        if (!nv) {
            s->oom = true;
            return;
        }
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = x;
}

static void ns_release(struct nodeset *s)
{
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static const cJSON *child(const cJSON *x, const char *key, size_t len)
{
    const cJSON *c;

    if (!cJSON_IsObject(x))
        return NULL;
    for (c = x->child; c; c = c->next)
        if (c->string && strlen(c->string) == len && memcmp(c->string, key, len) == 0)
            return c;
    return NULL;
}

static void add_children(struct nodeset *out, const cJSON *x)
{
    if (cJSON_IsArray(x) || cJSON_IsObject(x))
        for (const cJSON *c = x->child; c; c = c->next)
            ns_add(out, c);
}

static bool parse_long(const char *p, const char *end, long *out)
{
    bool neg = false;
    long v = 0;

    while (p < end && *p == ' ')
        p++;
    while (end > p && end[-1] == ' ')
        end--;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    if (p == end)
        return false;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9' || v > 100000000L)
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return true;
}

/* Index or slice "n", "a:b" on an array. */
static bool apply_index(struct nodeset *out, const cJSON *x, const char *p, const char *end)
{
    const char *colon = memchr(p, ':', (size_t)(end - p));
    int n = cJSON_GetArraySize(x);
    long a, b;

    if (!colon) {
        if (!parse_long(p, end, &a))
            return false;
        if (a < 0)
            a += n;
        if (cJSON_IsArray(x) && a >= 0 && a < n)
            ns_add(out, cJSON_GetArrayItem(x, (int)a));
        return true;
    }
    const char *colon2 = memchr(colon + 1, ':', (size_t)(end - colon - 1));
    const char *bend = colon2 ? colon2 : end;
    if (colon == p)
        a = 0;
    else if (!parse_long(p, colon, &a))
        return false;
    if (bend == colon + 1)
        b = n;
    else if (!parse_long(colon + 1, bend, &b))
        return false;
    if (!cJSON_IsArray(x))
        return true;
    if (a < 0)
        a += n;
    if (b < 0)
        b += n;
    if (a < 0)
        a = 0;
    if (b > n)
        b = n;
    for (long i = a; i < b; i++)
        ns_add(out, cJSON_GetArrayItem(x, (int)i));
    return true;
}

/* A literal of a filter: 'str', "str", number, true, false. */
struct lit {
    int type; /* 0 string, 1 number, 2 bool */
    char s[256];
    double d;
    bool b;
};

static bool parse_lit(const char *p, const char *end, struct lit *l)
{
    while (p < end && *p == ' ')
        p++;
    while (end > p && end[-1] == ' ')
        end--;
    if (p == end)
        return false;
    if ((*p == '\'' || *p == '"') && end - p >= 2 && end[-1] == *p) {
        size_t len = (size_t)(end - p - 2);
        if (len >= sizeof(l->s))
            return false;
        memcpy(l->s, p + 1, len);
        l->s[len] = '\0';
        l->type = 0;
        return true;
    }
    if ((size_t)(end - p) == 4 && memcmp(p, "true", 4) == 0) {
        l->type = 2;
        l->b = true;
        return true;
    }
    if ((size_t)(end - p) == 5 && memcmp(p, "false", 5) == 0) {
        l->type = 2;
        l->b = false;
        return true;
    }
    char buf[64];
    size_t len = (size_t)(end - p);
    if (len >= sizeof(buf))
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *e = NULL;
    l->d = strtod(buf, &e);
    if (!e || *e)
        return false;
    l->type = 1;
    return true;
}

static bool compare(const cJSON *v, const char *op, const struct lit *l)
{
    int c;

    if (l->type == 0 && cJSON_IsString(v))
        c = strcmp(v->valuestring, l->s);
    else if (l->type == 1 && cJSON_IsNumber(v))
        c = v->valuedouble < l->d ? -1 : v->valuedouble > l->d ? 1 : 0;
    else if (l->type == 2 && cJSON_IsBool(v))
        c = (cJSON_IsTrue(v) ? 1 : 0) - (l->b ? 1 : 0);
    else
        return strcmp(op, "!=") == 0;
    if (strcmp(op, "==") == 0)
        return c == 0;
    if (strcmp(op, "!=") == 0)
        return c != 0;
    if (strcmp(op, "<") == 0)
        return c < 0;
    if (strcmp(op, "<=") == 0)
        return c <= 0;
    if (strcmp(op, ">") == 0)
        return c > 0;
    return c >= 0;
}

static const cJSON *eval_range(const cJSON *root, const char *p, const char *end, bool *bad);

/* "?(@.x op lit)" between p and end (without the brackets). */
static bool apply_filter(struct nodeset *out, const cJSON *x, const char *p, const char *end)
{
    static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">"};
    const char *op = NULL, *at = NULL;
    size_t oplen = 0;
    char q = 0;

    if (end - p < 3 || p[1] != '(' || end[-1] != ')')
        return false;
    p += 2;
    end--;
    while (p < end && *p == ' ')
        p++;
    if (p == end || *p != '@')
        return false;
    for (const char *c = p + 1; c < end && !op; c++) {
        if (q) {
            if (*c == q)
                q = 0;
            continue;
        }
        if (*c == '\'' || *c == '"') {
            q = *c;
            continue;
        }
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
            if (strncmp(c, ops[i], strlen(ops[i])) == 0) {
                op = ops[i];
                at = c;
                oplen = strlen(ops[i]);
                break;
            }
    }
    const char *lhs_end = op ? at : end;
    while (lhs_end > p + 1 && lhs_end[-1] == ' ')
        lhs_end--;
    struct lit l;
    if (op && !parse_lit(at + oplen, end, &l))
        return false;
    struct nodeset items = {0};
    if (cJSON_IsArray(x))
        add_children(&items, x);
    else
        ns_add(&items, x);
    bool ok = !items.oom;
    for (size_t i = 0; ok && i < items.n; i++) {
        bool bad = false;
        const cJSON *v = eval_range(items.v[i], p + 1, lhs_end, &bad);
        if (bad) {
            ok = false;
            break;
        }
        if (op ? (v && compare(v, op, &l)) : v != NULL)
            ns_add(out, items.v[i]);
    }
    ns_release(&items);
    return ok;
}

/* One bracket step's content between p and end. */
static bool apply_bracket(struct nodeset *out, const cJSON *x, const char *p, const char *end)
{
    if (p == end)
        return false;
    if (*p == '?')
        return apply_filter(out, x, p, end);
    if (end - p == 1 && *p == '*') {
        add_children(out, x);
        return true;
    }
    if (*p == '\'' || *p == '"') {
        /* one or more quoted keys, comma separated */
        while (p < end) {
            char q = *p;
            const char *k = p + 1, *ke = memchr(k, q, (size_t)(end - k));
            if (!ke)
                return false;
            ns_add(out, child(x, k, (size_t)(ke - k)));
            p = ke + 1;
            while (p < end && (*p == ' ' || *p == ','))
                p++;
            if (p < end && *p != '\'' && *p != '"')
                return false;
        }
        return true;
    }
    return apply_index(out, x, p, end);
}

static const char *bracket_end(const char *p, const char *end)
{
    char q = 0;

    for (; p < end; p++) {
        if (q) {
            if (*p == q)
                q = 0;
        } else if (*p == '\'' || *p == '"') {
            q = *p;
        } else if (*p == ']') {
            return p;
        }
    }
    return NULL;
}

/* Evaluates the steps between p and end from root; the first result. */
static const cJSON *eval_range(const cJSON *root, const char *p, const char *end, bool *bad)
{
    struct nodeset cur = {0}, next = {0};
    const cJSON *res = NULL;

    ns_add(&cur, root);
    if (p < end && *p == '$')
        p++;
    while (p < end && !*bad && cur.n) {
        memset(&next, 0, sizeof(next));
        if (*p == '.') {
            p++;
            if (p < end && *p == '.') {
                *bad = true; /* recursive descent: not supported */
                break;
            }
            const char *s = p;
            while (p < end && *p != '.' && *p != '[')
                p++;
            for (size_t i = 0; i < cur.n; i++) {
                if (p - s == 1 && *s == '*')
                    add_children(&next, cur.v[i]);
                else if (p > s)
                    ns_add(&next, child(cur.v[i], s, (size_t)(p - s)));
                else
                    ns_add(&next, cur.v[i]);
            }
        } else if (*p == '[') {
            const char *e = bracket_end(p + 1, end);
            if (!e) {
                *bad = true;
                break;
            }
            for (size_t i = 0; i < cur.n && !*bad; i++)
                if (!apply_bracket(&next, cur.v[i], p + 1, e))
                    *bad = true;
            p = e + 1;
        } else {
            *bad = true;
        }
        if (next.oom)
            *bad = true;
        ns_release(&cur);
        cur = next;
    }
    if (!*bad && p >= end && cur.n)
        res = cur.v[0];
    ns_release(&cur);
    return res;
}

const cJSON *ks_table_jsonpath(const cJSON *root, const char *path, bool *bad)
{
    bool dummy = false;

    if (!bad)
        bad = &dummy;
    *bad = false;
    if (!path || !root) {
        *bad = path == NULL;
        return NULL;
    }
    size_t len = strlen(path);
    /* "{.a.b}" as written in a template */
    if (len >= 2 && path[0] == '{' && path[len - 1] == '}') {
        path++;
        len -= 2;
    }
    while (len && *path == ' ') {
        path++;
        len--;
    }
    while (len && path[len - 1] == ' ')
        len--;
    if (!len)
        return root;
    return eval_range(root, path, path + len, bad);
}
