#include "rfc3339.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#define MS_PER_DAY 86400000LL

/* Years 0000..9999 only: what four year digits can spell, and what
 * Kubernetes (Go's time.Time MarshalJSON) can write back. */
#define MIN_MS (-62167219200000LL) /* 0000-01-01T00:00:00Z */
#define MAX_MS (253402300799999LL) /* 9999-12-31T23:59:59.999Z */

/* Days between 1970-01-01 and y-m-d: the era arithmetic splits time into
 * 400-year cycles of 146097 days, each starting on March 1 so that the leap
 * day is the last day of its year. */
int64_t ebb_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);             /* [0, 399] */
    unsigned mp = m > 2 ? m - 3 : m + 9;                  /* March = 0 */
    unsigned doy = (153 * mp + 2) / 5 + d - 1;            /* [0, 365] */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + (int64_t)doe - 719468;
}

void ebb_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool lit(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

static unsigned days_in_month(int y, int m)
{
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

enum ebb_rc ebb_rfc3339_parse(const char *s, int64_t *ms)
{
    const char *p = s;
    int y, mo, d, h, mi, sec, frac_ms = 0;
    int off_min = 0;

    if (s == NULL)
        return EBB_ERR_PARSE;
    if (!digits(&p, 4, &y) || !lit(&p, '-') || !digits(&p, 2, &mo) || !lit(&p, '-') ||
        !digits(&p, 2, &d))
        return EBB_ERR_PARSE;
    if (!lit(&p, 'T') && !lit(&p, 't'))
        return EBB_ERR_PARSE;
    if (!digits(&p, 2, &h) || !lit(&p, ':') || !digits(&p, 2, &mi) || !lit(&p, ':') ||
        !digits(&p, 2, &sec))
        return EBB_ERR_PARSE;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 3)
                frac_ms = frac_ms * 10 + (*p - '0'); /* finer digits are dropped */
        if (n == 0)
            return EBB_ERR_PARSE;
        for (; n < 3; n++)
            frac_ms *= 10;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh, om;
        if (!digits(&p, 2, &oh) || !lit(&p, ':') || !digits(&p, 2, &om))
            return EBB_ERR_PARSE;
        if (oh > 23 || om > 59)
            return EBB_ERR_PARSE;
        off_min = sign * (oh * 60 + om);
    } else {
        return EBB_ERR_PARSE;
    }
    if (*p != '\0')
        return EBB_ERR_PARSE;
    if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 59)
        return EBB_ERR_PARSE;

    int64_t days = ebb_days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t v = days * MS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac_ms -
                (int64_t)off_min * 60000;
    if (v < MIN_MS || v > MAX_MS)
        return EBB_ERR_RANGE;
    *ms = v;
    return EBB_OK;
}

void ebb_rfc3339_format(int64_t ms, char *buf, size_t bufsz)
{
    int64_t days = ms / MS_PER_DAY;
    int64_t rem = ms % MS_PER_DAY;
    if (rem < 0) {
        rem += MS_PER_DAY;
        days--;
    }
    int64_t y;
    unsigned m, d;
    ebb_civil_from_days(days, &y, &m, &d);
    int msec = (int)(rem % 1000);
    int s = (int)(rem / 1000);
    if (msec != 0)
        snprintf(buf, bufsz, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, s / 3600,
                 s / 60 % 60, s % 60, msec);
    else
        snprintf(buf, bufsz, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02dZ", y, m, d, s / 3600,
                 s / 60 % 60, s % 60);
}
