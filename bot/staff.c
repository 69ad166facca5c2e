/*
 * staff.c - /reflekt for consultants and managers.
 *
 * The parser copies nothing it has not checked: a handle is 1-63 letters,
 * digits, '.', '_' or '-', a rule is printable ASCII; anything else makes
 * the command STAFF_BAD, answered with a pointer to help.
 */
#include "staff.h"
#include "web-auth.h"

#include "buf.h"
#include "convo.h"
#include "err.h"
#include "lang.h"
#include "log.h"
#include "msg.h"
#include "sched.h"
#include "xmalloc.h"

#include <stdio.h>
#include <string.h>

#define STAFF_WINDOW (28 * 86400) /* participation: the last four weeks */
#define STAFF_MAX_LEADERS 200     /* listed in one status reply */

static int
staff_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Next word of text[*i..len) into out; returns its length (0: none,
 * -1: too long). */
static int
staff_word(const char *text, size_t len, size_t *i, char *out, size_t outsz)
{
    size_t n = 0;

    while (*i < len && staff_space(text[*i]))
        (*i)++;
    while (*i < len && !staff_space(text[*i])) {
        if (n + 1 >= outsz)
            return -1;
        out[n++] = text[(*i)++];
    }
    out[n] = '\0';
    return (int)n;
}

/* A verb's word and the language it is in; -1 for the words every
 * language's help teaches (the English ones) and those nb and sv share. */
struct staff_name {
    const char *word;
    int lang;
};

/* Returns: 1 and sets *lang when w is one of names (ASCII in any case). */
static int
staff_lower_eq(const char *w, const struct staff_name *names, int *lang)
{
    for (; names->word != NULL; names++) {
        size_t k = 0;

        while (w[k] != '\0' && names->word[k] != '\0' &&
               (w[k] >= 'A' && w[k] <= 'Z' ? w[k] + 32 : w[k]) ==
                   names->word[k])
            k++;
        if (w[k] == '\0' && names->word[k] == '\0') {
            *lang = names->lang;
            return 1;
        }
    }
    return 0;
}

static int
staff_handle_ok(const char *h)
{
    size_t n = strlen(h);

    if (n == 0 || n > 63)
        return 0;
    for (; *h != '\0'; h++) {
        if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
              (*h >= '0' && *h <= '9') || *h == '.' || *h == '_' || *h == '-'))
            return 0;
    }
    return 1;
}

enum staff_verb
staff_parse(const char *text, size_t len, struct staff_cmd *out)
{
    static const struct staff_name help[] = {{"help", -1},
                                             {"hjelp", LANG_NB},
                                             {"hjälp", LANG_SV},
                                             {"?", -1},
                                             {NULL, -1}};
    static const struct staff_name status[] = {{"status", -1}, {NULL, -1}};
    static const struct staff_name cadence[] = {
        {"cadence", -1}, {"kadens", -1}, {"takt", -1}, {NULL, -1}};
    static const struct staff_name nudge[] = {
        {"nudge", -1}, {"dytt", LANG_NB}, {"knuff", LANG_SV}, {NULL, -1}};
    static const struct staff_name console[] = {
        {"console", -1}, {"konsoll", LANG_NB}, {"konsol", LANG_SV}, {NULL, -1}};
    char verb[16], extra[8];
    size_t i = 0, n = 0;
    int w;

    memset(out, 0, sizeof(*out));
    out->lang = -1;
    w = staff_word(text, len, &i, verb, sizeof(verb));
    if (w == 0 || (w > 0 && staff_lower_eq(verb, help, &out->lang)))
        return out->verb = staff_word(text, len, &i, extra, sizeof(extra)) == 0
                               ? STAFF_HELP
                               : STAFF_BAD;
    if (w < 0)
        return out->verb = STAFF_BAD;
    if (staff_lower_eq(verb, status, &out->lang))
        out->verb = STAFF_STATUS;
    else if (staff_lower_eq(verb, cadence, &out->lang))
        out->verb = STAFF_CADENCE;
    else if (staff_lower_eq(verb, nudge, &out->lang))
        out->verb = STAFF_NUDGE;
    else if (staff_lower_eq(verb, console, &out->lang))
        return out->verb = staff_word(text, len, &i, extra, sizeof(extra)) == 0
                               ? STAFF_CONSOLE
                               : STAFF_BAD;
    else
        return out->verb = STAFF_BAD;
    w = staff_word(text, len, &i, out->handle, sizeof(out->handle));
    if (w < 0 || (w > 0 && !staff_handle_ok(out->handle)) ||
        (w == 0 && out->verb != STAFF_STATUS)) {
        out->handle[0] = '\0';
        return out->verb = STAFF_BAD;
    }
    /* The rest is the rule (cadence) or must be empty. */
    while (i < len && staff_space(text[i]))
        i++;
    while (len > i && staff_space(text[len - 1]))
        len--;
    if (i < len && out->verb != STAFF_CADENCE)
        return out->verb = STAFF_BAD;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c < 0x20 || c > 0x7e || n + 1 >= sizeof(out->rule)) {
            out->rule[0] = '\0';
            return out->verb = STAFF_BAD;
        }
        out->rule[n++] = (char)c;
    }
    out->rule[n] = '\0';
    return out->verb;
}

/* ---- running ---------------------------------------------------------- */

struct staff_ctx {
    struct store *st;
    const struct config *conf;
    const char *me;
    enum lang lang;
    int64_t now;
    struct buf out;
    int shown;
};

static void
staff_say(struct staff_ctx *c, enum msg_id id, const char *a, const char *b,
          const char *d, const char *e)
{
    buf_printf(&c->out, msg_get(id, c->lang), a ? a : "", b ? b : "",
               d ? d : "", e ? e : "");
}

static int
staff_status_one(struct staff_ctx *c, const struct store_leader *l)
{
    struct store_tally t;
    char sent[16], ans[16], skip[16], when[96];
    int rc = store_delivery_tally(c->st, l->id, c->now - STAFF_WINDOW,
                                  c->now + 1, &t);

    if (rc < 0)
        return rc;
    snprintf(sent, sizeof(sent), "%d", t.sent);
    snprintf(ans, sizeof(ans), "%d", t.answered);
    snprintf(skip, sizeof(skip), "%d", t.skipped);
    buf_adds(&c->out, "\n");
    staff_say(c, MSG_STAFF_STATUS_LINE, l->handle, sent, ans, skip);
    buf_adds(&c->out, " – ");
    if (l->paused) {
        staff_say(c, MSG_STAFF_PAUSED, NULL, NULL, NULL, NULL);
    } else if (l->next_due_at > 0) {
        convo_when_in(l, c->lang, l->next_due_at, when, sizeof(when));
        staff_say(c, MSG_STAFF_NEXT, when, NULL, NULL, NULL);
    } else {
        staff_say(c, MSG_STAFF_NO_NEXT, NULL, NULL, NULL, NULL);
    }
    c->shown++;
    return 0;
}

static int
staff_status_cb(const struct store_leader *l, void *arg)
{
    struct staff_ctx *c = arg;

    if (strcmp(l->consultant, c->me) != 0 && strcmp(l->manager, c->me) != 0)
        return 0;
    if (c->shown >= STAFF_MAX_LEADERS)
        return 0; /* a reply has to stay readable */
    return staff_status_one(c, l);
}

/*
 * The leader named by cmd, if the caller may see them.  A handle that does
 * not exist gets the same answer as someone else's leader, so chat does
 * not tell which handles exist.  Returns: 1 when found and theirs (l
 * filled), 0 when a reply was written, < 0.
 */
static int
staff_leader(struct staff_ctx *c, const struct staff_cmd *cmd,
             struct store_leader *l)
{
    int rc = store_leader_get(c->st, cmd->handle, l);

    if (rc < 0 && rc != ERR_NOTFOUND)
        return rc;
    if (rc == ERR_NOTFOUND ||
        (strcmp(l->consultant, c->me) != 0 && strcmp(l->manager, c->me) != 0)) {
        staff_say(c, MSG_STAFF_NOT_YOURS, cmd->handle, NULL, NULL, NULL);
        return 0;
    }
    return 1;
}

static int
staff_cadence(struct staff_ctx *c, const struct staff_cmd *cmd,
              struct store_leader *l)
{
    char err[ERR_BUFSZ] = "", when[96], next_text[160];
    int64_t next = 0;
    int rc;

    if (cmd->rule[0] == '\0') {
        staff_say(c, MSG_STAFF_CADENCE_IS, l->handle, l->cadence, NULL, NULL);
        return 0;
    }
    if (strcmp(l->manager, c->me) != 0) {
        staff_say(c, MSG_STAFF_MANAGER_ONLY, NULL, NULL, NULL, NULL);
        return 0;
    }
    if (strlen(cmd->rule) >= sizeof(l->cadence) ||
        sched_check(cmd->rule, l->tz, err) < 0) {
        staff_say(c, MSG_STAFF_BAD_CADENCE, err[0] ? err : "too long", NULL,
                  NULL, NULL);
        return 0;
    }
    xstrlcpy(l->cadence, cmd->rule, sizeof(l->cadence));
    if ((rc = store_leader_set_cadence(c->st, l->id, l->cadence)) < 0 ||
        (rc = convo_replan(c->st, l, c->now, &next, err)) < 0)
        return rc;
    if (next > 0) {
        convo_when_in(l, c->lang, next, when, sizeof(when));
        snprintf(next_text, sizeof(next_text), msg_get(MSG_STAFF_NEXT, c->lang),
                 when);
    } else {
        xstrlcpy(next_text, msg_get(MSG_STAFF_NO_NEXT, c->lang),
                 sizeof(next_text));
    }
    staff_say(c, MSG_STAFF_CADENCE_SET, l->handle, l->cadence, next_text, NULL);
    log_info("msg=\"cadence changed in chat\" by=%s leader=%s", c->me,
             l->handle);
    return store_audit(c->st, c->now, c->me, "cadence", l->id, l->cadence);
}

int
staff_run(struct store *st, const struct config *conf,
          const struct prompt_set *prompts, const char *platform,
          const char *user_id, const char *text, size_t len, int64_t now,
          char *reply, size_t replysz, int *nudged)
{
    struct staff_ctx c = {0};
    struct staff_cmd cmd;
    struct store_leader l;
    char me[STORE_NAME_MAX];
    int64_t id;
    int rc = 0;

    *nudged = 0;
    c.st = st;
    c.conf = conf;
    c.now = now;
    c.me = me;
    c.lang = LANG_NB;
    lang_parse(conf->language, &c.lang);
    buf_init(&c.out, replysz > 0 ? replysz - 1 : 1);
    staff_parse(text, len, &cmd);
    /* Asked in Norwegian or Swedish (hjälp, dytt): answered in it. */
    if (cmd.lang >= 0)
        c.lang = (enum lang)cmd.lang;
    rc = store_person_by_identity(st, platform, user_id, me, sizeof(me));
    if (rc == ERR_NOTFOUND) {
        /* Their own platform and id, ready to pass on to the operator. */
        staff_say(&c, MSG_STAFF_UNKNOWN, platform, user_id, NULL, NULL);
        rc = 0;
        goto out;
    }
    if (rc < 0)
        goto out;
    log_info("msg=\"staff command\" by=%s command=%d", me, (int)cmd.verb);
    switch (cmd.verb) {
    case STAFF_HELP:
        staff_say(&c, MSG_STAFF_HELP, NULL, NULL, NULL, NULL);
        break;
    case STAFF_BAD:
        staff_say(&c, MSG_STAFF_BAD, NULL, NULL, NULL, NULL);
        break;
    case STAFF_STATUS:
        if (cmd.handle[0] == '\0') {
            staff_say(&c, MSG_STAFF_STATUS_HEAD, NULL, NULL, NULL, NULL);
            rc = store_leader_each(st, staff_status_cb, &c);
            if (rc == 0 && c.shown == 0) {
                buf_reset(&c.out);
                staff_say(&c, MSG_STAFF_NONE, NULL, NULL, NULL, NULL);
            }
            break;
        }
        if ((rc = staff_leader(&c, &cmd, &l)) > 0) {
            staff_say(&c, MSG_STAFF_STATUS_HEAD, NULL, NULL, NULL, NULL);
            rc = staff_status_one(&c, &l);
        }
        break;
    case STAFF_CADENCE:
        if ((rc = staff_leader(&c, &cmd, &l)) > 0)
            rc = staff_cadence(&c, &cmd, &l);
        break;
    case STAFF_NUDGE:
        if ((rc = staff_leader(&c, &cmd, &l)) <= 0)
            break;
        if (strcmp(l.consultant, me) != 0) {
            staff_say(&c, MSG_STAFF_CONSULTANT_ONLY, NULL, NULL, NULL, NULL);
            break;
        }
        if ((rc = convo_nudge(st, conf, prompts, &l, now, &id)) < 0 ||
            (rc = store_audit(st, now, me, "nudge", l.id, "chat")) < 0)
            break;
        *nudged = 1;
        staff_say(&c, MSG_STAFF_NUDGED, l.handle, NULL, NULL, NULL);
        break;
    case STAFF_CONSOLE: {
        char url[768];

        rc = web_auth_link(st, conf, me, now, url, sizeof(url));
        if (rc == ERR_CONFIG || rc == ERR_DENIED) {
            staff_say(&c, MSG_STAFF_CONSOLE_OFF, NULL, NULL, NULL, NULL);
            rc = 0;
        } else if (rc == 0 && (rc = store_audit(st, now, me, "console-link", 0,
                                                "chat")) == 0) {
            staff_say(&c, MSG_STAFF_CONSOLE, url, NULL, NULL, NULL);
        }
        break;
    }
    }
out:
    xstrlcpy(reply, c.out.data != NULL ? c.out.data : "", replysz);
    buf_release(&c.out);
    return rc < 0 ? rc : 0;
}
