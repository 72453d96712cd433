#include "quantity.h"
#include "../../base/msg.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The exact value is kept as decimal digits until the very end, so that
 * "0.1", "1.5Ki" and "1u" come out exactly as Quantity.MilliValue gives them
 * (rounded away from zero) without any floating point. */
#define MAX_SIG_DIGITS 64
#define DIGITS_CAP (MAX_SIG_DIGITS + 24) /* room for a 2^60 binary multiplier */
#define EXP_CLAMP 100000                 /* far beyond any value that fits */

/* Names are stored inline (not as pointers) so the table is pure .rodata. */
struct suffix {
    char name[3];
    int exp10;
    int exp2;
};

static const struct suffix suffixes[] = {
    {"", 0, 0},    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},  {"k", 3, 0},   {"M", 6, 0},
    {"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
    {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
};

#define SUFFIX_HELP                                                                                \
    "use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Matches the suffix part: a table entry, or e/E with a signed decimal
 * exponent (clamped: anything that large overflows or rounds to 1m anyway). */
static bool parse_suffix(const char *s, long *exp10, int *exp2)
{
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        if (strcmp(s, suffixes[i].name) == 0) {
            *exp10 = suffixes[i].exp10;
            *exp2 = suffixes[i].exp2;
            return true;
        }
    }
    if (s[0] != 'e' && s[0] != 'E')
        return false;
    const char *p = s + 1;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!is_digit(*p))
        return false;
    long e = 0;
    for (; is_digit(*p); p++)
        if (e < EXP_CLAMP)
            e = e * 10 + (*p - '0');
    if (*p != '\0')
        return false;
    *exp10 = neg ? -e : e;
    *exp2 = 0;
    return true;
}

static void explain_rest(const char *rest, char *msg, size_t msgsz)
{
    if (rest[0] == '.')
        ebb_msgf(msg, msgsz, "more than one decimal point");
    else if (rest[0] == ' ' || rest[0] == '\t')
        ebb_msgf(msg, msgsz, "unexpected space; write the number and its suffix together, e.g. 1k");
    else if (is_alpha(rest[0]))
        ebb_msgf(msg, msgsz, "unknown suffix \"%.16s\"; " SUFFIX_HELP, rest);
    else if (rest[0] == '+' || rest[0] == '-' || is_digit(rest[0]))
        ebb_msgf(msg, msgsz, "unexpected \"%.16s\" after the suffix; " SUFFIX_HELP, rest);
    else
        ebb_msgf(msg, msgsz,
                 "unexpected character '%c'; write a number with an optional suffix, "
                 "e.g. 100, 250m, 1.5k or 2Gi",
                 (unsigned char)rest[0] < 0x20 || (unsigned char)rest[0] >= 0x7f ? '?' : rest[0]);
}

/* d[0..*n) *= 2, most significant digit first. */
static void double_digits(unsigned char *d, size_t *n)
{
    unsigned carry = 0;
    for (size_t i = *n; i-- > 0;) {
        unsigned v = d[i] * 2u + carry;
        d[i] = (unsigned char)(v % 10);
        carry = v / 10;
    }
    if (carry) {
        memmove(d + 1, d, *n);
        d[0] = (unsigned char)carry;
        (*n)++;
    }
}

enum ebb_rc ebb_quantity_parse(const char *s, int64_t *milli, char *msg, size_t msgsz)
{
    unsigned char dig[DIGITS_CAP];
    size_t n = 0;
    long exp10 = 0;
    int exp2 = 0;
    bool neg = false;
    bool any_digit = false;
    const char *p = s;

    if (s == NULL || s[0] == '\0') {
        ebb_msgf(msg, msgsz, "empty quantity; write a number such as 100, 250m or 1.5k");
        return EBB_ERR_PARSE;
    }
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';

    /* Integer part, then fraction; leading zeros carry no information. */
    for (; is_digit(*p); p++) {
        any_digit = true;
        if (n == 0 && *p == '0')
            continue;
        if (n == MAX_SIG_DIGITS)
            goto too_many;
        dig[n++] = (unsigned char)(*p - '0');
    }
    if (*p == '.') {
        for (p++; is_digit(*p); p++) {
            any_digit = true;
            exp10--;
            if (n == 0 && *p == '0')
                continue;
            if (n == MAX_SIG_DIGITS)
                goto too_many;
            dig[n++] = (unsigned char)(*p - '0');
        }
    }
    if (!any_digit) {
        if (*p == '\0')
            ebb_msgf(msg, msgsz, "missing digits; write a number such as 100, 250m or 1.5k");
        else
            ebb_msgf(msg, msgsz, "must start with a number, e.g. 100, 250m, 1.5k or 2Gi");
        return EBB_ERR_PARSE;
    }

    long sexp10 = 0;
    if (!parse_suffix(p, &sexp10, &exp2)) {
        explain_rest(p, msg, msgsz);
        return EBB_ERR_PARSE;
    }
    exp10 += sexp10 + 3; /* in thousandths */

    if (n == 0) {
        *milli = 0;
        return EBB_OK;
    }
    for (int i = 0; i < exp2; i++)
        double_digits(dig, &n);

    /* Split into the integer part dig[0..k) and the dropped remainder. */
    long k = (long)n + exp10;
    bool remainder = false;
    if (k > 19)
        goto range;
    for (long i = k < 0 ? 0 : k; i < (long)n; i++)
        if (dig[i] != 0)
            remainder = true;
    uint64_t v = 0;
    for (long i = 0; i < k; i++) {
        unsigned d = i < (long)n ? dig[i] : 0;
        if (v > (UINT64_MAX - d) / 10)
            goto range;
        v = v * 10 + d;
    }
    if (remainder)
        v++; /* Quantity.MilliValue rounds away from zero */
    if (v > (uint64_t)INT64_MAX)
        goto range;
    *milli = neg ? -(int64_t)v : (int64_t)v;
    return EBB_OK;

too_many:
    ebb_msgf(msg, msgsz, "too many digits (at most %d significant digits)", MAX_SIG_DIGITS);
    return EBB_ERR_PARSE;
range:
    ebb_msgf(msg, msgsz, "out of range: a quantity must be within +/-%" PRId64 "m (about 9.2E)",
             INT64_MAX);
    return EBB_ERR_RANGE;
}

void ebb_quantity_format(int64_t milli, char *buf, size_t bufsz)
{
    if (milli % 1000 == 0)
        snprintf(buf, bufsz, "%" PRId64, milli / 1000);
    else
        snprintf(buf, bufsz, "%" PRId64 "m", milli);
}
