/* duration.h -- Go-style durations ("90s", "5m", "1h30m", "1.5h", "250ms"), PURE.
 *
 * Units: ns us (and µs) ms s m h; a bare "0" is zero. Kept in milliseconds:
 * sub-millisecond parts are rejected rather than silently dropped. Negative
 * durations are a parse error: no field of ours takes one.
 */
#ifndef EBB_API_DURATION_H
#define EBB_API_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "../../base/rc.h"

enum ebb_rc ebb_duration_parse(const char *s, int64_t *ms /* OUT */, char *msg, size_t msgsz);

/* Formats as Go's time.Duration.String() does for whole milliseconds:
 * "0s", "90ms", "1m30s", "5m0s", "1h30m0s". Fits in 32 bytes. */
void ebb_duration_format(int64_t ms, char *buf, size_t bufsz);

#endif
