/*
 * buf.h - a growable byte buffer with a cap.
 *
 * Outside input must never make reflekt allocate without bound, so a buffer
 * refuses to grow past its cap (as curl's dynbuf does).  The contents are
 * always NUL-terminated.
 */
#ifndef REFLEKT_BUF_H
#define REFLEKT_BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t size;
    size_t cap; /* largest len allowed; 0 means BUF_DEFAULT_CAP */
};

#define BUF_DEFAULT_CAP ((size_t)64 << 20)

void buf_init(struct buf *b, size_t cap);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/* Returns: 0, or ERR_INVAL when the cap would be exceeded (b unchanged). */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_adds(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ownership: the caller takes the string; b is left empty. */
char *buf_detach(struct buf *b);

#endif
