/*
 * fuzz-ws.c - libFuzzer target for reflekt's WebSocket client as Slack
 * Socket Mode uses it: libwebsockets' frame parsing on reflekt's loop, the
 * reassembly of fragments into messages in ws.c, and each whole message
 * decoded as a Socket Mode frame.
 *
 * Each input is what a server sends after a valid 101 handshake on a
 * loopback connection, then the server closes.  Whatever the bytes, the
 * client must end the connection (on_closed exactly once) without a crash,
 * and every message it hands up must be within the size limit.
 */
#include "slack-codec.h"
#include "ws.h"

#include "err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uv_loop_t loop;
static struct ws *w;
static int lfd = -1, port;
static int closed;

static void
on_open(struct ws_conn *c, void *arg)
{
    (void)c;
    (void)arg;
}

static void
on_message(struct ws_conn *c, const char *text, size_t len, void *arg)
{
    struct slack_frame f;
    struct slack_in in = {0};
    json_t *root = NULL;
    char err[ERR_BUFSZ] = "";

    (void)c;
    (void)arg;
    if (len > WS_MAX_MESSAGE)
        abort();
    if (slack_codec_frame(text, len, &f, &root, err) == 0)
        slack_codec_frame_in(&f, "UBOT", &in, err);
    slack_in_release(&in);
    json_decref(root);
}

static void
on_closed(struct ws_conn *c, const char *why, void *arg)
{
    (void)c;
    (void)why;
    (void)arg;
    closed++;
}

static void
setup(void)
{
    struct sockaddr_in sa = {0};
    socklen_t sl = sizeof(sa);

    uv_loop_init(&loop);
    w = ws_new(&loop, NULL);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (w == NULL || lfd < 0 ||
        bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(lfd, 4) < 0 || getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
        abort();
    fcntl(lfd, F_SETFL, O_NONBLOCK);
    port = ntohs(sa.sin_port);
}

/* Turn the loop until cond holds or about two seconds passed. */
#define SPIN(cond)                                                             \
    for (int spin_ = 0; !(cond) && spin_ < 20000; spin_++) {                   \
        uv_run(&loop, UV_RUN_NOWAIT);                                          \
        usleep(100);                                                           \
    }

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ws_handler h = {on_open, on_message, on_closed, NULL};
    char url[64], req[4096] = "", resp[256], key[64] = "", acc[64];
    unsigned char digest[SHA_DIGEST_LENGTH];
    size_t got = 0;
    int fd = -1;
    struct ws_conn *c;
    const char *k;

    if (w == NULL)
        setup();
    if (size > 65536)
        return 0;
    closed = 0;
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d/link/?ticket=1", port);
    c = ws_open(w, url, &h, NULL);
    if (c == NULL)
        abort();
    SPIN((fd = accept(lfd, NULL, NULL)) >= 0 || closed);
    if (fd < 0)
        abort(); /* the client never connected */
    /* The handshake request, up to its blank line. */
    for (int i = 0; i < 20000 && !strstr(req, "\r\n\r\n"); i++) {
        ssize_t n = recv(fd, req + got, sizeof(req) - 1 - got, MSG_DONTWAIT);

        if (n > 0)
            got += (size_t)n;
        req[got] = '\0';
        if (got >= sizeof(req) - 1)
            break;
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(100);
    }
    k = strstr(req, "Sec-WebSocket-Key: ");
    if (k == NULL)
        k = strstr(req, "sec-websocket-key: ");
    if (k != NULL)
        sscanf(k + 19, "%63[^\r\n]", key);
    strncat(key, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
            sizeof(key) - strlen(key) - 1);
    SHA1((const unsigned char *)key, strlen(key), digest);
    EVP_EncodeBlock((unsigned char *)acc, digest, SHA_DIGEST_LENGTH);
    snprintf(resp, sizeof(resp),
             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
             acc);
    if (send(fd, resp, strlen(resp), MSG_NOSIGNAL) < 0 ||
        (size > 0 && send(fd, data, size, MSG_NOSIGNAL) < 0)) {
        /* The client may have gone already: fine. */
    }
    shutdown(fd, SHUT_WR);
    SPIN(closed);
    if (!closed) {
        ws_close(c);
        SPIN(closed);
    }
    close(fd);
    if (closed != 1)
        abort(); /* on_closed exactly once */
    return 0;
}
