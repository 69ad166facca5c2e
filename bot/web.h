/*
 * web.h - the console for consultants and managers, served under /console/
 * on the daemon's inbound endpoint.
 *
 * Pages are rendered on the server as plain HTML with one small stylesheet
 * (no JavaScript), so they work in any browser, on a phone, and in print.
 * Every page checks the signed-in person against the role table of
 * DESIGN.md for the leader it shows, and every view of answer text is
 * written to the audit log.  Forms carry a per-session CSRF token.
 */
#ifndef REFLEKT_WEB_H
#define REFLEKT_WEB_H

#include "config.h"
#include "listen.h"
#include "prompt.h"
#include "store.h"

#include <uv.h>

struct http;
struct web;

/* Callback: something that changes what is due was written (a cadence, a
 * session); the daemon looks at its schedule again. */
typedef void web_changed_cb(void *arg);

/*
 * Register /console/ on l.  http fetches calendars from a URL.
 * Ownership: free with web_free() after listen_close().
 */
struct web *web_new(uv_loop_t *loop, struct listen *l, struct store *st,
                    const struct config *conf, const struct prompt_set *ps,
                    struct http *http, web_changed_cb *changed, void *arg);
/* Cancel what is under way (password checks, calendar fetches).  NULL is a
 * no-op. */
void web_free(struct web *w);

#endif
