"""The content-addressed module store: wasm bytes kept on disk under their sha256, with an import name.

A module is accepted only if it compiles and follows the MX ABI (its `mx-interface` section matches
its exports), so a blueprint never has to discover a bad module at service creation. The import
name is fixed when the module is added, as in Marine (other modules import it by that name);
adding the same bytes again under another name is refused rather than silently renaming it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pathlib
import re

import orjson
import wasmtime

from cloudless_runtime.marine import engine, errors, instance, interface, linker

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")
RESERVED = frozenset({linker.WASI, linker.HOST})


@dataclasses.dataclass(frozen=True, slots=True)
class ModuleRecord:
    """What the store knows about one module without compiling it."""

    hash: str
    name: str
    interface: interface.Interface


def module_hash(wasm: bytes) -> str:
    return hashlib.sha256(wasm).hexdigest()


class ModuleStore:
    """Modules under `root` as `{sha256}.wasm` plus `{sha256}.json` ({"name": ...})."""

    def __init__(self, root: pathlib.Path, *, engine: engine.Engine) -> None:
        self._root = root
        self._engine = engine
        root.mkdir(parents=True, exist_ok=True)
        self._records: dict[str, ModuleRecord] = {}
        for meta in sorted(root.glob("*.json")):
            digest = meta.stem
            wasm = root / f"{digest}.wasm"
            if wasm.exists():
                name = orjson.loads(meta.read_bytes())["name"]
                self._records[digest] = ModuleRecord(digest, name, interface.Interface.from_wasm(wasm.read_bytes()))

    def add(self, wasm: bytes, *, name: str) -> str:
        """Stores a module under its sha256 (hex) and returns that hash; idempotent for the same name."""
        if not NAME.match(name) or name in RESERVED:
            raise errors.InvalidModule(
                f"bad module name {name!r}: use letters, digits, '_' or '-', not {sorted(RESERVED)}"
            )
        digest = module_hash(wasm)
        known = self._records.get(digest)
        if known is not None:
            if known.name != name:
                raise errors.InvalidModule(f"module {digest} is already stored as {known.name!r}")
            return digest
        declared = interface.Interface.from_wasm(wasm)
        try:
            compiled = self._engine.compile(digest, wasm)
        except wasmtime.WasmtimeError as e:
            raise errors.InvalidModule(f"module does not compile: {e}") from None
        linker.check_exports(compiled, declared)
        _write(self._root / f"{digest}.wasm", wasm)
        _write(self._root / f"{digest}.json", orjson.dumps({"name": name}))
        self._records[digest] = ModuleRecord(digest, name, declared)
        return digest

    def get(self, digest: str) -> ModuleRecord:
        record = self._records.get(digest)
        if record is None:
            raise errors.NotFound(f"no module with hash {digest!r}")
        return record

    def list(self) -> list[ModuleRecord]:
        return list(self._records.values())

    def load(self, digest: str) -> instance.Loaded:
        """The compiled module, ready to instantiate."""
        record = self.get(digest)
        compiled = self._engine.compile(digest, (self._root / f"{digest}.wasm").read_bytes())
        return instance.Loaded(name=record.name, hash=digest, compiled=compiled, interface=record.interface)


def _write(path: pathlib.Path, data: bytes) -> None:
    """Writes through a temporary file, so a crash never leaves a half-written module or record."""
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
