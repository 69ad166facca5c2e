/*
 * fuzz-staff.c - libFuzzer target for staff_parse(), the /reflekt command
 * parser: any bytes, no read past len, and what it accepts is what it
 * promises (a valid handle, a printable rule).
 */
#include "staff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct staff_cmd c;
    char *copy = malloc(size ? size : 1);
    enum staff_verb v;

    /* An exact-size copy, so ASan sees any read past the end. */
    memcpy(copy, data, size);
    v = staff_parse(copy, size, &c);
    if (v != c.verb || strlen(c.handle) >= sizeof(c.handle))
        abort();
    if ((v == STAFF_CADENCE || v == STAFF_NUDGE) && c.handle[0] == '\0')
        abort();
    if (v != STAFF_CADENCE && c.rule[0] != '\0')
        abort();
    for (const char *p = c.rule; *p != '\0'; p++) {
        if (*p < 0x20 || *p > 0x7e)
            abort();
    }
    for (const char *p = c.handle; *p != '\0'; p++) {
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789._-",
                   *p) == NULL)
            abort();
    }
    free(copy);
    return 0;
}
