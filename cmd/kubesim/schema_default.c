/*
 * schema_default.c -- pruning of unknown fields and defaulting, as the
 * apiserver does them to a custom resource before validating it.
 */
#include "schema_internal.h"

#include <string.h>

static const struct ks_sch *prop(const struct ks_sch *s, const char *name)
{
    size_t lo = 0, hi = s->n_props;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->prop_names[mid], name);
        if (c == 0)
            return s->props[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool is_type_meta(const char *k)
{
    return strcmp(k, "apiVersion") == 0 || strcmp(k, "kind") == 0 || strcmp(k, "metadata") == 0;
}

void ks_sch_prune(const struct ks_sch *s, cJSON *v, struct ks_sch_path *path,
                  struct ks_causes *unknown, bool root)
{
    if (!s || !v)
        return;
    if (cJSON_IsArray(v)) {
        size_t i = 0;
        if (!s->items)
            return;
        for (cJSON *it = v->child; it; it = it->next, i++) {
            size_t len = ks_sch_path_index(path, i);
            ks_sch_prune(s->items, it, path, unknown, false);
            ks_sch_path_restore(path, len);
        }
        return;
    }
    if (!cJSON_IsObject(v))
        return;
    cJSON *it = v->child;
    while (it) {
        cJSON *nx = it->next;
        const struct ks_sch *child = prop(s, it->string);
        size_t len;
        if (!child)
            child = s->additional;
        if ((root || s->embedded) && is_type_meta(it->string)) {
            /* the object's own apiVersion/kind/metadata: not the schema's to
             * prune (metadata is ObjectMeta) */
            if (child && strcmp(it->string, "metadata") != 0) {
                len = ks_sch_path_child(path, it->string);
                ks_sch_prune(child, it, path, unknown, false);
                ks_sch_path_restore(path, len);
            }
            it = nx;
            continue;
        }
        len = ks_sch_path_child(path, it->string);
        if (child) {
            ks_sch_prune(child, it, path, unknown, false);
        } else if (!s->preserve_unknown) {
            if (unknown)
                ks_causes_add(unknown, "FieldValueNotFound", path->sb.buf, "unknown field \"%s\"",
                              path->sb.buf);
            cJSON_Delete(cJSON_DetachItemViaPointer(v, it));
        }
        ks_sch_path_restore(path, len);
        it = nx;
    }
}

static void default_children(const struct ks_sch *s, cJSON *v, bool root)
{
    if (cJSON_IsArray(v)) {
        if (!s->items)
            return;
        for (cJSON *it = v->child; it; it = it->next) {
            if (cJSON_IsNull(it) && !s->items->nullable && s->items->default_) {
                cJSON *d = cJSON_Duplicate(s->items->default_, 1);
                if (d) {
                    cJSON_ReplaceItemViaPointer(v, it, d);
                    it = d;
                }
            }
            ks_sch_default(s->items, it, false);
        }
        return;
    }
    if (!cJSON_IsObject(v))
        return;
    for (size_t i = 0; i < s->n_props; i++) {
        const struct ks_sch *c = s->props[i];
        if (root && strcmp(s->prop_names[i], "metadata") == 0)
            continue; /* ObjectMeta has its own defaulting */
        cJSON *cur = cJSON_GetObjectItemCaseSensitive(v, s->prop_names[i]);
        if (c->default_ && (!cur || (cJSON_IsNull(cur) && !c->nullable))) {
            cJSON *d = cJSON_Duplicate(c->default_, 1);
            if (!d)
                continue;
            if (cur)
                cJSON_ReplaceItemInObjectCaseSensitive(v, s->prop_names[i], d);
            else
                cJSON_AddItemToObject(v, s->prop_names[i], d);
        } else if (cur && cJSON_IsNull(cur) && !c->nullable) {
            /* a null for a non-nullable field without a default is dropped */
            cJSON_Delete(cJSON_DetachItemViaPointer(v, cur));
        }
    }
    for (cJSON *it = v->child; it; it = it->next) {
        const struct ks_sch *c = prop(s, it->string);
        if (!c)
            c = s->additional;
        if (root && strcmp(it->string, "metadata") == 0)
            continue;
        if (c)
            ks_sch_default(c, it, false);
    }
}

void ks_sch_default(const struct ks_sch *s, cJSON *v, bool root)
{
    if (s && v)
        default_children(s, v, root);
}
