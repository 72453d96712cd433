#include "msg.h"

#include <stdarg.h>
#include <stdio.h>

void ebb_msgf(char *msg, size_t msgsz, const char *fmt, ...)
{
    if (msg == NULL || msgsz == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msgsz, fmt, ap);
    va_end(ap);
}

enum ebb_rc ebb_errf(char *msg, size_t msgsz, enum ebb_rc rc, const char *fmt, ...)
{
    if (msg != NULL && msgsz != 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msgsz, fmt, ap);
        va_end(ap);
    }
    return rc;
}
