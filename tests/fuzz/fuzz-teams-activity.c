/*
 * fuzz-teams-activity.c - libFuzzer target for the Bot Framework activity
 * decoder and for what reflekt reads back from its own storage of a
 * conversation reference.
 *
 * The input is an activity body as Teams would POST it.  It must decode or
 * be refused with a message; a decoded event must name its id and user,
 * its text must be as long as it says, and its conversation reference must
 * read back into the same three parts.  The input as a stored reference
 * and as a service URL must be judged without reading past its end.
 */
#include "teams-codec.h"

#include "err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct teams_in *in)
{
    struct teams_ref back;

    if (in->kind == TEAMS_IN_IGNORE)
        return;
    if (in->ev.user_id == NULL || in->ev.conversation == NULL)
        abort();
    if (teams_ref_parse(in->ref_str, &back) < 0 ||
        strcmp(back.service_url, in->ref.service_url) != 0 ||
        strcmp(back.tenant, in->ref.tenant) != 0 ||
        strcmp(back.conversation, in->ref.conversation) != 0)
        abort();
    if (in->kind == TEAMS_IN_EVENT || in->kind == TEAMS_IN_COMMAND) {
        if (in->ev.event_id == NULL)
            abort();
        if (in->ev.text != NULL && memchr(in->ev.text, '\0', in->ev.text_len))
            abort();
        if (in->ev.type == ADAPTER_EVENT_ACTION && in->ev.action == NULL)
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct teams_in in;
    struct teams_ref ref;
    char err[ERR_BUFSZ] = "";
    char *s = malloc(size + 1);
    json_t *act;

    memcpy(s, data, size);
    s[size] = '\0';
    act = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (act != NULL) {
        if (teams_codec_activity(act, "28:app", &in, err) < 0) {
            if (err[0] == '\0')
                abort(); /* a refusal must say why */
        } else {
            check(&in);
        }
        json_decref(act);
    }
    if (teams_ref_parse(s, &ref) == 0) {
        char again[TEAMS_REF_MAX];

        if (teams_ref_format(&ref, again, sizeof(again)) < 0 ||
            strcmp(again, s) != 0)
            abort();
    }
    (void)teams_codec_service_url_ok(s, size % 2);
    free(s);
    return 0;
}
