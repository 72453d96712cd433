/* kubesim_selector_fuzz.c -- libFuzzer target for kubesim's label and
 * field selectors (cmd/kubesim/selector.c, selector_valid.c).
 *
 * The input is a selector, a newline, and an object in JSON (the first
 * line alone when no newline). The selector is parsed as a label selector
 * and as a field selector: a failure must say why, a success must match
 * the object's labels and fields without crashing, and a field selector
 * on metadata.name/namespace only must match the object exactly as its
 * shortcut ks_sel_match_meta does. The same bytes also go through the
 * messages of Go's key and value validation and %q quoting. Built and run
 * by `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kubesim/store_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LABELS 32

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "kubesim_selector_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

/* The object's metadata.labels that are strings (pointers into obj). */
static size_t labels_of(const cJSON *obj, struct ks_label *out)
{
    const cJSON *labels = ks_json_path(obj, "metadata.labels");
    const cJSON *it;
    size_t n = 0;

    cJSON_ArrayForEach(it, labels)
    {
        if (n < MAX_LABELS && it->string != NULL && cJSON_IsString(it)) {
            out[n].key = it->string;
            out[n].value = it->valuestring;
            n++;
        }
    }
    return n;
}

static void check(const char *sel_text, const cJSON *obj)
{
    char err[1024];
    struct ks_label labels[MAX_LABELS];
    size_t n = labels_of(obj, labels);

    for (int field = 0; field < 2; field++) {
        memset(err, 'x', sizeof(err));
        ks_selector *sel = ks_selector_parse(sel_text, field != 0, err, sizeof(err));
        must(memchr(err, '\0', sizeof(err)) != NULL, "err not terminated", NULL);
        if (sel == NULL) {
            must(err[0] != '\0', "a failed parse without a message", sel_text);
            continue;
        }
        must(err[0] == '\0', "a message without a failure", err);
        bool m = ks_selector_matches_labels(sel, labels, n);
        bool mf = ks_selector_matches_fields(sel, obj);
        if (ks_sel_is_empty(sel))
            must(m && mf, "the empty selector does not match", sel_text);
        if (field && ks_sel_fields_meta_only(sel)) {
            const char *name = ks_json_str(obj, "metadata.name");
            const char *ns = ks_json_str(obj, "metadata.namespace");
            if (name != NULL && ns != NULL)
                must(ks_sel_match_meta(sel, ns, name) == mf, "meta shortcut disagrees", sel_text);
        }
        ks_selector_free(sel);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    must(text != NULL, "out of memory", NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = memchr(text, '\n', size);
    const char *json = "{}";
    if (nl != NULL) {
        *nl = '\0';
        json = nl + 1;
    }
    cJSON *obj = cJSON_Parse(json);
    check(text, obj);
    cJSON_Delete(obj);

    size_t len = strlen(text);
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    ks_sel_key_errors(text, len, &sb);
    ks_sel_value_errors(text, len, &sb);
    ks_sel_go_quote(&sb, text, len);
    must(ebb_strbuf_rc(&sb) == EBB_OK && sb.len >= 2, "messages", NULL);
    ebb_strbuf_release(&sb);
    free(text);
    return 0;
}
