/* cron.c -- 5-field cron expressions and their occurrences, PURE.
 *
 * Occurrences are found a day at a time in local wall time: a day whose
 * month and day fields match is tried hour by hour and minute by minute
 * through the bitmasks, and each local time becomes an instant with
 * ebb_tz_local_to_utc(). That mapping never goes backwards as local time
 * goes forwards, so the first match found walking away from `now` is the
 * answer, and whole days and hours can be skipped by testing their ends.
 */
#include "cron.h"

#include <stdio.h>
#include <string.h>

#include "tz.h"
#include "msg.h"

#define DAY_S 86400
#define MINUTE_S 60
/* The Gregorian calendar, weekdays included, repeats every 400 years
 * (146097 days, a whole number of weeks): a pattern with no day in that
 * span has none at all, so longer spans are searched as this long. */
#define CYCLE_DAYS 146097LL
#define SPAN_MAX_MS (CYCLE_DAYS * DAY_S * 1000)
/* Instants beyond +-10^16 ms (about 317,000 years) have no occurrences:
 * this keeps every sum below free of overflow. */
#define TIME_LIMIT_MS 10000000000000000LL
#define QUOTE_MAX 40

enum field_id { F_MINUTE, F_HOUR, F_DOM, F_MONTH, F_DOW, F__COUNT };

/* Tables hold arrays, not pointers, so they stay in read-only data. */
struct field_def {
    char name[16];
    int min;
    int max;
    char names[40]; /* three letters each, spelling min, min + 1, ...; "": numbers only */
    char what[64];  /* for "is not ..." */
};

static const struct field_def fields[F__COUNT] = {
    [F_MINUTE] = {"minute", 0, 59, "", "a number"},
    [F_HOUR] = {"hour", 0, 23, "", "a number"},
    [F_DOM] = {"day-of-month", 1, 31, "", "a number"},
    [F_MONTH] = {"month", 1, 12, "janfebmaraprmayjunjulaugsepoctnovdec",
                 "a month (1-12 or jan-dec)"},
    [F_DOW] = {"day-of-week", 0, 7, "sunmontuewedthufrisat",
               "a day of the week (0-7 or sun-sat; 0 and 7 are Sunday)"},
};

struct macro {
    char name[12];
    char expansion[12];
};

static const struct macro macros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

#define FIELD_LIST "minute hour day-of-month month day-of-week"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int quote_len(size_t n)
{
    return n > QUOTE_MAX ? QUOTE_MAX : (int)n;
}

/* A number or, where the field has them, a three-letter name. */
static enum ebb_rc parse_value(const struct field_def *f, const char *item, size_t item_n,
                               const char *s, size_t n, int *out, char *msg, size_t msgsz)
{
    int v = 0;

    if (n > 0 && s[0] >= '0' && s[0] <= '9') {
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                goto bad;
            if (v <= 1000)
                v = v * 10 + (s[i] - '0');
        }
        *out = v;
        return EBB_OK;
    }
    if (n == 3) {
        for (size_t i = 0; f->names[3 * i] != '\0'; i++) {
            const char *name = f->names + 3 * i;

            if (lower(s[0]) == name[0] && lower(s[1]) == name[1] && lower(s[2]) == name[2]) {
                *out = f->min + (int)i;
                return EBB_OK;
            }
        }
    }
bad:
    ebb_msgf(msg, msgsz, "%s field \"%.*s\": \"%.*s\" is not %s", f->name, quote_len(item_n), item,
             quote_len(n), s, f->what);
    return EBB_ERR_PARSE;
}

/* One list item: "*", "a", "a-b", each optionally followed by "/step". */
static enum ebb_rc parse_item(const struct field_def *f, const char *s, size_t n, uint64_t *bits,
                              bool *star, char *msg, size_t msgsz)
{
    const char *slash = memchr(s, '/', n);
    size_t rn = slash ? (size_t)(slash - s) : n;
    const char *dash;
    int lo, hi, step = 1;
    bool is_star = false;
    enum ebb_rc rc;

    if (rn == 1 && s[0] == '*') {
        lo = f->min;
        hi = f->max;
        is_star = true;
    } else {
        dash = rn > 0 ? memchr(s + 1, '-', rn - 1) : NULL;
        if (dash == NULL) {
            rc = parse_value(f, s, n, s, rn, &lo, msg, msgsz);
            if (rc)
                return rc;
            /* "a/n" runs from a to the end of the field, as in Kubernetes. */
            hi = slash ? f->max : lo;
        } else {
            rc = parse_value(f, s, n, s, (size_t)(dash - s), &lo, msg, msgsz);
            if (rc)
                return rc;
            rc = parse_value(f, s, n, dash + 1, rn - (size_t)(dash - s) - 1, &hi, msg, msgsz);
            if (rc)
                return rc;
        }
        if (lo < f->min || lo > f->max || hi < f->min || hi > f->max) {
            ebb_msgf(msg, msgsz, "%s field \"%.*s\": must be between %d and %d", f->name,
                     quote_len(n), s, f->min, f->max);
            return EBB_ERR_PARSE;
        }
        if (lo > hi) {
            ebb_msgf(msg, msgsz, "%s field \"%.*s\": the range runs backwards (%d is after %d)",
                     f->name, quote_len(n), s, lo, hi);
            return EBB_ERR_PARSE;
        }
    }
    if (slash != NULL) {
        const char *st = slash + 1;
        size_t sn = n - rn - 1;
        bool ok = sn > 0;

        step = 0;
        for (size_t i = 0; i < sn && ok; i++) {
            if (st[i] < '0' || st[i] > '9')
                ok = false;
            else if (step <= 1000)
                step = step * 10 + (st[i] - '0');
        }
        if (!ok || step < 1 || step > f->max) {
            ebb_msgf(msg, msgsz, "%s field \"%.*s\": step must be a number between 1 and %d",
                     f->name, quote_len(n), s, f->max);
            return EBB_ERR_PARSE;
        }
    }
    for (int v = lo; v <= hi; v += step)
        *bits |= (uint64_t)1 << v;
    /* As in Kubernetes (robfig/cron): "*" and "*\/1" leave the field
     * unrestricted for the day-of-month / day-of-week rule; "*\/2" does not. */
    if (is_star && step == 1)
        *star = true;
    return EBB_OK;
}

static enum ebb_rc parse_field(const struct field_def *f, const char *s, size_t n, uint64_t *bits,
                               bool *star, char *msg, size_t msgsz)
{
    size_t i = 0;
    enum ebb_rc rc;

    *bits = 0;
    *star = false;
    while (i <= n) {
        const char *comma = memchr(s + i, ',', n - i);
        size_t end = comma ? (size_t)(comma - s) : n;

        if (end == i) {
            ebb_msgf(msg, msgsz, "%s field \"%.*s\": empty list item", f->name, quote_len(n), s);
            return EBB_ERR_PARSE;
        }
        rc = parse_item(f, s + i, end - i, bits, star, msg, msgsz);
        if (rc)
            return rc;
        i = end + 1;
    }
    return EBB_OK;
}

static enum ebb_rc parse_fields(const char *expr, struct ebb_cron *out, char *msg, size_t msgsz)
{
    const char *start[F__COUNT + 1];
    size_t len[F__COUNT + 1];
    size_t n = 0, i = 0;
    uint64_t bits[F__COUNT];
    bool star[F__COUNT];
    enum ebb_rc rc;

    for (;;) {
        while (is_space(expr[i]))
            i++;
        if (expr[i] == '\0')
            break;
        if (n == F__COUNT) {
            size_t more = 0;
            for (; expr[i] != '\0'; more++) {
                while (expr[i] != '\0' && !is_space(expr[i]))
                    i++;
                while (is_space(expr[i]))
                    i++;
            }
            ebb_msgf(msg, msgsz,
                     "cron expression \"%.64s\" has %zu fields; it takes 5 (" FIELD_LIST ")", expr,
                     n + more);
            return EBB_ERR_PARSE;
        }
        start[n] = expr + i;
        while (expr[i] != '\0' && !is_space(expr[i]))
            i++;
        len[n] = (size_t)(expr + i - start[n]);
        n++;
    }
    if (n == 0) {
        ebb_msgf(msg, msgsz, "cron expression is empty: it takes 5 fields (" FIELD_LIST ")");
        return EBB_ERR_PARSE;
    }
    if (n < F__COUNT) {
        ebb_msgf(msg, msgsz,
                 "cron expression \"%.64s\" has %zu field%s: the %s field is missing (" FIELD_LIST
                 ")",
                 expr, n, n == 1 ? "" : "s", fields[n].name);
        return EBB_ERR_PARSE;
    }
    for (int f = 0; f < F__COUNT; f++) {
        rc = parse_field(&fields[f], start[f], len[f], &bits[f], &star[f], msg, msgsz);
        if (rc)
            return rc;
    }
    out->minutes = bits[F_MINUTE];
    out->hours = (uint32_t)bits[F_HOUR];
    out->days = (uint32_t)bits[F_DOM];
    out->months = (uint16_t)bits[F_MONTH];
    out->weekdays = (uint8_t)((bits[F_DOW] | bits[F_DOW] >> 7) & 0x7f);
    out->days_star = star[F_DOM];
    out->weekdays_star = star[F_DOW];
    return EBB_OK;
}

enum ebb_rc ebb_cron_parse(const char *expr, struct ebb_cron *out, char *msg, size_t msgsz)
{
    const struct macro *macro = NULL;
    size_t i = 0, n;

    memset(out, 0, sizeof(*out));
    if (expr == NULL) {
        ebb_msgf(msg, msgsz, "cron expression is missing");
        return EBB_ERR_PARSE;
    }
    while (is_space(expr[i]))
        i++;
    if (expr[i] != '@')
        return parse_fields(expr, out, msg, msgsz);
    n = 0;
    while (expr[i + n] != '\0' && !is_space(expr[i + n]))
        n++;
    for (size_t m = 0; m < sizeof(macros) / sizeof(macros[0]); m++) {
        if (strlen(macros[m].name) == n && memcmp(macros[m].name, expr + i, n) == 0)
            macro = &macros[m];
    }
    if (macro == NULL) {
        ebb_msgf(msg, msgsz,
                 "cron macro \"%.*s\" is unknown: use @yearly, @annually, @monthly, @weekly, "
                 "@daily, @midnight or @hourly",
                 quote_len(n), expr + i);
        return EBB_ERR_PARSE;
    }
    for (size_t k = i + n; expr[k] != '\0'; k++) {
        if (!is_space(expr[k])) {
            ebb_msgf(msg, msgsz, "cron expression \"%.64s\": nothing may follow %s", expr,
                     macro->name);
            return EBB_ERR_PARSE;
        }
    }
    return parse_fields(macro->expansion, out, msg, msgsz);
}

/* ---- occurrences ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Month and day of month of a day number (day 0 = 1970-01-01), by the
 * days-from-civil inverse: count from March 1 of a 400-year era. */
static void month_day(int64_t z, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468; /* days from 0000-03-01 to 1970-01-01 */
    era = floor_div(z, 146097);
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
}

static bool day_matches(const struct ebb_cron *c, int64_t day)
{
    int m, d;
    int wd = (int)(day + 4 - floor_div(day + 4, 7) * 7); /* 1970-01-01 was a Thursday */
    bool dom, dow;

    month_day(day, &m, &d);
    if (!(c->months >> m & 1))
        return false;
    dom = c->days >> d & 1;
    dow = c->weekdays >> wd & 1;
    if (c->days_star || c->weekdays_star)
        return dom && dow;
    return dom || dow;
}

static int lowest_bit(uint64_t v)
{
    int i = 0;

    while (!(v >> i & 1))
        i++;
    return i;
}

static int highest_bit(uint64_t v)
{
    int i = 63;

    while (!(v >> i & 1))
        i--;
    return i;
}

static bool usable(const struct ebb_cron *c)
{
    return (c->minutes & 0x0fffffffffffffffULL) && (c->hours & 0xffffff) &&
           (c->days & 0xfffffffe) && (c->months & 0x1ffe) && (c->weekdays & 0x7f);
}

static bool in_range(int64_t t)
{
    return t >= -TIME_LIMIT_MS && t <= TIME_LIMIT_MS;
}

static int64_t clamp_span(int64_t span)
{
    return span > SPAN_MAX_MS ? SPAN_MAX_MS : span;
}

/* The instant of local day `day`, hour h, minute m. */
static int64_t at_local(const struct ebb_tz *tz, int64_t day, int h, int m)
{
    return ebb_tz_local_to_utc(tz, day * DAY_S + h * 3600 + m * MINUTE_S);
}

enum ebb_rc ebb_cron_prev(const struct ebb_cron *c, const struct ebb_tz *tz, int64_t now_ms,
                          int64_t lookback_ms, int64_t *at_ms)
{
    uint64_t mins = c->minutes & 0x0fffffffffffffffULL;
    int min_lo, hour_lo;
    int64_t now_s, day, last_day;

    if (lookback_ms < 0 || !usable(c) || !in_range(now_ms))
        return EBB_ERR_NOTFOUND;
    lookback_ms = clamp_span(lookback_ms);
    min_lo = lowest_bit(mins);
    hour_lo = lowest_bit(c->hours & 0xffffff);
    now_s = floor_div(now_ms, 1000);
    /* A fall-back overlap maps local times up to a day past now's local
     * time to instants before now: start a day later. */
    day = floor_div(now_s + ebb_tz_offset(tz, now_s), DAY_S) + 1;
    last_day = day - lookback_ms / (DAY_S * 1000LL) - 3;
    for (; day >= last_day; day--) {
        if (!day_matches(c, day) || at_local(tz, day, hour_lo, min_lo) > now_s)
            continue;
        for (int h = 23; h >= 0; h--) {
            if (!(c->hours >> h & 1) || at_local(tz, day, h, min_lo) > now_s)
                continue;
            for (int m = 59; m >= 0; m--) {
                int64_t u;

                if (!(mins >> m & 1))
                    continue;
                u = at_local(tz, day, h, m);
                if (u > now_s)
                    continue;
                if (now_ms - u * 1000 > lookback_ms)
                    return EBB_ERR_NOTFOUND;
                *at_ms = u * 1000;
                return EBB_OK;
            }
        }
    }
    return EBB_ERR_NOTFOUND;
}

enum ebb_rc ebb_cron_next(const struct ebb_cron *c, const struct ebb_tz *tz, int64_t after_ms,
                          int64_t lookahead_ms, int64_t *at_ms)
{
    uint64_t mins = c->minutes & 0x0fffffffffffffffULL;
    int min_hi, hour_hi;
    int64_t after_s, day, last_day;

    if (lookahead_ms < 0 || !usable(c) || !in_range(after_ms))
        return EBB_ERR_NOTFOUND;
    lookahead_ms = clamp_span(lookahead_ms);
    min_hi = highest_bit(mins);
    hour_hi = highest_bit(c->hours & 0xffffff);
    after_s = floor_div(after_ms, 1000);
    day = floor_div(after_s + ebb_tz_offset(tz, after_s), DAY_S) - 1;
    last_day = day + lookahead_ms / (DAY_S * 1000LL) + 3;
    for (; day <= last_day; day++) {
        if (!day_matches(c, day) || at_local(tz, day, hour_hi, min_hi) <= after_s)
            continue;
        for (int h = 0; h < 24; h++) {
            if (!(c->hours >> h & 1) || at_local(tz, day, h, min_hi) <= after_s)
                continue;
            for (int m = 0; m < 60; m++) {
                int64_t u;

                if (!(mins >> m & 1))
                    continue;
                u = at_local(tz, day, h, m);
                if (u <= after_s)
                    continue;
                if (u * 1000 - after_ms > lookahead_ms)
                    return EBB_ERR_NOTFOUND;
                *at_ms = u * 1000;
                return EBB_OK;
            }
        }
    }
    return EBB_ERR_NOTFOUND;
}
