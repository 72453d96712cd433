/*
 * kubesim: the resource types it serves (ks.h "Resource types").
 *
 * Each type lives in its own allocation so a pointer to it (the store
 * keys objects by type pointer, events.k8s.io points at core/v1 events)
 * stays valid while the type lives. A removed type leaves a NULL slot:
 * ids are indexes and never move.
 */
#include "ks.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ks_registry {
    ks_rtype **v;
    size_t n, cap;
};

ks_registry *ks_registry_new(void)
{
    return calloc(1, sizeof(ks_registry));
}

static void rtype_free(ks_rtype *t)
{
    if (!t)
        return;
    if (t->compiled)
        ks_schema_free(t->compiled);
    cJSON_Delete(t->schema);
    free(t);
}

void ks_registry_free(ks_registry *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        rtype_free(r->v[i]);
    free(r->v);
    free(r);
}

size_t ks_registry_count(const ks_registry *r)
{
    return r ? r->n : 0;
}

const ks_rtype *ks_registry_at(const ks_registry *r, size_t i)
{
    return r && i < r->n ? r->v[i] : NULL;
}

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

const ks_rtype *ks_registry_find(const ks_registry *r, const char *group, const char *version,
                                 const char *resource)
{
    if (!r)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        const ks_rtype *t = r->v[i];
        if (t && str_eq(t->group, group) && str_eq(t->version, version) &&
            str_eq(t->resource, resource))
            return t;
    }
    return NULL;
}

const ks_rtype *ks_registry_find_kind(const ks_registry *r, const char *group, const char *version,
                                      const char *kind)
{
    if (!r)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        const ks_rtype *t = r->v[i];
        if (t && str_eq(t->group, group) && str_eq(t->version, version) && str_eq(t->kind, kind))
            return t;
    }
    return NULL;
}

/* Appends t (already allocated); returns it or NULL (t freed). */
static ks_rtype *registry_push(ks_registry *r, ks_rtype *t)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        ks_rtype **v = realloc(r->v, cap * sizeof(*v));
        if (!v) {
            rtype_free(t);
            return NULL;
        }
        r->v = v;
        r->cap = cap;
    }
    t->id = (int)r->n;
    r->v[r->n++] = t;
    return t;
}

const ks_rtype *ks_registry_add(ks_registry *r, const ks_rtype *rt)
{
    if (!r || !rt)
        return NULL;
    ks_rtype *t = malloc(sizeof(*t));
    if (!t)
        return NULL;
    *t = *rt;
    return registry_push(r, t);
}

/* ------------------------------------------------------------------ */
/* CRDs                                                                */

/* Copies src into dst[cap]; false (and a cause) when it does not fit. */
static bool copy_field(char *dst, size_t cap, const char *src, const char *field,
                       struct ks_causes *causes)
{
    size_t n = strlen(src ? src : "");

    if (n >= cap) {
        if (causes)
            ks_causes_add(causes, "FieldValueTooLong", field,
                          "Too long: may not be longer than %zu characters (kubesim limit)",
                          cap - 1);
        return false;
    }
    memcpy(dst, src ? src : "", n + 1);
    return true;
}

/* ".spec.replicas" -> "spec.replicas" */
static const char *strip_dot(const char *p)
{
    return p && *p == '.' ? p + 1 : (p ? p : "");
}

/* Fills the version-independent fields of a CRD type; false on a cause. */
static bool crd_common(ks_rtype *t, const cJSON *crd, struct ks_causes *causes)
{
    const cJSON *names = ks_json_path(crd, "spec.names");
    const char *kind = ks_json_str(names, "kind");
    const char *singular = ks_json_str(names, "singular");
    const char *list_kind = ks_json_str(names, "listKind");
    const char *scope = ks_json_str(crd, "spec.scope");
    bool ok = true;

    ok &= copy_field(t->group, sizeof(t->group), ks_json_str(crd, "spec.group"), "spec.group",
                     causes);
    ok &= copy_field(t->resource, sizeof(t->resource), ks_json_str(names, "plural"),
                     "spec.names.plural", causes);
    ok &= copy_field(t->kind, sizeof(t->kind), kind, "spec.names.kind", causes);
    ok &= copy_field(t->crd_name, sizeof(t->crd_name), ks_json_str(crd, "metadata.name"),
                     "metadata.name", causes);
    if (!ok)
        return false;
    if (singular && *singular) {
        ok &= copy_field(t->singular, sizeof(t->singular), singular, "spec.names.singular", causes);
    } else {
        ok &= copy_field(t->singular, sizeof(t->singular), t->kind, "spec.names.singular", causes);
        for (char *p = t->singular; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    if (list_kind && *list_kind) {
        ok &= copy_field(t->list_kind, sizeof(t->list_kind), list_kind, "spec.names.listKind",
                         causes);
    } else {
        snprintf(t->list_kind, sizeof(t->list_kind), "%sList", t->kind);
    }
    t->namespaced = !str_eq(scope, "Cluster");
    t->verbs = KS_V_ALL;
    t->origin = KS_RT_CUSTOM;

    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(names, "shortNames"))
    {
        if (cJSON_IsString(it) && i < 4 &&
            copy_field(t->short_names[i], sizeof(t->short_names[i]), it->valuestring,
                       "spec.names.shortNames", NULL))
            i++;
    }
    t->n_short_names = i;
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(names, "categories"))
    {
        if (cJSON_IsString(it) && i < 4 &&
            copy_field(t->categories[i], sizeof(t->categories[i]), it->valuestring,
                       "spec.names.categories", NULL))
            i++;
    }
    t->n_categories = i;
    return ok;
}

/* The per-version part: name, subresources, schema (compiled). */
static bool crd_version(ks_rtype *t, const cJSON *ver, int idx, struct ks_causes *causes)
{
    char field[96];
    const cJSON *sub = cJSON_GetObjectItemCaseSensitive(ver, "subresources");
    const cJSON *scale = cJSON_GetObjectItemCaseSensitive(sub, "scale");
    const cJSON *schema = ks_json_path(ver, "schema.openAPIV3Schema");

    snprintf(field, sizeof(field), "spec.versions[%d].name", idx);
    if (!copy_field(t->version, sizeof(t->version), ks_json_str(ver, "name"), field, causes))
        return false;
    t->has_status = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(sub, "status"));
    t->has_scale = cJSON_IsObject(scale);
    t->scale_spec_path[0] = t->scale_status_path[0] = t->scale_selector_path[0] = '\0';
    if (t->has_scale) {
        snprintf(field, sizeof(field), "spec.versions[%d].subresources.scale", idx);
        if (!copy_field(t->scale_spec_path, sizeof(t->scale_spec_path),
                        strip_dot(ks_json_str(scale, "specReplicasPath")), field, causes) ||
            !copy_field(t->scale_status_path, sizeof(t->scale_status_path),
                        strip_dot(ks_json_str(scale, "statusReplicasPath")), field, causes) ||
            !copy_field(t->scale_selector_path, sizeof(t->scale_selector_path),
                        strip_dot(ks_json_str(scale, "labelSelectorPath")), field, causes))
            return false;
    }
    t->schema = NULL;
    t->compiled = NULL;
    if (cJSON_IsObject(schema)) {
        snprintf(field, sizeof(field), "spec.versions[%d].schema.openAPIV3Schema", idx);
        t->schema = cJSON_Duplicate(schema, true);
        if (!t->schema) {
            ks_causes_add(causes, "InternalError", field, "out of memory");
            return false;
        }
        size_t before = causes ? causes->n : 0;
        t->compiled = ks_schema_compile(schema, field, causes);
        if (!t->compiled) {
            if (causes && causes->n == before)
                ks_causes_add(causes, "FieldValueInvalid", field,
                              "Invalid value: \"object\": schema could not be compiled");
            return false;
        }
    }
    return true;
}

static ks_rtype *find_crd_version(ks_registry *r, const char *crd_name, const char *version)
{
    for (size_t i = 0; i < r->n; i++) {
        ks_rtype *t = r->v[i];
        if (t && t->origin == KS_RT_CUSTOM && str_eq(t->crd_name, crd_name) &&
            str_eq(t->version, version))
            return t;
    }
    return NULL;
}

int ks_registry_add_crd(ks_registry *r, const cJSON *crd, struct ks_causes *causes)
{
    const cJSON *versions = ks_json_path(crd, "spec.versions");
    const char *crd_name = ks_json_str(crd, "metadata.name");
    int nv = cJSON_GetArraySize(versions);
    ks_rtype **fresh;
    int rc = KS_OK;

    if (!r || !crd_name || !*crd_name || !cJSON_IsArray(versions)) {
        if (causes)
            ks_causes_add(causes, "FieldValueRequired", "spec.versions", "Required value");
        return KS_EINVALID;
    }
    /* Build every served version first: nothing changes on failure. */
    fresh = calloc((size_t)nv + 1, sizeof(*fresh));
    if (!fresh)
        return KS_ENOMEM;
    int idx = 0, nf = 0;
    const cJSON *ver;
    cJSON_ArrayForEach(ver, versions)
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ver, "served"))) {
            ks_rtype *t = calloc(1, sizeof(*t));
            if (!t) {
                rc = KS_ENOMEM;
                break;
            }
            fresh[nf++] = t;
            if (!crd_common(t, crd, causes) || !crd_version(t, ver, idx, causes)) {
                rc = KS_EINVALID;
                break;
            }
        }
        idx++;
    }
    if (rc != KS_OK) {
        for (int i = 0; i < nf; i++)
            rtype_free(fresh[i]);
        free(fresh);
        return rc;
    }
    /* Versions served before and still served keep their pointer and id
     * (the store holds their objects); the others go, new ones come. */
    for (size_t i = 0; i < r->n; i++) {
        ks_rtype *t = r->v[i];
        if (!t || t->origin != KS_RT_CUSTOM || !str_eq(t->crd_name, crd_name))
            continue;
        bool kept = false;
        for (int j = 0; j < nf; j++)
            kept |= str_eq(fresh[j]->version, t->version);
        if (!kept) {
            rtype_free(t);
            r->v[i] = NULL;
        }
    }
    for (int j = 0; j < nf; j++) {
        ks_rtype *old = find_crd_version(r, crd_name, fresh[j]->version);
        if (old) {
            int id = old->id;
            if (old->compiled)
                ks_schema_free(old->compiled);
            cJSON_Delete(old->schema);
            *old = *fresh[j];
            old->id = id;
            free(fresh[j]);
        } else if (!registry_push(r, fresh[j])) {
            rc = KS_ENOMEM;
        }
        fresh[j] = NULL;
    }
    free(fresh);
    return rc;
}

void ks_registry_remove_crd(ks_registry *r, const char *crd_name)
{
    if (!r || !crd_name)
        return;
    for (size_t i = 0; i < r->n; i++) {
        ks_rtype *t = r->v[i];
        if (t && t->origin == KS_RT_CUSTOM && str_eq(t->crd_name, crd_name)) {
            rtype_free(t);
            r->v[i] = NULL;
        }
    }
}
