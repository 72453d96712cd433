/* tz_fuzz.c -- libFuzzer target for the TZif parser, the POSIX TZ rule
 * parser and the cron parser (pkg/base/tz.c, pkg/base/cron.c).
 *
 * The bytes go to ebb_tz_parse() as they are, and NUL-terminated to
 * ebb_tz_parse_posix() and ebb_cron_parse(). Whatever parses is evaluated
 * at a few instants, so the evaluation code meets hostile zones too.
 * Build and run: `make fuzz` (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/base/cron.h"
#include "../../pkg/base/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int64_t instants[] = {
    INT64_MIN, -2208988800LL, -1, 0, 1774746000LL, 1792890000LL, 4102444800LL, INT64_MAX,
};

static void exercise_zone(const struct ebb_tz *tz)
{
    for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
        int32_t off = ebb_tz_offset(tz, instants[i]);
        int64_t u = ebb_tz_local_to_utc(tz, instants[i]);

        /* Offsets are bounded, whatever the data says. */
        if (off < -89999 || off > 93599)
            abort();
        (void)u;
    }
}

static void exercise_cron(const struct ebb_cron *c, const struct ebb_tz *tz)
{
    int64_t at;

    for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
        int64_t now = instants[i] / 1000 * 1000;

        if (ebb_cron_prev(c, tz, now, 2 * 86400000LL, &at) == EBB_OK && at > now)
            abort();
        if (ebb_cron_next(c, tz, now, 2 * 86400000LL, &at) == EBB_OK && at <= now)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ebb_tz *tz = NULL;
    struct ebb_tz *rule = NULL;
    struct ebb_tz *berlin = NULL;
    struct ebb_cron cron;
    char msg[256];
    char *text;

    if (ebb_tz_parse(data, size, &tz, msg, sizeof(msg)) == EBB_OK)
        exercise_zone(tz);

    text = malloc(size + 1);
    if (text == NULL)
        goto out;
    memcpy(text, data, size);
    text[size] = '\0';
    if (ebb_tz_parse_posix(text, &rule, msg, sizeof(msg)) == EBB_OK)
        exercise_zone(rule);
    if (ebb_cron_parse(text, &cron, msg, sizeof(msg)) == EBB_OK) {
        exercise_cron(&cron, NULL);
        if (ebb_tz_parse_posix("CET-1CEST,M3.5.0,M10.5.0/3", &berlin, NULL, 0) == EBB_OK)
            exercise_cron(&cron, berlin);
    }
out:
    free(text);
    ebb_tz_free(berlin);
    ebb_tz_free(rule);
    ebb_tz_free(tz);
    return 0;
}
