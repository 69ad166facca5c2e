/*
 * err.c - names and sentences for reflekt's error codes.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

const char *
err_name(int code)
{
    switch (code) {
    case 0:
        return "OK";
#define ERR_NAME(name, text)                                                   \
    case ERR_##name:                                                           \
        return #name;
        ERR_MAP(ERR_NAME)
#undef ERR_NAME
    default:
        return "UNKNOWN";
    }
}

const char *
err_str(int code)
{
    switch (code) {
    case 0:
        return "success";
#define ERR_STR(name, text)                                                    \
    case ERR_##name:                                                           \
        return text;
        ERR_MAP(ERR_STR)
#undef ERR_STR
    default:
        return "unknown error";
    }
}

void
err_set(char *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(err, ERR_BUFSZ, fmt, ap);
    va_end(ap);
}
