/*
 * web-auth.h - how people sign in to the web console: one-time links,
 * browser-session tokens and the console's public address.
 *
 * A token is 32 bytes from OpenSSL's RAND_bytes in base64url (43
 * characters); only its SHA-256 is stored.  A sign-in link works once, for
 * WEB_LINK_TTL seconds; a browser session ends after [web] idle without a
 * request, and after WEB_SESSION_MAX in any case.
 */
#ifndef REFLEKT_WEB_AUTH_H
#define REFLEKT_WEB_AUTH_H

#include "config.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define WEB_TOKEN_LEN 43
#define WEB_LINK_TTL (15 * 60)
#define WEB_SESSION_MAX (12 * 3600)

/* A fresh random token in out (at least WEB_TOKEN_LEN + 1 bytes).
 * Returns: 0, or ERR_IO when the system has no randomness to give. */
int web_auth_token(char *out, size_t outsz);
/* SHA-256 of a token (STORE_HASH_LEN bytes). */
void web_auth_hash(const char *token, unsigned char *out);
/*
 * Where people reach the console: [web] public_url, else http:// and the
 * [http] listen address; no trailing slash.
 * Returns: 0, or ERR_CONFIG when neither is set.
 */
int web_auth_base(const struct config *conf, char *out, size_t outsz);
/*
 * A one-time sign-in link for person name, written inside the caller's
 * transaction; url gets it in full.  Returns: 0; ERR_NOTFOUND for no such
 * person; ERR_DENIED for someone who is only a leader; ERR_CONFIG without a
 * public address; ERR_IO without randomness.
 */
int web_auth_link(struct store *st, const struct config *conf, const char *name,
                  int64_t now, char *url, size_t urlsz);

#endif
