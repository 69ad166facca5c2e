/*
 * ws.c - WebSocket client connections through libwebsockets on the
 * daemon's own libuv loop.
 *
 * libwebsockets calls back for each connection with its wsi; the
 * connection's struct ws_conn rides on the wsi as opaque user data and is
 * detached (on_closed called, memory freed) at the one point where
 * libwebsockets says the wsi is going: a failed connect or the close of an
 * established link.  Closing from outside a callback asks for a writable
 * callback and returns -1 from it, the way libwebsockets wants it.
 */
#include "ws.h"

#include "buf.h"
#include "err.h"
#include "log.h"
#include "xmalloc.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

struct ws_out {
    struct ws_out *next;
    size_t len;
    unsigned char data[]; /* LWS_PRE bytes of headroom, then the text */
};

struct ws_conn {
    struct ws *w;
    struct lws *wsi; /* NULL once libwebsockets let go of it */
    struct ws_handler h;
    struct ws_out *head, *tail;
    struct buf in; /* the message being reassembled */
    int closing;
    int opened;
    int failed;                  /* the connect failed inside ws_open */
    struct ws_conn *prev, *next; /* w's list */
};

struct ws {
    struct lws_context *ctx;
    struct ws_conn *conns;
    struct ws_conn *connecting; /* inside lws_client_connect_via_info */
    int closing;
};

/* Ping a quiet link after 10 s and give it up after 30 s of silence. */
static const uint32_t ws_backoff[] = {1000};
static const lws_retry_bo_t ws_idle = {
    .retry_ms_table = ws_backoff,
    .retry_ms_table_count = 1,
    .conceal_count = 0,
    .secs_since_valid_ping = 10,
    .secs_since_valid_hangup = 30,
    .jitter_percent = 0,
};

static void
ws_log(int level, const char *line)
{
    char esc[512];
    size_t n = strcspn(line, "\n");

    /* A connect URL carries a one-time ticket: lws logs never go above
     * warnings, and those name no URL. */
    if (n >= sizeof(esc) / 2)
        n = sizeof(esc) / 2 - 1;
    {
        char cut[256];

        memcpy(cut, line, n);
        cut[n] = '\0';
        log_esc(cut, esc, sizeof(esc));
    }
    if (level & LLL_ERR)
        log_warn("component=libwebsockets msg=\"%s\"", esc);
    else
        log_debug("component=libwebsockets msg=\"%s\"", esc);
}

static void
ws_unlink(struct ws_conn *c)
{
    struct ws *w = c->w;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
}

/* libwebsockets is done with c: tell the owner, then free it. */
static void
ws_detach(struct ws_conn *c, const char *why)
{
    struct ws_out *o, *n;

    if (c->wsi != NULL)
        lws_set_opaque_user_data(c->wsi, NULL);
    c->wsi = NULL;
    if (c == c->w->connecting) {
        c->failed = 1; /* ws_open reports it; no callback */
        return;
    }
    ws_unlink(c);
    c->h.on_closed(c, why, c->h.arg);
    for (o = c->head; o != NULL; o = n) {
        n = o->next;
        free(o);
    }
    buf_release(&c->in);
    free(c);
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
            void *in, size_t len)
{
    struct ws_conn *c = lws_get_opaque_user_data(wsi);
    struct ws_out *o;
    char why[128];

    (void)user;
    if (c == NULL)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        snprintf(why, sizeof(why), "connect failed: %.100s",
                 in != NULL ? (const char *)in : "unknown");
        ws_detach(c, why);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c->wsi = wsi;
        c->opened = 1;
        if (c->closing) {
            lws_callback_on_writable(wsi);
            return 0;
        }
        c->h.on_open(c, c->h.arg);
        if (c->head != NULL)
            lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (c->closing)
            return 0;
        if (buf_add(&c->in, in, len) < 0) {
            log_warn("component=ws msg=\"message over the size limit; "
                     "closing the link\" limit=%zu",
                     WS_MAX_MESSAGE);
            lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
            return -1;
        }
        /* lws hands over rx-buffer-sized pieces: wait for the end. */
        if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
            return 0;
        if (!lws_frame_is_binary(wsi))
            c->h.on_message(c, c->in.data != NULL ? c->in.data : "", c->in.len,
                            c->h.arg);
        buf_reset(&c->in);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (c->closing) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        /* One write per callback; ask again while more is queued. */
        o = c->head;
        if (o == NULL)
            return 0;
        c->head = o->next;
        if (c->head == NULL)
            c->tail = NULL;
        if (lws_write(wsi, o->data + LWS_PRE, o->len, LWS_WRITE_TEXT) <
            (int)o->len) {
            free(o);
            return -1;
        }
        free(o);
        if (c->head != NULL)
            lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        ws_detach(c, c->closing ? "closed" : "closed by the peer");
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols ws_protocols[] = {
    {"reflekt-ws", ws_callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

struct ws *
ws_new(uv_loop_t *loop, char *err)
{
    struct lws_context_creation_info info;
    void *foreign[1] = {loop};
    struct ws *w = xcalloc(1, sizeof(*w));

    lws_set_log_level(LLL_ERR | LLL_WARN, ws_log);
    memset(&info, 0, sizeof(info));
    info.options =
        LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.foreign_loops = foreign;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = ws_protocols;
    info.fd_limit_per_thread = 64;
    info.retry_and_idle_policy = &ws_idle;
    info.pcontext = &w->ctx; /* set to NULL once wholly destroyed */
    w->ctx = lws_create_context(&info);
    if (w->ctx == NULL) {
        err_set(err, "cannot start libwebsockets on the event loop (is "
                     "the package libwebsockets-evlib-uv installed?)");
        free(w);
        return NULL;
    }
    return w;
}

struct ws_conn *
ws_open(struct ws *w, const char *url, const struct ws_handler *h, char *err)
{
    struct lws_client_connect_info ci;
    struct ws_conn *c;
    struct lws *wsi;
    const char *prot, *ads, *path;
    char *copy, *fullpath;
    int port, tls;

    copy = xstrdup(url);
    if (lws_parse_uri(copy, &prot, &ads, &port, &path) != 0 ||
        (strcmp(prot, "wss") != 0 && strcmp(prot, "ws") != 0) ||
        ads[0] == '\0') {
        err_set(err, "not a ws:// or wss:// URL");
        free(copy);
        return NULL;
    }
    tls = strcmp(prot, "wss") == 0;
    fullpath = xasprintf("/%s", path);
    c = xcalloc(1, sizeof(*c));
    c->w = w;
    c->h = *h;
    buf_init(&c->in, WS_MAX_MESSAGE);
    c->next = w->conns;
    if (w->conns != NULL)
        w->conns->prev = c;
    w->conns = c;
    memset(&ci, 0, sizeof(ci));
    ci.context = w->ctx;
    ci.address = ads;
    ci.port = port;
    ci.path = fullpath;
    ci.host = ads;
    ci.origin = ads;
    ci.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
    ci.local_protocol_name = "reflekt-ws";
    ci.opaque_user_data = c;
    ci.retry_and_idle_policy = &ws_idle;
    w->connecting = c;
    wsi = lws_client_connect_via_info(&ci);
    w->connecting = NULL;
    if (wsi == NULL || c->failed) {
        if (wsi != NULL)
            lws_set_opaque_user_data(wsi, NULL);
        ws_unlink(c);
        buf_release(&c->in);
        free(c);
        err_set(err, "cannot start connecting to %s", ads);
        free(copy);
        free(fullpath);
        return NULL;
    }
    if (c->wsi == NULL)
        c->wsi = wsi;
    free(copy);
    free(fullpath);
    return c;
}

int
ws_send(struct ws_conn *c, const char *text, size_t len)
{
    struct ws_out *o;

    if (c->closing || c->wsi == NULL)
        return ERR_IO;
    o = xmalloc(sizeof(*o) + LWS_PRE + len);
    o->next = NULL;
    o->len = len;
    memcpy(o->data + LWS_PRE, text, len);
    if (c->tail != NULL)
        c->tail->next = o;
    else
        c->head = o;
    c->tail = o;
    if (c->opened)
        lws_callback_on_writable(c->wsi);
    return 0;
}

void
ws_close(struct ws_conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (c->wsi != NULL && c->opened)
        lws_callback_on_writable(c->wsi);
    else if (c->wsi != NULL)
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
}

void
ws_close_all(struct ws *w)
{
    if (w == NULL || w->closing)
        return;
    w->closing = 1;
    /* Every owner hears of its connection first; the wsis lose their
     * pointers to us, so the context's own closing calls back nothing. */
    while (w->conns != NULL)
        ws_detach(w->conns, "stopped");
    /* On a foreign loop this starts closing lws's handles; the loop has
     * to run on for them. */
    lws_context_destroy(w->ctx);
}

void
ws_free(struct ws *w)
{
    if (w == NULL)
        return;
    ws_close_all(w);
    /* The loop has run: the second call finishes what the first began
     * (lws clears w->ctx when it is all gone). */
    if (w->ctx != NULL)
        lws_context_destroy(w->ctx);
    free(w);
}
