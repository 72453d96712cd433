/* validate.h -- every rule a ScalingPolicy must satisfy, in one pure pass. PURE.
 *
 * Run after ebb_policy_defaults(). Appends one entry per broken rule to errs,
 * with the field path and a message in the API server's style
 * ("spec.metrics[1].target.averageValue: must be greater than 0"), and never
 * stops at the first. The same rules are in the CRD's openAPIV3Schema and
 * CEL rules (crds/ebb.dev_scalingpolicies.yaml); tests/unit/schema_test.c
 * checks that the two agree on tests/fixtures/policies/.
 * Time-zone names are checked for form only: whether the zone exists is a
 * question for the tz database, which the edge asks.
 */
#ifndef EBB_API_VALIDATE_H
#define EBB_API_VALIDATE_H

#include "../../base/errlist.h"
#include "types.h"

void ebb_policy_validate(const struct ebb_policy *p, struct ebb_errlist *errs);

#endif
