/*
 * store.h - reflekt's storage: one SQLite database, the single source of
 * truth.
 *
 * The database runs in WAL mode with synchronous=FULL (a commit is on disk
 * when store_commit returns), foreign keys on and a busy timeout, so the
 * daemon and the command line can share it.  The schema is versioned with
 * PRAGMA user_version and migrated forward at open.  Prepared statements
 * are cached per connection; sqlite3_stmt never leaves storage/.
 *
 * Times are Unix seconds (UTC).  Records use fixed-size fields so callers
 * own everything they receive; the limits below are validated on write and
 * the setters refuse longer values with ERR_INVAL.
 */
#ifndef REFLEKT_STORE_H
#define REFLEKT_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_NAME_MAX 64   /* handles and people's names */
#define STORE_ID_MAX 512    /* platform user, message and event ids */
#define STORE_RULE_MAX 256  /* RRULE text */
#define STORE_TEXT_MAX 2048 /* a rendered question */

enum store_state {
    STORE_STATE_PENDING = 0, /* due, not yet handed to the platform */
    STORE_STATE_SENDING,     /* handed over, not yet confirmed */
    STORE_STATE_SENT,        /* confirmed, waiting for an answer */
    STORE_STATE_ANSWERED,    /* at least one answer message stored */
    STORE_STATE_SKIPPED,
    STORE_STATE_SNOOZED, /* comes again at action_at */
    STORE_STATE_MISSED,
    STORE_STATE_RETRACTED,
    STORE_STATE__COUNT
};

/* Returns: "pending", "sent", ... */
const char *store_state_name(enum store_state s);

/* Open (creating and migrating if needed).  err may be NULL. */
int store_open(const char *path, struct store **out, char *err);
/* Close, finishing nothing: callers commit first.  NULL is a no-op. */
void store_close(struct store *st);

/* ---- backup and restore (store-backup.c) ---- */

/* What a database file holds, as the checks found it. */
struct store_file_info {
    int schema;
    int64_t leaders, answers;
};

/* The schema version this reflekt writes. */
int store_schema_latest(void);
/*
 * Take the lock a running daemon holds on the database file at path,
 * waiting up to wait_ms for one that is stopping.  Returns: 0 and *fd
 * (close it to let go; -1 when there is no file yet), ERR_BUSY with err
 * when a daemon holds it, or ERR_IO.
 */
int store_lock_file(const char *path, int wait_ms, int *fd, char *err);
/*
 * A consistent copy of the database at db, as of one instant, into the new
 * single file dst (replaced only once the copy is checked and durable),
 * while a daemon may be writing.  Returns: 0 and *info, or < 0 with err.
 */
int store_backup(const char *db, const char *dst, struct store_file_info *info,
                 char *err);
/* Check a copy: integrity_check, a reflekt schema no newer than this one. */
int store_check_file(const char *path, struct store_file_info *info, char *err);
/*
 * Replace the database at db with a copy of src, checked as
 * store_check_file does before it replaces anything (call that first to
 * refuse with src's own name); no daemon may hold db (the caller holds its
 * lock).  Returns: 0 and *info, or < 0 with err, db untouched.
 */
int store_restore(const char *src, const char *db, struct store_file_info *info,
                  char *err);

int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
/*
 * A nested savepoint inside a transaction, so one item of a group commit
 * can fail alone: store_release keeps its work, store_rollback_to drops it.
 */
int store_savepoint(struct store *st);
int store_release(struct store *st);
void store_rollback_to(struct store *st);
/* Returns: the schema version of an open database. */
int store_schema_version(struct store *st);
/*
 * Returns: a number that changes whenever another connection commits (PRAGMA
 * data_version); the daemon uses it to notice command-line changes.
 */
int64_t store_data_version(struct store *st);
/* Returns: the last SQLite error message of this connection. */
const char *store_errmsg(struct store *st);

/* ---- leaders and their engagement ---------------------------------- */

struct store_leader {
    int64_t id; /* engagement id */
    char handle[STORE_NAME_MAX];
    char platform[16];
    char user_id[STORE_ID_MAX];
    char consultant[STORE_NAME_MAX];
    char manager[STORE_NAME_MAX];
    char org[STORE_NAME_MAX];
    char lang[3];
    char tz[64];
    char country[5]; /* "no", "se", "none" */
    char cadence[STORE_RULE_MAX];
    char dtstart[11];       /* local YYYY-MM-DD anchoring the rule */
    int work_from, work_to; /* minutes after local midnight */
    unsigned work_days;     /* bit 1 = Monday .. bit 7 = Sunday */
    int weekly_cap;
    int paused;                      /* 1 while paused */
    int64_t paused_until;            /* 0: until resumed */
    int64_t next_due_at;             /* 0: nothing planned */
    int summer_from, summer_to;      /* organisation pause as month*100+day */
    char conversation[STORE_ID_MAX]; /* the direct conversation, or "" */
};

/* Add a leader (creating people as needed).  ERR_EXISTS when taken. */
int store_leader_add(struct store *st, struct store_leader *l, char *err);
/* Returns: 0, or ERR_NOTFOUND. */
int store_leader_get(struct store *st, const char *handle,
                     struct store_leader *out);
int store_leader_by_id(struct store *st, int64_t id, struct store_leader *out);
int store_leader_by_identity(struct store *st, const char *platform,
                             const char *user_id, struct store_leader *out);
typedef int store_leader_cb(const struct store_leader *l, void *arg);
/* Calls cb for each leader by handle; a negative return stops and is
 * returned. */
int store_leader_each(struct store *st, store_leader_cb *cb, void *arg);
int store_leader_set_next(struct store *st, int64_t id, int64_t next_due_at);
int store_leader_set_pause(struct store *st, int64_t id, int paused,
                           int64_t until);
int store_leader_set_lang(struct store *st, int64_t id, const char *lang);
/* Sets *out to the earliest next_due_at, or 0 when none. */
int store_leader_next_min(struct store *st, int64_t *out);
/* Fills ids with up to max engagements due at or before now. */
int store_leader_due(struct store *st, int64_t now, int64_t *ids, int max,
                     int *n);
/* Remember the direct conversation (DM room) of a platform user. */
int store_leader_set_conversation(struct store *st, const char *platform,
                                  const char *user_id,
                                  const char *conversation);
int store_org_set_summer(struct store *st, const char *org, int from, int to);
int store_leader_set_cadence(struct store *st, int64_t id, const char *rule);

/* ---- people who are not leaders: consultants, managers ------------ */

/*
 * Link person name (a consultant or manager) to a platform account, so
 * reflekt knows them when they write.  Returns: 0, ERR_NOTFOUND (no such
 * person), or ERR_EXISTS (the account is linked already).
 */
int store_person_link(struct store *st, const char *name, const char *platform,
                      const char *user_id);
/* The person behind a platform account: name (STORE_NAME_MAX bytes). */
int store_person_by_identity(struct store *st, const char *platform,
                             const char *user_id, char *name, size_t namesz);
/*
 * Person name's account on platform: user_id (STORE_ID_MAX bytes) and the
 * direct conversation, if known (STORE_ID_MAX bytes, may be "").
 * Returns: 0, or ERR_NOTFOUND.
 */
int store_person_identity(struct store *st, const char *name,
                          const char *platform, char *user_id,
                          char *conversation);
/* Returns: 1 when person name holds role, 0 when not, or < 0. */
int store_person_has_role(struct store *st, const char *name, const char *role);
/*
 * Grant (on) the admin role, making name a person when they are none yet,
 * or withdraw it; the person and their other roles stay.
 * Returns: 0, ERR_NOTFOUND when withdrawing from someone not an admin.
 */
int store_person_admin(struct store *st, const char *name, int on);

/* Participation of one leader over [from, to): questions sent, answered
 * and skipped (never their content). */
struct store_tally {
    int sent, answered, skipped;
};
int store_delivery_tally(struct store *st, int64_t engagement_id, int64_t from,
                         int64_t to, struct store_tally *out);

/* ---- deliveries: one question to one leader --------------------- */

struct store_delivery {
    int64_t id;
    int64_t engagement_id;
    char prompt_id[STORE_NAME_MAX];
    char question[STORE_TEXT_MAX];
    char followup[STORE_TEXT_MAX];
    enum store_state state;
    int64_t due_at;
    int64_t sent_at;   /* 0 until confirmed */
    int64_t action_at; /* when the scheduler must look again; 0: never */
    int64_t answered_at;
    int reminded;
    int closed; /* 1: no longer takes answer messages */
    int shared; /* 1: the leader let the manager see it */
    char platform_msg_id[STORE_ID_MAX];
    char kind[16];      /* a prompt kind, or "recall" */
    int64_t session_id; /* pre-session, post-session, challenge; else 0 */
    int64_t recall_of;  /* recall: the commitment it follows up */
    int score;          /* scale: 1-5 once given, else 0 */
    int agenda;         /* challenge: 1 when it may go on the agenda */
};

int store_delivery_add(struct store *st, struct store_delivery *d);
int store_delivery_get(struct store *st, int64_t id, struct store_delivery *d);
/* Writes every mutable field of d back. */
int store_delivery_update(struct store *st, const struct store_delivery *d);
/*
 * The leader's open delivery: the newest one that is being sent, sent,
 * answered or snoozed and not closed (a leader may answer a question the
 * platform showed before it confirmed it, or one they snoozed).  Returns:
 * 0, or ERR_NOTFOUND.
 */
int store_delivery_open(struct store *st, int64_t engagement_id,
                        struct store_delivery *d);
/* The newest delivery in one of the states (bitmask 1 << state) not older
 * than since. */
int store_delivery_latest(struct store *st, int64_t engagement_id,
                          unsigned states, int64_t since,
                          struct store_delivery *d);
/* Sets *out to the earliest action_at, or 0 when none. */
int store_delivery_action_min(struct store *st, int64_t *out);
int store_delivery_due(struct store *st, int64_t now, int64_t *ids, int max,
                       int *n);
/* Deliveries left in SENDING by a stop, with no retry planned, get
 * action_at = now. */
int store_delivery_recover(struct store *st, int64_t now, int *n);
/* Questions due at now and not yet confirmed by their platform. */
int store_delivery_queue(struct store *st, int64_t now, int64_t *n);
/* Number of deliveries due in [from, to). */
int store_delivery_count(struct store *st, int64_t engagement_id, int64_t from,
                         int64_t to, int *n);
/* When each question was last due for one leader, sorted by prompt id. */
struct store_asked {
    struct {
        char id[STORE_NAME_MAX];
        int64_t at;
    } * v;
    size_t n;
};
int store_delivery_asked(struct store *st, int64_t engagement_id,
                         struct store_asked *out);
/* Returns: when prompt_id was last due, 0 for never. */
int64_t store_asked_at(const struct store_asked *a, const char *prompt_id);
void store_asked_release(struct store_asked *a);
/*
 * The newest answered commitment since since that no recall follows up
 * yet, with its answer messages joined by spaces into answer.
 * Returns: 0, or ERR_NOTFOUND.
 */
int store_delivery_commitment(struct store *st, int64_t engagement_id,
                              int64_t since, struct store_delivery *d,
                              char *answer, size_t answersz);

/* ---- answers ------------------------------------------------------ */

/* Returns: 0, or ERR_EXISTS when event_id is already stored. */
int store_response_add(struct store *st, int64_t delivery_id,
                       const char *event_id, const char *msg_id,
                       const char *body, size_t len, int64_t at);
/*
 * A leader edited an answer message (msg_id is the platform's id of the
 * original): the old text goes to the edit history, the new one replaces
 * it.  Returns: 0 and *delivery_id, or ERR_NOTFOUND when that message is
 * not a live answer of this engagement.
 */
int store_response_edit(struct store *st, int64_t engagement_id,
                        const char *msg_id, const char *body, size_t len,
                        int64_t at, int64_t *delivery_id);
/*
 * A leader deleted an answer message: its text is blanked.  *left is how
 * many live messages the delivery still has.
 */
int store_response_delete(struct store *st, int64_t engagement_id,
                          const char *msg_id, int64_t *delivery_id, int *left);
/* Blank the text of every answer message of a delivery, and its edits. */
int store_response_retract(struct store *st, int64_t delivery_id);
/*
 * Record an inbound platform event as handled.
 * Returns: 0, or ERR_EXISTS when it was handled before.
 */
int store_event_mark(struct store *st, const char *event_id, int64_t at);

/* ---- reading answers back: digest, history, export ------------------ */

struct store_row {
    const char *handle;
    int64_t delivery_id;
    const char *prompt_id;
    const char *question;
    enum store_state state;
    int64_t due_at, sent_at, answered_at;
    int shared;
    const char *kind;   /* "open", ..., "recall" */
    int score;          /* scale: 1-5, or 0 */
    int agenda;         /* challenge: shared with the group */
    int64_t recall_of;  /* recall: the commitment it follows up, else 0 */
    const char *answer; /* messages joined by newlines; NULL when none */
};
typedef int store_row_cb(const struct store_row *r, void *arg);
/*
 * Every delivery of one leader (engagement_id > 0) or all leaders (0),
 * due at or after since, oldest first.  Borrowed: r lives for the call.
 * Callers check access before they call this and write the audit log.
 */
int store_rows(struct store *st, int64_t engagement_id, int64_t since,
               store_row_cb *cb, void *arg);

/* ---- coaching sessions ------------------------------------------- */

/* Where a message that goes out once (a group's agenda, a consultant's
 * digest) stands. */
enum store_agenda {
    STORE_AGENDA_PENDING = 0,
    STORE_AGENDA_SENDING,
    STORE_AGENDA_SENT,
    STORE_AGENDA_NONE, /* nothing to post, or nowhere */
};

struct store_session {
    int64_t id;
    int64_t engagement_id;
    int64_t at;
    char theme[STORE_RULE_MAX]; /* comma-separated theme ids, or "" */
    int64_t pre_at;         /* when its pre-session question is due; 0: none */
    int64_t post_at;        /* when its post-session question is due; 0: none */
    int64_t meeting_id;     /* a network group meeting; 0: one-to-one */
    char uid[STORE_ID_MAX]; /* imported from a calendar: its event, or "" */
    int64_t digest_at; /* when the digest goes to the consultant; 0: done */
    enum store_agenda digest;
};
/* Sets s->id.  Returns: 0, or ERR_EXISTS for a second session then. */
int store_session_add(struct store *st, struct store_session *s);
int store_session_get(struct store *st, int64_t id, struct store_session *out);
/* Sessions with a pre- or post-session question due at or before now. */
int store_session_due(struct store *st, int64_t now, int64_t *ids, int max,
                      int *n);
/* Sets *out to the earliest pre_at or post_at, or 0 when none. */
int store_session_min(struct store *st, int64_t *out);
int store_session_set_times(struct store *st, int64_t id, int64_t pre_at,
                            int64_t post_at);
/* Session questions planned or asked for a leader in [from, to). */
int store_session_near(struct store *st, int64_t engagement_id, int64_t from,
                       int64_t to, int *n);
/*
 * The latest one-to-one session at or before now (*at = 0 when none) and
 * its themes; network group meetings do not count.
 */
int store_session_last(struct store *st, int64_t engagement_id, int64_t now,
                       int64_t *at, char *theme, size_t themesz);
/* The first session after now (*at = 0 when none) and its theme. */
int store_session_next(struct store *st, int64_t engagement_id, int64_t now,
                       int64_t *at, char *theme, size_t themesz);

typedef int store_session_cb(const struct store_session *s, void *arg);
/* A leader's sessions (one-to-one and group meetings) at or after from,
 * earliest first. */
int store_session_each(struct store *st, int64_t engagement_id, int64_t from,
                       store_session_cb *cb, void *arg);
/* An imported session by its calendar uid.  Returns: 0, or ERR_NOTFOUND. */
int store_session_by_uid(struct store *st, int64_t engagement_id,
                         const char *uid, struct store_session *out);
/* Write at, theme, pre_at, post_at, uid, digest_at and digest back.
 * Returns: 0, or ERR_EXISTS when another session is at that time. */
int store_session_update(struct store *st, const struct store_session *s);
/* Remove a session with its note; questions already asked stay. */
int store_session_remove(struct store *st, int64_t id);
/* Sessions whose digest is due at or before now. */
int store_session_digest_due(struct store *st, int64_t now, int64_t *ids,
                             int max, int *n);
/* Sets *out to the earliest digest_at, or 0 when none. */
int store_session_digest_min(struct store *st, int64_t *out);
/* Digests left in SENDING by a crash are due again at now. */
int store_session_digest_recover(struct store *st, int64_t now, int *n);

/* A consultant's private note on a session: out "" when none. */
int store_note_get(struct store *st, int64_t session_id, char *out,
                   size_t outsz, int64_t *updated_at);
/* Store a note; text "" removes it. */
int store_note_set(struct store *st, int64_t session_id, const char *text,
                   int64_t now);

/* The edit history of a delivery's answer messages: each text replaced and
 * when, oldest first.  Callers check access first. */
typedef int store_edit_cb(int64_t replaced_at, const char *body, void *arg);
int store_edits(struct store *st, int64_t delivery_id, store_edit_cb *cb,
                void *arg);

/* ---- network groups (peer coaching) and their meetings ------------ */
struct store_group {
    int64_t id;
    char name[STORE_NAME_MAX];
    char consultant[STORE_NAME_MAX];
    char lang[3];
    char tz[64];
    char platform[16];          /* where the channel is, or "" */
    char channel[STORE_ID_MAX]; /* the group's room for the agenda, or "" */
};
/* Sets g->id.  Returns: 0, or ERR_EXISTS when the name is taken. */
int store_group_add(struct store *st, struct store_group *g);
/* Returns: 0, or ERR_NOTFOUND. */
int store_group_get(struct store *st, const char *name, struct store_group *g);
int store_group_by_id(struct store *st, int64_t id, struct store_group *g);
typedef int store_group_cb(const struct store_group *g, void *arg);
int store_group_each(struct store *st, store_group_cb *cb, void *arg);
/* Returns: 0, or ERR_EXISTS when already a member. */
int store_group_join(struct store *st, int64_t group_id, int64_t engagement_id);
/*
 * Leave a group: the member's seats at meetings after now go, with any
 * challenge question not yet sent.  Returns: 0, or ERR_NOTFOUND when not a
 * member.
 */
int store_group_leave(struct store *st, int64_t group_id, int64_t engagement_id,
                      int64_t now);
/* Members' engagement ids, by name. */
int store_group_members(struct store *st, int64_t group_id, int64_t *ids,
                        int max, int *n);

struct store_meeting {
    int64_t id;
    int64_t group_id;
    int64_t at;
    char theme[STORE_RULE_MAX];
    int64_t agenda_at; /* when the agenda is due in the channel; 0: done */
    enum store_agenda agenda;
};
/* Sets m->id.  Returns: 0, or ERR_EXISTS for a second meeting then. */
int store_meeting_add(struct store *st, struct store_meeting *m);
int store_meeting_get(struct store *st, int64_t id, struct store_meeting *m);
/* The first meeting of a group at or after t.  Returns: ERR_NOTFOUND. */
int store_meeting_next(struct store *st, int64_t group_id, int64_t t,
                       struct store_meeting *m);
/* A group's meetings after now, earliest first. */
int store_meeting_future(struct store *st, int64_t group_id, int64_t now,
                         int64_t *ids, int max, int *n);
int store_meeting_due(struct store *st, int64_t now, int64_t *ids, int max,
                      int *n);
int store_meeting_min(struct store *st, int64_t *out);
int store_meeting_set(struct store *st, int64_t id, int64_t agenda_at,
                      enum store_agenda agenda);
/* Agendas left in SENDING by a crash are due again at now. */
int store_meeting_recover(struct store *st, int64_t now, int *n);

/* One member's challenge for a meeting. */
struct store_challenge {
    const char *handle;
    int64_t delivery_id; /* 0 when not asked yet */
    enum store_state state;
    int agenda;         /* the member let it go on the agenda */
    const char *answer; /* NULL when none */
};
typedef int store_challenge_cb(const struct store_challenge *c, void *arg);
int store_challenges(struct store *st, int64_t meeting_id,
                     store_challenge_cb *cb, void *arg);

/* ---- consultants' own questions ------------------------------------ */
struct store_own {
    int64_t id;
    int64_t engagement_id;       /* for one leader, or */
    int64_t group_id;            /* for every member of a group */
    char target[STORE_NAME_MAX]; /* the leader's or the group's name */
    char kind[16];               /* open, commitment or scale */
    char text[STORE_TEXT_MAX];
    char followup[STORE_TEXT_MAX]; /* or "" */
};
int store_own_add(struct store *st, struct store_own *o, int64_t now);
/*
 * The oldest own question for a leader (their own or their groups') they
 * have not been asked.  Returns: 0, or ERR_NOTFOUND.
 */
int store_own_next(struct store *st, int64_t engagement_id,
                   struct store_own *o);
/* Returns: 0, or ERR_NOTFOUND. */
int store_own_get(struct store *st, int64_t id, struct store_own *o);
typedef int store_own_cb(const struct store_own *o, void *arg);
int store_own_each(struct store *st, store_own_cb *cb, void *arg);
/* Returns: 0, or ERR_NOTFOUND. */
int store_own_remove(struct store *st, int64_t id);

/* ---- the web console: people, sign-in links, browser sessions ------- */

#define STORE_ROLE_LEADER 1u
#define STORE_ROLE_CONSULTANT 2u
#define STORE_ROLE_MANAGER 4u
#define STORE_ROLE_ADMIN 8u
#define STORE_HASH_LEN 32 /* SHA-256 of a link or session token */
#define STORE_CSRF_MAX 64

struct store_person {
    int64_t id;
    char name[STORE_NAME_MAX];
    unsigned roles; /* STORE_ROLE_* */
};
/* Returns: 0, or ERR_NOTFOUND. */
int store_person_get(struct store *st, const char *name,
                     struct store_person *out);
int store_person_by_id(struct store *st, int64_t id, struct store_person *out);
/* An Argon2id string (libsodium's crypto_pwhash_str), or NULL to clear. */
int store_person_set_password(struct store *st, int64_t person_id,
                              const char *hash);
/* Copies the stored hash into out ("" when none). */
int store_person_password(struct store *st, int64_t person_id, char *out,
                          size_t outsz);
/* The leaders a person (by name) consults or manages, by handle. */
int store_leader_each_of(struct store *st, const char *name,
                         store_leader_cb *cb, void *arg);
int store_leader_set_hours(struct store *st, int64_t id, int work_from,
                           int work_to, unsigned work_days, int weekly_cap);
/* The calendar a consultant imports a leader's sessions from ("" none). */
int store_leader_ics(struct store *st, int64_t id, char *out, size_t outsz);
int store_leader_set_ics(struct store *st, int64_t id, const char *url);

int store_link_add(struct store *st, const unsigned char *hash,
                   int64_t person_id, int64_t now, int64_t expires_at);
/*
 * Spend a sign-in link.  Returns: 0 and *person_id the first time, before
 * it expires; ERR_NOTFOUND for an unknown link; ERR_DENIED for one used
 * before or expired.
 */
int store_link_use(struct store *st, const unsigned char *hash, int64_t now,
                   int64_t *person_id);
struct store_web_session {
    int64_t person_id;
    char csrf[STORE_CSRF_MAX];
    int64_t created_at, seen_at;
};
int store_web_session_add(struct store *st, const unsigned char *hash,
                          int64_t person_id, const char *csrf, int64_t now);
/* Returns: 0, or ERR_NOTFOUND. */
int store_web_session_get(struct store *st, const unsigned char *hash,
                          struct store_web_session *out);
int store_web_session_touch(struct store *st, const unsigned char *hash,
                            int64_t now);
int store_web_session_drop(struct store *st, const unsigned char *hash);
/* Forget links expired before now, and sessions last seen before
 * idle_before or started before born_before. */
int store_web_expire(struct store *st, int64_t now, int64_t idle_before,
                     int64_t born_before);

/* ---- platform cursors and the audit log ---------------------------- */

/* Copies the value into out (empty when unset). */
int store_cursor_get(struct store *st, const char *adapter, const char *key,
                     char *out, size_t outsz);
int store_cursor_set(struct store *st, const char *adapter, const char *key,
                     const char *value);

int store_audit(struct store *st, int64_t at, const char *actor,
                const char *action, int64_t engagement_id, const char *detail);
struct store_audit_row {
    int64_t at;
    const char *actor, *action, *handle, *detail;
};
typedef int store_audit_cb(const struct store_audit_row *r, void *arg);
int store_audit_each(struct store *st, store_audit_cb *cb, void *arg);

/* ---- leader rights ---- */
/*
 * A leader may have everything reflekt holds about them exported or
 * erased, and each organisation may limit how long answers are kept.
 * Callers check access first and write the audit log.
 */

struct store_identity {
    char platform[16];
    char user_id[STORE_ID_MAX];
    char conversation[STORE_ID_MAX]; /* the direct conversation, or "" */
};
typedef int store_identity_cb(const struct store_identity *id, void *arg);
/* A person's platform accounts, by platform and user id. */
int store_identity_each(struct store *st, int64_t person_id,
                        store_identity_cb *cb, void *arg);

struct store_response {
    int64_t id;
    int64_t received_at;
    const char *body;   /* NULL once retracted or deleted */
    const char *msg_id; /* the platform's id of the message, or NULL */
    int retracted;
};
typedef int store_response_cb(const struct store_response *r, void *arg);
/* Every answer message of a delivery, retracted ones too, oldest first.
 * Borrowed: r lives for the call. */
int store_response_each(struct store *st, int64_t delivery_id,
                        store_response_cb *cb, void *arg);
/* The edit history of one answer message, oldest first. */
int store_response_edits(struct store *st, int64_t response_id,
                         store_edit_cb *cb, void *arg);
/* A leader's private session notes, in session order.  Borrowed: body
 * lives for the call. */
typedef int store_note_cb(int64_t session_id, const char *body,
                          int64_t updated_at, void *arg);
int store_note_each(struct store *st, int64_t engagement_id, store_note_cb *cb,
                    void *arg);
/* The groups a leader is a member of, by name. */
int store_group_each_of(struct store *st, int64_t engagement_id,
                        store_group_cb *cb, void *arg);

/* What erasing a leader removes (or would remove). */
struct store_erase {
    int answers; /* answer messages */
    int edits;
    int questions; /* deliveries */
    int sessions;
    int notes;
    int own;        /* consultants' own questions for this leader */
    int groups;     /* group memberships */
    int identities; /* platform accounts (0 when the person stays) */
    int audit;      /* audit rows that lose whose they were */
    /* 1: the person is also a consultant, manager or admin, or named by
     * another leader or group; they, their other roles and their chat
     * accounts stay, only the leader role and its data go. */
    int keep_person;
    int64_t person_id;
    char name[STORE_NAME_MAX];
};
/* Count, changing nothing.  Returns: 0, or ERR_NOTFOUND. */
int store_leader_erase_count(struct store *st, int64_t engagement_id,
                             struct store_erase *out);
/*
 * Erase a leader: answers and their edits, deliveries, sessions and their
 * notes, own questions, group memberships, the engagement, then (unless
 * keep_person) the platform accounts with their Teams conversation
 * references, the roles and the person.  Audit rows about the leader stay
 * without engagement, detail or the leader's name.  Platform event ids
 * stay.  Run it inside a transaction; out says what went.
 */
int store_leader_erase(struct store *st, int64_t engagement_id,
                       struct store_erase *out);

typedef int store_org_cb(const char *name, int retention_months, void *arg);
/* Every organisation by name, with its retention limit (0: keep). */
int store_org_each(struct store *st, store_org_cb *cb, void *arg);
/* months 0 keeps answers for good.  Returns: 0, ERR_INVAL outside 0..120,
 * or ERR_NOTFOUND for an unknown organisation. */
int store_org_set_retention(struct store *st, const char *org, int months);
/* *n: how many organisations have a retention limit. */
int store_retention_orgs(struct store *st, int *n);
/*
 * For each organisation with a limit, delete the answer messages (and
 * their edits) received more than its retention_months calendar months
 * before now; deliveries stay, with no score once all their answers are
 * gone.  One audit row per organisation that lost answers.  *answers is
 * the number deleted.  Run it inside a transaction.
 */
int store_retention_sweep(struct store *st, int64_t now, int *answers);

#endif
