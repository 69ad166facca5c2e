/*
 * commit.c - group commit at the end of a loop turn.
 *
 * Items queue up during the turn; a uv_check handle (run after the poll
 * phase, so after all the turn's I/O callbacks) commits them together.  An
 * idle handle is active while items wait, so the loop does not block in
 * poll with work queued from a timer.
 */
#include "commit.h"

#include "err.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#include <stdlib.h>

struct commit_item {
    commit_work_cb *work;
    commit_done_cb *done;
    void *arg;
    int status;
};

struct commit {
    struct store *st;
    uv_check_t check;
    uv_idle_t idle;
    struct commit_item *items;
    size_t n, size;
    int handles;
    int closing;
};

static void
on_closed(uv_handle_t *h)
{
    struct commit *c = h->data;

    if (--c->handles == 0) {
        free(c->items);
        free(c);
    }
}

static void
on_idle(uv_idle_t *h)
{
    (void)h; /* only keeps poll from blocking */
}

void
commit_flush(struct commit *c)
{
    struct commit_item *items;
    size_t n;
    int rc;

    uv_check_stop(&c->check);
    uv_idle_stop(&c->idle);
    if (c->n == 0)
        return;
    /* Take the batch: done callbacks may queue the next one. */
    items = c->items;
    n = c->n;
    c->items = NULL;
    c->n = c->size = 0;
    rc = store_begin(c->st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct commit_item *it = &items[i];

        if ((it->status = store_savepoint(c->st)) < 0) {
            rc = it->status;
            break;
        }
        it->status = it->work(c->st, it->arg);
        if (it->status < 0)
            store_rollback_to(c->st);
        else if ((rc = store_release(c->st)) < 0)
            break;
    }
    if (rc == 0)
        rc = store_commit(c->st);
    if (rc < 0) {
        store_rollback(c->st);
        log_error("msg=\"group commit failed\" items=%zu error=%s", n,
                  err_name(rc));
    }
    for (size_t i = 0; i < n; i++)
        items[i].done(rc < 0 ? rc : items[i].status, items[i].arg);
    free(items);
}

static void
on_check(uv_check_t *h)
{
    commit_flush(h->data);
}

struct commit *
commit_new(uv_loop_t *loop, struct store *st)
{
    struct commit *c = xcalloc(1, sizeof(*c));

    c->st = st;
    uv_check_init(loop, &c->check);
    uv_idle_init(loop, &c->idle);
    c->check.data = c->idle.data = c;
    c->handles = 2;
    return c;
}

void
commit_add(struct commit *c, commit_work_cb *work, commit_done_cb *done,
           void *arg)
{
    if (c->closing) {
        done(ERR_CANCELED, arg);
        return;
    }
    if (c->n == c->size) {
        c->size = c->size ? c->size * 2 : 64;
        c->items = xrealloc(c->items, c->size * sizeof(*c->items));
    }
    c->items[c->n++] = (struct commit_item){work, done, arg, 0};
    if (c->n == 1) {
        uv_check_start(&c->check, on_check);
        uv_idle_start(&c->idle, on_idle);
    }
}

void
commit_close(struct commit *c)
{
    if (c == NULL || c->closing)
        return;
    commit_flush(c);
    c->closing = 1;
    uv_close((uv_handle_t *)&c->check, on_closed);
    uv_close((uv_handle_t *)&c->idle, on_closed);
}
