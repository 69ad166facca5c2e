/*
 * slack.c - the Slack adapter: leaders answer reflekt in a direct message,
 * managers and consultants use /reflekt.
 *
 * Two ways in, either or both:
 * - Socket Mode (app_token): apps.connections.open hands out a one-time
 *   WebSocket URL; reflekt keeps `connections` links open through ws.c.
 *   Each envelope is acknowledged only after the engine committed what it
 *   carried; an envelope that could not be committed is left unacked, so
 *   Slack sends it again.  A `disconnect` opens the replacement first and
 *   closes the old link once the new one said hello.
 * - The Events API (signing_secret) on the inbound endpoint: /slack/events,
 *   /slack/interactive and /slack/commands.  Every request's signature is
 *   checked first (401 and nothing read otherwise); the answer (200, or
 *   500 so Slack retries) is given after the commit.
 *
 * Out: the Web API over bot/http.c, each method in its own rate bucket.
 * chat.postMessage is not idempotent, so it is never repeated by the
 * network core; the delivery id travels in the message's metadata, and
 * whenever an attempt may have reached Slack (a resend after a crash, a
 * timeout, a 5xx) the direct message's recent history is searched for it
 * before anything is posted again.
 *
 * State machine: IDLE -> AUTH -> READY (<-> BACKOFF while auth.test cannot
 * reach Slack); STOPPED after a refused token or stop().
 */
#include "adapter.h"

#include "buf.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "listen.h"
#include "log.h"
#include "ratelimit.h"
#include "slack-codec.h"
#include "slack-sig.h"
#include "ws.h"
#include "xmalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLACK_MAX_BACKOFF_MS 60000
#define SLACK_MAX_CONNS 10
#define SLACK_HISTORY_LIMIT 50

enum slack_state {
    SLACK_STATE_IDLE = 0,
    SLACK_STATE_AUTH,
    SLACK_STATE_READY,
    SLACK_STATE_BACKOFF,
    SLACK_STATE_STOPPED,
};

static const char *const slack_state_names[] = {"IDLE", "AUTH", "READY",
                                                "BACKOFF", "STOPPED"};

struct slack;

/* One Socket Mode link. */
struct slack_link {
    struct slack *s;
    struct ws_conn *c; /* NULL while asking for a URL */
    int hello;
    int retiring; /* replaced after a disconnect: close once a new one is up */
    struct slack_link *next;
};

struct slack {
    struct adapter *a;
    enum slack_state state;
    char *api;      /* Web API base URL, no trailing slash */
    char *bot_auth; /* "Authorization: Bearer xoxb-..." (never logged) */
    char *app_auth; /* the same for the app token, or NULL */
    char *secret;   /* signing secret, or NULL */
    int want_links;
    char self[64]; /* the bot's user id, from auth.test */
    char team[64];
    int64_t backoff_ms;
    uv_timer_t retry;
    int stopping;
    int disabled; /* Socket Mode turned off in the app: no reconnect */
    struct ws *ws;
    struct slack_link *links;
    int64_t link_backoff_ms;
    uv_timer_t relink;
};

/* Every Web API method reflekt uses, and its rate (per minute) and burst:
 * Slack's tiers, and a workspace-wide pace for chat.postMessage. */
static const struct {
    const char *method;
    double per_minute, burst;
} slack_rates[] = {
    {"auth.test", 100, 5},         {"apps.connections.open", 50, 3},
    {"conversations.open", 50, 5}, {"conversations.history", 50, 5},
    {"chat.postMessage", 300, 10}, {"chat.update", 50, 5},
    {"users.info", 100, 5},
};

static void slack_auth(struct slack *s);
static void slack_links_fill(struct slack *s);

static void
slack_set_state(struct slack *s, enum slack_state st)
{
    if (s->state != st)
        log_debug("adapter=slack msg=\"%s -> %s\"", slack_state_names[s->state],
                  slack_state_names[st]);
    s->state = st;
}

/* ---- the Web API ----------------------------------------------------- */

/*
 * POST a method.  body (JSON) may be NULL for none; form (already encoded)
 * is used instead when given.  attempts 1 for calls not safe to repeat.
 * Returns: 0 (cb will run), or < 0.
 */
static int
slack_call(struct slack *s, const char *method, const json_t *body,
           const char *form, const char *auth, int attempts, http_done_cb *cb,
           void *arg)
{
    const char *headers[] = {auth,
                             form != NULL ? "Content-Type: "
                                            "application/x-www-form-urlencoded"
                                          : NULL,
                             NULL};
    struct http_request r = {0};
    char bucket[64];
    char *url = xasprintf("%s/%s", s->api, method);
    int rc;

    snprintf(bucket, sizeof(bucket), "slack:%s", method);
    r.method = "POST";
    r.url = url;
    r.headers = headers;
    r.json = body;
    if (body == NULL) {
        r.body = form != NULL ? form : "";
        r.body_len = strlen(r.body);
    }
    r.bucket = bucket;
    r.max_attempts = attempts;
    rc = http_request(s->a->http, &r, cb, arg);
    free(url);
    return rc;
}

/*
 * Whether a Web API answer is a success; logs the failure.  Returns: 0, or
 * ERR_AUTH for a token Slack refuses, ERR_RATELIMIT, ERR_PLATFORM for
 * Slack's other "ok": false, or the network core's error.
 */
static int
slack_failed(const struct http_response *res, const char *what, char *code,
             size_t codesz)
{
    static const char *const auth_errors[] = {
        "invalid_auth",     "not_authed",    "token_revoked",
        "account_inactive", "token_expired", "not_allowed_token_type",
        "missing_scope",    "no_permission",
    };
    char buf[64];

    if (code == NULL) {
        code = buf;
        codesz = sizeof(buf);
    }
    code[0] = '\0';
    if (res->err == 0 && res->status == 200 &&
        slack_codec_ok(res->json, code, codesz))
        return 0;
    log_warn("adapter=slack msg=\"%s failed\" status=%ld error=\"%s\"", what,
             res->status,
             code[0] != '\0' ? code
             : res->err      ? err_str(res->err)
                             : "http");
    if (res->err != 0)
        return res->err;
    if (res->status == 429)
        return ERR_RATELIMIT;
    for (size_t i = 0; i < sizeof(auth_errors) / sizeof(auth_errors[0]); i++) {
        if (strcmp(code, auth_errors[i]) == 0)
            return ERR_AUTH;
    }
    return ERR_PLATFORM;
}

/* The platform refused us for good: say so and let the daemon stop. */
static void
slack_fatal(struct slack *s, const char *what, const char *code)
{
    char why[256];

    slack_set_state(s, SLACK_STATE_STOPPED);
    snprintf(why, sizeof(why),
             "Slack refused the %s (%s); check [slack] %s or "
             "REFLEKT_SLACK_%s",
             what, code[0] ? code : "refused",
             strcmp(what, "app token") == 0 ? "app_token" : "bot_token",
             strcmp(what, "app token") == 0 ? "APP_TOKEN" : "BOT_TOKEN");
    log_error("adapter=slack msg=\"%s\"", why);
    if (s->a->host.fatal != NULL)
        s->a->host.fatal(s->a, why, s->a->host.arg);
}

/* ---- start: auth.test, with backoff while Slack is out of reach ------ */

static void
on_retry(uv_timer_t *t)
{
    slack_auth(t->data);
}

static void
slack_backoff(struct slack *s)
{
    if (s->stopping)
        return;
    s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : 1000;
    if (s->backoff_ms > SLACK_MAX_BACKOFF_MS)
        s->backoff_ms = SLACK_MAX_BACKOFF_MS;
    slack_set_state(s, SLACK_STATE_BACKOFF);
    uv_timer_start(&s->retry, on_retry, (uint64_t)s->backoff_ms, 0);
}

static void
on_auth(const struct http_response *res, void *arg)
{
    struct slack *s = arg;
    char code[64];
    const char *v;
    int rc;

    if (s->stopping || res->err == ERR_CANCELED)
        return;
    rc = slack_failed(res, "auth.test", code, sizeof(code));
    if (rc == ERR_AUTH) {
        slack_fatal(s, "bot token", code);
        return;
    }
    v = json_string_value(json_object_get(res->json, "user_id"));
    if (rc < 0 || v == NULL) {
        slack_backoff(s);
        return;
    }
    xstrlcpy(s->self, v, sizeof(s->self));
    v = json_string_value(json_object_get(res->json, "team_id"));
    xstrlcpy(s->team, v != NULL ? v : "", sizeof(s->team));
    s->backoff_ms = 0;
    slack_set_state(s, SLACK_STATE_READY);
    log_info("adapter=slack msg=\"signed in\" team=%s socket_mode=%s "
             "events_api=%s",
             s->team, s->app_auth != NULL ? "on" : "off",
             s->secret != NULL && s->a->listen != NULL ? "on" : "off");
    if (s->app_auth == NULL)
        adapter_up(s->a); /* Events API only: signed in is up */
    slack_links_fill(s);
}

static void
slack_auth(struct slack *s)
{
    if (s->stopping)
        return;
    slack_set_state(s, SLACK_STATE_AUTH);
    if (slack_call(s, "auth.test", NULL, "", s->bot_auth, 0, on_auth, s) < 0)
        slack_backoff(s);
}

/* ---- inbound: one decoded payload to the engine ----------------------- */

/*
 * Hand in to the engine.  reply (may be NULL) gets a command's answer.
 * Returns: 0 when it may be acknowledged, < 0 when it was not committed.
 */
static int
slack_deliver(struct slack *s, struct slack_in *in, char *reply, size_t replysz)
{
    struct adapter *a = s->a;

    if (reply != NULL && replysz > 0)
        reply[0] = '\0';
    switch (in->kind) {
    case SLACK_IN_EVENT:
        return a->host.on_event(a, &in->ev, a->host.arg);
    case SLACK_IN_COMMAND:
        in->ev.reply = reply;
        in->ev.replysz = replysz;
        return a->host.on_event(a, &in->ev, a->host.arg);
    default:
        return 0;
    }
}

/* ---- the Events API ---------------------------------------------------- */

static void
slack_respond_text(struct listen_req *req, unsigned status, const char *text)
{
    listen_respond(req, status, "text/plain; charset=utf-8", text,
                   strlen(text));
}

static void
on_http(struct listen_req *req, void *arg)
{
    struct slack *s = arg;
    const char *path = listen_req_path(req), *route = strrchr(path, '/') + 1;
    const char *ts = listen_req_header(req, "X-Slack-Request-Timestamp");
    const char *sig = listen_req_header(req, "X-Slack-Signature");
    const char *retry = listen_req_header(req, "X-Slack-Retry-Num");
    struct slack_in in = {0};
    json_t *keep = NULL;
    char err[ERR_BUFSZ] = "", esc[2 * ERR_BUFSZ], reply[4000];
    size_t len;
    const char *body = listen_req_body(req, &len);
    int rc;

    if (slack_sig_verify(s->secret, ts, sig, body, len, (int64_t)time(NULL),
                         err) < 0) {
        log_warn("adapter=slack msg=\"request refused\" route=%s "
                 "error=\"%s\"",
                 route, log_esc(err, esc, sizeof(esc)));
        slack_respond_text(req, 401, "signature refused\n");
        return;
    }
    if (retry != NULL)
        log_info("adapter=slack msg=\"delivery retried by Slack\" route=%s "
                 "retry=%.3s",
                 route, retry);
    rc = slack_codec_http(route, body, len, s->self[0] ? s->self : NULL, &in,
                          &keep, err);
    if (rc < 0) {
        log_warn("adapter=slack msg=\"payload refused\" route=%s "
                 "error=\"%s\"",
                 route, log_esc(err, esc, sizeof(esc)));
        slack_respond_text(req, 400, "bad payload\n");
        goto out;
    }
    if (in.kind == SLACK_IN_CHALLENGE) {
        slack_respond_text(req, 200, in.challenge);
        goto out;
    }
    if (slack_deliver(s, &in, reply, sizeof(reply)) < 0) {
        /* Not committed: 500, and Slack delivers it again. */
        slack_respond_text(req, 500, "try again\n");
        goto out;
    }
    if (in.kind == SLACK_IN_COMMAND && reply[0] != '\0') {
        json_t *o = json_pack("{s:s, s:s}", "response_type", "ephemeral",
                              "text", reply);
        char *text = json_dumps(o, JSON_COMPACT);

        listen_respond(req, 200, "application/json", text, strlen(text));
        free(text);
        json_decref(o);
        goto out;
    }
    listen_respond(req, 200, "text/plain", "", 0);
out:
    slack_in_release(&in);
    json_decref(keep);
}

/* ---- Socket Mode ------------------------------------------------------- */

static void
slack_link_send(struct slack_link *l, const char *text)
{
    if (l->c == NULL || ws_send(l->c, text, strlen(text)) < 0)
        log_warn("adapter=slack msg=\"acknowledgement not sent; Slack will "
                 "deliver the envelope again\"");
}

static void
slack_envelope(struct slack_link *l, const struct slack_frame *f)
{
    struct slack *s = l->s;
    struct slack_in in = {0};
    char err[ERR_BUFSZ] = "", esc[2 * ERR_BUFSZ], reply[4000] = "";
    char *ack;
    int rc;

    if (f->retry_attempt > 0)
        log_info("adapter=slack msg=\"envelope retried by Slack\" retry=%d",
                 f->retry_attempt);
    rc = slack_codec_frame_in(f, s->self[0] ? s->self : NULL, &in, err);
    if (rc < 0) {
        /* Malformed content never gets better: ack it, store nothing. */
        log_warn("adapter=slack msg=\"envelope refused\" error=\"%s\"",
                 log_esc(err, esc, sizeof(esc)));
    } else if (slack_deliver(s, &in, reply, sizeof(reply)) < 0) {
        log_warn("adapter=slack msg=\"envelope not committed; left unacked "
                 "for Slack to resend\"");
        slack_in_release(&in);
        return;
    }
    ack = slack_codec_ack(f->envelope_id,
                          f->accepts_response && reply[0] ? reply : NULL);
    slack_link_send(l, ack);
    free(ack);
    slack_in_release(&in);
}

static void
on_ws_open(struct ws_conn *c, void *arg)
{
    (void)c;
    (void)arg;
    log_debug("adapter=slack msg=\"socket open; waiting for hello\"");
}

static void
on_ws_message(struct ws_conn *c, const char *text, size_t len, void *arg)
{
    struct slack_link *l = arg;
    struct slack *s = l->s;
    struct slack_frame f;
    json_t *root = NULL;
    char err[ERR_BUFSZ] = "", esc[2 * ERR_BUFSZ];

    (void)c;
    if (slack_codec_frame(text, len, &f, &root, err) < 0) {
        log_warn("adapter=slack msg=\"frame refused\" error=\"%s\"",
                 log_esc(err, esc, sizeof(esc)));
        json_decref(root);
        return;
    }
    switch (f.type) {
    case SLACK_FRAME_HELLO:
        l->hello = 1;
        s->link_backoff_ms = 0;
        log_info("adapter=slack msg=\"Socket Mode connected\"");
        adapter_up(s->a);
        /* A replacement is up: the links it replaces may go now. */
        for (struct slack_link *o = s->links; o != NULL; o = o->next) {
            if (o->retiring && o->c != NULL)
                ws_close(o->c);
        }
        break;
    case SLACK_FRAME_DISCONNECT:
        log_info("adapter=slack msg=\"Slack asks to reconnect\" reason=%s",
                 f.reason != NULL ? f.reason : "-");
        if (f.reason != NULL && strcmp(f.reason, "link_disabled") == 0) {
            log_error("adapter=slack msg=\"Socket Mode is turned off in the "
                      "Slack app; not reconnecting\"");
            s->disabled = 1;
            ws_close(l->c);
            break;
        }
        if (!l->retiring) {
            l->retiring = 1;
            slack_links_fill(s);
        }
        break;
    case SLACK_FRAME_EVENTS:
    case SLACK_FRAME_INTERACTIVE:
    case SLACK_FRAME_COMMAND:
        slack_envelope(l, &f);
        break;
    default:
        break;
    }
    json_decref(root);
}

static void
slack_link_free(struct slack_link *l)
{
    struct slack *s = l->s;
    struct slack_link **pp;

    for (pp = &s->links; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    }
    free(l);
}

static void
on_relink(uv_timer_t *t)
{
    slack_links_fill(t->data);
}

/* Try again to reach the wanted number of links, later each time. */
static void
slack_links_later(struct slack *s)
{
    if (s->stopping || s->disabled || uv_is_active((uv_handle_t *)&s->relink))
        return;
    s->link_backoff_ms = s->link_backoff_ms ? s->link_backoff_ms * 2 : 1000;
    if (s->link_backoff_ms > SLACK_MAX_BACKOFF_MS)
        s->link_backoff_ms = SLACK_MAX_BACKOFF_MS;
    uv_timer_start(&s->relink, on_relink, (uint64_t)s->link_backoff_ms, 0);
}

static void
on_ws_closed(struct ws_conn *c, const char *why, void *arg)
{
    struct slack_link *l = arg;
    struct slack *s = l->s;

    (void)c;
    log_info("adapter=slack msg=\"Socket Mode link closed\" why=\"%s\"", why);
    l->c = NULL;
    slack_link_free(l);
    if (!s->stopping && !s->disabled)
        slack_links_later(s);
}

static void
on_connections_open(const struct http_response *res, void *arg)
{
    struct slack_link *l = arg;
    struct slack *s = l->s;
    struct ws_handler h = {on_ws_open, on_ws_message, on_ws_closed, l};
    char code[64], err[ERR_BUFSZ] = "";
    const char *url;
    int rc;

    if (s->stopping || res->err == ERR_CANCELED) {
        slack_link_free(l);
        return;
    }
    rc = slack_failed(res, "apps.connections.open", code, sizeof(code));
    url = json_string_value(json_object_get(res->json, "url"));
    if (rc == ERR_AUTH) {
        slack_link_free(l);
        slack_fatal(s, "app token", code);
        return;
    }
    if (rc < 0 || url == NULL ||
        (l->c = ws_open(s->ws, url, &h, err)) == NULL) {
        if (rc == 0)
            log_warn("adapter=slack msg=\"cannot open the Socket Mode "
                     "link\" error=\"%s\"",
                     url == NULL ? "no url" : err);
        slack_link_free(l);
        slack_links_later(s);
    }
}

/* Open links until `connections` are up (retiring ones do not count). */
static void
slack_links_fill(struct slack *s)
{
    int n = 0;

    if (s->app_auth == NULL || s->stopping || s->disabled ||
        s->state != SLACK_STATE_READY)
        return;
    for (struct slack_link *l = s->links; l != NULL; l = l->next)
        n += !l->retiring;
    for (; n < s->want_links; n++) {
        struct slack_link *l = xcalloc(1, sizeof(*l));

        l->s = s;
        l->next = s->links;
        s->links = l;
        if (slack_call(s, "apps.connections.open", NULL, "", s->app_auth, 0,
                       on_connections_open, l) < 0) {
            slack_link_free(l);
            slack_links_later(s);
            return;
        }
    }
}

/* ---- sending ---------------------------------------------------------- */

enum slack_send_step {
    SLACK_SEND_OPEN = 0, /* conversations.open */
    SLACK_SEND_LOOK,     /* conversations.history: already posted? */
    SLACK_SEND_POST,     /* chat.postMessage */
    SLACK_SEND_CHECK,    /* conversations.history after an unclear post */
};

struct slack_send {
    struct slack *s;
    enum slack_send_step step;
    char *user, *channel, *text, *skip, *snooze;
    int64_t delivery_id;
    int64_t posted_at; /* history older than this is an earlier round */
    adapter_sent_cb *cb;
    void *arg;
};

static void slack_send_step(struct slack_send *x);

static void
slack_send_finish(struct slack_send *x, int status, const char *ts)
{
    x->cb(x->s->a, status, status == 0 ? ts : NULL, x->arg);
    free(x->user);
    free(x->channel);
    free(x->text);
    free(x->skip);
    free(x->snooze);
    free(x);
}

/* Whether a failed post may still have reached Slack. */
static int
slack_unclear(const struct http_response *res)
{
    return res->err == ERR_TIMEOUT || res->err == ERR_IO || res->status >= 500;
}

static void
on_send(const struct http_response *res, void *arg)
{
    struct slack_send *x = arg;
    struct slack *s = x->s;
    struct adapter *a = s->a;
    const char *v = NULL;
    char code[64];
    int rc;

    if (res->err == ERR_CANCELED) {
        slack_send_finish(x, ERR_CANCELED, NULL);
        return;
    }
    switch (x->step) {
    case SLACK_SEND_OPEN:
        rc = slack_failed(res, "conversations.open", code, sizeof(code));
        v = json_string_value(
            json_object_get(json_object_get(res->json, "channel"), "id"));
        if (rc < 0 || v == NULL) {
            slack_send_finish(x, rc < 0 ? rc : ERR_PLATFORM, NULL);
            return;
        }
        x->channel = xstrdup(v);
        a->host.conversation_set(a, x->user, x->channel, a->host.arg);
        x->step = SLACK_SEND_POST;
        break;
    case SLACK_SEND_LOOK:
    case SLACK_SEND_CHECK:
        rc = slack_failed(res, "conversations.history", code, sizeof(code));
        if (rc == 0 &&
            slack_codec_history_find(res->json, x->delivery_id, &v)) {
            log_info("adapter=slack msg=\"question found already posted; "
                     "not posting again\" delivery=%" PRId64,
                     x->delivery_id);
            slack_send_finish(x, 0, v);
            return;
        }
        if (x->step == SLACK_SEND_CHECK || rc < 0) {
            /* Not there (or not known): the engine tries again later, and
             * looks first. */
            slack_send_finish(x, rc < 0 ? rc : ERR_PLATFORM, NULL);
            return;
        }
        x->step = SLACK_SEND_POST;
        break;
    case SLACK_SEND_POST:
    default:
        rc = slack_failed(res, "chat.postMessage", code, sizeof(code));
        v = json_string_value(json_object_get(res->json, "ts"));
        if (rc == 0 && v != NULL) {
            slack_send_finish(x, 0, v);
            return;
        }
        if (strcmp(code, "channel_not_found") == 0 ||
            strcmp(code, "is_archived") == 0) {
            /* A stale DM id: open it afresh next time. */
            a->host.conversation_set(a, x->user, "", a->host.arg);
        }
        if (x->delivery_id > 0 && slack_unclear(res)) {
            x->step = SLACK_SEND_CHECK;
            break;
        }
        slack_send_finish(x, rc < 0 ? rc : ERR_PLATFORM, NULL);
        return;
    }
    slack_send_step(x);
}

static void
slack_send_step(struct slack_send *x)
{
    struct slack *s = x->s;
    json_t *body = NULL;
    const char *method;
    int attempts = 0, rc;

    switch (x->step) {
    case SLACK_SEND_OPEN:
        method = "conversations.open";
        body = json_pack("{s:s}", "users", x->user);
        break;
    case SLACK_SEND_LOOK:
    case SLACK_SEND_CHECK:
        method = "conversations.history";
        body = json_pack("{s:s, s:i, s:b}", "channel", x->channel, "limit",
                         SLACK_HISTORY_LIMIT, "include_all_metadata", 1);
        if (x->posted_at > 0) {
            char oldest[32];

            snprintf(oldest, sizeof(oldest), "%" PRId64 ".999999",
                     x->posted_at);
            json_object_set_new(body, "oldest", json_string(oldest));
        }
        break;
    case SLACK_SEND_POST:
    default: {
        struct adapter_msg m = {0};

        method = "chat.postMessage";
        attempts = 1; /* not idempotent: never repeated blindly */
        m.text = x->text;
        m.delivery_id = x->delivery_id;
        m.button_skip = x->skip;
        m.button_snooze = x->snooze;
        body = slack_codec_post(x->channel, &m);
        break;
    }
    }
    rc = slack_call(s, method, body, NULL, s->bot_auth, attempts, on_send, x);
    json_decref(body);
    if (rc < 0)
        slack_send_finish(x, rc, NULL);
}

static int
slack_send(struct adapter *a, const struct adapter_msg *msg,
           adapter_sent_cb *cb, void *arg)
{
    struct slack *s = a->priv;
    struct slack_send *x;

    if (s->state == SLACK_STATE_STOPPED || s->stopping)
        return ERR_PLATFORM;
    x = xcalloc(1, sizeof(*x));
    x->s = s;
    x->user = xstrdup(msg->user_id);
    x->text = xstrdup(msg->text);
    x->delivery_id = msg->delivery_id;
    x->posted_at = msg->posted_at;
    x->cb = cb;
    x->arg = arg;
    if (msg->button_skip != NULL && msg->button_snooze != NULL) {
        x->skip = xstrdup(msg->button_skip);
        x->snooze = xstrdup(msg->button_snooze);
    }
    if (msg->conversation != NULL && msg->conversation[0] != '\0') {
        x->channel = xstrdup(msg->conversation);
        x->step = msg->resend && msg->delivery_id > 0 ? SLACK_SEND_LOOK
                                                      : SLACK_SEND_POST;
    } else {
        /* A first message: nothing can have been posted before. */
        x->step = SLACK_SEND_OPEN;
    }
    slack_send_step(x);
    return 0;
}

static void
on_update(const struct http_response *res, void *arg)
{
    (void)arg;
    if (res->err != ERR_CANCELED)
        slack_failed(res, "chat.update", NULL, 0);
}

static void
slack_settle(struct adapter *a, const struct adapter_settle *st)
{
    struct slack *s = a->priv;
    json_t *body;

    if (s->stopping || st->conversation == NULL || st->msg_id == NULL ||
        st->conversation[0] == '\0' || st->msg_id[0] == '\0')
        return;
    body = slack_codec_update(st->conversation, st->msg_id, st->text, st->note);
    slack_call(s, "chat.update", body, NULL, s->bot_auth, 0, on_update, NULL);
    json_decref(body);
}

struct slack_tz {
    struct slack *s;
    adapter_tz_cb *cb;
    void *arg;
};

static void
on_user_info(const struct http_response *res, void *arg)
{
    struct slack_tz *t = arg;
    const char *tz = json_string_value(
        json_object_get(json_object_get(res->json, "user"), "tz"));
    int rc = res->err == ERR_CANCELED
                 ? ERR_CANCELED
                 : slack_failed(res, "users.info", NULL, 0);

    if (rc == 0 && tz == NULL)
        rc = ERR_NOTFOUND;
    t->cb(t->s->a, rc, rc == 0 ? tz : NULL, t->arg);
    free(t);
}

static int
slack_user_tz(struct adapter *a, const char *user_id, adapter_tz_cb *cb,
              void *arg)
{
    struct slack *s = a->priv;
    struct slack_tz *t = xcalloc(1, sizeof(*t));
    struct buf b;
    char *body;
    int rc;

    /* users.info takes form arguments. */
    buf_init(&b, 0);
    buf_adds(&b, "user=");
    for (const char *p = user_id; *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9'))
            buf_add(&b, p, 1);
        else
            buf_printf(&b, "%%%02X", (unsigned char)*p);
    }
    body = buf_detach(&b);
    t->s = s;
    t->cb = cb;
    t->arg = arg;
    rc = slack_call(s, "users.info", NULL, body, s->bot_auth, 0, on_user_info,
                    t);
    free(body);
    if (rc < 0)
        free(t);
    return rc;
}

/* ---- lifecycle --------------------------------------------------------- */

static int
slack_init(struct adapter *a, const struct config *conf, char *err)
{
    struct slack *s;
    const char *api = conf->slack_api_base;
    struct ratelimit *rl = http_ratelimit(a->http);
    size_t n;

    if (conf->slack_bot_token == NULL) {
        err_set(err, "Slack needs a bot token ([slack] bot_token or "
                     "REFLEKT_SLACK_BOT_TOKEN)");
        return ERR_CONFIG;
    }
    if (conf->slack_app_token == NULL && conf->slack_signing_secret == NULL) {
        err_set(err, "Slack needs an app token for Socket Mode ([slack] "
                     "app_token) or a signing secret for the Events API "
                     "([slack] signing_secret)");
        return ERR_CONFIG;
    }
    if (conf->slack_app_token == NULL && a->listen == NULL) {
        err_set(err, "the Slack Events API needs the inbound endpoint "
                     "([http] listen), or use Socket Mode ([slack] "
                     "app_token)");
        return ERR_CONFIG;
    }
    if (conf->slack_connections < 1 ||
        conf->slack_connections > SLACK_MAX_CONNS) {
        err_set(err, "[slack] connections must be 1 to %d, not %d",
                SLACK_MAX_CONNS, conf->slack_connections);
        return ERR_CONFIG;
    }
    s = xcalloc(1, sizeof(*s));
    s->a = a;
    a->priv = s;
    if (api == NULL)
        api = "https://slack.com/api";
    n = strlen(api);
    while (n > 0 && api[n - 1] == '/')
        n--;
    s->api = xstrndup(api, n);
    s->bot_auth = xasprintf("Authorization: Bearer %s", conf->slack_bot_token);
    if (conf->slack_app_token != NULL)
        s->app_auth =
            xasprintf("Authorization: Bearer %s", conf->slack_app_token);
    if (conf->slack_signing_secret != NULL)
        s->secret = xstrdup(conf->slack_signing_secret);
    s->want_links = conf->slack_connections;
    for (size_t i = 0; i < sizeof(slack_rates) / sizeof(slack_rates[0]); i++) {
        char bucket[64];

        snprintf(bucket, sizeof(bucket), "slack:%s", slack_rates[i].method);
        ratelimit_set(rl, bucket, slack_rates[i].per_minute / 60.0,
                      slack_rates[i].burst);
    }
    return 0;
}

static int
slack_start(struct adapter *a)
{
    struct slack *s = a->priv;
    char err[ERR_BUFSZ] = "";

    uv_timer_init(a->loop, &s->retry);
    uv_timer_init(a->loop, &s->relink);
    s->retry.data = s->relink.data = s;
    if (s->app_auth != NULL) {
        s->ws = ws_new(a->loop, err);
        if (s->ws == NULL) {
            log_error("adapter=slack msg=\"%s\"", err);
            fprintf(stderr, "reflekt: slack: %s\n", err);
            uv_close((uv_handle_t *)&s->retry, NULL);
            uv_close((uv_handle_t *)&s->relink, NULL);
            s->stopping = 1;
            return ERR_CONFIG;
        }
    }
    if (s->secret != NULL && a->listen != NULL) {
        listen_route(a->listen, "POST", "/slack/events", 0, on_http, s);
        listen_route(a->listen, "POST", "/slack/interactive", 0, on_http, s);
        listen_route(a->listen, "POST", "/slack/commands", 0, on_http, s);
    }
    slack_auth(s);
    return 0;
}

static void
slack_stop(struct adapter *a)
{
    struct slack *s = a->priv;

    if (s == NULL || s->stopping)
        return;
    s->stopping = 1;
    slack_set_state(s, SLACK_STATE_STOPPED);
    uv_close((uv_handle_t *)&s->retry, NULL);
    uv_close((uv_handle_t *)&s->relink, NULL);
    ws_close_all(s->ws); /* each link's on_closed frees it */
}

static void
slack_release(struct adapter *a)
{
    struct slack *s = a->priv;

    if (s == NULL)
        return;
    /* Links still waiting for their URL are freed by their callback; any
     * left (the loop never ran them) go here. */
    while (s->links != NULL)
        slack_link_free(s->links);
    ws_free(s->ws);
    free(s->api);
    free(s->bot_auth);
    free(s->app_auth);
    free(s->secret);
    free(s);
    a->priv = NULL;
}

const struct adapter_ops slack_adapter_ops = {
    .name = "slack",
    .init = slack_init,
    .start = slack_start,
    .stop = slack_stop,
    .release = slack_release,
    .send = slack_send,
    .settle = slack_settle,
    .user_tz = slack_user_tz,
};
