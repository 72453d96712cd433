/*
 * schema_validate.c -- OpenAPI validation of a custom resource against its
 * compiled schema, in the real apiserver's words (kube-openapi messages
 * as apiextensions turns them into causes), then the CEL rules.
 */
#include "schema_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/base/rfc3339.h"

#define VAL_SZ 256

static void add(struct ks_causes *c, const char *type, const struct ks_sch_path *p, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

static void add(struct ks_causes *c, const char *type, const struct ks_sch_path *p, const char *fmt,
                ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ks_causes_add(c, type, p->sb.buf, "%s", msg);
}

static const char *at(const struct ks_sch_path *p)
{
    return p->sb.buf;
}

static void num_str(double d, char *out, size_t outlen)
{
    cJSON n = {0};

    n.type = cJSON_Number;
    n.valuedouble = d;
    ks_sch_value_str(&n, out, outlen);
}

static bool type_ok(const char *type, const cJSON *v)
{
    if (strcmp(type, "object") == 0)
        return cJSON_IsObject(v);
    if (strcmp(type, "array") == 0)
        return cJSON_IsArray(v);
    if (strcmp(type, "string") == 0)
        return cJSON_IsString(v);
    if (strcmp(type, "boolean") == 0)
        return cJSON_IsBool(v);
    if (strcmp(type, "number") == 0)
        return cJSON_IsNumber(v);
    if (strcmp(type, "integer") == 0)
        return cJSON_IsNumber(v) && strcmp(ks_sch_json_type(v), "integer") == 0;
    return true;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

static bool is_base64(const char *s)
{
    size_t n = 0, pad = 0;

    for (; *s; s++, n++) {
        if (*s == '=') {
            pad++;
            continue;
        }
        if (pad || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
                     (*s >= '0' && *s <= '9') || *s == '+' || *s == '/'))
            return false;
    }
    return n % 4 == 0 && pad <= 2;
}

static bool format_ok(const char *format, const char *s)
{
    int64_t ms, ns;
    regex_t re;
    char err[64];
    bool ok = true;
    const char *pat = NULL;

    if (strcmp(format, "date-time") == 0)
        return ebb_rfc3339_parse(s, &ms) == EBB_OK;
    if (strcmp(format, "date") == 0) {
        char buf[40];
        if (strlen(s) != 10)
            return false;
        snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
        return ebb_rfc3339_parse(buf, &ms) == EBB_OK;
    }
    if (strcmp(format, "duration") == 0)
        return ks_cel_parse_duration(s, strlen(s), &ns);
    if (strcmp(format, "byte") == 0)
        return is_base64(s);
    if (strcmp(format, "uuid") == 0)
        pat = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
    else if (strcmp(format, "ipv4") == 0)
        pat = "^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\\.){3}"
              "([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])$";
    else if (strcmp(format, "hostname") == 0)
        pat = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    else if (strcmp(format, "email") == 0)
        pat = "^[^@[:space:]]+@[^@[:space:]]+$";
    else if (strcmp(format, "uri") == 0)
        pat = "^[a-zA-Z][a-zA-Z0-9+.-]*:";
    if (!pat)
        return true; /* formats kubesim does not check */
    if (ks_cel_regcomp(&re, pat, true, err, sizeof(err)) != 0)
        return true;
    ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* Errors of validating v against s, without adding them. */
static size_t count_errors(const struct ks_sch *s, const cJSON *v, struct ks_sch_path *path)
{
    struct ks_causes tmp = {0};
    size_t n;

    ks_sch_validate(s, v, path, &tmp, false);
    n = tmp.n;
    ks_causes_release(&tmp);
    return n;
}

static void validate_junctors(const struct ks_sch *s, const cJSON *v, struct ks_sch_path *path,
                              struct ks_causes *causes)
{
    char val[VAL_SZ];

    for (size_t i = 0; i < s->n_all_of; i++)
        ks_sch_validate(s->all_of[i], v, path, causes, false);
    if (s->n_any_of) {
        bool any = false;
        for (size_t i = 0; i < s->n_any_of && !any; i++)
            any = count_errors(s->any_of[i], v, path) == 0;
        if (!any) {
            ks_sch_value_str(v, val, sizeof(val));
            add(causes, "FieldValueInvalid", path,
                "Invalid value: %s: %s in body must validate at least one schema (anyOf)", val,
                at(path));
        }
    }
    if (s->n_one_of) {
        size_t ok = 0;
        for (size_t i = 0; i < s->n_one_of; i++)
            ok += count_errors(s->one_of[i], v, path) == 0;
        if (ok != 1) {
            ks_sch_value_str(v, val, sizeof(val));
            add(causes, "FieldValueInvalid", path,
                "Invalid value: %s: %s in body must validate one and only one schema (oneOf)", val,
                at(path));
        }
    }
    if (s->not_ && count_errors(s->not_, v, path) == 0) {
        ks_sch_value_str(v, val, sizeof(val));
        add(causes, "FieldValueInvalid", path,
            "Invalid value: %s: %s in body must not validate the schema (not)", val, at(path));
    }
}

static void validate_string(const struct ks_sch *s, const cJSON *v, struct ks_sch_path *path,
                            struct ks_causes *causes)
{
    char val[VAL_SZ];
    size_t len = utf8_len(v->valuestring);

    ks_sch_value_str(v, val, sizeof(val));
    if (s->max_len >= 0 && len > (size_t)s->max_len)
        add(causes, "FieldValueTooLong", path, "Too long: may not be longer than %ld", s->max_len);
    if (s->min_len >= 0 && len < (size_t)s->min_len)
        add(causes, "FieldValueInvalid", path,
            "Invalid value: %s: %s in body should be at least %ld chars long", val, at(path),
            s->min_len);
    if (s->pattern && regexec(s->pattern, v->valuestring, 0, NULL, 0) != 0)
        add(causes, "FieldValueInvalid", path, "Invalid value: %s: %s in body should match '%s'",
            val, at(path), s->pattern_src);
    if (s->format && !format_ok(s->format, v->valuestring))
        add(causes, "FieldValueInvalid", path,
            "Invalid value: %s: %s in body must be of type %s: %s", val, at(path), s->format, val);
}

static void validate_number(const struct ks_sch *s, const cJSON *v, struct ks_sch_path *path,
                            struct ks_causes *causes)
{
    char val[VAL_SZ], lim[64];
    double d = v->valuedouble;

    ks_sch_value_str(v, val, sizeof(val));
    if (s->has_min && (s->excl_min ? d <= s->min : d < s->min)) {
        num_str(s->min, lim, sizeof(lim));
        add(causes, "FieldValueInvalid", path,
            "Invalid value: %s: %s in body should be greater than %s%s", val, at(path),
            s->excl_min ? "" : "or equal to ", lim);
    }
    if (s->has_max && (s->excl_max ? d >= s->max : d > s->max)) {
        num_str(s->max, lim, sizeof(lim));
        add(causes, "FieldValueInvalid", path,
            "Invalid value: %s: %s in body should be less than %s%s", val, at(path),
            s->excl_max ? "" : "or equal to ", lim);
    }
}

/* The map keys of a list-type=map item as Go prints them. */
static void map_key_str(const cJSON *keys, const cJSON *item, char *out, size_t outlen)
{
    size_t o = 0;
    char val[VAL_SZ];

    o += (size_t)snprintf(out, outlen, "map[string]interface {}{");
    for (int i = 0; i < cJSON_GetArraySize(keys) && o < outlen; i++) {
        const cJSON *k = cJSON_GetArrayItem(keys, i);
        if (!cJSON_IsString(k))
            continue;
        ks_sch_value_str(cJSON_GetObjectItemCaseSensitive(item, k->valuestring), val, sizeof(val));
        o += (size_t)snprintf(out + o, outlen - o, "%s\"%s\":%s", i ? ", " : "", k->valuestring,
                              val);
    }
    if (o < outlen)
        snprintf(out + o, outlen - o, "}");
}

static bool same_keys(const cJSON *keys, const cJSON *a, const cJSON *b)
{
    if (!cJSON_IsObject(a) || !cJSON_IsObject(b))
        return false;
    for (int i = 0; i < cJSON_GetArraySize(keys); i++) {
        const cJSON *k = cJSON_GetArrayItem(keys, i);
        if (!cJSON_IsString(k))
            continue;
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, k->valuestring);
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, k->valuestring);
        if (!x != !y || (x && !cJSON_Compare(x, y, 1)))
            return false;
    }
    return true;
}

static void validate_array(const struct ks_sch *s, const cJSON *v, struct ks_sch_path *path,
                           struct ks_causes *causes)
{
    long n = cJSON_GetArraySize(v);
    char val[VAL_SZ];
    bool is_set = s->list_type && strcmp(s->list_type, "set") == 0;
    bool is_map = s->list_type && strcmp(s->list_type, "map") == 0;
    size_t i = 0;

    if (s->max_items >= 0 && n > s->max_items)
        add(causes, "FieldValueTooMany", path, "Too many: %ld: must have at most %ld items", n,
            s->max_items);
    if (s->min_items >= 0 && n < s->min_items)
        add(causes, "FieldValueInvalid", path,
            "Invalid value: %ld: %s in body should have at least %ld items", n, at(path),
            s->min_items);
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        bool dup = false;
        for (const cJSON *prev = v->child; prev != it && !dup; prev = prev->next)
            dup = is_map ? same_keys(s->map_keys, prev, it)
                         : (is_set || s->unique_items) && cJSON_Compare(prev, it, 1);
        size_t len = ks_sch_path_index(path, i);
        if (dup) {
            if (is_map)
                map_key_str(s->map_keys, it, val, sizeof(val));
            else
                ks_sch_value_str(it, val, sizeof(val));
            add(causes, "FieldValueDuplicate", path, "Duplicate value: %s", val);
        }
        if (s->items)
            ks_sch_validate(s->items, it, path, causes, false);
        ks_sch_path_restore(path, len);
    }
}

static void validate_enum(const struct ks_sch *s, const cJSON *v, struct ks_sch_path *path,
                          struct ks_causes *causes)
{
    struct ebb_strbuf list = EBB_STRBUF_INIT;
    char val[VAL_SZ];

    if (!cJSON_IsArray(s->enum_))
        return;
    for (const cJSON *e = s->enum_->child; e; e = e->next)
        if (cJSON_Compare(e, v, 1))
            return;
    for (const cJSON *e = s->enum_->child; e; e = e->next) {
        ks_sch_value_str(e, val, sizeof(val));
        ebb_strbuf_addf(&list, "%s%s", e == s->enum_->child ? "" : ", ", val);
    }
    ks_sch_value_str(v, val, sizeof(val));
    add(causes, "FieldValueNotSupported", path, "Unsupported value: %s: supported values: %s", val,
        list.buf);
    ebb_strbuf_release(&list);
}

static const struct ks_sch *prop(const struct ks_sch *s, const char *name)
{
    for (size_t i = 0; i < s->n_props; i++)
        if (strcmp(s->prop_names[i], name) == 0)
            return s->props[i];
    return NULL;
}

static void validate_object(const struct ks_sch *s, const cJSON *v, struct ks_sch_path *path,
                            struct ks_causes *causes, bool root)
{
    long n = cJSON_GetArraySize(v);
    char val[VAL_SZ];

    if (cJSON_IsArray(s->required)) {
        for (const cJSON *r = s->required->child; r; r = r->next) {
            if (!cJSON_IsString(r) || cJSON_GetObjectItemCaseSensitive(v, r->valuestring))
                continue;
            size_t len = ks_sch_path_child(path, r->valuestring);
            add(causes, "FieldValueRequired", path, "Required value");
            ks_sch_path_restore(path, len);
        }
    }
    if (s->max_props >= 0 && n > s->max_props) {
        ks_sch_value_str(v, val, sizeof(val));
        add(causes, "FieldValueTooMany", path, "Too many: %ld: must have at most %ld items", n,
            s->max_props);
    }
    if (s->min_props >= 0 && n < s->min_props)
        add(causes, "FieldValueInvalid", path,
            "Invalid value: %ld: %s in body should have at least %ld properties", n, at(path),
            s->min_props);
    for (size_t i = 0; i < s->n_props; i++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, s->prop_names[i]);
        if (!c)
            continue;
        size_t len = ks_sch_path_child(path, s->prop_names[i]);
        if (root && strcmp(s->prop_names[i], "metadata") == 0) {
            if (!cJSON_IsObject(c))
                add(causes, "FieldValueTypeInvalid", path,
                    "Invalid value: \"%s\": metadata in body must be of type object: \"%s\"",
                    ks_sch_json_type(c), ks_sch_json_type(c));
        } else {
            ks_sch_validate(s->props[i], c, path, causes, false);
        }
        ks_sch_path_restore(path, len);
    }
    for (const cJSON *c = v->child; c; c = c->next) {
        if (prop(s, c->string))
            continue;
        if (root && strcmp(c->string, "metadata") == 0)
            continue;
        size_t len = ks_sch_path_child(path, c->string);
        if (s->additional)
            ks_sch_validate(s->additional, c, path, causes, false);
        else if (s->additional_false && !s->preserve_unknown)
            add(causes, "FieldValueForbidden", path, "Forbidden: %s",
                "additional properties are not allowed");
        ks_sch_path_restore(path, len);
    }
}

void ks_sch_validate(const struct ks_sch *s, const cJSON *v, struct ks_sch_path *path,
                     struct ks_causes *causes, bool root)
{
    if (!s || !v)
        return;
    if (cJSON_IsNull(v) && (s->nullable || (!*s->type && !s->int_or_string)))
        return;
    if (s->int_or_string) {
        const char *t = ks_sch_json_type(v);
        if (strcmp(t, "integer") != 0 && strcmp(t, "string") != 0) {
            add(causes, "FieldValueTypeInvalid", path,
                "Invalid value: \"%s\": %s in body must be of type integer,string: \"%s\"", t,
                at(path), t);
            return;
        }
    } else if (*s->type && !type_ok(s->type, v)) {
        const char *t = ks_sch_json_type(v);
        add(causes, "FieldValueTypeInvalid", path,
            "Invalid value: \"%s\": %s in body must be of type %s: \"%s\"", t, at(path), s->type,
            t);
        return;
    }
    validate_junctors(s, v, path, causes);
    if (cJSON_IsString(v))
        validate_string(s, v, path, causes);
    else if (cJSON_IsNumber(v))
        validate_number(s, v, path, causes);
    else if (cJSON_IsArray(v))
        validate_array(s, v, path, causes);
    if (s->enum_)
        validate_enum(s, v, path, causes);
    if (cJSON_IsObject(v))
        validate_object(s, v, path, causes, root);
}

/* ---- CEL rules --------------------------------------------------------- */

static const char *trimmed(const char *s, char *buf, size_t buflen)
{
    size_t n;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    snprintf(buf, buflen, "%.*s", (int)n, s);
    return buf;
}

static void rule_failed(const struct ks_sch *s, const struct ks_sch_rule *r, const cJSON *v,
                        const cJSON *old, struct ks_sch_path *path, struct ks_causes *causes)
{
    char detail[1024], tmp[1024], val[VAL_SZ];
    size_t len = path->sb.len;
    const char *reason = r->reason ? r->reason : "FieldValueInvalid";

    if (r->message && *r->message)
        trimmed(r->message, detail, sizeof(detail));
    else
        snprintf(detail, sizeof(detail), "failed rule: %s", trimmed(r->rule, tmp, sizeof(tmp)));
    /* messageExpression wins when it yields a usable one-line string */
    if (r->msg_prog && ks_cel_eval_string(r->msg_prog, v, old, s->js, 0, tmp, sizeof(tmp)) == 0 &&
        tmp[0] && !strchr(tmp, '\n'))
        snprintf(detail, sizeof(detail), "%s", tmp);
    if (r->field_path)
        ebb_strbuf_adds(&path->sb,
                        r->field_path[0] == '.' && !len ? r->field_path + 1 : r->field_path);
    if (strcmp(reason, "FieldValueForbidden") == 0) {
        add(causes, reason, path, "Forbidden: %s", detail);
    } else if (strcmp(reason, "FieldValueRequired") == 0) {
        add(causes, reason, path, "Required value: %s", detail);
    } else if (strcmp(reason, "FieldValueDuplicate") == 0) {
        ks_sch_value_str(v, val, sizeof(val));
        add(causes, reason, path, "Duplicate value: %s", val);
    } else {
        add(causes, "FieldValueInvalid", path, "Invalid value: \"%s\": %s", s->type, detail);
    }
    ks_sch_path_restore(path, len);
}

static void run_rules(const struct ks_sch *s, const cJSON *v, const cJSON *old,
                      struct ks_sch_path *path, struct ks_causes *causes)
{
    char err[512], rt[1024];

    for (size_t i = 0; i < s->n_rules; i++) {
        const struct ks_sch_rule *r = &s->rules[i];
        if (r->uses_old_self && !old)
            continue; /* transition rules run on updates only */
        enum ks_cel_result res = ks_cel_eval_bool(r->prog, v, old, s->js, 0, err, sizeof(err));
        if (res == KS_CEL_TRUE)
            continue;
        if (res == KS_CEL_FALSE) {
            rule_failed(s, r, v, old, path, causes);
            continue;
        }
        if (r->message && *r->message)
            trimmed(r->message, rt, sizeof(rt));
        else
            trimmed(r->rule, rt, sizeof(rt));
        if (strncmp(err, "no such overload", 16) == 0)
            add(causes, "FieldValueInvalid", path,
                "Invalid value: \"%s\": '%s': call arguments did not match a supported "
                "operator, function or macro signature for rule: %s",
                s->type, err, rt);
        else if (strncmp(err, "operation cancelled", 19) == 0)
            add(causes, "FieldValueInvalid", path, "Invalid value: \"%s\": was not evaluated: %s",
                s->type, err);
        else
            add(causes, "FieldValueInvalid", path, "Invalid value: \"%s\": %s evaluating rule: %s",
                s->type, err, rt);
    }
}

static const cJSON *correlate(const struct ks_sch *s, const cJSON *old, const cJSON *item)
{
    if (!cJSON_IsArray(old) || !s->list_type || strcmp(s->list_type, "map") != 0)
        return NULL;
    for (const cJSON *o = old->child; o; o = o->next)
        if (same_keys(s->map_keys, o, item))
            return o;
    return NULL;
}

void ks_sch_validate_cel(const struct ks_sch *s, const cJSON *v, const cJSON *old,
                         struct ks_sch_path *path, struct ks_causes *causes, bool root)
{
    if (!s || !v || cJSON_IsNull(v))
        return;
    if (old && cJSON_IsNull(old))
        old = NULL;
    if (s->n_rules)
        run_rules(s, v, old, path, causes);
    if (cJSON_IsObject(v)) {
        const cJSON *oldobj = cJSON_IsObject(old) ? old : NULL;
        for (size_t i = 0; i < s->n_props; i++) {
            const char *name = s->prop_names[i];
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, name);
            if (!c || (root && strcmp(name, "metadata") == 0))
                continue;
            size_t len = ks_sch_path_child(path, name);
            ks_sch_validate_cel(s->props[i], c, cJSON_GetObjectItemCaseSensitive(oldobj, name),
                                path, causes, false);
            ks_sch_path_restore(path, len);
        }
        for (const cJSON *c = v->child; c && s->additional; c = c->next) {
            if (prop(s, c->string))
                continue;
            size_t len = ks_sch_path_key(path, c->string);
            ks_sch_validate_cel(s->additional, c,
                                cJSON_GetObjectItemCaseSensitive(oldobj, c->string), path, causes,
                                false);
            ks_sch_path_restore(path, len);
        }
    } else if (cJSON_IsArray(v) && s->items) {
        size_t i = 0;
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            size_t len = ks_sch_path_index(path, i);
            ks_sch_validate_cel(s->items, it, correlate(s, old, it), path, causes, false);
            ks_sch_path_restore(path, len);
        }
    }
}
