/*
 * bench-matrix.c - the Matrix path's figures for BENCHMARKS.md.
 *
 *   bench-matrix LEADERS MESSAGES
 *
 * In one process: the fake homeserver (its own threads) and reflekt's
 * storage, engine and Matrix adapter on a libuv loop in the main thread.
 * LEADERS leaders each have a direct room and an open question; each then
 * sends MESSAGES answer messages.  Measured on the loop thread alone
 * (CLOCK_THREAD_CPUTIME_ID, so the fake server's work is not counted):
 * answers made durable per second, CPU per answer, and then CPU and time
 * per question sent (message plus two reactions).
 */
#include "adapter.h"
#include "clock.h"
#include "commit.h"
#include "config.h"
#include "convo.h"
#include "err.h"
#include "fake-matrix.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "prompt.h"
#include "store.h"
#include "store-int.h"
#include "xmalloc.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static struct store *st;
static struct convo cv;
static int batches, events;

static int
h_on_event(struct adapter *a, const struct adapter_event *ev, void *arg)
{
    (void)arg;
    return convo_on_event(&cv, a, ev, clock_now());
}

static int
h_on_events(struct adapter *a, const struct adapter_event *evs, size_t n,
            const char *key, const char *value, void *arg)
{
    (void)arg;
    batches++;
    events += (int)n;
    return convo_on_events(&cv, a, evs, n, key, value, clock_now());
}

static int
h_lookup(struct adapter *a, const char *user, char *conv, size_t convsz,
         char lang[3], void *arg)
{
    struct store_leader l;

    (void)arg;
    if (store_leader_by_identity(st, a->ops->name, user, &l) < 0)
        return 0;
    xstrlcpy(conv, l.conversation, convsz);
    xstrlcpy(lang, l.lang, 3);
    return 1;
}

static int
h_conv(struct adapter *a, const char *user, const char *conv, void *arg)
{
    (void)arg;
    return store_leader_set_conversation(st, a->ops->name, user, conv);
}

static int
h_cget(struct adapter *a, const char *key, char *out, size_t outsz, void *arg)
{
    (void)arg;
    return store_cursor_get(st, a->ops->name, key, out, outsz);
}

static int
h_cset(struct adapter *a, const char *key, const char *value, void *arg)
{
    (void)arg;
    return store_cursor_set(st, a->ops->name, key, value);
}

static double
cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall_s(void)
{
    return (double)uv_hrtime() / 1e9;
}

int
main(int argc, char **argv)
{
    int leaders = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1000;
    int per = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
    struct adapter_host host = {
        .on_event = h_on_event,
        .on_events = h_on_events,
        .leader_lookup = h_lookup,
        .conversation_set = h_conv,
        .cursor_get = h_cget,
        .cursor_set = h_cset,
    };
    struct fake_matrix *f;
    struct config conf;
    struct prompt_set ps;
    struct adapter *a;
    uv_loop_t loop;
    char err[ERR_BUFSZ] = "", db[] = "/tmp/reflekt-bench-XXXXXX", url[64];
    double w0, c0, w1, c1;
    uint64_t stored0, sent0;
    struct rusage ru;
    int fd, total = leaders * per;

    log_set_level(LOG_LEVEL_ERROR);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    fd = mkstemp(db);
    close(fd);
    unlink(db);
    f = fake_matrix_start();
    fake_matrix_add_user(f, "reflekt", "bot-token");
    config_init(&conf);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", fake_matrix_port(f));
    conf.matrix_homeserver = xstrdup(url);
    conf.matrix_access_token = xstrdup("bot-token");
    prompt_set_init(&ps);
    if (store_open(db, &st, err) < 0 || prompt_set_load_builtin(&ps, err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    uv_loop_init(&loop);
    convo_init(&cv, st, &conf, &ps);
    /* Enrol the leaders, each with a direct room and an open question;
     * the set-up is not measured, so it need not reach the disk. */
    sqlite3_exec(st->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    for (int i = 0; i < leaders; i++) {
        struct store_leader l;
        char local[32], user[64], room[128];
        int64_t id;

        memset(&l, 0, sizeof(l));
        snprintf(local, sizeof(local), "leader%d", i);
        snprintf(user, sizeof(user), "@leader%d:localhost", i);
        fake_matrix_add_user(f, local, local);
        fake_matrix_create_dm(f, user, "@reflekt:localhost", 0, room,
                              sizeof(room));
        fake_matrix_join(f, "@reflekt:localhost", room);
        snprintf(l.handle, sizeof(l.handle), "leader%d", i);
        xstrlcpy(l.platform, "matrix", sizeof(l.platform));
        xstrlcpy(l.user_id, user, sizeof(l.user_id));
        xstrlcpy(l.consultant, "anna", sizeof(l.consultant));
        xstrlcpy(l.manager, "bob", sizeof(l.manager));
        xstrlcpy(l.org, "default", sizeof(l.org));
        xstrlcpy(l.lang, "nb", sizeof(l.lang));
        xstrlcpy(l.tz, "Europe/Oslo", sizeof(l.tz));
        xstrlcpy(l.country, "no", sizeof(l.country));
        xstrlcpy(l.cadence, conf.cadence, sizeof(l.cadence));
        xstrlcpy(l.dtstart, "2026-11-23", sizeof(l.dtstart));
        l.work_from = 0;
        l.work_to = 24 * 60;
        l.work_days = 0xfe;
        if (store_leader_add(st, &l, err) < 0 ||
            store_leader_set_conversation(st, "matrix", user, room) < 0 ||
            store_begin(st) < 0 ||
            convo_nudge(st, &conf, &ps, &l, 1, &id) < 0 ||
            store_commit(st) < 0) {
            fprintf(stderr, "setup failed: %s\n", err);
            return 1;
        }
    }
    sqlite3_exec(st->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
    /* As the daemon runs (bot/bot.c): send outcomes in the loop turn's
     * group commit, the heap's top kept. */
    cv.commit = commit_new(&loop, st);
    mallopt(M_TOP_PAD, 1 << 20);
    mallopt(M_TRIM_THRESHOLD, 4 << 20);
    host.arg = NULL;
    a = adapter_new(&matrix_adapter_ops, &loop, &host);
    a->http = http_new(&loop);
    convo_add_adapter(&cv, a);
    if (a->ops->init(a, &conf, err) < 0 || a->ops->start(a) < 0) {
        fprintf(stderr, "adapter: %s\n", err);
        return 1;
    }
    /* Questions: every leader's is due; send them all. */
    sent0 = metrics.prompts_sent;
    w0 = wall_s();
    c0 = cpu_s();
    {
        int64_t next;

        convo_tick(&cv, clock_now(), &next);
    }
    while (metrics.prompts_sent - sent0 < (uint64_t)leaders)
        uv_run(&loop, UV_RUN_ONCE);
    w1 = wall_s();
    c1 = cpu_s();
    printf("questions=%d seconds=%.3f per_s=%.0f cpu_us_per_question=%.1f\n",
           leaders, w1 - w0, leaders / (w1 - w0), (c1 - c0) * 1e6 / leaders);
    /* Let the first sync (history) pass before the leaders answer. */
    while (batches == 0)
        uv_run(&loop, UV_RUN_ONCE);
    for (int k = 0; k < per; k++) {
        for (int i = 0; i < leaders; i++) {
            char user[64], room[128], text[96];
            struct store_leader l;

            snprintf(user, sizeof(user), "@leader%d:localhost", i);
            store_leader_by_identity(st, "matrix", user, &l);
            xstrlcpy(room, l.conversation, sizeof(room));
            snprintf(text, sizeof(text),
                     "Svar %d fra leder %d: jeg prøvde noe nytt i dag.", k, i);
            fake_matrix_send_text(f, user, room, text, NULL, 0);
        }
    }
    stored0 = metrics.answers_stored;
    batches = events = 0;
    w0 = wall_s();
    c0 = cpu_s();
    while (metrics.answers_stored - stored0 < (uint64_t)total)
        uv_run(&loop, UV_RUN_ONCE);
    w1 = wall_s();
    c1 = cpu_s();
    getrusage(RUSAGE_SELF, &ru);
    printf("answers=%d batches=%d seconds=%.3f durable_per_s=%.0f "
           "cpu_us_per_answer=%.1f peak_rss_mb=%.1f\n",
           total, batches, w1 - w0, total / (w1 - w0), (c1 - c0) * 1e6 / total,
           (double)ru.ru_maxrss / 1024.0);
    a->ops->stop(a);
    commit_close(cv.commit);
    cv.commit = NULL;
    http_close(a->http);
    uv_run(&loop, UV_RUN_DEFAULT);
    a->ops->release(a);
    adapter_free(a);
    store_close(st);
    fake_matrix_stop(f);
    unlink(db);
    return 0;
}
