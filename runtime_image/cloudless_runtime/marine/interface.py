"""A module's declared interface: the `mx-interface` custom section of the MX ABI (docs/abi.md).

The section is JSON, `{"abi": "mx/1", "functions": [{"name", "params": [[name, type]], "results":
[type]}]}`. This module parses it and says how each declared type is flattened to wasm values, for
exports (called by the host) and for imports (called by another module through the host). It does
not touch wasmtime; `linker` checks the real export and import types against these flat forms.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal, get_args

import orjson

from cloudless_runtime.marine import errors, sections

SECTION = "mx-interface"
ABI = "mx/1"

ValueType = Literal["i32", "i64", "f32", "f64", "u32", "u64", "bool", "string", "bytes", "json"]
WasmType = Literal["i32", "i64", "f32", "f64"]

VALUE_TYPES: frozenset[str] = frozenset(get_args(ValueType))
SLICES: frozenset[str] = frozenset({"string", "bytes", "json"})
"""Types that travel as (ptr, len) in linear memory rather than as wasm values."""

_FLAT: Mapping[str, WasmType] = {
    "i32": "i32",
    "u32": "i32",
    "bool": "i32",
    "i64": "i64",
    "u64": "i64",
    "f32": "f32",
    "f64": "f64",
}


def flat(value_type: ValueType) -> tuple[WasmType, ...]:
    """The wasm values one parameter of `value_type` becomes."""
    return ("i32", "i32") if value_type in SLICES else (_FLAT[value_type],)


@dataclasses.dataclass(frozen=True, slots=True)
class Function:
    """One exported function: its name, named parameters and zero or one result."""

    name: str
    params: tuple[tuple[str, ValueType], ...]
    results: tuple[ValueType, ...]

    @property
    def result(self) -> ValueType | None:
        return self.results[0] if self.results else None

    def export_signature(self) -> tuple[tuple[WasmType, ...], tuple[WasmType, ...]]:
        """Flat (params, results) of the export: a slice result comes back as a return-area pointer."""
        params = tuple(t for _, value_type in self.params for t in flat(value_type))
        result = self.result
        if result is None:
            return params, ()
        return params, ("i32",) if result in SLICES else flat(result)

    def import_signature(self) -> tuple[tuple[WasmType, ...], tuple[WasmType, ...]]:
        """Flat (params, results) of an import of this function: a slice result goes to a trailing retptr."""
        params, results = self.export_signature()
        if self.result in SLICES:
            return (*params, "i32"), ()
        return params, results

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "params": [list(p) for p in self.params], "results": list(self.results)}


@dataclasses.dataclass(frozen=True, slots=True)
class Interface:
    """All functions a module declares, in declaration order."""

    functions: tuple[Function, ...]

    def get(self, name: str) -> Function | None:
        return next((f for f in self.functions if f.name == name), None)

    def to_json(self) -> bytes:
        return orjson.dumps({"abi": ABI, "functions": [f.to_json() for f in self.functions]})

    @classmethod
    def from_json(cls, raw: bytes | str) -> Interface:
        """Parses and checks an interface document; raises `errors.InvalidModule` with the reason."""
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as e:
            raise errors.InvalidModule(f"{SECTION} is not JSON: {e}") from None
        if not isinstance(doc, dict) or doc.get("abi") != ABI:
            raise errors.InvalidModule(f"{SECTION} must be an object with abi {ABI!r}")
        functions = doc.get("functions")
        if not isinstance(functions, list):
            raise errors.InvalidModule(f"{SECTION} needs a functions list")
        parsed = tuple(_function(f) for f in functions)
        names = [f.name for f in parsed]
        if len(set(names)) != len(names):
            raise errors.InvalidModule(f"{SECTION} declares a function twice")
        return cls(parsed)

    @classmethod
    def from_wasm(cls, wasm: bytes) -> Interface:
        """The interface embedded in a module; raises `errors.InvalidModule` when it has none."""
        try:
            raw = sections.custom_section(wasm, SECTION)
        except sections.MalformedWasm as e:
            raise errors.InvalidModule(str(e)) from None
        if raw is None:
            raise errors.InvalidModule(f"module has no {SECTION} custom section (see docs/abi.md)")
        return cls.from_json(raw)


def _value_type(raw: object, where: str) -> ValueType:
    if not isinstance(raw, str) or raw not in VALUE_TYPES:
        raise errors.InvalidModule(f"{where}: unknown type {raw!r}; expected one of {sorted(VALUE_TYPES)}")
    return raw  # type: ignore[return-value]  # checked against VALUE_TYPES just above


def _function(raw: object) -> Function:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise errors.InvalidModule(f"{SECTION}: every function needs a name")
    name: str = raw["name"]
    params_raw = raw.get("params", [])
    results_raw = raw.get("results", [])
    if not isinstance(params_raw, list) or not isinstance(results_raw, list) or len(results_raw) > 1:
        raise errors.InvalidModule(f"{name}: params must be a list and results a list of at most one type")
    params: list[tuple[str, ValueType]] = []
    for param in params_raw:
        if not (isinstance(param, list) and len(param) == 2 and isinstance(param[0], str)):
            raise errors.InvalidModule(f"{name}: each param is [name, type]")
        params.append((param[0], _value_type(param[1], f"{name}.{param[0]}")))
    results = tuple(_value_type(r, f"{name} result") for r in results_raw)
    return Function(name=name, params=tuple(params), results=results)
