/* kubesim_request.c -- one request through ks_api_handle, in-process. */
#include "kubesim_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ks_test_request(ks_sim *s, const char *method, const char *target, struct ks_header *hdrs,
                     size_t n_hdrs, const char *body, ks_resp *resp)
{
    ks_req req;
    const char *q = strchr(target, '?');

    memset(&req, 0, sizeof(req));
    memset(resp, 0, sizeof(*resp));
    ebb_strbuf_init(&resp->body);
    snprintf(req.method, sizeof(req.method), "%s", method);
    req.path = q ? strndup(target, (size_t)(q - target)) : strdup(target);
    req.query = strdup(q ? q + 1 : "");
    if (req.path == NULL || req.query == NULL) {
        fprintf(stderr, "ks_test_request: out of memory\n");
        abort();
    }
    ks_req_parse_query(&req);
    req.headers = hdrs;
    req.n_headers = n_hdrs;
    if (body) {
        req.body = strdup(body);
        req.body_len = strlen(body);
    }
    ks_api_handle(s, &req, resp);
    free(req.path);
    ks_req_release_query(&req);
    free(req.query);
    free(req.body);
}

void ks_test_resp_release(ks_resp *resp)
{
    for (size_t i = 0; i < resp->n_extra; i++) {
        free(resp->extra[i].name);
        free(resp->extra[i].value);
    }
    resp->n_extra = 0;
    ebb_strbuf_release(&resp->body);
}
