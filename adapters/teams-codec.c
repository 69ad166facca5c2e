/*
 * teams-codec.c - Bot Framework activities in, connector JSON out.
 *
 * Event ids name the conversation too, since Teams message ids are unique
 * only within one chat: a message is "teams:<conversation>:<activity id>"
 * (Teams sends the same id when it redelivers); an edit is
 * "teams:edit:<conversation>:<message id>:<timestamp>", since every edit of
 * one message carries that message's id; a delete is
 * "teams:del:<conversation>:<message id>".
 *
 * Text out: reflekt's texts mark bold with single asterisks and break
 * lines with '\n'.  Teams reads Markdown, where that would be italics and
 * one paragraph, so bold becomes double asterisks, a plain message gets a
 * paragraph per line, and a card gets a TextBlock per line.
 */
#include "teams-codec.h"

#include "buf.h"
#include "err.h"
#include "xmalloc.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TEAMS_CARD_VERSION "1.4"
#define TEAMS_CARD_TYPE "application/vnd.microsoft.card.adaptive"

/* Microsoft's connector hosts (suffix match on a label boundary). */
static const char *const teams_hosts[] = {
    "botframework.com",
    "smba.trafficmanager.net",
    "teams.microsoft.com",
    "teams.microsoft.us",
};

static const char *
teams_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Whether s is usable as one part of a reference. */
static int
teams_ref_part_ok(const char *s, size_t max)
{
    size_t n = 0;

    if (s == NULL || s[0] == '\0')
        return 0;
    for (; s[n] != '\0'; n++)
        if ((unsigned char)s[n] <= ' ' || s[n] == 0x7f)
            return 0;
    return n < max;
}

int
teams_ref_format(const struct teams_ref *ref, char *out, size_t outsz)
{
    int n;

    if (!teams_ref_part_ok(ref->service_url, sizeof(ref->service_url)) ||
        !teams_ref_part_ok(ref->tenant, sizeof(ref->tenant)) ||
        !teams_ref_part_ok(ref->conversation, sizeof(ref->conversation)))
        return ERR_INVAL;
    n = snprintf(out, outsz, "%s %s %s", ref->service_url, ref->tenant,
                 ref->conversation);
    return n > 0 && (size_t)n < outsz ? 0 : ERR_INVAL;
}

int
teams_ref_parse(const char *s, struct teams_ref *ref)
{
    char *parts[3] = {ref->service_url, ref->tenant, ref->conversation};
    size_t sizes[3] = {sizeof(ref->service_url), sizeof(ref->tenant),
                       sizeof(ref->conversation)};

    memset(ref, 0, sizeof(*ref));
    for (int i = 0; i < 3; i++) {
        size_t n = strcspn(s, " ");

        if (n == 0 || n >= sizes[i] || (i < 2 && s[n] != ' ') ||
            (i == 2 && s[n] != '\0'))
            goto bad;
        memcpy(parts[i], s, n);
        parts[i][n] = '\0';
        if (!teams_ref_part_ok(parts[i], sizes[i]))
            goto bad;
        s += n + (i < 2);
    }
    return 0;
bad:
    memset(ref, 0, sizeof(*ref));
    return ERR_INVAL;
}

int
teams_codec_service_url_ok(const char *url, int loopback)
{
    static const char *const local[] = {"127.0.0.1", "localhost", "[::1]"};
    const char *host, *end;
    size_t n;

    if (url == NULL)
        return 0;
    if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (loopback && strncmp(url, "http://", 7) == 0)
        host = url + 7;
    else
        return 0;
    end = host + strcspn(host, "/?#");
    if (memchr(host, '@', (size_t)(end - host)) != NULL)
        return 0; /* no user info: it could hide the real host */
    if (*host == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));

        n = close != NULL ? (size_t)(close + 1 - host) : 0;
    } else {
        n = strcspn(host, ":/?#");
    }
    if (n == 0)
        return 0;
    if (loopback)
        for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
            if (strlen(local[i]) == n && strncasecmp(host, local[i], n) == 0)
                return 1;
    if (strncmp(url, "https://", 8) != 0)
        return 0;
    for (size_t i = 0; i < sizeof(teams_hosts) / sizeof(teams_hosts[0]); i++) {
        size_t m = strlen(teams_hosts[i]);

        if (n == m && strncasecmp(host, teams_hosts[i], m) == 0)
            return 1;
        if (n > m && host[n - m - 1] == '.' &&
            strncasecmp(host + n - m, teams_hosts[i], m) == 0)
            return 1;
    }
    return 0;
}

/* ---- in ------------------------------------------------------------------ */

/* The delivery id in a card's submitted data, or 0. */
static int64_t
teams_delivery(const json_t *v)
{
    const char *s;
    char *end;
    long long n;

    if (json_is_integer(v))
        return json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
    s = json_string_value(v);
    if (s == NULL || !isdigit((unsigned char)s[0]) || strlen(s) > 18)
        return 0;
    n = strtoll(s, &end, 10);
    return *end == '\0' && n > 0 ? (int64_t)n : 0;
}

/* "reflekt ..." or "/reflekt ...": the rest, else NULL. */
static const char *
teams_command(const char *text, size_t len, size_t *restlen)
{
    size_t i = 0;

    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i < len && text[i] == '/')
        i++;
    if (len - i < 7 || strncasecmp(text + i, "reflekt", 7) != 0)
        return NULL;
    i += 7;
    if (i < len && !isspace((unsigned char)text[i]))
        return NULL;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    *restlen = len - i;
    return text + i;
}

/* The person's zone: localTimezone, else a clientInfo entity's. */
static const char *
teams_tz(const json_t *act)
{
    const char *tz = teams_str(act, "localTimezone");
    size_t i;
    json_t *e;

    if (tz != NULL)
        return tz;
    json_array_foreach(json_object_get(act, "entities"), i, e)
    {
        const char *type = teams_str(e, "type");

        if (type != NULL && strcmp(type, "clientInfo") == 0 &&
            teams_str(e, "timezone") != NULL)
            return teams_str(e, "timezone");
    }
    return NULL;
}

/* Whether membersAdded names the bot. */
static int
teams_bot_added(const json_t *act, const char *self)
{
    const char *rid = teams_str(json_object_get(act, "recipient"), "id");
    size_t i;
    json_t *m;

    json_array_foreach(json_object_get(act, "membersAdded"), i, m)
    {
        const char *id = teams_str(m, "id");

        if (id != NULL && ((self != NULL && strcmp(id, self) == 0) ||
                           (rid != NULL && strcmp(id, rid) == 0)))
            return 1;
    }
    return 0;
}

static int
teams_in_message(const json_t *act, const char *id, struct teams_in *in,
                 char *err)
{
    const json_t *value = json_object_get(act, "value");
    const json_t *text = json_object_get(act, "text");
    const char *s, *rest;
    size_t len, restlen;

    snprintf(in->event_id, sizeof(in->event_id), "teams:%s:%s",
             in->ref.conversation, id);
    in->ev.event_id = in->event_id;
    in->ev.msg_id = id;
    if (json_is_object(value)) {
        const char *action = teams_str(value, "action");

        if (action == NULL ||
            (strcmp(action, "skip") != 0 && strcmp(action, "snooze") != 0))
            return 0; /* a card that is not reflekt's */
        in->ev.type = ADAPTER_EVENT_ACTION;
        in->ev.action = action;
        in->ev.delivery_id = teams_delivery(json_object_get(value, "delivery"));
        in->ev.target_msg_id = teams_str(act, "replyToId");
        in->kind = TEAMS_IN_EVENT;
        return 0;
    }
    if (text != NULL && !json_is_string(text)) {
        err_set(err, "activity text is not a string");
        return ERR_INVAL;
    }
    s = json_string_value(text);
    len = json_string_length(text);
    if (s == NULL || len == 0)
        return 0; /* an attachment alone: nothing to keep */
    if (memchr(s, '\0', len) != NULL) {
        err_set(err, "activity text holds a NUL character");
        return ERR_INVAL;
    }
    in->ev.text = s;
    in->ev.text_len = len;
    if ((rest = teams_command(s, len, &restlen)) != NULL) {
        in->ev.type = ADAPTER_EVENT_COMMAND;
        in->ev.text = rest;
        in->ev.text_len = restlen;
        in->kind = TEAMS_IN_COMMAND;
        return 0;
    }
    in->ev.type = ADAPTER_EVENT_MESSAGE;
    in->kind = TEAMS_IN_EVENT;
    return 0;
}

int
teams_codec_activity(const json_t *act, const char *self, struct teams_in *in,
                     char *err)
{
    const json_t *from = json_object_get(act, "from");
    const json_t *conv = json_object_get(act, "conversation");
    const char *type = teams_str(act, "type"), *id = teams_str(act, "id");
    const char *ctype = teams_str(conv, "conversationType");
    const char *tenant, *ev_type;

    memset(in, 0, sizeof(*in));
    if (!json_is_object(act) || type == NULL) {
        err_set(err, "activity has no type");
        return ERR_INVAL;
    }
    in->channel = teams_str(act, "channelId");
    in->service_url = teams_str(act, "serviceUrl");
    in->from_id = teams_str(from, "id");
    in->user = teams_str(from, "aadObjectId");
    if (in->user == NULL)
        in->user = in->from_id;
    if (in->channel == NULL || in->service_url == NULL || in->from_id == NULL ||
        teams_str(conv, "id") == NULL) {
        err_set(err, "activity lacks %s",
                in->channel == NULL       ? "channelId"
                : in->service_url == NULL ? "serviceUrl"
                : in->from_id == NULL     ? "from.id"
                                          : "conversation.id");
        return ERR_INVAL;
    }
    /* Only the personal Teams chat with the bot is reflekt's: Web Chat or
     * Direct Line activities (other channels of the same bot) name people
     * however their client likes, so they are never taken as anyone's. */
    if (strcmp(in->channel, "msteams") != 0 ||
        (ctype != NULL && strcmp(ctype, "personal") != 0) ||
        json_is_true(json_object_get(conv, "isGroup")))
        return 0;
    tenant = teams_str(conv, "tenantId");
    if (tenant == NULL)
        tenant = teams_str(
            json_object_get(json_object_get(act, "channelData"), "tenant"),
            "id");
    if (tenant == NULL) {
        err_set(err, "activity names no tenant");
        return ERR_INVAL;
    }
    xstrlcpy(in->ref.service_url, in->service_url, sizeof(in->ref.service_url));
    xstrlcpy(in->ref.tenant, tenant, sizeof(in->ref.tenant));
    xstrlcpy(in->ref.conversation, teams_str(conv, "id"),
             sizeof(in->ref.conversation));
    if (strlen(in->service_url) >= sizeof(in->ref.service_url) ||
        strlen(tenant) >= sizeof(in->ref.tenant) ||
        strlen(teams_str(conv, "id")) >= sizeof(in->ref.conversation) ||
        teams_ref_format(&in->ref, in->ref_str, sizeof(in->ref_str)) < 0) {
        err_set(err, "activity's serviceUrl, tenant or conversation id is "
                     "too long or holds a space");
        return ERR_INVAL;
    }
    in->tz = teams_tz(act);
    in->ev.user_id = in->user;
    in->ev.conversation = in->ref_str;
    if (strcmp(type, "installationUpdate") == 0) {
        const char *action = teams_str(act, "action");

        if (action != NULL && strncmp(action, "add", 3) == 0)
            in->kind = TEAMS_IN_INSTALL;
        else if (action != NULL && strncmp(action, "remove", 6) == 0)
            in->kind = TEAMS_IN_REMOVE;
        return 0;
    }
    if (strcmp(type, "conversationUpdate") == 0) {
        if (teams_bot_added(act, self))
            in->kind = TEAMS_IN_INSTALL;
        return 0;
    }
    if (strcmp(type, "message") != 0 && strcmp(type, "messageUpdate") != 0 &&
        strcmp(type, "messageDelete") != 0)
        return 0; /* typing, reactions, invokes, events */
    if (id == NULL || strlen(id) > TEAMS_ACTIVITY_ID_MAX) {
        err_set(err, "%s activity has no usable id", type);
        return ERR_INVAL;
    }
    if (strcmp(type, "message") == 0)
        return teams_in_message(act, id, in, err);
    ev_type = teams_str(json_object_get(act, "channelData"), "eventType");
    in->ev.target_msg_id = id;
    in->kind = TEAMS_IN_EVENT;
    if (strcmp(type, "messageDelete") == 0) {
        if (ev_type != NULL && strcmp(ev_type, "softDeleteMessage") != 0) {
            in->kind = TEAMS_IN_IGNORE;
            return 0;
        }
        in->ev.type = ADAPTER_EVENT_DELETE;
        snprintf(in->event_id, sizeof(in->event_id), "teams:del:%s:%s",
                 in->ref.conversation, id);
    } else {
        const json_t *text = json_object_get(act, "text");
        const char *ts = teams_str(act, "timestamp");

        if (ev_type != NULL && strcmp(ev_type, "editMessage") != 0) {
            in->kind = TEAMS_IN_IGNORE; /* undeleteMessage */
            return 0;
        }
        if (!json_is_string(text) ||
            memchr(json_string_value(text), '\0', json_string_length(text))) {
            err_set(err, "messageUpdate has no text, or a NUL in it");
            return ERR_INVAL;
        }
        in->ev.type = ADAPTER_EVENT_EDIT;
        in->ev.text = json_string_value(text);
        in->ev.text_len = json_string_length(text);
        snprintf(in->event_id, sizeof(in->event_id), "teams:edit:%s:%s:%.64s",
                 in->ref.conversation, id, ts != NULL ? ts : "-");
    }
    in->ev.event_id = in->event_id;
    return 0;
}

/* ---- out ----------------------------------------------------------------- */

/* Append text[0..len) to b as Teams Markdown: *bold* -> **bold**. */
static void
teams_md(struct buf *b, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '*')
            buf_adds(b, "**");
        else
            buf_add(b, &text[i], 1);
    }
}

static json_t *
teams_text_block(const char *line, size_t len, int subtle)
{
    struct buf b;
    json_t *o;

    buf_init(&b, 0);
    teams_md(&b, line, len);
    o = json_pack("{s:s, s:s%, s:b}", "type", "TextBlock", "text",
                  b.data != NULL ? b.data : "", b.len, "wrap", 1);
    if (subtle) {
        json_object_set_new(o, "isSubtle", json_true());
        json_object_set_new(o, "spacing", json_string("medium"));
    }
    buf_release(&b);
    return o;
}

/* A TextBlock per line of text (empty lines only add space). */
static void
teams_blocks(json_t *body, const char *text)
{
    int gap = 0;

    while (*text != '\0') {
        size_t n = strcspn(text, "\n");

        if (n == 0) {
            gap = 1;
        } else {
            json_t *tb = teams_text_block(text, n, 0);

            if (gap)
                json_object_set_new(tb, "spacing", json_string("medium"));
            json_array_append_new(body, tb);
            gap = 0;
        }
        text += n + (text[n] == '\n');
    }
}

static json_t *
teams_card(json_t *body, json_t *actions)
{
    json_t *card = json_pack(
        "{s:s, s:s, s:s, s:o}", "type", "AdaptiveCard", "version",
        TEAMS_CARD_VERSION, "$schema",
        "http://adaptivecards.io/schemas/adaptive-card.json", "body", body);

    if (actions != NULL)
        json_object_set_new(card, "actions", actions);
    return json_pack("{s:s, s:[{s:s, s:o}]}", "type", "message", "attachments",
                     "contentType", TEAMS_CARD_TYPE, "content", card);
}

static json_t *
teams_submit(const char *title, const char *action, int64_t delivery)
{
    return json_pack("{s:s, s:s, s:{s:s, s:I}}", "type", "Action.Submit",
                     "title", title, "data", "action", action, "delivery",
                     (json_int_t)delivery);
}

json_t *
teams_codec_message(const struct adapter_msg *m)
{
    struct buf b;
    json_t *o;

    if (m->button_skip != NULL && m->button_snooze != NULL &&
        m->delivery_id > 0) {
        json_t *body = json_array();

        teams_blocks(body, m->text);
        return teams_card(
            body,
            json_pack(
                "[o, o]", teams_submit(m->button_skip, "skip", m->delivery_id),
                teams_submit(m->button_snooze, "snooze", m->delivery_id)));
    }
    buf_init(&b, 0);
    for (const char *t = m->text; *t != '\0';) {
        size_t n = strcspn(t, "\n");

        teams_md(&b, t, n);
        t += n;
        if (*t == '\n') {
            /* Blank lines between paragraphs are one break, not more. */
            t += strspn(t, "\n");
            if (*t != '\0')
                buf_adds(&b, "\n\n");
        }
    }
    o = json_pack("{s:s, s:s%, s:s}", "type", "message", "text",
                  b.data != NULL ? b.data : "", b.len, "textFormat",
                  "markdown");
    buf_release(&b);
    return o;
}

json_t *
teams_codec_settled(const char *text, const char *note)
{
    json_t *body = json_array();

    teams_blocks(body, text);
    if (note != NULL)
        json_array_append_new(body, teams_text_block(note, strlen(note), 1));
    return teams_card(body, NULL);
}

json_t *
teams_codec_create(const char *bot_id, const char *user, const char *tenant)
{
    return json_pack("{s:b, s:{s:s}, s:[{s:s}], s:s, s:{s:{s:s}}}", "isGroup",
                     0, "bot", "id", bot_id, "members", "id", user, "tenantId",
                     tenant, "channelData", "tenant", "id", tenant);
}

void
teams_codec_error(const json_t *body, char *code, size_t codesz, char *sub,
                  size_t subsz)
{
    const json_t *e = json_object_get(body, "error");
    const char *c = teams_str(e, "code"), *s = teams_str(e, "subCode");

    xstrlcpy(code, c != NULL ? c : "", codesz);
    xstrlcpy(sub, s != NULL ? s : "", subsz);
}
