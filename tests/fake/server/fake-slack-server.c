/*
 * fake-slack-server.c - the fake Slack as a process, for end-to-end
 * scripts.  It prints "port N" once listening, then reads one command per
 * line on standard input and answers on standard output, each answer ending
 * with a line "ok SEQ" (or "err SEQ what") so a script can wait for it:
 *
 *   user ID NAME TZ              add a person (TZ "-" for none)
 *   deliver socket | deliver URL where person actions go
 *   say USER TEXT...             prints the new ts
 *   unseen USER TEXT...          prints the new ts (stored, not delivered)
 *   edit USER TS TEXT...
 *   delete USER TS
 *   press USER TS ACTION
 *   command USER TEXT...         prints the reply on one line (may be empty)
 *   posts USER                   TS<TAB>UPDATES<TAB>TEXT per bot post
 *   post-meta USER TS            the post's metadata JSON, or null
 *   calls METHOD                 how many calls
 *   stats                        acks N retries N connections N limited N
 *   disconnect REASON | drop
 *   fault 500|slow|reset|limit|auth METHOD COUNT   (METHOD "-": every one)
 *   limit METHOD PER_MINUTE
 *   verify                       url_verification
 *
 * Newlines inside printed texts are written as \n so every answer stays
 * one line per item.
 */
#include "fake-slack.h"
#include "words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POSTS 4096

/* "-" stands for the empty string, which a word cannot be. */
static const char *
dash(const char *s)
{
    return strcmp(s, "-") == 0 ? "" : s;
}

/* Print s and a newline, with its newlines as the two characters \n. */
static void
print_line(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\n')
            fputs("\\n", stdout);
        else
            putchar(*s);
    }
    putchar('\n');
}

static int
parse_fault(const char *s, enum fake_slack_fault *out)
{
    static const struct {
        const char *name;
        enum fake_slack_fault fault;
    } faults[] = {
        {"500", FAKE_SLACK_500},     {"slow", FAKE_SLACK_SLOW},
        {"reset", FAKE_SLACK_RESET}, {"limit", FAKE_SLACK_LIMIT},
        {"auth", FAKE_SLACK_AUTH},
    };

    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        if (strcmp(s, faults[i].name) == 0) {
            *out = faults[i].fault;
            return 0;
        }
    return -1;
}

/* posts USER, or post-meta USER TS when ts is not NULL. */
static int
posts(struct fake_slack *f, const char *user, const char *ts)
{
    static struct fake_slack_post list[MAX_POSTS];
    int n = fake_slack_posts(f, user, list, MAX_POSTS),
        rc = ts != NULL ? -1 : 0;

    for (int i = 0; i < n; i++) {
        if (ts == NULL) {
            printf("%s\t%d\t", list[i].ts, list[i].updates);
            print_line(list[i].text);
        } else if (strcmp(list[i].ts, ts) == 0) {
            print_line(list[i].metadata != NULL ? list[i].metadata : "null");
            rc = 0;
        }
        fake_slack_post_release(&list[i]);
    }
    return rc;
}

int
main(void)
{
    struct fake_slack *f = fake_slack_start();
    static char line[65536], out[65536];
    unsigned long seq = 0;

    if (f == NULL) {
        fprintf(stderr, "fake-slack-server: cannot start\n");
        return 1;
    }
    printf("port %d\n", fake_slack_port(f));
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL) {
        char *p = line, *cmd, *a, *b, *c;
        enum fake_slack_fault fault;
        int rc = 0;

        line[strcspn(line, "\r\n")] = '\0';
        seq++;
        cmd = word(&p);
        if (cmd == NULL) {
            continue;
        } else if (strcmp(cmd, "user") == 0 && (a = word(&p)) &&
                   (b = word(&p)) && (c = word(&p))) {
            fake_slack_add_user(f, a, b, dash(c));
        } else if (strcmp(cmd, "deliver") == 0 && (a = word(&p))) {
            fake_slack_deliver_to(f, strcmp(a, "socket") == 0 ? NULL : a);
        } else if ((strcmp(cmd, "say") == 0 || strcmp(cmd, "unseen") == 0) &&
                   (a = word(&p))) {
            rc = strcmp(cmd, "say") == 0
                     ? fake_slack_say(f, a, rest(&p), out, sizeof(out))
                     : fake_slack_say_unseen(f, a, rest(&p), out, sizeof(out));
            if (out[0] != '\0')
                printf("%s\n", out);
        } else if (strcmp(cmd, "edit") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            rc = fake_slack_edit(f, a, b, rest(&p));
        } else if (strcmp(cmd, "delete") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            rc = fake_slack_delete(f, a, b);
        } else if (strcmp(cmd, "press") == 0 && (a = word(&p)) &&
                   (b = word(&p)) && (c = word(&p))) {
            rc = fake_slack_press(f, a, b, c);
        } else if (strcmp(cmd, "command") == 0 && (a = word(&p))) {
            rc = fake_slack_command(f, a, rest(&p), out, sizeof(out));
            print_line(out);
        } else if (strcmp(cmd, "posts") == 0 && (a = word(&p))) {
            rc = posts(f, a, NULL);
        } else if (strcmp(cmd, "post-meta") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            rc = posts(f, a, b);
        } else if (strcmp(cmd, "calls") == 0 && (a = word(&p))) {
            printf("%d\n", fake_slack_calls(f, a));
        } else if (strcmp(cmd, "stats") == 0) {
            printf("acks %d retries %d connections %d limited %d\n",
                   fake_slack_acks(f), fake_slack_retries(f),
                   fake_slack_connections(f), fake_slack_limited(f));
        } else if (strcmp(cmd, "disconnect") == 0 && (a = word(&p))) {
            fake_slack_disconnect(f, a);
        } else if (strcmp(cmd, "drop") == 0) {
            fake_slack_drop(f);
        } else if (strcmp(cmd, "fault") == 0 && (a = word(&p)) &&
                   parse_fault(a, &fault) == 0 && (b = word(&p)) &&
                   (c = word(&p))) {
            fake_slack_fault(f, fault, dash(b), (int)strtol(c, NULL, 10));
        } else if (strcmp(cmd, "limit") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            fake_slack_limit(f, dash(a), (int)strtol(b, NULL, 10));
        } else if (strcmp(cmd, "verify") == 0) {
            rc = fake_slack_url_verification(f);
        } else {
            rc = -1;
        }
        if (rc == 0)
            printf("ok %lu\n", seq);
        else
            printf("err %lu %s\n", seq, cmd);
        fflush(stdout);
    }
    fake_slack_stop(f);
    return 0;
}
