/* kubesim_request.h -- one request through kubesim's ks_api_handle,
 * in-process, for the kubesim unit tests (no HTTP, no TLS). */
#ifndef EBB_TESTS_KUBESIM_REQUEST_H
#define EBB_TESTS_KUBESIM_REQUEST_H

#include <stddef.h>

#include "../../cmd/kubesim/ks.h"

/* Sends method target ("/path" or "/path?query") with the headers given
 * (not copied) and body (NULL: none) and fills resp, initialised here.
 * The caller reads resp, takes resp->stream if it wants it, and releases
 * the rest with ks_test_resp_release. */
void ks_test_request(ks_sim *s, const char *method, const char *target, struct ks_header *hdrs,
                     size_t n_hdrs, const char *body, ks_resp *resp);

/* Frees resp's body and extra headers (not its stream). */
void ks_test_resp_release(ks_resp *resp);

#endif
