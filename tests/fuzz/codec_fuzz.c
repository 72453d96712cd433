/* codec_fuzz.c -- libFuzzer target for the codec.
 *
 * The same bytes go to the JSON decoder and to the YAML stream decoder.
 * Whatever decoded (fully, or partly with field errors) must encode, and the
 * encoding must decode again without a single error into a policy that
 * encodes to the same bytes. Built and run by `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "codec_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

static void round_trip(const struct ebb_policy *p)
{
    struct ebb_strbuf a = EBB_STRBUF_INIT;
    struct ebb_strbuf b = EBB_STRBUF_INIT;
    struct ebb_strbuf st = EBB_STRBUF_INIT;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    struct ebb_policy q;

    ebb_policy_init(&q);
    must(ebb_policy_to_json(p, &a) == EBB_OK, "encoding failed", NULL);
    enum ebb_rc rc = ebb_policy_from_json(&q, a.buf, a.len, &errs);
    if (rc != EBB_OK) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "  %s: %s\n", errs.items[i].path, errs.items[i].message);
        must(false, "the encoding does not decode cleanly", a.buf);
    }
    must(ebb_policy_to_json(&q, &b) == EBB_OK, "re-encoding failed", NULL);
    must(strcmp(a.buf, b.buf) == 0, "decode(encode(p)) encodes differently", b.buf);
    must(ebb_policy_status_to_json(&p->status, &st) == EBB_OK, "status encoding failed", NULL);
    must(st.len >= 2 && st.buf[0] == '{' && st.buf[st.len - 1] == '}', "status is not an object",
         st.buf);

    ebb_strbuf_release(&a);
    ebb_strbuf_release(&b);
    ebb_strbuf_release(&st);
    ebb_errlist_release(&errs);
    ebb_policy_release(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct ebb_policy p;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;

    ebb_policy_init(&p);
    enum ebb_rc rc = ebb_policy_from_json(&p, text, size, &errs);
    if (rc == EBB_OK || rc == EBB_ERR_INVALID)
        round_trip(&p);
    else
        must(rc == EBB_ERR_PARSE && errs.n == 1, "JSON: unexpected result", NULL);
    must((rc == EBB_OK) == !ebb_errlist_any(&errs), "JSON: rc and errors disagree", NULL);
    ebb_errlist_release(&errs);
    ebb_policy_release(&p);

    struct ebb_yaml_docs docs;
    struct ebb_yaml_error yerr;
    rc = ebb_policy_docs_from_yaml(text, size, &docs, &yerr);
    if (rc == EBB_OK) {
        for (size_t i = 0; i < docs.n; i++) {
            const struct ebb_yaml_doc *d = &docs.docs[i];
            if (d->is_policy)
                round_trip(&d->policy);
            for (size_t j = 0; j < d->errors.n; j++)
                must(ebb_yaml_doc_line(d, d->errors.items[j].path) >= 1, "YAML: no line", NULL);
        }
    } else {
        must(rc == EBB_ERR_PARSE && docs.n == 0 && yerr.line >= 1 && yerr.message[0] != '\0',
             "YAML: unexpected result", yerr.message);
    }
    ebb_yaml_docs_release(&docs);
    return 0;
}
