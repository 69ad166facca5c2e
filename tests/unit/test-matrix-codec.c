/*
 * test-matrix-codec.c - unit tests for adapters/matrix-codec.c.
 *
 * The fixtures are /sync bodies shaped like what Synapse 1.160 returns
 * (PLATFORMS.md 3.2-3.6): the decoder must hand the engine exactly the
 * events a person wrote, never the bot's own echoes or another bot's
 * notices, and must not fail a whole sync over one odd event, because a
 * failed sync is retried with the same token for ever.  The encoders are
 * checked against the exact JSON the homeserver receives.
 */
#include "matrix-codec.h"

#include "err.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

#define SELF "@reflekt:localhost"

/* A DM with alice, an encrypted room, a room that turns encryption on in
 * its timeline, two invites, and m.direct. */
static const char sync_full[] =
    "{\"next_batch\":\"s72595_4483_1934\","
    "\"account_data\":{\"events\":["
    "{\"type\":\"m.push_rules\",\"content\":{\"global\":{}}},"
    "{\"type\":\"m.direct\",\"content\":"
    "{\"@alice:localhost\":[\"!dm:localhost\"]}}]},"
    "\"presence\":{\"events\":[]},"
    "\"to_device\":{\"events\":[]},"
    "\"device_lists\":{\"changed\":[],\"left\":[]},"
    "\"device_one_time_keys_count\":{\"signed_curve25519\":0},"
    "\"rooms\":{"
    "\"join\":{"
    "\"!dm:localhost\":{"
    "\"summary\":{\"m.joined_member_count\":2},"
    "\"state\":{\"events\":[]},"
    "\"timeline\":{\"events\":["
    /* 0: alice answers */
    "{\"type\":\"m.room.message\",\"sender\":\"@alice:localhost\","
    "\"event_id\":\"$m1\",\"origin_server_ts\":1700000000123,"
    "\"content\":{\"msgtype\":\"m.text\",\"body\":\"I listened more\","
    "\"m.relates_to\":{\"m.in_reply_to\":{\"event_id\":\"$q1\"}}},"
    "\"unsigned\":{\"age\":1234}},"
    /* another bot's notice: ignored */
    "{\"type\":\"m.room.message\",\"sender\":\"@otherbot:localhost\","
    "\"event_id\":\"$n1\",\"origin_server_ts\":1700000000200,"
    "\"content\":{\"msgtype\":\"m.notice\",\"body\":\"Reminder!\"}},"
    /* the bot's own echo: skipped */
    "{\"type\":\"m.room.message\",\"sender\":\"" SELF "\","
    "\"event_id\":\"$own\",\"origin_server_ts\":1700000000300,"
    "\"content\":{\"msgtype\":\"m.notice\",\"body\":\"How was your day?\"},"
    "\"unsigned\":{\"age\":10,\"transaction_id\":\"q1-1\"}},"
    /* 1: alice edits her answer */
    "{\"type\":\"m.room.message\",\"sender\":\"@alice:localhost\","
    "\"event_id\":\"$e1\",\"origin_server_ts\":1700000000400,"
    "\"content\":{\"msgtype\":\"m.text\",\"body\":\"* I listened much more\","
    "\"m.new_content\":{\"msgtype\":\"m.text\","
    "\"body\":\"I listened much more\"},"
    "\"m.relates_to\":{\"rel_type\":\"m.replace\",\"event_id\":\"$m1\"}}},"
    /* 2: a reaction on the question */
    "{\"type\":\"m.reaction\",\"sender\":\"@alice:localhost\","
    "\"event_id\":\"$r1\",\"origin_server_ts\":1700000000500,"
    "\"content\":{\"m.relates_to\":{\"rel_type\":\"m.annotation\","
    "\"event_id\":\"$q1\",\"key\":\"\xe2\x8f\xad\"}}},"
    /* 3: room v11 redaction of it */
    "{\"type\":\"m.room.redaction\",\"sender\":\"@alice:localhost\","
    "\"event_id\":\"$x1\",\"origin_server_ts\":1700000000600,"
    "\"content\":{\"redacts\":\"$r1\"}},"
    /* 4: an older room's redaction with a top-level redacts */
    "{\"type\":\"m.room.redaction\",\"sender\":\"@alice:localhost\","
    "\"event_id\":\"$x2\",\"origin_server_ts\":1700000000700,"
    "\"redacts\":\"$r0\",\"content\":{\"reason\":\"oops\"}},"
    /* 5: an emote */
    "{\"type\":\"m.room.message\",\"sender\":\"@alice:localhost\","
    "\"event_id\":\"$m2\",\"origin_server_ts\":1700000000800,"
    "\"content\":{\"msgtype\":\"m.emote\",\"body\":\"waves\"}}"
    "],\"limited\":false,\"prev_batch\":\"t34-72590_4483_1934\"},"
    "\"ephemeral\":{\"events\":[]},"
    "\"account_data\":{\"events\":[]},"
    "\"unread_notifications\":{\"notification_count\":1,"
    "\"highlight_count\":0}},"
    "\"!enc:localhost\":{"
    "\"state\":{\"events\":["
    "{\"type\":\"m.room.encryption\",\"state_key\":\"\","
    "\"sender\":\"@bob:localhost\",\"event_id\":\"$enc\","
    "\"origin_server_ts\":1699999999000,"
    "\"content\":{\"algorithm\":\"m.megolm.v1.aes-sha2\"}}]},"
    "\"timeline\":{\"events\":["
    /* 6: an encrypted message */
    "{\"type\":\"m.room.encrypted\",\"sender\":\"@bob:localhost\","
    "\"event_id\":\"$c1\",\"origin_server_ts\":1700000000900,"
    "\"content\":{\"algorithm\":\"m.megolm.v1.aes-sha2\","
    "\"ciphertext\":\"AwgAEnAC\",\"device_id\":\"BOBDEV\","
    "\"sender_key\":\"Szq0\",\"session_id\":\"X3Lc\"}}"
    "],\"limited\":true,\"prev_batch\":\"t9-72000_4483_1934\"}},"
    "\"!late:localhost\":{"
    "\"timeline\":{\"events\":["
    "{\"type\":\"m.room.encryption\",\"state_key\":\"\","
    "\"sender\":\"" SELF "\",\"event_id\":\"$enc2\","
    "\"origin_server_ts\":1700000001000,"
    "\"content\":{\"algorithm\":\"m.megolm.v1.aes-sha2\"}}"
    "],\"limited\":false}}"
    "},"
    "\"invite\":{"
    "\"!inv:localhost\":{\"invite_state\":{\"events\":["
    "{\"type\":\"m.room.create\",\"state_key\":\"\","
    "\"sender\":\"@carol:localhost\","
    "\"content\":{\"room_version\":\"11\"}},"
    "{\"type\":\"m.room.join_rules\",\"state_key\":\"\","
    "\"sender\":\"@carol:localhost\",\"content\":{\"join_rule\":\"invite\"}},"
    "{\"type\":\"m.room.encryption\",\"state_key\":\"\","
    "\"sender\":\"@carol:localhost\","
    "\"content\":{\"algorithm\":\"m.megolm.v1.aes-sha2\"}},"
    "{\"type\":\"m.room.member\",\"state_key\":\"@carol:localhost\","
    "\"sender\":\"@carol:localhost\",\"content\":{\"membership\":\"join\"}},"
    "{\"type\":\"m.room.member\",\"state_key\":\"" SELF "\","
    "\"sender\":\"@carol:localhost\","
    "\"content\":{\"membership\":\"invite\",\"is_direct\":true}}]}},"
    "\"!noself:localhost\":{\"invite_state\":{\"events\":["
    "{\"type\":\"m.room.create\",\"state_key\":\"\","
    "\"sender\":\"@dave:localhost\","
    "\"content\":{\"room_version\":\"11\"}},"
    "{\"type\":\"m.room.member\",\"state_key\":\"@erin:localhost\","
    "\"sender\":\"@dave:localhost\","
    "\"content\":{\"membership\":\"invite\",\"is_direct\":true}}]}},"
    "\"!plain:localhost\":{\"invite_state\":{\"events\":["
    "{\"type\":\"m.room.member\",\"state_key\":\"" SELF "\","
    "\"sender\":\"@frank:localhost\","
    "\"content\":{\"membership\":\"invite\"}}]}}"
    "},"
    "\"leave\":{}}}";

/* What a long-poll returns when nothing happened. */
static const char sync_empty[] =
    "{\"next_batch\":\"s72595_4483_1934\",\"account_data\":{\"events\":[]},"
    "\"to_device\":{\"events\":[]},"
    "\"device_one_time_keys_count\":{\"signed_curve25519\":0}}";

/* Decode body with err cleared first. */
static int
decode(const char *body, struct matrix_sync *s, char *err)
{
    err[0] = '\0';
    return matrix_codec_sync(body, strlen(body), SELF, s, err);
}

/* The event with event_id, or NULL. */
static const struct matrix_event *
find_event(const struct matrix_sync *s, const char *event_id)
{
    for (size_t i = 0; i < s->nevents; i++) {
        if (strcmp(s->events[i].event_id, event_id) == 0)
            return &s->events[i];
    }
    return NULL;
}

static const struct matrix_room_flag *
find_room(const struct matrix_sync *s, const char *room_id)
{
    for (size_t i = 0; i < s->nrooms; i++) {
        if (strcmp(s->rooms[i].room_id, room_id) == 0)
            return &s->rooms[i];
    }
    return NULL;
}

static const struct matrix_invite *
find_invite(const struct matrix_sync *s, const char *room_id)
{
    for (size_t i = 0; i < s->ninvites; i++) {
        if (strcmp(s->invites[i].room_id, room_id) == 0)
            return &s->invites[i];
    }
    return NULL;
}

/* Decoding body must fail with ERR_INVAL, a message holding want, and a
 * released (zeroed) sync. */
static void
check_invalid(const char *body, size_t len, const char *want)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ] = "";
    int rc = matrix_codec_sync(body, len, SELF, &s, err);

    if (rc != ERR_INVAL)
        fprintf(stderr, "body \"%.*s\"\n", (int)len, body);
    T_EQ_INT(rc, ERR_INVAL);
    T_CONTAINS(err, want);
    T_CHECK(s.root == NULL && s.next_batch == NULL && s.events == NULL);
    T_EQ_INT(s.nevents + s.ninvites + s.nrooms, 0);
    matrix_sync_release(&s);
}

/* j, compact with sorted keys, must be want; j is consumed. */
static void
check_json(json_t *j, const char *want)
{
    char *got = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

    T_EQ_STR(got, want);
    free(got);
    json_decref(j);
}

/* The string member key of obj, or NULL. */
static const char *
str_of(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

T_TEST(test_sync_messages)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];
    const struct matrix_event *e;

    T_EQ_INT(decode(sync_full, &s, err), 0);
    T_EQ_STR(err, "");
    T_CHECK(s.root != NULL);
    T_EQ_STR(s.next_batch, "s72595_4483_1934");
    T_EQ_INT(s.nevents, 7);

    /* Timeline order, room by room. */
    T_EQ_STR(s.events[0].event_id, "$m1");
    T_EQ_STR(s.events[1].event_id, "$e1");
    T_EQ_STR(s.events[2].event_id, "$r1");
    T_EQ_STR(s.events[3].event_id, "$x1");
    T_EQ_STR(s.events[4].event_id, "$x2");
    T_EQ_STR(s.events[5].event_id, "$m2");
    T_EQ_STR(s.events[6].event_id, "$c1");

    e = &s.events[0];
    T_EQ_INT(e->kind, MATRIX_EV_MESSAGE);
    T_EQ_STR(e->room_id, "!dm:localhost");
    T_EQ_STR(e->sender, "@alice:localhost");
    T_EQ_STR(e->body, "I listened more");
    T_EQ_INT(e->body_len, strlen("I listened more"));
    T_CHECK(e->target == NULL);
    T_CHECK(e->key == NULL);
    T_CHECK(e->txn_id == NULL);
    T_EQ_INT(e->ts, 1700000000123LL);

    /* m.emote is a person writing too. */
    e = &s.events[5];
    T_EQ_INT(e->kind, MATRIX_EV_MESSAGE);
    T_EQ_STR(e->body, "waves");
    T_EQ_INT(e->body_len, 5);
    T_EQ_INT(e->ts, 1700000000800LL);

    /* Strings point into the document. */
    T_CHECK(json_string_value(json_object_get(s.root, "next_batch")) ==
            s.next_batch);
    matrix_sync_release(&s);
    T_CHECK(s.root == NULL && s.events == NULL && s.nevents == 0);
}

T_TEST(test_sync_notice_ignored)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    T_EQ_INT(decode(sync_full, &s, err), 0);
    T_CHECK(find_event(&s, "$n1") == NULL);
    for (size_t i = 0; i < s.nevents; i++)
        T_CHECK(s.events[i].body == NULL ||
                strcmp(s.events[i].body, "Reminder!") != 0);
    matrix_sync_release(&s);
}

T_TEST(test_sync_own_echo_skipped)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    T_EQ_INT(decode(sync_full, &s, err), 0);
    T_CHECK(find_event(&s, "$own") == NULL);
    for (size_t i = 0; i < s.nevents; i++) {
        T_CHECK(strcmp(s.events[i].sender, SELF) != 0);
        T_CHECK(s.events[i].txn_id == NULL);
    }
    matrix_sync_release(&s);

    /* Seen by another user, the same event is a notice: still not a
     * message, since bots must not answer bots. */
    T_EQ_INT(matrix_codec_sync(sync_full, strlen(sync_full), "@alice:localhost",
                               &s, err),
             0);
    T_CHECK(find_event(&s, "$own") == NULL);
    T_CHECK(find_event(&s, "$m1") == NULL);
    T_EQ_INT(s.nevents, 1); /* bob's $c1 */
    matrix_sync_release(&s);
}

T_TEST(test_sync_txn_id)
{
    static const char body[] =
        "{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r:h\":{\"timeline\":"
        "{\"events\":[{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$a\",\"content\":{\"msgtype\":\"m.text\","
        "\"body\":\"hi\"},\"unsigned\":{\"transaction_id\":\"t-7\"}},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$b\",\"content\":{\"msgtype\":\"m.text\","
        "\"body\":\"hi\"},\"unsigned\":{\"transaction_id\":7}}]}}}}}";
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    /* Another device of the same person; no origin_server_ts reads 0. */
    T_EQ_INT(decode(body, &s, err), 0);
    T_EQ_INT(s.nevents, 2);
    T_EQ_STR(s.events[0].txn_id, "t-7");
    T_EQ_INT(s.events[0].ts, 0);
    T_CHECK(s.events[1].txn_id == NULL);
    matrix_sync_release(&s);
}

T_TEST(test_sync_edit)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];
    const struct matrix_event *e;

    T_EQ_INT(decode(sync_full, &s, err), 0);
    e = find_event(&s, "$e1");
    T_CHECK(e != NULL);
    if (e != NULL) {
        T_EQ_INT(e->kind, MATRIX_EV_EDIT);
        T_EQ_STR(e->room_id, "!dm:localhost");
        T_EQ_STR(e->sender, "@alice:localhost");
        /* The new text, not the "* " fallback. */
        T_EQ_STR(e->body, "I listened much more");
        T_EQ_INT(e->body_len, strlen("I listened much more"));
        T_EQ_STR(e->target, "$m1");
        T_CHECK(e->key == NULL);
        T_CHECK(e->txn_id == NULL);
        T_EQ_INT(e->ts, 1700000000400LL);
    }
    matrix_sync_release(&s);
}

T_TEST(test_sync_reaction)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];
    const struct matrix_event *e;

    T_EQ_INT(decode(sync_full, &s, err), 0);
    e = find_event(&s, "$r1");
    T_CHECK(e != NULL);
    if (e != NULL) {
        T_EQ_INT(e->kind, MATRIX_EV_REACTION);
        T_EQ_STR(e->room_id, "!dm:localhost");
        T_EQ_STR(e->sender, "@alice:localhost");
        T_EQ_STR(e->target, "$q1");
        T_EQ_STR(e->key, "\xe2\x8f\xad");
        T_CHECK(e->body == NULL);
        T_EQ_INT(e->body_len, 0);
        T_EQ_INT(e->ts, 1700000000500LL);
    }
    matrix_sync_release(&s);
}

T_TEST(test_sync_redaction)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];
    const struct matrix_event *e;

    T_EQ_INT(decode(sync_full, &s, err), 0);
    /* Room v11: content.redacts. */
    e = find_event(&s, "$x1");
    T_CHECK(e != NULL);
    if (e != NULL) {
        T_EQ_INT(e->kind, MATRIX_EV_REDACTION);
        T_EQ_STR(e->target, "$r1");
        T_EQ_STR(e->sender, "@alice:localhost");
        T_CHECK(e->body == NULL && e->key == NULL);
        T_EQ_INT(e->ts, 1700000000600LL);
    }
    /* Older rooms: top-level redacts. */
    e = find_event(&s, "$x2");
    T_CHECK(e != NULL);
    if (e != NULL) {
        T_EQ_INT(e->kind, MATRIX_EV_REDACTION);
        T_EQ_STR(e->target, "$r0");
        T_CHECK(e->body == NULL && e->key == NULL);
    }
    matrix_sync_release(&s);
}

T_TEST(test_sync_encrypted)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];
    const struct matrix_event *e;
    const struct matrix_room_flag *r;

    T_EQ_INT(decode(sync_full, &s, err), 0);
    e = find_event(&s, "$c1");
    T_CHECK(e != NULL);
    if (e != NULL) {
        T_EQ_INT(e->kind, MATRIX_EV_ENCRYPTED);
        T_EQ_STR(e->room_id, "!enc:localhost");
        T_EQ_STR(e->sender, "@bob:localhost");
        T_CHECK(e->body == NULL && e->target == NULL && e->key == NULL);
        T_EQ_INT(e->ts, 1700000000900LL);
    }
    /* The m.room.encryption state events are flags, not events. */
    T_CHECK(find_event(&s, "$enc") == NULL);
    T_CHECK(find_event(&s, "$enc2") == NULL);

    T_EQ_INT(s.nrooms, 3);
    r = find_room(&s, "!enc:localhost");
    T_CHECK(r != NULL && r->encrypted);
    /* In the timeline, even sent by the bot itself. */
    r = find_room(&s, "!late:localhost");
    T_CHECK(r != NULL && r->encrypted);
    r = find_room(&s, "!dm:localhost");
    T_CHECK(r != NULL && !r->encrypted);
    matrix_sync_release(&s);
}

T_TEST(test_sync_limited)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];
    const struct matrix_room_flag *r;

    T_EQ_INT(decode(sync_full, &s, err), 0);
    T_EQ_INT(s.nrooms, 3);
    T_EQ_STR(s.rooms[0].room_id, "!dm:localhost");
    T_EQ_STR(s.rooms[1].room_id, "!enc:localhost");
    T_EQ_STR(s.rooms[2].room_id, "!late:localhost");

    r = find_room(&s, "!enc:localhost");
    T_CHECK(r != NULL);
    if (r != NULL) {
        T_EQ_INT(r->limited, 1);
        T_EQ_STR(r->prev_batch, "t9-72000_4483_1934");
    }
    r = find_room(&s, "!dm:localhost");
    T_CHECK(r != NULL);
    if (r != NULL) {
        T_EQ_INT(r->limited, 0);
        T_EQ_STR(r->prev_batch, "t34-72590_4483_1934");
    }
    r = find_room(&s, "!late:localhost");
    T_CHECK(r != NULL);
    if (r != NULL) {
        T_EQ_INT(r->limited, 0);
        T_CHECK(r->prev_batch == NULL);
    }
    matrix_sync_release(&s);
}

T_TEST(test_sync_invites)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];
    const struct matrix_invite *inv;

    T_EQ_INT(decode(sync_full, &s, err), 0);
    T_EQ_INT(s.ninvites, 2);
    T_EQ_STR(s.invites[0].room_id, "!inv:localhost");
    T_EQ_STR(s.invites[1].room_id, "!plain:localhost");

    /* Element's default: a direct, encrypted room. */
    inv = find_invite(&s, "!inv:localhost");
    T_CHECK(inv != NULL);
    if (inv != NULL) {
        T_EQ_STR(inv->inviter, "@carol:localhost");
        T_EQ_INT(inv->is_direct, 1);
        T_EQ_INT(inv->encrypted, 1);
    }
    inv = find_invite(&s, "!plain:localhost");
    T_CHECK(inv != NULL);
    if (inv != NULL) {
        T_EQ_STR(inv->inviter, "@frank:localhost");
        T_EQ_INT(inv->is_direct, 0);
        T_EQ_INT(inv->encrypted, 0);
    }
    /* Invites are not joined rooms. */
    T_CHECK(find_room(&s, "!inv:localhost") == NULL);
    matrix_sync_release(&s);
}

T_TEST(test_sync_invite_not_for_self)
{
    static const char body[] =
        "{\"next_batch\":\"n\",\"rooms\":{\"invite\":{"
        /* the bot already joined: membership is not invite */
        "\"!a:h\":{\"invite_state\":{\"events\":[{\"type\":\"m.room.member\","
        "\"state_key\":\"" SELF "\",\"sender\":\"@u:h\","
        "\"content\":{\"membership\":\"join\"}}]}},"
        /* is_direct must be the JSON true */
        "\"!b:h\":{\"invite_state\":{\"events\":[{\"type\":\"m.room.member\","
        "\"state_key\":\"" SELF "\",\"sender\":\"@u:h\","
        "\"content\":{\"membership\":\"invite\",\"is_direct\":\"yes\"}}]}},"
        /* no sender */
        "\"!c:h\":{\"invite_state\":{\"events\":[{\"type\":\"m.room.member\","
        "\"state_key\":\"" SELF "\","
        "\"content\":{\"membership\":\"invite\"}}]}},"
        "\"!d:h\":{\"invite_state\":{\"events\":7}},"
        "\"!e:h\":[],"
        "\"!f:h\":{}}}}";
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    /* The sync_full invite for @erin:localhost is not the bot's. */
    T_EQ_INT(decode(sync_full, &s, err), 0);
    T_CHECK(find_invite(&s, "!noself:localhost") == NULL);
    matrix_sync_release(&s);

    T_EQ_INT(decode(body, &s, err), 0);
    T_EQ_INT(s.ninvites, 1);
    T_EQ_STR(s.invites[0].room_id, "!b:h");
    T_EQ_STR(s.invites[0].inviter, "@u:h");
    T_EQ_INT(s.invites[0].is_direct, 0);
    matrix_sync_release(&s);
}

T_TEST(test_sync_direct)
{
    static const char no_direct[] =
        "{\"next_batch\":\"n\",\"account_data\":{\"events\":["
        "{\"type\":\"m.direct\",\"content\":[\"!r:h\"]},"
        "{\"content\":{}},7]}}";
    struct matrix_sync s;
    char err[ERR_BUFSZ];
    const json_t *rooms;

    T_EQ_INT(decode(sync_full, &s, err), 0);
    T_CHECK(json_is_object(s.direct));
    T_EQ_INT(json_object_size(s.direct), 1);
    rooms = json_object_get(s.direct, "@alice:localhost");
    T_EQ_INT(json_array_size(rooms), 1);
    T_EQ_STR(json_string_value(json_array_get(rooms, 0)), "!dm:localhost");
    matrix_sync_release(&s);
    T_CHECK(s.direct == NULL);

    T_EQ_INT(decode(sync_empty, &s, err), 0);
    T_CHECK(s.direct == NULL);
    matrix_sync_release(&s);

    /* m.direct content that is not an object is not m.direct. */
    T_EQ_INT(decode(no_direct, &s, err), 0);
    T_CHECK(s.direct == NULL);
    matrix_sync_release(&s);
}

T_TEST(test_sync_empty)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    T_EQ_INT(decode(sync_empty, &s, err), 0);
    T_EQ_STR(err, "");
    T_EQ_STR(s.next_batch, "s72595_4483_1934");
    T_EQ_INT(s.nevents, 0);
    T_EQ_INT(s.ninvites, 0);
    T_EQ_INT(s.nrooms, 0);
    T_CHECK(s.events == NULL && s.invites == NULL && s.rooms == NULL);
    matrix_sync_release(&s);

    /* A joined room with nothing new still gets its flags. */
    T_EQ_INT(decode("{\"next_batch\":\"n\",\"rooms\":{\"join\":"
                    "{\"!r:h\":{}}}}",
                    &s, err),
             0);
    T_EQ_INT(s.nrooms, 1);
    T_EQ_STR(s.rooms[0].room_id, "!r:h");
    T_EQ_INT(s.rooms[0].encrypted + s.rooms[0].limited, 0);
    T_CHECK(s.rooms[0].prev_batch == NULL);
    T_EQ_INT(s.nevents, 0);
    matrix_sync_release(&s);
}

T_TEST(test_sync_malformed_events)
{
    /* Each of these is skipped; only $ok survives. */
    static const char body[] =
        "{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r:h\":{\"timeline\":"
        "{\"events\":["
        "7,null,\"x\",[],{},"
        "{\"sender\":\"@u:h\",\"event_id\":\"$1\",\"content\":{}},"
        "{\"type\":\"m.room.message\",\"event_id\":\"$2\","
        "\"content\":{\"msgtype\":\"m.text\",\"body\":\"no sender\"}},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"content\":{\"msgtype\":\"m.text\",\"body\":\"no id\"}},"
        "{\"type\":\"m.room.message\",\"sender\":7,\"event_id\":\"$3\","
        "\"content\":{\"msgtype\":\"m.text\",\"body\":\"bad sender\"}},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$4\",\"content\":{\"msgtype\":\"m.text\"}},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$5\",\"content\":{\"msgtype\":\"m.text\","
        "\"body\":42}},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$6\",\"content\":{\"body\":\"no msgtype\"}},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$7\",\"content\":{\"msgtype\":\"m.image\","
        "\"body\":\"cat.png\",\"url\":\"mxc://h/abc\"}},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$8\",\"content\":\"text\"},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$9\",\"state_key\":\"\","
        "\"content\":{\"msgtype\":\"m.text\",\"body\":\"a state event\"}},"
        /* edits: no m.new_content, no target, a notice */
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$10\",\"content\":{\"msgtype\":\"m.text\","
        "\"body\":\"* x\",\"m.relates_to\":{\"rel_type\":\"m.replace\","
        "\"event_id\":\"$m\"}}},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$11\",\"content\":{\"msgtype\":\"m.text\","
        "\"body\":\"* x\",\"m.new_content\":{\"msgtype\":\"m.text\","
        "\"body\":\"x\"},\"m.relates_to\":{\"rel_type\":\"m.replace\"}}},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$12\",\"content\":{\"msgtype\":\"m.notice\","
        "\"body\":\"* x\",\"m.new_content\":{\"msgtype\":\"m.notice\","
        "\"body\":\"x\"},\"m.relates_to\":{\"rel_type\":\"m.replace\","
        "\"event_id\":\"$m\"}}},"
        /* reactions: wrong rel_type, no key, no target */
        "{\"type\":\"m.reaction\",\"sender\":\"@u:h\",\"event_id\":\"$13\","
        "\"content\":{\"m.relates_to\":{\"rel_type\":\"m.thread\","
        "\"event_id\":\"$q\",\"key\":\"x\"}}},"
        "{\"type\":\"m.reaction\",\"sender\":\"@u:h\",\"event_id\":\"$14\","
        "\"content\":{\"m.relates_to\":{\"rel_type\":\"m.annotation\","
        "\"event_id\":\"$q\"}}},"
        "{\"type\":\"m.reaction\",\"sender\":\"@u:h\",\"event_id\":\"$15\","
        "\"content\":{\"m.relates_to\":{\"rel_type\":\"m.annotation\","
        "\"key\":\"x\"}}},"
        /* a redaction of nothing; an unknown type */
        "{\"type\":\"m.room.redaction\",\"sender\":\"@u:h\","
        "\"event_id\":\"$16\",\"content\":{\"redacts\":7}},"
        "{\"type\":\"m.sticker\",\"sender\":\"@u:h\",\"event_id\":\"$17\","
        "\"content\":{\"body\":\"sticker\"}},"
        "{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$ok\",\"origin_server_ts\":\"1700000000000\","
        "\"content\":{\"msgtype\":\"m.text\",\"body\":\"fine\"}}"
        "]}}}}}";
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    T_EQ_INT(decode(body, &s, err), 0);
    T_EQ_STR(err, "");
    T_EQ_INT(s.nevents, 1);
    if (s.nevents == 1) {
        T_EQ_STR(s.events[0].event_id, "$ok");
        T_EQ_STR(s.events[0].body, "fine");
        T_EQ_INT(s.events[0].ts, 0); /* a string is not a timestamp */
    }
    matrix_sync_release(&s);
}

T_TEST(test_sync_not_json)
{
    static const char trunc[] = "{\"next_batch\":\"n\",\"rooms\":{";

    check_invalid("", 0, "sync response is not JSON");
    check_invalid("<html>502 Bad Gateway</html>", 28,
                  "sync response is not JSON");
    check_invalid(trunc, strlen(trunc), "sync response is not JSON");
    /* jansson's position comes along. */
    check_invalid("{\n\"next_batch\": x}", 18, "at 2:");
    /* Only len bytes count. */
    check_invalid("{\"next_batch\":\"n\"}", 10, "not JSON");
    check_invalid(NULL, 0, "not JSON");
}

T_TEST(test_sync_no_next_batch)
{
    check_invalid("{}", 2, "sync response has no next_batch");
    check_invalid("{\"rooms\":{}}", 12, "sync response has no next_batch");
    check_invalid("[]", 2, "not a JSON object");
    /* jansson itself wants an array or object at the top. */
    check_invalid("\"next_batch\"", 12, "not JSON");
    check_invalid("7", 1, "not JSON");
}

T_TEST(test_sync_next_batch_not_string)
{
    check_invalid("{\"next_batch\":7}", 16, "next_batch is not a string");
    check_invalid("{\"next_batch\":null}", 19, "next_batch is not a string");
    check_invalid("{\"next_batch\":{}}", 17, "next_batch is not a string");
}

T_TEST(test_sync_odd_shapes)
{
    static const char *const bodies[] = {
        "{\"next_batch\":\"n\",\"rooms\":7}",
        "{\"next_batch\":\"n\",\"rooms\":[]}",
        "{\"next_batch\":\"n\",\"rooms\":null}",
        "{\"next_batch\":\"n\",\"rooms\":{\"join\":[],\"invite\":\"x\"}}",
        "{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r:h\":7}}}",
        "{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r:h\":"
        "{\"timeline\":7}}}}",
        "{\"next_batch\":\"n\",\"account_data\":[]}",
        "{\"next_batch\":\"n\",\"account_data\":{\"events\":{}}}",
    };
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    /* Nothing decodes, nothing fails. */
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        T_EQ_INT(decode(bodies[i], &s, err), 0);
        T_EQ_STR(s.next_batch, "n");
        T_EQ_INT(s.nevents + s.ninvites, 0);
        T_CHECK(s.direct == NULL);
        matrix_sync_release(&s);
    }
}

T_TEST(test_sync_events_not_array)
{
    static const char body[] =
        "{\"next_batch\":\"n\",\"rooms\":{\"join\":{"
        "\"!a:h\":{\"timeline\":{\"events\":{\"type\":\"m.room.message\"},"
        "\"limited\":true,\"prev_batch\":\"p\"},"
        "\"state\":{\"events\":\"m.room.encryption\"}},"
        "\"!b:h\":{\"timeline\":{\"events\":[{\"type\":\"m.room.message\","
        "\"sender\":\"@u:h\",\"event_id\":\"$b\",\"content\":"
        "{\"msgtype\":\"m.text\",\"body\":\"hi\"}}]}}}}}";
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    /* The room is still reported; its neighbour still decodes. */
    T_EQ_INT(decode(body, &s, err), 0);
    T_EQ_INT(s.nrooms, 2);
    T_EQ_STR(s.rooms[0].room_id, "!a:h");
    T_EQ_INT(s.rooms[0].limited, 1);
    T_EQ_INT(s.rooms[0].encrypted, 0);
    T_EQ_STR(s.rooms[0].prev_batch, "p");
    T_EQ_INT(s.nevents, 1);
    T_EQ_STR(s.events[0].room_id, "!b:h");
    T_EQ_STR(s.events[0].event_id, "$b");
    matrix_sync_release(&s);
}

T_TEST(test_sync_event_is_number)
{
    static const char body[] =
        "{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r:h\":{\"timeline\":"
        "{\"events\":[1,2.5,true,{\"type\":\"m.room.message\","
        "\"sender\":\"@u:h\",\"event_id\":\"$x\",\"content\":"
        "{\"msgtype\":\"m.text\",\"body\":\"after\"}},-3]}}}}}";
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    T_EQ_INT(decode(body, &s, err), 0);
    T_EQ_INT(s.nevents, 1);
    T_EQ_STR(s.events[0].body, "after");
    matrix_sync_release(&s);
}

T_TEST(test_sync_nul)
{
    /* jansson refuses \u0000 in a key outright; one user's odd event must
     * not stall the bot's sync, so NUL reads as U+FFFD everywhere. */
    static const char body[] =
        "{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r:h\":{\"timeline\":"
        "{\"events\":[{\"type\":\"m.room.message\",\"sender\":\"@u:h\","
        "\"event_id\":\"$x\",\"content\":{\"msgtype\":\"m.text\","
        "\"body\":\"a\\u0000b\\\\u0000\",\"k\\u0000\":1}}]}}}}}";
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    T_EQ_INT(decode(body, &s, err), 0);
    T_EQ_STR(err, "");
    T_EQ_INT(s.nevents, 1);
    if (s.nevents == 1) {
        /* An escaped backslash before u0000 is text, left alone. */
        T_EQ_STR(s.events[0].body, "a\xef\xbf\xbd"
                                   "b\\u0000");
        T_EQ_INT(s.events[0].body_len, strlen(s.events[0].body));
    }
    matrix_sync_release(&s);

    /* The body itself is not changed. */
    T_CHECK(strstr(body, "a\\u0000b") != NULL);
}

T_TEST(test_sync_cap)
{
    json_t *root = json_object(), *rooms = json_object(), *join = json_object();
    json_t *events = json_array(), *room = json_object();
    json_t *timeline = json_object(), *e;
    struct matrix_sync s;
    char err[ERR_BUFSZ], id[32], *body;

    for (int i = 0; i < 10005; i++) {
        snprintf(id, sizeof(id), "$e%d", i);
        e = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "type", "m.room.message",
                      "sender", "@u:h", "event_id", id, "content", "msgtype",
                      "m.text", "body", "x");
        json_array_append_new(events, e);
    }
    json_object_set_new(timeline, "events", events);
    json_object_set_new(room, "timeline", timeline);
    json_object_set_new(join, "!r:h", room);
    json_object_set(join, "!s:h", room); /* the same events, again */
    json_object_set_new(rooms, "join", join);
    json_object_set_new(root, "rooms", rooms);
    json_object_set_new(root, "next_batch", json_string("n"));
    body = json_dumps(root, JSON_COMPACT);
    json_decref(root);

    T_EQ_INT(decode(body, &s, err), 0);
    T_EQ_INT(s.nevents, 10000);
    T_EQ_STR(s.events[9999].event_id, "$e9999");
    T_EQ_STR(s.events[9999].room_id, "!r:h");
    T_EQ_INT(s.nrooms, 2);
    matrix_sync_release(&s);
    free(body);
}

T_TEST(test_sync_err_and_release)
{
    struct matrix_sync s;
    char err[ERR_BUFSZ];

    /* err is optional, and the first error wins. */
    T_EQ_INT(matrix_codec_sync("{}", 2, SELF, &s, NULL), ERR_INVAL);
    matrix_sync_release(&s);
    snprintf(err, sizeof(err), "earlier");
    T_EQ_INT(matrix_codec_sync("{}", 2, SELF, &s, err), ERR_INVAL);
    T_EQ_STR(err, "earlier");
    matrix_sync_release(&s);

    /* Release is safe on a zeroed struct, twice, and after an error. */
    memset(&s, 0, sizeof(s));
    matrix_sync_release(&s);
    matrix_sync_release(&s);
    T_EQ_INT(decode(sync_full, &s, err), 0);
    matrix_sync_release(&s);
    matrix_sync_release(&s);
    T_CHECK(s.root == NULL && s.rooms == NULL && s.invites == NULL);
    matrix_sync_release(NULL);

    /* Without self nothing is an echo and no invite is the bot's. */
    T_EQ_INT(matrix_codec_sync(sync_full, strlen(sync_full), NULL, &s, err), 0);
    T_EQ_INT(s.ninvites, 0);
    T_EQ_INT(s.nevents, 7);
    matrix_sync_release(&s);
}

T_TEST(test_text_plain)
{
    json_t *t = matrix_codec_text("How was your week?");

    check_json(t, "{\"body\":\"How was your week?\","
                  "\"format\":\"org.matrix.custom.html\","
                  "\"formatted_body\":\"How was your week?\","
                  "\"msgtype\":\"m.text\"}");

    /* UTF-8 passes through. */
    t = matrix_codec_text("Hvordan gikk uka? \xe2\x80\x93 bl\xc3\xa5");
    T_EQ_STR(str_of(t, "body"), "Hvordan gikk uka? \xe2\x80\x93 bl\xc3\xa5");
    T_EQ_STR(str_of(t, "formatted_body"),
             "Hvordan gikk uka? \xe2\x80\x93 bl\xc3\xa5");
    json_decref(t);

    t = matrix_codec_text("");
    T_EQ_STR(str_of(t, "body"), "");
    T_EQ_STR(str_of(t, "formatted_body"), "");
    json_decref(t);
}

T_TEST(test_text_escape)
{
    json_t *t = matrix_codec_text("<script>alert(\"x\")</script>");

    T_EQ_STR(str_of(t, "body"), "<script>alert(\"x\")</script>");
    T_EQ_STR(str_of(t, "formatted_body"),
             "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    json_decref(t);

    t = matrix_codec_text("Tom & Jerry's <b>");
    T_EQ_STR(str_of(t, "formatted_body"), "Tom &amp; Jerry&#39;s &lt;b&gt;");
    json_decref(t);

    /* Already escaped text is escaped again: it is plain text. */
    t = matrix_codec_text("&amp;");
    T_EQ_STR(str_of(t, "formatted_body"), "&amp;amp;");
    json_decref(t);
}

T_TEST(test_text_newlines)
{
    json_t *t = matrix_codec_text("One\ntwo\n\nthree\n");

    T_EQ_STR(str_of(t, "body"), "One\ntwo\n\nthree\n");
    T_EQ_STR(str_of(t, "formatted_body"), "One<br>two<br><br>three<br>");
    json_decref(t);
}

T_TEST(test_text_code)
{
    json_t *t = matrix_codec_text("Type `skip` or `snooze 1h`.");

    T_EQ_STR(str_of(t, "body"), "Type `skip` or `snooze 1h`.");
    T_EQ_STR(str_of(t, "formatted_body"),
             "Type <code>skip</code> or <code>snooze 1h</code>.");
    json_decref(t);

    /* Inside a span HTML is still escaped. */
    t = matrix_codec_text("`<a href=\"x\">`&");
    T_EQ_STR(str_of(t, "formatted_body"),
             "<code>&lt;a href=&quot;x&quot;&gt;</code>&amp;");
    json_decref(t);

    /* An empty pair is not a span. */
    t = matrix_codec_text("a `` b");
    T_EQ_STR(str_of(t, "formatted_body"), "a `` b");
    json_decref(t);
}

T_TEST(test_text_unmatched_backtick)
{
    json_t *t = matrix_codec_text("it`s fine");

    T_EQ_STR(str_of(t, "formatted_body"), "it`s fine");
    json_decref(t);

    t = matrix_codec_text("`a` and `b");
    T_EQ_STR(str_of(t, "formatted_body"), "<code>a</code> and `b");
    json_decref(t);

    t = matrix_codec_text("`");
    T_EQ_STR(str_of(t, "formatted_body"), "`");
    json_decref(t);
}

T_TEST(test_text_bad_utf8)
{
    /* A stray byte becomes U+FFFD instead of jansson refusing. */
    json_t *t = matrix_codec_text("a\xff"
                                  "b\xc3");

    T_CHECK(t != NULL);
    T_EQ_STR(str_of(t, "body"), "a\xef\xbf\xbd"
                                "b\xef\xbf\xbd");
    T_EQ_STR(str_of(t, "formatted_body"), "a\xef\xbf\xbd"
                                          "b\xef\xbf\xbd");
    json_decref(t);

    /* Overlong and surrogate encodings are not valid either. */
    t = matrix_codec_text("\xc0\xaf\xed\xa0\x80");
    T_EQ_STR(str_of(t, "body"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                                "\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(t);

    t = matrix_codec_text(NULL);
    T_EQ_STR(str_of(t, "body"), "");
    json_decref(t);
}

T_TEST(test_reaction)
{
    check_json(matrix_codec_reaction("$q1", "\xe2\x8f\xad"),
               "{\"m.relates_to\":{\"event_id\":\"$q1\","
               "\"key\":\"\xe2\x8f\xad\",\"rel_type\":\"m.annotation\"}}");
    check_json(matrix_codec_reaction("$q1", "\xf0\x9f\x92\xa4"),
               "{\"m.relates_to\":{\"event_id\":\"$q1\","
               "\"key\":\"\xf0\x9f\x92\xa4\",\"rel_type\":\"m.annotation\"}}");
}

T_TEST(test_create_dm)
{
    json_t *dm = matrix_codec_create_dm("@alice:localhost");

    T_CHECK(json_object_get(dm, "initial_state") == NULL);
    check_json(dm, "{\"invite\":[\"@alice:localhost\"],\"is_direct\":true,"
                   "\"preset\":\"trusted_private_chat\"}");
}

T_TEST(test_direct_add_new_user)
{
    json_t *old = json_loads("{\"@alice:h\":[\"!a:h\"]}", 0, NULL);
    json_t *d;

    check_json(matrix_codec_direct_add(NULL, "@bob:h", "!b:h"),
               "{\"@bob:h\":[\"!b:h\"]}");
    d = matrix_codec_direct_add(old, "@bob:h", "!b:h");
    check_json(d, "{\"@alice:h\":[\"!a:h\"],\"@bob:h\":[\"!b:h\"]}");
    /* old is not touched. */
    check_json(old, "{\"@alice:h\":[\"!a:h\"]}");
}

T_TEST(test_direct_add_existing_user)
{
    json_t *old =
        json_loads("{\"@alice:h\":[\"!a:h\"],\"@bob:h\":[\"!b:h\"]}", 0, NULL);

    check_json(matrix_codec_direct_add(old, "@alice:h", "!new:h"),
               "{\"@alice:h\":[\"!a:h\",\"!new:h\"],\"@bob:h\":[\"!b:h\"]}");
    check_json(old, "{\"@alice:h\":[\"!a:h\"],\"@bob:h\":[\"!b:h\"]}");
}

T_TEST(test_direct_add_duplicate)
{
    json_t *old = json_loads("{\"@alice:h\":[\"!a:h\",\"!b:h\"]}", 0, NULL);

    check_json(matrix_codec_direct_add(old, "@alice:h", "!b:h"),
               "{\"@alice:h\":[\"!a:h\",\"!b:h\"]}");
    check_json(old, "{\"@alice:h\":[\"!a:h\",\"!b:h\"]}");
}

T_TEST(test_direct_add_odd_old)
{
    json_t *old = json_loads("{\"@alice:h\":\"!a:h\",\"@bob:h\":[7]}", 0, NULL);
    json_t *arr = json_loads("[\"!a:h\"]", 0, NULL);

    /* A value that is not an array is replaced; other junk is kept. */
    check_json(matrix_codec_direct_add(old, "@alice:h", "!n:h"),
               "{\"@alice:h\":[\"!n:h\"],\"@bob:h\":[7]}");
    check_json(matrix_codec_direct_add(old, "@bob:h", "!n:h"),
               "{\"@alice:h\":\"!a:h\",\"@bob:h\":[7,\"!n:h\"]}");
    /* An old that is not an object starts over. */
    check_json(matrix_codec_direct_add(arr, "@alice:h", "!n:h"),
               "{\"@alice:h\":[\"!n:h\"]}");
    json_decref(old);
    json_decref(arr);
}

T_TEST(test_error_429)
{
    static const char body[] = "{\"errcode\":\"M_LIMIT_EXCEEDED\","
                               "\"error\":\"Too Many Requests\","
                               "\"retry_after_ms\":673}";
    char code[64];

    T_EQ_INT(matrix_codec_error(body, strlen(body), code, sizeof(code)), 673);
    T_EQ_STR(code, "M_LIMIT_EXCEEDED");

    /* Truncated safely, or not copied at all. */
    T_EQ_INT(matrix_codec_error(body, strlen(body), code, 6), 673);
    T_EQ_STR(code, "M_LIM");
    code[0] = 'x';
    T_EQ_INT(matrix_codec_error(body, strlen(body), code, 0), 673);
    T_EQ_INT(code[0], 'x');
    T_EQ_INT(matrix_codec_error(body, strlen(body), NULL, 0), 673);
}

T_TEST(test_error_missing)
{
    static const char token[] = "{\"errcode\":\"M_UNKNOWN_TOKEN\","
                                "\"error\":\"Invalid access token\","
                                "\"soft_logout\":true}";
    static const char *const no_retry[] = {
        "{\"errcode\":\"M_X\",\"retry_after_ms\":-5}",
        "{\"errcode\":\"M_X\",\"retry_after_ms\":1.5}",
        "{\"errcode\":\"M_X\",\"retry_after_ms\":\"673\"}",
        "{\"errcode\":\"M_X\",\"retry_after_ms\":null}",
    };
    char code[64];

    T_EQ_INT(matrix_codec_error(token, strlen(token), code, sizeof(code)), -1);
    T_EQ_STR(code, "M_UNKNOWN_TOKEN");
    T_EQ_INT(matrix_codec_error("{}", 2, code, sizeof(code)), -1);
    T_EQ_STR(code, "");
    T_EQ_INT(
        matrix_codec_error("{\"retry_after_ms\":0}", 20, code, sizeof(code)),
        0);
    T_EQ_STR(code, "");
    for (size_t i = 0; i < sizeof(no_retry) / sizeof(no_retry[0]); i++) {
        T_EQ_INT(matrix_codec_error(no_retry[i], strlen(no_retry[i]), code,
                                    sizeof(code)),
                 -1);
        T_EQ_STR(code, "M_X");
    }
    /* errcode that is not a string reads as absent. */
    T_EQ_INT(matrix_codec_error("{\"errcode\":7,\"retry_after_ms\":9}", 32,
                                code, sizeof(code)),
             9);
    T_EQ_STR(code, "");
}

T_TEST(test_error_garbage)
{
    static const char *const bodies[] = {
        "",
        "<html><body>502 Bad Gateway</body></html>",
        "[\"M_LIMIT_EXCEEDED\"]",
        "\"M_LIMIT_EXCEEDED\"",
        "{\"errcode\":\"M_X\"",
        "{\"retry_after_ms\":99999999999999999999999}",
    };
    char code[64];

    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        snprintf(code, sizeof(code), "stale");
        T_EQ_INT(matrix_codec_error(bodies[i], strlen(bodies[i]), code,
                                    sizeof(code)),
                 -1);
        T_EQ_STR(code, "");
    }
    T_EQ_INT(matrix_codec_error(NULL, 0, code, sizeof(code)), -1);
    /* Only len bytes are read. */
    T_EQ_INT(
        matrix_codec_error("{\"retry_after_ms\":5}", 10, code, sizeof(code)),
        -1);
}

T_TEST(test_filter)
{
    json_t *f = matrix_codec_filter(), *back;
    char *s = json_dumps(f, JSON_COMPACT);

    T_EQ_STR(s, "{\"room\":{\"timeline\":{\"limit\":50,\"types\":"
                "[\"m.room.message\",\"m.reaction\",\"m.room.redaction\","
                "\"m.room.encrypted\",\"m.room.encryption\"]},"
                "\"state\":{\"lazy_load_members\":true,"
                "\"types\":[\"m.room.encryption\"]}},"
                "\"presence\":{\"types\":[]},"
                "\"account_data\":{\"types\":[\"m.direct\"]}}");
    back = json_loads(s, 0, NULL);
    T_CHECK(back != NULL && json_equal(back, f));
    json_decref(back);
    json_decref(f);
    free(s);
}

T_TEST(test_path)
{
    char out[64];

    T_EQ_INT(matrix_codec_path("!abc:localhost", out, sizeof(out)), 0);
    T_EQ_STR(out, "%21abc%3Alocalhost");
    T_EQ_INT(matrix_codec_path("@u:h", out, sizeof(out)), 0);
    T_EQ_STR(out, "%40u%3Ah");
    T_EQ_INT(matrix_codec_path("$ev", out, sizeof(out)), 0);
    T_EQ_STR(out, "%24ev");
    T_EQ_INT(matrix_codec_path("AZaz09-._~", out, sizeof(out)), 0);
    T_EQ_STR(out, "AZaz09-._~");
    T_EQ_INT(matrix_codec_path("a/b?c#d e%+", out, sizeof(out)), 0);
    T_EQ_STR(out, "a%2Fb%3Fc%23d%20e%25%2B");
    T_EQ_INT(matrix_codec_path("bl\xc3\xa5", out, sizeof(out)), 0);
    T_EQ_STR(out, "bl%C3%A5");
    T_EQ_INT(matrix_codec_path("", out, sizeof(out)), 0);
    T_EQ_STR(out, "");
}

T_TEST(test_path_toobig)
{
    char out[8];

    /* "%21abc" needs 7 bytes with its NUL. */
    T_EQ_INT(matrix_codec_path("!abc", out, 7), 0);
    T_EQ_STR(out, "%21abc");
    T_EQ_INT(matrix_codec_path("!abc", out, 6), ERR_TOOBIG);
    T_EQ_STR(out, "%21ab");
    /* An escape is never cut in half. */
    T_EQ_INT(matrix_codec_path("a!", out, 4), ERR_TOOBIG);
    T_EQ_STR(out, "a");
    T_EQ_INT(matrix_codec_path("abcdefgh", out, sizeof(out)), ERR_TOOBIG);
    T_EQ_STR(out, "abcdefg");
    T_EQ_INT(matrix_codec_path("a", out, 1), ERR_TOOBIG);
    T_EQ_STR(out, "");
    T_EQ_INT(matrix_codec_path("", out, 1), 0);
    T_EQ_INT(matrix_codec_path("a", out, 0), ERR_TOOBIG);
}

T_TEST(test_messages_page)
{
    static const char body[] =
        "{\"start\":\"s9\",\"end\":\"s3\",\"chunk\":["
        "{\"type\":\"m.room.message\",\"event_id\":\"$b\","
        "\"sender\":\"@lena:localhost\",\"content\":{\"msgtype\":"
        "\"m.text\",\"body\":\"second\"}},"
        "{\"type\":\"m.room.message\",\"event_id\":\"$own\","
        "\"sender\":\"@reflekt:localhost\",\"content\":{\"msgtype\":"
        "\"m.text\",\"body\":\"mine\"}},"
        "{\"type\":\"m.room.message\",\"event_id\":\"$a\","
        "\"sender\":\"@lena:localhost\",\"content\":{\"msgtype\":"
        "\"m.text\",\"body\":\"first\"}}]}";
    struct matrix_sync p;
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(matrix_codec_messages(body, strlen(body), "!r:localhost",
                                   "@reflekt:localhost", &p, err),
             0);
    T_EQ_STR(p.next_batch, "s3");
    T_EQ_INT(p.nevents, 2);
    T_EQ_STR(p.events[0].body, "first"); /* oldest first */
    T_EQ_STR(p.events[1].body, "second");
    T_EQ_STR(p.events[0].room_id, "!r:localhost");
    matrix_sync_release(&p);
    T_EQ_INT(matrix_codec_messages("{}", 2, "!r:localhost", NULL, &p, err),
             ERR_INVAL);
    T_CONTAINS(err, "no chunk");
    matrix_sync_release(&p);
}

T_MAIN(T_CASE(test_messages_page), T_CASE(test_sync_messages),
       T_CASE(test_sync_notice_ignored), T_CASE(test_sync_own_echo_skipped),
       T_CASE(test_sync_txn_id), T_CASE(test_sync_edit),
       T_CASE(test_sync_reaction), T_CASE(test_sync_redaction),
       T_CASE(test_sync_encrypted), T_CASE(test_sync_limited),
       T_CASE(test_sync_invites), T_CASE(test_sync_invite_not_for_self),
       T_CASE(test_sync_direct), T_CASE(test_sync_empty),
       T_CASE(test_sync_malformed_events), T_CASE(test_sync_not_json),
       T_CASE(test_sync_no_next_batch), T_CASE(test_sync_next_batch_not_string),
       T_CASE(test_sync_odd_shapes), T_CASE(test_sync_events_not_array),
       T_CASE(test_sync_event_is_number), T_CASE(test_sync_nul),
       T_CASE(test_sync_cap), T_CASE(test_sync_err_and_release),
       T_CASE(test_text_plain), T_CASE(test_text_escape),
       T_CASE(test_text_newlines), T_CASE(test_text_code),
       T_CASE(test_text_unmatched_backtick), T_CASE(test_text_bad_utf8),
       T_CASE(test_reaction), T_CASE(test_create_dm),
       T_CASE(test_direct_add_new_user), T_CASE(test_direct_add_existing_user),
       T_CASE(test_direct_add_duplicate), T_CASE(test_direct_add_odd_old),
       T_CASE(test_error_429), T_CASE(test_error_missing),
       T_CASE(test_error_garbage), T_CASE(test_filter), T_CASE(test_path),
       T_CASE(test_path_toobig))
