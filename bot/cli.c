/*
 * cli.c - the command-line commands.
 *
 * Each command validates everything before it writes, and writes in one
 * transaction, so a failed command leaves the database as it was.  Errors
 * name what was wrong and exit non-zero.  Reading answer text (review,
 * export) is written to the audit log with the operating-system user.
 */
#include "cli.h"
#include "cli-int.h"

#include "buf.h"
#include "clock.h"
#include "convo.h"
#include "err.h"
#include "holiday.h"
#include "lang.h"
#include "log.h"
#include "prompt.h"
#include "sched.h"
#include "store.h"
#include "xmalloc.h"

#include "adapter.h"
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void
cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("reflekt: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/*
 * Split argv into "--name value" options (names from known, a
 * space-separated list) and positional arguments.
 */
int
cli_parse(int argc, char **argv, const char *known, struct cli_args *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];

        if (strncmp(arg, "--", 2) == 0) {
            const char *name = arg + 2;
            const char *hit = strstr(known, name);
            size_t len = strlen(name);

            while (hit != NULL && !((hit == known || hit[-1] == ' ') &&
                                    (hit[len] == ' ' || hit[len] == '\0')))
                hit = strstr(hit + 1, name);
            if (hit == NULL || len == 0) {
                cli_error("unknown option \"%s\"", arg);
                return ERR_INVAL;
            }
            if (i + 1 >= argc) {
                cli_error("option \"%s\" needs a value", arg);
                return ERR_INVAL;
            }
            if (a->nopts == CLI_MAX_OPTS) {
                cli_error("too many options");
                return ERR_INVAL;
            }
            a->name[a->nopts] = name;
            a->value[a->nopts++] = argv[++i];
        } else {
            if (a->npos == CLI_MAX_ARGS) {
                cli_error("too many arguments");
                return ERR_INVAL;
            }
            a->pos[a->npos++] = arg;
        }
    }
    return 0;
}

const char *
cli_opt(const struct cli_args *a, const char *name)
{
    const char *v = NULL;

    for (int i = 0; i < a->nopts; i++) {
        if (strcmp(a->name[i], name) == 0)
            v = a->value[i]; /* the last one wins */
    }
    return v;
}

int
cli_open(const struct config *conf, struct store **st)
{
    char err[ERR_BUFSZ] = "";

    if (store_open(conf->db, st, err) < 0) {
        cli_error("%s", err);
        return ERR_DB;
    }
    return 0;
}

int
cli_prompts(const struct config *conf, struct prompt_set *ps)
{
    char err[ERR_BUFSZ] = "";

    prompt_set_init(ps);
    if (prompt_set_load_builtin(ps, err) < 0 ||
        (conf->prompts_dir != NULL &&
         prompt_set_load_dir(ps, conf->prompts_dir, err) < 0)) {
        cli_error("%s", err);
        prompt_set_release(ps);
        return ERR_INVAL;
    }
    return 0;
}

int
cli_leader_get(struct store *st, const char *handle, struct store_leader *l)
{
    int rc = store_leader_get(st, handle, l);

    if (rc == ERR_NOTFOUND)
        cli_error("no leader \"%s\" (see: reflekt leader list)", handle);
    else if (rc < 0)
        cli_error("cannot read leader \"%s\": %s", handle, err_str(rc));
    return rc;
}

const char *
cli_actor(void)
{
    static char actor[80];
    const char *user = getenv("USER");

    if (user != NULL && user[0] != '\0')
        snprintf(actor, sizeof(actor), "cli:%.64s", user);
    else
        snprintf(actor, sizeof(actor), "cli:uid%ld", (long)getuid());
    return actor;
}

int
cli_handle_ok(const char *h)
{
    size_t len = strlen(h);

    if (len == 0 || len >= STORE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = h[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

void
cli_local(const char *tz, int64_t t, char *out, size_t outsz)
{
    struct tm tm;

    if (t == 0) {
        xstrlcpy(out, "-", outsz);
        return;
    }
    if (sched_local(tz, t, &tm) < 0)
        gmtime_r(&(time_t){(time_t)t}, &tm);
    strftime(out, outsz, "%Y-%m-%d %H:%M", &tm);
}

void
cli_rfc3339(int64_t t, char *out, size_t outsz)
{
    struct tm tm;
    time_t tt = (time_t)t;

    gmtime_r(&tt, &tm);
    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- leader ---------------------------------------------------------- */

static int
cli_leader_add(const struct config *conf, int argc, char **argv)
{
    static const char known[] =
        "platform user consultant manager tz lang cadence hours days cap "
        "org holidays start";
    struct cli_args a;
    struct store_leader l;
    struct store *st = NULL;
    const char *v;
    char err[ERR_BUFSZ] = "";
    struct tm today;
    int64_t next;
    const char *tz;
    char tzbuf[64];
    int rc;

    if (cli_parse(argc, argv, known, &a) < 0)
        return 2;
    if (a.npos != 1) {
        cli_error("usage: reflekt leader add HANDLE --platform P --user ID "
                  "--consultant NAME --manager NAME [--tz ZONE] --lang "
                  "nb|sv|en [--cadence RRULE] [--hours HH:MM-HH:MM] [--days "
                  "MO,TU,..] [--cap N] [--org NAME] [--holidays no|se|none] "
                  "[--start YYYY-MM-DD]");
        return 2;
    }
    memset(&l, 0, sizeof(l));
    if (!cli_handle_ok(a.pos[0])) {
        cli_error("handle \"%s\" must be 1-63 letters, digits, '.', '_' or "
                  "'-'",
                  a.pos[0]);
        return 2;
    }
    xstrlcpy(l.handle, a.pos[0], sizeof(l.handle));
    {
        static const char *const need[] = {"platform", "user", "consultant",
                                           "manager", "lang"};
        for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
            v = cli_opt(&a, need[i]);
            if (v == NULL || v[0] == '\0') {
                cli_error("leader add: --%s is required", need[i]);
                return 2;
            }
        }
    }
    v = cli_opt(&a, "platform");
    if (adapter_find(v) == NULL) {
        cli_error("unknown platform \"%s\" (this reflekt knows: console, "
                  "matrix, slack, teams)",
                  v);
        return 2;
    }
    if (!cli_user_ok(v, cli_opt(&a, "user")))
        return 2;
    tz = cli_opt(&a, "tz");
    if (tz == NULL || tz[0] == '\0') {
        /* The platform may know where the leader is (Slack's profile). */
        if (strcmp(v, "slack") != 0) {
            cli_error("leader add: --tz is required");
            return 2;
        }
        if (cli_platform_tz(conf, v, cli_opt(&a, "user"), tzbuf,
                            sizeof(tzbuf)) < 0)
            return 1;
        tz = tzbuf;
        printf("time zone from Slack: %s (give --tz to choose another)\n", tz);
    }
    xstrlcpy(l.platform, v, sizeof(l.platform));
    if (xstrlcpy(l.user_id, cli_opt(&a, "user"), sizeof(l.user_id)) >=
        sizeof(l.user_id)) {
        cli_error("--user is longer than %d bytes", STORE_ID_MAX - 1);
        return 2;
    }
    if (!cli_handle_ok(cli_opt(&a, "consultant")) ||
        !cli_handle_ok(cli_opt(&a, "manager"))) {
        cli_error("--consultant and --manager must be 1-63 letters, digits, "
                  "'.', '_' or '-'");
        return 2;
    }
    xstrlcpy(l.consultant, cli_opt(&a, "consultant"), sizeof(l.consultant));
    xstrlcpy(l.manager, cli_opt(&a, "manager"), sizeof(l.manager));
    v = cli_opt(&a, "org");
    if (v != NULL && !cli_handle_ok(v)) {
        cli_error("--org must be 1-63 letters, digits, '.', '_' or '-'");
        return 2;
    }
    xstrlcpy(l.org, v != NULL ? v : "default", sizeof(l.org));
    v = cli_opt(&a, "lang");
    {
        enum lang lang;

        if (lang_parse(v, &lang) < 0) {
            cli_error("--lang must be nb, sv or en, not \"%s\"", v);
            return 2;
        }
    }
    xstrlcpy(l.lang, v, sizeof(l.lang));
    v = cli_opt(&a, "cadence");
    if (v == NULL)
        v = conf->cadence;
    if (xstrlcpy(l.cadence, v, sizeof(l.cadence)) >= sizeof(l.cadence)) {
        cli_error("--cadence is too long");
        return 2;
    }
    if (xstrlcpy(l.tz, tz, sizeof(l.tz)) >= sizeof(l.tz) ||
        sched_check(l.cadence, l.tz, err) < 0) {
        cli_error("%s", err[0] ? err : "--tz is too long");
        return 2;
    }
    l.work_from = conf->work_from;
    l.work_to = conf->work_to;
    l.work_days = conf->work_days;
    l.weekly_cap = conf->weekly_cap;
    l.summer_from = conf->summer_from;
    l.summer_to = conf->summer_to;
    if ((v = cli_opt(&a, "hours")) != NULL &&
        sched_parse_hours(v, &l.work_from, &l.work_to, err) < 0) {
        cli_error("--hours: %s", err);
        return 2;
    }
    if ((v = cli_opt(&a, "days")) != NULL &&
        sched_parse_days(v, &l.work_days, err) < 0) {
        cli_error("--days: %s", err);
        return 2;
    }
    if ((v = cli_opt(&a, "cap")) != NULL) {
        char *end;
        long n = strtol(v, &end, 10);

        if (end == v || *end != '\0' || n < 0 || n > 21) {
            cli_error("--cap must be a whole number from 0 to 21");
            return 2;
        }
        l.weekly_cap = (int)n;
    }
    v = cli_opt(&a, "holidays");
    if (v == NULL)
        v = conf->holidays;
    if (strcmp(v, "auto") == 0) {
        v = strcmp(l.lang, "sv") == 0 ? "se" : "no";
    } else {
        enum holiday_country hc;

        if (holiday_country_parse(v, &hc) < 0) {
            cli_error("--holidays must be no, se or none, not \"%s\"", v);
            return 2;
        }
    }
    xstrlcpy(l.country, v, sizeof(l.country));
    v = cli_opt(&a, "start");
    if (v != NULL) {
        int y, m, d, n = 0;

        if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
            m < 1 || m > 12 || d < 1 || d > 31) {
            cli_error("--start must be YYYY-MM-DD, not \"%s\"", v);
            return 2;
        }
        xstrlcpy(l.dtstart, v, sizeof(l.dtstart));
    } else {
        sched_local(l.tz, clock_now(), &today);
        strftime(l.dtstart, sizeof(l.dtstart), "%Y-%m-%d", &today);
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    rc = store_leader_add(st, &l, err);
    if (rc < 0) {
        cli_error("leader add: %s", err[0] ? err : err_str(rc));
        goto out;
    }
    if ((rc = store_begin(st)) < 0 ||
        (rc = convo_replan(st, &l, clock_now(), &next, err)) < 0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        cli_error("leader add: cannot plan the first question: %s",
                  err[0] ? err : err_str(rc));
        goto out;
    }
    {
        char when[32];

        cli_local(l.tz, next, when, sizeof(when));
        printf("enrolled %s (%s %s); first question %s %s\n", l.handle,
               l.platform, l.user_id, when, l.tz);
    }
out:
    store_close(st);
    return rc < 0 ? 1 : 0;
}

static int
cli_list_cb(const struct store_leader *l, void *arg)
{
    char next[32], paused[32];

    (void)arg;
    cli_local(l->tz, l->next_due_at, next, sizeof(next));
    if (!l->paused)
        xstrlcpy(paused, "-", sizeof(paused));
    else if (l->paused_until == 0)
        xstrlcpy(paused, "until resumed", sizeof(paused));
    else
        cli_local(l->tz, l->paused_until, paused, sizeof(paused));
    printf("%-16s %-8s %-20s %-12s %-12s %-3s %-18s %-17s %s\n", l->handle,
           l->platform, l->user_id, l->consultant, l->manager, l->lang, l->tz,
           next, paused);
    return 0;
}

static int
cli_leader_list(const struct config *conf)
{
    struct store *st;
    int rc;

    if (cli_open(conf, &st) < 0)
        return 1;
    printf("%-16s %-8s %-20s %-12s %-12s %-3s %-18s %-17s %s\n", "HANDLE",
           "PLATFORM", "USER", "CONSULTANT", "MANAGER", "LNG", "TIME ZONE",
           "NEXT QUESTION", "PAUSED");
    rc = store_leader_each(st, cli_list_cb, NULL);
    if (rc < 0)
        cli_error("cannot list leaders: %s", err_str(rc));
    store_close(st);
    return rc < 0 ? 1 : 0;
}

/* Parse YYYY-MM-DD in the leader's zone to local midnight. */
int
cli_date(const char *tz, const char *s, int64_t *out)
{
    return sched_parse_day(tz, s, out);
}

static int
cli_leader_pause(const struct config *conf, int argc, char **argv, int pause)
{
    struct cli_args a;
    struct store *st;
    struct store_leader l;
    int64_t until = 0, next;
    const char *v;
    char err[ERR_BUFSZ] = "";
    int rc;

    if (cli_parse(argc, argv, pause ? "until" : "", &a) < 0)
        return 2;
    if (a.npos != 1) {
        cli_error(pause ? "usage: reflekt leader pause HANDLE [--until "
                          "YYYY-MM-DD]"
                        : "usage: reflekt leader resume HANDLE");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    if ((rc = cli_leader_get(st, a.pos[0], &l)) < 0)
        goto out;
    if ((v = cli_opt(&a, "until")) != NULL && cli_date(l.tz, v, &until) < 0) {
        cli_error("--until must be YYYY-MM-DD, not \"%s\"", v);
        rc = ERR_INVAL;
        goto out;
    }
    if (until != 0 && until <= clock_now()) {
        cli_error("--until %s has already passed", v);
        rc = ERR_INVAL;
        goto out;
    }
    l.paused = pause;
    l.paused_until = pause ? until : 0;
    if ((rc = store_begin(st)) < 0 ||
        (rc = store_leader_set_pause(st, l.id, l.paused, l.paused_until)) < 0 ||
        (rc = convo_replan(st, &l, clock_now(), &next, err)) < 0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        cli_error("cannot %s %s: %s", pause ? "pause" : "resume", l.handle,
                  err[0] ? err : err_str(rc));
        goto out;
    }
    {
        char when[32];

        cli_local(l.tz, next, when, sizeof(when));
        printf("%s %s; next question %s\n", l.handle,
               pause ? "paused" : "resumed", when);
    }
out:
    store_close(st);
    return rc < 0 ? 1 : 0;
}

static int
cli_leader(const struct config *conf, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0)
        return cli_leader_add(conf, argc - 2, argv + 2);
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return cli_leader_list(conf);
    if (argc >= 2 && strcmp(argv[1], "pause") == 0)
        return cli_leader_pause(conf, argc - 2, argv + 2, 1);
    if (argc >= 2 && strcmp(argv[1], "resume") == 0)
        return cli_leader_pause(conf, argc - 2, argv + 2, 0);
    if (argc >= 2 && strcmp(argv[1], "export") == 0)
        return cli_rights_export(conf, argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "erase") == 0)
        return cli_rights_erase(conf, argc - 2, argv + 2);
    cli_error("usage: reflekt leader add|list|pause|resume|export|erase ...");
    return 2;
}

/* ---- org, session, nudge ------------------------------------------- */

struct cli_org {
    struct store *st;
    const char *org;
    int rc;
};

static int
cli_org_cb(const struct store_leader *l, void *arg)
{
    struct cli_org *co = arg;
    int64_t next;

    if (strcmp(l->org, co->org) != 0)
        return 0;
    co->rc = convo_replan(co->st, l, clock_now(), &next, NULL);
    return co->rc;
}

static int
cli_org(const struct config *conf, int argc, char **argv)
{
    struct store *st;
    struct cli_org co;
    int from, to, rc;
    char err[ERR_BUFSZ] = "";

    if (argc >= 2 && strcmp(argv[1], "retention") == 0)
        return cli_rights_retention(conf, argc - 2, argv + 2);
    if (argc != 4 || strcmp(argv[1], "summer") != 0) {
        cli_error("usage: reflekt org summer NAME MM-DD..MM-DD|none, or "
                  "org retention NAME MONTHS|none");
        return 2;
    }
    if (!cli_handle_ok(argv[2])) {
        cli_error("organisation \"%s\" must be 1-63 letters, digits, '.', "
                  "'_' or '-'",
                  argv[2]);
        return 2;
    }
    if (sched_parse_summer(argv[3], &from, &to, err) < 0) {
        cli_error("%s", err);
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    co.st = st;
    co.org = argv[2];
    co.rc = 0;
    if ((rc = store_begin(st)) < 0 ||
        (rc = store_org_set_summer(st, argv[2], from, to)) < 0 ||
        (rc = store_leader_each(st, cli_org_cb, &co)) < 0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        cli_error("cannot set the summer pause: %s", err_str(rc));
    } else {
        printf("summer pause of %s: %s\n", argv[2], argv[3]);
    }
    store_close(st);
    return rc < 0 ? 1 : 0;
}

int
cli_datetime(const char *tz, const char *s, int64_t *out)
{
    return sched_parse_time(tz, s, out);
}

int
cli_themes_check(const struct config *conf, const char *themes)
{
    struct prompt_set ps;
    char *list, *save = NULL;
    int rc = 0;

    if (themes[0] == '\0' || strlen(themes) >= STORE_RULE_MAX) {
        cli_error("--theme names one or more themes, comma-separated, in "
                  "under %d bytes",
                  STORE_RULE_MAX);
        return ERR_INVAL;
    }
    if (cli_prompts(conf, &ps) < 0)
        return ERR_INVAL;
    list = xstrdup(themes);
    for (char *t = strtok_r(list, ",", &save); t != NULL && rc == 0;
         t = strtok_r(NULL, ",", &save)) {
        if (prompt_theme_find(&ps, t) != NULL)
            continue;
        fprintf(stderr, "reflekt: unknown theme \"%s\"; themes:", t);
        for (size_t i = 0; i < ps.nthemes; i++)
            fprintf(stderr, " %s", ps.themes[i].id);
        fputc('\n', stderr);
        rc = ERR_INVAL;
    }
    if (rc == 0 && (themes[0] == ',' || strstr(themes, ",,") != NULL ||
                    themes[strlen(themes) - 1] == ',')) {
        cli_error("--theme is a comma-separated list of themes, not \"%s\"",
                  themes);
        rc = ERR_INVAL;
    }
    free(list);
    prompt_set_release(&ps);
    return rc;
}

int
cli_when_args(const struct config *conf, int argc, char **argv,
              const char *usage, struct cli_args *a, const char **at,
              const char **theme)
{
    if (cli_parse(argc, argv, "at theme", a) < 0 || a->npos != 1 ||
        (*at = cli_opt(a, "at")) == NULL) {
        cli_error("usage: %s", usage);
        return 2;
    }
    *theme = cli_opt(a, "theme");
    if (*theme != NULL && cli_themes_check(conf, *theme) < 0)
        return 2;
    return 0;
}

int
cli_when(const char *tz, const char *at, const char *whose, int64_t *out)
{
    if (cli_datetime(tz, at, out) == 0)
        return 0;
    cli_error("--at must be \"YYYY-MM-DD HH:MM\" (the %s local time), not "
              "\"%s\"",
              whose, at);
    return ERR_INVAL;
}

static int
cli_session(const struct config *conf, int argc, char **argv)
{
    struct cli_args a;
    struct store *st;
    struct store_leader l;
    struct store_session s;
    const char *at, *theme;
    char when[32];
    int rc;

    if (argc < 1 || strcmp(argv[0], "add") != 0) {
        cli_error("usage: reflekt session add HANDLE ...");
        return 2;
    }
    if ((rc = cli_when_args(conf, argc - 1, argv + 1,
                            "reflekt session add HANDLE --at \"YYYY-MM-DD "
                            "HH:MM\" [--theme THEME[,THEME...]]",
                            &a, &at, &theme)) != 0)
        return rc;
    if (cli_open(conf, &st) < 0)
        return 1;
    memset(&s, 0, sizeof(s));
    if ((rc = cli_leader_get(st, a.pos[0], &l)) < 0)
        goto out;
    if (cli_when(l.tz, at, "leader's", &s.at) < 0) {
        store_close(st);
        return 2;
    }
    s.engagement_id = l.id;
    xstrlcpy(s.theme, theme != NULL ? theme : "", sizeof(s.theme));
    if ((rc = convo_session_plan(conf, &l, &s, clock_now())) < 0 ||
        (rc = store_begin(st)) < 0 || (rc = store_session_add(st, &s)) < 0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        if (rc == ERR_EXISTS)
            cli_error("%s already has a session at %s", l.handle, at);
        else
            cli_error("cannot add the session: %s", err_str(rc));
        goto out;
    }
    printf("session for %s at %s %s%s%s\n", l.handle, at, l.tz,
           theme ? ", themes " : "", theme ? theme : "");
    if (s.pre_at > 0) {
        cli_local(l.tz, s.pre_at, when, sizeof(when));
        printf("  asks what to bring to it: %s\n", when);
    }
    if (s.post_at > 0) {
        cli_local(l.tz, s.post_at, when, sizeof(when));
        printf("  asks what to try first: %s\n", when);
    }
out:
    store_close(st);
    return rc < 0 ? 1 : 0;
}

static int
cli_nudge(const struct config *conf, int argc, char **argv)
{
    struct store *st;
    struct store_leader l;
    struct prompt_set ps;
    int64_t id = 0;
    int rc;

    if (argc != 2) {
        cli_error("usage: reflekt nudge HANDLE");
        return 2;
    }
    if (cli_prompts(conf, &ps) < 0)
        return 1;
    if (cli_open(conf, &st) < 0) {
        prompt_set_release(&ps);
        return 1;
    }
    if ((rc = cli_leader_get(st, argv[1], &l)) < 0)
        goto out;
    if ((rc = store_begin(st)) < 0 ||
        (rc = convo_nudge(st, conf, &ps, &l, clock_now(), &id)) < 0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        cli_error("cannot nudge %s: %s", l.handle, err_str(rc));
        goto out;
    }
    printf("question %" PRId64 " for %s is due now\n", id, l.handle);
out:
    store_close(st);
    prompt_set_release(&ps);
    return rc < 0 ? 1 : 0;
}

/* ---- review and export ---------------------------------------------- */

struct cli_md {
    struct buf *b;
    const char *tz;
    int n, answered, skipped, missed, snoozed, retracted, open;
};

static int
cli_md_row(const struct store_row *r, void *arg)
{
    struct cli_md *m = arg;
    char when[32];

    m->n++;
    switch (r->state) {
    case STORE_STATE_ANSWERED:
        m->answered++;
        break;
    case STORE_STATE_SKIPPED:
        m->skipped++;
        break;
    case STORE_STATE_MISSED:
        m->missed++;
        break;
    case STORE_STATE_SNOOZED:
        m->snoozed++;
        break;
    case STORE_STATE_RETRACTED:
        m->retracted++;
        break;
    default:
        m->open++;
        break;
    }
    cli_local(m->tz, r->sent_at ? r->sent_at : r->due_at, when, sizeof(when));
    buf_printf(m->b, "\n### %s · %s · %s\n\n**%s**\n\n", when,
               r->kind != NULL ? r->kind : "open", store_state_name(r->state),
               r->question);
    if (r->score > 0)
        buf_printf(m->b, "Score: **%d** of 5\n\n", r->score);
    if (r->answer != NULL) {
        const char *p = r->answer;

        while (*p != '\0') {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);

            buf_adds(m->b, "> ");
            buf_add(m->b, p, len);
            buf_adds(m->b, "\n");
            p += len + (nl ? 1 : 0);
        }
        if (r->shared)
            buf_adds(m->b, "\n*Shared with the manager.*\n");
    } else if (r->state == STORE_STATE_RETRACTED) {
        buf_adds(m->b, "*The leader took this answer back.*\n");
    } else {
        buf_adds(m->b, "*No answer.*\n");
    }
    return 0;
}

/* Append a leader's digest since `since` to b, and audit the read. */
static int
cli_digest(struct store *st, const struct store_leader *l, int64_t since,
           const char *action, struct buf *b)
{
    struct cli_md m = {.b = b, .tz = l->tz};
    int64_t now = clock_now(), next_at, last_at;
    char when[32];
    int rc;

    if ((rc = store_session_last(st, l->id, now, &last_at, NULL, 0)) < 0 ||
        (rc = store_session_next(st, l->id, now, &next_at, NULL, 0)) < 0)
        return rc;
    buf_printf(b, "# Reflections: %s\n\n", l->handle);
    buf_printf(b,
               "Consultant: %s · Manager: %s · Language: %s · Time zone: "
               "%s\n\n",
               l->consultant, l->manager, l->lang, l->tz);
    if (since > 0) {
        cli_local(l->tz, since, when, sizeof(when));
        buf_printf(b, "Since the session on %s.", when);
    } else {
        buf_adds(b, "All questions so far.");
    }
    if (next_at > 0) {
        cli_local(l->tz, next_at, when, sizeof(when));
        buf_printf(b, " Next session: %s.", when);
    }
    buf_adds(b, "\n");
    rc = store_rows(st, l->id, since, cli_md_row, &m);
    if (rc < 0)
        return rc;
    if (m.n == 0)
        buf_adds(b, "\nNo questions in this period.\n");
    buf_printf(b,
               "\n---\n%d question%s: %d answered, %d skipped, %d missed, "
               "%d snoozed, %d retracted, %d open.\n",
               m.n, m.n == 1 ? "" : "s", m.answered, m.skipped, m.missed,
               m.snoozed, m.retracted, m.open);
    return store_audit(st, now, cli_actor(), action, l->id, NULL);
}

static int
cli_review(const struct config *conf, int argc, char **argv)
{
    struct store *st;
    struct store_leader l;
    struct buf b;
    int64_t since;
    int rc;

    if (argc != 2) {
        cli_error("usage: reflekt review HANDLE");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    buf_init(&b, 0);
    if ((rc = cli_leader_get(st, argv[1], &l)) < 0)
        goto out;
    if ((rc = store_session_last(st, l.id, clock_now(), &since, NULL, 0)) < 0 ||
        (rc = cli_digest(st, &l, since, "review", &b)) < 0) {
        cli_error("cannot build the review: %s", err_str(rc));
        goto out;
    }
    fputs(b.data, stdout);
out:
    buf_release(&b);
    store_close(st);
    return rc < 0 ? 1 : 0;
}

struct cli_export {
    struct store *st;
    const char *only;
    const char *format;
    json_t *leaders; /* json */
    json_t *rows;    /* json: the current leader's deliveries */
    struct buf *b;   /* csv and md */
    int nleaders;
    int rc;
};

static void
cli_csv_field(struct buf *b, const char *s)
{
    buf_adds(b, "\"");
    for (; s != NULL && *s != '\0'; s++) {
        if (*s == '"')
            buf_adds(b, "\"\"");
        else
            buf_add(b, s, 1);
    }
    buf_adds(b, "\"");
}

static int
cli_export_row(const struct store_row *r, void *arg)
{
    struct cli_export *e = arg;
    char due[32], sent[32] = "";

    cli_rfc3339(r->due_at, due, sizeof(due));
    if (r->sent_at)
        cli_rfc3339(r->sent_at, sent, sizeof(sent));
    if (strcmp(e->format, "json") == 0) {
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:b}", "prompt",
                      r->prompt_id, "question", r->question, "due_at", due,
                      "sent_at", r->sent_at ? json_string(sent) : json_null(),
                      "status", store_state_name(r->state), "answer",
                      r->answer ? json_string(r->answer) : json_null(),
                      "shared", r->shared);
        if (o == NULL)
            return ERR_INVAL;
        json_object_set_new(o, "kind", json_string(r->kind ? r->kind : ""));
        if (r->score > 0)
            json_object_set_new(o, "score", json_integer(r->score));
        if (r->agenda)
            json_object_set_new(o, "agenda", json_true());
        json_array_append_new(e->rows, o);
        return 0;
    }
    cli_csv_field(e->b, r->handle);
    buf_adds(e->b, ",");
    cli_csv_field(e->b, r->prompt_id);
    buf_adds(e->b, ",");
    cli_csv_field(e->b, r->question);
    buf_printf(e->b, ",%s,%s,%s,", due, sent, store_state_name(r->state));
    cli_csv_field(e->b, r->answer);
    buf_printf(e->b, ",%d\r\n", r->shared);
    return 0;
}

static int
cli_export_leader(const struct store_leader *l, void *arg)
{
    struct cli_export *e = arg;
    int rc;

    if (e->only != NULL && strcmp(e->only, l->handle) != 0)
        return 0;
    e->nleaders++;
    if (strcmp(e->format, "md") == 0) {
        if (e->nleaders > 1)
            buf_adds(e->b, "\n");
        return cli_digest(e->st, l, 0, "export", e->b);
    }
    if (strcmp(e->format, "json") == 0) {
        e->rows = json_array();
        rc = store_rows(e->st, l->id, 0, cli_export_row, e);
        json_array_append_new(e->leaders,
                              json_pack("{s:s, s:o}", "handle", l->handle,
                                        "deliveries", e->rows));
    } else {
        rc = store_rows(e->st, l->id, 0, cli_export_row, e);
    }
    if (rc == 0)
        rc = store_audit(e->st, clock_now(), cli_actor(), "export", l->id,
                         e->format);
    return rc;
}

static int
cli_export(const struct config *conf, int argc, char **argv)
{
    struct cli_args a;
    struct cli_export e;
    struct store *st;
    struct buf b;
    const char *format;
    int rc;

    if (cli_parse(argc - 1, argv + 1, "leader format", &a) < 0 || a.npos != 0 ||
        (format = cli_opt(&a, "format")) == NULL ||
        (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 &&
         strcmp(format, "md") != 0)) {
        cli_error("usage: reflekt export [--leader HANDLE] --format "
                  "json|csv|md");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    buf_init(&b, 0);
    memset(&e, 0, sizeof(e));
    e.st = st;
    e.only = cli_opt(&a, "leader");
    e.format = format;
    e.b = &b;
    if (strcmp(format, "json") == 0)
        e.leaders = json_array();
    else if (strcmp(format, "csv") == 0)
        buf_adds(&b, "handle,prompt,question,due_at,sent_at,status,answer,"
                     "shared\r\n");
    if ((rc = store_begin(st)) == 0) {
        rc = store_leader_each(st, cli_export_leader, &e);
        if (rc == 0)
            rc = store_commit(st);
        else
            store_rollback(st);
    }
    if (rc == 0 && e.only != NULL && e.nleaders == 0) {
        cli_error("no leader \"%s\" (see: reflekt leader list)", e.only);
        rc = ERR_NOTFOUND;
    } else if (rc < 0) {
        cli_error("cannot export: %s", err_str(rc));
    }
    if (rc == 0 && e.leaders != NULL) {
        json_t *root = json_pack("{s:O}", "leaders", e.leaders);
        char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

        puts(s);
        free(s);
        json_decref(root);
    } else if (rc == 0) {
        fputs(b.data ? b.data : "", stdout);
    }
    json_decref(e.leaders);
    buf_release(&b);
    store_close(st);
    return rc < 0 ? 1 : 0;
}

static int
cli_audit_cb(const struct store_audit_row *r, void *arg)
{
    char when[32];

    (void)arg;
    cli_rfc3339(r->at, when, sizeof(when));
    printf("%s %-16s %-20s %-16s %s\n", when, r->actor, r->action,
           r->handle ? r->handle : "-", r->detail ? r->detail : "");
    return 0;
}

static int
cli_audit(const struct config *conf, int argc)
{
    struct store *st;
    int rc;

    if (argc != 1) {
        cli_error("usage: reflekt audit");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    rc = store_audit_each(st, cli_audit_cb, NULL);
    if (rc < 0)
        cli_error("cannot read the audit log: %s", err_str(rc));
    store_close(st);
    return rc < 0 ? 1 : 0;
}

void
cli_usage(void *f)
{
    fputs("usage: reflekt [--db PATH] [--config FILE] [-v|-vv] COMMAND ...\n"
          "       reflekt --version | --help\n"
          "\n"
          "  run [--listen HOST:PORT]    run the daemon (and the HTTP "
          "endpoint)\n"
          "  leader add HANDLE --platform P --user ID --consultant NAME\n"
          "        --manager NAME [--tz ZONE] --lang nb|sv|en\n"
          "        [--cadence RRULE] (--tz: from Slack's profile if left out)\n"
          "        [--hours HH:MM-HH:MM] [--days MO,TU,...] [--cap N]\n"
          "        [--org NAME] [--holidays no|se|none] [--start YYYY-MM-DD]\n"
          "  leader list\n"
          "  leader pause HANDLE [--until YYYY-MM-DD]\n"
          "  leader resume HANDLE\n"
          "  leader export HANDLE        everything held about a leader, JSON\n"
          "  leader erase HANDLE [--yes] remove a leader and all their data\n"
          "  org summer NAME MM-DD..MM-DD|none\n"
          "  org retention NAME MONTHS|none  delete answers older than that\n"
          "  session add HANDLE --at \"YYYY-MM-DD HH:MM\" [--theme T[,T...]]\n"
          "  nudge HANDLE                a question due now\n"
          "  review HANDLE               the digest since the last session\n"
          "  export [--leader HANDLE] --format json|csv|md\n"
          "  audit                       who read which reflections\n"
          "  prompts list [--theme T] [--kind K] [--lang L] [--format json]\n"
          "  prompts show ID | prompts check [FILE...]\n"
          "  prompts add (--leader HANDLE | --group NAME) [--kind open|\n"
          "        commitment|scale] [--followup TEXT] TEXT\n"
          "  prompts own | prompts remove N   consultants' own questions\n"
          "  group add NAME --consultant NAME --tz ZONE --lang nb|sv|en\n"
          "        [--platform P --channel ROOM]\n"
          "  group list | group join|leave NAME HANDLE\n"
          "  group meeting NAME --at \"YYYY-MM-DD HH:MM\" [--theme T]\n"
          "  group digest NAME           the challenges for the next meeting\n"
          "  console-link NAME           a one-time sign-in link to the web\n"
          "                              console (15 minutes)\n"
          "  person link NAME --platform P --user ID\n"
          "                              a consultant's or manager's chat\n"
          "                              account, for /reflekt\n"
          "  person password NAME [--clear]  the web console password (read\n"
          "                              from standard input)\n"
          "  person admin NAME [--remove]  an administrator: every leader's\n"
          "                              participation, never an answer\n"
          "  backup FILE                 a consistent copy of the database,\n"
          "                              while reflekt runs\n"
          "  restore FILE [--yes]        replace the database with a copy\n"
          "                              (reflekt must be stopped)\n",
          (FILE *)f);
}

int
cli_main(struct config *conf, int argc, char **argv)
{
    const char *cmd = argv[0];

    if (strcmp(cmd, "leader") == 0)
        return cli_leader(conf, argc, argv);
    if (strcmp(cmd, "org") == 0)
        return cli_org(conf, argc, argv);
    if (strcmp(cmd, "session") == 0)
        return cli_session(conf, argc - 1, argv + 1);
    if (strcmp(cmd, "nudge") == 0)
        return cli_nudge(conf, argc, argv);
    if (strcmp(cmd, "review") == 0)
        return cli_review(conf, argc, argv);
    if (strcmp(cmd, "export") == 0)
        return cli_export(conf, argc, argv);
    if (strcmp(cmd, "audit") == 0)
        return cli_audit(conf, argc);
    if (strcmp(cmd, "prompts") == 0)
        return cli_prompts_main(conf, argc - 1, argv + 1);
    if (strcmp(cmd, "group") == 0)
        return cli_group_main(conf, argc - 1, argv + 1);
    if (strcmp(cmd, "person") == 0)
        return cli_person_main(conf, argc - 1, argv + 1);
    if (strcmp(cmd, "console-link") == 0)
        return cli_console_link(conf, argc, argv);
    if (strcmp(cmd, "backup") == 0)
        return cli_backup(conf, argc, argv);
    if (strcmp(cmd, "restore") == 0)
        return cli_restore(conf, argc, argv);
    cli_error("unknown command \"%s\"", cmd);
    cli_usage(stderr);
    return 2;
}
