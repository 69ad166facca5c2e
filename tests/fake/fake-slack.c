/*
 * fake-slack.c - the loopback Slack for tests.
 *
 * One libmicrohttpd daemon (a thread per connection) serves the Web API
 * under /api/, hands WebSocket upgrades at /link/ to a reader thread per
 * Socket Mode connection, and swallows POSTs to response URLs.  Person
 * actions and the bot's own message events go through one delivery thread
 * with a queue, so they reach the app in the order they happened, over
 * Socket Mode or as signed Events API POSTs (libcurl).
 *
 * One mutex guards all state and one condition variable (monotonic clock)
 * is broadcast on every change anyone may wait for: a delivery queued or
 * finished, an ack, a connection opened or closed, stop.  Network I/O to
 * the app is never done with the mutex held; each connection has its own
 * write lock so frames from the delivery thread, the pinger and the
 * disconnect notice never interleave.
 *
 * The WebSocket framing is written by hand (test code) so the fake can
 * fragment what it sends and cut connections at will.
 */
#include "fake-slack.h"
#include "chaos.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FS_TEAM "T0FAKE"
#define FS_APP "A0FAKE"
#define FS_BOT_ID "BFAKE"
#define FS_BOT_NAME "reflekt"
#define FS_LEGACY_TOKEN "legacy-token"
#define FS_JSON_TYPE "application/json; charset=utf-8"
#define FS_FORM_TYPE "application/x-www-form-urlencoded"
#define FS_WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define FS_MAX_BODY (1024 * 1024)
#define FS_MAX_WS_MSG (1024 * 1024) /* largest client message we take */
#define FS_MAX_REPLY (1024 * 1024)  /* largest app answer we keep */
#define FS_SLOW_MS 2000
#define FS_PING_MS 5000
#define FS_SPLIT_OVER 200 /* envelopes longer than this go in two frames */
#define FS_RETRIES 3
#define FS_WINDOW_MS 60000
#define FS_CONNECT_POLL_MS 100
#define FS_ID_LEN 32
#define FS_NAME_LEN 64
#define FS_TEXT_LEN 256

/* Grow a malloc'd array so it holds need elements; aborts when out of
 * memory (test code). */
#define FS_GROW(arr, cap, need)                                                \
    do {                                                                       \
        if ((need) > (cap)) {                                                  \
            int fs_nc_ = (cap) > 0 ? (cap)*2 : 16;                             \
            while (fs_nc_ < (need))                                            \
                fs_nc_ *= 2;                                                   \
            (arr) = fs_xrealloc((arr), (size_t)fs_nc_ * sizeof(*(arr)));       \
            (cap) = fs_nc_;                                                    \
        }                                                                      \
    } while (0)

/* One message in a DM, the person's or the bot's. */
struct fs_msg {
    char ts[FS_ID_LEN];
    int bot;
    char *text;
    json_t *blocks;         /* array, or NULL */
    json_t *metadata;       /* object, or NULL */
    char edited[FS_ID_LEN]; /* ts of the last edit, "" when never */
    int updates;
    int deleted;
};

struct fs_user {
    char id[FS_ID_LEN];
    char dm[FS_ID_LEN];
    char name[FS_TEXT_LEN];
    char tz[FS_TEXT_LEN];
    struct fs_msg *msgs; /* in ts order: every ts comes from one counter */
    int nmsgs, cmsgs;
};

struct fs_count {
    char method[FS_NAME_LEN];
    int n;
};

struct fs_fault {
    enum fake_slack_fault fault;
    char method[FS_NAME_LEN]; /* "" matches every method */
    int count;
};

struct fs_limit {
    char method[FS_NAME_LEN];
    int per_minute;
    int64_t *times; /* monotonic ms of the calls let through, oldest first */
    int ntimes, ctimes;
};

enum fs_kind { FS_EVENT, FS_INTERACTIVE, FS_COMMAND, FS_VERIFY };

/* One thing to hand to the app. */
struct fs_delivery {
    enum fs_kind kind;
    json_t *payload; /* owned by the delivery thread once queued */
    char envelope_id[48];
    int waited; /* a person action waits: retried and counted */
    int acked;  /* under lock: the envelope ack came */
    int done;   /* under lock: the outcome is final */
    int result;
    char *reply; /* slash command reply, or url_verification body */
    struct fs_delivery *next;
};

/* One Socket Mode connection. */
struct fs_conn {
    struct fake_slack *f;
    int fd;
    struct MHD_UpgradeResponseHandle *urh;
    pthread_t thread;
    pthread_mutex_t wlock; /* one frame at a time */
    int writable;          /* under wlock: the fd may still be written */
    int open;              /* under lock: hello sent, takes deliveries */
    int shut;              /* under lock: dropped or stopping, never open */
    int fd_gone;           /* under lock: the fd is being closed */
    int finished;          /* under lock: the reader is done */
    int refs;              /* under lock: writers outside the lock */
    unsigned char *in;     /* bytes read, not yet a whole frame */
    size_t nin, cin;
};

/* A client message being reassembled from fragments. */
struct fs_wsmsg {
    int active;
    unsigned char *p;
    size_t n, cap;
};

struct fake_slack {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stopping;
    pthread_t deliverer;
    int deliverer_started;
    struct fs_user *users;
    int nusers, cusers;
    struct fs_count *counts;
    int ncounts, ccounts;
    struct fs_fault *faults;
    int nfaults, cfaults;
    struct fs_limit *limits;
    int nlimits, climits;
    char *url; /* Events API base, or NULL: Socket Mode */
    struct fs_conn **conns;
    int nconns, cconns;
    unsigned rr;
    long *tickets; /* handed out, not yet used */
    int ntickets, ctickets;
    long next_ticket;
    struct fs_delivery *qhead, *qtail;
    struct fs_delivery *inflight; /* the delivery an ack may settle */
    int callers;                  /* public calls waiting on a delivery */
    int acks, retries, limited;
    int64_t ts_sec;
    long ts_seq;
    unsigned long serial; /* event, envelope, trigger and ticket ids */
    struct fake_chaos chaos;
    uint64_t rand;
};

/* One request's upload. */
struct fs_req {
    char *body;
    size_t len;
    int too_big;
};

typedef json_t *fs_method_fn(struct fake_slack *f, json_t *args);

enum fs_token { FS_TOKEN_BOT, FS_TOKEN_APP };

struct fs_method {
    const char *name;
    enum fs_token token;
    fs_method_fn *fn;
};

/* ---- small utilities ---------------------------------------------------- */

static void *
fs_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);

    if (q == NULL) {
        fprintf(stderr, "fake-slack: out of memory\n");
        abort();
    }
    return q;
}

static void *
fs_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);

    if (p == NULL) {
        fprintf(stderr, "fake-slack: out of memory\n");
        abort();
    }
    return p;
}

static char *
fs_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = fs_xrealloc(NULL, n);

    memcpy(p, s, n);
    return p;
}

static int64_t
fs_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
fs_wall_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

/* Wait on the condition variable until deadline (monotonic ms) or a
 * broadcast; the caller holds the lock. */
static void
fs_wait_until(struct fake_slack *f, int64_t deadline)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(deadline / 1000);
    ts.tv_nsec = (long)(deadline % 1000) * 1000000L;
    pthread_cond_timedwait(&f->cond, &f->lock, &ts);
}

/* Sleep until deadline, or less when the fake stops. */
static void
fs_sleep_until(struct fake_slack *f, int64_t deadline)
{
    pthread_mutex_lock(&f->lock);
    while (!f->stopping && fs_mono_ms() < deadline)
        fs_wait_until(f, deadline);
    pthread_mutex_unlock(&f->lock);
}

static int
fs_is_stopping(struct fake_slack *f)
{
    int s;

    pthread_mutex_lock(&f->lock);
    s = f->stopping;
    pthread_mutex_unlock(&f->lock);
    return s;
}

/* xorshift64*: ids only need to look random, not be secret. */
static uint64_t
fs_random(struct fake_slack *f)
{
    uint64_t x = f->rand;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    f->rand = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static int
fs_unhex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into out (and '+' into a space when plus);
 * returns -1 when it does not fit or decodes to a NUL.  A malformed
 * escape is kept as it is. */
static int
fs_decode(const char *s, size_t n, int plus, char *out, size_t outsz)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];

        if (c == '%' && i + 2 < n && fs_unhex(s[i + 1]) >= 0 &&
            fs_unhex(s[i + 2]) >= 0) {
            c = fs_unhex(s[i + 1]) * 16 + fs_unhex(s[i + 2]);
            i += 2;
            if (c == 0)
                return -1;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (o + 1 >= outsz)
            return -1;
        out[o++] = (char)c;
    }
    if (outsz == 0)
        return -1;
    out[o] = '\0';
    return 0;
}

static void
fs_copy_out(char *out, size_t outsz, const char *s)
{
    if (out != NULL && outsz > 0)
        snprintf(out, outsz, "%s", s);
}

static const char *
fs_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Compact JSON text of v (taken); aborts when it cannot be made. */
static char *
fs_dump_take(json_t *v)
{
    char *text = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;

    json_decref(v);
    if (text == NULL) {
        fprintf(stderr, "fake-slack: cannot encode JSON\n");
        abort();
    }
    return text;
}

/* A ts as (seconds, microseconds) for comparing; junk reads as 0. */
static void
fs_ts_parse(const char *s, long long *sec, long *usec)
{
    char *end;
    long frac = 0;
    int digits = 0;

    *sec = strtoll(s, &end, 10);
    if (*end == '.') {
        for (end++; *end >= '0' && *end <= '9' && digits < 6; end++) {
            frac = frac * 10 + (*end - '0');
            digits++;
        }
    }
    for (; digits < 6; digits++)
        frac *= 10;
    *usec = frac;
}

/* Compare two ts strings as decimals. */
static int
fs_ts_cmp(const char *a, const char *b)
{
    long long as, bs;
    long au, bu;

    fs_ts_parse(a, &as, &au);
    fs_ts_parse(b, &bs, &bu);
    if (as != bs)
        return as < bs ? -1 : 1;
    if (au != bu)
        return au < bu ? -1 : 1;
    return 0;
}

/* ---- time zones --------------------------------------------------------- */

static uint32_t
fs_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static int64_t
fs_be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)fs_be32(p) << 32 | fs_be32(p + 4));
}

/*
 * The UTC offset and abbreviation zone tz has now, read from its TZif file:
 * users.info must report tz_offset, and setting TZ for localtime_r would
 * race with the app under test, which lives in the same process.  Debian's
 * files list transitions far ahead, so the footer rule is not needed.
 * Returns: 0, or -1 when the zone cannot be read.
 */
static int
fs_tz_info(const char *tz, long *offset, char *abbr, size_t abbrsz)
{
    unsigned char *b = NULL;
    size_t n = 0, p = 44, v1, need;
    uint32_t timecnt, typecnt, charcnt;
    int tsize = 4, type = 0, rc = -1;
    char path[FS_TEXT_LEN + 32];
    int64_t now = fs_wall_s();
    FILE *fp;

    if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") != NULL)
        return -1;
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
    fp = fopen(path, "rb");
    if (fp == NULL)
        return -1;
    for (;;) {
        size_t got;

        b = fs_xrealloc(b, n + 4096);
        got = fread(b + n, 1, 4096, fp);
        n += got;
        if (got == 0 || n > 1024 * 1024)
            break;
    }
    fclose(fp);
    if (n < 44 || memcmp(b, "TZif", 4) != 0)
        goto out;
    /* The v1 block (32-bit times); v2+ repeats it all with 64-bit times. */
    v1 = (size_t)fs_be32(b + 32) * 5 + (size_t)fs_be32(b + 36) * 6 +
         fs_be32(b + 40) + (size_t)fs_be32(b + 28) * 8 + fs_be32(b + 24) +
         fs_be32(b + 20);
    if (b[4] >= '2' && 44 + v1 + 44 <= n &&
        memcmp(b + 44 + v1, "TZif", 4) == 0) {
        p = 44 + v1 + 44;
        tsize = 8;
    }
    timecnt = fs_be32(b + p - 12);
    typecnt = fs_be32(b + p - 8);
    charcnt = fs_be32(b + p - 4);
    need = p + (size_t)timecnt * (size_t)(tsize + 1) + (size_t)typecnt * 6 +
           charcnt;
    if (typecnt == 0 || need > n)
        goto out;
    /* Before the first transition, type 0 applies (RFC 8536). */
    for (uint32_t i = 0; i < timecnt; i++) {
        const unsigned char *t = b + p + (size_t)i * (size_t)tsize;
        int64_t at = tsize == 8 ? fs_be64(t) : (int32_t)fs_be32(t);

        if (at > now)
            break;
        type = b[p + (size_t)timecnt * (size_t)tsize + i];
    }
    if ((uint32_t)type >= typecnt)
        goto out;
    {
        const unsigned char *tt =
            b + p + (size_t)timecnt * (size_t)(tsize + 1) + (size_t)type * 6;
        const char *chars =
            (const char *)(b + p + (size_t)timecnt * (size_t)(tsize + 1) +
                           (size_t)typecnt * 6);
        unsigned idx = tt[5];

        *offset = (long)(int32_t)fs_be32(tt);
        if (idx < charcnt)
            snprintf(abbr, abbrsz, "%.*s", (int)(charcnt - idx), chars + idx);
        else
            snprintf(abbr, abbrsz, "%s", tz);
        rc = 0;
    }
out:
    free(b);
    return rc;
}

/* ---- state (the caller holds the lock) ---------------------------------- */

static int
fs_user_by_id(struct fake_slack *f, const char *id)
{
    for (int i = 0; i < f->nusers; i++)
        if (strcmp(f->users[i].id, id) == 0)
            return i;
    return -1;
}

/* The person whose DM channel is ch: a "D…" id, or a "U…" id meaning that
 * person's DM (as chat.postMessage allows). */
static int
fs_user_by_channel(struct fake_slack *f, const char *ch)
{
    if (ch == NULL)
        return -1;
    for (int i = 0; i < f->nusers; i++)
        if (strcmp(f->users[i].dm, ch) == 0 || strcmp(f->users[i].id, ch) == 0)
            return i;
    return -1;
}

static int
fs_msg_by_ts(struct fs_user *u, const char *ts)
{
    if (ts == NULL)
        return -1;
    for (int i = 0; i < u->nmsgs; i++)
        if (!u->msgs[i].deleted && strcmp(u->msgs[i].ts, ts) == 0)
            return i;
    return -1;
}

/* A fresh ts: unix seconds and a six-digit counter, strictly increasing
 * over every message of the workspace. */
static void
fs_new_ts(struct fake_slack *f, char *out, size_t outsz)
{
    int64_t now = fs_wall_s();

    if (now > f->ts_sec)
        f->ts_sec = now;
    if (++f->ts_seq > 999999) {
        f->ts_sec++;
        f->ts_seq = 1;
    }
    snprintf(out, outsz, "%lld.%06ld", (long long)f->ts_sec, f->ts_seq);
}

/* Append a message to u's DM; blocks and metadata are taken.  Returns: its
 * index. */
static int
fs_msg_add(struct fake_slack *f, int u, int bot, const char *text,
           json_t *blocks, json_t *metadata)
{
    struct fs_user *user = &f->users[u];
    struct fs_msg *m;

    FS_GROW(user->msgs, user->cmsgs, user->nmsgs + 1);
    m = &user->msgs[user->nmsgs];
    memset(m, 0, sizeof(*m));
    fs_new_ts(f, m->ts, sizeof(m->ts));
    m->bot = bot;
    m->text = fs_xstrdup(text);
    m->blocks = blocks;
    m->metadata = metadata;
    return user->nmsgs++;
}

/* A message as the Web API and event payloads show it. */
static json_t *
fs_msg_json(struct fake_slack *f, int u, int i, int with_metadata)
{
    struct fs_user *user = &f->users[u];
    struct fs_msg *m = &user->msgs[i];
    const char *who = m->bot ? FAKE_SLACK_BOT_USER : user->id;
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", "message", "user",
                          who, "text", m->text, "ts", m->ts, "team", FS_TEAM);

    if (o == NULL)
        return NULL;
    if (m->bot) {
        json_object_set_new(o, "bot_id", json_string(FS_BOT_ID));
        json_object_set_new(o, "app_id", json_string(FS_APP));
        if (m->blocks != NULL)
            json_object_set_new(o, "blocks", json_deep_copy(m->blocks));
        if (with_metadata && m->metadata != NULL)
            json_object_set_new(o, "metadata", json_deep_copy(m->metadata));
    }
    if (m->edited[0] != '\0')
        json_object_set_new(
            o, "edited", json_pack("{s:s,s:s}", "user", who, "ts", m->edited));
    return o;
}

static void
fs_msg_free(struct fs_msg *m)
{
    free(m->text);
    json_decref(m->blocks);
    json_decref(m->metadata);
}

static int
fs_open_conns(struct fake_slack *f)
{
    int n = 0;

    for (int i = 0; i < f->nconns; i++)
        n += f->conns[i]->open;
    return n;
}

/* The next open connection, round robin, or NULL. */
static struct fs_conn *
fs_pick_conn(struct fake_slack *f)
{
    int n = fs_open_conns(f), k;

    if (n == 0)
        return NULL;
    k = (int)(f->rr++ % (unsigned)n);
    for (int i = 0; i < f->nconns; i++)
        if (f->conns[i]->open && k-- == 0)
            return f->conns[i];
    return NULL;
}

static void
fs_count_call(struct fake_slack *f, const char *method)
{
    for (int i = 0; i < f->ncounts; i++)
        if (strcmp(f->counts[i].method, method) == 0) {
            f->counts[i].n++;
            return;
        }
    FS_GROW(f->counts, f->ccounts, f->ncounts + 1);
    snprintf(f->counts[f->ncounts].method, FS_NAME_LEN, "%s", method);
    f->counts[f->ncounts++].n = 1;
}

/* Take one count of the first fault for method. */
static enum fake_slack_fault
fs_take_fault(struct fake_slack *f, const char *method)
{
    for (int i = 0; i < f->nfaults; i++) {
        struct fs_fault *x = &f->faults[i];

        if (x->count <= 0 ||
            (x->method[0] != '\0' && strcmp(x->method, method) != 0))
            continue;
        x->count--;
        return x->fault;
    }
    {
        /* Never invalid_auth: a refused token stops the app for good. */
        static const enum fake_slack_fault kinds[] = {
            FAKE_SLACK_500, FAKE_SLACK_SLOW, FAKE_SLACK_RESET, FAKE_SLACK_LIMIT,
            FAKE_SLACK_CUT};
        int k =
            fake_chaos_draw(&f->chaos, (int)(sizeof(kinds) / sizeof(kinds[0])));

        return k > 0 ? kinds[k - 1] : 0;
    }
}

/*
 * Let one call of method through the sliding windows of fake_slack_limit.
 * Returns: 0 when it may run, else the whole seconds until the oldest call
 * in the full window leaves it (at least 1).  Only calls let through enter
 * a window, so a client that waits as told gets in.
 */
static int
fs_take_limit(struct fake_slack *f, const char *method)
{
    int64_t now = fs_mono_ms();
    int wait_s = 0;

    for (int i = 0; i < f->nlimits; i++) {
        struct fs_limit *l = &f->limits[i];
        int drop = 0;

        if (l->per_minute <= 0 ||
            (l->method[0] != '\0' && strcmp(l->method, method) != 0))
            continue;
        while (drop < l->ntimes && l->times[drop] <= now - FS_WINDOW_MS)
            drop++;
        if (drop > 0) {
            memmove(l->times, l->times + drop,
                    (size_t)(l->ntimes - drop) * sizeof(l->times[0]));
            l->ntimes -= drop;
        }
        if (l->ntimes >= l->per_minute) {
            int64_t left = l->times[0] + FS_WINDOW_MS - now;
            int s = (int)((left + 999) / 1000);

            if (s < 1)
                s = 1;
            if (s > wait_s)
                wait_s = s;
        }
    }
    if (wait_s > 0) {
        f->limited++;
        return wait_s;
    }
    for (int i = 0; i < f->nlimits; i++) {
        struct fs_limit *l = &f->limits[i];

        if (l->per_minute <= 0 ||
            (l->method[0] != '\0' && strcmp(l->method, method) != 0))
            continue;
        FS_GROW(l->times, l->ctimes, l->ntimes + 1);
        l->times[l->ntimes++] = now;
    }
    return 0;
}

/* ---- deliveries: building them ------------------------------------------ */

/* A new delivery of payload (taken), or NULL when payload is NULL. */
static struct fs_delivery *
fs_delivery_new(struct fake_slack *f, enum fs_kind kind, json_t *payload,
                int waited)
{
    struct fs_delivery *d;
    uint64_t r;

    if (payload == NULL)
        return NULL;
    d = fs_xcalloc(1, sizeof(*d));
    d->kind = kind;
    d->payload = payload;
    d->waited = waited;
    d->result = -1;
    r = fs_random(f);
    /* Shaped like Slack's UUIDs; the serial keeps them unique. */
    snprintf(d->envelope_id, sizeof(d->envelope_id),
             "%08lx-%04x-4%03x-a%03x-%012llx", ++f->serial,
             (unsigned)(r & 0xffff), (unsigned)((r >> 16) & 0xfff),
             (unsigned)((r >> 28) & 0xfff),
             (unsigned long long)((r >> 16) & 0xffffffffffffULL));
    return d;
}

static void
fs_delivery_free(struct fs_delivery *d)
{
    json_decref(d->payload);
    free(d->reply);
    free(d);
}

static void
fs_enqueue(struct fake_slack *f, struct fs_delivery *d)
{
    d->next = NULL;
    if (f->qtail != NULL)
        f->qtail->next = d;
    else
        f->qhead = d;
    f->qtail = d;
    pthread_cond_broadcast(&f->cond);
}

/*
 * Queue d and wait for its outcome; the caller holds the lock.  Returns:
 * 0 when the app acknowledged, -1 when not (or d is NULL); the reply
 * (ack payload text or response body) into reply.  Frees d.
 */
static int
fs_deliver_wait(struct fake_slack *f, struct fs_delivery *d, char *reply,
                size_t replysz)
{
    int rc;

    fs_copy_out(reply, replysz, "");
    if (d == NULL)
        return -1;
    if (f->stopping) {
        fs_delivery_free(d);
        return -1;
    }
    f->callers++;
    fs_enqueue(f, d);
    while (!d->done)
        pthread_cond_wait(&f->cond, &f->lock);
    rc = d->result;
    if (rc == 0 && d->reply != NULL)
        fs_copy_out(reply, replysz, d->reply);
    fs_delivery_free(d);
    f->callers--;
    pthread_cond_broadcast(&f->cond);
    return rc;
}

/* The Events API body around event (taken). */
static json_t *
fs_callback(struct fake_slack *f, json_t *event)
{
    char id[FS_ID_LEN];

    if (event == NULL)
        return NULL;
    snprintf(id, sizeof(id), "Ev%08lu", ++f->serial);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:[{s:s,s:s,s:b}],s:o}", "token",
                     FS_LEGACY_TOKEN, "team_id", FS_TEAM, "api_app_id", FS_APP,
                     "type", "event_callback", "event_id", id, "event_time",
                     (json_int_t)fs_wall_s(), "authorizations", "team_id",
                     FS_TEAM, "user_id", FAKE_SLACK_BOT_USER, "is_bot", 1,
                     "event", event);
}

/* The Socket Mode envelope of one attempt at d, as text. */
static char *
fs_envelope(struct fs_delivery *d, int attempt)
{
    const char *type = d->kind == FS_INTERACTIVE ? "interactive"
                       : d->kind == FS_COMMAND   ? "slash_commands"
                                                 : "events_api";

    return fs_dump_take(json_pack(
        "{s:s,s:s,s:O,s:b,s:i,s:s}", "envelope_id", d->envelope_id, "type",
        type, "payload", d->payload, "accepts_response_payload",
        d->kind == FS_COMMAND, "retry_attempt", attempt, "retry_reason",
        attempt > 0 ? "timeout" : ""));
}

/* ---- WebSocket framing -------------------------------------------------- */

enum {
    FS_WS_CONT = 0x0,
    FS_WS_TEXT = 0x1,
    FS_WS_BINARY = 0x2,
    FS_WS_CLOSE = 0x8,
    FS_WS_PING = 0x9,
    FS_WS_PONG = 0xA,
};

static int
fs_write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Write one unmasked frame; the caller holds c->wlock. */
static int
fs_ws_frame_locked(struct fs_conn *c, int op, int fin, const void *data,
                   size_t n)
{
    unsigned char *buf;
    size_t h = 2;
    int rc;

    if (!c->writable)
        return -1;
    buf = fs_xrealloc(NULL, n + 10);
    buf[0] = (unsigned char)((fin ? 0x80 : 0) | op);
    if (n < 126) {
        buf[1] = (unsigned char)n;
    } else if (n < 65536) {
        buf[1] = 126;
        buf[2] = (unsigned char)(n >> 8);
        buf[3] = (unsigned char)n;
        h = 4;
    } else {
        buf[1] = 127;
        for (int i = 0; i < 8; i++)
            buf[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
        h = 10;
    }
    if (n > 0)
        memcpy(buf + h, data, n);
    rc = fs_write_all(c->fd, buf, h + n);
    free(buf);
    return rc;
}

static int
fs_ws_frame(struct fs_conn *c, int op, const void *data, size_t n)
{
    int rc;

    pthread_mutex_lock(&c->wlock);
    rc = fs_ws_frame_locked(c, op, 1, data, n);
    pthread_mutex_unlock(&c->wlock);
    return rc;
}

/* Send a text message; when split, as a text frame without FIN and a
 * continuation frame (cut on a UTF-8 boundary), to exercise the app's
 * reassembly. */
static int
fs_ws_send_text(struct fs_conn *c, const char *text, int split)
{
    size_t n = strlen(text), cut = n / 2;
    int rc;

    while (cut < n && ((unsigned char)text[cut] & 0xC0) == 0x80)
        cut++;
    pthread_mutex_lock(&c->wlock);
    if (!split)
        rc = fs_ws_frame_locked(c, FS_WS_TEXT, 1, text, n);
    else if (fs_ws_frame_locked(c, FS_WS_TEXT, 0, text, cut) < 0)
        rc = -1;
    else
        rc = fs_ws_frame_locked(c, FS_WS_CONT, 1, text + cut, n - cut);
    pthread_mutex_unlock(&c->wlock);
    return rc;
}

static void
fs_ws_close(struct fs_conn *c, unsigned code)
{
    unsigned char p[2] = {(unsigned char)(code >> 8), (unsigned char)code};

    fs_ws_frame(c, FS_WS_CLOSE, p, sizeof(p));
}

/* A whole client text message: an envelope ack settles the delivery in
 * flight when the ids match. */
static void
fs_ws_message(struct fs_conn *c, const unsigned char *data, size_t n)
{
    struct fake_slack *f = c->f;
    json_t *j = json_loadb((const char *)data, n, 0, NULL);
    const char *env = fs_str(j, "envelope_id");

    if (env != NULL) {
        struct fs_delivery *d;

        pthread_mutex_lock(&f->lock);
        d = f->inflight;
        if (d != NULL && !d->acked && strcmp(d->envelope_id, env) == 0) {
            const char *text = fs_str(json_object_get(j, "payload"), "text");

            d->acked = 1;
            free(d->reply);
            d->reply = text != NULL ? fs_xstrdup(text) : NULL;
            pthread_cond_broadcast(&f->cond);
        }
        pthread_mutex_unlock(&f->lock);
    }
    json_decref(j);
}

/* Act on one unmasked client frame.  Returns: 0 to go on, -1 to close. */
static int
fs_ws_on_frame(struct fs_conn *c, struct fs_wsmsg *m, int fin, int op,
               const unsigned char *data, size_t n)
{
    switch (op) {
    case FS_WS_CONT:
    case FS_WS_TEXT:
    case FS_WS_BINARY:
        if ((op == FS_WS_CONT) != m->active) {
            fs_ws_close(c, 1002);
            return -1;
        }
        if (m->n + n > FS_MAX_WS_MSG) {
            fs_ws_close(c, 1009);
            return -1;
        }
        if (m->n + n > m->cap) {
            m->cap = m->n + n;
            m->p = fs_xrealloc(m->p, m->cap);
        }
        if (n > 0)
            memcpy(m->p + m->n, data, n);
        m->n += n;
        m->active = !fin;
        if (fin && m->n > 0) {
            fs_ws_message(c, m->p, m->n);
            m->n = 0;
        }
        return 0;
    case FS_WS_CLOSE:
        /* Echo the status code, then hang up (the server closes TCP). */
        fs_ws_frame(c, FS_WS_CLOSE, data, n >= 2 ? 2 : 0);
        return -1;
    case FS_WS_PING:
        return fs_ws_frame(c, FS_WS_PONG, data, n) < 0 ? -1 : 0;
    case FS_WS_PONG:
        return 0;
    default:
        fs_ws_close(c, 1002);
        return -1;
    }
}

/* Parse and act on every whole frame in c->in.  Returns: 0 to go on, -1
 * to close the connection. */
static int
fs_ws_frames(struct fs_conn *c, struct fs_wsmsg *m)
{
    size_t off = 0;
    int rc = 0;

    while (rc == 0) {
        unsigned char *p = c->in + off;
        size_t avail = c->nin - off, h = 2;
        uint64_t len;
        int fin, op;

        if (avail < 2)
            break;
        fin = (p[0] & 0x80) != 0;
        op = p[0] & 0x0f;
        len = p[1] & 0x7f;
        if (len == 126) {
            if (avail < 4)
                break;
            len = (uint64_t)p[2] << 8 | p[3];
            h = 4;
        } else if (len == 127) {
            if (avail < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | p[2 + i];
            h = 10;
        }
        /* Clients must mask (RFC 6455 5.1), use no extensions, and never
         * fragment control frames. */
        if ((p[1] & 0x80) == 0 || (p[0] & 0x70) != 0 ||
            (op >= FS_WS_CLOSE && (!fin || len > 125))) {
            fs_ws_close(c, 1002);
            return -1;
        }
        if (len > FS_MAX_WS_MSG) {
            fs_ws_close(c, 1009);
            return -1;
        }
        if (avail < h + 4 + len)
            break;
        for (size_t i = 0; i < (size_t)len; i++)
            p[h + 4 + i] ^= p[h + (i & 3)];
        off += h + 4 + (size_t)len;
        rc = fs_ws_on_frame(c, m, fin, op, p + h + 4, (size_t)len);
    }
    if (off > 0) {
        memmove(c->in, c->in + off, c->nin - off);
        c->nin -= off;
    }
    return rc;
}

/* A connection's thread: hello, then read frames and ping every
 * FS_PING_MS until either side hangs up. */
static void *
fs_ws_reader(void *arg)
{
    struct fs_conn *c = arg;
    struct fake_slack *f = c->f;
    struct fs_wsmsg m = {0};
    int64_t next_ping;
    char *hello;
    int k;

    pthread_mutex_lock(&f->lock);
    k = fs_open_conns(f) + 1;
    pthread_mutex_unlock(&f->lock);
    hello = fs_dump_take(json_pack(
        "{s:s,s:i,s:{s:s,s:i},s:{s:s}}", "type", "hello", "num_connections", k,
        "debug_info", "host", "fake-applink", "approximate_connection_time",
        18060, "connection_info", "app_id", FS_APP));
    k = fs_ws_send_text(c, hello, 0);
    free(hello);
    if (k < 0)
        goto out;
    pthread_mutex_lock(&f->lock);
    if (!c->shut && !f->stopping)
        c->open = 1;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
    /* Bytes MHD read past the upgrade request are the first frames. */
    if (c->nin > 0 && fs_ws_frames(c, &m) < 0)
        goto out;
    next_ping = fs_mono_ms() + FS_PING_MS;
    for (;;) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int64_t now = fs_mono_ms();
        ssize_t got;
        int r;

        if (now >= next_ping) {
            if (fs_ws_frame(c, FS_WS_PING, "", 0) < 0)
                break;
            next_ping = now + FS_PING_MS;
        }
        r = poll(&pfd, 1, (int)(next_ping - now));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        if (r == 0)
            continue;
        if (c->nin + 4096 > c->cin) {
            c->cin = c->cin * 2 > c->nin + 4096 ? c->cin * 2 : c->nin + 4096;
            c->in = fs_xrealloc(c->in, c->cin);
        }
        got = recv(c->fd, c->in + c->nin, 4096, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        c->nin += (size_t)got;
        if (fs_ws_frames(c, &m) < 0)
            break;
    }
out:
    free(m.p);
    pthread_mutex_lock(&f->lock);
    c->open = 0;
    c->shut = 1;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
    /* Unblock a writer stuck in send() before waiting for its lock; the fd
     * stays valid until fd_gone is set. */
    shutdown(c->fd, SHUT_RDWR);
    pthread_mutex_lock(&c->wlock);
    c->writable = 0;
    pthread_mutex_unlock(&c->wlock);
    pthread_mutex_lock(&f->lock);
    c->fd_gone = 1;
    pthread_mutex_unlock(&f->lock);
    MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE);
    pthread_mutex_lock(&f->lock);
    c->finished = 1;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

/* Cut a connection's socket (the caller holds the lock); abrupt makes the
 * eventual close a reset. */
static void
fs_conn_cut(struct fs_conn *c, int abrupt)
{
    c->open = 0;
    c->shut = 1;
    if (c->fd_gone)
        return;
    if (abrupt) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};

        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    shutdown(c->fd, SHUT_RDWR);
}

static void
fs_conn_free(struct fs_conn *c)
{
    pthread_mutex_destroy(&c->wlock);
    free(c->in);
    free(c);
}

/* Join and free connections whose reader is done and that no writer
 * holds; the caller holds the lock. */
static void
fs_conns_reap(struct fake_slack *f)
{
    int k = 0;

    for (int i = 0; i < f->nconns; i++) {
        struct fs_conn *c = f->conns[i];

        if (c->finished && c->refs == 0) {
            pthread_join(c->thread, NULL);
            fs_conn_free(c);
        } else {
            f->conns[k++] = c;
        }
    }
    f->nconns = k;
}

/* MHD hands over the socket once the 101 answer went out. */
static void
fs_ws_upgraded(void *cls, struct MHD_Connection *mc, void *con_cls,
               const char *extra_in, size_t extra_in_size, MHD_socket sock,
               struct MHD_UpgradeResponseHandle *urh)
{
    struct fake_slack *f = cls;
    struct fs_conn *c = fs_xcalloc(1, sizeof(*c));
    int flags = fcntl(sock, F_GETFL);

    (void)mc;
    (void)con_cls;
    /* MHD leaves the socket non-blocking; the reader polls and then wants
     * plain blocking reads and writes. */
    if (flags != -1)
        fcntl(sock, F_SETFL, flags & ~O_NONBLOCK);
    c->f = f;
    c->fd = sock;
    c->urh = urh;
    c->writable = 1;
    pthread_mutex_init(&c->wlock, NULL);
    if (extra_in_size > 0) {
        c->cin = extra_in_size;
        c->in = fs_xrealloc(NULL, extra_in_size);
        memcpy(c->in, extra_in, extra_in_size);
        c->nin = extra_in_size;
    }
    pthread_mutex_lock(&f->lock);
    if (!f->stopping) {
        fs_conns_reap(f);
        FS_GROW(f->conns, f->cconns, f->nconns + 1);
        if (pthread_create(&c->thread, NULL, fs_ws_reader, c) == 0) {
            f->conns[f->nconns++] = c;
            c = NULL;
        }
    }
    pthread_mutex_unlock(&f->lock);
    if (c != NULL) {
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        fs_conn_free(c);
    }
}

/* ---- deliveries: the thread --------------------------------------------- */

/* One Socket Mode attempt.  Returns: 0 when acked (or, for a delivery
 * nobody waits for, sent), else -1. */
static int
fs_attempt_socket(struct fake_slack *f, struct fs_delivery *d, int attempt)
{
    int64_t deadline = fs_mono_ms() + FAKE_SLACK_ACK_MS;
    char *text = fs_envelope(d, attempt);
    struct fs_conn *c = NULL;
    int rc;

    pthread_mutex_lock(&f->lock);
    /* The app may be restarting: give it a while to connect.  A bot echo
     * nobody waits for is not worth holding up the queue. */
    while (!f->stopping && !d->acked && (c = fs_pick_conn(f)) == NULL &&
           d->waited && fs_mono_ms() < deadline)
        fs_wait_until(f, deadline);
    if (d->acked) {
        /* A late ack of the previous attempt. */
        pthread_mutex_unlock(&f->lock);
        free(text);
        return 0;
    }
    if (f->stopping || c == NULL) {
        pthread_mutex_unlock(&f->lock);
        free(text);
        return -1;
    }
    c->refs++;
    pthread_mutex_unlock(&f->lock);
    rc = fs_ws_send_text(c, text, strlen(text) > FS_SPLIT_OVER);
    free(text);
    pthread_mutex_lock(&f->lock);
    c->refs--;
    if (rc == 0 && d->waited) {
        deadline = fs_mono_ms() + FAKE_SLACK_ACK_MS;
        while (!f->stopping && !d->acked && fs_mono_ms() < deadline)
            fs_wait_until(f, deadline);
        rc = d->acked ? 0 : -1;
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

struct fs_buf {
    char *p;
    size_t n;
};

static size_t
fs_curl_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct fs_buf *b = arg;
    size_t n = size * nmemb;

    if (b->n + n > FS_MAX_REPLY)
        return 0;
    b->p = fs_xrealloc(b->p, b->n + n + 1);
    memcpy(b->p + b->n, ptr, n);
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

/* Lets fake_slack_stop cut a POST short. */
static int
fs_curl_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
                 curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return fs_is_stopping(arg);
}

/* "v0=" and the hex HMAC-SHA256 of "v0:" ts ":" body. */
static void
fs_sign(const char *ts, const char *body, size_t n, char *out, size_t outsz)
{
    size_t tl = strlen(ts), bl = 3 + tl + 1 + n;
    unsigned char *base = fs_xrealloc(NULL, bl), md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    size_t o;

    memcpy(base, "v0:", 3);
    memcpy(base + 3, ts, tl);
    base[3 + tl] = ':';
    memcpy(base + 4 + tl, body, n);
    HMAC(EVP_sha256(), FAKE_SLACK_SECRET, (int)strlen(FAKE_SLACK_SECRET), base,
         bl, md, &mdlen);
    free(base);
    o = (size_t)snprintf(out, outsz, "v0=");
    for (unsigned i = 0; i < mdlen && o + 3 <= outsz; i++)
        o += (size_t)snprintf(out + o, outsz - o, "%02x", md[i]);
}

/* The form body of a slash command's fields. */
static char *
fs_form_encode(CURL *h, json_t *fields)
{
    const char *key;
    json_t *v;
    char *out = fs_xstrdup("");
    size_t n = 0;

    json_object_foreach(fields, key, v)
    {
        char *ek = curl_easy_escape(h, key, 0);
        char *ev = curl_easy_escape(
            h, json_string_value(v) != NULL ? json_string_value(v) : "", 0);
        if (ek != NULL && ev != NULL) {
            size_t add = strlen(ek) + strlen(ev) + 2;

            out = fs_xrealloc(out, n + add + 1);
            n += (size_t)snprintf(out + n, add + 1, "%s%s=%s", n ? "&" : "", ek,
                                  ev);
        }
        curl_free(ek);
        curl_free(ev);
    }
    return out;
}

/*
 * One Events API attempt: a signed POST.  The app's endpoint may not be up
 * yet (a restart), so a refused connection is tried again within the
 * attempt's FAKE_SLACK_ACK_MS.  Returns: 0 when answered 2xx (and, for
 * url_verification, with the challenge), else -1 with the reason for the
 * next attempt's X-Slack-Retry-Reason in reason.
 */
static int
fs_attempt_http(struct fake_slack *f, struct fs_delivery *d, const char *base,
                int attempt, char *reason, size_t reasonsz)
{
    const char *path = d->kind == FS_INTERACTIVE ? "/interactive"
                       : d->kind == FS_COMMAND   ? "/commands"
                                                 : "/events";
    const char *ctype = d->kind == FS_EVENT || d->kind == FS_VERIFY
                            ? "application/json"
                            : FS_FORM_TYPE;
    int64_t deadline = fs_mono_ms() + FAKE_SLACK_ACK_MS;
    CURL *h = curl_easy_init();
    struct fs_buf resp = {0};
    char *body, *url;
    CURLcode res = CURLE_FAILED_INIT;
    long status = 0;
    int rc = -1;
    size_t n;

    if (h == NULL)
        return -1;
    n = strlen(base) + strlen(path) + 1;
    url = fs_xrealloc(NULL, n);
    snprintf(url, n, "%s%s", base, path);
    if (d->kind == FS_INTERACTIVE) {
        char *json = fs_dump_take(json_incref(d->payload));
        char *esc = curl_easy_escape(h, json, 0);

        n = strlen(esc != NULL ? esc : "") + 9;
        body = fs_xrealloc(NULL, n);
        snprintf(body, n, "payload=%s", esc != NULL ? esc : "");
        curl_free(esc);
        free(json);
    } else if (d->kind == FS_COMMAND) {
        body = fs_form_encode(h, d->payload);
    } else {
        body = fs_dump_take(json_incref(d->payload));
    }
    for (;;) {
        struct curl_slist *hd = NULL;
        char ts[FS_ID_LEN], sig[80], line[160];
        int64_t left = deadline - fs_mono_ms();

        if (left < 1)
            left = 1;
        snprintf(ts, sizeof(ts), "%lld", (long long)fs_wall_s());
        fs_sign(ts, body, strlen(body), sig, sizeof(sig));
        snprintf(line, sizeof(line), "Content-Type: %s", ctype);
        hd = curl_slist_append(hd, line);
        snprintf(line, sizeof(line), "X-Slack-Request-Timestamp: %s", ts);
        hd = curl_slist_append(hd, line);
        snprintf(line, sizeof(line), "X-Slack-Signature: %s", sig);
        hd = curl_slist_append(hd, line);
        hd = curl_slist_append(hd, "Expect:");
        if (attempt > 0) {
            snprintf(line, sizeof(line), "X-Slack-Retry-Num: %d", attempt);
            hd = curl_slist_append(hd, line);
            snprintf(line, sizeof(line), "X-Slack-Retry-Reason: %s", reason);
            hd = curl_slist_append(hd, line);
        }
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fs_curl_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, fs_curl_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, f);
        free(resp.p);
        resp.p = NULL;
        resp.n = 0;
        res = curl_easy_perform(h);
        curl_slist_free_all(hd);
        if (res == CURLE_COULDNT_CONNECT && d->waited && !fs_is_stopping(f) &&
            fs_mono_ms() + FS_CONNECT_POLL_MS < deadline) {
            fs_sleep_until(f, fs_mono_ms() + FS_CONNECT_POLL_MS);
            continue;
        }
        break;
    }
    if (res == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (res == CURLE_OK && status >= 200 && status < 300) {
        char *got = fs_xstrdup(resp.p != NULL ? resp.p : "");

        rc = 0;
        if (d->kind == FS_COMMAND) {
            /* JSON {"text":…} is the reply; anything else is plain text. */
            json_t *j = json_loads(got, 0, NULL);

            if (json_is_object(j)) {
                const char *t = fs_str(j, "text");

                free(got);
                got = fs_xstrdup(t != NULL ? t : "");
            }
            json_decref(j);
        } else if (d->kind == FS_VERIFY) {
            const char *ch = fs_str(d->payload, "challenge");

            rc = ch != NULL && strstr(got, ch) != NULL ? 0 : -1;
        }
        /* Under the lock: a socket ack writes the same field. */
        pthread_mutex_lock(&f->lock);
        free(d->reply);
        d->reply = got;
        pthread_mutex_unlock(&f->lock);
    } else {
        snprintf(reason, reasonsz, "%s",
                 res == CURLE_OK ? "http_error" : "http_timeout");
    }
    free(resp.p);
    free(body);
    free(url);
    curl_easy_cleanup(h);
    return rc;
}

/* Hand d to the app, retrying as Slack does; sets d->result. */
static void
fs_deliver(struct fake_slack *f, struct fs_delivery *d)
{
    int counted = d->waited && d->kind != FS_VERIFY;
    int max = counted ? FS_RETRIES : 0;
    char reason[FS_ID_LEN] = "";

    pthread_mutex_lock(&f->lock);
    if (counted)
        f->inflight = d;
    pthread_mutex_unlock(&f->lock);
    d->result = -1;
    for (int attempt = 0; attempt <= max; attempt++) {
        char *url = NULL;
        int stop, acked, rc;

        pthread_mutex_lock(&f->lock);
        stop = f->stopping;
        acked = d->acked; /* a late ack of the attempt before */
        if (!stop && !acked && f->url != NULL)
            url = fs_xstrdup(f->url);
        if (!stop && !acked && attempt > 0)
            f->retries++;
        pthread_mutex_unlock(&f->lock);
        if (acked)
            d->result = 0;
        if (stop || acked)
            break;
        if (url != NULL)
            rc = fs_attempt_http(f, d, url, attempt, reason, sizeof(reason));
        else if (d->kind == FS_VERIFY)
            rc = -1; /* Socket Mode apps are never verified */
        else
            rc = fs_attempt_socket(f, d, attempt);
        free(url);
        if (rc == 0) {
            d->result = 0;
            break;
        }
    }
    pthread_mutex_lock(&f->lock);
    if (f->inflight == d)
        f->inflight = NULL;
    if (d->result == 0 && counted)
        f->acks++;
    pthread_mutex_unlock(&f->lock);
}

/* Settle d (the caller holds the lock): wake its waiter, or free it. */
static void
fs_delivery_done(struct fake_slack *f, struct fs_delivery *d)
{
    d->done = 1;
    pthread_cond_broadcast(&f->cond);
    if (!d->waited)
        fs_delivery_free(d);
}

static void *
fs_deliverer(void *arg)
{
    struct fake_slack *f = arg;
    struct fs_delivery *d;

    pthread_mutex_lock(&f->lock);
    for (;;) {
        while (!f->stopping && f->qhead == NULL)
            pthread_cond_wait(&f->cond, &f->lock);
        if (f->stopping)
            break;
        d = f->qhead;
        f->qhead = d->next;
        if (f->qhead == NULL)
            f->qtail = NULL;
        pthread_mutex_unlock(&f->lock);
        fs_deliver(f, d);
        pthread_mutex_lock(&f->lock);
        fs_delivery_done(f, d);
    }
    while ((d = f->qhead) != NULL) {
        f->qhead = d->next;
        d->result = -1;
        fs_delivery_done(f, d);
    }
    f->qtail = NULL;
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

/* ---- Web API arguments -------------------------------------------------- */

static enum MHD_Result
fs_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
             const char *value)
{
    (void)kind;
    json_object_set_new(cls, key, json_string(value != NULL ? value : ""));
    return MHD_YES;
}

/* Add the fields of a form body to args (values that are not UTF-8 are
 * left out). */
static void
fs_form_parse(json_t *args, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t j = i, eq;

        while (j < n && s[j] != '&')
            j++;
        eq = i;
        while (eq < j && s[eq] != '=')
            eq++;
        if (eq > i) {
            size_t vl = eq < j ? j - eq - 1 : 0;
            char *k = fs_xrealloc(NULL, eq - i + 1);
            char *v = fs_xrealloc(NULL, vl + 1);

            if (fs_decode(s + i, eq - i, 1, k, eq - i + 1) == 0 &&
                fs_decode(eq < j ? s + eq + 1 : "", vl, 1, v, vl + 1) == 0)
                json_object_set_new(args, k, json_string(v));
            free(k);
            free(v);
        }
        i = j + 1;
    }
}

/* All arguments of a call: the query string, then the body (JSON or form)
 * on top.  Returns: 0, or -1 with Slack's error for a malformed body. */
static int
fs_parse_args(struct MHD_Connection *c, const struct fs_req *rq, json_t *args,
              const char **err)
{
    const char *ct =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    int json;

    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, fs_query_arg, args);
    if (rq->len == 0)
        return 0;
    json = ct != NULL ? strncasecmp(ct, "application/json", 16) == 0
                      : rq->body[0] == '{';
    if (json) {
        json_t *b = json_loadb(rq->body, rq->len, 0, NULL);

        if (!json_is_object(b)) {
            json_decref(b);
            *err = "invalid_json";
            return -1;
        }
        json_object_update(args, b);
        json_decref(b);
        return 0;
    }
    fs_form_parse(args, rq->body, rq->len);
    return 0;
}

static const char *
fs_arg(json_t *args, const char *key)
{
    return fs_str(args, key);
}

/* A JSON argument: an array or object as it came in a JSON body, or a
 * string holding JSON (a form body).  Returns: 0 absent (out NULL), 1 with
 * a new reference in out, -1 malformed. */
static int
fs_arg_json(json_t *args, const char *key, json_t **out)
{
    json_t *v = json_object_get(args, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        if (json_string_length(v) == 0)
            return 0;
        *out = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
        return *out != NULL ? 1 : -1;
    }
    *out = json_deep_copy(v);
    return 1;
}

static long
fs_arg_long(json_t *args, const char *key, long def)
{
    json_t *v = json_object_get(args, key);

    if (json_is_integer(v))
        return (long)json_integer_value(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        long n = strtol(s, &end, 10);

        if (end != s)
            return n;
    }
    return def;
}

static int
fs_arg_bool(json_t *args, const char *key)
{
    json_t *v = json_object_get(args, key);
    const char *s = json_string_value(v);

    if (json_is_true(v))
        return 1;
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    return s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
}

static json_t *
fs_error(const char *error)
{
    return json_pack("{s:b,s:s}", "ok", 0, "error", error);
}

/* ---- Web API methods (the caller holds the lock) ------------------------ */

static json_t *
fs_m_auth_test(struct fake_slack *f, json_t *args)
{
    (void)f;
    (void)args;
    return json_pack("{s:b,s:s,s:s,s:s,s:s,s:s,s:s}", "ok", 1, "url",
                     "https://fake.slack.com/", "team", "Fake", "user",
                     FS_BOT_NAME, "team_id", FS_TEAM, "user_id",
                     FAKE_SLACK_BOT_USER, "bot_id", FS_BOT_ID);
}

static json_t *
fs_m_connections_open(struct fake_slack *f, json_t *args)
{
    char url[96];
    long t = ++f->next_ticket;

    (void)args;
    FS_GROW(f->tickets, f->ctickets, f->ntickets + 1);
    f->tickets[f->ntickets++] = t;
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d/link/?ticket=%ld", f->port,
             t);
    return json_pack("{s:b,s:s}", "ok", 1, "url", url);
}

static json_t *
fs_m_conversations_open(struct fake_slack *f, json_t *args)
{
    const char *users = fs_arg(args, "users");
    const char *channel = fs_arg(args, "channel");
    int u;

    if (users == NULL && channel == NULL)
        return fs_error("users_list_not_supplied");
    u = users != NULL ? fs_user_by_id(f, users)
                      : fs_user_by_channel(f, channel);
    if (u < 0)
        return fs_error(users != NULL ? "user_not_found" : "channel_not_found");
    return json_pack("{s:b,s:{s:s}}", "ok", 1, "channel", "id", f->users[u].dm);
}

/* The bot's own message event, as Slack sends it with message.im. */
static void
fs_queue_echo(struct fake_slack *f, int u, int i)
{
    struct fs_user *user = &f->users[u];
    struct fs_msg *m = &user->msgs[i];
    json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type",
                           "message", "channel_type", "im", "channel", user->dm,
                           "user", FAKE_SLACK_BOT_USER, "bot_id", FS_BOT_ID,
                           "app_id", FS_APP, "text", m->text, "ts", m->ts,
                           "event_ts", m->ts, "team", FS_TEAM);
    struct fs_delivery *d;

    if (ev != NULL && m->blocks != NULL)
        json_object_set_new(ev, "blocks", json_deep_copy(m->blocks));
    if (ev != NULL && m->metadata != NULL)
        json_object_set_new(ev, "metadata", json_deep_copy(m->metadata));
    d = fs_delivery_new(f, FS_EVENT, fs_callback(f, ev), 0);
    if (d != NULL && !f->stopping)
        fs_enqueue(f, d);
    else if (d != NULL)
        fs_delivery_free(d);
}

/* Check the optional blocks and metadata arguments.  Returns: NULL, or the
 * error answer. */
static json_t *
fs_rich_args(json_t *args, json_t **blocks, int *has_blocks, json_t **meta,
             int *has_meta)
{
    int b = fs_arg_json(args, "blocks", blocks);
    int m = fs_arg_json(args, "metadata", meta);

    *has_blocks = b > 0;
    *has_meta = m > 0;
    if (b < 0 || (b > 0 && !json_is_array(*blocks)))
        return fs_error("invalid_blocks");
    if (m < 0 ||
        (m > 0 &&
         (!json_is_object(*meta) || fs_str(*meta, "event_type") == NULL ||
          (json_object_get(*meta, "event_payload") != NULL &&
           !json_is_object(json_object_get(*meta, "event_payload"))))))
        return fs_error("invalid_metadata_format");
    return NULL;
}

static json_t *
fs_m_post_message(struct fake_slack *f, json_t *args)
{
    const char *text = fs_arg(args, "text");
    int u = fs_user_by_channel(f, fs_arg(args, "channel"));
    json_t *blocks = NULL, *meta = NULL, *err, *msg;
    int hb, hm, i;

    if (u < 0)
        return fs_error("channel_not_found");
    if (text == NULL || text[0] == '\0')
        return fs_error("no_text");
    err = fs_rich_args(args, &blocks, &hb, &meta, &hm);
    if (err != NULL) {
        json_decref(blocks);
        json_decref(meta);
        return err;
    }
    if (hb && json_array_size(blocks) == 0) {
        json_decref(blocks);
        blocks = NULL;
    }
    i = fs_msg_add(f, u, 1, text, blocks, meta);
    msg = fs_msg_json(f, u, i, 1);
    fs_queue_echo(f, u, i);
    return json_pack("{s:b,s:s,s:s,s:o}", "ok", 1, "channel", f->users[u].dm,
                     "ts", f->users[u].msgs[i].ts, "message", msg);
}

static json_t *
fs_m_update(struct fake_slack *f, json_t *args)
{
    const char *text = fs_arg(args, "text");
    int u = fs_user_by_channel(f, fs_arg(args, "channel"));
    json_t *blocks = NULL, *meta = NULL, *err;
    struct fs_msg *m;
    int hb, hm, i;

    if (u < 0)
        return fs_error("channel_not_found");
    i = fs_msg_by_ts(&f->users[u], fs_arg(args, "ts"));
    if (i < 0)
        return fs_error("message_not_found");
    m = &f->users[u].msgs[i];
    if (!m->bot)
        return fs_error("cant_update_message");
    err = fs_rich_args(args, &blocks, &hb, &meta, &hm);
    if (err == NULL && (text == NULL || text[0] == '\0') && !hb)
        err = fs_error("no_text");
    if (err != NULL) {
        json_decref(blocks);
        json_decref(meta);
        return err;
    }
    if (text != NULL && text[0] != '\0') {
        free(m->text);
        m->text = fs_xstrdup(text);
    }
    /* Like Slack: without blocks the old ones stay; [] removes them. */
    if (hb) {
        json_decref(m->blocks);
        m->blocks = json_array_size(blocks) > 0 ? blocks : NULL;
        if (m->blocks == NULL)
            json_decref(blocks);
    }
    if (hm) {
        json_decref(m->metadata);
        m->metadata = meta;
    }
    m->updates++;
    fs_new_ts(f, m->edited, sizeof(m->edited));
    return json_pack("{s:b,s:s,s:s,s:s,s:o}", "ok", 1, "channel",
                     f->users[u].dm, "ts", m->ts, "text", m->text, "message",
                     fs_msg_json(f, u, i, 1));
}

static json_t *
fs_m_users_info(struct fake_slack *f, json_t *args)
{
    const char *id = fs_arg(args, "user");
    struct fs_user *user;
    json_t *o;
    int u;

    if (id != NULL && strcmp(id, FAKE_SLACK_BOT_USER) == 0)
        return json_pack("{s:b,s:{s:s,s:s,s:s,s:b,s:s}}", "ok", 1, "user", "id",
                         FAKE_SLACK_BOT_USER, "team_id", FS_TEAM, "name",
                         FS_BOT_NAME, "is_bot", 1, "real_name", FS_BOT_NAME);
    u = id != NULL ? fs_user_by_id(f, id) : -1;
    if (u < 0)
        return fs_error("user_not_found");
    user = &f->users[u];
    o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b}", "id", user->id, "team_id",
                  FS_TEAM, "name", user->name, "real_name", user->name,
                  "is_bot", 0, "deleted", 0);
    if (o != NULL && user->tz[0] != '\0') {
        char label[FS_TEXT_LEN];
        long off = 0;

        if (fs_tz_info(user->tz, &off, label, sizeof(label)) < 0)
            snprintf(label, sizeof(label), "%s", user->tz);
        json_object_set_new(o, "tz", json_string(user->tz));
        json_object_set_new(o, "tz_label", json_string(label));
        json_object_set_new(o, "tz_offset", json_integer(off));
    }
    return json_pack("{s:b,s:o}", "ok", 1, "user", o);
}

/*
 * Newest first.  oldest and latest are exclusive bounds unless inclusive;
 * a cursor "next_ts:TS" continues below TS, and is handed out with
 * has_more when limit cut the page short.
 */
static json_t *
fs_m_history(struct fake_slack *f, json_t *args)
{
    int u = fs_user_by_channel(f, fs_arg(args, "channel"));
    const char *oldest = fs_arg(args, "oldest");
    const char *latest = fs_arg(args, "latest");
    const char *cursor = fs_arg(args, "cursor");
    long limit = fs_arg_long(args, "limit", 100);
    int inclusive = fs_arg_bool(args, "inclusive");
    int meta = fs_arg_bool(args, "include_all_metadata");
    json_t *msgs, *out;
    const char *last = NULL;
    int more = 0;

    if (u < 0)
        return fs_error("channel_not_found");
    if (cursor != NULL && cursor[0] != '\0' &&
        strncmp(cursor, "next_ts:", 8) != 0)
        return fs_error("invalid_cursor");
    if (cursor != NULL && cursor[0] == '\0')
        cursor = NULL;
    if (limit < 1)
        limit = 100;
    if (limit > 1000)
        limit = 1000;
    msgs = json_array();
    for (int i = f->users[u].nmsgs - 1; i >= 0; i--) {
        struct fs_msg *m = &f->users[u].msgs[i];
        int lo = oldest != NULL ? fs_ts_cmp(m->ts, oldest) : 1;
        int hi = latest != NULL ? fs_ts_cmp(m->ts, latest) : -1;

        if (m->deleted || lo < 0 || hi > 0 ||
            (!inclusive && (lo == 0 || hi == 0)))
            continue;
        if (cursor != NULL && fs_ts_cmp(m->ts, cursor + 8) >= 0)
            continue;
        if ((long)json_array_size(msgs) >= limit) {
            more = 1;
            break;
        }
        json_array_append_new(msgs, fs_msg_json(f, u, i, meta));
        last = m->ts;
    }
    out =
        json_pack("{s:b,s:o,s:b}", "ok", 1, "messages", msgs, "has_more", more);
    if (out != NULL && more && last != NULL) {
        char next[FS_ID_LEN + 8];

        snprintf(next, sizeof(next), "next_ts:%s", last);
        json_object_set_new(out, "response_metadata",
                            json_pack("{s:s}", "next_cursor", next));
    }
    return out;
}

static const struct fs_method fs_methods[] = {
    {"auth.test", FS_TOKEN_BOT, fs_m_auth_test},
    {"apps.connections.open", FS_TOKEN_APP, fs_m_connections_open},
    {"conversations.open", FS_TOKEN_BOT, fs_m_conversations_open},
    {"chat.postMessage", FS_TOKEN_BOT, fs_m_post_message},
    {"chat.update", FS_TOKEN_BOT, fs_m_update},
    {"users.info", FS_TOKEN_BOT, fs_m_users_info},
    {"conversations.history", FS_TOKEN_BOT, fs_m_history},
};

/* ---- the HTTP side ------------------------------------------------------ */

/* Answer with text (taken); retry_after > 0 adds Retry-After. */
static enum MHD_Result
fs_reply(struct MHD_Connection *c, unsigned status, const char *ctype,
         char *text, int retry_after)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(strlen(text), text,
                                        MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", ctype);
    if (retry_after > 0) {
        char s[16];

        snprintf(s, sizeof(s), "%d", retry_after);
        MHD_add_response_header(r, "Retry-After", s);
    }
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
fs_reply_json(struct MHD_Connection *c, unsigned status, json_t *body,
              int retry_after)
{
    return fs_reply(c, status, FS_JSON_TYPE, fs_dump_take(body), retry_after);
}

/* Sleep for FS_SLOW_MS, or less when the fake stops. */
static void
fs_slow(struct fake_slack *f)
{
    fs_sleep_until(f, fs_mono_ms() + FS_SLOW_MS);
}

/* One Web API call: count, faults, rate limits, token, then the method. */
static enum MHD_Result
fs_api(struct fake_slack *f, struct MHD_Connection *c, const char *name,
       const struct fs_req *rq)
{
    const struct fs_method *m = NULL;
    const char *auth, *token = NULL, *perr = NULL;
    char method[FS_NAME_LEN];
    enum fake_slack_fault fault;
    json_t *args, *out;
    char *text;
    int wait_s;

    snprintf(method, sizeof(method), "%s", name);
    for (size_t i = 0; i < sizeof(fs_methods) / sizeof(fs_methods[0]); i++)
        if (strcmp(fs_methods[i].name, method) == 0)
            m = &fs_methods[i];
    pthread_mutex_lock(&f->lock);
    fs_count_call(f, method);
    fault = fs_take_fault(f, method);
    pthread_mutex_unlock(&f->lock);
    switch (fault) {
    case FAKE_SLACK_500:
        return fs_reply(c, 500, "text/html",
                        fs_xstrdup("<html><head><title>500 Internal Server "
                                   "Error</title></head><body><h1>Internal "
                                   "Server Error</h1></body></html>\n"),
                        0);
    case FAKE_SLACK_SLOW:
        fs_slow(f);
        break;
    case FAKE_SLACK_RESET:
        return MHD_NO; /* MHD drops the connection unanswered */
    case FAKE_SLACK_LIMIT:
        return fs_reply_json(c, 429, fs_error("ratelimited"), 1);
    case FAKE_SLACK_AUTH:
        return fs_reply_json(c, 200, fs_error("invalid_auth"), 0);
    default:
        break;
    }
    pthread_mutex_lock(&f->lock);
    wait_s = fs_take_limit(f, method);
    pthread_mutex_unlock(&f->lock);
    if (wait_s > 0)
        return fs_reply_json(c, 429, fs_error("ratelimited"), wait_s);
    if (m == NULL)
        return fs_reply_json(c, 404, fs_error("unknown_method"), 0);
    if (rq->too_big)
        return fs_reply_json(c, 413, fs_error("request_too_large"), 0);
    auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0)
        token = auth + 7;
    if (token == NULL || (strcmp(token, FAKE_SLACK_BOT_TOKEN) != 0 &&
                          strcmp(token, FAKE_SLACK_APP_TOKEN) != 0))
        return fs_reply_json(c, 200, fs_error("invalid_auth"), 0);
    if ((m->token == FS_TOKEN_APP) !=
        (strcmp(token, FAKE_SLACK_APP_TOKEN) == 0))
        return fs_reply_json(c, 200, fs_error("not_allowed_token_type"), 0);
    args = json_object();
    if (fs_parse_args(c, rq, args, &perr) < 0) {
        json_decref(args);
        return fs_reply_json(c, 200, fs_error(perr), 0);
    }
    pthread_mutex_lock(&f->lock);
    out = m->fn(f, args);
    text = fs_dump_take(out != NULL ? out : fs_error("internal_error"));
    pthread_mutex_unlock(&f->lock);
    json_decref(args);
    if (fault == FAKE_SLACK_CUT)
        text[strlen(text) / 2] = '\0';
    return fs_reply(c, 200, FS_JSON_TYPE, text, 0);
}

/* GET /link/?ticket=N: upgrade to a Socket Mode connection, once per
 * ticket. */
static enum MHD_Result
fs_ws_accept(struct fake_slack *f, struct MHD_Connection *c)
{
    const char *upgrade =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Upgrade");
    const char *key =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Key");
    const char *ticket =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ticket");
    unsigned char sha[SHA_DIGEST_LENGTH];
    char buf[256], accept[64];
    struct MHD_Response *r;
    enum MHD_Result ret;
    long t = -1;
    int found = 0;

    if (upgrade == NULL || strcasecmp(upgrade, "websocket") != 0 ||
        key == NULL || strlen(key) > 128)
        return fs_reply(c, 400, "text/plain",
                        fs_xstrdup("a WebSocket upgrade expected\n"), 0);
    if (ticket != NULL && ticket[0] != '\0') {
        char *end;

        t = strtol(ticket, &end, 10);
        if (*end != '\0')
            t = -1;
    }
    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->ntickets; i++)
        if (f->tickets[i] == t) {
            f->tickets[i] = f->tickets[--f->ntickets];
            found = 1;
            break;
        }
    pthread_mutex_unlock(&f->lock);
    if (!found)
        return fs_reply(c, 401, "text/plain",
                        fs_xstrdup("unknown or used ticket\n"), 0);
    snprintf(buf, sizeof(buf), "%s%s", key, FS_WS_GUID);
    SHA1((const unsigned char *)buf, strlen(buf), sha);
    EVP_EncodeBlock((unsigned char *)accept, sha, SHA_DIGEST_LENGTH);
    r = MHD_create_response_for_upgrade(fs_ws_upgraded, f);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Upgrade", "websocket");
    MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
    ret = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
fs_handler(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **state)
{
    struct fake_slack *f = cls;
    struct fs_req *rq = *state;

    (void)method;
    (void)version;
    if (rq == NULL) {
        *state = fs_xcalloc(1, sizeof(*rq));
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!rq->too_big && rq->len + *upload_size > FS_MAX_BODY) {
            rq->too_big = 1;
            free(rq->body);
            rq->body = NULL;
            rq->len = 0;
        }
        if (!rq->too_big) {
            rq->body = fs_xrealloc(rq->body, rq->len + *upload_size + 1);
            memcpy(rq->body + rq->len, upload, *upload_size);
            rq->len += *upload_size;
            rq->body[rq->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strncmp(url, "/api/", 5) == 0)
        return fs_api(f, c, url + 5, rq);
    if (strcmp(url, "/link/") == 0 || strcmp(url, "/link") == 0)
        return fs_ws_accept(f, c);
    if (strncmp(url, "/response/", 10) == 0) {
        /* response_url: taken and counted, not shown to anyone. */
        pthread_mutex_lock(&f->lock);
        fs_count_call(f, "response_url");
        pthread_mutex_unlock(&f->lock);
        return fs_reply_json(c, 200, json_pack("{s:b}", "ok", 1), 0);
    }
    return fs_reply(c, 404, "text/plain", fs_xstrdup("not found\n"), 0);
}

static void
fs_done(void *cls, struct MHD_Connection *c, void **state,
        enum MHD_RequestTerminationCode code)
{
    struct fs_req *rq = *state;

    (void)cls;
    (void)c;
    (void)code;
    if (rq != NULL) {
        free(rq->body);
        free(rq);
    }
    *state = NULL;
}

/* ---- the test's API ----------------------------------------------------- */

struct fake_slack *
fake_slack_start(void)
{
    struct fake_slack *f = fs_xcalloc(1, sizeof(*f));
    const union MHD_DaemonInfo *info;
    pthread_condattr_t attr;
    struct sockaddr_in sa;

    pthread_mutex_init(&f->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cond, &attr);
    pthread_condattr_destroy(&attr);
    f->rand = (uint64_t)fs_mono_ms() * 0x9E3779B97F4A7C15ULL ^
              (uint64_t)getpid() ^ (uint64_t)(uintptr_t)f;
    if (f->rand == 0)
        f->rand = 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    f->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_ALLOW_UPGRADE,
        0, NULL, NULL, fs_handler, f, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_NOTIFY_COMPLETED, fs_done, NULL, MHD_OPTION_END);
    if (f->d == NULL)
        goto fail;
    info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info != NULL ? info->port : 0;
    if (pthread_create(&f->deliverer, NULL, fs_deliverer, f) != 0) {
        MHD_stop_daemon(f->d);
        goto fail;
    }
    f->deliverer_started = 1;
    return f;
fail:
    curl_global_cleanup();
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return NULL;
}

void
fake_slack_stop(struct fake_slack *f)
{
    if (f == NULL)
        return;
    /* Cut the sockets first: that unblocks a delivery stuck writing and
     * ends every reader; no connection is added once stopping is set. */
    pthread_mutex_lock(&f->lock);
    f->stopping = 1;
    for (int i = 0; i < f->nconns; i++)
        fs_conn_cut(f->conns[i], 0);
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
    if (f->deliverer_started)
        pthread_join(f->deliverer, NULL);
    for (int i = 0; i < f->nconns; i++)
        pthread_join(f->conns[i]->thread, NULL);
    /* Person actions still waiting got -1; let them return first. */
    pthread_mutex_lock(&f->lock);
    while (f->callers > 0)
        pthread_cond_wait(&f->cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
    MHD_stop_daemon(f->d);
    for (int i = 0; i < f->nconns; i++)
        fs_conn_free(f->conns[i]);
    free(f->conns);
    for (int u = 0; u < f->nusers; u++) {
        for (int i = 0; i < f->users[u].nmsgs; i++)
            fs_msg_free(&f->users[u].msgs[i]);
        free(f->users[u].msgs);
    }
    free(f->users);
    free(f->counts);
    free(f->faults);
    for (int i = 0; i < f->nlimits; i++)
        free(f->limits[i].times);
    free(f->limits);
    free(f->tickets);
    free(f->url);
    curl_global_cleanup();
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

int
fake_slack_port(const struct fake_slack *f)
{
    return f->port;
}

void
fake_slack_add_user(struct fake_slack *f, const char *id, const char *name,
                    const char *tz)
{
    struct fs_user *user;
    int u;

    if (id[0] != 'U' || strlen(id) >= FS_ID_LEN) {
        fprintf(stderr, "fake-slack: bad user id %s\n", id);
        return;
    }
    pthread_mutex_lock(&f->lock);
    u = fs_user_by_id(f, id);
    if (u < 0) {
        FS_GROW(f->users, f->cusers, f->nusers + 1);
        u = f->nusers++;
        memset(&f->users[u], 0, sizeof(f->users[u]));
        snprintf(f->users[u].id, FS_ID_LEN, "%s", id);
        snprintf(f->users[u].dm, FS_ID_LEN, "D%s", id + 1);
    }
    user = &f->users[u];
    snprintf(user->name, sizeof(user->name), "%s", name != NULL ? name : "");
    snprintf(user->tz, sizeof(user->tz), "%s", tz != NULL ? tz : "");
    pthread_mutex_unlock(&f->lock);
}

void
fake_slack_deliver_to(struct fake_slack *f, const char *url)
{
    char *copy = NULL;

    if (url != NULL) {
        size_t n;

        copy = fs_xstrdup(url);
        /* url + "/events" must not become "…//events". */
        n = strlen(copy);
        while (n > 0 && copy[n - 1] == '/')
            copy[--n] = '\0';
    }
    pthread_mutex_lock(&f->lock);
    free(f->url);
    f->url = copy;
    pthread_mutex_unlock(&f->lock);
}

int
fake_slack_connections(struct fake_slack *f)
{
    int n;

    pthread_mutex_lock(&f->lock);
    n = fs_open_conns(f);
    pthread_mutex_unlock(&f->lock);
    return n;
}

void
fake_slack_disconnect(struct fake_slack *f, const char *reason)
{
    struct fs_conn **list = NULL;
    char *text;
    int n = 0;

    text = fs_dump_take(json_pack("{s:s,s:s,s:{s:s}}", "type", "disconnect",
                                  "reason", reason, "debug_info", "host",
                                  "fake-applink"));
    pthread_mutex_lock(&f->lock);
    if (f->nconns > 0)
        list = fs_xcalloc((size_t)f->nconns, sizeof(*list));
    for (int i = 0; i < f->nconns; i++)
        if (f->conns[i]->open) {
            f->conns[i]->refs++;
            list[n++] = f->conns[i];
        }
    pthread_mutex_unlock(&f->lock);
    for (int i = 0; i < n; i++)
        fs_ws_send_text(list[i], text, 0);
    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < n; i++)
        list[i]->refs--;
    pthread_mutex_unlock(&f->lock);
    free(list);
    free(text);
}

void
fake_slack_drop(struct fake_slack *f)
{
    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->nconns; i++)
        fs_conn_cut(f->conns[i], 1);
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
}

/* The message event of a person's new message (the caller holds the lock). */
static json_t *
fs_said_event(struct fake_slack *f, int u, int i)
{
    struct fs_user *user = &f->users[u];
    struct fs_msg *m = &user->msgs[i];

    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type", "message",
                     "channel_type", "im", "channel", user->dm, "user",
                     user->id, "text", m->text, "ts", m->ts, "event_ts", m->ts,
                     "team", FS_TEAM);
}

/* Store a person's message; with deliver, also hand it to the app. */
static int
fs_say(struct fake_slack *f, const char *user, const char *text, char *ts_out,
       size_t tssz, int deliver)
{
    json_t *check = json_string(text);
    int u, i, rc = -1;

    fs_copy_out(ts_out, tssz, "");
    if (check == NULL)
        return -1; /* not UTF-8 */
    json_decref(check);
    pthread_mutex_lock(&f->lock);
    u = fs_user_by_id(f, user);
    if (u >= 0 && !f->stopping) {
        i = fs_msg_add(f, u, 0, text, NULL, NULL);
        fs_copy_out(ts_out, tssz, f->users[u].msgs[i].ts);
        rc = 0;
        if (deliver)
            rc = fs_deliver_wait(
                f,
                fs_delivery_new(f, FS_EVENT,
                                fs_callback(f, fs_said_event(f, u, i)), 1),
                NULL, 0);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

int
fake_slack_say(struct fake_slack *f, const char *user, const char *text,
               char *ts_out, size_t tssz)
{
    return fs_say(f, user, text, ts_out, tssz, 1);
}

int
fake_slack_say_unseen(struct fake_slack *f, const char *user, const char *text,
                      char *ts_out, size_t tssz)
{
    return fs_say(f, user, text, ts_out, tssz, 0);
}

/* A person's own live message in their DM (the caller holds the lock). */
static int
fs_own_msg(struct fake_slack *f, const char *user, const char *ts, int *u_out)
{
    int u = fs_user_by_id(f, user), i;

    if (u < 0)
        return -1;
    i = fs_msg_by_ts(&f->users[u], ts);
    if (i < 0 || f->users[u].msgs[i].bot)
        return -1;
    *u_out = u;
    return i;
}

int
fake_slack_edit(struct fake_slack *f, const char *user, const char *ts,
                const char *text)
{
    json_t *check = json_string(text), *prev, *ev;
    char now[FS_ID_LEN];
    struct fs_msg *m;
    int u = -1, i, rc = -1;

    if (check == NULL)
        return -1;
    json_decref(check);
    pthread_mutex_lock(&f->lock);
    i = fs_own_msg(f, user, ts, &u);
    if (i >= 0 && !f->stopping) {
        m = &f->users[u].msgs[i];
        prev = fs_msg_json(f, u, i, 0);
        fs_new_ts(f, now, sizeof(now));
        free(m->text);
        m->text = fs_xstrdup(text);
        snprintf(m->edited, sizeof(m->edited), "%s", now);
        ev = json_pack("{s:s,s:s,s:s,s:s,s:b,s:o,s:o,s:s,s:s}", "type",
                       "message", "subtype", "message_changed", "channel_type",
                       "im", "channel", f->users[u].dm, "hidden", 1, "message",
                       fs_msg_json(f, u, i, 0), "previous_message", prev, "ts",
                       now, "event_ts", now);
        rc = fs_deliver_wait(
            f, fs_delivery_new(f, FS_EVENT, fs_callback(f, ev), 1), NULL, 0);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

int
fake_slack_delete(struct fake_slack *f, const char *user, const char *ts)
{
    char now[FS_ID_LEN];
    json_t *ev;
    int u = -1, i, rc = -1;

    pthread_mutex_lock(&f->lock);
    i = fs_own_msg(f, user, ts, &u);
    if (i >= 0 && !f->stopping) {
        struct fs_msg *m = &f->users[u].msgs[i];

        fs_new_ts(f, now, sizeof(now));
        ev = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:o,s:s,s:s}", "type",
                       "message", "subtype", "message_deleted", "channel_type",
                       "im", "channel", f->users[u].dm, "hidden", 1,
                       "deleted_ts", m->ts, "previous_message",
                       fs_msg_json(f, u, i, 0), "ts", now, "event_ts", now);
        m->deleted = 1;
        rc = fs_deliver_wait(
            f, fs_delivery_new(f, FS_EVENT, fs_callback(f, ev), 1), NULL, 0);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

/* The button action_id in blocks (an actions block's elements, or a
 * section's accessory), and its block's block_id. */
static json_t *
fs_find_button(json_t *blocks, const char *action_id, const char **block_id)
{
    size_t i, j;
    json_t *b, *el;

    json_array_foreach(blocks, i, b)
    {
        const char *type = fs_str(b, "type");
        const char *bid = fs_str(b, "block_id");

        if (type != NULL && strcmp(type, "actions") == 0) {
            json_array_foreach(json_object_get(b, "elements"), j, el)
            {
                const char *et = fs_str(el, "type"),
                           *aid = fs_str(el, "action_id");

                if (et != NULL && strcmp(et, "button") == 0 && aid != NULL &&
                    strcmp(aid, action_id) == 0) {
                    *block_id = bid != NULL ? bid : "";
                    return el;
                }
            }
        } else if (type != NULL && strcmp(type, "section") == 0) {
            const char *et, *aid;

            el = json_object_get(b, "accessory");
            et = fs_str(el, "type");
            aid = fs_str(el, "action_id");
            if (et != NULL && strcmp(et, "button") == 0 && aid != NULL &&
                strcmp(aid, action_id) == 0) {
                *block_id = bid != NULL ? bid : "";
                return el;
            }
        }
    }
    return NULL;
}

static void
fs_response_url(struct fake_slack *f, char *out, size_t outsz)
{
    snprintf(out, outsz, "http://127.0.0.1:%d/response/%lu", f->port,
             ++f->serial);
}

static void
fs_trigger_id(struct fake_slack *f, char *out, size_t outsz)
{
    unsigned long n = ++f->serial;

    snprintf(out, outsz, "%lu.%lu.%016llx", n, n * 7919UL,
             (unsigned long long)fs_random(f));
}

int
fake_slack_press(struct fake_slack *f, const char *user, const char *ts,
                 const char *action_id)
{
    char action_ts[FS_ID_LEN], trigger[64], resp[96];
    const char *block_id = "";
    json_t *button, *action, *payload;
    struct fs_user *person;
    struct fs_msg *m;
    int u, i, rc = -1;

    pthread_mutex_lock(&f->lock);
    u = fs_user_by_id(f, user);
    i = u >= 0 ? fs_msg_by_ts(&f->users[u], ts) : -1;
    if (i < 0 || f->stopping || !f->users[u].msgs[i].bot)
        goto out;
    person = &f->users[u];
    m = &person->msgs[i];
    button = fs_find_button(m->blocks, action_id, &block_id);
    if (button == NULL)
        goto out;
    fs_new_ts(f, action_ts, sizeof(action_ts));
    fs_trigger_id(f, trigger, sizeof(trigger));
    fs_response_url(f, resp, sizeof(resp));
    action = json_pack("{s:s,s:s,s:s,s:s}", "type", "button", "action_id",
                       action_id, "block_id", block_id, "action_ts", action_ts);
    if (action != NULL && json_object_get(button, "value") != NULL)
        json_object_set_new(action, "value",
                            json_deep_copy(json_object_get(button, "value")));
    if (action != NULL && json_object_get(button, "text") != NULL)
        json_object_set_new(action, "text",
                            json_deep_copy(json_object_get(button, "text")));
    payload = json_pack(
        "{s:s,s:{s:s,s:s,s:s,s:s},s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:b},"
        "s:s,s:{s:s,s:s},s:o,s:s,s:[o]}",
        "type", "block_actions", "user", "id", person->id, "username",
        person->name, "name", person->name, "team_id", FS_TEAM, "api_app_id",
        FS_APP, "token", FS_LEGACY_TOKEN, "team", "id", FS_TEAM, "domain",
        "fake", "container", "type", "message", "message_ts", m->ts,
        "channel_id", person->dm, "is_ephemeral", 0, "trigger_id", trigger,
        "channel", "id", person->dm, "name", "directmessage", "message",
        fs_msg_json(f, u, i, 0), "response_url", resp, "actions", action);
    rc = fs_deliver_wait(f, fs_delivery_new(f, FS_INTERACTIVE, payload, 1),
                         NULL, 0);
out:
    pthread_mutex_unlock(&f->lock);
    return rc;
}

int
fake_slack_command(struct fake_slack *f, const char *user, const char *text,
                   char *reply, size_t replysz)
{
    char trigger[64], resp[96];
    json_t *payload;
    int u, rc = -1;

    fs_copy_out(reply, replysz, "");
    pthread_mutex_lock(&f->lock);
    u = fs_user_by_id(f, user);
    if (u >= 0 && !f->stopping) {
        struct fs_user *person = &f->users[u];

        fs_trigger_id(f, trigger, sizeof(trigger));
        fs_response_url(f, resp, sizeof(resp));
        payload =
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
                      "token", FS_LEGACY_TOKEN, "team_id", FS_TEAM,
                      "team_domain", "fake", "channel_id", person->dm,
                      "channel_name", "directmessage", "user_id", person->id,
                      "user_name", person->name, "command", "/reflekt", "text",
                      text, "api_app_id", FS_APP, "is_enterprise_install",
                      "false", "response_url", resp, "trigger_id", trigger);
        rc = fs_deliver_wait(f, fs_delivery_new(f, FS_COMMAND, payload, 1),
                             reply, replysz);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

int
fake_slack_posts(struct fake_slack *f, const char *user,
                 struct fake_slack_post *out, int max)
{
    int u, n = 0;

    pthread_mutex_lock(&f->lock);
    u = fs_user_by_id(f, user);
    for (int i = 0; u >= 0 && i < f->users[u].nmsgs; i++) {
        struct fs_msg *m = &f->users[u].msgs[i];
        struct fake_slack_post *p;

        if (!m->bot || m->deleted)
            continue;
        if (out == NULL) {
            n++;
            continue;
        }
        if (n >= max)
            break;
        p = &out[n++];
        memset(p, 0, sizeof(*p));
        snprintf(p->channel, sizeof(p->channel), "%s", f->users[u].dm);
        snprintf(p->ts, sizeof(p->ts), "%s", m->ts);
        p->text = fs_xstrdup(m->text);
        p->blocks =
            m->blocks != NULL ? fs_dump_take(json_incref(m->blocks)) : NULL;
        p->metadata =
            m->metadata != NULL ? fs_dump_take(json_incref(m->metadata)) : NULL;
        p->updates = m->updates;
    }
    pthread_mutex_unlock(&f->lock);
    return n;
}

void
fake_slack_post_release(struct fake_slack_post *p)
{
    if (p == NULL)
        return;
    free(p->text);
    free(p->blocks);
    free(p->metadata);
    p->text = NULL;
    p->blocks = NULL;
    p->metadata = NULL;
}

int
fake_slack_calls(struct fake_slack *f, const char *method)
{
    int n = 0;

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->ncounts; i++)
        if (strcmp(f->counts[i].method, method) == 0)
            n = f->counts[i].n;
    pthread_mutex_unlock(&f->lock);
    return n;
}

int
fake_slack_acks(struct fake_slack *f)
{
    int n;

    pthread_mutex_lock(&f->lock);
    n = f->acks;
    pthread_mutex_unlock(&f->lock);
    return n;
}

int
fake_slack_retries(struct fake_slack *f)
{
    int n;

    pthread_mutex_lock(&f->lock);
    n = f->retries;
    pthread_mutex_unlock(&f->lock);
    return n;
}

int
fake_slack_limited(struct fake_slack *f)
{
    int n;

    pthread_mutex_lock(&f->lock);
    n = f->limited;
    pthread_mutex_unlock(&f->lock);
    return n;
}

int
fake_slack_url_verification(struct fake_slack *f)
{
    char challenge[64];
    json_t *payload;
    int rc = -1;

    pthread_mutex_lock(&f->lock);
    if (f->url != NULL && !f->stopping) {
        snprintf(challenge, sizeof(challenge), "%016llx%016llx",
                 (unsigned long long)fs_random(f),
                 (unsigned long long)fs_random(f));
        payload = json_pack("{s:s,s:s,s:s}", "token", FS_LEGACY_TOKEN,
                            "challenge", challenge, "type", "url_verification");
        rc = fs_deliver_wait(f, fs_delivery_new(f, FS_VERIFY, payload, 1), NULL,
                             0);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

void
fake_slack_fault(struct fake_slack *f, enum fake_slack_fault fault,
                 const char *method, int count)
{
    struct fs_fault *x = NULL;

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->nfaults; i++)
        if (f->faults[i].count <= 0) {
            x = &f->faults[i];
            break;
        }
    if (x == NULL) {
        FS_GROW(f->faults, f->cfaults, f->nfaults + 1);
        x = &f->faults[f->nfaults++];
    }
    x->fault = fault;
    x->count = count;
    snprintf(x->method, sizeof(x->method), "%s", method != NULL ? method : "");
    pthread_mutex_unlock(&f->lock);
}

void
fake_slack_limit(struct fake_slack *f, const char *method, int per_minute)
{
    struct fs_limit *l = NULL;
    const char *name = method != NULL ? method : "";

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->nlimits; i++)
        if (strcmp(f->limits[i].method, name) == 0)
            l = &f->limits[i];
    if (l == NULL && per_minute > 0) {
        FS_GROW(f->limits, f->climits, f->nlimits + 1);
        l = &f->limits[f->nlimits++];
        memset(l, 0, sizeof(*l));
        snprintf(l->method, sizeof(l->method), "%s", name);
    }
    if (l != NULL) {
        l->per_minute = per_minute > 0 ? per_minute : 0;
        l->ntimes = 0;
    }
    pthread_mutex_unlock(&f->lock);
}

int
fake_slack_chaos(struct fake_slack *f, int permille, unsigned seed)
{
    int hits;

    pthread_mutex_lock(&f->lock);
    hits = fake_chaos_set(&f->chaos, permille, seed);
    pthread_mutex_unlock(&f->lock);
    return hits;
}
