/* quantity.h -- Kubernetes resource quantities (resource.Quantity), PURE.
 *
 * Accepted, as the API server accepts them: an optional sign, digits with an
 * optional fraction, then either a decimal SI suffix (n u m "" k M G T P E),
 * a binary suffix (Ki Mi Gi Ti Pi Ei) or a decimal exponent (e3, E-2).
 * Values are held in thousandths (milli) in an int64_t; a value that needs
 * finer precision than 1m is rounded up, as Kubernetes rounds
 * (Quantity.MilliValue), and one that does not fit is EBB_ERR_RANGE.
 */
#ifndef EBB_API_QUANTITY_H
#define EBB_API_QUANTITY_H

#include <stddef.h>
#include <stdint.h>

#include "../../base/rc.h"

/* Parses the whole of s. On error *out is untouched and, when msg is not
 * NULL, a sentence saying what is wrong is written there ("unknown suffix
 * \"Kb\"; use k, Ki, M, Mi, ..."). */
enum ebb_rc ebb_quantity_parse(const char *s, int64_t *milli /* OUT */, char *msg, size_t msgsz);

/* Formats milli canonically: "100", "250m", "1500m" is written "1500m",
 * whole numbers without suffix. Always fits in 24 bytes. */
void ebb_quantity_format(int64_t milli, char *buf, size_t bufsz);

#endif
