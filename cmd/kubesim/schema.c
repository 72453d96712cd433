/*
 * schema.c -- CRD structural schemas: compiling an openAPIV3Schema into
 * struct ks_sch (with its structural checks and its CEL rules compiled), and
 * ks_schema_apply, which prunes, defaults and validates a custom resource
 * in the order the real apiserver does.
 */
#include "schema_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCHEMA_DEPTH 64

struct compiler {
    struct ks_schema *ks;
    struct ks_causes *causes;
    bool failed;
    bool oom;
};

/* ---- paths and values (shared) --------------------------------------- */

size_t ks_sch_path_child(struct ks_sch_path *p, const char *key)
{
    size_t len = p->sb.len;

    if (len)
        ebb_strbuf_addch(&p->sb, '.');
    ebb_strbuf_adds(&p->sb, key);
    return len;
}

size_t ks_sch_path_index(struct ks_sch_path *p, size_t i)
{
    size_t len = p->sb.len;

    ebb_strbuf_addf(&p->sb, "[%zu]", i);
    return len;
}

size_t ks_sch_path_key(struct ks_sch_path *p, const char *key)
{
    size_t len = p->sb.len;

    ebb_strbuf_addf(&p->sb, "[%s]", key);
    return len;
}

void ks_sch_path_restore(struct ks_sch_path *p, size_t len)
{
    if (p->sb.alloc && len <= p->sb.len) {
        p->sb.len = len;
        p->sb.buf[len] = '\0';
    }
}

const char *ks_sch_json_type(const cJSON *v)
{
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        return d == floor(d) && fabs(d) < 9.3e18 ? "integer" : "number";
    }
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsArray(v))
        return "array";
    return "object";
}

static void quote(const char *s, char *out, size_t outlen)
{
    size_t o = 0;

    if (outlen < 3) {
        if (outlen)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (; *s && o + 7 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else if (c == '\t') {
            out[o++] = '\\';
            out[o++] = 't';
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

void ks_sch_value_str(const cJSON *v, char *out, size_t outlen)
{
    if (!outlen)
        return;
    out[0] = '\0';
    if (!v || cJSON_IsNull(v)) {
        snprintf(out, outlen, "\"null\"");
    } else if (cJSON_IsString(v)) {
        quote(v->valuestring, out, outlen);
    } else if (cJSON_IsBool(v)) {
        snprintf(out, outlen, "%s", cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9.2e18) {
            snprintf(out, outlen, "%lld", (long long)d);
        } else {
            for (int prec = 1; prec <= 17; prec++) {
                snprintf(out, outlen, "%.*g", prec, d);
                if (strtod(out, NULL) == d)
                    break;
            }
        }
    } else {
        char *s = cJSON_PrintUnformatted(v);
        snprintf(out, outlen, "%s", s ? s : "?");
        free(s);
    }
}

/* ---- compiling -------------------------------------------------------- */

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool bool_of(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static long long_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9e15 ? (long)v->valuedouble
                                                                             : -1;
}

static void cause(struct compiler *c, const char *type, struct ks_sch_path *p, const char *sub,
                  const char *fmt, const char *a)
{
    size_t len = ks_sch_path_child(p, sub);

    ks_causes_add(c->causes, type, p->sb.buf, fmt, a);
    ks_sch_path_restore(p, len);
    c->failed = true;
}

static bool track_regex(struct compiler *c, regex_t *re)
{
    struct ks_schema *ks = c->ks;

    if (ks->n_regexes == ks->cap_regexes) {
        size_t cap = ks->cap_regexes ? ks->cap_regexes * 2 : 8;
        regex_t **v = realloc(ks->regexes, cap * sizeof(*v));
        if (!v)
            return false;
        ks->regexes = v;
        ks->cap_regexes = cap;
    }
    ks->regexes[ks->n_regexes++] = re;
    return true;
}

static bool track_prog(struct compiler *c, ks_cel_prog *prog)
{
    struct ks_schema *ks = c->ks;

    if (ks->n_progs == ks->cap_progs) {
        size_t cap = ks->cap_progs ? ks->cap_progs * 2 : 8;
        ks_cel_prog **v = realloc(ks->progs, cap * sizeof(*v));
        if (!v)
            return false;
        ks->progs = v;
        ks->cap_progs = cap;
    }
    ks->progs[ks->n_progs++] = prog;
    return true;
}

static int cmp_names(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

/* A default must itself be valid (the apiserver refuses the CRD otherwise):
 * its causes are reported at <path>.default, messages as for an object. */
static void check_default(struct compiler *c, const struct ks_sch *s, struct ks_sch_path *p)
{
    struct ks_causes tmp = {0};
    struct ks_sch_path vp = {EBB_STRBUF_INIT};

    ebb_strbuf_adds(&vp.sb, "default");
    ks_sch_validate(s, s->default_, &vp, &tmp, false);
    for (size_t i = 0; i < tmp.n; i++) {
        size_t len = ks_sch_path_child(p, "default");
        ks_causes_add(c->causes, tmp.v[i].type, p->sb.buf, "%s", tmp.v[i].message);
        ks_sch_path_restore(p, len);
        c->failed = true;
    }
    ks_causes_release(&tmp);
    ebb_strbuf_release(&vp.sb);
}

static struct ks_sch *compile_node(struct compiler *c, const cJSON *js, struct ks_sch_path *p,
                                   int depth, bool in_junctor);

static void compile_rules(struct compiler *c, struct ks_sch *s, const cJSON *rules,
                          struct ks_sch_path *p)
{
    size_t n = (size_t)cJSON_GetArraySize(rules);
    size_t base = ks_sch_path_child(p, "x-kubernetes-validations");

    if (!cJSON_IsArray(rules)) {
        ks_causes_add(c->causes, "FieldValueInvalid", p->sb.buf, "Invalid value: %s",
                      "must be a list of rules");
        c->failed = true;
        ks_sch_path_restore(p, base);
        return;
    }
    s->rules = ebb_arena_calloc(&c->ks->arena, n + 1, sizeof(*s->rules));
    if (!s->rules) {
        c->oom = true;
        ks_sch_path_restore(p, base);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const cJSON *r = cJSON_GetArrayItem(rules, (int)i);
        size_t at = ks_sch_path_index(p, i);
        const char *text = str_of(r, "rule");
        char err[512], shown[400];
        if (!text || !*text) {
            cause(c, "FieldValueRequired", p, "rule", "Required value%s", "");
            ks_sch_path_restore(p, at);
            continue;
        }
        ks_cel_prog *prog = ks_cel_compile(text, err, sizeof(err));
        if (!prog) {
            size_t len = ks_sch_path_child(p, "rule");
            quote(text, shown, sizeof(shown));
            ks_causes_add(c->causes, "FieldValueInvalid", p->sb.buf,
                          "Invalid value: %s: compilation failed: %s", shown, err);
            c->failed = true;
            ks_sch_path_restore(p, len);
            ks_sch_path_restore(p, at);
            continue;
        }
        if (!track_prog(c, prog)) {
            ks_cel_free(prog);
            c->oom = true;
            ks_sch_path_restore(p, at);
            continue;
        }
        const char *fp = str_of(r, "fieldPath");
        if (fp && *fp && fp[0] != '.' && fp[0] != '[') {
            size_t len = ks_sch_path_child(p, "fieldPath");
            quote(fp, shown, sizeof(shown));
            ks_causes_add(c->causes, "FieldValueInvalid", p->sb.buf,
                          "Invalid value: %s: fieldPath must be a relative path starting "
                          "with '.'",
                          shown);
            c->failed = true;
            ks_sch_path_restore(p, len);
        }
        struct ks_sch_rule *sr = &s->rules[s->n_rules++];
        const char *mexpr = str_of(r, "messageExpression");
        if (mexpr && *mexpr) {
            sr->msg_prog = ks_cel_compile(mexpr, err, sizeof(err));
            if (!sr->msg_prog) {
                size_t len = ks_sch_path_child(p, "messageExpression");
                quote(mexpr, shown, sizeof(shown));
                ks_causes_add(c->causes, "FieldValueInvalid", p->sb.buf,
                              "Invalid value: %s: messageExpression compilation failed: %s", shown,
                              err);
                c->failed = true;
                ks_sch_path_restore(p, len);
            } else if (!track_prog(c, sr->msg_prog)) {
                ks_cel_free(sr->msg_prog);
                sr->msg_prog = NULL;
                c->oom = true;
            }
        }
        sr->prog = prog;
        sr->rule = text;
        sr->message = str_of(r, "message");
        sr->field_path = fp && *fp ? fp : NULL;
        sr->reason = str_of(r, "reason");
        sr->uses_old_self = ks_cel_uses_old_self(prog);
        ks_sch_path_restore(p, at);
    }
    ks_sch_path_restore(p, base);
}

static struct ks_sch **compile_list(struct compiler *c, const cJSON *arr, const char *key,
                                    struct ks_sch_path *p, int depth, size_t *n)
{
    struct ks_sch **v;
    size_t len;

    *n = 0;
    if (!arr)
        return NULL;
    len = ks_sch_path_child(p, key);
    if (!cJSON_IsArray(arr)) {
        ks_causes_add(c->causes, "FieldValueInvalid", p->sb.buf, "Invalid value: %s",
                      "must be a list of schemas");
        c->failed = true;
        ks_sch_path_restore(p, len);
        return NULL;
    }
    size_t cnt = (size_t)cJSON_GetArraySize(arr);
    v = ebb_arena_calloc(&c->ks->arena, cnt + 1, sizeof(*v));
    if (!v) {
        c->oom = true;
        ks_sch_path_restore(p, len);
        return NULL;
    }
    for (size_t i = 0; i < cnt; i++) {
        size_t at = ks_sch_path_index(p, i);
        v[i] = compile_node(c, cJSON_GetArrayItem(arr, (int)i), p, depth + 1, true);
        ks_sch_path_restore(p, at);
        if (!v[i])
            return NULL;
    }
    ks_sch_path_restore(p, len);
    *n = cnt;
    return v;
}

static void check_type(struct compiler *c, struct ks_sch *s, struct ks_sch_path *p, int depth,
                       bool in_junctor)
{
    static const char *const types[] = {"array",  "boolean", "integer",
                                        "number", "object",  "string"};
    bool known = false;

    if (!*s->type) {
        if (in_junctor || s->int_or_string || s->preserve_unknown)
            return;
        if (depth == 0)
            cause(c, "FieldValueRequired", p, "type",
                  "Required value: must not be empty at the root%s", "");
        else
            cause(c, "FieldValueRequired", p, "type",
                  "Required value: must not be empty for specified %s",
                  strstr(p->sb.buf + (p->sb.len > 6 ? p->sb.len - 6 : 0), ".items")
                      ? "array items"
                      : "object fields");
        return;
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
        known = known || strcmp(s->type, types[i]) == 0;
    if (!known) {
        char shown[128];
        quote(s->type, shown, sizeof(shown));
        size_t len = ks_sch_path_child(p, "type");
        ks_causes_add(c->causes, "FieldValueNotSupported", p->sb.buf,
                      "Unsupported value: %s: supported values: \"array\", \"boolean\", "
                      "\"integer\", \"number\", \"object\", \"string\"",
                      shown);
        ks_sch_path_restore(p, len);
        c->failed = true;
        return;
    }
    if (depth == 0 && strcmp(s->type, "object") != 0) {
        char shown[64];
        quote(s->type, shown, sizeof(shown));
        cause(c, "FieldValueInvalid", p, "type", "Invalid value: %s: must be object at the root",
              shown);
    }
    if (s->int_or_string)
        cause(c, "FieldValueForbidden", p, "type", "Forbidden: must be empty to be structural%s",
              "");
}

static struct ks_sch *compile_node(struct compiler *c, const cJSON *js, struct ks_sch_path *p,
                                   int depth, bool in_junctor)
{
    struct ks_sch *s;
    const cJSON *v;

    if (depth > MAX_SCHEMA_DEPTH) {
        ks_causes_add(c->causes, "FieldValueInvalid", p->sb.buf, "Invalid value: %s",
                      "schema nested too deeply");
        c->failed = true;
        return NULL;
    }
    if (!cJSON_IsObject(js)) {
        ks_causes_add(c->causes, "FieldValueInvalid", p->sb.buf, "Invalid value: %s",
                      "must be a schema object");
        c->failed = true;
        return NULL;
    }
    s = ebb_arena_calloc(&c->ks->arena, 1, sizeof(*s));
    if (!s) {
        c->oom = true;
        return NULL;
    }
    s->js = js;
    s->type = str_of(js, "type");
    if (!s->type)
        s->type = "";
    s->nullable = bool_of(js, "nullable");
    s->int_or_string = bool_of(js, "x-kubernetes-int-or-string");
    s->preserve_unknown = bool_of(js, "x-kubernetes-preserve-unknown-fields");
    s->embedded = bool_of(js, "x-kubernetes-embedded-resource");
    s->enum_ = cJSON_GetObjectItemCaseSensitive(js, "enum");
    s->default_ = cJSON_GetObjectItemCaseSensitive(js, "default");
    s->required = cJSON_GetObjectItemCaseSensitive(js, "required");
    s->format = str_of(js, "format");
    s->list_type = str_of(js, "x-kubernetes-list-type");
    s->map_keys = cJSON_GetObjectItemCaseSensitive(js, "x-kubernetes-list-map-keys");
    s->unique_items = bool_of(js, "uniqueItems");
    s->min_len = long_of(js, "minLength");
    s->max_len = long_of(js, "maxLength");
    s->min_items = long_of(js, "minItems");
    s->max_items = long_of(js, "maxItems");
    s->min_props = long_of(js, "minProperties");
    s->max_props = long_of(js, "maxProperties");
    v = cJSON_GetObjectItemCaseSensitive(js, "minimum");
    if (cJSON_IsNumber(v)) {
        s->has_min = true;
        s->min = v->valuedouble;
        s->excl_min = bool_of(js, "exclusiveMinimum");
    }
    v = cJSON_GetObjectItemCaseSensitive(js, "maximum");
    if (cJSON_IsNumber(v)) {
        s->has_max = true;
        s->max = v->valuedouble;
        s->excl_max = bool_of(js, "exclusiveMaximum");
    }
    if (cJSON_GetObjectItemCaseSensitive(js, "$ref"))
        cause(c, "FieldValueForbidden", p, "$ref", "Forbidden: $ref is not supported%s", "");
    check_type(c, s, p, depth, in_junctor);

    s->pattern_src = str_of(js, "pattern");
    if (s->pattern_src) {
        char err[200], shown[300];
        regex_t *re = malloc(sizeof(*re));
        if (!re) {
            c->oom = true;
            return NULL;
        }
        if (ks_cel_regcomp(re, s->pattern_src, true, err, sizeof(err)) != 0) {
            free(re);
            quote(s->pattern_src, shown, sizeof(shown));
            size_t len = ks_sch_path_child(p, "pattern");
            ks_causes_add(c->causes, "FieldValueInvalid", p->sb.buf,
                          "Invalid value: %s: must be a valid regular expression, but isn't: %s",
                          shown, err);
            ks_sch_path_restore(p, len);
            c->failed = true;
        } else if (!track_regex(c, re)) {
            regfree(re);
            free(re);
            c->oom = true;
            return NULL;
        } else {
            s->pattern = re;
        }
    }

    const cJSON *props = cJSON_GetObjectItemCaseSensitive(js, "properties");
    if (cJSON_IsObject(props)) {
        size_t n = (size_t)cJSON_GetArraySize(props), i = 0;
        const cJSON **sorted = calloc(n + 1, sizeof(*sorted));
        s->prop_names = ebb_arena_calloc(&c->ks->arena, n + 1, sizeof(*s->prop_names));
        s->props = ebb_arena_calloc(&c->ks->arena, n + 1, sizeof(*s->props));
        if (!sorted || !s->prop_names || !s->props) {
            free(sorted);
            c->oom = true;
            return NULL;
        }
        for (const cJSON *it = props->child; it && i < n; it = it->next)
            sorted[i++] = it;
        qsort(sorted, n, sizeof(*sorted), cmp_names);
        for (i = 0; i < n; i++) {
            char key[300];
            snprintf(key, sizeof(key), "properties[%s]", sorted[i]->string);
            size_t len = ks_sch_path_child(p, key);
            struct ks_sch *child = compile_node(c, sorted[i], p, depth + 1, in_junctor);
            ks_sch_path_restore(p, len);
            if (!child) {
                free(sorted);
                return NULL;
            }
            s->prop_names[s->n_props] = sorted[i]->string;
            s->props[s->n_props++] = child;
        }
        free(sorted);
    }
    v = cJSON_GetObjectItemCaseSensitive(js, "additionalProperties");
    if (cJSON_IsFalse(v)) {
        s->additional_false = true;
    } else if (cJSON_IsObject(v)) {
        if (s->n_props)
            cause(c, "FieldValueForbidden", p, "additionalProperties",
                  "Forbidden: additionalProperties and properties are mutual exclusive%s", "");
        size_t len = ks_sch_path_child(p, "additionalProperties");
        s->additional = compile_node(c, v, p, depth + 1, in_junctor);
        ks_sch_path_restore(p, len);
        if (!s->additional)
            return NULL;
    }
    v = cJSON_GetObjectItemCaseSensitive(js, "items");
    if (v) {
        size_t len = ks_sch_path_child(p, "items");
        if (cJSON_IsArray(v)) {
            ks_causes_add(c->causes, "FieldValueForbidden", p->sb.buf,
                          "Forbidden: items must be a schema object and not an array%s", "");
            c->failed = true;
        } else {
            s->items = compile_node(c, v, p, depth + 1, in_junctor);
            if (!s->items) {
                ks_sch_path_restore(p, len);
                return NULL;
            }
        }
        ks_sch_path_restore(p, len);
    } else if (strcmp(s->type, "array") == 0 && !in_junctor) {
        cause(c, "FieldValueRequired", p, "items", "Required value: must be specified%s", "");
    }
    s->all_of = compile_list(c, cJSON_GetObjectItemCaseSensitive(js, "allOf"), "allOf", p, depth,
                             &s->n_all_of);
    s->any_of = compile_list(c, cJSON_GetObjectItemCaseSensitive(js, "anyOf"), "anyOf", p, depth,
                             &s->n_any_of);
    s->one_of = compile_list(c, cJSON_GetObjectItemCaseSensitive(js, "oneOf"), "oneOf", p, depth,
                             &s->n_one_of);
    v = cJSON_GetObjectItemCaseSensitive(js, "not");
    if (v) {
        size_t len = ks_sch_path_child(p, "not");
        s->not_ = compile_node(c, v, p, depth + 1, true);
        ks_sch_path_restore(p, len);
    }
    if (s->list_type && strcmp(s->list_type, "map") == 0 &&
        (!cJSON_IsArray(s->map_keys) || cJSON_GetArraySize(s->map_keys) == 0))
        cause(c, "FieldValueRequired", p, "x-kubernetes-list-map-keys",
              "Required value: must not be empty if x-kubernetes-list-type is map%s", "");
    v = cJSON_GetObjectItemCaseSensitive(js, "x-kubernetes-validations");
    if (v) {
        if (in_junctor)
            cause(c, "FieldValueForbidden", p, "x-kubernetes-validations",
                  "Forbidden: x-kubernetes-validations is not supported inside allOf, anyOf, "
                  "oneOf or not%s",
                  "");
        else
            compile_rules(c, s, v, p);
    }
    if (s->default_ && !c->oom)
        check_default(c, s, p);
    return c->oom ? NULL : s;
}

void *ks_schema_compile(const cJSON *schema, const char *field_prefix, struct ks_causes *causes)
{
    struct ks_causes local = {0};
    struct compiler c = {0};
    struct ks_sch_path path = {EBB_STRBUF_INIT};
    struct ks_schema *ks;

    if (!causes)
        causes = &local;
    ks = calloc(1, sizeof(*ks));
    if (!ks) {
        ks_causes_add(causes, "InternalError", field_prefix, "out of memory");
        ks_causes_release(&local);
        return NULL;
    }
    ebb_arena_init(&ks->arena);
    c.ks = ks;
    c.causes = causes;
    ebb_strbuf_adds(&path.sb, field_prefix ? field_prefix : "");
    if (!schema) {
        ks_causes_add(causes, "FieldValueRequired", path.sb.buf, "Required value");
        c.failed = true;
    } else {
        ks->copy = cJSON_Duplicate(schema, 1);
        if (!ks->copy)
            c.oom = true;
        else
            ks->root = compile_node(&c, ks->copy, &path, 0, false);
    }
    if (c.oom || ebb_strbuf_rc(&path.sb) != EBB_OK) {
        ks_causes_add(causes, "InternalError", field_prefix ? field_prefix : "",
                      "out of memory compiling the schema");
        c.failed = true;
    }
    ebb_strbuf_release(&path.sb);
    ks_causes_release(&local);
    if (c.failed || !ks->root) {
        ks_schema_free(ks);
        return NULL;
    }
    return ks;
}

void ks_schema_free(void *compiled)
{
    struct ks_schema *ks = compiled;

    if (!ks)
        return;
    for (size_t i = 0; i < ks->n_regexes; i++) {
        regfree(ks->regexes[i]);
        free(ks->regexes[i]);
    }
    free(ks->regexes);
    for (size_t i = 0; i < ks->n_progs; i++)
        ks_cel_free(ks->progs[i]);
    free(ks->progs);
    ebb_arena_release(&ks->arena);
    cJSON_Delete(ks->copy);
    free(ks);
}

int ks_schema_apply(const void *compiled, cJSON *obj, const cJSON *old, struct ks_causes *causes,
                    struct ks_causes *unknown)
{
    const struct ks_schema *ks = compiled;
    struct ks_causes local = {0};
    struct ks_sch_path path = {EBB_STRBUF_INIT};
    size_t before;
    int rc;

    if (!causes)
        causes = &local;
    before = causes->n;
    if (!ks || !ks->root || !cJSON_IsObject(obj)) {
        ks_causes_add(causes, "FieldValueTypeInvalid", "", "Invalid value: %s",
                      "the object must be a JSON object");
        ks_causes_release(&local);
        return KS_EINVALID;
    }
    ks_sch_prune(ks->root, obj, &path, unknown, true);
    ks_sch_path_restore(&path, 0);
    ks_sch_default(ks->root, obj, true);
    ks_sch_validate(ks->root, obj, &path, causes, true);
    ks_sch_path_restore(&path, 0);
    bool blocking = false;
    for (size_t i = before; i < causes->n; i++)
        if (strcmp(causes->v[i].type, "FieldValueTypeInvalid") == 0)
            blocking = true;
    if (blocking)
        ks_causes_add(causes, "FieldValueInvalid", "<nil>",
                      "Invalid value: \"null\": some validation rules were not checked because "
                      "the object was invalid; correct the existing errors to complete "
                      "validation");
    else
        ks_sch_validate_cel(ks->root, obj, cJSON_IsObject(old) ? old : NULL, &path, causes, true);
    if (ebb_strbuf_rc(&path.sb) != EBB_OK)
        ks_causes_add(causes, "InternalError", "", "out of memory validating the object");
    ebb_strbuf_release(&path.sb);
    rc = causes->n > before ? KS_EINVALID : KS_OK;
    ks_causes_release(&local);
    return rc;
}
