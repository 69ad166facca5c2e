/*
 * lang.c - language codes.
 */
#include "lang.h"

#include "err.h"

#include <string.h>

static const char *const lang_codes[LANG__COUNT] = {"nb", "sv", "en"};

int
lang_parse(const char *code, enum lang *out)
{
    for (int i = 0; i < LANG__COUNT; i++) {
        if (strcmp(code, lang_codes[i]) == 0) {
            *out = (enum lang)i;
            return 0;
        }
    }
    return ERR_INVAL;
}

const char *
lang_code(enum lang lang)
{
    if ((int)lang < 0 || lang >= LANG__COUNT)
        return "en";
    return lang_codes[lang];
}
