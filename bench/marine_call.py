"""Per-call cost of the Marine host: a string round trip through the facade vs a bare wasmtime call.

The reference is the same `greeting` export of the same C module driven with wasmtime-py's public
API only (mx_alloc, Memory.write, call, Memory.read, mx_free), measured in the same run; the printed
ratios are host / reference (the issue's goal: <= 1.5). Run with `python -m bench.marine_call`.
"""

from __future__ import annotations

import argparse
import functools
import pathlib
import struct
import tempfile
import time
from collections.abc import Callable

import wasmtime

from cloudless_runtime import identity, marine

MODULE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "modules" / "build" / "greeting_c.wasm"


def bare_call(wasm: bytes) -> Callable[[], str]:
    """greeting("Fiona") through wasmtime-py's public API, no host around it."""
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store.set_wasi(wasmtime.WasiConfig())
    instance = linker.instantiate(store, wasmtime.Module(engine, wasm))
    exports = instance.exports(store)
    memory, alloc, free, greeting = exports["memory"], exports["mx_alloc"], exports["mx_free"], exports["greeting"]
    assert isinstance(memory, wasmtime.Memory)
    assert isinstance(alloc, wasmtime.Func) and isinstance(free, wasmtime.Func) and isinstance(greeting, wasmtime.Func)
    initialize = exports.get("_initialize")
    if isinstance(initialize, wasmtime.Func):
        initialize(store)
    name = b"Fiona"

    def call() -> str:
        ptr = alloc(store, len(name), 1)
        memory.write(store, name, ptr)
        area = greeting(store, ptr, len(name))
        out_ptr, out_len = struct.unpack("<II", memory.read(store, area, area + 8))
        out = memory.read(store, out_ptr, out_ptr + out_len).decode()
        free(store, out_ptr, out_len, 1)
        return out

    return call


def per_call_us(call: Callable[[], object], *, calls: int, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not MODULE.exists():
        raise SystemExit(f"{MODULE} is missing: run `make modules` first")
    wasm = MODULE.read_bytes()
    bare = bare_call(wasm)
    assert bare() == "Hi, Fiona"
    reference = per_call_us(bare, calls=args.calls, runs=args.runs)
    print(f"bare wasmtime public API   {reference:7.2f} us/call  (reference)")
    with tempfile.TemporaryDirectory() as state:
        for fast in (True, False):
            with marine.Host(pathlib.Path(state) / str(fast), keys=identity.KeyPair.generate(), fast=fast) as host:
                digest = host.add_module(wasm, name="greeting")
                sid = host.create_service(host.add_blueprint("greeting", [digest]))
                svc = host.service(sid)
                assert svc.call("greeting", ["Fiona"]).value == "Hi, Fiona"
                label = "fast" if fast else "public"
                facade = per_call_us(
                    functools.partial(svc.call, "greeting", ["Fiona"]), calls=args.calls, runs=args.runs
                )
                signed = per_call_us(
                    functools.partial(host.call, sid, "greeting", ["Fiona"]), calls=args.calls // 4, runs=args.runs
                )
                print(
                    f"facade call ({label:6})      {facade:7.2f} us/call  ratio {facade / reference:5.2f}  "
                    f"{1e6 / facade:9.0f} calls/s"
                )
                print(
                    f"  + signed receipt ({label:6}) {signed:7.2f} us/call  ratio {signed / reference:5.2f}  "
                    f"{1e6 / signed:9.0f} calls/s"
                )


if __name__ == "__main__":
    main()
