/* The storage half of the two-module key-value service: an in-memory table, linked by the
 * import name "storage". Its callers are other modules, never the host directly. */
#include <stdlib.h>
#include <string.h>

#include "mx.h"

#define CAPACITY 256

typedef struct {
    char *key;
    size_t key_len;
    char *value;
    size_t value_len;
} entry;

static entry table[CAPACITY];
static uint32_t used;

static entry *find(const char *key, size_t len) {
    for (uint32_t i = 0; i < used; i++)
        if (table[i].key_len == len && memcmp(table[i].key, key, len) == 0) return &table[i];
    return NULL;
}

/* put(key, value) -> u32: the number of keys stored afterwards. */
MX_EXPORT("put") uint32_t put(char *key, size_t key_len, char *value, size_t value_len) {
    entry *e = find(key, key_len);
    if (e) {
        free(key);
        free(e->value);
    } else if (used == CAPACITY) {
        free(key);
        free(value);
        static const char full[] = "storage is full";
        mx_error(full, sizeof(full) - 1);
        return used;
    } else {
        e = &table[used++];
        e->key = key;
        e->key_len = key_len;
    }
    e->value = value;
    e->value_len = value_len;
    return used;
}

/* get(key) -> string: the stored value, or "" when the key is absent. */
MX_EXPORT("get") mx_slice *get(char *key, size_t key_len) {
    entry *e = find(key, key_len);
    free(key);
    return e ? mx_return_copy(e->value, e->value_len) : mx_return(NULL, 0);
}
