/* kubeconfig_parse.c -- one kubeconfig file (YAML) -> struct ebb__kc_file.
 *
 * kubectl reads a kubeconfig as sigs.k8s.io/yaml does: YAML 1.1 scalars
 * (go-yaml v2: yes/no/on/off are booleans), converted to JSON, decoded into
 * typed Go structs. So an unquoted number where a string belongs is an
 * error, a null is the same as an absent field, unknown fields are ignored,
 * anchors, aliases and merge keys work. We walk libyaml's document tree the
 * same way, looking up only the fields we know; the walk is bounded by that
 * schema, so aliases (which libyaml keeps as shared nodes, never copies)
 * cannot make it blow up. Duplicate keys in a mapping we read are an error:
 * JSON would keep the last silently, and that is always a mistake.
 */
#include "kubeconfig_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#define PATH_MAX_LEN 160
#define MERGE_DEPTH 8
#define MERGE_BUDGET 1000 /* mappings one lookup may visit through merge keys */

struct pctx {
    yaml_document_t *doc;
    struct ebb_arena *a;
    const char *file;
    const char *base; /* absolute folder of file, no trailing '/' except for "/" */
    char *err;
    size_t errsz;
};

enum skind { SK_STR, SK_NULL, SK_TRUE, SK_FALSE, SK_NUM };

static enum ebb_rc fail(struct pctx *c, enum ebb_rc rc, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum ebb_rc fail(struct pctx *c, enum ebb_rc rc, const char *path, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(c->err, c->errsz, "%s: %s: ", c->file, path);
    if (n >= 0 && (size_t)n < c->errsz) {
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errsz - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static yaml_node_t *node_at(const struct pctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

static bool scalar_is(const yaml_node_t *n, const char *s)
{
    size_t len = strlen(s);
    return n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
           memcmp(n->data.scalar.value, s, len) == 0;
}

static bool in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, s, n) == 0)
            return true;
    return false;
}

/* Whether a plain scalar reads as a number in YAML 1.1 (go-yaml v2):
 * ints in any base Go's ParseInt accepts, with '_' ignored, and floats. */
static bool is_number(const char *s, size_t n)
{
    static const char *const special[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
                                          "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
                                          ".NaN",  ".NAN",  NULL};
    char buf[128];
    size_t i, m = 0;
    char *end;

    if (n == 0 || !(s[0] == '+' || s[0] == '-' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
        return false;
    if (in_list(s, n, special))
        return true;
    for (i = 0; i < n; i++) {
        if (s[i] == '_')
            continue;
        if (m + 1 >= sizeof(buf)) {
            /* Too long for strtod's buffer: only a run of digits is a number. */
            for (i = (s[0] == '+' || s[0] == '-') ? 1 : 0; i < n; i++)
                if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '_')
                    return false;
            return true;
        }
        buf[m++] = s[i];
    }
    buf[m] = '\0';
    if (m == 0)
        return false;
    {
        const char *d = buf + (buf[0] == '+' || buf[0] == '-');
        if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B' || d[1] == 'o' || d[1] == 'O')) {
            const char *digits = (d[1] == 'b' || d[1] == 'B') ? "01" : "01234567";
            if (d[2] == '\0')
                return false;
            for (d += 2; *d; d++)
                if (strchr(digits, *d) == NULL)
                    return false;
            return true;
        }
    }
    (void)strtoll(buf, &end, 0);
    if (*end == '\0')
        return true;
    (void)strtod(buf, &end);
    return *end == '\0';
}

static enum skind scalar_kind(const yaml_node_t *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                        "True", "TRUE", "on",  "On",  "ON",  NULL};
    static const char *const falses[] = {"n",     "N",     "no",  "No",  "NO",  "false",
                                         "False", "FALSE", "off", "Off", "OFF", NULL};
    const char *s = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;

    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return SK_STR;
    if (in_list(s, len, nulls))
        return SK_NULL;
    if (in_list(s, len, trues))
        return SK_TRUE;
    if (in_list(s, len, falses))
        return SK_FALSE;
    if (is_number(s, len))
        return SK_NUM;
    return SK_STR;
}

static bool is_null(const yaml_node_t *n)
{
    return n == NULL || (n->type == YAML_SCALAR_NODE && scalar_kind(n) == SK_NULL);
}

static const char *kind_name(const yaml_node_t *n)
{
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    switch (scalar_kind(n)) {
    case SK_TRUE:
    case SK_FALSE:
        return "a boolean";
    case SK_NUM:
        return "a number";
    case SK_NULL:
        return "null";
    case SK_STR:
        break;
    }
    return "a string";
}

/* Field paths are for messages: one too long ends in "...". */
static void sub(char *dst, const char *path, const char *key)
{
    int n = snprintf(dst, PATH_MAX_LEN, "%s%s%s", path, path[0] ? "." : "", key);
    if (n < 0 || n >= PATH_MAX_LEN)
        memcpy(dst + PATH_MAX_LEN - 4, "...", 4);
}

static void sub_index(char *dst, const char *path, const char *key, size_t i)
{
    int n = snprintf(dst, PATH_MAX_LEN, "%s%s%s[%zu]", path, path[0] ? "." : "", key, i);
    if (n < 0 || n >= PATH_MAX_LEN)
        memcpy(dst + PATH_MAX_LEN - 4, "...", 4);
}

/* Finds key in the mapping m, looking into merge keys ("<<") when m has no
 * such key of its own. *out is NULL when absent. */
static enum ebb_rc lookup(struct pctx *c, yaml_node_t *m, const char *key, const char *path,
                          int depth, int *budget, yaml_node_t **out)
{
    yaml_node_pair_t *p;
    yaml_node_t *found = NULL, *merge = NULL;

    *out = NULL;
    if (--*budget < 0)
        return fail(c, EBB_ERR_LIMIT, path, "merge keys (<<) reach more than %d mappings",
                    MERGE_BUDGET);
    for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(c, p->key);
        if (k == NULL)
            continue;
        if (scalar_is(k, "<<") && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            merge = node_at(c, p->value);
            continue;
        }
        if (!scalar_is(k, key))
            continue;
        if (found) {
            char at[PATH_MAX_LEN];
            sub(at, path, key);
            return fail(c, EBB_ERR_PARSE, at, "duplicate key (line %lu and line %lu)",
                        (unsigned long)found->start_mark.line + 1,
                        (unsigned long)k->start_mark.line + 1);
        }
        found = k;
        *out = node_at(c, p->value);
    }
    if (found || merge == NULL)
        return EBB_OK;
    if (depth >= MERGE_DEPTH)
        return fail(c, EBB_ERR_LIMIT, path, "merge keys (<<) nested more than %d deep",
                    MERGE_DEPTH);
    if (merge->type == YAML_MAPPING_NODE)
        return lookup(c, merge, key, path, depth + 1, budget, out);
    if (merge->type == YAML_SEQUENCE_NODE) {
        yaml_node_item_t *it;
        for (it = merge->data.sequence.items.start; it < merge->data.sequence.items.top; it++) {
            yaml_node_t *mm = node_at(c, *it);
            enum ebb_rc rc;
            if (mm == NULL || mm->type != YAML_MAPPING_NODE)
                return fail(c, EBB_ERR_PARSE, path, "a merge key (<<) must name mappings");
            rc = lookup(c, mm, key, path, depth + 1, budget, out);
            if (rc || *out)
                return rc;
        }
        return EBB_OK;
    }
    return fail(c, EBB_ERR_PARSE, path, "a merge key (<<) must name a mapping");
}

/* A field's value, NULL when absent or null. */
static enum ebb_rc field(struct pctx *c, yaml_node_t *m, const char *key, const char *path,
                         yaml_node_t **out)
{
    int budget = MERGE_BUDGET;
    enum ebb_rc rc = lookup(c, m, key, path, 0, &budget, out);
    if (rc == EBB_OK && is_null(*out))
        *out = NULL;
    return rc;
}

/* secret: a token, password, key or env value, never shown in a message. */
static enum ebb_rc scalar_string_x(struct pctx *c, yaml_node_t *n, const char *at, bool secret,
                                   const char **out)
{
    const char *s;
    size_t len;

    if (n->type != YAML_SCALAR_NODE)
        return fail(c, EBB_ERR_PARSE, at, "want a string, not %s", kind_name(n));
    s = (const char *)n->data.scalar.value;
    len = n->data.scalar.length;
    if (scalar_kind(n) != SK_STR && secret)
        return fail(c, EBB_ERR_PARSE, at, "want a string, not %s; put it in quotes", kind_name(n));
    if (scalar_kind(n) != SK_STR)
        return fail(c, EBB_ERR_PARSE, at, "want a string, not %s (%.40s); put it in quotes",
                    kind_name(n), s);
    if (memchr(s, '\0', len) != NULL)
        return fail(c, EBB_ERR_PARSE, at, "contains a NUL character");
    *out = ebb_arena_strndup(c->a, s, len);
    return *out ? EBB_OK : EBB_ERR_NOMEM;
}

static enum ebb_rc scalar_string(struct pctx *c, yaml_node_t *n, const char *at, const char **out)
{
    return scalar_string_x(c, n, at, false, out);
}

static enum ebb_rc get_string_x(struct pctx *c, yaml_node_t *m, const char *key, const char *path,
                                bool secret, const char **out)
{
    char at[PATH_MAX_LEN];
    yaml_node_t *v;
    enum ebb_rc rc = field(c, m, key, path, &v);

    *out = NULL;
    if (rc || v == NULL)
        return rc;
    sub(at, path, key);
    rc = scalar_string_x(c, v, at, secret, out);
    if (rc == EBB_OK && (*out)[0] == '\0')
        *out = NULL; /* as Go: an empty string is an unset field */
    return rc;
}

static enum ebb_rc get_string(struct pctx *c, yaml_node_t *m, const char *key, const char *path,
                              const char **out)
{
    return get_string_x(c, m, key, path, false, out);
}

static enum ebb_rc get_secret(struct pctx *c, yaml_node_t *m, const char *key, const char *path,
                              const char **out)
{
    return get_string_x(c, m, key, path, true, out);
}

static enum ebb_rc get_bool(struct pctx *c, yaml_node_t *m, const char *key, const char *path,
                            bool *out)
{
    char at[PATH_MAX_LEN];
    yaml_node_t *v;
    enum ebb_rc rc = field(c, m, key, path, &v);

    *out = false;
    if (rc || v == NULL)
        return rc;
    if (v->type == YAML_SCALAR_NODE && scalar_kind(v) == SK_TRUE) {
        *out = true;
        return EBB_OK;
    }
    if (v->type == YAML_SCALAR_NODE && scalar_kind(v) == SK_FALSE)
        return EBB_OK;
    sub(at, path, key);
    return fail(c, EBB_ERR_PARSE, at, "want true or false, not %s", kind_name(v));
}

/* dir + "/" + p (dir NULL: p alone), cleaned as Go's filepath.Clean does. */
static enum ebb_rc clean_join(struct pctx *c, const char *dir, const char *p, const char **out)
{
    size_t dlen = dir ? strlen(dir) : 0, plen = strlen(p);
    char *buf, *w, *r;

    buf = ebb_arena_alloc(c->a, dlen + plen + 2);
    if (buf == NULL)
        return EBB_ERR_NOMEM;
    if (dir)
        memcpy(buf, dir, dlen);
    buf[dlen] = '/';
    memcpy(buf + dlen + 1, p, plen + 1);
    /* In place: the result is never longer than the input. */
    w = buf;
    r = buf;
    while (*r) {
        while (*r == '/')
            r++;
        char *seg = r;
        while (*r && *r != '/')
            r++;
        size_t n = (size_t)(r - seg);
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (w > buf && *--w != '/')
                ;
            continue;
        }
        *w++ = '/';
        memmove(w, seg, n);
        w += n;
    }
    if (w == buf)
        *w++ = '/';
    *w = '\0';
    *out = buf;
    return EBB_OK;
}

/* A path to a file: as client-go, an absolute one is kept as written and a
 * relative one is joined to the kubeconfig's folder. */
static enum ebb_rc absolute(struct pctx *c, const char *p, const char **out)
{
    if (p[0] == '/') {
        *out = p;
        return EBB_OK;
    }
    return clean_join(c, c->base, p, out);
}

static enum ebb_rc get_path(struct pctx *c, yaml_node_t *m, const char *key, const char *path,
                            const char **out)
{
    enum ebb_rc rc = get_string(c, m, key, path, out);
    if (rc || *out == NULL)
        return rc;
    return absolute(c, *out, out);
}

static enum ebb_rc get_data(struct pctx *c, yaml_node_t *m, const char *key, const char *path,
                            bool secret, const char **out, size_t *out_len)
{
    char at[PATH_MAX_LEN];
    const char *s;
    unsigned char *buf;
    size_t len, bad;
    enum ebb_rc rc = get_string_x(c, m, key, path, secret, &s);

    *out = NULL;
    *out_len = 0;
    if (rc || s == NULL)
        return rc;
    len = strlen(s);
    buf = ebb_arena_alloc(c->a, (len / 4 + 1) * 3 + 1);
    if (buf == NULL)
        return EBB_ERR_NOMEM;
    if (ebb__kube_base64_decode(s, len, buf, out_len, &bad) != EBB_OK) {
        sub(at, path, key);
        if (bad >= len)
            return fail(c, EBB_ERR_PARSE, at, "not valid base64: it ends inside a group of 4");
        if (secret)
            return fail(c, EBB_ERR_PARSE, at, "not valid base64: a bad character at offset %zu",
                        bad);
        return fail(c, EBB_ERR_PARSE, at, "not valid base64: '%c' at offset %zu",
                    s[bad] >= 0x20 && s[bad] < 0x7f ? s[bad] : '?', bad);
    }
    buf[*out_len] = '\0';
    *out = *out_len ? (const char *)buf : NULL;
    return EBB_OK;
}

/* A mapping-valued field; *out NULL when absent. */
static enum ebb_rc get_map(struct pctx *c, yaml_node_t *m, const char *key, const char *path,
                           yaml_node_t **out)
{
    char at[PATH_MAX_LEN];
    enum ebb_rc rc = field(c, m, key, path, out);

    if (rc || *out == NULL || (*out)->type == YAML_MAPPING_NODE)
        return rc;
    sub(at, path, key);
    return fail(c, EBB_ERR_PARSE, at, "want a mapping, not %s", kind_name(*out));
}

static enum ebb_rc get_seq(struct pctx *c, yaml_node_t *m, const char *key, const char *path,
                           yaml_node_t **out, size_t *n)
{
    char at[PATH_MAX_LEN];
    enum ebb_rc rc = field(c, m, key, path, out);

    *n = 0;
    if (rc || *out == NULL)
        return rc;
    if ((*out)->type != YAML_SEQUENCE_NODE) {
        sub(at, path, key);
        return fail(c, EBB_ERR_PARSE, at, "want a list, not %s", kind_name(*out));
    }
    *n = (size_t)((*out)->data.sequence.items.top - (*out)->data.sequence.items.start);
    return EBB_OK;
}

/* Item i of a list field, which must be a mapping. */
static enum ebb_rc item_map(struct pctx *c, yaml_node_t *seq, size_t i, const char *at,
                            yaml_node_t **out)
{
    *out = node_at(c, seq->data.sequence.items.start[i]);
    if (*out && (*out)->type == YAML_MAPPING_NODE)
        return EBB_OK;
    if (*out == NULL || is_null(*out))
        return fail(c, EBB_ERR_PARSE, at, "want a mapping, not null");
    return fail(c, EBB_ERR_PARSE, at, "want a mapping, not %s", kind_name(*out));
}

static enum ebb_rc parse_cluster(struct pctx *c, yaml_node_t *m, const char *at,
                                 struct ebb__kc_cluster *cl)
{
    enum ebb_rc rc;

    if ((rc = get_string(c, m, "server", at, &cl->server)) ||
        (rc = get_path(c, m, "certificate-authority", at, &cl->ca_file)) ||
        (rc = get_data(c, m, "certificate-authority-data", at, false, &cl->ca_data,
                       &cl->ca_data_len)) ||
        (rc = get_bool(c, m, "insecure-skip-tls-verify", at, &cl->insecure)) ||
        (rc = get_string(c, m, "tls-server-name", at, &cl->tls_server_name)) ||
        (rc = get_string(c, m, "proxy-url", at, &cl->proxy_url)))
        return rc;
    {
        bool ignored;
        rc = get_bool(c, m, "disable-compression", at, &ignored);
    }
    return rc;
}

static enum ebb_rc parse_exec(struct pctx *c, yaml_node_t *m, const char *at,
                              struct ebb__kc_user *u)
{
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    yaml_node_t *seq;
    size_t i, n;
    enum ebb_rc rc;

    u->has_exec = true;
    if ((rc = get_string(c, m, "command", at, &u->exec_command)) ||
        (rc = get_string(c, m, "apiVersion", at, &u->exec_api_version)) ||
        (rc = get_string(c, m, "installHint", at, &u->exec_install_hint)) ||
        (rc = get_string(c, m, "interactiveMode", at, &u->exec_interactive_mode)) ||
        (rc = get_bool(c, m, "provideClusterInfo", at, &u->exec_provide_cluster_info)))
        return rc;
    /* As client-go: a command with a '/' is a path, relative to the file;
     * a bare name is looked up in PATH. */
    if (u->exec_command && strchr(u->exec_command, '/') &&
        (rc = absolute(c, u->exec_command, &u->exec_command)))
        return rc;

    if ((rc = get_seq(c, m, "args", at, &seq, &n)))
        return rc;
    if (n) {
        u->exec_args = ebb_arena_calloc(c->a, n, sizeof(*u->exec_args));
        if (u->exec_args == NULL)
            return EBB_ERR_NOMEM;
        for (i = 0; i < n; i++) {
            yaml_node_t *v = node_at(c, seq->data.sequence.items.start[i]);
            sub_index(p, at, "args", i);
            if (is_null(v))
                u->exec_args[i] = "";
            else if ((rc = scalar_string(c, v, p, &u->exec_args[i])))
                return rc;
        }
        u->n_exec_args = n;
    }

    if ((rc = get_seq(c, m, "env", at, &seq, &n)))
        return rc;
    if (n) {
        u->exec_env = ebb_arena_calloc(c->a, n, sizeof(*u->exec_env));
        if (u->exec_env == NULL)
            return EBB_ERR_NOMEM;
        for (i = 0; i < n; i++) {
            yaml_node_t *e;
            sub_index(p, at, "env", i);
            if ((rc = item_map(c, seq, i, p, &e)) ||
                (rc = get_string(c, e, "name", p, &u->exec_env[i].name)) ||
                (rc = get_secret(c, e, "value", p, &u->exec_env[i].value)))
                return rc;
            if (u->exec_env[i].name == NULL) {
                sub(q, p, "name");
                return fail(c, EBB_ERR_PARSE, q, "missing; every env entry needs a name");
            }
            if (strchr(u->exec_env[i].name, '=')) {
                sub(q, p, "name");
                return fail(c, EBB_ERR_PARSE, q, "\"%s\" contains '='", u->exec_env[i].name);
            }
            if (u->exec_env[i].value == NULL)
                u->exec_env[i].value = "";
        }
        u->n_exec_env = n;
    }
    return EBB_OK;
}

static enum ebb_rc parse_user(struct pctx *c, yaml_node_t *m, const char *at,
                              struct ebb__kc_user *u)
{
    /* Fields kubectl honours and we do not: refusing them beats talking to
     * the API server as someone else than the kubeconfig says. */
    static const char *const unsupported[] = {"auth-provider", "as", "as-uid", "as-groups",
                                              "as-user-extra", NULL};
    const char *const *k;
    yaml_node_t *ex;
    enum ebb_rc rc;

    if ((rc = get_secret(c, m, "token", at, &u->token)) ||
        (rc = get_path(c, m, "tokenFile", at, &u->token_file)) ||
        (rc = get_path(c, m, "client-certificate", at, &u->cert_file)) ||
        (rc = get_data(c, m, "client-certificate-data", at, false, &u->cert_data,
                       &u->cert_data_len)) ||
        (rc = get_path(c, m, "client-key", at, &u->key_file)) ||
        (rc = get_data(c, m, "client-key-data", at, true, &u->key_data, &u->key_data_len)) ||
        (rc = get_string(c, m, "username", at, &u->username)) ||
        (rc = get_secret(c, m, "password", at, &u->password)))
        return rc;
    for (k = unsupported; *k; k++) {
        yaml_node_t *v;
        if ((rc = field(c, m, *k, at, &v)))
            return rc;
        if (v && !(v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0) &&
            !(v->type == YAML_SEQUENCE_NODE &&
              v->data.sequence.items.top == v->data.sequence.items.start) &&
            !(v->type == YAML_MAPPING_NODE &&
              v->data.mapping.pairs.top == v->data.mapping.pairs.start)) {
            u->unsupported = *k;
            break;
        }
    }
    if ((rc = get_map(c, m, "exec", at, &ex)))
        return rc;
    if (ex) {
        char p[PATH_MAX_LEN];
        sub(p, at, "exec");
        return parse_exec(c, ex, p, u);
    }
    return EBB_OK;
}

static enum ebb_rc parse_context(struct pctx *c, yaml_node_t *m, const char *at,
                                 struct ebb__kc_context *x)
{
    enum ebb_rc rc;

    if ((rc = get_string(c, m, "cluster", at, &x->cluster)) ||
        (rc = get_string(c, m, "user", at, &x->user)) ||
        (rc = get_string(c, m, "namespace", at, &x->namespace_)))
        return rc;
    return EBB_OK;
}

enum kind { K_CLUSTER, K_USER, K_CONTEXT };

/* One of the three named lists: clusters, users, contexts. */
static enum ebb_rc parse_list(struct pctx *c, yaml_node_t *root, enum kind kind,
                              struct ebb__kc_file *f)
{
    static const char *const lists[] = {"clusters", "users", "contexts"};
    static const char *const inner[] = {"cluster", "user", "context"};
    static const size_t sizes[] = {sizeof(struct ebb__kc_cluster), sizeof(struct ebb__kc_user),
                                   sizeof(struct ebb__kc_context)};
    char at[PATH_MAX_LEN], body[PATH_MAX_LEN];
    yaml_node_t *seq;
    size_t i, j, n;
    char *items;
    enum ebb_rc rc = get_seq(c, root, lists[kind], "", &seq, &n);

    if (rc || n == 0)
        return rc;
    items = ebb_arena_calloc(c->a, n, sizes[kind]);
    if (items == NULL)
        return EBB_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        yaml_node_t *m, *b;
        const char *name;
        sub_index(at, "", lists[kind], i);
        if ((rc = item_map(c, seq, i, at, &m)) || (rc = get_string(c, m, "name", at, &name)) ||
            (rc = get_map(c, m, inner[kind], at, &b)))
            return rc;
        if (name == NULL)
            name = "";
        /* client-go refuses a name twice in one file (it keys a map by it). */
        for (j = 0; j < i; j++) {
            const char *other = kind == K_CLUSTER ? ((struct ebb__kc_cluster *)items)[j].name
                                : kind == K_USER  ? ((struct ebb__kc_user *)items)[j].name
                                                  : ((struct ebb__kc_context *)items)[j].name;
            if (strcmp(other, name) == 0) {
                sub(body, at, "name");
                return fail(c, EBB_ERR_INVALID, body, "\"%s\" is already defined by %s[%zu]", name,
                            lists[kind], j);
            }
        }
        sub(body, at, inner[kind]);
        if (kind == K_CLUSTER) {
            struct ebb__kc_cluster *x = &((struct ebb__kc_cluster *)items)[i];
            x->name = name;
            x->index = i;
            x->file = f;
            rc = b ? parse_cluster(c, b, body, x) : EBB_OK;
        } else if (kind == K_USER) {
            struct ebb__kc_user *x = &((struct ebb__kc_user *)items)[i];
            x->name = name;
            x->index = i;
            x->file = f;
            rc = b ? parse_user(c, b, body, x) : EBB_OK;
        } else {
            struct ebb__kc_context *x = &((struct ebb__kc_context *)items)[i];
            x->name = name;
            x->index = i;
            x->file = f;
            rc = b ? parse_context(c, b, body, x) : EBB_OK;
        }
        if (rc)
            return rc;
    }
    if (kind == K_CLUSTER) {
        f->clusters = (struct ebb__kc_cluster *)items;
        f->n_clusters = n;
    } else if (kind == K_USER) {
        f->users = (struct ebb__kc_user *)items;
        f->n_users = n;
    } else {
        f->contexts = (struct ebb__kc_context *)items;
        f->n_contexts = n;
    }
    return EBB_OK;
}

/* The absolute folder of path, cleaned. */
static enum ebb_rc base_dir(struct pctx *c, const char *path)
{
    const char *slash = strrchr(path, '/');
    char cwd[4096];
    const char *dir;

    if (slash == path) {
        c->base = "/";
        return EBB_OK;
    }
    dir = slash ? ebb_arena_strndup(c->a, path, (size_t)(slash - path)) : ".";
    if (dir == NULL)
        return EBB_ERR_NOMEM;
    if (dir[0] == '/')
        return clean_join(c, NULL, dir, &c->base);
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        snprintf(cwd, sizeof(cwd), "/");
    return clean_join(c, cwd, dir, &c->base);
}

enum ebb_rc ebb__kc_parse(struct ebb_arena *a, const char *text, size_t len, const char *path,
                          struct ebb__kc_file *f, char *err, size_t errsz)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    bool have_parser = false, have_doc = false;
    struct pctx c = {NULL, a, path ? path : "<input>", "/", err, errsz};
    yaml_node_t *root;
    const char *s;
    enum ebb_rc rc = EBB_OK;

    memset(f, 0, sizeof(*f));
    f->path = c.file;
    if ((rc = base_dir(&c, c.file)))
        goto out;
    if (len == 0)
        goto out; /* as client-go: an empty file is an empty config */
    if (!yaml_parser_initialize(&parser)) {
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    have_parser = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        if (parser.error == YAML_MEMORY_ERROR) {
            rc = EBB_ERR_NOMEM;
            goto out;
        }
        snprintf(err, errsz, "%s: line %lu column %lu: YAML: %s%s%s", c.file,
                 (unsigned long)parser.problem_mark.line + 1,
                 (unsigned long)parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "malformed", parser.context ? ", " : "",
                 parser.context ? parser.context : "");
        rc = EBB_ERR_PARSE;
        goto out;
    }
    have_doc = true;
    c.doc = &doc;
    root = yaml_document_get_root_node(&doc);
    if (is_null(root))
        goto out;
    if (root->type != YAML_MAPPING_NODE) {
        snprintf(err, errsz,
                 "%s: not a kubeconfig: the top level is %s, not a mapping of apiVersion, "
                 "clusters, users, contexts",
                 c.file, kind_name(root));
        rc = EBB_ERR_PARSE;
        goto out;
    }
    if ((rc = get_string(&c, root, "apiVersion", "", &s)))
        goto out;
    if (s && strcmp(s, "v1") != 0) {
        rc = fail(&c, EBB_ERR_INVALID, "apiVersion", "\"%s\" is not a kubeconfig version; want v1",
                  s);
        goto out;
    }
    if ((rc = get_string(&c, root, "kind", "", &s)))
        goto out;
    if (s && strcmp(s, "Config") != 0) {
        rc = fail(&c, EBB_ERR_INVALID, "kind", "\"%s\" is not a kubeconfig; want Config", s);
        goto out;
    }
    if ((rc = get_string(&c, root, "current-context", "", &f->current_context)) ||
        (rc = parse_list(&c, root, K_CLUSTER, f)) || (rc = parse_list(&c, root, K_USER, f)) ||
        (rc = parse_list(&c, root, K_CONTEXT, f)))
        goto out;
out:
    if (rc == EBB_ERR_NOMEM)
        snprintf(err, errsz, "%s: out of memory", c.file);
    if (have_doc)
        yaml_document_delete(&doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    return rc;
}
