"""Instructions and values printed exactly as AquaVM's Rust `Display` impls print them.

The text is observable: it is the `instruction` field of `%last_error%` and `:error:`, which
scripts read and pass to services, so it must match byte for byte across implementations. It is
not the source text: seq/par/xor/null/never print only their name, match shows its operands but not
its body, a call without output keeps the space before the missing output, lenses are normalised
(`x.$.a[0]!` prints as `x.$.a.[0]`), and floats print as Rust prints an f64 (`1.0` -> `1`,
never an exponent).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

from cloudless_runtime.air.syntax import ast


def instruction_text(instruction: ast.Instruction) -> str:
    """The text AquaVM puts in an error's `instruction` field for this instruction."""
    return _INSTRUCTIONS[type(instruction)](instruction)


def value_text(value: ast.Value | ast.Stream | ast.StreamMap) -> str:
    """A value as AquaVM prints it inside an instruction."""
    return _VALUES[type(value)](value)


def lambda_text(lens: ast.Lambda | None) -> str:
    """`.$.a.[0].[x]`, `.length`, or nothing."""
    if lens is None:
        return ""
    if isinstance(lens, ast.Length):
        return ".length"
    return ".$." + ".".join(_accessor_text(accessor) for accessor in lens.accessors)


def number_text(value: int | float) -> str:
    """Rust's `Display` for i64 and f64: shortest round-trip digits, never an exponent."""
    if isinstance(value, int):
        return str(value)
    text = format(decimal.Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _accessor_text(accessor: ast.Accessor) -> str:
    if isinstance(accessor, ast.FieldAccessor):
        return accessor.name
    if isinstance(accessor, ast.IndexAccessor):
        return f"[{accessor.index}]"
    return f"[{accessor.name}]"


def _named(value: ast.Scalar | ast.CanonStream | ast.CanonMap) -> str:
    return value.name + lambda_text(value.lens)


def _name_only(value: ast.Stream | ast.StreamMap) -> str:
    return value.name


def _literal(value: ast.Literal) -> str:
    return f'"{value.text}"'


def _number(value: ast.Number) -> str:
    return number_text(value.value)


def _boolean(value: ast.Boolean) -> str:
    return "true" if value.value else "false"


def _last_error(value: ast.LastError) -> str:
    return "%last_error%" + lambda_text(value.lens)


def _error(value: ast.InstructionError) -> str:
    return ":error:" + lambda_text(value.lens)


def _constant(text: str) -> Callable[[Any], str]:
    return lambda _: text


# Values are keyed by their exact class, so each function receives the class it is registered for.
_VALUES: dict[type, Callable[[Any], str]] = {
    ast.Literal: _literal,
    ast.Number: _number,
    ast.Boolean: _boolean,
    ast.EmptyArray: _constant("[]"),
    ast.InitPeerId: _constant("%init_peer_id%"),
    ast.Timestamp: _constant("%timestamp%"),
    ast.Ttl: _constant("%ttl%"),
    ast.LastError: _last_error,
    ast.InstructionError: _error,
    ast.Scalar: _named,
    ast.CanonStream: _named,
    ast.CanonMap: _named,
    ast.Stream: _name_only,
    ast.StreamMap: _name_only,
}


def _call(node: ast.Call) -> str:
    args = " ".join(value_text(arg) for arg in node.args)
    output = "" if node.output is None else node.output.name
    peer, service, function = value_text(node.peer), value_text(node.service), value_text(node.function)
    return f"call {peer} ({service} {function}) [{args}] {output}"


def _canon(node: ast.Canon) -> str:
    return f"canon {value_text(node.peer)} {node.stream.name} {node.canon.name}"


def _canon_map(node: ast.CanonMapInstr) -> str:
    return f"canon {value_text(node.peer)} {node.stream_map.name} {node.canon.name}"


def _canon_map_scalar(node: ast.CanonMapScalar) -> str:
    return f"canon {value_text(node.peer)} {node.stream_map.name} {node.scalar.name}"


def _ap(node: ast.Ap) -> str:
    return f"ap {value_text(node.argument)} {node.result.name}"


def _ap_map(node: ast.ApMap) -> str:
    return f"ap ({value_text(node.key)} {value_text(node.value)}) {node.stream_map.name}"


def _new(node: ast.New) -> str:
    return f"new {node.variable.name}"


def _fold(node: ast.FoldScalar | ast.FoldStream | ast.FoldStreamMap) -> str:
    return f"fold {value_text(node.iterable)} {node.iterator}"


def _next(node: ast.Next) -> str:
    return f"next {node.iterator}"


def _match(node: ast.Match) -> str:
    return f"match {value_text(node.left)} {value_text(node.right)}"


def _mismatch(node: ast.Mismatch) -> str:
    return f"mismatch {value_text(node.left)} {value_text(node.right)}"


def _fail_literal(node: ast.FailLiteral) -> str:
    return f'fail {node.ret_code} "{node.message}"'


def _fail_value(node: ast.FailValue) -> str:
    return f"fail {value_text(node.value)}"


_INSTRUCTIONS: dict[type, Callable[[Any], str]] = {
    ast.Call: _call,
    ast.Canon: _canon,
    ast.CanonMapInstr: _canon_map,
    ast.CanonMapScalar: _canon_map_scalar,
    ast.Ap: _ap,
    ast.ApMap: _ap_map,
    ast.Seq: _constant("seq"),
    ast.Par: _constant("par"),
    ast.Xor: _constant("xor"),
    ast.New: _new,
    ast.FoldScalar: _fold,
    ast.FoldStream: _fold,
    ast.FoldStreamMap: _fold,
    ast.Next: _next,
    ast.Match: _match,
    ast.Mismatch: _mismatch,
    ast.FailLiteral: _fail_literal,
    ast.FailValue: _fail_value,
    ast.FailLastError: _constant("fail %last_error%"),
    ast.FailError: _constant("fail :error:"),
    ast.Null: _constant("null"),
    ast.Never: _constant("never"),
}
