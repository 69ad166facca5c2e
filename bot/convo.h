/*
 * convo.h - the conversation engine: what reflekt does when a question falls
 * due and when a leader writes.
 *
 * A delivery lives through pending -> sending -> sent -> answered (one or
 * more messages, closed after the answer window) or skipped, snoozed (and
 * sent again), missed (after one reminder) or retracted.  Every step is
 * one SQLite transaction, committed before anything is said to a platform
 * or acknowledged to it, so a crash at any point neither loses an answer nor
 * sends a question twice (a resend after a crash carries the same delivery
 * id as its idempotency key).
 *
 * The engine never reads the clock itself: every entry point takes `now`,
 * so tests run weeks of schedule in milliseconds.
 */
#ifndef REFLEKT_CONVO_H
#define REFLEKT_CONVO_H

#include "adapter.h"
#include "config.h"
#include "prompt.h"
#include "lang.h"
#include "store.h"

#include <stdint.h>

struct commit;

#define CONVO_MAX_ADAPTERS 8

struct convo {
    struct store *st;
    const struct config *conf;        /* borrowed; replaced on reload */
    const struct prompt_set *prompts; /* borrowed */
    struct adapter *adapters[CONVO_MAX_ADAPTERS];
    int nadapters;
    int fault_after_commit;  /* tests: die after this many answers */
    int fault_before_commit; /* tests: die before committing answers */
    int fault_after_send;    /* tests: die when a question is confirmed */
    uint64_t sent, answers, errors; /* counters for logs and metrics */
    /* Called when a send's outcome changed what is due (a retry planned,
     * a reminder set), so the caller's timer can look again. */
    void (*wake)(void *arg);
    void *wake_arg;
    /* Optional: send outcomes are recorded in the loop turn's group
     * commit; without it each in a transaction of its own. */
    struct commit *commit;
};

void convo_init(struct convo *cv, struct store *st, const struct config *conf,
                const struct prompt_set *prompts);
void convo_add_adapter(struct convo *cv, struct adapter *a);

/*
 * Deliveries a crash left half-sent are sent again (same delivery id).
 * Call once at start, before the first tick.
 */
int convo_recover(struct convo *cv, int64_t now);

/*
 * Do everything due at or before now: plan questions whose time has come,
 * send them, remind, count missed ones, close answers.
 * Returns: 0 and *next, the next time anything is due (0: nothing planned).
 */
int convo_tick(struct convo *cv, int64_t now, int64_t *next);

/*
 * One inbound event from adapter a.  Returns: 0 once its effect is committed
 * (or it was deliberately ignored), so the adapter may acknowledge it.
 */
int convo_on_event(struct convo *cv, struct adapter *a,
                   const struct adapter_event *ev, int64_t now);

/*
 * A batch of inbound events (a Matrix sync response), and the platform
 * cursor that covers them: all in one transaction, each event in its own
 * savepoint (a bad event is skipped alone).  Replies go out after the
 * commit.  Returns: 0 once committed; < 0 when nothing was (the platform
 * must deliver the batch again).
 */
int convo_on_events(struct convo *cv, struct adapter *a,
                    const struct adapter_event *evs, size_t n,
                    const char *cursor_key, const char *cursor_value,
                    int64_t now);

/* ---- used by the command line as well ---- */

/* Recompute and store a leader's next due time after `after`. */
int convo_replan(struct store *st, const struct store_leader *l, int64_t after,
                 int64_t *next, char *err);
/* t as a person says it in lang ("Tuesday 1 December at 09:00"), in the
 * leader's time zone. */
void convo_when_in(const struct store_leader *l, enum lang lang, int64_t t,
                   char *out, size_t outsz);
/*
 * The next max due times after `after` for l as it would be stored (a
 * manager's preview of a cadence), with the weekly cap counting both the
 * questions already planned and the earlier times of the preview.
 * Returns: 0 and *n (fewer when the rule ends or a pause has no end), or
 * ERR_INVAL with err for a bad rule.
 */
int convo_preview(struct store *st, const struct store_leader *l, int64_t after,
                  int64_t *times, int max, int *n, char *err);
/*
 * Plan what a new or moved one-to-one session brings: the questions before
 * and after it (convo_session_times) and when its digest goes to the
 * consultant ([web] digest_before; now when that has passed).
 */
int convo_session_plan(const struct config *conf, const struct store_leader *l,
                       struct store_session *s, int64_t now);
/* Make a question due now for a leader (consultant's nudge). */
int convo_nudge(struct store *st, const struct config *conf,
                const struct prompt_set *prompts, const struct store_leader *l,
                int64_t now, int64_t *id);
/*
 * When the questions before and after a session at `at` are due for l:
 * pre_session_days before at the session's local hour (or that day's first
 * working moment, stepping back over days off), and the day after.  0 for
 * none (switched off, or too late).
 */
int convo_session_times(const struct config *conf, const struct store_leader *l,
                        int64_t at, int64_t now, int64_t *pre, int64_t *post);

#endif
