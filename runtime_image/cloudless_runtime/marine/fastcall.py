"""Calling wasm exports from Python: a cached-signature fast path and the public fallback.

wasmtime-py's public `Func.__call__` re-reads the function type and boxes every value on each call
(~20 µs). `FastFunc` keeps the signature, a reused raw-value buffer and the store context, and calls
`wasmtime_func_call_unchecked` (~2 µs). Unchecked is safe only because `linker.check_exports` has
already compared the export's real type with its declared one. The fast path uses wasmtime-py's
private `_ffi`, so it is enabled only on the pinned major version; anything else gets `SlowFunc`.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import os
from collections.abc import Callable, Sequence

import wasmtime
from wasmtime import _ffi as ffi
from wasmtime import _func

from cloudless_runtime.marine import interface

PINNED_MAJOR = 50
"""wasmtime-py major version whose private FFI the fast path was written against (pyproject pins 50.0.1)."""

DISABLE_ENV = "CLOUDLESS_MARINE_SLOW_CALLS"
"""Set to 1 to force the public call path, e.g. to compare both in a benchmark or while debugging."""

Flat = int | float
Caller = Callable[..., Flat | None]


def fast_path_available() -> bool:
    """Whether this wasmtime build is the one the fast path was written for."""
    try:
        major = int(importlib.metadata.version("wasmtime").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return False
    return major == PINNED_MAJOR and hasattr(ffi, "wasmtime_func_call_unchecked")


FAST_DEFAULT = fast_path_available() and os.environ.get(DISABLE_ENV, "") in ("", "0")


class FastFunc:
    """An export called through `wasmtime_func_call_unchecked` with a reused argument buffer."""

    __slots__ = ("_buffer", "_context", "_fields", "_func", "_length", "_result", "_store")

    def __init__(self, store: wasmtime.Store, func: wasmtime.Func, signature: tuple[Sequence[str], Sequence[str]]):
        params, results = signature
        self._store = store
        self._context = store._context()
        self._func = ctypes.byref(func._func)
        self._length = max(len(params), len(results), 1)
        self._buffer = (ffi.wasmtime_val_raw_t * self._length)()
        self._fields = tuple(params)
        self._result = results[0] if results else None

    def __call__(self, *args: Flat) -> Flat | None:
        buffer = self._buffer
        for i, field in enumerate(self._fields):
            setattr(buffer[i], field, args[i])
        trap = ctypes.POINTER(ffi.wasm_trap_t)()
        error = ffi.wasmtime_func_call_unchecked(self._context, self._func, buffer, self._length, ctypes.byref(trap))
        if trap:
            trapped = wasmtime.Trap._from_ptr(trap)
            _func.maybe_raise_last_exn()
            raise trapped
        if error:
            failure = wasmtime.WasmtimeError._from_ptr(error)
            _func.maybe_raise_last_exn()
            raise failure
        if self._result is None:
            return None
        value: Flat = getattr(buffer[0], self._result)
        return value


class SlowFunc:
    """The same call through wasmtime-py's public API: slower, but independent of its internals."""

    __slots__ = ("_func", "_store")

    def __init__(self, store: wasmtime.Store, func: wasmtime.Func) -> None:
        self._store = store
        self._func = func

    def __call__(self, *args: Flat) -> Flat | None:
        result = self._func(self._store, *args)
        assert result is None or isinstance(result, int | float)
        return result


def bind(
    store: wasmtime.Store,
    func: wasmtime.Func,
    signature: tuple[Sequence[interface.WasmType], Sequence[interface.WasmType]],
    *,
    fast: bool,
) -> Caller:
    """A caller for `func` whose type was already checked to equal `signature`."""
    return FastFunc(store, func, signature) if fast else SlowFunc(store, func)
