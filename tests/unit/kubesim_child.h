/* kubesim_child.h -- the real kubesim binary as a child process, for tests.
 *
 * Starts cmd/kubesim with --dir set to a fresh mkdtemp folder (plus the
 * caller's flags), waits until it has written DIR/port (the last file it
 * writes before serving), and stops it with SIGTERM (SIGKILL after 5 s)
 * and waitpid, removing the folder. The binary is $KUBESIM when set, else
 * the kubesim of the build the test program belongs to
 * (BUILD/tests/x -> BUILD/kubesim), else build/kubesim; tests run from
 * the repository root. kubesim runs in DIR/cwd (an empty folder) and its
 * output goes to DIR/kubesim.log. Linked
 * into every test program: keep it small.
 */
#ifndef EBBT_KUBESIM_CHILD_H
#define EBBT_KUBESIM_CHILD_H

#include <stddef.h>
#include <sys/types.h>

struct ebbt_kubesim {
    pid_t pid;      /* 0 when not running */
    char dir[256];  /* the state folder: kubeconfigs, tokens, ca.crt, port */
    char bin[1024]; /* the binary started */
    int port;
};

/* Starts kubesim with extra flags (argv-style, NULL-terminated; may be
 * NULL) and waits up to timeout_ms for DIR/port. 0 on success; -1 with err
 * set (the log's tail included when kubesim exited). */
int ebbt_kubesim_start(struct ebbt_kubesim *ks, const char *const *flags, int timeout_ms, char *err,
                       size_t errsz);
/* Stops it (if running) and removes its folder. Safe to call twice.
 * Returns kubesim's exit code (0 when it stopped cleanly; 128 + the signal
 * when one killed it), its log's tail on stderr when not 0; 0 when not running. */
int ebbt_kubesim_stop(struct ebbt_kubesim *ks);
/* "DIR/name" into buf; buf. */
const char *ebbt_kubesim_file(const struct ebbt_kubesim *ks, const char *name, char *buf,
                              size_t bufsz);

#endif
