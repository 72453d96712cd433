/* rc.h -- the project's error codes.
 *
 * Every fallible function returns an enum ebb_rc. EBB_OK is 0 so that
 * `if (rc)` reads as "if it failed". ebb_rc_str() names a code for logs;
 * its table is checked against EBB_RC__COUNT at compile time.
 */
#ifndef EBB_RC_H
#define EBB_RC_H

enum ebb_rc {
    EBB_OK = 0,
    EBB_ERR_NOMEM,   /* an allocation failed */
    EBB_ERR_PARSE,   /* input is not well-formed (JSON, YAML, quantity, ...) */
    EBB_ERR_INVALID, /* well-formed, but breaks a rule (validation) */
    EBB_ERR_RANGE,   /* a number does not fit */
    EBB_ERR_IO,      /* a file or socket failed */
    EBB_ERR_NOTFOUND,
    EBB_ERR_LIMIT, /* a bounded buffer or table is full */
    EBB_ERR_USAGE, /* bad command-line usage */
    EBB_RC__COUNT
};

/* Returns a static, lower-case name for rc ("nomem", "parse", ...). */
const char *ebb_rc_str(enum ebb_rc rc);

#endif
