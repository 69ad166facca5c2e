/*
 * cmd.h - the leader's chat commands, in Norwegian, Swedish and English.
 *
 * cmd_parse() is a pure function of the message text: it decides whether a
 * whole message is a command (a message that merely starts with "skip" is an
 * answer) and extracts its argument.  Every command is understood in all
 * three languages whatever the leader's own language is.  It never reads
 * past len, accepts any bytes (invalid UTF-8 is simply not a command) and
 * never allocates.
 */
#ifndef REFLEKT_CMD_H
#define REFLEKT_CMD_H

#include <stddef.h>

enum cmd_kind {
    CMD_NONE = 0, /* not a command: an answer or free text */
    CMD_HELP,
    CMD_SKIP,
    CMD_SNOOZE,
    CMD_PAUSE,
    CMD_RESUME,
    CMD_HISTORY,
    CMD_LANGUAGE,
    CMD_RETRACT,
    CMD_SHARE,
    CMD_BAD, /* a command word with an argument not understood */
};

enum cmd_snooze {
    CMD_SNOOZE_DEFAULT = 0, /* bare "snooze": the configured default */
    CMD_SNOOZE_MINUTES,     /* "snooze 1h", "utsett 30 min" */
    CMD_SNOOZE_TOMORROW,    /* "snooze tomorrow", "utsett i morgen" */
    CMD_SNOOZE_WEEKDAY,     /* "snooze monday", "skjut upp måndag" */
};

struct cmd {
    enum cmd_kind kind;
    enum cmd_kind bad; /* for CMD_BAD: the command whose argument failed */
    /* CMD_SNOOZE */
    enum cmd_snooze snooze;
    int minutes; /* CMD_SNOOZE_MINUTES: 1 .. 7 * 24 * 60 */
    int weekday; /* CMD_SNOOZE_WEEKDAY: 1 = Monday .. 7 = Sunday */
    /* CMD_PAUSE: has_date 0 means "until resume" */
    int has_date;
    int year; /* 0 when the leader gave no year: the next such date */
    int month, day;
    /* CMD_LANGUAGE: "nb", "sv" or "en" */
    char lang[3];
};

/*
 * Parse one chat message.
 * Returns: out->kind (also stored in *out, which is always fully written).
 */
enum cmd_kind cmd_parse(const char *text, size_t len, struct cmd *out);

/* Returns: the English name of a kind ("skip"), for logs. */
const char *cmd_name(enum cmd_kind kind);

#endif
