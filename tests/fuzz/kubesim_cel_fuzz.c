/* kubesim_cel_fuzz.c -- libFuzzer target for kubesim's CEL interpreter
 * (cmd/kubesim/cel*.c): the rules of a CRD's x-kubernetes-validations.
 *
 * The input is up to four lines: a rule, self as JSON, oldSelf as JSON,
 * and the OpenAPI schema node typing them (each optional). The rule is
 * compiled; a failure must say why. A compiled rule is evaluated as a
 * rule (bool), as a value and as a messageExpression, under a small step
 * budget: each must end with a result or an error text, never a crash or
 * a leak. The first line also goes to the pattern translator used by
 * matches() and the schema's pattern. Built and run by `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kubesim/cel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEPS 20000u

static void must(bool ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "kubesim_cel_fuzz: %s\n%s\n", what, detail != NULL ? detail : "");
    abort();
}

static void terminated(const char *buf, size_t n, const char *what)
{
    must(memchr(buf, '\0', n) != NULL, what, NULL);
}

/* The next line of *p (NUL-terminated in place), or NULL at the end. */
static char *next_line(char **p)
{
    char *s = *p;
    if (s == NULL)
        return NULL;
    char *nl = strchr(s, '\n');
    if (nl != NULL) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = NULL;
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char err[512], out[512];

    must(text != NULL, "out of memory", NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    char *rest = text;
    const char *rule = next_line(&rest);
    const char *self_s = next_line(&rest);
    const char *old_s = next_line(&rest);
    const char *schema_s = next_line(&rest);
    cJSON *self = self_s ? cJSON_Parse(self_s) : NULL;
    cJSON *old = old_s ? cJSON_Parse(old_s) : NULL;
    cJSON *schema = schema_s ? cJSON_Parse(schema_s) : NULL;

    memset(err, 'x', sizeof(err));
    ks_cel_prog *p = ks_cel_compile(rule, err, sizeof(err));
    terminated(err, sizeof(err), "compile: err not terminated");
    if (p == NULL) {
        must(err[0] != '\0', "compile failed without a message", rule);
    } else {
        (void)ks_cel_uses_old_self(p);
        memset(err, 'x', sizeof(err));
        enum ks_cel_result r = ks_cel_eval_bool(p, self, old, schema, STEPS, err, sizeof(err));
        must(r == KS_CEL_TRUE || r == KS_CEL_FALSE || r == KS_CEL_ERROR, "eval_bool: result", NULL);
        if (r == KS_CEL_ERROR) {
            terminated(err, sizeof(err), "eval_bool: err not terminated");
            must(err[0] != '\0', "eval_bool: an error without a message", rule);
        }
        memset(out, 'x', sizeof(out));
        int rc = ks_cel_eval_repr(p, self, old, schema, STEPS, out, sizeof(out));
        must(rc == 0 || rc == -1, "eval_repr: result", NULL);
        terminated(out, sizeof(out), "eval_repr: out not terminated");
        memset(out, 'x', sizeof(out));
        rc = ks_cel_eval_string(p, self, NULL, schema, STEPS, out, sizeof(out));
        must(rc == 0 || rc == -1, "eval_string: result", NULL);
        terminated(out, sizeof(out), "eval_string: out not terminated");
        ks_cel_free(p);
    }

    regex_t re;
    memset(err, 'x', sizeof(err));
    if (ks_cel_regcomp(&re, rule, true, err, sizeof(err)) == 0) {
        (void)regexec(&re, self_s ? self_s : "", 0, NULL, 0);
        regfree(&re);
    } else {
        terminated(err, sizeof(err), "regcomp: err not terminated");
        must(err[0] != '\0', "regcomp failed without a message", rule);
    }

    cJSON_Delete(self);
    cJSON_Delete(old);
    cJSON_Delete(schema);
    free(text);
    return 0;
}
