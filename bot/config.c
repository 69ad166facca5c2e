/*
 * config.c - INI file (libinih) and environment into struct config.
 *
 * inih is driven through ini_parse_stream with our own line reader, so the
 * handler knows the line it is on and refuses over-long lines itself instead
 * of letting them be split into two.
 */
#include "config.h"

#include "err.h"
#include "holiday.h"
#include "lang.h"
#include "sched.h"
#include "xmalloc.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONFIG_MAX_FILE ((size_t)1 << 20)
#define CONFIG_MAX_LINE 200 /* inih's INI_MAX_LINE */

enum config_type {
    CONFIG_STRING,
    CONFIG_PATH,
    CONFIG_BOOL,
    CONFIG_DURATION,
    CONFIG_INT,
    CONFIG_LOGLEVEL,
    CONFIG_LANG,
    CONFIG_CADENCE,
    CONFIG_HOURS,
    CONFIG_DAYS,
    CONFIG_SUMMER,
    CONFIG_HOLIDAYS,
    CONFIG_URL,
};

struct config_key {
    const char *section;
    const char *name;
    enum config_type type;
    size_t offset;
    int secret;   /* never logged; warn when the file is readable by others */
    int min, max; /* CONFIG_INT: the range; CONFIG_DURATION: min 1, not 0 */
};

#define KEY(sec, name, type, field, secret)                                    \
    {                                                                          \
        sec, name, type, offsetof(struct config, field), secret, 0, 0          \
    }
#define INT(sec, name, field, min, max)                                        \
    {                                                                          \
        sec, name, CONFIG_INT, offsetof(struct config, field), 0, min, max     \
    }
/* A duration that may not be 0. */
#define SPAN(sec, name, field)                                                 \
    {                                                                          \
        sec, name, CONFIG_DURATION, offsetof(struct config, field), 0, 1, 0    \
    }

static const struct config_key config_keys[] = {
    KEY("reflekt", "db", CONFIG_PATH, db, 0),
    KEY("reflekt", "log_level", CONFIG_LOGLEVEL, log_level, 0),
    KEY("reflekt", "prompts_dir", CONFIG_PATH, prompts_dir, 0),
    KEY("reflekt", "language", CONFIG_LANG, language, 0),
    KEY("schedule", "cadence", CONFIG_CADENCE, cadence, 0),
    KEY("schedule", "work_hours", CONFIG_HOURS, work_from, 0),
    KEY("schedule", "work_days", CONFIG_DAYS, work_days, 0),
    INT("schedule", "weekly_cap", weekly_cap, 0, 21),
    KEY("schedule", "summer_pause", CONFIG_SUMMER, summer_from, 0),
    KEY("schedule", "holidays", CONFIG_HOLIDAYS, holidays, 0),
    KEY("schedule", "reminder_after", CONFIG_DURATION, reminder_after, 0),
    SPAN("schedule", "missed_after", missed_after),
    KEY("schedule", "answer_window", CONFIG_DURATION, answer_window, 0),
    KEY("schedule", "snooze_default", CONFIG_DURATION, snooze_default, 0),
    KEY("schedule", "repeat_window", CONFIG_DURATION, repeat_window, 0),
    INT("schedule", "pre_session_days", pre_session_days, 0, 21),
    KEY("schedule", "post_session", CONFIG_BOOL, post_session, 0),
    KEY("schedule", "agenda_before", CONFIG_DURATION, agenda_before, 0),
    KEY("http", "listen", CONFIG_PATH, listen, 0),
    KEY("matrix", "homeserver", CONFIG_URL, matrix_homeserver, 0),
    KEY("matrix", "access_token", CONFIG_STRING, matrix_access_token, 1),
    KEY("slack", "bot_token", CONFIG_STRING, slack_bot_token, 1),
    KEY("slack", "app_token", CONFIG_STRING, slack_app_token, 1),
    KEY("slack", "signing_secret", CONFIG_STRING, slack_signing_secret, 1),
    KEY("slack", "api_base", CONFIG_URL, slack_api_base, 0),
    INT("slack", "connections", slack_connections, 1, 10),
    KEY("teams", "app_id", CONFIG_STRING, teams_app_id, 0),
    KEY("teams", "app_password", CONFIG_STRING, teams_app_password, 1),
    KEY("teams", "tenant_id", CONFIG_STRING, teams_tenant_id, 0),
    KEY("teams", "login_base", CONFIG_URL, teams_login_base, 0),
    KEY("teams", "openid_url", CONFIG_URL, teams_openid_url, 0),
    KEY("teams", "service_url", CONFIG_URL, teams_service_url, 0),
    KEY("teams", "allow_loopback", CONFIG_BOOL, teams_allow_loopback, 0),
    KEY("web", "public_url", CONFIG_URL, web_public_url, 0),
    KEY("web", "idle", CONFIG_DURATION, web_idle, 0),
    KEY("web", "digest_before", CONFIG_DURATION, web_digest_before, 0),
    KEY("web", "allow_loopback", CONFIG_BOOL, web_allow_loopback, 0),
    KEY("console", "enabled", CONFIG_BOOL, console_enabled, 0),
    KEY("console", "input", CONFIG_PATH, console_input, 0),
};
#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static void
config_str(char **field, const char *value)
{
    free(*field);
    *field = value != NULL ? xstrdup(value) : NULL;
}

void
config_init(struct config *c)
{
    memset(c, 0, sizeof(*c));
    config_str(&c->db, "reflekt.db");
    c->log_level = LOG_LEVEL_INFO;
    config_str(&c->language, "nb");
    config_str(&c->cadence, "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0");
    c->work_from = 8 * 60;
    c->work_to = 17 * 60;
    c->work_days = SCHED_DEFAULT_DAYS;
    c->weekly_cap = 2;
    c->summer_from = 701;
    c->summer_to = 731;
    config_str(&c->holidays, "auto");
    c->reminder_after = 24 * 3600;
    c->missed_after = 72 * 3600;
    c->answer_window = 48 * 3600;
    c->snooze_default = 3 * 3600;
    c->repeat_window = 12 * 7 * 24 * 3600;
    c->pre_session_days = 2;
    c->post_session = 1;
    c->agenda_before = 24 * 3600;
    config_str(&c->slack_api_base, "https://slack.com/api");
    c->slack_connections = 1;
    config_str(&c->teams_login_base, "https://login.microsoftonline.com");
    config_str(&c->teams_openid_url, "https://login.botframework.com/v1/"
                                     ".well-known/openidconfiguration");
    config_str(&c->teams_service_url, "https://smba.trafficmanager.net/teams/");
    c->web_idle = 30 * 60;
    c->web_digest_before = 24 * 3600;
    c->console_enabled = 1;
}

void
config_release(struct config *c)
{
    free(c->path);
    free(c->db);
    free(c->prompts_dir);
    free(c->language);
    free(c->cadence);
    free(c->holidays);
    free(c->console_input);
    free(c->web_public_url);
    free(c->listen);
    free(c->slack_bot_token);
    free(c->slack_app_token);
    free(c->slack_signing_secret);
    free(c->slack_api_base);
    free(c->teams_app_id);
    free(c->teams_app_password);
    free(c->teams_tenant_id);
    free(c->teams_login_base);
    free(c->teams_openid_url);
    free(c->teams_service_url);
    free(c->matrix_homeserver);
    free(c->matrix_access_token);
    memset(c, 0, sizeof(*c));
}

int
config_duration(const char *s, int64_t *out)
{
    char *end;
    long long n;
    int64_t unit;

    errno = 0;
    if (!isdigit((unsigned char)s[0]))
        return ERR_INVAL;
    n = strtoll(s, &end, 10);
    if (errno != 0 || n < 0 || n > 1000000)
        return ERR_INVAL;
    if (strcmp(end, "s") == 0 || (*end == '\0' && n == 0))
        unit = 1; /* nothing needs no unit: "0" means never */
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        unit = 60;
    else if (strcmp(end, "h") == 0)
        unit = 3600;
    else if (strcmp(end, "d") == 0)
        unit = 86400;
    else if (strcmp(end, "w") == 0)
        unit = 7 * 86400;
    else
        return ERR_INVAL;
    *out = (int64_t)n * unit;
    return 0;
}

static int
config_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return ERR_INVAL;
}

/*
 * Set one key.  where is "file:line" or the environment variable's name.
 * Returns: 0, or ERR_CONFIG with err filled.
 */
static int
config_set(struct config *c, const struct config_key *k, const char *value,
           const char *where, char *err)
{
    void *field = (char *)c + k->offset;
    char why[ERR_BUFSZ] = "";
    long long n;
    char *end;

    switch (k->type) {
    case CONFIG_STRING:
    case CONFIG_PATH:
        if (value[0] == '\0' && k->type == CONFIG_PATH &&
            strcmp(k->name, "db") == 0) {
            err_set(err, "%s: %s must not be empty", where, k->name);
            return ERR_CONFIG;
        }
        config_str(field, value[0] != '\0' ? value : NULL);
        return 0;
    case CONFIG_BOOL:
        if (config_bool(value, field) < 0) {
            err_set(err, "%s: %s must be true or false, not \"%s\"", where,
                    k->name, value);
            return ERR_CONFIG;
        }
        return 0;
    case CONFIG_DURATION:
        if (config_duration(value, field) < 0) {
            err_set(err,
                    "%s: %s must be a duration such as 30m, 24h or 3d, "
                    "not \"%s\"",
                    where, k->name, value);
            return ERR_CONFIG;
        }
        if (k->min > 0 && *(int64_t *)field == 0) {
            err_set(err, "%s: %s cannot be 0, a duration such as 72h", where,
                    k->name);
            return ERR_CONFIG;
        }
        return 0;
    case CONFIG_INT:
        errno = 0;
        n = strtoll(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0' || n < k->min ||
            n > k->max) {
            err_set(err,
                    "%s: %s must be a whole number from %d to %d, not "
                    "\"%s\"",
                    where, k->name, k->min, k->max, value);
            return ERR_CONFIG;
        }
        *(int *)field = (int)n;
        return 0;
    case CONFIG_LOGLEVEL:
        if (log_level_parse(value, field) < 0) {
            err_set(err,
                    "%s: log_level must be error, warn, info, debug or "
                    "trace, not \"%s\"",
                    where, value);
            return ERR_CONFIG;
        }
        return 0;
    case CONFIG_LANG: {
        enum lang l;

        if (lang_parse(value, &l) < 0) {
            err_set(err, "%s: %s must be nb, sv or en, not \"%s\"", where,
                    k->name, value);
            return ERR_CONFIG;
        }
        config_str(field, value);
        return 0;
    }
    case CONFIG_CADENCE:
        if (sched_check(value, "UTC", why) < 0) {
            err_set(err, "%s: %s", where, why);
            return ERR_CONFIG;
        }
        config_str(field, value);
        return 0;
    case CONFIG_HOURS:
        if (sched_parse_hours(value, &c->work_from, &c->work_to, why) < 0) {
            err_set(err, "%s: %s", where, why);
            return ERR_CONFIG;
        }
        return 0;
    case CONFIG_DAYS:
        if (sched_parse_days(value, &c->work_days, why) < 0) {
            err_set(err, "%s: %s", where, why);
            return ERR_CONFIG;
        }
        return 0;
    case CONFIG_SUMMER:
        if (sched_parse_summer(value, &c->summer_from, &c->summer_to, why) <
            0) {
            err_set(err, "%s: %s", where, why);
            return ERR_CONFIG;
        }
        return 0;
    case CONFIG_URL:
        if (value[0] != '\0' && strncmp(value, "https://", 8) != 0 &&
            strncmp(value, "http://", 7) != 0) {
            err_set(err,
                    "%s: %s must be an http:// or https:// URL, not "
                    "\"%s\"",
                    where, k->name, value);
            return ERR_CONFIG;
        }
        config_str(field, value[0] != '\0' ? value : NULL);
        return 0;
    case CONFIG_HOLIDAYS: {
        enum holiday_country hc;

        if (strcmp(value, "auto") != 0 &&
            holiday_country_parse(value, &hc) < 0) {
            err_set(err,
                    "%s: holidays must be auto, no, se or none, not "
                    "\"%s\"",
                    where, value);
            return ERR_CONFIG;
        }
        config_str(field, value);
        return 0;
    }
    default:
        err_set(err, "%s: %s has an unknown type", where, k->name);
        return ERR_CONFIG;
    }
}

static const struct config_key *
config_find(const char *section, const char *name)
{
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        if (strcmp(config_keys[i].section, section) == 0 &&
            strcmp(config_keys[i].name, name) == 0)
            return &config_keys[i];
    }
    return NULL;
}

static int
config_section_known(const char *section)
{
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        if (strcmp(config_keys[i].section, section) == 0)
            return 1;
    }
    return 0;
}

struct config_parse {
    struct config *c;
    const char *name;
    const char *p, *end; /* the text still to read */
    int line;            /* line the reader returned last */
    int err_line;        /* first line with an error, 0 for none */
    int secrets;         /* secret keys seen in the file */
    char msg[ERR_BUFSZ]; /* the message for err_line */
};

/* inih's reader: one line per call, refusing lines inih would split. */
static char *
config_reader(char *str, int num, void *stream)
{
    struct config_parse *cp = stream;
    const char *nl;
    size_t len, take;

    if (cp->p >= cp->end)
        return NULL;
    nl = memchr(cp->p, '\n', (size_t)(cp->end - cp->p));
    len = nl != NULL ? (size_t)(nl - cp->p) + 1 : (size_t)(cp->end - cp->p);
    cp->line++;
    take = len;
    if (take > (size_t)num - 1) {
        if (cp->err_line == 0) {
            cp->err_line = cp->line;
            err_set(cp->msg, "%s:%d: line too long (at most %d characters)",
                    cp->name, cp->line, CONFIG_MAX_LINE - 2);
        }
        take = 0; /* hand inih an empty line instead */
    }
    memcpy(str, cp->p, take);
    str[take] = '\0';
    /* A NUL inside the line would hide the rest from inih: refuse it. */
    if (take > 0 && memchr(cp->p, '\0', take) != NULL && cp->err_line == 0) {
        cp->err_line = cp->line;
        err_set(cp->msg, "%s:%d: NUL byte in line", cp->name, cp->line);
    }
    cp->p += len;
    return str;
}

static int
config_handler(void *user, const char *section, const char *name,
               const char *value)
{
    struct config_parse *cp = user;
    const struct config_key *k;
    char where[ERR_BUFSZ];

    if (cp->err_line != 0)
        return 1; /* the first error is already recorded */
    snprintf(where, sizeof(where), "%s:%d", cp->name, cp->line);
    if (name == NULL)
        return 1; /* a new section; unknown ones are caught at their keys */
    k = config_find(section, name);
    if (k == NULL) {
        if (section[0] == '\0')
            err_set(cp->msg, "%s: key \"%s\" is outside any [section]", where,
                    name);
        else if (!config_section_known(section))
            err_set(cp->msg, "%s: unknown section [%s]", where, section);
        else
            err_set(cp->msg, "%s: unknown key \"%s\" in [%s]", where, name,
                    section);
        cp->err_line = cp->line;
        return 0;
    }
    if (k->secret)
        cp->secrets++;
    if (config_set(cp->c, k, value, where, cp->msg) < 0) {
        cp->err_line = cp->line;
        return 0;
    }
    return 1;
}

static int
config_env(struct config *c, char *err)
{
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        char var[96];
        const char *value;
        size_t j;

        if (strcmp(k->section, "reflekt") == 0)
            snprintf(var, sizeof(var), "REFLEKT_%s", k->name);
        else
            snprintf(var, sizeof(var), "REFLEKT_%s_%s", k->section, k->name);
        for (j = 0; var[j] != '\0'; j++)
            var[j] = (char)toupper((unsigned char)var[j]);
        value = getenv(var);
        if (value != NULL && config_set(c, k, value, var, err) < 0)
            return ERR_CONFIG;
    }
    return 0;
}

int
config_load_text(struct config *c, const char *text, size_t len,
                 const char *name, char *err)
{
    struct config_parse cp = {
        .c = c, .name = name, .p = text, .end = text + len};
    int rc = ini_parse_stream(config_reader, &cp, config_handler, &cp);

    /*
     * inih reports a malformed line only through its return value, after
     * the handler may have seen later lines: the earlier line wins.
     */
    if (rc > 0 && (cp.err_line == 0 || rc < cp.err_line)) {
        err_set(err, "%s:%d: expected \"key = value\" or \"[section]\"", name,
                rc);
        return ERR_CONFIG;
    }
    if (rc < 0) {
        err_set(err, "%s: cannot be read", name);
        return ERR_CONFIG;
    }
    if (cp.err_line != 0) {
        err_set(err, "%s", cp.msg);
        return ERR_CONFIG;
    }
    if (cp.secrets > 0 && c->path != NULL) {
        struct stat sb;

        if (stat(c->path, &sb) == 0 && (sb.st_mode & 077) != 0)
            log_warn("msg=\"config file holds secrets but others may read "
                     "it; chmod 600 it or move the secrets to the "
                     "environment\" file=\"%s\"",
                     c->path);
    }
    return 0;
}

int
config_load(struct config *c, const char *path, char *err)
{
    int rc = 0;

    if (path != NULL) {
        FILE *f = fopen(path, "rb");
        char *text;
        size_t len;

        if (f == NULL) {
            err_set(err, "%s: cannot open: %s", path, strerror(errno));
            return ERR_CONFIG;
        }
        text = xmalloc(CONFIG_MAX_FILE + 1);
        len = fread(text, 1, CONFIG_MAX_FILE + 1, f);
        fclose(f);
        if (len > CONFIG_MAX_FILE) {
            free(text);
            err_set(err, "%s: larger than 1 MiB", path);
            return ERR_CONFIG;
        }
        config_str(&c->path, path);
        rc = config_load_text(c, text, len, path, err);
        free(text);
        if (rc < 0)
            return rc;
    }
    return config_env(c, err);
}
