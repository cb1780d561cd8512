"""Applying lenses (`.$.a.[0]`, `.$.[x]`) and `.length` to scalars, canon streams and canon maps.

Errors are catchable (10007 for lens errors, 10010 for `.length` of a non-array) with AquaVM's
messages; an undefined scalar used as an accessor is an ordinary join.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudless_runtime.air.execution import errors
from cloudless_runtime.air.execution.errors import json_text
from cloudless_runtime.air.execution.values import CanonMap, Value, map_key
from cloudless_runtime.air.syntax import ast

ScalarLookup = Callable[[str], Any]
"""Reads a scalar's JSON value by name (raises VariableNotFound to join)."""


def _index(value: Any, idx: int) -> Any:
    if not isinstance(value, list):
        raise errors.lambda_error(
            f"value '{json_text(value)}' is not an array-type to match array accessor with idx = '{idx}'"
        )
    if idx >= len(value):
        raise errors.lambda_error(f"value '{json_text(value)}' does not contain element for idx = '{idx}'")
    return value[idx]


def _field(value: Any, name: str) -> Any:
    if not isinstance(value, dict):
        raise errors.lambda_error(
            f"value '{json_text(value)}' is not an map-type to match field accessor with field_name = '{name}'"
        )
    if name not in value:
        raise errors.lambda_error(f"value '{json_text(value)}' does not contain element with field name = '{name}'")
    return value[name]


def _as_u32(number: Any) -> int:
    if isinstance(number, int) and not isinstance(number, bool) and 0 <= number <= 0xFFFFFFFF:
        return number
    raise errors.lambda_error(f"index accessor `{json_text(number)} can't be converted to u32`")


def apply_path(value: Any, accessors: tuple[ast.Accessor, ...], lookup: ScalarLookup) -> Any:
    for accessor in accessors:
        if isinstance(accessor, ast.FieldAccessor):
            value = _field(value, accessor.name)
        elif isinstance(accessor, ast.IndexAccessor):
            value = _index(value, accessor.index)
        else:
            key = lookup(accessor.name)
            if isinstance(key, str):
                value = _field(value, key)
            elif isinstance(key, (int, float)) and not isinstance(key, bool):
                value = _index(value, _as_u32(key))
            else:
                raise errors.lambda_error(f"scalar accessor `{json_text(key)}` should has number or string type")
    return value


def apply_to_scalar(value: Any, lens: ast.Lambda, lookup: ScalarLookup) -> Any:
    if isinstance(lens, ast.Length):
        if not isinstance(value, list):
            raise errors.CatchableError(
                errors.LENGTH_OF_NON_ARRAY,
                "the length functor could applied only to an array-like value, "
                f"but it's applied to '{json_text(value)}'",
            )
        return len(value)
    return apply_path(value, lens.accessors, lookup)


def stream_index(lens: ast.Lens, size: int, lookup: ScalarLookup) -> int:
    """The element a lens picks from a canon stream: its first accessor must be an index."""
    first = lens.accessors[0]
    if isinstance(first, ast.FieldAccessor):
        raise errors.lambda_error(f"field accessor (with field name = '{first.name}') can't be applied to a stream")
    if isinstance(first, ast.IndexAccessor):
        idx = first.index
    else:
        key = lookup(first.name)
        if not isinstance(key, (int, float)) or isinstance(key, bool):
            raise errors.lambda_error(f"stream accessor `{json_text(key)}` should has number (u32) type")
        idx = _as_u32(key)
    if idx >= size:
        raise errors.lambda_error(
            f"lambda is applied to a stream that have only '{size}' elements, but '{idx}' requested"
        )
    return idx


def canon_map_key(lens: ast.Lens, lookup: ScalarLookup, is_iterator: Callable[[str], bool]) -> str:
    """The key a lens selects from a canon map, as the map's string key."""
    first = lens.accessors[0]
    if isinstance(first, ast.IndexAccessor):
        return str(first.index)
    if isinstance(first, ast.FieldAccessor):
        return first.name
    if is_iterator(first.name):
        raise errors.lambda_error("canon stream map accessor must not be iterable")
    key = map_key(lookup(first.name))
    if key is None:
        raise errors.lambda_error(
            f"canon stream map accessor `{json_text(lookup(first.name))}` should be either string or number"
        )
    return str(key)


def canon_map_values(canon: CanonMap, key: str) -> list[Value]:
    return canon.by_key.get(key, [])
