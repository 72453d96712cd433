/* cron_test.c -- cron expressions and their occurrences (pkg/base/cron.c).
 *
 * Zones are built from POSIX rules, so the test needs no zone files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../pkg/base/cron.h"
#include "../../pkg/base/tz.h"

#define BERLIN "CET-1CEST,M3.5.0,M10.5.0/3"
#define NEW_YORK "EST5EDT,M3.2.0,M11.1.0"
#define LORD_HOWE "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"
#define MIN_MS (60 * 1000LL)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)
#define ALL_MINUTES 0x0fffffffffffffffULL
#define ALL_HOURS 0xffffffu
#define ALL_DAYS 0xfffffffeu
#define ALL_MONTHS 0x1ffe
#define ALL_WEEKDAYS 0x7f

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

struct wall {
    int y, mo, d, h, mi, s;
};

/* Unix milliseconds of a UTC wall time. */
static int64_t ms(struct wall w)
{
    return ((days_civil(w.y, w.mo, w.d) * 24 + w.h) * 60 + w.mi) * 60000LL + w.s * 1000LL;
}

#define W(...) ms((struct wall){__VA_ARGS__})

static struct ebb_tz *rule(const char *r)
{
    struct ebb_tz *tz = NULL;
    char msg[256];

    if (r == NULL)
        return NULL;
    if (ebb_tz_parse_posix(r, &tz, msg, sizeof(msg)) != EBB_OK)
        fail_msg("%s: %s", r, msg);
    return tz;
}

static struct ebb_cron cron(const char *expr)
{
    struct ebb_cron c;
    char msg[256] = "";

    if (ebb_cron_parse(expr, &c, msg, sizeof(msg)) != EBB_OK)
        fail_msg("\"%s\": %s", expr, msg);
    return c;
}

/* ---- parsing ---- */

static void test_parse_valid(void **state)
{
    static const struct {
        const char *expr;
        uint64_t minutes;
        uint32_t hours, days;
        uint16_t months;
        uint8_t weekdays;
        bool days_star, weekdays_star;
    } cases[] = {
        {"* * * * *", ALL_MINUTES, ALL_HOURS, ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, true, true},
        {"0 0 * * *", 1, 1, ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, true, true},
        {"59 23 31 12 6", 1ULL << 59, 1u << 23, 1u << 31, 1 << 12, 1 << 6, false, false},
        {"0 0 * * 7", 1, 1, ALL_DAYS, ALL_MONTHS, 1, true, false},
        {"0 0 * * 0", 1, 1, ALL_DAYS, ALL_MONTHS, 1, true, false},
        {"0 0 * * 5-7", 1, 1, ALL_DAYS, ALL_MONTHS, 0x61, true, false},
        {"0 0 * * SUN", 1, 1, ALL_DAYS, ALL_MONTHS, 1, true, false},
        {"0 0 * * Mon-fri", 1, 1, ALL_DAYS, ALL_MONTHS, 0x3e, true, false},
        {"0 0 * JAN,jul *", 1, 1, ALL_DAYS, (1 << 1) | (1 << 7), ALL_WEEKDAYS, true, true},
        {"0 0 * feb-Apr *", 1, 1, ALL_DAYS, 0x1c, ALL_WEEKDAYS, true, true},
        {"0 0 1,15 * *", 1, 1, (1u << 1) | (1u << 15), ALL_MONTHS, ALL_WEEKDAYS, false, true},
        {"0 0 1-31/10 * *", 1, 1, (1u << 1) | (1u << 11) | (1u << 21) | (1u << 31), ALL_MONTHS,
         ALL_WEEKDAYS, false, true},
        {"0 0 */2 * *", 1, 1, 0xaaaaaaaau, ALL_MONTHS, ALL_WEEKDAYS, false, true},
        {"0 0 * * */1", 1, 1, ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, true, true},
        {"0 0 * * */2", 1, 1, ALL_DAYS, ALL_MONTHS, 0x55, true, false},
        {"*/15 * * * *", 1 | 1ULL << 15 | 1ULL << 30 | 1ULL << 45, ALL_HOURS, ALL_DAYS, ALL_MONTHS,
         ALL_WEEKDAYS, true, true},
        {"5/20 * * * *", 1ULL << 5 | 1ULL << 25 | 1ULL << 45, ALL_HOURS, ALL_DAYS, ALL_MONTHS,
         ALL_WEEKDAYS, true, true},
        {"0-59/30 0-23/6 * * *", 1 | 1ULL << 30, 1 | 1u << 6 | 1u << 12 | 1u << 18, ALL_DAYS,
         ALL_MONTHS, ALL_WEEKDAYS, true, true},
        {"0 9-17 * * 1-5", 1, 0x3fe00, ALL_DAYS, ALL_MONTHS, 0x3e, true, false},
        {"  0\t12  *  * *  ", 1, 1u << 12, ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, true, true},
        {"1,2,3-5,10-20/5 * * * *", 0x3e | 1ULL << 10 | 1ULL << 15 | 1ULL << 20, ALL_HOURS,
         ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, true, true},
        {"@yearly", 1, 1, 1u << 1, 1 << 1, ALL_WEEKDAYS, false, true},
        {"@annually", 1, 1, 1u << 1, 1 << 1, ALL_WEEKDAYS, false, true},
        {"@monthly", 1, 1, 1u << 1, ALL_MONTHS, ALL_WEEKDAYS, false, true},
        {"@weekly", 1, 1, ALL_DAYS, ALL_MONTHS, 1, true, false},
        {"@daily", 1, 1, ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, true, true},
        {" @midnight ", 1, 1, ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, true, true},
        {"@hourly", 1, ALL_HOURS, ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, true, true},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_cron c = cron(cases[i].expr);

        if (c.minutes != cases[i].minutes || c.hours != cases[i].hours || c.days != cases[i].days ||
            c.months != cases[i].months || c.weekdays != cases[i].weekdays ||
            c.days_star != cases[i].days_star || c.weekdays_star != cases[i].weekdays_star)
            fail_msg("\"%s\": got %llx %x %x %x %x %d %d", cases[i].expr,
                     (unsigned long long)c.minutes, c.hours, c.days, c.months, c.weekdays,
                     c.days_star, c.weekdays_star);
    }
}

static void test_parse_invalid(void **state)
{
    static const struct {
        const char *expr;
        const char *msg; /* the whole message when exact, else a part of it */
        bool exact;
    } cases[] = {
        {"0 25 * * *", "hour field \"25\": must be between 0 and 23", true},
        {"60 * * * *", "minute field \"60\": must be between 0 and 59", true},
        {"0 0 0 * *", "day-of-month field \"0\": must be between 1 and 31", true},
        {"0 0 32 * *", "day-of-month field \"32\": must be between 1 and 31", true},
        {"0 0 * 13 *", "month field \"13\": must be between 1 and 12", true},
        {"0 0 * * 8", "day-of-week field \"8\": must be between 0 and 7", true},
        {"0 20-25 * * *", "hour field \"20-25\": must be between 0 and 23", true},
        {"0 1,25 * * *", "hour field \"25\": must be between 0 and 23", true},
        {"0 99999999999999999999 * * *", "hour field \"99999999999999999999\": must be between",
         false},
        {"x * * * *", "minute field \"x\": \"x\" is not a number", true},
        {"0 0 * foo *", "month field \"foo\": \"foo\" is not a month (1-12 or jan-dec)", true},
        {"0 0 * * monday", "\"monday\" is not a day of the week", false},
        {"0 0 * * mon-", "day-of-week field \"mon-\": \"\" is not a day of the week", false},
        {"0 0 jan * *", "day-of-month field \"jan\": \"jan\" is not a number", true},
        {"0 0 L * *", "day-of-month field \"L\"", false},
        {"0 0 ? * *", "day-of-month field \"?\"", false},
        {"-1 * * * *", "minute field \"-1\": \"-1\" is not a number", true},
        {"*/0 * * * *", "minute field \"*/0\": step must be a number between 1 and 59", true},
        {"*/60 * * * *", "step must be a number between 1 and 59", false},
        {"*/ * * * *", "step must be", false},
        {"*/x * * * *", "step must be", false},
        {"0 0 * * mon-fri/0", "step must be a number between 1 and 7", false},
        {"0 5-3 * * *", "hour field \"5-3\": the range runs backwards (5 is after 3)", true},
        {"0 0 * dec-jan *", "the range runs backwards", false},
        {"1,,2 * * * *", "minute field \"1,,2\": empty list item", true},
        {"0 0 * * 1,", "day-of-week field \"1,\": empty list item", true},
        {",1 * * * *", "empty list item", false},
        {"*-5 * * * *", "\"*\" is not a number", false},
        {"", "cron expression is empty", false},
        {"   ", "cron expression is empty", false},
        {"0", "has 1 field: the hour field is missing", false},
        {"0 * * *", "cron expression \"0 * * *\" has 4 fields: the day-of-week field is missing",
         false},
        {"0 0 * * * *", "has 6 fields; it takes 5 (minute hour day-of-month month day-of-week)",
         false},
        {"0 0 * * * * 2026", "has 7 fields", false},
        {"@reboot",
         "cron macro \"@reboot\" is unknown: use @yearly, @annually, @monthly, @weekly, "
         "@daily, @midnight or @hourly",
         true},
        {"@Daily", "cron macro \"@Daily\" is unknown", false},
        {"@every 5m", "cron macro \"@every\" is unknown", false},
        {"@daily 0", "nothing may follow @daily", false},
        {NULL, "cron expression is missing", true},
    };
    char msg[256];
    struct ebb_cron c;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        msg[0] = '\0';
        assert_int_equal(ebb_cron_parse(cases[i].expr, &c, msg, sizeof(msg)), EBB_ERR_PARSE);
        if (cases[i].exact ? strcmp(msg, cases[i].msg) != 0 : strstr(msg, cases[i].msg) == NULL)
            fail_msg("\"%s\": message \"%s\", want \"%s\"",
                     cases[i].expr ? cases[i].expr : "(null)", msg, cases[i].msg);
    }
    /* No message buffer is fine; a tiny one is cut, not overrun. */
    assert_int_equal(ebb_cron_parse("0 25 * * *", &c, NULL, 0), EBB_ERR_PARSE);
    assert_int_equal(ebb_cron_parse("0 25 * * *", &c, msg, 5), EBB_ERR_PARSE);
    assert_string_equal(msg, "hour");
}

/* ---- occurrences ---- */

enum dir { PREV, NEXT };

struct occ_case {
    const char *expr;
    const char *zone; /* POSIX rule, NULL = UTC */
    enum dir dir;
    struct wall now;
    int64_t span_ms;
    enum ebb_rc rc;
    struct wall want; /* UTC */
};

static const struct occ_case occ_cases[] = {
    /* UTC basics. */
    {"0 0 * * *", NULL, PREV, {2026, 5, 10, 12, 34, 56}, DAY_MS, EBB_OK, {2026, 5, 10, 0, 0, 0}},
    {"0 0 * * *", NULL, NEXT, {2026, 5, 10, 12, 34, 56}, DAY_MS, EBB_OK, {2026, 5, 11, 0, 0, 0}},
    {"0 0 * * *", NULL, PREV, {2026, 5, 10, 0, 0, 0}, DAY_MS, EBB_OK, {2026, 5, 10, 0, 0, 0}},
    {"0 0 * * *", NULL, NEXT, {2026, 5, 10, 0, 0, 0}, DAY_MS, EBB_OK, {2026, 5, 11, 0, 0, 0}},
    {"0 0 * * *", NULL, NEXT, {2026, 5, 9, 23, 59, 59}, DAY_MS, EBB_OK, {2026, 5, 10, 0, 0, 0}},
    {"0 0 * * *",
     NULL,
     PREV,
     {2026, 5, 10, 12, 0, 0},
     12 * HOUR_MS,
     EBB_OK,
     {2026, 5, 10, 0, 0, 0}},
    {"0 0 * * *", NULL, PREV, {2026, 5, 10, 12, 0, 0}, 12 * HOUR_MS - 1, EBB_ERR_NOTFOUND, {0}},
    {"0 0 * * *",
     NULL,
     NEXT,
     {2026, 5, 10, 12, 0, 0},
     12 * HOUR_MS,
     EBB_OK,
     {2026, 5, 11, 0, 0, 0}},
    {"0 0 * * *", NULL, NEXT, {2026, 5, 10, 12, 0, 0}, 12 * HOUR_MS - 1, EBB_ERR_NOTFOUND, {0}},
    {"*/15 * * * *", NULL, PREV, {2026, 5, 10, 10, 7, 0}, HOUR_MS, EBB_OK, {2026, 5, 10, 10, 0, 0}},
    {"*/15 * * * *",
     NULL,
     NEXT,
     {2026, 5, 10, 10, 7, 0},
     HOUR_MS,
     EBB_OK,
     {2026, 5, 10, 10, 15, 0}},
    {"*/15 * * * *", NULL, NEXT, {2026, 5, 10, 23, 50, 0}, HOUR_MS, EBB_OK, {2026, 5, 11, 0, 0, 0}},
    {"59 23 31 12 *", NULL, PREV, {2026, 1, 1, 0, 0, 0}, DAY_MS, EBB_OK, {2025, 12, 31, 23, 59, 0}},
    {"0 0 31 * *", NULL, NEXT, {2026, 4, 1, 0, 0, 0}, 90 * DAY_MS, EBB_OK, {2026, 5, 31, 0, 0, 0}},
    {"@hourly", NULL, PREV, {2026, 5, 10, 10, 59, 59}, HOUR_MS, EBB_OK, {2026, 5, 10, 10, 0, 0}},
    {"@weekly", NULL, NEXT, {2026, 5, 10, 0, 0, 0}, 8 * DAY_MS, EBB_OK, {2026, 5, 17, 0, 0, 0}},
    {"@monthly", NULL, PREV, {2026, 5, 10, 0, 0, 0}, 40 * DAY_MS, EBB_OK, {2026, 5, 1, 0, 0, 0}},
    {"@yearly", NULL, PREV, {2026, 5, 10, 0, 0, 0}, 400 * DAY_MS, EBB_OK, {2026, 1, 1, 0, 0, 0}},
    {"@yearly", NULL, NEXT, {2026, 5, 10, 0, 0, 0}, 400 * DAY_MS, EBB_OK, {2027, 1, 1, 0, 0, 0}},
    /* February 29. */
    {"0 0 29 2 *",
     NULL,
     PREV,
     {2026, 3, 1, 0, 0, 0},
     3 * 366 * DAY_MS,
     EBB_OK,
     {2024, 2, 29, 0, 0, 0}},
    {"0 0 29 2 *", NULL, PREV, {2026, 3, 1, 0, 0, 0}, 366 * DAY_MS, EBB_ERR_NOTFOUND, {0}},
    {"0 0 29 2 *",
     NULL,
     NEXT,
     {2026, 3, 1, 0, 0, 0},
     3 * 366 * DAY_MS,
     EBB_OK,
     {2028, 2, 29, 0, 0, 0}},
    {"0 0 29 2 *",
     NULL,
     NEXT,
     {2096, 3, 1, 0, 0, 0},
     9 * 366 * DAY_MS,
     EBB_OK,
     {2104, 2, 29, 0, 0, 0}},
    {"0 0 30 2 *", NULL, NEXT, {2026, 3, 1, 0, 0, 0}, INT64_MAX, EBB_ERR_NOTFOUND, {0}},
    {"0 0 30 2 *", NULL, PREV, {2026, 3, 1, 0, 0, 0}, INT64_MAX, EBB_ERR_NOTFOUND, {0}},
    /* Both day fields restricted: either matches. 2026-04-03 and -10 are
     * Fridays; 04-13 is a Monday. */
    {"0 0 13 * 5", NULL, NEXT, {2026, 4, 1, 0, 0, 0}, 30 * DAY_MS, EBB_OK, {2026, 4, 3, 0, 0, 0}},
    {"0 0 13 * 5", NULL, NEXT, {2026, 4, 10, 0, 0, 0}, 30 * DAY_MS, EBB_OK, {2026, 4, 13, 0, 0, 0}},
    {"0 0 13 * 5", NULL, NEXT, {2026, 4, 13, 0, 0, 0}, 30 * DAY_MS, EBB_OK, {2026, 4, 17, 0, 0, 0}},
    {"0 0 13 * 5", NULL, PREV, {2026, 4, 16, 0, 0, 0}, 30 * DAY_MS, EBB_OK, {2026, 4, 13, 0, 0, 0}},
    {"0 0 13 * fri",
     NULL,
     PREV,
     {2026, 4, 12, 0, 0, 0},
     30 * DAY_MS,
     EBB_OK,
     {2026, 4, 10, 0, 0, 0}},
    /* One restricted: only it counts ("*" day of month, Mondays). */
    {"0 0 * * 1", NULL, NEXT, {2026, 4, 1, 0, 0, 0}, 30 * DAY_MS, EBB_OK, {2026, 4, 6, 0, 0, 0}},
    {"0 0 13 * *", NULL, NEXT, {2026, 4, 1, 0, 0, 0}, 30 * DAY_MS, EBB_OK, {2026, 4, 13, 0, 0, 0}},
    /* "*\/2" restricts: odd days of the month or Mondays. */
    {"0 0 */2 * 1", NULL, NEXT, {2026, 4, 5, 0, 0, 0}, 30 * DAY_MS, EBB_OK, {2026, 4, 6, 0, 0, 0}},
    {"0 0 */2 * 1", NULL, NEXT, {2026, 4, 6, 0, 0, 0}, 30 * DAY_MS, EBB_OK, {2026, 4, 7, 0, 0, 0}},
    /* Milliseconds: prev is at or before, next strictly after. */
    {"30 10 * * *", NULL, PREV, {2026, 5, 10, 10, 30, 0}, MIN_MS, EBB_OK, {2026, 5, 10, 10, 30, 0}},
    {"30 10 * * *", NULL, PREV, {2026, 5, 10, 10, 29, 59}, DAY_MS, EBB_OK, {2026, 5, 9, 10, 30, 0}},
    /* Berlin, spring forward 2026-03-29 (02:00 -> 03:00 local, 01:00Z):
     * 02:30 does not exist and fires at the first instant after the gap. */
    {"30 2 * * *",
     BERLIN,
     NEXT,
     {2026, 3, 28, 12, 0, 0},
     2 * DAY_MS,
     EBB_OK,
     {2026, 3, 29, 1, 0, 0}},
    {"30 2 * * *",
     BERLIN,
     NEXT,
     {2026, 3, 29, 1, 0, 0},
     2 * DAY_MS,
     EBB_OK,
     {2026, 3, 30, 0, 30, 0}},
    {"30 2 * * *",
     BERLIN,
     PREV,
     {2026, 3, 29, 1, 0, 0},
     2 * DAY_MS,
     EBB_OK,
     {2026, 3, 29, 1, 0, 0}},
    {"30 2 * * *",
     BERLIN,
     PREV,
     {2026, 3, 29, 0, 59, 59},
     2 * DAY_MS,
     EBB_OK,
     {2026, 3, 28, 1, 30, 0}},
    {"*/15 2 * * *", BERLIN, NEXT, {2026, 3, 29, 0, 0, 0}, DAY_MS, EBB_OK, {2026, 3, 29, 1, 0, 0}},
    {"*/15 2 * * *",
     BERLIN,
     NEXT,
     {2026, 3, 29, 1, 0, 0},
     2 * DAY_MS,
     EBB_OK,
     {2026, 3, 30, 0, 0, 0}},
    {"0 3 * * *", BERLIN, NEXT, {2026, 3, 29, 0, 0, 0}, DAY_MS, EBB_OK, {2026, 3, 29, 1, 0, 0}},
    /* Berlin, fall back 2026-10-25 (03:00 -> 02:00 local, 01:00Z): 02:30
     * happens twice and fires once, the first time (00:30Z). */
    {"30 2 * * *",
     BERLIN,
     NEXT,
     {2026, 10, 24, 12, 0, 0},
     2 * DAY_MS,
     EBB_OK,
     {2026, 10, 25, 0, 30, 0}},
    {"30 2 * * *",
     BERLIN,
     NEXT,
     {2026, 10, 25, 0, 30, 0},
     2 * DAY_MS,
     EBB_OK,
     {2026, 10, 26, 1, 30, 0}},
    {"30 2 * * *",
     BERLIN,
     PREV,
     {2026, 10, 25, 1, 45, 0},
     2 * DAY_MS,
     EBB_OK,
     {2026, 10, 25, 0, 30, 0}},
    {"*/30 2 * * *",
     BERLIN,
     NEXT,
     {2026, 10, 25, 0, 0, 0},
     2 * DAY_MS,
     EBB_OK,
     {2026, 10, 25, 0, 30, 0}},
    {"*/30 2 * * *",
     BERLIN,
     NEXT,
     {2026, 10, 25, 0, 30, 0},
     2 * DAY_MS,
     EBB_OK,
     {2026, 10, 26, 1, 0, 0}},
    /* Berlin, ordinary days. */
    {"0 0 * * *", BERLIN, NEXT, {2026, 7, 1, 0, 0, 0}, DAY_MS, EBB_OK, {2026, 7, 1, 22, 0, 0}},
    {"0 22 * * *", BERLIN, PREV, {2026, 1, 16, 3, 0, 0}, DAY_MS, EBB_OK, {2026, 1, 15, 21, 0, 0}},
    {"0 22 * * *", BERLIN, PREV, {2026, 7, 16, 3, 0, 0}, DAY_MS, EBB_OK, {2026, 7, 15, 20, 0, 0}},
    /* The local date decides the weekday: Monday 00:30 in Berlin is
     * Sunday 22:30Z. */
    {"30 0 * * 1",
     BERLIN,
     NEXT,
     {2026, 7, 1, 0, 0, 0},
     8 * DAY_MS,
     EBB_OK,
     {2026, 7, 5, 22, 30, 0}},
    /* New York and Lord Howe. */
    {"30 2 * * *", NEW_YORK, NEXT, {2026, 3, 8, 0, 0, 0}, DAY_MS, EBB_OK, {2026, 3, 8, 7, 0, 0}},
    {"30 1 * * *",
     NEW_YORK,
     PREV,
     {2026, 11, 1, 6, 45, 0},
     DAY_MS,
     EBB_OK,
     {2026, 11, 1, 5, 30, 0}},
    {"15 2 * * *",
     LORD_HOWE,
     NEXT,
     {2026, 10, 3, 0, 0, 0},
     DAY_MS,
     EBB_OK,
     {2026, 10, 3, 15, 30, 0}},
    {"45 1 * * *", LORD_HOWE, NEXT, {2026, 4, 4, 0, 0, 0}, DAY_MS, EBB_OK, {2026, 4, 4, 14, 45, 0}},
};

static void test_occurrences(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(occ_cases) / sizeof(occ_cases[0]); i++) {
        const struct occ_case *k = &occ_cases[i];
        struct ebb_cron c = cron(k->expr);
        struct ebb_tz *tz = rule(k->zone);
        int64_t at = -1;
        enum ebb_rc rc = k->dir == PREV ? ebb_cron_prev(&c, tz, ms(k->now), k->span_ms, &at)
                                        : ebb_cron_next(&c, tz, ms(k->now), k->span_ms, &at);

        if (rc != k->rc || (rc == EBB_OK && at != ms(k->want)))
            fail_msg("case %zu \"%s\" %s: rc %d at %lld, want rc %d at %lld", i, k->expr,
                     k->dir == PREV ? "prev" : "next", rc, (long long)at, k->rc,
                     (long long)ms(k->want));
        ebb_tz_free(tz);
    }
}

/* Sub-second instants: prev is at or before now, next strictly after. */
static void test_milliseconds(void **state)
{
    struct ebb_cron c = cron("* * * * *");
    int64_t t = W(2026, 5, 10, 10, 30, 0);
    int64_t at;

    (void)state;
    assert_int_equal(ebb_cron_prev(&c, NULL, t + 999, MIN_MS, &at), EBB_OK);
    assert_int_equal(at, t);
    assert_int_equal(ebb_cron_prev(&c, NULL, t - 1, MIN_MS, &at), EBB_OK);
    assert_int_equal(at, t - MIN_MS);
    assert_int_equal(ebb_cron_next(&c, NULL, t - 1, MIN_MS, &at), EBB_OK);
    assert_int_equal(at, t);
    assert_int_equal(ebb_cron_next(&c, NULL, t, MIN_MS, &at), EBB_OK);
    assert_int_equal(at, t + MIN_MS);
    assert_int_equal(ebb_cron_prev(&c, NULL, t, -1, &at), EBB_ERR_NOTFOUND);
    assert_int_equal(ebb_cron_next(&c, NULL, t, -1, &at), EBB_ERR_NOTFOUND);
    assert_int_equal(ebb_cron_prev(&c, NULL, t, 0, &at), EBB_OK);
    assert_int_equal(at, t);
    /* Before 1970 too. */
    assert_int_equal(ebb_cron_prev(&c, NULL, -1, MIN_MS, &at), EBB_OK);
    assert_int_equal(at, -MIN_MS);
    /* Instants past +-10^16 ms (317,000 years) have no occurrences. */
    assert_int_equal(ebb_cron_prev(&c, NULL, INT64_MAX, INT64_MAX, &at), EBB_ERR_NOTFOUND);
    assert_int_equal(ebb_cron_next(&c, NULL, INT64_MIN, INT64_MAX, &at), EBB_ERR_NOTFOUND);
    assert_int_equal(ebb_cron_prev(&c, NULL, 10000000000000000LL, INT64_MAX, &at), EBB_OK);
    assert_int_equal(at, 10000000000000000LL - 40 * 1000); /* ...:59:20 is a whole minute */
    assert_int_equal(ebb_cron_next(&c, NULL, -10000000000000000LL, INT64_MAX, &at), EBB_OK);
    /* A hand-made cron that can never fire. */
    c.minutes = 0;
    assert_int_equal(ebb_cron_prev(&c, NULL, t, DAY_MS, &at), EBB_ERR_NOTFOUND);
    assert_int_equal(ebb_cron_next(&c, NULL, t, DAY_MS, &at), EBB_ERR_NOTFOUND);
}

/* ---- property: against brute force ---- */

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int rnd(uint64_t *s, int lo, int hi)
{
    return lo + (int)(next_rand(s) % (uint64_t)(hi - lo + 1));
}

/* One random field: "*", "*\/k", "a", "a-b", "a-b/k" or "a,b". */
static void rand_field(uint64_t *s, int lo, int hi, char *out, size_t outsz)
{
    int a = rnd(s, lo, hi), b = rnd(s, lo, hi), k = rnd(s, 1, hi > 12 ? 20 : hi);

    if (a > b) {
        int t = a;
        a = b;
        b = t;
    }
    switch (rnd(s, 0, 6)) {
    case 0:
    case 1:
        snprintf(out, outsz, "*");
        break;
    case 2:
        snprintf(out, outsz, "*/%d", k);
        break;
    case 3:
        snprintf(out, outsz, "%d", a);
        break;
    case 4:
        snprintf(out, outsz, "%d-%d", a, b);
        break;
    case 5:
        snprintf(out, outsz, "%d-%d/%d", a, b, k);
        break;
    default:
        snprintf(out, outsz, "%d,%d", a, b);
        break;
    }
}

/* Whether local time l (seconds) matches, computed independently of cron.c. */
static bool brute_match(const struct ebb_cron *c, int64_t l)
{
    int64_t day = l >= 0 ? l / 86400 : (l - 86399) / 86400;
    int64_t sec = l - day * 86400;
    int wd = (int)(((day % 7) + 7 + 4) % 7);
    int y, m = 1, d;
    bool dom, dow;

    /* Find the month by counting from a known year start. */
    for (y = 2020; days_civil(y + 1, 1, 1) <= day; y++)
        ;
    while (m < 12 && days_civil(y, m + 1, 1) <= day)
        m++;
    d = (int)(day - days_civil(y, m, 1)) + 1;
    if (!(c->minutes >> (sec / 60 % 60) & 1) || !(c->hours >> (sec / 3600) & 1) ||
        !(c->months >> m & 1))
        return false;
    dom = c->days >> d & 1;
    dow = c->weekdays >> wd & 1;
    return (c->days_star || c->weekdays_star) ? dom && dow : dom || dow;
}

/* For random expressions, zones and instants: cron_prev(now) is at or
 * before now and no occurrence lies in (prev, now]; cron_next(now) is
 * after now and none lies in (now, next). Occurrences are found by
 * stepping every local minute of the span. */
static void test_property_brute_force(void **state)
{
    static const char *const zones[] = {NULL, BERLIN, NEW_YORK, LORD_HOWE};
    /* 2026: Berlin 03-29 01:00Z, 10-25 01:00Z; New York 03-08 07:00Z,
     * 11-01 06:00Z; Lord Howe 04-04 15:00Z, 10-03 15:30Z. */
    static const int64_t dst_changes[4][2] = {
        {0, 0}, {1774746000, 1792890000}, {1772953200, 1793512800}, {1775314800, 1791041400}};
    uint64_t seed = 0x2545f4914f6cdd1dULL;

    (void)state;
    for (int iter = 0; iter < 600; iter++) {
        char f[5][24], expr[128];
        struct ebb_cron c;
        struct ebb_tz *tz = rule(zones[iter % 4]);
        /* Instants in 2026. */
        int64_t now_s =
            W(2026, 1, 1, 0, 0, 0) / 1000 + (int64_t)(next_rand(&seed) % (365ULL * 86400));
        int64_t now_ms, span_ms = (int64_t)rnd(&seed, 1, 72) * HOUR_MS;
        int64_t best_prev = INT64_MIN, best_next = INT64_MAX, at;
        int64_t l_now;
        enum ebb_rc rc;
        char msg[256];

        /* Half of them within a day of a DST change of their zone. */
        if (iter % 8 >= 4 && zones[iter % 4] != NULL)
            now_s = dst_changes[iter % 4][iter / 8 % 2] + rnd(&seed, -86400, 86400);
        now_ms = now_s * 1000 + rnd(&seed, 0, 999);
        rand_field(&seed, 0, 59, f[0], sizeof(f[0]));
        rand_field(&seed, 0, 23, f[1], sizeof(f[1]));
        rand_field(&seed, 1, 31, f[2], sizeof(f[2]));
        rand_field(&seed, 1, 12, f[3], sizeof(f[3]));
        rand_field(&seed, 0, 7, f[4], sizeof(f[4]));
        if (iter % 3 != 2) /* keep most dense enough to fire often */
            snprintf(f[3], sizeof(f[3]), "*");
        snprintf(expr, sizeof(expr), "%s %s %s %s %s", f[0], f[1], f[2], f[3], f[4]);
        if (ebb_cron_parse(expr, &c, msg, sizeof(msg)) != EBB_OK)
            fail_msg("\"%s\": %s", expr, msg);

        l_now = now_s + ebb_tz_offset(tz, now_s);
        l_now -= ((l_now % 60) + 60) % 60;
        for (int64_t l = l_now - span_ms / 1000 - 2 * 86400;
             l <= l_now + span_ms / 1000 + 2 * 86400; l += 60) {
            int64_t u;
            if (!brute_match(&c, l))
                continue;
            u = ebb_tz_local_to_utc(tz, l) * 1000;
            if (u <= now_ms && u > best_prev)
                best_prev = u;
            if (u > now_ms && u < best_next)
                best_next = u;
        }

        rc = ebb_cron_prev(&c, tz, now_ms, span_ms, &at);
        if (best_prev != INT64_MIN && now_ms - best_prev <= span_ms) {
            if (rc != EBB_OK || at != best_prev)
                fail_msg("prev \"%s\" zone %s now %lld: rc %d at %lld, brute force %lld", expr,
                         zones[iter % 4] ? zones[iter % 4] : "UTC", (long long)now_ms, rc,
                         (long long)at, (long long)best_prev);
            assert_true(at <= now_ms);
        } else if (rc != EBB_ERR_NOTFOUND) {
            fail_msg("prev \"%s\" now %lld: found %lld, brute force none", expr, (long long)now_ms,
                     (long long)at);
        }

        rc = ebb_cron_next(&c, tz, now_ms, span_ms, &at);
        if (best_next != INT64_MAX && best_next - now_ms <= span_ms) {
            if (rc != EBB_OK || at != best_next)
                fail_msg("next \"%s\" zone %s now %lld: rc %d at %lld, brute force %lld", expr,
                         zones[iter % 4] ? zones[iter % 4] : "UTC", (long long)now_ms, rc,
                         (long long)at, (long long)best_next);
            assert_true(at > now_ms);
        } else if (rc != EBB_ERR_NOTFOUND) {
            fail_msg("next \"%s\" now %lld: found %lld, brute force none", expr, (long long)now_ms,
                     (long long)at);
        }
        ebb_tz_free(tz);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),          cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_occurrences),          cmocka_unit_test(test_milliseconds),
        cmocka_unit_test(test_property_brute_force),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
