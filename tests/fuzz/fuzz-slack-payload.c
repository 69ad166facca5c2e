/*
 * fuzz-slack-payload.c - libFuzzer target for everything Slack sends
 * reflekt: Events API bodies, interactivity forms, slash-command forms and
 * Socket Mode frames (the text of a WebSocket message; framing itself is
 * libwebsockets').
 *
 * The first byte picks the route.  Every input must decode or be refused
 * with a message; a decoded event must name its id and user, and its text
 * must be as long as it says.
 */
#include "slack-codec.h"

#include "err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct slack_in *in, int rc, const char *err)
{
    if (rc < 0) {
        if (err[0] == '\0')
            abort(); /* a refusal must say why */
        return;
    }
    if (in->kind == SLACK_IN_EVENT || in->kind == SLACK_IN_COMMAND) {
        if (in->ev.event_id == NULL || in->ev.user_id == NULL)
            abort();
        if (in->ev.text != NULL && strlen(in->ev.text) != in->ev.text_len)
            abort();
    }
    if (in->kind == SLACK_IN_CHALLENGE && in->challenge == NULL)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const routes[] = {"events", "interactive", "commands"};
    struct slack_in in = {0};
    char err[ERR_BUFSZ] = "";
    const char *body = (const char *)data + 1;
    int rc;

    if (size < 1)
        return 0;
    size--;
    if (data[0] % 4 < 3) {
        json_t *keep = NULL;

        rc = slack_codec_http(routes[data[0] % 4], body, size, "UBOT", &in,
                              &keep, err);
        check(&in, rc, err);
        json_decref(keep);
    } else {
        struct slack_frame f;
        json_t *root = NULL;

        rc = slack_codec_frame(body, size, &f, &root, err);
        if (rc < 0 && err[0] == '\0')
            abort();
        if (rc == 0) {
            char *ack;

            rc = slack_codec_frame_in(&f, "UBOT", &in, err);
            check(&in, rc, err);
            if (f.envelope_id != NULL) {
                ack = slack_codec_ack(f.envelope_id, "ok");
                free(ack);
            }
        }
        json_decref(root);
    }
    slack_in_release(&in);
    return 0;
}
