/*
 * fuzz-console.c - libFuzzer target for console_codec_decode() and
 * console_codec_encode().
 *
 * Every byte of a console line comes from whoever types it, so decode must
 * accept anything without reading past len and keep the promises in
 * console-codec.h.  Whatever decodes must encode again: the handle and text
 * go back out as "to HANDLE: ...".  A broken promise aborts so libFuzzer
 * keeps the input.
 */
#include "console-codec.h"

#include "buf.h"
#include "err.h"
#include "xmalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_console_check(const struct console_line *l, const char *line, size_t size)
{
    const char *end = memchr(l->handle, '\0', sizeof(l->handle));

    if (end == NULL || end == l->handle)
        abort();
    if (l->text == NULL || l->text_len == 0 || l->text < line ||
        l->text_len > size || l->text > line + size - l->text_len)
        abort();
    if (l->action != NULL && strcmp(l->action, "skip") != 0 &&
        strcmp(l->action, "snooze") != 0)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    struct console_line l;
    char err[ERR_BUFSZ] = "";
    struct buf b;
    char *text;
    size_t hlen;
    int rc;

    rc = console_codec_decode(line, size, &l, err);
    if (rc == ERR_NOTFOUND || rc == ERR_INVAL) {
        if (rc == ERR_INVAL && err[0] == '\0')
            abort();
        return 0;
    }
    if (rc != 0)
        abort();
    fuzz_console_check(&l, line, size);

    /* Encode stops at a NUL, as every caller's C string would. */
    text = xstrndup(l.text, l.text_len);
    hlen = strlen(l.handle);
    buf_init(&b, 0);
    if (console_codec_encode(&b, l.handle, text, "Skip", "Snooze") != 0 ||
        b.len < 3 + hlen + 2 || strncmp(b.data, "to ", 3) != 0 ||
        memcmp(b.data + 3, l.handle, hlen) != 0 ||
        memcmp(b.data + 3 + hlen, ": ", 2) != 0 || b.data[b.len - 1] != '\n')
        abort();
    buf_release(&b);
    free(text);
    return 0;
}
