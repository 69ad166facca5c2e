/*
 * store-web.c - what the web console keeps: people and their roles,
 * one-time sign-in links, browser sessions and passwords; a leader's
 * sessions as the consultant edits them, private notes, edit histories,
 * and the digest that goes to the consultant before a session.
 *
 * Links and sessions are stored by the SHA-256 of their token, so a copy
 * of the database signs no one in.
 */
#include "store-int.h"

#include "err.h"

#include <string.h>

static int
store_person_one(struct store *st, sqlite3_stmt *s, struct store_person *out)
{
    char roles[64];
    int rc;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return ERR_DB;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(s, 0);
        store__text(s, 1, out->name, sizeof(out->name));
        store__text(s, 2, roles, sizeof(roles));
        if (strstr(roles, "leader") != NULL)
            out->roles |= STORE_ROLE_LEADER;
        if (strstr(roles, "consultant") != NULL)
            out->roles |= STORE_ROLE_CONSULTANT;
        if (strstr(roles, "manager") != NULL)
            out->roles |= STORE_ROLE_MANAGER;
        if (strstr(roles, "admin") != NULL)
            out->roles |= STORE_ROLE_ADMIN;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return ERR_NOTFOUND;
    return store__err(st, rc);
}

int
store_person_get(struct store *st, const char *name, struct store_person *out)
{
    sqlite3_stmt *s = store__stmt(st, STMT_PERSON_BY_NAME);

    if (s != NULL)
        store__bind_text(s, 1, name);
    return store_person_one(st, s, out);
}

int
store_person_by_id(struct store *st, int64_t id, struct store_person *out)
{
    sqlite3_stmt *s = store__stmt(st, STMT_PERSON_BY_ID);

    if (s != NULL)
        sqlite3_bind_int64(s, 1, id);
    return store_person_one(st, s, out);
}

int
store_person_set_password(struct store *st, int64_t person_id, const char *hash)
{
    sqlite3_stmt *s = store__stmt(st, STMT_PERSON_SET_PASSWORD);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, person_id);
    store__bind_text(s, 2, hash);
    return store__exec(st, s);
}

int
store_person_password(struct store *st, int64_t person_id, char *out,
                      size_t outsz)
{
    sqlite3_stmt *s = store__stmt(st, STMT_PERSON_PASSWORD);
    int rc;

    if (outsz > 0)
        out[0] = '\0';
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, person_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store__text(s, 0, out, outsz);
    sqlite3_reset(s);
    return store__err(st, rc);
}

/* ---- sign-in links and browser sessions ------------------------------ */

int
store_link_add(struct store *st, const unsigned char *hash, int64_t person_id,
               int64_t now, int64_t expires_at)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LINK_ADD);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_blob(s, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, person_id);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, expires_at);
    return store__exec(st, s);
}

int
store_link_use(struct store *st, const unsigned char *hash, int64_t now,
               int64_t *person_id)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LINK_GET);
    int64_t expires_at = 0, used_at = 0;
    int rc;

    *person_id = 0;
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_blob(s, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *person_id = sqlite3_column_int64(s, 0);
        expires_at = sqlite3_column_int64(s, 1);
        used_at = sqlite3_column_int64(s, 2);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return ERR_NOTFOUND;
    if ((rc = store__err(st, rc)) < 0)
        return rc;
    if (used_at != 0 || now >= expires_at) {
        *person_id = 0;
        return ERR_DENIED;
    }
    if ((s = store__stmt(st, STMT_LINK_USE)) == NULL)
        return ERR_DB;
    sqlite3_bind_blob(s, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    if ((rc = store__exec(st, s)) < 0)
        return rc;
    if (sqlite3_changes(st->db) != 1) { /* spent by another connection */
        *person_id = 0;
        return ERR_DENIED;
    }
    return 0;
}

int
store_web_session_add(struct store *st, const unsigned char *hash,
                      int64_t person_id, const char *csrf, int64_t now)
{
    sqlite3_stmt *s = store__stmt(st, STMT_WEB_SESSION_ADD);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_blob(s, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, person_id);
    store__bind_text(s, 3, csrf);
    sqlite3_bind_int64(s, 4, now);
    return store__exec(st, s);
}

int
store_web_session_get(struct store *st, const unsigned char *hash,
                      struct store_web_session *out)
{
    sqlite3_stmt *s = store__stmt(st, STMT_WEB_SESSION_GET);
    int rc;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_blob(s, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->person_id = sqlite3_column_int64(s, 0);
        store__text(s, 1, out->csrf, sizeof(out->csrf));
        out->created_at = sqlite3_column_int64(s, 2);
        out->seen_at = sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return ERR_NOTFOUND;
    return store__err(st, rc);
}

static int
store_web_by_hash(struct store *st, enum store_stmt id,
                  const unsigned char *hash, int64_t now)
{
    sqlite3_stmt *s = store__stmt(st, id);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_blob(s, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
    if (id == STMT_WEB_SESSION_TOUCH)
        sqlite3_bind_int64(s, 2, now);
    return store__exec(st, s);
}

int
store_web_session_touch(struct store *st, const unsigned char *hash,
                        int64_t now)
{
    return store_web_by_hash(st, STMT_WEB_SESSION_TOUCH, hash, now);
}

int
store_web_session_drop(struct store *st, const unsigned char *hash)
{
    return store_web_by_hash(st, STMT_WEB_SESSION_DROP, hash, 0);
}

int
store_web_expire(struct store *st, int64_t now, int64_t idle_before,
                 int64_t born_before)
{
    sqlite3_stmt *s = store__stmt(st, STMT_WEB_EXPIRE_LINKS);
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, now);
    if ((rc = store__exec(st, s)) < 0)
        return rc;
    if ((s = store__stmt(st, STMT_WEB_EXPIRE_SESSIONS)) == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, idle_before);
    sqlite3_bind_int64(s, 2, born_before);
    return store__exec(st, s);
}

/* ---- a leader's sessions ------------------------------------------- */

int
store_session_each(struct store *st, int64_t engagement_id, int64_t from,
                   store_session_cb *cb, void *arg)
{
    sqlite3_stmt *s = store__stmt(st, STMT_SESSION_EACH);
    struct store_session ss;
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    sqlite3_bind_int64(s, 2, from);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cbrc;

        store__session_row(s, &ss);
        if ((cbrc = cb(&ss, arg)) < 0) {
            sqlite3_reset(s);
            return cbrc;
        }
    }
    sqlite3_reset(s);
    return store__err(st, rc);
}

int
store_session_by_uid(struct store *st, int64_t engagement_id, const char *uid,
                     struct store_session *out)
{
    sqlite3_stmt *s = store__stmt(st, STMT_SESSION_BY_UID);
    int rc;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    store__bind_text(s, 2, uid);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store__session_row(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return ERR_NOTFOUND;
    return store__err(st, rc);
}

int
store_session_update(struct store *st, const struct store_session *ss)
{
    sqlite3_stmt *s = store__stmt(st, STMT_SESSION_UPDATE);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, ss->id);
    sqlite3_bind_int64(s, 2, ss->at);
    store__bind_text(s, 3, ss->theme[0] ? ss->theme : NULL);
    sqlite3_bind_int64(s, 4, ss->pre_at);
    sqlite3_bind_int64(s, 5, ss->post_at);
    store__bind_text(s, 6, ss->uid[0] ? ss->uid : NULL);
    sqlite3_bind_int64(s, 7, ss->digest_at);
    store__bind_text(s, 8, store__agenda_name(ss->digest));
    return store__exec(st, s);
}

int
store_session_remove(struct store *st, int64_t id)
{
    sqlite3_stmt *s = store__stmt(st, STMT_SESSION_REMOVE);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    return store__exec(st, s);
}

int
store_session_digest_due(struct store *st, int64_t now, int64_t *ids, int max,
                         int *n)
{
    sqlite3_stmt *s = store__stmt(st, STMT_SESSION_DIGEST_DUE);

    if (s != NULL) {
        sqlite3_bind_int64(s, 1, now);
        sqlite3_bind_int(s, 2, max);
    }
    return store__ids(st, s, ids, max, n);
}

int
store_session_digest_min(struct store *st, int64_t *out)
{
    return store__scalar(st, store__stmt(st, STMT_SESSION_DIGEST_MIN), out);
}

int
store_session_digest_recover(struct store *st, int64_t now, int *n)
{
    return store__touch(st, STMT_SESSION_DIGEST_RECOVER, now, n);
}

/* ---- notes and edit histories ----------------------------------------- */

int
store_note_get(struct store *st, int64_t session_id, char *out, size_t outsz,
               int64_t *updated_at)
{
    sqlite3_stmt *s = store__stmt(st, STMT_NOTE_GET);
    int rc;

    if (outsz > 0)
        out[0] = '\0';
    if (updated_at != NULL)
        *updated_at = 0;
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, session_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store__text(s, 0, out, outsz);
        if (updated_at != NULL)
            *updated_at = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return store__err(st, rc);
}

int
store_note_set(struct store *st, int64_t session_id, const char *text,
               int64_t now)
{
    sqlite3_stmt *s;

    if (text == NULL || text[0] == '\0') {
        if ((s = store__stmt(st, STMT_NOTE_DROP)) == NULL)
            return ERR_DB;
        sqlite3_bind_int64(s, 1, session_id);
        return store__exec(st, s);
    }
    if ((s = store__stmt(st, STMT_NOTE_SET)) == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, session_id);
    store__bind_text(s, 2, text);
    sqlite3_bind_int64(s, 3, now);
    return store__exec(st, s);
}

int
store_edits(struct store *st, int64_t delivery_id, store_edit_cb *cb, void *arg)
{
    sqlite3_stmt *s = store__stmt(st, STMT_EDITS);
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, delivery_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cbrc = cb(sqlite3_column_int64(s, 0),
                      (const char *)sqlite3_column_text(s, 1), arg);

        if (cbrc < 0) {
            sqlite3_reset(s);
            return cbrc;
        }
    }
    sqlite3_reset(s);
    return store__err(st, rc);
}
