"""seq, par, xor, null, never, new, match and mismatch: how completeness and errors flow."""

from __future__ import annotations

from typing import Any

from cloudless_runtime.air.execution import errors
from cloudless_runtime.air.execution.context import Context, InstructionError
from cloudless_runtime.air.execution.instructions.dispatch import execute, handles, trace_failure
from cloudless_runtime.air.execution.resolve import resolve
from cloudless_runtime.air.execution.scalars import ScopedValues
from cloudless_runtime.air.merge.automata import ParFSM
from cloudless_runtime.air.merge.keeper import TraceError
from cloudless_runtime.air.syntax import ast


@handles(ast.Seq)
def seq(instr: ast.Seq, ctx: Context) -> None:
    ctx.complete = True
    execute(instr.left, ctx)
    if ctx.complete:
        execute(instr.right, ctx)


@handles(ast.Par)
def par(instr: ast.Par, ctx: Context) -> None:
    try:
        fsm = ParFSM(ctx.keeper)
    except TraceError as e:
        raise trace_failure(instr, e) from None
    left_error = _branch(instr.left, ctx)
    fsm.left_completed()
    left_complete = ctx.complete
    right_error = _branch(instr.right, ctx)
    fsm.right_completed()
    ctx.complete = left_complete or ctx.complete
    if left_error is None or right_error is None:
        ctx.last_error.can_be_set = True
        return
    raise right_error


def _branch(instr: ast.Instruction, ctx: Context) -> errors.CatchableError | None:
    """A `(par X (next i))` branch counts as incomplete until the iteration says otherwise."""
    ctx.complete = type(instr) is not ast.Next
    try:
        execute(instr, ctx)
    except errors.CatchableError as e:
        ctx.complete = False
        return e
    except errors.UncatchableError:
        ctx.complete = False
        raise
    return None


@handles(ast.Xor)
def xor(instr: ast.Xor, ctx: Context) -> None:
    ctx.complete = True
    try:
        execute(instr.left, ctx)
    except errors.CatchableError as caught:
        ctx.complete = True
        ctx.last_error.can_be_set = True
        ctx.error.value.original = caught
        ctx.error.can_be_set = True
        try:
            execute(instr.right, ctx)
        finally:
            if ctx.error.can_be_set:
                ctx.error.value = InstructionError()
        ctx.error.can_be_set = True


@handles(ast.Null)
def null(instr: ast.Null, ctx: Context) -> None:
    return None


@handles(ast.Never)
def never(instr: ast.Never, ctx: Context) -> None:
    ctx.complete = False


@handles(ast.New)
def new(instr: ast.New, ctx: Context) -> None:
    """Streams get a fresh scope (compacted when it closes); scalars and canons are hidden."""
    variable = instr.variable
    name = variable.name
    kind = type(variable)
    if kind is ast.Stream or kind is ast.StreamMap:
        scoped = ctx.streams if kind is ast.Stream else ctx.stream_maps
        scoped.scope_start(name, id(instr))
        try:
            execute(instr.body, ctx)
        finally:
            scoped.scope_end(name, ctx.keeper)
        return
    hidden: ScopedValues[Any] = (
        ctx.scalars if kind is ast.Scalar else ctx.canons if kind is ast.CanonStream else ctx.canon_maps
    )
    hidden.new_start(name)
    try:
        execute(instr.body, ctx)
    finally:
        hidden.new_end(name)


def json_equal(a: Any, b: Any) -> bool:
    """serde_json equality: `1` and `1.0` differ, `true` is no number."""
    if type(a) is not type(b):
        return False
    if type(a) is list:
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is dict:
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _operands_equal(left: ast.Value, right: ast.Value, ctx: Context) -> bool | None:
    """None when an operand is not known yet (join)."""
    try:
        return json_equal(resolve(left, ctx)[0], resolve(right, ctx)[0])
    except errors.CatchableError as e:
        if e.joinable:
            ctx.complete = False
            return None
        raise


@handles(ast.Match)
def match(instr: ast.Match, ctx: Context) -> None:
    equal = _operands_equal(instr.left, instr.right, ctx)
    if equal is None:
        return
    if not equal:
        raise errors.CatchableError(errors.MATCH_VALUES_NOT_EQUAL, "compared values do not match")
    execute(instr.body, ctx)


@handles(ast.Mismatch)
def mismatch(instr: ast.Mismatch, ctx: Context) -> None:
    equal = _operands_equal(instr.left, instr.right, ctx)
    if equal is None:
        return
    if equal:
        raise errors.CatchableError(errors.MISMATCH_VALUES_EQUAL, "compared values do not mismatch")
    execute(instr.body, ctx)
