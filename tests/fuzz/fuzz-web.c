/*
 * fuzz-web.c - the web console end to end: arbitrary bytes written into a
 * connection of reflekt's endpoint reach /console/ through libmicrohttpd's
 * form decoding, the session cookie, the CSRF check, the role table and
 * the pages, signed in as a consultant whose cookie the seeds carry.
 * Whatever arrives, no page may show another consultant's leader's answer.
 */
#include "config.h"
#include "listen.h"
#include "log.h"
#include "prompt.h"
#include "store.h"
#include "web-auth.h"
#include "web.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The cookie and CSRF token the seeds use. */
#define FUZZ_COOKIE "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuz"
#define FUZZ_SECRET "Hemmelig svar fra ola"

static uv_loop_t loop;
static struct listen *srv;
static struct store *st;
static struct config conf;
static struct prompt_set ps;
static struct web *web;

static void
setup(void)
{
    struct listen_opts o = {.max_body = 1 << 20, .timeout_s = 1};
    struct store_leader l;
    struct store_person p;
    struct store_delivery d;
    unsigned char hash[STORE_HASH_LEN];
    char err[256] = "", path[] = "/tmp/reflekt-fuzz-web-XXXXXX";
    int fd = mkstemp(path);

    log_set_level(LOG_LEVEL_ERROR);
    if (fd < 0)
        abort();
    close(fd);
    unlink(path);
    if (store_open(path, &st, err) < 0)
        abort();
    config_init(&conf);
    prompt_set_init(&ps);
    if (prompt_set_load_builtin(&ps, err) < 0)
        abort();
    for (int i = 0; i < 2; i++) {
        memset(&l, 0, sizeof(l));
        snprintf(l.handle, sizeof(l.handle), "%s", i ? "ola" : "lena");
        snprintf(l.platform, sizeof(l.platform), "console");
        snprintf(l.user_id, sizeof(l.user_id), "%s", l.handle);
        snprintf(l.consultant, sizeof(l.consultant), "%s", i ? "siv" : "kari");
        snprintf(l.manager, sizeof(l.manager), "per");
        snprintf(l.org, sizeof(l.org), "org");
        snprintf(l.lang, sizeof(l.lang), "nb");
        snprintf(l.tz, sizeof(l.tz), "Europe/Oslo");
        snprintf(l.country, sizeof(l.country), "no");
        snprintf(l.cadence, sizeof(l.cadence), "FREQ=WEEKLY;BYDAY=TU");
        snprintf(l.dtstart, sizeof(l.dtstart), "2026-01-01");
        l.work_from = 480;
        l.work_to = 1020;
        l.work_days = 0x3e;
        l.weekly_cap = 2;
        if (store_leader_add(st, &l, err) < 0)
            abort();
        memset(&d, 0, sizeof(d));
        d.engagement_id = l.id;
        snprintf(d.prompt_id, sizeof(d.prompt_id), "fuzz");
        snprintf(d.question, sizeof(d.question), "Hva lærte du?");
        snprintf(d.kind, sizeof(d.kind), "open");
        d.state = STORE_STATE_ANSWERED;
        d.due_at = d.sent_at = 1700000000;
        if (store_delivery_add(st, &d) < 0 ||
            store_response_add(st, d.id, i ? "e-ola" : "e-lena", NULL,
                               i ? FUZZ_SECRET : "svar", i ? 21 : 4,
                               1700000100) < 0)
            abort();
    }
    if (store_person_get(st, "kari", &p) < 0)
        abort();
    web_auth_hash(FUZZ_COOKIE, hash);
    if (store_web_session_add(st, hash, p.id, "csrf", 1) < 0)
        abort();
    uv_loop_init(&loop);
    srv = listen_new(&loop, NULL, &o, err);
    conf.web_idle = (int64_t)1 << 40; /* the fixed session never idles out */
    web = web_new(&loop, srv, st, &conf, &ps, NULL, NULL, NULL);
    if (srv == NULL || web == NULL)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    char buf[65536];
    size_t got = 0;

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
    for (int i = 0; i < 200; i++) {
        ssize_t n;

        uv_run(&loop, UV_RUN_NOWAIT);
        n = read(sv[1], buf + got, sizeof(buf) - 1 - got);
        if (n == 0)
            break;
        if (n > 0)
            got += (size_t)n;
        if (got == sizeof(buf) - 1)
            got = 0; /* only the role check matters: keep reading */
    }
    buf[got] = '\0';
    if (strstr(buf, FUZZ_SECRET) != NULL)
        abort(); /* kari must never see ola's answer */
    close(sv[1]);
    uv_run(&loop, UV_RUN_NOWAIT);
    return 0;
}
