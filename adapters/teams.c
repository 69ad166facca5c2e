/*
 * teams.c - the Microsoft Teams adapter (Azure Bot Service, Bot Framework
 * v3 REST): leaders answer reflekt in their personal chat with the bot;
 * managers and consultants type "reflekt ...".
 *
 * In: the Bot Framework POSTs activities to /teams/messages on the inbound
 * endpoint.  Every request's bearer token is checked before the body is
 * parsed (jwt.c): RS256 by a key from the Bot Framework's published key
 * set, issuer, audience = the app id, times; then, with the body parsed,
 * the token's serviceurl claim against the activity and the key's
 * endorsement for its channel.  Until the key set has been fetched every
 * request is refused with 401; a token signed by a key reflekt does not
 * know holds its request while the key set is fetched again (at most once
 * per TEAMS_KEYS_MIN_MS).  The answer, 200 or 500 so Teams delivers again,
 * comes after the engine committed the activity.
 *
 * Out: the connector at the conversation's serviceUrl, with an OAuth2
 * client-credentials token from the configured tenant's authority, cached
 * until five minutes before it expires.  Calls wait while no token is
 * held; a connector 401 fetches a new token and tries once more.  Posting
 * an activity is not idempotent and the connector cannot be asked what it
 * holds, so a post is never repeated by the network core: only refusals
 * that prove nothing was delivered (401, 404, 429) are followed by another
 * attempt.
 *
 * Where to send is the conversation reference (teams-codec.h), stored on
 * the leader's identity when known and also as a cursor "ref:<user>", so
 * a person who installed the app before being enrolled can be reached.
 * Without any reference a 1:1 chat is created at the configured service
 * URL (the app must be installed for the person).
 */
#include "adapter.h"

#include "buf.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "jwt.h"
#include "listen.h"
#include "log.h"
#include "ratelimit.h"
#include "teams-codec.h"
#include "xmalloc.h"

#include <openssl/crypto.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEAMS_ISSUER "https://api.botframework.com"
#define TEAMS_SCOPE "https%3A%2F%2Fapi.botframework.com%2F.default"
#define TEAMS_MULTI_TENANT "botframework.com"
#define TEAMS_MAX_BACKOFF_MS 60000
#define TEAMS_KEYS_REFRESH_MS (24 * 3600 * 1000)
#define TEAMS_KEYS_MIN_MS 5000      /* between fetches for unknown keys */
#define TEAMS_TOKEN_EARLY_MS 300000 /* renew this long before expiry */
#define TEAMS_MAX_WAITING 32        /* requests held for a key refresh */
#define TEAMS_KEY_MAX 320           /* "ref:<user>" */

/* Something fetched from Microsoft and kept: the key set, the token. */
struct teams_fetch {
    const char *what;
    int busy;
    int ok; /* fetched at least once (keys) / valid now (token) */
    int64_t backoff_ms;
    uint64_t at;    /* uv_now of the last success */
    uint64_t tried; /* uv_now of the last attempt */
    uv_timer_t timer;
};

struct teams_call;

struct teams {
    struct adapter *a;
    char *app_id;
    char *bot_id; /* "28:<app id>" */
    char *password;
    char *tenant; /* NULL: legacy multi-tenant */
    char *token_url;
    char *openid_url;
    char *service_url;
    int loopback;
    int started; /* the timers exist */
    int stopping;
    struct jwks *keys;
    struct teams_fetch kf;    /* signing keys */
    struct teams_fetch tf;    /* connector token */
    char *auth;               /* "Authorization: Bearer ..." (never logged) */
    uint64_t auth_until;      /* uv_now after which auth is not used */
    struct teams_call *calls; /* waiting for a token */
    struct listen_req *held[TEAMS_MAX_WAITING]; /* waiting for keys */
    int nheld;
};

static void teams_keys_fetch(struct teams *t);
static void teams_token_fetch(struct teams *t);
static void teams_inbound(struct teams *t, struct listen_req *req,
                          int may_refresh);
static void teams_respond(struct listen_req *req, unsigned status,
                          const char *text);

static int
teams_url_ok(const char *url, int loopback)
{
    return strncmp(url, "https://", 8) == 0 ||
           (loopback && teams_codec_service_url_ok(url, 1));
}

/* base without trailing slashes, then path. */
static char *
teams_join(const char *base, const char *path)
{
    size_t n = strlen(base);

    while (n > 0 && base[n - 1] == '/')
        n--;
    return xasprintf("%.*s%s", (int)n, base, path);
}

/* A conversation or activity id as one URL path segment. */
static void
teams_seg(struct buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || strchr("-._~:@", c) != NULL)
            buf_add(b, s, 1);
        else
            buf_printf(b, "%%%02X", c);
    }
}

/* {service}/v3/conversations[/{conv}[/activities[/{id}]]] */
static char *
teams_url(const struct teams_ref *ref, const char *conv, int activities,
          const char *id)
{
    struct buf b;
    char *base = teams_join(ref->service_url, "/v3/conversations");

    buf_init(&b, 0);
    buf_adds(&b, base);
    free(base);
    if (conv != NULL) {
        buf_adds(&b, "/");
        teams_seg(&b, conv);
    }
    if (activities)
        buf_adds(&b, "/activities");
    if (id != NULL) {
        buf_adds(&b, "/");
        teams_seg(&b, id);
    }
    return buf_detach(&b);
}

/* ---- fetching with backoff ------------------------------------------- */

static void
teams_fetch_later(struct teams *t, struct teams_fetch *f, uv_timer_cb cb,
                  const char *why)
{
    if (t->stopping)
        return;
    f->backoff_ms = f->backoff_ms ? f->backoff_ms * 2 : 1000;
    if (f->backoff_ms > TEAMS_MAX_BACKOFF_MS)
        f->backoff_ms = TEAMS_MAX_BACKOFF_MS;
    log_warn("adapter=teams msg=\"cannot get the %s; trying again\" "
             "error=\"%s\" in_ms=%" PRId64,
             f->what, why, f->backoff_ms);
    uv_timer_start(&f->timer, cb, (uint64_t)f->backoff_ms, 0);
}

static void
teams_fatal(struct teams *t, const char *why)
{
    log_error("adapter=teams msg=\"%s\"", why);
    if (t->a->host.fatal != NULL)
        t->a->host.fatal(t->a, why, t->a->host.arg);
}

/* ---- the signing keys ------------------------------------------------- */

static void
on_keys_timer(uv_timer_t *h)
{
    teams_keys_fetch(h->data);
}

/* The key fetch ended (ok: with a key set): look again at the requests it
 * held.  After a failed fetch they get 503, so Teams tries them again. */
static void
teams_keys_done(struct teams *t, int ok)
{
    struct listen_req *held[TEAMS_MAX_WAITING];
    int n = t->nheld;

    memcpy(held, t->held, (size_t)n * sizeof(held[0]));
    t->nheld = 0;
    for (int i = 0; i < n; i++) {
        if (ok)
            teams_inbound(t, held[i], 0);
        else
            teams_respond(held[i], 503, "signing keys unavailable\n");
    }
}

static void
on_jwks(const struct http_response *res, void *arg)
{
    struct teams *t = arg;
    char err[ERR_BUFSZ] = "";
    int n;

    if (res->err == ERR_CANCELED || t->stopping)
        return;
    t->kf.busy = 0;
    if (res->err != 0 || res->status != 200 || res->json == NULL) {
        teams_fetch_later(t, &t->kf, on_keys_timer,
                          res->err ? err_str(res->err) : "key set refused");
        teams_keys_done(t, 0);
        return;
    }
    n = jwks_load(t->keys, res->json, err);
    if (n < 0) {
        teams_fetch_later(t, &t->kf, on_keys_timer, err);
        teams_keys_done(t, 0);
        return;
    }
    log_info("adapter=teams msg=\"signing keys loaded\" keys=%d", n);
    t->kf.ok = 1;
    t->kf.backoff_ms = 0;
    t->kf.at = uv_now(t->a->loop);
    uv_timer_start(&t->kf.timer, on_keys_timer, TEAMS_KEYS_REFRESH_MS, 0);
    teams_keys_done(t, 1);
    if (t->tf.ok)
        adapter_up(t->a);
}

static void
on_openid(const struct http_response *res, void *arg)
{
    struct teams *t = arg;
    struct http_request r = {0};
    const char *uri = json_string_value(json_object_get(res->json, "jwks_uri"));

    if (res->err == ERR_CANCELED || t->stopping)
        return;
    if (res->err != 0 || res->status != 200 || uri == NULL ||
        !teams_url_ok(uri, t->loopback)) {
        t->kf.busy = 0;
        teams_fetch_later(t, &t->kf, on_keys_timer,
                          res->err      ? err_str(res->err)
                          : uri == NULL ? "no jwks_uri in the metadata"
                                        : "jwks_uri is not https");
        teams_keys_done(t, 0);
        return;
    }
    r.method = "GET";
    r.url = uri;
    r.max_attempts = 1;
    if (http_request(t->a->http, &r, on_jwks, t) < 0) {
        t->kf.busy = 0;
        teams_fetch_later(t, &t->kf, on_keys_timer, "cannot ask");
        teams_keys_done(t, 0);
    }
}

static void
teams_keys_fetch(struct teams *t)
{
    struct http_request r = {0};

    if (t->stopping || t->kf.busy)
        return;
    t->kf.busy = 1;
    t->kf.tried = uv_now(t->a->loop);
    uv_timer_stop(&t->kf.timer);
    r.method = "GET";
    r.url = t->openid_url;
    r.max_attempts = 1;
    if (http_request(t->a->http, &r, on_openid, t) < 0) {
        t->kf.busy = 0;
        teams_fetch_later(t, &t->kf, on_keys_timer, "cannot ask");
        teams_keys_done(t, 0);
    }
}

/* ---- the connector token ---------------------------------------------- */

/* One connector request; it waits while no token is held. */
typedef void teams_call_cb(struct teams *t, const struct http_response *res,
                           void *arg);

struct teams_call {
    struct teams *t;
    char *method;
    char *url;
    json_t *body;
    const char *bucket;
    int attempts;
    int renewed; /* a 401 already fetched a new token once */
    teams_call_cb *cb;
    void *arg;
    struct teams_call *next;
};

static void teams_call_issue(struct teams_call *c);

static void
teams_call_free(struct teams_call *c)
{
    free(c->method);
    free(c->url);
    json_decref(c->body);
    free(c);
}

/* Finish c without sending it: err is ERR_CANCELED or ERR_AUTH. */
static void
teams_call_fail(struct teams_call *c, int err)
{
    struct http_response res = {0};

    res.err = err;
    res.body = "";
    res.error = err_str(err);
    c->cb(c->t, &res, c->arg);
    teams_call_free(c);
}

static void
teams_calls_run(struct teams *t, int err)
{
    struct teams_call *c = t->calls;

    t->calls = NULL;
    while (c != NULL) {
        struct teams_call *next = c->next;

        c->next = NULL;
        if (err < 0)
            teams_call_fail(c, err);
        else
            teams_call_issue(c);
        c = next;
    }
}

static void
on_token_timer(uv_timer_t *h)
{
    teams_token_fetch(h->data);
}

static void
on_token(const struct http_response *res, void *arg)
{
    struct teams *t = arg;
    const char *tok =
        json_string_value(json_object_get(res->json, "access_token"));
    const char *code = json_string_value(json_object_get(res->json, "error"));
    const char *desc =
        json_string_value(json_object_get(res->json, "error_description"));
    json_int_t ttl =
        json_integer_value(json_object_get(res->json, "expires_in"));
    uint64_t now;

    if (res->err == ERR_CANCELED || t->stopping)
        return;
    t->tf.busy = 0;
    if (res->err == 0 && (res->status == 400 || res->status == 401) &&
        code != NULL) {
        char why[400], esc[256], esc_code[64];

        /* A refused app id, password or tenant does not mend itself. */
        snprintf(why, sizeof(why),
                 "Microsoft refused the Teams app credentials (%s: %s); "
                 "check [teams] app_id, app_password and tenant_id or "
                 "REFLEKT_TEAMS_APP_ID, REFLEKT_TEAMS_APP_PASSWORD and "
                 "REFLEKT_TEAMS_TENANT_ID",
                 log_esc(code, esc_code, sizeof(esc_code)),
                 log_esc(desc != NULL ? desc : "", esc, sizeof(esc)));
        teams_calls_run(t, ERR_AUTH);
        teams_fatal(t, why);
        return;
    }
    if (res->err != 0 || res->status != 200 || tok == NULL || ttl <= 0) {
        teams_fetch_later(t, &t->tf, on_token_timer,
                          res->err ? err_str(res->err) : "no token");
        return;
    }
    now = uv_now(t->a->loop);
    free(t->auth);
    t->auth = xasprintf("Authorization: Bearer %s", tok);
    t->auth_until = now + (uint64_t)ttl * 1000;
    t->tf.ok = 1;
    t->tf.backoff_ms = 0;
    t->tf.at = now;
    log_info("adapter=teams msg=\"connector token obtained\" "
             "expires_in_s=%" PRId64,
             (int64_t)ttl);
    if (t->kf.ok)
        adapter_up(t->a);
    /* Renew early; a token shorter-lived than that is renewed halfway. */
    uv_timer_start(&t->tf.timer, on_token_timer,
                   (uint64_t)ttl * 1000 > 2 * TEAMS_TOKEN_EARLY_MS
                       ? (uint64_t)ttl * 1000 - TEAMS_TOKEN_EARLY_MS
                       : (uint64_t)ttl * 500,
                   0);
    teams_calls_run(t, 0);
}

static void
teams_token_fetch(struct teams *t)
{
    struct http_request r = {0};
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
                             NULL};
    struct buf b;

    if (t->stopping || t->tf.busy)
        return;
    t->tf.busy = 1;
    uv_timer_stop(&t->tf.timer);
    buf_init(&b, 0);
    buf_adds(&b, "grant_type=client_credentials&client_id=");
    teams_seg(&b, t->app_id);
    buf_adds(&b, "&client_secret=");
    for (const char *p = t->password; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
            buf_add(&b, p, 1);
        else
            buf_printf(&b, "%%%02X", c);
    }
    buf_adds(&b, "&scope=" TEAMS_SCOPE);
    r.method = "POST";
    r.url = t->token_url;
    r.headers = headers;
    r.body = b.data;
    r.body_len = b.len;
    r.max_attempts = 1;
    r.bucket = "teams:token";
    if (http_request(t->a->http, &r, on_token, t) < 0) {
        t->tf.busy = 0;
        teams_fetch_later(t, &t->tf, on_token_timer, "cannot ask");
    }
    /* The form holds the password: wipe it. */
    if (b.data != NULL)
        OPENSSL_cleanse(b.data, b.len);
    buf_release(&b);
}

/* ---- connector calls ---------------------------------------------------- */

static void
on_call(const struct http_response *res, void *arg)
{
    struct teams_call *c = arg;
    struct teams *t = c->t;

    if (res->err == 0 && res->status == 401 && !c->renewed && !t->stopping) {
        /* The token was refused (expired early, or revoked): renew it
         * once.  A 401 means nothing was delivered. */
        log_warn("adapter=teams msg=\"connector refused the token; "
                 "renewing it\" call=\"%s\"",
                 c->method);
        c->renewed = 1;
        t->tf.ok = 0;
        c->next = t->calls;
        t->calls = c;
        teams_token_fetch(t);
        return;
    }
    c->cb(t, res, c->arg);
    teams_call_free(c);
}

static void
teams_call_issue(struct teams_call *c)
{
    struct teams *t = c->t;
    const char *headers[] = {t->auth, NULL};
    struct http_request r = {0};

    r.method = c->method;
    r.url = c->url;
    r.headers = headers;
    r.json = c->body;
    if (c->body == NULL) {
        r.body = "";
        r.body_len = 0;
    }
    r.bucket = c->bucket;
    r.max_attempts = c->attempts;
    if (http_request(t->a->http, &r, on_call, c) < 0)
        teams_call_fail(c, ERR_INVAL);
}

/*
 * Start a connector request (body is taken over).  cb runs exactly once.
 */
static void
teams_call(struct teams *t, const char *method, char *url, json_t *body,
           const char *bucket, int attempts, teams_call_cb *cb, void *arg)
{
    struct teams_call *c = xcalloc(1, sizeof(*c));

    c->t = t;
    c->method = xstrdup(method);
    c->url = url;
    c->body = body;
    c->bucket = bucket;
    c->attempts = attempts;
    c->cb = cb;
    c->arg = arg;
    if (t->stopping) {
        teams_call_fail(c, ERR_CANCELED);
        return;
    }
    /* The token goes only to Microsoft's connector, whatever a stored
     * reference says (it may predate a change of allow_loopback). */
    if (!teams_codec_service_url_ok(url, t->loopback)) {
        log_warn("adapter=teams msg=\"not a Microsoft connector; nothing "
                 "sent\" call=\"%s\"",
                 method);
        teams_call_fail(c, ERR_DENIED);
        return;
    }
    if (t->tf.ok && t->auth != NULL && uv_now(t->a->loop) < t->auth_until) {
        teams_call_issue(c);
        return;
    }
    t->tf.ok = 0;
    c->next = t->calls;
    t->calls = c;
    teams_token_fetch(t);
}

/* Log a connector failure.  Returns: the error for the engine. */
static int
teams_failed(const struct http_response *res, const char *what, char *code,
             size_t codesz, char *sub, size_t subsz)
{
    char esc_code[128], esc_sub[128];

    code[0] = sub[0] = '\0';
    if (res->err == 0 && res->status >= 200 && res->status < 300)
        return 0;
    teams_codec_error(res->json, code, codesz, sub, subsz);
    if (res->err != ERR_CANCELED)
        log_warn("adapter=teams msg=\"%s failed\" status=%ld error=\"%s\" "
                 "code=\"%s\" subcode=\"%s\"",
                 what, res->status, res->err ? err_str(res->err) : "http",
                 log_esc(code, esc_code, sizeof(esc_code)),
                 log_esc(sub, esc_sub, sizeof(esc_sub)));
    if (res->err != 0)
        return res->err;
    if (res->status == 401)
        return ERR_AUTH;
    if (res->status == 403)
        return ERR_DENIED;
    if (res->status == 404)
        return ERR_NOTFOUND;
    if (res->status == 429)
        return ERR_RATELIMIT;
    return ERR_PLATFORM;
}

/* ---- sending ------------------------------------------------------------ */

struct teams_send {
    struct teams *t;
    char *user;
    struct teams_ref ref;
    int created; /* a conversation was created (or found) for this send */
    json_t *activity;
    int64_t delivery_id;
    adapter_sent_cb *cb;
    void *arg;
};

static void teams_send_post(struct teams_send *x);

static void
teams_send_finish(struct teams_send *x, int status, const char *id)
{
    x->cb(x->t->a, status, status == 0 ? id : NULL, x->arg);
    json_decref(x->activity);
    free(x->user);
    free(x);
}

/* Remember where user is reached ("" forgets it). */
static void
teams_ref_store(struct teams *t, const char *user, const char *ref)
{
    struct adapter *a = t->a;
    char key[TEAMS_KEY_MAX];

    snprintf(key, sizeof(key), "ref:%s", user);
    if (a->host.cursor_set != NULL)
        a->host.cursor_set(a, key, ref, a->host.arg);
    if (a->host.conversation_set != NULL)
        a->host.conversation_set(a, user, ref, a->host.arg);
}

static void
on_create(struct teams *t, const struct http_response *res, void *arg)
{
    struct teams_send *x = arg;
    const char *id = json_string_value(json_object_get(res->json, "id"));
    char code[64], sub[64], ref[TEAMS_REF_MAX];
    int rc = teams_failed(res, "create conversation", code, sizeof(code), sub,
                          sizeof(sub));

    if (rc == 0 && id == NULL)
        rc = ERR_PLATFORM;
    if (rc == 0 &&
        (xstrlcpy(x->ref.conversation, id, sizeof(x->ref.conversation)) >=
             sizeof(x->ref.conversation) ||
         teams_ref_format(&x->ref, ref, sizeof(ref)) < 0))
        rc = ERR_PLATFORM; /* an id reflekt cannot keep */
    if (rc < 0) {
        if (rc == ERR_NOTFOUND || rc == ERR_DENIED)
            log_warn("adapter=teams msg=\"cannot open a chat with the person; "
                     "is the reflekt app installed for them?\"");
        teams_send_finish(x, rc, NULL);
        return;
    }
    teams_ref_store(t, x->user, ref);
    x->created = 1;
    teams_send_post(x);
}

static void
teams_send_create(struct teams_send *x)
{
    struct teams *t = x->t;

    if (x->ref.tenant[0] == '\0') {
        log_warn("adapter=teams msg=\"no chat with the person yet and no "
                 "tenant to open one in; they can install the reflekt app, "
                 "or set [teams] tenant_id\"");
        teams_send_finish(x, ERR_NOTFOUND, NULL);
        return;
    }
    teams_call(t, "POST", teams_url(&x->ref, NULL, 0, NULL),
               teams_codec_create(t->bot_id, x->user, x->ref.tenant),
               "teams:create", 0, on_create, x);
}

static void
on_post(struct teams *t, const struct http_response *res, void *arg)
{
    struct teams_send *x = arg;
    const char *id = json_string_value(json_object_get(res->json, "id"));
    char code[64], sub[64];
    int rc = teams_failed(res, "send", code, sizeof(code), sub, sizeof(sub));

    if (rc == 0) {
        teams_send_finish(x, 0, id);
        return;
    }
    if (rc == ERR_NOTFOUND && !x->created) {
        /* The chat is gone (the app was reinstalled): nothing was
         * delivered, so open it afresh and post once more. */
        teams_ref_store(t, x->user, "");
        teams_send_create(x);
        return;
    }
    if (rc == ERR_DENIED && strcmp(sub, "MessageWritesBlocked") == 0)
        log_warn("adapter=teams msg=\"the person blocked reflekt or removed "
                 "the app; the question waits\" delivery=%" PRId64,
                 x->delivery_id);
    else if (res->err == ERR_TIMEOUT || res->err == ERR_IO ||
             res->status >= 500)
        log_warn("adapter=teams msg=\"send outcome unknown; the connector "
                 "may hold it, and a later attempt may show it twice\" "
                 "delivery=%" PRId64,
                 x->delivery_id);
    teams_send_finish(x, rc, NULL);
}

static void
teams_send_post(struct teams_send *x)
{
    /* Not idempotent: one attempt (a 429, refused unread, is waited out
     * by the network core). */
    teams_call(x->t, "POST", teams_url(&x->ref, x->ref.conversation, 1, NULL),
               json_incref(x->activity), "teams:send", 1, on_post, x);
}

static int
teams_send(struct adapter *a, const struct adapter_msg *msg,
           adapter_sent_cb *cb, void *arg)
{
    struct teams *t = a->priv;
    struct teams_send *x;
    char stored[TEAMS_REF_MAX] = "", key[TEAMS_KEY_MAX];

    if (t->stopping)
        return ERR_PLATFORM;
    x = xcalloc(1, sizeof(*x));
    x->t = t;
    x->user = xstrdup(msg->user_id);
    x->activity = teams_codec_message(msg);
    if (x->activity == NULL) { /* text that is not UTF-8 */
        free(x->user);
        free(x);
        return ERR_INVAL;
    }
    x->delivery_id = msg->delivery_id;
    x->cb = cb;
    x->arg = arg;
    if (msg->resend)
        log_warn("adapter=teams msg=\"a question cut off by a restart is "
                 "sent again; Teams cannot be asked whether it arrived\" "
                 "delivery=%" PRId64,
                 msg->delivery_id);
    if (msg->conversation != NULL &&
        teams_ref_parse(msg->conversation, &x->ref) == 0) {
        teams_send_post(x);
        return 0;
    }
    /* Installed before enrolment: the reference waits as a cursor. */
    snprintf(key, sizeof(key), "ref:%s", msg->user_id);
    if (a->host.cursor_get != NULL &&
        a->host.cursor_get(a, key, stored, sizeof(stored), a->host.arg) == 0 &&
        teams_ref_parse(stored, &x->ref) == 0) {
        if (a->host.conversation_set != NULL)
            a->host.conversation_set(a, msg->user_id, stored, a->host.arg);
        teams_send_post(x);
        return 0;
    }
    xstrlcpy(x->ref.service_url, t->service_url, sizeof(x->ref.service_url));
    xstrlcpy(x->ref.tenant, t->tenant != NULL ? t->tenant : "",
             sizeof(x->ref.tenant));
    teams_send_create(x);
    return 0;
}

static void
on_settled(struct teams *t, const struct http_response *res, void *arg)
{
    char code[64], sub[64];

    (void)t;
    (void)arg;
    if (res->err != ERR_CANCELED)
        teams_failed(res, "update a question", code, sizeof(code), sub,
                     sizeof(sub));
}

static void
teams_settle(struct adapter *a, const struct adapter_settle *st)
{
    struct teams *t = a->priv;
    struct teams_ref ref;

    if (t->stopping || st->conversation == NULL || st->msg_id == NULL ||
        st->msg_id[0] == '\0' || teams_ref_parse(st->conversation, &ref) < 0)
        return;
    teams_call(t, "PUT", teams_url(&ref, ref.conversation, 1, st->msg_id),
               teams_codec_settled(st->text, st->note), "teams:update", 0,
               on_settled, NULL);
}

/* ---- inbound --------------------------------------------------------------
 */

static void
teams_respond(struct listen_req *req, unsigned status, const char *text)
{
    listen_respond(req, status, "text/plain; charset=utf-8", text,
                   strlen(text));
}

static void
on_command_reply(struct teams *t, const struct http_response *res, void *arg)
{
    char code[64], sub[64];

    (void)t;
    (void)arg;
    if (res->err != ERR_CANCELED)
        teams_failed(res, "reply to a command", code, sizeof(code), sub,
                     sizeof(sub));
}

/* The reference of an activity from user: keep it when it is new. */
static int
teams_ref_seen(struct teams *t, const struct teams_in *in, int leader,
               const char *known)
{
    struct adapter *a = t->a;
    char key[TEAMS_KEY_MAX], stored[TEAMS_REF_MAX] = "";
    int rc = 0;

    snprintf(key, sizeof(key), "ref:%s", in->user);
    if (a->host.cursor_get == NULL || a->host.cursor_set == NULL)
        return 0;
    if (a->host.cursor_get(a, key, stored, sizeof(stored), a->host.arg) < 0 ||
        strcmp(stored, in->ref_str) != 0)
        rc = a->host.cursor_set(a, key, in->ref_str, a->host.arg);
    if (rc == 0 && leader && strcmp(known, in->ref_str) != 0 &&
        a->host.conversation_set != NULL)
        rc = a->host.conversation_set(a, in->user, in->ref_str, a->host.arg);
    return rc;
}

static void
teams_handle(struct teams *t, struct listen_req *req, struct teams_in *in)
{
    struct adapter *a = t->a;
    char known[TEAMS_REF_MAX] = "", lang[3] = "", reply[4000] = "";
    int leader = 0;

    switch (in->kind) {
    case TEAMS_IN_INSTALL:
    case TEAMS_IN_EVENT:
    case TEAMS_IN_COMMAND:
        leader = a->host.leader_lookup != NULL
                     ? a->host.leader_lookup(a, in->user, known, sizeof(known),
                                             lang, a->host.arg)
                     : 0;
        if (leader < 0 || teams_ref_seen(t, in, leader == 1, known) < 0) {
            teams_respond(req, 500, "try again\n");
            return;
        }
        if (in->kind == TEAMS_IN_INSTALL) {
            log_info("adapter=teams msg=\"app installed\" leader=%s",
                     leader == 1 ? "yes" : "no");
            break;
        }
        if (in->kind == TEAMS_IN_COMMAND) {
            in->ev.reply = reply;
            in->ev.replysz = sizeof(reply);
        }
        if (a->host.on_event(a, &in->ev, a->host.arg) < 0) {
            /* Not committed: 500, and Teams delivers it again. */
            teams_respond(req, 500, "try again\n");
            return;
        }
        break;
    case TEAMS_IN_REMOVE:
        log_info("adapter=teams msg=\"app removed by a person\"");
        break;
    case TEAMS_IN_IGNORE:
    default:
        break;
    }
    teams_respond(req, 200, "");
    if (in->kind == TEAMS_IN_COMMAND && reply[0] != '\0') {
        struct adapter_msg m = {0};
        json_t *body;

        m.user_id = in->user;
        m.text = reply;
        body = teams_codec_message(&m);
        if (body != NULL)
            teams_call(t, "POST",
                       teams_url(&in->ref, in->ref.conversation, 1, NULL), body,
                       "teams:send", 1, on_command_reply, NULL);
    }
}

static void
teams_refuse(struct listen_req *req, unsigned status, const char *err)
{
    char esc[2 * ERR_BUFSZ];

    log_warn("adapter=teams msg=\"request refused\" status=%u error=\"%s\"",
             status, log_esc(err, esc, sizeof(esc)));
    teams_respond(req, status,
                  status == 401 ? "unauthorized\n" : "forbidden\n");
}

/*
 * One request to /teams/messages.  may_refresh: a token with an unknown
 * key may hold the request while the key set is fetched again.
 */
static void
teams_inbound(struct teams *t, struct listen_req *req, int may_refresh)
{
    const char *method = listen_req_method(req);
    const char *auth = listen_req_header(req, "Authorization");
    struct jwt_expect want = {TEAMS_ISSUER, t->app_id, 0};
    struct teams_in in;
    struct jwt tok;
    char err[ERR_BUFSZ] = "", esc[2 * ERR_BUFSZ];
    const char *body;
    json_t *act;
    size_t len;
    int rc;

    if (strcmp(method, "POST") != 0) {
        /* A reachability probe (HEAD or GET) reads nothing. */
        teams_respond(req, 200, "");
        return;
    }
    if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0) {
        teams_refuse(req, 401, "no bearer token");
        return;
    }
    if (!t->kf.ok) {
        teams_refuse(req, 401, "signing keys not loaded yet");
        return;
    }
    if (jwt_parse(auth + 7, strlen(auth + 7), &tok, err) < 0) {
        teams_refuse(req, 401, err);
        return;
    }
    rc = jwt_verify(&tok, t->keys, &want, (int64_t)time(NULL), err);
    if (rc == ERR_NOTFOUND && may_refresh) {
        uint64_t now = uv_now(t->a->loop);

        /* Microsoft rolled its keys, or someone guesses kids.  A key set
         * fetched within TEAMS_KEYS_MIN_MS is current: the kid is simply
         * not Microsoft's (401, below).  Otherwise the request waits for a
         * fetch, under way or started now; when one failed only moments
         * ago, 503 and Teams tries again.  Few are held, so guessed kids
         * cannot tie up the endpoint's connections. */
        if (now - t->kf.at >= TEAMS_KEYS_MIN_MS) {
            if (!t->kf.busy && now - t->kf.tried >= TEAMS_KEYS_MIN_MS) {
                log_info("adapter=teams msg=\"token signed with an unknown "
                         "key; fetching the key set again\"");
                teams_keys_fetch(t);
            }
            if (t->kf.busy && t->nheld < TEAMS_MAX_WAITING) {
                t->held[t->nheld++] = req;
                return;
            }
            log_warn("adapter=teams msg=\"request refused for now\" "
                     "status=503 error=\"%s\"",
                     err);
            teams_respond(req, 503, "try again\n");
            return;
        }
    }
    if (rc < 0) {
        teams_refuse(req, 401, err);
        return;
    }
    body = listen_req_body(req, &len);
    act = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    if (act == NULL || teams_codec_activity(act, t->bot_id, &in, err) < 0) {
        log_warn("adapter=teams msg=\"activity refused\" error=\"%s\"",
                 act == NULL ? "body is not JSON"
                             : log_esc(err, esc, sizeof(esc)));
        teams_respond(req, 400, "bad activity\n");
        json_decref(act);
        return;
    }
    if (jwt_check_service_url(&tok, in.service_url, err) < 0) {
        teams_refuse(req, 401, err);
    } else if (jwt_check_endorsement(&tok, t->keys, in.channel, err) < 0) {
        teams_refuse(req, 403, err);
    } else if (!teams_codec_service_url_ok(in.service_url, t->loopback)) {
        teams_refuse(req, 403, "serviceUrl is not a Microsoft connector");
    } else {
        teams_handle(t, req, &in);
    }
    json_decref(act);
}

static void
on_http(struct listen_req *req, void *arg)
{
    teams_inbound(arg, req, 1);
}

/* ---- lifecycle ------------------------------------------------------------
 */

static int
teams_init(struct adapter *a, const struct config *conf, char *err)
{
    struct ratelimit *rl = http_ratelimit(a->http);
    struct teams *t;
    const char *tenant = conf->teams_tenant_id;

    if (conf->teams_app_id == NULL || conf->teams_app_password == NULL) {
        err_set(err, "Teams needs the bot's app id and password ([teams] "
                     "app_id and app_password, or REFLEKT_TEAMS_APP_ID and "
                     "REFLEKT_TEAMS_APP_PASSWORD)");
        return ERR_CONFIG;
    }
    if (strchr(conf->teams_app_id, ' ') != NULL ||
        strlen(conf->teams_app_id) > 64 ||
        (tenant != NULL &&
         (strlen(tenant) > 63 || strchr(tenant, ' ') || strchr(tenant, '/')))) {
        err_set(err, "[teams] app_id and tenant_id are GUIDs, such as "
                     "00000000-0000-0000-0000-000000000000");
        return ERR_CONFIG;
    }
    if (!teams_url_ok(conf->teams_login_base, conf->teams_allow_loopback) ||
        !teams_url_ok(conf->teams_openid_url, conf->teams_allow_loopback)) {
        err_set(err, "[teams] login_base and openid_url must be https "
                     "(http only to 127.0.0.1 with allow_loopback)");
        return ERR_CONFIG;
    }
    if (!teams_codec_service_url_ok(conf->teams_service_url,
                                    conf->teams_allow_loopback)) {
        err_set(err, "[teams] service_url must be a Microsoft connector "
                     "(https://smba.trafficmanager.net/teams/)");
        return ERR_CONFIG;
    }
    t = xcalloc(1, sizeof(*t));
    t->a = a;
    a->priv = t;
    t->app_id = xstrdup(conf->teams_app_id);
    t->bot_id = xasprintf("28:%s", conf->teams_app_id);
    t->password = xstrdup(conf->teams_app_password);
    if (tenant != NULL && tenant[0] != '\0' &&
        strcmp(tenant, TEAMS_MULTI_TENANT) != 0)
        t->tenant = xstrdup(tenant);
    {
        char *base = teams_join(conf->teams_login_base, "/");

        t->token_url =
            xasprintf("%s%s/oauth2/v2.0/token", base,
                      t->tenant != NULL ? t->tenant : TEAMS_MULTI_TENANT);
        free(base);
    }
    t->openid_url = xstrdup(conf->teams_openid_url);
    t->service_url = xstrdup(conf->teams_service_url);
    t->loopback = conf->teams_allow_loopback;
    t->keys = jwks_new();
    t->kf.what = "signing keys";
    t->tf.what = "connector token";
    /* Microsoft's limits: 50 requests/s per app and tenant; 7 sends/s in
     * one conversation (a leader's chat never comes near it). */
    ratelimit_set(rl, "teams:send", 40, 20);
    ratelimit_set(rl, "teams:create", 7, 7);
    ratelimit_set(rl, "teams:update", 7, 7);
    ratelimit_set(rl, "teams:token", 1, 5);
    return 0;
}

static int
teams_start(struct adapter *a)
{
    struct teams *t = a->priv;

    if (a->listen == NULL) {
        log_error("adapter=teams msg=\"Teams needs the inbound endpoint "
                  "([http] listen)\"");
        fprintf(stderr, "reflekt: teams: Teams needs the inbound endpoint "
                        "([http] listen)\n");
        t->stopping = 1;
        return ERR_CONFIG;
    }
    uv_timer_init(a->loop, &t->kf.timer);
    uv_timer_init(a->loop, &t->tf.timer);
    t->kf.timer.data = t->tf.timer.data = t;
    t->started = 1;
    listen_route(a->listen, NULL, "/teams/messages", 0, on_http, t);
    log_info("adapter=teams msg=\"starting\" authority=%s",
             t->tenant != NULL ? "single-tenant" : "multi-tenant (legacy)");
    teams_keys_fetch(t);
    teams_token_fetch(t);
    return 0;
}

static void
teams_stop(struct adapter *a)
{
    struct teams *t = a->priv;

    if (t == NULL || t->stopping)
        return;
    t->stopping = 1;
    if (!t->started)
        return; /* stopped before it started: nothing to close */
    for (int i = 0; i < t->nheld; i++)
        teams_respond(t->held[i], 503, "stopping\n");
    t->nheld = 0;
    teams_calls_run(t, ERR_CANCELED);
    uv_close((uv_handle_t *)&t->kf.timer, NULL);
    uv_close((uv_handle_t *)&t->tf.timer, NULL);
}

static void
teams_release(struct adapter *a)
{
    struct teams *t = a->priv;

    if (t == NULL)
        return;
    teams_calls_run(t, ERR_CANCELED);
    jwks_free(t->keys);
    free(t->app_id);
    free(t->bot_id);
    if (t->password != NULL)
        OPENSSL_cleanse(t->password, strlen(t->password));
    free(t->password);
    free(t->tenant);
    free(t->token_url);
    free(t->openid_url);
    free(t->service_url);
    free(t->auth);
    free(t);
    a->priv = NULL;
}

const struct adapter_ops teams_adapter_ops = {
    .name = "teams",
    .init = teams_init,
    .start = teams_start,
    .stop = teams_stop,
    .release = teams_release,
    .send = teams_send,
    .settle = teams_settle,
};
