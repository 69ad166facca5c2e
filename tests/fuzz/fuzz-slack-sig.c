/*
 * fuzz-slack-sig.c - libFuzzer target for slack_sig_verify().
 *
 * The input is "TIMESTAMP\nSIGNATURE\nBODY" as an attacker would send
 * them.  Any bytes must be refused or accepted without reading past the
 * body, with a message on refusal; an accepted request must stop being
 * accepted when one byte of its body changes.
 */
#include "slack-sig.h"

#include "err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char secret[] = "8f742231b10e8888abcd99yyyzzz85a5";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char ts[64], sig[160], err[ERR_BUFSZ];
    const uint8_t *nl1 = memchr(data, '\n', size), *nl2;
    size_t tlen, slen, blen;
    char *body;
    int rc;

    if (nl1 == NULL)
        return 0;
    nl2 = memchr(nl1 + 1, '\n', size - (size_t)(nl1 + 1 - data));
    if (nl2 == NULL)
        return 0;
    tlen = (size_t)(nl1 - data);
    slen = (size_t)(nl2 - nl1 - 1);
    if (tlen >= sizeof(ts) || slen >= sizeof(sig))
        return 0;
    memcpy(ts, data, tlen);
    ts[tlen] = '\0';
    memcpy(sig, nl1 + 1, slen);
    sig[slen] = '\0';
    blen = size - (size_t)(nl2 + 1 - data);
    body = malloc(blen + 1); /* exact size: ASan catches a read past it */
    if (body == NULL)
        return 0;
    memcpy(body, nl2 + 1, blen);
    err[0] = '\0';
    rc = slack_sig_verify(secret, ts, sig, body, blen, 1531420621, err);
    if (rc != 0 && (rc != ERR_DENIED || err[0] == '\0'))
        abort();
    if (rc == 0 && blen > 0) {
        body[0] ^= 1;
        if (slack_sig_verify(secret, ts, sig, body, blen, 1531420621, err) == 0)
            abort();
    }
    free(body);
    return 0;
}
