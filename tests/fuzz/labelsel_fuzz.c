/* labelsel_fuzz.c -- libFuzzer target for the label selector parser
 * (pkg/kube/labelsel.c): the string a /scale subresource reports as
 * status.selector comes from the API server.
 *
 * The bytes, NUL-terminated, go to ebb_labelsel_parse(); what parses is
 * matched against a few label sets, and an error must name what was
 * expected. Build and run: `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/kube/labelsel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ebb_kv labels[] = {
    {(char *)"app", (char *)"web"},
    {(char *)"n", (char *)"-9223372036854775808"},
    {(char *)"e", (char *)""},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct ebb_labelsel s;
    char err[512] = "";
    enum ebb_rc rc = ebb_labelsel_parse(text, &s, err, sizeof(err));
    if (rc == EBB_OK) {
        for (size_t n = 0; n <= 3; n++)
            (void)ebb_labelsel_matches(&s, labels, n);
        const char *k, *v;
        if (ebb_labelsel_equality(&s, &k, &v) && (k[0] == '\0'))
            abort(); /* an indexed key is never empty */
        ebb_labelsel_release(&s);
    } else if (rc == EBB_ERR_PARSE && strstr(err, "expected") == NULL &&
               strstr(err, "longer than") == NULL) {
        abort(); /* every syntax error says what was expected */
    }
    free(text);
    return 0;
}
