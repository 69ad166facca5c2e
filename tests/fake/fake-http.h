/*
 * fake-http.h - a scripted loopback HTTP server for tests.
 *
 * It listens on 127.0.0.1 on a port the kernel picks, answers in its own
 * threads (so it never shares the test's event loop), and records when each
 * request arrived.  Paths choose the behaviour:
 *
 *   /ok            200 {"ok":true}
 *   /flaky/N       500 for the first N requests, then 200
 *   /limited/S     429 with Retry-After: S for the first request, then 200
 *   /slow/MS       sleeps MS milliseconds, then 200
 *   /reset         closes the connection without an answer
 *   /bad-json      200 with a body that is not JSON
 *   /big/BYTES     200 with a body of BYTES bytes
 *   /echo          200 with the request body
 */
#ifndef REFLEKT_FAKE_HTTP_H
#define REFLEKT_FAKE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_HTTP_MAX_HITS 4096

struct fake_http;

/* Returns: a running server, or NULL. */
struct fake_http *fake_http_start(void);
/* The same over TLS with the given PEM key and certificate. */
struct fake_http *fake_http_start_tls(const char *key_pem,
                                      const char *cert_pem);
void fake_http_stop(struct fake_http *f);
/* The port it listens on. */
int fake_http_port(const struct fake_http *f);
/* How many requests for path arrived; times[] gets their arrival in ms. */
int fake_http_hits(struct fake_http *f, const char *path, int64_t *times,
                   int max);

#endif
