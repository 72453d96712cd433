/* sim_svg_test.c -- the plot of `ebb simulate` (cmd/ebb/sim_svg.c).
 *
 * The writer lives with the command, not in libcore.a, so this program
 * compiles it in directly. Rendering is checked by structure here; that a
 * browser draws it is checked by hand (docs/simulate.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../cmd/ebb/sim_svg.c"

#define T0 1795392000000LL

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static struct ebb_sim_sample *make_samples(size_t n)
{
    struct ebb_sim_sample *s = calloc(n, sizeof(*s));
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        int32_t want = 3 + (int32_t)(i % 7);
        s[i].time_ms = T0 + (int64_t)i * 15000;
        s[i].load = (double)(i % 100);
        s[i].ready = want - 1;
        s[i].desired = want;
        s[i].min_replicas = 3;
        s[i].max_replicas = 12;
        s[i].needed = want;
        s[i].hpa_desired = want + 1;
        s[i].schedule = (int16_t)(i >= n / 2 ? 0 : -1);
        s[i].event = (int8_t)(i % 7 == 0 ? -1 : 1);
    }
    return s;
}

static void test_empty_is_invalid(void **state)
{
    (void)state;
    struct ebb_strbuf out = EBB_STRBUF_INIT;
    struct ebb_sim_plot p = {"t", "s", NULL, 0, NULL, 0, false, 0.0};
    assert_int_equal(ebb_sim_svg_render(&p, &out), EBB_ERR_INVALID);
    assert_int_equal(out.len, 0);
}

static void test_document(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        bool hpa;
    } cases[] = {{1, false}, {2, true}, {500, true}, {100000, true}, {100000, false}};
    const char *names[] = {"black-friday & <co>"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_sim_sample *s = make_samples(cases[i].n);
        struct ebb_strbuf out = EBB_STRBUF_INIT;
        struct ebb_sim_plot p = {
            "policy \"a<b\"", "trace x&y.csv", s, cases[i].n, names, 1, cases[i].hpa, 0.0};
        assert_int_equal(ebb_sim_svg_render(&p, &out), EBB_OK);
        const char *svg = out.buf;
        assert_true(strncmp(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44) == 0);
        assert_true(out.len > 8 && strcmp(svg + out.len - 7, "</svg>\n") == 0);
        assert_non_null(strstr(svg, "<title>policy &quot;a&lt;b&quot;</title>"));
        assert_non_null(strstr(svg, "trace x&amp;y.csv"));
        assert_null(strstr(svg, "<script"));
        assert_int_equal(count(svg, "HPA desired") == 1, cases[i].hpa);
        if (cases[i].n > 1)
            assert_non_null(strstr(svg, ">black-friday &amp; &lt;co&gt;</text>"));
        /* Downsampled: no path has more than 2000 segments per series. */
        for (const char *d = strstr(svg, " d=\"M"); d; d = strstr(d + 1, " d=\"M")) {
            size_t segs = 0;
            for (const char *c = d + 4; *c != '"'; c++)
                segs += *c == 'L' || *c == 'H' || *c == 'V';
            /* The bounds band goes out along max and back along min. */
            assert_true(segs <= 2 * 2 * EBB_SIM_SVG_MAX_BUCKETS + 4);
        }
        ebb_strbuf_release(&out);
        free(s);
    }
}

/* The left axis' top label, e.g. "150" in `... fill="#3182bd">150</text>` (the last one). */
static void left_top(const char *svg, char *buf, size_t bufsz)
{
    const char *mark = "text-anchor=\"end\" fill=\"" C_LOAD_LINE "\">";
    const char *last = NULL;
    for (const char *p = strstr(svg, mark); p; p = strstr(p + 1, mark))
        last = p + strlen(mark);
    assert_non_null(last);
    size_t n = strcspn(last, "<");
    assert_true(n < bufsz);
    memcpy(buf, last, n);
    buf[n] = '\0';
}

static void test_shared_scale(void **state)
{
    (void)state;
    /* Loads up to 99 and up to 12 replicas (the max bound). */
    static const struct {
        double lpr;
        const char *want_top;
    } cases[] = {
        {0.0, "125"},  /* independent: nice(99 * 1.1) */
        {10.0, "150"}, /* shared: replicas nice(12 * 1.1) = 15, times 10 */
        {0.06, "120"}, /* shared: the load needs 1650 replicas: nice(1815) = 2000, times 0.06 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_sim_sample *s = make_samples(100);
        struct ebb_strbuf out = EBB_STRBUF_INIT;
        struct ebb_sim_plot p = {"t", "s", s, 100, NULL, 0, false, cases[i].lpr};
        char top[32];
        assert_int_equal(ebb_sim_svg_render(&p, &out), EBB_OK);
        left_top(out.buf, top, sizeof(top));
        assert_string_equal(top, cases[i].want_top);
        ebb_strbuf_release(&out);
        free(s);
    }
}

static void test_nice_axis(void **state)
{
    (void)state;
    static const struct {
        double v, top, tick;
    } cases[] = {
        {0.0, 1.0, 0.2},  {1.0, 1.0, 0.2},  {6.6, 8.0, 2.0},       {11.0, 12.5, 2.5},
        {66.0, 80.0, 20}, {0.64, 0.8, 0.2}, {1e-3, 0.001, 0.0002},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double top = 0, tick = 0;
        nice_axis(cases[i].v, &top, &tick);
        assert_float_equal(tick, cases[i].tick, 1e-12);
        assert_float_equal(top, cases[i].top, 1e-9);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_is_invalid),
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_shared_scale),
        cmocka_unit_test(test_nice_axis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
