"""Per-service limits and the translation of wasmtime's failures into the host's limit errors.

Memory is capped per module (wasmtime's `set_limits(memory_size)` caps each linear memory, and each
module has its own store); fuel and the wall-clock deadline are per call and shared along the chain
of module-to-module calls. wasmtime does not say that a trap followed a refused `memory.grow`, so,
like Marine's `HighProbabilityOOM`, a trap in a module whose memory is within `memory_slack` of its
cap (a quarter of it: the allocation that failed may have asked for that much) is reported as
`MemoryLimit`.
"""

from __future__ import annotations

import dataclasses

import wasmtime

from cloudless_runtime.marine import errors

MIB = 1024 * 1024
PAGE = 65536


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """What one service may use: bytes of linear memory per module, fuel and milliseconds per call."""

    memory_bytes: int = 64 * MIB
    fuel: int = 2_000_000_000
    timeout_ms: int = 5_000

    def __post_init__(self) -> None:
        if self.memory_bytes < PAGE or self.fuel < 1 or self.timeout_ms < 1:
            raise ValueError(f"limits must be positive and allow at least one memory page: {self}")

    def to_json(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def memory_slack(memory_bytes: int) -> int:
    """How close to its cap a trapping module must be for the trap to count as out-of-memory."""
    return max(PAGE, memory_bytes // 4)


def classify(
    failure: wasmtime.Trap | wasmtime.WasmtimeError, *, module: str, memory_used: int, limits: Limits
) -> errors.Trap:
    """The host error for a wasmtime trap or error raised while `module` ran."""
    code = failure.trap_code if isinstance(failure, wasmtime.Trap) else None
    text = failure.message if isinstance(failure, wasmtime.Trap) else str(failure)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = lines[-1] if lines else "trap"
    if code == wasmtime.TrapCode.OUT_OF_FUEL:
        return errors.OutOfFuel(f"{module}: out of fuel after {limits.fuel} units")
    if code == wasmtime.TrapCode.INTERRUPT:
        return errors.Timeout(f"{module}: call exceeded its {limits.timeout_ms} ms deadline")
    if memory_used + memory_slack(limits.memory_bytes) > limits.memory_bytes:
        return errors.MemoryLimit(
            f"{module}: memory limit of {limits.memory_bytes} bytes reached ({memory_used} in use): {message}"
        )
    return errors.Trap(f"{module}: {message}")
