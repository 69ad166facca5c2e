/*
 * ratelimit.h - token buckets, one per key (a host, or a host and a
 * platform method), configured by the adapters.
 *
 * Pure bookkeeping on a millisecond clock the caller passes in: the bucket
 * hands out reservations, so a burst of requests is spread out in order and
 * the configured rate is never exceeded.  A 429 from the platform pauses
 * the whole bucket until its Retry-After has passed.
 */
#ifndef REFLEKT_RATELIMIT_H
#define REFLEKT_RATELIMIT_H

#include <stdint.h>

struct ratelimit;

struct ratelimit *ratelimit_new(void);
void ratelimit_free(struct ratelimit *rl);

/*
 * Allow `rate` requests per second on key, with bursts of up to `burst`.
 * Returns: 0, or ERR_INVAL for a rate <= 0 or a burst < 1.
 */
int ratelimit_set(struct ratelimit *rl, const char *key, double rate,
                  double burst);

/*
 * Reserve one request on key at time now_ms.
 * Returns: how many ms the caller must wait before sending (0: at once).
 * A key that was never set is not limited.
 */
int64_t ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms);

/* Nothing more goes out on key before until_ms (a platform's 429). */
void ratelimit_pause(struct ratelimit *rl, const char *key, int64_t until_ms);

/* Returns: ms left of a pause on key at now_ms (0: not paused). */
int64_t ratelimit_paused(struct ratelimit *rl, const char *key, int64_t now_ms);

#endif
