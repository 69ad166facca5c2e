/*
 * fake-http.c - the scripted loopback HTTP server (libmicrohttpd, a thread
 * per connection so a slow answer does not hold up the others).
 */
#include "fake-http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fake_hit {
    char path[64];
    int64_t at;
};

struct fake_http {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t lock;
    struct fake_hit hits[FAKE_HTTP_MAX_HITS];
    int nhits;
};

struct fake_body {
    char *data;
    size_t len;
};

static int64_t
fake_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Count this request; returns how many came for path before it. */
static int
fake_record(struct fake_http *f, const char *path)
{
    int before = 0;

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->nhits; i++)
        before += strcmp(f->hits[i].path, path) == 0;
    if (f->nhits < FAKE_HTTP_MAX_HITS) {
        snprintf(f->hits[f->nhits].path, sizeof(f->hits[0].path), "%s", path);
        f->hits[f->nhits].at = fake_now_ms();
        f->nhits++;
    }
    pthread_mutex_unlock(&f->lock);
    return before;
}

static enum MHD_Result
fake_reply(struct MHD_Connection *c, unsigned status, const char *body,
           size_t len, const char *retry_after)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    MHD_add_response_header(r, "Content-Type", "application/json");
    if (retry_after != NULL)
        MHD_add_response_header(r, "Retry-After", retry_after);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
fake_handler(void *cls, struct MHD_Connection *c, const char *url,
             const char *method, const char *version, const char *upload,
             size_t *upload_size, void **state)
{
    struct fake_http *f = cls;
    struct fake_body *b = *state;
    static const char ok[] = "{\"ok\":true}";
    int n, before;

    (void)method;
    (void)version;
    if (b == NULL) {
        b = calloc(1, sizeof(*b));
        *state = b;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        b->data = realloc(b->data, b->len + *upload_size + 1);
        memcpy(b->data + b->len, upload, *upload_size);
        b->len += *upload_size;
        b->data[b->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    before = fake_record(f, url);
    if (strcmp(url, "/ok") == 0)
        return fake_reply(c, 200, ok, strlen(ok), NULL);
    if (sscanf(url, "/flaky/%d", &n) == 1) {
        if (before < n)
            return fake_reply(c, 500, "{}", 2, NULL);
        return fake_reply(c, 200, ok, strlen(ok), NULL);
    }
    if (strncmp(url, "/limited/", 9) == 0) {
        if (before == 0)
            return fake_reply(c, 429, "{}", 2, url + 9);
        return fake_reply(c, 200, ok, strlen(ok), NULL);
    }
    if (sscanf(url, "/slow/%d", &n) == 1) {
        usleep((useconds_t)n * 1000);
        return fake_reply(c, 200, ok, strlen(ok), NULL);
    }
    if (strcmp(url, "/reset") == 0)
        return MHD_NO; /* MHD drops the connection unanswered */
    if (strcmp(url, "/bad-json") == 0)
        return fake_reply(c, 200, "{\"ok\": tru", 10, NULL);
    if (sscanf(url, "/big/%d", &n) == 1) {
        char *big = malloc((size_t)n);
        enum MHD_Result ret;

        memset(big, 'x', (size_t)n);
        ret = fake_reply(c, 200, big, (size_t)n, NULL);
        free(big);
        return ret;
    }
    if (strcmp(url, "/echo") == 0)
        return fake_reply(c, 200, b->data ? b->data : "", b->len, NULL);
    return fake_reply(c, 404, "{}", 2, NULL);
}

static void
fake_done(void *cls, struct MHD_Connection *c, void **state,
          enum MHD_RequestTerminationCode code)
{
    struct fake_body *b = *state;

    (void)cls;
    (void)c;
    (void)code;
    if (b != NULL) {
        free(b->data);
        free(b);
    }
    *state = NULL;
}

struct fake_http *
fake_http_start(void)
{
    return fake_http_start_tls(NULL, NULL);
}

struct fake_http *
fake_http_start_tls(const char *key_pem, const char *cert_pem)
{
    struct fake_http *f = calloc(1, sizeof(*f));
    unsigned tls = key_pem != NULL ? MHD_USE_TLS : 0;
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    pthread_mutex_init(&f->lock, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    if (tls)
        f->d = MHD_start_daemon(
            MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                tls,
            0, NULL, NULL, fake_handler, f, MHD_OPTION_SOCK_ADDR, &sa,
            MHD_OPTION_NOTIFY_COMPLETED, fake_done, NULL,
            MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_HTTPS_MEM_CERT,
            cert_pem, MHD_OPTION_END);
    else
        f->d = MHD_start_daemon(
            MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
            NULL, NULL, fake_handler, f, MHD_OPTION_SOCK_ADDR, &sa,
            MHD_OPTION_NOTIFY_COMPLETED, fake_done, NULL, MHD_OPTION_END);
    if (f->d == NULL) {
        free(f);
        return NULL;
    }
    info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info != NULL ? info->port : 0;
    return f;
}

void
fake_http_stop(struct fake_http *f)
{
    if (f == NULL)
        return;
    MHD_stop_daemon(f->d);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

int
fake_http_port(const struct fake_http *f)
{
    return f->port;
}

int
fake_http_hits(struct fake_http *f, const char *path, int64_t *times, int max)
{
    int n = 0;

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->nhits; i++) {
        if (strcmp(f->hits[i].path, path) != 0)
            continue;
        if (times != NULL && n < max)
            times[n] = f->hits[i].at;
        n++;
    }
    pthread_mutex_unlock(&f->lock);
    return n;
}
