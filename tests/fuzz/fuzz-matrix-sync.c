/*
 * fuzz-matrix-sync.c - libFuzzer target for matrix_codec_sync() and
 * matrix_codec_error().
 *
 * A /sync body is written by the homeserver but filled by every user who
 * shares a room with the bot, so the decoder must take any bytes, never
 * read past size, never hand out the bot's own events, and keep the
 * promises in matrix-codec.h about which pointers are set.  The same bytes
 * also go to matrix_codec_error(), which sees every non-2xx body.  A
 * broken promise aborts so libFuzzer keeps the input.
 */
#include "matrix-codec.h"

#include "err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_SELF "@reflekt:localhost"
#define FUZZ_MAX 10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_event(const struct matrix_event *e)
{
    if (e->room_id == NULL || e->event_id == NULL || e->sender == NULL)
        abort();
    if (strcmp(e->sender, FUZZ_SELF) == 0)
        abort();
    switch (e->kind) {
    case MATRIX_EV_MESSAGE:
        if (e->body == NULL || e->body_len != strlen(e->body) ||
            e->target != NULL || e->key != NULL)
            abort();
        break;
    case MATRIX_EV_EDIT:
        if (e->body == NULL || e->body_len != strlen(e->body) ||
            e->target == NULL || e->key != NULL)
            abort();
        break;
    case MATRIX_EV_REACTION:
        if (e->key == NULL || e->target == NULL || e->body != NULL)
            abort();
        break;
    case MATRIX_EV_REDACTION:
        if (e->target == NULL || e->body != NULL || e->key != NULL)
            abort();
        break;
    case MATRIX_EV_ENCRYPTED:
        if (e->body != NULL || e->target != NULL || e->key != NULL)
            abort();
        break;
    default:
        abort();
    }
}

static void
fuzz_check_sync(const struct matrix_sync *s)
{
    size_t i;

    if (s->root == NULL || s->next_batch == NULL)
        abort();
    if (s->nevents > FUZZ_MAX || s->ninvites > FUZZ_MAX || s->nrooms > FUZZ_MAX)
        abort();
    if ((s->nevents > 0 && s->events == NULL) ||
        (s->ninvites > 0 && s->invites == NULL) ||
        (s->nrooms > 0 && s->rooms == NULL))
        abort();
    for (i = 0; i < s->nevents; i++)
        fuzz_check_event(&s->events[i]);
    for (i = 0; i < s->ninvites; i++) {
        if (s->invites[i].room_id == NULL || s->invites[i].inviter == NULL)
            abort();
    }
    for (i = 0; i < s->nrooms; i++) {
        if (s->rooms[i].room_id == NULL)
            abort();
    }
    if (s->direct != NULL && !json_is_object(s->direct))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct matrix_sync s;
    char err[ERR_BUFSZ] = "";
    char code[32];
    int64_t ms;
    int rc;

    rc = matrix_codec_sync(body, size, FUZZ_SELF, &s, err);
    if (rc == 0)
        fuzz_check_sync(&s);
    else if (rc != ERR_INVAL || err[0] == '\0' || s.root != NULL ||
             s.events != NULL || s.nevents != 0)
        abort();
    matrix_sync_release(&s);
    if (s.root != NULL || s.events != NULL || s.invites != NULL ||
        s.rooms != NULL)
        abort();

    ms = matrix_codec_error(body, size, code, sizeof(code));
    if (ms < -1 || memchr(code, '\0', sizeof(code)) == NULL)
        abort();
    {
        struct matrix_sync page;
        char perr[256] = "";

        /* The same bytes as a /messages page. */
        if (matrix_codec_messages((const char *)data, size, "!r:localhost",
                                  "@reflekt:localhost", &page, perr) == 0) {
            for (size_t i = 0; i < page.nevents; i++) {
                if (page.events[i].event_id == NULL ||
                    strcmp(page.events[i].room_id, "!r:localhost") != 0)
                    abort();
            }
        } else if (perr[0] == '\0') {
            abort();
        }
        matrix_sync_release(&page);
    }
    return 0;
}
