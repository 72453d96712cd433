#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ebb_rc ebb_read_file(const char *path, char **buf, size_t *len, char *msg, size_t msgsz)
{
    enum ebb_rc rc = EBB_OK;
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char *data = NULL;
    size_t n = 0, cap = 0;

    if (f == NULL) {
        snprintf(msg, msgsz, "cannot open %s: %s", path, strerror(errno));
        return EBB_ERR_IO;
    }
    for (;;) {
        if (cap == 0 || n + 1 == cap) {
            size_t ncap = cap ? cap * 2 : 65536 + 1;
            if (ncap > EBB_INPUT_MAX + 1)
                ncap = EBB_INPUT_MAX + 1;
            if (ncap <= cap) {
                snprintf(msg, msgsz, "%s is larger than %u MiB", is_stdin ? "stdin" : path,
                         EBB_INPUT_MAX >> 20);
                rc = EBB_ERR_LIMIT;
                goto out;
            }
            char *p = realloc(data, ncap);
            if (p == NULL) {
                snprintf(msg, msgsz, "out of memory reading %s", path);
                rc = EBB_ERR_NOMEM;
                goto out;
            }
            data = p;
            cap = ncap;
        }
        size_t got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(msg, msgsz, "cannot read %s: %s", path, strerror(errno));
        rc = EBB_ERR_IO;
        goto out;
    }
    if (data == NULL) {
        data = malloc(1);
        if (data == NULL) {
            rc = EBB_ERR_NOMEM;
            goto out;
        }
    }
    data[n] = '\0';
    *buf = data;
    *len = n;
    data = NULL;
out:
    free(data);
    if (!is_stdin)
        fclose(f);
    return rc;
}
