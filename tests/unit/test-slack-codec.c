/*
 * test-slack-codec.c - Slack payloads in, Slack bodies out, with the shapes
 * PLATFORMS.md §1 records (Events API, block_actions, slash commands,
 * Socket Mode envelopes, Block Kit, message metadata).
 */
#include "slack-codec.h"

#include "err.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

static json_t *
js(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);

    if (j == NULL)
        fprintf(stderr, "bad test JSON: %s\n", je.text);
    T_CHECK(j != NULL);
    return j;
}

/* The JSON a decoded event points into lives until test_release_pool. */
static json_t *pool[64];
static int npool;

static int
event(const char *text, struct slack_in *in, char *err)
{
    json_t *j;

    if (text == NULL) {
        for (int i = 0; i < npool; i++)
            json_decref(pool[i]);
        npool = 0;
        return 0;
    }
    j = js(text);
    if (npool < 64)
        pool[npool++] = j;
    return slack_codec_event(j, "UBOT", in, err);
}

#define MSG_EVENT(inner)                                                       \
    "{\"type\":\"event_callback\",\"team_id\":\"T1\",\"event_id\":\"Ev1\","    \
    "\"event\":" inner "}"

T_TEST(test_dm_message)
{
    struct slack_in in = {0};
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(event(MSG_EVENT("{\"type\":\"message\",\"channel_type\":\"im\","
                             "\"channel\":\"D1\",\"user\":\"U1\",\"text\":"
                             "\"a &amp; b &lt;c&gt; &amp;amp;\",\"ts\":"
                             "\"1700000000.000100\"}"),
                   &in, err),
             0);
    T_EQ_INT(in.kind, SLACK_IN_EVENT);
    T_EQ_INT(in.ev.type, ADAPTER_EVENT_MESSAGE);
    T_EQ_STR(in.ev.event_id, "slack:msg:D1:1700000000.000100");
    T_EQ_STR(in.ev.user_id, "U1");
    T_EQ_STR(in.ev.conversation, "D1");
    T_EQ_STR(in.ev.msg_id, "1700000000.000100");
    T_EQ_INT((int)in.ev.text_len, (int)strlen("a & b <c> &amp;"));
    T_EQ_STR(in.ev.text, "a & b <c> &amp;");
    T_EQ_STR(in.team_id, "T1");
    slack_in_release(&in);
}

T_TEST(test_ignored_messages)
{
    static const char *const ignored[] = {
        /* the bot's own post, by bot_id and by user */
        MSG_EVENT("{\"type\":\"message\",\"channel_type\":\"im\",\"channel\":"
                  "\"D1\",\"user\":\"UBOT\",\"bot_id\":\"B1\",\"text\":\"q\","
                  "\"ts\":\"1.1\"}"),
        MSG_EVENT("{\"type\":\"message\",\"channel_type\":\"im\",\"channel\":"
                  "\"D1\",\"user\":\"UBOT\",\"text\":\"q\",\"ts\":\"1.1\"}"),
        /* a channel, not a DM */
        MSG_EVENT("{\"type\":\"message\",\"channel_type\":\"channel\","
                  "\"channel\":\"C1\",\"user\":\"U1\",\"text\":\"hi\","
                  "\"ts\":\"1.1\"}"),
        /* a join */
        MSG_EVENT("{\"type\":\"message\",\"subtype\":\"channel_join\","
                  "\"channel_type\":\"im\",\"channel\":\"D1\",\"user\":"
                  "\"U1\",\"ts\":\"1.1\"}"),
        /* an edit of the bot's own message */
        MSG_EVENT("{\"type\":\"message\",\"subtype\":\"message_changed\","
                  "\"channel_type\":\"im\",\"channel\":\"D1\",\"message\":{"
                  "\"user\":\"UBOT\",\"bot_id\":\"B1\",\"text\":\"x\",\"ts\":"
                  "\"1.1\"}}"),
        /* another event type, another envelope type */
        MSG_EVENT("{\"type\":\"app_home_opened\",\"user\":\"U1\"}"),
        "{\"type\":\"app_rate_limited\",\"team_id\":\"T1\"}",
    };
    struct slack_in in = {0};

    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        char err[ERR_BUFSZ] = "";

        T_EQ_INT(event(ignored[i], &in, err), 0);
        T_EQ_INT(in.kind, SLACK_IN_IGNORE);
    }
    slack_in_release(&in);
}

T_TEST(test_edit_and_delete)
{
    struct slack_in in = {0};
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(event(MSG_EVENT("{\"type\":\"message\",\"subtype\":"
                             "\"message_changed\",\"channel_type\":\"im\","
                             "\"channel\":\"D1\",\"message\":{\"user\":\"U1\","
                             "\"text\":\"better words\",\"ts\":\"1.5\"},"
                             "\"previous_message\":{\"user\":\"U1\",\"text\":"
                             "\"words\",\"ts\":\"1.5\"},\"ts\":\"1.9\"}"),
                   &in, err),
             0);
    T_EQ_INT(in.ev.type, ADAPTER_EVENT_EDIT);
    T_EQ_STR(in.ev.event_id, "slack:Ev1");
    T_EQ_STR(in.ev.target_msg_id, "1.5");
    T_EQ_STR(in.ev.text, "better words");
    T_EQ_INT(event(MSG_EVENT("{\"type\":\"message\",\"subtype\":"
                             "\"message_deleted\",\"channel_type\":\"im\","
                             "\"channel\":\"D1\",\"deleted_ts\":\"1.5\","
                             "\"previous_message\":{\"user\":\"U1\",\"text\":"
                             "\"x\",\"ts\":\"1.5\"}}"),
                   &in, err),
             0);
    T_EQ_INT(in.ev.type, ADAPTER_EVENT_DELETE);
    T_EQ_STR(in.ev.target_msg_id, "1.5");
    T_EQ_STR(in.ev.user_id, "U1");
    slack_in_release(&in);
}

T_TEST(test_bad_events_named)
{
    static const struct {
        const char *body, *says;
    } bad[] = {
        {"[1]", "not an object"},
        {"{\"type\":\"url_verification\"}", "challenge"},
        {"{\"type\":\"event_callback\",\"event\":{}}", "event_id"},
        {"{\"type\":\"event_callback\",\"event_id\":\"E\"}", "an event"},
        {MSG_EVENT("{\"type\":\"message\",\"channel_type\":\"im\","
                   "\"channel\":\"D1\",\"ts\":\"1.1\"}"),
         "a user"},
        {MSG_EVENT("{\"type\":\"message\",\"user\":\"U1\"}"), "channel"},
    };
    struct slack_in in = {0};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[ERR_BUFSZ] = "";

        T_EQ_INT(event(bad[i].body, &in, err), ERR_INVAL);
        T_CONTAINS(err, bad[i].says);
    }
    slack_in_release(&in);
}

T_TEST(test_url_verification)
{
    struct slack_in in = {0};
    char err[ERR_BUFSZ] = "";
    json_t *keep;
    static const char body[] =
        "{\"token\":\"x\",\"challenge\":\"3eZbrw1aBm2r\",\"type\":"
        "\"url_verification\"}";

    T_EQ_INT(
        slack_codec_http("events", body, strlen(body), NULL, &in, &keep, err),
        0);
    T_EQ_INT(in.kind, SLACK_IN_CHALLENGE);
    T_EQ_STR(in.challenge, "3eZbrw1aBm2r");
    json_decref(keep);
    T_EQ_INT(slack_codec_http("events", "{", 1, NULL, &in, &keep, err),
             ERR_INVAL);
    T_CONTAINS(err, "not JSON");
    T_CHECK(keep == NULL);
}

T_TEST(test_form)
{
    char err[ERR_BUFSZ] = "";
    json_t *o = slack_codec_form("a=1&b=x+y%21%C3%A5&c&&=z&a=2", 28, err);

    T_CHECK(o != NULL);
    T_EQ_STR(json_string_value(json_object_get(o, "a")), "2");
    T_EQ_STR(json_string_value(json_object_get(o, "b")), "x y!å");
    T_EQ_STR(json_string_value(json_object_get(o, "c")), "");
    T_EQ_STR(json_string_value(json_object_get(o, "")), "z");
    json_decref(o);
    T_CHECK(slack_codec_form("a=%zz", 5, err) == NULL);
    T_CONTAINS(err, "bad escape");
    T_CHECK(slack_codec_form("a=%0", 4, NULL) == NULL);
    T_CHECK(slack_codec_form("a=%00", 5, NULL) == NULL); /* NUL */
    T_CHECK(slack_codec_form("a=%FF", 5, NULL) == NULL); /* not UTF-8 */
}

/* Percent-encode a JSON payload the way Slack's form body carries it. */
static char *
payload_form(const char *json)
{
    size_t n = strlen(json);
    char *out = malloc(9 + 3 * n), *p = out;

    memcpy(p, "payload=", 8);
    p += 8;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)json[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9'))
            *p++ = (char)c;
        else
            p += snprintf(p, 4, "%%%02X", c);
    }
    *p = '\0';
    return out;
}

T_TEST(test_block_actions)
{
    struct slack_in in = {0};
    char err[ERR_BUFSZ] = "";
    json_t *keep;
    char *form = payload_form(
        "{\"type\":\"block_actions\",\"user\":{\"id\":\"U1\"},\"team\":{\"id\":"
        "\"T1\"},\"container\":{\"type\":\"message\",\"message_ts\":\"1.5\","
        "\"channel_id\":\"D1\"},\"trigger_id\":\"tr\",\"actions\":[{"
        "\"type\":\"button\",\"action_id\":\"skip\",\"block_id\":"
        "\"reflekt-42\",\"value\":\"42\",\"action_ts\":\"1.7\"}]}");

    T_EQ_INT(slack_codec_http("interactive", form, strlen(form), NULL, &in,
                              &keep, err),
             0);
    T_EQ_INT(in.kind, SLACK_IN_EVENT);
    T_EQ_INT(in.ev.type, ADAPTER_EVENT_ACTION);
    T_EQ_STR(in.ev.action, "skip");
    T_EQ_INT(in.ev.delivery_id, 42);
    T_EQ_STR(in.ev.conversation, "D1");
    T_EQ_STR(in.ev.target_msg_id, "1.5");
    T_EQ_STR(in.ev.event_id, "slack:act:U1:1.7");
    json_decref(keep);
    free(form);
    /* A view submission is not reflekt's; an action without id is bad. */
    form = payload_form("{\"type\":\"view_submission\"}");
    T_EQ_INT(slack_codec_http("interactive", form, strlen(form), NULL, &in,
                              &keep, err),
             0);
    T_EQ_INT(in.kind, SLACK_IN_IGNORE);
    json_decref(keep);
    free(form);
    form = payload_form("{\"type\":\"block_actions\",\"user\":{\"id\":\"U1\"},"
                        "\"actions\":[{}]}");
    T_EQ_INT(slack_codec_http("interactive", form, strlen(form), NULL, &in,
                              &keep, err),
             ERR_INVAL);
    T_CONTAINS(err, "action_id");
    json_decref(keep);
    free(form);
    T_EQ_INT(slack_codec_http("interactive", "x=1", 3, NULL, &in, &keep, err),
             ERR_INVAL);
}

T_TEST(test_slash_command)
{
    struct slack_in in = {0};
    char err[ERR_BUFSZ] = "";
    json_t *keep;
    static const char body[] =
        "token=x&team_id=T1&channel_id=D1&user_id=U9&user_name=bob&command="
        "%2Freflekt&text=cadence+lena+FREQ%3DWEEKLY&trigger_id=123.456";

    T_EQ_INT(
        slack_codec_http("commands", body, strlen(body), NULL, &in, &keep, err),
        0);
    T_EQ_INT(in.kind, SLACK_IN_COMMAND);
    T_EQ_INT(in.ev.type, ADAPTER_EVENT_COMMAND);
    T_EQ_STR(in.ev.user_id, "U9");
    T_EQ_STR(in.ev.text, "cadence lena FREQ=WEEKLY");
    T_EQ_STR(in.ev.event_id, "slack:cmd:U9:123.456");
    slack_in_release(&in);
    json_decref(keep);
    T_EQ_INT(slack_codec_http("commands", "text=x", 6, NULL, &in, &keep, err),
             ERR_INVAL);
    T_CONTAINS(err, "user_id");
    json_decref(keep);
}

T_TEST(test_socket_frames)
{
    struct slack_frame f;
    struct slack_in in = {0};
    char err[ERR_BUFSZ] = "";
    json_t *root;
    char *ack;
    static const char hello[] = "{\"type\":\"hello\",\"num_connections\":1}";
    static const char disc[] = "{\"type\":\"disconnect\",\"reason\":"
                               "\"refresh_requested\"}";
    static const char env[] =
        "{\"envelope_id\":\"e-1\",\"type\":\"events_api\","
        "\"payload\":" MSG_EVENT(
            "{\"type\":\"message\",\"channel_type\":\"im\","
            "\"channel\":\"D1\",\"user\":\"U1\",\"text\":\"hei\","
            "\"ts\":\"2.2\"}") ",\"accepts_response_payload\":false,"
                               "\"retry_attempt\":2,\"retry_reason\":"
                               "\"timeout\"}";
    static const char cmd[] =
        "{\"envelope_id\":\"e-2\",\"type\":\"slash_commands\",\"payload\":{"
        "\"user_id\":\"U9\",\"command\":\"/reflekt\",\"text\":\"status\","
        "\"trigger_id\":\"t\"},\"accepts_response_payload\":true}";

    T_EQ_INT(slack_codec_frame(hello, strlen(hello), &f, &root, err), 0);
    T_EQ_INT(f.type, SLACK_FRAME_HELLO);
    json_decref(root);
    T_EQ_INT(slack_codec_frame(disc, strlen(disc), &f, &root, err), 0);
    T_EQ_INT(f.type, SLACK_FRAME_DISCONNECT);
    T_EQ_STR(f.reason, "refresh_requested");
    json_decref(root);
    T_EQ_INT(slack_codec_frame(env, strlen(env), &f, &root, err), 0);
    T_EQ_INT(f.type, SLACK_FRAME_EVENTS);
    T_EQ_STR(f.envelope_id, "e-1");
    T_EQ_INT(f.retry_attempt, 2);
    T_EQ_INT(f.accepts_response, 0);
    T_EQ_INT(slack_codec_frame_in(&f, "UBOT", &in, err), 0);
    T_EQ_STR(in.ev.event_id, "slack:msg:D1:2.2");
    T_EQ_STR(in.ev.text, "hei");
    slack_in_release(&in);
    json_decref(root);
    T_EQ_INT(slack_codec_frame(cmd, strlen(cmd), &f, &root, err), 0);
    T_EQ_INT(f.type, SLACK_FRAME_COMMAND);
    T_EQ_INT(f.accepts_response, 1);
    T_EQ_INT(slack_codec_frame_in(&f, "UBOT", &in, err), 0);
    T_EQ_INT(in.kind, SLACK_IN_COMMAND);
    T_EQ_STR(in.ev.text, "status");
    slack_in_release(&in);
    json_decref(root);
    {
        static const char noid[] = "{\"type\":\"events_api\",\"payload\":{}}";

        T_EQ_INT(slack_codec_frame(noid, strlen(noid), &f, &root, err),
                 ERR_INVAL);
    }
    T_CONTAINS(err, "envelope_id");
    json_decref(root);
    err[0] = '\0';
    T_EQ_INT(slack_codec_frame("nope", 4, &f, &root, err), ERR_INVAL);
    T_CONTAINS(err, "not a JSON object");
    T_CHECK(root == NULL);
    ack = slack_codec_ack("e-2", "ok \"then\"");
    T_EQ_STR(ack, "{\"envelope_id\":\"e-2\",\"payload\":{\"text\":\"ok "
                  "\\\"then\\\"\"}}");
    free(ack);
    ack = slack_codec_ack("e-1", NULL);
    T_EQ_STR(ack, "{\"envelope_id\":\"e-1\"}");
    free(ack);
}

T_TEST(test_post_and_update)
{
    struct adapter_msg m = {0};
    json_t *o, *act;
    char *big;

    m.text = "*Hva lærte du?* <tenk> & svar";
    m.delivery_id = 42;
    m.button_skip = "Hopp over";
    m.button_snooze = "Utsett";
    o = slack_codec_post("D1", &m);
    T_EQ_STR(json_string_value(json_object_get(o, "channel")), "D1");
    T_EQ_STR(json_string_value(json_object_get(o, "text")),
             "*Hva lærte du?* &lt;tenk&gt; &amp; svar");
    act = json_array_get(json_object_get(o, "blocks"), 1);
    T_EQ_STR(json_string_value(json_object_get(act, "type")), "actions");
    T_EQ_STR(json_string_value(json_object_get(act, "block_id")), "reflekt-42");
    T_EQ_STR(
        json_string_value(json_object_get(
            json_array_get(json_object_get(act, "elements"), 0), "action_id")),
        "skip");
    T_EQ_STR(json_string_value(json_object_get(
                 json_array_get(json_object_get(act, "elements"), 1), "value")),
             "42");
    T_EQ_STR(
        json_string_value(json_object_get(
            json_object_get(json_object_get(o, "metadata"), "event_payload"),
            "delivery_id")),
        "42");
    json_decref(o);
    /* A reply: no buttons, no metadata. */
    m.delivery_id = 0;
    o = slack_codec_post("D1", &m);
    T_EQ_INT((int)json_array_size(json_object_get(o, "blocks")), 1);
    T_CHECK(json_object_get(o, "metadata") == NULL);
    json_decref(o);
    /* Section text stays within Slack's 3,000, cut between characters. */
    big = malloc(5001);
    for (int i = 0; i < 5000; i += 2)
        memcpy(big + i, "å", 2);
    big[5000] = '\0';
    m.text = big;
    o = slack_codec_post("D1", &m);
    {
        const char *sec = json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(o, "blocks"), 0),
                            "text"),
            "text"));

        T_CHECK(strlen(sec) <= 3000);
        T_CONTAINS(sec, "å…");
    }
    json_decref(o);
    free(big);
    o = slack_codec_update("D1", "1.5", "Spørsmålet", "⏭ Hoppet over");
    T_EQ_STR(json_string_value(json_object_get(o, "ts")), "1.5");
    T_EQ_INT((int)json_array_size(json_object_get(o, "blocks")), 2);
    T_EQ_STR(json_string_value(json_object_get(
                 json_array_get(json_object_get(o, "blocks"), 1), "type")),
             "context");
    json_decref(o);
}

T_TEST(test_history)
{
    json_t *h = js(
        "{\"ok\":true,\"messages\":["
        "{\"user\":\"U1\",\"text\":\"second\",\"ts\":\"5.0\"},"
        "{\"user\":\"UBOT\",\"bot_id\":\"B\",\"text\":\"q\",\"ts\":\"4.0\","
        "\"metadata\":{\"event_type\":\"reflekt_question\",\"event_payload\":"
        "{\"delivery_id\":\"42\"}}},"
        "{\"user\":\"U1\",\"subtype\":\"channel_join\",\"ts\":\"3.5\"},"
        "{\"user\":\"U1\",\"text\":\"first &lt;3\",\"ts\":\"3.0\"}]}");
    struct slack_in in[4] = {{0}};
    const char *ts = NULL;
    char code[32];

    T_EQ_INT(slack_codec_history_find(h, 42, &ts), 1);
    T_EQ_STR(ts, "4.0");
    T_EQ_INT(slack_codec_history_find(h, 43, &ts), 0);
    T_EQ_INT((int)slack_codec_history_messages(h, "D1", "U1", in, 4), 2);
    T_EQ_STR(in[0].ev.text, "first <3");
    T_EQ_STR(in[0].ev.event_id, "slack:msg:D1:3.0");
    T_EQ_STR(in[1].ev.msg_id, "5.0");
    slack_in_release(&in[0]);
    slack_in_release(&in[1]);
    T_EQ_INT(slack_codec_ok(h, code, sizeof(code)), 1);
    json_decref(h);
    h = js("{\"ok\":false,\"error\":\"channel_not_found\"}");
    T_EQ_INT(slack_codec_ok(h, code, sizeof(code)), 0);
    T_EQ_STR(code, "channel_not_found");
    json_decref(h);
}

T_TEST(test_release_pool)
{
    event(NULL, NULL, NULL);
}

T_MAIN(T_CASE(test_dm_message), T_CASE(test_ignored_messages),
       T_CASE(test_edit_and_delete), T_CASE(test_bad_events_named),
       T_CASE(test_url_verification), T_CASE(test_form),
       T_CASE(test_block_actions), T_CASE(test_slash_command),
       T_CASE(test_socket_frames), T_CASE(test_post_and_update),
       T_CASE(test_history), T_CASE(test_release_pool))
