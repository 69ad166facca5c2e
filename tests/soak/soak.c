/*
 * soak.c - the crash loop: reflekt against the fake homeserver and the fake
 * Slack (both in this process, in their own threads) while leaders answer
 * and new questions fall due, and a killer thread ends the daemon with
 * SIGKILL at random moments and starts it again, K times.  Then one last
 * daemon runs until every answer is in, is stopped with SIGTERM, and the
 * books are checked:
 *
 *   - every answer message the fakes delivered is stored exactly once;
 *   - every question reflekt recorded as sent reached its leader exactly
 *     once, and every question that fell due was sent.
 *
 * With --chaos PERMILLE the fakes also answer that share of requests with
 * a 500, a 429, a slow reply, a dropped connection or a body cut short,
 * and Slack's Socket Mode connections are dropped now and then.
 *
 *   soak REFLEKT [--kills K] [--leaders N] [--chaos PERMILLE] [--seed S]
 *                [--keep]
 *
 * The last line reads "soak: K kills, N answers sent, N stored once,
 * 0 lost, 0 doubled, 0 questions repeated"; the exit status is 0 only
 * when nothing was lost, doubled, repeated or left unsent.
 */
#include "fake-matrix.h"
#include "fake-slack.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SOAK_MAX_LEADERS 64
#define SOAK_MAX_ROOMS 8
#define SOAK_MAX_MSGS 8192
#define SOAK_MAX_ANSWERS 200000
#define SOAK_QUESTION_WAIT_MS 240000 /* a question due now must arrive */
#define SOAK_DRAIN_MS 300000         /* the last daemon's time to catch up */
#define SOAK_BOT "@reflekt:localhost"

enum leader_state {
    L_NUDGE, /* make the next question due */
    L_WAIT,  /* for that question to arrive */
    L_DONE,  /* the run is over for this leader */
};

struct leader {
    char handle[16];
    int slack;     /* else Matrix */
    char user[64]; /* @m0:localhost or U1S0 */
    char rooms[SOAK_MAX_ROOMS][128];
    int nrooms;
    enum leader_state state;
    int64_t delivery;         /* the question being waited for */
    char question[1024];      /* its text */
    int seen[SOAK_MAX_ROOMS]; /* the bot's messages per room (Slack: [0])
                                 before the nudge */
    int64_t wait_since;       /* ms */
    int64_t next_at;          /* ms: not before */
    int asked, sent;          /* nudges made, answers sent */
};

struct answer {
    int leader;
    int seq;
    int acked; /* Slack: the app acknowledged it; Matrix: always */
};

static struct {
    const char *reflekt;
    char dir[256];
    char db[300];
    int kills_wanted, nleaders, chaos, keep;
    unsigned seed;
    struct fake_matrix *fm;
    struct fake_slack *fs;
    struct leader leaders[SOAK_MAX_LEADERS];
    pthread_mutex_t lock;
    pthread_mutex_t spawn_lock;
    struct answer *answers;
    int nanswers;
    int kills;
    int killing_done; /* the last daemon runs */
    int stop_drivers;
    pid_t daemon;
    int questions_missing, slack_unacked, drops;
    unsigned rng; /* the killer's */
} S;

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static unsigned
rnd(unsigned *state)
{
    unsigned x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static void
die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("soak: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/*
 * Start reflekt with argv (argv[0] is ignored): standard input from
 * /dev/null, standard output to fd out (or /dev/null when -1), standard
 * error to fd err (or the same as out).  Only async-signal-safe calls
 * between fork and exec: this process has threads.
 */
static pid_t
spawn(const char *const *argv, int out, int err)
{
    pid_t pid = fork();

    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        int in = open("/dev/null", O_RDWR);

        if (in < 0 || dup2(in, 0) < 0 || dup2(out >= 0 ? out : in, 1) < 0 ||
            dup2(err >= 0 ? err : (out >= 0 ? out : in), 2) < 0)
            _exit(127);
        execv(S.reflekt, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int
reap(pid_t pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

/* Run reflekt with args; its standard output into out (may be NULL).
 * Returns its exit status, or -1. */
static int
run_cli(char *out, size_t outsz, const char *const *args)
{
    const char *argv[32];
    int pipefd[2], status;
    size_t n = 0, i;
    pid_t pid;

    argv[0] = S.reflekt;
    for (i = 0; args[i] != NULL && i < 30; i++)
        argv[i + 1] = args[i];
    argv[i + 1] = NULL;
    /* No other thread may fork while the write end is open here. */
    pthread_mutex_lock(&S.spawn_lock);
    if (pipe(pipefd) < 0) {
        pthread_mutex_unlock(&S.spawn_lock);
        return -1;
    }
    fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
    fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
    pid = spawn(argv, pipefd[1], -1);
    close(pipefd[1]);
    pthread_mutex_unlock(&S.spawn_lock);
    for (;;) {
        char buf[512];
        ssize_t r = read(pipefd[0], buf, sizeof(buf));

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (ssize_t k = 0; k < r; k++)
            if (out != NULL && n + 1 < outsz)
                out[n++] = buf[k];
    }
    if (out != NULL && outsz > 0)
        out[n] = '\0';
    close(pipefd[0]);
    status = reap(pid);
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The daemon, its output appended to the run's log. */
static pid_t
daemon_start(void)
{
    const char *argv[] = {S.reflekt, "run", NULL};
    char log[300];
    int fd;
    pid_t pid;

    snprintf(log, sizeof(log), "%s/daemon.log", S.dir);
    fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        die("cannot open %s", log);
    pthread_mutex_lock(&S.spawn_lock);
    pid = spawn(argv, fd, fd);
    pthread_mutex_unlock(&S.spawn_lock);
    close(fd);
    return pid;
}

/* The killer: K lives of random length, each ended by SIGKILL. */
static void *
killer(void *arg)
{
    (void)arg;
    for (int k = 0; k < S.kills_wanted; k++) {
        pid_t pid = daemon_start();
        int status;

        pthread_mutex_lock(&S.lock);
        S.daemon = pid;
        pthread_mutex_unlock(&S.lock);
        /* From the middle of start-up to well into steady work. */
        sleep_ms(50 + rnd(&S.rng) % 1450);
        kill(pid, SIGKILL);
        status = reap(pid);
        pthread_mutex_lock(&S.lock);
        S.daemon = 0;
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            S.kills++;
        pthread_mutex_unlock(&S.lock);
        if (!WIFSIGNALED(status))
            fprintf(stderr,
                    "soak: the daemon ended by itself (status %d); "
                    "see %s/daemon.log\n",
                    status, S.dir);
    }
    pthread_mutex_lock(&S.lock);
    S.daemon = daemon_start();
    S.killing_done = 1;
    pthread_mutex_unlock(&S.lock);
    return NULL;
}

/* ---- the leaders' side --------------------------------------------------- */

static sqlite3 *
db_open(void)
{
    sqlite3 *db;

    if (sqlite3_open_v2(S.db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die("cannot open %s", S.db);
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/* The text of delivery id. */
static int
db_question(sqlite3 *db, int64_t id, char *out, size_t outsz)
{
    sqlite3_stmt *q;
    int rc = -1;

    if (sqlite3_prepare_v2(db, "SELECT question FROM delivery WHERE id = ?", -1,
                           &q, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(q, 0));
        rc = 0;
    }
    sqlite3_finalize(q);
    return rc;
}

/*
 * How many of the bot's messages to l hold text (NULL: every one), leaving
 * out the first l->seen[room] when fresh is set; room_out gets the room of
 * the last (Matrix).  mark: remember each room's count in l->seen.
 */
static int
bot_messages_with(struct leader *l, const char *text, int fresh, int mark,
                  char *room_out, size_t roomsz)
{
    int found = 0;

    if (l->slack) {
        struct fake_slack_post *posts = calloc(SOAK_MAX_MSGS, sizeof(*posts));
        int n;

        if (posts == NULL)
            die("out of memory");
        n = fake_slack_posts(S.fs, l->user, posts, SOAK_MAX_MSGS);
        for (int i = 0; i < n; i++) {
            if ((!fresh || i >= l->seen[0]) &&
                (text == NULL || strstr(posts[i].text, text) != NULL ||
                 (posts[i].blocks != NULL &&
                  strstr(posts[i].blocks, text) != NULL)))
                found++;
            fake_slack_post_release(&posts[i]);
        }
        if (mark)
            l->seen[0] = n;
        free(posts);
        return found;
    }
    for (int r = 0; r < l->nrooms; r++) {
        char **bodies = calloc(SOAK_MAX_MSGS, sizeof(*bodies));
        int n;

        if (bodies == NULL)
            die("out of memory");
        n = fake_matrix_messages(S.fm, l->rooms[r], SOAK_BOT, bodies,
                                 SOAK_MAX_MSGS);
        for (int i = 0; i < n; i++) {
            if ((!fresh || i >= l->seen[r]) &&
                (text == NULL || strstr(bodies[i], text) != NULL)) {
                found++;
                if (room_out != NULL)
                    snprintf(room_out, roomsz, "%s", l->rooms[r]);
            }
            free(bodies[i]);
        }
        if (mark)
            l->seen[r] = n;
        free(bodies);
    }
    return found;
}

/* Matrix: join every room the bot invited the leader to. */
static void
join_invites(struct leader *l)
{
    char *rooms[SOAK_MAX_ROOMS];
    int n = fake_matrix_invites(S.fm, l->user, rooms, SOAK_MAX_ROOMS);

    for (int i = 0; i < n; i++) {
        if (fake_matrix_join(S.fm, l->user, rooms[i]) != 0)
            continue;
        if (l->nrooms < SOAK_MAX_ROOMS)
            snprintf(l->rooms[l->nrooms++], sizeof(l->rooms[0]), "%s",
                     rooms[i]);
    }
}

static const char *const soak_words[] = {
    "Jeg ba teamet om innspill før møtet.",
    "Jag lyssnade mer än jag pratade i dag.",
    "I let the group decide the order of the agenda.",
    "Det var lettere å si nei enn jeg trodde.",
    "Jag märkte att jag avbröt två gånger.",
    "I asked one open question and waited.",
};

/* Send 1 to 3 answer messages from l into the room of its question. */
static void
answer(struct leader *l, int li, const char *room, unsigned *rng)
{
    int parts = 1 + (int)(rnd(rng) % 3);

    for (int p = 0; p < parts; p++) {
        char text[256];
        int seq, rc;

        pthread_mutex_lock(&S.lock);
        if (S.nanswers >= SOAK_MAX_ANSWERS) {
            pthread_mutex_unlock(&S.lock);
            return;
        }
        seq = l->sent++;
        pthread_mutex_unlock(&S.lock);
        snprintf(text, sizeof(text), "[%s-%d] %s", l->handle, seq,
                 soak_words[rnd(rng) %
                            (sizeof(soak_words) / sizeof(soak_words[0]))]);
        if (l->slack)
            rc = fake_slack_say(S.fs, l->user, text, NULL, 0);
        else
            rc = fake_matrix_send_text(S.fm, l->user, room, text, NULL, 0);
        pthread_mutex_lock(&S.lock);
        S.answers[S.nanswers].leader = li;
        S.answers[S.nanswers].seq = seq;
        S.answers[S.nanswers].acked = rc == 0;
        S.nanswers++;
        if (rc != 0 && l->slack)
            S.slack_unacked++;
        pthread_mutex_unlock(&S.lock);
        if (rc != 0 && !l->slack)
            die("the fake homeserver refused a message from %s", l->user);
    }
}

/* One driver per platform: walks its leaders through nudge, wait, answer. */
static void *
driver(void *arg)
{
    int slack = arg != NULL;
    unsigned rng = S.seed * 2654435761u + (unsigned)slack + 1;
    sqlite3 *db = db_open();
    int64_t next_drop = now_ms() + 1000;

    for (;;) {
        int busy = 0, stopping;

        pthread_mutex_lock(&S.lock);
        stopping = S.stop_drivers;
        pthread_mutex_unlock(&S.lock);
        for (int i = 0; i < S.nleaders; i++) {
            struct leader *l = &S.leaders[i];
            int64_t t = now_ms();

            if (l->slack != slack || l->state == L_DONE)
                continue;
            busy = 1;
            if (t < l->next_at)
                continue;
            if (l->state == L_NUDGE) {
                const char *args[] = {"nudge", l->handle, NULL};
                char out[256];
                long long id;

                if (stopping) {
                    l->state = L_DONE;
                    continue;
                }
                /* What the bot has said so far: the question is new. */
                if (!l->slack)
                    join_invites(l);
                bot_messages_with(l, NULL, 0, 1, NULL, 0);
                if (run_cli(out, sizeof(out), args) != 0 ||
                    sscanf(out, "question %lld", &id) != 1)
                    die("reflekt nudge %s failed: %s", l->handle, out);
                l->delivery = id;
                if (db_question(db, id, l->question, sizeof(l->question)) < 0)
                    die("question %lld not in the database", id);
                l->asked++;
                l->state = L_WAIT;
                l->wait_since = t;
            } else if (l->state == L_WAIT) {
                char room[128] = "";

                if (!l->slack)
                    join_invites(l);
                if (bot_messages_with(l, l->question, 1, 0, room,
                                      sizeof(room)) > 0) {
                    answer(l, i, room, &rng);
                    l->state = L_NUDGE;
                    l->next_at = now_ms() + rnd(&rng) % 400;
                } else if (t - l->wait_since > SOAK_QUESTION_WAIT_MS) {
                    fprintf(stderr, "soak: %s never got question %" PRId64 "\n",
                            l->handle, l->delivery);
                    pthread_mutex_lock(&S.lock);
                    S.questions_missing++;
                    pthread_mutex_unlock(&S.lock);
                    l->state = L_DONE;
                } else {
                    l->next_at = t + 50;
                }
            }
        }
        /* Socket Mode links dropped now and then: on average every
         * 50 / chaos seconds. */
        if (slack && S.chaos > 0 && !stopping && now_ms() >= next_drop) {
            next_drop = now_ms() + rnd(&rng) % (100000u / (unsigned)S.chaos);
            fake_slack_drop(S.fs);
            pthread_mutex_lock(&S.lock);
            S.drops++;
            pthread_mutex_unlock(&S.lock);
        }
        if (!busy)
            break;
        sleep_ms(20);
    }
    sqlite3_close(db);
    return NULL;
}

/* ---- the books ----------------------------------------------------------- */

static int
leader_by_handle(const char *h)
{
    for (int i = 0; i < S.nleaders; i++)
        if (strcmp(S.leaders[i].handle, h) == 0)
            return i;
    return -1;
}

/* stored[leader][seq]: how many live responses carry answer "[h-seq]". */
static int
count_stored(sqlite3 *db, int **stored, int *foreign)
{
    sqlite3_stmt *q;

    if (sqlite3_prepare_v2(db,
                           "SELECT body FROM response WHERE retracted = 0 "
                           "AND body IS NOT NULL",
                           -1, &q, NULL) != SQLITE_OK)
        die("cannot read responses: %s", sqlite3_errmsg(db));
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(q, 0);

        /* One message per response; a body may also hold edits' text. */
        while ((p = strchr(p, '[')) != NULL) {
            char h[16];
            int seq, li;

            if (sscanf(p, "[%15[a-z0-9]-%d]", h, &seq) == 2 &&
                (li = leader_by_handle(h)) >= 0 && seq >= 0 &&
                seq < S.leaders[li].sent)
                stored[li][seq]++;
            else
                (*foreign)++;
            p++;
        }
    }
    sqlite3_finalize(q);
    return 0;
}

/* Questions: compare what reflekt recorded as sent with what arrived. */
static void
check_questions(sqlite3 *db, int *repeated, int *unsent, int *stuck)
{
    sqlite3_stmt *q;

    if (sqlite3_prepare_v2(
            db,
            "SELECT p.name, d.question, count(*), "
            "  sum(d.state IN ('pending', 'sending')) "
            "FROM delivery d JOIN engagement e ON e.id = d.engagement_id "
            "JOIN person p ON p.id = e.leader_id "
            "GROUP BY p.name, d.question",
            -1, &q, NULL) != SQLITE_OK)
        die("cannot read deliveries: %s", sqlite3_errmsg(db));
    while (sqlite3_step(q) == SQLITE_ROW) {
        int li = leader_by_handle((const char *)sqlite3_column_text(q, 0));
        const char *text = (const char *)sqlite3_column_text(q, 1);
        int n = sqlite3_column_int(q, 2), pend = sqlite3_column_int(q, 3);
        int got;

        if (li < 0)
            continue;
        got = bot_messages_with(&S.leaders[li], text, 0, 0, NULL, 0);
        *stuck += pend;
        if (got > n - pend) {
            *repeated += got - (n - pend);
            fprintf(stderr, "soak: %s got \"%.40s...\" %d times, %d sent\n",
                    S.leaders[li].handle, text, got, n - pend);
        } else if (got < n - pend) {
            *unsent += (n - pend) - got;
            fprintf(stderr,
                    "soak: %s: \"%.40s...\" recorded sent %d times, "
                    "arrived %d\n",
                    S.leaders[li].handle, text, n - pend, got);
        }
    }
    sqlite3_finalize(q);
}

/* Until every acknowledged answer is stored and nothing is left to send. */
static int
drained(sqlite3 *db)
{
    sqlite3_stmt *q;
    int pending = 0, stored = 0, want = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM delivery WHERE "
                           "state = 'sending' OR (state = 'pending' AND "
                           "action_at <= strftime('%s', 'now'))), "
                           "(SELECT count(*) FROM response)",
                           -1, &q, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        pending = sqlite3_column_int(q, 0);
        stored = sqlite3_column_int(q, 1);
    }
    sqlite3_finalize(q);
    pthread_mutex_lock(&S.lock);
    for (int i = 0; i < S.nanswers; i++)
        want += S.answers[i].acked;
    pthread_mutex_unlock(&S.lock);
    return pending == 0 && stored >= want;
}

static void
setenv_or_die(const char *k, const char *v)
{
    if (setenv(k, v, 1) != 0)
        die("setenv %s", k);
}

static void
usage(void)
{
    fprintf(stderr, "usage: soak REFLEKT [--kills K] [--leaders N] "
                    "[--chaos PERMILLE] [--seed S] [--keep]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    pthread_t kt, dm, ds;
    char port[64], url[128], tmpl[] = "/tmp/reflekt-soak.XXXXXX";
    int **stored, foreign = 0, lost = 0, doubled = 0, once = 0;
    int repeated = 0, unsent = 0, stuck = 0, acked = 0, status;
    int64_t t0 = now_ms(), t;
    sqlite3 *db;

    if (argc < 2)
        usage();
    S.reflekt = argv[1];
    S.kills_wanted = 200;
    S.nleaders = 16;
    S.seed = (unsigned)time(NULL);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--keep") == 0)
            S.keep = 1;
        else if (i + 1 < argc && strcmp(argv[i], "--kills") == 0)
            S.kills_wanted = (int)strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--leaders") == 0)
            S.nleaders = (int)strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--chaos") == 0)
            S.chaos = (int)strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0)
            S.seed = (unsigned)strtoul(argv[++i], NULL, 10);
        else
            usage();
    }
    if (S.nleaders < 2 || S.nleaders > SOAK_MAX_LEADERS || S.kills_wanted < 0 ||
        S.chaos < 0 || S.chaos > 1000)
        usage();
    S.rng = S.seed | 1;
    pthread_mutex_init(&S.lock, NULL);
    pthread_mutex_init(&S.spawn_lock, NULL);
    S.answers = calloc(SOAK_MAX_ANSWERS, sizeof(*S.answers));
    if (S.answers == NULL || mkdtemp(tmpl) == NULL)
        die("cannot set up");
    snprintf(S.dir, sizeof(S.dir), "%s", tmpl);
    snprintf(S.db, sizeof(S.db), "%s/soak.db", S.dir);
    printf("soak: %d kills, %d leaders, chaos %d/1000, seed %u, in %s\n",
           S.kills_wanted, S.nleaders, S.chaos, S.seed, S.dir);
    fflush(stdout);

    S.fm = fake_matrix_start();
    S.fs = fake_slack_start();
    if (S.fm == NULL || S.fs == NULL)
        die("cannot start the fake platforms");
    fake_matrix_add_user(S.fm, "reflekt", "bot-token");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", fake_matrix_port(S.fm));
    setenv_or_die("REFLEKT_MATRIX_HOMESERVER", url);
    setenv_or_die("REFLEKT_MATRIX_ACCESS_TOKEN", "bot-token");
    snprintf(port, sizeof(port), "http://127.0.0.1:%d/api",
             fake_slack_port(S.fs));
    setenv_or_die("REFLEKT_SLACK_API_BASE", port);
    setenv_or_die("REFLEKT_SLACK_BOT_TOKEN", FAKE_SLACK_BOT_TOKEN);
    setenv_or_die("REFLEKT_SLACK_APP_TOKEN", FAKE_SLACK_APP_TOKEN);
    setenv_or_die("REFLEKT_CONSOLE_ENABLED", "false");
    /* A long run asks each leader more questions than the library holds. */
    setenv_or_die("REFLEKT_SCHEDULE_REPEAT_WINDOW", "1s");
    setenv_or_die("REFLEKT_DB", S.db);
    unsetenv("REFLEKT_CONFIG");
    unsetenv("REFLEKT_FAULT");

    for (int i = 0; i < S.nleaders; i++) {
        struct leader *l = &S.leaders[i];
        int slack = i % 2;
        char token[32];

        l->slack = slack;
        if (slack) {
            snprintf(l->handle, sizeof(l->handle), "s%d", i / 2);
            snprintf(l->user, sizeof(l->user), "U1S%d", i / 2);
            fake_slack_add_user(S.fs, l->user, l->handle, "Europe/Stockholm");
        } else {
            snprintf(l->handle, sizeof(l->handle), "m%d", i / 2);
            snprintf(token, sizeof(token), "%s-token", l->handle);
            fake_matrix_add_user(S.fm, l->handle, token);
            snprintf(l->user, sizeof(l->user), "@%s:localhost", l->handle);
        }
        {
            const char *args[] = {"leader",
                                  "add",
                                  l->handle,
                                  "--platform",
                                  slack ? "slack" : "matrix",
                                  "--user",
                                  l->user,
                                  "--consultant",
                                  "anna",
                                  "--manager",
                                  "bob",
                                  "--lang",
                                  slack ? "sv" : "nb",
                                  slack ? NULL : "--tz",
                                  "Europe/Oslo",
                                  NULL};
            if (run_cli(NULL, 0, args) != 0)
                die("reflekt leader add %s failed", l->handle);
        }
    }
    if (S.chaos > 0) {
        fake_matrix_chaos(S.fm, S.chaos, S.seed);
        fake_slack_chaos(S.fs, S.chaos, S.seed + 1);
    }

    if (pthread_create(&kt, NULL, killer, NULL) != 0 ||
        pthread_create(&dm, NULL, driver, NULL) != 0 ||
        pthread_create(&ds, NULL, driver, &S) != 0)
        die("cannot start threads");
    pthread_join(kt, NULL);
    pthread_mutex_lock(&S.lock);
    S.stop_drivers = 1;
    pthread_mutex_unlock(&S.lock);
    pthread_join(dm, NULL);
    pthread_join(ds, NULL);

    /* The last daemon catches up, then stops cleanly. */
    db = db_open();
    t = now_ms();
    while (!drained(db) && now_ms() - t < SOAK_DRAIN_MS)
        sleep_ms(200);
    sleep_ms(1000); /* late deliveries of the last answers */
    kill(S.daemon, SIGTERM);
    status = reap(S.daemon);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fprintf(stderr, "soak: the last daemon did not stop cleanly (%d)\n",
                status);
    if (S.chaos > 0) {
        int hm = fake_matrix_chaos(S.fm, 0, 0);
        int hs = fake_slack_chaos(S.fs, 0, 0);

        printf("soak: chaos faulted %d Matrix and %d Slack requests, "
               "dropped Socket Mode %d times\n",
               hm, hs, S.drops);
    }

    stored = calloc((size_t)S.nleaders, sizeof(*stored));
    if (stored == NULL)
        die("out of memory");
    for (int i = 0; i < S.nleaders; i++)
        if ((stored[i] = calloc((size_t)S.leaders[i].sent + 1, sizeof(int))) ==
            NULL)
            die("out of memory");
    count_stored(db, stored, &foreign);
    for (int i = 0; i < S.nanswers; i++) {
        struct answer *a = &S.answers[i];
        int n = stored[a->leader][a->seq];

        if (!a->acked) {
            /* Slack gave up on it: it may be stored once, or not at all. */
            if (n > 1)
                doubled++;
            continue;
        }
        acked++;
        if (n == 1) {
            once++;
        } else if (n == 0) {
            lost++;
            fprintf(stderr, "soak: lost [%s-%d]\n", S.leaders[a->leader].handle,
                    a->seq);
        } else {
            doubled++;
            fprintf(stderr, "soak: [%s-%d] stored %d times\n",
                    S.leaders[a->leader].handle, a->seq, n);
        }
    }
    check_questions(db, &repeated, &unsent, &stuck);
    sqlite3_close(db);
    {
        int asked = 0;

        for (int i = 0; i < S.nleaders; i++)
            asked += S.leaders[i].asked;
        printf("soak: %d questions asked, %d sent, %d unsent or stuck, "
               "%d never arrived; %d answers Slack gave up on; %.0f s\n",
               asked, asked - unsent - stuck, unsent + stuck,
               S.questions_missing, S.slack_unacked,
               (double)(now_ms() - t0) / 1000.0);
    }
    if (foreign > 0)
        printf("soak: %d unexpected marks in stored answers\n", foreign);
    printf("soak: %d kills, %d answers sent, %d stored once, %d lost, "
           "%d doubled, %d questions repeated\n",
           S.kills, acked, once, lost, doubled, repeated);
    fflush(stdout);
    fake_matrix_stop(S.fm);
    fake_slack_stop(S.fs);
    for (int i = 0; i < S.nleaders; i++)
        free(stored[i]);
    free(stored);
    free(S.answers);
    status = lost || doubled || repeated || unsent || stuck ||
             S.questions_missing || foreign || S.kills != S.kills_wanted;
    if (!status && !S.keep) {
        char cmd[400];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", S.dir);
        if (system(cmd) != 0)
            fprintf(stderr, "soak: could not remove %s\n", S.dir);
    } else {
        printf("soak: kept %s\n", S.dir);
    }
    return status ? 1 : 0;
}
