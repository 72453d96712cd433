/* kubeconfig_resolve_internal.h -- what kubeconfig.c (files, loading) and
 * kubeconfig_resolve.c (checking and resolving the context) share. EDGE. */
#ifndef EBB_KUBE_KUBECONFIG_RESOLVE_INTERNAL_H
#define EBB_KUBE_KUBECONFIG_RESOLVE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/rc.h"
#include "../base/strbuf.h"
#include "kubeconfig.h"
#include "kubeconfig_internal.h"

/* The files that were read, in KUBECONFIG order (first definition wins). */
struct ebb__kc_merged {
    struct ebb__kc_file *files;
    size_t n;
    const char *current_context;
    const struct ebb__kc_file *current_context_file;
    const char *source; /* the files, ':'-separated */
};

/* Picks the context and fills out; out is released by the caller on error. */
enum ebb_rc ebb__kc_resolve(const struct ebb__kc_merged *m, const char *context,
                            struct ebb_kube_config *out, struct ebb_strbuf *warn, char *err,
                            size_t errsz);
/* Whether path can be opened for reading; *msg says why not. */
bool ebb__kc_can_read(const char *path, const char **msg);
/* strdup of s (NULL stays NULL). */
enum ebb_rc ebb__kc_dup_str(char **dst, const char *s);
/* A NUL-terminated copy of len bytes of s (NULL stays NULL). */
enum ebb_rc ebb__kc_dup_data(char **dst, size_t *dst_len, const char *s, size_t len);

#endif
