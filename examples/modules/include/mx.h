/* MX ABI v1 for C and C++ modules (see docs/abi.md): the allocator pair, the return area and the
 * host imports. Link mx.c into the module; it defines mx_alloc/mx_free and the return area. */
#ifndef MX_H
#define MX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MX_EXPORT(name) __attribute__((export_name(name)))
#define MX_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

/* Log levels, as in Marine: 1 error, 2 warn, 3 info, 4 debug, 5 trace. */
enum { MX_ERROR = 1, MX_WARN = 2, MX_INFO = 3, MX_DEBUG = 4, MX_TRACE = 5 };

MX_IMPORT("mx_host", "log") void mx_log(int32_t level, const char *ptr, size_t len);
MX_IMPORT("mx_host", "error") void mx_error(const char *ptr, size_t len);
/* Writes (ptr, len) of the call parameters' JSON at retptr; the buffer is ours to free. */
MX_IMPORT("mx_host", "call_parameters") void mx_call_parameters(uint32_t *retptr);

/* A string, bytes or json result: the host reads (ptr, len) from the returned area, then frees ptr. */
typedef struct { uint32_t ptr; uint32_t len; } mx_slice;

void *mx_alloc(size_t size, size_t align);
void mx_free(void *ptr, size_t size, size_t align);

/* Fills the module's static return area with (ptr, len) and returns its address. */
mx_slice *mx_return(void *ptr, size_t len);
/* Copies len bytes into a fresh buffer and returns it through the return area. */
mx_slice *mx_return_copy(const void *ptr, size_t len);

#ifdef __cplusplus
}
#endif

#endif
