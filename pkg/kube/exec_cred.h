/* exec_cred.h -- the credentials to send with each request, kept fresh. EDGE.
 *
 * The client keeps one struct ebb_kube_creds next to its ebb_kube_config
 * (always the same config) and calls ebb_kube_creds_get() before each
 * request, and again with force_refresh when a request came back 401. It
 * is cheap when nothing changed: a stat() of a token or certificate file,
 * or a look at the exec credential's expiry. What it yields, in client-go's
 * order:
 *
 *   - token: the inline token, or tokenFile (the service-account token in
 *     cluster), re-read whenever the file's inode, size or mtime changes
 *     (bound tokens rotate hourly; the kubelet swaps the file). With both,
 *     the file wins while it can be read, as client-go's round tripper. A
 *     file that cannot be read keeps the last token it gave. Sent as
 *     "Authorization: Bearer <token>".
 *   - client_cert_pem / client_key_pem: client-certificate(-data) and
 *     client-key(-data); files are re-read when they change.
 *   - username/password are not handled here: basic auth comes straight
 *     from cfg->username / cfg->password.
 *   - the exec plugin, only when the user has none of the above (client-go
 *     skips it then too). It is run when nothing is cached yet, when the
 *     cached credential has expired (now_ms >= expiry_ms), and on
 *     force_refresh; its token and/or certificate and key fill the same
 *     fields. The plugin gets our environment plus the kubeconfig's env and
 *     KUBERNETES_EXEC_INFO, stdin from /dev/null, and exec_timeout_ms to
 *     answer; its stdout is read up to 1 MiB, its stderr goes into the
 *     error message when it fails.
 *
 * serial changes whenever token, certificate or key changed, so the client
 * knows when to rebuild its TLS setup and drop pooled connections.
 * ebb_kube_creds_get() runs the exec plugin synchronously, waiting up to
 * exec_timeout_ms: it is for code off the event loop (and client start).
 * The client's loop uses the non-blocking run below instead: start it,
 * wait on its pipes with the loop's other fds, step it, and finish it.
 */
#ifndef EBB_KUBE_EXEC_CRED_H
#define EBB_KUBE_EXEC_CRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "kubeconfig.h"

#define EBB_KUBE_EXEC_TIMEOUT_MS 30000
#define EBB_KUBE_EXEC_MAX_OUTPUT (1u << 20)

/* What identifies a file's content without reading it. */
struct ebb_kube_file_sig {
    bool valid;
    uint64_t dev, ino, size;
    int64_t mtime_ns;
};

struct ebb_kube_creds {
    /* Results, owned by the struct, read-only for the caller; valid until
     * the next ebb_kube_creds_get() or ebb_kube_creds_release(). */
    char *token;           /* NULL: no bearer token */
    char *client_cert_pem; /* NULL: no client certificate */
    size_t client_cert_pem_len;
    char *client_key_pem;
    size_t client_key_pem_len;
    int64_t expiry_ms; /* when the exec credential expires (unix ms); 0: never */
    uint64_t serial;   /* bumped whenever token, certificate or key changed */

    /* Knob: set after init. 0 means EBB_KUBE_EXEC_TIMEOUT_MS. */
    int64_t exec_timeout_ms;

    /* Private. */
    struct ebb_kube_file_sig token_sig, cert_sig, key_sig;
    bool exec_cached;
    uint64_t exec_runs; /* how many times the plugin ran, for tests and logs */
};

void ebb_kube_creds_init(struct ebb_kube_creds *c);
/* Frees what c holds and re-initializes it. NULL is a no-op. */
void ebb_kube_creds_release(struct ebb_kube_creds *c);

/* Brings c up to date for cfg (see above). now_ms is the wall clock in unix
 * milliseconds (expirationTimestamp is wall time). On error c keeps what
 * it had, and err says what failed: "exec plugin \"aws\": exit code 255:
 * <its stderr>". */
enum ebb_rc ebb_kube_creds_get(struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                               int64_t now_ms, bool force_refresh, char *err, size_t errsz);

/* Added after the contract: the exec plugin run from an event loop. */
struct ebb_kube_exec_run;

/* Whether ebb_kube_creds_get() would run the exec plugin now (see above). */
bool ebb_kube_creds_exec_due(const struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                             int64_t now_ms, bool force_refresh);
/* Starts the plugin of cfg (counted in c->exec_runs; timeout from
 * c->exec_timeout_ms) and returns at once. now_mono_ms is the monotonic
 * clock. On error nothing runs and err says why. */
enum ebb_rc ebb_kube_exec_start(struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                                int64_t now_mono_ms, struct ebb_kube_exec_run **out /* OUT */,
                                char *err, size_t errsz);
/* Never blocks (but for reaping a plugin it kills): reads what the plugin
 * wrote (stdout up to 1 MiB), collects its exit, kills it at its deadline.
 * True once the run is over. */
bool ebb_kube_exec_step(struct ebb_kube_exec_run *r, int64_t now_mono_ms);
/* What to wait for before the next step: fills fds with up to 2 pipe fds
 * to poll for input and returns their count; *wait_ms is the longest wait
 * (the deadline, or a few ms while only the exit is awaited). */
size_t ebb_kube_exec_wait(const struct ebb_kube_exec_run *r, int64_t now_mono_ms, int fds[2],
                          int64_t *wait_ms /* OUT */);
/* After ebb_kube_exec_step() said it is over: parses the output into c as
 * ebb_kube_creds_get() does, with the same errors. Frees r. */
enum ebb_rc ebb_kube_exec_finish(struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                                 struct ebb_kube_exec_run *r, char *err, size_t errsz);
/* Kills (and reaps) a run still going, and frees it. NULL is a no-op. */
void ebb_kube_exec_abort(struct ebb_kube_exec_run *r);

/* A decoded ExecCredential. Strings are malloc'd; NULL when absent. */
struct ebb_kube_exec_result {
    char *token;
    char *client_cert_pem;
    size_t client_cert_pem_len;
    char *client_key_pem;
    size_t client_key_pem_len;
    int64_t expiry_ms; /* 0: no expirationTimestamp */
};

/* Parses a plugin's stdout as client-go does: an ExecCredential of exactly
 * api_version, with a status holding a token and/or a certificate and key
 * pair (both or neither), and an optional RFC 3339 expirationTimestamp.
 * On error out is empty and err says what is wrong with the output. */
enum ebb_rc ebb_kube_exec_credential_parse(const char *json, size_t len, const char *api_version,
                                           struct ebb_kube_exec_result *out /* OUT */, char *err,
                                           size_t errsz);
void ebb_kube_exec_result_release(struct ebb_kube_exec_result *r);

#endif
