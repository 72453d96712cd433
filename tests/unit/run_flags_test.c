/* run_flags_test.c -- cmd/ebb/run_flags.c: the command line of `ebb run`,
 * here its Prometheus flags (--prometheus-timeout, --prometheus-ca-file,
 * --prometheus-bearer-token-file): defaults, EBB_* variables (a flag
 * wins), and every bad value exits 2 with a message naming the flag or
 * the variable it came from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/ebb/run_flags.c"

/* A self-signed P-256 CA, valid until 2126 (openssl req -x509). */
static const char CA_PEM[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIBgzCCASmgAwIBAgIUNeFXTLT0dmlC9lVNx3fEC+QgtL8wCgYIKoZIzj0EAwIw\n"
                             "FjEUMBIGA1UEAwwLZWJiLXRlc3QtY2EwIBcNMjYxMTIyMTkwNTA5WhgPMjEyNjEw\n"
                             "MjkxOTA1MDlaMBYxFDASBgNVBAMMC2ViYi10ZXN0LWNhMFkwEwYHKoZIzj0CAQYI\n"
                             "KoZIzj0DAQcDQgAESccBbaihazapH1V3vmlgEzzAXpB68pM8iIKe+ZKvH7CKAPCl\n"
                             "zNRnjSmFrUvbddniTrZuqgOlBADe8BkvQqWGKaNTMFEwHQYDVR0OBBYEFE12L1sj\n"
                             "jA0P1Km9aX/Z36HjNJQhMB8GA1UdIwQYMBaAFE12L1sjjA0P1Km9aX/Z36HjNJQh\n"
                             "MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAL5eMWmSROD1dzkN\n"
                             "shOzndepTszrXF/hogIJ+mlNDB7SAiA6WDtRGrd9amWxKOC7YonHA38dOCS3vDnx\n"
                             "GzpeIFF/sA==\n"
                             "-----END CERTIFICATE-----\n";

struct fx {
    char dir[64];
    char path[8][128]; /* files written by put() */
    size_t n;
    char err[2048]; /* what the last parse wrote on stderr */
};

static const char *const VARS[] = {"EBB_PROMETHEUS_TIMEOUT", "EBB_PROMETHEUS_CA_FILE",
                                   "EBB_PROMETHEUS_BEARER_TOKEN_FILE", "EBB_PROMETHEUS_ADDRESS",
                                   "EBB_SYNC_PERIOD"};

static int setup(void **state)
{
    struct fx *x = calloc(1, sizeof(*x));
    if (x == NULL)
        return -1;
    snprintf(x->dir, sizeof(x->dir), "/tmp/ebb-run-flags-XXXXXX");
    if (mkdtemp(x->dir) == NULL) {
        free(x);
        return -1;
    }
    for (size_t i = 0; i < sizeof(VARS) / sizeof(VARS[0]); i++)
        unsetenv(VARS[i]);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    for (size_t i = 0; i < x->n; i++)
        unlink(x->path[i]);
    rmdir(x->dir);
    for (size_t i = 0; i < sizeof(VARS) / sizeof(VARS[0]); i++)
        unsetenv(VARS[i]);
    free(x);
    return 0;
}

/* Writes len bytes of content into dir/name; returns the path. */
static const char *put(struct fx *x, const char *name, const char *content, size_t len)
{
    assert_true(x->n < 8);
    char dir[sizeof(x->dir)];
    memcpy(dir, x->dir, sizeof(dir));
    char *p = x->path[x->n++];
    snprintf(p, sizeof(x->path[0]), "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return p;
}

static const char *puts_(struct fx *x, const char *name, const char *content)
{
    return put(x, name, content, strlen(content));
}

/* ebb_run_parse(argv) with stderr captured in x->err. */
static int parse(struct fx *x, struct ebb_run_opts *o, const char *const *args)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)"run";
    for (; args && *args && argc < 15; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    ebb_run_opts_default(o);

    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    assert_true(saved >= 0);
    assert_non_null(tmp);
    dup2(fileno(tmp), 2);
    int rc = ebb_run_parse(argc, argv, o);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(x->err, 1, sizeof(x->err) - 1, tmp);
    x->err[n] = '\0';
    fclose(tmp);
    return rc;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void assert_says(const struct fx *x, const char *want)
{
    if (strstr(x->err, want) == NULL)
        fail_msg("stderr \"%s\" does not say \"%s\"", x->err, want);
}

/* ---- --prometheus-timeout ---------------------------------------------------------------- */

static void test_timeout_default_flag_env(void **state)
{
    struct fx *x = *state;
    struct ebb_run_opts o;
    static const struct {
        const char *flag, *env;
        int64_t want_ms;
    } cases[] = {
        {NULL, NULL, 10000},   {"2s", NULL, 2000}, {"500ms", NULL, 500},
        {"1h", NULL, 3600000}, {NULL, "3s", 3000}, {"250ms", "3s", 250}, /* the flag wins */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].env)
            setenv("EBB_PROMETHEUS_TIMEOUT", cases[i].env, 1);
        else
            unsetenv("EBB_PROMETHEUS_TIMEOUT");
        int rc = cases[i].flag ? parse(x, &o, ARGS("--prometheus-timeout", cases[i].flag))
                               : parse(x, &o, NULL);
        assert_int_equal(rc, 0);
        assert_true(o.prometheus_timeout_ms == cases[i].want_ms);
        assert_string_equal(x->err, "");
    }
    /* --flag=value works too. */
    unsetenv("EBB_PROMETHEUS_TIMEOUT");
    assert_int_equal(parse(x, &o, ARGS("--prometheus-timeout=7s")), 0);
    assert_true(o.prometheus_timeout_ms == 7000);
}

static void test_timeout_bad_values_exit_2(void **state)
{
    struct fx *x = *state;
    struct ebb_run_opts o;
    static const char *const bad[] = {"0s", "0", "-1s", "abc", "10", "2h", "", "1.5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(x, &o, ARGS("--prometheus-timeout", bad[i])), 2);
        assert_says(x, "ebb run: --prometheus-timeout: \"");
        assert_says(x, "is not a duration above 0");
    }
    assert_int_equal(parse(x, &o, ARGS("--prometheus-timeout")), 2);
    assert_says(x, "--prometheus-timeout needs a value");
    /* From the environment, the message names the variable. */
    setenv("EBB_PROMETHEUS_TIMEOUT", "0s", 1);
    assert_int_equal(parse(x, &o, NULL), 2);
    assert_says(x, "ebb run: EBB_PROMETHEUS_TIMEOUT: \"0s\" is not a duration above 0");
}

/* ---- --prometheus-ca-file ---------------------------------------------------------------- */

static void test_ca_file_good(void **state)
{
    struct fx *x = *state;
    struct ebb_run_opts o;
    const char *ca = puts_(x, "ca.pem", CA_PEM);
    assert_int_equal(parse(x, &o, ARGS("--prometheus-ca-file", ca)), 0);
    assert_string_equal(o.prometheus_ca_file, ca);

    /* A bundle of two, with text around the blocks (as `openssl x509
     * -text` writes), is fine too. */
    char bundle[4096];
    snprintf(bundle, sizeof(bundle), "subject=CN = ebb-test-ca\n%s\n# second\n%s", CA_PEM, CA_PEM);
    const char *b = puts_(x, "bundle.pem", bundle);
    setenv("EBB_PROMETHEUS_CA_FILE", b, 1);
    assert_int_equal(parse(x, &o, NULL), 0);
    assert_string_equal(o.prometheus_ca_file, b);

    /* A bad file in the environment is not looked at when the flag wins. */
    setenv("EBB_PROMETHEUS_CA_FILE", "/nonexistent/ca.pem", 1);
    assert_int_equal(parse(x, &o, ARGS("--prometheus-ca-file", ca)), 0);
    assert_string_equal(o.prometheus_ca_file, ca);

    /* Unset by default; an empty value is unset. */
    unsetenv("EBB_PROMETHEUS_CA_FILE");
    assert_int_equal(parse(x, &o, NULL), 0);
    assert_null(o.prometheus_ca_file);
    assert_int_equal(parse(x, &o, ARGS("--prometheus-ca-file=")), 0);
    assert_string_equal(o.prometheus_ca_file, "");
}

static void test_ca_file_bad_exit_2(void **state)
{
    struct fx *x = *state;
    struct ebb_run_opts o;
    char corrupt[2048];
    snprintf(corrupt, sizeof(corrupt),
             "%s-----BEGIN CERTIFICATE-----\nnot base64!\n"
             "-----END CERTIFICATE-----\n",
             CA_PEM);
    const struct {
        const char *path, *says;
    } cases[] = {
        {"/nonexistent/ca.pem", "/nonexistent/ca.pem: cannot read it: No such file or directory"},
        {x->dir, ": cannot read it: Is a directory"},
        {puts_(x, "empty.pem", ""), "no PEM certificate in it"},
        {puts_(x, "text.pem", "hello\n"), "no PEM certificate in it"},
        {puts_(x, "key.pem",
               "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n"
               "-----END PRIVATE KEY-----\n"),
         "no PEM certificate in it"},
        {puts_(x, "corrupt.pem", corrupt), "certificate 2 is not valid PEM"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(parse(x, &o, ARGS("--prometheus-ca-file", cases[i].path)), 2);
        assert_says(x, "ebb run: --prometheus-ca-file: ");
        assert_says(x, cases[i].says);
    }
    setenv("EBB_PROMETHEUS_CA_FILE", "/nonexistent/ca.pem", 1);
    assert_int_equal(parse(x, &o, NULL), 2);
    assert_says(x, "ebb run: EBB_PROMETHEUS_CA_FILE: /nonexistent/ca.pem: cannot read it");
}

/* ---- --prometheus-bearer-token-file ------------------------------------------------------ */

static void test_token_file_read_and_trimmed(void **state)
{
    struct fx *x = *state;
    struct ebb_run_opts o;
    const char *t = puts_(x, "token", "  abc.DEF-123_~+/=\n\n");
    assert_int_equal(parse(x, &o,
                           ARGS("--prometheus-address", "https://prom:9090",
                                "--prometheus-bearer-token-file", t)),
                     0);
    assert_string_equal(o.prometheus_token_file, t);

    char *tok = NULL, err[256];
    assert_int_equal(ebb_run_read_token(t, &tok, err, sizeof(err)), 0);
    assert_string_equal(tok, "abc.DEF-123_~+/=");
    free(tok);

    /* From the environment, with the address from the environment too. */
    setenv("EBB_PROMETHEUS_BEARER_TOKEN_FILE", t, 1);
    setenv("EBB_PROMETHEUS_ADDRESS", "http://prom:9090", 1);
    assert_int_equal(parse(x, &o, NULL), 0);
    assert_string_equal(o.prometheus_token_file, t);
}

static void test_token_file_bad_exit_2(void **state)
{
    struct fx *x = *state;
    struct ebb_run_opts o;
    static char big[(64u << 10) + 2];
    memset(big, 'a', sizeof(big));
    const struct {
        const char *path, *says;
    } cases[] = {
        {"/nonexistent/token", "/nonexistent/token: cannot read it: No such file or directory"},
        {x->dir, ": cannot read it: Is a directory"},
        {puts_(x, "empty", ""), "the file is empty"},
        {puts_(x, "blank", " \n\t\n"), "the file is empty"},
        {puts_(x, "two-lines", "abc\ndef\n"), "byte 3 is a control character (0x0a)"},
        {put(x, "nul", "ab\0cd", 5), "byte 2 is a control character (0x00)"},
        {put(x, "big", big, sizeof(big)), "larger than 64 KiB"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(parse(x, &o,
                               ARGS("--prometheus-address", "http://prom:9090",
                                    "--prometheus-bearer-token-file", cases[i].path)),
                         2);
        assert_says(x, "ebb run: --prometheus-bearer-token-file: ");
        assert_says(x, cases[i].says);
        char *tok = (char *)"x", err[512];
        assert_int_equal(ebb_run_read_token(cases[i].path, &tok, err, sizeof(err)), -1);
        assert_null(tok);
    }
    /* The token goes to --prometheus-address only: without it, a token is an error. */
    const char *t = puts_(x, "token", "abc\n");
    assert_int_equal(parse(x, &o, ARGS("--prometheus-bearer-token-file", t)), 2);
    assert_says(x, "--prometheus-bearer-token-file needs --prometheus-address");
}

static void test_help_lists_the_prometheus_flags(void **state)
{
    (void)state;
    char buf[8192];
    FILE *f = tmpfile();
    assert_non_null(f);
    ebb_run_usage(f);
    rewind(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "--prometheus-bearer-token-file FILE"));
    assert_non_null(strstr(buf, "--prometheus-ca-file FILE"));
    assert_non_null(strstr(buf, "--prometheus-timeout DUR"));
    assert_non_null(strstr(buf, "default 10s"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_timeout_default_flag_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_bad_values_exit_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_file_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_file_bad_exit_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_file_read_and_trimmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_file_bad_exit_2, setup, teardown),
        cmocka_unit_test(test_help_lists_the_prometheus_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
