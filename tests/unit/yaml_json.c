/* yaml_json.c -- tests: one YAML document to a cJSON tree (plain scalars
 * typed as YAML 1.1 does: null, booleans, numbers; quoted ones strings).
 * Linked into every test program (tests/unit/ non-_test files). */
#include "yaml_json.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static cJSON *scalar(const yaml_node_t *n)
{
    const char *s = (const char *)n->data.scalar.value;
    char *end;

    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return cJSON_CreateString(s);
    if (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0)
        return cJSON_CreateNull();
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0)
        return cJSON_CreateTrue();
    if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0)
        return cJSON_CreateFalse();
    double d = strtod(s, &end);
    if (end != s && !*end && strchr("+-.0123456789", s[0]))
        return cJSON_CreateNumber(d);
    return cJSON_CreateString(s);
}

static cJSON *convert(yaml_document_t *doc, yaml_node_t *n, int depth)
{
    cJSON *out = NULL;

    if (!n || depth > 100)
        return NULL;
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return scalar(n);
    case YAML_SEQUENCE_NODE:
        out = cJSON_CreateArray();
        for (yaml_node_item_t *it = n->data.sequence.items.start;
             out && it < n->data.sequence.items.top; it++) {
            cJSON *c = convert(doc, yaml_document_get_node(doc, *it), depth + 1);
            if (!c) {
                cJSON_Delete(out);
                return NULL;
            }
            cJSON_AddItemToArray(out, c);
        }
        return out;
    case YAML_MAPPING_NODE:
        out = cJSON_CreateObject();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
             out && p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            cJSON *v = convert(doc, yaml_document_get_node(doc, p->value), depth + 1);
            if (!k || k->type != YAML_SCALAR_NODE || !v) {
                cJSON_Delete(v);
                cJSON_Delete(out);
                return NULL;
            }
            cJSON_AddItemToObject(out, (const char *)k->data.scalar.value, v);
        }
        return out;
    default:
        return NULL;
    }
}

cJSON *ebbt_yaml_to_json(const char *text)
{
    yaml_parser_t ps;
    yaml_document_t doc;
    cJSON *out = NULL;

    if (!yaml_parser_initialize(&ps))
        return NULL;
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, strlen(text));
    if (yaml_parser_load(&ps, &doc)) {
        out = convert(&doc, yaml_document_get_root_node(&doc), 0);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&ps);
    return out;
}
