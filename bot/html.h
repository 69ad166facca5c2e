/*
 * html.h - writing HTML safely into a buf.
 *
 * Everything that came from a person or a platform goes through html_text
 * (element content) or html_attr (a double-quoted attribute value): & < > "
 * and ' are escaped, control characters other than tab and newline are
 * dropped, and invalid UTF-8 becomes U+FFFD, so no stored text can open a
 * tag, end an attribute or confuse the browser's decoder.
 */
#ifndef REFLEKT_HTML_H
#define REFLEKT_HTML_H

#include "buf.h"

#include <stddef.h>

/* Append s (len bytes) escaped for element content or an attribute. */
void html_text_n(struct buf *b, const char *s, size_t len);
/* The same for a NUL-terminated string (NULL appends nothing). */
void html_text(struct buf *b, const char *s);
/* Escaped, with each line break as <br>. */
void html_lines(struct buf *b, const char *s);
/* Append s percent-encoded for a URL path segment or query value. */
void html_url(struct buf *b, const char *s);

#endif
