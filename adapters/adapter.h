/*
 * adapter.h - what every chat platform looks like to reflekt.
 *
 * A platform exports exactly one symbol, `<platform>_adapter_ops`.  The
 * engine creates an instance with adapter_new(), hands it a host (the
 * callbacks the adapter calls upward) and starts it.  Adapters never include
 * engine or storage headers: what they need from above comes through the
 * host.
 *
 * The durability contract: the adapter calls host->on_event() for each
 * inbound event, and acknowledges the event to its platform only after that
 * call returned 0 (the event is then committed, or deliberately ignored).
 * A platform that redelivers an unacknowledged event sends the same
 * event_id again, and the engine stores it once.
 */
#ifndef REFLEKT_ADAPTER_H
#define REFLEKT_ADAPTER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct config;
struct adapter;
struct http;
struct listen;

enum adapter_event_type {
    ADAPTER_EVENT_MESSAGE = 0, /* a chat message from a person */
    ADAPTER_EVENT_ACTION,      /* a button press */
    ADAPTER_EVENT_EDIT,        /* a message was edited */
    ADAPTER_EVENT_DELETE,      /* a message was deleted */
    ADAPTER_EVENT_COMMAND,     /* a command for reflekt (/reflekt ...) */
};

/* Borrowed for the duration of on_event: copy what you keep. */
struct adapter_event {
    enum adapter_event_type type;
    const char *event_id;     /* unique per platform; the dedup key */
    const char *user_id;      /* the sender's platform id */
    const char *conversation; /* where it was said (DM id), may be NULL */
    const char *msg_id;       /* platform id of this message, may be NULL */
    const char *text;         /* MESSAGE and EDIT: not NUL-terminated */
    size_t text_len;
    const char *action;        /* ACTION: "skip" or "snooze" */
    int64_t delivery_id;       /* ACTION: the question it belongs to, or 0 */
    const char *target_msg_id; /* EDIT and DELETE: the message changed;
                                  ACTION: the message the button is on */
    /* COMMAND: the engine writes its answer here (NUL-terminated). */
    char *reply;
    size_t replysz;
};

/* What the adapter may call upward.  arg is passed back unchanged. */
struct adapter_host {
    /* Returns: 0 when the event may be acknowledged, < 0 to not ack it. */
    int (*on_event)(struct adapter *a, const struct adapter_event *ev,
                    void *arg);
    /*
     * A batch of events and the platform cursor covering them (Matrix's
     * next_batch), committed together.  Returns: 0 when committed; else
     * nothing was, and the batch must be fetched again.
     */
    int (*on_events)(struct adapter *a, const struct adapter_event *evs,
                     size_t n, const char *cursor_key, const char *cursor_value,
                     void *arg);
    /*
     * Whether user_id is an enrolled leader on this platform; fills
     * conversation (may be "") with their known direct conversation and
     * lang with their language code.
     * Returns: 1, 0, or < 0 on error.
     */
    int (*leader_lookup)(struct adapter *a, const char *user_id,
                         char *conversation, size_t convsz, char lang[3],
                         void *arg);
    /* Remember the direct conversation reflekt has with user_id. */
    int (*conversation_set)(struct adapter *a, const char *user_id,
                            const char *conversation, void *arg);
    /* Durable key/value per adapter (sync tokens, read offsets). */
    int (*cursor_get)(struct adapter *a, const char *key, char *out,
                      size_t outsz, void *arg);
    int (*cursor_set)(struct adapter *a, const char *key, const char *value,
                      void *arg);
    /* The platform refused reflekt for good (a revoked token): the daemon
     * stops with an error.  why is said to the operator. */
    void (*fatal)(struct adapter *a, const char *why, void *arg);
    /* The platform connection is up: reflekt can hear and send there
     * (console: reading; Matrix: signed in, filter set; Slack: signed in
     * and Socket Mode connected when used; Teams: signing keys and a
     * connector token).  Called again after a reconnect; NULL: nobody
     * asks. */
    void (*up)(struct adapter *a, void *arg);
    void *arg;
};

/* One outgoing message.  Borrowed for the send call. */
struct adapter_msg {
    const char *user_id;      /* the recipient's platform id */
    const char *conversation; /* DM id if known, else NULL */
    const char *text;         /* plain text with *bold* and line breaks */
    int64_t delivery_id;      /* the question this is, or 0 */
    const char *idem_key;     /* stable across retries, or NULL */
    const char *button_skip;  /* labels; NULL for no buttons */
    const char *button_snooze;
    int resend;        /* 1: an earlier attempt may have reached the platform */
    int64_t posted_at; /* an earlier post of this question confirmed then
                          (a snoozed one), else 0: older copies are not it */
};

/* A question that needs no buttons any more (answered, skipped, snoozed). */
struct adapter_settle {
    const char *user_id;
    const char *conversation; /* DM id, may be NULL */
    const char *msg_id;       /* the question's platform id */
    const char *text;         /* the question */
    const char *note;         /* what happened, in the leader's language */
};

/* Callback: a person's time zone (IANA name), or status < 0. */
typedef void adapter_tz_cb(struct adapter *a, int status, const char *tz,
                           void *arg);

/*
 * Callback: exactly once per send() that returned 0; status 0 means the
 * platform confirmed the message and msg_id (may be NULL) names it.
 */
typedef void adapter_sent_cb(struct adapter *a, int status, const char *msg_id,
                             void *arg);

struct adapter_ops {
    const char *name;
    /* Read configuration; no I/O yet.  err names what was wrong. */
    int (*init)(struct adapter *a, const struct config *conf, char *err);
    /* Begin receiving on a's loop. */
    int (*start)(struct adapter *a);
    /* Stop receiving; close handles.  Safe to call twice. */
    void (*stop)(struct adapter *a);
    /* Free what init allocated (after stop and the loop has run). */
    void (*release)(struct adapter *a);
    /* Returns: 0 and calls cb later (or at once), or < 0 and never. */
    int (*send)(struct adapter *a, const struct adapter_msg *m,
                adapter_sent_cb *cb, void *arg);
    /* Optional: show on the platform that a question is done. */
    void (*settle)(struct adapter *a, const struct adapter_settle *s);
    /* Optional: the platform's time zone for user_id (enrolment).
     * Returns: 0 and calls cb once, or < 0 and never. */
    int (*user_tz)(struct adapter *a, const char *user_id, adapter_tz_cb *cb,
                   void *arg);
};

struct adapter {
    const struct adapter_ops *ops;
    uv_loop_t *loop;
    struct adapter_host host;
    struct http *http;     /* outbound HTTP (bot/http.h) */
    struct listen *listen; /* the inbound endpoint, or NULL when off */
    void *priv;            /* the platform's own state */
};

extern const struct adapter_ops console_adapter_ops;
extern const struct adapter_ops matrix_adapter_ops;
extern const struct adapter_ops slack_adapter_ops;
extern const struct adapter_ops teams_adapter_ops;

/* Returns: the ops of a platform by name, or NULL. */
const struct adapter_ops *adapter_find(const char *name);
/* Ownership: free with adapter_free() after stop and release. */
struct adapter *adapter_new(const struct adapter_ops *ops, uv_loop_t *loop,
                            const struct adapter_host *host);
void adapter_free(struct adapter *a);
/* Tells the host the platform connection is up (host.up). */
void adapter_up(struct adapter *a);

#endif
