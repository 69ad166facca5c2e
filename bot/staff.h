/*
 * staff.h - what consultants and managers can ask reflekt in chat
 * (Slack's /reflekt): status, cadence, nudge.
 *
 * Every command is checked against the role table: a manager sees and sets
 * the cadence of their own leaders, a consultant sends their own leaders a
 * question; either sees participation counts, never answer text.
 */
#ifndef REFLEKT_STAFF_H
#define REFLEKT_STAFF_H

#include "config.h"
#include "prompt.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define STAFF_RULE_MAX 256

enum staff_verb {
    STAFF_HELP = 0,
    STAFF_STATUS,  /* handle may be "" for all of mine */
    STAFF_CADENCE, /* rule "" shows it */
    STAFF_NUDGE,
    STAFF_CONSOLE, /* a sign-in link for the web console */
    STAFF_BAD,     /* not understood */
};

struct staff_cmd {
    enum staff_verb verb;
    int lang; /* enum lang of the verb's word; -1: shared or none */
    char handle[64];
    char rule[STAFF_RULE_MAX];
};

/*
 * Parse the text after /reflekt: a verb in English (or nb/sv: hjelp,
 * hjälp, kadens, takt, dytt, knuff, konsoll, konsol), a leader handle, a
 * rule.  Pure; reads no further than len, accepts any bytes.
 * Returns: out->verb.
 */
enum staff_verb staff_parse(const char *text, size_t len,
                            struct staff_cmd *out);

/*
 * Run a command from platform account user_id inside the caller's
 * transaction; reply (NUL-terminated) gets the answer.  *nudged is set when
 * a question was made due now.
 * Returns: 0, or < 0 on a database error.
 */
int staff_run(struct store *st, const struct config *conf,
              const struct prompt_set *prompts, const char *platform,
              const char *user_id, const char *text, size_t len, int64_t now,
              char *reply, size_t replysz, int *nudged);

#endif
