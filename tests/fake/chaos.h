/*
 * chaos.h - the fake platforms' random faults: a seeded xorshift draw per
 * request (test code, one definition each per program).
 */
#ifndef REFLEKT_FAKE_CHAOS_H
#define REFLEKT_FAKE_CHAOS_H

struct fake_chaos {
    int permille; /* requests in 1,000 that get a fault; 0: none */
    int hits;     /* requests faulted so far */
    unsigned long long state;
};

/* Start (or, with permille 0, stop) faulting; returns the hits so far. */
static inline int
fake_chaos_set(struct fake_chaos *c, int permille, unsigned seed)
{
    c->permille = permille;
    c->state = 0x9e3779b97f4a7c15ULL ^ seed;
    return c->hits;
}

/* One request: 0, or which of kinds faults (1..kinds).  The caller holds
 * the lock that guards c. */
static inline int
fake_chaos_draw(struct fake_chaos *c, int kinds)
{
    unsigned long long x = c->state;

    if (c->permille <= 0)
        return 0;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c->state = x;
    if ((int)(x % 1000) >= c->permille)
        return 0;
    c->hits++;
    return 1 + (int)((x >> 32) % (unsigned)kinds);
}

#endif
