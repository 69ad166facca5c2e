/*
 * test-msg.c - unit tests for bot/msg.c.
 *
 * The texts are printf formats handed to snprintf with a fixed argument
 * list, so a missing or extra %s in one language is a crash waiting for a
 * leader to pick that language.  These tests hold every entry to the
 * argument list its id documents in msg.h, and pin down how dates and
 * times are spelled.
 */
#include "msg.h"

#include "t.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The arguments each id takes, as msg.h documents them. */
static const struct {
    enum msg_id id;
    const char *name;
    int nargs;
} expect[] = {
    {MSG_HELP, "MSG_HELP", 0},
    {MSG_HELP_SHORT, "MSG_HELP_SHORT", 0},
    {MSG_THANKS, "MSG_THANKS", 0},
    {MSG_REMINDER, "MSG_REMINDER", 1},
    {MSG_SKIPPED, "MSG_SKIPPED", 1},
    {MSG_SKIPPED_NO_NEXT, "MSG_SKIPPED_NO_NEXT", 0},
    {MSG_NO_OPEN, "MSG_NO_OPEN", 0},
    {MSG_BUTTON_OLD, "MSG_BUTTON_OLD", 0},
    {MSG_SNOOZED, "MSG_SNOOZED", 1},
    {MSG_PAUSED_UNTIL, "MSG_PAUSED_UNTIL", 1},
    {MSG_PAUSED, "MSG_PAUSED", 0},
    {MSG_RESUMED, "MSG_RESUMED", 1},
    {MSG_RESUMED_NO_NEXT, "MSG_RESUMED_NO_NEXT", 0},
    {MSG_NOT_PAUSED, "MSG_NOT_PAUSED", 0},
    {MSG_HISTORY_HEAD, "MSG_HISTORY_HEAD", 0},
    {MSG_HISTORY_EMPTY, "MSG_HISTORY_EMPTY", 0},
    {MSG_LANGUAGE_SET, "MSG_LANGUAGE_SET", 0},
    {MSG_RETRACTED, "MSG_RETRACTED", 1},
    {MSG_NOTHING_TO_RETRACT, "MSG_NOTHING_TO_RETRACT", 0},
    {MSG_SHARED, "MSG_SHARED", 1},
    {MSG_NOTHING_TO_SHARE, "MSG_NOTHING_TO_SHARE", 0},
    {MSG_UNKNOWN_USER, "MSG_UNKNOWN_USER", 0},
    {MSG_BAD_SNOOZE, "MSG_BAD_SNOOZE", 0},
    {MSG_BAD_PAUSE, "MSG_BAD_PAUSE", 0},
    {MSG_PAUSE_PAST, "MSG_PAUSE_PAST", 0},
    {MSG_BAD_LANGUAGE, "MSG_BAD_LANGUAGE", 0},
    {MSG_BUTTON_SKIP, "MSG_BUTTON_SKIP", 0},
    {MSG_BUTTON_SNOOZE, "MSG_BUTTON_SNOOZE", 0},
    {MSG_ENCRYPTED, "MSG_ENCRYPTED", 0},
    {MSG_RECALL, "MSG_RECALL", 1},
    {MSG_QUOTED, "MSG_QUOTED", 1},
    {MSG_AGENDA_HEAD, "MSG_AGENDA_HEAD", 1},
    {MSG_AGENDA_ASK, "MSG_AGENDA_ASK", 0},
    {MSG_SHARED_GROUP, "MSG_SHARED_GROUP", 0},
    {MSG_SETTLED_ANSWERED, "MSG_SETTLED_ANSWERED", 0},
    {MSG_SETTLED_SKIPPED, "MSG_SETTLED_SKIPPED", 0},
    {MSG_SETTLED_SNOOZED, "MSG_SETTLED_SNOOZED", 1},
    {MSG_STAFF_HELP, "MSG_STAFF_HELP", 0},
    {MSG_STAFF_BAD, "MSG_STAFF_BAD", 0},
    {MSG_STAFF_UNKNOWN, "MSG_STAFF_UNKNOWN", 2},
    {MSG_STAFF_NOT_YOURS, "MSG_STAFF_NOT_YOURS", 1},
    {MSG_STAFF_MANAGER_ONLY, "MSG_STAFF_MANAGER_ONLY", 0},
    {MSG_STAFF_CONSULTANT_ONLY, "MSG_STAFF_CONSULTANT_ONLY", 0},
    {MSG_STAFF_CADENCE_IS, "MSG_STAFF_CADENCE_IS", 2},
    {MSG_STAFF_CADENCE_SET, "MSG_STAFF_CADENCE_SET", 3},
    {MSG_STAFF_BAD_CADENCE, "MSG_STAFF_BAD_CADENCE", 1},
    {MSG_STAFF_NUDGED, "MSG_STAFF_NUDGED", 1},
    {MSG_STAFF_STATUS_HEAD, "MSG_STAFF_STATUS_HEAD", 0},
    {MSG_STAFF_STATUS_LINE, "MSG_STAFF_STATUS_LINE", 4},
    {MSG_STAFF_NEXT, "MSG_STAFF_NEXT", 1},
    {MSG_STAFF_NO_NEXT, "MSG_STAFF_NO_NEXT", 0},
    {MSG_STAFF_PAUSED, "MSG_STAFF_PAUSED", 0},
    {MSG_STAFF_NONE, "MSG_STAFF_NONE", 0},
    {MSG_STAFF_CONSOLE, "MSG_STAFF_CONSOLE", 1},
    {MSG_STAFF_CONSOLE_OFF, "MSG_STAFF_CONSOLE_OFF", 0},
    {MSG_DIGEST_HEAD, "MSG_DIGEST_HEAD", 2},
    {MSG_DIGEST_COUNTS, "MSG_DIGEST_COUNTS", 3},
    {MSG_DIGEST_COMMITMENT, "MSG_DIGEST_COMMITMENT", 0},
    {MSG_DIGEST_FOLLOWUP, "MSG_DIGEST_FOLLOWUP", 0},
    {MSG_DIGEST_NONE, "MSG_DIGEST_NONE", 0},
    {MSG_DIGEST_MORE, "MSG_DIGEST_MORE", 1},
};

_Static_assert(sizeof(expect) / sizeof(expect[0]) == MSG__COUNT,
               "test-msg.c: expect[] needs one row per enum msg_id");

#define NEXPECT (sizeof(expect) / sizeof(expect[0]))

/*
 * Returns: the number of %s in fmt, or -1 if fmt holds any other %
 * sequence (only %s and %% are allowed).
 */
static int
count_args(const char *fmt)
{
    int n = 0;

    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == 's')
            n++;
        else if (*p != '%')
            return -1;
    }
    return n;
}

/* Returns: 1 if s is well-formed UTF-8 (no overlongs, no surrogates). */
static int
utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p != '\0') {
        unsigned int c = *p, min;
        int extra;

        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1, min = 0x80, c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2, min = 0x800, c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return 0;
            c = (c << 6) | (*p & 0x3fu);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return 0;
    }
    return 1;
}

static int
count_lines(const char *s)
{
    int n = 1;

    for (; *s != '\0'; s++)
        if (*s == '\n')
            n++;
    return n;
}

static int
count_words(const char *s)
{
    int n = 0, in = 0;

    for (; *s != '\0'; s++) {
        if (*s == ' ') {
            in = 0;
        } else if (!in) {
            in = 1;
            n++;
        }
    }
    return n;
}

static struct tm
mk_tm(int year, int mon, int mday, int wday, int hour, int min)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = mday;
    tm.tm_wday = wday;
    tm.tm_hour = hour;
    tm.tm_min = min;
    return tm;
}

T_TEST(t_expect_in_order)
{
    for (size_t i = 0; i < NEXPECT; i++)
        T_EQ_INT(expect[i].id, i);
}

T_TEST(t_all_present)
{
    for (int id = 0; id < MSG__COUNT; id++) {
        for (int l = 0; l < LANG__COUNT; l++) {
            const char *s = msg_get((enum msg_id)id, (enum lang)l);

            if (s == NULL || *s == '\0') {
                fprintf(stderr, "missing text: %s in %s\n", expect[id].name,
                        lang_code((enum lang)l));
                t_failed_now = 1;
                continue;
            }
            if (!utf8_ok(s)) {
                fprintf(stderr, "bad UTF-8: %s in %s\n", expect[id].name,
                        lang_code((enum lang)l));
                t_failed_now = 1;
            }
        }
    }
}

/*
 * msg_get() covers a hole in the nb or sv column with the English text, so a
 * missing entry shows up here as the very same pointer as the English one.
 * (No two languages share a text, so the compiler cannot merge them.)
 */
T_TEST(t_no_fallback)
{
    for (int id = 0; id < MSG__COUNT; id++) {
        const char *en = msg_get((enum msg_id)id, LANG_EN);

        for (int l = 0; l < LANG__COUNT; l++) {
            if (l == LANG_EN)
                continue;
            if (msg_get((enum msg_id)id, (enum lang)l) == en ||
                strcmp(msg_get((enum msg_id)id, (enum lang)l), en) == 0) {
                fprintf(stderr, "%s in %s is missing or English\n",
                        expect[id].name, lang_code((enum lang)l));
                t_failed_now = 1;
            }
        }
    }
}

T_TEST(t_args_match)
{
    for (size_t i = 0; i < NEXPECT; i++) {
        for (int l = 0; l < LANG__COUNT; l++) {
            const char *s = msg_get(expect[i].id, (enum lang)l);
            int n = count_args(s);

            if (n != expect[i].nargs) {
                fprintf(stderr, "%s in %s: %d %%s, want %d (-1: stray %%)\n",
                        expect[i].name, lang_code((enum lang)l), n,
                        expect[i].nargs);
                t_failed_now = 1;
            }
        }
    }
}

/*
 * Hold expect[] to the comments in msg.h, so that the header stays the one
 * place that says what each message takes.  The test runs from the top of
 * the tree (make check, or the command in HACKING.md); elsewhere it looks
 * one level up before giving up.
 */
T_TEST(t_args_match_header)
{
    static const char *const paths[] = {"bot/msg.h", "../bot/msg.h",
                                        "../../bot/msg.h"};
    int seen[NEXPECT] = {0};
    char line[512];
    FILE *f = NULL;

    for (size_t i = 0; f == NULL && i < sizeof(paths) / sizeof(paths[0]); i++)
        f = fopen(paths[i], "r");
    T_CHECK(f != NULL);
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *name = strstr(line, "MSG_");
        const char *comment = strstr(line, "/*");
        size_t len = 0;
        int n = 0;

        if (name == NULL || comment == NULL || comment < name)
            continue;
        while (name[len] == '_' || (name[len] >= 'A' && name[len] <= 'Z'))
            len++;
        for (const char *p = comment; (p = strstr(p, "%s")) != NULL; p += 2)
            n++;
        for (size_t i = 0; i < NEXPECT; i++) {
            if (strlen(expect[i].name) == len &&
                strncmp(expect[i].name, name, len) == 0) {
                seen[i] = 1;
                if (n != expect[i].nargs) {
                    fprintf(stderr, "msg.h says %s takes %d %%s, test %d\n",
                            expect[i].name, n, expect[i].nargs);
                    t_failed_now = 1;
                }
            }
        }
    }
    fclose(f);
    for (size_t i = 0; i < NEXPECT; i++) {
        if (!seen[i]) {
            fprintf(stderr, "%s not found in msg.h\n", expect[i].name);
            t_failed_now = 1;
        }
    }
}

/* Every text formats cleanly with its arguments (the sanitizers watch). */
T_TEST(t_render)
{
    char buf[2048];

    for (int id = 0; id < MSG__COUNT; id++) {
        for (int l = 0; l < LANG__COUNT; l++) {
            const char *fmt = msg_get((enum msg_id)id, (enum lang)l);
            int n = snprintf(buf, sizeof(buf), fmt, "ARG", "ARG", "ARG", "ARG");

            T_CHECK(n > 0 && (size_t)n < sizeof(buf));
            if (expect[id].nargs >= 1)
                T_CONTAINS(buf, "ARG");
        }
    }
}

T_TEST(t_quotes)
{
    static const enum msg_id quoted[] = {MSG_REMINDER, MSG_RETRACTED,
                                         MSG_SHARED};

    for (size_t i = 0; i < sizeof(quoted) / sizeof(quoted[0]); i++) {
        T_CONTAINS(msg_get(quoted[i], LANG_NB), "«%s»");
        T_CONTAINS(msg_get(quoted[i], LANG_SV), "”%s”");
        T_CONTAINS(msg_get(quoted[i], LANG_EN), "“%s”");
    }
}

T_TEST(t_help)
{
    static const char *const words[LANG__COUNT][9] = {
        [LANG_NB] = {"`hjelp`", "`hopp over`", "`utsett", "`pause",
                     "`fortsett`", "`historikk`", "`språk", "`angre`", "`del`"},
        [LANG_SV] = {"`hjälp`", "`hoppa över`", "`skjut upp", "`paus",
                     "`fortsätt`", "`historik`", "`språk", "`ångra`", "`dela`"},
        [LANG_EN] = {"`help`", "`skip`", "`snooze", "`pause", "`resume`",
                     "`history`", "`language", "`retract`", "`share`"},
    };

    for (int l = 0; l < LANG__COUNT; l++) {
        const char *s = msg_get(MSG_HELP, (enum lang)l);

        T_CHECK(count_lines(s) <= 12);
        for (size_t w = 0; w < 9; w++)
            T_CONTAINS(s, words[l][w]);
        T_CONTAINS(msg_get(MSG_HELP_SHORT, (enum lang)l), words[l][0]);
    }
}

T_TEST(t_buttons_short)
{
    for (int l = 0; l < LANG__COUNT; l++) {
        const char *skip = msg_get(MSG_BUTTON_SKIP, (enum lang)l);
        const char *snooze = msg_get(MSG_BUTTON_SNOOZE, (enum lang)l);

        T_CHECK(count_words(skip) <= 2);
        T_CHECK(count_words(snooze) <= 2);
        T_CHECK(strchr(skip, '\n') == NULL);
        T_CHECK(strchr(snooze, '\n') == NULL);
    }
}

T_TEST(t_get_out_of_range)
{
    T_CHECK(msg_get(MSG__COUNT, LANG_NB) != NULL);
    T_CHECK(msg_get((enum msg_id) - 1, LANG_NB) != NULL);
    T_EQ_STR(msg_get(MSG_THANKS, LANG__COUNT), msg_get(MSG_THANKS, LANG_EN));
    T_EQ_STR(msg_get(MSG_THANKS, (enum lang) - 1),
             msg_get(MSG_THANKS, LANG_EN));
}

T_TEST(t_when)
{
    char buf[128];
    struct tm tue = mk_tm(2026, 12, 1, 2, 9, 0);
    struct tm sun = mk_tm(2027, 5, 23, 0, 14, 5);
    struct tm sat = mk_tm(2026, 1, 31, 6, 23, 59);

    msg_when(LANG_NB, &tue, buf, sizeof(buf));
    T_EQ_STR(buf, "tirsdag 1. desember kl. 09.00");
    msg_when(LANG_SV, &tue, buf, sizeof(buf));
    T_EQ_STR(buf, "tisdag 1 december kl. 09.00");
    msg_when(LANG_EN, &tue, buf, sizeof(buf));
    T_EQ_STR(buf, "Tuesday 1 December at 09:00");

    msg_when(LANG_NB, &sun, buf, sizeof(buf));
    T_EQ_STR(buf, "søndag 23. mai kl. 14.05");
    msg_when(LANG_SV, &sun, buf, sizeof(buf));
    T_EQ_STR(buf, "söndag 23 maj kl. 14.05");
    msg_when(LANG_EN, &sun, buf, sizeof(buf));
    T_EQ_STR(buf, "Sunday 23 May at 14:05");

    msg_when(LANG_NB, &sat, buf, sizeof(buf));
    T_EQ_STR(buf, "lørdag 31. januar kl. 23.59");
    msg_when(LANG_SV, &sat, buf, sizeof(buf));
    T_EQ_STR(buf, "lördag 31 januari kl. 23.59");
    msg_when(LANG_EN, &sat, buf, sizeof(buf));
    T_EQ_STR(buf, "Saturday 31 January at 23:59");
}

T_TEST(t_date)
{
    char buf[64];
    struct tm dec = mk_tm(2026, 12, 1, 2, 0, 0);
    struct tm aug = mk_tm(2027, 8, 15, 0, 0, 0);

    msg_date(LANG_NB, &dec, buf, sizeof(buf));
    T_EQ_STR(buf, "1. desember");
    msg_date(LANG_SV, &dec, buf, sizeof(buf));
    T_EQ_STR(buf, "1 december");
    msg_date(LANG_EN, &dec, buf, sizeof(buf));
    T_EQ_STR(buf, "1 December");

    msg_date(LANG_NB, &aug, buf, sizeof(buf));
    T_EQ_STR(buf, "15. august");
    msg_date(LANG_SV, &aug, buf, sizeof(buf));
    T_EQ_STR(buf, "15 augusti");
    msg_date(LANG_EN, &aug, buf, sizeof(buf));
    T_EQ_STR(buf, "15 August");
}

/* Fields out of range give odd text but never an out-of-bounds read. */
T_TEST(t_out_of_range)
{
    static const int bad[] = {INT_MIN, -1, 7, 12, 99, INT_MAX};
    char buf[128];

    for (int l = -1; l <= LANG__COUNT; l++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            struct tm tm = mk_tm(2026, 12, 1, 2, 9, 0);

            tm.tm_wday = bad[i];
            tm.tm_mon = bad[i];
            tm.tm_mday = bad[i];
            tm.tm_hour = bad[i];
            tm.tm_min = bad[i];
            memset(buf, 'x', sizeof(buf));
            msg_when((enum lang)l, &tm, buf, sizeof(buf));
            T_CHECK(memchr(buf, '\0', sizeof(buf)) != NULL);
            memset(buf, 'x', sizeof(buf));
            msg_date((enum lang)l, &tm, buf, sizeof(buf));
            T_CHECK(memchr(buf, '\0', sizeof(buf)) != NULL);
        }
    }

    /* A weekday out of range is left out rather than guessed. */
    struct tm tm = mk_tm(2026, 12, 1, 7, 9, 0);
    msg_when(LANG_NB, &tm, buf, sizeof(buf));
    T_EQ_STR(buf, "1. desember kl. 09.00");
    tm.tm_wday = -1;
    msg_when(LANG_EN, &tm, buf, sizeof(buf));
    T_EQ_STR(buf, "1 December at 09:00");
}

T_TEST(t_small_buffers)
{
    struct tm tm = mk_tm(2026, 12, 1, 2, 9, 0);
    char buf[8];

    /* Truncated, always terminated, never written past outsz. */
    memset(buf, 'x', sizeof(buf));
    msg_when(LANG_NB, &tm, buf, 5);
    T_EQ_STR(buf, "tirs");
    T_CHECK(buf[5] == 'x');
    msg_date(LANG_EN, &tm, buf, 4);
    T_EQ_STR(buf, "1 D");
    msg_when(LANG_SV, &tm, buf, 1);
    T_EQ_STR(buf, "");

    /* outsz 0 writes nothing; a NULL tm gives an empty string. */
    buf[0] = 'x';
    msg_when(LANG_NB, &tm, buf, 0);
    msg_date(LANG_NB, &tm, buf, 0);
    T_CHECK(buf[0] == 'x');
    msg_when(LANG_NB, NULL, buf, sizeof(buf));
    T_EQ_STR(buf, "");
    msg_date(LANG_NB, NULL, buf, sizeof(buf));
    T_EQ_STR(buf, "");
}

T_MAIN(T_CASE(t_expect_in_order), T_CASE(t_all_present), T_CASE(t_no_fallback),
       T_CASE(t_args_match), T_CASE(t_args_match_header), T_CASE(t_render),
       T_CASE(t_quotes), T_CASE(t_help), T_CASE(t_buttons_short),
       T_CASE(t_get_out_of_range), T_CASE(t_when), T_CASE(t_date),
       T_CASE(t_out_of_range), T_CASE(t_small_buffers))
