"""Turning value expressions into JSON values with their tetraplets (AquaVM's resolver).

`resolve` gives what a call argument or a match operand sees: the value and one tetraplet per
element it came from. `resolve_one` gives a single Value (with one tetraplet and a trace
position), which is what `ap`, `fail` and map keys need.
"""

from __future__ import annotations

from typing import Any

from cloudless_runtime.air.execution import errors, lambdas
from cloudless_runtime.air.execution.context import Context, InstructionError
from cloudless_runtime.air.execution.values import (
    CanonMap,
    CanonStream,
    Tetraplet,
    Value,
    literal_tetraplet,
    with_lens,
)
from cloudless_runtime.air.syntax import ast, render


def resolve(node: ast.Value, ctx: Context) -> tuple[Any, list[Tetraplet]]:
    kind = type(node)
    if kind is ast.Scalar:
        assert isinstance(node, ast.Scalar)
        if node.lens is None:
            value = ctx.scalar_value(node.name)
            return value.result, [value.tetraplet]
    elif kind is ast.CanonStream:
        assert isinstance(node, ast.CanonStream)
        if node.lens is None:
            canon = ctx.canon(node.name)
            return canon.as_json(), [v.tetraplet for v in canon.values]
    elif kind is ast.CanonMap:
        assert isinstance(node, ast.CanonMap)
        if node.lens is None:
            canon_map = ctx.canon_map(node.name)
            return canon_map.as_json(), [v.tetraplet for v in canon_map.values]
    value = resolve_one(node, ctx, 0)
    return value.result, [value.tetraplet]


def resolve_one(node: ast.Value, ctx: Context, trace_pos: int) -> Value:
    kind = type(node)
    if kind is ast.Literal:
        assert isinstance(node, ast.Literal)
        return _literal(node.text, ctx, trace_pos)
    if kind is ast.Scalar:
        assert isinstance(node, ast.Scalar)
        value = ctx.scalar_value(node.name)
        if node.lens is None:
            return value.at(trace_pos)
        result = lambdas.apply_to_scalar(value.result, node.lens, ctx.scalar_json)
        return Value(result, _lensed(value.tetraplet, node.lens), trace_pos)
    if kind is ast.Number or kind is ast.Boolean:
        assert isinstance(node, (ast.Number, ast.Boolean))
        return _literal(node.value, ctx, trace_pos)
    if kind is ast.InitPeerId:
        return _literal(ctx.init_peer_id, ctx, trace_pos)
    if kind is ast.LastError:
        assert isinstance(node, ast.LastError)
        return _error(ctx.last_error.value, node.lens, ctx, trace_pos)
    if kind is ast.InstructionError:
        assert isinstance(node, ast.InstructionError)
        return _error(ctx.error.value, node.lens, ctx, trace_pos)
    if kind is ast.CanonStream:
        assert isinstance(node, ast.CanonStream)
        return _canon(ctx.canon(node.name), node.lens, ctx, trace_pos)
    if kind is ast.CanonMap:
        assert isinstance(node, ast.CanonMap)
        return _canon_map(ctx.canon_map(node.name), node.lens, ctx, trace_pos)
    if kind is ast.Timestamp:
        return _literal(ctx.params.timestamp, ctx, trace_pos)
    if kind is ast.Ttl:
        return _literal(ctx.params.ttl, ctx, trace_pos)
    if kind is ast.EmptyArray:
        return _literal([], ctx, trace_pos)
    raise AssertionError(f"not a value: {node!r}")


def _literal(value: Any, ctx: Context, trace_pos: int) -> Value:
    return Value(value, literal_tetraplet(ctx.init_peer_id), trace_pos)


def _lensed(tetraplet: Tetraplet, lens: ast.Lambda) -> Tetraplet:
    if isinstance(lens, ast.Length):
        return ("", "", "", render.lambda_text(lens))
    return with_lens(tetraplet, render.lambda_text(lens))


def _error(error: InstructionError, lens: ast.Lambda | None, ctx: Context, trace_pos: int) -> Value:
    tetraplet = error.tetraplet if error.tetraplet is not None else literal_tetraplet(ctx.init_peer_id)
    result = error.error if lens is None else lambdas.apply_to_scalar(error.error, lens, ctx.scalar_json)
    return Value(result, tetraplet, trace_pos)


def _canon(canon: CanonStream, lens: ast.Lambda | None, ctx: Context, trace_pos: int) -> Value:
    if lens is None:
        return Value(canon.as_json(), canon.tetraplet, trace_pos)
    if isinstance(lens, ast.Length):
        return Value(len(canon.values), (ctx.current_peer_id, render.lambda_text(lens), "", ""), trace_pos)
    idx = lambdas.stream_index(lens, len(canon.values), ctx.scalar_json)
    element = canon.values[idx]
    result = lambdas.apply_path(element.result, lens.accessors[1:], ctx.scalar_json)
    return Value(result, element.tetraplet, trace_pos)


def _canon_map(canon: CanonMap, lens: ast.Lambda | None, ctx: Context, trace_pos: int) -> Value:
    if lens is None:
        return Value(canon.as_json(), canon.tetraplet, trace_pos)
    if isinstance(lens, ast.Length):
        return Value(len(canon.values), (ctx.current_peer_id, "", "", render.lambda_text(lens)), trace_pos)
    key = lambdas.canon_map_key(lens, ctx.scalar_json, lambda name: name in ctx.iterables)
    values = lambdas.canon_map_values(canon, key)
    rest = lens.accessors[1:]
    if not rest:
        return Value([v.result for v in values], (canon.tetraplet[0], "", "", render.lambda_text(lens)), trace_pos)
    idx = lambdas.stream_index(ast.Lens(rest), len(values), ctx.scalar_json)
    element = values[idx]
    result = lambdas.apply_path(element.result, rest[1:], ctx.scalar_json)
    suffix = render.lambda_text(ast.Lens(rest[1:]))[2:] if rest[1:] else ""
    return Value(result, with_lens(element.tetraplet, suffix), trace_pos)


def to_string(node: ast.PeerValue, ctx: Context) -> str:
    """A call triplet part or a canon peer: must resolve to a string (10011 otherwise)."""
    if type(node) is ast.Literal:
        assert isinstance(node, ast.Literal)
        return node.text
    if type(node) is ast.InitPeerId:
        return ctx.init_peer_id
    value = resolve_one(node, ctx, 0).result
    if not isinstance(value, str):
        name = node.name if isinstance(node, (ast.Scalar, ast.CanonStream, ast.CanonMap)) else str(node)
        raise errors.CatchableError(
            errors.NON_STRING_TRIPLET,
            f"call cannot resolve non-String triplet variable part `{name}` with value '{errors.json_text(value)}'",
        )
    return value
