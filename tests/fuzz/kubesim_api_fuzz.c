/* kubesim_api_fuzz.c -- libFuzzer target for kubesim's whole REST layer:
 * ks_api_handle on an in-process simulator (ks_sim_init without serving).
 *
 * The input is a run of HTTP/1.1 requests, read with kubesim's own parser
 * (http_parse.c), so the seeds are plain requests such as the recorded
 * kube-apiserver exchanges. Each one goes to a fresh simulator in turn
 * (up to MAX_REQS), so that a create can be followed by its patch, scale
 * or watch. "Authorization: Bearer admin" (reader, nobody) stands for the
 * sim's admin (reader, nobody) token, which the input cannot know;
 * "X-Fuzz-Cert: user;group,group" gives a client-certificate identity.
 *
 * Every answer must be a status in 100..599 (or 0: not answered, which
 * http.c turns into 404), a JSON content type must carry JSON, and a
 * watch's stream is closed at the end as http.c would close it. Then the
 * simulated world turns once. Nothing may crash or leak. Built and run by
 * `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../cmd/kubesim/http_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQS 16
#define MAX_GROUPS 4

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "kubesim_api_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

struct streams {
    ks_stream *v[MAX_REQS];
    size_t n;
};

/* The request as the handler sees it: tokens and identity filled in. */
static void call(ks_sim *s, ks_req *req, struct streams *sts)
{
    struct ks_header *hs = calloc(req->n_headers + 1, sizeof(*hs));
    char auth[128];
    char cert[256];
    char *groups[MAX_GROUPS];
    ks_resp resp;

    must(hs != NULL, "out of memory", NULL);
    for (size_t i = 0; i < req->n_headers; i++) {
        hs[i] = req->headers[i];
        if (strcasecmp(hs[i].name, "Authorization") == 0 &&
            strncasecmp(hs[i].value, "Bearer ", 7) == 0) {
            static const char *const who[] = {"admin", "reader", "nobody"};
            for (size_t k = 0; k < 3 && k < s->n_tokens; k++) {
                if (strcmp(hs[i].value + 7, who[k]) == 0) {
                    snprintf(auth, sizeof(auth), "Bearer %s", s->tokens[k].token);
                    hs[i].value = auth;
                }
            }
        }
        if (strcasecmp(hs[i].name, "X-Fuzz-Cert") == 0 && req->cert_user == NULL) {
            snprintf(cert, sizeof(cert), "%s", hs[i].value);
            char *semi = strchr(cert, ';');
            req->cert_user = cert;
            req->cert_groups = groups;
            req->n_cert_groups = 0;
            if (semi != NULL) {
                *semi = '\0';
                char *save = NULL;
                for (char *g = strtok_r(semi + 1, ",", &save); g && req->n_cert_groups < MAX_GROUPS;
                     g = strtok_r(NULL, ",", &save))
                    groups[req->n_cert_groups++] = g;
            }
        }
    }
    struct ks_header *orig = req->headers;
    req->headers = hs;

    memset(&resp, 0, sizeof(resp));
    http_resp_init(&resp);
    ks_api_handle(s, req, &resp);
    req->headers = orig;
    req->cert_user = NULL;
    req->cert_groups = NULL;
    req->n_cert_groups = 0;
    free(hs);

    must(resp.status == 0 || (resp.status >= 100 && resp.status <= 599), "status out of range",
         NULL);
    must(ebb_strbuf_rc(&resp.body) == EBB_OK, "body out of memory", NULL);
    must(resp.n_extra <= sizeof(resp.extra) / sizeof(resp.extra[0]), "too many headers", NULL);
    if (resp.stream != NULL) {
        must(sts->n < MAX_REQS, "more streams than requests", NULL);
        sts->v[sts->n++] = resp.stream;
        resp.stream = NULL;
    } else if (resp.status != 0 && resp.body.len > 0 &&
               strncmp(resp.content_type, "application/json", 16) == 0) {
        cJSON *j = cJSON_ParseWithLength(resp.body.buf, resp.body.len);
        must(j != NULL, "a JSON content type without JSON", resp.body.buf);
        cJSON_Delete(j);
    }
    http_resp_release(&resp);
}

/* What http.c does when the client goes away. */
static void close_streams(struct streams *sts)
{
    for (size_t i = 0; i < sts->n; i++) {
        ks_stream *st = sts->v[i];
        void (*cb)(void *) = st->failed || st->ended ? NULL : st->on_close;
        void *ud = st->ud;
        http_stream_free(st);
        if (cb)
            cb(ud);
    }
    sts->n = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_config cfg;
    ks_sim s;
    char err[256];
    struct http_conn c;
    struct streams sts;
    size_t n = 0;

    ks_config_defaults(&cfg);
    cfg.seed = 42;
    must(ks_sim_init(&s, &cfg, false, err, sizeof(err)) == KS_OK, "ks_sim_init", err);

    memset(&c, 0, sizeof(c));
    memset(&sts, 0, sizeof(sts));
    c.fd = -1;
    ebb_strbuf_init(&c.in);
    ebb_strbuf_init(&c.out);
    ebb_strbuf_init(&c.p.body);
    http_parser_reset(&c.p);
    ebb_strbuf_add(&c.in, data, size);
    must(ebb_strbuf_rc(&c.in) == EBB_OK, "out of memory", NULL);
    while (n < MAX_REQS && http_parse(&c, KS_HTTP_DEFAULT_MAX_BODY) == HTTP_P_DONE) {
        struct http_req *r = c.p.req;
        c.p.req = NULL;
        http_parser_reset(&c.p);
        call(&s, &r->pub, &sts);
        http_req_free(r);
        n++;
    }
    ebb_strbuf_release(&c.in);
    ebb_strbuf_release(&c.out);
    http_parser_reset(&c.p);

    if (n > 0) {
        s.now_real = ks_real_now();
        ks_sim_tick(&s);
    }
    close_streams(&sts);
    ks_sim_destroy(&s);
    return 0;
}
