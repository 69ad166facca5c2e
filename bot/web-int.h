/*
 * web-int.h - what the web console's files share: the request context, the
 * page frame, forms, and the console's texts.
 */
#ifndef REFLEKT_WEB_INT_H
#define REFLEKT_WEB_INT_H

#include "buf.h"
#include "lang.h"
#include "listen.h"
#include "store.h"
#include "web.h"

#include <stdint.h>

struct web {
    uv_loop_t *loop;
    struct store *st;
    const struct config *conf;
    const struct prompt_set *ps;
    struct http *http;
    web_changed_cb *changed;
    void *changed_arg;
    int secure;  /* the public address is https: cookies are Secure */
    int pending; /* password checks and fetches under way */
    int closing;
    struct web_fail {
        char name[STORE_NAME_MAX];
        int count;
        int64_t until;
    } fails[32]; /* recent wrong passwords, per name */
};

/* One request to the console. */
struct web_ctx {
    struct web *w;
    struct listen_req *req;
    enum lang lang;
    int64_t now;
    int signed_in;
    struct store_person me;
    struct store_web_session sess;
    unsigned char hash[STORE_HASH_LEN]; /* of the session cookie */
    struct buf out;
};

/* The console's text for en in the page's language (en when none). */
const char *web_t(enum lang lang, const char *en);
#define T(c, en) web_t((c)->lang, en)
/* The table's size and its English texts (tests). */
size_t web_text_count(void);
const char *web_text_en(size_t i);

/* The top of a page: title (plain text), navigation for a signed-in
 * person. */
void web_page_begin(struct web_ctx *c, const char *title);
void web_page_end(struct web_ctx *c);
/* Answer with what is in c->out, as HTML, with the console's headers. */
void web_send(struct web_ctx *c, unsigned status);
/* A complete page saying why a request is refused (logged). */
void web_refuse(struct web_ctx *c, unsigned status, const char *why);
/* 303 to a path under the console. */
void web_redirect(struct web_ctx *c, const char *location);
/* <form method="post" action="..."> and the CSRF field. */
void web_form_begin(struct web_ctx *c, const char *action, int upload);
/* Write an audit row for the signed-in person. */
int web_audit(struct web_ctx *c, const char *action, int64_t engagement_id,
              const char *detail);
/* A local time in the leader's zone, as people say it in the page's
 * language. */
void web_when(struct web_ctx *c, const struct store_leader *l, int64_t t,
              char *out, size_t outsz);
/* "YYYY-MM-DD" in zone tz. */
void web_date(const char *tz, int64_t t, char *out, size_t outsz);

/* What the signed-in person is to a leader: STORE_ROLE_CONSULTANT and/or
 * STORE_ROLE_MANAGER, or 0. */
unsigned web_role_for(const struct web_ctx *c, const struct store_leader *l);

/* The leader pages (web-leader.c): path is what follows
 * /console/leader/. */
void web_leader_route(struct web_ctx *c, const char *path);
/* Free w once nothing is under way any more (web_free waits for it). */
void web__free_now(struct web *w);
/* The list of my leaders. */
void web_leaders_page(struct web_ctx *c);

#endif
