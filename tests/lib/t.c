/*
 * t.c - runner for t.h tests.
 */
#include "t.h"

#include <stdlib.h>

int t_failed_now;

int
t_run(const char *suite, const struct t_case *cases, size_t n)
{
    size_t passed = 0, failed = 0;
    const char *only = getenv("T_ONLY");

    for (size_t i = 0; i < n; i++) {
        if (only != NULL && strcmp(only, cases[i].name) != 0)
            continue;
        t_failed_now = 0;
        cases[i].fn();
        if (t_failed_now) {
            printf("not ok - %s %s\n", suite, cases[i].name);
            failed++;
        } else {
            printf("ok - %s %s\n", suite, cases[i].name);
            passed++;
        }
    }
    printf("%zu passed, %zu failed\n", passed, failed);
    /* Flush before exit: LeakSanitizer may end the process at exit. */
    fflush(stdout);
    return failed ? 1 : 0;
}
