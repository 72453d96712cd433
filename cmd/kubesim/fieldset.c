/*
 * kubesim: field sets, the paths a manager owns (structured-merge-diff's
 * fieldpath.Set), read from and written to managedFields' fieldsV1:
 *
 *   {"f:metadata":{"f:labels":{".":{},"f:app":{}}}}
 *
 * is the set { .metadata.labels, .metadata.labels.app }: "." marks a node
 * that is itself a member while it has children; a node without children
 * is a member. Children are written in the real server's order: field
 * names, then keys, then values, then indexes, each sorted.
 */
#include "patch_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ks_fs *ks_fs_new(void)
{
    return calloc(1, sizeof(ks_fs));
}

void ks_fs_free(ks_fs *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        ks_fs_free(s->kid[i]);
    free(s->kid);
    free(s->key);
    cJSON_Delete(s->val);
    free(s);
}

/* An object with o's members sorted by name (a new tree). */
static cJSON *sorted_object(const cJSON *o)
{
    cJSON *out = cJSON_CreateObject();
    size_t n = 0;
    const cJSON **v;

    if (!out)
        return NULL;
    for (const cJSON *c = o->child; c; c = c->next)
        n++;
    v = calloc(n + 1, sizeof(*v));
    if (!v) {
        cJSON_Delete(out);
        return NULL;
    }
    n = 0;
    for (const cJSON *c = o->child; c; c = c->next)
        v[n++] = c;
    for (size_t i = 1; i < n; i++) {
        const cJSON *x = v[i];
        size_t j = i;
        while (j > 0 && strcmp(v[j - 1]->string, x->string) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    for (size_t i = 0; i < n; i++) {
        cJSON *d = cJSON_Duplicate(v[i], true);
        if (!d) {
            free(v);
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_AddItemToObject(out, v[i]->string, d);
    }
    free(v);
    return out;
}

static char *prefixed(const char *prefix, const char *body)
{
    size_t a = strlen(prefix), b = strlen(body);
    char *s = malloc(a + b + 1);

    if (!s)
        return NULL;
    memcpy(s, prefix, a);
    memcpy(s + a, body, b + 1);
    return s;
}

static char *prefixed_json(const char *prefix, const cJSON *v)
{
    char *txt = cJSON_PrintUnformatted(v);
    char *s;

    if (!txt)
        return NULL;
    s = prefixed(prefix, txt);
    free(txt);
    return s;
}

char *ks_fs_key_field(const char *name)
{
    return prefixed("f:", name);
}

char *ks_fs_key_value(const cJSON *v)
{
    return prefixed_json("v:", v);
}

char *ks_fs_key_index(size_t i)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "i:%zu", i);
    return strdup(buf);
}

char *ks_fs_key_item(const cJSON *item, const struct ks_list_info *li)
{
    cJSON *k, *sorted;
    char *s;

    if (!cJSON_IsObject(item))
        return NULL;
    k = cJSON_CreateObject();
    if (!k)
        return NULL;
    for (size_t i = 0; i < li->n_keys; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, li->keys[i]);
        const char *def = ks_smd_key_default(li->keys[i]);
        cJSON *c = v ? cJSON_Duplicate(v, true) : def ? cJSON_CreateString(def) : NULL;
        if (!v && !def)
            continue;
        if (!c) {
            cJSON_Delete(k);
            return NULL;
        }
        cJSON_AddItemToObject(k, li->keys[i], c);
    }
    if (!k->child) {
        cJSON_Delete(k);
        return NULL;
    }
    sorted = sorted_object(k);
    cJSON_Delete(k);
    if (!sorted)
        return NULL;
    s = prefixed_json("k:", sorted);
    cJSON_Delete(sorted);
    return s;
}

/* A node for key: the key normalized ("k:" fields sorted) and parsed. */
static ks_fs *node_for(const char *key)
{
    ks_fs *n = ks_fs_new();
    cJSON *v = NULL;

    if (!n)
        return NULL;
    if (strlen(key) < 2 || key[1] != ':')
        goto bad;
    switch (key[0]) {
    case 'f':
        n->key = strdup(key);
        break;
    case 'k': {
        cJSON *raw = cJSON_Parse(key + 2);
        if (!cJSON_IsObject(raw) || !raw->child) {
            cJSON_Delete(raw);
            goto bad;
        }
        v = sorted_object(raw);
        cJSON_Delete(raw);
        if (!v)
            goto bad;
        n->key = prefixed_json("k:", v);
        break;
    }
    case 'v':
        v = cJSON_Parse(key + 2);
        if (!v)
            goto bad;
        n->key = prefixed_json("v:", v);
        break;
    case 'i': {
        size_t i = 0;
        const char *c = key + 2;
        if (!*c || strlen(c) > 9)
            goto bad;
        for (; *c; c++) {
            if (*c < '0' || *c > '9')
                goto bad;
            i = i * 10 + (size_t)(*c - '0');
        }
        n->key = ks_fs_key_index(i);
        break;
    }
    default:
        goto bad;
    }
    if (!n->key)
        goto bad;
    n->val = v;
    return n;
bad:
    cJSON_Delete(v);
    ks_fs_free(n);
    return NULL;
}

const ks_fs *ks_fs_find(const ks_fs *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->kid[i]->key, key))
            return s->kid[i];
    return NULL;
}

static int add_kid(ks_fs *s, ks_fs *k)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        ks_fs **v = realloc(s->kid, cap * sizeof(*v));
        if (!v)
            return KS_ENOMEM;
        s->kid = v;
        s->cap = cap;
    }
    s->kid[s->n++] = k;
    return 0;
}

ks_fs *ks_fs_child(ks_fs *s, const char *key, bool create)
{
    ks_fs *k = (ks_fs *)ks_fs_find(s, key);

    if (k || !create)
        return k;
    k = node_for(key);
    if (!k)
        return NULL;
    /* node_for normalizes; the normalized key may already be there */
    ks_fs *dup = (ks_fs *)ks_fs_find(s, k->key);
    if (dup) {
        ks_fs_free(k);
        return dup;
    }
    if (add_kid(s, k)) {
        ks_fs_free(k);
        return NULL;
    }
    return k;
}

int ks_fs_insert(ks_fs *s, char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s = ks_fs_child(s, keys[i], true);
        if (!s)
            return KS_ENOMEM;
    }
    if (n)
        s->member = true;
    return 0;
}

bool ks_fs_empty(const ks_fs *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->kid[i]->member || !ks_fs_empty(s->kid[i]))
            return false;
    return true;
}

int ks_fs_union(ks_fs *dst, const ks_fs *src)
{
    for (size_t i = 0; i < src->n; i++) {
        ks_fs *d = ks_fs_child(dst, src->kid[i]->key, true);
        if (!d)
            return KS_ENOMEM;
        d->member |= src->kid[i]->member;
        if (ks_fs_union(d, src->kid[i]))
            return KS_ENOMEM;
    }
    return 0;
}

static void remove_kid(ks_fs *s, size_t i)
{
    ks_fs_free(s->kid[i]);
    memmove(s->kid + i, s->kid + i + 1, (s->n - i - 1) * sizeof(*s->kid));
    s->n--;
}

void ks_fs_prune(ks_fs *s)
{
    for (size_t i = s->n; i-- > 0;) {
        ks_fs_prune(s->kid[i]);
        if (!s->kid[i]->member && !s->kid[i]->n)
            remove_kid(s, i);
    }
}

void ks_fs_subtract(ks_fs *dst, const ks_fs *src)
{
    for (size_t i = 0; i < src->n; i++) {
        ks_fs *d = (ks_fs *)ks_fs_find(dst, src->kid[i]->key);
        if (!d)
            continue;
        if (src->kid[i]->member)
            d->member = false;
        ks_fs_subtract(d, src->kid[i]);
    }
    ks_fs_prune(dst);
}

ks_fs *ks_fs_intersect(const ks_fs *a, const ks_fs *b)
{
    ks_fs *out = ks_fs_new();

    if (!out)
        return NULL;
    for (size_t i = 0; i < a->n; i++) {
        const ks_fs *bk = ks_fs_find(b, a->kid[i]->key);
        if (!bk)
            continue;
        ks_fs *sub = ks_fs_intersect(a->kid[i], bk);
        if (!sub)
            goto nomem;
        sub->member = a->kid[i]->member && bk->member;
        if (!sub->member && !sub->n) {
            ks_fs_free(sub);
            continue;
        }
        sub->key = strdup(a->kid[i]->key);
        if (a->kid[i]->val)
            sub->val = cJSON_Duplicate(a->kid[i]->val, true);
        if (!sub->key || (a->kid[i]->val && !sub->val) || add_kid(out, sub)) {
            ks_fs_free(sub);
            goto nomem;
        }
    }
    return out;
nomem:
    ks_fs_free(out);
    return NULL;
}

/* ---- ordering (smd's PathElement.Compare and value.Compare) ---- */

static int kind_rank(char k)
{
    switch (k) {
    case 'f':
        return 0;
    case 'k':
        return 1;
    case 'v':
        return 2;
    default:
        return 3;
    }
}

static int value_rank(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return 0;
    if (cJSON_IsString(v))
        return 1;
    if (cJSON_IsBool(v))
        return 2;
    if (cJSON_IsArray(v))
        return 3;
    if (cJSON_IsObject(v))
        return 4;
    return 5;
}

static int value_cmp(const cJSON *a, const cJSON *b)
{
    int ra = value_rank(a), rb = value_rank(b);

    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (ra) {
    case 0:
        return a->valuedouble < b->valuedouble ? -1 : a->valuedouble > b->valuedouble;
    case 1:
        return strcmp(a->valuestring, b->valuestring);
    case 2:
        return cJSON_IsTrue(a) - cJSON_IsTrue(b);
    case 3:
    case 4: {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next) {
            int c = ra == 4 ? strcmp(x->string, y->string) : 0;
            if (!c)
                c = value_cmp(x, y);
            if (c)
                return c;
        }
        return x ? 1 : y ? -1 : 0;
    }
    default:
        return 0;
    }
}

static int node_cmp(const void *pa, const void *pb)
{
    const ks_fs *a = *(const ks_fs *const *)pa, *b = *(const ks_fs *const *)pb;
    int ra = kind_rank(a->key[0]), rb = kind_rank(b->key[0]);

    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->val && b->val)
        return value_cmp(a->val, b->val);
    if (a->key[0] == 'i') {
        size_t x = strtoul(a->key + 2, NULL, 10), y = strtoul(b->key + 2, NULL, 10);
        return x < y ? -1 : x > y;
    }
    return strcmp(a->key, b->key);
}

static cJSON *node_json(const ks_fs *s, bool root)
{
    cJSON *o = cJSON_CreateObject();
    const ks_fs **v;

    if (!o)
        return NULL;
    if (!root && s->member && s->n) {
        if (!cJSON_AddObjectToObject(o, "."))
            goto nomem;
    }
    v = calloc(s->n + 1, sizeof(*v));
    if (!v)
        goto nomem;
    if (s->n) {
        memcpy(v, s->kid, s->n * sizeof(*v));
        qsort(v, s->n, sizeof(*v), node_cmp);
    }
    for (size_t i = 0; i < s->n; i++) {
        if (!v[i]->member && ks_fs_empty(v[i]))
            continue;
        cJSON *c = node_json(v[i], false);
        if (!c) {
            free(v);
            goto nomem;
        }
        cJSON_AddItemToObject(o, v[i]->key, c);
    }
    free(v);
    return o;
nomem:
    cJSON_Delete(o);
    return NULL;
}

cJSON *ks_fs_to_json(const ks_fs *s)
{
    return node_json(s, true);
}

static int parse_into(ks_fs *s, const cJSON *fields, int depth, char *err, size_t errlen)
{
    if (!cJSON_IsObject(fields)) {
        snprintf(err, errlen, "fieldsV1: expected an object, got %s", ks_json_go_type(fields));
        return KS_EINVALID;
    }
    if (depth > 200) {
        snprintf(err, errlen, "fieldsV1: too deep");
        return KS_EINVALID;
    }
    if (!fields->child && depth)
        s->member = true;
    for (const cJSON *c = fields->child; c; c = c->next) {
        if (!strcmp(c->string, ".")) {
            s->member = true;
            continue;
        }
        ks_fs *k = ks_fs_child(s, c->string, true);
        if (!k) {
            snprintf(err, errlen, "fieldsV1: bad path element %.100s", c->string);
            return KS_EINVALID;
        }
        int rc = parse_into(k, c, depth + 1, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

ks_fs *ks_fs_parse(const cJSON *fields, char *err, size_t errlen)
{
    char dummy[8];
    ks_fs *s = ks_fs_new();

    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = '\0';
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (parse_into(s, fields, 0, err, errlen)) {
        ks_fs_free(s);
        return NULL;
    }
    return s;
}

bool ks_fs_item_matches(const cJSON *item, const ks_fs *node)
{
    if (!node->val)
        return false;
    if (node->key[0] == 'v')
        return ks_json_equal(item, node->val);
    if (node->key[0] != 'k' || !cJSON_IsObject(item))
        return false;
    for (const cJSON *f = node->val->child; f; f = f->next) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, f->string);
        if (v) {
            if (!ks_json_equal(v, f))
                return false;
            continue;
        }
        const char *def = ks_smd_key_default(f->string);
        if (!def || !cJSON_IsString(f) || strcmp(def, f->valuestring))
            return false;
    }
    return true;
}

/* ---- members as printed paths ---- */

struct pbuf {
    char *buf;
    size_t len, cap;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
pb_addf(struct pbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KS_EINVALID;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->len + (size_t)n + 1) * 2;
        char *nb = realloc(b->buf, cap);
        if (!nb)
            return KS_ENOMEM;
        b->buf = nb;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

static int append_elem(struct pbuf *b, const ks_fs *n)
{
    char *txt;
    int rc = 0;

    switch (n->key[0]) {
    case 'f':
        return pb_addf(b, ".%s", n->key + 2);
    case 'i':
        return pb_addf(b, "[%s]", n->key + 2);
    case 'v':
        txt = cJSON_PrintUnformatted(n->val);
        rc = txt ? pb_addf(b, "[=%s]", txt) : KS_ENOMEM;
        free(txt);
        return rc;
    default:
        rc = pb_addf(b, "[");
        for (const cJSON *f = n->val ? n->val->child : NULL; f && !rc; f = f->next) {
            txt = cJSON_PrintUnformatted(f);
            rc = txt ? pb_addf(b, "%s%s=%s", f == n->val->child ? "" : ",", f->string, txt)
                     : KS_ENOMEM;
            free(txt);
        }
        return rc ? rc : pb_addf(b, "]");
    }
}

static int each_member(const ks_fs *s, struct pbuf *b, ks_fs_each_fn fn, void *ud)
{
    const ks_fs **v = calloc(s->n + 1, sizeof(*v));
    int rc = 0;

    if (!v)
        return KS_ENOMEM;
    if (s->n) {
        memcpy(v, s->kid, s->n * sizeof(*v));
        qsort(v, s->n, sizeof(*v), node_cmp);
    }
    for (size_t i = 0; i < s->n && !rc; i++) {
        size_t mark = b->len;
        rc = append_elem(b, v[i]);
        if (!rc && v[i]->member)
            rc = fn(ud, b->buf);
        if (!rc)
            rc = each_member(v[i], b, fn, ud);
        b->len = mark;
        if (b->buf)
            b->buf[mark] = '\0';
    }
    free(v);
    return rc;
}

int ks_fs_each_member(const ks_fs *s, ks_fs_each_fn fn, void *ud)
{
    struct pbuf b = {0};
    int rc = each_member(s, &b, fn, ud);

    free(b.buf);
    return rc;
}
