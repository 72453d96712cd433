/* util.h -- small helpers shared by the subcommands. EDGE. */
#ifndef EBB_CMD_UTIL_H
#define EBB_CMD_UTIL_H

#include <stddef.h>

#include "../../pkg/base/rc.h"

/* The cap on any input file or stdin: policies and traces are small. */
#define EBB_INPUT_MAX (64u << 20)

/* Reads a whole file ("-" = stdin) into a NUL-terminated malloc'd buffer.
 * On error msg says what failed ("cannot read x.yaml: No such file or
 * directory"). Caller frees *buf. */
enum ebb_rc ebb_read_file(const char *path, char **buf /* OUT */, size_t *len /* OUT */, char *msg,
                          size_t msgsz);

#endif
