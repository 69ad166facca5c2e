/*
 * cli-person.c - `reflekt person link` (and `person password`, in
 * cli-rights.c), platform user ids, and a leader's time zone as their
 * platform knows it.
 */
#include "adapter.h"
#include "cli-int.h"
#include "err.h"
#include "http.h"
#include "xmalloc.h"

#include <stdio.h>
#include <string.h>

int
cli_user_ok(const char *platform, const char *user)
{
    if (strcmp(platform, "matrix") == 0) {
        const char *colon = strchr(user, ':');

        if (user[0] != '@' || colon == NULL || colon == user + 1 ||
            colon[1] == '\0' || strchr(user, ' ') != NULL) {
            cli_error("--user must be a Matrix user id such as "
                      "@lena:example.org, not \"%s\"",
                      user);
            return 0;
        }
    } else if (strcmp(platform, "slack") == 0) {
        size_t n = strlen(user);

        if (n < 3 || n > 32 || (user[0] != 'U' && user[0] != 'W') ||
            strspn(user, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n) {
            cli_error("--user must be a Slack member id such as U024BE7LH "
                      "(in Slack: the person's profile, ⋮, Copy member "
                      "ID), not \"%s\"",
                      user);
            return 0;
        }
    } else if (strcmp(platform, "teams") == 0) {
        size_t n = strlen(user);
        int guid =
            n >= 32 && n <= 40 && strspn(user, "0123456789abcdefABCDEF-") == n;

        if (!guid && (strncmp(user, "29:", 3) != 0 || n < 4 ||
                      strcspn(user, " \t\n") != n)) {
            cli_error("--user must be the person's Microsoft Entra object "
                      "id, such as 8f3c2a7e-4b1d-4c9a-9e2f-1d6b5a0c7e31 (in "
                      "the Entra admin centre: Users, the person, Object "
                      "ID), not \"%s\"",
                      user);
            return 0;
        }
    }
    return 1;
}

struct cli_tz {
    int status;
    int done;
    char tz[64];
};

static void
on_tz(struct adapter *a, int status, const char *tz, void *arg)
{
    struct cli_tz *t = arg;

    (void)a;
    t->status = status;
    t->done = 1;
    if (status == 0)
        xstrlcpy(t->tz, tz, sizeof(t->tz));
}

int
cli_platform_tz(const struct config *conf, const char *platform,
                const char *user, char *tz, size_t tzsz)
{
    const struct adapter_ops *ops = adapter_find(platform);
    struct adapter_host host = {0};
    struct cli_tz t = {0};
    struct adapter *a;
    uv_loop_t loop;
    char err[ERR_BUFSZ] = "";
    int rc;

    if (ops == NULL || ops->user_tz == NULL) {
        cli_error("--tz is required for %s leaders", platform);
        return ERR_INVAL;
    }
    uv_loop_init(&loop);
    a = adapter_new(ops, &loop, &host);
    a->http = http_new(&loop);
    if ((rc = ops->init(a, conf, err)) < 0) {
        cli_error("%s: %s", platform, err);
        goto out;
    }
    if ((rc = ops->user_tz(a, user, on_tz, &t)) == 0)
        uv_run(&loop, UV_RUN_DEFAULT);
    rc = t.done ? t.status : rc;
    if (rc < 0)
        cli_error("cannot ask %s for the time zone of %s (%s); give --tz",
                  platform, user, err_str(rc));
    else
        xstrlcpy(tz, t.tz, tzsz);
    ops->release(a);
out:
    http_close(a->http);
    uv_run(&loop, UV_RUN_DEFAULT); /* until the client's handles closed */
    uv_loop_close(&loop);
    adapter_free(a);
    return rc;
}

int
cli_person_main(const struct config *conf, int argc, char **argv)
{
    struct cli_args a;
    struct store *st;
    const char *platform, *user;
    int rc;

    if (argc >= 1 && strcmp(argv[0], "password") == 0)
        return cli_rights_password(conf, argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "admin") == 0)
        return cli_rights_admin(conf, argc - 1, argv + 1);
    if (argc < 1 || strcmp(argv[0], "link") != 0 ||
        cli_parse(argc - 1, argv + 1, "platform user", &a) < 0 || a.npos != 1 ||
        cli_opt(&a, "platform") == NULL || cli_opt(&a, "user") == NULL) {
        cli_error("usage: reflekt person link NAME --platform P --user ID, "
                  "person password NAME [--clear], or person admin NAME "
                  "[--remove]");
        return 2;
    }
    platform = cli_opt(&a, "platform");
    user = cli_opt(&a, "user");
    if (adapter_find(platform) == NULL) {
        cli_error("unknown platform \"%s\" (this reflekt knows: console, "
                  "matrix, slack, teams)",
                  platform);
        return 2;
    }
    if (!cli_user_ok(platform, user) || strlen(user) >= STORE_ID_MAX) {
        if (strlen(user) >= STORE_ID_MAX)
            cli_error("--user is too long");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    rc = store_person_link(st, a.pos[0], platform, user);
    if (rc == ERR_NOTFOUND)
        cli_error("no consultant or manager \"%s\" (people are created by "
                  "`reflekt leader add --consultant/--manager`)",
                  a.pos[0]);
    else if (rc == ERR_EXISTS)
        cli_error("%s account %s is linked to someone already", platform, user);
    else if (rc < 0)
        cli_error("cannot link: %s", err_str(rc));
    else
        printf("%s is %s on %s; /reflekt now knows them\n", a.pos[0], user,
               platform);
    store_close(st);
    return rc < 0 ? 1 : 0;
}
