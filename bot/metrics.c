/*
 * metrics.c - the process's counters in Prometheus text format.
 */
#include "metrics.h"

#include "buf.h"

#include <inttypes.h>

struct metrics metrics;

void
metrics_inbound(int status)
{
    int cls = status / 100;

    metrics.inbound[cls >= 1 && cls <= 5 ? cls : 0]++;
}

int
metrics_render(struct buf *b)
{
    static const char *const cls[6] = {"other", "1xx", "2xx",
                                       "3xx",   "4xx", "5xx"};
    int rc = buf_printf(
        b,
        "# HELP reflekt_prompts_sent_total Questions confirmed by a "
        "platform.\n"
        "# TYPE reflekt_prompts_sent_total counter\n"
        "reflekt_prompts_sent_total %" PRIu64 "\n"
        "# HELP reflekt_answers_stored_total Answer messages committed.\n"
        "# TYPE reflekt_answers_stored_total counter\n"
        "reflekt_answers_stored_total %" PRIu64 "\n"
        "# HELP reflekt_platform_errors_total Failed platform calls.\n"
        "# TYPE reflekt_platform_errors_total counter\n"
        "reflekt_platform_errors_total %" PRIu64 "\n"
        "# HELP reflekt_retries_total Platform calls tried again.\n"
        "# TYPE reflekt_retries_total counter\n"
        "reflekt_retries_total %" PRIu64 "\n"
        "# HELP reflekt_http_requests_total Outbound HTTP requests "
        "finished.\n"
        "# TYPE reflekt_http_requests_total counter\n"
        "reflekt_http_requests_total %" PRIu64 "\n"
        "# HELP reflekt_queue_depth Questions due and not yet confirmed.\n"
        "# TYPE reflekt_queue_depth gauge\n"
        "reflekt_queue_depth %" PRId64 "\n"
        "# HELP reflekt_inbound_requests_total Inbound HTTP requests by "
        "status.\n"
        "# TYPE reflekt_inbound_requests_total counter\n",
        metrics.prompts_sent, metrics.answers_stored, metrics.platform_errors,
        metrics.retries, metrics.http_requests, metrics.queue_depth);

    for (int i = 0; rc == 0 && i < 6; i++)
        rc = buf_printf(b,
                        "reflekt_inbound_requests_total{status=\"%s\"} "
                        "%" PRIu64 "\n",
                        cls[i], metrics.inbound[i]);
    return rc;
}
