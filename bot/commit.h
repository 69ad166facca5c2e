/*
 * commit.h - group commit: everything inbound in one loop turn is made
 * durable in one SQLite transaction, then every waiting party is told.
 *
 * One fsync'd commit per answer tops out near 5,000/s on this class of
 * disk; one per loop turn carries as many answers as arrived in it.  Each
 * item runs inside its own savepoint, so one bad item fails alone.
 */
#ifndef REFLEKT_COMMIT_H
#define REFLEKT_COMMIT_H

#include <uv.h>

struct commit;
struct store;

/* Runs inside the transaction.  Returns: 0, or < 0 to undo this item. */
typedef int commit_work_cb(struct store *st, void *arg);
/*
 * Runs after the transaction: status 0 when the item is durable, else the
 * error (its own, or the commit's).  Exactly once per commit_add.
 */
typedef void commit_done_cb(int status, void *arg);

struct commit *commit_new(uv_loop_t *loop, struct store *st);
/* Queue an item for the end of this loop turn. */
void commit_add(struct commit *c, commit_work_cb *work, commit_done_cb *done,
                void *arg);
/* Commit what is queued now (at shutdown). */
void commit_flush(struct commit *c);
/* Flush, then close the handles; c is freed by the loop. */
void commit_close(struct commit *c);

#endif
