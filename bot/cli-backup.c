/*
 * cli-backup.c - `reflekt backup FILE` and `reflekt restore FILE`.
 *
 * A backup runs beside the daemon and copies the database as of one
 * instant; it holds every answer, so it is written to the audit log like
 * any other read of them.  A restore replaces the whole database, so it
 * refuses while a daemon holds it, checks the copy first, asks for --yes,
 * and brings the copy's schema up to this reflekt's.
 */
#include "cli.h"
#include "cli-int.h"

#include "clock.h"
#include "err.h"
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
cli_backup_info(const char *what, const char *path,
                const struct store_file_info *info)
{
    printf("%s %s: schema %d, %" PRId64 " leader%s, %" PRId64 " answer%s\n",
           what, path, info->schema, info->leaders,
           info->leaders == 1 ? "" : "s", info->answers,
           info->answers == 1 ? "" : "s");
}

/* Whether a and b name the same file (or both do not exist yet). */
static int
cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
        return strcmp(a, b) == 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
cli_backup(const struct config *conf, int argc, char **argv)
{
    struct store_file_info info;
    struct store *st;
    char err[ERR_BUFSZ] = "";

    if (argc != 2 || argv[1][0] == '-') {
        cli_error("usage: reflekt backup FILE");
        return 2;
    }
    if (cli_same_file(argv[1], conf->db)) {
        cli_error("%s is the database itself; name another file", argv[1]);
        return 2;
    }
    if (store_backup(conf->db, argv[1], &info, err) < 0) {
        cli_error("backup failed: %s", err);
        return 1;
    }
    /* The copy holds everyone's answers: the read is on record. */
    if (cli_open(conf, &st) == 0) {
        if (store_begin(st) < 0 ||
            store_audit(st, clock_now(), cli_actor(), "backup", 0, argv[1]) <
                0 ||
            store_commit(st) < 0) {
            store_rollback(st);
            cli_error("the backup is made, but could not be written to the "
                      "audit log");
        }
        store_close(st);
    }
    cli_backup_info("backup", argv[1], &info);
    return 0;
}

int
cli_restore(const struct config *conf, int argc, char **argv)
{
    struct store_file_info info, now;
    struct store *st;
    const char *src = NULL;
    char err[ERR_BUFSZ] = "";
    int yes = 0, fd = -1, rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--yes") == 0)
            yes = 1;
        else if (src == NULL && argv[i][0] != '-')
            src = argv[i];
        else
            src = "";
    }
    if (src == NULL || src[0] == '\0') {
        cli_error("usage: reflekt restore FILE [--yes]");
        return 2;
    }
    if (cli_same_file(src, conf->db)) {
        cli_error("%s is the database itself", src);
        return 2;
    }
    if (store_check_file(src, &info, err) < 0) {
        cli_error("will not restore: %s", err);
        return 1;
    }
    if ((rc = store_lock_file(conf->db, 0, &fd, err)) < 0) {
        cli_error("will not restore: %s%s", err,
                  rc == ERR_BUSY ? "; stop it first" : "");
        return 1;
    }
    if (!yes && access(conf->db, F_OK) == 0) {
        if (store_check_file(conf->db, &now, err) == 0)
            cli_backup_info("the database now is", conf->db, &now);
        cli_backup_info("the backup is", src, &info);
        cli_error("add --yes to replace %s with %s", conf->db, src);
        if (fd >= 0)
            close(fd);
        return 2;
    }
    rc = store_restore(src, conf->db, &info, err);
    if (fd >= 0)
        close(fd);
    if (rc < 0) {
        cli_error("restore failed, the database is as it was: %s", err);
        return 1;
    }
    /* Open it once: an older copy's schema is brought up to date. */
    if (cli_open(conf, &st) < 0)
        return 1;
    info.schema = store_schema_version(st);
    if (store_begin(st) < 0 ||
        store_audit(st, clock_now(), cli_actor(), "restore", 0, src) < 0 ||
        store_commit(st) < 0)
        store_rollback(st);
    store_close(st);
    cli_backup_info("restored", conf->db, &info);
    return 0;
}
