/*
 * clock.c - the wall clock, with a frozen mode for tests.
 */
#include "clock.h"

#include <time.h>

static int64_t clock_frozen;

int64_t
clock_now(void)
{
    if (clock_frozen != 0)
        return clock_frozen;
    return (int64_t)time(NULL);
}

void
clock_set(int64_t t)
{
    clock_frozen = t;
}

void
clock_advance(int64_t seconds)
{
    if (clock_frozen == 0)
        clock_frozen = (int64_t)time(NULL);
    clock_frozen += seconds;
}
