/*
 * store.c - open the database, migrate it, and cache statements.
 *
 * Invariants: the connection is in WAL mode with synchronous=FULL, so a
 * committed answer survives a crash and power loss; foreign keys are on;
 * the schema version only moves forward, one migration per version, each in
 * its own transaction.
 */
#include "store-int.h"

#include "err.h"
#include "log.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* Forward-only migrations; migrations[i] moves the schema to version i+1. */
static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE org ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  summer_from INTEGER NOT NULL DEFAULT 0,"
    "  summer_to INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE TABLE person ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE role ("
    "  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL CHECK (role IN"
    "    ('leader', 'consultant', 'manager', 'admin')),"
    "  PRIMARY KEY (person_id, role)"
    ");"
    "CREATE TABLE identity ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
    "  platform TEXT NOT NULL,"
    "  user_id TEXT NOT NULL,"
    "  conversation TEXT,"
    "  UNIQUE (platform, user_id)"
    ");"
    "CREATE TABLE engagement ("
    "  id INTEGER PRIMARY KEY,"
    "  leader_id INTEGER NOT NULL UNIQUE REFERENCES person(id),"
    "  identity_id INTEGER NOT NULL REFERENCES identity(id),"
    "  consultant_id INTEGER NOT NULL REFERENCES person(id),"
    "  manager_id INTEGER NOT NULL REFERENCES person(id),"
    "  org_id INTEGER NOT NULL REFERENCES org(id),"
    "  lang TEXT NOT NULL CHECK (lang IN ('nb', 'sv', 'en')),"
    "  tz TEXT NOT NULL,"
    "  country TEXT NOT NULL CHECK (country IN ('no', 'se', 'none')),"
    "  cadence TEXT NOT NULL,"
    "  dtstart TEXT NOT NULL,"
    "  work_from INTEGER NOT NULL,"
    "  work_to INTEGER NOT NULL,"
    "  work_days INTEGER NOT NULL,"
    "  weekly_cap INTEGER NOT NULL,"
    "  paused INTEGER NOT NULL DEFAULT 0,"
    "  paused_until INTEGER NOT NULL DEFAULT 0,"
    "  next_due_at INTEGER,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX engagement_next ON engagement(next_due_at)"
    "  WHERE next_due_at IS NOT NULL;"
    "CREATE TABLE session ("
    "  id INTEGER PRIMARY KEY,"
    "  engagement_id INTEGER NOT NULL REFERENCES engagement(id)"
    "    ON DELETE CASCADE,"
    "  at INTEGER NOT NULL,"
    "  theme TEXT,"
    "  UNIQUE (engagement_id, at)"
    ");"
    "CREATE TABLE delivery ("
    "  id INTEGER PRIMARY KEY,"
    "  engagement_id INTEGER NOT NULL REFERENCES engagement(id)"
    "    ON DELETE CASCADE,"
    "  prompt_id TEXT NOT NULL,"
    "  question TEXT NOT NULL,"
    "  followup TEXT,"
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent',"
    "    'answered', 'skipped', 'snoozed', 'missed', 'retracted')),"
    "  due_at INTEGER NOT NULL,"
    "  sent_at INTEGER,"
    "  action_at INTEGER,"
    "  answered_at INTEGER,"
    "  reminded INTEGER NOT NULL DEFAULT 0,"
    "  closed INTEGER NOT NULL DEFAULT 0,"
    "  shared INTEGER NOT NULL DEFAULT 0,"
    "  platform_msg_id TEXT,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX delivery_action ON delivery(action_at)"
    "  WHERE action_at IS NOT NULL;"
    "CREATE INDEX delivery_engagement ON delivery(engagement_id, due_at);"
    "CREATE TABLE response ("
    "  id INTEGER PRIMARY KEY,"
    "  delivery_id INTEGER NOT NULL REFERENCES delivery(id)"
    "    ON DELETE CASCADE,"
    "  event_id TEXT NOT NULL UNIQUE,"
    "  platform_msg_id TEXT,"
    "  body TEXT,"
    "  received_at INTEGER NOT NULL,"
    "  retracted INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX response_delivery ON response(delivery_id);"
    "CREATE TABLE event ("
    "  event_id TEXT PRIMARY KEY,"
    "  received_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE cursor ("
    "  adapter TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY (adapter, key)"
    ") WITHOUT ROWID;"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  engagement_id INTEGER,"
    "  detail TEXT"
    ");",
    /* 2: edits keep their history; platform message ids are looked up */
    "CREATE TABLE response_edit ("
    "  id INTEGER PRIMARY KEY,"
    "  response_id INTEGER NOT NULL REFERENCES response(id)"
    "    ON DELETE CASCADE,"
    "  body TEXT,"
    "  replaced_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX response_edit_response ON response_edit(response_id);"
    "CREATE INDEX response_msg ON response(platform_msg_id)"
    "  WHERE platform_msg_id IS NOT NULL;",
    /*
     * 3: question kinds, commitment follow-ups, scores, session prompts,
     * network groups and their meetings, consultants' own questions
     */
    "CREATE TABLE grp ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  consultant_id INTEGER NOT NULL REFERENCES person(id),"
    "  lang TEXT NOT NULL CHECK (lang IN ('nb', 'sv', 'en')),"
    "  tz TEXT NOT NULL,"
    "  platform TEXT,"
    "  channel TEXT,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE grp_member ("
    "  group_id INTEGER NOT NULL REFERENCES grp(id) ON DELETE CASCADE,"
    "  engagement_id INTEGER NOT NULL REFERENCES engagement(id)"
    "    ON DELETE CASCADE,"
    "  PRIMARY KEY (group_id, engagement_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX grp_member_engagement ON grp_member(engagement_id);"
    "CREATE TABLE meeting ("
    "  id INTEGER PRIMARY KEY,"
    "  group_id INTEGER NOT NULL REFERENCES grp(id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL,"
    "  theme TEXT,"
    "  agenda_at INTEGER NOT NULL DEFAULT 0,"
    "  agenda_state TEXT NOT NULL DEFAULT 'pending' CHECK (agenda_state IN"
    "    ('pending', 'sending', 'sent', 'none')),"
    "  UNIQUE (group_id, at)"
    ");"
    "CREATE INDEX meeting_agenda ON meeting(agenda_at) WHERE agenda_at > 0;"
    "CREATE TABLE own_prompt ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT," /* ids are never reused */
    "  engagement_id INTEGER REFERENCES engagement(id) ON DELETE CASCADE,"
    "  group_id INTEGER REFERENCES grp(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('open', 'commitment', 'scale')),"
    "  text TEXT NOT NULL,"
    "  followup TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  CHECK ((engagement_id IS NULL) != (group_id IS NULL))"
    ");"
    "CREATE INDEX own_prompt_engagement ON own_prompt(engagement_id)"
    "  WHERE engagement_id IS NOT NULL;"
    "CREATE INDEX own_prompt_group ON own_prompt(group_id)"
    "  WHERE group_id IS NOT NULL;"
    "ALTER TABLE session ADD COLUMN pre_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE session ADD COLUMN post_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE session ADD COLUMN meeting_id INTEGER"
    "  REFERENCES meeting(id) ON DELETE CASCADE;"
    "CREATE INDEX session_pre ON session(pre_at) WHERE pre_at > 0;"
    "CREATE INDEX session_post ON session(post_at) WHERE post_at > 0;"
    "CREATE INDEX session_meeting ON session(meeting_id)"
    "  WHERE meeting_id IS NOT NULL;"
    "ALTER TABLE delivery ADD COLUMN kind TEXT NOT NULL DEFAULT 'open';"
    "ALTER TABLE delivery ADD COLUMN session_id INTEGER"
    "  REFERENCES session(id) ON DELETE SET NULL;"
    "ALTER TABLE delivery ADD COLUMN recall_of INTEGER"
    "  REFERENCES delivery(id) ON DELETE SET NULL;"
    "ALTER TABLE delivery ADD COLUMN score INTEGER;"
    "ALTER TABLE delivery ADD COLUMN agenda INTEGER NOT NULL DEFAULT 0;"
    "CREATE UNIQUE INDEX delivery_session ON delivery(session_id, kind)"
    "  WHERE session_id IS NOT NULL;"
    "CREATE INDEX delivery_recall ON delivery(recall_of)"
    "  WHERE recall_of IS NOT NULL;"
    "CREATE INDEX delivery_engagement_prompt ON"
    "  delivery(engagement_id, prompt_id);",
    /*
     * 4: the web console (sign-in links, browser sessions, passwords),
     * private session notes, imported calendars, the digest in chat, and a
     * retention limit per organisation
     */
    "ALTER TABLE org ADD COLUMN retention_months INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE person ADD COLUMN password TEXT;"
    "CREATE TABLE web_link ("
    "  hash BLOB PRIMARY KEY," /* SHA-256 of the token; never the token */
    "  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  used_at INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;"
    "CREATE TABLE web_session ("
    "  hash BLOB PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
    "  csrf TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  seen_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE session_note ("
    "  session_id INTEGER PRIMARY KEY REFERENCES session(id)"
    "    ON DELETE CASCADE,"
    "  body TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "ALTER TABLE session ADD COLUMN uid TEXT;"
    "ALTER TABLE session ADD COLUMN digest_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE session ADD COLUMN digest_state TEXT NOT NULL DEFAULT"
    "  'pending' CHECK (digest_state IN ('pending', 'sending', 'sent',"
    "  'none'));"
    "CREATE UNIQUE INDEX session_uid ON session(engagement_id, uid)"
    "  WHERE uid IS NOT NULL;"
    "CREATE INDEX session_digest ON session(digest_at) WHERE digest_at > 0;"
    "ALTER TABLE engagement ADD COLUMN ics_url TEXT;",
    /*
     * 5: an inbound message finds its leader by the platform identity, and
     * the leader's open question by walking their unclosed deliveries
     * newest first, with no scan and no sort.
     */
    "CREATE INDEX engagement_identity ON engagement(identity_id);"
    "CREATE INDEX delivery_open ON delivery(engagement_id) WHERE closed = 0;",
};
#define STORE_SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

int
store_schema_latest(void)
{
    return STORE_SCHEMA_VERSION;
}

static const char *const stmt_sql[STMT__COUNT] = {
    [STMT_BEGIN] = "BEGIN IMMEDIATE",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROLLBACK] = "ROLLBACK",
    [STMT_SAVEPOINT] = "SAVEPOINT item",
    [STMT_RELEASE] = "RELEASE item",
    [STMT_ROLLBACK_TO] = "ROLLBACK TO item",
    [STMT_RESPONSE_BY_MSG] = "SELECT r.id, r.delivery_id FROM response r"
                             " JOIN delivery d ON d.id = r.delivery_id"
                             " JOIN engagement e ON e.id = d.engagement_id"
                             " WHERE r.platform_msg_id = ?1 AND e.id = ?2"
                             " AND r.retracted = 0",
    [STMT_RESPONSE_EDIT_ADD] = "INSERT INTO response_edit (response_id, body,"
                               " replaced_at) SELECT id, body, ?2 FROM"
                               " response WHERE id = ?1",
    [STMT_RESPONSE_SET_BODY] = "UPDATE response SET body = ?2 WHERE id = ?1",
    [STMT_RESPONSE_DELETE] = "UPDATE response SET body = NULL, retracted = 1"
                             " WHERE id = ?1",
    [STMT_RESPONSE_LIVE] = "SELECT count(*) FROM response WHERE delivery_id ="
                           " ?1 AND retracted = 0",
    [STMT_RESPONSE_EDIT_HISTORY_DROP] =
        "UPDATE response_edit SET body = NULL WHERE response_id IN (SELECT id"
        " FROM response WHERE delivery_id = ?1)",
    [STMT_IDENTITY_CONVERSATION] = "UPDATE identity SET conversation = ?3"
                                   " WHERE platform = ?1 AND user_id = ?2",
    [STMT_DELIVERY_QUEUE] = "SELECT count(*) FROM delivery WHERE state ="
                            " 'sending' OR (state IN ('pending', 'snoozed')"
                            " AND action_at <= ?1)",
    [STMT_PERSON_GET] = "SELECT id FROM person WHERE name = ?1",
    [STMT_PERSON_ADD] = "INSERT INTO person (name, created_at)"
                        " VALUES (?1, strftime('%s', 'now'))",
    [STMT_ROLE_ADD] = "INSERT OR IGNORE INTO role (person_id, role)"
                      " VALUES (?1, ?2)",
    [STMT_ROLE_DROP] =
        "DELETE FROM role WHERE role = ?2"
        " AND person_id = (SELECT id FROM person WHERE name = ?1)",
    [STMT_ORG_GET] = "SELECT id FROM org WHERE name = ?1",
    [STMT_ORG_ADD] = "INSERT INTO org (name, summer_from, summer_to)"
                     " VALUES (?1, ?2, ?3)",
    [STMT_ORG_SUMMER] = "INSERT INTO org (name, summer_from, summer_to)"
                        " VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE"
                        " SET summer_from = ?2, summer_to = ?3",
    [STMT_IDENTITY_ADD] = "INSERT INTO identity (person_id, platform, user_id)"
                          " VALUES (?1, ?2, ?3)",
    [STMT_ENGAGEMENT_ADD] =
        "INSERT INTO engagement (leader_id, identity_id, consultant_id,"
        " manager_id, org_id, lang, tz, country, cadence, dtstart, work_from,"
        " work_to, work_days, weekly_cap, next_due_at, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
        " ?15, strftime('%s', 'now'))",
#define LEADER_COLS                                                            \
    "SELECT e.id, l.name, i.platform, i.user_id, c.name, m.name, o.name,"      \
    " e.lang, e.tz, e.country, e.cadence, e.dtstart, e.work_from,"             \
    " e.work_to, e.work_days, e.weekly_cap, e.paused, e.paused_until,"         \
    " e.next_due_at, o.summer_from, o.summer_to, i.conversation"               \
    " FROM engagement e JOIN person l ON l.id = e.leader_id"                   \
    " JOIN identity i ON i.id = e.identity_id"                                 \
    " JOIN person c ON c.id = e.consultant_id"                                 \
    " JOIN person m ON m.id = e.manager_id"                                    \
    " JOIN org o ON o.id = e.org_id"
    [STMT_LEADER_BY_HANDLE] = LEADER_COLS " WHERE l.name = ?1",
    [STMT_LEADER_BY_ID] = LEADER_COLS " WHERE e.id = ?1",
    [STMT_LEADER_BY_IDENTITY] =
        LEADER_COLS " WHERE i.platform = ?1 AND i.user_id = ?2",
    [STMT_LEADER_ALL] = LEADER_COLS " ORDER BY l.name",
    [STMT_LEADER_SET_NEXT] = "UPDATE engagement SET next_due_at = ?2"
                             " WHERE id = ?1",
    [STMT_LEADER_SET_PAUSE] = "UPDATE engagement SET paused = ?2,"
                              " paused_until = ?3 WHERE id = ?1",
    [STMT_LEADER_SET_LANG] = "UPDATE engagement SET lang = ?2 WHERE id = ?1",
    [STMT_LEADER_NEXT_MIN] = "SELECT min(next_due_at) FROM engagement"
                             " WHERE next_due_at IS NOT NULL",
    [STMT_LEADER_DUE] = "SELECT id FROM engagement WHERE next_due_at IS NOT"
                        " NULL AND next_due_at <= ?1 ORDER BY next_due_at"
                        " LIMIT ?2",
    [STMT_DELIVERY_ADD] =
        "INSERT INTO delivery (engagement_id, prompt_id, question, followup,"
        " state, due_at, sent_at, action_at, kind, session_id, recall_of,"
        " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
        " strftime('%s', 'now'))",
#define DELIVERY_COLS                                                          \
    "SELECT id, engagement_id, prompt_id, question, followup, state, due_at,"  \
    " sent_at, action_at, answered_at, reminded, closed, shared,"              \
    " platform_msg_id, kind, session_id, recall_of, score, agenda"             \
    " FROM delivery"
    [STMT_DELIVERY_GET] = DELIVERY_COLS " WHERE id = ?1",
    [STMT_DELIVERY_UPDATE] =
        "UPDATE delivery SET state = ?2, sent_at = ?3, action_at = ?4,"
        " answered_at = ?5, reminded = ?6, closed = ?7, shared = ?8,"
        " platform_msg_id = ?9, due_at = ?10, score = ?11, agenda = ?12"
        " WHERE id = ?1",
    [STMT_DELIVERY_OPEN] =
        DELIVERY_COLS " WHERE engagement_id = ?1"
                      " AND (state = 'sending' OR state = 'sent'"
                      " OR state = 'answered' OR state = 'snoozed')"
                      " AND closed = 0 ORDER BY id DESC LIMIT 1",
    [STMT_DELIVERY_LATEST] = DELIVERY_COLS
    " WHERE engagement_id = ?1 AND due_at >= ?3"
    " AND ((1 << CASE state WHEN 'pending' THEN 0 WHEN 'sending' THEN 1"
    " WHEN 'sent' THEN 2 WHEN 'answered' THEN 3 WHEN 'skipped' THEN 4"
    " WHEN 'snoozed' THEN 5 WHEN 'missed' THEN 6 ELSE 7 END) & ?2) != 0"
    " ORDER BY id DESC LIMIT 1",
    [STMT_DELIVERY_ACTION_MIN] = "SELECT min(action_at) FROM delivery"
                                 " WHERE action_at IS NOT NULL",
    [STMT_DELIVERY_DUE] = "SELECT id FROM delivery WHERE action_at IS NOT NULL"
                          " AND action_at <= ?1 ORDER BY action_at, id"
                          " LIMIT ?2",
    [STMT_DELIVERY_RECOVER] = "UPDATE delivery SET action_at = ?1"
                              " WHERE state = 'sending'"
                              " AND coalesce(action_at, 0) = 0",
    [STMT_DELIVERY_COUNT] = "SELECT count(*) FROM delivery"
                            " WHERE engagement_id = ?1 AND due_at >= ?2"
                            " AND due_at < ?3",
    [STMT_DELIVERY_ASKED] = "SELECT prompt_id, max(due_at) FROM delivery"
                            " WHERE engagement_id = ?1 AND kind != 'recall'"
                            " GROUP BY prompt_id ORDER BY prompt_id",
    [STMT_DELIVERY_COMMITMENT] =
        "SELECT d.id, (SELECT group_concat(body, ' ') FROM (SELECT body FROM"
        "   response WHERE delivery_id = d.id AND retracted = 0"
        "   AND body IS NOT NULL ORDER BY id))"
        " FROM delivery d WHERE d.engagement_id = ?1"
        " AND d.kind = 'commitment' AND d.state = 'answered'"
        " AND d.answered_at >= ?2 AND NOT EXISTS (SELECT 1 FROM delivery r"
        "   WHERE r.recall_of = d.id) ORDER BY d.id DESC LIMIT 1",
    [STMT_RESPONSE_ADD] =
        "INSERT INTO response (delivery_id, event_id, platform_msg_id, body,"
        " received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [STMT_RESPONSE_RETRACT] = "UPDATE response SET body = NULL, retracted = 1"
                              " WHERE delivery_id = ?1",
    [STMT_EVENT_MARK] = "INSERT INTO event (event_id, received_at)"
                        " VALUES (?1, ?2)",
    [STMT_ROWS] =
        "SELECT p.name, d.id, d.prompt_id, d.question, d.state, d.due_at,"
        " d.sent_at, d.answered_at, d.shared, d.kind, d.score, d.agenda,"
        " d.recall_of,"
        " (SELECT group_concat(body, char(10)) FROM (SELECT body FROM"
        "   response WHERE delivery_id = d.id AND retracted = 0"
        "   ORDER BY id))"
        " FROM delivery d JOIN engagement e ON e.id = d.engagement_id"
        " JOIN person p ON p.id = e.leader_id"
        " WHERE (?1 = 0 OR d.engagement_id = ?1) AND d.due_at >= ?2"
        " ORDER BY p.name, d.due_at, d.id",
    [STMT_SESSION_ADD] = "INSERT INTO session (engagement_id, at, theme,"
                         " pre_at, post_at, meeting_id, uid, digest_at,"
                         " digest_state)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [STMT_SESSION_LAST] = "SELECT at, theme FROM session"
                          " WHERE engagement_id = ?1 AND at <= ?2"
                          " AND meeting_id IS NULL"
                          " ORDER BY at DESC LIMIT 1",
    [STMT_SESSION_NEXT] = "SELECT at, theme FROM session"
                          " WHERE engagement_id = ?1 AND at > ?2"
                          " AND meeting_id IS NULL"
                          " ORDER BY at LIMIT 1",
    [STMT_CURSOR_GET] = "SELECT value FROM cursor WHERE adapter = ?1"
                        " AND key = ?2",
    [STMT_CURSOR_SET] = "INSERT INTO cursor (adapter, key, value)"
                        " VALUES (?1, ?2, ?3) ON CONFLICT (adapter, key)"
                        " DO UPDATE SET value = excluded.value",
    [STMT_AUDIT_ADD] = "INSERT INTO audit (at, actor, action, engagement_id,"
                       " detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    [STMT_LEADER_SET_CADENCE] = "UPDATE engagement SET cadence = ?2"
                                " WHERE id = ?1",
    [STMT_PERSON_BY_IDENTITY] =
        "SELECT p.id, p.name FROM identity i JOIN person p"
        " ON p.id = i.person_id WHERE i.platform = ?1 AND i.user_id = ?2",
    [STMT_PERSON_ROLE] = "SELECT count(*) FROM role r JOIN person p"
                         " ON p.id = r.person_id WHERE p.name = ?1"
                         " AND r.role = ?2",
#define SESSION_COLS                                                           \
    "SELECT id, engagement_id, at, theme, pre_at, post_at, meeting_id, uid,"   \
    " digest_at, digest_state FROM session"
    [STMT_PERSON_BY_NAME] =
        "SELECT p.id, p.name, (SELECT group_concat(role) FROM role"
        " WHERE person_id = p.id) FROM person p WHERE p.name = ?1",
    [STMT_PERSON_BY_ID] =
        "SELECT p.id, p.name, (SELECT group_concat(role) FROM role"
        " WHERE person_id = p.id) FROM person p WHERE p.id = ?1",
    [STMT_PERSON_SET_PASSWORD] = "UPDATE person SET password = ?2"
                                 " WHERE id = ?1",
    [STMT_PERSON_PASSWORD] = "SELECT password FROM person WHERE id = ?1",
    [STMT_LEADER_OF] = LEADER_COLS " WHERE c.name = ?1 OR m.name = ?1"
                                   " ORDER BY l.name",
    [STMT_LEADER_SET_HOURS] = "UPDATE engagement SET work_from = ?2,"
                              " work_to = ?3, work_days = ?4, weekly_cap = ?5"
                              " WHERE id = ?1",
    [STMT_LINK_ADD] = "INSERT INTO web_link (hash, person_id, created_at,"
                      " expires_at) VALUES (?1, ?2, ?3, ?4)",
    [STMT_LINK_GET] = "SELECT person_id, expires_at, used_at FROM web_link"
                      " WHERE hash = ?1",
    [STMT_LINK_USE] = "UPDATE web_link SET used_at = ?2 WHERE hash = ?1"
                      " AND used_at = 0",
    [STMT_WEB_SESSION_ADD] =
        "INSERT INTO web_session (hash, person_id, csrf,"
        " created_at, seen_at) VALUES (?1, ?2, ?3, ?4, ?4)",
    [STMT_WEB_SESSION_GET] = "SELECT person_id, csrf, created_at, seen_at"
                             " FROM web_session WHERE hash = ?1",
    [STMT_WEB_SESSION_TOUCH] = "UPDATE web_session SET seen_at = ?2"
                               " WHERE hash = ?1",
    [STMT_WEB_SESSION_DROP] = "DELETE FROM web_session WHERE hash = ?1",
    [STMT_WEB_EXPIRE_LINKS] = "DELETE FROM web_link WHERE expires_at < ?1",
    [STMT_WEB_EXPIRE_SESSIONS] = "DELETE FROM web_session WHERE seen_at < ?1"
                                 " OR created_at < ?2",
    [STMT_SESSION_EACH] = SESSION_COLS " WHERE engagement_id = ?1"
                                       " AND at >= ?2 ORDER BY at",
    [STMT_SESSION_BY_UID] = SESSION_COLS " WHERE engagement_id = ?1"
                                         " AND uid = ?2",
    [STMT_SESSION_UPDATE] = "UPDATE session SET at = ?2, theme = ?3,"
                            " pre_at = ?4, post_at = ?5, uid = ?6,"
                            " digest_at = ?7, digest_state = ?8 WHERE id = ?1",
    [STMT_SESSION_REMOVE] = "DELETE FROM session WHERE id = ?1",
    [STMT_SESSION_DIGEST_DUE] = "SELECT id FROM session WHERE digest_at > 0"
                                " AND digest_at <= ?1 ORDER BY digest_at"
                                " LIMIT ?2",
    [STMT_SESSION_DIGEST_MIN] = "SELECT min(digest_at) FROM session"
                                " WHERE digest_at > 0",
    [STMT_SESSION_DIGEST_RECOVER] = "UPDATE session SET digest_at = ?1,"
                                    " digest_state = 'pending' WHERE"
                                    " digest_state = 'sending'",
    [STMT_NOTE_GET] = "SELECT body, updated_at FROM session_note"
                      " WHERE session_id = ?1",
    [STMT_NOTE_SET] = "INSERT INTO session_note (session_id, body, updated_at)"
                      " VALUES (?1, ?2, ?3) ON CONFLICT (session_id) DO UPDATE"
                      " SET body = excluded.body,"
                      " updated_at = excluded.updated_at",
    [STMT_NOTE_DROP] = "DELETE FROM session_note WHERE session_id = ?1",
    [STMT_EDITS] = "SELECT e.replaced_at, e.body, r.id FROM response_edit e"
                   " JOIN response r ON r.id = e.response_id"
                   " WHERE r.delivery_id = ?1 ORDER BY e.id",
    [STMT_LEADER_ICS_GET] = "SELECT ics_url FROM engagement WHERE id = ?1",
    [STMT_LEADER_ICS_SET] = "UPDATE engagement SET ics_url = ?2 WHERE id = ?1",
    [STMT_DELIVERY_TALLY] =
        "SELECT sum(sent_at > 0), sum(state = 'answered'),"
        " sum(state = 'skipped') FROM delivery WHERE engagement_id = ?1"
        " AND due_at >= ?2 AND due_at < ?3",
    [STMT_AUDIT_ALL] = "SELECT a.at, a.actor, a.action, p.name, a.detail"
                       " FROM audit a LEFT JOIN engagement e"
                       " ON e.id = a.engagement_id LEFT JOIN person p"
                       " ON p.id = e.leader_id ORDER BY a.id",
    [STMT_SESSION_GET] = SESSION_COLS " WHERE id = ?1",
    [STMT_SESSION_DUE] = "SELECT id FROM session WHERE pre_at > 0 AND"
                         " pre_at <= ?1 UNION SELECT id FROM session"
                         " WHERE post_at > 0 AND post_at <= ?1 LIMIT ?2",
    [STMT_SESSION_MIN] = "SELECT min(t) FROM (SELECT pre_at AS t FROM"
                         " session WHERE pre_at > 0 UNION ALL SELECT post_at"
                         " FROM session WHERE post_at > 0)",
    [STMT_SESSION_SET_TIMES] = "UPDATE session SET pre_at = ?2, post_at = ?3"
                               " WHERE id = ?1",
    [STMT_SESSION_NEAR] =
        "SELECT (SELECT count(*) FROM session WHERE engagement_id = ?1 AND"
        " ((pre_at >= ?2 AND pre_at < ?3) OR (post_at >= ?2 AND post_at < ?3)))"
        " + (SELECT count(*) FROM delivery WHERE engagement_id = ?1 AND"
        " session_id IS NOT NULL AND due_at >= ?2 AND due_at < ?3)",
    [STMT_GROUP_LEAVE_ASKS] =
        "DELETE FROM delivery WHERE engagement_id = ?2 AND state = 'pending'"
        " AND session_id IN (SELECT s.id FROM session s JOIN meeting m"
        " ON m.id = s.meeting_id WHERE m.group_id = ?1 AND m.at > ?3"
        " AND s.engagement_id = ?2)",
    [STMT_GROUP_LEAVE_SEATS] =
        "DELETE FROM session WHERE engagement_id = ?2 AND meeting_id IN"
        " (SELECT id FROM meeting WHERE group_id = ?1 AND at > ?3)",
    [STMT_GROUP_ADD] = "INSERT INTO grp (name, consultant_id, lang, tz,"
                       " platform, channel, created_at) VALUES (?1, ?2, ?3,"
                       " ?4, ?5, ?6, strftime('%s', 'now'))",
#define GROUP_COLS                                                             \
    "SELECT g.id, g.name, p.name, g.lang, g.tz, g.platform, g.channel"         \
    " FROM grp g JOIN person p ON p.id = g.consultant_id"
    [STMT_GROUP_BY_NAME] = GROUP_COLS " WHERE g.name = ?1",
    [STMT_GROUP_BY_ID] = GROUP_COLS " WHERE g.id = ?1",
    [STMT_GROUP_ALL] = GROUP_COLS " ORDER BY g.name",
    [STMT_GROUP_JOIN] = "INSERT INTO grp_member (group_id, engagement_id)"
                        " VALUES (?1, ?2)",
    [STMT_GROUP_LEAVE] = "DELETE FROM grp_member WHERE group_id = ?1"
                         " AND engagement_id = ?2",
    [STMT_GROUP_MEMBERS] = "SELECT m.engagement_id FROM grp_member m"
                           " JOIN engagement e ON e.id = m.engagement_id"
                           " JOIN person p ON p.id = e.leader_id"
                           " WHERE m.group_id = ?1 ORDER BY p.name LIMIT ?2",
    [STMT_MEETING_ADD] = "INSERT INTO meeting (group_id, at, theme, agenda_at)"
                         " VALUES (?1, ?2, ?3, ?4)",
#define MEETING_COLS                                                           \
    "SELECT id, group_id, at, theme, agenda_at, agenda_state FROM meeting"
    [STMT_MEETING_GET] = MEETING_COLS " WHERE id = ?1",
    [STMT_MEETING_FUTURE] = "SELECT id FROM meeting WHERE group_id = ?1"
                            " AND at > ?2 ORDER BY at LIMIT ?3",
    [STMT_MEETING_NEXT] = MEETING_COLS " WHERE group_id = ?1 AND at >= ?2"
                                       " ORDER BY at LIMIT 1",
    [STMT_MEETING_DUE] = "SELECT id FROM meeting WHERE agenda_at > 0"
                         " AND agenda_at <= ?1 ORDER BY agenda_at LIMIT ?2",
    [STMT_MEETING_MIN] = "SELECT min(agenda_at) FROM meeting"
                         " WHERE agenda_at > 0",
    [STMT_MEETING_SET] = "UPDATE meeting SET agenda_at = ?2,"
                         " agenda_state = ?3 WHERE id = ?1",
    [STMT_MEETING_RECOVER] = "UPDATE meeting SET agenda_at = ?1"
                             " WHERE agenda_state = 'sending'",
    [STMT_CHALLENGES] =
        "SELECT p.name, d.id, d.state, d.agenda,"
        " (SELECT group_concat(body, char(10)) FROM (SELECT body FROM"
        "   response WHERE delivery_id = d.id AND retracted = 0"
        "   ORDER BY id))"
        " FROM session s JOIN engagement e ON e.id = s.engagement_id"
        " JOIN person p ON p.id = e.leader_id"
        " LEFT JOIN delivery d ON d.session_id = s.id"
        "   AND d.kind = 'challenge'"
        " WHERE s.meeting_id = ?1 ORDER BY p.name",
    [STMT_OWN_ADD] = "INSERT INTO own_prompt (engagement_id, group_id, kind,"
                     " text, followup, created_at) VALUES (?1, ?2, ?3, ?4,"
                     " ?5, ?6)",
#define OWN_COLS                                                               \
    "SELECT o.id, o.engagement_id, o.group_id, coalesce(p.name, g.name),"      \
    " o.kind, o.text, o.followup FROM own_prompt o"                            \
    " LEFT JOIN engagement e ON e.id = o.engagement_id"                        \
    " LEFT JOIN person p ON p.id = e.leader_id"                                \
    " LEFT JOIN grp g ON g.id = o.group_id"
    /* The leader's own and their groups' questions not yet asked, oldest
     * first; asked for every plan, so it walks indexes only (no sort). */
    [STMT_OWN_NEXT] =
        OWN_COLS " WHERE o.id = (SELECT min(x) FROM ("
                 "SELECT n.id AS x FROM own_prompt n WHERE n.engagement_id = ?1"
                 " AND NOT EXISTS (SELECT 1 FROM delivery d WHERE"
                 " d.engagement_id = ?1 AND d.prompt_id = 'own-' || n.id)"
                 " UNION ALL SELECT n.id FROM grp_member gm JOIN own_prompt n"
                 " ON n.group_id = gm.group_id WHERE gm.engagement_id = ?1"
                 " AND NOT EXISTS (SELECT 1 FROM delivery d WHERE"
                 " d.engagement_id = ?1 AND d.prompt_id = 'own-' || n.id)))",
    [STMT_OWN_ALL] = OWN_COLS " ORDER BY o.id",
    [STMT_OWN_GET] = OWN_COLS " WHERE o.id = ?1",
    [STMT_PERSON_IDENTITY] = "SELECT i.user_id, i.conversation FROM identity i"
                             " JOIN person p ON p.id = i.person_id"
                             " WHERE p.name = ?1 AND i.platform = ?2"
                             " ORDER BY i.id LIMIT 1",
    [STMT_OWN_REMOVE] = "DELETE FROM own_prompt WHERE id = ?1",
};

static const char *const state_names[STORE_STATE__COUNT] = {
    "pending", "sending", "sent",   "answered",
    "skipped", "snoozed", "missed", "retracted"};

const char *
store_state_name(enum store_state s)
{
    if ((int)s < 0 || s >= STORE_STATE__COUNT)
        return "unknown";
    return state_names[s];
}

int
store__err(struct store *st, int rc)
{
    switch (rc) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return 0;
    case SQLITE_CONSTRAINT:
        return ERR_EXISTS;
    case SQLITE_NOMEM:
        return ERR_NOMEM;
    default:
        log_error("msg=\"database error\" code=%d error=\"%s\"", rc,
                  sqlite3_errmsg(st->db));
        return ERR_DB;
    }
}

sqlite3_stmt *
store__stmt(struct store *st, enum store_stmt id)
{
    sqlite3_stmt *s = st->stmt[id];
    int rc;

    if (s != NULL) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return s;
    }
    rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                            &s, NULL);
    if (rc != SQLITE_OK) {
        log_error("msg=\"cannot prepare statement\" stmt=%d error=\"%s\"",
                  (int)id, sqlite3_errmsg(st->db));
        return NULL;
    }
    st->stmt[id] = s;
    return s;
}

int
store__exec(struct store *st, sqlite3_stmt *s)
{
    int rc;

    if (s == NULL)
        return ERR_DB;
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    return store__err(st, rc);
}

void
store__text(sqlite3_stmt *s, int col, char *out, size_t outsz)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    xstrlcpy(out, t != NULL ? (const char *)t : "", outsz);
}

int
store__bind_text(sqlite3_stmt *s, int idx, const char *text)
{
    if (text == NULL)
        return sqlite3_bind_null(s, idx);
    return sqlite3_bind_text(s, idx, text, -1, SQLITE_STATIC);
}

int
store__bind_opt_int(sqlite3_stmt *s, int idx, int64_t v)
{
    if (v == 0)
        return sqlite3_bind_null(s, idx);
    return sqlite3_bind_int64(s, idx, v);
}

static int
store_pragma_int(struct store *st, const char *sql, int64_t *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

    if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else
        rc = SQLITE_ERROR;
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? 0 : ERR_DB;
}

int
store_schema_version(struct store *st)
{
    int64_t v = -1;

    store_pragma_int(st, "PRAGMA user_version", &v);
    return (int)v;
}

int64_t
store_data_version(struct store *st)
{
    int64_t v = 0;

    store_pragma_int(st, "PRAGMA data_version", &v);
    return v;
}

const char *
store_errmsg(struct store *st)
{
    return sqlite3_errmsg(st->db);
}

static int
store_migrate(struct store *st, const char *path, char *err)
{
    int version = store_schema_version(st);
    char *msg = NULL;

    if (version < 0) {
        err_set(err, "%s: cannot read the schema version: %s", path,
                sqlite3_errmsg(st->db));
        return ERR_DB;
    }
    if (version > STORE_SCHEMA_VERSION) {
        err_set(err,
                "%s: database schema version %d is newer than this reflekt "
                "(%d); upgrade reflekt",
                path, version, STORE_SCHEMA_VERSION);
        return ERR_DB;
    }
    for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
        char *sql = xasprintf("BEGIN IMMEDIATE; %s PRAGMA user_version = %d;"
                              " COMMIT;",
                              migrations[v], v + 1);
        int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

        free(sql);
        if (rc != SQLITE_OK) {
            err_set(err, "%s: migration to schema version %d failed: %s", path,
                    v + 1, msg ? msg : sqlite3_errmsg(st->db));
            sqlite3_free(msg);
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return ERR_DB;
        }
        log_debug("msg=\"schema migrated\" version=%d", v + 1);
    }
    return 0;
}

int
store_open(const char *path, struct store **out, char *err)
{
    struct store *st = xcalloc(1, sizeof(*st));
    char *msg = NULL;
    int rc;

    *out = NULL;
    rc = sqlite3_open_v2(
        path, &st->db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err_set(err, "%s: cannot open database: %s", path,
                st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 5000);
    rc = sqlite3_exec(st->db,
                      "PRAGMA journal_mode = WAL;"
                      "PRAGMA synchronous = FULL;"
                      "PRAGMA foreign_keys = ON;"
                      /* A batch's savepoints journal in memory, not in a
                       * temporary file (nor do sorts spill to one). */
                      "PRAGMA temp_store = MEMORY;"
                      /* Reflections are confidential: whatever is deleted
                       * (erasure, retention, retraction) is overwritten
                       * with zeros, never left readable in free space. */
                      "PRAGMA secure_delete = ON;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        err_set(err, "%s: not a usable database: %s", path,
                msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        goto fail;
    }
    if (store_migrate(st, path, err) < 0)
        goto fail;
    *out = st;
    return 0;
fail:
    store_close(st);
    return ERR_DB;
}

void
store_close(struct store *st)
{
    if (st == NULL)
        return;
    for (int i = 0; i < STMT__COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    sqlite3_close(st->db);
    free(st);
}

int
store_begin(struct store *st)
{
    return store__exec(st, store__stmt(st, STMT_BEGIN));
}

int
store_commit(struct store *st)
{
    return store__exec(st, store__stmt(st, STMT_COMMIT));
}

void
store_rollback(struct store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        store__exec(st, store__stmt(st, STMT_ROLLBACK));
}

int
store_savepoint(struct store *st)
{
    return store__exec(st, store__stmt(st, STMT_SAVEPOINT));
}

int
store_release(struct store *st)
{
    return store__exec(st, store__stmt(st, STMT_RELEASE));
}

void
store_rollback_to(struct store *st)
{
    /* ROLLBACK TO keeps the savepoint open; RELEASE ends it. */
    if (store__exec(st, store__stmt(st, STMT_ROLLBACK_TO)) == 0)
        store__exec(st, store__stmt(st, STMT_RELEASE));
}
