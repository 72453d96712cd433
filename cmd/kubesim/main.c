/*
 * kubesim -- a Kubernetes-API-compatible server with a workload and load
 * model, for Ebb's end-to-end tests and its demo. See docs/kubesim.md.
 */
#include "ks.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *out)
{
    fprintf(out,
            "kubesim: a Kubernetes API server with simulated workloads and metrics.\n"
            "\n"
            "Usage: kubesim --dir DIR [flags]\n"
            "\n"
            "Writes DIR/kubeconfig (admin), DIR/reader.kubeconfig, DIR/nobody.kubeconfig,\n"
            "DIR/admin-cert.kubeconfig, DIR/ca.crt and DIR/port, then serves until\n"
            "SIGINT or SIGTERM.\n"
            "\n"
            "Flags:\n"
            "  --dir DIR                  state directory (created if missing; required)\n"
            "  --bind ADDR                address to listen on (default 127.0.0.1)\n"
            "  --port N                   port (default 0: the kernel picks; see DIR/port)\n"
            "  --speed X                  simulated seconds per real second (default 1)\n"
            "  --metrics-resolution SECS  metrics sampling interval (default 15)\n"
            "  --pod-startup SECS         Pending -> Ready delay of a pod (default 5)\n"
            "  --pod-grace SECS           cap on a deleted pod's grace period (default 30)\n"
            "  --noise X                  relative noise on pod CPU usage (default 0)\n"
            "  --history N                changes kept for watch replay (default 10000)\n"
            "  --seed N                   random seed (default: from the clock)\n"
            "  --load NS/NAME=CURVE       offered load of a workload, repeatable; CURVE is\n"
            "                             constant:V, step:V0,V1@T1,..., sine:MIN:MAX:PERIOD,\n"
            "                             blackfriday:BASE:PEAK or trace:FILE.csv\n"
            "  --fault-500 P              answer a fraction P of API requests with 500\n"
            "  --fault-429 P              answer a fraction P with 429 + Retry-After\n"
            "  --fault-latency MS         delay every response by MS milliseconds\n"
            "  -h, --help                 this text\n");
}

/* "--name=value" or "--name value": the value, advancing *i; NULL when
 * argv[*i] is not this flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static bool parse_double(const char *flag, const char *v, double min, double *out)
{
    char *end;
    double d;

    errno = 0;
    d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= min)) {
        fprintf(stderr, "kubesim: %s: \"%s\" is not a number >= %g\n", flag, v, min);
        return false;
    }
    *out = d;
    return true;
}

struct load_flag {
    char *key, *curve;
};

struct flags {
    struct ks_config cfg;
    struct load_flag loads[64];
    int n_loads;
    double p500, p429, latency;
};

static int parse_flags(int argc, char **argv, struct flags *f)
{
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        double d;

        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 1;
        }
#define DBL(name, min, dst)                                                                        \
    if ((v = flag_value(argc, argv, &i, name, &missing))) {                                        \
        if (!parse_double(name, v, min, &d))                                                       \
            return 2;                                                                              \
        dst;                                                                                       \
        continue;                                                                                  \
    }
        if ((v = flag_value(argc, argv, &i, "--dir", &missing))) {
            f->cfg.dir = v;
            continue;
        }
        if ((v = flag_value(argc, argv, &i, "--bind", &missing))) {
            f->cfg.bind_addr = v;
            continue;
        }
        DBL("--port", 0, f->cfg.port = (int)d);
        DBL("--speed", 0.001, f->cfg.speed = d);
        DBL("--metrics-resolution", 0.001, f->cfg.metrics_resolution = d);
        DBL("--pod-startup", 0, f->cfg.pod_startup = d);
        DBL("--pod-grace", 0, f->cfg.pod_grace = d);
        DBL("--noise", 0, f->cfg.noise = d);
        DBL("--history", 1, f->cfg.history = (size_t)d);
        DBL("--seed", 0, f->cfg.seed = (uint64_t)d);
        DBL("--fault-500", 0, f->p500 = d);
        DBL("--fault-429", 0, f->p429 = d);
        DBL("--fault-latency", 0, f->latency = d);
#undef DBL
        if ((v = flag_value(argc, argv, &i, "--load", &missing))) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v || !strchr(v, '/') || strchr(v, '/') > eq) {
                fprintf(stderr, "kubesim: --load: \"%s\" is not NAMESPACE/NAME=CURVE\n", v);
                return 2;
            }
            if (f->n_loads == (int)(sizeof(f->loads) / sizeof(f->loads[0]))) {
                fprintf(stderr, "kubesim: --load: at most 64\n");
                return 2;
            }
            f->loads[f->n_loads].key = strndup(v, (size_t)(eq - v));
            f->loads[f->n_loads].curve = strdup(eq + 1);
            f->n_loads++;
            continue;
        }
        if (missing)
            fprintf(stderr, "kubesim: %s needs a value\n", argv[i]);
        else
            fprintf(stderr, "kubesim: unknown flag \"%s\" (see kubesim --help)\n", argv[i]);
        return 2;
    }
    if (f->cfg.port > 65535) {
        fprintf(stderr, "kubesim: --port: %d is not a port\n", f->cfg.port);
        return 2;
    }
    if (f->p500 > 1 || f->p429 > 1) {
        fprintf(stderr, "kubesim: --fault-500/--fault-429 take a fraction from 0 to 1\n");
        return 2;
    }
    if (!f->cfg.dir) {
        fprintf(stderr, "kubesim: --dir is required (where the kubeconfigs go)\n");
        return 2;
    }
    return 0;
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int write_port_file(const char *dir, int port)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/port", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fp = fopen(tmp, "w");
    if (!fp)
        return -1;
    fprintf(fp, "%d\n", port);
    if (fclose(fp) != 0)
        return -1;
    return rename(tmp, path);
}

int main(int argc, char **argv)
{
    static ks_sim sim; /* big; lives for the whole run */
    struct flags f;
    char err[512] = "", dir[PATH_MAX];
    int rc;

    memset(&f, 0, sizeof(f));
    ks_config_defaults(&f.cfg);
    rc = parse_flags(argc, argv, &f);
    if (rc) {
        for (int i = 0; i < f.n_loads; i++) {
            free(f.loads[i].key);
            free(f.loads[i].curve);
        }
        return rc == 1 ? 0 : 2;
    }

    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    /* Absolute, so the kubeconfigs work from any directory. */
    if (mkdir(f.cfg.dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "kubesim: cannot create %s: %s\n", f.cfg.dir, strerror(errno));
        return 1;
    }
    if (!realpath(f.cfg.dir, dir)) {
        fprintf(stderr, "kubesim: %s: %s\n", f.cfg.dir, strerror(errno));
        return 1;
    }
    f.cfg.dir = dir;

    rc = ks_sim_init(&sim, &f.cfg, true, err, sizeof(err));
    for (int i = 0; i < f.n_loads; i++) {
        char lerr[256] = "";
        if (rc == 0 && ks_load_set(sim.load, f.loads[i].key, f.loads[i].curve, ks_now(&sim), lerr,
                                   sizeof(lerr)) != 0) {
            snprintf(err, sizeof(err), "--load %s=%s: %s", f.loads[i].key, f.loads[i].curve, lerr);
            rc = 2;
        }
        free(f.loads[i].key);
        free(f.loads[i].curve);
    }
    if (rc) {
        fprintf(stderr, "kubesim: %s\n", err);
        ks_sim_destroy(&sim);
        return rc == 2 ? 2 : 1;
    }
    sim.faults.p500 = f.p500;
    sim.faults.p429 = f.p429;
    sim.faults.latency_ms = (int)f.latency;
    ks_http_set_latency(sim.http, (int)f.latency);

    int port = ks_http_port(sim.http);
    if (write_port_file(dir, port) != 0) {
        fprintf(stderr, "kubesim: cannot write %s/port: %s\n", dir, strerror(errno));
        ks_sim_destroy(&sim);
        return 1;
    }
    printf("kubesim: serving https://%s:%d (speed %gx)\n"
           "kubesim: kubectl --kubeconfig %s/kubeconfig get pods -A\n",
           f.cfg.bind_addr, port, f.cfg.speed, dir);
    fflush(stdout);

    rc = 0;
    while (!stop_flag) {
        sim.now_real = ks_real_now();
        if (ks_http_poll(sim.http, 20, sim.now_real) != 0) {
            fprintf(stderr, "kubesim: the listener failed; stopping\n");
            rc = 1;
            break;
        }
        sim.now_real = ks_real_now();
        ks_sim_tick(&sim);
    }
    ks_sim_destroy(&sim);
    if (rc == 0)
        printf("kubesim: stopped\n");
    return rc;
}
