"""The MX ABI's value conversions: JSON values <-> raw values <-> flat wasm values in guest memory.

Three shapes of one value: *JSON* (what crosses the host boundary: `str` for string, a list of ints
for bytes, any JSON for json), *raw* (`int`, `float`, or `bytes` holding the UTF-8 / byte / JSON
payload; what module-to-module adapters pass along without re-parsing) and *flat* (the wasm values
of docs/abi.md, where a slice is (ptr, len) in the module's memory). `Guest` does the memory side:
copying into memory allocated with the module's own `mx_alloc`, and out of its return area.
"""

from __future__ import annotations

import ctypes
import math
import struct
from collections.abc import Callable, Sequence
from typing import TypeAlias

import orjson
import wasmtime

from cloudless_runtime.marine import errors, interface

Json: TypeAlias = "bool | int | float | str | list[Json] | dict[str, Json] | None"
Raw: TypeAlias = int | float | bytes
Flat: TypeAlias = int | float

_SLICE = struct.Struct("<II")
_RANGES = {"i32": (-(2**31), 2**31), "u32": (0, 2**32), "i64": (-(2**63), 2**63), "u64": (0, 2**64)}


class Guest:
    """One module instance's linear memory and allocator, as the host uses them."""

    __slots__ = ("_alloc", "_free", "_memory", "_store")

    def __init__(
        self,
        store: wasmtime.Store,
        memory: wasmtime.Memory,
        *,
        alloc: Callable[..., Flat | None],
        free: Callable[..., Flat | None],
    ) -> None:
        self._store = store
        self._memory = memory
        self._alloc = alloc
        self._free = free

    def size(self) -> int:
        return self._memory.data_len(self._store)

    def _address(self, ptr: int, length: int) -> int:
        """The host address of [ptr, ptr+length), re-read each time because memory moves on growth."""
        if ptr < 0 or ptr + length > self._memory.data_len(self._store):
            raise errors.Trap(f"module gave an out-of-bounds slice ({ptr}, {length})")
        base = ctypes.cast(self._memory.data_ptr(self._store), ctypes.c_void_p).value or 0
        return base + ptr

    def read(self, ptr: int, length: int) -> bytes:
        return ctypes.string_at(self._address(ptr, length), length) if length else b""

    def write(self, ptr: int, data: bytes) -> None:
        if data:
            ctypes.memmove(self._address(ptr, len(data)), data, len(data))

    def put(self, data: bytes) -> tuple[int, int]:
        """Copies `data` into a buffer from the module's `mx_alloc`; the module then owns it."""
        if not data:
            return 0, 0
        ptr = int(self._alloc(len(data), 1) or 0) & 0xFFFFFFFF
        if ptr == 0:
            raise errors.MemoryLimit(f"mx_alloc({len(data)}) returned 0: the module is out of memory")
        self.write(ptr, data)
        return ptr, len(data)

    def take(self, area: int) -> bytes:
        """Reads the (ptr, len) in a return area, copies the bytes out and frees them with `mx_free`."""
        ptr, length = _SLICE.unpack(self.read(area & 0xFFFFFFFF, 8))
        data = self.read(ptr, length)
        if length:
            self._free(ptr, length, 1)
        return data

    def set_slice(self, retptr: int, ptr: int, length: int) -> None:
        """Writes (ptr, len) at a caller-provided retptr, as an import's slice result."""
        self.write(retptr & 0xFFFFFFFF, _SLICE.pack(ptr, length))


def from_json(function: interface.Function, args: Sequence[Json]) -> list[Raw]:
    """Checks JSON call arguments against the declared parameters and converts them to raw values."""
    if len(args) != len(function.params):
        raise errors.BadArguments(f"{function.name} takes {len(function.params)} arguments, got {len(args)}")
    return [
        _to_raw(value_type, arg, f"{function.name}({name})")
        for (name, value_type), arg in zip(function.params, args, strict=True)
    ]


def _to_raw(value_type: interface.ValueType, value: Json, where: str) -> Raw:
    match value_type:
        case "string":
            if not isinstance(value, str):
                raise errors.BadArguments(f"{where}: expected a string, got {type(value).__name__}")
            return value.encode()
        case "bytes":
            if not isinstance(value, list) or not all(isinstance(b, int) and 0 <= b < 256 for b in value):
                raise errors.BadArguments(f"{where}: expected bytes as a list of integers 0..255")
            return bytes(value)  # type: ignore[arg-type]  # checked element by element above
        case "json":
            return orjson.dumps(value)
        case "bool":
            if not isinstance(value, bool):
                raise errors.BadArguments(f"{where}: expected a boolean")
            return int(value)
        case "f32" | "f64":
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise errors.BadArguments(f"{where}: expected a finite number")
            return float(value)
        case _:
            low, high = _RANGES[value_type]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value < high:
                raise errors.BadArguments(f"{where}: expected an integer in [{low}, {high})")
            return value


def flatten(function: interface.Function, raws: Sequence[Raw], guest: Guest) -> list[Flat]:
    """The flat wasm arguments for `raws`, copying slices into the module (which then owns them)."""
    flat: list[Flat] = []
    for (_, value_type), raw in zip(function.params, raws, strict=True):
        if isinstance(raw, bytes):
            flat.extend(guest.put(raw))
        else:
            flat.append(signed(value_type, raw))
    return flat


def signed(value_type: interface.ValueType | None, raw: Raw) -> Flat:
    """The wasm value of a scalar: unsigned integers travel as the same bits in a signed value."""
    if value_type in ("u32", "u64") and isinstance(raw, int):
        bits = 32 if value_type == "u32" else 64
        return raw - (1 << bits) if raw >= 1 << (bits - 1) else raw
    assert isinstance(raw, int | float)
    return raw


def unflatten_args(function: interface.Function, flat: Sequence[Flat], guest: Guest) -> list[Raw]:
    """Raw values of an import's flat arguments; slices are borrowed from the caller, so only copied."""
    raws: list[Raw] = []
    pos = 0
    for _, value_type in function.params:
        if value_type in interface.SLICES:
            raws.append(guest.read(int(flat[pos]) & 0xFFFFFFFF, int(flat[pos + 1]) & 0xFFFFFFFF))
            pos += 2
        else:
            raws.append(_unsigned(value_type, flat[pos]))
            pos += 1
    return raws


def result_raw(value_type: interface.ValueType | None, flat: Flat | None, guest: Guest) -> Raw | None:
    """The raw result of an export call; a slice result is copied out and freed in the module."""
    if value_type is None or flat is None:
        return None
    if value_type in interface.SLICES:
        return guest.take(int(flat))
    return _unsigned(value_type, flat)


def _unsigned(value_type: interface.ValueType, flat: Flat) -> Raw:
    if value_type == "u32":
        return int(flat) & 0xFFFFFFFF
    if value_type == "u64":
        return int(flat) & 0xFFFFFFFFFFFFFFFF
    return flat


def to_json(value_type: interface.ValueType | None, raw: Raw | None) -> Json:
    """The JSON form of a raw result; a function without a result gives "" as Marine's unit does."""
    match value_type:
        case None:
            return ""
        case "string":
            assert isinstance(raw, bytes)
            return raw.decode("utf-8", "replace")
        case "bytes":
            assert isinstance(raw, bytes)
            return list(raw)
        case "json":
            assert isinstance(raw, bytes)
            try:
                parsed: Json = orjson.loads(raw)
            except orjson.JSONDecodeError as e:
                raise errors.ModuleError(f"module returned invalid JSON: {e}") from None
            return parsed
        case "bool":
            return bool(raw)
        case _:
            assert isinstance(raw, int | float)
            return raw
