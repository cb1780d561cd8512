"""`call`: resolve the triplet, find the call's state in the merged traces, then either replay its
result, wait, send the particle to the call's peer, or ask the host for a local call."""

from __future__ import annotations

from typing import Any

import orjson

from cloudless_runtime.air.data import cid
from cloudless_runtime.air.data import trace as tr
from cloudless_runtime.air.execution import errors, streams
from cloudless_runtime.air.execution.context import Context
from cloudless_runtime.air.execution.instructions.dispatch import handles, trace_failure
from cloudless_runtime.air.execution.resolve import resolve, to_string
from cloudless_runtime.air.execution.values import Tetraplet, Value
from cloudless_runtime.air.interface import CallRequest, CallResult
from cloudless_runtime.air.interface import Tetraplet as WireTetraplet
from cloudless_runtime.air.merge import states
from cloudless_runtime.air.merge.keeper import TraceError
from cloudless_runtime.air.syntax import ast, render

_I32_MAX = 2**31 - 1


@handles(ast.Call)
def call(instr: ast.Call, ctx: Context) -> None:
    tetraplet: Tetraplet | None = None
    try:
        peer = to_string(instr.peer, ctx)
        tetraplet = (peer, to_string(instr.service, ctx), to_string(instr.function, ctx), "")
        _check_output(instr.output, ctx)
        _execute(instr, tetraplet, ctx)
    except errors.CatchableError as e:
        if e.joinable:
            ctx.complete = False
            return
        ctx.set_errors(e, render.instruction_text(instr), tetraplet, True)
        raise


def _check_output(output: ast.Scalar | ast.Stream | None, ctx: Context) -> None:
    if type(output) is not ast.Scalar:
        return
    assert isinstance(output, ast.Scalar)
    name = output.name
    if name in ctx.iterables:
        raise errors.UncatchableError(
            errors.ITERABLE_SHADOWING,
            f"variable with name '{name}' can't be shadowed, shadowing isn't supported for iterables",
        )
    if ctx.scalars.defined(name) and ctx.scalars.get(name) is not None and not ctx.scalars.could_be_set(name):
        raise errors.shadowing(name)


def _argument_hash(instr: ast.Call, ctx: Context) -> str | None:
    """The CID of the argument list, or None while an argument is not known yet."""
    try:
        return cid.of([resolve(arg, ctx)[0] for arg in instr.args])
    except errors.CatchableError as e:
        if e.joinable:
            return None
        raise


def _execute(instr: ast.Call, tetraplet: Tetraplet, ctx: Context) -> None:
    argument_hash = _argument_hash(instr, ctx)
    try:
        met = states.call(ctx.keeper)
    except TraceError as e:
        raise trace_failure(instr, e) from None
    prev_state: tr.State | None = None
    if met is not None:
        state = met.state
        kind = state[1]
        if kind in (tr.SENT, tr.SENT_ID):
            if kind == tr.SENT_ID and state[2] == ctx.current_peer_id:
                result = ctx.call_results.pop(state[3], None) if isinstance(state[3], int) else None
                if result is None:
                    ctx.complete = False
                    ctx.keeper.result.append(state)
                    return
                _apply_service_result(instr, tetraplet, argument_hash=argument_hash, result=result, ctx=ctx)
                return
            if tetraplet[0] != ctx.current_peer_id:
                ctx.complete = False
                ctx.keeper.result.append(state)
                return
            prev_state = state
        elif kind == tr.FAILED:
            _replay_failure(state, tetraplet, argument_hash, ctx)
        else:
            _replay_result(
                instr,
                state,
                trace_pos=met.trace_pos,
                from_prev=met.from_prev,
                tetraplet=tetraplet,
                argument_hash=argument_hash,
                ctx=ctx,
            )
            return
    if tetraplet[0] != ctx.current_peer_id:
        ctx.next_peers.append(tetraplet[0])
        ctx.complete = False
        ctx.keeper.result.append(tr.sent(ctx.current_peer_id))
        return
    try:
        arguments: list[Any] = []
        tetraplets: list[list[WireTetraplet]] = []
        for arg in instr.args:
            value, arg_tetraplets = resolve(arg, ctx)
            arguments.append(_sorted_keys(value))
            tetraplets.append([WireTetraplet(*t) for t in arg_tetraplets])
    except errors.CatchableError as e:
        if e.joinable and prev_state is not None:
            ctx.keeper.result.append(prev_state)
        raise
    ctx.last_call_id += 1
    call_id = ctx.last_call_id
    ctx.call_requests[call_id] = CallRequest(tetraplet[1], tetraplet[2], arguments, tetraplets)
    ctx.complete = False
    ctx.keeper.result.append(tr.sent_with_id(ctx.current_peer_id, call_id))


def _sorted_keys(value: Any) -> Any:
    """Objects reach the host with sorted keys, as AquaVM's serde_json maps hand them out."""
    if type(value) is dict:
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if type(value) is list:
        return [_sorted_keys(item) for item in value]
    return value


def _verify(expected_hash: str | None, expected: Tetraplet, stored_hash: str, stored: Tetraplet) -> None:
    if expected_hash != stored_hash:
        raise errors.UncatchableError(
            errors.PARAMETERS_MISMATCH,
            f"call argument_hash doesn't match expected parameters: expected {expected_hash}, got {stored_hash} ",
        )
    if expected != stored:
        raise errors.UncatchableError(
            errors.PARAMETERS_MISMATCH,
            f"call tetraplet doesn't match expected parameters: expected {expected}, got {stored} ",
        )


def _local_service_error(ret_code: int, message: str) -> errors.CatchableError:
    return errors.CatchableError(
        errors.LOCAL_SERVICE_ERROR,
        f"Local service error, ret_code is {ret_code}, error message is '{message}'",
    )


def _replay_failure(state: tr.State, tetraplet: Tetraplet, argument_hash: str | None, ctx: Context) -> None:
    value, stored_tetraplet, stored_hash = ctx.service_result(state[2])
    _verify(argument_hash, tetraplet, stored_hash, stored_tetraplet)
    ret_code = value.get("ret_code") if isinstance(value, dict) else None
    message = value.get("message") if isinstance(value, dict) else None
    if not isinstance(ret_code, int) or isinstance(ret_code, bool) or not isinstance(message, str):
        raise errors.UncatchableError(
            errors.MALFORMED_CALL_SERVICE_FAILED, f"failed to deserialize to CallServiceFailed: {value}"
        )
    ctx.complete = False
    ctx.record_produced(tetraplet[0], state[2])
    ctx.keeper.result.append(state)
    raise _local_service_error(ret_code, message)


def _replay_result(
    instr: ast.Call,
    state: tr.State,
    *,
    trace_pos: int,
    from_prev: bool,
    tetraplet: Tetraplet,
    argument_hash: str | None,
    ctx: Context,
) -> None:
    output = instr.output
    kind = state[1]
    if kind == tr.SCALAR and type(output) is ast.Scalar:
        assert isinstance(output, ast.Scalar)
        value, stored_tetraplet, stored_hash = ctx.service_result(state[2])
        _verify(argument_hash, tetraplet, stored_hash, stored_tetraplet)
        ctx.set_scalar(output.name, Value(value, tetraplet, trace_pos))
        ctx.record_produced(tetraplet[0], state[2])
    elif kind == tr.STREAM and type(output) is ast.Stream:
        assert isinstance(output, ast.Stream)
        value, stored_tetraplet, stored_hash = ctx.service_result(state[2])
        _verify(argument_hash, tetraplet, stored_hash, stored_tetraplet)
        group = streams.PREVIOUS if from_prev else streams.CURRENT
        if not isinstance(state[3], int) or state[3] < 0:
            raise errors.trace_error(render.instruction_text(instr), f"malformed stream state {state}")
        stream = ctx.streams.get_or_create(output.name, ctx.scope_of(output))
        stream.add(Value(value, tetraplet, trace_pos), group, state[3])
        ctx.record_produced(tetraplet[0], state[2])
    elif not (kind == tr.UNUSED and output is None):
        raise errors.UncatchableError(
            errors.CALL_RESULT_NOT_CORRESPOND,
            f"call result value {state} doesn't match with corresponding instruction",
        )
    ctx.keeper.result.append(state)


def _apply_service_result(
    instr: ast.Call, tetraplet: Tetraplet, *, argument_hash: str | None, result: CallResult, ctx: Context
) -> None:
    ret_code, text = result.ret_code, result.result
    arg_hash = argument_hash or ""
    if ret_code != 0:
        failed = ctx.track_service_result({"ret_code": ret_code, "message": text}, tetraplet, arg_hash)
        ctx.record_produced(tetraplet[0], failed)
        ctx.keeper.result.append(tr.failed(failed))
        raise _local_service_error(ret_code, text)
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        message = f"call_service result '{text}' can't be serialized or deserialized with an error: {e}"
        failed = ctx.track_service_result({"ret_code": _I32_MAX, "message": message}, tetraplet, arg_hash)
        ctx.keeper.result.append(tr.failed(failed))
        raise _local_service_error(_I32_MAX, message) from None
    trace_pos = len(ctx.keeper.result)
    output = instr.output
    if output is None:
        ctx.keeper.result.append(tr.unused(cid.of(value)))
        return
    result_cid = ctx.track_service_result(value, tetraplet, arg_hash)
    if type(output) is ast.Scalar:
        ctx.set_scalar(output.name, Value(value, tetraplet, trace_pos))
        state = tr.scalar(result_cid)
    else:
        assert isinstance(output, ast.Stream)
        ctx.streams.get_or_create(output.name, ctx.scope_of(output)).add(
            Value(value, tetraplet, trace_pos), streams.NEW, 0
        )
        state = tr.stream(result_cid, 0)
    ctx.record_produced(tetraplet[0], result_cid)
    ctx.keeper.result.append(state)
