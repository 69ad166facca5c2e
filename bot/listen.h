/*
 * listen.h - reflekt's one inbound HTTP endpoint (Slack Events and
 * interactivity, Teams activities, /healthz, /metrics).
 *
 * libmicrohttpd runs inside the libuv loop, with no thread of its own: its
 * epoll descriptor is watched by a uv_poll and its timeout kept on a
 * uv_timer.  Routes are registered by the adapters.  A handler gets the
 * whole request once its body has arrived and passed the route's checks,
 * and answers with listen_respond(), at once or later: until then the
 * connection is suspended, so a handler can commit to SQLite first.
 *
 * Refused before any handler runs, each with a log line (never the body):
 * unknown path 404, wrong method 405, body over the cap 413, a JSON route's
 * wrong content type 415, malformed JSON 400, a form route's POST that is
 * not a form 415 or holds more than LISTEN_MAX_FIELDS fields 413.  Header and
 * connection timeouts and a connection cap are libmicrohttpd's.
 */
#ifndef REFLEKT_LISTEN_H
#define REFLEKT_LISTEN_H

#include <jansson.h>
#include <stddef.h>
#include <uv.h>

struct listen;
struct listen_req;

#define LISTEN_JSON 1u   /* body must be application/json and parse */
#define LISTEN_PREFIX 2u /* path matches every path that starts with it */
#define LISTEN_FORM 4u   /* a POST body is a form (urlencoded or multipart) */
#define LISTEN_MAX_FIELDS 64

struct listen_opts {
    size_t max_body;    /* 0: 1 MiB */
    unsigned timeout_s; /* idle connection timeout; 0: 30 */
    unsigned max_conns; /* 0: 256 */
};

/*
 * Called once per request that passed the route's checks.
 * Lifetime: req is valid until listen_respond(req, ...) is called.
 */
typedef void listen_handler_cb(struct listen_req *req, void *arg);

/*
 * Listen on addr ("127.0.0.1:8080", "[::1]:8080"; port 0 picks one), or on
 * no socket at all when addr is NULL (connections then come from
 * listen_add_connection).  Returns: NULL with err filled on failure.
 */
struct listen *listen_new(uv_loop_t *loop, const char *addr,
                          const struct listen_opts *opts, char *err);
/* The bound port. */
int listen_port(const struct listen *l);
/* Register a route; method NULL accepts any.  Later routes don't replace. */
int listen_route(struct listen *l, const char *method, const char *path,
                 unsigned flags, listen_handler_cb *fn, void *arg);
/* Hand an accepted socket to the server (tests and fuzzing). */
int listen_add_connection(struct listen *l, int fd);
/*
 * Answer every request still waiting with 503, stop, and close the handles;
 * l is freed once the loop has closed them.
 */
void listen_close(struct listen *l);

const char *listen_req_method(const struct listen_req *req);
const char *listen_req_path(const struct listen_req *req);
/* Returns: the header's value (any case), or NULL. */
const char *listen_req_header(const struct listen_req *req, const char *name);
const char *listen_req_body(const struct listen_req *req, size_t *len);
/* The parsed body of a LISTEN_JSON route (borrowed), else NULL. */
json_t *listen_req_json(const struct listen_req *req);
/* A query-string argument, decoded, or NULL. */
const char *listen_req_query(const struct listen_req *req, const char *name);
/* A cookie's value, or NULL. */
const char *listen_req_cookie(const struct listen_req *req, const char *name);
/*
 * A field of a LISTEN_FORM body (urlencoded or multipart, decoded by
 * libmicrohttpd), or NULL; *len (may be NULL) is its length, since an
 * uploaded file may hold any bytes.  The first field of a name wins.
 */
const char *listen_req_form(const struct listen_req *req, const char *name,
                            size_t *len);
/* Add a header to the answer (Set-Cookie, Location, ...); before respond. */
void listen_req_add_header(struct listen_req *req, const char *name,
                           const char *value);

/* Answer req (body is copied).  After this req must not be used. */
void listen_respond(struct listen_req *req, unsigned status,
                    const char *content_type, const char *body, size_t len);

#endif
