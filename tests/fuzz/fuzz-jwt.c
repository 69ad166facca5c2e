/*
 * fuzz-jwt.c - libFuzzer target for bearer tokens and key sets.
 *
 * The input is tried as a bearer token (parsed, then checked against a key
 * set made at start-up, with RSA keys generated there) and as a JWKS
 * document.  Nothing an attacker sends may be accepted: the fuzzer cannot
 * sign with the generated key, so a token that passes the check means the
 * check is broken.
 */
#include "jwt.h"

#include "err.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jwks *keys;

static char *
b64url_bn(EVP_PKEY *pk, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char bin[1024];
    char *out = malloc(1400);
    int n;

    EVP_PKEY_get_bn_param(pk, name, &bn);
    n = EVP_EncodeBlock((unsigned char *)out, bin, BN_bn2bin(bn, bin));
    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    for (int i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    BN_free(bn);
    return out;
}

static void
keys_make(void)
{
    EVP_PKEY *pk = EVP_RSA_gen(2048);
    char *n = b64url_bn(pk, OSSL_PKEY_PARAM_RSA_N);
    char *e = b64url_bn(pk, OSSL_PKEY_PARAM_RSA_E);
    json_t *doc =
        json_pack("{s:[{s:s, s:s, s:s, s:s, s:[s]}]}", "keys", "kty", "RSA",
                  "kid", "k1", "n", n, "e", e, "endorsements", "msteams");

    keys = jwks_new();
    if (jwks_load(keys, doc, NULL) != 1)
        abort();
    json_decref(doc);
    free(n);
    free(e);
    EVP_PKEY_free(pk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jwt_expect want = {"https://api.botframework.com", "app", 0};
    struct jwt t;
    char err[ERR_BUFSZ] = "";
    json_t *doc;

    if (keys == NULL)
        keys_make();
    if (jwt_parse((const char *)data, size, &t, err) == 0) {
        if (t.input != (const char *)data || t.input_len >= size)
            abort();
        if (jwt_verify(&t, keys, &want, 1795430000, err) == 0)
            abort(); /* forged without the private key */
        (void)jwt_check_endorsement(&t, keys, "msteams", err);
    } else if (err[0] == '\0') {
        abort();
    }
    doc = json_loadb((const char *)data, size, 0, NULL);
    if (doc != NULL) {
        struct jwks *k = jwks_new();

        (void)jwks_load(k, doc, err);
        jwks_free(k);
        json_decref(doc);
    }
    return 0;
}
