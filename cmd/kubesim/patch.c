/*
 * kubesim: what the patch module knows of the built-in kinds' schemas.
 *
 * The real apiserver reads patchStrategy/patchMergeKey from the Go struct
 * tags (strategic merge patch) and x-kubernetes-list-type/-map-keys from
 * the OpenAPI (structured merge: managedFields, server-side apply). The
 * fields that matter are few, and their names tell them apart, so const
 * tables by field name (with the parent's name where it is ambiguous)
 * stand in for the schemas.
 */
#include "patch_internal.h"

#include <stdlib.h>
#include <string.h>

void ks_fpath_init(struct ks_fpath *p, const char *kind)
{
    p->buf[0] = '\0';
    p->len = 0;
    p->overflow = 0;
    p->kind = kind ? kind : "";
    p->custom = false;
    p->schema = NULL;
}

size_t ks_fpath_push(struct ks_fpath *p, const char *field)
{
    size_t old = p->len;
    size_t n = strlen(field);

    if (p->overflow || p->len + n + 2 > sizeof(p->buf)) {
        p->overflow++;
        return old;
    }
    if (p->len)
        p->buf[p->len++] = '.';
    memcpy(p->buf + p->len, field, n + 1);
    p->len += n;
    return old;
}

void ks_fpath_pop(struct ks_fpath *p, size_t len)
{
    if (p->overflow) {
        p->overflow--;
        return;
    }
    if (len <= p->len) {
        p->len = len;
        p->buf[len] = '\0';
    }
}

/* The last segment of the path, and the one before it ("" when none). */
static const char *last_seg(const struct ks_fpath *p, char *parent, size_t parentlen)
{
    const char *dot = strrchr(p->buf, '.');
    const char *last = dot ? dot + 1 : p->buf;

    parent[0] = '\0';
    if (dot) {
        const char *start = dot;
        while (start > p->buf && start[-1] != '.')
            start--;
        size_t n = (size_t)(dot - start);
        if (n >= parentlen)
            n = parentlen - 1;
        memcpy(parent, start, n);
        parent[n] = '\0';
    }
    return last;
}

struct merge_list {
    const char *field;
    const char *smp_key;     /* patchMergeKey */
    const char *smd_keys[3]; /* x-kubernetes-list-map-keys, sorted */
};

/* Lists of objects merged by key (both patch flavours). */
static const struct merge_list merge_lists[] = {
    {"containers", "name", {"name"}},
    {"initContainers", "name", {"name"}},
    {"ephemeralContainers", "name", {"name"}},
    {"volumes", "name", {"name"}},
    {"imagePullSecrets", "name", {"name"}},
    {"env", "name", {"name"}},
    {"volumeMounts", "mountPath", {"mountPath"}},
    {"volumeDevices", "devicePath", {"devicePath"}},
    {"conditions", "type", {"type"}},
    {"ownerReferences", "uid", {"uid"}},
    {"hostAliases", "ip", {"ip"}},
    {"topologySpreadConstraints", "topologyKey", {"topologyKey", "whenUnsatisfiable"}},
    {"resourceClaims", "name", {"name"}},
    {"podIPs", "ip", {"ip"}},
    {"hostIPs", "ip", {"ip"}},
};

static bool is_container_list(const char *name)
{
    return !strcmp(name, "containers") || !strcmp(name, "initContainers") ||
           !strcmp(name, "ephemeralContainers");
}

/* ports: by containerPort in containers, by port in a Service's spec. */
static int ports_kind(const struct ks_fpath *p, const char *parent)
{
    if (is_container_list(parent))
        return 1;
    if (!strcmp(p->kind, "Service") && !strcmp(p->buf, "spec.ports"))
        return 2;
    return 0;
}

const char *ks_smp_merge_key(const struct ks_fpath *p, bool *set)
{
    char parent[128];
    const char *last;

    *set = false;
    if (p->overflow || !p->len)
        return NULL;
    last = last_seg(p, parent, sizeof(parent));
    if (!strcmp(last, "finalizers")) {
        *set = true;
        return NULL;
    }
    if (!strcmp(last, "ports")) {
        switch (ports_kind(p, parent)) {
        case 1:
            return "containerPort";
        case 2:
            return "port";
        default:
            return NULL;
        }
    }
    for (size_t i = 0; i < sizeof(merge_lists) / sizeof(merge_lists[0]); i++)
        if (!strcmp(last, merge_lists[i].field))
            return merge_lists[i].smp_key;
    return NULL;
}

/* ---- custom resources: the CRD schema ---- */

/* Custom resources keep ObjectMeta's semantics under metadata. */
static bool by_schema(const struct ks_fpath *p)
{
    return p->custom &&
           !(strncmp(p->buf, "metadata", 8) == 0 && (p->buf[8] == '\0' || p->buf[8] == '.'));
}

static const cJSON *sub_schema(const cJSON *s, const char *k)
{
    const cJSON *v = cJSON_IsObject(s) ? cJSON_GetObjectItemCaseSensitive(s, k) : NULL;

    return cJSON_IsObject(v) ? v : NULL;
}

/* The schema of the field at p: properties by name, additionalProperties
 * for map values, items through lists (list items add no segment). NULL
 * when the schema does not say. */
static const cJSON *schema_at(const struct ks_fpath *p)
{
    const cJSON *s = p->schema;
    const char *seg = p->buf;

    while (s && *seg) {
        const char *dot = strchr(seg, '.');
        size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
        char name[KS_FPATH_MAX];
        const cJSON *next;

        for (int guard = 0; guard < 64 && sub_schema(s, "items"); guard++)
            s = sub_schema(s, "items");
        memcpy(name, seg, n);
        name[n] = '\0';
        next = sub_schema(sub_schema(s, "properties"), name);
        s = next ? next : sub_schema(s, "additionalProperties");
        seg = dot ? dot + 1 : seg + n;
    }
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void schema_list_info(const struct ks_fpath *p, struct ks_list_info *out)
{
    const cJSON *s = schema_at(p);
    const char *lt = ks_json_str(s, "x-kubernetes-list-type");
    const cJSON *keys;

    if (!lt)
        return;
    if (!strcmp(lt, "set")) {
        out->kind = KS_LIST_SET;
        return;
    }
    if (strcmp(lt, "map"))
        return;
    keys = cJSON_GetObjectItemCaseSensitive(s, "x-kubernetes-list-map-keys");
    int n = cJSON_GetArraySize(keys);
    if (!cJSON_IsArray(keys) || n < 1 || n > 3)
        return; /* not a list kubesim can key: owned whole */
    for (const cJSON *k = keys->child; k; k = k->next)
        if (!cJSON_IsString(k))
            return;
    out->n_keys = 0;
    for (const cJSON *k = keys->child; k; k = k->next)
        out->keys[out->n_keys++] = k->valuestring;
    qsort(out->keys, out->n_keys, sizeof(out->keys[0]), cmp_str);
    out->kind = KS_LIST_MAP;
}

void ks_smd_list_info(const struct ks_fpath *p, struct ks_list_info *out)
{
    char parent[128];
    const char *last;

    memset(out, 0, sizeof(*out));
    out->kind = KS_LIST_ATOMIC;
    if (p->overflow || !p->len)
        return;
    if (by_schema(p)) {
        schema_list_info(p, out);
        return;
    }
    last = last_seg(p, parent, sizeof(parent));
    if (!strcmp(last, "finalizers")) {
        out->kind = KS_LIST_SET;
        return;
    }
    if (!strcmp(last, "ports")) {
        int k = ports_kind(p, parent);
        if (k) {
            out->kind = KS_LIST_MAP;
            out->keys[0] = k == 1 ? "containerPort" : "port";
            out->keys[1] = "protocol";
            out->n_keys = 2;
        }
        return;
    }
    for (size_t i = 0; i < sizeof(merge_lists) / sizeof(merge_lists[0]); i++) {
        if (strcmp(last, merge_lists[i].field))
            continue;
        out->kind = KS_LIST_MAP;
        for (size_t j = 0; j < 3 && merge_lists[i].smd_keys[j]; j++)
            out->keys[out->n_keys++] = merge_lists[i].smd_keys[j];
        return;
    }
}

bool ks_smd_map_atomic(const struct ks_fpath *p)
{
    /* LabelSelector, Service selector, nodeSelector, and the structs
     * marked +structType=atomic (ObjectReference: an Event's
     * involvedObject/regarding/related, fixtures 90 and 91; the env
     * var sources' selectors). */
    static const char *const atomic[] = {
        "selector",         "labelSelector",   "namespaceSelector", "nodeSelector",
        "involvedObject",   "regarding",       "related",           "fieldRef",
        "resourceFieldRef", "configMapKeyRef", "secretKeyRef",
    };
    char parent[128];
    const char *last;

    if (p->overflow || !p->len)
        return false;
    if (by_schema(p)) {
        const char *mt = ks_json_str(schema_at(p), "x-kubernetes-map-type");
        return mt && !strcmp(mt, "atomic");
    }
    last = last_seg(p, parent, sizeof(parent));
    for (size_t i = 0; i < sizeof(atomic) / sizeof(atomic[0]); i++)
        if (!strcmp(last, atomic[i]))
            return true;
    return false;
}

const char *ks_smd_key_default(const char *field)
{
    return !strcmp(field, "protocol") ? "TCP" : NULL;
}

const char *ks_json_go_type(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return "object";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsBool(v))
        return "bool";
    return "null";
}

bool ks_json_equal(const cJSON *a, const cJSON *b)
{
    if (!a || !b)
        return a == b;
    if ((a->type & 0xFF) != (b->type & 0xFF))
        return false;
    if (cJSON_IsNumber(a))
        return a->valuedouble == b->valuedouble;
    if (cJSON_IsString(a))
        return a->valuestring && b->valuestring && !strcmp(a->valuestring, b->valuestring);
    if (cJSON_IsArray(a)) {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!ks_json_equal(x, y))
                return false;
        return !x && !y;
    }
    if (cJSON_IsObject(a)) {
        size_t na = 0, nb = 0;
        for (const cJSON *x = a->child; x; x = x->next)
            na++;
        for (const cJSON *y = b->child; y; y = y->next)
            nb++;
        if (na != nb)
            return false;
        for (const cJSON *x = a->child; x; x = x->next) {
            const cJSON *y = x->string ? cJSON_GetObjectItemCaseSensitive(b, x->string) : NULL;
            if (!y || !ks_json_equal(x, y))
                return false;
        }
        return true;
    }
    return true; /* null, true, false: the type says it all */
}
