/*
 * store-rights.c - a leader's rights over what reflekt holds about them:
 * everything read back for an export, erasure, and the retention limit of
 * each organisation.
 *
 * These run rarely (a command, an hourly sweep), so their statements are
 * prepared for each call and finalized before it returns rather than kept
 * in the connection's cache.  Erasure and the sweep change several tables;
 * callers run them inside one transaction so that a failure leaves nothing
 * half removed.
 */
#include "store-int.h"

#include "err.h"
#include "log.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest retention limit `reflekt org retention` accepts: ten years. */
#define STORE_RETENTION_MAX 120

static sqlite3_stmt *
store_rights_prepare(struct store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;

    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        log_error("msg=\"cannot prepare statement\" error=\"%s\"",
                  sqlite3_errmsg(st->db));
        sqlite3_finalize(s);
        return NULL;
    }
    return s;
}

/*
 * Bind what a statement asks for: ?1 and ?2 as integers, ?3 as text (NULL
 * binds SQL NULL).  Statements here use a prefix of these three.
 */
static void
store_rights_bind(sqlite3_stmt *s, int64_t a, int64_t b, const char *c)
{
    int n = sqlite3_bind_parameter_count(s);

    if (n >= 1)
        sqlite3_bind_int64(s, 1, a);
    if (n >= 2)
        sqlite3_bind_int64(s, 2, b);
    if (n >= 3)
        store__bind_text(s, 3, c);
}

/* Run one statement that returns no rows; *changed (may be NULL) is the
 * number of rows it changed. */
static int
store_rights_exec(struct store *st, const char *sql, int64_t a, int64_t b,
                  const char *c, int *changed)
{
    sqlite3_stmt *s = store_rights_prepare(st, sql);
    int rc;

    if (s == NULL)
        return ERR_DB;
    store_rights_bind(s, a, b, c);
    rc = store__err(st, sqlite3_step(s));
    if (rc == 0 && changed != NULL)
        *changed = sqlite3_changes(st->db);
    sqlite3_finalize(s);
    return rc;
}

/* Run a one-row, one-column query; NULL and no row read as 0. */
static int
store_rights_scalar(struct store *st, const char *sql, int64_t a, int64_t b,
                    const char *c, int64_t *out)
{
    sqlite3_stmt *s = store_rights_prepare(st, sql);
    int rc;

    *out = 0;
    if (s == NULL)
        return ERR_DB;
    store_rights_bind(s, a, b, c);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    rc = store__err(st, rc);
    sqlite3_finalize(s);
    return rc;
}

/* ---- reading back for an export ---------------------------------------- */

int
store_identity_each(struct store *st, int64_t person_id, store_identity_cb *cb,
                    void *arg)
{
    sqlite3_stmt *s = store_rights_prepare(
        st, "SELECT platform, user_id, conversation FROM identity"
            " WHERE person_id = ?1 ORDER BY platform, user_id");
    struct store_identity id;
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, person_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store__text(s, 0, id.platform, sizeof(id.platform));
        store__text(s, 1, id.user_id, sizeof(id.user_id));
        store__text(s, 2, id.conversation, sizeof(id.conversation));
        if ((rc = cb(&id, arg)) < 0)
            goto out;
    }
    rc = store__err(st, rc);
out:
    sqlite3_finalize(s);
    return rc;
}

int
store_response_each(struct store *st, int64_t delivery_id,
                    store_response_cb *cb, void *arg)
{
    sqlite3_stmt *s = store_rights_prepare(
        st, "SELECT id, received_at, body, platform_msg_id, retracted"
            " FROM response WHERE delivery_id = ?1 ORDER BY id");
    struct store_response r;
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, delivery_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        r.id = sqlite3_column_int64(s, 0);
        r.received_at = sqlite3_column_int64(s, 1);
        r.body = (const char *)sqlite3_column_text(s, 2);
        r.msg_id = (const char *)sqlite3_column_text(s, 3);
        r.retracted = sqlite3_column_int(s, 4);
        if ((rc = cb(&r, arg)) < 0)
            goto out;
    }
    rc = store__err(st, rc);
out:
    sqlite3_finalize(s);
    return rc;
}

int
store_response_edits(struct store *st, int64_t response_id, store_edit_cb *cb,
                     void *arg)
{
    sqlite3_stmt *s =
        store_rights_prepare(st, "SELECT replaced_at, body FROM response_edit"
                                 " WHERE response_id = ?1 ORDER BY id");
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, response_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((rc = cb(sqlite3_column_int64(s, 0),
                     (const char *)sqlite3_column_text(s, 1), arg)) < 0)
            goto out;
    }
    rc = store__err(st, rc);
out:
    sqlite3_finalize(s);
    return rc;
}

int
store_note_each(struct store *st, int64_t engagement_id, store_note_cb *cb,
                void *arg)
{
    sqlite3_stmt *s = store_rights_prepare(
        st, "SELECT n.session_id, n.body, n.updated_at FROM session_note n"
            " JOIN session s ON s.id = n.session_id"
            " WHERE s.engagement_id = ?1 ORDER BY s.at");
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((rc = cb(sqlite3_column_int64(s, 0),
                     (const char *)sqlite3_column_text(s, 1),
                     sqlite3_column_int64(s, 2), arg)) < 0)
            goto out;
    }
    rc = store__err(st, rc);
out:
    sqlite3_finalize(s);
    return rc;
}

int
store_group_each_of(struct store *st, int64_t engagement_id, store_group_cb *cb,
                    void *arg)
{
    sqlite3_stmt *s = store_rights_prepare(
        st, "SELECT g.id, g.name, p.name, g.lang, g.tz, g.platform,"
            " g.channel FROM grp_member m JOIN grp g ON g.id = m.group_id"
            " JOIN person p ON p.id = g.consultant_id"
            " WHERE m.engagement_id = ?1 ORDER BY g.name");
    struct store_group g;
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        memset(&g, 0, sizeof(g));
        g.id = sqlite3_column_int64(s, 0);
        store__text(s, 1, g.name, sizeof(g.name));
        store__text(s, 2, g.consultant, sizeof(g.consultant));
        store__text(s, 3, g.lang, sizeof(g.lang));
        store__text(s, 4, g.tz, sizeof(g.tz));
        store__text(s, 5, g.platform, sizeof(g.platform));
        store__text(s, 6, g.channel, sizeof(g.channel));
        if ((rc = cb(&g, arg)) < 0)
            goto out;
    }
    rc = store__err(st, rc);
out:
    sqlite3_finalize(s);
    return rc;
}

/* ---- erasure ------------------------------------------------------------ */

int
store_leader_erase_count(struct store *st, int64_t engagement_id,
                         struct store_erase *out)
{
    /*
     * The person stays when anything but this engagement needs them: a
     * role other than leader, or another leader or group naming them as
     * consultant or manager.
     */
    sqlite3_stmt *s = store_rights_prepare(
        st,
        "SELECT"
        " (SELECT count(*) FROM response r JOIN delivery d"
        "   ON d.id = r.delivery_id WHERE d.engagement_id = e.id),"
        " (SELECT count(*) FROM response_edit x JOIN response r"
        "   ON r.id = x.response_id JOIN delivery d ON d.id = r.delivery_id"
        "   WHERE d.engagement_id = e.id),"
        " (SELECT count(*) FROM delivery WHERE engagement_id = e.id),"
        " (SELECT count(*) FROM session WHERE engagement_id = e.id),"
        " (SELECT count(*) FROM session_note n JOIN session s"
        "   ON s.id = n.session_id WHERE s.engagement_id = e.id),"
        " (SELECT count(*) FROM own_prompt WHERE engagement_id = e.id),"
        " (SELECT count(*) FROM grp_member WHERE engagement_id = e.id),"
        " (SELECT count(*) FROM identity WHERE person_id = e.leader_id),"
        " (SELECT count(*) FROM audit WHERE engagement_id = e.id),"
        " EXISTS (SELECT 1 FROM role WHERE person_id = e.leader_id"
        "   AND role != 'leader')"
        " OR EXISTS (SELECT 1 FROM engagement o WHERE o.id != e.id"
        "   AND (o.consultant_id = e.leader_id OR o.manager_id = e.leader_id))"
        " OR EXISTS (SELECT 1 FROM grp WHERE consultant_id = e.leader_id),"
        " e.leader_id, p.name"
        " FROM engagement e JOIN person p ON p.id = e.leader_id"
        " WHERE e.id = ?1");
    int rc;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->answers = sqlite3_column_int(s, 0);
        out->edits = sqlite3_column_int(s, 1);
        out->questions = sqlite3_column_int(s, 2);
        out->sessions = sqlite3_column_int(s, 3);
        out->notes = sqlite3_column_int(s, 4);
        out->own = sqlite3_column_int(s, 5);
        out->groups = sqlite3_column_int(s, 6);
        out->identities = sqlite3_column_int(s, 7);
        out->audit = sqlite3_column_int(s, 8);
        out->keep_person = sqlite3_column_int(s, 9);
        out->person_id = sqlite3_column_int64(s, 10);
        store__text(s, 11, out->name, sizeof(out->name));
        /* A person who stays keeps their chat accounts. */
        if (out->keep_person)
            out->identities = 0;
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? ERR_NOTFOUND : store__err(st, rc);
    }
    sqlite3_finalize(s);
    return rc;
}

int
store_leader_erase(struct store *st, int64_t engagement_id,
                   struct store_erase *out)
{
    /*
     * Children before parents, so every foreign key holds at each step:
     * an engagement's leader_id references the person without a cascade,
     * and deliveries reference sessions and each other.  Notes go with
     * their sessions (ON DELETE CASCADE).
     */
    static const char *const leader_data[] = {
        "DELETE FROM response_edit WHERE response_id IN (SELECT r.id FROM"
        " response r JOIN delivery d ON d.id = r.delivery_id"
        " WHERE d.engagement_id = ?1)",
        "DELETE FROM response WHERE delivery_id IN (SELECT id FROM delivery"
        " WHERE engagement_id = ?1)",
        "DELETE FROM delivery WHERE engagement_id = ?1",
        "DELETE FROM session WHERE engagement_id = ?1",
        "DELETE FROM own_prompt WHERE engagement_id = ?1",
        "DELETE FROM grp_member WHERE engagement_id = ?1",
        "DELETE FROM engagement WHERE id = ?1",
    };
    /*
     * The platform accounts go with the person, and with them Teams'
     * conversation references, kept as cursors "ref:<user id>" under the
     * account's platform.
     */
    static const char *const person_data[] = {
        "DELETE FROM cursor WHERE (adapter, key) IN (SELECT platform,"
        " 'ref:' || user_id FROM identity WHERE person_id = ?2)",
        "DELETE FROM identity WHERE person_id = ?2",
        "DELETE FROM role WHERE person_id = ?2",
        "DELETE FROM person WHERE id = ?2",
    };
    int rc;

    if ((rc = store_leader_erase_count(st, engagement_id, out)) < 0)
        return rc;
    /*
     * The audit log keeps that each read happened and who read, never
     * whose reflections they were: the rows lose their engagement and
     * detail, and the leader's own actions their name.
     */
    rc = store_rights_exec(st,
                           "UPDATE audit SET engagement_id = NULL,"
                           " detail = NULL, actor = CASE WHEN actor = ?3"
                           " THEN 'leader' ELSE actor END"
                           " WHERE engagement_id = ?1",
                           engagement_id, out->person_id, out->name, NULL);
    if (rc == 0 && !out->keep_person)
        rc = store_rights_exec(st,
                               "UPDATE audit SET actor = CASE WHEN actor = ?3"
                               " THEN 'leader' ELSE actor END, detail = CASE"
                               " WHEN detail = ?3 THEN NULL ELSE detail END"
                               " WHERE actor = ?3 OR detail = ?3",
                               engagement_id, out->person_id, out->name, NULL);
    for (size_t i = 0;
         rc == 0 && i < sizeof(leader_data) / sizeof(leader_data[0]); i++)
        rc =
            store_rights_exec(st, leader_data[i], engagement_id, 0, NULL, NULL);
    if (rc < 0)
        return rc;
    if (out->keep_person)
        return store_rights_exec(st,
                                 "DELETE FROM role WHERE person_id = ?2"
                                 " AND role = 'leader'",
                                 engagement_id, out->person_id, NULL, NULL);
    for (size_t i = 0;
         rc == 0 && i < sizeof(person_data) / sizeof(person_data[0]); i++)
        rc = store_rights_exec(st, person_data[i], engagement_id,
                               out->person_id, NULL, NULL);
    return rc;
}

/* ---- retention per organisation ------------------------------------- */

int
store_org_each(struct store *st, store_org_cb *cb, void *arg)
{
    sqlite3_stmt *s = store_rights_prepare(
        st, "SELECT name, retention_months FROM org ORDER BY name");
    int rc;

    if (s == NULL)
        return ERR_DB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((rc = cb((const char *)sqlite3_column_text(s, 0),
                     sqlite3_column_int(s, 1), arg)) < 0)
            goto out;
    }
    rc = store__err(st, rc);
out:
    sqlite3_finalize(s);
    return rc;
}

int
store_org_set_retention(struct store *st, const char *org, int months)
{
    int changed = 0;
    int rc;

    if (months < 0 || months > STORE_RETENTION_MAX)
        return ERR_INVAL;
    rc = store_rights_exec(st,
                           "UPDATE org SET retention_months = ?2"
                           " WHERE name = ?3",
                           0, months, org, &changed);
    if (rc == 0 && changed == 0)
        rc = ERR_NOTFOUND;
    return rc;
}

int
store_retention_orgs(struct store *st, int *n)
{
    int64_t v = 0;
    int rc = store_rights_scalar(
        st, "SELECT count(*) FROM org WHERE retention_months > 0", 0, 0, NULL,
        &v);

    *n = (int)v;
    return rc;
}

/* The answer messages of org ?1 received before ?2. */
#define STORE_OLD_RESPONSES                                                    \
    "SELECT r.id FROM engagement e JOIN delivery d ON d.engagement_id = e.id"  \
    " JOIN response r ON r.delivery_id = d.id"                                 \
    " WHERE e.org_id = ?1 AND r.received_at < ?2"

static int
store_retention_org(struct store *st, int64_t now, int64_t org, int months,
                    int *answers)
{
    int64_t cutoff;
    char detail[80];
    int n = 0, rc;

    *answers = 0;
    /* Calendar months back from now, as SQLite's date arithmetic counts. */
    if ((rc = store_rights_scalar(st,
                                  "SELECT CAST(strftime('%s', ?1, 'unixepoch',"
                                  " '-' || ?2 || ' months') AS INTEGER)",
                                  now, months, NULL, &cutoff)) < 0)
        return rc;
    /*
     * A delivery whose every answer message goes keeps its question and
     * state, so participation counts still hold, but not the score the
     * leader gave with those answers.
     */
    if ((rc = store_rights_exec(
             st,
             "UPDATE delivery SET score = NULL WHERE score IS NOT NULL"
             " AND engagement_id IN (SELECT id FROM engagement"
             "   WHERE org_id = ?1)"
             " AND EXISTS (SELECT 1 FROM response r WHERE r.delivery_id ="
             "   delivery.id AND r.received_at < ?2)"
             " AND NOT EXISTS (SELECT 1 FROM response r WHERE r.delivery_id ="
             "   delivery.id AND r.received_at >= ?2)",
             org, cutoff, NULL, NULL)) < 0 ||
        (rc = store_rights_exec(st,
                                "DELETE FROM response_edit WHERE response_id"
                                " IN (" STORE_OLD_RESPONSES ")",
                                org, cutoff, NULL, NULL)) < 0 ||
        (rc = store_rights_exec(st,
                                "DELETE FROM response WHERE id IN "
                                "(" STORE_OLD_RESPONSES ")",
                                org, cutoff, NULL, &n)) < 0)
        return rc;
    if (n == 0)
        return 0;
    snprintf(detail, sizeof(detail), "%d answer%s older than %d month%s", n,
             n == 1 ? "" : "s", months, months == 1 ? "" : "s");
    if ((rc = store_audit(st, now, "reflekt", "retention", 0, detail)) < 0)
        return rc;
    *answers = n;
    return 0;
}

int
store_retention_sweep(struct store *st, int64_t now, int *answers)
{
    sqlite3_stmt *s =
        store_rights_prepare(st, "SELECT id, retention_months FROM org"
                                 " WHERE retention_months > 0 ORDER BY id");
    int64_t *orgs = NULL;
    int *months = NULL;
    size_t n = 0, size = 0;
    int rc;

    *answers = 0;
    if (s == NULL)
        return ERR_DB;
    /* Read the organisations first: the sweep writes while it goes. */
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == size) {
            size = size ? 2 * size : 8;
            orgs = xrealloc(orgs, size * sizeof(*orgs));
            months = xrealloc(months, size * sizeof(*months));
        }
        orgs[n] = sqlite3_column_int64(s, 0);
        months[n++] = sqlite3_column_int(s, 1);
    }
    rc = store__err(st, rc);
    sqlite3_finalize(s);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int k = 0;

        rc = store_retention_org(st, now, orgs[i], months[i], &k);
        *answers += k;
    }
    free(orgs);
    free(months);
    return rc;
}
