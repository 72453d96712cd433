/* ports_bench.c -- how fast the channel port allocator is (issue 6 point 7).
 *
 * Measures, on one core, for a pool of 10,000 slots (ports 1024-51023,
 * 5 ports a slot):
 *   1. ebb_port_pool_alloc() filling the empty pool lowest-first:
 *      allocations per second;
 *   2. churn in a full pool: free one slot at random, allocate the lowest
 *      free one (the scan crosses the bitmap): allocations per second;
 *   3. ebb_ports_assign() rebuilding the pool at start from 10,000 live pods
 *      that carry their annotation: time per rebuild;
 *   4. ebb_ports_assign() for 10,000 new pods (the first assignment).
 * Each figure is the best of 5 rounds. BENCHMARKS.md records them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../pkg/ports/ports.h"

#define SLOTS 10000
#define BASE 1024
#define SIZE 5
#define LIMIT (BASE + SLOTS * SIZE - 1)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
    fprintf(stderr, "ports_bench: %s\n", what);
    return 1;
}

static double bench_fill(struct ebb_port_pool *p)
{
    double best = 0;
    for (int round = 0; round < 5; round++) {
        double dt = 0;
        for (int rep = 0; rep < 50; rep++) {
            double t0 = now_s();
            for (int i = 0; i < SLOTS; i++)
                if (ebb_port_pool_alloc(p, 0) != i)
                    return -1;
            dt += now_s() - t0;
            for (int i = 0; i < SLOTS; i++)
                ebb_port_pool_unhold(p, BASE + i * SIZE, BASE + i * SIZE + SIZE - 1);
        }
        double rate = 50.0 * SLOTS / dt;
        if (rate > best)
            best = rate;
    }
    return best;
}

static double bench_churn(struct ebb_port_pool *p)
{
    double best = 0;
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < SLOTS; i++)
        ebb_port_pool_alloc(p, 0);
    for (int round = 0; round < 5; round++) {
        const long n = 2000000;
        double t0 = now_s();
        for (long k = 0; k < n; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int32_t s = (int32_t)(x % SLOTS);
            ebb_port_pool_unhold(p, BASE + s * SIZE, BASE + s * SIZE + SIZE - 1);
            if (ebb_port_pool_alloc(p, 0) != s)
                return -1;
        }
        double rate = (double)n / (now_s() - t0);
        if (rate > best)
            best = rate;
    }
    return best;
}

/* Best time of one ebb_ports_assign() over 5 rounds; -1 on error. */
static double bench_assign(const struct ebb_ports_input *in, int32_t want_held)
{
    double best = 1e9;
    for (int round = 0; round < 5; round++) {
        struct ebb_ports_result r;
        double t0 = now_s();
        if (ebb_ports_assign(in, &r) != EBB_OK)
            return -1;
        double dt = now_s() - t0;
        bool ok = r.policies[0].held == want_held && r.policies[0].capacity == SLOTS;
        ebb_ports_result_release(&r);
        if (!ok)
            return -1;
        if (dt < best)
            best = dt;
    }
    return best;
}

int main(void)
{
    struct ebb_port_pool *p = NULL;
    if (ebb_port_pool_new(BASE, SIZE, LIMIT, &p) != EBB_OK || ebb_port_pool_slots(p) != SLOTS)
        return fail("pool");
    double fill = bench_fill(p);
    double churn = bench_churn(p);
    ebb_port_pool_free(p);
    if (fill < 0 || churn < 0)
        return fail("allocation order");
    printf("ports: pool of %d slots: %.0f allocations/s filling it lowest-first (%.1f ns each)\n",
           SLOTS, fill, 1e9 / fill);
    printf("ports: pool of %d slots, full: %.0f free+allocate pairs/s at random slots (%.1f ns "
           "each)\n",
           SLOTS, churn, 1e9 / churn);

    struct ebb_channel_ports cp = {
        .pool = "bench", .base = BASE, .range_size = SIZE, .limit = LIMIT, .set = true};
    struct ebb_ports_policy pol = {.ns = "bench",
                                   .name = "bench",
                                   .created_ms = 1,
                                   .kind = EBB_PORTS_DEPLOYMENT,
                                   .max_replicas = SLOTS,
                                   .ports = &cp};
    struct ebb_ports_pod *pods = calloc(SLOTS, sizeof(*pods));
    char(*names)[24] = calloc(SLOTS, sizeof(*names));
    if (pods == NULL || names == NULL)
        return fail("out of memory");
    for (int i = 0; i < SLOTS; i++) {
        /* creation order is not port order: a rebuild must sort */
        int slot = (int)(((long)i * 7919) % SLOTS);
        snprintf(names[i], sizeof(names[i]), "bench-%08x", (unsigned)(i * 2654435761u));
        pods[i] = (struct ebb_ports_pod){.ns = "bench",
                                         .name = names[i],
                                         .created_ms = i,
                                         .policy = 0,
                                         .ordinal = -1,
                                         .has_range = true,
                                         .first = BASE + slot * SIZE,
                                         .last = BASE + slot * SIZE + SIZE - 1};
    }
    struct ebb_ports_input in = {&pol, 1, pods, SLOTS};
    double rebuild = bench_assign(&in, SLOTS);
    for (int i = 0; i < SLOTS; i++)
        pods[i].has_range = false;
    double fresh = bench_assign(&in, SLOTS);
    free(pods);
    free(names);
    if (rebuild < 0 || fresh < 0)
        return fail("assign");
    printf("ports: rebuild of a pool of %d live pods from their annotations: %.2f ms\n", SLOTS,
           rebuild * 1e3);
    printf("ports: first assignment of %d new pods: %.2f ms (%.0f pods/s)\n", SLOTS, fresh * 1e3,
           SLOTS / fresh);
    return 0;
}
