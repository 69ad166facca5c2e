/*
 * fake-teams.h - a loopback Microsoft Teams for reflekt's tests: the Bot
 * Framework's OpenID metadata and signing keys, the Entra token endpoint,
 * the connector REST API, and the "Teams -> bot" side (signed activities
 * POSTed to the bot's endpoint).
 *
 * It listens on 127.0.0.1 on a port P the kernel picks and answers in its
 * own threads:
 *
 *   GET  /openid                          OpenID metadata (jwks_uri /keys)
 *   GET  /keys                            the signing keys (JWKS)
 *   POST /{tenant}/oauth2/v2.0/token      client-credentials tokens
 *   ...  /connector/v3/conversations...   the connector; its serviceUrl is
 *                                         "http://127.0.0.1:P/connector/"
 *   POST /relay                           see fake_teams_relay_to
 *
 * The tenant is FAKE_TEAMS_TENANT (the token endpoint also takes
 * "botframework.com"), the bot is "28:" FAKE_TEAMS_APP_ID; people are added
 * by the test.  Each person has one personal conversation with the bot,
 * "a:conv-<aad>" (after fake_teams_forget: "a:conv-<aad>-2", and so on).
 *
 * What the test does as a person becomes an activity, POSTed by one
 * delivery thread, in order, to the bot's URL with an RS256 token signed
 * by the current key.  A call returns once the bot answered 2xx, or after
 * Teams' redelivery gave up: when the answer is not 2xx (or none came
 * within FAKE_TEAMS_ACK_MS), the same activity (same id and timestamp, a
 * fresh token) goes again after 1, 2, 4 and 8 s.  Answers 400-499 other
 * than 408 and 429 are the bot's deliberate refusal and are not retried.
 */
#ifndef REFLEKT_FAKE_TEAMS_H
#define REFLEKT_FAKE_TEAMS_H

#include <stddef.h>

#define FAKE_TEAMS_APP_ID "11111111-2222-3333-4444-555555555555"
#define FAKE_TEAMS_PASSWORD "fake-teams-secret"
#define FAKE_TEAMS_TENANT "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define FAKE_TEAMS_ACK_MS 5000
#define FAKE_TEAMS_RETRIES 4
#define FAKE_TEAMS_ID_LEN 64

struct fake_teams;

enum fake_teams_fault {
    FAKE_TEAMS_NO_FAULT = 0,
    FAKE_TEAMS_500,         /* 500 with an HTML body; nothing is done */
    FAKE_TEAMS_ACCEPTED500, /* do the request, then answer 500 (HTML) */
    FAKE_TEAMS_SLOW,        /* do the request, wait 2 s, answer normally */
    FAKE_TEAMS_RESET,       /* close the connection unanswered */
    FAKE_TEAMS_LIMIT,       /* 429 {"error":{"code":"TooManyRequests"}} */
    FAKE_TEAMS_DOWN,        /* 503 with an HTML body */
};

/* How the token on an activity is wrong (fake_teams_badtoken). */
enum fake_teams_token {
    FAKE_TEAMS_TOKEN_GOOD = 0,
    FAKE_TEAMS_TOKEN_NONE,       /* no Authorization header */
    FAKE_TEAMS_TOKEN_SIG,        /* the signature's last byte flipped */
    FAKE_TEAMS_TOKEN_ISS,        /* iss "https://evil.example" */
    FAKE_TEAMS_TOKEN_AUD,        /* aud another GUID */
    FAKE_TEAMS_TOKEN_EXPIRED,    /* exp now-600, nbf now-4000 */
    FAKE_TEAMS_TOKEN_KID,        /* signed by a key /keys does not hold */
    FAKE_TEAMS_TOKEN_ALG_NONE,   /* alg "none", empty signature */
    FAKE_TEAMS_TOKEN_HS256,      /* HS256 with key "dummy-secret-key" */
    FAKE_TEAMS_TOKEN_SERVICEURL, /* serviceurl "https://evil.example/" */
    FAKE_TEAMS_TOKEN_ENDORSE,    /* a published key endorsed for "skype" */
    FAKE_TEAMS_TOKEN_FUTURE,     /* nbf now+900 */
};

/* One activity the bot sent, as the connector holds it now. */
struct fake_teams_post {
    char id[FAKE_TEAMS_ID_LEN];
    int updates;   /* how many PUTs replaced it */
    int deleted;   /* a DELETE removed it */
    char *text;    /* the activity's text, "" when none; malloc'd */
    char *card;    /* the first Adaptive Card's content as compact JSON, or
                      NULL */
    char *texts;   /* the cards' TextBlock texts joined by " | ", or "" */
    char *actions; /* the cards' Action.Submit titles joined by ",", or "" */
};

/* Returns: a running fake, or NULL. */
struct fake_teams *fake_teams_start(void);
/* Stops the threads, frees everything; calls still waiting return -1. */
void fake_teams_stop(struct fake_teams *f);
int fake_teams_port(const struct fake_teams *f);
/* "http://127.0.0.1:PORT/connector/" into out. */
void fake_teams_service_url(const struct fake_teams *f, char *out,
                            size_t outsz);

/* Add a person by Entra object id, display name and IANA zone ("" none). */
void fake_teams_add_user(struct fake_teams *f, const char *aad,
                         const char *name, const char *tz);
/* Where activities go, e.g. "http://127.0.0.1:N/teams/messages" (NULL:
 * nowhere; calls then return -1). */
void fake_teams_bot_url(struct fake_teams *f, const char *url);

/*
 * Act as person aad.  Each returns the bot's last HTTP status (0: no
 * answer), or -1 when nothing was sent (unknown person or id, bad input,
 * no bot URL, stopping); *attempts (may be NULL) gets how many POSTs it
 * took.  id_out (may be NULL) gets the new activity's id.
 */
int fake_teams_say(struct fake_teams *f, const char *aad, const char *text,
                   int *attempts, char *id_out, size_t idsz);
/* Press an Action.Submit: a message with empty text, value = value_json (a
 * JSON object), replyToId = the card's activity id. */
int fake_teams_submit(struct fake_teams *f, const char *aad,
                      const char *reply_to, const char *value_json,
                      int *attempts, char *id_out, size_t idsz);
/* messageUpdate (eventType editMessage) of the person's message id. */
int fake_teams_edit(struct fake_teams *f, const char *aad, const char *id,
                    const char *text, int *attempts);
/* messageDelete (eventType softDeleteMessage) of the person's message id. */
int fake_teams_delete(struct fake_teams *f, const char *aad, const char *id,
                      int *attempts);
/*
 * installationUpdate "add", then (only when that got 2xx) a
 * conversationUpdate with membersAdded: returns the status and attempts of
 * the second, or of the first when it failed.  Clears an uninstall.
 */
int fake_teams_install(struct fake_teams *f, const char *aad, int *attempts);
/* installationUpdate "remove"; from then on sends to the person answer
 * 403 MessageWritesBlocked until fake_teams_install. */
int fake_teams_uninstall(struct fake_teams *f, const char *aad, int *attempts);
/* POST json verbatim, with a token whose serviceurl claim is its
 * serviceUrl (the fake's own when it has none or is not JSON). */
int fake_teams_raw(struct fake_teams *f, const char *json, int *attempts);
/* Send the latest activity that went out with this id again, unchanged. */
int fake_teams_redeliver(struct fake_teams *f, const char *id, int *attempts);
/* A say whose token is wrong as kind says, never retried (GOOD: a plain
 * say, retried).  Returns: the status, as above. */
int fake_teams_badtoken(struct fake_teams *f, enum fake_teams_token kind,
                        const char *aad, const char *text);

/* A new current signing key "fake-key-N"; the old one leaves /keys. */
void fake_teams_rotate(struct fake_teams *f);

/*
 * The bot's activities in aad's conversations, oldest first, deleted ones
 * too, copied into out (up to max; out NULL: just count); release each
 * with fake_teams_post_release.  Returns: how many, or -1 for an unknown
 * person.
 */
int fake_teams_posts(struct fake_teams *f, const char *aad,
                     struct fake_teams_post *out, int max);
void fake_teams_post_release(struct fake_teams_post *p);
/* Returns: the bot's activity id in aad's conversations as the connector
 * stores it (compact JSON, malloc'd), or NULL. */
char *fake_teams_post_json(struct fake_teams *f, const char *aad,
                           const char *id);

/* Requests seen per target: "token", "openid", "keys", "connector" (every
 * connector request), "create", "send", "update", "delete"; "limited" is
 * how many 429s were given.  Unknown names: 0. */
int fake_teams_calls(struct fake_teams *f, const char *target);
/* POSTs of activities made in all, and how many of them were retries. */
void fake_teams_stats(struct fake_teams *f, int *attempts, int *retries);

/* Apply fault to the next count requests of target ("token", "openid",
 * "keys", "connector"; NULL or "" for every request). */
void fake_teams_fault(struct fake_teams *f, enum fake_teams_fault fault,
                      const char *target, int count);
/* Lifetime of tokens issued from now on (default 3600 s). */
void fake_teams_token_ttl(struct fake_teams *f, long seconds);
/* The person blocked the bot (sends answer 403) or no longer does. */
void fake_teams_block(struct fake_teams *f, const char *aad, int blocked);
/* Drop the person's conversation: sends to it answer 404
 * ConversationNotFound; the next create (or activity) opens a new id. */
void fake_teams_forget(struct fake_teams *f, const char *aad);
/*
 * Relay mode, for Microsoft's Agents Playground (unsigned activities): a
 * POST /relay is forwarded to url with the same body and a freshly signed
 * token whose serviceurl claim is the body's serviceUrl; the answer comes
 * back as the target gave it (502 when none).  HEAD and GET /relay answer
 * 200.  NULL turns it off (503).
 */
void fake_teams_relay_to(struct fake_teams *f, const char *url);

#endif
