/*
 * web.c - the web console's front door: routing, sign-in by one-time link
 * or password, browser sessions, CSRF tokens, and the page frame.
 *
 * Sign-in links are opened with GET but spent only by the POST of the page
 * that GET shows, so a chat platform that fetches a link to preview it
 * does not use it up.  Passwords are checked with libsodium's Argon2id on
 * libuv's thread pool, never on the loop; five wrong ones for a name lock
 * it for a minute.  Every answer carries headers that keep pages out of
 * caches, frames and Referer headers, and a Content-Security-Policy that
 * allows nothing but the console's own stylesheet and forms.
 */
#include "web.h"
#include "web-auth.h"
#include "web-int.h"

#include "clock.h"
#include "err.h"
#include "html.h"
#include "log.h"
#include "msg.h"
#include "sched.h"
#include "xmalloc.h"

#include <openssl/crypto.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define WEB_COOKIE "reflekt"
#define WEB_LANG_COOKIE "reflekt_lang"
#define WEB_FAILS_MAX 5
#define WEB_FAIL_LOCK 60

static const char web_css[] =
    ":root{--ink:#1f2a30;--soft:#5b6b73;--line:#d8e0e3;--accent:#2f6f73;"
    "--bg:#fbfaf7;--warn:#9a3b26}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,"
    "sans-serif;color:var(--ink);background:var(--bg)}"
    "header{background:#fff;border-bottom:1px solid var(--line);padding:.6rem "
    "1rem;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center}"
    "header .brand{font-weight:700;color:var(--accent);text-decoration:none}"
    "header nav{display:flex;flex-wrap:wrap;gap:.2rem 1rem}"
    "header form{margin:0 0 0 auto}"
    "main{max-width:60rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.15rem;margin:"
    "1.6rem 0 .6rem}"
    "a{color:var(--accent)}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid "
    "var(--line);vertical-align:top}"
    "th{font-size:.85rem;color:var(--soft);font-weight:600}"
    ".tabs{display:flex;flex-wrap:wrap;gap:.3rem;margin:0 0 1rem;padding:0;"
    "list-style:none}"
    ".tabs a{display:block;padding:.3rem .7rem;border:1px solid var(--line);"
    "border-radius:1rem;text-decoration:none;background:#fff}"
    ".tabs a[aria-current]{background:var(--accent);color:#fff;border-color:"
    "var(--accent)}"
    ".item{background:#fff;border:1px solid var(--line);border-radius:.5rem;"
    "padding:.8rem 1rem;margin:0 0 .8rem;break-inside:avoid}"
    ".meta{color:var(--soft);font-size:.85rem}"
    ".q{font-weight:600;margin:.2rem 0 .4rem}"
    "blockquote{margin:.4rem 0;padding:.2rem .8rem;border-left:3px solid "
    "var(--accent);white-space:normal}"
    ".old{color:var(--soft);border-left-color:var(--line);font-size:.9rem}"
    ".tag{display:inline-block;font-size:.75rem;padding:0 .45rem;"
    "border-radius:.6rem;background:#e8efef;color:var(--accent);margin-left:"
    ".3rem}"
    ".tag.missed,.tag.skipped{background:#f6e9e5;color:var(--warn)}"
    ".msg{padding:.6rem .9rem;border-radius:.4rem;background:#e8efef;margin:"
    "0 0 1rem}"
    ".msg.err{background:#f6e9e5;color:var(--warn)}"
    "label{display:block;margin:.6rem 0 .2rem;font-weight:600}"
    "input,select,textarea{font:inherit;padding:.35rem .45rem;border:1px "
    "solid #b9c5ca;border-radius:.3rem;max-width:100%}"
    "textarea{width:100%;min-height:5rem}"
    "fieldset{border:1px solid var(--line);border-radius:.4rem;margin:.6rem 0}"
    ".days label{display:inline-block;font-weight:400;margin-right:.6rem}"
    "button{font:inherit;padding:.4rem .9rem;border-radius:.3rem;border:1px "
    "solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}"
    "button.plain{background:#fff;color:var(--accent)}"
    ".row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}"
    "footer{max-width:60rem;margin:2rem auto;padding:0 1rem;color:var(--soft);"
    "font-size:.85rem}"
    "@media (max-width:40rem){th.opt,td.opt{display:none}}"
    "@media print{header,footer,.tabs,form,.noprint{display:none}"
    "body{background:#fff;font-size:11pt}main{max-width:none;padding:0}"
    ".item{border:0;border-bottom:1px solid #999;border-radius:0;padding:"
    ".4rem 0}a{color:inherit;text-decoration:none}}";

/* ---- the page frame ------------------------------------------------ */

void
web_page_begin(struct web_ctx *c, const char *title)
{
    struct buf *b = &c->out;

    buf_printf(b,
               "<!doctype html>\n<html lang=\"%s\"><head>"
               "<meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width, "
               "initial-scale=1\">"
               "<title>",
               c->lang == LANG_NB   ? "nb"
               : c->lang == LANG_SV ? "sv"
                                    : "en");
    html_text(b, title);
    buf_adds(b, " · reflekt</title>"
                "<link rel=\"stylesheet\" href=\"/console/style.css\">"
                "</head><body><header>"
                "<a class=\"brand\" href=\"/console/leaders\">reflekt</a>");
    if (c->signed_in) {
        buf_printf(b, "<nav><a href=\"/console/leaders\">%s</a></nav>",
                   T(c, "My leaders"));
        buf_adds(b, "<span class=\"meta\">");
        html_text(b, c->me.name);
        buf_adds(b, "</span>");
        web_form_begin(c, "/console/logout", 0);
        buf_printf(b, "<button class=\"plain\">%s</button></form>",
                   T(c, "Sign out"));
    }
    buf_adds(b, "</header><main><h1>");
    html_text(b, title);
    buf_adds(b, "</h1>");
}

void
web_page_end(struct web_ctx *c)
{
    buf_adds(&c->out, "</main><footer>reflekt · "
                      "<a href=\"?lang=nb\" lang=\"nb\">Norsk</a> · "
                      "<a href=\"?lang=sv\" lang=\"sv\">Svenska</a> · "
                      "<a href=\"?lang=en\" lang=\"en\">English</a>"
                      "</footer></body></html>\n");
}

static void
web_headers(struct web_ctx *c)
{
    listen_req_add_header(c->req, "Cache-Control", "no-store");
    listen_req_add_header(c->req, "X-Content-Type-Options", "nosniff");
    listen_req_add_header(c->req, "Referrer-Policy", "no-referrer");
    listen_req_add_header(c->req, "X-Frame-Options", "DENY");
    listen_req_add_header(
        c->req, "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
}

void
web_send(struct web_ctx *c, unsigned status)
{
    web_headers(c);
    listen_respond(c->req, status, "text/html; charset=utf-8",
                   c->out.data != NULL ? c->out.data : "", c->out.len);
}

void
web_refuse(struct web_ctx *c, unsigned status, const char *why)
{
    char esc[96];

    log_info("msg=\"console request refused\" status=%u person=\"%s\" "
             "path=\"%s\"",
             status, c->signed_in ? c->me.name : "-",
             log_esc(listen_req_path(c->req), esc, sizeof(esc)));
    buf_reset(&c->out);
    web_page_begin(c, status == 403   ? T(c, "Not for you")
                      : status == 404 ? T(c, "Not found")
                                      : T(c, "Something went wrong"));
    buf_adds(&c->out, "<p class=\"msg err\">");
    html_text(&c->out, why);
    buf_printf(&c->out, "</p><p><a href=\"/console/leaders\">%s</a></p>",
               T(c, "Back to my leaders"));
    web_page_end(c);
    web_send(c, status);
}

void
web_redirect(struct web_ctx *c, const char *location)
{
    web_headers(c);
    listen_req_add_header(c->req, "Location", location);
    listen_respond(c->req, 303, "text/plain", "", 0);
}

void
web_form_begin(struct web_ctx *c, const char *action, int upload)
{
    buf_adds(&c->out, "<form method=\"post\" action=\"");
    html_text(&c->out, action);
    buf_printf(&c->out, "\"%s><input type=\"hidden\" name=\"csrf\" value=\"",
               upload ? " enctype=\"multipart/form-data\"" : "");
    html_text(&c->out, c->sess.csrf);
    buf_adds(&c->out, "\">");
}

int
web_audit(struct web_ctx *c, const char *action, int64_t engagement_id,
          const char *detail)
{
    char actor[STORE_NAME_MAX + 8];

    snprintf(actor, sizeof(actor), "web:%s", c->me.name);
    return store_audit(c->w->st, c->now, actor, action, engagement_id, detail);
}

void
web_when(struct web_ctx *c, const struct store_leader *l, int64_t t, char *out,
         size_t outsz)
{
    struct tm tm;

    if (sched_local(l->tz, t, &tm) < 0)
        gmtime_r(&(time_t){(time_t)t}, &tm);
    msg_when(c->lang, &tm, out, outsz);
}

void
web_date(const char *tz, int64_t t, char *out, size_t outsz)
{
    struct tm tm;

    if (sched_local(tz, t, &tm) < 0)
        gmtime_r(&(time_t){(time_t)t}, &tm);
    strftime(out, outsz, "%Y-%m-%d", &tm);
}

unsigned
web_role_for(const struct web_ctx *c, const struct store_leader *l)
{
    unsigned r = 0;

    if (!c->signed_in)
        return 0;
    if ((c->me.roles & STORE_ROLE_CONSULTANT) &&
        strcmp(l->consultant, c->me.name) == 0)
        r |= STORE_ROLE_CONSULTANT;
    if ((c->me.roles & STORE_ROLE_MANAGER) &&
        strcmp(l->manager, c->me.name) == 0)
        r |= STORE_ROLE_MANAGER;
    return r;
}

/* ---- language ------------------------------------------------------ */

static int
web_lang_code(const char *s, size_t n, enum lang *out)
{
    if (n < 2)
        return 0;
    if (strncasecmp(s, "nb", 2) == 0 || strncasecmp(s, "nn", 2) == 0 ||
        strncasecmp(s, "no", 2) == 0)
        *out = LANG_NB;
    else if (strncasecmp(s, "sv", 2) == 0)
        *out = LANG_SV;
    else if (strncasecmp(s, "en", 2) == 0)
        *out = LANG_EN;
    else
        return 0;
    return n == 2 || s[2] == '-' || s[2] == '_' || s[2] == ';' || s[2] == ',';
}

static enum lang
web_lang(struct web_ctx *c)
{
    const char *q = listen_req_query(c->req, "lang");
    const char *cookie = listen_req_cookie(c->req, WEB_LANG_COOKIE);
    const char *accept = listen_req_header(c->req, "Accept-Language");
    enum lang lang = LANG_NB;

    if (q != NULL && web_lang_code(q, strlen(q), &lang)) {
        char set[96];

        snprintf(set, sizeof(set),
                 "%s=%s; Path=/console/; Max-Age=31536000; SameSite=Strict%s",
                 WEB_LANG_COOKIE, lang_code(lang),
                 c->w->secure ? "; Secure" : "");
        listen_req_add_header(c->req, "Set-Cookie", set);
        return lang;
    }
    if (cookie != NULL && web_lang_code(cookie, strlen(cookie), &lang))
        return lang;
    /* The first language of Accept-Language that the console speaks. */
    while (accept != NULL && *accept != '\0') {
        size_t n = strcspn(accept, ",");
        const char *tag = accept;

        while (*tag == ' ' && tag < accept + n)
            tag++;
        if (web_lang_code(tag, (size_t)(accept + n - tag), &lang))
            return lang;
        accept += n;
        if (*accept == ',')
            accept++;
    }
    if (lang_parse(c->w->conf->language, &lang) < 0)
        lang = LANG_NB;
    return lang;
}

/* ---- sessions ------------------------------------------------------ */

/* Read the session cookie; c->signed_in when it names a live session. */
static int
web_session_load(struct web_ctx *c)
{
    const char *cookie = listen_req_cookie(c->req, WEB_COOKIE);
    int rc;

    if (cookie == NULL || strlen(cookie) != WEB_TOKEN_LEN)
        return 0;
    web_auth_hash(cookie, c->hash);
    rc = store_web_session_get(c->w->st, c->hash, &c->sess);
    if (rc == ERR_NOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    if (c->now - c->sess.seen_at > c->w->conf->web_idle ||
        c->now - c->sess.created_at > WEB_SESSION_MAX) {
        store_web_session_drop(c->w->st, c->hash);
        memset(&c->sess, 0, sizeof(c->sess));
        return 0;
    }
    if ((rc = store_person_by_id(c->w->st, c->sess.person_id, &c->me)) < 0)
        return rc == ERR_NOTFOUND ? 0 : rc;
    /* Someone whose last console role was withdrawn is signed out. */
    if (!(c->me.roles &
          (STORE_ROLE_CONSULTANT | STORE_ROLE_MANAGER | STORE_ROLE_ADMIN))) {
        store_web_session_drop(c->w->st, c->hash);
        memset(&c->sess, 0, sizeof(c->sess));
        memset(&c->me, 0, sizeof(c->me));
        return 0;
    }
    if (c->now - c->sess.seen_at >= 30)
        store_web_session_touch(c->w->st, c->hash, c->now);
    c->signed_in = 1;
    return 0;
}

/* Start a browser session for person_id and send them to their leaders. */
static void
web_session_start(struct web_ctx *c, int64_t person_id, const char *how)
{
    char token[WEB_TOKEN_LEN + 1], cookie[160];
    int rc;

    if ((rc = web_auth_token(token, sizeof(token))) < 0 ||
        (rc = web_auth_token(c->sess.csrf, sizeof(c->sess.csrf))) < 0) {
        web_refuse(c, 500,
                   T(c, "reflekt could not sign you in just now. "
                        "Please try again in a moment."));
        return;
    }
    web_auth_hash(token, c->hash);
    if ((rc = store_person_by_id(c->w->st, person_id, &c->me)) < 0 ||
        (rc = store_begin(c->w->st)) < 0) {
        web_refuse(c, 500,
                   T(c, "reflekt could not sign you in just now. "
                        "Please try again in a moment."));
        return;
    }
    c->signed_in = 1;
    if ((rc = store_web_expire(c->w->st, c->now, c->now - c->w->conf->web_idle,
                               c->now - WEB_SESSION_MAX)) < 0 ||
        (rc = store_web_session_add(c->w->st, c->hash, person_id, c->sess.csrf,
                                    c->now)) < 0 ||
        (rc = web_audit(c, "sign-in", 0, how)) < 0 ||
        (rc = store_commit(c->w->st)) < 0) {
        store_rollback(c->w->st);
        c->signed_in = 0;
        web_refuse(c, 500,
                   T(c, "reflekt could not sign you in just now. "
                        "Please try again in a moment."));
        return;
    }
    snprintf(cookie, sizeof(cookie),
             "%s=%s; Path=/console/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
             WEB_COOKIE, token, WEB_SESSION_MAX,
             c->w->secure ? "; Secure" : "");
    OPENSSL_cleanse(token, sizeof(token));
    listen_req_add_header(c->req, "Set-Cookie", cookie);
    OPENSSL_cleanse(cookie, sizeof(cookie));
    log_info("msg=\"console sign-in\" person=\"%s\" by=%s", c->me.name, how);
    web_redirect(c, "/console/leaders");
}

/* ---- the sign-in page ---------------------------------------------- */

static void
web_login_page(struct web_ctx *c, const char *token, const char *note,
               int error)
{
    struct buf *b = &c->out;

    web_page_begin(c, T(c, "Sign in"));
    if (note != NULL) {
        buf_printf(b, "<p class=\"msg%s\">", error ? " err" : "");
        html_text(b, note);
        buf_adds(b, "</p>");
    }
    if (token != NULL) {
        buf_printf(b, "<p>%s</p>",
                   T(c, "This link signs you in to reflekt once, within 15 "
                        "minutes of when you asked for it."));
        buf_adds(b, "<form method=\"post\" action=\"/console/login\">"
                    "<input type=\"hidden\" name=\"t\" value=\"");
        html_text(b, token);
        buf_printf(b, "\"><button id=\"continue\">%s</button></form>",
                   T(c, "Continue"));
    } else {
        buf_printf(b, "<p>%s</p>",
                   T(c, "Write “console” to reflekt in your chat and you get "
                        "a link that signs you in."));
    }
    buf_printf(b, "<h2>%s</h2>", T(c, "Or with a password"));
    buf_adds(b, "<form method=\"post\" action=\"/console/login\">");
    buf_printf(b, "<label for=\"name\">%s</label>", T(c, "Name"));
    buf_adds(b, "<input id=\"name\" name=\"name\" autocomplete=\"username\" "
                "required>");
    buf_printf(b, "<label for=\"password\">%s</label>", T(c, "Password"));
    buf_adds(b, "<input id=\"password\" name=\"password\" type=\"password\" "
                "autocomplete=\"current-password\" required> ");
    buf_printf(b, "<button>%s</button></form>", T(c, "Sign in"));
    web_page_end(c);
    web_send(c, error ? 403 : 200);
}

/* A password check on the thread pool. */
struct web_pw {
    uv_work_t work;
    struct web *w;
    struct web_ctx c;
    char name[STORE_NAME_MAX];
    char hash[crypto_pwhash_STRBYTES];
    char password[257];
    int64_t person_id;
    int ok;
};

static void
on_pw_work(uv_work_t *work)
{
    struct web_pw *pw = work->data;

    pw->ok = pw->hash[0] != '\0' &&
             crypto_pwhash_str_verify(pw->hash, pw->password,
                                      strlen(pw->password)) == 0;
    sodium_memzero(pw->password, sizeof(pw->password));
}

static struct web_fail *
web_fail_slot(struct web *w, const char *name, int make)
{
    struct web_fail *oldest = &w->fails[0];

    for (size_t i = 0; i < sizeof(w->fails) / sizeof(w->fails[0]); i++) {
        if (strcmp(w->fails[i].name, name) == 0)
            return &w->fails[i];
        if (w->fails[i].until < oldest->until)
            oldest = &w->fails[i];
    }
    if (!make)
        return NULL;
    memset(oldest, 0, sizeof(*oldest));
    snprintf(oldest->name, sizeof(oldest->name), "%s", name);
    return oldest;
}

static void
on_pw_done(uv_work_t *work, int status)
{
    struct web_pw *pw = work->data;
    struct web *w = pw->w;
    struct web_ctx *c = &pw->c;

    w->pending--;
    if (!w->closing) {
        c->now = clock_now();
        if (status == 0 && pw->ok) {
            struct web_fail *f = web_fail_slot(w, pw->name, 0);

            if (f != NULL)
                memset(f, 0, sizeof(*f));
            web_session_start(c, pw->person_id, "password");
        } else {
            struct web_fail *f = web_fail_slot(w, pw->name, 1);

            if (++f->count >= WEB_FAILS_MAX) {
                f->until = c->now + WEB_FAIL_LOCK;
                f->count = 0;
            }
            log_info("msg=\"console sign-in refused\" by=password");
            web_login_page(c, NULL,
                           T(c, "That name and password do not "
                                "match."),
                           1);
        }
    }
    buf_release(&c->out);
    sodium_memzero(pw, sizeof(*pw));
    free(pw);
    if (w->closing && w->pending == 0)
        web__free_now(w);
}

static void
web_login_password(struct web_ctx *c, const char *name, const char *password,
                   size_t plen)
{
    struct web *w = c->w;
    struct web_fail *f = web_fail_slot(w, name, 0);
    struct web_pw *pw;
    struct store_person p;

    if (f != NULL && f->until > c->now) {
        web_login_page(c, NULL,
                       T(c, "Too many wrong passwords. Wait a "
                            "minute, or ask for a link in chat."),
                       1);
        return;
    }
    if (strlen(name) >= STORE_NAME_MAX || plen > 256) {
        web_login_page(c, NULL, T(c, "That name and password do not match."),
                       1);
        return;
    }
    pw = xcalloc(1, sizeof(*pw));
    pw->w = w;
    pw->c = *c;
    buf_init(&pw->c.out, 0);
    snprintf(pw->name, sizeof(pw->name), "%s", name);
    memcpy(pw->password, password, plen);
    /* An unknown name costs the same time as a wrong password. */
    if (store_person_get(w->st, name, &p) == 0 &&
        (p.roles &
         (STORE_ROLE_CONSULTANT | STORE_ROLE_MANAGER | STORE_ROLE_ADMIN))) {
        pw->person_id = p.id;
        store_person_password(w->st, p.id, pw->hash, sizeof(pw->hash));
    }
    if (pw->hash[0] == '\0')
        snprintf(pw->hash, sizeof(pw->hash), "%s",
                 "$argon2id$v=19$m=65536,t=2,p=1$"
                 "AAAAAAAAAAAAAAAAAAAAAA$"
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    pw->work.data = pw;
    w->pending++;
    if (uv_queue_work(w->loop, &pw->work, on_pw_work, on_pw_done) < 0) {
        w->pending--;
        sodium_memzero(pw, sizeof(*pw));
        free(pw);
        web_refuse(c, 500,
                   T(c, "reflekt could not sign you in just now. "
                        "Please try again in a moment."));
    }
}

static void
web_login(struct web_ctx *c)
{
    const char *token, *name, *password;
    unsigned char hash[STORE_HASH_LEN];
    int64_t person_id;
    size_t plen = 0;
    int rc;

    if (strcmp(listen_req_method(c->req), "GET") == 0) {
        token = listen_req_query(c->req, "t");
        if (token != NULL && strlen(token) != WEB_TOKEN_LEN)
            token = NULL;
        web_login_page(c, token,
                       listen_req_query(c->req, "ended") != NULL
                           ? T(c, "You were signed out after a while without "
                                  "activity. Sign in again to go on.")
                           : NULL,
                       0);
        return;
    }
    token = listen_req_form(c->req, "t", NULL);
    name = listen_req_form(c->req, "name", NULL);
    password = listen_req_form(c->req, "password", &plen);
    if (token == NULL && name != NULL && password != NULL) {
        web_login_password(c, name, password, plen);
        return;
    }
    if (token == NULL || strlen(token) != WEB_TOKEN_LEN) {
        web_login_page(c, NULL,
                       T(c, "This sign-in link is not complete. "
                            "Copy the whole link, or ask for a new "
                            "one."),
                       1);
        return;
    }
    web_auth_hash(token, hash);
    if ((rc = store_begin(c->w->st)) == 0) {
        rc = store_link_use(c->w->st, hash, c->now, &person_id);
        if (rc == 0 || rc == ERR_DENIED || rc == ERR_NOTFOUND) {
            if (store_commit(c->w->st) < 0)
                rc = ERR_DB;
        } else {
            store_rollback(c->w->st);
        }
    }
    if (rc == ERR_DENIED || rc == ERR_NOTFOUND) {
        log_info("msg=\"console sign-in refused\" by=link reason=%s",
                 rc == ERR_DENIED ? "used-or-expired" : "unknown");
        web_login_page(c, NULL,
                       T(c, "This link has been used already or has "
                            "expired. Write “console” to reflekt in "
                            "chat for a new one."),
                       1);
        return;
    }
    if (rc < 0) {
        web_refuse(c, 500,
                   T(c, "reflekt could not sign you in just now. "
                        "Please try again in a moment."));
        return;
    }
    web_session_start(c, person_id, "link");
}

static void
web_logout(struct web_ctx *c)
{
    char cookie[128];

    store_web_session_drop(c->w->st, c->hash);
    snprintf(cookie, sizeof(cookie),
             "%s=; Path=/console/; Max-Age=0; HttpOnly; SameSite=Strict%s",
             WEB_COOKIE, c->w->secure ? "; Secure" : "");
    listen_req_add_header(c->req, "Set-Cookie", cookie);
    c->signed_in = 0;
    buf_reset(&c->out);
    web_page_begin(c, T(c, "Signed out"));
    buf_printf(&c->out, "<p>%s</p>",
               T(c, "You are signed out. Write “console” to reflekt in chat "
                    "when you want to come back."));
    web_page_end(c);
    web_send(c, 200);
}

/* ---- routing ------------------------------------------------------- */

/* Returns: 1 when a POST carries this session's CSRF token. */
static int
web_csrf_ok(struct web_ctx *c)
{
    size_t len = 0;
    const char *got = listen_req_form(c->req, "csrf", &len);
    size_t want = strlen(c->sess.csrf);

    return got != NULL && want > 0 && len == want &&
           CRYPTO_memcmp(got, c->sess.csrf, want) == 0;
}

static void
on_console(struct listen_req *req, void *arg)
{
    struct web_ctx c;
    const char *path = listen_req_path(req) + strlen("/console/");
    const char *method = listen_req_method(req);
    int post = strcmp(method, "POST") == 0;

    memset(&c, 0, sizeof(c));
    c.w = arg;
    c.req = req;
    c.now = clock_now();
    buf_init(&c.out, 0);
    c.lang = web_lang(&c);
    if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        listen_req_add_header(req, "Allow", "GET, POST");
        web_refuse(&c, 405, T(&c, "The console takes GET and POST only."));
        goto out;
    }
    if (strcmp(path, "style.css") == 0) {
        listen_req_add_header(req, "Cache-Control", "max-age=3600");
        listen_req_add_header(req, "X-Content-Type-Options", "nosniff");
        listen_respond(req, 200, "text/css; charset=utf-8", web_css,
                       sizeof(web_css) - 1);
        goto out;
    }
    if (web_session_load(&c) < 0) {
        web_refuse(&c, 500,
                   T(&c, "reflekt cannot read its database just "
                         "now. Please try again in a moment."));
        goto out;
    }
    if (strcmp(path, "login") == 0) {
        web_login(&c);
        goto out;
    }
    if (!c.signed_in) {
        if (post)
            web_refuse(&c, 403,
                       T(&c, "You are not signed in (or your session "
                             "has ended). Sign in and try again."));
        else
            web_redirect(&c, listen_req_cookie(req, WEB_COOKIE) != NULL
                                 ? "/console/login?ended=1"
                                 : "/console/login");
        goto out;
    }
    if (post && !web_csrf_ok(&c)) {
        web_refuse(&c, 403,
                   T(&c, "This form was missing its security token "
                         "(or it came from another page). Reload the "
                         "page and try again."));
        goto out;
    }
    if (strcmp(path, "logout") == 0 && post)
        web_logout(&c);
    else if (path[0] == '\0' || strcmp(path, "leaders") == 0)
        web_leaders_page(&c);
    else if (strncmp(path, "leader/", 7) == 0)
        web_leader_route(&c, path + 7);
    else
        web_refuse(&c, 404, T(&c, "There is no such page in the console."));
out:
    buf_release(&c.out);
}

static void
on_console_bare(struct listen_req *req, void *arg)
{
    (void)arg;
    listen_req_add_header(req, "Location", "/console/");
    listen_respond(req, 308, "text/plain", "", 0);
}

struct web *
web_new(uv_loop_t *loop, struct listen *l, struct store *st,
        const struct config *conf, const struct prompt_set *ps,
        struct http *http, web_changed_cb *changed, void *arg)
{
    struct web *w;

    if (sodium_init() < 0)
        return NULL;
    w = xcalloc(1, sizeof(*w));
    w->loop = loop;
    w->st = st;
    w->conf = conf;
    w->ps = ps;
    w->http = http;
    w->changed = changed;
    w->changed_arg = arg;
    w->secure = conf->web_public_url != NULL &&
                strncasecmp(conf->web_public_url, "https:", 6) == 0;
    listen_route(l, NULL, "/console/", LISTEN_PREFIX | LISTEN_FORM, on_console,
                 w);
    listen_route(l, NULL, "/console", 0, on_console_bare, w);
    return w;
}

void
web__free_now(struct web *w)
{
    free(w);
}

void
web_free(struct web *w)
{
    if (w == NULL)
        return;
    w->closing = 1;
    if (w->pending == 0)
        web__free_now(w);
}
