/*
 * clock.h - wall-clock time, injectable.
 *
 * Calendar rules need the wall clock; intervals use the loop's monotonic
 * uv_now().  Tests freeze or advance the wall clock to run weeks of schedule
 * in milliseconds.
 */
#ifndef REFLEKT_CLOCK_H
#define REFLEKT_CLOCK_H

#include <stdint.h>

/* Returns: Unix seconds, real or frozen. */
int64_t clock_now(void);
/* Freeze the clock at t (t = 0 returns to real time). */
void clock_set(int64_t t);
void clock_advance(int64_t seconds);

#endif
