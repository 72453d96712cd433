#include "policy_load.h"

#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/defaults.h"
#include "../../pkg/api/v1alpha1/validate.h"
#include "tzload.h"
#include "util.h"

static bool is_utc_name(const char *z)
{
    return z == NULL || z[0] == '\0' || strcmp(z, "UTC") == 0 || strcmp(z, "Etc/UTC") == 0;
}

/* Loads the zones of p's schedules into tzs; reports each failure. */
static int load_zones(const char *path, FILE *err, const struct ebb_yaml_doc *d,
                      const struct ebb_policy *p, struct ebb_tz **tzs)
{
    int problems = 0;
    for (size_t i = 0; i < p->spec.n_schedules && i < EBB_MAX_SCHEDULES; i++) {
        const char *zone = p->spec.schedules[i].time_zone;
        if (tzs)
            tzs[i] = NULL;
        if (is_utc_name(zone))
            continue;
        struct ebb_tz *tz = NULL;
        char msg[256];
        if (ebb_tz_load(zone, &tz, msg, sizeof(msg)) != EBB_OK) {
            char fpath[64];
            snprintf(fpath, sizeof(fpath), "spec.schedules[%zu].timeZone", i);
            fprintf(err, "%s:%d: %s: %s\n", path, d ? ebb_yaml_doc_line(d, fpath) : 1, fpath, msg);
            problems++;
            continue;
        }
        if (tzs)
            tzs[i] = tz;
        else
            ebb_tz_free(tz);
    }
    return problems;
}

/* True when path is base or lies under it (base.x, base[i]); "" covers
 * every path. */
static bool path_under(const char *path, const char *base)
{
    size_t n = strlen(base);
    return n == 0 ||
           (strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '.' || path[n] == '['));
}

static bool covered(const struct ebb_errlist *skip, const char *path)
{
    for (size_t j = 0; skip != NULL && j < skip->n; j++)
        if (path_under(path, skip->items[j].path))
            return true;
    return false;
}

/* Prints errs, leaving out those at or under a path of skip (NULL: none),
 * and returns how many were printed. */
static int report(const char *path, FILE *err, const struct ebb_yaml_doc *d,
                  const struct ebb_errlist *errs, const struct ebb_errlist *skip)
{
    int n = 0;
    for (size_t i = 0; i < errs->n; i++) {
        const struct ebb_field_error *e = &errs->items[i];
        if (covered(skip, e->path))
            continue;
        n++;
        int line = ebb_yaml_doc_line(d, e->path);
        if (e->path[0])
            fprintf(err, "%s:%d: %s: %s\n", path, line, e->path, e->message);
        else
            fprintf(err, "%s:%d: %s\n", path, line, e->message);
    }
    if (errs->truncated) {
        fprintf(err, "%s:%d: more errors were found than could be listed\n", path, d->line);
        n++;
    }
    return n;
}

/* ebb_policy_file_check(); when first_tzs is not NULL, the zones of the
 * first ScalingPolicy are kept there instead of being loaded only to be
 * checked, so a caller that needs them reads the tz database once. On
 * problems the caller frees whatever first_tzs received. */
static int check_file(const char *path, FILE *err, struct ebb_yaml_docs *docs_out,
                      size_t *n_policies, struct ebb_tz **first_tzs)
{
    char msg[512];
    char *text = NULL;
    size_t len = 0;
    struct ebb_yaml_docs docs = {NULL, 0};
    struct ebb_yaml_error yerr;
    int problems = 0;

    *n_policies = 0;
    if (ebb_read_file(path, &text, &len, msg, sizeof(msg)) != EBB_OK) {
        fprintf(err, "%s\n", msg);
        return 1;
    }
    memset(&yerr, 0, sizeof(yerr));
    enum ebb_rc rc = ebb_policy_docs_from_yaml(text, len, &docs, &yerr);
    if (rc == EBB_ERR_PARSE) {
        fprintf(err, "%s:%d:%d: %s\n", path, yerr.line, yerr.column, yerr.message);
        problems = 1;
        goto out;
    }
    if (rc != EBB_OK) {
        fprintf(err, "%s: %s\n", path, ebb_rc_str(rc));
        problems = 1;
        goto out;
    }
    for (size_t i = 0; i < docs.n; i++) {
        struct ebb_yaml_doc *d = &docs.docs[i];
        if (!d->is_policy)
            continue;
        (*n_policies)++;
        /* The codec's errors first; then defaults and validation run on
         * what it could decode, so one bad field does not hide the rest.
         * A validation error at or under a field the codec reported is
         * left out: it would only repeat it ("Required value" after
         * "Unsupported value"). */
        problems += report(path, err, d, &d->errors, NULL);
        if (ebb_policy_defaults(&d->policy) != EBB_OK) {
            fprintf(err, "%s:%d: out of memory\n", path, d->line);
            problems++;
            continue;
        }
        struct ebb_errlist errs = EBB_ERRLIST_INIT;
        ebb_policy_validate(&d->policy, &errs);
        problems += report(path, err, d, &errs, &d->errors);
        ebb_errlist_release(&errs);
        problems += load_zones(path, err, d, &d->policy, *n_policies == 1 ? first_tzs : NULL);
    }
    if (*n_policies == 0) {
        fprintf(err, "%s:1: no ScalingPolicy (apiVersion %s, kind %s) in this file\n", path,
                EBB_API_VERSION, EBB_KIND);
        problems++;
    }
out:
    if (docs_out && problems == 0)
        *docs_out = docs;
    else
        ebb_yaml_docs_release(&docs);
    free(text);
    return problems;
}

int ebb_policy_file_check(const char *path, FILE *err, struct ebb_yaml_docs *docs_out,
                          size_t *n_policies)
{
    return check_file(path, err, docs_out, n_policies, NULL);
}

enum ebb_rc ebb_policy_load_one(const char *path, FILE *err, struct ebb_policy *out,
                                struct ebb_tz *tzs[EBB_MAX_SCHEDULES])
{
    struct ebb_yaml_docs docs = {NULL, 0};
    size_t n = 0;
    for (size_t i = 0; i < EBB_MAX_SCHEDULES; i++)
        tzs[i] = NULL;
    if (check_file(path, err, &docs, &n, tzs) != 0) {
        for (size_t i = 0; i < EBB_MAX_SCHEDULES; i++) {
            ebb_tz_free(tzs[i]);
            tzs[i] = NULL;
        }
        return EBB_ERR_INVALID;
    }
    enum ebb_rc rc = EBB_ERR_NOTFOUND;
    for (size_t i = 0; i < docs.n; i++) {
        struct ebb_yaml_doc *d = &docs.docs[i];
        if (!d->is_policy)
            continue;
        /* The policy's arena moves with the struct; the doc gets an empty one. */
        *out = d->policy;
        ebb_policy_init(&d->policy);
        rc = EBB_OK;
        break;
    }
    ebb_yaml_docs_release(&docs);
    return rc;
}
