"""js-client's conversion between the values people pass and Aqua's AIR encoding, driven by the
compiler's signature: an option is `[]` or `[v]` in AIR and `null` or `v` outside, through
arrays and structure fields. So `--arg name=json` takes the JSON a TypeScript caller would pass
and the printed result is what js-client would return.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JValue = Any
Type = Mapping[str, Any]


class BadArgument(ValueError):
    """An argument does not fit the function's signature; the message names it."""


def arguments(signature: Mapping[str, Any], values: Mapping[str, JValue]) -> dict[str, JValue]:
    """The AIR values of a function's arguments, by name; every declared argument is required."""
    fields: Mapping[str, Type] = signature["arrow"]["domain"].get("fields", {})
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise BadArgument(
            f"{signature['functionName']} has no argument {', '.join(unknown)} (it takes {_list(fields)})"
        )
    converted = {}
    for name, kind in fields.items():
        if kind.get("tag") == "arrow":
            raise BadArgument(f"argument {name} is a callback; functions with callbacks run from js-client only")
        if name not in values and kind.get("tag") != "option":
            raise BadArgument(f"missing --arg {name}=JSON ({describe(kind)})")
        converted[name] = to_air(values.get(name), kind, name)
    return converted


def result(signature: Mapping[str, Any], values: list[JValue]) -> JValue:
    """What js-client returns: nothing is null, one value itself, several an array."""
    items: list[Type] = signature["arrow"]["codomain"].get("items", [])
    converted = [from_air(v, t) for v, t in zip(values, items, strict=False)]
    if not converted:
        return None
    return converted[0] if len(converted) == 1 else converted


def to_air(value: JValue, kind: Type, where: str) -> JValue:
    tag = kind.get("tag")
    if tag == "option":
        return [] if value is None else [to_air(value, kind["type"], where)]
    if tag in ("array", "stream"):
        if not isinstance(value, list):
            raise BadArgument(f"{where}: expected an array ({describe(kind)})")
        return [to_air(v, kind["type"], f"{where}[{i}]") for i, v in enumerate(value)]
    if tag == "struct":
        if not isinstance(value, dict):
            raise BadArgument(f"{where}: expected an object ({describe(kind)})")
        return {f: to_air(value.get(f), t, f"{where}.{f}") for f, t in kind["fields"].items()}
    return value


def from_air(value: JValue, kind: Type) -> JValue:
    tag = kind.get("tag")
    if tag == "option":
        return from_air(value[0], kind["type"]) if isinstance(value, list) and value else None
    if tag in ("array", "stream") and isinstance(value, list):
        return [from_air(v, kind["type"]) for v in value]
    if tag == "struct" and isinstance(value, dict):
        return {f: from_air(value.get(f), t) for f, t in kind["fields"].items()}
    return value


def describe(kind: Type) -> str:
    """Aqua's spelling of a type: `?string`, `[]u32`, `Point`."""
    tag = kind.get("tag")
    if tag == "option":
        return f"?{describe(kind['type'])}"
    if tag == "array":
        return f"[]{describe(kind['type'])}"
    if tag == "stream":
        return f"*{describe(kind['type'])}"
    return str(kind.get("name", tag))


def _list(fields: Mapping[str, Type]) -> str:
    return ", ".join(f"{n}: {describe(t)}" for n, t in fields.items()) or "no arguments"
