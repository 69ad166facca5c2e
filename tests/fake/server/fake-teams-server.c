/*
 * fake-teams-server.c - the fake Microsoft Teams as a process, for
 * reflekt's end-to-end scripts.  It prints "port N" once listening, then
 * reads one command per line on standard input and answers on standard
 * output, each answer ending with a line "ok SEQ" (or "err SEQ what") so a
 * script can wait for it.  A person action answers "ok" only when the bot
 * answered 2xx; its status line is printed either way (-1: nothing sent).
 *
 *   user AAD NAME TZ              add a person (TZ "-" for none)
 *   bot URL                       where activities go
 *   relay URL | relay -           POST /relay goes to URL, signed (- off)
 *   say AAD TEXT...               STATUS ATTEMPTS ID
 *   submit AAD REPLYTOID JSON     STATUS ATTEMPTS ID
 *   edit AAD ID TEXT...           STATUS ATTEMPTS
 *   delete AAD ID                 STATUS ATTEMPTS
 *   install AAD | uninstall AAD   STATUS ATTEMPTS (install: of the second)
 *   raw JSON                      STATUS ATTEMPTS
 *   redeliver ID                  STATUS ATTEMPTS
 *   badtoken KIND AAD TEXT...     STATUS (always "ok" once sent)
 *                                 KIND none|sig|iss|aud|expired|kid|
 *                                 alg-none|hs256|serviceurl|endorse|future
 *   rotate
 *   posts AAD                     ID<TAB>UPDATES<TAB>DELETED<TAB>TEXTS<TAB>
 *                                 ACTIONS per bot activity ("-" for none)
 *   post-json AAD ID              the stored activity as compact JSON
 *   calls TARGET                  a number
 *   stats                         attempts N retries N limited N
 *   fault KIND TARGET COUNT       KIND 500|accepted500|slow|reset|limit|down,
 *                                 TARGET token|openid|keys|connector|-
 *   token-ttl SECONDS
 *   block AAD | unblock AAD | forget AAD
 *
 * TEXTS is the activity's text, then its cards' TextBlock texts, joined by
 * " | "; ACTIONS the Action.Submit titles joined by ",".  Newlines and tabs
 * inside printed texts are written as \n and \t.
 */
#include "fake-teams.h"
#include "words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POSTS 4096

static const char *
dash(const char *s)
{
    return strcmp(s, "-") == 0 ? "" : s;
}

/* Print s with its newlines and tabs as two characters each. */
static void
print_text(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\n')
            fputs("\\n", stdout);
        else if (*s == '\t')
            fputs("\\t", stdout);
        else
            putchar(*s);
    }
}

static int
parse_fault(const char *s, enum fake_teams_fault *out)
{
    static const struct {
        const char *name;
        enum fake_teams_fault fault;
    } faults[] = {
        {"500", FAKE_TEAMS_500},     {"accepted500", FAKE_TEAMS_ACCEPTED500},
        {"slow", FAKE_TEAMS_SLOW},   {"reset", FAKE_TEAMS_RESET},
        {"limit", FAKE_TEAMS_LIMIT}, {"down", FAKE_TEAMS_DOWN},
    };

    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        if (strcmp(s, faults[i].name) == 0) {
            *out = faults[i].fault;
            return 0;
        }
    return -1;
}

static int
parse_token(const char *s, enum fake_teams_token *out)
{
    static const struct {
        const char *name;
        enum fake_teams_token kind;
    } kinds[] = {
        {"none", FAKE_TEAMS_TOKEN_NONE},
        {"sig", FAKE_TEAMS_TOKEN_SIG},
        {"iss", FAKE_TEAMS_TOKEN_ISS},
        {"aud", FAKE_TEAMS_TOKEN_AUD},
        {"expired", FAKE_TEAMS_TOKEN_EXPIRED},
        {"kid", FAKE_TEAMS_TOKEN_KID},
        {"alg-none", FAKE_TEAMS_TOKEN_ALG_NONE},
        {"hs256", FAKE_TEAMS_TOKEN_HS256},
        {"serviceurl", FAKE_TEAMS_TOKEN_SERVICEURL},
        {"endorse", FAKE_TEAMS_TOKEN_ENDORSE},
        {"future", FAKE_TEAMS_TOKEN_FUTURE},
    };

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(s, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return 0;
        }
    return -1;
}

/* Print a person action's outcome; returns 0 when the bot took it. */
static int
outcome(int status, int attempts, const char *id)
{
    if (id != NULL)
        printf("%d %d %s\n", status, attempts, id[0] != '\0' ? id : "-");
    else
        printf("%d %d\n", status, attempts);
    return status >= 200 && status < 300 ? 0 : -1;
}

static int
posts(struct fake_teams *f, const char *aad)
{
    static struct fake_teams_post list[MAX_POSTS];
    int n = fake_teams_posts(f, aad, list, MAX_POSTS);

    for (int i = 0; i < n; i++) {
        struct fake_teams_post *p = &list[i];

        printf("%s\t%d\t%d\t", p->id, p->updates, p->deleted);
        print_text(p->text);
        if (p->text[0] != '\0' && p->texts[0] != '\0')
            fputs(" | ", stdout);
        print_text(p->texts);
        if (p->text[0] == '\0' && p->texts[0] == '\0')
            putchar('-');
        putchar('\t');
        print_text(p->actions[0] != '\0' ? p->actions : "-");
        putchar('\n');
        fake_teams_post_release(p);
    }
    return n < 0 ? -1 : 0;
}

int
main(void)
{
    struct fake_teams *f = fake_teams_start();
    static char line[65536], id[FAKE_TEAMS_ID_LEN];
    unsigned long seq = 0;

    if (f == NULL) {
        fprintf(stderr, "fake-teams-server: cannot start\n");
        return 1;
    }
    printf("port %d\n", fake_teams_port(f));
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL) {
        char *p = line, *cmd, *a, *b, *c, *text;
        enum fake_teams_fault fault;
        enum fake_teams_token kind;
        int rc = 0, st, n = 0, m = 0;

        line[strcspn(line, "\r\n")] = '\0';
        seq++;
        cmd = word(&p);
        if (cmd == NULL) {
            continue;
        } else if (strcmp(cmd, "user") == 0 && (a = word(&p)) &&
                   (b = word(&p)) && (c = word(&p))) {
            fake_teams_add_user(f, a, b, dash(c));
        } else if (strcmp(cmd, "bot") == 0 && (a = word(&p))) {
            fake_teams_bot_url(f, a);
        } else if (strcmp(cmd, "relay") == 0 && (a = word(&p))) {
            fake_teams_relay_to(f, strcmp(a, "-") == 0 ? NULL : a);
        } else if (strcmp(cmd, "say") == 0 && (a = word(&p))) {
            st = fake_teams_say(f, a, rest(&p), &n, id, sizeof(id));
            rc = outcome(st, n, id);
        } else if (strcmp(cmd, "submit") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            st = fake_teams_submit(f, a, b, rest(&p), &n, id, sizeof(id));
            rc = outcome(st, n, id);
        } else if (strcmp(cmd, "edit") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            st = fake_teams_edit(f, a, b, rest(&p), &n);
            rc = outcome(st, n, NULL);
        } else if (strcmp(cmd, "delete") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            st = fake_teams_delete(f, a, b, &n);
            rc = outcome(st, n, NULL);
        } else if (strcmp(cmd, "install") == 0 && (a = word(&p))) {
            st = fake_teams_install(f, a, &n);
            rc = outcome(st, n, NULL);
        } else if (strcmp(cmd, "uninstall") == 0 && (a = word(&p))) {
            st = fake_teams_uninstall(f, a, &n);
            rc = outcome(st, n, NULL);
        } else if (strcmp(cmd, "raw") == 0 && *(text = rest(&p)) != '\0') {
            st = fake_teams_raw(f, text, &n);
            rc = outcome(st, n, NULL);
        } else if (strcmp(cmd, "redeliver") == 0 && (a = word(&p))) {
            st = fake_teams_redeliver(f, a, &n);
            rc = outcome(st, n, NULL);
        } else if (strcmp(cmd, "badtoken") == 0 && (a = word(&p)) &&
                   parse_token(a, &kind) == 0 && (b = word(&p))) {
            st = fake_teams_badtoken(f, kind, b, rest(&p));
            printf("%d\n", st);
            rc = st < 0 ? -1 : 0;
        } else if (strcmp(cmd, "rotate") == 0) {
            fake_teams_rotate(f);
        } else if (strcmp(cmd, "posts") == 0 && (a = word(&p))) {
            rc = posts(f, a);
        } else if (strcmp(cmd, "post-json") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            char *json = fake_teams_post_json(f, a, b);

            rc = json != NULL ? 0 : -1;
            if (json != NULL)
                printf("%s\n", json);
            free(json);
        } else if (strcmp(cmd, "calls") == 0 && (a = word(&p))) {
            printf("%d\n", fake_teams_calls(f, a));
        } else if (strcmp(cmd, "stats") == 0) {
            fake_teams_stats(f, &n, &m);
            printf("attempts %d retries %d limited %d\n", n, m,
                   fake_teams_calls(f, "limited"));
        } else if (strcmp(cmd, "fault") == 0 && (a = word(&p)) &&
                   parse_fault(a, &fault) == 0 && (b = word(&p)) &&
                   (c = word(&p))) {
            fake_teams_fault(f, fault, dash(b), (int)strtol(c, NULL, 10));
        } else if (strcmp(cmd, "token-ttl") == 0 && (a = word(&p))) {
            fake_teams_token_ttl(f, strtol(a, NULL, 10));
        } else if ((strcmp(cmd, "block") == 0 || strcmp(cmd, "unblock") == 0) &&
                   (a = word(&p))) {
            fake_teams_block(f, a, strcmp(cmd, "block") == 0);
        } else if (strcmp(cmd, "forget") == 0 && (a = word(&p))) {
            fake_teams_forget(f, a);
        } else {
            rc = -1;
        }
        if (rc == 0)
            printf("ok %lu\n", seq);
        else
            printf("err %lu %s\n", seq, cmd);
        fflush(stdout);
    }
    fake_teams_stop(f);
    return 0;
}
