/* kube_fixture.h -- reading the recorded kube-apiserver exchanges of
 * tests/fixtures/kube-api (format: that directory's README.md) for tests.
 *
 * A file is split into its request line (method, path+query), the response
 * status code and headers, and the response body exactly as the client gets
 * it: cut to Content-Length when there is one, and de-chunked when the
 * recording kept the HTTP/1.1 chunk framing (`curl --raw`, fixture 61). The
 * EVENT SUMMARY reading aid of a watch is parsed too. Tests run with the
 * repository root as the working directory. Linked into every test program.
 */
#ifndef EBBT_KUBE_FIXTURE_H
#define EBBT_KUBE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#define EBBT_KUBE_FIXTURE_DIR "tests/fixtures/kube-api"
#define EBBT_KUBE_MAX_HEADERS 32
#define EBBT_KUBE_MAX_FILES 256

struct ebbt_kube_header {
    char *name;
    char *value;
};

struct ebbt_kube_exchange {
    char name[256];  /* file name, "61-watch-configmaps-raw-chunks.txt" */
    char method[16]; /* "GET" */
    char *target;    /* "/api/v1/namespaces/demo/configmaps?watch=1&..." */
    struct ebbt_kube_header req_headers[EBBT_KUBE_MAX_HEADERS];
    size_t n_req_headers;
    char *req_body; /* the request body, "" if none */
    size_t req_body_len;
    int status; /* 200 */
    struct ebbt_kube_header headers[EBBT_KUBE_MAX_HEADERS];
    size_t n_headers;
    char *raw_body; /* the body bytes as recorded (chunk framing kept for --raw) */
    size_t raw_len;
    bool raw_chunked; /* raw_body still carries the chunk framing */
    char *body;       /* the entity body the client sees; NUL-terminated */
    size_t body_len;
    char *summary; /* the EVENT SUMMARY lines, or NULL */
    char err[256]; /* why loading failed */
};

/* Loads one file; false with x->err set if it is not in the format. Release
 * x either way. */
bool ebbt_kube_load(const char *path, struct ebbt_kube_exchange *x /* OUT */);
/* Loads the file of the fixture directory whose name starts with "NN-". */
bool ebbt_kube_load_nn(int nn, struct ebbt_kube_exchange *x /* OUT */);
void ebbt_kube_release(struct ebbt_kube_exchange *x);

/* A response header's value (name case-insensitive), or NULL. */
const char *ebbt_kube_header(const struct ebbt_kube_exchange *x, const char *name);
/* A request header's value (name case-insensitive), or NULL. */
const char *ebbt_kube_req_header(const struct ebbt_kube_exchange *x, const char *name);

/* The sorted names of the fixture files (*.txt); returns how many (at most
 * max). The names are malloc'd: free them with ebbt_kube_list_free. */
size_t ebbt_kube_list(char **names, size_t max);
void ebbt_kube_list_free(char **names, size_t n);

/* De-chunks an HTTP/1.1 chunked body (hex size, optional extensions, line
 * end, data, line end, ..., the 0-size chunk and trailers). Line ends may be
 * CRLF or LF (the fixtures show LF). *out is malloc'd and NUL-terminated.
 * False if the framing is broken. */
bool ebbt_kube_dechunk(const char *in, size_t len, char **out, size_t *out_len);

/* One line of an EVENT SUMMARY: "TYPE KIND NAME rv=RV [CODE REASON]". */
struct ebbt_kube_summary_event {
    char type[16];
    char kind[64];
    char name[128];
    char rv[64];
    int code; /* 0 unless an ERROR */
    char reason[32];
};

/* Parses x's EVENT SUMMARY into ev; returns the number of events, or -1 if
 * a line is not in the format or there are more than max. */
int ebbt_kube_summary(const struct ebbt_kube_exchange *x, struct ebbt_kube_summary_event *ev,
                      size_t max);

#endif
