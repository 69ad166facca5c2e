/*
 * ratelimit.c - token buckets with reservations.
 *
 * Invariant: a bucket's `tokens` may go negative; -tokens is the number of
 * requests already promised a later slot.  Each take moves the bucket
 * forward to now, refills at `rate`, caps at `burst`, and takes one token:
 * the wait is the time until that token exists.  So n requests taken at
 * once leave at burst at first, then exactly one every 1/rate seconds.
 */
#include "ratelimit.h"

#include "err.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

struct ratelimit_bucket {
    char *key;
    double rate; /* tokens per ms */
    double burst;
    double tokens;
    int64_t at; /* when tokens was last brought up to date */
    int64_t paused_until;
    struct ratelimit_bucket *next;
};

struct ratelimit {
    struct ratelimit_bucket *buckets;
};

struct ratelimit *
ratelimit_new(void)
{
    return xcalloc(1, sizeof(struct ratelimit));
}

void
ratelimit_free(struct ratelimit *rl)
{
    struct ratelimit_bucket *b, *next;

    if (rl == NULL)
        return;
    for (b = rl->buckets; b != NULL; b = next) {
        next = b->next;
        free(b->key);
        free(b);
    }
    free(rl);
}

static struct ratelimit_bucket *
ratelimit_find(struct ratelimit *rl, const char *key)
{
    for (struct ratelimit_bucket *b = rl->buckets; b != NULL; b = b->next) {
        if (strcmp(b->key, key) == 0)
            return b;
    }
    return NULL;
}

int
ratelimit_set(struct ratelimit *rl, const char *key, double rate, double burst)
{
    struct ratelimit_bucket *b;

    if (!(rate > 0) || !(burst >= 1))
        return ERR_INVAL;
    b = ratelimit_find(rl, key);
    if (b == NULL) {
        b = xcalloc(1, sizeof(*b));
        b->key = xstrdup(key);
        b->tokens = burst;
        b->at = -1;
        b->next = rl->buckets;
        rl->buckets = b;
    }
    b->rate = rate / 1000.0;
    b->burst = burst;
    if (b->tokens > burst)
        b->tokens = burst;
    return 0;
}

int64_t
ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms)
{
    struct ratelimit_bucket *b = key != NULL ? ratelimit_find(rl, key) : NULL;
    int64_t start, wait;

    if (b == NULL)
        return 0;
    /* Time runs from whichever is later: now, or the end of a pause. */
    start = now_ms > b->paused_until ? now_ms : b->paused_until;
    if (b->at < 0)
        b->at = start;
    if (start > b->at) {
        b->tokens += (double)(start - b->at) * b->rate;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->at = start;
    }
    b->tokens -= 1.0;
    if (b->tokens >= 0)
        wait = start - now_ms;
    else
        wait = start - now_ms + (int64_t)(-b->tokens / b->rate + 0.999);
    return wait > 0 ? wait : 0;
}

void
ratelimit_pause(struct ratelimit *rl, const char *key, int64_t until_ms)
{
    struct ratelimit_bucket *b = key != NULL ? ratelimit_find(rl, key) : NULL;

    if (b == NULL) {
        /* A bucket nobody configured still has to honour a 429. */
        if (key == NULL || ratelimit_set(rl, key, 1000.0, 1000.0) < 0)
            return;
        b = ratelimit_find(rl, key);
    }
    if (until_ms > b->paused_until) {
        b->paused_until = until_ms;
        /* Nothing accrues during the pause: one request may go at its end. */
        if (b->tokens > 1)
            b->tokens = 1;
        b->at = until_ms;
    }
}

int64_t
ratelimit_paused(struct ratelimit *rl, const char *key, int64_t now_ms)
{
    struct ratelimit_bucket *b = key != NULL ? ratelimit_find(rl, key) : NULL;

    if (b == NULL || b->paused_until <= now_ms)
        return 0;
    return b->paused_until - now_ms;
}
