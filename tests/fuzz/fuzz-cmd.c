/*
 * fuzz-cmd.c - libFuzzer target for cmd_parse().
 *
 * Chat messages are the one input every leader controls, so the parser
 * must accept any bytes without reading past len, and whatever it returns
 * must satisfy the promises in cmd.h.  A broken promise aborts so libFuzzer
 * keeps the input.  One extra invariant: leading whitespace never changes
 * the result, because trimming happens before anything else.
 */
#include "cmd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_cmd_check(const struct cmd *c)
{
    if ((int)c->kind < CMD_NONE || c->kind > CMD_BAD)
        abort();
    if (c->lang[sizeof(c->lang) - 1] != '\0')
        abort();
    switch (c->kind) {
    case CMD_SNOOZE:
        if (c->snooze == CMD_SNOOZE_MINUTES &&
            (c->minutes < 1 || c->minutes > 7 * 24 * 60))
            abort();
        if (c->snooze == CMD_SNOOZE_WEEKDAY &&
            (c->weekday < 1 || c->weekday > 7))
            abort();
        break;
    case CMD_PAUSE:
        if (c->has_date && (c->month < 1 || c->month > 12 || c->day < 1 ||
                            c->day > 31 || c->year < 0 || c->year > 9999))
            abort();
        break;
    case CMD_LANGUAGE:
        if (strcmp(c->lang, "nb") != 0 && strcmp(c->lang, "sv") != 0 &&
            strcmp(c->lang, "en") != 0)
            abort();
        break;
    case CMD_BAD:
        if (c->bad != CMD_SNOOZE && c->bad != CMD_PAUSE &&
            c->bad != CMD_LANGUAGE)
            abort();
        break;
    case CMD_NONE:
    case CMD_HELP:
    case CMD_SKIP:
    case CMD_RESUME:
    case CMD_HISTORY:
    case CMD_RETRACT:
    case CMD_SHARE:
    default:
        break;
    }
    if (c->kind != CMD_LANGUAGE && c->lang[0] != '\0')
        abort();
    if (c->kind != CMD_BAD && c->bad != CMD_NONE)
        abort();
}

/* Field by field: memcmp would also compare padding. */
static int
fuzz_cmd_same(const struct cmd *a, const struct cmd *b)
{
    return a->kind == b->kind && a->bad == b->bad && a->snooze == b->snooze &&
           a->minutes == b->minutes && a->weekday == b->weekday &&
           a->has_date == b->has_date && a->year == b->year &&
           a->month == b->month && a->day == b->day &&
           memcmp(a->lang, b->lang, sizeof(a->lang)) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char padded[256];
    struct cmd c, p;

    cmd_parse((const char *)data, size, &c);
    fuzz_cmd_check(&c);

    if (size < sizeof(padded) - 2) {
        padded[0] = ' ';
        padded[1] = '\t';
        if (size > 0)
            memcpy(padded + 2, data, size);
        cmd_parse(padded, size + 2, &p);
        if (!fuzz_cmd_same(&c, &p))
            abort();
    }
    return 0;
}
