/*
 * config.h - reflekt's configuration: an INI file, then the environment.
 *
 * Every key has a default, so reflekt runs with no file at all (the embedded
 * default: ./reflekt.db and the console adapter).  Each key may also come
 * from the environment as REFLEKT_<SECTION>_<KEY> (REFLEKT_<KEY> for the
 * [reflekt] section), and the environment wins; secrets should come that way
 * or from a file only its owner can read.  Unknown keys and bad values are
 * refused with "file:line: message"; the first error wins.
 */
#ifndef REFLEKT_CONFIG_H
#define REFLEKT_CONFIG_H

#include "log.h"

#include <stddef.h>
#include <stdint.h>

struct config {
    char *path; /* the file read, or NULL */
    /* [reflekt] */
    char *db;
    enum log_level log_level;
    int verbose; /* -v (1) or -vv (2) on the command line: kept on reload */
    char *prompts_dir; /* extra question files; NULL for none */
    char *language;    /* for people reflekt does not know yet */
    /* [schedule]: defaults for newly enrolled leaders, and timings */
    char *cadence;
    int work_from, work_to;
    unsigned work_days;
    int weekly_cap;
    int summer_from, summer_to;
    char *holidays;         /* "auto" (from language), "no", "se", "none" */
    int64_t reminder_after; /* seconds after sending */
    int64_t missed_after;   /* seconds after sending */
    int64_t answer_window;  /* seconds after the first answer */
    int64_t snooze_default; /* seconds for a bare "snooze" */
    int64_t repeat_window;  /* no question twice within this */
    int pre_session_days;   /* ask what to bring this many days before */
    int post_session;       /* ask the day after a session */
    int64_t agenda_before;  /* a group's agenda goes out this long before */
    /* [http] */
    char *listen; /* inbound endpoint, e.g. "127.0.0.1:8080"; NULL: off */
    /* [matrix] */
    char *matrix_homeserver;   /* base URL; NULL: Matrix off */
    char *matrix_access_token; /* secret */
    /* [slack]: on when bot_token is set */
    char *slack_bot_token;      /* xoxb-..., secret */
    char *slack_app_token;      /* xapp-..., secret; Socket Mode when set */
    char *slack_signing_secret; /* secret; Events API when set */
    char *slack_api_base;       /* Web API base URL */
    int slack_connections;      /* Socket Mode connections, 1-10 */
    /* [teams]: on when app_id is set */
    char *teams_app_id;       /* the Azure Bot's Microsoft App ID */
    char *teams_app_password; /* its client secret, secret */
    char *teams_tenant_id;    /* single-tenant bot's home tenant; NULL: the
                                 legacy multi-tenant authority */
    char *teams_login_base;   /* token authority base URL */
    char *teams_openid_url;   /* Bot Framework OpenID metadata */
    char *teams_service_url;  /* connector for a first proactive message */
    int teams_allow_loopback; /* tests: trust http://127.0.0.1 peers */
    /* [web]: the console for consultants and managers under /console/ */
    char *web_public_url;      /* what links start with; NULL: http://listen */
    int64_t web_idle;          /* a browser session ends after this idle time */
    int64_t web_digest_before; /* the digest reaches the consultant in chat
                                  this long before a session; 0: never */
    int web_allow_loopback;    /* tests: calendars from http://127.0.0.1 */
    /* [console] */
    int console_enabled;
    char *console_input; /* NULL: standard input */
};

/* Fill c with the defaults.  Ownership: release with config_release. */
void config_init(struct config *c);
void config_release(struct config *c);

/*
 * Read path (NULL: no file), then the environment.  On error c holds the
 * defaults plus whatever was read before the error.
 * Returns: 0, or ERR_CONFIG with err naming file, line and fault.
 */
int config_load(struct config *c, const char *path, char *err);
/* The same for text already in memory, named name in messages. */
int config_load_text(struct config *c, const char *text, size_t len,
                     const char *name, char *err);

/* Parse "90s", "30m", "24h", "3d", "2w" into seconds. */
int config_duration(const char *s, int64_t *out);

#endif
