/* The allocator pair and the return area every MX module exports (docs/abi.md). */
#include <stdlib.h>
#include <string.h>

#include "mx.h"

static mx_slice mx_return_area;

MX_EXPORT("mx_alloc") void *mx_alloc(size_t size, size_t align) {
    (void)align; /* malloc's 16-byte alignment covers every MX type */
    return malloc(size ? size : 1);
}

MX_EXPORT("mx_free") void mx_free(void *ptr, size_t size, size_t align) {
    (void)size;
    (void)align;
    free(ptr);
}

mx_slice *mx_return(void *ptr, size_t len) {
    mx_return_area.ptr = (uint32_t)(uintptr_t)ptr;
    mx_return_area.len = (uint32_t)len;
    return &mx_return_area;
}

mx_slice *mx_return_copy(const void *ptr, size_t len) {
    void *copy = mx_alloc(len, 1);
    if (len) memcpy(copy, ptr, len);
    return mx_return(copy, len);
}
