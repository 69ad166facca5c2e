/*
 * bench-ack.c - acknowledgement latency of reflekt's Slack Events API at a
 * steady rate, for BENCHMARKS.md.
 *
 *   bench-ack URL SECRET USERS RATE SECONDS
 *
 * Open loop: request i is due at start + i / RATE whether or not earlier
 * ones were answered, so a slow answer cannot hold the next requests back
 * and hide its own cost.  Each is a signed Slack message event from one of
 * USERS direct-message users (U0BENCH0 ... in channel D0BENCH0 ...), with
 * its own event id.  A request's latency runs from the moment it was due
 * to the moment its answer arrived; reflekt answers only once the message
 * is committed, so this is the time to durable.  One more second runs
 * first as a warm-up (connections opened, first replies sent) and is not
 * counted in the percentiles.  Prints the count, the answers that were not
 * 200, and the latency percentiles.
 */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACK_MAX_FLIGHT 512

struct ack_req {
    CURL *h;
    struct curl_slist *hdrs;
    char body[512];
    double due;
};

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* Fill r with request i, signed with secret. */
static void
ack_prepare(struct ack_req *r, const char *url, const char *secret, int users,
            long i)
{
    char base[640], sig[2 * EVP_MAX_MD_SIZE + 4], hdr[128];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    long ts = (long)time(NULL);
    int u = (int)(i % users);

    snprintf(r->body, sizeof(r->body),
             "{\"type\":\"event_callback\",\"event_id\":\"EvBENCH%ld\","
             "\"event\":{\"type\":\"message\",\"channel_type\":\"im\","
             "\"channel\":\"D0BENCH%d\",\"user\":\"U0BENCH%d\","
             "\"text\":\"Svar %ld: i dag lot jeg teamet finne svaret selv.\","
             "\"ts\":\"%ld.%06ld\"}}",
             i, u, u, i, 1700000000L + i, i % 1000000);
    snprintf(base, sizeof(base), "v0:%ld:%s", ts, r->body);
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)base,
         strlen(base), mac, &maclen);
    memcpy(sig, "v0=", 3);
    for (unsigned int k = 0; k < maclen; k++)
        snprintf(sig + 3 + 2 * k, 3, "%02x", mac[k]);
    r->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(hdr, sizeof(hdr), "X-Slack-Request-Timestamp: %ld", ts);
    r->hdrs = curl_slist_append(r->hdrs, hdr);
    snprintf(hdr, sizeof(hdr), "X-Slack-Signature: %s", sig);
    r->hdrs = curl_slist_append(r->hdrs, hdr);
    curl_easy_setopt(r->h, CURLOPT_URL, url);
    curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdrs);
    curl_easy_setopt(r->h, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
}

int
main(int argc, char **argv)
{
    const char *url, *secret;
    int users, rate, seconds, running = 0, flight = 0, bad = 0, late = 0;
    long total, next = 0, done = 0;
    double *lat, *by_due, start;
    struct ack_req *free_list[ACK_MAX_FLIGHT], pool[ACK_MAX_FLIGHT];
    int nfree = ACK_MAX_FLIGHT;
    CURLM *m;

    if (argc != 6) {
        fprintf(stderr, "usage: bench-ack URL SECRET USERS RATE SECONDS\n");
        return 2;
    }
    url = argv[1];
    secret = argv[2];
    users = (int)strtol(argv[3], NULL, 10);
    rate = (int)strtol(argv[4], NULL, 10);
    seconds = (int)strtol(argv[5], NULL, 10);
    if (users < 1 || rate < 1 || seconds < 1)
        return 2;
    total = (long)rate * (seconds + 1); /* the first second warms up */
    lat = calloc((size_t)total, sizeof(*lat));
    by_due = calloc((size_t)total, sizeof(*by_due));
    curl_global_init(CURL_GLOBAL_DEFAULT);
    m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
    for (int k = 0; k < ACK_MAX_FLIGHT; k++) {
        pool[k].h = curl_easy_init();
        free_list[k] = &pool[k];
    }
    start = now_s();
    while (done < total) {
        double t = now_s();
        CURLMsg *msg;
        int left;

        /* Start every request that is due by now. */
        while (next < total && start + (double)next / rate <= t) {
            struct ack_req *r;

            if (nfree == 0) {
                late++; /* more in flight than the pool: it waits */
                break;
            }
            r = free_list[--nfree];
            ack_prepare(r, url, secret, users, next);
            r->due = start + (double)next / rate;
            curl_multi_add_handle(m, r->h);
            flight++;
            next++;
        }
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            struct ack_req *r;
            long code = 0;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK || code != 200)
                bad++;
            lat[done] = now_s() - r->due;
            by_due[(long)((r->due - start) * rate + 0.5)] = lat[done];
            done++;
            curl_multi_remove_handle(m, r->h);
            curl_slist_free_all(r->hdrs);
            r->hdrs = NULL;
            free_list[nfree++] = r;
            flight--;
        }
        /* Sleep until the next request is due or an answer comes. */
        {
            double wait_ms = 1.0;

            if (next < total) {
                wait_ms = (start + (double)next / rate - now_s()) * 1000.0;
                if (wait_ms < 0)
                    wait_ms = 0;
                if (wait_ms > 1.0)
                    wait_ms = 1.0;
            }
            curl_multi_poll(m, NULL, 0, (int)(wait_ms + 0.5), NULL);
        }
    }
    /* Where the slowest answers fell: each second's worst. */
    if (getenv("ACK_SECONDS") != NULL) {
        for (int sec = 0; sec < seconds; sec++) {
            double worst = 0;

            for (long k = (long)(sec + 1) * rate; k < (long)(sec + 2) * rate;
                 k++)
                worst = by_due[k] > worst ? by_due[k] : worst;
            printf("second %d: worst %.2f ms\n", sec, worst * 1e3);
        }
    }
    {
        long n = total - rate; /* after the warm-up */
        double *l = by_due + rate;

        qsort(l, (size_t)n, sizeof(*l), cmp_double);
        printf("ack: %ld requests at %d/s over %d s after a 1 s warm-up, %d "
               "not 200, %d started late; latency ms p50 %.2f p90 %.2f p99 "
               "%.2f p99.9 %.2f max %.2f\n",
               n, rate, seconds, bad, late, l[n / 2] * 1e3, l[n * 9 / 10] * 1e3,
               l[n * 99 / 100] * 1e3, l[n * 999 / 1000] * 1e3, l[n - 1] * 1e3);
    }
    for (int k = 0; k < ACK_MAX_FLIGHT; k++)
        curl_easy_cleanup(pool[k].h);
    curl_multi_cleanup(m);
    curl_global_cleanup();
    free(lat);
    free(by_due);
    return bad == 0 ? 0 : 1;
}
