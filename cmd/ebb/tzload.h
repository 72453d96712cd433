/* tzload.h -- read a zone from the tz database for the decision core. EDGE.
 *
 * Looks in $TZDIR, then /usr/share/zoneinfo. "UTC" and "Etc/UTC" need no
 * file. The name must be an IANA name: no "..", no leading '/'.
 */
#ifndef EBB_TZLOAD_H
#define EBB_TZLOAD_H

#include <stddef.h>

#include "../../pkg/base/rc.h"
#include "../../pkg/base/tz.h"

/* On error, msg says which zone and why ("time zone \"Europe/Berln\" not
 * found in /usr/share/zoneinfo"). Caller frees *out with ebb_tz_free(). */
enum ebb_rc ebb_tz_load(const char *name, struct ebb_tz **out /* OUT */, char *msg, size_t msgsz);

#endif
