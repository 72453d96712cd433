/* exec_cred_test.c -- credentials kept fresh: inline and file tokens (the
 * file re-read when it changes), client certificates, and exec credential
 * plugins run from tests/fixtures/kubeconfig/exec/ (v1 and v1beta1, an
 * expiring token re-run with a fake clock, force_refresh after a 401,
 * KUBERNETES_EXEC_INFO and the environment, a failing plugin's stderr,
 * garbage, a timeout, oversized output); and the ExecCredential decoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../pkg/base/rfc3339.h"
#include "../../pkg/kube/exec_cred.h"

#define FIX "tests/fixtures/kubeconfig"
#define V1 "client.authentication.k8s.io/v1"
#define V1BETA1 "client.authentication.k8s.io/v1beta1"

struct fx {
    char dir[2048]; /* absolute FIX */
    char tmp[256];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char cwd[1024];
    assert_non_null(f);
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(f->dir, sizeof(f->dir), "%s/%s", cwd, FIX);
    snprintf(f->tmp, sizeof(f->tmp), "/tmp/ebb-exec-cred-test-XXXXXX");
    assert_non_null(mkdtemp(f->tmp));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->tmp);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static int64_t t(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(ebb_rfc3339_parse(rfc3339, &ms), EBB_OK);
    return ms;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
}

static char *slurp(const char *path)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_true(getdelim(&buf, &n, '\0', fp) >= 0);
    fclose(fp);
    return buf;
}

/* A config for an exec plugin; strings are borrowed, never released. */
static void exec_config(struct ebb_kube_config *cfg, const char *command, const char *api_version)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->server = (char *)"https://h:6443";
    cfg->has_exec = true;
    cfg->exec.command = (char *)command;
    cfg->exec.api_version = (char *)api_version;
}

/* ---- tokens and certificates ------------------------------------------------ */

static void test_inline_token(void **state)
{
    struct ebb_kube_config cfg = {0};
    struct ebb_kube_creds c;
    char err[512];
    (void)state;

    ebb_kube_creds_init(&c);
    cfg.token = (char *)"abc";
    cfg.has_exec = true; /* ignored: a token is there (client-go's order) */
    cfg.exec.command = (char *)"/nonexistent";
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "abc");
    assert_null(c.client_cert_pem);
    assert_int_equal(c.serial, 1);
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, true, err, sizeof(err)), EBB_OK);
    assert_int_equal(c.serial, 1);
    assert_int_equal(c.exec_runs, 0);
    ebb_kube_creds_release(&c);
    assert_null(c.token);
    ebb_kube_creds_release(NULL);

    /* Basic auth is the client's (cfg->username): nothing to send here. */
    memset(&cfg, 0, sizeof(cfg));
    cfg.username = (char *)"admin";
    cfg.password = (char *)"pw";
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_null(c.token);
    assert_int_equal(c.serial, 0);
    ebb_kube_creds_release(&c);
}

static void test_token_file(void **state)
{
    struct fx *f = *state;
    struct ebb_kube_config cfg = {0};
    struct ebb_kube_creds c;
    char err[512], path[512], want[600];
    struct stat st;
    struct timespec times[2];

    snprintf(path, sizeof(path), "%s/token", f->tmp);
    cfg.token_file = path;
    ebb_kube_creds_init(&c);

    /* Missing, nothing cached, no inline token: an error. */
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_ERR_IO);
    snprintf(want, sizeof(want), "token file %s: No such file or directory", path);
    assert_string_equal(err, want);
    write_file(path, " \n");
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_ERR_IO);
    snprintf(want, sizeof(want), "token file %s: the file is empty", path);
    assert_string_equal(err, want);

    write_file(path, "first-token\n");
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "first-token");
    assert_int_equal(c.serial, 1);

    /* Rotated (the kubelet writes a new file): re-read. */
    write_file(path, "second-token-longer\n");
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "second-token-longer");
    assert_int_equal(c.serial, 2);

    /* Same size, same mtime: not re-read unless forced (after a 401). */
    assert_int_equal(stat(path, &st), 0);
    write_file(path, "third--token-longer\n");
    times[0] = st.st_atim;
    times[1] = st.st_mtim;
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "second-token-longer");
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, true, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "third--token-longer");
    assert_int_equal(c.serial, 3);

    /* Rewritten with the same content: read again, the serial stays. */
    write_file(path, "third--token-longer");
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_int_equal(c.serial, 3);

    /* Gone: the last token is kept. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "third--token-longer");
    ebb_kube_creds_release(&c);

    /* With an inline token too: the file wins while it is readable, the
     * inline token stands in when it is not. */
    cfg.token = (char *)"inline";
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "inline");
    write_file(path, "from-file");
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "from-file");
    ebb_kube_creds_release(&c);
}

static void test_client_cert(void **state)
{
    struct fx *f = *state;
    struct ebb_kube_config cfg = {0};
    struct ebb_kube_creds c;
    char err[512], cert[512], key[512];
    char *want_cert = slurp(FIX "/client.pem"), *want_key = slurp(FIX "/client-key.pem");

    /* Inline data. */
    ebb_kube_creds_init(&c);
    cfg.client_cert_data = want_cert;
    cfg.client_cert_data_len = strlen(want_cert);
    cfg.client_key_data = want_key;
    cfg.client_key_data_len = strlen(want_key);
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_int_equal(c.client_cert_pem_len, strlen(want_cert));
    assert_string_equal(c.client_cert_pem, want_cert);
    assert_string_equal(c.client_key_pem, want_key);
    assert_null(c.token);
    assert_int_equal(c.serial, 2);
    ebb_kube_creds_release(&c);

    /* Files, re-read when they change. */
    memset(&cfg, 0, sizeof(cfg));
    snprintf(cert, sizeof(cert), "%s/cert.pem", f->tmp);
    snprintf(key, sizeof(key), "%s/key.pem", f->tmp);
    write_file(cert, want_cert);
    write_file(key, want_key);
    cfg.client_cert_file = cert;
    cfg.client_key_file = key;
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.client_cert_pem, want_cert);
    assert_string_equal(c.client_key_pem, want_key);
    assert_int_equal(c.serial, 2);
    write_file(cert, "-----BEGIN CERTIFICATE-----\nrenewed\n");
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.client_cert_pem, "-----BEGIN CERTIFICATE-----\nrenewed\n");
    assert_int_equal(c.serial, 3);
    ebb_kube_creds_release(&c);
    assert_int_equal(unlink(key), 0);
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_ERR_IO);
    assert_non_null(strstr(err, "/key.pem: No such file or directory"));
    ebb_kube_creds_release(&c);
    free(want_cert);
    free(want_key);
}

/* ---- exec plugins --------------------------------------------------------------- */

static void test_exec_token(void **state)
{
    static const struct {
        const char *script;
        const char *api_version;
        const char *token;
    } cases[] = {
        {"token-v1.sh", V1, "exec-token-v1"},
        {"token-v1beta1.sh", V1BETA1, "exec-token-v1beta1"},
    };
    struct fx *f = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_kube_config cfg;
        struct ebb_kube_creds c;
        char err[512], cmd[2200];
        snprintf(cmd, sizeof(cmd), "%s/exec/%s", f->dir, cases[i].script);
        exec_config(&cfg, cmd, cases[i].api_version);
        ebb_kube_creds_init(&c);
        if (ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)) != EBB_OK)
            fail_msg("%s: %s", cases[i].script, err);
        assert_string_equal(c.token, cases[i].token);
        assert_null(c.client_cert_pem);
        assert_int_equal(c.expiry_ms, 0);
        assert_int_equal(c.exec_runs, 1);
        /* No expiry: cached until a 401 asks for a fresh one. */
        assert_int_equal(
            ebb_kube_creds_get(&c, &cfg, t("2099-01-01T00:00:00Z"), false, err, sizeof(err)),
            EBB_OK);
        assert_int_equal(c.exec_runs, 1);
        assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, true, err, sizeof(err)), EBB_OK);
        assert_int_equal(c.exec_runs, 2);
        assert_string_equal(c.token, cases[i].token);
        assert_int_equal(c.serial, 1);
        ebb_kube_creds_release(&c);
    }
}

static void test_exec_path_lookup(void **state)
{
    struct fx *f = *state;
    struct ebb_kube_config cfg;
    struct ebb_kube_creds c;
    char err[512], path[4400];
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

    /* A bare name is looked up in PATH; relative entries are skipped, as
     * Go's exec.LookPath refuses what they find. */
    exec_config(&cfg, "token-v1.sh", V1);
    ebb_kube_creds_init(&c);
    snprintf(path, sizeof(path), FIX "/exec:%s", saved ? saved : "/bin");
    assert_int_equal(setenv("PATH", path, 1), 0);
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_ERR_IO);
    assert_string_equal(err, "exec plugin \"token-v1.sh\": executable not found");
    snprintf(path, sizeof(path), "/nonexistent::%s/exec:%s", f->dir, saved ? saved : "/bin");
    assert_int_equal(setenv("PATH", path, 1), 0);
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "exec-token-v1");
    ebb_kube_creds_release(&c);
    if (saved)
        assert_int_equal(setenv("PATH", saved, 1), 0);
    free(saved);
}

static void test_exec_expiry(void **state)
{
    struct fx *f = *state;
    struct ebb_kube_config cfg;
    struct ebb_kube_creds c;
    struct ebb_kube_env_var env[2];
    char err[512], cmd[2200], counter[512];

    snprintf(cmd, sizeof(cmd), "%s/exec/counting.sh", f->dir);
    snprintf(counter, sizeof(counter), "%s/counter", f->tmp);
    env[0].name = (char *)"EBB_TEST_COUNTER";
    env[0].value = counter;
    env[1].name = (char *)"EBB_TEST_EXPIRY";
    env[1].value = (char *)"2030-01-01T00:00:00Z";
    exec_config(&cfg, cmd, V1);
    cfg.exec.env = env;
    cfg.exec.n_env = 2;
    ebb_kube_creds_init(&c);

    assert_int_equal(
        ebb_kube_creds_get(&c, &cfg, t("2029-12-31T23:00:00Z"), false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "tok-1");
    assert_int_equal(c.expiry_ms, t("2030-01-01T00:00:00Z"));
    /* Still valid a second before: cached. */
    assert_int_equal(
        ebb_kube_creds_get(&c, &cfg, t("2029-12-31T23:59:59Z"), false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "tok-1");
    assert_int_equal(c.exec_runs, 1);
    /* Expired: run again. */
    assert_int_equal(
        ebb_kube_creds_get(&c, &cfg, t("2030-01-01T00:00:00Z"), false, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "tok-2");
    assert_int_equal(c.exec_runs, 2);
    assert_int_equal(c.serial, 2);
    /* A 401 before expiry: force_refresh runs it again. */
    assert_int_equal(
        ebb_kube_creds_get(&c, &cfg, t("2029-06-01T00:00:00Z"), true, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.token, "tok-3");
    assert_int_equal(c.exec_runs, 3);

    /* A refresh that fails keeps the credential we had. */
    cfg.exec.command = (char *)"/bin/false";
    assert_int_equal(
        ebb_kube_creds_get(&c, &cfg, t("2029-06-01T00:00:00Z"), true, err, sizeof(err)),
        EBB_ERR_IO);
    assert_string_equal(err, "exec plugin \"/bin/false\": exit code 1: (nothing on stderr)");
    assert_string_equal(c.token, "tok-3");
    assert_int_equal(c.serial, 3);
    ebb_kube_creds_release(&c);
}

static void test_exec_cert(void **state)
{
    struct fx *f = *state;
    struct ebb_kube_config cfg;
    struct ebb_kube_creds c;
    char err[512], cmd[2200];
    char *want_cert = slurp(FIX "/client.pem"), *want_key = slurp(FIX "/client-key.pem");

    snprintf(cmd, sizeof(cmd), "%s/exec/cert.sh", f->dir);
    exec_config(&cfg, cmd, V1);
    ebb_kube_creds_init(&c);
    if (ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)) != EBB_OK)
        fail_msg("%s", err);
    assert_null(c.token);
    assert_string_equal(c.client_cert_pem, want_cert);
    assert_int_equal(c.client_cert_pem_len, strlen(want_cert));
    assert_string_equal(c.client_key_pem, want_key);
    assert_int_equal(c.expiry_ms, t("2030-01-01T00:00:00Z"));
    ebb_kube_creds_release(&c);
    free(want_cert);
    free(want_key);
}

static void test_exec_info(void **state)
{
    static const char ca_pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n";
    struct fx *f = *state;
    struct ebb_kube_config cfg;
    struct ebb_kube_creds c;
    struct ebb_kube_env_var env[4];
    char *args[2] = {(char *)"--a", (char *)"b c"};
    char err[512], cmd[2200], counter[512], out[512], want[4096];
    char *got, *ca_file_b64;

    snprintf(cmd, sizeof(cmd), "%s/exec/counting.sh", f->dir);
    snprintf(counter, sizeof(counter), "%s/counter-info", f->tmp);
    snprintf(out, sizeof(out), "%s/info", f->tmp);
    env[0] = (struct ebb_kube_env_var){(char *)"EBB_TEST_COUNTER", counter};
    env[1] = (struct ebb_kube_env_var){(char *)"EBB_TEST_INFO_OUT", out};
    env[2] = (struct ebb_kube_env_var){(char *)"EBB_TEST_ECHO", (char *)"overridden"};
    env[3] = (struct ebb_kube_env_var){(char *)"EBB_TEST_ECHO", (char *)"from-kubeconfig"};
    assert_int_equal(setenv("EBB_TEST_ECHO", "from-process", 1), 0);
    assert_int_equal(setenv("KUBERNETES_EXEC_INFO", "stale", 1), 0);

    /* provideClusterInfo: the cluster goes along, the CA as base64; the
     * kubeconfig's env wins over ours (the last of a name wins). */
    exec_config(&cfg, cmd, V1);
    cfg.exec.args = args;
    cfg.exec.n_args = 2;
    cfg.exec.env = env;
    cfg.exec.n_env = 4;
    cfg.exec.provide_cluster_info = true;
    cfg.tls_server_name = (char *)"kubernetes";
    cfg.ca_data = (char *)ca_pem;
    cfg.ca_data_len = sizeof(ca_pem) - 1;
    ebb_kube_creds_init(&c);
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    got = slurp(out);
    assert_string_equal(got, "{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1 "\",\"spec\":{"
                             "\"cluster\":{\"server\":\"https://h:6443\",\"tls-server-name\":"
                             "\"kubernetes\",\"certificate-authority-data\":"
                             "\"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIK\"},\"interactive\":"
                             "false}}\n--a b c\nfrom-kubeconfig\n");
    free(got);
    ebb_kube_creds_release(&c);

    /* Without: just the request; our environment passes through; a CA
     * file is read when the cluster is provided. */
    cfg.exec.n_env = 2;
    cfg.exec.n_args = 0;
    cfg.exec.provide_cluster_info = false;
    cfg.exec.api_version = (char *)V1BETA1;
    env[2] = (struct ebb_kube_env_var){(char *)"EBB_TEST_API_VERSION", (char *)V1BETA1};
    cfg.exec.n_env = 3;
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    got = slurp(out);
    assert_string_equal(got, "{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1BETA1
                             "\",\"spec\":{\"interactive\":false}}\n\nfrom-process\n");
    free(got);
    ebb_kube_creds_release(&c);

    cfg.exec.provide_cluster_info = true;
    cfg.tls_server_name = NULL;
    cfg.ca_data = NULL;
    cfg.ca_data_len = 0;
    cfg.ca_file = (char *)FIX "/ca.pem";
    cfg.insecure_skip_tls_verify = true; /* not a valid kubeconfig, but shows the field */
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_OK);
    got = slurp(out);
    {
        FILE *p = popen("base64 -w0 " FIX "/ca.pem", "r");
        size_t n;
        assert_non_null(p);
        ca_file_b64 = calloc(1, 2048);
        assert_non_null(ca_file_b64);
        n = fread(ca_file_b64, 1, 2047, p);
        assert_true(n > 700);
        assert_int_equal(pclose(p), 0);
    }
    snprintf(want, sizeof(want),
             "{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1BETA1 "\",\"spec\":{\"cluster\":{"
             "\"server\":\"https://h:6443\",\"insecure-skip-tls-verify\":true,"
             "\"certificate-authority-data\":\"%s\"},\"interactive\":false}}\n\nfrom-process\n",
             ca_file_b64);
    assert_string_equal(got, want);
    free(got);
    free(ca_file_b64);
    ebb_kube_creds_release(&c);

    cfg.ca_file = (char *)"/nonexistent/ca.pem";
    assert_int_equal(ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err)), EBB_ERR_IO);
    assert_string_equal(err, "provideClusterInfo: certificate-authority /nonexistent/ca.pem: No "
                             "such file or directory");
    assert_int_equal(c.serial, 0);
    ebb_kube_creds_release(&c);
    unsetenv("EBB_TEST_ECHO");
    unsetenv("KUBERNETES_EXEC_INFO");
}

static void test_exec_failures(void **state)
{
    static const struct {
        const char *command; /* "{dir}/" prefixed when it does not start with '/' */
        const char *arg;     /* one argument, or NULL */
        const char *api_version;
        const char *install_hint;
        int64_t timeout_ms;
        enum ebb_rc rc;
        const char *message; /* after "exec plugin \"<command>\": " */
    } cases[] = {
        {"exec/fail.sh", NULL, V1, NULL, 0, EBB_ERR_IO,
         "exit code 3: error: not logged in; run \"cloud auth login\""},
        {"exec/garbage.sh", NULL, V1, NULL, 0, EBB_ERR_PARSE,
         "output is not valid JSON (error at byte 0 of 32); want an ExecCredential JSON object"},
        {"exec/token-v1beta1.sh", NULL, V1, NULL, 0, EBB_ERR_INVALID,
         "returned apiVersion " V1BETA1 ", but the kubeconfig asks for " V1},
        {"ebb-no-such-plugin", NULL, V1, "Install it:\n  brew install ebb-plugin\n", 0, EBB_ERR_IO,
         "executable not found; Install it:\n  brew install ebb-plugin"},
        {"ca.pem", NULL, V1, NULL, 0, EBB_ERR_IO, "Permission denied"},
        {"exec/sleep.sh", NULL, V1, NULL, 1000, EBB_ERR_IO, "no answer after 1000 ms; killed it"},
        {"/bin/sh", "kill -9 $$", V1, NULL, 0, EBB_ERR_IO, "killed by signal 9"},
        {"/bin/sh", "echo oops >&2; exit 4", V1, NULL, 0, EBB_ERR_IO, "exit code 4: oops"},
        {"/bin/sh", "head -c 2000000 /dev/zero", V1, NULL, 0, EBB_ERR_IO,
         "printed more than 1 MiB; killed it"},
        {"/bin/sh", "read x; echo \"got $x\"", V1, NULL, 0, EBB_ERR_PARSE,
         "output is not valid JSON (error at byte 0 of 5); want an ExecCredential JSON object"},
        {"/bin/sh", "echo '{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\"}'", V1, NULL, 0,
         EBB_ERR_INVALID, "output has no status"},
    };
    struct fx *f = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_kube_config cfg;
        struct ebb_kube_creds c;
        char *args[2] = {(char *)"-c", (char *)cases[i].arg};
        char err[1024], cmd[2200], want[3000];
        struct timespec t0, t1;
        enum ebb_rc rc;

        if (cases[i].command[0] == '/' || strchr(cases[i].command, '/') == NULL)
            snprintf(cmd, sizeof(cmd), "%s", cases[i].command);
        else
            snprintf(cmd, sizeof(cmd), "%s/%s", f->dir, cases[i].command);
        if (strcmp(cases[i].command, "ca.pem") == 0)
            snprintf(cmd, sizeof(cmd), "%s/ca.pem", f->dir);
        exec_config(&cfg, cmd, cases[i].api_version);
        if (cases[i].arg) {
            cfg.exec.args = args;
            cfg.exec.n_args = 2;
        }
        cfg.exec.install_hint = (char *)cases[i].install_hint;
        ebb_kube_creds_init(&c);
        c.exec_timeout_ms = cases[i].timeout_ms;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = ebb_kube_creds_get(&c, &cfg, 0, false, err, sizeof(err));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        snprintf(want, sizeof(want), "exec plugin \"%s\": %s", cmd, cases[i].message);
        assert_null(strstr(err, "token=abc")); /* what garbage.sh printed on stdout */
        if (rc != cases[i].rc || strcmp(err, want) != 0)
            fail_msg("case %zu: rc %d (want %d)\n  want \"%s\"\n  got  \"%s\"", i, rc, cases[i].rc,
                     want, err);
        assert_null(c.token);
        assert_int_equal(c.serial, 0);
        assert_int_equal(c.exec_runs, 1);
        if (cases[i].timeout_ms)
            assert_true(t1.tv_sec - t0.tv_sec < 5);
        ebb_kube_creds_release(&c);
    }
}

/* ---- the ExecCredential ------------------------------------------------------------ */

static void test_credential_parse(void **state)
{
    static const struct {
        const char *json;
        enum ebb_rc rc;
        const char *message; /* or, on success, the token (NULL for none) */
        const char *expiry;
        bool cert;
    } cases[] = {
        {"{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"x\"}}",
         EBB_OK, "x", NULL, false},
        {" {\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1 "\",\"spec\":{\"interactive\":"
         "false},\"status\":{\"token\":\"y\",\"expirationTimestamp\":\"2030-01-01T01:00:00+01:00\","
         "\"clientKeyData\":null}}\r\n\n",
         EBB_OK, "y", "2030-01-01T00:00:00Z", false},
        {"{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\",\"status\":{"
         "\"clientCertificateData\":\"C\",\"clientKeyData\":\"K\",\"token\":\"\"}}",
         EBB_OK, NULL, NULL, true},
        {"", EBB_ERR_PARSE, "output is empty; want an ExecCredential JSON object on stdout", NULL,
         false},
        {" \r\n", EBB_ERR_PARSE, "output is empty; want an ExecCredential JSON object on stdout",
         NULL, false},
        {"{\"apiVersion\":\"" V1 "\"} x", EBB_ERR_PARSE,
         "output has more after the JSON value (at byte 49 of 50); want one ExecCredential JSON "
         "object",
         NULL, false},
        /* Output that does not parse is never echoed: it may hold the token. */
        {"{\"apiVersion\":\"" V1 "\",\"status\":{\"token\":\"s3cr3t-tok", EBB_ERR_PARSE,
         "output is not valid JSON (error at byte 67 of 77); want an ExecCredential JSON object",
         NULL, false},
        {"token: s3cr3t-tok\n", EBB_ERR_PARSE,
         "output is not valid JSON (error at byte 0 of 18); want an ExecCredential JSON object",
         NULL, false},
        {"[]", EBB_ERR_PARSE, "output is not a JSON object", NULL, false},
        {"{\"kind\":\"ExecCredential\"}", EBB_ERR_PARSE, "output has no apiVersion; want " V1, NULL,
         false},
        {"{\"apiVersion\":1}", EBB_ERR_PARSE, "apiVersion is not a string", NULL, false},
        {"{\"apiVersion\":\"" V1 "\"}", EBB_ERR_PARSE, "output has kind \"\", not ExecCredential",
         NULL, false},
        {"{\"apiVersion\":\"" V1 "\",\"kind\":\"Secret\"}", EBB_ERR_PARSE,
         "output has kind \"Secret\", not ExecCredential", NULL, false},
        {"{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\",\"status\":\"ok\"}", EBB_ERR_PARSE,
         "status is not an object", NULL, false},
        {"{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\",\"status\":{\"token\":5}}",
         EBB_ERR_PARSE, "status.token is not a string", NULL, false},
        {"{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\",\"status\":{}}", EBB_ERR_INVALID,
         "status has no token and no clientCertificateData/clientKeyData", NULL, false},
        {"{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\",\"status\":{"
         "\"clientCertificateData\":\"C\"}}",
         EBB_ERR_INVALID, "status has clientCertificateData without clientKeyData", NULL, false},
        {"{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\","
         "\"clientKeyData\":\"K\"}}",
         EBB_ERR_INVALID, "status has clientKeyData without clientCertificateData", NULL, false},
        {"{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\","
         "\"expirationTimestamp\":\"tomorrow\"}}",
         EBB_ERR_PARSE, "status.expirationTimestamp \"tomorrow\" is not an RFC 3339 time", NULL,
         false},
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_kube_exec_result r;
        char err[512] = "";
        enum ebb_rc rc = ebb_kube_exec_credential_parse(cases[i].json, strlen(cases[i].json), V1,
                                                        &r, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].rc, err);
        if (rc != EBB_OK) {
            assert_null(strstr(err, "s3cr3t"));
            assert_string_equal(err, cases[i].message);
            assert_null(r.token);
            assert_null(r.client_cert_pem);
            continue;
        }
        if (cases[i].message)
            assert_string_equal(r.token, cases[i].message);
        else
            assert_null(r.token);
        assert_int_equal(r.expiry_ms, cases[i].expiry ? t(cases[i].expiry) : 0);
        if (cases[i].cert) {
            assert_string_equal(r.client_cert_pem, "C");
            assert_int_equal(r.client_cert_pem_len, 1);
            assert_string_equal(r.client_key_pem, "K");
        } else {
            assert_null(r.client_cert_pem);
            assert_null(r.client_key_pem);
        }
        ebb_kube_exec_result_release(&r);
    }
    ebb_kube_exec_result_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inline_token),     cmocka_unit_test(test_token_file),
        cmocka_unit_test(test_client_cert),      cmocka_unit_test(test_exec_token),
        cmocka_unit_test(test_exec_path_lookup), cmocka_unit_test(test_exec_expiry),
        cmocka_unit_test(test_exec_cert),        cmocka_unit_test(test_exec_info),
        cmocka_unit_test(test_exec_failures),    cmocka_unit_test(test_credential_parse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
