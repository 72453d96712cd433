/* tz.c -- TZif (RFC 8536) and POSIX TZ rules, PURE.
 *
 * A zone is a sorted table of transitions (UTC instant -> UTC offset) plus
 * an optional POSIX rule that takes over after the last transition. Only
 * offsets are kept: Ebb never prints a zone abbreviation. Leap-second
 * records ("right/" zones) are skipped: Ebb counts POSIX seconds.
 *
 * Every count in a TZif header is checked against the bytes actually there
 * before anything is read, so hostile data can fail but never overrun.
 */
#include "tz.h"
#include "msg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S 86400
/* Instants are clamped to +-10^13 s (about 317,000 years) before any
 * calendar arithmetic, so offsets and windows can be added without overflow. */
#define TIME_LIMIT_S 10000000000000LL
/* RFC 8536 section 3.2: utoff should be in [-89999, 93599]; POSIX offsets
 * are at most 24:59:59 either way. local_to_utc searches this far around. */
#define MIN_UTOFF (-89999)
#define MAX_UTOFF 93599
#define SEARCH_S (2 * DAY_S)
#define FOOTER_MAX 256

enum rule_kind {
    RULE_JULIAN1, /* Jn: 1..365, February 29 never counted */
    RULE_JULIAN0, /* n: 0..365, February 29 counted */
    RULE_MONTH,   /* Mm.w.d */
};

struct rule_date {
    enum rule_kind kind;
    int day;   /* Jn / n */
    int month; /* Mm.w.d */
    int week;
    int wday;
    int32_t time; /* seconds after local midnight; -167h..167h (RFC 8536 v3) */
};

struct posix_rule {
    int32_t std_off; /* UTC offset, seconds east */
    int32_t dst_off;
    bool has_dst;
    struct rule_date start; /* DST begins, in standard time */
    struct rule_date end;   /* DST ends, in daylight time */
};

struct ebb_tz {
    int64_t *trans;     /* ascending UTC instants */
    int32_t *trans_off; /* offset from trans[i] on */
    size_t n_trans;
    int32_t first_off; /* before the first transition: time type 0 */
    bool has_rule;     /* the rule applies after the last transition */
    struct posix_rule rule;
};

/* ---- calendar (proleptic Gregorian; day 0 = 1970-01-01) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era;
    int64_t yoe, doy, doe;

    if (m <= 2)
        y--;
    era = floor_div(y, 400);
    yoe = y - era * 400;                                   /* 0..399 */
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* from March 1 */
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t year_from_days(int64_t z)
{
    int64_t era, doe, yoe, doy, mp, y;

    z += 719468;
    era = floor_div(z, 146097);
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    return mp >= 10 ? y + 1 : y; /* January and February belong to the next year */
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

static int64_t clamp_time(int64_t t)
{
    if (t > TIME_LIMIT_S)
        return TIME_LIMIT_S;
    if (t < -TIME_LIMIT_S)
        return -TIME_LIMIT_S;
    return t;
}

/* ---- POSIX rule evaluation ---- */

/* Local seconds (since the epoch, in the offset then in effect) of a rule
 * date in year y. */
static int64_t rule_local(const struct rule_date *r, int64_t y)
{
    int64_t jan1 = days_from_civil(y, 1, 1);
    int64_t day = 0;

    switch (r->kind) {
    case RULE_JULIAN1:
        day = jan1 + r->day - 1;
        if (is_leap(y) && r->day >= 60)
            day++;
        break;
    case RULE_JULIAN0:
        day = jan1 + r->day;
        break;
    case RULE_MONTH: {
        int64_t first = days_from_civil(y, r->month, 1);
        int64_t wd_first = first + 4 - floor_div(first + 4, 7) * 7; /* 1970-01-01: Thursday */
        int64_t mday = (r->wday - wd_first + 7) % 7 + (int64_t)(r->week - 1) * 7;
        while (mday >= month_days(y, r->month))
            mday -= 7;
        day = first + mday;
        break;
    }
    }
    return day * DAY_S + r->time;
}

struct rule_event {
    int64_t at;  /* UTC */
    int32_t off; /* offset from `at` on */
};

/* The transitions of the rule in years y-1 .. y+2, in the order a tie
 * should resolve (a DST start wins over an end at the same instant, which
 * is how permanent DST is written: "EST5EDT4,0/0,J365/25"). */
static void rule_events(const struct posix_rule *r, int64_t y, struct rule_event ev[8])
{
    for (int i = 0; i < 4; i++) {
        int64_t yy = y - 1 + i;
        ev[2 * i].at = rule_local(&r->end, yy) - r->dst_off;
        ev[2 * i].off = r->std_off;
        ev[2 * i + 1].at = rule_local(&r->start, yy) - r->std_off;
        ev[2 * i + 1].off = r->dst_off;
    }
}

static int64_t rule_year(const struct posix_rule *r, int64_t t)
{
    return year_from_days(floor_div(t + r->std_off, DAY_S));
}

static int32_t rule_offset(const struct posix_rule *r, int64_t t)
{
    struct rule_event ev[8];
    int64_t best_at = INT64_MIN;
    int32_t off = r->std_off;

    if (!r->has_dst)
        return r->std_off;
    t = clamp_time(t);
    rule_events(r, rule_year(r, t), ev);
    for (int i = 0; i < 8; i++) {
        if (ev[i].at <= t && ev[i].at >= best_at) {
            best_at = ev[i].at;
            off = ev[i].off;
        }
    }
    return off;
}

static int64_t rule_next_change(const struct posix_rule *r, int64_t t)
{
    struct rule_event ev[8];
    int64_t best = INT64_MAX;

    if (!r->has_dst || t >= TIME_LIMIT_S)
        return INT64_MAX;
    t = clamp_time(t);
    rule_events(r, rule_year(r, t), ev);
    for (int i = 0; i < 8; i++) {
        if (ev[i].at > t && ev[i].at < best)
            best = ev[i].at;
    }
    return best;
}

/* ---- zone evaluation ---- */

/* Index of the last transition at or before t, or -1. */
static ptrdiff_t find_trans(const struct ebb_tz *tz, int64_t t)
{
    size_t lo = 0, hi = tz->n_trans;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

int32_t ebb_tz_offset(const struct ebb_tz *tz, int64_t utc_s)
{
    ptrdiff_t i;

    if (tz == NULL)
        return 0;
    if (tz->n_trans == 0)
        return tz->has_rule ? rule_offset(&tz->rule, utc_s) : tz->first_off;
    i = find_trans(tz, utc_s);
    if (i < 0)
        return tz->first_off;
    if ((size_t)i == tz->n_trans - 1 && utc_s > tz->trans[i] && tz->has_rule)
        return rule_offset(&tz->rule, utc_s);
    return tz->trans_off[i];
}

/* The first instant after t at which the offset may change (INT64_MAX if
 * never). It may report an instant where the offset stays the same. */
static int64_t next_change(const struct ebb_tz *tz, int64_t t)
{
    ptrdiff_t i;

    if (tz->n_trans == 0)
        return tz->has_rule ? rule_next_change(&tz->rule, t) : INT64_MAX;
    i = find_trans(tz, t);
    if ((size_t)(i + 1) < tz->n_trans)
        return tz->trans[i + 1];
    if (!tz->has_rule)
        return INT64_MAX;
    /* At the last transition itself the table still rules; the rule
     * takes over one second later. */
    if (t == tz->trans[tz->n_trans - 1])
        return t + 1;
    return rule_next_change(&tz->rule, t);
}

/* The earliest instant whose local time is at or after local_s: walk the
 * stretches of constant offset around it. In a stretch [s, e) with offset
 * o, local time runs over [s+o, e+o); the first stretch that reaches
 * local_s holds the answer: local_s - o, or s itself when the stretch
 * starts past local_s (local_s was skipped by a jump forward). */
int64_t ebb_tz_local_to_utc(const struct ebb_tz *tz, int64_t local_s)
{
    int64_t s, limit;
    int32_t o;

    if (tz == NULL)
        return local_s;
    local_s = clamp_time(local_s);
    s = local_s - SEARCH_S;
    limit = local_s + SEARCH_S;
    o = ebb_tz_offset(tz, s);
    while (s <= limit) {
        int64_t e = next_change(tz, s);
        int64_t c = local_s - o;

        if (s + o >= local_s)
            return s;
        if (c < e)
            return c;
        s = e;
        if (s == INT64_MAX)
            break;
        o = ebb_tz_offset(tz, s);
    }
    return local_s - ebb_tz_offset(tz, local_s);
}

/* ---- POSIX TZ rule parsing ---- */

struct cursor {
    const char *s;
    size_t i;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Up to three digits, at most max. */
static bool parse_num(struct cursor *cur, int max, int *out)
{
    int v = 0, n = 0;

    while (is_digit(cur->s[cur->i]) && n < 3) {
        v = v * 10 + (cur->s[cur->i] - '0');
        cur->i++;
        n++;
    }
    if (n == 0 || is_digit(cur->s[cur->i]) || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_name(struct cursor *cur)
{
    size_t start;

    if (cur->s[cur->i] == '<') {
        cur->i++;
        start = cur->i;
        while (is_alpha(cur->s[cur->i]) || is_digit(cur->s[cur->i]) || cur->s[cur->i] == '+' ||
               cur->s[cur->i] == '-')
            cur->i++;
        if (cur->s[cur->i] != '>' || cur->i == start)
            return false;
        cur->i++;
        return true;
    }
    start = cur->i;
    while (is_alpha(cur->s[cur->i]))
        cur->i++;
    return cur->i > start;
}

/* [+-]hh[:mm[:ss]], hours at most max_h; returns seconds. */
static bool parse_hms(struct cursor *cur, int max_h, int32_t *out)
{
    int sign = 1, h = 0, m = 0, sec = 0;

    if (cur->s[cur->i] == '+' || cur->s[cur->i] == '-') {
        if (cur->s[cur->i] == '-')
            sign = -1;
        cur->i++;
    }
    if (!parse_num(cur, max_h, &h))
        return false;
    if (cur->s[cur->i] == ':') {
        cur->i++;
        if (!parse_num(cur, 59, &m))
            return false;
        if (cur->s[cur->i] == ':') {
            cur->i++;
            if (!parse_num(cur, 59, &sec))
                return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return true;
}

static bool starts_offset(char c)
{
    return is_digit(c) || c == '+' || c == '-';
}

/* Jn | n | Mm.w.d, then an optional /time. */
static bool parse_rule_date(struct cursor *cur, struct rule_date *r)
{
    r->time = 2 * 3600;
    if (cur->s[cur->i] == 'J') {
        cur->i++;
        r->kind = RULE_JULIAN1;
        if (!parse_num(cur, 365, &r->day) || r->day < 1)
            return false;
    } else if (cur->s[cur->i] == 'M') {
        cur->i++;
        r->kind = RULE_MONTH;
        if (!parse_num(cur, 12, &r->month) || r->month < 1 || cur->s[cur->i] != '.')
            return false;
        cur->i++;
        if (!parse_num(cur, 5, &r->week) || r->week < 1 || cur->s[cur->i] != '.')
            return false;
        cur->i++;
        if (!parse_num(cur, 6, &r->wday))
            return false;
    } else {
        r->kind = RULE_JULIAN0;
        if (!parse_num(cur, 365, &r->day))
            return false;
    }
    if (cur->s[cur->i] == '/') {
        cur->i++;
        if (!parse_hms(cur, 167, &r->time))
            return false;
    }
    return true;
}

static enum ebb_rc parse_posix(const char *rule, struct posix_rule *out, char *msg, size_t msgsz)
{
    struct cursor cur = {rule, 0};
    const char *what = NULL;
    int32_t v;

    memset(out, 0, sizeof(*out));
    if (!parse_name(&cur)) {
        what = "expected a standard time name (\"CET\" or \"<+03>\")";
        goto out;
    }
    if (!parse_hms(&cur, 24, &v)) {
        what = "expected the standard time's offset from UTC (\"-1\", \"5\", \"-5:30\")";
        goto out;
    }
    out->std_off = -v; /* POSIX counts hours west of Greenwich */
    if (rule[cur.i] == '\0')
        goto out;
    if (!parse_name(&cur)) {
        what = "expected a daylight saving time name";
        goto out;
    }
    out->has_dst = true;
    out->dst_off = out->std_off + 3600;
    if (starts_offset(rule[cur.i])) {
        if (!parse_hms(&cur, 24, &v)) {
            what = "bad daylight saving time offset";
            goto out;
        }
        out->dst_off = -v;
    }
    if (rule[cur.i] == '\0') {
        /* No dates: the US rules, as tzcode assumes. */
        out->start = (struct rule_date){RULE_MONTH, 0, 3, 2, 0, 2 * 3600};
        out->end = (struct rule_date){RULE_MONTH, 0, 11, 1, 0, 2 * 3600};
        goto out;
    }
    if (rule[cur.i] != ',') {
        what = "expected ',' and the date daylight saving time starts";
        goto out;
    }
    cur.i++;
    if (!parse_rule_date(&cur, &out->start)) {
        what = "bad start date (\"M3.5.0\", \"J60\", \"59\", optionally \"/2\")";
        goto out;
    }
    if (rule[cur.i] != ',') {
        what = "expected ',' and the date daylight saving time ends";
        goto out;
    }
    cur.i++;
    if (!parse_rule_date(&cur, &out->end)) {
        what = "bad end date (\"M10.5.0/3\", \"J300\", \"299\")";
        goto out;
    }
    if (rule[cur.i] != '\0')
        what = "unexpected text after the end date";
out:
    if (what != NULL) {
        ebb_msgf(msg, msgsz, "TZ rule \"%.64s\": %s at offset %zu", rule, what, cur.i);
        return EBB_ERR_PARSE;
    }
    return EBB_OK;
}

enum ebb_rc ebb_tz_parse_posix(const char *rule, struct ebb_tz **out, char *msg, size_t msgsz)
{
    struct ebb_tz *tz = NULL;
    enum ebb_rc rc;

    *out = NULL;
    if (rule == NULL) {
        ebb_msgf(msg, msgsz, "TZ rule is missing");
        return EBB_ERR_PARSE;
    }
    tz = calloc(1, sizeof(*tz));
    if (tz == NULL) {
        rc = EBB_ERR_NOMEM;
        ebb_msgf(msg, msgsz, "out of memory");
        goto out;
    }
    rc = parse_posix(rule, &tz->rule, msg, msgsz);
    if (rc)
        goto out;
    tz->has_rule = true;
    tz->first_off = tz->rule.std_off;
    *out = tz;
    tz = NULL;
out:
    ebb_tz_free(tz);
    return rc;
}

/* ---- TZif ---- */

#define HEADER_LEN 44

struct tzif_header {
    int version; /* 1, 2, 3, 4 (later versions read as 4) */
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static enum ebb_rc read_header(const uint8_t *p, size_t len, size_t at, struct tzif_header *h,
                               char *msg, size_t msgsz)
{
    if (len - at < HEADER_LEN || memcmp(p + at, "TZif", 4) != 0) {
        ebb_msgf(msg, msgsz, "not TZif data: no \"TZif\" header at byte %zu", at);
        return EBB_ERR_PARSE;
    }
    if (p[at + 4] == 0)
        h->version = 1;
    else if (p[at + 4] >= '2')
        h->version = p[at + 4] > '4' ? 4 : p[at + 4] - '0';
    else {
        ebb_msgf(msg, msgsz, "TZif version byte 0x%02x is not valid", p[at + 4]);
        return EBB_ERR_PARSE;
    }
    h->isutcnt = be32(p + at + 20);
    h->isstdcnt = be32(p + at + 24);
    h->leapcnt = be32(p + at + 28);
    h->timecnt = be32(p + at + 32);
    h->typecnt = be32(p + at + 36);
    h->charcnt = be32(p + at + 40);
    return EBB_OK;
}

/* Bytes of the data block after a header, with times of tsize bytes. */
static uint64_t block_len(const struct tzif_header *h, unsigned tsize)
{
    return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
           (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static enum ebb_rc read_block(const uint8_t *p, size_t len, size_t at, const struct tzif_header *h,
                              unsigned tsize, struct ebb_tz *tz, char *msg, size_t msgsz)
{
    const uint8_t *times = p + at;
    const uint8_t *idx = times + (size_t)h->timecnt * tsize;
    const uint8_t *types = idx + h->timecnt;

    (void)len; /* the caller checked that the block fits */
    if (h->typecnt == 0) {
        ebb_msgf(msg, msgsz, "TZif data has no local time types");
        return EBB_ERR_PARSE;
    }
    if (h->charcnt == 0) {
        ebb_msgf(msg, msgsz, "TZif data has no time zone abbreviations");
        return EBB_ERR_PARSE;
    }
    if ((h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)) {
        ebb_msgf(msg, msgsz, "TZif counts disagree: %u types but %u UT and %u standard flags",
                 h->typecnt, h->isutcnt, h->isstdcnt);
        return EBB_ERR_PARSE;
    }
    for (uint32_t i = 0; i < h->typecnt; i++) {
        int32_t off = (int32_t)be32(types + (size_t)i * 6);
        if (off < MIN_UTOFF || off > MAX_UTOFF) {
            ebb_msgf(msg, msgsz, "TZif local time type %u: UTC offset %d s is out of range", i,
                     (int)off);
            return EBB_ERR_PARSE;
        }
        if (types[(size_t)i * 6 + 5] >= h->charcnt) {
            ebb_msgf(msg, msgsz, "TZif local time type %u: abbreviation index is out of range", i);
            return EBB_ERR_PARSE;
        }
    }
    if (h->timecnt > 0) {
        tz->trans = malloc((size_t)h->timecnt * sizeof(*tz->trans));
        tz->trans_off = malloc((size_t)h->timecnt * sizeof(*tz->trans_off));
        if (tz->trans == NULL || tz->trans_off == NULL) {
            ebb_msgf(msg, msgsz, "out of memory");
            return EBB_ERR_NOMEM;
        }
    }
    for (uint32_t i = 0; i < h->timecnt; i++) {
        int64_t t = tsize == 8 ? be64(times + (size_t)i * 8)
                               : (int64_t)(int32_t)be32(times + (size_t)i * 4);
        if (i > 0 && t <= tz->trans[i - 1]) {
            ebb_msgf(msg, msgsz, "TZif transition %u is not after the one before it", i);
            return EBB_ERR_PARSE;
        }
        if (idx[i] >= h->typecnt) {
            ebb_msgf(msg, msgsz, "TZif transition %u names local time type %u of %u", i, idx[i],
                     h->typecnt);
            return EBB_ERR_PARSE;
        }
        tz->trans[i] = t;
        tz->trans_off[i] = (int32_t)be32(types + (size_t)idx[i] * 6);
    }
    tz->n_trans = h->timecnt;
    tz->first_off = (int32_t)be32(types);
    return EBB_OK;
}

/* The footer: "\n" rule "\n", right after the v2+ data block. */
static enum ebb_rc read_footer(const uint8_t *p, size_t len, size_t at, struct ebb_tz *tz,
                               char *msg, size_t msgsz)
{
    char rule[FOOTER_MAX];
    const uint8_t *nl;
    size_t n;
    enum ebb_rc rc;

    if (at >= len || p[at] != '\n') {
        ebb_msgf(msg, msgsz, "TZif footer is missing");
        return EBB_ERR_PARSE;
    }
    at++;
    nl = memchr(p + at, '\n', len - at);
    if (nl == NULL) {
        ebb_msgf(msg, msgsz, "TZif footer has no closing newline");
        return EBB_ERR_PARSE;
    }
    n = (size_t)(nl - (p + at));
    if (n == 0)
        return EBB_OK; /* no rule: the last transition's type stays */
    if (n >= sizeof(rule)) {
        ebb_msgf(msg, msgsz, "TZif footer is longer than %d bytes", FOOTER_MAX - 1);
        return EBB_ERR_PARSE;
    }
    if (memchr(p + at, '\0', n) != NULL) {
        ebb_msgf(msg, msgsz, "TZif footer contains a NUL byte");
        return EBB_ERR_PARSE;
    }
    memcpy(rule, p + at, n);
    rule[n] = '\0';
    rc = parse_posix(rule, &tz->rule, msg, msgsz);
    if (rc)
        return rc;
    tz->has_rule = true;
    return EBB_OK;
}

enum ebb_rc ebb_tz_parse(const void *data, size_t len, struct ebb_tz **out, char *msg, size_t msgsz)
{
    const uint8_t *p = data;
    struct tzif_header h;
    struct ebb_tz *tz = NULL;
    uint64_t blen;
    size_t at = 0;
    unsigned tsize = 4;
    enum ebb_rc rc;

    *out = NULL;
    if (p == NULL)
        len = 0;
    rc = read_header(p, len, 0, &h, msg, msgsz);
    if (rc)
        goto out;
    blen = block_len(&h, 4);
    if (blen > len - HEADER_LEN) {
        ebb_msgf(msg, msgsz,
                 "TZif data is truncated: the version 1 block needs %llu bytes, %zu left",
                 (unsigned long long)blen, len - HEADER_LEN);
        rc = EBB_ERR_PARSE;
        goto out;
    }
    at = HEADER_LEN;
    if (h.version >= 2) {
        /* Skip the 32-bit block; the 64-bit one after it is complete. */
        at += (size_t)blen;
        rc = read_header(p, len, at, &h, msg, msgsz);
        if (rc)
            goto out;
        if (h.version < 2) {
            ebb_msgf(msg, msgsz, "TZif second header has version 1");
            rc = EBB_ERR_PARSE;
            goto out;
        }
        at += HEADER_LEN;
        tsize = 8;
        blen = block_len(&h, 8);
        if (blen > len - at) {
            ebb_msgf(msg, msgsz,
                     "TZif data is truncated: the 64-bit block needs %llu bytes, %zu left",
                     (unsigned long long)blen, len - at);
            rc = EBB_ERR_PARSE;
            goto out;
        }
    }
    tz = calloc(1, sizeof(*tz));
    if (tz == NULL) {
        ebb_msgf(msg, msgsz, "out of memory");
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    rc = read_block(p, len, at, &h, tsize, tz, msg, msgsz);
    if (rc)
        goto out;
    if (tsize == 8) {
        rc = read_footer(p, len, at + (size_t)blen, tz, msg, msgsz);
        if (rc)
            goto out;
    }
    *out = tz;
    tz = NULL;
out:
    ebb_tz_free(tz);
    return rc;
}

void ebb_tz_free(struct ebb_tz *tz)
{
    if (tz == NULL)
        return;
    free(tz->trans);
    free(tz->trans_off);
    free(tz);
}
