/*
 * fake-matrix.c - the loopback Matrix homeserver for tests (libmicrohttpd,
 * a thread per connection so a long-polling /sync never holds up the
 * others).  One mutex guards all state; a condition variable is broadcast
 * whenever the stream grows (and on stop) to wake the long-polls.
 *
 * The stream is one global log: room events and account-data changes.  An
 * entry's position in it is its counter (index + 1); next_batch is
 * "s<counter>" and event ids are "$e<counter>".
 */
#include "fake-matrix.h"
#include "chaos.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FM_SERVER "localhost"
#define FM_PREFIX "/_matrix/client/v3/"
#define FM_MAX_EVENTS 100000
#define FM_MAX_ROOMS 10000
#define FM_MAX_USERS 1000
#define FM_MAX_FAULTS 64
#define FM_MAX_BODY (1024 * 1024)
#define FM_TIMELINE_LIMIT 50
#define FM_MAX_TIMEOUT_MS 30000
#define FM_SLOW_MS 2000
#define FM_MAX_SEGS 8
#define FM_SEG_LEN 512
#define FM_ID_LEN 256

/* Grow a malloc'd array so it holds need elements; aborts when out of
 * memory (test code). */
#define FM_GROW(arr, cap, need)                                                \
    do {                                                                       \
        if ((need) > (cap)) {                                                  \
            int fm_nc_ = (cap) > 0 ? (cap)*2 : 16;                             \
            while (fm_nc_ < (need))                                            \
                fm_nc_ *= 2;                                                   \
            (arr) = fm_xrealloc((arr), (size_t)fm_nc_ * sizeof(*(arr)));       \
            (cap) = fm_nc_;                                                    \
        }                                                                      \
    } while (0)

enum fm_membership { FM_NONE, FM_INVITE, FM_JOIN, FM_LEAVE };

struct fm_member {
    char user[FM_ID_LEN];
    enum fm_membership state;
    int counter; /* stream counter of this user's latest member event */
};

struct fm_room {
    char id[64]; /* stable until fake_matrix_stop */
    int encrypted;
    int public_;
    struct fm_member *members;
    int nmembers, cmembers;
    int *evs; /* log indexes of the room's events, in stream order */
    int nevs, cevs;
};

struct fm_user {
    char id[FM_ID_LEN];
    char token[FM_ID_LEN];
    json_t *account_data; /* type -> content */
};

enum fm_kind { FM_ENTRY_ROOM, FM_ENTRY_ACCOUNT };

struct fm_entry {
    enum fm_kind kind;
    int room;   /* FM_ENTRY_ROOM: index into rooms */
    int user;   /* FM_ENTRY_ACCOUNT: index into users */
    char *type; /* FM_ENTRY_ACCOUNT: the account data type */
    json_t *ev; /* FM_ENTRY_ROOM: the event (no room_id) */
    char *txn;  /* txn id the sender used, or NULL */
    int redacted;
};

struct fm_fault {
    enum fake_matrix_fault fault;
    char path[256];
    int count;
};

struct fake_matrix {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stopping;
    struct fm_user *users;
    int nusers, cusers;
    struct fm_room **rooms;
    int nrooms, crooms;
    struct fm_entry *log;
    int nlog, clog;
    json_t *txns; /* "token\x1f" endpoint "\x1f" txn -> event id */
    struct fm_fault faults[FM_MAX_FAULTS];
    int nfaults;
    int next_filter;
    int send_requests, send_events, syncs;
    struct fake_chaos chaos;
};

/* One request's upload. */
struct fm_req {
    char *body;
    size_t len;
    int too_big;
};

/* One routed, authenticated request. */
struct fm_call {
    struct MHD_Connection *c;
    char uid[FM_ID_LEN];
    char token[FM_ID_LEN];
    char seg[FM_MAX_SEGS][FM_SEG_LEN];
    int nseg;
    json_t *body; /* the request's JSON object, or NULL */
};

typedef unsigned fm_route_fn(struct fake_matrix *f, struct fm_call *call,
                             json_t **out);

enum fm_body { FM_BODY_NONE, FM_BODY_OPTIONAL, FM_BODY_REQUIRED };

struct fm_route {
    const char *method;
    const char *pattern; /* segments after the prefix; "*" is a value */
    enum fm_body body;
    fm_route_fn *fn;
};

static int fm_parse_long(const char *s, long *out);

/* ---- small utilities ---------------------------------------------------- */

static void *
fm_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);

    if (q == NULL) {
        fprintf(stderr, "fake-matrix: out of memory\n");
        abort();
    }
    return q;
}

static void *
fm_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);

    if (p == NULL) {
        fprintf(stderr, "fake-matrix: out of memory\n");
        abort();
    }
    return p;
}

static char *
fm_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = fm_xrealloc(NULL, n);

    memcpy(p, s, n);
    return p;
}

static int64_t
fm_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
fm_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait on the condition variable until deadline (monotonic ms) or a
 * broadcast; the caller holds the lock. */
static void
fm_wait_until(struct fake_matrix *f, int64_t deadline)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(deadline / 1000);
    ts.tv_nsec = (long)(deadline % 1000) * 1000000L;
    pthread_cond_timedwait(&f->cond, &f->lock, &ts);
}

static int
fm_unhex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into out (and '+' into a space when plus);
 * returns -1 when it does not fit or decodes to a NUL.  A malformed
 * escape is kept as it is. */
static int
fm_decode(const char *s, size_t n, int plus, char *out, size_t outsz)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];

        if (c == '%' && i + 2 < n && fm_unhex(s[i + 1]) >= 0 &&
            fm_unhex(s[i + 2]) >= 0) {
            c = fm_unhex(s[i + 1]) * 16 + fm_unhex(s[i + 2]);
            i += 2;
            if (c == 0)
                return -1;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (o + 1 >= outsz)
            return -1;
        out[o++] = (char)c;
    }
    if (outsz == 0)
        return -1;
    out[o] = '\0';
    return 0;
}

/* MHD would unescape the path before we could split it; keep it raw. */
static size_t
fm_unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static void
fm_copy_out(char *out, size_t outsz, const char *s)
{
    if (out != NULL && outsz > 0)
        snprintf(out, outsz, "%s", s);
}

static const char *
fm_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static unsigned
fm_err(json_t **out, unsigned status, const char *errcode, const char *error)
{
    *out = json_pack("{s:s,s:s}", "errcode", errcode, "error", error);
    return status;
}

/* ---- state (the caller holds the lock) ---------------------------------- */

static int
fm_user_by_id(struct fake_matrix *f, const char *id)
{
    for (int i = 0; i < f->nusers; i++)
        if (strcmp(f->users[i].id, id) == 0)
            return i;
    return -1;
}

static int
fm_room_by_id(struct fake_matrix *f, const char *id)
{
    for (int i = 0; i < f->nrooms; i++)
        if (strcmp(f->rooms[i]->id, id) == 0)
            return i;
    return -1;
}

static struct fm_member *
fm_member(struct fm_room *room, const char *user)
{
    for (int i = 0; i < room->nmembers; i++)
        if (strcmp(room->members[i].user, user) == 0)
            return &room->members[i];
    return NULL;
}

static enum fm_membership
fm_membership(struct fm_room *room, const char *user)
{
    struct fm_member *m = fm_member(room, user);

    return m != NULL ? m->state : FM_NONE;
}

static int
fm_room_new(struct fake_matrix *f)
{
    struct fm_room *room;

    if (f->nrooms >= FM_MAX_ROOMS)
        return -1;
    FM_GROW(f->rooms, f->crooms, f->nrooms + 1);
    room = fm_xcalloc(1, sizeof(*room));
    snprintf(room->id, sizeof(room->id), "!r%d:" FM_SERVER, f->nrooms + 1);
    f->rooms[f->nrooms] = room;
    return f->nrooms++;
}

/* Append an entry slot to the log; returns it, or NULL when full. */
static struct fm_entry *
fm_log_append(struct fake_matrix *f)
{
    struct fm_entry *e;

    if (f->nlog >= FM_MAX_EVENTS)
        return NULL;
    FM_GROW(f->log, f->clog, f->nlog + 1);
    e = &f->log[f->nlog];
    memset(e, 0, sizeof(*e));
    e->room = -1;
    e->user = -1;
    return e;
}

/*
 * Append a room event and wake the long-polls.  Takes ownership of content.
 * Returns: its log index, or -1 (log full or a string not UTF-8).
 */
static int
fm_emit(struct fake_matrix *f, int r, const char *type, const char *sender,
        const char *state_key, json_t *content, const char *txn)
{
    struct fm_room *room = f->rooms[r];
    struct fm_entry *e;
    char eid[32];
    json_t *ev;

    if (content == NULL)
        return -1;
    snprintf(eid, sizeof(eid), "$e%d", f->nlog + 1);
    ev = json_pack("{s:s,s:s,s:s,s:I,s:o}", "type", type, "event_id", eid,
                   "sender", sender, "origin_server_ts",
                   (json_int_t)fm_wall_ms(), "content", content);
    if (ev == NULL)
        return -1;
    if (state_key != NULL &&
        json_object_set_new(ev, "state_key", json_string(state_key)) < 0) {
        json_decref(ev);
        return -1;
    }
    e = fm_log_append(f);
    if (e == NULL) {
        json_decref(ev);
        return -1;
    }
    FM_GROW(room->evs, room->cevs, room->nevs + 1);
    e->kind = FM_ENTRY_ROOM;
    e->room = r;
    e->ev = ev;
    e->txn = txn != NULL ? fm_xstrdup(txn) : NULL;
    room->evs[room->nevs++] = f->nlog;
    f->nlog++;
    pthread_cond_broadcast(&f->cond);
    return f->nlog - 1;
}

/* Emit a member event for user and record the new membership.  Takes
 * ownership of content.  Returns: the log index, or -1. */
static int
fm_set_member(struct fake_matrix *f, int r, const char *user,
              enum fm_membership state, const char *sender, json_t *content)
{
    struct fm_room *room = f->rooms[r];
    struct fm_member *m;
    int idx;

    if (strlen(user) >= FM_ID_LEN) {
        json_decref(content);
        return -1;
    }
    idx = fm_emit(f, r, "m.room.member", sender, user, content, NULL);
    if (idx < 0)
        return -1;
    m = fm_member(room, user);
    if (m == NULL) {
        FM_GROW(room->members, room->cmembers, room->nmembers + 1);
        m = &room->members[room->nmembers++];
        memset(m, 0, sizeof(*m));
        snprintf(m->user, sizeof(m->user), "%s", user);
    }
    m->state = state;
    m->counter = idx + 1;
    return idx;
}

/* The log index of the room's current state event (type, state_key), or
 * -1. */
static int
fm_state(struct fake_matrix *f, struct fm_room *room, const char *type,
         const char *state_key)
{
    for (int k = room->nevs - 1; k >= 0; k--) {
        json_t *ev = f->log[room->evs[k]].ev;
        const char *sk = fm_str(ev, "state_key");

        if (sk != NULL && strcmp(sk, state_key) == 0 &&
            strcmp(fm_str(ev, "type"), type) == 0)
            return room->evs[k];
    }
    return -1;
}

/*
 * Create a room: m.room.create, the creator's join, join rules, history
 * visibility, initial_state (array or NULL), then the invites (array of
 * user id strings, or NULL).  Returns: the room index, or -1 when full.
 */
static int
fm_room_create(struct fake_matrix *f, const char *creator, int is_direct,
               const char *preset, json_t *invite, json_t *initial_state)
{
    size_t need = 4 + json_array_size(invite) + json_array_size(initial_state);
    struct fm_room *room;
    size_t i;
    json_t *v;
    int r;

    if ((size_t)f->nlog + need > FM_MAX_EVENTS)
        return -1;
    r = fm_room_new(f);
    if (r < 0)
        return -1;
    room = f->rooms[r];
    room->public_ = preset != NULL && strcmp(preset, "public_chat") == 0;
    fm_emit(f, r, "m.room.create", creator, "",
            json_pack("{s:s}", "room_version", "11"), NULL);
    fm_set_member(f, r, creator, FM_JOIN, creator,
                  json_pack("{s:s}", "membership", "join"));
    fm_emit(
        f, r, "m.room.join_rules", creator, "",
        json_pack("{s:s}", "join_rule", room->public_ ? "public" : "invite"),
        NULL);
    fm_emit(f, r, "m.room.history_visibility", creator, "",
            json_pack("{s:s}", "history_visibility", "shared"), NULL);
    json_array_foreach(initial_state, i, v)
    {
        const char *type = fm_str(v, "type");
        const char *sk = fm_str(v, "state_key");
        json_t *content = json_object_get(v, "content");

        if (type == NULL)
            continue;
        if (strcmp(type, "m.room.encryption") == 0)
            room->encrypted = 1;
        fm_emit(f, r, type, creator, sk != NULL ? sk : "",
                json_is_object(content) ? json_deep_copy(content)
                                        : json_object(),
                NULL);
    }
    json_array_foreach(invite, i, v)
    {
        fm_set_member(f, r, json_string_value(v), FM_INVITE, creator,
                      json_pack("{s:s,s:b}", "membership", "invite",
                                "is_direct", is_direct));
    }
    return r;
}

/* Returns: 0, -1 when not invited (403), -2 when the log is full. */
static int
fm_room_join(struct fake_matrix *f, int r, const char *user)
{
    struct fm_room *room = f->rooms[r];
    enum fm_membership st = fm_membership(room, user);

    if (st == FM_JOIN)
        return 0;
    if (st != FM_INVITE && !room->public_)
        return -1;
    if (fm_set_member(f, r, user, FM_JOIN, user,
                      json_pack("{s:s}", "membership", "join")) < 0)
        return -2;
    return 0;
}

/* Strip the content of a non-state event that a redaction removed. */
static void
fm_apply_redaction(struct fake_matrix *f, int r, const char *target,
                   int redaction)
{
    struct fm_room *room = f->rooms[r];

    for (int k = room->nevs - 1; k >= 0; k--) {
        struct fm_entry *e = &f->log[room->evs[k]];
        const char *eid = fm_str(e->ev, "event_id");

        if (strcmp(eid, target) != 0)
            continue;
        e->redacted = 1;
        if (json_object_get(e->ev, "state_key") == NULL)
            json_object_set_new(e->ev, "content", json_object());
        json_object_set_new(
            e->ev, "unsigned",
            json_pack("{s:{s:s,s:s,s:O}}", "redacted_because", "type",
                      "m.room.redaction", "event_id",
                      fm_str(f->log[redaction].ev, "event_id"), "sender",
                      json_object_get(f->log[redaction].ev, "sender")));
        return;
    }
}

/* Returns: the redaction's log index, -1 when not joined, -2 when full. */
static int
fm_room_redact(struct fake_matrix *f, int r, const char *user,
               const char *target, const char *reason, const char *txn)
{
    json_t *content;
    int idx;

    if (fm_membership(f->rooms[r], user) != FM_JOIN)
        return -1;
    content = json_pack("{s:s}", "redacts", target);
    if (content != NULL && reason != NULL)
        json_object_set_new(content, "reason", json_string(reason));
    idx = fm_emit(f, r, "m.room.redaction", user, NULL, content, txn);
    if (idx < 0)
        return -2;
    json_object_set_new(f->log[idx].ev, "redacts", json_string(target));
    fm_apply_redaction(f, r, target, idx);
    return idx;
}

/* Send a message-like event.  Takes ownership of content.  Returns: the log
 * index, -1 when not joined, -2 when full. */
static int
fm_room_send(struct fake_matrix *f, int r, const char *user, const char *type,
             json_t *content, const char *txn)
{
    int idx;

    if (fm_membership(f->rooms[r], user) != FM_JOIN) {
        json_decref(content);
        return -1;
    }
    idx = fm_emit(f, r, type, user, NULL, content, txn);
    return idx < 0 ? -2 : idx;
}

/* ---- /sync -------------------------------------------------------------- */

/* A copy of log entry idx as user sees it. */
static json_t *
fm_event_out(struct fake_matrix *f, int idx, const char *user)
{
    struct fm_entry *e = &f->log[idx];
    json_t *ev = json_deep_copy(e->ev);

    if (e->txn != NULL && strcmp(fm_str(ev, "sender"), user) == 0) {
        json_t *u = json_object_get(ev, "unsigned");

        if (u == NULL) {
            u = json_object();
            json_object_set_new(ev, "unsigned", u);
        }
        json_object_set_new(u, "transaction_id", json_string(e->txn));
    }
    return ev;
}

static json_t *
fm_stripped(json_t *ev)
{
    return json_pack("{s:O,s:O,s:O,s:O}", "type", json_object_get(ev, "type"),
                     "state_key", json_object_get(ev, "state_key"), "sender",
                     json_object_get(ev, "sender"), "content",
                     json_object_get(ev, "content"));
}

static int
fm_is_member_event_for(json_t *ev, const char *user)
{
    const char *sk = fm_str(ev, "state_key");

    return strcmp(fm_str(ev, "type"), "m.room.member") == 0 && sk != NULL &&
           strcmp(sk, user) == 0;
}

/* The timeline events array of room_id in section (join or leave), made on
 * first use with prev_batch just before log index first. */
static json_t *
fm_sync_timeline(json_t *section, const char *room_id, int first)
{
    json_t *obj = json_object_get(section, room_id);
    char tok[32];

    if (obj == NULL) {
        snprintf(tok, sizeof(tok), "s%d", first);
        obj = json_pack("{s:{s:[],s:b,s:s},s:{s:[]}}", "timeline", "events",
                        "limited", 0, "prev_batch", tok, "state", "events");
        json_object_set_new(section, room_id, obj);
    }
    return json_object_get(json_object_get(obj, "timeline"), "events");
}

/* The room's whole timeline (the last FM_TIMELINE_LIMIT events; when more,
 * limited, with the state before them in state.events). */
static void
fm_sync_full(struct fake_matrix *f, int r, const char *user, json_t *join)
{
    struct fm_room *room = f->rooms[r];
    int first =
        room->nevs > FM_TIMELINE_LIMIT ? room->nevs - FM_TIMELINE_LIMIT : 0;
    json_t *events, *state, *latest, *v;
    const char *key;

    json_object_del(join, room->id);
    events = fm_sync_timeline(join, room->id,
                              first < room->nevs ? room->evs[first] : f->nlog);
    for (int k = first; k < room->nevs; k++)
        json_array_append_new(events, fm_event_out(f, room->evs[k], user));
    if (first == 0)
        return;
    json_object_set_new(
        json_object_get(json_object_get(join, room->id), "timeline"), "limited",
        json_true());
    state = json_object_get(
        json_object_get(json_object_get(join, room->id), "state"), "events");
    latest = json_object(); /* type -> state_key -> log index */
    for (int k = 0; k < first; k++) {
        json_t *ev = f->log[room->evs[k]].ev;
        const char *sk = fm_str(ev, "state_key");
        json_t *bytype;

        if (sk == NULL)
            continue;
        bytype = json_object_get(latest, fm_str(ev, "type"));
        if (bytype == NULL) {
            bytype = json_object();
            json_object_set_new(latest, fm_str(ev, "type"), bytype);
        }
        json_object_set_new(bytype, sk, json_integer(room->evs[k]));
    }
    json_object_foreach(latest, key, v)
    {
        const char *sk;
        json_t *idx;

        json_object_foreach(v, sk, idx)
        {
            json_array_append_new(
                state, fm_event_out(f, (int)json_integer_value(idx), user));
        }
    }
    json_decref(latest);
}

/* The invite to user in room r, as stripped state. */
static void
fm_sync_invite(struct fake_matrix *f, int r, const char *user, json_t *invite)
{
    static const char *const types[] = {"m.room.create", "m.room.join_rules",
                                        "m.room.encryption", "m.room.name"};
    struct fm_room *room = f->rooms[r];
    json_t *events = json_array();
    int inv, idx;

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        idx = fm_state(f, room, types[i], "");
        if (idx >= 0)
            json_array_append_new(events, fm_stripped(f->log[idx].ev));
    }
    inv = fm_state(f, room, "m.room.member", user);
    if (inv >= 0) {
        idx = fm_state(f, room, "m.room.member",
                       fm_str(f->log[inv].ev, "sender"));
        if (idx >= 0 && idx != inv)
            json_array_append_new(events, fm_stripped(f->log[idx].ev));
        json_array_append_new(events, fm_event_out(f, inv, user));
    }
    json_object_set_new(
        invite, room->id,
        json_pack("{s:{s:o}}", "invite_state", "events", events));
}

/*
 * The /sync answer for user from stream position since (-1: initial sync).
 * Returns: a new object, or NULL when since >= 0 and nothing is new.
 */
static json_t *
fm_sync_build(struct fake_matrix *f, const char *user, int since)
{
    json_t *join = json_object(), *invite = json_object();
    json_t *leave = json_object(), *ad = json_object();
    json_t *res, *rooms, *v;
    char *done = fm_xcalloc((size_t)f->nrooms + 1, 1);
    int u = fm_user_by_id(f, user);
    const char *key;
    char tok[32];

    if (since < 0) {
        for (int r = 0; r < f->nrooms; r++) {
            enum fm_membership st = fm_membership(f->rooms[r], user);

            if (st == FM_JOIN)
                fm_sync_full(f, r, user, join);
            else if (st == FM_INVITE)
                fm_sync_invite(f, r, user, invite);
        }
        if (u >= 0)
            json_object_foreach(f->users[u].account_data, key, v)
            {
                json_object_set_new(ad, key, json_deep_copy(v));
            }
    }
    for (int i = since < 0 ? f->nlog : since; i < f->nlog; i++) {
        struct fm_entry *e = &f->log[i];
        struct fm_member *m;

        if (e->kind == FM_ENTRY_ACCOUNT) {
            if (e->user == u) {
                v = json_object_get(f->users[u].account_data, e->type);
                if (v != NULL)
                    json_object_set_new(ad, e->type, json_deep_copy(v));
            }
            continue;
        }
        if (done[e->room])
            continue;
        m = fm_member(f->rooms[e->room], user);
        if (m == NULL)
            continue;
        if (m->state == FM_JOIN && m->counter > since) {
            /* joined after since: the whole room, as on an initial sync */
            fm_sync_full(f, e->room, user, join);
            done[e->room] = 1;
        } else if (m->state == FM_JOIN) {
            json_array_append_new(
                fm_sync_timeline(join, f->rooms[e->room]->id, i),
                fm_event_out(f, i, user));
        } else if (m->state == FM_INVITE) {
            if (fm_is_member_event_for(e->ev, user)) {
                fm_sync_invite(f, e->room, user, invite);
                done[e->room] = 1;
            }
        } else if (m->state == FM_LEAVE) {
            if (fm_is_member_event_for(e->ev, user))
                json_array_append_new(
                    fm_sync_timeline(leave, f->rooms[e->room]->id, i),
                    fm_event_out(f, i, user));
        }
    }
    free(done);
    /* Like Synapse: a room with more new events than the timeline limit
     * gets the newest ones, limited, and a prev_batch to page back from. */
    if (since >= 0) {
        json_object_foreach(join, key, v)
        {
            json_t *tl = json_object_get(v, "timeline");
            json_t *evs = json_object_get(tl, "events");
            size_t n = json_array_size(evs);
            long idx;
            char ptok[32];

            if (n <= FM_TIMELINE_LIMIT)
                continue;
            while (json_array_size(evs) > FM_TIMELINE_LIMIT)
                json_array_remove(evs, 0);
            if (fm_parse_long(fm_str(json_array_get(evs, 0), "event_id") + 2,
                              &idx) < 0)
                continue;
            snprintf(ptok, sizeof(ptok), "s%ld", idx - 1);
            json_object_set_new(tl, "limited", json_true());
            json_object_set_new(tl, "prev_batch", json_string(ptok));
        }
    }
    if (since >= 0 && json_object_size(join) == 0 &&
        json_object_size(invite) == 0 && json_object_size(leave) == 0 &&
        json_object_size(ad) == 0) {
        json_decref(join);
        json_decref(invite);
        json_decref(leave);
        json_decref(ad);
        return NULL;
    }
    snprintf(tok, sizeof(tok), "s%d", f->nlog);
    res = json_pack("{s:s}", "next_batch", tok);
    rooms = json_object();
    if (json_object_size(join) > 0)
        json_object_set(rooms, "join", join);
    if (json_object_size(invite) > 0)
        json_object_set(rooms, "invite", invite);
    if (json_object_size(leave) > 0)
        json_object_set(rooms, "leave", leave);
    if (json_object_size(rooms) > 0)
        json_object_set(res, "rooms", rooms);
    if (json_object_size(ad) > 0) {
        json_t *events = json_array();

        json_object_foreach(ad, key, v)
        {
            json_array_append_new(
                events, json_pack("{s:s,s:O}", "type", key, "content", v));
        }
        json_object_set_new(res, "account_data",
                            json_pack("{s:o}", "events", events));
    }
    json_decref(rooms);
    json_decref(join);
    json_decref(invite);
    json_decref(leave);
    json_decref(ad);
    return res;
}

/* A query argument, percent-decoded; returns -1 when absent or too long. */
static int
fm_arg(struct MHD_Connection *c, const char *name, char *out, size_t outsz)
{
    const char *raw =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);

    if (raw == NULL)
        return -1;
    return fm_decode(raw, strlen(raw), 1, out, outsz);
}

static int
fm_parse_long(const char *s, long *out)
{
    char *end;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    *out = strtol(s, &end, 10);
    return *end != '\0' || errno != 0 ? -1 : 0;
}

/* ---- endpoints ---------------------------------------------------------- */

static unsigned
fm_h_whoami(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    (void)f;
    *out = json_pack("{s:s,s:s,s:b}", "user_id", call->uid, "device_id",
                     "FAKEDEV", "is_guest", 0);
    return 200;
}

static unsigned
fm_h_filter(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    char id[32];

    if (strcmp(call->seg[1], call->uid) != 0)
        return fm_err(out, 403, "M_FORBIDDEN",
                      "Cannot create filters for other users");
    pthread_mutex_lock(&f->lock);
    snprintf(id, sizeof(id), "%d", f->next_filter++);
    pthread_mutex_unlock(&f->lock);
    *out = json_pack("{s:s}", "filter_id", id);
    return 200;
}

static unsigned
fm_h_sync(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    char arg[64], tok[32];
    long since = -1, timeout = 0;
    int64_t deadline;
    json_t *res = NULL;
    int pos = -1;

    if (fm_arg(call->c, "since", arg, sizeof(arg)) == 0 && arg[0] != '\0') {
        if (arg[0] != 's' || fm_parse_long(arg + 1, &since) < 0)
            return fm_err(out, 400, "M_INVALID_PARAM", "Bad since token");
    }
    if (fm_arg(call->c, "timeout", arg, sizeof(arg)) == 0 && arg[0] != '\0') {
        if (fm_parse_long(arg, &timeout) < 0)
            return fm_err(out, 400, "M_INVALID_PARAM", "Bad timeout");
        if (timeout > FM_MAX_TIMEOUT_MS)
            timeout = FM_MAX_TIMEOUT_MS;
    }
    deadline = fm_mono_ms() + timeout;
    pthread_mutex_lock(&f->lock);
    for (;;) {
        if (since >= 0)
            pos = since > f->nlog ? f->nlog : (int)since;
        res = fm_sync_build(f, call->uid, pos);
        if (res != NULL || f->stopping || fm_mono_ms() >= deadline)
            break;
        fm_wait_until(f, deadline);
    }
    pthread_mutex_unlock(&f->lock);
    if (res == NULL) {
        snprintf(tok, sizeof(tok), "s%d", pos);
        res = json_pack("{s:s}", "next_batch", tok);
    }
    *out = res;
    return 200;
}

/* GET /rooms/{room}/messages?dir=b&from=sN[&to=sM][&limit=L] */
static unsigned
fm_h_messages(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    char arg[64], tok[32];
    long from = -1, to = 0, limit = 10;
    json_t *chunk;
    int r, k, taken = 0, last = -1, more = 0;

    if (fm_arg(call->c, "from", arg, sizeof(arg)) < 0 || arg[0] != 's' ||
        fm_parse_long(arg + 1, &from) < 0)
        return fm_err(out, 400, "M_INVALID_PARAM", "Bad from token");
    if (fm_arg(call->c, "to", arg, sizeof(arg)) == 0 && arg[0] != '\0' &&
        (arg[0] != 's' || fm_parse_long(arg + 1, &to) < 0))
        return fm_err(out, 400, "M_INVALID_PARAM", "Bad to token");
    if (fm_arg(call->c, "limit", arg, sizeof(arg)) == 0 && arg[0] != '\0' &&
        fm_parse_long(arg, &limit) < 0)
        return fm_err(out, 400, "M_INVALID_PARAM", "Bad limit");
    if (fm_arg(call->c, "dir", arg, sizeof(arg)) < 0 || strcmp(arg, "b") != 0)
        return fm_err(out, 400, "M_INVALID_PARAM", "Only dir=b");
    pthread_mutex_lock(&f->lock);
    r = fm_room_by_id(f, call->seg[1]);
    if (r < 0 || fm_membership(f->rooms[r], call->uid) != FM_JOIN) {
        pthread_mutex_unlock(&f->lock);
        return fm_err(out, 403, "M_FORBIDDEN", "Not in that room");
    }
    chunk = json_array();
    for (k = f->rooms[r]->nevs - 1; k >= 0; k--) {
        int idx = f->rooms[r]->evs[k];

        if (idx >= from)
            continue;
        if (idx < to)
            break;
        if (taken == limit) {
            more = 1;
            break;
        }
        json_array_append_new(chunk, fm_event_out(f, idx, call->uid));
        last = idx;
        taken++;
    }
    pthread_mutex_unlock(&f->lock);
    snprintf(tok, sizeof(tok), "s%ld", from);
    *out = json_pack("{s:s,s:o}", "start", tok, "chunk", chunk);
    if (more) {
        snprintf(tok, sizeof(tok), "s%d", last);
        json_object_set_new(*out, "end", json_string(tok));
    }
    return 200;
}

static unsigned
fm_h_create_room(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    json_t *invite = json_object_get(call->body, "invite");
    json_t *initial = json_object_get(call->body, "initial_state");
    const char *preset = fm_str(call->body, "preset");
    size_t i;
    json_t *v;
    int r;

    if ((invite != NULL && !json_is_array(invite)) ||
        (initial != NULL && !json_is_array(initial)))
        return fm_err(out, 400, "M_INVALID_PARAM", "Bad invite or state");
    json_array_foreach(invite, i, v)
    {
        const char *id = json_string_value(v);

        if (id == NULL || id[0] != '@' || strchr(id, ':') == NULL ||
            strlen(id) >= FM_ID_LEN)
            return fm_err(out, 400, "M_INVALID_PARAM", "Bad user id");
    }
    json_array_foreach(initial, i, v)
    {
        if (fm_str(v, "type") == NULL)
            return fm_err(out, 400, "M_INVALID_PARAM", "Bad initial_state");
    }
    pthread_mutex_lock(&f->lock);
    r = fm_room_create(f, call->uid,
                       json_is_true(json_object_get(call->body, "is_direct")),
                       preset, invite, initial);
    if (r >= 0)
        *out = json_pack("{s:s}", "room_id", f->rooms[r]->id);
    pthread_mutex_unlock(&f->lock);
    if (r < 0)
        return fm_err(out, 500, "M_UNKNOWN", "Fake server is full");
    return 200;
}

static unsigned
fm_h_join(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    int r, rc;

    pthread_mutex_lock(&f->lock);
    r = fm_room_by_id(f, call->seg[1]);
    rc = r < 0 ? -3 : fm_room_join(f, r, call->uid);
    pthread_mutex_unlock(&f->lock);
    if (rc == -3)
        return fm_err(out, 404, "M_NOT_FOUND", "No such room");
    if (rc == -1)
        return fm_err(out, 403, "M_FORBIDDEN", "You are not invited");
    if (rc < 0)
        return fm_err(out, 500, "M_UNKNOWN", "Fake server is full");
    *out = json_pack("{s:s}", "room_id", call->seg[1]);
    return 200;
}

static unsigned
fm_h_leave(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    enum fm_membership st = FM_NONE;
    int r, rc = 0;

    pthread_mutex_lock(&f->lock);
    r = fm_room_by_id(f, call->seg[1]);
    if (r >= 0)
        st = fm_membership(f->rooms[r], call->uid);
    if (st == FM_JOIN || st == FM_INVITE)
        rc = fm_set_member(f, r, call->uid, FM_LEAVE, call->uid,
                           json_pack("{s:s}", "membership", "leave"));
    pthread_mutex_unlock(&f->lock);
    if (st != FM_JOIN && st != FM_INVITE && st != FM_LEAVE)
        return fm_err(out, 403, "M_FORBIDDEN", "You are not in this room");
    if (rc < 0)
        return fm_err(out, 500, "M_UNKNOWN", "Fake server is full");
    *out = json_object();
    return 200;
}

/* The txn key for (token, endpoint, txn id). */
static void
fm_txn_key(char *key, size_t keysz, const struct fm_call *call,
           const char *endpoint, const char *txn)
{
    snprintf(key, keysz, "%s\x1f%s\x1f%s", call->token, endpoint, txn);
}

static unsigned
fm_h_send(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    char key[FM_ID_LEN + FM_SEG_LEN + 16];
    const char *done;
    int r, idx = -3;

    fm_txn_key(key, sizeof(key), call, "send", call->seg[4]);
    pthread_mutex_lock(&f->lock);
    done = json_string_value(json_object_get(f->txns, key));
    if (done != NULL) {
        f->send_requests++;
        *out = json_pack("{s:s}", "event_id", done);
        pthread_mutex_unlock(&f->lock);
        return 200;
    }
    r = fm_room_by_id(f, call->seg[1]);
    if (r >= 0)
        idx = fm_room_send(f, r, call->uid, call->seg[3],
                           json_deep_copy(call->body), call->seg[4]);
    if (idx >= 0) {
        const char *eid = fm_str(f->log[idx].ev, "event_id");

        json_object_set_new(f->txns, key, json_string(eid));
        f->send_requests++;
        f->send_events++;
        *out = json_pack("{s:s}", "event_id", eid);
    }
    pthread_mutex_unlock(&f->lock);
    if (idx == -1 || idx == -3)
        return fm_err(out, 403, "M_FORBIDDEN", "You are not in this room");
    if (idx < 0)
        return fm_err(out, 500, "M_UNKNOWN", "Fake server is full");
    return 200;
}

static unsigned
fm_h_redact(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    char key[FM_ID_LEN + FM_SEG_LEN + 16];
    const char *done;
    int r, idx = -3;

    fm_txn_key(key, sizeof(key), call, "redact", call->seg[4]);
    pthread_mutex_lock(&f->lock);
    done = json_string_value(json_object_get(f->txns, key));
    if (done != NULL) {
        *out = json_pack("{s:s}", "event_id", done);
        pthread_mutex_unlock(&f->lock);
        return 200;
    }
    r = fm_room_by_id(f, call->seg[1]);
    if (r >= 0)
        idx = fm_room_redact(f, r, call->uid, call->seg[3],
                             fm_str(call->body, "reason"), call->seg[4]);
    if (idx >= 0) {
        const char *eid = fm_str(f->log[idx].ev, "event_id");

        json_object_set_new(f->txns, key, json_string(eid));
        *out = json_pack("{s:s}", "event_id", eid);
    }
    pthread_mutex_unlock(&f->lock);
    if (idx == -1 || idx == -3)
        return fm_err(out, 403, "M_FORBIDDEN", "You are not in this room");
    if (idx < 0)
        return fm_err(out, 500, "M_UNKNOWN", "Fake server is full");
    return 200;
}

static unsigned
fm_h_get_account_data(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    json_t *v = NULL;
    int u;

    if (strcmp(call->seg[1], call->uid) != 0)
        return fm_err(out, 403, "M_FORBIDDEN",
                      "Cannot get account data for other users.");
    pthread_mutex_lock(&f->lock);
    u = fm_user_by_id(f, call->uid);
    if (u >= 0)
        v = json_object_get(f->users[u].account_data, call->seg[3]);
    if (v != NULL)
        *out = json_deep_copy(v);
    pthread_mutex_unlock(&f->lock);
    if (v == NULL)
        return fm_err(out, 404, "M_NOT_FOUND", "Account data not found");
    return 200;
}

static unsigned
fm_h_put_account_data(struct fake_matrix *f, struct fm_call *call, json_t **out)
{
    struct fm_entry *e = NULL;
    int u;

    if (strcmp(call->seg[1], call->uid) != 0)
        return fm_err(out, 403, "M_FORBIDDEN",
                      "Cannot add account data for other users.");
    pthread_mutex_lock(&f->lock);
    u = fm_user_by_id(f, call->uid);
    if (u >= 0)
        e = fm_log_append(f);
    if (e != NULL) {
        e->kind = FM_ENTRY_ACCOUNT;
        e->user = u;
        e->type = fm_xstrdup(call->seg[3]);
        json_object_set_new(f->users[u].account_data, call->seg[3],
                            json_deep_copy(call->body));
        f->nlog++;
        pthread_cond_broadcast(&f->cond);
    }
    pthread_mutex_unlock(&f->lock);
    if (e == NULL)
        return fm_err(out, 500, "M_UNKNOWN", "Fake server is full");
    *out = json_object();
    return 200;
}

static const struct fm_route fm_routes[] = {
    {"GET", "account/whoami", FM_BODY_NONE, fm_h_whoami},
    {"POST", "user/*/filter", FM_BODY_REQUIRED, fm_h_filter},
    {"GET", "sync", FM_BODY_NONE, fm_h_sync},
    {"POST", "createRoom", FM_BODY_OPTIONAL, fm_h_create_room},
    {"POST", "join/*", FM_BODY_OPTIONAL, fm_h_join},
    {"POST", "rooms/*/join", FM_BODY_OPTIONAL, fm_h_join},
    {"POST", "rooms/*/leave", FM_BODY_OPTIONAL, fm_h_leave},
    {"PUT", "rooms/*/send/*/*", FM_BODY_REQUIRED, fm_h_send},
    {"PUT", "rooms/*/redact/*/*", FM_BODY_OPTIONAL, fm_h_redact},
    {"GET", "rooms/*/messages", FM_BODY_NONE, fm_h_messages},
    {"GET", "user/*/account_data/*", FM_BODY_NONE, fm_h_get_account_data},
    {"PUT", "user/*/account_data/*", FM_BODY_REQUIRED, fm_h_put_account_data},
};

static int
fm_match(const char *pattern, const struct fm_call *call)
{
    const char *p = pattern;
    int i = 0;

    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);

        if (i >= call->nseg)
            return 0;
        if (n == 1 && p[0] == '*') {
            if (call->seg[i][0] == '\0')
                return 0;
        } else if (strlen(call->seg[i]) != n ||
                   memcmp(call->seg[i], p, n) != 0) {
            return 0;
        }
        i++;
        p += n;
        if (*p == '/')
            p++;
    }
    return i == call->nseg;
}

/* Split the path after the prefix into decoded segments; -1 when it does
 * not fit. */
static int
fm_split(const char *rest, struct fm_call *call)
{
    call->nseg = 0;
    for (;;) {
        const char *slash = strchr(rest, '/');
        size_t n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);

        if (call->nseg >= FM_MAX_SEGS ||
            fm_decode(rest, n, 0, call->seg[call->nseg], FM_SEG_LEN) < 0)
            return -1;
        call->nseg++;
        if (slash == NULL)
            return 0;
        rest = slash + 1;
    }
}

/* ---- the HTTP side ------------------------------------------------------ */

static enum MHD_Result
fm_reply(struct MHD_Connection *c, unsigned status, json_t *body,
         const char *retry_after)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    struct MHD_Response *r;
    enum MHD_Result ret;

    json_decref(body);
    if (text == NULL)
        text = fm_xstrdup("{}");
    r = MHD_create_response_from_buffer(strlen(text), text,
                                        MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (retry_after != NULL)
        MHD_add_response_header(r, "Retry-After", retry_after);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
fm_reply_err(struct MHD_Connection *c, unsigned status, const char *errcode,
             const char *error)
{
    json_t *out;

    fm_err(&out, status, errcode, error);
    return fm_reply(c, status, out, NULL);
}

/* Take one count of the first fault whose path matches. */
static enum fake_matrix_fault
fm_take_fault(struct fake_matrix *f, const char *raw, const char *decoded)
{
    enum fake_matrix_fault fault = 0;

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->nfaults; i++) {
        struct fm_fault *x = &f->faults[i];

        if (x->count <= 0 ||
            (strstr(raw, x->path) == NULL && strstr(decoded, x->path) == NULL))
            continue;
        x->count--;
        fault = x->fault;
        break;
    }
    if (fault == 0)
        fault =
            (enum fake_matrix_fault)fake_chaos_draw(&f->chaos, FAKE_MATRIX_CUT);
    pthread_mutex_unlock(&f->lock);
    return fault;
}

/* Sleep for FM_SLOW_MS, or less when the server stops. */
static void
fm_slow(struct fake_matrix *f)
{
    int64_t deadline = fm_mono_ms() + FM_SLOW_MS;

    pthread_mutex_lock(&f->lock);
    while (!f->stopping && fm_mono_ms() < deadline)
        fm_wait_until(f, deadline);
    pthread_mutex_unlock(&f->lock);
}

/* Routes, authenticates, parses and answers one complete request. */
static enum MHD_Result
fm_dispatch(struct fake_matrix *f, struct MHD_Connection *c, const char *url,
            const char *method, struct fm_req *rq, struct fm_call *call)
{
    const struct fm_route *route = NULL;
    char decoded[2048];
    const char *auth;
    json_t *out = NULL;
    enum fake_matrix_fault fault;
    unsigned status;
    int versions, u;

    if (fm_decode(url, strlen(url), 0, decoded, sizeof(decoded)) < 0)
        decoded[0] = '\0';
    versions = strcmp(method, "GET") == 0 &&
               strcmp(url, "/_matrix/client/versions") == 0;
    if (strncmp(url, FM_PREFIX, strlen(FM_PREFIX)) == 0 &&
        fm_split(url + strlen(FM_PREFIX), call) == 0) {
        for (size_t i = 0; i < sizeof(fm_routes) / sizeof(fm_routes[0]); i++)
            if (strcmp(method, fm_routes[i].method) == 0 &&
                fm_match(fm_routes[i].pattern, call)) {
                route = &fm_routes[i];
                break;
            }
    }
    if (route != NULL && route->fn == fm_h_sync) {
        pthread_mutex_lock(&f->lock);
        f->syncs++;
        pthread_mutex_unlock(&f->lock);
    }
    switch ((fault = fm_take_fault(f, url, decoded))) {
    case FAKE_MATRIX_500:
        return fm_reply_err(c, 500, "M_UNKNOWN", "Internal server error");
    case FAKE_MATRIX_SLOW:
        fm_slow(f);
        break;
    case FAKE_MATRIX_RESET:
        return MHD_NO; /* MHD drops the connection unanswered */
    case FAKE_MATRIX_LIMIT:
        return fm_reply(c, 429,
                        json_pack("{s:s,s:s,s:i}", "errcode",
                                  "M_LIMIT_EXCEEDED", "error",
                                  "Too Many Requests", "retry_after_ms", 300),
                        "1");
    default:
        break;
    }
    if (rq->too_big)
        return fm_reply_err(c, 413, "M_TOO_LARGE", "Request too large");
    if (versions)
        return fm_reply(c, 200,
                        json_pack("{s:[s,s,s,s],s:{}}", "versions", "r0.6.1",
                                  "v1.1", "v1.11", "v1.12",
                                  "unstable_features"),
                        NULL);
    if (route == NULL)
        return fm_reply_err(c, 404, "M_UNRECOGNIZED", "Unrecognized request");
    auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
        strlen(auth + 7) >= FM_ID_LEN)
        return fm_reply_err(c, 401, "M_UNKNOWN_TOKEN", "Unknown token");
    snprintf(call->token, sizeof(call->token), "%s", auth + 7);
    pthread_mutex_lock(&f->lock);
    for (u = 0; u < f->nusers; u++)
        if (strcmp(f->users[u].token, call->token) == 0)
            break;
    if (u < f->nusers)
        snprintf(call->uid, sizeof(call->uid), "%s", f->users[u].id);
    pthread_mutex_unlock(&f->lock);
    if (call->uid[0] == '\0')
        return fm_reply_err(c, 401, "M_UNKNOWN_TOKEN", "Unknown token");
    if (route->body != FM_BODY_NONE) {
        if (rq->len == 0 && route->body == FM_BODY_OPTIONAL)
            call->body = json_object();
        else if (rq->len > 0)
            call->body = json_loadb(rq->body, rq->len, 0, NULL);
        if (!json_is_object(call->body))
            return fm_reply_err(c, 400, "M_NOT_JSON", "Content not JSON.");
    }
    call->c = c;
    status = route->fn(f, call, &out);
    if (fault == FAKE_MATRIX_CUT) {
        char *text = out != NULL ? json_dumps(out, JSON_COMPACT) : NULL;
        size_t len = text != NULL ? strlen(text) / 2 : 0;
        struct MHD_Response *r;
        enum MHD_Result ret;

        json_decref(out);
        r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (r == NULL) {
            free(text);
            return MHD_NO;
        }
        MHD_add_response_header(r, "Content-Type", "application/json");
        ret = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    return fm_reply(c, status, out, NULL);
}

static enum MHD_Result
fm_handler(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **state)
{
    struct fake_matrix *f = cls;
    struct fm_req *rq = *state;
    struct fm_call *call;
    enum MHD_Result ret;

    (void)version;
    if (rq == NULL) {
        *state = fm_xcalloc(1, sizeof(*rq));
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!rq->too_big && rq->len + *upload_size > FM_MAX_BODY) {
            rq->too_big = 1;
            free(rq->body);
            rq->body = NULL;
            rq->len = 0;
        }
        if (!rq->too_big) {
            rq->body = fm_xrealloc(rq->body, rq->len + *upload_size + 1);
            memcpy(rq->body + rq->len, upload, *upload_size);
            rq->len += *upload_size;
            rq->body[rq->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    call = fm_xcalloc(1, sizeof(*call));
    ret = fm_dispatch(f, c, url, method, rq, call);
    json_decref(call->body);
    free(call);
    return ret;
}

static void
fm_done(void *cls, struct MHD_Connection *c, void **state,
        enum MHD_RequestTerminationCode code)
{
    struct fm_req *rq = *state;

    (void)cls;
    (void)c;
    (void)code;
    if (rq != NULL) {
        free(rq->body);
        free(rq);
    }
    *state = NULL;
}

/* ---- the test's API ----------------------------------------------------- */

struct fake_matrix *
fake_matrix_start(void)
{
    struct fake_matrix *f = fm_xcalloc(1, sizeof(*f));
    const union MHD_DaemonInfo *info;
    pthread_condattr_t attr;
    struct sockaddr_in sa;

    pthread_mutex_init(&f->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cond, &attr);
    pthread_condattr_destroy(&attr);
    f->txns = json_object();
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    f->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
        NULL, NULL, fm_handler, f, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_NOTIFY_COMPLETED, fm_done, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, fm_unescape_none, NULL, MHD_OPTION_END);
    if (f->d == NULL) {
        json_decref(f->txns);
        pthread_cond_destroy(&f->cond);
        pthread_mutex_destroy(&f->lock);
        free(f);
        return NULL;
    }
    info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info != NULL ? info->port : 0;
    return f;
}

void
fake_matrix_stop(struct fake_matrix *f)
{
    if (f == NULL)
        return;
    /* Wake the long-polls first: MHD_stop_daemon joins their threads. */
    pthread_mutex_lock(&f->lock);
    f->stopping = 1;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
    MHD_stop_daemon(f->d);
    for (int i = 0; i < f->nlog; i++) {
        json_decref(f->log[i].ev);
        free(f->log[i].type);
        free(f->log[i].txn);
    }
    free(f->log);
    for (int i = 0; i < f->nrooms; i++) {
        free(f->rooms[i]->members);
        free(f->rooms[i]->evs);
        free(f->rooms[i]);
    }
    free(f->rooms);
    for (int i = 0; i < f->nusers; i++)
        json_decref(f->users[i].account_data);
    free(f->users);
    json_decref(f->txns);
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

int
fake_matrix_port(const struct fake_matrix *f)
{
    return f->port;
}

void
fake_matrix_add_user(struct fake_matrix *f, const char *local,
                     const char *token)
{
    char id[FM_ID_LEN];
    int u;

    if (strlen(local) + sizeof(":" FM_SERVER) + 1 > sizeof(id) ||
        strlen(token) >= FM_ID_LEN) {
        fprintf(stderr, "fake-matrix: user or token too long\n");
        return;
    }
    snprintf(id, sizeof(id), "@%s:" FM_SERVER, local);
    pthread_mutex_lock(&f->lock);
    u = fm_user_by_id(f, id);
    if (u < 0 && f->nusers < FM_MAX_USERS) {
        FM_GROW(f->users, f->cusers, f->nusers + 1);
        u = f->nusers++;
        memset(&f->users[u], 0, sizeof(f->users[u]));
        snprintf(f->users[u].id, sizeof(f->users[u].id), "%s", id);
        f->users[u].account_data = json_object();
    }
    if (u >= 0)
        snprintf(f->users[u].token, sizeof(f->users[u].token), "%s", token);
    pthread_mutex_unlock(&f->lock);
}

int
fake_matrix_create_dm(struct fake_matrix *f, const char *from, const char *to,
                      int encrypted, char *out, size_t outsz)
{
    json_t *invite = json_pack("[s]", to);
    json_t *state =
        encrypted ? json_pack("[{s:s,s:s,s:{s:s}}]", "type",
                              "m.room.encryption", "state_key", "", "content",
                              "algorithm", "m.megolm.v1.aes-sha2")
                  : NULL;
    int r = -1;

    if (invite != NULL && strlen(from) < FM_ID_LEN && strlen(to) < FM_ID_LEN) {
        pthread_mutex_lock(&f->lock);
        r = fm_room_create(f, from, 1, "trusted_private_chat", invite, state);
        if (r >= 0)
            fm_copy_out(out, outsz, f->rooms[r]->id);
        pthread_mutex_unlock(&f->lock);
    }
    json_decref(invite);
    json_decref(state);
    return r >= 0 ? 0 : -1;
}

int
fake_matrix_join(struct fake_matrix *f, const char *user, const char *room_id)
{
    int r, rc = -1;

    pthread_mutex_lock(&f->lock);
    r = fm_room_by_id(f, room_id);
    if (r >= 0)
        rc = fm_room_join(f, r, user);
    pthread_mutex_unlock(&f->lock);
    return rc < 0 ? -1 : 0;
}

/* Send content (taken) as user into room_id; the event id into out. */
static int
fm_helper_send(struct fake_matrix *f, const char *user, const char *room_id,
               const char *type, json_t *content, char *out, size_t outsz)
{
    int r, idx = -1;

    if (content == NULL)
        return -1;
    pthread_mutex_lock(&f->lock);
    r = fm_room_by_id(f, room_id);
    if (r >= 0)
        idx = fm_room_send(f, r, user, type, content, NULL);
    else
        json_decref(content);
    if (idx >= 0)
        fm_copy_out(out, outsz, fm_str(f->log[idx].ev, "event_id"));
    pthread_mutex_unlock(&f->lock);
    return idx >= 0 ? 0 : -1;
}

int
fake_matrix_send_text(struct fake_matrix *f, const char *user,
                      const char *room_id, const char *text, char *out,
                      size_t outsz)
{
    return fm_helper_send(
        f, user, room_id, "m.room.message",
        json_pack("{s:s,s:s}", "msgtype", "m.text", "body", text), out, outsz);
}

int
fake_matrix_edit(struct fake_matrix *f, const char *user, const char *room_id,
                 const char *event_id, const char *text, char *out,
                 size_t outsz)
{
    size_t n = strlen(text) + 3;
    char *body = fm_xrealloc(NULL, n);
    json_t *content;

    snprintf(body, n, "* %s", text);
    content = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s}}", "msgtype",
                        "m.text", "body", body, "m.new_content", "msgtype",
                        "m.text", "body", text, "m.relates_to", "rel_type",
                        "m.replace", "event_id", event_id);
    free(body);
    return fm_helper_send(f, user, room_id, "m.room.message", content, out,
                          outsz);
}

int
fake_matrix_react(struct fake_matrix *f, const char *user, const char *room_id,
                  const char *event_id, const char *key, char *out,
                  size_t outsz)
{
    return fm_helper_send(f, user, room_id, "m.reaction",
                          json_pack("{s:{s:s,s:s,s:s}}", "m.relates_to",
                                    "rel_type", "m.annotation", "event_id",
                                    event_id, "key", key),
                          out, outsz);
}

int
fake_matrix_redact(struct fake_matrix *f, const char *user, const char *room_id,
                   const char *event_id)
{
    int r, idx = -1;

    pthread_mutex_lock(&f->lock);
    r = fm_room_by_id(f, room_id);
    if (r >= 0)
        idx = fm_room_redact(f, r, user, event_id, NULL, NULL);
    pthread_mutex_unlock(&f->lock);
    return idx >= 0 ? 0 : -1;
}

int
fake_matrix_invites(struct fake_matrix *f, const char *user, char **out,
                    int max)
{
    int n = 0;

    pthread_mutex_lock(&f->lock);
    for (int r = 0; r < f->nrooms; r++) {
        if (fm_membership(f->rooms[r], user) != FM_INVITE)
            continue;
        if (out == NULL) {
            n++;
            continue;
        }
        if (n >= max)
            break;
        out[n++] = f->rooms[r]->id; /* stable until fake_matrix_stop */
    }
    pthread_mutex_unlock(&f->lock);
    return n;
}

/* Does log entry e count as a live event of type by sender (NULL: any) in
 * room r? */
static int
fm_entry_is(const struct fm_entry *e, int r, const char *type,
            const char *sender)
{
    return e->kind == FM_ENTRY_ROOM && e->room == r && !e->redacted &&
           strcmp(fm_str(e->ev, "type"), type) == 0 &&
           (sender == NULL || strcmp(fm_str(e->ev, "sender"), sender) == 0);
}

int
fake_matrix_messages(struct fake_matrix *f, const char *room_id,
                     const char *sender, char **out, int max)
{
    int r, n = 0;

    pthread_mutex_lock(&f->lock);
    r = fm_room_by_id(f, room_id);
    for (int k = 0; r >= 0 && k < f->rooms[r]->nevs; k++) {
        struct fm_entry *e = &f->log[f->rooms[r]->evs[k]];
        const char *body;

        if (!fm_entry_is(e, r, "m.room.message", sender))
            continue;
        if (out == NULL) {
            n++;
            continue;
        }
        if (n >= max)
            break;
        body = fm_str(json_object_get(e->ev, "content"), "body");
        out[n++] = fm_xstrdup(body != NULL ? body : "");
    }
    pthread_mutex_unlock(&f->lock);
    return n;
}

int
fake_matrix_reactions(struct fake_matrix *f, const char *room_id,
                      const char *sender)
{
    int r, n = 0;

    pthread_mutex_lock(&f->lock);
    r = fm_room_by_id(f, room_id);
    for (int k = 0; r >= 0 && k < f->rooms[r]->nevs; k++)
        n += fm_entry_is(&f->log[f->rooms[r]->evs[k]], r, "m.reaction", sender);
    pthread_mutex_unlock(&f->lock);
    return n;
}

int
fake_matrix_send_requests(struct fake_matrix *f)
{
    int n;

    pthread_mutex_lock(&f->lock);
    n = f->send_requests;
    pthread_mutex_unlock(&f->lock);
    return n;
}

int
fake_matrix_send_events(struct fake_matrix *f)
{
    int n;

    pthread_mutex_lock(&f->lock);
    n = f->send_events;
    pthread_mutex_unlock(&f->lock);
    return n;
}

char *
fake_matrix_direct(struct fake_matrix *f, const char *user)
{
    char *text = NULL;
    json_t *v;
    int u;

    pthread_mutex_lock(&f->lock);
    u = fm_user_by_id(f, user);
    v = u >= 0 ? json_object_get(f->users[u].account_data, "m.direct") : NULL;
    if (v != NULL)
        text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    pthread_mutex_unlock(&f->lock);
    return text;
}

int
fake_matrix_syncs(struct fake_matrix *f)
{
    int n;

    pthread_mutex_lock(&f->lock);
    n = f->syncs;
    pthread_mutex_unlock(&f->lock);
    return n;
}

void
fake_matrix_fault(struct fake_matrix *f, enum fake_matrix_fault fault,
                  const char *path, int count)
{
    struct fm_fault *x = NULL;

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->nfaults && x == NULL; i++)
        if (f->faults[i].count > 0 && f->faults[i].fault == fault &&
            strcmp(f->faults[i].path, path != NULL ? path : "") == 0)
            x = &f->faults[i]; /* the same fault again: a new count */
    for (int i = 0; i < f->nfaults && x == NULL; i++)
        if (f->faults[i].count <= 0)
            x = &f->faults[i];
    if (x == NULL && f->nfaults < FM_MAX_FAULTS)
        x = &f->faults[f->nfaults++];
    if (x != NULL) {
        x->fault = fault;
        x->count = count;
        snprintf(x->path, sizeof(x->path), "%s", path != NULL ? path : "");
    }
    pthread_mutex_unlock(&f->lock);
}

int
fake_matrix_chaos(struct fake_matrix *f, int permille, unsigned seed)
{
    int hits;

    pthread_mutex_lock(&f->lock);
    hits = fake_chaos_set(&f->chaos, permille, seed);
    pthread_mutex_unlock(&f->lock);
    return hits;
}
