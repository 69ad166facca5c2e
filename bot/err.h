/*
 * err.h - reflekt's error codes.
 *
 * Every function that can fail returns 0 or one of these negative codes.
 * Local failures (NOMEM .. NOTFOUND) are kept apart from refusals by a
 * platform (AUTH, RATELIMIT, PLATFORM) so callers can decide whether to
 * retry.  One X-macro list makes the enum, err_name() and err_str().
 */
#ifndef REFLEKT_ERR_H
#define REFLEKT_ERR_H

#define ERR_MAP(X)                                                             \
    X(NOMEM, "out of memory")                                                  \
    X(INVAL, "invalid argument")                                               \
    X(CONFIG, "configuration error")                                           \
    X(IO, "input/output error")                                                \
    X(TIMEOUT, "timed out")                                                    \
    X(DB, "database error")                                                    \
    X(NOTFOUND, "not found")                                                   \
    X(EXISTS, "already exists")                                                \
    X(DENIED, "access denied")                                                 \
    X(CANCELED, "canceled")                                                    \
    X(TOOBIG, "too large")                                                     \
    X(AUTH, "platform refused the credentials")                                \
    X(RATELIMIT, "platform rate limit")                                        \
    X(PLATFORM, "platform error")                                              \
    X(BUSY, "in use")

enum err {
    ERR_OK = 0,
#define ERR_ENUM(name, text) ERR_##name,
    ERR__FIRST = -100,
    ERR_MAP(ERR_ENUM)
#undef ERR_ENUM
};

/* Returns: a static string such as "DB" for ERR_DB, "OK" for 0. */
const char *err_name(int code);
/* Returns: a static human sentence such as "database error". */
const char *err_str(int code);

/* Size of the optional error buffer boundary functions fill. */
#define ERR_BUFSZ 256

/*
 * Fill err (ERR_BUFSZ bytes, may be NULL) with a printf-style message unless
 * it already holds one: the first error wins.
 */
void err_set(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
