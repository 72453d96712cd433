/* strset_test.c -- pkg/controller/strset: sorted string sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/controller/strset.h"

/* Random adds and removes against a reference bitmap over 64 keys: the
 * set stays sorted, holds exactly the keys added and not removed, and
 * says truly whether each call changed it. */
static void test_against_a_model(void **state)
{
    (void)state;
    char **v = NULL;
    size_t n = 0, cap = 0;
    uint64_t in = 0, x = 88172645463325252ULL;
    for (int step = 0; step < 20000; step++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned k = (unsigned)(x % 64);
        char key[16];
        snprintf(key, sizeof(key), "ns/p-%02u", k);
        bool had = (in >> k) & 1;
        if (x & 64) {
            bool added = !had;
            assert_int_equal(ctl_strset_add(&v, &n, &cap, key, &added), EBB_OK);
            assert_int_equal(added, !had);
            in |= UINT64_C(1) << k;
        } else {
            assert_int_equal(ctl_strset_remove(v, &n, key), had);
            in &= ~(UINT64_C(1) << k);
        }
        bool found;
        (void)ctl_strset_find(v, n, key, &found);
        assert_int_equal(found, (in >> k) & 1);
        assert_int_equal(n, (size_t)__builtin_popcountll(in));
        for (size_t i = 1; i < n; i++)
            assert_true(strcmp(v[i - 1], v[i]) < 0);
    }
    assert_int_equal(ctl_strset_add(&v, &n, &cap, "ns/p-00", NULL), EBB_OK); /* added may be NULL */
    ctl_strset_free(v, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_a_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
