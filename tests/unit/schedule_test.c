/* schedule_test.c -- active schedules and the bounds they impose
 * (pkg/scale/schedule.c). Zones are built from POSIX rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../pkg/base/tz.h"
#include "../../pkg/scale/schedule.h"

#define BERLIN "CET-1CEST,M3.5.0,M10.5.0/3"
#define S_MS 1000LL
#define H_MS (3600 * S_MS)

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

/* Unix milliseconds of a UTC wall time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return ((days_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + s * 1000LL;
}

static struct ebb_schedule absolute(const char *name, int64_t start, int64_t end, int32_t min,
                                    int32_t max)
{
    struct ebb_schedule s = {(char *)name, NULL, EBB_UNSET, NULL, start, end, min, max};
    return s;
}

static struct ebb_schedule recurring(const char *name, const char *cron, int64_t duration_ms,
                                     const char *zone, int32_t min, int32_t max)
{
    struct ebb_schedule s = {(char *)name,   (char *)cron,   duration_ms, (char *)zone,
                             EBB_TIME_UNSET, EBB_TIME_UNSET, min,         max};
    return s;
}

static struct ebb_policy_spec spec_with(struct ebb_schedule *s, size_t n, int32_t min, int32_t max)
{
    struct ebb_policy_spec spec;

    memset(&spec, 0, sizeof(spec));
    spec.min_replicas = min;
    spec.max_replicas = max;
    spec.schedules = s;
    spec.n_schedules = n;
    return spec;
}

static struct ebb_schedule_eval eval(struct ebb_schedule *s, size_t n,
                                     const struct ebb_tz *const *tzs, int64_t now)
{
    struct ebb_policy_spec spec = spec_with(s, n, 2, 10);
    struct ebb_schedule_eval out;

    memset(&out, 0x5a, sizeof(out));
    ebb_schedules_eval(&spec, tzs, now, &out);
    return out;
}

static void test_no_schedules(void **state)
{
    struct ebb_schedule_eval out = eval(NULL, 0, NULL, utc(2026, 5, 1, 0, 0, 0));

    (void)state;
    assert_int_equal(out.min_replicas, 2);
    assert_int_equal(out.max_replicas, 10);
    assert_int_equal(out.first_active, -1);
    assert_int_equal(out.active_mask, 0);
    assert_string_equal(out.note, "");
}

/* Black Friday: 2026-11-27T00:00:00Z to 2026-11-30T23:59:59Z, both ends in. */
static void test_absolute_boundaries(void **state)
{
    static const struct {
        int64_t now;
        bool active;
    } cases[] = {
        {1795737600000LL - 1, false}, /* 2026-11-26T23:59:59.999Z */
        {1795737600000LL, true},      /* start */
        {1795737600000LL + 1, true},  {1796083199000LL - 1, true},
        {1796083199000LL, true}, /* end */
        {1796083199000LL + 1, false},
    };
    struct ebb_schedule s = absolute("black-friday", utc(2026, 11, 27, 0, 0, 0),
                                     utc(2026, 11, 30, 23, 59, 59), 8, EBB_UNSET);

    (void)state;
    assert_int_equal(s.start_ms, 1795737600000LL);
    assert_int_equal(s.end_ms, 1796083199000LL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_schedule_eval out = eval(&s, 1, NULL, cases[i].now);

        if ((out.active_mask == 1) != cases[i].active)
            fail_msg("case %zu: active %d, want %d", i, out.active_mask == 1, cases[i].active);
        assert_int_equal(out.first_active, cases[i].active ? 0 : -1);
        assert_int_equal(out.min_replicas, cases[i].active ? 8 : 2);
        assert_int_equal(out.max_replicas, 10);
        assert_string_equal(out.note, "");
    }
}

/* "0 22 * * *" for 8h in UTC: active 22:00 to 06:00, across midnight. */
static void test_cron_across_midnight(void **state)
{
    static const struct {
        int64_t now;
        bool active;
    } cases[] = {
        {1778450399999LL, false}, /* 2026-05-10T21:59:59.999Z */
        {1778450400000LL, true},  /* 22:00 */
        {1778453999000LL, true},  /* 22:59:59 */
        {1778457600000LL, true},  /* 00:00 on 05-11 */
        {1778479199999LL, true},  /* 05:59:59.999 */
        {1778479200000LL, false}, /* 06:00: the 8 hours are over */
        {1778500000000LL, false}, /* midday */
    };
    struct ebb_schedule s = recurring("night", "0 22 * * *", 8 * H_MS, NULL, 1, 3);

    (void)state;
    assert_int_equal(utc(2026, 5, 10, 22, 0, 0), 1778450400000LL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_schedule_eval out = eval(&s, 1, NULL, cases[i].now);

        if ((out.active_mask == 1) != cases[i].active)
            fail_msg("case %zu: active %d, want %d", i, out.active_mask == 1, cases[i].active);
        assert_int_equal(out.min_replicas, cases[i].active ? 1 : 2);
        assert_int_equal(out.max_replicas, cases[i].active ? 3 : 10);
    }
}

/* A weekly schedule lasting two days: Monday 00:00 to Wednesday 00:00. */
static void test_cron_multi_day(void **state)
{
    struct ebb_schedule s = recurring("early-week", "0 0 * * mon", 48 * H_MS, NULL, 5, EBB_UNSET);

    (void)state;
    /* 2026-05-11 is a Monday. */
    assert_int_equal(eval(&s, 1, NULL, utc(2026, 5, 11, 0, 0, 0)).active_mask, 1);
    assert_int_equal(eval(&s, 1, NULL, utc(2026, 5, 12, 23, 59, 59)).active_mask, 1);
    assert_int_equal(eval(&s, 1, NULL, utc(2026, 5, 13, 0, 0, 0)).active_mask, 0);
    assert_int_equal(eval(&s, 1, NULL, utc(2026, 5, 10, 23, 59, 59)).active_mask, 0);
}

/* Two active schedules: the highest min and the highest max win, each
 * from whichever schedule sets it. */
static void test_overlap_highest_wins(void **state)
{
    struct ebb_schedule s[3] = {
        absolute("off", utc(2025, 1, 1, 0, 0, 0), utc(2025, 1, 2, 0, 0, 0), 50, 60),
        absolute("a", utc(2026, 1, 1, 0, 0, 0), utc(2026, 12, 31, 0, 0, 0), 3, 12),
        recurring("b", "* * * * *", 60 * S_MS, NULL, 5, 6),
    };
    struct ebb_schedule_eval out = eval(s, 3, NULL, utc(2026, 6, 1, 12, 0, 30));

    (void)state;
    assert_int_equal(out.active_mask, 0x6);
    assert_int_equal(out.first_active, 1);
    assert_int_equal(out.min_replicas, 5);  /* b */
    assert_int_equal(out.max_replicas, 12); /* a, above the spec's 10 */
    assert_string_equal(out.note, "");
}

/* A schedule that sets neither bound is active and changes nothing. */
static void test_active_without_bounds(void **state)
{
    struct ebb_schedule s = recurring("marker", "* * * * *", 60 * S_MS, NULL, EBB_UNSET, EBB_UNSET);
    struct ebb_schedule_eval out = eval(&s, 1, NULL, utc(2026, 6, 1, 12, 0, 0));

    (void)state;
    assert_int_equal(out.active_mask, 1);
    assert_int_equal(out.first_active, 0);
    assert_int_equal(out.min_replicas, 2);
    assert_int_equal(out.max_replicas, 10);
}

/* A known peak outranks the everyday ceiling: max is raised to min. */
static void test_min_above_max(void **state)
{
    struct ebb_schedule peak = absolute("black-friday", utc(2026, 11, 27, 0, 0, 0),
                                        utc(2026, 11, 30, 23, 59, 59), 14, EBB_UNSET);
    struct ebb_schedule both[2] = {
        recurring("night", "0 22 * * *", 8 * H_MS, NULL, 1, 3),
        peak,
    };
    struct ebb_schedule low_max = recurring("quiet", "* * * * *", 60 * S_MS, NULL, EBB_UNSET, 1);
    struct ebb_schedule_eval out;

    (void)state;
    out = eval(&peak, 1, NULL, utc(2026, 11, 28, 12, 0, 0));
    assert_int_equal(out.min_replicas, 14);
    assert_int_equal(out.max_replicas, 14);
    assert_string_equal(out.note, "maxReplicas raised from 10 (spec) to minReplicas 14 (schedule "
                                  "\"black-friday\")");

    out = eval(both, 2, NULL, utc(2026, 11, 28, 23, 0, 0));
    assert_int_equal(out.active_mask, 3);
    assert_int_equal(out.min_replicas, 14);
    assert_int_equal(out.max_replicas, 14);
    assert_non_null(strstr(out.note, "raised from 3 (schedule \"night\") to minReplicas 14"));

    /* A schedule max under the spec's min, no schedule min: the schedule
     * overrides, the min comes down to its max. */
    out = eval(&low_max, 1, NULL, utc(2026, 6, 1, 0, 0, 0));
    assert_int_equal(out.min_replicas, 1);
    assert_int_equal(out.max_replicas, 1);
    assert_string_equal(out.note,
                        "minReplicas lowered from 2 (spec) to maxReplicas 1 (schedule \"quiet\")");
}

/* A zone that could not be loaded: the schedule is ignored and named. */
static void test_missing_zone(void **state)
{
    struct ebb_schedule s[2] = {
        recurring("night", "* * * * *", 60 * S_MS, "Europe/Berlin", 1, 3),
        recurring("utc", "* * * * *", 60 * S_MS, "UTC", 4, EBB_UNSET),
    };
    const struct ebb_tz *tzs[2] = {NULL, NULL};
    struct ebb_schedule_eval out;

    (void)state;
    out = eval(s, 2, NULL, utc(2026, 6, 1, 0, 0, 0));
    assert_int_equal(out.active_mask, 2); /* "UTC" needs no data */
    assert_int_equal(out.first_active, 1);
    assert_int_equal(out.min_replicas, 4);
    assert_int_equal(out.max_replicas, 10);
    assert_string_equal(out.note,
                        "schedule \"night\" ignored: time zone \"Europe/Berlin\" could not be "
                        "loaded");
    out = eval(s, 2, tzs, utc(2026, 6, 1, 0, 0, 0));
    assert_int_equal(out.active_mask, 2);
    assert_non_null(strstr(out.note, "\"Europe/Berlin\""));
}

static void test_invalid_cron(void **state)
{
    struct ebb_schedule s[2] = {
        recurring("typo", "0 25 * * *", H_MS, NULL, 9, EBB_UNSET),
        recurring("also", "@sometimes", H_MS, NULL, 9, EBB_UNSET),
    };
    struct ebb_schedule_eval out = eval(s, 2, NULL, utc(2026, 6, 1, 0, 0, 0));

    (void)state;
    assert_int_equal(out.active_mask, 0);
    assert_int_equal(out.min_replicas, 2);
    assert_string_equal(out.note,
                        "schedule \"typo\" ignored: hour field \"25\": must be between 0 and 23; "
                        "schedule \"also\" ignored: cron macro \"@sometimes\" is unknown: use "
                        "@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly");
}

/* The night window 22:00-06:00 in Berlin, through both DST changes. The
 * duration is elapsed time: 8 hours from 22:00 end at 07:00 local on the
 * spring-forward night and at 05:00 on the fall-back night. */
static void test_berlin_night(void **state)
{
    static const struct {
        int y, mo, d, h, mi, s;
        bool active;
    } cases[] = {
        /* Winter (+01): 21:00Z to 05:00Z. */
        {2026, 1, 15, 20, 59, 59, false},
        {2026, 1, 15, 21, 0, 0, true},
        {2026, 1, 16, 4, 59, 59, true},
        {2026, 1, 16, 5, 0, 0, false},
        /* Summer (+02): 20:00Z to 04:00Z. */
        {2026, 7, 15, 19, 59, 59, false},
        {2026, 7, 15, 20, 0, 0, true},
        {2026, 7, 16, 3, 59, 59, true},
        {2026, 7, 16, 4, 0, 0, false},
        /* Spring forward, night of 03-28: starts 21:00Z (22:00 CET),
         * ends 05:00Z (07:00 CEST). */
        {2026, 3, 28, 20, 59, 59, false},
        {2026, 3, 28, 21, 0, 0, true},
        {2026, 3, 29, 4, 59, 59, true},
        {2026, 3, 29, 5, 0, 0, false},
        /* The next night starts at 22:00 CEST = 20:00Z. */
        {2026, 3, 29, 19, 59, 59, false},
        {2026, 3, 29, 20, 0, 0, true},
        /* Fall back, night of 10-24: starts 20:00Z (22:00 CEST), ends
         * 04:00Z (05:00 CET). */
        {2026, 10, 24, 19, 59, 59, false},
        {2026, 10, 24, 20, 0, 0, true},
        {2026, 10, 25, 3, 59, 59, true},
        {2026, 10, 25, 4, 0, 0, false},
        {2026, 10, 25, 20, 59, 59, false},
        {2026, 10, 25, 21, 0, 0, true},
    };
    struct ebb_tz *berlin = NULL;
    char msg[128];
    struct ebb_schedule s = recurring("night", "0 22 * * *", 8 * H_MS, "Europe/Berlin", 1, 3);

    (void)state;
    assert_int_equal(ebb_tz_parse_posix(BERLIN, &berlin, msg, sizeof(msg)), EBB_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct ebb_tz *tzs[1] = {berlin};
        int64_t now = utc(cases[i].y, cases[i].mo, cases[i].d, cases[i].h, cases[i].mi, cases[i].s);
        struct ebb_schedule_eval out = eval(&s, 1, tzs, now);

        if ((out.active_mask == 1) != cases[i].active)
            fail_msg("case %zu: active %d, want %d", i, out.active_mask == 1, cases[i].active);
        assert_int_equal(out.min_replicas, cases[i].active ? 1 : 2);
        assert_int_equal(out.max_replicas, cases[i].active ? 3 : 10);
        assert_string_equal(out.note, "");
    }
    ebb_tz_free(berlin);
}

/* tzs may hold NULL for schedules that name no zone (UTC), and zones for
 * the others; the spec's bounds are what a bound no schedule sets keeps. */
static void test_mixed_zones(void **state)
{
    struct ebb_tz *berlin = NULL;
    char msg[128];
    struct ebb_schedule s[2] = {
        recurring("utc-noon", "0 12 * * *", H_MS, NULL, 4, EBB_UNSET),
        recurring("berlin-noon", "0 12 * * *", H_MS, "Europe/Berlin", EBB_UNSET, 7),
    };
    struct ebb_schedule_eval out;

    (void)state;
    assert_int_equal(ebb_tz_parse_posix(BERLIN, &berlin, msg, sizeof(msg)), EBB_OK);
    {
        const struct ebb_tz *tzs[2] = {NULL, berlin};

        out = eval(s, 2, tzs, utc(2026, 7, 1, 10, 30, 0)); /* 12:30 in Berlin */
        assert_int_equal(out.active_mask, 2);
        assert_int_equal(out.min_replicas, 2);
        assert_int_equal(out.max_replicas, 7);
        out = eval(s, 2, tzs, utc(2026, 7, 1, 12, 30, 0));
        assert_int_equal(out.active_mask, 1);
        assert_int_equal(out.min_replicas, 4);
        assert_int_equal(out.max_replicas, 10);
    }
    ebb_tz_free(berlin);
}

/* Only EBB_MAX_SCHEDULES fit the mask; more are ignored, and said so. */
static void test_too_many(void **state)
{
    struct ebb_schedule s[EBB_MAX_SCHEDULES + 1];
    struct ebb_schedule_eval out;

    (void)state;
    for (size_t i = 0; i < EBB_MAX_SCHEDULES + 1; i++)
        s[i] = recurring("all", "* * * * *", 60 * S_MS, NULL, (int32_t)i, EBB_UNSET);
    out = eval(s, EBB_MAX_SCHEDULES + 1, NULL, utc(2026, 6, 1, 0, 0, 0));
    assert_int_equal(out.active_mask, 0xffffffffu);
    assert_int_equal(out.min_replicas, EBB_MAX_SCHEDULES - 1);
    assert_non_null(strstr(out.note, "only the first 32 schedules"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_schedules),         cmocka_unit_test(test_absolute_boundaries),
        cmocka_unit_test(test_cron_across_midnight), cmocka_unit_test(test_cron_multi_day),
        cmocka_unit_test(test_overlap_highest_wins), cmocka_unit_test(test_active_without_bounds),
        cmocka_unit_test(test_min_above_max),        cmocka_unit_test(test_missing_zone),
        cmocka_unit_test(test_invalid_cron),         cmocka_unit_test(test_berlin_night),
        cmocka_unit_test(test_mixed_zones),          cmocka_unit_test(test_too_many),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
