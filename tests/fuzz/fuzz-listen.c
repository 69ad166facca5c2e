/*
 * fuzz-listen.c - inbound request handling end to end: arbitrary bytes are
 * written into a connection of reflekt's endpoint (libmicrohttpd inside
 * the libuv loop, over a socketpair), through routing, the body cap, the
 * content-type check, JSON parsing and a handler that answers later.
 */
#include "listen.h"

#include "log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uv_loop_t loop;
static struct listen *srv;
static uv_idle_t later;
static struct listen_req *pending[64];
static int npending;

static void
on_later(uv_idle_t *h)
{
    for (int i = 0; i < npending; i++)
        listen_respond(pending[i], 200, "application/json", "{}", 2);
    npending = 0;
    uv_idle_stop(h);
}

static void
on_json(struct listen_req *req, void *arg)
{
    (void)arg;
    if (listen_req_json(req) == NULL)
        abort(); /* a JSON route only sees parsed bodies */
    listen_respond(req, 200, "application/json", "{}", 2);
}

static void
on_async(struct listen_req *req, void *arg)
{
    size_t len;

    (void)arg;
    listen_req_body(req, &len);
    if (len > 4096)
        abort(); /* over the cap never reaches a handler */
    if (npending == 64) {
        listen_respond(req, 503, NULL, "", 0);
        return;
    }
    pending[npending++] = req;
    uv_idle_start(&later, on_later);
}

static void
setup(void)
{
    struct listen_opts o = {.max_body = 4096, .timeout_s = 1};
    char err[256] = "";

    log_set_level(LOG_LEVEL_ERROR);
    uv_loop_init(&loop);
    uv_idle_init(&loop, &later);
    srv = listen_new(&loop, NULL, &o, err);
    if (srv == NULL)
        abort();
    listen_route(srv, "POST", "/slack/events", LISTEN_JSON, on_json, NULL);
    listen_route(srv, NULL, "/teams/messages", 0, on_async, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    char buf[4096];

    if (srv == NULL)
        setup();
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
        return 0;
    if (listen_add_connection(srv, sv[0]) < 0) {
        close(sv[1]);
        return 0;
    }
    if (size > 0 && write(sv[1], data, size) < 0) {
        /* a full socket buffer: the server sees what fitted */
    }
    shutdown(sv[1], SHUT_WR);
    /* Run until the server has answered and closed, or gave up. */
    for (int i = 0; i < 200; i++) {
        ssize_t n;

        uv_run(&loop, UV_RUN_NOWAIT);
        n = read(sv[1], buf, sizeof(buf));
        if (n == 0)
            break;
    }
    close(sv[1]);
    uv_run(&loop, UV_RUN_NOWAIT);
    return 0;
}
