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

#define MAX_SENT 64

struct fake {
    int nsent;
    char *text[MAX_SENT];
    int64_t delivery[MAX_SENT];
    int buttons[MAX_SENT];
    int fail;   /* refuse sends */
    int silent; /* accept but never confirm (a crash mid-send) */
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
        fake.delivery[fake.nsent] = m->delivery_id;
        fake.buttons[fake.nsent] = m->button_skip != NULL;
        fake.nsent++;
    }
    if (fake.silent) {
        free(arg); /* the engine's context: never called back */
        return 0;
    }
    cb(a, 0, "msg-1", arg);
    return 0;
}

static void
fake_reset(void)
{
    for (int i = 0; i < fake.nsent; i++)
        free(fake.text[i]);
    memset(&fake, 0, sizeof(fake));
}

static const struct adapter_ops fake_ops = {
    .name = "console",
    .send = fake_send,
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
press(struct env *e, const char *id, const char *action, int64_t now)
{
    struct adapter_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = ADAPTER_EVENT_ACTION;
    ev.event_id = id;
    ev.user_id = "lena";
    ev.action = action;
    clock_set(now);
    return convo_on_event(&e->cv, &e->ad, &ev, now);
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
    T_EQ_INT(store_session_add(e.st, e.l.id, TUE + HOUR, NULL), 0);
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
    tick(&e, TUE + 30);
    T_EQ_INT(fake.nsent, 2);
    T_EQ_INT(fake.delivery[1], fake.delivery[0]);
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

T_TEST(test_nudge_and_new_question_closes_old)
{
    struct env e;
    struct rows rs;
    int64_t id;

    env_init(&e, "en");
    tick(&e, TUE);
    T_EQ_INT(store_begin(e.st), 0);
    T_EQ_INT(convo_nudge(e.st, &e.ps, &e.l, TUE + HOUR, &id), 0);
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

T_MAIN(T_CASE(test_question_goes_out_when_due),
       T_CASE(test_answer_in_several_messages),
       T_CASE(test_redelivered_event_stored_once),
       T_CASE(test_skip_tells_next_time), T_CASE(test_skip_button),
       T_CASE(test_snooze_sends_again),
       T_CASE(test_snooze_tomorrow_and_weekday),
       T_CASE(test_reminder_then_missed), T_CASE(test_answer_window_closes),
       T_CASE(test_retract_before_review),
       T_CASE(test_retract_only_since_last_session),
       T_CASE(test_share_and_history), T_CASE(test_language_pause_resume),
       T_CASE(test_pause_in_the_past), T_CASE(test_help_in_three_languages),
       T_CASE(test_stranger_gets_explanation_only),
       T_CASE(test_catch_up_after_downtime_sends_one),
       T_CASE(test_restart_resends_once_not_twice),
       T_CASE(test_answer_while_sending), T_CASE(test_failed_send_retries),
       T_CASE(test_nudge_and_new_question_closes_old),
       T_CASE(test_weeks_of_schedule))
