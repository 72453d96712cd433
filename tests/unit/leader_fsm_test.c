/* leader_fsm_test.c -- pkg/kube/leader_fsm: client-go's leader election rules, fake time.
 *
 * Each scenario is a script of steps run against one fsm: what the GET
 * showed, what next() must decide, whether the write succeeded or got 409,
 * and whether we may act as the leader. Times are the fsm's monotonic
 * clock in ms; the wall clock is that plus WALL0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/kube/leader_fsm.h"

#define WALL0 1795000000000LL
#define ME "ebb-7d9f-x2k4_5a1c"
#define OTHER "ebb-7d9f-q8w1_0b3e"

enum op { OBS, NEXT, OK, FAIL, CONFLICT, LEADER, END };

struct step {
    enum op op;
    int64_t now;
    /* OBS: the Lease read; NEXT: the write wanted */
    bool exists;
    const char *holder;
    int32_t dur_s;
    int32_t trans;
    const char *rv;
    /* NEXT */
    bool shutdown;
    enum ebb_leader_action want;
    int64_t want_acquire; /* wall time - WALL0 of acquireTime to write; -2: do not check */
    int64_t want_next;    /* -1: do not check */
    /* LEADER */
    bool want_leader;
};

#define S_OBS(t, h, d, tr, r)                                                                      \
    {                                                                                              \
        OBS, t, true, h, d, tr, r, false, 0, -2, -1, false                                         \
    }
#define S_OBS_NONE(t)                                                                              \
    {                                                                                              \
        OBS, t, false, "", 0, 0, "", false, 0, -2, -1, false                                       \
    }
#define S_NEXT(t, a)                                                                               \
    {                                                                                              \
        NEXT, t, true, NULL, 0, 0, NULL, false, a, -2, -1, false                                   \
    }
#define S_WRITE(t, a, h, d, tr, r, acq)                                                            \
    {                                                                                              \
        NEXT, t, true, h, d, tr, r, false, a, acq, -1, false                                       \
    }
#define S_NEXT_AT(t, a, nx)                                                                        \
    {                                                                                              \
        NEXT, t, true, NULL, 0, 0, NULL, false, a, -2, nx, false                                   \
    }
#define S_SHUTDOWN(t, a)                                                                           \
    {                                                                                              \
        NEXT, t, true, NULL, 0, 0, NULL, true, a, -2, -1, false                                    \
    }
#define S_OK(t, r)                                                                                 \
    {                                                                                              \
        OK, t, true, NULL, 0, 0, r, false, 0, -2, -1, false                                        \
    }
#define S_FAIL(t)                                                                                  \
    {                                                                                              \
        FAIL, t, true, NULL, 0, 0, NULL, false, 0, -2, -1, false                                   \
    }
#define S_CONFLICT(t)                                                                              \
    {                                                                                              \
        CONFLICT, t, true, NULL, 0, 0, NULL, false, 0, -2, -1, false                               \
    }
#define S_LEADER(t, b)                                                                             \
    {                                                                                              \
        LEADER, t, true, NULL, 0, 0, NULL, false, 0, -2, -1, b                                     \
    }
#define S_END                                                                                      \
    {                                                                                              \
        END, 0, false, NULL, 0, 0, NULL, false, 0, -2, -1, false                                   \
    }

struct scenario {
    const char *name;
    struct step steps[16];
};

static const struct scenario scenarios[] = {
    {"no Lease: create it naming us, then renew keeping acquireTime",
     {S_NEXT(0, EBB_LEADER_WAIT), S_OBS_NONE(0), S_WRITE(0, EBB_LEADER_CREATE, ME, 15, 0, "", 0),
      S_LEADER(0, false), S_OK(0, "360"), S_LEADER(0, true), S_OBS(2000, ME, 15, 0, "360"),
      S_WRITE(2000, EBB_LEADER_RENEW, ME, 15, 0, "360", -3600000), S_OK(2000, "363"),
      S_LEADER(11999, true), S_END}},
    {"another holder: wait until leaseDuration after we saw its record",
     {S_OBS(0, OTHER, 15, 3, "5"), S_NEXT(0, EBB_LEADER_WAIT), S_OBS(14999, OTHER, 15, 3, "5"),
      S_NEXT(14999, EBB_LEADER_WAIT), S_OBS(15000, OTHER, 15, 3, "5"),
      S_WRITE(15000, EBB_LEADER_ACQUIRE, ME, 15, 4, "5", 15000), S_OK(15000, "6"),
      S_LEADER(15000, true), S_END}},
    {"a renewed record restarts our clock (the server's renewTime is not compared)",
     {S_OBS(0, OTHER, 15, 0, "5"), S_OBS(10000, OTHER, 15, 0, "7"), S_NEXT(15000, EBB_LEADER_WAIT),
      S_NEXT(24999, EBB_LEADER_WAIT), S_WRITE(25000, EBB_LEADER_ACQUIRE, ME, 15, 1, "7", 25000),
      S_END}},
    {"the holder's own leaseDurationSeconds counts",
     {S_OBS(0, OTHER, 60, 0, "5"), S_NEXT(59999, EBB_LEADER_WAIT),
      S_WRITE(60000, EBB_LEADER_ACQUIRE, ME, 15, 1, "5", 60000), S_END}},
    {"a released Lease (holder empty) is taken at once, transitions + 1",
     {S_OBS(0, "", 1, 2, "9"), S_WRITE(0, EBB_LEADER_ACQUIRE, ME, 15, 3, "9", 0), S_END}},
    {"a standby sees the release and takes over without waiting",
     {S_OBS(0, OTHER, 15, 0, "5"), S_NEXT(2000, EBB_LEADER_WAIT), S_OBS(4000, "", 1, 0, "8"),
      S_WRITE(4000, EBB_LEADER_ACQUIRE, ME, 15, 1, "8", 4000), S_END}},
    {"a leader that cannot renew stops at renewDeadline, before leaseDuration",
     {S_OBS_NONE(0), S_NEXT(0, EBB_LEADER_CREATE), S_OK(0, "1"), S_OBS(2000, ME, 15, 0, "1"),
      S_NEXT_AT(2000, EBB_LEADER_RENEW, 4000), S_FAIL(2000), S_OBS(9000, ME, 15, 0, "1"),
      S_NEXT_AT(9000, EBB_LEADER_RENEW, 10000), S_FAIL(9000), S_LEADER(9999, true),
      S_NEXT(10000, EBB_LEADER_STOP), S_LEADER(10000, false), S_END}},
    {"409 on a takeover: someone else won; read again before writing",
     {S_OBS(0, "", 1, 0, "360"), S_NEXT(0, EBB_LEADER_ACQUIRE), S_CONFLICT(0), S_LEADER(0, false),
      S_NEXT(2000, EBB_LEADER_WAIT), S_OBS(2000, OTHER, 15, 1, "363"),
      S_NEXT(2000, EBB_LEADER_WAIT), S_NEXT(16999, EBB_LEADER_WAIT), S_END}},
    {"409 on a renew, then another holder: the leader stops at once",
     {S_OBS_NONE(0), S_NEXT(0, EBB_LEADER_CREATE), S_OK(0, "1"), S_OBS(2000, ME, 15, 0, "1"),
      S_NEXT(2000, EBB_LEADER_RENEW), S_CONFLICT(2000), S_LEADER(2000, true),
      S_NEXT(2001, EBB_LEADER_WAIT), S_OBS(2001, OTHER, 15, 1, "4"), S_NEXT(2001, EBB_LEADER_STOP),
      S_LEADER(2001, false), S_NEXT(2002, EBB_LEADER_WAIT), S_END}},
    {"clean shutdown while leading releases: holder empty, leaseDurationSeconds 1",
     {S_OBS_NONE(0),
      S_NEXT(0, EBB_LEADER_CREATE),
      S_OK(0, "1"),
      S_OBS(3000, ME, 15, 0, "1"),
      {NEXT, 3000, true, "", 1, 0, "1", true, EBB_LEADER_RELEASE, 3000, -1, false},
      S_OK(3000, "2"),
      S_LEADER(3000, false),
      S_SHUTDOWN(3001, EBB_LEADER_WAIT),
      S_END}},
    {"shutdown as a follower writes nothing",
     {S_OBS(0, OTHER, 15, 0, "5"), S_SHUTDOWN(0, EBB_LEADER_WAIT), S_END}},
    {"nothing read yet: wait",
     {S_NEXT(0, EBB_LEADER_WAIT), S_SHUTDOWN(0, EBB_LEADER_WAIT), S_LEADER(0, false), S_END}},
    {"after stopping, our own unexpired Lease is renewed again (client-go)",
     {S_OBS_NONE(0), S_NEXT(0, EBB_LEADER_CREATE), S_OK(0, "1"), S_NEXT(10000, EBB_LEADER_STOP),
      S_OBS(10500, ME, 15, 0, "1"), S_WRITE(10500, EBB_LEADER_RENEW, ME, 15, 0, "1", -3600000),
      S_OK(10500, "2"), S_LEADER(10500, true), S_END}},
};

static void run_scenario(const struct scenario *sc)
{
    struct ebb_leader_fsm f;
    struct ebb_leader_opts o;
    char err[256];
    ebb_leader_opts_default(&o);
    assert_int_equal(ebb_leader_fsm_init(&f, &o, ME, err, sizeof(err)), EBB_OK);
    struct ebb_leader_decision d;
    memset(&d, 0, sizeof(d));
    for (size_t i = 0; sc->steps[i].op != END; i++) {
        const struct step *s = &sc->steps[i];
        struct ebb_lease l;
        memset(&l, 0, sizeof(l));
        switch (s->op) {
        case OBS:
            l.exists = s->exists;
            snprintf(l.holder, sizeof(l.holder), "%s", s->holder);
            l.lease_duration_s = s->dur_s;
            l.transitions = s->trans;
            /* a renewal changes renewTime and the resourceVersion together; the
             * times are the other node's clock, far in the past: never compared */
            l.acquire_ms = WALL0 - 3600000;
            l.renew_ms = WALL0 - 3600000 + strtol(s->rv, NULL, 10);
            snprintf(l.resource_version, sizeof(l.resource_version), "%s", s->rv);
            ebb_leader_fsm_observe(&f, &l, s->now);
            break;
        case NEXT:
            ebb_leader_fsm_next(&f, s->now, WALL0 + s->now, s->shutdown, &d);
            if (d.action != s->want)
                fail_msg("%s: step %zu at %lld: %s, want %s", sc->name, i, (long long)s->now,
                         ebb_leader_action_name(d.action), ebb_leader_action_name(s->want));
            if (s->holder != NULL) {
                assert_string_equal(d.lease.holder, s->holder);
                assert_int_equal(d.lease.lease_duration_s, s->dur_s);
                assert_int_equal(d.lease.transitions, s->trans);
                assert_string_equal(d.lease.resource_version, s->rv);
                assert_int_equal(d.lease.renew_ms, WALL0 + s->now);
            }
            if (s->want_acquire != -2)
                assert_int_equal(d.lease.acquire_ms, WALL0 + s->want_acquire);
            if (s->want_next != -1)
                assert_int_equal(d.next_ms, s->want_next);
            assert_true(d.next_ms >= s->now);
            break;
        case OK:
            l = d.lease;
            snprintf(l.resource_version, sizeof(l.resource_version), "%s", s->rv);
            ebb_leader_fsm_written(&f, &l, s->now);
            break;
        case FAIL:
        case CONFLICT:
            ebb_leader_fsm_failed(&f, s->op == CONFLICT, s->now);
            break;
        case LEADER:
            if (ebb_leader_fsm_is_leader(&f, s->now) != s->want_leader)
                fail_msg("%s: step %zu at %lld: is_leader %d, want %d", sc->name, i,
                         (long long)s->now, !s->want_leader, s->want_leader);
            break;
        case END:
            break;
        }
    }
}

static void test_leader_scenarios(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
        run_scenario(&scenarios[i]);
}

struct opts_case {
    const char *name;
    int64_t lease, renew, retry;
    const char *identity;
    enum ebb_rc want;
    const char *want_msg; /* a part of the message */
};

static const struct opts_case opts_cases[] = {
    {"client-go defaults", 15000, 10000, 2000, ME, EBB_OK, NULL},
    {"leaseDuration equal to renewDeadline", 10000, 10000, 2000, ME, EBB_ERR_INVALID,
     "leaseDuration (10000ms) must be greater than renewDeadline (10000ms)"},
    {"leaseDuration below renewDeadline", 8000, 10000, 2000, ME, EBB_ERR_INVALID,
     "must be greater than renewDeadline"},
    {"renewDeadline within the retry jitter", 15000, 10000, 9000, ME, EBB_ERR_INVALID,
     "renewDeadline (10000ms) must be greater than 1.2 x retryPeriod (9000ms)"},
    {"leaseDuration below a second", 900, 500, 100, ME, EBB_ERR_INVALID, "below 1s"},
    {"retryPeriod zero", 15000, 10000, 0, ME, EBB_ERR_INVALID, "must be positive"},
    {"empty identity", 15000, 10000, 2000, "", EBB_ERR_INVALID, "identity is empty"},
    {"no identity", 15000, 10000, 2000, NULL, EBB_ERR_INVALID, "identity is empty"},
    {"short periods", 3000, 2000, 1000, ME, EBB_OK, NULL},
};

static void test_leader_opts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(opts_cases) / sizeof(opts_cases[0]); i++) {
        const struct opts_case *tc = &opts_cases[i];
        struct ebb_leader_opts o = {tc->lease, tc->renew, tc->retry};
        struct ebb_leader_fsm f;
        char err[256] = "";
        enum ebb_rc rc = ebb_leader_fsm_init(&f, &o, tc->identity, err, sizeof(err));
        if (rc != tc->want)
            fail_msg("%s: rc %d, want %d (%s)", tc->name, rc, tc->want, err);
        if (tc->want_msg != NULL && strstr(err, tc->want_msg) == NULL)
            fail_msg("%s: message \"%s\" lacks \"%s\"", tc->name, err, tc->want_msg);
    }
}

static void test_leader_identity_too_long(void **state)
{
    (void)state;
    char id[400];
    memset(id, 'a', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0';
    struct ebb_leader_opts o;
    struct ebb_leader_fsm f;
    char err[256] = "";
    ebb_leader_opts_default(&o);
    assert_int_equal(ebb_leader_fsm_init(&f, &o, id, err, sizeof(err)), EBB_ERR_INVALID);
    assert_non_null(strstr(err, "longer than 253 bytes"));
}

static void test_leader_lease_seconds_round_up(void **state)
{
    (void)state;
    struct ebb_leader_opts o = {2500, 2000, 1000};
    struct ebb_leader_fsm f;
    struct ebb_leader_decision d;
    struct ebb_lease none;
    memset(&none, 0, sizeof(none));
    assert_int_equal(ebb_leader_fsm_init(&f, &o, ME, NULL, 0), EBB_OK);
    ebb_leader_fsm_observe(&f, &none, 0);
    ebb_leader_fsm_next(&f, 0, WALL0, false, &d);
    assert_int_equal(d.action, EBB_LEADER_CREATE);
    assert_int_equal(d.lease.lease_duration_s, 3);
    assert_string_equal(ebb_leader_action_name(EBB_LEADER_RELEASE), "release");
    assert_string_equal(ebb_leader_action_name((enum ebb_leader_action)42), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leader_scenarios),
        cmocka_unit_test(test_leader_opts),
        cmocka_unit_test(test_leader_identity_too_long),
        cmocka_unit_test(test_leader_lease_seconds_round_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
