/*
 * teams-codec.h - Bot Framework activities <-> reflekt events, and the
 * JSON reflekt sends to the Teams connector.  Pure: no I/O, no clock; the
 * unit tests and the fuzzer call it directly.
 *
 * reflekt talks to leaders only in personal (1:1) chats; activities from
 * channels and group chats are ignored.  A person is named by their Entra
 * object id (from.aadObjectId), which is stable across bots and is what an
 * administrator finds in Entra; from.id is used only when the object id is
 * missing.
 *
 * A conversation reference (where to send: the service URL, the tenant and
 * the conversation id) travels through the engine as one string, the three
 * parts separated by single spaces; none of them may hold a space.
 */
#ifndef REFLEKT_TEAMS_CODEC_H
#define REFLEKT_TEAMS_CODEC_H

#include "adapter.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define TEAMS_REF_MAX 512         /* an encoded reference fits (STORE_ID_MAX) */
#define TEAMS_ACTIVITY_ID_MAX 128 /* longer activity ids are refused */

struct teams_ref {
    char service_url[200]; /* as the activity said it, trailing '/' kept */
    char tenant[64];
    char conversation[240];
};

enum teams_in_kind {
    TEAMS_IN_IGNORE = 0, /* nothing for reflekt (typing, a channel, ...) */
    TEAMS_IN_EVENT,      /* ev: a message, button press, edit or delete */
    TEAMS_IN_COMMAND,    /* ev: "reflekt ..." typed by anyone */
    TEAMS_IN_INSTALL,    /* the app was added for the person: ref is new */
    TEAMS_IN_REMOVE,     /* the app was removed */
};

/* A decoded activity.  Lifetime: the strings ev points to live in this
 * struct or in the activity JSON; both must outlive ev's use. */
struct teams_in {
    enum teams_in_kind kind;
    struct adapter_event ev;
    struct teams_ref ref;
    char ref_str[TEAMS_REF_MAX]; /* ref encoded, what ev.conversation says */
    char event_id[512];          /* fits STORE_ID_MAX: see teams-codec.c */
    const char *user;            /* the person (object id, else from.id) */
    const char *from_id;         /* from.id */
    const char *channel;         /* channelId, e.g. "msteams" */
    const char *service_url;     /* serviceUrl, as sent */
    const char *tz;              /* the person's IANA zone, or NULL */
};

/*
 * Decode one activity.  self is the bot's id ("28:<app id>"), may be NULL.
 * Returns: 0 (in->kind says what it is), or ERR_INVAL with err naming the
 * missing or malformed field.
 */
int teams_codec_activity(const json_t *act, const char *self,
                         struct teams_in *in, char *err);

/* Returns: 0, or ERR_INVAL when a part is empty, too long or holds a space
 * or a control character. */
int teams_ref_format(const struct teams_ref *ref, char *out, size_t outsz);
int teams_ref_parse(const char *s, struct teams_ref *ref);

/*
 * Whether reflekt may send its connector token to url: https to a host
 * under one of Microsoft's connector domains; with loopback also http or
 * https to 127.0.0.1, [::1] or localhost (tests).  Returns: 1 or 0.
 */
int teams_codec_service_url_ok(const char *url, int loopback);

/* An outgoing message: text alone, or a card with Skip and Snooze when
 * m has button labels.  Returns: a new reference. */
json_t *teams_codec_message(const struct adapter_msg *m);
/* The question's card once settled: text and note, no buttons.  Returns: a
 * new reference. */
json_t *teams_codec_settled(const char *text, const char *note);
/* ConversationParameters for a new 1:1 chat.  Returns: a new reference. */
json_t *teams_codec_create(const char *bot_id, const char *user,
                           const char *tenant);
/*
 * The code (and sub-code, e.g. "MessageWritesBlocked") of a connector
 * error body; "" when there is none.
 */
void teams_codec_error(const json_t *body, char *code, size_t codesz, char *sub,
                       size_t subsz);

#endif
