/* decide.c -- `ebb decide`: one decision of the core, JSON in and JSON out.
 *
 * The decision core's black-box interface (docs/decide.md): stdin carries
 * the policy (with its status, which holds the history), the target's
 * replica counts, the pods, the metric observations and the time; stdout
 * gets the decision and the policy's updated status. Feeding that status
 * back as policy.status chains decisions exactly as the controller does.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/codec.h"
#include "../../pkg/api/v1alpha1/quantity.h"
#include "../../pkg/controller/status.h"
#include "../../pkg/scale/scale.h"
#include "cmd.h"
#include "decide_input.h"
#include "util.h"

static const char decide_usage[] =
    "Usage: ebb decide [--compact] [FILE]\n"
    "\n"
    "Reads one JSON input (FILE, or stdin) -- the ScalingPolicy with its status,\n"
    "the target's replicas, the pods, the metric observations and \"now\" -- runs\n"
    "the decision core once and prints the decision and the policy's updated\n"
    "status as JSON. The format, with examples, is in docs/decide.md.\n"
    "\n"
    "  --compact   print the JSON on one line\n"
    "\n"
    "Exit status: 0 decided, 1 the input is invalid (each problem on stderr as\n"
    "field.path: message), 2 bad usage.\n";

static cJSON *quantity_json(int64_t milli)
{
    char buf[32];
    ebb_quantity_format(milli, buf, sizeof(buf));
    return cJSON_CreateString(buf);
}

static cJSON *decision_json(const struct ebb_decide_input *in, const struct ebb_decision *d)
{
    const struct ebb_policy_spec *spec = &in->policy.spec;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "currentReplicas", in->current);
    cJSON_AddNumberToObject(o, "desiredReplicas", d->desired);
    cJSON_AddBoolToObject(o, "scale", d->scale);
    cJSON_AddStringToObject(o, "reason", d->reason);
    cJSON_AddNumberToObject(o, "recommendation", d->recommendation);
    cJSON_AddNumberToObject(o, "stabilized", d->stabilized);
    cJSON_AddNumberToObject(o, "minReplicas", d->min_replicas);
    cJSON_AddNumberToObject(o, "maxReplicas", d->max_replicas);
    if (d->active_schedule >= 0 && (size_t)d->active_schedule < spec->n_schedules)
        cJSON_AddStringToObject(o, "activeSchedule", spec->schedules[d->active_schedule].name);

    cJSON *ms = cJSON_AddArrayToObject(o, "metrics");
    for (size_t i = 0; i < d->n_metrics && i < spec->n_metrics; i++) {
        const struct ebb_metric_result *r = &d->metrics[i];
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "name", spec->metrics[i].name);
        cJSON_AddBoolToObject(m, "valid", r->valid);
        if (r->valid) {
            cJSON_AddItemToObject(m, "value", quantity_json(r->value_milli));
            cJSON_AddItemToObject(m, "target", quantity_json(r->target_milli));
            cJSON_AddNumberToObject(m, "rawProposal", r->raw_proposal);
            cJSON_AddNumberToObject(m, "proposal", r->proposal);
            cJSON_AddBoolToObject(m, "bandHeld", r->band_held);
        } else {
            cJSON_AddStringToObject(m, "error", r->error);
        }
        cJSON_AddItemToArray(ms, m);
    }
    cJSON *cs = cJSON_AddArrayToObject(o, "conditions");
    for (int t = 0; t < EBB_COND_TYPE__COUNT; t++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "type", ebb_cond_type_name((enum ebb_cond_type)t));
        cJSON_AddStringToObject(c, "status", ebb_condition_status_name(d->conditions[t].status));
        cJSON_AddStringToObject(c, "reason",
                                d->conditions[t].reason ? d->conditions[t].reason : "");
        cJSON_AddStringToObject(c, "message", d->conditions[t].message);
        cJSON_AddItemToArray(cs, c);
    }
    return o;
}

int ebb_cmd_decide(int argc, char **argv)
{
    const char *file = "-";
    int nfiles = 0;
    bool compact = false;
    int ret = 1;
    char *text = NULL, *printed = NULL;
    size_t len = 0;
    cJSON *out = NULL;
    struct ebb_decide_input in;
    struct ebb_errlist errs = EBB_ERRLIST_INIT;
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    struct ebb_decision *d = NULL;
    struct ebb_scale_input si;
    char msg[512];

    ebb_decide_input_init(&in);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(decide_usage, stdout);
            ret = 0;
            goto out;
        } else if (strcmp(argv[i], "--compact") == 0) {
            compact = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "ebb decide: unknown flag %s\n\n%s", argv[i], decide_usage);
            ret = 2;
            goto out;
        } else if (nfiles++ > 0) {
            fprintf(stderr, "ebb decide: one input at a time (got %s and %s)\n\n%s", file, argv[i],
                    decide_usage);
            ret = 2;
            goto out;
        } else {
            file = argv[i];
        }
    }
    if (ebb_read_file(file, &text, &len, msg, sizeof(msg)) != EBB_OK) {
        fprintf(stderr, "ebb decide: %s\n", msg);
        goto out;
    }
    if (ebb_decide_input_parse(&in, text, len, &errs) != EBB_OK) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s%s%s\n", errs.items[i].path, errs.items[i].path[0] ? ": " : "",
                    errs.items[i].message);
        goto out;
    }
    d = malloc(sizeof(*d));
    if (d == NULL)
        goto out;
    ebb_decide_input_scale(&in, &si);
    enum ebb_rc rc = ebb_scale_decide(&si, d);
    if (rc != EBB_OK) {
        fprintf(stderr, "ebb decide: %s: %s\n", ebb_rc_str(rc), d->reason);
        goto out;
    }
    out = decision_json(&in, d);
    if (ebb_status_apply_decision(&in.policy, d, in.current, in.now_ms) != EBB_OK ||
        ebb_policy_status_to_json(&in.policy.status, &sb) != EBB_OK) {
        fprintf(stderr, "ebb decide: out of memory\n");
        goto out;
    }
    cJSON *status = cJSON_Parse(sb.buf);
    if (status == NULL) {
        fprintf(stderr, "ebb decide: internal error: status encoding is not JSON\n");
        goto out;
    }
    cJSON_AddItemToObject(out, "status", status);
    printed = compact ? cJSON_PrintUnformatted(out) : cJSON_Print(out);
    if (printed == NULL)
        goto out;
    puts(printed);
    ret = 0;
out:
    cJSON_free(printed);
    cJSON_Delete(out);
    free(text);
    free(d);
    ebb_strbuf_release(&sb);
    ebb_errlist_release(&errs);
    ebb_decide_input_release(&in);
    return ret;
}
