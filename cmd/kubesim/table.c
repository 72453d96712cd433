/*
 * kubesim: meta.k8s.io Tables -- the Accept negotiation, the Table
 * document (apiserver's handlers/response.go asTable, the printers'
 * TableGenerator, apiextensions' tableconvertor for custom resources)
 * and watch events as Tables.
 */
#include "table.h"

#include "api_internal.h"
#include "table_cells.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* Negotiation                                                         */

static void trim(const char **p, const char **end)
{
    while (*p < *end && (**p == ' ' || **p == '\t'))
        (*p)++;
    while (*end > *p && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
        (*end)--;
}

/* Value of parameter name in ";a=b;c=d" between p and end; false when absent. */
static bool media_param(const char *p, const char *end, const char *name, char *out, size_t cap)
{
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *pe = semi ? semi : end, *ps = p;
        trim(&ps, &pe);
        const char *eq = memchr(ps, '=', (size_t)(pe - ps));
        if (eq) {
            const char *ks = ps, *ke = eq, *vs = eq + 1, *ve = pe;
            trim(&ks, &ke);
            trim(&vs, &ve);
            if ((size_t)(ke - ks) == strlen(name) && strncasecmp(ks, name, strlen(name)) == 0) {
                size_t len = (size_t)(ve - vs);
                if (len >= cap)
                    len = cap - 1;
                memcpy(out, vs, len);
                out[len] = '\0';
                return true;
            }
        }
        p = semi ? semi + 1 : end;
    }
    return false;
}

/* 1: this Accept clause asks for a Table we can serve (version in ver);
 * 0: plain JSON; -1: a clause we cannot serve (skip it). */
static int clause_kind(const char *p, const char *end, char *ver, size_t cap)
{
    const char *semi = memchr(p, ';', (size_t)(end - p));
    const char *ms = p, *me = semi ? semi : end;
    char as[64], g[64];

    trim(&ms, &me);
    size_t ml = (size_t)(me - ms);
    bool json = (ml == 16 && strncasecmp(ms, "application/json", 16) == 0) ||
                (ml == 3 && strncmp(ms, "*/*", 3) == 0) ||
                (ml == 13 && strncasecmp(ms, "application/*", 13) == 0);
    if (!json)
        return -1;
    if (!semi || !media_param(semi + 1, end, "as", as, sizeof(as)))
        return 0;
    if (strcmp(as, "Table") != 0)
        return -1;
    if (!media_param(semi + 1, end, "g", g, sizeof(g)) || strcmp(g, "meta.k8s.io") != 0)
        return -1;
    if (!media_param(semi + 1, end, "v", ver, cap) ||
        (strcmp(ver, "v1") != 0 && strcmp(ver, "v1beta1") != 0))
        return -1;
    return 1;
}

int ks_table_request(const ks_req *req, ks_resp *resp, struct ks_table_opts *o)
{
    const char *accept = ks_req_header(req, "Accept");
    char ver[32] = "";
    int want = 0;

    memset(o, 0, sizeof(*o));
    for (const char *p = accept; p && *p;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        int k = clause_kind(p, end, ver, sizeof(ver));
        if (k >= 0) {
            want = k;
            break;
        }
        p = comma ? comma + 1 : NULL;
    }
    if (!want)
        return 0;
    snprintf(o->api_version, sizeof(o->api_version), "meta.k8s.io/%s", ver);
    const char *inc = ks_req_query(req, "includeObject");
    if (!inc || !*inc || strcmp(inc, "Metadata") == 0) {
        o->include = KS_TABLE_METADATA;
    } else if (strcmp(inc, "None") == 0) {
        o->include = KS_TABLE_NONE;
    } else if (strcmp(inc, "Object") == 0) {
        o->include = KS_TABLE_OBJECT;
    } else {
        char msg[400];
        snprintf(msg, sizeof(msg),
                 "Unable to convert to Table as requested: includeObject: Unsupported value: "
                 "\"%.100s\": supported values: \"\", \"Metadata\", \"None\", \"Object\"",
                 inc);
        ks_status_fail(resp, 400, "BadRequest", msg, NULL);
        return -1;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Types                                                               */

int ks_table_kind_from_crd(const ks_rtype *rt, const cJSON *crd, struct ks_table_kind *k)
{
    const ks_rtype *srt = rt->storage ? rt->storage : rt;
    const cJSON *v;

    memset(k, 0, sizeof(*k));
    snprintf(k->group, sizeof(k->group), "%s", srt->group);
    snprintf(k->kind, sizeof(k->kind), "%s", srt->kind);
    k->custom = rt->origin == KS_RT_CUSTOM;
    k->from_view = rt->storage ? rt->from_view : NULL;
    if (!k->custom || !crd)
        return KS_OK;
    cJSON_ArrayForEach(v, ks_json_path(crd, "spec.versions"))
    {
        const char *name = ks_json_str(v, "name");
        const cJSON *cols = cJSON_GetObjectItemCaseSensitive(v, "additionalPrinterColumns");
        if (!name || strcmp(name, rt->version) != 0)
            continue;
        if (cJSON_IsArray(cols) && cJSON_GetArraySize(cols) > 0) {
            k->columns = cJSON_Duplicate(cols, true);
            if (!k->columns)
                return KS_ENOMEM;
        }
        break;
    }
    return KS_OK;
}

int ks_table_kind_init(ks_sim *s, const ks_rtype *rt, struct ks_table_kind *k)
{
    cJSON *crd = NULL;

    if (rt->origin == KS_RT_CUSTOM && rt->crd_name[0] && s && s->reg && s->store) {
        const ks_rtype *crt =
            ks_registry_find(s->reg, "apiextensions.k8s.io", "v1", "customresourcedefinitions");
        const ks_obj *o = crt ? ks_store_get(s->store, crt, "", rt->crd_name) : NULL;
        if (o)
            crd = cJSON_ParseWithLength(o->json, o->json_len);
    }
    int rc = ks_table_kind_from_crd(rt, crd, k);
    cJSON_Delete(crd);
    return rc;
}

void ks_table_kind_release(struct ks_table_kind *k)
{
    if (!k)
        return;
    cJSON_Delete(k->columns);
    k->columns = NULL;
}

/* ------------------------------------------------------------------ */
/* Custom resource columns                                             */

static cJSON *column_def(const char *name, const char *type, const char *format, const char *desc,
                         double priority)
{
    cJSON *c = cJSON_CreateObject();

    if (!c)
        return NULL;
    if (!cJSON_AddStringToObject(c, "name", name ? name : "") ||
        !cJSON_AddStringToObject(c, "type", type ? type : "") ||
        !cJSON_AddStringToObject(c, "format", format ? format : "") ||
        !cJSON_AddStringToObject(c, "description", desc ? desc : "") ||
        !cJSON_AddNumberToObject(c, "priority", priority)) {
        cJSON_Delete(c);
        return NULL;
    }
    return c;
}

static cJSON *custom_headers(const struct ks_table_kind *k)
{
    cJSON *defs = cJSON_CreateArray(), *c;

    if (!defs)
        return NULL;
    c = column_def("Name", "string", "name", ks_table_desc_name, 0);
    if (!c)
        goto fail;
    cJSON_AddItemToArray(defs, c);
    if (!k->columns) {
        c = column_def("Age", "date", "", ks_table_desc_created, 0);
        if (!c)
            goto fail;
        cJSON_AddItemToArray(defs, c);
        return defs;
    }
    const cJSON *col;
    cJSON_ArrayForEach(col, k->columns)
    {
        const char *path = ks_json_str(col, "jsonPath");
        const char *desc = ks_json_str(col, "description");
        char dflt[600];
        snprintf(dflt, sizeof(dflt), "Custom resource definition column (in JSONPath format): %s",
                 path ? path : "");
        c = column_def(ks_json_str(col, "name"), ks_json_str(col, "type"),
                       ks_json_str(col, "format"), desc && *desc ? desc : dflt,
                       (double)ks_tc_int(col, "priority", 0));
        if (!c)
            goto fail;
        cJSON_AddItemToArray(defs, c);
    }
    return defs;
fail:
    cJSON_Delete(defs);
    return NULL;
}

/* fmt.Sprint of a float64 (%v): shortest digits, %e form when the
 * exponent is < -4 or >= 21. */
static void go_float(double d, char *out, size_t cap)
{
    char buf[40];
    int prec;

    if (d == floor(d) && fabs(d) < 1e21) {
        snprintf(out, cap, "%.0f", d);
        return;
    }
    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    int exp10 = (int)floor(log10(fabs(d)));
    if (exp10 < -4 || exp10 >= 21) {
        char *e = strchr(buf, 'e');
        int ex = e ? (int)strtol(e + 1, NULL, 10) : 0;
        if (e)
            *e = '\0';
        snprintf(out, cap, "%se%c%02d", buf, ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
    } else {
        snprintf(out, cap, "%.*f", prec - 1 - exp10 > 0 ? prec - 1 - exp10 : 0, d);
    }
}

/* A cell of a custom column, as tableconvertor's cellForJSONValue /
 * jsonpath PrintResults produce it. */
static cJSON *custom_cell(const cJSON *col, const cJSON *item, double now)
{
    const char *type = ks_json_str(col, "type");
    bool bad = false;
    const cJSON *v = ks_table_jsonpath(item, ks_json_str(col, "jsonPath"), &bad);
    char buf[64];

    if (bad || !v || cJSON_IsNull(v))
        return cJSON_CreateNull();
    type = type ? type : "";
    if (strcmp(type, "string") == 0) {
        if (cJSON_IsString(v))
            return cJSON_CreateString(v->valuestring);
        if (cJSON_IsBool(v))
            return cJSON_CreateString(cJSON_IsTrue(v) ? "true" : "false");
        if (cJSON_IsNumber(v)) {
            go_float(v->valuedouble, buf, sizeof(buf));
            return cJSON_CreateString(buf);
        }
        char *txt = cJSON_PrintUnformatted(v);
        if (!txt)
            return NULL;
        cJSON *c = cJSON_CreateString(txt);
        free(txt);
        return c;
    }
    if (strcmp(type, "integer") == 0 && cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
        fabs(v->valuedouble) < 9.2e18)
        return cJSON_CreateNumber(trunc(v->valuedouble));
    if (strcmp(type, "number") == 0 && cJSON_IsNumber(v))
        return cJSON_CreateNumber(v->valuedouble);
    if (strcmp(type, "boolean") == 0 && cJSON_IsBool(v))
        return cJSON_CreateBool(cJSON_IsTrue(v));
    if (strcmp(type, "date") == 0 && cJSON_IsString(v)) {
        double t;
        if (!*v->valuestring)
            return cJSON_CreateString("<unknown>");
        if (!ks_table_parse_time(v->valuestring, &t))
            return cJSON_CreateString("<invalid>");
        ks_table_human_duration(now - t, buf, sizeof(buf));
        return cJSON_CreateString(buf);
    }
    return cJSON_CreateNull();
}

static int custom_cells(const struct ks_table_kind *k, const cJSON *item, double now, cJSON *cells)
{
    struct ks_tcells r = {cells, false};
    const cJSON *col;
    static const char age[] = "{\"name\":\"Age\",\"type\":\"date\","
                              "\"jsonPath\":\".metadata.creationTimestamp\"}";

    ks_tc_str(&r, ks_json_str(item, "metadata.name"));
    if (!k->columns) {
        cJSON *c = cJSON_Parse(age);
        cJSON *cell = c ? custom_cell(c, item, now) : NULL;
        cJSON_Delete(c);
        if (!cell)
            return KS_ENOMEM;
        cJSON_AddItemToArray(cells, cell);
        return r.oom ? KS_ENOMEM : 0;
    }
    cJSON_ArrayForEach(col, k->columns)
    {
        cJSON *cell = custom_cell(col, item, now);
        if (!cell)
            return KS_ENOMEM;
        cJSON_AddItemToArray(cells, cell);
    }
    return r.oom ? KS_ENOMEM : 0;
}

/* ------------------------------------------------------------------ */
/* The Table                                                           */

static cJSON *builtin_headers(const struct ks_table_printer *p)
{
    cJSON *defs = cJSON_CreateArray();

    for (size_t i = 0; defs && i < p->n_cols; i++) {
        const struct ks_table_col *c = &p->cols[i];
        cJSON *d = column_def(c->name, c->type, c->format, c->description, c->priority);
        if (!d) {
            cJSON_Delete(defs);
            return NULL;
        }
        cJSON_AddItemToArray(defs, d);
    }
    return defs;
}

/* The whole object with kind and apiVersion first, as Go's TypeMeta;
 * list items carry none, the server sets them from the list's. */
static cJSON *full_object(const cJSON *item, const cJSON *list)
{
    const char *kind = ks_json_str(item, "kind"), *av = ks_json_str(item, "apiVersion");
    const char *lk = ks_json_str(list, "kind");
    char lkind[96] = "";
    cJSON *obj = cJSON_CreateObject();
    const cJSON *c;
    bool ok = obj != NULL;

    if (!kind && lk && strlen(lk) > 4 && strcmp(lk + strlen(lk) - 4, "List") == 0) {
        snprintf(lkind, sizeof(lkind), "%.*s", (int)(strlen(lk) - 4), lk);
        kind = lkind;
    }
    if (!av)
        av = ks_json_str(list, "apiVersion");
    if (ok && kind)
        ok = cJSON_AddStringToObject(obj, "kind", kind) != NULL;
    if (ok && av)
        ok = cJSON_AddStringToObject(obj, "apiVersion", av) != NULL;
    for (c = item ? item->child : NULL; ok && c; c = c->next) {
        if (!c->string || strcmp(c->string, "kind") == 0 || strcmp(c->string, "apiVersion") == 0)
            continue;
        cJSON *dup = cJSON_Duplicate(c, true);
        ok = dup != NULL;
        if (ok)
            cJSON_AddItemToObject(obj, c->string, dup);
    }
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

/* row.object for an item: PartialObjectMetadata, the object, or null. */
static cJSON *row_object(const cJSON *item, const cJSON *list, const struct ks_table_opts *o)
{
    if (o->include == KS_TABLE_NONE)
        return cJSON_CreateNull();
    if (o->include == KS_TABLE_OBJECT)
        return full_object(item, list);
    cJSON *p = cJSON_CreateObject();
    if (!p)
        return NULL;
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(item, "metadata");
    cJSON *mdc = md ? cJSON_Duplicate(md, true) : cJSON_CreateObject();
    if (!cJSON_AddStringToObject(p, "kind", "PartialObjectMetadata") ||
        !cJSON_AddStringToObject(p, "apiVersion", o->api_version) || !mdc) {
        cJSON_Delete(mdc);
        cJSON_Delete(p);
        return NULL;
    }
    cJSON_AddItemToObject(p, "metadata", mdc);
    return p;
}

static cJSON *make_row(const struct ks_table_kind *k, const struct ks_table_printer *pr,
                       const cJSON *item, const cJSON *list, const struct ks_table_opts *o)
{
    cJSON *row = cJSON_CreateObject(), *cells = cJSON_CreateArray(), *conds = NULL;
    cJSON *printed = NULL;
    int rc;

    if (!row || !cells)
        goto fail;
    cJSON_AddItemToObject(row, "cells", cells);
    if (k->custom) {
        rc = custom_cells(k, item, o->now, cells);
    } else {
        const cJSON *src = item;
        if (k->from_view) {
            printed = k->from_view(item);
            if (printed)
                src = printed;
        }
        rc = pr->cells(src, o->now, cells, &conds);
        cJSON_Delete(printed);
    }
    if (rc != 0)
        goto fail;
    if (conds)
        cJSON_AddItemToObject(row, "conditions", conds);
    conds = NULL;
    cJSON *obj = row_object(item, list, o);
    if (!obj)
        goto fail;
    cJSON_AddItemToObject(row, "object", obj);
    return row;
fail:
    cJSON_Delete(conds);
    cJSON_Delete(row);
    return NULL;
}

cJSON *ks_table_convert(const struct ks_table_kind *k, const cJSON *doc,
                        const struct ks_table_opts *o)
{
    const struct ks_table_printer *pr = NULL;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
    bool list = cJSON_IsArray(items);
    cJSON *t = cJSON_CreateObject(), *tmd, *rows;

    if (!t)
        return NULL;
    if (!k->custom) {
        pr = ks_table_printer_find(k->group, k->kind);
        if (!pr)
            pr = &ks_table_default_printer;
    }
    if (!cJSON_AddStringToObject(t, "kind", "Table") ||
        !cJSON_AddStringToObject(t, "apiVersion",
                                 o->api_version[0] ? o->api_version : "meta.k8s.io/v1") ||
        !(tmd = cJSON_AddObjectToObject(t, "metadata")))
        goto fail;
    const char *rv = ks_json_str(md, "resourceVersion");
    if (rv && *rv && !cJSON_AddStringToObject(tmd, "resourceVersion", rv))
        goto fail;
    if (list) {
        const char *cont = ks_json_str(md, "continue");
        const cJSON *rem = cJSON_GetObjectItemCaseSensitive(md, "remainingItemCount");
        if (cont && *cont && !cJSON_AddStringToObject(tmd, "continue", cont))
            goto fail;
        if (cJSON_IsNumber(rem) &&
            !cJSON_AddNumberToObject(tmd, "remainingItemCount", rem->valuedouble))
            goto fail;
    }
    if (o->no_headers) {
        if (!cJSON_AddNullToObject(t, "columnDefinitions"))
            goto fail;
    } else {
        cJSON *defs = k->custom ? custom_headers(k) : builtin_headers(pr);
        if (!defs)
            goto fail;
        cJSON_AddItemToObject(t, "columnDefinitions", defs);
    }
    if (!(rows = cJSON_AddArrayToObject(t, "rows")))
        goto fail;
    if (list) {
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            cJSON *row = make_row(k, pr, it, doc, o);
            if (!row)
                goto fail;
            cJSON_AddItemToArray(rows, row);
        }
    } else if (cJSON_IsObject(doc)) {
        cJSON *row = make_row(k, pr, doc, NULL, o);
        if (!row)
            goto fail;
        cJSON_AddItemToArray(rows, row);
    }
    return t;
fail:
    cJSON_Delete(t);
    return NULL;
}

void ks_table_send_doc(ks_sim *s, const ks_rtype *rt, const cJSON *doc,
                       const struct ks_table_opts *o, ks_resp *resp)
{
    struct ks_table_kind k;
    struct ks_table_opts opts = *o;
    cJSON *t = NULL;

    if (opts.now == 0 && s)
        opts.now = ks_now(s);
    if (ks_table_kind_init(s, rt, &k) == 0)
        t = ks_table_convert(&k, doc, &opts);
    ks_table_kind_release(&k);
    if (!t) {
        ks_status_fail(resp, 500, "InternalError",
                       "Internal error occurred: unable to convert to Table", NULL);
        return;
    }
    snprintf(resp->content_type, sizeof(resp->content_type), "application/json");
    ks_resp_json(resp, 200, t);
    cJSON_Delete(t);
}

void ks_table_send(ks_sim *s, const ks_rtype *rt, const char *json, size_t len,
                   const struct ks_table_opts *o, ks_resp *resp)
{
    cJSON *doc = json ? cJSON_ParseWithLength(json, len) : NULL;

    if (!doc) {
        ks_status_fail(resp, 500, "InternalError",
                       "Internal error occurred: unable to convert to Table", NULL);
        return;
    }
    ks_table_send_doc(s, rt, doc, o, resp);
    cJSON_Delete(doc);
}

void ks_table_send_obj(ks_sim *s, const ks_rtype *rt, const ks_obj *obj,
                       const struct ks_table_opts *o, ks_resp *resp)
{
    cJSON *doc = rt->storage && rt->to_view ? api_view_of(rt, obj) : api_parse_obj(obj);

    if (!doc) {
        ks_status_fail(resp, 500, "InternalError",
                       "Internal error occurred: unable to convert to Table", NULL);
        return;
    }
    ks_table_send_doc(s, rt, doc, o, resp);
    cJSON_Delete(doc);
}

/* ------------------------------------------------------------------ */
/* Watch                                                               */

struct ks_table_watch {
    ks_sim *s;
    struct ks_table_kind kind;
    struct ks_table_opts opts;
};

ks_table_watch *ks_table_watch_new(ks_sim *s, const ks_rtype *rt, const struct ks_table_opts *o)
{
    ks_table_watch *w = calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->s = s;
    w->opts = *o;
    if (ks_table_kind_init(s, rt, &w->kind) != 0) {
        free(w);
        return NULL;
    }
    return w;
}

void ks_table_watch_free(ks_table_watch *w)
{
    if (!w)
        return;
    ks_table_kind_release(&w->kind);
    free(w);
}

int ks_table_watch_event(ks_table_watch *w, const char *d, size_t n, struct ebb_strbuf *out)
{
    cJSON *ev = d ? cJSON_ParseWithLength(d, n) : NULL;
    cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
    const char *kind = ks_json_str(obj, "kind");
    int rc = KS_OK;

    ebb_strbuf_reset(out);
    if (!cJSON_IsObject(obj) || (kind && strcmp(kind, "Status") == 0)) {
        ebb_strbuf_add(out, d, n);
        rc = ev ? KS_OK : KS_EINVALID;
    } else {
        struct ks_table_opts o = w->opts;
        if (o.now == 0 && w->s)
            o.now = ks_now(w->s);
        cJSON *t = ks_table_convert(&w->kind, obj, &o);
        char *txt = NULL;
        if (t) {
            cJSON_ReplaceItemInObjectCaseSensitive(ev, "object", t);
            txt = cJSON_PrintUnformatted(ev);
        }
        if (!txt) {
            ebb_strbuf_add(out, d, n);
            rc = KS_ENOMEM;
        } else {
            ebb_strbuf_adds(out, txt);
            ebb_strbuf_addch(out, '\n');
            free(txt);
        }
    }
    w->opts.no_headers = true;
    cJSON_Delete(ev);
    if (ebb_strbuf_rc(out) != EBB_OK)
        return KS_ENOMEM;
    return rc;
}
