/* tz.h -- time zones from TZif data (RFC 8536), PURE.
 *
 * The decision core evaluates schedules in their time zone without reading
 * the tz database itself: the edge reads /usr/share/zoneinfo/<Name> (or
 * $TZDIR) and hands the bytes to ebb_tz_parse(). Versions 1, 2, 3 and 4 are
 * read (the 64-bit data when present), and instants after the last
 * transition follow the footer's POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"),
 * so dates beyond 2037 and "slim" zone files are right.
 */
#ifndef EBB_TZ_H
#define EBB_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

struct ebb_tz;

/* Parses TZif bytes. Caller frees *out with ebb_tz_free(). On error, msg
 * (when not NULL) says what is wrong. */
enum ebb_rc ebb_tz_parse(const void *data, size_t len, struct ebb_tz **out /* OUT */, char *msg,
                         size_t msgsz);
/* Parses a bare POSIX TZ rule ("UTC0", "EST5EDT,M3.2.0,M11.1.0"). */
enum ebb_rc ebb_tz_parse_posix(const char *rule, struct ebb_tz **out /* OUT */, char *msg,
                               size_t msgsz);
void ebb_tz_free(struct ebb_tz *tz);

/* UTC offset in seconds at the instant utc_s (unix seconds). NULL tz = UTC. */
int32_t ebb_tz_offset(const struct ebb_tz *tz, int64_t utc_s);

/* The UTC instant of a local wall-clock time. A time that does not exist
 * (skipped by a DST jump forward) maps to the first instant after the gap,
 * as cron does; a time that exists twice (jump back) maps to the first. */
int64_t ebb_tz_local_to_utc(const struct ebb_tz *tz, int64_t local_s);

#endif
