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
#include "exec_cred.h"
#include "kubeconfig.h"

struct ebb__kube_auth {
    struct ebb_kube_config cfg; /* deep copy */
    struct ebb_kube_creds creds;
    char *bearer; /* "Authorization: Bearer <creds.token>", or NULL */
    uint64_t bearer_serial;
};

/* Copies cfg, fetches the credentials once and checks the TLS material: the
 * CA parses as PEM certificates, a client certificate comes with its key and
 * they match. A failing exec plugin is not an error here (the first request
 * runs it again); anything else is, with err naming the field. */
enum ebb_rc ebb__kube_auth_init(struct ebb__kube_auth *a, const struct ebb_kube_config *cfg,
                                char *err, size_t errsz);
void ebb__kube_auth_release(struct ebb__kube_auth *a);

/* Brings the credentials up to date (force: re-read the token file, re-run
 * the exec plugin). On failure the last good credentials stay; err says why. */
enum ebb_rc ebb__kube_auth_refresh(struct ebb__kube_auth *a, bool force, char *err, size_t errsz);
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
