/*
 * kubesim: CustomResourceDefinitions -- defaults, validation
 * (apiextensions-apiserver validation.go, the parts a client meets) and
 * what happens when one is written: its types are (un)registered and its
 * status filled the way the real server does a moment later (41).
 */
#include "builtins.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void ks_bi_crd_default(cJSON *crd)
{
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(crd, "spec");
    cJSON *names = cJSON_GetObjectItemCaseSensitive(spec, "names");
    const char *kind = ks_json_str(names, "kind");
    const char *s;

    if (cJSON_IsObject(names) && kind && *kind) {
        s = ks_json_str(names, "singular");
        if (!s || !*s) {
            char lower[128];
            snprintf(lower, sizeof(lower), "%s", kind);
            for (char *p = lower; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            cJSON_DeleteItemFromObjectCaseSensitive(names, "singular");
            cJSON_AddStringToObject(names, "singular", lower);
        }
        s = ks_json_str(names, "listKind");
        if (!s || !*s) {
            char lk[140];
            snprintf(lk, sizeof(lk), "%.127sList", kind);
            cJSON_DeleteItemFromObjectCaseSensitive(names, "listKind");
            cJSON_AddStringToObject(names, "listKind", lk);
        }
    }
    if (cJSON_IsObject(spec) &&
        !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(spec, "conversion"))) {
        cJSON *conv = cJSON_CreateObject();
        if (conv) {
            cJSON_AddStringToObject(conv, "strategy", "None");
            cJSON_DeleteItemFromObjectCaseSensitive(spec, "conversion");
            cJSON_AddItemToObject(spec, "conversion", conv);
        }
    }
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(crd, "status"))) {
        cJSON *st = cJSON_CreateObject(), *an, *sv, *ver;
        if (!st)
            return;
        cJSON_AddNullToObject(st, "conditions");
        an = cJSON_AddObjectToObject(st, "acceptedNames");
        cJSON_AddStringToObject(an, "plural", "");
        cJSON_AddStringToObject(an, "kind", "");
        sv = cJSON_AddArrayToObject(st, "storedVersions");
        cJSON_ArrayForEach(ver, cJSON_GetObjectItemCaseSensitive(spec, "versions"))
        {
            const char *vn = ks_json_str(ver, "name");
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ver, "storage")) && vn && sv)
                cJSON_AddItemToArray(sv, cJSON_CreateString(vn));
        }
        cJSON_DeleteItemFromObjectCaseSensitive(crd, "status");
        cJSON_AddItemToObject(crd, "status", st);
    }
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static void render_versions(struct ebb_strbuf *sb, const cJSON *versions)
{
    const cJSON *v;
    int i = 0;

    if (cJSON_GetArraySize(versions) == 0) {
        ebb_strbuf_adds(sb, "[]apiextensions.CustomResourceDefinitionVersion(nil)");
        return;
    }
    ebb_strbuf_adds(sb, "[]apiextensions.CustomResourceDefinitionVersion{");
    cJSON_ArrayForEach(v, versions)
    {
        if (i++)
            ebb_strbuf_adds(sb, ", ");
        ebb_strbuf_adds(sb, "apiextensions.CustomResourceDefinitionVersion{Name:");
        ks_bi_go_quote(sb, ks_json_str(v, "name"));
        ebb_strbuf_addf(
            sb, ", Served:%s, Storage:%s, ...}",
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "served")) ? "true" : "false",
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "storage")) ? "true" : "false");
    }
    ebb_strbuf_addch(sb, '}');
}

static void versions_invalid(struct ks_causes *c, const cJSON *versions, const char *detail)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;

    render_versions(&sb, versions);
    ks_bi_invalid_raw(c, "spec.versions", sb.buf, detail);
    ebb_strbuf_release(&sb);
}

/* IsDNS1035Label messages joined by "," as one Invalid. */
static void dns1035(struct ks_causes *c, const char *field, const char *value, bool lower_it,
                    const char *prefix)
{
    char lower[256], joined[1200];
    struct ks_bi_msgs m;
    size_t len = 0;

    snprintf(lower, sizeof(lower), "%s", value);
    if (lower_it)
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    ks_bi_name_msgs(KS_BI_DNS1035, lower, false, &m);
    if (!m.n)
        return;
    joined[0] = '\0';
    len = (size_t)snprintf(joined, sizeof(joined), "%s", prefix);
    for (int i = 0; i < m.n && len < sizeof(joined); i++)
        len += (size_t)snprintf(joined + len, sizeof(joined) - len, "%s%s", i ? "," : "", m.v[i]);
    ks_bi_invalid_str(c, field, value, joined);
}

static void validate_names(struct ks_causes *c, const cJSON *names)
{
    static const char mixed[] = "may have mixed case, but should otherwise match: ";
    const char *plural = ks_json_str(names, "plural");
    const char *singular = ks_json_str(names, "singular");
    const char *kind = ks_json_str(names, "kind");
    const char *list_kind = ks_json_str(names, "listKind");
    const cJSON *it;
    char f[80];
    int i;

    if (plural && *plural)
        dns1035(c, "spec.names.plural", plural, false, "");
    if (singular && *singular)
        dns1035(c, "spec.names.singular", singular, false, "");
    if (kind && *kind)
        dns1035(c, "spec.names.kind", kind, true, mixed);
    if (list_kind && *list_kind)
        dns1035(c, "spec.names.listKind", list_kind, true, mixed);
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(names, "shortNames"))
    {
        snprintf(f, sizeof(f), "spec.names.shortNames[%d]", i++);
        dns1035(c, f, cJSON_IsString(it) ? it->valuestring : "", false, "");
    }
    if (kind && *kind && list_kind && strcmp(kind, list_kind) == 0)
        ks_bi_invalid_str(c, "spec.names.listKind", list_kind,
                          "kind and listKind may not be the same");
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(names, "categories"))
    {
        snprintf(f, sizeof(f), "spec.names.categories[%d]", i++);
        dns1035(c, f, cJSON_IsString(it) ? it->valuestring : "", false, "");
    }
}

static void immutable(struct ks_causes *c, const cJSON *a, const cJSON *b, const char *path)
{
    const char *x = ks_json_str(a, path), *y = ks_json_str(b, path);
    char field[64];

    if (strcmp(x ? x : "", y ? y : "") != 0) {
        snprintf(field, sizeof(field), "spec.%s", path);
        ks_bi_invalid_str(c, field, x ? x : "", "field is immutable");
    }
}

static bool established(const cJSON *crd)
{
    const cJSON *cond;

    cJSON_ArrayForEach(cond, ks_json_path(crd, "status.conditions"))
    {
        const char *t = ks_json_str(cond, "type"), *st = ks_json_str(cond, "status");
        if (t && st && strcmp(t, "Established") == 0 && strcmp(st, "True") == 0)
            return true;
    }
    return false;
}

void ks_bi_crd_validate(const cJSON *crd, const cJSON *old, struct ks_causes *c)
{
    static const char *const scopes[] = {"Cluster", "Namespaced", NULL};
    static const char *const strategies[] = {"None", "Webhook", NULL};
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(crd, "spec");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(spec, "names");
    const cJSON *versions = cJSON_GetObjectItemCaseSensitive(spec, "versions");
    const char *group = ks_json_str(spec, "group");
    const char *plural = ks_json_str(names, "plural");
    const char *name = ks_json_str(crd, "metadata.name");
    const char *scope = ks_json_str(spec, "scope");
    const char *strategy = ks_json_str(spec, "conversion.strategy");
    char required[400], f[96];
    const cJSON *v;
    int i = 0, storage = 0;
    bool unique = true;

    snprintf(required, sizeof(required), "%.190s.%.190s", plural ? plural : "", group ? group : "");
    ks_bi_validate_meta(
        c, crd, false, KS_BI_SUBDOMAIN,
        name && strcmp(name, required) != 0 ? "must be spec.names.plural+\".\"+spec.group" : NULL);
    if (!group || !*group) {
        ks_bi_required(c, "spec.group", "");
    } else {
        struct ks_bi_msgs m;
        ks_bi_name_msgs(KS_BI_SUBDOMAIN, group, false, &m);
        if (m.n) {
            char joined[1100];
            snprintf(joined, sizeof(joined), "%s%s%s", m.v[0], m.n > 1 ? "," : "",
                     m.n > 1 ? m.v[1] : "");
            ks_bi_invalid_str(c, "spec.group", group, joined);
        } else if (!strchr(group, '.')) {
            ks_bi_invalid_str(c, "spec.group", group, "should be a domain with at least one dot");
        }
    }
    if (!scope || !*scope)
        ks_bi_required(c, "spec.scope", "");
    else if (strcmp(scope, "Cluster") != 0 && strcmp(scope, "Namespaced") != 0)
        ks_bi_not_supported(c, "spec.scope", scope, scopes);
    cJSON_ArrayForEach(v, versions)
    {
        const char *vn = ks_json_str(v, "name");
        const cJSON *w;
        int j = 0;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "storage")))
            storage++;
        cJSON_ArrayForEach(w, versions)
        {
            const char *wn = ks_json_str(w, "name");
            if (j++ < i && vn && wn && strcmp(vn, wn) == 0)
                unique = false;
        }
        snprintf(f, sizeof(f), "spec.versions[%d].name", i);
        dns1035(c, f, vn ? vn : "", false, "");
        if (!cJSON_IsObject(ks_json_path(v, "schema.openAPIV3Schema"))) {
            snprintf(f, sizeof(f), "spec.versions[%d].schema.openAPIV3Schema", i);
            ks_bi_required(c, f, "schemas are required");
        }
        i++;
    }
    if (!unique)
        versions_invalid(c, versions, "must contain unique version names");
    if (storage != 1)
        versions_invalid(c, versions, "must have exactly one version marked as storage version");
    if (!plural || !*plural)
        ks_bi_required(c, "spec.names.plural", "");
    if (!ks_json_str(names, "singular") || !*ks_json_str(names, "singular"))
        ks_bi_required(c, "spec.names.singular", "");
    if (!ks_json_str(names, "kind") || !*ks_json_str(names, "kind"))
        ks_bi_required(c, "spec.names.kind", "");
    if (!ks_json_str(names, "listKind") || !*ks_json_str(names, "listKind"))
        ks_bi_required(c, "spec.names.listKind", "");
    validate_names(c, names);
    if (cJSON_IsObject(ks_json_path(spec, "conversion"))) {
        if (!strategy || !*strategy)
            ks_bi_required(c, "spec.conversion.strategy", "");
        else if (strcmp(strategy, "None") != 0 && strcmp(strategy, "Webhook") != 0)
            ks_bi_not_supported(c, "spec.conversion.strategy", strategy, strategies);
    }
    if (old) {
        const cJSON *ospec = cJSON_GetObjectItemCaseSensitive(old, "spec");
        if (established(old)) {
            immutable(c, spec, ospec, "scope");
            immutable(c, spec, ospec, "names.kind");
        }
        immutable(c, spec, ospec, "group");
        immutable(c, spec, ospec, "names.plural");
    }
}

/* ------------------------------------------------------------------ */
/* Registration and status                                             */

/* A type of another CRD (or a built-in) already answers at one of our
 * group/version/resource or kind: the name to report, else NULL. */
static const char *conflict(const ks_registry *r, const cJSON *crd, const char **what)
{
    const char *group = ks_json_str(crd, "spec.group");
    const char *plural = ks_json_str(crd, "spec.names.plural");
    const char *kind = ks_json_str(crd, "spec.names.kind");
    const char *name = ks_json_str(crd, "metadata.name");
    const cJSON *v;

    cJSON_ArrayForEach(v, ks_json_path(crd, "spec.versions"))
    {
        const char *vn = ks_json_str(v, "name");
        const ks_rtype *t = ks_registry_find(r, group, vn, plural);
        if (t && (t->origin != KS_RT_CUSTOM || strcmp(t->crd_name, name ? name : "") != 0)) {
            *what = "spec.names.plural";
            return plural;
        }
        t = ks_registry_find_kind(r, group, vn, kind);
        if (t && (t->origin != KS_RT_CUSTOM || strcmp(t->crd_name, name ? name : "") != 0)) {
            *what = "spec.names.kind";
            return kind;
        }
    }
    return NULL;
}

/* Sets (or keeps) one condition; lastTransitionTime moves only when the
 * status changes. */
static void set_condition(cJSON *conds, const char *type, const char *status, const char *reason,
                          const char *message, const char *now)
{
    cJSON *c, *found = NULL;

    cJSON_ArrayForEach(c, conds)
    {
        const char *t = ks_json_str(c, "type");
        if (t && strcmp(t, type) == 0)
            found = c;
    }
    const char *old_status = ks_json_str(found, "status");
    const char *old_time = ks_json_str(found, "lastTransitionTime");
    char keep[40];
    snprintf(keep, sizeof(keep), "%s",
             old_status && old_time && strcmp(old_status, status) == 0 ? old_time : now);
    c = cJSON_CreateObject();
    if (!c)
        return;
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", status);
    cJSON_AddStringToObject(c, "lastTransitionTime", keep);
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", message);
    if (found)
        cJSON_ReplaceItemViaPointer(conds, found, c);
    else
        cJSON_AddItemToArray(conds, c);
}

static cJSON *status_of(cJSON *crd)
{
    cJSON *st = cJSON_GetObjectItemCaseSensitive(crd, "status");

    if (cJSON_IsObject(st))
        return st;
    st = cJSON_CreateObject();
    if (!st)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(crd, "status");
    cJSON_AddItemToObject(crd, "status", st);
    return st;
}

static cJSON *conditions_of(cJSON *st)
{
    cJSON *conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");

    if (cJSON_IsArray(conds))
        return conds;
    conds = cJSON_CreateArray();
    if (!conds)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(st, "conditions");
    cJSON_AddItemToObject(st, "conditions", conds);
    return conds;
}

int ks_builtin_crd_changed(ks_sim *s, cJSON *crd, bool deleted, struct ks_causes *causes)
{
    const char *name = ks_json_str(crd, "metadata.name");
    char now[32], msg[200];
    const char *what = NULL, *taken;
    cJSON *st, *conds;
    int rc;

    if (!causes) {
        struct ks_causes tmp = {0};
        rc = ks_builtin_crd_changed(s, crd, deleted, &tmp);
        ks_causes_release(&tmp);
        return rc;
    }
    if (!s || !s->reg || !name)
        return KS_EINVALID;
    if (deleted) {
        ks_registry_remove_crd(s->reg, name);
        return KS_OK;
    }
    ks_time_format(ks_now(s), now);
    st = status_of(crd);
    conds = st ? conditions_of(st) : NULL;
    if (!conds)
        return KS_ENOMEM;
    taken = conflict(s->reg, crd, &what);
    if (taken) {
        snprintf(msg, sizeof(msg), "\"%.150s\" is already in use", taken);
        set_condition(conds, "NamesAccepted", "False", "MultipleConflicts", msg, now);
        set_condition(conds, "Established", "False", "NotAccepted", "not all names are accepted",
                      now);
        ks_bi_invalid_str(causes, what, taken, msg + 0);
        ks_bi_order("CustomResourceDefinition", crd);
        return KS_EINVALID;
    }
    rc = ks_registry_add_crd(s->reg, crd, causes);
    if (rc != KS_OK)
        return rc;
    set_condition(conds, "NamesAccepted", "True", "NoConflicts", "no conflicts found", now);
    set_condition(conds, "Established", "True", "InitialNamesAccepted",
                  "the initial names have been accepted", now);
    /* acceptedNames: the spec's names, as the real server echoes them */
    cJSON *names = cJSON_Duplicate(ks_json_path(crd, "spec.names"), true);
    if (names) {
        cJSON_DeleteItemFromObjectCaseSensitive(st, "acceptedNames");
        cJSON_AddItemToObject(st, "acceptedNames", names);
    }
    /* storedVersions keeps every version ever stored, plus today's */
    cJSON *stored = cJSON_GetObjectItemCaseSensitive(st, "storedVersions");
    if (!cJSON_IsArray(stored)) {
        stored = cJSON_CreateArray();
        cJSON_DeleteItemFromObjectCaseSensitive(st, "storedVersions");
        if (stored)
            cJSON_AddItemToObject(st, "storedVersions", stored);
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, ks_json_path(crd, "spec.versions"))
    {
        const char *vn = ks_json_str(v, "name");
        bool have = false;
        const cJSON *x;
        if (!vn || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "storage")) || !stored)
            continue;
        cJSON_ArrayForEach(x, stored) have |= cJSON_IsString(x) && strcmp(x->valuestring, vn) == 0;
        if (!have)
            cJSON_AddItemToArray(stored, cJSON_CreateString(vn));
    }
    ks_bi_order("CustomResourceDefinition", crd);
    return KS_OK;
}
