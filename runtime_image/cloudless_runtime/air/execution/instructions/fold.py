"""`fold` over arrays, canon streams and canon maps, the reactive `fold` over streams and stream
maps (one mini-fold per generation, values appended meanwhile are folded too), and `next`."""

from __future__ import annotations

import contextlib
from typing import Any

from cloudless_runtime.air.execution import errors, streams
from cloudless_runtime.air.execution.context import Context, FoldState, Iterable
from cloudless_runtime.air.execution.instructions.dispatch import execute, handles, trace_failure
from cloudless_runtime.air.execution.resolve import resolve_one
from cloudless_runtime.air.execution.values import Tetraplet, Value, with_lens
from cloudless_runtime.air.merge.automata import FoldFSM
from cloudless_runtime.air.merge.keeper import TraceError
from cloudless_runtime.air.syntax import ast, render


def _elements(array: Any, expression: str, tetraplet: Tetraplet, trace_pos: int) -> list[Value]:
    if not isinstance(array, list):
        raise errors.CatchableError(
            errors.FOLD_OVER_NON_ARRAY,
            f"expression '{expression}' returned non-array value '{errors.json_text(array)}' for fold iterable",
        )
    return [Value(item, with_lens(tetraplet, f".$.[{i}]"), trace_pos) for i, item in enumerate(array)]


def _scalar_items(instr: ast.FoldScalar, ctx: Context) -> list[Value]:
    iterable = instr.iterable
    if type(iterable) is ast.Scalar:
        assert isinstance(iterable, ast.Scalar)
        if iterable.lens is None:
            value = ctx.scalar_value(iterable.name)
            return _elements(value.result, iterable.name, value.tetraplet, value.trace_pos)
        selected = resolve_one(iterable, ctx, 0)
        return _elements(selected.result, render.lambda_text(iterable.lens), selected.tetraplet, 0)
    if type(iterable) is ast.CanonStream:
        assert isinstance(iterable, ast.CanonStream)
        if iterable.lens is None:
            return list(ctx.canon(iterable.name).values)
        selected = resolve_one(iterable, ctx, 0)
        return _elements(selected.result, render.lambda_text(iterable.lens), selected.tetraplet, 0)
    assert isinstance(iterable, ast.CanonMap)
    if iterable.lens is None:
        return list(ctx.canon_map(iterable.name).values)
    selected = resolve_one(iterable, ctx, 0)
    return _elements(selected.result, render.lambda_text(iterable.lens), selected.tetraplet, 0)


@handles(ast.FoldScalar)
def fold_scalar(instr: ast.FoldScalar, ctx: Context) -> None:
    if type(instr.iterable) is ast.EmptyArray:
        return
    try:
        items = _scalar_items(instr, ctx)
    except errors.CatchableError as e:
        if e.joinable:
            ctx.complete = False
            return
        raise
    if items:
        _fold(items, instr.iterator, body=instr.body, last=instr.last, fsm=None, ctx=ctx)


def _fold(
    items: list[Value],
    iterator: str,
    *,
    body: ast.Instruction,
    last: ast.Instruction | None,
    fsm: FoldFSM | None,
    ctx: Context,
) -> None:
    _scopes_fold(ctx, start=True)
    if iterator in ctx.iterables:
        raise errors.UncatchableError(
            errors.MULTIPLE_ITERABLE_VALUES, f"multiple iterable values found for iterable name '{iterator}'"
        )
    ctx.iterables[iterator] = FoldState(Iterable(items), body, last, fsm)
    try:
        execute(body, ctx)
    finally:
        del ctx.iterables[iterator]
        _scopes_fold(ctx, start=False)


def _scopes_fold(ctx: Context, *, start: bool) -> None:
    for scoped in (ctx.scalars, ctx.canons, ctx.canon_maps):
        if start:
            scoped.fold_start()
        else:
            scoped.fold_end()


def _stream_fold(instr: ast.FoldStream | ast.FoldStreamMap, stream: streams.Stream | None, ctx: Context) -> None:
    if stream is None:
        ctx.complete = False
        return
    try:
        fsm = FoldFSM(ctx.keeper)
        cursor = (0, 0, 0)
        generations = stream.slices(cursor)
        cursor = stream.cursor()
        if generations:
            stream.open_new_generation()
        complete = False
        while generations:
            for values in generations:
                if not values:
                    continue
                fsm.iteration_start(values[0].trace_pos)
                with contextlib.suppress(errors.CatchableError):
                    _fold(list(values), instr.iterator, body=instr.body, last=instr.last, fsm=fsm, ctx=ctx)
                fsm.generation_end()
                complete = complete or ctx.complete
            generations = stream.slices(cursor)
            stream.drop_last_generation_if_empty()
            cursor = stream.cursor()
            stream.open_new_generation()
        ctx.complete = complete
        fsm.fold_end()
    except TraceError as e:
        raise trace_failure(instr, e) from None


@handles(ast.FoldStream)
def fold_stream(instr: ast.FoldStream, ctx: Context) -> None:
    _stream_fold(instr, ctx.streams.get(instr.iterable.name, ctx.scope_of(instr.iterable)), ctx)


@handles(ast.FoldStreamMap)
def fold_stream_map(instr: ast.FoldStreamMap, ctx: Context) -> None:
    _stream_fold(instr, ctx.stream_maps.get(instr.iterable.name, ctx.scope_of(instr.iterable)), ctx)


@handles(ast.Next)
def next_(instr: ast.Next, ctx: Context) -> None:
    fold = ctx.iterables.get(instr.iterator)
    if fold is None:
        raise errors.UncatchableError(
            errors.FOLD_STATE_NOT_FOUND, f"fold state not found for this iterable '{instr.iterator}'"
        )
    fsm = fold.fsm
    iterable = fold.iterable
    try:
        if fsm is not None:
            fsm.iteration_end()
        if iterable.cursor + 1 >= len(iterable.items):
            if fsm is not None:
                fsm.back_iterator()
            if fold.last is not None:
                ctx.complete = True
                execute(fold.last, ctx)
            elif fsm is not None and not fold.back_iteration_started:
                fold.back_iteration_started = True
                ctx.complete = False
            return
        iterable.cursor += 1
        if fsm is not None:
            fsm.iteration_start(iterable.peek().trace_pos)
        for scoped in (ctx.scalars, ctx.canons, ctx.canon_maps):
            scoped.next_before()
        try:
            execute(fold.body, ctx)
        finally:
            for scoped in (ctx.scalars, ctx.canons, ctx.canon_maps):
                scoped.next_after()
        iterable.cursor -= 1
        if fsm is not None:
            fsm.back_iterator()
    except TraceError as e:
        raise trace_failure(instr, e) from None
