/*
 * fuzz-config.c - libFuzzer target for config_load_text().
 *
 * The configuration file is written by operators, but reflekt must refuse
 * any bytes cleanly: no crash, no leak, no read past len, and whatever it
 * returns must keep the promises in config.h.  On error the message is a
 * NUL-terminated "name:..." string; on success every field holds a value
 * the rest of reflekt can use.  A broken promise aborts so libFuzzer keeps
 * the input.
 *
 * Only config_load_text is called: it never reads the environment (that is
 * config_env, reached from config_load alone) and, with c->path NULL, never
 * looks at a file, so REFLEKT_* variables cannot change a run.
 */
#include "config.h"

#include "err.h"
#include "lang.h"
#include "sched.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz.ini"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_config_oneof(const char *s, const char *a, const char *b, const char *c,
                  const char *d)
{
    return s != NULL && (strcmp(s, a) == 0 || strcmp(s, b) == 0 ||
                         strcmp(s, c) == 0 || strcmp(s, d) == 0);
}

static int
fuzz_config_md(int md)
{
    return md >= 101 && md <= 1231 && md % 100 >= 1 && md % 100 <= 31;
}

/* What a successful load promises. */
static void
fuzz_config_check(const struct config *c)
{
    enum lang lang;

    if (c->weekly_cap < 0 || c->weekly_cap > 21)
        abort();
    if (c->work_from < 0 || c->work_from >= c->work_to || c->work_to > 24 * 60)
        abort();
    if (c->work_days == 0 || (c->work_days & ~0xfeu) != 0)
        abort();
    if (c->db == NULL || c->db[0] == '\0')
        abort();
    if (c->log_level < LOG_LEVEL_ERROR || c->log_level > LOG_LEVEL_TRACE)
        abort();
    if (c->language == NULL || lang_parse(c->language, &lang) < 0)
        abort();
    if (!fuzz_config_oneof(c->holidays, "auto", "no", "se", "none"))
        abort();
    if (c->cadence == NULL || sched_check(c->cadence, "UTC", NULL) < 0)
        abort();
    if ((c->summer_from == 0) != (c->summer_to == 0))
        abort();
    if (c->summer_from != 0 &&
        (!fuzz_config_md(c->summer_from) || !fuzz_config_md(c->summer_to)))
        abort();
    if (c->reminder_after < 0 || c->missed_after < 0 || c->answer_window < 0 ||
        c->snooze_default < 0 || c->repeat_window < 0)
        abort();
    if (c->console_enabled != 0 && c->console_enabled != 1)
        abort();
    if (c->path != NULL)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config c;
    char err[ERR_BUFSZ];
    int rc;

    /* Empty, but with no NUL after it: a missing terminator shows. */
    memset(err, 'X', sizeof(err));
    err[0] = '\0';
    config_init(&c);
    rc = config_load_text(&c, (const char *)data, size, FUZZ_NAME, err);
    if (rc == 0) {
        if (err[0] != '\0')
            abort();
        fuzz_config_check(&c);
    } else {
        if (rc != ERR_CONFIG)
            abort();
        if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
            abort();
        if (strncmp(err, FUZZ_NAME ":", sizeof(FUZZ_NAME ":") - 1) != 0)
            abort();
    }
    config_release(&c);
    return 0;
}
