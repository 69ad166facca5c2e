/*
 * cli-rights.c - what a leader may ask of what reflekt holds about them,
 * and the limits that protect it: `leader export` (everything, as one JSON
 * document), `leader erase`, an organisation's retention limit (`org
 * retention`), and the web console's passwords (`person password`).
 *
 * Each command reads or writes in one transaction and is written to the
 * audit log.  An erasure leaves the audit log only the fact that reads and
 * the erasure happened, never whose reflections they were.
 */
#include "cli-int.h"

#include "clock.h"
#include "err.h"
#include "store.h"
#include "xmalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Passwords: at least this many characters, at most this many bytes. */
#define CLI_PASSWORD_MIN 12
#define CLI_PASSWORD_MAX 256

/* An RFC 3339 UTC time, or null for 0 (never). */
static json_t *
cli_rights_time(int64_t t)
{
    char s[32];

    if (t == 0)
        return json_null();
    cli_rfc3339(t, s, sizeof(s));
    return json_string(s);
}

/* A string, or null for NULL (and for text that is not UTF-8, which
 * jansson refuses; reflekt stores none). */
static json_t *
cli_rights_str(const char *s)
{
    json_t *v = s != NULL ? json_string(s) : NULL;

    return v != NULL ? v : json_null();
}

/* ---- leader export -------------------------------------------------- */

struct cli_rights_export {
    struct store *st;
    const char *handle;
    int64_t engagement_id;
    json_t *list;     /* the array being filled */
    json_t *sessions; /* session id -> its object */
    json_t *edits;    /* the current answer message's edit history */
    int rc;
};

static int
cli_rights_identity(const struct store_identity *id, void *arg)
{
    struct cli_rights_export *e = arg;

    json_array_append_new(
        e->list,
        json_pack(
            "{s:o, s:o, s:o}", "platform", cli_rights_str(id->platform),
            "user_id", cli_rights_str(id->user_id), "conversation",
            cli_rights_str(id->conversation[0] ? id->conversation : NULL)));
    return 0;
}

static int
cli_rights_session(const struct store_session *s, void *arg)
{
    struct cli_rights_export *e = arg;
    json_t *themes = json_array(), *o;
    char key[24];
    const char *p = s->theme;

    while (*p != '\0') {
        size_t n = strcspn(p, ",");

        json_array_append_new(themes, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    o = json_pack("{s:o, s:o, s:o, s:b, s:n}", "at", cli_rights_time(s->at),
                  "themes", themes, "calendar_uid",
                  cli_rights_str(s->uid[0] ? s->uid : NULL), "group_meeting",
                  s->meeting_id != 0, "note");
    snprintf(key, sizeof(key), "%" PRId64, s->id);
    json_object_set(e->sessions, key, o);
    json_array_append_new(e->list, o);
    return 0;
}

/*
 * The consultant's private note on a session is exported too: it is held
 * about the leader, and a leader has the right to see everything held
 * about them.
 */
static int
cli_rights_note(int64_t session_id, const char *body, int64_t updated_at,
                void *arg)
{
    struct cli_rights_export *e = arg;
    char key[24];
    json_t *o;

    snprintf(key, sizeof(key), "%" PRId64, session_id);
    o = json_object_get(e->sessions, key);
    if (o != NULL)
        json_object_set_new(o, "note",
                            json_pack("{s:o, s:o}", "text",
                                      cli_rights_str(body), "updated_at",
                                      cli_rights_time(updated_at)));
    return 0;
}

static int
cli_rights_edit(int64_t replaced_at, const char *body, void *arg)
{
    struct cli_rights_export *e = arg;

    json_array_append_new(e->edits,
                          json_pack("{s:o, s:o}", "replaced_at",
                                    cli_rights_time(replaced_at), "old_text",
                                    cli_rights_str(body)));
    return 0;
}

static int
cli_rights_answer(const struct store_response *r, void *arg)
{
    struct cli_rights_export *e = arg;
    json_t *edits = json_array();

    e->edits = edits;
    e->rc = store_response_edits(e->st, r->id, cli_rights_edit, e);
    json_array_append_new(e->list,
                          json_pack("{s:o, s:o, s:o, s:b, s:o}", "received_at",
                                    cli_rights_time(r->received_at), "text",
                                    cli_rights_str(r->body), "platform_msg_id",
                                    cli_rights_str(r->msg_id), "retracted",
                                    r->retracted, "edits", edits));
    return e->rc;
}

static int
cli_rights_delivery(const struct store_row *r, void *arg)
{
    struct cli_rights_export *e = arg;
    json_t *deliveries = e->list, *answers = json_array();
    int rc;

    e->list = answers;
    rc = store_response_each(e->st, r->delivery_id, cli_rights_answer, e);
    e->list = deliveries;
    json_array_append_new(
        deliveries,
        json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:b, s:b, "
                  "s:o, s:o}",
                  "id", (json_int_t)r->delivery_id, "prompt",
                  cli_rights_str(r->prompt_id), "kind", cli_rights_str(r->kind),
                  "question", cli_rights_str(r->question), "due_at",
                  cli_rights_time(r->due_at), "sent_at",
                  cli_rights_time(r->sent_at), "answered_at",
                  cli_rights_time(r->answered_at), "state",
                  store_state_name(r->state), "score",
                  r->score > 0 ? json_integer(r->score) : json_null(), "agenda",
                  r->agenda, "shared", r->shared, "recall_of",
                  r->recall_of > 0 ? json_integer(r->recall_of) : json_null(),
                  "answers", answers));
    return rc;
}

static int
cli_rights_group(const struct store_group *g, void *arg)
{
    struct cli_rights_export *e = arg;

    json_array_append_new(e->list, cli_rights_str(g->name));
    return 0;
}

static int
cli_rights_own(const struct store_own *o, void *arg)
{
    struct cli_rights_export *e = arg;
    char id[32];

    if (o->engagement_id != e->engagement_id)
        return 0;
    snprintf(id, sizeof(id), "own-%" PRId64, o->id);
    json_array_append_new(
        e->list,
        json_pack("{s:s, s:I, s:o, s:o, s:o}", "id", id, "engagement_id",
                  (json_int_t)o->engagement_id, "kind", cli_rights_str(o->kind),
                  "text", cli_rights_str(o->text), "followup",
                  cli_rights_str(o->followup[0] ? o->followup : NULL)));
    return 0;
}

static int
cli_rights_audit_row(const struct store_audit_row *r, void *arg)
{
    struct cli_rights_export *e = arg;

    if (r->handle == NULL || strcmp(r->handle, e->handle) != 0)
        return 0;
    json_array_append_new(
        e->list,
        json_pack("{s:o, s:o, s:o, s:o}", "at", cli_rights_time(r->at), "actor",
                  cli_rights_str(r->actor), "action", cli_rights_str(r->action),
                  "detail", cli_rights_str(r->detail)));
    return 0;
}

static json_t *
cli_rights_engagement(const struct store_leader *l)
{
    static const char *const day[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    char hours[32], days[32] = "";

    snprintf(hours, sizeof(hours), "%02d:%02d-%02d:%02d", l->work_from / 60,
             l->work_from % 60, l->work_to / 60, l->work_to % 60);
    for (int i = 0; i < 7; i++) {
        if ((l->work_days & (1u << (i + 1))) == 0)
            continue;
        if (days[0] != '\0')
            xstrlcpy(days + strlen(days), ",", sizeof(days) - strlen(days));
        xstrlcpy(days + strlen(days), day[i], sizeof(days) - strlen(days));
    }
    return json_pack(
        "{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:i, "
        "s:{s:b, s:o}, s:o}",
        "id", (json_int_t)l->id, "consultant", cli_rights_str(l->consultant),
        "manager", cli_rights_str(l->manager), "org", cli_rights_str(l->org),
        "lang", cli_rights_str(l->lang), "tz", cli_rights_str(l->tz), "country",
        cli_rights_str(l->country), "cadence", cli_rights_str(l->cadence),
        "dtstart", cli_rights_str(l->dtstart), "working_hours", hours, "days",
        days, "weekly_cap", l->weekly_cap, "pause", "paused", l->paused,
        "until", l->paused ? cli_rights_time(l->paused_until) : json_null(),
        "next_due_at", cli_rights_time(l->next_due_at));
}

/* Fill root with everything held about leader l; e->rc on failure. */
static int
cli_rights_collect(struct cli_rights_export *e, const struct store_leader *l,
                   json_t *root)
{
    struct store_person p;
    json_t *roles = json_array(), *list;
    int rc;

    if ((rc = store_person_get(e->st, l->handle, &p)) < 0) {
        json_decref(roles);
        return rc;
    }
    if (p.roles & STORE_ROLE_LEADER)
        json_array_append_new(roles, json_string("leader"));
    if (p.roles & STORE_ROLE_CONSULTANT)
        json_array_append_new(roles, json_string("consultant"));
    if (p.roles & STORE_ROLE_MANAGER)
        json_array_append_new(roles, json_string("manager"));
    if (p.roles & STORE_ROLE_ADMIN)
        json_array_append_new(roles, json_string("admin"));
    json_object_set_new(root, "person",
                        json_pack("{s:o, s:o}", "name", cli_rights_str(p.name),
                                  "roles", roles));

    e->list = list = json_array();
    json_object_set_new(root, "identities", list);
    if ((rc = store_identity_each(e->st, p.id, cli_rights_identity, e)) < 0)
        return rc;
    json_object_set_new(root, "engagement", cli_rights_engagement(l));

    e->list = list = json_array();
    json_object_set_new(root, "sessions", list);
    if ((rc = store_session_each(e->st, l->id, 0, cli_rights_session, e)) < 0 ||
        (rc = store_note_each(e->st, l->id, cli_rights_note, e)) < 0)
        return rc;

    e->list = list = json_array();
    json_object_set_new(root, "deliveries", list);
    if ((rc = store_rows(e->st, l->id, 0, cli_rights_delivery, e)) < 0)
        return rc;

    e->list = list = json_array();
    json_object_set_new(root, "groups", list);
    if ((rc = store_group_each_of(e->st, l->id, cli_rights_group, e)) < 0)
        return rc;

    e->list = list = json_array();
    json_object_set_new(root, "own_questions", list);
    if ((rc = store_own_each(e->st, cli_rights_own, e)) < 0)
        return rc;

    e->list = list = json_array();
    json_object_set_new(root, "audit", list);
    return store_audit_each(e->st, cli_rights_audit_row, e);
}

int
cli_rights_export(const struct config *conf, int argc, char **argv)
{
    struct cli_rights_export e;
    struct store_leader l;
    struct store *st;
    json_t *root = NULL;
    int64_t now = clock_now();
    int rc;

    if (argc != 1) {
        cli_error("usage: reflekt leader export HANDLE");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    memset(&e, 0, sizeof(e));
    e.st = st;
    e.handle = argv[0];
    e.sessions = json_object();
    /* One transaction: every part of the export is of the same moment. */
    if ((rc = store_begin(st)) < 0) {
        cli_error("cannot export: %s", err_str(rc));
        goto out;
    }
    if ((rc = cli_leader_get(st, argv[0], &l)) < 0) {
        store_rollback(st);
        goto out;
    }
    e.engagement_id = l.id;
    root = json_pack("{s:s, s:o}", "handle", l.handle, "exported_at",
                     cli_rights_time(now));
    if ((rc = cli_rights_collect(&e, &l, root)) < 0 ||
        (rc = store_audit(st, now, cli_actor(), "leader-export", l.id, NULL)) <
            0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        cli_error("cannot export %s: %s", l.handle, err_str(rc));
        goto out;
    }
    {
        char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

        if (s == NULL) {
            cli_error("cannot export %s: %s", l.handle, err_str(ERR_NOMEM));
            rc = ERR_NOMEM;
            goto out;
        }
        puts(s);
        free(s);
    }
out:
    json_decref(root);
    json_decref(e.sessions);
    store_close(st);
    return rc < 0 ? 1 : 0;
}

/* ---- leader erase --------------------------------------------------- */

/* "s" for a plural. */
static const char *
cli_rights_s(int n)
{
    return n == 1 ? "" : "s";
}

static void
cli_rights_staff_roles(struct store *st, const char *name, char *out,
                       size_t outsz)
{
    struct store_person p;

    out[0] = '\0';
    if (store_person_get(st, name, &p) < 0)
        return;
    if (p.roles & STORE_ROLE_CONSULTANT)
        xstrlcpy(out + strlen(out), " consultant", outsz - strlen(out));
    if (p.roles & STORE_ROLE_MANAGER)
        xstrlcpy(out + strlen(out), " manager", outsz - strlen(out));
    if (p.roles & STORE_ROLE_ADMIN)
        xstrlcpy(out + strlen(out), " admin", outsz - strlen(out));
}

int
cli_rights_erase(const struct config *conf, int argc, char **argv)
{
    struct store_erase er;
    struct store_leader l;
    struct store *st;
    const char *handle = NULL;
    char roles[48];
    int yes = 0, bad = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--yes") == 0)
            yes = 1;
        else if (handle == NULL && argv[i][0] != '-')
            handle = argv[i];
        else
            bad = 1;
    }
    if (handle == NULL || bad) {
        cli_error("usage: reflekt leader erase HANDLE [--yes]");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    if ((rc = store_begin(st)) < 0) {
        cli_error("cannot erase %s: %s", handle, err_str(rc));
        goto out;
    }
    if ((rc = cli_leader_get(st, handle, &l)) < 0) {
        store_rollback(st);
        goto out;
    }
    cli_rights_staff_roles(st, handle, roles, sizeof(roles));
    if (!yes) {
        rc = store_leader_erase_count(st, l.id, &er);
        store_rollback(st);
        if (rc < 0) {
            cli_error("cannot count what %s has: %s", handle, err_str(rc));
            goto out;
        }
        printf("erasing %s would remove:\n"
               "  %d answer%s (%d edit%s), %d question%s, %d session%s (%d "
               "note%s),\n"
               "  %d own question%s, %d group membership%s, %d chat "
               "account%s,\n",
               handle, er.answers, cli_rights_s(er.answers), er.edits,
               cli_rights_s(er.edits), er.questions, cli_rights_s(er.questions),
               er.sessions, cli_rights_s(er.sessions), er.notes,
               cli_rights_s(er.notes), er.own, cli_rights_s(er.own), er.groups,
               cli_rights_s(er.groups), er.identities,
               cli_rights_s(er.identities));
        if (er.keep_person)
            printf("  the engagement and the leader role; %s stays as a "
                   "person (also%s)\n",
                   handle, roles[0] ? roles : " named by other leaders");
        else
            printf("  the engagement and the person\n");
        printf("%d audit row%s about %s would keep who did what and when, "
               "not whose\n",
               er.audit, cli_rights_s(er.audit), handle);
        cli_error("add --yes to erase %s for good", handle);
        store_close(st);
        return 2;
    }
    if ((rc = store_leader_erase(st, l.id, &er)) < 0 ||
        (rc = store_audit(st, clock_now(), cli_actor(), "leader-erase", 0,
                          NULL)) < 0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        cli_error("cannot erase %s: %s; nothing was removed", handle,
                  err_str(rc));
        goto out;
    }
    printf("erased %s: %d answer%s, %d question%s, %d session%s\n", handle,
           er.answers, cli_rights_s(er.answers), er.questions,
           cli_rights_s(er.questions), er.sessions, cli_rights_s(er.sessions));
    if (er.keep_person)
        printf("%s is also%s: the person, those roles and their chat "
               "accounts stay; the leader role and its data are gone\n",
               handle, roles[0] ? roles : " named by other leaders");
out:
    store_close(st);
    return rc < 0 ? 1 : 0;
}

/* ---- org retention -------------------------------------------------- */

struct cli_rights_orgs {
    char names[512];
    int n;
};

static int
cli_rights_org_name(const char *name, int months, void *arg)
{
    struct cli_rights_orgs *o = arg;
    size_t len = strlen(o->names);

    (void)months;
    if (len + 1 < sizeof(o->names))
        snprintf(o->names + len, sizeof(o->names) - len, " %s", name);
    o->n++;
    return 0;
}

int
cli_rights_retention(const struct config *conf, int argc, char **argv)
{
    struct store *st;
    int64_t now = clock_now();
    long months = 0;
    int swept = 0, rc;

    if (argc != 2) {
        cli_error("usage: reflekt org retention NAME MONTHS|none");
        return 2;
    }
    if (strcmp(argv[1], "none") != 0) {
        char *end;

        errno = 0;
        months = strtol(argv[1], &end, 10);
        if (end == argv[1] || *end != '\0' || errno != 0 || months < 1 ||
            months > 120) {
            cli_error("MONTHS must be a whole number from 1 to 120, or none "
                      "to keep answers, not \"%s\"",
                      argv[1]);
            return 2;
        }
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    if ((rc = store_begin(st)) < 0)
        goto fail;
    rc = store_org_set_retention(st, argv[0], (int)months);
    if (rc == ERR_NOTFOUND) {
        struct cli_rights_orgs o = {.names = "", .n = 0};

        store_org_each(st, cli_rights_org_name, &o);
        store_rollback(st);
        if (o.n == 0)
            cli_error("no organisation \"%s\" (none yet: leader add --org "
                      "makes one)",
                      argv[0]);
        else
            cli_error("no organisation \"%s\"; organisations:%s", argv[0],
                      o.names);
        store_close(st);
        return 1;
    }
    /* The new limit applies at once, not at the daemon's next sweep. */
    if (rc < 0 || (rc = store_retention_sweep(st, now, &swept)) < 0 ||
        (rc = store_commit(st)) < 0)
        goto fail;
    if (months == 0)
        printf("retention of %s: none; answers are kept\n", argv[0]);
    else
        printf("retention of %s: %ld month%s; %d older answer%s deleted\n",
               argv[0], months, cli_rights_s((int)months), swept,
               cli_rights_s(swept));
    store_close(st);
    return 0;
fail:
    store_rollback(st);
    cli_error("cannot set the retention of %s: %s", argv[0], err_str(rc));
    store_close(st);
    return 1;
}

/* ---- person password ------------------------------------------------ */

/*
 * Read one line from fd a byte at a time, so no copy of it stays in a
 * stdio buffer.  Bytes beyond bufsz - 1 are read and dropped, and *len
 * says how many there were.  Returns: 0, ERR_NOTFOUND at end of input
 * with nothing read, or ERR_IO.
 */
static int
cli_rights_read_line(int fd, char *buf, size_t bufsz, size_t *len)
{
    size_t n = 0;
    char c;

    for (;;) {
        ssize_t r = read(fd, &c, 1);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ERR_IO;
        if (r == 0) {
            if (n == 0)
                return ERR_NOTFOUND;
            break;
        }
        if (c == '\n')
            break;
        if (n + 1 < bufsz)
            buf[n] = c;
        n++;
    }
    if (n > 0 && n < bufsz && buf[n - 1] == '\r')
        n--;
    buf[n < bufsz ? n : bufsz - 1] = '\0';
    *len = n;
    return 0;
}

/* Ask on the terminal with echo off.  Returns: as cli_rights_read_line. */
static int
cli_rights_ask(const char *prompt, char *buf, size_t bufsz, size_t *len)
{
    struct termios old, quiet;
    int rc, tty = tcgetattr(STDIN_FILENO, &old) == 0;

    fputs(prompt, stderr);
    fflush(stderr);
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    rc = cli_rights_read_line(STDIN_FILENO, buf, bufsz, len);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    return rc;
}

/* Characters, not bytes: UTF-8 continuation bytes do not count. */
static size_t
cli_rights_chars(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n;
}

/*
 * The new password into pw (CLI_PASSWORD_MAX + 2 bytes), checked.
 * Returns: 0, or 2 after saying what was wrong.
 */
static int
cli_rights_password_read(const char *name, char *pw, size_t pwsz, size_t *len)
{
    char again[CLI_PASSWORD_MAX + 2], prompt[STORE_NAME_MAX + 32];
    size_t len2 = 0;
    int rc, tty = isatty(STDIN_FILENO);

    snprintf(prompt, sizeof(prompt), "New password for %s: ", name);
    rc = tty ? cli_rights_ask(prompt, pw, pwsz, len)
             : cli_rights_read_line(STDIN_FILENO, pw, pwsz, len);
    if (rc == ERR_NOTFOUND) {
        cli_error("no password on standard input (one line)");
        return 2;
    }
    if (rc < 0) {
        cli_error("cannot read the password: %s", strerror(errno));
        return 2;
    }
    if (*len > CLI_PASSWORD_MAX) {
        cli_error("the password is longer than %d bytes", CLI_PASSWORD_MAX);
        return 2;
    }
    if (cli_rights_chars(pw, *len) < CLI_PASSWORD_MIN) {
        cli_error("the password must have at least %d characters",
                  CLI_PASSWORD_MIN);
        return 2;
    }
    if (!tty)
        return 0;
    rc = cli_rights_ask("Again, to be sure: ", again, sizeof(again), &len2);
    if (rc == 0 && (len2 != *len || sodium_memcmp(again, pw, *len) != 0))
        rc = ERR_INVAL;
    sodium_memzero(again, sizeof(again));
    if (rc < 0) {
        cli_error("the two passwords differ; nothing changed");
        return 2;
    }
    return 0;
}

int
cli_rights_password(const struct config *conf, int argc, char **argv)
{
    struct store_person p;
    struct store *st;
    char pw[CLI_PASSWORD_MAX + 2];
    char hash[crypto_pwhash_STRBYTES];
    const char *action;
    size_t len = 0;
    int clear = 0, status = 1, rc;

    if (argc == 2 && strcmp(argv[1], "--clear") == 0)
        clear = 1;
    if ((argc != 1 && !clear) || argv[0][0] == '-') {
        cli_error("usage: reflekt person password NAME [--clear]");
        return 2;
    }
    if (sodium_init() < 0) {
        cli_error("cannot start libsodium");
        return 1;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    rc = store_person_get(st, argv[0], &p);
    if (rc == ERR_NOTFOUND) {
        cli_error("no person \"%s\"", argv[0]);
        goto out;
    }
    if (rc < 0) {
        cli_error("cannot read %s: %s", argv[0], err_str(rc));
        goto out;
    }
    if ((p.roles & (STORE_ROLE_CONSULTANT | STORE_ROLE_MANAGER |
                    STORE_ROLE_ADMIN)) == 0) {
        cli_error("%s is a leader; only consultants, managers and admins "
                  "sign in to the web console with a password",
                  p.name);
        goto out;
    }
    hash[0] = '\0';
    if (!clear) {
        if ((status = cli_rights_password_read(p.name, pw, sizeof(pw), &len)) !=
            0)
            goto out;
        status = 1;
        rc =
            crypto_pwhash_str(hash, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE);
        sodium_memzero(pw, sizeof(pw));
        if (rc != 0) {
            cli_error("cannot hash the password: out of memory");
            goto out;
        }
    }
    action = clear ? "password-clear" : "password-set";
    if ((rc = store_begin(st)) < 0 ||
        (rc = store_person_set_password(st, p.id, clear ? NULL : hash)) < 0 ||
        (rc = store_audit(st, clock_now(), cli_actor(), action, 0, p.name)) <
            0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        cli_error("cannot store the password: %s", err_str(rc));
        goto out;
    }
    printf("password of %s %s\n", p.name, clear ? "cleared" : "set");
    status = 0;
out:
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(hash, sizeof(hash));
    store_close(st);
    return status;
}

/*
 * `person admin NAME [--remove]`: an administrator sees every leader and
 * their participation in the web console, never an answer.  Audited.
 */
int
cli_rights_admin(const struct config *conf, int argc, char **argv)
{
    struct store *st;
    int remove = argc == 2 && strcmp(argv[1], "--remove") == 0, rc;

    if ((argc != 1 && !remove) || argv[0][0] == '-') {
        cli_error("usage: reflekt person admin NAME [--remove]");
        return 2;
    }
    if (!cli_handle_ok(argv[0])) {
        cli_error("name \"%s\" must be 1-63 letters, digits, '.', '_' or "
                  "'-'",
                  argv[0]);
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    if ((rc = store_begin(st)) < 0 ||
        (rc = store_person_admin(st, argv[0], !remove)) < 0 ||
        (rc = store_audit(st, clock_now(), cli_actor(),
                          remove ? "admin-remove" : "admin-grant", 0,
                          argv[0])) < 0 ||
        (rc = store_commit(st)) < 0)
        store_rollback(st);
    if (rc == ERR_NOTFOUND)
        cli_error("%s is not an administrator", argv[0]);
    else if (rc < 0)
        cli_error("cannot change %s: %s", argv[0], err_str(rc));
    else if (remove)
        printf("%s is no longer an administrator\n", argv[0]);
    else
        printf("%s is an administrator: every leader and their "
               "participation in the web console, never an answer "
               "(reflekt console-link %s)\n",
               argv[0], argv[0]);
    store_close(st);
    return rc < 0 ? 1 : 0;
}
