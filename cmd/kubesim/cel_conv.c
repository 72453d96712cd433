/*
 * ks_cel_conv.c -- CEL's conversions (string(), int(), uint(), double(),
 * quantity()) and Go-style durations.
 */
#include "cel.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/quantity.h"
#include "../../pkg/base/rfc3339.h"

/* ---- durations ------------------------------------------------------- */

bool ks_cel_parse_duration(const char *s, size_t n, int64_t *ns)
{
    static const struct {
        const char *u;
        int64_t mult;
    } units[] = {{"ns", 1},       {"us", 1000},      {"\xc2\xb5s", 1000},  {"\xce\xbcs", 1000},
                 {"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000LL}, {"h", 3600000000000LL}};
    size_t i = 0;
    bool neg = false;
    int64_t total = 0;

    if (i < n && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    if (i + 1 == n && s[i] == '0') {
        *ns = 0;
        return true;
    }
    if (i == n)
        return false;
    while (i < n) {
        uint64_t whole = 0, frac = 0, scale = 1;
        size_t start = i;
        while (i < n && isdigit((unsigned char)s[i])) {
            if (whole > (UINT64_MAX - 9) / 10)
                return false;
            whole = whole * 10 + (uint64_t)(s[i] - '0');
            i++;
        }
        bool digits = i > start;
        if (i < n && s[i] == '.') {
            i++;
            size_t fs = i;
            while (i < n && isdigit((unsigned char)s[i])) {
                if (scale < 1000000000000000000ULL) {
                    frac = frac * 10 + (uint64_t)(s[i] - '0');
                    scale *= 10;
                }
                i++;
            }
            digits = digits || i > fs;
        }
        if (!digits)
            return false;
        size_t k, best = 0;
        int64_t mult = 0;
        for (k = 0; k < sizeof(units) / sizeof(*units); k++) {
            size_t l = strlen(units[k].u);
            if (i + l <= n && memcmp(s + i, units[k].u, l) == 0 && l > best) {
                best = l;
                mult = units[k].mult;
            }
        }
        if (!best)
            return false;
        i += best;
        int64_t part;
        if (whole > (uint64_t)INT64_MAX / (uint64_t)mult)
            return false;
        part = (int64_t)whole * mult;
        part += (int64_t)((double)frac * (double)mult / (double)scale);
        if (__builtin_add_overflow(total, part, &total))
            return false;
    }
    *ns = neg ? -total : total;
    return true;
}

void ks_cel_format_duration(int64_t ns, char *out, size_t outlen)
{
    int64_t secs = ns / 1000000000, rem = ns % 1000000000;

    if (rem == 0) {
        snprintf(out, outlen, "%" PRId64 "s", secs);
        return;
    }
    char frac[16];
    snprintf(frac, sizeof(frac), "%09" PRId64, rem < 0 ? -rem : rem);
    for (int i = 8; i > 0 && frac[i] == '0'; i--)
        frac[i] = '\0';
    snprintf(out, outlen, "%s%" PRId64 ".%ss", (ns < 0 && secs == 0) ? "-" : "", secs, frac);
}

static struct ks_cel_val fmt_str(struct ks_cel_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct ks_cel_val fmt_str(struct ks_cel_ctx *c, const char *fmt, ...)
{
    char buf[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return ks_cel_str(c, buf, strlen(buf));
}

static struct ks_cel_val double_str(struct ks_cel_ctx *c, double d)
{
    char buf[40];

    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return ks_cel_str(c, buf, strlen(buf));
}

struct ks_cel_val ks_cel_to_string(struct ks_cel_ctx *c, struct ks_cel_val a)
{
    char buf[48];

    switch (a.k) {
    case CV_STRING:
        return a;
    case CV_BYTES:
        a.k = CV_STRING;
        return a;
    case CV_INT:
        return fmt_str(c, "%" PRId64, a.i);
    case CV_UINT:
        return fmt_str(c, "%" PRIu64, a.u);
    case CV_DOUBLE:
        return double_str(c, a.d);
    case CV_BOOL:
        return fmt_str(c, "%s", a.b ? "true" : "false");
    case CV_DURATION:
        ks_cel_format_duration(a.i, buf, sizeof(buf));
        return ks_cel_str(c, buf, strlen(buf));
    case CV_TIMESTAMP: {
        int64_t ms = a.i / 1000000 - (a.i % 1000000 < 0);
        ebb_rfc3339_format(ms, buf, sizeof(buf));
        return ks_cel_str(c, buf, strlen(buf));
    }
    default:
        return ks_cel_no_overload(c, F_STRING, a);
    }
}

struct ks_cel_val ks_cel_to_int(struct ks_cel_ctx *c, struct ks_cel_val a)
{
    switch (a.k) {
    case CV_INT:
        return a;
    case CV_UINT:
        if (a.u > INT64_MAX)
            return ks_cel_error(c, "integer overflow");
        return ks_cel_mkint((int64_t)a.u);
    case CV_DOUBLE:
        if (!(a.d > -9223372036854775808.0 && a.d < 9223372036854775808.0))
            return ks_cel_error(c, "integer overflow");
        return ks_cel_mkint((int64_t)a.d);
    case CV_STRING: {
        const char *s = ks_cel_cstr(c, a);
        char *end;
        if (!s)
            return ks_cel_error(c, "out of memory");
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (!*s || *end || errno || isspace((unsigned char)*s))
            return ks_cel_error(c, "cannot convert \"%s\" to int", s);
        return ks_cel_mkint(v);
    }
    case CV_TIMESTAMP:
        return ks_cel_mkint(a.i / 1000000000 - (a.i % 1000000000 < 0));
    default:
        return ks_cel_no_overload(c, F_INT, a);
    }
}

struct ks_cel_val ks_cel_to_uint(struct ks_cel_ctx *c, struct ks_cel_val a)
{
    struct ks_cel_val v = ks_cel_mk(CV_UINT);

    switch (a.k) {
    case CV_UINT:
        return a;
    case CV_INT:
        if (a.i < 0)
            return ks_cel_error(c, "unsigned integer overflow");
        v.u = (uint64_t)a.i;
        return v;
    case CV_DOUBLE:
        if (!(a.d > -1.0 && a.d < 18446744073709551616.0))
            return ks_cel_error(c, "unsigned integer overflow");
        v.u = (uint64_t)a.d;
        return v;
    case CV_STRING: {
        const char *s = ks_cel_cstr(c, a);
        char *end;
        if (!s)
            return ks_cel_error(c, "out of memory");
        errno = 0;
        unsigned long long u = strtoull(s, &end, 10);
        if (!*s || *end || errno || *s == '-' || isspace((unsigned char)*s))
            return ks_cel_error(c, "cannot convert \"%s\" to uint", s);
        v.u = u;
        return v;
    }
    default:
        return ks_cel_no_overload(c, F_UINT, a);
    }
}

struct ks_cel_val ks_cel_to_double(struct ks_cel_ctx *c, struct ks_cel_val a)
{
    struct ks_cel_val v = ks_cel_mk(CV_DOUBLE);

    switch (a.k) {
    case CV_DOUBLE:
        return a;
    case CV_INT:
        v.d = (double)a.i;
        return v;
    case CV_UINT:
        v.d = (double)a.u;
        return v;
    case CV_STRING: {
        const char *s = ks_cel_cstr(c, a);
        char *end;
        if (!s)
            return ks_cel_error(c, "out of memory");
        v.d = strtod(s, &end);
        if (!*s || *end || isspace((unsigned char)*s))
            return ks_cel_error(c, "cannot convert \"%s\" to double", s);
        return v;
    }
    default:
        return ks_cel_no_overload(c, F_DOUBLE, a);
    }
}

struct ks_cel_val ks_cel_quantity_of(struct ks_cel_ctx *c, struct ks_cel_val a, bool test)
{
    char msg[160];
    int64_t milli;
    const char *s;

    if (a.k != CV_STRING)
        return ks_cel_no_overload(c, test ? F_IS_QUANTITY : F_QUANTITY, a);
    s = ks_cel_cstr(c, a);
    if (!s)
        return ks_cel_error(c, "out of memory");
    if (ebb_quantity_parse(s, &milli, msg, sizeof(msg)) != EBB_OK) {
        if (test)
            return ks_cel_mkbool(false);
        return ks_cel_error(c, "quantities must match the regular expression "
                               "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    }
    if (test)
        return ks_cel_mkbool(true);
    struct ks_cel_val v = ks_cel_mk(CV_QUANTITY);
    v.i = milli;
    return v;
}
