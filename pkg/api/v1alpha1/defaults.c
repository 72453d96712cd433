/* defaults.c -- HPA's defaults for what the user left out, PURE. */
#include "defaults.h"

#include <string.h>

/* HPA's GenerateHPAScaleUpRules / GenerateHPAScaleDownRules
 * (pkg/apis/autoscaling/v2/defaults.go): up to 4 pods or 100% per 15s up,
 * 100% per 15s down. */
static const struct ebb_rate_policy default_up_policies[] = {
    {EBB_RATE_PODS, 4, EBB_DEFAULT_POLICY_PERIOD_MS},
    {EBB_RATE_PERCENT, 100, EBB_DEFAULT_POLICY_PERIOD_MS},
};
static const struct ebb_rate_policy default_down_policies[] = {
    {EBB_RATE_PERCENT, 100, EBB_DEFAULT_POLICY_PERIOD_MS},
};

#define COUNT(t) (sizeof(t) / sizeof(*(t)))

static enum ebb_rc default_rules(struct ebb_arena *arena, struct ebb_scaling_rules *r,
                                 int64_t window_ms, const struct ebb_rate_policy *policies,
                                 size_t n_policies)
{
    enum ebb_rc rc = EBB_OK;

    if (r->stabilization_ms == EBB_UNSET)
        r->stabilization_ms = window_ms;
    if (r->select_policy == EBB_SELECT_UNSET)
        r->select_policy = EBB_SELECT_MAX;
    /* An explicitly empty list is the user's mistake, reported by validation,
     * not something to paper over with defaults. */
    if (r->n_policies == 0 && !r->policies_set) {
        struct ebb_rate_policy *p = ebb_arena_calloc(arena, n_policies, sizeof(*p));
        if (p == NULL) {
            rc = EBB_ERR_NOMEM;
            goto out;
        }
        memcpy(p, policies, n_policies * sizeof(*p));
        r->policies = p;
        r->n_policies = n_policies;
        r->policies_set = true;
    }
    r->set = true;
out:
    return rc;
}

enum ebb_rc ebb_policy_defaults(struct ebb_policy *p)
{
    enum ebb_rc rc = EBB_OK;
    struct ebb_policy_spec *s = &p->spec;
    struct ebb_behavior *b = &s->behavior;

    if (s->min_replicas == EBB_UNSET)
        s->min_replicas = EBB_DEFAULT_MIN_REPLICAS;

    /* Tolerances stay as written: as in HPA, where the controller's
     * --horizontal-pod-autoscaler-tolerance applies when the HPA sets none,
     * the decision core falls back per direction to behavior.tolerance and
     * then to its config's tolerance (ebb_scale_config, 0.1 by default). */

    if (b->set) {
        rc = default_rules(&p->arena, &b->scale_up, 0, default_up_policies,
                           COUNT(default_up_policies));
        if (rc)
            goto out;
        rc = default_rules(&p->arena, &b->scale_down, EBB_DEFAULT_SCALE_DOWN_WINDOW_MS,
                           default_down_policies, COUNT(default_down_policies));
        if (rc)
            goto out;
    }

    if (s->channel_ports.set &&
        (s->channel_ports.pool == NULL || s->channel_ports.pool[0] == '\0') &&
        p->metadata.name != NULL && p->metadata.name[0] != '\0') {
        char *pool = ebb_arena_strdup(&p->arena, p->metadata.name);
        if (pool == NULL) {
            rc = EBB_ERR_NOMEM;
            goto out;
        }
        s->channel_ports.pool = pool;
    }
out:
    return rc;
}
