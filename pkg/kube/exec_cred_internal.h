/* exec_cred_internal.h -- what exec_cred.c (the credential cache) and
 * exec_plugin.c (the plugin process) share. EDGE. */
#ifndef EBB_KUBE_EXEC_CRED_INTERNAL_H
#define EBB_KUBE_EXEC_CRED_INTERNAL_H

#include <stddef.h>

#include "../base/rc.h"
#include "../base/strbuf.h"
#include "exec_cred.h"
#include "kubeconfig.h"

#define EBB__KUBE_MAX_CRED_FILE (1u << 20)

/* Replaces *field with v (n bytes; v NULL clears it), bumping c->serial
 * when the value changes. */
enum ebb_rc ebb__creds_set_field(struct ebb_kube_creds *c, char **field, size_t *field_len,
                                 const char *v, size_t n);
/* Reads path (at most max bytes) into sb; *errnum is set on EBB_ERR_IO
 * (EFBIG when larger than max). */
enum ebb_rc ebb__creds_slurp(const char *path, size_t max, struct ebb_strbuf *sb, int *errnum);
/* errnum as a message ("larger than 1 MiB" for EFBIG). */
const char *ebb__creds_errno_text(int errnum);
/* Runs the plugin of cfg synchronously and stores its credential in c. */
enum ebb_rc ebb__exec_refresh(struct ebb_kube_creds *c, const struct ebb_kube_config *cfg,
                              char *err, size_t errsz);

#endif
