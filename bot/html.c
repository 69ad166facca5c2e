/*
 * html.c - escaping for the web console's pages.
 */
#include "html.h"

#include <string.h>

/* Returns: the length of the valid UTF-8 sequence at s, or 0. */
static size_t
html_utf8(const unsigned char *s, size_t len)
{
    size_t n;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07u;
    else
        return 0;
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

void
html_text_n(struct buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    while (i < len) {
        unsigned char c = p[i];
        const char *esc = NULL;
        size_t n = 1;

        switch (c) {
        case '&':
            esc = "&amp;";
            break;
        case '<':
            esc = "&lt;";
            break;
        case '>':
            esc = "&gt;";
            break;
        case '"':
            esc = "&quot;";
            break;
        case '\'':
            esc = "&#39;";
            break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
                esc = "";
            } else if (c >= 0x80 && (n = html_utf8(p + i, len - i)) == 0) {
                esc = "\xef\xbf\xbd"; /* U+FFFD */
                n = 1;
            }
            break;
        }
        if (esc == NULL) {
            i += n;
            run += n;
            continue;
        }
        buf_add(b, p + i - run, run);
        buf_adds(b, esc);
        run = 0;
        i += n;
    }
    buf_add(b, p + len - run, run);
}

void
html_text(struct buf *b, const char *s)
{
    if (s != NULL)
        html_text_n(b, s, strlen(s));
}

void
html_lines(struct buf *b, const char *s)
{
    while (s != NULL && *s != '\0') {
        const char *nl = strchr(s, '\n');
        size_t len = nl != NULL ? (size_t)(nl - s) : strlen(s);

        html_text_n(b, s, len);
        if (nl == NULL)
            break;
        buf_adds(b, "<br>");
        s = nl + 1;
    }
}

void
html_url(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~') {
            buf_add(b, s, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};

            buf_add(b, e, 3);
        }
    }
}
