/*
 * test-convo.c - the conversation engine against a fake adapter, an
 * on-disk SQLite database and a frozen clock: weeks of schedule run in
 * milliseconds.
 */
#include "t.h"

#include "adapter.h"
#include "clock.h"
#include "config.h"
#include "convo.h"
#include "err.h"
#include "log.h"
#include "msg.h"
#include "prompt.h"
#include "sched.h"
#include "store.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <unistd.h>

#define MAX_SENT 1024

struct fake {
    int nsent;
    char *text[MAX_SENT];
    char *to[MAX_SENT];
    int64_t delivery[MAX_SENT];
    int buttons[MAX_SENT];
    int resend[MAX_SENT];
    int fail; /* refuse sends */
    int lost; /* accept sends, then report them failed with lost_err */
    int lost_err;
    int wakes;  /* engine asked its timer to look again */
    int silent; /* accept but never confirm (a crash mid-send) */
    int nsettled;
    char *settled[MAX_SENT]; /* the notes under settled questions */
};

static struct fake fake;

static int
fake_send(struct adapter *a, const struct adapter_msg *m, adapter_sent_cb *cb,
          void *arg)
{
    if (fake.fail)
        return ERR_PLATFORM;
    if (fake.nsent < MAX_SENT) {
        fake.text[fake.nsent] = xstrdup(m->text);
        fake.to[fake.nsent] = xstrdup(m->user_id);
        fake.delivery[fake.nsent] = m->delivery_id;
        fake.buttons[fake.nsent] = m->button_skip != NULL;
        fake.resend[fake.nsent] = m->resend;
        fake.nsent++;
    }
    if (fake.silent) {
        free(arg); /* the engine's context: never called back */
        return 0;
    }
    if (fake.lost) {
        cb(a, fake.lost_err ? fake.lost_err : ERR_PLATFORM, NULL, arg);
        return 0;
    }
    cb(a, 0, "msg-1", arg);
    return 0;
}

static void
fake_settle(struct adapter *a, const struct adapter_settle *st)
{
    (void)a;
    T_EQ_STR(st->msg_id, "msg-1");
    if (fake.nsettled < MAX_SENT)
        fake.settled[fake.nsettled++] = xstrdup(st->note);
}

static void
fake_reset(void)
{
    for (int i = 0; i < fake.nsent; i++) {
        free(fake.text[i]);
        free(fake.to[i]);
    }
    for (int i = 0; i < fake.nsettled; i++)
        free(fake.settled[i]);
    memset(&fake, 0, sizeof(fake));
}

static const struct adapter_ops fake_ops = {
    .name = "console",
    .send = fake_send,
    .settle = fake_settle,
};

struct env {
    char path[64];
    struct store *st;
    struct config conf;
    struct prompt_set ps;
    struct convo cv;
    struct adapter ad;
    struct store_leader l;
};

/* Monday 2026-11-23 10:00 Europe/Oslo (09:00 UTC). */
#define T0 ((int64_t)1795424400)
#define HOUR 3600
#define DAY (24 * HOUR)

static void
env_open(struct env *e)
{
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(store_open(e->path, &e->st, err), 0);
    convo_init(&e->cv, e->st, &e->conf, &e->ps);
    memset(&e->ad, 0, sizeof(e->ad));
    e->ad.ops = &fake_ops;
    convo_add_adapter(&e->cv, &e->ad);
}

static void
env_init(struct env *e, const char *lang)
{
    char err[ERR_BUFSZ] = "";
    int64_t next;
    int fd;

    memset(e, 0, sizeof(*e));
    fake_reset();
    log_set_level(LOG_LEVEL_ERROR);
    clock_set(T0);
    xstrlcpy(e->path, "/tmp/reflekt-convo-XXXXXX", sizeof(e->path));
    fd = mkstemp(e->path);
    close(fd);
    unlink(e->path);
    config_init(&e->conf);
    prompt_set_init(&e->ps);
    T_EQ_INT(prompt_set_load_builtin(&e->ps, err), 0);
    env_open(e);
    xstrlcpy(e->l.handle, "lena", sizeof(e->l.handle));
    xstrlcpy(e->l.platform, "console", sizeof(e->l.platform));
    xstrlcpy(e->l.user_id, "lena", sizeof(e->l.user_id));
    xstrlcpy(e->l.consultant, "anna", sizeof(e->l.consultant));
    xstrlcpy(e->l.manager, "bob", sizeof(e->l.manager));
    xstrlcpy(e->l.org, "default", sizeof(e->l.org));
    xstrlcpy(e->l.lang, lang, sizeof(e->l.lang));
    xstrlcpy(e->l.tz, "Europe/Oslo", sizeof(e->l.tz));
    xstrlcpy(e->l.country, "no", sizeof(e->l.country));
    xstrlcpy(e->l.cadence, e->conf.cadence, sizeof(e->l.cadence));
    xstrlcpy(e->l.dtstart, "2026-11-23", sizeof(e->l.dtstart));
    e->l.work_from = e->conf.work_from;
    e->l.work_to = e->conf.work_to;
    e->l.work_days = e->conf.work_days;
    e->l.weekly_cap = 2;
    e->l.summer_from = 701;
    e->l.summer_to = 731;
    T_EQ_INT(store_leader_add(e->st, &e->l, err), 0);
    T_EQ_INT(store_begin(e->st), 0);
    T_EQ_INT(convo_replan(e->st, &e->l, T0, &next, err), 0);
    T_EQ_INT(store_commit(e->st), 0);
}

static void
env_release(struct env *e)
{
    char wal[80], shm[80];

    store_close(e->st);
    prompt_set_release(&e->ps);
    config_release(&e->conf);
    snprintf(wal, sizeof(wal), "%s-wal", e->path);
    snprintf(shm, sizeof(shm), "%s-shm", e->path);
    unlink(e->path);
    unlink(wal);
    unlink(shm);
    fake_reset();
    clock_set(0);
}

static int64_t
tick(struct env *e, int64_t now)
{
    int64_t next = -1;

    clock_set(now);
    T_EQ_INT(convo_tick(&e->cv, now, &next), 0);
    return next;
}

static int
say(struct env *e, const char *user, const char *id, const char *text,
    int64_t now)
{
    struct adapter_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = ADAPTER_EVENT_MESSAGE;
    ev.event_id = id;
    ev.user_id = user;
    ev.msg_id = id;
    ev.text = text;
    ev.text_len = strlen(text);
    clock_set(now);
    return convo_on_event(&e->cv, &e->ad, &ev, now);
}

static int
press_on(struct env *e, const char *id, const char *action, int64_t delivery,
         int64_t now)
{
    struct adapter_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = ADAPTER_EVENT_ACTION;
    ev.event_id = id;
    ev.user_id = "lena";
    ev.action = action;
    ev.delivery_id = delivery;
    clock_set(now);
    return convo_on_event(&e->cv, &e->ad, &ev, now);
}

/* A press on a button that names no question. */
static int
press(struct env *e, const char *id, const char *action, int64_t now)
{
    return press_on(e, id, action, 0, now);
}

struct rows {
    int n;
    enum store_state state[16];
    char *answer[16];
    int64_t id[16];
};

static int
rows_cb(const struct store_row *r, void *arg)
{
    struct rows *rs = arg;

    if (rs->n < 16) {
        rs->state[rs->n] = r->state;
        rs->answer[rs->n] = r->answer ? xstrdup(r->answer) : NULL;
        rs->id[rs->n] = r->delivery_id;
        rs->n++;
    }
    return 0;
}

static void
rows_get(struct env *e, struct rows *rs)
{
    memset(rs, 0, sizeof(*rs));
    T_EQ_INT(store_rows(e->st, 0, 0, rows_cb, rs), 0);
}

static void
rows_free(struct rows *rs)
{
    for (int i = 0; i < rs->n; i++)
        free(rs->answer[i]);
}

static const char *
last_sent(void)
{
    return fake.nsent > 0 ? fake.text[fake.nsent - 1] : "";
}

/* Tuesday 2026-11-24 09:00 Oslo = 08:00 UTC. */
#define TUE (T0 + 23 * HOUR)

T_TEST(test_question_goes_out_when_due)
{
    struct env e;
    struct rows rs;
    int64_t next;

    env_init(&e, "en");
    next = tick(&e, T0);
    T_EQ_INT(next, TUE);
    T_EQ_INT(fake.nsent, 0);
    next = tick(&e, TUE);
    T_EQ_INT(fake.nsent, 1);
    T_CHECK(fake.buttons[0]);
    T_CHECK(fake.delivery[0] > 0);
    rows_get(&e, &rs);
    T_EQ_INT(rs.n, 1);
    T_EQ_INT(rs.state[0], STORE_STATE_SENT);
    /* The next thing due is the reminder, a day later in working hours. */
    T_EQ_INT(next, TUE + DAY);
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_answer_in_several_messages)
{
    struct env e;
    struct rows rs;

    env_init(&e, "en");
    tick(&e, TUE);
    T_EQ_INT(say(&e, "lena", "ev1", "First thought.", TUE + 60), 0);
    T_CONTAINS(last_sent(), "saved");
    T_EQ_INT(fake.nsent, 2);
    T_EQ_INT(say(&e, "lena", "ev2", "And a second one.", TUE + 120), 0);
    T_EQ_INT(fake.nsent, 2); /* no reply to every message */
    rows_get(&e, &rs);
    T_EQ_INT(rs.n, 1);
    T_EQ_INT(rs.state[0], STORE_STATE_ANSWERED);
    T_EQ_STR(rs.answer[0], "First thought.\nAnd a second one.");
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_redelivered_event_stored_once)
{
    struct env e;
    struct rows rs;

    env_init(&e, "en");
    tick(&e, TUE);
    T_EQ_INT(say(&e, "lena", "ev1", "Once.", TUE + 60), 0);
    T_EQ_INT(say(&e, "lena", "ev1", "Once.", TUE + 61), 0);
    rows_get(&e, &rs);
    T_EQ_STR(rs.answer[0], "Once.");
    T_EQ_INT(fake.nsent, 2); /* the duplicate gets no second thanks */
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_skip_tells_next_time)
{
    struct env e;
    struct rows rs;

    env_init(&e, "nb");
    tick(&e, TUE);
    T_EQ_INT(say(&e, "lena", "ev1", "hopp over", TUE + 60), 0);
    /* Next Tuesday 1 December, 09:00 Oslo. */
    T_CONTAINS(last_sent(), "tirsdag 1. desember kl. 09.00");
    rows_get(&e, &rs);
    T_EQ_INT(rs.state[0], STORE_STATE_SKIPPED);
    rows_free(&rs);
    T_EQ_INT(say(&e, "lena", "ev2", "skip", TUE + 120), 0);
    T_EQ_STR(last_sent(), msg_get(MSG_NO_OPEN, LANG_NB));
    env_release(&e);
}

T_TEST(test_skip_button)
{
    struct env e;
    struct rows rs;

    env_init(&e, "sv");
    tick(&e, TUE);
    T_EQ_INT(press(&e, "ev1", "skip", TUE + 60), 0);
    rows_get(&e, &rs);
    T_EQ_INT(rs.state[0], STORE_STATE_SKIPPED);
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_snooze_sends_again)
{
    struct env e;
    struct rows rs;
    int64_t next;

    env_init(&e, "en");
    tick(&e, TUE);
    T_EQ_INT(say(&e, "lena", "ev1", "snooze 2h", TUE + 60), 0);
    T_CONTAINS(last_sent(), "11:01");
    rows_get(&e, &rs);
    T_EQ_INT(rs.state[0], STORE_STATE_SNOOZED);
    rows_free(&rs);
    next = tick(&e, TUE + 120);
    T_EQ_INT(next, TUE + 60 + 2 * HOUR);
    T_EQ_INT(fake.nsent, 2);
    tick(&e, next);
    T_EQ_INT(fake.nsent, 3);
    T_EQ_INT(fake.delivery[2], fake.delivery[0]); /* the same question */
    rows_get(&e, &rs);
    T_EQ_INT(rs.n, 1);
    T_EQ_INT(rs.state[0], STORE_STATE_SENT);
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_snooze_tomorrow_and_weekday)
{
    struct env e;
    struct rows rs;

    env_init(&e, "nb");
    tick(&e, TUE);
    T_EQ_INT(say(&e, "lena", "ev1", "utsett i morgen", TUE + 60), 0);
    T_CONTAINS(last_sent(), "onsdag 25. november kl. 09.00");
    T_EQ_INT(say(&e, "lena", "ev2", "utsett fredag", TUE + 120), 0);
    T_CONTAINS(last_sent(), "fredag 27. november kl. 09.00");
    T_EQ_INT(say(&e, "lena", "ev3", "utsett om 9 uker", TUE + 180), 0);
    T_EQ_STR(last_sent(), msg_get(MSG_BAD_SNOOZE, LANG_NB));
    rows_get(&e, &rs);
    T_EQ_INT(rs.n, 1);
    T_EQ_INT(rs.state[0], STORE_STATE_SNOOZED);
    rows_free(&rs);
    env_release(&e);
}

/* A reminder not shorter than missed_after is none: the question counts as
 * missed at missed_after, not at the reminder's time. */
T_TEST(test_no_reminder_missed_on_time)
{
    struct env e;
    struct rows rs;
    int64_t next;

    env_init(&e, "en");
    e.conf.reminder_after = 4 * DAY;
    next = tick(&e, TUE);
    T_EQ_INT(fake.nsent, 1);
    T_EQ_INT(next, TUE + 3 * DAY);
    tick(&e, next);
    T_EQ_INT(fake.nsent, 1); /* no reminder */
    rows_get(&e, &rs);
    T_EQ_INT(rs.state[0], STORE_STATE_MISSED);
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_reminder_then_missed)
{
    struct env e;
    struct rows rs;
    int64_t next;

    env_init(&e, "en");
    next = tick(&e, TUE);
    T_EQ_INT(next, TUE + DAY);
    next = tick(&e, next);
    T_EQ_INT(fake.nsent, 2);
    T_CONTAINS(last_sent(), fake.text[0]); /* the question, once more */
    T_EQ_INT(next, TUE + 3 * DAY);
    tick(&e, next);
    T_EQ_INT(fake.nsent, 2); /* missed quietly */
    rows_get(&e, &rs);
    T_EQ_INT(rs.state[0], STORE_STATE_MISSED);
    rows_free(&rs);
    /* Too late to answer now. */
    T_EQ_INT(say(&e, "lena", "ev1", "Sorry, late.", TUE + 3 * DAY + 60), 0);
    T_EQ_STR(last_sent(), msg_get(MSG_HELP_SHORT, LANG_EN));
    env_release(&e);
}

T_TEST(test_answer_window_closes)
{
    struct env e;
    int64_t next;

    env_init(&e, "en");
    tick(&e, TUE);
    say(&e, "lena", "ev1", "An answer.", TUE + 60);
    next = tick(&e, TUE + 120);
    T_EQ_INT(next, TUE + 60 + e.conf.answer_window);
    tick(&e, next);
    say(&e, "lena", "ev2", "Much later.", next + 60);
    T_EQ_STR(last_sent(), msg_get(MSG_HELP_SHORT, LANG_EN));
    env_release(&e);
}

T_TEST(test_retract_before_review)
{
    struct env e;
    struct rows rs;

    env_init(&e, "en");
    tick(&e, TUE);
    say(&e, "lena", "ev1", "Something I regret writing.", TUE + 60);
    T_EQ_INT(say(&e, "lena", "ev2", "retract", TUE + 120), 0);
    T_CHECK(strstr(last_sent(), "regret") == NULL); /* answer not echoed */
    rows_get(&e, &rs);
    T_EQ_INT(rs.state[0], STORE_STATE_RETRACTED);
    T_CHECK(rs.answer[0] == NULL);
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_retract_only_since_last_session)
{
    struct env e;

    env_init(&e, "en");
    tick(&e, TUE);
    say(&e, "lena", "ev1", "Reviewed already.", TUE + 60);
    {
        struct store_session s = {.engagement_id = e.l.id, .at = TUE + HOUR};

        T_EQ_INT(store_session_add(e.st, &s), 0);
    }
    T_EQ_INT(say(&e, "lena", "ev2", "retract", TUE + 2 * HOUR), 0);
    T_EQ_STR(last_sent(), msg_get(MSG_NOTHING_TO_RETRACT, LANG_EN));
    env_release(&e);
}

T_TEST(test_share_and_history)
{
    struct env e;
    struct rows rs;

    env_init(&e, "en");
    tick(&e, TUE);
    say(&e, "lena", "ev1", "My reflection.", TUE + 60);
    T_EQ_INT(say(&e, "lena", "ev2", "share", TUE + 120), 0);
    T_CONTAINS(last_sent(), "manager");
    T_EQ_INT(say(&e, "lena", "ev3", "history", TUE + 180), 0);
    T_CONTAINS(last_sent(), "My reflection.");
    T_CONTAINS(last_sent(), "24 November");
    rows_get(&e, &rs);
    T_EQ_INT(rs.state[0], STORE_STATE_ANSWERED);
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_language_pause_resume)
{
    struct env e;
    struct store_leader l;

    env_init(&e, "nb");
    T_EQ_INT(say(&e, "lena", "ev1", "språk sv", T0 + 60), 0);
    T_EQ_STR(last_sent(), msg_get(MSG_LANGUAGE_SET, LANG_SV));
    T_EQ_INT(say(&e, "lena", "ev2", "paus 1/12", T0 + 120), 0);
    T_CONTAINS(last_sent(), "1 december");
    T_EQ_INT(store_leader_get(e.st, "lena", &l), 0);
    T_EQ_INT(l.paused, 1);
    /* Tuesday 24 Nov is inside the pause: next is Tuesday 1 Dec 09:00. */
    T_EQ_INT(l.next_due_at, TUE + 7 * DAY);
    T_EQ_INT(tick(&e, TUE), TUE + 7 * DAY);
    T_EQ_INT(fake.nsent, 2);
    T_EQ_INT(say(&e, "lena", "ev3", "fortsätt", TUE + 60), 0);
    T_EQ_INT(store_leader_get(e.st, "lena", &l), 0);
    T_EQ_INT(l.paused, 0);
    T_CONTAINS(last_sent(), "1 december");
    T_EQ_INT(say(&e, "lena", "ev4", "fortsätt", TUE + 120), 0);
    T_EQ_STR(last_sent(), msg_get(MSG_NOT_PAUSED, LANG_SV));
    T_EQ_INT(say(&e, "lena", "ev5", "paus", TUE + 180), 0);
    T_EQ_STR(last_sent(), msg_get(MSG_PAUSED, LANG_SV));
    T_EQ_INT(store_leader_get(e.st, "lena", &l), 0);
    T_EQ_INT(l.next_due_at, 0);
    T_EQ_INT(tick(&e, TUE + 30 * DAY), 0); /* nothing planned, no timer */
    env_release(&e);
}

T_TEST(test_pause_in_the_past)
{
    struct env e;

    env_init(&e, "en");
    T_EQ_INT(say(&e, "lena", "ev1", "pause 2026-11-01", T0), 0);
    T_EQ_STR(last_sent(), msg_get(MSG_PAUSE_PAST, LANG_EN));
    env_release(&e);
}

T_TEST(test_help_in_three_languages)
{
    struct env e;

    env_init(&e, "en");
    say(&e, "lena", "ev1", "hjelp", T0);
    T_EQ_STR(last_sent(), msg_get(MSG_HELP, LANG_EN));
    say(&e, "lena", "ev2", "HJÄLP", T0);
    T_EQ_STR(last_sent(), msg_get(MSG_HELP, LANG_EN));
    say(&e, "lena", "ev3", "Something with no question open", T0);
    T_EQ_STR(last_sent(), msg_get(MSG_HELP_SHORT, LANG_EN));
    env_release(&e);
}

T_TEST(test_stranger_gets_explanation_only)
{
    struct env e;
    struct rows rs;

    env_init(&e, "en");
    tick(&e, TUE);
    T_EQ_INT(say(&e, "mallory", "ev1", "Hello there", TUE + 60), 0);
    T_EQ_STR(last_sent(), msg_get(MSG_UNKNOWN_USER, LANG_NB));
    rows_get(&e, &rs);
    T_CHECK(rs.answer[0] == NULL);
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_catch_up_after_downtime_sends_one)
{
    struct env e;
    struct rows rs;
    struct store_leader l;
    int64_t later = TUE + 21 * DAY + 2 * HOUR; /* three weeks down */

    env_init(&e, "en");
    tick(&e, later);
    T_EQ_INT(fake.nsent, 1);
    rows_get(&e, &rs);
    T_EQ_INT(rs.n, 1);
    rows_free(&rs);
    T_EQ_INT(store_leader_get(e.st, "lena", &l), 0);
    T_CHECK(l.next_due_at > later);
    env_release(&e);
}

T_TEST(test_restart_resends_once_not_twice)
{
    struct env e;
    struct rows rs;

    env_init(&e, "en");
    fake.silent = 1; /* sent, but the process dies before confirmation */
    tick(&e, TUE);
    T_EQ_INT(fake.nsent, 1);
    /* A restart: a new connection and engine on the same database. */
    store_close(e.st);
    fake.silent = 0;
    env_open(&e);
    T_EQ_INT(convo_recover(&e.cv, TUE + 30), 0);
    /* Not at once: what the old process had in flight may still land. */
    tick(&e, TUE + 30);
    T_EQ_INT(fake.nsent, 1);
    tick(&e, TUE + 35);
    T_EQ_INT(fake.nsent, 2);
    T_EQ_INT(fake.delivery[1], fake.delivery[0]);
    /* The adapter is told it may be there already (Slack looks first). */
    T_EQ_INT(fake.resend[0], 0);
    T_EQ_INT(fake.resend[1], 1);
    tick(&e, TUE + 60);
    T_EQ_INT(fake.nsent, 2);
    rows_get(&e, &rs);
    T_EQ_INT(rs.n, 1);
    T_EQ_INT(rs.state[0], STORE_STATE_SENT);
    rows_free(&rs);
    /* And a restart after confirmation sends nothing again. */
    store_close(e.st);
    env_open(&e);
    T_EQ_INT(convo_recover(&e.cv, TUE + 90), 0);
    tick(&e, TUE + 90);
    T_EQ_INT(fake.nsent, 2);
    env_release(&e);
}

/* A platform may show the question before it confirms it: an answer
 * arriving in between belongs to that question. */
T_TEST(test_answer_while_sending)
{
    struct env e;
    struct rows rs;

    env_init(&e, "en");
    fake.silent = 1; /* the confirmation has not come yet */
    tick(&e, TUE);
    T_EQ_INT(say(&e, "lena", "ev1", "Quick answer.", TUE + 5), 0);
    rows_get(&e, &rs);
    /* Kept, thanked, and still to be confirmed: a stop now sends it
     * again after the restart rather than never. */
    T_EQ_INT(rs.state[0], STORE_STATE_SENDING);
    T_EQ_STR(rs.answer[0], "Quick answer.");
    rows_free(&rs);
    T_EQ_INT(fake.nsent, 2);
    T_CONTAINS(fake.text[1], "Thank");
    store_close(e.st);
    fake.silent = 0;
    env_open(&e);
    T_EQ_INT(convo_recover(&e.cv, TUE + 30), 0);
    tick(&e, TUE + 35);
    T_EQ_INT(fake.nsent, 3);
    T_EQ_INT(fake.resend[2], 1);
    rows_get(&e, &rs);
    T_EQ_INT(rs.state[0], STORE_STATE_ANSWERED);
    T_EQ_STR(rs.answer[0], "Quick answer.");
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_failed_send_retries)
{
    struct env e;
    int64_t next;

    env_init(&e, "en");
    fake.fail = 1;
    next = tick(&e, TUE);
    T_EQ_INT(fake.nsent, 0);
    T_EQ_INT(next, TUE + 60);
    fake.fail = 0;
    tick(&e, next);
    T_EQ_INT(fake.nsent, 1);
    env_release(&e);
}

static void
count_wake(void *arg)
{
    (void)arg;
    fake.wakes++;
}

/* A send that fails after it was handed over plans a retry, and the
 * engine says so, so the daemon's timer does not sleep past it. */
T_TEST(test_failed_send_wakes)
{
    struct env e;
    struct store_delivery d;

    env_init(&e, "en");
    e.cv.wake = count_wake;
    fake.lost = 1;
    tick(&e, TUE);
    T_EQ_INT(fake.nsent, 1);
    T_CHECK(fake.wakes >= 1);
    T_EQ_INT(store_delivery_get(e.st, fake.delivery[0], &d), 0);
    /* It may have reached the leader: open for answers, sent again as a
     * resend (Slack looks before it posts). */
    T_EQ_INT(d.state, STORE_STATE_SENDING);
    T_EQ_INT(d.action_at, TUE + 60);
    fake.lost = 0;
    tick(&e, TUE + 60);
    T_EQ_INT(fake.nsent, 2);
    T_EQ_INT(fake.resend[1], 1);
    env_release(&e);
}

/* The reply to a send was lost, but the leader has the question and
 * answers before the retry: the answer is kept and nothing is sent again. */
T_TEST(test_answer_after_unclear_send)
{
    struct env e;
    struct store_delivery d;

    env_init(&e, "en");
    fake.lost = 1;
    tick(&e, TUE);
    T_EQ_INT(fake.nsent, 1);
    fake.lost = 0;
    T_EQ_INT(say(&e, "lena", "ev1", "I saw it anyway.", TUE + 10), 0);
    T_EQ_INT(store_delivery_get(e.st, fake.delivery[0], &d), 0);
    T_EQ_INT(d.state, STORE_STATE_SENDING);
    T_EQ_INT(d.answered_at, TUE + 10);
    T_EQ_INT(fake.nsent, 2); /* the thank-you */
    T_CHECK(fake.delivery[1] == 0);
    /* The retry is a resend (found, or posted once), then it is answered. */
    tick(&e, TUE + 60);
    T_EQ_INT(fake.nsent, 3);
    T_EQ_INT(fake.resend[2], 1);
    T_EQ_INT(store_delivery_get(e.st, fake.delivery[0], &d), 0);
    T_EQ_INT(d.state, STORE_STATE_ANSWERED);
    T_EQ_INT(d.sent_at, TUE + 60);
    env_release(&e);
}

/* A platform that refuses this person (Teams: the bot blocked) is asked
 * again hours later, not every minute. */
T_TEST(test_refused_send_waits)
{
    struct env e;
    struct store_delivery d;

    env_init(&e, "en");
    fake.lost = 1;
    fake.lost_err = ERR_DENIED;
    tick(&e, TUE);
    T_EQ_INT(store_delivery_get(e.st, fake.delivery[0], &d), 0);
    T_EQ_INT(d.state, STORE_STATE_PENDING);
    T_EQ_INT(d.action_at, TUE + 6 * HOUR);
    tick(&e, TUE + HOUR);
    T_EQ_INT(fake.nsent, 1);
    env_release(&e);
}

T_TEST(test_nudge_and_new_question_closes_old)
{
    struct env e;
    struct rows rs;
    int64_t id;

    env_init(&e, "en");
    tick(&e, TUE);
    T_EQ_INT(store_begin(e.st), 0);
    T_EQ_INT(convo_nudge(e.st, &e.conf, &e.ps, &e.l, TUE + HOUR, &id), 0);
    T_EQ_INT(store_commit(e.st), 0);
    tick(&e, TUE + HOUR);
    T_EQ_INT(fake.nsent, 2);
    rows_get(&e, &rs);
    T_EQ_INT(rs.n, 2);
    T_EQ_INT(rs.state[0], STORE_STATE_MISSED);
    T_EQ_INT(rs.state[1], STORE_STATE_SENT);
    T_CHECK(strcmp(fake.text[0], fake.text[1]) != 0); /* no repeat */
    rows_free(&rs);
    env_release(&e);
}

T_TEST(test_weeks_of_schedule)
{
    struct env e;
    int64_t now = T0, next;
    int sent = 0;

    env_init(&e, "en");
    /* Ten weeks, answering nothing: one question a week, each reminded. */
    for (int i = 0; i < 200; i++) {
        next = tick(&e, now);
        if (next == 0 || next > T0 + 70 * DAY)
            break;
        now = next;
    }
    for (int i = 0; i < fake.nsent; i++)
        sent += fake.buttons[i];
    T_EQ_INT(sent, 10);
    T_EQ_INT(fake.nsent, 20);
    env_release(&e);
}

/* ---- the question library at work ------------------------------------ */

/* Enrol another leader like e->l, in zone tz. */
static void
env_leader(struct env *e, const char *handle, const char *tz,
           struct store_leader *l)
{
    char err[ERR_BUFSZ] = "";
    int64_t next;

    *l = e->l;
    xstrlcpy(l->handle, handle, sizeof(l->handle));
    xstrlcpy(l->user_id, handle, sizeof(l->user_id));
    xstrlcpy(l->tz, tz, sizeof(l->tz));
    T_EQ_INT(store_leader_add(e->st, l, err), 0);
    T_EQ_INT(store_begin(e->st), 0);
    T_EQ_INT(convo_replan(e->st, l, clock_now(), &next, err), 0);
    T_EQ_INT(store_commit(e->st), 0);
}

static int64_t
env_session(struct env *e, const struct store_leader *l, int64_t at,
            const char *themes, int64_t meeting_id)
{
    struct store_session s;

    memset(&s, 0, sizeof(s));
    s.engagement_id = l->id;
    s.at = at;
    s.meeting_id = meeting_id;
    xstrlcpy(s.theme, themes != NULL ? themes : "", sizeof(s.theme));
    T_EQ_INT(convo_session_times(&e->conf, l, at, clock_now(), &s.pre_at,
                                 &s.post_at),
             0);
    T_EQ_INT(store_session_add(e->st, &s), 0);
    return s.id;
}

static int64_t
env_own(struct env *e, const char *kind, const char *text, const char *followup)
{
    struct store_own o;

    memset(&o, 0, sizeof(o));
    o.engagement_id = e->l.id;
    xstrlcpy(o.kind, kind, sizeof(o.kind));
    xstrlcpy(o.text, text, sizeof(o.text));
    xstrlcpy(o.followup, followup != NULL ? followup : "", sizeof(o.followup));
    T_EQ_INT(store_own_add(e->st, &o, clock_now()), 0);
    return o.id;
}

static void
nudge(struct env *e, int64_t now)
{
    int64_t id;

    T_EQ_INT(store_begin(e->st), 0);
    T_EQ_INT(convo_nudge(e->st, &e->conf, &e->ps, &e->l, now, &id), 0);
    T_EQ_INT(store_commit(e->st), 0);
    tick(e, now);
}

static int
in_list(const char *list, const char *theme)
{
    char padded[300], needle[80];

    snprintf(padded, sizeof(padded), ",%s,", list);
    snprintf(needle, sizeof(needle), ",%s,", theme);
    return strstr(padded, needle) != NULL;
}

/*
 * A year with a consultant: sessions every four weeks with the themes of
 * the weeks between, an own question in spring, a leader who answers
 * everything.  Selection keeps to the chosen themes, never repeats inside
 * the window, puts the consultant's question first and follows every
 * commitment up with the leader's own words.
 */
T_TEST(test_year_of_questions)
{
    static const char *const periods[] = {
        "room-for-action,small-steps", "open-conversation",
        "perspectives-and-relations,employeeship", "signs-of-progress"};
    static const char commitment[] = "Jeg skal   ringe Anna\nom turnusen.";
    struct env e;
    struct {
        char id[64];
        int64_t at;
    } asked[256];
    int nasked = 0, recalls = 0, commitments = 0, own = 0, pre = 0, post = 0;
    int own_pending = 0, regular = 0;
    int64_t first = T0 + 3 * DAY + 3 * HOUR; /* Thursday 13:00 */
    int64_t now = T0, end = T0 + 365 * DAY, last_commitment = 0;
    int64_t own_id = 0;

    env_init(&e, "nb");
    for (int k = 0; k < 14; k++)
        env_session(&e, &e.l, first + k * 28 * DAY, periods[k % 4], 0);
    while (now < end) {
        int before = fake.nsent;
        int64_t next;

        if (own_id == 0 && now >= T0 + 100 * DAY) {
            own_id = env_own(&e, "open",
                             "Hva sa Kari som du fortsatt "
                             "tenker på?",
                             NULL);
            own_pending = 1;
        }
        next = tick(&e, now);
        for (int i = before; i < fake.nsent && i < MAX_SENT; i++) {
            struct store_delivery d;
            const struct prompt *p;
            char ev[32];

            if (fake.delivery[i] == 0)
                continue; /* a reply, not a question */
            T_EQ_INT(store_delivery_get(e.st, fake.delivery[i], &d), 0);
            if (strcmp(d.kind, "recall") == 0) {
                recalls++;
                T_EQ_INT(d.recall_of, last_commitment);
                T_CONTAINS(d.question, "«Jeg skal ringe Anna om turnusen.»");
                last_commitment = 0;
            } else if (strcmp(d.kind, "pre-session") == 0) {
                pre++;
            } else if (strcmp(d.kind, "post-session") == 0) {
                post++;
            } else if (strncmp(d.prompt_id, "own-", 4) == 0) {
                own++;
                T_CHECK(own_pending);
                own_pending = 0;
            } else {
                int64_t k = (d.due_at - first) / (28 * DAY);
                const char *themes =
                    d.due_at < first ? periods[0] : periods[k % 4];

                /* A commitment is followed up by the very next one. */
                T_EQ_INT(last_commitment, 0);
                /* The consultant's question comes first. */
                T_CHECK(!own_pending);
                regular++;
                p = prompt_find(&e.ps, d.prompt_id);
                T_CHECK(p != NULL);
                if (p != NULL && !in_list(themes, p->theme))
                    fprintf(stderr, "%s asked in a period of %s\n", p->id,
                            themes);
                T_CHECK(p != NULL && in_list(themes, p->theme));
                for (int j = 0; j < nasked; j++) {
                    if (strcmp(asked[j].id, d.prompt_id) == 0)
                        T_CHECK(d.due_at - asked[j].at >= e.conf.repeat_window);
                }
                if (nasked < 256) {
                    xstrlcpy(asked[nasked].id, d.prompt_id,
                             sizeof(asked[nasked].id));
                    asked[nasked++].at = d.due_at;
                }
                if (strcmp(d.kind, "commitment") == 0) {
                    commitments++;
                    last_commitment = d.id;
                }
            }
            snprintf(ev, sizeof(ev), "year-%d", i);
            T_EQ_INT(
                say(&e, "lena", ev,
                    strcmp(d.kind, "commitment") == 0 ? commitment : "Et svar.",
                    now + 60),
                0);
        }
        now = next > now ? next : now + 60;
    }
    /*
     * 52 Tuesdays, less July, holidays, and the 13 Tuesdays that bring a
     * pre-session question instead.
     */
    T_CHECK(regular >= 28);
    T_CHECK(commitments >= 2);
    T_CHECK(recalls >= commitments - 1);
    T_EQ_INT(own, 1);
    T_CHECK(pre >= 12 && post >= 12);
    env_release(&e);
}

T_TEST(test_scale_then_why)
{
    struct env e;
    struct store_delivery d;
    char *want;

    env_init(&e, "nb");
    T_EQ_INT(store_leader_set_next(e.st, e.l.id, 0), 0); /* nudges only */
    env_own(&e, "scale", "Fra 1 til 5: hvor trygg er du på planen?",
            "Hva skal til for ett steg opp?");
    nudge(&e, TUE);
    T_EQ_STR(last_sent(), "Fra 1 til 5: hvor trygg er du på planen?");
    T_EQ_INT(say(&e, "lena", "s1", " 4", TUE + 60), 0);
    want = xasprintf("%s\n\n%s", msg_get(MSG_THANKS, LANG_NB),
                     "Hva skal til for ett steg opp?");
    T_EQ_STR(last_sent(), want);
    free(want);
    T_EQ_INT(store_delivery_get(e.st, fake.delivery[0], &d), 0);
    T_EQ_INT(d.score, 4);
    T_EQ_STR(d.kind, "scale");
    /* No number: the answer counts, without a score. */
    env_own(&e, "scale", "Fra 1 til 5: hvor god tid har du?", "Hvorfor?");
    nudge(&e, TUE + HOUR);
    T_EQ_INT(say(&e, "lena", "s2", "ti av ti", TUE + HOUR + 60), 0);
    T_EQ_INT(say(&e, "lena", "s3", "5", TUE + HOUR + 120), 0);
    T_EQ_INT(store_delivery_get(e.st, fake.delivery[fake.nsent - 2], &d), 0);
    T_EQ_INT(d.score, 0);
    T_EQ_INT(d.state, STORE_STATE_ANSWERED);
    env_release(&e);
}

T_TEST(test_commitment_quoted_back)
{
    struct env e;
    struct store_delivery d;
    char answer[600], *want;

    env_init(&e, "sv");
    T_EQ_INT(store_leader_set_next(e.st, e.l.id, 0), 0); /* nudges only */
    env_own(&e, "commitment", "Vilket litet steg tar du i veckan?", NULL);
    nudge(&e, TUE);
    T_EQ_INT(say(&e, "lena", "c1", "Jag ska  fråga\tteamet", TUE + 60), 0);
    T_EQ_INT(say(&e, "lena", "c2", "om fredagsmötet.", TUE + 120), 0);
    nudge(&e, TUE + DAY);
    want = xasprintf(msg_get(MSG_RECALL, LANG_SV),
                     "Jag ska fråga teamet om fredagsmötet.");
    T_EQ_STR(last_sent(), want);
    free(want);
    T_EQ_INT(store_delivery_get(e.st, fake.delivery[fake.nsent - 1], &d), 0);
    T_EQ_STR(d.kind, "recall");
    /* Followed up once: the next question is a new one. */
    nudge(&e, TUE + 2 * DAY);
    T_CHECK(strstr(last_sent(), "Förra gången") == NULL);
    /* A long answer is cut at a word, with an ellipsis. */
    env_own(&e, "commitment", "Och nästa steg?", NULL);
    nudge(&e, TUE + 3 * DAY);
    answer[0] = '\0';
    for (int i = 0; i < 40; i++)
        strcat(answer, "långsamt ");
    T_EQ_INT(say(&e, "lena", "c3", answer, TUE + 3 * DAY + 60), 0);
    nudge(&e, TUE + 4 * DAY);
    T_CONTAINS(last_sent(), "långsamt…”");
    T_CHECK(strlen(last_sent()) < 300);
    /* A retracted commitment is not quoted. */
    env_own(&e, "commitment", "Ett steg till?", NULL);
    nudge(&e, TUE + 5 * DAY);
    T_EQ_INT(say(&e, "lena", "c4", "Hemligt.", TUE + 5 * DAY + 60), 0);
    T_EQ_INT(say(&e, "lena", "c5", "ångra", TUE + 5 * DAY + 120), 0);
    nudge(&e, TUE + 6 * DAY);
    T_CHECK(strstr(last_sent(), "Hemligt") == NULL);
    env_release(&e);
}

/* Tokyo: far enough from UTC that a day's date differs. */
T_TEST(test_pre_session_in_leader_zone)
{
    struct env e;
    struct store_leader k;
    struct store_delivery d;
    int64_t at, pre, post, want, next;
    int n;

    env_init(&e, "en");
    env_leader(&e, "kenji", "Asia/Tokyo", &k);
    /* Thursday 3 December 10:00 in Tokyo: asked Tuesday 10:00 there. */
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 3, 10, 0, &at), 0);
    T_EQ_INT(convo_session_times(&e.conf, &k, at, T0, &pre, &post), 0);
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 1, 10, 0, &want), 0);
    T_EQ_INT(pre, want);
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 4, 10, 0, &want), 0);
    T_EQ_INT(post, want);
    /* Monday's session: two days before is a Saturday, so Friday. */
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 7, 10, 0, &at), 0);
    T_EQ_INT(convo_session_times(&e.conf, &k, at, T0, &pre, &post), 0);
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 4, 10, 0, &want), 0);
    T_EQ_INT(pre, want);
    /* An evening session: that day's first working hour. */
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 10, 18, 30, &at), 0);
    T_EQ_INT(convo_session_times(&e.conf, &k, at, T0, &pre, &post), 0);
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 8, 8, 0, &want), 0);
    T_EQ_INT(pre, want);
    /* ...and the next morning, not the evening after. */
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 11, 8, 0, &want), 0);
    T_EQ_INT(post, want);
    /* Configurable: three days before. */
    e.conf.pre_session_days = 3;
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 3, 10, 0, &at), 0);
    T_EQ_INT(convo_session_times(&e.conf, &k, at, T0, &pre, &post), 0);
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 11, 30, 10, 0, &want), 0);
    T_EQ_INT(pre, want);
    e.conf.pre_session_days = 2;
    /* End to end: the question goes out then, naming the session. */
    env_session(&e, &k, at, NULL, 0);
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 1, 9, 59, &want), 0);
    n = fake.nsent;
    tick(&e, want);
    T_EQ_INT(fake.nsent, n); /* not yet; and Tuesday's regular one gives way */
    next = tick(&e, want + 60);
    T_EQ_INT(fake.nsent, n + 1);
    T_EQ_STR(fake.to[n], "kenji");
    /* The timer knows the post-session question is to come. */
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 4, 10, 0, &post), 0);
    T_CHECK(next > 0 && next <= post);
    T_CONTAINS(fake.text[n], "Thursday 3 December at 10:00");
    T_EQ_INT(store_delivery_get(e.st, fake.delivery[n], &d), 0);
    T_EQ_STR(d.kind, "pre-session");
    /* The day after the session: what to try first. */
    T_EQ_INT(sched_utc("Asia/Tokyo", 2026, 12, 4, 10, 0, &want), 0);
    tick(&e, want);
    T_EQ_INT(store_delivery_get(e.st, fake.delivery[fake.nsent - 1], &d), 0);
    T_EQ_STR(d.kind, "post-session");
    T_EQ_STR(fake.to[fake.nsent - 1], "kenji");
    env_release(&e);
}

/* A network group in Oslo with its channel on the console. */
static void
env_group(struct env *e, const char *name, const char *lang,
          const char *channel, struct store_group *g)
{
    memset(g, 0, sizeof(*g));
    xstrlcpy(g->name, name, sizeof(g->name));
    xstrlcpy(g->consultant, "anna", sizeof(g->consultant));
    xstrlcpy(g->lang, lang, sizeof(g->lang));
    xstrlcpy(g->tz, "Europe/Oslo", sizeof(g->tz));
    xstrlcpy(g->platform, "console", sizeof(g->platform));
    xstrlcpy(g->channel, channel, sizeof(g->channel));
    T_EQ_INT(store_group_add(e->st, g), 0);
}

static void
env_meeting(struct env *e, const struct store_group *g, int64_t at,
            int64_t agenda_at, struct store_meeting *m)
{
    memset(m, 0, sizeof(*m));
    m->group_id = g->id;
    m->at = at;
    m->agenda_at = agenda_at;
    T_EQ_INT(store_meeting_add(e->st, m), 0);
}

struct digest {
    int n, answered, agenda;
};

static int
digest_cb(const struct store_challenge *c, void *arg)
{
    struct digest *dg = arg;

    dg->n++;
    dg->answered += c->state == STORE_STATE_ANSWERED && c->answer != NULL;
    dg->agenda += c->agenda;
    return 0;
}

/*
 * A network group of three: each is asked for a challenge before the
 * meeting, two agree to share it, the consultant's digest lists all three
 * and the group's channel gets the two as the agenda.
 */
T_TEST(test_group_challenges_and_agenda)
{
    static const char *const who[] = {"lena", "mia", "ola"};
    static const char *const said[] = {"Vi holder ikke møtetidene.",
                                       "Sykefraværet i teamet.",
                                       "Noe jeg vil holde for meg selv."};
    struct env e;
    struct store_leader l[3], quit;
    struct store_group g;
    struct store_meeting m;
    struct digest dg = {0};
    int64_t thu = T0 + 3 * DAY + 3 * HOUR; /* Thursday 13:00 Oslo */
    int n, agenda = -1;

    env_init(&e, "nb");
    l[0] = e.l;
    env_leader(&e, "mia", "Europe/Oslo", &l[1]);
    env_leader(&e, "ola", "Europe/Oslo", &l[2]);
    env_group(&e, "Nettverk Nord", "nb", "#nord", &g);
    env_meeting(&e, &g, thu, thu - e.conf.agenda_before, &m);
    for (int i = 0; i < 3; i++) {
        T_EQ_INT(store_group_join(e.st, g.id, l[i].id), 0);
        env_session(&e, &l[i], thu, NULL, m.id);
    }
    /* A fourth joins and leaves again: no seat, no question. */
    env_leader(&e, "per", "Europe/Oslo", &quit);
    T_EQ_INT(store_leader_set_next(e.st, quit.id, 0), 0);
    T_EQ_INT(store_group_join(e.st, g.id, quit.id), 0);
    env_session(&e, &quit, thu, NULL, m.id);
    T_EQ_INT(store_group_leave(e.st, g.id, quit.id, T0), 0);
    T_EQ_INT(store_group_leave(e.st, g.id, quit.id, T0), ERR_NOTFOUND);
    /* Tuesday 13:00: three challenge questions naming the meeting. */
    n = fake.nsent;
    tick(&e, thu - 2 * DAY);
    T_EQ_INT(fake.nsent, n + 3);
    for (int i = 0; i < 3; i++) {
        struct store_delivery d;
        char ev[32];

        T_EQ_INT(store_delivery_get(e.st, fake.delivery[n + i], &d), 0);
        T_EQ_STR(d.kind, "challenge");
        T_CONTAINS(fake.text[n + i], "torsdag 26. november kl. 13.00");
        snprintf(ev, sizeof(ev), "g%d", i);
        T_EQ_INT(say(&e, who[i], ev, said[i], thu - 2 * DAY + 60), 0);
        T_CONTAINS(last_sent(), msg_get(MSG_AGENDA_ASK, LANG_NB));
        if (i < 2) {
            snprintf(ev, sizeof(ev), "share%d", i);
            T_EQ_INT(say(&e, who[i], ev, "del", thu - 2 * DAY + 120), 0);
            T_EQ_STR(last_sent(), msg_get(MSG_SHARED_GROUP, LANG_NB));
        }
    }
    /* The consultant's digest: all three, two for the agenda. */
    T_EQ_INT(store_challenges(e.st, m.id, digest_cb, &dg), 0);
    T_EQ_INT(dg.n, 3);
    T_EQ_INT(dg.answered, 3);
    T_EQ_INT(dg.agenda, 2);
    /* Wednesday 13:00: the agenda goes to the group's channel. */
    n = fake.nsent;
    tick(&e, thu - DAY);
    for (int i = n; i < fake.nsent; i++) {
        if (strcmp(fake.to[i], "#nord") == 0)
            agenda = i;
    }
    T_CHECK(agenda >= 0);
    if (agenda >= 0) {
        T_CONTAINS(fake.text[agenda], "Utfordringer til nettverksmøtet "
                                      "torsdag 26. november kl. 13.00:");
        T_CONTAINS(fake.text[agenda], "• lena: «Vi holder ikke møtetidene.»");
        T_CONTAINS(fake.text[agenda], "• mia: «Sykefraværet i teamet.»");
        T_CHECK(strstr(fake.text[agenda], "for meg selv") == NULL);
    }
    T_EQ_INT(store_meeting_get(e.st, m.id, &m), 0);
    T_EQ_INT(m.agenda, STORE_AGENDA_SENT);
    /* Sent once: nothing more on the next tick. */
    n = fake.nsent;
    tick(&e, thu - DAY + HOUR);
    T_EQ_INT(fake.nsent, n);
    env_release(&e);
}

/*
 * A meeting added late: the agenda is due at once, before anyone could
 * answer; it waits for the answers rather than giving up, and is never
 * sent once the meeting has begun.
 */
T_TEST(test_agenda_waits_for_answers)
{
    struct env e;
    struct store_group g;
    struct store_meeting m;
    int64_t at = T0 + 5 * HOUR; /* Monday 15:00 */
    int n;

    env_init(&e, "en");
    env_group(&e, "south", "en", "#south", &g);
    env_meeting(&e, &g, at, T0, &m);
    T_EQ_INT(store_group_join(e.st, g.id, e.l.id), 0);
    env_session(&e, &e.l, at, NULL, m.id);
    n = fake.nsent;
    tick(&e, T0);
    T_EQ_INT(fake.nsent, n + 1); /* the challenge question only */
    T_EQ_INT(store_meeting_get(e.st, m.id, &m), 0);
    T_EQ_INT(m.agenda, STORE_AGENDA_PENDING);
    T_EQ_INT(m.agenda_at, T0 + HOUR);
    T_EQ_INT(say(&e, "lena", "a1", "Too many meetings.", T0 + 60), 0);
    T_EQ_INT(say(&e, "lena", "a2", "share", T0 + 120), 0);
    tick(&e, T0 + HOUR);
    T_EQ_STR(fake.to[fake.nsent - 1], "#south");
    T_CONTAINS(last_sent(), "lena: “Too many meetings.”");
    /* A second meeting whose agenda time passed while reflekt was down. */
    env_meeting(&e, &g, T0 + 2 * HOUR, T0 + HOUR, &m);
    n = fake.nsent;
    tick(&e, T0 + 3 * HOUR);
    T_EQ_INT(fake.nsent, n);
    T_EQ_INT(store_meeting_get(e.st, m.id, &m), 0);
    T_EQ_INT(m.agenda, STORE_AGENDA_NONE);
    env_release(&e);
}

/* A question done one way or another loses its buttons, with a note. */
T_TEST(test_settled_questions)
{
    struct env e;

    env_init(&e, "nb");
    tick(&e, TUE);
    T_EQ_INT(say(&e, "lena", "a1", "Første tanke", TUE + 60), 0);
    T_EQ_INT(say(&e, "lena", "a2", "og en til", TUE + 90), 0);
    T_EQ_INT(fake.nsettled, 1); /* the first message settles it */
    T_EQ_STR(fake.settled[0], "✓ Besvart – takk!");
    nudge(&e, TUE + HOUR);
    T_EQ_INT(press(&e, "b1", "snooze", TUE + HOUR + 60), 0);
    T_EQ_INT(fake.nsettled, 2);
    T_CONTAINS(fake.settled[1], "⏰ Kommer igjen tirsdag");
    tick(&e, TUE + 5 * HOUR);
    T_EQ_INT(press(&e, "b2", "skip", TUE + 5 * HOUR + 60), 0);
    T_EQ_INT(fake.nsettled, 3);
    T_EQ_STR(fake.settled[2], "⏭ Hoppet over");
    env_release(&e);
}

/* A button on an older question's card (still on screen somewhere) does
 * not act on the question open now. */
T_TEST(test_button_on_old_question)
{
    struct env e;
    struct store_delivery d;
    int64_t first, second;

    env_init(&e, "nb");
    tick(&e, TUE);
    first = fake.delivery[0];
    T_EQ_INT(say(&e, "lena", "a1", "Et svar", TUE + 60), 0);
    nudge(&e, TUE + HOUR);
    second = fake.delivery[fake.nsent - 1];
    T_CHECK(second != first && second > 0);
    T_EQ_INT(press_on(&e, "b1", "skip", first, TUE + HOUR + 60), 0);
    T_CONTAINS(fake.text[fake.nsent - 1], "allerede avsluttet");
    T_EQ_INT(store_delivery_open(e.st, e.l.id, &d), 0);
    T_EQ_INT(d.id, second);
    T_EQ_INT(d.state, STORE_STATE_SENT);
    /* Its own button still works. */
    T_EQ_INT(press_on(&e, "b2", "skip", second, TUE + HOUR + 90), 0);
    T_EQ_INT(store_delivery_get(e.st, second, &d), 0);
    T_EQ_INT(d.state, STORE_STATE_SKIPPED);
    env_release(&e);
}

static int
staff(struct env *e, const char *user, const char *id, const char *text,
      char *reply, size_t replysz)
{
    struct adapter_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = ADAPTER_EVENT_COMMAND;
    ev.event_id = id;
    ev.user_id = user;
    ev.text = text;
    ev.text_len = strlen(text);
    ev.reply = reply;
    ev.replysz = replysz;
    return convo_on_event(&e->cv, &e->ad, &ev, clock_now());
}

/*
 * A leader who is also a consultant on the same account: "reflekt status"
 * in their own direct conversation is a staff command, not an answer.
 */
T_TEST(test_staff_in_own_dm)
{
    struct env e;
    struct store_leader other;
    struct rows rs;

    env_init(&e, "en");
    xstrlcpy(e.conf.language, "en", 3);
    tick(&e, TUE);
    T_EQ_INT(fake.nsent, 1);
    /* Not a consultant yet: the word is only the start of an answer. */
    T_EQ_INT(say(&e, "lena", "m0", "reflekt over uka", TUE + 30), 0);
    rows_get(&e, &rs);
    T_EQ_INT(rs.state[0], STORE_STATE_ANSWERED);
    rows_free(&rs);
    other = e.l;
    xstrlcpy(other.handle, "olle", sizeof(other.handle));
    xstrlcpy(other.user_id, "olle", sizeof(other.user_id));
    xstrlcpy(other.consultant, "lena", sizeof(other.consultant));
    xstrlcpy(other.manager, "dora", sizeof(other.manager));
    T_EQ_INT(store_leader_add(e.st, &other, NULL), 0);
    T_EQ_INT(say(&e, "lena", "m1", "  /Reflekt status", TUE + 60), 0);
    T_CONTAINS(last_sent(), "*olle*: 0 sent");
    /* A word that only starts with it is part of the answer. */
    T_EQ_INT(say(&e, "lena", "m2", "Reflektert mye i dag.", TUE + 90), 0);
    rows_get(&e, &rs);
    T_EQ_INT(rs.n, 1);
    T_EQ_STR(rs.answer[0], "reflekt over uka\nReflektert mye i dag.");
    rows_free(&rs);
    T_EQ_INT(say(&e, "lena", "m3", "reflekt nudge olle", TUE + 120), 0);
    T_EQ_STR(last_sent(), "A question is on its way to olle.");
    env_release(&e);
}

/* /reflekt: status, cadence and nudge, each against the role table. */
T_TEST(test_staff_commands)
{
    struct env e;
    struct store_leader other;
    char r[2048];
    int64_t next;

    env_init(&e, "en");
    xstrlcpy(e.conf.language, "en", 3);
    clock_set(T0);
    /* Not linked yet: told how to be. */
    T_EQ_INT(staff(&e, "UBOB", "c0", "status", r, sizeof(r)), 0);
    T_CONTAINS(r, "`reflekt person link NAME --platform console --user UBOB`");
    T_EQ_INT(store_person_link(e.st, "bob", "console", "UBOB"), 0);
    T_EQ_INT(store_person_link(e.st, "anna", "console", "UANNA"), 0);
    T_EQ_INT(store_person_link(e.st, "nobody", "console", "UX"), ERR_NOTFOUND);
    T_EQ_INT(store_person_link(e.st, "anna", "console", "UANNA"), ERR_EXISTS);
    /* Another consultant's leader stays out of sight. */
    other = e.l;
    xstrlcpy(other.handle, "olle", sizeof(other.handle));
    xstrlcpy(other.user_id, "olle", sizeof(other.user_id));
    xstrlcpy(other.consultant, "carl", sizeof(other.consultant));
    xstrlcpy(other.manager, "dora", sizeof(other.manager));
    T_EQ_INT(store_leader_add(e.st, &other, NULL), 0);
    T_EQ_INT(staff(&e, "UBOB", "c1", "status", r, sizeof(r)), 0);
    T_CONTAINS(r, "*lena*: 0 sent, 0 answered, 0 skipped");
    T_CONTAINS(r, "Next question on Tuesday 24 November at 09:00");
    T_CHECK(strstr(r, "olle") == NULL);
    T_EQ_INT(staff(&e, "UBOB", "c2", "status olle", r, sizeof(r)), 0);
    T_EQ_STR(r, "I can't find olle among your leaders.");
    T_EQ_INT(staff(&e, "UBOB", "c3", "nudge lena", r, sizeof(r)), 0);
    T_CONTAINS(r, "Only the leader's consultant");
    T_EQ_INT(staff(&e, "UANNA", "c4", "cadence lena FREQ=DAILY", r, sizeof(r)),
             0);
    T_CONTAINS(r, "Only the leader's manager");
    T_EQ_INT(
        staff(&e, "UBOB", "c5", "cadence lena FREQ=SOMETIMES", r, sizeof(r)),
        0);
    T_CONTAINS(r, "I can't use that rule");
    T_EQ_INT(staff(&e, "UBOB", "c6", "cadence nobody", r, sizeof(r)), 0);
    /* The same answer as for olle: chat does not tell who exists. */
    T_EQ_STR(r, "I can't find nobody among your leaders.");
    T_EQ_INT(staff(&e, "UBOB", "c7",
                   "kadens lena FREQ=WEEKLY;BYDAY=TH;BYHOUR=10;BYMINUTE=0", r,
                   sizeof(r)),
             0);
    T_CONTAINS(r, "Done! lena now gets questions by "
                  "`FREQ=WEEKLY;BYDAY=TH;BYHOUR=10;BYMINUTE=0`. Next "
                  "question on Thursday 26 November at 10:00.");
    T_EQ_INT(store_leader_get(e.st, "lena", &e.l), 0);
    T_EQ_STR(e.l.cadence, "FREQ=WEEKLY;BYDAY=TH;BYHOUR=10;BYMINUTE=0");
    T_EQ_INT(store_leader_next_min(e.st, &next), 0);
    T_EQ_INT(e.l.next_due_at, T0 + 3 * DAY);
    T_EQ_INT(staff(&e, "UANNA", "c8", "cadence lena", r, sizeof(r)), 0);
    T_CONTAINS(r, "lena gets questions by the rule");
    /* The consultant's nudge: a question now, once, even if the command
     * is delivered twice. */
    T_EQ_INT(staff(&e, "UANNA", "c9", "nudge lena", r, sizeof(r)), 0);
    T_EQ_STR(r, "A question is on its way to lena.");
    T_EQ_INT(staff(&e, "UANNA", "c9", "nudge lena", r, sizeof(r)), 0);
    T_EQ_STR(r, "");
    tick(&e, T0 + 60);
    T_EQ_INT(fake.nsent, 1);
    T_EQ_INT(staff(&e, "UANNA", "c10", "status", r, sizeof(r)), 0);
    T_CONTAINS(r, "*lena*: 1 sent, 0 answered, 0 skipped");
    T_EQ_INT(staff(&e, "UANNA", "c11", "", r, sizeof(r)), 0);
    T_CONTAINS(r, "`nudge NAME`");
    T_EQ_INT(staff(&e, "UANNA", "c12", "dance lena", r, sizeof(r)), 0);
    T_CONTAINS(r, "/reflekt help");
    /* A Norwegian or Swedish word is answered in its language; a shared
     * word (status, kadens, the English ones) in [reflekt] language. */
    T_EQ_INT(staff(&e, "UANNA", "c13", "knuff olle", r, sizeof(r)), 0);
    T_EQ_STR(r, "Jag hittar ingen olle bland dina ledare.");
    T_EQ_INT(staff(&e, "UANNA", "c14", "DYTT olle", r, sizeof(r)), 0);
    T_EQ_STR(r, "Jeg finner ingen olle blant lederne dine.");
    T_EQ_INT(staff(&e, "UANNA", "c15", "kadens olle", r, sizeof(r)), 0);
    T_EQ_STR(r, "I can't find olle among your leaders.");
    xstrlcpy(e.conf.language, "sv", 3);
    T_EQ_INT(staff(&e, "UANNA", "c17", "nudge olle", r, sizeof(r)), 0);
    T_EQ_STR(r, "Jag hittar ingen olle bland dina ledare.");
    xstrlcpy(e.conf.language, "en", 3);
    T_EQ_INT(staff(&e, "UANNA", "c16", "hjälp", r, sizeof(r)), 0);
    T_CONTAINS(r, "`nudge NAMN` – skicka en fråga nu");
    env_release(&e);
}

T_MAIN(T_CASE(test_settled_questions), T_CASE(test_staff_commands),
       T_CASE(test_staff_in_own_dm), T_CASE(test_year_of_questions),
       T_CASE(test_scale_then_why), T_CASE(test_commitment_quoted_back),
       T_CASE(test_pre_session_in_leader_zone),
       T_CASE(test_group_challenges_and_agenda),
       T_CASE(test_agenda_waits_for_answers),
       T_CASE(test_question_goes_out_when_due),
       T_CASE(test_answer_in_several_messages),
       T_CASE(test_redelivered_event_stored_once),
       T_CASE(test_skip_tells_next_time), T_CASE(test_skip_button),
       T_CASE(test_snooze_sends_again),
       T_CASE(test_snooze_tomorrow_and_weekday),
       T_CASE(test_reminder_then_missed),
       T_CASE(test_no_reminder_missed_on_time),
       T_CASE(test_answer_window_closes), T_CASE(test_retract_before_review),
       T_CASE(test_retract_only_since_last_session),
       T_CASE(test_share_and_history), T_CASE(test_language_pause_resume),
       T_CASE(test_pause_in_the_past), T_CASE(test_help_in_three_languages),
       T_CASE(test_stranger_gets_explanation_only),
       T_CASE(test_catch_up_after_downtime_sends_one),
       T_CASE(test_restart_resends_once_not_twice),
       T_CASE(test_answer_while_sending), T_CASE(test_failed_send_retries),
       T_CASE(test_failed_send_wakes), T_CASE(test_answer_after_unclear_send),
       T_CASE(test_refused_send_waits), T_CASE(test_button_on_old_question),
       T_CASE(test_nudge_and_new_question_closes_old),
       T_CASE(test_weeks_of_schedule))
