/*
 * test-cmd.c - chat commands in Norwegian, Swedish and English: keywords,
 * arguments, the answers that must not be mistaken for commands, and the
 * bytes that must not confuse the parser.
 */
#include "cmd.h"

#include "t.h"

#include <string.h>

/* Parse a C string; the result is a copy so checks can chain. */
static struct cmd
parse(const char *text)
{
    struct cmd c;

    cmd_parse(text, strlen(text), &c);
    return c;
}

static enum cmd_kind
kind(const char *text)
{
    return parse(text).kind;
}

/* The command whose argument was refused, or CMD_NONE if not CMD_BAD. */
static enum cmd_kind
bad(const char *text)
{
    struct cmd c = parse(text);

    return c.kind == CMD_BAD ? c.bad : CMD_NONE;
}

static int
snooze_minutes(const char *text)
{
    struct cmd c = parse(text);

    if (c.kind != CMD_SNOOZE || c.snooze != CMD_SNOOZE_MINUTES)
        return -1;
    return c.minutes;
}

static int
snooze_weekday(const char *text)
{
    struct cmd c = parse(text);

    if (c.kind != CMD_SNOOZE || c.snooze != CMD_SNOOZE_WEEKDAY)
        return -1;
    return c.weekday;
}

/* A pause date as "Y-M-D" ("0-12-1" without a year), "" with none. */
static const char *
pause_date(const char *text, char *buf, size_t size)
{
    struct cmd c = parse(text);

    if (c.kind != CMD_PAUSE)
        return "(not pause)";
    if (!c.has_date)
        return "";
    snprintf(buf, size, "%d-%d-%d", c.year, c.month, c.day);
    return buf;
}

T_TEST(test_help)
{
    T_EQ_INT(kind("help"), CMD_HELP);
    T_EQ_INT(kind("hjelp"), CMD_HELP);
    T_EQ_INT(kind("hjälp"), CMD_HELP);
    T_EQ_INT(kind("HJÄLP"), CMD_HELP);
    T_EQ_INT(kind("?"), CMD_HELP);
    T_EQ_INT(kind("Kommandoer"), CMD_HELP);
    T_EQ_INT(kind("kommandon"), CMD_HELP);
    T_EQ_INT(kind("/help"), CMD_HELP);
    T_EQ_INT(kind("!hjelp"), CMD_HELP);
    T_EQ_INT(kind("help me think about this"), CMD_NONE);
    T_EQ_INT(kind("??"), CMD_NONE);
}

T_TEST(test_skip)
{
    T_EQ_INT(kind("skip"), CMD_SKIP);
    T_EQ_INT(kind("Skip!"), CMD_SKIP);
    T_EQ_INT(kind("SKIP."), CMD_SKIP);
    T_EQ_INT(kind("skip ..."), CMD_SKIP);
    T_EQ_INT(kind("hopp over"), CMD_SKIP);
    T_EQ_INT(kind("Hopp  Over"), CMD_SKIP);
    T_EQ_INT(kind("hopp"), CMD_SKIP);
    T_EQ_INT(kind("hoppa över"), CMD_SKIP);
    T_EQ_INT(kind("HOPPA ÖVER"), CMD_SKIP);
    T_EQ_INT(kind("hoppa"), CMD_SKIP);
    T_EQ_INT(kind("/skip"), CMD_SKIP);
    T_EQ_INT(kind("  \t skip \r\n"), CMD_SKIP);
    T_EQ_INT(kind("\xc2\xa0skip\xc2\xa0"), CMD_SKIP);
    T_EQ_INT(kind("neste"), CMD_NONE);
    T_EQ_INT(kind("skipping"), CMD_NONE);
}

T_TEST(test_answers_are_not_commands)
{
    T_EQ_INT(kind("skip this one because I was ill"), CMD_NONE);
    T_EQ_INT(kind("Hopp over den, jeg var syk"), CMD_NONE);
    T_EQ_INT(kind("Del av teamet mitt trenger mer tid"), CMD_NONE);
    T_EQ_INT(kind("history matters to me"), CMD_NONE);
    T_EQ_INT(kind("Fortsätt så, tycker jag"), CMD_NONE);
    T_EQ_INT(kind("angre ingenting"), CMD_NONE);
    /* A long "argument" is prose, not a botched command. */
    T_EQ_INT(kind("Pause og refleksjon har hjulpet meg mye"), CMD_NONE);
    T_EQ_INT(kind("Senere i uka skal jeg ta en prat med teamet"), CMD_NONE);
    T_EQ_INT(kind("Språk er viktig i teamet mitt"), CMD_NONE);
    T_EQ_INT(kind("I would skip"), CMD_NONE);
    T_EQ_INT(kind(""), CMD_NONE);
    T_EQ_INT(kind("   "), CMD_NONE);
    T_EQ_INT(kind("/"), CMD_NONE);
    T_EQ_INT(kind("!!!"), CMD_NONE);
    T_EQ_INT(kind("//skip"), CMD_NONE);
}

T_TEST(test_resume_history_retract_share)
{
    T_EQ_INT(kind("resume"), CMD_RESUME);
    T_EQ_INT(kind("fortsett"), CMD_RESUME);
    T_EQ_INT(kind("Gjenoppta"), CMD_RESUME);
    T_EQ_INT(kind("fortsätt"), CMD_RESUME);
    T_EQ_INT(kind("ÅTERUPPTA"), CMD_RESUME);
    T_EQ_INT(kind("history"), CMD_HISTORY);
    T_EQ_INT(kind("historikk"), CMD_HISTORY);
    T_EQ_INT(kind("historik"), CMD_HISTORY);
    T_EQ_INT(kind("Mine svar"), CMD_HISTORY);
    T_EQ_INT(kind("mina svar"), CMD_HISTORY);
    T_EQ_INT(kind("My answers"), CMD_HISTORY);
    T_EQ_INT(kind("retract"), CMD_RETRACT);
    T_EQ_INT(kind("trekk tilbake"), CMD_RETRACT);
    T_EQ_INT(kind("angre"), CMD_RETRACT);
    T_EQ_INT(kind("Ångra"), CMD_RETRACT);
    T_EQ_INT(kind("dra tillbaka"), CMD_RETRACT);
    T_EQ_INT(kind("undo"), CMD_RETRACT);
    T_EQ_INT(kind("share"), CMD_SHARE);
    T_EQ_INT(kind("del"), CMD_SHARE);
    T_EQ_INT(kind("Dela!"), CMD_SHARE);
}

T_TEST(test_snooze_keywords)
{
    struct cmd c = parse("snooze");

    T_EQ_INT(c.kind, CMD_SNOOZE);
    T_EQ_INT(c.snooze, CMD_SNOOZE_DEFAULT);
    T_EQ_INT(parse("utsett").snooze, CMD_SNOOZE_DEFAULT);
    T_EQ_INT(kind("utsett"), CMD_SNOOZE);
    T_EQ_INT(kind("Senere"), CMD_SNOOZE);
    T_EQ_INT(kind("skjut upp"), CMD_SNOOZE);
    T_EQ_INT(kind("senare"), CMD_SNOOZE);
    T_EQ_INT(kind("Later!"), CMD_SNOOZE);
}

T_TEST(test_snooze_durations)
{
    T_EQ_INT(snooze_minutes("snooze 1h"), 60);
    T_EQ_INT(snooze_minutes("snooze 2h"), 120);
    T_EQ_INT(snooze_minutes("snooze 30m"), 30);
    T_EQ_INT(snooze_minutes("snooze 90min"), 90);
    T_EQ_INT(snooze_minutes("snooze 1 h"), 60);
    T_EQ_INT(snooze_minutes("snooze 1 hour"), 60);
    T_EQ_INT(snooze_minutes("snooze 2 hours"), 120);
    T_EQ_INT(snooze_minutes("utsett 1t"), 60);
    T_EQ_INT(snooze_minutes("utsett 1 time"), 60);
    T_EQ_INT(snooze_minutes("utsett 2 timer"), 120);
    T_EQ_INT(snooze_minutes("skjut upp 1 timme"), 60);
    T_EQ_INT(snooze_minutes("senare 2 timmar"), 120);
    T_EQ_INT(snooze_minutes("snooze 30 min"), 30);
    T_EQ_INT(snooze_minutes("snooze 30 minutes"), 30);
    T_EQ_INT(snooze_minutes("utsett 30 minutter"), 30);
    T_EQ_INT(snooze_minutes("skjut upp 30 minuter"), 30);
    T_EQ_INT(snooze_minutes("utsett 1 dag"), 1440);
    T_EQ_INT(snooze_minutes("utsett 2 dager"), 2880);
    T_EQ_INT(snooze_minutes("skjut upp 1 dygn"), 1440);
    T_EQ_INT(snooze_minutes("snooze 1 day"), 1440);
    T_EQ_INT(snooze_minutes("snooze 2 days"), 2880);
    T_EQ_INT(snooze_minutes("snooze in 2 hours"), 120);
    T_EQ_INT(snooze_minutes("utsett om 2 timer"), 120);
    T_EQ_INT(snooze_minutes("Skjut upp om 45 minuter."), 45);
    T_EQ_INT(snooze_minutes("SNOOZE 2H"), 120);
    /* Beyond the minimum: "for", "i" and the Swedish plural "dagar". */
    T_EQ_INT(snooze_minutes("snooze for 1h"), 60);
    T_EQ_INT(snooze_minutes("utsett i 2 timer"), 120);
    T_EQ_INT(snooze_minutes("skjut upp 2 dagar"), 2880);
    /* The limits: one minute and seven days. */
    T_EQ_INT(snooze_minutes("snooze 1m"), 1);
    T_EQ_INT(snooze_minutes("snooze 7 days"), 7 * 24 * 60);
    T_EQ_INT(snooze_minutes("snooze 10080 min"), 10080);
}

T_TEST(test_snooze_tomorrow_weekday)
{
    T_EQ_INT(parse("snooze tomorrow").snooze, CMD_SNOOZE_TOMORROW);
    T_EQ_INT(parse("utsett i morgen").snooze, CMD_SNOOZE_TOMORROW);
    T_EQ_INT(parse("UTSETT I MORGEN").snooze, CMD_SNOOZE_TOMORROW);
    T_EQ_INT(parse("utsett imorgen").snooze, CMD_SNOOZE_TOMORROW);
    T_EQ_INT(parse("skjut upp i morgon").snooze, CMD_SNOOZE_TOMORROW);
    T_EQ_INT(parse("senare imorgon").snooze, CMD_SNOOZE_TOMORROW);
    T_EQ_INT(parse("snooze until tomorrow").snooze, CMD_SNOOZE_TOMORROW);
    T_EQ_INT(kind("utsett i morgen"), CMD_SNOOZE);
    T_EQ_INT(snooze_weekday("Skjut upp måndag"), 1);
    T_EQ_INT(snooze_weekday("utsett til mandag"), 1);
    T_EQ_INT(snooze_weekday("snooze until tuesday"), 2);
    T_EQ_INT(snooze_weekday("utsett tirsdag"), 2);
    T_EQ_INT(snooze_weekday("skjut upp till tisdag"), 2);
    T_EQ_INT(snooze_weekday("snooze wed"), 3);
    T_EQ_INT(snooze_weekday("utsett onsdag"), 3);
    T_EQ_INT(snooze_weekday("snooze on thursday"), 4);
    T_EQ_INT(snooze_weekday("utsett på torsdag"), 4);
    T_EQ_INT(snooze_weekday("senere fredag"), 5);
    T_EQ_INT(snooze_weekday("snooze fri"), 5);
    T_EQ_INT(snooze_weekday("utsett LØRDAG"), 6);
    T_EQ_INT(snooze_weekday("skjut upp lördag"), 6);
    T_EQ_INT(snooze_weekday("snooze sat"), 6);
    T_EQ_INT(snooze_weekday("utsett søndag"), 7);
    T_EQ_INT(snooze_weekday("skjut upp SÖNDAG"), 7);
    T_EQ_INT(snooze_weekday("snooze sun"), 7);
}

T_TEST(test_snooze_bad)
{
    struct cmd c;

    T_EQ_INT(bad("snooze 0m"), CMD_SNOOZE);
    T_EQ_INT(bad("snooze 8 days"), CMD_SNOOZE);
    T_EQ_INT(bad("snooze 10081 min"), CMD_SNOOZE);
    T_EQ_INT(bad("snooze 99999999999 h"), CMD_SNOOZE);
    T_EQ_INT(bad("utsett lenge"), CMD_SNOOZE);
    T_EQ_INT(bad("snooze 2"), CMD_SNOOZE);
    T_EQ_INT(bad("snooze h"), CMD_SNOOZE);
    T_EQ_INT(bad("snooze -1h"), CMD_SNOOZE);
    T_EQ_INT(bad("snooze 2 weeks"), CMD_SNOOZE);
    T_EQ_INT(bad("snooze in"), CMD_SNOOZE);
    T_EQ_INT(bad("utsett om fredag"), CMD_SNOOZE);
    T_EQ_INT(bad("utsett til 2 timer"), CMD_SNOOZE);
    T_EQ_INT(bad("snooze 1.5h"), CMD_SNOOZE);

    /* A refused argument leaves no half-parsed fields behind. */
    c = parse("snooze 8 days");
    T_EQ_INT(c.kind, CMD_BAD);
    T_EQ_INT(c.minutes, 0);
    T_EQ_INT(c.snooze, CMD_SNOOZE_DEFAULT);
}

T_TEST(test_pause)
{
    char buf[64];
    struct cmd c = parse("pause");

    T_EQ_INT(c.kind, CMD_PAUSE);
    T_EQ_INT(c.has_date, 0);
    T_EQ_INT(kind("paus"), CMD_PAUSE);
    T_EQ_STR(pause_date("Paus!", buf, sizeof(buf)), "");
    T_EQ_STR(pause_date("pause 2026-12-01", buf, sizeof(buf)), "2026-12-1");
    T_EQ_STR(pause_date("pause 1.12.2026", buf, sizeof(buf)), "2026-12-1");
    T_EQ_STR(pause_date("pause 01.12.26", buf, sizeof(buf)), "2026-12-1");
    T_EQ_STR(pause_date("pause 1.12.", buf, sizeof(buf)), "0-12-1");
    T_EQ_STR(pause_date("pause 1.12", buf, sizeof(buf)), "0-12-1");
    T_EQ_STR(pause_date("pause 1/12", buf, sizeof(buf)), "0-12-1");
    T_EQ_STR(pause_date("pause 1/12/2026", buf, sizeof(buf)), "2026-12-1");
    T_EQ_STR(pause_date("pause til 15.8.", buf, sizeof(buf)), "0-8-15");
    T_EQ_STR(pause_date("paus till 3/1", buf, sizeof(buf)), "0-1-3");
    T_EQ_STR(pause_date("pause until 2027-01-04", buf, sizeof(buf)),
             "2027-1-4");
    T_EQ_STR(pause_date("pause to 31.12", buf, sizeof(buf)), "0-12-31");
    T_EQ_STR(pause_date("PAUSE FRAM TIL 1.12.2026.", buf, sizeof(buf)),
             "2026-12-1");
    T_EQ_STR(pause_date("paus tills 30.6", buf, sizeof(buf)), "0-6-30");

    c = parse("pause 24.12.2026");
    T_EQ_INT(c.has_date, 1);
    T_EQ_INT(c.year, 2026);
    T_EQ_INT(c.month, 12);
    T_EQ_INT(c.day, 24);
}

T_TEST(test_pause_leap_years)
{
    char buf[64];

    T_EQ_STR(pause_date("pause 29.2.2028", buf, sizeof(buf)), "2028-2-29");
    T_EQ_STR(pause_date("pause 2000-02-29", buf, sizeof(buf)), "2000-2-29");
    /* Without a year the next 29 February may be years away, but exists. */
    T_EQ_STR(pause_date("pause 29.2", buf, sizeof(buf)), "0-2-29");
    T_EQ_INT(bad("pause 29.2.2027"), CMD_PAUSE);
    T_EQ_INT(bad("pause 2100-02-29"), CMD_PAUSE);
    T_EQ_INT(bad("pause 30.2"), CMD_PAUSE);
}

T_TEST(test_pause_bad)
{
    struct cmd c;

    T_EQ_INT(bad("pause 31.11.2026"), CMD_PAUSE);
    T_EQ_INT(bad("pause 31.4"), CMD_PAUSE);
    T_EQ_INT(bad("pause 0.12"), CMD_PAUSE);
    T_EQ_INT(bad("pause 1.13"), CMD_PAUSE);
    T_EQ_INT(bad("pause 1.0"), CMD_PAUSE);
    T_EQ_INT(bad("pause 32/1"), CMD_PAUSE);
    T_EQ_INT(bad("pause 2026-13-01"), CMD_PAUSE);
    T_EQ_INT(bad("pause 26-12-01"), CMD_PAUSE);
    T_EQ_INT(bad("pause 1.12.202"), CMD_PAUSE);
    T_EQ_INT(bad("pause 1.12.0000"), CMD_PAUSE);
    T_EQ_INT(bad("pause 1/12.2026"), CMD_PAUSE);
    T_EQ_INT(bad("pause 123.1"), CMD_PAUSE);
    T_EQ_INT(bad("pause desember"), CMD_PAUSE);
    T_EQ_INT(bad("pause til"), CMD_PAUSE);
    T_EQ_INT(bad("pause 2 uker"), CMD_PAUSE);
    T_EQ_INT(bad("paus 1.12 2026"), CMD_PAUSE);

    c = parse("pause 31.11.2026");
    T_EQ_INT(c.has_date, 0);
    T_EQ_INT(c.month, 0);
}

T_TEST(test_language)
{
    struct cmd c = parse("Språk SV");

    T_EQ_INT(c.kind, CMD_LANGUAGE);
    T_EQ_STR(c.lang, "sv");
    T_EQ_STR(parse("språk norsk").lang, "nb");
    T_EQ_STR(parse("språk bokmål").lang, "nb");
    T_EQ_STR(parse("SPRÅK BOKMÅL").lang, "nb");
    T_EQ_STR(parse("language no").lang, "nb");
    T_EQ_STR(parse("language norwegian").lang, "nb");
    T_EQ_STR(parse("lang nb").lang, "nb");
    T_EQ_STR(parse("språk svenska").lang, "sv");
    T_EQ_STR(parse("sprog svensk").lang, "sv");
    T_EQ_STR(parse("language se").lang, "sv");
    T_EQ_STR(parse("language Swedish").lang, "sv");
    T_EQ_STR(parse("language en").lang, "en");
    T_EQ_STR(parse("/language English").lang, "en");
    T_EQ_STR(parse("språk engelsk").lang, "en");
    T_EQ_STR(parse("språk engelska!").lang, "en");
    /* Only a language command carries a code. */
    T_EQ_STR(parse("skip").lang, "");
}

T_TEST(test_language_bad)
{
    struct cmd c = parse("språk");

    T_EQ_INT(c.kind, CMD_BAD);
    T_EQ_INT(c.bad, CMD_LANGUAGE);
    T_EQ_STR(c.lang, "");
    T_EQ_INT(bad("language"), CMD_LANGUAGE);
    T_EQ_INT(bad("språk fransk"), CMD_LANGUAGE);
    T_EQ_INT(bad("language de"), CMD_LANGUAGE);
    T_EQ_INT(bad("språk sv en"), CMD_LANGUAGE);
    T_EQ_INT(bad("lang n"), CMD_LANGUAGE);
}

T_TEST(test_bytes)
{
    struct cmd c;

    /* Invalid UTF-8 anywhere is not a command. */
    T_EQ_INT(kind("sk\xffip"), CMD_NONE);
    T_EQ_INT(kind("skip \xff"), CMD_NONE);
    T_EQ_INT(kind("hj\xc3"), CMD_NONE);            /* truncated ä */
    T_EQ_INT(kind("hj\xc3\xa4lp\xc2"), CMD_NONE);  /* stray lead byte */
    T_EQ_INT(kind("skip\xc2\xc2\xa0"), CMD_NONE);  /* lead byte, then NBSP */
    T_EQ_INT(kind("\xc0\xafskip"), CMD_NONE);      /* overlong '/' */
    T_EQ_INT(kind("skip \xed\xa0\x80"), CMD_NONE); /* surrogate */
    T_EQ_INT(kind("Hjälp"), CMD_HELP);
    /* Latin-1 "hjälp" is not UTF-8. */
    T_EQ_INT(kind("hj\xe4lp"), CMD_NONE);

    /* Embedded NUL: the message is len bytes, not a C string. */
    T_EQ_INT(cmd_parse("skip\0", 5, &c), CMD_NONE);
    T_EQ_INT(cmd_parse("sk\0ip", 5, &c), CMD_NONE);
    T_EQ_INT(cmd_parse("skip\0 more", 10, &c), CMD_NONE);
    /* len is honoured: only "skip" of "skipping" is looked at. */
    T_EQ_INT(cmd_parse("skipping", 4, &c), CMD_SKIP);
    T_EQ_INT(cmd_parse("skip", 0, &c), CMD_NONE);
    T_EQ_INT(cmd_parse(NULL, 0, &c), CMD_NONE);
}

T_TEST(test_length)
{
    char buf[200];

    /* 64 bytes after trimming is the most a command may be. */
    memset(buf, ' ', sizeof(buf));
    memcpy(buf + 100, "skip", 4);
    T_EQ_INT(cmd_parse(buf, sizeof(buf), &(struct cmd){0}), CMD_SKIP);

    memset(buf, 0, sizeof(buf));
    memcpy(buf, "snooze ", 7);
    memset(buf + 7, ' ', 55);
    memcpy(buf + 62, "1h", 2);
    T_EQ_INT(cmd_parse(buf, 64, &(struct cmd){0}), CMD_SNOOZE);
    memcpy(buf + 62, "10h", 3);
    T_EQ_INT(cmd_parse(buf, 65, &(struct cmd){0}), CMD_NONE);

    memset(buf, 'a', sizeof(buf));
    T_EQ_INT(cmd_parse(buf, sizeof(buf), &(struct cmd){0}), CMD_NONE);
}

T_TEST(test_out_fully_written)
{
    struct cmd c;

    memset(&c, 0x5a, sizeof(c));
    cmd_parse("skip", 4, &c);
    T_EQ_INT(c.kind, CMD_SKIP);
    T_EQ_INT(c.bad, CMD_NONE);
    T_EQ_INT(c.minutes, 0);
    T_EQ_INT(c.has_date, 0);
    T_EQ_STR(c.lang, "");

    memset(&c, 0x5a, sizeof(c));
    cmd_parse("\xff", 1, &c);
    T_EQ_INT(c.kind, CMD_NONE);
    T_EQ_INT(c.weekday, 0);
}

T_TEST(test_names)
{
    T_EQ_STR(cmd_name(CMD_NONE), "none");
    T_EQ_STR(cmd_name(CMD_HELP), "help");
    T_EQ_STR(cmd_name(CMD_SKIP), "skip");
    T_EQ_STR(cmd_name(CMD_SNOOZE), "snooze");
    T_EQ_STR(cmd_name(CMD_PAUSE), "pause");
    T_EQ_STR(cmd_name(CMD_RESUME), "resume");
    T_EQ_STR(cmd_name(CMD_HISTORY), "history");
    T_EQ_STR(cmd_name(CMD_LANGUAGE), "language");
    T_EQ_STR(cmd_name(CMD_RETRACT), "retract");
    T_EQ_STR(cmd_name(CMD_SHARE), "share");
    T_EQ_STR(cmd_name(CMD_BAD), "bad");
    T_EQ_STR(cmd_name((enum cmd_kind)99), "unknown");
}

T_MAIN(T_CASE(test_help), T_CASE(test_skip),
       T_CASE(test_answers_are_not_commands),
       T_CASE(test_resume_history_retract_share), T_CASE(test_snooze_keywords),
       T_CASE(test_snooze_durations), T_CASE(test_snooze_tomorrow_weekday),
       T_CASE(test_snooze_bad), T_CASE(test_pause),
       T_CASE(test_pause_leap_years), T_CASE(test_pause_bad),
       T_CASE(test_language), T_CASE(test_language_bad), T_CASE(test_bytes),
       T_CASE(test_length), T_CASE(test_out_fully_written), T_CASE(test_names))
