/*
 * kubesim: LIST as the 1.26 apiserver answers it (fixtures 50-59).
 *
 * Two paths, chosen like the cacher's shouldDelegateList:
 *   - "watch cache": resourceVersion set (not Exact), no continue, and no
 *     limit unless resourceVersion is "0": every match, limit ignored;
 *   - "etcd": anything else: a consistent snapshot (the latest, an Exact
 *     resourceVersion, or a continue token's), limit and continue honoured,
 *     remainingItemCount when there is no selector.
 * A snapshot at an older resourceVersion is rebuilt from the live objects
 * by undoing the history's changes made after it.
 */
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64_encode(const unsigned char *in, size_t n, struct ebb_strbuf *out)
{
    size_t i;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        char q[4] = {b64url[v >> 18], b64url[(v >> 12) & 63], b64url[(v >> 6) & 63],
                     b64url[v & 63]};
        ebb_strbuf_add(out, q, 4);
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        char q[2] = {b64url[v >> 18], b64url[(v >> 12) & 63]};
        ebb_strbuf_add(out, q, 2);
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        char q[3] = {b64url[v >> 18], b64url[(v >> 12) & 63], b64url[(v >> 6) & 63]};
        ebb_strbuf_add(out, q, 3);
    }
}

/* Go's base64.RawURLEncoding.DecodeString; -1 and *bad on error. */
static int b64_decode(const char *s, struct ebb_strbuf *out, size_t *bad)
{
    unsigned acc = 0;
    int nbits = 0;
    size_t n = 0, i;

    for (i = 0; s[i]; i++) {
        const char *p;
        if (s[i] == '\r' || s[i] == '\n')
            continue;
        p = s[i] ? strchr(b64url, s[i]) : NULL;
        if (!p) {
            *bad = i;
            return -1;
        }
        acc = acc << 6 | (unsigned)(p - b64url);
        nbits += 6;
        n++;
        if (nbits >= 8) {
            nbits -= 8;
            ebb_strbuf_addch(out, (char)((acc >> nbits) & 0xff));
        }
    }
    if (n % 4 == 1) {
        *bad = i ? i - 1 : 0;
        return -1;
    }
    return 0;
}

/* A JSON string as Go's encoding/json writes it (HTML-safe). */
static void go_json_str(struct ebb_strbuf *sb, const char *s, size_t n)
{
    ebb_strbuf_addch(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            ebb_strbuf_addf(sb, "\\%c", c);
        else if (c == '\n')
            ebb_strbuf_adds(sb, "\\n");
        else if (c == '\r')
            ebb_strbuf_adds(sb, "\\r");
        else if (c == '\t')
            ebb_strbuf_adds(sb, "\\t");
        else if (c < 0x20 || c == '<' || c == '>' || c == '&')
            ebb_strbuf_addf(sb, "\\u%04x", c);
        else
            ebb_strbuf_addch(sb, (char)c);
    }
    ebb_strbuf_addch(sb, '"');
}

static char *encode_continue(const char *start, size_t n, long long rv)
{
    struct ebb_strbuf js = EBB_STRBUF_INIT, out = EBB_STRBUF_INIT;

    ebb_strbuf_addf(&js, "{\"v\":\"meta.k8s.io/v1\",\"rv\":%lld,\"start\":", rv);
    go_json_str(&js, start, n);
    ebb_strbuf_addch(&js, '}');
    if (ebb_strbuf_rc(&js)) {
        ebb_strbuf_release(&js);
        return NULL;
    }
    b64_encode((const unsigned char *)js.buf, js.len, &out);
    ebb_strbuf_release(&js);
    return ebb_strbuf_detach(&out, NULL);
}

static const char *json_type_name(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsBool(v))
        return "bool";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    return "null";
}

/* path.Clean("/" + start) == "/" + start */
static bool start_is_clean(const char *s, size_t n)
{
    size_t i = s[0] == '/' ? 1 : 0, seg = i;

    if (n == 1 && s[0] == '/')
        return true;
    for (; i <= n; i++) {
        if (i < n && s[i] != '/')
            continue;
        size_t len = i - seg;
        if (len == 0 || (len == 1 && s[seg] == '.') ||
            (len == 2 && s[seg] == '.' && s[seg + 1] == '.'))
            return false;
        seg = i + 1;
    }
    return true;
}

struct cont_tok {
    long long rv;
    struct ebb_strbuf start; /* may hold a NUL */
};

/* storage.DecodeContinue; message in err ("continue key is not valid: ..."). */
static int decode_continue(const char *tok, struct cont_tok *ct, struct ebb_strbuf *err)
{
    struct ebb_strbuf raw = EBB_STRBUF_INIT;
    size_t bad = 0;
    cJSON *j = NULL;
    int rc = KS_EBADREQ;

    if (b64_decode(tok, &raw, &bad)) {
        ebb_strbuf_addf(err, "continue key is not valid: illegal base64 data at input byte %zu",
                        bad);
        goto out;
    }
    if (ebb_strbuf_rc(&raw)) {
        rc = KS_ENOMEM;
        goto out;
    }
    const char *end = NULL;
    j = cJSON_ParseWithLengthOpts(raw.buf, raw.len, &end, false);
    if (!j) {
        const char *ep = cJSON_GetErrorPtr();
        if (raw.len == 0 || !ep || ep >= raw.buf + raw.len || !*ep)
            ebb_strbuf_adds(err, "continue key is not valid: unexpected end of JSON input");
        else
            ebb_strbuf_addf(err,
                            "continue key is not valid: invalid character '%c' looking for "
                            "beginning of value",
                            *ep);
        goto out;
    }
    if (!cJSON_IsObject(j)) {
        ebb_strbuf_addf(err,
                        "continue key is not valid: json: cannot unmarshal %s into Go value of "
                        "type storage.continueToken",
                        json_type_name(j));
        goto out;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "v");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "rv");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "start");
    const struct {
        const cJSON *it;
        const char *name, *type;
        bool num;
    } f[] = {{v, "v", "string", false}, {r, "rv", "int64", true}, {s, "start", "string", false}};
    for (size_t i = 0; i < 3; i++) {
        if (!f[i].it || cJSON_IsNull(f[i].it))
            continue;
        bool ok = f[i].num ? cJSON_IsNumber(f[i].it) &&
                                 f[i].it->valuedouble == (double)(long long)f[i].it->valuedouble
                           : cJSON_IsString(f[i].it);
        if (!ok) {
            ebb_strbuf_addf(err,
                            "continue key is not valid: json: cannot unmarshal %s into Go struct "
                            "field continueToken.%s of type %s",
                            json_type_name(f[i].it), f[i].name, f[i].type);
            goto out;
        }
    }
    const char *ver = cJSON_IsString(v) ? v->valuestring : "";
    if (strcmp(ver, "meta.k8s.io/v1") != 0) {
        ebb_strbuf_addf(err,
                        "continue key is not valid: server does not recognize this encoded "
                        "version \"%s\"",
                        ver);
        goto out;
    }
    ct->rv = cJSON_IsNumber(r) ? (long long)r->valuedouble : 0;
    if (ct->rv == 0) {
        ebb_strbuf_adds(err, "continue key is not valid: incorrect encoded start resourceVersion "
                             "(version meta.k8s.io/v1)");
        goto out;
    }
    const char *sv = cJSON_IsString(s) ? s->valuestring : "";
    /* cJSON ends a string at an escaped NUL; the start keys the server
     * writes end with one ("beta\u0000"), so look for it in the text. */
    size_t sl = strlen(sv);
    bool nul = cJSON_IsString(s) && strstr(raw.buf, "\\u0000\"") != NULL;
    if (sl == 0 && !nul) {
        ebb_strbuf_adds(err, "continue key is not valid: encoded start key empty (version "
                             "meta.k8s.io/v1)");
        goto out;
    }
    if (!start_is_clean(sv, sl)) {
        ebb_strbuf_addf(err, "continue key is not valid: %s", sv);
        goto out;
    }
    ebb_strbuf_add(&ct->start, sv[0] == '/' ? sv + 1 : sv, sv[0] == '/' ? sl - 1 : sl);
    if (nul)
        ebb_strbuf_addch(&ct->start, '\0');
    rc = ebb_strbuf_rc(&ct->start) ? KS_ENOMEM : KS_OK;
out:
    cJSON_Delete(j);
    ebb_strbuf_release(&raw);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Rendering and matching                                              */

/* {"kind":"X","apiVersion":"Y",...} -> {...} without parsing. */
static bool strip_fast(const char *j, size_t n, struct ebb_strbuf *out)
{
    static const char k[] = "{\"kind\":\"", a[] = "\",\"apiVersion\":\"";
    const char *p = j, *e = j + n;

    if (n < sizeof(k) || memcmp(p, k, sizeof(k) - 1) != 0)
        return false;
    p += sizeof(k) - 1;
    while (p < e && *p != '"' && *p != '\\')
        p++;
    if (e - p < (long)sizeof(a) || memcmp(p, a, sizeof(a) - 1) != 0)
        return false;
    p += sizeof(a) - 1;
    while (p < e && *p != '"' && *p != '\\')
        p++;
    if (p + 1 >= e || *p != '"')
        return false;
    p++;
    if (*p != ',' && *p != '}')
        return false;
    ebb_strbuf_addch(out, '{');
    if (*p == ',')
        p++;
    ebb_strbuf_add(out, p, (size_t)(e - p));
    return true;
}

static bool converts(const ks_rtype *view)
{
    return view && view->storage && view->to_view;
}

/* The object as the view sees it (a new tree), or NULL. */
static cJSON *view_tree(const ks_rtype *view, const struct ks_snap *s)
{
    cJSON *t = cJSON_ParseWithLength(s->obj.json, s->obj.json_len);

    if (t && converts(view)) {
        cJSON *v = view->to_view(t);
        cJSON_Delete(t);
        t = v;
    }
    return t;
}

bool ks_st_render(const ks_rtype *view, const struct ks_snap *s, bool strip, struct ebb_strbuf *out)
{
    if (!converts(view)) {
        if (!strip) {
            ebb_strbuf_add(out, s->obj.json, s->obj.json_len);
            return true;
        }
        if (strip_fast(s->obj.json, s->obj.json_len, out))
            return true;
    }
    cJSON *t = view_tree(view, s);
    if (!t)
        return false;
    if (strip) {
        cJSON_DeleteItemFromObjectCaseSensitive(t, "kind");
        cJSON_DeleteItemFromObjectCaseSensitive(t, "apiVersion");
    }
    char *j = cJSON_PrintUnformatted(t);
    cJSON_Delete(t);
    if (!j)
        return false;
    ebb_strbuf_adds(out, j);
    free(j);
    return true;
}

bool ks_st_matches(const ks_rtype *view, const struct ks_snap *s, const char *ns,
                   const ks_selector *labels, const ks_selector *fields)
{
    if (ns && *ns && s->obj.ns[0] && strcmp(ns, s->obj.ns) != 0)
        return false;
    if (!ks_selector_matches_labels(labels, s->obj.labels, s->obj.n_labels))
        return false;
    if (ks_sel_is_empty(fields))
        return true;
    if (ks_sel_fields_meta_only(fields))
        return ks_sel_match_meta(fields, s->obj.ns, s->obj.name);
    cJSON *t = view_tree(view, s);
    bool ok = t && ks_selector_matches_fields(fields, t);
    cJSON_Delete(t);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Snapshots at a resourceVersion                                      */

struct snapset {
    struct ks_snap **v;
    size_t n;
};

static size_t set_lower_bound(const struct snapset *set, const char *key, size_t len)
{
    struct ks_bucket tmp = {.objs = set->v, .n = set->n};
    return ks_st_lower_bound(&tmp, key, len);
}

/* The bucket's objects as they were at rv (0: now). */
static int snapshot_at(const ks_store *st, const struct ks_bucket *b, uint64_t rv,
                       struct snapset *out)
{
    size_t cap = (b ? b->n : 0) + 1;

    out->n = 0;
    out->v = malloc(cap * sizeof(*out->v));
    if (!out->v)
        return KS_ENOMEM;
    if (!b)
        return KS_OK;
    if (b->n)
        memcpy(out->v, b->objs, b->n * sizeof(*out->v));
    out->n = b->n;
    if (!rv || rv >= st->rv)
        return KS_OK;
    /* undo newest first: the oldest undo of a key wins */
    for (size_t i = st->hn; i-- > 0;) {
        const struct ks_hist_ev *e = ks_st_hist_at(st, i);
        if (e->rv <= rv)
            break;
        if (e->b != b)
            continue;
        size_t klen = strlen(e->cur->key);
        size_t at = set_lower_bound(out, e->cur->key, klen);
        bool found = at < out->n && strcmp(out->v[at]->key, e->cur->key) == 0;
        if (found && e->prev) {
            out->v[at] = e->prev;
        } else if (found) {
            memmove(out->v + at, out->v + at + 1, (out->n - at - 1) * sizeof(*out->v));
            out->n--;
        } else if (e->prev) {
            if (out->n == cap) {
                cap *= 2;
                struct ks_snap **nv = realloc(out->v, cap * sizeof(*nv));
                if (!nv)
                    return KS_ENOMEM;
                out->v = nv;
            }
            memmove(out->v + at + 1, out->v + at, (out->n - at) * sizeof(*out->v));
            out->v[at] = e->prev;
            out->n++;
        }
    }
    return KS_OK;
}

/* ------------------------------------------------------------------ */
/* LIST                                                                */

static const char too_old_continue[] =
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this response "
    "to retrieve the remainder of the results. Continuing with the provided token results in an "
    "inconsistent list - objects that were created, modified, or deleted between the time the "
    "first chunk was returned and now may show up in the list.";

static int validate_opts(const struct ks_list_req *q, bool has_rv, struct ebb_strbuf *e)
{
    const char *m = q->rv_match ? q->rv_match : "";
    const char *errs[4];
    size_t n = 0;
    char unsup[200];

    if (!*m)
        return KS_OK;
    if (!has_rv)
        errs[n++] = "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
                    "resourceVersion is provided";
    if (q->cont && *q->cont)
        errs[n++] = "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when "
                    "continue is provided";
    if (strcmp(m, "Exact") != 0 && strcmp(m, "NotOlderThan") != 0) {
        snprintf(unsup, sizeof(unsup),
                 "resourceVersionMatch: Unsupported value: \"%.80s\": supported values: "
                 "\"Exact\", \"NotOlderThan\", \"\"",
                 m);
        errs[n++] = unsup;
    }
    if (strcmp(m, "Exact") == 0 && has_rv && strcmp(q->rv, "0") == 0)
        errs[n++] = "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is "
                    "forbidden for resourceVersion \"0\"";
    if (!n)
        return KS_OK;
    ebb_strbuf_adds(e, "ListOptions.meta.k8s.io \"\" is invalid: ");
    if (n > 1)
        ebb_strbuf_addch(e, '[');
    for (size_t i = 0; i < n; i++)
        ebb_strbuf_addf(e, "%s%s", i ? ", " : "", errs[i]);
    if (n > 1)
        ebb_strbuf_addch(e, ']');
    return KS_EINVALID;
}

static bool parse_rv(const char *s, uint64_t *out)
{
    char *end;

    if (strcmp(s, "0") == 0) {
        *out = 0;
        return true;
    }
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno)
        return false;
    *out = v;
    return true;
}

static void add_list_head(struct ebb_strbuf *body, const ks_rtype *view, bool custom,
                          const char *av)
{
    char lk[80];

    if (view->list_kind[0])
        snprintf(lk, sizeof(lk), "%s", view->list_kind);
    else
        snprintf(lk, sizeof(lk), "%sList", view->kind);
    if (custom)
        ebb_strbuf_addf(body, "{\"apiVersion\":\"%s\",\"items\":[", av);
    else
        ebb_strbuf_addf(body, "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{", lk, av);
}

int ks_store_list(ks_store *st, const struct ks_list_req *q, struct ebb_strbuf *body,
                  char **new_continue, char *err, size_t errlen)
{
    struct ebb_strbuf e = EBB_STRBUF_INIT;
    struct cont_tok ct = {0, EBB_STRBUF_INIT};
    struct snapset set = {0};
    bool has_rv = q && q->rv && *q->rv, has_cont = q && q->cont && *q->cont;
    bool exact = q && q->rv_match && strcmp(q->rv_match, "Exact") == 0;
    bool not_older = q && q->rv_match && strcmp(q->rv_match, "NotOlderThan") == 0;
    long limit = q && q->limit > 0 ? q->limit : 0;
    uint64_t rv = 0, snap_rv = 0, ret_rv;
    int rc = KS_OK;

    if (new_continue)
        *new_continue = NULL;
    if (errlen)
        err[0] = '\0';
    if (!q || !q->view || !body)
        return KS_EINVALID;
    if ((rc = validate_opts(q, has_rv, &e)))
        goto out;
    if (has_rv && !parse_rv(q->rv, &rv)) {
        ebb_strbuf_addf(&e,
                        "invalid resource version: resourceVersion: Invalid value: \"%.100s\": "
                        "strconv.ParseUint: parsing \"%.100s\": invalid syntax",
                        q->rv, q->rv);
        rc = KS_EBADREQ;
        goto out;
    }
    bool delegate = !has_rv || has_cont || (limit > 0 && strcmp(q->rv, "0") != 0) || exact;
    if (!delegate) {
        if (rv > st->rv) {
            ebb_strbuf_addf(&e, "Too large resource version: %llu, current: %llu",
                            (unsigned long long)rv, (unsigned long long)st->rv);
            rc = KS_EIO;
            goto out;
        }
        limit = 0; /* the watch cache ignores it (fixture 52) */
    } else if (has_cont) {
        if ((rc = decode_continue(q->cont, &ct, &e))) {
            if (rc == KS_EBADREQ) {
                struct ebb_strbuf w = EBB_STRBUF_INIT;
                ebb_strbuf_addf(&w, "invalid continue token: %s", e.buf);
                ebb_strbuf_release(&e);
                e = w;
            }
            goto out;
        }
        if (has_rv && strcmp(q->rv, "0") != 0) {
            ebb_strbuf_adds(&e, "specifying resource version is not allowed when using continue");
            rc = KS_EBADREQ;
            goto out;
        }
        if (ct.rv > 0)
            snap_rv = (uint64_t)ct.rv;
    } else if (has_rv && (exact || (!not_older && limit > 0 && rv > 0))) {
        snap_rv = rv;
    }
    if (snap_rv && snap_rv < st->oldest_rv) {
        rc = KS_EGONE;
        if (has_cont) {
            ebb_strbuf_adds(&e, too_old_continue);
            if (new_continue && !(*new_continue = encode_continue(ct.start.buf, ct.start.len, -1)))
                rc = KS_ENOMEM;
        } else {
            ebb_strbuf_adds(&e, "The resourceVersion for the provided list is too old.");
        }
        goto out;
    }
    if (snap_rv > st->rv || (delegate && not_older && rv > st->rv)) {
        ebb_strbuf_addf(&e, "Too large resource version: %llu, current: %llu",
                        (unsigned long long)(snap_rv ? snap_rv : rv), (unsigned long long)st->rv);
        rc = KS_EIO;
        goto out;
    }
    ret_rv = snap_rv ? snap_rv : st->rv;

    const ks_rtype *view = q->view;
    const ks_rtype *srt = view->storage ? view->storage : view;
    bool custom = view->origin == KS_RT_CUSTOM;
    struct ks_bucket *b = ks_st_bucket(st, view, false);
    if ((rc = snapshot_at(st, b, snap_rv, &set)))
        goto out;

    /* the key range: "ns/" for one namespace, everything otherwise */
    struct ebb_strbuf prefix = EBB_STRBUF_INIT;
    if (srt->namespaced && q->ns && *q->ns)
        ebb_strbuf_addf(&prefix, "%s/", q->ns);
    size_t i;
    if (ct.start.len) {
        ebb_strbuf_add(&prefix, ct.start.buf, ct.start.len);
        i = set_lower_bound(&set, prefix.buf, prefix.len);
        prefix.len -= ct.start.len;
    } else {
        i = set_lower_bound(&set, prefix.buf, prefix.len);
    }
    char av[192];
    ks_st_api_version(view, av, sizeof(av));
    struct ebb_strbuf items = EBB_STRBUF_INIT;
    long n_items = 0;
    size_t last = 0;
    bool more = false;
    for (; i < set.n; i++) {
        struct ks_snap *s = set.v[i];
        if (prefix.len && strncmp(s->key, prefix.buf, prefix.len) != 0)
            break;
        if (limit && n_items >= limit) {
            more = true;
            break;
        }
        if (!ks_st_matches(view, s, q->ns, q->labels, q->fields))
            continue;
        if (n_items++)
            ebb_strbuf_addch(&items, ',');
        if (!ks_st_render(view, s, !custom, &items)) {
            rc = KS_ENOMEM;
            break;
        }
        last = i;
    }
    char *tok = NULL;
    size_t remaining = 0;
    if (!rc && more) {
        const char *lk = set.v[last]->key + prefix.len;
        struct ebb_strbuf start = EBB_STRBUF_INIT;
        ebb_strbuf_adds(&start, lk);
        ebb_strbuf_addch(&start, '\0');
        tok =
            ebb_strbuf_rc(&start) ? NULL : encode_continue(start.buf, start.len, (long long)ret_rv);
        ebb_strbuf_release(&start);
        if (!tok)
            rc = KS_ENOMEM;
        for (size_t k = last + 1; k < set.n; k++) {
            if (prefix.len && strncmp(set.v[k]->key, prefix.buf, prefix.len) != 0)
                break;
            remaining++;
        }
    }
    bool count = ks_sel_is_empty(q->labels) && ks_sel_is_empty(q->fields);
    if (!rc) {
        add_list_head(body, view, custom, av);
        if (custom) {
            ebb_strbuf_add(body, items.buf, items.len);
            ebb_strbuf_addf(body, "],\"kind\":\"%s%s\",\"metadata\":{\"continue\":\"%s\",",
                            view->list_kind[0] ? view->list_kind : view->kind,
                            view->list_kind[0] ? "" : "List", tok ? tok : "");
            if (tok && count)
                ebb_strbuf_addf(body, "\"remainingItemCount\":%zu,", remaining);
            ebb_strbuf_addf(body, "\"resourceVersion\":\"%llu\"}}", (unsigned long long)ret_rv);
        } else {
            ebb_strbuf_addf(body, "\"resourceVersion\":\"%llu\"", (unsigned long long)ret_rv);
            if (tok)
                ebb_strbuf_addf(body, ",\"continue\":\"%s\"", tok);
            if (tok && count)
                ebb_strbuf_addf(body, ",\"remainingItemCount\":%zu", remaining);
            ebb_strbuf_adds(body, "},\"items\":[");
            ebb_strbuf_add(body, items.buf, items.len);
            ebb_strbuf_adds(body, "]}");
        }
        if (ebb_strbuf_rc(body) || ebb_strbuf_rc(&items))
            rc = KS_ENOMEM;
    }
    free(tok);
    ebb_strbuf_release(&items);
    ebb_strbuf_release(&prefix);
out:
    if (rc == KS_ENOMEM && !e.len)
        ebb_strbuf_adds(&e, "out of memory");
    if (errlen)
        snprintf(err, errlen, "%s", e.buf);
    ebb_strbuf_release(&e);
    ebb_strbuf_release(&ct.start);
    free(set.v);
    return rc;
}
