/*
 * slack-codec.c - Slack payloads <-> reflekt events and messages.
 *
 * Slack escapes three characters in message text (&amp; &lt; &gt;) and
 * expects the same escaping in what it is sent; both directions are done
 * here, so the engine sees and stores the leader's words as written.
 */
#include "slack-codec.h"

#include "buf.h"
#include "err.h"
#include "xmalloc.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLACK_SECTION_MAX 3000 /* Slack's limit for a section's text */
#define SLACK_LABEL_MAX 75     /* and for a button's */
#define SLACK_META_TYPE "reflekt_question"

void
slack_in_release(struct slack_in *in)
{
    free(in->text);
    in->text = NULL;
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Undo Slack's three escapes into a new string. */
static char *
slack_unescape(const char *s, size_t len, size_t *outlen)
{
    static const struct {
        const char *from;
        size_t n;
        char to;
    } esc[] = {{"&amp;", 5, '&'}, {"&lt;", 4, '<'}, {"&gt;", 4, '>'}};
    char *out = xmalloc(len + 1);
    size_t o = 0;

    for (size_t i = 0; i < len;) {
        size_t k;

        for (k = 0; k < sizeof(esc) / sizeof(esc[0]); k++) {
            if (len - i >= esc[k].n &&
                memcmp(s + i, esc[k].from, esc[k].n) == 0)
                break;
        }
        if (k < sizeof(esc) / sizeof(esc[0])) {
            out[o++] = esc[k].to;
            i += esc[k].n;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

/* Slack's escaping of text it is sent. */
static void
slack_escape(struct buf *b, const char *s, size_t max)
{
    size_t start = b->len;

    for (; *s != '\0'; s++) {
        /* Cut at a character boundary, never inside a UTF-8 sequence. */
        if (b->len - start + 5 > max && ((unsigned char)*s & 0xC0) != 0x80) {
            buf_adds(b, "…");
            return;
        }
        if (*s == '&')
            buf_adds(b, "&amp;");
        else if (*s == '<')
            buf_adds(b, "&lt;");
        else if (*s == '>')
            buf_adds(b, "&gt;");
        else
            buf_add(b, s, 1);
    }
}

static json_t *
slack_escaped(const char *s, size_t max)
{
    struct buf b;
    json_t *j;

    buf_init(&b, 0);
    slack_escape(&b, s != NULL ? s : "", max);
    j = json_stringn(b.data != NULL ? b.data : "", b.len);
    buf_release(&b);
    return j != NULL ? j : json_string("");
}

static int
slack_set_id(struct slack_in *out, const char *fmt, const char *a,
             const char *b, char *err)
{
    int n = snprintf(out->id, sizeof(out->id), fmt, a, b);

    if (n < 0 || (size_t)n >= sizeof(out->id)) {
        err_set(err, "an id in the payload is too long");
        return ERR_INVAL;
    }
    out->ev.event_id = out->id;
    return 0;
}

static void
slack_set_text(struct slack_in *out, const json_t *text)
{
    size_t n = 0;

    free(out->text);
    out->text =
        slack_unescape(json_is_string(text) ? json_string_value(text) : "",
                       json_is_string(text) ? json_string_length(text) : 0, &n);
    out->ev.text = out->text;
    out->ev.text_len = n;
}

/* Whether a message object comes from a bot (reflekt itself included). */
static int
slack_from_bot(const json_t *msg, const char *self_user)
{
    const char *u = str(msg, "user");

    return json_object_get(msg, "bot_id") != NULL ||
           (self_user != NULL && u != NULL && strcmp(u, self_user) == 0);
}

static int
slack_message(const json_t *ev, const char *event_id, const char *self_user,
              struct slack_in *out, char *err)
{
    const char *channel = str(ev, "channel"), *ctype = str(ev, "channel_type");
    const char *subtype = str(ev, "subtype");
    const json_t *msg;
    const char *user, *ts;

    if (channel == NULL) {
        err_set(err, "message event without a channel");
        return ERR_INVAL;
    }
    /* Only direct messages with reflekt count. */
    if (ctype != NULL ? strcmp(ctype, "im") != 0 : channel[0] != 'D')
        return 0;
    out->ev.conversation = channel;
    if (subtype == NULL || strcmp(subtype, "file_share") == 0 ||
        strcmp(subtype, "thread_broadcast") == 0) {
        if (slack_from_bot(ev, self_user))
            return 0;
        user = str(ev, "user");
        ts = str(ev, "ts");
        if (user == NULL || ts == NULL) {
            err_set(err, "message event without %s",
                    user == NULL ? "a user" : "a ts");
            return ERR_INVAL;
        }
        out->ev.type = ADAPTER_EVENT_MESSAGE;
        out->ev.user_id = user;
        out->ev.msg_id = ts;
        slack_set_text(out, json_object_get(ev, "text"));
        out->kind = SLACK_IN_EVENT;
        return slack_set_id(out, "slack:msg:%s:%s", channel, ts, err);
    }
    if (strcmp(subtype, "message_changed") == 0) {
        msg = json_object_get(ev, "message");
        if (!json_is_object(msg) || slack_from_bot(msg, self_user))
            return 0;
        user = str(msg, "user");
        ts = str(msg, "ts");
        if (user == NULL || ts == NULL) {
            err_set(err, "message_changed without the message's %s",
                    user == NULL ? "user" : "ts");
            return ERR_INVAL;
        }
        out->ev.type = ADAPTER_EVENT_EDIT;
        out->ev.user_id = user;
        out->ev.target_msg_id = ts;
        slack_set_text(out, json_object_get(msg, "text"));
        out->kind = SLACK_IN_EVENT;
        return slack_set_id(out, "slack:%s%s", event_id, "", err);
    }
    if (strcmp(subtype, "message_deleted") == 0) {
        msg = json_object_get(ev, "previous_message");
        ts = str(ev, "deleted_ts");
        if (!json_is_object(msg) || slack_from_bot(msg, self_user))
            return 0;
        user = str(msg, "user");
        if (user == NULL || ts == NULL) {
            err_set(err, "message_deleted without %s",
                    user == NULL ? "the message's user" : "deleted_ts");
            return ERR_INVAL;
        }
        out->ev.type = ADAPTER_EVENT_DELETE;
        out->ev.user_id = user;
        out->ev.target_msg_id = ts;
        out->kind = SLACK_IN_EVENT;
        return slack_set_id(out, "slack:%s%s", event_id, "", err);
    }
    return 0; /* joins, topics, bot messages: nothing for reflekt */
}

int
slack_codec_event(const json_t *body, const char *self_user,
                  struct slack_in *out, char *err)
{
    const char *type = str(body, "type"), *event_id, *etype;
    const json_t *ev;

    slack_in_release(out);
    memset(out, 0, sizeof(*out));
    if (!json_is_object(body) || type == NULL) {
        err_set(err, "event body is not an object with a type");
        return ERR_INVAL;
    }
    out->team_id = str(body, "team_id");
    if (strcmp(type, "url_verification") == 0) {
        out->challenge = str(body, "challenge");
        if (out->challenge == NULL) {
            err_set(err, "url_verification without a challenge");
            return ERR_INVAL;
        }
        out->kind = SLACK_IN_CHALLENGE;
        return 0;
    }
    if (strcmp(type, "event_callback") != 0)
        return 0; /* app_rate_limited and the like: nothing to store */
    ev = json_object_get(body, "event");
    event_id = str(body, "event_id");
    if (!json_is_object(ev) || event_id == NULL) {
        err_set(err, "event_callback without %s",
                event_id == NULL ? "an event_id" : "an event");
        return ERR_INVAL;
    }
    etype = str(ev, "type");
    if (etype == NULL || strcmp(etype, "message") != 0)
        return 0;
    return slack_message(ev, event_id, self_user, out, err);
}

int
slack_codec_action(const json_t *payload, struct slack_in *out, char *err)
{
    const char *type = str(payload, "type"), *user, *action_id, *ats, *value;
    const json_t *act, *container;
    const char *channel, *ts;

    slack_in_release(out);
    memset(out, 0, sizeof(*out));
    if (!json_is_object(payload) || type == NULL) {
        err_set(err, "interactive payload is not an object with a type");
        return ERR_INVAL;
    }
    if (strcmp(type, "block_actions") != 0)
        return 0;
    user = str(json_object_get(payload, "user"), "id");
    act = json_array_get(json_object_get(payload, "actions"), 0);
    action_id = str(act, "action_id");
    if (user == NULL || action_id == NULL) {
        err_set(err, "block_actions without %s",
                user == NULL ? "user.id" : "an action_id");
        return ERR_INVAL;
    }
    container = json_object_get(payload, "container");
    channel = str(container, "channel_id");
    if (channel == NULL)
        channel = str(json_object_get(payload, "channel"), "id");
    ts = str(container, "message_ts");
    if (ts == NULL)
        ts = str(json_object_get(payload, "message"), "ts");
    ats = str(act, "action_ts");
    if (ats == NULL)
        ats = str(payload, "trigger_id");
    if (ats == NULL) {
        err_set(err, "block_actions without action_ts or trigger_id");
        return ERR_INVAL;
    }
    out->team_id = str(json_object_get(payload, "team"), "id");
    out->ev.type = ADAPTER_EVENT_ACTION;
    out->ev.user_id = user;
    out->ev.conversation = channel;
    out->ev.target_msg_id = ts;
    out->ev.action = strcmp(action_id, "skip") == 0     ? "skip"
                     : strcmp(action_id, "snooze") == 0 ? "snooze"
                                                        : "none";
    value = str(act, "value");
    if (value != NULL) {
        char *end;
        long long v = strtoll(value, &end, 10);

        if (end != value && *end == '\0' && v > 0)
            out->ev.delivery_id = v;
    }
    out->kind = SLACK_IN_EVENT;
    return slack_set_id(out, "slack:act:%s:%s", user, ats, err);
}

int
slack_codec_command(const json_t *fields, struct slack_in *out, char *err)
{
    const char *user, *trigger;

    slack_in_release(out);
    memset(out, 0, sizeof(*out));
    user = str(fields, "user_id");
    trigger = str(fields, "trigger_id");
    if (user == NULL || str(fields, "command") == NULL) {
        err_set(err, "slash command without %s",
                user == NULL ? "user_id" : "command");
        return ERR_INVAL;
    }
    out->team_id = str(fields, "team_id");
    out->ev.type = ADAPTER_EVENT_COMMAND;
    out->ev.user_id = user;
    out->ev.conversation = str(fields, "channel_id");
    slack_set_text(out, json_object_get(fields, "text"));
    out->kind = SLACK_IN_COMMAND;
    return slack_set_id(out, "slack:cmd:%s:%s", user,
                        trigger != NULL ? trigger : "-", err);
}

/* Decode one form component into a new JSON string (NULL when bad). */
static json_t *
slack_form_part(const char *s, size_t len)
{
    char *out = xmalloc(len + 1);
    size_t o = 0;
    json_t *j = NULL;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi, lo;

            if (len - i < 3 ||
                (hi = OPENSSL_hexchar2int((unsigned char)s[i + 1])) < 0 ||
                (lo = OPENSSL_hexchar2int((unsigned char)s[i + 2])) < 0)
                goto out;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
        if (out[o - 1] == '\0')
            goto out;
    }
    j = json_stringn(out, o); /* NULL for text that is not UTF-8 */
out:
    free(out);
    return j;
}

json_t *
slack_codec_form(const char *body, size_t len, char *err)
{
    json_t *o = json_object();
    size_t i = 0;

    while (i < len) {
        const char *amp = memchr(body + i, '&', len - i);
        size_t end = amp != NULL ? (size_t)(amp - body) : len;
        const char *eq = memchr(body + i, '=', end - i);
        size_t nend = eq != NULL ? (size_t)(eq - body) : end;
        json_t *name, *value;

        if (end > i) {
            name = slack_form_part(body + i, nend - i);
            value = eq != NULL ? slack_form_part(eq + 1, end - nend - 1)
                               : json_string("");
            if (name == NULL || value == NULL) {
                json_decref(name);
                json_decref(value);
                json_decref(o);
                err_set(err,
                        "form body: bad escape or text that is not "
                        "UTF-8 near byte %zu",
                        i);
                return NULL;
            }
            json_object_set_new(o, json_string_value(name), value);
            json_decref(name);
        }
        i = end + 1;
    }
    return o;
}

int
slack_codec_http(const char *route, const char *body, size_t len,
                 const char *self_user, struct slack_in *out, json_t **keep,
                 char *err)
{
    json_error_t je;
    json_t *form, *payload;
    const char *p;

    *keep = NULL;
    if (strcmp(route, "events") == 0) {
        *keep = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
        if (*keep == NULL) {
            err_set(err, "event body is not JSON: %s", je.text);
            return ERR_INVAL;
        }
        return slack_codec_event(*keep, self_user, out, err);
    }
    form = slack_codec_form(body, len, err);
    if (form == NULL)
        return ERR_INVAL;
    if (strcmp(route, "commands") == 0) {
        *keep = form;
        return slack_codec_command(form, out, err);
    }
    p = str(form, "payload");
    if (p == NULL) {
        json_decref(form);
        err_set(err, "interactive body without a payload field");
        return ERR_INVAL;
    }
    payload = json_loads(p, JSON_REJECT_DUPLICATES, &je);
    json_decref(form);
    if (payload == NULL) {
        err_set(err, "interactive payload is not JSON: %s", je.text);
        return ERR_INVAL;
    }
    *keep = payload;
    return slack_codec_action(payload, out, err);
}

/* ---- Socket Mode ------------------------------------------------------ */

int
slack_codec_frame(const char *text, size_t len, struct slack_frame *out,
                  json_t **root, char *err)
{
    static const struct {
        const char *name;
        enum slack_frame_type type;
    } types[] = {
        {"hello", SLACK_FRAME_HELLO},
        {"disconnect", SLACK_FRAME_DISCONNECT},
        {"events_api", SLACK_FRAME_EVENTS},
        {"interactive", SLACK_FRAME_INTERACTIVE},
        {"slash_commands", SLACK_FRAME_COMMAND},
    };
    json_error_t je;
    const char *type;
    const json_t *v;

    memset(out, 0, sizeof(*out));
    *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(*root)) {
        err_set(err, "Socket Mode frame is not a JSON object%s%s",
                *root == NULL ? ": " : "", *root == NULL ? je.text : "");
        json_decref(*root);
        *root = NULL;
        return ERR_INVAL;
    }
    type = str(*root, "type");
    if (type == NULL) {
        err_set(err, "Socket Mode frame without a type");
        return ERR_INVAL;
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(type, types[i].name) == 0)
            out->type = types[i].type;
    }
    out->reason = str(*root, "reason");
    if (out->type < SLACK_FRAME_EVENTS)
        return 0;
    out->envelope_id = str(*root, "envelope_id");
    out->payload = json_object_get(*root, "payload");
    if (out->envelope_id == NULL || !json_is_object(out->payload)) {
        err_set(err, "envelope without %s",
                out->envelope_id == NULL ? "an envelope_id" : "a payload");
        out->type = SLACK_FRAME_OTHER;
        return ERR_INVAL;
    }
    out->accepts_response =
        json_is_true(json_object_get(*root, "accepts_response_payload"));
    v = json_object_get(*root, "retry_attempt");
    out->retry_attempt = json_is_integer(v) ? (int)json_integer_value(v) : 0;
    return 0;
}

int
slack_codec_frame_in(const struct slack_frame *f, const char *self_user,
                     struct slack_in *out, char *err)
{
    switch (f->type) {
    case SLACK_FRAME_EVENTS:
        return slack_codec_event(f->payload, self_user, out, err);
    case SLACK_FRAME_INTERACTIVE:
        return slack_codec_action(f->payload, out, err);
    case SLACK_FRAME_COMMAND:
        return slack_codec_command(f->payload, out, err);
    default:
        slack_in_release(out);
        memset(out, 0, sizeof(*out));
        return 0;
    }
}

char *
slack_codec_ack(const char *envelope_id, const char *reply)
{
    json_t *o = json_pack("{s:s}", "envelope_id", envelope_id);
    char *s;

    if (reply != NULL)
        json_object_set_new(o, "payload", json_pack("{s:s}", "text", reply));
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s == NULL)
        abort(); /* out of memory */
    return s;
}

/* ---- Web API bodies -------------------------------------------------- */

static json_t *
slack_section(const char *text)
{
    return json_pack("{s:s, s:{s:s, s:o}}", "type", "section", "text", "type",
                     "mrkdwn", "text", slack_escaped(text, SLACK_SECTION_MAX));
}

static json_t *
slack_button(const char *action, const char *label, const char *value,
             int primary)
{
    json_t *b = json_pack(
        "{s:s, s:s, s:{s:s, s:o, s:b}, s:s}", "type", "button", "action_id",
        action, "text", "type", "plain_text", "text",
        slack_escaped(label, SLACK_LABEL_MAX), "emoji", 1, "value", value);

    if (primary)
        json_object_set_new(b, "style", json_string("primary"));
    return b;
}

json_t *
slack_codec_post(const char *channel, const struct adapter_msg *m)
{
    json_t *o, *blocks;
    char id[24];

    o = json_pack("{s:s, s:o, s:b, s:b}", "channel", channel, "text",
                  slack_escaped(m->text, 40000), "unfurl_links", 0,
                  "unfurl_media", 0);
    blocks = json_pack("[o]", slack_section(m->text));
    if (m->delivery_id > 0) {
        snprintf(id, sizeof(id), "%" PRId64, m->delivery_id);
        if (m->button_skip != NULL && m->button_snooze != NULL) {
            char block_id[40];

            snprintf(block_id, sizeof(block_id), "reflekt-%s", id);
            json_array_append_new(
                blocks,
                json_pack("{s:s, s:s, s:[o, o]}", "type", "actions", "block_id",
                          block_id, "elements",
                          slack_button("skip", m->button_skip, id, 0),
                          slack_button("snooze", m->button_snooze, id, 1)));
        }
        json_object_set_new(o, "metadata",
                            json_pack("{s:s, s:{s:s}}", "event_type",
                                      SLACK_META_TYPE, "event_payload",
                                      "delivery_id", id));
    }
    json_object_set_new(o, "blocks", blocks);
    return o;
}

json_t *
slack_codec_update(const char *channel, const char *ts, const char *text,
                   const char *note)
{
    json_t *ctx = json_pack("{s:s, s:[{s:s, s:o}]}", "type", "context",
                            "elements", "type", "mrkdwn", "text",
                            slack_escaped(note, SLACK_SECTION_MAX));

    return json_pack("{s:s, s:s, s:o, s:[o, o]}", "channel", channel, "ts", ts,
                     "text", slack_escaped(text, 40000), "blocks",
                     slack_section(text), ctx);
}

int
slack_codec_history_find(const json_t *history, int64_t delivery_id,
                         const char **ts)
{
    const json_t *msgs = json_object_get(history, "messages"), *msg;
    char want[24];
    size_t i;

    snprintf(want, sizeof(want), "%" PRId64, delivery_id);
    json_array_foreach(msgs, i, msg)
    {
        const json_t *meta = json_object_get(msg, "metadata");
        const json_t *id = json_object_get(
            json_object_get(meta, "event_payload"), "delivery_id");
        const char *type = str(meta, "event_type");

        if (type == NULL || strcmp(type, SLACK_META_TYPE) != 0 ||
            str(msg, "ts") == NULL)
            continue;
        if ((json_is_string(id) && strcmp(json_string_value(id), want) == 0) ||
            (json_is_integer(id) && json_integer_value(id) == delivery_id)) {
            *ts = str(msg, "ts");
            return 1;
        }
    }
    return 0;
}

size_t
slack_codec_history_messages(const json_t *history, const char *channel,
                             const char *user_id, struct slack_in *out,
                             size_t max)
{
    const json_t *msgs = json_object_get(history, "messages");
    size_t n = 0, count = json_array_size(msgs);

    /* Slack lists the newest first; the engine wants them in order. */
    for (size_t i = count; i-- > 0 && n < max;) {
        const json_t *msg = json_array_get(msgs, i);
        const char *user = str(msg, "user"), *ts = str(msg, "ts");
        const char *subtype = str(msg, "subtype");
        struct slack_in *in = &out[n];

        if (user == NULL || ts == NULL || strcmp(user, user_id) != 0 ||
            json_object_get(msg, "bot_id") != NULL ||
            (subtype != NULL && strcmp(subtype, "file_share") != 0))
            continue;
        memset(in, 0, sizeof(*in));
        if (slack_set_id(in, "slack:msg:%s:%s", channel, ts, NULL) < 0)
            continue;
        in->kind = SLACK_IN_EVENT;
        in->ev.type = ADAPTER_EVENT_MESSAGE;
        in->ev.user_id = user;
        in->ev.conversation = channel;
        in->ev.msg_id = ts;
        slack_set_text(in, json_object_get(msg, "text"));
        n++;
    }
    return n;
}

int
slack_codec_ok(const json_t *res, char *out, size_t outsz)
{
    const char *e = str(res, "error");

    if (json_is_true(json_object_get(res, "ok"))) {
        xstrlcpy(out, "", outsz);
        return 1;
    }
    xstrlcpy(out, e != NULL ? e : "not_ok", outsz);
    return 0;
}
