/*
 * test-prompt.c - unit tests for prompts/prompt.c.
 *
 * The library is data a coach edits by hand, so most of these tests feed
 * broken files and hold the loader to its promises: the file is refused as
 * a whole, the set is left as it was, and the message names the file and
 * the question.  The rest pin down selection: regular kinds only, never
 * asked first, then the one asked longest ago, and every theme in turn.
 */
#include "prompt.h"

#include "err.h"
#include "t.h"
#include "xmalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One valid question: the id doubles as the text in every language. */
#define Q(id, kind)                                                            \
    "{\"id\": \"" id "\", \"kind\": \"" kind "\", \"text\": {\"nb\": \"nb " id \
    "\", \"sv\": \"sv " id "\", \"en\": \"en " id "\"}}"
/* One question file. */
#define F(theme, questions)                                                    \
    "{\"theme\": \"" theme "\", \"questions\": [" questions "]}"

static int
load(struct prompt_set *ps, const char *text, const char *name, char *err)
{
    err[0] = '\0';
    return prompt_set_load_text(ps, text, strlen(text), name, err);
}

/* Load text as bad.json into an empty set; a failure must leave it empty. */
static int
load_fresh(const char *text, char *err)
{
    struct prompt_set ps;
    int rc;

    prompt_set_init(&ps);
    rc = load(&ps, text, "bad.json", err);
    if (rc < 0)
        T_EQ_INT(ps.n, 0);
    prompt_set_release(&ps);
    return rc;
}

/* What a leader was asked, and when, for prompt_select's callback. */
struct asked {
    const char *id[64];
    int64_t at[64];
    size_t n;
    int64_t now;
};

static prompt_asked_cb asked_cb, index_cb, reverse_index_cb;

static int
asked_cb(void *arg, const char *id, int64_t *at)
{
    const struct asked *a = arg;

    *at = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->id[i], id) == 0)
            *at = a->at[i];
    }
    return 0;
}

/* Select for a leader and record the question as asked now. */
static const struct prompt *
ask(const struct prompt_set *ps, const char *theme, struct asked *a)
{
    const struct prompt *p = prompt_select(ps, theme, asked_cb, a);
    size_t i;

    if (p == NULL)
        return NULL;
    for (i = 0; i < a->n && strcmp(a->id[i], p->id) != 0; i++)
        ;
    if (i == a->n) {
        if (a->n == sizeof(a->id) / sizeof(a->id[0]))
            return p;
        a->id[a->n++] = p->id;
    }
    a->at[i] = ++a->now;
    return p;
}

/* Every question was asked at time index + 1: the first is the oldest. */
static int
index_cb(void *arg, const char *id, int64_t *at)
{
    const struct prompt_set *ps = arg;

    *at = 0;
    for (size_t i = 0; i < ps->n; i++) {
        if (strcmp(ps->v[i].id, id) == 0)
            *at = (int64_t)i + 1;
    }
    return 0;
}

/* Every question was asked at time n - index: the last is the oldest. */
static int
reverse_index_cb(void *arg, const char *id, int64_t *at)
{
    const struct prompt_set *ps = arg;

    *at = 0;
    for (size_t i = 0; i < ps->n; i++) {
        if (strcmp(ps->v[i].id, id) == 0)
            *at = (int64_t)(ps->n - i);
    }
    return 0;
}

static int
regular(const struct prompt *p)
{
    return p->kind == PROMPT_OPEN || p->kind == PROMPT_COMMITMENT ||
           p->kind == PROMPT_SCALE;
}

T_TEST(test_builtin)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "";
    int themes = 0;

    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
    T_EQ_STR(err, "");
    T_CHECK(ps.n >= 24);
    for (size_t i = 0; i < ps.n; i++) {
        const struct prompt *p = &ps.v[i];
        int followups = 0;

        T_CHECK(p->id != NULL && p->id[0] != '\0');
        T_CHECK(p->theme != NULL && p->theme[0] != '\0');
        T_CHECK((int)p->kind >= 0 && p->kind < PROMPT_KIND__COUNT);
        for (int l = 0; l < LANG__COUNT; l++) {
            T_CHECK(p->text[l] != NULL && p->text[l][0] != '\0');
            T_CHECK(strlen(p->text[l]) <= PROMPT_TEXT_MAX);
            if (p->followup[l] != NULL) {
                T_CHECK(p->followup[l][0] != '\0');
                followups++;
            }
        }
        T_CHECK(followups == 0 || followups == LANG__COUNT);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(p->id, ps.v[j].id) == 0) {
                fprintf(stderr, "duplicate id %s\n", p->id);
                T_CHECK(0);
            }
        }
        if (i == 0 || strcmp(p->theme, ps.v[i - 1].theme) != 0)
            themes++;
    }
    T_CHECK(themes >= 4);
    /* Loading twice replaces every question by itself. */
    {
        size_t n = ps.n;

        T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
        T_EQ_INT(ps.n, n);
    }
    prompt_set_release(&ps);
    T_EQ_INT(ps.n, 0);
    T_CHECK(ps.v == NULL);
    /* Release is safe on a released set. */
    prompt_set_release(&ps);
}

T_TEST(test_find)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "";
    const struct prompt *p;

    prompt_set_init(&ps);
    T_CHECK(prompt_find(&ps, "small-steps-01") == NULL);
    T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
    p = prompt_find(&ps, "small-steps-02");
    T_CHECK(p != NULL);
    if (p != NULL) {
        T_EQ_STR(p->id, "small-steps-02");
        T_EQ_STR(p->theme, "small-steps");
        T_EQ_INT(p->kind, PROMPT_COMMITMENT);
        T_EQ_INT(p->order, 1);
        T_CHECK(p->followup[LANG_EN] != NULL);
    }
    p = prompt_find(&ps, "next-session-04");
    T_CHECK(p != NULL && p->kind == PROMPT_PRE_SESSION);
    T_CHECK(prompt_find(&ps, "small-steps") == NULL);
    T_CHECK(prompt_find(&ps, "") == NULL);
    T_CHECK(prompt_find(&ps, "SMALL-STEPS-01") == NULL);
    prompt_set_release(&ps);
}

T_TEST(test_kind_name)
{
    T_EQ_STR(prompt_kind_name(PROMPT_OPEN), "open");
    T_EQ_STR(prompt_kind_name(PROMPT_COMMITMENT), "commitment");
    T_EQ_STR(prompt_kind_name(PROMPT_SCALE), "scale");
    T_EQ_STR(prompt_kind_name(PROMPT_POST_SESSION), "post-session");
    T_EQ_STR(prompt_kind_name(PROMPT_PRE_SESSION), "pre-session");
    T_EQ_STR(prompt_kind_name(PROMPT_KIND__COUNT), "unknown");
    T_EQ_STR(prompt_kind_name((enum prompt_kind) - 1), "unknown");
}

T_TEST(test_load_minimal)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "";
    const struct prompt *p;

    prompt_set_init(&ps);
    T_EQ_INT(load(&ps,
                  F("t", Q("a", "open") "," Q("b", "scale") "," Q(
                             "c", "post-session") "," Q("d", "pre-session")),
                  "t.json", err),
             0);
    T_EQ_STR(err, "");
    T_EQ_INT(ps.n, 4);
    p = prompt_find(&ps, "b");
    T_CHECK(p != NULL);
    if (p != NULL) {
        T_EQ_STR(p->theme, "t");
        T_EQ_INT(p->kind, PROMPT_SCALE);
        T_EQ_INT(p->order, 1);
        T_EQ_STR(p->text[LANG_NB], "nb b");
        T_EQ_STR(p->text[LANG_SV], "sv b");
        T_EQ_STR(p->text[LANG_EN], "en b");
        for (int l = 0; l < LANG__COUNT; l++)
            T_CHECK(p->followup[l] == NULL);
    }
    p = prompt_find(&ps, "c");
    T_CHECK(p != NULL && p->kind == PROMPT_POST_SESSION);
    p = prompt_find(&ps, "d");
    T_CHECK(p != NULL && p->kind == PROMPT_PRE_SESSION);
    prompt_set_release(&ps);
}

T_TEST(test_load_syntax_error)
{
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(load_fresh("{\n  \"theme\": \"t\",\n  oops\n}\n", err), ERR_INVAL);
    T_CONTAINS(err, "bad.json:3:");
    /* The column follows the line: "bad.json:3:N: ...". */
    {
        int line = 0, col = 0;

        T_EQ_INT(sscanf(err, "bad.json:%d:%d:", &line, &col), 2);
        T_EQ_INT(line, 3);
        T_CHECK(col > 0);
    }
    T_EQ_INT(load_fresh("", err), ERR_INVAL);
    T_CONTAINS(err, "bad.json:");
    /* Duplicate keys are a syntax error too: which one would win? */
    T_EQ_INT(load_fresh("{\"theme\": \"a\", \"theme\": \"b\", \"questions\": "
                        "[" Q("x", "open") "]}",
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "bad.json:1:");
}

T_TEST(test_load_bad_file)
{
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(load_fresh("{\"questions\": [" Q("a", "open") "]}", err),
             ERR_INVAL);
    T_CONTAINS(err, "bad.json: needs a \"theme\"");
    T_EQ_INT(load_fresh(
                 "{\"theme\": \"\", \"questions\": [" Q("a", "open") "]}", err),
             ERR_INVAL);
    T_CONTAINS(err, "bad.json: needs a \"theme\"");
    T_EQ_INT(
        load_fresh("{\"theme\": 7, \"questions\": [" Q("a", "open") "]}", err),
        ERR_INVAL);
    T_CONTAINS(err, "\"theme\"");
    T_EQ_INT(load_fresh("[" Q("a", "open") "]", err), ERR_INVAL);
    T_CONTAINS(err, "bad.json: needs a \"theme\"");
    T_EQ_INT(load_fresh(F("t", ""), err), ERR_INVAL);
    T_CONTAINS(err, "bad.json: needs a non-empty \"questions\" array");
    T_EQ_INT(load_fresh("{\"theme\": \"t\"}", err), ERR_INVAL);
    T_CONTAINS(err, "bad.json: needs a non-empty \"questions\" array");
    T_EQ_INT(load_fresh("{\"theme\": \"t\", \"questions\": {}}", err),
             ERR_INVAL);
    T_CONTAINS(err, "\"questions\" array");
    T_EQ_INT(load_fresh(F("t", Q("a", "open") ", 7"), err), ERR_INVAL);
    T_CONTAINS(err, "bad.json: question 2 is not an object");
}

T_TEST(test_load_bad_question)
{
    char err[ERR_BUFSZ] = "";

    /* No id: the message counts from 1. */
    T_EQ_INT(load_fresh(F("t", Q("a", "open") ",{\"kind\": \"open\", "
                                              "\"text\": {\"nb\": \"x\", "
                                              "\"sv\": \"x\", \"en\": \"x\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "bad.json: question 2 has no \"id\"");
    T_EQ_INT(load_fresh(F("t", Q("", "open")), err), ERR_INVAL);
    T_CONTAINS(err, "bad.json: question 1 has no \"id\"");
    T_EQ_INT(load_fresh(F("t", Q("a234567890123456789012345678901234567890"
                                 "123456789012345678901234",
                                 "open")),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "has no \"id\" (a string under 64 bytes)");
    /* Bad kind. */
    T_EQ_INT(load_fresh(F("t", Q("a", "closed")), err), ERR_INVAL);
    T_CONTAINS(err, "bad.json: question \"a\": \"kind\" must be");
    T_EQ_INT(load_fresh(F("t", Q("a", "Open")), err), ERR_INVAL);
    T_CONTAINS(err, "question \"a\": \"kind\"");
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"text\": {\"nb\": \"x\", "
                               "\"sv\": \"x\", \"en\": \"x\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "question \"a\": \"kind\"");
    /* No text at all, or not an object. */
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\"}"), err),
             ERR_INVAL);
    T_CONTAINS(err, "bad.json: question \"a\": \"text\" must be an object");
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\", "
                               "\"text\": \"hei\"}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "\"text\" must be an object");
}

T_TEST(test_load_bad_language)
{
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\", "
                               "\"text\": {\"nb\": \"x\", \"en\": \"x\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "bad.json: question \"a\": text.sv is missing");
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\", "
                               "\"text\": {\"nb\": \"x\", \"sv\": \"x\", "
                               "\"en\": \"\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "bad.json: question \"a\": text.en is missing or empty");
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\", "
                               "\"text\": {\"nb\": 1, \"sv\": \"x\", "
                               "\"en\": \"x\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "text.nb is missing or empty");
    /* A followup is optional, but all three languages or none. */
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\", "
                               "\"text\": {\"nb\": \"x\", \"sv\": \"x\", "
                               "\"en\": \"x\"}, \"followup\": {\"nb\": \"y\", "
                               "\"sv\": \"y\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "bad.json: question \"a\": followup.en is missing");
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\", "
                               "\"text\": {\"nb\": \"x\", \"sv\": \"x\", "
                               "\"en\": \"x\"}, \"followup\": null}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "\"followup\" must be an object");
    /*
     * A NUL inside a text would cut the question short; jansson refuses
     * it before prompt.c sees it.
     */
    T_EQ_INT(
        load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\", "
                          "\"text\": {\"nb\": \"x\", \"sv\": \"x\\u0000y\", "
                          "\"en\": \"x\"}}"),
                   err),
        ERR_INVAL);
    T_CONTAINS(err, "bad.json:1:");
}

T_TEST(test_load_duplicate_id)
{
    char err[ERR_BUFSZ] = "";

    T_EQ_INT(
        load_fresh(
            F("t", Q("a", "open") "," Q("b", "open") "," Q("a", "scale")), err),
        ERR_INVAL);
    T_CONTAINS(err, "bad.json: question id \"a\" is used twice");
}

/* A file whose one question has text of len bytes in sv (made of unit). */
static char *
long_text_file(const char *unit, size_t len)
{
    size_t ulen = strlen(unit);
    size_t size = len + 256;
    char *s = xmalloc(size);
    int n;

    n = snprintf(s, size,
                 "{\"theme\": \"t\", \"questions\": [{\"id\": \"long\", "
                 "\"kind\": \"open\", \"text\": {\"nb\": \"x\", \"en\": "
                 "\"x\", \"sv\": \"");
    for (size_t i = 0; i + ulen <= len; i += ulen) {
        memcpy(s + n, unit, ulen);
        n += (int)ulen;
    }
    snprintf(s + n, size - (size_t)n, "\"}}]}");
    return s;
}

T_TEST(test_load_long_text)
{
    char err[ERR_BUFSZ] = "";
    char *s;

    s = long_text_file("x", PROMPT_TEXT_MAX);
    T_EQ_INT(load_fresh(s, err), 0);
    free(s);
    s = long_text_file("x", PROMPT_TEXT_MAX + 1);
    T_EQ_INT(load_fresh(s, err), ERR_INVAL);
    T_CONTAINS(err, "bad.json: question \"long\": text.sv is longer than "
                    "1000 bytes");
    free(s);
    /* The limit is in bytes, not characters: "å" is two. */
    s = long_text_file("\xc3\xa5", PROMPT_TEXT_MAX);
    T_EQ_INT(load_fresh(s, err), 0);
    free(s);
    s = long_text_file("\xc3\xa5", PROMPT_TEXT_MAX + 2);
    T_EQ_INT(load_fresh(s, err), ERR_INVAL);
    T_CONTAINS(err, "longer than 1000 bytes");
    free(s);
}

T_TEST(test_load_error_first_wins)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "earlier";

    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_text(&ps, "{", 1, "bad.json", err), ERR_INVAL);
    T_EQ_STR(err, "earlier");
    /* err is optional. */
    T_EQ_INT(prompt_set_load_text(&ps, "{", 1, "bad.json", NULL), ERR_INVAL);
    T_EQ_INT(prompt_set_load_text(&ps, F("t", Q("a", "bad")),
                                  strlen(F("t", Q("a", "bad"))), "bad.json",
                                  NULL),
             ERR_INVAL);
    T_EQ_INT(ps.n, 0);
    prompt_set_release(&ps);
}

T_TEST(test_load_failure_leaves_set)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "";
    size_t n;
    char *before;

    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
    n = ps.n;
    before = xstrdup(prompt_find(&ps, "small-steps-01")->text[LANG_EN]);
    /*
     * The first question is new and the second replaces a built-in one;
     * the third is broken, so neither may land.
     */
    T_EQ_INT(load(&ps,
                  F("t", Q("brand-new", "open") "," Q(
                             "small-steps-01", "open") "," Q("c", "nope")),
                  "bad.json", err),
             ERR_INVAL);
    T_CONTAINS(err, "bad.json: question \"c\"");
    T_EQ_INT(ps.n, n);
    T_CHECK(prompt_find(&ps, "brand-new") == NULL);
    T_EQ_STR(prompt_find(&ps, "small-steps-01")->text[LANG_EN], before);
    T_EQ_STR(prompt_find(&ps, "small-steps-01")->theme, "small-steps");
    T_EQ_INT(load(&ps, "not json", "bad.json", err), ERR_INVAL);
    T_EQ_INT(ps.n, n);
    free(before);
    prompt_set_release(&ps);
}

T_TEST(test_load_replaces)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "";
    const struct prompt *p;
    size_t n;

    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
    n = ps.n;
    T_EQ_INT(
        load(&ps, F("mine", Q("small-steps-01", "scale")), "mine.json", err),
        0);
    T_EQ_INT(ps.n, n);
    p = prompt_find(&ps, "small-steps-01");
    T_CHECK(p != NULL);
    if (p != NULL) {
        T_EQ_STR(p->text[LANG_NB], "nb small-steps-01");
        T_EQ_STR(p->text[LANG_EN], "en small-steps-01");
        T_EQ_STR(p->theme, "mine");
        T_EQ_INT(p->kind, PROMPT_SCALE);
        /* The new question has no followup, so the old one is gone. */
        T_CHECK(p->followup[LANG_NB] == NULL);
    }
    /* New ids are added alongside. */
    T_EQ_INT(load(&ps, F("mine", Q("mine-01", "open")), "mine2.json", err), 0);
    T_EQ_INT(ps.n, n + 1);
    prompt_set_release(&ps);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    T_CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
}

static void
remove_file(const char *dir, const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

T_TEST(test_load_dir)
{
    static const char *const names[] = {
        "b.json", "a.json", "notes.txt", "c.json.bak", ".hidden.json", ".json"};
    char dir[] = "/tmp/test-prompt-XXXXXX";
    char missing[600];
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "";
    const struct prompt *p;

    T_CHECK(mkdtemp(dir) != NULL);
    /* b.json is loaded after a.json, whatever order readdir gives. */
    write_file(dir, "b.json",
               F("bee", Q("shared", "open") "," Q("b1", "open")));
    write_file(dir, "a.json",
               F("ay", Q("shared", "scale") "," Q("a1", "commitment")));
    /* Broken, but not *.json (or hidden), so never read. */
    write_file(dir, "notes.txt", "not json");
    write_file(dir, "c.json.bak", "not json");
    write_file(dir, ".hidden.json", "not json");
    write_file(dir, ".json", "not json");
    prompt_set_init(&ps);
    err[0] = '\0';
    T_EQ_INT(prompt_set_load_dir(&ps, dir, err), 0);
    T_EQ_STR(err, "");
    T_EQ_INT(ps.n, 3);
    p = prompt_find(&ps, "shared");
    T_CHECK(p != NULL);
    if (p != NULL) {
        T_EQ_STR(p->theme, "bee");
        T_EQ_INT(p->kind, PROMPT_OPEN);
    }
    T_CHECK(prompt_find(&ps, "a1") != NULL);
    T_CHECK(prompt_find(&ps, "b1") != NULL);

    /* A broken *.json file is named with its path. */
    write_file(dir, "c.json", F("t", Q("c1", "nope")));
    err[0] = '\0';
    T_EQ_INT(prompt_set_load_dir(&ps, dir, err), ERR_INVAL);
    T_CONTAINS(err, dir);
    T_CONTAINS(err, "/c.json: question \"c1\"");
    T_EQ_INT(ps.n, 3);
    prompt_set_release(&ps);

    /* An empty folder is fine. */
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        remove_file(dir, names[i]);
    remove_file(dir, "c.json");
    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_dir(&ps, dir, err), 0);
    T_EQ_INT(ps.n, 0);

    snprintf(missing, sizeof(missing), "%s/nope", dir);
    err[0] = '\0';
    T_EQ_INT(prompt_set_load_dir(&ps, missing, err), ERR_INVAL);
    T_CONTAINS(err, missing);
    T_CONTAINS(err, "cannot open question folder");
    prompt_set_release(&ps);
    T_EQ_INT(rmdir(dir), 0);
}

T_TEST(test_select_theme)
{
    struct prompt_set ps;
    struct asked a = {0};
    char err[ERR_BUFSZ] = "";
    const struct prompt *p;

    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
    p = prompt_select(&ps, "room-for-action", NULL, NULL);
    T_CHECK(p != NULL && strcmp(p->theme, "room-for-action") == 0);
    /* Every regular question of the theme, then it starts over. */
    for (int i = 0; i < 10; i++) {
        p = ask(&ps, "next-session", &a);
        T_CHECK(p != NULL);
        if (p == NULL)
            break;
        T_EQ_STR(p->theme, "next-session");
        T_CHECK(regular(p));
    }
    /* next-session has four regular questions. */
    T_EQ_INT(a.n, 4);
    prompt_set_release(&ps);
}

T_TEST(test_select_regular_only)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "";
    const struct prompt *p;

    prompt_set_init(&ps);
    T_EQ_INT(load(&ps,
                  F("s", Q("post", "post-session") "," Q("pre", "pre-session")),
                  "s.json", err),
             0);
    T_CHECK(prompt_select(&ps, NULL, NULL, NULL) == NULL);
    T_CHECK(prompt_select(&ps, "s", NULL, NULL) == NULL);
    T_CHECK(prompt_select(&ps, NULL, index_cb, &ps) == NULL);
    /* The oldest is a pre-session question; the next oldest wins. */
    T_EQ_INT(load(&ps, F("t", Q("a", "open") "," Q("b", "commitment")),
                  "t.json", err),
             0);
    p = prompt_select(&ps, NULL, reverse_index_cb, &ps);
    T_CHECK(p != NULL);
    if (p != NULL)
        T_EQ_STR(p->id, "b");
    p = prompt_select(&ps, "s", reverse_index_cb, &ps);
    T_CHECK(p != NULL && regular(p));
    prompt_set_release(&ps);

    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
    {
        struct asked a = {0};

        for (int i = 0; i < 100; i++) {
            p = ask(&ps, i % 2 ? "next-session" : NULL, &a);
            T_CHECK(p != NULL && regular(p));
        }
    }
    prompt_set_release(&ps);
}

T_TEST(test_select_oldest)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "";
    const struct prompt *p;

    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
    p = prompt_select(&ps, NULL, index_cb, &ps);
    T_CHECK(p == &ps.v[0]);
    p = prompt_select(&ps, NULL, reverse_index_cb, &ps);
    T_CHECK(p == &ps.v[ps.n - 1]);
    /* Inside a theme, the theme's oldest. */
    p = prompt_select(&ps, "room-for-action", reverse_index_cb, &ps);
    T_CHECK(p != NULL);
    if (p != NULL)
        T_EQ_STR(p->id, "room-for-action-06");
    p = prompt_select(&ps, "next-session", index_cb, &ps);
    T_CHECK(p != NULL);
    if (p != NULL)
        T_EQ_STR(p->id, "next-session-02");
    prompt_set_release(&ps);
}

T_TEST(test_select_never_asked_first)
{
    struct prompt_set ps;
    struct asked a = {0};
    char err[ERR_BUFSZ] = "";
    const struct prompt *p;

    prompt_set_init(&ps);
    T_EQ_INT(
        load(&ps, F("t", Q("a", "open") "," Q("b", "open")), "t.json", err), 0);
    /* b was asked long ago, a never: a first. */
    a.id[0] = "b";
    a.at[0] = 1;
    a.n = 1;
    a.now = 1000;
    p = ask(&ps, NULL, &a);
    T_CHECK(p != NULL && strcmp(p->id, "a") == 0);
    p = ask(&ps, NULL, &a);
    T_CHECK(p != NULL && strcmp(p->id, "b") == 0);
    p = ask(&ps, NULL, &a);
    T_CHECK(p != NULL && strcmp(p->id, "a") == 0);
    prompt_set_release(&ps);
}

static const char three_themes_a[] =
    F("ta", Q("a1", "open") "," Q("a2", "scale") "," Q("a3", "commitment"));
static const char three_themes_b[] =
    F("tb", Q("b1", "scale") "," Q("b2", "open") "," Q("b3", "open"));
static const char three_themes_c[] =
    F("tc", Q("c1", "commitment") "," Q("c2", "open") "," Q("c3", "open"));

T_TEST(test_select_cycles_themes)
{
    struct prompt_set ps;
    struct asked a = {0};
    char err[ERR_BUFSZ] = "";
    const struct prompt *p, *first = NULL;
    const char *themes[9];

    prompt_set_init(&ps);
    T_EQ_INT(load(&ps, three_themes_a, "a.json", err), 0);
    T_EQ_INT(load(&ps, three_themes_b, "b.json", err), 0);
    T_EQ_INT(load(&ps, three_themes_c, "c.json", err), 0);
    for (int i = 0; i < 9; i++) {
        p = ask(&ps, NULL, &a);
        T_CHECK(p != NULL);
        if (p == NULL)
            goto out;
        if (i == 0)
            first = p;
        themes[i] = p->theme;
    }
    /* Nine different questions, and each round of three meets every theme. */
    T_EQ_INT(a.n, 9);
    for (int round = 0; round < 3; round++) {
        const char **t = themes + 3 * round;

        T_CHECK(strcmp(t[0], t[1]) != 0);
        T_CHECK(strcmp(t[0], t[2]) != 0);
        T_CHECK(strcmp(t[1], t[2]) != 0);
    }
    /* All asked: the oldest comes round again. */
    p = ask(&ps, NULL, &a);
    T_CHECK(p == first);
out:
    prompt_set_release(&ps);
}

T_TEST(test_select_unknown_theme)
{
    struct prompt_set ps;
    struct asked a = {0}, b = {0};
    char err[ERR_BUFSZ] = "";

    prompt_set_init(&ps);
    T_EQ_INT(load(&ps, three_themes_a, "a.json", err), 0);
    T_EQ_INT(load(&ps, three_themes_b, "b.json", err), 0);
    T_EQ_INT(load(&ps, three_themes_c, "c.json", err), 0);
    /* An unknown or empty theme picks as if there were none. */
    for (int i = 0; i < 12; i++) {
        const struct prompt *p = ask(&ps, "no-such-theme", &a);
        const struct prompt *q = ask(&ps, i % 2 ? "" : NULL, &b);

        T_CHECK(p != NULL && p == q);
    }
    T_EQ_INT(a.n, 9);
    /* A theme with only session questions counts as unknown too. */
    T_EQ_INT(load(&ps, F("sess", Q("s1", "pre-session")), "s.json", err), 0);
    T_CHECK(prompt_select(&ps, "sess", NULL, NULL) != NULL);
    prompt_set_release(&ps);
}

T_TEST(test_select_empty)
{
    struct prompt_set ps;
    struct asked a = {0};

    prompt_set_init(&ps);
    T_CHECK(prompt_select(&ps, NULL, NULL, NULL) == NULL);
    T_CHECK(prompt_select(&ps, "small-steps", NULL, NULL) == NULL);
    T_CHECK(prompt_select(&ps, NULL, asked_cb, &a) == NULL);
}

/*
 * Selection walks by a question's rank among its theme's regular
 * questions, not by its position in the file.
 */

/* next-session starts with a post-session question; it still comes in turn. */
T_TEST(test_select_builtin_themes)
{
    struct prompt_set ps;
    struct asked a = {0};
    char err[ERR_BUFSZ] = "";
    const char *themes[4] = {0};

    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
    for (int i = 0; i < 4; i++) {
        const struct prompt *p = ask(&ps, NULL, &a);

        T_CHECK(p != NULL);
        if (p == NULL)
            break;
        themes[i] = p->theme;
        for (int j = 0; j < i; j++)
            T_CHECK(strcmp(themes[i], themes[j]) != 0);
    }
    prompt_set_release(&ps);
}

/*
 * A later file replacing questions leaves no question at some file
 * position; every question is still reached.
 */
T_TEST(test_select_order_gap)
{
    struct prompt_set ps;
    struct asked a = {0};
    char err[ERR_BUFSZ] = "";

    prompt_set_init(&ps);
    T_EQ_INT(load(&ps,
                  F("x", Q("a", "open") "," Q("b", "open") "," Q(
                             "c", "open") "," Q("d", "open")),
                  "x.json", err),
             0);
    T_EQ_INT(
        load(&ps, F("y", Q("b", "open") "," Q("c", "open")), "y.json", err), 0);
    for (int i = 0; i < 4; i++)
        ask(&ps, NULL, &a);
    T_EQ_INT(a.n, 4);
    prompt_set_release(&ps);
}

T_MAIN(T_CASE(test_builtin), T_CASE(test_find), T_CASE(test_kind_name),
       T_CASE(test_load_minimal), T_CASE(test_load_syntax_error),
       T_CASE(test_load_bad_file), T_CASE(test_load_bad_question),
       T_CASE(test_load_bad_language), T_CASE(test_load_duplicate_id),
       T_CASE(test_load_long_text), T_CASE(test_load_error_first_wins),
       T_CASE(test_load_failure_leaves_set), T_CASE(test_load_replaces),
       T_CASE(test_load_dir), T_CASE(test_select_theme),
       T_CASE(test_select_regular_only), T_CASE(test_select_oldest),
       T_CASE(test_select_never_asked_first), T_CASE(test_select_cycles_themes),
       T_CASE(test_select_unknown_theme), T_CASE(test_select_empty),
       T_CASE(test_select_builtin_themes), T_CASE(test_select_order_gap))
