/*
 * slack-sig.c - verify Slack's request signatures with OpenSSL's HMAC.
 *
 * The MAC is computed over the three pieces in turn (no copy of the body)
 * and compared in constant time with CRYPTO_memcmp.
 */
#include "slack-sig.h"

#include "err.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#define SLACK_SIG_LEN 32 /* SHA-256 */

/* "v0=" and 64 hex digits into 32 bytes.  Returns: 0 or -1. */
static int
slack_sig_parse(const char *s, unsigned char *out)
{
    if (strncmp(s, "v0=", 3) != 0 || strlen(s) != 3 + 2 * SLACK_SIG_LEN)
        return -1;
    s += 3;
    for (int i = 0; i < SLACK_SIG_LEN; i++) {
        int hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
        int lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

/* A decimal Unix time of 1 to 12 digits.  Returns: 0 or -1. */
static int
slack_sig_time(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    int64_t v = 0;

    if (n == 0 || n > 12)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int
slack_sig_mac(const char *secret, const char *timestamp, const char *body,
              size_t len, unsigned char *out)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                               OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                           OSSL_PARAM_construct_end()};
    size_t outlen = 0;
    int ok = ctx != NULL &&
             EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret),
                          params) == 1 &&
             EVP_MAC_update(ctx, (const unsigned char *)"v0:", 3) == 1 &&
             EVP_MAC_update(ctx, (const unsigned char *)timestamp,
                            strlen(timestamp)) == 1 &&
             EVP_MAC_update(ctx, (const unsigned char *)":", 1) == 1 &&
             EVP_MAC_update(ctx, (const unsigned char *)body, len) == 1 &&
             EVP_MAC_final(ctx, out, &outlen, SLACK_SIG_LEN) == 1 &&
             outlen == SLACK_SIG_LEN;

    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok ? 0 : -1;
}

int
slack_sig_verify(const char *secret, const char *timestamp,
                 const char *signature, const char *body, size_t len,
                 int64_t now, char *err)
{
    unsigned char want[SLACK_SIG_LEN], got[SLACK_SIG_LEN];
    int64_t ts;

    if (secret == NULL || secret[0] == '\0') {
        err_set(err, "no Slack signing secret is configured");
        return ERR_DENIED;
    }
    if (timestamp == NULL || signature == NULL) {
        err_set(err, "missing %s header",
                timestamp == NULL ? "X-Slack-Request-Timestamp"
                                  : "X-Slack-Signature");
        return ERR_DENIED;
    }
    if (slack_sig_time(timestamp, &ts) < 0) {
        err_set(err, "X-Slack-Request-Timestamp is not a Unix time");
        return ERR_DENIED;
    }
    if (ts < now - SLACK_SIG_WINDOW || ts > now + SLACK_SIG_WINDOW) {
        err_set(err,
                "request timestamp is %lld s from now (more than %d s): "
                "stale or replayed",
                (long long)(ts - now), SLACK_SIG_WINDOW);
        return ERR_DENIED;
    }
    if (slack_sig_parse(signature, want) < 0) {
        err_set(err, "X-Slack-Signature is not \"v0=\" and 64 hex digits");
        return ERR_DENIED;
    }
    if (slack_sig_mac(secret, timestamp, body, len, got) < 0) {
        err_set(err, "cannot compute HMAC-SHA256");
        return ERR_DENIED;
    }
    if (CRYPTO_memcmp(want, got, SLACK_SIG_LEN) != 0) {
        err_set(err, "signature does not match: not from Slack, or altered");
        return ERR_DENIED;
    }
    return 0;
}
