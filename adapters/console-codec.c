/*
 * console-codec.c - parse "HANDLE: text" lines and format "to HANDLE: ...".
 */
#include "console-codec.h"

#include "buf.h"
#include "err.h"

#include <string.h>

static int
console_handle_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
           c == '@';
}

int
console_codec_decode(const char *line, size_t len, struct console_line *out,
                     char *err)
{
    size_t i = 0, h;

    memset(out, 0, sizeof(*out));
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
                       line[len - 1] == '\t'))
        len--;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len || line[i] == '#')
        return ERR_NOTFOUND;
    h = i;
    while (i < len && console_handle_char((unsigned char)line[i]))
        i++;
    if (i == h || i >= len || line[i] != ':') {
        err_set(err, "expected \"HANDLE: text\"");
        return ERR_INVAL;
    }
    if (i - h >= CONSOLE_HANDLE_MAX) {
        err_set(err, "handle longer than %d characters",
                CONSOLE_HANDLE_MAX - 1);
        return ERR_INVAL;
    }
    memcpy(out->handle, line + h, i - h);
    out->handle[i - h] = '\0';
    i++;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len) {
        err_set(err, "empty message from \"%s\"", out->handle);
        return ERR_INVAL;
    }
    out->text = line + i;
    out->text_len = len - i;
    if (out->text_len == 6 && memcmp(out->text, "[skip]", 6) == 0)
        out->action = "skip";
    else if (out->text_len == 8 && memcmp(out->text, "[snooze]", 8) == 0)
        out->action = "snooze";
    return 0;
}

int
console_codec_encode(struct buf *b, const char *handle, const char *text,
                     const char *button_skip, const char *button_snooze)
{
    size_t len = strlen(text);
    int rc = buf_printf(b, "to %s: ", handle);

    while (len > 0 && text[len - 1] == '\n')
        len--;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        if (text[i] != '\n')
            rc = buf_add(b, text + i, 1);
        else if (i + 1 < len && text[i + 1] == '\n')
            rc = buf_adds(b, "\n"); /* a blank line stays blank */
        else
            rc = buf_adds(b, "\n    ");
    }
    if (rc == 0 && button_skip != NULL && button_snooze != NULL)
        rc = buf_printf(b, "\n    [%s] [%s]", button_skip, button_snooze);
    if (rc == 0)
        rc = buf_adds(b, "\n");
    return rc;
}
