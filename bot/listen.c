/*
 * listen.c - libmicrohttpd in external-epoll mode on the libuv loop.
 *
 * After every MHD_run the timer is re-armed from MHD_get_timeout (libmicro-
 * httpd's own timeouts must keep running even when no socket is ready).
 * A handler that does not answer at once leaves its connection suspended;
 * listen_respond() stores the answer, resumes the connection and runs MHD
 * again, and MHD then calls the access handler once more, which queues it.
 * The daemon is never stopped with a connection still suspended.
 */
#include "listen.h"

#include "buf.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_DEFAULT_BODY ((size_t)1 << 20)
#define LISTEN_MAX_ROUTES 32

struct listen_route {
    char *method; /* NULL: any */
    char *path;
    unsigned flags;
    listen_handler_cb *fn;
    void *arg;
};

enum listen_state {
    LISTEN_STATE_BODY = 0, /* receiving the body */
    LISTEN_STATE_WAITING,  /* handed to the handler; suspended */
    LISTEN_STATE_READY,    /* answer stored; to be queued */
    LISTEN_STATE_DONE,     /* answer queued */
};

struct listen_field {
    char *name;
    struct buf value;
};

struct listen_req {
    struct listen *l;
    struct listen_req *prev, *next; /* waiting requests */
    struct MHD_Connection *conn;
    enum listen_state state;
    const struct listen_route *route;
    char *method, *path;
    struct buf body;
    int too_big;
    json_t *json;
    unsigned status;
    char *content_type;
    char *answer;
    size_t answer_len;
    int suspended;
    struct MHD_PostProcessor *pp; /* a form being decoded */
    int form_bad;                 /* not a form, or too many fields */
    struct listen_field *fields;
    int nfields;
    char **headers; /* name, value, name, value, ... for the answer */
    int nheaders;
    uint64_t t0; /* uv_hrtime() when the request began */
};

struct listen {
    uv_loop_t *loop;
    struct MHD_Daemon *d;
    uv_poll_t poll;
    uv_timer_t timer;
    int handles;
    int closing;
    int in_run;   /* inside MHD_run: no re-entry */
    int need_run; /* a connection was resumed during MHD_run */
    int port;
    size_t max_body;
    struct listen_route routes[LISTEN_MAX_ROUTES];
    int nroutes;
    struct listen_req *waiting;
};

static void listen_kick(struct listen *l);

static void
on_handle_closed(uv_handle_t *h)
{
    struct listen *l = h->data;

    if (--l->handles > 0)
        return;
    for (int i = 0; i < l->nroutes; i++) {
        free(l->routes[i].method);
        free(l->routes[i].path);
    }
    free(l);
}

static void
on_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    listen_kick(p->data);
}

static void
on_timer(uv_timer_t *t)
{
    listen_kick(t->data);
}

static unsigned
listen_conns(struct listen *l)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

    return info != NULL ? info->num_connections : 0;
}

static void
listen_kick(struct listen *l)
{
    MHD_UNSIGNED_LONG_LONG to;

    if (l->d == NULL)
        return;
    if (l->in_run) {
        l->need_run = 1;
        return;
    }
    do {
        unsigned before = listen_conns(l);

        l->need_run = 0;
        l->in_run = 1;
        MHD_run(l->d);
        l->in_run = 0;
        /*
         * At the connection cap MHD takes its listening socket out of the
         * epoll set and puts it back only at the start of a run: when this
         * run closed connections, run again so waiting clients are taken.
         */
        if (listen_conns(l) < before)
            l->need_run = 1;
    } while (l->need_run);
    if (MHD_get_timeout(l->d, &to) == MHD_YES)
        uv_timer_start(&l->timer, on_timer, (uint64_t)to, 0);
    else
        uv_timer_stop(&l->timer);
}

static enum MHD_Result
listen_queue(struct MHD_Connection *c, unsigned status, const char *ctype,
             const char *body, size_t len, const char *allow,
             const struct listen_req *q)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    if (ctype != NULL)
        MHD_add_response_header(r, "Content-Type", ctype);
    if (allow != NULL)
        MHD_add_response_header(r, "Allow", allow);
    for (int i = 0; q != NULL && i + 1 < q->nheaders; i += 2)
        MHD_add_response_header(r, q->headers[i], q->headers[i + 1]);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    metrics_inbound((int)status);
    if (q != NULL && log_get_level() >= LOG_LEVEL_TRACE) {
        char esc[256];

        /* MHD's url is the path alone: a sign-in token in the query string
         * never reaches this line. */
        log_trace("msg=\"inbound\" method=%s path=\"%s\" status=%u us=%llu",
                  q->method, log_esc(q->path, esc, sizeof(esc)), status,
                  (unsigned long long)((uv_hrtime() - q->t0) / 1000));
    }
    return ret;
}

/* A refusal: a log line naming the reason, and a short JSON error. */
static enum MHD_Result
listen_refuse(struct listen_req *q, unsigned status, const char *reason,
              const char *allow)
{
    char body[256], esc[128];

    log_info("msg=\"inbound request refused\" status=%u method=%s "
             "path=\"%s\" reason=\"%s\"",
             status, q->method, log_esc(q->path, esc, sizeof(esc)), reason);
    snprintf(body, sizeof(body), "{\"ok\":false,\"error\":\"%s\"}\n", reason);
    q->state = LISTEN_STATE_DONE;
    return listen_queue(q->conn, status, "application/json", body, strlen(body),
                        allow, NULL);
}

static int
listen_path_is(const struct listen_route *r, const char *path)
{
    if (r->flags & LISTEN_PREFIX)
        return strncmp(r->path, path, strlen(r->path)) == 0;
    return strcmp(r->path, path) == 0;
}

static const struct listen_route *
listen_match(struct listen *l, const char *path, const char *method,
             int *path_known)
{
    *path_known = 0;
    for (int i = 0; i < l->nroutes; i++) {
        const struct listen_route *r = &l->routes[i];

        if (!listen_path_is(r, path))
            continue;
        *path_known = 1;
        if (r->method == NULL || strcmp(r->method, method) == 0)
            return r;
    }
    return NULL;
}

static int
listen_is_json(const char *ctype)
{
    static const char json[] = "application/json";
    size_t n = sizeof(json) - 1;

    if (ctype == NULL || strncasecmp(ctype, json, n) != 0)
        return 0;
    return ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ';
}

/* The body is complete: check it, then hand it to the handler. */
static enum MHD_Result
listen_dispatch(struct listen *l, struct listen_req *q)
{
    int known;
    const struct listen_route *r = listen_match(l, q->path, q->method, &known);

    if (r == NULL && !known)
        return listen_refuse(q, MHD_HTTP_NOT_FOUND, "no such path", NULL);
    if (r == NULL) {
        const char *allow = NULL;

        for (int i = 0; i < l->nroutes; i++) {
            if (listen_path_is(&l->routes[i], q->path))
                allow = l->routes[i].method;
        }
        return listen_refuse(q, MHD_HTTP_METHOD_NOT_ALLOWED,
                             "method not allowed", allow);
    }
    if (l->closing)
        return listen_refuse(q, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down",
                             NULL);
    if (q->too_big)
        return listen_refuse(q, MHD_HTTP_CONTENT_TOO_LARGE, "body too large",
                             NULL);
    if ((r->flags & LISTEN_FORM) && q->form_bad == 1)
        return listen_refuse(q, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                             "body is not a form", NULL);
    if ((r->flags & LISTEN_FORM) && q->form_bad == 2)
        return listen_refuse(q, MHD_HTTP_CONTENT_TOO_LARGE,
                             "form has too many fields", NULL);
    if (r->flags & LISTEN_JSON) {
        json_error_t jerr;
        const char *ctype = MHD_lookup_connection_value(
            q->conn, MHD_HEADER_KIND, "Content-Type");

        if (!listen_is_json(ctype))
            return listen_refuse(q, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                 "content type must be application/json", NULL);
        q->json = json_loadb(q->body.data ? q->body.data : "", q->body.len,
                             JSON_REJECT_DUPLICATES, &jerr);
        if (q->json == NULL)
            return listen_refuse(q, MHD_HTTP_BAD_REQUEST,
                                 "body is not valid JSON", NULL);
    }
    q->route = r;
    q->state = LISTEN_STATE_WAITING;
    q->next = l->waiting;
    if (l->waiting != NULL)
        l->waiting->prev = q;
    l->waiting = q;
    r->fn(q, r->arg);
    if (q->state == LISTEN_STATE_READY) {
        /* Answered at once: no need to suspend. */
        q->state = LISTEN_STATE_DONE;
        return listen_queue(q->conn, q->status, q->content_type, q->answer,
                            q->answer_len, NULL, q);
    }
    /* The handler answers later (after a commit): hold the connection. */
    q->suspended = 1;
    MHD_suspend_connection(q->conn);
    return MHD_YES;
}

/* libmicrohttpd hands over a form field, possibly in several pieces. */
static enum MHD_Result
on_form_field(void *cls, enum MHD_ValueKind kind, const char *key,
              const char *filename, const char *content_type,
              const char *transfer_encoding, const char *data, uint64_t off,
              size_t size)
{
    struct listen_req *q = cls;
    struct listen_field *f = NULL;

    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    if (key == NULL)
        return MHD_YES;
    if (off > 0 && q->nfields > 0 &&
        strcmp(q->fields[q->nfields - 1].name, key) == 0)
        f = &q->fields[q->nfields - 1];
    if (f == NULL) {
        if (q->nfields == LISTEN_MAX_FIELDS) {
            q->form_bad = 2;
            return MHD_NO;
        }
        if (q->fields == NULL)
            q->fields = xcalloc(LISTEN_MAX_FIELDS, sizeof(*q->fields));
        f = &q->fields[q->nfields++];
        f->name = xstrdup(key);
        buf_init(&f->value, q->l->max_body);
    }
    if (size > 0 && buf_add(&f->value, data, size) < 0) {
        q->too_big = 1;
        return MHD_NO;
    }
    return MHD_YES;
}

/* The first call for a request: start decoding a form route's body. */
static void
listen_form_start(struct listen *l, struct listen_req *q)
{
    int known;
    const struct listen_route *r = listen_match(l, q->path, q->method, &known);

    if (r == NULL || !(r->flags & LISTEN_FORM) ||
        strcmp(q->method, "POST") != 0)
        return;
    q->pp = MHD_create_post_processor(q->conn, 8192, on_form_field, q);
    if (q->pp == NULL)
        q->form_bad = 1;
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *c, const char *url,
          const char *method, const char *version, const char *upload,
          size_t *upload_size, void **state)
{
    struct listen *l = cls;
    struct listen_req *q = *state;
    enum MHD_Result ret;

    (void)version;
    if (q == NULL) {
        q = xcalloc(1, sizeof(*q));
        q->l = l;
        q->conn = c;
        q->method = xstrdup(method);
        q->path = xstrdup(url);
        q->t0 = uv_hrtime();
        buf_init(&q->body, l->max_body);
        *state = q;
        listen_form_start(l, q);
        return MHD_YES;
    }
    switch (q->state) {
    case LISTEN_STATE_BODY:
        if (*upload_size > 0) {
            if (!q->too_big && buf_add(&q->body, upload, *upload_size) < 0) {
                q->too_big = 1;
                buf_release(&q->body);
            }
            if (q->pp != NULL && !q->too_big && !q->form_bad &&
                MHD_post_process(q->pp, upload, *upload_size) != MHD_YES &&
                !q->too_big && !q->form_bad)
                q->form_bad = 1;
            *upload_size = 0;
            return MHD_YES;
        }
        if (q->pp != NULL) {
            MHD_destroy_post_processor(q->pp);
            q->pp = NULL;
        }
        return listen_dispatch(l, q);
    case LISTEN_STATE_READY:
        q->state = LISTEN_STATE_DONE;
        ret = listen_queue(c, q->status, q->content_type, q->answer,
                           q->answer_len, NULL, q);
        return ret;
    case LISTEN_STATE_WAITING:
    case LISTEN_STATE_DONE:
    default:
        return MHD_YES;
    }
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **state,
             enum MHD_RequestTerminationCode code)
{
    struct listen_req *q = *state;

    (void)cls;
    (void)c;
    (void)code;
    if (q == NULL)
        return;
    if (q->pp != NULL)
        MHD_destroy_post_processor(q->pp);
    for (int i = 0; i < q->nfields; i++) {
        free(q->fields[i].name);
        buf_release(&q->fields[i].value);
    }
    free(q->fields);
    for (int i = 0; i < q->nheaders; i++)
        free(q->headers[i]);
    free(q->headers);
    buf_release(&q->body);
    json_decref(q->json);
    free(q->method);
    free(q->path);
    free(q->content_type);
    free(q->answer);
    free(q);
    *state = NULL;
}

static int
listen_parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[64];
    const char *colon;
    char *end;
    long port;

    memset(ss, 0, sizeof(*ss));
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');

        if (close == NULL || close[1] != ':' ||
            (size_t)(close - addr - 1) >= sizeof(host))
            return ERR_INVAL;
        memcpy(host, addr + 1, (size_t)(close - addr - 1));
        host[close - addr - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (colon == NULL || (size_t)(colon - addr) >= sizeof(host))
            return ERR_INVAL;
        memcpy(host, addr, (size_t)(colon - addr));
        host[colon - addr] = '\0';
    }
    port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
        return ERR_INVAL;
    if (host[0] == '\0')
        snprintf(host, sizeof(host), "127.0.0.1");
    if (strchr(host, ':') != NULL) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
            return ERR_INVAL;
        *len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
            return ERR_INVAL;
        *len = sizeof(*s4);
    }
    return 0;
}

struct listen *
listen_new(uv_loop_t *loop, const char *addr, const struct listen_opts *opts,
           char *err)
{
    struct listen *l = xcalloc(1, sizeof(*l));
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    unsigned timeout = opts != NULL && opts->timeout_s ? opts->timeout_s : 30;
    unsigned conns = opts != NULL && opts->max_conns ? opts->max_conns : 256;
    const union MHD_DaemonInfo *info;

    l->loop = loop;
    l->max_body =
        opts != NULL && opts->max_body ? opts->max_body : LISTEN_DEFAULT_BODY;
    if (addr != NULL && listen_parse_addr(addr, &ss, &sslen) < 0) {
        err_set(err,
                "listen address \"%s\" is not HOST:PORT (for example "
                "127.0.0.1:8080)",
                addr);
        free(l);
        return NULL;
    }
    if (addr == NULL)
        flags |= MHD_USE_NO_LISTEN_SOCKET;
    else if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    l->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, l, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, l, MHD_OPTION_CONNECTION_TIMEOUT, timeout,
        MHD_OPTION_CONNECTION_LIMIT, conns, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)64 << 10, addr != NULL ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_END,
        &ss, MHD_OPTION_END);
    if (l->d == NULL) {
        err_set(err,
                "cannot listen on %s (in use, or not an address of this "
                "machine?)",
                addr != NULL ? addr : "(no socket)");
        free(l);
        return NULL;
    }
    info = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD);
    uv_poll_init(loop, &l->poll, info->epoll_fd);
    uv_timer_init(loop, &l->timer);
    l->poll.data = l->timer.data = l;
    l->handles = 2;
    uv_poll_start(&l->poll, UV_READABLE, on_poll);
    info = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_BIND_PORT);
    l->port = addr != NULL && info != NULL ? info->port : 0;
    listen_kick(l);
    return l;
}

int
listen_port(const struct listen *l)
{
    return l->port;
}

int
listen_route(struct listen *l, const char *method, const char *path,
             unsigned flags, listen_handler_cb *fn, void *arg)
{
    struct listen_route *r;

    if (l->nroutes == LISTEN_MAX_ROUTES || path == NULL || fn == NULL)
        return ERR_INVAL;
    r = &l->routes[l->nroutes++];
    r->method = method != NULL ? xstrdup(method) : NULL;
    r->path = xstrdup(path);
    r->flags = flags;
    r->fn = fn;
    r->arg = arg;
    return 0;
}

int
listen_add_connection(struct listen *l, int fd)
{
    struct sockaddr_in sa;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (MHD_add_connection(l->d, fd, (struct sockaddr *)&sa, sizeof(sa)) !=
        MHD_YES)
        return ERR_IO;
    listen_kick(l);
    return 0;
}

void
listen_respond(struct listen_req *q, unsigned status, const char *content_type,
               const char *body, size_t len)
{
    struct listen *l = q->l;

    if (q->state != LISTEN_STATE_WAITING)
        return;
    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        l->waiting = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
    q->status = status;
    q->content_type = content_type ? xstrdup(content_type) : NULL;
    q->answer = xstrndup(body != NULL ? body : "", len);
    q->answer_len = len;
    q->state = LISTEN_STATE_READY;
    if (!q->suspended)
        return; /* still inside the handler: dispatch queues it */
    q->suspended = 0;
    MHD_resume_connection(q->conn);
    if (!l->closing)
        listen_kick(l);
}

void
listen_close(struct listen *l)
{
    MHD_socket fd;

    if (l == NULL || l->closing)
        return;
    l->closing = 1;
    /* No new connections; requests on open ones now get 503. */
    fd = MHD_quiesce_daemon(l->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    /* Answer what waits, and let MHD send it: never stop while suspended. */
    for (int i = 0; i < 4; i++) {
        while (l->waiting != NULL)
            listen_respond(l->waiting, MHD_HTTP_SERVICE_UNAVAILABLE,
                           "application/json", "{\"ok\":false}", 12);
        MHD_run(l->d);
    }
    MHD_stop_daemon(l->d);
    l->d = NULL;
    uv_poll_stop(&l->poll);
    uv_close((uv_handle_t *)&l->poll, on_handle_closed);
    uv_close((uv_handle_t *)&l->timer, on_handle_closed);
}

const char *
listen_req_method(const struct listen_req *q)
{
    return q->method;
}

const char *
listen_req_path(const struct listen_req *q)
{
    return q->path;
}

const char *
listen_req_header(const struct listen_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

const char *
listen_req_body(const struct listen_req *q, size_t *len)
{
    *len = q->body.len;
    return q->body.data != NULL ? q->body.data : "";
}

json_t *
listen_req_json(const struct listen_req *q)
{
    return q->json;
}

const char *
listen_req_query(const struct listen_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
listen_req_cookie(const struct listen_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, name);
}

const char *
listen_req_form(const struct listen_req *q, const char *name, size_t *len)
{
    for (int i = 0; i < q->nfields; i++) {
        if (strcmp(q->fields[i].name, name) == 0) {
            if (len != NULL)
                *len = q->fields[i].value.len;
            return q->fields[i].value.data != NULL ? q->fields[i].value.data
                                                   : "";
        }
    }
    if (len != NULL)
        *len = 0;
    return NULL;
}

void
listen_req_add_header(struct listen_req *q, const char *name, const char *value)
{
    q->headers =
        xrealloc(q->headers, (size_t)(q->nheaders + 2) * sizeof(*q->headers));
    q->headers[q->nheaders++] = xstrdup(name);
    q->headers[q->nheaders++] = xstrdup(value);
}
