/*
 * buf.c - capped growable buffer.
 */
#include "buf.h"

#include "err.h"
#include "xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->size = 0;
    b->cap = cap ? cap : BUF_DEFAULT_CAP;
}

void
buf_release(struct buf *b)
{
    free(b->data);
    buf_init(b, b->cap);
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

static int
buf_grow(struct buf *b, size_t extra)
{
    size_t need, size;

    if (extra > b->cap || b->len > b->cap - extra)
        return ERR_INVAL;
    need = b->len + extra + 1;
    if (need <= b->size)
        return 0;
    size = b->size ? b->size : 64;
    while (size < need)
        size *= 2;
    b->data = xrealloc(b->data, size);
    b->size = size;
    return 0;
}

int
buf_add(struct buf *b, const void *data, size_t len)
{
    int rc = buf_grow(b, len);

    if (rc < 0)
        return rc;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return ERR_INVAL;
    rc = buf_grow(b, (size_t)n);
    if (rc < 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *
buf_detach(struct buf *b)
{
    char *p = b->data;

    if (p == NULL)
        p = xstrdup("");
    buf_init(b, b->cap);
    return p;
}
