/*
 * test-console-codec.c - unit tests for adapters/console-codec.c.
 *
 * The console is how a developer or a demo talks to reflekt, one typed
 * line at a time, so decode must be forgiving about whitespace yet exact
 * about what a handle is, and must never read past len.  Encode is what a
 * person reads back: continuation lines indented, blank lines left blank.
 */
#include "console-codec.h"

#include "buf.h"
#include "err.h"
#include "t.h"

#include <string.h>

static int
decode(const char *line, struct console_line *out, char *err)
{
    err[0] = '\0';
    return console_codec_decode(line, strlen(line), out, err);
}

/* The decoded text as a string, for readable comparisons. */
static const char *
text_of(const struct console_line *l, char *buf, size_t size)
{
    size_t n = l->text_len < size - 1 ? l->text_len : size - 1;

    if (l->text != NULL)
        memcpy(buf, l->text, n);
    else
        n = 0;
    buf[n] = '\0';
    return buf;
}

/* Decoding line must fail with ERR_INVAL and a message. */
static void
check_invalid(const char *line, const char *want)
{
    struct console_line l;
    char err[ERR_BUFSZ];
    int rc = decode(line, &l, err);

    if (rc != ERR_INVAL)
        fprintf(stderr, "line \"%s\"\n", line);
    T_EQ_INT(rc, ERR_INVAL);
    T_CHECK(err[0] != '\0');
    if (want != NULL)
        T_CONTAINS(err, want);
}

T_TEST(test_decode_plain)
{
    struct console_line l;
    char err[ERR_BUFSZ], text[256];
    const char *line = "lena: hello";

    T_EQ_INT(decode(line, &l, err), 0);
    T_EQ_STR(err, "");
    T_EQ_STR(l.handle, "lena");
    T_CHECK(l.text == line + 6);
    T_EQ_INT(l.text_len, 5);
    T_EQ_STR(text_of(&l, text, sizeof(text)), "hello");
    T_CHECK(l.action == NULL);

    /* No space after the colon. */
    T_EQ_INT(decode("lena:hello", &l, err), 0);
    T_EQ_STR(l.handle, "lena");
    T_EQ_STR(text_of(&l, text, sizeof(text)), "hello");

    /* A colon inside the text is text. */
    T_EQ_INT(decode("ola: time: 10:30", &l, err), 0);
    T_EQ_STR(l.handle, "ola");
    T_EQ_STR(text_of(&l, text, sizeof(text)), "time: 10:30");

    /* Every legal handle character. */
    T_EQ_INT(decode("Ola.N_01-x@corp: hi", &l, err), 0);
    T_EQ_STR(l.handle, "Ola.N_01-x@corp");
}

T_TEST(test_decode_whitespace)
{
    struct console_line l;
    char err[ERR_BUFSZ], text[256];

    T_EQ_INT(decode("  \tlena:   hello world \t\r", &l, err), 0);
    T_EQ_STR(l.handle, "lena");
    T_EQ_STR(text_of(&l, text, sizeof(text)), "hello world");
    T_EQ_INT(l.text_len, 11);
    T_EQ_INT(decode("lena: hello\r", &l, err), 0);
    T_EQ_STR(text_of(&l, text, sizeof(text)), "hello");
    /* Trimming happens before a button is recognised. */
    T_EQ_INT(decode(" lena:\t[skip] \r", &l, err), 0);
    T_EQ_STR(l.action, "skip");
}

T_TEST(test_decode_buttons)
{
    struct console_line l;
    char err[ERR_BUFSZ], text[256];

    T_EQ_INT(decode("lena: [skip]", &l, err), 0);
    T_EQ_STR(l.handle, "lena");
    T_EQ_STR(l.action, "skip");
    T_EQ_STR(text_of(&l, text, sizeof(text)), "[skip]");
    T_EQ_INT(decode("lena: [snooze]", &l, err), 0);
    T_EQ_STR(l.action, "snooze");
    T_EQ_STR(text_of(&l, text, sizeof(text)), "[snooze]");
    /* Anything else in brackets, or more than the button, is plain text. */
    T_EQ_INT(decode("lena: [other]", &l, err), 0);
    T_CHECK(l.action == NULL);
    T_EQ_STR(text_of(&l, text, sizeof(text)), "[other]");
    T_EQ_INT(decode("lena: [Skip]", &l, err), 0);
    T_CHECK(l.action == NULL);
    T_EQ_INT(decode("lena: [skip] now", &l, err), 0);
    T_CHECK(l.action == NULL);
    T_EQ_INT(decode("lena: skip", &l, err), 0);
    T_CHECK(l.action == NULL);
    T_EQ_INT(decode("lena: [snooze", &l, err), 0);
    T_CHECK(l.action == NULL);
}

T_TEST(test_decode_not_found)
{
    struct console_line l;
    char err[ERR_BUFSZ];

    T_EQ_INT(decode("", &l, err), ERR_NOTFOUND);
    T_EQ_INT(decode("   \t \r", &l, err), ERR_NOTFOUND);
    T_EQ_INT(decode("# comment", &l, err), ERR_NOTFOUND);
    T_EQ_INT(decode("   #lena: hello", &l, err), ERR_NOTFOUND);
    T_EQ_STR(err, "");
}

T_TEST(test_decode_invalid)
{
    /* 64 characters: one too many. */
    static const char long_handle[] =
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd: x";
    struct console_line l;
    char err[ERR_BUFSZ];

    check_invalid("hello", "HANDLE: text");
    check_invalid(": hello", "HANDLE: text");
    check_invalid("lena", NULL);
    check_invalid("lena:", "empty message from \"lena\"");
    check_invalid("lena:   \t", "empty message from \"lena\"");
    check_invalid(long_handle, "handle longer than 63 characters");
    check_invalid("le na: x", NULL);
    check_invalid("lena!: x", NULL);
    check_invalid("lena : x", NULL);
    check_invalid("l\xc3\xa9na: x", NULL);
    check_invalid("[skip]", NULL);

    /* 63 characters is the longest handle. */
    T_EQ_INT(decode(long_handle + 1, &l, err), 0);
    T_EQ_INT(strlen(l.handle), CONSOLE_HANDLE_MAX - 1);

    /* The first error wins; err is optional. */
    snprintf(err, sizeof(err), "earlier");
    T_EQ_INT(console_codec_decode("x", 1, &l, err), ERR_INVAL);
    T_EQ_STR(err, "earlier");
    T_EQ_INT(console_codec_decode("x", 1, &l, NULL), ERR_INVAL);
}

T_TEST(test_decode_bytes)
{
    static const char utf8[] = "lena: Hvordan gikk uka? \xe2\x80\x93 bra \xf0"
                               "\x9f\x99\x82 bl\xc3\xa5"
                               "b\xc3\xa6r";
    static const char nul[] = "lena: a\0b\r";
    struct console_line l;
    char err[ERR_BUFSZ] = "";

    /* UTF-8 passes through byte for byte. */
    T_EQ_INT(decode(utf8, &l, err), 0);
    T_EQ_INT(l.text_len, strlen(utf8) - 6);
    T_CHECK(memcmp(l.text, utf8 + 6, l.text_len) == 0);

    /* An embedded NUL is part of the text; len, not strlen, rules. */
    T_EQ_INT(console_codec_decode(nul, sizeof(nul) - 1, &l, err), 0);
    T_EQ_INT(l.text_len, 3);
    T_CHECK(memcmp(l.text, "a\0b", 3) == 0);

    /* Decode never reads past len. */
    T_EQ_INT(console_codec_decode("lena: hello", 8, &l, err), 0);
    T_EQ_INT(l.text_len, 2);
    T_EQ_INT(console_codec_decode("lena: hello", 5, &l, err), ERR_INVAL);
}

/* Encode into a fresh, uncapped buffer. */
static int
encode(struct buf *b, const char *handle, const char *text, const char *skip,
       const char *snooze)
{
    buf_init(b, 0);
    return console_codec_encode(b, handle, text, skip, snooze);
}

T_TEST(test_encode)
{
    struct buf b;

    T_EQ_INT(encode(&b, "lena", "hi", NULL, NULL), 0);
    T_EQ_STR(b.data, "to lena: hi\n");
    T_EQ_INT(b.len, strlen("to lena: hi\n"));
    buf_release(&b);

    T_EQ_INT(encode(&b, "lena", "one\ntwo\nthree", NULL, NULL), 0);
    T_EQ_STR(b.data, "to lena: one\n    two\n    three\n");
    buf_release(&b);

    /* Blank lines stay blank: no trailing spaces. */
    T_EQ_INT(encode(&b, "lena", "one\n\ntwo\n\n\nthree", NULL, NULL), 0);
    T_EQ_STR(b.data, "to lena: one\n\n    two\n\n\n    three\n");
    T_CHECK(strstr(b.data, " \n") == NULL);
    buf_release(&b);

    T_EQ_INT(encode(&b, "lena", "\nfirst", NULL, NULL), 0);
    T_EQ_STR(b.data, "to lena: \n    first\n");
    buf_release(&b);

    /* UTF-8 is copied as is. */
    T_EQ_INT(encode(&b, "lena",
                    "bl\xc3\xa5"
                    "b\xc3\xa6r \xe2\x80\x93 ja",
                    NULL, NULL),
             0);
    T_EQ_STR(b.data, "to lena: bl\xc3\xa5"
                     "b\xc3\xa6r \xe2\x80\x93 ja\n");
    buf_release(&b);

    /* Appends to what is there. */
    T_EQ_INT(encode(&b, "a", "1", NULL, NULL), 0);
    T_EQ_INT(console_codec_encode(&b, "b", "2", NULL, NULL), 0);
    T_EQ_STR(b.data, "to a: 1\nto b: 2\n");
    buf_release(&b);
}

T_TEST(test_encode_buttons)
{
    struct buf b;

    T_EQ_INT(encode(&b, "lena", "How was the week?", "Skip", "Snooze"), 0);
    T_EQ_STR(b.data, "to lena: How was the week?\n    [Skip] [Snooze]\n");
    buf_release(&b);

    T_EQ_INT(encode(&b, "lena", "One\ntwo", "Hopp over", "Utsett"), 0);
    T_EQ_STR(b.data, "to lena: One\n    two\n    [Hopp over] [Utsett]\n");
    buf_release(&b);

    /* Both labels or no button line. */
    T_EQ_INT(encode(&b, "lena", "hi", "Skip", NULL), 0);
    T_EQ_STR(b.data, "to lena: hi\n");
    buf_release(&b);
    T_EQ_INT(encode(&b, "lena", "hi", NULL, "Snooze"), 0);
    T_EQ_STR(b.data, "to lena: hi\n");
    buf_release(&b);
}

T_TEST(test_encode_cap)
{
    struct buf b;

    buf_init(&b, 10);
    T_EQ_INT(console_codec_encode(&b, "lena", "hi", NULL, NULL), ERR_INVAL);
    T_CHECK(b.len <= 10);
    buf_release(&b);

    /* The cap is reached in the text, in a continuation, or by buttons. */
    buf_init(&b, 20);
    T_EQ_INT(
        console_codec_encode(&b, "lena", "a long line of text", NULL, NULL),
        ERR_INVAL);
    T_CHECK(b.len <= 20);
    buf_release(&b);
    buf_init(&b, 20);
    T_EQ_INT(console_codec_encode(&b, "lena", "a\nb\nc\nd\ne\nf", NULL, NULL),
             ERR_INVAL);
    T_CHECK(b.len <= 20);
    buf_release(&b);
    buf_init(&b, 20);
    T_EQ_INT(console_codec_encode(&b, "lena", "hi", "Skip", "Snooze"),
             ERR_INVAL);
    T_CHECK(b.len <= 20);
    buf_release(&b);

    /* Exactly at the cap fits. */
    buf_init(&b, strlen("to lena: hi\n"));
    T_EQ_INT(console_codec_encode(&b, "lena", "hi", NULL, NULL), 0);
    T_EQ_STR(b.data, "to lena: hi\n");
    buf_release(&b);
}

T_TEST(test_round_trip)
{
    struct console_line l;
    struct buf b;
    char err[ERR_BUFSZ], text[256];

    /* What a person types back after "to lena: ..." decodes as lena's. */
    T_EQ_INT(decode("lena: Jeg tok et lite steg", &l, err), 0);
    T_EQ_INT(encode(&b, l.handle, text_of(&l, text, sizeof(text)), NULL, NULL),
             0);
    T_EQ_STR(b.data, "to lena: Jeg tok et lite steg\n");
    buf_release(&b);
}

T_MAIN(T_CASE(test_decode_plain), T_CASE(test_decode_whitespace),
       T_CASE(test_decode_buttons), T_CASE(test_decode_not_found),
       T_CASE(test_decode_invalid), T_CASE(test_decode_bytes),
       T_CASE(test_encode), T_CASE(test_encode_buttons),
       T_CASE(test_encode_cap), T_CASE(test_round_trip))
