/*
 * store-group.c - session questions, network groups and their meetings,
 * and the questions consultants write themselves.
 *
 * A group meeting gives each member a session row (meeting_id set), so the
 * member's challenge question is planned, sent and counted exactly like a
 * pre-session question: one delivery per (session, kind), enforced by a
 * unique index, so a restart can never ask twice.
 */
#include "store-int.h"

#include "err.h"

#include <string.h>

/* ---- session questions ----------------------------------------------- */

int
store_session_get(struct store *st, int64_t id, struct store_session *out)
{
    sqlite3_stmt *s = store__stmt(st, STMT_SESSION_GET);
    int rc;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store__session_row(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return ERR_NOTFOUND;
    return store__err(st, rc);
}

int
store_session_due(struct store *st, int64_t now, int64_t *ids, int max, int *n)
{
    sqlite3_stmt *s = store__stmt(st, STMT_SESSION_DUE);

    if (s != NULL) {
        sqlite3_bind_int64(s, 1, now);
        sqlite3_bind_int(s, 2, max);
    }
    return store__ids(st, s, ids, max, n);
}

int
store_session_min(struct store *st, int64_t *out)
{
    return store__scalar(st, store__stmt(st, STMT_SESSION_MIN), out);
}

int
store_session_set_times(struct store *st, int64_t id, int64_t pre_at,
                        int64_t post_at)
{
    sqlite3_stmt *s = store__stmt(st, STMT_SESSION_SET_TIMES);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, pre_at);
    sqlite3_bind_int64(s, 3, post_at);
    return store__exec(st, s);
}

int
store_session_near(struct store *st, int64_t engagement_id, int64_t from,
                   int64_t to, int *n)
{
    return store__count(st, STMT_SESSION_NEAR, engagement_id, from, to, n);
}

/* ---- groups ------------------------------------------------------------ */

int
store_group_add(struct store *st, struct store_group *g)
{
    sqlite3_stmt *s;
    int64_t consultant;
    int rc;

    if ((rc = store__person(st, g->consultant, "consultant", &consultant)) < 0)
        return rc;
    if ((s = store__stmt(st, STMT_GROUP_ADD)) == NULL)
        return ERR_DB;
    store__bind_text(s, 1, g->name);
    sqlite3_bind_int64(s, 2, consultant);
    store__bind_text(s, 3, g->lang);
    store__bind_text(s, 4, g->tz);
    store__bind_text(s, 5, g->platform[0] ? g->platform : NULL);
    store__bind_text(s, 6, g->channel[0] ? g->channel : NULL);
    if ((rc = store__exec(st, s)) < 0)
        return rc;
    g->id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

static void
store_group_read(sqlite3_stmt *s, struct store_group *g)
{
    memset(g, 0, sizeof(*g));
    g->id = sqlite3_column_int64(s, 0);
    store__text(s, 1, g->name, sizeof(g->name));
    store__text(s, 2, g->consultant, sizeof(g->consultant));
    store__text(s, 3, g->lang, sizeof(g->lang));
    store__text(s, 4, g->tz, sizeof(g->tz));
    store__text(s, 5, g->platform, sizeof(g->platform));
    store__text(s, 6, g->channel, sizeof(g->channel));
}

static int
store_group_one(struct store *st, sqlite3_stmt *s, struct store_group *g)
{
    int rc;

    memset(g, 0, sizeof(*g));
    if (s == NULL)
        return ERR_DB;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store_group_read(s, g);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return ERR_NOTFOUND;
    return store__err(st, rc);
}

int
store_group_get(struct store *st, const char *name, struct store_group *g)
{
    sqlite3_stmt *s = store__stmt(st, STMT_GROUP_BY_NAME);

    if (s != NULL)
        store__bind_text(s, 1, name);
    return store_group_one(st, s, g);
}

int
store_group_by_id(struct store *st, int64_t id, struct store_group *g)
{
    sqlite3_stmt *s = store__stmt(st, STMT_GROUP_BY_ID);

    if (s != NULL)
        sqlite3_bind_int64(s, 1, id);
    return store_group_one(st, s, g);
}

int
store_group_each(struct store *st, store_group_cb *cb, void *arg)
{
    sqlite3_stmt *s = store__stmt(st, STMT_GROUP_ALL);
    struct store_group g;
    int rc;

    if (s == NULL)
        return ERR_DB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cbrc;

        store_group_read(s, &g);
        if ((cbrc = cb(&g, arg)) < 0) {
            sqlite3_reset(s);
            return cbrc;
        }
    }
    sqlite3_reset(s);
    return store__err(st, rc);
}

static int
store_group_member(struct store *st, enum store_stmt id, int64_t group_id,
                   int64_t engagement_id)
{
    sqlite3_stmt *s = store__stmt(st, id);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, group_id);
    sqlite3_bind_int64(s, 2, engagement_id);
    return store__exec(st, s);
}

int
store_group_join(struct store *st, int64_t group_id, int64_t engagement_id)
{
    return store_group_member(st, STMT_GROUP_JOIN, group_id, engagement_id);
}

int
store_group_leave(struct store *st, int64_t group_id, int64_t engagement_id,
                  int64_t now)
{
    static const enum store_stmt seats[] = {STMT_GROUP_LEAVE_ASKS,
                                            STMT_GROUP_LEAVE_SEATS};
    int rc = store_group_member(st, STMT_GROUP_LEAVE, group_id, engagement_id);

    if (rc == 0 && sqlite3_changes(st->db) == 0)
        return ERR_NOTFOUND;
    /* No seat at the group's coming meetings, no question for them. */
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        sqlite3_stmt *s = store__stmt(st, seats[i]);

        if (s == NULL)
            return ERR_DB;
        sqlite3_bind_int64(s, 1, group_id);
        sqlite3_bind_int64(s, 2, engagement_id);
        sqlite3_bind_int64(s, 3, now);
        rc = store__exec(st, s);
    }
    return rc;
}

int
store_group_members(struct store *st, int64_t group_id, int64_t *ids, int max,
                    int *n)
{
    sqlite3_stmt *s = store__stmt(st, STMT_GROUP_MEMBERS);

    if (s != NULL) {
        sqlite3_bind_int64(s, 1, group_id);
        sqlite3_bind_int(s, 2, max);
    }
    return store__ids(st, s, ids, max, n);
}

/* ---- meetings ---------------------------------------------------------- */

static const char *const agenda_names[] = {"pending", "sending", "sent",
                                           "none"};

const char *
store__agenda_name(enum store_agenda a)
{
    return (unsigned)a < 4 ? agenda_names[a] : agenda_names[0];
}

enum store_agenda
store__agenda_parse(const char *name)
{
    for (int i = 0; i < 4; i++) {
        if (name != NULL && strcmp(name, agenda_names[i]) == 0)
            return (enum store_agenda)i;
    }
    return STORE_AGENDA_PENDING;
}

void
store__session_row(sqlite3_stmt *s, struct store_session *out)
{
    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(s, 0);
    out->engagement_id = sqlite3_column_int64(s, 1);
    out->at = sqlite3_column_int64(s, 2);
    store__text(s, 3, out->theme, sizeof(out->theme));
    out->pre_at = sqlite3_column_int64(s, 4);
    out->post_at = sqlite3_column_int64(s, 5);
    out->meeting_id = sqlite3_column_int64(s, 6);
    store__text(s, 7, out->uid, sizeof(out->uid));
    out->digest_at = sqlite3_column_int64(s, 8);
    out->digest = store__agenda_parse((const char *)sqlite3_column_text(s, 9));
}

int
store_meeting_add(struct store *st, struct store_meeting *m)
{
    sqlite3_stmt *s = store__stmt(st, STMT_MEETING_ADD);
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, m->group_id);
    sqlite3_bind_int64(s, 2, m->at);
    store__bind_text(s, 3, m->theme[0] ? m->theme : NULL);
    sqlite3_bind_int64(s, 4, m->agenda_at);
    if ((rc = store__exec(st, s)) < 0)
        return rc;
    m->id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

static int
store_meeting_one(struct store *st, sqlite3_stmt *s, struct store_meeting *m)
{
    char state[16];
    int rc;

    memset(m, 0, sizeof(*m));
    if (s == NULL)
        return ERR_DB;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        m->id = sqlite3_column_int64(s, 0);
        m->group_id = sqlite3_column_int64(s, 1);
        m->at = sqlite3_column_int64(s, 2);
        store__text(s, 3, m->theme, sizeof(m->theme));
        m->agenda_at = sqlite3_column_int64(s, 4);
        store__text(s, 5, state, sizeof(state));
        m->agenda = store__agenda_parse(state);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return ERR_NOTFOUND;
    return store__err(st, rc);
}

int
store_meeting_get(struct store *st, int64_t id, struct store_meeting *m)
{
    sqlite3_stmt *s = store__stmt(st, STMT_MEETING_GET);

    if (s != NULL)
        sqlite3_bind_int64(s, 1, id);
    return store_meeting_one(st, s, m);
}

int
store_meeting_next(struct store *st, int64_t group_id, int64_t t,
                   struct store_meeting *m)
{
    sqlite3_stmt *s = store__stmt(st, STMT_MEETING_NEXT);

    if (s != NULL) {
        sqlite3_bind_int64(s, 1, group_id);
        sqlite3_bind_int64(s, 2, t);
    }
    return store_meeting_one(st, s, m);
}

int
store_meeting_future(struct store *st, int64_t group_id, int64_t now,
                     int64_t *ids, int max, int *n)
{
    sqlite3_stmt *s = store__stmt(st, STMT_MEETING_FUTURE);

    if (s != NULL) {
        sqlite3_bind_int64(s, 1, group_id);
        sqlite3_bind_int64(s, 2, now);
        sqlite3_bind_int(s, 3, max);
    }
    return store__ids(st, s, ids, max, n);
}

int
store_meeting_due(struct store *st, int64_t now, int64_t *ids, int max, int *n)
{
    sqlite3_stmt *s = store__stmt(st, STMT_MEETING_DUE);

    if (s != NULL) {
        sqlite3_bind_int64(s, 1, now);
        sqlite3_bind_int(s, 2, max);
    }
    return store__ids(st, s, ids, max, n);
}

int
store_meeting_min(struct store *st, int64_t *out)
{
    return store__scalar(st, store__stmt(st, STMT_MEETING_MIN), out);
}

int
store_meeting_set(struct store *st, int64_t id, int64_t agenda_at,
                  enum store_agenda agenda)
{
    sqlite3_stmt *s = store__stmt(st, STMT_MEETING_SET);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, agenda_at);
    store__bind_text(s, 3, store__agenda_name(agenda));
    return store__exec(st, s);
}

int
store_meeting_recover(struct store *st, int64_t now, int *n)
{
    return store__touch(st, STMT_MEETING_RECOVER, now, n);
}

int
store_challenges(struct store *st, int64_t meeting_id, store_challenge_cb *cb,
                 void *arg)
{
    sqlite3_stmt *s = store__stmt(st, STMT_CHALLENGES);
    struct store_challenge c;
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, meeting_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(s, 2);
        int cbrc;

        memset(&c, 0, sizeof(c));
        c.handle = (const char *)sqlite3_column_text(s, 0);
        c.delivery_id = sqlite3_column_int64(s, 1);
        c.state = STORE_STATE_PENDING;
        for (int i = 0; state != NULL && i < STORE_STATE__COUNT; i++) {
            if (strcmp(state, store_state_name((enum store_state)i)) == 0)
                c.state = (enum store_state)i;
        }
        c.agenda = sqlite3_column_int(s, 3);
        c.answer = (const char *)sqlite3_column_text(s, 4);
        if ((cbrc = cb(&c, arg)) < 0) {
            sqlite3_reset(s);
            return cbrc;
        }
    }
    sqlite3_reset(s);
    return store__err(st, rc);
}

/* ---- own questions ----------------------------------------------------- */

int
store_own_add(struct store *st, struct store_own *o, int64_t now)
{
    sqlite3_stmt *s = store__stmt(st, STMT_OWN_ADD);
    int rc;

    if (s == NULL)
        return ERR_DB;
    store__bind_opt_int(s, 1, o->engagement_id);
    store__bind_opt_int(s, 2, o->group_id);
    store__bind_text(s, 3, o->kind);
    store__bind_text(s, 4, o->text);
    store__bind_text(s, 5, o->followup[0] ? o->followup : NULL);
    sqlite3_bind_int64(s, 6, now);
    if ((rc = store__exec(st, s)) < 0)
        return rc;
    o->id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

static void
store_own_read(sqlite3_stmt *s, struct store_own *o)
{
    memset(o, 0, sizeof(*o));
    o->id = sqlite3_column_int64(s, 0);
    o->engagement_id = sqlite3_column_int64(s, 1);
    o->group_id = sqlite3_column_int64(s, 2);
    store__text(s, 3, o->target, sizeof(o->target));
    store__text(s, 4, o->kind, sizeof(o->kind));
    store__text(s, 5, o->text, sizeof(o->text));
    store__text(s, 6, o->followup, sizeof(o->followup));
}

int
store_own_next(struct store *st, int64_t engagement_id, struct store_own *o)
{
    sqlite3_stmt *s = store__stmt(st, STMT_OWN_NEXT);
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store_own_read(s, o);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return ERR_NOTFOUND;
    return store__err(st, rc);
}

int
store_own_get(struct store *st, int64_t id, struct store_own *o)
{
    sqlite3_stmt *s = store__stmt(st, STMT_OWN_GET);
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        store_own_read(s, o);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return ERR_NOTFOUND;
    return store__err(st, rc);
}

int
store_own_each(struct store *st, store_own_cb *cb, void *arg)
{
    sqlite3_stmt *s = store__stmt(st, STMT_OWN_ALL);
    struct store_own o;
    int rc;

    if (s == NULL)
        return ERR_DB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cbrc;

        store_own_read(s, &o);
        if ((cbrc = cb(&o, arg)) < 0) {
            sqlite3_reset(s);
            return cbrc;
        }
    }
    sqlite3_reset(s);
    return store__err(st, rc);
}

int
store_own_remove(struct store *st, int64_t id)
{
    sqlite3_stmt *s = store__stmt(st, STMT_OWN_REMOVE);
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    rc = store__exec(st, s);
    if (rc == 0 && sqlite3_changes(st->db) == 0)
        return ERR_NOTFOUND;
    return rc;
}
