/*
 * lang.h - the three languages reflekt speaks with leaders.
 */
#ifndef REFLEKT_LANG_H
#define REFLEKT_LANG_H

enum lang {
    LANG_NB = 0, /* Norwegian Bokmål */
    LANG_SV,     /* Swedish */
    LANG_EN,     /* English */
    LANG__COUNT
};

/* Returns: 0 and sets *out for "nb", "sv" or "en"; ERR_INVAL otherwise. */
int lang_parse(const char *code, enum lang *out);
/* Returns: "nb", "sv" or "en". */
const char *lang_code(enum lang lang);

#endif
