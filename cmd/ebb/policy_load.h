/* policy_load.h -- read ScalingPolicy YAML files the way `ebb validate`
 * judges them: decode, default, validate, load each schedule's time zone,
 * and print every problem as FILE:LINE: field.path: message. EDGE. */
#ifndef EBB_POLICY_LOAD_H
#define EBB_POLICY_LOAD_H

#include <stdio.h>

#include "../../pkg/api/v1alpha1/codec.h"
#include "../../pkg/base/tz.h"

/* Decodes every document of path, defaults and validates each
 * ScalingPolicy, and checks that every schedule's timeZone exists. Each
 * problem is one line on err. Returns the number of problems (0 = all
 * valid); *n_policies counts ScalingPolicy documents. When docs is not NULL
 * it receives the decoded, defaulted documents (caller releases them with
 * ebb_yaml_docs_release), else they are released here. */
int ebb_policy_file_check(const char *path, FILE *err, struct ebb_yaml_docs *docs /* OUT */,
                          size_t *n_policies /* OUT */);

/* Loads the first ScalingPolicy of path, valid and defaulted, with the
 * time zones its schedules name (tzs[i] for spec.schedules[i], NULL for
 * UTC). Problems are printed on err. The caller releases *out with
 * ebb_policy_release() and frees each tzs[i] with ebb_tz_free(). */
enum ebb_rc ebb_policy_load_one(const char *path, FILE *err, struct ebb_policy *out /* OUT */,
                                struct ebb_tz *tzs[EBB_MAX_SCHEDULES] /* OUT */);

#endif
