/* kubesim_patch_fuzz.c -- libFuzzer target for kubesim's patch formats
 * (cmd/kubesim/patch*.c, fieldset*.c): JSON merge patch, strategic merge
 * patch, JSON patch, server-side apply and managedFields.
 *
 * The first byte picks the kind (for the strategic merge keys), the
 * managers and force; the rest is two lines of JSON: the live object and
 * the patch (also read as the JSON patch's operations, the applied
 * configuration and a fieldsV1 set). Properties:
 *   - a merge patch applied twice gives what it gave once (RFC 7386);
 *   - a JSON patch that fails leaves the document as it was, and says why;
 *   - a strategic merge patch gives a tree or a message;
 *   - apply gives an object or a reason (with causes: the conflicts, or
 *     what is invalid), and the same manager re-applying its configuration with force
 *     gets no conflict;
 *   - a fieldsV1 set that parses prints as JSON that parses to the same.
 * Nothing may crash or leak. Built and run by `make fuzz`.
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
    fprintf(stderr, "kubesim_patch_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
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

static const char *const kinds[] = {"Deployment", "Pod",  "StatefulSet", "ConfigMap",
                                    "Service",    "Node", "Widget",      ""};
static const char *const managers[] = {"kubectl", "ebb", "kube-controller-manager",
                                       "before-first-apply"};

static void merge(const cJSON *live, const cJSON *patch)
{
    cJSON *once = ks_merge_patch(live, patch);
    must(once != NULL, "merge patch: NULL", NULL);
    cJSON *twice = ks_merge_patch(once, patch);
    must(twice != NULL, "merge patch: NULL", NULL);
    if (!ks_json_equal(once, twice)) {
        char *a = cJSON_PrintUnformatted(once);
        must(false, "merge patch is not idempotent", a);
    }
    cJSON_Delete(once);
    cJSON_Delete(twice);
}

static void strategic(const cJSON *live, const cJSON *patch, const char *kind)
{
    char err[512];
    memset(err, 'x', sizeof(err));
    cJSON *r = ks_strategic_merge_patch(live, patch, kind, err, sizeof(err));
    if (r == NULL) {
        must(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0',
             "strategic merge patch failed without a message", NULL);
    }
    cJSON_Delete(r);
}

static void json_patch(const cJSON *live, const cJSON *ops)
{
    char err[512], detail[512];
    cJSON *doc = cJSON_Duplicate(live, true);

    if (doc == NULL)
        return; /* out of memory */
    memset(err, 'x', sizeof(err));
    int rc = ks_json_patch_detail(&doc, ops, err, sizeof(err), detail, sizeof(detail));
    /* KS_EBADREQ: operations that are not operations (a 400) */
    must(rc == KS_OK || rc == KS_EINVALID || rc == KS_EBADREQ || rc == KS_ENOMEM,
         "json patch: unexpected result", NULL);
    if (rc == KS_EINVALID || rc == KS_EBADREQ) {
        must(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0',
             "json patch failed without a message", NULL);
        must(memchr(detail, '\0', sizeof(detail)) != NULL, "detail not terminated", NULL);
        must(has_dup_keys(live) || ks_json_equal(doc, live),
             "a failed json patch changed the document", err);
    }
    cJSON_Delete(doc);
}

static void apply(const cJSON *live, const cJSON *applied, uint8_t s)
{
    struct ks_causes conflicts = {0};
    int rc = 12345;
    const char *m1 = managers[s & 3];
    const char *m2 = managers[(s >> 2) & 3];
    bool force = (s & 0x10) != 0;

    cJSON *r =
        ks_apply((s & 0x20) ? NULL : live, applied, m1, force, "apps/v1", 1.7e9, &rc, &conflicts);
    if (r == NULL) {
        must(rc != KS_OK && rc != 12345, "apply: NULL without a reason", NULL);
        for (size_t i = 0; i < conflicts.n; i++) /* conflicts, or why it is invalid */
            must(conflicts.v[i].message != NULL, "apply: a cause without a message", NULL);
        ks_causes_release(&conflicts);
        return;
    }
    must(conflicts.n == 0, "apply: conflicts and an object", NULL);
    ks_causes_release(&conflicts);

    /* the same manager again, forced: never a conflict */
    rc = 12345;
    cJSON *again = ks_apply(r, applied, m1, true, "apps/v1", 1.7e9 + 1, &rc, &conflicts);
    must(again != NULL || rc != KS_ECONFLICT, "apply: forced re-apply conflicts", NULL);
    ks_causes_release(&conflicts);
    cJSON_Delete(again);

    /* another manager, not forced */
    rc = 12345;
    again = ks_apply(r, applied, m2, false, "apps/v1", 1.7e9 + 2, &rc, &conflicts);
    ks_causes_release(&conflicts);
    cJSON_Delete(again);

    /* an update by a third writer is recorded in managedFields */
    cJSON *upd = cJSON_Duplicate(r, true);
    if (upd != NULL) {
        ks_managed_fields_update(upd, live, "kube-controller-manager", "apps/v1", "status",
                                 1.7e9 + 3);
        cJSON_Delete(upd);
    }
    cJSON_Delete(r);
}

static void fieldset(const cJSON *fields)
{
    char err[256];
    ks_fs *fs = ks_fs_parse(fields, err, sizeof(err));
    if (fs == NULL)
        return;
    cJSON *j = ks_fs_to_json(fs);
    must(j != NULL, "fieldset: no JSON", NULL);
    ks_fs *fs2 = ks_fs_parse(j, err, sizeof(err));
    must(fs2 != NULL, "fieldset: printed set does not parse", err);
    cJSON *j2 = ks_fs_to_json(fs2);
    must(j2 != NULL && ks_json_equal(j, j2), "fieldset: round trip differs", NULL);
    cJSON_Delete(j);
    cJSON_Delete(j2);
    ks_fs_free(fs);
    ks_fs_free(fs2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t s = data[0];
    char *text = malloc(size);

    must(text != NULL, "out of memory", NULL);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *nl = strchr(text, '\n');
    const char *second = "{}";
    if (nl != NULL) {
        *nl = '\0';
        second = nl + 1;
    }
    cJSON *live = cJSON_Parse(text);
    cJSON *patch = cJSON_Parse(second);
    const char *kind = kinds[(s >> 5) & 7];

    /* What api_patch.c passes: the live object, an object as the patch
     * (an array for JSON patch); apply may create (no live object). */
    if (live != NULL && patch != NULL && !has_dup_keys(live) && !has_dup_keys(patch))
        merge(live, patch);
    if (cJSON_IsObject(live) && cJSON_IsObject(patch))
        strategic(live, patch, kind);
    if (cJSON_IsObject(live) && cJSON_IsArray(patch))
        json_patch(live, patch);
    if ((live == NULL || cJSON_IsObject(live)) && cJSON_IsObject(patch))
        apply(live, patch, s);
    if (patch != NULL)
        fieldset(patch);
    cJSON_Delete(live);
    cJSON_Delete(patch);
    free(text);
    return 0;
}
