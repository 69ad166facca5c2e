/*
 * words.h - splitting the fake servers' command lines (test code, one
 * definition each per program).
 */
#ifndef REFLEKT_FAKE_WORDS_H
#define REFLEKT_FAKE_WORDS_H

#include <stddef.h>

/* The next space-separated word of *p (cut in place), or NULL. */
static inline char *
word(char **p)
{
    char *s = *p, *w;

    while (*s == ' ')
        s++;
    if (*s == '\0')
        return NULL;
    w = s;
    while (*s != '\0' && *s != ' ')
        s++;
    if (*s != '\0')
        *s++ = '\0';
    *p = s;
    return w;
}

/* The rest of the line, leading spaces skipped. */
static inline char *
rest(char **p)
{
    char *s = *p;

    while (*s == ' ')
        s++;
    return s;
}

#endif
