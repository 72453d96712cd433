#include "rc.h"

static const char *const names[] = {
    [EBB_OK] = "ok",
    [EBB_ERR_NOMEM] = "out of memory",
    [EBB_ERR_PARSE] = "parse error",
    [EBB_ERR_INVALID] = "invalid",
    [EBB_ERR_RANGE] = "out of range",
    [EBB_ERR_IO] = "i/o error",
    [EBB_ERR_NOTFOUND] = "not found",
    [EBB_ERR_LIMIT] = "limit reached",
    [EBB_ERR_USAGE] = "usage error",
};

_Static_assert(sizeof(names) / sizeof(names[0]) == EBB_RC__COUNT, "ebb_rc_str table out of date");

const char *ebb_rc_str(enum ebb_rc rc)
{
    if ((unsigned)rc >= EBB_RC__COUNT)
        return "unknown error";
    return names[rc];
}
