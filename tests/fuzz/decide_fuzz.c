/* decide_fuzz.c -- the JSON input of `ebb decide` is outside input: random
 * bytes must give a clean error or an input the core decides on, never a
 * crash or a leak. When the input parses, the core runs on it too. */
#include <stdint.h>
#include <stdlib.h>

#include "../../cmd/ebb/decide_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ebb_decide_input in;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    static struct ebb_decision d; /* large; static keeps it off the fuzzer's stack */

    ebb_decide_input_init(&in);
    if (ebb_decide_input_parse(&in, (const char *)data, size, &errs) == EBB_OK) {
        struct ebb_scale_input si;
        ebb_decide_input_scale(&in, &si);
        if (ebb_scale_decide(&si, &d) == EBB_OK && d.desired < 0)
            abort();
    }
    ebb_errlist_release(&errs);
    ebb_decide_input_release(&in);
    return 0;
}
