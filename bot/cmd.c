/*
 * cmd.c - recognise a leader's chat command.
 *
 * A message goes through three steps.  First it is trimmed (ASCII
 * whitespace and U+00A0, which phones and Teams like to insert), stripped of
 * one leading '/' or '!' and of trailing '.' and '!', and refused if it is
 * longer than CMD_MAX bytes, is not valid UTF-8 or holds a NUL byte.  Then it
 * is copied into a small buffer, lower-cased (ASCII plus ÆØÅ ÄÖ, without
 * touching the locale) with each run of whitespace collapsed to one space.
 * Last, the longest command keyword that is a whole-word prefix is taken and
 * the rest of the buffer must be a valid argument for it.
 *
 * The invariant that protects answers: a command that takes no argument but
 * is followed by words, or a command whose "argument" is longer than any
 * real argument (more than CMD_ARG_WORDS words), is free text, not a
 * command.  Only a short, plausible but wrong argument ("utsett 9 dager")
 * is CMD_BAD, so the bot can say what it did not understand.
 */
#include "cmd.h"

#include <stddef.h>
#include <string.h>

/* Longest message, in bytes after trimming, that can be a command. */
#define CMD_MAX 64
/* Most words any valid argument has ("fram til 1.12.2026"). */
#define CMD_ARG_WORDS 3
/* Snooze limits in minutes: one minute to one week. */
#define CMD_SNOOZE_MIN 1
#define CMD_SNOOZE_MAX (7 * 24 * 60)

struct cmd_keyword {
    const char *word; /* lower case, single spaces */
    enum cmd_kind kind;
};

/* Every keyword in every language; matching takes the longest. */
static const struct cmd_keyword cmd_keywords[] = {
    {"help", CMD_HELP},
    {"hjelp", CMD_HELP},
    {"hjälp", CMD_HELP},
    {"?", CMD_HELP},
    {"kommandoer", CMD_HELP},
    {"kommandon", CMD_HELP},
    {"skip", CMD_SKIP},
    {"hopp over", CMD_SKIP},
    {"hopp", CMD_SKIP},
    {"hoppa över", CMD_SKIP},
    {"hoppa", CMD_SKIP},
    {"snooze", CMD_SNOOZE},
    {"utsett", CMD_SNOOZE},
    {"senere", CMD_SNOOZE},
    {"skjut upp", CMD_SNOOZE},
    {"senare", CMD_SNOOZE},
    {"later", CMD_SNOOZE},
    {"pause", CMD_PAUSE},
    {"paus", CMD_PAUSE},
    {"resume", CMD_RESUME},
    {"fortsett", CMD_RESUME},
    {"gjenoppta", CMD_RESUME},
    {"fortsätt", CMD_RESUME},
    {"återuppta", CMD_RESUME},
    {"history", CMD_HISTORY},
    {"historikk", CMD_HISTORY},
    {"historik", CMD_HISTORY},
    {"mine svar", CMD_HISTORY},
    {"mina svar", CMD_HISTORY},
    {"my answers", CMD_HISTORY},
    {"language", CMD_LANGUAGE},
    {"språk", CMD_LANGUAGE},
    {"lang", CMD_LANGUAGE},
    {"sprog", CMD_LANGUAGE},
    {"retract", CMD_RETRACT},
    {"trekk tilbake", CMD_RETRACT},
    {"angre", CMD_RETRACT},
    {"ångra", CMD_RETRACT},
    {"dra tillbaka", CMD_RETRACT},
    {"undo", CMD_RETRACT},
    {"share", CMD_SHARE},
    {"del", CMD_SHARE},
    {"dela", CMD_SHARE},
};

struct cmd_word_value {
    const char *word;
    int value;
};

/* Duration units and their length in minutes. */
static const struct cmd_word_value cmd_units[] = {
    {"m", 1},       {"min", 1},      {"mins", 1},     {"minute", 1},
    {"minutes", 1}, {"minutt", 1},   {"minutter", 1}, {"minut", 1},
    {"minuter", 1}, {"h", 60},       {"hour", 60},    {"hours", 60},
    {"t", 60},      {"time", 60},    {"timer", 60},   {"timme", 60},
    {"timmar", 60}, {"d", 1440},     {"day", 1440},   {"days", 1440},
    {"dag", 1440},  {"dager", 1440}, {"dagar", 1440}, {"dygn", 1440},
    {"døgn", 1440},
};

/* ISO weekday numbers: 1 = Monday. */
static const struct cmd_word_value cmd_weekdays[] = {
    {"monday", 1},    {"mandag", 1},   {"måndag", 1}, {"mon", 1},
    {"tuesday", 2},   {"tirsdag", 2},  {"tisdag", 2}, {"tue", 2},
    {"wednesday", 3}, {"onsdag", 3},   {"wed", 3},    {"thursday", 4},
    {"torsdag", 4},   {"thu", 4},      {"friday", 5}, {"fredag", 5},
    {"fri", 5},       {"saturday", 6}, {"lørdag", 6}, {"lördag", 6},
    {"sat", 6},       {"sunday", 7},   {"søndag", 7}, {"söndag", 7},
    {"sun", 7},
};

struct cmd_lang_word {
    const char *word;
    const char *code;
};

static const struct cmd_lang_word cmd_langs[] = {
    {"nb", "nb"},        {"no", "nb"},       {"norsk", "nb"}, {"bokmål", "nb"},
    {"norwegian", "nb"}, {"sv", "sv"},       {"se", "sv"},    {"svenska", "sv"},
    {"svensk", "sv"},    {"swedish", "sv"},  {"en", "en"},    {"english", "en"},
    {"engelsk", "en"},   {"engelska", "en"},
};

static const char *const cmd_tomorrow[] = {
    "tomorrow", "i morgen", "imorgen", "i morgon", "imorgon", NULL,
};
/*
 * Words that may precede a duration: "utsett om 2 timer", and the "for"
 * and "i" leaders naturally write ("snooze for 1h", "utsett i 2 timer").
 */
static const char *const cmd_duration_preps[] = {"in", "om", "for", "i", NULL};
/* Words that may precede a weekday or tomorrow: "skjut upp till fredag". */
static const char *const cmd_weekday_preps[] = {
    "til", "till", "until", "on", "på", NULL,
};
/* Words that may precede a pause date; longest first. */
static const char *const cmd_date_preps[] = {
    "fram til", "til", "till", "until", "to", "tills", NULL,
};

static const char *const cmd_names[] = {
    "none",    "help",     "skip",    "snooze", "pause", "resume",
    "history", "language", "retract", "share",  "bad",
};

static int
cmd_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Length of the UTF-8 sequence at s (at most n bytes), or 0 if it is not a
 * well-formed, shortest-form encoding of a scalar value or is a NUL byte.
 */
static size_t
cmd_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;

    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        /* Refuse overlong forms and UTF-16 surrogates. */
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        /* Refuse overlong forms and anything past U+10FFFF. */
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    }
    return len;
}

/* Width of the whitespace character at s[0..n), or 0. */
static size_t
cmd_space_at(const unsigned char *s, size_t n)
{
    if (n >= 1 && cmd_is_space(s[0]))
        return 1;
    if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0)
        return 2;
    return 0;
}

/* Width of the whitespace character ending at s[n - 1], or 0. */
static size_t
cmd_space_before(const unsigned char *s, size_t n)
{
    if (n >= 1 && cmd_is_space(s[n - 1]))
        return 1;
    /* 0xc2 is never a continuation byte, so this is a real U+00A0. */
    if (n >= 2 && s[n - 2] == 0xc2 && s[n - 1] == 0xa0)
        return 2;
    return 0;
}

/* Narrow [*s, *s + *n) past whitespace at both ends. */
static void
cmd_trim(const unsigned char **s, size_t *n)
{
    size_t w;

    for (;;) {
        w = cmd_space_at(*s, *n);
        if (w == 0)
            break;
        *s += w;
        *n -= w;
    }
    for (;;) {
        w = cmd_space_before(*s, *n);
        if (w == 0)
            break;
        *n -= w;
    }
}

/*
 * Copy s[0..n) (valid UTF-8, no NUL) into dst, lower-casing ASCII and the
 * Nordic letters and collapsing whitespace runs to one space.  Neither step
 * makes the text longer, so dst needs n + 1 bytes.
 */
static void
cmd_normalise(const unsigned char *s, size_t n, char *dst)
{
    size_t i = 0, o = 0, w;
    int space = 0;

    while (i < n) {
        w = cmd_space_at(s + i, n - i);
        if (w > 0) {
            i += w;
            space = 1;
            continue;
        }
        if (space)
            dst[o++] = ' ';
        space = 0;
        if (s[i] >= 'A' && s[i] <= 'Z') {
            dst[o++] = (char)(s[i] - 'A' + 'a');
            i++;
        } else if (s[i] == 0xc3 && i + 1 < n &&
                   (s[i + 1] == 0x84 || s[i + 1] == 0x85 || s[i + 1] == 0x86 ||
                    s[i + 1] == 0x96 || s[i + 1] == 0x98)) {
            /* Ä Å Æ Ö Ø sit 0x20 below ä å æ ö ø, as in Latin-1. */
            dst[o++] = (char)s[i];
            dst[o++] = (char)(s[i + 1] + 0x20);
            i += 2;
        } else {
            dst[o++] = (char)s[i];
            i++;
        }
    }
    dst[o] = '\0';
}

/*
 * If s starts with the word(s) w followed by a space or the end, return
 * what follows (past the space), else NULL.
 */
static const char *
cmd_after(const char *s, const char *w)
{
    size_t n = strlen(w);

    if (strncmp(s, w, n) != 0)
        return NULL;
    if (s[n] == '\0')
        return s + n;
    if (s[n] == ' ')
        return s + n + 1;
    return NULL;
}

/* cmd_after() for the first of a NULL-terminated list of words that fits. */
static const char *
cmd_after_any(const char *s, const char *const *words)
{
    const char *rest;

    for (size_t i = 0; words[i] != NULL; i++) {
        rest = cmd_after(s, words[i]);
        if (rest != NULL && *rest != '\0')
            return rest;
    }
    return NULL;
}

static int
cmd_is_any(const char *s, const char *const *words)
{
    for (size_t i = 0; words[i] != NULL; i++) {
        if (strcmp(s, words[i]) == 0)
            return 1;
    }
    return 0;
}

static size_t
cmd_words(const char *s)
{
    size_t n = *s != '\0';

    for (; *s != '\0'; s++)
        n += *s == ' ';
    return n;
}

static int
cmd_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Read 1..maxdigits decimal digits at *s into *v and advance *s.
 * Returns: the number of digits read (0 if none or too many).
 */
static int
cmd_number(const char **s, int maxdigits, int *v)
{
    int n = 0;

    *v = 0;
    while (cmd_is_digit((*s)[n])) {
        if (n == maxdigits)
            return 0;
        *v = *v * 10 + ((*s)[n] - '0');
        n++;
    }
    *s += n;
    return n;
}

/* "2 timer", "90min", "1t": minutes, or -1. */
static int
cmd_duration(const char *s)
{
    int n, digits;

    /* Five digits are enough for any valid duration and cannot overflow. */
    digits = cmd_number(&s, 5, &n);
    if (digits == 0)
        return -1;
    if (*s == ' ')
        s++;
    for (size_t i = 0; i < sizeof(cmd_units) / sizeof(cmd_units[0]); i++) {
        if (strcmp(s, cmd_units[i].word) == 0)
            return n * cmd_units[i].value;
    }
    return -1;
}

/* "fredag", "mon": ISO weekday, or 0. */
static int
cmd_weekday(const char *s)
{
    size_t n = sizeof(cmd_weekdays) / sizeof(cmd_weekdays[0]);

    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, cmd_weekdays[i].word) == 0)
            return cmd_weekdays[i].value;
    }
    return 0;
}

static int
cmd_snooze_minutes(const char *s, struct cmd *out)
{
    int minutes = cmd_duration(s);

    if (minutes < CMD_SNOOZE_MIN || minutes > CMD_SNOOZE_MAX)
        return -1;
    out->snooze = CMD_SNOOZE_MINUTES;
    out->minutes = minutes;
    return 0;
}

static int
cmd_snooze_weekday(const char *s, struct cmd *out)
{
    int wd = cmd_weekday(s);

    if (wd == 0)
        return -1;
    out->snooze = CMD_SNOOZE_WEEKDAY;
    out->weekday = wd;
    return 0;
}

/* The argument of snooze; 0 or -1 when it is not understood. */
static int
cmd_snooze_arg(const char *arg, struct cmd *out)
{
    const char *rest;

    if (*arg == '\0') {
        out->snooze = CMD_SNOOZE_DEFAULT;
        return 0;
    }
    /* Before the prepositions: "i morgen" starts with the word "i". */
    if (cmd_is_any(arg, cmd_tomorrow)) {
        out->snooze = CMD_SNOOZE_TOMORROW;
        return 0;
    }
    if (cmd_snooze_weekday(arg, out) == 0)
        return 0;
    if (cmd_snooze_minutes(arg, out) == 0)
        return 0;
    rest = cmd_after_any(arg, cmd_duration_preps);
    if (rest != NULL)
        return cmd_snooze_minutes(rest, out);
    rest = cmd_after_any(arg, cmd_weekday_preps);
    if (rest != NULL && cmd_is_any(rest, cmd_tomorrow)) {
        out->snooze = CMD_SNOOZE_TOMORROW;
        return 0;
    }
    if (rest != NULL)
        return cmd_snooze_weekday(rest, out);
    return -1;
}

static int
cmd_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Does day exist in month of year?  Year 0 (not given) allows 29 Feb. */
static int
cmd_day_exists(int year, int month, int day)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};

    if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1])
        return 0;
    if (month == 2 && day == 29 && year != 0 && !cmd_leap(year))
        return 0;
    return 1;
}

/*
 * "2026-12-01", "1.12.2026", "01.12.26", "1.12.", "1.12", "1/12",
 * "1/12/2026": 0 with year (0 if not given), month and day set, or -1.
 */
static int
cmd_date(const char *s, int *year, int *month, int *day)
{
    int a, b, c = 0, na, nc = 0;
    char sep;

    na = cmd_number(&s, 4, &a);
    sep = *s;
    if (na == 4 && sep == '-') {
        s++;
        if (cmd_number(&s, 2, &b) == 0 || *s++ != '-')
            return -1;
        if (cmd_number(&s, 2, &c) == 0 || *s != '\0')
            return -1;
        *year = a;
        *month = b;
        *day = c;
    } else if (na >= 1 && na <= 2 && (sep == '.' || sep == '/')) {
        s++;
        if (cmd_number(&s, 2, &b) == 0)
            return -1;
        if (*s == sep) {
            s++;
            /* "1.12." leaves nothing after the second dot. */
            if (*s != '\0') {
                nc = cmd_number(&s, 4, &c);
                if (nc != 2 && nc != 4)
                    return -1;
            }
        }
        if (*s != '\0')
            return -1;
        *year = nc == 2 ? 2000 + c : c;
        *month = b;
        *day = a;
    } else {
        return -1;
    }
    /* A written year of 0 would read as "no year". */
    if ((na == 4 || nc == 4) && *year == 0)
        return -1;
    return cmd_day_exists(*year, *month, *day) ? 0 : -1;
}

/* The argument of pause; 0 or -1 when it is not understood. */
static int
cmd_pause_arg(const char *arg, struct cmd *out)
{
    const char *rest;
    int y, m, d;

    if (*arg == '\0')
        return 0;
    rest = cmd_after_any(arg, cmd_date_preps);
    if (rest == NULL)
        rest = arg;
    if (cmd_date(rest, &y, &m, &d) < 0)
        return -1;
    out->has_date = 1;
    out->year = y;
    out->month = m;
    out->day = d;
    return 0;
}

/* The argument of language; 0 or -1 when it is missing or unknown. */
static int
cmd_language_arg(const char *arg, struct cmd *out)
{
    for (size_t i = 0; i < sizeof(cmd_langs) / sizeof(cmd_langs[0]); i++) {
        if (strcmp(arg, cmd_langs[i].word) == 0) {
            memcpy(out->lang, cmd_langs[i].code, sizeof(out->lang));
            return 0;
        }
    }
    return -1;
}

/* The keyword at the start of s and the argument after it. */
static enum cmd_kind
cmd_keyword(const char *s, const char **arg)
{
    size_t n = sizeof(cmd_keywords) / sizeof(cmd_keywords[0]);
    size_t best = 0;
    enum cmd_kind kind = CMD_NONE;
    const char *rest;

    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(cmd_keywords[i].word);

        rest = cmd_after(s, cmd_keywords[i].word);
        /* "hopp over" must win over "hopp" followed by an argument. */
        if (rest != NULL && len > best) {
            best = len;
            kind = cmd_keywords[i].kind;
            *arg = rest;
        }
    }
    return kind;
}

static enum cmd_kind
cmd_finish(struct cmd *out, enum cmd_kind kind)
{
    out->kind = kind;
    return kind;
}

enum cmd_kind
cmd_parse(const char *text, size_t len, struct cmd *out)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = len, prev, w;
    char buf[CMD_MAX + 1];
    const char *arg = "";
    enum cmd_kind kind;
    int rc;

    memset(out, 0, sizeof(*out));
    out->kind = CMD_NONE;
    out->bad = CMD_NONE;
    if (text == NULL)
        return cmd_finish(out, CMD_NONE);

    /*
     * Trim before the length check so a padded command still counts, and
     * check the length before looking at every byte so a long answer
     * costs nothing here.
     */
    cmd_trim(&s, &n);
    if (n > CMD_MAX)
        return cmd_finish(out, CMD_NONE);
    for (size_t i = 0; i < n; i += w) {
        w = cmd_utf8_len(s + i, n - i);
        if (w == 0)
            return cmd_finish(out, CMD_NONE);
    }

    if (n > 0 && (s[0] == '/' || s[0] == '!')) {
        s++;
        n--;
    }
    /* "skip!", "pause 1.12." and "skip ." all end in punctuation. */
    do {
        prev = n;
        cmd_trim(&s, &n);
        while (n > 0 && (s[n - 1] == '.' || s[n - 1] == '!'))
            n--;
    } while (n != prev);
    if (n == 0)
        return cmd_finish(out, CMD_NONE);

    cmd_normalise(s, n, buf);
    kind = cmd_keyword(buf, &arg);

    switch (kind) {
    case CMD_HELP:
    case CMD_SKIP:
    case CMD_RESUME:
    case CMD_HISTORY:
    case CMD_RETRACT:
    case CMD_SHARE:
        /* "skip this one because I was ill" is an answer. */
        if (*arg != '\0')
            return cmd_finish(out, CMD_NONE);
        return cmd_finish(out, kind);
    case CMD_SNOOZE:
    case CMD_PAUSE:
    case CMD_LANGUAGE:
        if (cmd_words(arg) > CMD_ARG_WORDS)
            return cmd_finish(out, CMD_NONE);
        if (kind == CMD_SNOOZE)
            rc = cmd_snooze_arg(arg, out);
        else if (kind == CMD_PAUSE)
            rc = cmd_pause_arg(arg, out);
        else
            rc = cmd_language_arg(arg, out);
        if (rc < 0) {
            /* Leave no half-parsed argument behind. */
            memset(out, 0, sizeof(*out));
            out->bad = kind;
            return cmd_finish(out, CMD_BAD);
        }
        return cmd_finish(out, kind);
    case CMD_NONE:
    case CMD_BAD:
    default:
        return cmd_finish(out, CMD_NONE);
    }
}

const char *
cmd_name(enum cmd_kind kind)
{
    if ((int)kind < 0 ||
        (size_t)kind >= sizeof(cmd_names) / sizeof(cmd_names[0]))
        return "unknown";
    return cmd_names[kind];
}
