/* run_flags.c -- the command line of `ebb run`: controller-runtime's flag
 * names, each also read from an EBB_* environment variable (a flag wins),
 * the --help text generated from the same table, and the checks. EDGE
 * (reads the environment, writes stderr).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../../pkg/api/v1alpha1/duration.h"
#include "run_internal.h"

/* F_DURATION: 1s to 1h (periods); F_TIMEOUT: above 0, at most 1h; F_FILE:
 * a path, checked after all flags are read (only the value that wins). */
enum flag_type { F_STR, F_BOOL, F_DURATION, F_TIMEOUT, F_DOUBLE, F_INT, F_FILE };

#define TOKEN_MAX (64u << 10)
#define CA_MAX (4u << 20)

struct flag {
    const char *name; /* without the leading "--" */
    enum flag_type type;
    size_t offset; /* into struct ebb_run_opts */
    const char *arg;
    const char *help;
};

#define OFF(f) offsetof(struct ebb_run_opts, f)

static const struct flag flags[] = {
    {"kubeconfig", F_STR, OFF(kubeconfig), "FILE",
     "kubeconfig to use; default $KUBECONFIG, then ~/.kube/config, then in-cluster"},
    {"context", F_STR, OFF(context), "NAME", "kubeconfig context; default its current-context"},
    {"namespace", F_STR, OFF(namespace_), "NS",
     "watch ScalingPolicies in this namespace only; default all namespaces"},
    {"leader-elect", F_BOOL, OFF(leader_elect), NULL,
     "elect a leader on a Lease so only one replica acts; default false"},
    {"leader-election-namespace", F_STR, OFF(leader_ns), "NS",
     "namespace of the Lease; default the kubeconfig's namespace"},
    {"leader-election-id", F_STR, OFF(leader_id), "NAME", "name of the Lease; default ebb-leader"},
    {"metrics-bind-address", F_STR, OFF(metrics_bind), "ADDR",
     "where /metrics is served; \"0\" disables it; default :8080"},
    {"health-probe-bind-address", F_STR, OFF(health_bind), "ADDR",
     "where /healthz and /readyz are served; \"0\" disables them; default :8081"},
    {"sync-period", F_DURATION, OFF(sync_period_ms), "DUR",
     "how often each policy is decided; a policy's spec.syncPeriod wins; default 15s"},
    {"dry-run", F_BOOL, OFF(dry_run), NULL,
     "decide and report in status, events and logs, but never scale"},
    {"log-format", F_STR, OFF(log_format), "text|json", "log line format; default text"},
    {"log-level", F_STR, OFF(log_level), "LEVEL", "debug, info, warn or error; default info"},
    {"kube-api-qps", F_DOUBLE, OFF(qps), "N",
     "requests per second to the API server (token bucket); default 20"},
    {"kube-api-burst", F_INT, OFF(burst), "N", "burst of the token bucket; default 30"},
    {"prometheus-address", F_STR, OFF(prometheus_address), "URL",
     "Prometheus for metrics of type Prometheus that name no address"},
    {"prometheus-bearer-token-file", F_FILE, OFF(prometheus_token_file), "FILE",
     "bearer token for --prometheus-address only (no other server gets it); re-read when "
     "the file changes; default none"},
    {"prometheus-ca-file", F_FILE, OFF(prometheus_ca_file), "FILE",
     "PEM CA bundle that verifies https:// Prometheus servers; default the system's CAs"},
    {"prometheus-timeout", F_TIMEOUT, OFF(prometheus_timeout_ms), "DUR",
     "time limit of one Prometheus query (connect and answer); default 10s"},
    {"max-concurrent-reconciles", F_INT, OFF(max_inflight), "N",
     "policies reconciled at once; default 64"},
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

void ebb_run_opts_default(struct ebb_run_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->leader_id = "ebb-leader";
    o->metrics_bind = ":8080";
    o->health_bind = ":8081";
    o->sync_period_ms = 15000;
    o->log_format = "text";
    o->log_level = "info";
    o->qps = 20;
    o->burst = 30;
    o->prometheus_timeout_ms = 10000;
    o->max_inflight = 64;
}

void ebb_run_usage(FILE *out)
{
    fprintf(out, "Usage: ebb run [flags]\n\n"
                 "Runs the controller: watches ScalingPolicies and keeps each target at the\n"
                 "replica count its metrics call for. Every flag can also be set with an\n"
                 "environment variable: --sync-period is EBB_SYNC_PERIOD; a flag wins.\n\n"
                 "Flags:\n");
    for (size_t i = 0; i < N_FLAGS; i++) {
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s", flags[i].name, flags[i].arg ? " " : "",
                 flags[i].arg ? flags[i].arg : "");
        fprintf(out, "  %-36s %s\n", left, flags[i].help);
    }
    fprintf(out, "\nExit status: 0 after SIGTERM or SIGINT, 1 when it fails while running,\n"
                 "2 for bad flags or configuration.\n");
}

/* "sync-period" -> "EBB_SYNC_PERIOD" */
static void env_name(const char *flag, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "EBB_");
    for (const char *p = flag; *p && n + 1 < cap; p++)
        out[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    out[n] = '\0';
}

static int set_value(struct ebb_run_opts *o, const struct flag *f, const char *v, const char *from)
{
    char *base = (char *)o + f->offset;
    char msg[256];
    char *end;

    switch (f->type) {
    case F_STR:
    case F_FILE:
        *(const char **)(void *)base = v;
        return 0;
    case F_BOOL:
        if (!v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
            *(bool *)(void *)base = true;
            return 0;
        }
        if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
            *(bool *)(void *)base = false;
            return 0;
        }
        fprintf(stderr, "ebb run: %s: \"%s\" is not true or false\n", from, v);
        return 2;
    case F_DURATION:
    case F_TIMEOUT: {
        int64_t ms = 0, lo = f->type == F_DURATION ? 1000 : 1;
        msg[0] = '\0';
        if (ebb_duration_parse(v, &ms, msg, sizeof(msg)) != EBB_OK || ms < lo || ms > 3600000) {
            fprintf(stderr, "ebb run: %s: \"%s\" is not a duration %s%s%s\n", from, v,
                    f->type == F_DURATION ? "from 1s to 1h" : "above 0 and at most 1h, such as 10s",
                    *msg ? ": " : "", msg);
            return 2;
        }
        *(int64_t *)(void *)base = ms;
        return 0;
    }
    case F_DOUBLE: {
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || !(d > 0) || d > 1e6) {
            fprintf(stderr, "ebb run: %s: \"%s\" is not a number above 0\n", from, v);
            return 2;
        }
        *(double *)(void *)base = d;
        return 0;
    }
    case F_INT: {
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || end == v || *end || n < 1 || n > 100000) {
            fprintf(stderr, "ebb run: %s: \"%s\" is not a whole number from 1 to 100000\n", from,
                    v);
            return 2;
        }
        *(int *)(void *)base = (int)n;
        return 0;
    }
    }
    return 2;
}

static const struct flag *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < N_FLAGS; i++)
        if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
            return &flags[i];
    return NULL;
}

/* ---- files ------------------------------------------------------------------------------- */

/* The whole file at path, at most max bytes, NUL-terminated. */
static int slurp(const char *path, size_t max, char **out, size_t *len, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    if (f == NULL) {
        snprintf(err, errsz, "%s: cannot read it: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (cap - n < 4096 + 1) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                snprintf(err, errsz, "%s: out of memory reading it", path);
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        size_t k = fread(buf + n, 1, cap - n - 1, f);
        n += k;
        if (n > max) {
            snprintf(err, errsz, "%s: larger than %zu KiB: is it the right file?", path, max >> 10);
            goto fail;
        }
        if (k == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errsz, "%s: cannot read it: %s", path, strerror(errno));
        goto fail;
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
fail:
    fclose(f);
    free(buf);
    return -1;
}

int ebb_run_read_token(const char *path, char **out, char *err, size_t errsz)
{
    char *buf;
    size_t len;
    *out = NULL;
    if (slurp(path, TOKEN_MAX, &buf, &len, err, errsz) != 0)
        return -1;
    size_t a = 0, b = len;
    while (a < b && isspace((unsigned char)buf[a]))
        a++;
    while (b > a && isspace((unsigned char)buf[b - 1]))
        b--;
    if (a == b) {
        snprintf(err, errsz, "%s: the file is empty: write the token in it", path);
        free(buf);
        return -1;
    }
    for (size_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(err, errsz,
                     "%s: byte %zu is a control character (0x%02x): a token is one line of "
                     "printable text",
                     path, i, c);
            free(buf);
            return -1;
        }
    }
    memmove(buf, buf + a, b - a);
    buf[b - a] = '\0';
    *out = buf;
    return 0;
}

int ebb_run_check_ca(const char *path, char *err, size_t errsz)
{
    char *buf;
    size_t len;
    int certs = 0, rc = -1;
    if (slurp(path, CA_MAX, &buf, &len, err, errsz) != 0)
        return -1;
    ERR_clear_error();
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    if (bio == NULL) {
        snprintf(err, errsz, "%s: out of memory reading it", path);
        free(buf);
        return -1;
    }
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        X509_free(x);
        certs++;
    }
    /* The loop ends at the end of the input ("no start line") or at a
     * certificate that does not decode. */
    unsigned long e = ERR_peek_last_error();
    bool at_end =
        e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
    if (!at_end) {
        char why[160];
        ERR_error_string_n(e, why, sizeof(why));
        snprintf(err, errsz, "%s: certificate %d is not valid PEM: %s", path, certs + 1, why);
    } else if (certs == 0) {
        snprintf(err, errsz,
                 "%s: no PEM certificate in it (a CA file holds one or more "
                 "\"-----BEGIN CERTIFICATE-----\" blocks)",
                 path);
    } else {
        rc = 0;
    }
    ERR_clear_error();
    BIO_free(bio);
    free(buf);
    return rc;
}

/* "--name", or the variable when the value came from the environment. */
static const char *source_name(const struct flag *f, bool from_env, char *buf, size_t cap)
{
    if (from_env)
        env_name(f->name, buf, cap);
    else
        snprintf(buf, cap, "--%s", f->name);
    return buf;
}

/* The checks of the F_FILE flags, on the values that won. */
static int check_files(const struct ebb_run_opts *o, const bool *from_env)
{
    char err[512], name[96];
    for (size_t i = 0; i < N_FLAGS; i++) {
        const struct flag *f = &flags[i];
        const char *path = *(const char *const *)(const void *)((const char *)o + f->offset);
        if (f->type != F_FILE || path == NULL || *path == '\0')
            continue;
        int rc;
        if (f->offset == OFF(prometheus_token_file)) {
            char *tok = NULL;
            rc = ebb_run_read_token(path, &tok, err, sizeof(err));
            free(tok);
        } else {
            rc = ebb_run_check_ca(path, err, sizeof(err));
        }
        if (rc != 0) {
            fprintf(stderr, "ebb run: %s: %s\n", source_name(f, from_env[i], name, sizeof(name)),
                    err);
            return 2;
        }
    }
    return 0;
}

int ebb_run_parse(int argc, char **argv, struct ebb_run_opts *o)
{
    char env[96];
    bool from_env[N_FLAGS];
    int rc;

    /* The environment first, so flags override it. */
    for (size_t i = 0; i < N_FLAGS; i++) {
        env_name(flags[i].name, env, sizeof(env));
        const char *v = getenv(env);
        from_env[i] = v && *v;
        if (v && *v && (rc = set_value(o, &flags[i], v, env)) != 0)
            return rc;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            ebb_run_usage(stdout);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "ebb run: unexpected argument \"%s\" (see ebb run --help)\n", a);
            return 2;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        const struct flag *f = find_flag(name, eq ? (size_t)(eq - name) : strlen(name));
        if (!f) {
            fprintf(stderr, "ebb run: unknown flag \"%s\" (see ebb run --help)\n", a);
            return 2;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v && f->type != F_BOOL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ebb run: --%s needs a value (%s)\n", f->name, f->arg);
                return 2;
            }
            v = argv[++i];
        }
        char from[80];
        snprintf(from, sizeof(from), "--%s", f->name);
        if ((rc = set_value(o, f, v, from)) != 0)
            return rc;
        from_env[f - flags] = false;
    }
    if (strcmp(o->log_format, "text") != 0 && strcmp(o->log_format, "json") != 0) {
        fprintf(stderr, "ebb run: --log-format: \"%s\" is not text or json\n", o->log_format);
        return 2;
    }
    if (ebb_run_log_level_parse(o->log_level) < 0) {
        fprintf(stderr, "ebb run: --log-level: \"%s\" is not debug, info, warn or error\n",
                o->log_level);
        return 2;
    }
    if (o->prometheus_address && *o->prometheus_address &&
        strncmp(o->prometheus_address, "http://", 7) != 0 &&
        strncmp(o->prometheus_address, "https://", 8) != 0) {
        fprintf(stderr, "ebb run: --prometheus-address: \"%s\" is not an http:// or https:// URL\n",
                o->prometheus_address);
        return 2;
    }
    if (o->prometheus_token_file && *o->prometheus_token_file &&
        !(o->prometheus_address && *o->prometheus_address)) {
        fprintf(stderr, "ebb run: --prometheus-bearer-token-file needs --prometheus-address: the "
                        "token is sent to that server only, never to an address a policy names\n");
        return 2;
    }
    return check_files(o, from_env);
}

int ebb_run_log_level_parse(const char *s)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0)
            return i;
    return -1;
}
