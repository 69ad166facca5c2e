/*
 * test-slack-sig.c - Slack's request signatures: the worked example from
 * Slack's documentation, then forged, altered, stale and malformed ones.
 */
#include "slack-sig.h"

#include "err.h"
#include "t.h"

#include <string.h>

static const char secret[] = "8f742231b10e8888abcd99yyyzzz85a5";
static const char ts[] = "1531420618";
static const char body[] =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain="
    "testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&"
    "user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url="
    "https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F"
    "96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
static const char sig[] =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
#define NOW ((int64_t)1531420618 + 3)

static int
verify(const char *s, const char *t, const char *g, const char *b, int64_t now,
       char *err)
{
    err[0] = '\0';
    return slack_sig_verify(s, t, g, b, strlen(b), now, err);
}

T_TEST(test_worked_example)
{
    char err[ERR_BUFSZ];

    T_EQ_INT(strlen(body), 362);
    T_EQ_INT(verify(secret, ts, sig, body, NOW, err), 0);
    T_EQ_STR(err, "");
    /* Upper-case hex is the same signature. */
    T_EQ_INT(verify(secret, ts,
                    "v0=A2114D57B48EAC39B9AD189DD8316235A7B4A8D21A10BD27519666"
                    "489C69B503",
                    body, NOW, err),
             0);
    /* The edges of the five-minute window. */
    T_EQ_INT(verify(secret, ts, sig, body, NOW - 3 + 300, err), 0);
    T_EQ_INT(verify(secret, ts, sig, body, NOW - 3 - 300, err), 0);
}

T_TEST(test_refused)
{
    char err[ERR_BUFSZ], altered[sizeof(body)];

    T_EQ_INT(verify(secret, ts, sig, body, NOW - 3 + 301, err), ERR_DENIED);
    T_CONTAINS(err, "stale or replayed");
    T_EQ_INT(verify(secret, ts, sig, body, NOW - 3 - 301, err), ERR_DENIED);
    memcpy(altered, body, sizeof(body));
    altered[100] ^= 1;
    T_EQ_INT(verify(secret, ts, sig, altered, NOW, err), ERR_DENIED);
    T_CONTAINS(err, "does not match");
    T_EQ_INT(verify(secret, ts,
                    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666"
                    "489c69b501",
                    body, NOW, err),
             ERR_DENIED);
    T_CONTAINS(err, "does not match");
    T_EQ_INT(
        verify("8f742231b10e8888abcd99yyyzzz85a6", ts, sig, body, NOW, err),
        ERR_DENIED);
    /* The timestamp is signed too: another one does not match. */
    T_EQ_INT(verify(secret, "1531420619", sig, body, NOW, err), ERR_DENIED);
    T_CONTAINS(err, "does not match");
    T_EQ_INT(verify(secret, NULL, sig, body, NOW, err), ERR_DENIED);
    T_CONTAINS(err, "missing X-Slack-Request-Timestamp");
    T_EQ_INT(verify(secret, ts, NULL, body, NOW, err), ERR_DENIED);
    T_CONTAINS(err, "missing X-Slack-Signature");
    T_EQ_INT(verify("", ts, sig, body, NOW, err), ERR_DENIED);
    T_CONTAINS(err, "no Slack signing secret");
    T_EQ_INT(verify(secret, "15314206l8", sig, body, NOW, err), ERR_DENIED);
    T_CONTAINS(err, "not a Unix time");
    T_EQ_INT(verify(secret, "", sig, body, NOW, err), ERR_DENIED);
    T_EQ_INT(verify(secret, "-1531420618", sig, body, NOW, err), ERR_DENIED);
    T_EQ_INT(verify(secret, ts,
                    "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a1"
                    "0bd27519666489c69b503",
                    body, NOW, err),
             ERR_DENIED);
    T_CONTAINS(err, "64 hex digits");
    T_EQ_INT(verify(secret, ts, "v0=a2114d", body, NOW, err), ERR_DENIED);
    T_EQ_INT(verify(secret, ts,
                    "v0=g2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666"
                    "489c69b503",
                    body, NOW, err),
             ERR_DENIED);
    /* Nothing secret in the message. */
    T_CHECK(strstr(err, "a2114d") == NULL && strstr(err, "8f7422") == NULL);
}

T_MAIN(T_CASE(test_worked_example), T_CASE(test_refused))
