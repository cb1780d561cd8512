"""The shared wasmtime engine: its configuration, the epoch ticker behind deadlines, compiled modules.

One engine serves every service of a host. Fuel metering and epoch interruption are both on: fuel is
deterministic (receipts record it), epochs bound wall-clock time even inside long host calls. A
daemon thread bumps the epoch every `TICK_MS`; a deadline is an absolute epoch number. Compiled
modules are cached in memory and, serialized, on disk (only artifacts this host wrote itself are
ever deserialized, since deserialization trusts its input).
"""

from __future__ import annotations

import importlib.metadata
import pathlib
import threading

import wasmtime

from cloudless_runtime.marine import owned

TICK_MS = 10


class Engine(owned.Owned):
    """A configured wasmtime engine with its epoch ticker and compile cache."""

    def __init__(self, *, cache_dir: pathlib.Path | None = None) -> None:
        config = wasmtime.Config()
        config.consume_fuel = True
        config.epoch_interruption = True
        config.cranelift_nan_canonicalization = True
        self.wasmtime = wasmtime.Engine(config)
        self._epoch = 0
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="marine-epoch", daemon=True)
        self._ticker.start()
        self._compiled: dict[str, wasmtime.Module] = {}
        self._cache_dir = cache_dir
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_MS / 1000):
            self.wasmtime.increment_epoch()
            self._epoch += 1

    @property
    def epoch(self) -> int:
        """Ticks so far; a lower bound of the engine's epoch (the ticker bumps it first)."""
        return self._epoch

    def deadline(self, timeout_ms: int) -> int:
        """The absolute epoch after which a call started now must stop."""
        return self._epoch + -(-timeout_ms // TICK_MS) + 1

    def arm(self, store: wasmtime.Store, deadline: int) -> None:
        """Sets `store` to trap once the engine's epoch passes `deadline`."""
        store.set_epoch_deadline(max(deadline - self._epoch, 1))

    def compile(self, module_hash: str, wasm: bytes) -> wasmtime.Module:
        """The compiled module for `wasm` (whose sha256 is `module_hash`), from cache when possible."""
        self._check_open()
        with self._lock:
            module = self._compiled.get(module_hash)
            if module is None:
                module = self._load_or_compile(module_hash, wasm)
                self._compiled[module_hash] = module
            return module

    def _load_or_compile(self, module_hash: str, wasm: bytes) -> wasmtime.Module:
        artifact = self._artifact(module_hash)
        if artifact is not None and artifact.exists():
            try:
                return wasmtime.Module.deserialize_file(self.wasmtime, str(artifact))
            except wasmtime.WasmtimeError:
                artifact.unlink(missing_ok=True)
        module = wasmtime.Module(self.wasmtime, wasm)
        if artifact is not None:
            partial = artifact.with_suffix(".partial")
            partial.write_bytes(module.serialize())
            partial.replace(artifact)
        return module

    def _artifact(self, module_hash: str) -> pathlib.Path | None:
        if self._cache_dir is None:
            return None
        version = importlib.metadata.version("wasmtime")
        return self._cache_dir / f"{module_hash}.wasmtime-{version}.cwasm"

    def _release(self) -> None:
        self._stop.set()
        self._ticker.join()
        self._compiled.clear()
