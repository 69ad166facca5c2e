/*
 * msg.h - everything reflekt says to people in chat, in nb, sv and en.
 *
 * Texts are printf formats; the comment on each id names its arguments in
 * order.  Commands inside texts are written in the leader's language, but
 * reflekt understands every command in all three languages.
 */
#ifndef REFLEKT_MSG_H
#define REFLEKT_MSG_H

#include "lang.h"

#include <stddef.h>
#include <time.h>

enum msg_id {
    MSG_HELP,               /* (none) full list of chat commands */
    MSG_HELP_SHORT,         /* (none) reply to text outside an open question */
    MSG_THANKS,             /* (none) after the first message of an answer */
    MSG_REMINDER,           /* %s question text */
    MSG_SKIPPED,            /* %s when the next question comes */
    MSG_SKIPPED_NO_NEXT,    /* (none) skipped; no next question planned */
    MSG_NO_OPEN,            /* (none) skip/snooze with no open question */
    MSG_BUTTON_OLD,         /* (none) a button on a question since closed */
    MSG_SNOOZED,            /* %s when the question comes again */
    MSG_PAUSED_UNTIL,       /* %s the date the pause ends */
    MSG_PAUSED,             /* (none) paused until `resume` */
    MSG_RESUMED,            /* %s when the next question comes */
    MSG_RESUMED_NO_NEXT,    /* (none) resumed; no next question planned */
    MSG_NOT_PAUSED,         /* (none) `resume` while not paused */
    MSG_HISTORY_HEAD,       /* (none) heading above the leader's answers */
    MSG_HISTORY_EMPTY,      /* (none) no answers yet */
    MSG_LANGUAGE_SET,       /* (none) confirmation, in the new language */
    MSG_RETRACTED,          /* %s question text of the retracted answer */
    MSG_NOTHING_TO_RETRACT, /* (none) */
    MSG_SHARED,             /* %s question text of the shared answer */
    MSG_NOTHING_TO_SHARE,   /* (none) */
    MSG_UNKNOWN_USER,       /* (none) someone reflekt has not enrolled */
    MSG_BAD_SNOOZE,         /* (none) snooze with an argument not understood */
    MSG_BAD_PAUSE,          /* (none) pause with a date not understood */
    MSG_PAUSE_PAST,         /* (none) pause with a date that has passed */
    MSG_BAD_LANGUAGE,       /* (none) language other than nb, sv, en */
    MSG_BUTTON_SKIP,        /* (none) label of the Skip button */
    MSG_BUTTON_SNOOZE,      /* (none) label of the Snooze button */
    MSG_ENCRYPTED,          /* (none) reflekt cannot read this chat */
    MSG_RECALL,             /* %s the leader's commitment, quoted back */
    MSG_QUOTED,             /* %s text in the language's quotation marks */
    MSG_AGENDA_HEAD,        /* %s when the network group meets */
    MSG_AGENDA_ASK,         /* (none) may the challenge go on the agenda? */
    MSG_SHARED_GROUP,       /* (none) the challenge will be on the agenda */
    MSG_SETTLED_ANSWERED,   /* (none) under an answered question */
    MSG_SETTLED_SKIPPED,    /* (none) under a skipped question */
    MSG_SETTLED_SNOOZED,    /* %s when it comes again */
    MSG_STAFF_HELP,         /* (none) /reflekt for consultants, managers */
    MSG_STAFF_BAD,          /* (none) a /reflekt command not understood */
    MSG_STAFF_UNKNOWN,      /* %s platform, %s their id: not linked yet */
    MSG_STAFF_NOT_YOURS,    /* %s handle */
    MSG_STAFF_MANAGER_ONLY, /* (none) cadence by someone not the manager */
    MSG_STAFF_CONSULTANT_ONLY, /* (none) nudge by someone not the consultant */
    MSG_STAFF_CADENCE_IS,      /* %s handle, %s rule */
    MSG_STAFF_CADENCE_SET,     /* %s handle, %s rule, %s next question */
    MSG_STAFF_BAD_CADENCE,     /* %s what was wrong */
    MSG_STAFF_NUDGED,          /* %s handle */
    MSG_STAFF_STATUS_HEAD,     /* (none) above the list of leaders */
    MSG_STAFF_STATUS_LINE,     /* %s handle, %s sent, %s answered, %s skipped */
    MSG_STAFF_NEXT,            /* %s when the next question comes */
    MSG_STAFF_NO_NEXT,         /* (none) nothing planned */
    MSG_STAFF_PAUSED,          /* (none) the leader has paused */
    MSG_STAFF_NONE,            /* (none) no leaders */
    MSG_STAFF_CONSOLE,         /* %s the one-time sign-in link */
    MSG_STAFF_CONSOLE_OFF,     /* (none) the web console is not set up */
    MSG_DIGEST_HEAD,           /* %s leader, %s when the session is */
    MSG_DIGEST_COUNTS,         /* %s answered, %s skipped, %s missed */
    MSG_DIGEST_COMMITMENT,     /* (none) heading: what they set out to do */
    MSG_DIGEST_FOLLOWUP,       /* (none) before how a commitment went */
    MSG_DIGEST_NONE,           /* (none) no answers since the last session */
    MSG_DIGEST_MORE,           /* %s link to the digest in the console */
    MSG__COUNT
};

/* Returns: the static text for id in lang (never NULL). */
const char *msg_get(enum msg_id id, enum lang lang);

/*
 * Write a local date and time the way a person would say it in lang, e.g.
 * "tirsdag 1. desember kl. 09.00" (nb), "tisdag 1 december kl. 09.00" (sv),
 * "Tuesday 1 December at 09:00" (en).  tm is already in the leader's zone.
 */
void msg_when(enum lang lang, const struct tm *tm, char *out, size_t outsz);
/* The same for a date alone: "1. desember", "1 december", "1 December". */
void msg_date(enum lang lang, const struct tm *tm, char *out, size_t outsz);

#endif
