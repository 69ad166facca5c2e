/*
 * main.c - reflekt's entry point: global options, configuration, and either
 * the daemon (`reflekt run`) or one command-line command.
 *
 * Precedence, lowest first: built-in defaults, the config file, REFLEKT_*
 * environment variables, command-line options.
 */
#include "bot.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int
main(int argc, char **argv)
{
    struct config conf;
    const char *config_path = getenv("REFLEKT_CONFIG");
    const char *db = NULL;
    char err[ERR_BUFSZ] = "";
    int verbose = 0, i, status;

    /* The database holds people's reflections: whatever reflekt creates
     * (the file, its WAL and shared-memory files) is its owner's alone. */
    umask(077);
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
        } else if (strcmp(argv[i], "-vv") == 0) {
            verbose = 2;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("reflekt %s\n", REFLEKT_VERSION);
            return 0;
        } else if (strcmp(argv[i], "-h") == 0 ||
                   strcmp(argv[i], "--help") == 0) {
            cli_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "reflekt: unknown option \"%s\"\n", argv[i]);
            cli_usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        cli_usage(stderr);
        return 2;
    }
    if (config_path != NULL && config_path[0] == '\0')
        config_path = NULL;
    config_init(&conf);
    if (config_load(&conf, config_path, err) < 0) {
        fprintf(stderr, "reflekt: %s\n", err);
        config_release(&conf);
        return 1;
    }
    if (db != NULL) {
        free(conf.db);
        conf.db = xstrdup(db);
    }
    conf.verbose = verbose;
    if (verbose > 0)
        conf.log_level = verbose > 1 ? LOG_LEVEL_TRACE : LOG_LEVEL_DEBUG;
    log_set_level(conf.log_level);
    if (strcmp(argv[i], "run") == 0) {
        if (i + 3 == argc && strcmp(argv[i + 1], "--listen") == 0) {
            free(conf.listen);
            conf.listen = xstrdup(argv[i + 2]);
        } else if (i + 1 != argc) {
            fprintf(stderr, "reflekt: usage: reflekt run [--listen "
                            "HOST:PORT]\n");
            config_release(&conf);
            return 2;
        }
        return bot_run(&conf, config_path);
    }
    status = cli_main(&conf, argc - i, argv + i);
    config_release(&conf);
    return status;
}
