/* A module that misbehaves on request, for the limit and recovery tests: it spins forever,
 * traps, or counts calls in a global (so a recreated instance is visible as a reset counter). */
#include "mx.h"

static uint32_t calls;

/* spin() -> u32: never returns; only fuel or a deadline stops it. */
MX_EXPORT("spin") uint32_t spin(void) {
    volatile uint32_t x = 0;
    for (;;) x++;
    return x;
}

/* crash() -> u32: executes an unreachable instruction. */
MX_EXPORT("crash") uint32_t crash(void) { __builtin_trap(); }

/* count() -> u32: how many times this instance has been called. */
MX_EXPORT("count") uint32_t count(void) { return ++calls; }

/* burn(n: u32) -> u64: a bounded loop whose fuel cost grows with n. */
MX_EXPORT("burn") uint64_t burn(uint32_t n) {
    volatile uint64_t acc = 0;
    for (uint32_t i = 0; i < n; i++) acc += i;
    return acc;
}
