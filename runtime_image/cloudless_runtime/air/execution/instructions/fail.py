"""`fail`: throw a literal error, an error object held in a variable, `%last_error%`, or rethrow
the error being handled (`:error:`) with its original code."""

from __future__ import annotations

from typing import Any

from cloudless_runtime.air.execution import errors
from cloudless_runtime.air.execution.context import Context, InstructionError
from cloudless_runtime.air.execution.instructions.dispatch import handles
from cloudless_runtime.air.execution.resolve import resolve_one
from cloudless_runtime.air.execution.values import Tetraplet, literal_tetraplet
from cloudless_runtime.air.syntax import ast, render

FailInstruction = ast.FailLiteral | ast.FailValue | ast.FailLastError | ast.FailError


def _invalid(message: str) -> errors.CatchableError:
    return errors.CatchableError(errors.INVALID_ERROR_OBJECT, message)


def check_error_object(value: Any) -> None:
    text = errors.json_text(value)
    if not isinstance(value, dict):
        raise _invalid(
            f"scalar should have an object type to be converted into error object, but '{text}' doesn't have"
        )
    if "error_code" not in value:
        raise _invalid(f"scalar '{text}' must have field with name 'error_code'")
    code = value["error_code"]
    if not isinstance(code, int) or isinstance(code, bool):
        raise _invalid(f"error_code of scalar '{text}' must have integer type")
    if code == 0:
        raise _invalid("error code must be non-zero, but it is zero")
    if "message" not in value:
        raise _invalid(f"scalar '{text}' must have field with name 'message'")
    if not isinstance(value["message"], str):
        raise _invalid(f"message of scalar '{text}' must have string type")


def _throw(ctx: Context, error: Any, tetraplet: Tetraplet | None) -> errors.CatchableError:
    ctx.last_error.value = InstructionError(error, tetraplet)
    ctx.last_error.can_be_set = False
    ctx.complete = False
    return errors.CatchableError(
        errors.USER_ERROR, f"fail with '{errors.json_text(error)}' is used without corresponding xor"
    )


@handles(ast.FailLiteral, ast.FailValue, ast.FailLastError, ast.FailError)
def fail(instr: FailInstruction, ctx: Context) -> None:
    if type(instr) is ast.FailLiteral:
        assert isinstance(instr, ast.FailLiteral)
        error = {
            "error_code": instr.ret_code,
            "message": instr.message,
            "instruction": render.instruction_text(instr),
            "peer_id": ctx.init_peer_id,
        }
        raise _throw(ctx, error, literal_tetraplet(ctx.init_peer_id))
    if type(instr) is ast.FailValue:
        assert isinstance(instr, ast.FailValue)
        value = resolve_one(instr.value, ctx, 0)
        check_error_object(value.result)
        raise _throw(ctx, value.result, value.tetraplet)
    if type(instr) is ast.FailLastError:
        last = ctx.last_error.value
        check_error_object(last.error)
        raise _throw(ctx, last.error, last.tetraplet)
    current = ctx.error.value
    check_error_object(current.error)
    thrown = _throw(ctx, current.error, current.tetraplet)
    ctx.error.can_be_set = False
    if current.original is not None:
        raise errors.CatchableError(current.original.code, current.original.message)
    raise thrown
