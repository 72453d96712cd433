/*
 * kubesim: validation of the built-in kinds other than CRDs and Events,
 * in the real server's order, field paths and words
 * (pkg/apis/{core,apps,coordination}/validation).
 */
#include "builtins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ge0[] = "must be greater than or equal to 0";

/* Optional integer field: checks type and >= 0 (or > 0). */
static void nonneg(struct ks_causes *c, const cJSON *obj, const char *key, const char *field,
                   bool positive)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    long long n;

    if (!v || cJSON_IsNull(v))
        return;
    if (!ks_bi_int(obj, key, &n)) {
        ks_bi_invalid_raw(c, field, cJSON_IsString(v) ? v->valuestring : "null",
                          "must be an integer");
        return;
    }
    if (positive ? n <= 0 : n < 0)
        ks_bi_invalid_num(c, field, (double)n, positive ? "must be greater than 0" : ge0);
}

/* ------------------------------------------------------------------ */
/* Label selectors                                                     */

static bool in_values(const cJSON *values, const char *v)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, values) if (cJSON_IsString(it) &&
                                       strcmp(it->valuestring, v) == 0) return true;
    return false;
}

/* metav1.LabelSelectorAsSelector + Matches. *bad: the selector does not
 * convert (unknown operator ...). */
/* The value of label key ("app.kubernetes.io/name": keys hold dots, so
 * not a dotted path), or NULL. */
static const char *label_value(const cJSON *labels, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool selector_matches(const cJSON *sel, const cJSON *labels, bool *bad)
{
    const cJSON *it;

    *bad = false;
    if (!cJSON_IsObject(sel))
        return false; /* labels.Nothing() */
    const cJSON *ml = cJSON_GetObjectItemCaseSensitive(sel, "matchLabels");
    if (ml && !cJSON_IsObject(ml) && !cJSON_IsNull(ml)) {
        *bad = true;
        return false;
    }
    cJSON_ArrayForEach(it, ml)
    {
        const char *have = label_value(labels, it->string);
        if (!cJSON_IsString(it) || !have || strcmp(have, it->valuestring) != 0)
            return false;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions"))
    {
        const char *key = ks_json_str(it, "key"), *op = ks_json_str(it, "operator");
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(it, "values");
        const char *have = key ? label_value(labels, key) : NULL;
        if (!key || !op) {
            *bad = true;
            return false;
        }
        if (strcmp(op, "In") == 0) {
            if (!have || !in_values(vals, have))
                return false;
        } else if (strcmp(op, "NotIn") == 0) {
            if (have && in_values(vals, have))
                return false;
        } else if (strcmp(op, "Exists") == 0) {
            if (!have)
                return false;
        } else if (strcmp(op, "DoesNotExist") == 0) {
            if (have)
                return false;
        } else {
            *bad = true;
            return false;
        }
    }
    return true;
}

static bool selector_empty(const cJSON *sel)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sel, "matchLabels")) +
               cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions")) ==
           0;
}

static void validate_selector(struct ks_causes *c, const cJSON *sel, const char *field)
{
    char f[160];
    const cJSON *e;
    int i = 0;

    snprintf(f, sizeof(f), "%s.matchLabels", field);
    ks_bi_validate_labels(c, f, cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"));
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions"))
    {
        const char *op = ks_json_str(e, "operator");
        int nv = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(e, "values"));
        op = op ? op : "";
        if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
            if (nv == 0) {
                snprintf(f, sizeof(f), "%s.matchExpressions[%d].values", field, i);
                ks_bi_required(c, f, "must be specified when `operator` is 'In' or 'NotIn'");
            }
        } else if (strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0) {
            if (nv > 0) {
                snprintf(f, sizeof(f), "%s.matchExpressions[%d].values", field, i);
                ks_bi_forbidden(c, f,
                                "may not be specified when `operator` is 'Exists' or "
                                "'DoesNotExist'");
            }
        } else {
            snprintf(f, sizeof(f), "%s.matchExpressions[%d].operator", field, i);
            ks_bi_invalid_str(c, f, op, "not a valid selector operator");
        }
        snprintf(f, sizeof(f), "%s.matchExpressions[%d].key", field, i);
        ks_bi_validate_qualified_name(c, f, ks_json_str(e, "key"));
        i++;
    }
}

static void invalid_selector(struct ks_causes *c, const char *field, const cJSON *sel,
                             const char *detail)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;

    ks_bi_render_selector(&sb, sel);
    ks_bi_invalid_raw(c, field, sb.buf, detail);
    ebb_strbuf_release(&sb);
}

/* ------------------------------------------------------------------ */
/* Pod spec                                                            */

static void validate_container(struct ks_causes *c, const cJSON *ctr, const char *path,
                               const cJSON *all, int idx)
{
    static const char *const pull[] = {"Always", "IfNotPresent", "Never", NULL};
    static const char *const protos[] = {"SCTP", "TCP", "UDP", NULL};
    char f[200];
    const char *name = ks_json_str(ctr, "name");
    const char *image = ks_json_str(ctr, "image");
    const char *pp = ks_json_str(ctr, "imagePullPolicy");
    const cJSON *it;
    int i;

    snprintf(f, sizeof(f), "%s.name", path);
    if (!name || !*name) {
        ks_bi_required(c, f, "");
    } else {
        struct ks_bi_msgs m;
        ks_bi_name_msgs(KS_BI_LABEL, name, false, &m);
        for (i = 0; i < m.n; i++)
            ks_bi_invalid_str(c, f, name, m.v[i]);
        i = 0;
        cJSON_ArrayForEach(it, all)
        {
            const char *other = ks_json_str(it, "name");
            if (i++ < idx && other && strcmp(other, name) == 0) {
                ks_bi_duplicate(c, f, name);
                break;
            }
        }
    }
    if (!image || !*image) {
        snprintf(f, sizeof(f), "%s.image", path);
        ks_bi_required(c, f, "");
    }
    if (pp && *pp && strcmp(pp, "Always") && strcmp(pp, "IfNotPresent") && strcmp(pp, "Never")) {
        snprintf(f, sizeof(f), "%s.imagePullPolicy", path);
        ks_bi_not_supported(c, f, pp, pull);
    }
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ctr, "ports"))
    {
        long long port;
        const char *proto = ks_json_str(it, "protocol");
        snprintf(f, sizeof(f), "%s.ports[%d].containerPort", path, i);
        if (!cJSON_GetObjectItemCaseSensitive(it, "containerPort"))
            ks_bi_required(c, f, "");
        else if (!ks_bi_int(it, "containerPort", &port) || port < 1 || port > 65535)
            ks_bi_invalid_num(c, f, ks_bi_int(it, "containerPort", &port) ? (double)port : 0,
                              "must be between 1 and 65535, inclusive");
        if (proto && strcmp(proto, "TCP") && strcmp(proto, "UDP") && strcmp(proto, "SCTP")) {
            snprintf(f, sizeof(f), "%s.ports[%d].protocol", path, i);
            ks_bi_not_supported(c, f, proto, protos);
        }
        i++;
    }
}

static void validate_containers(struct ks_causes *c, const cJSON *list, const char *path,
                                bool required)
{
    char p[160];
    const cJSON *it;
    int i = 0;

    if (required && cJSON_GetArraySize(list) == 0) {
        ks_bi_required(c, path, "");
        return;
    }
    cJSON_ArrayForEach(it, list)
    {
        snprintf(p, sizeof(p), "%s[%d]", path, i);
        validate_container(c, it, p, list, i);
        i++;
    }
}

static void validate_pod_spec(struct ks_causes *c, const cJSON *spec, const char *path)
{
    static const char *const restart[] = {"Always", "OnFailure", "Never", NULL};
    char f[160];
    const char *rp = ks_json_str(spec, "restartPolicy");

    snprintf(f, sizeof(f), "%s.containers", path);
    validate_containers(c, cJSON_GetObjectItemCaseSensitive(spec, "containers"), f, true);
    snprintf(f, sizeof(f), "%s.initContainers", path);
    validate_containers(c, cJSON_GetObjectItemCaseSensitive(spec, "initContainers"), f, false);
    snprintf(f, sizeof(f), "%s.restartPolicy", path);
    if (!rp || !*rp)
        ks_bi_required(c, f, "");
    else if (strcmp(rp, "Always") && strcmp(rp, "OnFailure") && strcmp(rp, "Never"))
        ks_bi_not_supported(c, f, rp, restart);
    snprintf(f, sizeof(f), "%s.nodeSelector", path);
    ks_bi_validate_labels(c, f, cJSON_GetObjectItemCaseSensitive(spec, "nodeSelector"));
    snprintf(f, sizeof(f), "%s.terminationGracePeriodSeconds", path);
    nonneg(c, spec, "terminationGracePeriodSeconds", f, false);
    snprintf(f, sizeof(f), "%s.activeDeadlineSeconds", path);
    nonneg(c, spec, "activeDeadlineSeconds", f, true);
}

/* ValidatePodTemplateSpecForReplicaSet and friends. */
static void validate_template(struct ks_causes *c, const cJSON *spec, const char *owner)
{
    static const char *const always[] = {"Always", NULL};
    const cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(spec, "template");
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(spec, "selector");
    const cJSON *labels = ks_json_path(tmpl, "metadata.labels");
    bool bad;

    if (!cJSON_IsObject(tmpl)) {
        ks_bi_required(c, "spec.template", "");
        return;
    }
    bool matches = selector_matches(sel, labels, &bad);
    if (bad) {
        invalid_selector(c, "spec.selector", sel, "invalid label selector");
        return;
    }
    if (!(cJSON_IsObject(sel) && selector_empty(sel)) && !matches) {
        struct ebb_strbuf sb = EBB_STRBUF_INIT;
        ks_bi_render_map(&sb, labels);
        ks_bi_invalid_raw(c, "spec.template.metadata.labels", sb.buf,
                          "`selector` does not match template `labels`");
        ebb_strbuf_release(&sb);
    }
    ks_bi_validate_labels(c, "spec.template.labels", labels);
    ks_bi_validate_annotations(c, "spec.template.annotations",
                               ks_json_path(tmpl, "metadata.annotations"));
    validate_pod_spec(c, cJSON_GetObjectItemCaseSensitive(tmpl, "spec"), "spec.template.spec");
    const char *rp = ks_json_str(tmpl, "spec.restartPolicy");
    if (rp && *rp && strcmp(rp, "Always") != 0)
        ks_bi_not_supported(c, "spec.template.spec.restartPolicy", rp, always);
    if (ks_json_path(tmpl, "spec.activeDeadlineSeconds")) {
        char msg[96];
        snprintf(msg, sizeof(msg), "activeDeadlineSeconds in %s is not Supported", owner);
        ks_bi_forbidden(c, "spec.template.spec.activeDeadlineSeconds", msg);
    }
}

/* Selector required / non-empty / well-formed. */
static void validate_spec_selector(struct ks_causes *c, const cJSON *spec, const char *what)
{
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(spec, "selector");

    if (!sel || cJSON_IsNull(sel)) {
        ks_bi_required(c, "spec.selector", "");
        return;
    }
    validate_selector(c, sel, "spec.selector");
    if (selector_empty(sel)) {
        char msg[64];
        snprintf(msg, sizeof(msg), "empty selector is invalid for %s", what);
        invalid_selector(c, "spec.selector", sel, msg);
    }
}

static void immutable_selector(struct ks_causes *c, const cJSON *obj, const cJSON *old)
{
    const cJSON *a = ks_json_path(obj, "spec.selector");
    const cJSON *b = ks_json_path(old, "spec.selector");

    if (old && !cJSON_Compare(a, b, true) && (a || b))
        invalid_selector(c, "spec.selector", a, "field is immutable");
}

/* ------------------------------------------------------------------ */
/* apps/v1                                                             */

/* intstr: "25%" or 3. Returns the value (percent as is); -1 on error. */
static long long int_or_percent(struct ks_causes *c, const cJSON *ru, const char *key,
                                const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ru, key);
    long long n;

    if (!v || cJSON_IsNull(v))
        return 0;
    if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        size_t len = strlen(s);
        bool ok = len >= 2 && s[len - 1] == '%';
        for (size_t i = 0; ok && i + 1 < len; i++)
            ok = s[i] >= '0' && s[i] <= '9';
        char rendered[300];
        snprintf(rendered, sizeof(rendered),
                 "intstr.IntOrString{Type:1, IntVal:0, StrVal:\"%.200s\"}", s);
        if (!ok) {
            ks_bi_invalid_raw(c, field, rendered,
                              "a valid percent string must be a numeric string followed by an "
                              "ending '%' (e.g. '1%',  or '93%', regex used for validation is "
                              "'[0-9]+%')");
            return -1;
        }
        n = strtoll(s, NULL, 10);
        if (n > 100) {
            ks_bi_invalid_raw(c, field, rendered, "must not be greater than 100%");
            return -1;
        }
        return n;
    }
    if (!ks_bi_int(ru, key, &n)) {
        ks_bi_invalid_raw(c, field, "null", "must be an integer or percentage (e.g '5%')");
        return -1;
    }
    if (n < 0) {
        ks_bi_invalid_num(c, field, (double)n, ge0);
        return -1;
    }
    return n;
}

static void validate_deploy_strategy(struct ks_causes *c, const cJSON *spec)
{
    static const char *const types[] = {"Recreate", "RollingUpdate", NULL};
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(spec, "strategy");
    const cJSON *ru = cJSON_GetObjectItemCaseSensitive(st, "rollingUpdate");
    const char *type = ks_json_str(st, "type");

    if (type && strcmp(type, "Recreate") == 0) {
        if (ru && !cJSON_IsNull(ru))
            ks_bi_forbidden(c, "spec.strategy.rollingUpdate",
                            "may not be specified when strategy `type` is 'Recreate'");
    } else if (type && strcmp(type, "RollingUpdate") == 0) {
        if (!cJSON_IsObject(ru)) {
            ks_bi_required(c, "spec.strategy.rollingUpdate",
                           "this should be defaulted and never be nil");
            return;
        }
        long long mu =
            int_or_percent(c, ru, "maxUnavailable", "spec.strategy.rollingUpdate.maxUnavailable");
        long long ms = int_or_percent(c, ru, "maxSurge", "spec.strategy.rollingUpdate.maxSurge");
        if (mu == 0 && ms == 0) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(ru, "maxUnavailable");
            char rendered[300];
            if (cJSON_IsString(v))
                snprintf(rendered, sizeof(rendered),
                         "intstr.IntOrString{Type:1, IntVal:0, StrVal:\"%.200s\"}", v->valuestring);
            else
                snprintf(rendered, sizeof(rendered),
                         "intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}");
            ks_bi_invalid_raw(c, "spec.strategy.rollingUpdate.maxUnavailable", rendered,
                              "may not be 0 when `maxSurge` is 0");
        }
    } else {
        ks_bi_not_supported(c, "spec.strategy", type ? type : "", types);
    }
}

static void validate_deployment(struct ks_causes *c, const cJSON *obj, const cJSON *old)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    long long pds, mrs = 0;

    ks_bi_validate_meta(c, obj, true, KS_BI_SUBDOMAIN, NULL);
    nonneg(c, spec, "replicas", "spec.replicas", false);
    validate_spec_selector(c, spec, "deployment");
    validate_template(c, spec, "ReplicaSet");
    validate_deploy_strategy(c, spec);
    nonneg(c, spec, "minReadySeconds", "spec.minReadySeconds", false);
    nonneg(c, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", false);
    ks_bi_int(spec, "minReadySeconds", &mrs);
    if (ks_bi_int(spec, "progressDeadlineSeconds", &pds)) {
        nonneg(c, spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds", true);
        if (pds <= mrs)
            ks_bi_invalid_num(c, "spec.progressDeadlineSeconds", (double)pds,
                              "must be greater than minReadySeconds");
    }
    immutable_selector(c, obj, old);
}

static void validate_replicaset(struct ks_causes *c, const cJSON *obj, const cJSON *old)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");

    ks_bi_validate_meta(c, obj, true, KS_BI_SUBDOMAIN, NULL);
    nonneg(c, spec, "replicas", "spec.replicas", false);
    nonneg(c, spec, "minReadySeconds", "spec.minReadySeconds", false);
    validate_spec_selector(c, spec, "deployment");
    validate_template(c, spec, "ReplicaSet");
    immutable_selector(c, obj, old);
}

static void validate_daemonset(struct ks_causes *c, const cJSON *obj, const cJSON *old)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");

    ks_bi_validate_meta(c, obj, true, KS_BI_SUBDOMAIN, NULL);
    validate_spec_selector(c, spec, "daemonset");
    validate_template(c, spec, "DaemonSet");
    nonneg(c, spec, "minReadySeconds", "spec.minReadySeconds", false);
    nonneg(c, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", false);
    immutable_selector(c, obj, old);
}

static void validate_statefulset(struct ks_causes *c, const cJSON *obj, const cJSON *old)
{
    static const char *const mutable_keys[] = {"replicas", "template", "updateStrategy",
                                               "minReadySeconds",
                                               "persistentVolumeClaimRetentionPolicy"};
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    const char *pmp = ks_json_str(spec, "podManagementPolicy");
    const char *ust = ks_json_str(spec, "updateStrategy.type");

    ks_bi_validate_meta(c, obj, true, KS_BI_SUBDOMAIN, NULL);
    if (!pmp || !*pmp)
        ks_bi_required(c, "spec.podManagementPolicy", "");
    else if (strcmp(pmp, "OrderedReady") && strcmp(pmp, "Parallel"))
        ks_bi_invalid_str(c, "spec.podManagementPolicy", pmp,
                          "must be 'OrderedReady' or 'Parallel'");
    if (!ust || !*ust) {
        ks_bi_required(c, "spec.updateStrategy", "");
    } else if (strcmp(ust, "OnDelete") == 0) {
        if (cJSON_IsObject(ks_json_path(spec, "updateStrategy.rollingUpdate")))
            ks_bi_invalid_raw(c, "spec.updateStrategy.rollingUpdate", "apps.RollingUpdate",
                              "only allowed for updateStrategy 'RollingUpdate'");
    } else if (strcmp(ust, "RollingUpdate") == 0) {
        nonneg(c, ks_json_path(spec, "updateStrategy.rollingUpdate"), "partition",
               "spec.updateStrategy.rollingUpdate.partition", false);
    } else {
        ks_bi_invalid_str(c, "spec.updateStrategy", ust, "must be 'RollingUpdate' or 'OnDelete'");
    }
    nonneg(c, spec, "replicas", "spec.replicas", false);
    nonneg(c, spec, "minReadySeconds", "spec.minReadySeconds", false);
    validate_spec_selector(c, spec, "statefulset");
    validate_template(c, spec, "StatefulSet");
    if (!old)
        return;
    /* only replicas, template, updateStrategy, ... may change */
    cJSON *a = cJSON_Duplicate(spec, true);
    cJSON *b = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(old, "spec"), true);
    if (a && b) {
        for (size_t i = 0; i < sizeof(mutable_keys) / sizeof(mutable_keys[0]); i++) {
            cJSON_DeleteItemFromObjectCaseSensitive(a, mutable_keys[i]);
            cJSON_DeleteItemFromObjectCaseSensitive(b, mutable_keys[i]);
        }
        if (!cJSON_Compare(a, b, true))
            ks_bi_forbidden(c, "spec",
                            "updates to statefulset spec for fields other than 'replicas', "
                            "'template', 'updateStrategy', "
                            "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                            "forbidden");
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
}

/* ------------------------------------------------------------------ */
/* core/v1, coordination                                               */

static void validate_config_keys(struct ks_causes *c, const cJSON *obj, const char *key)
{
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(obj, key), *it;

    if (!cJSON_IsObject(map))
        return;
    cJSON_ArrayForEach(it, map)
    {
        bool ok = *it->string != '\0';
        for (const char *p = it->string; ok && *p; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                 *p == '-' || *p == '_' || *p == '.';
        if (ok && (strcmp(it->string, ".") == 0 || strcmp(it->string, "..") == 0 ||
                   strncmp(it->string, "..", 2) == 0))
            ks_bi_invalid_str(c, key, it->string,
                              strcmp(it->string, ".") == 0    ? "must not be '.'"
                              : strcmp(it->string, "..") == 0 ? "must not be '..'"
                                                              : "must not start with '..'");
        else if (!ok)
            ks_bi_invalid_str(c, key, it->string,
                              "a valid config key must consist of alphanumeric characters, "
                              "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
                              "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
    }
}

static void validate_lease(struct ks_causes *c, const cJSON *obj)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");

    ks_bi_validate_meta(c, obj, true, KS_BI_SUBDOMAIN, NULL);
    nonneg(c, spec, "leaseDurationSeconds", "spec.leaseDurationSeconds", true);
    nonneg(c, spec, "leaseTransitions", "spec.leaseTransitions", false);
}

static void validate_pod(struct ks_causes *c, const cJSON *obj)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    const cJSON *it;
    int i = 0;

    ks_bi_validate_meta(c, obj, true, KS_BI_SUBDOMAIN, NULL);
    validate_pod_spec(c, spec, "spec");
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(spec, "containers"))
    {
        const char *image = ks_json_str(it, "image");
        size_t n = image ? strlen(image) : 0;
        if (n && (image[0] == ' ' || image[n - 1] == ' ')) {
            char f[64];
            snprintf(f, sizeof(f), "spec.containers[%d].image", i);
            ks_bi_invalid_str(c, f, image, "must not have leading or trailing whitespace");
        }
        i++;
    }
}

static void validate_hpa(struct ks_causes *c, const cJSON *obj)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    long long min = 1, max = 0;
    bool has_min = ks_bi_int(spec, "minReplicas", &min);

    ks_bi_validate_meta(c, obj, true, KS_BI_SUBDOMAIN, NULL);
    if (has_min && min < 1)
        ks_bi_invalid_num(c, "spec.minReplicas", (double)min, "must be greater than or equal to 1");
    ks_bi_int(spec, "maxReplicas", &max);
    if (max < 1)
        ks_bi_invalid_num(c, "spec.maxReplicas", (double)max, "must be greater than 0");
    if (has_min && max < min)
        ks_bi_invalid_num(c, "spec.maxReplicas", (double)max,
                          "must be greater than or equal to `minReplicas`");
    const char *kind = ks_json_str(spec, "scaleTargetRef.kind");
    const char *name = ks_json_str(spec, "scaleTargetRef.name");
    if (!kind || !*kind)
        ks_bi_required(c, "spec.scaleTargetRef.kind", "");
    if (!name || !*name)
        ks_bi_required(c, "spec.scaleTargetRef.name", "");
}

void ks_bi_validate(const ks_rtype *rt, const cJSON *obj, const cJSON *old, struct ks_causes *c)
{
    const char *k = rt->kind;

    if (strcmp(rt->group, "apps") == 0) {
        if (strcmp(k, "Deployment") == 0)
            validate_deployment(c, obj, old);
        else if (strcmp(k, "StatefulSet") == 0)
            validate_statefulset(c, obj, old);
        else if (strcmp(k, "ReplicaSet") == 0)
            validate_replicaset(c, obj, old);
        else if (strcmp(k, "DaemonSet") == 0)
            validate_daemonset(c, obj, old);
        return;
    }
    if (strcmp(rt->group, "coordination.k8s.io") == 0) {
        validate_lease(c, obj);
        return;
    }
    if (strcmp(rt->group, "autoscaling") == 0) {
        validate_hpa(c, obj);
        return;
    }
    if (*rt->group) { /* batch and the rest: object metadata only */
        ks_bi_validate_meta(c, obj, rt->namespaced, KS_BI_SUBDOMAIN, NULL);
        return;
    }
    if (strcmp(k, "Pod") == 0) {
        validate_pod(c, obj);
    } else if (strcmp(k, "Namespace") == 0) {
        ks_bi_validate_meta(c, obj, false, KS_BI_LABEL, NULL);
    } else if (strcmp(k, "Service") == 0) {
        ks_bi_validate_meta(c, obj, true, KS_BI_DNS1035, NULL);
    } else if (strcmp(k, "ConfigMap") == 0 || strcmp(k, "Secret") == 0) {
        ks_bi_validate_meta(c, obj, true, KS_BI_SUBDOMAIN, NULL);
        validate_config_keys(c, obj, "data");
        validate_config_keys(c, obj, strcmp(k, "Secret") == 0 ? "stringData" : "binaryData");
    } else {
        ks_bi_validate_meta(c, obj, rt->namespaced, KS_BI_SUBDOMAIN, NULL);
    }
}
