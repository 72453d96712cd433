/*
 * kubesim: the real apiserver's validation vocabulary -- field.Error
 * bodies ("Invalid value: ...: detail"), Go value rendering, and the
 * name/label rules of k8s.io/apimachinery/pkg/util/validation, with
 * their messages word for word.
 */
#include "builtins.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_MAX 63
#define SUBDOMAIN_MAX 253
#define ANNOTATIONS_MAX 262144

static const char dns1123_label_msg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
static const char dns1123_subdomain_msg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
static const char dns1035_label_msg[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
static const char qualified_name_msg[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
static const char label_value_msg[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/* ------------------------------------------------------------------ */
/* Rendering                                                           */

void ks_bi_go_quote(struct ebb_strbuf *sb, const char *s)
{
    ebb_strbuf_addch(sb, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"':
            ebb_strbuf_adds(sb, "\\\"");
            break;
        case '\\':
            ebb_strbuf_adds(sb, "\\\\");
            break;
        case '\n':
            ebb_strbuf_adds(sb, "\\n");
            break;
        case '\r':
            ebb_strbuf_adds(sb, "\\r");
            break;
        case '\t':
            ebb_strbuf_adds(sb, "\\t");
            break;
        case '\a':
            ebb_strbuf_adds(sb, "\\a");
            break;
        case '\b':
            ebb_strbuf_adds(sb, "\\b");
            break;
        case '\f':
            ebb_strbuf_adds(sb, "\\f");
            break;
        case '\v':
            ebb_strbuf_adds(sb, "\\v");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                ebb_strbuf_addf(sb, "\\x%02x", *p);
            else
                ebb_strbuf_addch(sb, (char)*p);
        }
    }
    ebb_strbuf_addch(sb, '"');
}

/* The keys of a map object, sorted (Go prints maps sorted); NULL + 0 for
 * an empty one. Caller frees the array only. */
static const cJSON **sorted_items(const cJSON *map, size_t *n)
{
    size_t cnt = (size_t)cJSON_GetArraySize(map), i = 0;
    const cJSON **v;
    const cJSON *it;

    *n = 0;
    if (!cJSON_IsObject(map) || cnt == 0)
        return NULL;
    v = malloc(cnt * sizeof(*v));
    if (!v)
        return NULL;
    cJSON_ArrayForEach(it, map) v[i++] = it;
    /* sort by key: item->string is the first member we compare */
    for (size_t a = 1; a < cnt; a++) {
        const cJSON *x = v[a];
        size_t b = a;
        while (b > 0 && strcmp(v[b - 1]->string, x->string) > 0) {
            v[b] = v[b - 1];
            b--;
        }
        v[b] = x;
    }
    *n = cnt;
    return v;
}

static void render_scalar(struct ebb_strbuf *sb, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        ks_bi_go_quote(sb, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e18)
            ebb_strbuf_addf(sb, "%lld", (long long)v->valuedouble);
        else
            ebb_strbuf_addf(sb, "%g", v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        ebb_strbuf_adds(sb, cJSON_IsTrue(v) ? "true" : "false");
    } else {
        ebb_strbuf_adds(sb, "null");
    }
}

void ks_bi_render_map(struct ebb_strbuf *sb, const cJSON *map)
{
    size_t n;
    const cJSON **items;

    if (!cJSON_IsObject(map)) {
        ebb_strbuf_adds(sb, "map[string]string(nil)");
        return;
    }
    items = sorted_items(map, &n);
    ebb_strbuf_adds(sb, "map[string]string{");
    for (size_t i = 0; i < n; i++) {
        if (i)
            ebb_strbuf_adds(sb, ", ");
        ks_bi_go_quote(sb, items[i]->string);
        ebb_strbuf_addch(sb, ':');
        render_scalar(sb, items[i]);
    }
    ebb_strbuf_addch(sb, '}');
    free(items);
}

void ks_bi_render_selector(struct ebb_strbuf *sb, const cJSON *sel)
{
    const cJSON *exprs = cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions");
    const cJSON *e;
    int i = 0;

    ebb_strbuf_adds(sb, "v1.LabelSelector{MatchLabels:");
    ks_bi_render_map(sb, cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"));
    ebb_strbuf_adds(sb, ", MatchExpressions:");
    if (!cJSON_IsArray(exprs)) {
        ebb_strbuf_adds(sb, "[]v1.LabelSelectorRequirement(nil)}");
        return;
    }
    ebb_strbuf_adds(sb, "[]v1.LabelSelectorRequirement{");
    cJSON_ArrayForEach(e, exprs)
    {
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(e, "values");
        const cJSON *v;
        int j = 0;
        if (i++)
            ebb_strbuf_adds(sb, ", ");
        ebb_strbuf_adds(sb, "v1.LabelSelectorRequirement{Key:");
        ks_bi_go_quote(sb, ks_json_str(e, "key"));
        ebb_strbuf_adds(sb, ", Operator:");
        ks_bi_go_quote(sb, ks_json_str(e, "operator"));
        ebb_strbuf_adds(sb, ", Values:");
        if (!cJSON_IsArray(vals)) {
            ebb_strbuf_adds(sb, "[]string(nil)}");
            continue;
        }
        ebb_strbuf_adds(sb, "[]string{");
        cJSON_ArrayForEach(v, vals)
        {
            if (j++)
                ebb_strbuf_adds(sb, ", ");
            render_scalar(sb, v);
        }
        ebb_strbuf_adds(sb, "}}");
    }
    ebb_strbuf_addch(sb, '}');
    ebb_strbuf_addch(sb, '}');
}

/* ------------------------------------------------------------------ */
/* Causes                                                              */

void ks_bi_required(struct ks_causes *c, const char *field, const char *detail)
{
    if (detail && *detail)
        ks_causes_add(c, "FieldValueRequired", field, "Required value: %s", detail);
    else
        ks_causes_add(c, "FieldValueRequired", field, "Required value");
}

void ks_bi_forbidden(struct ks_causes *c, const char *field, const char *detail)
{
    if (detail && *detail)
        ks_causes_add(c, "FieldValueForbidden", field, "Forbidden: %s", detail);
    else
        ks_causes_add(c, "FieldValueForbidden", field, "Forbidden");
}

void ks_bi_invalid_raw(struct ks_causes *c, const char *field, const char *value,
                       const char *detail)
{
    if (detail && *detail)
        ks_causes_add(c, "FieldValueInvalid", field, "Invalid value: %s: %s", value, detail);
    else
        ks_causes_add(c, "FieldValueInvalid", field, "Invalid value: %s", value);
}

void ks_bi_invalid_str(struct ks_causes *c, const char *field, const char *value,
                       const char *detail)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;

    ks_bi_go_quote(&sb, value);
    ks_bi_invalid_raw(c, field, sb.buf, detail);
    ebb_strbuf_release(&sb);
}

void ks_bi_invalid_num(struct ks_causes *c, const char *field, double value, const char *detail)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    cJSON n;

    memset(&n, 0, sizeof(n));
    n.type = cJSON_Number;
    n.valuedouble = value;
    render_scalar(&sb, &n);
    ks_bi_invalid_raw(c, field, sb.buf, detail);
    ebb_strbuf_release(&sb);
}

void ks_bi_not_supported(struct ks_causes *c, const char *field, const char *value,
                         const char *const *supported)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;

    ebb_strbuf_adds(&sb, "Unsupported value: ");
    ks_bi_go_quote(&sb, value);
    if (supported && *supported) {
        ebb_strbuf_adds(&sb, ": supported values: ");
        for (int i = 0; supported[i]; i++) {
            if (i)
                ebb_strbuf_adds(&sb, ", ");
            ks_bi_go_quote(&sb, supported[i]);
        }
    }
    ks_causes_add(c, "FieldValueNotSupported", field, "%s", sb.buf);
    ebb_strbuf_release(&sb);
}

void ks_bi_duplicate(struct ks_causes *c, const char *field, const char *value)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;

    ks_bi_go_quote(&sb, value);
    ks_causes_add(c, "FieldValueDuplicate", field, "Duplicate value: %s", sb.buf);
    ebb_strbuf_release(&sb);
}

bool ks_bi_int(const cJSON *obj, const char *dotted, long long *out)
{
    const cJSON *v = ks_json_path(obj, dotted);

    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        fabs(v->valuedouble) > 9.2e18)
        return false;
    *out = (long long)v->valuedouble;
    return true;
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

static void msg_add(struct ks_bi_msgs *m, const char *prefix, const char *msg)
{
    if (m->n < 4)
        snprintf(m->v[m->n++], sizeof(m->v[0]), "%s%s", prefix, msg);
}

static bool is_lower_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) (first: [a-z] for 1035) */
static bool label_ok(const char *s, size_t n, bool dns1035)
{
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return false;
    if (dns1035 && !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool subdomain_ok(const char *s)
{
    const char *p = s;

    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!label_ok(p, n, false))
            return false;
        if (!dot)
            return true;
        p = dot + 1;
    }
}

void ks_bi_name_msgs(enum ks_bi_name kind, const char *value, bool prefix, struct ks_bi_msgs *m)
{
    char buf[512];
    const char *v = value ? value : "";
    size_t n = strlen(v);

    m->n = 0;
    if (prefix && n > 1 && v[n - 1] == '-' && n < sizeof(buf)) {
        memcpy(buf, v, n + 1);
        buf[n - 1] = 'a'; /* maskTrailingDash */
        v = buf;
    }
    switch (kind) {
    case KS_BI_SUBDOMAIN:
        if (n > SUBDOMAIN_MAX)
            msg_add(m, "", "must be no more than 253 characters");
        if (!subdomain_ok(v))
            msg_add(m, "", dns1123_subdomain_msg);
        break;
    case KS_BI_LABEL:
        if (n > LABEL_MAX)
            msg_add(m, "", "must be no more than 63 characters");
        if (!label_ok(v, n, false))
            msg_add(m, "", dns1123_label_msg);
        break;
    case KS_BI_DNS1035:
        if (n > LABEL_MAX)
            msg_add(m, "", "must be no more than 63 characters");
        if (!label_ok(v, n, true))
            msg_add(m, "", dns1035_label_msg);
        break;
    case KS_BI_NONE:
        break;
    }
}

static bool is_alnum(char ch)
{
    return isalnum((unsigned char)ch) != 0;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool qname_ok(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

void ks_bi_qualified_name_msgs(const char *value, struct ks_bi_msgs *m)
{
    const char *v = value ? value : "";
    const char *slash = strchr(v, '/');
    const char *name = v;

    m->n = 0;
    if (slash && strchr(slash + 1, '/')) {
        msg_add(m, "a qualified name ", qualified_name_msg);
        /* the server appends its prefix hint to this one message */
        size_t len = strlen(m->v[0]);
        snprintf(m->v[0] + len, sizeof(m->v[0]) - len, "%s",
                 " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
        return;
    }
    if (slash) {
        char prefix[300];
        size_t pn = (size_t)(slash - v);
        name = slash + 1;
        if (pn == 0) {
            msg_add(m, "prefix part ", "must be non-empty");
        } else if (pn >= sizeof(prefix)) {
            msg_add(m, "prefix part ", "must be no more than 253 characters");
        } else {
            struct ks_bi_msgs pm;
            memcpy(prefix, v, pn);
            prefix[pn] = '\0';
            ks_bi_name_msgs(KS_BI_SUBDOMAIN, prefix, false, &pm);
            for (int i = 0; i < pm.n; i++)
                msg_add(m, "prefix part ", pm.v[i]);
        }
    }
    size_t n = strlen(name);
    if (n == 0)
        msg_add(m, "name part ", "must be non-empty");
    else if (n > LABEL_MAX)
        msg_add(m, "name part ", "must be no more than 63 characters");
    if (!qname_ok(name, n))
        msg_add(m, "name part ", qualified_name_msg);
}

void ks_bi_validate_qualified_name(struct ks_causes *c, const char *field, const char *value)
{
    struct ks_bi_msgs m;

    ks_bi_qualified_name_msgs(value, &m);
    for (int i = 0; i < m.n; i++)
        ks_bi_invalid_str(c, field, value, m.v[i]);
}

void ks_bi_validate_labels(struct ks_causes *c, const char *field, const cJSON *labels)
{
    size_t n;
    const cJSON **items;

    if (!labels || cJSON_IsNull(labels))
        return;
    if (!cJSON_IsObject(labels)) {
        ks_bi_invalid_raw(c, field, "null", "must be a map of string keys to string values");
        return;
    }
    items = sorted_items(labels, &n);
    for (size_t i = 0; i < n; i++) {
        const cJSON *it = items[i];
        ks_bi_validate_qualified_name(c, field, it->string);
        if (!cJSON_IsString(it)) {
            struct ebb_strbuf sb = EBB_STRBUF_INIT;
            render_scalar(&sb, it);
            ks_bi_invalid_raw(c, field, sb.buf, "must be a string");
            ebb_strbuf_release(&sb);
            continue;
        }
        const char *v = it->valuestring;
        size_t vn = strlen(v);
        if (vn > LABEL_MAX)
            ks_bi_invalid_str(c, field, v, "must be no more than 63 characters");
        if (vn && !qname_ok(v, vn))
            ks_bi_invalid_str(c, field, v, label_value_msg);
    }
    free(items);
}

void ks_bi_validate_annotations(struct ks_causes *c, const char *field, const cJSON *ann)
{
    size_t n, total = 0;
    const cJSON **items;

    if (!ann || cJSON_IsNull(ann))
        return;
    if (!cJSON_IsObject(ann)) {
        ks_bi_invalid_raw(c, field, "null", "must be a map of string keys to string values");
        return;
    }
    items = sorted_items(ann, &n);
    for (size_t i = 0; i < n; i++) {
        char lower[512];
        struct ks_bi_msgs m;
        snprintf(lower, sizeof(lower), "%s", items[i]->string);
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        ks_bi_qualified_name_msgs(lower, &m);
        for (int j = 0; j < m.n; j++)
            ks_bi_invalid_str(c, field, items[i]->string, m.v[j]);
        total += strlen(items[i]->string);
        if (cJSON_IsString(items[i]))
            total += strlen(items[i]->valuestring);
    }
    free(items);
    if (total > ANNOTATIONS_MAX)
        ks_causes_add(c, "FieldValueTooLong", field, "Too long: must have at most %d bytes",
                      ANNOTATIONS_MAX);
}

void ks_bi_validate_meta(struct ks_causes *c, const cJSON *obj, bool namespaced,
                         enum ks_bi_name name_kind, const char *name_extra)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const char *gen = ks_json_str(meta, "generateName");
    const char *name = ks_json_str(meta, "name");
    const char *ns = ks_json_str(meta, "namespace");
    struct ks_bi_msgs m;
    long long g;

    if (gen && *gen) {
        ks_bi_name_msgs(name_kind, gen, true, &m);
        for (int i = 0; i < m.n; i++)
            ks_bi_invalid_str(c, "metadata.generateName", gen, m.v[i]);
    }
    if (!name || !*name) {
        ks_bi_required(c, "metadata.name", "name or generateName is required");
    } else {
        ks_bi_name_msgs(name_kind, name, false, &m);
        for (int i = 0; i < m.n; i++)
            ks_bi_invalid_str(c, "metadata.name", name, m.v[i]);
        if (name_extra)
            ks_bi_invalid_str(c, "metadata.name", name, name_extra);
    }
    if (namespaced) {
        if (!ns || !*ns) {
            ks_bi_required(c, "metadata.namespace", "");
        } else {
            ks_bi_name_msgs(KS_BI_LABEL, ns, false, &m);
            for (int i = 0; i < m.n; i++)
                ks_bi_invalid_str(c, "metadata.namespace", ns, m.v[i]);
        }
    } else if (ns && *ns) {
        ks_bi_forbidden(c, "metadata.namespace", "not allowed on this type");
    }
    if (ks_bi_int(meta, "generation", &g) && g < 0)
        ks_bi_invalid_num(c, "metadata.generation", (double)g,
                          "must be greater than or equal to 0");
    ks_bi_validate_labels(c, "metadata.labels", cJSON_GetObjectItemCaseSensitive(meta, "labels"));
    ks_bi_validate_annotations(c, "metadata.annotations",
                               cJSON_GetObjectItemCaseSensitive(meta, "annotations"));
}
