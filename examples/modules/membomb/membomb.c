/* A memory bomb: it allocates and touches memory until the allocator fails, then aborts, the
 * way most programs react to out-of-memory. */
#include <stdlib.h>
#include <string.h>

#include "mx.h"

/* Every block is chained here, so the compiler cannot prove the allocations dead and drop them. */
static void **hoard;

/* bomb(chunk: u32) -> u32: never returns normally once memory is capped. */
MX_EXPORT("bomb") uint32_t bomb(uint32_t chunk) {
    uint32_t chunks = 0;
    if (chunk < sizeof(void *)) chunk = sizeof(void *);
    for (;;) {
        void **p = malloc(chunk);
        if (!p) abort();
        memset(p, 0xAB, chunk);
        *p = hoard;
        hoard = p;
        chunks++;
    }
    return chunks;
}

/* take(bytes: u32) -> u32: allocates and keeps one block, to show the limit still admits work. */
MX_EXPORT("take") uint32_t take(uint32_t bytes) {
    char *p = malloc(bytes);
    if (!p) return 0;
    memset(p, 1, bytes);
    return bytes;
}
