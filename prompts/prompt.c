/*
 * prompt.c - load, validate and select reflective questions.
 *
 * Validation is strict because a question with a missing language would
 * reach a leader as an empty message: every question needs a unique id, a
 * known kind and a non-empty text in all three languages.
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
    "open", "commitment", "scale", "post-session", "pre-session"};

const char *
prompt_kind_name(enum prompt_kind kind)
{
    if ((int)kind < 0 || kind >= PROMPT_KIND__COUNT)
        return "unknown";
    return kind_names[kind];
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
    }
}

void
prompt_set_release(struct prompt_set *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        prompt_release(&ps->v[i]);
    free(ps->v);
    prompt_set_init(ps);
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

/* Copy the three languages of obj[key]; missing == optional is fine. */
static int
prompt_langs(json_t *q, const char *key, int optional, char **out,
             const char *name, const char *id, char *err)
{
    json_t *obj = json_object_get(q, key);

    if (obj == NULL && optional)
        return 0;
    if (!json_is_object(obj)) {
        err_set(err,
                "%s: question \"%s\": \"%s\" must be an object with nb, "
                "sv and en",
                name, id, key);
        return ERR_INVAL;
    }
    for (int l = 0; l < LANG__COUNT; l++) {
        const char *code = lang_code((enum lang)l);
        json_t *t = json_object_get(obj, code);
        size_t len;

        if (!json_is_string(t) || json_string_length(t) == 0) {
            err_set(err, "%s: question \"%s\": %s.%s is missing or empty", name,
                    id, key, code);
            return ERR_INVAL;
        }
        len = json_string_length(t);
        if (len > PROMPT_TEXT_MAX || strlen(json_string_value(t)) != len) {
            err_set(err,
                    "%s: question \"%s\": %s.%s is longer than %d bytes or "
                    "holds a NUL",
                    name, id, key, code, PROMPT_TEXT_MAX);
            return ERR_INVAL;
        }
        out[l] = xstrdup(json_string_value(t));
    }
    return 0;
}

static int
prompt_parse_one(json_t *q, const char *theme, int order, const char *name,
                 struct prompt *p, char *err)
{
    json_t *id = json_object_get(q, "id");
    json_t *kind = json_object_get(q, "kind");
    int k;

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
    for (k = 0; k < PROMPT_KIND__COUNT; k++) {
        if (json_is_string(kind) &&
            strcmp(json_string_value(kind), kind_names[k]) == 0)
            break;
    }
    if (k == PROMPT_KIND__COUNT) {
        err_set(err,
                "%s: question \"%s\": \"kind\" must be open, commitment, "
                "scale, post-session or pre-session",
                name, p->id);
        return ERR_INVAL;
    }
    p->kind = (enum prompt_kind)k;
    p->theme = xstrdup(theme);
    p->order = order;
    if (prompt_langs(q, "text", 0, p->text, name, p->id, err) < 0 ||
        prompt_langs(q, "followup", 1, p->followup, name, p->id, err) < 0)
        return ERR_INVAL;
    return 0;
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

static int prompt_regular(const struct prompt *p);

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
        if (!prompt_regular(p))
            continue;
        for (size_t j = 0; j < i; j++) {
            if (prompt_regular(&ps->v[j]) &&
                strcmp(ps->v[j].theme, p->theme) == 0)
                rank++;
        }
        p->rank = rank;
    }
}

int
prompt_set_load_text(struct prompt_set *ps, const char *text, size_t len,
                     const char *name, char *err)
{
    json_error_t jerr;
    json_t *root, *theme, *qs;
    struct prompt *parsed = NULL;
    size_t n = 0;
    int rc = ERR_INVAL;

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        err_set(err, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
        return ERR_INVAL;
    }
    theme = json_object_get(root, "theme");
    qs = json_object_get(root, "questions");
    if (!json_is_object(root) || !json_is_string(theme) ||
        json_string_length(theme) == 0 || json_string_length(theme) >= 64) {
        err_set(err, "%s: needs a \"theme\" name (a string under 64 bytes)",
                name);
        goto out;
    }
    if (!json_is_array(qs) || json_array_size(qs) == 0) {
        err_set(err, "%s: needs a non-empty \"questions\" array", name);
        goto out;
    }
    n = json_array_size(qs);
    parsed = xcalloc(n, sizeof(*parsed));
    for (size_t i = 0; i < n; i++) {
        if (prompt_parse_one(json_array_get(qs, i), json_string_value(theme),
                             (int)i, name, &parsed[i], err) < 0)
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(parsed[i].id, parsed[j].id) == 0) {
                err_set(err, "%s: question id \"%s\" is used twice", name,
                        parsed[i].id);
                goto out;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        prompt_set_push(ps, &parsed[i]);
    n = 0; /* now owned by ps */
    prompt_set_rank(ps);
    rc = 0;
out:
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
    for (size_t i = 0; i < n && rc == 0; i++) {
        FILE *f = fopen(names[i], "rb");
        char *text;
        size_t len;

        if (f == NULL) {
            err_set(err, "%s: cannot open: %s", names[i], strerror(errno));
            rc = ERR_INVAL;
            break;
        }
        text = xmalloc(PROMPT_MAX_FILE + 1);
        len = fread(text, 1, PROMPT_MAX_FILE + 1, f);
        fclose(f);
        if (len > PROMPT_MAX_FILE) {
            err_set(err, "%s: larger than 1 MiB", names[i]);
            rc = ERR_INVAL;
        } else {
            rc = prompt_set_load_text(ps, text, len, names[i], err);
        }
        free(text);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int
prompt_regular(const struct prompt *p)
{
    return p->kind == PROMPT_OPEN || p->kind == PROMPT_COMMITMENT ||
           p->kind == PROMPT_SCALE;
}

const struct prompt *
prompt_select(const struct prompt_set *ps, const char *theme,
              prompt_asked_cb *cb, void *arg)
{
    const struct prompt *best = NULL;
    int64_t best_at = 0;
    int themed = 0;

    if (theme != NULL && theme[0] != '\0') {
        for (size_t i = 0; i < ps->n && !themed; i++)
            themed =
                prompt_regular(&ps->v[i]) && strcmp(ps->v[i].theme, theme) == 0;
    }
    /*
     * Walk by rank inside the theme first, so that without a theme the
     * leader meets every theme in turn rather than one theme at length.
     */
    for (int rank = 0;; rank++) {
        int any = 0;

        for (size_t i = 0; i < ps->n; i++) {
            const struct prompt *p = &ps->v[i];
            int64_t at = 0;

            if (p->rank != rank)
                continue;
            any = 1;
            if (themed && strcmp(p->theme, theme) != 0)
                continue;
            if (cb != NULL && cb(arg, p->id, &at) < 0)
                at = 0;
            if (at == 0)
                return p; /* never asked: take it */
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
