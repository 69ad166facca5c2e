/*
 * prompt.c - load, validate and select reflective questions.
 *
 * Validation is strict because a question with a missing language would
 * reach a leader as an empty message: every question needs a unique id, a
 * known kind and a non-empty text in all three languages.  Placeholders are
 * checked too: a commitment's recall quotes the leader with {answer}
 * exactly once, pre-session and challenge texts may name the date with
 * {date}, and no other brace may appear, so a typo never reaches a leader
 * as "{anwser}".
 */
#include "prompt.h"

#include "err.h"
#include "xmalloc.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROMPT_MAX_FILE ((size_t)1 << 20)

static const char *const kind_names[PROMPT_KIND__COUNT] = {
    "open", "commitment", "scale", "post-session", "pre-session", "challenge"};

const char *
prompt_kind_name(enum prompt_kind kind)
{
    if ((int)kind < 0 || kind >= PROMPT_KIND__COUNT)
        return "unknown";
    return kind_names[kind];
}

int
prompt_kind_parse(const char *name, enum prompt_kind *out)
{
    for (int k = 0; k < PROMPT_KIND__COUNT; k++) {
        if (name != NULL && strcmp(name, kind_names[k]) == 0) {
            *out = (enum prompt_kind)k;
            return 0;
        }
    }
    return ERR_INVAL;
}

int
prompt_kind_regular(enum prompt_kind kind)
{
    return kind == PROMPT_OPEN || kind == PROMPT_COMMITMENT ||
           kind == PROMPT_SCALE;
}

void
prompt_set_init(struct prompt_set *ps)
{
    memset(ps, 0, sizeof(*ps));
}

static void
prompt_release(struct prompt *p)
{
    free(p->id);
    free(p->theme);
    for (int l = 0; l < LANG__COUNT; l++) {
        free(p->text[l]);
        free(p->followup[l]);
        free(p->recall[l]);
    }
}

static void
prompt_theme_release(struct prompt_theme *t)
{
    free(t->id);
    for (int l = 0; l < LANG__COUNT; l++)
        free(t->title[l]);
}

void
prompt_set_release(struct prompt_set *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        prompt_release(&ps->v[i]);
    free(ps->v);
    for (size_t i = 0; i < ps->nthemes; i++)
        prompt_theme_release(&ps->themes[i]);
    free(ps->themes);
    prompt_set_init(ps);
}

const struct prompt_theme *
prompt_theme_find(const struct prompt_set *ps, const char *id)
{
    for (size_t i = 0; i < ps->nthemes; i++) {
        if (strcmp(ps->themes[i].id, id) == 0)
            return &ps->themes[i];
    }
    return NULL;
}

const struct prompt *
prompt_find(const struct prompt_set *ps, const char *id)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (strcmp(ps->v[i].id, id) == 0)
            return &ps->v[i];
    }
    return NULL;
}

/*
 * The line of a question in its file, found by its id (jansson keeps no
 * positions for values).  Returns: 1-based line, or 0 when not found.
 */
static int
prompt_line(const char *text, size_t len, const char *id)
{
    size_t idlen = strlen(id);
    int line = 1;

    for (size_t i = 0; i + idlen + 2 <= len; i++) {
        if (text[i] == '\n')
            line++;
        else if (text[i] == '"' && memcmp(text + i + 1, id, idlen) == 0 &&
                 text[i + 1 + idlen] == '"')
            return line;
    }
    return 0;
}

/* How often needle occurs in s. */
static int
prompt_count(const char *s, const char *needle)
{
    int n = 0;

    for (const char *p = strstr(s, needle); p != NULL;
         p = strstr(p + 1, needle))
        n++;
    return n;
}

/*
 * Check the placeholders of one text: exactly `want` of ph (ph NULL: none
 * allowed; want < 0: at most one) and no other brace.
 */
static int
prompt_placeholders(const char *t, const char *ph, int want)
{
    int have = ph != NULL ? prompt_count(t, ph) : 0;
    int braces = prompt_count(t, "{") + prompt_count(t, "}");

    if (want >= 0 && have != want)
        return -1;
    if (want < 0 && have > 1)
        return -1;
    return braces == 2 * have ? 0 : -1;
}

/* Copy the three languages of obj[key]; missing == optional is fine. */
static int
prompt_langs(json_t *q, const char *key, int optional, char **out,
             const char *name, const struct prompt *p, char *err)
{
    json_t *obj = json_object_get(q, key);
    const char *id = p->id;

    if (obj == NULL && optional)
        return 0;
    if (!json_is_object(obj)) {
        err_set(err,
                "%s:%d: question \"%s\": \"%s\" must be an object with nb, "
                "sv and en",
                name, p->line, id, key);
        return ERR_INVAL;
    }
    for (int l = 0; l < LANG__COUNT; l++) {
        const char *code = lang_code((enum lang)l);
        json_t *t = json_object_get(obj, code);
        size_t len;

        if (!json_is_string(t) || json_string_length(t) == 0) {
            err_set(err, "%s:%d: question \"%s\": %s.%s is missing or empty",
                    name, p->line, id, key, code);
            return ERR_INVAL;
        }
        len = json_string_length(t);
        if (len > PROMPT_TEXT_MAX || strlen(json_string_value(t)) != len) {
            err_set(err,
                    "%s:%d: question \"%s\": %s.%s is longer than %d bytes "
                    "or holds a NUL",
                    name, p->line, id, key, code, PROMPT_TEXT_MAX);
            return ERR_INVAL;
        }
        out[l] = xstrdup(json_string_value(t));
    }
    return 0;
}

/* The placeholder rules of one question; see the top of this file. */
static int
prompt_check_placeholders(const struct prompt *p, const char *name, char *err)
{
    int dated = p->kind == PROMPT_PRE_SESSION || p->kind == PROMPT_CHALLENGE;

    for (int l = 0; l < LANG__COUNT; l++) {
        const char *code = lang_code((enum lang)l);

        if (prompt_placeholders(p->text[l], dated ? "{date}" : NULL, -1) < 0) {
            err_set(err, "%s:%d: question \"%s\": text.%s may hold no braces%s",
                    name, p->line, p->id, code, dated ? " but one {date}" : "");
            return ERR_INVAL;
        }
        if (p->followup[l] != NULL &&
            prompt_placeholders(p->followup[l], NULL, 0) < 0) {
            err_set(err,
                    "%s:%d: question \"%s\": followup.%s may hold no "
                    "braces",
                    name, p->line, p->id, code);
            return ERR_INVAL;
        }
        if (p->recall[l] != NULL &&
            prompt_placeholders(p->recall[l], "{answer}", 1) < 0) {
            err_set(err,
                    "%s:%d: question \"%s\": recall.%s must hold {answer} "
                    "exactly once and no other braces",
                    name, p->line, p->id, code);
            return ERR_INVAL;
        }
    }
    return 0;
}

static int
prompt_parse_one(json_t *q, const char *theme, int order, const char *name,
                 const char *text, size_t len, struct prompt *p, char *err)
{
    json_t *id = json_object_get(q, "id");
    json_t *kind = json_object_get(q, "kind");
    enum prompt_kind k;

    memset(p, 0, sizeof(*p));
    if (!json_is_object(q)) {
        err_set(err, "%s: question %d is not an object", name, order + 1);
        return ERR_INVAL;
    }
    if (!json_is_string(id) || json_string_length(id) == 0 ||
        json_string_length(id) >= 64 ||
        strlen(json_string_value(id)) != json_string_length(id)) {
        err_set(err, "%s: question %d has no \"id\" (a string under 64 bytes)",
                name, order + 1);
        return ERR_INVAL;
    }
    p->id = xstrdup(json_string_value(id));
    p->line = prompt_line(text, len, p->id);
    if (prompt_kind_parse(json_string_value(kind), &k) < 0) {
        err_set(err,
                "%s:%d: question \"%s\": \"kind\" must be open, commitment, "
                "scale, post-session, pre-session or challenge",
                name, p->line, p->id);
        return ERR_INVAL;
    }
    p->kind = k;
    p->theme = xstrdup(theme);
    p->order = order;
    if (prompt_langs(q, "text", 0, p->text, name, p, err) < 0 ||
        prompt_langs(q, "followup", p->kind != PROMPT_SCALE, p->followup, name,
                     p, err) < 0 ||
        prompt_langs(q, "recall", p->kind != PROMPT_COMMITMENT, p->recall, name,
                     p, err) < 0)
        return ERR_INVAL;
    if (p->kind != PROMPT_COMMITMENT && json_object_get(q, "recall") != NULL) {
        err_set(err, "%s:%d: question \"%s\": only a commitment has a recall",
                name, p->line, p->id);
        return ERR_INVAL;
    }
    return prompt_check_placeholders(p, name, err);
}

static void
prompt_set_push(struct prompt_set *ps, struct prompt *p)
{
    struct prompt *old;

    /* A question with a known id replaces the old one. */
    old = (struct prompt *)prompt_find(ps, p->id);
    if (old != NULL) {
        prompt_release(old);
        *old = *p;
        return;
    }
    if (ps->n == ps->size) {
        ps->size = ps->size ? ps->size * 2 : 32;
        ps->v = xrealloc(ps->v, ps->size * sizeof(*ps->v));
    }
    ps->v[ps->n++] = *p;
}

/*
 * Number each theme's regular questions 0, 1, 2 ... in set order, so that
 * selection can take every theme's first question, then every second, ...
 */
static void
prompt_set_rank(struct prompt_set *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        struct prompt *p = &ps->v[i];
        int rank = 0;

        p->rank = -1;
        if (!prompt_kind_regular(p->kind))
            continue;
        for (size_t j = 0; j < i; j++) {
            if (prompt_kind_regular(ps->v[j].kind) &&
                strcmp(ps->v[j].theme, p->theme) == 0)
                rank++;
        }
        p->rank = rank;
    }
}

/* Record a theme and its title (a later file's title wins). */
static void
prompt_set_theme(struct prompt_set *ps, const char *id, char **title)
{
    struct prompt_theme *t = (struct prompt_theme *)prompt_theme_find(ps, id);

    if (t == NULL) {
        ps->themes =
            xrealloc(ps->themes, (ps->nthemes + 1) * sizeof(*ps->themes));
        t = &ps->themes[ps->nthemes++];
        memset(t, 0, sizeof(*t));
        t->id = xstrdup(id);
    } else if (title[0] == NULL) {
        return;
    }
    for (int l = 0; l < LANG__COUNT; l++) {
        free(t->title[l]);
        t->title[l] = xstrdup(title[l] != NULL ? title[l] : id);
        free(title[l]);
        title[l] = NULL;
    }
}

/* Theme ids name files and appear in commands: a-z, 0-9 and '-'. */
static int
prompt_theme_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-'))
            return 0;
    }
    return 1;
}

int
prompt_set_load_text(struct prompt_set *ps, const char *text, size_t len,
                     const char *name, char *err)
{
    json_error_t jerr;
    json_t *root, *theme, *qs;
    struct prompt *parsed = NULL;
    struct prompt tp;
    size_t n = 0;
    int rc = ERR_INVAL;

    memset(&tp, 0, sizeof(tp));
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        err_set(err, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
        return ERR_INVAL;
    }
    theme = json_object_get(root, "theme");
    qs = json_object_get(root, "questions");
    if (!json_is_object(root) || !json_is_string(theme) ||
        json_string_length(theme) == 0 || json_string_length(theme) >= 64 ||
        !prompt_theme_ok(json_string_value(theme))) {
        err_set(err,
                "%s: needs a \"theme\" name (under 64 bytes of a-z, 0-9 "
                "and -)",
                name);
        goto out;
    }
    tp.id = (char *)json_string_value(theme);
    tp.line = prompt_line(text, len, tp.id);
    if (prompt_langs(root, "title", 1, tp.text, name, &tp, err) < 0)
        goto out;
    if (!json_is_array(qs) || json_array_size(qs) == 0) {
        err_set(err, "%s: needs a non-empty \"questions\" array", name);
        goto out;
    }
    n = json_array_size(qs);
    parsed = xcalloc(n, sizeof(*parsed));
    for (size_t i = 0; i < n; i++) {
        if (prompt_parse_one(json_array_get(qs, i), json_string_value(theme),
                             (int)i, name, text, len, &parsed[i], err) < 0)
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(parsed[i].id, parsed[j].id) == 0) {
                err_set(err, "%s: question id \"%s\" is used twice", name,
                        parsed[i].id);
                goto out;
            }
        }
    }
    prompt_set_theme(ps, json_string_value(theme), tp.text);
    for (size_t i = 0; i < n; i++)
        prompt_set_push(ps, &parsed[i]);
    n = 0; /* now owned by ps */
    prompt_set_rank(ps);
    rc = 0;
out:
    for (int l = 0; l < LANG__COUNT; l++)
        free(tp.text[l]);
    for (size_t i = 0; i < n; i++)
        prompt_release(&parsed[i]);
    free(parsed);
    json_decref(root);
    return rc;
}

int
prompt_set_load_builtin(struct prompt_set *ps, char *err)
{
    for (size_t i = 0; i < prompt_library_count; i++) {
        const struct prompt_blob *b = &prompt_library[i];
        int rc = prompt_set_load_text(ps, (const char *)b->data, b->len,
                                      b->name, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int
prompt_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
prompt_set_load_file(struct prompt_set *ps, const char *path, char *err)
{
    FILE *f = fopen(path, "rb");
    char *text;
    size_t len;
    int rc;

    if (f == NULL) {
        err_set(err, "%s: cannot open: %s", path, strerror(errno));
        return ERR_INVAL;
    }
    text = xmalloc(PROMPT_MAX_FILE + 1);
    len = fread(text, 1, PROMPT_MAX_FILE + 1, f);
    fclose(f);
    if (len > PROMPT_MAX_FILE) {
        err_set(err, "%s: larger than 1 MiB", path);
        rc = ERR_INVAL;
    } else {
        rc = prompt_set_load_text(ps, text, len, path, err);
    }
    free(text);
    return rc;
}

int
prompt_set_load_dir(struct prompt_set *ps, const char *dir, char *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, size = 0;
    int rc = 0;

    if (d == NULL) {
        err_set(err, "%s: cannot open question folder: %s", dir,
                strerror(errno));
        return ERR_INVAL;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);

        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 ||
            e->d_name[0] == '.')
            continue;
        if (n == size) {
            size = size ? size * 2 : 16;
            names = xrealloc(names, size * sizeof(*names));
        }
        names[n++] = xasprintf("%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), prompt_name_cmp);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = prompt_set_load_file(ps, names[i], err);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Whether theme is in the comma-separated list. */
static int
prompt_in_list(const char *list, const char *theme)
{
    size_t n = strlen(theme);

    for (const char *p = list; p != NULL && *p != '\0';) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

        if (len == n && memcmp(p, theme, n) == 0)
            return 1;
        p = comma != NULL ? comma + 1 : NULL;
    }
    return 0;
}

/*
 * One pass of selection: by rank, so that several themes (or all) take
 * turns rather than one theme at length.  themes NULL: every theme.
 */
static const struct prompt *
prompt_pass(const struct prompt_set *ps, const char *themes, int64_t cutoff,
            prompt_asked_cb *cb, void *arg)
{
    const struct prompt *best = NULL;
    int64_t best_at = 0;

    for (int rank = 0;; rank++) {
        int any = 0;

        for (size_t i = 0; i < ps->n; i++) {
            const struct prompt *p = &ps->v[i];
            int64_t at = 0;

            if (p->rank != rank)
                continue;
            any = 1;
            if (themes != NULL && !prompt_in_list(themes, p->theme))
                continue;
            if (cb != NULL && cb(arg, p->id, &at) < 0)
                at = 0;
            if (at == 0)
                return p; /* never asked: take it */
            if (cutoff != 0 && at >= cutoff)
                continue; /* asked too recently */
            if (best == NULL || at < best_at) {
                best = p;
                best_at = at;
            }
        }
        if (!any)
            break;
    }
    return best;
}

const struct prompt *
prompt_select(const struct prompt_set *ps, const char *themes, int64_t cutoff,
              prompt_asked_cb *cb, void *arg)
{
    const struct prompt *p = NULL;

    if (themes != NULL && themes[0] != '\0')
        p = prompt_pass(ps, themes, cutoff, cb, arg);
    return p != NULL ? p : prompt_pass(ps, NULL, cutoff, cb, arg);
}

const struct prompt *
prompt_select_kind(const struct prompt_set *ps, enum prompt_kind kind,
                   prompt_asked_cb *cb, void *arg)
{
    const struct prompt *best = NULL;
    int64_t best_at = 0;

    for (size_t i = 0; i < ps->n; i++) {
        const struct prompt *p = &ps->v[i];
        int64_t at = 0;

        if (p->kind != kind)
            continue;
        if (cb != NULL && cb(arg, p->id, &at) < 0)
            at = 0;
        if (at == 0)
            return p;
        if (best == NULL || at < best_at) {
            best = p;
            best_at = at;
        }
    }
    return best;
}

char *
prompt_fill(const char *tmpl, const char *placeholder, const char *value)
{
    const char *at = strstr(tmpl, placeholder);

    if (at == NULL)
        return xstrdup(tmpl);
    return xasprintf("%.*s%s%s", (int)(at - tmpl), tmpl, value,
                     at + strlen(placeholder));
}
