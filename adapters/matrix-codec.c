/*
 * matrix-codec.c - Matrix Client-Server JSON <-> reflekt.
 *
 * matrix_codec_sync() parses a /sync body once and hands out pointers into
 * that one jansson document: every string in struct matrix_sync lives as
 * long as sync.root, and matrix_sync_release() drops it all at once.  The
 * three arrays are sized from a first counting pass and capped, so a huge
 * or hostile body costs at most MC_MAX_ITEMS entries each.
 *
 * A body that fails to parse stalls the adapter on the same `since` token
 * for ever, so the decoder is lenient wherever it can be: an event it does
 * not understand is skipped, never fatal.  One escape jansson refuses
 * outright, \u0000 in an object key, is rewritten to \ufffd before parsing
 * (\u0000 in values too, so no string handed out hides a NUL).
 *
 * The encoders always return a new object: text that is not valid UTF-8
 * gets U+FFFD for each bad byte instead of making jansson return NULL.
 */
#include "matrix-codec.h"

#include "err.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* Cap on events, invites and joined rooms decoded from one /sync. */
#define MC_MAX_ITEMS 10000

static const char mc_replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* jansson returns NULL only when malloc fails; reflekt aborts then. */
static json_t *
mc_must(json_t *j)
{
    if (j == NULL)
        abort();
    return j;
}

/* Length of the valid UTF-8 sequence at s (as jansson judges it), or 0. */
static size_t
mc_utf8_len(const unsigned char *s)
{
    size_t n, i;
    unsigned long cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/*
 * s (NULL reads as "") as valid UTF-8: a copy with U+FFFD for every byte
 * that does not start a valid sequence.  Ownership: free() the result.
 */
static char *
mc_utf8_clean(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    size_t len = strlen((const char *)p), o = 0, n;
    char *out = xmalloc(3 * len + 1);

    while (*p != '\0') {
        n = mc_utf8_len(p);
        if (n == 0) {
            memcpy(out + o, mc_replacement, 3);
            o += 3;
            p++;
        } else {
            memcpy(out + o, p, n);
            o += n;
            p += n;
        }
    }
    out[o] = '\0';
    return out;
}

/* A new JSON string from any C string (see mc_utf8_clean). */
static json_t *
mc_string(const char *s)
{
    char *clean = mc_utf8_clean(s);
    json_t *j = mc_must(json_string(clean));

    free(clean);
    return j;
}

/* The string member key of obj, or NULL (also when obj is no object). */
static const char *
mc_get_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* obj.a.b, or NULL. */
static json_t *
mc_get2(const json_t *obj, const char *a, const char *b)
{
    return json_object_get(json_object_get(obj, a), b);
}

/* The number of entries an array of n input items may produce. */
static size_t
mc_cap(size_t n)
{
    return n < MC_MAX_ITEMS ? n : MC_MAX_ITEMS;
}

/*
 * A copy of body in which every \u0000 escape reads \ufffd, or NULL when
 * there is none.  Same length, so jansson's line:column still match.
 */
static char *
mc_unnul(const char *body, size_t len)
{
    char *copy = NULL;
    size_t i;

    for (i = 0; i + 1 < len; i++) {
        if (body[i] != '\\')
            continue;
        /* Skip the escaped character, so "\\u0000" is left alone. */
        i++;
        if (body[i] != 'u' || len - i < 5 ||
            memcmp(body + i + 1, "0000", 4) != 0)
            continue;
        if (copy == NULL) {
            copy = xmalloc(len);
            memcpy(copy, body, len);
        }
        memcpy(copy + i + 1, "fffd", 4);
        i += 4;
    }
    return copy;
}

/* Whether the events array holds an m.room.encryption event. */
static int
mc_has_encryption(const json_t *events)
{
    size_t i;
    const char *type;

    for (i = 0; i < json_array_size(events); i++) {
        type = mc_get_str(json_array_get(events, i), "type");
        if (type != NULL && strcmp(type, "m.room.encryption") == 0)
            return 1;
    }
    return 0;
}

/* Whether content carries the text of a message a person wrote. */
static int
mc_is_text(const json_t *content)
{
    const char *msgtype = mc_get_str(content, "msgtype");

    /* Never m.notice: bots must not answer bots. */
    return msgtype != NULL &&
           (strcmp(msgtype, "m.text") == 0 ||
            strcmp(msgtype, "m.emote") == 0) &&
           json_is_string(json_object_get(content, "body"));
}

/* Fill ev from the m.room.message content; returns 1 if it is wanted. */
static int
mc_message(const json_t *content, struct matrix_event *ev)
{
    const json_t *rel = json_object_get(content, "m.relates_to");
    const char *rel_type = mc_get_str(rel, "rel_type");
    const json_t *text = content;

    if (rel_type != NULL && strcmp(rel_type, "m.replace") == 0) {
        /* The new text is in m.new_content; body is a "* " fallback. */
        ev->kind = MATRIX_EV_EDIT;
        ev->target = mc_get_str(rel, "event_id");
        text = json_object_get(content, "m.new_content");
        if (ev->target == NULL)
            return 0;
    } else {
        ev->kind = MATRIX_EV_MESSAGE;
    }
    if (!mc_is_text(text))
        return 0;
    ev->body = mc_get_str(text, "body");
    ev->body_len = json_string_length(json_object_get(text, "body"));
    return 1;
}

/*
 * Decode one timeline event into ev.
 * Returns: 1 when ev holds an event reflekt wants, else 0.
 */
static int
mc_event(const json_t *e, const char *room_id, const char *self,
         struct matrix_event *ev)
{
    const char *type = mc_get_str(e, "type");
    const json_t *content = json_object_get(e, "content");
    const json_t *rel, *ts;
    const char *rel_type;

    memset(ev, 0, sizeof(*ev));
    ev->room_id = room_id;
    ev->event_id = mc_get_str(e, "event_id");
    ev->sender = mc_get_str(e, "sender");
    if (type == NULL || ev->event_id == NULL || ev->sender == NULL)
        return 0;
    if (self != NULL && strcmp(ev->sender, self) == 0)
        return 0;
    /* None of the types below is a state event; one with a state_key is
     * something else wearing the type's name. */
    if (json_object_get(e, "state_key") != NULL)
        return 0;
    ev->txn_id = json_string_value(mc_get2(e, "unsigned", "transaction_id"));
    ts = json_object_get(e, "origin_server_ts");
    ev->ts = json_is_integer(ts) ? (int64_t)json_integer_value(ts) : 0;

    if (strcmp(type, "m.room.message") == 0)
        return mc_message(content, ev);
    if (strcmp(type, "m.reaction") == 0) {
        rel = json_object_get(content, "m.relates_to");
        rel_type = mc_get_str(rel, "rel_type");
        ev->kind = MATRIX_EV_REACTION;
        ev->target = mc_get_str(rel, "event_id");
        ev->key = mc_get_str(rel, "key");
        return rel_type != NULL && strcmp(rel_type, "m.annotation") == 0 &&
               ev->target != NULL && ev->key != NULL;
    }
    if (strcmp(type, "m.room.redaction") == 0) {
        /* Room v11 moved redacts into content; older rooms have it at the
         * top level, and Synapse sends both for v11. */
        ev->kind = MATRIX_EV_REDACTION;
        ev->target = mc_get_str(content, "redacts");
        if (ev->target == NULL)
            ev->target = mc_get_str(e, "redacts");
        return ev->target != NULL;
    }
    if (strcmp(type, "m.room.encrypted") == 0) {
        ev->kind = MATRIX_EV_ENCRYPTED;
        return 1;
    }
    return 0;
}

/* Fill out->rooms and out->events from rooms.join. */
static void
mc_sync_join(json_t *join, const char *self, struct matrix_sync *out)
{
    const char *room_id;
    json_t *room, *timeline, *events;
    size_t nrooms = 0, nevents = 0, i;
    struct matrix_room_flag *flag;

    json_object_foreach(join, room_id, room)
    {
        if (!json_is_object(room))
            continue;
        nrooms++;
        nevents += json_array_size(mc_get2(room, "timeline", "events"));
    }
    nrooms = mc_cap(nrooms);
    nevents = mc_cap(nevents);
    if (nrooms > 0)
        out->rooms = xcalloc(nrooms, sizeof(*out->rooms));
    if (nevents > 0)
        out->events = xcalloc(nevents, sizeof(*out->events));

    json_object_foreach(join, room_id, room)
    {
        if (!json_is_object(room))
            continue;
        if (out->nrooms == nrooms)
            break;
        timeline = json_object_get(room, "timeline");
        events = json_object_get(timeline, "events");
        flag = &out->rooms[out->nrooms++];
        flag->room_id = room_id;
        flag->encrypted = mc_has_encryption(mc_get2(room, "state", "events")) ||
                          mc_has_encryption(events);
        flag->limited = json_is_true(json_object_get(timeline, "limited"));
        flag->prev_batch = mc_get_str(timeline, "prev_batch");
        for (i = 0; i < json_array_size(events) && out->nevents < nevents;
             i++) {
            if (mc_event(json_array_get(events, i), room_id, self,
                         &out->events[out->nevents]))
                out->nevents++;
        }
    }
}

/* Fill inv from one rooms.invite entry; returns 1 if it is an invite of
 * self. */
static int
mc_invite(const json_t *room, const char *room_id, const char *self,
          struct matrix_invite *inv)
{
    const json_t *events = mc_get2(room, "invite_state", "events");
    const json_t *e, *content;
    const char *type, *state_key, *membership;
    size_t i;

    memset(inv, 0, sizeof(*inv));
    if (self == NULL)
        return 0;
    for (i = 0; i < json_array_size(events); i++) {
        e = json_array_get(events, i);
        type = mc_get_str(e, "type");
        state_key = mc_get_str(e, "state_key");
        content = json_object_get(e, "content");
        membership = mc_get_str(content, "membership");
        if (type == NULL || strcmp(type, "m.room.member") != 0 ||
            state_key == NULL || strcmp(state_key, self) != 0 ||
            membership == NULL || strcmp(membership, "invite") != 0 ||
            mc_get_str(e, "sender") == NULL)
            continue;
        inv->room_id = room_id;
        inv->inviter = mc_get_str(e, "sender");
        inv->is_direct = json_is_true(json_object_get(content, "is_direct"));
        inv->encrypted = mc_has_encryption(events);
        return 1;
    }
    return 0;
}

/* Fill out->invites from rooms.invite. */
static void
mc_sync_invite(json_t *invite, const char *self, struct matrix_sync *out)
{
    const char *room_id;
    json_t *room;
    size_t n;

    n = mc_cap(json_object_size(invite));
    if (n == 0)
        return;
    out->invites = xcalloc(n, sizeof(*out->invites));
    json_object_foreach(invite, room_id, room)
    {
        if (out->ninvites == n)
            break;
        if (mc_invite(room, room_id, self, &out->invites[out->ninvites]))
            out->ninvites++;
    }
}

int
matrix_codec_sync(const char *body, size_t len, const char *self,
                  struct matrix_sync *out, char *err)
{
    json_error_t jerr;
    json_t *next, *rooms, *events, *e;
    char *copy = NULL;
    const char *type;
    size_t i;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (body == NULL)
        body = "";
    copy = mc_unnul(body, len);
    out->root = json_loadb(copy != NULL ? copy : body, len, 0, &jerr);
    if (out->root == NULL) {
        err_set(err, "sync response is not JSON: %s at %d:%d", jerr.text,
                jerr.line, jerr.column);
        rc = ERR_INVAL;
        goto out;
    }
    if (!json_is_object(out->root)) {
        err_set(err, "sync response is not a JSON object");
        rc = ERR_INVAL;
        goto out;
    }
    next = json_object_get(out->root, "next_batch");
    if (next == NULL) {
        err_set(err, "sync response has no next_batch");
        rc = ERR_INVAL;
        goto out;
    }
    if (!json_is_string(next)) {
        err_set(err, "sync response next_batch is not a string");
        rc = ERR_INVAL;
        goto out;
    }
    out->next_batch = json_string_value(next);

    rooms = json_object_get(out->root, "rooms");
    mc_sync_join(json_object_get(rooms, "join"), self, out);
    mc_sync_invite(json_object_get(rooms, "invite"), self, out);

    events = mc_get2(out->root, "account_data", "events");
    for (i = 0; i < json_array_size(events); i++) {
        e = json_array_get(events, i);
        type = mc_get_str(e, "type");
        if (type != NULL && strcmp(type, "m.direct") == 0 &&
            json_is_object(json_object_get(e, "content")))
            out->direct = json_object_get(e, "content");
    }

out:
    free(copy);
    if (rc < 0)
        matrix_sync_release(out);
    return rc;
}

int
matrix_codec_messages(const char *body, size_t len, const char *room_id,
                      const char *self, struct matrix_sync *out, char *err)
{
    json_error_t jerr;
    json_t *chunk, *room;
    char *copy;
    size_t n;

    memset(out, 0, sizeof(*out));
    copy = mc_unnul(body != NULL ? body : "", len);
    out->root =
        json_loadb(copy != NULL ? copy : (body ? body : ""), len, 0, &jerr);
    free(copy);
    if (!json_is_object(out->root)) {
        err_set(err, "messages response is not a JSON object");
        matrix_sync_release(out);
        return ERR_INVAL;
    }
    chunk = json_object_get(out->root, "chunk");
    if (!json_is_array(chunk)) {
        err_set(err, "messages response has no chunk");
        matrix_sync_release(out);
        return ERR_INVAL;
    }
    /* Keep the room id alive with the document the events point into. */
    room = json_string(room_id);
    json_object_set_new(out->root, "reflekt_room", room);
    out->next_batch = mc_get_str(out->root, "end");
    n = mc_cap(json_array_size(chunk));
    if (n > 0)
        out->events = xcalloc(n, sizeof(*out->events));
    /* dir=b gives newest first: walk it backwards for timeline order. */
    for (size_t i = json_array_size(chunk); i > 0 && out->nevents < n; i--) {
        if (mc_event(json_array_get(chunk, i - 1), json_string_value(room),
                     self, &out->events[out->nevents]))
            out->nevents++;
    }
    return 0;
}

void
matrix_sync_release(struct matrix_sync *s)
{
    if (s == NULL)
        return;
    free(s->events);
    free(s->invites);
    free(s->rooms);
    json_decref(s->root);
    memset(s, 0, sizeof(*s));
}

/* Append the HTML for c to out at *o. */
static void
mc_html_char(char *out, size_t *o, char c)
{
    const char *rep;
    size_t n;

    switch (c) {
    case '&':
        rep = "&amp;";
        break;
    case '<':
        rep = "&lt;";
        break;
    case '>':
        rep = "&gt;";
        break;
    case '"':
        rep = "&quot;";
        break;
    case '\'':
        rep = "&#39;";
        break;
    case '\n':
        rep = "<br>";
        break;
    default:
        out[(*o)++] = c;
        return;
    }
    n = strlen(rep);
    memcpy(out + *o, rep, n);
    *o += n;
}

/*
 * text as org.matrix.custom.html.  A span needs a closing backtick and at
 * least one character; any other backtick is literal.  Ownership: free().
 */
static char *
mc_html(const char *text)
{
    size_t len = strlen(text), o = 0, i = 0;
    /* Worst case per input byte: "&quot;" (6), or "`a`" (3 bytes) as
     * "<code>&quot;</code>" (19). */
    char *out = xmalloc(7 * len + 1);
    const char *close;

    while (text[i] != '\0') {
        close = text[i] == '`' ? strchr(text + i + 1, '`') : NULL;
        if (close == NULL || close == text + i + 1) {
            mc_html_char(out, &o, text[i++]);
            continue;
        }
        memcpy(out + o, "<code>", 6);
        o += 6;
        for (i++; text + i < close; i++)
            mc_html_char(out, &o, text[i]);
        memcpy(out + o, "</code>", 7);
        o += 7;
        i++;
    }
    out[o] = '\0';
    return out;
}

json_t *
matrix_codec_text(const char *text)
{
    char *clean = mc_utf8_clean(text);
    char *html = mc_html(clean);
    json_t *o = mc_must(json_object());

    json_object_set_new(o, "msgtype", mc_string("m.text"));
    json_object_set_new(o, "body", mc_string(clean));
    json_object_set_new(o, "format", mc_string("org.matrix.custom.html"));
    json_object_set_new(o, "formatted_body", mc_string(html));
    free(html);
    free(clean);
    return o;
}

json_t *
matrix_codec_reaction(const char *event_id, const char *key)
{
    json_t *o = mc_must(json_object());
    json_t *rel = mc_must(json_object());

    json_object_set_new(rel, "rel_type", mc_string("m.annotation"));
    json_object_set_new(rel, "event_id", mc_string(event_id));
    json_object_set_new(rel, "key", mc_string(key));
    json_object_set_new(o, "m.relates_to", rel);
    return o;
}

json_t *
matrix_codec_create_dm(const char *user_id)
{
    json_t *o = mc_must(json_object());
    json_t *invite = mc_must(json_array());

    /* No initial_state: reflekt cannot read an encrypted room. */
    json_array_append_new(invite, mc_string(user_id));
    json_object_set_new(o, "is_direct", json_true());
    json_object_set_new(o, "invite", invite);
    json_object_set_new(o, "preset", mc_string("trusted_private_chat"));
    return o;
}

json_t *
matrix_codec_direct_add(const json_t *old, const char *user_id,
                        const char *room_id)
{
    json_t *o, *rooms, *room = mc_string(room_id);
    char *user = mc_utf8_clean(user_id);
    size_t i;

    o = json_is_object(old) ? json_deep_copy(old) : json_object();
    mc_must(o);
    rooms = json_object_get(o, user);
    if (!json_is_array(rooms)) {
        rooms = mc_must(json_array());
        json_object_set_new(o, user, rooms);
    }
    for (i = 0; i < json_array_size(rooms); i++) {
        if (json_equal(json_array_get(rooms, i), room))
            break;
    }
    if (i == json_array_size(rooms))
        json_array_append(rooms, room);
    json_decref(room);
    free(user);
    return o;
}

int64_t
matrix_codec_error(const char *body, size_t len, char *errcode,
                   size_t errcodesz)
{
    json_t *root, *retry;
    const char *code;
    int64_t ms = -1;

    if (errcode != NULL && errcodesz > 0)
        errcode[0] = '\0';
    if (body == NULL)
        return -1;
    root = json_loadb(body, len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return -1;
    }
    code = mc_get_str(root, "errcode");
    if (code != NULL && errcode != NULL && errcodesz > 0)
        xstrlcpy(errcode, code, errcodesz);
    retry = json_object_get(root, "retry_after_ms");
    if (json_is_integer(retry) && json_integer_value(retry) >= 0)
        ms = (int64_t)json_integer_value(retry);
    json_decref(root);
    return ms;
}

/* A new array of the given strings. */
static json_t *
mc_strings(const char *const *s, size_t n)
{
    json_t *a = mc_must(json_array());
    size_t i;

    for (i = 0; i < n; i++)
        json_array_append_new(a, mc_string(s[i]));
    return a;
}

json_t *
matrix_codec_filter(void)
{
    static const char *const timeline_types[] = {
        "m.room.message", "m.reaction", "m.room.redaction", "m.room.encrypted",
        "m.room.encryption"};
    static const char *const state_types[] = {"m.room.encryption"};
    static const char *const account_types[] = {"m.direct"};
    json_t *f = mc_must(json_object());
    json_t *room = mc_must(json_object());
    json_t *timeline = mc_must(json_object());
    json_t *state = mc_must(json_object());
    json_t *presence = mc_must(json_object());
    json_t *account = mc_must(json_object());

    json_object_set_new(timeline, "limit", mc_must(json_integer(50)));
    json_object_set_new(timeline, "types", mc_strings(timeline_types, 5));
    json_object_set_new(state, "lazy_load_members", json_true());
    json_object_set_new(state, "types", mc_strings(state_types, 1));
    json_object_set_new(room, "timeline", timeline);
    json_object_set_new(room, "state", state);
    json_object_set_new(presence, "types", mc_must(json_array()));
    json_object_set_new(account, "types", mc_strings(account_types, 1));
    json_object_set_new(f, "room", room);
    json_object_set_new(f, "presence", presence);
    json_object_set_new(f, "account_data", account);
    return f;
}

int
matrix_codec_path(const char *s, char *out, size_t outsz)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    size_t o = 0;
    unsigned char c;

    if (outsz == 0)
        return ERR_TOOBIG;
    for (; *p != '\0'; p++) {
        c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            if (outsz - o < 2)
                goto toobig;
            out[o++] = (char)c;
        } else {
            if (outsz - o < 4)
                goto toobig;
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return 0;

toobig:
    out[o] = '\0';
    return ERR_TOOBIG;
}
