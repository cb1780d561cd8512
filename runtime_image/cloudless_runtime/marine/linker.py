"""What a module may import and how the host satisfies it: WASI, `mx_host`, and other modules.

A module of a service sees exactly three import namespaces: `wasi_snapshot_preview1` (with only the
grants its service was given), `mx_host` (logging, call parameters, errors, effectors) and the
import names of the modules before it in its blueprint. Every import is checked against its
declared type before instantiation, so a mismatch is a `LinkError` naming the import rather than a
trap later. Module-to-module calls go through a host adapter that copies values between the two
linear memories (modules share nothing), and passes the call's fuel and deadline along.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import wasmtime

from cloudless_runtime.marine import abi, errors, interface

WASI = "wasi_snapshot_preview1"
HOST = "mx_host"

_I32: tuple[interface.WasmType, ...] = ("i32",)
HOST_IMPORTS: Mapping[str, tuple[tuple[interface.WasmType, ...], tuple[interface.WasmType, ...]]] = {
    "log": (("i32", "i32", "i32"), ()),
    "error": (("i32", "i32"), ()),
    "call_parameters": (_I32, ()),
    "effector": (("i32", "i32", "i32", "i32", "i32"), ()),
}
"""mx_host functions and their flat (params, results); see docs/abi.md."""

ALLOCATOR: Mapping[str, tuple[tuple[interface.WasmType, ...], tuple[interface.WasmType, ...]]] = {
    "mx_alloc": (("i32", "i32"), _I32),
    "mx_free": (("i32", "i32", "i32"), ()),
}


class Peer(Protocol):
    """A module instance as its imports see it."""

    @property
    def name(self) -> str: ...

    @property
    def guest(self) -> abi.Guest: ...

    def fuel_left(self) -> int: ...

    def set_fuel(self, fuel: int) -> None: ...

    def fail(self, message: str) -> None: ...

    def invoke(
        self, function: interface.Function, raws: Sequence[abi.Raw], *, fuel: int, deadline: int
    ) -> tuple[abi.Raw | None, int]: ...


class Side(Protocol):
    """What an instance's imports need from the service that runs it."""

    def call_parameters(self) -> bytes: ...

    def deadline(self) -> int: ...

    def dependency(self, name: str) -> Peer: ...

    def log(self, module: str, level: int, message: str) -> None: ...

    def effector(self, module: str, name: str, args: bytes) -> bytes: ...


def _signature(ty: wasmtime.FuncType) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(str(p) for p in ty.params), tuple(str(r) for r in ty.results)


def functype(params: Sequence[str], results: Sequence[str]) -> wasmtime.FuncType:
    kinds = {"i32": wasmtime.ValType.i32, "i64": wasmtime.ValType.i64, "f32": wasmtime.ValType.f32}
    kinds["f64"] = wasmtime.ValType.f64
    return wasmtime.FuncType([kinds[p]() for p in params], [kinds[r]() for r in results])


def check_exports(module: wasmtime.Module, declared: interface.Interface) -> None:
    """Raises `errors.InvalidModule` unless the module exports memory, the allocator pair and every
    declared function with exactly its declared flat type."""
    exports = {e.name: e.type for e in module.exports}
    if not isinstance(exports.get("memory"), wasmtime.MemoryType):
        raise errors.InvalidModule("module must export its linear memory as 'memory'")
    wanted = dict(ALLOCATOR) | {f.name: f.export_signature() for f in declared.functions}
    for name, signature in wanted.items():
        ty = exports.get(name)
        if not isinstance(ty, wasmtime.FuncType):
            raise errors.InvalidModule(f"module declares {name!r} but does not export it as a function")
        if _signature(ty) != signature:
            raise errors.InvalidModule(f"export {name!r} has type {_signature(ty)}, its declaration needs {signature}")


def check_imports(module: wasmtime.Module, *, name: str, dependencies: Mapping[str, interface.Interface]) -> None:
    """Raises `errors.LinkError` for any import the service cannot satisfy with the declared type."""
    for imp in module.imports:
        where = f"{name} imports {imp.module}.{imp.name}"
        if imp.module == WASI:
            continue
        if not isinstance(imp.type, wasmtime.FuncType):
            raise errors.LinkError(f"{where}: only functions may be imported")
        if imp.module == HOST:
            expected = HOST_IMPORTS.get(imp.name or "")
            if expected is None:
                raise errors.LinkError(f"{where}: mx_host has no such function")
        elif imp.module in dependencies:
            function = dependencies[imp.module].get(imp.name or "")
            if function is None:
                raise errors.LinkError(f"{where}: module {imp.module!r} does not declare it")
            expected = function.import_signature()
        else:
            raise errors.LinkError(f"{where}: no module named {imp.module!r} comes before {name!r} in the blueprint")
        if _signature(imp.type) != expected:
            raise errors.LinkError(f"{where}: type {_signature(imp.type)} does not match {expected}")


def define_host(linker: wasmtime.Linker, *, peer: Peer, side: Side) -> None:
    """Defines the `mx_host` functions for one instance."""

    def log(level: int, ptr: int, length: int) -> None:
        side.log(peer.name, level, peer.guest.read(ptr & 0xFFFFFFFF, length & 0xFFFFFFFF).decode("utf-8", "replace"))

    def error(ptr: int, length: int) -> None:
        peer.fail(peer.guest.read(ptr & 0xFFFFFFFF, length & 0xFFFFFFFF).decode("utf-8", "replace"))

    def call_parameters(retptr: int) -> None:
        guest = peer.guest
        guest.set_slice(retptr, *guest.put(side.call_parameters()))

    def effector(name_ptr: int, name_len: int, args_ptr: int, args_len: int, retptr: int) -> None:
        guest = peer.guest
        name = guest.read(name_ptr & 0xFFFFFFFF, name_len & 0xFFFFFFFF).decode("utf-8", "replace")
        result = side.effector(peer.name, name, guest.read(args_ptr & 0xFFFFFFFF, args_len & 0xFFFFFFFF))
        guest.set_slice(retptr, *guest.put(result))

    for fn_name, fn in (("log", log), ("error", error), ("call_parameters", call_parameters), ("effector", effector)):
        linker.define_func(HOST, fn_name, functype(*HOST_IMPORTS[fn_name]), fn)


def define_dependency(
    linker: wasmtime.Linker, *, peer: Peer, side: Side, dependency: str, function: interface.Function
) -> None:
    """Defines `dependency.function` for `peer` as an adapter into the dependency's current instance.

    The caller's slice arguments are borrowed (copied, never freed); a slice result is allocated with
    the caller's `mx_alloc` and written to its retptr, so the caller owns it.
    """
    params, results = function.import_signature()
    slice_result = function.result in interface.SLICES
    count = len(params) - 1 if slice_result else len(params)

    def adapter(*flat: abi.Flat) -> abi.Flat | None:
        guest = peer.guest
        raws = abi.unflatten_args(function, flat[:count], guest)
        callee = side.dependency(dependency)
        result, fuel = callee.invoke(function, raws, fuel=peer.fuel_left(), deadline=side.deadline())
        peer.set_fuel(fuel)
        if slice_result:
            assert isinstance(result, bytes)
            guest.set_slice(int(flat[-1]), *guest.put(result))
            return None
        return None if result is None else abi.signed(function.result, result)

    linker.define_func(dependency, function.name, functype(params, results), adapter)
