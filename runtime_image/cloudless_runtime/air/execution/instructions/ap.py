"""`ap`: put a value into a scalar, a stream (one `ap` state holding the generation) or a
stream map (a `{"key", "value"}` pair)."""

from __future__ import annotations

from cloudless_runtime.air.data import trace as tr
from cloudless_runtime.air.execution import errors, streams
from cloudless_runtime.air.execution.context import Context
from cloudless_runtime.air.execution.instructions.dispatch import handles, trace_failure
from cloudless_runtime.air.execution.resolve import resolve, resolve_one
from cloudless_runtime.air.execution.values import Value, map_key
from cloudless_runtime.air.merge import states
from cloudless_runtime.air.merge.keeper import TraceError
from cloudless_runtime.air.syntax import ast


def _argument(node: ast.Value, ctx: Context) -> Value | None:
    try:
        return resolve_one(node, ctx, len(ctx.keeper.result))
    except errors.CatchableError as e:
        if e.joinable:
            ctx.complete = False
            return None
        raise


def _met_ap(instr: ast.Ap | ast.ApMap, ctx: Context) -> tuple[int, bool] | None:
    try:
        return states.ap(ctx.keeper)
    except TraceError as e:
        raise trace_failure(instr, e) from None


def _add(stream: streams.Stream, value: Value, met: tuple[int, bool] | None) -> None:
    if met is None:
        stream.add(value, streams.NEW, 0)
    else:
        generation, from_prev = met
        if not isinstance(generation, int) or generation < 0:
            raise errors.trace_error("ap", f"malformed ap generation {generation!r}")
        stream.add(value, streams.PREVIOUS if from_prev else streams.CURRENT, generation)


@handles(ast.Ap)
def ap(instr: ast.Ap, ctx: Context) -> None:
    value = _argument(instr.argument, ctx)
    if value is None:
        return
    result = instr.result
    if type(result) is ast.Scalar:
        ctx.set_scalar(result.name, value)
        return
    assert isinstance(result, ast.Stream)
    met = _met_ap(instr, ctx)
    _add(ctx.streams.get_or_create(result.name, ctx.scope_of(result)), value, met)
    ctx.keeper.result.append(tr.ap(0))


@handles(ast.ApMap)
def ap_map(instr: ast.ApMap, ctx: Context) -> None:
    value = _argument(instr.value, ctx)
    if value is None:
        return
    met = _met_ap(instr, ctx)
    key_node = instr.key
    if type(key_node) is ast.Literal:
        key: object = key_node.text
    elif type(key_node) is ast.Number:
        key = key_node.value
    else:
        try:
            key = resolve(key_node, ctx)[0]
        except errors.CatchableError as e:
            if e.joinable:
                ctx.complete = False
                return
            raise
    checked = map_key(key)
    if checked is None:
        raise errors.CatchableError(
            errors.STREAM_MAP_ERROR,
            f"unsupported type for {instr.stream_map.name} map's key",
        )
    pair = Value({"key": checked, "value": value.result}, value.tetraplet, value.trace_pos)
    _add(ctx.stream_maps.get_or_create(instr.stream_map.name, ctx.scope_of(instr.stream_map)), pair, met)
    ctx.keeper.result.append(tr.ap(0))
