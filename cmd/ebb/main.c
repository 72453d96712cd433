/* main.c -- the ebb binary: a table of subcommands, nothing else.
 *
 * Every subcommand lives in its own file and has the signature of cmd.h.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

struct subcommand {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"run", ebb_cmd_run, "run the controller against a cluster (see ebb run --help)"},
    {"decide", ebb_cmd_decide, "decide once: read a JSON input on stdin, print the decision"},
    {"simulate", ebb_cmd_simulate, "replay a load trace through the decision core"},
    {"validate", ebb_cmd_validate, "check ScalingPolicy YAML files offline"},
    {"version", ebb_cmd_version, "print the version"},
};

static void usage(FILE *out)
{
    fprintf(out, "Ebb: a Kubernetes autoscaler that explains every decision.\n\n"
                 "Usage: ebb <command> [flags]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\nRun 'ebb <command> --help' for the flags of a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0)
        name = "version";
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        if (strcmp(subcommands[i].name, name) == 0)
            return subcommands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ebb: unknown command \"%s\"\n\n", name);
    usage(stderr);
    return 2;
}
