/*
 * kubesim: the built-in kinds -- defaults, validation, CRD registration
 * (builtins*.c). api.c calls these on every write of a built-in type.
 */
#ifndef KUBESIM_BUILTINS_H
#define KUBESIM_BUILTINS_H

#include "ks.h"

/* Defaults a built-in object in place (create and update). */
void ks_builtin_default(const ks_rtype *rt, cJSON *obj);
/* Validates; old is the stored object on update (NULL on create).
 * Appends causes in the real server's words; returns 0 or KS_EINVALID. */
int ks_builtin_validate(const ks_rtype *rt, const cJSON *obj, const cJSON *old,
                        struct ks_causes *causes);
/* Built-in kinds whose generation also bumps on annotation changes
 * (Deployment). */
bool ks_builtin_generation_on_annotations(const ks_rtype *rt);
/* After a CRD is created/updated/deleted through the API: (un)register
 * its types and fill its status (conditions Established, NamesAccepted;
 * acceptedNames). Returns 0 or KS_EINVALID with causes. */
int ks_builtin_crd_changed(ks_sim *s, cJSON *crd, bool deleted, struct ks_causes *causes);

/* Validates an autoscaling/v1 Scale written to a /scale subresource
 * (spec.replicas >= 0, fixture 25). Returns 0 or KS_EINVALID + causes. */
int ks_builtin_validate_scale(const cJSON *scale, struct ks_causes *causes);

#endif
