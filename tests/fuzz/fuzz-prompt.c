/*
 * fuzz-prompt.c - libFuzzer target for prompt_set_load_text().
 *
 * Question files come from a prompts_dir a coach edits by hand, so the
 * loader must refuse anything broken with a message and never accept a
 * question that would reach a leader empty: on success every question has
 * all three texts, each non-empty and within PROMPT_TEXT_MAX, and its
 * followups all or none.  A broken promise aborts so libFuzzer keeps the
 * input.
 */
#include "prompt.h"

#include "err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_prompt_check(const struct prompt_set *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        const struct prompt *p = &ps->v[i];
        int followups = 0;

        if (p->id == NULL || p->id[0] == '\0' || p->theme == NULL ||
            p->theme[0] == '\0' || (int)p->kind < 0 ||
            p->kind >= PROMPT_KIND__COUNT || p->order < 0)
            abort();
        for (int l = 0; l < LANG__COUNT; l++) {
            if (p->text[l] == NULL || p->text[l][0] == '\0' ||
                strlen(p->text[l]) > PROMPT_TEXT_MAX)
                abort();
            if (p->followup[l] != NULL) {
                if (p->followup[l][0] == '\0' ||
                    strlen(p->followup[l]) > PROMPT_TEXT_MAX)
                    abort();
                followups++;
            }
        }
        if (followups != 0 && followups != LANG__COUNT)
            abort();
        /* The placeholder promises: a recall quotes {answer} once. */
        for (int l = 0; l < LANG__COUNT; l++) {
            const char *r = p->recall[l];

            if ((p->kind == PROMPT_COMMITMENT) != (r != NULL))
                abort();
            if (r != NULL && (strstr(r, "{answer}") == NULL ||
                              strstr(strstr(r, "{answer}") + 1, "{answer}")))
                abort();
            if (p->kind == PROMPT_SCALE && p->followup[l] == NULL)
                abort();
        }
        /* Ids are unique, so prompt_find finds this very question. */
        if (prompt_find(ps, p->id) != p)
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "";
    int rc;

    prompt_set_init(&ps);
    rc = prompt_set_load_text(&ps, (const char *)data, size, "fuzz.json", err);
    if (rc == 0) {
        if (ps.n == 0 || err[0] != '\0')
            abort();
        fuzz_prompt_check(&ps);
        /* Selection must cope with whatever loaded. */
        (void)prompt_select(&ps, ps.v[0].theme, 0, NULL, NULL);
        (void)prompt_select(&ps, NULL, 0, NULL, NULL);
        (void)prompt_select(&ps, "a,,b,", 1, NULL, NULL);
        for (int k = 0; k < PROMPT_KIND__COUNT; k++)
            (void)prompt_select_kind(&ps, (enum prompt_kind)k, NULL, NULL);
    } else if (rc != ERR_INVAL || err[0] == '\0' || ps.n != 0) {
        abort();
    }
    prompt_set_release(&ps);
    return 0;
}
