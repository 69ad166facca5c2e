/*
 * cli-int.h - what the command-line files share: argument parsing, opening
 * the database and the question library, and printing times.
 */
#ifndef REFLEKT_CLI_INT_H
#define REFLEKT_CLI_INT_H

#include "config.h"
#include "prompt.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define CLI_MAX_OPTS 16
#define CLI_MAX_ARGS 8

struct cli_args {
    const char *name[CLI_MAX_OPTS];
    const char *value[CLI_MAX_OPTS];
    int nopts;
    const char *pos[CLI_MAX_ARGS];
    int npos;
};

/* "reflekt: " and the message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Split argv into "--name value" options (names from known, a
 * space-separated list) and positional arguments.
 */
int cli_parse(int argc, char **argv, const char *known, struct cli_args *a);
/* Returns: the option's value (the last one wins), or NULL. */
const char *cli_opt(const struct cli_args *a, const char *name);
int cli_open(const struct config *conf, struct store **st);
/* The built-in library plus prompts_dir. */
int cli_prompts(const struct config *conf, struct prompt_set *ps);
/* Returns: 0, or < 0 after saying what was wrong. */
int cli_leader_get(struct store *st, const char *handle,
                   struct store_leader *l);
/* Who runs the command, for the audit log. */
const char *cli_actor(void);

/* cli-backup.c */
int cli_backup(const struct config *conf, int argc, char **argv);
int cli_restore(const struct config *conf, int argc, char **argv);
/* "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339, UTC). */
void cli_rfc3339(int64_t t, char *out, size_t outsz);
/* "YYYY-MM-DD HH:MM" in zone tz. */
void cli_local(const char *tz, int64_t t, char *out, size_t outsz);
/* Parse YYYY-MM-DD in zone tz to local midnight. */
int cli_date(const char *tz, const char *s, int64_t *out);
/* Parse "YYYY-MM-DD HH:MM" in zone tz.  Returns: 0 or ERR_INVAL. */
int cli_datetime(const char *tz, const char *s, int64_t *out);
/*
 * Check a comma-separated list of theme ids against the library; an
 * unknown one is named along with the known ones.  Returns: 0 or ERR_INVAL.
 */
int cli_themes_check(const struct config *conf, const char *themes);
/*
 * The arguments of the session and meeting commands: "NAME --at WHEN
 * [--theme T,...]", themes checked.  Returns: 0, or 2 after saying why.
 */
int cli_when_args(const struct config *conf, int argc, char **argv,
                  const char *usage, struct cli_args *a, const char **at,
                  const char **theme);
/* Parse --at in zone tz; whose ("leader's") names it in the error. */
int cli_when(const char *tz, const char *at, const char *whose, int64_t *out);

int cli_prompts_main(const struct config *conf, int argc, char **argv);
int cli_group_main(const struct config *conf, int argc, char **argv);
int cli_person_main(const struct config *conf, int argc, char **argv);
int cli_console_link(const struct config *conf, int argc, char **argv);
/*
 * A leader's rights and the limits that protect them (cli-rights.c); argv
 * starts after the subcommand.  `leader export HANDLE`, `leader erase
 * HANDLE [--yes]`, `org retention NAME MONTHS|none` and `person password
 * NAME [--clear]`.  Returns: the exit status.
 */
int cli_rights_export(const struct config *conf, int argc, char **argv);
int cli_rights_erase(const struct config *conf, int argc, char **argv);
int cli_rights_retention(const struct config *conf, int argc, char **argv);
int cli_rights_password(const struct config *conf, int argc, char **argv);
int cli_rights_admin(const struct config *conf, int argc, char **argv);
int cli_handle_ok(const char *h);
/* Whether user is a well-formed id on platform (says why not). */
int cli_user_ok(const char *platform, const char *user);
/* Ask the platform for user's time zone.  Returns: 0, or < 0 (said). */
int cli_platform_tz(const struct config *conf, const char *platform,
                    const char *user, char *tz, size_t tzsz);

#endif
