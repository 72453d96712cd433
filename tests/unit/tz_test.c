/* tz_test.c -- TZif and POSIX TZ rules (pkg/base/tz.c), and the zone loader
 * of the command (cmd/ebb/tzload.c), compiled in directly as it is not part
 * of libcore.a.
 *
 * Zone files come from tests/fixtures/tz (copies of tzdata 2025b), never
 * from /usr/share/zoneinfo: CI machines may have no tzdata. Run from the
 * repository root, as `make test` does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../pkg/base/tz.h"
#include "../../cmd/ebb/tzload.c"

#define FIXTURES "tests/fixtures/tz/"
#define H 3600
#define TIME_LIMIT_PROBE 10000000000000LL

static int64_t days_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Unix seconds of a UTC (or, for local_to_utc, a local) wall time. */
static int64_t ts(int64_t y, int mo, int d, int h, int mi, int s)
{
    return days_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static unsigned char *read_fixture(const char *name, size_t *len)
{
    char path[256];
    unsigned char *buf = NULL;
    long n;
    FILE *f;

    snprintf(path, sizeof(path), FIXTURES "%s", name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s (run the test from the repository root)", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static struct ebb_tz *load_fixture(const char *name)
{
    size_t len;
    unsigned char *data = read_fixture(name, &len);
    struct ebb_tz *tz = NULL;
    char msg[256] = "";

    if (ebb_tz_parse(data, len, &tz, msg, sizeof(msg)) != EBB_OK)
        fail_msg("%s: %s", name, msg);
    free(data);
    return tz;
}

static struct ebb_tz *load_rule(const char *rule)
{
    struct ebb_tz *tz = NULL;
    char msg[256] = "";

    if (ebb_tz_parse_posix(rule, &tz, msg, sizeof(msg)) != EBB_OK)
        fail_msg("%s: %s", rule, msg);
    return tz;
}

/* A zone by fixture path, or by POSIX rule when it starts with '=' (the
 * "slim" case: only the footer is known). */
static struct ebb_tz *zone(const char *z)
{
    return z[0] == '=' ? load_rule(z + 1) : load_fixture(z);
}

#define BERLIN_RULE "=CET-1CEST,M3.5.0,M10.5.0/3"
#define NY_RULE "=EST5EDT,M3.2.0,M11.1.0"
#define LH_RULE "=<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"

struct wall {
    int y, mo, d, h, mi, s;
};

static int64_t wall_ts(const struct wall *w)
{
    return ts(w->y, w->mo, w->d, w->h, w->mi, w->s);
}

static const struct offset_case {
    const char *zone;
    struct wall utc;
    int32_t offset;
} offset_cases[] = {
    /* Berlin, 2026: DST from 01:00Z on the last Sunday of March to 01:00Z
     * on the last Sunday of October. */
    {"Europe/Berlin", {2026, 3, 29, 0, 59, 59}, 3600},
    {"Europe/Berlin", {2026, 3, 29, 1, 0, 0}, 7200},
    {"Europe/Berlin", {2026, 10, 25, 0, 59, 59}, 7200},
    {"Europe/Berlin", {2026, 10, 25, 1, 0, 0}, 3600},
    /* 2050 is past the file's last transition (2037): the footer rules. */
    {"Europe/Berlin", {2050, 3, 27, 0, 59, 59}, 3600},
    {"Europe/Berlin", {2050, 3, 27, 1, 0, 0}, 7200},
    {"Europe/Berlin", {2050, 10, 30, 0, 59, 59}, 7200},
    {"Europe/Berlin", {2050, 10, 30, 1, 0, 0}, 3600},
    {"Europe/Berlin", {1880, 1, 1, 0, 0, 0}, 3208}, /* local mean time, 0:53:28 */
    {BERLIN_RULE, {2026, 3, 29, 0, 59, 59}, 3600},
    {BERLIN_RULE, {2026, 3, 29, 1, 0, 0}, 7200},
    {BERLIN_RULE, {2026, 10, 25, 0, 59, 59}, 7200},
    {BERLIN_RULE, {2026, 10, 25, 1, 0, 0}, 3600},
    {BERLIN_RULE, {2050, 3, 27, 1, 0, 0}, 7200},
    {BERLIN_RULE, {2050, 10, 30, 1, 0, 0}, 3600},
    /* New York, 2026: DST from 03-08 07:00Z to 11-01 06:00Z. */
    {"America/New_York", {2026, 3, 8, 6, 59, 59}, -18000},
    {"America/New_York", {2026, 3, 8, 7, 0, 0}, -14400},
    {"America/New_York", {2026, 11, 1, 5, 59, 59}, -14400},
    {"America/New_York", {2026, 11, 1, 6, 0, 0}, -18000},
    {"America/New_York", {2060, 7, 5, 0, 0, 0}, -14400},
    {"America/New_York", {2060, 1, 1, 0, 0, 0}, -18000},
    {NY_RULE, {2026, 3, 8, 6, 59, 59}, -18000},
    {NY_RULE, {2026, 3, 8, 7, 0, 0}, -14400},
    {NY_RULE, {2026, 11, 1, 5, 59, 59}, -14400},
    {NY_RULE, {2026, 11, 1, 6, 0, 0}, -18000},
    /* Lord Howe: +11 in summer, +10:30 in winter, a 30-minute shift. */
    {"Australia/Lord_Howe", {2026, 4, 4, 14, 59, 59}, 11 * H},
    {"Australia/Lord_Howe", {2026, 4, 4, 15, 0, 0}, 10 * H + 1800},
    {"Australia/Lord_Howe", {2026, 10, 3, 15, 29, 59}, 10 * H + 1800},
    {"Australia/Lord_Howe", {2026, 10, 3, 15, 30, 0}, 11 * H},
    {"Australia/Lord_Howe", {2050, 1, 1, 0, 0, 0}, 11 * H},
    {"Australia/Lord_Howe", {2050, 7, 1, 0, 0, 0}, 10 * H + 1800},
    {LH_RULE, {2026, 4, 4, 14, 59, 59}, 11 * H},
    {LH_RULE, {2026, 4, 4, 15, 0, 0}, 10 * H + 1800},
    {LH_RULE, {2026, 10, 3, 15, 30, 0}, 11 * H},
    {"Asia/Kolkata", {2026, 1, 1, 0, 0, 0}, 5 * H + 1800},
    {"Asia/Kolkata", {1944, 1, 1, 0, 0, 0}, 6 * H + 1800}, /* war time */
    {"Asia/Kolkata", {2100, 1, 1, 0, 0, 0}, 5 * H + 1800},
    {"=IST-5:30", {2026, 1, 1, 0, 0, 0}, 5 * H + 1800},
    {"UTC", {2026, 1, 1, 0, 0, 0}, 0},
    {"Etc/UTC", {1969, 12, 31, 23, 59, 59}, 0},
    {"=UTC0", {2026, 1, 1, 0, 0, 0}, 0},
    {"=<+03>-3", {2026, 1, 1, 0, 0, 0}, 3 * H},
    {"=<-0330>3:30", {2026, 1, 1, 0, 0, 0}, -3 * H - 1800},
    /* Greenland since 2023: DST starts at -1:00 local, ends at 0:00 (v3
     * negative times): Saturday 23:00 local (-02) before the last Sunday
     * of March, 2026-03-29T01:00Z. */
    {"=<-02>2<-01>,M3.5.0/-1,M10.5.0/0", {2026, 3, 29, 0, 59, 59}, -2 * H},
    {"=<-02>2<-01>,M3.5.0/-1,M10.5.0/0", {2026, 3, 29, 1, 0, 0}, -1 * H},
    /* Chile: times of 24h ("M9.1.6/24": Saturday 24:00, Sunday 00:00). */
    {"=<-04>4<-03>,M9.1.6/24,M4.1.6/24", {2026, 9, 6, 3, 59, 59}, -4 * H},
    {"=<-04>4<-03>,M9.1.6/24,M4.1.6/24", {2026, 9, 6, 4, 0, 0}, -3 * H},
    /* Ireland: "negative DST" (winter is the exception). */
    {"=IST-1GMT0,M10.5.0,M3.5.0/1", {2026, 7, 1, 0, 0, 0}, 3600},
    {"=IST-1GMT0,M10.5.0,M3.5.0/1", {2026, 1, 1, 0, 0, 0}, 0},
    /* Permanent DST, as RFC 8536 writes it. */
    {"=EST5EDT4,0/0,J365/25", {2026, 1, 1, 5, 0, 0}, -4 * H},
    {"=EST5EDT4,0/0,J365/25", {2026, 7, 1, 0, 0, 0}, -4 * H},
    {"=EST5EDT4,0/0,J365/25", {2026, 12, 31, 23, 0, 0}, -4 * H},
    /* Jn never counts February 29, n always does: J60 is March 1 in every
     * year; 59 is March 1 in 2027 but February 29 in 2028. */
    {"=AAA0BBB,J60/0,J300/0", {2028, 2, 29, 23, 59, 59}, 0},
    {"=AAA0BBB,J60/0,J300/0", {2028, 3, 1, 0, 0, 0}, 3600},
    {"=AAA0BBB,59/0,300/0", {2028, 2, 28, 23, 59, 59}, 0},
    {"=AAA0BBB,59/0,300/0", {2028, 2, 29, 0, 0, 0}, 3600},
    {"=AAA0BBB,59/0,300/0", {2027, 3, 1, 0, 0, 0}, 3600},
    {"=AAA0BBB,59/0,300/0", {2027, 2, 28, 23, 59, 59}, 0},
    /* A DST name without dates: the US rules. */
    {"=EST5EDT", {2026, 3, 8, 7, 0, 0}, -14400},
    {"=EST5EDT", {2026, 3, 8, 6, 59, 59}, -18000},
};

static void test_offsets(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(offset_cases) / sizeof(offset_cases[0]); i++) {
        const struct offset_case *c = &offset_cases[i];
        struct ebb_tz *tz = zone(c->zone);
        int32_t got = ebb_tz_offset(tz, wall_ts(&c->utc));

        if (got != c->offset)
            fail_msg("case %zu: %s at %lld: offset %d, want %d", i, c->zone,
                     (long long)wall_ts(&c->utc), (int)got, (int)c->offset);
        ebb_tz_free(tz);
    }
    assert_int_equal(ebb_tz_offset(NULL, 1767225600), 0);
}

static const struct l2u_case {
    const char *zone;
    struct wall local;
    struct wall utc;
} l2u_cases[] = {
    /* Berlin spring: 02:00-03:00 does not exist; it maps to 01:00Z. */
    {"Europe/Berlin", {2026, 3, 29, 1, 59, 59}, {2026, 3, 29, 0, 59, 59}},
    {"Europe/Berlin", {2026, 3, 29, 2, 0, 0}, {2026, 3, 29, 1, 0, 0}},
    {"Europe/Berlin", {2026, 3, 29, 2, 30, 0}, {2026, 3, 29, 1, 0, 0}},
    {"Europe/Berlin", {2026, 3, 29, 2, 59, 59}, {2026, 3, 29, 1, 0, 0}},
    {"Europe/Berlin", {2026, 3, 29, 3, 0, 0}, {2026, 3, 29, 1, 0, 0}},
    {"Europe/Berlin", {2026, 3, 29, 3, 0, 1}, {2026, 3, 29, 1, 0, 1}},
    /* Berlin autumn: 02:00-03:00 happens twice; the first one wins. */
    {"Europe/Berlin", {2026, 10, 25, 1, 59, 59}, {2026, 10, 24, 23, 59, 59}},
    {"Europe/Berlin", {2026, 10, 25, 2, 0, 0}, {2026, 10, 25, 0, 0, 0}},
    {"Europe/Berlin", {2026, 10, 25, 2, 30, 0}, {2026, 10, 25, 0, 30, 0}},
    {"Europe/Berlin", {2026, 10, 25, 2, 59, 59}, {2026, 10, 25, 0, 59, 59}},
    {"Europe/Berlin", {2026, 10, 25, 3, 0, 0}, {2026, 10, 25, 2, 0, 0}},
    {"Europe/Berlin", {2026, 7, 1, 12, 0, 0}, {2026, 7, 1, 10, 0, 0}},
    {"Europe/Berlin", {2026, 1, 1, 0, 0, 0}, {2025, 12, 31, 23, 0, 0}},
    {"Europe/Berlin", {2050, 3, 27, 2, 30, 0}, {2050, 3, 27, 1, 0, 0}},
    {"Europe/Berlin", {2050, 10, 30, 2, 30, 0}, {2050, 10, 30, 0, 30, 0}},
    {BERLIN_RULE, {2026, 3, 29, 2, 30, 0}, {2026, 3, 29, 1, 0, 0}},
    {BERLIN_RULE, {2026, 10, 25, 2, 30, 0}, {2026, 10, 25, 0, 30, 0}},
    /* New York: 02:00-03:00 skipped on 03-08, 01:00-02:00 twice on 11-01. */
    {"America/New_York", {2026, 3, 8, 2, 30, 0}, {2026, 3, 8, 7, 0, 0}},
    {"America/New_York", {2026, 11, 1, 1, 30, 0}, {2026, 11, 1, 5, 30, 0}},
    {"America/New_York", {2026, 11, 1, 2, 0, 0}, {2026, 11, 1, 7, 0, 0}},
    /* Lord Howe: 02:00-02:30 skipped on 10-04; 01:30-02:00 twice on 04-05. */
    {"Australia/Lord_Howe", {2026, 10, 4, 2, 15, 0}, {2026, 10, 3, 15, 30, 0}},
    {"Australia/Lord_Howe", {2026, 10, 4, 2, 30, 0}, {2026, 10, 3, 15, 30, 0}},
    {"Australia/Lord_Howe", {2026, 4, 5, 1, 45, 0}, {2026, 4, 4, 14, 45, 0}},
    {"Australia/Lord_Howe", {2026, 4, 5, 2, 0, 0}, {2026, 4, 4, 15, 30, 0}},
    {"Asia/Kolkata", {2026, 6, 1, 5, 30, 0}, {2026, 6, 1, 0, 0, 0}},
    {"UTC", {2026, 6, 1, 5, 30, 0}, {2026, 6, 1, 5, 30, 0}},
};

static void test_local_to_utc(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(l2u_cases) / sizeof(l2u_cases[0]); i++) {
        const struct l2u_case *c = &l2u_cases[i];
        struct ebb_tz *tz = zone(c->zone);
        int64_t got = ebb_tz_local_to_utc(tz, wall_ts(&c->local));

        if (got != wall_ts(&c->utc))
            fail_msg("case %zu: %s local %lld: %lld, want %lld", i, c->zone,
                     (long long)wall_ts(&c->local), (long long)got, (long long)wall_ts(&c->utc));
        ebb_tz_free(tz);
    }
    assert_int_equal(ebb_tz_local_to_utc(NULL, 12345), 12345);
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* For any instant t with local time L: local_to_utc(L) is t or, in an
 * overlap, the earlier instant with the same local time; and it never
 * goes backwards as L goes forwards. */
static void test_roundtrip_property(void **state)
{
    static const char *const zones[] = {"Europe/Berlin",
                                        "America/New_York",
                                        "Australia/Lord_Howe",
                                        BERLIN_RULE,
                                        LH_RULE,
                                        "=<-02>2<-01>,M3.5.0/-1,M10.5.0/0"};
    uint64_t seed = 0x9e3779b97f4a7c15ULL;

    (void)state;
    for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        struct ebb_tz *tz = zone(zones[z]);
        int64_t prev_l = INT64_MIN, prev_u = INT64_MIN;

        for (int i = 0; i < 3000; i++) {
            int64_t t = 946684800 + (int64_t)(next_rand(&seed) % (120ULL * 365 * 86400));
            int64_t l = t + ebb_tz_offset(tz, t);
            int64_t u = ebb_tz_local_to_utc(tz, l);

            assert_true(u <= t);
            assert_true(t - u <= 3600);
            assert_int_equal(u + ebb_tz_offset(tz, u), l);
        }
        /* Monotone over a DST year, second by second around each change. */
        for (int64_t l = ts(2026, 1, 1, 0, 0, 0); l < ts(2027, 1, 1, 0, 0, 0); l += 599) {
            int64_t u = ebb_tz_local_to_utc(tz, l);
            if (prev_l != INT64_MIN)
                assert_true(u >= prev_u);
            prev_l = l;
            prev_u = u;
        }
        ebb_tz_free(tz);
    }
}

/* The fat file's table and its own footer agree wherever both apply. */
static void test_table_matches_footer(void **state)
{
    static const struct {
        const char *file;
        const char *rule;
        int64_t from;
    } pairs[] = {
        {"Europe/Berlin", BERLIN_RULE, 852076800 /* 1997 */},
        {"America/New_York", NY_RULE, 1167609600 /* 2007 */},
        {"Australia/Lord_Howe", LH_RULE, 1230768000 /* 2009 */},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        struct ebb_tz *fat = load_fixture(pairs[i].file);
        struct ebb_tz *slim = load_rule(pairs[i].rule + 1);

        for (int64_t t = pairs[i].from; t < 2208988800 /* 2040 */; t += 1799)
            if (ebb_tz_offset(fat, t) != ebb_tz_offset(slim, t))
                fail_msg("%s at %lld: table %d, rule %d", pairs[i].file, (long long)t,
                         (int)ebb_tz_offset(fat, t), (int)ebb_tz_offset(slim, t));
        ebb_tz_free(fat);
        ebb_tz_free(slim);
    }
}

/* ---- hand-made TZif ---- */

struct tzif_buf {
    unsigned char b[1024];
    size_t n;
};

static void put(struct tzif_buf *t, const void *p, size_t n)
{
    assert_true(t->n + n <= sizeof(t->b));
    memcpy(t->b + t->n, p, n);
    t->n += n;
}

static void put32(struct tzif_buf *t, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    put(t, b, 4);
}

static void put64(struct tzif_buf *t, int64_t v)
{
    put32(t, (uint32_t)((uint64_t)v >> 32));
    put32(t, (uint32_t)v);
}

static void header(struct tzif_buf *t, char version, uint32_t timecnt, uint32_t typecnt,
                   uint32_t charcnt)
{
    static const unsigned char zero[15] = {0};

    put(t, "TZif", 4);
    put(t, &version, 1);
    put(t, zero, 15);
    put32(t, 0); /* isutcnt */
    put32(t, 0); /* isstdcnt */
    put32(t, 0); /* leapcnt */
    put32(t, timecnt);
    put32(t, typecnt);
    put32(t, charcnt);
}

static void ttinfo(struct tzif_buf *t, int32_t off, unsigned char isdst, unsigned char idx)
{
    put32(t, (uint32_t)off);
    put(t, &isdst, 1);
    put(t, &idx, 1);
}

/* A version 1 file: two transitions, no footer. */
static void build_v1(struct tzif_buf *t)
{
    memset(t, 0, sizeof(*t));
    header(t, 0, 2, 2, 8);
    put32(t, 1000000000);
    put32(t, 1100000000);
    put(t, "\x01\x00", 2);
    ttinfo(t, 3600, 0, 0);
    ttinfo(t, 7200, 1, 4);
    put(t, "AAA\0BBB\0", 8);
}

/* A "slim" version 4 file: an empty v1 block, no transitions, a footer. */
static void build_slim(struct tzif_buf *t, const char *footer)
{
    memset(t, 0, sizeof(*t));
    header(t, '4', 0, 1, 4);
    ttinfo(t, 0, 0, 0);
    put(t, "UTC\0", 4);
    header(t, '4', 0, 1, 4);
    ttinfo(t, 3600, 0, 0);
    put(t, "CET\0", 4);
    put(t, footer, strlen(footer));
}

/* Version 2 with one 64-bit transition far beyond 2038. */
static void build_v2(struct tzif_buf *t)
{
    memset(t, 0, sizeof(*t));
    header(t, '2', 0, 1, 4);
    ttinfo(t, 0, 0, 0);
    put(t, "UTC\0", 4);
    header(t, '2', 1, 2, 8);
    put64(t, 4102444800LL); /* 2100-01-01 */
    put(t, "\x01", 1);
    ttinfo(t, 0, 0, 0);
    ttinfo(t, -3600, 0, 4);
    put(t, "AAA\0BBB\0", 8);
    put(t, "\n<-01>1\n", 8);
}

static void test_handmade(void **state)
{
    struct tzif_buf t;
    struct ebb_tz *tz = NULL;
    char msg[256];

    (void)state;
    build_v1(&t);
    assert_int_equal(ebb_tz_parse(t.b, t.n, &tz, msg, sizeof(msg)), EBB_OK);
    assert_int_equal(ebb_tz_offset(tz, 999999999), 3600);  /* type 0 before the first */
    assert_int_equal(ebb_tz_offset(tz, 1000000000), 7200); /* type 1 */
    assert_int_equal(ebb_tz_offset(tz, 1100000000), 3600);
    assert_int_equal(ebb_tz_offset(tz, 4000000000LL), 3600); /* no footer: the last type */
    ebb_tz_free(tz);

    build_slim(&t, "\nCET-1CEST,M3.5.0,M10.5.0/3\n");
    assert_int_equal(ebb_tz_parse(t.b, t.n, &tz, msg, sizeof(msg)), EBB_OK);
    assert_int_equal(ebb_tz_offset(tz, 1774745999), 3600);
    assert_int_equal(ebb_tz_offset(tz, 1774746000), 7200);
    assert_int_equal(ebb_tz_local_to_utc(tz, ts(2026, 3, 29, 2, 30, 0)), 1774746000);
    ebb_tz_free(tz);

    build_slim(&t, "\n\n"); /* empty footer: type 0 forever */
    assert_int_equal(ebb_tz_parse(t.b, t.n, &tz, msg, sizeof(msg)), EBB_OK);
    assert_int_equal(ebb_tz_offset(tz, 1774746000), 3600);
    ebb_tz_free(tz);

    build_v2(&t);
    assert_int_equal(ebb_tz_parse(t.b, t.n, &tz, msg, sizeof(msg)), EBB_OK);
    assert_int_equal(ebb_tz_offset(tz, 4102444799LL), 0);
    assert_int_equal(ebb_tz_offset(tz, 4102444800LL), -3600);
    assert_int_equal(ebb_tz_offset(tz, 5000000000LL), -3600);
    ebb_tz_free(tz);
}

static const struct bad_tzif {
    size_t at; /* byte to overwrite in the v1 file, or (size_t)-1 for the slim one */
    unsigned char value;
    const char *msg;
} bad_tzif[] = {
    {0, 'X', "not TZif data"},
    {4, '1', "version byte"},
    {35, 3, "truncated"},     /* timecnt 2 -> 3 */
    {39, 0, "no local time"}, /* typecnt 2 -> 0 */
    {32, 0x80, "truncated"},  /* timecnt 2^31 + 2 */
    {43, 0, "no time zone abbreviations"},
    {44 + 8, 2, "names local time type 2"}, /* index of transition 0 */
    {44 + 4, 0x3b, "not after"},            /* transition 1 before transition 0 */
    {44 + 10, 0x7f, "out of range"},        /* utoff of type 0: 2^31 - ... */
    {44 + 10 + 5, 9, "abbreviation index"},
};

static void test_hostile_tzif(void **state)
{
    struct tzif_buf t;
    struct ebb_tz *tz = NULL;
    char msg[256];
    size_t len;
    unsigned char *berlin;

    (void)state;
    for (size_t i = 0; i < sizeof(bad_tzif) / sizeof(bad_tzif[0]); i++) {
        build_v1(&t);
        t.b[bad_tzif[i].at] = bad_tzif[i].value;
        msg[0] = '\0';
        assert_int_equal(ebb_tz_parse(t.b, t.n, &tz, msg, sizeof(msg)), EBB_ERR_PARSE);
        assert_null(tz);
        if (strstr(msg, bad_tzif[i].msg) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, msg, bad_tzif[i].msg);
    }
    build_slim(&t, "\nCET-1CEST,M3.5.0\n");
    assert_int_equal(ebb_tz_parse(t.b, t.n, &tz, msg, sizeof(msg)), EBB_ERR_PARSE);
    assert_non_null(strstr(msg, "TZ rule \"CET-1CEST,M3.5.0\""));
    build_slim(&t, "\nCET-1CEST,M3.5.0,M10.5.0");
    assert_int_equal(ebb_tz_parse(t.b, t.n, &tz, msg, sizeof(msg)), EBB_ERR_PARSE);
    assert_non_null(strstr(msg, "closing newline"));
    build_slim(&t, "");
    assert_int_equal(ebb_tz_parse(t.b, t.n, &tz, msg, sizeof(msg)), EBB_ERR_PARSE);
    assert_non_null(strstr(msg, "footer is missing"));
    assert_int_equal(ebb_tz_parse(NULL, 0, &tz, msg, sizeof(msg)), EBB_ERR_PARSE);
    assert_int_equal(ebb_tz_parse("TZif", 4, &tz, NULL, 0), EBB_ERR_PARSE);

    /* Every truncation of a real file fails cleanly (ASan watches the reads). */
    berlin = read_fixture("Europe/Berlin", &len);
    for (size_t n = 0; n < len; n++) {
        unsigned char *copy = malloc(n + 1);
        assert_non_null(copy);
        memcpy(copy, berlin, n);
        assert_int_not_equal(ebb_tz_parse(copy, n, &tz, msg, sizeof(msg)), EBB_OK);
        assert_null(tz);
        free(copy);
    }
    free(berlin);
}

static const struct bad_rule {
    const char *rule;
    const char *msg;
} bad_rules[] = {
    {"", "expected a standard time name"},
    {"CET", "offset from UTC"},
    {"CET-1CEST,M3.5.0", "date daylight saving time ends"},
    {"CET-1CEST,M13.5.0,M10.5.0", "bad start date"},
    {"CET-1CEST,M3.6.0,M10.5.0", "bad start date"},
    {"CET-1CEST,M3.5.7,M10.5.0", "bad start date"},
    {"CET-1CEST,M3.5.0,M10.5.0/168", "bad end date"},
    {"CET-1CEST,J0,J100", "bad start date"},
    {"CET-1CEST,J1,366", "bad end date"},
    {"<+03-3", "standard time name"},
    {"<>0", "standard time name"},
    {"CET-25", "offset from UTC"},
    {"CET-1:60", "offset from UTC"},
    {"CET-1CEST;M3.5.0,M10.5.0", "expected ','"},
    {"CET-1CEST,M3.5.0,M10.5.0x", "unexpected text"},
    {"CET-1CEST-25", "daylight saving time offset"},
    {"UTC0,", "daylight saving time name"},
    {"1234", "standard time name"},
};

static void test_rule_errors(void **state)
{
    struct ebb_tz *tz = NULL;
    char msg[256];

    (void)state;
    for (size_t i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
        msg[0] = '\0';
        assert_int_equal(ebb_tz_parse_posix(bad_rules[i].rule, &tz, msg, sizeof(msg)),
                         EBB_ERR_PARSE);
        assert_null(tz);
        if (strstr(msg, bad_rules[i].msg) == NULL || strstr(msg, "TZ rule \"") == NULL)
            fail_msg("rule \"%s\": \"%s\" lacks \"%s\"", bad_rules[i].rule, msg, bad_rules[i].msg);
    }
    assert_int_equal(ebb_tz_parse_posix(NULL, &tz, msg, sizeof(msg)), EBB_ERR_PARSE);
    assert_int_equal(ebb_tz_parse_posix("x", &tz, NULL, 0), EBB_ERR_PARSE);
}

/* Far-off instants neither overflow nor hang. */
static void test_extremes(void **state)
{
    static const int64_t instants[] = {INT64_MIN,        INT64_MIN + 1, -TIME_LIMIT_PROBE, 0,
                                       TIME_LIMIT_PROBE, INT64_MAX - 1, INT64_MAX};
    struct ebb_tz *tz = zone(BERLIN_RULE);
    struct ebb_tz *fat = zone("Europe/Berlin");

    (void)state;
    for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
        int32_t o = ebb_tz_offset(tz, instants[i]);
        assert_true(o == 3600 || o == 7200);
        o = ebb_tz_offset(fat, instants[i]);
        assert_true((o >= 3600 && o <= 7200) || o == 3208);
        (void)ebb_tz_local_to_utc(tz, instants[i]);
        (void)ebb_tz_local_to_utc(fat, instants[i]);
    }
    ebb_tz_free(tz);
    ebb_tz_free(fat);
}

/* ---- cmd/ebb/tzload.c ---- */

static void test_load(void **state)
{
    static const struct {
        const char *name;
        enum ebb_rc rc;
        const char *msg;
    } cases[] = {
        {"Europe/Berlin", EBB_OK, NULL},
        {"Australia/Lord_Howe", EBB_OK, NULL},
        {"UTC", EBB_OK, NULL},
        {"Etc/UTC", EBB_OK, NULL},
        {"", EBB_OK, NULL},
        {"Europe/Berln", EBB_ERR_NOTFOUND, "time zone \"Europe/Berln\" not found in"},
        {"../Europe/Berlin", EBB_ERR_INVALID, "no \"..\""},
        {"Europe/../../etc/passwd", EBB_ERR_INVALID, "is not an IANA name"},
        {"/etc/passwd", EBB_ERR_INVALID, "no leading '/'"},
        {"Europe/Ber lin", EBB_ERR_INVALID, "character 11"},
        {"Europe/Berlin\n", EBB_ERR_INVALID, "not a letter, digit"},
        {"Europe", EBB_ERR_NOTFOUND, NULL},
    };
    struct ebb_tz *tz = NULL;
    char msg[512];

    (void)state;
    assert_int_equal(setenv("TZDIR", FIXTURES, 1), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum ebb_rc rc;

        msg[0] = '\0';
        rc = ebb_tz_load(cases[i].name, &tz, msg, sizeof(msg));
        if (rc != cases[i].rc)
            fail_msg("\"%s\": %s (%s), want %s", cases[i].name, ebb_rc_str(rc), msg,
                     ebb_rc_str(cases[i].rc));
        if (cases[i].msg != NULL && strstr(msg, cases[i].msg) == NULL)
            fail_msg("\"%s\": \"%s\" lacks \"%s\"", cases[i].name, msg, cases[i].msg);
        if (rc == EBB_OK) {
            assert_non_null(tz);
            if (strcmp(cases[i].name, "Europe/Berlin") == 0)
                assert_int_equal(ebb_tz_offset(tz, 1774746000), 7200);
            if (strstr(cases[i].name, "UTC") != NULL || cases[i].name[0] == '\0')
                assert_int_equal(ebb_tz_offset(tz, 1774746000), 0);
        } else {
            assert_null(tz);
        }
        ebb_tz_free(tz);
        tz = NULL;
    }
    unsetenv("TZDIR");
}

static void test_load_bad_files(void **state)
{
    char dir[] = "/tmp/ebb_tz_test_XXXXXX";
    char path[256];
    struct ebb_tz *tz = NULL;
    char msg[512];
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/Text", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("# not a zone\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/Huge", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 1100; i++)
        for (int j = 0; j < 1024; j++)
            fputc('x', f);
    fclose(f);
    assert_int_equal(setenv("TZDIR", dir, 1), 0);

    assert_int_equal(ebb_tz_load("Text", &tz, msg, sizeof(msg)), EBB_ERR_PARSE);
    assert_null(tz);
    assert_non_null(strstr(msg, "time zone \"Text\": "));
    assert_non_null(strstr(msg, "not TZif data"));
    assert_int_equal(ebb_tz_load("Huge", &tz, msg, sizeof(msg)), EBB_ERR_LIMIT);
    assert_non_null(strstr(msg, "larger than 1 MiB"));
    assert_int_equal(ebb_tz_load("No/Such_Zone", &tz, msg, sizeof(msg)), EBB_ERR_NOTFOUND);
    assert_non_null(strstr(msg, dir));
    assert_non_null(strstr(msg, "/usr/share/zoneinfo"));

    unsetenv("TZDIR");
    snprintf(path, sizeof(path), "%s/Text", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/Huge", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_local_to_utc),
        cmocka_unit_test(test_roundtrip_property),
        cmocka_unit_test(test_table_matches_footer),
        cmocka_unit_test(test_handmade),
        cmocka_unit_test(test_hostile_tzif),
        cmocka_unit_test(test_rule_errors),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_load_bad_files),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
