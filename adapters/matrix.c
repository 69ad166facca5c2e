/*
 * matrix.c - the Matrix adapter: leaders answer reflekt in a direct room on
 * any homeserver, through the Client-Server API over bot/http.c.
 *
 * Receiving is a /sync long-poll.  Each response is decoded by the pure
 * codec and handed to the engine as one batch together with its
 * next_batch token, which the engine commits in the same transaction as the
 * events: a crash replays at most one batch, and event ids make the replay
 * store nothing twice.  Only after that commit does the next /sync use the
 * new token (that is the acknowledgement).
 *
 * Sending uses PUT /send/m.room.message/{txnId} with the delivery id as the
 * txnId, so a resend after a crash is the same event.  A leader without a
 * direct room gets one: reflekt reuses a room recorded in its m.direct
 * account data, or creates a private, unencrypted one and records it.
 *
 * State machine: IDLE -> WHOAMI -> FILTER -> SYNCING (<-> BACKOFF);
 * STOPPED after a refused token or stop().
 */
#include "adapter.h"

#include "buf.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "lang.h"
#include "log.h"
#include "matrix-codec.h"
#include "msg.h"
#include "xmalloc.h"

#include <openssl/crypto.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MATRIX_SYNC_TIMEOUT_MS 30000
#define MATRIX_MAX_BACKOFF_MS 60000
#define MATRIX_KEY_SKIP "⏭"
#define MATRIX_KEY_SNOOZE "⏰"
#define MATRIX_CURSOR "next_batch"
#define MATRIX_MAX_NOTICED 256
#define MATRIX_MAX_SYNC ((size_t)64 << 20)
#define MATRIX_PAGE_LIMIT 100
#define MATRIX_MAX_PAGES 50 /* per room and sync: 5,000 events */

enum matrix_state {
    MATRIX_STATE_IDLE = 0,
    MATRIX_STATE_WHOAMI,
    MATRIX_STATE_FILTER,
    MATRIX_STATE_SYNCING,
    MATRIX_STATE_BACKOFF,
    MATRIX_STATE_STOPPED,
};

static const char *const matrix_state_names[] = {
    "IDLE", "WHOAMI", "FILTER", "SYNCING", "BACKOFF", "STOPPED"};

struct matrix {
    struct adapter *a;
    enum matrix_state state;
    char *base; /* homeserver URL without a trailing slash */
    char *auth; /* "Authorization: Bearer ..." (never logged) */
    char self[256];
    char filter[64];
    char since[512];
    int64_t backoff_ms;
    uv_timer_t retry;
    int retry_init;
    int stopping;
    int inflight; /* requests whose callbacks are still to come */
    uint64_t txn; /* counter for replies' transaction ids */
    /* Sends held until a sync token is known (the stored one, or else the
     * first sync's once stored): what a leader writes after seeing them
     * must come in an incremental sync, never in a first one, which is
     * history and not acted on. */
    struct matrix_send *parked;
    char *noticed[MATRIX_MAX_NOTICED]; /* rooms told "encrypted" */
    int nnoticed;
};

static void matrix_whoami(struct matrix *m);
static void matrix_sync(struct matrix *m);
static void matrix_encrypted(struct matrix *m, const char *room,
                             const char *user, const char *lang_code_);

static void
matrix_set_state(struct matrix *m, enum matrix_state s)
{
    if (m->state != s)
        log_debug("adapter=matrix msg=\"%s -> %s\"",
                  matrix_state_names[m->state], matrix_state_names[s]);
    m->state = s;
}

/* A 429's wait: Matrix's retry_after_ms in the body, if any. */
static int64_t
matrix_retry_after(long status, const char *body, size_t len)
{
    char code[64];

    (void)status;
    return matrix_codec_error(body, len, code, sizeof(code));
}

/*
 * One request to the homeserver.  path is already encoded; query may be
 * NULL.  Returns: 0 (cb will run), or < 0.
 */
static int
matrix_call(struct matrix *m, const char *method, const char *path,
            const char *query, const json_t *body, long timeout_ms,
            int attempts, http_done_cb *cb, void *arg)
{
    const char *headers[] = {m->auth, NULL};
    struct http_request r = {0};
    char *url = xasprintf("%s/_matrix/client/v3%s%s%s", m->base, path,
                          query != NULL ? "?" : "", query ? query : "");
    int rc;

    r.method = method;
    r.url = url;
    r.headers = headers;
    r.json = body;
    if (body == NULL && strcmp(method, "GET") != 0) {
        r.body = "{}";
        r.body_len = 2;
    }
    r.timeout_ms = timeout_ms;
    r.max_attempts = attempts;
    /* A sync after a long outage with many leaders can be large. */
    if (strcmp(path, "/sync") == 0) {
        r.max_response = MATRIX_MAX_SYNC;
        r.raw = 1; /* matrix_codec_sync parses it, once */
    }
    r.retry_after = matrix_retry_after;
    rc = http_request(m->a->http, &r, cb, arg);
    free(url);
    if (rc == 0)
        m->inflight++;
    return rc;
}

static int
matrix_failed(const struct http_response *res, const char *what)
{
    char code[64] = "";

    if (res->err == 0 && res->status >= 200 && res->status < 300)
        return 0;
    matrix_codec_error(res->body, res->body_len, code, sizeof(code));
    log_warn("adapter=matrix msg=\"%s failed\" status=%ld errcode=%s "
             "error=\"%s\"",
             what, res->status, code[0] ? code : "-",
             res->err ? err_str(res->err) : "http");
    return res->err ? res->err : ERR_PLATFORM;
}

static void
on_retry(uv_timer_t *t)
{
    struct matrix *m = t->data;

    if (m->stopping)
        return;
    if (m->self[0] == '\0' || m->filter[0] == '\0')
        matrix_whoami(m);
    else
        matrix_sync(m);
}

/* Wait, longer each time (up to a minute), then try again. */
static void
matrix_backoff(struct matrix *m)
{
    if (m->stopping)
        return;
    m->backoff_ms = m->backoff_ms ? m->backoff_ms * 2 : 1000;
    if (m->backoff_ms > MATRIX_MAX_BACKOFF_MS)
        m->backoff_ms = MATRIX_MAX_BACKOFF_MS;
    matrix_set_state(m, MATRIX_STATE_BACKOFF);
    uv_timer_start(&m->retry, on_retry, (uint64_t)m->backoff_ms, 0);
}

static int
matrix_done(struct matrix *m)
{
    m->inflight--;
    return m->stopping;
}

/* ---- sending ---------------------------------------------------------- */

enum matrix_send_step {
    MATRIX_SEND_DIRECT = 0, /* read m.direct for a room to reuse */
    MATRIX_SEND_CREATE,     /* create the direct room */
    MATRIX_SEND_RECORD,     /* write m.direct */
    MATRIX_SEND_MESSAGE,
    MATRIX_SEND_REACT_SKIP,
    MATRIX_SEND_REACT_SNOOZE,
};

struct matrix_send {
    struct matrix *m;
    enum matrix_send_step step;
    char *user, *room, *text, *txn, *event_id;
    json_t *direct; /* the m.direct content read, to extend */
    int buttons;
    int status;
    adapter_sent_cb *cb;
    void *arg;
    struct matrix_send *next; /* parked */
};

static void matrix_send_step(struct matrix_send *s);

static void
matrix_send_finish(struct matrix_send *s, int status)
{
    struct adapter *a = s->m->a;

    s->cb(a, status, status == 0 ? s->event_id : NULL, s->arg);
    json_decref(s->direct);
    free(s->user);
    free(s->room);
    free(s->text);
    free(s->txn);
    free(s->event_id);
    free(s);
}

static void
on_send(const struct http_response *res, void *arg)
{
    struct matrix_send *s = arg;
    struct matrix *m = s->m;
    const char *v;

    if (matrix_done(m)) {
        matrix_send_finish(s, ERR_CANCELED);
        return;
    }
    switch (s->step) {
    case MATRIX_SEND_DIRECT:
        /* 404: no m.direct yet.  Anything else unusable: create a room. */
        if (res->err == 0 && res->status == 200 && json_is_object(res->json)) {
            json_t *rooms = json_object_get(res->json, s->user);
            json_t *last = json_array_get(rooms, json_array_size(rooms) - 1);

            s->direct = json_incref(res->json);
            /* The newest room recorded for this leader is theirs. */
            if (json_is_array(rooms) && json_is_string(last)) {
                s->room = xstrdup(json_string_value(last));
                m->a->host.conversation_set(m->a, s->user, s->room,
                                            m->a->host.arg);
                s->step = MATRIX_SEND_MESSAGE;
                matrix_send_step(s);
                return;
            }
        } else if (res->err != 0 ||
                   (res->status != 404 && res->status >= 300)) {
            matrix_send_finish(s, matrix_failed(res, "reading m.direct"));
            return;
        }
        s->step = MATRIX_SEND_CREATE;
        break;
    case MATRIX_SEND_CREATE:
        v = json_string_value(json_object_get(res->json, "room_id"));
        if (matrix_failed(res, "creating a direct room") || v == NULL) {
            matrix_send_finish(s, ERR_PLATFORM);
            return;
        }
        s->room = xstrdup(v);
        log_info("adapter=matrix msg=\"direct room created\"");
        m->a->host.conversation_set(m->a, s->user, s->room, m->a->host.arg);
        s->step = MATRIX_SEND_RECORD;
        break;
    case MATRIX_SEND_RECORD:
        /* The room works without m.direct; only clients' lists need it. */
        matrix_failed(res, "recording m.direct");
        s->step = MATRIX_SEND_MESSAGE;
        break;
    case MATRIX_SEND_MESSAGE:
        v = json_string_value(json_object_get(res->json, "event_id"));
        if (matrix_failed(res, "sending a message") || v == NULL) {
            matrix_send_finish(s, res->err == ERR_RATELIMIT ? ERR_RATELIMIT
                                                            : ERR_PLATFORM);
            return;
        }
        s->event_id = xstrdup(v);
        if (!s->buttons) {
            matrix_send_finish(s, 0);
            return;
        }
        s->step = MATRIX_SEND_REACT_SKIP;
        break;
    case MATRIX_SEND_REACT_SKIP:
        matrix_failed(res, "adding the skip reaction");
        s->step = MATRIX_SEND_REACT_SNOOZE;
        break;
    case MATRIX_SEND_REACT_SNOOZE:
    default:
        matrix_failed(res, "adding the snooze reaction");
        matrix_send_finish(s, 0);
        return;
    }
    matrix_send_step(s);
}

static void
matrix_send_step(struct matrix_send *s)
{
    struct matrix *m = s->m;
    char self[768], room[768], path[2048], txn[256];
    json_t *body = NULL;
    const char *method = "PUT";
    int rc;

    matrix_codec_path(m->self, self, sizeof(self));
    if (s->room != NULL)
        matrix_codec_path(s->room, room, sizeof(room));
    switch (s->step) {
    case MATRIX_SEND_DIRECT:
        method = "GET";
        snprintf(path, sizeof(path), "/user/%s/account_data/m.direct", self);
        break;
    case MATRIX_SEND_CREATE:
        method = "POST";
        snprintf(path, sizeof(path), "/createRoom");
        body = matrix_codec_create_dm(s->user);
        break;
    case MATRIX_SEND_RECORD:
        snprintf(path, sizeof(path), "/user/%s/account_data/m.direct", self);
        body = matrix_codec_direct_add(s->direct, s->user, s->room);
        break;
    case MATRIX_SEND_MESSAGE:
        matrix_codec_path(s->txn, txn, sizeof(txn));
        snprintf(path, sizeof(path), "/rooms/%s/send/m.room.message/%s", room,
                 txn);
        body = matrix_codec_text(s->text);
        break;
    case MATRIX_SEND_REACT_SKIP:
    case MATRIX_SEND_REACT_SNOOZE:
    default: {
        int skip = s->step == MATRIX_SEND_REACT_SKIP;
        char t[300];

        snprintf(t, sizeof(t), "%s-%s", s->txn, skip ? "skip" : "snooze");
        matrix_codec_path(t, txn, sizeof(txn));
        snprintf(path, sizeof(path), "/rooms/%s/send/m.reaction/%s", room, txn);
        body = matrix_codec_reaction(s->event_id, skip ? MATRIX_KEY_SKIP
                                                       : MATRIX_KEY_SNOOZE);
        break;
    }
    }
    /* createRoom is not idempotent: never sent twice automatically. */
    rc = matrix_call(m, method, path, NULL, body, 0,
                     s->step == MATRIX_SEND_CREATE ? 1 : 0, on_send, s);
    json_decref(body);
    if (rc < 0)
        matrix_send_finish(s, rc);
}

static int
matrix_send(struct adapter *a, const struct adapter_msg *msg,
            adapter_sent_cb *cb, void *arg)
{
    struct matrix *m = a->priv;
    struct matrix_send *s;

    if (m->state == MATRIX_STATE_STOPPED || m->stopping)
        return ERR_PLATFORM;
    s = xcalloc(1, sizeof(*s));
    s->m = m;
    s->user = xstrdup(msg->user_id);
    s->text = xstrdup(msg->text);
    s->cb = cb;
    s->arg = arg;
    s->buttons = msg->button_skip != NULL && msg->delivery_id > 0;
    if (msg->idem_key != NULL)
        s->txn = xstrdup(msg->idem_key);
    else
        s->txn = xasprintf("r%" PRIu64 "-%" PRIu64, uv_hrtime(), ++m->txn);
    if (msg->conversation != NULL) {
        s->room = xstrdup(msg->conversation);
        s->step = MATRIX_SEND_MESSAGE;
    } else {
        s->step = MATRIX_SEND_DIRECT;
    }
    if (m->since[0] == '\0') {
        s->next = m->parked;
        m->parked = s;
        return 0;
    }
    matrix_send_step(s);
    return 0;
}

/* Once a sync token is known, send what waited for it, in order. */
static void
matrix_unpark(struct matrix *m)
{
    struct matrix_send *rev = NULL;

    if (m->since[0] == '\0')
        return;

    while (m->parked != NULL) {
        struct matrix_send *s = m->parked;

        m->parked = s->next;
        s->next = rev;
        rev = s;
    }
    while (rev != NULL) {
        struct matrix_send *s = rev;

        rev = s->next;
        s->next = NULL;
        matrix_send_step(s);
    }
}

/* ---- receiving -------------------------------------------------------- */

static void
on_sent_ignore(struct adapter *a, int status, const char *msg_id, void *arg)
{
    (void)a;
    (void)msg_id;
    (void)arg;
    if (status < 0)
        log_warn("adapter=matrix msg=\"notice not delivered\" error=%s",
                 err_name(status));
}

static void
on_simple(const struct http_response *res, void *arg)
{
    struct matrix *m = arg;

    if (matrix_done(m))
        return;
    matrix_failed(res, "room membership change");
}

/* Say once per room that reflekt cannot read encrypted messages. */
static void
matrix_encrypted(struct matrix *m, const char *room, const char *user,
                 const char *lang_code_)
{
    struct adapter_msg msg = {0};
    enum lang lang = LANG_NB;

    for (int i = 0; i < m->nnoticed; i++) {
        if (strcmp(m->noticed[i], room) == 0)
            return;
    }
    if (m->nnoticed < MATRIX_MAX_NOTICED)
        m->noticed[m->nnoticed++] = xstrdup(room);
    log_warn("adapter=matrix msg=\"a leader's room is encrypted; reflekt "
             "cannot read it and opens an unencrypted one\"");
    lang_parse(lang_code_, &lang);
    msg.user_id = user;
    msg.conversation = room;
    msg.text = msg_get(MSG_ENCRYPTED, lang);
    matrix_send(m->a, &msg, on_sent_ignore, NULL);
    /* Forget the encrypted room; the next question opens a clean one. */
    m->a->host.conversation_set(m->a, user, "", m->a->host.arg);
}

static void
matrix_invite(struct matrix *m, const struct matrix_invite *inv)
{
    char conv[256], lang[3] = "nb", room[768], path[1024];
    int enrolled;

    enrolled = m->a->host.leader_lookup(m->a, inv->inviter, conv, sizeof(conv),
                                        lang, m->a->host.arg);
    matrix_codec_path(inv->room_id, room, sizeof(room));
    if (enrolled <= 0) {
        /* Someone reflekt does not know: decline, store nothing. */
        log_info("adapter=matrix msg=\"invite from someone not enrolled "
                 "declined\"");
        snprintf(path, sizeof(path), "/rooms/%s/leave", room);
        matrix_call(m, "POST", path, NULL, NULL, 0, 0, on_simple, m);
        return;
    }
    snprintf(path, sizeof(path), "/join/%s", room);
    matrix_call(m, "POST", path, NULL, NULL, 0, 0, on_simple, m);
    if (inv->encrypted) {
        matrix_encrypted(m, inv->room_id, inv->inviter, lang);
        return;
    }
    log_info("adapter=matrix msg=\"invite from a leader accepted\"");
    m->a->host.conversation_set(m->a, inv->inviter, inv->room_id,
                                m->a->host.arg);
}

/* Turn one decoded event into an engine event (ids[] keeps its id). */
static int
matrix_event(struct matrix *m, const struct matrix_event *e,
             struct adapter_event *ev, char **id)
{
    if (e->kind == MATRIX_EV_ENCRYPTED) {
        char conv[256], lang[3] = "nb";

        if (m->a->host.leader_lookup(m->a, e->sender, conv, sizeof(conv), lang,
                                     m->a->host.arg) > 0)
            matrix_encrypted(m, e->room_id, e->sender, lang);
        return 0;
    }
    memset(ev, 0, sizeof(*ev));
    *id = xasprintf("matrix:%s", e->event_id);
    ev->event_id = *id;
    ev->user_id = e->sender;
    ev->conversation = e->room_id;
    ev->msg_id = e->event_id;
    switch (e->kind) {
    case MATRIX_EV_MESSAGE:
        ev->type = ADAPTER_EVENT_MESSAGE;
        ev->text = e->body;
        ev->text_len = e->body_len;
        break;
    case MATRIX_EV_EDIT:
        ev->type = ADAPTER_EVENT_EDIT;
        ev->text = e->body;
        ev->text_len = e->body_len;
        ev->target_msg_id = e->target;
        break;
    case MATRIX_EV_REDACTION:
        ev->type = ADAPTER_EVENT_DELETE;
        ev->target_msg_id = e->target;
        break;
    case MATRIX_EV_REACTION:
    default:
        ev->type = ADAPTER_EVENT_ACTION;
        ev->target_msg_id = e->target;
        if (strcmp(e->key, MATRIX_KEY_SKIP) == 0)
            ev->action = "skip";
        else if (strcmp(e->key, MATRIX_KEY_SNOOZE) == 0 ||
                 strcmp(e->key, "💤") == 0)
            ev->action = "snooze";
        else
            ev->action = "none";
        break;
    }
    return 1;
}

/*
 * A sync and the older pages fetched for its limited rooms (in fetch
 * order: per room, newest page first).
 */
struct matrix_batch {
    struct matrix *m;
    struct matrix_sync sync;
    struct matrix_sync *pages;
    size_t npages, size;
    size_t room;    /* the room being paged back */
    char from[512]; /* the page token to fetch next */
    int room_pages; /* pages fetched for that room */
};

static void
matrix_batch_free(struct matrix_batch *b)
{
    for (size_t i = 0; i < b->npages; i++)
        matrix_sync_release(&b->pages[i]);
    free(b->pages);
    matrix_sync_release(&b->sync);
    free(b);
}

/* Hand the batch to the engine with its next_batch; then sync again. */
static void
matrix_deliver(struct matrix_batch *b)
{
    struct matrix *m = b->m;
    size_t cap = b->sync.nevents, n = 0;
    struct adapter_event *evs;
    char **ids;
    int rc;

    for (size_t i = 0; i < b->npages; i++)
        cap += b->pages[i].nevents;
    evs = xcalloc(cap ? cap : 1, sizeof(*evs));
    ids = xcalloc(cap ? cap : 1, sizeof(*ids));
    /* Older pages first (fetch order reversed), then the sync's timeline. */
    for (size_t i = b->npages; i > 0; i--) {
        const struct matrix_sync *p = &b->pages[i - 1];

        for (size_t j = 0; j < p->nevents; j++)
            n += (size_t)matrix_event(m, &p->events[j], &evs[n], &ids[n]);
    }
    for (size_t j = 0; j < b->sync.nevents; j++)
        n += (size_t)matrix_event(m, &b->sync.events[j], &evs[n], &ids[n]);
    rc = m->a->host.on_events(m->a, evs, n, MATRIX_CURSOR, b->sync.next_batch,
                              m->a->host.arg);
    if (rc == 0) {
        xstrlcpy(m->since, b->sync.next_batch, sizeof(m->since));
        matrix_unpark(m);
    }
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    free(evs);
    matrix_batch_free(b);
    if (rc < 0) {
        /* Not committed: the same batch comes again from the old token. */
        matrix_backoff(m);
        return;
    }
    if (n > 0)
        log_debug("adapter=matrix msg=\"synced\" events=%zu", n);
    matrix_sync(m);
}

static void matrix_page(struct matrix_batch *b);

static void
on_page(const struct http_response *res, void *arg)
{
    struct matrix_batch *b = arg;
    struct matrix *m = b->m;
    struct matrix_sync page;
    char err[ERR_BUFSZ] = "";

    if (matrix_done(m)) {
        matrix_batch_free(b);
        return;
    }
    if (matrix_failed(res, "fetching skipped events") < 0 ||
        matrix_codec_messages(res->body, res->body_len,
                              b->sync.rooms[b->room].room_id, m->self, &page,
                              err) < 0) {
        /* Nothing committed: the whole sync is fetched again later. */
        matrix_batch_free(b);
        matrix_backoff(m);
        return;
    }
    if (b->npages == b->size) {
        b->size = b->size ? b->size * 2 : 4;
        b->pages = xrealloc(b->pages, b->size * sizeof(*b->pages));
    }
    b->pages[b->npages++] = page;
    b->room_pages++;
    if (page.next_batch != NULL && b->room_pages < MATRIX_MAX_PAGES) {
        xstrlcpy(b->from, page.next_batch, sizeof(b->from));
    } else {
        b->room++;
        b->room_pages = 0;
        b->from[0] = '\0';
    }
    matrix_page(b);
}

/*
 * A limited timeline skipped events (a long outage, a busy room): page
 * back from its prev_batch to the token this sync started from, so nothing
 * a leader wrote is missed.
 */
static void
matrix_page(struct matrix_batch *b)
{
    struct matrix *m = b->m;
    char room[768], path[1024], query[1700], from[800], to[800];

    while (b->from[0] == '\0' && b->room < b->sync.nrooms) {
        const struct matrix_room_flag *r = &b->sync.rooms[b->room];

        if (r->limited && r->prev_batch != NULL) {
            xstrlcpy(b->from, r->prev_batch, sizeof(b->from));
            log_info("adapter=matrix msg=\"a room skipped events; fetching "
                     "them\"");
            break;
        }
        b->room++;
    }
    if (b->room >= b->sync.nrooms) {
        matrix_deliver(b);
        return;
    }
    matrix_codec_path(b->sync.rooms[b->room].room_id, room, sizeof(room));
    matrix_codec_path(b->from, from, sizeof(from));
    matrix_codec_path(m->since, to, sizeof(to));
    snprintf(path, sizeof(path), "/rooms/%s/messages", room);
    snprintf(query, sizeof(query), "dir=b&limit=%d&from=%s&to=%s",
             MATRIX_PAGE_LIMIT, from, to);
    if (matrix_call(m, "GET", path, query, NULL, 0, 0, on_page, b) < 0) {
        matrix_batch_free(b);
        matrix_backoff(m);
    }
}

static void
on_sync(const struct http_response *res, void *arg)
{
    struct matrix *m = arg;
    struct matrix_batch *b;
    char err[ERR_BUFSZ] = "";
    int first;

    if (matrix_done(m))
        return;
    if (res->status == 401) {
        log_error("adapter=matrix msg=\"the homeserver no longer accepts "
                  "the access token; set a new REFLEKT_MATRIX_ACCESS_TOKEN "
                  "and restart\"");
        matrix_set_state(m, MATRIX_STATE_STOPPED);
        return;
    }
    if (matrix_failed(res, "sync") < 0) {
        matrix_backoff(m);
        return;
    }
    b = xcalloc(1, sizeof(*b));
    b->m = m;
    if (matrix_codec_sync(res->body, res->body_len, m->self, &b->sync, err) <
        0) {
        char esc[2 * ERR_BUFSZ];

        log_warn("adapter=matrix msg=\"sync response refused\" error=\"%s\"",
                 log_esc(err, esc, sizeof(esc)));
        matrix_batch_free(b);
        matrix_backoff(m);
        return;
    }
    m->backoff_ms = 0;
    first = m->since[0] == '\0';
    for (size_t i = 0; i < b->sync.ninvites; i++)
        matrix_invite(m, &b->sync.invites[i]);
    if (first) {
        /* The first sync is history: note where it ends, act on nothing. */
        b->sync.nevents = 0;
        b->sync.nrooms = 0;
    }
    matrix_page(b);
}

static void
matrix_sync(struct matrix *m)
{
    char query[1024], since[800];

    if (m->stopping)
        return;
    matrix_set_state(m, MATRIX_STATE_SYNCING);
    if (m->since[0] != '\0') {
        matrix_codec_path(m->since, since, sizeof(since));
        snprintf(query, sizeof(query),
                 "timeout=%d&filter=%s&set_presence=offline&since=%s",
                 MATRIX_SYNC_TIMEOUT_MS, m->filter, since);
    } else {
        snprintf(query, sizeof(query),
                 "timeout=0&filter=%s&set_presence=offline", m->filter);
    }
    if (matrix_call(m, "GET", "/sync", query, NULL,
                    MATRIX_SYNC_TIMEOUT_MS + 30000, 1, on_sync, m) < 0)
        matrix_backoff(m);
}

static void
on_filter(const struct http_response *res, void *arg)
{
    struct matrix *m = arg;
    const char *id;

    if (matrix_done(m))
        return;
    id = json_string_value(json_object_get(res->json, "filter_id"));
    if (matrix_failed(res, "uploading the sync filter") || id == NULL) {
        matrix_backoff(m);
        return;
    }
    matrix_codec_path(id, m->filter, sizeof(m->filter));
    m->a->host.cursor_get(m->a, MATRIX_CURSOR, m->since, sizeof(m->since),
                          m->a->host.arg);
    log_info("adapter=matrix msg=\"connected\" resumes=%s",
             m->since[0] ? "yes" : "no");
    matrix_unpark(m); /* held only until the stored token was read */
    adapter_up(m->a);
    matrix_sync(m);
}

static void
on_whoami(const struct http_response *res, void *arg)
{
    struct matrix *m = arg;
    const char *user;
    char self[768], path[1024], code[64] = "";
    json_t *filter;

    if (matrix_done(m))
        return;
    if (res->status == 401 || res->status == 403) {
        matrix_codec_error(res->body, res->body_len, code, sizeof(code));
        log_error("adapter=matrix msg=\"the homeserver refused the access "
                  "token (%s); check REFLEKT_MATRIX_ACCESS_TOKEN or "
                  "[matrix] access_token\"",
                  code[0] ? code : "no error code");
        matrix_set_state(m, MATRIX_STATE_STOPPED);
        return;
    }
    user = json_string_value(json_object_get(res->json, "user_id"));
    if (matrix_failed(res, "checking the access token (whoami)") ||
        user == NULL) {
        matrix_backoff(m);
        return;
    }
    xstrlcpy(m->self, user, sizeof(m->self));
    log_info("adapter=matrix msg=\"access token accepted\" user=%s", m->self);
    matrix_set_state(m, MATRIX_STATE_FILTER);
    matrix_codec_path(m->self, self, sizeof(self));
    snprintf(path, sizeof(path), "/user/%s/filter", self);
    filter = matrix_codec_filter();
    if (matrix_call(m, "POST", path, NULL, filter, 0, 0, on_filter, m) < 0)
        matrix_backoff(m);
    json_decref(filter);
}

static void
matrix_whoami(struct matrix *m)
{
    matrix_set_state(m, MATRIX_STATE_WHOAMI);
    if (matrix_call(m, "GET", "/account/whoami", NULL, NULL, 0, 0, on_whoami,
                    m) < 0)
        matrix_backoff(m);
}

/* ---- lifecycle -------------------------------------------------------- */

static int
matrix_init(struct adapter *a, const struct config *conf, char *err)
{
    struct matrix *m;
    size_t len;

    if (conf->matrix_homeserver == NULL) {
        err_set(err, "[matrix] homeserver (or REFLEKT_MATRIX_HOMESERVER) is "
                     "not set");
        return ERR_CONFIG;
    }
    if (conf->matrix_access_token == NULL ||
        conf->matrix_access_token[0] == '\0') {
        err_set(err, "[matrix] access_token (or "
                     "REFLEKT_MATRIX_ACCESS_TOKEN) is not set");
        return ERR_CONFIG;
    }
    m = xcalloc(1, sizeof(*m));
    m->a = a;
    m->base = xstrdup(conf->matrix_homeserver);
    len = strlen(m->base);
    while (len > 0 && m->base[len - 1] == '/')
        m->base[--len] = '\0';
    m->auth = xasprintf("Authorization: Bearer %s", conf->matrix_access_token);
    a->priv = m;
    return 0;
}

static int
matrix_start(struct adapter *a)
{
    struct matrix *m = a->priv;

    uv_timer_init(a->loop, &m->retry);
    m->retry.data = m;
    m->retry_init = 1;
    matrix_whoami(m);
    return 0;
}

static void
matrix_stop(struct adapter *a)
{
    struct matrix *m = a->priv;

    if (m == NULL || m->stopping)
        return;
    m->stopping = 1;
    matrix_set_state(m, MATRIX_STATE_STOPPED);
    while (m->parked != NULL) {
        struct matrix_send *s = m->parked;

        m->parked = s->next;
        matrix_send_finish(s, ERR_CANCELED);
    }
    if (m->retry_init)
        uv_close((uv_handle_t *)&m->retry, NULL);
}

static void
matrix_release(struct adapter *a)
{
    struct matrix *m = a->priv;

    if (m == NULL)
        return;
    for (int i = 0; i < m->nnoticed; i++)
        free(m->noticed[i]);
    /* Scrub the token before the memory goes back to the allocator. */
    OPENSSL_cleanse(m->auth, strlen(m->auth));
    free(m->auth);
    free(m->base);
    free(m);
    a->priv = NULL;
}

const struct adapter_ops matrix_adapter_ops = {
    .name = "matrix",
    .init = matrix_init,
    .start = matrix_start,
    .stop = matrix_stop,
    .release = matrix_release,
    .send = matrix_send,
};
