/* tzload.c -- read a zone from the tz database for the decision core. EDGE. */
#include "tzload.h"
#include "../../pkg/base/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSTEM_TZDIR "/usr/share/zoneinfo"
#define TZ_FILE_MAX (1024 * 1024)
#define TZ_NAME_MAX 255

static bool name_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '+' || c == '-';
}

static enum ebb_rc check_name(const char *name, char *msg, size_t msgsz)
{
    size_t n = strlen(name);

    if (n > TZ_NAME_MAX) {
        ebb_msgf(msg, msgsz, "time zone name \"%.40s...\" is longer than %d characters", name,
                 TZ_NAME_MAX);
        return EBB_ERR_INVALID;
    }
    if (name[0] == '/' || strstr(name, "..") != NULL) {
        ebb_msgf(msg, msgsz,
                 "time zone \"%s\" is not an IANA name (\"Europe/Berlin\"): no leading '/' "
                 "and no \"..\"",
                 name);
        return EBB_ERR_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        if (!name_char_ok(name[i])) {
            ebb_msgf(msg, msgsz,
                     "time zone \"%s\" is not an IANA name (\"Europe/Berlin\"): character %zu is "
                     "not a letter, digit, '/', '_', '+' or '-'",
                     name, i + 1);
            return EBB_ERR_INVALID;
        }
    }
    return EBB_OK;
}

/* Reads a regular file of at most TZ_FILE_MAX bytes. On failure errno
 * tells why (EFBIG: too large; EISDIR/EINVAL: not a regular file). */
static enum ebb_rc read_file(const char *path, unsigned char **data, size_t *len)
{
    unsigned char *buf = NULL;
    struct stat st;
    size_t got = 0;
    enum ebb_rc rc = EBB_ERR_IO;
    int fd;
    int saved;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return EBB_ERR_IO;
    if (fstat(fd, &st) != 0)
        goto out;
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        goto out;
    }
    if (st.st_size > TZ_FILE_MAX) {
        errno = EFBIG;
        goto out;
    }
    /* One byte more than the size, so that a file that grew is noticed. */
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        rc = EBB_ERR_NOMEM;
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > (size_t)st.st_size) {
            errno = EFBIG;
            goto out;
        }
    }
    *data = buf;
    *len = got;
    buf = NULL;
    rc = EBB_OK;
out:
    saved = errno;
    free(buf);
    close(fd);
    errno = saved;
    return rc;
}

static enum ebb_rc load_from(const char *dir, const char *name, struct ebb_tz **out, char *msg,
                             size_t msgsz)
{
    char path[4096];
    unsigned char *data = NULL;
    size_t len = 0;
    char perr[192];
    enum ebb_rc rc;
    int n;

    n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        ebb_msgf(msg, msgsz, "time zone \"%s\": path %s/... is too long", name, dir);
        return EBB_ERR_INVALID;
    }
    rc = read_file(path, &data, &len);
    if (rc == EBB_ERR_NOMEM) {
        ebb_msgf(msg, msgsz, "time zone \"%s\": out of memory reading %s", name, path);
        goto out;
    }
    if (rc) {
        if (errno == ENOENT || errno == ENOTDIR) {
            rc = EBB_ERR_NOTFOUND;
            ebb_msgf(msg, msgsz, "time zone \"%s\" not found in %s", name, dir);
        } else if (errno == EISDIR || errno == EINVAL) {
            rc = EBB_ERR_NOTFOUND;
            ebb_msgf(msg, msgsz, "time zone \"%s\": %s is not a time zone file", name, path);
        } else if (errno == EFBIG) {
            rc = EBB_ERR_LIMIT;
            ebb_msgf(msg, msgsz, "time zone \"%s\": %s is larger than 1 MiB", name, path);
        } else {
            ebb_msgf(msg, msgsz, "time zone \"%s\": cannot read %s: %s", name, path,
                     strerror(errno));
        }
        goto out;
    }
    perr[0] = '\0';
    rc = ebb_tz_parse(data, len, out, perr, sizeof(perr));
    if (rc)
        ebb_msgf(msg, msgsz, "time zone \"%s\": %s is not valid: %s", name, path, perr);
out:
    free(data);
    return rc;
}

enum ebb_rc ebb_tz_load(const char *name, struct ebb_tz **out, char *msg, size_t msgsz)
{
    const char *tzdir = getenv("TZDIR");
    enum ebb_rc rc;

    *out = NULL;
    if (name == NULL || name[0] == '\0' || strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
        return ebb_tz_parse_posix("UTC0", out, msg, msgsz);
    rc = check_name(name, msg, msgsz);
    if (rc)
        return rc;
    if (tzdir != NULL && tzdir[0] != '\0' && strcmp(tzdir, SYSTEM_TZDIR) != 0) {
        rc = load_from(tzdir, name, out, msg, msgsz);
        if (rc != EBB_ERR_NOTFOUND)
            return rc;
        rc = load_from(SYSTEM_TZDIR, name, out, msg, msgsz);
        if (rc == EBB_ERR_NOTFOUND)
            ebb_msgf(msg, msgsz, "time zone \"%s\" not found in %s or %s", name, tzdir,
                     SYSTEM_TZDIR);
        return rc;
    }
    return load_from(SYSTEM_TZDIR, name, out, msg, msgsz);
}
