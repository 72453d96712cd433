/* run_internal.h -- `ebb run`: its options and the pieces of run.c and
 * run_flags.c. EDGE.
 */
#ifndef EBB_CMD_RUN_INTERNAL_H
#define EBB_CMD_RUN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ebb_run_opts {
    const char *kubeconfig;
    const char *context;
    const char *namespace_; /* NULL or "": all */
    bool leader_elect;
    const char *leader_ns; /* NULL: the kubeconfig's namespace */
    const char *leader_id;
    const char *metrics_bind;
    const char *health_bind;
    int64_t sync_period_ms;
    bool dry_run;
    const char *log_format; /* "text" or "json" */
    const char *log_level;  /* "debug", "info", "warn", "error" */
    double qps;
    int burst;
    const char *prometheus_address;
    const char *prometheus_token_file; /* NULL or "": no Authorization header */
    const char *prometheus_ca_file;    /* NULL or "": the system's CAs */
    int64_t prometheus_timeout_ms;     /* per query; default 10 s */
    int max_inflight;
};

void ebb_run_opts_default(struct ebb_run_opts *o /* OUT */);
/* Reads EBB_* variables, then the flags. 0: go on; 1: --help was printed
 * (exit 0); 2: bad usage, said on stderr (exit 2). */
int ebb_run_parse(int argc, char **argv, struct ebb_run_opts *o);
void ebb_run_usage(FILE *out);
/* 0 debug, 1 info, 2 warn, 3 error; -1 when s is none of them. */
int ebb_run_log_level_parse(const char *s);

/* The bearer token in the file at path (--prometheus-bearer-token-file):
 * its content without leading and trailing white space, as client-go
 * reads a token file. 0 with *out malloc'ed; -1 with err saying why (it
 * cannot be read, is empty, larger than 64 KiB, or holds a character a
 * header cannot carry), *out NULL. */
int ebb_run_read_token(const char *path, char **out /* OUT */, char *err, size_t errsz);

/* 0 when the file at path (--prometheus-ca-file) can be read and holds at
 * least one PEM certificate, and only valid ones; -1 with err saying why. */
int ebb_run_check_ca(const char *path, char *err, size_t errsz);

#endif
