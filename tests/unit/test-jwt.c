/*
 * test-jwt.c - Bot Framework bearer tokens against keys this test makes:
 * an RSA key pair generated with OpenSSL, published as a JWKS document,
 * and tokens signed with it (and with other keys, or none) the way an
 * attacker or a confused peer would send them.
 */
#include "jwt.h"

#include "err.h"
#include "t.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define APP "11111111-2222-3333-4444-555555555555"
#define ISS "https://api.botframework.com"
#define SVC "https://smba.trafficmanager.net/emea/"

static EVP_PKEY *key, *other, *small;
static const int64_t now = 1795430000;

static char *
b64url(const unsigned char *in, size_t len)
{
    char *out = malloc(len / 3 * 4 + 8);
    int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);

    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    for (int i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    return out;
}

static char *
b64url_str(const char *s)
{
    return b64url((const unsigned char *)s, strlen(s));
}

static char *
bn_b64url(EVP_PKEY *pk, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int n;
    char *out;

    EVP_PKEY_get_bn_param(pk, name, &bn);
    n = BN_bn2bin(bn, buf);
    out = b64url(buf, (size_t)n);
    BN_free(bn);
    return out;
}

/* A JWKS entry for pk under kid, endorsed for endorse (may be NULL). */
static json_t *
jwk(EVP_PKEY *pk, const char *kid, const char *endorse)
{
    char *n = bn_b64url(pk, OSSL_PKEY_PARAM_RSA_N);
    char *e = bn_b64url(pk, OSSL_PKEY_PARAM_RSA_E);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "use",
                          "sig", "kid", kid, "n", n, "e", e);

    if (endorse != NULL)
        json_object_set_new(o, "endorsements", json_pack("[s]", endorse));
    free(n);
    free(e);
    return o;
}

static struct jwks *
keyset(void)
{
    struct jwks *k = jwks_new();
    json_t *doc = json_pack("{s:[o, o]}", "keys", jwk(key, "k1", "msteams"),
                            jwk(other, "k-skype", "skype"));
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(jwks_load(k, doc, err), 2);
    json_decref(doc);
    return k;
}

/* header.payload signed with pk (RS256), or "" signature when pk NULL. */
static char *
sign(const char *header, const char *payload, EVP_PKEY *pk)
{
    char *h = b64url_str(header), *p = b64url_str(payload), *s, *tok;
    size_t in_len = strlen(h) + 1 + strlen(p);
    char *input = malloc(in_len + 1);
    unsigned char sig[1024];
    size_t siglen = sizeof(sig);

    snprintf(input, in_len + 1, "%s.%s", h, p);
    if (pk != NULL) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();

        EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk);
        EVP_DigestSign(md, sig, &siglen, (unsigned char *)input, in_len);
        EVP_MD_CTX_free(md);
        s = b64url(sig, siglen);
    } else {
        s = strdup("");
    }
    tok = malloc(in_len + strlen(s) + 2);
    snprintf(tok, in_len + strlen(s) + 2, "%s.%s", input, s);
    free(h);
    free(p);
    free(s);
    free(input);
    return tok;
}

static char *
claims(const char *iss, const char *aud, int64_t exp, int64_t nbf,
       const char *svc)
{
    static char buf[1024], nbfs[32];

    /* nbf 0: no such claim. */
    snprintf(nbfs, sizeof(nbfs), "\"nbf\":%lld,", (long long)nbf);
    snprintf(buf, sizeof(buf),
             "{\"serviceurl\":\"%s\",%s\"exp\":%lld,"
             "\"iss\":\"%s\",\"aud\":%s}",
             svc, nbf != 0 ? nbfs : "", (long long)exp, iss, aud);
    return buf;
}

static const char good_aud[] = "\"" APP "\"";

/* Parse and verify tok; returns the first error, or 0. */
static int
check(const char *tok, struct jwks *k, char *err)
{
    struct jwt t;
    struct jwt_expect want = {ISS, APP, 0};
    int rc;

    err[0] = '\0'; /* the first error is kept: start afresh */
    rc = jwt_parse(tok, strlen(tok), &t, err);

    if (rc == 0)
        rc = jwt_verify(&t, k, &want, now, err);
    if (rc == 0)
        rc = jwt_check_service_url(&t, SVC, err);
    if (rc == 0)
        rc = jwt_check_endorsement(&t, k, "msteams", err);
    return rc;
}

static const char rs256_k1[] = "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":"
                               "\"JWT\"}";

T_TEST(test_valid)
{
    struct jwks *k = keyset();
    char err[ERR_BUFSZ] = "";
    char *tok =
        sign(rs256_k1, claims(ISS, good_aud, now + 3600, now - 5, SVC), key);

    T_EQ_INT(check(tok, k, err), 0);
    free(tok);
    /* aud as an array holding the app id; serviceurl without its slash;
     * clock skew forgives a token expired 200 s ago. */
    tok = sign(rs256_k1,
               claims(ISS, "[\"x\",\"" APP "\"]", now - 200, now - 4000,
                      "https://smba.trafficmanager.net/emea"),
               key);
    T_EQ_INT(check(tok, k, err), 0);
    free(tok);
    jwks_free(k);
}

static void
refused(const char *header, const char *payload, EVP_PKEY *pk, int want,
        const char *why)
{
    struct jwks *k = keyset();
    char err[ERR_BUFSZ] = "";
    char *tok = sign(header, payload, pk);

    T_EQ_INT(check(tok, k, err), want);
    T_CONTAINS(err, why);
    free(tok);
    jwks_free(k);
}

T_TEST(test_refused)
{
    char *tok, *p;
    struct jwks *k = keyset();
    char err[ERR_BUFSZ] = "";

    /* A flipped signature byte. */
    tok = sign(rs256_k1, claims(ISS, good_aud, now + 3600, now - 5, SVC), key);
    p = tok + strlen(tok) - 2;
    *p = *p == 'A' ? 'B' : 'A';
    T_EQ_INT(check(tok, k, err), ERR_DENIED);
    T_CONTAINS(err, "signature");
    free(tok);
    /* The payload changed after signing. */
    tok = sign(rs256_k1, claims(ISS, good_aud, now + 3600, now - 5, SVC), key);
    {
        char *h = b64url_str(rs256_k1);
        char *other_p =
            b64url_str(claims(ISS, "\"someone-else\"", now + 3600, 0, SVC));
        char *sig = strrchr(tok, '.');
        char forged[4096];

        snprintf(forged, sizeof(forged), "%s.%s%s", h, other_p, sig);
        T_EQ_INT(check(forged, k, err), ERR_DENIED);
        free(h);
        free(other_p);
    }
    free(tok);
    jwks_free(k);

    refused(rs256_k1,
            claims("https://evil.example", good_aud, now + 60, 0, SVC), key,
            ERR_DENIED, "issuer");
    refused(rs256_k1,
            claims(ISS, "\"99999999-2222-3333-4444-555555555555\"", now + 60, 0,
                   SVC),
            key, ERR_DENIED, "audience");
    refused(rs256_k1, claims(ISS, good_aud, now - 600, now - 4000, SVC), key,
            ERR_DENIED, "expired");
    refused(rs256_k1, claims(ISS, good_aud, now + 3600, now + 900, SVC), key,
            ERR_DENIED, "not valid yet");
    refused("{\"alg\":\"RS256\",\"kid\":\"nobody\"}",
            claims(ISS, good_aud, now + 60, 0, SVC), key, ERR_NOTFOUND,
            "unknown key");
    refused("{\"alg\":\"none\",\"kid\":\"k1\"}",
            claims(ISS, good_aud, now + 60, 0, SVC), NULL, ERR_DENIED,
            "not RS256");
    refused("{\"alg\":\"RS256\",\"kid\":\"k1\"}",
            claims(ISS, good_aud, now + 60, 0, SVC), NULL, ERR_DENIED,
            "signature");
    refused(rs256_k1,
            claims(ISS, good_aud, now + 60, 0, "https://evil.example/"), key,
            ERR_DENIED, "serviceurl");
    /* A real key, endorsed only for another channel. */
    refused("{\"alg\":\"RS256\",\"kid\":\"k-skype\"}",
            claims(ISS, good_aud, now + 60, 0, SVC), other, ERR_DENIED,
            "endorsed");
    /* Critical header extensions reflekt does not know. */
    refused("{\"alg\":\"RS256\",\"kid\":\"k1\",\"crit\":[\"b64\"]}",
            claims(ISS, good_aud, now + 60, 0, SVC), key, ERR_DENIED,
            "critical");
    /* Times at the ends of the range must not overflow the checks. */
    refused(
        rs256_k1,
        claims(ISS, good_aud, now + 60, (int64_t)9223372036854775000LL, SVC),
        key, ERR_DENIED, "not valid yet");
    /* A key of the set used as an HMAC secret: the classic confusion. */
    {
        char *h = b64url_str("{\"alg\":\"HS256\",\"kid\":\"k1\"}");
        char *pl = b64url_str(claims(ISS, good_aud, now + 60, 0, SVC));
        char input[4096], forged[4200], *s;
        unsigned char mac[32];
        unsigned int maclen = sizeof(mac);

        snprintf(input, sizeof(input), "%s.%s", h, pl);
        HMAC(EVP_sha256(), "dummy-secret-key", 16, (unsigned char *)input,
             strlen(input), mac, &maclen);
        s = b64url(mac, maclen);
        snprintf(forged, sizeof(forged), "%s.%s", input, s);
        k = keyset();
        T_EQ_INT(check(forged, k, err), ERR_DENIED);
        T_CONTAINS(err, "RS256");
        jwks_free(k);
        free(h);
        free(pl);
        free(s);
    }
}

T_TEST(test_malformed)
{
    static const char *const bad[] = {
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.",
        "e30.e30.###",
        "WzFd.e30.",                         /* header is an array */
        "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.", /* payload is not JSON */
        "eyJhbGciOiJSUzI1NiJ9.e30=.",        /* padding is not base64url */
    };
    struct jwt t;
    char err[ERR_BUFSZ];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        T_EQ_INT(jwt_parse(bad[i], strlen(bad[i]), &t, err), ERR_DENIED);
        T_CHECK(err[0] != '\0');
    }
    /* Claims of the wrong type. */
    {
        char *tok =
            sign(rs256_k1, "{\"iss\":7,\"aud\":\"" APP "\",\"exp\":1}", key);

        T_EQ_INT(jwt_parse(tok, strlen(tok), &t, err), ERR_DENIED);
        free(tok);
        tok = sign(rs256_k1, "{\"iss\":\"x\",\"aud\":{},\"exp\":1}", key);
        err[0] = '\0';
        T_EQ_INT(jwt_parse(tok, strlen(tok), &t, err), ERR_DENIED);
        T_CONTAINS(err, "aud");
        free(tok);
        tok = sign(rs256_k1, "{\"iss\":\"x\",\"exp\":\"soon\"}", key);
        err[0] = '\0';
        T_EQ_INT(jwt_parse(tok, strlen(tok), &t, err), ERR_DENIED);
        T_CONTAINS(err, "exp");
        free(tok);
    }
    /* No expiry at all is refused at the check. */
    {
        struct jwks *k = keyset();
        char *tok = sign(rs256_k1,
                         "{\"iss\":\"" ISS "\",\"aud\":\"" APP "\","
                         "\"serviceurl\":\"" SVC "\"}",
                         key);

        T_EQ_INT(check(tok, k, err), ERR_DENIED);
        T_CONTAINS(err, "expired");
        free(tok);
        jwks_free(k);
    }
}

T_TEST(test_keyset)
{
    struct jwks *k = jwks_new();
    char err[ERR_BUFSZ] = "";
    json_t *doc;

    /* Not a key set. */
    doc = json_pack("{s:s}", "keys", "none");
    T_EQ_INT(jwks_load(k, doc, err), ERR_INVAL);
    T_CONTAINS(err, "keys");
    json_decref(doc);
    /* A 1024-bit key, an EC key and a key without kid are all left out. */
    doc = json_pack("{s:[o, {s:s, s:s}, o]}", "keys", jwk(small, "s", NULL),
                    "kty", "EC", "kid", "ec", jwk(key, "", NULL));
    err[0] = '\0';
    T_EQ_INT(jwks_load(k, doc, err), ERR_INVAL);
    T_CONTAINS(err, "no usable");
    T_EQ_INT(jwks_count(k), 0);
    json_decref(doc);
    /* The good key among them is taken; a later load replaces the set. */
    doc = json_pack("{s:[o, o]}", "keys", jwk(small, "s", NULL),
                    jwk(key, "k1", "msteams"));
    T_EQ_INT(jwks_load(k, doc, err), 1);
    json_decref(doc);
    doc = json_pack("{s:[o]}", "keys", jwk(other, "k2", NULL));
    T_EQ_INT(jwks_load(k, doc, err), 1);
    json_decref(doc);
    {
        char *tok =
            sign(rs256_k1, claims(ISS, good_aud, now + 60, 0, SVC), key);

        T_EQ_INT(check(tok, k, err), ERR_NOTFOUND); /* k1 rotated out */
        free(tok);
    }
    /* An even or unit exponent does not make a key. */
    doc = json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "keys", "kty", "RSA", "kid",
                    "e", "n",
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                    "e", "AQ");
    T_EQ_INT(jwks_load(k, doc, err), ERR_INVAL);
    json_decref(doc);
    jwks_free(k);
}

/* The keys every other case signs with (first), and their end (last). */
T_TEST(test_generate)
{
    key = EVP_RSA_gen(2048);
    other = EVP_RSA_gen(2048);
    small = EVP_RSA_gen(1024);
    T_CHECK(key != NULL && other != NULL && small != NULL);
}

T_TEST(test_free)
{
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    EVP_PKEY_free(small);
}

T_MAIN(T_CASE(test_generate), T_CASE(test_valid), T_CASE(test_refused),
       T_CASE(test_malformed), T_CASE(test_keyset), T_CASE(test_free))
