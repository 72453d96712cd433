/* ratelimit.c -- token bucket; see ratelimit.h. PURE. */
#include "ratelimit.h"

#include <math.h>

void ebb_ratelimit_init(struct ebb_ratelimit *rl, double qps, int burst)
{
    rl->qps = (qps > 0 && isfinite(qps)) ? qps : 0;
    rl->burst = burst < 1 ? 1 : (double)burst;
    rl->tokens = rl->burst;
    rl->last_ms = 0;
    rl->started = false;
}

/* The token count at now_ms, refilled since last_ms but never above burst. */
static double advance(const struct ebb_ratelimit *rl, int64_t now_ms)
{
    if (!rl->started || now_ms <= rl->last_ms)
        return rl->tokens;
    double earned = (double)(now_ms - rl->last_ms) * rl->qps / 1000.0;
    double t = rl->tokens + earned;
    return t > rl->burst ? rl->burst : t;
}

double ebb_ratelimit_tokens(const struct ebb_ratelimit *rl, int64_t now_ms)
{
    if (rl->qps <= 0)
        return rl->burst;
    return advance(rl, now_ms);
}

int64_t ebb_ratelimit_reserve(struct ebb_ratelimit *rl, int64_t now_ms)
{
    if (rl->qps <= 0)
        return 0;
    rl->tokens = advance(rl, now_ms) - 1.0;
    /* A clock that stepped back keeps the later mark, so no token is
     * earned twice for the same interval. */
    if (!rl->started || now_ms > rl->last_ms)
        rl->last_ms = now_ms;
    rl->started = true;
    if (rl->tokens >= 0)
        return 0;
    /* ceil(): a request must not go before its token has been earned. The
     * epsilon keeps 1.0000000002 ms (float noise) from becoming 2 ms. */
    double wait = -rl->tokens * 1000.0 / rl->qps;
    int64_t ms = (int64_t)ceil(wait - 1e-6);
    return ms < 0 ? 0 : ms;
}
