/* client_auth.h -- who the client says it is, and whom it trusts. EDGE (libcurl, OpenSSL).
 *
 * Internal to client.c. Holds a private copy of the configuration (the
 * caller's may go away after ebb_kube_client_new()) and the credentials
 * of exec_cred.h kept fresh from it: bearer token (inline, token file,
 * exec plugin), client certificate and key (inline, files, exec plugin);
 * basic auth comes straight from the configuration. The CA and the client
 * certificate are checked with OpenSSL once, at init, because libcurl
 * reports a bad CA or key only when a request fails, in words that do not
 * name the kubeconfig field.
 */
#ifndef EBB_KUBE_CLIENT_AUTH_H
#define EBB_KUBE_CLIENT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/rc.h"
#include "backoff.h"
#include "exec_cred.h"
#include "kubeconfig.h"

/* First and longest wait before an exec plugin that failed is run again. */
#define EBB__KUBE_EXEC_BACKOFF_BASE_MS 1000
#define EBB__KUBE_EXEC_BACKOFF_CAP_MS 60000

struct ebb__kube_auth {
    struct ebb_kube_config cfg; /* deep copy */
    struct ebb_kube_creds creds;
    char *bearer; /* "Authorization: Bearer <creds.token>", or NULL */
    uint64_t bearer_serial;
    /* A failed exec plugin run is remembered: until exec_retry_ms
     * (monotonic) the plugin is not run again and a refresh that would run
     * it fails with exec_err at once. */
    struct ebb_backoff exec_bo;
    int exec_failures; /* in a row */
    int64_t exec_retry_ms;
    enum ebb_rc exec_rc;
    char exec_err[768];
    /* The plugin run under way (ebb__kube_auth_refresh_async), or NULL. */
    struct ebb_kube_exec_run *exec_run;
};

/* Copies cfg, fetches the credentials once and checks the TLS material: the
 * CA parses as PEM certificates, a client certificate comes with its key and
 * they match. A failing exec plugin is not an error here (it is run again
 * after the backoff; requests fail with its error meanwhile); anything else
 * is, with err naming the field. */
enum ebb_rc ebb__kube_auth_init(struct ebb__kube_auth *a, const struct ebb_kube_config *cfg,
                                char *err, size_t errsz);
void ebb__kube_auth_release(struct ebb__kube_auth *a);

/* Brings the credentials up to date (force: re-read the token file, re-run
 * the exec plugin). On failure the last good credentials stay; err says why.
 * After an exec plugin failed, it is not run again before a backoff
 * (1 s doubling to 60 s, +-20%): a refresh that would run it meanwhile
 * returns the last failure without running anything. */
enum ebb_rc ebb__kube_auth_refresh(struct ebb__kube_auth *a, bool force, char *err, size_t errsz);
/* The same for the event loop: never waits for the exec plugin. A refresh
 * that has to run it starts it (one run at a time, whoever asks) and sets
 * *pending; later calls move the run on and, once it is over, take its
 * credentials (or its failure, with the backoff above) and clear *pending.
 * While *pending the request must wait: ebb__kube_auth_wait() says for what. */
enum ebb_rc ebb__kube_auth_refresh_async(struct ebb__kube_auth *a, bool force,
                                         bool *pending /* OUT */, char *err, size_t errsz);
/* While a plugin runs: fills fds with the pipes to poll (returns how many)
 * and *wait_ms with the longest wait before the next refresh. Returns 0
 * with *wait_ms -1 when none runs. */
size_t ebb__kube_auth_wait(const struct ebb__kube_auth *a, int fds[2], int64_t *wait_ms /* OUT */);
/* True when a request cannot go out: the credentials come from an exec
 * plugin that has not given any yet. */
bool ebb__kube_auth_missing(const struct ebb__kube_auth *a);
/* Changes whenever the token, certificate or key changed. */
uint64_t ebb__kube_auth_serial(const struct ebb__kube_auth *a);
/* True when a 401 may be cured by fetching the credentials again. */
bool ebb__kube_auth_refreshable(const struct ebb__kube_auth *a);

/* The Authorization header line, or NULL (no token; basic auth is set by
 * ebb__kube_auth_apply()). */
const char *ebb__kube_auth_header(const struct ebb__kube_auth *a);
/* Sets the TLS (verification, CA, client certificate) and basic-auth
 * options of one easy handle (a CURL *). */
enum ebb_rc ebb__kube_auth_apply(const struct ebb__kube_auth *a, void *easy);

#endif
