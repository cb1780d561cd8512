/* The greeting service in C: greeting(name: string) -> string. */
#include <stdlib.h>
#include <string.h>

#include "mx.h"

static const char PREFIX[] = "Hi, ";

MX_EXPORT("greeting") mx_slice *greeting(char *name, size_t len) {
    size_t prefix = sizeof(PREFIX) - 1;
    char *out = mx_alloc(prefix + len, 1);
    memcpy(out, PREFIX, prefix);
    if (len) memcpy(out + prefix, name, len);
    free(name); /* arguments belong to the callee */
    return mx_return(out, prefix + len);
}
