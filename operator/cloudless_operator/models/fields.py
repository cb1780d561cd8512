"""Readers for one field of a parsed JSON body, each raising MalformedBody with the field's path.

The views use these instead of indexing, so a malformed body says `spec.targetWorkers: expected an
integer, got '3'` rather than a KeyError or a TypeError three calls later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cloudless_operator.models import errors

_MISSING = object()


def _get(body: Mapping[str, object], key: str, *, path: str, required: bool) -> object:
    value = body.get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise errors.MalformedBody(f"{path}.{key}", "required but missing")
        return _MISSING
    return value


def mapping(body: Mapping[str, object], key: str, *, path: str, required: bool = True) -> Mapping[str, object]:
    """The object at `key` ({} when optional and absent)."""
    value = _get(body, key, path=path, required=required)
    if value is _MISSING:
        return {}
    if not isinstance(value, Mapping):
        raise errors.MalformedBody(f"{path}.{key}", f"expected an object, got {value!r}")
    return value


def string(body: Mapping[str, object], key: str, *, path: str, default: str | None = None) -> str:
    """The non-empty string at `key`; required unless a default is given."""
    value = _get(body, key, path=path, required=default is None)
    if value is _MISSING:
        assert default is not None
        return default
    if not isinstance(value, str) or not value:
        raise errors.MalformedBody(f"{path}.{key}", f"expected a non-empty string, got {value!r}")
    return value


def optional_string(body: Mapping[str, object], key: str, *, path: str) -> str | None:
    """The string at `key`, or None when absent."""
    value = _get(body, key, path=path, required=False)
    if value is _MISSING:
        return None
    if not isinstance(value, str):
        raise errors.MalformedBody(f"{path}.{key}", f"expected a string, got {value!r}")
    return value


def integer(body: Mapping[str, object], key: str, *, path: str, minimum: int = 0, default: int | None = None) -> int:
    """The integer at `key` (not a bool, at least `minimum`); required unless a default is given."""
    value = _get(body, key, path=path, required=default is None)
    if value is _MISSING:
        assert default is not None
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.MalformedBody(f"{path}.{key}", f"expected an integer, got {value!r}")
    if value < minimum:
        raise errors.MalformedBody(f"{path}.{key}", f"must be at least {minimum}, got {value}")
    return value


def optional_integer(body: Mapping[str, object], key: str, *, path: str, minimum: int = 0) -> int | None:
    """The integer at `key`, or None when absent."""
    if _get(body, key, path=path, required=False) is _MISSING:
        return None
    return integer(body, key, path=path, minimum=minimum)


def boolean(body: Mapping[str, object], key: str, *, path: str, default: bool) -> bool:
    value = _get(body, key, path=path, required=False)
    if value is _MISSING:
        return default
    if not isinstance(value, bool):
        raise errors.MalformedBody(f"{path}.{key}", f"expected true or false, got {value!r}")
    return value


def objects(body: Mapping[str, object], key: str, *, path: str, required: bool = True) -> list[Mapping[str, object]]:
    """The list of objects at `key` ([] when optional and absent)."""
    value = _get(body, key, path=path, required=required)
    if value is _MISSING:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise errors.MalformedBody(f"{path}.{key}", f"expected a list, got {value!r}")
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise errors.MalformedBody(f"{path}.{key}[{index}]", f"expected an object, got {item!r}")
    return list(value)


def strings(body: Mapping[str, object], key: str, *, path: str) -> tuple[str, ...]:
    """The list of strings at `key` (() when absent)."""
    value = _get(body, key, path=path, required=False)
    if value is _MISSING:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise errors.MalformedBody(f"{path}.{key}", f"expected a list of strings, got {value!r}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise errors.MalformedBody(f"{path}.{key}[{index}]", f"expected a string, got {item!r}")
    return tuple(value)
