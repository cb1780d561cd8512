"""How JSON values look after a trip through JavaScript, where the oracle harness lives.

Outcomes, call results and the "No service found" message are all produced by `JSON.stringify` in
the real harness, so comparing with it byte for byte needs the same printing: no spaces, one number
type (`1.0` prints as `1`, `1e21` as `1e+21`, `1e-7` as `1e-7`), integer-like object keys first in
numeric order, non-finite numbers as `null`.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudless_runtime.air.interface import JValue

_MAX_ARRAY_INDEX = 2**32 - 2


def stringify(value: JValue) -> str:
    """`JSON.stringify(value)`."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def truthy(value: JValue) -> bool:
    """JavaScript truthiness: unlike Python's, an empty array or object is true."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float | str):
        return bool(value) and not (isinstance(value, float) and math.isnan(value))
    return True


def sort_key(text: str) -> bytes:
    """Array.prototype.sort's default order: UTF-16 code units, not code points."""
    return text.encode("utf-16-be", "surrogatepass")


def is_number(value: JValue) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_name(value: JValue) -> str:
    """The `typeof` distinction the harness compares on, with null and arrays told apart."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _write(value: JValue, out: list[str]) -> None:
    if value is None or value is True or value is False:
        out.append(json.dumps(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(object_keys(value)):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"not a JSON value: {type(value).__name__}")


def _string(text: str) -> str:
    # Well-formed JSON.stringify escapes lone surrogates, which Python strings may hold.
    return "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in json.dumps(text, ensure_ascii=False))


def object_keys(obj: dict[str, JValue]) -> list[str]:
    """`Object.keys`: own property order: array-index keys ascending, then the rest in insertion order."""
    indices = sorted((k for k in obj if _is_array_index(k)), key=int)
    return indices + [k for k in obj if not _is_array_index(k)]


def _is_array_index(key: str) -> bool:
    return key.isascii() and key.isdigit() and str(int(key)) == key and int(key) <= _MAX_ARRAY_INDEX


def _number(x: float) -> str:
    """`Number.prototype.toString()`: the shortest round-trip digits (as `repr`), laid out as ECMA-262
    lays them out."""
    if not math.isfinite(x):
        return "null"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    significant = (whole + fraction).lstrip("0")
    # abs(x) == 0.<digits> * 10**point
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len(significant))
    digits = significant.rstrip("0")
    k = len(digits)
    if k <= point <= 21:  # below 1e21: plain digits, padded with zeros
        text = digits + "0" * (point - k)
    elif 0 < point <= 21:
        text = f"{digits[:point]}.{digits[point:]}"
    elif -6 < point <= 0:  # down to 1e-6
        text = "0." + "0" * -point + digits
    else:
        e = point - 1
        text = f"{digits[0]}{'.' + digits[1:] if k > 1 else ''}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text
