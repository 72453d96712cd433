/* kubeconfig.h -- where the API server is and who we are, as kubectl reads it. EDGE.
 *
 * Precedence, as kubectl: --kubeconfig, else $KUBECONFIG (several files
 * separated by ':', merged: for clusters, users and contexts the first file
 * to define a name wins; current-context is the first non-empty one), else
 * ~/.kube/config; else, when none of those exists and
 * KUBERNETES_SERVICE_HOST/PORT are set, the in-cluster service account
 * (token, ca.crt and namespace under /var/run/secrets/kubernetes.io/serviceaccount).
 * --context picks a context, else current-context. Relative file paths
 * resolve against the folder of the kubeconfig file that names them.
 * A broken kubeconfig gets a message naming the file, the field and what is
 * wrong: "/home/a/.kube/config: users[0].user.client-key: file
 * /home/a/.kube/k.pem: No such file or directory".
 */
#ifndef EBB_KUBE_KUBECONFIG_H
#define EBB_KUBE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/rc.h"

struct ebb_kube_env_var {
    char *name;
    char *value;
};

/* users[].user.exec: a credential plugin (client.authentication.k8s.io). */
struct ebb_kube_exec {
    char *command; /* resolved against the kubeconfig's folder when it contains '/' */
    char **args;
    size_t n_args;
    struct ebb_kube_env_var *env;
    size_t n_env;
    char *api_version; /* client.authentication.k8s.io/v1 or v1beta1 */
    char *install_hint;
    bool provide_cluster_info;
};

/* The resolved configuration: one cluster, one user, one namespace.
 * Strings are malloc'd and owned; ebb_kube_config_release() frees them. */
struct ebb_kube_config {
    char *source;  /* the file(s) it came from, or "in-cluster" */
    char *context; /* the context used ("" in-cluster) */
    char *server;  /* https://host:port, no trailing '/' */
    char *ca_file; /* certificate-authority, absolute */
    char *ca_data; /* certificate-authority-data, decoded PEM */
    size_t ca_data_len;
    bool insecure_skip_tls_verify;
    char *tls_server_name;
    char *token;      /* a bearer token given inline */
    char *token_file; /* tokenFile, or the service-account token: re-read when it changes */
    char *client_cert_file;
    char *client_cert_data; /* decoded PEM */
    size_t client_cert_data_len;
    char *client_key_file;
    char *client_key_data; /* decoded PEM */
    size_t client_key_data_len;
    char *username;
    char *password;
    struct ebb_kube_exec exec;
    bool has_exec;
    char *namespace_; /* the context's namespace, the in-cluster namespace, or "default" */
    bool in_cluster;
    /* Added after the contract: what the caller should log as a warning
     * (insecure-skip-tls-verify, credentials not sent to an http:// server,
     * an in-cluster ca.crt that cannot be read), one per line; NULL when
     * there is nothing to say. */
    char *warning;
};

/* The process environment the loader reads, passed in so tests can supply
 * their own. Any member may be NULL. */
struct ebb_kube_env {
    const char *kubeconfig;   /* $KUBECONFIG */
    const char *home;         /* $HOME */
    const char *service_host; /* $KUBERNETES_SERVICE_HOST */
    const char *service_port; /* $KUBERNETES_SERVICE_PORT */
    const char *sa_dir;       /* default /var/run/secrets/kubernetes.io/serviceaccount */
};

/* Fills env from getenv(). */
void ebb_kube_env_from_process(struct ebb_kube_env *env /* OUT */);

/* Loads the configuration. path and context are the --kubeconfig and
 * --context flags (NULL when not given). On error, err says what and where. */
enum ebb_rc ebb_kube_config_load(const char *path, const char *context,
                                 const struct ebb_kube_env *env,
                                 struct ebb_kube_config *out /* OUT */, char *err, size_t errsz);

/* Loads from one kubeconfig held in memory; `file` names it in messages and
 * is the base for relative paths. For tests and the fuzzer. */
enum ebb_rc ebb_kube_config_parse(const char *text, size_t len, const char *file,
                                  const char *context, struct ebb_kube_config *out /* OUT */,
                                  char *err, size_t errsz);

void ebb_kube_config_release(struct ebb_kube_config *c);

#endif
