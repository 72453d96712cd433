/* cron.h -- 5-field cron expressions and their occurrences in a time zone, PURE.
 *
 * Fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or
 * jan-dec), day of week (0-7 or sun-sat; 0 and 7 are Sunday). Each field is
 * `*`, a number, a range `a-b`, a step `*\/n` or `a-b/n`, or a comma list
 * of those. As in Vixie cron and Kubernetes CronJobs, when both day fields
 * are restricted a day matches if either does. Macros: @yearly @annually
 * @monthly @weekly @daily @midnight @hourly.
 */
#ifndef EBB_CRON_H
#define EBB_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"

struct ebb_tz;

struct ebb_cron {
    uint64_t minutes; /* bit m set: minute m matches */
    uint32_t hours;
    uint32_t days;    /* bits 1..31 */
    uint16_t months;  /* bits 1..12 */
    uint8_t weekdays; /* bits 0..6, Sunday = 0 */
    bool days_star;   /* day-of-month field was '*' */
    bool weekdays_star;
};

/* On error, msg names the field and the problem:
 * "hour field \"25\": must be between 0 and 23". */
enum ebb_rc ebb_cron_parse(const char *expr, struct ebb_cron *out /* OUT */, char *msg,
                           size_t msgsz);

/* The latest occurrence at or before now_ms, evaluated in local time of tz
 * (NULL = UTC), looking back at most lookback_ms; EBB_ERR_NOTFOUND when
 * there is none in that span. */
enum ebb_rc ebb_cron_prev(const struct ebb_cron *c, const struct ebb_tz *tz, int64_t now_ms,
                          int64_t lookback_ms, int64_t *at_ms /* OUT */);

/* The earliest occurrence strictly after after_ms, within lookahead_ms. */
enum ebb_rc ebb_cron_next(const struct ebb_cron *c, const struct ebb_tz *tz, int64_t after_ms,
                          int64_t lookahead_ms, int64_t *at_ms /* OUT */);

#endif
