/*
 * test-listen.c - the inbound endpoint on a real loopback socket: routes,
 * refusals with the right status, and handlers that answer only after a
 * group commit.  A client thread with blocking libcurl plays the platform
 * while the loop runs in the main thread.
 */
#include "t.h"

#include "commit.h"
#include "err.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "xmalloc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static uv_loop_t loop;
static struct listen *srv;
static struct commit *gc;
static struct store *st;
static uv_async_t stop_async;
static char dbpath[64];

struct call {
    const char *method, *path, *ctype;
    const char *body;
    size_t body_len;
    long status;
    char allow[64];
    char resp[512];
};

static size_t
on_body(char *d, size_t s, size_t n, void *arg)
{
    struct call *c = arg;
    size_t have = strlen(c->resp), add = s * n;

    if (have + add < sizeof(c->resp)) {
        memcpy(c->resp + have, d, add);
        c->resp[have + add] = '\0';
    }
    return s * n;
}

static size_t
on_header(char *d, size_t s, size_t n, void *arg)
{
    struct call *c = arg;

    if (n > 7 && strncasecmp(d, "Allow: ", 7) == 0)
        snprintf(c->allow, sizeof(c->allow), "%.*s", (int)(n - 9), d + 7);
    return s * n;
}

static void
do_call(struct call *c)
{
    CURL *e = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[128], ct[128];

    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", listen_port(srv),
             c->path);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
    if (c->body != NULL) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)c->body_len);
    }
    if (c->ctype != NULL) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", c->ctype);
        h = curl_slist_append(h, ct);
    }
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    {
        CURLcode cc = curl_easy_perform(e);

        if (cc == CURLE_OK)
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &c->status);
        else
            snprintf(c->resp, sizeof(c->resp), "curl: %s",
                     curl_easy_strerror(cc));
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
}

/* ---- server side ---- */

static void
on_echo(struct listen_req *req, void *arg)
{
    json_t *j = listen_req_json(req);
    const char *name = json_string_value(json_object_get(j, "name"));
    char out[128];

    (void)arg;
    snprintf(out, sizeof(out), "{\"hello\":\"%s\"}", name ? name : "?");
    listen_respond(req, 200, "application/json", out, strlen(out));
}

static int
work_mark(struct store *s, void *arg)
{
    struct listen_req *req = arg;
    const char *id =
        json_string_value(json_object_get(listen_req_json(req), "id"));

    if (id == NULL)
        return ERR_INVAL;
    return store_event_mark(s, id, 1);
}

static void
done_mark(int status, void *arg)
{
    struct listen_req *req = arg;

    if (status == 0)
        listen_respond(req, 200, "application/json", "{\"ok\":true}", 11);
    else if (status == ERR_EXISTS)
        listen_respond(req, 200, "application/json", "{\"dup\":true}", 12);
    else
        listen_respond(req, 400, "application/json", "{\"ok\":false}", 12);
}

/* Answers only after the event id is committed. */
static void
on_event(struct listen_req *req, void *arg)
{
    (void)arg;
    commit_add(gc, work_mark, done_mark, req);
}

static void
on_hold(struct listen_req *req, void *arg)
{
    (void)req;
    (void)arg; /* never answers: listen_close must */
}

static void
on_stop(uv_async_t *a)
{
    (void)a;
    commit_close(gc);
    listen_close(srv);
    uv_close((uv_handle_t *)&stop_async, NULL);
}

struct client {
    void (*fn)(void);
};

static void *
client_main(void *arg)
{
    struct client *c = arg;

    c->fn();
    uv_async_send(&stop_async);
    return NULL;
}

static void
serve(void (*fn)(void), const struct listen_opts *opts)
{
    char err[ERR_BUFSZ] = "";
    pthread_t th;
    struct client c = {fn};
    int fd;

    log_set_level(LOG_LEVEL_ERROR);
    xstrlcpy(dbpath, "/tmp/reflekt-listen-XXXXXX", sizeof(dbpath));
    fd = mkstemp(dbpath);
    close(fd);
    unlink(dbpath);
    T_EQ_INT(store_open(dbpath, &st, err), 0);
    uv_loop_init(&loop);
    srv = listen_new(&loop, "127.0.0.1:0", opts, err);
    T_CHECK(srv != NULL);
    T_CHECK(listen_port(srv) > 0);
    gc = commit_new(&loop, st);
    listen_route(srv, "POST", "/echo", LISTEN_JSON, on_echo, NULL);
    listen_route(srv, "POST", "/event", LISTEN_JSON, on_event, NULL);
    listen_route(srv, "POST", "/hold", 0, on_hold, NULL);
    uv_async_init(&loop, &stop_async, on_stop);
    pthread_create(&th, NULL, client_main, &c);
    uv_run(&loop, UV_RUN_DEFAULT);
    pthread_join(th, NULL);
    T_EQ_INT(uv_loop_close(&loop), 0);
}

static void
serve_done(void)
{
    char p[80];

    store_close(st);
    unlink(dbpath);
    snprintf(p, sizeof(p), "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", dbpath);
    unlink(p);
}

/* ---- cases ---- */

static struct call calls[8];

static void
client_routes(void)
{
    static const char big_json[] = "{\"name\":\"Åse\"}";

    calls[0] = (struct call){.method = "POST",
                             .path = "/echo",
                             .ctype = "application/json; charset=utf-8",
                             .body = big_json,
                             .body_len = strlen(big_json)};
    calls[1] = (struct call){.method = "GET", .path = "/echo"};
    calls[2] = (struct call){.method = "GET", .path = "/nowhere"};
    calls[3] = (struct call){.method = "POST",
                             .path = "/echo",
                             .ctype = "text/plain",
                             .body = big_json,
                             .body_len = strlen(big_json)};
    calls[4] = (struct call){.method = "POST",
                             .path = "/echo",
                             .ctype = "application/json",
                             .body = "{\"name\": ",
                             .body_len = 9};
    for (int i = 0; i < 5; i++)
        do_call(&calls[i]);
}

T_TEST(test_routes_and_refusals)
{
    memset(calls, 0, sizeof(calls));
    serve(client_routes, NULL);
    T_EQ_INT(calls[0].status, 200);
    T_EQ_STR(calls[0].resp, "{\"hello\":\"Åse\"}");
    T_EQ_INT(calls[1].status, 405);
    T_EQ_STR(calls[1].allow, "POST");
    T_EQ_INT(calls[2].status, 404);
    T_EQ_INT(calls[3].status, 415);
    T_EQ_INT(calls[4].status, 400);
    T_CONTAINS(calls[4].resp, "not valid JSON");
    serve_done();
}

static char *huge;

static void
client_big(void)
{
    calls[0] = (struct call){.method = "POST",
                             .path = "/echo",
                             .ctype = "application/json",
                             .body = huge,
                             .body_len = 2000};
    calls[1] = (struct call){.method = "POST",
                             .path = "/echo",
                             .ctype = "application/json",
                             .body = "{\"name\":\"x\"}",
                             .body_len = 12};
    do_call(&calls[0]);
    do_call(&calls[1]);
}

T_TEST(test_body_cap)
{
    struct listen_opts o = {.max_body = 1000};

    memset(calls, 0, sizeof(calls));
    huge = xmalloc(2000);
    memset(huge, ' ', 2000);
    huge[0] = '{';
    huge[1999] = '}';
    serve(client_big, &o);
    T_EQ_INT(calls[0].status, 413);
    T_EQ_INT(calls[1].status, 200); /* the server goes on */
    free(huge);
    serve_done();
}

#define NPAR 40
static long par_status[NPAR];

/* NPAR requests in flight at once, then the same ids again. */
static void
client_events(void)
{
    CURLM *m = curl_multi_init();
    CURL *e[NPAR];
    char bodies[NPAR][64], url[128];
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: application/json");
    int running;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/event", listen_port(srv));
    for (int i = 0; i < NPAR; i++) {
        snprintf(bodies[i], sizeof(bodies[i]), "{\"id\":\"ev-%d\"}", i % 30);
        e[i] = curl_easy_init();
        curl_easy_setopt(e[i], CURLOPT_URL, url);
        curl_easy_setopt(e[i], CURLOPT_POSTFIELDS, bodies[i]);
        curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e[i], CURLOPT_WRITEDATA, &calls[7]);
        curl_multi_add_handle(m, e[i]);
    }
    do {
        curl_multi_perform(m, &running);
        curl_multi_poll(m, NULL, 0, 1000, NULL);
    } while (running > 0);
    for (int i = 0; i < NPAR; i++) {
        curl_easy_getinfo(e[i], CURLINFO_RESPONSE_CODE, &par_status[i]);
        curl_multi_remove_handle(m, e[i]);
        curl_easy_cleanup(e[i]);
    }
    curl_slist_free_all(h);
    curl_multi_cleanup(m);
    calls[0] = (struct call){.method = "POST",
                             .path = "/event",
                             .ctype = "application/json",
                             .body = "{\"no_id\":1}",
                             .body_len = 11};
    do_call(&calls[0]);
}

T_TEST(test_group_commit_before_answer)
{
    memset(calls, 0, sizeof(calls));
    serve(client_events, NULL);
    for (int i = 0; i < NPAR; i++)
        T_EQ_INT(par_status[i], 200);
    T_EQ_INT(calls[0].status, 400);
    /* 30 distinct ids stored once each; the 10 repeats were duplicates. */
    {
        int dup = 0;

        for (int i = 0; i < 30; i++) {
            char id[16];

            snprintf(id, sizeof(id), "ev-%d", i);
            dup += store_event_mark(st, id, 2) == ERR_EXISTS;
        }
        T_EQ_INT(dup, 30);
    }
    serve_done();
}

static void
client_hold(void)
{
    calls[0] = (struct call){.method = "POST", .path = "/hold"};
    /* The server answers 503 when it closes; that needs the stop first. */
    uv_async_send(&stop_async);
    do_call(&calls[0]);
}

T_TEST(test_close_answers_waiting)
{
    uint64_t before = metrics.inbound[5];

    memset(calls, 0, sizeof(calls));
    serve(client_hold, NULL);
    /* Either 503 from the close, or no connection if the stop won. */
    T_CHECK(calls[0].status == 503 || calls[0].status == 0);
    T_CHECK(calls[0].status == 0 || metrics.inbound[5] == before + 1);
    serve_done();
}

static int slow_closed[2];
static int64_t capped_ms;

static int
raw_connect(void)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)listen_port(srv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * Two clients that never finish their headers fill the cap; a third waits
 * in the backlog until the idle timeout has closed them.
 */
static void
client_limits(void)
{
    static const char part[] = "POST /echo HTTP/1.1\r\nHost: x\r\n";
    int fd[2];
    char c;

    for (int i = 0; i < 2; i++) {
        fd[i] = raw_connect();
        if (fd[i] >= 0 && write(fd[i], part, sizeof(part) - 1) < 0)
            fd[i] = -1;
    }
    usleep(200000);
    calls[0] = (struct call){.method = "POST",
                             .path = "/echo",
                             .ctype = "application/json",
                             .body = "{\"name\":\"x\"}",
                             .body_len = 12};
    {
        uint64_t t0 = uv_hrtime();

        do_call(&calls[0]); /* over the cap: waits for room */
        capped_ms = (int64_t)((uv_hrtime() - t0) / 1000000);
    }
    /* The idle timeout (1 s) closes the two slow connections. */
    for (int i = 0; i < 2; i++) {
        struct timeval tv = {3, 0};

        if (fd[i] < 0)
            continue;
        setsockopt(fd[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        slow_closed[i] = read(fd[i], &c, 1) <= 0;
        close(fd[i]);
    }
    calls[1] = calls[0];
    calls[1].status = 0;
    calls[1].resp[0] = '\0';
    usleep(100000);
    do_call(&calls[1]); /* room again */
}

T_TEST(test_connection_cap_and_timeout)
{
    struct listen_opts o = {.max_conns = 2, .timeout_s = 1};

    memset(calls, 0, sizeof(calls));
    serve(client_limits, &o);
    /* Served only once the idle timeout had closed a slow connection. */
    T_EQ_INT(calls[0].status, 200);
    T_CHECK(capped_ms >= 600);
    T_CHECK(slow_closed[0]);
    T_CHECK(slow_closed[1]);
    T_EQ_INT(calls[1].status, 200);
    if (calls[1].status != 200)
        fprintf(stderr, "%s / %s\n", calls[0].resp, calls[1].resp);
    serve_done();
}

T_TEST(test_bad_address)
{
    char err[ERR_BUFSZ] = "";
    uv_loop_t l;

    uv_loop_init(&l);
    T_CHECK(listen_new(&l, "localhost", NULL, err) == NULL);
    T_CONTAINS(err, "is not HOST:PORT");
    err[0] = '\0';
    T_CHECK(listen_new(&l, "127.0.0.1:99999", NULL, err) == NULL);
    T_CONTAINS(err, "127.0.0.1:99999");
    uv_loop_close(&l);
}

int
main(void)
{
    static const struct t_case cases[] = {
        T_CASE(test_routes_and_refusals),
        T_CASE(test_body_cap),
        T_CASE(test_group_commit_before_answer),
        T_CASE(test_close_answers_waiting),
        T_CASE(test_connection_cap_and_timeout),
        T_CASE(test_bad_address),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = t_run(__FILE__, cases, sizeof(cases) / sizeof(cases[0]));
    curl_global_cleanup();
    return rc;
}
