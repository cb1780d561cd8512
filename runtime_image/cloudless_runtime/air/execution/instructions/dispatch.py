"""The one place that runs an instruction: a table from syntax node class to handler.

Mirrors AquaVM's `execute!` macro: when a catchable error leaves any instruction but `call`
(which sets its own, with the call's tetraplet), `%last_error%` and `:error:` are set from it
with the instruction's canonical text, if they may still be set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from cloudless_runtime.air.execution import errors
from cloudless_runtime.air.execution.context import Context
from cloudless_runtime.air.merge.keeper import TraceError
from cloudless_runtime.air.syntax import ast, render

Handler = Callable[[Any, Context], None]

HANDLERS: dict[type, Handler] = {}

_LOGS_PEER_ID: Final = (ast.Canon, ast.CanonMapInstr, ast.CanonMapScalar)


def handles(*kinds: type) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for kind in kinds:
            HANDLERS[kind] = handler
        return handler

    return register


def execute(instruction: ast.Instruction, ctx: Context) -> None:
    try:
        HANDLERS[type(instruction)](instruction, ctx)
    except errors.CatchableError as error:
        kind = type(instruction)
        if kind is not ast.Call:
            ctx.set_errors(error, render.instruction_text(instruction), None, kind in _LOGS_PEER_ID)
        raise


def trace_failure(instruction: ast.Instruction, error: TraceError) -> errors.UncatchableError:
    return errors.trace_error(render.instruction_text(instruction), str(error))
