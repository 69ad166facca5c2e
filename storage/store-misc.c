/*
 * store-misc.c - coaching sessions, platform cursors and the audit log.
 */
#include "store-int.h"

#include "err.h"
#include "xmalloc.h"

int
store_session_add(struct store *st, struct store_session *ss)
{
    sqlite3_stmt *s = store__stmt(st, STMT_SESSION_ADD);
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, ss->engagement_id);
    sqlite3_bind_int64(s, 2, ss->at);
    store__bind_text(s, 3, ss->theme[0] ? ss->theme : NULL);
    sqlite3_bind_int64(s, 4, ss->pre_at);
    sqlite3_bind_int64(s, 5, ss->post_at);
    store__bind_opt_int(s, 6, ss->meeting_id);
    store__bind_text(s, 7, ss->uid[0] ? ss->uid : NULL);
    sqlite3_bind_int64(s, 8, ss->digest_at);
    store__bind_text(s, 9, store__agenda_name(ss->digest));
    if ((rc = store__exec(st, s)) < 0)
        return rc;
    ss->id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

static int
store_session_one(struct store *st, enum store_stmt id, int64_t engagement_id,
                  int64_t now, int64_t *at, char *theme, size_t themesz)
{
    sqlite3_stmt *s = store__stmt(st, id);
    int rc;

    *at = 0;
    if (theme != NULL && themesz > 0)
        theme[0] = '\0';
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    sqlite3_bind_int64(s, 2, now);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *at = sqlite3_column_int64(s, 0);
        if (theme != NULL)
            store__text(s, 1, theme, themesz);
    }
    sqlite3_reset(s);
    return store__err(st, rc);
}

int
store_session_last(struct store *st, int64_t engagement_id, int64_t now,
                   int64_t *at, char *theme, size_t themesz)
{
    return store_session_one(st, STMT_SESSION_LAST, engagement_id, now, at,
                             theme, themesz);
}

int
store_session_next(struct store *st, int64_t engagement_id, int64_t now,
                   int64_t *at, char *theme, size_t themesz)
{
    return store_session_one(st, STMT_SESSION_NEXT, engagement_id, now, at,
                             theme, themesz);
}

int
store_cursor_get(struct store *st, const char *adapter, const char *key,
                 char *out, size_t outsz)
{
    sqlite3_stmt *s = store__stmt(st, STMT_CURSOR_GET);
    int rc;

    if (outsz > 0)
        out[0] = '\0';
    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, adapter);
    store__bind_text(s, 2, key);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store__text(s, 0, out, outsz);
    sqlite3_reset(s);
    return store__err(st, rc);
}

int
store_cursor_set(struct store *st, const char *adapter, const char *key,
                 const char *value)
{
    sqlite3_stmt *s = store__stmt(st, STMT_CURSOR_SET);

    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, adapter);
    store__bind_text(s, 2, key);
    store__bind_text(s, 3, value);
    return store__exec(st, s);
}

int
store_audit(struct store *st, int64_t at, const char *actor, const char *action,
            int64_t engagement_id, const char *detail)
{
    sqlite3_stmt *s = store__stmt(st, STMT_AUDIT_ADD);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, at);
    store__bind_text(s, 2, actor);
    store__bind_text(s, 3, action);
    store__bind_opt_int(s, 4, engagement_id);
    store__bind_text(s, 5, detail);
    return store__exec(st, s);
}

int
store_audit_each(struct store *st, store_audit_cb *cb, void *arg)
{
    sqlite3_stmt *s = store__stmt(st, STMT_AUDIT_ALL);
    struct store_audit_row r;
    int rc;

    if (s == NULL)
        return ERR_DB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cbrc;

        r.at = sqlite3_column_int64(s, 0);
        r.actor = (const char *)sqlite3_column_text(s, 1);
        r.action = (const char *)sqlite3_column_text(s, 2);
        r.handle = (const char *)sqlite3_column_text(s, 3);
        r.detail = (const char *)sqlite3_column_text(s, 4);
        cbrc = cb(&r, arg);
        if (cbrc < 0) {
            sqlite3_reset(s);
            return cbrc;
        }
    }
    sqlite3_reset(s);
    return store__err(st, rc);
}
