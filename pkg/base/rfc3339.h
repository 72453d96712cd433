/* rfc3339.h -- RFC 3339 timestamps <-> unix milliseconds, PURE (no tz database,
 * no libc time functions that read the environment).
 *
 * Parse accepts "2026-11-27T00:00:00Z", fractional seconds and numeric
 * offsets ("+01:00"); format writes UTC with a Z, and fractional seconds
 * only when the instant has milliseconds ("2026-11-27T00:00:00.250Z"),
 * as Kubernetes metav1.Time writes seconds ("...T00:00:00Z").
 */
#ifndef EBB_RFC3339_H
#define EBB_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

enum ebb_rc ebb_rfc3339_parse(const char *s, int64_t *ms /* OUT */);
/* buf needs at least 32 bytes. */
void ebb_rfc3339_format(int64_t ms, char *buf, size_t bufsz);

/* Civil calendar helpers (proleptic Gregorian, UTC). */
int64_t ebb_days_from_civil(int64_t y, unsigned m, unsigned d);
void ebb_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
