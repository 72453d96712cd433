/* msg.h -- writing a message into a caller's bounded buffer.
 *
 * Parsers report what is wrong through an optional (msg, msgsz) pair, as
 * redis's anet does with its err buffer. ebb_msgf() formats into it, and
 * does nothing when msg is NULL or msgsz is 0, so a caller that does not
 * want the text can pass NULL.
 */
#ifndef EBB_MSG_H
#define EBB_MSG_H

#include <stddef.h>

#include "rc.h"

void ebb_msgf(char *msg, size_t msgsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ebb_msgf(), then returns rc: `return ebb_errf(err, errsz, EBB_ERR_PARSE, ...);` */
enum ebb_rc ebb_errf(char *msg, size_t msgsz, enum ebb_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
