/* kubeconfig_internal.h -- what kubeconfig.c, kubeconfig_parse.c and
 * exec_cred.c share. EDGE.
 *
 * ebb__kc_parse() turns one kubeconfig file into plain entries, as written
 * but with relative paths made absolute and *-data fields base64-decoded;
 * it checks types and shape only. Choosing the context, merging files and
 * the rules about which fields go together are kubeconfig.c's.
 */
#ifndef EBB_KUBE_KUBECONFIG_INTERNAL_H
#define EBB_KUBE_KUBECONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/arena.h"
#include "../base/rc.h"

struct ebb__kc_file;

struct ebb__kc_cluster {
    const char *name;
    size_t index; /* in its file's clusters list, for messages */
    const struct ebb__kc_file *file;
    const char *server;
    const char *ca_file; /* absolute */
    const char *ca_data; /* decoded */
    size_t ca_data_len;
    bool insecure;
    const char *tls_server_name;
    const char *proxy_url;
};

struct ebb__kc_env {
    const char *name;
    const char *value;
};

struct ebb__kc_user {
    const char *name;
    size_t index;
    const struct ebb__kc_file *file;
    const char *token;
    const char *token_file; /* absolute */
    const char *cert_file;  /* absolute */
    const char *cert_data;  /* decoded */
    size_t cert_data_len;
    const char *key_file; /* absolute */
    const char *key_data; /* decoded */
    size_t key_data_len;
    const char *username;
    const char *password;
    const char *unsupported; /* the first field we cannot honour ("auth-provider", "as"), or NULL */
    bool has_exec;
    const char *exec_command; /* absolute when it names a path */
    const char **exec_args;
    size_t n_exec_args;
    struct ebb__kc_env *exec_env;
    size_t n_exec_env;
    const char *exec_api_version;
    const char *exec_install_hint;
    const char *exec_interactive_mode;
    bool exec_provide_cluster_info;
};

struct ebb__kc_context {
    const char *name;
    size_t index;
    const struct ebb__kc_file *file;
    const char *cluster;
    const char *user;
    const char *namespace_;
};

struct ebb__kc_file {
    const char *path; /* as given, for messages */
    const char *current_context;
    struct ebb__kc_cluster *clusters;
    size_t n_clusters;
    struct ebb__kc_user *users;
    size_t n_users;
    struct ebb__kc_context *contexts;
    size_t n_contexts;
};

/* Parses the kubeconfig text (len bytes, any content) named path into f;
 * every string lives in a. Only the first YAML document is read. On error
 * err reads "PATH: FIELD: what is wrong". */
enum ebb_rc ebb__kc_parse(struct ebb_arena *a, const char *text, size_t len, const char *path,
                          struct ebb__kc_file *f /* OUT */, char *err, size_t errsz);

/* Standard base64 with padding; '\r' and '\n' are skipped, as Go's
 * encoding/json does for []byte. out needs (len / 4 + 1) * 3 bytes. On
 * EBB_ERR_PARSE, *bad is the offset of the first byte that does not fit. */
enum ebb_rc ebb__kube_base64_decode(const char *in, size_t len, unsigned char *out,
                                    size_t *out_len /* OUT */, size_t *bad /* OUT */);
/* Encodes into out, which needs 4 * ((len + 2) / 3) + 1 bytes; NUL-terminated. */
void ebb__kube_base64_encode(const void *in, size_t len, char *out);

#endif
