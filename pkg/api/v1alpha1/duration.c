#include "duration.h"
#include "../../base/msg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Parsing follows Go's time.ParseDuration step by step (nanoseconds in a
 * uint64, fractions through a double, the same overflow points), so that a
 * duration Go accepts means the same here; only then is the result checked
 * for being non-negative and a whole number of milliseconds. */

#define NS_PER_MS 1000000ull
#define NS_LIMIT (1ull << 63) /* Go's bound on the magnitude */

/* Names are stored inline (not as pointers) so the table is pure .rodata. */
struct unit {
    char name[4];
    uint64_t ns;
};

static const struct unit units[] = {
    {"ns", 1ull},
    {"us", 1000ull},
    {"\xc2\xb5s", 1000ull}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000ull}, /* U+03BC Greek mu */
    {"ms", NS_PER_MS},
    {"s", 1000 * NS_PER_MS},
    {"m", 60 * 1000 * NS_PER_MS},
    {"h", 3600 * 1000 * NS_PER_MS},
};

#define UNIT_HELP "use ms, s, m or h, e.g. 90s, 5m or 1h30m"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static const struct unit *find_unit(const char *u, size_t n)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strlen(units[i].name) == n && memcmp(units[i].name, u, n) == 0)
            return &units[i];
    return NULL;
}

enum ebb_rc ebb_duration_parse(const char *s, int64_t *ms, char *msg, size_t msgsz)
{
    const char *p = s;
    uint64_t total = 0;

    if (s == NULL || s[0] == '\0') {
        ebb_msgf(msg, msgsz, "empty duration; write a number and a unit, e.g. 90s or 5m");
        return EBB_ERR_PARSE;
    }
    if (*p == '-') {
        ebb_msgf(msg, msgsz, "must not be negative");
        return EBB_ERR_PARSE;
    }
    if (*p == '+')
        p++;
    if (strcmp(p, "0") == 0) {
        *ms = 0;
        return EBB_OK;
    }
    if (*p == '\0')
        goto invalid;

    while (*p != '\0') {
        uint64_t v = 0;
        uint64_t f = 0;
        double scale = 1;
        bool pre = false;
        bool post = false;

        if (!(*p == '.' || is_digit(*p)))
            goto invalid;
        for (; is_digit(*p); p++) {
            pre = true;
            if (v > NS_LIMIT / 10)
                goto range;
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > NS_LIMIT)
                goto range;
        }
        if (*p == '.') {
            bool overflow = false;
            for (p++; is_digit(*p); p++) {
                post = true;
                if (overflow)
                    continue;
                if (f > (NS_LIMIT - 1) / 10) {
                    overflow = true; /* extra digits only add precision we drop */
                    continue;
                }
                uint64_t y = f * 10 + (uint64_t)(*p - '0');
                if (y > NS_LIMIT) {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10;
            }
        }
        if (!pre && !post)
            goto invalid;

        const char *u = p;
        while (*p != '\0' && *p != '.' && !is_digit(*p))
            p++;
        if (p == u) {
            ebb_msgf(msg, msgsz, "missing unit; " UNIT_HELP);
            return EBB_ERR_PARSE;
        }
        const struct unit *un = find_unit(u, (size_t)(p - u));
        if (un == NULL) {
            int ulen = p - u > 32 ? 32 : (int)(p - u);
            ebb_msgf(msg, msgsz, "unknown unit \"%.*s\"; " UNIT_HELP, ulen, u);
            return EBB_ERR_PARSE;
        }
        if (v > NS_LIMIT / un->ns)
            goto range;
        v *= un->ns;
        if (f > 0) {
            v += (uint64_t)((double)f * ((double)un->ns / scale));
            if (v > NS_LIMIT)
                goto range;
        }
        total += v;
        if (total > NS_LIMIT)
            goto range;
    }
    if (total > NS_LIMIT - 1)
        goto range;
    if (total % NS_PER_MS != 0) {
        ebb_msgf(msg, msgsz, "has a part smaller than a millisecond; use whole milliseconds");
        return EBB_ERR_PARSE;
    }
    *ms = (int64_t)(total / NS_PER_MS);
    return EBB_OK;

invalid:
    ebb_msgf(msg, msgsz, "not a duration; write numbers with units, e.g. 90s, 5m or 1h30m");
    return EBB_ERR_PARSE;
range:
    ebb_msgf(msg, msgsz, "too long; the maximum is 2562047h47m16.854s");
    return EBB_ERR_RANGE;
}

void ebb_duration_format(int64_t ms, char *buf, size_t bufsz)
{
    if (ms == 0) {
        snprintf(buf, bufsz, "0s");
        return;
    }
    const char *sign = ms < 0 ? "-" : "";
    uint64_t u = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    if (u < 1000) {
        snprintf(buf, bufsz, "%s%llums", sign, (unsigned long long)u);
        return;
    }
    unsigned long long h = u / 3600000;
    unsigned long long m = u / 60000 % 60;
    unsigned long long sec = u / 1000 % 60;
    unsigned frac = (unsigned)(u % 1000);

    char fs[8] = "";
    if (frac != 0) {
        snprintf(fs, sizeof(fs), ".%03u", frac);
        size_t n = strlen(fs);
        while (fs[n - 1] == '0')
            fs[--n] = '\0';
    }
    if (h > 0)
        snprintf(buf, bufsz, "%s%lluh%llum%llu%ss", sign, h, m, sec, fs);
    else if (m > 0)
        snprintf(buf, bufsz, "%s%llum%llu%ss", sign, m, sec, fs);
    else
        snprintf(buf, bufsz, "%s%llu%ss", sign, sec, fs);
}
