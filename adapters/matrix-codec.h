/*
 * matrix-codec.h - Matrix Client-Server JSON <-> reflekt, as pure
 * functions: the /sync response in, request bodies out.  No I/O, no
 * allocation beyond jansson's; the transport is adapters/matrix.c.
 */
#ifndef REFLEKT_MATRIX_CODEC_H
#define REFLEKT_MATRIX_CODEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum matrix_ev_kind {
    MATRIX_EV_MESSAGE = 0, /* m.room.message, msgtype m.text (or m.emote) */
    MATRIX_EV_EDIT,        /* m.room.message with m.relates_to m.replace */
    MATRIX_EV_REACTION,    /* m.reaction (m.annotation) */
    MATRIX_EV_REDACTION,   /* m.room.redaction */
    MATRIX_EV_ENCRYPTED,   /* m.room.encrypted: reflekt cannot read it */
};

/*
 * One timeline event reflekt cares about.  All strings are borrowed from
 * the parsed document (struct matrix_sync.root) and never NULL unless
 * noted.
 */
struct matrix_event {
    enum matrix_ev_kind kind;
    const char *room_id;
    const char *event_id;
    const char *sender;
    const char *body; /* MESSAGE, EDIT (m.new_content.body); else NULL */
    size_t body_len;
    const char *target; /* EDIT, REACTION: the related event; REDACTION:
                           the redacted event; else NULL */
    const char *key;    /* REACTION: the emoji; else NULL */
    const char *txn_id; /* unsigned.transaction_id (own echoes), or NULL */
    int64_t ts;         /* origin_server_ts in ms */
};

/* An invite to a room (rooms.invite). */
struct matrix_invite {
    const char *room_id;
    const char *inviter; /* sender of the bot's m.room.member invite */
    int is_direct;       /* the invite member event has is_direct: true */
    int encrypted;       /* invite_state holds m.room.encryption */
};

/* A joined room whose state or timeline shows m.room.encryption. */
struct matrix_room_flag {
    const char *room_id;
    int encrypted;
    int limited;            /* timeline.limited: events were skipped */
    const char *prev_batch; /* for back-pagination when limited, or NULL */
};

struct matrix_sync {
    json_t *root; /* owns everything below */
    const char *next_batch;
    struct matrix_event *events;
    size_t nevents;
    struct matrix_invite *invites;
    size_t ninvites;
    struct matrix_room_flag *rooms;
    size_t nrooms;
    json_t *direct; /* account_data m.direct content (borrowed), or NULL */
};

/*
 * Decode a /sync response body.  Events are in timeline order, room by
 * room; events sent by `self` (the bot) are left out; unknown event types,
 * state events and malformed events are skipped (never fatal).
 * Returns: 0, or ERR_INVAL with err naming what was wrong when the body is
 * not JSON or has no next_batch.  Ownership: release with
 * matrix_sync_release() (also after an error).
 */
int matrix_codec_sync(const char *body, size_t len, const char *self,
                      struct matrix_sync *out, char *err);
void matrix_sync_release(struct matrix_sync *s);

/*
 * Decode a GET /rooms/{room_id}/messages?dir=b response: the events of
 * "chunk" in timeline order (oldest first), the same kinds and rules as in
 * a sync; next_batch holds "end" (NULL when there is no older page).
 * Returns: 0, or ERR_INVAL with err.  Ownership as matrix_codec_sync.
 */
int matrix_codec_messages(const char *body, size_t len, const char *room_id,
                          const char *self, struct matrix_sync *out, char *err);

/*
 * The content of a text message: plain `body` as given, and
 * `formatted_body` in org.matrix.custom.html with HTML escaped, line
 * breaks as <br>, and `code` spans as <code>.  msgtype is "m.text".
 * Returns: a new object.
 */
json_t *matrix_codec_text(const char *text);

/* The content of a reaction (m.annotation) with key on event_id. */
json_t *matrix_codec_reaction(const char *event_id, const char *key);

/* The createRoom body for a private, unencrypted direct room with user. */
json_t *matrix_codec_create_dm(const char *user_id);

/*
 * m.direct content with room added for user (a copy of old, which may be
 * NULL; no duplicate room ids).  Returns: a new object.
 */
json_t *matrix_codec_direct_add(const json_t *old, const char *user_id,
                                const char *room_id);

/*
 * An error body {"errcode":..., "error":..., "retry_after_ms":...}.
 * Returns: retry_after_ms, or -1 when absent; errcode copied to out
 * (empty when absent).
 */
int64_t matrix_codec_error(const char *body, size_t len, char *errcode,
                           size_t errcodesz);

/* The /sync filter reflekt uploads once. */
json_t *matrix_codec_filter(void);

/* Percent-encode s for a URL path segment into out (NUL-terminated).
 * Returns: 0, or ERR_TOOBIG when out is too small. */
int matrix_codec_path(const char *s, char *out, size_t outsz);

#endif
