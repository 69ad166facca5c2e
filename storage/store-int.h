/*
 * store-int.h - shared inside storage/ only: the connection and its
 * statement cache.
 */
#ifndef REFLEKT_STORE_INT_H
#define REFLEKT_STORE_INT_H

#include "store.h"

#include <sqlite3.h>

/* Every statement reflekt runs, prepared once per connection on first use. */
enum store_stmt {
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_ROLLBACK,
    STMT_SAVEPOINT,
    STMT_RELEASE,
    STMT_ROLLBACK_TO,
    STMT_DELIVERY_QUEUE,
    STMT_RESPONSE_BY_MSG,
    STMT_RESPONSE_EDIT_ADD,
    STMT_RESPONSE_SET_BODY,
    STMT_RESPONSE_DELETE,
    STMT_RESPONSE_LIVE,
    STMT_RESPONSE_EDIT_HISTORY_DROP,
    STMT_IDENTITY_CONVERSATION,
    STMT_PERSON_GET,
    STMT_PERSON_ADD,
    STMT_ROLE_ADD,
    STMT_ROLE_DROP,
    STMT_ORG_GET,
    STMT_ORG_ADD,
    STMT_ORG_SUMMER,
    STMT_IDENTITY_ADD,
    STMT_ENGAGEMENT_ADD,
    STMT_LEADER_BY_HANDLE,
    STMT_LEADER_BY_ID,
    STMT_LEADER_BY_IDENTITY,
    STMT_LEADER_ALL,
    STMT_LEADER_SET_NEXT,
    STMT_LEADER_SET_PAUSE,
    STMT_LEADER_SET_LANG,
    STMT_LEADER_NEXT_MIN,
    STMT_LEADER_DUE,
    STMT_DELIVERY_ADD,
    STMT_DELIVERY_GET,
    STMT_DELIVERY_UPDATE,
    STMT_DELIVERY_OPEN,
    STMT_DELIVERY_LATEST,
    STMT_DELIVERY_ACTION_MIN,
    STMT_DELIVERY_DUE,
    STMT_DELIVERY_RECOVER,
    STMT_DELIVERY_COUNT,
    STMT_DELIVERY_ASKED,
    STMT_DELIVERY_COMMITMENT,
    STMT_RESPONSE_ADD,
    STMT_RESPONSE_RETRACT,
    STMT_EVENT_MARK,
    STMT_ROWS,
    STMT_SESSION_ADD,
    STMT_SESSION_LAST,
    STMT_SESSION_NEXT,
    STMT_CURSOR_GET,
    STMT_CURSOR_SET,
    STMT_AUDIT_ADD,
    STMT_AUDIT_ALL,
    STMT_SESSION_GET,
    STMT_SESSION_DUE,
    STMT_SESSION_MIN,
    STMT_SESSION_SET_TIMES,
    STMT_SESSION_NEAR,
    STMT_GROUP_LEAVE_ASKS,
    STMT_GROUP_LEAVE_SEATS,
    STMT_GROUP_ADD,
    STMT_GROUP_BY_NAME,
    STMT_GROUP_BY_ID,
    STMT_GROUP_ALL,
    STMT_GROUP_JOIN,
    STMT_GROUP_LEAVE,
    STMT_GROUP_MEMBERS,
    STMT_MEETING_ADD,
    STMT_MEETING_GET,
    STMT_MEETING_FUTURE,
    STMT_MEETING_NEXT,
    STMT_MEETING_DUE,
    STMT_MEETING_MIN,
    STMT_MEETING_SET,
    STMT_MEETING_RECOVER,
    STMT_CHALLENGES,
    STMT_OWN_ADD,
    STMT_OWN_NEXT,
    STMT_OWN_ALL,
    STMT_OWN_REMOVE,
    STMT_LEADER_SET_CADENCE,
    STMT_PERSON_BY_IDENTITY,
    STMT_PERSON_ROLE,
    STMT_DELIVERY_TALLY,
    STMT_PERSON_BY_NAME,
    STMT_PERSON_BY_ID,
    STMT_PERSON_SET_PASSWORD,
    STMT_PERSON_PASSWORD,
    STMT_LEADER_OF,
    STMT_LEADER_SET_HOURS,
    STMT_LINK_ADD,
    STMT_LINK_GET,
    STMT_LINK_USE,
    STMT_WEB_SESSION_ADD,
    STMT_WEB_SESSION_GET,
    STMT_WEB_SESSION_TOUCH,
    STMT_WEB_SESSION_DROP,
    STMT_WEB_EXPIRE_LINKS,
    STMT_WEB_EXPIRE_SESSIONS,
    STMT_SESSION_EACH,
    STMT_SESSION_BY_UID,
    STMT_SESSION_UPDATE,
    STMT_SESSION_REMOVE,
    STMT_SESSION_DIGEST_DUE,
    STMT_SESSION_DIGEST_MIN,
    STMT_SESSION_DIGEST_RECOVER,
    STMT_NOTE_GET,
    STMT_NOTE_SET,
    STMT_NOTE_DROP,
    STMT_EDITS,
    STMT_LEADER_ICS_GET,
    STMT_LEADER_ICS_SET,
    STMT_OWN_GET,
    STMT_PERSON_IDENTITY,
    STMT__COUNT
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmt[STMT__COUNT];
};

/* Returns: the prepared, reset statement (NULL after logging an error). */
sqlite3_stmt *store__stmt(struct store *st, enum store_stmt id);
/* Step a statement that returns no rows, then reset it. */
int store__exec(struct store *st, sqlite3_stmt *s);
/* Map a SQLite result code to ERR_*, logging unexpected ones. */
int store__err(struct store *st, int rc);
/* Copy a text column into a fixed field (empty for NULL). */
void store__text(sqlite3_stmt *s, int col, char *out, size_t outsz);
int store__bind_text(sqlite3_stmt *s, int idx, const char *text);
int store__bind_opt_int(sqlite3_stmt *s, int idx, int64_t v);
/* Run a one-column, one-row query; NULL reads as 0. */
int store__scalar(struct store *st, sqlite3_stmt *s, int64_t *out);
/* The person called name (created if new), who now holds role. */
int store__person(struct store *st, const char *name, const char *role,
                  int64_t *id);
/* Run an UPDATE with now as ?1; *n is the number of rows it changed. */
int store__touch(struct store *st, enum store_stmt id, int64_t now, int *n);
/* Run a count over (engagement, [from, to)) bound as ?1, ?2, ?3. */
int store__count(struct store *st, enum store_stmt id, int64_t engagement_id,
                 int64_t from, int64_t to, int *n);
/* "pending", "sending", "sent", "none", and back. */
const char *store__agenda_name(enum store_agenda a);
enum store_agenda store__agenda_parse(const char *name);
/* Fill a session from a SESSION_COLS row. */
void store__session_row(sqlite3_stmt *s, struct store_session *out);
/* Collect the first column of up to max rows into ids. */
int store__ids(struct store *st, sqlite3_stmt *s, int64_t *ids, int max,
               int *n);

#endif
