/* kubesim_schema_fuzz.c -- libFuzzer target for kubesim's CRD structural
 * schemas (cmd/kubesim/schema*.c, with the CEL rules they carry).
 *
 * The input is up to three lines of JSON: an openAPIV3Schema, an object,
 * and the stored object for transition rules (each optional). The schema
 * is compiled: a failure must come with causes. A compiled schema is
 * applied to the object (prune, default, validate): the result is 0, or
 * KS_EINVALID with causes, each with a type, a field and a message. The
 * object it leaves is applied again and must come out the same (pruning
 * and defaulting do not change an object twice). Nothing may crash or
 * leak. Built and run by `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kubesim/patch_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "kubesim_schema_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

/* cJSON keeps both members of {"a":1,"a":2}; the properties below hold
 * for objects without such duplicates only. */
static bool has_dup_keys(const cJSON *j)
{
    const cJSON *a, *b;

    cJSON_ArrayForEach(a, j)
    {
        if (cJSON_IsObject(j) && a->string != NULL) {
            for (b = a->next; b != NULL; b = b->next) {
                if (b->string != NULL && strcmp(a->string, b->string) == 0)
                    return true;
            }
        }
        if (has_dup_keys(a))
            return true;
    }
    return false;
}

static void check_causes(const struct ks_causes *c)
{
    for (size_t i = 0; i < c->n; i++)
        must(c->v[i].type != NULL && c->v[i].message != NULL && c->v[i].field != NULL,
             "a cause without type, message or field", NULL);
}

/* The next line of *p (NUL-terminated in place), or NULL at the end. */
static char *next_line(char **p)
{
    char *s = *p;
    if (s == NULL)
        return NULL;
    char *nl = strchr(s, '\n');
    if (nl != NULL) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = NULL;
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    must(text != NULL, "out of memory", NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    char *rest = text;
    const char *schema_s = next_line(&rest);
    const char *obj_s = next_line(&rest);
    const char *old_s = next_line(&rest);
    cJSON *schema = cJSON_Parse(schema_s);
    cJSON *obj = obj_s ? cJSON_Parse(obj_s) : NULL;
    cJSON *old = old_s ? cJSON_Parse(old_s) : NULL;
    struct ks_causes causes = {0}, unknown = {0};

    if (schema != NULL) {
        void *compiled = ks_schema_compile(schema, "", &causes);
        check_causes(&causes);
        if (compiled == NULL) {
            must(causes.n > 0, "compile failed without causes", schema_s);
        } else if (cJSON_IsObject(obj)) {
            ks_causes_release(&causes);
            int rc = ks_schema_apply(compiled, obj, old, &causes, &unknown);
            must(rc == KS_OK || rc == KS_EINVALID, "apply: unexpected result", NULL);
            must((rc == KS_OK) == (causes.n == 0), "apply: causes iff KS_EINVALID", NULL);
            check_causes(&causes);
            check_causes(&unknown);
            if (rc == KS_OK && !has_dup_keys(obj) && !has_dup_keys(old)) {
                cJSON *once = cJSON_Duplicate(obj, true);
                struct ks_causes c2 = {0};
                if (once != NULL) {
                    int rc2 = ks_schema_apply(compiled, obj, old, &c2, NULL);
                    must(rc2 == KS_OK, "a valid object is invalid after its own defaults", NULL);
                    must(ks_json_equal(once, obj), "applying twice changes the object", NULL);
                    cJSON_Delete(once);
                }
                ks_causes_release(&c2);
            }
        }
        ks_schema_free(compiled);
    }
    ks_causes_release(&causes);
    ks_causes_release(&unknown);
    cJSON_Delete(schema);
    cJSON_Delete(obj);
    cJSON_Delete(old);
    free(text);
    return 0;
}
