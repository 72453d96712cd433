/* codec_yaml.c -- YAML streams -> ScalingPolicy.
 *
 * Each document is turned into a cJSON tree (what sigs.k8s.io/yaml does in
 * Go: YAML -> JSON -> struct), so the JSON decoder is the only place that
 * knows the schema and both formats report the same errors. While building
 * the tree we record the line of every mapping key and sequence item under
 * its field path, so that a decode error at spec.metrics[1].target can be
 * shown as FILE:LINE.
 *
 * Everything that would make a document mean something other than the JSON
 * it converts to, or let hostile input grow without bound, is refused:
 * anchors and aliases (no billion laughs), merge keys, non-scalar keys,
 * duplicate keys, tags other than the core ones, and nesting deeper than
 * MAX_DEPTH (the converter keeps its own stack, cJSON_Delete recurses).
 */
#include "codec.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "codec_internal.h"

#define MAX_DEPTH 64
#define CORE_TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
    cJSON *node;
    bool is_map;
    char *key; /* mapping: the key whose value comes next (malloc'd) */
    int key_line;
    size_t count;    /* sequence: items so far */
    size_t path_len; /* length of this node's path in conv.path */
};

struct conv {
    struct ebb_yaml_error *yerr;
    struct ebb_yaml_docs *out;
    size_t docs_cap;
    struct frame stack[MAX_DEPTH];
    int depth;
    cJSON *root; /* of the document being read */
    int doc_line;
    struct ebb_strbuf path;
    /* line records of the document being read, handed to its ebb_yaml_doc */
    char **paths;
    int *numbers;
    size_t n_lines;
    size_t cap_lines;
};

enum scalar_kind { SK_STR, SK_NULL, SK_BOOL, SK_INT, SK_FLOAT };

static enum ebb_rc conv_error(struct conv *c, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum ebb_rc conv_error(struct conv *c, const yaml_mark_t *m, const char *fmt, ...)
{
    va_list ap;
    c->yerr->line = (int)m->line + 1;
    c->yerr->column = (int)m->column + 1;
    va_start(ap, fmt);
    vsnprintf(c->yerr->message, sizeof(c->yerr->message), fmt, ap);
    va_end(ap);
    return EBB_ERR_PARSE;
}

/* "!!int" for core tags, the tag itself otherwise. */
static void tag_text(const char *tag, char *buf, size_t bufsz)
{
    size_t n = strlen(CORE_TAG_PREFIX);
    if (strncmp(tag, CORE_TAG_PREFIX, n) == 0)
        snprintf(buf, bufsz, "!!%.40s", tag + n);
    else
        snprintf(buf, bufsz, "%.40s", tag);
}

/* ---- YAML 1.2 core schema --------------------------------------------- */

static bool all_of(const char *s, const char *set)
{
    return *s != '\0' && s[strspn(s, set)] == '\0';
}

static bool one_of(const char *s, const char *const *words)
{
    for (; *words != NULL; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

static double digits_value(const char *s, unsigned base)
{
    double v = 0;
    for (; *s != '\0'; s++) {
        unsigned d = *s <= '9' ? (unsigned)(*s - '0') : (unsigned)((*s | 0x20) - 'a' + 10);
        v = v * base + d;
    }
    return v;
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static bool is_core_float(const char *s)
{
    const char *p = s;
    size_t n;
    if (*p == '+' || *p == '-')
        p++;
    if (*p == '.') {
        n = strspn(p + 1, "0123456789");
        if (n == 0)
            return false;
        p += 1 + n;
    } else {
        n = strspn(p, "0123456789");
        if (n == 0)
            return false;
        p += n;
        if (*p == '.')
            p += 1 + strspn(p + 1, "0123456789");
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        n = strspn(p, "0123456789");
        if (n == 0)
            return false;
        p += n;
    }
    return *p == '\0';
}

static enum scalar_kind resolve_plain(const char *s, double *num, bool *b)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    static const char *const infs[] = {".inf", ".Inf", ".INF", NULL};
    static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};

    if (one_of(s, nulls))
        return SK_NULL;
    if (one_of(s, trues) || one_of(s, falses)) {
        *b = one_of(s, trues);
        return SK_BOOL;
    }
    if (strncmp(s, "0o", 2) == 0 && all_of(s + 2, "01234567")) {
        *num = digits_value(s + 2, 8);
        return SK_INT;
    }
    if (strncmp(s, "0x", 2) == 0 && all_of(s + 2, "0123456789abcdefABCDEF")) {
        *num = digits_value(s + 2, 16);
        return SK_INT;
    }
    if (all_of(s + (*s == '+' || *s == '-'), "0123456789")) {
        *num = strtod(s, NULL);
        return SK_INT;
    }
    if (is_core_float(s)) {
        *num = strtod(s, NULL);
        return SK_FLOAT;
    }
    const char *u = s + (*s == '+' || *s == '-');
    if (one_of(u, infs)) {
        *num = *s == '-' ? -INFINITY : INFINITY;
        return SK_FLOAT;
    }
    if (one_of(s, nans)) {
        *num = NAN;
        return SK_FLOAT;
    }
    return SK_STR;
}

/* The core tags a scalar may carry, and the resolved kinds each accepts;
 * 0 makes the value a string whatever it looks like. */
struct scalar_tag {
    const char *tag;
    unsigned accepts; /* 1 << enum scalar_kind */
};

static const struct scalar_tag scalar_tags[] = {
    {"!", 0},
    {YAML_STR_TAG, 0},
    {YAML_INT_TAG, 1u << SK_INT},
    {YAML_FLOAT_TAG, 1u << SK_INT | 1u << SK_FLOAT},
    {YAML_BOOL_TAG, 1u << SK_BOOL},
    {YAML_NULL_TAG, 1u << SK_NULL},
};

static const struct scalar_tag *find_scalar_tag(const char *tag)
{
    for (size_t i = 0; i < sizeof(scalar_tags) / sizeof(scalar_tags[0]); i++)
        if (strcmp(scalar_tags[i].tag, tag) == 0)
            return &scalar_tags[i];
    return NULL;
}

/* cJSON_CreateNumber casts to int for valueint, which NaN must not reach. */
static cJSON *make_number(double v)
{
    cJSON *n = cJSON_CreateNumber(isnan(v) ? 0 : v);
    if (n != NULL)
        n->valuedouble = v;
    return n;
}

/* ---- building the tree ------------------------------------------------ */

static void path_truncate(struct conv *c, size_t len)
{
    if (c->path.alloc > 0 && !c->path.failed) {
        c->path.len = len;
        c->path.buf[len] = '\0';
    }
}

static enum ebb_rc record_line(struct conv *c, const char *path, int line)
{
    if (c->n_lines == c->cap_lines) {
        size_t cap = c->cap_lines ? c->cap_lines * 2 : 32;
        char **p = realloc(c->paths, cap * sizeof(*p));
        if (p == NULL)
            return EBB_ERR_NOMEM;
        c->paths = p;
        int *n = realloc(c->numbers, cap * sizeof(*n));
        if (n == NULL)
            return EBB_ERR_NOMEM;
        c->numbers = n;
        c->cap_lines = cap;
    }
    char *copy = strdup(path);
    if (copy == NULL)
        return EBB_ERR_NOMEM;
    c->paths[c->n_lines] = copy;
    c->numbers[c->n_lines] = line;
    c->n_lines++;
    return EBB_OK;
}

static void free_lines(char **paths, int *numbers, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(numbers);
}

static void clear_lines(struct conv *c)
{
    free_lines(c->paths, c->numbers, c->n_lines);
    c->paths = NULL;
    c->numbers = NULL;
    c->n_lines = 0;
    c->cap_lines = 0;
}

/* Hangs node under the current container (or makes it the root) and
 * records its line. A container keeps its path pushed for its children.
 * node is consumed even on failure. */
static enum ebb_rc attach(struct conv *c, cJSON *node, int line, bool container)
{
    if (c->depth == 0) {
        cJSON_Delete(c->root);
        c->root = node;
        return EBB_OK;
    }
    struct frame *top = &c->stack[c->depth - 1];
    size_t old = c->path.len;
    if (top->is_map) {
        if (old > 0)
            ebb_strbuf_addch(&c->path, '.');
        ebb_strbuf_adds(&c->path, top->key);
    } else {
        ebb_strbuf_addf(&c->path, "[%zu]", top->count);
    }
    enum ebb_rc rc = ebb_strbuf_rc(&c->path);
    if (rc == EBB_OK)
        rc = record_line(c, c->path.buf, top->is_map ? top->key_line : line);
    if (rc != EBB_OK) {
        cJSON_Delete(node);
        return rc;
    }
    bool ok;
    if (top->is_map) {
        ok = cJSON_AddItemToObject(top->node, top->key, node);
        free(top->key);
        top->key = NULL;
    } else {
        ok = cJSON_AddItemToArray(top->node, node);
        top->count++;
    }
    if (!ok) {
        cJSON_Delete(node);
        return EBB_ERR_NOMEM;
    }
    if (!container)
        path_truncate(c, old);
    return EBB_OK;
}

static int find_line(const struct conv *c, const char *path)
{
    for (size_t i = 0; i < c->n_lines; i++)
        if (strcmp(c->paths[i], path) == 0)
            return c->numbers[i];
    return 0;
}

static enum ebb_rc on_key(struct conv *c, const yaml_event_t *ev)
{
    struct frame *top = &c->stack[c->depth - 1];
    const char *key = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    int line = (int)ev->start_mark.line + 1;

    const struct scalar_tag *st = tag != NULL ? find_scalar_tag(tag) : NULL;
    if (tag != NULL && (st == NULL || st->accepts != 0)) {
        char t[64];
        tag_text(tag, t, sizeof(t));
        return conv_error(c, &ev->start_mark, "tag %s on a mapping key is not supported; remove it",
                          t);
    }
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(key, "<<") == 0)
        return conv_error(c, &ev->start_mark,
                          "merge keys (<<) are not supported; write the keys out in full");
    if (cJSON_GetObjectItemCaseSensitive(top->node, key) != NULL) {
        /* The first one's line is recorded under the same path. */
        size_t old = c->path.len;
        if (old > 0)
            ebb_strbuf_addch(&c->path, '.');
        ebb_strbuf_adds(&c->path, key);
        if (ebb_strbuf_rc(&c->path) != EBB_OK)
            return EBB_ERR_NOMEM;
        int first = find_line(c, c->path.buf);
        path_truncate(c, old);
        return conv_error(c, &ev->start_mark, "duplicate key \"%.64s\" (first at line %d)", key,
                          first);
    }
    top->key = strdup(key);
    if (top->key == NULL)
        return EBB_ERR_NOMEM;
    top->key_line = line;
    return EBB_OK;
}

static enum ebb_rc on_scalar(struct conv *c, const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    enum scalar_kind kind = SK_STR;
    double num = 0;
    bool b = false;
    char t[64];

    if (ev->data.scalar.anchor != NULL)
        return conv_error(c, &ev->start_mark,
                          "anchors (&%.40s) are not supported; write the value out in full",
                          (const char *)ev->data.scalar.anchor);
    if (strlen(s) != ev->data.scalar.length)
        return conv_error(c, &ev->start_mark, "NUL characters (\\0) are not allowed");
    if (c->depth > 0 && c->stack[c->depth - 1].is_map && c->stack[c->depth - 1].key == NULL)
        return on_key(c, ev);

    if (tag == NULL) {
        kind = plain ? resolve_plain(s, &num, &b) : SK_STR;
    } else {
        const struct scalar_tag *st = find_scalar_tag(tag);
        tag_text(tag, t, sizeof(t));
        if (st == NULL)
            return conv_error(c, &ev->start_mark,
                              "tag %s is not supported; remove it (only !!str, !!int, !!float, "
                              "!!bool and !!null are)",
                              t);
        if (st->accepts != 0) {
            kind = resolve_plain(s, &num, &b);
            if ((st->accepts & (1u << kind)) == 0)
                return conv_error(c, &ev->start_mark, "value \"%.64s\" does not match its tag %s",
                                  s, t);
        }
    }

    cJSON *node = NULL;
    switch (kind) {
    case SK_STR:
        node = cJSON_CreateString(s);
        break;
    case SK_NULL:
        node = cJSON_CreateNull();
        break;
    case SK_BOOL:
        node = cJSON_CreateBool(b);
        break;
    case SK_INT:
    case SK_FLOAT:
        node = make_number(num);
        break;
    }
    if (node == NULL)
        return EBB_ERR_NOMEM;
    return attach(c, node, (int)ev->start_mark.line + 1, false);
}

static enum ebb_rc on_start(struct conv *c, const yaml_event_t *ev, bool is_map)
{
    const char *anchor =
        (const char *)(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
    const char *tag =
        (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
    const char *core = is_map ? YAML_MAP_TAG : YAML_SEQ_TAG;

    if (anchor != NULL)
        return conv_error(c, &ev->start_mark,
                          "anchors (&%.40s) are not supported; write the value out in full",
                          anchor);
    if (tag != NULL && strcmp(tag, "!") != 0 && strcmp(tag, core) != 0) {
        char t[64];
        tag_text(tag, t, sizeof(t));
        return conv_error(c, &ev->start_mark, "tag %s is not supported; remove it", t);
    }
    if (c->depth > 0 && c->stack[c->depth - 1].is_map && c->stack[c->depth - 1].key == NULL)
        return conv_error(c, &ev->start_mark,
                          "mapping keys must be strings, not mappings or lists");
    if (c->depth == MAX_DEPTH)
        return conv_error(c, &ev->start_mark, "nested deeper than %d levels", MAX_DEPTH);

    cJSON *node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
    if (node == NULL)
        return EBB_ERR_NOMEM;
    enum ebb_rc rc = attach(c, node, (int)ev->start_mark.line + 1, true);
    if (rc != EBB_OK)
        return rc;
    struct frame *f = &c->stack[c->depth++];
    f->node = node;
    f->is_map = is_map;
    f->key = NULL;
    f->key_line = 0;
    f->count = 0;
    f->path_len = c->path.len;
    return EBB_OK;
}

static void on_end(struct conv *c)
{
    if (c->depth == 0)
        return;
    struct frame *f = &c->stack[--c->depth];
    free(f->key);
    f->key = NULL;
    path_truncate(c, c->depth > 0 ? c->stack[c->depth - 1].path_len : 0);
}

/* ---- documents -------------------------------------------------------- */

static char *dup_string_field(const cJSON *obj, const char *name, bool *nomem)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(v))
        return NULL;
    char *s = strdup(v->valuestring);
    if (s == NULL)
        *nomem = true;
    return s;
}

static enum ebb_rc finish_document(struct conv *c)
{
    enum ebb_rc rc = EBB_OK;
    cJSON *root = c->root;
    bool nomem = false;

    c->root = NULL;
    if (root == NULL || cJSON_IsNull(root)) { /* an empty document */
        clear_lines(c);
        goto out;
    }
    if (c->out->n == c->docs_cap) {
        size_t cap = c->docs_cap ? c->docs_cap * 2 : 4;
        struct ebb_yaml_doc *d = realloc(c->out->docs, cap * sizeof(*d));
        if (d == NULL) {
            rc = EBB_ERR_NOMEM;
            goto out;
        }
        c->out->docs = d;
        c->docs_cap = cap;
    }
    struct ebb_yaml_doc *d = &c->out->docs[c->out->n++];
    memset(d, 0, sizeof(*d));
    d->line = c->doc_line;
    ebb_policy_init(&d->policy);
    ebb_errlist_init(&d->errors);
    d->line_paths = c->paths;
    d->line_numbers = c->numbers;
    d->n_lines = c->n_lines;
    c->paths = NULL;
    c->numbers = NULL;
    c->n_lines = 0;
    c->cap_lines = 0;

    if (!cJSON_IsObject(root)) {
        char got[128];
        ebb__json_describe(root, got, sizeof(got));
        ebb_errlist_add(&d->errors, "",
                        "a document must be a mapping (apiVersion, kind, metadata, ...), got %s",
                        got);
        goto out;
    }
    d->api_version = dup_string_field(root, "apiVersion", &nomem);
    d->kind = dup_string_field(root, "kind", &nomem);
    if (nomem) {
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    d->is_policy = d->api_version != NULL && d->kind != NULL &&
                   strcmp(d->api_version, EBB_API_VERSION) == 0 && strcmp(d->kind, EBB_KIND) == 0;
    if (d->is_policy) {
        rc = ebb__policy_from_cjson(&d->policy, root, &d->errors);
        if (rc == EBB_ERR_INVALID)
            rc = EBB_OK; /* the errors stay with the document */
    }
out:
    cJSON_Delete(root);
    return rc;
}

static enum ebb_rc on_event(struct conv *c, const yaml_event_t *ev, bool *done)
{
    switch (ev->type) {
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
        return EBB_OK;
    case YAML_STREAM_END_EVENT:
        *done = true;
        return EBB_OK;
    case YAML_DOCUMENT_START_EVENT:
        c->doc_line = (int)ev->start_mark.line + 1;
        return EBB_OK;
    case YAML_DOCUMENT_END_EVENT:
        return finish_document(c);
    case YAML_ALIAS_EVENT:
        return conv_error(c, &ev->start_mark,
                          "aliases (*%.40s) are not supported; write the value out in full",
                          (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        return on_scalar(c, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(c, ev, false);
    case YAML_MAPPING_START_EVENT:
        return on_start(c, ev, true);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        on_end(c);
        return EBB_OK;
    }
    return EBB_OK;
}

static void syntax_error(const yaml_parser_t *parser, const char *text, size_t len,
                         struct ebb_yaml_error *yerr)
{
    const char *problem = parser->problem != NULL ? parser->problem : "invalid YAML";
    if (parser->error == YAML_READER_ERROR) {
        /* The reader reports a byte offset, not a mark. */
        size_t at = parser->problem_offset < len ? parser->problem_offset : len;
        yerr->line = 1;
        yerr->column = 1;
        for (size_t i = 0; i < at; i++) {
            if (text[i] == '\n') {
                yerr->line++;
                yerr->column = 1;
            } else {
                yerr->column++;
            }
        }
        snprintf(yerr->message, sizeof(yerr->message), "%s", problem);
        return;
    }
    yerr->line = (int)parser->problem_mark.line + 1;
    yerr->column = (int)parser->problem_mark.column + 1;
    if (parser->context != NULL)
        snprintf(yerr->message, sizeof(yerr->message), "%s (%s at line %d)", problem,
                 parser->context, (int)parser->context_mark.line + 1);
    else
        snprintf(yerr->message, sizeof(yerr->message), "%s", problem);
}

enum ebb_rc ebb_policy_docs_from_yaml(const char *text, size_t len, struct ebb_yaml_docs *out,
                                      struct ebb_yaml_error *yerr)
{
    struct ebb_yaml_error dummy;
    struct conv c;
    yaml_parser_t parser;
    yaml_event_t ev;
    bool have_parser = false;
    bool have_event = false;
    bool done = false;
    enum ebb_rc rc = EBB_OK;

    if (yerr == NULL)
        yerr = &dummy;
    memset(yerr, 0, sizeof(*yerr));
    memset(&c, 0, sizeof(c));
    ebb_strbuf_init(&c.path);
    c.yerr = yerr;
    c.out = out;
    out->docs = NULL;
    out->n = 0;
    if (text == NULL)
        text = "";

    if (len > EBB__CODEC_MAX_INPUT) {
        yerr->line = 1;
        yerr->column = 1;
        snprintf(yerr->message, sizeof(yerr->message), "input too large: %zu bytes (at most %u)",
                 len, EBB__CODEC_MAX_INPUT);
        rc = EBB_ERR_PARSE;
        goto out;
    }
    if (!yaml_parser_initialize(&parser)) {
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    have_parser = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                rc = EBB_ERR_NOMEM;
            } else {
                syntax_error(&parser, text, len, yerr);
                rc = EBB_ERR_PARSE;
            }
            goto out;
        }
        have_event = true;
        rc = on_event(&c, &ev, &done);
        yaml_event_delete(&ev);
        have_event = false;
        if (rc != EBB_OK)
            goto out;
    }
out:
    if (have_event)
        yaml_event_delete(&ev);
    if (have_parser)
        yaml_parser_delete(&parser);
    for (int i = 0; i < c.depth; i++)
        free(c.stack[i].key);
    cJSON_Delete(c.root);
    clear_lines(&c);
    ebb_strbuf_release(&c.path);
    if (rc != EBB_OK)
        ebb_yaml_docs_release(out);
    return rc;
}

void ebb_yaml_docs_release(struct ebb_yaml_docs *docs)
{
    if (docs == NULL)
        return;
    for (size_t i = 0; i < docs->n; i++) {
        struct ebb_yaml_doc *d = &docs->docs[i];
        free(d->api_version);
        free(d->kind);
        ebb_policy_release(&d->policy);
        ebb_errlist_release(&d->errors);
        free_lines(d->line_paths, d->line_numbers, d->n_lines);
    }
    free(docs->docs);
    docs->docs = NULL;
    docs->n = 0;
}

int ebb_yaml_doc_line(const struct ebb_yaml_doc *d, const char *path)
{
    size_t len = path != NULL ? strlen(path) : 0;
    while (len > 0) {
        for (size_t i = 0; i < d->n_lines; i++)
            if (strncmp(d->line_paths[i], path, len) == 0 && d->line_paths[i][len] == '\0')
                return d->line_numbers[i];
        /* Drop the last ".name" or "[i]". */
        size_t i = len;
        while (i > 0 && path[i - 1] != '.' && path[i - 1] != '[')
            i--;
        len = i > 0 ? i - 1 : 0;
    }
    return d->line;
}
