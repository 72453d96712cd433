/* validate.c -- `ebb validate FILE...`: check ScalingPolicy YAML offline,
 * with the same codec and validator the controller uses. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "policy_load.h"

static const char validate_usage[] =
    "Usage: ebb validate [--quiet] FILE...\n"
    "\n"
    "Checks ScalingPolicy YAML files offline: every document of kind ScalingPolicy\n"
    "(ebb.dev/v1alpha1) is decoded, defaulted and validated, and each schedule's\n"
    "timeZone is looked up in the tz database. Other kinds are skipped. Every\n"
    "problem is printed as FILE:LINE: field.path: message. FILE - reads stdin.\n"
    "\n"
    "  --quiet   print only problems\n"
    "\n"
    "Exit status: 0 all valid, 1 a problem was found, 2 bad usage.\n";

int ebb_cmd_validate(int argc, char **argv)
{
    int quiet = 0, nfiles = 0, bad = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(validate_usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            quiet = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "ebb validate: unknown flag %s\n\n%s", argv[i], validate_usage);
            return 2;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            continue;
        nfiles++;
        size_t n = 0;
        int problems = ebb_policy_file_check(argv[i], stdout, NULL, &n);
        if (problems)
            bad++;
        else if (!quiet)
            printf("%s: %zu ScalingPolic%s valid\n", argv[i], n, n == 1 ? "y" : "ies");
    }
    if (nfiles == 0) {
        fprintf(stderr, "ebb validate: no files given\n\n%s", validate_usage);
        return 2;
    }
    return bad ? 1 : 0;
}
