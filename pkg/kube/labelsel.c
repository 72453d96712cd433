/* labelsel.c -- label selectors in the string form; see labelsel.h. PURE. */
#include "labelsel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/msg.h"

#define KEY_MAX 317 /* prefix (253) + '/' + name (63) */
#define VALUE_MAX 63

struct lex {
    const char *s;
    size_t pos;
    char *err;
    size_t errsz;
};

static void skip_ws(struct lex *l)
{
    while (l->s[l->pos] == ' ' || l->s[l->pos] == '\t')
        l->pos++;
}

static bool is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

static enum ebb_rc fail(struct lex *l, const char *expected)
{
    char got = l->s[l->pos];
    if (got == '\0')
        return ebb_errf(l->err, l->errsz, EBB_ERR_PARSE,
                        "%s expected at the end of label selector \"%s\"", expected, l->s);
    return ebb_errf(l->err, l->errsz, EBB_ERR_PARSE,
                    "%s expected at byte %zu, found '%c', in label selector \"%s\"", expected,
                    l->pos, got >= 0x20 && got < 0x7f ? got : '?', l->s);
}

/* A run of word characters (and '/' in keys) as a new string; *len 0 is allowed. */
static enum ebb_rc word(struct lex *l, bool key, size_t max, const char *what, char **out)
{
    size_t start = l->pos;
    while (is_word(l->s[l->pos]) || (key && l->s[l->pos] == '/'))
        l->pos++;
    size_t n = l->pos - start;
    if (n > max) {
        l->pos = start;
        return ebb_errf(l->err, l->errsz, EBB_ERR_PARSE,
                        "the %s at byte %zu is longer than %zu bytes, in label selector \"%s\"",
                        what, start, max, l->s);
    }
    if (key) {
        const char *slash = memchr(l->s + start, '/', n);
        if (n == 0 || (slash && (slash == l->s + start || slash == l->s + start + n - 1 ||
                                 memchr(slash + 1, '/', (size_t)(l->s + start + n - slash - 1))))) {
            l->pos = start;
            return fail(l, "a label key");
        }
    }
    *out = malloc(n + 1);
    if (*out == NULL)
        return EBB_ERR_NOMEM;
    memcpy(*out, l->s + start, n);
    (*out)[n] = '\0';
    return EBB_OK;
}

static enum ebb_rc add_value(struct lex *l, struct ebb_labelsel_req *r)
{
    char **nv = realloc(r->values, (r->n_values + 1) * sizeof(*nv));
    if (nv == NULL)
        return EBB_ERR_NOMEM;
    r->values = nv;
    skip_ws(l);
    enum ebb_rc rc = word(l, false, VALUE_MAX, "value", &r->values[r->n_values]);
    if (rc == EBB_OK)
        r->n_values++;
    return rc;
}

static bool is_integer(const char *v)
{
    char *end;
    if (v[0] == '\0')
        return false;
    errno = 0;
    (void)strtoll(v, &end, 10);
    return errno == 0 && *end == '\0';
}

/* `in (a,b)` / `notin (a,b)`, after the key. */
static enum ebb_rc parse_set(struct lex *l, struct ebb_labelsel_req *r)
{
    skip_ws(l);
    if (l->s[l->pos] != '(')
        return fail(l, "'('");
    l->pos++;
    for (;;) {
        enum ebb_rc rc = add_value(l, r);
        if (rc)
            return rc;
        skip_ws(l);
        if (l->s[l->pos] == ')') {
            l->pos++;
            return EBB_OK;
        }
        if (l->s[l->pos] != ',')
            return fail(l, "',' or ')'");
        l->pos++;
    }
}

/* The operator after a key, and its values. */
static enum ebb_rc parse_op(struct lex *l, struct ebb_labelsel_req *r)
{
    const char *p = l->s + l->pos;
    if (*p == '\0' || *p == ',') {
        r->op = EBB_LABELSEL_EXISTS;
        return EBB_OK;
    }
    if (p[0] == '=' || (p[0] == '!' && p[1] == '=')) {
        r->op = p[0] == '=' ? EBB_LABELSEL_EQ : EBB_LABELSEL_NE;
        l->pos += (p[0] == '!' || p[1] == '=') ? 2 : 1;
        return add_value(l, r);
    }
    if (p[0] == '>' || p[0] == '<') {
        r->op = p[0] == '>' ? EBB_LABELSEL_GT : EBB_LABELSEL_LT;
        l->pos++;
        size_t at = l->pos;
        enum ebb_rc rc = add_value(l, r);
        if (rc == EBB_OK && !is_integer(r->values[0])) {
            l->pos = at;
            skip_ws(l);
            return fail(l, "an integer");
        }
        return rc;
    }
    if (strncmp(p, "in", 2) == 0 && !is_word(p[2])) {
        r->op = EBB_LABELSEL_IN;
        l->pos += 2;
        return parse_set(l, r);
    }
    if (strncmp(p, "notin", 5) == 0 && !is_word(p[5])) {
        r->op = EBB_LABELSEL_NOT_IN;
        l->pos += 5;
        return parse_set(l, r);
    }
    return fail(l, "one of '=', '==', '!=', '>', '<', 'in', 'notin', ','");
}

static enum ebb_rc parse_req(struct lex *l, struct ebb_labelsel *out)
{
    struct ebb_labelsel_req *nr = realloc(out->reqs, (out->n_reqs + 1) * sizeof(*nr));
    if (nr == NULL)
        return EBB_ERR_NOMEM;
    out->reqs = nr;
    struct ebb_labelsel_req *r = &out->reqs[out->n_reqs++];
    memset(r, 0, sizeof(*r));
    skip_ws(l);
    bool negated = l->s[l->pos] == '!';
    if (negated) {
        l->pos++;
        skip_ws(l);
    }
    enum ebb_rc rc = word(l, true, KEY_MAX, "key", &r->key);
    if (rc)
        return rc;
    skip_ws(l);
    if (negated) {
        r->op = EBB_LABELSEL_NOT_EXISTS;
        return EBB_OK;
    }
    return parse_op(l, r);
}

enum ebb_rc ebb_labelsel_parse(const char *text, struct ebb_labelsel *out, char *err, size_t errsz)
{
    struct lex l = {text ? text : "", 0, err, errsz};
    memset(out, 0, sizeof(*out));
    skip_ws(&l);
    if (l.s[l.pos] == '\0')
        return EBB_OK;
    for (;;) {
        enum ebb_rc rc = parse_req(&l, out);
        if (rc == EBB_OK) {
            skip_ws(&l);
            if (l.s[l.pos] == '\0')
                return EBB_OK;
            if (l.s[l.pos] == ',') {
                l.pos++;
                continue;
            }
            rc = fail(&l, "',' or the end");
        }
        if (rc == EBB_ERR_NOMEM)
            ebb_errf(err, errsz, rc, "out of memory");
        ebb_labelsel_release(out);
        return rc;
    }
}

void ebb_labelsel_release(struct ebb_labelsel *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_reqs; i++) {
        for (size_t j = 0; j < s->reqs[i].n_values; j++)
            free(s->reqs[i].values[j]);
        free(s->reqs[i].values);
        free(s->reqs[i].key);
    }
    free(s->reqs);
    s->reqs = NULL;
    s->n_reqs = 0;
}

static const char *label(const struct ebb_kv *labels, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (labels[i].key != NULL && strcmp(labels[i].key, key) == 0)
            return labels[i].value ? labels[i].value : "";
    return NULL;
}

static bool in_values(const struct ebb_labelsel_req *r, const char *v)
{
    for (size_t i = 0; i < r->n_values; i++)
        if (strcmp(r->values[i], v) == 0)
            return true;
    return false;
}

static bool req_matches(const struct ebb_labelsel_req *r, const char *v)
{
    switch (r->op) {
    case EBB_LABELSEL_EXISTS:
        return v != NULL;
    case EBB_LABELSEL_NOT_EXISTS:
        return v == NULL;
    case EBB_LABELSEL_EQ:
    case EBB_LABELSEL_IN:
        return v != NULL && in_values(r, v);
    case EBB_LABELSEL_NE:
    case EBB_LABELSEL_NOT_IN:
        return v == NULL || !in_values(r, v);
    case EBB_LABELSEL_GT:
    case EBB_LABELSEL_LT: {
        if (v == NULL || !is_integer(v))
            return false;
        long long have = strtoll(v, NULL, 10), want = strtoll(r->values[0], NULL, 10);
        return r->op == EBB_LABELSEL_GT ? have > want : have < want;
    }
    }
    return false;
}

bool ebb_labelsel_matches(const struct ebb_labelsel *s, const struct ebb_kv *labels, size_t n)
{
    for (size_t i = 0; i < s->n_reqs; i++)
        if (!req_matches(&s->reqs[i], label(labels, n, s->reqs[i].key)))
            return false;
    return true;
}

bool ebb_labelsel_equality(const struct ebb_labelsel *s, const char **key, const char **value)
{
    for (size_t i = 0; i < s->n_reqs; i++) {
        const struct ebb_labelsel_req *r = &s->reqs[i];
        if ((r->op == EBB_LABELSEL_EQ || r->op == EBB_LABELSEL_IN) && r->n_values == 1) {
            *key = r->key;
            *value = r->values[0];
            return true;
        }
    }
    return false;
}
