/*
 * bench-http.c - the network core's figures for BENCHMARKS.md.
 *
 *   bench-http out C N        N POSTs through bot/http.c, C in flight, to
 *                             a loopback server in a thread of this process
 *   bench-http serve PORT DB  reflekt's inbound endpoint with two routes
 *                             that parse a JSON body and make one row
 *                             durable before answering: /events by group
 *                             commit, /events-single with one commit each
 *
 * Prints one line of results per run; tests/bench/run.sh drives it.
 */
#include "commit.h"
#include "err.h"
#include "http.h"
#include "listen.h"
#include "log.h"
#include "store.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- out: outbound requests per second ---- */

static uv_loop_t loop;
static struct http *h;
static char url[64];
static int total, started, finished, failed, conc;
static const char body[] = "{\"channel\":\"D0123456\",\"text\":\"Hva har du "
                           "lagt merke til denne uka?\",\"x\":\"pad\"}";

static enum MHD_Result
srv_ok(void *cls, struct MHD_Connection *c, const char *u, const char *m,
       const char *v, const char *up, size_t *upsz, void **st)
{
    static int dummy;
    struct MHD_Response *r;
    enum MHD_Result ret;

    (void)cls;
    (void)u;
    (void)m;
    (void)v;
    (void)up;
    if (*st == NULL) {
        *st = &dummy;
        return MHD_YES;
    }
    if (*upsz > 0) {
        *upsz = 0;
        return MHD_YES;
    }
    r = MHD_create_response_from_buffer(12, (void *)"{\"ok\":true}\n",
                                        MHD_RESPMEM_PERSISTENT);
    ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static void start_one(void);

static void
on_done(const struct http_response *res, void *arg)
{
    (void)arg;
    finished++;
    if (res->err != 0 || res->status != 200)
        failed++;
    if (started < total)
        start_one();
}

static void
start_one(void)
{
    struct http_request r = {.method = "POST",
                             .url = url,
                             .body = body,
                             .body_len = sizeof(body) - 1,
                             .max_attempts = 1};

    started++;
    if (http_request(h, &r, on_done, NULL) < 0) {
        finished++;
        failed++;
    }
}

static int
bench_out(int c, int n)
{
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    uint64_t t0, t1;

    d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO, 0, NULL,
                         NULL, srv_ok, NULL, MHD_OPTION_CONNECTION_LIMIT, 1000u,
                         MHD_OPTION_END);
    if (d == NULL)
        return 1;
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/chat.postMessage",
             info->port);
    uv_loop_init(&loop);
    h = http_new(&loop);
    total = n;
    conc = c;
    t0 = uv_hrtime();
    for (int i = 0; i < c && started < total; i++)
        start_one();
    while (finished < total)
        uv_run(&loop, UV_RUN_ONCE);
    t1 = uv_hrtime();
    printf("out concurrency=%d requests=%d failed=%d seconds=%.3f "
           "req_per_s=%.0f\n",
           c, n, failed, (double)(t1 - t0) / 1e9,
           n / ((double)(t1 - t0) / 1e9));
    http_close(h);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    MHD_stop_daemon(d);
    return failed != 0;
}

/* ---- serve: durable inbound requests ---- */

static struct store *st;
static struct commit *gc;
static struct listen *srv;
static uv_signal_t sig;

static int
work_event(struct store *s, void *arg)
{
    struct listen_req *req = arg;
    const char *id =
        json_string_value(json_object_get(listen_req_json(req), "id"));

    return id != NULL ? store_event_mark(s, id, 1) : ERR_INVAL;
}

static void
done_event(int status, void *arg)
{
    if (status == 0 || status == ERR_EXISTS)
        listen_respond(arg, 200, "application/json", "{\"ok\":true}", 11);
    else
        listen_respond(arg, 400, "application/json", "{\"ok\":false}", 12);
}

static void
on_events(struct listen_req *req, void *arg)
{
    (void)arg;
    commit_add(gc, work_event, done_event, req);
}

static void
on_events_single(struct listen_req *req, void *arg)
{
    int rc;

    (void)arg;
    if ((rc = store_begin(st)) == 0) {
        rc = work_event(st, req);
        if (rc == 0)
            rc = store_commit(st);
        else
            store_rollback(st);
    }
    done_event(rc, req);
}

static void
on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    commit_close(gc);
    listen_close(srv);
    uv_close((uv_handle_t *)s, NULL);
}

static int
bench_serve(const char *port, const char *db)
{
    char err[ERR_BUFSZ] = "", addr[64];

    if (store_open(db, &st, err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    uv_loop_init(&loop);
    snprintf(addr, sizeof(addr), "127.0.0.1:%s", port);
    srv =
        listen_new(&loop, addr, &(struct listen_opts){.max_conns = 1024}, err);
    if (srv == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    gc = commit_new(&loop, st);
    listen_route(srv, "POST", "/events", LISTEN_JSON, on_events, NULL);
    listen_route(srv, "POST", "/events-single", LISTEN_JSON, on_events_single,
                 NULL);
    uv_signal_init(&loop, &sig);
    uv_signal_start(&sig, on_signal, SIGTERM);
    printf("serving on %s\n", addr);
    fflush(stdout);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    store_close(st);
    return 0;
}

int
main(int argc, char **argv)
{
    log_set_level(LOG_LEVEL_ERROR);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (argc == 4 && strcmp(argv[1], "out") == 0)
        return bench_out((int)strtol(argv[2], NULL, 10),
                         (int)strtol(argv[3], NULL, 10));
    if (argc == 4 && strcmp(argv[1], "serve") == 0)
        return bench_serve(argv[2], argv[3]);
    fprintf(stderr, "usage: bench-http out C N | serve PORT DB\n");
    return 2;
}
