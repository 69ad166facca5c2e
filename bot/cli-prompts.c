/*
 * cli-prompts.c - `reflekt prompts`: the question library for consultants
 * and for CI (list, show, check), and consultants' own questions (add,
 * own, remove).
 */
#include "cli-int.h"

#include "clock.h"
#include "err.h"
#include "lang.h"
#include "xmalloc.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *
cli_langs(char *const *text)
{
    json_t *o = json_object();

    for (int l = 0; l < LANG__COUNT; l++)
        json_object_set_new(o, lang_code((enum lang)l), json_string(text[l]));
    return o;
}

static int
cli_prompts_list(const struct config *conf, int argc, char **argv)
{
    struct cli_args a;
    struct prompt_set ps;
    const char *theme, *kind, *format, *code;
    enum prompt_kind k = PROMPT_OPEN;
    enum lang lang = LANG_EN;
    json_t *arr;
    int n = 0;

    if (cli_parse(argc, argv, "theme kind lang format", &a) < 0 ||
        a.npos != 0) {
        cli_error("usage: reflekt prompts list [--theme T] [--kind K] "
                  "[--lang nb|sv|en] [--format text|json]");
        return 2;
    }
    theme = cli_opt(&a, "theme");
    kind = cli_opt(&a, "kind");
    format = cli_opt(&a, "format");
    code = cli_opt(&a, "lang");
    if (kind != NULL && prompt_kind_parse(kind, &k) < 0) {
        cli_error("--kind must be open, commitment, scale, post-session, "
                  "pre-session or challenge, not \"%s\"",
                  kind);
        return 2;
    }
    if (format != NULL && strcmp(format, "json") != 0 &&
        strcmp(format, "text") != 0) {
        cli_error("--format must be text or json, not \"%s\"", format);
        return 2;
    }
    if (lang_parse(code != NULL ? code : conf->language, &lang) < 0) {
        cli_error("--lang must be nb, sv or en, not \"%s\"", code);
        return 2;
    }
    if (cli_prompts(conf, &ps) < 0)
        return 1;
    if (theme != NULL && prompt_theme_find(&ps, theme) == NULL) {
        cli_error("unknown theme \"%s\" (see: reflekt prompts list)", theme);
        prompt_set_release(&ps);
        return 2;
    }
    arr = json_array();
    for (size_t i = 0; i < ps.n; i++) {
        const struct prompt *p = &ps.v[i];
        json_t *o;

        if ((theme != NULL && strcmp(p->theme, theme) != 0) ||
            (kind != NULL && p->kind != k))
            continue;
        n++;
        if (format == NULL || strcmp(format, "text") == 0) {
            printf("%-28s %-12s %s\n", p->id, prompt_kind_name(p->kind),
                   p->text[lang]);
            continue;
        }
        o = json_object();
        json_object_set_new(o, "id", json_string(p->id));
        json_object_set_new(o, "theme", json_string(p->theme));
        json_object_set_new(o, "kind", json_string(prompt_kind_name(p->kind)));
        json_object_set_new(o, "text", cli_langs(p->text));
        if (p->followup[0] != NULL)
            json_object_set_new(o, "followup", cli_langs(p->followup));
        if (p->recall[0] != NULL)
            json_object_set_new(o, "recall", cli_langs(p->recall));
        json_array_append_new(arr, o);
    }
    if (format != NULL && strcmp(format, "json") == 0) {
        char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

        puts(s);
        free(s);
    } else {
        printf("%d question%s\n", n, n == 1 ? "" : "s");
    }
    json_decref(arr);
    prompt_set_release(&ps);
    return 0;
}

static void
cli_show_langs(const char *label, char *const *text)
{
    if (text[0] == NULL)
        return;
    printf("%s:\n", label);
    for (int l = 0; l < LANG__COUNT; l++)
        printf("  %s  %s\n", lang_code((enum lang)l), text[l]);
}

static int
cli_prompts_show(const struct config *conf, int argc, char **argv)
{
    struct prompt_set ps;
    const struct prompt *p;
    const struct prompt_theme *t;

    if (argc != 1) {
        cli_error("usage: reflekt prompts show ID");
        return 2;
    }
    if (cli_prompts(conf, &ps) < 0)
        return 1;
    if ((p = prompt_find(&ps, argv[0])) == NULL) {
        cli_error("no question \"%s\" (see: reflekt prompts list)", argv[0]);
        prompt_set_release(&ps);
        return 1;
    }
    t = prompt_theme_find(&ps, p->theme);
    printf("%s\ntheme: %s (%s)\nkind: %s\n", p->id, p->theme,
           t != NULL ? t->title[LANG_EN] : p->theme, prompt_kind_name(p->kind));
    cli_show_langs("text", p->text);
    cli_show_langs("followup", p->followup);
    cli_show_langs("recall", p->recall);
    prompt_set_release(&ps);
    return 0;
}

/*
 * With no files: load the library reflekt would use and summarise it.
 * With files: load each on top of the built-in library (so that replacing
 * a built-in question is checked too) and name every fault.
 */
static int
cli_prompts_check(const struct config *conf, int argc, char **argv)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ];
    int counts[PROMPT_KIND__COUNT] = {0};
    int bad = 0;

    if (cli_prompts(conf, &ps) < 0)
        return 1;
    for (int i = 0; i < argc; i++) {
        err[0] = '\0';
        if (prompt_set_load_file(&ps, argv[i], err) < 0) {
            cli_error("%s", err);
            bad++;
        } else {
            printf("%s: ok\n", argv[i]);
        }
    }
    for (size_t i = 0; i < ps.n; i++)
        counts[ps.v[i].kind]++;
    printf("%zu themes, %zu questions:", ps.nthemes, ps.n);
    for (int k = 0; k < PROMPT_KIND__COUNT; k++)
        printf(" %d %s%s", counts[k], prompt_kind_name((enum prompt_kind)k),
               k + 1 < PROMPT_KIND__COUNT ? "," : "\n");
    for (int k = PROMPT_POST_SESSION; k < PROMPT_KIND__COUNT; k++) {
        if (counts[k] == 0) {
            cli_error("the library has no %s question",
                      prompt_kind_name((enum prompt_kind)k));
            bad++;
        }
    }
    prompt_set_release(&ps);
    return bad > 0 ? 1 : 0;
}

static int
cli_own_add(const struct config *conf, int argc, char **argv)
{
    struct cli_args a;
    struct store *st;
    struct store_own o;
    struct store_leader l;
    struct store_group g;
    const char *leader, *group, *kind, *followup;
    enum prompt_kind k = PROMPT_OPEN;
    int rc;

    if (cli_parse(argc, argv, "leader group kind followup", &a) < 0 ||
        a.npos != 1 ||
        ((leader = cli_opt(&a, "leader")) == NULL) ==
            ((group = cli_opt(&a, "group")) == NULL)) {
        cli_error("usage: reflekt prompts add (--leader HANDLE | --group "
                  "NAME) [--kind open|commitment|scale] [--followup TEXT] "
                  "TEXT");
        return 2;
    }
    kind = cli_opt(&a, "kind");
    followup = cli_opt(&a, "followup");
    if (kind != NULL &&
        (prompt_kind_parse(kind, &k) < 0 || !prompt_kind_regular(k))) {
        cli_error("--kind must be open, commitment or scale, not \"%s\"", kind);
        return 2;
    }
    if (a.pos[0][0] == '\0' || strlen(a.pos[0]) > PROMPT_TEXT_MAX ||
        (followup != NULL &&
         (followup[0] == '\0' || strlen(followup) > PROMPT_TEXT_MAX))) {
        cli_error("a question and its follow-up are 1 to %d bytes",
                  PROMPT_TEXT_MAX);
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    memset(&o, 0, sizeof(o));
    if (leader != NULL) {
        if ((rc = cli_leader_get(st, leader, &l)) < 0)
            goto out;
        o.engagement_id = l.id;
    } else if ((rc = store_group_get(st, group, &g)) < 0) {
        cli_error("no group \"%s\" (see: reflekt group list)", group);
        goto out;
    } else {
        o.group_id = g.id;
    }
    xstrlcpy(o.kind, prompt_kind_name(k), sizeof(o.kind));
    xstrlcpy(o.text, a.pos[0], sizeof(o.text));
    xstrlcpy(o.followup, followup != NULL ? followup : "", sizeof(o.followup));
    if ((rc = store_begin(st)) < 0 ||
        (rc = store_own_add(st, &o, clock_now())) < 0 ||
        (rc = store_audit(st, clock_now(), cli_actor(), "own-question-add",
                          o.engagement_id, leader != NULL ? NULL : group)) <
            0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        cli_error("cannot add the question: %s", err_str(rc));
        goto out;
    }
    printf("own-%" PRId64 " for %s %s: asked before the library's "
           "questions\n",
           o.id, leader != NULL ? "leader" : "group",
           leader != NULL ? leader : group);
out:
    store_close(st);
    return rc < 0 ? 1 : 0;
}

static int
cli_own_cb(const struct store_own *o, void *arg)
{
    (void)arg;
    printf("own-%-5" PRId64 " %-6s %-20s %-10s %s\n", o->id,
           o->engagement_id ? "leader" : "group", o->target, o->kind, o->text);
    return 0;
}

static int
cli_own_list(const struct config *conf, int argc)
{
    struct store *st;
    int rc;

    if (argc != 0) {
        cli_error("usage: reflekt prompts own");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    if ((rc = store_own_each(st, cli_own_cb, NULL)) < 0)
        cli_error("cannot list own questions: %s", err_str(rc));
    store_close(st);
    return rc < 0 ? 1 : 0;
}

static int
cli_own_remove(const struct config *conf, int argc, char **argv)
{
    struct store *st;
    const char *s = argc == 1 ? argv[0] : "";
    char *end;
    long long id;
    int rc;

    if (strncmp(s, "own-", 4) == 0)
        s += 4;
    id = strtoll(s, &end, 10);
    if (argc != 1 || *s == '\0' || *end != '\0' || id <= 0) {
        cli_error("usage: reflekt prompts remove own-N");
        return 2;
    }
    if (cli_open(conf, &st) < 0)
        return 1;
    if ((rc = store_begin(st)) < 0 || (rc = store_own_remove(st, id)) < 0 ||
        (rc = store_commit(st)) < 0) {
        store_rollback(st);
        if (rc == ERR_NOTFOUND)
            cli_error("no own question own-%lld (see: reflekt prompts own)",
                      id);
        else
            cli_error("cannot remove own-%lld: %s", id, err_str(rc));
    } else {
        printf("own-%lld removed; answers already given stay\n", id);
    }
    store_close(st);
    return rc < 0 ? 1 : 0;
}

int
cli_prompts_main(const struct config *conf, int argc, char **argv)
{
    const char *sub = argc > 0 ? argv[0] : "";

    if (strcmp(sub, "list") == 0)
        return cli_prompts_list(conf, argc - 1, argv + 1);
    if (strcmp(sub, "show") == 0)
        return cli_prompts_show(conf, argc - 1, argv + 1);
    if (strcmp(sub, "check") == 0)
        return cli_prompts_check(conf, argc - 1, argv + 1);
    if (strcmp(sub, "add") == 0)
        return cli_own_add(conf, argc - 1, argv + 1);
    if (strcmp(sub, "own") == 0)
        return cli_own_list(conf, argc - 1);
    if (strcmp(sub, "remove") == 0)
        return cli_own_remove(conf, argc - 1, argv + 1);
    cli_error("usage: reflekt prompts list|show|check|add|own|remove ...");
    return 2;
}
