/* kubeconfig_fuzz.c -- libFuzzer target for the kubeconfig reader
 * (pkg/kube/kubeconfig*.c).
 *
 * The bytes go to ebb_kube_config_parse() as a kubeconfig, once with its
 * current-context and once with --context "x". Whatever loads must be
 * complete: a server URL with a scheme, a namespace, a context name.
 * Parsing never runs an exec plugin (that is exec_cred.c's, at request
 * time); it only opens files the input names, to check they are readable.
 * Build and run: `make fuzz` (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/kube/kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(enum ebb_rc rc, const struct ebb_kube_config *c, const char *err)
{
    if (rc != EBB_OK) {
        /* Every failure says something, and leaves nothing behind. */
        if (err[0] == '\0' || c->server != NULL || c->source != NULL)
            abort();
        return;
    }
    if (c->server == NULL || c->namespace_ == NULL || c->context == NULL || c->source == NULL)
        abort();
    if (strncmp(c->server, "https://", 8) != 0 && strncmp(c->server, "http://", 7) != 0)
        abort();
    if ((c->ca_data == NULL) != (c->ca_data_len == 0))
        abort();
    if (c->has_exec && (c->exec.command == NULL || c->exec.api_version == NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const contexts[] = {NULL, "x"};
    size_t i;

    for (i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++) {
        struct ebb_kube_config c;
        char err[512];
        enum ebb_rc rc = ebb_kube_config_parse((const char *)data, size, "/fuzz/kubeconfig",
                                               contexts[i], &c, err, sizeof(err));
        check(rc, &c, err);
        ebb_kube_config_release(&c);
    }
    return 0;
}
