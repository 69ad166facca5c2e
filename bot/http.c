/*
 * http.c - libcurl multi driven by libuv (the pattern of curl's
 * docs/examples/multi-uv.c).
 *
 * The socket callback only starts or stops a uv_poll per socket; the timer
 * callback only arms one uv_timer; curl_multi_socket_action runs from libuv
 * callbacks, and finished transfers are removed from the multi handle before
 * their completion is acted on, so curl is never re-entered from its own
 * callbacks.  Each request owns a uv_timer for rate-limit and backoff waits;
 * its memory is freed in that timer's close callback.
 *
 * At most HTTP_MAX_IN_FLIGHT transfers are in curl at once; the rest wait
 * their turn in a queue, in order.  Ten thousand questions due at once so
 * travel over a few dozen kept-alive connections, and a transfer's timeout
 * runs only while it is on the wire, not while it waits.
 */
#include "http.h"

#include "buf.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "xmalloc.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_DEFAULT_ATTEMPTS 5
#define HTTP_DEFAULT_CONNECT_MS 10000L
#define HTTP_DEFAULT_TIMEOUT_MS 30000L
#define HTTP_DEFAULT_MAX_RESPONSE ((size_t)4 << 20)
#define HTTP_DEFAULT_BACKOFF_MS 500L
#define HTTP_MAX_BACKOFF_MS 60000L
#define HTTP_DEFAULT_RETRY_AFTER_MS 1000
#define HTTP_MAX_HEADERS ((size_t)64 << 10)
#define HTTP_MAX_IN_FLIGHT 64

struct http_req;

struct http {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct ratelimit *rl;
    struct http_req *reqs;               /* every request not yet completed */
    struct http_req *queue, *queue_tail; /* ready, waiting for a slot */
    int in_flight;                       /* transfers in curl */
    int closing;
    int open_handles; /* uv handles still to be closed */
    uint64_t seed;
};

struct http_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    struct http *h;
};

struct http_req {
    struct http *h;
    struct http_req *prev, *next;
    CURL *easy;
    int in_multi;
    int queued;
    struct http_req *queue_next;
    char *method, *url, *bucket, *ca_file;
    int raw;
    struct curl_slist *headers;
    char *body;
    size_t body_len;
    int attempt, max_attempts;
    long connect_timeout_ms, timeout_ms, backoff_ms;
    size_t max_response;
    http_retry_cb *retry_after;
    struct buf resp, hdrs;
    int too_big;
    uv_timer_t wait;
    http_done_cb *cb;
    void *arg;
    char errbuf[CURL_ERROR_SIZE];
};

static void http_check(struct http *h);
static void http_schedule(struct http_req *q, int64_t delay_ms);
static void http_pump(struct http *h);

/* One of h's handles is closed; the last one after http_close frees h. */
static void
http_unref(struct http *h)
{
    if (--h->open_handles == 0 && h->closing) {
        curl_multi_cleanup(h->multi);
        ratelimit_free(h->rl);
        free(h);
    }
}

static void
http_timer_closed(uv_handle_t *handle)
{
    http_unref(handle->data);
}

static void
http_sock_closed(uv_handle_t *handle)
{
    struct http_sock *s = handle->data;
    struct http *h = s->h;

    free(s);
    http_unref(h);
}

static void
on_poll(uv_poll_t *p, int status, int events)
{
    struct http_sock *s = p->data;
    int flags = 0, running;

    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(s->h->multi, s->fd, flags, &running);
    http_check(s->h);
}

static void
on_curl_timer(uv_timer_t *t)
{
    struct http *h = t->data;
    int running;

    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    http_check(h);
}

/* CURLMOPT_TIMERFUNCTION: only arm or stop the one timer. */
static int
http_timer_cb(CURLM *multi, long ms, void *userp)
{
    struct http *h = userp;

    (void)multi;
    if (ms < 0)
        uv_timer_stop(&h->timer);
    else
        uv_timer_start(&h->timer, on_curl_timer, (uint64_t)ms, 0);
    return 0;
}

/* CURLMOPT_SOCKETFUNCTION: only start or stop a poll. */
static int
http_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
    struct http *h = userp;
    struct http_sock *s = sockp;
    int events = 0;

    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (s != NULL) {
            uv_poll_stop(&s->poll);
            uv_close((uv_handle_t *)&s->poll, http_sock_closed);
            curl_multi_assign(h->multi, fd, NULL);
        }
        return 0;
    }
    if (s == NULL) {
        s = xcalloc(1, sizeof(*s));
        s->fd = fd;
        s->h = h;
        if (uv_poll_init_socket(h->loop, &s->poll, fd) < 0) {
            free(s);
            return -1;
        }
        s->poll.data = s;
        h->open_handles++;
        curl_multi_assign(h->multi, fd, s);
    }
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    uv_poll_start(&s->poll, events, on_poll);
    return 0;
}

struct http *
http_new(uv_loop_t *loop)
{
    struct http *h = xcalloc(1, sizeof(*h));

    h->loop = loop;
    h->multi = curl_multi_init();
    if (h->multi == NULL) {
        free(h);
        return NULL;
    }
    h->rl = ratelimit_new();
    h->seed = uv_hrtime() | 1;
    uv_timer_init(loop, &h->timer);
    h->timer.data = h;
    h->open_handles = 1;
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 128L);
    return h;
}

struct ratelimit *
http_ratelimit(struct http *h)
{
    return h->rl;
}

static size_t
http_on_body(char *data, size_t size, size_t n, void *arg)
{
    struct http_req *q = arg;

    if (q->resp.len + n > q->max_response) {
        q->too_big = 1;
        return 0; /* curl stops the transfer with CURLE_WRITE_ERROR */
    }
    buf_add(&q->resp, data, size * n);
    return size * n;
}

static size_t
http_on_header(char *data, size_t size, size_t n, void *arg)
{
    struct http_req *q = arg;

    /* A new status line (after 100 Continue or a retry) starts afresh. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        buf_reset(&q->hdrs);
    if (buf_add(&q->hdrs, data, size * n) < 0)
        return 0;
    return size * n;
}

static int
http_submit(struct http_req *q)
{
    CURL *e = q->easy;

    if (e == NULL) {
        e = curl_easy_init();
        if (e == NULL)
            return ERR_NOMEM;
        q->easy = e;
    }
    buf_reset(&q->resp);
    buf_reset(&q->hdrs);
    q->too_big = 0;
    q->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, q->url);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q->method);
    if (strcmp(q->method, "GET") == 0)
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    else if (strcmp(q->method, "HEAD") == 0)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    if (q->body != NULL) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)q->body_len);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->headers);
    curl_easy_setopt(e, CURLOPT_PRIVATE, q);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, q->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, q->timeout_ms);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)q->max_response);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    /* TLS verification stays on (curl's default); never switched off. */
    if (q->ca_file != NULL)
        curl_easy_setopt(e, CURLOPT_CAINFO, q->ca_file);
    q->attempt++;
    if (curl_multi_add_handle(q->h->multi, e) != CURLM_OK)
        return ERR_IO;
    q->in_multi = 1;
    return 0;
}

static void
http_req_closed(uv_handle_t *handle)
{
    struct http_req *q = handle->data;
    struct http *h = q->h;

    buf_release(&q->resp);
    buf_release(&q->hdrs);
    free(q);
    http_unref(h);
}

/* Call back once, then free q. */
static void
http_finish(struct http_req *q, int err, long status, const char *why)
{
    struct http *h = q->h;
    struct http_response res;

    if (q->in_multi) {
        curl_multi_remove_handle(h->multi, q->easy);
        q->in_multi = 0;
        h->in_flight--;
    }
    if (q->queued) {
        struct http_req **pp = &h->queue;

        while (*pp != q)
            pp = &(*pp)->queue_next;
        *pp = q->queue_next;
        if (h->queue_tail == q) {
            h->queue_tail = NULL;
            for (struct http_req *t = h->queue; t != NULL; t = t->queue_next)
                h->queue_tail = t;
        }
        q->queued = 0;
    }
    uv_timer_stop(&q->wait);
    /* Unlink first: a callback may start new requests or close h. */
    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        h->reqs = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
    /* A caller that parses the body itself is spared a second parse. */
    http_response_decode(&res, err, status, q->hdrs.data, q->resp.data,
                         q->raw ? 0 : q->resp.len);
    if (q->raw) {
        res.body = q->resp.data != NULL ? q->resp.data : "";
        res.body_len = q->resp.len;
    }
    res.attempts = q->attempt;
    res.error = why;
    metrics.http_requests++;
    if (err != 0 || status >= 400)
        metrics.platform_errors++;
    q->cb(&res, q->arg);
    json_decref(res.json);
    curl_easy_cleanup(q->easy);
    curl_slist_free_all(q->headers);
    free(q->method);
    free(q->url);
    free(q->bucket);
    free(q->ca_file);
    free(q->body);
    uv_close((uv_handle_t *)&q->wait, http_req_closed);
}

static int64_t
http_backoff(struct http_req *q)
{
    struct http *h = q->h;
    int64_t d = q->backoff_ms;

    for (int i = 1; i < q->attempt && d < HTTP_MAX_BACKOFF_MS; i++)
        d *= 2;
    if (d > HTTP_MAX_BACKOFF_MS)
        d = HTTP_MAX_BACKOFF_MS;
    /* Jitter: anywhere in [d/2, d], so retrying clients spread out. */
    h->seed ^= h->seed << 13;
    h->seed ^= h->seed >> 7;
    h->seed ^= h->seed << 17;
    return d / 2 + (int64_t)(h->seed % (uint64_t)(d / 2 + 1));
}

/* -vv: one line per exchange.  The query string is left out: a Socket
 * Mode URL carries a ticket there. */
static void
http_trace(struct http_req *q, CURLcode cc, long status)
{
    char url[512], esc[1024];
    curl_off_t us = 0;

    xstrlcpy(url, q->url, sizeof(url));
    url[strcspn(url, "?#")] = '\0';
    curl_easy_getinfo(q->easy, CURLINFO_TOTAL_TIME_T, &us);
    log_trace("msg=\"outbound\" method=%s url=\"%s\" status=%ld us=%lld "
              "attempt=%d%s%s",
              q->method, log_esc(url, esc, sizeof(esc)), status, (long long)us,
              q->attempt, cc != CURLE_OK ? " error=" : "",
              cc != CURLE_OK ? curl_easy_strerror(cc) : "");
}

/* A transfer finished: retry, or complete. */
static void
http_done(struct http_req *q, CURLcode cc)
{
    struct http *h = q->h;
    long status = 0;
    int64_t wait;

    curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
    if (log_get_level() >= LOG_LEVEL_TRACE)
        http_trace(q, cc, status);
    curl_multi_remove_handle(h->multi, q->easy);
    q->in_multi = 0;
    h->in_flight--;
    if (q->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        http_finish(q, ERR_TOOBIG, status, "response too large");
        return;
    }
    if (cc == CURLE_OK && status == 429) {
        curl_off_t ra = -1;

        wait = q->retry_after != NULL
                   ? q->retry_after(status, q->resp.data ? q->resp.data : "",
                                    q->resp.len)
                   : -1;
        /* curl reports 0 when there was no Retry-After at all. */
        if (wait < 0 &&
            curl_easy_getinfo(q->easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
            ra > 0 && ra < 24 * 3600)
            wait = (int64_t)ra * 1000;
        /* Unsaid (Teams never says): back off, doubling each time. */
        if (wait < 0)
            wait =
                HTTP_DEFAULT_RETRY_AFTER_MS
                << (q->attempt > 1 ? (q->attempt < 6 ? q->attempt - 1 : 5) : 0);
        if (q->bucket != NULL)
            ratelimit_pause(h->rl, q->bucket, (int64_t)uv_now(h->loop) + wait);
        /* A 429 was refused unread, so even a call not safe to repeat may
         * go again, as often as any other. */
        if (q->attempt >= HTTP_DEFAULT_ATTEMPTS ||
            (q->attempt >= q->max_attempts && q->max_attempts > 1)) {
            http_finish(q, ERR_RATELIMIT, status, "rate limited");
            return;
        }
        log_info("msg=\"rate limited; waiting as asked\" wait_ms=%lld",
                 (long long)wait);
        metrics.retries++;
        http_schedule(q, wait);
        return;
    }
    if (cc != CURLE_OK || status >= 500) {
        int err = cc == CURLE_OPERATION_TIMEDOUT ? ERR_TIMEOUT
                  : cc != CURLE_OK               ? ERR_IO
                                                 : ERR_PLATFORM;
        const char *why =
            cc != CURLE_OK
                ? (q->errbuf[0] != '\0' ? q->errbuf : curl_easy_strerror(cc))
                : "server error";

        if (q->attempt < q->max_attempts && !h->closing) {
            wait = http_backoff(q);
            log_debug("msg=\"retrying\" attempt=%d wait_ms=%lld", q->attempt,
                      (long long)wait);
            metrics.retries++;
            http_schedule(q, wait);
            return;
        }
        http_finish(q, err, status, why);
        return;
    }
    http_finish(q, 0, status, NULL);
}

static void
http_check(struct http *h)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
        struct http_req *q = NULL;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
        if (q != NULL)
            http_done(q, m->data.result);
    }
    if (!h->closing)
        http_pump(h);
}

/* Start q's transfer now if a slot is free, else queue it. */
static int
http_start(struct http_req *q)
{
    struct http *h = q->h;
    int rc;

    if (h->in_flight >= HTTP_MAX_IN_FLIGHT) {
        q->queued = 1;
        q->queue_next = NULL;
        if (h->queue_tail != NULL)
            h->queue_tail->queue_next = q;
        else
            h->queue = q;
        h->queue_tail = q;
        return 0;
    }
    if ((rc = http_submit(q)) == 0)
        h->in_flight++;
    return rc;
}

/* Start queued transfers while slots are free. */
static void
http_pump(struct http *h)
{
    while (h->queue != NULL && h->in_flight < HTTP_MAX_IN_FLIGHT) {
        struct http_req *q = h->queue;
        int rc;

        h->queue = q->queue_next;
        if (h->queue == NULL)
            h->queue_tail = NULL;
        q->queued = 0;
        if ((rc = http_start(q)) < 0)
            http_finish(q, rc, 0, "cannot start the transfer");
    }
}

static void
on_wait(uv_timer_t *t)
{
    struct http_req *q = t->data;
    int64_t paused;
    int rc;

    /* A 429 on the bucket since this request was scheduled. */
    paused = q->bucket != NULL ? ratelimit_paused(q->h->rl, q->bucket,
                                                  (int64_t)uv_now(q->h->loop))
                               : 0;
    if (paused > 0) {
        uv_timer_start(&q->wait, on_wait, (uint64_t)paused, 0);
        return;
    }
    rc = http_start(q);
    if (rc < 0)
        http_finish(q, rc, 0, "cannot start the transfer");
}

/* Send after delay_ms and whatever the rate limit adds. */
static void
http_schedule(struct http_req *q, int64_t delay_ms)
{
    int64_t now = (int64_t)uv_now(q->h->loop);
    int64_t wait = q->bucket != NULL
                       ? ratelimit_take(q->h->rl, q->bucket, now + delay_ms)
                       : 0;

    uv_timer_start(&q->wait, on_wait, (uint64_t)(delay_ms + wait), 0);
}

int
http_request(struct http *h, const struct http_request *r, http_done_cb *cb,
             void *arg)
{
    struct http_req *q;
    char *json = NULL;

    if (h->closing || r->url == NULL || r->method == NULL || cb == NULL)
        return ERR_INVAL;
    if (r->json != NULL) {
        json = json_dumps(r->json, JSON_COMPACT);
        if (json == NULL)
            return ERR_INVAL;
    }
    q = xcalloc(1, sizeof(*q));
    q->h = h;
    q->method = xstrdup(r->method);
    q->url = xstrdup(r->url);
    q->bucket = r->bucket != NULL ? xstrdup(r->bucket) : NULL;
    q->ca_file = r->ca_file != NULL ? xstrdup(r->ca_file) : NULL;
    q->raw = r->raw;
    q->max_attempts =
        r->max_attempts > 0 ? r->max_attempts : HTTP_DEFAULT_ATTEMPTS;
    q->connect_timeout_ms = r->connect_timeout_ms > 0 ? r->connect_timeout_ms
                                                      : HTTP_DEFAULT_CONNECT_MS;
    q->timeout_ms = r->timeout_ms > 0 ? r->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
    q->backoff_ms = r->backoff_ms > 0 ? r->backoff_ms : HTTP_DEFAULT_BACKOFF_MS;
    q->max_response =
        r->max_response > 0 ? r->max_response : HTTP_DEFAULT_MAX_RESPONSE;
    q->retry_after = r->retry_after;
    buf_init(&q->resp, q->max_response);
    buf_init(&q->hdrs, HTTP_MAX_HEADERS);
    if (json != NULL) {
        q->body = xstrdup(json);
        q->body_len = strlen(json);
        q->headers =
            curl_slist_append(q->headers, "Content-Type: application/json");
        free(json);
    } else if (r->body != NULL) {
        q->body = xstrndup(r->body, r->body_len);
        q->body_len = r->body_len;
    }
    /* No "Expect: 100-continue" round trip for larger bodies. */
    q->headers = curl_slist_append(q->headers, "Expect:");
    for (size_t i = 0; r->headers != NULL && r->headers[i] != NULL; i++)
        q->headers = curl_slist_append(q->headers, r->headers[i]);
    q->cb = cb;
    q->arg = arg;
    uv_timer_init(h->loop, &q->wait);
    q->wait.data = q;
    h->open_handles++;
    q->next = h->reqs;
    if (h->reqs != NULL)
        h->reqs->prev = q;
    h->reqs = q;
    http_schedule(q, 0);
    return 0;
}

void
http_close(struct http *h)
{
    if (h == NULL || h->closing)
        return;
    h->closing = 1;
    while (h->reqs != NULL)
        http_finish(h->reqs, ERR_CANCELED, 0, "canceled");
    uv_timer_stop(&h->timer);
    uv_close((uv_handle_t *)&h->timer, http_timer_closed);
}

void
http_response_decode(struct http_response *res, int err, long status,
                     const char *headers, const char *body, size_t len)
{
    json_error_t jerr;
    char ctype[128];

    memset(res, 0, sizeof(*res));
    res->err = err;
    res->status = status;
    res->headers = headers != NULL ? headers : "";
    res->body = body != NULL ? body : "";
    res->body_len = body != NULL ? len : 0;
    /*
     * Parse what says it is JSON, or looks like it (some platforms send
     * text/plain); a body that does not parse leaves json NULL.
     */
    /* A server error's body may still say what went wrong. */
    if ((err != 0 && err != ERR_PLATFORM) || res->body_len == 0)
        return;
    if (http_header(res, "Content-Type", ctype, sizeof(ctype)) == 0 &&
        strstr(ctype, "json") == NULL && res->body[0] != '{' &&
        res->body[0] != '[')
        return;
    res->json =
        json_loadb(res->body, res->body_len, JSON_REJECT_DUPLICATES, &jerr);
}

int
http_header(const struct http_response *res, const char *name, char *out,
            size_t outsz)
{
    size_t nlen = strlen(name);
    const char *p = res->headers;

    while (p != NULL && *p != '\0') {
        const char *eol = strchr(p, '\n');
        size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);

        if (len > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
            const char *v = p + nlen + 1;
            size_t vlen = len - nlen - 1;

            while (vlen > 0 && (*v == ' ' || *v == '\t')) {
                v++;
                vlen--;
            }
            while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == ' '))
                vlen--;
            if (outsz > 0) {
                size_t n = vlen < outsz - 1 ? vlen : outsz - 1;
                memcpy(out, v, n);
                out[n] = '\0';
            }
            return 0;
        }
        p = eol != NULL ? eol + 1 : NULL;
    }
    return ERR_NOTFOUND;
}
