/*
 * slack-codec.h - Slack's JSON and form bodies to reflekt's events, and
 * reflekt's messages to Slack's: pure functions, no I/O, fuzzed.
 *
 * The same payloads arrive two ways, over HTTP (Events API, interactivity,
 * slash commands) and inside Socket Mode envelopes; both are decoded here.
 * Decoded values point into the JSON they came from (and into the
 * slack_in's own buffers): keep both alive while the event is used.
 */
#ifndef REFLEKT_SLACK_CODEC_H
#define REFLEKT_SLACK_CODEC_H

#include "adapter.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SLACK_CODEC_ID_MAX 256

enum slack_in_kind {
    SLACK_IN_IGNORE = 0, /* nothing for reflekt (the bot's own, a join) */
    SLACK_IN_CHALLENGE,  /* url_verification: answer with challenge */
    SLACK_IN_EVENT,      /* a message, edit, deletion or button press */
    SLACK_IN_COMMAND,    /* /reflekt: user, conversation and text */
};

struct slack_in {
    enum slack_in_kind kind;
    struct adapter_event ev;     /* EVENT and COMMAND */
    const char *challenge;       /* CHALLENGE */
    const char *team_id;         /* the workspace, when the payload names it */
    char id[SLACK_CODEC_ID_MAX]; /* ev.event_id's storage */
    char *text;                  /* ev.text's storage, Slack's escapes undone */
};

/* Free what a decode allocated; safe on a zeroed or released slack_in. */
void slack_in_release(struct slack_in *in);

/*
 * An Events API body (event_callback or url_verification).  Messages from
 * bots, from self_user (the bot's own user id, may be NULL), outside
 * direct messages, and subtypes other than edits and deletions are
 * SLACK_IN_IGNORE.  A message's event id is "slack:msg:CHANNEL:TS", the
 * same whether it came live or from the conversation's history.
 * Returns: 0, or ERR_INVAL with err naming what was wrong.
 */
int slack_codec_event(const json_t *body, const char *self_user,
                      struct slack_in *out, char *err);

/* A block_actions payload: the first action, "skip" or "snooze" (other
 * action ids become action "none"). */
int slack_codec_action(const json_t *payload, struct slack_in *out, char *err);

/* A slash command's fields (a JSON object of strings). */
int slack_codec_command(const json_t *fields, struct slack_in *out, char *err);

/*
 * application/x-www-form-urlencoded body to a JSON object of strings (the
 * last of a repeated name wins).  Returns: a new object, or NULL with err
 * filled for a malformed body (bad %-escape, a NUL byte, not UTF-8).
 */
json_t *slack_codec_form(const char *body, size_t len, char *err);

/* Decode a whole HTTP body by route: "events" (JSON), "interactive" (form
 * with payload=JSON) or "commands" (form).  *keep gets the JSON the result
 * points into (release it with json_decref). */
int slack_codec_http(const char *route, const char *body, size_t len,
                     const char *self_user, struct slack_in *out, json_t **keep,
                     char *err);

/* ---- Socket Mode ------------------------------------------------------ */

enum slack_frame_type {
    SLACK_FRAME_OTHER = 0,
    SLACK_FRAME_HELLO,
    SLACK_FRAME_DISCONNECT,
    SLACK_FRAME_EVENTS,      /* events_api */
    SLACK_FRAME_INTERACTIVE, /* interactive */
    SLACK_FRAME_COMMAND,     /* slash_commands */
};

struct slack_frame {
    enum slack_frame_type type;
    const char *envelope_id; /* NULL for hello and disconnect */
    const json_t *payload;   /* borrowed from the frame */
    int accepts_response;
    int retry_attempt;
    const char *reason; /* disconnect: "warning", "refresh_requested", ... */
};

/*
 * One text message from the Socket Mode connection.  *root gets the parsed
 * JSON (release with json_decref) that out points into.
 * Returns: 0, or ERR_INVAL.
 */
int slack_codec_frame(const char *text, size_t len, struct slack_frame *out,
                      json_t **root, char *err);
/* Decode an envelope's payload the way slack_codec_http does. */
int slack_codec_frame_in(const struct slack_frame *f, const char *self_user,
                         struct slack_in *out, char *err);
/* The acknowledgement of envelope_id, with a reply text or NULL.
 * Ownership: the caller frees the string. */
char *slack_codec_ack(const char *envelope_id, const char *reply);

/* ---- Web API bodies -------------------------------------------------- */

/*
 * chat.postMessage: text (also the notification), a section with the text
 * and, for a question with button labels, an actions block with Skip and
 * Snooze whose value is the delivery id; the delivery id also goes into
 * the message metadata (event_type "reflekt_question"), which is how a
 * resend after a crash finds out the question already went.
 */
json_t *slack_codec_post(const char *channel, const struct adapter_msg *m);
/* chat.update: the question without buttons, and a line saying why. */
json_t *slack_codec_update(const char *channel, const char *ts,
                           const char *text, const char *note);

/*
 * Whether the conversations.history response holds the bot's message for
 * delivery_id; *ts (borrowed from history) names it.  Returns: 1, 0.
 */
int slack_codec_history_find(const json_t *history, int64_t delivery_id,
                             const char **ts);
/*
 * The leader's messages in a conversations.history response, oldest first,
 * as events of user_id in channel (ids as slack_codec_event makes them).
 * Returns: how many were written to out (at most max).
 */
size_t slack_codec_history_messages(const json_t *history, const char *channel,
                                    const char *user_id, struct slack_in *out,
                                    size_t max);

/*
 * {"ok":false,"error":"..."} -> the error code into out; HTTP 200 with
 * ok true -> "".  Returns: 1 when ok, 0 when not.
 */
int slack_codec_ok(const json_t *res, char *out, size_t outsz);

#endif
