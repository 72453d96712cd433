/* base_test.c -- pkg/base: arena, strbuf, errlist, rc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../pkg/base/arena.h"
#include "../../pkg/base/errlist.h"
#include "../../pkg/base/rc.h"
#include "../../pkg/base/strbuf.h"

static void test_arena_alloc_is_zeroed_and_aligned(void **state)
{
    (void)state;
    struct ebb_arena a = EBB_ARENA_INIT;
    for (size_t n = 1; n < 9000; n += 97) {
        unsigned char *p = ebb_arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xab, n); /* ASan catches an overlap with the next allocation */
    }
    assert_true(a.used > 0);
    ebb_arena_release(&a);
    assert_null(a.head);
    assert_int_equal(a.used, 0);
    ebb_arena_release(NULL);
}

/* The same allocations into an arena reserved to their total: one block,
 * so the second run takes exactly `used` bytes of blocks. */
static void test_arena_reserve_fits_a_replay(void **state)
{
    (void)state;
    static const size_t sizes[] = {5, 1, 48, 200, 17, 3000, 9, 640};
    struct ebb_arena a = EBB_ARENA_INIT, b = EBB_ARENA_INIT;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        assert_non_null(ebb_arena_alloc(&a, sizes[i]));
    assert_true(ebb_arena_reserve(&b, a.used));
    assert_false(ebb_arena_reserve(&b, 10)); /* only an empty arena */
    const void *block = b.head;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *p = ebb_arena_alloc(&b, sizes[i]);
        assert_non_null(p);
        memset(p, 0xcd, sizes[i]); /* ASan: inside the reserved block */
    }
    assert_ptr_equal(b.head, block); /* no second block */
    assert_int_equal(b.used, a.used);
    assert_non_null(ebb_arena_alloc(&b, 1)); /* beyond it: grows as usual */
    assert_ptr_not_equal(b.head, block);
    assert_false(ebb_arena_reserve(&a, 0));
    ebb_arena_release(&a);
    ebb_arena_release(&b);
}

/* A lent first block is used first and never freed by the arena; past it
 * the arena grows from malloc as usual. ASan catches a free of buf. */
static void test_arena_buffer_is_lent(void **state)
{
    (void)state;
    max_align_t buf[256 / sizeof(max_align_t)];
    struct ebb_arena a;
    for (int round = 0; round < 3; round++) {
        ebb_arena_init_buffer(&a, buf, sizeof(buf));
        char *p = ebb_arena_alloc(&a, 64);
        assert_true(p >= (char *)buf && p < (char *)buf + sizeof(buf));
        char *q = ebb_arena_alloc(&a, 1000); /* does not fit: malloc */
        assert_non_null(q);
        assert_false(q >= (char *)buf && q < (char *)buf + sizeof(buf));
        memset(q, 1, 1000);
        ebb_arena_release(&a);
    }
    ebb_arena_init_buffer(&a, buf, 8); /* too small: ignored */
    assert_null(a.head);
    assert_non_null(ebb_arena_alloc(&a, 16));
    ebb_arena_release(&a);
}

static void test_arena_overflow_is_refused(void **state)
{
    (void)state;
    struct ebb_arena a = EBB_ARENA_INIT;
    assert_null(ebb_arena_alloc(&a, SIZE_MAX));
    assert_null(ebb_arena_calloc(&a, SIZE_MAX / 2, 4));
    char *s = ebb_arena_strdup(&a, "flow8");
    assert_string_equal(s, "flow8");
    assert_string_equal(ebb_arena_strndup(&a, "flow8-0", 5), "flow8");
    assert_null(ebb_arena_strdup(&a, NULL));
    ebb_arena_release(&a);
}

static void test_strbuf_builds_strings(void **state)
{
    (void)state;
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    assert_string_equal(sb.buf, ""); /* never NULL */
    ebb_strbuf_adds(&sb, "cpu ");
    ebb_strbuf_addf(&sb, "%d%% above %d%%", 82, 70);
    ebb_strbuf_addch(&sb, '!');
    assert_string_equal(sb.buf, "cpu 82% above 70%!");
    assert_int_equal(sb.len, strlen(sb.buf));
    assert_int_equal(ebb_strbuf_rc(&sb), EBB_OK);
    for (int i = 0; i < 1000; i++)
        ebb_strbuf_addf(&sb, "%04d", i);
    assert_int_equal(sb.len, 18 + 4000);
    ebb_strbuf_reset(&sb);
    assert_string_equal(sb.buf, "");
    ebb_strbuf_adds(&sb, "again");
    size_t len = 0;
    char *p = ebb_strbuf_detach(&sb, &len);
    assert_string_equal(p, "again");
    assert_int_equal(len, 5);
    assert_string_equal(sb.buf, "");
    free(p);
    p = ebb_strbuf_detach(&sb, NULL); /* an empty buffer detaches as "" */
    assert_string_equal(p, "");
    free(p);
    ebb_strbuf_release(&sb);
    ebb_strbuf_release(NULL);
}

static void test_errlist_keeps_every_error(void **state)
{
    (void)state;
    struct ebb_errlist l = EBB_ERRLIST_INIT;
    assert_false(ebb_errlist_any(&l));
    for (int i = 0; i < 40; i++)
        ebb_errlist_add(&l, "spec.metrics[1].target.averageValue", "must be greater than %d", i);
    assert_true(ebb_errlist_any(&l));
    assert_int_equal(l.n, 40);
    assert_string_equal(l.items[39].path, "spec.metrics[1].target.averageValue");
    assert_string_equal(l.items[39].message, "must be greater than 39");
    ebb_errlist_add(&l, NULL, "no path");
    assert_string_equal(l.items[40].path, "");
    ebb_errlist_release(&l);
    assert_int_equal(l.n, 0);
    ebb_errlist_release(NULL);
}

static void test_rc_names(void **state)
{
    (void)state;
    assert_string_equal(ebb_rc_str(EBB_OK), "ok");
    assert_string_equal(ebb_rc_str(EBB_ERR_NOMEM), "out of memory");
    for (int rc = 0; rc < EBB_RC__COUNT; rc++)
        assert_non_null(ebb_rc_str((enum ebb_rc)rc));
    assert_string_equal(ebb_rc_str(EBB_RC__COUNT), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alloc_is_zeroed_and_aligned),
        cmocka_unit_test(test_arena_overflow_is_refused),
        cmocka_unit_test(test_arena_reserve_fits_a_replay),
        cmocka_unit_test(test_arena_buffer_is_lent),
        cmocka_unit_test(test_strbuf_builds_strings),
        cmocka_unit_test(test_errlist_keeps_every_error),
        cmocka_unit_test(test_rc_names),
    };
    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
