/*
 * ks_cel_strings.c -- CEL's string methods (the Kubernetes strings library):
 * startsWith, matches, split, join, replace, substring and friends.
 */
#include "cel.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t ks_cel_utf8_count(const char *p, size_t n)
{
    size_t cnt = 0;

    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] & 0xc0) != 0x80)
            cnt++;
    return cnt;
}

/* Byte offset of the cp-th code point (n when past the end). */
static size_t utf8_offset(const char *p, size_t n, size_t cp)
{
    size_t cnt = 0;

    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)p[i] & 0xc0) != 0x80) {
            if (cnt == cp)
                return i;
            cnt++;
        }
    }
    return n;
}

const char *ks_cel_cstr(struct ks_cel_ctx *c, struct ks_cel_val v)
{
    /* strings are terminated, but may hold a NUL: copy to be safe */
    return ebb_arena_strndup(c->a, v.s.p, v.s.n);
}

struct ks_cel_val ks_cel_regex_match(struct ks_cel_ctx *c, const struct ks_cel_node *n,
                                     struct ks_cel_val s, struct ks_cel_val pat)
{
    regex_t local;
    const regex_t *re = n->re;
    char err[160];
    int rc;

    if (s.k != CV_STRING || pat.k != CV_STRING)
        return ks_cel_error(c, "no such overload: matches(%s, %s)", ks_cel_type_name(s.k),
                            ks_cel_type_name(pat.k));
    const char *text = ks_cel_cstr(c, s);
    if (!text)
        return ks_cel_error(c, "out of memory");
    if (!re) {
        const char *p = ks_cel_cstr(c, pat);
        if (!p || pat.s.n > 1024)
            return ks_cel_error(c, "regular expression too long");
        if (ks_cel_regcomp(&local, p, true, err, sizeof(err)) != 0)
            return ks_cel_error(c, "%s", err);
        re = &local;
    }
    rc = regexec(re, text, 0, NULL, 0);
    if (re == &local)
        regfree(&local);
    return ks_cel_mkbool(rc == 0);
}

static struct ks_cel_val str_find(struct ks_cel_ctx *c, struct ks_cel_val s, struct ks_cel_val sub,
                                  bool last)
{
    if (sub.s.n > s.s.n)
        return ks_cel_mkint(-1);
    if (!last) {
        for (size_t i = 0; i + sub.s.n <= s.s.n; i++)
            if (memcmp(s.s.p + i, sub.s.p, sub.s.n) == 0)
                return ks_cel_mkint((int64_t)ks_cel_utf8_count(s.s.p, i));
    } else {
        for (size_t i = s.s.n - sub.s.n + 1; i-- > 0;)
            if (memcmp(s.s.p + i, sub.s.p, sub.s.n) == 0)
                return ks_cel_mkint((int64_t)ks_cel_utf8_count(s.s.p, i));
    }
    (void)c;
    return ks_cel_mkint(-1);
}

static struct ks_cel_val new_list(struct ks_cel_ctx *c, size_t cap, struct ks_cel_list **out)
{
    struct ks_cel_list *l = ebb_arena_alloc(c->a, sizeof(*l));
    struct ks_cel_val v = ks_cel_mk(CV_LIST);

    if (l)
        l->v = ebb_arena_calloc(c->a, cap + 1, sizeof(*l->v));
    if (!l || !l->v)
        return ks_cel_error(c, "out of memory");
    v.l = l;
    *out = l;
    return v;
}

static struct ks_cel_val str_split(struct ks_cel_ctx *c, struct ks_cel_val s, struct ks_cel_val sep,
                                   int64_t limit)
{
    struct ks_cel_list *l;
    struct ks_cel_val v;
    size_t i = 0, start = 0;

    if (limit == 0)
        return new_list(c, 0, &l);
    v = new_list(c, s.s.n + 1, &l);
    if (v.k == CV_ERR)
        return v;
    if (sep.s.n == 0) {
        /* one element per code point */
        while (i < s.s.n) {
            size_t j = i + 1;
            while (j < s.s.n && ((unsigned char)s.s.p[j] & 0xc0) == 0x80)
                j++;
            if (limit > 0 && (int64_t)l->n == limit - 1)
                j = s.s.n;
            l->v[l->n++] = ks_cel_str(c, s.s.p + i, j - i);
            i = j;
        }
        return v;
    }
    while (i + sep.s.n <= s.s.n) {
        if ((limit < 0 || (int64_t)l->n < limit - 1) && memcmp(s.s.p + i, sep.s.p, sep.s.n) == 0) {
            l->v[l->n++] = ks_cel_str(c, s.s.p + start, i - start);
            i += sep.s.n;
            start = i;
        } else {
            i++;
        }
    }
    l->v[l->n++] = ks_cel_str(c, s.s.p + start, s.s.n - start);
    return v;
}

struct ks_cel_val ks_cel_list_join(struct ks_cel_ctx *c, struct ks_cel_val lst,
                                   struct ks_cel_val sep)
{
    size_t n = ks_cel_list_len(lst.l), total = 0;
    struct ks_cel_val v = ks_cel_mk(CV_STRING);

    for (size_t i = 0; i < n; i++) {
        struct ks_cel_val e = ks_cel_list_at(c, lst.l, i);
        if (e.k != CV_STRING)
            return ks_cel_error(c, "join: list element is %s, not string", ks_cel_type_name(e.k));
        total += e.s.n + sep.s.n;
        if (total > (1u << 20))
            return ks_cel_error(c, "string too long");
    }
    char *p = ebb_arena_alloc(c->a, total + 1);
    size_t o = 0;
    if (!p)
        return ks_cel_error(c, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct ks_cel_val e = ks_cel_list_at(c, lst.l, i);
        if (i) {
            memcpy(p + o, sep.s.p, sep.s.n);
            o += sep.s.n;
        }
        memcpy(p + o, e.s.p, e.s.n);
        o += e.s.n;
    }
    p[o] = '\0';
    v.s.p = p;
    v.s.n = o;
    return v;
}

static struct ks_cel_val str_replace(struct ks_cel_ctx *c, struct ks_cel_val s,
                                     struct ks_cel_val from, struct ks_cel_val to, int64_t limit)
{
    size_t cap = s.s.n + 1, o = 0, i = 0;
    int64_t done = 0;
    char *p;
    struct ks_cel_val v = ks_cel_mk(CV_STRING);

    if (from.s.n == 0)
        return s;
    /* worst case every byte of s starts a match */
    if (to.s.n > from.s.n && s.s.n / from.s.n * (to.s.n - from.s.n) + cap > (1u << 20))
        return ks_cel_error(c, "string too long");
    cap += to.s.n > from.s.n ? s.s.n / from.s.n * (to.s.n - from.s.n) : 0;
    p = ebb_arena_alloc(c->a, cap);
    if (!p)
        return ks_cel_error(c, "out of memory");
    while (i < s.s.n) {
        if ((limit < 0 || done < limit) && i + from.s.n <= s.s.n &&
            memcmp(s.s.p + i, from.s.p, from.s.n) == 0) {
            memcpy(p + o, to.s.p, to.s.n);
            o += to.s.n;
            i += from.s.n;
            done++;
        } else {
            p[o++] = s.s.p[i++];
        }
    }
    p[o] = '\0';
    v.s.p = p;
    v.s.n = o;
    return v;
}

struct ks_cel_val ks_cel_string_method(struct ks_cel_ctx *c, const struct ks_cel_node *n, int fn,
                                       struct ks_cel_val s, struct ks_cel_val *args, size_t nargs)
{
    struct ks_cel_val v;

    for (size_t i = 0; i < nargs; i++) {
        bool want_int = (fn == F_SPLIT && i == 1) || (fn == F_REPLACE && i == 2) ||
                        fn == F_SUBSTRING || fn == F_CHARAT;
        if (want_int ? args[i].k != CV_INT : args[i].k != CV_STRING)
            return ks_cel_error(c, "no such overload: string.%s(%s)", ks_cel_fn_name(fn),
                                ks_cel_type_name(args[i].k));
    }
    switch (fn) {
    case F_STARTS:
        return ks_cel_mkbool(args[0].s.n <= s.s.n && memcmp(s.s.p, args[0].s.p, args[0].s.n) == 0);
    case F_ENDS:
        return ks_cel_mkbool(args[0].s.n <= s.s.n &&
                             memcmp(s.s.p + s.s.n - args[0].s.n, args[0].s.p, args[0].s.n) == 0);
    case F_CONTAINS:
        return ks_cel_mkbool(str_find(c, s, args[0], false).i >= 0);
    case F_MATCHES:
        return ks_cel_regex_match(c, n, s, args[0]);
    case F_INDEXOF:
        return str_find(c, s, args[0], false);
    case F_LASTINDEXOF:
        return str_find(c, s, args[0], true);
    case F_LOWER:
    case F_UPPER: {
        v = ks_cel_str(c, s.s.p, s.s.n);
        if (v.k == CV_ERR)
            return v;
        char *p = (char *)v.s.p;
        for (size_t i = 0; i < v.s.n; i++)
            if ((unsigned char)p[i] < 0x80)
                p[i] = (char)(fn == F_LOWER ? tolower((unsigned char)p[i])
                                            : toupper((unsigned char)p[i]));
        return v;
    }
    case F_TRIM: {
        size_t a = 0, b = s.s.n;
        while (a < b && isspace((unsigned char)s.s.p[a]))
            a++;
        while (b > a && isspace((unsigned char)s.s.p[b - 1]))
            b--;
        return ks_cel_str(c, s.s.p + a, b - a);
    }
    case F_SPLIT:
        return str_split(c, s, args[0], nargs > 1 ? args[1].i : -1);
    case F_REPLACE:
        return str_replace(c, s, args[0], args[1], nargs > 2 ? args[2].i : -1);
    case F_SUBSTRING:
    case F_CHARAT: {
        size_t len = ks_cel_utf8_count(s.s.p, s.s.n);
        int64_t a = args[0].i, b = nargs > 1 ? args[1].i : (fn == F_CHARAT ? a + 1 : (int64_t)len);
        if (fn == F_CHARAT && a == (int64_t)len)
            return ks_cel_str(c, "", 0);
        if (a < 0 || b < a || (uint64_t)b > len)
            return ks_cel_error(c, "index out of range: %lld", (long long)(a < 0 ? a : b));
        size_t oa = utf8_offset(s.s.p, s.s.n, (size_t)a), ob = utf8_offset(s.s.p, s.s.n, (size_t)b);
        return ks_cel_str(c, s.s.p + oa, ob - oa);
    }
    default:
        return ks_cel_error(c, "no such overload: string.%s", ks_cel_fn_name(fn));
    }
}
