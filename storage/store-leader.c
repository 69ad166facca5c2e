/*
 * store-leader.c - people, platform identities and engagements.
 *
 * A leader is a person with one platform identity and one engagement that
 * links them to a consultant, a manager and an organisation.  Consultants,
 * managers and organisations are created on first mention.
 */
#include "store-int.h"

#include "err.h"

#include <string.h>

static int
store_leader_read(sqlite3_stmt *s, struct store_leader *l)
{
    memset(l, 0, sizeof(*l));
    l->id = sqlite3_column_int64(s, 0);
    store__text(s, 1, l->handle, sizeof(l->handle));
    store__text(s, 2, l->platform, sizeof(l->platform));
    store__text(s, 3, l->user_id, sizeof(l->user_id));
    store__text(s, 4, l->consultant, sizeof(l->consultant));
    store__text(s, 5, l->manager, sizeof(l->manager));
    store__text(s, 6, l->org, sizeof(l->org));
    store__text(s, 7, l->lang, sizeof(l->lang));
    store__text(s, 8, l->tz, sizeof(l->tz));
    store__text(s, 9, l->country, sizeof(l->country));
    store__text(s, 10, l->cadence, sizeof(l->cadence));
    store__text(s, 11, l->dtstart, sizeof(l->dtstart));
    l->work_from = sqlite3_column_int(s, 12);
    l->work_to = sqlite3_column_int(s, 13);
    l->work_days = (unsigned)sqlite3_column_int(s, 14);
    l->weekly_cap = sqlite3_column_int(s, 15);
    l->paused = sqlite3_column_int(s, 16);
    l->paused_until = sqlite3_column_int64(s, 17);
    l->next_due_at = sqlite3_column_int64(s, 18);
    l->summer_from = sqlite3_column_int(s, 19);
    l->summer_to = sqlite3_column_int(s, 20);
    store__text(s, 21, l->conversation, sizeof(l->conversation));
    return 0;
}

static int
store_leader_one(struct store *st, sqlite3_stmt *s, struct store_leader *out)
{
    int rc;

    if (s == NULL)
        return ERR_DB;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store_leader_read(s, out);
        sqlite3_reset(s);
        return 0;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? ERR_NOTFOUND : store__err(st, rc);
}

int
store_leader_get(struct store *st, const char *handle, struct store_leader *out)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_BY_HANDLE);

    if (s != NULL)
        store__bind_text(s, 1, handle);
    return store_leader_one(st, s, out);
}

int
store_leader_by_id(struct store *st, int64_t id, struct store_leader *out)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_BY_ID);

    if (s != NULL)
        sqlite3_bind_int64(s, 1, id);
    return store_leader_one(st, s, out);
}

int
store_leader_by_identity(struct store *st, const char *platform,
                         const char *user_id, struct store_leader *out)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_BY_IDENTITY);

    if (s != NULL) {
        store__bind_text(s, 1, platform);
        store__bind_text(s, 2, user_id);
    }
    return store_leader_one(st, s, out);
}

static int
store_leader_walk(struct store *st, sqlite3_stmt *s, store_leader_cb *cb,
                  void *arg)
{
    struct store_leader l;
    int rc;

    if (s == NULL)
        return ERR_DB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int r;

        store_leader_read(s, &l);
        r = cb(&l, arg);
        if (r < 0) {
            sqlite3_reset(s);
            return r;
        }
    }
    sqlite3_reset(s);
    return store__err(st, rc);
}

int
store_leader_each(struct store *st, store_leader_cb *cb, void *arg)
{
    return store_leader_walk(st, store__stmt(st, STMT_LEADER_ALL), cb, arg);
}

int
store_leader_each_of(struct store *st, const char *name, store_leader_cb *cb,
                     void *arg)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_OF);

    if (s != NULL)
        store__bind_text(s, 1, name);
    return store_leader_walk(st, s, cb, arg);
}

int
store_leader_set_hours(struct store *st, int64_t id, int work_from, int work_to,
                       unsigned work_days, int weekly_cap)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_SET_HOURS);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, work_from);
    sqlite3_bind_int(s, 3, work_to);
    sqlite3_bind_int(s, 4, (int)work_days);
    sqlite3_bind_int(s, 5, weekly_cap);
    return store__exec(st, s);
}

int
store_leader_ics(struct store *st, int64_t id, char *out, size_t outsz)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_ICS_GET);
    int rc;

    if (outsz > 0)
        out[0] = '\0';
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store__text(s, 0, out, outsz);
    sqlite3_reset(s);
    return store__err(st, rc);
}

int
store_leader_set_ics(struct store *st, int64_t id, const char *url)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_ICS_SET);

    if (s == NULL)
        return ERR_DB;
    if (url != NULL && strlen(url) >= STORE_ID_MAX)
        return ERR_INVAL;
    sqlite3_bind_int64(s, 1, id);
    store__bind_text(s, 2, url != NULL && url[0] ? url : NULL);
    return store__exec(st, s);
}

/* Returns: the id of the row named name, creating it with ins if absent. */
static int
store_named_id(struct store *st, enum store_stmt get, enum store_stmt ins,
               const char *name, int summer_from, int summer_to, int64_t *id)
{
    sqlite3_stmt *s = store__stmt(st, get);
    int rc;

    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, name);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        return 0;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return store__err(st, rc);
    s = store__stmt(st, ins);
    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, name);
    if (ins == STMT_ORG_ADD) {
        sqlite3_bind_int(s, 2, summer_from);
        sqlite3_bind_int(s, 3, summer_to);
    }
    rc = store__exec(st, s);
    if (rc < 0)
        return rc;
    *id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

static int
store_role(struct store *st, int64_t person, const char *role)
{
    sqlite3_stmt *s = store__stmt(st, STMT_ROLE_ADD);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, person);
    store__bind_text(s, 2, role);
    return store__exec(st, s);
}

int
store__person(struct store *st, const char *name, const char *role, int64_t *id)
{
    int rc =
        store_named_id(st, STMT_PERSON_GET, STMT_PERSON_ADD, name, 0, 0, id);

    return rc < 0 ? rc : store_role(st, *id, role);
}

int
store_leader_add(struct store *st, struct store_leader *l, char *err)
{
    int64_t leader, consultant, manager, org, identity;
    sqlite3_stmt *s;
    int rc;

    if ((rc = store_begin(st)) < 0)
        return rc;
    s = store__stmt(st, STMT_PERSON_GET);
    if (s == NULL) {
        rc = ERR_DB;
        goto out;
    }
    store__bind_text(s, 1, l->handle);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        err_set(err, "a person named \"%s\" already exists", l->handle);
        rc = ERR_EXISTS;
        goto out;
    }
    if ((rc = store_named_id(st, STMT_PERSON_GET, STMT_PERSON_ADD, l->handle, 0,
                             0, &leader)) < 0 ||
        (rc = store_named_id(st, STMT_PERSON_GET, STMT_PERSON_ADD,
                             l->consultant, 0, 0, &consultant)) < 0 ||
        (rc = store_named_id(st, STMT_PERSON_GET, STMT_PERSON_ADD, l->manager,
                             0, 0, &manager)) < 0 ||
        (rc = store_named_id(st, STMT_ORG_GET, STMT_ORG_ADD, l->org,
                             l->summer_from, l->summer_to, &org)) < 0)
        goto out;
    if ((rc = store_role(st, leader, "leader")) < 0 ||
        (rc = store_role(st, consultant, "consultant")) < 0 ||
        (rc = store_role(st, manager, "manager")) < 0)
        goto out;
    s = store__stmt(st, STMT_IDENTITY_ADD);
    if (s == NULL) {
        rc = ERR_DB;
        goto out;
    }
    sqlite3_bind_int64(s, 1, leader);
    store__bind_text(s, 2, l->platform);
    store__bind_text(s, 3, l->user_id);
    rc = store__exec(st, s);
    if (rc == ERR_EXISTS) {
        err_set(err, "%s user \"%s\" is already enrolled", l->platform,
                l->user_id);
        goto out;
    }
    if (rc < 0)
        goto out;
    identity = sqlite3_last_insert_rowid(st->db);
    s = store__stmt(st, STMT_ENGAGEMENT_ADD);
    if (s == NULL) {
        rc = ERR_DB;
        goto out;
    }
    sqlite3_bind_int64(s, 1, leader);
    sqlite3_bind_int64(s, 2, identity);
    sqlite3_bind_int64(s, 3, consultant);
    sqlite3_bind_int64(s, 4, manager);
    sqlite3_bind_int64(s, 5, org);
    store__bind_text(s, 6, l->lang);
    store__bind_text(s, 7, l->tz);
    store__bind_text(s, 8, l->country);
    store__bind_text(s, 9, l->cadence);
    store__bind_text(s, 10, l->dtstart);
    sqlite3_bind_int(s, 11, l->work_from);
    sqlite3_bind_int(s, 12, l->work_to);
    sqlite3_bind_int(s, 13, (int)l->work_days);
    sqlite3_bind_int(s, 14, l->weekly_cap);
    store__bind_opt_int(s, 15, l->next_due_at);
    if ((rc = store__exec(st, s)) < 0) {
        err_set(err, "cannot enrol \"%s\": %s", l->handle,
                sqlite3_errmsg(st->db));
        goto out;
    }
    l->id = sqlite3_last_insert_rowid(st->db);
    rc = store_commit(st);
out:
    if (rc < 0)
        store_rollback(st);
    return rc;
}

int
store_leader_set_next(struct store *st, int64_t id, int64_t next_due_at)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_SET_NEXT);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    store__bind_opt_int(s, 2, next_due_at);
    return store__exec(st, s);
}

int
store_leader_set_pause(struct store *st, int64_t id, int paused, int64_t until)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_SET_PAUSE);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, paused);
    sqlite3_bind_int64(s, 3, until);
    return store__exec(st, s);
}

int
store_leader_set_lang(struct store *st, int64_t id, const char *lang)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_SET_LANG);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    store__bind_text(s, 2, lang);
    return store__exec(st, s);
}

/* Run a one-column, one-row query; NULL reads as 0. */
int
store__scalar(struct store *st, sqlite3_stmt *s, int64_t *out)
{
    int rc;

    *out = 0;
    if (s == NULL)
        return ERR_DB;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return store__err(st, rc);
}

int
store__touch(struct store *st, enum store_stmt id, int64_t now, int *n)
{
    sqlite3_stmt *s = store__stmt(st, id);
    int rc;

    *n = 0;
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, now);
    rc = store__exec(st, s);
    if (rc == 0)
        *n = sqlite3_changes(st->db);
    return rc;
}

int
store__count(struct store *st, enum store_stmt id, int64_t engagement_id,
             int64_t from, int64_t to, int *n)
{
    sqlite3_stmt *s = store__stmt(st, id);
    int64_t v;
    int rc;

    if (s != NULL) {
        sqlite3_bind_int64(s, 1, engagement_id);
        sqlite3_bind_int64(s, 2, from);
        sqlite3_bind_int64(s, 3, to);
    }
    rc = store__scalar(st, s, &v);
    *n = (int)v;
    return rc;
}

/* Collect the first column of every row into ids. */
int
store__ids(struct store *st, sqlite3_stmt *s, int64_t *ids, int max, int *n)
{
    int rc = SQLITE_DONE;

    *n = 0;
    if (s == NULL)
        return ERR_DB;
    while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
        ids[(*n)++] = sqlite3_column_int64(s, 0);
    if (*n < max && rc != SQLITE_DONE) {
        sqlite3_reset(s);
        return store__err(st, rc);
    }
    sqlite3_reset(s);
    return 0;
}

int
store_leader_next_min(struct store *st, int64_t *out)
{
    return store__scalar(st, store__stmt(st, STMT_LEADER_NEXT_MIN), out);
}

int
store_leader_due(struct store *st, int64_t now, int64_t *ids, int max, int *n)
{
    sqlite3_stmt *s = store__stmt(st, STMT_LEADER_DUE);

    if (s != NULL) {
        sqlite3_bind_int64(s, 1, now);
        sqlite3_bind_int(s, 2, max);
    }
    return store__ids(st, s, ids, max, n);
}

int
store_org_set_summer(struct store *st, const char *org, int from, int to)
{
    sqlite3_stmt *s = store__stmt(st, STMT_ORG_SUMMER);

    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, org);
    sqlite3_bind_int(s, 2, from);
    sqlite3_bind_int(s, 3, to);
    return store__exec(st, s);
}

int
store_leader_set_conversation(struct store *st, const char *platform,
                              const char *user_id, const char *conversation)
{
    sqlite3_stmt *s = store__stmt(st, STMT_IDENTITY_CONVERSATION);

    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, platform);
    store__bind_text(s, 2, user_id);
    store__bind_text(s, 3, conversation);
    return store__exec(st, s);
}
