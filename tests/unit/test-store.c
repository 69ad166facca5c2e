/*
 * test-store.c - storage: schema and migrations, constraints, the queries
 * the engine relies on.
 */
#include "t.h"

#include "err.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char path[64];

static struct store *
open_new(void)
{
    struct store *st = NULL;
    char err[ERR_BUFSZ] = "";
    int fd;

    log_set_level(LOG_LEVEL_ERROR);
    xstrlcpy(path, "/tmp/reflekt-store-XXXXXX", sizeof(path));
    fd = mkstemp(path);
    close(fd);
    unlink(path);
    T_EQ_INT(store_open(path, &st, err), 0);
    T_EQ_STR(err, "");
    return st;
}

static void
cleanup(void)
{
    char p[80];

    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

static void
leader(struct store_leader *l, const char *handle, const char *user)
{
    memset(l, 0, sizeof(*l));
    xstrlcpy(l->handle, handle, sizeof(l->handle));
    xstrlcpy(l->platform, "console", sizeof(l->platform));
    xstrlcpy(l->user_id, user, sizeof(l->user_id));
    xstrlcpy(l->consultant, "anna", sizeof(l->consultant));
    xstrlcpy(l->manager, "bob", sizeof(l->manager));
    xstrlcpy(l->org, "kommune", sizeof(l->org));
    xstrlcpy(l->lang, "nb", sizeof(l->lang));
    xstrlcpy(l->tz, "Europe/Oslo", sizeof(l->tz));
    xstrlcpy(l->country, "no", sizeof(l->country));
    xstrlcpy(l->cadence, "FREQ=WEEKLY;BYDAY=TU", sizeof(l->cadence));
    xstrlcpy(l->dtstart, "2026-11-23", sizeof(l->dtstart));
    l->work_from = 480;
    l->work_to = 1020;
    l->work_days = 0x3e;
    l->weekly_cap = 2;
    l->summer_from = 701;
    l->summer_to = 731;
}

static int64_t
pragma(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    int64_t v = -1;

    sqlite3_open(path, &db);
    sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

T_TEST(test_open_migrates_once)
{
    struct store *st = open_new();
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(store_schema_version(st), 5);
    store_close(st);
    T_EQ_INT(store_open(path, &st, err), 0);
    T_EQ_INT(store_schema_version(st), 5);
    store_close(st);
    T_EQ_INT(pragma("PRAGMA user_version"), 5);
    cleanup();
}

/* A version-1 database (before edit history) moves forward, data kept. */
T_TEST(test_migrate_from_v1)
{
    struct store *st = open_new();
    struct store_leader l, got;
    char err[ERR_BUFSZ] = "";
    sqlite3 *db;

    leader(&l, "lena", "U1");
    T_EQ_INT(store_leader_add(st, &l, err), 0);
    store_close(st);
    sqlite3_open(path, &db);
    /* Take back versions 4, 3 and 2: their tables, indexes and columns. */
    T_EQ_INT(
        sqlite3_exec(db,
                     "DROP TABLE web_link; DROP TABLE web_session;"
                     "DROP TABLE session_note; DROP INDEX session_uid;"
                     "DROP INDEX session_digest;"
                     "ALTER TABLE org DROP COLUMN retention_months;"
                     "ALTER TABLE person DROP COLUMN password;"
                     "ALTER TABLE engagement DROP COLUMN ics_url;"
                     "DROP TABLE own_prompt; DROP TABLE grp_member;"
                     "DROP INDEX session_pre; DROP INDEX session_post;"
                     "DROP INDEX session_meeting; DROP INDEX delivery_session;"
                     "DROP INDEX delivery_recall;"
                     "DROP INDEX delivery_engagement_prompt;"
                     "ALTER TABLE session DROP COLUMN pre_at;"
                     "ALTER TABLE session DROP COLUMN post_at;"
                     "CREATE TABLE s1 AS SELECT id, engagement_id, at, theme"
                     "  FROM session; DROP TABLE session;"
                     "ALTER TABLE s1 RENAME TO session;"
                     "DROP TABLE meeting; DROP TABLE grp;"
                     "ALTER TABLE delivery DROP COLUMN kind;"
                     "ALTER TABLE delivery DROP COLUMN score;"
                     "ALTER TABLE delivery DROP COLUMN agenda;"
                     "DROP TABLE response_edit; DROP INDEX response_msg;"
                     "DROP INDEX engagement_identity;"
                     "PRAGMA user_version = 1;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    /* delivery's two new references stay (SQLite cannot drop a column
     * that is a foreign key); rebuild the table without them. */
    T_EQ_INT(
        sqlite3_exec(db,
                     "PRAGMA foreign_keys = OFF;"
                     "CREATE TABLE d1 AS SELECT id, engagement_id, prompt_id,"
                     "  question, followup, state, due_at, sent_at, action_at,"
                     "  answered_at, reminded, closed, shared, platform_msg_id,"
                     "  created_at FROM delivery; DROP TABLE delivery;"
                     "ALTER TABLE d1 RENAME TO delivery;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    T_EQ_INT(store_open(path, &st, err), 0);
    T_EQ_STR(err, "");
    T_EQ_INT(store_schema_version(st), 5);
    T_EQ_INT(store_leader_get(st, "lena", &got), 0);
    T_EQ_STR(got.user_id, "U1");
    store_close(st);
    cleanup();
}

T_TEST(test_wal_and_foreign_keys)
{
    struct store *st = open_new();
    sqlite3 *db;
    char *msg = NULL;
    int rc;

    store_close(st);
    sqlite3_open(path, &db);
    /* WAL is a property of the file; it persists. */
    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    rc = sqlite3_exec(db,
                      "INSERT INTO delivery (engagement_id, prompt_id,"
                      " question, state, due_at, created_at)"
                      " VALUES (999, 'x', 'q', 'pending', 0, 0)",
                      NULL, NULL, &msg);
    T_EQ_INT(rc, SQLITE_CONSTRAINT);
    sqlite3_free(msg);
    rc = sqlite3_exec(db,
                      "INSERT INTO delivery (engagement_id, prompt_id,"
                      " question, state, due_at, created_at)"
                      " VALUES (999, 'x', 'q', 'lost', 0, 0)",
                      NULL, NULL, &msg);
    T_EQ_INT(rc, SQLITE_CONSTRAINT);
    sqlite3_free(msg);
    sqlite3_close(db);
    T_EQ_INT(pragma("SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
    cleanup();
}

T_TEST(test_newer_schema_refused)
{
    struct store *st = open_new();
    sqlite3 *db;
    char err[ERR_BUFSZ] = "";

    store_close(st);
    sqlite3_open(path, &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    T_EQ_INT(store_open(path, &st, err), ERR_DB);
    T_CONTAINS(err, "schema version 99 is newer");
    T_CHECK(st == NULL);
    cleanup();
}

T_TEST(test_not_a_database_refused)
{
    struct store *st = NULL;
    char err[ERR_BUFSZ] = "";
    FILE *f;

    xstrlcpy(path, "/tmp/reflekt-notdb-XXXXXX", sizeof(path));
    close(mkstemp(path));
    f = fopen(path, "w");
    fputs("this is not a database, it is a shopping list\n", f);
    fclose(f);
    T_EQ_INT(store_open(path, &st, err), ERR_DB);
    T_CONTAINS(err, path);
    /* And the file is untouched. */
    f = fopen(path, "r");
    {
        char line[64] = "";
        T_CHECK(fgets(line, sizeof(line), f) != NULL);
        T_CONTAINS(line, "shopping list");
    }
    fclose(f);
    cleanup();
}

T_TEST(test_leader_add_and_read)
{
    struct store *st = open_new();
    struct store_leader l, got;
    char err[ERR_BUFSZ] = "";

    leader(&l, "lena", "U1");
    T_EQ_INT(store_leader_add(st, &l, err), 0);
    T_CHECK(l.id > 0);
    T_EQ_INT(store_leader_get(st, "lena", &got), 0);
    T_EQ_STR(got.consultant, "anna");
    T_EQ_STR(got.org, "kommune");
    T_EQ_INT(got.summer_from, 701);
    T_EQ_INT(store_leader_by_identity(st, "console", "U1", &got), 0);
    T_EQ_STR(got.handle, "lena");
    T_EQ_INT(store_leader_by_identity(st, "console", "U2", &got), ERR_NOTFOUND);
    T_EQ_INT(store_leader_get(st, "nobody", &got), ERR_NOTFOUND);
    /* The same handle twice, and the same platform user twice. */
    leader(&l, "lena", "U9");
    err[0] = '\0';
    T_EQ_INT(store_leader_add(st, &l, err), ERR_EXISTS);
    T_CONTAINS(err, "lena");
    leader(&l, "lars", "U1");
    err[0] = '\0';
    T_EQ_INT(store_leader_add(st, &l, err), ERR_EXISTS);
    T_CONTAINS(err, "U1");
    /* The failed enrolment left nothing behind. */
    T_EQ_INT(store_leader_get(st, "lars", &got), ERR_NOTFOUND);
    leader(&l, "lars", "U2");
    err[0] = '\0';
    T_EQ_INT(store_leader_add(st, &l, err), 0);
    store_close(st);
    cleanup();
}

T_TEST(test_next_due_and_actions)
{
    struct store *st = open_new();
    struct store_leader l;
    struct store_delivery d, got;
    char err[ERR_BUFSZ] = "";
    int64_t ids[8], min;
    int n;

    leader(&l, "lena", "U1");
    T_EQ_INT(store_leader_add(st, &l, err), 0);
    T_EQ_INT(store_leader_next_min(st, &min), 0);
    T_EQ_INT(min, 0);
    T_EQ_INT(store_leader_set_next(st, l.id, 5000), 0);
    T_EQ_INT(store_leader_next_min(st, &min), 0);
    T_EQ_INT(min, 5000);
    T_EQ_INT(store_leader_due(st, 4999, ids, 8, &n), 0);
    T_EQ_INT(n, 0);
    T_EQ_INT(store_leader_due(st, 5000, ids, 8, &n), 0);
    T_EQ_INT(n, 1);
    memset(&d, 0, sizeof(d));
    d.engagement_id = l.id;
    xstrlcpy(d.prompt_id, "p1", sizeof(d.prompt_id));
    xstrlcpy(d.question, "Hva?", sizeof(d.question));
    d.due_at = 100;
    d.action_at = 150;
    T_EQ_INT(store_delivery_add(st, &d), 0);
    T_EQ_INT(store_delivery_action_min(st, &min), 0);
    T_EQ_INT(min, 150);
    T_EQ_INT(store_delivery_due(st, 150, ids, 8, &n), 0);
    T_EQ_INT(n, 1);
    T_EQ_INT(ids[0], d.id);
    d.state = STORE_STATE_SENDING;
    d.action_at = 0;
    T_EQ_INT(store_delivery_update(st, &d), 0);
    T_EQ_INT(store_delivery_action_min(st, &min), 0);
    T_EQ_INT(min, 0);
    T_EQ_INT(store_delivery_recover(st, 777, &n), 0);
    T_EQ_INT(n, 1);
    T_EQ_INT(store_delivery_get(st, d.id, &got), 0);
    T_EQ_INT(got.action_at, 777);
    T_EQ_STR(got.question, "Hva?");
    T_EQ_INT(store_delivery_count(st, l.id, 0, 101, &n), 0);
    T_EQ_INT(n, 1);
    T_EQ_INT(store_delivery_count(st, l.id, 101, 200, &n), 0);
    T_EQ_INT(n, 0);
    {
        struct store_asked asked;

        T_EQ_INT(store_delivery_asked(st, l.id, &asked), 0);
        T_EQ_INT(asked.n, 1);
        T_EQ_INT(store_asked_at(&asked, "p1"), 100);
        T_EQ_INT(store_asked_at(&asked, "p2"), 0);
        T_EQ_INT(store_asked_at(&asked, "p0"), 0);
        store_asked_release(&asked);
    }
    store_close(st);
    cleanup();
}

static int
count_rows(const struct store_row *r, void *arg)
{
    (void)r;
    (*(int *)arg)++;
    return 0;
}

T_TEST(test_responses_unique_and_retract)
{
    struct store *st = open_new();
    struct store_leader l;
    struct store_delivery d;
    char err[ERR_BUFSZ] = "";
    int n = 0;

    leader(&l, "lena", "U1");
    T_EQ_INT(store_leader_add(st, &l, err), 0);
    memset(&d, 0, sizeof(d));
    d.engagement_id = l.id;
    xstrlcpy(d.prompt_id, "p1", sizeof(d.prompt_id));
    xstrlcpy(d.question, "Hva?", sizeof(d.question));
    d.state = STORE_STATE_SENT;
    d.due_at = 100;
    T_EQ_INT(store_delivery_add(st, &d), 0);
    T_EQ_INT(store_response_add(st, d.id, "e1", NULL, "ja", 2, 200), 0);
    T_EQ_INT(store_response_add(st, d.id, "e1", NULL, "ja", 2, 201),
             ERR_EXISTS);
    T_EQ_INT(store_event_mark(st, "e1", 200), 0);
    T_EQ_INT(store_event_mark(st, "e1", 200), ERR_EXISTS);
    T_EQ_INT(store_delivery_open(st, l.id, &d), 0);
    T_EQ_INT(store_response_retract(st, d.id), 0);
    T_EQ_INT(store_rows(st, l.id, 0, count_rows, &n), 0);
    T_EQ_INT(n, 1);
    store_close(st);
    cleanup();
}

static int
first_answer(const struct store_row *r, void *arg)
{
    char *out = arg;

    xstrlcpy(out, r->answer ? r->answer : "(null)", 128);
    return 0;
}

T_TEST(test_edit_keeps_history_and_delete)
{
    struct store *st = open_new();
    struct store_leader l, other;
    struct store_delivery d;
    char err[ERR_BUFSZ] = "", text[128];
    int64_t did;
    int left;

    leader(&l, "lena", "U1");
    T_EQ_INT(store_leader_add(st, &l, err), 0);
    leader(&other, "lars", "U2");
    T_EQ_INT(store_leader_add(st, &other, err), 0);
    memset(&d, 0, sizeof(d));
    d.engagement_id = l.id;
    xstrlcpy(d.prompt_id, "p1", sizeof(d.prompt_id));
    xstrlcpy(d.question, "Hva?", sizeof(d.question));
    d.state = STORE_STATE_ANSWERED;
    d.due_at = 100;
    T_EQ_INT(store_delivery_add(st, &d), 0);
    T_EQ_INT(store_response_add(st, d.id, "e1", "$m1", "first", 5, 200), 0);
    T_EQ_INT(store_response_add(st, d.id, "e2", "$m2", "second", 6, 201), 0);
    T_EQ_INT(
        store_response_edit(st, l.id, "$m1", "first, better", 13, 300, &did),
        0);
    T_EQ_INT(did, d.id);
    T_EQ_INT(store_rows(st, l.id, 0, first_answer, text), 0);
    T_EQ_STR(text, "first, better\nsecond");
    T_EQ_INT(pragma("SELECT count(*) FROM response_edit WHERE body = 'first'"),
             1);
    /* Another leader cannot edit lena's message; unknown ids are refused. */
    T_EQ_INT(store_response_edit(st, other.id, "$m1", "x", 1, 300, &did),
             ERR_NOTFOUND);
    T_EQ_INT(store_response_edit(st, l.id, "$nope", "x", 1, 300, &did),
             ERR_NOTFOUND);
    T_EQ_INT(store_response_delete(st, l.id, "$m2", &did, &left), 0);
    T_EQ_INT(left, 1);
    T_EQ_INT(store_rows(st, l.id, 0, first_answer, text), 0);
    T_EQ_STR(text, "first, better");
    T_EQ_INT(store_response_delete(st, l.id, "$m2", &did, &left), ERR_NOTFOUND);
    /* Retracting drops the edit history too. */
    T_EQ_INT(store_response_retract(st, d.id), 0);
    T_EQ_INT(pragma("SELECT count(*) FROM response_edit WHERE body IS NOT "
                    "NULL"),
             0);
    store_close(st);
    cleanup();
}

static int
session_add(struct store *st, int64_t engagement_id, int64_t at,
            const char *theme)
{
    struct store_session s;

    memset(&s, 0, sizeof(s));
    s.engagement_id = engagement_id;
    s.at = at;
    if (theme != NULL)
        strcpy(s.theme, theme);
    return store_session_add(st, &s);
}

T_TEST(test_sessions_cursors_audit)
{
    struct store *st = open_new();
    struct store_leader l;
    char err[ERR_BUFSZ] = "", theme[64], v[32];
    int64_t at;

    leader(&l, "lena", "U1");
    T_EQ_INT(store_leader_add(st, &l, err), 0);
    T_EQ_INT(session_add(st, l.id, 1000, "small-steps"), 0);
    T_EQ_INT(session_add(st, l.id, 1000, NULL), ERR_EXISTS);
    T_EQ_INT(session_add(st, l.id, 3000, NULL), 0);
    T_EQ_INT(store_session_last(st, l.id, 2000, &at, theme, sizeof(theme)), 0);
    T_EQ_INT(at, 1000);
    T_EQ_STR(theme, "small-steps");
    T_EQ_INT(store_session_next(st, l.id, 2000, &at, theme, sizeof(theme)), 0);
    T_EQ_INT(at, 3000);
    T_EQ_STR(theme, "");
    T_EQ_INT(store_session_last(st, l.id, 500, &at, NULL, 0), 0);
    T_EQ_INT(at, 0);
    T_EQ_INT(store_cursor_get(st, "console", "k", v, sizeof(v)), 0);
    T_EQ_STR(v, "");
    T_EQ_INT(store_cursor_set(st, "console", "k", "42"), 0);
    T_EQ_INT(store_cursor_set(st, "console", "k", "43"), 0);
    T_EQ_INT(store_cursor_get(st, "console", "k", v, sizeof(v)), 0);
    T_EQ_STR(v, "43");
    T_EQ_INT(store_audit(st, 5, "cli:root", "review", l.id, NULL), 0);
    store_close(st);
    cleanup();
}

T_TEST(test_rollback_keeps_nothing)
{
    struct store *st = open_new();
    int64_t min;

    T_EQ_INT(store_begin(st), 0);
    T_EQ_INT(store_cursor_set(st, "console", "k", "1"), 0);
    store_rollback(st);
    {
        char v[8];
        T_EQ_INT(store_cursor_get(st, "console", "k", v, sizeof(v)), 0);
        T_EQ_STR(v, "");
    }
    T_EQ_INT(store_leader_next_min(st, &min), 0);
    store_close(st);
    cleanup();
}

/* ---- leader rights: retention and erasure ------------------------- */

/* A delivery for engagement e with an answer message received at at. */
static int64_t
answered(struct store *st, int64_t e, const char *prompt, int score,
         const char *event, const char *msg, const char *text, int64_t at)
{
    struct store_delivery d;

    memset(&d, 0, sizeof(d));
    d.engagement_id = e;
    xstrlcpy(d.prompt_id, prompt, sizeof(d.prompt_id));
    xstrlcpy(d.question, "How did it go?", sizeof(d.question));
    xstrlcpy(d.kind, score ? "scale" : "open", sizeof(d.kind));
    d.state = STORE_STATE_SENT;
    d.due_at = at - 60;
    T_EQ_INT(store_delivery_add(st, &d), 0);
    d.state = STORE_STATE_ANSWERED;
    d.sent_at = at - 30;
    d.answered_at = at;
    d.score = score;
    T_EQ_INT(store_delivery_update(st, &d), 0);
    T_EQ_INT(store_response_add(st, d.id, event, msg, text, strlen(text), at),
             0);
    return d.id;
}

/* Whether the database file holds needle anywhere, in any page. */
static int
file_holds(const char *file, const char *needle)
{
    FILE *f = fopen(file, "rb");
    size_t n = strlen(needle), got, keep = 0;
    char buf[8192 + 256];
    int found = 0;

    if (f == NULL)
        return 0;
    while (!found && (got = fread(buf + keep, 1, 8192, f)) > 0) {
        size_t len = keep + got;

        for (size_t i = 0; i + n <= len && !found; i++)
            found = memcmp(buf + i, needle, n) == 0;
        keep = len < n ? len : n - 1;
        memmove(buf, buf + len - keep, keep);
    }
    fclose(f);
    return found;
}

T_TEST(test_retention_sweep)
{
    struct store *st = open_new();
    struct store_leader lena, lars;
    char err[ERR_BUFSZ] = "";
    const int64_t now = 1795435200; /* 2026-11-23 08:00 UTC */
    const int64_t day = 86400;
    int64_t d1, d2, d3, did;
    int n = -1, orgs = -1;

    leader(&lena, "lena", "U1"); /* org kommune */
    T_EQ_INT(store_leader_add(st, &lena, err), 0);
    leader(&lars, "lars", "U2");
    xstrlcpy(lars.org, "firma", sizeof(lars.org));
    T_EQ_INT(store_leader_add(st, &lars, err), 0);
    /* Only an old answer, edited once; an old and a new one; another org. */
    d1 = answered(st, lena.id, "p1", 4, "e1", "$m1", "old words",
                  now - 200 * day);
    T_EQ_INT(store_response_edit(st, lena.id, "$m1", "old, edited", 11,
                                 now - 199 * day, &did),
             0);
    d2 = answered(st, lena.id, "p2", 3, "e2", "$m2", "older part",
                  now - 190 * day);
    T_EQ_INT(store_response_add(st, d2, "e3", "$m3", "recent part", 11,
                                now - 150 * day),
             0);
    d3 = answered(st, lars.id, "p1", 5, "e4", "$m4", "kept by firma",
                  now - 400 * day);

    T_EQ_INT(store_org_set_retention(st, "nowhere", 6), ERR_NOTFOUND);
    T_EQ_INT(store_org_set_retention(st, "kommune", 121), ERR_INVAL);
    T_EQ_INT(store_retention_orgs(st, &orgs), 0);
    T_EQ_INT(orgs, 0);
    T_EQ_INT(store_org_set_retention(st, "kommune", 6), 0);
    T_EQ_INT(store_retention_orgs(st, &orgs), 0);
    T_EQ_INT(orgs, 1);

    T_EQ_INT(store_begin(st), 0);
    T_EQ_INT(store_retention_sweep(st, now, &n), 0);
    T_EQ_INT(store_commit(st), 0);
    T_EQ_INT(n, 2);
    /* The old messages and their edits went; the recent one stayed. */
    T_EQ_INT(pragma("SELECT count(*) FROM response WHERE body IN ('old, "
                    "edited', 'older part')"),
             0);
    T_EQ_INT(pragma("SELECT count(*) FROM response_edit"), 0);
    T_EQ_INT(pragma("SELECT count(*) FROM response WHERE body = 'recent "
                    "part'"),
             1);
    /* Every question stays, with its state; no answers, no score. */
    T_EQ_INT(pragma("SELECT count(*) FROM delivery WHERE state = "
                    "'answered'"),
             3);
    {
        char sql[128];

        snprintf(sql, sizeof(sql),
                 "SELECT score IS NULL FROM delivery WHERE id = %lld",
                 (long long)d1);
        T_EQ_INT(pragma(sql), 1);
        snprintf(sql, sizeof(sql), "SELECT score FROM delivery WHERE id = %lld",
                 (long long)d2);
        T_EQ_INT(pragma(sql), 3);
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM response WHERE delivery_id = %lld",
                 (long long)d3);
        T_EQ_INT(pragma(sql), 1);
    }
    /* Another organisation keeps everything. */
    T_EQ_INT(pragma("SELECT count(*) FROM response WHERE body = 'kept by "
                    "firma'"),
             1);
    T_EQ_INT(pragma("SELECT count(*) FROM audit WHERE actor = 'reflekt' AND"
                    " action = 'retention' AND engagement_id IS NULL AND"
                    " detail = '2 answers older than 6 months'"),
             1);
    /* A second sweep finds nothing and writes nothing. */
    T_EQ_INT(store_retention_sweep(st, now, &n), 0);
    T_EQ_INT(n, 0);
    T_EQ_INT(pragma("SELECT count(*) FROM audit"), 1);
    /* none keeps answers again. */
    T_EQ_INT(store_org_set_retention(st, "kommune", 0), 0);
    T_EQ_INT(store_retention_orgs(st, &orgs), 0);
    T_EQ_INT(orgs, 0);
    store_close(st);
    cleanup();
}

T_TEST(test_leader_erase)
{
    struct store *st = open_new();
    struct store_leader z, lars;
    struct store_delivery d;
    struct store_group g;
    struct store_own o;
    struct store_session s;
    struct store_erase er;
    char err[ERR_BUFSZ] = "", v[32];
    int64_t d1, did;

    leader(&z, "zelda", "29:zelda-teams-id");
    xstrlcpy(z.platform, "teams", sizeof(z.platform));
    T_EQ_INT(store_leader_add(st, &z, err), 0);
    leader(&lars, "lars", "U2");
    T_EQ_INT(store_leader_add(st, &lars, err), 0);
    answered(st, lars.id, "p1", 0, "e9", "$m9", "lars keeps this", 5000);

    /* A commitment with an edited answer, and its recall. */
    d1 = answered(st, z.id, "c1", 0, "e1", "$m1", "zebra secret", 1000);
    T_EQ_INT(store_response_edit(st, z.id, "$m1", "zebra secret, edited", 20,
                                 1100, &did),
             0);
    memset(&s, 0, sizeof(s));
    s.engagement_id = z.id;
    s.at = 2000;
    xstrlcpy(s.uid, "zelda-session@calendar", sizeof(s.uid));
    T_EQ_INT(store_session_add(st, &s), 0);
    T_EQ_INT(store_note_set(st, s.id, "zelda note: very private", 2100), 0);
    memset(&d, 0, sizeof(d));
    d.engagement_id = z.id;
    xstrlcpy(d.prompt_id, "recall", sizeof(d.prompt_id));
    xstrlcpy(d.question, "Did you?", sizeof(d.question));
    xstrlcpy(d.kind, "recall", sizeof(d.kind));
    d.state = STORE_STATE_PENDING;
    d.due_at = 3000;
    d.recall_of = d1;
    d.session_id = s.id;
    T_EQ_INT(store_delivery_add(st, &d), 0);
    memset(&g, 0, sizeof(g));
    xstrlcpy(g.name, "circle", sizeof(g.name));
    xstrlcpy(g.consultant, "anna", sizeof(g.consultant));
    xstrlcpy(g.lang, "nb", sizeof(g.lang));
    xstrlcpy(g.tz, "Europe/Oslo", sizeof(g.tz));
    T_EQ_INT(store_group_add(st, &g), 0);
    T_EQ_INT(store_group_join(st, g.id, z.id), 0);
    T_EQ_INT(store_group_join(st, g.id, lars.id), 0);
    memset(&o, 0, sizeof(o));
    o.engagement_id = z.id;
    xstrlcpy(o.kind, "open", sizeof(o.kind));
    xstrlcpy(o.text, "zelda, what did you learn?", sizeof(o.text));
    T_EQ_INT(store_own_add(st, &o, 2500), 0);
    T_EQ_INT(store_cursor_set(st, "teams", "ref:29:zelda-teams-id", "{}"), 0);
    T_EQ_INT(store_cursor_set(st, "teams", "ref:29:other", "{}"), 0);
    T_EQ_INT(store_audit(st, 10, "cli:root", "review", z.id, NULL), 0);
    T_EQ_INT(store_audit(st, 11, "zelda", "retract", z.id, "c1"), 0);
    T_EQ_INT(store_audit(st, 12, "cli:root", "review", lars.id, NULL), 0);

    T_EQ_INT(store_leader_erase_count(st, z.id, &er), 0);
    T_EQ_INT(er.answers, 1);
    T_EQ_INT(er.edits, 1);
    T_EQ_INT(er.questions, 2);
    T_EQ_INT(er.sessions, 1);
    T_EQ_INT(er.notes, 1);
    T_EQ_INT(er.own, 1);
    T_EQ_INT(er.groups, 1);
    T_EQ_INT(er.identities, 1);
    T_EQ_INT(er.audit, 2);
    T_EQ_INT(er.keep_person, 0);
    /* Counting changes nothing. */
    T_EQ_INT(pragma("SELECT count(*) FROM person WHERE name = 'zelda'"), 1);

    T_EQ_INT(store_begin(st), 0);
    T_EQ_INT(store_leader_erase(st, z.id, &er), 0);
    T_EQ_INT(store_commit(st), 0);
    T_EQ_INT(er.answers, 1);
    T_EQ_INT(er.questions, 2);
    T_EQ_INT(store_leader_get(st, "zelda", &z), ERR_NOTFOUND);
    T_EQ_INT(pragma("SELECT count(*) FROM person WHERE name = 'zelda'"), 0);
    T_EQ_INT(pragma("SELECT count(*) FROM identity WHERE user_id LIKE "
                    "'%zelda%'"),
             0);
    T_EQ_INT(pragma("SELECT count(*) FROM response WHERE body LIKE "
                    "'%zebra%'"),
             0);
    T_EQ_INT(pragma("SELECT count(*) FROM response_edit"), 0);
    T_EQ_INT(pragma("SELECT count(*) FROM delivery"), 1);
    T_EQ_INT(pragma("SELECT count(*) FROM session"), 0);
    T_EQ_INT(pragma("SELECT count(*) FROM session_note"), 0);
    T_EQ_INT(pragma("SELECT count(*) FROM own_prompt"), 0);
    T_EQ_INT(pragma("SELECT count(*) FROM grp_member"), 1);
    T_EQ_INT(pragma("SELECT count(*) FROM engagement"), 1);
    T_EQ_INT(pragma("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    T_EQ_INT(
        store_cursor_get(st, "teams", "ref:29:zelda-teams-id", v, sizeof(v)),
        0);
    T_EQ_STR(v, "");
    T_EQ_INT(store_cursor_get(st, "teams", "ref:29:other", v, sizeof(v)), 0);
    T_EQ_STR(v, "{}");
    /* The audit log keeps who read and when, never whose. */
    T_EQ_INT(pragma("SELECT count(*) FROM audit"), 3);
    T_EQ_INT(pragma("SELECT count(*) FROM audit WHERE engagement_id IS NULL"
                    " AND detail IS NULL"),
             2);
    T_EQ_INT(pragma("SELECT count(*) FROM audit WHERE actor = 'cli:root'"), 2);
    T_EQ_INT(pragma("SELECT count(*) FROM audit WHERE actor LIKE '%zelda%'"),
             0);
    /* Lars and the group are untouched. */
    T_EQ_INT(store_leader_get(st, "lars", &lars), 0);
    T_EQ_INT(pragma("SELECT count(*) FROM response WHERE body = 'lars keeps "
                    "this'"),
             1);
    T_EQ_INT(store_group_get(st, "circle", &g), 0);
    store_close(st);
    /* secure_delete: nothing of zelda is left in the file's free space. */
    T_CHECK(!file_holds(path, "zelda"));
    T_CHECK(!file_holds(path, "zebra"));
    T_CHECK(file_holds(path, "lars keeps this"));
    cleanup();
}

/* A leader who is also a consultant stays a person; the leader data go. */
T_TEST(test_leader_erase_keeps_consultant)
{
    struct store *st = open_new();
    struct store_leader lena, lars, got;
    struct store_person p;
    struct store_erase er;
    char err[ERR_BUFSZ] = "";

    leader(&lena, "lena", "U1");
    T_EQ_INT(store_leader_add(st, &lena, err), 0);
    leader(&lars, "lars", "U2");
    xstrlcpy(lars.consultant, "lena", sizeof(lars.consultant));
    T_EQ_INT(store_leader_add(st, &lars, err), 0);
    answered(st, lena.id, "p1", 0, "e1", "$m1", "lena's own answer", 1000);
    T_EQ_INT(store_audit(st, 10, "lena", "read-own-history", lena.id, "chat"),
             0);
    T_EQ_INT(store_audit(st, 11, "lena", "nudge", lars.id, "chat"), 0);

    T_EQ_INT(store_begin(st), 0);
    T_EQ_INT(store_leader_erase(st, lena.id, &er), 0);
    T_EQ_INT(store_commit(st), 0);
    T_EQ_INT(er.keep_person, 1);
    T_EQ_INT(er.answers, 1);
    T_EQ_INT(er.identities, 0);
    T_EQ_INT(store_leader_get(st, "lena", &got), ERR_NOTFOUND);
    T_EQ_INT(store_person_get(st, "lena", &p), 0);
    T_EQ_INT(p.roles, STORE_ROLE_CONSULTANT);
    T_EQ_INT(pragma("SELECT count(*) FROM identity WHERE user_id = 'U1'"), 1);
    T_EQ_INT(pragma("SELECT count(*) FROM response"), 0);
    /* Her leader's engagement still names her as consultant. */
    T_EQ_INT(store_leader_get(st, "lars", &got), 0);
    T_EQ_STR(got.consultant, "lena");
    /* Her own reading as a leader is anonymised; her reading as a
     * consultant stays hers. */
    T_EQ_INT(pragma("SELECT count(*) FROM audit WHERE actor = 'leader' AND"
                    " engagement_id IS NULL AND detail IS NULL"),
             1);
    T_EQ_INT(pragma("SELECT count(*) FROM audit WHERE actor = 'lena' AND"
                    " action = 'nudge' AND detail = 'chat'"),
             1);
    T_EQ_INT(pragma("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    store_close(st);
    cleanup();
}

T_MAIN(T_CASE(test_open_migrates_once), T_CASE(test_migrate_from_v1),
       T_CASE(test_edit_keeps_history_and_delete),
       T_CASE(test_wal_and_foreign_keys), T_CASE(test_newer_schema_refused),
       T_CASE(test_not_a_database_refused), T_CASE(test_leader_add_and_read),
       T_CASE(test_next_due_and_actions),
       T_CASE(test_responses_unique_and_retract),
       T_CASE(test_sessions_cursors_audit), T_CASE(test_rollback_keeps_nothing),
       T_CASE(test_retention_sweep), T_CASE(test_leader_erase),
       T_CASE(test_leader_erase_keeps_consultant))
