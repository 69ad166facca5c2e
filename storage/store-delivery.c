/*
 * store-delivery.c - deliveries (one question to one leader) and the answer
 * messages that belong to them.
 *
 * A delivery's action_at is the one time the scheduler must look at it
 * again (send it, remind, count it missed, close it); it is NULL when there
 * is nothing left to do, so the earliest action_at over an index is all the
 * scheduler needs to arm its timer.
 */
#include "store-int.h"

#include "err.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

static enum store_state
store_state_parse(const char *name)
{
    for (int i = 0; i < STORE_STATE__COUNT; i++) {
        if (strcmp(name, store_state_name((enum store_state)i)) == 0)
            return (enum store_state)i;
    }
    return STORE_STATE_PENDING;
}

static void
store_delivery_read(sqlite3_stmt *s, struct store_delivery *d)
{
    char state[16];

    memset(d, 0, sizeof(*d));
    d->id = sqlite3_column_int64(s, 0);
    d->engagement_id = sqlite3_column_int64(s, 1);
    store__text(s, 2, d->prompt_id, sizeof(d->prompt_id));
    store__text(s, 3, d->question, sizeof(d->question));
    store__text(s, 4, d->followup, sizeof(d->followup));
    store__text(s, 5, state, sizeof(state));
    d->state = store_state_parse(state);
    d->due_at = sqlite3_column_int64(s, 6);
    d->sent_at = sqlite3_column_int64(s, 7);
    d->action_at = sqlite3_column_int64(s, 8);
    d->answered_at = sqlite3_column_int64(s, 9);
    d->reminded = sqlite3_column_int(s, 10);
    d->closed = sqlite3_column_int(s, 11);
    d->shared = sqlite3_column_int(s, 12);
    store__text(s, 13, d->platform_msg_id, sizeof(d->platform_msg_id));
    store__text(s, 14, d->kind, sizeof(d->kind));
    d->session_id = sqlite3_column_int64(s, 15);
    d->recall_of = sqlite3_column_int64(s, 16);
    d->score = sqlite3_column_int(s, 17);
    d->agenda = sqlite3_column_int(s, 18);
}

static int
store_delivery_one(struct store *st, sqlite3_stmt *s, struct store_delivery *d)
{
    int rc;

    if (s == NULL)
        return ERR_DB;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store_delivery_read(s, d);
        sqlite3_reset(s);
        return 0;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? ERR_NOTFOUND : store__err(st, rc);
}

int
store_delivery_add(struct store *st, struct store_delivery *d)
{
    sqlite3_stmt *s = store__stmt(st, STMT_DELIVERY_ADD);
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, d->engagement_id);
    store__bind_text(s, 2, d->prompt_id);
    store__bind_text(s, 3, d->question);
    store__bind_text(s, 4, d->followup[0] ? d->followup : NULL);
    store__bind_text(s, 5, store_state_name(d->state));
    sqlite3_bind_int64(s, 6, d->due_at);
    store__bind_opt_int(s, 7, d->sent_at);
    store__bind_opt_int(s, 8, d->action_at);
    store__bind_text(s, 9, d->kind[0] ? d->kind : "open");
    store__bind_opt_int(s, 10, d->session_id);
    store__bind_opt_int(s, 11, d->recall_of);
    if ((rc = store__exec(st, s)) < 0)
        return rc;
    d->id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

int
store_delivery_get(struct store *st, int64_t id, struct store_delivery *d)
{
    sqlite3_stmt *s = store__stmt(st, STMT_DELIVERY_GET);

    if (s != NULL)
        sqlite3_bind_int64(s, 1, id);
    return store_delivery_one(st, s, d);
}

int
store_delivery_update(struct store *st, const struct store_delivery *d)
{
    sqlite3_stmt *s = store__stmt(st, STMT_DELIVERY_UPDATE);

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, d->id);
    store__bind_text(s, 2, store_state_name(d->state));
    store__bind_opt_int(s, 3, d->sent_at);
    store__bind_opt_int(s, 4, d->action_at);
    store__bind_opt_int(s, 5, d->answered_at);
    sqlite3_bind_int(s, 6, d->reminded);
    sqlite3_bind_int(s, 7, d->closed);
    sqlite3_bind_int(s, 8, d->shared);
    store__bind_text(s, 9, d->platform_msg_id[0] ? d->platform_msg_id : NULL);
    sqlite3_bind_int64(s, 10, d->due_at);
    store__bind_opt_int(s, 11, d->score);
    sqlite3_bind_int(s, 12, d->agenda);
    return store__exec(st, s);
}

int
store_delivery_open(struct store *st, int64_t engagement_id,
                    struct store_delivery *d)
{
    sqlite3_stmt *s = store__stmt(st, STMT_DELIVERY_OPEN);

    if (s != NULL)
        sqlite3_bind_int64(s, 1, engagement_id);
    return store_delivery_one(st, s, d);
}

int
store_delivery_latest(struct store *st, int64_t engagement_id, unsigned states,
                      int64_t since, struct store_delivery *d)
{
    sqlite3_stmt *s = store__stmt(st, STMT_DELIVERY_LATEST);

    if (s != NULL) {
        sqlite3_bind_int64(s, 1, engagement_id);
        sqlite3_bind_int64(s, 2, (int64_t)states);
        sqlite3_bind_int64(s, 3, since);
    }
    return store_delivery_one(st, s, d);
}

int
store_delivery_action_min(struct store *st, int64_t *out)
{
    return store__scalar(st, store__stmt(st, STMT_DELIVERY_ACTION_MIN), out);
}

int
store_delivery_due(struct store *st, int64_t now, int64_t *ids, int max, int *n)
{
    sqlite3_stmt *s = store__stmt(st, STMT_DELIVERY_DUE);

    if (s != NULL) {
        sqlite3_bind_int64(s, 1, now);
        sqlite3_bind_int(s, 2, max);
    }
    return store__ids(st, s, ids, max, n);
}

int
store_delivery_recover(struct store *st, int64_t now, int *n)
{
    return store__touch(st, STMT_DELIVERY_RECOVER, now, n);
}

int
store_delivery_count(struct store *st, int64_t engagement_id, int64_t from,
                     int64_t to, int *n)
{
    return store__count(st, STMT_DELIVERY_COUNT, engagement_id, from, to, n);
}

void
store_asked_release(struct store_asked *a)
{
    free(a->v);
    memset(a, 0, sizeof(*a));
}

int
store_delivery_asked(struct store *st, int64_t engagement_id,
                     struct store_asked *out)
{
    sqlite3_stmt *s = store__stmt(st, STMT_DELIVERY_ASKED);
    size_t size = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n == size) {
            size = size ? size * 2 : 32;
            out->v = xrealloc(out->v, size * sizeof(*out->v));
        }
        store__text(s, 0, out->v[out->n].id, sizeof(out->v[out->n].id));
        out->v[out->n++].at = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    if ((rc = store__err(st, rc)) < 0)
        store_asked_release(out);
    return rc;
}

int64_t
store_asked_at(const struct store_asked *a, const char *prompt_id)
{
    size_t lo = 0, hi = a->n;

    /* The rows come sorted by prompt id (SQLite's binary collation). */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(a->v[mid].id, prompt_id);

        if (c == 0)
            return a->v[mid].at;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int
store_delivery_commitment(struct store *st, int64_t engagement_id,
                          int64_t since, struct store_delivery *d, char *answer,
                          size_t answersz)
{
    sqlite3_stmt *s = store__stmt(st, STMT_DELIVERY_COMMITMENT);
    int64_t id = 0;
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    sqlite3_bind_int64(s, 2, since);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(s, 0);
        store__text(s, 1, answer, answersz);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE || (rc == SQLITE_ROW && answer[0] == '\0'))
        return ERR_NOTFOUND;
    if (rc != SQLITE_ROW)
        return store__err(st, rc);
    return store_delivery_get(st, id, d);
}

int
store_response_add(struct store *st, int64_t delivery_id, const char *event_id,
                   const char *msg_id, const char *body, size_t len, int64_t at)
{
    sqlite3_stmt *s = store__stmt(st, STMT_RESPONSE_ADD);

    if (s == NULL)
        return ERR_DB;
    if (len > (size_t)1 << 20)
        return ERR_INVAL;
    sqlite3_bind_int64(s, 1, delivery_id);
    store__bind_text(s, 2, event_id);
    store__bind_text(s, 3, msg_id);
    sqlite3_bind_text(s, 4, body, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, at);
    return store__exec(st, s);
}

int
store_response_retract(struct store *st, int64_t delivery_id)
{
    sqlite3_stmt *s = store__stmt(st, STMT_RESPONSE_RETRACT);
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, delivery_id);
    if ((rc = store__exec(st, s)) < 0)
        return rc;
    /* Taken back means gone: earlier versions of edited messages too. */
    s = store__stmt(st, STMT_RESPONSE_EDIT_HISTORY_DROP);
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, delivery_id);
    return store__exec(st, s);
}

/* Find a leader's live answer message by its platform id. */
static int
store_response_find(struct store *st, int64_t engagement_id, const char *msg_id,
                    int64_t *id, int64_t *delivery_id)
{
    sqlite3_stmt *s = store__stmt(st, STMT_RESPONSE_BY_MSG);
    int rc;

    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, msg_id);
    sqlite3_bind_int64(s, 2, engagement_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        *delivery_id = sqlite3_column_int64(s, 1);
        sqlite3_reset(s);
        return 0;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? ERR_NOTFOUND : store__err(st, rc);
}

int
store_response_edit(struct store *st, int64_t engagement_id, const char *msg_id,
                    const char *body, size_t len, int64_t at,
                    int64_t *delivery_id)
{
    sqlite3_stmt *s;
    int64_t id;
    int rc;

    if (len > (size_t)1 << 20)
        return ERR_INVAL;
    if ((rc = store_response_find(st, engagement_id, msg_id, &id,
                                  delivery_id)) < 0)
        return rc;
    /* The old text goes to the history before it is replaced. */
    s = store__stmt(st, STMT_RESPONSE_EDIT_ADD);
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, at);
    if ((rc = store__exec(st, s)) < 0)
        return rc;
    s = store__stmt(st, STMT_RESPONSE_SET_BODY);
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, body, (int)len, SQLITE_STATIC);
    return store__exec(st, s);
}

int
store_response_delete(struct store *st, int64_t engagement_id,
                      const char *msg_id, int64_t *delivery_id, int *left)
{
    sqlite3_stmt *s;
    int64_t id, n;
    int rc;

    if ((rc = store_response_find(st, engagement_id, msg_id, &id,
                                  delivery_id)) < 0)
        return rc;
    s = store__stmt(st, STMT_RESPONSE_DELETE);
    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, id);
    if ((rc = store__exec(st, s)) < 0)
        return rc;
    s = store__stmt(st, STMT_RESPONSE_LIVE);
    if (s != NULL)
        sqlite3_bind_int64(s, 1, *delivery_id);
    rc = store__scalar(st, s, &n);
    *left = (int)n;
    return rc;
}

int
store_event_mark(struct store *st, const char *event_id, int64_t at)
{
    sqlite3_stmt *s = store__stmt(st, STMT_EVENT_MARK);

    if (s == NULL)
        return ERR_DB;
    store__bind_text(s, 1, event_id);
    sqlite3_bind_int64(s, 2, at);
    return store__exec(st, s);
}

int
store_rows(struct store *st, int64_t engagement_id, int64_t since,
           store_row_cb *cb, void *arg)
{
    sqlite3_stmt *s = store__stmt(st, STMT_ROWS);
    struct store_row r;
    int rc;

    if (s == NULL)
        return ERR_DB;
    sqlite3_bind_int64(s, 1, engagement_id);
    sqlite3_bind_int64(s, 2, since);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cbrc;

        r.handle = (const char *)sqlite3_column_text(s, 0);
        r.delivery_id = sqlite3_column_int64(s, 1);
        r.prompt_id = (const char *)sqlite3_column_text(s, 2);
        r.question = (const char *)sqlite3_column_text(s, 3);
        r.state = store_state_parse((const char *)sqlite3_column_text(s, 4));
        r.due_at = sqlite3_column_int64(s, 5);
        r.sent_at = sqlite3_column_int64(s, 6);
        r.answered_at = sqlite3_column_int64(s, 7);
        r.shared = sqlite3_column_int(s, 8);
        r.kind = (const char *)sqlite3_column_text(s, 9);
        r.score = sqlite3_column_int(s, 10);
        r.agenda = sqlite3_column_int(s, 11);
        r.recall_of = sqlite3_column_int64(s, 12);
        r.answer = (const char *)sqlite3_column_text(s, 13);
        cbrc = cb(&r, arg);
        if (cbrc < 0) {
            sqlite3_reset(s);
            return cbrc;
        }
    }
    sqlite3_reset(s);
    return store__err(st, rc);
}

int
store_delivery_queue(struct store *st, int64_t now, int64_t *n)
{
    sqlite3_stmt *s = store__stmt(st, STMT_DELIVERY_QUEUE);

    if (s != NULL)
        sqlite3_bind_int64(s, 1, now);
    return store__scalar(st, s, n);
}
