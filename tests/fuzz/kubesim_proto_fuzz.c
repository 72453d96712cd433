/* kubesim_proto_fuzz.c -- libFuzzer target for kubesim's Kubernetes
 * protobuf request bodies (cmd/kubesim/proto.c, proto_types.c).
 *
 * The input is a request body: "k8s\0" and a runtime.Unknown envelope
 * around an object, as kubectl sends it. Decoding must give a JSON
 * object, or fail with a code and a message; what decoded must print as
 * JSON that parses again to the same tree. The first eight bytes also go
 * through the Go duration formatting (as nanoseconds) and the bytes as a
 * Content-Type through the media type check. Nothing may crash or leak.
 * Built and run by `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kubesim/patch_internal.h"
#include "../../cmd/kubesim/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "kubesim_proto_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    cJSON *obj = NULL;

    memset(err, 'x', sizeof(err));
    int rc = ks_proto_decode_rc((const char *)data, size, &obj, err, sizeof(err));
    must(rc == KS_PROTO_OK || rc == KS_PROTO_MALFORMED || rc == KS_PROTO_UNKNOWN_KIND ||
             rc == KS_PROTO_NOMEM,
         "unexpected result", NULL);
    must((rc == KS_PROTO_OK) == (obj != NULL), "an object iff OK", NULL);
    if (rc != KS_PROTO_OK) {
        must(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0',
             "a failure without a message", NULL);
    } else {
        must(cJSON_IsObject(obj), "not an object", NULL);
        char *text = cJSON_PrintUnformatted(obj);
        must(text != NULL, "does not print", NULL);
        cJSON *again = cJSON_Parse(text);
        must(again != NULL, "printed JSON does not parse", text);
        must(ks_json_equal(obj, again), "printed JSON parses to another tree", text);
        cJSON_Delete(again);
        free(text);
        cJSON_Delete(obj);
    }
    /* the convenience form agrees */
    cJSON *obj2 = ks_proto_decode((const char *)data, size, NULL, 0);
    must((obj2 != NULL) == (rc == KS_PROTO_OK), "ks_proto_decode disagrees", NULL);
    cJSON_Delete(obj2);

    if (size >= 8) {
        uint64_t u = 0;
        char out[64];
        for (int i = 0; i < 8; i++)
            u = u << 8 | data[i];
        memset(out, 'x', sizeof(out));
        ks_proto_duration_string((int64_t)u, out, sizeof(out));
        must(memchr(out, '\0', sizeof(out)) != NULL && out[0] != '\0', "duration", NULL);
    }
    char *ct = strndup((const char *)data, size < 256 ? size : 256);
    must(ct != NULL, "out of memory", NULL);
    (void)ks_proto_is_content_type(ct);
    free(ct);
    return 0;
}
