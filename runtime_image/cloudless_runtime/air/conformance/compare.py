"""`--check`: an outcome against a vector's `expect`, as the oracle's lib/compare.mjs does it.

Only the keys `expect` holds are compared, objects without regard to key order, numbers by value
(`1` and `1.0` are one JavaScript number). Beyond the oracle's rule of never comparing `ms`, two
things are left out because they are not AIR semantics: `final_data_bytes` (our data format is not
AquaVM's) and the text of peer errors' `message` (only their `ret_code`s must agree).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from cloudless_runtime.air.conformance.javascript import sort_key, stringify, type_name

if TYPE_CHECKING:
    from cloudless_runtime.air.interface import JValue

IGNORED_KEYS = frozenset({"ms", "final_data_bytes"})
DIFF_LIMIT = 20
_SHOWN_CHARS = 300


def compare_outcome(expect: Mapping[str, JValue], got: Mapping[str, JValue], limit: int = DIFF_LIMIT) -> list[str]:
    """Human-readable differences (at most about `limit`), empty when the outcome matches."""
    out: list[str] = []
    for key in sorted(expect, key=sort_key):
        if key in IGNORED_KEYS:
            continue
        if key not in got:
            out.append(f"{key}: missing in outcome")
        elif key == "errors":
            _diff(_without_messages(expect[key]), _without_messages(got[key]), key, out, limit)
        else:
            _diff(expect[key], got[key], key, out, limit)
        if len(out) >= limit:
            break
    return out


def _without_messages(errors: JValue) -> JValue:
    """`errors` with each entry's free-text `message` dropped (anything not shaped like errors is
    kept as it is, so a malformed expectation still shows up as a difference)."""
    if not isinstance(errors, dict):
        return errors
    return {
        peer: [
            {k: v for k, v in entry.items() if k != "message"} if isinstance(entry, dict) else entry
            for entry in entries
        ]
        if isinstance(entries, list)
        else entries
        for peer, entries in errors.items()
    }


def _diff(exp: JValue, got: JValue, path: str, out: list[str], limit: int) -> None:
    if len(out) >= limit:
        return
    kind = type_name(exp)
    if kind != type_name(got):
        out.append(f"{path}: expected {stringify(exp)}, got {stringify(got)}")
    elif kind == "array":
        _diff_arrays(exp, got, path, out, limit)
    elif kind == "object":
        for key in sorted(exp.keys() | got.keys(), key=sort_key):
            if len(out) >= limit:
                return
            at = f"{path}.{key}"
            if key not in exp:
                out.append(f"{at}: unexpected {_short(got[key])}")
            elif key not in got:
                out.append(f"{at}: missing (expected {_short(exp[key])})")
            else:
                _diff(exp[key], got[key], at, out, limit)
    elif exp != got:
        out.append(f"{path}: expected {stringify(exp)}, got {stringify(got)}")


def _diff_arrays(exp: list[JValue], got: list[JValue], path: str, out: list[str], limit: int) -> None:
    if len(exp) != len(got):
        out.append(f"{path}: expected length {len(exp)}, got {len(got)}")
    common = min(len(exp), len(got))
    for i in range(common):
        if len(out) >= limit:
            return
        _diff(exp[i], got[i], f"{path}[{i}]", out, limit)
    if len(exp) != len(got) and len(out) < limit:
        missing = len(exp) > len(got)
        extra = exp[common:] if missing else got[common:]
        out.append(f"{path}: {'missing' if missing else 'unexpected'} {_short(extra)}")


def _short(value: JValue) -> str:
    return stringify(value)[:_SHOWN_CHARS]
