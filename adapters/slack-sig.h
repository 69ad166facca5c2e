/*
 * slack-sig.h - Slack's request signatures.
 *
 * Slack signs every HTTP request it sends (Events API, interactivity,
 * slash commands) with HMAC-SHA256 over "v0:" timestamp ":" body, keyed
 * with the app's signing secret, and sends it as X-Slack-Signature:
 * "v0=" and 64 hex digits.  A request is taken only when the signature is
 * Slack's and its timestamp lies within five minutes of now, so a captured
 * request cannot be replayed later.
 */
#ifndef REFLEKT_SLACK_SIG_H
#define REFLEKT_SLACK_SIG_H

#include <stddef.h>
#include <stdint.h>

#define SLACK_SIG_WINDOW 300 /* seconds either side of now */

/*
 * Check one request: timestamp and signature are the two headers as
 * received (NULL when missing), body the raw bytes.
 * Returns: 0 when it is Slack's; ERR_DENIED with err naming why
 * (missing header, malformed value, stale, wrong signature).  The secret
 * and the signatures are never written to err.
 */
int slack_sig_verify(const char *secret, const char *timestamp,
                     const char *signature, const char *body, size_t len,
                     int64_t now, char *err);

#endif
