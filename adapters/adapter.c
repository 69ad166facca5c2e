/*
 * adapter.c - the table of platforms and adapter instances.
 */
#include "adapter.h"

#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

static const struct adapter_ops *const adapter_all[] = {
    &console_adapter_ops,
    &matrix_adapter_ops,
    &slack_adapter_ops,
    &teams_adapter_ops,
};

const struct adapter_ops *
adapter_find(const char *name)
{
    for (size_t i = 0; i < sizeof(adapter_all) / sizeof(adapter_all[0]); i++) {
        if (strcmp(adapter_all[i]->name, name) == 0)
            return adapter_all[i];
    }
    return NULL;
}

struct adapter *
adapter_new(const struct adapter_ops *ops, uv_loop_t *loop,
            const struct adapter_host *host)
{
    struct adapter *a = xcalloc(1, sizeof(*a));

    a->ops = ops;
    a->loop = loop;
    a->host = *host;
    return a;
}

void
adapter_free(struct adapter *a)
{
    free(a);
}

void
adapter_up(struct adapter *a)
{
    if (a->host.up != NULL)
        a->host.up(a, a->host.arg);
}
