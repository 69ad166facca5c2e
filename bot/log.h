/*
 * log.h - one line per event on stderr, logfmt style:
 *
 *     level=info msg="prompt sent" leader=lena delivery=12
 *
 * Callers write the key=value part themselves.  Never pass answer text or
 * a secret to these functions: log lines are read by operators, and
 * reflections are confidential.
 */
#ifndef REFLEKT_LOG_H
#define REFLEKT_LOG_H

#include <stddef.h>

enum log_level {
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
    LOG_LEVEL_TRACE,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Returns: 0 and sets *out, or ERR_INVAL for an unknown name. */
int log_level_parse(const char *name, enum log_level *out);

/*
 * Copy s into out with quotes, backslashes and line breaks escaped, so it
 * can stand inside key="...".  Returns: out.
 */
const char *log_esc(const char *s, char *out, size_t outsz);

void log_at(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_at(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)
/* -vv: every HTTP exchange, in and out (paths without query strings). */
#define log_trace(...) log_at(LOG_LEVEL_TRACE, __VA_ARGS__)

#endif
