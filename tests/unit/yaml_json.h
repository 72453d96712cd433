/* yaml_json.h -- tests: a YAML document as JSON (see yaml_json.c). */
#ifndef EBB_TESTS_YAML_JSON_H
#define EBB_TESTS_YAML_JSON_H

#include <cjson/cJSON.h>

/* The first document of text, or NULL when it does not parse or nests
 * deeper than 100. The caller frees it with cJSON_Delete. */
cJSON *ebbt_yaml_to_json(const char *text);

#endif
