"""Reading a builtin's arguments the way nox does (`particle-args`): positional, each with a name
used in the error, typed like serde would read it. A wrong or missing argument is a
`BuiltinError` whose message is nox's, so a script's `:error:.$.message` reads the same here as
on a Fluence peer: "Field 'x' is missing from args to call_service", "Error while deserializing
field 'x': invalid type: string \"a\", expected i64".
"""

from __future__ import annotations

from typing import Any, TypeAlias

import orjson

JValue: TypeAlias = Any
"""A JSON value (see `air.interface.JValue`)."""

I64 = (-(2**63), 2**63 - 1)
U32 = (0, 2**32 - 1)


class BuiltinError(Exception):
    """A builtin refused its arguments or failed; the message goes back to the script."""


def field(args: list[JValue], index: int, name: str) -> JValue:
    if index >= len(args):
        raise BuiltinError(f"Field '{name}' is missing from args to call_service")
    return args[index]


def optional(args: list[JValue], index: int, name: str) -> JValue:
    """An optional argument: absent, null or an Aqua option (`[]` / `[v]`) all read as None / v."""
    if index >= len(args) or args[index] is None:
        return None
    value = args[index]
    if isinstance(value, list):
        if len(value) > 1:
            raise BuiltinError(f"Option's array must contain at most 1 element, '{name}' was of {len(value)} elements")
        return value[0] if value else None
    return value


def invalid(name: str, value: JValue, expected: str) -> BuiltinError:
    return BuiltinError(
        f"Error while deserializing field '{name}': invalid type: {_describe(value)}, expected {expected}"
    )


def integer(value: JValue, name: str, bounds: tuple[int, int] = I64, kind: str = "i64") -> int:
    if isinstance(value, float) and value.is_integer() and kind == "i64":
        value = int(value)  # serde_json reads 2.0 as f64; Aqua sends whole numbers as integers anyway
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(name, value, kind)
    if not bounds[0] <= value <= bounds[1]:
        raise BuiltinError(
            f"Error while deserializing field '{name}': invalid value: integer `{value}`, expected {kind}"
        )
    return value


def number(value: JValue, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(name, value, "f64")
    return float(value)


def string(value: JValue, name: str) -> str:
    if not isinstance(value, str):
        raise invalid(name, value, "a string")
    return value


def string_field(args: list[JValue], index: int, name: str) -> str:
    """The string argument at `index`, named `name` in the errors."""
    return string(field(args, index, name), name)


def boolean(value: JValue, name: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(name, value, "a boolean")
    return value


def array(value: JValue, name: str) -> list[JValue]:
    if not isinstance(value, list):
        raise invalid(name, value, "a sequence")
    return value


def strings(value: JValue, name: str) -> list[str]:
    return [string(item, name) for item in array(value, name)]


def integers(value: JValue, name: str) -> list[int]:
    return [integer(item, name) for item in array(value, name)]


def object_(value: JValue, name: str) -> dict[str, JValue]:
    if not isinstance(value, dict):
        raise invalid(name, value, "a map")
    return value


def byte_array(value: JValue, name: str) -> bytes:
    """A []u8 argument: a JSON array of integers 0..255."""
    return bytes(integer(b, name, (0, 255), "u8") for b in array(value, name))


def _describe(value: JValue) -> str:
    """serde's words for what it found instead."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f"string {orjson.dumps(value).decode()}"
    return "sequence" if isinstance(value, list) else "map"
