/*
 * console-codec.h - the console adapter's line format, as pure functions.
 *
 * In:  "HANDLE: text"     a message from the person with that console id
 *      "HANDLE: [skip]"   a button press (skip or snooze) on the open
 *                          question
 * Out: "to HANDLE: text"  every message reflekt sends; continuation lines
 *                          are indented by four spaces.
 */
#ifndef REFLEKT_CONSOLE_CODEC_H
#define REFLEKT_CONSOLE_CODEC_H

#include <stddef.h>

#define CONSOLE_HANDLE_MAX 64

struct console_line {
    char handle[CONSOLE_HANDLE_MAX];
    const char *text; /* points into the input line; not NUL-terminated */
    size_t text_len;
    const char *action; /* "skip" or "snooze" for a button press, or NULL */
};

/*
 * Decode one input line (without its newline).
 * Returns: 0; ERR_NOTFOUND for a blank or comment (#) line; ERR_INVAL with
 * err naming the fault for anything else.
 */
int console_codec_decode(const char *line, size_t len, struct console_line *out,
                         char *err);

struct buf;

/*
 * Append one outgoing message, with its newline, to b.
 * Returns: 0, or ERR_INVAL when b's cap is reached.
 */
int console_codec_encode(struct buf *b, const char *handle, const char *text,
                         const char *button_skip, const char *button_snooze);

#endif
