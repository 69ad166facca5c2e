/*
 * bot.c - the daemon's wiring and its one event loop.
 *
 * One uv_timer is armed for the earliest thing due (a leader's next
 * question or a delivery's next step); nothing polls.  Changes made by the
 * command line are noticed through a file-system watch on the database's
 * WAL file: a change by another connection moves SQLite's data_version,
 * and the engine then looks again at once.  A second timer sweeps answers
 * past their organisation's retention limit, hourly, and only while some
 * organisation has one.  Signals: SIGTERM and SIGINT stop cleanly between
 * two events (so no write is ever cut in half), SIGHUP reads the
 * configuration again.
 */
#include "bot.h"

#include "adapter.h"
#include "clock.h"
#include "convo.h"
#include "commit.h"
#include "err.h"
#include "http.h"
#include "listen.h"
#include "web.h"
#include "log.h"
#include "metrics.h"
#include "prompt.h"
#include "store.h"
#include "xmalloc.h"
#include "buf.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

/* A far-off timer is re-checked hourly, in case the wall clock jumped. */
#define BOT_MAX_SLEEP_MS (3600u * 1000u)
/* How often answers past their organisation's retention limit are swept. */
#define BOT_RETENTION_MS (3600u * 1000u)

struct bot {
    uv_loop_t loop;
    struct config conf;
    const char *config_path;
    struct store *st;
    int lock_fd; /* held on the database file while the daemon runs */
    struct prompt_set prompts;
    struct convo cv;
    struct adapter *adapters[CONVO_MAX_ADAPTERS];
    int nadapters;
    uv_timer_t timer;
    uv_fs_event_t watch;
    uv_timer_t settle;    /* the pause between a WAL change and its check */
    uv_timer_t retention; /* hourly, while an organisation has a limit */
    int watching;
    unsigned watch_tries;
    char *wal_name;
    int64_t data_version;
    uv_signal_t sigterm, sigint, sighup;
    struct http *http;
    struct listen *listen;
    struct web *web;
    struct commit *commit;
    int stopping;
    int failed;  /* stopped by a fatal platform error */
    unsigned up; /* bit i: adapters[i] reported its platform up */
    int started; /* every adapter's start() returned */
    int ready;   /* systemd told READY=1 */
};

static void bot_tick(struct bot *b);

static void
on_timer(uv_timer_t *t)
{
    bot_tick(t->data);
}

/* The engine's outcome of a send changed what is due: look again. */
static void
bot_wake(void *arg)
{
    struct bot *b = arg;

    if (!b->stopping)
        uv_timer_start(&b->timer, on_timer, 0, 0);
}

static void
bot_tick(struct bot *b)
{
    int64_t now = clock_now(), next = 0;
    uint64_t delay;
    int rc;

    if (b->stopping)
        return;
    rc = convo_tick(&b->cv, now, &next);
    if (rc < 0) {
        log_error("msg=\"scheduler step failed; retrying in a minute\" "
                  "error=%s",
                  err_name(rc));
        uv_timer_start(&b->timer, on_timer, 60000, 0);
        return;
    }
    if (next == 0) {
        /* Nothing planned at all: sleep until something changes. */
        uv_timer_stop(&b->timer);
        log_debug("msg=\"nothing due\"");
        return;
    }
    delay = next <= now ? 0 : (uint64_t)(next - now) * 1000u;
    if (delay > BOT_MAX_SLEEP_MS)
        delay = BOT_MAX_SLEEP_MS;
    log_debug("msg=\"timer armed\" due=%" PRId64 " in_ms=%" PRIu64, next,
              delay);
    uv_timer_start(&b->timer, on_timer, delay, 0);
}

static void on_retention(uv_timer_t *t);

/*
 * The retention sweep runs hourly only while some organisation has a
 * limit, so a daemon with nothing due still never wakes.  A limit set on
 * the command line is applied there at once; the daemon notices it with
 * the other changes and keeps the sweep going.
 */
static void
bot_retention_arm(struct bot *b)
{
    int orgs = 0;

    if (b->stopping || store_retention_orgs(b->st, &orgs) < 0)
        return;
    if (orgs == 0)
        uv_timer_stop(&b->retention);
    else if (!uv_is_active((uv_handle_t *)&b->retention))
        uv_timer_start(&b->retention, on_retention, BOT_RETENTION_MS,
                       BOT_RETENTION_MS);
}

static void
bot_retention(struct bot *b)
{
    int n = 0, rc;

    if ((rc = store_begin(b->st)) < 0 ||
        (rc = store_retention_sweep(b->st, clock_now(), &n)) < 0 ||
        (rc = store_commit(b->st)) < 0) {
        store_rollback(b->st);
        log_error("msg=\"retention sweep failed; trying again in an hour\" "
                  "error=%s",
                  err_name(rc));
    } else if (n > 0) {
        log_info("msg=\"answers past their retention limit deleted\" "
                 "answers=%d",
                 n);
    }
    bot_retention_arm(b);
}

static void
on_retention(uv_timer_t *t)
{
    bot_retention(t->data);
}

/*
 * The WAL file changes while another process writes, but its commit becomes
 * visible only after the fsync and the WAL-index update that follow, so the
 * check waits a moment and looks again a few times before giving up.
 */
static void
on_db_settled(uv_timer_t *t)
{
    struct bot *b = t->data;
    int64_t v = store_data_version(b->st);

    if (v != b->data_version) {
        b->data_version = v;
        b->watch_tries = 0;
        log_debug("msg=\"database changed by another process\"");
        uv_timer_start(&b->timer, on_timer, 0, 0);
        bot_retention_arm(b);
        return;
    }
    if (++b->watch_tries < 4)
        uv_timer_start(&b->settle, on_db_settled, 100u * b->watch_tries, 0);
    else
        b->watch_tries = 0;
}

static void
on_db_change(uv_fs_event_t *h, const char *filename, int events, int status)
{
    struct bot *b = h->data;

    (void)filename;
    (void)events;
    if (status < 0 || b->stopping || uv_is_active((uv_handle_t *)&b->settle))
        return;
    b->watch_tries = 0;
    uv_timer_start(&b->settle, on_db_settled, 20, 0);
}

/*
 * Watch the WAL file itself rather than its folder: log files and anything
 * else beside the database must not wake the daemon.  The daemon holds a
 * connection open, so SQLite never deletes the WAL file under the watch.
 */
static int
bot_watch(struct bot *b)
{
    int rc;

    b->wal_name = xasprintf("%s-wal", b->conf.db);
    uv_fs_event_init(&b->loop, &b->watch);
    b->watch.data = b;
    rc = uv_fs_event_start(&b->watch, on_db_change, b->wal_name, 0);
    if (rc < 0) {
        log_warn("msg=\"cannot watch the database; command-line changes "
                 "reach the daemon at its next wake-up\" error=\"%s\"",
                 uv_strerror(rc));
        uv_close((uv_handle_t *)&b->watch, NULL);
        return 0;
    }
    b->watching = 1;
    uv_timer_init(&b->loop, &b->settle);
    b->settle.data = b;
    b->data_version = store_data_version(b->st);
    return 0;
}

static int
host_on_event(struct adapter *a, const struct adapter_event *ev, void *arg)
{
    struct bot *b = arg;
    int rc = convo_on_event(&b->cv, a, ev, clock_now());

    /* An answer may have changed what is due next (reminders, closing). */
    if (rc == 0 && !b->stopping)
        uv_timer_start(&b->timer, on_timer, 0, 0);
    return rc;
}

static int
host_on_events(struct adapter *a, const struct adapter_event *evs, size_t n,
               const char *cursor_key, const char *cursor_value, void *arg)
{
    struct bot *b = arg;
    int rc = convo_on_events(&b->cv, a, evs, n, cursor_key, cursor_value,
                             clock_now());

    if (rc == 0 && n > 0 && !b->stopping)
        uv_timer_start(&b->timer, on_timer, 0, 0);
    return rc;
}

static int
host_leader_lookup(struct adapter *a, const char *user_id, char *conversation,
                   size_t convsz, char lang[3], void *arg)
{
    struct bot *b = arg;
    struct store_leader l;
    int rc = store_leader_by_identity(b->st, a->ops->name, user_id, &l);

    if (rc == ERR_NOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    xstrlcpy(conversation, l.conversation, convsz);
    xstrlcpy(lang, l.lang, 3);
    return 1;
}

static int
host_conversation_set(struct adapter *a, const char *user_id,
                      const char *conversation, void *arg)
{
    struct bot *b = arg;

    return store_leader_set_conversation(b->st, a->ops->name, user_id,
                                         conversation);
}

static int
host_cursor_get(struct adapter *a, const char *key, char *out, size_t outsz,
                void *arg)
{
    struct bot *b = arg;

    return store_cursor_get(b->st, a->ops->name, key, out, outsz);
}

static int
host_cursor_set(struct adapter *a, const char *key, const char *value,
                void *arg)
{
    struct bot *b = arg;

    return store_cursor_set(b->st, a->ops->name, key, value);
}

static void
bot_stop(struct bot *b)
{
    if (b->stopping)
        return;
    b->stopping = 1;
    sd_notify(0, "STOPPING=1");
    log_info("msg=\"stopping\"");
    for (int i = 0; i < b->nadapters; i++)
        b->adapters[i]->ops->stop(b->adapters[i]);
    /* What is queued is committed and answered before the endpoint goes. */
    commit_close(b->commit);
    b->cv.commit = NULL; /* later send outcomes commit on their own */
    listen_close(b->listen);
    http_close(b->http);
    web_free(b->web);
    b->web = NULL;
    uv_close((uv_handle_t *)&b->timer, NULL);
    uv_close((uv_handle_t *)&b->retention, NULL);
    if (b->watching) {
        uv_close((uv_handle_t *)&b->watch, NULL);
        uv_close((uv_handle_t *)&b->settle, NULL);
    }
    uv_close((uv_handle_t *)&b->sigterm, NULL);
    uv_close((uv_handle_t *)&b->sigint, NULL);
    uv_close((uv_handle_t *)&b->sighup, NULL);
}

/*
 * Under systemd (Type=notify), READY=1 once every adapter has its platform
 * connection up; until then STATUS names the ones still connecting.
 * Without NOTIFY_SOCKET sd_notify does nothing.
 */
static void
bot_notify_ready(struct bot *b)
{
    char waiting[128] = "";
    size_t len = 0;

    for (int i = 0; i < b->nadapters; i++) {
        if (!(b->up & (1u << i)) && len < sizeof(waiting))
            len +=
                (size_t)snprintf(waiting + len, sizeof(waiting) - len, "%s%s",
                                 len ? ", " : "", b->adapters[i]->ops->name);
    }
    if (len > 0) {
        sd_notifyf(0, "STATUS=connecting to %s", waiting);
        return;
    }
    b->ready = 1;
    log_info("msg=\"ready\" adapters=%d", b->nadapters);
    sd_notify(0, "READY=1\nSTATUS=running");
}

static void
host_up(struct adapter *a, void *arg)
{
    struct bot *b = arg;

    for (int i = 0; i < b->nadapters; i++) {
        if (b->adapters[i] == a && !(b->up & (1u << i))) {
            b->up |= 1u << i;
            log_debug("adapter=%s msg=\"up\"", a->ops->name);
            if (b->started && !b->ready && !b->stopping)
                bot_notify_ready(b);
        }
    }
}

/* A platform refused reflekt for good: stop, and exit with an error. */
static void
host_fatal(struct adapter *a, const char *why, void *arg)
{
    struct bot *b = arg;

    fprintf(stderr, "reflekt: %s: %s\n", a->ops->name, why);
    b->failed = 1;
    bot_stop(b);
}

static void
bot_reload(struct bot *b)
{
    struct config fresh;
    char err[ERR_BUFSZ] = "";

    /* A reload before the start finished is not one systemd asked for. */
    if (b->ready)
        sd_notify(0, "RELOADING=1");
    config_init(&fresh);
    if (config_load(&fresh, b->config_path, err) < 0) {
        char esc[2 * ERR_BUFSZ];

        log_error("msg=\"configuration not reloaded\" error=\"%s\"",
                  log_esc(err, esc, sizeof(esc)));
        config_release(&fresh);
        if (b->ready)
            sd_notify(0, "READY=1\nSTATUS=configuration not reloaded; the "
                         "previous one stays");
        return;
    }
    if (strcmp(fresh.db, b->conf.db) != 0)
        log_warn("msg=\"a new database path takes effect at restart\"");
    free(fresh.db);
    fresh.db = xstrdup(b->conf.db);
    /* The endpoint stays bound where it is (--listen or the file's), and
     * -v or -vv stay in force. */
    if (fresh.listen != NULL &&
        (b->conf.listen == NULL || strcmp(fresh.listen, b->conf.listen) != 0))
        log_warn("msg=\"a new listen address takes effect at restart\"");
    free(fresh.listen);
    fresh.listen = b->conf.listen != NULL ? xstrdup(b->conf.listen) : NULL;
    if (b->conf.verbose > 0) {
        fresh.verbose = b->conf.verbose;
        fresh.log_level = b->conf.log_level;
    }
    config_release(&b->conf);
    b->conf = fresh;
    b->cv.conf = &b->conf;
    log_set_level(b->conf.log_level);
    log_info("msg=\"configuration reloaded\"");
    if (b->ready)
        sd_notify(0, "READY=1\nSTATUS=running");
    uv_timer_start(&b->timer, on_timer, 0, 0);
}

static void
on_signal(uv_signal_t *h, int signum)
{
    struct bot *b = h->data;

    if (signum == SIGHUP)
        bot_reload(b);
    else
        bot_stop(b);
}

static int
bot_adapters(struct bot *b)
{
    struct adapter_host host = {
        .on_event = host_on_event,
        .on_events = host_on_events,
        .leader_lookup = host_leader_lookup,
        .conversation_set = host_conversation_set,
        .cursor_get = host_cursor_get,
        .cursor_set = host_cursor_set,
        .fatal = host_fatal,
        .up = host_up,
        .arg = b,
    };
    const struct adapter_ops *want[CONVO_MAX_ADAPTERS];
    int n = 0;

    if (b->conf.console_enabled)
        want[n++] = &console_adapter_ops;
    if (b->conf.matrix_homeserver != NULL)
        want[n++] = &matrix_adapter_ops;
    if (b->conf.slack_bot_token != NULL)
        want[n++] = &slack_adapter_ops;
    if (b->conf.teams_app_id != NULL)
        want[n++] = &teams_adapter_ops;
    if (n == 0) {
        log_error("msg=\"no adapter is enabled; enable [console] or "
                  "configure a platform\"");
        return ERR_CONFIG;
    }
    for (int i = 0; i < n; i++) {
        char err[ERR_BUFSZ] = "", esc[2 * ERR_BUFSZ];
        struct adapter *a = adapter_new(want[i], &b->loop, &host);

        a->http = b->http;
        a->listen = b->listen;
        if (a->ops->init(a, &b->conf, err) < 0) {
            fprintf(stderr, "reflekt: %s: %s\n", a->ops->name, err);
            log_error("adapter=%s msg=\"cannot start\" error=\"%s\"",
                      a->ops->name, log_esc(err, esc, sizeof(esc)));
            adapter_free(a);
            return ERR_CONFIG;
        }
        b->adapters[b->nadapters++] = a;
        convo_add_adapter(&b->cv, a);
    }
    return 0;
}

static void
on_healthz(struct listen_req *req, void *arg)
{
    (void)arg;
    listen_respond(req, 200, "text/plain", "ok\n", 3);
}

static void
on_metrics(struct listen_req *req, void *arg)
{
    struct bot *b = arg;
    struct buf out;

    store_delivery_queue(b->st, clock_now(), &metrics.queue_depth);
    buf_init(&out, 0);
    metrics_render(&out);
    listen_respond(req, 200, "text/plain; version=0.0.4", out.data, out.len);
    buf_release(&out);
}

/* The network core: outbound HTTP, group commit, the inbound endpoint. */
static int
bot_network(struct bot *b)
{
    char err[ERR_BUFSZ] = "";

    b->http = http_new(&b->loop);
    b->commit = commit_new(&b->loop, b->st);
    b->cv.commit = b->commit;
    if (b->http == NULL) {
        log_error("msg=\"cannot start the HTTP client\"");
        return ERR_IO;
    }
    if (b->conf.listen == NULL)
        return 0;
    b->listen = listen_new(&b->loop, b->conf.listen, NULL, err);
    if (b->listen == NULL) {
        fprintf(stderr, "reflekt: %s\n", err);
        return ERR_CONFIG;
    }
    listen_route(b->listen, "GET", "/healthz", 0, on_healthz, b);
    listen_route(b->listen, "GET", "/metrics", 0, on_metrics, b);
    b->web = web_new(&b->loop, b->listen, b->st, &b->conf, &b->prompts, b->http,
                     bot_wake, b);
    if (b->web == NULL) {
        log_error("msg=\"cannot start the web console\"");
        return ERR_IO;
    }
    log_info("msg=\"listening\" addr=\"%s\" port=%d", b->conf.listen,
             listen_port(b->listen));
    return 0;
}

static void
bot_release(struct bot *b)
{
    for (int i = 0; i < b->nadapters; i++) {
        b->adapters[i]->ops->release(b->adapters[i]);
        adapter_free(b->adapters[i]);
    }
    prompt_set_release(&b->prompts);
    store_close(b->st);
    if (b->lock_fd >= 0)
        close(b->lock_fd);
    free(b->wal_name);
}

/*
 * What the daemon process needs of its surroundings.  A crash writes no
 * core file: one would hold answers and tokens from memory, on disk, out
 * of reach of the retention rules.  And the heap's top is kept rather
 * than handed back after every transaction: SQLite's scratch memory for a
 * savepoint or a statement comes and goes hundreds of times a second under
 * load, and returning it each time costs a TLB flush on every core.
 */
static void
bot_process_setup(void)
{
    struct rlimit none = {0, 0};

    if (setrlimit(RLIMIT_CORE, &none) < 0)
        log_warn("msg=\"cannot turn off core dumps\"");
    mallopt(M_TOP_PAD, 1 << 20);
    mallopt(M_TRIM_THRESHOLD, 4 << 20);
}

int
bot_run(struct config *conf, const char *config_path)
{
    struct bot *b = xcalloc(1, sizeof(*b));
    char err[ERR_BUFSZ] = "";
    int status = 1, rc;

    b->lock_fd = -1;
    b->conf = *conf; /* taken over */
    memset(conf, 0, sizeof(*conf));
    b->config_path = config_path;
    bot_process_setup();
    prompt_set_init(&b->prompts);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (store_open(b->conf.db, &b->st, err) < 0) {
        fprintf(stderr, "reflekt: %s\n", err);
        goto out;
    }
    /* One daemon per database, and no restore under a running one; a
     * daemon still stopping is given a few seconds. */
    if (store_lock_file(b->conf.db, 5000, &b->lock_fd, err) < 0) {
        fprintf(stderr, "reflekt: %s\n", err);
        goto out;
    }
    if (prompt_set_load_builtin(&b->prompts, err) < 0 ||
        (b->conf.prompts_dir != NULL &&
         prompt_set_load_dir(&b->prompts, b->conf.prompts_dir, err) < 0)) {
        fprintf(stderr, "reflekt: %s\n", err);
        goto out;
    }
    uv_loop_init(&b->loop);
    convo_init(&b->cv, b->st, &b->conf, &b->prompts);
    b->cv.wake = bot_wake;
    b->cv.wake_arg = b;
    uv_timer_init(&b->loop, &b->timer);
    b->timer.data = b;
    uv_timer_init(&b->loop, &b->retention);
    b->retention.data = b;
    uv_signal_init(&b->loop, &b->sigterm);
    uv_signal_init(&b->loop, &b->sigint);
    uv_signal_init(&b->loop, &b->sighup);
    b->sigterm.data = b->sigint.data = b->sighup.data = b;
    uv_signal_start(&b->sigterm, on_signal, SIGTERM);
    uv_signal_start(&b->sigint, on_signal, SIGINT);
    uv_signal_start(&b->sighup, on_signal, SIGHUP);
    if ((rc = bot_network(b)) < 0 || (rc = bot_adapters(b)) < 0 ||
        (rc = convo_recover(&b->cv, clock_now())) < 0) {
        bot_stop(b);
        uv_run(&b->loop, UV_RUN_DEFAULT);
        goto loop_out;
    }
    for (int i = 0; i < b->nadapters; i++) {
        if (b->adapters[i]->ops->start(b->adapters[i]) < 0) {
            bot_stop(b);
            uv_run(&b->loop, UV_RUN_DEFAULT);
            goto loop_out;
        }
    }
    bot_watch(b);
    log_info("msg=\"reflekt running\" db=\"%s\" questions=%zu adapters=%d",
             b->conf.db, b->prompts.n, b->nadapters);
    /* Adapters up inside start() (the console) were counted, not told. */
    b->started = 1;
    bot_notify_ready(b);
    bot_retention(b);
    bot_tick(b);
    uv_run(&b->loop, UV_RUN_DEFAULT);
    status = b->failed ? 1 : 0;
loop_out:
    if (uv_loop_close(&b->loop) != 0)
        log_warn("msg=\"event loop closed with handles open\"");
    log_info("msg=\"stopped\" questions_sent=%" PRIu64
             " answers_stored=%" PRIu64,
             b->cv.sent, b->cv.answers);
out:
    bot_release(b);
    config_release(&b->conf);
    curl_global_cleanup();
    free(b);
    return status;
}
