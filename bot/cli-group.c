/*
 * cli-group.c - `reflekt group`: network groups for peer coaching.
 *
 * A group has one consultant, members (enrolled leaders) and meetings.
 * Before each meeting every member is asked for the challenge they want to
 * bring (the challenge question, timed like a pre-session question in the
 * member's own zone); `group digest` gives the consultant the list, and the
 * challenges members agreed to share go to the group's channel as the
 * agenda.
 */
#include "cli-int.h"

#include "buf.h"
#include "clock.h"
#include "convo.h"
#include "err.h"
#include "lang.h"
#include "sched.h"
#include "xmalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_GROUP_MAX 256 /* members and future meetings handled at once */

static int
cli_group_get(struct store *st, const char *name, struct store_group *g)
{
    int rc = store_group_get(st, name, g);

    if (rc == ERR_NOTFOUND)
        cli_error("no group \"%s\" (see: reflekt group list)", name);
    else if (rc < 0)
        cli_error("cannot read group \"%s\": %s", name, err_str(rc));
    return rc;
}

static int
cli_group_add(const struct config *conf, int argc, char **argv)
{
    struct cli_args a;
    struct store *st;
    struct store_group g;
    const char *consultant, *tz, *lang, *platform, *channel;
    char err[ERR_BUFSZ] = "";
    enum lang lg;
    int rc;

    if (cli_parse(argc, argv, "consultant tz lang platform channel", &a) < 0 ||
        a.npos != 1 || (consultant = cli_opt(&a, "consultant")) == NULL ||
        (tz = cli_opt(&a, "tz")) == NULL ||
        (lang = cli_opt(&a, "lang")) == NULL) {
        cli_error("usage: reflekt group add NAME --consultant NAME --tz ZONE "
                  "--lang nb|sv|en [--platform P --channel ROOM]");
        return 2;
    }
    platform = cli_opt(&a, "platform");
    channel = cli_opt(&a, "channel");
    memset(&g, 0, sizeof(g));
    if (a.pos[0][0] == '\0' || strlen(a.pos[0]) >= sizeof(g.name) ||
        consultant[0] == '\0' || strlen(consultant) >= sizeof(g.consultant)) {
        cli_error("group and consultant names are 1 to %zu bytes",
                  sizeof(g.name) - 1);
        return 2;
    }
    if (lang_parse(lang, &lg) < 0) {
        cli_error("--lang must be nb, sv or en, not \"%s\"", lang);
        return 2;
    }
    if (strlen(tz) >= sizeof(g.tz) || sched_check(conf->cadence, tz, err) < 0) {
        cli_error("%s", err[0] ? err : "--tz is too long");
        return 2;
    }
    if ((platform == NULL) != (channel == NULL) ||
        (platform != NULL &&
         (strlen(platform) >= sizeof(g.platform) || channel[0] == '\0' ||
          strlen(channel) >= sizeof(g.channel)))) {
        cli_error("--platform and --channel come together: the platform "
                  "(console, matrix) and the group's room for its agenda");
        return 2;
    }
    xstrlcpy(g.name, a.pos[0], sizeof(g.name));
    xstrlcpy(g.consultant, consultant, sizeof(g.consultant));
    xstrlcpy(g.lang, lang, sizeof(g.lang));
    xstrlcpy(g.tz, tz, sizeof(g.tz));
    xstrlcpy(g.platform, platform != NULL ? platform : "", sizeof(g.platform));
    xstrlcpy(g.channel, channel != NULL ? channel : "", sizeof(g.channel));
    if (cli_open(conf, &st) < 0)
        return 1;
    if ((rc = store_begin(st)) < 0 || (rc = store_group_add(st, &g)) < 0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        if (rc == ERR_EXISTS)
            cli_error("there is already a group \"%s\"", g.name);
        else
            cli_error("cannot add the group: %s", err_str(rc));
    } else {
        printf("group %s with consultant %s%s%s\n", g.name, g.consultant,
               channel != NULL ? ", agenda in " : "",
               channel != NULL ? channel : "");
    }
    store_close(st);
    return rc < 0 ? 1 : 0;
}

struct cli_group_list {
    struct store *st;
};

static int
cli_group_list_cb(const struct store_group *g, void *arg)
{
    struct cli_group_list *gl = arg;
    struct store_meeting m;
    int64_t ids[CLI_GROUP_MAX];
    char when[32] = "-";
    int n, rc;

    if ((rc = store_group_members(gl->st, g->id, ids, CLI_GROUP_MAX, &n)) < 0)
        return rc;
    rc = store_meeting_next(gl->st, g->id, clock_now(), &m);
    if (rc == 0)
        cli_local(g->tz, m.at, when, sizeof(when));
    else if (rc != ERR_NOTFOUND)
        return rc;
    printf("%-20s %-16s %2d members  next meeting %s  %s\n", g->name,
           g->consultant, n, when, g->channel[0] ? g->channel : "(no channel)");
    return 0;
}

static int
cli_group_list(const struct config *conf, int argc)
{
    struct cli_group_list gl;
    int rc;

    if (argc != 0) {
        cli_error("usage: reflekt group list");
        return 2;
    }
    if (cli_open(conf, &gl.st) < 0)
        return 1;
    if ((rc = store_group_each(gl.st, cli_group_list_cb, &gl)) < 0)
        cli_error("cannot list groups: %s", err_str(rc));
    store_close(gl.st);
    return rc < 0 ? 1 : 0;
}

/* A member's seat at a meeting: a session with its challenge time. */
static int
cli_seat(const struct config *conf, struct store *st,
         const struct store_leader *l, const struct store_meeting *m)
{
    struct store_session s;
    int rc;

    memset(&s, 0, sizeof(s));
    s.engagement_id = l->id;
    s.at = m->at;
    s.meeting_id = m->id;
    xstrlcpy(s.theme, m->theme, sizeof(s.theme));
    if ((rc = convo_session_times(conf, l, m->at, clock_now(), &s.pre_at,
                                  &s.post_at)) < 0)
        return rc;
    rc = store_session_add(st, &s);
    if (rc == ERR_EXISTS)
        cli_error("note: %s already has a session at that time; the group "
                  "meeting does not add another",
                  l->handle);
    return rc == ERR_EXISTS ? 0 : rc;
}

static int
cli_group_join(const struct config *conf, int argc, char **argv, int join)
{
    struct store *st;
    struct store_group g;
    struct store_leader l;
    struct store_meeting m;
    int64_t ids[CLI_GROUP_MAX];
    int n = 0, rc;

    if (argc != 2) {
        cli_error("usage: reflekt group %s NAME HANDLE",
                  join ? "join" : "leave");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    if ((rc = cli_group_get(st, argv[0], &g)) < 0 ||
        (rc = cli_leader_get(st, argv[1], &l)) < 0)
        goto out;
    if ((rc = store_begin(st)) < 0)
        goto fail;
    if (!join) {
        rc = store_group_leave(st, g.id, l.id, clock_now());
        goto commit;
    }
    if ((rc = store_group_join(st, g.id, l.id)) < 0 ||
        (rc = store_meeting_future(st, g.id, clock_now(), ids, CLI_GROUP_MAX,
                                   &n)) < 0)
        goto fail;
    for (int i = 0; i < n && rc == 0; i++) {
        if ((rc = store_meeting_get(st, ids[i], &m)) == 0)
            rc = cli_seat(conf, st, &l, &m);
    }
commit:
    if (rc < 0 || (rc = store_commit(st)) < 0)
        goto fail;
    printf("%s %s %s\n", l.handle, join ? "joined" : "left", g.name);
    goto out;
fail:
    store_rollback(st);
    if (rc == ERR_EXISTS)
        cli_error("%s is already in %s", l.handle, g.name);
    else if (rc == ERR_NOTFOUND)
        cli_error("%s is not in %s", l.handle, g.name);
    else
        cli_error("cannot change the group: %s", err_str(rc));
out:
    store_close(st);
    return rc < 0 ? 1 : 0;
}

static int
cli_group_meeting(const struct config *conf, int argc, char **argv)
{
    struct cli_args a;
    struct store *st;
    struct store_group g;
    struct store_meeting m;
    struct store_leader l;
    const char *at, *theme;
    int64_t ids[CLI_GROUP_MAX], now = clock_now();
    char when[32];
    int n = 0, rc;

    if ((rc = cli_when_args(conf, argc, argv,
                            "reflekt group meeting NAME --at \"YYYY-MM-DD "
                            "HH:MM\" [--theme T[,T...]]",
                            &a, &at, &theme)) != 0)
        return rc;
    if (cli_open(conf, &st) < 0)
        return 1;
    memset(&m, 0, sizeof(m));
    if ((rc = cli_group_get(st, a.pos[0], &g)) < 0)
        goto out;
    if (cli_when(g.tz, at, "group's", &m.at) < 0) {
        store_close(st);
        return 2;
    }
    m.group_id = g.id;
    xstrlcpy(m.theme, theme != NULL ? theme : "", sizeof(m.theme));
    if (m.at > now) {
        m.agenda_at = m.at - conf->agenda_before;
        if (m.agenda_at <= now)
            m.agenda_at = now;
    }
    if ((rc = store_begin(st)) < 0 || (rc = store_meeting_add(st, &m)) < 0 ||
        (rc = store_group_members(st, g.id, ids, CLI_GROUP_MAX, &n)) < 0)
        goto fail;
    for (int i = 0; i < n && rc == 0; i++) {
        if ((rc = store_leader_by_id(st, ids[i], &l)) == 0)
            rc = cli_seat(conf, st, &l, &m);
    }
    if (rc < 0 || (rc = store_commit(st)) < 0)
        goto fail;
    printf("meeting of %s at %s %s for %d member%s\n", g.name, at, g.tz, n,
           n == 1 ? "" : "s");
    if (m.agenda_at > 0 && g.channel[0] != '\0') {
        cli_local(g.tz, m.agenda_at, when, sizeof(when));
        printf("  agenda to %s: %s\n", g.channel, when);
    }
    goto out;
fail:
    store_rollback(st);
    if (rc == ERR_EXISTS)
        cli_error("%s already meets at %s", g.name, at);
    else
        cli_error("cannot add the meeting: %s", err_str(rc));
out:
    store_close(st);
    return rc < 0 ? 1 : 0;
}

struct cli_challenges {
    struct buf *b;
    int n, answered, shared;
};

static int
cli_challenge_cb(const struct store_challenge *c, void *arg)
{
    struct cli_challenges *cc = arg;
    struct buf *b = cc->b;

    cc->n++;
    buf_printf(b, "\n## %s\n\n", c->handle);
    if (c->delivery_id == 0) {
        buf_adds(b, "*Not asked yet.*\n");
        return 0;
    }
    if (c->state != STORE_STATE_ANSWERED || c->answer == NULL) {
        buf_printf(b, "*No challenge (%s).*\n", store_state_name(c->state));
        return 0;
    }
    cc->answered++;
    for (const char *p = c->answer; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);

        buf_adds(b, "> ");
        buf_add(b, p, len);
        buf_adds(b, "\n");
        p += len + (nl ? 1 : 0);
    }
    if (c->agenda) {
        cc->shared++;
        buf_adds(b, "\n*On the group's agenda.*\n");
    } else {
        buf_adds(b, "\n*For the consultant only.*\n");
    }
    return 0;
}

static int
cli_group_digest(const struct config *conf, int argc, char **argv)
{
    struct store *st;
    struct store_group g;
    struct store_meeting m;
    struct buf b;
    struct cli_challenges cc;
    int64_t now = clock_now();
    char when[32];
    int rc;

    if (argc != 1) {
        cli_error("usage: reflekt group digest NAME");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    buf_init(&b, 0);
    if ((rc = cli_group_get(st, argv[0], &g)) < 0)
        goto out;
    /* The coming meeting (or one under way today). */
    rc = store_meeting_next(st, g.id, now - 12 * 3600, &m);
    if (rc == ERR_NOTFOUND) {
        cli_error("%s has no coming meeting (add one: reflekt group "
                  "meeting)",
                  g.name);
        goto out;
    }
    if (rc < 0)
        goto fail;
    cli_local(g.tz, m.at, when, sizeof(when));
    buf_printf(&b, "# Network group %s: challenges for %s\n\n", g.name, when);
    buf_printf(&b, "Consultant: %s · Time zone: %s%s%s\n", g.consultant, g.tz,
               m.theme[0] ? " · Themes: " : "", m.theme);
    memset(&cc, 0, sizeof(cc));
    cc.b = &b;
    if ((rc = store_challenges(st, m.id, cli_challenge_cb, &cc)) < 0 ||
        (rc = store_audit(st, now, cli_actor(), "group-digest", 0, g.name)) < 0)
        goto fail;
    if (cc.n == 0)
        buf_adds(&b, "\nThe group has no members yet.\n");
    buf_printf(&b,
               "\n---\n%d member%s: %d challenge%s brought, %d on the "
               "agenda.\n",
               cc.n, cc.n == 1 ? "" : "s", cc.answered,
               cc.answered == 1 ? "" : "s", cc.shared);
    fputs(b.data, stdout);
    goto out;
fail:
    cli_error("cannot build the group digest: %s", err_str(rc));
out:
    buf_release(&b);
    store_close(st);
    return rc < 0 ? 1 : 0;
}

int
cli_group_main(const struct config *conf, int argc, char **argv)
{
    const char *sub = argc > 0 ? argv[0] : "";

    if (strcmp(sub, "add") == 0)
        return cli_group_add(conf, argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return cli_group_list(conf, argc - 1);
    if (strcmp(sub, "join") == 0)
        return cli_group_join(conf, argc - 1, argv + 1, 1);
    if (strcmp(sub, "leave") == 0)
        return cli_group_join(conf, argc - 1, argv + 1, 0);
    if (strcmp(sub, "meeting") == 0)
        return cli_group_meeting(conf, argc - 1, argv + 1);
    if (strcmp(sub, "digest") == 0)
        return cli_group_digest(conf, argc - 1, argv + 1);
    cli_error("usage: reflekt group add|list|join|leave|meeting|digest ...");
    return 2;
}
