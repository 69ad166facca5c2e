/*
 * metrics.h - counters for logs and the /metrics endpoint.
 *
 * One process-wide set of counters, touched only from the loop thread.
 * Rendered in the Prometheus text format by metrics_render().
 */
#ifndef REFLEKT_METRICS_H
#define REFLEKT_METRICS_H

#include <stdint.h>

struct buf;

struct metrics {
    uint64_t prompts_sent;
    uint64_t answers_stored;
    uint64_t platform_errors;
    uint64_t retries;
    uint64_t http_requests; /* outbound, finished */
    uint64_t inbound[6];    /* by status class: 1xx .. 5xx, [0] other */
    int64_t queue_depth;    /* questions waiting to go out */
};

extern struct metrics metrics;

/* Count one inbound request answered with status. */
void metrics_inbound(int status);
/* Append the Prometheus text exposition to b. */
int metrics_render(struct buf *b);

#endif
