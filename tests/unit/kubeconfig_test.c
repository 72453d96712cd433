/* kubeconfig_test.c -- kubeconfig loading as kubectl does it.
 *
 * Each auth kind from tests/fixtures/kubeconfig/config.yaml; YAML forms
 * kubectl accepts (anchors, merge keys, YAML 1.1 booleans) and the server
 * URL rules; every broken kubeconfig with its exact message; merging three
 * files from KUBECONFIG (first definition wins, first current-context,
 * relative paths per file); --kubeconfig, ~/.kube/config; and the
 * in-cluster configuration from a temporary service-account folder.
 * Tests run from the repository root; "{dir}" in a table stands for the
 * absolute fixture folder and "{f}" for the name of an inline kubeconfig.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../pkg/kube/kubeconfig.h"

#define FIX "tests/fixtures/kubeconfig"
#define INLINE FIX "/inline.yaml"
#define CA_B64                                                                                     \
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIK" /* "-----BEGIN CERTIFICATE-----\nMIIB\n" */

struct fx {
    char dir[2048]; /* absolute FIX */
    char tmp[256];  /* a scratch folder, removed at teardown */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char cwd[1024];
    assert_non_null(f);
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(f->dir, sizeof(f->dir), "%s/%s", cwd, FIX);
    snprintf(f->tmp, sizeof(f->tmp), "/tmp/ebb-kubeconfig-test-XXXXXX");
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

/* tmpl with {dir} and {f} replaced. */
static void expand(const struct fx *f, const char *tmpl, char *out, size_t n)
{
    size_t o = 0;
    while (*tmpl && o + 1 < n) {
        const char *with = NULL;
        size_t skip = 0;
        if (strncmp(tmpl, "{dir}", 5) == 0) {
            with = f->dir;
            skip = 5;
        } else if (strncmp(tmpl, "{f}", 3) == 0) {
            with = INLINE;
            skip = 3;
        }
        if (with) {
            int w = snprintf(out + o, n - o, "%s", with);
            assert_true(w >= 0 && (size_t)w < n - o);
            o += (size_t)w;
            tmpl += skip;
        } else {
            out[o++] = *tmpl++;
        }
    }
    assert_true(o + 1 < n);
    out[o] = '\0';
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* Compares an optional string: want NULL means the field must be NULL. */
static void str_eq(const struct fx *f, const char *what, const char *got, const char *want)
{
    char buf[4096];
    if (want == NULL) {
        if (got != NULL)
            fail_msg("%s: want NULL, got \"%s\"", what, got);
        return;
    }
    expand(f, want, buf, sizeof(buf));
    if (got == NULL)
        fail_msg("%s: want \"%s\", got NULL", what, buf);
    if (strcmp(got, buf) != 0)
        fail_msg("%s:\n  want \"%s\"\n  got  \"%s\"", what, buf, got);
}

struct want {
    const char *context;
    const char *server;
    const char *ca_file;
    size_t ca_data_len;
    bool insecure;
    const char *tls_server_name;
    const char *token;
    const char *token_file;
    const char *cert_file;
    size_t cert_data_len;
    const char *key_file;
    size_t key_data_len;
    const char *username;
    const char *password;
    bool has_exec;
    const char *namespace_;
    const char *warning;
};

static void check(const struct fx *f, const char *name, const struct ebb_kube_config *c,
                  const struct want *w)
{
    char what[128];
#define STR(field, wantf)                                                                          \
    do {                                                                                           \
        snprintf(what, sizeof(what), "%s: " #field, name);                                         \
        str_eq(f, what, c->field, w->wantf);                                                       \
    } while (0)
    STR(context, context);
    STR(server, server);
    STR(ca_file, ca_file);
    STR(tls_server_name, tls_server_name);
    STR(token, token);
    STR(token_file, token_file);
    STR(client_cert_file, cert_file);
    STR(client_key_file, key_file);
    STR(username, username);
    STR(password, password);
    STR(namespace_, namespace_);
    STR(warning, warning);
#undef STR
    if (c->ca_data_len != w->ca_data_len || c->client_cert_data_len != w->cert_data_len ||
        c->client_key_data_len != w->key_data_len || c->insecure_skip_tls_verify != w->insecure ||
        c->has_exec != w->has_exec)
        fail_msg("%s: ca_data %zu/%zu cert %zu/%zu key %zu/%zu insecure %d/%d exec %d/%d", name,
                 c->ca_data_len, w->ca_data_len, c->client_cert_data_len, w->cert_data_len,
                 c->client_key_data_len, w->key_data_len, c->insecure_skip_tls_verify, w->insecure,
                 c->has_exec, w->has_exec);
    assert_false(c->in_cluster);
}

/* ---- each auth kind ------------------------------------------------------ */

static void test_auth_kinds(void **state)
{
    static const struct {
        const char *context;
        struct want w;
    } cases[] = {
        {NULL,
         {.context = "token",
          .server = "https://127.0.0.1:6443",
          .ca_file = "{dir}/ca.pem",
          .token = "abc.def.ghi",
          .namespace_ = "team-a"}},
        {"token-file",
         {.context = "token-file",
          .server = "https://127.0.0.1:6443",
          .ca_file = "{dir}/ca.pem",
          .token_file = "{dir}/token.txt",
          .namespace_ = "default"}},
        {"cert-files",
         {.context = "cert-files",
          .server = "https://[::1]:6443",
          .ca_data_len = 583,
          .tls_server_name = "kubernetes.default",
          .cert_file = "{dir}/client.pem",
          .key_file = "{dir}/client-key.pem",
          .namespace_ = "default"}},
        {"cert-data",
         {.context = "cert-data",
          .server = "https://[::1]:6443",
          .ca_data_len = 583,
          .tls_server_name = "kubernetes.default",
          .cert_data_len = 497,
          .key_data_len = 241,
          .namespace_ = "default"}},
        {"basic",
         {.context = "basic",
          .server = "https://10.0.0.1",
          .insecure = true,
          .username = "admin",
          .password = "s3cret:pass",
          .namespace_ = "default",
          .warning = FIX "/config.yaml: clusters[2].cluster.insecure-skip-tls-verify is true: "
                         "the server's certificate is not verified"}},
        {"exec",
         {.context = "exec",
          .server = "https://[::1]:6443",
          .ca_data_len = 583,
          .tls_server_name = "kubernetes.default",
          .has_exec = true,
          .namespace_ = "ops"}},
        {"anonymous",
         {.context = "anonymous",
          .server = "https://127.0.0.1:6443",
          .ca_file = "{dir}/ca.pem",
          .namespace_ = "default"}},
    };
    struct fx *f = *state;
    struct ebb_kube_env env = {0};
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_kube_config c;
        char err[1024];
        enum ebb_rc rc =
            ebb_kube_config_load(FIX "/config.yaml", cases[i].context, &env, &c, err, sizeof(err));
        if (rc != EBB_OK)
            fail_msg("%s: %s", cases[i].w.context, err);
        check(f, cases[i].w.context, &c, &cases[i].w);
        assert_string_equal(c.source, FIX "/config.yaml");
        if (cases[i].w.cert_data_len) {
            char *pem = NULL;
            size_t n = 0;
            FILE *fp = fopen(FIX "/client.pem", "r");
            assert_non_null(fp);
            assert_int_equal(getdelim(&pem, &n, '\0', fp), 497);
            fclose(fp);
            assert_memory_equal(c.client_cert_data, pem, 497);
            assert_int_equal(c.client_cert_data[497], '\0');
            free(pem);
        }
        ebb_kube_config_release(&c);
    }
}

static void test_exec_fields(void **state)
{
    struct fx *f = *state;
    struct ebb_kube_env env = {0};
    struct ebb_kube_config c;
    char err[1024], want[2048];

    assert_int_equal(ebb_kube_config_load(FIX "/config.yaml", "exec", &env, &c, err, sizeof(err)),
                     EBB_OK);
    expand(f, "{dir}/exec/token-v1.sh", want, sizeof(want));
    assert_string_equal(c.exec.command, want);
    assert_string_equal(c.exec.api_version, "client.authentication.k8s.io/v1");
    assert_string_equal(c.exec.install_hint, "Install the plugin first.\n");
    assert_true(c.exec.provide_cluster_info);
    assert_int_equal(c.exec.n_args, 2);
    assert_string_equal(c.exec.args[0], "--region");
    assert_string_equal(c.exec.args[1], "eu-west-1");
    assert_int_equal(c.exec.n_env, 2);
    assert_string_equal(c.exec.env[0].name, "AWS_PROFILE");
    assert_string_equal(c.exec.env[0].value, "prod");
    assert_string_equal(c.exec.env[1].name, "EMPTY");
    assert_string_equal(c.exec.env[1].value, "");
    ebb_kube_config_release(&c);

    /* A bare command name is looked up in PATH, not resolved. */
    assert_int_equal(
        ebb_kube_config_load(FIX "/config.yaml", "exec-path", &env, &c, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.exec.command, "my-plugin");
    assert_string_equal(c.exec.api_version, "client.authentication.k8s.io/v1beta1");
    assert_null(c.exec.install_hint);
    assert_false(c.exec.provide_cluster_info);
    assert_int_equal(c.exec.n_args, 0);
    ebb_kube_config_release(&c);
    ebb_kube_config_release(&c); /* releasing twice is harmless */
    ebb_kube_config_release(NULL);
}

/* ---- YAML and URL forms kubectl accepts ------------------------------------ */

#define CTX_X "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"

static void test_inline_ok(void **state)
{
    static const struct {
        const char *name;
        const char *yaml;
        const char *context;
        struct want w;
    } cases[] = {
        {"anchors, aliases and merge keys",
         "current-context: x\n"
         "clusters:\n"
         "- name: a\n"
         "  cluster: &base\n"
         "    server: https://a.example\n"
         "    certificate-authority: ca.pem\n"
         "- name: c\n"
         "  cluster:\n"
         "    <<: *base\n"
         "    server: https://c.example\n"
         "users:\n"
         "- {name: u, user: {token: &tok t0k}}\n"
         "contexts:\n"
         "- name: x\n"
         "  context: {cluster: c, user: u, namespace: *tok}\n",
         NULL,
         {.context = "x",
          .server = "https://c.example",
          .ca_file = "{dir}/ca.pem",
          .token = "t0k",
          .namespace_ = "t0k"}},
        {"YAML 1.1 booleans (go-yaml v2)",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'https://h', insecure-skip-tls-verify: "
               "yes}}\nusers:\n- {name: u, user: {token: t}}\n",
         NULL,
         {.context = "x",
          .server = "https://h",
          .insecure = true,
          .token = "t",
          .namespace_ = "default",
          .warning = "{f}: clusters[0].cluster.insecure-skip-tls-verify is true: the server's "
                     "certificate is not verified"}},
        /* client-go's IsConfigTransportTLS: host:port with a CA (file or data) or
         * insecure-skip-tls-verify is https, and the credentials go. */
        {"host:port with a CA becomes https, with credentials",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'h.example:6443', certificate-authority: "
               "ca.pem}}\nusers:\n- {name: u, user: {token: t}}\n",
         NULL,
         {.context = "x",
          .server = "https://h.example:6443",
          .ca_file = "{dir}/ca.pem",
          .token = "t",
          .namespace_ = "default"}},
        {"host:port with CA data becomes https, with credentials",
         CTX_X
         "clusters:\n- {name: c, cluster: {server: 'h.example', certificate-authority-data: " CA_B64
         "}}\nusers:\n- {name: u, user: {username: a, password: b}}\n",
         NULL,
         {.context = "x",
          .server = "https://h.example",
          .ca_data_len = 33,
          .username = "a",
          .password = "b",
          .namespace_ = "default"}},
        {"host:port with insecure-skip-tls-verify becomes https, with credentials",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'h.example:6443', "
               "insecure-skip-tls-verify: true}}\nusers:\n- {name: u, user: {token: t}}\n",
         NULL,
         {.context = "x",
          .server = "https://h.example:6443",
          .insecure = true,
          .token = "t",
          .namespace_ = "default",
          .warning = "{f}: clusters[0].cluster.insecure-skip-tls-verify is true: the server's "
                     "certificate is not verified"}},
        {"host:port without TLS settings is http",
         "current-context: x\ncontexts:\n- {name: x, context: {cluster: c}}\nclusters:\n- "
         "{name: c, cluster: {server: 'localhost:8080'}}\n",
         NULL,
         {.context = "x", .server = "http://localhost:8080", .namespace_ = "default"}},
        {"host:port without TLS settings is http: no credentials",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'localhost:8080', tls-server-name: "
               "h.example}}\nusers:\n- {name: u, user: {token: t}}\n",
         NULL,
         {.context = "x",
          .server = "http://localhost:8080",
          .tls_server_name = "h.example",
          .namespace_ = "default",
          .warning = "{f}: users[0].user: credentials are not sent to server \"localhost:8080\"; "
                     "write it as https://"}},
        {"http:// gets no credentials",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'http://localhost:8001/'}}\nusers:\n- "
               "{name: u, user: {username: a, password: b}}\n",
         NULL,
         {.context = "x",
          .server = "http://localhost:8001",
          .namespace_ = "default",
          .warning = "{f}: users[0].user: credentials are not sent to server "
                     "\"http://localhost:8001/\"; write it as https://"}},
        {"http:// with a password in the URL: the warning hides it",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'http://adm:s3cret@localhost:8001'}}\n"
               "users:\n- {name: u, user: {token: t}}\n",
         NULL,
         {.context = "x",
          .server = "http://adm:s3cret@localhost:8001",
          .namespace_ = "default",
          .warning = "{f}: users[0].user: credentials are not sent to server "
                     "\"http://adm:***@localhost:8001\"; write it as https://"}},
        {"a path prefix is kept (Rancher), query and fragment dropped",
         "current-context: x\ncontexts:\n- {name: x, context: {cluster: c}}\nclusters:\n- "
         "{name: c, cluster: {server: 'HTTPS://rancher.example/k8s/clusters/c-1/?x=1#f'}}\n",
         NULL,
         {.context = "x",
          .server = "https://rancher.example/k8s/clusters/c-1",
          .namespace_ = "default"}},
        {"token and tokenFile: both kept, the file is not needed",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'https://h'}}\nusers:\n- {name: u, user: "
               "{token: t, tokenFile: gone/token}}\n",
         NULL,
         {.context = "x",
          .server = "https://h",
          .token = "t",
          .token_file = "{dir}/gone/token",
          .namespace_ = "default"}},
        {"absolute paths are kept as written",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'https://h', certificate-authority: "
               "'{dir}/./ca.pem'}}\nusers:\n- {name: u, user: {client-certificate: "
               "'{dir}/client.pem', client-key: '../kubeconfig/client-key.pem'}}\n",
         NULL,
         {.context = "x",
          .server = "https://h",
          .ca_file = "{dir}/./ca.pem",
          .cert_file = "{dir}/client.pem",
          .key_file = "{dir}/client-key.pem",
          .namespace_ = "default"}},
        {"nulls, empty strings, unknown fields and a context without a user",
         "apiVersion: v1\nkind: Config\npreferences: {colors: true}\nextensions: []\n"
         "current-context: x\nusers:\nclusters:\n- name: c\n  cluster:\n    server: "
         "https://h\n    disable-compression: true\n    future-field: [1, 2]\n"
         "contexts:\n- name: x\n  context: {cluster: c, namespace: '', user: ~}\n",
         NULL,
         {.context = "x", .server = "https://h", .namespace_ = "default"}},
        {"a quoted number is a string",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'https://h'}}\nusers:\n- {name: u, user: "
               "{token: \"12345\", username: null}}\n",
         NULL,
         {.context = "x", .server = "https://h", .token = "12345", .namespace_ = "default"}},
        {"v1beta1 exec needs no interactiveMode",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'https://h'}}\nusers:\n- name: u\n  "
               "user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, "
               "args: [eks, get-token, ~]}\n",
         NULL,
         {.context = "x", .server = "https://h", .has_exec = true, .namespace_ = "default"}},
        {"--context wins over current-context",
         "current-context: x\nclusters:\n- {name: c, cluster: {server: 'https://h'}}\n"
         "contexts:\n- {name: x, context: {cluster: missing}}\n- {name: z, context: {cluster: c, "
         "namespace: kube-system}}\n",
         "z",
         {.context = "z", .server = "https://h", .namespace_ = "kube-system"}},
        {"broken entries that are not used do not matter",
         CTX_X "clusters:\n- {name: c, cluster: {server: 'https://h'}}\n- {name: d, cluster: "
               "{}}\nusers:\n- {name: u, user: {token: t}}\n- {name: v, user: "
               "{client-key: nope.pem, auth-provider: {name: gcp}}}\n",
         NULL,
         {.context = "x", .server = "https://h", .token = "t", .namespace_ = "default"}},
    };
    struct fx *f = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_kube_config c;
        char yaml[4096], err[1024];
        expand(f, cases[i].yaml, yaml, sizeof(yaml));
        enum ebb_rc rc = ebb_kube_config_parse(yaml, strlen(yaml), INLINE, cases[i].context, &c,
                                               err, sizeof(err));
        if (rc != EBB_OK)
            fail_msg("%s: %s", cases[i].name, err);
        check(f, cases[i].name, &c, &cases[i].w);
        assert_string_equal(c.source, INLINE);
        ebb_kube_config_release(&c);
    }
}

/* ---- broken kubeconfigs ---------------------------------------------------- */

#define CL_OK "clusters:\n- {name: c, cluster: {server: 'https://h'}}\n"
#define U_TOKEN "users:\n- {name: u, user: {token: t}}\n"

static void test_broken(void **state)
{
    static const struct {
        const char *name;
        const char *yaml;
        const char *context;
        enum ebb_rc rc;
        const char *message;
    } cases[] = {
        {"YAML syntax", "clusters: [a, b\n", NULL, EBB_ERR_PARSE,
         "{f}: line 2 column 1: YAML: did not find expected ',' or ']', while parsing a flow "
         "sequence"},
        {"undefined alias", "users: *nope\n", NULL, EBB_ERR_PARSE,
         "{f}: line 1 column 8: YAML: found undefined alias"},
        {"not a mapping", "- a\n", NULL, EBB_ERR_PARSE,
         "{f}: not a kubeconfig: the top level is a list, not a mapping of apiVersion, clusters, "
         "users, contexts"},
        {"apiVersion", "apiVersion: v2\n", NULL, EBB_ERR_INVALID,
         "{f}: apiVersion: \"v2\" is not a kubeconfig version; want v1"},
        {"kind", "apiVersion: v1\nkind: Pod\n", NULL, EBB_ERR_INVALID,
         "{f}: kind: \"Pod\" is not a kubeconfig; want Config"},
        {"a number for a string", "clusters:\n- name: c\n  cluster: {server: 6443}\n", NULL,
         EBB_ERR_PARSE,
         "{f}: clusters[0].cluster.server: want a string, not a number (6443); put it in quotes"},
        /* A token, password, key or env value is never shown: it is a secret. */
        {"a boolean for a token", "users:\n- name: u\n  user: {token: yes}\n", NULL, EBB_ERR_PARSE,
         "{f}: users[0].user.token: want a string, not a boolean; put it in quotes"},
        {"a number for a password", "users:\n- name: u\n  user: {username: a, password: 990123}\n",
         NULL, EBB_ERR_PARSE,
         "{f}: users[0].user.password: want a string, not a number; put it in quotes"},
        {"a number for an exec env value",
         "users:\n- name: u\n  user: {exec: {command: x, env: [{name: K, value: 990123}]}}\n", NULL,
         EBB_ERR_PARSE,
         "{f}: users[0].user.exec.env[0].value: want a string, not a number; put it in quotes"},
        {"bad base64 in client-key-data",
         "users:\n- {name: u, user: {client-key-data: 'QUJD%D'}}\n", NULL, EBB_ERR_PARSE,
         "{f}: users[0].user.client-key-data: not valid base64: a bad character at offset 4"},
        {"a mapping for a string", "current-context: {a: b}\n", NULL, EBB_ERR_PARSE,
         "{f}: current-context: want a string, not a mapping"},
        {"clusters not a list", "clusters: {a: 1}\n", NULL, EBB_ERR_PARSE,
         "{f}: clusters: want a list, not a mapping"},
        {"list item not a mapping", "clusters: [x]\n", NULL, EBB_ERR_PARSE,
         "{f}: clusters[0]: want a mapping, not a string"},
        {"user not a mapping", "users:\n- name: u\n  user: [a]\n", NULL, EBB_ERR_PARSE,
         "{f}: users[0].user: want a mapping, not a list"},
        {"a name twice in one file",
         "clusters:\n- {name: c, cluster: {server: 'https://a'}}\n- {name: c, cluster: {}}\n", NULL,
         EBB_ERR_INVALID, "{f}: clusters[1].name: \"c\" is already defined by clusters[0]"},
        {"duplicate key", "users:\n- name: u\n  user:\n    token: a\n    token: b\n", NULL,
         EBB_ERR_PARSE, "{f}: users[0].user.token: duplicate key (line 4 and line 5)"},
        {"bad base64",
         "clusters:\n- {name: c, cluster: {server: 'https://h', certificate-authority-data: "
         "'QUJD%'}}\n",
         NULL, EBB_ERR_PARSE,
         "{f}: clusters[0].cluster.certificate-authority-data: not valid base64: '%' at offset 4"},
        {"base64 cut short", "users:\n- {name: u, user: {client-key-data: QUJ}}\n", NULL,
         EBB_ERR_PARSE,
         "{f}: users[0].user.client-key-data: not valid base64: it ends inside a group of 4"},
        {"base64 that is no PEM",
         CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'https://h', "
                       "certificate-authority-data: aGVsbG8=}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: clusters[0].cluster.certificate-authority-data: no PEM block (-----BEGIN ...) in "
         "the 5 decoded bytes; it must be the base64 of a PEM file"},
        {"a quoted boolean",
         "clusters:\n- {name: c, cluster: {server: 'https://h', insecure-skip-tls-verify: "
         "'true'}}\n",
         NULL, EBB_ERR_PARSE,
         "{f}: clusters[0].cluster.insecure-skip-tls-verify: want true or false, not a string"},
        {"no server", CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {}}\n", NULL, EBB_ERR_INVALID,
         "{f}: clusters[0].cluster.server: missing; set it to the API server's URL "
         "(https://host:port)"},
        {"a cluster entry without its cluster", CTX_X U_TOKEN "clusters:\n- name: c\n", NULL,
         EBB_ERR_INVALID,
         "{f}: clusters[0].cluster.server: missing; set it to the API server's URL "
         "(https://host:port)"},
        {"certificate-authority file missing",
         CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'https://h', "
                       "certificate-authority: missing.pem}}\n",
         NULL, EBB_ERR_IO,
         "{f}: clusters[0].cluster.certificate-authority: file {dir}/missing.pem: No such file or "
         "directory"},
        {"certificate-authority is a folder",
         CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'https://h', "
                       "certificate-authority: exec}}\n",
         NULL, EBB_ERR_IO,
         "{f}: clusters[0].cluster.certificate-authority: file {dir}/exec: is a directory"},
        {"CA file and data",
         CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'https://h', "
                       "certificate-authority: ca.pem, certificate-authority-data: " CA_B64 "}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: clusters[0].cluster: both certificate-authority and certificate-authority-data "
         "are set; keep one"},
        {"insecure with a CA",
         CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'https://h', "
                       "insecure-skip-tls-verify: true, certificate-authority-data: " CA_B64 "}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: clusters[0].cluster: insecure-skip-tls-verify is true and a certificate authority "
         "is set; keep one"},
        {"proxy-url",
         CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'https://h', proxy-url: "
                       "'http://proxy:3128'}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: clusters[0].cluster.proxy-url: not supported; remove it (ebb connects to the "
         "server directly)"},
        {"certificate without key",
         CTX_X CL_OK "users:\n- {name: u, user: {client-certificate-data: " CA_B64 "}}\n", NULL,
         EBB_ERR_INVALID,
         "{f}: users[0].user: client-certificate-data is set without client-key or "
         "client-key-data"},
        {"key without certificate",
         CTX_X CL_OK "users:\n- {name: u, user: {client-key: client-key.pem}}\n", NULL,
         EBB_ERR_INVALID,
         "{f}: users[0].user: client-key is set without client-certificate or "
         "client-certificate-data"},
        {"certificate file and data",
         CTX_X CL_OK "users:\n- {name: u, user: {client-certificate: client.pem, "
                     "client-certificate-data: " CA_B64 ", client-key: client-key.pem}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user: both client-certificate and client-certificate-data are set; keep "
         "one"},
        {"key file and data",
         CTX_X CL_OK "users:\n- {name: u, user: {client-certificate: client.pem, client-key: "
                     "client-key.pem, client-key-data: " CA_B64 "}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user: both client-key and client-key-data are set; keep one"},
        {"key file missing",
         CTX_X CL_OK "users:\n- {name: u, user: {client-certificate: client.pem, client-key: "
                     "k.pem}}\n",
         NULL, EBB_ERR_IO,
         "{f}: users[0].user.client-key: file {dir}/k.pem: No such file or directory"},
        {"certificate file missing",
         CTX_X CL_OK "users:\n- {name: u, user: {client-certificate: sub/../c.pem, client-key: "
                     "client-key.pem}}\n",
         NULL, EBB_ERR_IO,
         "{f}: users[0].user.client-certificate: file {dir}/c.pem: No such file or directory"},
        {"key data that is no PEM",
         CTX_X CL_OK "users:\n- {name: u, user: {client-certificate: client.pem, "
                     "client-key-data: aGVsbG8=}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user.client-key-data: no PEM block (-----BEGIN ...) in the 5 decoded "
         "bytes; it must be the base64 of a PEM file"},
        {"token and basic auth", CTX_X CL_OK "users:\n- {name: u, user: {token: t, password: p}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user: more than one authentication method (token and "
         "username/password); keep one"},
        {"tokenFile missing", CTX_X CL_OK "users:\n- {name: u, user: {tokenFile: nope.txt}}\n",
         NULL, EBB_ERR_IO,
         "{f}: users[0].user.tokenFile: file {dir}/nope.txt: No such file or directory"},
        {"exec v1alpha1",
         CTX_X CL_OK "users:\n- {name: u, user: {exec: {command: x, apiVersion: "
                     "client.authentication.k8s.io/v1alpha1}}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user.exec.apiVersion: \"client.authentication.k8s.io/v1alpha1\" is not "
         "supported; use client.authentication.k8s.io/v1 or "
         "client.authentication.k8s.io/v1beta1"},
        {"exec without apiVersion", CTX_X CL_OK "users:\n- {name: u, user: {exec: {command: x}}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user.exec.apiVersion: missing; use client.authentication.k8s.io/v1 or "
         "client.authentication.k8s.io/v1beta1"},
        {"exec without command",
         CTX_X CL_OK "users:\n- {name: u, user: {exec: {apiVersion: "
                     "client.authentication.k8s.io/v1beta1}}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user.exec.command: missing; name the credential plugin"},
        {"exec v1 without interactiveMode",
         CTX_X CL_OK "users:\n- {name: u, user: {exec: {command: x, apiVersion: "
                     "client.authentication.k8s.io/v1}}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user.exec.interactiveMode: required with client.authentication.k8s.io/v1; "
         "use Never (ebb never runs a plugin interactively)"},
        {"exec interactiveMode unknown",
         CTX_X CL_OK "users:\n- {name: u, user: {exec: {command: x, interactiveMode: Sometimes, "
                     "apiVersion: client.authentication.k8s.io/v1}}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user.exec.interactiveMode: \"Sometimes\" is not one of Never, "
         "IfAvailable, Always"},
        {"exec env without name", "users:\n- {name: u, user: {exec: {env: [{value: v}]}}}\n", NULL,
         EBB_ERR_PARSE,
         "{f}: users[0].user.exec.env[0].name: missing; every env entry needs a name"},
        {"exec env name with =", "users:\n- {name: u, user: {exec: {env: [{name: 'A=B'}]}}}\n",
         NULL, EBB_ERR_PARSE, "{f}: users[0].user.exec.env[0].name: \"A=B\" contains '='"},
        {"exec args number", "users:\n- {name: u, user: {exec: {args: [--ttl, 3600]}}}\n", NULL,
         EBB_ERR_PARSE,
         "{f}: users[0].user.exec.args[1]: want a string, not a number (3600); put it in quotes"},
        {"exec provideClusterInfo not a boolean",
         "users:\n- {name: u, user: {exec: {provideClusterInfo: [x]}}}\n", NULL, EBB_ERR_PARSE,
         "{f}: users[0].user.exec.provideClusterInfo: want true or false, not a list"},
        {"auth-provider", CTX_X CL_OK "users:\n- {name: u, user: {auth-provider: {name: gcp}}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user.auth-provider: not supported; use an exec credential plugin (exec) "
         "instead"},
        {"impersonation", CTX_X CL_OK "users:\n- {name: u, user: {token: t, as-groups: [a]}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: users[0].user.as-groups: impersonation is not supported; remove it"},
        {"context without cluster", "current-context: x\ncontexts:\n- {name: x, context: {}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: contexts[0].context.cluster: missing; name one of the clusters"},
        {"context naming a missing cluster",
         "current-context: x\nclusters:\n- {name: a, cluster: {}}\n- {name: b, cluster: "
         "{}}\ncontexts:\n- {name: w, context: {}}\n- {name: x, context: {cluster: c}}\n",
         NULL, EBB_ERR_NOTFOUND,
         "{f}: contexts[1].context.cluster: cluster \"c\" is not defined (clusters: \"a\", "
         "\"b\")"},
        {"context naming a missing user", CTX_X CL_OK, NULL, EBB_ERR_NOTFOUND,
         "{f}: contexts[0].context.user: user \"u\" is not defined (users: none)"},
        {"--context naming a missing context", CTX_X CL_OK U_TOKEN, "prod", EBB_ERR_NOTFOUND,
         "--context: context \"prod\" is not defined in {f} (contexts: \"x\")"},
        {"current-context naming a missing context",
         "current-context: prod\ncontexts:\n- {name: x, context: {}}\n- {name: z, context: {}}\n",
         NULL, EBB_ERR_NOTFOUND,
         "{f}: current-context: context \"prod\" is not defined (contexts: \"x\", \"z\")"},
        {"y is a boolean in YAML 1.1", "contexts:\n- {name: x, context: {}}\n- {name: y}\n", NULL,
         EBB_ERR_PARSE,
         "{f}: contexts[1].name: want a string, not a boolean (y); put it in quotes"},
        {"no current-context", "contexts:\n- {name: x, context: {}}\n", NULL, EBB_ERR_INVALID,
         "{f}: current-context is not set; pass --context (contexts: \"x\")"},
        {"empty file", "", NULL, EBB_ERR_INVALID,
         "{f}: current-context is not set; pass --context (contexts: none)"},
        {"only comments", "# nothing here\n", NULL, EBB_ERR_INVALID,
         "{f}: current-context is not set; pass --context (contexts: none)"},
        {"server scheme", CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'ftp://h'}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: clusters[0].cluster.server: \"ftp://h\" has a scheme other than https:// or "
         "http://"},
        {"server without host",
         CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'https:///api'}}\n", NULL,
         EBB_ERR_INVALID,
         "{f}: clusters[0].cluster.server: \"https:///api\" has no host; want https://host:port"},
        {"host:port with a path",
         CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'h:6443/api'}}\n", NULL,
         EBB_ERR_INVALID,
         "{f}: clusters[0].cluster.server: \"h:6443/api\" must be a URL "
         "(https://host:port/path) or host:port"},
        {"server with a space",
         CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'https://h ost'}}\n", NULL,
         EBB_ERR_INVALID,
         "{f}: clusters[0].cluster.server: \"https://h ost\" contains a space or a control "
         "character"},
        {"server password never shown",
         CTX_X U_TOKEN
         "clusters:\n- {name: c, cluster: {server: 'https://adm:s3cret@h ost:6443'}}\n",
         NULL, EBB_ERR_INVALID,
         "{f}: clusters[0].cluster.server: \"https://adm:***@h ost:6443\" contains a space or a "
         "control character"},
        {"server password never shown, an '@' in it",
         CTX_X U_TOKEN "clusters:\n- {name: c, cluster: {server: 'ftp://a:p@ss@h/x@y'}}\n", NULL,
         EBB_ERR_INVALID,
         "{f}: clusters[0].cluster.server: \"ftp://a:***@h/x@y\" has a scheme other than https:// "
         "or http://"},
        {"NUL in a string", "users:\n- {name: u, user: {token: \"a\\0b\"}}\n", NULL, EBB_ERR_PARSE,
         "{f}: users[0].user.token: contains a NUL character"},
        {"merge key cycle", "clusters:\n- &c {name: c, <<: *c}\n", NULL, EBB_ERR_LIMIT,
         "{f}: clusters[0]: merge keys (<<) nested more than 8 deep"},
        {"merge key to a scalar", "clusters:\n- {name: c, <<: x}\n", NULL, EBB_ERR_PARSE,
         "{f}: clusters[0]: a merge key (<<) must name a mapping"},
    };
    struct fx *f = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_kube_config c;
        char yaml[4096], want[4096], err[1024];
        expand(f, cases[i].yaml, yaml, sizeof(yaml));
        expand(f, cases[i].message, want, sizeof(want));
        /* The "NUL in a string" case spells \0 as a YAML escape, not a byte. */
        enum ebb_rc rc = ebb_kube_config_parse(yaml, strlen(yaml), INLINE, cases[i].context, &c,
                                               err, sizeof(err));
        assert_null(strstr(err, "990123")); /* the secrets of the table */
        if (rc != cases[i].rc || strcmp(err, want) != 0)
            fail_msg("%s: rc %d (want %d)\n  want \"%s\"\n  got  \"%s\"", cases[i].name, rc,
                     cases[i].rc, want, err);
        /* On error out is empty: nothing to release, and releasing is harmless. */
        assert_null(c.server);
        assert_null(c.source);
        ebb_kube_config_release(&c);
    }
}

static void test_broken_file(void **state)
{
    struct ebb_kube_env env = {0};
    struct ebb_kube_config c;
    char err[1024];
    (void)state;

    env.kubeconfig = FIX "/broken.yaml";
    assert_int_equal(ebb_kube_config_load(NULL, NULL, &env, &c, err, sizeof(err)), EBB_ERR_INVALID);
    assert_string_equal(err, FIX "/broken.yaml: users[0].user: client-certificate is set without "
                                 "client-key or client-key-data");
    /* A file that is not YAML at all. */
    assert_int_equal(ebb_kube_config_load(FIX "/ca.pem", NULL, &env, &c, err, sizeof(err)),
                     EBB_ERR_PARSE);
    assert_string_equal(err, FIX "/ca.pem: not a kubeconfig: the top level is a string, not a "
                                 "mapping of apiVersion, clusters, users, contexts");
}

/* ---- merging KUBECONFIG ------------------------------------------------------ */

static void test_merge(void **state)
{
    static const struct {
        const char *context;
        struct want w;
    } cases[] = {
        /* merge-b.yaml's current-context; its b-ctx wins over merge-c.yaml's;
         * cluster "shared" and user "shared-user" come from merge-a.yaml. */
        {NULL,
         {.context = "b-ctx",
          .server = "https://a.example:6443",
          .ca_file = "{dir}/ca.pem",
          .token = "token-from-a",
          .namespace_ = "default"}},
        {"a-ctx",
         {.context = "a-ctx",
          .server = "https://a.example:6443",
          .ca_file = "{dir}/ca.pem",
          .token = "token-from-a",
          .namespace_ = "from-a"}},
        {"b-only-ctx",
         {.context = "b-only-ctx",
          .server = "https://b-only.example",
          .insecure = true,
          .username = "bob",
          .password = "pw",
          .namespace_ = "from-b",
          .warning = FIX "/merge-b.yaml: clusters[1].cluster.insecure-skip-tls-verify is true: "
                         "the server's certificate is not verified"}},
        /* Relative paths of merge-c.yaml resolve against nested/. */
        {"c-ctx",
         {.context = "c-ctx",
          .server = "https://c.example",
          .ca_file = "{dir}/ca.pem",
          .token_file = "{dir}/token.txt",
          .namespace_ = "from-c"}},
        {"c-exec-ctx",
         {.context = "c-exec-ctx",
          .server = "https://c.example",
          .ca_file = "{dir}/ca.pem",
          .has_exec = true,
          .namespace_ = "default"}},
    };
    struct fx *f = *state;
    struct ebb_kube_env env = {0};
    size_t i;

    /* Empty entries, a missing file and a repeated file are skipped. */
    env.kubeconfig = FIX "/merge-a.yaml::" FIX "/merge-b.yaml:" FIX "/missing.yaml:" FIX
                         "/nested/merge-c.yaml:" FIX "/merge-a.yaml:";
    env.home = "/nonexistent";
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ebb_kube_config c;
        char err[1024], want[2048];
        enum ebb_rc rc = ebb_kube_config_load(NULL, cases[i].context, &env, &c, err, sizeof(err));
        if (rc != EBB_OK)
            fail_msg("%s: %s", cases[i].w.context, err);
        check(f, cases[i].w.context, &c, &cases[i].w);
        assert_string_equal(c.source,
                            FIX "/merge-a.yaml:" FIX "/merge-b.yaml:" FIX "/nested/merge-c.yaml");
        if (c.has_exec) {
            expand(f, "{dir}/exec/token-v1beta1.sh", want, sizeof(want));
            assert_string_equal(c.exec.command, want);
        }
        ebb_kube_config_release(&c);
    }

    /* A missing --context lists the contexts of every file, each once. */
    {
        struct ebb_kube_config c;
        char err[1024];
        assert_int_equal(ebb_kube_config_load(NULL, "prod", &env, &c, err, sizeof(err)),
                         EBB_ERR_NOTFOUND);
        assert_string_equal(err, "--context: context \"prod\" is not defined in " FIX
                                 "/merge-a.yaml:" FIX "/merge-b.yaml:" FIX
                                 "/nested/merge-c.yaml (contexts: \"a-ctx\", \"b-ctx\", "
                                 "\"b-only-ctx\", \"c-ctx\", \"c-exec-ctx\")");
    }
    /* --kubeconfig wins over KUBECONFIG and is not merged. */
    {
        struct ebb_kube_config c;
        char err[1024];
        assert_int_equal(
            ebb_kube_config_load(FIX "/nested/merge-c.yaml", NULL, &env, &c, err, sizeof(err)),
            EBB_OK);
        assert_string_equal(c.context, "c-ctx");
        assert_string_equal(c.source, FIX "/nested/merge-c.yaml");
        ebb_kube_config_release(&c);
    }
}

/* ---- which files ---------------------------------------------------------------- */

static void test_file_selection(void **state)
{
    struct fx *f = *state;
    struct ebb_kube_env env = {0};
    struct ebb_kube_config c;
    char err[1024], path[1024], dir[512];

    /* --kubeconfig naming a missing file is an error, unlike KUBECONFIG. */
    assert_int_equal(ebb_kube_config_load(FIX "/nope.yaml", NULL, &env, &c, err, sizeof(err)),
                     EBB_ERR_IO);
    assert_string_equal(err, "--kubeconfig " FIX "/nope.yaml: No such file or directory");
    assert_int_equal(ebb_kube_config_load(FIX, NULL, &env, &c, err, sizeof(err)), EBB_ERR_IO);
    assert_string_equal(err, "--kubeconfig " FIX ": Is a directory");

    /* Nothing at all. */
    assert_int_equal(ebb_kube_config_load(NULL, NULL, &env, &c, err, sizeof(err)),
                     EBB_ERR_NOTFOUND);
    assert_string_equal(err, "no kubeconfig: neither KUBECONFIG nor HOME is set, and not in a "
                             "cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are "
                             "not set); pass --kubeconfig");
    env.kubeconfig = "/nonexistent/a:/nonexistent/b";
    assert_int_equal(ebb_kube_config_load(NULL, NULL, &env, &c, err, sizeof(err)),
                     EBB_ERR_NOTFOUND);
    assert_string_equal(err, "no kubeconfig: /nonexistent/a, /nonexistent/b: not found, and not "
                             "in a cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
                             "are not set); pass --kubeconfig");

    /* ~/.kube/config when KUBECONFIG is unset or empty. */
    snprintf(dir, sizeof(dir), "%s/.kube", f->tmp);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/config", dir);
    write_file(path, "current-context: home\nclusters:\n- {name: c, cluster: {server: "
                     "https://home.example, certificate-authority: ca.crt}}\n"
                     "contexts:\n- {name: home, context: {cluster: c}}\n");
    snprintf(path, sizeof(path), "%s/ca.crt", dir);
    write_file(path, "-----BEGIN CERTIFICATE-----\n");
    env.kubeconfig = "";
    env.home = f->tmp;
    assert_int_equal(ebb_kube_config_load(NULL, NULL, &env, &c, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.server, "https://home.example");
    assert_string_equal(c.ca_file, path);
    snprintf(path, sizeof(path), "%s/.kube/config", f->tmp);
    assert_string_equal(c.source, path);
    ebb_kube_config_release(&c);
    snprintf(path, sizeof(path), "%s/.kube/config", f->tmp);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(ebb_kube_config_load(NULL, NULL, &env, &c, err, sizeof(err)),
                     EBB_ERR_NOTFOUND);
    expand(f, "no kubeconfig: ", dir, sizeof(dir));
    assert_true(strncmp(err, dir, strlen(dir)) == 0);
    assert_non_null(strstr(err, "/.kube/config: not found"));
}

/* ---- in-cluster ------------------------------------------------------------------- */

static void test_in_cluster(void **state)
{
    struct fx *f = *state;
    struct ebb_kube_env env = {0};
    struct ebb_kube_config c;
    char err[1024], sa[512], path[600], want[1024];

    snprintf(sa, sizeof(sa), "%s/sa", f->tmp);
    assert_int_equal(mkdir(sa, 0700), 0);
    env.service_host = "10.96.0.1";
    env.service_port = "443";
    env.sa_dir = sa;
    env.home = "/nonexistent";

    /* No token file: KUBERNETES_SERVICE_HOST is set, so say why it fails. */
    assert_int_equal(ebb_kube_config_load(NULL, NULL, &env, &c, err, sizeof(err)), EBB_ERR_IO);
    snprintf(want, sizeof(want),
             "in-cluster (KUBERNETES_SERVICE_HOST is set): service account token %s/token: No "
             "such file or directory",
             sa);
    assert_string_equal(err, want);

    snprintf(path, sizeof(path), "%s/token", sa);
    write_file(path, "sa-token\n");
    snprintf(path, sizeof(path), "%s/ca.crt", sa);
    write_file(path, "-----BEGIN CERTIFICATE-----\n");
    snprintf(path, sizeof(path), "%s/namespace", sa);
    write_file(path, "  autoscaling \n");
    assert_int_equal(ebb_kube_config_load(NULL, NULL, &env, &c, err, sizeof(err)), EBB_OK);
    assert_true(c.in_cluster);
    assert_string_equal(c.source, "in-cluster");
    assert_string_equal(c.context, "");
    assert_string_equal(c.server, "https://10.96.0.1:443");
    snprintf(path, sizeof(path), "%s/ca.crt", sa);
    assert_string_equal(c.ca_file, path);
    snprintf(path, sizeof(path), "%s/token", sa);
    assert_string_equal(c.token_file, path);
    assert_null(c.token); /* read (and re-read) through token_file */
    assert_string_equal(c.namespace_, "autoscaling");
    assert_null(c.warning);
    ebb_kube_config_release(&c);

    /* IPv6 service host, no ca.crt, no namespace file; KUBECONFIG files
     * that do not exist are skipped. */
    env.service_host = "fd00::1";
    env.kubeconfig = "/nonexistent/config";
    snprintf(path, sizeof(path), "%s/ca.crt", sa);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof(path), "%s/namespace", sa);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(ebb_kube_config_load(NULL, NULL, &env, &c, err, sizeof(err)), EBB_OK);
    assert_string_equal(c.server, "https://[fd00::1]:443");
    assert_null(c.ca_file);
    assert_string_equal(c.namespace_, "default");
    snprintf(want, sizeof(want),
             "/nonexistent/config: not found; using the in-cluster configuration\n"
             "in-cluster: %s/ca.crt: No such file or directory; the server is verified against "
             "the system's certificate authorities",
             sa);
    str_eq(f, "warning", c.warning, want);
    ebb_kube_config_release(&c);

    /* A kubeconfig without a context to use falls back to in-cluster too. */
    env.kubeconfig = FIX "/merge-a.yaml";
    assert_int_equal(ebb_kube_config_load(NULL, NULL, &env, &c, err, sizeof(err)), EBB_OK);
    assert_true(c.in_cluster);
    ebb_kube_config_release(&c);
    /* ... but --context asks for the kubeconfig. */
    assert_int_equal(ebb_kube_config_load(NULL, "a-ctx", &env, &c, err, sizeof(err)), EBB_OK);
    assert_false(c.in_cluster);
    assert_string_equal(c.server, "https://a.example:6443");
    ebb_kube_config_release(&c);
    /* A kubeconfig with a current-context is used even in a cluster. */
    env.kubeconfig = FIX "/config.yaml";
    assert_int_equal(ebb_kube_config_load(NULL, NULL, &env, &c, err, sizeof(err)), EBB_OK);
    assert_false(c.in_cluster);
    assert_string_equal(c.context, "token");
    ebb_kube_config_release(&c);
    /* --context and no kubeconfig at all: an error, not in-cluster. */
    env.kubeconfig = "/nonexistent/config";
    assert_int_equal(ebb_kube_config_load(NULL, "a-ctx", &env, &c, err, sizeof(err)),
                     EBB_ERR_NOTFOUND);
    (void)f;
}

static void test_env_from_process(void **state)
{
    struct ebb_kube_env env;
    (void)state;

    assert_int_equal(setenv("KUBECONFIG", "/a:/b", 1), 0);
    assert_int_equal(setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1), 0);
    assert_int_equal(unsetenv("KUBERNETES_SERVICE_PORT"), 0);
    ebb_kube_env_from_process(&env);
    assert_string_equal(env.kubeconfig, "/a:/b");
    assert_string_equal(env.service_host, "10.0.0.1");
    assert_null(env.service_port);
    assert_null(env.sa_dir);
    assert_ptr_equal(env.home, getenv("HOME"));
    unsetenv("KUBECONFIG");
    unsetenv("KUBERNETES_SERVICE_HOST");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_kinds),       cmocka_unit_test(test_exec_fields),
        cmocka_unit_test(test_inline_ok),        cmocka_unit_test(test_broken),
        cmocka_unit_test(test_broken_file),      cmocka_unit_test(test_merge),
        cmocka_unit_test(test_file_selection),   cmocka_unit_test(test_in_cluster),
        cmocka_unit_test(test_env_from_process),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
