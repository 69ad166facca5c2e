/*
 * web-auth.c - sign-in links and session tokens for the web console.
 */
#include "web-auth.h"

#include "err.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

int
web_auth_token(char *out, size_t outsz)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        "0123456789-_";
    unsigned char raw[33]; /* 32 random bytes and a zero: 44 sextets */
    size_t o = 0;

    if (outsz < WEB_TOKEN_LEN + 1 || RAND_bytes(raw, 32) != 1)
        return ERR_IO;
    raw[32] = 0;
    for (size_t i = 0; i < 33 && o < WEB_TOKEN_LEN; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 |
                     (unsigned)(i + 1 < 33 ? raw[i + 1] : 0) << 8 |
                     (unsigned)(i + 2 < 33 ? raw[i + 2] : 0);

        for (int k = 3; k >= 0 && o < WEB_TOKEN_LEN; k--)
            out[o++] = b64[(v >> (6 * k)) & 63];
    }
    out[o] = '\0';
    return 0;
}

void
web_auth_hash(const char *token, unsigned char *out)
{
    unsigned int len = 0;

    EVP_Digest(token, strlen(token), out, &len, EVP_sha256(), NULL);
}

int
web_auth_base(const struct config *conf, char *out, size_t outsz)
{
    int n;

    if (conf->web_public_url != NULL && conf->web_public_url[0] != '\0')
        n = snprintf(out, outsz, "%s", conf->web_public_url);
    else if (conf->listen != NULL && conf->listen[0] != '\0')
        n = snprintf(out, outsz, "http://%s", conf->listen);
    else
        return ERR_CONFIG;
    if (n < 0 || (size_t)n >= outsz)
        return ERR_CONFIG;
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
    return 0;
}

int
web_auth_link(struct store *st, const struct config *conf, const char *name,
              int64_t now, char *url, size_t urlsz)
{
    struct store_person p;
    unsigned char hash[STORE_HASH_LEN];
    char base[512], token[WEB_TOKEN_LEN + 1];
    int rc, n;

    if ((rc = store_person_get(st, name, &p)) < 0)
        return rc;
    if (!(p.roles &
          (STORE_ROLE_CONSULTANT | STORE_ROLE_MANAGER | STORE_ROLE_ADMIN)))
        return ERR_DENIED;
    if ((rc = web_auth_base(conf, base, sizeof(base))) < 0 ||
        (rc = web_auth_token(token, sizeof(token))) < 0)
        return rc;
    n = snprintf(url, urlsz, "%s/console/login?t=%s", base, token);
    if (n < 0 || (size_t)n >= urlsz)
        return ERR_CONFIG;
    web_auth_hash(token, hash);
    return store_link_add(st, hash, p.id, now, now + WEB_LINK_TTL);
}
