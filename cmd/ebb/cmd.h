/* cmd.h -- the subcommands of the ebb binary (cmd/ebb/main.c dispatches).
 *
 * Each takes the arguments after its own name (argv[0] is the subcommand)
 * and returns the process exit code: 0 success, 1 the work failed (a policy
 * is invalid, a file cannot be read), 2 bad usage.
 */
#ifndef EBB_CMD_H
#define EBB_CMD_H

int ebb_cmd_run(int argc, char **argv);
int ebb_cmd_decide(int argc, char **argv);
int ebb_cmd_simulate(int argc, char **argv);
int ebb_cmd_validate(int argc, char **argv);
int ebb_cmd_version(int argc, char **argv);

#endif
