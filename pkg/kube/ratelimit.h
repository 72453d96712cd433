/* ratelimit.h -- a client-side token bucket, as client-go's flowcontrol. PURE.
 *
 * The bucket holds up to `burst` tokens and refills at `qps` tokens per
 * second; it starts full. Each request reserves one token: when one is
 * there it goes at once, otherwise the reservation takes the token on
 * credit (the count goes negative) and says how long to wait until it has
 * been earned -- golang.org/x/time/rate's Reserve(), which client-go's
 * tokenBucketRateLimiter.Wait() uses. Requests are served in the order they
 * reserve. Time is passed in (a monotonic clock in milliseconds); a clock
 * that goes backwards earns nothing.
 */
#ifndef EBB_KUBE_RATELIMIT_H
#define EBB_KUBE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ebb_ratelimit {
    double qps;    /* tokens per second; <= 0 means unlimited */
    double burst;  /* bucket size, >= 1 */
    double tokens; /* may be negative: tokens promised to waiting requests */
    int64_t last_ms;
    bool started; /* false until the first reservation fixes last_ms */
};

/* A full bucket. qps <= 0 (or NaN) disables the limit; burst < 1 counts as 1. */
void ebb_ratelimit_init(struct ebb_ratelimit *rl, double qps, int burst);

/* Takes one token at now_ms and returns how many milliseconds the request
 * must wait before it may go (0: at once). Never negative. */
int64_t ebb_ratelimit_reserve(struct ebb_ratelimit *rl, int64_t now_ms);

/* Tokens available at now_ms without taking any (negative when requests are
 * waiting); for tests and metrics. Does not change the bucket. */
double ebb_ratelimit_tokens(const struct ebb_ratelimit *rl, int64_t now_ms);

#endif
