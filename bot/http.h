/*
 * http.h - outbound HTTP(S) for the adapters: libcurl's multi interface on
 * the libuv loop, never blocking it.
 *
 * Failures are handled here once: connect and total timeouts; network
 * errors and 5xx retried with exponential backoff and jitter up to a limit;
 * 429 waits exactly the Retry-After the platform asked for (or what the
 * adapter's retry hook reads from the body) and pauses the request's rate
 * bucket meanwhile; token-bucket rate limits per bucket key.  TLS is always
 * verified; the standard proxy environment variables apply; HTTP/2 is used
 * where the server offers it and connections are reused.
 *
 * A request waiting for a retry lives only in memory: whatever must not be
 * lost is in SQLite (the delivery row) before it is sent.
 */
#ifndef REFLEKT_HTTP_H
#define REFLEKT_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct http;
struct ratelimit;

struct http_response {
    int err;          /* 0, or ERR_TIMEOUT, ERR_IO, ERR_TOOBIG, ... */
    long status;      /* HTTP status of the last attempt, 0 for none */
    const char *body; /* NUL-terminated; "" when empty */
    size_t body_len;
    json_t *json;        /* the body parsed as JSON, or NULL; borrowed */
    int attempts;        /* how many times it was sent */
    const char *error;   /* a short reason when err != 0 */
    const char *headers; /* the last response's header lines */
};

/* Callback: exactly once per http_request() that returned 0; res is
 * borrowed for the call. */
typedef void http_done_cb(const struct http_response *res, void *arg);

/*
 * A platform's own "retry after" (e.g. Matrix's retry_after_ms in a 429
 * body).  Returns: ms to wait, or -1 to use the Retry-After header.
 */
typedef int64_t http_retry_cb(long status, const char *body, size_t len);

struct http_request {
    const char *method; /* "GET", "POST", "PUT" ... */
    const char *url;
    const char *const *headers; /* "Name: value" strings, NULL-ended */
    const json_t *json;         /* body, sent as application/json */
    const char *body;           /* or a raw body (with body_len) */
    size_t body_len;
    const char *bucket;         /* rate-limit key, NULL for none */
    int max_attempts;           /* 0: 5; 1 for calls not safe to repeat
                                   (a 429, refused unread, is still waited
                                   out and sent again, up to 5 times) */
    long connect_timeout_ms;    /* 0: 10 s */
    long timeout_ms;            /* 0: 30 s */
    size_t max_response;        /* 0: 4 MiB */
    long backoff_ms;            /* first retry delay; 0: 500 ms */
    http_retry_cb *retry_after; /* NULL: the Retry-After header only */
    const char *ca_file;        /* an extra trusted CA (PEM); NULL: system */
    int raw;                    /* 1: the caller parses the body itself */
};

/* Ownership: free with http_close(), then let the loop run. */
struct http *http_new(uv_loop_t *loop);
/* The rate limiter the adapters configure (owned by h). */
struct ratelimit *http_ratelimit(struct http *h);
/*
 * Start a request; everything in r is copied.
 * Returns: 0 (cb will be called), or ERR_INVAL (cb never called).
 */
int http_request(struct http *h, const struct http_request *r, http_done_cb *cb,
                 void *arg);
/*
 * Cancel what is in flight (each callback runs with ERR_CANCELED) and close
 * the handles; h is freed once the loop has closed them.
 */
void http_close(struct http *h);

/*
 * Fill res from a finished exchange: the pure part of response handling
 * (headers, body, JSON), which the fuzzer drives.  res->json is a new
 * reference the caller releases.
 */
void http_response_decode(struct http_response *res, int err, long status,
                          const char *headers, const char *body, size_t len);

/*
 * Copy the value of header name (any case) of the last response into out.
 * Returns: 0, or ERR_NOTFOUND.
 */
int http_header(const struct http_response *res, const char *name, char *out,
                size_t outsz);

#endif
