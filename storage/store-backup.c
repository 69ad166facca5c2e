/*
 * store-backup.c - a consistent copy of the live database, checking a
 * copy, and putting one back; and the lock that says a daemon runs.
 *
 * A backup goes through SQLite's online backup API inside one read
 * transaction, so it is the database as of one instant while the daemon
 * goes on writing (WAL lets both run).  The copy is written beside its
 * destination, switched to a single file (no WAL), checked with
 * integrity_check, made durable and only then renamed into place: a
 * backup that fails leaves the previous one as it was.
 */
#include "store-int.h"

#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define STORE_BACKUP_BUSY_MS 10000

static void
store_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

int
store_lock_file(const char *path, int wait_ms, int *fd_out, char *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;

    *fd_out = -1;
    if (fd < 0) {
        if (errno == ENOENT)
            return 0; /* nothing to lock: no daemon has it */
        err_set(err, "%s: cannot open: %s", path, strerror(errno));
        return ERR_IO;
    }
    for (int waited = 0;; waited += 100) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *fd_out = fd;
            return 0;
        }
        e = errno;
        if (e != EWOULDBLOCK || waited >= wait_ms)
            break;
        store_sleep_ms(100);
    }
    close(fd);
    if (e == EWOULDBLOCK) {
        err_set(err, "%s is in use by a running reflekt", path);
        return ERR_BUSY;
    }
    err_set(err, "%s: cannot lock: %s", path, strerror(e));
    return ERR_IO;
}

/* One integer from sql on db, or -1. */
static int64_t
store_one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t v = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* integrity_check, the schema version and the counts of db (named path). */
static int
store_check_db(sqlite3 *db, const char *path, struct store_file_info *info,
               char *err)
{
    sqlite3_stmt *s = NULL;
    int rc, ok = 0;

    memset(info, 0, sizeof(*info));
    rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL);
    if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(s, 0);

        ok = r != NULL && strcmp(r, "ok") == 0;
        if (!ok)
            err_set(err, "%s is damaged: %s", path, r ? r : "no answer");
    } else {
        err_set(err, "%s is not a reflekt database: %s", path,
                sqlite3_errmsg(db));
    }
    sqlite3_finalize(s);
    if (!ok)
        return ERR_INVAL;
    info->schema = (int)store_one_int(db, "PRAGMA user_version");
    info->leaders = store_one_int(db, "SELECT count(*) FROM engagement");
    info->answers = store_one_int(db, "SELECT count(*) FROM response");
    if (info->schema < 1 || info->leaders < 0 || info->answers < 0) {
        err_set(err, "%s is not a reflekt database", path);
        return ERR_INVAL;
    }
    if (info->schema > store_schema_latest()) {
        err_set(err,
                "%s has schema version %d, newer than this reflekt's %d; "
                "use a newer reflekt",
                path, info->schema, store_schema_latest());
        return ERR_INVAL;
    }
    return 0;
}

int
store_check_file(const char *path, struct store_file_info *info, char *err)
{
    sqlite3 *db = NULL;
    int rc;

    if (access(path, R_OK) != 0) {
        err_set(err, "%s: %s", path, strerror(errno));
        return ERR_NOTFOUND;
    }
    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        err_set(err, "%s: cannot open: %s", path, sqlite3_errstr(rc));
        sqlite3_close(db);
        return ERR_INVAL;
    }
    rc = store_check_db(db, path, info, err);
    sqlite3_close(db);
    return rc;
}

/* fsync path's file, then its folder's. */
static int
store_sync_path(const char *path, char *err)
{
    char *copy = strdup(path);
    int fd, rc = 0;

    if (copy == NULL)
        return ERR_NOMEM;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) < 0)
        rc = ERR_IO;
    if (fd >= 0)
        close(fd);
    if (rc == 0 &&
        ((fd = open(dirname(copy), O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) < 0))
        rc = ERR_IO;
    if (fd >= 0)
        close(fd);
    free(copy);
    if (rc < 0)
        err_set(err, "%s: cannot make it durable: %s", path, strerror(errno));
    return rc;
}

/*
 * Copy the database at src into the new file tmp (single file, checked).
 * src_flags opens src.
 */
static int
store_copy(const char *src, int src_flags, const char *tmp,
           struct store_file_info *info, char *err)
{
    sqlite3 *from = NULL, *to = NULL;
    sqlite3_backup *b;
    int rc, waited = 0;

    rc = sqlite3_open_v2(src, &from, src_flags, NULL);
    if (rc != SQLITE_OK) {
        err_set(err, "%s: cannot open: %s", src, sqlite3_errstr(rc));
        rc = ERR_DB;
        goto out;
    }
    sqlite3_busy_timeout(from, STORE_BACKUP_BUSY_MS);
    unlink(tmp);
    rc = sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                         NULL);
    if (rc != SQLITE_OK) {
        err_set(err, "%s: cannot create: %s", tmp, sqlite3_errstr(rc));
        rc = ERR_IO;
        goto out;
    }
    b = sqlite3_backup_init(to, "main", from, "main");
    if (b == NULL) {
        err_set(err, "cannot copy %s: %s", src, sqlite3_errmsg(to));
        rc = ERR_DB;
        goto out;
    }
    /* All pages in one step: one read transaction, one instant. */
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY ||
           rc == SQLITE_LOCKED) {
        if (waited >= STORE_BACKUP_BUSY_MS)
            break;
        store_sleep_ms(50);
        waited += 50;
    }
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        err_set(err, "cannot copy %s: %s", src, sqlite3_errstr(rc));
        rc = ERR_DB;
        goto out;
    }
    /* One self-contained file; reflekt switches to WAL when it opens it. */
    rc = sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        err_set(err, "%s: %s", tmp, sqlite3_errmsg(to));
        rc = ERR_DB;
        goto out;
    }
    rc = store_check_db(to, tmp, info, err);
out:
    sqlite3_close(to);
    sqlite3_close(from);
    if (rc < 0)
        unlink(tmp);
    return rc;
}

int
store_backup(const char *db, const char *dst, struct store_file_info *info,
             char *err)
{
    char *tmp;
    int rc;

    if (access(db, R_OK) != 0) {
        err_set(err, "%s: %s", db, strerror(errno));
        return ERR_NOTFOUND;
    }
    if ((tmp = sqlite3_mprintf("%s.part", dst)) == NULL)
        return ERR_NOMEM;
    /* Read-write without create: a WAL database's reader needs its
     * shared-memory file; nothing of the database is written. */
    rc = store_copy(db, SQLITE_OPEN_READWRITE, tmp, info, err);
    if (rc == 0 && (rc = store_sync_path(tmp, err)) == 0 &&
        rename(tmp, dst) < 0) {
        err_set(err, "%s: %s", dst, strerror(errno));
        rc = ERR_IO;
    }
    if (rc == 0)
        rc = store_sync_path(dst, err);
    if (rc < 0)
        unlink(tmp);
    sqlite3_free(tmp);
    return rc;
}

int
store_restore(const char *src, const char *db, struct store_file_info *info,
              char *err)
{
    char *tmp, *wal, *shm;
    int rc;

    /* The copy is checked before it replaces anything (store_copy). */
    tmp = sqlite3_mprintf("%s.part", db);
    wal = sqlite3_mprintf("%s-wal", db);
    shm = sqlite3_mprintf("%s-shm", db);
    if (tmp == NULL || wal == NULL || shm == NULL) {
        rc = ERR_NOMEM;
        goto out;
    }
    rc = store_copy(src, SQLITE_OPEN_READONLY, tmp, info, err);
    if (rc == 0)
        rc = store_sync_path(tmp, err);
    if (rc < 0)
        goto out;
    /* The old database's log must not be replayed into the new one. */
    if ((unlink(wal) < 0 && errno != ENOENT) ||
        (unlink(shm) < 0 && errno != ENOENT) || rename(tmp, db) < 0) {
        err_set(err, "%s: %s", db, strerror(errno));
        rc = ERR_IO;
        goto out;
    }
    rc = store_sync_path(db, err);
out:
    if (rc < 0 && tmp != NULL)
        unlink(tmp);
    sqlite3_free(tmp);
    sqlite3_free(wal);
    sqlite3_free(shm);
    return rc;
}
