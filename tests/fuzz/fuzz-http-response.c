/*
 * fuzz-http-response.c - outbound response handling: arbitrary header
 * blocks and bodies through http_response_decode and header lookups.
 *
 * Input: one byte picks the status, then headers, "\r\n\r\n", body.
 */
#include "http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *
find_blank_line(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        if (memcmp(p + i, "\r\n\r\n", 4) == 0)
            return p + i;
    }
    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"Content-Type", "Retry-After",
                                        "X-Slack-Retry-Num", "", "a"};
    struct http_response res;
    char *hdrs, *body, out[64];
    const uint8_t *sep;
    size_t hlen;
    long status;

    if (size < 1)
        return 0;
    status = 100 + data[0] * 2;
    data++;
    size--;
    sep = find_blank_line(data, size);
    hlen = sep != NULL ? (size_t)(sep - data) : size;
    hdrs = malloc(hlen + 1);
    memcpy(hdrs, data, hlen);
    hdrs[hlen] = '\0';
    body = NULL;
    if (sep != NULL) {
        size_t blen = size - hlen - 4;

        body = malloc(blen + 1);
        memcpy(body, sep + 4, blen);
        body[blen] = '\0';
        http_response_decode(&res, 0, status, hdrs, body, blen);
        if (res.body_len != blen)
            abort();
    } else {
        http_response_decode(&res, 0, status, hdrs, NULL, 0);
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (http_header(&res, names[i], out, sizeof(out)) == 0 &&
            strlen(out) >= sizeof(out))
            abort();
    }
    json_decref(res.json);
    free(hdrs);
    free(body);
    return 0;
}
