/*
 * test-fake-matrix.c - the loopback Matrix homeserver itself, driven with
 * blocking libcurl: tokens, rooms and invites, /sync with since and its
 * long-poll, transaction ids, account data, encrypted invites, edits and
 * reactions, faults, and a prompt stop under a pending long-poll.
 */
#include "t.h"

#include "fake-matrix.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define BOT "@bot:localhost"
#define LENA "@lena:localhost"
#define BOT_TOKEN "bot-token"
#define LENA_TOKEN "lena-token"
#define V3 "/_matrix/client/v3"

static struct fake_matrix *fm;
static int port;

struct reply {
    int curl_rc;
    long status;
    char *body;
    size_t len;
    char retry_after[32];
    json_t *json;
    int64_t ms; /* how long the request took */
};

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
    usleep((useconds_t)ms * 1000);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;

    r->body = realloc(r->body, r->len + size * n + 1);
    memcpy(r->body + r->len, p, size * n);
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;
    size_t len = size * n;

    if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        size_t i = 12, o = 0;

        while (i < len && p[i] == ' ')
            i++;
        while (i < len && p[i] != '\r' && p[i] != '\n' &&
               o + 1 < sizeof(r->retry_after))
            r->retry_after[o++] = p[i++];
        r->retry_after[o] = '\0';
    }
    return len;
}

/* One blocking request; body NULL sends none. */
static void
req(struct reply *r, const char *method, const char *path, const char *token,
    const char *body)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char url[2048], auth[300];
    int64_t t0 = mono_ms();

    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 40000L);
    if (token != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        hdrs = curl_slist_append(hdrs, auth);
    }
    if (body != NULL) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)strlen(body));
    }
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    r->curl_rc = (int)curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->body != NULL)
        r->json = json_loads(r->body, 0, NULL);
    r->ms = mono_ms() - t0;
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
}

static void
reply_free(struct reply *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

/* Percent-encode a path segment ("!r1:localhost" -> "%21r1%3Alocalhost"). */
static void
esc(const char *in, char *out, size_t outsz)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *in != '\0' && o + 4 < outsz; in++) {
        unsigned char c = (unsigned char)*in;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}

/* GET /sync as token; since NULL for an initial sync. */
static void
do_sync(struct reply *r, const char *token, const char *since, int timeout)
{
    char path[512];

    if (since != NULL)
        snprintf(path, sizeof(path),
                 V3 "/sync?since=%s&timeout=%d&filter=0&set_presence=offline",
                 since, timeout);
    else
        snprintf(path, sizeof(path), V3 "/sync?timeout=%d", timeout);
    req(r, "GET", path, token, NULL);
}

/* Walk objects by keys, NULL-terminated. */
static json_t *
jget(json_t *j, ...)
{
    va_list ap;
    const char *key;

    va_start(ap, j);
    while (j != NULL && (key = va_arg(ap, const char *)) != NULL)
        j = json_object_get(j, key);
    va_end(ap);
    return j;
}

static const char *
jstr(json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

static const char *
or_empty(const char *s)
{
    return s != NULL ? s : "";
}

/* The first event in events of type (and state_key, when not NULL). */
static json_t *
find_event(json_t *events, const char *type, const char *state_key)
{
    size_t i;
    json_t *ev;

    json_array_foreach(events, i, ev)
    {
        const char *t = jstr(ev, "type"), *sk = jstr(ev, "state_key");

        if (t != NULL && strcmp(t, type) == 0 &&
            (state_key == NULL || (sk != NULL && strcmp(sk, state_key) == 0)))
            return ev;
    }
    return NULL;
}

static json_t *
timeline(struct reply *r, const char *room)
{
    return jget(r->json, "rooms", "join", room, "timeline", "events", NULL);
}

static json_t *
invite_state(struct reply *r, const char *room)
{
    return jget(r->json, "rooms", "invite", room, "invite_state", "events",
                NULL);
}

static void
setup(void)
{
    fm = fake_matrix_start();
    T_CHECK(fm != NULL);
    port = fake_matrix_port(fm);
    fake_matrix_add_user(fm, "bot", BOT_TOKEN);
    fake_matrix_add_user(fm, "lena", LENA_TOKEN);
}

static void
teardown(void)
{
    fake_matrix_stop(fm);
    fm = NULL;
}

/* The bot's next_batch from an initial sync into nb. */
static void
initial_batch(const char *token, char *nb, size_t nbsz)
{
    struct reply r;

    do_sync(&r, token, NULL, 0);
    T_EQ_INT(r.status, 200);
    snprintf(nb, nbsz, "%s", or_empty(jstr(r.json, "next_batch")));
    T_EQ_INT(nb[0], 's');
    reply_free(&r);
}

/* The bot creates a DM inviting lena; the room id into room. */
static void
bot_creates_dm(char *room, size_t roomsz)
{
    struct reply r;

    req(&r, "POST", V3 "/createRoom", BOT_TOKEN,
        "{\"is_direct\":true,\"invite\":[\"" LENA "\"],"
        "\"preset\":\"trusted_private_chat\"}");
    T_EQ_INT(r.status, 200);
    snprintf(room, roomsz, "%s", or_empty(jstr(r.json, "room_id")));
    T_EQ_INT(room[0], '!');
    reply_free(&r);
}

T_TEST(test_whoami_and_tokens)
{
    struct reply r;

    setup();
    req(&r, "GET", V3 "/account/whoami", BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 200);
    T_EQ_STR(jstr(r.json, "user_id"), BOT);
    T_EQ_STR(jstr(r.json, "device_id"), "FAKEDEV");
    T_CHECK(json_is_false(json_object_get(r.json, "is_guest")));
    reply_free(&r);

    req(&r, "GET", V3 "/account/whoami", NULL, NULL);
    T_EQ_INT(r.status, 401);
    T_EQ_STR(jstr(r.json, "errcode"), "M_UNKNOWN_TOKEN");
    reply_free(&r);

    req(&r, "GET", V3 "/account/whoami", "nope", NULL);
    T_EQ_INT(r.status, 401);
    T_EQ_STR(jstr(r.json, "errcode"), "M_UNKNOWN_TOKEN");
    reply_free(&r);

    req(&r, "GET", V3 "/no/such/thing", BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 404);
    T_EQ_STR(jstr(r.json, "errcode"), "M_UNRECOGNIZED");
    reply_free(&r);

    req(&r, "POST", V3 "/user/%40bot%3Alocalhost/filter", BOT_TOKEN,
        "{\"room\":{\"timeline\":{\"limit\":50}}}");
    T_EQ_INT(r.status, 200);
    T_EQ_STR(jstr(r.json, "filter_id"), "0");
    reply_free(&r);
    teardown();
}

T_TEST(test_invite_join_and_message)
{
    char nb[32], room[64], eid[64], *inv[4], *bodies[4];
    struct reply r;
    json_t *ev, *events;
    int n;

    setup();
    initial_batch(BOT_TOKEN, nb, sizeof(nb));
    bot_creates_dm(room, sizeof(room));

    /* lena's initial sync shows the invite, is_direct, from the bot */
    do_sync(&r, LENA_TOKEN, NULL, 0);
    T_EQ_INT(r.status, 200);
    events = invite_state(&r, room);
    T_CHECK(find_event(events, "m.room.create", "") != NULL);
    T_CHECK(find_event(events, "m.room.join_rules", "") != NULL);
    T_CHECK(find_event(events, "m.room.encryption", NULL) == NULL);
    ev = find_event(events, "m.room.member", LENA);
    T_CHECK(ev != NULL);
    T_EQ_STR(jstr(ev, "sender"), BOT);
    T_EQ_STR(jstr(jget(ev, "content", NULL), "membership"), "invite");
    T_CHECK(json_is_true(jget(ev, "content", "is_direct", NULL)));
    T_CHECK(jget(r.json, "rooms", "join", NULL) == NULL);
    reply_free(&r);

    n = fake_matrix_invites(fm, LENA, inv, 4);
    T_EQ_INT(n, 1);
    if (n == 1)
        T_EQ_STR(inv[0], room);
    T_EQ_INT(fake_matrix_join(fm, LENA, "!nope:localhost"), -1);
    T_EQ_INT(fake_matrix_join(fm, LENA, room), 0);
    T_EQ_INT(fake_matrix_invites(fm, LENA, inv, 4), 0);
    T_EQ_INT(fake_matrix_send_text(fm, LENA, room, "hello", eid, sizeof(eid)),
             0);
    T_EQ_INT(eid[0], '$');

    /* the bot sees lena's join and message after its since */
    do_sync(&r, BOT_TOKEN, nb, 0);
    T_EQ_INT(r.status, 200);
    events = timeline(&r, room);
    T_CHECK(find_event(events, "m.room.member", LENA) != NULL);
    ev = find_event(events, "m.room.message", NULL);
    T_CHECK(ev != NULL);
    T_EQ_STR(jstr(ev, "sender"), LENA);
    T_EQ_STR(jstr(ev, "event_id"), eid);
    T_EQ_STR(jstr(jget(ev, "content", NULL), "body"), "hello");
    T_CHECK(json_is_integer(json_object_get(ev, "origin_server_ts")));
    T_CHECK(json_object_get(ev, "room_id") == NULL);
    T_CHECK(json_is_false(
        jget(r.json, "rooms", "join", room, "timeline", "limited", NULL)));
    /* the bot joined (created the room) after its since: the whole room */
    T_CHECK(find_event(events, "m.room.create", NULL) != NULL);
    T_CHECK(strcmp(jstr(r.json, "next_batch"), nb) != 0);
    snprintf(nb, sizeof(nb), "%s", jstr(r.json, "next_batch"));
    reply_free(&r);

    /* from then on, only what is new */
    T_EQ_INT(fake_matrix_send_text(fm, LENA, room, "again", NULL, 0), 0);
    do_sync(&r, BOT_TOKEN, nb, 0);
    events = timeline(&r, room);
    T_EQ_INT(json_array_size(events), 1);
    T_EQ_STR(jstr(jget(json_array_get(events, 0), "content", NULL), "body"),
             "again");
    snprintf(nb, sizeof(nb), "%s", jstr(r.json, "next_batch"));
    reply_free(&r);

    /* nothing new: same token, no rooms */
    do_sync(&r, BOT_TOKEN, nb, 0);
    T_EQ_INT(r.status, 200);
    T_EQ_STR(jstr(r.json, "next_batch"), nb);
    T_CHECK(json_object_get(r.json, "rooms") == NULL);
    reply_free(&r);

    /* replaying an old since returns the same events again */
    do_sync(&r, BOT_TOKEN, "s0", 0);
    T_CHECK(find_event(timeline(&r, room), "m.room.message", NULL) != NULL);
    reply_free(&r);

    n = fake_matrix_messages(fm, room, LENA, bodies, 4);
    T_EQ_INT(n, 2);
    if (n == 2) {
        T_EQ_STR(bodies[0], "hello");
        T_EQ_STR(bodies[1], "again");
    }
    for (int i = 0; i < n; i++)
        free(bodies[i]);
    T_EQ_INT(fake_matrix_messages(fm, room, BOT, bodies, 4), 0);
    teardown();
}

T_TEST(test_txn_idempotent)
{
    char nb[32], room[64], eroom[96], path[256], eid[64];
    char *bodies[4];
    struct reply r;
    json_t *ev;
    int n;

    setup();
    bot_creates_dm(room, sizeof(room));
    initial_batch(BOT_TOKEN, nb, sizeof(nb));
    esc(room, eroom, sizeof(eroom));
    snprintf(path, sizeof(path), V3 "/rooms/%s/send/m.room.message/q1-1",
             eroom);

    req(&r, "PUT", path, BOT_TOKEN,
        "{\"msgtype\":\"m.notice\",\"body\":\"A\"}");
    T_EQ_INT(r.status, 200);
    snprintf(eid, sizeof(eid), "%s", or_empty(jstr(r.json, "event_id")));
    T_EQ_INT(eid[0], '$');
    reply_free(&r);
    req(&r, "PUT", path, BOT_TOKEN,
        "{\"msgtype\":\"m.notice\",\"body\":\"B\"}");
    T_EQ_INT(r.status, 200);
    T_EQ_STR(jstr(r.json, "event_id"), eid);
    reply_free(&r);
    T_EQ_INT(fake_matrix_send_requests(fm), 2);
    T_EQ_INT(fake_matrix_send_events(fm), 1);
    n = fake_matrix_messages(fm, room, BOT, bodies, 4);
    T_EQ_INT(n, 1);
    if (n == 1) {
        T_EQ_STR(bodies[0], "A");
        free(bodies[0]);
    }

    /* own echo carries the transaction id */
    do_sync(&r, BOT_TOKEN, nb, 0);
    ev = find_event(timeline(&r, room), "m.room.message", NULL);
    T_CHECK(ev != NULL);
    T_EQ_STR(jstr(ev, "event_id"), eid);
    T_EQ_STR(jstr(jget(ev, "unsigned", NULL), "transaction_id"), "q1-1");
    reply_free(&r);

    /* lena is only invited: refused; bad JSON refused */
    snprintf(path, sizeof(path), V3 "/rooms/%s/send/m.room.message/l1", eroom);
    req(&r, "PUT", path, LENA_TOKEN, "{\"msgtype\":\"m.text\",\"body\":\"x\"}");
    T_EQ_INT(r.status, 403);
    T_EQ_STR(jstr(r.json, "errcode"), "M_FORBIDDEN");
    reply_free(&r);
    snprintf(path, sizeof(path), V3 "/rooms/%s/send/m.room.message/q1-2",
             eroom);
    req(&r, "PUT", path, BOT_TOKEN, "{\"msgtype\":");
    T_EQ_INT(r.status, 400);
    T_EQ_STR(jstr(r.json, "errcode"), "M_NOT_JSON");
    reply_free(&r);
    req(&r, "PUT", path, BOT_TOKEN,
        "{\"msgtype\":\"m.notice\",\"body\":\"C\"}");
    T_EQ_INT(r.status, 200);
    T_CHECK(strcmp(or_empty(jstr(r.json, "event_id")), eid) != 0);
    reply_free(&r);
    T_EQ_INT(fake_matrix_send_events(fm), 2);
    T_EQ_INT(fake_matrix_send_requests(fm), 3);
    teardown();
}

struct later {
    char room[64];
    int64_t sent_at;
};

static void *
send_later(void *arg)
{
    struct later *l = arg;

    sleep_ms(300);
    l->sent_at = mono_ms();
    fake_matrix_send_text(fm, LENA, l->room, "ping", NULL, 0);
    return NULL;
}

T_TEST(test_long_poll)
{
    char nb[32];
    struct later l;
    struct reply r;
    pthread_t th;
    json_t *ev;
    int64_t done;

    setup();
    bot_creates_dm(l.room, sizeof(l.room));
    T_EQ_INT(fake_matrix_join(fm, LENA, l.room), 0);
    initial_batch(BOT_TOKEN, nb, sizeof(nb));

    do_sync(&r, BOT_TOKEN, nb, 1000);
    T_EQ_INT(r.status, 200);
    T_CHECK(r.ms >= 950 && r.ms < 2500);
    T_EQ_STR(jstr(r.json, "next_batch"), nb);
    T_CHECK(json_object_get(r.json, "rooms") == NULL);
    reply_free(&r);

    pthread_create(&th, NULL, send_later, &l);
    do_sync(&r, BOT_TOKEN, nb, 10000);
    done = mono_ms();
    pthread_join(th, NULL);
    T_EQ_INT(r.status, 200);
    T_CHECK(done - l.sent_at < 500);
    ev = find_event(timeline(&r, l.room), "m.room.message", NULL);
    T_CHECK(ev != NULL);
    T_EQ_STR(jstr(jget(ev, "content", NULL), "body"), "ping");
    reply_free(&r);
    T_EQ_INT(fake_matrix_syncs(fm), 3);
    teardown();
}

T_TEST(test_account_data)
{
    char nb[32], *direct;
    struct reply r;
    json_t *events, *ev;
    const char *path = V3 "/user/%40bot%3Alocalhost/account_data/m.direct";

    setup();
    initial_batch(BOT_TOKEN, nb, sizeof(nb));
    req(&r, "GET", path, BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 404);
    T_EQ_STR(jstr(r.json, "errcode"), "M_NOT_FOUND");
    reply_free(&r);
    T_CHECK(fake_matrix_direct(fm, BOT) == NULL);

    req(&r, "PUT", path, BOT_TOKEN, "{\"" LENA "\":[\"!r1:localhost\"]}");
    T_EQ_INT(r.status, 200);
    reply_free(&r);
    req(&r, "GET", path, BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 200);
    T_EQ_STR(json_string_value(json_array_get(jget(r.json, LENA, NULL), 0)),
             "!r1:localhost");
    reply_free(&r);
    direct = fake_matrix_direct(fm, BOT);
    T_EQ_STR(direct, "{\"@lena:localhost\":[\"!r1:localhost\"]}");
    free(direct);

    do_sync(&r, BOT_TOKEN, nb, 0);
    events = jget(r.json, "account_data", "events", NULL);
    T_EQ_INT(json_array_size(events), 1);
    ev = json_array_get(events, 0);
    T_EQ_STR(jstr(ev, "type"), "m.direct");
    T_CHECK(jget(ev, "content", LENA, NULL) != NULL);
    reply_free(&r);

    /* another user's account data is not ours to write or see */
    req(&r, "PUT", path, LENA_TOKEN, "{}");
    T_EQ_INT(r.status, 403);
    reply_free(&r);
    do_sync(&r, LENA_TOKEN, NULL, 0);
    T_CHECK(json_object_get(r.json, "account_data") == NULL);
    reply_free(&r);
    teardown();
}

T_TEST(test_encrypted_dm_invite)
{
    char nb[32], room[64], plain[64], other[64], eroom[96], path[256];
    struct reply r;
    json_t *events, *ev;

    setup();
    initial_batch(BOT_TOKEN, nb, sizeof(nb));
    T_EQ_INT(fake_matrix_create_dm(fm, LENA, BOT, 1, room, sizeof(room)), 0);
    T_EQ_INT(fake_matrix_create_dm(fm, LENA, BOT, 0, plain, sizeof(plain)), 0);
    T_EQ_INT(fake_matrix_create_dm(fm, LENA, "@other:localhost", 0, other,
                                   sizeof(other)),
             0);

    do_sync(&r, BOT_TOKEN, nb, 0);
    T_EQ_INT(r.status, 200);
    events = invite_state(&r, room);
    ev = find_event(events, "m.room.encryption", "");
    T_CHECK(ev != NULL);
    T_EQ_STR(jstr(jget(ev, "content", NULL), "algorithm"),
             "m.megolm.v1.aes-sha2");
    T_CHECK(find_event(events, "m.room.create", "") != NULL);
    ev = find_event(events, "m.room.member", BOT);
    T_CHECK(ev != NULL);
    T_EQ_STR(jstr(ev, "sender"), LENA);
    T_CHECK(json_is_true(jget(ev, "content", "is_direct", NULL)));
    T_CHECK(find_event(invite_state(&r, plain), "m.room.encryption", NULL) ==
            NULL);
    T_CHECK(find_event(invite_state(&r, plain), "m.room.member", BOT) != NULL);
    T_CHECK(jget(r.json, "rooms", "invite", other, NULL) == NULL);
    snprintf(nb, sizeof(nb), "%s", jstr(r.json, "next_batch"));
    reply_free(&r);

    /* lena writes before the bot joins; the join brings the room's timeline */
    T_EQ_INT(fake_matrix_send_text(fm, LENA, room, "early", NULL, 0), 0);
    esc(room, eroom, sizeof(eroom));
    snprintf(path, sizeof(path), V3 "/join/%s", eroom);
    req(&r, "POST", path, BOT_TOKEN, "{}");
    T_EQ_INT(r.status, 200);
    T_EQ_STR(jstr(r.json, "room_id"), room);
    reply_free(&r);
    do_sync(&r, BOT_TOKEN, nb, 0);
    events = timeline(&r, room);
    T_CHECK(find_event(events, "m.room.encryption", "") != NULL);
    T_CHECK(find_event(events, "m.room.member", BOT) != NULL);
    T_CHECK(find_event(events, "m.room.message", NULL) != NULL);
    reply_free(&r);

    /* not invited: refused */
    esc(other, eroom, sizeof(eroom));
    snprintf(path, sizeof(path), V3 "/join/%s", eroom);
    req(&r, "POST", path, BOT_TOKEN, "{}");
    T_EQ_INT(r.status, 403);
    T_EQ_STR(jstr(r.json, "errcode"), "M_FORBIDDEN");
    reply_free(&r);

    /* declining: leave */
    esc(plain, eroom, sizeof(eroom));
    snprintf(path, sizeof(path), V3 "/rooms/%s/leave", eroom);
    req(&r, "POST", path, BOT_TOKEN, "{}");
    T_EQ_INT(r.status, 200);
    reply_free(&r);
    T_EQ_INT(fake_matrix_invites(fm, BOT, NULL, 0), 0);
    teardown();
}

T_TEST(test_edit_react_redact)
{
    char nb[32], room[64], q[64], edit[64], rx[64], eroom[96], path[256];
    char *bodies[4];
    struct reply r;
    json_t *events, *ev;
    int n;

    setup();
    bot_creates_dm(room, sizeof(room));
    T_EQ_INT(fake_matrix_join(fm, LENA, room), 0);
    T_EQ_INT(fake_matrix_send_text(fm, BOT, room, "question", q, sizeof(q)), 0);
    initial_batch(BOT_TOKEN, nb, sizeof(nb));

    T_EQ_INT(fake_matrix_react(fm, LENA, room, q, "\u23ed", rx, sizeof(rx)), 0);
    T_EQ_INT(fake_matrix_reactions(fm, room, LENA), 1);
    T_EQ_INT(fake_matrix_edit(fm, LENA, room, q, "better", edit, sizeof(edit)),
             0);
    T_EQ_INT(fake_matrix_redact(fm, LENA, room, rx), 0);
    T_EQ_INT(fake_matrix_reactions(fm, room, LENA), 0);
    T_EQ_INT(fake_matrix_redact(fm, "@nobody:localhost", room, rx), -1);

    do_sync(&r, BOT_TOKEN, nb, 0);
    events = timeline(&r, room);
    ev = find_event(events, "m.reaction", NULL);
    T_CHECK(ev != NULL);
    ev = find_event(events, "m.room.message", NULL);
    T_CHECK(ev != NULL);
    T_EQ_STR(jstr(jget(ev, "content", NULL), "body"), "* better");
    T_EQ_STR(jstr(jget(ev, "content", "m.new_content", NULL), "body"),
             "better");
    T_EQ_STR(jstr(jget(ev, "content", "m.relates_to", NULL), "rel_type"),
             "m.replace");
    T_EQ_STR(jstr(jget(ev, "content", "m.relates_to", NULL), "event_id"), q);
    ev = find_event(events, "m.room.redaction", NULL);
    T_CHECK(ev != NULL);
    T_EQ_STR(jstr(ev, "redacts"), rx);
    T_EQ_STR(jstr(jget(ev, "content", NULL), "redacts"), rx);
    reply_free(&r);

    /* the bot seeds a reaction button over HTTP, then redacts it */
    esc(room, eroom, sizeof(eroom));
    snprintf(path, sizeof(path), V3 "/rooms/%s/send/m.reaction/b1", eroom);
    req(&r, "PUT", path, BOT_TOKEN,
        "{\"m.relates_to\":{\"rel_type\":\"m.annotation\",\"event_id\":\"$e1\","
        "\"key\":\"x\"}}");
    T_EQ_INT(r.status, 200);
    snprintf(rx, sizeof(rx), "%s", or_empty(jstr(r.json, "event_id")));
    reply_free(&r);
    T_EQ_INT(fake_matrix_reactions(fm, room, BOT), 1);
    esc(rx, q, sizeof(q));
    snprintf(path, sizeof(path), V3 "/rooms/%s/redact/%s/d1", eroom, q);
    req(&r, "PUT", path, BOT_TOKEN, "{}");
    T_EQ_INT(r.status, 200);
    T_CHECK(jstr(r.json, "event_id") != NULL);
    reply_free(&r);
    T_EQ_INT(fake_matrix_reactions(fm, room, BOT), 0);

    n = fake_matrix_messages(fm, room, NULL, bodies, 4);
    T_EQ_INT(n, 2);
    for (int i = 0; i < n; i++)
        free(bodies[i]);
    teardown();
}

T_TEST(test_initial_sync_is_limited)
{
    char room[64], text[16];
    struct reply r;
    json_t *events, *state;

    setup();
    bot_creates_dm(room, sizeof(room));
    T_EQ_INT(fake_matrix_join(fm, LENA, room), 0);
    for (int i = 0; i < 60; i++) {
        snprintf(text, sizeof(text), "m%d", i);
        T_EQ_INT(fake_matrix_send_text(fm, LENA, room, text, NULL, 0), 0);
    }
    do_sync(&r, BOT_TOKEN, NULL, 0);
    events = timeline(&r, room);
    T_EQ_INT(json_array_size(events), 50);
    T_EQ_STR(jstr(jget(json_array_get(events, 49), "content", NULL), "body"),
             "m59");
    T_CHECK(json_is_true(
        jget(r.json, "rooms", "join", room, "timeline", "limited", NULL)));
    state = jget(r.json, "rooms", "join", room, "state", "events", NULL);
    T_CHECK(find_event(state, "m.room.create", "") != NULL);
    T_CHECK(find_event(state, "m.room.member", LENA) != NULL);
    T_EQ_STR(
        jstr(jget(find_event(state, "m.room.member", LENA), "content", NULL),
             "membership"),
        "join");
    T_CHECK(find_event(state, "m.room.message", NULL) == NULL);
    reply_free(&r);
    teardown();
}

T_TEST(test_faults)
{
    const char *path = V3 "/account/whoami";
    struct reply r;
    char *big;

    setup();
    fake_matrix_fault(fm, FAKE_MATRIX_500, "/account/whoami", 1);
    req(&r, "GET", path, BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 500);
    T_EQ_STR(jstr(r.json, "errcode"), "M_UNKNOWN");
    reply_free(&r);
    req(&r, "GET", path, BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 200);
    reply_free(&r);

    fake_matrix_fault(fm, FAKE_MATRIX_LIMIT, "whoami", 1);
    req(&r, "GET", path, BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 429);
    T_EQ_STR(r.retry_after, "1");
    T_EQ_STR(jstr(r.json, "errcode"), "M_LIMIT_EXCEEDED");
    T_EQ_INT(json_integer_value(json_object_get(r.json, "retry_after_ms")),
             300);
    reply_free(&r);
    req(&r, "GET", path, BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 200);
    reply_free(&r);

    fake_matrix_fault(fm, FAKE_MATRIX_RESET, "whoami", 1);
    req(&r, "GET", path, BOT_TOKEN, NULL);
    T_CHECK(r.curl_rc != 0);
    reply_free(&r);

    fake_matrix_fault(fm, FAKE_MATRIX_SLOW, "whoami", 1);
    req(&r, "GET", path, BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 200);
    T_CHECK(r.ms >= 1900);
    reply_free(&r);
    req(&r, "GET", path, BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 200);
    T_CHECK(r.ms < 1000);
    reply_free(&r);

    /* a fault on another path leaves this one alone */
    fake_matrix_fault(fm, FAKE_MATRIX_500, "/sync", 1);
    req(&r, "GET", path, BOT_TOKEN, NULL);
    T_EQ_INT(r.status, 200);
    reply_free(&r);

    big = malloc(1100 * 1024 + 16);
    memset(big, ' ', 1100 * 1024);
    memcpy(big + 1100 * 1024, "{}", 3);
    req(&r, "POST", V3 "/createRoom", BOT_TOKEN, big);
    T_EQ_INT(r.status, 413);
    reply_free(&r);
    free(big);
    teardown();
}

struct poller {
    char nb[32];
    struct reply r;
};

static void *
poll_main(void *arg)
{
    struct poller *p = arg;

    do_sync(&p->r, BOT_TOKEN, p->nb, 30000);
    return NULL;
}

T_TEST(test_stop_wakes_long_poll)
{
    struct poller p;
    pthread_t th;
    int64_t t0;

    setup();
    initial_batch(BOT_TOKEN, p.nb, sizeof(p.nb));
    pthread_create(&th, NULL, poll_main, &p);
    sleep_ms(300);
    T_EQ_INT(fake_matrix_syncs(fm), 2);
    t0 = mono_ms();
    teardown();
    T_CHECK(mono_ms() - t0 < 1000);
    pthread_join(th, NULL);
    T_CHECK(p.r.ms < 2000);
    reply_free(&p.r);
}

int
main(void)
{
    static const struct t_case cases[] = {
        T_CASE(test_whoami_and_tokens),
        T_CASE(test_invite_join_and_message),
        T_CASE(test_txn_idempotent),
        T_CASE(test_long_poll),
        T_CASE(test_account_data),
        T_CASE(test_encrypted_dm_invite),
        T_CASE(test_edit_react_redact),
        T_CASE(test_initial_sync_is_limited),
        T_CASE(test_faults),
        T_CASE(test_stop_wakes_long_poll),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = t_run(__FILE__, cases, sizeof(cases) / sizeof(cases[0]));
    curl_global_cleanup();
    return rc;
}
