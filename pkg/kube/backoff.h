/* backoff.h -- retry delays: exponential backoff with jitter, Retry-After. PURE.
 *
 * The n-th retry (n = 0 for the first) waits base * 2^n, capped, then moved
 * by a uniform jitter of +-`jitter` (0.2 = +-20%), so clients that failed
 * together do not come back together. The jitter comes from a small PRNG
 * whose state lives in the struct: the same seed gives the same delays, so
 * tests are deterministic. A server's Retry-After (delta-seconds, or an
 * HTTP-date given the current wall time) replaces the computed delay.
 */
#ifndef EBB_KUBE_BACKOFF_H
#define EBB_KUBE_BACKOFF_H

#include <stdint.h>

#include "../base/rc.h"

struct ebb_backoff {
    int64_t base_ms; /* first delay, >= 1 */
    int64_t cap_ms;  /* no delay above cap_ms before jitter, >= base_ms */
    double jitter;   /* 0 .. 1 */
    uint64_t state;  /* PRNG state (splitmix64) */
};

/* Longest Retry-After honoured: a longer one is clamped to this. */
#define EBB_BACKOFF_MAX_RETRY_AFTER_S 600

/* base_ms < 1 counts as 1, cap_ms < base_ms as base_ms, jitter is clamped
 * to [0, 1]. Any seed (0 included) gives a usable sequence. */
void ebb_backoff_init(struct ebb_backoff *b, int64_t base_ms, int64_t cap_ms, double jitter,
                      uint64_t seed);

/* The delay before retry number `retry` (0-based; negative counts as 0),
 * in milliseconds, >= 1. Advances the PRNG. */
int64_t ebb_backoff_delay(struct ebb_backoff *b, int retry);

/* The next PRNG output, for callers that need their own randomness. */
uint64_t ebb_backoff_next(struct ebb_backoff *b);

/* Parses a Retry-After header value: "120" (delta-seconds) or an HTTP-date
 * ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110's IMF-fixdate) taken against
 * now_unix_s. Surrounding blanks are ignored. A date in the past gives 0;
 * anything above EBB_BACKOFF_MAX_RETRY_AFTER_S is clamped to it.
 * EBB_ERR_PARSE when s is neither form (or NULL). */
enum ebb_rc ebb_backoff_parse_retry_after(const char *s, int64_t now_unix_s,
                                          int64_t *delay_ms /* OUT */);

#endif
