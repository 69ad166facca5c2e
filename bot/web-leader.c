/*
 * web-leader.c - the console's pages about leaders: my leaders; a leader's
 * timeline, digest, sessions with private notes, own questions and themes
 * for a consultant; cadence, quiet hours, pauses and participation for a
 * manager.
 *
 * Access follows DESIGN.md's role table, checked on every request: a
 * consultant sees the answers of their own leaders; a manager sees
 * participation and only the answers a leader shared; anyone else sees
 * nothing of a leader, not even whether the handle exists.  Each page that
 * shows answer text writes an audit row first.
 */
#include "web-int.h"

#include "clock.h"
#include "convo.h"
#include "err.h"
#include "html.h"
#include "http.h"
#include "ics.h"
#include "log.h"
#include "prompt.h"
#include "sched.h"
#include "xmalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WEB_WEEK (7 * 24 * 3600)
#define WEB_PREVIEW 5

struct web_leader {
    struct web_ctx *c;
    struct store_leader l;
    unsigned role;
};

/* ---- a leader's rows, copied so other statements may run ------------- */

struct web_row {
    int64_t id, due_at, sent_at, answered_at, recall_of;
    enum store_state state;
    int shared, score;
    char *prompt_id, *question, *kind, *answer;
};

struct web_rows {
    struct web_row *v;
    size_t n, size;
    int only_shared;
};

static int
web_rows_cb(const struct store_row *r, void *arg)
{
    struct web_rows *rs = arg;
    struct web_row *w;

    if (rs->only_shared && !r->shared)
        return 0;
    if (rs->n == rs->size) {
        rs->size = rs->size ? rs->size * 2 : 16;
        rs->v = xrealloc(rs->v, rs->size * sizeof(*rs->v));
    }
    w = &rs->v[rs->n++];
    w->id = r->delivery_id;
    w->due_at = r->due_at;
    w->sent_at = r->sent_at;
    w->answered_at = r->answered_at;
    w->recall_of = r->recall_of;
    w->state = r->state;
    w->shared = r->shared;
    w->score = r->score;
    w->prompt_id = xstrdup(r->prompt_id != NULL ? r->prompt_id : "");
    w->question = xstrdup(r->question != NULL ? r->question : "");
    w->kind = xstrdup(r->kind != NULL ? r->kind : "open");
    w->answer = r->answer != NULL ? xstrdup(r->answer) : NULL;
    return 0;
}

static void
web_rows_release(struct web_rows *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->v[i].prompt_id);
        free(rs->v[i].question);
        free(rs->v[i].kind);
        free(rs->v[i].answer);
    }
    free(rs->v);
    memset(rs, 0, sizeof(*rs));
}

static const struct web_row *
web_rows_find(const struct web_rows *rs, int64_t id)
{
    for (size_t i = 0; i < rs->n; i++) {
        if (rs->v[i].id == id)
            return &rs->v[i];
    }
    return NULL;
}

static const struct web_row *
web_rows_recall(const struct web_rows *rs, int64_t commitment)
{
    for (size_t i = 0; i < rs->n; i++) {
        if (rs->v[i].recall_of == commitment)
            return &rs->v[i];
    }
    return NULL;
}

/* ---- bits of pages ---------------------------------------------------- */

static const char *
web_state_text(struct web_ctx *c, enum store_state s)
{
    switch (s) {
    case STORE_STATE_PENDING:
    case STORE_STATE_SENDING:
        return T(c, "planned");
    case STORE_STATE_SENT:
        return T(c, "waiting for an answer");
    case STORE_STATE_ANSWERED:
        return T(c, "answered");
    case STORE_STATE_SKIPPED:
        return T(c, "skipped");
    case STORE_STATE_SNOOZED:
        return T(c, "snoozed");
    case STORE_STATE_MISSED:
        return T(c, "missed");
    case STORE_STATE_RETRACTED:
        return T(c, "taken back");
    default:
        return "";
    }
}

static const char *
web_kind_text(struct web_ctx *c, const char *kind)
{
    if (strcmp(kind, "commitment") == 0)
        return T(c, "commitment");
    if (strcmp(kind, "recall") == 0)
        return T(c, "follow-up");
    if (strcmp(kind, "scale") == 0)
        return T(c, "scale");
    if (strcmp(kind, "pre-session") == 0)
        return T(c, "before the session");
    if (strcmp(kind, "post-session") == 0)
        return T(c, "after the session");
    if (strcmp(kind, "challenge") == 0)
        return T(c, "challenge");
    return T(c, "reflection");
}

static const char *
web_theme_title(struct web_ctx *c, const char *id)
{
    const struct prompt_theme *t = prompt_theme_find(c->w->ps, id);

    if (t == NULL)
        return id;
    return t->title[c->lang] != NULL ? t->title[c->lang] : t->id;
}

/* "Goals and expectations, Small steps" from "goals-and-expectations,...". */
static void
web_themes_text(struct web_ctx *c, const char *themes)
{
    char one[STORE_NAME_MAX];
    int first = 1;

    while (themes != NULL && *themes != '\0') {
        size_t n = strcspn(themes, ",");

        if (n > 0 && n < sizeof(one)) {
            memcpy(one, themes, n);
            one[n] = '\0';
            if (!first)
                buf_adds(&c->out, ", ");
            html_text(&c->out, web_theme_title(c, one));
            first = 0;
        }
        themes += n + (themes[n] == ',');
    }
    if (first)
        buf_printf(&c->out, "<span class=\"meta\">%s</span>",
                   T(c, "no theme set"));
}

static void
web_leader_link(struct buf *b, const char *handle, const char *tab)
{
    buf_adds(b, "/console/leader/");
    html_url(b, handle);
    if (tab != NULL && tab[0] != '\0') {
        buf_adds(b, "/");
        buf_adds(b, tab);
    }
}

static void
web_leader_head(struct web_leader *lp, const char *tab)
{
    struct web_ctx *c = lp->c;
    struct buf *b = &c->out;
    static const struct {
        const char *tab, *label;
        unsigned role;
    } tabs[] = {
        {"", "Timeline", STORE_ROLE_CONSULTANT},
        {"digest", "Digest", STORE_ROLE_CONSULTANT},
        {"sessions", "Sessions and notes", STORE_ROLE_CONSULTANT},
        {"questions", "Themes and questions", STORE_ROLE_CONSULTANT},
        {"participation", "Participation", STORE_ROLE_MANAGER},
        {"settings", "Cadence and pauses", STORE_ROLE_MANAGER},
    };

    web_page_begin(c, lp->l.handle);
    buf_adds(b, "<p class=\"meta\">");
    buf_printf(b, "%s ", T(c, "Consultant:"));
    html_text(b, lp->l.consultant);
    buf_printf(b, " · %s ", T(c, "Manager:"));
    html_text(b, lp->l.manager);
    buf_printf(b, " · %s ", T(c, "Time zone:"));
    html_text(b, lp->l.tz);
    if (lp->l.paused)
        buf_printf(b, " · <strong>%s</strong>", T(c, "paused"));
    buf_adds(b, "</p><ul class=\"tabs\">");
    for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
        if (!(lp->role & tabs[i].role))
            continue;
        buf_adds(b, "<li><a href=\"");
        web_leader_link(b, lp->l.handle, tabs[i].tab);
        buf_printf(b, "\"%s>%s</a></li>",
                   strcmp(tab, tabs[i].tab) == 0 ? " aria-current=\"page\""
                                                 : "",
                   T(c, tabs[i].label));
    }
    buf_adds(b, "</ul>");
}

static void
web_saved_note(struct web_ctx *c)
{
    const char *saved = listen_req_query(c->req, "saved");

    if (saved != NULL)
        buf_printf(&c->out, "<p class=\"msg\" role=\"status\">%s</p>",
                   T(c, "Saved."));
}

static void
web_error_note(struct web_ctx *c, const char *why)
{
    buf_adds(&c->out, "<p class=\"msg err\" role=\"alert\">");
    html_text(&c->out, why);
    buf_adds(&c->out, "</p>");
}

/* 303 back to one of the leader's pages, saying it was saved. */
static void
web_back(struct web_leader *lp, const char *tab)
{
    struct buf b;

    buf_init(&b, 0);
    web_leader_link(&b, lp->l.handle, tab);
    buf_adds(&b, "?saved=1");
    web_redirect(lp->c, b.data);
    buf_release(&b);
}

/* ---- my leaders ------------------------------------------------------- */

static int
web_leaders_row(const struct store_leader *l, void *arg)
{
    struct web_ctx *c = arg;
    struct buf *b = &c->out;
    struct store_delivery d;
    struct store_tally t;
    unsigned role = web_role_for(c, l);
    int64_t next_at = 0;
    char when[96];
    int rc;

    if (role == 0 && !(c->me.roles & STORE_ROLE_ADMIN))
        return 0;
    if ((rc = store_session_next(c->w->st, l->id, c->now, &next_at, NULL, 0)) <
            0 ||
        (rc = store_delivery_tally(c->w->st, l->id, c->now - 8 * WEB_WEEK,
                                   c->now + 1, &t)) < 0)
        return rc;
    rc = store_delivery_latest(c->w->st, l->id, 1u << STORE_STATE_ANSWERED, 0,
                               &d);
    if (rc < 0 && rc != ERR_NOTFOUND)
        return rc;
    buf_adds(b, "<tr><td>");
    if (role != 0) {
        buf_adds(b, "<a href=\"");
        web_leader_link(b, l->handle,
                        role & STORE_ROLE_CONSULTANT ? "" : "participation");
        buf_adds(b, "\">");
        html_text(b, l->handle);
        buf_adds(b, "</a>");
    } else {
        html_text(b, l->handle);
    }
    buf_adds(b, "</td><td class=\"opt\">");
    if (role & STORE_ROLE_CONSULTANT)
        buf_adds(b, T(c, "consultant"));
    if (role == (STORE_ROLE_CONSULTANT | STORE_ROLE_MANAGER))
        buf_adds(b, ", ");
    if (role & STORE_ROLE_MANAGER)
        buf_adds(b, T(c, "manager"));
    buf_adds(b, "</td><td>");
    if (next_at > 0) {
        web_when(c, l, next_at, when, sizeof(when));
        html_text(b, when);
    } else {
        buf_adds(b, "–");
    }
    buf_adds(b, "</td><td class=\"opt\">");
    if (rc == 0 && d.answered_at > 0) {
        web_date(l->tz, d.answered_at, when, sizeof(when));
        html_text(b, when);
    } else {
        buf_adds(b, "–");
    }
    buf_printf(b, "</td><td>%d / %d", t.answered, t.sent);
    if (t.skipped > 0)
        buf_printf(b, " <span class=\"meta\">(%d %s)</span>", t.skipped,
                   T(c, "skipped"));
    if (l->paused)
        buf_printf(b, " <span class=\"tag\">%s</span>", T(c, "paused"));
    buf_adds(b, "</td></tr>");
    return 0;
}

void
web_leaders_page(struct web_ctx *c)
{
    struct buf *b = &c->out;
    int rc;

    web_page_begin(c, T(c, "My leaders"));
    buf_printf(b,
               "<table id=\"leaders\"><thead><tr><th>%s</th>"
               "<th class=\"opt\">%s</th><th>%s</th><th class=\"opt\">%s</th>"
               "<th>%s</th></tr></thead><tbody>",
               T(c, "Leader"), T(c, "You are"), T(c, "Next session"),
               T(c, "Last answer"), T(c, "Answered / asked, 8 weeks"));
    if (c->me.roles & STORE_ROLE_ADMIN)
        rc = store_leader_each(c->w->st, web_leaders_row, c);
    else
        rc = store_leader_each_of(c->w->st, c->me.name, web_leaders_row, c);
    if (rc < 0) {
        web_refuse(c, 500,
                   T(c, "reflekt cannot read its database just now. "
                        "Please try again in a moment."));
        return;
    }
    buf_adds(b, "</tbody></table>");
    if (!(c->me.roles & (STORE_ROLE_CONSULTANT | STORE_ROLE_MANAGER)))
        buf_printf(b, "<p class=\"meta\">%s</p>",
                   T(c, "You are an administrator: you see who takes part, "
                        "never what anyone wrote."));
    web_page_end(c);
    web_send(c, 200);
}

/* ---- a consultant's timeline and digest ------------------------------- */

struct web_edits {
    struct web_ctx *c;
    const struct store_leader *l;
    int n;
};

static int
web_edit_cb(int64_t replaced_at, const char *body, void *arg)
{
    struct web_edits *e = arg;
    struct buf *b = &e->c->out;
    char when[96];

    if (body == NULL)
        return 0; /* taken back: its history went with it */
    web_when(e->c, e->l, replaced_at, when, sizeof(when));
    buf_printf(b, "<blockquote class=\"old\"><span class=\"meta\">%s ",
               T(e->c, "Earlier wording, changed"));
    html_text(b, when);
    buf_adds(b, ":</span><br>");
    html_lines(b, body);
    buf_adds(b, "</blockquote>");
    e->n++;
    return 0;
}

static void
web_row_item(struct web_leader *lp, const struct web_rows *rs,
             const struct web_row *r, int history)
{
    struct web_ctx *c = lp->c;
    struct buf *b = &c->out;
    char when[96];

    web_when(c, &lp->l, r->sent_at ? r->sent_at : r->due_at, when,
             sizeof(when));
    buf_printf(b, "<article class=\"item\" id=\"d%" PRId64 "\">", r->id);
    buf_adds(b, "<div class=\"meta\">");
    html_text(b, when);
    buf_printf(b, "<span class=\"tag\">%s</span>", web_kind_text(c, r->kind));
    buf_printf(b, "<span class=\"tag %s\">%s</span></div>",
               store_state_name(r->state), web_state_text(c, r->state));
    buf_adds(b, "<p class=\"q\">");
    html_lines(b, r->question);
    buf_adds(b, "</p>");
    if (r->recall_of > 0) {
        const struct web_row *orig = web_rows_find(rs, r->recall_of);

        if (orig != NULL && orig->answer != NULL) {
            buf_printf(b, "<p class=\"meta\">%s</p><blockquote class=\"old\">",
                       T(c, "Following up what they set out to do:"));
            html_lines(b, orig->answer);
            buf_adds(b, "</blockquote>");
        }
    }
    if (r->score > 0)
        buf_printf(b, "<p>%s <strong>%d</strong> / 5</p>", T(c, "Score:"),
                   r->score);
    if (r->answer != NULL) {
        buf_adds(b, "<blockquote>");
        html_lines(b, r->answer);
        buf_adds(b, "</blockquote>");
        if (history) {
            struct web_edits e = {c, &lp->l, 0};

            store_edits(c->w->st, r->id, web_edit_cb, &e);
        }
        if (r->shared)
            buf_printf(b, "<p class=\"meta\">%s</p>",
                       T(c, "Shared with the manager."));
    } else if (r->state == STORE_STATE_RETRACTED) {
        buf_printf(b, "<p class=\"meta\">%s</p>",
                   T(c, "The leader took this answer back."));
    }
    if (strcmp(r->kind, "commitment") == 0 && r->answer != NULL) {
        const struct web_row *f = web_rows_recall(rs, r->id);

        if (f != NULL) {
            web_when(c, &lp->l, f->sent_at ? f->sent_at : f->due_at, when,
                     sizeof(when));
            buf_printf(b, "<p class=\"meta\"><a href=\"#d%" PRId64 "\">%s ",
                       f->id, T(c, "Followed up"));
            html_text(b, when);
            buf_adds(b, "</a></p>");
        } else {
            buf_printf(b, "<p class=\"meta\">%s</p>",
                       T(c, "Not followed up yet."));
        }
    }
    buf_adds(b, "</article>");
}

/* Load the rows since the last session (or all), audited. */
static int
web_rows_load(struct web_leader *lp, const char *action, int all,
              int only_shared, struct web_rows *rs, int64_t *since)
{
    struct web_ctx *c = lp->c;
    int rc;

    memset(rs, 0, sizeof(*rs));
    rs->only_shared = only_shared;
    *since = 0;
    if (!all && (rc = store_session_last(c->w->st, lp->l.id, c->now, since,
                                         NULL, 0)) < 0)
        return rc;
    /* The audit row is written before any answer is shown. */
    if ((rc = web_audit(c, action, lp->l.id, all ? "all" : NULL)) < 0)
        return rc;
    return store_rows(c->w->st, lp->l.id, *since, web_rows_cb, rs);
}

static void
web_period(struct web_leader *lp, int64_t since)
{
    struct web_ctx *c = lp->c;
    struct buf *b = &c->out;
    int64_t next_at = 0;
    char when[96], theme[STORE_RULE_MAX];

    buf_adds(b, "<p>");
    if (since > 0) {
        web_when(c, &lp->l, since, when, sizeof(when));
        buf_printf(b, "%s ", T(c, "Since the session"));
        html_text(b, when);
        buf_adds(b, ".");
    } else {
        buf_adds(b, T(c, "Everything so far."));
    }
    if (store_session_next(c->w->st, lp->l.id, c->now, &next_at, theme,
                           sizeof(theme)) == 0 &&
        next_at > 0) {
        web_when(c, &lp->l, next_at, when, sizeof(when));
        buf_printf(b, " %s ", T(c, "Next session:"));
        html_text(b, when);
        buf_adds(b, " (");
        web_themes_text(c, theme);
        buf_adds(b, ").");
    }
    buf_adds(b, "</p>");
}

static void
web_timeline(struct web_leader *lp)
{
    struct web_ctx *c = lp->c;
    struct buf *b = &c->out;
    struct web_rows rs;
    int64_t since;
    int all = listen_req_query(c->req, "all") != NULL;

    if (store_begin(c->w->st) < 0 ||
        web_rows_load(lp, "web-timeline", all, 0, &rs, &since) < 0 ||
        store_commit(c->w->st) < 0) {
        store_rollback(c->w->st);
        web_rows_release(&rs);
        web_refuse(c, 500,
                   T(c, "reflekt cannot read its database just now. "
                        "Please try again in a moment."));
        return;
    }
    web_leader_head(lp, "");
    web_period(lp, since);
    if (!all && since > 0) {
        buf_adds(b, "<p class=\"noprint\"><a href=\"");
        web_leader_link(b, lp->l.handle, "");
        buf_printf(b, "?all=1\">%s</a></p>", T(c, "Show everything"));
    }
    if (rs.n == 0)
        buf_printf(b, "<p>%s</p>", T(c, "No questions in this period yet."));
    for (size_t i = rs.n; i-- > 0;)
        web_row_item(lp, &rs, &rs.v[i], 1);
    web_rows_release(&rs);
    web_page_end(c);
    web_send(c, 200);
}

static void
web_digest(struct web_leader *lp)
{
    struct web_ctx *c = lp->c;
    struct buf *b = &c->out;
    struct web_rows rs;
    int64_t since;
    int answered = 0, skipped = 0, missed = 0, open = 0, commitments = 0;

    if (store_begin(c->w->st) < 0 ||
        web_rows_load(lp, "web-digest", 0, 0, &rs, &since) < 0 ||
        store_commit(c->w->st) < 0) {
        store_rollback(c->w->st);
        web_rows_release(&rs);
        web_refuse(c, 500,
                   T(c, "reflekt cannot read its database just now. "
                        "Please try again in a moment."));
        return;
    }
    for (size_t i = 0; i < rs.n; i++) {
        answered += rs.v[i].state == STORE_STATE_ANSWERED;
        skipped += rs.v[i].state == STORE_STATE_SKIPPED;
        missed += rs.v[i].state == STORE_STATE_MISSED;
        open += rs.v[i].state == STORE_STATE_SENT;
        commitments +=
            strcmp(rs.v[i].kind, "commitment") == 0 && rs.v[i].answer != NULL;
    }
    web_leader_head(lp, "digest");
    web_period(lp, since);
    buf_printf(b,
               "<p id=\"summary\"><strong>%d</strong> %s · "
               "<strong>%d</strong> %s · <strong>%d</strong> %s · "
               "<strong>%d</strong> %s</p>",
               answered, T(c, "answered"), skipped, T(c, "skipped"), missed,
               T(c, "missed"), open, T(c, "waiting for an answer"));
    buf_printf(b, "<p class=\"meta noprint\">%s</p>",
               T(c, "To print this digest or keep it as a PDF, use your "
                    "browser's Print command."));
    if (commitments > 0) {
        buf_printf(b, "<h2>%s</h2>", T(c, "Commitments and how they went"));
        for (size_t i = 0; i < rs.n; i++) {
            const struct web_row *r = &rs.v[i];
            const struct web_row *f;

            if (strcmp(r->kind, "commitment") != 0 || r->answer == NULL)
                continue;
            buf_adds(b, "<article class=\"item\"><p class=\"q\">");
            html_lines(b, r->question);
            buf_adds(b, "</p><blockquote>");
            html_lines(b, r->answer);
            buf_adds(b, "</blockquote>");
            f = web_rows_recall(&rs, r->id);
            if (f != NULL && f->answer != NULL) {
                buf_printf(b, "<p class=\"meta\">%s</p><blockquote>",
                           T(c, "How it went:"));
                html_lines(b, f->answer);
                buf_adds(b, "</blockquote>");
            } else {
                buf_printf(b, "<p class=\"meta\">%s</p>",
                           f != NULL ? web_state_text(c, f->state)
                                     : T(c, "Not followed up yet."));
            }
            buf_adds(b, "</article>");
        }
    }
    buf_printf(b, "<h2>%s</h2>", T(c, "Reflections"));
    if (answered == 0)
        buf_printf(b, "<p>%s</p>", T(c, "No answers in this period yet."));
    for (size_t i = 0; i < rs.n; i++) {
        const struct web_row *r = &rs.v[i];

        if (r->answer == NULL && r->score == 0)
            continue;
        if (strcmp(r->kind, "commitment") == 0 || r->recall_of > 0)
            continue;
        web_row_item(lp, &rs, r, 0);
    }
    if (skipped + missed > 0) {
        buf_printf(b, "<h2>%s</h2><ul>", T(c, "Skipped and missed"));
        for (size_t i = 0; i < rs.n; i++) {
            const struct web_row *r = &rs.v[i];

            if (r->state != STORE_STATE_SKIPPED &&
                r->state != STORE_STATE_MISSED)
                continue;
            buf_adds(b, "<li>");
            html_text(b, r->question);
            buf_printf(b, " <span class=\"tag %s\">%s</span></li>",
                       store_state_name(r->state), web_state_text(c, r->state));
        }
        buf_adds(b, "</ul>");
    }
    web_rows_release(&rs);
    web_page_end(c);
    web_send(c, 200);
}

/* ---- sessions and notes ------------------------------------------------ */

static void
web_theme_boxes(struct web_ctx *c, const char *name, const char *chosen)
{
    struct buf *b = &c->out;

    buf_adds(b, "<div class=\"days\">");
    for (size_t i = 0; i < c->w->ps->nthemes; i++) {
        const struct prompt_theme *t = &c->w->ps->themes[i];
        size_t n = strlen(t->id);
        const char *hit = chosen != NULL ? strstr(chosen, t->id) : NULL;
        int on = hit != NULL && (hit == chosen || hit[-1] == ',') &&
                 (hit[n] == '\0' || hit[n] == ',');

        buf_printf(b, "<label><input type=\"checkbox\" name=\"%s:", name);
        html_text(b, t->id);
        buf_printf(b, "\" value=\"1\"%s> ", on ? " checked" : "");
        html_text(b, web_theme_title(c, t->id));
        buf_adds(b, "</label>");
    }
    buf_adds(b, "</div>");
}

struct web_sessions {
    struct web_leader *lp;
    int n;
};

static int
web_session_item(const struct store_session *s, void *arg)
{
    struct web_sessions *ws = arg;
    struct web_leader *lp = ws->lp;
    struct web_ctx *c = lp->c;
    struct buf *b = &c->out;
    char when[96], note[4096], action[160];
    int64_t updated = 0;

    ws->n++;
    web_when(c, &lp->l, s->at, when, sizeof(when));
    buf_printf(b, "<article class=\"item\" id=\"s%" PRId64 "\"><p class=\"q\">",
               s->id);
    html_text(b, when);
    if (s->meeting_id > 0)
        buf_printf(b, " <span class=\"tag\">%s</span>",
                   T(c, "network group meeting"));
    if (s->uid[0] != '\0')
        buf_printf(b, " <span class=\"tag\">%s</span>",
                   T(c, "from the calendar"));
    buf_adds(b, "</p><p class=\"meta\">");
    buf_printf(b, "%s ", T(c, "Themes:"));
    web_themes_text(c, s->theme);
    buf_adds(b, "</p>");
    snprintf(action, sizeof(action), "sessions");
    buf_adds(b, "<details><summary>");
    buf_adds(b, T(c, "Private note"));
    store_note_get(c->w->st, s->id, note, sizeof(note), &updated);
    if (note[0] != '\0')
        buf_printf(b, " ✎");
    buf_adds(b, "</summary>");
    {
        struct buf url;

        buf_init(&url, 0);
        web_leader_link(&url, lp->l.handle, action);
        web_form_begin(c, url.data, 0);
        buf_release(&url);
    }
    buf_printf(b,
               "<input type=\"hidden\" name=\"do\" value=\"note\">"
               "<input type=\"hidden\" name=\"session\" value=\"%" PRId64
               "\"><textarea name=\"note\" aria-label=\"%s\">",
               s->id, T(c, "Private note"));
    html_text(b, note);
    buf_printf(b, "</textarea><button>%s</button></form></details>",
               T(c, "Save note"));
    if (s->at > c->now && s->meeting_id == 0) {
        struct buf url;

        buf_init(&url, 0);
        web_leader_link(&url, lp->l.handle, "sessions");
        buf_printf(b, "<details class=\"noprint\"><summary>%s</summary>",
                   T(c, "Themes for the weeks before it"));
        web_form_begin(c, url.data, 0);
        buf_printf(b,
                   "<input type=\"hidden\" name=\"do\" value=\"themes\">"
                   "<input type=\"hidden\" name=\"session\" value=\"%" PRId64
                   "\">",
                   s->id);
        web_theme_boxes(c, "theme", s->theme);
        buf_printf(b, "<button>%s</button></form></details>",
                   T(c, "Save themes"));
        web_form_begin(c, url.data, 0);
        buf_printf(b,
                   "<input type=\"hidden\" name=\"do\" value=\"remove\">"
                   "<input type=\"hidden\" name=\"session\" value=\"%" PRId64
                   "\"><button class=\"plain\">%s</button></form>",
                   s->id, T(c, "Remove this session"));
        buf_release(&url);
    }
    buf_adds(b, "</article>");
    return 0;
}

static void
web_sessions_page(struct web_leader *lp, const char *error, int status)
{
    struct web_ctx *c = lp->c;
    struct buf *b = &c->out;
    struct web_sessions ws = {lp, 0};
    struct buf url;
    char ics[STORE_ID_MAX];

    buf_reset(b);
    buf_init(&url, 0);
    web_leader_link(&url, lp->l.handle, "sessions");
    web_leader_head(lp, "sessions");
    web_saved_note(c);
    if (error != NULL)
        web_error_note(c, error);
    buf_printf(b, "<h2>%s</h2>", T(c, "Sessions"));
    if (store_session_each(c->w->st, lp->l.id, c->now - 90 * 24 * 3600,
                           web_session_item, &ws) < 0)
        web_error_note(c, T(c, "reflekt cannot read its database just now. "
                               "Please try again in a moment."));
    if (ws.n == 0)
        buf_printf(b, "<p>%s</p>", T(c, "No sessions planned yet."));
    buf_printf(b, "<h2>%s</h2>", T(c, "Add a session"));
    web_form_begin(c, url.data, 0);
    buf_printf(b,
               "<input type=\"hidden\" name=\"do\" value=\"add\">"
               "<div class=\"row\"><div><label for=\"date\">%s</label>"
               "<input id=\"date\" name=\"date\" type=\"date\" required></div>"
               "<div><label for=\"time\">%s</label>"
               "<input id=\"time\" name=\"time\" type=\"time\" required></div>"
               "</div><label>%s</label>",
               T(c, "Date"), T(c, "Time"),
               T(c, "Themes for the weeks before it"));
    web_theme_boxes(c, "theme", NULL);
    buf_printf(b, "<p class=\"meta\">%s ", T(c, "In the leader's time zone:"));
    html_text(b, lp->l.tz);
    buf_printf(b, "</p><button>%s</button></form>", T(c, "Add session"));
    buf_printf(b, "<h2>%s</h2><p>%s</p>", T(c, "Import from a calendar"),
               T(c, "Sessions in an iCalendar file (.ics) or at a calendar "
                    "address come in as sessions; importing again moves "
                    "or removes the ones that changed."));
    web_form_begin(c, url.data, 1);
    store_leader_ics(c->w->st, lp->l.id, ics, sizeof(ics));
    buf_printf(b,
               "<input type=\"hidden\" name=\"do\" value=\"import\">"
               "<label for=\"ics\">%s</label>"
               "<input id=\"ics\" name=\"ics\" type=\"file\" "
               "accept=\".ics,text/calendar\">"
               "<label for=\"url\">%s</label>"
               "<input id=\"url\" name=\"url\" type=\"url\" size=\"50\" "
               "placeholder=\"https://\" value=\"",
               T(c, "iCalendar file"), T(c, "or its address"));
    html_text(b, ics);
    buf_printf(b,
               "\"><label for=\"match\">%s</label>"
               "<input id=\"match\" name=\"match\" value=\"",
               T(c, "Only events whose title contains (empty: all)"));
    html_text(b, lp->l.handle);
    buf_printf(b, "\"> <button>%s</button></form>", T(c, "Import"));
    buf_release(&url);
    web_page_end(c);
    web_send(c, (unsigned)status);
}

/* Parse the form's comma-separated themes (checkboxes come one per field,
 * but libmicrohttpd keeps the first: so themes also arrive joined). */
static int
web_form_themes(struct web_ctx *c, char *out, size_t outsz)
{
    size_t o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < c->w->ps->nthemes; i++) {
        const char *id = c->w->ps->themes[i].id;
        char field[STORE_NAME_MAX + 8];

        snprintf(field, sizeof(field), "theme:%s", id);
        if (listen_req_form(c->req, field, NULL) == NULL)
            continue;
        if (o + strlen(id) + 2 > outsz)
            return ERR_TOOBIG;
        o += (size_t)snprintf(out + o, outsz - o, "%s%s", o ? "," : "", id);
    }
    return 0;
}

static void web_import(struct web_leader *lp);

static void
web_sessions_post(struct web_leader *lp)
{
    struct web_ctx *c = lp->c;
    struct store *st = c->w->st;
    const char *what = listen_req_form(c->req, "do", NULL);
    const char *sid = listen_req_form(c->req, "session", NULL);
    struct store_session s;
    int64_t id = sid != NULL ? strtoll(sid, NULL, 10) : 0;
    int rc;

    if (what == NULL) {
        web_sessions_page(lp, T(c, "The form was not complete."), 400);
        return;
    }
    if (strcmp(what, "import") == 0) {
        web_import(lp);
        return;
    }
    if (strcmp(what, "add") == 0) {
        const char *date = listen_req_form(c->req, "date", NULL);
        const char *time = listen_req_form(c->req, "time", NULL);
        char at[40];

        memset(&s, 0, sizeof(s));
        snprintf(at, sizeof(at), "%s %s", date ? date : "", time ? time : "");
        if (date == NULL || time == NULL || strlen(date) != 10 ||
            strlen(time) != 5 || sched_parse_time(lp->l.tz, at, &s.at) < 0) {
            web_sessions_page(lp, T(c, "Give the session a date and a time."),
                              400);
            return;
        }
        if (s.at <= c->now) {
            web_sessions_page(lp,
                              T(c, "That time has passed; a session is "
                                   "added for a time still to come."),
                              400);
            return;
        }
        if (web_form_themes(c, s.theme, sizeof(s.theme)) < 0) {
            web_sessions_page(lp, T(c, "Too many themes for one session."),
                              400);
            return;
        }
        s.engagement_id = lp->l.id;
        if ((rc = convo_session_plan(c->w->conf, &lp->l, &s, c->now)) < 0 ||
            (rc = store_begin(st)) < 0 ||
            (rc = store_session_add(st, &s)) < 0 ||
            (rc = web_audit(c, "web-session-add", lp->l.id, NULL)) < 0 ||
            (rc = store_commit(st)) < 0) {
            store_rollback(st);
            web_sessions_page(lp,
                              rc == ERR_EXISTS
                                  ? T(c, "There is a session at that time "
                                         "already.")
                                  : T(c, "reflekt could not save this just "
                                         "now. Please try again."),
                              rc == ERR_EXISTS ? 409 : 500);
            return;
        }
    } else {
        if (id <= 0 || store_session_get(st, id, &s) < 0 ||
            s.engagement_id != lp->l.id) {
            web_sessions_page(lp,
                              T(c, "That session is not one of this "
                                   "leader's."),
                              404);
            return;
        }
        rc = store_begin(st);
        if (rc == 0 && strcmp(what, "note") == 0) {
            const char *note = listen_req_form(c->req, "note", NULL);

            if (note == NULL || strlen(note) > 4000)
                rc = ERR_TOOBIG;
            else if ((rc = store_note_set(st, s.id, note, c->now)) == 0)
                rc = web_audit(c, "web-note", lp->l.id, NULL);
        } else if (rc == 0 && strcmp(what, "themes") == 0 && s.at > c->now) {
            if ((rc = web_form_themes(c, s.theme, sizeof(s.theme))) == 0 &&
                (rc = store_session_update(st, &s)) == 0)
                rc = web_audit(c, "web-session-themes", lp->l.id, s.theme);
        } else if (rc == 0 && strcmp(what, "remove") == 0 && s.at > c->now &&
                   s.meeting_id == 0) {
            if ((rc = store_session_remove(st, s.id)) == 0)
                rc = web_audit(c, "web-session-remove", lp->l.id, NULL);
        } else if (rc == 0) {
            rc = ERR_INVAL;
        }
        if (rc == 0)
            rc = store_commit(st);
        if (rc < 0) {
            store_rollback(st);
            web_sessions_page(
                lp,
                rc == ERR_TOOBIG  ? T(c, "A note holds at most 4,000 "
                                          "characters.")
                : rc == ERR_INVAL ? T(c, "That cannot be done to this "
                                         "session.")
                                  : T(c, "reflekt could not save this just "
                                         "now. Please try again."),
                rc == ERR_TOOBIG || rc == ERR_INVAL ? 400 : 500);
            return;
        }
    }
    if (c->w->changed != NULL)
        c->w->changed(c->w->changed_arg);
    web_back(lp, "sessions");
}

/* ---- calendar import ---------------------------------------------------- */

#define WEB_ICS_MAX ((size_t)1 << 20)
#define WEB_ICS_AHEAD (400 * 24 * 3600)

struct web_ics {
    const char *match;
    struct ics_event *v;
    size_t n, size;
};

/* Does hay contain needle, ignoring ASCII case? */
static int
web_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    if (n == 0)
        return 1;
    for (; *hay != '\0'; hay++) {
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    }
    return 0;
}

static int
web_ics_cb(const struct ics_event *ev, void *arg)
{
    struct web_ics *wi = arg;

    if (!web_contains(ev->summary, wi->match))
        return 0;
    if (wi->n == wi->size) {
        wi->size = wi->size ? wi->size * 2 : 16;
        wi->v = xrealloc(wi->v, wi->size * sizeof(*wi->v));
    }
    wi->v[wi->n++] = *ev;
    return 0;
}

struct web_gone {
    struct web_ics *wi;
    int64_t ids[256];
    int n;
};

/* Future imported sessions the calendar no longer has. */
static int
web_gone_cb(const struct store_session *s, void *arg)
{
    struct web_gone *g = arg;

    if (s->uid[0] == '\0' || s->meeting_id != 0 || g->n == 256)
        return 0;
    for (size_t i = 0; i < g->wi->n; i++) {
        if (strcmp(g->wi->v[i].uid, s->uid) == 0)
            return 0;
    }
    g->ids[g->n++] = s->id;
    return 0;
}

/*
 * Bring the leader's future sessions in line with the calendar: new events
 * are added, moved ones move (their questions are planned again), and
 * cancelled or deleted ones go.  One transaction.
 */
static int
web_ics_apply(struct web_leader *lp, struct web_ics *wi, const char *source,
              int *added, int *moved, int *removed)
{
    struct web_ctx *c = lp->c;
    struct store *st = c->w->st;
    struct web_gone gone = {wi, {0}, 0};
    char detail[128];
    int rc;

    *added = *moved = *removed = 0;
    if ((rc = store_begin(st)) < 0)
        return rc;
    for (size_t i = 0; i < wi->n && rc == 0; i++) {
        const struct ics_event *ev = &wi->v[i];
        struct store_session s;

        rc = store_session_by_uid(st, lp->l.id, ev->uid, &s);
        if (rc == ERR_NOTFOUND) {
            rc = 0;
            if (ev->cancelled || ev->start <= c->now)
                continue;
            memset(&s, 0, sizeof(s));
            s.engagement_id = lp->l.id;
            s.at = ev->start;
            xstrlcpy(s.uid, ev->uid, sizeof(s.uid));
            if ((rc = convo_session_plan(c->w->conf, &lp->l, &s, c->now)) ==
                    0 &&
                (rc = store_session_add(st, &s)) == 0)
                (*added)++;
            if (rc == ERR_EXISTS)
                rc = 0; /* a session at that time already: kept as it is */
            continue;
        }
        if (rc < 0)
            break;
        if (s.at <= c->now)
            continue; /* what has happened stays */
        if (ev->cancelled) {
            if ((rc = store_session_remove(st, s.id)) == 0)
                (*removed)++;
        } else if (ev->start != s.at && ev->start > c->now) {
            s.at = ev->start;
            if ((rc = convo_session_plan(c->w->conf, &lp->l, &s, c->now)) ==
                    0 &&
                (rc = store_session_update(st, &s)) == 0)
                (*moved)++;
            if (rc == ERR_EXISTS)
                rc = 0;
        }
    }
    if (rc == 0)
        rc = store_session_each(st, lp->l.id, c->now + 1, web_gone_cb, &gone);
    for (int i = 0; rc == 0 && i < gone.n; i++) {
        if ((rc = store_session_remove(st, gone.ids[i])) == 0)
            (*removed)++;
    }
    snprintf(detail, sizeof(detail), "%s: %d added, %d moved, %d removed",
             source, *added, *moved, *removed);
    if (rc == 0)
        rc = web_audit(c, "web-ics-import", lp->l.id, detail);
    if (rc == 0)
        rc = store_commit(st);
    if (rc < 0)
        store_rollback(st);
    return rc;
}

/* Parse and apply a calendar's text; answer the request either way. */
static void
web_ics_text(struct web_leader *lp, const char *text, size_t len,
             const char *match, const char *source)
{
    struct web_ctx *c = lp->c;
    struct web_ics wi = {match, NULL, 0, 0};
    char err[ERR_BUFSZ] = "", why[ERR_BUFSZ + 96];
    int skipped = 0, added, moved, removed, rc;

    rc = ics_parse(text, len, lp->l.tz, c->now, c->now + WEB_ICS_AHEAD,
                   web_ics_cb, &wi, &skipped, err);
    if (rc < 0) {
        snprintf(why, sizeof(why), "%s %s",
                 T(c, "That calendar could not be read:"), err);
        free(wi.v);
        web_sessions_page(lp, why, 400);
        return;
    }
    rc = web_ics_apply(lp, &wi, source, &added, &moved, &removed);
    free(wi.v);
    if (rc < 0) {
        web_sessions_page(lp,
                          T(c, "reflekt could not save this just now. "
                               "Please try again."),
                          500);
        return;
    }
    log_info("msg=\"calendar imported\" leader=\"%s\" added=%d moved=%d "
             "removed=%d skipped=%d",
             lp->l.handle, added, moved, removed, skipped);
    if (c->w->changed != NULL)
        c->w->changed(c->w->changed_arg);
    web_back(lp, "sessions");
}

/* Is url a calendar address reflekt may fetch?  webcal:// becomes https. */
static int
web_ics_url(const struct web *w, const char *url, char *out, size_t outsz)
{
    const char *host;
    size_t n;

    if (strncasecmp(url, "webcal://", 9) == 0) {
        if (snprintf(out, outsz, "https://%s", url + 9) >= (int)outsz)
            return ERR_INVAL;
    } else if (snprintf(out, outsz, "%s", url) >= (int)outsz) {
        return ERR_INVAL;
    }
    for (const char *p = out; *p != '\0'; p++) {
        if ((unsigned char)*p <= ' ' || *p == '\x7f')
            return ERR_INVAL;
    }
    if (strncasecmp(out, "https://", 8) == 0)
        host = out + 8;
    else if (w->conf->web_allow_loopback && strncasecmp(out, "http://", 7) == 0)
        host = out + 7;
    else
        return ERR_INVAL;
    n = strcspn(host, "/?#");
    if (n == 0 || memchr(host, '@', n) != NULL)
        return ERR_INVAL;
    if (strncasecmp(out, "http://", 7) == 0 &&
        strncmp(host, "127.0.0.1", 9) != 0 &&
        strncmp(host, "localhost", 9) != 0 && strncmp(host, "[::1]", 5) != 0)
        return ERR_INVAL;
    return 0;
}

/* A calendar being fetched: the request waits. */
struct web_fetch {
    struct web *w;
    struct web_ctx c;
    struct web_leader lp;
    char match[STORE_NAME_MAX];
};

static void
on_ics_fetched(const struct http_response *res, void *arg)
{
    struct web_fetch *f = arg;
    struct web *w = f->w;

    w->pending--;
    if (!w->closing) {
        f->c.now = clock_now();
        f->lp.c = &f->c;
        if (res->err != 0 || res->status != 200) {
            char why[256];

            snprintf(why, sizeof(why), "%s (%s%ld)",
                     T(&f->c, "That calendar address did not answer with a "
                              "calendar."),
                     res->err != 0 ? "" : "HTTP ",
                     res->err != 0 ? 0L : res->status);
            web_sessions_page(&f->lp, why, 502);
        } else {
            web_ics_text(&f->lp, res->body, res->body_len, f->match, "url");
        }
    }
    buf_release(&f->c.out);
    free(f);
    if (w->closing && w->pending == 0)
        web__free_now(w);
}

static void
web_import(struct web_leader *lp)
{
    struct web_ctx *c = lp->c;
    size_t len = 0;
    const char *text = listen_req_form(c->req, "ics", &len);
    const char *url = listen_req_form(c->req, "url", NULL);
    const char *match = listen_req_form(c->req, "match", NULL);
    char fetch[STORE_ID_MAX];
    struct http_request r = {0};
    struct web_fetch *f;

    if (match == NULL || strlen(match) >= STORE_NAME_MAX)
        match = "";
    if (text != NULL && len > 0) {
        web_ics_text(lp, text, len, match, "file");
        return;
    }
    if (url == NULL || url[0] == '\0') {
        web_sessions_page(lp,
                          T(c, "Choose an .ics file, or give the "
                               "calendar's address."),
                          400);
        return;
    }
    if (web_ics_url(c->w, url, fetch, sizeof(fetch)) < 0) {
        web_sessions_page(lp,
                          T(c, "A calendar address starts with https:// "
                               "(or webcal://)."),
                          400);
        return;
    }
    if (store_leader_set_ics(c->w->st, lp->l.id, fetch) < 0) {
        web_sessions_page(lp,
                          T(c, "reflekt could not save this just now. "
                               "Please try again."),
                          500);
        return;
    }
    f = xcalloc(1, sizeof(*f));
    f->w = c->w;
    f->c = *c;
    buf_init(&f->c.out, 0);
    f->lp = *lp;
    xstrlcpy(f->match, match, sizeof(f->match));
    r.method = "GET";
    r.url = fetch;
    r.max_response = WEB_ICS_MAX;
    r.timeout_ms = 20000;
    r.max_attempts = 2;
    r.raw = 1;
    c->w->pending++;
    if (c->w->http == NULL ||
        http_request(c->w->http, &r, on_ics_fetched, f) < 0) {
        c->w->pending--;
        buf_release(&f->c.out);
        free(f);
        web_sessions_page(lp,
                          T(c, "reflekt could not fetch that calendar "
                               "just now. Please try again."),
                          502);
    }
}

/* ---- themes and own questions ------------------------------------------- */

struct web_own {
    struct web_leader *lp;
    int n;
};

static int
web_own_item(const struct store_own *o, void *arg)
{
    struct web_own *wo = arg;
    struct web_ctx *c = wo->lp->c;
    struct buf *b = &c->out;
    struct buf url;

    if (o->engagement_id != wo->lp->l.id)
        return 0;
    wo->n++;
    buf_printf(b,
               "<article class=\"item\"><div class=\"meta\">"
               "<span class=\"tag\">%s</span></div><p class=\"q\">",
               web_kind_text(c, o->kind));
    html_lines(b, o->text);
    buf_adds(b, "</p>");
    if (o->followup[0] != '\0') {
        buf_printf(b, "<p class=\"meta\">%s ", T(c, "Follow-up:"));
        html_text(b, o->followup);
        buf_adds(b, "</p>");
    }
    buf_init(&url, 0);
    web_leader_link(&url, wo->lp->l.handle, "questions");
    web_form_begin(c, url.data, 0);
    buf_release(&url);
    buf_printf(b,
               "<input type=\"hidden\" name=\"do\" value=\"remove\">"
               "<input type=\"hidden\" name=\"own\" value=\"%" PRId64 "\">"
               "<button class=\"plain\">%s</button></form></article>",
               o->id, T(c, "Remove"));
    return 0;
}

static void
web_questions_page(struct web_leader *lp, const char *error, int status)
{
    struct web_ctx *c = lp->c;
    struct buf *b = &c->out;
    struct web_own wo = {lp, 0};
    struct buf url;
    int64_t next_at = 0;
    char theme[STORE_RULE_MAX], when[96];

    buf_reset(b);
    buf_init(&url, 0);
    web_leader_link(&url, lp->l.handle, "questions");
    web_leader_head(lp, "questions");
    web_saved_note(c);
    if (error != NULL)
        web_error_note(c, error);
    buf_printf(b, "<h2>%s</h2>", T(c, "Themes for the coming weeks"));
    store_session_next(c->w->st, lp->l.id, c->now, &next_at, theme,
                       sizeof(theme));
    if (next_at > 0) {
        web_when(c, &lp->l, next_at, when, sizeof(when));
        buf_printf(b, "<p>%s ", T(c, "Until the next session,"));
        html_text(b, when);
        buf_printf(b, ", %s</p>",
                   T(c, "the questions come from these themes:"));
        buf_adds(b, "<p><a href=\"");
        web_leader_link(b, lp->l.handle, "sessions");
        buf_printf(b, "#upcoming\">%s</a></p>",
                   T(c, "Change them on the sessions page."));
        buf_adds(b, "<p>");
        web_themes_text(c, theme);
        buf_adds(b, "</p>");
    } else {
        buf_printf(b, "<p>%s</p>",
                   T(c, "Plan the next session and choose its themes; until "
                        "then the questions come from the whole library."));
    }
    buf_printf(b, "<h2>%s</h2><p>%s</p>", T(c, "Your own questions"),
               T(c, "Your own questions are asked before the library's, "
                    "oldest first."));
    store_own_each(c->w->st, web_own_item, &wo);
    if (wo.n == 0)
        buf_printf(b, "<p class=\"meta\">%s</p>", T(c, "None yet."));
    buf_printf(b, "<h3>%s</h3>", T(c, "Add a question"));
    web_form_begin(c, url.data, 0);
    buf_printf(b,
               "<input type=\"hidden\" name=\"do\" value=\"add\">"
               "<label for=\"kind\">%s</label><select id=\"kind\" "
               "name=\"kind\"><option value=\"open\">%s</option>"
               "<option value=\"commitment\">%s</option>"
               "<option value=\"scale\">%s</option></select>"
               "<label for=\"text\">%s</label>"
               "<textarea id=\"text\" name=\"text\" required "
               "maxlength=\"%d\"></textarea>"
               "<label for=\"followup\">%s</label>"
               "<input id=\"followup\" name=\"followup\" size=\"60\" "
               "maxlength=\"%d\"> <button>%s</button></form>",
               T(c, "Kind"), T(c, "reflection"), T(c, "commitment"),
               T(c, "scale"), T(c, "Question"), PROMPT_TEXT_MAX,
               T(c, "Follow-up question for a commitment (optional)"),
               PROMPT_TEXT_MAX, T(c, "Add"));
    buf_release(&url);
    web_page_end(c);
    web_send(c, (unsigned)status);
}

static void
web_questions_post(struct web_leader *lp)
{
    struct web_ctx *c = lp->c;
    struct store *st = c->w->st;
    const char *what = listen_req_form(c->req, "do", NULL);
    int rc;

    if (what != NULL && strcmp(what, "add") == 0) {
        const char *kind = listen_req_form(c->req, "kind", NULL);
        const char *text = listen_req_form(c->req, "text", NULL);
        const char *followup = listen_req_form(c->req, "followup", NULL);
        enum prompt_kind k;
        struct store_own o;

        if (kind == NULL || prompt_kind_parse(kind, &k) < 0 ||
            !prompt_kind_regular(k)) {
            web_questions_page(lp, T(c, "Choose what kind of question it is."),
                               400);
            return;
        }
        if (text == NULL || text[0] == '\0' || strlen(text) > PROMPT_TEXT_MAX ||
            (followup != NULL && strlen(followup) > PROMPT_TEXT_MAX)) {
            web_questions_page(lp,
                               T(c, "Write the question (at most 1,000 "
                                    "characters)."),
                               400);
            return;
        }
        memset(&o, 0, sizeof(o));
        o.engagement_id = lp->l.id;
        xstrlcpy(o.kind, prompt_kind_name(k), sizeof(o.kind));
        xstrlcpy(o.text, text, sizeof(o.text));
        xstrlcpy(o.followup, followup != NULL ? followup : "",
                 sizeof(o.followup));
        if ((rc = store_begin(st)) < 0 ||
            (rc = store_own_add(st, &o, c->now)) < 0 ||
            (rc = web_audit(c, "own-question-add", lp->l.id, NULL)) < 0 ||
            (rc = store_commit(st)) < 0) {
            store_rollback(st);
            web_questions_page(lp,
                               T(c, "reflekt could not save this just "
                                    "now. Please try again."),
                               500);
            return;
        }
    } else if (what != NULL && strcmp(what, "remove") == 0) {
        const char *own = listen_req_form(c->req, "own", NULL);
        struct web_own_find {
            int64_t id, engagement_id;
        } f = {own != NULL ? strtoll(own, NULL, 10) : 0, 0};
        struct store_own o;

        /* Only a question written for this leader. */
        if ((rc = store_begin(st)) == 0) {
            memset(&o, 0, sizeof(o));
            rc = store_own_get(st, f.id, &o);
            if (rc == 0 && o.engagement_id != lp->l.id)
                rc = ERR_NOTFOUND;
            if (rc == 0 && (rc = store_own_remove(st, f.id)) == 0 &&
                (rc = web_audit(c, "own-question-remove", lp->l.id, NULL)) == 0)
                rc = store_commit(st);
            if (rc < 0)
                store_rollback(st);
        }
        if (rc < 0) {
            web_questions_page(lp,
                               rc == ERR_NOTFOUND
                                   ? T(c, "That question is not one of this "
                                          "leader's.")
                                   : T(c, "reflekt could not save this just "
                                          "now. Please try again."),
                               rc == ERR_NOTFOUND ? 404 : 500);
            return;
        }
    } else {
        web_questions_page(lp, T(c, "The form was not complete."), 400);
        return;
    }
    if (c->w->changed != NULL)
        c->w->changed(c->w->changed_arg);
    web_back(lp, "questions");
}

/* ---- a manager's pages ----------------------------------------------------
 */

static void
web_participation(struct web_leader *lp)
{
    struct web_ctx *c = lp->c;
    struct buf *b = &c->out;
    struct web_rows rs;
    struct store_tally t;
    int64_t since = 0, week;
    struct tm tm;
    char when[96];
    int rc;

    memset(&rs, 0, sizeof(rs));
    web_leader_head(lp, "participation");
    buf_printf(b,
               "<p>%s</p><table id=\"participation\"><thead><tr><th>%s</th>"
               "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
               T(c, "How many questions went out, and how many were answered "
                    "or skipped, week by week. What leaders write stays "
                    "between them and their consultant unless they share it "
                    "with you."),
               T(c, "Week of"), T(c, "Asked"), T(c, "Answered"),
               T(c, "Skipped"));
    /* Weeks start on the leader's local Monday. */
    if (sched_local(lp->l.tz, c->now, &tm) < 0 ||
        sched_utc(lp->l.tz, tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday - (tm.tm_wday + 6) % 7, 0, 0, &week) < 0)
        week = c->now - c->now % WEB_WEEK;
    for (int i = 0; i < 8; i++, week -= WEB_WEEK) {
        if ((rc = store_delivery_tally(c->w->st, lp->l.id, week,
                                       week + WEB_WEEK, &t)) < 0)
            break;
        web_date(lp->l.tz, week, when, sizeof(when));
        buf_printf(b, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td></tr>",
                   when, t.sent, t.answered, t.skipped);
    }
    buf_adds(b, "</tbody></table>");
    /* Shared answers only; the audit row comes first. */
    buf_printf(b, "<h2>%s</h2>", T(c, "Shared with you"));
    if (store_begin(c->w->st) == 0) {
        rs.only_shared = 1;
        rc = store_rows(c->w->st, lp->l.id, since, web_rows_cb, &rs);
        if (rc == 0 && rs.n > 0)
            rc = web_audit(c, "web-shared", lp->l.id, NULL);
        if (rc == 0)
            store_commit(c->w->st);
        else
            store_rollback(c->w->st);
    }
    if (rs.n == 0)
        buf_printf(b, "<p class=\"meta\">%s</p>",
                   T(c, "Nothing shared with you yet."));
    for (size_t i = rs.n; i-- > 0;)
        web_row_item(lp, &rs, &rs.v[i], 0);
    web_rows_release(&rs);
    web_page_end(c);
    web_send(c, 200);
}

static const char *const web_days[] = {"MO", "TU", "WE", "TH",
                                       "FR", "SA", "SU"};
static const char *const web_day_names[] = {"Monday",   "Tuesday", "Wednesday",
                                            "Thursday", "Friday",  "Saturday",
                                            "Sunday"};

/* The settings as a form shows them, read from the leader or the form. */
struct web_settings {
    int every; /* weeks between questions, 1-4; 0: custom rule */
    int day;   /* 0 = Monday */
    int hour, minute;
    char rule[STORE_RULE_MAX];
    int work_from, work_to;
    unsigned days;
    int cap;
    int paused;
    char until[11]; /* YYYY-MM-DD or "" */
};

/* Recognise "FREQ=WEEKLY[;INTERVAL=n];BYDAY=XX;BYHOUR=h[;BYMINUTE=m]". */
static void
web_settings_from_rule(struct web_settings *s)
{
    int every = 1, hour = -1, minute = 0, day = -1;
    char copy[STORE_RULE_MAX], *save = NULL;

    snprintf(copy, sizeof(copy), "%s", s->rule);
    s->every = 0;
    for (char *p = strtok_r(copy, ";", &save); p != NULL;
         p = strtok_r(NULL, ";", &save)) {
        if (strcmp(p, "FREQ=WEEKLY") == 0)
            continue;
        if (sscanf(p, "INTERVAL=%d", &every) == 1 && every >= 1 && every <= 4)
            continue;
        if (sscanf(p, "BYHOUR=%d", &hour) == 1 && hour >= 0 && hour < 24)
            continue;
        if (sscanf(p, "BYMINUTE=%d", &minute) == 1 && minute >= 0 &&
            minute < 60)
            continue;
        if (strncmp(p, "BYDAY=", 6) == 0 && strlen(p) == 8) {
            for (int i = 0; i < 7; i++) {
                if (strcmp(p + 6, web_days[i]) == 0)
                    day = i;
            }
            if (day >= 0)
                continue;
        }
        return; /* something else: a custom rule */
    }
    if (strstr(s->rule, "FREQ=WEEKLY") == NULL || day < 0 || hour < 0)
        return;
    s->every = every;
    s->day = day;
    s->hour = hour;
    s->minute = minute;
}

static void
web_settings_of(const struct store_leader *l, struct web_settings *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->rule, sizeof(s->rule), "%s", l->cadence);
    s->day = 1;
    s->hour = 9;
    web_settings_from_rule(s);
    s->work_from = l->work_from;
    s->work_to = l->work_to;
    s->days = l->work_days;
    s->cap = l->weekly_cap;
    s->paused = l->paused;
    if (l->paused && l->paused_until > 0)
        web_date(l->tz, l->paused_until, s->until, sizeof(s->until));
}

static int
web_hhmm(const char *s, int *min)
{
    int h, m;
    char tail;

    if (s == NULL || sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 ||
        h > 24 || m < 0 || m > 59 || (h == 24 && m != 0))
        return ERR_INVAL;
    *min = h * 60 + m;
    return 0;
}

/* Read and check the form.  Returns: NULL, or what was wrong. */
static const char *
web_settings_read(struct web_ctx *c, const struct store_leader *l,
                  struct web_settings *s)
{
    const char *every = listen_req_form(c->req, "every", NULL);
    const char *day = listen_req_form(c->req, "day", NULL);
    const char *at = listen_req_form(c->req, "at", NULL);
    const char *rule = listen_req_form(c->req, "rule", NULL);
    const char *cap = listen_req_form(c->req, "cap", NULL);
    const char *until = listen_req_form(c->req, "until", NULL);
    char err[ERR_BUFSZ] = "";
    int at_min = 0;
    char *end;

    memset(s, 0, sizeof(*s));
    s->every = every != NULL ? (int)strtol(every, NULL, 10) : 0;
    s->day = day != NULL ? (int)strtol(day, NULL, 10) : 0;
    if (rule != NULL && rule[0] != '\0') {
        if (strlen(rule) >= sizeof(s->rule))
            return T(c, "That rule is too long.");
        snprintf(s->rule, sizeof(s->rule), "%s", rule);
        s->every = 0;
    } else {
        if (s->every < 1 || s->every > 4 || s->day < 0 || s->day > 6)
            return T(c, "Choose how often and on which day.");
        if (web_hhmm(at, &at_min) < 0 || at_min >= 24 * 60)
            return T(c, "Give the time of day as HH:MM.");
        s->hour = at_min / 60;
        s->minute = at_min % 60;
        if (s->every == 1)
            snprintf(s->rule, sizeof(s->rule),
                     "FREQ=WEEKLY;BYDAY=%s;BYHOUR=%d;BYMINUTE=%d",
                     web_days[s->day], s->hour, s->minute);
        else
            snprintf(s->rule, sizeof(s->rule),
                     "FREQ=WEEKLY;INTERVAL=%d;BYDAY=%s;BYHOUR=%d;BYMINUTE=%d",
                     s->every, web_days[s->day], s->hour, s->minute);
    }
    if (sched_check(s->rule, l->tz, err) < 0)
        return T(c, "That cadence is not a rule reflekt can follow. Use the "
                    "choices above, or an iCalendar rule such as "
                    "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9.");
    if (web_hhmm(listen_req_form(c->req, "from", NULL), &s->work_from) < 0 ||
        web_hhmm(listen_req_form(c->req, "to", NULL), &s->work_to) < 0 ||
        s->work_from >= s->work_to)
        return T(c, "Working hours need a start before their end, as HH:MM.");
    for (int i = 0; i < 7; i++) {
        char field[16];

        snprintf(field, sizeof(field), "day:%s", web_days[i]);
        if (listen_req_form(c->req, field, NULL) != NULL)
            s->days |= 1u << (i + 1);
    }
    if (s->days == 0)
        return T(c, "Choose at least one working day.");
    s->cap = cap != NULL ? (int)strtol(cap, &end, 10) : -1;
    if (cap == NULL || *cap == '\0' || *end != '\0' || s->cap < 0 || s->cap > 7)
        return T(c, "The weekly limit is a number from 0 (no limit) to 7.");
    s->paused = listen_req_form(c->req, "paused", NULL) != NULL;
    if (s->paused && until != NULL && until[0] != '\0') {
        int64_t t;

        if (strlen(until) != 10 || sched_parse_day(l->tz, until, &t) < 0)
            return T(c, "Give the end of the pause as a date.");
        if (t <= c->now)
            return T(c, "The end of the pause has passed already.");
        snprintf(s->until, sizeof(s->until), "%s", until);
    }
    return NULL;
}

static void
web_settings_page(struct web_leader *lp, const struct web_settings *s,
                  const char *error, int preview, int status)
{
    struct web_ctx *c = lp->c;
    struct buf *b = &c->out;
    struct buf url;
    char from[16], to[16], at[16];

    buf_reset(b);
    web_leader_head(lp, "settings");
    web_saved_note(c);
    if (error != NULL)
        web_error_note(c, error);
    if (preview && error == NULL) {
        struct store_leader l = lp->l;
        int64_t times[WEB_PREVIEW];
        char err[ERR_BUFSZ] = "", when[96];
        int n = 0;

        snprintf(l.cadence, sizeof(l.cadence), "%s", s->rule);
        l.work_from = s->work_from;
        l.work_to = s->work_to;
        l.work_days = s->days;
        l.weekly_cap = s->cap;
        l.paused = s->paused;
        l.paused_until = 0;
        if (s->paused && s->until[0] != '\0')
            sched_parse_day(l.tz, s->until, &l.paused_until);
        buf_printf(b, "<section class=\"item\" id=\"preview\"><h2>%s</h2>",
                   T(c, "The next five questions would come"));
        if (convo_preview(c->w->st, &l, c->now, times, WEB_PREVIEW, &n, err) <
                0 ||
            n == 0) {
            buf_printf(b, "<p>%s</p>",
                       T(c, "None: with these settings no question is due "
                            "(paused with no end, or the rule has ended)."));
        } else {
            buf_adds(b, "<ol>");
            for (int i = 0; i < n; i++) {
                web_when(c, &l, times[i], when, sizeof(when));
                buf_adds(b, "<li>");
                html_text(b, when);
                buf_adds(b, "</li>");
            }
            buf_adds(b, "</ol>");
        }
        buf_printf(b, "<p class=\"meta\">%s ",
                   T(c, "In the leader's time zone:"));
        html_text(b, l.tz);
        buf_printf(b, ". %s</p></section>",
                   T(c, "Nothing is saved until you press Save."));
    }
    snprintf(from, sizeof(from), "%02d:%02d", s->work_from / 60,
             s->work_from % 60);
    snprintf(to, sizeof(to), "%02d:%02d", s->work_to / 60, s->work_to % 60);
    snprintf(at, sizeof(at), "%02d:%02d", s->hour, s->minute);
    buf_init(&url, 0);
    web_leader_link(&url, lp->l.handle, "settings");
    web_form_begin(c, url.data, 0);
    buf_release(&url);
    buf_printf(b,
               "<fieldset><legend>%s</legend><div class=\"row\">"
               "<div><label for=\"every\">%s</label><select id=\"every\" "
               "name=\"every\">",
               T(c, "Cadence"), T(c, "How often"));
    for (int i = 1; i <= 4; i++)
        buf_printf(b, "<option value=\"%d\"%s>%s</option>", i,
                   s->every == i ? " selected" : "",
                   i == 1   ? T(c, "every week")
                   : i == 2 ? T(c, "every other week")
                   : i == 3 ? T(c, "every third week")
                            : T(c, "every fourth week"));
    buf_printf(b,
               "</select></div><div><label for=\"day\">%s</label>"
               "<select id=\"day\" name=\"day\">",
               T(c, "Day"));
    for (int i = 0; i < 7; i++)
        buf_printf(b, "<option value=\"%d\"%s>%s</option>", i,
                   s->day == i ? " selected" : "", T(c, web_day_names[i]));
    buf_printf(b,
               "</select></div><div><label for=\"at\">%s</label>"
               "<input id=\"at\" name=\"at\" type=\"time\" value=\"%s\"></div>"
               "</div><label for=\"rule\">%s</label>"
               "<input id=\"rule\" name=\"rule\" size=\"50\" value=\"",
               T(c, "Time"), at,
               T(c, "Or an iCalendar rule (wins over the choices above)"));
    if (s->every == 0)
        html_text(b, s->rule);
    buf_printf(b,
               "\"></fieldset><fieldset><legend>%s</legend><div "
               "class=\"row\"><div><label for=\"from\">%s</label>"
               "<input id=\"from\" name=\"from\" type=\"time\" value=\"%s\">"
               "</div><div><label for=\"to\">%s</label><input id=\"to\" "
               "name=\"to\" type=\"time\" value=\"%s\"></div></div>"
               "<div class=\"days\">",
               T(c, "When questions may come"), T(c, "Questions from"), from,
               T(c, "until"), to);
    for (int i = 0; i < 7; i++)
        buf_printf(b,
                   "<label><input type=\"checkbox\" name=\"day:%s\"%s> "
                   "%s</label>",
                   web_days[i], s->days & (1u << (i + 1)) ? " checked" : "",
                   T(c, web_day_names[i]));
    buf_printf(b,
               "</div><label for=\"cap\">%s</label><input id=\"cap\" "
               "name=\"cap\" type=\"number\" min=\"0\" max=\"7\" "
               "value=\"%d\"></fieldset>",
               T(c, "At most this many questions a week (0: no limit)"),
               s->cap);
    buf_printf(b,
               "<fieldset><legend>%s</legend><label><input type=\"checkbox\" "
               "name=\"paused\" id=\"paused\"%s> %s</label>"
               "<label for=\"until\">%s</label><input id=\"until\" "
               "name=\"until\" type=\"date\" value=\"%s\"></fieldset>",
               T(c, "Pause"), s->paused ? " checked" : "",
               T(c, "Paused: no questions"),
               T(c, "Until (empty: until you resume)"), s->until);
    buf_printf(b,
               "<div class=\"row\"><button name=\"do\" value=\"preview\" "
               "class=\"plain\" id=\"do-preview\">%s</button>"
               "<button name=\"do\" value=\"save\" id=\"do-save\">%s</button>"
               "</div></form>",
               T(c, "Preview"), T(c, "Save"));
    web_page_end(c);
    web_send(c, (unsigned)status);
}

static void
web_settings_post(struct web_leader *lp)
{
    struct web_ctx *c = lp->c;
    struct store *st = c->w->st;
    struct web_settings s;
    const char *what = listen_req_form(c->req, "do", NULL);
    const char *why = web_settings_read(c, &lp->l, &s);
    char err[ERR_BUFSZ] = "";
    int64_t until = 0, next = 0;
    int rc;

    if (why != NULL) {
        web_settings_page(lp, &s, why, 0, 400);
        return;
    }
    if (what == NULL || strcmp(what, "save") != 0) {
        web_settings_page(lp, &s, NULL, 1, 200);
        return;
    }
    if (s.paused && s.until[0] != '\0')
        sched_parse_day(lp->l.tz, s.until, &until);
    if ((rc = store_begin(st)) < 0 ||
        (rc = store_leader_set_cadence(st, lp->l.id, s.rule)) < 0 ||
        (rc = store_leader_set_hours(st, lp->l.id, s.work_from, s.work_to,
                                     s.days, s.cap)) < 0 ||
        (rc = store_leader_set_pause(st, lp->l.id, s.paused, until)) < 0 ||
        (rc = store_leader_by_id(st, lp->l.id, &lp->l)) < 0 ||
        (rc = convo_replan(st, &lp->l, c->now, &next, err)) < 0 ||
        (rc = web_audit(c, "web-settings", lp->l.id, s.rule)) < 0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        web_settings_page(lp, &s,
                          T(c, "reflekt could not save this just now. "
                               "Please try again."),
                          0, 500);
        return;
    }
    log_info("msg=\"cadence changed\" leader=\"%s\" by=\"%s\"", lp->l.handle,
             c->me.name);
    if (c->w->changed != NULL)
        c->w->changed(c->w->changed_arg);
    web_back(lp, "settings");
}

/* ---- routing ------------------------------------------------------------ */

void
web_leader_route(struct web_ctx *c, const char *path)
{
    struct web_leader lp;
    const char *slash = strchr(path, '/');
    const char *tab = slash != NULL ? slash + 1 : "";
    char handle[STORE_NAME_MAX];
    size_t n = slash != NULL ? (size_t)(slash - path) : strlen(path);
    int post = strcmp(listen_req_method(c->req), "POST") == 0;
    int rc;

    memset(&lp, 0, sizeof(lp));
    lp.c = c;
    if (n == 0 || n >= sizeof(handle)) {
        web_refuse(c, 404, T(c, "There is no such page in the console."));
        return;
    }
    memcpy(handle, path, n);
    handle[n] = '\0';
    rc = store_leader_get(c->w->st, handle, &lp.l);
    if (rc < 0 && rc != ERR_NOTFOUND) {
        web_refuse(c, 500,
                   T(c, "reflekt cannot read its database just now. "
                        "Please try again in a moment."));
        return;
    }
    lp.role = rc == 0 ? web_role_for(c, &lp.l) : 0;
    if (lp.role == 0) {
        /* The same answer whether the leader exists or not. */
        web_refuse(c, 403,
                   T(c, "This leader is not one of yours, so the "
                        "console shows you nothing about them."));
        return;
    }
    if (tab[0] == '\0' && !(lp.role & STORE_ROLE_CONSULTANT)) {
        tab = "participation";
        if (!post) {
            struct buf b;

            buf_init(&b, 0);
            web_leader_link(&b, lp.l.handle, tab);
            web_redirect(c, b.data);
            buf_release(&b);
            return;
        }
    }
    if (strcmp(tab, "participation") == 0 || strcmp(tab, "settings") == 0) {
        if (!(lp.role & STORE_ROLE_MANAGER)) {
            web_refuse(c, 403,
                       T(c, "Only the leader's manager sets the "
                            "cadence and sees participation here."));
            return;
        }
        if (strcmp(tab, "participation") == 0 && !post) {
            web_participation(&lp);
        } else if (strcmp(tab, "settings") == 0) {
            struct web_settings s;

            if (post) {
                web_settings_post(&lp);
            } else {
                web_settings_of(&lp.l, &s);
                web_settings_page(&lp, &s, NULL, 0, 200);
            }
        } else {
            web_refuse(c, 405, T(c, "This page cannot take a form."));
        }
        return;
    }
    if (!(lp.role & STORE_ROLE_CONSULTANT)) {
        log_info("msg=\"answer text refused\" leader=\"%s\" person=\"%s\" "
                 "role=manager",
                 lp.l.handle, c->me.name);
        web_refuse(c, 403,
                   T(c, "Managers see participation, not what a "
                        "leader writes, unless the leader shares "
                        "it."));
        return;
    }
    if (tab[0] == '\0' && !post)
        web_timeline(&lp);
    else if (strcmp(tab, "digest") == 0 && !post)
        web_digest(&lp);
    else if (strcmp(tab, "sessions") == 0)
        post ? web_sessions_post(&lp) : web_sessions_page(&lp, NULL, 200);
    else if (strcmp(tab, "questions") == 0)
        post ? web_questions_post(&lp) : web_questions_page(&lp, NULL, 200);
    else
        web_refuse(c, 404, T(c, "There is no such page in the console."));
}
