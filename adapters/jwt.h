/*
 * jwt.h - the bearer tokens the Bot Framework puts on every request it
 * sends to a bot: compact JWS (header.payload.signature, base64url), signed
 * RS256 with a key from Microsoft's published key set (JWKS).
 *
 * Parsing is separate from checking so the fuzzer can drive both.  Only
 * RS256 is taken: "none", HMAC and every other algorithm are refused before
 * any key is looked at.  The signature is checked by OpenSSL; the claims
 * reflekt relies on (issuer, audience, expiry and not-before with a clock
 * skew) are checked after it.  The serviceurl claim and the key's
 * endorsements depend on the activity, so they have their own checks that
 * the adapter calls once the body is parsed.
 */
#ifndef REFLEKT_JWT_H
#define REFLEKT_JWT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JWT_MAX_TOKEN 8192 /* longer bearer tokens are refused */
#define JWT_MAX_AUD 4
#define JWT_SKEW 300 /* seconds of clock difference forgiven */

/* A parsed token.  Lifetime: input points into the string given to
 * jwt_parse(). */
struct jwt {
    char alg[16];
    char kid[128];
    char iss[256];
    char aud[JWT_MAX_AUD][256];
    int naud;
    int64_t exp, nbf; /* 0 when absent */
    char serviceurl[512];
    const char *input; /* header.payload, what the signature covers */
    size_t input_len;
    unsigned char sig[1024];
    size_t sig_len;
};

/* The keys a token may be signed with. */
struct jwks;

/* What a token must say. */
struct jwt_expect {
    const char *issuer;   /* e.g. "https://api.botframework.com" */
    const char *audience; /* the bot's app id */
    int64_t skew;         /* 0: JWT_SKEW */
};

/*
 * Split and decode token (len bytes, the part after "Bearer ").
 * Returns: 0, or ERR_DENIED with err naming what was malformed.
 */
int jwt_parse(const char *token, size_t len, struct jwt *out, char *err);

/*
 * Check t's algorithm, signature (against the key named by its kid),
 * issuer, audience and times at now.
 * Returns: 0; ERR_NOTFOUND when no key has t's kid (the key set may be
 * stale); ERR_DENIED with err naming the failed check.
 */
int jwt_verify(const struct jwt *t, const struct jwks *keys,
               const struct jwt_expect *want, int64_t now, char *err);

/*
 * Whether t's serviceurl claim names url (a trailing slash on either side
 * does not matter).  Returns: 0, or ERR_DENIED.
 */
int jwt_check_service_url(const struct jwt *t, const char *url, char *err);

/*
 * Whether the key that signed t is endorsed for channel ("msteams").
 * Returns: 0, or ERR_DENIED.
 */
int jwt_check_endorsement(const struct jwt *t, const struct jwks *keys,
                          const char *channel, char *err);

/* Ownership: free with jwks_free(). */
struct jwks *jwks_new(void);
void jwks_free(struct jwks *k);
/*
 * Replace k's keys with the RSA keys of a JWKS document ({"keys":[...]});
 * keys of other types, or RSA keys shorter than 2048 bits, are left out.
 * Returns: how many keys were taken (k is unchanged on error), or
 * ERR_INVAL with err naming what was wrong.
 */
int jwks_load(struct jwks *k, const json_t *doc, char *err);
/* How many keys k holds. */
size_t jwks_count(const struct jwks *k);

#endif
