/*
 * fuzz-ics.c - libFuzzer target for ics_parse().
 *
 * Calendar files come from consultants' exports and from any address they
 * paste, so the parser must take any bytes: no crash, no leak, no read past
 * size, no long loop (libFuzzer's -timeout reports one), and every instance
 * and every result must keep the promises in ics.h.  A broken promise
 * aborts so libFuzzer keeps the input.
 */
#include "ics.h"

#include "err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_FROM 1767225600 /* 2026-01-01 00:00Z */
#define FUZZ_TO 1830297600   /* 2028-01-01 00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_ics_calls;

/* Returns: 1 when s (NUL-terminated within size) holds a control byte. */
static int
fuzz_ics_has_ctrl(const char *s, size_t size)
{
    for (size_t i = 0; i < size && s[i] != '\0'; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 1;
    }
    return 0;
}

static int
fuzz_ics_check(const struct ics_event *ev, void *arg)
{
    size_t n = strnlen(ev->uid, sizeof(ev->uid));

    (void)arg;
    if (n == 0 || n == sizeof(ev->uid) ||
        fuzz_ics_has_ctrl(ev->uid, sizeof(ev->uid)))
        abort();
    if (strnlen(ev->summary, sizeof(ev->summary)) == sizeof(ev->summary) ||
        fuzz_ics_has_ctrl(ev->summary, sizeof(ev->summary)))
        abort();
    if (ev->start < FUZZ_FROM || ev->start >= FUZZ_TO || ev->end < ev->start)
        abort();
    if (ev->cancelled != 0 && ev->cancelled != 1)
        abort();
    fuzz_ics_calls++;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[ERR_BUFSZ];
    int skipped = -1, rc;

    err[0] = '\0';
    fuzz_ics_calls = 0;
    rc = ics_parse((const char *)data, size, "Europe/Oslo", FUZZ_FROM, FUZZ_TO,
                   fuzz_ics_check, NULL, &skipped, err);
    if (rc >= 0) {
        if (rc != fuzz_ics_calls || rc > ICS_MAX_INSTANCES || skipped < 0 ||
            err[0] != '\0')
            abort();
    } else if (rc != ERR_INVAL || err[0] == '\0' || fuzz_ics_calls != 0 ||
               strnlen(err, sizeof(err)) == sizeof(err)) {
        abort();
    }
    return 0;
}
