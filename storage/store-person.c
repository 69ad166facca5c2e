/*
 * store-person.c - consultants and managers as platform accounts, the
 * admin role, a leader's cadence, and participation counts.
 */
#include "err.h"
#include "store-int.h"

#include <string.h>

int
store_leader_set_cadence(struct store *st, int64_t id, const char *rule)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_SET_CADENCE);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    store__bind_text(s, 2, rule);
    return store__exec(st, s);
}

int
store_person_link(struct store *st, const char *name, const char *platform,
                  const char *user_id)
{
    sqlite3_stmt *s = store__stmt(st, STMT_PERSON_GET);
    int64_t id;
    int rc;

    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, name);
    rc = sqlite3_step(s);
    id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : store__err(st, rc);
    if ((s = store__stmt(st, STMT_IDENTITY_ADD)) == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    store__bind_text(s, 2, platform);
    store__bind_text(s, 3, user_id);
    return store__exec(st, s);
}

int
store_person_by_identity(struct store *st, const char *platform,
                         const char *user_id, char *name, size_t namesz)
{
    sqlite3_stmt *s = store__stmt(st, STMT_PERSON_BY_IDENTITY);
    int rc;

    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, platform);
    store__bind_text(s, 2, user_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store__text(s, 1, name, namesz);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? ERR_NOTFOUND : store__err(st, rc);
}

int
store_person_has_role(struct store *st, const char *name, const char *role)
{
    sqlite3_stmt *s = store__stmt(st, STMT_PERSON_ROLE);
    int64_t n = 0;
    int rc;

    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, name);
    store__bind_text(s, 2, role);
    rc = store__scalar(st, s, &n);
    return rc < 0 ? rc : n > 0;
}

int
store_person_admin(struct store *st, const char *name, int on)
{
    sqlite3_stmt *s;
    int64_t id;
    int rc;

    if (on)
        return store__person(st, name, "admin", &id);
    if ((rc = store_person_has_role(st, name, "admin")) <= 0)
        return rc < 0 ? rc : ERR_NOTFOUND;
    if ((s = store__stmt(st, STMT_ROLE_DROP)) == NULL)
        return ERR_DB;
    store__bind_text(s, 1, name);
    store__bind_text(s, 2, "admin");
    return store__exec(st, s);
}

int
store_delivery_tally(struct store *st, int64_t engagement_id, int64_t from,
                     int64_t to, struct store_tally *out)
{
    sqlite3_stmt *s = store__stmt(st, STMT_DELIVERY_TALLY);
    int rc;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->sent = sqlite3_column_int(s, 0);
        out->answered = sqlite3_column_int(s, 1);
        out->skipped = sqlite3_column_int(s, 2);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : store__err(st, rc);
}

int
store_person_identity(struct store *st, const char *name, const char *platform,
                      char *user_id, char *conversation)
{
    sqlite3_stmt *s = store__stmt(st, STMT_PERSON_IDENTITY);
    int rc;

    user_id[0] = conversation[0] = '\0';
    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, name);
    store__bind_text(s, 2, platform);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store__text(s, 0, user_id, STORE_ID_MAX);
        store__text(s, 1, conversation, STORE_ID_MAX);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return ERR_NOTFOUND;
    return store__err(st, rc);
}
