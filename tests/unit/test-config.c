/*
 * test-config.c - the INI file and the environment: defaults, a file that
 * sets every key, the exact message for each kind of fault (with the right
 * line), first error wins, the environment over the file, durations, and a
 * missing file.  Every test releases its config so ASan sees any leak.
 */
#include "config.h"

#include "err.h"
#include "log.h"
#include "sched.h"
#include "t.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every variable config_load reads; the tests start and end without them. */
static const char *const env_vars[] = {
    "REFLEKT_DB",
    "REFLEKT_LOG_LEVEL",
    "REFLEKT_PROMPTS_DIR",
    "REFLEKT_LANGUAGE",
    "REFLEKT_SCHEDULE_CADENCE",
    "REFLEKT_SCHEDULE_WORK_HOURS",
    "REFLEKT_SCHEDULE_WORK_DAYS",
    "REFLEKT_SCHEDULE_WEEKLY_CAP",
    "REFLEKT_SCHEDULE_SUMMER_PAUSE",
    "REFLEKT_SCHEDULE_HOLIDAYS",
    "REFLEKT_SCHEDULE_REMINDER_AFTER",
    "REFLEKT_SCHEDULE_MISSED_AFTER",
    "REFLEKT_SCHEDULE_ANSWER_WINDOW",
    "REFLEKT_SCHEDULE_SNOOZE_DEFAULT",
    "REFLEKT_SCHEDULE_REPEAT_WINDOW",
    "REFLEKT_CONSOLE_ENABLED",
    "REFLEKT_CONSOLE_INPUT",
    "REFLEKT_TEAMS_APP_ID",
    "REFLEKT_TEAMS_APP_PASSWORD",
    "REFLEKT_TEAMS_TENANT_ID",
};

static void
env_clear(void)
{
    for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
        unsetenv(env_vars[i]);
}

/* Load a C string as "t.ini" into a fresh config; err gets the message. */
static int
load(struct config *c, const char *text, char *err)
{
    err[0] = '\0';
    config_init(c);
    return config_load_text(c, text, strlen(text), "t.ini", err);
}

/* The message for text, which must be refused. */
static const char *
fault(const char *text, char *err)
{
    struct config c;
    int rc = load(&c, text, err);

    T_EQ_INT(rc, ERR_CONFIG);
    config_release(&c);
    return err;
}

/* Write text to a new temporary file; path gets its name. */
static int
write_temp(const char *text, char *path, size_t size)
{
    FILE *f;
    int fd;

    snprintf(path, size, "/tmp/reflekt-test-config-XXXXXX");
    fd = mkstemp(path);
    if (fd < 0)
        return -1;
    f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        unlink(path);
        return -1;
    }
    fputs(text, f);
    if (fclose(f) != 0) {
        unlink(path);
        return -1;
    }
    return 0;
}

static int64_t
duration(const char *s)
{
    int64_t out = -1;

    if (config_duration(s, &out) < 0)
        return -1;
    return out;
}

T_TEST(test_defaults)
{
    struct config c;
    char err[ERR_BUFSZ] = "";

    env_clear();
    config_init(&c);
    T_CHECK(c.path == NULL);
    T_EQ_STR(c.db, "reflekt.db");
    T_EQ_INT(c.log_level, LOG_LEVEL_INFO);
    T_CHECK(c.prompts_dir == NULL);
    T_EQ_STR(c.language, "nb");
    T_EQ_STR(c.cadence, "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0");
    T_EQ_INT(c.work_from, 480);
    T_EQ_INT(c.work_to, 1020);
    T_EQ_INT(c.work_days, SCHED_DEFAULT_DAYS);
    T_EQ_INT(c.weekly_cap, 2);
    T_EQ_INT(c.summer_from, 701);
    T_EQ_INT(c.summer_to, 731);
    T_EQ_STR(c.holidays, "auto");
    T_EQ_INT(c.reminder_after, 86400);
    T_EQ_INT(c.missed_after, 72 * 3600);
    T_EQ_INT(c.answer_window, 48 * 3600);
    T_EQ_INT(c.snooze_default, 3 * 3600);
    T_EQ_INT(c.repeat_window, 12 * 7 * 86400);
    T_EQ_INT(c.console_enabled, 1);
    T_CHECK(c.console_input == NULL);
    /* No file and no environment: still the defaults. */
    T_EQ_INT(config_load(&c, NULL, err), 0);
    T_EQ_STR(err, "");
    T_EQ_STR(c.db, "reflekt.db");
    T_EQ_INT(c.weekly_cap, 2);
    config_release(&c);
    /* Release leaves nothing to free twice. */
    T_CHECK(c.db == NULL);
    config_release(&c);
    /* Empty text and comments only change nothing. */
    T_EQ_INT(load(&c, "", err), 0);
    T_EQ_STR(c.db, "reflekt.db");
    config_release(&c);
    T_EQ_INT(load(&c, "; a comment\n# another\n\n[reflekt]\n", err), 0);
    T_EQ_STR(c.db, "reflekt.db");
    config_release(&c);
}

static const char full_file[] =
    "# reflekt.ini: every key\n"
    "[reflekt]\n"
    "db = /var/lib/reflekt/reflekt.db\n"
    "log_level = debug\n"
    "prompts_dir = /etc/reflekt/prompts\n"
    "language = sv\n"
    "\n"
    "[schedule]\n"
    "cadence = FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=10\n"
    "work_hours = 09:30-16:00\n"
    "work_days = MO,TU,WE,TH\n"
    "weekly_cap = 1\n"
    "summer_pause = 07-07..08-08\n"
    "holidays = se\n"
    "reminder_after = 12h\n"
    "missed_after = 3d\n"
    "answer_window = 90m\n"
    "snooze_default = 2h\n"
    "repeat_window = 8w\n"
    "\n"
    "[console]\n"
    "enabled = false\n"
    "input = /tmp/reflekt-console\n";

static void
check_full(const struct config *c)
{
    T_EQ_STR(c->db, "/var/lib/reflekt/reflekt.db");
    T_EQ_INT(c->log_level, LOG_LEVEL_DEBUG);
    T_EQ_STR(c->prompts_dir, "/etc/reflekt/prompts");
    T_EQ_STR(c->language, "sv");
    T_EQ_STR(c->cadence, "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=10");
    T_EQ_INT(c->work_from, 570);
    T_EQ_INT(c->work_to, 960);
    T_EQ_INT(c->work_days, 0x1eu);
    T_EQ_INT(c->weekly_cap, 1);
    T_EQ_INT(c->summer_from, 707);
    T_EQ_INT(c->summer_to, 808);
    T_EQ_STR(c->holidays, "se");
    T_EQ_INT(c->reminder_after, 12 * 3600);
    T_EQ_INT(c->missed_after, 3 * 86400);
    T_EQ_INT(c->answer_window, 90 * 60);
    T_EQ_INT(c->snooze_default, 2 * 3600);
    T_EQ_INT(c->repeat_window, 8 * 7 * 86400);
    T_EQ_INT(c->console_enabled, 0);
    T_EQ_STR(c->console_input, "/tmp/reflekt-console");
}

T_TEST(test_full_file)
{
    struct config c;
    char err[ERR_BUFSZ];

    T_EQ_INT(load(&c, full_file, err), 0);
    T_EQ_STR(err, "");
    check_full(&c);
    T_CHECK(c.path == NULL);
    config_release(&c);
}

T_TEST(test_full_file_from_disk)
{
    struct config c;
    char err[ERR_BUFSZ] = "";
    char path[64];

    env_clear();
    T_EQ_INT(write_temp(full_file, path, sizeof(path)), 0);
    config_init(&c);
    T_EQ_INT(config_load(&c, path, err), 0);
    T_EQ_STR(err, "");
    check_full(&c);
    T_EQ_STR(c.path, path);
    config_release(&c);
    unlink(path);
}

T_TEST(test_syntax)
{
    struct config c;
    char err[ERR_BUFSZ];

    /* CRLF, spaces, inline comments, a repeated key (the last wins). */
    T_EQ_INT(load(&c,
                  "[reflekt]\r\n"
                  "  db=first.db\r\n"
                  "db   =   second.db   ; why\r\n"
                  "[console]\r\n"
                  "enabled = OFF\r\n"
                  "input =\r\n",
                  err),
             0);
    T_EQ_STR(err, "");
    T_EQ_STR(c.db, "second.db");
    T_EQ_INT(c.console_enabled, 0);
    T_CHECK(c.console_input == NULL);
    config_release(&c);
    /* Every spelling of a bool. */
    T_EQ_INT(load(&c, "[console]\nenabled = yes\n", err), 0);
    T_EQ_INT(c.console_enabled, 1);
    config_release(&c);
    T_EQ_INT(load(&c, "[console]\nenabled = 0\n", err), 0);
    T_EQ_INT(c.console_enabled, 0);
    config_release(&c);
    T_EQ_INT(load(&c, "[console]\nenabled = True\n", err), 0);
    T_EQ_INT(c.console_enabled, 1);
    config_release(&c);
    /* The edges of weekly_cap; holidays auto and none; no summer pause. */
    T_EQ_INT(load(&c,
                  "[schedule]\nweekly_cap = 0\nholidays = none\n"
                  "summer_pause = none\n",
                  err),
             0);
    T_EQ_INT(c.weekly_cap, 0);
    T_EQ_STR(c.holidays, "none");
    T_EQ_INT(c.summer_from, 0);
    T_EQ_INT(c.summer_to, 0);
    config_release(&c);
    T_EQ_INT(load(&c, "[schedule]\nweekly_cap = 21\nholidays = auto\n", err),
             0);
    T_EQ_INT(c.weekly_cap, 21);
    T_EQ_STR(c.holidays, "auto");
    config_release(&c);
    /* An empty prompts_dir means none. */
    T_EQ_INT(load(&c, "[reflekt]\nprompts_dir = /x\nprompts_dir =\n", err), 0);
    T_CHECK(c.prompts_dir == NULL);
    config_release(&c);
}

T_TEST(test_unknown_key_line)
{
    char err[ERR_BUFSZ];

    T_EQ_STR(fault("# reflekt.ini\n"
                   "\n"
                   "[schedule]\n"
                   "cadance = FREQ=WEEKLY\n",
                   err),
             "t.ini:4: unknown key \"cadance\" in [schedule]");
    T_EQ_STR(fault("[reflekt]\ndb = x.db\n[console]\nenable = true\n", err),
             "t.ini:4: unknown key \"enable\" in [console]");
    /* A key of one section in another is unknown there. */
    T_EQ_STR(fault("[reflekt]\ncadence = FREQ=DAILY\n", err),
             "t.ini:2: unknown key \"cadence\" in [reflekt]");
}

T_TEST(test_unknown_section)
{
    char err[ERR_BUFSZ];

    T_EQ_STR(fault("[reflekt]\n\n[discord]\ntoken = x\n", err),
             "t.ini:4: unknown section [discord]");
    T_EQ_STR(fault("[reflekt]\n\n[slack]\ntoken = xoxb\n", err),
             "t.ini:4: unknown key \"token\" in [slack]");
    T_EQ_STR(fault("[Schedule]\ncadence = FREQ=DAILY\n", err),
             "t.ini:2: unknown section [Schedule]");
}

T_TEST(test_outside_section)
{
    char err[ERR_BUFSZ];

    T_EQ_STR(fault("; top\ndb = x.db\n[reflekt]\n", err),
             "t.ini:2: key \"db\" is outside any [section]");
}

T_TEST(test_bad_values)
{
    char err[ERR_BUFSZ];

    T_EQ_STR(fault("[schedule]\nreminder_after = 5y\n", err),
             "t.ini:2: reminder_after must be a duration such as 30m, 24h "
             "or 3d, not \"5y\"");
    T_EQ_STR(fault("[schedule]\nrepeat_window = 1.5h\n", err),
             "t.ini:2: repeat_window must be a duration such as 30m, 24h "
             "or 3d, not \"1.5h\"");
    T_EQ_STR(fault("[console]\nenabled = maybe\n", err),
             "t.ini:2: enabled must be true or false, not \"maybe\"");
    T_EQ_STR(fault("[reflekt]\nlog_level = loud\n", err),
             "t.ini:2: log_level must be error, warn, info, debug or trace, "
             "not \"loud\"");
    T_EQ_STR(fault("[reflekt]\nlanguage = de\n", err),
             "t.ini:2: language must be nb, sv or en, not \"de\"");
    T_EQ_STR(fault("[schedule]\ncadence = every tuesday\n", err),
             "t.ini:2: cadence \"every tuesday\" is not an iCalendar RRULE "
             "(for example FREQ=WEEKLY;BYDAY=TU;BYHOUR=9)");
    T_CONTAINS(fault("[schedule]\ncadence = FREQ=HOURLY\n", err),
               "t.ini:2: cadence \"FREQ=HOURLY\" asks more than once a day");
    T_EQ_STR(fault("[schedule]\nwork_hours = 17:00-08:00\n", err),
             "t.ini:2: working hours \"17:00-08:00\" end before they start");
    T_EQ_STR(fault("[schedule]\nwork_hours = 8-17\n", err),
             "t.ini:2: working hours \"8-17\" are not HH:MM-HH:MM");
    T_CONTAINS(fault("[schedule]\nwork_days = MO,XX\n", err),
               "t.ini:2: working days \"MO,XX\"");
    T_CONTAINS(fault("[schedule]\nsummer_pause = july\n", err),
               "t.ini:2: summer pause \"july\"");
    T_EQ_STR(fault("[schedule]\nholidays = dk\n", err),
             "t.ini:2: holidays must be auto, no, se or none, not \"dk\"");
    T_EQ_STR(fault("[reflekt]\ndb =\n", err), "t.ini:2: db must not be empty");
    /* Each number its own range; a question must have time to be
     * answered. */
    T_EQ_STR(fault("[slack]\nconnections = 0\n", err),
             "t.ini:2: connections must be a whole number from 1 to 10, not "
             "\"0\"");
    T_EQ_STR(fault("[slack]\nconnections = 11\n", err),
             "t.ini:2: connections must be a whole number from 1 to 10, not "
             "\"11\"");
    T_EQ_STR(fault("[schedule]\npre_session_days = 22\n", err),
             "t.ini:2: pre_session_days must be a whole number from 0 to 21, "
             "not \"22\"");
    T_EQ_STR(fault("[schedule]\nmissed_after = 0\n", err),
             "t.ini:2: missed_after cannot be 0, a duration such as 72h");
    T_EQ_STR(fault("[schedule]\nmissed_after = 0s\n", err),
             "t.ini:2: missed_after cannot be 0, a duration such as 72h");
}

T_TEST(test_weekly_cap_range)
{
    static const char *const bad[] = {
        "22", "-1", "two", "2x", "", "1e1", "99999999999999999999"};
    char err[ERR_BUFSZ], text[128], want[ERR_BUFSZ];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "[schedule]\nweekly_cap = %s\n", bad[i]);
        snprintf(want, sizeof(want),
                 "t.ini:2: weekly_cap must be a whole number from 0 to 21, "
                 "not \"%s\"",
                 bad[i]);
        T_EQ_STR(fault(text, err), want);
    }
}

T_TEST(test_expected_key_value)
{
    char err[ERR_BUFSZ];

    T_EQ_STR(fault("[reflekt]\n\ngarbage line\n", err),
             "t.ini:3: expected \"key = value\" or \"[section]\"");
    T_EQ_STR(fault("[reflekt\n", err),
             "t.ini:1: expected \"key = value\" or \"[section]\"");
    T_EQ_STR(fault("[reflekt]\r\ndb = x.db\r\nnothing\r\n", err),
             "t.ini:3: expected \"key = value\" or \"[section]\"");
}

T_TEST(test_long_line)
{
    struct config c;
    char err[ERR_BUFSZ], text[512], value[256];

    /* "prompts_dir = " is 14 characters: 184 more make 198, the most. */
    memset(value, 'a', 184);
    value[184] = '\0';
    snprintf(text, sizeof(text), "[reflekt]\n# c\nprompts_dir = %s\n", value);
    T_EQ_INT(load(&c, text, err), 0);
    T_EQ_STR(c.prompts_dir, value);
    config_release(&c);
    /* 199 characters: refused, not split into two lines. */
    value[184] = 'a';
    value[185] = '\0';
    snprintf(text, sizeof(text), "[reflekt]\n# c\nprompts_dir = %s\n", value);
    T_EQ_STR(fault(text, err),
             "t.ini:3: line too long (at most 198 characters)");
    /* A long comment is refused as well. */
    memset(value, '#', 250);
    value[250] = '\0';
    snprintf(text, sizeof(text), "[reflekt]\n%s\ndb = x.db\n", value);
    T_EQ_STR(fault(text, err),
             "t.ini:2: line too long (at most 198 characters)");
    /* The long line is the first error, not the bad key after it. */
    snprintf(text, sizeof(text), "[reflekt]\n%s\nlanguage = de\n", value);
    T_EQ_STR(fault(text, err),
             "t.ini:2: line too long (at most 198 characters)");
}

T_TEST(test_nul_byte)
{
    static const char text[] = "[reflekt]\ndb = a\0b.db\n";
    struct config c;
    char err[ERR_BUFSZ] = "";

    config_init(&c);
    T_EQ_INT(config_load_text(&c, text, sizeof(text) - 1, "t.ini", err),
             ERR_CONFIG);
    T_EQ_STR(err, "t.ini:2: NUL byte in line");
    config_release(&c);
}

T_TEST(test_first_error_wins)
{
    struct config c;
    char err[ERR_BUFSZ];

    T_EQ_STR(fault("[schedule]\nweekly_cap = 99\ncadance = x\n", err),
             "t.ini:2: weekly_cap must be a whole number from 0 to 21, not "
             "\"99\"");
    T_EQ_STR(fault("[schedule]\ncadance = x\ngarbage\n", err),
             "t.ini:2: unknown key \"cadance\" in [schedule]");
    T_EQ_STR(fault("[schedule]\ncadance = x\n[nope]\nx = 1\n", err),
             "t.ini:2: unknown key \"cadance\" in [schedule]");
    /* Keys before the error are kept, keys after it are not. */
    T_EQ_INT(load(&c,
                  "[reflekt]\ndb = before.db\nlanguage = de\n"
                  "log_level = debug\n",
                  err),
             ERR_CONFIG);
    T_EQ_STR(c.db, "before.db");
    T_EQ_INT(c.log_level, LOG_LEVEL_INFO);
    config_release(&c);
    /* A caller's message already in err is not overwritten. */
    config_init(&c);
    snprintf(err, sizeof(err), "earlier");
    T_EQ_INT(config_load_text(&c, "x\n", 2, "t.ini", err), ERR_CONFIG);
    T_EQ_STR(err, "earlier");
    config_release(&c);
}

/*
 * A line inih cannot parse, then a bad key: the message must name the
 * first, line 2.  inih reports syntax errors only through its return value,
 * after config_handler has already recorded the later fault.
 */
T_TEST(test_first_error_wins_after_syntax_error)
{
    char err[ERR_BUFSZ];

    T_EQ_STR(fault("[schedule]\ngarbage\ncadance = x\n", err),
             "t.ini:2: expected \"key = value\" or \"[section]\"");
    T_EQ_STR(fault("[reflekt\ndb = x.db\n", err),
             "t.ini:1: expected \"key = value\" or \"[section]\"");
}

T_TEST(test_environment)
{
    static const char file[] = "[reflekt]\n"
                               "db = file.db\n"
                               "language = sv\n"
                               "[schedule]\n"
                               "weekly_cap = 1\n";
    struct config c;
    char err[ERR_BUFSZ] = "";
    char path[64];

    env_clear();
    T_EQ_INT(write_temp(file, path, sizeof(path)), 0);
    setenv("REFLEKT_DB", "/env/reflekt.db", 1);
    setenv("REFLEKT_SCHEDULE_WEEKLY_CAP", "5", 1);
    setenv("REFLEKT_CONSOLE_ENABLED", "off", 1);

    /* The environment wins over the file; the file's other keys stay. */
    config_init(&c);
    T_EQ_INT(config_load(&c, path, err), 0);
    T_EQ_STR(err, "");
    T_EQ_STR(c.db, "/env/reflekt.db");
    T_EQ_INT(c.weekly_cap, 5);
    T_EQ_INT(c.console_enabled, 0);
    T_EQ_STR(c.language, "sv");
    config_release(&c);

    /* Without a file the environment still applies. */
    config_init(&c);
    T_EQ_INT(config_load(&c, NULL, err), 0);
    T_EQ_STR(c.db, "/env/reflekt.db");
    T_EQ_INT(c.weekly_cap, 5);
    config_release(&c);

    /* config_load_text never reads the environment. */
    T_EQ_INT(load(&c, file, err), 0);
    T_EQ_STR(c.db, "file.db");
    T_EQ_INT(c.weekly_cap, 1);
    T_EQ_INT(c.console_enabled, 1);
    config_release(&c);

    /* A bad value names the variable. */
    setenv("REFLEKT_SCHEDULE_WEEKLY_CAP", "lots", 1);
    config_init(&c);
    err[0] = '\0';
    T_EQ_INT(config_load(&c, path, err), ERR_CONFIG);
    T_EQ_STR(err, "REFLEKT_SCHEDULE_WEEKLY_CAP: weekly_cap must be a whole "
                  "number from 0 to 21, not \"lots\"");
    config_release(&c);
    unsetenv("REFLEKT_SCHEDULE_WEEKLY_CAP");
    setenv("REFLEKT_DB", "", 1);
    config_init(&c);
    err[0] = '\0';
    T_EQ_INT(config_load(&c, NULL, err), ERR_CONFIG);
    T_EQ_STR(err, "REFLEKT_DB: db must not be empty");
    config_release(&c);
    setenv("REFLEKT_DB", "/env/reflekt.db", 1);
    setenv("REFLEKT_SCHEDULE_WORK_HOURS", "late", 1);
    config_init(&c);
    err[0] = '\0';
    T_EQ_INT(config_load(&c, NULL, err), ERR_CONFIG);
    T_CONTAINS(err, "REFLEKT_SCHEDULE_WORK_HOURS: working hours \"late\"");
    config_release(&c);

    /* A fault in the file comes first. */
    env_clear();
    setenv("REFLEKT_LANGUAGE", "xx", 1);
    unlink(path);
    T_EQ_INT(write_temp("[reflekt]\nlanguage = de\n", path, sizeof(path)), 0);
    config_init(&c);
    err[0] = '\0';
    T_EQ_INT(config_load(&c, path, err), ERR_CONFIG);
    T_CONTAINS(err, path);
    T_CONTAINS(err, ":2: language must be nb, sv or en, not \"de\"");
    config_release(&c);

    env_clear();
    unlink(path);
}

/* Teams' registration from the environment, as the README says. */
T_TEST(test_teams)
{
    struct config c;
    char err[ERR_BUFSZ] = "";

    env_clear();
    setenv("REFLEKT_TEAMS_APP_ID", "11111111-2222-3333-4444-555555555555", 1);
    setenv("REFLEKT_TEAMS_APP_PASSWORD", "s3cret", 1);
    setenv("REFLEKT_TEAMS_TENANT_ID", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
           1);
    config_init(&c);
    T_EQ_STR(c.teams_openid_url, "https://login.botframework.com/v1/"
                                 ".well-known/openidconfiguration");
    T_EQ_STR(c.teams_service_url, "https://smba.trafficmanager.net/teams/");
    T_EQ_INT(config_load(&c, NULL, err), 0);
    T_EQ_STR(c.teams_app_id, "11111111-2222-3333-4444-555555555555");
    T_EQ_STR(c.teams_app_password, "s3cret");
    T_EQ_STR(c.teams_tenant_id, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    T_EQ_INT(c.teams_allow_loopback, 0);
    config_release(&c);
    env_clear();
    T_EQ_INT(load(&c, "[teams]\nallow_loopback = maybe\n", err), ERR_CONFIG);
    T_CONTAINS(err, "allow_loopback");
    config_release(&c);
}

T_TEST(test_missing_file)
{
    static const char path[] = "/tmp/reflekt-test-no-such-dir/reflekt.ini";
    struct config c;
    char err[ERR_BUFSZ] = "";

    env_clear();
    config_init(&c);
    T_EQ_INT(config_load(&c, path, err), ERR_CONFIG);
    T_CONTAINS(err, path);
    T_CONTAINS(err, "cannot open");
    T_EQ_STR(c.db, "reflekt.db");
    config_release(&c);
}

T_TEST(test_duration)
{
    T_EQ_INT(duration("90s"), 90);
    T_EQ_INT(duration("30m"), 1800);
    T_EQ_INT(duration("30min"), 1800);
    T_EQ_INT(duration("24h"), 86400);
    T_EQ_INT(duration("3d"), 3 * 86400);
    T_EQ_INT(duration("2w"), 14 * 86400);
    T_EQ_INT(duration("0s"), 0);
    T_EQ_INT(duration("0"), 0); /* "0: never" needs no unit */
    T_EQ_INT(duration("1000000w"), (int64_t)1000000 * 7 * 86400);

    T_EQ_INT(duration(""), -1);
    T_EQ_INT(duration("h"), -1);
    T_EQ_INT(duration("-1h"), -1);
    T_EQ_INT(duration("+1h"), -1);
    T_EQ_INT(duration("5y"), -1);
    T_EQ_INT(duration("1.5h"), -1);
    T_EQ_INT(duration("5"), -1);
    T_EQ_INT(duration("00x"), -1);
    T_EQ_INT(duration("5H"), -1);
    T_EQ_INT(duration("5 h"), -1);
    T_EQ_INT(duration(" 5h"), -1);
    T_EQ_INT(duration("5hh"), -1);
    T_EQ_INT(duration("1000001s"), -1);
    T_EQ_INT(duration("99999999999999999999s"), -1);
}

T_MAIN(T_CASE(test_defaults), T_CASE(test_full_file),
       T_CASE(test_full_file_from_disk), T_CASE(test_syntax),
       T_CASE(test_unknown_key_line), T_CASE(test_unknown_section),
       T_CASE(test_outside_section), T_CASE(test_bad_values),
       T_CASE(test_weekly_cap_range), T_CASE(test_expected_key_value),
       T_CASE(test_long_line), T_CASE(test_nul_byte),
       T_CASE(test_first_error_wins),
       T_CASE(test_first_error_wins_after_syntax_error),
       T_CASE(test_environment), T_CASE(test_teams), T_CASE(test_missing_file),
       T_CASE(test_duration))
