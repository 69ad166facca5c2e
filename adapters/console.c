/*
 * console.c - the console adapter: people type "HANDLE: text" on standard
 * input (or into the configured input file), reflekt answers on standard
 * output as "to HANDLE: text".
 *
 * It is a real adapter, used by `make demo` and the end-to-end tests, and it
 * keeps the same promises as the platform adapters.  When the input is a
 * regular file it is replayable, like a platform's event stream: each line's
 * event id is its byte offset, and the offset reached is a durable cursor
 * that moves in the same commit as the lines before it (up to a batch of
 * them at a time), so a restart resumes after the last committed line.
 * Pipes and terminals cannot be replayed; their lines are numbered per run.
 */
#include "adapter.h"

#include "buf.h"
#include "config.h"
#include "console-codec.h"
#include "err.h"
#include "log.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONSOLE_LINE_MAX ((size_t)64 << 10)
#define CONSOLE_CHUNK ((size_t)64 << 10)
#define CONSOLE_RETRY_MS 1000
/* Lines handed over as one batch: one transaction, one fsync. */
#define CONSOLE_BATCH 256

enum console_mode {
    CONSOLE_MODE_NONE = 0, /* no usable input: send only */
    CONSOLE_MODE_FILE,     /* replayable regular file */
    CONSOLE_MODE_STREAM,   /* pipe or terminal */
};

struct console {
    enum console_mode mode;
    char *input_path; /* NULL: standard input */
    int fd;
    int own_fd;
    /* file mode */
    uv_fs_t read_req;
    char chunk[CONSOLE_CHUNK];
    int64_t offset; /* file offset of pending[0] */
    char key[64];   /* cursor key: the file's identity */
    uv_timer_t retry;
    int reading; /* a uv_fs_read is in flight */
    int stopping;
    /* stream mode */
    union {
        uv_pipe_t pipe;
        uv_tty_t tty;
    } stream;
    int stream_open;
    char run_id[48];
    uint64_t lineno;
    /* both */
    struct buf pending; /* bytes read but not yet a whole line */
    int skipping;       /* discarding an over-long line */
    uint64_t sent;
    /* the batch being handed over; text points into pending */
    struct console_line lines[CONSOLE_BATCH];
    struct adapter_event evs[CONSOLE_BATCH];
    char ids[CONSOLE_BATCH][96];
};

static void console_read_next(struct adapter *a);

static int
console_init(struct adapter *a, const struct config *conf, char *err)
{
    struct console *c = xcalloc(1, sizeof(*c));

    c->fd = -1;
    if (conf->console_input != NULL)
        c->input_path = xstrdup(conf->console_input);
    buf_init(&c->pending, CONSOLE_LINE_MAX + CONSOLE_CHUNK);
    a->priv = c;
    (void)err;
    return 0;
}

/*
 * Decode one complete line into the batch's slot i.  Returns: 1 when it is
 * an event, 0 when there is nothing to hand over (a blank, a comment, or a
 * refused line, reported here).
 */
static int
console_line(struct console *c, int i, const char *line, size_t len)
{
    struct console_line *cl = &c->lines[i];
    struct adapter_event *ev = &c->evs[i];
    char why[ERR_BUFSZ] = "";
    int rc = console_codec_decode(line, len, cl, why);

    if (rc == ERR_NOTFOUND)
        return 0;
    if (rc < 0) {
        char esc[2 * ERR_BUFSZ];

        /* The line itself is not logged: it may be someone's answer. */
        log_warn("adapter=console msg=\"input line refused\" event=%s "
                 "error=\"%s\"",
                 c->ids[i], log_esc(why, esc, sizeof(esc)));
        fprintf(stdout, "console: %s\n", why);
        fflush(stdout);
        return 0;
    }
    memset(ev, 0, sizeof(*ev));
    ev->type =
        cl->action != NULL ? ADAPTER_EVENT_ACTION : ADAPTER_EVENT_MESSAGE;
    ev->event_id = c->ids[i];
    ev->user_id = cl->handle;
    ev->conversation = cl->handle;
    ev->msg_id = c->ids[i];
    ev->text = cl->text;
    ev->text_len = cl->text_len;
    ev->action = cl->action;
    return 1;
}

/*
 * Hand the whole lines from *start on, up to a batch of them, over in one
 * transaction (in file mode with the cursor past them).  Returns: 0 and
 * *start past them, or < 0 when they were not taken (*start unmoved: file
 * mode offers them again).
 */
static int
console_batch(struct adapter *a, size_t *start)
{
    struct console *c = a->priv;
    size_t at = *start;
    int n = 0, lines = 0, skipping = c->skipping, rc;

    while (n < CONSOLE_BATCH && at < c->pending.len) {
        char *nl = memchr(c->pending.data + at, '\n', c->pending.len - at);
        size_t len;

        if (nl == NULL)
            break;
        len = (size_t)(nl - (c->pending.data + at));
        lines++;
        if (c->skipping) {
            c->skipping = 0;
        } else {
            if (c->mode == CONSOLE_MODE_FILE)
                snprintf(c->ids[n], sizeof(c->ids[n]), "console:%s:%" PRId64,
                         c->key, c->offset + (int64_t)at);
            else
                snprintf(c->ids[n], sizeof(c->ids[n]), "console:%s:%" PRIu64,
                         c->run_id, ++c->lineno);
            n += console_line(c, n, c->pending.data + at, len);
        }
        at += len + 1;
    }
    if (lines == 0)
        return 0;
    if (c->mode == CONSOLE_MODE_FILE) {
        char value[32];

        snprintf(value, sizeof(value), "%" PRId64, c->offset + (int64_t)at);
        rc = n > 0 ? a->host.on_events(a, c->evs, (size_t)n, c->key, value,
                                       a->host.arg)
                   : a->host.cursor_set(a, c->key, value, a->host.arg);
    } else {
        rc = n > 0 ? a->host.on_events(a, c->evs, (size_t)n, NULL, NULL,
                                       a->host.arg)
                   : 0;
    }
    if (rc == 0)
        *start = at;
    else
        c->skipping = skipping; /* the same lines come again */
    return rc;
}

/*
 * Cut whole lines off the front of pending and hand them on.
 * Returns: 0, or < 0 when a line was not taken (file mode retries it).
 */
static int
console_drain(struct adapter *a)
{
    struct console *c = a->priv;
    size_t start = 0, before;
    int rc = 0;

    do {
        before = start;
        rc = console_batch(a, &start);
    } while (rc == 0 && start > before);
    if (c->pending.data == NULL)
        return rc; /* nothing read yet (an empty input) */
    /* Keep the unfinished tail. */
    memmove(c->pending.data, c->pending.data + start, c->pending.len - start);
    c->pending.len -= start;
    c->pending.data[c->pending.len] = '\0';
    c->offset += (int64_t)start;
    if (c->pending.len > CONSOLE_LINE_MAX) {
        log_warn("adapter=console msg=\"input line longer than 64 KiB "
                 "skipped\"");
        c->offset += (int64_t)c->pending.len;
        buf_reset(&c->pending);
        c->skipping = 1;
    }
    return rc;
}

static void
on_retry(uv_timer_t *t)
{
    struct adapter *a = t->data;

    console_read_next(a);
}

static void
on_file_read(uv_fs_t *req)
{
    struct adapter *a = req->data;
    struct console *c = a->priv;
    ssize_t n = req->result;

    uv_fs_req_cleanup(req);
    c->reading = 0;
    if (c->stopping)
        return;
    if (n < 0) {
        log_error("adapter=console msg=\"cannot read input\" error=\"%s\"",
                  uv_strerror((int)n));
        return;
    }
    if (n == 0) {
        /* A last line without a newline still counts. */
        if (c->pending.len > 0 && !c->skipping)
            buf_add(&c->pending, "\n", 1);
        if (console_drain(a) < 0) {
            uv_timer_start(&c->retry, on_retry, CONSOLE_RETRY_MS, 0);
            return;
        }
        log_info("adapter=console msg=\"input file read to the end\"");
        return;
    }
    buf_add(&c->pending, c->chunk, (size_t)n);
    if (console_drain(a) < 0) {
        log_warn("adapter=console msg=\"event not taken; retrying\"");
        uv_timer_start(&c->retry, on_retry, CONSOLE_RETRY_MS, 0);
        return;
    }
    console_read_next(a);
}

static void
console_read_next(struct adapter *a)
{
    struct console *c = a->priv;
    uv_buf_t b;
    int rc;

    if (c->reading || c->stopping)
        return;
    /* Lines still pending from a failed attempt are offered first. */
    if (c->pending.len > 0 && memchr(c->pending.data, '\n', c->pending.len)) {
        if (console_drain(a) < 0) {
            uv_timer_start(&c->retry, on_retry, CONSOLE_RETRY_MS, 0);
            return;
        }
    }
    b = uv_buf_init(c->chunk, (unsigned)sizeof(c->chunk));
    c->read_req.data = a;
    rc = uv_fs_read(a->loop, &c->read_req, c->fd, &b, 1,
                    c->offset + (int64_t)c->pending.len, on_file_read);
    if (rc < 0) {
        log_error("adapter=console msg=\"cannot read input\" error=\"%s\"",
                  uv_strerror(rc));
        return;
    }
    c->reading = 1;
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    struct adapter *a = h->data;
    struct console *c = a->priv;

    (void)suggested;
    *b = uv_buf_init(c->chunk, (unsigned)sizeof(c->chunk));
}

static void
on_stream_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct adapter *a = s->data;
    struct console *c = a->priv;

    if (n == UV_EOF) {
        if (c->pending.len > 0 && !c->skipping) {
            buf_add(&c->pending, "\n", 1);
            console_drain(a);
        }
        log_info("adapter=console msg=\"input closed\"");
        uv_read_stop(s);
        return;
    }
    if (n < 0) {
        log_error("adapter=console msg=\"cannot read input\" error=\"%s\"",
                  uv_strerror((int)n));
        uv_read_stop(s);
        return;
    }
    if (n > 0) {
        buf_add(&c->pending, b->base, (size_t)n);
        /* A stream cannot be replayed: a line not taken is reported. */
        if (console_drain(a) < 0)
            log_error("adapter=console msg=\"event lost: not taken\"");
    }
}

static int
console_start_file(struct adapter *a, struct stat *sb)
{
    struct console *c = a->priv;
    char value[32];
    int rc;

    c->mode = CONSOLE_MODE_FILE;
    snprintf(c->key, sizeof(c->key), "f%ju-%ju", (uintmax_t)sb->st_dev,
             (uintmax_t)sb->st_ino);
    rc = a->host.cursor_get(a, c->key, value, sizeof(value), a->host.arg);
    if (rc < 0)
        return rc;
    c->offset = value[0] != '\0' ? strtoll(value, NULL, 10) : 0;
    if (c->offset < 0 || c->offset > (int64_t)sb->st_size)
        c->offset = 0; /* the file was replaced: read it anew */
    uv_timer_init(a->loop, &c->retry);
    c->retry.data = a;
    log_info("adapter=console msg=\"reading input file\" offset=%" PRId64,
             c->offset);
    console_read_next(a);
    return 0;
}

static int
console_start(struct adapter *a)
{
    struct console *c = a->priv;
    struct stat sb;
    uv_handle_type type;
    int rc;

    if (c->input_path != NULL) {
        c->fd = open(c->input_path, O_RDONLY | O_CLOEXEC);
        if (c->fd < 0) {
            log_error("adapter=console msg=\"cannot open input\" file=\"%s\" "
                      "error=\"%s\"",
                      c->input_path, strerror(errno));
            return ERR_IO;
        }
        c->own_fd = 1;
    } else {
        c->fd = STDIN_FILENO;
    }
    if (fstat(c->fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        rc = console_start_file(a, &sb);
        if (rc == 0)
            adapter_up(a);
        return rc;
    }
    snprintf(c->run_id, sizeof(c->run_id), "s%" PRIu64 "-%ld",
             (uint64_t)uv_hrtime(), (long)getpid());
    type = uv_guess_handle(c->fd);
    if (type == UV_TTY) {
        rc = uv_tty_init(a->loop, &c->stream.tty, c->fd, 1);
    } else if (type == UV_NAMED_PIPE) {
        rc = uv_pipe_init(a->loop, &c->stream.pipe, 0);
        if (rc == 0) {
            c->stream_open = 1;
            rc = uv_pipe_open(&c->stream.pipe, c->fd);
        }
    } else {
        log_info("adapter=console msg=\"no input; sending only\"");
        adapter_up(a);
        return 0;
    }
    if (rc < 0) {
        log_error("adapter=console msg=\"cannot read input\" error=\"%s\"",
                  uv_strerror(rc));
        return ERR_IO;
    }
    c->stream_open = 1;
    c->mode = CONSOLE_MODE_STREAM;
    c->stream.pipe.data = a;
    rc = uv_read_start((uv_stream_t *)&c->stream, on_alloc, on_stream_read);
    if (rc < 0) {
        log_error("adapter=console msg=\"cannot read input\" error=\"%s\"",
                  uv_strerror(rc));
        return ERR_IO;
    }
    adapter_up(a);
    return 0;
}

static void
console_stop(struct adapter *a)
{
    struct console *c = a->priv;

    if (c == NULL || c->stopping)
        return;
    c->stopping = 1;
    if (c->mode == CONSOLE_MODE_FILE) {
        if (c->reading)
            uv_cancel((uv_req_t *)&c->read_req);
        uv_close((uv_handle_t *)&c->retry, NULL);
    }
    if (c->stream_open)
        uv_close((uv_handle_t *)&c->stream, NULL);
}

static void
console_release(struct adapter *a)
{
    struct console *c = a->priv;

    if (c == NULL)
        return;
    if (c->own_fd)
        close(c->fd);
    buf_release(&c->pending);
    free(c->input_path);
    free(c);
    a->priv = NULL;
}

static int
console_send(struct adapter *a, const struct adapter_msg *m,
             adapter_sent_cb *cb, void *arg)
{
    struct console *c = a->priv;
    struct buf out;
    char msg_id[32];
    int rc;

    buf_init(&out, 0);
    rc = console_codec_encode(&out, m->user_id, m->text, m->button_skip,
                              m->button_snooze);
    if (rc == 0 && (fwrite(out.data, 1, out.len, stdout) != out.len ||
                    fflush(stdout) != 0))
        rc = ERR_IO;
    buf_release(&out);
    if (rc < 0)
        return rc;
    snprintf(msg_id, sizeof(msg_id), "console-out:%" PRIu64, ++c->sent);
    cb(a, 0, msg_id, arg);
    return 0;
}

const struct adapter_ops console_adapter_ops = {
    .name = "console",
    .init = console_init,
    .start = console_start,
    .stop = console_stop,
    .release = console_release,
    .send = console_send,
};
