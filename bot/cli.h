/*
 * cli.h - reflekt's command line: enrol leaders, plan sessions, nudge,
 * review and export.  Every command opens the database itself, so it works
 * whether or not the daemon runs; the daemon notices the change within a
 * second.
 */
#ifndef REFLEKT_CLI_H
#define REFLEKT_CLI_H

#include "config.h"

/*
 * Run one command (argv[0] is the command name, e.g. "leader").
 * Returns: the exit status: 0 ok, 1 failed, 2 usage error.
 */
int cli_main(struct config *conf, int argc, char **argv);

/* Print the usage text to f. */
void cli_usage(void *f);

#endif
