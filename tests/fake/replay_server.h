/* replay_server.h -- a small HTTPS server that plays back scripted responses. TEST ONLY.
 *
 * Listens on 127.0.0.1 on a port the kernel picks, in a thread of the test
 * process (plus one thread per connection), with a throwaway CA and server
 * certificate made at start with the OpenSSL API: no files. It speaks
 * HTTP/1.1 only (no ALPN), keeps connections alive, and answers each
 * request with the next scripted step: raw response bytes (status line,
 * headers, body, as on the wire), written at once or in pieces of awkward
 * sizes with pauses, optionally cut short by dropping the connection.
 * Every request it reads is logged for the test to assert on.
 *
 * Not part of any library: a test includes replay_server.c directly (the
 * Makefile links tests/unit helpers only). Functions return enum ebb_rc.
 */
#ifndef EBB_TEST_REPLAY_SERVER_H
#define EBB_TEST_REPLAY_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../pkg/base/rc.h"
#include "../../pkg/base/strbuf.h"

struct ebb_replay_server;

struct ebb_replay_opts {
    bool no_ip_san;        /* certificate names only localhost and kube.test, not 127.0.0.1 */
    bool want_client_cert; /* ask for (not require) a client certificate signed by the CA */
    uint64_t seed;         /* for random piece sizes; 0 is fine */
};

/* One scripted answer. The response bytes are copied. */
struct ebb_replay_step {
    const char *response;
    size_t len;
    size_t piece;       /* write in pieces of this many bytes; 0: all at once */
    bool random_pieces; /* pieces of 1..piece bytes, drawn from the seeded PRNG */
    int pause_ms;       /* sleep between pieces */
    int delay_ms;       /* sleep before answering */
    long cut_after;     /* >= 0: write only this many bytes, then drop the connection; -1: no */
    bool close;         /* close the connection (cleanly) after the response */
    int times; /* serve it so many times (< 1: once); the last one repeats until more are pushed */
};

#define EBB_REPLAY_STEP_INIT                                                                       \
    {                                                                                              \
        NULL, 0, 0, false, 0, 0, -1, false, 1                                                      \
    }

/* What the server saw of one request. Long values are cut. */
struct ebb_replay_request {
    char method[16];
    char target[1024];
    char version[16];
    char host[256];
    char user_agent[256];
    char authorization[512];
    char accept[128];
    char content_type[128];
    char sni[256];       /* TLS server name the client sent, or "" */
    char client_cn[256]; /* CN of the client certificate, or "" */
    char body[4096];
    size_t body_len; /* the full length, even when body was cut */
    int64_t at_ms;   /* CLOCK_MONOTONIC, when the request head was complete */
    int conn;        /* which connection (1, 2, ...) */
};

/* Starts a server; o may be NULL. */
enum ebb_rc ebb_replay_start(const struct ebb_replay_opts *o, struct ebb_replay_server **out);
/* Stops it, joins its threads and frees it. NULL is a no-op. */
void ebb_replay_stop(struct ebb_replay_server *s);

int ebb_replay_port(const struct ebb_replay_server *s);
/* PEM of the CA that signed the server (and client) certificate. */
const char *ebb_replay_ca_pem(const struct ebb_replay_server *s, size_t *len);
/* PEM of an unrelated CA: trusting it must fail verification. */
const char *ebb_replay_other_ca_pem(const struct ebb_replay_server *s, size_t *len);
/* A client certificate (CN "ebb-test-client") and its key, signed by the CA. */
const char *ebb_replay_client_cert_pem(const struct ebb_replay_server *s, size_t *len);
const char *ebb_replay_client_key_pem(const struct ebb_replay_server *s, size_t *len);

/* Appends a step to the script (thread-safe; may be called while serving). */
enum ebb_rc ebb_replay_push(struct ebb_replay_server *s, const struct ebb_replay_step *step);
/* Appends a step answering `response` (NUL-terminated) at once, `times` times. */
enum ebb_rc ebb_replay_push_simple(struct ebb_replay_server *s, const char *response, int times);

/* Copies up to max logged requests, oldest first; returns how many were logged in all. */
size_t ebb_replay_requests(struct ebb_replay_server *s, struct ebb_replay_request *out, size_t max);
/* Connections accepted so far. */
int ebb_replay_connections(struct ebb_replay_server *s);

/* A 127.0.0.1 port where nothing listens (bound, then closed). */
int ebb_replay_refused_port(void);

/* Reads a recorded exchange (tests/fixtures/kube-api/NN-*.txt) and gives the
 * response as it was on the wire: the head with CRLF line ends and, for
 * Transfer-Encoding: chunked, the body framed as the apiserver does (one
 * chunk per line, then the 0-size chunk). body gets the de-chunked body the
 * client must deliver; either may be NULL. */
enum ebb_rc ebb_replay_fixture(const char *path, struct ebb_strbuf *wire, struct ebb_strbuf *body);

/* A response whose body is a Status object, as the apiserver sends for
 * errors; retry_after_s >= 0 adds a Retry-After header. */
void ebb_replay_status_response(int code, const char *reason, const char *message,
                                int retry_after_s, struct ebb_strbuf *wire);

#endif
