/*
 * convo.c - the conversation engine.
 *
 * Invariants:
 * - A delivery is marked SENDING and committed before the adapter is asked
 *   to send it; it becomes SENT only when the platform confirms.  At start
 *   convo_recover() sends every SENDING delivery again with the same
 *   delivery id, so a crash never skips a question, and platforms with an
 *   idempotency key never show it twice.
 * - Planning a question and moving the leader's next due time happen in one
 *   transaction, so a restart never plans the same occurrence twice; after
 *   downtime the next due time is computed from now, so a leader gets at
 *   most one overdue question, never a burst.
 * - An inbound event is committed (with its event id, which is unique)
 *   before convo_on_event returns; only then may the adapter acknowledge it.
 * - Answer text is never logged.
 */
#include "convo.h"
#include "web-auth.h"

#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "commit.h"
#include "err.h"
#include "lang.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"
#include "sched.h"
#include "staff.h"
#include "xmalloc.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONVO_BATCH 64
#define CONVO_MAX_BATCHES 256
#define CONVO_NO_ADAPTER_RETRY 900 /* seconds */
#define CONVO_SEND_RETRY 60
/* A send a stopped process had in flight may still land at the platform:
 * it is looked for and sent again this long after the start. */
#define CONVO_RESEND_SETTLE 5
#define CONVO_REFUSED_RETRY (6 * 3600) /* the platform refuses this person */
#define CONVO_HISTORY 5
#define CONVO_QUOTE_MAX 200        /* bytes of a leader's words quoted back */
#define CONVO_AGENDA_QUOTE_MAX 600 /* bytes of one challenge on an agenda */
#define CONVO_RECALL_MAX (8 * 7 * 86400) /* older commitments are let be */
#define CONVO_SESSION_GAP 86400          /* no regular question this near one */
#define CONVO_AGENDA_AGAIN 3600          /* look again for shared challenges */

void
convo_init(struct convo *cv, struct store *st, const struct config *conf,
           const struct prompt_set *prompts)
{
    const char *fault = getenv("REFLEKT_FAULT");

    memset(cv, 0, sizeof(*cv));
    cv->st = st;
    cv->conf = conf;
    cv->prompts = prompts;
    /*
     * "crash-after-commit[:N]": die once N answers are committed, before
     * the platform is told.  "crash-before-commit[:N]": die with the batch
     * that brings the Nth answer, before its commit.  "crash-after-send":
     * die when the platform confirms a question, before that is recorded.
     */
    if (fault != NULL && strncmp(fault, "crash-after-commit", 18) == 0)
        cv->fault_after_commit =
            fault[18] == ':' ? (int)strtol(fault + 19, NULL, 10) : 1;
    if (fault != NULL && strcmp(fault, "crash-after-send") == 0)
        cv->fault_after_send = 1;
    if (fault != NULL && strncmp(fault, "crash-before-commit", 19) == 0)
        cv->fault_before_commit =
            fault[19] == ':' ? (int)strtol(fault + 20, NULL, 10) : 1;
}

void
convo_add_adapter(struct convo *cv, struct adapter *a)
{
    if (cv->nadapters < CONVO_MAX_ADAPTERS)
        cv->adapters[cv->nadapters++] = a;
}

static struct adapter *
convo_adapter(struct convo *cv, const char *platform)
{
    for (int i = 0; i < cv->nadapters; i++) {
        if (strcmp(cv->adapters[i]->ops->name, platform) == 0)
            return cv->adapters[i];
    }
    return NULL;
}

static enum lang
convo_lang(const struct store_leader *l)
{
    enum lang lang = LANG_NB;

    lang_parse(l->lang, &lang);
    return lang;
}

static void
convo_rule(const struct store_leader *l, struct sched_rule *r)
{
    enum holiday_country hc = HOLIDAY_NONE;

    holiday_country_parse(l->country, &hc);
    memset(r, 0, sizeof(*r));
    r->cadence = l->cadence;
    r->dtstart = l->dtstart;
    r->tz = l->tz;
    r->work_from = l->work_from;
    r->work_to = l->work_to;
    r->work_days = l->work_days;
    r->country = hc;
    r->paused = l->paused;
    r->paused_until = l->paused_until;
    r->summer_from = l->summer_from;
    r->summer_to = l->summer_to;
    r->weekly_cap = l->weekly_cap;
}

struct convo_count {
    struct store *st;
    int64_t engagement_id;
};

static int
convo_count_cb(void *arg, int64_t from, int64_t to)
{
    struct convo_count *cc = arg;
    int n = 0;
    int rc = store_delivery_count(cc->st, cc->engagement_id, from, to, &n);

    return rc < 0 ? rc : n;
}

int
convo_replan(struct store *st, const struct store_leader *l, int64_t after,
             int64_t *next, char *err)
{
    struct sched_rule r;
    struct convo_count cc = {st, l->id};
    int rc;

    convo_rule(l, &r);
    *next = 0;
    rc = sched_next(&r, after, convo_count_cb, &cc, next, err);
    if (rc == ERR_NOTFOUND) {
        *next = 0;
        rc = 0;
    }
    if (rc < 0)
        return rc;
    return store_leader_set_next(st, l->id, *next);
}

struct convo_preview {
    struct convo_count cc;
    const int64_t *times;
    int n;
};

static int
convo_preview_cb(void *arg, int64_t from, int64_t to)
{
    struct convo_preview *p = arg;
    int n = convo_count_cb(&p->cc, from, to);

    for (int i = 0; n >= 0 && i < p->n; i++)
        n += p->times[i] >= from && p->times[i] < to;
    return n;
}

int
convo_preview(struct store *st, const struct store_leader *l, int64_t after,
              int64_t *times, int max, int *n, char *err)
{
    struct sched_rule r;
    struct convo_preview p = {{st, l->id}, times, 0};
    int rc = 0;

    convo_rule(l, &r);
    while (p.n < max) {
        rc = sched_next(&r, after, convo_preview_cb, &p, &times[p.n], err);
        if (rc < 0)
            break;
        after = times[p.n++];
    }
    *n = p.n;
    return rc == ERR_NOTFOUND ? 0 : rc;
}

int
convo_session_plan(const struct config *conf, const struct store_leader *l,
                   struct store_session *s, int64_t now)
{
    int rc = convo_session_times(conf, l, s->at, now, &s->pre_at, &s->post_at);

    if (rc < 0)
        return rc;
    s->digest_at = 0;
    s->digest = STORE_AGENDA_NONE;
    if (conf->web_digest_before > 0 && s->at > now && s->meeting_id == 0) {
        s->digest_at = s->at - conf->web_digest_before;
        if (s->digest_at < now)
            s->digest_at = now;
        s->digest = STORE_AGENDA_PENDING;
    }
    return 0;
}

/*
 * The rule for questions tied to a session: a consultant who meets a
 * leader in the organisation's summer pause meets someone at work, so only
 * working hours, days and holidays count.
 */
static void
convo_session_rule(const struct store_leader *l, struct sched_rule *r)
{
    convo_rule(l, r);
    r->paused = 0; /* a pause is looked at when the question is due */
    r->summer_from = r->summer_to = 0;
}

/* The moment at or after t when the leader may be written to. */
static int64_t
convo_allowed_rule(struct sched_rule *r, int64_t t)
{
    int64_t a;

    r->paused = 0; /* an explicit request or a planned question goes out */
    if (sched_allowed(r, t, &a) < 0)
        return t;
    return a;
}

static int64_t
convo_allowed(const struct store_leader *l, int64_t t)
{
    struct sched_rule r;

    convo_rule(l, &r);
    return convo_allowed_rule(&r, t);
}

static int
convo_asked_cb(void *arg, const char *id, int64_t *at)
{
    *at = store_asked_at(arg, id);
    return 0;
}

/*
 * The leader's words made fit to quote back: runs of white space become
 * one space, and a long answer is cut at a word (or at least at a whole
 * UTF-8 character) with an ellipsis.
 */
static void
convo_quote(const char *in, size_t max, char *out, size_t outsz)
{
    size_t n = 0, cut;
    int space = 0;

    for (; *in != '\0' && n + 1 < outsz; in++) {
        unsigned char c = (unsigned char)*in;

        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < outsz)
            out[n++] = ' ';
        space = 0;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    if (n <= max)
        return;
    cut = max;
    while (cut > 0 && ((unsigned char)out[cut] & 0xC0) == 0x80)
        cut--; /* not inside a character */
    for (size_t k = cut; k > max / 2; k--) {
        if (out[k] == ' ') {
            cut = k;
            break;
        }
    }
    while (cut > 0 &&
           (out[cut - 1] == ' ' || out[cut - 1] == ',' || out[cut - 1] == '.'))
        cut--;
    if (cut + 4 > outsz)
        cut = outsz - 4;
    memcpy(out + cut, "\xe2\x80\xa6", 4); /* U+2026 and the NUL */
}

static char *
convo_format(enum msg_id id, enum lang lang, const char *arg)
{
    char *text;

    /* Every format takes at most one %s; msg.h names which. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    text = xasprintf(msg_get(id, lang), arg != NULL ? arg : "");
#pragma GCC diagnostic pop
    return text;
}

/* A commitment's follow-up: the next question quotes the leader. */
static void
convo_recall(const struct prompt_set *prompts, const struct store_delivery *c,
             const char *answer, enum lang lang, struct store_delivery *d)
{
    const struct prompt *cp = prompt_find(prompts, c->prompt_id);
    char quote[CONVO_QUOTE_MAX + 8];
    char *text;

    convo_quote(answer, CONVO_QUOTE_MAX, quote, sizeof(quote));
    if (cp != NULL && cp->recall[lang] != NULL)
        text = prompt_fill(cp->recall[lang], "{answer}", quote);
    else
        text = convo_format(MSG_RECALL, lang, quote);
    xstrlcpy(d->question, text, sizeof(d->question));
    free(text);
    xstrlcpy(d->prompt_id, c->prompt_id, sizeof(d->prompt_id));
    xstrlcpy(d->kind, "recall", sizeof(d->kind));
    d->recall_of = c->id;
}

/*
 * Choose the next regular question for l into d: a commitment's follow-up
 * first (it must be the very next question), then the consultant's own
 * questions, then the library within the themes of these weeks and outside
 * the repeat window.  Returns: 0, or ERR_NOTFOUND when nothing may be
 * asked.
 */
static int
convo_choose(struct store *st, const struct config *conf,
             const struct prompt_set *prompts, const struct store_leader *l,
             int64_t now, struct store_delivery *d)
{
    struct store_delivery c;
    struct store_own o;
    struct store_asked asked;
    const struct prompt *p;
    char themes[STORE_RULE_MAX], answer[STORE_TEXT_MAX];
    enum lang lang = convo_lang(l);
    int64_t at;
    int rc;

    rc = store_delivery_commitment(st, l->id, now - CONVO_RECALL_MAX, &c,
                                   answer, sizeof(answer));
    if (rc == 0) {
        convo_recall(prompts, &c, answer, lang, d);
        return 0;
    }
    if (rc != ERR_NOTFOUND)
        return rc;
    rc = store_own_next(st, l->id, &o);
    if (rc == 0) {
        snprintf(d->prompt_id, sizeof(d->prompt_id), "own-%" PRId64, o.id);
        xstrlcpy(d->question, o.text, sizeof(d->question));
        xstrlcpy(d->followup, o.followup, sizeof(d->followup));
        xstrlcpy(d->kind, o.kind, sizeof(d->kind));
        return 0;
    }
    if (rc != ERR_NOTFOUND)
        return rc;
    /* The themes of the weeks since the last session, else of the next. */
    if ((rc = store_session_last(st, l->id, now, &at, themes, sizeof(themes))) <
        0)
        return rc;
    if (themes[0] == '\0' &&
        (rc = store_session_next(st, l->id, now, &at, themes, sizeof(themes))) <
            0)
        return rc;
    if ((rc = store_delivery_asked(st, l->id, &asked)) < 0)
        return rc;
    p = prompt_select(prompts, themes,
                      conf->repeat_window > 0 ? now - conf->repeat_window : 0,
                      convo_asked_cb, &asked);
    store_asked_release(&asked);
    if (p == NULL) {
        log_warn("msg=\"every question was asked within the repeat window; "
                 "none this time\" leader=%s",
                 l->handle);
        return ERR_NOTFOUND;
    }
    xstrlcpy(d->prompt_id, p->id, sizeof(d->prompt_id));
    xstrlcpy(d->question, p->text[lang], sizeof(d->question));
    if (p->followup[lang] != NULL)
        xstrlcpy(d->followup, p->followup[lang], sizeof(d->followup));
    xstrlcpy(d->kind, prompt_kind_name(p->kind), sizeof(d->kind));
    return 0;
}

/* Create a delivery for l, due at due, to be sent at action_at. */
static int
convo_make(struct store *st, const struct config *conf,
           const struct prompt_set *prompts, const struct store_leader *l,
           int64_t due, int64_t action_at, int64_t now, int64_t *id)
{
    struct store_delivery d;
    int rc;

    memset(&d, 0, sizeof(d));
    if ((rc = convo_choose(st, conf, prompts, l, now, &d)) < 0)
        return rc;
    d.engagement_id = l->id;
    d.state = STORE_STATE_PENDING;
    d.due_at = due;
    d.action_at = action_at;
    if ((rc = store_delivery_add(st, &d)) < 0)
        return rc;
    if (id != NULL)
        *id = d.id;
    return 0;
}

int
convo_nudge(struct store *st, const struct config *conf,
            const struct prompt_set *prompts, const struct store_leader *l,
            int64_t now, int64_t *id)
{
    return convo_make(st, conf, prompts, l, now, now, now, id);
}

int
convo_recover(struct convo *cv, int64_t now)
{
    int n = 0, m = 0;
    int rc = store_delivery_recover(cv->st, now + CONVO_RESEND_SETTLE, &n);

    if (rc == 0)
        rc = store_meeting_recover(cv->st, now, &m);
    if (rc == 0) {
        int dg = 0;

        rc = store_session_digest_recover(cv->st, now, &dg);
        m += dg;
    }
    if (rc == 0 && n + m > 0)
        log_info("msg=\"resending messages interrupted by a stop\" "
                 "questions=%d agendas=%d",
                 n, m);
    return rc;
}

/* ---- sending -------------------------------------------------------- */

enum convo_send_kind {
    CONVO_SEND_QUESTION,
    CONVO_SEND_REPLY,
    CONVO_SEND_AGENDA, /* delivery_id holds the meeting id */
    CONVO_SEND_DIGEST, /* delivery_id holds the session id */
};

struct convo_send {
    struct convo *cv;
    enum convo_send_kind kind;
    int64_t delivery_id;
    int status;          /* the platform's answer */
    int recorded;        /* the send is newly recorded: count it */
    const char *adapter; /* its name, for the log */
    char msg_id[sizeof(((struct store_delivery *)0)->platform_msg_id)];
};

/*
 * What a batch of due deliveries hands to the platforms once its
 * transaction is committed: nothing is said before it is recorded.
 */
enum convo_out_kind {
    CONVO_OUT_SEND,   /* a planned or snoozed question */
    CONVO_OUT_RESEND, /* interrupted by a stop: the platform may have it */
    CONVO_OUT_REMIND,
};

struct convo_out {
    enum convo_out_kind kind;
    struct store_delivery d; /* as committed */
    struct store_leader l;
};

void
convo_when_in(const struct store_leader *l, enum lang lang, int64_t t,
              char *out, size_t outsz)
{
    struct tm tm;

    if (sched_local(l->tz, t, &tm) < 0)
        gmtime_r(&(time_t){(time_t)t}, &tm);
    msg_when(lang, &tm, out, outsz);
}

static void
convo_when(const struct store_leader *l, int64_t t, char *out, size_t outsz)
{
    convo_when_in(l, convo_lang(l), t, out, outsz);
}

/* Record a question's send outcome (cs).  In a transaction. */
static int
convo_sent_work(struct store *st, void *arg)
{
    struct convo_send *cs = arg;
    struct convo *cv = cs->cv;
    struct store_delivery d;
    struct store_leader l;
    int64_t now = clock_now();
    int rc;

    if ((rc = store_delivery_get(st, cs->delivery_id, &d)) < 0 ||
        (rc = store_leader_by_id(st, d.engagement_id, &l)) < 0)
        return rc;
    if (d.state != STORE_STATE_SENDING) {
        /* Answered or skipped while in flight: keep that, note the send. */
        if (cs->status < 0 || d.sent_at != 0)
            return 0;
        cs->recorded = 1;
        d.sent_at = now;
        xstrlcpy(d.platform_msg_id, cs->msg_id, sizeof(d.platform_msg_id));
        return store_delivery_update(st, &d);
    }
    if (cs->status < 0) {
        /*
         * Refused for this person (the app removed, the bot blocked):
         * nothing was posted, and asking every minute would change
         * nothing.  Any other failure may have posted it (a reply lost on
         * the way back): the question stays open for answers, and the
         * retry is a resend, which the adapters make idempotent.
         */
        if (cs->status == ERR_DENIED) {
            d.state = STORE_STATE_PENDING;
            d.action_at = now + CONVO_REFUSED_RETRY;
        } else if (cs->status == ERR_CANCELED) {
            d.action_at = 0; /* a stop: sent again after the next start */
        } else {
            d.action_at = now + CONVO_SEND_RETRY;
        }
        log_warn("adapter=%s msg=\"question not delivered; will retry\" "
                 "delivery=%" PRId64 " error=%s in_s=%" PRId64,
                 cs->adapter, d.id, err_name(cs->status),
                 d.action_at > 0 ? d.action_at - now : 0);
    } else {
        cs->recorded = 1;
        d.state = STORE_STATE_SENT;
        d.sent_at = now;
        d.reminded = 0;
        xstrlcpy(d.platform_msg_id, cs->msg_id, sizeof(d.platform_msg_id));
        if (d.answered_at > 0) { /* answered before the confirmation */
            d.state = STORE_STATE_ANSWERED;
            d.action_at = now + cv->conf->answer_window;
        } else if (cv->conf->reminder_after > 0 &&
                   cv->conf->reminder_after < cv->conf->missed_after) {
            d.action_at = convo_allowed(&l, now + cv->conf->reminder_after);
        } else { /* no reminder: next comes missed_after */
            d.action_at = now + cv->conf->missed_after;
        }
        log_info("msg=\"question sent\" leader=%s delivery=%" PRId64
                 " prompt=%s",
                 l.handle, d.id, d.prompt_id);
    }
    return store_delivery_update(st, &d);
}

static void
convo_sent_done(int status, void *arg)
{
    struct convo_send *cs = arg;
    struct convo *cv = cs->cv;

    if (status < 0)
        log_error("msg=\"cannot record a sent question\" delivery=%" PRId64
                  " error=%s",
                  cs->delivery_id, err_name(status));
    if (status == 0 && cs->recorded && cs->status == 0) {
        cv->sent++;
        metrics.prompts_sent++;
    }
    if (status == 0 && cv->wake != NULL)
        cv->wake(cv->wake_arg); /* a reminder or a retry is now planned */
    free(cs);
}

static void
on_sent(struct adapter *a, int status, const char *msg_id, void *arg)
{
    struct convo_send *cs = arg;
    struct convo *cv = cs->cv;
    int64_t now = clock_now();
    int rc;

    if (cs->kind == CONVO_SEND_DIGEST) {
        struct store_session s;

        /* A failed digest is tried again while the session is ahead. */
        if (store_session_get(cv->st, cs->delivery_id, &s) == 0 &&
            store_begin(cv->st) == 0) {
            int again = status < 0 && s.at > now + CONVO_SEND_RETRY;

            s.digest_at = again ? now + CONVO_SEND_RETRY : 0;
            s.digest = status == 0 ? STORE_AGENDA_SENT
                       : again     ? STORE_AGENDA_PENDING
                                   : STORE_AGENDA_NONE;
            if (store_session_update(cv->st, &s) < 0 ||
                store_commit(cv->st) < 0)
                store_rollback(cv->st);
            else if (again && cv->wake != NULL)
                cv->wake(cv->wake_arg);
        }
        if (status < 0) {
            cv->errors++;
            log_warn("adapter=%s msg=\"digest not delivered\" session=%" PRId64
                     " error=%s",
                     a->ops->name, cs->delivery_id, err_name(status));
        }
        free(cs);
        return;
    }
    if (cs->kind == CONVO_SEND_AGENDA) {
        struct store_meeting m;
        int again = 0;

        /* A failed agenda is tried again while the meeting is ahead. */
        if (status < 0 && store_meeting_get(cv->st, cs->delivery_id, &m) == 0)
            again = m.at > now + CONVO_SEND_RETRY;
        if (store_begin(cv->st) == 0 &&
            (store_meeting_set(cv->st, cs->delivery_id,
                               again ? now + CONVO_SEND_RETRY : 0,
                               status == 0 ? STORE_AGENDA_SENT
                               : again     ? STORE_AGENDA_PENDING
                                           : STORE_AGENDA_NONE) < 0 ||
             store_commit(cv->st) < 0))
            store_rollback(cv->st);
        else if (again && cv->wake != NULL)
            cv->wake(cv->wake_arg);
        if (status < 0) {
            cv->errors++;
            log_warn("adapter=%s msg=\"agenda not delivered; will retry\" "
                     "meeting=%" PRId64 " error=%s",
                     a->ops->name, cs->delivery_id, err_name(status));
        }
        free(cs);
        return;
    }
    if (cs->kind == CONVO_SEND_QUESTION && status == 0 &&
        cv->fault_after_send) {
        log_warn("msg=\"REFLEKT_FAULT: crashing after a send\"");
        raise(SIGKILL);
    }
    if (cs->kind != CONVO_SEND_QUESTION) {
        if (status < 0) {
            cv->errors++;
            log_warn("adapter=%s msg=\"reply not delivered\" error=%s",
                     a->ops->name, err_name(status));
        }
        free(cs);
        return;
    }
    cs->status = status;
    cs->adapter = a->ops->name;
    xstrlcpy(cs->msg_id, msg_id != NULL ? msg_id : "", sizeof(cs->msg_id));
    if (status < 0) {
        cv->errors++;
        metrics.platform_errors++;
    }
    /*
     * The platform has the question whatever happens here; recording that
     * waits for the loop turn's group commit, with every other
     * confirmation and answer that arrived in it.
     */
    if (cv->commit != NULL) {
        commit_add(cv->commit, convo_sent_work, convo_sent_done, cs);
        return;
    }
    rc = store_begin(cv->st);
    if (rc == 0 && (rc = convo_sent_work(cv->st, cs)) == 0)
        rc = store_commit(cv->st);
    if (rc < 0)
        store_rollback(cv->st);
    convo_sent_done(rc, cs);
}

/* Say text to leader l outside any question. */
static void
convo_say(struct convo *cv, struct adapter *a, const struct store_leader *l,
          const char *text)
{
    struct adapter_msg m = {0};
    struct convo_send *cs = xcalloc(1, sizeof(*cs));

    cs->cv = cv;
    cs->kind = CONVO_SEND_REPLY;
    m.user_id = l->user_id;
    m.conversation = l->conversation[0] != '\0' ? l->conversation : NULL;
    m.text = text;
    if (a->ops->send(a, &m, on_sent, cs) < 0) {
        cv->errors++;
        log_warn("adapter=%s msg=\"cannot send reply\" leader=%s", a->ops->name,
                 l->handle);
        free(cs);
    }
}

static void
convo_sayf(struct convo *cv, struct adapter *a, const struct store_leader *l,
           enum msg_id id, const char *arg)
{
    char *text = convo_format(id, convo_lang(l), arg);

    convo_say(cv, a, l, text);
    free(text);
}

/* Close what is still open for l apart from keep_id.  In a transaction. */
static int
convo_close_open(struct convo *cv, const struct store_leader *l,
                 int64_t keep_id)
{
    struct store_delivery o;
    int rc;

    for (int i = 0; i < 16; i++) {
        rc = store_delivery_open(cv->st, l->id, &o);
        if (rc == ERR_NOTFOUND || (rc == 0 && o.id == keep_id))
            return 0;
        if (rc < 0)
            return rc;
        if (o.state != STORE_STATE_ANSWERED)
            o.state =
                o.answered_at > 0 ? STORE_STATE_ANSWERED : STORE_STATE_MISSED;
        o.closed = 1;
        o.action_at = 0;
        if ((rc = store_delivery_update(cv->st, &o)) < 0)
            return rc;
    }
    return 0;
}

/*
 * Mark a planned, snoozed or interrupted question as being sent and queue
 * it in out for after the commit.  In a transaction.
 */
static int
convo_queue_question(struct convo *cv, struct store_delivery *d,
                     const struct store_leader *l, int64_t now,
                     enum convo_out_kind kind, struct convo_out *out, int *nout)
{
    int rc;

    if (convo_adapter(cv, l->platform) == NULL) {
        log_warn("msg=\"no adapter running for the leader's platform\" "
                 "leader=%s platform=%s",
                 l->handle, l->platform);
        d->action_at = now + CONVO_NO_ADAPTER_RETRY;
        return store_delivery_update(cv->st, d);
    }
    if ((rc = convo_close_open(cv, l, d->id)) < 0)
        return rc;
    d->state = STORE_STATE_SENDING;
    d->action_at = 0;
    d->closed = 0;
    d->reminded = 0;
    if ((rc = store_delivery_update(cv->st, d)) < 0)
        return rc;
    out[*nout].kind = kind;
    out[*nout].d = *d;
    out[*nout].l = *l;
    (*nout)++;
    return 0;
}

/* Hand a question marked sending to its platform.  Outside a transaction.
 * Returns: 0, or < 0 when it was not handed over (a retry is for d). */
static int
convo_send_question(struct convo *cv, const struct store_delivery *d,
                    const struct store_leader *l, int resend)
{
    struct adapter *a = convo_adapter(cv, l->platform);
    struct adapter_msg m = {0};
    struct convo_send *cs;
    char key[32];

    if (a == NULL)
        return ERR_NOTFOUND; /* the adapters changed under a reload */
    cs = xcalloc(1, sizeof(*cs));
    cs->cv = cv;
    cs->kind = CONVO_SEND_QUESTION;
    cs->delivery_id = d->id;
    snprintf(key, sizeof(key), "reflekt-%" PRId64, d->id);
    m.user_id = l->user_id;
    m.conversation = l->conversation[0] != '\0' ? l->conversation : NULL;
    m.text = d->question;
    m.delivery_id = d->id;
    m.idem_key = key;
    m.button_skip = msg_get(MSG_BUTTON_SKIP, convo_lang(l));
    m.button_snooze = msg_get(MSG_BUTTON_SNOOZE, convo_lang(l));
    m.resend = resend;
    m.posted_at = d->sent_at;
    if (a->ops->send(a, &m, on_sent, cs) < 0) {
        free(cs);
        log_warn("adapter=%s msg=\"cannot send question; will retry\" "
                 "delivery=%" PRId64,
                 a->ops->name, d->id);
        return ERR_IO;
    }
    return 0;
}

/*
 * Say what a committed batch queued: questions and reminders.  Questions
 * no adapter took go back to pending with a retry, in one transaction.
 */
static void
convo_hand_over(struct convo *cv, const struct convo_out *out, int nout,
                int64_t now)
{
    int64_t retry[CONVO_BATCH];
    int nretry = 0;

    for (int i = 0; i < nout; i++) {
        const struct store_delivery *d = &out[i].d;
        const struct store_leader *l = &out[i].l;
        struct adapter *a;

        if (out[i].kind == CONVO_OUT_REMIND) {
            if ((a = convo_adapter(cv, l->platform)) != NULL)
                convo_sayf(cv, a, l, MSG_REMINDER, d->question);
            log_info("msg=\"reminder sent\" leader=%s delivery=%" PRId64,
                     l->handle, d->id);
        } else if (convo_send_question(cv, d, l,
                                       out[i].kind == CONVO_OUT_RESEND) < 0) {
            retry[nretry++] = d->id;
        }
    }
    if (nretry == 0 || store_begin(cv->st) < 0)
        return;
    for (int i = 0; i < nretry; i++) {
        struct store_delivery d;

        if (store_delivery_get(cv->st, retry[i], &d) < 0 ||
            d.state != STORE_STATE_SENDING)
            continue;
        d.state = STORE_STATE_PENDING;
        d.action_at = now + CONVO_SEND_RETRY;
        if (store_delivery_update(cv->st, &d) < 0) {
            store_rollback(cv->st);
            return;
        }
    }
    if (store_commit(cv->st) < 0)
        store_rollback(cv->st);
    else if (cv->wake != NULL)
        cv->wake(cv->wake_arg);
}

/*
 * A question about what to bring to a session (or a group meeting) that
 * has begun is no longer asked: d becomes missed.  Returns: 1 when so, 0
 * when it may go, < 0 on error.
 */
static int
convo_too_late(struct convo *cv, struct store_delivery *d, int64_t now)
{
    struct store_session s;
    int rc;

    if (d->session_id == 0 || (strcmp(d->kind, "pre-session") != 0 &&
                               strcmp(d->kind, "challenge") != 0))
        return 0;
    rc = store_session_get(cv->st, d->session_id, &s);
    if (rc == ERR_NOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    if (s.at > now)
        return 0;
    d->state = STORE_STATE_MISSED;
    d->closed = 1;
    d->action_at = 0;
    log_info("msg=\"session question not sent: the session has begun\" "
             "delivery=%" PRId64,
             d->id);
    return 1;
}

/*
 * One due delivery, in a transaction; what is to be said goes to out.
 * Returns: 0, or < 0 on error.
 */
static int
convo_act(struct convo *cv, int64_t id, int64_t now, struct convo_out *out,
          int *nout)
{
    struct store_delivery d;
    struct store_leader l;
    int rc;

    if ((rc = store_delivery_get(cv->st, id, &d)) < 0 ||
        (rc = store_leader_by_id(cv->st, d.engagement_id, &l)) < 0)
        return rc;
    switch (d.state) {
    case STORE_STATE_PENDING:
    case STORE_STATE_SNOOZED:
        if ((rc = convo_too_late(cv, &d, now)) != 0)
            return rc < 0 ? rc : store_delivery_update(cv->st, &d);
        return convo_queue_question(cv, &d, &l, now, CONVO_OUT_SEND, out, nout);
    case STORE_STATE_SENDING:
        /* Interrupted by a stop: the platform may have it already. */
        return convo_queue_question(cv, &d, &l, now, CONVO_OUT_RESEND, out,
                                    nout);
    case STORE_STATE_SENT:
        if (!d.reminded && cv->conf->reminder_after > 0 &&
            cv->conf->reminder_after < cv->conf->missed_after) {
            d.reminded = 1;
            d.action_at = d.sent_at + cv->conf->missed_after;
            if (d.action_at <= now)
                d.action_at = now + 1;
            if ((rc = store_delivery_update(cv->st, &d)) < 0)
                return rc;
            out[*nout].kind = CONVO_OUT_REMIND;
            out[*nout].d = d;
            out[*nout].l = l;
            (*nout)++;
            return 0;
        }
        d.state = STORE_STATE_MISSED;
        d.closed = 1;
        d.action_at = 0;
        log_info("msg=\"question missed\" leader=%s delivery=%" PRId64,
                 l.handle, d.id);
        return store_delivery_update(cv->st, &d);
    case STORE_STATE_ANSWERED:
        d.closed = 1;
        d.action_at = 0;
        return store_delivery_update(cv->st, &d);
    default:
        d.action_at = 0;
        return store_delivery_update(cv->st, &d);
    }
}

/* Plan the question of a leader whose next due time has come. */
static int
convo_plan(struct convo *cv, int64_t id, int64_t now)
{
    struct store_leader l;
    int64_t next;
    char err[ERR_BUFSZ] = "";
    int near = 0, rc;

    if ((rc = store_leader_by_id(cv->st, id, &l)) < 0)
        return rc;
    if (l.next_due_at == 0 || l.next_due_at > now)
        return 0;
    /* A session's own question is near: this occurrence gives way. */
    if ((rc = store_session_near(cv->st, l.id, now - CONVO_SESSION_GAP,
                                 now + CONVO_SESSION_GAP, &near)) < 0)
        return rc;
    if (near == 0)
        rc = convo_make(cv->st, cv->conf, cv->prompts, &l, l.next_due_at,
                        convo_allowed(&l, now), now, NULL);
    if (rc < 0 && rc != ERR_NOTFOUND)
        return rc;
    /* From now, not from the old due time: one overdue question at most. */
    rc = convo_replan(cv->st, &l, now, &next, err);
    if (rc < 0) {
        char esc[2 * ERR_BUFSZ];

        log_error("msg=\"cannot plan the next question\" leader=%s "
                  "error=\"%s\"",
                  l.handle, log_esc(err, esc, sizeof(esc)));
    }
    return rc;
}

/* ---- coaching sessions and network group meetings ------------------- */

/* Whether a question may go out at exactly t (pauses aside). */
static int
convo_open_at(const struct sched_rule *r, int64_t t)
{
    int64_t a;

    return sched_allowed(r, t, &a) == 0 && a == t;
}

int
convo_session_times(const struct config *conf, const struct store_leader *l,
                    int64_t at, int64_t now, int64_t *pre, int64_t *post)
{
    struct sched_rule r;
    struct tm tm;
    int64_t t, a;
    int rc;

    *pre = *post = 0;
    convo_session_rule(l, &r);
    if ((rc = sched_local(l->tz, at, &tm)) < 0)
        return rc;
    /*
     * N days before, at the session's own hour; on a day off (or when
     * the session lies outside working hours) the day's first working
     * moment, stepping back a day at a time.
     */
    for (int back = 0; conf->pre_session_days > 0 && back < 7 && *pre == 0;
         back++) {
        int mday = tm.tm_mday - conf->pre_session_days - back;

        if ((rc = sched_utc(l->tz, tm.tm_year + 1900, tm.tm_mon + 1, mday,
                            tm.tm_hour, tm.tm_min, &t)) < 0)
            return rc;
        if (convo_open_at(&r, t)) {
            *pre = t;
            break;
        }
        if ((rc = sched_utc(l->tz, tm.tm_year + 1900, tm.tm_mon + 1, mday,
                            l->work_from / 60, l->work_from % 60, &t)) < 0)
            return rc;
        if (sched_allowed(&r, t, &a) == 0 &&
            a < t + 86400 - l->work_from * 60 && a < at)
            *pre = a;
    }
    if (*pre != 0 && *pre < now)
        *pre = at > now + 3600 ? now : 0; /* added late: ask now */
    /*
     * The day after, at the session's hour; after working hours, that
     * day's first working moment; on a day off, the next working one.
     */
    if (conf->post_session) {
        int late = tm.tm_hour * 60 + tm.tm_min >= l->work_to;

        if ((rc = sched_utc(l->tz, tm.tm_year + 1900, tm.tm_mon + 1,
                            tm.tm_mday + 1,
                            late ? l->work_from / 60 : tm.tm_hour,
                            late ? l->work_from % 60 : tm.tm_min, &t)) < 0)
            return rc;
        if (sched_allowed(&r, t, post) < 0)
            *post = 0;
        if (*post != 0 && *post < now)
            *post = now - *post < 86400 ? now : 0;
    }
    return 0;
}

/* A session's pre- or post-session question (a challenge for a group). */
static int
convo_session(struct convo *cv, int64_t id, int64_t now)
{
    struct store_session s;
    struct store_leader l;
    struct store_delivery d;
    struct store_asked asked;
    const struct prompt *p;
    enum prompt_kind kind;
    enum lang lang;
    struct sched_rule r;
    struct tm tm;
    char when[96];
    char *text;
    int pre, rc;

    if ((rc = store_session_get(cv->st, id, &s)) < 0 ||
        (rc = store_leader_by_id(cv->st, s.engagement_id, &l)) < 0)
        return rc;
    pre = s.pre_at > 0 && s.pre_at <= now;
    if ((rc = store_session_set_times(cv->st, s.id, pre ? 0 : s.pre_at,
                                      pre ? s.post_at : 0)) < 0)
        return rc;
    if (pre && s.at <= now)
        return 0; /* the session has begun: too late to ask */
    if (l.paused && (l.paused_until == 0 || l.paused_until > now)) {
        log_info("msg=\"session question dropped: leader paused\" "
                 "leader=%s session=%" PRId64,
                 l.handle, s.id);
        return 0;
    }
    kind = !pre               ? PROMPT_POST_SESSION
           : s.meeting_id > 0 ? PROMPT_CHALLENGE
                              : PROMPT_PRE_SESSION;
    if ((rc = store_delivery_asked(cv->st, l.id, &asked)) < 0)
        return rc;
    p = prompt_select_kind(cv->prompts, kind, convo_asked_cb, &asked);
    store_asked_release(&asked);
    if (p == NULL) {
        log_warn("msg=\"the question library has no %s question\"",
                 prompt_kind_name(kind));
        return 0;
    }
    lang = convo_lang(&l);
    if (sched_local(l.tz, s.at, &tm) < 0)
        gmtime_r(&(time_t){(time_t)s.at}, &tm);
    msg_when(lang, &tm, when, sizeof(when));
    memset(&d, 0, sizeof(d));
    d.engagement_id = l.id;
    xstrlcpy(d.prompt_id, p->id, sizeof(d.prompt_id));
    text = prompt_fill(p->text[lang], "{date}", when);
    xstrlcpy(d.question, text, sizeof(d.question));
    free(text);
    if (p->followup[lang] != NULL)
        xstrlcpy(d.followup, p->followup[lang], sizeof(d.followup));
    xstrlcpy(d.kind, prompt_kind_name(kind), sizeof(d.kind));
    d.session_id = s.id;
    d.state = STORE_STATE_PENDING;
    d.due_at = now;
    convo_session_rule(&l, &r);
    d.action_at = convo_allowed_rule(&r, now);
    if (pre && d.action_at >= s.at) {
        log_info("msg=\"session question dropped: no working time before "
                 "the session\" leader=%s session=%" PRId64,
                 l.handle, s.id);
        return 0;
    }
    rc = store_delivery_add(cv->st, &d);
    if (rc == ERR_EXISTS)
        return 0; /* asked already */
    if (rc == 0)
        log_info("msg=\"session question planned\" leader=%s kind=%s "
                 "delivery=%" PRId64,
                 l.handle, d.kind, d.id);
    return rc;
}

struct convo_agenda {
    struct buf b;
    enum lang lang;
    int n;
    int open; /* members still to be asked, or to answer */
};

static int
convo_agenda_cb(const struct store_challenge *c, void *arg)
{
    struct convo_agenda *ag = arg;
    char quote[CONVO_AGENDA_QUOTE_MAX + 8];
    char *item;

    if (c->delivery_id == 0 || c->state == STORE_STATE_PENDING ||
        c->state == STORE_STATE_SENDING || c->state == STORE_STATE_SENT ||
        c->state == STORE_STATE_SNOOZED)
        ag->open++;
    if (!c->agenda || c->answer == NULL || c->state != STORE_STATE_ANSWERED)
        return 0;
    convo_quote(c->answer, CONVO_AGENDA_QUOTE_MAX, quote, sizeof(quote));
    item = convo_format(MSG_QUOTED, ag->lang, quote);
    buf_printf(&ag->b, "\n• %s: %s", c->handle, item);
    free(item);
    ag->n++;
    return 0;
}

/* Post a group's agenda (the challenges members shared) to its channel. */
static int
convo_meeting(struct convo *cv, int64_t id, int64_t now)
{
    struct store_meeting m;
    struct store_group g;
    struct convo_agenda ag;
    struct adapter_msg msg = {0};
    struct convo_send *cs;
    struct adapter *a;
    struct tm tm;
    char when[96], key[40];
    char *head;
    int rc;

    if ((rc = store_meeting_get(cv->st, id, &m)) < 0 ||
        (rc = store_group_by_id(cv->st, m.group_id, &g)) < 0)
        return rc;
    if (g.channel[0] == '\0' || m.at <= now) {
        if (g.channel[0] != '\0')
            log_warn("msg=\"agenda not sent: the meeting has begun\" "
                     "group=%s",
                     g.name);
        return store_meeting_set(cv->st, m.id, 0, STORE_AGENDA_NONE);
    }
    if ((a = convo_adapter(cv, g.platform)) == NULL) {
        log_warn("msg=\"no adapter running for the group's channel\" "
                 "group=%s platform=%s",
                 g.name, g.platform);
        return store_meeting_set(cv->st, m.id, now + CONVO_NO_ADAPTER_RETRY,
                                 m.agenda);
    }
    memset(&ag, 0, sizeof(ag));
    lang_parse(g.lang, &ag.lang);
    buf_init(&ag.b, 0);
    if (sched_local(g.tz, m.at, &tm) < 0)
        gmtime_r(&(time_t){(time_t)m.at}, &tm);
    msg_when(ag.lang, &tm, when, sizeof(when));
    head = convo_format(MSG_AGENDA_HEAD, ag.lang, when);
    buf_adds(&ag.b, head);
    free(head);
    rc = store_challenges(cv->st, m.id, convo_agenda_cb, &ag);
    if (rc == 0 && ag.n == 0) {
        /*
         * Nothing shared yet.  While members are still to answer and the
         * meeting is more than an hour off, look again in an hour.
         */
        int64_t again = now + CONVO_AGENDA_AGAIN;

        if (ag.open > 0 && again + CONVO_AGENDA_AGAIN <= m.at) {
            rc = store_meeting_set(cv->st, m.id, again, STORE_AGENDA_PENDING);
            goto out;
        }
        log_info("msg=\"no challenge shared for the agenda\" group=%s", g.name);
        rc = store_meeting_set(cv->st, m.id, 0, STORE_AGENDA_NONE);
        goto out;
    }
    if (rc < 0 ||
        (rc = store_meeting_set(cv->st, m.id, 0, STORE_AGENDA_SENDING)) < 0 ||
        (rc = store_audit(cv->st, now, "reflekt", "agenda-posted", 0, g.name)) <
            0 ||
        (rc = store_commit(cv->st)) < 0)
        goto out;
    cs = xcalloc(1, sizeof(*cs));
    cs->cv = cv;
    cs->kind = CONVO_SEND_AGENDA;
    cs->delivery_id = m.id;
    snprintf(key, sizeof(key), "reflekt-agenda-%" PRId64, m.id);
    msg.user_id = g.channel;
    msg.conversation = g.channel;
    msg.text = ag.b.data;
    msg.idem_key = key;
    if (a->ops->send(a, &msg, on_sent, cs) < 0) {
        free(cs);
        if (store_begin(cv->st) == 0 &&
            (store_meeting_set(cv->st, m.id, now + CONVO_SEND_RETRY,
                               STORE_AGENDA_PENDING) < 0 ||
             store_commit(cv->st) < 0))
            store_rollback(cv->st);
    }
    log_info("msg=\"agenda sent to the group\" group=%s challenges=%d", g.name,
             ag.n);
    rc = 1;
out:
    buf_release(&ag.b);
    return rc;
}

/* ---- the consultant's digest before a session ------------------------- */

#define CONVO_DIGEST_MAX 3000  /* bytes of answers in one chat message */
#define CONVO_DIGEST_QUOTE 500 /* bytes of one answer in it */

struct convo_digest {
    struct buf b;
    enum lang lang;
    int answered, skipped, missed, shown, cut;
};

static int
convo_digest_row(const struct store_row *r, void *arg)
{
    struct convo_digest *dg = arg;
    char quote[CONVO_DIGEST_QUOTE + 8];
    int recall = r->kind != NULL && strcmp(r->kind, "recall") == 0;

    dg->answered += r->state == STORE_STATE_ANSWERED;
    dg->skipped += r->state == STORE_STATE_SKIPPED;
    dg->missed += r->state == STORE_STATE_MISSED;
    if (r->answer == NULL || r->answer[0] == '\0')
        return 0;
    if (dg->b.len > CONVO_DIGEST_MAX) {
        dg->cut = 1;
        return 0;
    }
    convo_quote(r->answer, CONVO_DIGEST_QUOTE, quote, sizeof(quote));
    if (recall)
        buf_printf(&dg->b, "\n%s “%s”\n",
                   msg_get(MSG_DIGEST_FOLLOWUP, dg->lang), quote);
    else
        buf_printf(&dg->b, "\n*%s*\n%s“%s”\n", r->question,
                   r->kind != NULL && strcmp(r->kind, "commitment") == 0
                       ? msg_get(MSG_DIGEST_COMMITMENT, dg->lang)
                       : "",
                   quote);
    dg->shown++;
    return 0;
}

/*
 * Send a leader's digest to their consultant in chat, on the first running
 * platform where the consultant has an account.  Audited as the
 * consultant's read.
 */
static int
convo_digest(struct convo *cv, int64_t id, int64_t now)
{
    struct store_session s;
    struct store_leader l;
    struct convo_digest dg;
    struct adapter_msg msg = {0};
    struct convo_send *cs;
    struct adapter *a = NULL;
    char user[STORE_ID_MAX], conv[STORE_ID_MAX], when[96], key[48];
    char n1[16], n2[16], n3[16], base[512];
    int64_t since = 0;
    int rc;

    if ((rc = store_session_get(cv->st, id, &s)) < 0 ||
        (rc = store_leader_by_id(cv->st, s.engagement_id, &l)) < 0)
        return rc;
    s.digest_at = 0;
    s.digest = STORE_AGENDA_NONE;
    if (s.at <= now)
        return store_session_update(cv->st, &s);
    for (int i = 0; i < cv->nadapters && a == NULL; i++) {
        rc = store_person_identity(cv->st, l.consultant,
                                   cv->adapters[i]->ops->name, user, conv);
        if (rc == 0)
            a = cv->adapters[i];
        else if (rc != ERR_NOTFOUND)
            return rc;
    }
    if (a == NULL) {
        log_info("msg=\"digest not sent: the consultant has no chat account "
                 "linked\" consultant=\"%s\"",
                 l.consultant);
        return store_session_update(cv->st, &s);
    }
    memset(&dg, 0, sizeof(dg));
    dg.lang = LANG_NB;
    lang_parse(cv->conf->language, &dg.lang);
    buf_init(&dg.b, 0);
    if ((rc = store_session_last(cv->st, l.id, now, &since, NULL, 0)) < 0 ||
        (rc = store_rows(cv->st, l.id, since, convo_digest_row, &dg)) < 0)
        goto out;
    {
        struct buf head;

        convo_when_in(&l, dg.lang, s.at, when, sizeof(when));
        snprintf(n1, sizeof(n1), "%d", dg.answered);
        snprintf(n2, sizeof(n2), "%d", dg.skipped);
        snprintf(n3, sizeof(n3), "%d", dg.missed);
        buf_init(&head, 0);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        buf_printf(&head, msg_get(MSG_DIGEST_HEAD, dg.lang), l.handle, when);
        buf_adds(&head, "\n");
        buf_printf(&head, msg_get(MSG_DIGEST_COUNTS, dg.lang), n1, n2, n3);
        buf_adds(&head, "\n");
        if (dg.shown == 0)
            buf_printf(&head, "\n%s\n", msg_get(MSG_DIGEST_NONE, dg.lang));
        buf_adds(&head, dg.b.data != NULL ? dg.b.data : "");
        if (dg.cut)
            buf_adds(&head, "\n…\n");
        if (web_auth_base(cv->conf, base, sizeof(base)) == 0) {
            char link[700];

            snprintf(link, sizeof(link), "%s/console/leader/%s/digest", base,
                     l.handle);
            buf_adds(&head, "\n");
            buf_printf(&head, msg_get(MSG_DIGEST_MORE, dg.lang), link);
        }
#pragma GCC diagnostic pop
        buf_release(&dg.b);
        dg.b = head;
    }
    s.digest = STORE_AGENDA_SENDING;
    if ((rc = store_session_update(cv->st, &s)) < 0 ||
        (rc = store_audit(cv->st, now, l.consultant, "digest-chat", l.id,
                          a->ops->name)) < 0 ||
        (rc = store_commit(cv->st)) < 0)
        goto out;
    cs = xcalloc(1, sizeof(*cs));
    cs->cv = cv;
    cs->kind = CONVO_SEND_DIGEST;
    cs->delivery_id = s.id;
    snprintf(key, sizeof(key), "reflekt-digest-%" PRId64, s.id);
    msg.user_id = user;
    msg.conversation = conv[0] != '\0' ? conv : NULL;
    msg.text = dg.b.data;
    msg.idem_key = key;
    if (a->ops->send(a, &msg, on_sent, cs) < 0) {
        free(cs);
        s.digest_at = now + CONVO_SEND_RETRY;
        s.digest = STORE_AGENDA_PENDING;
        if (store_begin(cv->st) == 0 &&
            (store_session_update(cv->st, &s) < 0 || store_commit(cv->st) < 0))
            store_rollback(cv->st);
    }
    log_info("msg=\"digest sent to the consultant\" leader=%s answers=%d",
             l.handle, dg.shown);
    rc = 1;
out:
    buf_release(&dg.b);
    return rc;
}

/*
 * Run fn for every id a due-query returns, one transaction each; fn
 * returns 1 when it committed itself.
 */
static int
convo_each_due(struct convo *cv, int64_t now,
               int (*due)(struct store *, int64_t, int64_t *, int, int *),
               int (*fn)(struct convo *, int64_t, int64_t), const char *what)
{
    int64_t ids[CONVO_BATCH];
    int n, rc;

    for (int batch = 0; batch < CONVO_MAX_BATCHES; batch++) {
        if ((rc = due(cv->st, now, ids, CONVO_BATCH, &n)) < 0)
            return rc;
        if (n == 0)
            break;
        for (int i = 0; i < n; i++) {
            if ((rc = store_begin(cv->st)) < 0)
                return rc;
            rc = fn(cv, ids[i], now);
            if (rc == 1)
                continue;
            if (rc < 0) {
                store_rollback(cv->st);
                log_error("msg=\"cannot act on a %s\" id=%" PRId64 " error=%s",
                          what, ids[i], err_name(rc));
                return rc;
            }
            if ((rc = store_commit(cv->st)) < 0)
                return rc;
        }
    }
    return 0;
}

static int64_t
convo_min(int64_t a, int64_t b)
{
    return a == 0 ? b : (b == 0 || a < b ? a : b);
}

/*
 * Plan a batch of leaders whose next due time has come, in one
 * transaction, each in its own savepoint.  Returns: 0, or < 0 when one
 * could not be planned (those before it are committed).
 */
static int
convo_plan_batch(struct convo *cv, const int64_t *ids, int n, int64_t now)
{
    int rc, failed = 0;

    if ((rc = store_begin(cv->st)) < 0)
        return rc;
    for (int i = 0; i < n && failed == 0; i++) {
        if ((rc = store_savepoint(cv->st)) < 0) {
            failed = rc;
            break;
        }
        rc = convo_plan(cv, ids[i], now);
        if (rc == ERR_INVAL) {
            /*
             * A rule that cannot be planned (it was refused at
             * enrolment, so the database was edited by hand): stop that
             * leader's schedule rather than spin on it.
             */
            store_rollback_to(cv->st);
            if ((rc = store_savepoint(cv->st)) == 0)
                rc = store_leader_set_next(cv->st, ids[i], 0);
        }
        if (rc < 0) {
            store_rollback_to(cv->st);
            failed = rc; /* the daemon tries again in a minute */
        } else if ((rc = store_release(cv->st)) < 0) {
            failed = rc;
        }
    }
    if ((rc = store_commit(cv->st)) < 0) {
        store_rollback(cv->st);
        return rc;
    }
    return failed;
}

/*
 * Act on every due delivery, a batch per transaction: the questions of a
 * batch are marked as being sent in one commit, then handed over.
 */
static int
convo_act_due(struct convo *cv, int64_t now)
{
    int64_t ids[CONVO_BATCH];
    struct convo_out *out = NULL;
    int n, nout, rc = 0, failed = 0;

    for (int batch = 0; batch < CONVO_MAX_BATCHES && failed == 0; batch++) {
        if ((rc = store_delivery_due(cv->st, now, ids, CONVO_BATCH, &n)) < 0)
            break;
        if (n == 0)
            break;
        if (out == NULL)
            out = xmalloc(CONVO_BATCH * sizeof(*out));
        if ((rc = store_begin(cv->st)) < 0)
            break;
        nout = failed = 0;
        for (int i = 0; i < n && failed == 0; i++) {
            int mark = nout;

            if ((rc = store_savepoint(cv->st)) < 0) {
                failed = rc;
                break;
            }
            if ((rc = convo_act(cv, ids[i], now, out, &nout)) < 0) {
                store_rollback_to(cv->st);
                nout = mark;
                failed = rc;
                log_error("msg=\"cannot act on a question\" id=%" PRId64
                          " error=%s",
                          ids[i], err_name(rc));
            } else if ((rc = store_release(cv->st)) < 0) {
                failed = rc;
            }
        }
        if ((rc = store_commit(cv->st)) < 0) {
            store_rollback(cv->st);
            break;
        }
        convo_hand_over(cv, out, nout, now);
    }
    free(out);
    return rc < 0 ? rc : failed;
}

int
convo_tick(struct convo *cv, int64_t now, int64_t *next)
{
    int64_t ids[CONVO_BATCH], a, b, c, m, dg;
    int n, rc = 0;

    for (int batch = 0; batch < CONVO_MAX_BATCHES; batch++) {
        if ((rc = store_leader_due(cv->st, now, ids, CONVO_BATCH, &n)) < 0)
            return rc;
        if (n == 0)
            break;
        if ((rc = convo_plan_batch(cv, ids, n, now)) < 0)
            return rc;
    }
    if ((rc = convo_each_due(cv, now, store_session_due, convo_session,
                             "session")) < 0 ||
        (rc = convo_act_due(cv, now)) < 0 ||
        (rc = convo_each_due(cv, now, store_meeting_due, convo_meeting,
                             "group agenda")) < 0 ||
        (rc = convo_each_due(cv, now, store_session_digest_due, convo_digest,
                             "digest")) < 0)
        return rc;
    if ((rc = store_leader_next_min(cv->st, &a)) < 0 ||
        (rc = store_delivery_action_min(cv->st, &b)) < 0 ||
        (rc = store_session_min(cv->st, &c)) < 0 ||
        (rc = store_meeting_min(cv->st, &m)) < 0 ||
        (rc = store_session_digest_min(cv->st, &dg)) < 0)
        return rc;
    *next = convo_min(convo_min(convo_min(a, b), convo_min(c, m)), dg);
    return 0;
}

/* ---- inbound -------------------------------------------------------- */

struct convo_reply {
    enum msg_id id;
    int has_id;
    char arg[STORE_TEXT_MAX];
    char *text;     /* a composed reply (history), owned */
    int64_t settle; /* a question now done: its buttons go */
    enum msg_id settle_note;
};

static void
convo_reply_set(struct convo_reply *r, enum msg_id id, const char *arg)
{
    r->id = id;
    r->has_id = 1;
    xstrlcpy(r->arg, arg != NULL ? arg : "", sizeof(r->arg));
}

static int
convo_local_date(const struct store_leader *l, int64_t t, struct tm *tm)
{
    return sched_local(l->tz, t, tm);
}

static int
convo_cmd_snooze(struct convo *cv, const struct store_leader *l,
                 const struct cmd *c, int64_t now, struct convo_reply *r)
{
    struct store_delivery d;
    struct tm due, today;
    int64_t t = 0;
    int rc = store_delivery_open(cv->st, l->id, &d);

    if (rc == ERR_NOTFOUND || (rc == 0 && d.state == STORE_STATE_ANSWERED)) {
        convo_reply_set(r, MSG_NO_OPEN, NULL);
        return 0;
    }
    if (rc < 0)
        return rc;
    if ((rc = convo_local_date(l, d.due_at, &due)) < 0 ||
        (rc = convo_local_date(l, now, &today)) < 0)
        return rc;
    switch (c->snooze) {
    case CMD_SNOOZE_MINUTES:
        t = now + (int64_t)c->minutes * 60;
        break;
    case CMD_SNOOZE_TOMORROW:
        rc = sched_utc(l->tz, today.tm_year + 1900, today.tm_mon + 1,
                       today.tm_mday + 1, due.tm_hour, due.tm_min, &t);
        break;
    case CMD_SNOOZE_WEEKDAY: {
        int wday = today.tm_wday == 0 ? 7 : today.tm_wday;
        int ahead = (c->weekday - wday + 7) % 7;

        rc = sched_utc(l->tz, today.tm_year + 1900, today.tm_mon + 1,
                       today.tm_mday + (ahead == 0 ? 7 : ahead), due.tm_hour,
                       due.tm_min, &t);
        break;
    }
    case CMD_SNOOZE_DEFAULT:
    default:
        t = now + cv->conf->snooze_default;
        break;
    }
    if (rc < 0)
        return rc;
    t = convo_allowed(l, t);
    d.state = STORE_STATE_SNOOZED;
    d.action_at = t;
    if ((rc = store_delivery_update(cv->st, &d)) < 0)
        return rc;
    convo_when(l, t, r->arg, sizeof(r->arg));
    r->id = MSG_SNOOZED;
    r->has_id = 1;
    r->settle = d.id;
    r->settle_note = MSG_SETTLED_SNOOZED;
    return 0;
}

static int
convo_cmd_pause(struct convo *cv, struct store_leader *l, const struct cmd *c,
                int64_t now, struct convo_reply *r)
{
    struct tm today, until_tm;
    int64_t until = 0, next;
    int rc;

    if (c->has_date) {
        int year = c->year;

        if ((rc = convo_local_date(l, now, &today)) < 0)
            return rc;
        if (year == 0) {
            year = today.tm_year + 1900;
            if (c->month * 100 + c->day <=
                (today.tm_mon + 1) * 100 + today.tm_mday)
                year++;
        }
        if ((rc = sched_utc(l->tz, year, c->month, c->day, 0, 0, &until)) < 0)
            return rc;
        if (until <= now) {
            convo_reply_set(r, MSG_PAUSE_PAST, NULL);
            return 0;
        }
    }
    l->paused = 1;
    l->paused_until = until;
    if ((rc = store_leader_set_pause(cv->st, l->id, 1, until)) < 0 ||
        (rc = convo_replan(cv->st, l, now, &next, NULL)) < 0)
        return rc;
    if (until == 0) {
        convo_reply_set(r, MSG_PAUSED, NULL);
        return 0;
    }
    convo_local_date(l, until, &until_tm);
    msg_date(convo_lang(l), &until_tm, r->arg, sizeof(r->arg));
    r->id = MSG_PAUSED_UNTIL;
    r->has_id = 1;
    return 0;
}

static int
convo_cmd_resume(struct convo *cv, struct store_leader *l, int64_t now,
                 struct convo_reply *r)
{
    int64_t next;
    int rc;

    if (!l->paused || (l->paused_until != 0 && l->paused_until <= now)) {
        convo_reply_set(r, MSG_NOT_PAUSED, NULL);
        return 0;
    }
    l->paused = 0;
    l->paused_until = 0;
    if ((rc = store_leader_set_pause(cv->st, l->id, 0, 0)) < 0 ||
        (rc = convo_replan(cv->st, l, now, &next, NULL)) < 0)
        return rc;
    if (next == 0) {
        convo_reply_set(r, MSG_RESUMED_NO_NEXT, NULL);
        return 0;
    }
    convo_when(l, next, r->arg, sizeof(r->arg));
    r->id = MSG_RESUMED;
    r->has_id = 1;
    return 0;
}

static int
convo_cmd_skip(struct convo *cv, const struct store_leader *l,
               struct convo_reply *r)
{
    struct store_delivery d;
    struct store_leader fresh;
    int rc = store_delivery_open(cv->st, l->id, &d);

    if (rc == ERR_NOTFOUND || (rc == 0 && d.state == STORE_STATE_ANSWERED)) {
        convo_reply_set(r, MSG_NO_OPEN, NULL);
        return 0;
    }
    if (rc < 0)
        return rc;
    d.state = STORE_STATE_SKIPPED;
    d.closed = 1;
    d.action_at = 0;
    if ((rc = store_delivery_update(cv->st, &d)) < 0 ||
        (rc = store_leader_by_id(cv->st, l->id, &fresh)) < 0)
        return rc;
    r->settle = d.id;
    r->settle_note = MSG_SETTLED_SKIPPED;
    if (fresh.next_due_at == 0) {
        convo_reply_set(r, MSG_SKIPPED_NO_NEXT, NULL);
        return 0;
    }
    convo_when(l, fresh.next_due_at, r->arg, sizeof(r->arg));
    r->id = MSG_SKIPPED;
    r->has_id = 1;
    return 0;
}

struct convo_hist {
    struct store_row rows[CONVO_HISTORY];
    char *q[CONVO_HISTORY], *ans[CONVO_HISTORY];
    int n, next;
};

static int
convo_hist_cb(const struct store_row *row, void *arg)
{
    struct convo_hist *h = arg;
    int i = h->next;

    if (row->state != STORE_STATE_ANSWERED || row->answer == NULL)
        return 0;
    free(h->q[i]);
    free(h->ans[i]);
    h->rows[i] = *row;
    h->q[i] = xstrdup(row->question);
    h->ans[i] = xstrdup(row->answer);
    h->next = (i + 1) % CONVO_HISTORY;
    if (h->n < CONVO_HISTORY)
        h->n++;
    return 0;
}

static int
convo_cmd_history(struct convo *cv, const struct store_leader *l, int64_t now,
                  struct convo_reply *r)
{
    struct convo_hist h;
    struct buf b;
    enum lang lang = convo_lang(l);
    int rc;

    memset(&h, 0, sizeof(h));
    /* A leader reads only their own answers: the engagement is theirs. */
    rc = store_rows(cv->st, l->id, 0, convo_hist_cb, &h);
    if (rc == 0)
        rc = store_audit(cv->st, now, l->handle, "read-own-history", l->id,
                         "chat");
    if (rc < 0)
        goto out;
    if (h.n == 0) {
        convo_reply_set(r, MSG_HISTORY_EMPTY, NULL);
        goto out;
    }
    buf_init(&b, 0);
    buf_adds(&b, msg_get(MSG_HISTORY_HEAD, lang));
    for (int k = 0; k < h.n; k++) {
        int i = (h.next - h.n + k + CONVO_HISTORY) % CONVO_HISTORY;
        int64_t at =
            h.rows[i].answered_at ? h.rows[i].answered_at : h.rows[i].due_at;
        struct tm tm;
        char date[64];

        convo_local_date(l, at, &tm);
        msg_date(lang, &tm, date, sizeof(date));
        buf_printf(&b, "\n\n%s – %s\n%s", date, h.q[i], h.ans[i]);
    }
    r->text = buf_detach(&b);
out:
    for (int i = 0; i < CONVO_HISTORY; i++) {
        free(h.q[i]);
        free(h.ans[i]);
    }
    return rc;
}

static int
convo_cmd_retract(struct convo *cv, const struct store_leader *l, int64_t now,
                  struct convo_reply *r)
{
    struct store_delivery d;
    int64_t since;
    int rc;

    /* Before review: only answers given since the last session. */
    if ((rc = store_session_last(cv->st, l->id, now, &since, NULL, 0)) < 0)
        return rc;
    rc = store_delivery_latest(cv->st, l->id, 1u << STORE_STATE_ANSWERED, since,
                               &d);
    if (rc == ERR_NOTFOUND) {
        convo_reply_set(r, MSG_NOTHING_TO_RETRACT, NULL);
        return 0;
    }
    if (rc < 0)
        return rc;
    d.state = STORE_STATE_RETRACTED;
    d.closed = 1;
    d.action_at = 0;
    d.shared = 0;
    if ((rc = store_delivery_update(cv->st, &d)) < 0 ||
        (rc = store_response_retract(cv->st, d.id)) < 0 ||
        (rc = store_audit(cv->st, now, l->handle, "retract", l->id,
                          d.prompt_id)) < 0)
        return rc;
    convo_reply_set(r, MSG_RETRACTED, d.question);
    return 0;
}

static int
convo_cmd_share(struct convo *cv, const struct store_leader *l, int64_t now,
                struct convo_reply *r)
{
    struct store_delivery d;
    int rc =
        store_delivery_latest(cv->st, l->id, 1u << STORE_STATE_ANSWERED, 0, &d);

    if (rc == ERR_NOTFOUND) {
        convo_reply_set(r, MSG_NOTHING_TO_SHARE, NULL);
        return 0;
    }
    if (rc < 0)
        return rc;
    if (strcmp(d.kind, "challenge") == 0) {
        /* A challenge is shared with the group, not the manager. */
        d.agenda = 1;
        if ((rc = store_delivery_update(cv->st, &d)) < 0 ||
            (rc = store_audit(cv->st, now, l->handle, "share-with-group", l->id,
                              d.prompt_id)) < 0)
            return rc;
        convo_reply_set(r, MSG_SHARED_GROUP, NULL);
        return 0;
    }
    d.shared = 1;
    if ((rc = store_delivery_update(cv->st, &d)) < 0 ||
        (rc = store_audit(cv->st, now, l->handle, "share-with-manager", l->id,
                          d.prompt_id)) < 0)
        return rc;
    convo_reply_set(r, MSG_SHARED, d.question);
    return 0;
}

/* A scale answer's number: 1-5 at the start of the first message, or 0. */
static int
convo_score(const char *text, size_t len)
{
    size_t i = 0;

    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n'))
        i++;
    if (i < len && text[i] >= '1' && text[i] <= '5' &&
        (i + 1 == len || text[i + 1] < '0' || text[i + 1] > '9'))
        return text[i] - '0';
    return 0;
}

/* Attach an answer message to the open question, if there is one. */
static int
convo_answer(struct convo *cv, const struct store_leader *l,
             const struct adapter_event *ev, int64_t now, struct convo_reply *r,
             int *stored)
{
    struct store_delivery d;
    int rc = store_delivery_open(cv->st, l->id, &d);

    if (rc == ERR_NOTFOUND) {
        convo_reply_set(r, MSG_HELP_SHORT, NULL);
        return 0;
    }
    if (rc < 0)
        return rc;
    rc = store_response_add(cv->st, d.id, ev->event_id, ev->msg_id, ev->text,
                            ev->text_len, now);
    if (rc < 0)
        return rc;
    *stored = 1;
    cv->answers++;
    metrics.answers_stored++;
    if (d.state == STORE_STATE_SENDING ? d.answered_at == 0
                                       : d.state != STORE_STATE_ANSWERED) {
        enum lang lang = convo_lang(l);
        struct buf b;

        d.answered_at = now;
        if (strcmp(d.kind, "scale") == 0)
            d.score = convo_score(ev->text, ev->text_len);
        /*
         * Not yet confirmed by the platform: it stays SENDING, so that the
         * send goes on (and after a stop, again); the confirmation makes it
         * answered.
         */
        if (d.state != STORE_STATE_SENDING) {
            d.state = STORE_STATE_ANSWERED;
            d.action_at = now + cv->conf->answer_window;
            r->settle = d.id;
            r->settle_note = MSG_SETTLED_ANSWERED;
        }
        if ((rc = store_delivery_update(cv->st, &d)) < 0)
            return rc;
        /*
         * First message: thank, ask the follow-up if there is one (for a
         * scale, the why), and for a challenge ask leave to share it.
         */
        buf_init(&b, 0);
        buf_adds(&b, msg_get(MSG_THANKS, lang));
        if (d.followup[0] != '\0')
            buf_printf(&b, "\n\n%s", d.followup);
        if (strcmp(d.kind, "challenge") == 0)
            buf_printf(&b, "\n\n%s", msg_get(MSG_AGENDA_ASK, lang));
        r->text = buf_detach(&b);
    }
    log_info("msg=\"answer stored\" leader=%s delivery=%" PRId64 " bytes=%zu",
             l->handle, d.id, ev->text_len);
    return 0;
}

static int
convo_apply(struct convo *cv, struct store_leader *l,
            const struct adapter_event *ev, int64_t now, struct convo_reply *r,
            int *stored)
{
    struct cmd c;
    enum lang lang;

    if (ev->type == ADAPTER_EVENT_ACTION) {
        memset(&c, 0, sizeof(c));
        if (ev->action != NULL && strcmp(ev->action, "skip") == 0)
            c.kind = CMD_SKIP;
        else if (ev->action != NULL && strcmp(ev->action, "snooze") == 0)
            c.kind = CMD_SNOOZE;
        else
            return 0; /* an unknown button: nothing to do */
        /* A button on an older question (a card still shown somewhere)
         * must not act on the one open now. */
        if (ev->delivery_id > 0) {
            struct store_delivery d;
            int rc = store_delivery_open(cv->st, l->id, &d);

            if (rc < 0 && rc != ERR_NOTFOUND)
                return rc;
            if (rc == ERR_NOTFOUND || d.id != ev->delivery_id) {
                log_info("msg=\"button on a closed question\" leader=%s "
                         "delivery=%" PRId64,
                         l->handle, ev->delivery_id);
                convo_reply_set(r, MSG_BUTTON_OLD, NULL);
                return 0;
            }
        }
    } else if (ev->type == ADAPTER_EVENT_MESSAGE) {
        cmd_parse(ev->text, ev->text_len, &c);
    } else {
        /* Edits and deletions are reported by platform adapters that
         * support them; the console has neither. */
        return 0;
    }
    if (c.kind != CMD_NONE)
        log_info("msg=\"chat command\" leader=%s command=%s", l->handle,
                 cmd_name(c.kind == CMD_BAD ? c.bad : c.kind));
    switch (c.kind) {
    case CMD_NONE:
        return convo_answer(cv, l, ev, now, r, stored);
    case CMD_HELP:
        convo_reply_set(r, MSG_HELP, NULL);
        return 0;
    case CMD_SKIP:
        return convo_cmd_skip(cv, l, r);
    case CMD_SNOOZE:
        return convo_cmd_snooze(cv, l, &c, now, r);
    case CMD_PAUSE:
        return convo_cmd_pause(cv, l, &c, now, r);
    case CMD_RESUME:
        return convo_cmd_resume(cv, l, now, r);
    case CMD_HISTORY:
        return convo_cmd_history(cv, l, now, r);
    case CMD_LANGUAGE:
        if (lang_parse(c.lang, &lang) < 0)
            return ERR_INVAL;
        xstrlcpy(l->lang, c.lang, sizeof(l->lang));
        convo_reply_set(r, MSG_LANGUAGE_SET, NULL);
        return store_leader_set_lang(cv->st, l->id, c.lang);
    case CMD_RETRACT:
        return convo_cmd_retract(cv, l, now, r);
    case CMD_SHARE:
        return convo_cmd_share(cv, l, now, r);
    case CMD_BAD:
        switch (c.bad) {
        case CMD_SNOOZE:
            convo_reply_set(r, MSG_BAD_SNOOZE, NULL);
            break;
        case CMD_PAUSE:
            convo_reply_set(r, MSG_BAD_PAUSE, NULL);
            break;
        case CMD_LANGUAGE:
        default:
            convo_reply_set(r, MSG_BAD_LANGUAGE, NULL);
            break;
        }
        return 0;
    default:
        return 0;
    }
}

/* Show on the platform that a question is done (its buttons go). */
static void
convo_settle(struct convo *cv, struct adapter *a, const struct store_leader *l,
             const struct convo_reply *r)
{
    struct adapter_settle s = {0};
    struct store_delivery d;
    char *note;

    if (a->ops->settle == NULL ||
        store_delivery_get(cv->st, r->settle, &d) < 0 ||
        d.platform_msg_id[0] == '\0')
        return;
    note = convo_format(r->settle_note, convo_lang(l), r->arg);
    s.user_id = l->user_id;
    s.conversation = l->conversation;
    s.msg_id = d.platform_msg_id;
    s.text = d.question;
    s.note = note;
    a->ops->settle(a, &s);
    free(note);
}

/* What one inbound event leaves to do once its transaction committed. */
struct convo_after {
    struct store_leader l; /* who to answer, and where */
    struct convo_reply r;
    int answer; /* 1 when there is something to say */
    int stored; /* an answer message was stored */
};

/* Edits and deletions of answer messages, inside the transaction. */
static int
convo_change(struct convo *cv, struct store_leader *l,
             const struct adapter_event *ev, int64_t now)
{
    struct store_delivery d;
    int64_t did;
    int left, rc;

    if (ev->target_msg_id == NULL)
        return 0;
    if (ev->type == ADAPTER_EVENT_EDIT) {
        rc = store_response_edit(cv->st, l->id, ev->target_msg_id, ev->text,
                                 ev->text_len, now, &did);
        if (rc == ERR_NOTFOUND)
            return 0; /* not an answer of theirs: nothing to change */
        if (rc == 0)
            log_info("msg=\"answer edited\" leader=%s delivery=%" PRId64,
                     l->handle, did);
        return rc;
    }
    rc = store_response_delete(cv->st, l->id, ev->target_msg_id, &did, &left);
    if (rc == ERR_NOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    log_info("msg=\"answer message deleted\" leader=%s delivery=%" PRId64,
             l->handle, did);
    if (left > 0)
        return 0;
    /* Every message of the answer is gone: the answer is taken back. */
    if ((rc = store_delivery_get(cv->st, did, &d)) < 0)
        return rc;
    d.state = STORE_STATE_RETRACTED;
    d.closed = 1;
    d.action_at = 0;
    d.shared = 0;
    if ((rc = store_delivery_update(cv->st, &d)) < 0 ||
        (rc = store_response_retract(cv->st, did)) < 0)
        return rc;
    return store_audit(cv->st, now, l->handle, "retract", l->id,
                       "deleted on the platform");
}

/*
 * A consultant's or manager's command (/reflekt), answered through the
 * event's reply buffer.  A command delivered again is not run again.
 */
static int
convo_staff(struct convo *cv, struct adapter *a, const struct adapter_event *ev,
            int64_t now)
{
    int nudged = 0;
    int rc = store_event_mark(cv->st, ev->event_id, now);

    if (ev->reply != NULL && ev->replysz > 0)
        ev->reply[0] = '\0';
    if (rc == ERR_EXISTS)
        return 0;
    if (rc < 0)
        return rc;
    rc = staff_run(cv->st, cv->conf, cv->prompts, a->ops->name, ev->user_id,
                   ev->text != NULL ? ev->text : "", ev->text_len, now,
                   ev->reply != NULL ? ev->reply : (char[1]){0},
                   ev->reply != NULL ? ev->replysz : 1, &nudged);
    (void)nudged; /* the daemon looks at what is due after every event */
    return rc;
}

/* Run a staff command; the reply goes to the writer's conversation. */
static int
convo_staff_reply(struct convo *cv, struct adapter *a,
                  const struct adapter_event *ev, const char *text, size_t len,
                  int64_t now, struct convo_after *out)
{
    char reply[2048];
    int nudged = 0;
    int rc = staff_run(cv->st, cv->conf, cv->prompts, a->ops->name, ev->user_id,
                       text, len, now, reply, sizeof(reply), &nudged);

    if (rc == 0 && reply[0] != '\0') {
        out->r.text = xstrdup(reply);
        out->answer = 1;
    }
    return rc;
}

/*
 * A consultant or manager writing to reflekt directly ("console", "status
 * anna"): the same commands as /reflekt, answered in their conversation.
 */
static int
convo_staff_message(struct convo *cv, struct adapter *a,
                    const struct adapter_event *ev, int64_t now,
                    struct convo_after *out)
{
    int rc = store_event_mark(cv->st, ev->event_id, now);

    if (rc == ERR_EXISTS)
        return 0;
    if (rc < 0)
        return rc;
    return convo_staff_reply(cv, a, ev, ev->text != NULL ? ev->text : "",
                             ev->text_len, now, out);
}

/*
 * "reflekt ..." or "/reflekt ..." from a leader who is also a consultant
 * or manager on this account: the rest (*rest, *restlen) is a staff
 * command.  Returns: 1, 0 when the message is the leader's own, or < 0.
 */
static int
convo_staff_in_dm(struct convo *cv, struct adapter *a,
                  const struct adapter_event *ev, const char **rest,
                  size_t *restlen)
{
    struct store_person p;
    char name[STORE_NAME_MAX];
    const char *t = ev->text;
    size_t i = 0, n = ev->text_len;
    int rc;

    if (ev->type != ADAPTER_EVENT_MESSAGE || t == NULL)
        return 0;
    while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n'))
        i++;
    if (i < n && t[i] == '/')
        i++;
    if (n - i < 7 || strncasecmp(t + i, "reflekt", 7) != 0 ||
        (n - i > 7 && t[i + 7] != ' ' && t[i + 7] != '\t' && t[i + 7] != '\n'))
        return 0;
    rc = store_person_by_identity(cv->st, a->ops->name, ev->user_id, name,
                                  sizeof(name));
    if (rc == 0)
        rc = store_person_get(cv->st, name, &p);
    if (rc == ERR_NOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    if (!(p.roles & (STORE_ROLE_CONSULTANT | STORE_ROLE_MANAGER)))
        return 0;
    *rest = t + i + 7;
    *restlen = n - i - 7;
    return 1;
}

/* One event inside the batch's transaction. */
static int
convo_event(struct convo *cv, struct adapter *a, const struct adapter_event *ev,
            int64_t now, struct convo_after *out)
{
    struct store_leader *l = &out->l;
    const char *rest;
    size_t restlen;
    int rc;

    if (ev->type == ADAPTER_EVENT_COMMAND)
        return convo_staff(cv, a, ev, now);
    rc = store_leader_by_identity(cv->st, a->ops->name, ev->user_id, l);
    if (rc == ERR_NOTFOUND) {
        enum lang lang = LANG_NB;

        /* Nothing of theirs is stored; they get one short explanation. */
        log_info("adapter=%s msg=\"message from someone not enrolled\"",
                 a->ops->name);
        memset(l, 0, sizeof(*l));
        lang_parse(cv->conf->language, &lang);
        xstrlcpy(l->lang, lang_code(lang), sizeof(l->lang));
        xstrlcpy(l->user_id, ev->user_id, sizeof(l->user_id));
        xstrlcpy(l->handle, "(unknown)", sizeof(l->handle));
        if (ev->conversation != NULL)
            xstrlcpy(l->conversation, ev->conversation,
                     sizeof(l->conversation));
        if (ev->type != ADAPTER_EVENT_MESSAGE)
            return 0;
        if (store_person_by_identity(cv->st, a->ops->name, ev->user_id,
                                     (char[STORE_NAME_MAX]){0},
                                     STORE_NAME_MAX) == 0)
            return convo_staff_message(cv, a, ev, now, out);
        convo_reply_set(&out->r, MSG_UNKNOWN_USER, NULL);
        out->answer = 1;
        return 0;
    }
    if (rc < 0)
        return rc;
    rc = store_event_mark(cv->st, ev->event_id, now);
    if (rc == ERR_EXISTS) {
        /* Delivered again after a crash or a platform retry: done before. */
        log_info("adapter=%s msg=\"duplicate event ignored\" leader=%s",
                 a->ops->name, l->handle);
        return 0;
    }
    if (rc < 0)
        return rc;
    /* Only the leader's direct conversation with reflekt counts. */
    if (ev->conversation != NULL && l->conversation[0] != '\0' &&
        strcmp(ev->conversation, l->conversation) != 0) {
        log_info("adapter=%s msg=\"message outside the direct conversation "
                 "ignored\" leader=%s",
                 a->ops->name, l->handle);
        return 0;
    }
    if (ev->conversation != NULL)
        xstrlcpy(l->conversation, ev->conversation, sizeof(l->conversation));
    if (ev->type == ADAPTER_EVENT_EDIT || ev->type == ADAPTER_EVENT_DELETE)
        return convo_change(cv, l, ev, now);
    if ((rc = convo_staff_in_dm(cv, a, ev, &rest, &restlen)) != 0)
        return rc < 0 ? rc
                      : convo_staff_reply(cv, a, ev, rest, restlen, now, out);
    rc = convo_apply(cv, l, ev, now, &out->r, &out->stored);
    out->answer = out->r.text != NULL || out->r.has_id;
    return rc;
}

int
convo_on_events(struct convo *cv, struct adapter *a,
                const struct adapter_event *evs, size_t n,
                const char *cursor_key, const char *cursor_value, int64_t now)
{
    struct convo_after *outs = xcalloc(n ? n : 1, sizeof(*outs));
    int stored = 0, rc;

    if ((rc = store_begin(cv->st)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if ((rc = store_savepoint(cv->st)) < 0)
            goto fail;
        rc = convo_event(cv, a, &evs[i], now, &outs[i]);
        if (rc == ERR_DB || rc == ERR_NOMEM) {
            store_rollback_to(cv->st);
            goto fail; /* the whole batch comes again */
        }
        if (rc < 0) {
            /* This event cannot be taken (bad input): skip it alone. */
            store_rollback_to(cv->st);
            log_warn("adapter=%s msg=\"event skipped\" error=%s", a->ops->name,
                     err_name(rc));
            free(outs[i].r.text);
            memset(&outs[i], 0, sizeof(outs[i]));
            continue;
        }
        if ((rc = store_release(cv->st)) < 0)
            goto fail;
        stored += outs[i].stored;
    }
    if (stored > 0 && cv->fault_before_commit > 0 &&
        (cv->fault_before_commit -= stored) <= 0) {
        log_warn("msg=\"REFLEKT_FAULT: crashing before commit\"");
        raise(SIGKILL);
    }
    /* The platform's cursor moves in the same commit as its events. */
    if (cursor_key != NULL &&
        (rc = store_cursor_set(cv->st, a->ops->name, cursor_key,
                               cursor_value)) < 0)
        goto fail;
    if ((rc = store_commit(cv->st)) < 0)
        goto fail;
    if (stored > 0 && cv->fault_after_commit > 0 &&
        (cv->fault_after_commit -= stored) <= 0) {
        /* Fault injection for tests: die between commit and ack. */
        log_warn("msg=\"REFLEKT_FAULT: crashing after commit\"");
        raise(SIGKILL);
    }
    for (size_t i = 0; i < n; i++) {
        struct convo_after *o = &outs[i];

        if (o->r.settle > 0)
            convo_settle(cv, a, &o->l, &o->r);
        if (!o->answer)
            continue;
        if (o->r.text != NULL)
            convo_say(cv, a, &o->l, o->r.text);
        else
            convo_sayf(cv, a, &o->l, o->r.id, o->r.arg);
    }
    rc = 0;
    goto out;
fail:
    store_rollback(cv->st);
    cv->errors++;
    log_error("adapter=%s msg=\"cannot store events\" count=%zu error=%s",
              a->ops->name, n, err_name(rc));
out:
    for (size_t i = 0; i < n; i++)
        free(outs[i].r.text);
    free(outs);
    return rc;
}

int
convo_on_event(struct convo *cv, struct adapter *a,
               const struct adapter_event *ev, int64_t now)
{
    return convo_on_events(cv, a, ev, 1, NULL, NULL, now);
}
