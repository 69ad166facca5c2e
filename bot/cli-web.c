/*
 * cli-web.c - `reflekt console-link NAME`: a one-time sign-in link to the
 * web console, for an administrator to hand to a consultant or manager.
 */
#include "cli-int.h"
#include "clock.h"
#include "err.h"
#include "web-auth.h"

#include <stdio.h>

int
cli_console_link(const struct config *conf, int argc, char **argv)
{
    struct store *st;
    char url[768];
    int64_t now = clock_now();
    int rc;

    if (argc != 2) {
        cli_error("usage: reflekt console-link NAME");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    if ((rc = store_begin(st)) == 0) {
        rc = web_auth_link(st, conf, argv[1], now, url, sizeof(url));
        if (rc == 0)
            rc = store_audit(st, now, cli_actor(), "console-link", 0, argv[1]);
        if (rc == 0)
            rc = store_commit(st);
        else
            store_rollback(st);
    }
    if (rc == ERR_NOTFOUND)
        cli_error("no one called \"%s\" (consultants and managers are made "
                  "by leader add; see: reflekt leader list)",
                  argv[1]);
    else if (rc == ERR_DENIED)
        cli_error("%s is a leader only; the console is for consultants, "
                  "managers and administrators",
                  argv[1]);
    else if (rc == ERR_CONFIG)
        cli_error("the console has no address: set [http] listen (and [web] "
                  "public_url behind a proxy)");
    else if (rc < 0)
        cli_error("cannot make a link: %s", err_str(rc));
    else
        printf("%s\n(works once, for 15 minutes)\n", url);
    store_close(st);
    return rc < 0 ? 1 : 0;
}
