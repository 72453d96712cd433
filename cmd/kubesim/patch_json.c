/*
 * kubesim: RFC 6902 JSON patch, as the apiserver applies it (its
 * evanphx/json-patch v4): add, remove, replace, move, copy, test on JSON
 * Pointers (RFC 6901: "~1" is '/', "~0" is '~', "-" appends to an array).
 * The operations run on a copy; the document is replaced only when every
 * one of them succeeded. Error codes: see patch_internal.h.
 */
#include "patch_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GENERIC_422 "the server rejected our request due to an error in our request"

struct jp {
    char *detail;
    size_t detaillen;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
jp_fail(struct jp *j, const char *fmt, ...)
{
    va_list ap;

    if (j->detail && j->detaillen) {
        va_start(ap, fmt);
        vsnprintf(j->detail, j->detaillen, fmt, ap);
        va_end(ap);
    }
    return KS_EINVALID;
}

/* A parsed JSON Pointer: tokens unescaped, NUL-separated in one buffer. */
struct ptr {
    char *buf;
    char **tok;
    size_t n;
};

static void ptr_release(struct ptr *p)
{
    free(p->buf);
    free(p->tok);
    memset(p, 0, sizeof(*p));
}

/* 0, KS_EINVALID (not a pointer) or KS_ENOMEM. */
static int ptr_parse(const char *path, struct ptr *p)
{
    size_t len = strlen(path), n = 0;

    memset(p, 0, sizeof(*p));
    if (!len)
        return 0;
    if (path[0] != '/')
        return KS_EINVALID;
    for (size_t i = 0; i < len; i++)
        n += path[i] == '/';
    p->buf = malloc(len + 1);
    p->tok = calloc(n, sizeof(char *));
    if (!p->buf || !p->tok) {
        ptr_release(p);
        return KS_ENOMEM;
    }
    char *w = p->buf;
    for (const char *r = path; *r;) {
        r++; /* the '/' */
        p->tok[p->n++] = w;
        while (*r && *r != '/') {
            if (r[0] == '~' && r[1] == '1') {
                *w++ = '/';
                r += 2;
            } else if (r[0] == '~' && r[1] == '0') {
                *w++ = '~';
                r += 2;
            } else {
                *w++ = *r++;
            }
        }
        *w++ = '\0';
    }
    return 0;
}

/* Atoi-like: decimal digits only. */
static bool parse_index(const char *t, size_t *out)
{
    size_t v = 0;

    if (!*t || strlen(t) > 9)
        return false;
    for (const char *c = t; *c; c++) {
        if (*c < '0' || *c > '9')
            return false;
        v = v * 10 + (size_t)(*c - '0');
    }
    *out = v;
    return true;
}

static cJSON *child_of(cJSON *c, const char *tok)
{
    size_t i;

    if (cJSON_IsObject(c))
        return cJSON_GetObjectItemCaseSensitive(c, tok);
    if (cJSON_IsArray(c) && parse_index(tok, &i))
        return cJSON_GetArrayItem(c, (int)i);
    return NULL;
}

/* The container of the last token (findObject), or NULL. */
static cJSON *parent_of(cJSON *root, const struct ptr *p)
{
    cJSON *c = root;

    for (size_t i = 0; c && i + 1 < p->n; i++)
        c = child_of(c, p->tok[i]);
    return (cJSON_IsObject(c) || cJSON_IsArray(c)) ? c : NULL;
}

static cJSON *value_at(cJSON *root, const struct ptr *p)
{
    cJSON *c = root;

    for (size_t i = 0; c && i < p->n; i++)
        c = child_of(c, p->tok[i]);
    return c;
}

static const char *last(const struct ptr *p)
{
    return p->tok[p->n - 1];
}

/* cJSON_InsertItemInArray of the cJSON this builds with (1.7.15) refuses
 * to insert before an existing item: move the tail instead. */
static int array_insert(cJSON *arr, size_t idx, cJSON *val)
{
    cJSON *tail = cJSON_CreateArray();

    if (!tail) {
        cJSON_Delete(val);
        return KS_ENOMEM;
    }
    while ((size_t)cJSON_GetArraySize(arr) > idx)
        cJSON_AddItemToArray(tail, cJSON_DetachItemFromArray(arr, (int)idx));
    cJSON_AddItemToArray(arr, val);
    while (tail->child)
        cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(tail, tail->child));
    cJSON_Delete(tail);
    return 0;
}

/* Inserts val (consumed) at p; "what" names the operation in messages. */
static int do_add(struct jp *j, cJSON **root, const struct ptr *p, const char *path, cJSON *val,
                  const char *what)
{
    cJSON *con;
    size_t idx;

    if (!p->n) {
        cJSON_Delete(*root);
        *root = val;
        return 0;
    }
    con = parent_of(*root, p);
    if (!con) {
        cJSON_Delete(val);
        if (!strcmp(what, "add"))
            return jp_fail(
                j, "add operation does not apply: doc is missing path: \"%s\": missing value",
                path);
        return jp_fail(
            j, "%s operation does not apply: doc is missing destination path: %s: missing value",
            what, path);
    }
    if (cJSON_IsObject(con)) {
        cJSON *cur = cJSON_GetObjectItemCaseSensitive(con, last(p));
        if (cur)
            cJSON_ReplaceItemInObjectCaseSensitive(con, cur->string, val);
        else
            cJSON_AddItemToObject(con, last(p), val);
        return 0;
    }
    if (!strcmp(last(p), "-")) {
        cJSON_AddItemToArray(con, val);
        return 0;
    }
    if (!parse_index(last(p), &idx)) {
        cJSON_Delete(val);
        return jp_fail(j, "error in %s for path: '%s': value was not a proper array index: '%s'",
                       what, path, last(p));
    }
    if (idx > (size_t)cJSON_GetArraySize(con)) {
        cJSON_Delete(val);
        return jp_fail(j,
                       "error in %s for path: '%s': Unable to access invalid index: %zu: invalid "
                       "index referenced",
                       what, path, idx);
    }
    return array_insert(con, idx, val);
}

/* Detaches the value at p; NULL (detail set) when it is not there. */
static cJSON *do_detach(struct jp *j, cJSON *root, const struct ptr *p, const char *path,
                        const char *what)
{
    cJSON *con = p->n ? parent_of(root, p) : NULL;
    cJSON *cur = con ? child_of(con, last(p)) : NULL;

    if (!con) {
        jp_fail(j, "%s operation does not apply: doc is missing path: \"%s\": missing value", what,
                path);
        return NULL;
    }
    if (!cur) {
        if (cJSON_IsObject(con))
            jp_fail(
                j,
                "error in %s for path: '%s': Unable to remove nonexistent key: %s: missing value",
                what, path, last(p));
        else
            jp_fail(j,
                    "error in %s for path: '%s': Unable to access invalid index: %s: invalid index "
                    "referenced",
                    what, path, last(p));
        return NULL;
    }
    return cJSON_DetachItemViaPointer(con, cur);
}

static const char *op_str(const cJSON *op, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, name);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The op's "value" (a copy; JSON null when absent, as json-patch v4). */
static cJSON *op_value(const cJSON *op)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, "value");

    return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

static int apply_op(struct jp *j, cJSON **root, const cJSON *op)
{
    const char *kind = cJSON_IsObject(op) ? op_str(op, "op") : NULL;
    const char *path = cJSON_IsObject(op) ? op_str(op, "path") : NULL;
    const char *from = NULL;
    struct ptr p = {0}, f = {0};
    int rc;

    if (!kind)
        kind = "unknown";
    if (strcmp(kind, "add") && strcmp(kind, "remove") && strcmp(kind, "replace") &&
        strcmp(kind, "move") && strcmp(kind, "copy") && strcmp(kind, "test"))
        return jp_fail(j, "Unexpected kind: %s", kind);
    if (!path)
        return jp_fail(j, "%s operation failed to decode path", kind);
    rc = ptr_parse(path, &p);
    if (rc == KS_ENOMEM)
        return rc;
    if (rc)
        return jp_fail(j, "%s operation does not apply: doc is missing path: \"%s\": missing value",
                       kind, path);
    if (!strcmp(kind, "move") || !strcmp(kind, "copy")) {
        from = op_str(op, "from");
        if (!from) {
            ptr_release(&p);
            return jp_fail(j, "%s operation failed to decode from", kind);
        }
        rc = ptr_parse(from, &f);
        if (rc == KS_ENOMEM) {
            ptr_release(&p);
            return rc;
        }
        if (rc) {
            ptr_release(&p);
            return jp_fail(
                j, "%s operation does not apply: doc is missing from path: %s: missing value", kind,
                from);
        }
    }

    if (!strcmp(kind, "add")) {
        cJSON *v = op_value(op);
        rc = v ? do_add(j, root, &p, path, v, "add") : KS_ENOMEM;
    } else if (!strcmp(kind, "remove")) {
        cJSON *v = p.n ? do_detach(j, *root, &p, path, "remove") : NULL;
        if (!p.n)
            rc = jp_fail(
                j, "remove operation does not apply: doc is missing path: \"\": missing value");
        else
            rc = v ? 0 : KS_EINVALID;
        cJSON_Delete(v);
    } else if (!strcmp(kind, "replace")) {
        cJSON *con = p.n ? parent_of(*root, &p) : NULL;
        if (p.n && !con)
            rc = jp_fail(j,
                         "replace operation does not apply: doc is missing path: %s: missing value",
                         path);
        else if (p.n && !child_of(con, last(&p)))
            rc = jp_fail(
                j, "replace operation does not apply: doc is missing key: %s: missing value", path);
        else {
            cJSON *v = op_value(op);
            if (!v) {
                rc = KS_ENOMEM;
            } else if (!p.n) {
                cJSON_Delete(*root);
                *root = v;
                rc = 0;
            } else if (cJSON_IsObject(con)) {
                cJSON_ReplaceItemInObjectCaseSensitive(con, last(&p), v);
                rc = 0;
            } else {
                cJSON_ReplaceItemViaPointer(con, child_of(con, last(&p)), v);
                rc = 0;
            }
        }
    } else if (!strcmp(kind, "move")) {
        size_t fl = strlen(from);
        if (!strcmp(from, path)) {
            rc = value_at(*root, &f) ? 0
                                     : jp_fail(j,
                                               "move operation does not apply: doc is missing "
                                               "from path: %s: missing value",
                                               from);
        } else if (!f.n || (!strncmp(path, from, fl) && path[fl] == '/')) {
            rc = jp_fail(j, "move operation does not apply: cannot move %s into its own child %s",
                         from, path);
        } else if (!value_at(*root, &f)) {
            rc = jp_fail(
                j, "move operation does not apply: doc is missing from path: %s: missing value",
                from);
        } else {
            cJSON *v = do_detach(j, *root, &f, from, "move");
            rc = v ? do_add(j, root, &p, path, v, "move") : KS_EINVALID;
        }
    } else if (!strcmp(kind, "copy")) {
        cJSON *src = value_at(*root, &f);
        if (!src) {
            rc = jp_fail(
                j, "copy operation does not apply: doc is missing from path: %s: missing value",
                from);
        } else {
            cJSON *v = cJSON_Duplicate(src, true);
            rc = v ? do_add(j, root, &p, path, v, "copy") : KS_ENOMEM;
        }
    } else { /* test */
        cJSON *con = p.n ? parent_of(*root, &p) : *root;
        cJSON *cur = p.n ? (con ? child_of(con, last(&p)) : NULL) : *root;
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(op, "value");
        if (!con)
            rc = jp_fail(j, "test operation does not apply: is missing path: %s: missing value",
                         path);
        else if (!cur)
            rc = (!want || cJSON_IsNull(want))
                     ? 0
                     : jp_fail(j, "testing value %s failed: test failed", path);
        else if (!want || !ks_json_equal(cur, want))
            rc = jp_fail(j, "testing value %s failed: test failed", path);
        else
            rc = 0;
    }
    ptr_release(&p);
    ptr_release(&f);
    return rc;
}

int ks_json_patch_detail(cJSON **doc, const cJSON *ops, char *err, size_t errlen, char *detail,
                         size_t detaillen)
{
    struct jp j = {.detail = detail, .detaillen = detaillen};
    cJSON *work;
    int rc = 0;

    if (err && errlen)
        err[0] = '\0';
    if (detail && detaillen)
        detail[0] = '\0';
    if (!doc)
        return KS_EINVALID;
    if (!ops || cJSON_IsNull(ops))
        return 0;
    if (!cJSON_IsArray(ops)) {
        if (err && errlen)
            snprintf(err, errlen, "json: cannot unmarshal %s into Go value of type jsonpatch.Patch",
                     ks_json_go_type(ops));
        return KS_EBADREQ;
    }
    for (const cJSON *op = ops->child; op; op = op->next) {
        if (!cJSON_IsObject(op) && !cJSON_IsNull(op)) {
            if (err && errlen)
                snprintf(err, errlen,
                         "json: cannot unmarshal %s into Go value of type jsonpatch.Operation",
                         ks_json_go_type(op));
            return KS_EBADREQ;
        }
    }
    work = *doc ? cJSON_Duplicate(*doc, true) : cJSON_CreateNull();
    if (!work)
        return KS_ENOMEM;
    for (const cJSON *op = ops->child; op && !rc; op = op->next)
        rc = apply_op(&j, &work, op);
    if (rc) {
        cJSON_Delete(work);
        if (rc == KS_EINVALID && err && errlen)
            snprintf(err, errlen, "%s", GENERIC_422);
        else if (rc == KS_ENOMEM && err && errlen)
            snprintf(err, errlen, "out of memory");
        return rc;
    }
    cJSON_Delete(*doc);
    *doc = work;
    return 0;
}

int ks_json_patch(cJSON **doc, const cJSON *ops, char *err, size_t errlen)
{
    return ks_json_patch_detail(doc, ops, err, errlen, NULL, 0);
}
