/*
 * fake-teams.c - the loopback Microsoft Teams for reflekt's tests.
 *
 * One libmicrohttpd daemon (a thread per connection) plays three parts:
 * the Bot Framework's OpenID metadata and keys, the Entra token endpoint
 * and the connector.  Person actions become activities that one delivery
 * thread POSTs to the bot with libcurl, in the order they happened, each
 * attempt with a freshly signed RS256 token.
 *
 * One mutex guards all state and one condition variable (monotonic clock)
 * is broadcast on every change anyone may wait for: a delivery queued or
 * finished, a caller gone, stop.  Network I/O and key generation are never
 * done with the mutex held; a signing key in use outside it holds its own
 * reference, so a rotation may free the old one at any time.
 */
#include "fake-teams.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FT_JSON_TYPE "application/json; charset=utf-8"
#define FT_HTML_TYPE "text/html"
#define FT_ISSUER "https://api.botframework.com"
#define FT_SCOPE "https://api.botframework.com/.default"
#define FT_BOT_ID "28:" FAKE_TEAMS_APP_ID
#define FT_BOT_NAME "reflekt"
#define FT_LOCALE "nb-NO"
#define FT_CARD_TYPE "application/vnd.microsoft.card.adaptive"
#define FT_EVIL "https://evil.example"
#define FT_OTHER_AUD "99999999-8888-7777-6666-555555555555"
#define FT_HS_KEY "dummy-secret-key"
#define FT_MAX_BODY (1024 * 1024)
#define FT_SLOW_MS 2000
#define FT_RELAY_MS 15000
#define FT_NAME_LEN 128
#define FT_URL_LEN 64
#define FT_HTML_500                                                            \
    "<html><head><title>500 - Internal server error.</title></head>"           \
    "<body><h1>Server Error</h1></body></html>\n"
#define FT_HTML_503                                                            \
    "<html><head><title>503 Service Unavailable</title></head>"                \
    "<body><h1>Service Unavailable</h1></body></html>\n"

/* Grow a malloc'd array so it holds need elements; aborts when out of
 * memory (test code). */
#define FT_GROW(arr, cap, need)                                                \
    do {                                                                       \
        if ((need) > (cap)) {                                                  \
            int ft_nc_ = (cap) > 0 ? (cap)*2 : 8;                              \
            while (ft_nc_ < (need))                                            \
                ft_nc_ *= 2;                                                   \
            (arr) = ft_xrealloc((arr), (size_t)ft_nc_ * sizeof(*(arr)));       \
            (cap) = ft_nc_;                                                    \
        }                                                                      \
    } while (0)

/* The counters fake_teams_calls reads, by name. */
enum {
    FT_C_TOKEN,
    FT_C_OPENID,
    FT_C_KEYS,
    FT_C_CONNECTOR,
    FT_C_CREATE,
    FT_C_SEND,
    FT_C_UPDATE,
    FT_C_DELETE,
    FT_C_LIMITED,
    FT_NCOUNTERS
};

static const char *const ft_counter_names[FT_NCOUNTERS] = {
    "token", "openid", "keys",   "connector", "create",
    "send",  "update", "delete", "limited",
};

enum ft_op { FT_OP_NONE, FT_OP_CREATE, FT_OP_SEND, FT_OP_UPDATE, FT_OP_DELETE };

struct ft_key {
    EVP_PKEY *pk;
    char kid[32];
    char *n, *e; /* base64url, when published */
};

/* One activity the bot sent. */
struct ft_msg {
    char id[FAKE_TEAMS_ID_LEN];
    json_t *act;
    int updates;
    int deleted;
};

struct ft_user {
    char aad[FAKE_TEAMS_ID_LEN];
    char name[FT_NAME_LEN];
    char tz[FT_NAME_LEN];
    int gen;     /* conversation generation: 1 is "a:conv-<aad>" */
    int gone;    /* forgotten: no conversation until a create */
    int blocked; /* by fake_teams_block */
    int removed; /* by fake_teams_uninstall */
    struct ft_msg *msgs;
    int nmsgs, cmsgs;
};

struct ft_token {
    char token[64];
    int64_t expires; /* wall clock ms */
};

struct ft_fault {
    enum fake_teams_fault fault;
    char target[16]; /* "" matches every request */
    int count;
};

/* One activity on its way to the bot; its caller waits for done. */
struct ft_delivery {
    char *body;
    char *serviceurl;
    enum fake_teams_token token;
    int retry;
    int status; /* -1 until an attempt was made */
    int attempts;
    int done; /* under lock */
    struct ft_delivery *next;
};

struct fake_teams {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stopping;
    pthread_t deliverer;
    int deliverer_started;
    int callers; /* public calls waiting on a delivery */
    struct ft_delivery *qhead, *qtail;
    struct ft_user *users;
    int nusers, cusers;
    json_t *sent; /* {id, aad, type, body, serviceurl} per delivery */
    struct ft_token *tokens;
    int ntokens, ctokens;
    struct ft_fault *faults;
    int nfaults, cfaults;
    int counts[FT_NCOUNTERS];
    int attempts, retries;
    struct ft_key key;       /* current, endorsed for msteams */
    struct ft_key noendorse; /* published, endorsed for skype only */
    struct ft_key unknown;   /* never published; made on first use */
    int key_serial;
    char *bot_url, *relay_url;
    long ttl;
    long long serial;     /* person activity ids */
    long long msg_serial; /* the bot's activity ids */
    unsigned long token_serial;
    uint64_t rand;
};

struct ft_str {
    char *p;
    size_t n;
    int items;
};

struct ft_req {
    struct ft_str body;
    int too_big;
};

struct ft_answer {
    unsigned status;
    const char *ctype;
    char *body;
};

/* ---- small utilities ---------------------------------------------------- */

static void *
ft_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n != 0 ? n : 1);

    if (q == NULL) {
        fprintf(stderr, "fake-teams: out of memory\n");
        abort();
    }
    return q;
}

static char *
ft_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;

    return memcpy(ft_xrealloc(NULL, n), s, n);
}

static int64_t
ft_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
ft_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep until deadline (monotonic ms), or less when the fake stops. */
static void
ft_sleep_until(struct fake_teams *f, int64_t deadline)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(deadline / 1000);
    ts.tv_nsec = (long)(deadline % 1000) * 1000000L;
    pthread_mutex_lock(&f->lock);
    while (!f->stopping && ft_mono_ms() < deadline)
        pthread_cond_timedwait(&f->cond, &f->lock, &ts);
    pthread_mutex_unlock(&f->lock);
}

static int
ft_is_stopping(struct fake_teams *f)
{
    int s;

    pthread_mutex_lock(&f->lock);
    s = f->stopping;
    pthread_mutex_unlock(&f->lock);
    return s;
}

/* xorshift64*: tokens only need to look random. */
static uint64_t
ft_random(struct fake_teams *f)
{
    f->rand ^= f->rand >> 12;
    f->rand ^= f->rand << 25;
    f->rand ^= f->rand >> 27;
    return f->rand * 0x2545F4914F6CDD1DULL;
}

static void
ft_str_addn(struct ft_str *s, const char *p, size_t n)
{
    s->p = ft_xrealloc(s->p, s->n + n + 1);
    memcpy(s->p + s->n, p, n);
    s->n += n;
    s->p[s->n] = '\0';
}

/* Append text, with sep before it unless it is the first item. */
static void
ft_str_item(struct ft_str *s, const char *sep, const char *text)
{
    if (s->items++ > 0)
        ft_str_addn(s, sep, strlen(sep));
    ft_str_addn(s, text, strlen(text));
}

/* The text of s, "" when empty; s is left empty. */
static char *
ft_str_take(struct ft_str *s)
{
    char *p = s->p != NULL ? s->p : ft_xstrdup("");

    memset(s, 0, sizeof(*s));
    return p;
}

static const char *
ft_jstr(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Compact JSON text of v (borrowed); aborts when it cannot be made. */
static char *
ft_dump(json_t *v)
{
    char *text =
        v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

    if (text == NULL) {
        fprintf(stderr, "fake-teams: cannot encode JSON\n");
        abort();
    }
    return text;
}

static char *
ft_b64url(const unsigned char *p, size_t n)
{
    char *out = ft_xrealloc(NULL, 4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);

    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *c = out; *c != '\0'; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    return out;
}

static int
ft_unhex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * The value of key in a form body (percent escapes and '+' decoded) into
 * out.  Returns: 0, or -1 when absent, too long or decoding to a NUL.
 */
static int
ft_form_get(const char *s, const char *key, char *out, size_t outsz)
{
    size_t kl = strlen(key);

    while (s != NULL && *s != '\0') {
        size_t len = strcspn(s, "&"), o = 0;

        if (len > kl && strncmp(s, key, kl) == 0 && s[kl] == '=') {
            for (size_t i = kl + 1; i < len; i++) {
                int c = (unsigned char)s[i];

                if (c == '%' && i + 2 < len && ft_unhex(s[i + 1]) >= 0 &&
                    ft_unhex(s[i + 2]) >= 0) {
                    c = ft_unhex(s[i + 1]) * 16 + ft_unhex(s[i + 2]);
                    i += 2;
                } else if (c == '+') {
                    c = ' ';
                }
                if (c == 0 || o + 1 >= outsz)
                    return -1;
                out[o++] = (char)c;
            }
            out[o] = '\0';
            return 0;
        }
        s += len;
        if (*s == '&')
            s++;
    }
    return -1;
}

static uint32_t
ft_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

/*
 * The UTC offset (seconds) zone tz has at time t, read from its TZif file:
 * setting TZ for localtime_r would race with the bot when both share a
 * process.  Returns: 0, or -1 when the zone cannot be read.
 */
static int
ft_tz_offset(const char *tz, int64_t t, long *off)
{
    size_t cap = 256 * 1024, n, p = 44, tsz = 4;
    unsigned char *b;
    uint32_t cnt, types, type = 0;
    char path[FT_NAME_LEN + 32];
    int rc = -1;
    FILE *fp;

    if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") != NULL)
        return -1;
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
    if ((fp = fopen(path, "rb")) == NULL)
        return -1;
    b = ft_xrealloc(NULL, cap);
    n = fread(b, 1, cap, fp);
    fclose(fp);
    if (n < 44 || memcmp(b, "TZif", 4) != 0)
        goto out;
    if (b[4] >= '2') {
        /* Skip the block of 32-bit times to the one of 64-bit times. */
        size_t v1 = (size_t)ft_be32(b + 20) + ft_be32(b + 24) +
                    (size_t)ft_be32(b + 28) * 8 + (size_t)ft_be32(b + 32) * 5 +
                    (size_t)ft_be32(b + 36) * 6 + ft_be32(b + 40);

        if (44 + v1 + 44 <= n && memcmp(b + 44 + v1, "TZif", 4) == 0) {
            p = 44 + v1 + 44;
            tsz = 8;
        }
    }
    cnt = ft_be32(b + p - 12);
    types = ft_be32(b + p - 8);
    if (types == 0 || p + (size_t)cnt * (tsz + 1) + (size_t)types * 6 > n)
        goto out;
    for (uint32_t i = 0; i < cnt; i++) {
        const unsigned char *q = b + p + i * tsz;
        int64_t at = tsz == 8 ? (int64_t)((uint64_t)ft_be32(q) << 32 |
                                          (uint64_t)ft_be32(q + 4))
                              : (int64_t)(int32_t)ft_be32(q);

        if (at > t)
            break;
        type = b[p + (size_t)cnt * tsz + i];
    }
    if (type < types) {
        *off = (long)(int32_t)ft_be32(b + p + (size_t)cnt * (tsz + 1) +
                                      (size_t)type * 6);
        rc = 0;
    }
out:
    free(b);
    return rc;
}

/* ISO 8601 with milliseconds: "…Z" for UTC (utc), else with the offset. */
static void
ft_iso(int64_t ms, long off, int utc, char *out, size_t outsz)
{
    time_t t = (time_t)(ms / 1000 + off);
    long a = off < 0 ? -off : off;
    struct tm tm;
    size_t n;

    gmtime_r(&t, &tm);
    n = strftime(out, outsz, "%Y-%m-%dT%H:%M:%S", &tm);
    if (utc)
        snprintf(out + n, outsz - n, ".%03dZ", (int)(ms % 1000));
    else
        snprintf(out + n, outsz - n, ".%03d%c%02ld:%02ld", (int)(ms % 1000),
                 off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

/* ---- keys and tokens ---------------------------------------------------- */

static char *
ft_bn_b64url(EVP_PKEY *pk, const char *param)
{
    BIGNUM *bn = NULL;
    unsigned char *buf;
    char *out;
    int len;

    if (EVP_PKEY_get_bn_param(pk, param, &bn) != 1)
        return NULL;
    len = BN_num_bytes(bn);
    buf = ft_xrealloc(NULL, (size_t)len);
    BN_bn2bin(bn, buf);
    out = ft_b64url(buf, (size_t)len);
    free(buf);
    BN_free(bn);
    return out;
}

static void
ft_key_release(struct ft_key *k)
{
    EVP_PKEY_free(k->pk);
    free(k->n);
    free(k->e);
    memset(k, 0, sizeof(*k));
}

/* A new RSA-2048 key; publish: with n and e for /keys.  Returns: 0 or -1. */
static int
ft_key_make(struct ft_key *k, const char *kid, int publish)
{
    memset(k, 0, sizeof(*k));
    snprintf(k->kid, sizeof(k->kid), "%s", kid);
    k->pk = EVP_RSA_gen(2048);
    if (k->pk == NULL)
        return -1;
    if (publish) {
        k->n = ft_bn_b64url(k->pk, OSSL_PKEY_PARAM_RSA_N);
        k->e = ft_bn_b64url(k->pk, OSSL_PKEY_PARAM_RSA_E);
        if (k->n == NULL || k->e == NULL) {
            ft_key_release(k);
            return -1;
        }
    }
    return 0;
}

static json_t *
ft_jwk(const struct ft_key *k, const char *endorsement)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[s]}", "kty", "RSA", "use", "sig",
                     "kid", k->kid, "n", k->n, "e", k->e, "endorsements",
                     endorsement);
}

/*
 * "Bearer <JWT>" for an activity whose serviceUrl is serviceurl, wrong the
 * way kind says (FAKE_TEAMS_TOKEN_GOOD: right).  Returns: malloc'd, or NULL
 * for FAKE_TEAMS_TOKEN_NONE or when signing failed.
 */
static char *
ft_jwt(struct fake_teams *f, enum fake_teams_token kind, const char *serviceurl)
{
    int64_t now = ft_wall_ms() / 1000;
    long long nbf = now - 5, exp = now + 3600;
    const char *alg = "RS256", *iss = FT_ISSUER, *aud = FAKE_TEAMS_APP_ID;
    const struct ft_key *k = &f->key;
    unsigned char sig[1024];
    size_t siglen = 0;
    EVP_PKEY *pk = NULL;
    char kid[32], *h64, *c64, *s64, *input, *out = NULL;
    json_t *head, *claims;
    size_t n;

    switch (kind) {
    case FAKE_TEAMS_TOKEN_NONE:
        return NULL;
    case FAKE_TEAMS_TOKEN_ISS:
        iss = FT_EVIL;
        break;
    case FAKE_TEAMS_TOKEN_AUD:
        aud = FT_OTHER_AUD;
        break;
    case FAKE_TEAMS_TOKEN_EXPIRED:
        exp = now - 600;
        nbf = now - 4000;
        break;
    case FAKE_TEAMS_TOKEN_KID:
        k = &f->unknown;
        break;
    case FAKE_TEAMS_TOKEN_ALG_NONE:
        alg = "none";
        break;
    case FAKE_TEAMS_TOKEN_HS256:
        alg = "HS256";
        break;
    case FAKE_TEAMS_TOKEN_SERVICEURL:
        serviceurl = FT_EVIL "/";
        break;
    case FAKE_TEAMS_TOKEN_ENDORSE:
        k = &f->noendorse;
        break;
    case FAKE_TEAMS_TOKEN_FUTURE:
        nbf = now + 900;
        break;
    default:
        break;
    }
    pthread_mutex_lock(&f->lock);
    pk = k->pk;
    if (pk != NULL)
        EVP_PKEY_up_ref(pk);
    snprintf(kid, sizeof(kid), "%s", k->kid);
    pthread_mutex_unlock(&f->lock);
    if (strcmp(alg, "RS256") == 0)
        head = json_pack("{s:s,s:s,s:s,s:s}", "alg", alg, "kid", kid, "typ",
                         "JWT", "x5t", kid);
    else
        head = json_pack("{s:s,s:s}", "alg", alg, "typ", "JWT");
    claims = json_pack("{s:s,s:I,s:I,s:s,s:s}", "serviceurl", serviceurl, "nbf",
                       (json_int_t)nbf, "exp", (json_int_t)exp, "iss", iss,
                       "aud", aud);
    {
        char *ht = ft_dump(head), *ct = ft_dump(claims);

        h64 = ft_b64url((const unsigned char *)ht, strlen(ht));
        c64 = ft_b64url((const unsigned char *)ct, strlen(ct));
        free(ht);
        free(ct);
    }
    json_decref(head);
    json_decref(claims);
    n = strlen(h64) + strlen(c64) + 2;
    input = ft_xrealloc(NULL, n);
    snprintf(input, n, "%s.%s", h64, c64);
    if (strcmp(alg, "RS256") == 0) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();

        siglen = sizeof(sig);
        if (pk == NULL || ctx == NULL ||
            EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pk) != 1 ||
            EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)input,
                           strlen(input)) != 1)
            siglen = 0;
        EVP_MD_CTX_free(ctx);
        if (siglen == 0)
            goto out;
    } else if (strcmp(alg, "HS256") == 0) {
        unsigned len = 0;

        HMAC(EVP_sha256(), FT_HS_KEY, (int)strlen(FT_HS_KEY),
             (const unsigned char *)input, strlen(input), sig, &len);
        siglen = len;
    }
    if (kind == FAKE_TEAMS_TOKEN_SIG && siglen > 0)
        sig[siglen - 1] ^= 0x01;
    s64 = ft_b64url(sig, siglen);
    n = strlen("Bearer ") + strlen(input) + strlen(s64) + 2;
    out = ft_xrealloc(NULL, n);
    snprintf(out, n, "Bearer %s.%s", input, s64);
    free(s64);
out:
    EVP_PKEY_free(pk);
    free(input);
    free(h64);
    free(c64);
    return out;
}

/* Is auth "Bearer <a token this fake issued that has not expired>"? */
static int
ft_token_valid(struct fake_teams *f, const char *auth)
{
    int64_t now = ft_wall_ms();

    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
        return 0;
    for (int i = 0; i < f->ntokens; i++)
        if (strcmp(f->tokens[i].token, auth + 7) == 0)
            return f->tokens[i].expires > now;
    return 0;
}

/* ---- state (the caller holds the lock) ---------------------------------- */

static int
ft_user_by_aad(struct fake_teams *f, const char *aad)
{
    for (int i = 0; i < f->nusers; i++)
        if (strcmp(f->users[i].aad, aad) == 0)
            return i;
    return -1;
}

static void
ft_conv_id(const struct ft_user *u, char *out, size_t outsz)
{
    if (u->gen <= 1)
        snprintf(out, outsz, "a:conv-%s", u->aad);
    else
        snprintf(out, outsz, "a:conv-%s-%d", u->aad, u->gen);
}

static int
ft_user_by_conv(struct fake_teams *f, const char *conv)
{
    char id[FT_NAME_LEN];

    for (int i = 0; i < f->nusers; i++) {
        ft_conv_id(&f->users[i], id, sizeof(id));
        if (!f->users[i].gone && strcmp(id, conv) == 0)
            return i;
    }
    return -1;
}

static struct ft_msg *
ft_msg_by_id(struct ft_user *u, const char *id)
{
    for (int i = 0; i < u->nmsgs; i++)
        if (strcmp(u->msgs[i].id, id) == 0)
            return &u->msgs[i];
    return NULL;
}

static enum fake_teams_fault
ft_take_fault(struct fake_teams *f, const char *target)
{
    for (int i = 0; i < f->nfaults; i++) {
        struct ft_fault *x = &f->faults[i];

        if (x->count > 0 &&
            (x->target[0] == '\0' || strcmp(x->target, target) == 0)) {
            x->count--;
            return x->fault;
        }
    }
    return FAKE_TEAMS_NO_FAULT;
}

/*
 * Walk the card element v: every Action.Submit needs object data; collect
 * TextBlock texts and Action.Submit titles when texts/actions are given.
 * Returns: the first problem, or NULL.
 */
static const char *
ft_walk(json_t *v, struct ft_str *texts, struct ft_str *actions)
{
    const char *why = NULL, *key, *type;
    json_t *x;
    size_t i;

    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            const char *w = ft_walk(x, texts, actions);

            why = why != NULL ? why : w;
        }
        return why;
    }
    if (!json_is_object(v))
        return NULL;
    type = ft_jstr(v, "type");
    if (type != NULL && strcmp(type, "TextBlock") == 0 && texts != NULL &&
        ft_jstr(v, "text") != NULL)
        ft_str_item(texts, " | ", ft_jstr(v, "text"));
    if (type != NULL && strcmp(type, "Action.Submit") == 0) {
        if (!json_is_object(json_object_get(v, "data")))
            why = "Action.Submit data must be an object";
        if (actions != NULL)
            ft_str_item(actions, ",",
                        ft_jstr(v, "title") != NULL ? ft_jstr(v, "title") : "");
    }
    json_object_foreach(v, key, x)
    {
        const char *w;

        if (strcmp(key, "data") == 0)
            continue;
        w = ft_walk(x, texts, actions);
        why = why != NULL ? why : w;
    }
    return why;
}

static int
ft_is_card(json_t *attachment)
{
    const char *ct = ft_jstr(attachment, "contentType");

    return ct != NULL && strcmp(ct, FT_CARD_TYPE) == 0;
}

/* Returns: what is wrong with the bot's activity, or NULL. */
static const char *
ft_check_activity(json_t *act)
{
    const char *type = ft_jstr(act, "type"), *text = ft_jstr(act, "text");
    json_t *atts = json_object_get(act, "attachments"), *a;
    size_t i;

    if (type == NULL || strcmp(type, "message") != 0)
        return "The activity type must be message";
    if (atts != NULL && !json_is_array(atts))
        return "attachments must be an array";
    if ((text == NULL || text[0] == '\0') && json_array_size(atts) == 0)
        return "The activity has neither text nor attachments";
    json_array_foreach(atts, i, a)
    {
        json_t *content = json_object_get(a, "content");
        const char *why, *ctype = ft_jstr(content, "type");

        if (ft_jstr(a, "contentType") == NULL)
            return "An attachment has no contentType";
        if (!ft_is_card(a))
            continue;
        if (ctype == NULL || strcmp(ctype, "AdaptiveCard") != 0)
            return "The card's content type must be AdaptiveCard";
        if ((why = ft_walk(content, NULL, NULL)) != NULL)
            return why;
    }
    return NULL;
}

/* ---- deliveries to the bot ---------------------------------------------- */

static size_t
ft_curl_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct ft_str *s = arg;
    size_t n = size * nmemb;

    if (s->n + n > FT_MAX_BODY)
        return 0;
    ft_str_addn(s, ptr, n);
    return n;
}

/* Lets fake_teams_stop cut a POST short. */
static int
ft_curl_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
                 curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return ft_is_stopping(arg);
}

/*
 * POST body to url as JSON with auth as the Authorization header (NULL:
 * none).  Returns: the HTTP status, or 0 when no answer came in time; the
 * answer's body into resp (may be NULL).
 */
static int
ft_http_post(struct fake_teams *f, const char *url, const char *body,
             const char *auth, long timeout_ms, struct ft_str *resp)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hd = NULL;
    struct ft_str sink = {0};
    long status = 0;

    if (h == NULL)
        return 0;
    hd = curl_slist_append(hd, "Content-Type: application/json");
    hd = curl_slist_append(hd, "Expect:");
    hd = curl_slist_append(
        hd, "User-Agent: Microsoft-SkypeBotApi (Microsoft-BotFramework 3.0)");
    if (auth != NULL) {
        size_t n = strlen(auth) + 16;
        char *line = ft_xrealloc(NULL, n);

        snprintf(line, n, "Authorization: %s", auth);
        hd = curl_slist_append(hd, line);
        free(line);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ft_curl_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp != NULL ? resp : &sink);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, ft_curl_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, f);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    free(sink.p);
    return (int)status;
}

/* Does Teams send again after this answer?  Not after 2xx, nor after a
 * deliberate refusal (4xx but 408 and 429). */
static int
ft_retryable(int status)
{
    if (status >= 200 && status < 300)
        return 0;
    return status < 400 || status >= 500 || status == 408 || status == 429;
}

/* Hand d to the bot, redelivering as Teams does. */
static void
ft_deliver(struct fake_teams *f, struct ft_delivery *d)
{
    for (int attempt = 0;; attempt++) {
        char *url = NULL, *auth;
        int status;

        pthread_mutex_lock(&f->lock);
        if (!f->stopping && f->bot_url != NULL) {
            url = ft_xstrdup(f->bot_url);
            f->attempts++;
            f->retries += attempt > 0;
        }
        pthread_mutex_unlock(&f->lock);
        if (url == NULL)
            break;
        auth = ft_jwt(f, d->token, d->serviceurl);
        status = ft_http_post(f, url, d->body, auth, FAKE_TEAMS_ACK_MS, NULL);
        free(auth);
        free(url);
        d->status = status;
        d->attempts = attempt + 1;
        if (!d->retry || !ft_retryable(status) || attempt >= FAKE_TEAMS_RETRIES)
            break;
        ft_sleep_until(f, ft_mono_ms() + (1000LL << attempt));
    }
}

static void *
ft_deliverer(void *arg)
{
    struct fake_teams *f = arg;
    struct ft_delivery *d;

    pthread_mutex_lock(&f->lock);
    for (;;) {
        while (!f->stopping && f->qhead == NULL)
            pthread_cond_wait(&f->cond, &f->lock);
        if (f->stopping)
            break;
        d = f->qhead;
        f->qhead = d->next;
        if (f->qhead == NULL)
            f->qtail = NULL;
        pthread_mutex_unlock(&f->lock);
        ft_deliver(f, d);
        pthread_mutex_lock(&f->lock);
        d->done = 1;
        pthread_cond_broadcast(&f->cond);
    }
    for (d = f->qhead; d != NULL; d = d->next)
        d->done = 1;
    f->qhead = f->qtail = NULL;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

/*
 * Queue body (taken) for the bot and wait for the outcome; the caller
 * holds the lock.  Returns: the last status, or -1 when nothing was sent.
 */
static int
ft_send(struct fake_teams *f, char *body, const char *serviceurl,
        enum fake_teams_token token, int retry, int *attempts)
{
    struct ft_delivery *d;
    int status;

    if (attempts != NULL)
        *attempts = 0;
    if (f->stopping || f->bot_url == NULL) {
        free(body);
        return -1;
    }
    d = ft_xrealloc(NULL, sizeof(*d));
    memset(d, 0, sizeof(*d));
    d->body = body;
    d->serviceurl = ft_xstrdup(serviceurl);
    d->token = token;
    d->retry = retry;
    d->status = -1;
    if (f->qtail != NULL)
        f->qtail->next = d;
    else
        f->qhead = d;
    f->qtail = d;
    f->callers++;
    pthread_cond_broadcast(&f->cond);
    while (!d->done)
        pthread_cond_wait(&f->cond, &f->lock);
    status = d->status;
    if (attempts != NULL)
        *attempts = d->attempts;
    free(d->body);
    free(d->serviceurl);
    free(d);
    f->callers--;
    pthread_cond_broadcast(&f->cond);
    return status;
}

/* Remember act (borrowed) for fake_teams_redeliver, then send it; the
 * caller holds the lock. */
static int
ft_send_activity(struct fake_teams *f, const char *aad, json_t *act,
                 enum fake_teams_token token, int *attempts)
{
    char *body = ft_dump(act);

    json_array_append_new(
        f->sent, json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", ft_jstr(act, "id"),
                           "aad", aad, "type", ft_jstr(act, "type"), "body",
                           body, "serviceurl", ft_jstr(act, "serviceUrl")));
    return ft_send(f, body, ft_jstr(act, "serviceUrl"), token,
                   token == FAKE_TEAMS_TOKEN_GOOD, attempts);
}

static void
ft_service_url(const struct fake_teams *f, char *out, size_t outsz)
{
    snprintf(out, outsz, "http://127.0.0.1:%d/connector/", f->port);
}

/* A new activity from person u with the fields every one has; opens the
 * person's conversation when it was forgotten. */
static json_t *
ft_activity(struct fake_teams *f, int u, const char *type, const char *id)
{
    struct ft_user *p = &f->users[u];
    int64_t ms = ft_wall_ms();
    char ts[48], local[48], conv[FT_NAME_LEN], from[FT_NAME_LEN],
        surl[FT_URL_LEN];
    json_t *a, *client;
    long off = 0;

    if (p->tz[0] != '\0' && ft_tz_offset(p->tz, ms / 1000, &off) < 0)
        off = 0;
    ft_iso(ms, 0, 1, ts, sizeof(ts));
    ft_iso(ms, off, 0, local, sizeof(local));
    p->gone = 0;
    ft_conv_id(p, conv, sizeof(conv));
    snprintf(from, sizeof(from), "29:%s", p->aad);
    ft_service_url(f, surl, sizeof(surl));
    a = json_pack("{s:s,s:s,s:s,s:s}", "type", type, "id", id, "timestamp", ts,
                  "localTimestamp", local);
    if (p->tz[0] != '\0')
        json_object_set_new(a, "localTimezone", json_string(p->tz));
    json_object_set_new(a, "serviceUrl", json_string(surl));
    json_object_set_new(a, "channelId", json_string("msteams"));
    json_object_set_new(a, "from",
                        json_pack("{s:s,s:s,s:s}", "id", from, "name", p->name,
                                  "aadObjectId", p->aad));
    json_object_set_new(a, "conversation",
                        json_pack("{s:s,s:s,s:s}", "conversationType",
                                  "personal", "tenantId", FAKE_TEAMS_TENANT,
                                  "id", conv));
    json_object_set_new(
        a, "recipient",
        json_pack("{s:s,s:s}", "id", FT_BOT_ID, "name", FT_BOT_NAME));
    json_object_set_new(a, "locale", json_string(FT_LOCALE));
    client = json_pack("{s:s,s:s}", "type", "clientInfo", "locale", FT_LOCALE);
    if (p->tz[0] != '\0')
        json_object_set_new(client, "timezone", json_string(p->tz));
    json_object_set_new(a, "entities", json_pack("[o]", client));
    json_object_set_new(
        a, "channelData",
        json_pack("{s:{s:s}}", "tenant", "id", FAKE_TEAMS_TENANT));
    return a;
}

static void
ft_channel_data(json_t *act, const char *key, json_t *value)
{
    json_object_set_new(json_object_get(act, "channelData"), key, value);
}

static void
ft_new_id(struct fake_teams *f, char *out, size_t outsz)
{
    snprintf(out, outsz, "f:%lld", ++f->serial);
}

/* Find the person's own message id among the activities sent. */
static int
ft_own_message(struct fake_teams *f, const char *aad, const char *id)
{
    size_t i;
    json_t *s;

    json_array_foreach(f->sent, i, s)
    {
        const char *sid = ft_jstr(s, "id"), *saad = ft_jstr(s, "aad"),
                   *type = ft_jstr(s, "type");

        if (sid != NULL && saad != NULL && type != NULL &&
            strcmp(sid, id) == 0 && strcmp(saad, aad) == 0 &&
            strcmp(type, "message") == 0)
            return 0;
    }
    return -1;
}

/* ---- the HTTP side ------------------------------------------------------ */

static void
ft_answer(struct ft_answer *a, unsigned status, const char *ctype,
          const char *text)
{
    a->status = status;
    a->ctype = ctype;
    a->body = ft_xstrdup(text);
}

/* Answer v (taken) as JSON. */
static void
ft_answer_json(struct ft_answer *a, unsigned status, json_t *v)
{
    a->status = status;
    a->ctype = FT_JSON_TYPE;
    a->body = ft_dump(v);
    json_decref(v);
}

static json_t *
ft_error(const char *code, const char *message)
{
    return json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
                     message);
}

static json_t *
ft_aad_error(const char *error, const char *description)
{
    return json_pack("{s:s,s:s}", "error", error, "error_description",
                     description);
}

static void
ft_openid(struct fake_teams *f, struct ft_answer *a)
{
    char jwks[FT_URL_LEN];

    snprintf(jwks, sizeof(jwks), "http://127.0.0.1:%d/keys", f->port);
    ft_answer_json(
        a, 200,
        json_pack("{s:s,s:s,s:[s],s:[s]}", "issuer", FT_ISSUER, "jwks_uri",
                  jwks, "id_token_signing_alg_values_supported", "RS256",
                  "token_endpoint_auth_methods_supported", "private_key_jwt"));
}

static void
ft_keys(struct fake_teams *f, struct ft_answer *a)
{
    ft_answer_json(a, 200,
                   json_pack("{s:[o,o]}", "keys", ft_jwk(&f->key, "msteams"),
                             ft_jwk(&f->noendorse, "skype")));
}

/* POST /{tenant}/oauth2/v2.0/token with a client-credentials form. */
static void
ft_token(struct fake_teams *f, const char *tenant, const char *form,
         struct ft_answer *a)
{
    char grant[64], id[128], secret[128], scope[256], token[64];
    long ttl = f->ttl;

    if (strcmp(tenant, FAKE_TEAMS_TENANT) != 0 &&
        strcmp(tenant, "botframework.com") != 0) {
        ft_answer_json(
            a, 400,
            ft_aad_error("invalid_request", "AADSTS90002: Tenant not found."));
        return;
    }
    if (ft_form_get(form, "grant_type", grant, sizeof(grant)) < 0 ||
        strcmp(grant, "client_credentials") != 0) {
        ft_answer_json(a, 400,
                       ft_aad_error("invalid_request",
                                    "AADSTS900144: The request body must "
                                    "contain grant_type=client_credentials."));
        return;
    }
    if (ft_form_get(form, "client_id", id, sizeof(id)) < 0 ||
        ft_form_get(form, "client_secret", secret, sizeof(secret)) < 0 ||
        strcmp(id, FAKE_TEAMS_APP_ID) != 0 ||
        strcmp(secret, FAKE_TEAMS_PASSWORD) != 0) {
        ft_answer_json(a, 401,
                       ft_aad_error("invalid_client",
                                    "AADSTS7000215: Invalid client secret "
                                    "provided."));
        return;
    }
    if (ft_form_get(form, "scope", scope, sizeof(scope)) < 0 ||
        strcmp(scope, FT_SCOPE) != 0) {
        ft_answer_json(a, 400,
                       ft_aad_error("invalid_request",
                                    "AADSTS70011: The provided value for the "
                                    "input parameter 'scope' is not valid."));
        return;
    }
    snprintf(token, sizeof(token), "fake-at-%lu-%016llx", ++f->token_serial,
             (unsigned long long)ft_random(f));
    FT_GROW(f->tokens, f->ctokens, f->ntokens + 1);
    snprintf(f->tokens[f->ntokens].token, sizeof(f->tokens[0].token), "%s",
             token);
    f->tokens[f->ntokens++].expires = ft_wall_ms() + (int64_t)ttl * 1000;
    ft_answer_json(a, 200,
                   json_pack("{s:s,s:I,s:I,s:s}", "token_type", "Bearer",
                             "expires_in", (json_int_t)ttl, "ext_expires_in",
                             (json_int_t)ttl, "access_token", token));
}

/*
 * Split a connector path (after "/connector") into the operation, the
 * conversation id and the activity id.
 */
static enum ft_op
ft_route(const char *method, const char *path, char *conv, size_t convsz,
         char *id, size_t idsz)
{
    const char *p = path + 17, *s;
    int post = strcmp(method, "POST") == 0;

    conv[0] = id[0] = '\0';
    if (strncmp(path, "/v3/conversations", 17) != 0)
        return FT_OP_NONE;
    if (*p == '\0')
        return post ? FT_OP_CREATE : FT_OP_NONE;
    if (*p++ != '/' || (s = strchr(p, '/')) == NULL || s == p ||
        (size_t)(s - p) >= convsz || strncmp(s, "/activities", 11) != 0)
        return FT_OP_NONE;
    memcpy(conv, p, (size_t)(s - p));
    conv[s - p] = '\0';
    p = s + 11;
    if (*p == '\0')
        return post ? FT_OP_SEND : FT_OP_NONE;
    if (*p++ != '/' || *p == '\0' || strchr(p, '/') != NULL ||
        strlen(p) >= idsz)
        return FT_OP_NONE;
    snprintf(id, idsz, "%s", p);
    if (post)
        return FT_OP_SEND;
    if (strcmp(method, "PUT") == 0)
        return FT_OP_UPDATE;
    return strcmp(method, "DELETE") == 0 ? FT_OP_DELETE : FT_OP_NONE;
}

/* POST /v3/conversations: the person's existing personal chat. */
static void
ft_create(struct fake_teams *f, json_t *body, struct ft_answer *a)
{
    json_t *members = json_object_get(body, "members");
    const char *tid = ft_jstr(body, "tenantId"),
               *ctid =
                   ft_jstr(json_object_get(json_object_get(body, "channelData"),
                                           "tenant"),
                           "id"),
               *bot = ft_jstr(json_object_get(body, "bot"), "id"), *member;
    char conv[FT_NAME_LEN];
    int u;

    if ((tid == NULL && ctid == NULL) ||
        (tid != NULL && strcmp(tid, FAKE_TEAMS_TENANT) != 0) ||
        (ctid != NULL && strcmp(ctid, FAKE_TEAMS_TENANT) != 0)) {
        ft_answer_json(a, 400, ft_error("BadArgument", "tenantId is required"));
        return;
    }
    member = ft_jstr(json_array_get(members, 0), "id");
    if (json_is_true(json_object_get(body, "isGroup")) || bot == NULL ||
        strcmp(bot, FT_BOT_ID) != 0 || json_array_size(members) != 1 ||
        member == NULL) {
        ft_answer_json(a, 400,
                       ft_error("BadArgument",
                                "Incorrect conversation creation parameters"));
        return;
    }
    if (strncmp(member, "29:", 3) == 0)
        member += 3;
    if ((u = ft_user_by_aad(f, member)) < 0) {
        ft_answer_json(a, 404, ft_error("NotFound", "User not found"));
        return;
    }
    f->users[u].gone = 0;
    ft_conv_id(&f->users[u], conv, sizeof(conv));
    ft_answer_json(a, 201, json_pack("{s:s}", "id", conv));
}

/* One connector request, authorised or not; the caller holds the lock. */
static void
ft_connector(struct fake_teams *f, enum ft_op op, const char *conv,
             const char *id, const char *auth, const struct ft_req *rq,
             struct ft_answer *a)
{
    json_t *body = NULL;
    struct ft_user *p;
    struct ft_msg *m;
    const char *why;
    char nid[FAKE_TEAMS_ID_LEN];
    int u;

    if (!ft_token_valid(f, auth)) {
        ft_answer_json(a, 401,
                       json_pack("{s:s}", "message",
                                 "Authorization has been denied for this "
                                 "request."));
        return;
    }
    if (op == FT_OP_NONE) {
        ft_answer_json(a, 404,
                       json_pack("{s:s}", "message",
                                 "No HTTP resource was found that matches "
                                 "the request URI."));
        return;
    }
    if (op != FT_OP_DELETE) {
        body = json_loadb(rq->body.p != NULL ? rq->body.p : "", rq->body.n, 0,
                          NULL);
        if (!json_is_object(body)) {
            ft_answer_json(a, 400,
                           ft_error("BadArgument", "The body is not a JSON "
                                                   "object"));
            goto out;
        }
    }
    if (op == FT_OP_CREATE) {
        ft_create(f, body, a);
        goto out;
    }
    if ((u = ft_user_by_conv(f, conv)) < 0) {
        ft_answer_json(
            a, 404, ft_error("ConversationNotFound", "Conversation not found"));
        goto out;
    }
    p = &f->users[u];
    m = op == FT_OP_SEND ? NULL : ft_msg_by_id(p, id);
    if (op == FT_OP_SEND && (p->blocked || p->removed)) {
        ft_answer_json(a, 403,
                       json_pack("{s:{s:s,s:s,s:s}}", "error", "code",
                                 "Forbidden", "message",
                                 "The bot is blocked by the user.", "subCode",
                                 "MessageWritesBlocked"));
    } else if (op != FT_OP_SEND && (m == NULL || m->deleted)) {
        ft_answer_json(a, 404,
                       ft_error("ActivityNotFound", "Activity not found"));
    } else if (op == FT_OP_DELETE) {
        m->deleted = 1;
        ft_answer(a, 200, FT_JSON_TYPE, "");
    } else if ((why = ft_check_activity(body)) != NULL) {
        ft_answer_json(a, 400, ft_error("BadArgument", why));
    } else if (op == FT_OP_UPDATE) {
        json_object_del(m->act, "text");
        json_object_del(m->act, "attachments");
        if (json_object_get(body, "text") != NULL)
            json_object_set(m->act, "text", json_object_get(body, "text"));
        if (json_object_get(body, "attachments") != NULL)
            json_object_set(m->act, "attachments",
                            json_object_get(body, "attachments"));
        m->updates++;
        ft_answer_json(a, 200, json_pack("{s:s}", "id", m->id));
    } else {
        snprintf(nid, sizeof(nid), "%lld", ++f->msg_serial);
        json_object_set_new(body, "id", json_string(nid));
        if (id[0] != '\0' && json_object_get(body, "replyToId") == NULL)
            json_object_set_new(body, "replyToId", json_string(id));
        FT_GROW(p->msgs, p->cmsgs, p->nmsgs + 1);
        m = &p->msgs[p->nmsgs++];
        memset(m, 0, sizeof(*m));
        snprintf(m->id, sizeof(m->id), "%s", nid);
        m->act = json_incref(body);
        ft_answer_json(a, 201, json_pack("{s:s}", "id", nid));
    }
out:
    json_decref(body);
}

/* Answer with text (taken). */
static enum MHD_Result
ft_reply(struct MHD_Connection *c, unsigned status, const char *ctype,
         char *text)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(strlen(text), text,
                                        MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(text);
        return MHD_NO;
    }
    if (ctype != NULL)
        MHD_add_response_header(r, "Content-Type", ctype);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* /relay: forward a Playground activity to the relay target, signed. */
static enum MHD_Result
ft_relay(struct fake_teams *f, struct MHD_Connection *c, const char *method,
         const struct ft_req *rq)
{
    struct ft_str resp = {0};
    const char *surl;
    char *url = NULL, *auth;
    json_t *act;
    int status;

    if (strcmp(method, "POST") != 0)
        return ft_reply(c, 200, "text/plain", ft_xstrdup(""));
    pthread_mutex_lock(&f->lock);
    if (f->relay_url != NULL)
        url = ft_xstrdup(f->relay_url);
    pthread_mutex_unlock(&f->lock);
    if (url == NULL)
        return ft_reply(c, 503, "text/plain", ft_xstrdup("no relay target\n"));
    act = json_loadb(rq->body.p != NULL ? rq->body.p : "", rq->body.n, 0, NULL);
    surl = ft_jstr(act, "serviceUrl");
    auth = ft_jwt(f, FAKE_TEAMS_TOKEN_GOOD, surl != NULL ? surl : "");
    json_decref(act);
    status = ft_http_post(f, url, rq->body.p != NULL ? rq->body.p : "", auth,
                          FT_RELAY_MS, &resp);
    free(auth);
    free(url);
    if (status == 0) {
        free(resp.p);
        return ft_reply(c, 502, "text/plain", ft_xstrdup("no answer\n"));
    }
    return ft_reply(c, (unsigned)status, resp.n > 0 ? FT_JSON_TYPE : NULL,
                    ft_str_take(&resp));
}

static enum MHD_Result
ft_handler(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **state)
{
    struct fake_teams *f = cls;
    struct ft_req *rq = *state;
    const char *auth, *slash;
    char tenant[FT_NAME_LEN] = "", conv[FT_NAME_LEN], id[FAKE_TEAMS_ID_LEN];
    enum ft_op op = FT_OP_NONE;
    enum fake_teams_fault fault;
    struct ft_answer a = {0};
    int target;

    (void)version;
    if (rq == NULL) {
        rq = ft_xrealloc(NULL, sizeof(*rq));
        memset(rq, 0, sizeof(*rq));
        *state = rq;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (rq->body.n + *upload_size > FT_MAX_BODY)
            rq->too_big = 1;
        else
            ft_str_addn(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/relay") == 0)
        return ft_relay(f, c, method, rq);
    slash = url[0] == '/' ? strchr(url + 1, '/') : NULL;
    if (strcmp(url, "/openid") == 0 && strcmp(method, "GET") == 0) {
        target = FT_C_OPENID;
    } else if (strcmp(url, "/keys") == 0 && strcmp(method, "GET") == 0) {
        target = FT_C_KEYS;
    } else if (strncmp(url, "/connector/", 11) == 0) {
        target = FT_C_CONNECTOR;
        op = ft_route(method, url + 10, conv, sizeof(conv), id, sizeof(id));
    } else if (strcmp(method, "POST") == 0 && slash != NULL &&
               (size_t)(slash - url) < sizeof(tenant) &&
               strcmp(slash, "/oauth2/v2.0/token") == 0) {
        target = FT_C_TOKEN;
        memcpy(tenant, url + 1, (size_t)(slash - url - 1));
        tenant[slash - url - 1] = '\0';
    } else {
        return ft_reply(c, 404, "text/plain", ft_xstrdup("not found\n"));
    }
    pthread_mutex_lock(&f->lock);
    f->counts[target]++;
    if (op != FT_OP_NONE)
        f->counts[op == FT_OP_CREATE   ? FT_C_CREATE
                  : op == FT_OP_SEND   ? FT_C_SEND
                  : op == FT_OP_UPDATE ? FT_C_UPDATE
                                       : FT_C_DELETE]++;
    fault = ft_take_fault(f, ft_counter_names[target]);
    f->counts[FT_C_LIMITED] += fault == FAKE_TEAMS_LIMIT;
    pthread_mutex_unlock(&f->lock);
    switch (fault) {
    case FAKE_TEAMS_RESET:
        return MHD_NO; /* MHD drops the connection unanswered */
    case FAKE_TEAMS_500:
        return ft_reply(c, 500, FT_HTML_TYPE, ft_xstrdup(FT_HTML_500));
    case FAKE_TEAMS_LIMIT:
        return ft_reply(
            c, 429, FT_JSON_TYPE,
            ft_xstrdup("{\"error\":{\"code\":\"TooManyRequests\"}}"));
    case FAKE_TEAMS_DOWN:
        return ft_reply(c, 503, FT_HTML_TYPE, ft_xstrdup(FT_HTML_503));
    default:
        break;
    }
    auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    pthread_mutex_lock(&f->lock);
    if (rq->too_big)
        ft_answer_json(&a, 413, ft_error("BadArgument", "The body is too big"));
    else if (target == FT_C_OPENID)
        ft_openid(f, &a);
    else if (target == FT_C_KEYS)
        ft_keys(f, &a);
    else if (target == FT_C_TOKEN)
        ft_token(f, tenant, rq->body.p, &a);
    else
        ft_connector(f, op, conv, id, auth, rq, &a);
    pthread_mutex_unlock(&f->lock);
    if (fault == FAKE_TEAMS_ACCEPTED500) {
        free(a.body);
        ft_answer(&a, 500, FT_HTML_TYPE, FT_HTML_500);
    } else if (fault == FAKE_TEAMS_SLOW) {
        ft_sleep_until(f, ft_mono_ms() + FT_SLOW_MS);
    }
    return ft_reply(c, a.status, a.ctype, a.body);
}

static void
ft_done(void *cls, struct MHD_Connection *c, void **state,
        enum MHD_RequestTerminationCode code)
{
    struct ft_req *rq = *state;

    (void)cls;
    (void)c;
    (void)code;
    if (rq != NULL) {
        free(rq->body.p);
        free(rq);
    }
    *state = NULL;
}

/* ---- the test's API ----------------------------------------------------- */

/* Free what start made; takes a half-built fake. */
static void
ft_free(struct fake_teams *f)
{
    for (int u = 0; u < f->nusers; u++) {
        for (int i = 0; i < f->users[u].nmsgs; i++)
            json_decref(f->users[u].msgs[i].act);
        free(f->users[u].msgs);
    }
    free(f->users);
    json_decref(f->sent);
    free(f->tokens);
    free(f->faults);
    ft_key_release(&f->key);
    ft_key_release(&f->noendorse);
    ft_key_release(&f->unknown);
    free(f->bot_url);
    free(f->relay_url);
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

struct fake_teams *
fake_teams_start(void)
{
    struct fake_teams *f = ft_xrealloc(NULL, sizeof(*f));
    const union MHD_DaemonInfo *info;
    pthread_condattr_t attr;
    struct sockaddr_in sa;

    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cond, &attr);
    pthread_condattr_destroy(&attr);
    f->rand = (uint64_t)ft_wall_ms() * 0x9E3779B97F4A7C15ULL ^
              (uint64_t)getpid() ^ (uint64_t)(uintptr_t)f;
    f->rand = f->rand != 0 ? f->rand : 1;
    f->ttl = 3600;
    f->key_serial = 1;
    /* Ids from the clock, so a new fake never repeats an old one's ids to a
     * bot that keeps its dedupe table. */
    f->serial = f->msg_serial = ft_wall_ms();
    f->sent = json_array();
    if (ft_key_make(&f->key, "fake-key-1", 1) < 0 ||
        ft_key_make(&f->noendorse, "fake-key-noendorse", 1) < 0) {
        ft_free(f);
        return NULL;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
        NULL, NULL, ft_handler, f, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_NOTIFY_COMPLETED, ft_done, NULL, MHD_OPTION_END);
    if (f->d != NULL) {
        info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
        f->port = info != NULL ? info->port : 0;
        if (pthread_create(&f->deliverer, NULL, ft_deliverer, f) == 0) {
            f->deliverer_started = 1;
            return f;
        }
        MHD_stop_daemon(f->d);
    }
    curl_global_cleanup();
    ft_free(f);
    return NULL;
}

void
fake_teams_stop(struct fake_teams *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->lock);
    f->stopping = 1;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
    if (f->deliverer_started)
        pthread_join(f->deliverer, NULL);
    /* Calls still waiting were settled by the deliverer; let them return. */
    pthread_mutex_lock(&f->lock);
    while (f->callers > 0)
        pthread_cond_wait(&f->cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
    MHD_stop_daemon(f->d);
    curl_global_cleanup();
    ft_free(f);
}

int
fake_teams_port(const struct fake_teams *f)
{
    return f->port;
}

void
fake_teams_service_url(const struct fake_teams *f, char *out, size_t outsz)
{
    ft_service_url(f, out, outsz);
}

void
fake_teams_add_user(struct fake_teams *f, const char *aad, const char *name,
                    const char *tz)
{
    struct ft_user *p;
    int u;

    if (aad[0] == '\0' || strlen(aad) >= FAKE_TEAMS_ID_LEN - 8) {
        fprintf(stderr, "fake-teams: bad person id %s\n", aad);
        return;
    }
    pthread_mutex_lock(&f->lock);
    if ((u = ft_user_by_aad(f, aad)) < 0) {
        FT_GROW(f->users, f->cusers, f->nusers + 1);
        u = f->nusers++;
        memset(&f->users[u], 0, sizeof(f->users[u]));
        snprintf(f->users[u].aad, sizeof(f->users[u].aad), "%s", aad);
        f->users[u].gen = 1;
    }
    p = &f->users[u];
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->tz, sizeof(p->tz), "%s", tz != NULL ? tz : "");
    pthread_mutex_unlock(&f->lock);
}

static void
ft_set_url(struct fake_teams *f, char **slot, const char *url)
{
    char *copy = url != NULL ? ft_xstrdup(url) : NULL;

    pthread_mutex_lock(&f->lock);
    free(*slot);
    *slot = copy;
    pthread_mutex_unlock(&f->lock);
}

void
fake_teams_bot_url(struct fake_teams *f, const char *url)
{
    ft_set_url(f, &f->bot_url, url);
}

void
fake_teams_relay_to(struct fake_teams *f, const char *url)
{
    ft_set_url(f, &f->relay_url, url);
}

/* A message from aad: text, or a card submit when value is not NULL
 * (taken). */
static int
ft_message(struct fake_teams *f, const char *aad, const char *text,
           const char *reply_to, json_t *value, enum fake_teams_token token,
           int *attempts, char *id_out, size_t idsz)
{
    char id[FAKE_TEAMS_ID_LEN];
    json_t *act;
    int u, rc = -1;

    if (attempts != NULL)
        *attempts = 0;
    if (id_out != NULL && idsz > 0)
        id_out[0] = '\0';
    pthread_mutex_lock(&f->lock);
    if ((u = ft_user_by_aad(f, aad)) >= 0) {
        ft_new_id(f, id, sizeof(id));
        act = ft_activity(f, u, "message", id);
        json_object_set_new(act, "text", json_string(text));
        json_object_set_new(act, "textFormat", json_string("plain"));
        if (value != NULL) {
            json_object_set_new(act, "replyToId", json_string(reply_to));
            json_object_set(act, "value", value);
            ft_channel_data(act, "source",
                            json_pack("{s:s}", "name", "message"));
        }
        if (id_out != NULL && idsz > 0)
            snprintf(id_out, idsz, "%s", id);
        rc = ft_send_activity(f, aad, act, token, attempts);
        json_decref(act);
    }
    pthread_mutex_unlock(&f->lock);
    json_decref(value);
    return rc;
}

int
fake_teams_say(struct fake_teams *f, const char *aad, const char *text,
               int *attempts, char *id_out, size_t idsz)
{
    return ft_message(f, aad, text, NULL, NULL, FAKE_TEAMS_TOKEN_GOOD, attempts,
                      id_out, idsz);
}

int
fake_teams_submit(struct fake_teams *f, const char *aad, const char *reply_to,
                  const char *value_json, int *attempts, char *id_out,
                  size_t idsz)
{
    json_t *value = json_loads(value_json, 0, NULL);

    if (!json_is_object(value)) {
        json_decref(value);
        if (attempts != NULL)
            *attempts = 0;
        return -1;
    }
    return ft_message(f, aad, "", reply_to, value, FAKE_TEAMS_TOKEN_GOOD,
                      attempts, id_out, idsz);
}

int
fake_teams_badtoken(struct fake_teams *f, enum fake_teams_token kind,
                    const char *aad, const char *text)
{
    struct ft_key k;
    int have;

    if (kind == FAKE_TEAMS_TOKEN_KID) {
        /* The key nobody publishes, made once, outside the lock. */
        pthread_mutex_lock(&f->lock);
        have = f->unknown.pk != NULL;
        pthread_mutex_unlock(&f->lock);
        if (!have && ft_key_make(&k, "fake-key-unknown", 0) == 0) {
            pthread_mutex_lock(&f->lock);
            if (f->unknown.pk == NULL) {
                f->unknown = k;
                memset(&k, 0, sizeof(k));
            }
            pthread_mutex_unlock(&f->lock);
            ft_key_release(&k);
        }
    }
    return ft_message(f, aad, text, NULL, NULL, kind, NULL, NULL, 0);
}

/* messageUpdate or messageDelete of the person's message id. */
static int
ft_change(struct fake_teams *f, const char *aad, const char *id,
          const char *text, int *attempts)
{
    json_t *act;
    int u, rc = -1;

    if (attempts != NULL)
        *attempts = 0;
    pthread_mutex_lock(&f->lock);
    if ((u = ft_user_by_aad(f, aad)) >= 0 && ft_own_message(f, aad, id) == 0) {
        act = ft_activity(f, u,
                          text != NULL ? "messageUpdate" : "messageDelete", id);
        if (text != NULL) {
            json_object_set_new(act, "text", json_string(text));
            json_object_set_new(act, "textFormat", json_string("plain"));
        }
        ft_channel_data(
            act, "eventType",
            json_string(text != NULL ? "editMessage" : "softDeleteMessage"));
        rc = ft_send_activity(f, aad, act, FAKE_TEAMS_TOKEN_GOOD, attempts);
        json_decref(act);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

int
fake_teams_edit(struct fake_teams *f, const char *aad, const char *id,
                const char *text, int *attempts)
{
    return ft_change(f, aad, id, text, attempts);
}

int
fake_teams_delete(struct fake_teams *f, const char *aad, const char *id,
                  int *attempts)
{
    return ft_change(f, aad, id, NULL, attempts);
}

/* installationUpdate (action "add" or "remove"), and for "add" then the
 * conversationUpdate. */
static int
ft_install(struct fake_teams *f, const char *aad, const char *action,
           int *attempts)
{
    char id[FAKE_TEAMS_ID_LEN], member[FT_NAME_LEN];
    json_t *act;
    int u, rc = -1;

    if (attempts != NULL)
        *attempts = 0;
    pthread_mutex_lock(&f->lock);
    if ((u = ft_user_by_aad(f, aad)) >= 0) {
        f->users[u].removed = strcmp(action, "remove") == 0;
        ft_new_id(f, id, sizeof(id));
        act = ft_activity(f, u, "installationUpdate", id);
        json_object_set_new(act, "action", json_string(action));
        ft_channel_data(act, "source", json_pack("{s:s}", "name", "message"));
        rc = ft_send_activity(f, aad, act, FAKE_TEAMS_TOKEN_GOOD, attempts);
        json_decref(act);
    }
    if (rc >= 200 && rc < 300 && strcmp(action, "add") == 0) {
        ft_new_id(f, id, sizeof(id));
        snprintf(member, sizeof(member), "29:%s", aad);
        act = ft_activity(f, u, "conversationUpdate", id);
        json_object_set_new(act, "membersAdded",
                            json_pack("[{s:s,s:s},{s:s}]", "id", member,
                                      "aadObjectId", aad, "id", FT_BOT_ID));
        rc = ft_send_activity(f, aad, act, FAKE_TEAMS_TOKEN_GOOD, attempts);
        json_decref(act);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

int
fake_teams_install(struct fake_teams *f, const char *aad, int *attempts)
{
    return ft_install(f, aad, "add", attempts);
}

int
fake_teams_uninstall(struct fake_teams *f, const char *aad, int *attempts)
{
    return ft_install(f, aad, "remove", attempts);
}

int
fake_teams_raw(struct fake_teams *f, const char *json, int *attempts)
{
    json_t *act = json_loads(json, 0, NULL);
    const char *id = ft_jstr(act, "id"), *surl = ft_jstr(act, "serviceUrl");
    char own[FT_URL_LEN];
    int rc;

    ft_service_url(f, own, sizeof(own));
    pthread_mutex_lock(&f->lock);
    if (id != NULL)
        json_array_append_new(
            f->sent, json_pack("{s:s,s:s,s:s?,s:s,s:s}", "id", id, "aad", "",
                               "type", ft_jstr(act, "type"), "body", json,
                               "serviceurl", surl != NULL ? surl : own));
    rc = ft_send(f, ft_xstrdup(json), surl != NULL ? surl : own,
                 FAKE_TEAMS_TOKEN_GOOD, 1, attempts);
    pthread_mutex_unlock(&f->lock);
    json_decref(act);
    return rc;
}

int
fake_teams_redeliver(struct fake_teams *f, const char *id, int *attempts)
{
    json_t *s = NULL;
    int rc = -1;

    if (attempts != NULL)
        *attempts = 0;
    pthread_mutex_lock(&f->lock);
    for (size_t i = json_array_size(f->sent); i-- > 0;) {
        const char *sid = ft_jstr(json_array_get(f->sent, i), "id");

        if (sid != NULL && strcmp(sid, id) == 0) {
            s = json_incref(json_array_get(f->sent, i));
            break;
        }
    }
    if (s != NULL)
        rc =
            ft_send(f, ft_xstrdup(ft_jstr(s, "body")), ft_jstr(s, "serviceurl"),
                    FAKE_TEAMS_TOKEN_GOOD, 1, attempts);
    pthread_mutex_unlock(&f->lock);
    json_decref(s);
    return rc;
}

void
fake_teams_rotate(struct fake_teams *f)
{
    struct ft_key k, old;
    char kid[32];
    int n;

    pthread_mutex_lock(&f->lock);
    n = ++f->key_serial;
    pthread_mutex_unlock(&f->lock);
    snprintf(kid, sizeof(kid), "fake-key-%d", n);
    if (ft_key_make(&k, kid, 1) < 0) {
        fprintf(stderr, "fake-teams: cannot make key %s\n", kid);
        return;
    }
    pthread_mutex_lock(&f->lock);
    old = f->key;
    f->key = k;
    pthread_mutex_unlock(&f->lock);
    ft_key_release(&old);
}

int
fake_teams_posts(struct fake_teams *f, const char *aad,
                 struct fake_teams_post *out, int max)
{
    int u, n = 0;

    pthread_mutex_lock(&f->lock);
    u = ft_user_by_aad(f, aad);
    for (int i = 0; u >= 0 && i < f->users[u].nmsgs; i++) {
        struct ft_msg *m = &f->users[u].msgs[i];
        struct fake_teams_post *p;
        struct ft_str texts = {0}, actions = {0};
        json_t *att;
        size_t k;

        if (out == NULL) {
            n++;
            continue;
        }
        if (n >= max)
            break;
        p = &out[n++];
        memset(p, 0, sizeof(*p));
        snprintf(p->id, sizeof(p->id), "%s", m->id);
        p->updates = m->updates;
        p->deleted = m->deleted;
        p->text = ft_xstrdup(
            ft_jstr(m->act, "text") != NULL ? ft_jstr(m->act, "text") : "");
        json_array_foreach(json_object_get(m->act, "attachments"), k, att)
        {
            if (!ft_is_card(att))
                continue;
            if (p->card == NULL)
                p->card = ft_dump(json_object_get(att, "content"));
            ft_walk(json_object_get(att, "content"), &texts, &actions);
        }
        p->texts = ft_str_take(&texts);
        p->actions = ft_str_take(&actions);
    }
    pthread_mutex_unlock(&f->lock);
    return u >= 0 ? n : -1;
}

void
fake_teams_post_release(struct fake_teams_post *p)
{
    if (p == NULL)
        return;
    free(p->text);
    free(p->card);
    free(p->texts);
    free(p->actions);
    p->text = p->card = p->texts = p->actions = NULL;
}

char *
fake_teams_post_json(struct fake_teams *f, const char *aad, const char *id)
{
    struct ft_msg *m = NULL;
    char *text = NULL;
    int u;

    pthread_mutex_lock(&f->lock);
    if ((u = ft_user_by_aad(f, aad)) >= 0)
        m = ft_msg_by_id(&f->users[u], id);
    if (m != NULL)
        text = ft_dump(m->act);
    pthread_mutex_unlock(&f->lock);
    return text;
}

int
fake_teams_calls(struct fake_teams *f, const char *target)
{
    int n = 0;

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < FT_NCOUNTERS; i++)
        if (strcmp(ft_counter_names[i], target) == 0)
            n = f->counts[i];
    pthread_mutex_unlock(&f->lock);
    return n;
}

void
fake_teams_stats(struct fake_teams *f, int *attempts, int *retries)
{
    pthread_mutex_lock(&f->lock);
    if (attempts != NULL)
        *attempts = f->attempts;
    if (retries != NULL)
        *retries = f->retries;
    pthread_mutex_unlock(&f->lock);
}

void
fake_teams_fault(struct fake_teams *f, enum fake_teams_fault fault,
                 const char *target, int count)
{
    struct ft_fault *x = NULL;

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->nfaults && x == NULL; i++)
        if (f->faults[i].count <= 0)
            x = &f->faults[i];
    if (x == NULL) {
        FT_GROW(f->faults, f->cfaults, f->nfaults + 1);
        x = &f->faults[f->nfaults++];
    }
    x->fault = fault;
    x->count = count;
    snprintf(x->target, sizeof(x->target), "%s", target != NULL ? target : "");
    pthread_mutex_unlock(&f->lock);
}

void
fake_teams_token_ttl(struct fake_teams *f, long seconds)
{
    pthread_mutex_lock(&f->lock);
    f->ttl = seconds;
    pthread_mutex_unlock(&f->lock);
}

void
fake_teams_block(struct fake_teams *f, const char *aad, int blocked)
{
    int u;

    pthread_mutex_lock(&f->lock);
    if ((u = ft_user_by_aad(f, aad)) >= 0)
        f->users[u].blocked = blocked != 0;
    pthread_mutex_unlock(&f->lock);
}

void
fake_teams_forget(struct fake_teams *f, const char *aad)
{
    int u;

    pthread_mutex_lock(&f->lock);
    if ((u = ft_user_by_aad(f, aad)) >= 0) {
        f->users[u].gen++;
        f->users[u].gone = 1;
    }
    pthread_mutex_unlock(&f->lock);
}
