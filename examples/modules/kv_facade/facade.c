/* The facade of the two-module key-value service. It imports the "storage" module: imported
 * functions borrow their arguments and write string results to a caller-provided retptr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"

MX_IMPORT("storage", "put") uint32_t storage_put(const char *key, size_t key_len, const char *value, size_t value_len);
MX_IMPORT("storage", "get") void storage_get(const char *key, size_t key_len, mx_slice *retptr);

/* set(key, value) -> string: stores through the storage module and says how many keys it holds. */
MX_EXPORT("set") mx_slice *set(char *key, size_t key_len, char *value, size_t value_len) {
    uint32_t count = storage_put(key, key_len, value, value_len);
    free(key);
    free(value);
    char out[64];
    int n = snprintf(out, sizeof out, "stored, %u keys", (unsigned)count);
    return mx_return_copy(out, (size_t)n);
}

/* get(key) -> string: what the storage module holds for key. */
MX_EXPORT("get") mx_slice *get(char *key, size_t key_len) {
    mx_slice value;
    storage_get(key, key_len, &value);
    free(key);
    return mx_return((void *)(uintptr_t)value.ptr, value.len);
}

/* whoami() -> json: the call parameters exactly as the host gave them. */
MX_EXPORT("whoami") mx_slice *whoami(void) {
    mx_slice params;
    mx_call_parameters(&params.ptr);
    return mx_return((void *)(uintptr_t)params.ptr, params.len);
}

/* fail(message) -> string: reports message as a structured error instead of a result. */
MX_EXPORT("fail") mx_slice *fail(char *message, size_t len) {
    mx_log(MX_WARN, message, len);
    mx_error(message, len);
    free(message);
    return mx_return(NULL, 0);
}
