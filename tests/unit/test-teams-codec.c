/*
 * test-teams-codec.c - Bot Framework activities in, connector JSON out,
 * with the shapes PLATFORMS.md §2 records (among them the activities the
 * Microsoft 365 Agents Playground sent, verbatim).
 */
#include "teams-codec.h"

#include "err.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

#define SELF "28:11111111-2222-3333-4444-555555555555"

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

static const char playground_message[] =
    "{\"type\":\"message\",\"text\":\"hello bot\",\"id\":\"e2040c96-4d70-"
    "42f5-b5fe-0fbecac93961\",\"from\":{\"id\":\"user-id-0\",\"name\":"
    "\"Alex Wilber\",\"aadObjectId\":\"00000000-0000-0000-0000-"
    "0000000000020\"},\"timestamp\":\"2026-11-23T11:34:32.587Z\","
    "\"localTimestamp\":\"2026-11-23T11:34:32.587+00:00\",\"localTimezone\":"
    "\"UTC\",\"serviceUrl\":\"http://localhost:56150/_connector\","
    "\"conversation\":{\"conversationType\":\"personal\",\"tenantId\":"
    "\"00000000-0000-0000-0000-0000000000001\",\"id\":\"0158635f-7b38-4072-"
    "93da-a3c11b91d8ce\"},\"recipient\":{\"id\":\"00000000-0000-0000-0000-"
    "00000000000011\",\"name\":\"Test Bot\"},\"textFormat\":\"plain\","
    "\"locale\":\"en-US\",\"entities\":[{\"type\":\"clientInfo\",\"locale\":"
    "\"en-US\",\"country\":\"US\",\"platform\":\"Web\",\"timezone\":\"UTC\"}],"
    "\"channelData\":{\"tenant\":{\"id\":\"00000000-0000-0000-0000-"
    "0000000000001\"}},\"channelId\":\"msteams\"}";

/* The Playground's message with one field replaced (or added). */
static json_t *
variant(const char *key, json_t *value)
{
    json_t *j = js(playground_message);

    if (value == NULL)
        json_object_del(j, key);
    else
        json_object_set_new(j, key, value);
    return j;
}

T_TEST(test_message)
{
    json_t *j = js(playground_message);
    struct teams_in in;
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_EVENT);
    T_EQ_INT(in.ev.type, ADAPTER_EVENT_MESSAGE);
    T_EQ_STR(in.ev.event_id, "teams:0158635f-7b38-4072-93da-a3c11b91d8ce:"
                             "e2040c96-4d70-42f5-b5fe-0fbecac93961");
    T_EQ_STR(in.ev.msg_id, "e2040c96-4d70-42f5-b5fe-0fbecac93961");
    T_EQ_STR(in.ev.user_id, "00000000-0000-0000-0000-0000000000020");
    T_EQ_STR(in.from_id, "user-id-0");
    T_EQ_INT(in.ev.text_len, 9);
    T_CHECK(strncmp(in.ev.text, "hello bot", 9) == 0);
    T_EQ_STR(in.ev.conversation, "http://localhost:56150/_connector "
                                 "00000000-0000-0000-0000-0000000000001 "
                                 "0158635f-7b38-4072-93da-a3c11b91d8ce");
    T_EQ_STR(in.channel, "msteams");
    T_EQ_STR(in.tz, "UTC");
    json_decref(j);

    /* Without an object id the per-bot id names the person; the zone
     * comes from clientInfo. */
    j = js(playground_message);
    json_object_del(json_object_get(j, "from"), "aadObjectId");
    json_object_del(j, "localTimezone");
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_STR(in.ev.user_id, "user-id-0");
    T_EQ_STR(in.tz, "UTC");
    json_decref(j);

    /* A message with only an attachment carries nothing to keep. */
    j = variant("text", NULL);
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_IGNORE);
    json_decref(j);
}

T_TEST(test_command)
{
    static const struct {
        const char *text, *rest;
        int command;
    } cases[] = {
        {"reflekt status", "status", 1},
        {"  Reflekt   cadence lena", "cadence lena", 1},
        {"/reflekt nudge bob", "nudge bob", 1},
        {"reflekt", "", 1},
        {"reflektion er bra", NULL, 0},
        {"jeg reflekterer", NULL, 0},
    };
    struct teams_in in;
    char err[ERR_BUFSZ] = "";

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = variant("text", json_string(cases[i].text));

        T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
        if (cases[i].command) {
            T_EQ_INT(in.kind, TEAMS_IN_COMMAND);
            T_EQ_INT(in.ev.type, ADAPTER_EVENT_COMMAND);
            T_EQ_INT(in.ev.text_len, strlen(cases[i].rest));
            T_CHECK(strncmp(in.ev.text, cases[i].rest, in.ev.text_len) == 0);
        } else {
            T_EQ_INT(in.ev.type, ADAPTER_EVENT_MESSAGE);
        }
        json_decref(j);
    }
}

T_TEST(test_submit)
{
    /* The Playground's Action.Submit, with reflekt's data. */
    json_t *j = js("{\"type\":\"message\",\"id\":\"396bf17c-1\",\"from\":{"
                   "\"id\":\"user-id-0\",\"aadObjectId\":\"aad-1\"},"
                   "\"conversation\":{\"id\":\"c1\",\"conversationType\":"
                   "\"personal\",\"tenantId\":\"t1\"},\"serviceUrl\":"
                   "\"http://localhost:56150/_connector\",\"channelData\":{"
                   "\"source\":{\"name\":\"message\"},\"tenant\":{\"id\":"
                   "\"t1\"}},\"replyToId\":\"1795433695350-f9ea8199\","
                   "\"value\":{\"action\":\"snooze\",\"delivery\":42},"
                   "\"channelId\":\"msteams\"}");
    struct teams_in in;
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_EVENT);
    T_EQ_INT(in.ev.type, ADAPTER_EVENT_ACTION);
    T_EQ_STR(in.ev.action, "snooze");
    T_EQ_INT(in.ev.delivery_id, 42);
    T_EQ_STR(in.ev.target_msg_id, "1795433695350-f9ea8199");
    T_EQ_STR(in.ev.event_id, "teams:c1:396bf17c-1");
    /* The delivery id as a string; another card's data is not ours. */
    json_object_set_new(
        j, "value", json_pack("{s:s, s:s}", "action", "skip", "delivery", "7"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_STR(in.ev.action, "skip");
    T_EQ_INT(in.ev.delivery_id, 7);
    json_object_set_new(j, "value", json_pack("{s:s}", "action", "vote"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_IGNORE);
    json_decref(j);
}

T_TEST(test_lifecycle)
{
    struct teams_in in;
    char err[ERR_BUFSZ] = "";
    json_t *j;

    j = variant("type", json_string("installationUpdate"));
    json_object_set_new(j, "action", json_string("add"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_INSTALL);
    T_EQ_STR(in.ev.user_id, "00000000-0000-0000-0000-0000000000020");
    T_CONTAINS(in.ref_str, "0158635f-7b38-4072-93da-a3c11b91d8ce");
    json_object_set_new(j, "action", json_string("remove-upgrade"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_REMOVE);
    json_decref(j);

    /* conversationUpdate: install only when the bot was added. */
    j = variant("type", json_string("conversationUpdate"));
    json_object_set_new(j, "membersAdded",
                        json_pack("[{s:s}]", "id", "user-id-0"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_IGNORE);
    json_object_set_new(j, "membersAdded",
                        json_pack("[{s:s}, {s:s}]", "id", "user-id-0", "id",
                                  "00000000-0000-0000-0000-00000000000011"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_INSTALL);
    json_decref(j);

    /* Typing and invokes are nothing for reflekt. */
    j = variant("type", json_string("typing"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_IGNORE);
    json_decref(j);
}

T_TEST(test_edit_delete)
{
    struct teams_in in;
    char err[ERR_BUFSZ] = "";
    json_t *j;

    j = variant("type", json_string("messageUpdate"));
    json_object_set_new(j, "text", json_string("hello again"));
    json_object_set_new(json_object_get(j, "channelData"), "eventType",
                        json_string("editMessage"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.ev.type, ADAPTER_EVENT_EDIT);
    T_EQ_STR(in.ev.target_msg_id, "e2040c96-4d70-42f5-b5fe-0fbecac93961");
    T_EQ_STR(in.ev.event_id, "teams:edit:0158635f-7b38-4072-93da-"
                             "a3c11b91d8ce:e2040c96-4d70-42f5-b5fe-"
                             "0fbecac93961:2026-11-23T11:34:32.587Z");
    T_EQ_INT(in.ev.text_len, 11);
    json_object_set_new(json_object_get(j, "channelData"), "eventType",
                        json_string("undeleteMessage"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_IGNORE);
    json_decref(j);

    j = variant("type", json_string("messageDelete"));
    json_object_set_new(json_object_get(j, "channelData"), "eventType",
                        json_string("softDeleteMessage"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.ev.type, ADAPTER_EVENT_DELETE);
    T_EQ_STR(in.ev.event_id, "teams:del:0158635f-7b38-4072-93da-a3c11b91d8ce:"
                             "e2040c96-4d70-42f5-b5fe-0fbecac93961");
    json_decref(j);
}

T_TEST(test_refused)
{
    static const char *const drop[] = {"serviceUrl", "channelId", "from",
                                       "conversation"};
    struct teams_in in;
    char err[ERR_BUFSZ];
    json_t *j;

    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
        err[0] = '\0';
        j = variant(drop[i], NULL);
        T_EQ_INT(teams_codec_activity(j, SELF, &in, err), ERR_INVAL);
        T_CHECK(err[0] != '\0');
        json_decref(j);
    }
    /* No tenant anywhere. */
    j = variant("channelData", NULL);
    json_object_del(json_object_get(j, "conversation"), "tenantId");
    err[0] = '\0';
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), ERR_INVAL);
    T_CONTAINS(err, "tenant");
    json_decref(j);
    /* A conversation id with a space cannot be a reference. */
    j = js(playground_message);
    json_object_set_new(json_object_get(j, "conversation"), "id",
                        json_string("a b"));
    err[0] = '\0';
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), ERR_INVAL);
    T_CONTAINS(err, "space");
    json_decref(j);
    /* Text that is not a string. */
    j = variant("text", json_integer(5));
    err[0] = '\0';
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), ERR_INVAL);
    T_CONTAINS(err, "text");
    json_decref(j);
    /* Not an object at all. */
    j = json_array();
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), ERR_INVAL);
    json_decref(j);
    /* Another channel of the same bot (Web Chat, Direct Line) names people
     * as its client likes: never taken as anyone's. */
    j = variant("channelId", json_string("directline"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_IGNORE);
    json_decref(j);
    /* A group chat or a channel is ignored, not refused. */
    j = js(playground_message);
    json_object_set_new(json_object_get(j, "conversation"), "conversationType",
                        json_string("channel"));
    T_EQ_INT(teams_codec_activity(j, SELF, &in, err), 0);
    T_EQ_INT(in.kind, TEAMS_IN_IGNORE);
    json_decref(j);
}

T_TEST(test_ref)
{
    struct teams_ref r = {"https://smba.trafficmanager.net/emea/", "t-1",
                          "a:1xyz@thread.v2;x"};
    struct teams_ref back;
    char s[TEAMS_REF_MAX];
    static const char *const bad[] = {"",        "only-one", "two parts",
                                      "a b c d", "a  c",     " b c",
                                      "a b ",    "a\tb c"};

    T_EQ_INT(teams_ref_format(&r, s, sizeof(s)), 0);
    T_EQ_STR(s, "https://smba.trafficmanager.net/emea/ t-1 a:1xyz@thread.v2;x");
    T_EQ_INT(teams_ref_parse(s, &back), 0);
    T_EQ_STR(back.service_url, r.service_url);
    T_EQ_STR(back.tenant, r.tenant);
    T_EQ_STR(back.conversation, r.conversation);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        T_EQ_INT(teams_ref_parse(bad[i], &back), ERR_INVAL);
    r.tenant[0] = '\0';
    T_EQ_INT(teams_ref_format(&r, s, sizeof(s)), ERR_INVAL);
}

T_TEST(test_service_url)
{
    static const struct {
        const char *url;
        int loopback, ok;
    } cases[] = {
        {"https://smba.trafficmanager.net/emea/", 0, 1},
        {"https://smba.trafficmanager.net/teams/", 0, 1},
        {"https://SMBA.trafficmanager.net/amer/", 0, 1},
        {"https://smba.infra.gcc.teams.microsoft.com/gcc", 0, 1},
        {"https://europe.botframework.com", 0, 1},
        {"https://smba.trafficmanager.net:443/emea/", 0, 1},
        {"http://smba.trafficmanager.net/emea/", 0, 0},
        {"https://evil.example/", 0, 0},
        {"https://smba.trafficmanager.net.evil.example/", 0, 0},
        {"https://evilbotframework.com/", 0, 0},
        {"https://smba.trafficmanager.net@evil.example/", 0, 0},
        {"https://evil.example/?x=smba.trafficmanager.net", 0, 0},
        {"http://127.0.0.1:5000/connector/", 0, 0},
        {"http://127.0.0.1:5000/connector/", 1, 1},
        {"http://localhost:56150/_connector", 1, 1},
        {"http://[::1]:8/x", 1, 1},
        {"http://127.0.0.2/", 1, 0},
        {"http://localhost.evil.example/", 1, 0},
        {"ftp://127.0.0.1/", 1, 0},
        {"", 1, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = teams_codec_service_url_ok(cases[i].url, cases[i].loopback);

        if (got != cases[i].ok)
            fprintf(stderr, "service url %s loopback=%d\n", cases[i].url,
                    cases[i].loopback);
        T_EQ_INT(got, cases[i].ok);
    }
}

T_TEST(test_out)
{
    struct adapter_msg m = {0};
    json_t *o, *card, *acts, *body;
    char *text;

    m.text = "*Spørsmål:* Hva lærte du?\n\nSvar når du vil.";
    m.delivery_id = 42;
    m.button_skip = "Hopp over";
    m.button_snooze = "Senere";
    o = teams_codec_message(&m);
    card = json_object_get(json_array_get(json_object_get(o, "attachments"), 0),
                           "content");
    T_EQ_STR(json_string_value(json_object_get(
                 json_array_get(json_object_get(o, "attachments"), 0),
                 "contentType")),
             "application/vnd.microsoft.card.adaptive");
    T_EQ_STR(json_string_value(json_object_get(card, "type")), "AdaptiveCard");
    body = json_object_get(card, "body");
    T_EQ_INT(json_array_size(body), 2);
    T_EQ_STR(
        json_string_value(json_object_get(json_array_get(body, 0), "text")),
        "**Spørsmål:** Hva lærte du?");
    T_EQ_STR(
        json_string_value(json_object_get(json_array_get(body, 1), "spacing")),
        "medium");
    acts = json_object_get(card, "actions");
    T_EQ_INT(json_array_size(acts), 2);
    text = json_dumps(acts, JSON_COMPACT | JSON_SORT_KEYS);
    T_EQ_STR(text, "[{\"data\":{\"action\":\"skip\",\"delivery\":42},"
                   "\"title\":\"Hopp over\",\"type\":\"Action.Submit\"},"
                   "{\"data\":{\"action\":\"snooze\",\"delivery\":42},"
                   "\"title\":\"Senere\",\"type\":\"Action.Submit\"}]");
    free(text);
    json_decref(o);

    /* Without buttons: one Markdown message, a paragraph per line. */
    m.button_skip = m.button_snooze = NULL;
    m.text = "Takk!\nVi ses.";
    o = teams_codec_message(&m);
    T_EQ_STR(json_string_value(json_object_get(o, "text")), "Takk!\n\nVi ses.");
    T_EQ_STR(json_string_value(json_object_get(o, "textFormat")), "markdown");
    T_CHECK(json_object_get(o, "attachments") == NULL);
    json_decref(o);

    /* Settled: the question and a subtle note, no buttons. */
    o = teams_codec_settled("Hva lærte du?", "✓ Besvart – takk!");
    card = json_object_get(json_array_get(json_object_get(o, "attachments"), 0),
                           "content");
    T_CHECK(json_object_get(card, "actions") == NULL);
    body = json_object_get(card, "body");
    T_EQ_INT(json_array_size(body), 2);
    T_CHECK(json_is_true(json_object_get(json_array_get(body, 1), "isSubtle")));
    json_decref(o);

    o = teams_codec_create("28:app", "aad-1", "t-1");
    text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    T_EQ_STR(text, "{\"bot\":{\"id\":\"28:app\"},\"channelData\":{\"tenant\":"
                   "{\"id\":\"t-1\"}},\"isGroup\":false,\"members\":[{\"id\":"
                   "\"aad-1\"}],\"tenantId\":\"t-1\"}");
    free(text);
    json_decref(o);
}

T_TEST(test_error)
{
    json_t *j = js("{\"error\":{\"code\":\"Forbidden\",\"message\":\"x\","
                   "\"subCode\":\"MessageWritesBlocked\"}}");
    char code[32], sub[32];

    teams_codec_error(j, code, sizeof(code), sub, sizeof(sub));
    T_EQ_STR(code, "Forbidden");
    T_EQ_STR(sub, "MessageWritesBlocked");
    json_decref(j);
    teams_codec_error(NULL, code, sizeof(code), sub, sizeof(sub));
    T_EQ_STR(code, "");
    T_EQ_STR(sub, "");
}

T_MAIN(T_CASE(test_message), T_CASE(test_command), T_CASE(test_submit),
       T_CASE(test_lifecycle), T_CASE(test_edit_delete), T_CASE(test_refused),
       T_CASE(test_ref), T_CASE(test_service_url), T_CASE(test_out),
       T_CASE(test_error))
