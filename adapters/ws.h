/*
 * ws.h - WebSocket client connections on reflekt's libuv loop (Slack
 * Socket Mode), through libwebsockets running on that loop as a foreign
 * loop: no thread of its own.
 *
 * libwebsockets does the protocol (TLS with the system's CAs, masking,
 * ping/pong, the close handshake); this module adds what it leaves to the
 * caller: whole messages (fragments reassembled, capped in size), a send
 * queue (one write per writable callback), an idle policy that pings and
 * gives up on a silent peer, and a plain open/message/closed lifecycle.
 */
#ifndef REFLEKT_WS_H
#define REFLEKT_WS_H

#include <stddef.h>
#include <uv.h>

#define WS_MAX_MESSAGE ((size_t)1 << 20) /* larger messages close the link */

struct ws;
struct ws_conn;

struct ws_handler {
    /* The handshake is done; sends may flow. */
    void (*on_open)(struct ws_conn *c, void *arg);
    /* One whole text message, borrowed for the call. */
    void (*on_message)(struct ws_conn *c, const char *text, size_t len,
                       void *arg);
    /*
     * Exactly once per connection ws_open returned (after a failed
     * connect, a close by either side, or ws_free); c is gone afterwards.
     * why is a short reason for logs.
     */
    void (*on_closed)(struct ws_conn *c, const char *why, void *arg);
    void *arg;
};

/*
 * Ownership: ws_close_all(), let the loop run until libwebsockets has
 * closed its handles, then ws_free().  Returns: NULL with err filled on failure
 * (the libuv event library of libwebsockets missing, for one).
 */
struct ws *ws_new(uv_loop_t *loop, char *err);
/*
 * Connect to url ("wss://host/path?query" or "ws://..."); the handler is
 * copied.  Returns: the connection, or NULL with err filled (a URL that is
 * not ws or wss); never calls back in that case.
 */
struct ws_conn *ws_open(struct ws *w, const char *url,
                        const struct ws_handler *h, char *err);
/* Queue a text message (copied).  Returns: 0, or ERR_IO once closing. */
int ws_send(struct ws_conn *c, const char *text, size_t len);
/* Close with status 1000; on_closed follows. */
void ws_close(struct ws_conn *c);
/*
 * Close every connection (each on_closed runs) and begin closing
 * libwebsockets' handles; the loop must run on for them.
 */
void ws_close_all(struct ws *w);
/* After the loop has run: finish, and free w (closing first if needed). */
void ws_free(struct ws *w);

#endif
