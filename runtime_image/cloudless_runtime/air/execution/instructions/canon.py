"""`canon`: freeze a stream (or stream map) on one peer; every other peer replays the frozen
values from the trace, so the canon is identical everywhere and fixed forever."""

from __future__ import annotations

from cloudless_runtime.air.data import trace as tr
from cloudless_runtime.air.execution import errors
from cloudless_runtime.air.execution.context import Context
from cloudless_runtime.air.execution.instructions.dispatch import handles, trace_failure
from cloudless_runtime.air.execution.resolve import to_string
from cloudless_runtime.air.execution.values import CanonMap, CanonStream, Tetraplet, Value, map_key
from cloudless_runtime.air.merge import states
from cloudless_runtime.air.merge.keeper import TraceError
from cloudless_runtime.air.syntax import ast

CanonInstruction = ast.Canon | ast.CanonMapInstr | ast.CanonMapScalar


def _source_values(instr: CanonInstruction, ctx: Context) -> list[Value]:
    """The values a first-time canon freezes, as this peer sees them right now."""
    if type(instr) is ast.Canon:
        stream = ctx.streams.get(instr.stream.name, ctx.scope_of(instr.stream))
        return stream.values() if stream is not None else []
    assert isinstance(instr, (ast.CanonMapInstr, ast.CanonMapScalar))
    stream_map = ctx.stream_maps.get(instr.stream_map.name, ctx.scope_of(instr.stream_map))
    pairs = stream_map.values() if stream_map is not None else []
    if type(instr) is ast.CanonMapInstr:
        return pairs
    first_per_key: dict[str, object] = {}
    for pair in pairs:
        key = map_key(pair.result.get("key")) if isinstance(pair.result, dict) else None
        if key is not None and str(key) not in first_per_key and "value" in pair.result:
            first_per_key[str(key)] = pair.result["value"]
    peer = ctx.current_peer_id
    return [Value(first_per_key, (peer, "", "", ""), 0)]


def _bind(instr: CanonInstruction, values: list[Value], tetraplet: Tetraplet, key: str, ctx: Context) -> None:
    if type(instr) is ast.Canon:
        ctx.canons.set(instr.canon.name, CanonStream(values, tetraplet, key))
    elif type(instr) is ast.CanonMapInstr:
        ctx.canon_maps.set(instr.canon.name, CanonMap(values, tetraplet, key))
    else:
        assert isinstance(instr, ast.CanonMapScalar)
        if not values:
            raise errors.UncatchableError(
                errors.CANON_STREAM_MAP_ERROR, "there is no data to produce a scalar from a canon stream map"
            )
        ctx.set_scalar(instr.scalar.name, Value(values[0].result, tetraplet, len(ctx.keeper.result)))
    ctx.keeper.result.append(tr.canon_executed(key))


def _first_time(instr: CanonInstruction, peer: str, ctx: Context) -> None:
    values = _source_values(instr, ctx)
    tetraplet = (peer, "", "", "")
    key = ctx.track_canon(values, tetraplet)
    ctx.record_produced(peer, key)
    _bind(instr, values, tetraplet, key, ctx)


def _joinable_peer(instr: CanonInstruction, ctx: Context) -> str | None:
    try:
        return to_string(instr.peer, ctx)
    except errors.CatchableError as e:
        if e.joinable:
            ctx.complete = False
            return None
        raise


@handles(ast.Canon, ast.CanonMapInstr, ast.CanonMapScalar)
def canon(instr: CanonInstruction, ctx: Context) -> None:
    try:
        state = states.canon(ctx.keeper)
    except TraceError as e:
        raise trace_failure(instr, e) from None
    if state is None:
        peer = _joinable_peer(instr, ctx)
        if peer is None:
            return
        if peer != ctx.current_peer_id:
            ctx.complete = False
            ctx.next_peers.append(peer)
            ctx.keeper.result.append(tr.canon_sent(ctx.current_peer_id))
            return
        _first_time(instr, peer, ctx)
        return
    peer = to_string(instr.peer, ctx)
    if state[1] == tr.SENT:
        if peer != ctx.current_peer_id:
            ctx.complete = False
            ctx.keeper.result.append(state)
            return
        _first_time(instr, peer, ctx)
        return
    values, tetraplet = ctx.canon_result(state[2], 0)
    if tetraplet != (peer, "", "", ""):
        raise errors.UncatchableError(
            errors.PARAMETERS_MISMATCH,
            f"canon tetraplet doesn't match expected parameters: expected {(peer, '', '', '')}, got {tetraplet} ",
        )
    ctx.record_produced(tetraplet[0], state[2])
    _bind(instr, values, tetraplet, state[2], ctx)
