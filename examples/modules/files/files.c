/* A module that uses WASI: files in its mapped /storage dir, its granted environment, stdout. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"

static char *path_of(char *name, size_t len) {
    static const char dir[] = "/storage/";
    char *path = malloc(sizeof(dir) + len);
    memcpy(path, dir, sizeof(dir) - 1);
    memcpy(path + sizeof(dir) - 1, name, len);
    path[sizeof(dir) - 1 + len] = 0;
    free(name);
    return path;
}

static mx_slice *fail_errno(const char *what) {
    char out[256];
    int n = snprintf(out, sizeof out, "%s: %s", what, strerror(errno));
    mx_error(out, (size_t)n);
    return mx_return(NULL, 0);
}

/* write_file(name, content) -> u32: bytes written to /storage/<name>. */
MX_EXPORT("write_file") uint32_t write_file(char *name, size_t name_len, char *content, size_t len) {
    char *path = path_of(name, name_len);
    FILE *f = fopen(path, "wb");
    free(path);
    size_t written = 0;
    if (f) {
        written = fwrite(content, 1, len, f);
        fclose(f);
    } else {
        fail_errno("open");
    }
    free(content);
    return (uint32_t)written;
}

/* read_file(name) -> string: the content of /storage/<name>. */
MX_EXPORT("read_file") mx_slice *read_file(char *name, size_t name_len) {
    char *path = path_of(name, name_len);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f) return fail_errno("open");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n > cap) {
            cap = (len + n) * 2;
            buf = realloc(buf, cap);
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    return mx_return_copy(buf, len);
}

/* read_path(path) -> string: any path the module asks for, to show what WASI lets it see. */
MX_EXPORT("read_path") mx_slice *read_path(char *path, size_t len) {
    char *p = malloc(len + 1);
    memcpy(p, path, len);
    p[len] = 0;
    free(path);
    FILE *f = fopen(p, "rb");
    free(p);
    if (!f) return fail_errno("open");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return mx_return_copy(buf, n);
}

/* env(name) -> string: the value of a granted environment variable, or "". */
MX_EXPORT("env") mx_slice *env(char *name, size_t len) {
    char *key = malloc(len + 1);
    memcpy(key, name, len);
    key[len] = 0;
    free(name);
    const char *value = getenv(key);
    free(key);
    return value ? mx_return_copy(value, strlen(value)) : mx_return(NULL, 0);
}

/* shout(text) -> u32: prints text on stdout and stderr, which the host captures into its log. */
MX_EXPORT("shout") uint32_t shout(char *text, size_t len) {
    fwrite(text, 1, len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    fprintf(stderr, "shouted %zu bytes\n", len);
    free(text);
    return (uint32_t)len;
}
