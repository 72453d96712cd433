/* cache_test.c -- pkg/controller/cache: the store of typed objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/controller/cache.h"

/* A test object: an int on the heap, freed by free_int. */
static void free_int(void *p)
{
    free(p);
}

static int *new_int(int v)
{
    int *p = malloc(sizeof(*p));
    assert_non_null(p);
    *p = v;
    return p;
}

static void test_key(void **state)
{
    (void)state;
    static const struct {
        const char *ns, *name;
        size_t bufsz;
        enum ebb_rc rc;
        const char *want;
    } cases[] = {
        {"demo", "web", 64, EBB_OK, "demo/web"},
        {NULL, "node-1", 64, EBB_OK, "node-1"},
        {"", "crd", 64, EBB_OK, "crd"},
        {"demo", "web", 9, EBB_OK, "demo/web"},
        {"demo", "web", 8, EBB_ERR_LIMIT, NULL},
        {"demo", "", 64, EBB_ERR_INVALID, NULL},
        {"demo", NULL, 64, EBB_ERR_INVALID, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        assert_int_equal(ebb_cache_key(cases[i].ns, cases[i].name, buf, cases[i].bufsz),
                         cases[i].rc);
        if (cases[i].want)
            assert_string_equal(buf, cases[i].want);
    }
}

/* A script of operations and what each must give. */
static void test_put_get_take(void **state)
{
    (void)state;
    enum op { PUT, TAKE, GET };
    static const struct {
        enum op op;
        const char *key, *rv;
        int val; /* PUT: the value; GET/TAKE: the value expected (-1: none) */
        int old; /* PUT: the value handed back (-1: none) */
        enum ebb_rc rc;
        size_t count; /* after the step */
    } steps[] = {
        {PUT, "demo/web", "10", 1, -1, EBB_OK, 1},
        {GET, "demo/web", "10", 1, 0, EBB_OK, 1},
        {PUT, "demo/api", "11", 2, -1, EBB_OK, 2},
        {PUT, "demo/web", "12", 3, 1, EBB_OK, 2},
        {GET, "demo/web", "12", 3, 0, EBB_OK, 2},
        {GET, "demo/none", NULL, -1, 0, EBB_OK, 2},
        {TAKE, "demo/api", NULL, 2, 0, EBB_OK, 1},
        {TAKE, "demo/api", NULL, -1, 0, EBB_ERR_NOTFOUND, 1},
        {GET, "demo/api", NULL, -1, 0, EBB_OK, 1},
        {PUT, "", "1", 9, -1, EBB_ERR_INVALID, 1},
        {PUT, "other/web", NULL, 4, -1, EBB_OK, 2},
        {GET, "other/web", "", 4, 0, EBB_OK, 2},
        {TAKE, "demo/web", NULL, 3, 0, EBB_OK, 1},
        {TAKE, "other/web", NULL, 4, 0, EBB_OK, 0},
    };
    struct ebb_cache c;
    ebb_cache_init(&c, free_int);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (steps[i].op == PUT) {
            void *old = NULL;
            int *v = new_int(steps[i].val);
            assert_int_equal(ebb_cache_put(&c, steps[i].key, steps[i].rv, v, 100, &old),
                             steps[i].rc);
            if (steps[i].rc)
                free(v);
            if (steps[i].old < 0) {
                assert_null(old);
            } else {
                assert_non_null(old);
                assert_int_equal(*(int *)old, steps[i].old);
                free(old);
            }
        } else if (steps[i].op == GET) {
            const char *rv = "x";
            int *v = ebb_cache_get(&c, steps[i].key, &rv);
            if (steps[i].val < 0) {
                assert_null(v);
                assert_null(rv);
            } else {
                assert_non_null(v);
                assert_int_equal(*v, steps[i].val);
                assert_string_equal(rv, steps[i].rv);
            }
        } else {
            void *obj = NULL;
            assert_int_equal(ebb_cache_take(&c, steps[i].key, &obj), steps[i].rc);
            if (steps[i].val < 0) {
                assert_null(obj);
            } else {
                assert_int_equal(*(int *)obj, steps[i].val);
                free(obj);
            }
        }
        if (ebb_cache_count(&c) != steps[i].count)
            fail_msg("step %zu: count %zu, want %zu", i, ebb_cache_count(&c), steps[i].count);
    }
    assert_int_equal(ebb_cache_bytes(&c), c.cap * sizeof(struct ebb_cache_slot));
    ebb_cache_release(&c);
    ebb_cache_release(NULL);
}

/* Against a plain array: thousands of random puts and takes over a small
 * key space, so probe runs wrap and deletions shift entries back. */
static void test_random_against_model(void **state)
{
    (void)state;
    enum { KEYS = 300, OPS = 20000 };
    int model[KEYS];
    for (int k = 0; k < KEYS; k++)
        model[k] = -1;
    struct ebb_cache c;
    ebb_cache_init(&c, free_int);
    uint64_t x = 42;
    size_t live = 0;
    for (int i = 0; i < OPS; i++) {
        x = x * UINT64_C(6364136223846793005) + 1442695040888963407u;
        int k = (int)((x >> 33) % KEYS);
        char key[32];
        snprintf(key, sizeof(key), "ns%d/obj-%d", k % 7, k);
        if ((x >> 20) % 3 != 0) {
            char rv[16];
            snprintf(rv, sizeof(rv), "%d", i);
            assert_int_equal(ebb_cache_put(&c, key, rv, new_int(i), 8, NULL), EBB_OK);
            live += model[k] < 0;
            model[k] = i;
        } else {
            enum ebb_rc rc = ebb_cache_take(&c, key, NULL);
            assert_int_equal(rc, model[k] < 0 ? EBB_ERR_NOTFOUND : EBB_OK);
            live -= model[k] >= 0;
            model[k] = -1;
        }
        if (i % 997 == 0 || i == OPS - 1) {
            assert_int_equal(ebb_cache_count(&c), live);
            for (int j = 0; j < KEYS; j++) {
                snprintf(key, sizeof(key), "ns%d/obj-%d", j % 7, j);
                const char *rv = NULL;
                int *v = ebb_cache_get(&c, key, &rv);
                if (model[j] < 0) {
                    assert_null(v);
                } else {
                    assert_non_null(v);
                    assert_int_equal(*v, model[j]);
                    assert_int_equal(strtol(rv, NULL, 10), model[j]);
                }
            }
            /* Iteration visits each live entry once. */
            size_t pos = 0, seen = 0;
            const char *k2, *rv2;
            void *o;
            while (ebb_cache_next(&c, &pos, &k2, &rv2, &o)) {
                assert_non_null(ebb_cache_get(&c, k2, NULL));
                assert_int_equal(*(int *)o, strtol(rv2, NULL, 10));
                seen++;
            }
            assert_int_equal(seen, live);
        }
    }
    assert_true(ebb_cache_bytes(&c) > live * 8);
    ebb_cache_release(&c);
    assert_int_equal(ebb_cache_count(&c), 0);
    assert_int_equal(ebb_cache_bytes(&c), 0);
}

static void test_swap(void **state)
{
    (void)state;
    struct ebb_cache a, b;
    ebb_cache_init(&a, free_int);
    ebb_cache_init(&b, free_int);
    assert_int_equal(ebb_cache_put(&a, "x/1", "1", new_int(1), 4, NULL), EBB_OK);
    ebb_cache_swap(&a, &b);
    assert_int_equal(ebb_cache_count(&a), 0);
    assert_int_equal(ebb_cache_count(&b), 1);
    assert_null(ebb_cache_get(&a, "x/1", NULL));
    assert_int_equal(*(int *)ebb_cache_get(&b, "x/1", NULL), 1);
    ebb_cache_release(&a);
    ebb_cache_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_put_get_take),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_swap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
