/* backoff.c -- exponential backoff with jitter and Retry-After; see backoff.h. PURE. */
#include "backoff.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

void ebb_backoff_init(struct ebb_backoff *b, int64_t base_ms, int64_t cap_ms, double jitter,
                      uint64_t seed)
{
    b->base_ms = base_ms < 1 ? 1 : base_ms;
    b->cap_ms = cap_ms < b->base_ms ? b->base_ms : cap_ms;
    if (!(jitter >= 0)) /* NaN too */
        jitter = 0;
    b->jitter = jitter > 1 ? 1 : jitter;
    b->state = seed;
}

/* splitmix64: every state, 0 included, gives a full-period sequence. */
uint64_t ebb_backoff_next(struct ebb_backoff *b)
{
    uint64_t z = (b->state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

int64_t ebb_backoff_delay(struct ebb_backoff *b, int retry)
{
    int64_t d = b->base_ms;
    for (int i = 0; i < retry && d < b->cap_ms; i++)
        d = d > b->cap_ms / 2 ? b->cap_ms : d * 2;
    if (d > b->cap_ms)
        d = b->cap_ms;
    /* u in [0, 1) from the top 53 bits; the factor in [1 - j, 1 + j). */
    double u = (double)(ebb_backoff_next(b) >> 11) / 9007199254740992.0;
    double f = 1.0 + b->jitter * (2.0 * u - 1.0);
    double x = (double)d * f + 0.5;
    if (x >= 9223372036854775807.0) /* (double)INT64_MAX: the cast would overflow */
        return INT64_MAX;
    return x < 1 ? 1 : (int64_t)x;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n digits at *p. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit((*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool lit(const char **p, const char *s)
{
    size_t n = strlen(s);
    if (strncmp(*p, s, n) != 0)
        return false;
    *p += n;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static const char *const wdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
static bool parse_http_date(const char *p, const char *end, int64_t *unix_s)
{
    bool ok = false;
    for (size_t i = 0; i < sizeof(wdays) / sizeof(wdays[0]); i++)
        ok = ok || strncmp(p, wdays[i], 3) == 0;
    if (!ok || end - p != 29)
        return false;
    p += 3;
    int day, year, hh, mm, ss, mon = 0;
    if (!lit(&p, ", ") || !digits(&p, 2, &day) || !lit(&p, " "))
        return false;
    for (int i = 0; i < 12 && mon == 0; i++)
        if (strncmp(p, months[i], 3) == 0)
            mon = i + 1;
    if (mon == 0)
        return false;
    p += 3;
    if (!lit(&p, " ") || !digits(&p, 4, &year) || !lit(&p, " ") || !digits(&p, 2, &hh) ||
        !lit(&p, ":") || !digits(&p, 2, &mm) || !lit(&p, ":") || !digits(&p, 2, &ss) ||
        !lit(&p, " GMT"))
        return false;
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
        return false;
    *unix_s = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
    return true;
}

enum ebb_rc ebb_backoff_parse_retry_after(const char *s, int64_t now_unix_s,
                                          int64_t *delay_ms /* OUT */)
{
    enum ebb_rc rc = EBB_ERR_PARSE;
    int64_t secs = 0;
    if (s == NULL)
        goto out;
    while (is_blank(*s))
        s++;
    const char *end = s + strlen(s);
    while (end > s && (is_blank(end[-1]) || end[-1] == '\r' || end[-1] == '\n'))
        end--;
    if (end == s)
        goto out;
    if (is_digit(*s)) {
        for (const char *p = s; p < end; p++) {
            if (!is_digit(*p))
                goto out;
            if (secs < EBB_BACKOFF_MAX_RETRY_AFTER_S)
                secs = secs * 10 + (*p - '0');
        }
    } else {
        int64_t when;
        if (!parse_http_date(s, end, &when))
            goto out;
        secs = when > now_unix_s ? when - now_unix_s : 0;
    }
    if (secs > EBB_BACKOFF_MAX_RETRY_AFTER_S)
        secs = EBB_BACKOFF_MAX_RETRY_AFTER_S;
    *delay_ms = secs * 1000;
    rc = EBB_OK;
out:
    return rc;
}
