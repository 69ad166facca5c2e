/*
 * bot.h - the daemon: one libuv loop wiring storage, the question library,
 * the conversation engine and the adapters together.
 */
#ifndef REFLEKT_BOT_H
#define REFLEKT_BOT_H

#include "config.h"

/*
 * Run until SIGTERM or SIGINT.  conf is the loaded configuration and
 * config_path the file it came from (NULL for none), read again on SIGHUP.
 * Returns: the process exit status.
 */
int bot_run(struct config *conf, const char *config_path);

#endif
