/*
 * fake-matrix.h - a loopback Matrix homeserver for tests: the subset of the
 * Client-Server API reflekt uses, with its real semantics.
 *
 * It listens on 127.0.0.1 on a port the kernel picks and answers in its own
 * threads.  Users are created by the test; each has one access token.  It
 * keeps rooms (members, invites, encryption flag, a timeline), account data
 * per user, and a per-user event stream so /sync with `since` returns
 * exactly what happened after that token, long-polling up to `timeout`.
 */
#ifndef REFLEKT_FAKE_MATRIX_H
#define REFLEKT_FAKE_MATRIX_H

#include <stddef.h>

struct fake_matrix;

/* Faults the test can switch on: each applies to the next N requests whose
 * path contains the given substring. */
enum fake_matrix_fault {
    FAKE_MATRIX_500 = 1, /* answer 500 M_UNKNOWN */
    FAKE_MATRIX_SLOW,    /* wait 2 s before answering */
    FAKE_MATRIX_RESET,   /* close the connection unanswered */
    FAKE_MATRIX_LIMIT,   /* 429 M_LIMIT_EXCEEDED, retry_after_ms 300 */
    FAKE_MATRIX_CUT,     /* do the request, then answer 200 with a body cut
                            short (not JSON) */
};

struct fake_matrix *fake_matrix_start(void);
void fake_matrix_stop(struct fake_matrix *f);
int fake_matrix_port(const struct fake_matrix *f);

/* Create user "@local:localhost" with this access token. */
void fake_matrix_add_user(struct fake_matrix *f, const char *local,
                          const char *token);

/*
 * Act as a user (the test plays the leader).  Each returns the new event id
 * or room id in out (may be NULL), and 0 on success.
 */
int fake_matrix_create_dm(struct fake_matrix *f, const char *from,
                          const char *to, int encrypted, char *out,
                          size_t outsz);
int fake_matrix_join(struct fake_matrix *f, const char *user,
                     const char *room_id);
int fake_matrix_send_text(struct fake_matrix *f, const char *user,
                          const char *room_id, const char *text, char *out,
                          size_t outsz);
int fake_matrix_edit(struct fake_matrix *f, const char *user,
                     const char *room_id, const char *event_id,
                     const char *text, char *out, size_t outsz);
int fake_matrix_react(struct fake_matrix *f, const char *user,
                      const char *room_id, const char *event_id,
                      const char *key, char *out, size_t outsz);
int fake_matrix_redact(struct fake_matrix *f, const char *user,
                       const char *room_id, const char *event_id);

/* Rooms user has been invited to and not yet joined; room ids into out
 * (up to max; the server's own strings, valid until fake_matrix_stop, not
 * to be freed), returns how many. */
int fake_matrix_invites(struct fake_matrix *f, const char *user, char **out,
                        int max);
/*
 * Messages (m.room.message) in room_id sent by sender, oldest first: copies
 * of their `body` into out (up to max, each malloc'd; the caller frees),
 * returns how many.
 */
int fake_matrix_messages(struct fake_matrix *f, const char *room_id,
                         const char *sender, char **out, int max);
/* Reactions sent by sender in room_id. */
int fake_matrix_reactions(struct fake_matrix *f, const char *room_id,
                          const char *sender);
/* Number of PUT /send requests for (sender token, txn id) seen, including
 * repeats, and the number of distinct events they created. */
int fake_matrix_send_requests(struct fake_matrix *f);
int fake_matrix_send_events(struct fake_matrix *f);
/* The user's m.direct account data as JSON text (malloc'd), or NULL. */
char *fake_matrix_direct(struct fake_matrix *f, const char *user);
/* How many /sync requests arrived. */
int fake_matrix_syncs(struct fake_matrix *f);

/* Apply fault to the next `count` requests whose path contains `path`;
 * the same fault and path again replaces the count (0 ends it). */
void fake_matrix_fault(struct fake_matrix *f, enum fake_matrix_fault fault,
                       const char *path, int count);
/*
 * Chaos: from now on each request, with probability permille / 1000, gets
 * one of the faults above chosen at random (seeded, so a run can be
 * repeated).  0 turns it off.  Returns how many requests it has faulted.
 */
int fake_matrix_chaos(struct fake_matrix *f, int permille, unsigned seed);

#endif
