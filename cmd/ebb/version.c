#include <stdio.h>
#include <sys/utsname.h>

#include "cmd.h"

#ifndef EBB_VERSION
#define EBB_VERSION "0.0.0"
#endif

int ebb_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct utsname u;
    if (uname(&u) == 0)
        printf("ebb %s (%s/%s)\n", EBB_VERSION, u.sysname, u.machine);
    else
        printf("ebb %s\n", EBB_VERSION);
    return 0;
}
