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
/* A scale question (needs its why) and a commitment (needs its recall). */
#define QS(id)                                                                 \
    "{\"id\": \"" id "\", \"kind\": \"scale\", \"text\": {\"nb\": \"nb " id    \
    "\", \"sv\": \"sv " id "\", \"en\": \"en " id                              \
    "\"}, \"followup\": {\"nb\":"                                              \
    " \"Hvorfor?\", \"sv\": \"Varför?\", \"en\": \"Why?\"}}"
#define QC(id)                                                                 \
    "{\"id\": \"" id                                                           \
    "\", \"kind\": \"commitment\", \"text\": {\"nb\": \"nb " id                \
    "\", \"sv\": \"sv " id "\", \"en\": \"en " id "\"}, \"recall\": {\"nb\":"  \
    " \"«{answer}»?\", \"sv\": \"”{answer}”?\", \"en\": \"“{answer}”?\"}}"
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
    const struct prompt *p = prompt_select(ps, theme, 0, asked_cb, a);
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
    p = prompt_find(&ps, "small-steps-03");
    T_CHECK(p != NULL);
    if (p != NULL) {
        T_EQ_STR(p->id, "small-steps-03");
        T_EQ_STR(p->theme, "small-steps");
        T_EQ_INT(p->kind, PROMPT_COMMITMENT);
        T_EQ_INT(p->order, 2);
        T_CHECK(p->recall[LANG_EN] != NULL &&
                strstr(p->recall[LANG_EN], "{answer}") != NULL);
    }
    p = prompt_find(&ps, "next-session-01");
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
                  F("t", Q("a", "open") "," QS("b") "," Q(
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
        T_EQ_STR(p->followup[LANG_SV], "Varför?");
    }
    p = prompt_find(&ps, "a");
    for (int l = 0; p != NULL && l < LANG__COUNT; l++)
        T_CHECK(p->followup[l] == NULL && p->recall[l] == NULL);
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
    T_CONTAINS(err, "bad.json:1: question \"a\": \"kind\" must be");
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
    T_CONTAINS(err, "bad.json:1: question \"a\": \"text\" must be an object");
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
    T_CONTAINS(err, "bad.json:1: question \"a\": text.sv is missing");
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\", "
                               "\"text\": {\"nb\": \"x\", \"sv\": \"x\", "
                               "\"en\": \"\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "bad.json:1: question \"a\": text.en is missing or empty");
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
    T_CONTAINS(err, "bad.json:1: question \"a\": followup.en is missing");
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
        load_fresh(F("t", Q("a", "open") "," Q("b", "open") "," QS("a")), err),
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
    T_CONTAINS(err, "bad.json:1: question \"long\": text.sv is longer than "
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
    T_CONTAINS(err, "bad.json:1: question \"c\"");
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
    T_EQ_INT(load(&ps, F("mine", QS("small-steps-01")), "mine.json", err), 0);
    T_EQ_INT(ps.n, n);
    p = prompt_find(&ps, "small-steps-01");
    T_CHECK(p != NULL);
    if (p != NULL) {
        T_EQ_STR(p->text[LANG_NB], "nb small-steps-01");
        T_EQ_STR(p->text[LANG_EN], "en small-steps-01");
        T_EQ_STR(p->theme, "mine");
        T_EQ_INT(p->kind, PROMPT_SCALE);
        /* The new question's followup replaces the old one. */
        T_EQ_STR(p->followup[LANG_NB], "Hvorfor?");
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
    write_file(dir, "a.json", F("ay", QS("shared") "," QC("a1")));
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
    T_CONTAINS(err, "/c.json:1: question \"c1\"");
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
    p = prompt_select(&ps, "room-for-action", 0, NULL, NULL);
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
    /* next-session has one regular question (its commitment). */
    T_EQ_INT(a.n, 1);
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
    T_CHECK(prompt_select(&ps, NULL, 0, NULL, NULL) == NULL);
    T_CHECK(prompt_select(&ps, "s", 0, NULL, NULL) == NULL);
    T_CHECK(prompt_select(&ps, NULL, 0, index_cb, &ps) == NULL);
    /* The oldest is a pre-session question; the next oldest wins. */
    T_EQ_INT(load(&ps, F("t", Q("a", "open") "," QC("b")), "t.json", err), 0);
    p = prompt_select(&ps, NULL, 0, reverse_index_cb, &ps);
    T_CHECK(p != NULL);
    if (p != NULL)
        T_EQ_STR(p->id, "b");
    p = prompt_select(&ps, "s", 0, reverse_index_cb, &ps);
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
    p = prompt_select(&ps, NULL, 0, index_cb, &ps);
    T_CHECK(p == &ps.v[0]);
    p = prompt_select(&ps, NULL, 0, reverse_index_cb, &ps);
    T_CHECK(p == &ps.v[ps.n - 1]);
    /* Inside a theme, the theme's oldest. */
    p = prompt_select(&ps, "room-for-action", 0, reverse_index_cb, &ps);
    T_CHECK(p != NULL);
    if (p != NULL)
        T_EQ_STR(p->id, "room-for-action-11");
    p = prompt_select(&ps, "next-session", 0, index_cb, &ps);
    T_CHECK(p != NULL);
    if (p != NULL)
        T_EQ_STR(p->id, "next-session-10");
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
    F("ta", Q("a1", "open") "," QS("a2") "," QC("a3"));
static const char three_themes_b[] =
    F("tb", QS("b1") "," Q("b2", "open") "," Q("b3", "open"));
static const char three_themes_c[] =
    F("tc", QC("c1") "," Q("c2", "open") "," Q("c3", "open"));

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
    T_CHECK(prompt_select(&ps, "sess", 0, NULL, NULL) != NULL);
    prompt_set_release(&ps);
}

T_TEST(test_select_empty)
{
    struct prompt_set ps;
    struct asked a = {0};

    prompt_set_init(&ps);
    T_CHECK(prompt_select(&ps, NULL, 0, NULL, NULL) == NULL);
    T_CHECK(prompt_select(&ps, "small-steps", 0, NULL, NULL) == NULL);
    T_CHECK(prompt_select(&ps, NULL, 0, asked_cb, &a) == NULL);
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

/* The library a consultant gets: twelve themes, eight or more each. */
T_TEST(test_library_shape)
{
    struct prompt_set ps;
    char err[ERR_BUFSZ] = "";
    int kinds[PROMPT_KIND__COUNT] = {0};
    static const char *const themes[] = {"goals-and-expectations",
                                         "signs-of-progress",
                                         "open-conversation",
                                         "room-for-action",
                                         "perspectives-and-relations",
                                         "employeeship",
                                         "small-steps",
                                         "obstacles-and-support",
                                         "celebrating-progress",
                                         "learning-from-mistakes",
                                         "leading-by-example",
                                         "next-session"};

    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
    T_EQ_INT(ps.nthemes, 12);
    for (size_t t = 0; t < sizeof(themes) / sizeof(themes[0]); t++) {
        const struct prompt_theme *th = prompt_theme_find(&ps, themes[t]);
        int n = 0;

        T_CHECK(th != NULL);
        for (size_t i = 0; i < ps.n; i++)
            n += strcmp(ps.v[i].theme, themes[t]) == 0;
        if (n < 8)
            fprintf(stderr, "theme %s has %d questions\n", themes[t], n);
        T_CHECK(n >= 8);
        for (int l = 0; th != NULL && l < LANG__COUNT; l++)
            T_CHECK(th->title[l] != NULL && th->title[l][0] != '\0');
    }
    for (size_t i = 0; i < ps.n; i++) {
        const struct prompt *p = &ps.v[i];

        kinds[p->kind]++;
        /* Every kind's promises, in every language. */
        for (int l = 0; l < LANG__COUNT; l++) {
            T_CHECK(p->kind != PROMPT_SCALE || p->followup[l] != NULL);
            T_CHECK(p->kind != PROMPT_COMMITMENT ||
                    (p->recall[l] != NULL &&
                     strstr(p->recall[l], "{answer}") != NULL));
            T_CHECK(p->kind == PROMPT_CHALLENGE ||
                    p->kind == PROMPT_PRE_SESSION ||
                    strchr(p->text[l], '{') == NULL);
        }
    }
    for (int k = 0; k < PROMPT_KIND__COUNT; k++)
        T_CHECK(kinds[k] >= 3);
    prompt_set_release(&ps);
}

T_TEST(test_load_placeholders)
{
    char err[ERR_BUFSZ];

    /* A commitment needs its recall, quoting {answer} exactly once. */
    T_EQ_INT(load_fresh(F("t", Q("a", "commitment")), err), ERR_INVAL);
    T_CONTAINS(err, "bad.json:1: question \"a\": \"recall\" must be");
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"commitment\", "
                               "\"text\": {\"nb\": \"x\", \"sv\": \"x\", "
                               "\"en\": \"x\"}, \"recall\": {\"nb\": "
                               "\"{answer}\", \"sv\": \"{answer} {answer}\", "
                               "\"en\": \"{answer}\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "recall.sv must hold {answer} exactly once");
    /* A scale needs its why. */
    T_EQ_INT(load_fresh(F("t", Q("a", "scale")), err), ERR_INVAL);
    T_CONTAINS(err, "\"followup\" must be");
    /* Only a commitment has a recall. */
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\", "
                               "\"text\": {\"nb\": \"x\", \"sv\": \"x\", "
                               "\"en\": \"x\"}, \"recall\": {\"nb\": "
                               "\"{answer}\", \"sv\": \"{answer}\", "
                               "\"en\": \"{answer}\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "only a commitment has a recall");
    /* {date} belongs to session questions; a typo is refused. */
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"open\", "
                               "\"text\": {\"nb\": \"{date}\", \"sv\": \"x\", "
                               "\"en\": \"x\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "text.nb may hold no braces");
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"challenge\", "
                               "\"text\": {\"nb\": \"{dato}\", \"sv\": \"x\", "
                               "\"en\": \"x\"}}"),
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "may hold no braces but one {date}");
    T_EQ_INT(load_fresh(F("t", "{\"id\": \"a\", \"kind\": \"challenge\", "
                               "\"text\": {\"nb\": \"{date}\", \"sv\": \"x\", "
                               "\"en\": \"x {date}\"}}"),
                        err),
             0);
    /* Theme ids are plain, and a title has all three languages. */
    T_EQ_INT(load_fresh("{\"theme\": \"Små steg\", \"questions\": [" Q(
                            "a", "open") "]}",
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "a-z, 0-9 and -");
    T_EQ_INT(load_fresh("{\"theme\": \"t\", \"title\": {\"nb\": \"T\"}, "
                        "\"questions\": [" Q("a", "open") "]}",
                        err),
             ERR_INVAL);
    T_CONTAINS(err, "title.sv is missing");
}

/* A semantic fault names the line of the question it is in. */
T_TEST(test_load_names_line)
{
    char err[ERR_BUFSZ];
    const char *text = "{\"theme\": \"t\", \"questions\": [\n" Q(
        "a", "open") ",\n\n" Q("b", "scale") "\n]}";

    T_EQ_INT(load_fresh(text, err), ERR_INVAL);
    T_CONTAINS(err, "bad.json:4: question \"b\"");
}

T_TEST(test_select_window_and_themes)
{
    struct prompt_set ps;
    struct asked a = {0};
    char err[ERR_BUFSZ] = "";
    const struct prompt *p;

    prompt_set_init(&ps);
    T_EQ_INT(load(&ps, three_themes_a, "a.json", err), 0);
    T_EQ_INT(load(&ps, three_themes_b, "b.json", err), 0);
    T_EQ_INT(load(&ps, three_themes_c, "c.json", err), 0);
    /* Two themes chosen: they take turns. */
    a.now = 100;
    for (int i = 0; i < 6; i++) {
        p = ask(&ps, "ta,tc", &a);
        T_CHECK(p != NULL &&
                (strcmp(p->theme, "ta") == 0 || strcmp(p->theme, "tc") == 0));
        a.now += 10;
    }
    T_EQ_STR(a.id[0], "a1");
    T_EQ_STR(a.id[1], "c1");
    /* Everything in ta and tc asked at 100..150: with a window that
     * covers them, the other theme is used rather than a repeat. */
    p = prompt_select(&ps, "ta,tc", 100, asked_cb, &a);
    T_CHECK(p != NULL && strcmp(p->theme, "tb") == 0);
    /* ...and when every question is inside the window: none. */
    a.id[a.n] = "b1";
    a.at[a.n++] = 150;
    a.id[a.n] = "b2";
    a.at[a.n++] = 150;
    a.id[a.n] = "b3";
    a.at[a.n++] = 150;
    T_CHECK(prompt_select(&ps, "ta,tc", 100, asked_cb, &a) == NULL);
    /* Without the window, the one asked longest ago. */
    p = prompt_select(&ps, "ta,tc", 0, asked_cb, &a);
    T_CHECK(p != NULL && strcmp(p->id, "a1") == 0);
    prompt_set_release(&ps);
}

T_TEST(test_select_kind_and_fill)
{
    struct prompt_set ps;
    struct asked a = {0};
    char err[ERR_BUFSZ] = "";
    const struct prompt *p;
    char *s;

    prompt_set_init(&ps);
    T_EQ_INT(prompt_set_load_builtin(&ps, err), 0);
    for (int i = 0; i < 7; i++) {
        p = prompt_select_kind(&ps, PROMPT_CHALLENGE, asked_cb, &a);
        T_CHECK(p != NULL && p->kind == PROMPT_CHALLENGE);
        if (p == NULL)
            break;
        a.id[a.n] = p->id;
        a.at[a.n++] = 100 + i;
    }
    /* Three challenge questions in turn, then again from the oldest. */
    T_EQ_STR(a.id[0], "next-session-07");
    T_EQ_STR(a.id[3], "next-session-07");
    T_CHECK(prompt_select_kind(&ps, PROMPT_KIND__COUNT, NULL, NULL) == NULL);
    s = prompt_fill("Sist: «{answer}» Og?", "{answer}", "ringe Anna");
    T_EQ_STR(s, "Sist: «ringe Anna» Og?");
    free(s);
    s = prompt_fill("Ingen dato", "{date}", "x");
    T_EQ_STR(s, "Ingen dato");
    free(s);
    T_EQ_INT(prompt_kind_regular(PROMPT_SCALE), 1);
    T_EQ_INT(prompt_kind_regular(PROMPT_CHALLENGE), 0);
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
       T_CASE(test_select_builtin_themes), T_CASE(test_select_order_gap),
       T_CASE(test_library_shape), T_CASE(test_load_placeholders),
       T_CASE(test_load_names_line), T_CASE(test_select_window_and_themes),
       T_CASE(test_select_kind_and_fill))
