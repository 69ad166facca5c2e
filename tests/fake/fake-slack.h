/*
 * fake-slack.h - a loopback Slack for tests: the Web API methods reflekt
 * calls, a Socket Mode WebSocket server, and the "Slack -> app" side of the
 * Events API (signed HTTP deliveries to the app's endpoint).
 *
 * It listens on 127.0.0.1 on ports the kernel picks and answers in its own
 * threads.  The workspace has one team ("T0FAKE"), one bot user ("UBOT")
 * with bot token "xoxb-fake" and app token "xapp-fake"; people are added by
 * the test.  Each person has one direct conversation with the bot, whose
 * id is "D" followed by the person's id without its leading "U".
 *
 * What the test does as a person (say, edit, delete, press, command) is
 * delivered to the app the way Slack would: over one open Socket Mode
 * connection (round robin) when the fake is in socket mode, else as a
 * signed POST to the app's endpoint.  Each call returns once the app has
 * acknowledged it (the envelope ack, or an HTTP 2xx), or with an error
 * when it did not within FAKE_SLACK_ACK_MS; an unacknowledged delivery is
 * retried as Slack does (retry_attempt / X-Slack-Retry-Num) up to three
 * times before the call gives up.
 */
#ifndef REFLEKT_FAKE_SLACK_H
#define REFLEKT_FAKE_SLACK_H

#include <stddef.h>

#define FAKE_SLACK_BOT_TOKEN "xoxb-fake"
#define FAKE_SLACK_APP_TOKEN "xapp-fake"
#define FAKE_SLACK_SECRET "fake-signing-secret"
#define FAKE_SLACK_BOT_USER "UBOT"
#define FAKE_SLACK_ACK_MS 3000

struct fake_slack;

enum fake_slack_fault {
    FAKE_SLACK_500 = 1, /* answer 500 with an HTML body */
    FAKE_SLACK_SLOW,    /* wait 2 s before answering */
    FAKE_SLACK_RESET,   /* close the connection unanswered */
    FAKE_SLACK_LIMIT,   /* 429 with Retry-After: 1 */
    FAKE_SLACK_AUTH,    /* 200 {"ok":false,"error":"invalid_auth"} */
    FAKE_SLACK_CUT,     /* do the call, then answer 200 with a body cut
                           short (not JSON) */
};

/* One message the bot posted, as Slack holds it now. */
struct fake_slack_post {
    char channel[32];
    char ts[32];
    char *text;     /* the current text (after chat.update), malloc'd */
    char *blocks;   /* the current blocks as JSON text, or NULL */
    char *metadata; /* metadata as JSON text, or NULL */
    int updates;    /* how many chat.update calls it got */
};

struct fake_slack *fake_slack_start(void);
void fake_slack_stop(struct fake_slack *f);
/* The Web API is at http://127.0.0.1:PORT/api/ */
int fake_slack_port(const struct fake_slack *f);

/* Add person id ("U…") with a display name and an IANA zone ("" for none). */
void fake_slack_add_user(struct fake_slack *f, const char *id,
                         const char *name, const char *tz);

/*
 * Where person actions go.  url NULL: Socket Mode (apps.connections.open
 * hands out ws://127.0.0.1:PORT/link/?ticket=N, each ticket once).  Else
 * the Events API: events to url + "/events", button presses to url +
 * "/interactive", slash commands to url + "/commands", each signed with
 * FAKE_SLACK_SECRET.
 */
void fake_slack_deliver_to(struct fake_slack *f, const char *url);
/* Open Socket Mode connections now. */
int fake_slack_connections(struct fake_slack *f);
/* Send {"type":"disconnect","reason":reason} on every open connection. */
void fake_slack_disconnect(struct fake_slack *f, const char *reason);
/* Close every open connection abruptly (no close frame). */
void fake_slack_drop(struct fake_slack *f);

/*
 * Act as person user in their DM with the bot.  Each returns 0 once the
 * app acknowledged, -1 when it never did; ts_out (may be NULL) gets the
 * new message's ts.
 */
int fake_slack_say(struct fake_slack *f, const char *user, const char *text,
                   char *ts_out, size_t tssz);
int fake_slack_edit(struct fake_slack *f, const char *user, const char *ts,
                    const char *text);
int fake_slack_delete(struct fake_slack *f, const char *user, const char *ts);
/* Press the button action_id ("skip", "snooze") on the bot's message ts. */
int fake_slack_press(struct fake_slack *f, const char *user, const char *ts,
                     const char *action_id);
/* "/reflekt TEXT" from user; reply gets the app's answer text ("" none). */
int fake_slack_command(struct fake_slack *f, const char *user,
                       const char *text, char *reply, size_t replysz);
/*
 * Write a message as user straight into the DM history without delivering
 * it (as if reflekt was down longer than Slack retries).
 */
int fake_slack_say_unseen(struct fake_slack *f, const char *user,
                          const char *text, char *ts_out, size_t tssz);

/*
 * The bot's messages in user's DM, oldest first, copied into out (up to
 * max); release each with fake_slack_post_release.  Returns how many.
 */
int fake_slack_posts(struct fake_slack *f, const char *user,
                     struct fake_slack_post *out, int max);
void fake_slack_post_release(struct fake_slack_post *p);

/* Counters: Web API calls of one method ("chat.postMessage"), all
 * deliveries acknowledged, deliveries retried because no ack came, and
 * calls answered 429 by fake_slack_limit. */
int fake_slack_calls(struct fake_slack *f, const char *method);
int fake_slack_acks(struct fake_slack *f);
int fake_slack_retries(struct fake_slack *f);
int fake_slack_limited(struct fake_slack *f);

/* Events API only: send a signed url_verification and check the answer.
 * Returns: 0 when the app echoed the challenge. */
int fake_slack_url_verification(struct fake_slack *f);

/* Apply fault to the next count calls of method ("" for every method). */
void fake_slack_fault(struct fake_slack *f, enum fake_slack_fault fault,
                      const char *method, int count);
/*
 * Chaos: from now on each Web API call, with probability permille / 1000,
 * gets a 500, a 429, a slow answer, a dropped connection or a cut body,
 * chosen at random (seeded).  0 turns it off.  Returns how many calls it
 * has faulted.
 */
int fake_slack_chaos(struct fake_slack *f, int permille, unsigned seed);
/* Rate-limit method: more than per_minute calls within a minute get 429
 * with Retry-After (0 turns it off). */
void fake_slack_limit(struct fake_slack *f, const char *method,
                      int per_minute);

#endif
