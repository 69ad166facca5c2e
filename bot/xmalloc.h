/*
 * xmalloc.h - allocation that never returns NULL.
 *
 * reflekt is a daemon, not a library: running out of memory is not a state
 * it can reason about, so every allocation aborts on failure.
 */
#ifndef REFLEKT_XMALLOC_H
#define REFLEKT_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns: a newly allocated printf-formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Bounded copy that always terminates dst (dstsz > 0).
 * Returns: the length of src, so a result >= dstsz means truncation.
 */
size_t xstrlcpy(char *dst, const char *src, size_t dstsz);

#endif
