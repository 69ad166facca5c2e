/*
 * jwt.c - Bot Framework bearer tokens: parse, and check with OpenSSL.
 *
 * A token is three base64url parts.  The header and the payload are JSON
 * objects; everything this file keeps from them is copied into fixed
 * fields, and a value too long for its field refuses the token rather
 * than being cut.  RSA public keys are built from a JWKS entry's modulus
 * and exponent with OpenSSL's parameter builder; the signature is checked
 * with EVP_DigestVerify (SHA-256, PKCS #1 v1.5), never by hand.
 */
#include "jwt.h"

#include "err.h"
#include "xmalloc.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

#define JWKS_MAX_KEYS 64
#define JWKS_MAX_ENDORSE 16
#define JWKS_MIN_BITS 2048
#define JWKS_MAX_MODULUS 1024 /* bytes: 8192-bit keys */

struct jwks_key {
    char kid[128];
    EVP_PKEY *pkey;
    char endorse[JWKS_MAX_ENDORSE][32];
    int nendorse;
};

struct jwks {
    struct jwks_key *keys;
    size_t n;
};

/* ---- base64url --------------------------------------------------------- */

static int
b64url_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Decode len characters of unpadded base64url into out (outsz bytes).
 * Returns: the decoded length, or -1 when malformed or too long.
 */
static long
b64url_decode(const char *in, size_t len, unsigned char *out, size_t outsz)
{
    size_t padded = (len + 3) / 4 * 4, pad = padded - len, i;
    unsigned char *std, *tmp;
    int n;

    if (len % 4 == 1 || padded / 4 * 3 > outsz + 3 || len > INT32_MAX / 2)
        return -1;
    std = xmalloc(padded + 1);
    tmp = xmalloc(padded / 4 * 3 + 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];

        if (!b64url_char(c)) {
            free(std);
            free(tmp);
            return -1;
        }
        std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    for (; i < padded; i++)
        std[i] = '=';
    n = EVP_DecodeBlock(tmp, std, (int)padded);
    free(std);
    if (n < 0 || (size_t)n < pad || (size_t)n - pad > outsz) {
        free(tmp);
        return -1;
    }
    memcpy(out, tmp, (size_t)n - pad);
    free(tmp);
    return (long)((size_t)n - pad);
}

/* Decode a base64url part holding a JSON object.  Returns: new reference,
 * or NULL. */
static json_t *
b64url_json(const char *in, size_t len)
{
    size_t cap = len / 4 * 3 + 3;
    unsigned char *buf = xmalloc(cap + 1);
    long n = b64url_decode(in, len, buf, cap);
    json_t *j = NULL;

    if (n > 0)
        j = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES,
                       NULL);
    free(buf);
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* ---- parse ------------------------------------------------------------- */

/*
 * Copy the string member key of o into out.  Returns: 1 copied, 0 absent,
 * -1 not a string or too long.
 */
static int
jwt_str(const json_t *o, const char *key, char *out, size_t outsz)
{
    const json_t *v = json_object_get(o, key);
    size_t n;

    out[0] = '\0';
    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return -1;
    n = json_string_length(v);
    if (n >= outsz || memchr(json_string_value(v), '\0', n) != NULL)
        return -1;
    memcpy(out, json_string_value(v), n + 1);
    return 1;
}

/* A NumericDate: a whole number of seconds (fractions are cut). */
static int
jwt_time(const json_t *o, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(o, key);

    *out = 0;
    if (v == NULL)
        return 0;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
    } else if (json_is_real(v)) {
        double d = json_real_value(v);

        if (!(d > -1e15 && d < 1e15))
            return -1;
        *out = (int64_t)d;
    } else {
        return -1;
    }
    return *out > 0 ? 1 : -1;
}

static int
jwt_claims(const json_t *p, struct jwt *out, char *err)
{
    const json_t *aud = json_object_get(p, "aud");

    if (jwt_str(p, "iss", out->iss, sizeof(out->iss)) < 0 ||
        jwt_str(p, "serviceurl", out->serviceurl, sizeof(out->serviceurl)) <
            0) {
        err_set(err, "token claim iss or serviceurl is malformed");
        return ERR_DENIED;
    }
    if (jwt_time(p, "exp", &out->exp) < 0 ||
        jwt_time(p, "nbf", &out->nbf) < 0) {
        err_set(err, "token claim exp or nbf is not a time");
        return ERR_DENIED;
    }
    if (json_is_string(aud)) {
        if (jwt_str(p, "aud", out->aud[0], sizeof(out->aud[0])) < 0) {
            err_set(err, "token claim aud is too long");
            return ERR_DENIED;
        }
        out->naud = 1;
    } else if (json_is_array(aud)) {
        size_t i;
        json_t *v;

        json_array_foreach(aud, i, v)
        {
            size_t n = json_string_length(v);

            if (!json_is_string(v) || n >= sizeof(out->aud[0]) ||
                out->naud >= JWT_MAX_AUD) {
                err_set(err, "token claim aud is malformed");
                return ERR_DENIED;
            }
            memcpy(out->aud[out->naud++], json_string_value(v), n + 1);
        }
    } else if (aud != NULL) {
        err_set(err, "token claim aud is malformed");
        return ERR_DENIED;
    }
    return 0;
}

int
jwt_parse(const char *token, size_t len, struct jwt *out, char *err)
{
    const char *d1, *d2;
    json_t *h = NULL, *p = NULL;
    long n;
    int rc = ERR_DENIED;

    memset(out, 0, sizeof(*out));
    if (len == 0 || len > JWT_MAX_TOKEN) {
        err_set(err, "bearer token is empty or too long");
        return ERR_DENIED;
    }
    d1 = memchr(token, '.', len);
    d2 =
        d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token))) {
        err_set(err, "bearer token is not three dot-separated parts");
        return ERR_DENIED;
    }
    h = b64url_json(token, (size_t)(d1 - token));
    p = b64url_json(d1 + 1, (size_t)(d2 - d1 - 1));
    if (h == NULL || p == NULL) {
        err_set(err, "token %s is not base64url-encoded JSON",
                h == NULL ? "header" : "payload");
        goto out;
    }
    if (json_object_get(h, "crit") != NULL) {
        /* Extensions reflekt does not know must not be ignored. */
        err_set(err, "token header has critical extensions");
        goto out;
    }
    if (jwt_str(h, "alg", out->alg, sizeof(out->alg)) <= 0 ||
        jwt_str(h, "kid", out->kid, sizeof(out->kid)) < 0) {
        err_set(err, "token header has no usable alg or kid");
        goto out;
    }
    if ((rc = jwt_claims(p, out, err)) < 0)
        goto out;
    n = b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - token), out->sig,
                      sizeof(out->sig));
    if (n < 0) {
        err_set(err, "token signature is not base64url or too long");
        rc = ERR_DENIED;
        goto out;
    }
    out->sig_len = (size_t)n;
    out->input = token;
    out->input_len = (size_t)(d2 - token);
    rc = 0;
out:
    json_decref(h);
    json_decref(p);
    return rc;
}

/* ---- check ------------------------------------------------------------- */

static const struct jwks_key *
jwks_find(const struct jwks *k, const char *kid)
{
    for (size_t i = 0; k != NULL && i < k->n; i++)
        if (strcmp(k->keys[i].kid, kid) == 0)
            return &k->keys[i];
    return NULL;
}

static int
jwt_signature_ok(const struct jwt *t, EVP_PKEY *pkey)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok;

    if (md == NULL)
        abort(); /* out of memory, as xmalloc */
    ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
         EVP_DigestVerify(md, t->sig, t->sig_len,
                          (const unsigned char *)t->input, t->input_len) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

int
jwt_verify(const struct jwt *t, const struct jwks *keys,
           const struct jwt_expect *want, int64_t now, char *err)
{
    int64_t skew = want->skew > 0 ? want->skew : JWT_SKEW;
    const struct jwks_key *key;
    int aud = 0;

    /* The algorithm first: a token must not choose how it is checked. */
    if (strcmp(t->alg, "RS256") != 0) {
        err_set(err, "token algorithm is not RS256");
        return ERR_DENIED;
    }
    if (t->kid[0] == '\0') {
        err_set(err, "token names no signing key");
        return ERR_DENIED;
    }
    key = jwks_find(keys, t->kid);
    if (key == NULL) {
        err_set(err, "token is signed with an unknown key");
        return ERR_NOTFOUND;
    }
    if (!jwt_signature_ok(t, key->pkey)) {
        err_set(err, "token signature does not verify");
        return ERR_DENIED;
    }
    if (strcmp(t->iss, want->issuer) != 0) {
        err_set(err, "token issuer is not %s", want->issuer);
        return ERR_DENIED;
    }
    for (int i = 0; i < t->naud; i++)
        aud |= strcmp(t->aud[i], want->audience) == 0;
    if (!aud) {
        err_set(err, "token audience is not this bot's app id");
        return ERR_DENIED;
    }
    /* Written so that no sum can overflow, whatever the token says. */
    if (t->exp == 0 || now - skew > t->exp) {
        err_set(err, "token has expired");
        return ERR_DENIED;
    }
    if (t->nbf != 0 && t->nbf - skew > now) {
        err_set(err, "token is not valid yet");
        return ERR_DENIED;
    }
    return 0;
}

/* The length of url without trailing slashes. */
static size_t
url_len(const char *url)
{
    size_t n = strlen(url);

    while (n > 0 && url[n - 1] == '/')
        n--;
    return n;
}

int
jwt_check_service_url(const struct jwt *t, const char *url, char *err)
{
    size_t n = url_len(t->serviceurl);

    if (url == NULL || n == 0 || url_len(url) != n ||
        strncmp(t->serviceurl, url, n) != 0) {
        err_set(err, "token serviceurl does not match the activity's");
        return ERR_DENIED;
    }
    return 0;
}

int
jwt_check_endorsement(const struct jwt *t, const struct jwks *keys,
                      const char *channel, char *err)
{
    const struct jwks_key *key = jwks_find(keys, t->kid);

    for (int i = 0; key != NULL && channel != NULL && i < key->nendorse; i++)
        if (strcmp(key->endorse[i], channel) == 0)
            return 0;
    err_set(err, "signing key is not endorsed for channel %.32s",
            channel != NULL ? channel : "(none)");
    return ERR_DENIED;
}

/* ---- the key set ------------------------------------------------------- */

struct jwks *
jwks_new(void)
{
    return xcalloc(1, sizeof(struct jwks));
}

static void
jwks_clear(struct jwks *k)
{
    for (size_t i = 0; i < k->n; i++)
        EVP_PKEY_free(k->keys[i].pkey);
    free(k->keys);
    k->keys = NULL;
    k->n = 0;
}

void
jwks_free(struct jwks *k)
{
    if (k == NULL)
        return;
    jwks_clear(k);
    free(k);
}

size_t
jwks_count(const struct jwks *k)
{
    return k != NULL ? k->n : 0;
}

/* Decode a base64url big number member into a BIGNUM.  Returns: new
 * BIGNUM or NULL. */
static BIGNUM *
jwks_bn(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    unsigned char buf[JWKS_MAX_MODULUS];
    long n;

    if (s == NULL)
        return NULL;
    n = b64url_decode(s, strlen(s), buf, sizeof(buf));
    if (n <= 0)
        return NULL;
    return BN_bin2bn(buf, (int)n, NULL);
}

/* An RSA public key from modulus and exponent.  Returns: NULL if they do
 * not make one of at least JWKS_MIN_BITS. */
static EVP_PKEY *
jwks_rsa(const json_t *o)
{
    BIGNUM *n = jwks_bn(o, "n"), *e = jwks_bn(o, "e");
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;

    if (n == NULL || e == NULL || BN_num_bits(n) < JWKS_MIN_BITS ||
        BN_num_bits(e) > 64 || !BN_is_odd(e) || BN_is_one(e))
        goto out;
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
        goto out;
    params = OSSL_PARAM_BLD_to_param(bld);
    if (params == NULL)
        goto out;
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = NULL;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return pkey;
}

int
jwks_load(struct jwks *k, const json_t *doc, char *err)
{
    const json_t *arr = json_object_get(doc, "keys");
    struct jwks_key *keys;
    size_t i, n = 0;
    json_t *o;

    if (!json_is_array(arr)) {
        err_set(err, "key set has no \"keys\" array");
        return ERR_INVAL;
    }
    keys = xcalloc(json_array_size(arr) + 1, sizeof(*keys));
    json_array_foreach(arr, i, o)
    {
        struct jwks_key *key = &keys[n];
        const json_t *end = json_object_get(o, "endorsements");
        const char *use = json_string_value(json_object_get(o, "use"));
        const char *kty = json_string_value(json_object_get(o, "kty"));
        size_t j;
        json_t *v;

        memset(key, 0, sizeof(*key));
        if (n >= JWKS_MAX_KEYS || kty == NULL || strcmp(kty, "RSA") != 0 ||
            (use != NULL && strcmp(use, "sig") != 0) ||
            jwt_str(o, "kid", key->kid, sizeof(key->kid)) <= 0 ||
            key->kid[0] == '\0')
            continue;
        json_array_foreach(end, j, v)
        {
            size_t len = json_string_length(v);

            if (json_is_string(v) && len < sizeof(key->endorse[0]) &&
                key->nendorse < JWKS_MAX_ENDORSE)
                memcpy(key->endorse[key->nendorse++], json_string_value(v),
                       len + 1);
        }
        key->pkey = jwks_rsa(o);
        if (key->pkey == NULL)
            continue;
        n++;
    }
    if (n == 0) {
        free(keys);
        err_set(err, "key set holds no usable RSA signing key");
        return ERR_INVAL;
    }
    jwks_clear(k);
    k->keys = keys;
    k->n = n;
    return (int)n;
}
