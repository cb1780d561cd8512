"""One live instance of one module: its own store, WASI context, memory cap and linked imports.

Each module gets its own `wasmtime.Store` because a store holds exactly one WASI context (modules of
a service must not see each other's dirs or env) and because the memory limit applies per store.
An instance that trapped, or was unwound by a failure below it, is marked `poisoned`: its heap may
be inconsistent, so the service replaces it before the next call. A failure the module reported
itself (`mx_host.error`) leaves it intact.
"""

from __future__ import annotations

import dataclasses
import pathlib
from collections.abc import Callable, Mapping, Sequence

import wasmtime

from cloudless_runtime.marine import abi, engine, errors, fastcall, interface, limits, linker, owned


@dataclasses.dataclass(frozen=True, slots=True)
class Loaded:
    """A compiled module ready to instantiate: its import name, hash and declared interface."""

    name: str
    hash: str
    compiled: wasmtime.Module
    interface: interface.Interface

    def initial_memory(self) -> int:
        for export in self.compiled.exports:
            if isinstance(export.type, wasmtime.MemoryType):
                return export.type.limits.min * limits.PAGE
        return 0


@dataclasses.dataclass(frozen=True, slots=True)
class Wasi:
    """The WASI grants of one module: environment pairs and (guest path, host dir) preopens."""

    envs: tuple[tuple[str, str], ...] = ()
    dirs: tuple[tuple[str, pathlib.Path], ...] = ()


class ModuleInstance(owned.Owned):
    """An instantiated module; call `invoke` with raw values, one call at a time."""

    def __init__(
        self,
        *,
        engine: engine.Engine,
        module: Loaded,
        wasi: Wasi,
        caps: limits.Limits,
        side: linker.Side,
        dependencies: Mapping[str, interface.Interface],
        output: Callable[[str, bytes], None],
        fast: bool,
    ) -> None:
        self._engine = engine
        self._module = module
        self._caps = caps
        self._error: str | None = None
        self._armed = -1
        self.poisoned = False
        if module.initial_memory() > caps.memory_bytes:
            raise errors.MemoryLimit(
                f"{module.name}: needs {module.initial_memory()} bytes of memory at start, "
                f"over its limit of {caps.memory_bytes}"
            )
        self._store = wasmtime.Store(engine.wasmtime)
        self._store.set_limits(memory_size=caps.memory_bytes)
        self._store.set_wasi(_wasi_config(module.name, wasi, output))
        link = wasmtime.Linker(engine.wasmtime)
        link.define_wasi()
        linker.define_host(link, peer=self, side=side)
        for dependency, declared in dependencies.items():
            for function in declared.functions:
                linker.define_dependency(link, peer=self, side=side, dependency=dependency, function=function)
        self._store.set_fuel(caps.fuel)
        engine.arm(self._store, engine.deadline(caps.timeout_ms))
        try:
            instance = link.instantiate(self._store, module.compiled)
            exports = instance.exports(self._store)
            memory = exports["memory"]
            assert isinstance(memory, wasmtime.Memory)
            self._funcs = {
                name: self._bind(exports[name], signature, fast=fast)
                for name, signature in [
                    *linker.ALLOCATOR.items(),
                    *((f.name, f.export_signature()) for f in module.interface.functions),
                ]
            }
            self._guest = abi.Guest(self._store, memory, alloc=self._funcs["mx_alloc"], free=self._funcs["mx_free"])
            initialize = exports.get("_initialize")
            if isinstance(initialize, wasmtime.Func):
                initialize(self._store)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            self._store.close()
            raise _failure(e, module=module.name, memory_used=0, caps=caps) from None

    def _bind(
        self,
        export: object,
        signature: tuple[tuple[interface.WasmType, ...], tuple[interface.WasmType, ...]],
        *,
        fast: bool,
    ) -> fastcall.Caller:
        assert isinstance(export, wasmtime.Func)
        return fastcall.bind(self._store, export, signature, fast=fast)

    @property
    def name(self) -> str:
        return self._module.name

    @property
    def guest(self) -> abi.Guest:
        return self._guest

    @property
    def memory_used(self) -> int:
        return self._guest.size()

    def fuel_left(self) -> int:
        return self._store.get_fuel()

    def set_fuel(self, fuel: int) -> None:
        self._store.set_fuel(fuel)

    def fail(self, message: str) -> None:
        self._error = message

    def invoke(
        self, function: interface.Function, raws: Sequence[abi.Raw], *, fuel: int, deadline: int
    ) -> tuple[abi.Raw | None, int]:
        """Calls `function` with its budget; returns (raw result, fuel left)."""
        self._check_open()
        self._store.set_fuel(fuel)
        if deadline != self._armed:
            # set_epoch_deadline costs more than the call itself; calls within one tick share a deadline.
            self._engine.arm(self._store, deadline)
            self._armed = deadline
        self._error = None
        try:
            flat = abi.flatten(function, raws, self._guest)
            out = self._funcs[function.name](*flat)
            result = abi.result_raw(function.result, out, self._guest)
        except errors.MarineError:
            self.poisoned = True
            raise
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            self.poisoned = True
            raise _failure(e, module=self.name, memory_used=self.memory_used, caps=self._caps) from None
        if self._error is not None:
            raise errors.ModuleError(f"{self.name}: {self._error}")
        return result, self._store.get_fuel()

    def _release(self) -> None:
        self._funcs.clear()
        self._store.close()


def _failure(
    failure: wasmtime.Trap | wasmtime.WasmtimeError, *, module: str, memory_used: int, caps: limits.Limits
) -> errors.MarineError:
    """A trap or exit as its limit error; any other wasmtime error (at instantiation) as a `LinkError`."""
    if isinstance(failure, wasmtime.Trap | wasmtime.ExitTrap) or memory_used:
        return limits.classify(failure, module=module, memory_used=memory_used, limits=caps)
    return errors.LinkError(f"{module}: {failure}")


def _wasi_config(name: str, wasi: Wasi, output: Callable[[str, bytes], None]) -> wasmtime.WasiConfig:
    config = wasmtime.WasiConfig()
    config.argv = [name]
    config.env = [list(pair) for pair in wasi.envs]
    for guest, host in wasi.dirs:
        host.mkdir(parents=True, exist_ok=True)
        config.preopen_dir(str(host), guest)
    config.stdout_custom = lambda data: output("stdout", data)
    config.stderr_custom = lambda data: output("stderr", data)
    return config
