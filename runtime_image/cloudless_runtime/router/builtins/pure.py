"""The builtins that need nothing but their arguments: `op`, `math`, `cmp`, `array`, `json` and
`debug`, with aqua-lib's names (`builtin.aqua`, `math.aqua`) and nox's results and errors.

They matter because the Aqua compiler emits them itself: `a + b` becomes `math.add`, `a > b`
`cmp.gt`, array literals and stream joins `op` calls, all on whichever peer runs that line, the
client included. So the same table serves every router and the init peer (`client.local`).
Integers are i64 with nox's overflow errors ("i64 add overflow"); set operations return sorted
arrays so every peer computes the same value.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

import base58
import orjson

from cloudless_runtime.router.builtins.args import (
    I64,
    U32,
    BuiltinError,
    JValue,
    array,
    byte_array,
    field,
    integer,
    integers,
    number,
    object_,
    optional,
    string,
    strings,
)

Handler = Callable[[list[JValue]], JValue]


def _i64(value: int, operation: str) -> int:
    if not I64[0] <= value <= I64[1]:
        raise BuiltinError(f"i64 {operation} overflow")
    return value


def _binary(handler: Callable[[int, int], JValue]) -> Handler:
    return lambda args: handler(integer(field(args, 0, "x"), "x"), integer(field(args, 1, "y"), "y"))


def _truncated(x: int, y: int) -> int:
    """Rust's integer division: toward zero."""
    quotient = abs(x) // abs(y)
    return quotient if (x >= 0) == (y >= 0) else -quotient


def _div(x: int, y: int) -> int:
    if y == 0:
        raise BuiltinError("i64 div overflow")
    return _i64(_truncated(x, y), "div")


def _rem(x: int, y: int) -> int:
    if y == 0 or (x, y) == (I64[0], -1):
        raise BuiltinError("i64 rem overflow")
    return x - y * _truncated(x, y)


def _pow(args: list[JValue]) -> int:
    x = integer(field(args, 0, "x"), "x")
    y = integer(field(args, 1, "y"), "y", U32, "u32")
    if abs(x) > 1 and y > 64:
        raise BuiltinError("i64 pow overflow")
    return _i64(x**y, "pow")


def _log(x: int, y: int) -> int:
    """Rust's checked_ilog: the floor of log base x of y, for y > 0 and x >= 2."""
    if y <= 0 or x < 2:
        raise BuiltinError("i64 log overflow")
    result = 0
    while y >= x:
        y //= x
        result += 1
    return result


def _fmul(args: list[JValue]) -> int:
    product = number(field(args, 0, "x"), "x") * number(field(args, 1, "y"), "y")
    if math.isnan(product):
        return 0
    return int(max(min(math.floor(product) if math.isfinite(product) else product, I64[1]), I64[0]))


def _identity(args: list[JValue]) -> JValue:
    if len(args) > 1:
        raise BuiltinError(f"identity accepts up to 1 arguments, received {len(args)} arguments")
    return args[0] if args else ""


def _concat(args: list[JValue]) -> JValue:
    flat: list[JValue] = []
    for index, arg in enumerate(args):
        if not isinstance(arg, list):
            raise BuiltinError(f"all arguments of 'concat' must be arrays: argument #{index} is not")
        flat.extend(arg)
    return flat


def _concat_strings(args: list[JValue]) -> JValue:
    for index, arg in enumerate(args):
        if not isinstance(arg, str):
            raise BuiltinError(f"all arguments of 'concat_strings' must be strings: argument #{index} is not")
    return "".join(args)


def _array_length(args: list[JValue]) -> JValue:
    if len(args) != 1:
        raise BuiltinError(f"op array_length accepts exactly 1 argument: {len(args)} found")
    if not isinstance(args[0], list):
        raise BuiltinError("op array_length's argument must be an array")
    return len(args[0])


def _b58decode(value: str) -> bytes:
    try:
        return bytes(base58.b58decode(value))
    except ValueError as e:
        raise BuiltinError(f"error decoding base58: {e}") from None


def _string_from_b58(args: list[JValue]) -> str:
    decoded = _b58decode(string(field(args, 0, "b58_string"), "b58_string"))
    try:
        return decoded.decode()
    except UnicodeDecodeError as e:
        raise BuiltinError(f"error decoding UTF8: {e}") from None


def _sha256_string(args: list[JValue]) -> JValue:
    """SHA-256 as a multihash (0x12 0x20 + digest) in base58, or the digest only, or as bytes."""
    digest = hashlib.sha256(string(field(args, 0, "string"), "string").encode()).digest()
    result = digest if optional(args, 1, "digest_only") is True else b"\x12\x20" + digest
    return list(result) if optional(args, 2, "as_bytes") is True else base58.b58encode(result).decode()


def _slice(args: list[JValue]) -> JValue:
    items = array(field(args, 0, "array"), "array")
    start = integer(field(args, 1, "from"), "from", (0, 2**64 - 1), "usize")
    end = integer(field(args, 2, "to"), "to", (0, 2**64 - 1), "usize")
    if start > end or end > len(items):
        raise BuiltinError(f"slice indexes out of range. start index: {start}, end index: {end}, length: {len(items)}")
    return items[start:end]


def _sum(args: list[JValue]) -> int:
    total = 0
    for x in integers(field(args, 0, "xs"), "xs"):
        total = _i64(total + x, "add")
    return total


def _sets(args: list[JValue], operation: Callable[[set[str], set[str]], set[str]]) -> list[str]:
    return sorted(operation(set(strings(field(args, 0, "xs"), "xs")), set(strings(field(args, 1, "ys"), "ys"))))


def _pairs(args: list[JValue], into: dict[str, JValue]) -> dict[str, JValue]:
    """json.obj / json.puts: alternating keys and values after the fixed arguments."""
    for index in range(0, len(args), 2):
        key = args[index]
        if index + 1 >= len(args):
            raise BuiltinError(
                f"Expected odd number of arguments, got even. No value for key '{orjson.dumps(key).decode()}'"
            )
        if not isinstance(key, str):
            raise BuiltinError(
                "All keys must be of type string. Key of the following pair is of invalid type: "
                f"({orjson.dumps(key).decode()}, {orjson.dumps(args[index + 1]).decode()})"
            )
        into[key] = args[index + 1]
    return into


def _pair_list(value: JValue, name: str) -> list[tuple[str, JValue]]:
    pairs = []
    for pair in array(value, name):
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise BuiltinError(f"Error while deserializing field '{name}': expected an array of [string, value] pairs")
        pairs.append((pair[0], pair[1]))
    return pairs


def _json_parse(args: list[JValue]) -> JValue:
    text = string(field(args, 0, "json"), "json")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise BuiltinError(f"error parsing json {text}: {e}") from None


def _stringify(args: list[JValue]) -> str:
    if not args:
        return '"<empty argument list>"'
    return orjson.dumps(args[0] if len(args) == 1 else args).decode()


TABLE: dict[tuple[str, str], Handler] = {
    ("op", "noop"): lambda args: "",
    ("op", "identity"): _identity,
    ("op", "array"): list,
    ("op", "concat"): _concat,
    ("op", "array_length"): _array_length,
    ("op", "concat_strings"): _concat_strings,
    ("op", "string_to_b58"): lambda a: base58.b58encode(string(field(a, 0, "string"), "string").encode()).decode(),
    ("op", "string_from_b58"): _string_from_b58,
    ("op", "bytes_to_b58"): lambda a: base58.b58encode(byte_array(field(a, 0, "bytes"), "bytes")).decode(),
    ("op", "bytes_from_b58"): lambda a: list(_b58decode(string(field(a, 0, "b58_string"), "b58_string"))),
    ("op", "sha256_string"): _sha256_string,
    ("math", "add"): _binary(lambda x, y: _i64(x + y, "add")),
    ("math", "sub"): _binary(lambda x, y: _i64(x - y, "add")),
    ("math", "mul"): _binary(lambda x, y: _i64(x * y, "mul")),
    ("math", "fmul"): _fmul,
    ("math", "div"): _binary(_div),
    ("math", "rem"): _binary(_rem),
    ("math", "pow"): _pow,
    ("math", "log"): _binary(_log),
    ("cmp", "gt"): _binary(lambda x, y: x > y),
    ("cmp", "gte"): _binary(lambda x, y: x >= y),
    ("cmp", "lt"): _binary(lambda x, y: x < y),
    ("cmp", "lte"): _binary(lambda x, y: x <= y),
    ("cmp", "cmp"): _binary(lambda x, y: (x > y) - (x < y)),
    ("array", "sum"): _sum,
    ("array", "dedup"): lambda args: list(dict.fromkeys(strings(field(args, 0, "xs"), "xs"))),
    ("array", "intersect"): lambda args: _sets(args, set.intersection),
    ("array", "diff"): lambda args: _sets(args, set.difference),
    ("array", "sdiff"): lambda args: _sets(args, set.symmetric_difference),
    ("array", "length"): lambda args: len(array(field(args, 0, "array"), "array")),
    ("array", "slice"): _slice,
    ("json", "obj"): lambda args: _pairs(args, {}),
    ("json", "put"): lambda args: {
        **object_(field(args, 0, "object"), "object"),
        string(field(args, 1, "key"), "key"): field(args, 2, "value"),
    },
    ("json", "puts"): lambda args: _pairs(args[1:], dict(object_(field(args, 0, "object"), "object"))),
    ("json", "obj_pairs"): lambda args: dict(_pair_list(field(args, 0, "values"), "values")),
    ("json", "puts_pairs"): lambda args: {
        **object_(field(args, 0, "object"), "object"),
        **dict(_pair_list(field(args, 1, "values"), "values")),
    },
    ("json", "parse"): _json_parse,
    ("json", "stringify"): lambda args: orjson.dumps(field(args, 0, "value")).decode(),
    ("debug", "stringify"): _stringify,
}
SERVICES = frozenset(service for service, _ in TABLE)


def call(service: str, function: str, args: list[JValue]) -> JValue:
    """The result of a pure builtin; raises `BuiltinError` (also for an unknown function)."""
    handler = TABLE.get((service, function))
    if handler is None:
        raise BuiltinError(f"builtin service {service!r} has no function {function!r}")
    return handler(args)
