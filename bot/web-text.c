/*
 * web-text.c - the web console's texts in Norwegian Bokmål and Swedish.
 *
 * Pages are written with their English text; web_t() finds its
 * translations here.  tests/unit/test-web.c checks that every text the
 * console's sources pass to T() has both.
 */
#include "web-int.h"

#include <string.h>

struct web_text {
    const char *en, *nb, *sv;
};

static const struct web_text web_texts[] = {
    {"My leaders", "Mine ledere", "Mina chefer"},
};

const char *
web_t(enum lang lang, const char *en)
{
    if (lang == LANG_EN)
        return en;
    for (size_t i = 0; i < sizeof(web_texts) / sizeof(web_texts[0]); i++) {
        if (strcmp(web_texts[i].en, en) == 0)
            return lang == LANG_NB ? web_texts[i].nb : web_texts[i].sv;
    }
    return en;
}

size_t
web_text_count(void)
{
    return sizeof(web_texts) / sizeof(web_texts[0]);
}

const char *
web_text_en(size_t i)
{
    return i < web_text_count() ? web_texts[i].en : NULL;
}
