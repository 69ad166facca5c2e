/*
 * fake-matrix-server.c - the fake homeserver as a process, for end-to-end
 * scripts.  It prints "port N" once listening, then reads one command per
 * line on standard input and answers on standard output, each answer ending
 * with a line "ok SEQ" (or "err SEQ what") so a script can wait for it:
 *
 *   user LOCAL TOKEN              add @LOCAL:localhost
 *   invites USER                  rooms USER is invited to, one per line
 *   join USER ROOM
 *   dm FROM TO [encrypted]        FROM opens a direct room with TO
 *   send USER ROOM TEXT...        prints the event id
 *   edit USER ROOM EVENT TEXT...  prints the event id
 *   react USER ROOM EVENT KEY     prints the event id
 *   redact USER ROOM EVENT
 *   messages ROOM SENDER          message bodies, one per line
 *   reactions ROOM SENDER         how many
 *   stats                         send_requests N send_events N syncs N
 *   direct USER                   USER's m.direct as JSON
 *   fault 500|slow|reset|limit PATH COUNT
 */
#include "fake-matrix.h"
#include "words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(void)
{
    struct fake_matrix *f = fake_matrix_start();
    char line[8192], out[512];
    unsigned long seq = 0;

    if (f == NULL) {
        fprintf(stderr, "fake-matrix-server: cannot start\n");
        return 1;
    }
    printf("port %d\n", fake_matrix_port(f));
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL) {
        char *p = line, *cmd, *a, *b, *c;
        int rc = 0;

        line[strcspn(line, "\r\n")] = '\0';
        seq++;
        out[0] = '\0';
        cmd = word(&p);
        if (cmd == NULL) {
            continue;
        } else if (strcmp(cmd, "user") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            fake_matrix_add_user(f, a, b);
        } else if (strcmp(cmd, "invites") == 0 && (a = word(&p))) {
            char *rooms[64];
            int n = fake_matrix_invites(f, a, rooms, 64);

            for (int i = 0; i < n; i++)
                printf("%s\n", rooms[i]); /* the server's own strings */
        } else if (strcmp(cmd, "join") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            rc = fake_matrix_join(f, a, b);
        } else if (strcmp(cmd, "dm") == 0 && (a = word(&p)) && (b = word(&p))) {
            c = word(&p);
            rc = fake_matrix_create_dm(f, a, b, c != NULL, out, sizeof(out));
        } else if (strcmp(cmd, "send") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            rc = fake_matrix_send_text(f, a, b, rest(&p), out, sizeof(out));
        } else if (strcmp(cmd, "edit") == 0 && (a = word(&p)) &&
                   (b = word(&p)) && (c = word(&p))) {
            rc = fake_matrix_edit(f, a, b, c, rest(&p), out, sizeof(out));
        } else if (strcmp(cmd, "react") == 0 && (a = word(&p)) &&
                   (b = word(&p)) && (c = word(&p))) {
            rc = fake_matrix_react(f, a, b, c, rest(&p), out, sizeof(out));
        } else if (strcmp(cmd, "redact") == 0 && (a = word(&p)) &&
                   (b = word(&p)) && (c = word(&p))) {
            rc = fake_matrix_redact(f, a, b, c);
        } else if (strcmp(cmd, "messages") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            char *bodies[256];
            int n = fake_matrix_messages(f, a, b, bodies, 256);

            for (int i = 0; i < n; i++) {
                printf("%s\n", bodies[i]);
                free(bodies[i]);
            }
        } else if (strcmp(cmd, "reactions") == 0 && (a = word(&p)) &&
                   (b = word(&p))) {
            printf("%d\n", fake_matrix_reactions(f, a, b));
        } else if (strcmp(cmd, "stats") == 0) {
            printf("send_requests %d send_events %d syncs %d\n",
                   fake_matrix_send_requests(f), fake_matrix_send_events(f),
                   fake_matrix_syncs(f));
        } else if (strcmp(cmd, "direct") == 0 && (a = word(&p))) {
            char *d = fake_matrix_direct(f, a);

            printf("%s\n", d != NULL ? d : "null");
            free(d);
        } else if (strcmp(cmd, "fault") == 0 && (a = word(&p)) &&
                   (b = word(&p)) && (c = word(&p))) {
            enum fake_matrix_fault k =
                strcmp(a, "500") == 0     ? FAKE_MATRIX_500
                : strcmp(a, "slow") == 0  ? FAKE_MATRIX_SLOW
                : strcmp(a, "reset") == 0 ? FAKE_MATRIX_RESET
                                          : FAKE_MATRIX_LIMIT;

            fake_matrix_fault(f, k, b, (int)strtol(c, NULL, 10));
        } else {
            rc = -1;
        }
        if (out[0] != '\0')
            printf("%s\n", out);
        if (rc == 0)
            printf("ok %lu\n", seq);
        else
            printf("err %lu %s\n", seq, cmd);
        fflush(stdout);
    }
    fake_matrix_stop(f);
    return 0;
}
